"""Chapter-1 figures: each returns a Figure showing the data it was given, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import gatebook as gb  # noqa: E402
from gatebook import plots  # noqa: E402


pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


def test_plot_traces_draws_requested_units_per_panel():
    net = gb.RandomRateNetwork(30, 1.5, seed=0)
    a = gb.simulate(net, 5.0, 0.1, seed=1)
    b = gb.simulate(net, 5.0, 0.1, seed=2)
    fig = plots.plot_traces({"a": a, "b": b}, units=4)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["a", "b"]
    data_lines = [ln for ln in axes[0].get_lines() if len(ln.get_xdata()) == a.times.size]
    assert len(data_lines) == 4
    np.testing.assert_allclose(data_lines[0].get_ydata(), a.states[:, 0])


def test_plot_integrator_errors_reports_measured_slopes():
    dts = np.array([0.1, 0.05, 0.025])
    fig = plots.plot_integrator_errors(dts, {"euler": 2 * dts, "rk4": 3 * dts**4})
    labels = [t.get_text() for t in fig.get_axes()[0].get_legend().get_texts()]
    assert labels == ["euler (slope 1.00)", "rk4 (slope 4.00)"]


def test_plot_eigenvalues_draws_points_and_predicted_disk():
    eig = np.array([-1 + 0.5j, -1 - 0.5j, -0.2 + 0j])
    fig = plots.plot_eigenvalues(eig, disk=(-1.0, 1.5), title="t")
    ax = fig.get_axes()[0]
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], eig.real)
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 1 and circles[0].radius == pytest.approx(1.5)


def test_sweep_plots_use_seed_means():
    s = gb.Sweep("lam", "g", np.array([0.5, 1.5]), (0, 1), np.array([[-0.5, 0.1], [-0.3, 0.3]]), label="N=1")
    fig = plots.plot_lyapunov_sweeps([s])
    line = fig.get_axes()[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), [-0.4, 0.2])
    assert s.zero_crossing() == pytest.approx(0.5 + 0.4 / 0.6)
    fig = plots.plot_correlation_times(gb.Sweep("tc", "g", np.array([1.5, 2.0]), (0,), np.array([[4.0, 3.0]])))
    assert fig.get_axes()[0].get_yscale() == "log"


def test_lyapunov_convergence_plot_ends_at_the_estimate():
    res = gb.max_lyapunov(gb.RandomRateNetwork(40, 2.0, seed=0), t_transient=5, t_measure=20, seed=0)
    fig = plots.plot_lyapunov_convergence(res)
    assert fig.get_axes()[0].get_lines()[0].get_ydata()[-1] == pytest.approx(res.maximum)


@pytest.mark.parametrize("g, words", [(0.5, "decays to rest"), (3.0, "keeps fluctuating")])
def test_network_explorer_titles_the_regime(g, words):
    fig = plots.network_explorer(g, seed=0, N=100)
    assert isinstance(fig, Figure)
    assert words in fig.get_axes()[0].get_title()
    # The spectrum panel shows g times the cached unit spectrum, shifted by -1.
    offsets = fig.get_axes()[1].collections[0].get_offsets()
    expected = -1.0 + g * np.linalg.eigvals(gb.RandomRateNetwork(100, 1.0, seed=0).couplings)
    np.testing.assert_allclose(np.sort(offsets[:, 0]), np.sort(expected.real), atol=1e-10)


def test_describe_activity_recognises_fixed_points():
    t = np.linspace(0, 20, 201)
    rest = gb.Trajectory(t, np.zeros((201, 3)))
    fixed = gb.Trajectory(t, np.ones((201, 3)))
    moving = gb.Trajectory(t, np.sin(t)[:, None] * np.ones(3))
    assert plots.describe_activity(rest) == "decays to rest"
    assert plots.describe_activity(fixed) == "settles on a non-zero fixed point"
    assert plots.describe_activity(moving) == "keeps fluctuating"


def test_bad_plot_input_is_rejected():
    with pytest.raises(TypeError, match="trajectories"):
        plots.plot_traces([])
    with pytest.raises(ValueError, match="sweeps"):
        plots.plot_lyapunov_sweeps([])


def test_returned_figures_display_as_png_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        assert plots.show_figures_in_notebooks()
        fig = plots.plot_eigenvalues(np.array([-1 + 0j, -0.5 + 0.2j]))
        data, _ = shell.display_formatter.format(fig)
        assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        InteractiveShell.clear_instance()


def test_log_ticks_places_decades_from_exponents_limits_or_data():
    fig = Figure()
    a, b, c = fig.subplots(1, 3)
    plots.log_ticks(a, exponents=range(-3, 1), limits=(1e-3, 1.5))
    assert a.get_yscale() == "log" and a.get_ylim() == pytest.approx((1e-3, 1.5))
    assert [t.get_text() for t in a.get_yticklabels()] == ["10⁻³", "10⁻²", "0.1", "1"]
    assert len(a.yaxis.get_minorticklocs()) == 0
    # from limits: the decades inside [lo, hi], thinned to at most max_ticks, decimal labels
    plots.log_ticks(b, "x", limits=(0.02, 3e7), labels="decimal", max_ticks=4)
    assert b.get_xscale() == "log"
    np.testing.assert_allclose(b.get_xticks(), [0.1, 100.0, 1e5])
    assert [t.get_text() for t in b.get_xticklabels()] == ["0.1", "100", "1e5"]
    # from the data: labels only on decades, and an axis already log keeps its scale object
    c.semilogy([0, 1], [1e-5, 1e4])
    scale = c.yaxis._scale
    plots.log_ticks(c)
    assert c.yaxis._scale is scale
    ticks = c.get_yticks()
    labels = [c.yaxis.get_major_formatter()(t) for t in ticks]
    assert all(lab == plots.decade_label(round(np.log10(t))) for t, lab in zip(ticks, labels))


def test_decade_label_styles_and_bad_options():
    assert [plots.decade_label(e) for e in (-2, -1, 0, 1, 2)] == ["10⁻²", "0.1", "1", "10", "10²"]
    assert [plots.decade_label(e, "decimal") for e in (-4, -3, 3, 4)] == ["1e-4", "0.001", "1000", "1e4"]
    with pytest.raises(ValueError, match="labels"):
        plots.decade_label(1, "latex")
    ax = Figure().subplots()
    with pytest.raises(ValueError, match="axis"):
        plots.log_ticks(ax, "z")
    with pytest.raises(ValueError, match="limits"):
        plots.log_ticks(ax, limits=(0.0, 1.0))
    with pytest.raises(ValueError, match="labels"):
        plots.log_ticks(ax, labels="tex")


@pytest.mark.parametrize("call, err, name", [
    (lambda: plots.new_figure(width=1e12), ValueError, "width"),
    (lambda: plots.new_figure(height="abc"), TypeError, "height"),
    (lambda: plots.new_figure(ncols=10**12), ValueError, "ncols"),
    (lambda: plots.log_ticks(None), TypeError, "ax"),
    (lambda: plots.log_ticks(Figure().subplots(), exponents=1.0), TypeError, "exponents"),
    (lambda: plots.log_ticks(Figure().subplots(), exponents=[400]), ValueError, "exponents"),
    (lambda: plots.decade_label(float("nan")), TypeError, "exponent"),
    (lambda: plots.plot_eigenvalues([1.0, np.nan]), ValueError, "eigenvalues"),
    (lambda: plots.plot_eigenvalues([-1.0], title=float("nan")), TypeError, "title"),
    (lambda: plots.plot_lyapunov_sweeps(1.0), TypeError, "sweeps"),
    (lambda: plots.plot_lyapunov_convergence([]), TypeError, "result"),
    (lambda: plots.plot_correlation_times(None), TypeError, "sweep"),
    (lambda: plots.describe_activity(gb.Trajectory(np.arange(3.0), np.zeros((3, 2))), window=float("nan")),
     ValueError, "window"),
    (lambda: plots.network_explorer(1.5, seed=None, N=10), TypeError, "seed"),
    (lambda: plots.network_explorer(1.5, N=10, t_max=1e12), ValueError, "t_max"),
])
def test_bad_input_names_the_argument(call, err, name):
    """Issue 13: bad input is a ValueError/TypeError naming the argument, checked before any work."""
    with pytest.raises(err, match=rf"\b{name}\b"):
        call()
