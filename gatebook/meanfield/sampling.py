r"""Monte Carlo (sampling) DMFT of the gated network with a dynamic timescale gate (chapter 9).

With :math:`\alpha_z\neq0` the timescale gate multiplies the whole bracket, the noise acting
on :math:`h` becomes multiplicative and the single-site state :math:`h` is no longer Gaussian,
so the closed equations for :math:`\Delta_h(s)` used at :math:`\alpha_z=0`
(:mod:`gatebook.meanfield.gated`) do not hold. The single-site process itself still does:

.. math::

    \tau_h\dot h=\sigma_z(z)\,[-h+\eta_h+I],\qquad \tau_z\dot z=-z+\eta_z,\qquad
    \tau_r\dot r=-r+\eta_r,

with independent zero-mean Gaussian noises of covariances
:math:`g_h^2C_{\sigma_r}(s)C_\phi(s)`, :math:`g_z^2C_\phi(s)` and :math:`g_r^2C_\phi(s)`, and
:func:`sampled_dmft` solves it self-consistently by sampling many independent paths. The
paper's own numerical method for this case is not known to us ([uncertain] in the science
note); the recipe here is the note's: draw the noises with the current spectra, integrate,
re-estimate the correlations, damp, repeat, and report the Monte Carlo error.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import fft as _fft
from scipy.special import expit

from .._validation import (
    as_generator,
    check_bool,
    check_choice,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_memory,
)
from ..progress import progress_bar
from ._result import DMFTConvergenceError, DMFTResult
from ._signature import gate_keywords
from .lags import end_taper
from .gated import gated_dmft
from .quadrature import QuadratureGridError, correlation_profile_unchecked as correlation_profile, gate_unchecked
from .paths import (
    circulant_spectrum_unchecked as circulant_spectrum,
    clip_spectrum_unchecked as clip_spectrum,
    draw_paths_unchecked as draw_paths,
    exponential_step_coefficients_unchecked as exponential_step_coefficients,
    integrate_linear_unchecked as integrate_linear,
    lagged_products_unchecked as lagged_products,
    stationary_gaussian_paths,
)
from .sampling_plan import (
    check_transient_unchecked as check_transient,
    clock_rate_unchecked as clock_rate,
    mean_timescale_gate_unchecked as mean_timescale_gate,
    plan_grid_unchecked as plan_grid,
    refuse_undecayed_unchecked as refuse_undecayed,
    check_sampling_params,
    UNDECAYED,
)

__all__ = ["sampled_dmft", "stationary_gaussian_paths", "single_site_paths", "SingleSitePaths"]

STARTS = ("large", "small")
#: below this C_phi(0) (divided by (alpha_r g_r)^2) the single-site problem is linear to ~0.1 %
_LINEAR_VARIANCE = 1e-3
#: paths per block of the vectorised integration (bounds the memory to a few tens of MB)
_BLOCK = 250
#: float64 elements per path-by-time array of one block: long paths come in smaller blocks (8 MiB
#: per array, about 15 such arrays at once)
_BLOCK_ELEMENTS = 2**20
#: default tolerance: largest drift of the summaries over `average` iterations, in Monte Carlo s.e.
_DEFAULT_TOL = 2.5


# ----------------------------------------------------------------------------- the solver
def _initial_c_phi(start, lags: np.ndarray, p: dict, rate: float) -> np.ndarray:
    """Initial C_phi(s) on ``lags`` for a start label or a previous mean-field result.

    ``rate`` is :func:`clock_rate`: the Gaussian (:math:`\alpha_z=0`) start runs on the clock
    :math:`\tau_h/\bar s_z`, i.e. at the :math:`\beta_z` whose resting gate is :math:`\bar s_z`.
    """
    if isinstance(start, DMFTResult):
        old = np.asarray(start.lags, dtype=float)
        if "correlation_phi" in start.params:  # a sampling result: reuse its C_phi directly
            return np.interp(lags, old, np.asarray(start.params["correlation_phi"], dtype=float))
        dh = np.interp(lags, old, start.autocorrelation)  # Gaussian h (alpha_z = 0 solvers)
        return correlation_profile(np.tanh, dh) if dh[0] > 0 else np.zeros_like(lags)
    start = check_choice(start, "start", STARTS)
    if start == "large":
        # the Gaussian (alpha_z = 0) chaotic branch, where it exists, is the closest cheap guess; at
        # alpha_z = 0 beta_z only sets its clock, which is taken to be the mean rate of the gate
        beta_clock = p["beta_z"] if rate == float(expit(-p["beta_z"])) else float(np.log((1.0 - rate) / rate))
        args = (p["g_h"],)
        gates = dict(alpha_r=p["alpha_r"], beta_r=p["beta_r"], beta_z=beta_clock, g_r=p["g_r"], tau_h=p["tau_h"],
                     tau_r=p["tau_r"], input_std=p["input_std"])
        try:
            guess = gated_dmft(
                *args, **gates, s_max=float(lags[-1]), n=min(max(lags.size, 256), 8192), tol=1e-6, max_iter=500
            )
        except (DMFTConvergenceError, ValueError):
            # no convergence, or a window the Gaussian solver refuses as too short for its
            # correlation time: once more on the solver's own window (s_max=None), else start
            # from the profile below
            try:
                guess = gated_dmft(*args, **gates, s_max=None, tol=1e-6, max_iter=500)
            except (DMFTConvergenceError, ValueError, TypeError):
                guess = None
        if guess is not None and guess.branch != "quiescent":
            return correlation_profile(np.tanh, np.interp(lags, guess.lags, guess.autocorrelation))
    # Delta_h(0) = g_h^2 is an upper bound (C_sigma, C_phi <= 1 and h averages the noise)
    amplitude = max(p["g_h"] ** 2, 1e-3) if start == "large" else 1e-3
    dh = amplitude * np.exp(-lags * rate / p["tau_h"]) + p["input_std"] ** 2
    return correlation_profile(np.tanh, dh)


class _AverageNotBelowMaxIter(DMFTConvergenceError, ValueError):
    """Not converged because ``average >= max_iter``: a convergence failure caused by the arguments."""


def _z_gate_error(err, p):
    """A mean timescale gate beyond the quadrature grid, re-raised naming ``alpha_z`` and ``g_z``."""
    return ValueError(
        f"sampled_dmft: alpha_z={p['alpha_z']:g} with g_z={p['g_z']:g} makes the timescale gate too sharp for the "
        f"spread of z (variance up to g_z^2): use a smaller alpha_z or g_z. {err}"
    )


def _filtered(lam_phi: np.ndarray, m: int, dt: float, gain: float, tau: float) -> np.ndarray:
    r"""Spectrum of :math:`(1-\tau^2\partial_s^2)^{-1}g^2C_\phi` on the circle (a linear gate variable)."""
    omega = 2 * np.pi * _fft.rfftfreq(m, d=dt)
    return gain**2 * lam_phi / (1.0 + (tau * omega) ** 2)


def _probe_lags(dt: float, n_lags: int) -> np.ndarray:
    """Lag indices at 1, 2, 4, ... time units, up to 80 % of the largest lag (the drift test)."""
    times = 2.0 ** np.arange(0, 12)
    k = np.unique(np.round(times / dt).astype(int))
    return k[(k >= 1) & (k <= 0.8 * n_lags)]


def _noise_spectra(c_phi, p, grid):
    r"""Spectra of the single-site noises set by ``c_phi``: a dict with the circulant spectra of
    :math:`\eta_h` and :math:`z` (and their tails), :math:`\Delta_r`, :math:`\Delta_z` and
    :math:`C_{\sigma_r}` on the lags, and the clipped fraction of the :math:`\eta_h` spectrum."""
    dt, n_lags, n_trans, n_meas, margin = grid  # margin: room for the gate filters
    length = n_trans + n_meas
    if p["input_std"] == 0.0:
        # without input the correlations decay to zero (h -> -h symmetry, no frozen part): the
        # estimate is tapered to zero over the last fifth of the lags rather than continued flat
        c_phi = c_phi * end_taper(n_lags + 1)
    lam_phi, m, tail_phi = circulant_spectrum(c_phi, length, margin)
    lam_z = _filtered(lam_phi, m, dt, p["g_z"], p["tau_z"])
    lam_r = _filtered(lam_phi, m, dt, p["g_r"], p["tau_r"])
    # the gates pass the constant tail unchanged (the filters have unit gain at omega = 0)
    dr = _fft.irfft(lam_r, n=m)[: n_lags + 1] + p["g_r"] ** 2 * tail_phi
    dz = _fft.irfft(lam_z, n=m)[: n_lags + 1] + p["g_z"] ** 2 * tail_phi
    if p["alpha_r"] != 0.0:
        c_sig = correlation_profile(lambda x: gate_unchecked(x, p["alpha_r"], p["beta_r"]), dr, p["alpha_r"])
    else:
        c_sig = np.full(n_lags + 1, expit(-p["beta_r"]) ** 2)
    lam_h, m_h, tail_h = circulant_spectrum(p["g_h"] ** 2 * c_sig * c_phi, length)
    lam_h, tail_h, clipped = clip_spectrum(lam_h, m_h, tail_h)
    lam_z, tail_z, _ = clip_spectrum(lam_z, m, p["g_z"] ** 2 * tail_phi)
    return dict(lam_h=lam_h, m_h=m_h, tail_h=tail_h, lam_z=lam_z, m=m, tail_z=tail_z, dr=dr, dz=dz,
                c_sigma_r=c_sig, clipped=clipped)


def _draw_block(spectra, p, length, n, rng):
    r"""``n`` single-site paths of length ``length``: the drive :math:`\eta_h+I`, the gate
    :math:`z` (``None`` at :math:`\alpha_z=0`) and :math:`h`, integrated from :math:`h=\eta_h+I`."""
    sp = spectra
    eta = draw_paths(sp["lam_h"], sp["m_h"], sp["tail_h"], length, n, rng)
    if p["input_std"] > 0.0:
        eta += p["input_std"] * rng.standard_normal((n, 1))
    z = None
    if p["alpha_z"] != 0.0:
        z = draw_paths(sp["lam_z"], sp["m"], sp["tail_z"], length, n, rng)
        rate = gate_unchecked(z, p["alpha_z"], p["beta_z"]) / p["tau_h"]
    else:
        rate = np.full((n, length), expit(-p["beta_z"]) / p["tau_h"])
    e, b = exponential_step_coefficients(rate, eta, p["dt"])
    return eta, z, integrate_linear(e, b, eta[:, 0])


def _one_iteration(c_phi, p, grid, rng, paths):
    """Sample ``paths`` single-site paths with the noise statistics set by ``c_phi``.

    Returns an :class:`_Sample`: sums over paths of the lagged products of h and phi(h) and
    of their squares, per-path summaries (C_phi(0) and Delta_h at the probe lags, for the drift
    test), Delta_r and Delta_z on the lags, the clipped fraction.
    """
    dt, n_lags, n_trans, n_meas, margin = grid
    length = n_trans + n_meas
    sp = _noise_spectra(c_phi, p, grid)
    sums = np.zeros((4, n_lags + 1))  # sum and sum of squares for h and phi(h)
    probes = _probe_lags(dt, n_lags)
    summary = np.empty((paths, 2 + probes.size))  # per path: C_phi(0), Delta_h(0) and Delta_h at the probes
    block = max(1, min(_BLOCK, _BLOCK_ELEMENTS // max(sp["m"], sp["m_h"])))  # long paths come in smaller blocks
    for start in range(0, paths, block):
        n = min(block, paths - start)
        h = _draw_block(sp, dict(p, dt=dt), length, n, rng)[2][:, n_trans:]
        for row, x in ((0, h), (2, np.tanh(h))):
            prod = lagged_products(x, n_lags)
            sums[row] += prod.sum(axis=0)
            sums[row + 1] += (prod**2).sum(axis=0)
            if row == 0:
                summary[start : start + n, 1:] = prod[:, np.concatenate([[0], probes])]
            else:
                summary[start : start + n, 0] = prod[:, 0]
    return _Sample(sums, summary, sp["dr"], sp["dz"], sp["clipped"], paths)


class _Sample:
    """Monte Carlo estimates of one iteration (see :func:`_one_iteration`)."""

    def __init__(self, sums, summary, dr, dz, clipped, paths):
        self.sums, self.dr, self.dz, self.clipped, self.paths = sums, dr, dz, clipped, paths
        self.summary_mean = summary.mean(axis=0)
        self.summary_se = summary.std(axis=0, ddof=1) / np.sqrt(paths)

    def c_phi(self):
        return _mean_and_stderr(self.sums[2], self.sums[3], self.paths)[0]

    def autocorrelation(self):
        return _mean_and_stderr(self.sums[0], self.sums[1], self.paths)[0]


def _mean_and_stderr(total: np.ndarray, total_sq: np.ndarray, count: int):
    mean = total / count
    var = np.maximum(total_sq / count - mean**2, 0.0) * count / max(count - 1, 1)
    return mean, np.sqrt(var / count)


def _drift(history: list, window: int) -> float:
    """Largest change of the summaries over ``window`` iterations, in Monte Carlo standard errors."""
    new, old = history[-1], history[max(len(history) - 1 - window, 0)]
    se = np.sqrt(new.summary_se**2 + old.summary_se**2)
    change = np.abs(new.summary_mean - old.summary_mean)
    return float(np.max(change / np.maximum(se, 1e-300)))


@gate_keywords("alpha_z", "alpha_r", "beta_z", "beta_r", "g_z", "g_r", "tau_h", "tau_z", "tau_r", "input_std")
def sampled_dmft(
    g_h,
    *,
    alpha_z=0.0,
    alpha_r=0.0,
    beta_z=0.0,
    beta_r=0.0,
    g_z=1.0,
    g_r=1.0,
    tau_h=1.0,
    tau_z=1.0,
    tau_r=1.0,
    input_std=0.0,
    paths=2000,
    s_max=None,
    dt=0.1,
    damping=0.5,
    max_iter=60,
    min_iter=None,
    tol=None,
    average=3,
    t_transient=None,
    t_measure=None,
    start="large",
    seed=None,
    progress=False,
) -> DMFTResult:
    r"""Self-consistent single-site process of the gated network by Monte Carlo (chapter 9).

    Solves the dynamical mean-field theory for any :math:`\alpha_z\ge0` by sampling. Given the
    current correlation function :math:`C_\phi(s)=\langle\phi(h(t))\phi(h(t+s))\rangle`
    (means not subtracted) one iteration

    1. computes the statistics of the gates, which are linear and hence Gaussian,

       .. math::

           (1-\tau_z^2\partial_s^2)\Delta_z=g_z^2C_\phi,\qquad
           (1-\tau_r^2\partial_s^2)\Delta_r=g_r^2C_\phi,

       and :math:`C_{\sigma_r}(s)` from :math:`\Delta_r(s)` by the nested Gaussian quadrature of
       :mod:`gatebook.meanfield.gated` (exact, resolved for sharp gates). In the presynaptic
       convention the local :math:`r` never acts on the local :math:`h`, so only this
       correlation is needed;
    2. draws ``paths`` independent stationary Gaussian paths of :math:`\eta_h`
       (covariance :math:`g_h^2C_{\sigma_r}C_\phi`) and :math:`z` (covariance
       :math:`\Delta_z`, i.e. :math:`\tau_z\dot z=-z+\eta_z` integrated exactly in Fourier
       space) by circulant embedding (:func:`stationary_gaussian_paths`), plus one static input
       :math:`I\sim\mathcal N(0,\sigma_I^2)` per path;
    3. integrates

       .. math::

           \tau_h\dot h=\sigma_z(z)\,\big[-h+\eta_h+I\big]

       on the fixed step ``dt`` with the exponential integrator (exact for a piecewise-linear
       drive and a piecewise-constant gate, second order, stable for any step), starting from
       :math:`h=\eta_h+I`, and drops ``t_transient``;
    4. re-estimates :math:`C_\phi(s)` and :math:`\Delta_h(s)` as time- and path-averages of
       lagged products (FFT, divided by the number of pairs at each lag, so unbiased; means
       not subtracted), and damps, :math:`C_\phi\leftarrow(1-\eta)C_\phi+\eta C_\phi^{\rm new}`.

    Without input the correlations decay to zero (the single-site process is symmetric under
    :math:`h\to-h,\ \eta_h\to-\eta_h` with :math:`z` unchanged, and has no frozen part), so
    the estimate of :math:`C_\phi` is tapered to zero over the last fifth of the lags; with a
    static input its value at ``s_max`` is kept as a constant tail (a static offset per path).
    Choose ``s_max`` a few relaxation times long; a solution without input whose
    :math:`\Delta_h(s_{\max})` is still above 30 % of :math:`\Delta_h(0)` (beyond three Monte
    Carlo errors) is refused with a ``ValueError`` rather than returned truncated.

    **Clock.** The relaxation time of :math:`h` is :math:`\tau_h/\langle\sigma_z\rangle`. The
    default transient and lag window use the fastest plausible clock
    :math:`\bar s_z=\max(s_z,\langle\sigma_z\rangle)`, the mean gate taken at the largest
    possible :math:`z` variance :math:`g_z^2Q(g_h^2+\sigma_I^2)`: :math:`\bar s_z=s_z` at
    :math:`\alpha_z=0` and for :math:`\beta_z\le0` (so the defaults there are unchanged), while
    for a gate that is closed at rest (:math:`\beta_z>0`) fluctuations of :math:`z` open it far
    more often than :math:`s_z=1/(1+e^{\beta_z})` suggests (:math:`\beta_z=50`,
    :math:`\alpha_z=100`: :math:`\bar s_z=0.28` against :math:`s_z=2\times10^{-22}`). The
    Gaussian large start runs on the clock :math:`\tau_h/\bar s_z`. Each iterate's own
    :math:`\langle\sigma_z\rangle` (at its :math:`\Delta_z(0)`) is checked against the default
    transient, which must cover 3 of its relaxation times.

    **Frozen states.** A sharp timescale gate (large :math:`\alpha_z`) can freeze the network:
    units whose gate is shut keep their :math:`h`, and finite networks settle on a fixed point
    (measured at :math:`g_h=3`, :math:`\alpha_z=100`, :math:`\beta_z=50`, :math:`N=1000`: 72-77 %
    of the gates never open after :math:`t=300\tau_h`, :math:`\langle h^2\rangle` constant in
    time). The sampled :math:`\Delta_h(s)` then does not decay inside the window, and the
    solver raises the ``ValueError`` above, naming ``alpha_z`` and ``beta_z``.

    **Limits.** A single-site path has at most :math:`2\times10^6` samples (transient plus
    measured, and the circulant embedding), and an iteration at most
    :math:`2.5\times10^8` single-site steps (``paths`` times samples, about a minute on one
    core); larger requests raise a ``ValueError`` naming the argument behind them (``beta_z``
    for a nearly closed timescale gate, e.g. :math:`\beta_z=50` at :math:`\alpha_z\le1`, where
    :math:`\tau_h/\bar s_z\sim10^{21}`; ``s_max``, ``t_transient``, ``t_measure``, ``tau_z`` or
    ``tau_r`` otherwise). Long paths are integrated in smaller blocks of paths (at most
    :math:`2^{20}` samples per array).

    **Convergence.** The residual of an iteration is the largest change, over the last
    ``average`` iterations, of a few summaries (:math:`C_\phi(0)`, and :math:`\Delta_h(s)` at
    :math:`s=0,1,2,4,8,\dots` up to :math:`0.8\,s_{\max}`), each in units of the Monte
    Carlo standard error of that change (estimated from the spread over paths). Once it stays
    below ``tol`` in two successive iterations the iterate no longer drifts beyond its noise,
    and the raw estimates of the last ``average`` iterates are averaged. The probes at long
    lags catch the slowest direction of the iteration, a drift of the correlation time, which
    converges slowly when :math:`\alpha_z>0` stretches it (10-20 iterations from the
    :math:`\alpha_z=0` start at :math:`\alpha_z=5`; ``damping=1`` roughly halves that and
    was stable in every case we tried).

    **Monte Carlo error.** ``variance_stderr`` and ``autocorrelation_stderr`` are standard errors
    over all the averaged independent paths (each path is an independent block); they shrink as
    :math:`1/\sqrt{\mathrm{paths}\times\mathrm{average}}` and, per path, roughly as
    :math:`\sqrt{\tau_c/t_{\rm measure}}` with :math:`\tau_c` the correlation time. The
    self-consistency adds to them: the noise of one iteration moves the next one's input, and
    along the slow direction (the correlation time) it is amplified, so results from different
    seeds scatter by 1-1.5 times these errors at :math:`\alpha_z=0` and up to 3 times at
    :math:`\alpha_z=5` (measured at :math:`g_h=3`, :math:`\alpha_r=5`). Where precision
    matters, average a few seeds and quote their spread. At :math:`\alpha_z=0` the result
    reproduces :func:`gatebook.meanfield.gated_dmft` within this error (1-2 % with 1000
    paths), also with a static input (constant tail) and on the fixed branch. Systematic
    errors: :math:`O(\delta t^2)` from the integrator (below 0.3 % at ``dt=0.1``), and the
    truncation at ``s_max``.

    **Branches.** The zero solution :math:`\Delta\equiv0` always solves the equations without
    input. Once :math:`C_\phi(0)` is in the linear range (below :math:`10^{-3}`, divided by
    :math:`(\alpha_rg_r)^2` for a sharp output gate) the fate of the iteration is set by the
    linearised map, which contracts exactly when :math:`g_hs_r<1` (:math:`\sigma_z\to s_z`
    there, whatever :math:`\alpha_z`): the result is then the quiescent branch. The same holds
    when :math:`C_\phi(0)<10^{-3}` has shrunk in three successive iterations (a small start
    in the bistable range of a sharp gate, below the unstable branch). The large
    start is the chaotic solution of :func:`gatebook.meanfield.gated_dmft` at :math:`\alpha_z=0`
    (same other parameters, on the clock :math:`\tau_h/\bar s_z`) where it exists, else a profile
    of variance :math:`g_h^2` decaying over :math:`\tau_h/\bar s_z`.

    **Cost.** Per iteration, ``paths * (t_transient + t_measure) / dt`` single-site steps (a
    linear recursion, vectorised over paths) and about six FFTs of that length per path: with
    the defaults (2000 paths, 1450 steps) 0.65-0.75 s per iteration on one core of a busy
    machine. Measured per solve: :math:`\alpha_z=0` from the Gaussian start, 4 iterations,
    2.6 s; :math:`\alpha_z=5` (:math:`g_h=3`), 14-21 iterations, 10-15 s. ``damping=1``
    roughly halves the iterations; ``paths=1000`` halves the cost per iteration for a
    :math:`\sqrt2` larger error.

    Parameters
    ----------
    g_h, alpha_z, alpha_r, beta_z, beta_r, g_z, g_r, tau_h, tau_z, tau_r : float
        Network parameters as in :class:`gatebook.GatedNetwork` (gains ``>= 0``, times ``> 0``).
    input_std : float, optional
        Standard deviation :math:`\sigma_I` of a static random input inside the bracket.
    paths : int, optional
        Independent single-site paths per iteration (``>= 2``).
    s_max : float, optional
        Largest lag (units of :math:`\tau_h`); the lag grid has spacing ``dt``. Default
        ``None``: :math:`\max(60,\,30\tau_h/\bar s_z,\,30\tau_z,\,30\tau_r)`, i.e. 60 unless the
        clock or a gate is slow (see **Clock**).
    dt : float, optional
        Integration and sampling step.
    damping : float, optional
        :math:`\eta\in(0,1]`.
    max_iter : int, optional
        Iterations before giving up.
    min_iter : int, optional
        Iterations before convergence may be declared. Default 1 at :math:`\alpha_z=0`, and
        ``round(6 / damping)`` otherwise: the :math:`\alpha_z=0` start has too short a
        correlation time, and with few paths the drift test alone could stop before the slow
        direction has moved (it contracts by about 0.7 per undamped iteration).
    tol : float, optional
        Convergence threshold on the residual, in Monte Carlo standard errors; default 2.5.
    average : int, optional
        Number of final iterates averaged (and the window of the drift test); ``>= 1``.
    t_transient : float, optional
        Discarded initial time of each path; default :math:`10\,\tau_h/\bar s_z+5\tau_z`, which is
        :math:`10\,\tau_h(1+e^{\beta_z})+5\tau_z` at :math:`\alpha_z=0` or :math:`\beta_z\le0`.
    t_measure : float, optional
        Measured time of each path, ``> s_max``; default ``2 * s_max``.
    start : {"large", "small"} or DMFTResult, optional
        Initial condition: ``"large"`` (:math:`\Delta_h(0)=g_h^2`) reaches the chaotic branch,
        ``"small"`` (:math:`10^{-3}`) the quiescent one where both exist; a previous result
        (of this or a Gaussian solver) continues from its correlations.
    seed : None, int or numpy.random.Generator, optional
        Source of all random numbers; the same seed gives the identical result.
    progress : bool, optional
        Show a progress bar over iterations.

    Returns
    -------
    DMFTResult
        ``method="sampling"``; ``lags`` (units of :math:`\tau_h`, spacing ``dt``),
        ``autocorrelation`` :math:`\Delta_h(s)`, ``variance`` :math:`\Delta_h(0)`, ``branch``
        (``"quiescent"``, ``"fixed"`` if :math:`\Delta_h` does not decay, else
        ``"chaotic"``), ``residuals``; ``params`` holds the inputs and
        ``variance_stderr``, ``autocorrelation_stderr`` (per lag), ``correlation_phi``
        :math:`C_\phi(s)`, ``autocorrelation_r``, ``variance_r``, ``autocorrelation_z``,
        ``variance_z``, ``mean_sigma_z`` :math:`\langle\sigma_z\rangle`,
        ``clipped_fraction`` (largest over the averaged iterates), ``tau_eff``
        (:math:`\tau_h/s_z`, the timescale at :math:`\alpha_z=0`).

    Raises
    ------
    DMFTConvergenceError
        If the residual is still above ``tol`` after ``max_iter`` iterations; its
        ``diagnostics`` hold the residual history and the last variance. When ``average`` is
        not below ``max_iter`` (so that convergence could not be declared) the error is also a
        ``ValueError`` naming both.
    ValueError
        For bad arguments; for a grid beyond the limits above, naming the argument behind it
        (``beta_z`` for a nearly closed timescale gate); if an iterate's timescale gate is too
        closed for the default transient (naming ``beta_z``); if :math:`\Delta_h` has not
        decayed by ``s_max`` (naming ``s_max``, or ``alpha_z`` and ``beta_z`` for a frozen
        state in the default window); if a correlation table needs a quadrature grid beyond
        its cap (naming ``alpha_r`` and ``g_r`` for the output gate, ``g_h`` and ``input_std``
        for the start, ``alpha_z`` and ``g_z`` for the timescale gate); for :math:`|\beta_z|>600`.

    Examples
    --------
    A quick, coarse solve (200 paths, short lags; the defaults are more accurate):

    >>> res = sampled_dmft(3.0, alpha_z=5.0, paths=200, s_max=30.0, damping=1.0, seed=0)
    >>> res.branch, bool(0.6 < res.variance < 1.0)
    ('chaotic', True)
    """
    p = check_sampling_params(g_h, alpha_z, alpha_r, beta_z, beta_r, g_z, g_r, tau_h, tau_z, tau_r, input_std)
    if isinstance(paths, numbers.Integral) and not isinstance(paths, bool) and paths < 2:
        raise ValueError(f"paths must be at least 2 (for a Monte Carlo error), got {paths}")
    paths = check_positive_int(paths, "paths")
    dt = check_positive_float(dt, "dt")
    user_s_max, user_transient, user_measure = s_max is not None, t_transient is not None, t_measure is not None
    s_z = float(expit(-p["beta_z"]))
    rate = clock_rate(p)  # the mean timescale gate sets the clock: tau_h / rate
    relaxation = p["tau_h"] / rate
    if not np.isfinite(relaxation):
        raise ValueError(
            f"sampled_dmft: tau_h={p['tau_h']:g} with beta_z={p['beta_z']:g} gives a relaxation time tau_h / <sigma_z> "
            "beyond the floating-point range"
        )
    if s_max is None:
        s_max = max(60.0, 30.0 * relaxation, 30.0 * max(p["tau_z"], p["tau_r"]))
    s_max = check_positive_float(s_max, "s_max")
    if dt > s_max / 4:
        raise ValueError(f"dt must be at most s_max / 4 (got dt={dt}, s_max={s_max})")
    damping = check_positive_float(damping, "damping")
    if damping > 1:
        raise ValueError(f"damping must lie in (0, 1], got {damping}")
    max_iter = check_positive_int(max_iter, "max_iter")
    if min_iter is None:
        min_iter = min(max_iter, 1 if p["alpha_z"] == 0.0 else int(round(6.0 / damping)))
    min_iter = check_positive_int(min_iter, "min_iter")
    if min_iter > max_iter:
        raise ValueError(f"min_iter ({min_iter}) must not exceed max_iter ({max_iter})")
    tol = _DEFAULT_TOL if tol is None else check_positive_float(tol, "tol")
    average = check_positive_int(average, "average")
    if t_transient is None:
        t_transient = 10.0 * p["tau_h"] / rate + 5.0 * p["tau_z"]
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    t_measure = 2.0 * s_max if t_measure is None else check_positive_float(t_measure, "t_measure")
    if t_measure <= s_max:
        raise ValueError(f"t_measure must exceed s_max (got t_measure={t_measure}, s_max={s_max})")
    if not isinstance(start, DMFTResult):
        check_choice(start, "start", STARTS)
    progress = check_bool(progress, "progress")
    grid = plan_grid(
        p, rate, paths, s_max, dt, t_transient, t_measure, (user_s_max, user_transient, user_measure)
    )
    rng = as_generator(seed)

    n_lags = grid[1]
    lags = dt * np.arange(n_lags + 1)
    try:
        c_phi = _initial_c_phi(start, lags, p, rate)
    except QuadratureGridError as err:  # the tanh table of the start: variance up to g_h^2 + input_std^2
        raise ValueError(
            f"sampled_dmft: g_h={p['g_h']:g} with input_std={p['input_std']:g} gives the start a variance beyond the "
            f"reach of the tanh correlation table (at most g_h^2 + input_std^2): {err}"
        ) from err
    s_r = float(expit(-p["beta_r"]))
    linear_stable = p["g_h"] * s_r < 1.0 and p["input_std"] == 0.0
    # the map is linear while the gate r stays in its linear range too: alpha_r^2 Delta_r small
    linear_floor = _LINEAR_VARIANCE / max(1.0, (p["alpha_r"] * p["g_r"]) ** 2)

    residuals: list[float] = []
    samples: list = []
    levels: list[float] = []  # C_phi(0) of the iterates
    converged = quiescent = False
    bar = progress_bar(total=max_iter, desc="sampling DMFT", enabled=progress)
    try:
        for _ in range(max_iter):
            try:
                sample = _one_iteration(c_phi, p, grid, rng, paths)
            except QuadratureGridError as err:  # the output gate's table: sharpness alpha_r, variance <= g_r^2
                raise ValueError(
                    f"sampled_dmft: alpha_r={p['alpha_r']:g} with g_r={p['g_r']:g} (beta_r={p['beta_r']:g}) gives the "
                    f"output gate a correlation table the quadrature cannot resolve: {err}"
                ) from err
            samples.append(sample)
            res = _drift(samples, average) if len(samples) > 1 else float("inf")
            residuals.append(res)
            c_phi = (1.0 - damping) * c_phi + damping * sample.c_phi()
            bar.update(1)
            levels.append(float(c_phi[0]))
            # quiescent: the zero state is linearly stable (g_h s_r < 1) and the iterate is either
            # in the linear range or small and still shrinking (below the unstable branch of a
            # sharp gate's bistable range, where the linear range itself is tiny)
            shrinking = len(levels) > 3 and all(b < a for a, b in zip(levels[-4:-1], levels[-3:]))
            small = c_phi[0] < linear_floor or (c_phi[0] < _LINEAR_VARIANCE and shrinking)
            if linear_stable and small:
                quiescent = converged = True
                break
            if not user_transient:
                # the default transient assumed the fastest plausible clock (rate); a gate that is
                # closed at rest and opened only by fluctuations of z runs slower on a small iterate
                try:
                    check_transient(p, sample.dz[0], t_transient)
                except QuadratureGridError as err:
                    raise _z_gate_error(err, p) from err
            # converged once the drift stays below tol in two successive iterations
            if res < tol and residuals[-2] < tol and len(samples) > average and len(residuals) >= min_iter:
                converged = True
                break
    finally:
        bar.close()
    kept = samples[-average:]

    if not converged:
        # with average >= max_iter convergence cannot be declared (outside the quiescent branch): the
        # error is then also a ValueError naming both arguments
        short = average >= max_iter
        error = _AverageNotBelowMaxIter if short else DMFTConvergenceError
        raise error(
            f"sampling DMFT at g_h={p['g_h']:g}, alpha_z={p['alpha_z']:g}, alpha_r={p['alpha_r']:g} "
            f"(tol {tol:g} Monte Carlo s.e.)"
            + (f"; average={average} is not below max_iter={max_iter}, and convergence is declared only after "
               "more than `average` iterations" if short else ""),
            iterations=len(residuals),
            residuals=residuals,
            last={"variance": float(samples[-1].summary_mean[1]), "c_phi0": float(c_phi[0])},
            suggestion="more iterations (max_iter), damping=1 if the drift is slow, more damping "
            "(smaller damping) if the residual oscillates, a looser tol, or a start closer to the "
            "solution (a previous result)" + (", and an average smaller than max_iter" if short else ""),
        )

    params = dict(p)
    params.update(
        paths=paths,
        min_iter=min_iter,
        s_max=s_max,
        dt=dt,
        damping=damping,
        max_iter=max_iter,
        tol=tol,
        average=average,
        t_transient=t_transient,
        t_measure=t_measure,
        seed=None if isinstance(seed, np.random.Generator) else seed,
        s_z=s_z,
        s_r=s_r,
        tau_eff=p["tau_h"] / s_z,
    )
    if quiescent:
        zeros = np.zeros_like(lags)
        params.update(
            variance_stderr=0.0,
            autocorrelation_stderr=zeros,
            correlation_phi=zeros,
            autocorrelation_r=zeros,
            variance_r=0.0,
            autocorrelation_z=zeros,
            variance_z=0.0,
            mean_sigma_z=s_z,
            clipped_fraction=0.0,
        )
        dh, branch = zeros, "quiescent"
    else:
        count = paths * len(kept)
        total = sum(k.sums for k in kept)
        dh, dh_se = _mean_and_stderr(total[0], total[1], count)
        dr = np.mean([k.dr for k in kept], axis=0)
        dz = np.mean([k.dz for k in kept], axis=0)
        try:
            mean_sigma_z = mean_timescale_gate(p, float(dz[0]))
        except QuadratureGridError as err:
            raise _z_gate_error(err, p) from err
        params.update(
            variance_stderr=float(dh_se[0]),
            autocorrelation_stderr=dh_se,
            correlation_phi=_mean_and_stderr(total[2], total[3], count)[0],
            autocorrelation_r=dr,
            variance_r=float(dr[0]),
            autocorrelation_z=dz,
            variance_z=float(dz[0]),
            mean_sigma_z=mean_sigma_z,
            clipped_fraction=max(k.clipped for k in kept),
        )
        if p["input_std"] == 0.0 and dh[-1] - 3.0 * dh_se[-1] > UNDECAYED * dh[0]:
            refuse_undecayed(p, dh, dh_se, s_max, user_s_max, mean_sigma_z)
        # "fixed": Delta_h(s) does not decay (a static solution, possible with a static input)
        branch = "fixed" if dh[0] - dh[-1] < max(0.05 * dh[0], 3 * dh_se[0]) else "chaotic"
    return DMFTResult(
        lags,
        dh,
        float(dh[0]),
        converged=True,
        iterations=len(residuals),
        residuals=residuals,
        branch=branch,
        method="sampling",
        params=params,
    )


# ------------------------------------------------------------- paths of a solved process
@dataclass(frozen=True, repr=False)
class SingleSitePaths:
    r"""Single-site paths drawn from a converged sampling DMFT solution (see :func:`single_site_paths`).

    Attributes
    ----------
    dt : float
        Time step.
    n_transient : int
        Number of leading samples of each path that belong to the transient.
    drive, z, h : ndarray, shape (paths, samples)
        The drive :math:`\eta_h+I`, the timescale gate's variable :math:`z` (``None`` at
        :math:`\alpha_z=0`) and :math:`h`, over the transient and the measured window.
    delta_r, c_sigma_r : ndarray
        :math:`\Delta_r(s)` and :math:`C_{\sigma_r}(s)` on the solution's lags.
    params : dict
        The solution's parameters.
    """

    dt: float
    n_transient: int
    drive: np.ndarray
    z: np.ndarray | None
    h: np.ndarray
    delta_r: np.ndarray
    c_sigma_r: np.ndarray
    params: dict

    def __repr__(self) -> str:
        return (f"SingleSitePaths({self.h.shape[0]} paths x {self.h.shape[1]} samples, dt={self.dt:g}, "
                f"transient {self.n_transient} samples)")


def sampling_grid(result):
    """The grid ``(dt, n_lags, n_transient, n_measure, margin)`` on which a sampling result was solved."""
    p = check_sampling_result(result).params
    keys = ("g_h", "alpha_z", "alpha_r", "beta_z", "beta_r", "g_z", "g_r", "tau_h", "tau_z", "tau_r", "input_std")
    q = check_sampling_params(*(p[k] for k in keys))
    return plan_grid(q, clock_rate(q), p["paths"], p["s_max"], p["dt"], p["t_transient"], p["t_measure"],
                     (True, True, True))


def single_site_paths(result, paths=500, *, seed=None) -> SingleSitePaths:
    r"""Draw single-site paths of a solved sampling DMFT (chapter 9).

    The paths solve

    .. math::

        \tau_h\dot h=\sigma_z(z)\,\big[-h+\eta_h+I\big]

    with the noises of the converged solution (its :math:`C_\phi`), on the solution's own grid
    (time step, transient and measured window); they are what the sampled two-replica exponent
    (:func:`~gatebook.meanfield.sampled_lyapunov.sampled_lambda_max`) linearises around.

    Parameters
    ----------
    result : DMFTResult
        A non-quiescent result of :func:`sampled_dmft`.
    paths : int, optional
        Number of independent paths.
    seed : int, numpy.random.Generator or None, optional
        Random seed or generator.

    Raises
    ------
    TypeError
        If ``result`` is not a result of :func:`sampled_dmft`.
    ValueError
        If ``result`` is on the quiescent branch, or ``paths`` is not a positive integer.
    """
    result = check_sampling_result(result)
    paths = check_positive_int(paths, "paths")
    rng = as_generator(seed)
    p = result.params
    grid = sampling_grid(result)
    dt, n_lags, n_trans, n_meas, margin = grid
    # the largest array: one circulant embedding per path
    check_memory(float(paths) * (n_trans + n_meas + n_lags + margin) * 2, "paths", what="the paths' arrays")
    lags = np.asarray(result.lags, dtype=float)
    c_phi = np.interp(dt * np.arange(n_lags + 1), lags, np.asarray(p["correlation_phi"], dtype=float))
    sp = _noise_spectra(c_phi, p, grid)
    drive, z, h = _draw_block(sp, dict(p, dt=dt), n_trans + n_meas, paths, rng)
    return SingleSitePaths(dt, n_trans, drive, z, h, sp["dr"], sp["c_sigma_r"], dict(p))


def check_sampling_result(result):
    """``result`` must be a non-quiescent :class:`DMFTResult` of :func:`sampled_dmft`."""
    if not isinstance(result, DMFTResult) or result.method != "sampling":
        raise TypeError(f"result must be a DMFTResult returned by sampled_dmft, got "
                        f"{type(result).__name__}" + (f" (method {result.method!r})" if isinstance(result, DMFTResult) else ""))
    if result.branch == "quiescent":
        raise ValueError("result is on the quiescent branch: it has no fluctuating single-site paths")
    return result
