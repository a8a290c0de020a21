r"""How the timescale gate slows the gated network down: the :math:`\alpha_z` sweep of chapter 7.

For one network (:class:`gatebook.GatedNetwork`) after a transient, :func:`measure_slowing`
records five numbers that all say "slower" as the gain :math:`\alpha_z` of the timescale gate
grows (Krishnamurthy, Can & Schwab, Phys. Rev. X 12, 011011, 2022; Can, Krishnamurthy &
Schwab, 2020):

* the RMS speed per unit :math:`v_{\rm rms}=\langle\lVert\dot h\rVert^2/N\rangle_t^{1/2}`
  (:func:`gatebook.rms_speed`), which falls by orders of magnitude;
* the largest Lyapunov exponent :math:`\lambda_{\max}\pm` s.e. (:func:`gatebook.max_lyapunov`),
  which goes to zero: a marginally stable, slowly drifting state;
* the correlation time, the lag where the autocovariance :math:`C(s)` of :math:`h`
  (:func:`gatebook.autocorrelation`, each unit's mean over the window removed) falls to
  :math:`C(0)/e` (:func:`gatebook.decay_time`), which grows. Over a window of length
  :math:`T` this estimate saturates: activity that only drifts steadily gives the value of a
  straight line sampled the same way, :math:`\approx0.26\,T`
  (:attr:`SlowingMeasurement.drift_limit`). A value near that limit means "slower than the
  window can resolve", a lower bound;
* the fraction of Jacobian eigenvalues near zero, :math:`\#\{\lvert\lambda\rvert<\epsilon\}/N`,
  next to the fraction of units whose gate is nearly closed, :math:`\sigma_z(z_i)<\epsilon`
  (:func:`gatebook.closed_fraction`). A closed unit's row of the :math:`h`-block is scaled by
  :math:`\sigma_{z,i}\approx0`, so each closed unit brings one eigenvalue
  :math:`\approx-\sigma_{z,i}/\tau_h` close to zero and the two fractions track each other.

:func:`slowing_sweep` repeats this over values of :math:`\alpha_z` and seeds and returns a
:class:`SlowingSweep`, whose :meth:`SlowingSweep.sweep` hands any quantity to the chapter-1
:class:`gatebook.Sweep` for figures.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from collections.abc import Mapping

from ._validation import (
    check_bool,
    check_float_sequence,
    check_int,
    check_int_sequence,
    check_memory,
    check_positive_float,
    check_positive_int,
)
from .correlations import autocorrelation, decay_time
from .fixed_points import FixedPoint, find_fixed_points
from .gated_network import GatedNetwork
from .integrators import steps_for
from .lyapunov import max_lyapunov
from .progress import progress_bar
from .simulate import simulate
from .spectral_support import SupportBoundary, inside_support, support_boundary
from .sweeps import Sweep
from .timescales import closed_fraction, local_timescales, rms_speed

__all__ = [
    "SlowingMeasurement",
    "drift_limit",
    "measure_slowing",
    "SlowingSweep",
    "slowing_sweep",
    "Spectrum",
    "FixedPointInvariance",
    "fixed_point_invariance",
    "QUANTITIES",
]

#: Quantities of a :class:`SlowingMeasurement` that :class:`SlowingSweep` collects, with axis labels.
QUANTITIES = {
    "rms_speed": r"RMS speed $\langle\|\dot h\|^2/N\rangle^{1/2}$",
    "lambda_max": r"$\lambda_{\max}$",
    "lambda_stderr": r"s.e. of $\lambda_{\max}$",
    "decay_time": r"correlation time ($1/e$)",
    "near_zero_fraction": r"eigenvalues with $|\lambda|<\epsilon$, per unit",
    "closed_fraction": r"units with $\sigma_z<\epsilon$",
}


@dataclass
class SlowingMeasurement:
    r"""Slowness of one network after a transient (:func:`measure_slowing`).

    Attributes
    ----------
    alpha_z : float
    seed : int
    rms_speed : float
        :math:`\langle\lVert\dot h\rVert^2/N\rangle_t^{1/2}` over the measurement window.
    lambda_max, lambda_stderr : float
        Largest Lyapunov exponent and its standard error (blocks of the window).
    decay_time : float
        :math:`1/e` time of the autocovariance of :math:`h` (``inf``: longer than half the window).
    near_zero_fraction : float
        Eigenvalues of the dense Jacobian with :math:`\lvert\lambda\rvert<` ``threshold``,
        divided by :math:`N`, pooled over the sampled states ``eigen_states``.
    closed_fraction : float
        Units with :math:`\sigma_z(z_i)<` ``threshold`` at the same states.
    threshold : float
    window : float
        Length of the measurement window.
    states : ndarray, shape (n_samples, 3N)
        States sampled every ``sample_every`` over the window (for local-timescale histograms).
    eigenvalues : ndarray, shape (n_eig, 3N), complex
        Jacobian eigenvalues at ``eigen_states``.
    eigen_states : ndarray, shape (n_eig, 3N)
    drift_limit : float
        ``decay_time`` of a steady drift (a straight line) sampled like the window
        (:func:`drift_limit`): the largest correlation time the window can show.
    """

    alpha_z: float
    seed: int
    rms_speed: float
    lambda_max: float
    lambda_stderr: float
    decay_time: float
    near_zero_fraction: float
    closed_fraction: float
    threshold: float
    window: float
    states: np.ndarray
    eigenvalues: np.ndarray
    eigen_states: np.ndarray
    drift_limit: float


def drift_limit(n_samples: int, sample_every: float) -> float:
    r"""Correlation time that :func:`gatebook.decay_time` reports for a steady drift over the window.

    .. math:: x(t)=t,\qquad t=0,\Delta,\dots,(n-1)\Delta,

    passed through :func:`gatebook.autocorrelation` (mean removed, lags up to half the window)
    and :func:`gatebook.decay_time`. It is about :math:`0.26\,T`: the most a window of length
    :math:`T` can show. Activity whose correlation time reaches it only drifts over the window.

    Examples
    --------
    >>> round(drift_limit(101, 1.0) / 100, 2)
    0.25
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    if n_samples < 4:
        raise ValueError(f"n_samples must be at least 4, got {n_samples}")
    check_memory(4 * n_samples, "n_samples", what="the zero-padded FFT of the samples")
    sample_every = check_positive_float(sample_every, "sample_every")
    line = np.arange(n_samples, dtype=float)[:, None]
    return decay_time(*autocorrelation(line, sample_every))


