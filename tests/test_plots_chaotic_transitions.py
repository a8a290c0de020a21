"""Chapter-10 figures: each returns a Figure that shows the data it was given, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import io  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gatebook import plots, transitions  # noqa: E402
from gatebook.meanfield import fixed_point_onset  # noqa: E402
from gatebook.quiet_state import quiet_lambda_max  # noqa: E402
from gatebook.transitions import HysteresisSweep, InputChaos, Thresholds  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")

SHARP = Thresholds(alpha_r=20.0, beta_r=0.0, g_r=1.0, g_topo=1.63, g_chaos=1.75, g_quiet=2.0)
SOFT = Thresholds(alpha_r=0.0, beta_r=0.0, g_r=1.0, g_topo=2.0, g_chaos=2.0, g_quiet=2.0)


def _render(fig):
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    return fig


def _line_with_label(ax, text):
    lines = [ln for ln in ax.get_lines() if text in ln.get_label()]
    assert lines, f"no line labelled {text!r}"
    return lines[0]


@pytest.fixture(scope="module")
def soft_curve():
    return transitions.branch_curve([1.8, 2.1, 2.4], 0.0)  # exact reduction: fast


@pytest.fixture(scope="module")
def sweep():
    g = np.array([1.7, 1.9, 2.2])
    var = np.array([[[1e-12, 1e-9], [1e-10, 0.08], [0.2, 0.25]], [[1e-13, 1e-8], [1e-11, 0.12], [0.3, 0.28]]])
    return HysteresisSweep(g_values=g, alpha_r=20.0, beta_r=0.0, N=50, seeds=(0, 1), initial_scales=np.array([0.05, 2.0]),
                           variance=var, final_rms=np.sqrt(var), lambda_max=np.full(var.shape, np.nan),
                           t_transient=10.0, t_measure=5.0, dt=0.2)


def test_branch_curves_plot_the_branches_and_thresholds(soft_curve):
    fig = _render(plots.plot_branch_curves({"soft": soft_curve}, {"soft": SOFT}))
    assert isinstance(fig, Figure)
    left, right = fig.axes[:2]
    m = soft_curve.chaotic
    var_line = _line_with_label(left, "soft: chaotic branch")
    np.testing.assert_allclose(var_line.get_xdata(), soft_curve.g_values[m])
    np.testing.assert_allclose(var_line.get_ydata(), soft_curve.variance[m])
    lam_line = _line_with_label(right, "soft: chaotic branch")
    np.testing.assert_allclose(lam_line.get_ydata(), soft_curve.lambda_chaotic[m])
    quiet = _line_with_label(right, "quiet state")
    np.testing.assert_allclose(quiet.get_ydata(), quiet_lambda_max(quiet.get_xdata(), tau_z=1.0))
    # three vertical threshold lines on each panel, at the given gains
    xs = sorted(ln.get_xdata()[0] for ln in left.get_lines() if len(set(ln.get_xdata())) == 1 and ln.get_xdata()[0] != 0)
    assert xs == [2.0, 2.0, 2.0]


def test_branch_curves_one_quiet_line_per_colour_when_biases_differ(soft_curve):
    other = transitions.branch_curve([1.8, 2.1, 2.4], 0.0, beta_r=0.5)
    fig = _render(plots.plot_branch_curves({"a": soft_curve, "b": other}))
    right = fig.axes[1]
    np.testing.assert_allclose(_line_with_label(right, "b: quiet state").get_ydata(), other.lambda_quiet)


def test_hysteresis_plot_shows_the_measured_variances(sweep, soft_curve):
    fig = _render(plots.plot_hysteresis(sweep, soft_curve, SHARP))
    left, right = fig.axes[:2]
    mean_large = _line_with_label(left, "start s.d. 2 ")
    np.testing.assert_allclose(mean_large.get_ydata(), np.maximum(sweep.mean_variance()[:, 1], 1e-8))
    frac_small = _line_with_label(right, "start s.d. 0.05")
    np.testing.assert_allclose(frac_small.get_ydata(), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(_line_with_label(right, "start s.d. 2").get_ydata(), [0.0, 1.0, 1.0])
    assert left.get_yscale() == "log"


def test_input_chaos_plot_shows_means_and_theory():
    res = InputChaos(sigma_values=np.array([0.0, 0.5]), g_h=2.0, alpha_r=20.0, beta_r=2.0, N=50, seeds=(0, 1, 2),
                     lambda_max=np.array([[-0.4, 0.05], [-0.38, 0.07], [-0.39, 0.09]]), lambda_stderr=np.zeros((3, 2)),
                     second_moment=np.array([[0.0, 0.7], [0.0, 0.8], [0.0, 0.75]]), variance=np.zeros((3, 2)),
                     theory_second_moment=np.array([0.0, 0.76]), theory_variance=np.array([0.0, 0.24]),
                     theory_lambda=np.array([-0.38, 0.11]), theory_branch=("quiescent", "chaotic"))
    fig = _render(plots.plot_input_chaos(res))
    left, right = fig.axes[:2]
    means = left.containers[0].lines[0].get_ydata()
    np.testing.assert_allclose(means, [-0.39, 0.07])
    np.testing.assert_allclose(_line_with_label(left, "DMFT").get_ydata(), [-0.38, 0.11])
    np.testing.assert_allclose(_line_with_label(right, r"DMFT $\Delta_h(0)$").get_ydata(), [0.0, 0.76])


def test_onsets_plot_draws_the_static_onset_and_the_chaotic_points():
    fig = _render(plots.plot_onsets([SOFT, SHARP], alpha_grid=[0.0, 5.0, 20.0]))
    ax = fig.axes[0]
    topo = _line_with_label(ax, "g_{\\rm topo}")
    np.testing.assert_allclose(topo.get_ydata(), [fixed_point_onset(a) for a in (0.0, 5.0, 20.0)], rtol=1e-12)
    chaos = _line_with_label(ax, "g_{\\rm chaos}")
    np.testing.assert_allclose(chaos.get_ydata(), [2.0, 1.75])
    assert ax.get_xscale() == "symlog"


def test_loop_gain_explorer_marks_the_fixed_points():
    fig = _render(plots.loop_gain_explorer(2.1, 20.0))
    ax = fig.axes[0]
    curve = _line_with_label(ax, "loop gain")
    delta = np.asarray(curve.get_xdata())
    np.testing.assert_allclose(curve.get_ydata(), transitions.loop_gain(delta, 2.1, 20.0), rtol=1e-12)
    dots = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(dots) == 1 and dots[0].get_ydata()[0] == 1.0  # G(0) > 1 at g_h > 2: one crossing
    # below g_topo no crossing, between g_topo and 2 two (the saddle-node pair)
    assert len([ln for ln in plots.loop_gain_explorer(1.5, 20.0).axes[0].get_lines() if ln.get_marker() == "o"]) == 0
    assert len([ln for ln in plots.loop_gain_explorer(1.9, 20.0).axes[0].get_lines() if ln.get_marker() == "o"]) == 2


def test_plot_bad_input(sweep):
    with pytest.raises(TypeError, match="curves"):
        plots.plot_branch_curves({})
    with pytest.raises(TypeError, match="curves"):
        plots.plot_branch_curves({"x": 1})
    with pytest.raises(TypeError, match="sweep"):
        plots.plot_hysteresis(None)
    with pytest.raises(TypeError, match="curve"):
        plots.plot_hysteresis(sweep, curve=3)
    with pytest.raises(TypeError, match="result"):
        plots.plot_input_chaos([])
    with pytest.raises(TypeError, match="onsets"):
        plots.plot_onsets([])
    with pytest.raises(ValueError, match="beta_r"):
        plots.plot_onsets([SOFT, Thresholds(0.0, 1.0, 1.0, 3.7, 3.7, 3.7)])
    with pytest.raises(ValueError, match="g_h"):
        plots.loop_gain_explorer(-1.0, 20.0)


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match=r"\bonsets\b"):
        plots.plot_onsets(1.0)  # used to fail in list()
    with pytest.raises(TypeError, match=r"\balpha_grid\b"):
        plots.plot_onsets([SOFT], alpha_grid="abc")
    with pytest.raises(ValueError, match=r"\bbeta_r\b"):
        plots.loop_gain_explorer(2.0, 5.0, beta_r=1e12)
