r"""Figures for the *Reproductions* appendix: the paper's experiments at its own scale.

Every function takes the committed results of :func:`gatebook.learning.reproduce` — a
``summary.json`` as a dict, or the per-job records — draws with matplotlib's object-oriented
API and returns a :class:`matplotlib.figure.Figure`. The statistics are the paper's: mean ± s.d.
over seeds for Sec. VII-A, median and interquartile range for App. B and Sec. VII-B.

* :func:`plot_s1_reproduction` — Sec. VII-A (chapter 3): the fitted power
  :math:`\kappa` of :math:`\ln S=a+\kappa\ln P` over training for each cell, and the fit's
  :math:`R^2` next to its null, the :math:`R^2` of the lag alone;
* :func:`plot_appB_reproduction` — App. B (chapter 4): the remainder
  :math:`E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi_0-\varepsilon L\rVert_F` against
  :math:`\varepsilon` with a slope-2 guide, over the seeds the preset keeps;
* :func:`plot_s2_reproduction` — Sec. VII-B (chapter 5): the propagation anisotropy
  :math:`\mathrm{AI}` and concentration :math:`\mathrm{CE}` of :math:`\Phi(t,k)` against the
  lag, one curve per arm, at the last checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ._style import COLOURS, new_figure

__all__ = ["plot_s1_reproduction", "plot_appB_reproduction", "plot_s2_reproduction"]


def _summary(summary, study: str) -> dict:
    if not isinstance(summary, Mapping):
        raise TypeError(f"summary must be the dict of a {study} summary.json, got {type(summary).__name__}")
    if summary.get("study") != study or not isinstance(summary.get("table"), Mapping) or not summary["table"]:
        raise ValueError(f"summary must be a {study!r} summary (keys 'study' == {study!r} and a non-empty 'table'), "
                         f"got study={summary.get('study')!r}")
    return summary


def _stat(rows: Mapping, key: str, fields=("mean", "sd")) -> np.ndarray:
    """``(len(rows), len(fields))``: the statistics of ``key`` at every row (NaN where absent)."""
    out = np.full((len(rows), len(fields)), np.nan)
    for i, q in enumerate(rows.values()):
        cell = q.get(key) or {}
        if cell.get("n"):
            out[i] = [cell[f] for f in fields]
    return out


def plot_s1_reproduction(summary: Mapping) -> Figure:
    r"""Sec. VII-A at the paper's scale: :math:`\kappa_{\rm carry}` over training, and :math:`R^2` against the lag alone.

    Left: the fitted power in the ``carry`` convention (mean ± s.d. over seeds) at every
    checkpoint, one curve per cell. Right: :math:`1-R^2` of the fit (solid) and of the best
    function of the lag alone (dashed), on a log axis: where the dashed line lies *below* the
    solid one, the lag alone explains more than the fit.

    Parameters
    ----------
    summary : dict
        An ``s1`` ``summary.json`` (e.g. ``gatebook.learning.committed_summary("s1-paper")``).
    """
    s = _summary(summary, "s1")
    fig, axes = new_figure(9.0, 3.4, ncols=2)
    ax_k, ax_r = axes[0]
    for colour, (model, rows) in zip(COLOURS, s["table"].items()):
        steps = np.array([int(k) for k in rows], dtype=float)
        k = _stat(rows, "slope_carry")
        ax_k.plot(steps, k[:, 0], "o-", color=colour, label=model)
        ax_k.fill_between(steps, k[:, 0] - k[:, 1], k[:, 0] + k[:, 1], color=colour, alpha=0.2, lw=0)
        fit, lag = _stat(rows, "r2_carry")[:, 0], _stat(rows, "r2_lag_carry")[:, 0]
        ax_r.semilogy(steps, 1 - fit, "o-", color=colour, label=f"{model}: power fit")
        ax_r.semilogy(steps, 1 - lag, "s--", color=colour, mfc="none", label=f"{model}: lag alone")
    ax_k.set(xlabel="iteration", ylabel=r"$\kappa$ (carry)", title=r"fitted power, mean $\pm$ s.d.")
    ax_k.legend(frameon=False, fontsize=8)
    ax_r.set(xlabel="iteration", ylabel=r"$1-R^2$ (lower: more explained)", title="fit against its null")
    ax_r.legend(frameon=False, fontsize=7, ncol=2)
    return fig


def plot_appB_reproduction(records: Sequence[Mapping], excluded: Mapping | None = None) -> Figure:
    r"""App. B at the paper's scale: :math:`E(\varepsilon)` (median and IQR over seeds) with a slope-2 guide.

    Parameters
    ----------
    records : sequence of dict
        The per-job records of an ``appB`` run (each with ``labels["model"]``, ``seed`` and
        ``results["eps"]``, ``results["errors"]``).
    excluded : dict, optional
        ``{model: [seeds]}`` left out by the preset's outlier fence (``summary["notes"]``).
    """
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence) or not records:
        raise TypeError("records must be a non-empty list of appB job records")
    if excluded is not None and not isinstance(excluded, Mapping):
        raise TypeError(f"excluded must be a dict {{model: [seeds]}}, got {type(excluded).__name__}")
    by_model: dict = {}
    for rec in records:
        try:
            model, seed, res = rec["labels"]["model"], rec["seed"], rec["results"]
            eps, err = np.asarray(res["eps"], float), np.asarray(res["errors"], float)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"records must be appB job records with labels, seed and results: {exc!r}") from None
        if seed in (excluded or {}).get(model, ()):
            continue
        by_model.setdefault(model, []).append((eps, err))
    if not by_model:
        raise ValueError("excluded leaves none of the records to draw")
    fig, axes = new_figure(5.0, 3.6)
    ax = axes[0, 0]
    for colour, (model, runs) in zip(COLOURS, sorted(by_model.items())):
        eps = runs[0][0]
        errs = np.stack([e for _, e in runs])
        q1, med, q3 = np.quantile(errs, [0.25, 0.5, 0.75], axis=0)
        ax.loglog(eps, med, "o-", color=colour, label=f"{model} (median of {len(runs)} seeds)")
        ax.fill_between(eps, q1, q3, color=colour, alpha=0.25, lw=0)
    ax.loglog(eps, med[0] * (eps / eps[0]) ** 2, "k:", label=r"slope 2")  # through the last model's first median
    ax.set(xlabel=r"$\varepsilon$", ylabel=r"$E(\varepsilon)$", title="first-order remainder, median and IQR")
    ax.legend(frameon=False, fontsize=8)
    return fig


def plot_s2_reproduction(summary: Mapping, step: int | None = None) -> Figure:
    r"""Sec. VII-B at the paper's scale: propagation AI and CE against the lag, one curve per arm and task.

    Parameters
    ----------
    summary : dict
        An ``s2`` ``summary.json``.
    step : int, optional
        The checkpoint (default: the last).
    """
    s = _summary(summary, "s2")
    steps = [int(x) for x in s["settings"]["checkpoints"]]
    if step is None:
        step = steps[-1]
    elif isinstance(step, bool) or not isinstance(step, (int, np.integer)):
        raise TypeError(f"step must be an integer checkpoint, one of {steps}, got {type(step).__name__}")
    if step not in steps:
        raise ValueError(f"step must be one of the checkpoints {steps}, got {step!r}")
    lags = np.asarray(s["settings"]["lags"], dtype=float)
    groups = [key.split(" | ") for key in s["table"]]
    tasks = list(dict.fromkeys(task for _, task in groups))
    fig, axes = new_figure(3.0 * len(tasks), 5.0, ncols=len(tasks), nrows=2, sharex=True)
    arms = list(dict.fromkeys(arm for arm, _ in groups))
    for j, task in enumerate(tasks):
        for colour, arm in zip(COLOURS, arms):
            rows = s["table"].get(f"{arm} | {task}", {}).get(str(step))
            if not rows:
                continue
            for i, metric in enumerate(("AI", "CE")):
                q1, med, q3 = np.array([[rows[f"propagation {metric} (lag {int(h)})"][f] for f in ("q1", "median", "q3")]
                                        for h in lags]).T
                ax = axes[i, j]
                ax.plot(lags, med, "o-", color=colour, label=arm, ms=3)
                ax.fill_between(lags, q1, q3, color=colour, alpha=0.2, lw=0)
                if metric == "AI":
                    ax.set_yscale("log")
        axes[0, j].set_title(task)
        axes[1, j].set_xlabel("lag")
    axes[0, 0].set_ylabel(r"AI$_{10}$ (median, IQR)")
    axes[1, 0].set_ylabel(r"CE$_{10}$")
    axes[0, 0].legend(frameon=False, fontsize=7)
    return fig
