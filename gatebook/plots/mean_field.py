r"""Figures for chapter 9 (dynamical mean-field theory).

Every function takes results computed by :mod:`gatebook.meanfield` (or, for the explorer,
model parameters), draws with matplotlib's object-oriented API and returns a
:class:`matplotlib.figure.Figure`; none leaves a pyplot figure open.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .._validation import check_bool, check_finite_float, check_float_in, check_positive_float
from ..meanfield._result import DMFTResult
from ..meanfield.scs import scs_potential
from ..meanfield.simulation import (
    FiniteSizeLyapunov,
    SchrodingerStates,
    SCSTheoryCurve,
    SimulatedAutocorrelation,
    dmft_profile,
    expected_centred_autocorrelation,
    gated_theory,
)
from ._style import COLOURS, new_figure

__all__ = [
    "plot_potential",
    "plot_solver_comparison",
    "plot_gated_autocorrelations",
    "plot_theory_vs_simulation",
    "plot_schrodinger",
    "plot_finite_size",
    "plot_lambda_and_relaxation",
    "plot_gated_lambda_and_relaxation",
    "dmft_explorer",
]


def _positive(result):
    keep = result.lags >= 0
    return result.lags[keep], result.autocorrelation[keep]


def _check_result(result, name="result"):
    if not isinstance(result, DMFTResult):
        raise TypeError(f"{name} must be a DMFTResult, got {type(result).__name__}")
    return result


def plot_potential(result: DMFTResult, s_max: float = 15.0) -> Figure:
    r"""The particle picture of chapter 1's DMFT: :math:`V(\Delta;\Delta_0)` and the solution :math:`\Delta(s)`.

    Left: :math:`V(\Delta;\Delta_0)-V(0;\Delta_0)` on :math:`[0,\Delta_0]` for the
    self-consistent :math:`\Delta_0` (solid, the particle starts at rest at
    :math:`\Delta_0`, a dot, and just reaches the hilltop at 0) and for
    :math:`0.8\Delta_0` and :math:`1.2\Delta_0` (dashed, the energy does not match).
    Right: :math:`\Delta(s)` for :math:`|s|\le` ``s_max``.

    Parameters
    ----------
    result : DMFTResult
        A chaotic solution of :func:`gatebook.meanfield.scs_dmft`.
    s_max : float
        Half-width of the lag axis (units of ``result.lags``).
    """
    result = _check_result(result)
    if result.branch != "chaotic" or "g" not in result.params:
        raise ValueError("result must be a chaotic solution of scs_dmft")
    s_max = check_positive_float(s_max, "s_max")
    g, d0 = result.params["g"], result.variance
    fig, axes = new_figure(9.0, 3.3, ncols=2)
    ax = axes[0, 0]
    for factor, style, colour in ((0.8, "--", COLOURS[2]), (1.0, "-", COLOURS[0]), (1.2, "--", COLOURS[1])):
        top = factor * d0
        delta = np.linspace(0.0, top, 121)
        v = scs_potential(delta, top, g)
        ax.plot(delta, v - v[0], style, color=colour, label=rf"$\Delta_0={top:.2f}$")
        if factor == 1.0:
            ax.plot([top], [v[-1] - v[0]], "o", color=colour, ms=6)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(r"$\Delta$")
    ax.set_ylabel(r"$V(\Delta;\Delta_0)-V(0;\Delta_0)$")
    ax.set_title(f"potential, g = {g:g}")
    ax.legend(fontsize=8, frameon=False)
    ax = axes[0, 1]
    keep = np.abs(result.lags) <= s_max
    ax.plot(result.lags[keep], result.autocorrelation[keep], color=COLOURS[0])
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(r"lag $s/\tau$")
    ax.set_ylabel(r"$\Delta(s)$")
    ax.set_title(rf"solution: $\Delta_0={d0:.4f}$")
    return fig


def plot_solver_comparison(potential: DMFTResult, iteration: DMFTResult, s_max: float = 20.0) -> Figure:
    r"""Two independent DMFT solutions overlaid, and their difference on a log axis.

    Left: :math:`\Delta(s)` from the potential method and from the Fourier iteration.
    Right: :math:`|\Delta_{\rm pot}(s)-\Delta_{\rm it}(s)|` on the iteration's lags
    :math:`0\le s\le` ``s_max``.
    """
    potential = _check_result(potential, "potential")
    iteration = _check_result(iteration, "iteration")
    s_max = check_positive_float(s_max, "s_max")
    fig, axes = new_figure(9.0, 3.2, ncols=2)
    ax = axes[0, 0]
    s_p, d_p = _positive(potential)
    s_i, d_i = _positive(iteration)
    kp, ki = s_p <= s_max, s_i <= s_max
    ax.plot(s_p[kp], d_p[kp], color=COLOURS[0], lw=3, alpha=0.5, label="potential (ODE from rest)")
    ax.plot(s_i[ki], d_i[ki], "--", color=COLOURS[1], label="Fourier iteration")
    ax.set_xlabel(r"lag $s$")
    ax.set_ylabel(r"$\Delta(s)$")
    ax.legend(fontsize=8, frameon=False)
    ax = axes[0, 1]
    diff = np.abs(dmft_profile(potential, s_i[ki]) - d_i[ki])
    ax.semilogy(s_i[ki], np.maximum(diff, 1e-16), color=COLOURS[3])
    ax.set_xlabel(r"lag $s$")
    ax.set_ylabel("|difference|")
    ax.set_title(f"max difference {diff.max():.1e}")
    return fig


def plot_gated_autocorrelations(results: Mapping[str, DMFTResult], s_max: float = 30.0,
                                relaxation: bool = True) -> Figure:
    r"""Gated-network DMFT autocorrelations, raw and normalised, one curve per result.

    Left: :math:`\Delta_h(s)`. Right: :math:`\Delta_h(s)/\Delta_h(0)`, with the relaxation
    time (:attr:`DMFTResult.relaxation_time`) marked by a dot on the :math:`1/e` line when
    ``relaxation`` is true (switch it off for profiles that have not decayed within their lag
    grid, whose relaxation time depends on the grid). The legend gives :math:`\lambda_{\max}`
    where the result carries it.
    """
    if not isinstance(results, Mapping) or not results:
        raise TypeError("results must be a non-empty mapping label -> DMFTResult")
    s_max = check_positive_float(s_max, "s_max")
    relaxation = check_bool(relaxation, "relaxation")
    fig, axes = new_figure(9.0, 3.3, ncols=2)
    for k, (label, res) in enumerate(results.items()):
        res = _check_result(res, f"results[{label!r}]")
        s, d = _positive(res)
        keep = s <= s_max
        colour = COLOURS[k % len(COLOURS)]
        text = label if np.isnan(res.lambda_max) else rf"{label}: $\lambda_{{\max}}={res.lambda_max:.3f}$"
        axes[0, 0].plot(s[keep], d[keep], color=colour, label=text)
        if d[0] > 0:
            axes[0, 1].plot(s[keep], d[keep] / d[0], color=colour)
            tr = res.relaxation_time
            if relaxation and np.isfinite(tr) and tr <= s_max:
                axes[0, 1].plot([tr], [np.exp(-1.0)], "o", color=colour, ms=5)
    axes[0, 1].axhline(np.exp(-1.0), color="0.6", lw=0.8, ls=":")
    axes[0, 0].set_ylabel(r"$\Delta_h(s)$")
    axes[0, 1].set_ylabel(r"$\Delta_h(s)/\Delta_h(0)$")
    for ax in axes[0]:
        ax.set_xlabel(r"lag $s/\tau_h$")
    axes[0, 0].legend(fontsize=8, frameon=False)
    axes[0, 1].set_title("normalised; dots: relaxation time (1/e)" if relaxation else "normalised")
    return fig


def plot_theory_vs_simulation(pairs: Mapping[str, tuple]) -> Figure:
    r"""DMFT autocorrelations on finite-network measurements, one panel per setting.

    Each value of ``pairs`` is ``(theory, simulation)``: a :class:`DMFTResult` and a
    :class:`~gatebook.meanfield.simulation.SimulatedAutocorrelation`. In each panel: the
    theory :math:`\Delta(s)` (black), the uncentred measurement (seed mean, shaded
    :math:`\pm` one seed s.d.), the centred measurement (seed mean, open circles) and what
    the theory predicts for the centred estimate over the same window
    (:func:`~gatebook.meanfield.simulation.expected_centred_autocorrelation`, dashed).
    """
    if not isinstance(pairs, Mapping) or not pairs:
        raise TypeError("pairs must be a non-empty mapping label -> (DMFTResult, SimulatedAutocorrelation)")
    fig, axes = new_figure(4.6 * len(pairs), 3.4, ncols=len(pairs))
    for ax, (label, pair) in zip(axes[0], pairs.items()):
        theory, sim = pair
        theory = _check_result(theory, f"pairs[{label!r}][0]")
        if not isinstance(sim, SimulatedAutocorrelation):
            raise TypeError(f"pairs[{label!r}][1] must be a SimulatedAutocorrelation, got {type(sim).__name__}")
        lags = sim.lags
        ax.fill_between(lags, sim.mean - sim.std, sim.mean + sim.std, color=COLOURS[0], alpha=0.25, lw=0)
        ax.plot(lags, sim.mean, color=COLOURS[0], label=f"simulation, N = {sim.N} ({len(sim.seeds)} seeds)")
        ax.plot(lags, dmft_profile(theory, lags), color="k", lw=1.2, label="DMFT")
        step = max(1, lags.size // 25)
        ax.plot(lags[::step], sim.centred.mean(axis=0)[::step], "o", mfc="none", color=COLOURS[1], ms=4,
                label="simulation, centred")
        _, expected = expected_centred_autocorrelation(theory, sim.window, sim.sample_interval, lags[-1])
        ax.plot(lags, expected, "--", color=COLOURS[1], lw=1.2, label=f"DMFT, centred over T = {sim.window:g}")
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_xlabel("lag s")
        ax.set_title(label)
    axes[0, 0].set_ylabel(r"$\langle h(t)h(t+s)\rangle$")
    axes[0, 0].legend(fontsize=7, frameon=False)
    return fig


def plot_schrodinger(states: SchrodingerStates, s_max: float = 12.0) -> Figure:
    r"""The Schrödinger problem behind :math:`\lambda_{\max}`: well, energies and lowest states.

    Left: the potential :math:`1-g^2C_{\phi'}(s)` of :math:`H=-\partial_s^2+1-g^2C_{\phi'}`
    with the energies :math:`E_0<0` and :math:`E_1\approx0` as horizontal lines. Right: the
    ground state :math:`\psi_0`, the first excited state :math:`\psi_1` and the zero mode
    :math:`\partial_s\Delta` (dashed, normalised), which lies on :math:`\psi_1`.
    """
    if not isinstance(states, SchrodingerStates):
        raise TypeError(f"states must be a SchrodingerStates, got {type(states).__name__}")
    s_max = check_positive_float(s_max, "s_max")
    keep = np.abs(states.s) <= s_max
    s = states.s[keep]
    fig, axes = new_figure(9.0, 3.3, ncols=2)
    ax = axes[0, 0]
    ax.plot(s, 1.0 + states.potential[keep], color="k", label=r"$1-g^2C_{\phi'}(s)$")
    for k, e in enumerate(states.energies[:2]):
        ax.axhline(e, color=COLOURS[k], ls="--", lw=1.0, label=rf"$E_{k}={e:+.4f}$")
    ax.set_xlabel(r"$s/\tau$")
    ax.set_title(rf"$\lambda_{{\max}}=-1+\sqrt{{1-E_0}}={states.lambda_max:.4f}$")
    ax.legend(fontsize=8, frameon=False)
    ax = axes[0, 1]
    sign = np.sign(states.states[0][np.argmax(np.abs(states.states[0]))])
    ax.plot(s, sign * states.states[0][keep], color=COLOURS[0], label=r"ground state $\psi_0$")
    ax.plot(s, states.states[1][keep], color=COLOURS[1], lw=3, alpha=0.5, label=r"first excited $\psi_1$")
    ax.plot(s, states.zero_mode[keep], "--", color="k", lw=1.0, label=r"$\partial_s\Delta$ (normalised)")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(r"$s/\tau$")
    ax.set_title(f"overlap of zero mode and ψ1: {states.overlap:.5f}")
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_finite_size(data: FiniteSizeLyapunov, theory: float) -> Figure:
    r""":math:`\lambda_{\max}` of finite networks against :math:`1/N`, the fit and the DMFT value.

    Small dots: single networks (seeds); squares: seed means :math:`\pm` standard error;
    line: :math:`\lambda_\infty+c/N` fitted to all points
    (:meth:`~gatebook.meanfield.simulation.FiniteSizeLyapunov.fit`), extended to
    :math:`1/N=0`; star: the DMFT prediction ``theory``.
    """
    if not isinstance(data, FiniteSizeLyapunov):
        raise TypeError(f"data must be a FiniteSizeLyapunov, got {type(data).__name__}")
    theory = check_finite_float(theory, "theory")
    fit = data.fit()
    x = 1.0 / data.sizes
    fig, axes = new_figure(5.6, 3.6)
    ax = axes[0, 0]
    for j in range(len(data.seeds)):
        ax.plot(x, data.values[:, j], ".", color="0.55", ms=5, label="single networks" if j == 0 else None)
    ax.errorbar(x, data.mean, yerr=data.sem, fmt="s", color=COLOURS[0], ms=5, capsize=3, label="seed mean ± s.e.")
    xx = np.linspace(0.0, x.max() * 1.05, 50)
    ax.plot(xx, fit.lambda_inf + fit.c * xx, color=COLOURS[0], lw=1.0,
            label=rf"fit: $\lambda_\infty={fit.lambda_inf:.3f}\pm{fit.lambda_inf_stderr:.3f}$")
    ax.plot([0.0], [theory], "*", color=COLOURS[1], ms=13, label=f"DMFT: {theory:.3f}")
    ax.set_xlim(-0.02 * x.max(), x.max() * 1.08)
    ax.set_xlabel("1/N")
    ax.set_ylabel(r"$\lambda_{\max}$")
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_lambda_and_relaxation(curve: SCSTheoryCurve) -> Figure:
    r""":math:`\lambda_{\max}` and the relaxation time :math:`\tau_{\rm rel}` of chapter 1's network against :math:`g`.

    Left: :math:`\lambda_{\max}(g)` and :math:`1/\tau_{\rm rel}(g)` (DMFT). Right:
    :math:`\lambda_{\max}` against :math:`1/\tau_{\rm rel}`, one point per gain.
    """
    if not isinstance(curve, SCSTheoryCurve):
        raise TypeError(f"curve must be a SCSTheoryCurve, got {type(curve).__name__}")
    fig, axes = new_figure(9.0, 3.3, ncols=2)
    rate = 1.0 / curve.relaxation_time
    ax = axes[0, 0]
    ax.plot(curve.gains, curve.lambda_max, "o-", color=COLOURS[0], label=r"$\lambda_{\max}$")
    ax.plot(curve.gains, rate, "s--", color=COLOURS[1], label=r"$1/\tau_{\rm rel}$")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel("g")
    ax.set_ylabel(r"rate ($1/\tau$)")
    ax.legend(fontsize=8, frameon=False)
    ax = axes[0, 1]
    ok = np.isfinite(rate)
    ax.plot(rate[ok], curve.lambda_max[ok], "o-", color=COLOURS[2])
    for g, r, lam in zip(curve.gains[ok], rate[ok], curve.lambda_max[ok]):
        ax.annotate(f"g={g:g}", (r, lam), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel(r"$1/\tau_{\rm rel}$")
    ax.set_ylabel(r"$\lambda_{\max}$")
    return fig


def plot_gated_lambda_and_relaxation(results: Mapping[str, Sequence[DMFTResult]]) -> Figure:
    r""":math:`\lambda_{\max}` against :math:`1/\tau_{\rm rel}` for the gated network, one line per entry (chapter 9).

    ``results`` maps a label (e.g. an :math:`\alpha_r`) to DMFT solutions at increasing gains
    (:func:`gatebook.meanfield.gated_theory`); each point is one gain, annotated with its
    :math:`g_h`. Dotted grey: the product :math:`\lambda_{\max}\tau_{\rm rel}=1`.
    """
    if not isinstance(results, Mapping) or not results:
        raise TypeError("results must be a non-empty mapping of label -> sequence of DMFTResult")
    fig, axes = new_figure(5.5, 3.6)
    ax = axes[0, 0]
    top = 0.0
    for k, (label, seq) in enumerate(results.items()):
        if isinstance(seq, (str, bytes)) or not np.iterable(seq) or not all(isinstance(r, DMFTResult) for r in seq):
            raise TypeError(f"results[{label!r}] must be a sequence of DMFTResult")
        rate = np.array([1.0 / r.relaxation_time for r in seq])
        lam = np.array([r.lambda_max for r in seq])
        ax.plot(rate, lam, "o-", color=COLOURS[k % len(COLOURS)], label=label)
        for r, x, y in zip(seq, rate, lam):
            ax.annotate(f"{r.params.get('g_h', float('nan')):g}", (x, y), textcoords="offset points", xytext=(3, -9),
                        fontsize=6)
        top = max(top, float(np.nanmax(rate)))
    ax.plot([0, top], [0, top], ":", color="0.6", lw=1, label=r"$\lambda_{\max}=1/\tau_{\rm rel}$")
    ax.set_xlabel(r"$1/\tau_{\rm rel}$ ($1/\tau_h$)")
    ax.set_ylabel(r"$\lambda_{\max}$ ($1/\tau_h$)")
    ax.legend(fontsize=8, frameon=False)
    return fig


#: fixed axes of the explorer
EXPLORER_S_MAX = 30.0
EXPLORER_Y_MAX = 3.5
#: Ranges of the explorer's parameters (wider than the chapter's sliders).
EXPLORER_RANGES = {"g_h": (0.0, 10.0), "alpha_r": (0.0, 100.0)}


def dmft_explorer(g_h: float = 3.0, alpha_r: float = 0.0) -> Figure:
    r"""Chapter 9's explorable figure: the gated DMFT at :math:`(g_h,\alpha_r)`, :math:`\beta=0`, :math:`\alpha_z=0`.

    Left: :math:`\Delta_h(s)` (solid) and :math:`\Delta_r(s)` (dashed). Right: the
    normalised :math:`\Delta_h(s)/\Delta_h(0)` with the relaxation time. The title gives
    :math:`\Delta_h(0)`, :math:`\lambda_{\max}` and the relaxation time. Solves are cached
    (:func:`gatebook.meanfield.simulation.gated_theory`); the axes are fixed.

    Parameters
    ----------
    g_h : float
        Coupling gain, in :math:`(0, 10]` (the chapter's slider: 3 and 4).
    alpha_r : float
        Gain of the output gate, in :math:`[0, 100]` (slider: 0, 5, 20).
    """
    g_h = check_float_in(g_h, "g_h", *EXPLORER_RANGES["g_h"], closed="right")
    alpha_r = check_float_in(alpha_r, "alpha_r", *EXPLORER_RANGES["alpha_r"])
    res = gated_theory(g_h, alpha_r=alpha_r)
    s, d = _positive(res)
    keep = s <= EXPLORER_S_MAX
    fig, axes = new_figure(8.0, 3.0, ncols=2)
    ax = axes[0, 0]
    ax.plot(s[keep], d[keep], color=COLOURS[0], label="Δh(s)")
    ax.plot(s[keep], res.params["autocorrelation_r"][keep], "--", color=COLOURS[2], label="Δr(s)")
    ax.set_xlim(0, EXPLORER_S_MAX)
    ax.set_ylim(0, EXPLORER_Y_MAX)
    ax.set_xlabel("lag s / τh")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(rf"$g_h={g_h:g}$, $\alpha_r={alpha_r:g}$: $\Delta_h(0)={res.variance:.3f}$", fontsize=10)
    ax = axes[0, 1]
    if d[0] > 0:
        ax.plot(s[keep], d[keep] / d[0], color=COLOURS[0])
        if np.isfinite(res.relaxation_time) and res.relaxation_time <= EXPLORER_S_MAX:
            ax.plot([res.relaxation_time], [np.exp(-1.0)], "o", color=COLOURS[1])
    ax.axhline(np.exp(-1.0), color="0.6", lw=0.8, ls=":")
    ax.set_xlim(0, EXPLORER_S_MAX)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("lag s / τh")
    relax = f"{res.relaxation_time:.1f}" if np.isfinite(res.relaxation_time) else "undefined"
    ax.set_title(f"λmax = {res.lambda_max:+.3f}, relaxation time {relax}", fontsize=10)
    return fig
