r"""Mean-field theory next to finite-:math:`N` simulations (chapter 9).

Dynamical mean-field theory (DMFT) predicts the autocorrelation :math:`\Delta(s)` and the
maximal Lyapunov exponent of an infinite network. This module measures the same objects in
finite simulations, and says exactly what a finite measurement *should* give:

- :func:`simulated_autocorrelation`: :math:`\langle h(t)h(t+s)\rangle` of networks of size
  :math:`N` over several seeds, uncentred (the DMFT object) and centred;
- :func:`expected_window_variance` and :func:`expected_centred_autocorrelation`: what a centred
  estimate over a window of length :math:`T` converges to, given :math:`\Delta(s)`;
- :func:`finite_size_lambda_max` and :func:`fit_finite_size`: :math:`\lambda_{\max}(N)` and
  the extrapolation :math:`\lambda(N)=\lambda_\infty+c/N`;
- :func:`schrodinger_states`: the Schrödinger problem of chapter 1's DMFT whose ground
  state gives :math:`\lambda_{\max}` and whose first excited state is :math:`\partial_s\Delta`.

The DMFT itself is solved by :mod:`gatebook.meanfield.scs` and :mod:`gatebook.meanfield.gated`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy.linalg import eigh_tridiagonal

import numbers

from .._validation import (
    as_float64,
    as_float_array,
    check_bool,
    check_dtype,
    check_finite_float,
    check_int_sequence,
    check_memory,
    check_n_jobs,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from ..correlations import autocorrelation
from ..lyapunov import max_lyapunov
from ..jobs import run_jobs
from ..simulate import simulate
from ._signature import gate_keywords
from ._result import DMFTResult
from .solve import dmft
from .scs import MAX_SCS_GAIN, schrodinger_operator, schrodinger_potential, scs_dmft, scs_lambda_max

__all__ = [
    "SimulatedAutocorrelation",
    "simulated_autocorrelation",
    "dmft_profile",
    "expected_window_variance",
    "expected_centred_autocorrelation",
    "FiniteSizeLyapunov",
    "FiniteSizeFit",
    "finite_size_lambda_max",
    "fit_finite_size",
    "SchrodingerStates",
    "schrodinger_states",
    "gated_theory",
    "SCSTheoryCurve",
    "scs_theory_curve",
]


# --------------------------------------------------------------------------------------
# autocorrelations


@dataclass
class SimulatedAutocorrelation:
    r"""Autocorrelation of :math:`h` measured in finite networks, one row per seed (chapter 9).

    Attributes
    ----------
    lags : ndarray, shape (n_lags,)
        Lags :math:`s\ge0` in model time units.
    raw : ndarray, shape (n_seeds, n_lags)
        Uncentred :math:`\frac1N\sum_i\overline{h_i(t)h_i(t+s)}` (time average over the
        window): an unbiased estimate of the DMFT :math:`\Delta(s)`.
    centred : ndarray, shape (n_seeds, n_lags)
        The same after subtracting each unit's temporal mean over the window; it converges to
        :func:`expected_centred_autocorrelation`, not to :math:`\Delta(s)`.
    seeds : tuple of int
    N : int
        Number of units.
    window : float
        Length :math:`T` of the measurement window.
    sample_interval : float
        Time between samples.
    settings : dict
        Transient, time step, integrator and dtype used.
    """

    lags: np.ndarray
    raw: np.ndarray
    centred: np.ndarray
    seeds: tuple
    N: int
    window: float
    sample_interval: float
    settings: dict = field(default_factory=dict)

    @property
    def mean(self) -> np.ndarray:
        """Seed mean of :attr:`raw`."""
        return self.raw.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """Seed standard deviation of :attr:`raw` (``ddof=1``; zeros for one seed)."""
        return self.raw.std(axis=0, ddof=1) if self.raw.shape[0] > 1 else np.zeros(self.lags.size)

    @property
    def variance(self) -> np.ndarray:
        r"""Per-seed :math:`\overline{h^2}` (uncentred, lag 0)."""
        return self.raw[:, 0]

    @property
    def centred_variance(self) -> np.ndarray:
        """Per-seed temporal variance of h (each unit's mean removed), averaged over units."""
        return self.centred[:, 0]

    @property
    def n_samples(self) -> int:
        """Number of samples in the window."""
        return int(round(self.window / self.sample_interval)) + 1


#: most integration steps (transient plus measurement) of one simulated network, refused up front:
#: the chapters run a few times 10^4, and 10^8 RK4 steps of even a small network take hours
_MAX_RUN_STEPS = 1e8


def check_seeds(seeds) -> tuple:
    """A non-empty tuple of non-negative integer seeds (a single integer is one seed)."""
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        seeds = (seeds,)
    return check_int_sequence(seeds, "seeds", minimum=0)


def check_run_length(dt, t_transient, t_measure):
    """Refuse runs of more than ``_MAX_RUN_STEPS`` integration steps, naming the times and the step."""
    steps = (t_transient + t_measure) / dt
    if steps > _MAX_RUN_STEPS:
        raise ValueError(
            f"t_transient + t_measure = {t_transient + t_measure:g} at dt={dt:g} is {steps:.3g} integration steps, "
            f"more than the {_MAX_RUN_STEPS:.0e} a simulation may take: shorten t_transient or t_measure, or use a "
            "larger dt"
        )
    return steps


def _activity(model, states):
    """The h-part of recorded states (all of them for a model without gate variables)."""
    if hasattr(model, "split"):
        return states[..., : model.N]
    return states


def simulated_autocorrelation(
    make_model,
    *,
    seeds,
    t_transient: float = 100.0,
    t_measure: float = 300.0,
    dt: float = 0.1,
    max_lag: float = 40.0,
    record_every: int = 1,
    method: str = "rk4",
    dtype=np.float64,
    progress: bool = False,
    n_jobs: int = 1,
) -> SimulatedAutocorrelation:
    r"""Measure :math:`\Delta_h(s)` in finite networks, one network per seed (chapter 9).

    For each seed, ``make_model(seed)`` builds a network, which is simulated from a random
    state (drawn from a stream derived from the seed) for ``t_transient + t_measure``. Over
    the window of length :math:`T` = ``t_measure``, sampled every
    :math:`\delta` = ``dt * record_every``, the population-averaged estimates

    .. math::

        \hat\Delta(s)=\frac1N\sum_i\frac{1}{T-s}\int_0^{T-s}h_i(t)\,h_i(t+s)\,dt,\qquad
        \hat C(s)=\text{the same with }h_i-\bar h_i ,

    are computed with :func:`gatebook.autocorrelation` (``center=False`` and ``True``). The
    uncentred :math:`\hat\Delta` has expectation :math:`\Delta(s)` (the theory's means are
    zero); the centred one is biased by the window (:func:`expected_window_variance`).

    Parameters
    ----------
    make_model : callable
        ``seed -> model``, e.g. ``lambda s: gb.GatedNetwork(1000, 3.0, alpha_r=5, seed=s)``
        or ``lambda s: gb.RandomRateNetwork(1000, 2.0, seed=s)``. For a model with gate
        variables (``model.split``) only :math:`h` (the first ``model.N`` coordinates) is used.
    seeds : sequence of int
        Network seeds (at least one).
    t_transient, t_measure : float
        Discarded time (``>= 0``) and window length (``> 0``).
    dt : float
        Integration step.
    max_lag : float
        Largest lag, in time units (``> 0``, below ``t_measure``).
    record_every : int
        Keep one step in ``record_every``.
    method : {"rk4", "euler"}
    dtype : numpy dtype
        ``np.float32`` halves the memory traffic of large networks; validate it against
        ``np.float64`` (chapter 9's tests do, through the comparison with the theory).
    progress : bool
        Progress bar over seeds.
    n_jobs : int
        The seeds are jobs of :func:`gatebook.jobs.run_jobs` (1: here; ``k``: ``k`` worker processes;
        -1: every core); each network depends on its seed alone, so the result is identical for any
        number of workers.

    Returns
    -------
    SimulatedAutocorrelation

    Examples
    --------
    >>> import gatebook as gb
    >>> sim = simulated_autocorrelation(lambda s: gb.RandomRateNetwork(200, 2.0, seed=s), seeds=(0, 1),
    ...                                 t_transient=20, t_measure=60, dt=0.2, max_lag=10)
    >>> sim.raw.shape, bool(sim.variance.min() > sim.centred_variance.max() * 0.5)
    ((2, 51), True)
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a callable seed -> model, got {type(make_model).__name__}")
    seeds = check_seeds(seeds)
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    dtype = check_dtype(dtype)
    t_measure = check_positive_float(t_measure, "t_measure")
    dt = check_positive_float(dt, "dt")
    max_lag = check_positive_float(max_lag, "max_lag")
    record_every = check_positive_int(record_every, "record_every")
    progress = check_bool(progress, "progress")
    n_jobs = check_n_jobs(n_jobs)
    interval = dt * record_every
    if max_lag >= t_measure:
        raise ValueError(f"max_lag ({max_lag}) must be shorter than the window t_measure ({t_measure})")
    lag_steps = int(round(max_lag / interval))
    if lag_steps < 1:
        raise ValueError(
            f"max_lag ({max_lag}) must be at least one sample interval dt * record_every = {interval:g} "
            f"(dt={dt:g}, record_every={record_every})"
        )
    steps = check_run_length(dt, t_transient, t_measure)

    def measure(seed):  # one network; its initial state from a stream apart from the couplings'
        model = make_model(seed)
        check_memory(steps / record_every * getattr(model, "dim", 1), "t_transient + t_measure",
                     what="the recorded trajectory")
        tr = simulate(model, t_transient + t_measure, dt, method=method, record_every=record_every,
                      seed=np.random.default_rng([int(seed), 9]), dtype=dtype)
        h = _activity(model, tr.states[tr.times >= t_transient - 1e-9 * max(1.0, t_transient)])
        lags, c_raw = autocorrelation(h, interval, lag_steps, center=False)
        return lags, c_raw, autocorrelation(h, interval, lag_steps, center=True)[1], h.shape[-1]

    out = run_jobs(measure, [(seed,) for seed in seeds], n_jobs=n_jobs, progress=progress, desc="simulations")
    raw, centred, (lags, *_, n_units) = [o[1] for o in out], [o[2] for o in out], out[-1]
    return SimulatedAutocorrelation(
        lags=lags, raw=np.array(raw), centred=np.array(centred), seeds=seeds, N=int(n_units),
        window=t_measure, sample_interval=interval,
        settings={"t_transient": t_transient, "dt": dt, "method": method, "dtype": np.dtype(dtype).name},
    )


def _check_result(result):
    if not isinstance(result, DMFTResult):
        raise TypeError(f"result must be a DMFTResult, got {type(result).__name__}")
    return result


def dmft_profile(result: DMFTResult, lags) -> np.ndarray:
    r""":math:`\Delta(|s|)` of a DMFT solution at arbitrary lags (chapter 9).

    Linear interpolation on the solver's grid (lags :math:`\ge0`); beyond the grid the
    last value :math:`\Delta(s_{\max})` (the tail) is used.

    Examples
    --------
    >>> from gatebook.meanfield import scs_dmft
    >>> res = scs_dmft(2.0, s_max=40.0, n=801)
    >>> bool(abs(dmft_profile(res, [0.0])[0] - res.variance) < 1e-12)
    True
    """
    result = _check_result(result)
    lags = np.abs(as_float64(lags, "lags"))
    return _profile(result, lags)


def _profile(result, lags):
    """:func:`dmft_profile` without argument checks."""
    keep = result.lags >= 0
    s, d = result.lags[keep], result.autocorrelation[keep]
    return np.interp(np.abs(lags), s, d, right=d[-1])


def _check_window(window, sample_interval):
    window = check_positive_float(window, "window")
    if sample_interval is None:
        return window, None, None
    sample_interval = check_positive_float(sample_interval, "sample_interval")
    n = round(window / sample_interval) + 1
    if n < 2:
        raise ValueError(
            f"the window ({window}) must hold at least two samples sample_interval={sample_interval} apart"
        )
    check_memory(n, "window", what=f"the {n:.3g} samples of the window (window / sample_interval)")
    return window, sample_interval, int(n)


def expected_window_variance(result: DMFTResult, window: float, sample_interval: float | None = None) -> float:
    r"""Expected temporal variance of a centred signal over a finite window (chapter 9).

    A stationary signal :math:`h(t)` with autocorrelation :math:`\Delta(s)`, observed over
    a window of length :math:`T` and centred by its own window mean :math:`\bar h`, has

    .. math::

        \mathbb E\Big[\frac1T\int_0^T\big(h-\bar h\big)^2dt\Big]
        =\Delta(0)-\mathbb E[\bar h^2]
        =\Delta(0)-\frac2T\int_0^T\Big(1-\frac sT\Big)\Delta(s)\,ds ,

    because :math:`\mathbb E[\bar h^2]=T^{-2}\iint\Delta(t-t')\,dt\,dt'`. The subtracted
    term is the bias: slow fluctuations are partly absorbed into the window mean. With
    samples every :math:`\delta` (``sample_interval``, :math:`n=T/\delta+1` samples) the
    integral becomes the sum :math:`\frac1n\big[\Delta(0)+2\sum_{k=1}^{n-1}(1-k/n)\Delta(k\delta)\big]`.

    Parameters
    ----------
    result : DMFTResult
        Gives :math:`\Delta(s)` (interpolated; constant beyond the grid, :func:`dmft_profile`).
    window : float
        :math:`T>0`, in the units of ``result.lags``.
    sample_interval : float, optional
        Spacing of the samples; continuous time when omitted.

    Returns
    -------
    float
        The expected centred variance; ``result.variance - expected_window_variance(...)`` is the window bias.

    Examples
    --------
    >>> from gatebook.meanfield import scs_dmft
    >>> res = scs_dmft(2.0)
    >>> bool(expected_window_variance(res, 300.0) < res.variance), bool(expected_window_variance(res, 1e5) > 0.999 * res.variance)
    (True, True)
    """
    result = _check_result(result)
    window, sample_interval, n = _check_window(window, sample_interval)
    d0 = float(_profile(result, np.zeros(1))[0])
    if n is not None:
        k = np.arange(1, n)
        mean_sq = (d0 + 2.0 * np.sum((1.0 - k / n) * _profile(result, k * sample_interval))) / n
        return float(d0 - mean_sq)
    # trapezoid rule on the solver's lags below T plus T itself; beyond the grid Delta is its
    # tail value, and the integrand (1 - s/T) * tail is linear there, so one panel is exact
    s = result.lags[(result.lags >= 0) & (result.lags < window)]
    s = np.append(s, window)
    integral = np.trapezoid((1.0 - s / window) * _profile(result, s), s)
    return float(d0 - 2.0 * integral / window)


def expected_centred_autocorrelation(result: DMFTResult, window: float, sample_interval: float, max_lag: float):
    r"""What the centred autocorrelation estimate converges to, given :math:`\Delta(s)` (chapter 9).

    For :math:`n` samples :math:`h_t` (spacing :math:`\delta`, :math:`T=(n-1)\delta`) the
    estimator of :func:`gatebook.autocorrelation` with ``center=True`` is
    :math:`\hat C(k)=\frac1{n-k}\sum_{t=0}^{n-k-1}(h_t-\bar h)(h_{t+k}-\bar h)`. Its
    expectation is, with :math:`m_t=\frac1n\sum_u\Delta(t-u)`,

    .. math::

        \mathbb E\,\hat C(k)=\Delta(k\delta)-\frac1{n-k}\sum_{t=0}^{n-k-1}\big(m_t+m_{t+k}\big)
        +\frac1n\sum_t m_t .

    At :math:`k=0` this is :func:`expected_window_variance` with the same ``sample_interval``.

    Returns
    -------
    lags : ndarray
        :math:`k\delta` for :math:`k=0,\dots,\mathrm{round}(\text{max\_lag}/\delta)`.
    expected : ndarray
    """
    result = _check_result(result)
    window, sample_interval, n = _check_window(window, check_positive_float(sample_interval, "sample_interval"))
    max_lag = check_positive_float(max_lag, "max_lag")
    n_lags = int(round(max_lag / sample_interval)) + 1
    if n_lags > n:
        raise ValueError(f"max_lag ({max_lag}) must not exceed the window ({window})")
    profile = _profile(result, sample_interval * np.arange(n))  # Delta(k delta), k = 0..n-1
    # m_t = mean_u Delta(|t - u|): row means of the Toeplitz matrix, by cumulative sums
    csum = np.concatenate([[0.0], np.cumsum(profile)])
    t = np.arange(n)
    m = (csum[t + 1] + csum[n - t] - profile[0]) / n  # sum over u <= t and u >= t, Delta(0) once
    cm = np.concatenate([[0.0], np.cumsum(m)])
    k = np.arange(n_lags)
    cross = (cm[n - k] + (cm[n] - cm[k])) / (n - k)
    return sample_interval * k, profile[:n_lags] - cross + cm[n] / n


# --------------------------------------------------------------------------------------
# finite-size Lyapunov exponents


@dataclass
class FiniteSizeFit:
    r"""Least-squares fit :math:`\lambda(N)=\lambda_\infty+c/N` with standard errors (chapter 9)."""

    lambda_inf: float
    c: float
    lambda_inf_stderr: float
    c_stderr: float
    n_points: int

    def predict(self, sizes) -> np.ndarray:
        """The fitted :math:`\\lambda(N)` at ``sizes``."""
        return self.lambda_inf + self.c / np.asarray(sizes, dtype=float)


def fit_finite_size(sizes, values) -> FiniteSizeFit:
    r"""Fit :math:`\lambda(N)=\lambda_\infty+c/N` by ordinary least squares (chapter 9).

    Every finite value is one data point at its size, so ``values`` may hold several seeds
    per size. With design matrix :math:`X=[1,\,1/N]` the estimate is
    :math:`(X^\top X)^{-1}X^\top\lambda` and its covariance :math:`\hat\sigma^2(X^\top X)^{-1}`
    with :math:`\hat\sigma^2=\mathrm{RSS}/(m-2)` over :math:`m` points (``nan`` for
    :math:`m=2`).

    Parameters
    ----------
    sizes : array_like, shape (n_sizes,)
        Positive network sizes, at least two distinct.
    values : array_like, shape (n_sizes,) or (n_sizes, n_seeds)
        Measured exponents; ``nan`` entries are ignored.

    Examples
    --------
    >>> fit = fit_finite_size([100, 200, 400], [0.2 - 5 / 100, 0.2 - 5 / 200, 0.2 - 5 / 400])
    >>> round(fit.lambda_inf, 12), round(fit.c, 9)
    (0.2, -5.0)
    """
    sizes = as_float_array(sizes, "sizes")
    values = as_float_array(values, "values")
    if sizes.ndim != 1 or sizes.size == 0:
        raise ValueError(f"sizes must be a non-empty 1-D array, got shape {sizes.shape}")
    if not np.all(np.isfinite(sizes)) or np.any(sizes <= 0):
        raise ValueError("sizes must be positive and finite")
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] != sizes.size:
        raise ValueError(f"values must have shape (n_sizes,) or (n_sizes, n_seeds) with n_sizes={sizes.size}, "
                         f"got {values.shape}")
    if np.any(np.isinf(values)):
        raise ValueError("values must not contain infinities")
    x = np.broadcast_to((1.0 / sizes)[:, None], values.shape)
    ok = np.isfinite(values)
    x, y = x[ok], values[ok]
    if np.unique(x).size < 2:
        raise ValueError("values must contain finite entries at two or more distinct sizes")
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    m = y.size
    if m > 2:
        rss = float(np.sum((y - design @ coef) ** 2))
        cov = rss / (m - 2) * np.linalg.inv(design.T @ design)
        se = np.sqrt(np.diag(cov))
    else:
        se = np.array([np.nan, np.nan])
    return FiniteSizeFit(float(coef[0]), float(coef[1]), float(se[0]), float(se[1]), int(m))


@dataclass
class FiniteSizeLyapunov:
    r""":math:`\lambda_{\max}` measured at several sizes and seeds (chapter 9).

    Attributes
    ----------
    sizes : ndarray, shape (n_sizes,)
    seeds : tuple of int
    values : ndarray, shape (n_sizes, n_seeds)
        QR estimates of :math:`\lambda_{\max}` (:func:`gatebook.max_lyapunov`).
    stderr : ndarray, shape (n_sizes, n_seeds)
        Their block standard errors.
    settings : dict
    """

    sizes: np.ndarray
    seeds: tuple
    values: np.ndarray
    stderr: np.ndarray
    settings: dict = field(default_factory=dict)

    @property
    def mean(self) -> np.ndarray:
        """Seed mean per size."""
        return self.values.mean(axis=1)

    @property
    def sem(self) -> np.ndarray:
        """Standard error of the seed mean per size (``nan`` for one seed)."""
        k = self.values.shape[1]
        return self.values.std(axis=1, ddof=1) / np.sqrt(k) if k > 1 else np.full(self.sizes.size, np.nan)

    def fit(self) -> FiniteSizeFit:
        """:func:`fit_finite_size` on all (size, seed) points."""
        return fit_finite_size(self.sizes, self.values)


def finite_size_lambda_max(
    make_model,
    sizes,
    seeds,
    *,
    dt: float = 0.1,
    t_transient: float = 20.0,
    t_measure: float = 100.0,
    progress: bool = False,
    n_jobs: int = 1,
) -> FiniteSizeLyapunov:
    r""":math:`\lambda_{\max}(N)` of ``make_model(N, seed)`` for every size and seed (chapter 9).

    Each network's exponent is measured by the QR method with one tangent vector
    (:func:`gatebook.max_lyapunov`, RK4, float64), from a random initial state drawn
    from the seed. DMFT predicts the limit :math:`N\to\infty`; finite networks sit below
    it, by an amount that shrinks roughly like :math:`1/N` (fit with :meth:`FiniteSizeLyapunov.fit`).

    Parameters
    ----------
    make_model : callable
        ``(N, seed) -> model``, e.g. ``lambda N, s: gb.RandomRateNetwork(N, 3.0, seed=s)``.
    sizes : sequence of int
        Network sizes (positive integers).
    seeds : sequence of int
    dt, t_transient, t_measure : float
        As in :func:`gatebook.max_lyapunov`.
    progress : bool
        Progress bar over all runs.
    n_jobs : int
        The (size, seed) runs are jobs of :func:`gatebook.jobs.run_jobs` (1: here; ``k``: ``k``
        worker processes; -1: every core), each seeded by its own seed: the values are identical for
        any number of workers.

    Examples
    --------
    >>> import gatebook as gb
    >>> fs = finite_size_lambda_max(lambda N, s: gb.RandomRateNetwork(N, 3.0, seed=s), [40, 80], [0, 1],
    ...                             t_transient=5, t_measure=10)
    >>> fs.values.shape
    (2, 2)
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a callable (N, seed) -> model, got {type(make_model).__name__}")
    sizes = np.array(check_int_sequence(sizes, "sizes", minimum=1), dtype=int)
    check_memory(float(sizes.max()) ** 2, "sizes", what="an N x N coupling matrix")
    seeds = check_seeds(seeds)
    dt = check_positive_float(dt, "dt")
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    progress = check_bool(progress, "progress")
    n_jobs = check_n_jobs(n_jobs)
    check_run_length(dt, t_transient, t_measure)
    runs = [(int(N), seed) for N in sizes for seed in seeds]  # each run seeded by its own seed

    def measure(N, seed):
        res = max_lyapunov(make_model(N, seed), dt=dt, t_transient=t_transient, t_measure=t_measure, seed=seed)
        return res.maximum, res.stderr[0]

    out = np.array(run_jobs(measure, runs, n_jobs=n_jobs, progress=progress, desc="lambda_max(N)"), dtype=float)
    values, stderr = out[:, 0].reshape(sizes.size, len(seeds)), out[:, 1].reshape(sizes.size, len(seeds))
    return FiniteSizeLyapunov(sizes=sizes, seeds=seeds, values=values, stderr=stderr,
                              settings={"dt": dt, "t_transient": t_transient, "t_measure": t_measure})


# --------------------------------------------------------------------------------------
# the two pictures of chapter 1's DMFT


@dataclass
class SchrodingerStates:
    r"""Lowest states of :math:`H=-\partial_s^2+1-g^2C_{\phi'}(s)` (chapter 9).

    Attributes
    ----------
    s : ndarray
        Lags (units of :math:`\tau`).
    potential : ndarray
        :math:`-g^2C_{\phi'}(s)`, the well.
    energies : ndarray, shape (n_states,)
    states : ndarray, shape (n_states, s.size)
        Eigenfunctions normalised to :math:`\int\psi^2ds=1`.
    zero_mode : ndarray
        :math:`\partial_s\Delta`, normalised the same way, with the sign of ``states[1]``.
    lambda_max : float
        :math:`\tau^{-1}(-1+\sqrt{1-E_0})`.
    overlap : float
        :math:`\int\psi_1\,\partial_s\hat\Delta\,ds` (1 when the zero mode is the first
        excited state).
    """

    s: np.ndarray
    potential: np.ndarray
    energies: np.ndarray
    states: np.ndarray
    zero_mode: np.ndarray
    lambda_max: float
    overlap: float


def schrodinger_states(result: DMFTResult, n_states: int = 2, h: float = 0.05) -> SchrodingerStates:
    r"""The Schrödinger picture of :math:`\lambda_{\max}` for chapter 1's network (chapter 9).

    Differentiating :math:`(1-\partial_s^2)\Delta=g^2C_\phi` gives
    :math:`H\,\partial_s\Delta=0` with

    .. math::

        H=-\partial_s^2+1-g^2C_{\phi'}(s),

    so the odd, one-node function :math:`\partial_s\Delta` is an eigenfunction with energy
    0: the first excited state. The ground state lies below it, :math:`E_0<0`, and gives
    :math:`\lambda_{\max}=\tau^{-1}(-1+\sqrt{1-E_0})>0`. Solved by second-order finite
    differences with Dirichlet ends on a uniform grid of step ``h``
    (:func:`gatebook.meanfield.scs_lambda_max` extrapolates the same solve to ``h -> 0``).

    Parameters
    ----------
    result : DMFTResult
        A chaotic solution of :func:`gatebook.meanfield.scs_dmft`.
    n_states : int
        Number of lowest states (``>= 2``).
    h : float
        Grid step, in units of :math:`\tau`.
    """
    result = _check_result(result)
    if result.branch != "chaotic" or "g" not in result.params:
        raise ValueError("result must be a chaotic solution of scs_dmft")
    n_states = check_positive_int(n_states, "n_states")
    if n_states < 2:
        raise ValueError(f"n_states must be at least 2 (ground state and zero mode), got {n_states}")
    h = check_positive_float(h, "h")
    g, tau = result.params["g"], result.params["tau"]
    spline, half_width = schrodinger_potential(g, result)
    if h > 0.1 * half_width:
        raise ValueError(f"h must be much smaller than the lag grid half-width {half_width}, got {h}")
    check_memory(8 * (2.0 * half_width / h + 1.0), "h", what="the finite-difference grid")
    s = np.arange(-half_width, half_width + 0.5 * h, h)
    if n_states > s.size:
        raise ValueError(f"n_states must be at most the {s.size} grid points at h={h:g}, got {n_states}")
    well = spline(np.abs(s))
    diag, off = schrodinger_operator(well, s)
    energies, vectors = eigh_tridiagonal(diag, off, select="i", select_range=(0, n_states - 1))
    states = vectors.T / np.sqrt(h)
    delta = _profile(result, s * tau)
    mode = np.gradient(delta, s)
    mode /= np.sqrt(np.sum(mode**2) * h)
    overlap = float(np.sum(mode * states[1]) * h)
    if overlap < 0:
        mode, overlap = -mode, -overlap
    return SchrodingerStates(
        s=s, potential=-well, energies=energies, states=states, zero_mode=mode,
        lambda_max=float(-1.0 + np.sqrt(1.0 - energies[0])) / tau, overlap=overlap,
    )


# --------------------------------------------------------------------------------------
# cached theory for figures


@gate_keywords("alpha_r", "beta_r")
def gated_theory(g_h: float, *, alpha_r: float = 0.0, beta_r: float = 0.0) -> DMFTResult:
    r"""Gated DMFT at :math:`\alpha_z=0` with :math:`\lambda_{\max}`, cached (chapter 9).

    :func:`gatebook.meanfield.dmft` with its defaults (the exact route for a soft gate, the
    Fourier iteration otherwise, then the two-replica :math:`\lambda_{\max}`). Repeated calls
    with the same arguments return the same object, so that an explorable figure and the
    chapter's own cells share the solves; do not modify it.

    Examples
    --------
    >>> res = gated_theory(3.0, alpha_r=5.0)
    >>> res.branch, bool(res.lambda_max > 0)
    ('chaotic', True)
    """
    g_h = check_nonnegative_float(g_h, "g_h")
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    return _cached_theory(g_h, alpha_r, beta_r)


@lru_cache(maxsize=64)
def _cached_theory(g_h: float, alpha_r: float, beta_r: float) -> DMFTResult:
    return dmft(g_h, alpha_r=alpha_r, beta_r=beta_r)


@dataclass
class SCSTheoryCurve:
    r"""DMFT summaries of chapter 1's network across gains (chapter 9).

    Attributes
    ----------
    gains : ndarray
    variance : ndarray
        :math:`\Delta_0(g)`.
    lambda_max : ndarray
        :math:`\lambda_{\max}(g)` (Schrödinger ground state).
    relaxation_time : ndarray
        :attr:`DMFTResult.relaxation_time` (1/e time of :math:`\Delta(s)/\Delta_0`).
    tau : float
    """

    gains: np.ndarray
    variance: np.ndarray
    lambda_max: np.ndarray
    relaxation_time: np.ndarray
    tau: float = 1.0


def scs_theory_curve(gains, tau: float = 1.0) -> SCSTheoryCurve:
    r""":math:`\Delta_0`, :math:`\lambda_{\max}` and relaxation time of chapter 1's network against :math:`g` (ch. 9).

    For each gain :math:`g>1`, :func:`gatebook.meanfield.scs_dmft` (potential method) and
    :func:`gatebook.meanfield.scs_lambda_max` (Schrödinger ground state,
    :math:`\lambda_{\max}=\tau^{-1}(-1+\sqrt{1-E_0})`). Gains :math:`\le1` give the quiescent
    branch: :math:`\Delta_0=0`, :math:`\lambda_{\max}=(g-1)/\tau`, relaxation time ``nan``.

    Examples
    --------
    >>> curve = scs_theory_curve([1.5, 3.0])
    >>> bool(curve.lambda_max[1] > curve.lambda_max[0] > 0), bool(curve.relaxation_time[1] < curve.relaxation_time[0])
    (True, True)
    """
    gains = np.atleast_1d(as_float_array(gains, "gains"))
    if gains.ndim != 1 or gains.size == 0 or np.any(~np.isfinite(gains)) or np.any(gains < 0):
        raise ValueError("gains must be a non-empty 1-D array of non-negative numbers")
    if np.any(gains > MAX_SCS_GAIN):
        raise ValueError(f"gains must be at most {MAX_SCS_GAIN:g} (scs_dmft's largest gain), got {gains.max():g}")
    tau = check_positive_float(tau, "tau")
    variance, lam, relax = [], [], []
    for g in gains:
        res = scs_dmft(g, tau)
        variance.append(res.variance)
        lam.append(scs_lambda_max(g, tau, result=res))
        relax.append(res.relaxation_time)
    return SCSTheoryCurve(gains, np.array(variance), np.array(lam), np.array(relax), tau)
