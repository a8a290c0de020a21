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

The uniform grids grow with :math:`\alpha\sqrt\Delta`, so they are capped: at most
:data:`MAX_GRID_POINTS` points for single averages and :data:`MAX_CORRELATED_GRID_POINTS` for
correlated ones (:math:`\alpha\sqrt\Delta` up to about :math:`6.5\times10^4` and
:math:`1.6\times10^4`). Beyond them a :class:`QuadratureGridError` (a :class:`ValueError`) says
which sharpness and variance asked for how many points; callers that know the network's
parameter names (e.g. :func:`~gatebook.meanfield.onsets.chaos_onset`) re-raise it naming them.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.special import expit

from .._validation import as_float64, check_choice, check_finite_float, check_positive_int

__all__ = [
    "check_variance",
    "correlation_profile",
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
    "MAX_GRID_POINTS",
    "MAX_CORRELATED_GRID_POINTS",
    "QuadratureGridError",
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
#: Largest grid of a single average (16 MiB per array of nodes; sharpness * sqrt(variance) <= 65536).
MAX_GRID_POINTS = 2**21 + 1
#: Largest ``n`` of the correlated grid rule, whose FFT grid has ``4 (n - 1)`` points (8 MiB per
#: array, about 0.05 s per correlation coefficient; sharpness * sqrt(variance) <= 16384).
MAX_CORRELATED_GRID_POINTS = 2**18 + 1


class QuadratureGridError(ValueError):
    r"""A uniform quadrature grid would exceed its cap (:data:`MAX_GRID_POINTS`, :data:`MAX_CORRELATED_GRID_POINTS`).

    Raised when a function of sharpness :math:`\alpha` (a gate's gain, 2 for :math:`\tanh`) is
    averaged over a Gaussian so wide that resolving its switching width :math:`1/\alpha` needs
    more points than the cap: the number of points grows like :math:`\alpha\sqrt\Delta`. The
    attributes ``sharpness``, ``variance``, ``points`` (the grid it would need) and ``cap`` let
    a caller re-raise the error naming its own parameters.
    """

    def __init__(self, message, *, sharpness=float("nan"), variance=float("nan"), points=float("nan"), cap=0):
        super().__init__(message)
        self.sharpness = sharpness
        self.variance = variance
        self.points = points
        self.cap = cap


def _grid_error(kind, sharpness, std, points, cap):
    product = sharpness * std
    return QuadratureGridError(
        f"{kind}: the sharpness * sqrt(variance) = {product:.3g} (sharpness {sharpness:.3g}, variance "
        f"{std * std:.3g}) needs a uniform grid of {points:.3g} points to resolve the switching width "
        f"1/sharpness, more than the cap of {cap} points (on this scale the function is a step: reduce "
        "the gain or the variance, or pass a smaller n explicitly)",
        sharpness=sharpness,
        variance=std * std,
        points=points,
        cap=cap,
    )


_METHODS = ("auto", "hermite", "grid")
_CHUNK = 2_000_000  # elements per block of the nested correlated integral
_GRID_CHUNK = 8_000_000  # grid points per block of the smoothed correlated average (one block for DMFT tables)
_ZETA_POINTS = 321  # outer nodes for |c| too small for the grid rule's trapezoid


def gate_unchecked(x, alpha, beta):
    """:func:`gate` without argument checks (the solvers' inner loops call it on their own grids)."""
    return expit(alpha * np.asarray(x, dtype=float) - beta)


def gate_slope_unchecked(x, alpha, beta):
    """:func:`gate_slope` without argument checks."""
    s = gate_unchecked(x, alpha, beta)
    # 1 - sigma(u) = sigma(-u) avoids cancellation where the gate is nearly open
    return alpha * s * expit(-(alpha * np.asarray(x, dtype=float) - beta))


def _check_gate_args(x, alpha, beta):
    """``x`` as a finite float array, ``alpha`` and ``beta`` as finite floats (errors name them)."""
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"x must be a real number or an array of real numbers, got {x!r}")
    return as_float64(x, "x"), check_finite_float(alpha, "alpha"), check_finite_float(beta, "beta")


