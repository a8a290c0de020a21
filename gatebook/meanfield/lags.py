r"""Even lag profiles on a uniform grid :math:`s=0,\dots,s_{\max}` (chapters 9-10).

The stationary DMFT autocorrelations are even functions of the lag :math:`s`; the solvers keep
their :math:`s\ge0` half. This module holds what they do to such profiles: a Fourier
multiplier applied to the even extension (:func:`even_filter`), the even solution of
:math:`(1-\tau^2\partial_s^2)\Delta=\mathrm{rhs}` (:func:`solve_even`), and the test that a
profile has decayed inside its window (:func:`has_decayed`).
"""

from __future__ import annotations

import numpy as np
from scipy import fft as _fft

from .._validation import (
    as_float64,
    check_callable,
    check_memory,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)

__all__ = ["even_filter", "solve_even", "has_decayed", "end_taper", "DECAY_TOL"]

#: an autocorrelation counts as decayed when it changes by less than this fraction of its span
#: over the last tenth of the lag window (measured: the truncation then moves the variance by
#: under 1e-5 relative, at sharp and soft gates, near and far from onsets)
DECAY_TOL = 2e-3


def _check_profile(values, name: str) -> np.ndarray:
    """``values`` as a finite float array whose last axis holds at least two lags."""
    arr = as_float64(values, name)
    if arr.ndim == 0 or arr.shape[-1] < 2:
        raise ValueError(f"{name} must be an array of at least 2 lags (on its last axis), got shape {arr.shape}")
    return arr


def even_filter(values: np.ndarray, ds: float, multiplier) -> np.ndarray:
    r"""Apply a Fourier multiplier to even functions sampled on :math:`s=0,\dots,s_{\max}`.

    The profile is extended evenly to :math:`[-s_{\max},s_{\max}]`, zero-padded to at least twice that
    length (a fast FFT size) against wrap-around, multiplied by ``multiplier(omega)`` in Fourier space and
    restricted back to :math:`s\ge0`. ``values`` may carry leading batch axes.

    Parameters
    ----------
    values : array_like, shape (..., n)
        Finite samples on :math:`s=0,\dots,s_{\max}` (``n >= 2``).
    ds : float
        Lag spacing (``> 0``).
    multiplier : callable
        ``omega -> factor`` on the array of angular frequencies.
    """
    values = _check_profile(values, "values")
    ds = check_positive_float(ds, "ds")
    check_callable(multiplier, "multiplier")
    return even_filter_unchecked(values, ds, multiplier)


def even_filter_unchecked(values, ds, multiplier):
    """:func:`even_filter` without argument checks (the solvers' inner loops call it)."""
    n = values.shape[-1]
    P = _fft.next_fast_len(4 * (n - 1), real=True)  # at least twice the even extension
    full = np.zeros(values.shape[:-1] + (P,))
    full[..., :n] = values
    full[..., P - n + 1 :] = values[..., 1:][..., ::-1]
    omega = 2 * np.pi * _fft.rfftfreq(P, d=ds)
    return _fft.irfft(_fft.rfft(full) * multiplier(omega), n=P)[..., :n]


def solve_even(rhs: np.ndarray, ds: float, tau: float) -> np.ndarray:
    r"""Even solution of :math:`(1-\tau^2\partial_s^2)\Delta=\mathrm{rhs}`, constant tail kept.

    ``rhs`` is a finite 1-D profile of at least two lags on :math:`s=0,\dots,s_{\max}` (spacing
    ``ds > 0``); ``tau >= 0`` is the time constant.
    """
    rhs = _check_profile(rhs, "rhs")
    if rhs.ndim != 1:
        raise ValueError(f"rhs must be one-dimensional, got shape {rhs.shape}")
    ds = check_positive_float(ds, "ds")
    tau = check_nonnegative_float(tau, "tau")
    return solve_even_unchecked(rhs, ds, tau)


def solve_even_unchecked(rhs, ds, tau):
    """:func:`solve_even` without argument checks (called at every iteration of the solvers)."""
    tail = rhs[-1]
    return tail + even_filter_unchecked(rhs - tail, ds, lambda w: 1.0 / (1.0 + (tau * w) ** 2))


def has_decayed(dh) -> tuple[bool, float]:
    r"""Whether a profile has reached its tail: its change over the last tenth of the window,
    relative to :math:`\Delta_h(0)-\Delta_h(s_{\max})`, is below ``DECAY_TOL``.

    ``dh`` is a finite 1-D profile of at least two lags.
    """
    dh = _check_profile(dh, "dh")
    if dh.ndim != 1:
        raise ValueError(f"dh must be one-dimensional, got shape {dh.shape}")
    return has_decayed_unchecked(dh)


def has_decayed_unchecked(dh):
    """:func:`has_decayed` without argument checks."""
    span = float(dh[0] - dh[-1])
    if not span > 1e-12 * max(abs(float(dh[0])), 1e-300):
        return True, 0.0
    k = int(0.9 * (dh.size - 1))
    change = float(abs(dh[k] - dh[-1]) / span)
    return change <= DECAY_TOL, change


def end_taper(n: int) -> np.ndarray:
    r"""Weights that are 1 on the first 80 % of ``n`` lags, then fall as a half cosine to 0 at the last.

    A sampled lag profile that decays to zero (no static part) is multiplied by these weights
    before its circulant embedding, so that the noise of its last lags is not continued as a
    spurious constant (chapter 9's sampling DMFT and its two-replica exponent).

    >>> end_taper(10).round(3).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]
    """
    n = check_positive_int(n, "n")
    check_memory(n, "n")
    w = np.ones(n)
    k = max(n // 5, 1)
    w[n - k:] = 0.5 * (1.0 + np.cos(np.pi * np.arange(1, k + 1) / k))
    return w
