"""Chapter-8 figures: each returns a Figure that shows the data it was given, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import io  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import gatebook as gb  # noqa: E402
from gatebook import plots  # noqa: E402
from gatebook.plots import dimensionality as dim_plots  # noqa: E402
from gatebook.quiet_state import origin_disk, quiet_lambda_max  # noqa: E402
from gatebook.r_gate import jacobian_cloud, r_gate_sweep  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")

TINY = dict(N=20, t_transient=5.0, t_measure=10.0, lyapunov_t_measure=5.0, n_states=1)


@pytest.fixture(scope="module")
def alpha_sweep():
    return r_gate_sweep([0.0, 20.0], seeds=(0, 1), k=8, **TINY)


@pytest.fixture(scope="module")
def beta_sweep():
    return r_gate_sweep([0.0, 1.0], seeds=(0, 1), parameter="beta_r", dimension=False, **TINY)


def _render(fig):
    """Draw the figure once (errors such as incompatible aspect settings appear only at draw time)."""
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    return fig


def _lines_with(ax, n):
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) == n]


def _errorbar_lines(ax):
    """The data line of each errorbar drawn on ``ax``, in drawing order."""
    return [c.lines[0] for c in ax.containers]


def test_spectra_panels_draw_eigenvalues_contour_and_disk():
    net = gb.GatedNetwork(30, 3.0, alpha_r=5.0, seed=0)
    x = gb.simulate(net, 10.0, 0.1, seed=0).states[-1]
    clouds = {"quiet": jacobian_cloud(net, np.zeros(net.dim)), "moving": jacobian_cloud(net, x)}
    fig = _render(plots.plot_spectra_by_alpha_r(clouds))
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 2 and axes[0].get_title().startswith("quiet")
    for ax, cloud in zip(axes, clouds.values()):
        offsets = ax.collections[0].get_offsets()
        np.testing.assert_allclose(offsets[:, 0], cloud.eigenvalues.ravel().real)
        np.testing.assert_allclose(offsets[:, 1], cloud.eigenvalues.ravel().imag)
        contour = cloud.boundary.contours[0]
        drawn = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(contour)]
        np.testing.assert_allclose(drawn[0].get_xdata(), contour[:, 0])
        circle = [p for p in ax.patches if isinstance(p, Circle)][0]
        assert circle.radius == pytest.approx(origin_disk(3.0)[1])
        assert f"radius {cloud.radius:.2f}" in ax.get_title()
    with pytest.raises(TypeError, match="clouds"):
        plots.plot_spectra_by_alpha_r({})


def test_dimension_sweep_plots_seed_means(alpha_sweep):
    fig = _render(plots.plot_dimension_sweep(alpha_sweep))
    axes = fig.get_axes()
    assert len(axes) == 4
    for ax, quantity in zip(axes[1:], ("lambda_max", "kaplan_yorke_fraction", "pr_fraction")):
        line = _errorbar_lines(ax)[0]
        np.testing.assert_allclose(line.get_ydata(), alpha_sweep.sweep(quantity).mean)
        np.testing.assert_allclose(line.get_xdata(), [0.0, 20.0])
    first = _errorbar_lines(axes[0])
    np.testing.assert_allclose(first[0].get_ydata(), alpha_sweep.sweep("spectral_radius").mean)
    np.testing.assert_allclose(first[1].get_ydata(), alpha_sweep.sweep("spectral_abscissa").mean)
    assert axes[1].get_ylabel() == r"$\lambda_{\max}\,\tau_h$"
    with pytest.raises(TypeError, match="RGateSweep"):
        plots.plot_dimension_sweep({"a": 1})


def test_lyapunov_spectra_show_exponents_partial_sums_and_sum_rule():
    net = gb.GatedNetwork(8, 3.0, alpha_r=10.0, seed=0)
    res = gb.lyapunov_spectrum(net, net.dim, t_transient=5.0, t_measure=10.0, seed=0)
    fig = _render(plots.plot_lyapunov_spectra({"a": res}))
    left, right = fig.get_axes()
    n = len(res.exponents)
    np.testing.assert_allclose(_lines_with(left, n)[0].get_ydata(), res.exponents)
    head = right.get_lines()[0]
    m = len(head.get_xdata())
    np.testing.assert_allclose(head.get_xdata(), np.arange(1, m + 1))
    np.testing.assert_allclose(head.get_ydata(), np.cumsum(res.exponents)[:m])
    crossing = int(np.sum(np.cumsum(res.exponents) >= 0))
    assert crossing < m <= n  # the head shows where the partial sums turn negative
    label = left.get_legend().get_texts()[0].get_text()
    assert f"{res.exponents.sum():.3f}" in label and f"{res.mean_trace:.3f}" in label


def test_beta_r_effect_draws_measured_points_and_quiet_state_curves(beta_sweep, alpha_sweep):
    fig = _render(plots.plot_beta_r_effect(beta_sweep))
    left, right = fig.get_axes()
    measured = _errorbar_lines(left)[0]
    np.testing.assert_allclose(measured.get_ydata(), beta_sweep.sweep("spectral_radius").mean)
    curve = _lines_with(left, 200)[0]
    expected = origin_disk(3.0, beta_r=curve.get_xdata())[1]
    np.testing.assert_allclose(curve.get_ydata(), expected)
    np.testing.assert_allclose(_errorbar_lines(right)[0].get_ydata(), beta_sweep.sweep("lambda_max").mean)
    prediction = [ln for ln in right.get_lines() if len(ln.get_xdata()) > 2][0]
    b = prediction.get_xdata()
    assert np.all(3.0 / (1 + np.exp(b)) < 1.0)  # drawn only where the quiet state is stable
    np.testing.assert_allclose(prediction.get_ydata(), quiet_lambda_max(3.0, beta_r=b, tau_z=1.0))
    with pytest.raises(ValueError, match="beta_r"):
        plots.plot_beta_r_effect(alpha_sweep)


def test_dimension_explorer_shows_the_cloud_and_the_covariance_spectrum():
    fig = _render(plots.dimension_explorer(5.0, seed=1, N=30))
    assert isinstance(fig, Figure)
    left, right = fig.get_axes()
    net = gb.GatedNetwork(30, 3.0, alpha_r=5.0, seed=1)
    t0, window = dim_plots.EXPLORER_T_TRANSIENT, dim_plots.EXPLORER_T_SAMPLE
    traj = gb.simulate(net, t0 + window, 0.1, seed=1, record_every=10)
    samples = traj.states[traj.times >= t0 - 0.05]
    eig = np.linalg.eigvals(net.jacobian(samples[-1]))
    offsets = left.collections[0].get_offsets()
    np.testing.assert_allclose(np.sort(offsets[:, 0]), np.sort(eig.real), atol=1e-10)
    pr = gb.state_participation_ratio(samples[:, :30])
    assert f"PR/N = {pr / 30:.3f}" in right.get_title()
    mu = gb.covariance_spectrum(samples[:, :30])
    np.testing.assert_allclose(right.get_lines()[0].get_ydata(), (mu / mu.sum())[mu > 0])
    # cached: a second call reuses the computation
    hits = dim_plots._explorer_data.cache_info().hits
    plots.dimension_explorer(5.0, seed=1, N=30)
    assert dim_plots._explorer_data.cache_info().hits == hits + 1
    with pytest.raises(ValueError, match="alpha_r"):
        plots.dimension_explorer(-1.0)


def test_dimension_explorer_names_bad_arguments():
    with pytest.raises(TypeError, match=r"\bseed\b"):
        plots.dimension_explorer(5.0, seed=None, N=10)  # used to fail in int()
    with pytest.raises(ValueError, match=r"\bN\b"):
        plots.dimension_explorer(5.0, N=10**12)
    with pytest.raises(ValueError, match=r"\balpha_r\b"):
        plots.dimension_explorer(1e12, N=10)


@pytest.fixture(scope="module")
def dimension_tables():
    from gatebook.dimension_controls import dimension_controls, dimension_sweep

    controls = dimension_controls([0.0, 20.0], seeds=(0, 1), k=8, **TINY)
    alpha_z = dimension_sweep("alpha_z", [0.0, 5.0], seeds=(0, 1), k=8, **TINY)
    return controls, alpha_z


def test_dimension_table_draws_one_curve_per_arm_and_row_per_table(dimension_tables):
    controls, alpha_z = dimension_tables
    fig = _render(plots.plot_dimension_table([controls, alpha_z]))
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == 8  # two rows of four panels
    # first row: three arms, the means over seeds of the PR fraction
    lines = _errorbar_lines(axes[0])
    assert len(lines) == 3
    for line, arm in zip(lines, controls.arms):
        np.testing.assert_allclose(line.get_ydata(), controls.sweep(arm, "pr_fraction").mean)
    assert "soft gate" in " ".join(t.get_text() for t in axes[0].get_legend().get_texts())
    # the DMFT exponent of each arm is drawn as a dashed line in the lambda panel
    dashed = [ln for ln in axes[2].get_lines() if ln.get_linestyle() == "--"]
    np.testing.assert_allclose(dashed[0].get_ydata(), controls.theory["gated"]["lambda_max"])
    assert axes[3].get_yscale() == "log"
    # second row: the alpha_z sweep, one arm, no DMFT line where alpha_z != 0 makes it NaN (drawn for finite ones)
    assert len(_errorbar_lines(axes[4])) == 1
    assert axes[4].get_xlabel() == r"timescale-gate gain $\alpha_z$"
    assert axes[4].get_legend() is None


def test_dimension_table_accepts_one_table_and_refuses_others(dimension_tables):
    fig = _render(plots.plot_dimension_table(dimension_tables[0]))
    assert len(fig.axes) == 4
    with pytest.raises(TypeError, match="tables"):
        plots.plot_dimension_table("table")
    with pytest.raises(TypeError, match=r"tables\[1\]"):
        plots.plot_dimension_table([dimension_tables[0], 3])
    with pytest.raises(ValueError, match="tables"):
        plots.plot_dimension_table([])
