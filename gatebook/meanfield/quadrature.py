r"""Gaussian averages of nonlinear functions, accurate for sharp gates (chapters 9-11).

Every mean-field equation of the book is built from two kinds of average over a
zero-mean (or shifted) Gaussian variable:

* single averages :math:`\langle f\rangle_\Delta=\int Dx\,f(\sqrt\Delta\,x)`, e.g.
  :math:`Q(\Delta)=\langle\tanh^2\rangle_\Delta` of the static mean field, and
* correlated averages :math:`C_f(c)=\langle f(x)g(y)\rangle` for jointly Gaussian
  :math:`(x,y)` with correlation coefficient :math:`c`, which turn the autocorrelation
  :math:`\Delta(s)` of :math:`h` into those of :math:`\phi(h)` and of the gates (chapter 9).

Two rules are offered. Gauss-Hermite quadrature (80 nodes) has an inner node spacing of
about :math:`\pi/\sqrt K` standard deviations, while a gate of gain :math:`\alpha` switches over
:math:`1/(\alpha\sqrt\Delta)` standard deviations, so it under-resolves sharp functions. The
effect sets in earlier than one might think: :math:`\tanh(x)=2\sigma(2x)-1` is a gate of gain 2,
and 80-point Gauss-Hermite errs on :math:`\langle\tanh^2\rangle_\Delta` by about
:math:`2\times10^{-10}` at :math:`\Delta=1`, :math:`2\times10^{-5}` at :math:`\Delta=4` and
:math:`10^{-3}` at :math:`\Delta=9`; at :math:`\alpha\sqrt\Delta=50` it misses
:math:`\langle\sigma'\rangle` entirely. The uniform-grid rule (trapezoid on :math:`\pm8` standard
deviations) converges exponentially in the number of points for analytic integrands and
resolves a gate once the spacing is a fraction of its width :math:`1/\alpha`; always check it by
doubling. ``method="auto"`` therefore uses Gauss-Hermite only while
:math:`\alpha\sqrt\Delta\le2` (error below about :math:`10^{-9}`), with :math:`\alpha` the
``sharpness`` hint (default 2, that of :math:`\tanh`).
"""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np
from scipy.special import expit

from .._validation import check_choice, check_finite_float, check_positive_int

__all__ = [
    "gate",
    "gate_slope",
    "gaussian_nodes",
    "gaussian_average",
    "correlated_average",
    "HERMITE_POINTS",
    "GRID_POINTS",
    "GRID_HALF_WIDTH",
    "SHARPNESS_THRESHOLD",
    "DEFAULT_SHARPNESS",
]

#: Gauss-Hermite nodes used for smooth integrands.
HERMITE_POINTS = 80
#: Minimum number of points of the uniform grid (odd, so that 0 is a node).
GRID_POINTS = 481
#: Half-width of the uniform grid, in standard deviations.
GRID_HALF_WIDTH = 8.0
#: ``method="auto"`` uses the grid when ``sharpness * sqrt(variance)`` exceeds this.
SHARPNESS_THRESHOLD = 2.0
#: Default sharpness hint: the gain of tanh(x) = 2 sigma(2x) - 1.
DEFAULT_SHARPNESS = 2.0

_METHODS = ("auto", "hermite", "grid")
_CHUNK = 2_000_000  # elements per block of the nested correlated integral


def gate(x, alpha, beta):
    r"""Gate nonlinearity :math:`\sigma(x)=\big[1+e^{-\alpha x+\beta}\big]^{-1}` (chapter 6).

    Evaluated with :func:`scipy.special.expit`, so it never overflows.
    The gate is half open at its threshold :math:`x=\beta/\alpha` and becomes the step
    :math:`\Theta(x-\beta/\alpha)` as :math:`\alpha\to\infty`.

    >>> float(gate(0.0, 5.0, 0.0))
    0.5
    """
    return expit(alpha * np.asarray(x, dtype=float) - beta)


def gate_slope(x, alpha, beta):
    r"""Derivative of the gate, :math:`\sigma'(x)=\alpha\,\sigma(x)\,[1-\sigma(x)]` (chapter 6).

    >>> float(gate_slope(0.0, 4.0, 0.0))
    1.0
    """
    s = gate(x, alpha, beta)
    # 1 - sigma(u) = sigma(-u) avoids cancellation where the gate is nearly open
    return alpha * s * expit(-(alpha * np.asarray(x, dtype=float) - beta))


