"""Chapter 6 figures: each returns a Figure that shows the right numbers, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402
from scipy.special import expit  # noqa: E402

import gatebook as gb  # noqa: E402
from gatebook import plots  # noqa: E402
from gatebook import quiescent as Q  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


def _offsets_as_complex(collection):
    xy = collection.get_offsets()
    return xy[:, 0] + 1j * xy[:, 1]


def test_gate_traces_show_h_and_both_gate_values():
    net = gb.GatedNetwork(30, 3.0, alpha_z=2.0, alpha_r=1.5, beta_z=0.5, beta_r=-0.5, seed=0)
    traj = gb.simulate(net, 5.0, 0.1, seed=1)
    fig = plots.plot_gate_traces(traj, net, units=3)
    assert isinstance(fig, Figure)
    ax_h, ax_z, ax_r = fig.get_axes()
    N = net.N
    h, z, r = traj.states[:, :N], traj.states[:, N : 2 * N], traj.states[:, 2 * N :]
    data = lambda ax: [ln for ln in ax.get_lines() if len(ln.get_xdata()) == traj.times.size]  # noqa: E731
    assert len(data(ax_h)) == len(data(ax_z)) == len(data(ax_r)) == 3
    np.testing.assert_allclose(data(ax_h)[2].get_ydata(), h[:, 2])
    np.testing.assert_allclose(data(ax_z)[1].get_ydata(), expit(2.0 * z[:, 1] - 0.5), rtol=1e-12)
    np.testing.assert_allclose(data(ax_r)[0].get_ydata(), expit(1.5 * r[:, 0] + 0.5), rtol=1e-12)
    rest = [ln.get_ydata()[0] for ln in ax_z.get_lines() if ln.get_linestyle() == "--"]
    assert rest == [pytest.approx(1 / (1 + np.exp(0.5)))]
    with pytest.raises(ValueError, match="traj"):
        plots.plot_gate_traces(gb.simulate(gb.RandomRateNetwork(30, 1.0, seed=0), 1.0, 0.1, seed=0), net)
    with pytest.raises(TypeError, match="net"):
        plots.plot_gate_traces(traj, gb.RandomRateNetwork(30, 1.0, seed=0))


def test_reduction_overlay_draws_both_networks_and_reports_the_difference():
    check = Q.reduction_check(gb.GatedNetwork(40, 3.0, beta_z=1.0, seed=2), t_max=5.0, seed=0)
    fig = plots.plot_reduction_overlay(check.gated, check.reduced, units=2)
    ax = fig.get_axes()[0]
    lines = ax.get_lines()
    assert len(lines) == 4
    np.testing.assert_allclose(lines[0].get_ydata(), check.gated.states[:, 0])
    np.testing.assert_allclose(lines[1].get_ydata(), check.reduced.states[:, 0])
    assert f"{check.max_error:.1e}" in ax.get_title()
    # a doctored reduced run: the title reports the injected difference
    shifted = gb.Trajectory(check.reduced.times, check.reduced.states + 0.25)
    assert "2.5e-01" in plots.plot_reduction_overlay(check.gated, shifted).get_axes()[0].get_title()
    with pytest.raises(ValueError, match="same times"):
        plots.plot_reduction_overlay(check.gated, gb.Trajectory(check.reduced.times * 2, check.reduced.states))
    with pytest.raises(ValueError, match="gated_traj"):
        plots.plot_reduction_overlay(check.reduced, check.reduced)


def test_origin_spectrum_shows_exact_eigenvalues_disk_and_gate_points():
    net = gb.GatedNetwork(50, 2.5, alpha_z=2.0, beta_r=0.5, tau_z=0.5, tau_r=0.4, seed=1)
    fig = plots.plot_origin_spectrum(net)
    ax = fig.get_axes()[0]
    w = np.linalg.eigvals(net.couplings_h)
    assert Q.spectrum_distance(_offsets_as_complex(ax.collections[0]), net.s_z * (-1 + 2.5 * net.s_r * w)) < 1e-10
    circle = next(p for p in ax.patches if isinstance(p, Circle))
    assert circle.radius == pytest.approx(2.5 * net.s_r * net.s_z)
    assert circle.center == pytest.approx((-net.s_z, 0.0))
    markers = sorted(ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_marker() == "X")
    assert markers == [pytest.approx(-2.5), pytest.approx(-2.0)]
    assert ax.get_title().endswith("stable") and "unstable" not in ax.get_title()
    assert "unstable" in plots.plot_origin_spectrum(gb.GatedNetwork(50, 4.0, seed=1), method="blocks").get_axes()[0].get_title()


def test_quiescent_threshold_plot_shows_measured_theory_and_brackets():
    sweep = Q.GrowthSweep(gains=np.array([1.0, 2.0, 3.0]), measured=np.array([-0.3, 0.01, 0.26]),
                          finite_N=np.array([-0.25, 0.0, 0.25]), large_N=np.array([-0.25, 0.0, 0.25]),
                          threshold=2.0, finite_threshold=2.0, beta_r=0.0, N=100, label="β_r = 0")
    bracket = Q.ThresholdBracket(lo=1.95, hi=2.02, threshold=2.0, finite_threshold=2.0, beta_r=0.0, N=100, evaluations=())
    fig = plots.plot_quiescent_threshold([sweep], [bracket])
    ax = fig.get_axes()[0]
    dots = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    np.testing.assert_allclose(dots[0].get_ydata(), sweep.measured)
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    np.testing.assert_allclose(dashed[0].get_ydata(), sweep.finite_N)
    assert any(ln.get_linestyle() == ":" and ln.get_xdata()[0] == 2.0 for ln in ax.get_lines())
    band = ax.patches[-1].get_extents()  # the bracket's shaded band spans [lo, hi] in data units
    x0, x1 = ax.transData.inverted().transform([[band.x0, 0], [band.x1, 0]])[:, 0]
    assert (x0, x1) == (pytest.approx(1.95, abs=1e-6), pytest.approx(2.02, abs=1e-6))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["β_r = 0"]
    with pytest.raises(ValueError, match="sweeps"):
        plots.plot_quiescent_threshold([])


@pytest.mark.parametrize("g_h, beta_r, word", [(2.5, 1.0, "decay"), (5.0, 1.0, "grow")])
def test_quiet_state_explorer_shows_the_spectrum_and_the_perturbation(g_h, beta_r, word):
    fig = plots.quiet_state_explorer(g_h, beta_r, N=80, seed=3)
    left, right = fig.get_axes()
    net = gb.GatedNetwork(80, g_h, alpha_z=2.0, alpha_r=2.0, beta_r=beta_r, seed=3)
    w = np.linalg.eigvals(net.couplings_h)
    assert Q.spectrum_distance(_offsets_as_complex(left.collections[0]), 0.5 * (-1 + g_h * net.s_r * w)) < 1e-10
    growth = Q.perturbation_growth(net, scale=1e-12, t_max=50.0, dt=0.25, seed=4, stop_at_limit=False)
    np.testing.assert_allclose(right.get_lines()[0].get_ydata(), growth.size, rtol=1e-10)
    # the dashed line has the predicted slope
    t, y = right.get_lines()[1].get_data()
    slope = np.log(y[1] / y[0]) / (t[1] - t[0])
    assert slope == pytest.approx(Q.origin_growth_rate(net).finite_N, rel=1e-9)
    assert word in fig._suptitle.get_text()
    assert (left.get_xlim(), right.get_ylim()) == ((-3.0, 2.0), (1e-22, 10.0))  # fixed axes across frames


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match=r"\bN\b"):
        plots.quiet_state_explorer(2.5, 1.0, N=10**12)
    with pytest.raises(ValueError, match=r"\bg_h\b"):
        plots.quiet_state_explorer(1e12, 1.0, N=10)
    with pytest.raises(TypeError, match=r"\bseed\b"):
        plots.quiet_state_explorer(2.5, 1.0, N=10, seed=None)
    net = gb.GatedNetwork(8, 2.0, seed=0)
    with pytest.raises(TypeError, match=r"\btitle\b"):
        plots.plot_origin_spectrum(net, title=float("nan"))
    with pytest.raises(TypeError, match=r"\bnet\b"):
        plots.plot_origin_spectrum(None)
    with pytest.raises(TypeError, match=r"\bbrackets\b"):
        plots.plot_quiescent_threshold([Q.GrowthSweep(gains=np.array([1.0]), measured=np.zeros(1), finite_N=np.zeros(1),
                                                      large_N=np.zeros(1), threshold=2.0, finite_threshold=2.0,
                                                      beta_r=0.0, N=10, label="")], brackets=1.0)
