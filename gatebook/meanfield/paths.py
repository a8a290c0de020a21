r"""Stationary Gaussian paths and the single-site integration of the sampling DMFT (chapter 9).

The Monte Carlo solver (:func:`~gatebook.meanfield.sampling.sampled_dmft`) draws the noises of
the single-site problem as stationary Gaussian paths with a given covariance, by circulant
embedding (white noise times the square root of the spectral density,
:func:`stationary_gaussian_paths`), integrates :math:`\dot h=-a(t)[h-f(t)]` along each path
with an exponential integrator (:func:`exponential_step_coefficients`,
:func:`integrate_linear`), and measures per-path autocorrelations by FFT
(:func:`lagged_products`).
"""

from __future__ import annotations

import numpy as np
from scipy import fft as _fft

from .._validation import (
    as_float64,
    as_generator,
    check_bool,
    check_finite_float,
    check_int,
    check_memory,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)

__all__ = [
    "stationary_gaussian_paths",
    "circulant_spectrum",
    "clip_spectrum",
    "draw_paths",
    "exponential_step_coefficients",
    "integrate_linear",
    "lagged_products",
    "MAX_STEPS",
]

#: most samples per single-site path (transient + measured), and most points of a circulant
#: embedding: 16 MiB per path and array
MAX_STEPS = 2_000_000


# --------------------------------------------------------------------------- noise by FFT
def circulant_spectrum(covariance: np.ndarray, length: int, margin: int = 0):
    r"""Circulant embedding of a stationary covariance with a constant tail.

    ``covariance[k]`` is :math:`c(k\,\delta t)` for :math:`k=0,\dots,K`, and lags beyond
    :math:`K` take the tail value :math:`c_\infty=` ``covariance[-1]``. The decaying part
    :math:`c-c_\infty` (zero beyond :math:`K`) is embedded in a circle of
    :math:`M\ge\mathrm{length}+K+\mathrm{margin}` points (an even fast FFT size), so that the
    first ``length`` samples never see its wrapped-around copy; the tail is a static Gaussian
    offset of variance :math:`c_\infty` per path. ``margin`` leaves room for a later
    smoothing filter. Returns ``(lam, M, tail)``, ``lam`` the real even spectrum on the
    ``M // 2 + 1`` rfft frequencies.

    Raises
    ------
    ValueError
        For a covariance that is not a finite 1-D array, or if the embedding would exceed
        :data:`MAX_STEPS` points (naming ``length``, ``margin`` and ``covariance``).
    """
    covariance = _check_covariance(covariance)
    length = check_positive_int(length, "length")
    margin = check_int(margin, "margin", minimum=0)
    return circulant_spectrum_unchecked(covariance, length, margin)


def _check_covariance(covariance):
    c = as_float64(covariance, "covariance")
    if c.ndim != 1 or c.size < 1:
        raise ValueError(f"covariance must be a 1-D array with at least one lag, got shape {c.shape}")
    return c