def _grid_points(sharpness, std) -> int:
    """Odd number of grid points with spacing at most half the gate width ``1/sharpness``."""
    needed = int(np.ceil(4.0 * GRID_HALF_WIDTH * sharpness * std)) + 1
    n = max(GRID_POINTS, needed)
    return n if n % 2 == 1 else n + 1


def gaussian_nodes(n: int, method: str = "hermite"):
    r"""Nodes :math:`t_k` and weights :math:`w_k` with :math:`\sum_kw_kf(t_k)\approx\int Dt\,f(t)`.

    :math:`Dt` is the standard Gaussian measure. ``"hermite"``: probabilists' Gauss-Hermite
    rule (exact for polynomials of degree :math:`2n-1`). ``"grid"``: trapezoid rule on
    ``n`` uniform points in :math:`[-8,8]`, weights proportional to the density and
    normalised to sum to one.

    >>> t, w = gaussian_nodes(20)
    >>> round(float(w @ t**2), 12)
    1.0
    """
    n = check_positive_int(n, "n")
    method = check_choice(method, "method", ("hermite", "grid"))
    if method == "grid" and n < 3:
        raise ValueError(f"n must be at least 3 for the grid rule, got {n}")
    return _nodes(n, method)


@lru_cache(maxsize=64)
def _nodes(n, method):
    """Cached (read-only) nodes and weights; the Hermite rule costs an eigen-solve."""
    if method == "hermite":
        t, w = np.polynomial.hermite_e.hermegauss(n)
        w = w / np.sqrt(2.0 * np.pi)
    else:
        t = np.linspace(-GRID_HALF_WIDTH, GRID_HALF_WIDTH, n)
        w = np.exp(-0.5 * t**2)
        w[[0, -1]] *= 0.5
        w = w / w.sum()
    t.flags.writeable = False
    w.flags.writeable = False
    return t, w


def _check_variance(variance):
    v = np.asarray(variance, dtype=float)
    if not np.all(np.isfinite(v)):
        raise ValueError("variance must be finite")
    if np.any(v < 0):
        raise ValueError(f"variance must be non-negative, got minimum {v.min()}")
    return v


def _check_sharpness(sharpness):
    s = check_finite_float(sharpness, "sharpness")
    if s < 0:
        raise ValueError(f"sharpness must be non-negative, got {s}")
    return s


def _choose(method, n, sharpness, std_max):
    method = check_choice(method, "method", _METHODS)
    if method == "auto":
        sharp = sharpness * std_max > SHARPNESS_THRESHOLD
        method = "grid" if sharp else "hermite"
    if n is None:
        n = HERMITE_POINTS if method == "hermite" else _grid_points(sharpness, std_max)
    return method, n


def _apply(f, x):
    """``f(x)`` as a float array of the shape of ``x`` (a constant ``f`` is broadcast)."""
    return np.broadcast_to(np.asarray(f(x), dtype=float), x.shape)


def _check_callable(f, name):
    if not callable(f):
        raise TypeError(f"{name} must be a callable acting elementwise on arrays, got {type(f).__name__}")


def gaussian_average(f, variance, *, mean=0.0, n=None, method="auto", sharpness=DEFAULT_SHARPNESS):
    r"""Gaussian average :math:`\langle f\rangle=\int Dx\,f(\mu+\sqrt\Delta\,x)` (chapter 9).

    Parameters
    ----------
    f : callable
        Acts elementwise on arrays (e.g. ``np.tanh`` or ``lambda x: gate(x, a, b)**2``).
    variance : float or array_like
        :math:`\Delta\ge0`; an array gives one average per entry.
    mean : float, optional
        :math:`\mu`.
    n : int, optional
        Number of nodes; default 80 for Gauss-Hermite and, for the grid, at least 481 and
        enough for a spacing of half the switching width :math:`1/\alpha` of ``sharpness``.
    method : {"auto", "hermite", "grid"}, optional
        ``"auto"`` uses Gauss-Hermite when ``sharpness * sqrt(variance) <= 2`` and the grid
        otherwise (for an array of variances, the largest decides).
    sharpness : float, optional
        The largest gain :math:`\alpha` of a sigmoid inside ``f``: 2 (default) for
        :math:`\tanh`, :math:`\alpha_r` for a gate :math:`\sigma_r` (use the larger if ``f``
        contains both).  It sets the rule and the default grid size.

    Returns
    -------
    float or ndarray
        Same shape as ``variance``.

    Examples
    --------
    >>> round(float(gaussian_average(lambda x: x**2, 2.5)), 12)
    2.5
    """
    _check_callable(f, "f")
    v = _check_variance(variance)
    mu = check_finite_float(mean, "mean")
    alpha = _check_sharpness(sharpness)
    if n is not None:
        n = check_positive_int(n, "n")
    method, n = _choose(method, n, alpha, float(np.sqrt(v.max())) if v.size else 0.0)
    t, w = gaussian_nodes(n, method)
    x = mu + np.sqrt(v)[..., None] * t
    out = _apply(f, x) @ w
    return float(out) if out.ndim == 0 else out


