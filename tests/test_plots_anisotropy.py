"""Chapter-5 figures: each returns a Figure, leaves no pyplot figure open, and plots the right numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import gatebook.learning as gb_learning  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gatebook.learning import anisotropy as A  # noqa: E402
from gatebook import plots  # noqa: E402


pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


@pytest.fixture(scope="module")
def experiment():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return A.anisotropy_experiment(tasks=("adding", "moving_average"), seeds=(0, 1, 2), steps=2, T=12, n=16,
                                       batch=8, probe_batch=2, grad_samples=16, lags=(1, 3, 6), triples_per_lag=4,
                                       progress=False)
    finally:
        torch.set_num_threads(previous)


def _line(ax, label):
    lines = [ln for ln in ax.get_lines() if ln.get_label() == label]
    assert len(lines) == 1, [ln.get_label() for ln in ax.get_lines()]
    return lines[0]


def test_frozen_gates_figure_shows_closed_form_and_measurements():
    gates = np.linspace(0.05, 0.5, 20)
    measured = A.frozen_gate_propagation(gates, (1, 4, 9, 15), triples_per_lag=3)
    fig = plots.plot_frozen_gates(gates, measured)
    assert isinstance(fig, Figure)
    left, middle, right = fig.get_axes()
    c = np.sort(1 - gates)[::-1]
    h = np.arange(1, 16)
    np.testing.assert_allclose(_line(middle, "closed form").get_ydata(), (c[0] / c[9]) ** h, rtol=1e-12)
    np.testing.assert_allclose(_line(middle, "measured (median)").get_ydata(), (c[0] / c[9]) ** np.array([1, 4, 9, 15]),
                               rtol=1e-10)
    ce = [np.sum(c[:10] ** (2 * k)) / np.sum(c[:16] ** (2 * k)) for k in h]
    np.testing.assert_allclose(_line(right, "closed form").get_ydata(), ce, rtol=1e-12)
    np.testing.assert_allclose(left.get_lines()[-1].get_ydata(), c[9] ** h, rtol=1e-12)
    assert middle.get_yscale() == "log"
    assert isinstance(plots.plot_frozen_gates(gates), Figure)  # closed form only


def test_propagation_figure_plots_the_experiment_medians(experiment):
    fig = plots.plot_propagation_anisotropy(experiment)
    assert isinstance(fig, Figure)
    ai_ax, ce_ax = fig.get_axes()
    for arm in experiment.arm_labels:
        for step in (0, 2):
            for ax, metric in ((ai_ax, "AI"), (ce_ax, "CE")):
                lags, med, _, _ = experiment.curve(arm, metric, step=step)
                line = _line(ax, f"{arm}, step {step}")
                np.testing.assert_array_equal(line.get_xdata(), lags)
                np.testing.assert_allclose(line.get_ydata(), med)
    assert ai_ax.get_yscale() == "log"
    one = plots.plot_propagation_anisotropy(experiment, steps=2, task="adding")
    line = _line(one.get_axes()[0], "multi + SGD, step 2")
    np.testing.assert_allclose(line.get_ydata(), experiment.curve("multi + SGD", "AI", task="adding", step=2)[1])
    with pytest.raises(ValueError, match="checkpoints"):
        plots.plot_propagation_anisotropy(experiment, steps=1)
    with pytest.raises(ValueError, match="task"):
        plots.plot_propagation_anisotropy(experiment, task="copy")
    with pytest.raises(TypeError, match="experiment"):
        plots.plot_propagation_anisotropy({"not": "an experiment"})


def test_update_figure_plots_unnormalised_medians(experiment):
    fig = plots.plot_update_anisotropy(experiment)
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 4
    for ax, metric in zip(axes, A.METRICS):
        for step in (0, 2):
            rows = [r for r in experiment.table("update", metric, step=step) if r["arm"] == "plain + Adam"]
            line = _line(ax, f"plain + Adam, step {step}")
            np.testing.assert_allclose(line.get_ydata(), [r["median"] for r in rows])  # not rescaled
    fig = plots.plot_update_anisotropy(experiment, metrics="PR", steps=[2])
    assert len(fig.get_axes()) == 1
    with pytest.raises(ValueError, match="metric"):
        plots.plot_update_anisotropy(experiment, metrics=("AI", "rank"))


def test_explorer_frames(tmp_path):
    fig = plots.anisotropy_explorer(spread=0.3, lag=8)
    assert isinstance(fig, Figure)
    spectrum_ax, ai_ax = fig.get_axes()
    gates = 0.5 + 0.3 * np.linspace(-1, 1, 32)
    c = np.sort(1 - gates)[::-1]
    exact_ai = _line(ai_ax, r"$W_{\rm rec}=0$").get_ydata()
    np.testing.assert_allclose(exact_ai, (c[0] / c[9]) ** np.arange(1, 17), rtol=1e-12)
    exact_spectrum = _line(spectrum_ax, r"$W_{\rm rec}=0$ (exact)").get_ydata()
    np.testing.assert_allclose(exact_spectrum, (c / c[0]) ** 8, rtol=1e-12)
    measured = _line(ai_ax, r"with $W_{\rm rec}$").get_ydata()
    mixed = A.frozen_gate_propagation(gates, (1, 2, 4, 6, 8, 10, 12, 14, 16), recurrent_scale=1.0, batch=2,
                                      triples_per_lag=8, seed=0)
    np.testing.assert_allclose(measured, mixed.median("AI"))
    # no spread: the gates alone give a flat spectrum, AI = 1 at every lag
    flat = _line(plots.anisotropy_explorer(spread=0.0, lag=4).get_axes()[1], r"$W_{\rm rec}=0$").get_ydata()
    np.testing.assert_allclose(flat, 1.0, rtol=1e-12)
    for bad in ({"spread": 0.5}, {"spread": -0.1}, {"lag": 0}, {"lag": 3}, {"lag": 17}, {"lag": 2.5}):
        with pytest.raises(ValueError):
            plots.anisotropy_explorer(**bad)


def test_bad_input_names_the_argument(experiment):
    with pytest.raises(TypeError, match=r"\bspread\b"):
        plots.anisotropy_explorer(spread="abc")
    with pytest.raises(TypeError, match=r"\bmeasured\b"):
        plots.plot_frozen_gates(np.linspace(0.05, 0.5, 20), measured=1.0)
    with pytest.raises(TypeError, match=r"\bsteps\b"):
        plots.plot_propagation_anisotropy(experiment, steps=1.5)
    with pytest.raises(TypeError, match=r"\bmetrics\b"):
        plots.plot_update_anisotropy(experiment, metrics=1.0)


def test_readout_alignment_figure_plots_the_seed_means():
    study = gb_learning.readout_alignment_study((0, 1, 2), tasks=("ar2", "adding"), steps=2, T=6, n=4, batch=4,
                                          probe_batch=2)
    assert study.ratio.shape == (3, 2, 3, 2, 6)
    assert np.all(study.ratio > 0)
    fig = plots.plot_readout_alignment(study)
    assert isinstance(fig, Figure) and len(fig.get_axes()) == 2
    ar2 = fig.get_axes()[0]
    line = _line(ar2, "multi + SGD, step 2")
    np.testing.assert_allclose(line.get_ydata(), study.ratio[2, 0, :, 1].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(study.run_values("multi + SGD", "ar2", 2), study.ratio[2, 0, :, 1].mean(axis=-1))
    # the two plain arms share their initial cells
    np.testing.assert_array_equal(study.ratio[0, :, :, 0], study.ratio[1, :, :, 0])
    gain = study.paired_gain("multi + SGD", "plain + SGD", "ar2")
    assert gain["pairs"] == 3 and gain["low"] <= gain["mean"] <= gain["high"]
    assert "| ar2 | multi + SGD |" in study.markdown_table()
    assert "multi + SGD minus plain + SGD" in study.comparison_markdown("multi + SGD", "plain + SGD")
    with pytest.raises(TypeError, match="study"):
        plots.plot_readout_alignment("study")
    with pytest.raises(ValueError, match="tasks"):
        gb_learning.readout_alignment_study((0,), tasks=("nope",))