def gate(x, alpha, beta):
    r"""Gate nonlinearity :math:`\sigma(x)=\big[1+e^{-\alpha x+\beta}\big]^{-1}` (chapter 6).

    Evaluated with :func:`scipy.special.expit`, so it never overflows.
    The gate is half open at its threshold :math:`x=\beta/\alpha` and becomes the step
    :math:`\Theta(x-\beta/\alpha)` as :math:`\alpha\to\infty`.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a finite real number or array, or ``alpha`` or ``beta`` is not a finite
        real number.

    Examples
    --------
    >>> float(gate(0.0, 5.0, 0.0))
    0.5
    """
    return gate_unchecked(*_check_gate_args(x, alpha, beta))


def gate_slope(x, alpha, beta):
    r"""Derivative of the gate, :math:`\sigma'(x)=\alpha\,\sigma(x)\,[1-\sigma(x)]` (chapter 6).

    Arguments and errors as in :func:`gate`.

    >>> float(gate_slope(0.0, 4.0, 0.0))
    1.0
    """
    return gate_slope_unchecked(*_check_gate_args(x, alpha, beta))


def _grid_points(sharpness, std) -> int:
    """Odd number of grid points with spacing at most half the gate width ``1/sharpness``.

    Raises :class:`QuadratureGridError` above :data:`MAX_GRID_POINTS`.
    """
    needed = float(np.ceil(4.0 * GRID_HALF_WIDTH * sharpness * std)) + 1.0  # a float: never overflows
    if not needed <= MAX_GRID_POINTS:
        raise _grid_error("gaussian_average", sharpness, std, needed, MAX_GRID_POINTS)
    n = max(GRID_POINTS, int(needed))
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
    if method == "grid" and n > MAX_GRID_POINTS:
        raise ValueError(f"n must be at most MAX_GRID_POINTS = {MAX_GRID_POINTS} for the grid rule, got {n}")
    if method == "hermite" and n > 2000:
        raise ValueError(f"n must be at most 2000 for the Gauss-Hermite rule (an eigen-solve of size n), got {n}")
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


