r"""Figures for chapter 5 (anisotropy of credit propagation and of updates).

Every function returns a :class:`matplotlib.figure.Figure` with a fixed size and leaves
no pyplot figure open. The quantities are computed by :mod:`gatebook.learning.anisotropy`.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from .._validation import check_choice, check_float_in, check_instance, check_int
from ._style import new_figure
from ..learning import anisotropy as an
from ..learning.alignment import ReadoutAlignmentStudy
from ..learning.paired import t_interval

__all__ = [
    "anisotropy_explorer",
    "plot_frozen_gates",
    "plot_propagation_anisotropy",
    "plot_readout_alignment",
    "plot_update_anisotropy",
]

_ARM_COLOURS = ("#4d4d4d", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
_STEP_STYLES = ("--", ":", "-.", "-")
_LABELS = {"AI": r"$\mathrm{AI}_{%d}=\sigma_1/\sigma_{%d}$", "CE": r"$\mathrm{CE}_{%d}$",
           "PR": "participation ratio", "effective_rank": "effective rank"}


def _metric_label(metric: str, r: int) -> str:
    text = _LABELS[metric]
    return text % (r, r) if metric == "AI" else (text % r if metric == "CE" else text)


def _step_style(i: int, count: int) -> str:
    """Solid for the last checkpoint, dashed for the first, dotted in between."""
    if i == count - 1:
        return "-"
    return _STEP_STYLES[0] if i == 0 else _STEP_STYLES[1 + (i - 1) % 2]


def _check_experiment(experiment) -> an.AnisotropyExperiment:
    if not isinstance(experiment, an.AnisotropyExperiment):
        raise TypeError(f"experiment must be an AnisotropyExperiment, got {type(experiment).__name__}")
    return experiment


def _check_steps(experiment, steps) -> list:
    cps = experiment.checkpoints
    if steps is None:
        return [cps[0], cps[-1]] if len(cps) > 1 else cps
    if isinstance(steps, (numbers.Integral, np.integer)) and not isinstance(steps, bool):
        steps = [steps]
    if isinstance(steps, (str, bytes)) or not np.iterable(steps):
        raise TypeError(f"steps must be a checkpoint or a sequence of checkpoints {list(cps)}, got {steps!r}")
    steps = [check_int(s, "steps") for s in steps]
    if not steps:
        raise ValueError("steps must name at least one checkpoint")
    for s in steps:
        if s not in cps:
            raise ValueError(f"steps must be checkpoints of the experiment {list(cps)}, got {s}")
    return steps


def _check_task(experiment, task):
    if task is not None:
        check_choice(task, "task", tuple(experiment.tasks))
    return task


def plot_frozen_gates(gates, measured: an.PropagationAnisotropy | None = None) -> Figure:
    r"""The exact case of chapter 5: constant per-neuron gates with :math:`W_{\rm rec}=0`.

    Left: every singular value :math:`c_i^{\ell}` of :math:`\Phi=\mathrm D(c)^{\ell}`
    against the lag (log scale), with :math:`c_{(1)}^{\ell}` and :math:`c_{(r)}^{\ell}`
    highlighted. Middle and right: :math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}` and
    :math:`\mathrm{CE}_r(\ell)` from the closed form (lines), with the medians measured
    on the cell (``measured``, from :func:`~gatebook.learning.anisotropy.frozen_gate_propagation`)
    as markers.

    Parameters
    ----------
    gates : sequence of float
        Gate values :math:`u_i\in(0,1)`.
    measured : PropagationAnisotropy, optional
        Measurements to overlay; their ``r`` and ``top`` are used (default 10 and 16).
    """
    if measured is not None:
        check_instance(measured, an.PropagationAnisotropy, "measured")
    r, top = (10, 16) if measured is None else (measured.r, measured.top)
    max_lag = 40 if measured is None else int(measured.lags.max())
    h = np.arange(1, max_lag + 1)
    exact = an.frozen_gate_anisotropy(gates, h, r=r, top=top)
    fig, axes = new_figure(width=10.5, height=3.3, ncols=3)
    ax = axes[0, 0]
    sv = exact["singular_values"]
    ax.semilogy(h, sv, color="0.75", lw=0.7)
    ax.semilogy(h, sv[:, 0], color="#1f77b4", lw=2, label=r"$c_{(1)}^{\ell}$ (slowest neuron)")
    ax.semilogy(h, sv[:, r - 1], color="#d62728", lw=2, label=rf"$c_{{({r})}}^{{\ell}}$")
    ax.set_xlabel(r"lag $\ell$")
    ax.set_ylabel(r"singular values of $\Phi(t,t-\ell)$")
    ax.set_title(r"$\Phi=\mathrm{D}(c)^{\ell}$: one decay rate per neuron")
    ax.legend(frameon=False, fontsize=8)
    for ax, metric in zip(axes[0, 1:], ("AI", "CE")):
        ax.plot(h, exact[metric], color="k", lw=1.5, label="closed form")
        if measured is not None:
            ax.plot(measured.lags, measured.median(metric), "o", color="#ff7f0e", ms=6, mfc="none", mew=1.5,
                    label="measured (median)")
        ax.set_xlabel(r"lag $\ell$")
        ax.set_ylabel(_metric_label(metric, r))
        ax.legend(frameon=False, fontsize=8)
    axes[0, 1].set_yscale("log")
    axes[0, 1].set_title(r"$\mathrm{AI}_{%d}=(c_{(1)}/c_{(%d)})^{\ell}$" % (r, r))
    axes[0, 2].set_ylim(0.0, 1.02)
    axes[0, 2].set_title(r"$\mathrm{CE}_{%d}$ (top %d in the denominator)" % (r, top))
    return fig


def plot_propagation_anisotropy(experiment, *, steps=None, task: str | None = None) -> Figure:
    r"""Propagation anisotropy against lag, one colour per arm, one line style per checkpoint.

    Left: :math:`\mathrm{AI}_r` of :math:`\Phi(t,t-\ell)` (log scale); right:
    :math:`\mathrm{CE}_r`. Lines are medians over runs (seeds, and tasks if ``task=None``)
    of the per-run medians over sampled triples; bands are the interquartile range.

    Parameters
    ----------
    experiment : AnisotropyExperiment
    steps : int or sequence of int, optional
        Checkpoints to show (default: the first and the last).
    task : str, optional
        One task, or ``None`` to pool all tasks.
    """
    experiment = _check_experiment(experiment)
    steps = _check_steps(experiment, steps)
    task = _check_task(experiment, task)
    r = experiment.settings["r"]
    fig, axes = new_figure(width=10.0, height=3.6, ncols=2)
    for ax, metric in zip(axes[0], ("AI", "CE")):
        for colour, arm in zip(_ARM_COLOURS, experiment.arm_labels):
            for i, step in enumerate(steps):
                lags, med, q25, q75 = experiment.curve(arm, metric, task=task, step=step)
                ax.plot(lags, med, _step_style(i, len(steps)), marker="o", ms=3, color=colour,
                        label=f"{arm}, step {step}")
                ax.fill_between(lags, q25, q75, color=colour, alpha=0.12, lw=0)
        ax.set_xlabel(r"lag $\ell=t-k$")
        ax.set_ylabel(_metric_label(metric, r))
    axes[0, 0].set_yscale("log")
    axes[0, 1].set_ylim(top=1.005)
    runs = len(experiment.seeds) * (len(experiment.tasks) if task is None else 1)
    where = "all tasks" if task is None else task
    axes[0, 0].set_title(f"propagation, {where}: median and IQR of {runs} runs per arm", fontsize=9)
    axes[0, 1].set_title("dashed: initialisation, solid: end of training", fontsize=9)
    axes[0, 1].legend(frameon=False, fontsize=7, loc="lower right")
    return fig


def plot_update_anisotropy(experiment, *, metrics=("AI", "CE", "PR", "effective_rank"), steps=None) -> Figure:
    r"""Update anisotropy (GradCov) per task and arm, unnormalised, at checkpoints.

    One panel per metric; tasks along the horizontal axis, arms side by side. Markers are
    medians over seeds (open: first checkpoint shown, filled: last), vertical bars the
    interquartile range. The values are the metrics themselves, not rescaled across arms
    (the plain arm's :math:`G` has fewer columns: it has no gate parameters).

    Parameters
    ----------
    experiment : AnisotropyExperiment
    metrics : sequence of str
        Any of ``"AI"``, ``"CE"``, ``"PR"``, ``"effective_rank"``.
    steps : int or sequence of int, optional
        Checkpoints to show (default: the first and the last).
    """
    experiment = _check_experiment(experiment)
    steps = _check_steps(experiment, steps)
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not np.iterable(metrics):
        raise TypeError(f"metrics must be a metric name or a sequence of them, got {type(metrics).__name__}")
    metrics = [check_choice(m, "metrics", an.METRICS) for m in metrics]
    if not metrics:
        raise ValueError("metrics must name at least one metric")
    r = experiment.settings["r"]
    fig, axes = new_figure(width=2.9 * len(metrics) + 0.8, height=3.4, ncols=len(metrics))
    x = np.arange(len(experiment.tasks))
    arms = experiment.arm_labels
    width = 0.7 / max(1, len(arms) * len(steps))
    for ax, metric in zip(axes[0], metrics):
        slot = 0
        for colour, arm in zip(_ARM_COLOURS, arms):
            for i, step in enumerate(steps):
                rows = experiment.table("update", metric, step=step)
                rows = {row["task"]: row for row in rows if row["arm"] == arm}
                med = np.array([rows[t]["median"] for t in experiment.tasks])
                lo = np.array([rows[t]["q25"] for t in experiment.tasks])
                hi = np.array([rows[t]["q75"] for t in experiment.tasks])
                xs = x - 0.35 + width * (slot + 0.5)
                slot += 1
                filled = i == len(steps) - 1
                ax.vlines(xs, lo, hi, color=colour, lw=1.2)
                ax.plot(xs, med, "o", color=colour, ms=5, mfc=colour if filled else "white", ls="none",
                        label=f"{arm}, step {step}")
        ax.set_xticks(x, experiment.tasks, rotation=20, fontsize=8)
        ax.set_ylabel(_metric_label(metric, r))
        ax.set_title(_metric_label(metric, r), fontsize=9)
        if metric == "AI":
            ax.set_yscale("log")
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"update anisotropy (GradCov) over {len(experiment.seeds)} seeds: median and IQR; "
                 f"open markers step {steps[0]}, filled step {steps[-1]}", fontsize=9)
    return fig


_EXPLORER_N = 32
_EXPLORER_LAGS = (1, 2, 4, 6, 8, 10, 12, 14, 16)  # measured lags; the grid uses a subset


def _explorer_gates(spread: float) -> np.ndarray:
    return 0.5 + float(spread) * np.linspace(-1.0, 1.0, _EXPLORER_N)


@lru_cache(maxsize=16)
def _explorer_data(spread: float):
    """Measured products with :math:`W_{\\rm rec}` and the exact diagonal case, for one gate spread."""
    gates = _explorer_gates(spread)
    mixed = an.frozen_gate_propagation(gates, _EXPLORER_LAGS, recurrent_scale=1.0, batch=2, triples_per_lag=8,
                                       seed=0)
    exact = an.frozen_gate_anisotropy(gates, range(1, max(_EXPLORER_LAGS) + 1))
    return mixed, exact


def anisotropy_explorer(spread: float = 0.2, lag: int = 8) -> Figure:
    r"""Explorable figure of chapter 5: the spread of frozen per-neuron gates shapes the spectrum of :math:`\Phi`.

    :math:`n=32` neurons with constant gates :math:`u_i` evenly spaced on
    :math:`[0.5-\mathrm{spread},\,0.5+\mathrm{spread}]`. Two cells: :math:`W_{\rm rec}=0`
    (exact, :math:`\Phi=\mathrm D(1-u)^{\ell}`, dashed) and the cell's initial random
    :math:`W_{\rm rec}` (measured medians over 8 sampled products, solid). Left: the
    spectrum :math:`\sigma_i/\sigma_1` of the lag-``lag`` product; right:
    :math:`\mathrm{AI}_{10}` against the lag, with ``lag`` marked.

    Parameters
    ----------
    spread : float
        Half-width of the gate interval, in :math:`[0, 0.5)`.
    lag : int
        One of the measured lags 1, 2, 4, 6, ..., 16.
    """
    spread = check_float_in(spread, "spread", 0.0, 0.5, closed="left")
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or int(lag) not in _EXPLORER_LAGS:
        raise ValueError(f"lag must be one of {_EXPLORER_LAGS}, got {lag!r}")
    lag = int(lag)
    mixed, exact = _explorer_data(spread)
    # Lean on purpose: every frame is rendered at build time, so no constrained layout and
    # no minor ticks on the log axes (they dominate the rendering time).
    fig = Figure(figsize=(9.0, 3.4))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.25)
    ax, ax_ai = fig.subplots(1, 2)
    idx = np.arange(1, _EXPLORER_N + 1)
    exact_sv = exact["singular_values"][lag - 1]
    ax.semilogy(idx, mixed.median_spectrum(lag), "-o", ms=3, color="#1f77b4", label=r"with $W_{\rm rec}$ (measured)")
    ax.semilogy(idx, exact_sv / exact_sv[0], "--", color="k", label=r"$W_{\rm rec}=0$ (exact)")
    ax.axvline(10, color="0.6", lw=0.8)
    ax.set_ylim(1e-8, 2.0)
    ax.set_xlabel("index i (i = 10 marked)")
    ax.set_ylabel("singular value / largest")
    ax.set_title(f"spectrum at lag {lag}, gates in [{0.5 - spread:.2f}, {0.5 + spread:.2f}]", fontsize=9)
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    ax_ai.semilogy(mixed.lags, mixed.median("AI"), "-o", ms=3, color="#1f77b4", label=r"with $W_{\rm rec}$")
    ax_ai.semilogy(np.arange(1, max(_EXPLORER_LAGS) + 1), exact["AI"], "--", color="k", label=r"$W_{\rm rec}=0$")
    ax_ai.axvline(lag, color="#d62728", lw=1)
    ax_ai.set_ylim(0.8, 1e3)
    ax_ai.set_xlabel("lag")
    ax_ai.set_ylabel("AI_10")
    ax_ai.set_title(f"AI_10 at lag {lag}: {mixed.median('AI')[_EXPLORER_LAGS.index(lag)]:.3g} "
                    f"(exact diagonal: {exact['AI'][lag - 1]:.3g})", fontsize=9)
    ax_ai.legend(frameon=False, fontsize=8, loc="upper left")
    for a in (ax, ax_ai):
        a.minorticks_off()
    return fig


# ---------------------------------------------------------------------------
# does credit travel along the readout direction? (chapter 5, last section)
# ---------------------------------------------------------------------------

#: The colours of the chapter's arms (plain + Adam grey, multi + SGD red) and of the control.
_ALIGNMENT_COLOURS = {"plain + Adam": _ARM_COLOURS[0], "scalar + SGD": _ARM_COLOURS[1], "multi + SGD": _ARM_COLOURS[2],
                      "plain + SGD": _ARM_COLOURS[3]}


def plot_readout_alignment(study: ReadoutAlignmentStudy) -> Figure:
    r""":math:`A/N` against the lag, one panel per task: dashed at initialisation, solid after training.

    Lines are means over seeds of :math:`A/N` (averaged over the probe sequences), bands the
    95 % t intervals of those means; the grey line at 1 is the null of a random direction.
    """
    check_instance(study, ReadoutAlignmentStudy, "study")
    fig, axes = new_figure(width=3.3 * len(study.tasks) + 0.6, height=3.3, ncols=len(study.tasks), sharey=True)
    for ax, task in zip(axes[0], study.tasks):
        t = study.tasks.index(task)
        spare = iter(_ARM_COLOURS[3:] + _ARM_COLOURS[:3])
        for arm in study.arms:
            a = study.arms.index(arm)
            colour = _ALIGNMENT_COLOURS.get(arm) or next(spare)
            for c, step in enumerate(study.checkpoints):
                x = study.ratio[a, t, :, c]  # (seeds, lags)
                q = np.array([t_interval(col) for col in x.T])
                style = "--" if c == 0 else "-"
                ax.plot(study.lags, q[:, 0], style, color=colour, label=f"{arm}, step {step}")
                if len(study.seeds) > 1:
                    ax.fill_between(study.lags, np.maximum(q[:, 1], 1e-2), q[:, 2], color=colour, alpha=0.12, lw=0)
        ax.axhline(1.0, color="0.5", lw=0.8)
        ax.set_yscale("log")
        ax.set_xlabel(r"lag $h=T-k$")
        ax.set_title(f"{task}: mean of {len(study.seeds)} seeds, 95 % CI", fontsize=9)
    axes[0, 0].set_ylabel(r"$A/N$ (readout direction vs random)")
    axes[0, 0].legend(frameon=False, fontsize=7, loc="upper left")
    return fig
