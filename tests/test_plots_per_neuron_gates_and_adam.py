"""Chapter-4 figures: each returns a Figure showing the data it was given, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import gatebook.learning as L  # noqa: E402
from gatebook import plots  # noqa: E402
from gatebook.learning import preconditioning as P  # noqa: E402
from gatebook.learning.tasks import make_task  # noqa: E402


pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


GATES = np.linspace(0.05, 0.5, 16)


def test_plot_preconditioner_draws_closed_forms_and_measurements():
    lags = np.arange(1, 11)
    cond = P.preconditioner_condition(GATES, lags, r=4)
    mixed = P.preconditioner_condition(GATES, lags, r=4, recurrent_scale=1.0)
    fig = plots.plot_preconditioner(cond, mixed, neurons=3)
    assert isinstance(fig, Figure)
    left, right = fig.get_axes()
    lines = left.get_lines()
    assert len(lines) == 3
    slowest = np.argmin(GATES)
    np.testing.assert_allclose(lines[0].get_ydata(), (1 - GATES[slowest]) ** lags)
    ys = [ln.get_ydata() for ln in right.get_lines()]
    np.testing.assert_allclose(ys[0], ((1 - 0.05) / (1 - 0.5)) ** lags)
    np.testing.assert_allclose(ys[1], cond.measured)
    np.testing.assert_allclose(ys[3], cond.ai_measured)
    np.testing.assert_allclose(ys[4], mixed.measured)
    assert f"{np.log(0.95 / 0.5):.3f}" in right.get_title()
    with pytest.raises(TypeError, match="cond"):
        plots.plot_preconditioner(lags)


def test_plot_lag_credit_scatters_measured_against_predicted():
    cell = P.frozen_gate_cell(GATES, 3, nonlinearity="linear")
    data = make_task("adding", 4, T=12, m=3, seed=0, dtype=torch.float64)
    cr = P.credit_by_lag(cell, data.inputs, data.targets)
    fig = plots.plot_lag_credit({"exact": cr, "again": cr}, GATES, lags=(2, 7))
    ax = fig.get_axes()[0]
    assert ax.get_title() == "exact"
    pts = ax.get_lines()[1]  # lag 7
    np.testing.assert_allclose(pts.get_xdata(), (1 - GATES) ** 7)
    np.testing.assert_allclose(pts.get_ydata(), cr.relative()[7])
    with pytest.raises(ValueError, match="beyond"):
        plots.plot_lag_credit({"exact": cr}, GATES, lags=(12,))
    with pytest.raises(TypeError):
        plots.plot_lag_credit([], GATES)


@pytest.fixture(scope="module")
def comparison():
    arms = [{"model": "multi", "optimizer": "sgd", "lr": 1e-2, "label": "multi + sgd"},
            {"model": "plain", "optimizer": "adam", "lr": 1e-3, "label": "plain + adam"}]
    loss = np.random.default_rng(0).uniform(0.1, 0.4, (2, 3, 30))  # synthetic curves: (arms, seeds, steps)
    return P.OptimiserComparison(arms=arms, seeds=[0, 1, 2], loss=loss, task="adding",
                                 settings={"T": 10, "n": 4, "m": 3, "batch": 4, "steps": 30},
                                 mean_predictor_mse=1 / 6, window=5)


def test_plot_optimiser_comparison_shows_means_and_seeds(comparison):
    fig = plots.plot_optimiser_comparison(comparison)
    left, right = fig.get_axes()
    curves = [ln for ln in left.get_lines() if ln.get_label() in comparison.labels]
    assert [c.get_label() for c in curves] == comparison.labels
    np.testing.assert_allclose(curves[1].get_ydata(), comparison.smoothed()[1].mean(axis=0))
    means = [ln for ln in right.get_lines() if len(ln.get_xdata()) == 2 and ln.get_linewidth() > 2]
    np.testing.assert_allclose([m.get_ydata()[0] for m in means], comparison.final_loss().mean(axis=1))
    dashed = [ln for ln in left.get_lines() if ln.get_linestyle() == "--"]
    assert dashed and dashed[0].get_ydata()[0] == pytest.approx(1 / 6)


def test_plot_expansion_check_plots_median_error_and_ratios():
    chk = P.expansion_check("multi", seeds=(0, 1, 2), T=20, n=8)
    fig = plots.plot_expansion_check(chk)
    axes = fig.get_axes()
    np.testing.assert_allclose(axes[0].get_lines()[0].get_ydata(), np.median(chk.errors[chk.kept], axis=0))
    guide = axes[0].get_lines()[1].get_ydata()
    assert np.polyfit(np.log(chk.eps), np.log(guide), 1)[0] == pytest.approx(2.0)
    np.testing.assert_allclose(axes[1].get_lines()[0].get_ydata(), chk.c2[0])
    assert f"{np.median(chk.ratios):.3f}" in axes[3].get_title()
    heights = sum(p.get_height() for p in axes[3].patches)
    assert heights == chk.ratios.size


def test_plot_diagonal_envelope_draws_the_four_curves():
    cell = L.MultiGateRNN(2, 6, seed=0, dtype=torch.float64)
    env = P.diagonal_predictor(cell, torch.rand(2, 10, 2, dtype=torch.float64), 8)
    fig = plots.plot_diagonal_envelope(env)
    ys = [ln.get_ydata() for ln in fig.get_axes()[0].get_lines()]
    for y, ref in zip(ys, (env.zeroth, env.first_order, env.diagonal, env.exact)):
        np.testing.assert_allclose(y, ref)
    assert "optional" in fig.get_axes()[0].get_title()


@pytest.mark.parametrize("g_min, lag", [(0.05, 1), (0.2, 40)])
def test_preconditioner_explorer_frames(g_min, lag):
    fig = plots.preconditioner_explorer(g_min=g_min, lag=lag)
    assert isinstance(fig, Figure)
    assert tuple(fig.get_size_inches()) == (8.4, 3.2)
    left, right = fig.get_axes()
    segments = left.collections[0].get_segments()
    gates = np.linspace(g_min, 0.5, 32)
    np.testing.assert_allclose([s[1, 1] for s in segments], (1 - gates) ** lag)
    assert left.get_ylim() == pytest.approx((1e-13, 2.0))  # fixed axes across frames
    np.testing.assert_allclose(right.get_lines()[0].get_ydata(), ((1 - g_min) / 0.5) ** np.arange(41))
    np.testing.assert_allclose(right.get_lines()[1].get_ydata(), [((1 - g_min) / 0.5) ** lag])


def test_preconditioner_explorer_bad_input():
    with pytest.raises(ValueError, match="g_min"):
        plots.preconditioner_explorer(g_min=0.6)
    with pytest.raises(ValueError, match="lag"):
        plots.preconditioner_explorer(lag=41)


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match=r"\bg_min\b"):
        plots.preconditioner_explorer(g_min="abc")  # used to fail in float()
    with pytest.raises(ValueError, match=r"\bn\b"):
        plots.preconditioner_explorer(n=10**12)  # used to raise MemoryError
    with pytest.raises(ValueError, match=r"\bmax_lag\b"):
        plots.preconditioner_explorer(g_max=0.999, max_lag=1000)  # cond overflows
    cell = P.frozen_gate_cell(GATES, 3, nonlinearity="linear")
    data = make_task("adding", 2, T=6, m=3, seed=0, dtype=torch.float64)
    cr = P.credit_by_lag(cell, data.inputs, data.targets)
    with pytest.raises(ValueError, match=r"\blags\b"):
        plots.plot_lag_credit({"exact": cr}, GATES, lags=10**12)  # checked before the table of products
    with pytest.raises(TypeError, match=r"\blags\b"):
        plots.plot_lag_credit({"exact": cr}, GATES, lags="abc")


def test_plot_optimiser_grid_draws_curves_at_the_chosen_step_and_the_contrasts():
    from gatebook.learning.optimiser_study import optimiser_grid

    grid = optimiser_grid(learning_rates={"sgd": [0.1, 0.3], "adam": [0.01, 0.03]}, T=6, n=4, m=2, batch=4, steps=10,
                          seeds=(0, 1, 2), window=3, r=2, stride=2, progress=False)
    fig = plots.plot_optimiser_grid(grid)
    left, right = fig.get_axes()
    curves = [ln for ln in left.get_lines() if ln.get_label().split(" (")[0] in grid.labels]
    assert len(curves) == 4
    np.testing.assert_allclose(curves[2].get_ydata(), grid.curves["median"][2])
    smooth = np.stack([np.convolve(grid.loss[2, grid.best_lr_index()[2], s], np.ones(3) / 3, "valid")
                       for s in range(3)])  # running mean of 3, full windows from step 3 on
    np.testing.assert_allclose(curves[2].get_ydata()[1:], np.median(smooth, axis=0)[1::2])
    assert [c.get_linestyle() for c in curves] == ["--", "-", "--", "-"]  # SGD dashed, Adam solid
    contrasts = grid.contrasts()
    diamonds = [ln for ln in right.get_lines() if ln.get_marker() == "D"]
    np.testing.assert_allclose([d.get_xdata()[0] for d in diamonds], [c.ratio for c in contrasts.values()])
    assert right.get_xscale() == "log" and left.get_yscale() == "log"
    with pytest.raises(TypeError, match="grid"):
        plots.plot_optimiser_grid({"labels": []})