def check_variance(variance, name: str = "variance"):
    """Return ``variance`` (a number or an array of them) as a float array of finite values ``>= 0``.

    Errors name the argument ``name`` (e.g. ``"delta"`` for a caller whose argument is so called).

    >>> check_variance([0.5, 1.0])
    array([0.5, 1. ])
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (the argument named in errors), got {name!r}")
    if variance is None or isinstance(variance, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {variance!r}")
    try:
        v = np.asarray(variance, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {variance!r}") from err
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite")
    if np.any(v < 0):
        raise ValueError(f"{name} must be non-negative, got minimum {v.min()}")
    return v


def _check_sharpness(sharpness):
    s = check_finite_float(sharpness, "sharpness")
    if s < 0:
        raise ValueError(f"sharpness must be non-negative, got {s}")
    return s


def _choose(method, n, sharpness, std_max, grid_points=None):
    """The rule and its number of nodes (``grid_points(sharpness, std)`` sizes a default grid)."""
    method = check_choice(method, "method", _METHODS)
    if method == "auto":
        sharp = sharpness * std_max > SHARPNESS_THRESHOLD
        method = "grid" if sharp else "hermite"
    if n is None:
        n = HERMITE_POINTS if method == "hermite" else (grid_points or _grid_points)(sharpness, std_max)
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

    Raises
    ------
    QuadratureGridError
        If the default grid would need more than :data:`MAX_GRID_POINTS` points
        (``sharpness * sqrt(variance)`` above about 65536); the message gives both numbers.

    Examples
    --------
    >>> round(float(gaussian_average(lambda x: x**2, 2.5)), 12)
    2.5
    """
    _check_callable(f, "f")
    v = check_variance(variance)
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
        As in :func:`gaussian_average`. ``"hermite"`` evaluates both nested integrals with the
        ``n``-point Gauss-Hermite rule (``c.size * n**2`` evaluations of ``f`` and ``g``).
        ``"grid"`` evaluates ``f`` and ``g`` once on a uniform grid of spacing
        :math:`8\sqrt\Delta/(n-1)` (half that of the single-average grid) spanning
        :math:`\pm16` standard deviations, forms the inner averages for every ``c`` at once by an
        FFT Gaussian filter, and does the outer average as a trapezoid sum on the same grid (cubic
        interpolation for :math:`|c|` so small that the outer Gaussian spans fewer than three grid
        points). Its cost is one FFT of about ``2 n`` points per value of ``c``, so large ``n``
        (sharp gates) stays cheap; tables of the DMFT use this rule.

    Returns
    -------
    float or ndarray
        Same shape as ``c``.

    Raises
    ------
    QuadratureGridError
        If the default grid would need more than :data:`MAX_CORRELATED_GRID_POINTS` points
        (``sharpness * sqrt(variance)`` above 16384); the message gives both numbers.

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
    try:
        cc = np.asarray(c, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"c must be a real number or an array of them, got {c!r}") from err
    if not np.all(np.isfinite(cc)):
        raise ValueError("c must be finite")
    if np.any(np.abs(cc) > 1.0 + 1e-12):
        raise ValueError(f"c must lie in [-1, 1], got values in [{cc.min()}, {cc.max()}]")
    cc = np.clip(cc, -1.0, 1.0)
    alpha = _check_sharpness(sharpness)
    if n is not None:
        n = check_positive_int(n, "n")
    method, n = _choose(method, n, alpha, np.sqrt(v), _correlated_grid_points)
    if method == "grid" and n > MAX_CORRELATED_GRID_POINTS:
        raise ValueError(
            f"n must be at most MAX_CORRELATED_GRID_POINTS = {MAX_CORRELATED_GRID_POINTS} for the grid rule "
            f"of correlated_average, got {n}"
        )
    if method == "hermite" and n > 2000:
        raise ValueError(f"n must be at most 2000 for the nested Gauss-Hermite rule, got {n}")
    flat = cc.ravel()
    if method == "grid":
        out = _smoothed_correlation(f, g, v, mu, flat, n)
    else:
        out = _nested_hermite(f, g, v, mu, flat, n)
    out = out.reshape(cc.shape)
    return float(out) if out.ndim == 0 else out


def _correlated_grid_points(sharpness, std) -> int:
    r"""Default ``n`` of the correlated grid rule: :math:`2^k+1\ge257` points, spacing at most half the gate width.

    Powers of two keep ``n`` (hence the cached filters) unchanged while the variance of a DMFT
    iteration drifts. Raises :class:`QuadratureGridError` above :data:`MAX_CORRELATED_GRID_POINTS`.
    """
    needed = max(256.0, 16.0 * sharpness * std)  # a float: never overflows
    if not needed <= MAX_CORRELATED_GRID_POINTS - 1:
        points = 2.0 ** np.ceil(np.log2(needed)) + 1.0 if np.isfinite(needed) else needed
        raise _grid_error("correlated_average", sharpness, std, points, MAX_CORRELATED_GRID_POINTS)
    return int(2 ** int(np.ceil(np.log2(needed)))) + 1


