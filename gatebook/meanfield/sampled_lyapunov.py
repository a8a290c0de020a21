r"""The maximal Lyapunov exponent of the gated network with a dynamic timescale gate, by sampling (chapter 9).

At :math:`\alpha_z=0` the separation of two nearby replicas is Gaussian and
:func:`~gatebook.meanfield.gated_lyapunov.gated_lambda_max` solves a closed two-field problem
for it. With :math:`\alpha_z\neq0` the timescale gate multiplies the separation by the
fluctuating :math:`\sigma_z(z)` and adds a term in the separation of :math:`z`, so the
separation is no longer independent of :math:`h` and the correlation it feeds back cannot be
factorised. The two-replica argument itself still holds: the difference of the two replicas'
local fields is a Gaussian field, independent of their mean, whose covariance is set
self-consistently by the population. Write :math:`(\delta h,\delta z,\delta r)=e^{\kappa t}(y,
\zeta_z,\zeta_r)`. Then

.. math::

    \tau_h\dot y&=-\tau_h\kappa\,y+\sigma_z(z)\,\big[-y+\xi_h\big]
        +\sigma_z'(z)\,\zeta_z\,\big[-h+\eta_h+I\big],\\
    \big[(1+\tau_z\kappa)^2-\tau_z^2\partial_s^2\big]\langle\zeta_z\zeta_z\rangle&=g_z^2w,\qquad
    \big[(1+\tau_r\kappa)^2-\tau_r^2\partial_s^2\big]\langle\zeta_r\zeta_r\rangle=g_r^2w,\\
    \langle\xi_h\xi_h\rangle&=g_h^2\big[C_{\sigma_r}\,w+C_{\sigma_r'}\,C_\phi\,
        \langle\zeta_r\zeta_r\rangle\big],\qquad
    w(s)=\big\langle\phi'(h(t))\,y(t)\,\phi'(h(t+s))\,y(t+s)\big\rangle,

where :math:`h,z,\eta_h` are paths of the solved single-site process
(:func:`~gatebook.meanfield.sampling.single_site_paths`) and :math:`r` drops out because the
local output gate never acts on the local unit (presynaptic convention). For each
:math:`\kappa` the map :math:`w\mapsto w'` is homogeneous of degree one; its growth factor
:math:`\rho(\kappa)` (power iteration, :func:`sampled_growth_factor`) decreases with
:math:`\kappa`, and :math:`\lambda_{\max}` is the :math:`\kappa` at which it equals one
(:func:`sampled_lambda_max`). At :math:`\alpha_z=0` the sampled :math:`y` is independent of
:math:`h`, :math:`w=C_{\phi'}\langle yy\rangle`, and the map is the two-field operator of
:mod:`~gatebook.meanfield.gated_lyapunov` (a test checks the two against each other).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as _fft
from scipy.special import expit

from .._validation import as_generator, check_finite_float, check_int, check_positive_int
from ._result import DMFTConvergenceError
from .paths import (
    circulant_spectrum_unchecked as circulant_spectrum,
    clip_spectrum_unchecked as clip_spectrum,
    draw_paths_unchecked as draw_paths,
    exponential_step_coefficients_unchecked as exponential_step_coefficients,
    integrate_linear_unchecked as integrate_linear,
    lagged_products_unchecked as lagged_products,
)
from .lags import end_taper
from .quadrature import correlation_profile_unchecked as correlation_profile, gate_slope_unchecked, gate_unchecked
from .sampling import check_sampling_result, sampling_grid, single_site_paths

__all__ = ["sampled_growth_factor", "sampled_lambda_max", "SampledExponent", "MAX_ITERATIONS", "MAX_REPLICAS",
           "MAX_MAP_WORK"]


@dataclass(frozen=True)
class SampledExponent:
    """The sampled two-replica exponent: the mean over independent replicas and its standard error.

    Attributes
    ----------
    value : float
        Mean of ``samples``.
    stderr : float
        Standard error of the mean (``nan`` for one replica).
    samples : tuple of float
        One exponent per independent set of paths.
    paths : int
        Single-site paths per replica.
    """

    value: float
    stderr: float
    samples: tuple
    paths: int

    def __float__(self) -> float:
        return self.value

    def __repr__(self) -> str:
        return f"SampledExponent({self.value:.4g} +- {self.stderr:.2g}, {len(self.samples)} replicas of {self.paths} paths)"


class _TwoReplicaMap:
    """The map w -> w' at growth rate kappa around one fixed set of single-site paths."""

    def __init__(self, result, paths, rng):
        p = result.params
        self.p = p
        self.grid = sampling_grid(result)
        dt, n_lags, n_trans, n_meas, margin = self.grid
        self.length = n_trans + n_meas
        site = single_site_paths(result, paths, seed=rng)
        h = site.h
        self.n_trans = n_trans
        self.slope_h = (1.0 - np.tanh(h[:, n_trans:]) ** 2)
        if site.z is None:
            self.gate = np.full_like(h, expit(-p["beta_z"]))
            self.kick = None
        else:
            self.gate = gate_unchecked(site.z, p["alpha_z"], p["beta_z"])
            self.kick = gate_slope_unchecked(site.z, p["alpha_z"], p["beta_z"]) * (site.drive - h)
        lags = dt * np.arange(n_lags + 1)
        c_phi = np.interp(lags, np.asarray(result.lags, dtype=float), np.asarray(p["correlation_phi"], dtype=float))
        self.c_sigma_r = site.c_sigma_r
        if p["alpha_r"] != 0.0:
            c_dsig = correlation_profile(lambda x: gate_slope_unchecked(x, p["alpha_r"], p["beta_r"]),
                                         site.delta_r, p["alpha_r"])
        else:
            c_dsig = np.zeros(n_lags + 1)
        self.cross = c_dsig * c_phi
        self.noise_seed = int(rng.integers(2**63))
        taper = end_taper(n_lags + 1)
        self.taper = taper
        dh = np.interp(lags, np.asarray(result.lags, dtype=float), np.asarray(result.autocorrelation, dtype=float))
        start = (dh - dh[-1]) * taper
        self.w0 = start / start[0]

    def _filtered(self, lam_w, m, gain, tau, kappa):
        omega = 2 * np.pi * _fft.rfftfreq(m, d=self.grid[0])
        return gain**2 * lam_w / ((1.0 + tau * kappa) ** 2 + (tau * omega) ** 2)

    def __call__(self, w, kappa):
        p = self.p
        dt, n_lags, n_trans, n_meas, margin = self.grid
        rng = np.random.default_rng(self.noise_seed)  # the same noise at every kappa: rho(kappa) is smooth
        w = w * self.taper
        lam_w, m, _ = circulant_spectrum(w, self.length, margin)
        zeta_r = _fft.irfft(self._filtered(lam_w, m, p["g_r"], p["tau_r"], kappa), n=m)[: n_lags + 1]
        k_h = p["g_h"] ** 2 * (self.c_sigma_r * w + self.cross * zeta_r) * self.taper
        lam_h, m_h, _ = circulant_spectrum(k_h, self.length)
        lam_h, _, _ = clip_spectrum(lam_h, m_h, 0.0)
        paths = self.gate.shape[0]
        xi = draw_paths(lam_h, m_h, 0.0, self.length, paths, rng)
        forcing = self.gate * xi
        if self.kick is not None:
            lam_z, _, _ = clip_spectrum(self._filtered(lam_w, m, p["g_z"], p["tau_z"], kappa), m, 0.0)
            forcing += self.kick * draw_paths(lam_z, m, 0.0, self.length, paths, rng)
        rate = kappa + self.gate / p["tau_h"]
        # y' = -rate * (y - forcing / (tau_h * rate)); rate > 0 wherever kappa > 0
        safe = np.where(np.abs(rate) > 1e-300, rate, 1e-300)
        e, b = exponential_step_coefficients(rate, forcing / (p["tau_h"] * safe), dt)
        y = integrate_linear(e, b, np.zeros(paths))[:, n_trans:]
        return lagged_products(self.slope_h * y, n_lags).mean(axis=0)

    def growth(self, kappa, w, iterations):
        """Power iteration at ``kappa`` from ``w``: (growth factor, converged shape)."""
        ratios = []
        for _ in range(iterations):
            new = self(w, kappa)
            ratios.append(new[0] / w[0])
            w = new / new[0]
        return float(np.exp(np.mean(np.log(ratios[-2:])))), w


