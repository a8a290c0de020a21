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

__all__ = ["even_filter", "solve_even", "has_decayed", "DECAY_TOL"]

#: an autocorrelation counts as decayed when it changes by less than this fraction of its span
#: over the last tenth of the lag window (measured: the truncation then moves the variance by
#: under 1e-5 relative, at sharp and soft gates, near and far from onsets)
DECAY_TOL = 2e-3


def even_filter(values: np.ndarray, ds: float, multiplier) -> np.ndarray:
    r"""Apply a Fourier multiplier to even functions sampled on :math:`s=0,\dots,s_{\max}`.

    The profile is extended evenly to :math:`[-s_{\max},s_{\max}]`, zero-padded to at least twice that
    length (a fast FFT size) against wrap-around, multiplied by ``multiplier(omega)`` in Fourier space and
    restricted back to :math:`s\ge0`. ``values`` may carry leading batch axes.
    """
    n = values.shape[-1]
    P = _fft.next_fast_len(4 * (n - 1), real=True)  # at least twice the even extension
    full = np.zeros(values.shape[:-1] + (P,))
    full[..., :n] = values
    full[..., P - n + 1 :] = values[..., 1:][..., ::-1]
    omega = 2 * np.pi * _fft.rfftfreq(P, d=ds)
    return _fft.irfft(_fft.rfft(full) * multiplier(omega), n=P)[..., :n]


def solve_even(rhs: np.ndarray, ds: float, tau: float) -> np.ndarray:
    r"""Even solution of :math:`(1-\tau^2\partial_s^2)\Delta=\mathrm{rhs}`, constant tail kept."""
    tail = rhs[-1]
    return tail + even_filter(rhs - tail, ds, lambda w: 1.0 / (1.0 + (tau * w) ** 2))


def has_decayed(dh) -> tuple[bool, float]:
    r"""Whether a profile has reached its tail: its change over the last tenth of the window,
    relative to :math:`\Delta_h(0)-\Delta_h(s_{\max})`, is below ``DECAY_TOL``."""
    span = float(dh[0] - dh[-1])
    if not span > 1e-12 * max(abs(float(dh[0])), 1e-300):
        return True, 0.0
    k = int(0.9 * (dh.size - 1))
    change = float(abs(dh[k] - dh[-1]) / span)
    return change <= DECAY_TOL, change
