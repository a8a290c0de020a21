r"""Figures for chapter 7 (timescales: slow modes, marginal stability, integration and reset).

Every function takes measured data (or, for the explorer, parameters), draws with matplotlib's
object-oriented API and returns a :class:`matplotlib.figure.Figure`; none leaves a pyplot
figure open.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from .._validation import check_finite_float, check_float_in, check_instance, check_int, check_positive_float
from ..gated_network import GatedNetwork
from ..memory import MemoryResult
from ..simulate import simulate
from ..slow_modes import FixedPointInvariance, SlowingSweep
from ..timescales import local_timescales
from ._style import COLOURS, log_ticks, new_figure

__all__ = [
    "plot_slowing",
    "plot_local_timescales",
    "plot_spectrum_with_support",
    "plot_fixed_point_invariance",
    "plot_memory",
    "timescale_explorer",
]


def _seed_scatter(ax, x, data, colour, jitter=0.0):
    """One marker per seed (rows of ``data``) at each ``x``, slightly offset so error bars do not overlap."""
    n = data.shape[0]
    offsets = (np.arange(n) - (n - 1) / 2) * jitter
    for i in range(n):
        ax.plot(x + offsets[i], data[i], "o", color=colour, alpha=0.45, ms=4, lw=0)


def plot_slowing(sweep) -> Figure:
    r"""Four views of the slowing with :math:`\alpha_z` (a :class:`gatebook.slow_modes.SlowingSweep`).

    (a) RMS speed on a log axis; (b) :math:`\lambda_{\max}\pm` s.e. per seed; (c) correlation time
    with the window's drift limit (values near it are lower bounds); (d) the fraction of
    eigenvalues with :math:`\lvert\lambda\rvert<\epsilon` next to the fraction of units with
    :math:`\sigma_z<\epsilon`. Seed means are joined by lines; markers are single networks.
    """
    check_instance(sweep, SlowingSweep, "sweep")
    a = np.asarray(sweep.alpha_z, dtype=float)
    fig, axes = new_figure(width=10.0, height=2.9, ncols=4)
    ax_v, ax_l, ax_t, ax_f = axes[0]
    jitter = 0.012 * (a.max() - a.min() if a.size > 1 else 1.0)

    v = sweep.data("rms_speed")
    _seed_scatter(ax_v, a, v, COLOURS[0])
    ax_v.semilogy(a, np.exp(np.log(v).mean(axis=0)), "-", color=COLOURS[0], lw=1.5)
    ax_v.set_ylabel(r"RMS speed $\langle\|\dot h\|^2/N\rangle^{1/2}$")
    ax_v.set_title("(a) speed (geometric mean)")

    lam, se = sweep.data("lambda_max"), sweep.data("lambda_stderr")
    offsets = (np.arange(lam.shape[0]) - (lam.shape[0] - 1) / 2) * jitter
    for i in range(lam.shape[0]):
        ax_l.errorbar(a + offsets[i], lam[i], yerr=se[i], fmt="o", color=COLOURS[1], alpha=0.6, ms=4, capsize=2)
    ax_l.plot(a, lam.mean(axis=0), "-", color=COLOURS[1], lw=1.5)
    ax_l.axhline(0.0, color="0.5", lw=0.8)
    ax_l.set_ylabel(r"$\lambda_{\max}\;(1/\tau_h)$")
    ax_l.set_title(r"(b) $\lambda_{\max}\pm$ s.e.")

    tau = sweep.data("decay_time")
    _seed_scatter(ax_t, a, np.where(np.isfinite(tau), tau, np.nan), COLOURS[2])
    ax_t.plot(a, np.nanmean(np.where(np.isfinite(tau), tau, np.nan), axis=0), "-", color=COLOURS[2], lw=1.5)
    limit = sweep.measurements[0][0].drift_limit
    ax_t.axhline(limit, color="0.4", ls="--", lw=1, label="window limit (steady drift)")
    ax_t.set_ylim(0.0, 1.15 * max(limit, np.nanmax(np.where(np.isfinite(tau), tau, 0.0))))
    ax_t.set_ylabel(r"correlation time $(\tau_h)$")
    ax_t.legend(frameon=False, fontsize=8, loc="lower right")
    ax_t.set_title("(c) correlation time")

    near, closed = sweep.data("near_zero_fraction"), sweep.data("closed_fraction")
    eps = sweep.measurements[0][0].threshold
    ax_f.plot(a, near.mean(axis=0), "o-", color=COLOURS[3], label=rf"eigenvalues $|\lambda|<{eps:g}$")
    ax_f.plot(a, closed.mean(axis=0), "s--", color=COLOURS[4], mfc="none", label=rf"units $\sigma_z<{eps:g}$")
    ax_f.set_ylim(0.0, 1.35 * max(near.max(), closed.max(), 0.05))
    ax_f.set_ylabel(r"fraction of $N$")
    ax_f.legend(frameon=False, fontsize=8, loc="upper left")
    ax_f.set_title("(d) near-zero eigenvalues")
    for ax in axes[0]:
        ax.set_xlabel(r"gate gain $\alpha_z$")
    return fig


def plot_local_timescales(timescales: Mapping[float, np.ndarray], *, tau_h: float = 1.0, beta_z: float = 0.0,
                          bins: int = 40) -> Figure:
    r"""Histograms of the local timescales :math:`\tau_h/\sigma_z(z_i(t))` on log bins, one per :math:`\alpha_z`.

    ``timescales`` maps :math:`\alpha_z` to an array of local timescales (any shape, e.g. from
    :func:`gatebook.local_timescales`). The dashed line is the exact value
    :math:`\tau_h(1+e^{\beta_z})` that every unit has at :math:`\alpha_z=0`. The right panel is
    the fraction of samples slower than :math:`T` (log–log): a closed gate leaks at
    :math:`\sigma_z/\tau_h\approx e^{-\alpha_z\lvert z\rvert-\beta_z}/\tau_h`, so with Gaussian
    :math:`z` this fraction falls off only slowly with :math:`T`, the slower the larger :math:`\alpha_z`.
    ``bins`` (the number of log bins) lies between 1 and 1000, and the exact timescale must be
    a finite float.
    """
    if not isinstance(timescales, Mapping) or len(timescales) == 0:
        raise TypeError("timescales must be a non-empty mapping alpha_z -> array of local timescales")
    tau_h = check_positive_float(tau_h, "tau_h")
    beta_z = check_finite_float(beta_z, "beta_z")
    bins = check_int(bins, "bins", minimum=1, maximum=1000)
    with np.errstate(over="ignore"):
        if not np.isfinite(tau_h * (1.0 + np.exp(beta_z))):
            raise ValueError(f"beta_z = {beta_z:g} with tau_h = {tau_h:g} is too large: the exact timescale "
                             "tau_h (1 + e^beta_z) overflows")
    data = {}
    for alpha, values in timescales.items():
        arr = np.asarray(values, dtype=float).ravel()
        if arr.size == 0 or np.any(~(arr > 0)):
            raise ValueError(f"timescales for alpha_z={alpha} must be a non-empty array of positive numbers")
        data[float(alpha)] = arr
    exact = tau_h * (1.0 + np.exp(beta_z))
    finite = np.concatenate([v[np.isfinite(v)] for v in data.values()])
    lo = min(finite.min(), exact) * 0.7
    hi = max(min(finite.max(), 1e12), exact) * 1.5
    edges = np.geomspace(lo, hi, bins + 1)
    fig, axes = new_figure(width=9.0, height=3.2, ncols=2)
    ax, ax_s = axes[0]
    for colour, (alpha, arr) in zip(COLOURS, data.items()):
        weights = np.full(arr.size, 1.0 / arr.size)
        ax.hist(np.clip(arr, lo, hi * 0.999), bins=edges, weights=weights, histtype="stepfilled", alpha=0.35,
                color=colour, label=rf"$\alpha_z={alpha:g}$")
        ax.hist(np.clip(arr, lo, hi * 0.999), bins=edges, weights=weights, histtype="step", color=colour, lw=1.2)
        T = np.sort(arr)
        surv = 1.0 - np.arange(T.size) / T.size
        ax_s.plot(T, surv, color=colour, lw=1.5, label=rf"$\alpha_z={alpha:g}$")
    ax.axvline(exact, color="k", ls="--", lw=1, label=rf"$\tau_h(1+e^{{\beta_z}})={exact:.3g}$")
    log_ticks(ax, "x", limits=(lo, hi), labels="decimal")
    log_ticks(ax_s, "x", limits=(lo, hi), labels="decimal")
    ax.set_xlabel(r"local timescale $\tau_h/\sigma_z(z_i)$")
    ax.set_ylabel("fraction of samples")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("distribution of local timescales")
    ax_s.axvline(exact, color="k", ls="--", lw=1)
    ax_s.set_yscale("log")
    ax_s.set_xlabel(r"timescale $T$")
    ax_s.set_ylabel(r"fraction of units slower than $T$")
    ax_s.set_title("units that hold their value for longer than $T$")
    return fig


def _cloud(spec):
    """``(eigenvalues, boundary, origin_disk)`` from a Spectrum-like object or a tuple."""
    if isinstance(spec, tuple) and not hasattr(spec, "boundary"):
        eig, boundary = spec[0], spec[1]
        disk = spec[2] if len(spec) > 2 else None
    else:
        eig, boundary, disk = spec.eigenvalues, spec.boundary, getattr(spec, "origin_disk", None)
    return np.ravel(np.asarray(eig)), boundary, disk


def plot_spectrum_with_support(spectra: Mapping[str, object], *, near_zero: float = 0.01, zoom: float = 0.1) -> Figure:
    r"""Jacobian eigenvalue clouds with the predicted support boundary :math:`\mathcal S(\lambda)=1`, one panel each.

    ``spectra`` maps a panel title to a :class:`gatebook.slow_modes.Spectrum` (or a tuple
    ``(eigenvalues, boundary[, origin_disk])`` with a :class:`gatebook.spectral_support.SupportBoundary`).
    Red: the :math:`\mathcal S=1` contour; dotted: the quiet state's disk; an inset zooms on
    :math:`\lvert\lambda\rvert<` ``zoom`` with the circle :math:`\lvert\lambda\rvert=` ``near_zero``.
    """
    if not isinstance(spectra, Mapping) or len(spectra) == 0:
        raise TypeError("spectra must be a non-empty mapping title -> Spectrum or (eigenvalues, boundary)")
    near_zero = check_positive_float(near_zero, "near_zero")
    zoom = check_positive_float(zoom, "zoom")
    n = len(spectra)
    fig, axes = new_figure(width=4.2 * n, height=3.9, ncols=n)
    for ax, (title, spec) in zip(axes[0], spectra.items()):
        eig, boundary, disk = _cloud(spec)
        ax.scatter(eig.real, eig.imag, s=4, color=COLOURS[0], alpha=0.5, lw=0, label="eigenvalues")
        for k, c in enumerate(boundary.contours):
            ax.plot(c[:, 0], c[:, 1], color=COLOURS[1], lw=1.4, label=r"$\mathcal{S}(\lambda)=1$" if k == 0 else None)
        if disk is not None:
            ax.add_patch(Circle((disk[0], 0.0), disk[1], fill=False, ls=":", color="0.3", lw=1, label="quiet-state disk"))
        ax.axvline(0.0, color="0.6", lw=0.6)
        ax.set_aspect("equal", adjustable="datalim")
        count = int(np.count_nonzero(np.abs(eig) < near_zero))
        noun = "eigenvalue" if count == 1 else "eigenvalues"
        ax.set_title(f"{title}\n{count} {noun} with $|\\lambda|<{near_zero:g}$", fontsize=10)
        ax.set_xlabel(r"Re $\lambda\;(1/\tau_h)$")
        inset = ax.inset_axes([0.64, 0.64, 0.34, 0.34])
        close = np.abs(eig) < 1.5 * zoom
        inset.scatter(eig.real[close], eig.imag[close], s=5, color=COLOURS[0], lw=0)
        inset.add_patch(Circle((0.0, 0.0), near_zero, fill=False, color=COLOURS[4], lw=1))
        inset.set_xlim(-zoom, zoom)
        inset.set_ylim(-zoom, zoom)
        inset.set_xticks([])
        inset.set_yticks([])
        inset.text(0.03, 0.04, rf"zoom: $|\lambda|<{zoom:g}$", transform=inset.transAxes, fontsize=7)
    axes[0, 0].set_ylabel(r"Im $\lambda\;(1/\tau_h)$")
    axes[0, 0].legend(frameon=False, fontsize=7, loc="lower left")
    return fig


def plot_fixed_point_invariance(result) -> Figure:
    r"""A fixed point found at :math:`\alpha_z=0` stays a root at every :math:`\alpha_z,\beta_z`; its eigenvalues move.

    ``result`` is a :class:`gatebook.slow_modes.FixedPointInvariance`. (a) residual
    :math:`\lVert F(x^*)\rVert` against :math:`\alpha_z`, one line per :math:`\beta_z`; (b) the
    eigenvalues at :math:`\alpha_z=0` and at the largest :math:`\alpha_z`; (c) marginal
    eigenvalues against units with nearly closed gates, per :math:`\alpha_z`.
    """
    check_instance(result, FixedPointInvariance, "result")
    a = np.asarray(result.alpha_z)
    fig, axes = new_figure(width=10.0, height=3.1, ncols=3)
    ax_r, ax_e, ax_c = axes[0]
    for colour, (k, b) in zip(COLOURS, enumerate(result.beta_z)):
        ax_r.semilogy(a, np.maximum(result.residuals[:, k], 1e-300), "o-", color=colour, label=rf"$\beta_z={b:g}$")
    ax_r.axhline(result.fixed_point.tol * max(1.0, float(np.linalg.norm(result.fixed_point.state))), color="0.4",
                 ls="--", lw=1, label="Newton tolerance")
    ax_r.set_xlabel(r"$\alpha_z$")
    ax_r.set_ylabel(r"$\|F(x^*)\|$")
    ax_r.set_ylim(1e-16, 1e-6)
    ax_r.legend(frameon=False, fontsize=7)
    ax_r.set_title("(a) still a fixed point")
    e0, e1 = result.eigenvalues[0], result.eigenvalues[-1]
    ax_e.scatter(e0.real, e0.imag, s=8, color="0.55", lw=0, label=r"$\alpha_z=0$")
    ax_e.scatter(e1.real, e1.imag, s=8, color=COLOURS[1], lw=0, alpha=0.8, label=rf"$\alpha_z={a[-1]:g}$")
    ax_e.axvline(0.0, color="0.6", lw=0.6)
    ax_e.set_xlabel(r"Re $\lambda$")
    ax_e.set_ylabel(r"Im $\lambda$")
    ax_e.legend(frameon=False, fontsize=7)
    ax_e.set_title("(b) same point, new eigenvalues")
    width = 0.38
    x = np.arange(a.size)
    ax_c.bar(x - width / 2, result.n_marginal, width, color=COLOURS[3], label=rf"$|\lambda|<{result.marginal_tol:g}$")
    ax_c.bar(x + width / 2, result.n_closed, width, color=COLOURS[4], alpha=0.7,
             label=rf"units $\sigma_z/\tau_h<{result.marginal_tol:g}$")
    ax_c.set_xticks(x, [f"{v:g}" for v in a])
    ax_c.set_xlabel(r"$\alpha_z$")
    ax_c.set_ylabel("count")
    ax_c.legend(frameon=False, fontsize=7)
    ax_c.set_title("(c) marginal directions")
    return fig


def _shade_inputs(ax, result):
    """Shade the h-pulses (blue), the gate pulses at the writes (orange) and the reset (red)."""
    for t in result.write_times:
        ax.axvspan(t, t + result.width, color=COLOURS[0], alpha=0.18, lw=0)
        if result.gate_pulse > 0:
            ax.axvspan(t, t + 2 * result.gate_width, color=COLOURS[4], alpha=0.5, lw=0)
    if result.reset_time is not None:
        ax.axvspan(result.reset_time, result.reset_time + result.reset_width, color=COLOURS[1], alpha=0.15, lw=0)


def plot_memory(results: Mapping[str, object]) -> Figure:
    r"""Memory traces :math:`M(t)` of :func:`gatebook.memory.write_and_reset`, one panel per labelled result.

    Blue bands: the pulses to :math:`h`; orange: the gate pulses that open the gates for
    writing; red: the reset pulse. Grey band: :math:`\pm2\times` the chance level. Thin line
    (right axis): the fraction of open gates.
    """
    if not isinstance(results, Mapping) or len(results) == 0:
        raise TypeError("results must be a non-empty mapping label -> MemoryResult")
    for label, res in results.items():
        check_instance(res, MemoryResult, f"results[{label!r}]")
    n = len(results)
    fig, axes = new_figure(width=4.4 * n, height=3.2, ncols=n, sharey=True)
    for k, (ax, (label, res)) in enumerate(zip(axes[0], results.items())):
        _shade_inputs(ax, res)
        ax.fill_between(res.times, -2 * res.chance, 2 * res.chance, color="0.5", alpha=0.25, lw=0)
        ax.plot(res.times, res.trace, color="k", lw=1.6, label=r"trace $M(t)$")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel(r"time $t/\tau_h$")
        twin = ax.twinx()
        twin.plot(res.times, res.open_fraction, color=COLOURS[2], lw=0.8, alpha=0.8)
        twin.set_ylim(0.0, 1.6)
        twin.set_yticks([0.0, 0.5, 1.0])
        if k == n - 1:
            twin.set_ylabel("fraction of open gates", color=COLOURS[2])
        else:
            twin.set_yticklabels([])
    axes[0, 0].set_ylabel(r"$M(t)=\xi\cdot(h-h^{\rm ctrl})/\|\xi\|^2$")
    return fig


# -- explorable ----------------------------------------------------------------------------------
_EXPLORER = {"N": 100, "g_h": 4.0, "seed": 0, "t_max": 100.0, "dt": 0.2}
#: Ranges of the explorer's parameters (wider than the chapter's sliders).
EXPLORER_RANGES = {"alpha_z": (0.0, 100.0), "beta_z": (-10.0, 10.0)}


@lru_cache(maxsize=64)
def _explorer_run(alpha_z: float, beta_z: float):
    p = _EXPLORER
    net = GatedNetwork(p["N"], p["g_h"], alpha_z=alpha_z, beta_z=beta_z, seed=p["seed"])
    traj = simulate(net, p["t_max"], p["dt"], seed=p["seed"], record_every=2)
    half = traj.states[traj.states.shape[0] // 2 :]
    return traj.times, traj.states[:, :6].copy(), local_timescales(net, half).ravel()


def timescale_explorer(alpha_z: float = 0.0, beta_z: float = 0.0) -> Figure:
    r"""Explorable frame: six :math:`h_i(t)` over :math:`100\,\tau_h` and the local-timescale histogram.

    A network of :math:`N=100` units with :math:`g_h=4` (seed 0), from a random state, RK4 with
    :math:`dt=0.2`; the histogram pools :math:`\tau_h/\sigma_z(z_i)` over the second half. The
    dashed line is :math:`\tau_h(1+e^{\beta_z})`, every unit's timescale at :math:`\alpha_z=0`.
    Runs are cached per :math:`(\alpha_z,\beta_z)`.

    Parameters
    ----------
    alpha_z : float
        Gain of the timescale gate, in :math:`[0, 100]` (the chapter's slider: 0 to 20).
    beta_z : float
        Bias of the timescale gate, in :math:`[-10, 10]` (slider: -2 to 2).
    """
    alpha_z = check_float_in(alpha_z, "alpha_z", *EXPLORER_RANGES["alpha_z"])
    beta_z = check_float_in(beta_z, "beta_z", *EXPLORER_RANGES["beta_z"])
    times, h, tau = _explorer_run(alpha_z, beta_z)
    fig, axes = new_figure(width=8.6, height=3.0, ncols=2, gridspec_kw={"width_ratios": [1.6, 1.0]})
    ax, ax_h = axes[0]
    ax.plot(times, h, lw=0.9)
    ax.set_ylim(-4.0, 4.0)
    ax.set_xlabel(r"time $t/\tau_h$")
    ax.set_ylabel(r"$h_i(t)$")
    ax.set_title(rf"$\alpha_z={alpha_z:g}$, $\beta_z={beta_z:g}$  ($N={_EXPLORER['N']}$, $g_h={_EXPLORER['g_h']:g}$)",
                 fontsize=10)
    edges = np.geomspace(0.5, 1e8, 41)
    ax_h.hist(np.clip(tau, edges[0], edges[-1] * 0.999), bins=edges, weights=np.full(tau.size, 1.0 / tau.size),
              color=COLOURS[0], alpha=0.7)
    ax_h.axvline(1.0 + np.exp(beta_z), color="k", ls="--", lw=1)
    log_ticks(ax_h, "x", limits=(edges[0], edges[-1]), labels="decimal")
    ax_h.set_ylim(0.0, 1.0)
    ax_h.set_xlabel(r"local timescale $\tau_h/\sigma_z$")
    ax_h.set_ylabel("fraction")
    slow = float(np.mean(tau > 100.0))
    ax_h.set_title(f"{100 * slow:.0f} % slower than 100 $\\tau_h$", fontsize=10)
    return fig
