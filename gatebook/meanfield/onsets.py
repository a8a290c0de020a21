r"""Where activity changes character: the chaotic onset and the marginal window (chapters 10-11).

Three gains mark the transitions of the gated network at :math:`\alpha_z=0` without input
(chapter 10):

* :math:`g_{\rm topo}` (:func:`~gatebook.meanfield.static.fixed_point_onset`): nonzero fixed
  points appear (static-mean-field proxy for topological complexity);
* :math:`g_{\rm chaos}` (:func:`chaos_onset`): the chaotic DMFT branch appears;
* :math:`1+e^{\beta_r}` (:func:`~gatebook.quiet_state.quiet_threshold`): the quiet
  state loses stability.

A soft output gate (:math:`\alpha_r=0`) makes all three coincide; a sharp one separates them,
:math:`g_{\rm topo}<g_{\rm chaos}<1+e^{\beta_r}`, and the network is bistable in between the
last two. For a large timescale-gate gain :math:`\alpha_z` the fixed points become marginally
stable inside the window :math:`1+e^{\beta_r}<g_h<g_h^*` (:func:`open_radius`,
:func:`marginal_window`, chapters 7 and 11).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .._validation import (
    check_bool,
    check_finite_float,
    check_instance,
    check_int,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from ..quiet_state import effective_gain, quiet_threshold
from ._result import DMFTConvergenceError, DMFTResult
from .gated import MAX_LAGS, gated_dmft
from .quadrature import MAX_CORRELATED_GRID_POINTS, QuadratureGridError, gaussian_average
from .static import fixed_point_onset, tanh_second_moment

__all__ = ["chaos_onset", "is_chaotic", "open_radius", "marginal_window", "MarginalRegion", "marginal_region", "open_radius_map"]

#: variance, relative to :math:`g_h^2`, below which a DMFT solution counts as quiet
_QUIET_FLOOR = 1e-8
#: quiet thresholds 1 + e^beta_r up to this value keep the search that starts just above them
_DIRECT_SEARCH_MAX = 64.0
#: largest g_h of the upward search from g_topo: a chaotic solution there has Delta_h ~ g_h^2,
#: whose tanh correlation table needs ~32 g_h grid points (MAX_CORRELATED_GRID_POINTS allows ~8000)
_SEARCH_MAX = 1024.0
#: ratio of successive gains of the upward search
_SEARCH_FACTOR = 1.5


def _static_variance(g_eff: float) -> float:
    r"""Nonzero root of :math:`\Delta=g_{\rm eff}^2Q(\Delta)` (exists iff :math:`g_{\rm eff}>1`).

    :math:`Q(\Delta)/\Delta` decreases from 1 (:math:`\Delta\to0`) to 0, so there is one sign
    change in :math:`\log\Delta`; Brent's method finds it even next to the onset, where the
    fixed-point iteration of :func:`~gatebook.meanfield.static.static_mean_field` slows down.
    """

    def excess(log_delta):
        delta = np.exp(log_delta)
        return g_eff**2 * tanh_second_moment(delta) / delta - 1.0

    return float(np.exp(brentq(excess, np.log(1e-12), np.log(4.0 * g_eff**2 + 1.0), xtol=1e-13)))


def open_radius(g_h: float, beta_r: float = 0.0, f_open: float = 0.5) -> float:
    r"""Radius :math:`\rho_{\rm open}` of the open units' spectrum at the fixed points, :math:`\alpha_z\to\infty`.

    .. math::

        \rho_{\rm open}^2=g_h^2s_r^2\,f_{\rm open}\,\langle\phi'^2\rangle_\Delta,\qquad
        \Delta=g_h^2s_r^2\langle\phi^2\rangle_\Delta,\qquad s_r=\frac{1}{1+e^{\beta_r}},

    for the gated network with a soft output gate (:math:`\alpha_r=0`) and :math:`\phi=\tanh`.
    Nonzero fixed points exist only for :math:`g_hs_r>1`; as :math:`g_hs_r\to1^+`,
    :math:`\Delta\to0` and :math:`\rho_{\rm open}^2\to f_{\rm open}`. Chapters 7 and 11 use it for
    the marginal window.

    **Valid only at** :math:`\alpha_r=0`. :math:`\Delta` is the static-mean-field variance of the
    fixed points of the network whose output gates all sit at :math:`s_r` (the :math:`\alpha_r=0`
    case of :func:`~gatebook.meanfield.static_mean_field`), and :math:`g_h^2s_r^2` is their
    coupling. For :math:`\alpha_r>0` the output gates vary from unit to unit, the fixed points'
    variance solves :math:`\Delta=g_h^2S_r(g_r^2Q(\Delta))Q(\Delta)` instead, and the open units'
    coupling is no longer :math:`g_hs_r`: this function does not cover that case (there is no
    :math:`\alpha_r` argument). It also assumes that the frozen (closed) units share the
    statistics of the static solution.

    Parameters
    ----------
    g_h : float
        Coupling gain; must exceed :math:`1+e^{\beta_r}`.
    beta_r : float
        Output-gate bias.
    f_open : float
        Fraction of open timescale gates, in (0, 1] (1/2 for :math:`\beta_z=0`).

    Raises
    ------
    ValueError
        For bad arguments, a ``g_h`` at or below :math:`1+e^{\beta_r}`, or one so large that the
        fixed points' variance :math:`\Delta\approx g_h^2s_r^2` is beyond the quadrature grid's
        reach (:math:`g_hs_r` above about :math:`3\times10^4`).

    Examples
    --------
    >>> round(open_radius(2.0 * (1 + 1e-9)), 6)   # at threshold: sqrt(f_open)
    0.707107
    """
    g_h = check_positive_float(g_h, "g_h")
    beta_r = check_finite_float(beta_r, "beta_r")
    f_open = check_positive_float(f_open, "f_open")
    if f_open > 1.0:
        raise ValueError(f"f_open must lie in (0, 1], got {f_open}")
    g_eff = effective_gain(g_h, beta_r=beta_r)
    if g_eff <= 1.0:
        raise ValueError(
            f"g_h must exceed 1 + exp(beta_r) = {quiet_threshold(beta_r):.6g} for nonzero fixed points, got {g_h}"
        )
    delta = _static_variance(g_eff)
    try:
        slope2 = gaussian_average(lambda x: (1.0 - np.tanh(x) ** 2) ** 2, delta)
    except QuadratureGridError as err:
        raise ValueError(
            f"g_h={g_h:g} (with beta_r={beta_r:g}, g_h s_r = {g_eff:.4g}) is too large: the fixed points' variance "
            f"{delta:.3g} is beyond the reach of the quadrature grid. {err}"
        ) from err
    return float(np.sqrt(g_eff**2 * f_open * slope2))


def marginal_window(beta_r: float = 0.0, f_open: float = 0.5) -> tuple[float, float]:
    r"""The window :math:`(1+e^{\beta_r},\,g_h^*)` of marginally stable fixed points at large :math:`\alpha_z`.

    :math:`g_h^*` solves :math:`\rho_{\rm open}(g_h^*)=1` (:func:`open_radius`, root found by
    Brent's method); below :math:`1+e^{\beta_r}` the only fixed point is the quiet state, above
    :math:`g_h^*` the open units are unstable. Chapter 7 picks :math:`g_h` inside it for the
    integrator; chapter 11 draws it as the marginal region of the phase diagram.

    Like :func:`open_radius`, the window holds for a soft output gate (:math:`\alpha_r=0`) only:
    it uses the static-mean-field variance of the :math:`\alpha_r=0` network.

    Examples
    --------
    >>> lo, hi = marginal_window(0.0)
    >>> lo, bool(2.0 < hi < 10.0)
    (2.0, True)
    """
    beta_r = check_finite_float(beta_r, "beta_r")
    f_open = check_positive_float(f_open, "f_open")
    if f_open > 1.0:
        raise ValueError(f"f_open must lie in (0, 1], got {f_open}")
    lo = quiet_threshold(beta_r)
    if f_open == 1.0:
        return lo, lo  # rho^2 -> f_open = 1 at the threshold: with every gate open there is no window
    hi = lo * 2.0
    while open_radius(hi, beta_r, f_open) < 1.0:
        hi *= 2.0
        if hi > 1e4 * lo:  # pragma: no cover - rho grows without bound
            raise RuntimeError("open_radius never reached 1")
    g_star = brentq(lambda g: open_radius(g, beta_r, f_open) - 1.0, lo * (1.0 + 1e-9), hi, xtol=1e-10)
    return lo, float(g_star)


def is_chaotic(result) -> bool:
    r"""Whether a :class:`~gatebook.meanfield.DMFTResult` lies on the chaotic branch.

    True when :math:`\Delta_h(s)` decays, i.e. :math:`\Delta_h(0)-\Delta_h(\infty)` exceeds a
    floor of :math:`10^{-8}g_h^2` (a quiet state or a static, time-independent solution is
    not chaotic).
    """
    check_instance(result, DMFTResult, "result")
    g_h = float(result.params.get("g_h", 1.0))
    span = float(result.autocorrelation[0] - result.autocorrelation[-1])
    return result.branch == "chaotic" and span > _QUIET_FLOOR * max(g_h, 1.0) ** 2


def chaos_onset(
    alpha_r=0.0,
    beta_r=0.0,
    g_r=1.0,
    *,
    input_std=0.0,
    beta_z=0.0,
    tau_h=1.0,
    tau_r=1.0,
    tol=1e-3,
    n=1024,
    s_max=None,
    max_iter=1500,
    details=False,
):
    r"""Gain :math:`g_{\rm chaos}` at which the chaotic DMFT branch appears (chapters 10-11).

    The smallest :math:`g_h` for which the DMFT of the gated network (:math:`\alpha_z=0`,
    :func:`~gatebook.meanfield.gated.gated_dmft`) has a solution whose autocorrelation decays,

    .. math::

        g_{\rm chaos}=\inf\{g_h:\ \Delta_h(0)>\Delta_h(\infty)\ \text{on a solution of the DMFT}\},

    found by bisection on that predicate, each solve warm-started from the chaotic solution at
    the upper end of the bracket (so the chaotic branch is followed down to where it ends).

    Without input the quiet state loses stability at :math:`1+e^{\beta_r}`, above which the
    chaotic branch exists, so :math:`g_{\rm topo}\le g_{\rm chaos}\le1+e^{\beta_r}`:

    * :math:`\alpha_r=0`: the network is chapter 1's with :math:`g_{\rm eff}=g_hs_r`, and the
      onset is exactly :math:`1+e^{\beta_r}` (returned without solving, for any :math:`\beta_r`);
    * otherwise, while :math:`1+e^{\beta_r}\le64`, the branch is first looked for just below the
      threshold; if it is absent there the onset is continuous and :math:`1+e^{\beta_r}` is
      returned, if present the branch ends at a saddle-node below it (sharp gates, a jump in
      :math:`\Delta_h(0)`), which the bisection brackets from :math:`g_{\rm topo}`
      (:func:`~gatebook.meanfield.static.fixed_point_onset`);
    * for a larger threshold (:math:`\beta_r>\ln63\approx4.14`) solves near it get expensive and
      soon impossible (at :math:`\beta_r=50` it is :math:`5\times10^{21}`, where
      :math:`\Delta_h\sim g_h^2` would need correlation tables of :math:`10^{23}` points), so the
      search starts from the static onset instead. If :math:`g_{\rm topo}=1+e^{\beta_r}` (the
      supremum of the static problem sits at :math:`\Delta\to0`) the ordering above gives
      :math:`g_{\rm chaos}=1+e^{\beta_r}` exactly. Otherwise the chaotic branch is searched
      upwards from :math:`g_{\rm topo}` on the gains :math:`g_{\rm topo}\,1.5^k` (large start)
      up to :math:`\min(1024,\,1.05\,(1+e^{\beta_r}))`, and the bracket between the last gain
      without and the first with a chaotic solution is bisected as above. If none is found up
      to 1024 a ``ValueError`` naming ``beta_r`` says so.

    With a static input (:math:`\sigma_I>0`) there is no quiet state; the bracket is found by
    stepping down and up from :math:`1+e^{\beta_r}` (or, beyond 64, up from
    :math:`g_{\rm topo}` as above) before bisecting.

    Parameters
    ----------
    alpha_r, beta_r, g_r : float, optional
        Output gate: gain (``>= 0``), bias, coupling gain (``>= 0``).
    input_std : float, optional
        :math:`\sigma_I` of a static random input inside the bracket (``>= 0``).
    beta_z, tau_h, tau_r : float, optional
        Only rescale time; they do not move the onset but are passed to the solver.
    tol : float, optional
        Absolute width of the final bracket in :math:`g_h`; the midpoint is returned. A positive
        finite number below the quiet threshold :math:`1+e^{\beta_r}`.
    n, max_iter : optional
        Grid (16 to 65536 lags) and iteration settings of each DMFT solve.
    s_max : float or None, optional
        Lag window of each DMFT solve (units of :math:`\tau_h`). Default ``None``: the
        solver's own window, which grows with :math:`\tau_{\rm eff}=\tau_h(1+e^{\beta_z})`
        (and is widened near the onset, where the correlation time grows).
    details : bool, optional
        If True, return ``(g_chaos, info)`` with the final bracket, the variance of the
        chaotic branch at its upper end, the number of solves and the kind of onset
        (``"exact"``, ``"continuous"``, ``"discontinuous"`` or ``"input"``).

    Returns
    -------
    float
        :math:`g_{\rm chaos}` to within ``tol / 2`` (exact for :math:`\alpha_r=0` without input).

    Raises
    ------
    ValueError
        For bad arguments (``tol`` not below the quiet threshold included); naming ``beta_r``
        (and ``alpha_r``) when the onset lies beyond the reach of the DMFT grids (above
        :math:`g_h=1024` with :math:`1+e^{\beta_r}` larger still), or when a correlation table
        would exceed the quadrature cap.
    DMFTConvergenceError
        If no chaotic solution is found where one must exist (just above the quiet threshold).

    Notes
    -----
    A solve that does not converge within ``max_iter`` iterations is counted as "no chaotic
    solution": just below a saddle-node the iteration drifts slowly along the ghost of the
    lost branch before collapsing, which is where the true answer lies anyway.

    Examples
    --------
    >>> chaos_onset(0.0, 1.0)        # 1 + e
    3.718281828459045
    >>> g = chaos_onset(20.0, tol=0.02)
    >>> bool(fixed_point_onset(20.0) < g < 2.0)
    True
    """
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    g_r = check_nonnegative_float(g_r, "g_r")
    input_std = check_nonnegative_float(input_std, "input_std")
    beta_z = check_finite_float(beta_z, "beta_z")
    tau_h = check_positive_float(tau_h, "tau_h")
    tau_r = check_positive_float(tau_r, "tau_r")
    details = check_bool(details, "details")
    g_quiet = quiet_threshold(beta_r)
    tol = check_positive_float(tol, "tol")
    if tol >= g_quiet:
        raise ValueError(
            f"tol={tol:g} must be smaller than the quiet threshold 1 + e^beta_r = {g_quiet:.6g} (beta_r={beta_r:g}): "
            "it is the absolute width in g_h of the final bracket"
        )
    n = check_int(n, "n", minimum=16, maximum=MAX_LAGS)
    if s_max is not None:
        s_max = check_positive_float(s_max, "s_max")
    max_iter = check_positive_int(max_iter, "max_iter")
    info = {"solves": 0, "bracket": (g_quiet, g_quiet), "variance_at_upper": float("nan"), "kind": "continuous"}
    window = {} if s_max is None else {"s_max": s_max}  # None: the solver's default (growing) window

    def out(value):
        return (float(value), info) if details else float(value)

    if input_std == 0.0 and (alpha_r == 0.0 or g_r == 0.0):
        info["kind"] = "exact"
        return out(g_quiet)

    def solve(g, start):
        info["solves"] += 1
        # below the saddle-node the warm-started iterate drains towards the quiet state through
        # the ghost of the lost branch; once its variance is well under that of the chaotic
        # solution at the bracket's upper end, it is not coming back
        quiet_below = 0.05 * start.variance if isinstance(start, DMFTResult) and input_std == 0.0 else 0.0
        try:
            res = gated_dmft(
                g, alpha_r=alpha_r, beta_r=beta_r, beta_z=beta_z, g_r=g_r, tau_h=tau_h, tau_r=tau_r,
                input_std=input_std, n=n, tol=1e-7, max_iter=max_iter, start=start, quiet_below=quiet_below, **window,
            )
        except DMFTConvergenceError:
            return None
        except QuadratureGridError as err:
            raise ValueError(
                f"chaos_onset(alpha_r={alpha_r:g}, beta_r={beta_r:g}): the DMFT solve at g_h={g:.6g} needs a "
                f"correlation table beyond the quadrature cap: {err}"
            ) from err
        return res if is_chaotic(res) else None

    if g_quiet <= _DIRECT_SEARCH_MAX and input_std == 0.0:
        hi = g_quiet * (1.0 + 0.05)
        upper = solve(hi, "large")
        if upper is None:  # pragma: no cover - the quiet state is unstable here
            raise DMFTConvergenceError(
                f"no chaotic DMFT solution found above the quiet threshold (g_h={hi:g}, alpha_r={alpha_r:g})",
                suggestion="a wider grid (s_max) or more iterations (max_iter)",
            )
        below = solve(g_quiet - tol, upper)
        if below is None:
            info["bracket"] = (g_quiet - tol, g_quiet)
            return out(g_quiet)
        hi, upper = g_quiet - tol, below
        lo = fixed_point_onset(alpha_r, beta_r, g_r)
        while lo > 0.05 and solve(lo, upper) is not None:  # pragma: no cover - chaos below g_topo
            lo *= 0.8
        info["kind"] = "discontinuous"
    elif g_quiet <= _DIRECT_SEARCH_MAX:
        hi, upper = g_quiet, solve(g_quiet, "large")
        while upper is None:
            hi *= 1.25
            if hi > 50.0 * g_quiet:
                raise DMFTConvergenceError(
                    f"no chaotic DMFT solution found up to g_h={hi:g} (sigma_I={input_std:g})",
                    suggestion="check the parameters; a strong input can suppress chaos at every gain",
                )
            upper = solve(hi, "large")
        lo = hi
        while True:
            lo *= 0.8
            if lo < 1e-3:
                return out(0.0)
            trial = solve(lo, upper)
            if trial is None:
                break
            hi, upper = lo, trial
        info["kind"] = "input"
    else:
        g_topo = fixed_point_onset(alpha_r, beta_r, g_r)
        if input_std == 0.0 and g_topo >= g_quiet:
            # g_topo <= g_chaos <= 1 + e^beta_r: the static onset pins the chaotic one
            info["bracket"] = (g_quiet, g_quiet)
            return out(g_quiet)
        found = _search_upwards(solve, g_topo, g_quiet, input_std, alpha_r, beta_r)
        if found is None:
            return out(0.0)  # with input: chaotic down to g_h -> 0
        lo, hi, upper = found
        info["kind"] = "input" if input_std > 0.0 else "discontinuous"
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        trial = solve(mid, upper)
        if trial is None:
            lo = mid
        else:
            hi, upper = mid, trial
    if input_std == 0.0 and info["kind"] == "discontinuous" and hi >= g_quiet:
        info["kind"] = "continuous"  # the upward search reached the quiet threshold
    info["bracket"] = (lo, hi)
    info["variance_at_upper"] = float(upper.variance)
    return out(0.5 * (lo + hi))


def _search_upwards(solve, g_topo, g_quiet, input_std, alpha_r, beta_r):
    r"""Bracket of the chaotic onset for a far-away quiet threshold (see :func:`chaos_onset`).

    Tries :math:`g_{\rm topo}\,1.5^k` with a large start until a chaotic solution appears,
    capped at :math:`\min(1024,\,1.05\,(1+e^{\beta_r}))` (at 1024 with an input, which has no
    quiet threshold and may create chaos below :math:`g_{\rm topo}`: there the search starts at
    :math:`\min(g_{\rm topo},1024)`). Returns ``(lo, hi, upper)``: the last gain without and the
    first with a chaotic solution, and that solution. If the very first gain is already chaotic
    (possible with an input), steps down by 0.8 with warm starts instead; returns ``None`` if
    chaos persists down to :math:`g_h<10^{-3}`.
    """
    cap = min(_SEARCH_MAX, 1.05 * g_quiet) if input_std == 0.0 else _SEARCH_MAX

    def out_of_reach(g_from, searched_from=None):
        searched = (
            f"no chaotic DMFT solution exists from g_h = {searched_from:.4g} up to g_h = {g_from:.4g} "
            f"(g_topo = {g_topo:.4g})"
            if searched_from is not None
            else f"the static onset g_topo = {g_topo:.4g} already lies beyond g_h = {_SEARCH_MAX:g}"
        )
        return ValueError(
            f"chaos_onset: beta_r={beta_r:g} puts the quiet threshold 1 + e^beta_r at {g_quiet:.4g}, and "
            f"{searched} (alpha_r={alpha_r:g}, sigma_I={input_std:g}); beyond g_h = {_SEARCH_MAX:g} the chaotic "
            f"variance ~ g_h^2 needs tanh correlation tables of ~32 g_h points (cap {MAX_CORRELATED_GRID_POINTS}), "
            f"so the onset, somewhere in [{g_from:.4g}, {g_quiet:.4g}], is out of reach: use a smaller beta_r or a "
            "sharper gate (larger alpha_r)"
        )

    g, lo = max(g_topo, 1e-3), None
    if g > cap:
        if input_std == 0.0:
            raise out_of_reach(g)
        g = cap
    g_start = g
    while True:
        upper = solve(g, "large")
        if upper is not None:
            break
        lo = g
        if g >= cap:
            if cap < _SEARCH_MAX:  # pragma: no cover - without input the quiet state is unstable here
                raise DMFTConvergenceError(
                    f"no chaotic DMFT solution found above the quiet threshold (g_h={g:g}, alpha_r={alpha_r:g})",
                    suggestion="a wider grid (s_max) or more iterations (max_iter)",
                )
            raise out_of_reach(g, g_start)
        g = min(g * _SEARCH_FACTOR, cap)
    hi = g
    if lo is None:
        lo = hi
        while True:
            lo *= 0.8
            if lo < 1e-3:
                return None
            trial = solve(lo, upper)
            if trial is None:
                break
            hi, upper = lo, trial
    return lo, hi, upper


# --------------------------------------------------------------------------- marginal region on a grid (chapter 11)


@dataclass
class MarginalRegion:
    r"""The window of marginally stable fixed points at :math:`\alpha_z\to\infty` against :math:`\beta_r` (chapter 11).

    Attributes
    ----------
    beta_r : ndarray, shape (n,)
    lower : ndarray
        :math:`1+e^{\beta_r}`: below it the only fixed point is the quiet state.
    upper : ndarray
        :math:`g_h^*`, where :math:`\rho_{\rm open}(g_h^*)=1`: above it the open units are unstable.
    f_open : float
        Fraction of open timescale gates.
    """

    beta_r: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    f_open: float

    def contains(self, g_h, beta_r) -> np.ndarray:
        """True where ``lower < g_h < upper`` (``beta_r`` interpolated on the stored grid)."""
        lo = np.interp(beta_r, self.beta_r, self.lower)
        hi = np.interp(beta_r, self.beta_r, self.upper)
        return (np.asarray(g_h) > lo) & (np.asarray(g_h) < hi)


def _finite_axis(values, name):
    """``values`` (a number or a non-empty 1-D array of finite numbers) as a 1-D float array."""
    if values is None or isinstance(values, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{name} must be a finite number or 1-D array, got {values!r}")
    try:
        arr = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a finite number or 1-D array, got {values!r}") from err
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a finite number or a non-empty 1-D array, got {values!r}")
    return arr


def marginal_region(beta_r, f_open: float = 0.5) -> MarginalRegion:
    r"""The marginal window :math:`1+e^{\beta_r}<g_h<g_h^*` for each :math:`\beta_r` (chapter 11).

    .. math::

        \rho_{\rm open}^2(g_h^*)=g_h^{*2}s_r^2\,f_{\rm open}\,\langle\phi'^2\rangle_\Delta=1,\qquad
        \Delta=g_h^{*2}s_r^2\langle\phi^2\rangle_\Delta,

    the large-:math:`\alpha_z` limit with a soft output gate (:math:`\alpha_r=0`), one root
    search per value (:func:`~gatebook.meanfield.marginal_window`). Valid at :math:`\alpha_r=0`
    only (:func:`~gatebook.meanfield.open_radius`).
    """
    b = _finite_axis(beta_r, "beta_r")
    f_open = check_positive_float(f_open, "f_open")
    lo, hi = np.array([marginal_window(float(x), f_open) for x in b]).T
    return MarginalRegion(b.copy(), lo, hi, f_open)


def open_radius_map(g_h, beta_r, f_open: float = 0.5) -> np.ndarray:
    r""":math:`\rho_{\rm open}(g_h,\beta_r)` on a grid, ``nan`` where no nonzero fixed point exists (chapter 11).

    .. math:: \rho_{\rm open}^2=g_h^2s_r^2\,f_{\rm open}\,\langle\phi'^2\rangle_\Delta\quad(g_hs_r>1).

    Valid at :math:`\alpha_r=0` only (:func:`~gatebook.meanfield.open_radius`). Returns shape ``(len(beta_r), len(g_h))``.
    """
    g = _finite_axis(g_h, "g_h")
    if np.any(g < 0):
        raise ValueError(f"g_h must be non-negative, got minimum {g.min():g}")
    b = _finite_axis(beta_r, "beta_r")
    f_open = check_positive_float(f_open, "f_open")
    out = np.full((b.size, g.size), np.nan)
    for i, x in enumerate(b):
        for j, y in enumerate(g):
            if effective_gain(float(y), beta_r=float(x)) > 1.0:
                out[i, j] = open_radius(float(y), float(x), f_open)
    return out