def _check_kappa(kappa, p):
    kappa = check_finite_float(kappa, "kappa")
    tau_max = max(p["tau_z"], p["tau_r"])
    if not kappa * tau_max > -1.0:
        raise ValueError(f"kappa must exceed -1 / max(tau_z, tau_r) = {-1.0 / tau_max:.6g} (the gates' "
                         f"Green's functions do not decay below it), got {kappa:g}")
    if kappa < 0.0:
        raise ValueError(f"kappa must be non-negative (the separation of closed units is not damped below 0), "
                         f"got {kappa:g}")
    return kappa


def sampled_growth_factor(result, kappa, *, paths=1000, iterations=8, seed=None) -> float:
    r"""Growth factor :math:`\rho(\kappa)` of the sampled two-replica map (chapter 9).

    One application of the map of this module's equations, at growth rate :math:`\kappa`,
    multiplies the stationary profile :math:`w` by :math:`\rho(\kappa)` once :math:`w` has
    the map's leading shape (power iteration from the decaying part of :math:`\Delta_h`).

    Parameters
    ----------
    result : DMFTResult
        A non-quiescent result of :func:`~gatebook.meanfield.sampling.sampled_dmft`.
    kappa : float
        Growth rate, non-negative.
    paths : int, optional
        Single-site paths.
    iterations : int, optional
        Power iterations (at least 2).
    seed : int, numpy.random.Generator or None, optional
        Random seed or generator.

    Raises
    ------
    TypeError
        If ``result`` is not a result of ``sampled_dmft``.
    ValueError
        If ``result`` is quiescent, ``kappa`` is negative or not finite, or ``paths`` or
        ``iterations`` is not a positive integer (``iterations`` at least 2).
    """
    result = check_sampling_result(result)
    kappa = _check_kappa(kappa, result.params)
    paths = check_positive_int(paths, "paths")
    iterations = _check_iterations(iterations)
    _check_work(result, paths, iterations)
    operator = _TwoReplicaMap(result, paths, as_generator(seed))
    return operator.growth(kappa, operator.w0, iterations)[0]


