r"""Figures for chapter 8 (dimensionality and the output gate :math:`r`).

Every function takes measured data from :mod:`gatebook.r_gate` (or, for the explorer,
model parameters), draws with matplotlib's object-oriented API and returns a
:class:`matplotlib.figure.Figure`; none leaves a pyplot figure open.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np
from matplotlib.figure import Figure

from .._validation import check_float_in, check_int, check_memory
from ..dimension import covariance_spectrum
from ..gated_network import GatedNetwork
from ..lyapunov import LyapunovResult
from ..quiet_state import effective_gain, origin_disk, quiet_lambda_max
from ..dimension_controls import DimensionTable
from ..r_gate import JacobianCloud, RGateSweep
from ..simulate import simulate
from ..spectral_support import support_boundary
from ._style import COLOURS, new_figure, draw_eigenvalues

__all__ = [
    "plot_spectra_by_alpha_r",
    "plot_dimension_sweep",
    "plot_lyapunov_spectra",
    "plot_beta_r_effect",
    "plot_dimension_table",
    "dimension_explorer",
]


def _draw_contours(ax, boundary, **kw):
    """Draw the S = 1 contour(s) of a SupportBoundary; return the Line2D objects."""
    style = dict(color="k", lw=1.3)
    style.update(kw)
    lines = []
    for c in boundary.contours:
        (ln,) = ax.plot(c[:, 0], c[:, 1], **style)
        lines.append(ln)
    return lines


def plot_spectra_by_alpha_r(clouds: Mapping[str, JacobianCloud]) -> Figure:
    r"""Jacobian eigenvalue clouds with the predicted boundary :math:`\mathcal S(\lambda)=1`, one panel per label.

    Each panel shows the eigenvalues at all sampled states of a :class:`gatebook.r_gate.JacobianCloud`
    (dots), the :math:`\mathcal S=1` contour (solid black), the quiet-state disk of radius
    :math:`g_hs_rs_z/\tau_h` (dashed) and the stability line :math:`\operatorname{Re}\lambda=0`
    (red). All panels have the same limits, so the clouds can be compared.
    """
    if not isinstance(clouds, Mapping) or len(clouds) == 0:
        raise TypeError("clouds must be a non-empty mapping of label -> JacobianCloud")
    for label, cloud in clouds.items():
        if not isinstance(cloud, JacobianCloud):
            raise TypeError(f"clouds[{label!r}] must be a JacobianCloud, got {type(cloud).__name__}")
    re_lo, re_hi, im_hi = _common_box(clouds.values())
    n = len(clouds)
    fig, axes = new_figure(width=3.3 * n, height=3.5, ncols=n)
    for colour, ax, (label, cloud) in zip(COLOURS, axes[0], clouds.items()):
        draw_eigenvalues(ax, cloud.eigenvalues.ravel(), disk=cloud.origin_disk, colour=colour)
        if cloud.boundary is not None:
            _draw_contours(ax, cloud.boundary)
        ax.set_xlim(re_lo, re_hi)
        ax.set_ylim(-im_hi, im_hi)
        ax.set_aspect("equal", adjustable="box")
        ax.set_title(f"{label}\nradius {cloud.radius:.2f}, max Re λ {cloud.abscissa:+.2f}", fontsize=9)
    for ax in axes[0, 1:]:
        ax.set_ylabel("")
    return fig


def _common_box(clouds, pad: float = 0.1):
    """Limits (re_min, re_max, im_max) that hold every eigenvalue, contour and quiet-state disk."""
    re, im = [], []
    for cloud in clouds:
        eig = cloud.eigenvalues.ravel()
        re += [eig.real.min(), eig.real.max(), 0.0]
        im.append(np.abs(eig.imag).max())
        centre, radius = cloud.origin_disk
        re += [centre - radius, centre + radius]
        im.append(radius)
        if cloud.boundary is not None:
            for c in cloud.boundary.contours:
                re += [c[:, 0].min(), c[:, 0].max()]
                im.append(np.abs(c[:, 1]).max())
    return min(re) - pad, max(re) + pad, max(im) + pad


def _errorbar(ax, sweep, colour, label=None, fmt="o-"):
    return ax.errorbar(sweep.values, sweep.mean, yerr=sweep.sem, fmt=fmt, ms=4, color=colour, capsize=2, label=label)


def _parameter_label(parameter: str) -> str:
    return {"alpha_r": r"gate gain $\alpha_r$", "beta_r": r"gate bias $\beta_r$",
            "alpha_z": r"timescale-gate gain $\alpha_z$"}[parameter]


def plot_dimension_sweep(result: RGateSweep) -> Figure:
    r"""Four panels against the swept :math:`\alpha_r`: spectrum, :math:`\lambda_{\max}`, :math:`D_{\rm KY}/N`, :math:`D_{\rm PR}/N`.

    Points are means over the seeds of an :class:`gatebook.r_gate.RGateSweep`, error bars
    their standard errors. Panel 1 shows the radius of the Jacobian cloud about
    :math:`-s_z/\tau_h`, its measured spectral abscissa and the rightmost point of the
    predicted :math:`\mathcal S=1` boundary.
    """
    if not isinstance(result, RGateSweep):
        raise TypeError(f"result must be an RGateSweep, got {type(result).__name__}")
    fig, axes = new_figure(width=11.0, height=3.0, ncols=4)
    ax = axes[0, 0]
    _errorbar(ax, result.sweep("spectral_radius"), COLOURS[0], "radius")
    _errorbar(ax, result.sweep("spectral_abscissa"), COLOURS[1], r"max Re $\lambda$")
    predicted = result.sweep("predicted_abscissa")
    if np.isfinite(predicted.data).any():
        ax.plot(predicted.values, predicted.mean, "k--", lw=1, label=r"edge of $\mathcal{S}=1$")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.legend(frameon=False, fontsize=7)
    ax.set_title("Jacobian spectrum", fontsize=10)
    panels = [
        ("lambda_max", r"$\lambda_{\max}\,\tau_h$", "largest Lyapunov exponent"),
        ("kaplan_yorke_fraction", r"$D_{\rm KY}/N$", "Kaplan–Yorke dimension"),
        ("pr_fraction", r"$D_{\rm PR}/N$", "participation ratio of $h$"),
    ]
    for colour, ax, (quantity, ylabel, title) in zip(COLOURS[2:], axes[0, 1:], panels):
        _errorbar(ax, result.sweep(quantity), colour)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
    axes[0, 1].axhline(0.0, color="0.6", lw=0.6)
    for ax in axes[0]:
        ax.set_xlabel(_parameter_label(result.parameter))
    return fig


def plot_lyapunov_spectra(results: Mapping[str, LyapunovResult]) -> Figure:
    r"""Lyapunov spectra and the head of their partial sums, one curve per label, with the sum rule in the legend.

    Left: :math:`\lambda_i` against the index :math:`i`. Right: the partial sums
    :math:`\sum_{j\le i}\lambda_j` over the leading indices, where they cross zero: the
    crossing lies between :math:`\lfloor D_{\rm KY}\rfloor` and :math:`\lfloor D_{\rm KY}\rfloor+1`.
    The legend gives, for each spectrum, :math:`\sum_i\lambda_i` and the time average of
    :math:`\operatorname{tr}\mathcal J`: equal (Liouville) when the spectrum is complete.
    """
    if not isinstance(results, Mapping) or len(results) == 0:
        raise TypeError("results must be a non-empty mapping of label -> LyapunovResult")
    for label, res in results.items():
        if not isinstance(res, LyapunovResult):
            raise TypeError(f"results[{label!r}] must be a LyapunovResult, got {type(res).__name__}")
    # the right panel shows the head: up to four times the last index with a non-negative sum
    heads = [int(np.sum(np.cumsum(res.exponents) >= 0)) for res in results.values()]
    n_head = min(max(len(r.exponents) for r in results.values()), max(10, 4 * max(heads) + 4))
    fig, axes = new_figure(width=9.0, height=3.3, ncols=2)
    lows, highs = [], []
    for colour, (label, res) in zip(COLOURS, results.items()):
        i = np.arange(1, len(res.exponents) + 1)
        partial = np.cumsum(res.exponents)
        text = rf"{label}: $\Sigma\lambda$ = {res.exponents.sum():.3f}, $\langle$tr$\,\mathcal{{J}}\rangle$ = {res.mean_trace:.3f}"
        axes[0, 0].plot(i, res.exponents, ".", ms=3, color=colour, label=text)
        axes[0, 1].plot(i[:n_head], partial[:n_head], "o-", ms=3, color=colour, label=label)
        lows.append(partial[:n_head].min())
        highs.append(partial[:n_head].max())
    for ax in axes[0]:
        ax.axhline(0.0, color="0.4", lw=0.7)
        ax.set_xlabel("index $i$")
    span = max(highs) - min(lows)
    axes[0, 1].set_ylim(min(lows) - 0.05 * span, max(max(highs), 0.0) + 0.05 * span)
    axes[0, 0].set_ylabel(r"$\lambda_i\,\tau_h$")
    axes[0, 0].legend(frameon=False, fontsize=7, loc="lower left")
    axes[0, 1].set_ylabel(r"partial sum $\sum_{j\leq i}\lambda_j$")
    axes[0, 1].set_title("the head of the spectrum: zero crossing near $D_{\\rm KY}$", fontsize=9)
    axes[0, 1].legend(frameon=False, fontsize=8)
    return fig


def plot_beta_r_effect(result: RGateSweep) -> Figure:
    r"""What the bias :math:`\beta_r` does at :math:`\alpha_r=0`: it sets :math:`g_{\rm eff}=g_hs_r`.

    Left: the radius of the Jacobian cloud at sampled states (mean ± s.e. over seeds) with the
    quiet-state radius :math:`g_hs_rs_z/\tau_h` (curve). Right: :math:`\lambda_{\max}` with the
    quiet-state prediction :math:`\max\{(s_z/\tau_h)(g_hs_r-1),-1/\tau_z,-1/\tau_r\}` where the
    quiet state is stable; the dotted line marks :math:`g_{\rm eff}=1`, i.e.
    :math:`\beta_r=\ln(g_h-1)`. Needs a sweep over ``"beta_r"``.
    """
    if not isinstance(result, RGateSweep):
        raise TypeError(f"result must be an RGateSweep, got {type(result).__name__}")
    if result.parameter != "beta_r":
        raise ValueError(f"result must be a sweep over 'beta_r', got one over {result.parameter!r}")
    s = result.settings
    g_h, beta_z = s["g_h"], s["beta_z"]
    grid = np.linspace(result.values.min(), result.values.max(), 200)
    fig, axes = new_figure(width=9.0, height=3.2, ncols=2)
    ax = axes[0, 0]
    _errorbar(ax, result.sweep("spectral_radius"), COLOURS[0], "measured at a sampled state", fmt="o")
    ax.plot(grid, origin_disk(g_h, beta_r=grid, beta_z=beta_z)[1], "k-", lw=1,
            label=r"quiet state: $g_hs_rs_z/\tau_h$")
    ax.set_ylabel(r"radius about $-s_z/\tau_h$")
    ax.legend(frameon=False, fontsize=8)
    ax = axes[0, 1]
    _errorbar(ax, result.sweep("lambda_max"), COLOURS[1], r"measured $\lambda_{\max}$", fmt="o")
    quiet = quiet_lambda_max(g_h, beta_r=grid, beta_z=beta_z, tau_z=1.0)  # the network's, all tau = 1
    stable = effective_gain(g_h, beta_r=grid) < 1.0
    ax.plot(grid[stable], quiet[stable], "k-", lw=1, label=r"quiet state: $(s_z/\tau_h)(g_hs_r-1)$")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_ylabel(r"$\lambda_{\max}\,\tau_h$")
    ax.legend(frameon=False, fontsize=8)
    if g_h > 1.0:
        for a in axes[0]:
            a.axvline(np.log(g_h - 1.0), color="0.5", ls=":", lw=1)
    for a in axes[0]:
        a.set_xlabel(_parameter_label("beta_r"))
    return fig


#: Legend entries of the arms of a DimensionTable (gatebook.dimension_controls.dimension_controls).
ARM_LABELS = {"gated": r"gated, $g_h$ fixed", "variance": r"soft gate, same DMFT $\Delta_h(0)$",
              "lambda_max": r"soft gate, same DMFT $\lambda_{\max}$"}
_TABLE_PANELS = [
    ("pr_fraction", r"$D_{\rm PR}/N$", "participation ratio of $h$"),
    ("kaplan_yorke_fraction", r"$D_{\rm KY}/N$", "Kaplan–Yorke dimension"),
    ("lambda_max", r"$\lambda_{\max}\,\tau_h$", "largest Lyapunov exponent"),
    ("temporal_variance", r"variance of $h$", "temporal variance of $h$"),
]


def plot_dimension_table(tables) -> Figure:
    r"""Dimensions, :math:`\lambda_{\max}` and variance of each arm of one or more :class:`~gatebook.dimension_controls.DimensionTable`.

    One row per table, four panels against its parameter: :math:`D_{\rm PR}/N`,
    :math:`D_{\rm KY}/N`, the measured :math:`\lambda_{\max}` and the temporal variance of
    :math:`h` (log axis), one curve per arm (mean ± s.e. over seeds). Where the DMFT applies, the
    last two panels also show its :math:`\lambda_{\max}` and :math:`\Delta_h(0)` (thin dashed
    lines of the arm's colour): a matched control meets the gated network there by construction.
    Chapter 8 asks whether

    .. math:: D_{\rm PR}/N,\ D_{\rm KY}/N\quad\text{(gated)}\quad\text{vs}\quad\text{(soft gate, same }\Delta_h(0)\text{ or }\lambda_{\max})

    differ, i.e. whether the gate changes the dimension by more than its change of variance or
    exponent does.

    Parameters
    ----------
    tables : DimensionTable or sequence of DimensionTable
    """
    if isinstance(tables, DimensionTable):
        tables = [tables]
    if isinstance(tables, (str, bytes)) or not hasattr(tables, "__iter__"):
        raise TypeError(f"tables must be a DimensionTable or a sequence of them, got {type(tables).__name__}")
    tables = list(tables)
    if not tables:
        raise ValueError("tables must hold at least one DimensionTable")
    for i, t in enumerate(tables):
        if not isinstance(t, DimensionTable):
            raise TypeError(f"tables[{i}] must be a DimensionTable, got {type(t).__name__}")
    fig, axes = new_figure(width=12.0, height=2.9 * len(tables), ncols=4, nrows=len(tables))
    for row, table in zip(axes, tables):
        for colour, arm in zip(COLOURS, table.arms):
            for ax, (quantity, ylabel, title) in zip(row, _TABLE_PANELS):
                _errorbar(ax, table.sweep(arm, quantity), colour, ARM_LABELS.get(arm, arm))
                theory = table.theory.get(arm, {}).get({"lambda_max": "lambda_max", "temporal_variance": "variance"}
                                                       .get(quantity, ""), None)
                if theory is not None and np.isfinite(theory).any():
                    ax.plot(table.values, theory, "--", lw=0.8, color=colour)
                ax.set_ylabel(ylabel)
                ax.set_title(title, fontsize=10)
                ax.set_xlabel(_parameter_label(table.parameter))
        row[2].axhline(0.0, color="0.6", lw=0.6)
        row[3].set_yscale("log")
        if len(table.arms) > 1:
            row[0].legend(frameon=False, fontsize=7)
    return fig


@lru_cache(maxsize=64)
def _explorer_data(alpha_r: float, seed: int, N: int, g_h: float):
    """Cloud at the last sampled state, its S = 1 contour and the covariance spectrum of h (cached)."""
    model = GatedNetwork(N, g_h, alpha_r=alpha_r, seed=seed)
    traj = simulate(model, EXPLORER_T_TRANSIENT + EXPLORER_T_SAMPLE, 0.1, seed=seed, record_every=10)
    samples = traj.states[traj.times >= EXPLORER_T_TRANSIENT - 0.05]
    x = samples[-1]
    eig = np.linalg.eigvals(model.jacobian(x))
    boundary = support_boundary(model, x, extent=EXPLORER_BOX, resolution=101)
    h = samples[:, :N]
    mu = covariance_spectrum(h) if h.var(axis=0).mean() > 1e-10 else np.zeros(N)
    return eig, boundary, mu


#: Explorer settings: transient and sampling window (in tau_h) and the fixed box of the spectrum panel.
EXPLORER_T_TRANSIENT, EXPLORER_T_SAMPLE = 30.0, 60.0
EXPLORER_BOX = (-2.2, 1.2, -1.7, 1.7)
#: Ranges of the explorer's parameters (wider than the chapter's slider) and its largest network.
EXPLORER_RANGES = {"alpha_r": (0.0, 100.0), "g_h": (0.0, 10.0)}
EXPLORER_MAX_N = 1000
_POWERS = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]


def dimension_explorer(alpha_r: float, seed: int = 0, N: int = 100, g_h: float = 3.0) -> Figure:
    r"""Chapter 8's explorable figure: the Jacobian cloud and the covariance spectrum at gain ``alpha_r``.

    A network ``GatedNetwork(N, g_h, alpha_r=alpha_r, seed=seed)`` is run for 90
    :math:`\tau_h` (RK4, :math:`dt=0.1`). Left: eigenvalues of :math:`\mathcal J` at the last
    state with the predicted boundary :math:`\mathcal S(\lambda)=1` at that state (black) and the
    quiet-state disk (dashed). Right: the covariance spectrum :math:`\mu_i/\sum_j\mu_j` of
    :math:`h` sampled every :math:`1\,\tau_h` after :math:`30\,\tau_h`, on log axes, with
    :math:`D_{\rm PR}/N` in the title. The computation is cached per
    ``(alpha_r, seed, N, g_h)``; axes and ticks are fixed (plain-text labels, no mathtext)
    so frames can be compared and draw quickly.

    Parameters
    ----------
    alpha_r : float
        Gain of the output gate, in :math:`[0, 100]` (the chapter's slider: 0 to 20).
    seed : int
        Non-negative seed of the couplings and of the initial state.
    N : int
        Number of units, between 1 and 1000.
    g_h : float
        Coupling gain, in :math:`(0, 10]`.
    """
    alpha_r = check_float_in(alpha_r, "alpha_r", *EXPLORER_RANGES["alpha_r"])
    seed = check_int(seed, "seed", minimum=0)
    N = check_int(N, "N", minimum=1, maximum=EXPLORER_MAX_N)
    check_memory((3 * N) ** 2, "N", what="the Jacobian")
    g_h = check_float_in(g_h, "g_h", *EXPLORER_RANGES["g_h"], closed="right")
    eig, boundary, mu = _explorer_data(alpha_r, seed, N, g_h)
    fig = Figure(figsize=(8.0, 3.4))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.88, wspace=0.3)
    ax = fig.add_subplot(1, 2, 1)
    draw_eigenvalues(ax, eig, disk=origin_disk(g_h))
    _draw_contours(ax, boundary)
    ax.set_xlim(*EXPLORER_BOX[:2])
    ax.set_ylim(*EXPLORER_BOX[2:])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([-2, -1, 0, 1])
    ax.set_yticks([-1.5, 0, 1.5])
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_title(rf"$\alpha_r={alpha_r:g}$: max Re $\lambda={eig.real.max():+.2f}$", fontsize=10, y=1.01)
    right = fig.add_subplot(1, 2, 2)
    total = mu.sum()
    if total > 0:
        share = mu / total
        pr = total**2 / np.sum(mu**2)
        i = np.arange(1, N + 1)
        right.plot(i[share > 0], share[share > 0], "o", ms=3, color=COLOURS[1])
        right.set_title(f"covariance spectrum of h: PR/N = {pr / N:.3f}", fontsize=10, y=1.01)
    else:
        right.set_title("h does not fluctuate: no covariance", fontsize=10, y=1.01)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlim(0.8, N * 1.25)
    right.set_ylim(_POWERS[0], 1.0)
    right.set_xticks([1, 10, 100], labels=["1", "10", "100"])
    right.set_yticks(_POWERS, labels=["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "0.1", "1"])
    right.minorticks_off()
    right.set_xlabel("index i")
    right.set_ylabel(r"$\nu_i/\sum_j\nu_j$")
    return fig
