r"""Static (fixed-point) mean field of the gated network (chapters 10 and 11).

At a fixed point of the gated network, :math:`h`, :math:`z` and :math:`r` have Gaussian
statistics across units, with variances that solve

.. math::
    \Delta_h=g_h^2\,S_r(\Delta_r)\,Q(\Delta_h)+\sigma_I^2,\qquad
    \Delta_r=g_r^2\,Q(\Delta_h),\qquad \Delta_z=g_z^2\,Q(\Delta_h),

where :math:`Q(\Delta)=\langle\tanh^2\rangle_\Delta` and
:math:`S_r(\Delta_r)=\langle\sigma_r^2\rangle_{\Delta_r}` are Gaussian averages. The timescale
gate :math:`\sigma_z` multiplies the whole right-hand side of :math:`\dot h`, so it does not
move fixed points: :math:`\alpha_z` and :math:`\beta_z` do not appear. :math:`\Delta_h\equiv0`
always solves the equations without input; nonzero solutions exist once :math:`g_h` reaches the
static onset :math:`g_{\rm topo}` (:func:`fixed_point_onset`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_expit

from .._validation import (
    check_finite_float,
    check_float_sequence,
    check_int,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from ..quiet_state import quiet_threshold
from ._result import DMFTConvergenceError
from ._signature import gate_keywords
from .quadrature import MAX_GRID_POINTS, QuadratureGridError, check_variance, gate_unchecked, gaussian_average

#: above this variance Q(Delta) is computed from 1 - Q on the scale of tanh (the grid in standard
#: deviations would need 32 sqrt(Delta) points)
_LARGE_VARIANCE = 1e4
#: nodes of the trapezoid rule for 1 - Q in units of the argument of tanh: sech^2 u on [-40, 40]
_SECH_U = np.linspace(-40.0, 40.0, 321)
#: below this value of S_r, the fixed +-8 s.d. grid may miss the gate's open region far out in the
#: tail (its truncation error is ~1e-15 absolute): S_r is recomputed around the integrand's mode
_TINY_GATE_MOMENT = 1e-6
#: half-width of that window around the mode, in standard deviations (the log-integrand, concave
#: with curvature <= -1, drops by at least 60 there)
_MODE_WINDOW = 11.0

__all__ = [
    "zero_state_threshold",  # deprecated: gatebook.quiet_state.quiet_threshold (removed next release)
    "tanh_second_moment",
    "gate_second_moment",
    "gate_moment",
    "fixed_point_onset",
    "StaticMeanField",
    "static_mean_field",
    "static_solution_curve",
]


def zero_state_threshold(beta_r) -> float:
    r"""Deprecated: use :func:`gatebook.quiet_state.quiet_threshold` (same value, :math:`1+e^{\beta_r}`).

    .. deprecated::
        Moved to :func:`gatebook.quiet_state.quiet_threshold`, the home of every closed form of
        the quiet state; this name will be removed in the next release.
    """
    warnings.warn(
        "gatebook.meanfield.zero_state_threshold is deprecated: use gatebook.quiet_state.quiet_threshold",
        DeprecationWarning,
        stacklevel=2,
    )
    return quiet_threshold(beta_r)


def tanh_second_moment(delta):
    r"""Fixed-point order parameter :math:`Q(\Delta)=\int Dx\,\tanh^2(\sqrt\Delta\,x)` (chapter 10).

    :math:`Q(\Delta)<\Delta` and :math:`Q(\Delta)/\Delta\to1` as :math:`\Delta\to0`;
    :math:`1-Q(\Delta)\simeq2/\sqrt{2\pi\Delta}` as :math:`\Delta\to\infty`.

    Parameters
    ----------
    delta : float or array_like
        Variances :math:`\Delta\ge0` (finite).

    Returns
    -------
    float or ndarray
        Same shape as ``delta``.

    Notes
    -----
    Up to :math:`\Delta=10^4` it uses :func:`~gatebook.meanfield.quadrature.gaussian_average`
    with the sharpness of :math:`\tanh` (a grid of :math:`32\sqrt\Delta` points). Above, where
    that grid would keep growing, it uses the exact identity

    .. math::

        1-Q(\Delta)=\int Dx\,\mathrm{sech}^2(\sqrt\Delta\,x)
        =\frac{1}{\sqrt\Delta}\int du\,\mathrm{sech}^2(u)\,\varphi\big(u/\sqrt\Delta\big),

    with :math:`\varphi` the standard normal density, by the trapezoid rule on
    :math:`u\in[-40,40]` (spacing 1/4; error below :math:`10^{-16}`), so any finite
    :math:`\Delta` (e.g. :math:`g_h^2` at :math:`g_h=1+e^{50}`) costs the same.

    Examples
    --------
    >>> round(float(tanh_second_moment(1.0)), 10)
    0.3942944906
    """
    d = check_variance(delta, "delta")
    big = d > _LARGE_VARIANCE
    if not np.any(big):
        return gaussian_average(lambda x: np.tanh(x) ** 2, delta)
    out = np.empty(d.shape)
    if np.any(~big):
        out[~big] = gaussian_average(lambda x: np.tanh(x) ** 2, d[~big])
    root = np.sqrt(d[big])[:, None]
    u = _SECH_U
    w = np.full(u.size, u[1] - u[0])
    w[[0, -1]] *= 0.5
    integrand = np.exp(-0.5 * (u[None, :] / root) ** 2) / np.cosh(u) ** 2
    out[big] = 1.0 - (integrand @ w) / (np.sqrt(2.0 * np.pi) * root[:, 0])
    return float(out) if out.ndim == 0 else out


@gate_keywords("alpha_r", "beta_r")
def gate_second_moment(delta_r, *, alpha_r=0.0, beta_r=0.0):
    r"""Mean squared output gate :math:`S_r(\Delta_r)=\int Dx\,\sigma_r^2(\sqrt{\Delta_r}\,x)` (chapter 10).

    Equals :math:`s_r^2=(1+e^{\beta_r})^{-2}` at :math:`\alpha_r=0` or :math:`\Delta_r=0`, and tends to
    the probability that :math:`r>\beta_r/\alpha_r` in the step-gate limit
    :math:`\alpha_r\to\infty` (:math:`1/2` at :math:`\beta_r=0`).

    Parameters
    ----------
    delta_r : float or array_like
        Variances :math:`\Delta_r\ge0` of the gate's input.
    alpha_r : float, optional
        Gate gain (``>= 0``).
    beta_r : float, optional
        Gate bias.

    Returns
    -------
    float or ndarray
        Same shape as ``delta_r``; accurate to about :math:`10^{-10}` **relative**, also where
        :math:`S_r` is exponentially small.

    Raises
    ------
    ValueError
        Naming ``alpha_r`` and ``delta_r`` if the gate is too sharp for its input's spread to be
        resolved (:math:`\alpha_r\sqrt{\Delta_r}` above about :math:`6.5\times10^4`); for a
        ``delta_r`` that is not a finite variance ``>= 0``.

    Notes
    -----
    Sharp gates are averaged on a fine grid (:func:`~gatebook.meanfield.quadrature.gaussian_average`
    with sharpness :math:`\alpha_r`) spanning :math:`\pm8` standard deviations. With a closed gate
    (large :math:`\beta_r>0`) the open region :math:`r>\beta_r/\alpha_r` can lie beyond that
    range, where the grid's absolute error :math:`\sim10^{-15}` exceeds :math:`S_r` itself (at
    :math:`\alpha_r=5`, :math:`\beta_r=50`, :math:`\Delta_r=1` it returned 5 % of the true
    value). Wherever the grid gives :math:`S_r<10^{-6}`, the average is therefore recomputed as
    :math:`e^{L^*}\int Dx\,e^{\ell(x)-L^*}` with the log-integrand
    :math:`\ell(x)=2\log\sigma(\alpha_r\sqrt{\Delta_r}x-\beta_r)` plus the Gaussian's, which is
    concave: a trapezoid rule on :math:`\pm11` standard deviations around its maximum
    :math:`L^*` (found by bisection), with spacing :math:`\min(1/2,1/(4\alpha_r\sqrt{\Delta_r}))`.

    Examples
    --------
    >>> gate_second_moment(0.7, alpha_r=0.0, beta_r=0.0)
    0.25
    """
    check_variance(delta_r, "delta_r")
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    return gate_moment_unchecked(delta_r, alpha_r, beta_r, 2, "alpha_r", "delta_r")


def gate_moment(delta, alpha, beta, power, name="alpha"):
    r"""Gaussian moment :math:`\langle\sigma^k\rangle=\int Dx\,\sigma^k(\alpha\sqrt\Delta\,x-\beta)` of a gate (chapters 8-10).

    The uniform-grid average of :func:`~gatebook.meanfield.quadrature.gaussian_average`,
    recomputed around the log-integrand's mode wherever it is below ``_TINY_GATE_MOMENT``
    (a gate open only far out in the tail; see :func:`gate_second_moment`); relative accuracy
    about 1e-10. :math:`k=` ``power`` (a positive integer); ``name`` (e.g. ``"alpha_r"``) is the
    argument named for the gain ``alpha`` (``>= 0``), in checks and in errors about a gate too
    sharp for the grid.

    Raises
    ------
    ValueError
        Naming ``name`` and ``delta`` if :math:`\alpha\sqrt\Delta` is too large for the grid
        (above about :math:`6.5\times10^4`; a :class:`~gatebook.meanfield.QuadratureGridError`),
        and for bad arguments.

    Examples
    --------
    >>> round(float(gate_moment(1.0, 0.0, 0.0, 2)), 6)   # a constant gate 1/2
    0.25
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (the argument named in errors), got {name!r}")
    check_variance(delta, "delta")
    alpha = check_nonnegative_float(alpha, name)
    beta = check_finite_float(beta, "beta")
    power = check_positive_int(power, "power")
    return gate_moment_unchecked(delta, alpha, beta, power, name, "delta")


