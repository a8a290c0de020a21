"""Chapter-7 figures: each returns a Figure showing the data it was given, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, Rectangle  # noqa: E402

import gatebook as gb  # noqa: E402
from gatebook import plots  # noqa: E402
from gatebook.memory import write_and_reset  # noqa: E402
from gatebook.slow_modes import fixed_point_invariance, slowing_sweep  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


@pytest.fixture(scope="module")
def small_sweep():
    return slowing_sweep([0.0, 20.0], seeds=(0, 1), N=30, t_transient=5.0, t_measure=10.0, t_lyapunov=5.0)


def test_plot_slowing_draws_the_seed_means(small_sweep):
    fig = plots.plot_slowing(small_sweep)
    assert isinstance(fig, Figure)
    ax_v, ax_l, ax_t, ax_f = fig.get_axes()
    assert ax_v.get_yscale() == "log"
    mean_line = [ln for ln in ax_v.get_lines() if ln.get_linestyle() == "-"][0]
    np.testing.assert_allclose(mean_line.get_ydata(), np.exp(np.log(small_sweep.data("rms_speed")).mean(axis=0)))
    lam_line = [ln for ln in ax_l.get_lines() if ln.get_linestyle() == "-" and len(ln.get_xdata()) == 2][0]
    np.testing.assert_allclose(lam_line.get_ydata(), small_sweep.data("lambda_max").mean(axis=0))
    limit = [ln for ln in ax_t.get_lines() if ln.get_linestyle() == "--"][0]
    assert limit.get_ydata()[0] == pytest.approx(small_sweep.measurements[0][0].drift_limit)
    near, closed = ax_f.get_lines()[:2]
    np.testing.assert_allclose(near.get_ydata(), small_sweep.data("near_zero_fraction").mean(axis=0))
    np.testing.assert_allclose(closed.get_ydata(), small_sweep.data("closed_fraction").mean(axis=0))


def test_plot_local_timescales_histograms_are_fractions_and_mark_the_exact_clock():
    rng = np.random.default_rng(0)
    data = {0.0: np.full(50, 2.0), 20.0: np.exp(rng.uniform(0, 10, 200))}
    fig = plots.plot_local_timescales(data, tau_h=1.0, beta_z=0.0)
    ax, ax_s = fig.get_axes()
    filled = [p for p in ax.patches if p.get_fill()]
    assert len(filled) == 2
    # histograms show fractions of samples: at alpha_z = 0 all samples share one bin (height 1)
    assert np.max(filled[0].get_xy()[:, 1]) == pytest.approx(1.0)
    assert np.max(filled[1].get_xy()[:, 1]) < 0.2
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"][0]
    assert dashed.get_xdata()[0] == pytest.approx(2.0)  # tau_h (1 + e^0)
    survival = ax_s.get_lines()[1]
    assert survival.get_ydata()[0] == pytest.approx(1.0) and survival.get_ydata()[-1] == pytest.approx(1 / 200)
    with pytest.raises(TypeError):
        plots.plot_local_timescales({})
    with pytest.raises(ValueError, match="positive"):
        plots.plot_local_timescales({0.0: np.array([-1.0])})


def test_plot_spectrum_with_support_draws_cloud_contour_and_disk(small_sweep):
    spectra = {"a": small_sweep.spectrum(0.0), "b": small_sweep.spectrum(20.0)}
    fig = plots.plot_spectrum_with_support(spectra, near_zero=0.01)
    axes = [ax for ax in fig.get_axes() if ax.get_title() in ("a", "b") or "\n" in ax.get_title()]
    ax = axes[0]
    eig = spectra["a"].eigenvalues.ravel()
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 0], eig.real)
    contour = spectra["a"].boundary.contours[0]
    np.testing.assert_allclose(ax.get_lines()[0].get_xydata(), contour)
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert circles and circles[0].radius == pytest.approx(spectra["a"].origin_disk[1])
    count = int(np.count_nonzero(np.abs(spectra["b"].eigenvalues) < 0.01))
    assert f"{count} eigenvalues" in axes[1].get_title()
    # a plain (eigenvalues, boundary) tuple works too
    assert isinstance(plots.plot_spectrum_with_support({"c": (eig, spectra["a"].boundary)}), Figure)


def test_plot_fixed_point_invariance_shows_residuals_and_counts():
    res = fixed_point_invariance(gb.GatedNetwork(40, 3.0, seed=1), alpha_z_values=[20.0], beta_z_values=[0.0, 1.0])
    fig = plots.plot_fixed_point_invariance(res)
    ax_r, ax_e, ax_c = fig.get_axes()
    np.testing.assert_allclose(ax_r.get_lines()[0].get_ydata(), res.residuals[:, 0])
    heights = [p.get_height() for p in ax_c.patches if isinstance(p, Rectangle)]
    np.testing.assert_array_equal(heights, np.concatenate([res.n_marginal, res.n_closed]))
    np.testing.assert_allclose(ax_e.collections[1].get_offsets()[:, 0], res.eigenvalues[-1].real)


def test_plot_memory_draws_each_trace():
    net = gb.GatedNetwork(20, 2.2, alpha_z=20.0, seed=0)
    results = {"outside": write_and_reset(net, placement="outside", t_settle=5.0, t_max=30.0, write_times=[5.0, 12.0],
                                          reset_time=20.0)}
    fig = plots.plot_memory(results)
    ax = fig.get_axes()[0]
    assert ax.get_title() == "outside"
    trace = [ln for ln in ax.get_lines() if ln.get_label().startswith("trace")][0]
    np.testing.assert_allclose(trace.get_ydata(), results["outside"].trace)
    with pytest.raises(TypeError):
        plots.plot_memory([])


def test_timescale_explorer_frame():
    fig = plots.timescale_explorer(alpha_z=0.0, beta_z=1.0)
    ax, ax_h = fig.get_axes()
    assert len(ax.get_lines()) == 6
    heights = np.array([p.get_height() for p in ax_h.patches if isinstance(p, Rectangle)])
    assert heights.sum() == pytest.approx(1.0)
    # alpha_z = 0: every local timescale is tau_h (1 + e^beta_z), all in one bin next to the dashed line
    assert heights.max() == pytest.approx(1.0)
    dashed = [ln for ln in ax_h.get_lines() if ln.get_linestyle() == "--"][0]
    assert dashed.get_xdata()[0] == pytest.approx(1 + np.e)
    with pytest.raises(ValueError, match="alpha_z"):
        plots.timescale_explorer(alpha_z=-1.0)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"\bbeta_z\b"):
        plots.timescale_explorer(beta_z=1e12)  # used to draw NaN
    with pytest.raises(TypeError, match=r"\bsweep\b"):
        plots.plot_slowing(None)
    with pytest.raises(TypeError, match=r"\bresult\b"):
        plots.plot_fixed_point_invariance(1.0)
    with pytest.raises(ValueError, match=r"\bbins\b"):
        plots.plot_local_timescales({0.0: np.full(3, 2.0)}, bins=10**12)
    with pytest.raises(ValueError, match=r"\bbeta_z\b"):
        plots.plot_local_timescales({0.0: np.full(3, 2.0)}, beta_z=1e12)
