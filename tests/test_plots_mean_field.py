"""Chapter-9 figures: each returns a Figure that shows the data it was given, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import io  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import gatebook as gb  # noqa: E402
from gatebook.meanfield import scs_dmft, scs_potential  # noqa: E402
from gatebook.meanfield.simulation import (  # noqa: E402
    FiniteSizeLyapunov,
    SimulatedAutocorrelation,
    expected_centred_autocorrelation,
    gated_theory,
    schrodinger_states,
    scs_theory_curve,
)
from gatebook.plots import mean_field as P  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


@pytest.fixture(scope="module")
def scs2():
    return scs_dmft(2.0, s_max=40.0, n=801)


def _render(fig):
    assert isinstance(fig, Figure)
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    return fig


def test_plot_potential_shows_v_and_delta(scs2):
    fig = _render(P.plot_potential(scs2))
    left, right = fig.axes[:2]
    solid = [ln for ln in left.lines if ln.get_linestyle() == "-" and len(ln.get_xdata()) > 10]
    x, y = solid[0].get_xdata(), solid[0].get_ydata()
    assert x[-1] == pytest.approx(scs2.variance)
    v = scs_potential(x, scs2.variance, 2.0)
    assert np.allclose(y, v - v[0])
    assert abs(y[-1]) < 1e-8  # energy condition: V(Delta0) = V(0)
    xs, ys = right.lines[0].get_xdata(), right.lines[0].get_ydata()
    assert np.abs(xs).max() <= 15.0 and ys.max() == pytest.approx(scs2.variance)


def test_plot_solver_comparison_reads_back_difference(scs2):
    it = scs_dmft(2.0, method="iteration", s_max=40.0, n=801, damping=0.9, tol=1e-8)
    fig = _render(P.plot_solver_comparison(scs2, it))
    diff = fig.axes[1].lines[0].get_ydata()
    assert np.allclose(diff, np.maximum(np.abs(scs2.autocorrelation[400:601] - it.autocorrelation[400:601]), 1e-16))
    assert diff.max() < 1e-4  # the two solvers agree (same grid)


def test_plot_gated_autocorrelations_and_explorer():
    res = gated_theory(3.0, alpha_r=5.0)
    fig = _render(P.plot_gated_autocorrelations({"a": res}))
    line = fig.axes[0].lines[0]
    assert line.get_ydata()[0] == pytest.approx(res.variance)
    assert "0.132" in line.get_label()
    dot = fig.axes[1].lines[1]
    assert dot.get_xdata()[0] == pytest.approx(res.relaxation_time)
    plain = _render(P.plot_gated_autocorrelations({"a": res}, relaxation=False))
    assert len(plain.axes[1].lines) == 2  # the curve and the 1/e line, no dot
    assert np.allclose(plain.axes[1].lines[0].get_ydata()[:5], res.autocorrelation[:5] / res.variance)
    fig = _render(P.dmft_explorer(3.0, 5.0))
    assert fig.axes[0].lines[0].get_ydata()[0] == pytest.approx(res.variance)
    assert f"{res.lambda_max:+.3f}" in fig.axes[1].get_title()
    with pytest.raises(TypeError):
        P.plot_gated_autocorrelations([res])


def _fake_sim(theory, seeds=3):
    lags = 0.5 * np.arange(21)
    base = np.interp(lags, theory.lags[theory.lags >= 0], theory.autocorrelation[theory.lags >= 0])
    raw = base[None, :] * (1 + 0.01 * np.arange(seeds))[:, None]
    return SimulatedAutocorrelation(lags=lags, raw=raw, centred=raw - 0.1, seeds=tuple(range(seeds)), N=50,
                                    window=100.0, sample_interval=0.5)


def test_plot_theory_vs_simulation_reads_back(scs2):
    sim = _fake_sim(scs2)
    fig = _render(P.plot_theory_vs_simulation({"g = 2": (scs2, sim), "again": (scs2, sim)}))
    assert len(fig.axes) == 2
    ax = fig.axes[0]
    labels = {ln.get_label(): ln for ln in ax.lines}
    assert np.allclose(labels["simulation, N = 50 (3 seeds)"].get_ydata(), sim.mean)
    _, expected = expected_centred_autocorrelation(scs2, 100.0, 0.5, 10.0)
    assert np.allclose(labels["DMFT, centred over T = 100"].get_ydata(), expected)
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx((sim.mean + sim.std).max())
    with pytest.raises(TypeError):
        P.plot_theory_vs_simulation({"x": (scs2, "not a simulation")})


def test_plot_schrodinger_reads_back(scs2):
    states = schrodinger_states(scs_dmft(2.0))
    fig = _render(P.plot_schrodinger(states))
    energies = [ln.get_ydata()[0] for ln in fig.axes[0].lines[1:3]]
    assert np.allclose(energies, states.energies[:2])
    zero = fig.axes[1].lines[2].get_ydata()
    keep = np.abs(states.s) <= 12.0
    assert np.allclose(zero, states.zero_mode[keep])
    assert f"{states.lambda_max:.4f}" in fig.axes[0].get_title()


def test_plot_finite_size_reads_back():
    sizes = np.array([100, 200, 400])
    values = 0.3 - 5.0 / sizes[:, None] + np.array([[0.0, 0.01, -0.01]])
    data = FiniteSizeLyapunov(sizes=sizes, seeds=(0, 1, 2), values=values, stderr=np.zeros_like(values))
    fig = _render(P.plot_finite_size(data, 0.3))
    ax = fig.axes[0]
    fit_line = [ln for ln in ax.lines if ln.get_label().startswith("fit")][0]
    assert fit_line.get_xdata()[0] == 0.0 and fit_line.get_ydata()[0] == pytest.approx(0.3)
    star = [ln for ln in ax.lines if ln.get_label().startswith("DMFT")][0]
    assert star.get_ydata()[0] == 0.3
    assert np.allclose(ax.lines[0].get_xdata(), 1.0 / sizes)
    with pytest.raises(TypeError):
        P.plot_finite_size(values, 0.3)


def test_plot_lambda_and_relaxation_reads_back():
    curve = scs_theory_curve([1.5, 2.0, 3.0])
    fig = _render(P.plot_lambda_and_relaxation(curve))
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), curve.lambda_max)
    assert np.allclose(fig.axes[0].lines[1].get_ydata(), 1 / curve.relaxation_time)
    assert np.allclose(fig.axes[1].lines[0].get_xdata(), 1 / curve.relaxation_time)


def test_plots_are_reexported():
    assert gb.plots.plot_finite_size is P.plot_finite_size
    assert gb.plots.dmft_explorer is P.dmft_explorer


def test_explorer_and_figures_name_bad_arguments(scs2):
    with pytest.raises(ValueError, match=r"\bg_h\b"):
        P.dmft_explorer(g_h=1e12)  # used to fail inside the solver
    with pytest.raises(ValueError, match=r"\balpha_r\b"):
        P.dmft_explorer(alpha_r=1e12)
    with pytest.raises(TypeError, match=r"\brelaxation\b"):
        P.plot_gated_autocorrelations({"a": scs2}, relaxation=np.zeros(3))
    sizes = np.array([100, 200])
    data = FiniteSizeLyapunov(sizes=sizes, seeds=(0, 1), values=np.zeros((2, 2)), stderr=np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\btheory\b"):
        P.plot_finite_size(data, float("nan"))