def circulant_spectrum_unchecked(covariance, length, margin=0):
    """:func:`circulant_spectrum` without argument checks."""
    tail = float(covariance[-1])
    k = covariance.size - 1
    if max(length + k + margin, 2 * k + 2) > MAX_STEPS:
        raise ValueError(
            f"length + lags + margin = {length:.3g} + {k:.3g} + {margin:.3g} samples (length, the lags of the "
            f"covariance and margin) exceed the circulant embedding's cap of {MAX_STEPS} points (16 MiB per path "
            "and array)"
        )
    m = _fft.next_fast_len(max(length + k + margin, 2 * k + 2), real=True)
    m += m % 2
    half = np.zeros(m // 2 + 1)
    half[: k + 1] = covariance - tail
    full = np.concatenate([half, half[-2:0:-1]])
    return _fft.rfft(full).real, m, tail


def _check_spectrum(lam, m):
    """``lam`` as a finite 1-D array of the ``m // 2 + 1`` rfft frequencies of an even circle of ``m`` points."""
    lam = as_float64(lam, "lam")
    if lam.ndim != 1 or lam.size < 2:
        raise ValueError(f"lam must be a 1-D spectrum of at least 2 frequencies, got shape {lam.shape}")
    m = check_positive_int(m, "m")
    if m != 2 * (lam.size - 1):
        raise ValueError(
            f"m must be the (even) size of the circle, 2 * (lam.size - 1) = {2 * (lam.size - 1)} for lam of "
            f"{lam.size} frequencies, got {m}"
        )
    return lam, m


def clip_spectrum(lam: np.ndarray, m: int, tail: float):
    """Clip negative eigenvalues (and a negative tail); return them and the clipped fraction of the mass.

    ``lam`` and ``m`` as returned by :func:`circulant_spectrum` (finite, ``m = 2 (lam.size - 1)``),
    ``tail`` a finite number.
    """
    lam, m = _check_spectrum(lam, m)
    tail = check_finite_float(tail, "tail")
    return clip_spectrum_unchecked(lam, m, tail)


def clip_spectrum_unchecked(lam, m, tail):
    """:func:`clip_spectrum` without argument checks."""
    weights = np.full(lam.size, 2.0)
    weights[0] = weights[-1] = 1.0
    total = float(weights @ np.abs(lam)) + abs(tail) * m
    clipped = float(weights @ np.maximum(-lam, 0.0)) + max(-tail, 0.0) * m
    return np.maximum(lam, 0.0), max(tail, 0.0), (clipped / total if total > 0 else 0.0)


def draw_paths(lam: np.ndarray, m: int, tail: float, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
    r"""``n`` paths of ``length`` samples: the periodic Gaussian process with spectrum ``lam``
    plus a static offset of variance ``tail``.

    The Fourier coefficients of real white noise are drawn directly (real at the zero and
    Nyquist frequencies, complex with independent parts of variance :math:`M/2` elsewhere),
    multiplied by :math:`\sqrt{\lambda}` and transformed back once.

    ``lam``, ``m`` as returned by :func:`clip_spectrum` (``lam >= 0``), ``tail >= 0``,
    ``length <= m`` and ``n`` positive integers, ``rng`` a :class:`numpy.random.Generator` (or a
    seed for one).
    """
    lam, m = _check_spectrum(lam, m)
    if np.any(lam < 0):
        raise ValueError(f"lam must be non-negative (clip it with clip_spectrum), got minimum {lam.min():g}")
    tail = check_nonnegative_float(tail, "tail")
    length = check_positive_int(length, "length")
    if length > m:
        raise ValueError(f"length must be at most the circle's m={m} points, got {length}")
    n = check_positive_int(n, "n")
    check_memory(2.0 * n * m, "n", what=f"{n} paths on a circle of {m} points")
    rng = as_generator(rng, "rng")
    return draw_paths_unchecked(lam, m, tail, length, n, rng)


def draw_paths_unchecked(lam, m, tail, length, n, rng):
    """:func:`draw_paths` without argument checks."""
    scale = np.sqrt(lam * (m / 2.0))
    scale[0] *= np.sqrt(2.0)  # irfft keeps only the real part at these two frequencies
    scale[-1] *= np.sqrt(2.0)
    # white noise drawn in single precision (twice as fast; the statistics are unaffected) and
    # used as the real and imaginary parts of double-precision Fourier coefficients
    coef = rng.standard_normal((n, 2 * lam.size), dtype=np.float32).astype(np.float64).view(np.complex128)
    coef *= scale
    x = _fft.irfft(coef, n=m, axis=-1)[:, :length]
    if tail > 0.0:
        x += np.sqrt(tail) * rng.standard_normal((n, 1))
    return x


def stationary_gaussian_paths(covariance, length, paths=1, seed=None, *, return_clipped=False):
    r"""Sample paths of a stationary Gaussian process by circulant embedding (chapter 9).

    For a covariance :math:`c(k)=\langle x_t x_{t+k}\rangle`, :math:`k=0,\dots,K` (lags beyond
    :math:`K` take the last value :math:`c_\infty`), the even extension of
    :math:`\tilde c=c-c_\infty` (zero beyond :math:`K`) to a circle of
    :math:`M\ge\mathrm{length}+K` points has the eigenvalues

    .. math::

        \lambda_j=\sum_{k=0}^{M-1}\tilde c(k)\,e^{-2\pi ijk/M},\qquad
        x=\mathcal F^{-1}\big[\sqrt{\lambda}\,\mathcal F[w]\big]+\sqrt{c_\infty}\,\xi,\quad
        w\sim\mathcal N(0,\mathbb 1),\ \xi\sim\mathcal N(0,1),

    and the first ``length`` samples of :math:`x` have exactly the covariance :math:`c` when all
    :math:`\lambda_j\ge0` and :math:`c_\infty\ge0` (a constant tail is a static offset per
    path). Small negative eigenvalues (a covariance that is not quite positive definite, e.g.
    a Monte Carlo estimate or a truncated one) are set to zero; the clipped fraction of the
    spectral mass :math:`\sum\max(-\lambda_j,0)/\sum|\lambda_j|` says how much was changed.

    Parameters
    ----------
    covariance : array_like, shape (K + 1,)
        :math:`c(0),\dots,c(K)` on the sampling grid, with :math:`c(0)>0`.
    length : int
        Samples per path.
    paths : int, optional
        Number of independent paths.
    seed : None, int or numpy.random.Generator, optional
    return_clipped : bool, optional
        Also return the clipped fraction.

    Returns
    -------
    ndarray, shape (paths, length)
        (and the clipped fraction, a float, if ``return_clipped``).

    Raises
    ------
    ValueError
        For a bad covariance, or if ``length + K`` exceeds the embedding's cap of
        :math:`2\times10^6` points.

    Examples
    --------
    >>> x = stationary_gaussian_paths(np.exp(-np.arange(50) * 0.1), 200, paths=4, seed=0)
    >>> x.shape
    (4, 200)
    """
    c = _check_covariance(covariance)
    if c[0] <= 0 or np.any(np.abs(c) > c[0] * (1 + 1e-12)):
        raise ValueError("covariance must have c(0) > 0 and |c(k)| <= c(0)")
    length = check_positive_int(length, "length")
    paths = check_positive_int(paths, "paths")
    return_clipped = check_bool(return_clipped, "return_clipped")
    rng = as_generator(seed)
    lam, m, tail = circulant_spectrum_unchecked(c, length)
    check_memory(2.0 * paths * m, "paths", what=f"{paths} paths on a circle of {m} points")
    lam, tail, clipped = clip_spectrum_unchecked(lam, m, tail)
    x = draw_paths_unchecked(lam, m, tail, length, paths, rng)
    return (x, clipped) if return_clipped else x


# --------------------------------------------------------------------- single-site pieces
def exponential_step_coefficients(rate: np.ndarray, forcing: np.ndarray, dt: float):
    r"""Coefficients of :math:`h_{n+1}=E_nh_n+B_n` for :math:`\dot h=-a(t)\,[h-f(t)]`.

    Exact for :math:`a` constant (its trapezoid mean :math:`\bar a_n`) and :math:`f` linear on
    each step: with :math:`A_n=\bar a_n\delta t`, :math:`E_n=e^{-A_n}` and
    :math:`\varphi_n=(1-E_n)/A_n`,
    :math:`B_n=f_{n+1}-E_nf_n-(f_{n+1}-f_n)\varphi_n`. Second order, stable for any step.

    ``rate`` (``>= 0``) and ``forcing`` are finite arrays of shape ``(paths, steps + 1)``, ``dt > 0``.
    """
    rate = _check_paths_array(rate, "rate")
    if np.any(rate < 0):
        raise ValueError(f"rate must be non-negative, got minimum {rate.min():g}")
    forcing = _check_paths_array(forcing, "forcing")
    if forcing.shape != rate.shape:
        raise ValueError(f"forcing must have the shape of rate {rate.shape}, got {forcing.shape}")
    dt = check_positive_float(dt, "dt")
    return exponential_step_coefficients_unchecked(rate, forcing, dt)


def _check_paths_array(x, name, min_steps=1):
    """``x`` as a finite 2-D float array (paths, samples) with at least ``min_steps`` samples."""
    arr = as_float64(x, name)
    if arr.ndim != 2 or arr.shape[1] < min_steps:
        raise ValueError(f"{name} must be a 2-D array (paths, samples) with at least {min_steps} sample(s), "
                         f"got shape {arr.shape}")
    return arr


def exponential_step_coefficients_unchecked(rate, forcing, dt):
    """:func:`exponential_step_coefficients` without argument checks."""
    big_a = 0.5 * dt * (rate[:, 1:] + rate[:, :-1])
    e = np.exp(-big_a)
    small = big_a < 1e-8
    phi1 = np.where(small, 1.0 - 0.5 * big_a, -np.expm1(-big_a) / np.where(small, 1.0, big_a))
    f0, f1 = forcing[:, :-1], forcing[:, 1:]
    return e, f1 - e * f0 - (f1 - f0) * phi1


def integrate_linear(e: np.ndarray, b: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """Run the linear recursion h_{n+1} = e_n h_n + b_n for all paths (the loop is over time).

    ``e`` and ``b`` are finite arrays of shape ``(paths, steps)``, ``h0`` of shape ``(paths,)``.
    """
    e = _check_paths_array(e, "e", 0)
    b = _check_paths_array(b, "b", 0)
    if b.shape != e.shape:
        raise ValueError(f"b must have the shape of e {e.shape}, got {b.shape}")
    h0 = as_float64(h0, "h0")
    if h0.shape != (e.shape[0],):
        raise ValueError(f"h0 must have shape ({e.shape[0]},) (one value per path), got {h0.shape}")
    return integrate_linear_unchecked(e, b, h0)


def integrate_linear_unchecked(e, b, h0):
    """:func:`integrate_linear` without argument checks."""
    n = e.shape[1] + 1
    h = np.empty((h0.size, n))
    h[:, 0] = h0
    et, bt, ht = e.T.copy(), b.T.copy(), h.T.copy()
    for k in range(n - 1):
        np.multiply(et[k], ht[k], out=ht[k + 1])
        ht[k + 1] += bt[k]
    return ht.T


def lagged_products(x: np.ndarray, n_lags: int) -> np.ndarray:
    r"""Per-path uncentred autocorrelation :math:`\frac1{n-k}\sum_t x_tx_{t+k}`, :math:`k\le` ``n_lags``.

    ``x`` is a finite array of shape ``(paths, n)``, ``0 <= n_lags < n``.
    """
    x = _check_paths_array(x, "x")
    n_lags = check_int(n_lags, "n_lags", minimum=0)
    if n_lags >= x.shape[1]:
        raise ValueError(f"n_lags must be smaller than the {x.shape[1]} samples per path, got {n_lags}")
    return lagged_products_unchecked(x, n_lags)


def lagged_products_unchecked(x, n_lags):
    """:func:`lagged_products` without argument checks."""
    n = x.shape[1]
    size = _fft.next_fast_len(n + n_lags + 1, real=True)
    spec = _fft.rfft(x, n=size, axis=-1)
    acf = _fft.irfft(spec.real**2 + spec.imag**2, n=size, axis=-1)[:, : n_lags + 1]
    return acf / (n - np.arange(n_lags + 1))
