r"""Figures for chapter 10 (chaotic transitions of the gated network).

Every function takes results from :mod:`gatebook.transitions` (or, for the explorer,
model parameters), draws with matplotlib's object-oriented API and returns a
:class:`matplotlib.figure.Figure`; none leaves a pyplot figure open.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from .._validation import check_float_in, check_float_sequence, check_instance
from ..complexity import CensusSweep
from ..meanfield import fixed_point_onset, static_solution_curve
from ..quiet_state import quiet_lambda_max, quiet_threshold
from ..transitions import ACTIVE_VARIANCE, BranchCurve, HysteresisSweep, InputChaos, Thresholds, loop_gain
from ._style import COLOURS, new_figure

__all__ = [
    "plot_branch_curves",
    "plot_census",
    "plot_hysteresis",
    "plot_input_chaos",
    "plot_onsets",
    "loop_gain_explorer",
]

#: Line styles of the three thresholds.
#: Variances below this are drawn at it (log axis): the run has decayed to the quiet state.
_VARIANCE_FLOOR = 1e-8
_THRESHOLD_STYLES = {"g_topo": ":", "g_chaos": "--", "g_quiet": "-"}
_THRESHOLD_LABELS = {"g_topo": r"$g_{\rm topo}$", "g_chaos": r"$g_{\rm chaos}$", "g_quiet": r"$1+e^{\beta_r}$"}


def _check_mapping(obj, name: str, kind):
    if not isinstance(obj, Mapping) or len(obj) == 0:
        raise TypeError(f"{name} must be a non-empty mapping of label -> {kind.__name__}")
    for label, value in obj.items():
        if not isinstance(value, kind):
            raise TypeError(f"{name}[{label!r}] must be a {kind.__name__}, got {type(value).__name__}")


def _draw_thresholds(axes, th: Thresholds, colour, with_labels: bool):
    """Vertical lines at the three thresholds on every axis; return the lines of the first axis."""
    lines = []
    for k, ax in enumerate(axes):
        for key, style in _THRESHOLD_STYLES.items():
            label = _THRESHOLD_LABELS[key] if (with_labels and k == 0) else None
            ln = ax.axvline(getattr(th, key), color=colour, ls=style, lw=0.9, alpha=0.8, label=label)
            if k == 0:
                lines.append(ln)
    return lines


def plot_branch_curves(curves: Mapping[str, BranchCurve], thresholds: Mapping[str, Thresholds] | None = None) -> Figure:
    r"""DMFT variance and :math:`\lambda_{\max}` of the chaotic branch against :math:`g_h`, one colour per curve.

    Left: :math:`\Delta_h(0)` of the chaotic branch (solid, dots at the solved gains) and of
    the quiet state (0, grey). Right: the DMFT :math:`\lambda_{\max}` of the chaotic branch
    (solid) and the exponent of the quiet state :math:`(s_z/\tau_h)(g_hs_r-1)` (dashed; grey
    and drawn once when all curves share :math:`\beta_r`, since it does not depend on :math:`\alpha_r`). Vertical lines mark the thresholds of ``thresholds[label]``, if given:
    :math:`g_{\rm topo}` dotted, :math:`g_{\rm chaos}` dashed, :math:`1+e^{\beta_r}` solid.
    """
    _check_mapping(curves, "curves", BranchCurve)
    if thresholds is not None:
        _check_mapping(thresholds, "thresholds", Thresholds)
    fig, axes = new_figure(width=10.0, height=3.6, ncols=2)
    left, right = axes[0]
    lo = min(c.g_values[0] for c in curves.values())
    hi = max(c.g_values[-1] for c in curves.values())
    left.plot([lo, hi], [0.0, 0.0], color="0.5", lw=2, label="quiet state")
    shared_quiet = len({c.beta_r for c in curves.values()}) == 1
    for j, (colour, (label, c)) in enumerate(zip(COLOURS, curves.items())):
        m = c.chaotic
        left.plot(c.g_values[m], c.variance[m], "o-", ms=3, color=colour, label=f"{label}: chaotic branch")
        right.plot(c.g_values[m], c.lambda_chaotic[m], "o-", ms=3, color=colour, label=f"{label}: chaotic branch")
        if not shared_quiet:
            right.plot(c.g_values, c.lambda_quiet, "--", color=colour, lw=1.2, label=f"{label}: quiet state")
        elif j == 0:  # the quiet state does not depend on alpha_r: one line for all
            g = np.linspace(lo, hi, 2)
            right.plot(g, quiet_lambda_max(g, beta_r=c.beta_r, tau_z=1.0), "--", color="0.4", lw=1.4,
                       label=r"quiet state (any $\alpha_r$)")
        if thresholds is not None and label in thresholds:
            _draw_thresholds((left, right), thresholds[label], colour, with_labels=(j == 0))
    right.axhline(0.0, color="0.3", lw=0.6)
    left.set_ylabel(r"$\Delta_h(0)$")
    left.set_title("variance of $h$ (DMFT)", fontsize=10)
    right.set_ylabel(r"$\lambda_{\max}\,\tau_h$")
    right.set_title("largest Lyapunov exponent (DMFT and quiet state)", fontsize=10)
    for ax in (left, right):
        ax.set_xlabel(r"$g_h$")
        ax.set_xlim(lo, hi)
    left.legend(frameon=False, fontsize=7, loc="upper left")
    right.legend(frameon=False, fontsize=7, loc="lower right")
    return fig


def plot_hysteresis(sweep: HysteresisSweep, curve: BranchCurve | None = None, thresholds: Thresholds | None = None) -> Figure:
    r"""Finite networks started small and large, on top of the DMFT branch (bistability).

    Left: temporal variance of :math:`h` at the end of each run against :math:`g_h`, one
    marker per seed (open: smallest initial scale, filled: largest; values below
    :math:`10^{-8}`, runs that have decayed, are drawn at :math:`10^{-8}`), the seed means joined by
    lines, and the DMFT chaotic branch of ``curve`` (black). Runs that came to rest on a nonzero
    fixed point (:attr:`gatebook.transitions.HysteresisSweep.outcome` ``"fixed point"``: variance
    near zero but a final amplitude above :data:`gatebook.transitions.QUIET_RMS`) are marked by a
    black cross, so they are not mistaken for decayed runs. Right: the fraction of seeds still
    active (variance above :data:`gatebook.transitions.ACTIVE_VARIANCE`) for each start.
    Threshold lines as in :func:`plot_branch_curves`.
    """
    if not isinstance(sweep, HysteresisSweep):
        raise TypeError(f"sweep must be a HysteresisSweep, got {type(sweep).__name__}")
    if curve is not None and not isinstance(curve, BranchCurve):
        raise TypeError(f"curve must be a BranchCurve or None, got {type(curve).__name__}")
    if thresholds is not None and not isinstance(thresholds, Thresholds):
        raise TypeError(f"thresholds must be Thresholds or None, got {type(thresholds).__name__}")
    fig, axes = new_figure(width=10.0, height=3.6, ncols=2)
    left, right = axes[0]
    g = sweep.g_values
    order = np.argsort(sweep.initial_scales)
    frac = sweep.fraction_active()
    for colour, k in zip((COLOURS[0], COLOURS[1]) + tuple(COLOURS[2:]), order):
        scale = sweep.initial_scales[k]
        filled = k == order[-1]
        for i in range(len(sweep.seeds)):
            left.plot(g, np.maximum(sweep.variance[i, :, k], _VARIANCE_FLOOR), "o" if filled else "s", ms=5,
                      mfc=colour if filled else "none", mec=colour, ls="none", alpha=0.7)
        left.plot(g, np.maximum(sweep.mean_variance()[:, k], _VARIANCE_FLOOR), "-", color=colour, lw=1,
                  label=f"start s.d. {scale:g} (N={sweep.N})")
        right.plot(g, frac[:, k], "o-" if filled else "s--", color=colour, mfc=colour if filled else "none",
                   label=f"start s.d. {scale:g}")
    settled = sweep.outcome == "fixed point"
    if settled.any():
        i, j, k = np.nonzero(settled)
        left.plot(g[j], np.maximum(sweep.variance[i, j, k], _VARIANCE_FLOOR), "x", color="k", ms=8, ls="none",
                  label="at rest on a nonzero fixed point")
    if curve is not None:
        m = curve.chaotic & (curve.g_values >= g[0]) & (curve.g_values <= g[-1])
        left.plot(curve.g_values[m], curve.variance[m], "k-", lw=1.5, label="DMFT chaotic branch")
    if thresholds is not None:
        _draw_thresholds((left, right), thresholds, "0.4", with_labels=True)
    left.axhline(ACTIVE_VARIANCE, color="0.6", lw=0.8, ls="-.", label="'active' above")
    left.set_yscale("log")
    left.set_ylim(0.3 * _VARIANCE_FLOOR, 3.0)
    left.set_ylabel(r"temporal variance of $h$")
    left.set_title(f"end of the run ({sweep.t_transient:g}+{sweep.t_measure:g} $\\tau_h$)", fontsize=10)
    right.set_ylabel("fraction of seeds still active")
    right.set_ylim(-0.05, 1.05)
    right.set_title(rf"$\alpha_r={sweep.alpha_r:g}$, $\beta_r={sweep.beta_r:g}$, {len(sweep.seeds)} seeds", fontsize=10)
    for ax in (left, right):
        ax.set_xlabel(r"$g_h$")
    left.legend(frameon=False, fontsize=7, loc="lower right")
    right.legend(frameon=False, fontsize=7, loc="center right")
    return fig


def plot_input_chaos(result: InputChaos) -> Figure:
    r""":math:`\lambda_{\max}` and the fluctuation variance against the input spread :math:`\sigma_I`.

    Points: finite-:math:`N` means over seeds with standard errors (seed-to-seed); diamonds
    (dashed): the DMFT prediction (large start), if computed. Right: :math:`\langle h^2\rangle`
    against :math:`\Delta_h(0)`, and the temporal variance against :math:`\Delta_h(0)-\Delta_h(\infty)`. The horizontal line is
    :math:`\lambda_{\max}=0`.
    """
    if not isinstance(result, InputChaos):
        raise TypeError(f"result must be an InputChaos, got {type(result).__name__}")
    fig, axes = new_figure(width=10.0, height=3.4, ncols=2)
    left, right = axes[0]
    s = result.sigma_values
    n = len(result.seeds)

    def sem(a):
        return a.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros(a.shape[1])

    left.errorbar(s, result.lambda_max.mean(axis=0), yerr=sem(result.lambda_max), fmt="o", color=COLOURS[1],
                  capsize=2, label=f"simulation, N={result.N} ({n} seeds)")
    right.errorbar(s, result.second_moment.mean(axis=0), yerr=sem(result.second_moment), fmt="o", color=COLOURS[1],
                   capsize=2, label=r"simulation $\langle h^2\rangle$")
    right.errorbar(s, result.variance.mean(axis=0), yerr=sem(result.variance), fmt="s", mfc="none",
                   color=COLOURS[0], capsize=2, label="simulation, temporal variance")
    if np.isfinite(result.theory_lambda).any():
        left.plot(s, result.theory_lambda, "kD--", ms=4, lw=0.8, label="DMFT")
        right.plot(s, result.theory_second_moment, "kD--", ms=4, lw=0.8, label=r"DMFT $\Delta_h(0)$")
        right.plot(s, result.theory_variance, "D:", color="0.5", ms=4, lw=0.8,
                   label=r"DMFT $\Delta_h(0)-\Delta_h(\infty)$")
    left.axhline(0.0, color="0.4", lw=0.7)
    left.set_ylabel(r"$\lambda_{\max}\,\tau_h$")
    right.set_ylabel("second moment / variance of $h$")
    for ax in (left, right):
        ax.set_xlabel(r"input spread $\sigma_I$")
        ax.legend(frameon=False, fontsize=7)
    fig.suptitle(rf"$g_h={result.g_h:g}$, $\alpha_r={result.alpha_r:g}$, $\beta_r={result.beta_r:g}$ "
                 rf"(quiet state stable below $g_h={quiet_threshold(result.beta_r):.2f}$)", fontsize=10)
    return fig


def plot_onsets(onsets, alpha_grid=None) -> Figure:
    r"""Topological vs dynamical onset against the gain :math:`\alpha_r` of the output gate.

    The static onset :math:`g_{\rm topo}(\alpha_r)` (the static-mean-field proxy for
    topological complexity) is drawn on ``alpha_grid`` (default: 0 and 9 log-spaced gains
    from 1 to 100), the DMFT chaotic onsets :math:`g_{\rm chaos}` of ``onsets`` (a sequence of
    :class:`gatebook.transitions.Thresholds` with a common :math:`\beta_r`) as points, with
    the quiet-state threshold :math:`1+e^{\beta_r}` and the step-gate limit :math:`\sqrt2`
    of :math:`g_{\rm topo}`. Symmetric-log :math:`\alpha_r` axis (linear below 1).
    """
    if isinstance(onsets, (str, bytes)) or not np.iterable(onsets):
        raise TypeError(f"onsets must be a non-empty sequence of Thresholds, got {type(onsets).__name__}")
    onsets = list(onsets)
    if not onsets or not all(isinstance(o, Thresholds) for o in onsets):
        raise TypeError("onsets must be a non-empty sequence of Thresholds")
    betas = {o.beta_r for o in onsets}
    if len(betas) != 1:
        raise ValueError(f"onsets must share one beta_r, got {sorted(betas)}")
    beta_r, g_r = onsets[0].beta_r, onsets[0].g_r
    if alpha_grid is None:
        alpha_grid = np.concatenate([[0.0], np.geomspace(1.0, 100.0, 9)])
    alpha_grid = check_float_sequence(alpha_grid, "alpha_grid", min_length=2, nonnegative=True)
    topo = np.array([_onset(float(a), beta_r, g_r) for a in alpha_grid])
    fig, axes = new_figure(width=6.5, height=3.8)
    ax = axes[0, 0]
    ax.plot(alpha_grid, topo, "-", color=COLOURS[2], label=r"$g_{\rm topo}$ (static proxy)")
    a = np.array([o.alpha_r for o in onsets])
    ax.plot(a, [o.g_chaos for o in onsets], "o", ms=7, color=COLOURS[1], label=r"$g_{\rm chaos}$ (DMFT)")
    ax.axhline(quiet_threshold(beta_r), color="0.3", lw=1, label=r"$1+e^{\beta_r}$ (quiet state)")
    ax.axhline(np.sqrt(2.0), color="0.6", ls=":", lw=1, label=r"$\sqrt{2}$ (step gate, $\beta_r\geq 0$)")
    ax.vlines(a, [o.g_topo for o in onsets], [o.g_chaos for o in onsets], color=COLOURS[1], lw=6, alpha=0.25,
              label="static solution, no chaos")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel(r"gate gain $\alpha_r$")
    ax.set_ylabel(r"$g_h$")
    ax.set_title(rf"onsets at $\beta_r={beta_r:g}$", fontsize=10)
    ax.legend(frameon=False, fontsize=7, loc="lower left")
    return fig


def plot_census(sweep: CensusSweep, thresholds: Thresholds | None = None) -> Figure:
    r"""A fixed-point census (:func:`gatebook.census_sweep`) against the gain, with the static mean field.

    Left: the mean number of distinct fixed points per network against :math:`g_h`, one line
    per size :math:`N` (solid: all; dashed: those with :math:`\Delta>` the sweep's
    ``nonzero_variance``). Right: every point but the origin (:math:`\Delta>10^{-8}`), its variance
    :math:`\Delta=\frac1N\sum_ih_i^2` against :math:`g_h` (filled: stable, open: unstable;
    jittered in :math:`g_h` by size), over both solutions of the static mean field
    (:func:`gatebook.meanfield.static_solution_curve`). Vertical lines: the thresholds of
    ``thresholds`` if given, else :math:`g_{\rm topo}` alone.
    """
    check_instance(sweep, CensusSweep, "sweep")
    if thresholds is not None:
        check_instance(thresholds, Thresholds, "thresholds")
    alpha_r, beta_r = sweep.settings["alpha_r"], sweep.settings["beta_r"]
    fig, axes = new_figure(width=9.0, height=3.6, ncols=2)
    left, right = axes[0]
    colours = [COLOURS[k % len(COLOURS)] for k in range(sweep.sizes.size)]
    for j, (n, c) in enumerate(zip(sweep.sizes, colours)):
        left.plot(sweep.g_values, sweep.counts[:, j].mean(axis=1), "o-", color=c, ms=4, label=f"$N={n}$: all")
        left.plot(sweep.g_values, sweep.count_nonzero[:, j].mean(axis=1), "s--", color=c, ms=3, lw=1,
                  label=rf"$N={n}$: $\Delta>{sweep.settings['nonzero_variance']:g}$")
    left.set_xlabel(r"$g_h$")
    left.set_ylabel(f"fixed points per network (mean of {sweep.seeds.size})")
    left.legend(frameon=False, fontsize=7, ncol=2)
    g_curve, d_curve = static_solution_curve(float(sweep.g_values.max()), alpha_r, beta_r)
    right.plot(g_curve, d_curve, "-", color="0.2", lw=1.5, label="static mean field")
    away = sweep.variances > _VARIANCE_FLOOR  # every point but the origin
    step = np.ptp(sweep.g_values) / max(sweep.g_values.size - 1, 1)
    for j, (n, c) in enumerate(zip(sweep.sizes, colours)):
        sel = away & (sweep.where[:, 1] == j)
        g = sweep.g_values[sweep.where[sel, 0]] + (j - (sweep.sizes.size - 1) / 2) * 0.15 * step
        stable = sweep.indices[sel] == 0
        right.plot(g[stable], sweep.variances[sel][stable], "o", ms=4, color=c, label=f"$N={n}$ stable")
        right.plot(g[~stable], sweep.variances[sel][~stable], "o", ms=4, mfc="none", color=c, label=f"$N={n}$ unstable")
    right.set_yscale("log")
    right.set_xlabel(r"$g_h$")
    right.set_ylabel(r"variance $\Delta$ of each fixed point")
    right.legend(frameon=False, fontsize=6, ncol=2)
    lines = ({k: getattr(thresholds, k) for k in _THRESHOLD_STYLES} if thresholds is not None
             else {"g_topo": fixed_point_onset(alpha_r, beta_r)})
    for ax in (left, right):
        for key, g in lines.items():
            if np.isfinite(g):
                ax.axvline(g, color="0.5", ls=_THRESHOLD_STYLES[key], lw=1)
    left.set_title(rf"census, $\alpha_r={alpha_r:g}$, $\beta_r={beta_r:g}$ (lines: " +
                   ", ".join(_THRESHOLD_LABELS[k] for k in lines) + ")", fontsize=9)
    return fig


#: Ranges of the explorer's parameters (wider than the chapter's sliders).
EXPLORER_RANGES = {"g_h": (0.0, 10.0), "alpha_r": (0.0, 100.0), "beta_r": (-10.0, 10.0)}


@lru_cache(maxsize=32)
def _unit_loop_gain(alpha_r: float, beta_r: float):
    """:math:`G(\\Delta)/g_h^2` on the explorer's grid of variances (cached per gate)."""
    delta = np.geomspace(1e-4, 1e2, 121)
    return delta, loop_gain(delta, 1.0, alpha_r, beta_r)