def gate_moment_unchecked(delta, alpha, beta, power, name, variance_name):
    """:func:`gate_moment` without argument checks; a gate too sharp for the grid raises a
    :class:`QuadratureGridError` naming ``name`` and ``variance_name``."""
    try:
        out = gaussian_average(lambda x: gate_unchecked(x, alpha, beta) ** power, delta, sharpness=max(alpha, 2.0))
    except QuadratureGridError as err:
        if alpha == 0.0:  # a constant gate: its moment needs no grid, whatever the variance
            return _constant_gate_moment(delta, beta, power)
        raise QuadratureGridError(
            f"{name}={alpha:g} is too sharp for a gate average at {variance_name}={err.variance:.3g}: {err}",
            sharpness=err.sharpness, variance=err.variance, points=err.points, cap=err.cap,
        ) from err
    if alpha == 0.0:
        return out  # a constant gate: the grid's weights sum to one, s^k exactly
    values = np.array(out, dtype=float).reshape(-1)
    tiny = values < _TINY_GATE_MOMENT
    if np.any(tiny):
        d = np.broadcast_to(np.asarray(delta, dtype=float), np.shape(out)).reshape(-1)
        values[tiny] = _closed_gate_moment(d[tiny], alpha, beta, power, name, variance_name)
        out = float(values[0]) if np.ndim(out) == 0 else values.reshape(np.shape(out))
    return out


