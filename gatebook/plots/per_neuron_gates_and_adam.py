r"""Figures for chapter 4 (*Per-neuron gates and Adam*).

Each function returns a :class:`matplotlib.figure.Figure` built with the object-oriented
API (no pyplot figure is left open). The numbers come from
:mod:`gatebook.learning.preconditioning`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import numbers
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from .._validation import check_float_in, check_float_sequence, check_int, check_int_sequence, check_positive_int
from ._style import COLOURS, log_ticks, new_figure
from ..learning import preconditioning as pc
from ..learning import optimiser_study as osy

__all__ = [
    "plot_preconditioner",
    "plot_lag_credit",
    "plot_optimiser_comparison",
    "plot_optimiser_grid",
    "plot_expansion_check",
    "plot_diagonal_envelope",
    "preconditioner_explorer",
]


def _check_type(obj, cls, name: str):
    if not isinstance(obj, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, got {type(obj).__name__}")
    return obj


def _pick_neurons(gates: np.ndarray, count: int) -> np.ndarray:
    """Indices of ``count`` neurons spread evenly from the slowest (smallest gate) to the fastest."""
    order = np.argsort(gates)
    picks = np.unique(np.round(np.linspace(0, gates.size - 1, min(count, gates.size))).astype(int))
    return order[picks]


def plot_preconditioner(cond, perturbed=None, neurons: int = 6) -> Figure:
    r"""Frozen per-neuron gates as a diagonal preconditioner: per-neuron factors and condition number by lag.

    Left: :math:`\pi_i(\ell)=(1-u_i)^{\ell}` for ``neurons`` neurons from the slowest to the
    fastest clock (log scale). Right: the condition number :math:`\mathrm{cond}(\ell)` and the
    anisotropy index :math:`\mathrm{AI}_r(\ell)` (lines: closed forms; filled markers:
    measured from the exact Jacobian products of a :func:`~gatebook.learning.frozen.frozen_gate_cell`
    with :math:`W_{\rm rec}=0`). ``perturbed``, another
    :class:`~gatebook.learning.preconditioning.PreconditionerCondition` measured with
    recurrent weights, adds open markers. Chapter 4.
    """
    cond = _check_type(cond, pc.PreconditionerCondition, "cond")
    if perturbed is not None:
        _check_type(perturbed, pc.PreconditionerCondition, "perturbed")
    neurons = check_positive_int(neurons, "neurons")
    fig, axes = new_figure(width=9.0, height=3.4, ncols=2)
    left, right = axes[0]
    lags = cond.lags
    for colour, i in zip(COLOURS * 2, _pick_neurons(cond.gates, neurons)):
        left.semilogy(lags, cond.factors[:, i], "-", color=colour, lw=1.4, label=f"u = {cond.gates[i]:.2f}")
    left.set_xlabel(r"lag $\ell$")
    left.set_ylabel(r"transport factor $\pi_i(\ell)=(1-u_i)^\ell$")
    left.set_title("one learning rate per neuron")
    left.legend(frameon=False, fontsize=7, ncol=2)
    right.semilogy(lags, cond.predicted, "-", color=COLOURS[0], lw=1.4,
                   label=rf"$\mathrm{{cond}}(\ell)=(c_{{\max}}/c_{{\min}})^\ell$")
    right.semilogy(lags, cond.measured, "o", color=COLOURS[0], ms=3.5, label=r"$\sigma_1/\sigma_N$ measured")
    right.semilogy(lags, cond.ai_predicted, "--", color=COLOURS[1], lw=1.4,
                   label=rf"$\mathrm{{AI}}_{{{cond.r}}}=(c_{{(1)}}/c_{{({cond.r})}})^\ell$")
    right.semilogy(lags, cond.ai_measured, "s", color=COLOURS[1], ms=3.0, label=rf"$\sigma_1/\sigma_{{{cond.r}}}$ measured")
    if perturbed is not None:
        right.semilogy(perturbed.lags, perturbed.measured, "o", color=COLOURS[0], mfc="none", ms=4.5,
                       label=rf"$\sigma_1/\sigma_N$, $W_{{\rm rec}}\times{perturbed.recurrent_scale:g}$")
        right.semilogy(perturbed.lags, perturbed.ai_measured, "s", color=COLOURS[1], mfc="none", ms=4.0,
                       label=rf"$\sigma_1/\sigma_{{{perturbed.r}}}$, $W_{{\rm rec}}\times{perturbed.recurrent_scale:g}$")
    log_ticks(left)
    log_ticks(right)
    right.set_xlabel(r"lag $\ell$")
    right.set_ylabel("condition number / anisotropy")
    right.set_title(rf"slope of $\ln\mathrm{{cond}}$: $\ln(c_{{\max}}/c_{{\min}})={cond.log_slope:.3f}$")
    right.legend(frameon=False, fontsize=7)
    return fig


def plot_lag_credit(credits: Mapping, gates, lags: Sequence[int] = (1, 5, 10, 20)) -> Figure:
    r"""Measured per-neuron credit by lag against the frozen-gate factor :math:`\pi_i(\ell)=(1-u_i)^\ell`.

    ``credits`` maps a panel title to a :class:`~gatebook.learning.preconditioning.CreditByLag`
    of a cell whose gates are frozen at ``gates``. Each panel plots
    :meth:`~gatebook.learning.preconditioning.CreditByLag.relative` (credit at lag
    :math:`\ell` over credit at lag 0, one dot per neuron) against :math:`\pi_i(\ell)`, one
    colour per lag, on log–log axes with the identity line. Chapter 4.
    """
    if not isinstance(credits, Mapping) or len(credits) == 0:
        raise TypeError("credits must be a non-empty mapping title -> CreditByLag")
    g = check_float_sequence(gates, "gates")
    if isinstance(lags, (numbers.Integral, np.integer)) and not isinstance(lags, bool):
        lags = [lags]
    lags = list(check_int_sequence(lags, "lags", minimum=1))
    rels = {}
    for title, cr in credits.items():
        _check_type(cr, pc.CreditByLag, f"credits[{title!r}]")
        rel = cr.relative()
        if rel.shape[1] != g.size:
            raise ValueError(f"credit {title!r} has {rel.shape[1]} neurons but gates has {g.size}")
        if max(lags) >= rel.shape[0]:
            raise ValueError(f"lags must lie within the sequences: lag {max(lags)} is beyond the sequence of "
                             f"{title!r} (T={rel.shape[0]})")
        rels[title] = rel
    pi = pc.carry_products(g, max(lags))
    n = len(credits)
    fig, axes = new_figure(width=3.9 * n, height=3.5, ncols=n, sharex=True, sharey=True)
    lo = pi[max(lags)].min()
    for ax, (title, rel) in zip(axes[0], rels.items()):
        for colour, h in zip(COLOURS, lags):
            ax.loglog(pi[h], rel[h], "o", color=colour, ms=3.5, alpha=0.8, label=f"ℓ = {h}")
        ax.loglog([lo / 2, 1.5], [lo / 2, 1.5], "-", color="0.5", lw=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(r"frozen-gate factor $(1-u_i)^\ell$")
        log_ticks(ax, "x")
        log_ticks(ax, "y")
    axes[0, 0].set_ylabel(r"measured credit, lag $\ell$ / lag 0")
    axes[0, 0].legend(frameon=False, fontsize=8)
    return fig


def plot_optimiser_comparison(comparison) -> Figure:
    r"""Training loss of each arm (mean :math:`\pm` s.d. over seeds) and final losses seed by seed.

    Left: loss smoothed over the comparison's window, mean over seeds with a band of one
    standard deviation, and the MSE of the best constant prediction (dashed). Right: the
    final loss of every seed (dots, the same seed joined across arms by a grey line, since
    all arms saw the same batches) and the mean (bar). Chapter 4.
    """
    cmp = _check_type(comparison, pc.OptimiserComparison, "comparison")
    fig, axes = new_figure(width=9.6, height=3.6, ncols=2, gridspec_kw={"width_ratios": [1.4, 1.0]})
    left, right = axes[0]
    sm = cmp.smoothed()
    steps = np.arange(sm.shape[-1])
    for colour, label, curves in zip(COLOURS, cmp.labels, sm):
        mean, sd = curves.mean(axis=0), curves.std(axis=0, ddof=1) if curves.shape[0] > 1 else np.zeros(curves.shape[1])
        left.plot(steps, mean, color=colour, lw=1.4, label=label)
        left.fill_between(steps, mean - sd, mean + sd, color=colour, alpha=0.18, lw=0)
    final = cmp.final_loss()
    x = np.arange(len(cmp.arms))
    for s in range(final.shape[1]):
        right.plot(x, final[:, s], "-", color="0.8", lw=0.8, zorder=1)
    for k, (colour, vals) in enumerate(zip(COLOURS, final)):
        right.plot(np.full(vals.size, k), vals, "o", color=colour, ms=4, zorder=2)
        right.plot([k - 0.3, k + 0.3], [vals.mean()] * 2, "-", color=colour, lw=2.2, zorder=3)
    if cmp.mean_predictor_mse is not None:
        left.axhline(cmp.mean_predictor_mse, color="0.4", ls="--", lw=0.9, label="mean predictor")
        right.axhline(cmp.mean_predictor_mse, color="0.4", ls="--", lw=0.9)
    left.set_xlabel("training step")
    left.set_ylabel(f"training MSE (running mean of {cmp.window})")
    left.set_title(f"{cmp.task}, T = {cmp.settings['T']}, {len(cmp.seeds)} seeds: mean ± s.d.")
    left.legend(frameon=False, fontsize=8, loc="upper right")
    late = sm[..., sm.shape[-1] // 5:]  # leave out the first fall, to show the differences that follow
    ref = cmp.mean_predictor_mse or float(np.median(late))
    left.set_ylim(0.8 * min(late.min(), ref), 1.25 * max(np.percentile(late, 99), ref))
    right.set_xticks(x, [lab.replace(" + ", "\n+ ") for lab in cmp.labels], fontsize=7)
    right.set_ylabel(f"final loss (last {cmp.window} steps)")
    right.set_title("each seed (grey: same batches)")
    return fig


def plot_optimiser_grid(grid) -> Figure:
    r"""The 2×2 study: loss curves at each arm's chosen step size, and the paired contrasts.

    Left: training loss (running mean over the grid's window) of every arm at its chosen
    step size, median over seeds with the interquartile band, on a log axis; colour marks
    the cell, a dashed line SGD and a solid line Adam; the grey dashed line is the MSE of the
    best constant prediction. Right: a forest plot of the paired contrasts of
    :data:`~gatebook.learning.optimiser_study.CONTRASTS`: each seed's ratio of final losses
    (grey dots), the geometric-mean ratio :math:`e^{\bar d}` (marker) with its t-based 95 %
    interval (bar), and in how many seeds the first arm ended lower. Ratios below 1 favour
    the first arm. Chapter 4.
    """
    g = _check_type(grid, osy.OptimiserGrid, "grid")
    fig, axes = new_figure(width=10.5, height=3.8, ncols=2, gridspec_kw={"width_ratios": [1.15, 1.0]})
    left, right = axes[0]
    cells = list(dict.fromkeys(lab.rsplit(" + ", 1)[0] for lab in g.labels))
    steps = g.curves["steps"]
    for k, lab in enumerate(g.labels):
        cell, opt = lab.rsplit(" + ", 1)
        colour = COLOURS[cells.index(cell) % len(COLOURS)]
        style = "-" if opt == "Adam" else "--"
        left.plot(steps, g.curves["median"][k], style, color=colour, lw=1.5,
                  label=f"{lab} (μ = {g.best_lr()[k]:g})")
        left.fill_between(steps, g.curves["q25"][k], g.curves["q75"][k], color=colour, alpha=0.15, lw=0)
    left.axhline(g.mean_predictor_mse, color="0.4", ls=":", lw=1.0, label="mean predictor")
    log_ticks(left, "y")
    left.set_xlabel("training step")
    left.set_ylabel(f"training MSE (running mean of {g.settings['window']})")
    left.set_title(f"{g.settings['task']}, T = {g.settings['T']}: median and IQR over {len(g.seeds)} seeds",
                   fontsize=9)
    left.legend(frameon=False, fontsize=7, loc="best")  # the curves differ by task: let the legend avoid them
    contrasts = g.contrasts()
    for y, (name, c) in enumerate(contrasts.items()):
        right.plot(np.exp(c.d), np.full(c.n, y) + np.linspace(-0.12, 0.12, c.n), "o", color="0.7", ms=3, zorder=1)
        right.plot([np.exp(c.ci[0]), np.exp(c.ci[1])], [y, y], "-", color=COLOURS[0], lw=2.2, zorder=2)
        right.plot([c.ratio], [y], "D", color=COLOURS[0], ms=6, zorder=3)
        right.annotate(f"lower in {c.below}/{c.n}", (1.0, y + 0.3), xycoords=("axes fraction", "data"),
                       ha="right", va="center", fontsize=7, color="0.3")
    right.axvline(1.0, color="0.4", ls="--", lw=0.9)
    log_ticks(right, "x")
    right.set_yticks(range(len(contrasts)), [f"{name}\n{c.arm} ÷ {c.reference}" for name, c in contrasts.items()],
                     fontsize=7)
    right.set_ylim(len(contrasts) - 0.5, -0.6)
    right.set_xlabel("ratio of final losses (paired by seed)")
    right.set_title("paired contrasts: geometric mean, 95 % CI", fontsize=9)
    return fig


def plot_expansion_check(check) -> Figure:
    r"""The first-order (Fréchet) check: :math:`E(\varepsilon)`, :math:`C_2(\varepsilon)`, per-step ratios.

    Panels: (1) :math:`E(\varepsilon)` on log–log axes, median over the kept runs with the
    interquartile band and a slope-2 guide through the smallest scale; (2)
    :math:`C_2(\varepsilon)=E/\varepsilon^2`, one line per run (flat at small
    :math:`\varepsilon`); (3) :math:`\lVert A_j\rVert_2` and :math:`\lVert B_j\rVert_2` along
    the sequence (median over runs) with :math:`q_j` on a second axis; (4) histogram of
    :math:`q_j` over all steps and runs. Chapter 4.
    """
    chk = _check_type(check, pc.ExpansionCheck, "check")
    fig, axes = new_figure(width=11.5, height=3.2, ncols=4)
    a1, a2, a3, a4 = axes[0]
    kept = chk.errors[chk.kept] if chk.kept.any() else chk.errors
    med = np.median(kept, axis=0)
    q1, q3 = np.percentile(kept, [25, 75], axis=0)
    a1.loglog(chk.eps, med, "o-", color=COLOURS[0], ms=3.5, label="median")
    a1.fill_between(chk.eps, q1, q3, color=COLOURS[0], alpha=0.2, lw=0, label="IQR")
    a1.loglog(chk.eps, med[0] * (chk.eps / chk.eps[0]) ** 2, ":", color="0.3", lw=1.0, label="slope 2")
    a1.set_xlabel(r"scale $\varepsilon$")
    a1.set_ylabel(r"$E(\varepsilon)$")
    a1.set_title(f"fitted slopes {np.nanmin(chk.slopes):.3f}–{np.nanmax(chk.slopes):.3f}", fontsize=9)
    a1.legend(frameon=False, fontsize=7)
    for colour, c2, keep in zip(COLOURS * 4, chk.c2, chk.kept):
        a2.loglog(chk.eps, c2, color=colour, lw=1.0, alpha=1.0 if keep else 0.4, ls="-" if keep else "--")
    a2.set_xlabel(r"scale $\varepsilon$")
    a2.set_ylabel(r"$C_2(\varepsilon)=E/\varepsilon^2$")
    a2.set_title("one line per run (dashed: outlier)", fontsize=9)
    steps = np.arange(1, chk.norm_A.shape[1] + 1)
    a3.semilogy(steps, np.median(chk.norm_A, axis=0), color=COLOURS[0], lw=1.2, label=r"$\|A_j\|_2$")
    a3.semilogy(steps, np.median(chk.norm_B, axis=0), color=COLOURS[1], lw=1.2, label=r"$\|B_j\|_2$")
    a3.set_xlabel("step $j$")
    a3.set_ylabel("spectral norm (median over runs)")
    twin = a3.twinx()
    twin.plot(steps, np.median(chk.ratios, axis=0), color=COLOURS[2], lw=1.0, label=r"$q_j$")
    twin.set_ylabel(r"$q_j=\|B_j\|_2/\|A_j\|_2$", color=COLOURS[2])
    twin.set_ylim(0, max(1e-12, 1.1 * np.median(chk.ratios, axis=0).max()))
    a3.legend(frameon=False, fontsize=7, loc="lower left")
    for ax in (a1, a2):
        log_ticks(ax, "x")
        log_ticks(ax, "y")
    log_ticks(a3)
    a4.hist(chk.ratios.ravel(), bins=30, color=COLOURS[2], alpha=0.8)
    a4.axvline(np.median(chk.ratios), color="0.2", lw=1.0, ls="--")
    a4.set_xlabel(r"$q_j$ (all steps, all runs)")
    a4.set_ylabel("count")
    a4.set_title(f"median {np.median(chk.ratios):.3f}", fontsize=9)
    return fig


def plot_diagonal_envelope(envelope) -> Figure:
    r"""Optional: the diagonal first-order envelope against the exact median :math:`S_{t,t-\ell}`.

    Lines: the zeroth-order carry product, the first-order envelope :math:`f(\ell)`, the exact
    product of the Jacobians' diagonals, and the exact median :math:`S=\lVert\Phi\rVert_2`,
    all on a log scale (chapter 4, optional section).
    """
    env = _check_type(envelope, pc.DiagonalEnvelope, "envelope")
    fig, axes = new_figure(width=5.4, height=3.6)
    ax = axes[0, 0]
    ax.semilogy(env.lags, env.zeroth, "-", color=COLOURS[0], lw=1.2, label=r"zeroth order $\prod_j(1-u_j)$")
    ax.semilogy(env.lags, env.first_order, "--", color=COLOURS[1], lw=1.4, label=r"first-order envelope $f(\ell)$")
    ax.semilogy(env.lags, env.diagonal, ":", color=COLOURS[2], lw=1.6, label=r"exact $\prod_j\mathrm{diag}(\mathcal{J}_j)$")
    ax.semilogy(env.lags, env.exact, "o", color="0.2", ms=3.0, label=r"exact median $\|\Phi(t,t-\ell)\|_2$")
    log_ticks(ax)
    ax.set_xlabel(r"lag $\ell$")
    ax.set_ylabel("mean over neurons / median over pairs")
    ax.set_title("optional: diagonal predictors vs the full product", fontsize=9)
    ax.legend(frameon=False, fontsize=7)
    return fig


#: Largest ``n`` and ``max_lag`` of the explorer, and the log of the largest float.
_EXPLORER_MAX = 1000
_LOG_FLOAT_MAX = float(np.log(np.finfo(float).max))


def _whole(value, name: str) -> int:
    """An integer, or a real number with no fractional part (the slider may pass 10.0), as an ``int``."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)) \
            and np.isfinite(value) and float(value).is_integer():
        return int(value)
    return check_int(value, name)


@lru_cache(maxsize=64)
def _explorer_data(g_min: float, g_max: float, n: int, max_lag: int):
    gates = np.linspace(g_min, g_max, n)
    return gates, pc.carry_products(gates, max_lag), pc.condition_number(gates, np.arange(max_lag + 1))


def preconditioner_explorer(g_min: float = 0.05, lag: int = 10, *, g_max: float = 0.5, n: int = 32,
                            max_lag: int = 40) -> Figure:
    r"""Explorable: per-neuron rates :math:`\pi_i(\ell)` of frozen gates spread on :math:`[u_{\min},u_{\max}]` at one lag.

    Left: the bars are :math:`\pi_i(\ell)=(1-u_i)^\ell` for ``n`` gates evenly spaced between
    ``g_min`` and ``g_max``, slowest neuron first (log scale, fixed axis). Right:
    :math:`\mathrm{cond}(\ell')=(c_{\max}/c_{\min})^{\ell'}` for every lag, with the chosen lag
    marked. Chapter 4.

    Parameters
    ----------
    g_min, g_max : float
        Smallest and largest gate, with :math:`0<u_{\min}<u_{\max}<1`.
    lag : int
        The lag shown on the left, between 1 and ``max_lag``.
    n : int
        Number of neurons, between 1 and 1000.
    max_lag : int
        Largest lag on the right, between 1 and 1000; :math:`\mathrm{cond}` must stay a finite float.
    """
    g_min = check_float_in(g_min, "g_min", 0.0, 1.0, closed="neither")
    g_max = check_float_in(g_max, "g_max", 0.0, 1.0, closed="neither")
    if not g_min < g_max:
        raise ValueError(f"need 0 < g_min < g_max < 1, got g_min={g_min}, g_max={g_max}")
    n = check_int(n, "n", minimum=1, maximum=_EXPLORER_MAX)
    max_lag = check_int(max_lag, "max_lag", minimum=1, maximum=_EXPLORER_MAX)
    lag = _whole(lag, "lag")
    if lag < 1 or lag > max_lag:
        raise ValueError(f"lag must lie between 1 and max_lag ({max_lag}), got {lag}")
    if max_lag * np.log((1.0 - g_min) / (1.0 - g_max)) > _LOG_FLOAT_MAX:
        raise ValueError(f"max_lag ({max_lag}) is too large for gates in [g_min, g_max] = [{g_min:g}, {g_max:g}]: "
                         "cond(max_lag) overflows")
    gates, pi, kappa = _explorer_data(g_min, g_max, n, max_lag)
    # A fixed manual layout, fixed decade ticks and plain-text labels (no mathtext to parse)
    # keep every frame cheap (< 0.3 s) and the same size.
    fig = Figure(figsize=(8.4, 3.2))
    left, right = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.16, top=0.88, wspace=0.32)
    left.vlines(np.arange(n), 1e-13, pi[lag], color=COLOURS[0], lw=5)
    left.set_yscale("log")
    left.set_ylim(1e-13, 2.0)
    left.set_xlim(-1, n)
    left.set_xlabel("neuron i (gate u_i increasing →)")
    left.set_ylabel("π_i(ℓ) = (1 − u_i)^ℓ")
    left.set_title(f"ℓ = {lag}: the rates span a factor {kappa[lag]:.3g}", fontsize=10)
    lags = np.arange(max_lag + 1)
    right.semilogy(lags, kappa, "-", color=COLOURS[1], lw=1.4)
    right.semilogy([lag], [kappa[lag]], "o", color=COLOURS[1], ms=7)
    right.set_ylim(0.5, 1e13)
    right.set_xlim(0, max_lag)
    right.set_xlabel("lag ℓ")
    right.set_ylabel("condition number cond(ℓ)")
    right.set_title(f"u_i in [{g_min:g}, {g_max:g}]: slope of ln cond = {np.log((1 - g_min) / (1 - g_max)):.3f}",
                    fontsize=10)
    log_ticks(left, exponents=(-12, -9, -6, -3, 0))
    log_ticks(right, exponents=(0, 3, 6, 9, 12))
    return fig