@lru_cache(maxsize=128)
def _onset(alpha_r: float, beta_r: float, g_r: float = 1.0) -> float:
    """:func:`gatebook.meanfield.fixed_point_onset`, cached (the explorer and :func:`plot_onsets` reuse it)."""
    return fixed_point_onset(alpha_r, beta_r, g_r)


def loop_gain_explorer(g_h: float, alpha_r: float, beta_r: float = 0.0) -> Figure:
    r"""Chapter 10's explorable figure: the static loop gain :math:`G(\Delta)` and its fixed points.

    :math:`G(\Delta)=g_h^2S_r(Q(\Delta))Q(\Delta)/\Delta`
    (:func:`gatebook.transitions.loop_gain`, :math:`g_r=1`) on :math:`\Delta\in[10^{-4},10^2]`
    (log axis, fixed limits). Where :math:`G=1` (horizontal line) the static mean field has a
    nonzero solution (dots); :math:`G(0^+)=g_h^2s_r^2` decides the stability of the quiet
    state. The title gives :math:`g_{\rm topo}` and :math:`1+e^{\beta_r}`. The curve for
    :math:`g_h=1` is cached per gate, and the ticks are fixed plain text, so a frame costs one
    quick drawing.

    Parameters
    ----------
    g_h : float
        Coupling gain, in :math:`(0, 10]` (the chapter's slider: 1.5 to 2.1).
    alpha_r : float
        Gain of the output gate, in :math:`[0, 100]` (slider: 0, 5, 20).
    beta_r : float
        Bias of the output gate, in :math:`[-10, 10]`.
    """
    g_h = check_float_in(g_h, "g_h", 0.0, EXPLORER_RANGES["g_h"][1], closed="right")
    alpha_r = check_float_in(alpha_r, "alpha_r", *EXPLORER_RANGES["alpha_r"])
    beta_r = check_float_in(beta_r, "beta_r", *EXPLORER_RANGES["beta_r"])
    delta, unit = _unit_loop_gain(alpha_r, beta_r)
    G = g_h**2 * unit
    fig = Figure(figsize=(6.4, 3.6))
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.86)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(delta, G, color=COLOURS[0], lw=2, label="loop gain G(Δ)")
    ax.axhline(1.0, color="0.3", lw=1)
    cross = np.flatnonzero(np.diff(np.sign(G - 1.0)) != 0)
    for k in cross:  # linear interpolation in log Delta
        u = np.log(delta[k]) + (1.0 - G[k]) / (G[k + 1] - G[k]) * (np.log(delta[k + 1]) - np.log(delta[k]))
        ax.plot(np.exp(u), 1.0, "o", color=COLOURS[1], ms=7)
    ax.plot(delta[0], G[0], "<", color=COLOURS[2], ms=8, label="Δ→0: g_h² s_r² (quiet state)")
    ax.set_xscale("log")
    ax.set_xlim(delta[0], delta[-1])
    ax.set_ylim(0.0, 2.0)
    # fixed plain-text ticks (no mathtext, no minor ticks): frames draw fast and compare by eye
    powers = np.arange(-4, 3)
    ax.set_xticks(10.0**powers, labels=[f"1e{p}" if p else "1" for p in powers])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_yticks([0.0, 0.5, 1.0, 1.5, 2.0])
    ax.set_xlabel("fixed-point variance Δ")
    ax.set_ylabel(r"$G(\Delta)$")
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.set_title(rf"$g_h={g_h:g}$, $\alpha_r={alpha_r:g}$, $\beta_r={beta_r:g}$:  $g_{{\rm topo}}={_onset(alpha_r, beta_r):.3f}$, "
                 rf"$1+e^{{\beta_r}}={quiet_threshold(beta_r):.3f}$;  {len(cross)} nonzero solution(s)", fontsize=9)
    return fig