def _constant_gate_moment(delta, beta, power):
    """The moment ``expit(-beta)**power`` of a constant gate (``alpha = 0``), shaped like ``delta``."""
    value = float(expit(-beta)) ** power
    shape = np.shape(delta)
    return value if shape == () else np.full(shape, value)


def _closed_gate_moment(delta, alpha, beta, power, name, variance_name="variance"):
    r"""Gate moment around the log-integrand's mode, for gates open only far out in the tail.

    See :func:`gate_second_moment`; ``delta`` is a 1-D array, ``power`` the exponent :math:`k`.
    """
    a = alpha * np.sqrt(delta)  # gain in units of the standard deviation
    out = np.empty(a.size)
    for i, ai in enumerate(a):
        if ai == 0.0:
            out[i] = float(expit(-beta)) ** power
            continue
        # mode of l(x) = -x^2/2 + k log expit(a x - beta): l'(x) = -x + k a expit(beta - a x) is
        # decreasing, >= 0 at x = 0 and <= 0 at x = k a
        lo, hi = 0.0, power * ai
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if -mid + power * ai * expit(beta - ai * mid) > 0.0:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-12 * max(1.0, hi):
                break
        mode = 0.5 * (lo + hi)
        step = min(0.5, 0.25 / ai)
        points = int(np.ceil(2.0 * _MODE_WINDOW / step)) + 1
        if points > MAX_GRID_POINTS:
            raise QuadratureGridError(
                f"{name}={alpha:g} is too sharp for a gate average at {variance_name}={delta[i]:.3g}: "
                f"{name} * sqrt({variance_name}) = {ai:.3g} needs {points:.3g} points, more than {MAX_GRID_POINTS}",
                sharpness=alpha, variance=float(delta[i]), points=float(points), cap=MAX_GRID_POINTS,
            )
        x = mode + np.linspace(-_MODE_WINDOW, _MODE_WINDOW, points)
        log_p = -0.5 * x**2 + power * log_expit(ai * x - beta)
        peak = float(log_p.max())
        w = np.full(points, x[1] - x[0])
        w[[0, -1]] *= 0.5
        out[i] = np.exp(peak) * float(np.exp(log_p - peak) @ w) / np.sqrt(2.0 * np.pi)
    return out


