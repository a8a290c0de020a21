"""Chapter-3 figures: each returns a Figure drawing the quantity it was given, and leaks nothing."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import gatebook.learning as L  # noqa: E402
from gatebook.learning import tasks  # noqa: E402
from gatebook import plots  # noqa: E402
from gatebook.learning import tracking as tk  # noqa: E402

torch.set_num_threads(1)


pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


@pytest.fixture(scope="module")
def summary():
    return tk.track_seeds(lambda s: L.ScalarGateRNN(4, 8, seed=s), (0, 1), checkpoints=(0, 3, 6), steps=6, batch=4,
                          lr=0.05, probe_batch=3, task_kwargs={"T": 10}, progress=False)


@pytest.fixture(scope="module")
def probe_and_cell():
    cell = L.ScalarGateRNN(4, 8, seed=3, dtype=torch.float64)
    return tasks.adding(4, T=12, m=4, seed=5, dtype=torch.float64), cell


def _lines(ax, style=None):
    return [ln for ln in ax.get_lines() if style is None or ln.get_linestyle() == style]


def test_plot_scalar_gate_traces_draws_the_gate_and_the_marked_steps(probe_and_cell):
    probe, cell = probe_and_cell
    g = tk.gate_traces(cell, probe.inputs)
    fig = plots.plot_scalar_gate_traces({"init": g, "copy": g * 0.5}, markers=probe.info["markers"], examples=2)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["init", "copy"]
    traces = _lines(axes[0], "-")
    assert len(traces) == 2
    np.testing.assert_allclose(traces[1].get_xdata(), np.arange(1, 13))
    np.testing.assert_allclose(traces[1].get_ydata(), g[1])
    np.testing.assert_allclose(_lines(axes[1], "-")[0].get_ydata(), 0.5 * g[0])
    dots = _lines(axes[0], "None")
    np.testing.assert_array_equal(dots[0].get_xdata(), probe.info["markers"][0] + 1)  # steps are 1-based
    np.testing.assert_allclose(dots[0].get_ydata(), g[0, probe.info["markers"][0]])
    with pytest.raises(ValueError, match="markers"):
        plots.plot_scalar_gate_traces(g, markers=probe.info["markers"][:2])
    with pytest.raises(ValueError, match="shape"):
        plots.plot_scalar_gate_traces(g[0])


def test_plot_step_credit_normalises_at_the_last_step(probe_and_cell):
    probe, cell = probe_and_cell
    credit = tk.step_credit(cell, probe.inputs, probe.targets)
    w = tk.zeroth_order_weights(tk.gate_traces(cell, probe.inputs), "carry")
    fig = plots.plot_step_credit(credit, w, slope=0.5, examples=(2,), markers=probe.info["markers"])
    ax = fig.get_axes()[0]
    measured, predicted = _lines(ax, "-")[0], _lines(ax, "--")[0]
    norm = credit[2].norm(dim=-1).detach().numpy()
    np.testing.assert_allclose(measured.get_xdata(), 12 - np.arange(1, 13))  # lag T - k
    np.testing.assert_allclose(measured.get_ydata(), norm / norm[-1])
    np.testing.assert_allclose(predicted.get_ydata(), (w[2] / w[2, -1]) ** 0.5)
    assert "0.50" in ax.get_title()
    with pytest.raises(ValueError, match="examples"):
        plots.plot_step_credit(credit, w, examples=(4,))
    with pytest.raises(ValueError, match="weights"):
        plots.plot_step_credit(credit, w[:, :5])


def test_plot_lag_profile_shows_measured_predictors_and_fits(probe_and_cell):
    probe, cell = probe_and_cell
    prof = tk.lag_profiles(cell, probe.inputs)
    fig = plots.plot_lag_profile(prof, title="init")
    ax = fig.get_axes()[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "init"
    np.testing.assert_allclose(_lines(ax, "None")[0].get_ydata(), prof["carry"].measured.numpy())
    dashed = _lines(ax, "--")
    np.testing.assert_allclose(dashed[0].get_ydata(), prof["carry"].predicted.numpy())
    np.testing.assert_allclose(dashed[1].get_ydata(), prof["update"].predicted.numpy())
    np.testing.assert_allclose(_lines(ax, "-")[1].get_ydata(), prof["update"].fitted.numpy())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"carry fit: $\\kappa$={prof['carry'].slope:.2f}, $R^2$={prof['carry'].r2:.3f}" in labels
    plt.close(plots.plot_lag_profile(prof["update"]))  # a single LagProfile is accepted
    with pytest.raises(TypeError, match="LagProfile"):
        plots.plot_lag_profile({"carry": 1.0})


def test_plot_profiles_over_training_draws_the_geometric_means(summary):
    fig = plots.plot_profiles_over_training(summary, convention="carry")
    left, right = fig.get_axes()
    solid = _lines(left, "-")
    assert len(solid) == 3
    mean = summary.profile_mean("measured")
    for i in range(3):
        np.testing.assert_allclose(solid[i].get_ydata(), mean[i])
    np.testing.assert_allclose(_lines(left, "--")[2].get_ydata(), summary.profile_mean("predicted", "carry")[2])
    np.testing.assert_allclose(_lines(right, ":")[0].get_ydata(), summary.profile_mean("fitted", "carry")[0])
    with pytest.raises(ValueError, match="convention"):
        plots.plot_profiles_over_training(summary, convention="gate")


def test_plot_slope_over_training_plots_seed_means(summary):
    fig = plots.plot_slope_over_training(summary, window=2)
    loss_ax, gate_ax, slope_ax, r2_ax = fig.get_axes()
    expected_loss = np.mean([tr.history.smoothed_loss(2) for tr in summary.tracks], axis=0)
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_ydata(), expected_loss)
    gate_lines = gate_ax.get_lines()
    np.testing.assert_allclose(gate_lines[1].get_ydata(), summary.gate_means()[1])  # one thin line per seed
    np.testing.assert_allclose([ln for ln in gate_lines if ln.get_marker() == "o"][0].get_ydata(),
                               summary.gate_means().mean(0))
    slope_lines = [ln for ln in slope_ax.get_lines() if ln.get_marker() == "o"]  # data lines, not error caps
    r2_lines = [ln for ln in r2_ax.get_lines() if ln.get_marker() == "o"]
    np.testing.assert_allclose(slope_lines[0].get_xdata(), [0, 3, 6])
    np.testing.assert_allclose(slope_lines[0].get_ydata(), summary.slope_mean("carry"))
    np.testing.assert_allclose(slope_lines[1].get_ydata(), summary.slope_mean("update"))
    np.testing.assert_allclose(r2_lines[1].get_ydata(), summary.r2_mean("update"))
    with pytest.raises(TypeError, match="TrackSummary"):
        plots.plot_slope_over_training([1, 2])


def test_plot_lag_heatmap_images_the_log_profile_and_the_misfit(summary):
    fig = plots.plot_lag_heatmap(summary, convention="update")
    ax0, ax1 = [ax for ax in fig.get_axes() if ax.get_images()]
    measured = np.log10(summary.profile_mean("measured"))
    np.testing.assert_allclose(ax0.get_images()[0].get_array(), measured)
    np.testing.assert_allclose(ax1.get_images()[0].get_array(),
                               measured - np.log10(summary.profile_mean("fitted", "update")))
    assert [t.get_text() for t in ax0.get_yticklabels()] == ["0", "3", "6"]


def test_scalar_gate_explorer_shows_the_cell_it_describes():
    fig = plots.scalar_gate_explorer(gate_bias=0.3, input_scale=2.0, seed=1)
    assert isinstance(fig, Figure)
    left, right = fig.get_axes()
    # rebuild the same cell and probe independently
    probe = tasks.adding(4, T=30, m=4, seed=7, dtype=torch.float64)
    cell = L.ScalarGateRNN(4, 16, gate_bias=0.3, seed=1, dtype=torch.float64)
    with torch.no_grad():
        cell.W_ig.mul_(2.0)
    g = tk.gate_traces(cell, probe.inputs)
    np.testing.assert_allclose(_lines(left, "-")[0].get_ydata(), g[0])
    carry = L.lag_profile(cell, probe.inputs, convention="carry")
    np.testing.assert_allclose(_lines(right, "None")[0].get_ydata(), carry.measured.numpy(), rtol=1e-12)
    np.testing.assert_allclose(_lines(right, "--")[0].get_ydata(), carry.predicted.numpy(), rtol=1e-12)
    assert f"{carry.slope:.2f}" in right.get_title()


def test_a_nearly_closed_gate_gives_a_flatter_profile():
    """Qualitative (science note 6.1.4), three seeds: s0 = 0.1 keeps far more credit at lag 10 than s0 = 0.9.

    Margin: at least a factor 10 (measured: several decades).
    """
    for seed in (0, 1, 2):
        fig_closed = plots.scalar_gate_explorer(gate_bias=0.1, input_scale=1.0, seed=seed)
        fig_open = plots.scalar_gate_explorer(gate_bias=0.9, input_scale=1.0, seed=seed)
        closed = _lines(fig_closed.get_axes()[1], "None")[0].get_ydata()
        opened = _lines(fig_open.get_axes()[1], "None")[0].get_ydata()
        assert closed[9] > 10 * opened[9]


def test_scalar_gate_explorer_rejects_bad_settings():
    with pytest.raises(ValueError, match="gate_bias"):
        plots.scalar_gate_explorer(gate_bias=1.0)
    with pytest.raises(ValueError, match="input_scale"):
        plots.scalar_gate_explorer(input_scale=-1.0)
    with pytest.raises(ValueError, match="seed"):
        plots.scalar_gate_explorer(seed=-1)


def test_the_old_name_warns_and_is_the_new_function():
    import gatebook.plots.scalar_gate as module

    with pytest.warns(DeprecationWarning, match="plot_scalar_gate_traces"):
        assert module.plot_gate_traces is plots.plot_scalar_gate_traces


def test_scalar_gate_explorer_and_figures_name_bad_arguments(probe_and_cell):
    with pytest.raises(ValueError, match=r"\binput_scale\b"):
        plots.scalar_gate_explorer(input_scale=1e12)  # used to fail in the fit with no argument named
    with pytest.raises(TypeError, match=r"\bgate_bias\b"):
        plots.scalar_gate_explorer(gate_bias="abc")
    probe, cell = probe_and_cell
    credit = tk.step_credit(cell, probe.inputs, probe.targets)
    w = tk.zeroth_order_weights(tk.gate_traces(cell, probe.inputs), "carry")
    with pytest.raises(TypeError, match=r"\bexamples\b"):
        plots.plot_step_credit(credit, w, examples=1.5)
    with pytest.raises(TypeError, match=r"\bsummary\b"):
        plots.plot_lag_heatmap(None)