@lru_cache(maxsize=6)
def _filter_tables(n: int, c_bytes: bytes):
    r"""Variance-free parts of the ``"grid"`` correlated average, cached per (n, c).

    On the grid :math:`u_k=(k-m/2)\,\delta` (units of the standard deviation, spacing
    :math:`\delta=8/(n-1)`, :math:`m=4(n-1)` points on :math:`[-16,16)`) the inner Gaussian
    filter of variance :math:`(1-|c|)` is the Fourier multiplier
    :math:`e^{-(1-|c|)(\omega\delta)^2/2}` and the outer measure of variance :math:`|c|` has
    weights :math:`\propto e^{-u_k^2/(2|c|)}` (normalised to sum to one). Both are independent
    of the variance of the average once lengths are measured in standard deviations.
    """
    c = np.frombuffer(c_bytes, dtype=float)
    m = 4 * (n - 1)
    delta = GRID_HALF_WIDTH / (n - 1)
    u = (np.arange(m) - m // 2) * delta
    omega = 2.0 * np.pi * np.fft.rfftfreq(m, d=delta)
    multiplier = np.exp(-0.5 * (1.0 - np.abs(c))[:, None] * omega[None, :] ** 2)
    a = np.abs(c)
    resolved = np.sqrt(a) >= 3.0 * delta  # the outer Gaussian spans at least three grid steps
    weights = np.zeros((c.size, m))
    if np.any(resolved):
        wr = np.exp(-0.5 * u[None, :] ** 2 / a[resolved, None])
        weights[resolved] = wr / wr.sum(axis=1, keepdims=True)
    for arr in (u, multiplier, weights, resolved):
        arr.flags.writeable = False
    return u, delta, multiplier, weights, resolved


def _interp_rows(values, x0, dx, points):
    """Row-wise cubic (4-point Lagrange) interpolation of ``values`` (uniform grid from ``x0``) at ``points``."""
    pos = (points - x0) / dx
    i = np.clip(np.floor(pos).astype(int), 1, values.shape[1] - 3)
    t = pos - i
    rows = np.arange(values.shape[0])[:, None]
    return (
        -t * (t - 1) * (t - 2) / 6 * values[rows, i - 1]
        + (t + 1) * (t - 1) * (t - 2) / 2 * values[rows, i]
        - (t + 1) * t * (t - 2) / 2 * values[rows, i + 1]
        + (t + 1) * t * (t - 1) / 6 * values[rows, i + 2]
    )


def _mirror(values):
    r"""``values`` at :math:`-u` on the grid :math:`u_k=(k-m/2)\delta` (periodic wrap at the ends)."""
    return np.roll(values[:, ::-1], 1, axis=1)


def _smoothed_correlation(f, g, v, mu, c, n):
    """The ``"grid"`` rule of :func:`correlated_average` for a flat array ``c`` (see its docstring)."""
    out = np.empty(c.size)
    if c.size == 0:
        return out
    sd = np.sqrt(v)
    if sd == 0.0:
        x = np.full(1, mu)
        return np.full(c.size, float(_apply(f, x)[0] * _apply(g, x)[0]))
    step = max(1, _GRID_CHUNK // (4 * n))
    for start in range(0, c.size, step):  # blocks of c values, to bound memory
        cb = np.ascontiguousarray(c[start : start + step])
        u, delta, multiplier, weights, resolved = _filter_tables(n, cb.tobytes())
        x = mu + sd * u
        m = u.size
        fs = np.fft.irfft(np.fft.rfft(_apply(f, x))[None, :] * multiplier, n=m)
        gs = fs if g is f else np.fft.irfft(np.fft.rfft(_apply(g, x))[None, :] * multiplier, n=m)
        g_at = np.where((cb < 0)[:, None], _mirror(gs), gs)  # y = mu + sgn(c)(x - mu) on the outer variable
        block = np.einsum("ij,ij,ij->i", fs, g_at, weights)
        if not np.all(resolved):
            rows = np.flatnonzero(~resolved)
            zeta, wz = _nodes(_ZETA_POINTS, "grid")
            b = np.sqrt(np.abs(cb[rows]))[:, None] * zeta[None, :]
            sign = np.sign(cb[rows])[:, None]
            first = _interp_rows(fs[rows], u[0], delta, b)
            second = _interp_rows(gs[rows], u[0], delta, sign * b)
            block[rows] = (first * second) @ wz
        out[start : start + step] = block
    return out


def _nested_hermite(f, g, v, mu, c, n):
    """The ``"hermite"`` rule of :func:`correlated_average`: nested Gauss-Hermite sums."""
    t, w = gaussian_nodes(n, "hermite")
    out = np.empty(c.size)
    sd = np.sqrt(v)
    step = max(1, _CHUNK // (n * n))
    for start in range(0, c.size, step):  # blocks of c values, to bound memory
        cb = c[start : start + step]
        a = np.sqrt(np.abs(cb))[:, None, None]
        b = np.sqrt(1.0 - np.abs(cb))[:, None, None]
        sign = np.sign(cb)[:, None, None]
        zeta, xi = t[None, :, None], t[None, None, :]
        inner_f = _apply(f, mu + sd * (b * xi + a * zeta)) @ w
        inner_g = _apply(g, mu + sd * (b * xi + sign * a * zeta)) @ w
        out[start : start + step] = (inner_f * inner_g) @ w
    return out


#: number of correlation coefficients at which :func:`correlation_profile` tabulates :math:`C_f`
PROFILE_TABLE_POINTS = 97


def correlation_profile(f, autocorrelation, sharpness: float = 2.0) -> np.ndarray:
    r""":math:`C_f(s)=\langle f(x(t))f(x(t+s))\rangle` along a stationary Gaussian lag profile (chapter 9).

    For a Gaussian process with autocorrelation :math:`\Delta(s)`, :math:`C_f(s)` depends on
    :math:`s` only through the correlation coefficient :math:`c(s)=\Delta(s)/\Delta(0)`,

    .. math::

        C_f(s)=\int\!D\zeta\Big[\int\!D\xi\,f\big(\sqrt{\Delta_0}(\sqrt{1-|c|}\,\xi+\sqrt{|c|}\,\zeta)\big)\Big]
        \Big[\int\!D\xi\,f\big(\sqrt{\Delta_0}(\sqrt{1-|c|}\,\xi+\mathrm{sgn}(c)\sqrt{|c|}\,\zeta)\big)\Big],

    so it is tabulated once (:func:`correlated_average`, the uniform-grid rule that resolves
    sharp gates) at ``PROFILE_TABLE_POINTS`` Chebyshev-spaced :math:`c\in[-1,1]` and
    interpolated by a cubic spline at every lag. The DMFT solvers of chapters 9-10 evaluate
    :math:`C_\phi`, :math:`C_{\sigma_r}`, :math:`C_{\phi'}` and :math:`C_{\sigma_r'}` this way.

    Parameters
    ----------
    f : callable
        Vectorised function of one array.
    autocorrelation : 1-D array
        :math:`\Delta(s)` on a lag grid starting at :math:`s=0`; a zero variance gives the
        constant :math:`f(0)^2`.
    sharpness : float, optional
        Gain of the sharpest gate in ``f`` (sets the grid; at least 2).

    Raises
    ------
    TypeError, ValueError
        If ``f`` is not callable, ``autocorrelation`` is not a non-empty 1-D array of finite
        values with :math:`\Delta(0)\ge0`, or ``sharpness`` is not a finite number ``>= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> abs(float(correlation_profile(np.tanh, np.array([1.0, 0.0]))[1])) < 1e-15  # uncorrelated, odd f: 0
    True
    """
    _check_callable(f, "f")
    autocorrelation = as_float64(autocorrelation, "autocorrelation")
    if autocorrelation.ndim != 1 or autocorrelation.size == 0:
        raise ValueError(
            f"autocorrelation must be a non-empty 1-D array (a lag profile starting at s = 0), got shape "
            f"{autocorrelation.shape}"
        )
    if autocorrelation[0] < 0:
        raise ValueError(f"autocorrelation[0] is the variance Delta(0) and must be >= 0, got {autocorrelation[0]}")
    return correlation_profile_unchecked(f, autocorrelation, _check_sharpness(sharpness))


def correlation_profile_unchecked(f, autocorrelation, sharpness=2.0):
    """:func:`correlation_profile` without argument checks (the solvers call it every iteration)."""
    autocorrelation = np.asarray(autocorrelation, dtype=float)
    variance = float(autocorrelation[0])
    if variance <= 0.0:
        f0 = float(f(np.zeros(1))[0])
        return np.full(autocorrelation.shape, f0 * f0)
    cgrid = np.cos(np.linspace(np.pi, 0.0, PROFILE_TABLE_POINTS))  # dense near c = +-1
    table = correlated_average(f, f, variance, cgrid, method="grid", sharpness=max(sharpness, 2.0))
    return CubicSpline(cgrid, table)(np.clip(autocorrelation / variance, -1.0, 1.0))