#: most power iterations per growth factor, and most replicas (each replica is a full root search)
MAX_ITERATIONS = 100
MAX_REPLICAS = 100
#: most single-site steps of one growth factor (paths x samples x iterations), about a minute on one core
MAX_MAP_WORK = 2.5e8


def _check_iterations(iterations):
    iterations = check_int(iterations, "iterations", minimum=2, maximum=MAX_ITERATIONS)
    return iterations


def _check_work(result, paths, iterations):
    """Refuse a growth factor of more than MAX_MAP_WORK single-site steps, naming ``paths``."""
    dt, n_lags, n_trans, n_meas, margin = sampling_grid(result)
    work = float(paths) * (n_trans + n_meas) * iterations
    if work > MAX_MAP_WORK:
        raise ValueError(f"paths is too large: {paths} paths x {n_trans + n_meas} samples x {iterations} iterations "
                         f"= {work:.3g} single-site steps per growth factor (at most {MAX_MAP_WORK:.3g})")


def _one_replica(operator, iterations, xtol):
    """lambda_max of one set of paths: a bracketed root of ln rho(kappa) = 0 (Illinois regula falsi).

    Every value of ln rho is computed once and kept with its end of the bracket, so the slight
    dependence of a growth factor on the warm-started shape cannot put both ends on one side.
    """
    shape = {"w": operator.w0, "n": iterations}

    def log_rho(kappa):
        rho, shape["w"] = operator.growth(kappa, shape["w"], shape["n"])
        shape["n"] = max(2, iterations // 2)  # later kappas start from the converged shape
        return float(np.log(rho))

    f_lo = log_rho(0.0)
    if f_lo <= 0.0:
        return 0.0
    scale = float(np.mean(operator.gate)) / operator.p["tau_h"]
    lo, hi = 0.0, 0.25 * scale
    f_hi = log_rho(hi)
    while f_hi > 0.0:
        lo, f_lo = hi, f_hi
        hi *= 2.0
        if hi > 1e3 * scale:
            raise DMFTConvergenceError("sampled lambda_max: rho(kappa) > 1 far beyond the clock rate",
                                       last={"kappa": hi})
        f_hi = log_rho(hi)
    side = 0
    for _ in range(100):
        width = hi - lo
        if width <= xtol * scale:
            break
        k = hi - f_hi * width / (f_hi - f_lo)
        k = min(max(k, lo + 0.05 * width), hi - 0.05 * width)  # keep shrinking the bracket
        f_k = log_rho(k)
        if f_k > 0.0:
            lo, f_lo = k, f_k
            f_hi = 0.5 * f_hi if side == 1 else f_hi  # Illinois: halve the stale end
            side = 1
        else:
            hi, f_hi = k, f_k
            f_lo = 0.5 * f_lo if side == -1 else f_lo
            side = -1
    return float(lo + (hi - lo) * f_lo / (f_lo - f_hi)) if f_lo != f_hi else 0.5 * (lo + hi)


def sampled_lambda_max(result, *, paths=1000, replicas=4, iterations=6, xtol=1e-3, seed=None) -> SampledExponent:
    r"""Maximal Lyapunov exponent of the gated network at any :math:`\alpha_z`, by sampling (chapter 9).

    :math:`\lambda_{\max}` is the growth rate :math:`\kappa` at which the sampled two-replica map
    (module docstring) neither grows nor shrinks, :math:`\rho(\kappa)=1`:

    .. math::

        \lambda_{\max}=\sup\{\kappa\ge0:\rho(\kappa)\ge1\}.

    Each replica draws its own single-site paths and its own separation noise, held fixed
    across :math:`\kappa` so that :math:`\rho(\kappa)` is smooth; the
    spread over replicas gives the Monte Carlo error. The root is bracketed and found by regula
    falsi (each growth factor computed once). A replica whose :math:`\rho(0)\le1`
    contributes 0 (no growth within its noise). At :math:`\alpha_z=0` this agrees with
    :func:`~gatebook.meanfield.gated_lyapunov.gated_lambda_max`.

    Parameters
    ----------
    result : DMFTResult
        A non-quiescent result of :func:`~gatebook.meanfield.sampling.sampled_dmft`.
    paths : int, optional
        Single-site paths per replica.
    replicas : int, optional
        Independent replicas.
    iterations : int, optional
        Power iterations per growth factor (at least 2; shapes are warm-started across
        :math:`\kappa`).
    xtol : float, optional
        Tolerance of the root in units of the clock rate :math:`\langle\sigma_z\rangle/\tau_h`,
        in :math:`(0, 1)`.
    seed : int, numpy.random.Generator or None, optional
        Random seed or generator.

    Returns
    -------
    SampledExponent
        Mean over replicas, its standard error and the replicas' values.

    Raises
    ------
    TypeError
        If ``result`` is not a result of ``sampled_dmft``.
    ValueError
        If ``result`` is quiescent, or an argument is out of range.
    """
    result = check_sampling_result(result)
    paths = check_positive_int(paths, "paths")
    replicas = check_int(replicas, "replicas", minimum=1, maximum=MAX_REPLICAS)
    iterations = _check_iterations(iterations)
    _check_work(result, paths, iterations)
    xtol = check_finite_float(xtol, "xtol")
    if not 0.0 < xtol < 1.0:
        raise ValueError(f"xtol must lie in (0, 1), got {xtol:g}")
    rng = as_generator(seed)
    values = [_one_replica(_TwoReplicaMap(result, paths, rng), iterations, xtol) for _ in range(replicas)]
    stderr = float(np.std(values, ddof=1) / np.sqrt(replicas)) if replicas > 1 else float("nan")
    return SampledExponent(float(np.mean(values)), stderr, tuple(values), paths)
