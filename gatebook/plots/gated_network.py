r"""Figures for chapter 6 (the gated network: gates, the reduction to chapter 1, the quiet state).

Every function returns a :class:`matplotlib.figure.Figure` drawn with the object-oriented
API and leaves no pyplot figure open. The computations behind them are in
:mod:`gatebook.quiescent` and :class:`gatebook.GatedNetwork`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from .._validation import check_float_in, check_instance, check_int, check_positive_int
from ..gated_network import GatedNetwork
from ..quiescent import (
    GrowthSweep,
    ThresholdBracket,
    coupling_eigenvalues,
    origin_growth_rate,
    origin_spectrum,
    perturbation_growth,
)
from ..simulate import Trajectory
from ._style import COLOURS, new_figure, draw_eigenvalues

__all__ = [
    "plot_gate_traces",
    "plot_reduction_overlay",
    "plot_origin_spectrum",
    "plot_quiescent_threshold",
    "quiet_state_explorer",
]


def _check_title(title) -> None:
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")


def _check_sequence(obj, cls, name: str, *, allow_empty: bool) -> list:
    """``obj`` as a list of ``cls`` instances (a sequence, not a string or a mapping)."""
    if isinstance(obj, (str, bytes, dict)) or not np.iterable(obj):
        raise TypeError(f"{name} must be a sequence of {cls.__name__}, got {type(obj).__name__}")
    items = list(obj)
    if not items and not allow_empty:
        raise ValueError(f"{name} must contain at least one {cls.__name__}")
    for item in items:
        if not isinstance(item, cls):
            raise TypeError(f"{name} must hold {cls.__name__} objects, got {type(item).__name__}")
    return items


def _single_trial(traj, dim: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(traj, Trajectory):
        raise TypeError(f"{name} must be a gatebook.Trajectory, got {type(traj).__name__}")
    t, x = traj
    if x.ndim != 2 or (dim is not None and x.shape[1] != dim):
        want = f"(n_times, {dim})" if dim is not None else "(n_times, N)"
        raise ValueError(f"{name} must hold one trial with states of shape {want}, got {x.shape}")
    return t, x


def plot_gate_traces(traj: Trajectory, net: GatedNetwork, units: int = 4) -> Figure:
    r"""State :math:`h_i(t)` and gate values :math:`\sigma_z(z_i(t))`, :math:`\sigma_r(r_i(t))` of the first ``units`` units.

    Three panels sharing the time axis, one colour per unit; the dashed lines in the gate
    panels are the resting values :math:`s_z=\sigma_z(0)` and :math:`s_r=\sigma_r(0)`.
    ``traj`` is a single-trial run of ``net`` (states of length :math:`3N`).
    """
    if not isinstance(net, GatedNetwork):
        raise TypeError(f"net must be a gatebook.GatedNetwork, got {type(net).__name__}")
    t, x = _single_trial(traj, net.dim, "traj")
    units = min(check_positive_int(units, "units"), net.N)
    q = net.unit_quantities(np.ascontiguousarray(x))
    fig, axes = new_figure(width=7.0, height=5.2, nrows=3, sharex=True)
    panels = [
        (q.h, r"$h_i(t)$", None),
        (q.sigma_z, r"$\sigma_z(z_i)$", (net.s_z, r"$s_z$")),
        (q.sigma_r, r"$\sigma_r(r_i)$", (net.s_r, r"$s_r$")),
    ]
    for ax, (values, label, rest) in zip(axes[:, 0], panels):
        for i in range(units):
            ax.plot(t, values[:, i], lw=1.0, color=COLOURS[i % len(COLOURS)])
        ax.set_ylabel(label)
        if rest is None:
            ax.axhline(0.0, color="0.6", lw=0.6)
        else:
            ax.axhline(rest[0], color="0.3", lw=0.8, ls="--")
            ax.set_ylim(-0.03, 1.03)
    axes[-1, 0].set_xlabel(r"time $t/\tau_h$")
    axes[0, 0].set_title(
        rf"$N={net.N}$, $g_h={net.g_h:g}$, $\alpha_z={net.alpha_z:g}$, $\alpha_r={net.alpha_r:g}$: "
        f"{units} units (dashed: gates at rest)"
    )
    return fig


def plot_reduction_overlay(gated_traj: Trajectory, reduced_traj: Trajectory, units: int = 3) -> Figure:
    r"""Overlay :math:`h_i(t)` of the ungated gated network (solid) on chapter 1's :math:`x_i(t)` (dashed).

    ``reduced_traj`` is the run of :meth:`GatedNetwork.reduced_network` (states of length
    :math:`N`), ``gated_traj`` the gated network's run on the same time grid (length
    :math:`3N`; its first :math:`N` coordinates are :math:`h`). The title gives
    :math:`\max_{t,i}\lvert h_i-x_i\rvert` over all units.
    """
    t, x = _single_trial(reduced_traj, None, "reduced_traj")
    N = x.shape[1]
    tg, xg = _single_trial(gated_traj, 3 * N, "gated_traj")
    if tg.shape != t.shape or not np.allclose(tg, t):
        raise ValueError("gated_traj and reduced_traj must be recorded at the same times")
    units = min(check_positive_int(units, "units"), N)
    h = xg[:, :N]
    error = float(np.max(np.abs(h - x)))
    fig, axes = new_figure(width=7.0, height=3.0)
    ax = axes[0, 0]
    for i in range(units):
        colour = COLOURS[i % len(COLOURS)]
        ax.plot(t, h[:, i], lw=2.4, color=colour, alpha=0.45, label="gated network, $h_i$" if i == 0 else None)
        ax.plot(t, x[:, i], lw=1.0, color=colour, ls="--", label="chapter 1 network, $x_i$" if i == 0 else None)
    ax.set_xlabel(r"time $t/\tau_h$")
    ax.set_ylabel("activity")
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.set_title(rf"$\alpha_z=\alpha_r=0$: largest difference over all {N} units: {error:.1e}")
    return fig


def _draw_gate_points(ax, gate_points, N: int) -> None:
    points = sorted(set(gate_points))
    for p in points:
        count = N * sum(1 for q in gate_points if q == p)
        names = " = ".join(name for name, q in zip((r"$-1/\tau_z$", r"$-1/\tau_r$"), gate_points) if q == p)
        ax.plot([p], [0.0], marker="X", ms=9, color=COLOURS[1], ls="none", zorder=5)
        ax.annotate(f"{names}\n({count}-fold)", (p, 0.0), xytext=(0, 12), textcoords="offset points",
                    ha="center", fontsize=8, color=COLOURS[1])


def plot_origin_spectrum(net: GatedNetwork, method: str = "dense", title: str | None = None) -> Figure:
    r"""Eigenvalues of the Jacobian at :math:`h=z=r=0` with the predicted disk and the gate points.

    Dots: the :math:`N` eigenvalues of the :math:`h` block (from the dense :math:`3N\times3N`
    Jacobian by default, see :func:`gatebook.quiescent.origin_spectrum`). Dashed circle:
    the large-:math:`N` disk :math:`\lvert\lambda\tau_h+s_z\rvert\le g_hs_rs_z`. Crosses:
    :math:`-1/\tau_z` and :math:`-1/\tau_r`, each :math:`N`-fold. Red line:
    :math:`\operatorname{Re}\lambda=0`. ``title`` (a string) replaces the default title.
    """
    check_instance(net, GatedNetwork, "net")
    _check_title(title)
    spec = origin_spectrum(net, method=method)
    fig, axes = new_figure(width=4.8, height=4.2)
    ax = axes[0, 0]
    draw_eigenvalues(ax, spec.h, disk=spec.disk)
    _draw_gate_points(ax, spec.gate_points, net.N)
    if title is None:
        state = "stable" if spec.stable else "unstable"
        title = rf"$g_h={net.g_h:g}$, $\beta_r={net.beta_r:g}$ ($1+e^{{\beta_r}}={net.zero_state_threshold:.2f}$): {state}"
    ax.set_title(title, fontsize=10)
    return fig


def plot_quiescent_threshold(sweeps: Sequence[GrowthSweep], brackets: Sequence[ThresholdBracket] = ()) -> Figure:
    r"""Growth rate of small perturbations against :math:`g_h`: measured, predicted, and the thresholds.

    For each :class:`~gatebook.quiescent.GrowthSweep` (one colour): measured rates (dots),
    this network's prediction :math:`\lambda_{\max}^{(N)}` (dashed), the large-:math:`N` line
    :math:`\lambda_{\max}^{(\infty)}=(s_z/\tau_h)(g_hs_r-1)` (solid, thin) and the threshold
    :math:`1+e^{\beta_r}` (dotted vertical). Each bracket from the bisection is a shaded
    band of the colour of the sweep with the same :math:`\beta_r`.
    """
    sweeps = _check_sequence(sweeps, GrowthSweep, "sweeps", allow_empty=False)
    brackets = _check_sequence(brackets, ThresholdBracket, "brackets", allow_empty=True)
    fig, axes = new_figure(width=7.0, height=3.8)
    ax = axes[0, 0]
    colour_of = {}
    for colour, s in zip(COLOURS, sweeps):
        colour_of[s.beta_r] = colour
        ax.plot(s.gains, s.large_N, "-", color=colour, lw=0.8, alpha=0.6)
        ax.plot(s.gains, s.finite_N, "--", color=colour, lw=1.2)
        ax.plot(s.gains, s.measured, "o", color=colour, ms=5, label=s.label)
        ax.axvline(s.threshold, color=colour, lw=1.0, ls=":")
    for b in brackets:
        ax.axvspan(b.lo, b.hi, color=colour_of.get(b.beta_r, "0.5"), alpha=0.35, lw=0)
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.set_xlabel("$g_h$")
    ax.set_ylabel(r"growth rate $\lambda_{\max}\,\tau_h$")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.set_title(r"dots: measured; dashed: this network; thin: $N\to\infty$; dotted: $1+e^{\beta_r}$; bands: bisection",
                 fontsize=9)
    return fig


# -- the explorable ------------------------------------------------------------------------------
#: Ranges of the explorer's parameters (wider than the chapter's sliders) and its largest network.
EXPLORER_RANGES = {"g_h": (0.0, 10.0), "beta_r": (-10.0, 10.0)}
EXPLORER_MAX_N = 1000


@lru_cache(maxsize=8)
def _explorer_couplings(N: int, seed: int) -> GatedNetwork:
    """A gain-one network whose J^h (and its cached eigenvalues) every frame reuses."""
    net = GatedNetwork(N, 1.0, seed=seed)
    coupling_eigenvalues(net)
    return net


def quiet_state_explorer(g_h: float, beta_r: float, N: int = 200, seed: int = 0) -> Figure:
    r"""Chapter 6's explorable figure: the spectrum at the origin and a small perturbation's fate.

    Left: eigenvalues :math:`(s_z/\tau_h)(-1+g_hs_rw_k)` of the :math:`h` block at the
    origin (:math:`w_k` the eigenvalues of :math:`J^h`, cached per ``(N, seed)``), the disk
    :math:`\lvert\lambda+s_z\rvert\le g_hs_rs_z`, the gate point :math:`-1` (:math:`2N`-fold)
    and the imaginary axis. Right: :math:`\lVert h(t)\rVert/\sqrt N` of the full network
    (:math:`\alpha_z=\alpha_r=2`, :math:`\beta_z=0`, :math:`\tau`'s :math:`=1`, RK4 with
    :math:`dt=0.25`) from a state of size :math:`10^{-12}`, on a log axis, with the
    predicted rate :math:`\lambda_{\max}^{(N)}` of :func:`gatebook.quiescent.origin_growth_rate` (dashed,
    through the curve at the end of its linear part) and the rate fitted by
    :func:`gatebook.quiescent.perturbation_growth`. The quiet state is stable iff
    :math:`g_h<1+e^{\beta_r}` (up to the finite-:math:`N` edge of :math:`J^h`).
    Axes are fixed, so frames can be compared.

    Parameters
    ----------
    g_h : float
        Coupling gain, in :math:`(0, 10]` (the chapter's slider: 1.5 to 9).
    beta_r : float
        Bias of the output gate, in :math:`[-10, 10]` (slider: 0 to 2).
    N : int
        Number of units, between 1 and 1000.
    seed : int
        Non-negative seed of the couplings (the perturbation uses ``seed + 1``).
    """
    g_h = check_float_in(g_h, "g_h", *EXPLORER_RANGES["g_h"], closed="right")
    beta_r = check_float_in(beta_r, "beta_r", *EXPLORER_RANGES["beta_r"])
    N = check_int(N, "N", minimum=1, maximum=EXPLORER_MAX_N)
    seed = check_int(seed, "seed", minimum=0)
    base = _explorer_couplings(N, seed)
    net = GatedNetwork(N, g_h, alpha_z=2.0, alpha_r=2.0, beta_r=beta_r, seed=seed)
    if not np.array_equal(net.couplings_h, base.couplings_h):  # pragma: no cover - same seed, same J^h
        raise RuntimeError("explorer networks must share J^h")
    spec = origin_spectrum(net)
    rate = origin_growth_rate(net)
    growth = perturbation_growth(net, scale=1e-12, t_max=50.0, dt=0.25, seed=seed + 1, stop_at_limit=False, chunk=50.0)

    fig = Figure(figsize=(8.6, 3.6))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.83, wspace=0.3)
    grid = fig.add_gridspec(1, 2, width_ratios=[1.0, 1.35])
    left = fig.add_subplot(grid[0, 0])
    left.scatter(spec.h.real, spec.h.imag, s=5, color=COLOURS[0], alpha=0.7, lw=0)
    centre, radius = spec.disk
    left.add_patch(Circle((centre, 0.0), radius, fill=False, color="k", lw=1.0, ls="--"))
    left.plot([-1.0], [0.0], marker="X", ms=8, color=COLOURS[1], ls="none")
    left.axvline(0.0, color="#d62728", lw=1.0)
    left.set_xlim(-3.0, 2.0)
    left.set_ylim(-2.5, 2.5)
    left.set_aspect("equal", adjustable="box")
    left.set_xticks([-3, -2, -1, 0, 1, 2])
    left.set_yticks([-2, 0, 2])
    left.set_xlabel("Re λ")
    left.set_ylabel("Im λ")
    left.set_title("Jacobian at the origin (× gates)", fontsize=10, y=1.01)

    right = fig.add_subplot(grid[0, 1])
    right.semilogy(growth.times, growth.size, color=COLOURS[0], lw=1.5)
    # the predicted slope, through the measured curve at the end of its linear part
    t_anchor = growth.window[1]
    size_anchor = growth.size[np.searchsorted(growth.times, t_anchor)]
    t = np.array([0.0, 50.0])
    right.semilogy(t, size_anchor * np.exp(rate.finite_N * (t - t_anchor)), color="0.3", lw=1.0, ls="--")
    right.set_xlim(0.0, 50.0)
    right.set_ylim(1e-22, 10.0)
    # Plain tick labels and no minor ticks: mathtext labels are most of a log axis's drawing cost.
    right.set_yticks([1e-20, 1e-15, 1e-10, 1e-5, 1.0], ["1e-20", "1e-15", "1e-10", "1e-5", "1"])
    right.minorticks_off()
    right.set_xticks([0, 10, 20, 30, 40, 50])
    right.set_xlabel(r"time $t/\tau_h$")
    right.set_ylabel(r"$\Vert h(t)\Vert/\sqrt{N}$")
    right.set_title(rf"predicted $\lambda_{{\max}}={rate.finite_N:+.3f}$ (dashed); fit ${growth.rate:+.3f}$", fontsize=10, y=1.01)
    state = "stable: perturbations decay" if spec.h_abscissa < 0 else "unstable: perturbations grow"
    fig.suptitle(rf"$g_h={g_h:g}$, $\beta_r={beta_r:g}$, threshold $1+e^{{\beta_r}}={net.zero_state_threshold:.2f}$: {state}",
                 fontsize=11)
    return fig
