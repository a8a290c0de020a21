r"""Autocorrelation of network activity and its decay time (chapters 1, 7 and 9).

For activity :math:`x_i(t)` sampled every :math:`\Delta t` over a window of length
:math:`T`, the population-averaged autocovariance is

.. math::

    C(s) = \frac1N\sum_{i=1}^{N} \frac{1}{T-s}\int_0^{T-s}
           \big(x_i(t)-\bar x_i\big)\big(x_i(t+s)-\bar x_i\big)\,dt ,

computed for all lags at once with a zero-padded FFT. Its decay time is the lag at which
:math:`C(s)/C(0)` first falls below a level (default :math:`1/e`).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float64, check_bool, check_float_in, check_positive_float, check_positive_int

__all__ = ["autocorrelation", "decay_time"]


def autocorrelation(states, dt: float, max_lag: int | None = None, *, center: bool = True):
    r"""Population-averaged autocovariance :math:`C(s)` of sampled activity.

    Parameters
    ----------
    states : array_like, shape (n_times, N) or (n_times, trials, N)
        Samples taken every ``dt`` (e.g. ``simulate(...).states`` after a transient).
    dt : float
        Sampling interval.
    max_lag : int, optional
        Largest lag in samples (default: half the number of samples).
    center : bool
        Subtract each unit's temporal mean first (default). With ``center=False`` the
        result is the raw correlation :math:`\langle x(t)x(t+s)\rangle` that
        mean-field theory predicts.

    Returns
    -------
    lags : ndarray, shape (max_lag + 1,)
        Lags in time units.
    C : ndarray, shape (max_lag + 1,)
    """
    x = as_float64(states, "states")
    if x.ndim not in (2, 3):
        raise ValueError(f"states must have shape (n_times, N) or (n_times, trials, N), got {x.shape}")
    dt = check_positive_float(dt, "dt")
    center = check_bool(center, "center")
    n = x.shape[0]
    if n < 2:
        raise ValueError("states must contain at least two time samples")
    x = x.reshape(n, -1)
    if max_lag is None:
        max_lag = n // 2
    max_lag = check_positive_int(max_lag, "max_lag")
    if max_lag >= n:
        raise ValueError(f"max_lag ({max_lag}) must be smaller than the number of samples ({n})")
    if center:
        x = x - x.mean(axis=0)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(x, n=size, axis=0)
    raw = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=0)[: max_lag + 1]
    C = raw.mean(axis=1) / (n - np.arange(max_lag + 1))
    return dt * np.arange(max_lag + 1), C


def decay_time(lags, C, level: float = float(np.exp(-1.0))) -> float:
    r"""First lag at which :math:`C(s)/C(0)` falls below ``level`` (linear interpolation).

    Returns ``numpy.inf`` when the correlation stays above ``level`` over all given lags
    (the window is too short). Raises ``ValueError`` when :math:`C(0)=0` (no activity,
    e.g. a network below the transition that has decayed to rest).
    """
    lags = as_float64(lags, "lags")
    try:
        C = np.asarray(C, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"C must be an array of real numbers, got {type(C).__name__}") from err
    if lags.ndim != 1 or lags.size == 0 or lags.shape != C.shape:
        raise ValueError(f"lags and C must be non-empty 1-D arrays of equal length, got {lags.shape} and {C.shape}")
    level = check_float_in(level, "level", 0.0, 1.0, closed="neither")
    if not np.isfinite(C).all() or C[0] <= 0.0:
        raise ValueError("C(0) must be positive and C finite: there is no fluctuating activity to correlate")
    r = C / C[0]
    below = np.flatnonzero(r < level)
    if below.size == 0:
        return float("inf")
    j = below[0]
    frac = (r[j - 1] - level) / (r[j - 1] - r[j])
    return float(lags[j - 1] + frac * (lags[j] - lags[j - 1]))