def _gain_ratio(delta, alpha_r, beta_r, g_r):
    """The function S_r(g_r^2 Q(Delta)) Q(Delta) / Delta whose maximum sets g_topo."""
    q = tanh_second_moment(delta)
    return gate_moment_unchecked(g_r**2 * q, alpha_r, beta_r, 2, "alpha_r", "delta_r") * q / delta


def _too_sharp(err, where, alpha_r, g_r):
    """A gate average beyond the grid, re-raised naming the user's ``alpha_r`` and ``g_r``."""
    return ValueError(
        f"{where}: alpha_r={alpha_r:g} with g_r={g_r:g} makes the output gate too sharp for its input "
        f"(r has variance up to g_r^2 and the gate switches over 1/alpha_r; only alpha_r * g_r = "
        f"{alpha_r * g_r:.3g} matters): use a smaller alpha_r or g_r. {err}"
    )


def fixed_point_onset(alpha_r=0.0, beta_r=0.0, g_r=1.0) -> float:
    r"""Static onset :math:`g_{\rm topo}` of nonzero fixed points (chapters 10 and 11).

    A nonzero solution of the static mean field exists iff :math:`g_h\ge g_{\rm topo}`, with

    .. math::
        g_{\rm topo}=\Big[\sup_{\Delta>0}\frac{S_r\big(g_r^2Q(\Delta)\big)\,Q(\Delta)}{\Delta}\Big]^{-1/2}.

    The supremum is found by a 1-D maximisation over :math:`\log\Delta` (a log-spaced scan
    refined by a bounded scalar search), compared with its :math:`\Delta\to0` limit
    :math:`s_r^2`. Hence :math:`g_{\rm topo}=1+e^{\beta_r}` exactly at :math:`\alpha_r=0`, and
    :math:`\sqrt2<g_{\rm topo}\le1+e^{\beta_r}` for :math:`\beta_r\ge0`, tending to :math:`\sqrt2` as
    :math:`\alpha_r\to\infty`.

    This is the static-mean-field **proxy** for the onset of topological complexity (the
    exponential growth of the number of fixed points); it is not a Kac-Rice computation.

    Parameters
    ----------
    alpha_r : float, optional
        Gain of the output gate (``>= 0``).
    beta_r : float, optional
        Bias of the output gate.
    g_r : float, optional
        Gain of the gate coupling (``>= 0``); only :math:`\alpha_rg_r` matters.

    Raises
    ------
    ValueError
        For bad arguments; naming ``alpha_r`` and ``g_r`` when :math:`\alpha_rg_r` makes the gate
        too sharp for its Gaussian average (above about :math:`6.5\times10^4`).

    Examples
    --------
    >>> fixed_point_onset(0.0, 1.0)  # 1 + e
    3.718281828459045
    """
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    g_r = check_nonnegative_float(g_r, "g_r")
    try:
        best, limit = _onset_supremum(alpha_r, beta_r, g_r)
    except QuadratureGridError as err:
        raise _too_sharp(err, "fixed_point_onset", alpha_r, g_r) from err
    if best <= limit:
        return quiet_threshold(beta_r)  # supremum at Delta -> 0: exactly 1/s_r
    return float(best**-0.5)


