r"""Figures for chapter 2 (*The leaky integrator*).

Each function returns a :class:`matplotlib.figure.Figure` built with the object-oriented
API (no pyplot figure is left open). The numbers come from :mod:`gatebook.learning.kernels`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import torch
from matplotlib.figure import Figure

from .._validation import check_float_in, check_int
from ._style import COLOURS, log_ticks, new_figure
from ..learning import kernels
from ..learning.lag_profile import LagProfile

__all__ = ["plot_impulse_responses", "plot_ema_identity", "plot_lag_schedule", "leaky_explorer"]


def _check_alphas(alphas) -> list:
    if isinstance(alphas, (str, bytes)) or not isinstance(alphas, Sequence) or len(alphas) == 0:
        raise TypeError("alphas must be a non-empty sequence of leaks in (0, 1]")
    kernels._check_alpha(list(alphas), "alphas")
    return [float(a) for a in alphas]


#: Longest lag :func:`plot_impulse_responses` draws (each leak is also simulated for that many steps).
MAX_LAG = 10_000


def plot_impulse_responses(alphas=(0.05, 0.1, 0.2, 0.5, 1.0), max_lag: int = 30) -> Figure:
    r"""Impulse responses :math:`\alpha(1-\alpha)^\ell` of leaky units, with their half-lives.

    Left: the response itself (lines: closed form; circles: measured from a one-unit linear
    :class:`~gatebook.learning.LeakyRNN` fed a unit pulse). Right: the response relative to
    its lag-0 value, :math:`(1-\alpha)^\ell`, on a log scale; it crosses :math:`1/2` at the
    half-life :math:`\ell_{1/2}`, marked with a dot. Chapter 2. ``alphas`` are leaks in
    :math:`(0,1]`; ``max_lag`` is an integer between 1 and :data:`MAX_LAG`.
    """
    alphas = _check_alphas(alphas)
    max_lag = check_int(max_lag, "max_lag", minimum=1, maximum=MAX_LAG)
    lags = np.arange(max_lag + 1)
    fig, axes = new_figure(width=8.6, height=3.3, ncols=2)
    left, right = axes[0]
    for colour, a in zip(COLOURS * 2, alphas):
        unit = kernels.leaky_cell(a, input_size=1, hidden_size=1, recurrence=0.0, nonlinearity="linear")
        measured = kernels.pulse_response(unit, max_lag)
        closed = kernels.impulse_response(a, max_lag)
        hl = kernels.half_life(a)
        left.plot(lags, closed, "-", color=colour, lw=1.4, label=f"α = {a:g}  (ℓ½ = {hl:.2f})")
        left.plot(lags, measured, "o", color=colour, ms=3.5, mfc="none", lw=0)
        right.plot(lags, closed / closed[0], "-", color=colour, lw=1.4)
        if hl > 0:
            right.plot([hl], [0.5], "o", color=colour, ms=6)
    left.set_xlabel("lag ℓ (steps after the pulse)")
    left.set_ylabel("state response α(1−α)^ℓ")
    left.set_title("lines: closed form; circles: measured", fontsize=10)
    left.legend(frameon=False, fontsize=8)
    right.axhline(0.5, color="0.5", lw=0.8, ls=":")
    log_ticks(right, exponents=range(-3, 1), limits=(1e-3, 1.5))
    right.set_xlabel("lag ℓ")
    right.set_ylabel("relative response (1−α)^ℓ")
    right.set_title("dots: half-life ℓ½ = ln 2 / (−ln(1−α))", fontsize=10)
    for ax in (left, right):
        ax.set_xlim(-0.5, max_lag + 0.5)
    return fig


def plot_ema_identity(measured: Mapping) -> Figure:
    r"""Lag weights measured from a network (circles) on top of the EMA kernel (lines).

    ``measured`` maps a leak :math:`\alpha` to lag weights :math:`w(\ell)`, e.g. from
    :func:`gatebook.learning.kernels.measured_lag_weights` (a linear leaky cell with
    :math:`W_{\rm rec}=0`). Each line is the momentum/EMA kernel :math:`(1-\beta)\beta^\ell`
    with :math:`\beta=1-\alpha`; the title reports the largest absolute difference. Chapter 2.
    """
    if not isinstance(measured, Mapping) or len(measured) == 0:
        raise TypeError("measured must be a non-empty mapping alpha -> lag weights")
    fig, axes = new_figure(width=5.6, height=3.6)
    ax = axes[0, 0]
    worst = 0.0
    for colour, (a, w) in zip(COLOURS * 2, measured.items()):
        a = float(kernels._check_alpha(a))
        w = np.asarray(w, dtype=float)
        if w.ndim != 1 or w.size < 2 or not np.all(np.isfinite(w)):
            raise ValueError(f"the lag weights for alpha={a:g} must be a finite 1-D array with at least 2 lags")
        lags = np.arange(w.size)
        kernel = kernels.ema_kernel(1.0 - a, w.size - 1)
        worst = max(worst, float(np.max(np.abs(w - kernel))))
        ax.plot(lags, kernel, "-", color=colour, lw=1.4, label=f"EMA, β = {1 - a:g}")
        ax.plot(lags, w, "o", color=colour, ms=4, mfc="none", lw=0, label=f"network, α = {a:g}")
    log_ticks(ax, exponents=range(-8, 1, 2), limits=(1e-8, 1.5))
    ax.set_xlabel("lag ℓ (steps before the loss)")
    ax.set_ylabel("lag weight w(ℓ) = ‖∂L/∂a(T−ℓ)‖ / ‖δ(T)‖")
    ax.set_title(f"largest |network − EMA| = {worst:.1e}", fontsize=10)
    ax.legend(frameon=False, fontsize=8, ncols=2)
    return fig


def _draw_sensitivity(ax, sens: kernels.LagSensitivity, colour: str = "#1f77b4", extremes: bool = True):
    lags = sens.lags
    lower, upper = sens.bounds
    ax.fill_between(lags, sens.q25, sens.q75, color=colour, alpha=0.25, lw=0)
    ax.plot(lags, sens.median, "-", color=colour, lw=1.8, label="measured S(ℓ): median, IQR")
    if extremes:
        ax.plot(lags, sens.minimum, ":", color=colour, lw=0.9, label="measured min / max")
        ax.plot(lags, sens.maximum, ":", color=colour, lw=0.9)
    ax.plot(lags, sens.geometric, "--", color="k", lw=1.2, label="carry (1−α)^ℓ")
    ax.plot(lags, upper, "-", color="0.55", lw=1.0, label="bounds (1−α ± α‖W_rec‖₂)^ℓ")
    if np.all(np.isfinite(lower)):
        ax.plot(lags, lower, "-", color="0.55", lw=1.0)
    ax.set_xlabel("lag ℓ")
    ax.set_xlim(-0.5, lags[-1] + 0.5)


def plot_lag_schedule(sensitivities, profiles=None) -> Figure:
    r"""Measured :math:`S(\ell)=\lVert\Phi(t,t-\ell)\rVert_2` against the carry power and the norm bounds.

    One panel per :class:`~gatebook.learning.kernels.LagSensitivity`: the median over examples
    and start times (line) with its interquartile band, the extremes (dotted), the
    zeroth-order ``carry`` predictor :math:`(1-\alpha)^\ell` (dashed) and the bounds
    :math:`(1-\alpha\pm\alpha\lVert W_{\rm rec}\rVert_2)^\ell` (grey; the lower one only when
    :math:`1-\alpha>\alpha\lVert W_{\rm rec}\rVert_2`). If ``profiles`` (one
    :class:`~gatebook.learning.LagProfile` per panel, ``convention="carry"``) are given, the
    fitted power :math:`s` of :math:`\ln S=a+s\ln(1-\alpha)^\ell` and its :math:`R^2` are shown
    in the panel title. Chapter 2.
    """
    if isinstance(sensitivities, kernels.LagSensitivity):
        sensitivities = [sensitivities]
    if not isinstance(sensitivities, Sequence) or len(sensitivities) == 0 or not all(
            isinstance(s, kernels.LagSensitivity) for s in sensitivities):
        raise TypeError("sensitivities must be a LagSensitivity or a non-empty sequence of them")
    if profiles is not None:
        if isinstance(profiles, LagProfile):
            profiles = [profiles]
        if not isinstance(profiles, Sequence) or isinstance(profiles, (str, bytes)):
            raise TypeError(f"profiles must be a LagProfile or a sequence of them, got {type(profiles).__name__}")
        if len(profiles) != len(sensitivities) or not all(isinstance(p, LagProfile) for p in profiles):
            raise ValueError("profiles must hold one LagProfile per sensitivity")
        bad = [p.convention for p in profiles if p.convention != "carry"]
        if bad:
            raise ValueError(f'the profiles must use convention="carry" (the predictor drawn here), got {bad}')
    k = len(sensitivities)
    fig, axes = new_figure(width=4.3 * k, height=3.6, ncols=k, sharey=True)
    for i, (ax, sens) in enumerate(zip(axes[0], sensitivities)):
        _draw_sensitivity(ax, sens)
        title = f"α = {sens.alpha:g},  ‖W_rec‖₂ = {sens.weight_norm:.2f}"
        if profiles is not None:
            title += f"\nfit: s = {profiles[i].slope:.2f}, R² = {profiles[i].r2:.3f}"
        ax.set_title(title, fontsize=10)
        log_ticks(ax, exponents=range(-6, 2), limits=(1e-6, 15.0))
    axes[0, 0].set_ylabel("S(ℓ) = ‖Φ(t, t−ℓ)‖₂")
    axes[0, 0].legend(frameon=False, fontsize=7.5, loc="lower left")
    return fig


#: Sizes of the explorer's network (small, so that every frame renders in well under 0.3 s).
_EXPLORER = {"input_size": 4, "hidden_size": 16, "T": 30, "batch": 4, "seed": 0, "amplitude": 0.1}


#: Range of the explorer's ``recurrence`` (wider than the chapter's slider).
_EXPLORER_RECURRENCE = (0.0, 10.0)


@lru_cache(maxsize=64)
def _explorer_data(alpha: float, recurrence: float):
    p = _EXPLORER
    cell = kernels.leaky_cell(alpha, input_size=p["input_size"], hidden_size=p["hidden_size"],
                              recurrence=recurrence, seed=p["seed"])
    probe = _explorer_inputs()
    pulse = kernels.pulse_response(cell, p["T"], amplitude=p["amplitude"])
    sens = kernels.lag_sensitivity(cell, probe)
    return pulse, sens


@lru_cache(maxsize=1)
def _explorer_inputs() -> torch.Tensor:
    from ..learning.tasks import make_task

    p = _EXPLORER
    return make_task("adding", p["batch"], T=p["T"], m=p["input_size"], seed=1, dtype=torch.float64).inputs


def _fixed_log_axis(ax, max_lag: int):
    log_ticks(ax, exponents=range(-4, 3), limits=(1e-4, 300.0))
    ax.set_xlim(-0.5, max_lag + 0.5)
    ax.set_xticks(np.arange(0, max_lag + 1, 10))


def leaky_explorer(alpha: float = 0.2, recurrence: float = 1.0) -> Figure:
    r"""Explorable view of chapter 2: what one leak :math:`\alpha` does to memory and to credit.

    Left: the state's response to a small input pulse, :math:`\lVert x_{1+\ell}\rVert` per unit
    of injected current, for a 16-unit :math:`\tanh` leaky network whose default recurrent
    weights are scaled by ``recurrence`` (circles), against the closed form
    :math:`\alpha(1-\alpha)^\ell` of a unit without recurrence (line), with the half-life.
    Right: the norms :math:`S(\ell)` of the Jacobian products on a fixed batch of the adding
    task (median and interquartile band), against :math:`(1-\alpha)^\ell` and the norm bounds.
    Network data are cached per ``(alpha, recurrence)``; the layout and the axes are fixed
    so that frames can be compared and redraw quickly (plain-text labels, no mathtext).

    Parameters
    ----------
    alpha : float
        The leak, in :math:`(0, 1]`.
    recurrence : float
        Factor on the default recurrent weights, in :math:`[0, 10]` (the chapter's slider: 0 to 2).
    """
    a = float(kernels._check_alpha(alpha))
    r = check_float_in(recurrence, "recurrence", *_EXPLORER_RECURRENCE)
    pulse, sens = _explorer_data(a, r)
    lags = sens.lags
    L = int(lags[-1])
    fig = Figure(figsize=(8.6, 3.3))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.83, wspace=0.22)
    left, right = fig.subplots(1, 2)
    left.plot(lags, kernels.impulse_response(a, L), "-", color="k", lw=1.4, label="α(1−α)^ℓ, no recurrence")
    left.plot(lags, pulse, "o", color=COLOURS[1], ms=4, mfc="none", label="network")
    hl = kernels.half_life(a)
    if hl > 0:
        left.plot([hl], [a / 2], "s", color=COLOURS[0], ms=6, label=f"half-life ℓ½ = {hl:.1f}")
    _fixed_log_axis(left, L)
    left.set_xlabel("lag ℓ (steps after the pulse)")
    left.set_ylabel("state response per unit input")
    left.set_title("memory: impulse response", fontsize=10, y=1.01)
    left.legend(frameon=False, fontsize=8, loc="upper right")
    _draw_sensitivity(right, sens, extremes=False)
    _fixed_log_axis(right, L)
    right.set_xlabel("lag ℓ")
    right.set_ylabel("S(ℓ) = ‖Φ(t, t−ℓ)‖₂")
    right.set_title(f"credit: Jacobian products, ‖W_rec‖₂ = {sens.weight_norm:.2f}", fontsize=10, y=1.01)
    right.legend(frameon=False, fontsize=8, loc="upper right")
    fig.suptitle(f"α = {a:g},  recurrence × {r:g}", fontsize=11, y=0.98)
    return fig