def correlated_average(f, g, variance, c, *, mean=0.0, n=None, method="auto", sharpness=DEFAULT_SHARPNESS):
    r"""Correlated average :math:`\langle f(x)\,g(y)\rangle` of jointly Gaussian :math:`x,y` (chapter 9).

    Both variables have mean :math:`\mu` and variance :math:`\Delta`; their correlation
    coefficient is :math:`c\in[-1,1]`, i.e. :math:`\langle(x-\mu)(y-\mu)\rangle=c\Delta`.
    The mean of ``f`` and ``g`` is **not** subtracted. The average is computed by the nested
    formula

    .. math::
        C_{fg}(c)=\int D\zeta\Big[\int D\xi\,f\big(\mu+\sqrt\Delta(\sqrt{1-|c|}\,\xi+\sqrt{|c|}\,\zeta)\big)\Big]
        \Big[\int D\xi\,g\big(\mu+\sqrt\Delta(\sqrt{1-|c|}\,\xi+\mathrm{sgn}(c)\sqrt{|c|}\,\zeta)\big)\Big],

    so that :math:`C(\Delta(s)/\Delta(0))` is the autocorrelation of :math:`f(h)` for a
    stationary Gaussian process :math:`h` with autocorrelation :math:`\Delta(s)`.

    Parameters
    ----------
    f, g : callable
        Act elementwise on arrays.
    variance : float
        :math:`\Delta\ge0`.
    c : float or array_like
        Correlation coefficient(s) in :math:`[-1,1]`; any shape (vectorised).
    mean, n, method, sharpness
        As in :func:`gaussian_average`; both nested integrals use the same rule. The cost is
        ``c.size * n**2`` evaluations of ``f`` and ``g``.

    Returns
    -------
    float or ndarray
        Same shape as ``c``.

    Examples
    --------
    >>> round(float(correlated_average(np.tanh, np.tanh, 1.0, 0.0)), 12)
    0.0
    """
    _check_callable(f, "f")
    _check_callable(g, "g")
    v = check_finite_float(variance, "variance")
    if v < 0:
        raise ValueError(f"variance must be non-negative, got {v}")
    mu = check_finite_float(mean, "mean")
    if isinstance(c, bool) or not (isinstance(c, numbers.Real) or isinstance(c, np.ndarray) or np.ndim(c) > 0):
        raise TypeError(f"c must be a real number or an array of them, got {type(c).__name__}")
    cc = np.asarray(c, dtype=float)
    if not np.all(np.isfinite(cc)):
        raise ValueError("c must be finite")
    if np.any(np.abs(cc) > 1.0 + 1e-12):
        raise ValueError(f"c must lie in [-1, 1], got values in [{cc.min()}, {cc.max()}]")
    cc = np.clip(cc, -1.0, 1.0)
    alpha = _check_sharpness(sharpness)
    if n is not None:
        n = check_positive_int(n, "n")
    method, n = _choose(method, n, alpha, np.sqrt(v))
    t, w = gaussian_nodes(n, method)
    flat = cc.ravel()
    out = np.empty(flat.size)
    sd = np.sqrt(v)
    step = max(1, _CHUNK // (n * n))
    for start in range(0, flat.size, step):  # blocks of c values, to bound memory
        cb = flat[start : start + step]
        a = np.sqrt(np.abs(cb))[:, None, None]
        b = np.sqrt(1.0 - np.abs(cb))[:, None, None]
        sign = np.sign(cb)[:, None, None]
        zeta, xi = t[None, :, None], t[None, None, :]
        inner_f = _apply(f, mu + sd * (b * xi + a * zeta)) @ w
        inner_g = _apply(g, mu + sd * (b * xi + sign * a * zeta)) @ w
        out[start : start + step] = (inner_f * inner_g) @ w
    out = out.reshape(cc.shape)
    return float(out) if out.ndim == 0 else out