def _onset_supremum(alpha_r, beta_r, g_r):
    """The supremum of S_r Q / Delta over Delta > 0 (scan and refinement) and its Delta -> 0 limit."""
    limit = gate_unchecked(0.0, alpha_r, beta_r) ** 2  # S_r(0) * lim Q(Delta)/Delta
    scale = max(1.0, alpha_r * g_r)
    log_delta = np.linspace(np.log(1e-6 / scale**2), np.log(1e4), 301)
    ratio = _gain_ratio(np.exp(log_delta), alpha_r, beta_r, g_r)
    k = int(np.argmax(ratio))
    best = ratio[k]
    if 0 < k < log_delta.size - 1:
        opt = minimize_scalar(
            lambda u: -_gain_ratio(np.exp(u), alpha_r, beta_r, g_r),
            bounds=(log_delta[k - 1], log_delta[k + 1]),
            method="bounded",
            options={"xatol": 1e-10},
        )
        best = max(best, -float(opt.fun))
    return best, limit


@dataclass
class StaticMeanField:
    r"""Solution of the static mean-field equations (chapter 10).

    Attributes
    ----------
    g_h, alpha_r, beta_r, g_r, g_z, input_std : float
        The parameters.
    delta_h, delta_r, delta_z : float
        Fixed-point variances :math:`\Delta_h`, :math:`\Delta_r=g_r^2Q(\Delta_h)`,
        :math:`\Delta_z=g_z^2Q(\Delta_h)`.
    branch : {"zero", "nonzero"}
        ``"zero"`` for the trivial solution :math:`\Delta_h=0` (only without input).
    residual : float
        :math:`|g_h^2S_rQ+\sigma_I^2-\Delta_h|` at the solution.
    iterations : int
        Fixed-point iterations used (before the Newton polish).
    converged : bool
    """

    g_h: float
    alpha_r: float
    beta_r: float
    g_r: float
    g_z: float
    input_std: float
    delta_h: float
    delta_r: float
    delta_z: float
    branch: str
    residual: float
    iterations: int
    converged: bool = True

    def __str__(self) -> str:
        return (
            f"StaticMeanField(g_h={self.g_h:g}, alpha_r={self.alpha_r:g}, beta_r={self.beta_r:g}): "
            f"{self.branch} branch, Delta_h={self.delta_h:.8g}, Delta_r={self.delta_r:.8g}, "
            f"Delta_z={self.delta_z:.8g}, residual {self.residual:.2g} after {self.iterations} iterations"
        )


