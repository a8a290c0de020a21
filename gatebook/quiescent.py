r"""Chapter 6's experiments: the reduction to chapter 1's network and the quiet state.

Without an input, the state :math:`h=z=r=0` of :class:`gatebook.GatedNetwork` is a fixed
point for every parameter value (:math:`\phi(0)=0`). There the bracket
:math:`-h+g_hJ^h(\sigma_r\odot\phi)` and :math:`\phi` vanish, so the blocks of the
Jacobian that couple :math:`h` to the gates vanish too. The Jacobian is block lower
triangular and its eigenvalues are those of the diagonal blocks,

.. math::

    \lambda_k=\frac{s_z}{\tau_h}\big(-1+g_hs_r\,w_k\big)\quad(k=1,\dots,N),
    \qquad -\frac1{\tau_z}\ (N\text{-fold}),\qquad -\frac1{\tau_r}\ (N\text{-fold}),

with :math:`w_k` the eigenvalues of :math:`J^h` and :math:`s_k=\sigma_k(0)=1/(1+e^{\beta_k})`.
By the circular law the :math:`w_k` fill the unit disk as :math:`N\to\infty`, so the
quiet state is stable iff :math:`g_hs_r<1`, i.e. :math:`g_h<1+e^{\beta_r}`, whatever
:math:`\alpha_z,\alpha_r,\beta_z` and for both placements of the output gate. A finite
network crosses at :math:`g_h=1/(s_r\max_k\operatorname{Re}w_k)` instead; the spectral
edge of :math:`J^h` fluctuates by :math:`O(N^{-1/2})`.

This module computes that spectrum (:func:`origin_spectrum`, :func:`origin_growth_rate`),
measures the growth rate of small perturbations by simulating the full nonlinear network
(:func:`perturbation_growth`, :func:`growth_rate_sweep`), brackets the threshold by
bisection on decay / non-decay (:func:`bracket_quiescent_threshold`) and checks the exact
reduction to chapter 1's network (:func:`reduction_check`). The large-:math:`N` closed forms
(threshold, disk, growth rate) live in :mod:`gatebook.quiet_state`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

import numpy as np

from ._validation import (
    check_bool,
    check_choice,
    check_instance,
    check_float_sequence,
    check_memory,
    check_positive_float,
    check_positive_int,
)
from .gated_network import GatedNetwork
from .integrators import steps_for
from .progress import progress_bar
from .quiet_state import quiet_growth_rate
from .simulate import Trajectory, simulate

__all__ = [
    "OriginSpectrum",
    "GrowthRate",
    "PerturbationGrowth",
    "GrowthSweep",
    "ThresholdBracket",
    "ReductionCheck",
    "coupling_eigenvalues",
    "origin_spectrum",
    "origin_growth_rate",
    "finite_size_threshold",
    "spectrum_distance",
    "perturbation_growth",
    "growth_rate_sweep",
    "bracket_quiescent_threshold",
    "gated_network_family",
    "reduction_check",
    "threshold_table",
]

_METHODS = ("blocks", "dense")


def _check_net(net) -> GatedNetwork:
    if not isinstance(net, GatedNetwork):
        raise TypeError(f"net must be a gatebook.GatedNetwork, got {type(net).__name__}")
    return net


def _check_quiet(net) -> GatedNetwork:
    net = _check_net(net)
    if net.has_inputs:
        raise ValueError("net has external inputs: the origin is a fixed point only without inputs")
    return net


# -- the spectrum at the origin -----------------------------------------------------------
_EIGENVALUE_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 16


def coupling_eigenvalues(net) -> np.ndarray:
    r"""Eigenvalues :math:`w_k` of the unit-gain matrix :math:`J^h` of ``net`` (complex, shape ``(N,)``).

    Cached by the content of :math:`J^h`: networks built with the same ``N`` and integer
    seed (any gains, gates or time constants) share one eigendecomposition.
    """
    J = _check_net(net).couplings_h
    key = (J.shape, hashlib.blake2b(np.ascontiguousarray(J).tobytes(), digest_size=16).hexdigest())
    w = _EIGENVALUE_CACHE.get(key)
    if w is None:
        w = np.linalg.eigvals(J)
        _EIGENVALUE_CACHE[key] = w
        if len(_EIGENVALUE_CACHE) > _CACHE_SIZE:
            _EIGENVALUE_CACHE.popitem(last=False)
    else:
        _EIGENVALUE_CACHE.move_to_end(key)
    return w.copy()


@dataclass(frozen=True)
class OriginSpectrum:
    r"""Eigenvalues of the Jacobian at :math:`h=z=r=0`, split into the :math:`h` block and the gates.

    Attributes
    ----------
    h : ndarray, shape (N,)
        Eigenvalues of the :math:`hh` block, :math:`(s_z/\tau_h)(-1+g_hs_rw_k)`, sorted by
        real part (largest first).
    gates : ndarray, shape (2N,)
        The remaining eigenvalues: :math:`-1/\tau_z` and :math:`-1/\tau_r`, each :math:`N`
        times (exactly for ``method="blocks"``, to rounding for ``"dense"``).
    gate_points : tuple of float
        :math:`(-1/\tau_z, -1/\tau_r)`.
    disk : tuple of float
        Centre and radius :math:`(-s_z/\tau_h,\ g_hs_rs_z/\tau_h)` of the large-:math:`N`
        support of ``h``, :math:`\lvert\lambda\tau_h+s_z\rvert\le g_hs_rs_z`.
    method : {"blocks", "dense"}
        How the eigenvalues were computed.
    """

    h: np.ndarray
    gates: np.ndarray
    gate_points: tuple
    disk: tuple
    method: str

    @property
    def eigenvalues(self) -> np.ndarray:
        """All :math:`3N` eigenvalues (``h`` first, then ``gates``)."""
        return np.concatenate([self.h, self.gates])

    @property
    def h_abscissa(self) -> float:
        r"""Largest real part of the :math:`h` block: the growth rate of :math:`\lVert h\rVert` near the origin."""
        return float(self.h.real.max())

    @property
    def abscissa(self) -> float:
        r"""Largest real part of all :math:`3N` eigenvalues (:math:`\lambda_{\max}` of the quiet state)."""
        return float(max(self.h_abscissa, *self.gate_points))

    @property
    def stable(self) -> bool:
        """Whether every eigenvalue has a negative real part."""
        return self.abscissa < 0.0


def _split_dense(eigenvalues: np.ndarray, gate_points: tuple, N: int):
    """Remove the N eigenvalues closest to each gate point; return (h part, gate part)."""
    remaining = np.ones(eigenvalues.size, dtype=bool)
    gates = []
    for point in gate_points:
        idx = np.flatnonzero(remaining)
        nearest = idx[np.argsort(np.abs(eigenvalues[idx] - point), kind="stable")[:N]]
        remaining[nearest] = False
        gates.append(eigenvalues[nearest])
    return eigenvalues[remaining], np.concatenate(gates)


def origin_spectrum(net, method: str = "blocks") -> OriginSpectrum:
    r"""Eigenvalues of the Jacobian of ``net`` at the quiet state :math:`h=z=r=0` (chapter 6).

    At the origin the :math:`hz` and :math:`hr` blocks vanish, so the Jacobian is block
    lower triangular and

    .. math::

        \operatorname{spec}\mathcal J(0)=\Big\{\frac{s_z}{\tau_h}\big(-1+g_hs_r\,w_k\big)\Big\}_{k=1}^N
        \cup\{-1/\tau_z\}^N\cup\{-1/\tau_r\}^N,

    where :math:`w_k` are the eigenvalues of :math:`J^h`. This holds for both placements
    of the output gate and does not involve :math:`\alpha_z,\alpha_r` (the slopes of the
    gates multiply the vanishing :math:`u` and :math:`\phi`).

    Parameters
    ----------
    net : GatedNetwork
        A network without external inputs.
    method : {"blocks", "dense"}
        ``"blocks"`` (default) uses the formula above with the cached eigenvalues of
        :math:`J^h`; ``"dense"`` computes all :math:`3N` eigenvalues of the dense
        Jacobian and assigns the :math:`N` closest to each gate point to the gates (an
        independent check of the formula).

    Returns
    -------
    OriginSpectrum

    Examples
    --------
    >>> import gatebook
    >>> from gatebook.quiescent import origin_spectrum
    >>> net = gatebook.GatedNetwork(100, g_h=1.5, alpha_z=3.0, seed=0)
    >>> spec = origin_spectrum(net)
    >>> spec.h.shape, spec.gate_points, spec.stable
    ((100,), (-1.0, -1.0), True)
    """
    net = _check_quiet(net)
    method = check_choice(method, "method", _METHODS)
    gate_points = (-1.0 / net.tau_z, -1.0 / net.tau_r)
    if method == "blocks":
        h = net.s_z / net.tau_h * (-1.0 + net.g_h * net.s_r * coupling_eigenvalues(net))
        gates = np.repeat(np.asarray(gate_points, dtype=complex), net.N)
    else:
        eig = np.linalg.eigvals(net.jacobian(np.zeros(net.dim)))
        h, gates = _split_dense(eig, gate_points, net.N)
    h = h[np.argsort(-h.real, kind="stable")]
    return OriginSpectrum(h=h, gates=gates, gate_points=gate_points, disk=net.origin_disk(), method=method)


class GrowthRate(NamedTuple):
    r"""Predicted growth rate of :math:`\lVert h\rVert` near the quiet state: this network and :math:`N\to\infty`."""

    finite_N: float
    large_N: float


def origin_growth_rate(net) -> GrowthRate:
    r"""Growth rate :math:`\lambda_{\max}` of small perturbations of :math:`h` at the quiet state (chapter 6).

    Near the origin :math:`\tau_h\dot h\approx s_z(-h+g_hs_rJ^hh)` (the gates do not feed
    back at first order), so :math:`\lVert h(t)\rVert\propto e^{\lambda_{\max} t}` at long times with

    .. math::

        \lambda_{\max}^{(N)}=\frac{s_z}{\tau_h}\Big(g_hs_r\max_k\operatorname{Re}w_k-1\Big),\qquad
        \lambda_{\max}^{(\infty)}=\frac{s_z}{\tau_h}\big(g_hs_r-1\big),

    for this network's :math:`J^h` (eigenvalues :math:`w_k`) and for :math:`N\to\infty`,
    where the circular law puts the rightmost :math:`w_k` at 1. The large-:math:`N` value is the
    closed form :func:`gatebook.quiet_state.quiet_growth_rate`; this function adds the
    measurement on the network's own :math:`J^h`.

    Examples
    --------
    >>> import gatebook
    >>> from gatebook.quiescent import origin_growth_rate
    >>> origin_growth_rate(gatebook.GatedNetwork(50, g_h=3.0, seed=0)).large_N
    0.25
    """
    net = _check_quiet(net)
    a = float(coupling_eigenvalues(net).real.max())
    large_N = quiet_growth_rate(net.g_h, beta_r=net.beta_r, beta_z=net.beta_z, tau_h=net.tau_h)
    return GrowthRate(finite_N=net.s_z / net.tau_h * (net.g_h * net.s_r * a - 1.0), large_N=large_N)


def finite_size_threshold(net) -> float:
    r"""The gain :math:`g_h=1/(s_r\max_k\operatorname{Re}w_k)` at which *this* network's quiet state loses stability.

    Only :math:`J^h` (its eigenvalues :math:`w_k`) and :math:`\beta_r` enter; the gain
    ``net.g_h`` itself does not. As :math:`N\to\infty` it tends to
    :math:`1/s_r=1+e^{\beta_r}`, with fluctuations of order :math:`N^{-1/2}`.
    Infinite if :math:`J^h` has no eigenvalue with a positive real part.
    """
    net = _check_quiet(net)
    a = float(coupling_eigenvalues(net).real.max())
    return float(1.0 / (net.s_r * a)) if a > 0 else float("inf")


def _eigenvalue_set(values, name: str) -> np.ndarray:
    """``values`` as a flat, finite, non-empty complex array; errors name ``name``."""
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be an array of (complex) eigenvalues, got {values!r}")
    arr = np.asarray(values)
    if arr.dtype.kind not in "iufc":
        raise TypeError(f"{name} must be an array of (complex) eigenvalues, got dtype {arr.dtype}")
    arr = arr.ravel()
    if arr.size == 0:
        raise ValueError(f"{name} must contain at least one eigenvalue")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def spectrum_distance(a, b) -> float:
    r"""Symmetric distance :math:`\max\big(\max_i\min_j\lvert a_i-b_j\rvert,\ \max_j\min_i\lvert a_i-b_j\rvert\big)` of two eigenvalue sets.

    Zero iff every value of one set has an equal value in the other; it ignores the
    order of the values (eigenvalue solvers return them in no particular order).
    """
    a = _eigenvalue_set(a, "a")
    b = _eigenvalue_set(b, "b")
    check_memory(a.size * b.size, "a and b", itemsize=16, what="their table of pairwise distances")
    d = np.abs(a[:, None] - b[None, :])
    return float(max(d.min(axis=1).max(), d.min(axis=0).max()))


# -- measured growth of small perturbations ----------------------------------------------------
@dataclass(frozen=True)
class PerturbationGrowth:
    r"""Measured growth of :math:`\lVert h(t)\rVert` from a small initial state.

    Attributes
    ----------
    times : ndarray, shape (n,)
    size : ndarray, shape (n,)
        :math:`\lVert h(t)\rVert/\sqrt N`, the root-mean-square state.
    rate : float
        Least-squares slope of :math:`\ln(\lVert h\rVert/\sqrt N)` over ``window``.
    intercept : float
        Intercept of that line at :math:`t=0`.
    window : tuple of float
        ``(t_start, t_end)`` of the fit.
    saturated : bool
        Whether the perturbation reached ``linear_limit`` (left the linear regime).
    """

    times: np.ndarray
    size: np.ndarray
    rate: float
    intercept: float
    window: tuple
    saturated: bool

    def fitted(self, t) -> np.ndarray:
        r"""The fitted line :math:`e^{\mathrm{intercept}+\mathrm{rate}\,t}` at times ``t``."""
        return np.exp(self.intercept + self.rate * np.asarray(t, dtype=float))


def perturbation_growth(
    net,
    *,
    scale: float = 1e-20,
    t_max: float = 200.0,
    dt: float = 0.5,
    linear_limit: float = 1e-2,
    seed=None,
    stop_at_limit: bool = True,
    chunk: float = 20.0,
) -> PerturbationGrowth:
    r"""Growth rate of a small perturbation of the quiet state, measured on the full network (chapter 6).

    The network starts from :math:`x_0` with i.i.d. :math:`\mathcal N(0,\mathrm{scale}^2)`
    entries (all :math:`3N` coordinates) and is integrated with RK4. As long as
    :math:`\lVert h\rVert/\sqrt N` stays below ``linear_limit`` the dynamics is linear to
    high accuracy (:math:`\tanh h=h-h^3/3+\dots`), and after the initial transient in which
    the perturbation turns towards the rightmost eigenvector,

    .. math:: \ln\frac{\lVert h(t)\rVert}{\sqrt N}\approx c+\lambda_{\max}^{(N)} t,

    with :math:`\lambda_{\max}^{(N)}` of :func:`origin_growth_rate`. The linear part of the run ends at
    :math:`t_{\rm end}` (the last record below ``linear_limit``, or ``t_max``); the fit uses
    its second half :math:`[t_{\rm end}/2,\,t_{\rm end}]`, discarding the first half as
    transient. ``scale`` only sets how long the linear part lasts,
    :math:`\ln(\mathrm{linear\_limit}/\mathrm{scale})/\lambda_{\max}`; float64 resolves states far
    smaller than the default :math:`10^{-20}`.

    Parameters
    ----------
    net : GatedNetwork
        A network without external inputs.
    scale : float
        Standard deviation of the initial state (``> 0``).
    t_max : float
        Longest simulated time (``> 0``).
    dt : float
        RK4 step. The default 0.5 is accurate in the linear regime (the rate changes by
        :math:`<10^{-3}` when it is halved), not for the saturated dynamics.
    linear_limit : float
        RMS size of :math:`h` up to which the run counts as linear (``> scale``).
    seed : int, numpy.random.Generator or None
        Source of the initial state.
    stop_at_limit : bool
        Stop simulating once the limit is passed (default); ``False`` runs to ``t_max``
        to show the saturation.
    chunk : float
        Length of the pieces in which the run is simulated (and checked against the limit).

    Returns
    -------
    PerturbationGrowth

    Raises
    ------
    ValueError
        If the linear part holds fewer than four records (lower ``scale`` or ``dt``).

    Examples
    --------
    >>> import gatebook
    >>> from gatebook.quiescent import origin_growth_rate, perturbation_growth
    >>> net = gatebook.GatedNetwork(100, g_h=3.0, alpha_z=2.0, alpha_r=2.0, seed=0)
    >>> measured = perturbation_growth(net, seed=1).rate
    >>> bool(abs(measured - origin_growth_rate(net).finite_N) < 0.01)
    True
    """
    net = _check_quiet(net)
    scale = check_positive_float(scale, "scale")
    linear_limit = check_positive_float(linear_limit, "linear_limit")
    if linear_limit <= scale:
        raise ValueError(f"linear_limit ({linear_limit}) must exceed scale ({scale})")
    n_total = steps_for(t_max, dt, "t_max")
    check_memory(n_total, "t_max", what="the recorded sizes")
    dt = float(dt)
    chunk_steps = max(1, int(round(check_positive_float(chunk, "chunk") / dt)))
    stop_at_limit = check_bool(stop_at_limit, "stop_at_limit")
    N = net.N
    x = net.initial_state(seed, scale=scale)
    times, sizes = [np.array([0.0])], [np.array([np.linalg.norm(x[:N]) / np.sqrt(N)])]
    done = 0
    while done < n_total:
        n = min(chunk_steps, n_total - done)
        traj = simulate(net, n * dt, dt, x0=x, t0=done * dt)
        done += n
        x = traj.states[-1]
        times.append(traj.times[1:])
        sizes.append(np.linalg.norm(traj.states[1:, :N], axis=1) / np.sqrt(N))
        if stop_at_limit and sizes[-1].max() > linear_limit:
            break
    times, sizes = np.concatenate(times), np.concatenate(sizes)
    above = np.flatnonzero(sizes > linear_limit)
    end = above[0] - 1 if above.size else sizes.size - 1
    t_end = times[max(end, 0)]
    keep = (times >= 0.5 * t_end) & (np.arange(times.size) <= end)
    if keep.sum() < 4:
        raise ValueError(
            f"the linear part of the run is too short ({int(keep.sum())} records): "
            "lower scale or dt, or raise linear_limit"
        )
    rate, intercept = np.polyfit(times[keep], np.log(sizes[keep]), 1)
    return PerturbationGrowth(
        times=times,
        size=sizes,
        rate=float(rate),
        intercept=float(intercept),
        window=(float(times[keep][0]), float(times[keep][-1])),
        saturated=bool(above.size),
    )


def gated_network_family(N: int, **params) -> Callable[[float, int], GatedNetwork]:
    r"""A factory ``(g_h, seed) -> GatedNetwork(N, g_h, seed=seed, **params)`` for sweeps in :math:`g_h`.

    With an integer seed every gain gets the same :math:`J^h`, so a sweep in :math:`g_h`
    follows one network.

    Examples
    --------
    >>> make = gated_network_family(50, beta_r=1.0, alpha_r=2.0)
    >>> make(3.0, 0).beta_r
    1.0
    """
    N = check_positive_int(N, "N")
    for bad in ("g_h", "seed", "N"):
        if bad in params:
            raise TypeError(f"gated_network_family sets {bad} itself; do not pass it in params")
    GatedNetwork(N, 1.0, seed=0, **params)  # fail now, not inside a sweep, on bad parameters

    def make(g_h, seed):
        return GatedNetwork(N, g_h, seed=seed, **params)

    return make


def _check_family(make_net, seed):
    if not callable(make_net):
        raise TypeError("make_net must be a callable make_net(g_h, seed) -> GatedNetwork")
    return _check_quiet(make_net(1.0, seed))


@dataclass(frozen=True)
class GrowthSweep:
    r"""Measured and predicted growth rates of small perturbations over a range of :math:`g_h`.

    Attributes
    ----------
    gains : ndarray, shape (n,)
    measured : ndarray, shape (n,)
        :func:`perturbation_growth` rates.
    finite_N, large_N : ndarray, shape (n,)
        :func:`origin_growth_rate` predictions for this :math:`J^h` and for :math:`N\to\infty`.
    threshold : float
        :math:`1+e^{\beta_r}`.
    finite_threshold : float
        :func:`finite_size_threshold` of the network.
    beta_r : float
    N : int
    label : str
    """

    gains: np.ndarray
    measured: np.ndarray
    finite_N: np.ndarray
    large_N: np.ndarray
    threshold: float
    finite_threshold: float
    beta_r: float
    N: int
    label: str

    @property
    def max_deviation(self) -> float:
        r"""Largest :math:`\lvert` measured − finite-N prediction :math:`\rvert` over the gains."""
        return float(np.max(np.abs(self.measured - self.finite_N)))


def growth_rate_sweep(
    make_net, gains: Sequence[float], *, seed: int = 0, label: str | None = None,
    progress: bool = False, **growth_options,
) -> GrowthSweep:
    r"""Growth rate of small perturbations of the quiet state against :math:`g_h` (chapter 6).

    For each gain, ``make_net(g_h, seed)`` builds the network and
    :func:`perturbation_growth` (options ``growth_options``; initial state from ``seed``)
    measures :math:`\lambda_{\max}`; :func:`origin_growth_rate` gives the predictions
    :math:`\lambda_{\max}^{(N)}` and :math:`\lambda_{\max}^{(\infty)}=(s_z/\tau_h)(g_hs_r-1)`, which crosses zero at
    :math:`g_h=1+e^{\beta_r}`.

    Examples
    --------
    >>> from gatebook.quiescent import gated_network_family, growth_rate_sweep
    >>> s = growth_rate_sweep(gated_network_family(60, beta_r=1.0), [2.0, 6.0], seed=0)
    >>> bool(s.measured[0] < 0 < s.measured[1]), bool(s.max_deviation < 0.01)
    (True, True)
    """
    net = _check_family(make_net, seed)
    gains = check_float_sequence(gains, "gains", nonnegative=True)
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be None or a string, got {label!r}")
    progress = check_bool(progress, "progress")
    measured, finite, large = (np.empty(gains.size) for _ in range(3))
    for i, g in enumerate(progress_bar(gains, desc="growth rate vs g_h", enabled=progress)):
        model = make_net(float(g), seed)
        measured[i] = perturbation_growth(model, seed=seed, **growth_options).rate
        finite[i], large[i] = origin_growth_rate(model)
    return GrowthSweep(
        gains=gains, measured=measured, finite_N=finite, large_N=large,
        threshold=net.zero_state_threshold, finite_threshold=finite_size_threshold(net),
        beta_r=net.beta_r, N=net.N, label=rf"$\beta_r={net.beta_r:g}$" if label is None else label,
    )


# -- bisection on decay / non-decay ------------------------------------------------------------
@dataclass(frozen=True)
class ThresholdBracket:
    r"""An interval :math:`[g_{\rm lo},g_{\rm hi}]` of :math:`g_h` in which the quiet state of a network loses stability.

    Attributes
    ----------
    lo, hi : float
        Small perturbations decay at ``lo`` and do not decay at ``hi``.
    threshold : float
        The large-:math:`N` prediction :math:`1+e^{\beta_r}`.
    finite_threshold : float
        This network's exact value :math:`1/(s_r\max_k\operatorname{Re}w_k)`.
    beta_r : float
    N : int
    evaluations : tuple of (float, float)
        Every ``(g_h, measured rate)`` tried, in order.
    """

    lo: float
    hi: float
    threshold: float
    finite_threshold: float
    beta_r: float
    N: int
    evaluations: tuple

    @property
    def estimate(self) -> float:
        """Midpoint of the bracket."""
        return 0.5 * (self.lo + self.hi)

    def contains(self, value: float, slack: float = 0.0) -> bool:
        """Whether ``lo - slack <= value <= hi + slack``."""
        return bool(self.lo - slack <= value <= self.hi + slack)


def bracket_quiescent_threshold(
    make_net, *, seed: int = 0, lo: float | None = None, hi: float | None = None,
    rtol: float = 0.01, max_steps: int = 40, progress: bool = False, **growth_options,
) -> ThresholdBracket:
    r"""Bracket the gain at which the quiet state loses stability by bisection (chapter 6).

    The criterion is measured, not predicted: a gain counts as *stable* when a small
    perturbation decays, i.e. when the rate of :func:`perturbation_growth` (initial state
    from ``seed``, options ``growth_options``) is negative. Starting from
    ``[lo, hi]`` (default :math:`[0.7,1.3]\times(1+e^{\beta_r})`, which must be stable and
    unstable respectively), the bracket is halved until its width is below
    ``rtol`` times its midpoint. The result is compared with the large-:math:`N` value

    .. math:: g_h^{\rm c}=1+e^{\beta_r}=1/s_r

    and with this network's :math:`1/(s_r\max_k\operatorname{Re}w_k)`; the two differ by
    the :math:`O(N^{-1/2})` fluctuation of the spectral edge of :math:`J^h`.

    Parameters
    ----------
    make_net : callable
        ``make_net(g_h, seed) -> GatedNetwork``, e.g. :func:`gated_network_family`.
    seed : int
        Network seed and seed of the initial state.
    lo, hi : float, optional
        Initial bracket.
    rtol : float
        Relative width at which to stop (``> 0``).
    max_steps : int
        Largest number of halvings.

    Returns
    -------
    ThresholdBracket

    Examples
    --------
    >>> from gatebook.quiescent import bracket_quiescent_threshold, gated_network_family
    >>> b = bracket_quiescent_threshold(gated_network_family(60, beta_r=1.0), seed=0, rtol=0.05)
    >>> bool(b.contains(b.finite_threshold, slack=0.05 * b.estimate))
    True
    """
    net = _check_family(make_net, seed)
    rtol = check_positive_float(rtol, "rtol")
    max_steps = check_positive_int(max_steps, "max_steps")
    progress = check_bool(progress, "progress")
    threshold = net.zero_state_threshold
    lo = 0.7 * threshold if lo is None else check_positive_float(lo, "lo")
    hi = 1.3 * threshold if hi is None else check_positive_float(hi, "hi")
    if not lo < hi:
        raise ValueError(f"lo ({lo}) must be smaller than hi ({hi})")
    evaluations = []

    def rate(g):
        value = perturbation_growth(make_net(g, seed), seed=seed, **growth_options).rate
        evaluations.append((float(g), float(value)))
        return value

    def end_rate(g, name):
        """The rate at an end of the bracket; a gain so large that the run leaves the linear
        regime at once cannot be measured, and the error names that end."""
        try:
            return rate(g)
        except ValueError as err:
            if "linear part of the run is too short" not in str(err):
                raise
            raise ValueError(f"the growth rate at {name} = {g:g} cannot be measured: {err}") from err

    if end_rate(lo, "lo") >= 0.0:
        raise ValueError(f"small perturbations do not decay at lo = {lo:g}: choose a smaller lo")
    if end_rate(hi, "hi") < 0.0:
        raise ValueError(f"small perturbations decay at hi = {hi:g}: choose a larger hi")
    bar = progress_bar(total=max_steps, desc="bisection in g_h", enabled=progress)
    with bar:
        for _ in range(max_steps):
            if hi - lo <= rtol * 0.5 * (lo + hi):
                break
            mid = 0.5 * (lo + hi)
            if rate(mid) < 0.0:
                lo = mid
            else:
                hi = mid
            bar.update(1)
    return ThresholdBracket(
        lo=float(lo), hi=float(hi), threshold=threshold, finite_threshold=finite_size_threshold(net),
        beta_r=net.beta_r, N=net.N, evaluations=tuple(evaluations),
    )


def threshold_table(brackets: Sequence[ThresholdBracket]) -> str:
    r"""Markdown table: measured bracket against :math:`1+e^{\beta_r}` and the finite-:math:`N` value, one row per bracket."""
    if isinstance(brackets, (str, bytes)) or not hasattr(brackets, "__iter__"):
        raise TypeError(f"brackets must be a sequence of ThresholdBracket, got {type(brackets).__name__}")
    brackets = list(brackets)
    if len(brackets) == 0:
        raise ValueError("brackets must contain at least one ThresholdBracket")
    for b in brackets:
        check_instance(b, ThresholdBracket, "brackets", what="sequence of ThresholdBracket (an entry is not one)")
    rows = [
        "| $\\beta_r$ | $N$ | measured bracket | $1+e^{\\beta_r}$ | this network: $1/(s_r\\max\\operatorname{Re}\\lambda(J^h))$ | measured / $(1+e^{\\beta_r})$ |",
        "|---|---|---|---|---|---|",
    ]
    for b in brackets:
        rows.append(
            f"| {b.beta_r:g} | {b.N} | [{b.lo:.3f}, {b.hi:.3f}] | {b.threshold:.3f} | "
            f"{b.finite_threshold:.3f} | {b.estimate / b.threshold:.3f} |"
        )
    return "\n".join(rows)


# -- the reduction to chapter 1's network ------------------------------------------------------
@dataclass(frozen=True)
class ReductionCheck:
    r"""The gated network without gating next to chapter 1's network it reduces to.

    Attributes
    ----------
    gated : Trajectory
        The gated network's run (states of length :math:`3N`).
    reduced : Trajectory
        :meth:`GatedNetwork.reduced_network`'s run from the same :math:`h(0)`.
    max_error : float
        :math:`\max_{t,i}\lvert h_i(t)-x_i(t)\rvert`.
    g_eff, tau_eff : float
        :math:`g_hs_r` and :math:`\tau_h/s_z`.
    """

    gated: Trajectory
    reduced: Trajectory
    max_error: float
    g_eff: float
    tau_eff: float


def reduction_check(net, *, t_max: float = 60.0, dt: float = 0.1, seed=None) -> ReductionCheck:
    r"""Simulate ``net`` (which must have :math:`\alpha_z=\alpha_r=0`) and its chapter-1 reduction side by side.

    With constant gates :math:`\sigma_z=s_z`, :math:`\sigma_r=s_r` the state obeys

    .. math:: \frac{\tau_h}{s_z}\,\dot h=-h+g_hs_r\,J^h\phi(h),

    chapter 1's network with :math:`g_{\rm eff}=g_hs_r` and :math:`\tau_{\rm eff}=\tau_h/s_z`.
    Both are integrated with RK4 and the same step ``dt`` in the same time units (the
    reduced network carries :math:`\tau_{\rm eff}` itself), from the same :math:`h(0)`
    (drawn from ``seed``; :math:`z(0),r(0)` too, though they do not matter). The RK4 stages
    for :math:`h` are then the same numbers, so ``max_error`` is at rounding level.

    Examples
    --------
    >>> import gatebook
    >>> from gatebook.quiescent import reduction_check
    >>> check = reduction_check(gatebook.GatedNetwork(50, 3.0, beta_z=1.0, seed=0), t_max=10.0, seed=1)
    >>> bool(check.max_error < 1e-10), round(check.g_eff, 3)
    (True, 1.5)
    """
    net = _check_net(net)
    reduced_net = net.reduced_network()
    x0 = net.initial_state(seed)
    gated = simulate(net, t_max, dt, x0=x0)
    reduced = simulate(reduced_net, t_max, dt, x0=x0[: net.N])
    error = float(np.max(np.abs(gated.states[:, : net.N] - reduced.states)))
    return ReductionCheck(gated=gated, reduced=reduced, max_error=error, g_eff=reduced_net.g, tau_eff=reduced_net.tau)