def measure_slowing(
    net: GatedNetwork,
    *,
    seed: int = 0,
    dt: float = 0.1,
    t_transient: float = 50.0,
    t_measure: float = 100.0,
    t_lyapunov: float | None = None,
    sample_every: float = 1.0,
    n_eig: int = 1,
    threshold: float = 0.01,
) -> SlowingMeasurement:
    r"""Speed, :math:`\lambda_{\max}`, correlation time and near-zero eigenvalues of one network.

    .. math::

        v_{\rm rms}=\Big\langle\frac{\lVert\dot h\rVert_2^2}{N}\Big\rangle_t^{1/2},\qquad
        \frac{C(\tau_c)}{C(0)}=e^{-1},\qquad
        f_0=\frac{\#\{\lvert\lambda_k(\mathcal J)\rvert<\epsilon\}}{N},\qquad
        f_{\rm closed}=\frac{\#\{\sigma_z(z_i)<\epsilon\}}{N}.

    One RK4 run from a standard-normal state drawn from ``seed``: a transient, then a window
    ``t_measure`` sampled every ``sample_every``. :math:`\lambda_{\max}` is measured from the
    state at the end of the transient over ``t_lyapunov`` (default ``t_measure``; 10 time units
    of tangent alignment first). Eigenvalues at ``n_eig`` states evenly spaced over the window,
    the last one at its end. Chapter 7 (taught there; defaults are coarsened for the book's
    time budget, see the chapter).

    Parameters
    ----------
    net : GatedNetwork
        Without inputs.
    seed : int
        Initial state and Lyapunov tangent vector.
    dt, t_transient, t_measure, t_lyapunov, sample_every : float
        Step and times in units of :math:`\tau_h`; ``sample_every`` must be a whole number of steps.
    n_eig : int
        Number of states at which the dense Jacobian is diagonalised.
    threshold : float
        :math:`\epsilon` for both fractions.

    Returns
    -------
    SlowingMeasurement

    Examples
    --------
    >>> import gatebook as gb
    >>> from gatebook.slow_modes import measure_slowing
    >>> m = measure_slowing(gb.GatedNetwork(40, 3.0, alpha_z=20.0, seed=0), t_transient=20, t_measure=20)
    >>> bool(m.rms_speed < 0.1), bool(abs(m.near_zero_fraction - m.closed_fraction) < 0.2)
    (True, True)
    """
    if not isinstance(net, GatedNetwork):
        raise TypeError(f"net must be a GatedNetwork, got {type(net).__name__}")
    if net.has_inputs:
        raise ValueError("net must have no inputs (measure the autonomous network)")
    dt = check_positive_float(dt, "dt")
    t_transient = check_positive_float(t_transient, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    t_lyapunov = t_measure if t_lyapunov is None else check_positive_float(t_lyapunov, "t_lyapunov")
    sample_every = check_positive_float(sample_every, "sample_every")
    n_eig = check_positive_int(n_eig, "n_eig")
    threshold = check_positive_float(threshold, "threshold")
    every = int(round(sample_every / dt))
    if every < 1 or abs(every * dt - sample_every) > 1e-9 * sample_every:
        raise ValueError(f"sample_every ({sample_every}) must be a whole number of steps dt = {dt}")
    n_measure = steps_for(t_measure, dt, "t_measure")
    if n_measure // every < 4:
        raise ValueError("t_measure must hold at least four samples (lower sample_every)")
    check_memory(4 * (n_measure // every + 1) * net.dim, "t_measure", what="the recorded samples and their FFT")
    check_memory(steps_for(t_lyapunov, dt, "t_lyapunov"), "t_lyapunov", what="the log growth of every step")
    check_memory(n_eig * net.dim, "n_eig", itemsize=16, what="the eigenvalues")
    seed = check_int(seed, "seed", minimum=0)

    n_transient = steps_for(t_transient, dt, "t_transient")
    x = simulate(net, n_transient * dt, dt, seed=seed, record_every=n_transient).states[-1]
    traj = simulate(net, n_measure * dt, dt, x0=x, record_every=every, t0=n_transient * dt)
    N = net.N
    lags, C = autocorrelation(traj.states[:, :N], every * dt)
    lyap = max_lyapunov(net, dt=dt, t_transient=10.0, t_measure=t_lyapunov, x0=x, seed=seed)

    picks = np.linspace(traj.states.shape[0] - 1, 0, n_eig + 1)[:n_eig].round().astype(int)[::-1]
    eigen_states = traj.states[picks]
    eig = np.stack([np.linalg.eigvals(net.jacobian(s)) for s in eigen_states])
    return SlowingMeasurement(
        alpha_z=net.alpha_z,
        seed=seed,
        rms_speed=rms_speed(net, traj),
        lambda_max=lyap.maximum,
        lambda_stderr=float(lyap.stderr[0]),
        decay_time=decay_time(lags, C),
        near_zero_fraction=float(np.count_nonzero(np.abs(eig) < threshold) / (N * n_eig)),
        closed_fraction=closed_fraction(net, eigen_states, threshold),
        threshold=threshold,
        window=float(n_measure * dt),
        states=traj.states,
        eigenvalues=eig,
        eigen_states=eigen_states,
        drift_limit=drift_limit(traj.states.shape[0], every * dt),
    )


class Spectrum(NamedTuple):
    r"""Jacobian eigenvalues at sampled states with the predicted support boundary :math:`\mathcal S(\lambda)=1`.

    ``inside_fraction`` is the fraction of the eigenvalues with :math:`\mathcal S(\lambda)\ge1`
    (:func:`gatebook.inside_support`, gate point masses included).
    """

    eigenvalues: np.ndarray
    boundary: SupportBoundary
    origin_disk: tuple
    near_zero_fraction: float
    closed_fraction: float
    inside_fraction: float


@dataclass
class SlowingSweep:
    r"""The :func:`measure_slowing` numbers over values of :math:`\alpha_z` and seeds.

    Attributes
    ----------
    alpha_z : ndarray, shape (n_values,)
    seeds : tuple of int
    measurements : list of list of SlowingMeasurement
        ``measurements[i][j]`` for seed ``seeds[i]`` and ``alpha_z[j]``.
    network : dict
        The :class:`GatedNetwork` parameters shared by all runs (``N``, ``g_h``, ...).
    """

    alpha_z: np.ndarray
    seeds: tuple
    measurements: list
    network: dict

    def data(self, quantity: str) -> np.ndarray:
        """One quantity of :data:`QUANTITIES` as an array of shape ``(n_seeds, n_values)``."""
        return self.sweep(quantity).data

    def sweep(self, quantity: str) -> Sweep:
        """One quantity as a chapter-1 :class:`gatebook.Sweep` (seed mean and standard error)."""
        return Sweep.from_measurements(self.measurements, quantity, QUANTITIES, parameter=r"$\alpha_z$",
                                       values=self.alpha_z, seeds=self.seeds, label=f"N = {self.network.get('N')}")

    def measurement(self, alpha_z: float, seed: int | None = None) -> SlowingMeasurement:
        """The measurement at one value of :math:`\\alpha_z` (default: the first seed)."""
        j = np.flatnonzero(np.isclose(self.alpha_z, alpha_z))
        if j.size == 0:
            raise ValueError(f"alpha_z={alpha_z} is not in the sweep {self.alpha_z.tolist()}")
        i = 0 if seed is None else self.seeds.index(seed) if seed in self.seeds else None
        if i is None:
            raise ValueError(f"seed={seed} is not in the sweep {list(self.seeds)}")
        return self.measurements[i][int(j[0])]

    def network_for(self, alpha_z: float, seed: int | None = None) -> GatedNetwork:
        """The network of one run (rebuilt from its seed: same couplings)."""
        m = self.measurement(alpha_z, seed)
        return GatedNetwork(**{**self.network, "alpha_z": m.alpha_z, "seed": m.seed})

    def spectrum(self, alpha_z: float, seed: int | None = None, resolution: int = 161) -> Spectrum:
        r"""Eigenvalues of one run and the :math:`\mathcal S=1` contour from the same states (:func:`gatebook.support_boundary`)."""
        m = self.measurement(alpha_z, seed)
        net = self.network_for(alpha_z, seed)
        boundary = support_boundary(net, m.eigen_states, resolution=resolution)
        inside = float(np.mean(inside_support(net, m.eigen_states, m.eigenvalues.ravel())))
        return Spectrum(m.eigenvalues, boundary, net.origin_disk(), m.near_zero_fraction, m.closed_fraction, inside)

    def local_timescales(self, alpha_z_values=None, seed: int | None = None) -> dict:
        r"""``{alpha_z: tau_h / sigma_z(z_i(t))}`` at the sampled states of each run (:func:`gatebook.local_timescales`)."""
        values = self.alpha_z if alpha_z_values is None else alpha_z_values
        return {float(a): local_timescales(self.network_for(a, seed), self.measurement(a, seed).states) for a in values}

    def ratio(self, quantity: str) -> float:
        """Seed-mean of a quantity at the first value of :math:`\\alpha_z` divided by that at the last."""
        mean = np.nanmean(self.data(quantity), axis=0)
        return float(mean[0] / mean[-1])


def slowing_sweep(
    alpha_z_values,
    seeds=(0, 1),
    *,
    N: int = 150,
    g_h: float = 4.0,
    progress: bool = False,
    network: dict | None = None,
    **options,
) -> SlowingSweep:
    r"""Measure how a gated network slows down as :math:`\alpha_z` grows, over several seeds.

    For each seed and each :math:`\alpha_z`, builds ``GatedNetwork(N, g_h, alpha_z=...,
    seed=seed, **network)`` (the seed fixes the couplings, so one seed is the same network at
    every :math:`\alpha_z`) and calls :func:`measure_slowing` with ``options``.

    Parameters
    ----------
    alpha_z_values : sequence of float
        Gains of the timescale gate (``>= 0``).
    seeds : sequence of int
    N, g_h : int, float
        Network size and coupling gain (chaotic at :math:`\alpha_z=0`; chapter 7 uses
        :math:`g_h=4` because networks of :math:`N\approx150` units with :math:`g_h=3` often
        settle onto a fixed point or a cycle).
    progress : bool
        Show a progress bar.
    network : dict, optional
        Further :class:`GatedNetwork` parameters (``beta_z``, ``alpha_r``, ...).
    **options
        Passed to :func:`measure_slowing` (``t_transient``, ``t_measure``, ``dt``, ...).

    Returns
    -------
    SlowingSweep

    Examples
    --------
    >>> from gatebook.slow_modes import slowing_sweep
    >>> s = slowing_sweep([0.0, 20.0], seeds=(0,), N=40, t_transient=20, t_measure=20)
    >>> bool(s.ratio("rms_speed") > 3)
    True
    """
    values = check_float_sequence(alpha_z_values, "alpha_z_values", nonnegative=True)
    seeds = check_int_sequence(seeds, "seeds")
    N = check_positive_int(N, "N")
    progress = check_bool(progress, "progress")
    if network is not None and not isinstance(network, Mapping):
        raise TypeError(f"network must be None or a dict of GatedNetwork parameters, got {type(network).__name__}")
    params = {"N": N, "g_h": g_h, **(network or {})}
    if "alpha_z" in params or "seed" in params:
        raise ValueError("network must not set alpha_z or seed (they are swept)")
    # the network parameters, checked (with the errors naming them) before the first run
    check_memory(3 * check_positive_int(params["N"], "N") ** 2, "N", what="the three N x N coupling matrices")
    GatedNetwork(**{**params, "N": 1}, seed=0)
    rows = [[None] * values.size for _ in seeds]
    pairs = [(i, j) for i in range(len(seeds)) for j in range(values.size)]
    for i, j in progress_bar(pairs, desc="alpha_z sweep", enabled=progress):
        net = GatedNetwork(**params, alpha_z=float(values[j]), seed=seeds[i])
        rows[i][j] = measure_slowing(net, seed=seeds[i], **options)
    return SlowingSweep(alpha_z=values, seeds=seeds, measurements=rows, network=params)


# -- fixed points ---------------------------------------------------------------------------------
@dataclass
class FixedPointInvariance:
    r"""One fixed point found at :math:`\alpha_z=0`, checked at other :math:`\alpha_z,\beta_z` (:func:`fixed_point_invariance`).

    Attributes
    ----------
    fixed_point : FixedPoint
        Newton's root at :math:`\alpha_z=0`, :math:`\beta_z=0`.
    alpha_z, beta_z : ndarray
        The grids where the same state is tested (:math:`\alpha_z` includes 0 first).
    residuals : ndarray, shape (n_alpha, n_beta)
        :math:`\lVert F(x^*)\rVert_2` of the network with those gate parameters.
    eigenvalues : ndarray, shape (n_alpha, 3N), complex
        Jacobian eigenvalues at :math:`x^*` for each :math:`\alpha_z` (at :math:`\beta_z=0`),
        sorted by real part, largest first.
    n_marginal, n_closed, n_unstable : ndarray of int, shape (n_alpha,)
        Eigenvalues with :math:`\lvert\lambda\rvert<` ``marginal_tol``; units with
        :math:`\sigma_z(z_i)/\tau_h<` ``marginal_tol``; eigenvalues with
        :math:`\mathrm{Re}\,\lambda>` ``marginal_tol``.
    marginal_tol : float
    """

    fixed_point: FixedPoint
    alpha_z: np.ndarray
    beta_z: np.ndarray
    residuals: np.ndarray
    eigenvalues: np.ndarray
    n_marginal: np.ndarray
    n_closed: np.ndarray
    n_unstable: np.ndarray
    marginal_tol: float

    @property
    def max_residual(self) -> float:
        r"""Largest :math:`\lVert F(x^*)\rVert_2` over the grid."""
        return float(self.residuals.max())


def fixed_point_invariance(
    net: GatedNetwork,
    *,
    alpha_z_values=(5.0, 20.0),
    beta_z_values=(-1.0, 0.0, 1.0),
    n_starts: int = 4,
    seed: int = 0,
    marginal_tol: float = 1e-3,
) -> FixedPointInvariance:
    r"""The timescale gate does not move fixed points; it only changes their eigenvalues.

    Wherever :math:`\sigma_z>0`,

    .. math::

        F_h=\tau_h^{-1}\,\sigma_z(z)\odot u(h,r)=0\iff u=0,\qquad
        z=g_zJ^z\phi(h),\quad r=g_rJ^r\phi(h),

    and none of these involves :math:`\alpha_z` or :math:`\beta_z`. At a fixed point the gate
    only rescales row :math:`i` of the :math:`h`-block by :math:`\sigma_{z,i}` (the
    :math:`hz`-block :math:`\mathrm D(\sigma_z'u)` vanishes with :math:`u`), so each unit with a
    nearly closed gate brings an eigenvalue :math:`\approx-\sigma_{z,i}/\tau_h` close to zero: a
    marginal direction, and many of them make a manifold of (nearly) fixed points.

    Newton (:func:`gatebook.find_fixed_point`) from ``n_starts`` random starts of the network
    with :math:`\alpha_z=\beta_z=0` (same couplings as ``net``), keeping the converged root with
    the largest :math:`\lVert h\rVert`; then the residual of the same state for every
    :math:`(\alpha_z,\beta_z)` and its eigenvalues for every :math:`\alpha_z`. Chapter 7.

    Parameters
    ----------
    net : GatedNetwork
        Without inputs; its ``alpha_z`` and ``beta_z`` are replaced.
    alpha_z_values, beta_z_values : sequence of float
        Where the fixed point is tested (:math:`\alpha_z=0` is added first).
    n_starts, seed : int
        Random starts of :func:`gatebook.find_fixed_points`.
    marginal_tol : float
        Threshold for marginal eigenvalues and for closed units (:math:`\sigma_z/\tau_h`).

    Returns
    -------
    FixedPointInvariance

    Examples
    --------
    >>> import gatebook as gb
    >>> from gatebook.slow_modes import fixed_point_invariance
    >>> res = fixed_point_invariance(gb.GatedNetwork(40, 3.0, seed=1), alpha_z_values=[20.0], beta_z_values=[0.0, 2.0])
    >>> bool(res.max_residual < 1e-8), bool(res.n_marginal[-1] > res.n_marginal[0])
    (True, True)
    """
    if not isinstance(net, GatedNetwork):
        raise TypeError(f"net must be a GatedNetwork, got {type(net).__name__}")
    if net.has_inputs:
        raise ValueError("net must have no inputs")
    alphas = np.concatenate([[0.0], check_float_sequence(alpha_z_values, "alpha_z_values", min_length=0,
                                                         nonnegative=True)])
    betas = check_float_sequence(beta_z_values, "beta_z_values")
    marginal_tol = check_positive_float(marginal_tol, "marginal_tol")
    n_starts = check_positive_int(n_starts, "n_starts")

    def variant(alpha_z, beta_z):
        new = copy.copy(net)
        new.alpha_z, new.beta_z = float(alpha_z), float(beta_z)
        return new

    roots = find_fixed_points(variant(0.0, 0.0), n_starts, seed=seed,
                              marginal_tol=marginal_tol)
    if not roots:
        raise RuntimeError(f"no fixed point found from {n_starts} starts; raise n_starts")
    fp = max(roots, key=lambda p: float(np.linalg.norm(p.state[: net.N])))
    x = fp.state
    residuals = np.array([[np.linalg.norm(variant(a, b).vector_field(x)) for b in betas] for a in alphas])
    eig, n_marginal, n_closed, n_unstable = [], [], [], []
    for a in alphas:
        model = variant(a, 0.0)
        lam = np.linalg.eigvals(model.jacobian(x))
        lam = lam[np.argsort(-lam.real, kind="stable")]
        eig.append(lam)
        n_marginal.append(np.count_nonzero(np.abs(lam) < marginal_tol))
        n_unstable.append(np.count_nonzero(lam.real > marginal_tol))
        n_closed.append(np.count_nonzero(model.unit_quantities(x).sigma_z / model.tau_h < marginal_tol))
    return FixedPointInvariance(
        fixed_point=fp, alpha_z=alphas, beta_z=betas, residuals=residuals, eigenvalues=np.array(eig),
        n_marginal=np.array(n_marginal), n_closed=np.array(n_closed), n_unstable=np.array(n_unstable),
        marginal_tol=marginal_tol,
    )