def static_mean_field(
    g_h,
    alpha_r=0.0,
    beta_r=0.0,
    g_r=1.0,
    input_std=0.0,
    *,
    g_z=1.0,
    start=None,
    tol=1e-12,
    max_iter=200_000,
) -> StaticMeanField:
    r"""Solve the static mean-field equations of the gated network (chapter 10).

    .. math::
        \Delta_h=g_h^2\,S_r\big(g_r^2Q(\Delta_h)\big)\,Q(\Delta_h)+\sigma_I^2,\qquad
        \Delta_r=g_r^2Q(\Delta_h),\qquad\Delta_z=g_z^2Q(\Delta_h).

    The map :math:`T(\Delta)=g_h^2S_r(g_r^2Q(\Delta))Q(\Delta)+\sigma_I^2` is iterated from
    ``start``. Since :math:`S_r\le1` and :math:`Q\le1`, the default start
    :math:`g_h^2+\sigma_I^2` lies above every solution, and the iteration descends to the
    largest one (for :math:`\beta_r\ge0` the map is increasing). Without input it
    reaches :math:`\Delta_h=0` when :math:`g_h<g_{\rm topo}` (:func:`fixed_point_onset`); with a
    sharp gate and :math:`g_{\rm topo}<g_h<1+e^{\beta_r}` a small ``start`` selects the zero
    branch instead. The zero branch is declared once the iterate falls below
    :math:`10^{-13}\min(\mathrm{start},1)`, so a huge start (e.g. :math:`g_h^2` at
    :math:`g_h\sim1+e^{\beta_r}` for :math:`\beta_r=50`, where :math:`Q` is evaluated by the
    large-variance identity of :func:`tanh_second_moment`) is not mistaken for a collapse when the
    first step maps it to :math:`O(1)`. A nonzero limit is polished by Newton's method on
    :math:`T(\Delta)-\Delta`.

    Parameters
    ----------
    g_h : float
        State coupling gain (``>= 0``).
    alpha_r, beta_r, g_r : float, optional
        Output-gate gain (``>= 0``), bias, and gate-coupling gain (``>= 0``).
    input_std : float, optional
        Standard deviation :math:`\sigma_I` of a static random input to :math:`h` (``>= 0``).
    g_z : float, optional
        Timescale-gate coupling gain; only sets :math:`\Delta_z`.
    start : float, optional
        Initial :math:`\Delta_h` (``> 0``); default :math:`g_h^2+\sigma_I^2`.
    tol : float, optional
        Tolerance on the residual, relative to :math:`\max(1,\Delta_h)`.
    max_iter : int, optional

    Returns
    -------
    StaticMeanField

    Raises
    ------
    DMFTConvergenceError
        If the iteration has not settled after ``max_iter`` steps (e.g. too close to
        :math:`g_{\rm topo}`, where it slows down critically).
    ValueError
        For bad arguments; naming ``alpha_r`` and ``g_r`` when the output gate is too sharp
        for its Gaussian average (:math:`\alpha_rg_r` above about :math:`6.5\times10^4`).

    Examples
    --------
    >>> static_mean_field(1.5).delta_h
    0.0
    """
    g_h = check_nonnegative_float(g_h, "g_h")
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    g_r = check_nonnegative_float(g_r, "g_r")
    g_z = check_nonnegative_float(g_z, "g_z")
    input_std = check_nonnegative_float(input_std, "input_std")
    tol = check_finite_float(tol, "tol")
    if tol <= 0:
        raise ValueError(f"tol must be positive, got {tol}")
    max_iter = check_positive_int(max_iter, "max_iter")
    noise = input_std**2
    x = g_h**2 + noise if start is None else check_positive_float(start, "start")
    if x == 0.0:  # g_h = 0 without input: the map is T = 0, whose only fixed point is the zero branch
        return StaticMeanField(g_h=g_h, alpha_r=alpha_r, beta_r=beta_r, g_r=g_r, g_z=g_z, input_std=input_std,
                               delta_h=0.0, delta_r=0.0, delta_z=0.0, branch="zero", residual=0.0, iterations=0)

    def T(d):
        q = tanh_second_moment(d)
        return g_h**2 * gate_moment_unchecked(g_r**2 * q, alpha_r, beta_r, 2, "alpha_r", "delta_r") * q + noise

    try:
        return _solve_static(T, x, tol, max_iter, noise, g_h, alpha_r, beta_r, g_r, g_z, input_std)
    except QuadratureGridError as err:
        raise _too_sharp(err, "static_mean_field", alpha_r, g_r) from err


def _solve_static(T, x, tol, max_iter, noise, g_h, alpha_r, beta_r, g_r, g_z, input_std):
    """The iteration and Newton polish of :func:`static_mean_field` from the start ``x``."""
    x0, steps, history = x, [], 0
    branch = "nonzero"
    for history in range(1, max_iter + 1):
        new = T(x)
        step = abs(new - x)
        steps.append(step)
        x = new
        # collapsed onto the zero branch: relative to the start, but never above 1e-13 (a huge start
        # such as g_h^2 at g_h ~ 1 + e^beta_r is mapped to O(1) in one step, which is no collapse)
        if noise == 0.0 and x <= 1e-13 * min(x0, 1.0):
            branch = "zero"
            break
        if step <= 1e-9 * x:
            break
    else:
        raise DMFTConvergenceError(
            f"static mean field at g_h={g_h:g}, alpha_r={alpha_r:g}, beta_r={beta_r:g}",
            iterations=max_iter,
            residuals=steps[-50:],
            last={"delta_h": x},
            suggestion="raise max_iter (the iteration slows down near the onset g_topo), or start closer to the solution",
        )
    if branch == "zero":
        x = 0.0
    else:
        x = _newton_polish(lambda d: T(d) - d, x, tol)
    residual = abs(T(x) - x) if x > 0 else 0.0
    if residual > tol * max(1.0, x):
        raise DMFTConvergenceError(
            f"static mean field (Newton polish) at g_h={g_h:g}, alpha_r={alpha_r:g}, beta_r={beta_r:g}",
            iterations=history,
            residuals=[residual],
            last={"delta_h": x},
            suggestion="start closer to the solution or loosen tol",
        )
    q = tanh_second_moment(x) if x > 0 else 0.0
    return StaticMeanField(
        g_h=g_h,
        alpha_r=alpha_r,
        beta_r=beta_r,
        g_r=g_r,
        g_z=g_z,
        input_std=input_std,
        delta_h=float(x),
        delta_r=float(g_r**2 * q),
        delta_z=float(g_z**2 * q),
        branch=branch,
        residual=float(residual),
        iterations=history,
    )


