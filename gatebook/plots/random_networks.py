r"""Figures for chapter 1 (random networks and the edge of chaos).

Every function takes measured data (or, for the explorer, model parameters), draws with
matplotlib's object-oriented API and returns a :class:`matplotlib.figure.Figure`, so that
a chapter cell is one line and the figure can be tested. No function leaves a pyplot
figure open except the one it returns.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from .._validation import (
    check_finite_float,
    check_float_in,
    check_float_sequence,
    check_instance,
    check_int,
    check_positive_float,
    check_positive_int,
)
from ..lyapunov import LyapunovResult
from ..random_network import RandomRateNetwork
from ..simulate import Trajectory, simulate
from ..sweeps import Sweep
from ._style import COLOURS, new_figure, draw_eigenvalues

__all__ = [
    "plot_traces",
    "plot_integrator_errors",
    "plot_eigenvalues",
    "plot_lyapunov_sweeps",
    "plot_lyapunov_convergence",
    "plot_correlation_times",
    "network_explorer",
    "describe_activity",
]

def _check_title(title) -> None:
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")


def _check_sweeps(sweeps) -> list:
    if isinstance(sweeps, (str, bytes, Mapping, Sweep)) or not np.iterable(sweeps):
        raise TypeError(f"sweeps must be a sequence of Sweep, got {type(sweeps).__name__}")
    sweeps = list(sweeps)
    if not sweeps:
        raise ValueError("sweeps must contain at least one Sweep")
    for s in sweeps:
        check_instance(s, Sweep, "sweeps", what="sequence of gatebook.Sweep")
    return sweeps


def plot_traces(trajectories: Mapping[str, Trajectory], units: int = 6) -> Figure:
    """Activity :math:`x_i(t)` of the first ``units`` units, one panel per labelled trajectory."""
    if not isinstance(trajectories, Mapping) or len(trajectories) == 0:
        raise TypeError("trajectories must be a non-empty mapping of label -> Trajectory")
    units = check_positive_int(units, "units")
    n = len(trajectories)
    fig, axes = new_figure(width=3.6 * n, height=2.8, ncols=n, sharey=True)
    for label, traj in trajectories.items():
        check_instance(traj, Trajectory, f"trajectories[{label!r}]")
    for ax, (label, traj) in zip(axes[0], trajectories.items()):
        t, x = traj
        if x.ndim != 2:
            raise ValueError(f"trajectory {label!r} must hold one trial, states of shape (n_times, N)")
        ax.plot(t, x[:, :units], lw=1.0)
        ax.set_title(label)
        ax.set_xlabel(r"time $t/\tau$")
        ax.axhline(0.0, color="0.6", lw=0.6)
    axes[0, 0].set_ylabel(r"$x_i(t)$")
    return fig


def plot_integrator_errors(dts, errors: Mapping[str, np.ndarray], orders: Mapping[str, int] | None = None) -> Figure:
    """Global error against step size on log–log axes, with guide lines of slope ``order``.

    ``dts`` are at least two positive step sizes; ``errors`` maps a method's name to its
    positive errors, one per step size; ``orders`` maps a name to the slope of its guide line
    (default: 1 for ``"euler"``, 4 for ``"rk4"``).
    """
    dts = check_float_sequence(dts, "dts", min_length=2, positive=True)
    if not isinstance(errors, Mapping) or len(errors) == 0:
        raise TypeError("errors must be a non-empty mapping of method name -> errors, one per step size")
    checked = {}
    for name, err in errors.items():
        err = check_float_sequence(err, f"errors[{name!r}]", positive=True)
        if err.shape != dts.shape:
            raise ValueError(f"errors[{name!r}] must hold one error per step size ({dts.size}), got {err.size}")
        checked[name] = err
    errors = checked
    if orders is None:
        orders = {"euler": 1, "rk4": 4}
    elif not isinstance(orders, Mapping):
        raise TypeError(f"orders must be a mapping of method name -> order, got {type(orders).__name__}")
    else:
        orders = {name: check_finite_float(p, f"orders[{name!r}]") for name, p in orders.items()}
    fig, axes = new_figure(width=4.6, height=3.4)
    ax = axes[0, 0]
    for colour, (name, err) in zip(COLOURS, errors.items()):
        slope = np.polyfit(np.log(dts), np.log(err), 1)[0]
        ax.loglog(dts, err, "o-", color=colour, label=f"{name} (slope {slope:.2f})")
        p = orders.get(name)
        if p is not None:
            ax.loglog(dts, err[0] * (dts / dts[0]) ** p, ":", color=colour, lw=1)
    ax.minorticks_off()
    ax.set_xticks(dts, [f"{dt:g}" for dt in dts])
    ax.set_xlabel(r"time step $dt/\tau$")
    ax.set_ylabel("error at final time (RMS per unit)")
    ax.legend(frameon=False)
    ax.set_title("dotted: slopes 1 and 4")
    return fig


def _check_eigenvalues(eigenvalues) -> np.ndarray:
    try:
        eig = np.asarray(eigenvalues)
    except (TypeError, ValueError) as err:
        raise TypeError("eigenvalues must be an array of numbers") from err
    if eig.dtype.kind not in "iufc":
        raise TypeError(f"eigenvalues must be an array of (complex) numbers, got dtype {eig.dtype}")
    if not np.all(np.isfinite(eig)):
        raise ValueError("eigenvalues contains NaN or infinite values")
    return eig


def plot_eigenvalues(eigenvalues, disk: tuple[float, float] | None = None, title: str | None = None) -> Figure:
    r"""Eigenvalues in the complex plane, the predicted disk (dashed) and the stability line Re λ = 0 (red).

    ``eigenvalues`` are finite (real or complex) numbers; ``disk`` is ``(centre, radius)`` on the
    real axis with a finite centre and a finite radius ``>= 0``; ``title`` is a string.
    """
    eigenvalues = _check_eigenvalues(eigenvalues)
    if disk is not None:
        if isinstance(disk, (str, bytes)) or not np.iterable(disk) or len(disk) != 2:
            raise TypeError(f"disk must be a pair (centre, radius), got {disk!r}")
        centre, radius = disk
        disk = (check_finite_float(centre, "disk"), check_finite_float(radius, "disk"))
        if disk[1] < 0:
            raise ValueError(f"disk must have a radius >= 0, got {disk[1]:g}")
    _check_title(title)
    fig, axes = new_figure(width=4.2, height=4.0)
    draw_eigenvalues(axes[0, 0], eigenvalues, disk)
    if title:
        axes[0, 0].set_title(title)
    return fig


def plot_lyapunov_sweeps(sweeps: Sequence[Sweep], critical: float | None = 1.0) -> Figure:
    r""":math:`\lambda_{\max}` against the swept parameter (mean ± s.e.m. over seeds), one curve per sweep.

    ``critical`` (a number, or ``None`` for none) is marked by a dashed vertical line.
    """
    sweeps = _check_sweeps(sweeps)
    if critical is not None:
        critical = check_finite_float(critical, "critical")
    fig, axes = new_figure(width=5.2, height=3.5)
    ax = axes[0, 0]
    for colour, s in zip(COLOURS, sweeps):
        ax.errorbar(s.values, s.mean, yerr=s.sem, fmt="o-", ms=4, color=colour, capsize=2, label=s.label or None)
    ax.axhline(0.0, color="0.3", lw=0.8)
    if critical is not None:
        ax.axvline(critical, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel(f"${sweeps[0].parameter}$")
    ax.set_ylabel(r"$\lambda_{\max}\,\tau$")
    if any(s.label for s in sweeps):
        ax.legend(frameon=False)
    return fig


def plot_lyapunov_convergence(result) -> Figure:
    r"""Running estimate of :math:`\lambda_1` against averaging time, with the final ± s.e. band.

    ``result`` is a :class:`gatebook.LyapunovResult` (e.g. from :func:`gatebook.max_lyapunov`).
    """
    check_instance(result, LyapunovResult, "result")
    fig, axes = new_figure(width=5.0, height=3.0)
    ax = axes[0, 0]
    ax.plot(result.times, result.running[:, 0], color=COLOURS[0])
    lam, se = result.exponents[0], result.stderr[0]
    ax.axhspan(lam - se, lam + se, color=COLOURS[0], alpha=0.2, lw=0)
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.set_xlabel(r"averaging time $T/\tau$")
    ax.set_ylabel(r"running $\lambda_1\,\tau$")
    return fig


def plot_correlation_times(sweep: Sweep, tau: float = 1.0) -> Figure:
    r"""Measured correlation times above :math:`g=1` and the exact relaxation time :math:`\tau/(1-g)` below it.

    ``sweep`` is a :class:`gatebook.Sweep`; ``tau`` a positive time constant.
    """
    check_instance(sweep, Sweep, "sweep")
    tau = check_positive_float(tau, "tau")
    fig, axes = new_figure(width=5.2, height=3.5)
    ax = axes[0, 0]
    ax.errorbar(sweep.values, sweep.mean, yerr=sweep.sem, fmt="o", color=COLOURS[1], capsize=2,
                label=sweep.label or "chaotic: 1/e time of the autocorrelation")
    g = np.linspace(0.05, 0.95, 100)
    ax.plot(g, tau / (1.0 - g), color=COLOURS[0], label=r"quiet: slowest decay $\tau/(1-g)$")
    ax.axvline(1.0, color="0.5", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_xlabel("$g$")
    ax.set_ylabel(r"time scale $/\tau$")
    ax.legend(frameon=False, fontsize=8)
    return fig


def describe_activity(traj: Trajectory, window: float = 10.0, tol: float = 1e-3) -> str:
    """Say in words what a single-trial trajectory does over its last ``window`` time units.

    ``window`` and ``tol`` (the size below which the state, or its fluctuation, counts as zero)
    are positive numbers.
    """
    check_instance(traj, Trajectory, "traj")
    window = check_positive_float(window, "window")
    tol = check_positive_float(tol, "tol")
    late = traj.states[traj.times >= traj.times[-1] - window]
    if np.abs(late[-1]).max() < tol:
        return "decays to rest"
    if late.std(axis=0).max() < tol:
        return "settles on a non-zero fixed point"
    return "keeps fluctuating"


#: Ranges of the explorer's parameters (wider than the chapter's slider), its largest network
#: and its longest run.
EXPLORER_RANGES = {"g": (0.0, 10.0), "dt": (0.0, 1.0)}
EXPLORER_MAX_N = 1000
EXPLORER_MAX_STEPS = 100_000


@lru_cache(maxsize=32)
def _unit_spectrum(N: int, seed: int) -> np.ndarray:
    """Eigenvalues of the unit-gain coupling matrix J (those of gJ are g times these)."""
    return np.linalg.eigvals(RandomRateNetwork(N, 1.0, seed=seed).couplings)


def network_explorer(g: float, seed: int = 0, N: int = 200, t_max: float = 50.0, dt: float = 0.2) -> Figure:
    r"""Chapter 1's explorable figure: activity traces and the Jacobian spectrum at the origin.

    Left: six units of a network with gain ``g`` (RK4, step ``dt``) started from a random
    state drawn from ``seed``. Right: eigenvalues of :math:`\mathcal J(0)=-\mathbb 1+gJ`
    with the circular-law disk; the quiescent state is unstable once the cloud crosses the
    red line Re λ = 0 (:math:`g>1`). The spectrum of :math:`J` is cached per ``(N, seed)``
    (that of :math:`gJ` is :math:`g` times it) and the layout is fixed, so a redraw costs
    one short simulation and one render (plain-text labels: no mathtext to parse).

    Parameters
    ----------
    g : float
        Gain, in :math:`(0, 10]` (the chapter's slider: 0.5 to 3).
    seed : int
        Non-negative seed of the couplings (the initial state uses ``seed + 1000``).
    N : int
        Number of units, between 1 and 1000.
    t_max, dt : float
        Duration and RK4 step; :math:`0<dt\le 1` and at most :data:`EXPLORER_MAX_STEPS` steps.
    """
    g = check_float_in(g, "g", *EXPLORER_RANGES["g"], closed="right")
    seed = check_int(seed, "seed", minimum=0)
    N = check_int(N, "N", minimum=1, maximum=EXPLORER_MAX_N)
    t_max = check_positive_float(t_max, "t_max")
    dt = check_float_in(dt, "dt", *EXPLORER_RANGES["dt"], closed="right")
    if t_max / dt > EXPLORER_MAX_STEPS:
        raise ValueError(f"t_max / dt = {t_max / dt:.3g} steps is too many (at most {EXPLORER_MAX_STEPS}): "
                         "lower t_max or raise dt")
    net = RandomRateNetwork(N, g, seed=seed)
    traj = simulate(net, t_max, dt, x0=net.initial_state(seed=seed + 1000))
    fig = Figure(figsize=(8.0, 3.3))
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.89, wspace=0.28)
    grid = fig.add_gridspec(1, 2, width_ratios=[1.6, 1.0])
    ax = fig.add_subplot(grid[0, 0])
    ax.plot(traj.times, traj.states[:, :6], lw=1.0)
    ax.set_ylim(-4.5, 4.5)
    ax.set_xlim(0.0, traj.times[-1])
    ax.set_xlabel("time t/τ")
    ax.set_ylabel("activity xᵢ(t)")
    # Few fixed ticks and a fixed title position: tick objects and the automatic title
    # placement are most of matplotlib's cost for a small figure like this one.
    ax.set_xticks(np.linspace(0.0, traj.times[-1], 6))
    ax.set_yticks([-4, -2, 0, 2, 4])
    ax.set_title(f"g = {g:g}, seed {seed}: {describe_activity(traj)}", fontsize=10, y=1.01)
    spec = fig.add_subplot(grid[0, 1])
    eig = -1.0 + g * _unit_spectrum(N, seed)
    spec.scatter(eig.real, eig.imag, s=4, color=COLOURS[0], alpha=0.6, lw=0)
    centre, radius = net.origin_disk()
    spec.add_patch(Circle((centre, 0.0), radius, fill=False, color="k", lw=1.2, ls="--"))
    spec.axvline(0.0, color="#d62728", lw=1.0)
    spec.set_xlim(-4.2, 2.2)
    spec.set_ylim(-3.2, 3.2)
    spec.set_aspect("equal", adjustable="box")
    spec.set_xlabel("Re λ")
    spec.set_ylabel("Im λ")
    spec.set_xticks([-4, -2, 0, 2])
    spec.set_yticks([-3, 0, 3])
    spec.set_title("Jacobian spectrum at x = 0", fontsize=10, y=1.01)
    return fig