def _newton_polish(F, x, tol, max_steps=30):
    """Newton's method with a central-difference slope; keeps the best iterate."""
    best, best_res = x, abs(F(x))
    for _ in range(max_steps):
        if best_res <= 0.01 * tol * max(1.0, best):
            break
        h = 1e-6 * max(best, 1e-8)
        slope = (F(best + h) - F(best - h)) / (2 * h)
        if slope == 0 or not np.isfinite(slope):
            break
        trial = best - F(best) / slope
        if not (trial > 0) or abs(trial - best) > 0.1 * best:
            break  # stay on the branch the iteration found
        res = abs(F(trial))
        if res >= best_res:
            break
        best, best_res = trial, res
    return best


def static_solution_curve(g_max: float, alpha_r: float = 0.0, beta_r: float = 0.0, g_r: float = 1.0, *,
                          delta_range=(1e-4, 10.0), n: int = 400):
    r"""Every nonzero solution of the static mean field, as a curve :math:`(g_h(\Delta),\Delta)` (chapter 10).

    .. math:: \Delta=g_h^2S_r\big(g_r^2Q(\Delta)\big)Q(\Delta)
              \iff g_h=\Big(\frac{\Delta}{S_r(g_r^2Q(\Delta))\,Q(\Delta)}\Big)^{1/2},

    so the curve is explicit in :math:`\Delta`: both branches of a saddle-node (the lower one,
    which :func:`static_mean_field` never selects, included) are drawn without solving
    anything. Its minimum over :math:`\Delta` is :func:`fixed_point_onset`.

    Parameters
    ----------
    g_max : float
        Points with :math:`g_h>` ``g_max`` are dropped (``> 0``).
    alpha_r, beta_r, g_r : float, optional
        As in :func:`static_mean_field`.
    delta_range : (float, float), optional
        Positive, increasing :math:`\Delta` range of the log grid.
    n : int, optional
        Grid points (``>= 2``).

    Returns
    -------
    g_h, delta : ndarray
        The gains and variances, in the order of increasing :math:`\Delta`.

    Examples
    --------
    >>> import numpy as np
    >>> g, d = static_solution_curve(2.0, 20.0)
    >>> round(float(g.min()), 2), round(float(fixed_point_onset(20.0)), 2)
    (1.63, 1.63)
    """
    g_max = check_positive_float(g_max, "g_max")
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    g_r = check_nonnegative_float(g_r, "g_r")
    pair = check_float_sequence(delta_range, "delta_range", min_length=2, positive=True, increasing=True)
    if pair.size != 2:
        raise ValueError(f"delta_range must be a pair (low, high), got {delta_range!r}")
    lo, hi = pair
    n = check_int(n, "n", minimum=2, maximum=10**6)
    delta = np.geomspace(lo, hi, n)
    Q = tanh_second_moment(delta)
    try:
        S_r = gate_second_moment(g_r**2 * Q, alpha_r=alpha_r, beta_r=beta_r)
    except QuadratureGridError as err:
        raise _too_sharp(err, "static_solution_curve", alpha_r, g_r) from err
    g = np.sqrt(delta / (S_r * Q))
    keep = g <= g_max
    return g[keep], delta[keep]
