r"""Dynamical mean-field theory of the gated network at :math:`\alpha_z=0` (chapters 9-10).

With a constant timescale gate (:math:`\alpha_z=0`, so :math:`\sigma_z\equiv s_z`) the
single-site state :math:`h` is a stationary Gaussian process and the self-consistent
autocorrelations :math:`\Delta_h(s)=\langle h(t)h(t+s)\rangle`,
:math:`\Delta_r(s)=\langle r(t)r(t+s)\rangle` solve (presynaptic output gate, static input
:math:`I_i\sim\mathcal N(0,\sigma_I^2)` inside the bracket)

.. math::

    \big(1-\tau_{\rm eff}^2\partial_s^2\big)\Delta_h=g_h^2\,C_{\sigma_r}(s)\,C_\phi(s)+\sigma_I^2,
    \qquad \big(1-\tau_r^2\partial_s^2\big)\Delta_r=g_r^2\,C_\phi(s),

with :math:`\tau_{\rm eff}=\tau_h/s_z`, :math:`C_\phi(s)=\langle\phi(h(t))\phi(h(t+s))\rangle`
and :math:`C_{\sigma_r}(s)=\langle\sigma_r(r(t))\sigma_r(r(t+s))\rangle` (means not
subtracted). :func:`gated_dmft` solves them by the damped Fourier fixed-point iteration of
chapter 9; :func:`gated_lambda_max` gives the maximal Lyapunov exponent from the linearised
two-replica equations (chapter 10).
"""

from __future__ import annotations


import numpy as np
from scipy.optimize import NoConvergence, newton_krylov
from scipy.special import expit

from .._validation import (
    check_choice,
    check_finite_float,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)

from .. import quiet_state
from ._result import DMFTConvergenceError, DMFTResult, WindowTooShortError
from ._signature import gate_keywords
from .quadrature import QuadratureGridError, correlation_profile_unchecked as correlation_profile, gate_unchecked
from .gated_lyapunov import gated_lambda_max, quiet_lambda_max, spectral_radius
from .lags import has_decayed_unchecked as has_decayed, solve_even_unchecked as solve_even
from .scs import MAX_SCS_GAIN, scs_dmft

__all__ = ["gated_dmft", "gated_lambda_max", "quiet_lambda_max", "spectral_radius", "effective_time_constant",
           "MAX_LAGS"]

STARTS = ("large", "small")
#: ``route`` of :func:`gated_dmft`: the exact soft-gate route where it applies, or always the iteration
ROUTES = ("auto", "iteration")
#: Anderson-mixing memories tried in turn (0: plain damped iteration), each finished by Newton
_MIXING_MEMORIES = (5, 2, 0)
#: iterations without halving the residual after which the mixing history restarts from the best iterate
_STAGNATION = 200
#: restarts in a row that do not halve the best residual before a mixing schedule hands over
_RESTARTS = 2
#: relative residual below which the iteration is finished by Newton-Krylov
_POLISH_FROM = 1e-4
#: Newton steps allowed in the polish
_NEWTON_STEPS = 30
#: shortest explicit lag window, in units of the slowest time constant max(tau_eff, tau_r)
_MIN_WINDOW = 10.0
#: automatic doublings of the default window (and of n) before giving up
_WIDENINGS = 3
#: largest lag grid
MAX_LAGS = 2**16
#: largest beta_z: tau_eff = tau_h (1 + e^beta_z) times the window must stay far inside float range
_MAX_BETA_Z = 600.0


def _anderson_step(history: list, x: np.ndarray, fres: np.ndarray, damping: float, memory: int = 5):
    r"""One step of damped Anderson mixing for the fixed point :math:`x=G(x)`, :math:`f=G(x)-x`.

    With differences :math:`\Delta X,\Delta F` of the last ``memory`` iterates and residuals,
    :math:`\gamma=\arg\min\lVert f-\Delta F\gamma\rVert` and
    :math:`x\leftarrow x+\eta f-(\Delta X+\eta\Delta F)\gamma`; with no history this is the
    plain damped update :math:`x+\eta f`.
    """
    history.append((x.copy(), fres.copy()))
    if len(history) > memory + 1:
        history.pop(0)
    if len(history) < 2:
        return x + damping * fres
    xs = np.array([h[0] for h in history])
    fs = np.array([h[1] for h in history])
    dX = np.diff(xs, axis=0).T
    dF = np.diff(fs, axis=0).T
    gamma = np.linalg.lstsq(dF, fres, rcond=None)[0]
    return x + damping * fres - (dX + damping * dF) @ gamma


def _check_params(g_h, alpha_r, beta_r, beta_z, g_r, tau_h, tau_r, input_std, alpha_z):
    alpha_z = check_finite_float(alpha_z, "alpha_z")
    if alpha_z != 0.0:
        raise ValueError(
            f"alpha_z must be 0 for gated_dmft (got {alpha_z}): with a dynamic timescale gate h is "
            "non-Gaussian: use the Monte Carlo solver, meanfield.sampled_dmft or meanfield.dmft(..., alpha_z=...)"
        )
    return dict(
        g_h=check_nonnegative_float(g_h, "g_h"),
        alpha_r=check_nonnegative_float(alpha_r, "alpha_r"),
        beta_r=check_finite_float(beta_r, "beta_r"),
        beta_z=check_finite_float(beta_z, "beta_z"),
        g_r=check_nonnegative_float(g_r, "g_r"),
        tau_h=check_positive_float(tau_h, "tau_h"),
        tau_r=check_positive_float(tau_r, "tau_r"),
        input_std=check_nonnegative_float(input_std, "input_std"),
        alpha_z=0.0,
    )


def effective_time_constant(beta_z=0.0, tau_h=1.0) -> float:
    r"""Time constant :math:`\tau_{\rm eff}=\tau_h/s_z=\tau_h(1+e^{\beta_z})` of a constant timescale gate.

    At :math:`\alpha_z=0` the timescale gate is the constant :math:`s_z=\sigma_z(0)`, so it only
    sets the network's clock (chapter 9). Computed as :math:`\tau_h(1+e^{\beta_z})`, which stays
    accurate where :math:`s_z` underflows; a :math:`\beta_z` so large that :math:`\tau_{\rm eff}`
    (times the lag window) leaves the floating-point range is refused with an error naming
    ``beta_z``.

    >>> effective_time_constant(0.0)
    2.0
    """
    beta_z = check_finite_float(beta_z, "beta_z")
    tau_h = check_positive_float(tau_h, "tau_h")
    if beta_z > _MAX_BETA_Z:
        raise ValueError(
            f"beta_z={beta_z:g} closes the timescale gate so far that tau_eff = tau_h (1 + e^beta_z) "
            f"leaves the floating-point range (beta_z <= {_MAX_BETA_Z:g} is supported); at alpha_z = 0 "
            "beta_z only sets the clock: solve at a smaller beta_z and multiply the lags by the ratio "
            "of the effective time constants"
        )
    return float(tau_h * (1.0 + np.exp(beta_z)))


def _lag_window(p, s_max, window):
    r"""The lag window :math:`s_{\max}` (units of :math:`\tau_h`) and the slowest time constant.

    ``s_max=None`` takes ``window`` times the slowest time constant
    :math:`\max(\tau_{\rm eff},\tau_r)`, so the window grows with :math:`\tau_{\rm eff}`; an
    explicit ``s_max`` shorter than ``_MIN_WINDOW`` such time constants is refused (the
    autocorrelation could not decay inside it, and the truncated problem has a spurious
    time-independent solution).
    """
    tau_eff = effective_time_constant(p["beta_z"], p["tau_h"])
    tau_max = max(tau_eff, p["tau_r"])
    if s_max is None:
        window = check_positive_float(window, "window")
        if window < _MIN_WINDOW:
            raise ValueError(f"window must be at least {_MIN_WINDOW:g} time constants, got {window:g}")
        return window * tau_max, tau_eff, tau_max
    s_max = check_positive_float(s_max, "s_max")
    if s_max < _MIN_WINDOW * tau_max:
        raise ValueError(
            f"s_max={s_max:g} is shorter than {_MIN_WINDOW:g} times the slowest time constant "
            f"max(tau_eff, tau_r) = {tau_max:.6g} (tau_eff = tau_h (1 + e^beta_z) with beta_z="
            f"{p['beta_z']:g}, tau_r={p['tau_r']:g}): the autocorrelation cannot decay inside the lag "
            "window; use s_max=None (a window that grows with tau_eff) or a larger s_max"
        )
    return s_max, tau_eff, tau_max


def _initial(start, lags, p, tau_eff):
    """Initial (Delta_h, Delta_r) profiles for a start label or a previous result."""
    if isinstance(start, DMFTResult):
        if "autocorrelation_r" not in start.params:
            raise ValueError("start must be a result of gated_dmft (its params lack autocorrelation_r)")
        old = np.asarray(start.lags, dtype=float)
        dh = np.interp(lags, old, start.autocorrelation)
        dr = np.interp(lags, old, start.params["autocorrelation_r"])
        return dh, dr
    start = check_choice(start, "start", STARTS)
    # "large": the upper bound g_h^2 of Delta_h(0) (C_sigma, C_phi <= 1), decaying over tau_eff
    amplitude = max(p["g_h"] ** 2, 1e-3) if start == "large" else 1e-3
    profile = amplitude * np.exp(-lags / tau_eff)
    return profile + p["input_std"] ** 2, p["g_r"] ** 2 * profile / max(amplitude, 1.0)


def _self_consistency_map(p, lags, tau_eff):
    r"""The map :math:`(\Delta_h,\Delta_r)\mapsto(\Delta_h^{\rm new},\Delta_r^{\rm new})` of chapter 9 on ``lags``."""
    ds = lags[1] - lags[0]
    s_r = float(expit(-p["beta_r"]))
    alpha, beta = p["alpha_r"], p["beta_r"]

    def gate(x):
        return gate_unchecked(x, alpha, beta)

    def step(dh, dr):
        try:
            c_phi = correlation_profile(np.tanh, dh)
        except QuadratureGridError as err:
            raise _table_error(err, p, "h") from err
        try:
            c_sig = correlation_profile(gate, dr, alpha) if alpha != 0.0 else s_r**2
        except QuadratureGridError as err:
            raise _table_error(err, p, "r") from err
        new_h = solve_even(p["g_h"] ** 2 * c_sig * c_phi + p["input_std"] ** 2, ds, tau_eff)
        new_r = solve_even(p["g_r"] ** 2 * c_phi, ds, p["tau_r"])
        return new_h, new_r

    return step


def _table_error(err, p, field):
    r"""A correlation table beyond the quadrature cap, re-raised naming the parameters behind it.

    ``field="h"``: the :math:`\tanh` table of :math:`h`, whose variance is at most
    :math:`g_h^2+\sigma_I^2`; ``"r"``: the output gate's table (sharpness :math:`\alpha_r`,
    variance at most :math:`g_r^2`). A :class:`QuadratureGridError` (a ``ValueError``), so that
    callers such as :func:`~gatebook.meanfield.onsets.chaos_onset` can name their own parameters.
    """
    if field == "h":
        text = (
            f"gated DMFT: g_h={p['g_h']:g} with input_std={p['input_std']:g} gives h a variance "
            f"{err.variance:.3g} (at most g_h^2 + input_std^2) whose tanh correlation table exceeds the quadrature "
            "cap: use a smaller g_h or input_std"
        )
    else:
        text = (
            f"gated DMFT: alpha_r={p['alpha_r']:g} with g_r={p['g_r']:g} makes the output gate's correlation table "
            f"(sharpness alpha_r, variance {err.variance:.3g}, at most g_r^2) exceed the quadrature cap: use a "
            "smaller alpha_r or g_r"
        )
    return QuadratureGridError(f"{text}. {err}", sharpness=err.sharpness, variance=err.variance, points=err.points,
                               cap=err.cap)


def _newton_polish(step, x, n, tol, max_steps=_NEWTON_STEPS):
    r"""Finish the fixed point :math:`x=G(x)` by Newton-Krylov from a nearby iterate ``x``.

    Near an onset the damped and Anderson iterations slow down (the linearised map has an
    eigenvalue close to 1) and their path depends on round-off; Newton's method converges
    quadratically whatever that eigenvalue, so the last digits are reached in a few steps on
    every machine. Works on :math:`x/\Delta_h(0)`, so ``tol`` is the relative residual of the
    iteration. Returns the polished iterate and its residual, or ``None`` if Newton fails.
    """
    scale = float(x[0])
    if not scale > 0.0:
        return None

    def residual(y):
        new_h, new_r = step(y[:n] * scale, y[n:] * scale)
        return np.concatenate([new_h, new_r]) / scale - y

    try:
        y = newton_krylov(residual, x / scale, f_tol=tol, maxiter=max_steps, tol_norm=lambda v: np.max(np.abs(v)))
    except (NoConvergence, ValueError, FloatingPointError, np.linalg.LinAlgError):
        return None
    if not np.all(np.isfinite(y)):
        return None
    return y * scale, float(np.max(np.abs(residual(y))))


def _soft_gate_solution(p, lags, tau_eff):
    r"""Exact route for a constant output gate without input: chapter 1's network.

    At :math:`\alpha_r=0` (or :math:`g_r=0`) the gate is the constant :math:`s_r`, so
    :math:`\Delta_h` is the DMFT solution of chapter 1's network at :math:`g_{\rm eff}=g_hs_r` on
    the clock :math:`\tau_{\rm eff}`, computed by the potential method (root-finding for
    :math:`\Delta_0`, then Newtonian motion from rest, no iteration), and :math:`\Delta_r` follows
    from one linear solve of :math:`(1-\tau_r^2\partial_s^2)\Delta_r=g_r^2C_\phi`.
    """
    n = lags.size
    g_eff = quiet_state.effective_gain(p["g_h"], beta_r=p["beta_r"])  # sigma_r(0) = s_r: alpha_r = 0, or r = 0 when g_r = 0
    if g_eff <= 1.0:
        return np.zeros(n), np.zeros(n), "quiescent"
    if g_eff > MAX_SCS_GAIN:
        raise QuadratureGridError(
            f"gated DMFT: g_h={p['g_h']:g} with beta_r={p['beta_r']:g} gives the effective gain g_h s_r = {g_eff:.4g}, "
            f"above {MAX_SCS_GAIN:g}: the chaotic variance (~0.73 g_eff^2) needs correlation tables beyond the "
            "quadrature cap; use a smaller g_h",
            sharpness=2.0, variance=0.73 * g_eff**2,
        )
    # scs_dmft's grid on [-s_max, s_max] with 2n - 1 points: its s >= 0 half is exactly our lags
    sol = scs_dmft(g_eff, tau_eff, s_max=float(lags[-1]) / tau_eff, n=2 * n - 1)
    dh = np.array(sol.autocorrelation[n - 1 :])
    dr = solve_even(p["g_r"] ** 2 * correlation_profile(np.tanh, dh), lags[1] - lags[0], p["tau_r"])
    return dh, dr, "chaotic"


def _solve_window(
    g_h,
    alpha_r=0.0,
    beta_r=0.0,
    beta_z=0.0,
    g_r=1.0,
    tau_h=1.0,
    tau_r=1.0,
    input_std=0.0,
    *,
    alpha_z=0.0,
    s_max=None,
    window=40.0,
    n=2048,
    damping=0.4,
    tol=1e-9,
    max_iter=3000,
    start="large",
    quiet_below=0.0,
    check_decay=True,
    route="auto",
) -> DMFTResult:
    """One solve of :func:`gated_dmft` on one lag window (no widening).

    Without input, an iterate whose variance falls below ``quiet_below`` is taken to be on its
    way to the quiet state (used by :func:`~gatebook.meanfield.onsets.chaos_onset`, which knows
    a lower bound for the chaotic branch's variance).
    """
    p = _check_params(g_h, alpha_r, beta_r, beta_z, g_r, tau_h, tau_r, input_std, alpha_z)
    auto_window = s_max is None
    s_max, tau_eff, tau_max = _lag_window(p, s_max, window)
    n = check_positive_int(n, "n")
    if n < 16:
        raise ValueError(f"n must be at least 16, got {n}")
    if n > MAX_LAGS:
        raise ValueError(f"n must be at most {MAX_LAGS} lags (got {n}): each iteration costs O(n log n) "
                         f"and the correlation tables {8 * 4 * n / 2**20:.0f} MiB")
    damping = check_positive_float(damping, "damping")
    if damping > 1:
        raise ValueError(f"damping must lie in (0, 1], got {damping}")
    tol = check_positive_float(tol, "tol")
    if tol >= 1.0:
        raise ValueError(f"tol must be below 1 (a relative residual), got {tol}")
    max_iter = check_positive_int(max_iter, "max_iter")
    quiet_below = check_nonnegative_float(quiet_below, "quiet_below")
    if not isinstance(start, DMFTResult):
        check_choice(start, "start", STARTS)
    lags = np.linspace(0.0, s_max, n)

    route = check_choice(route, "route", ROUTES)
    exact = route == "auto" and p["input_std"] == 0.0 and (p["alpha_r"] == 0.0 or p["g_r"] == 0.0)
    if exact:
        dh, dr, branch = _soft_gate_solution(p, lags, tau_eff)
        residuals, it, method = [], 0, "gated-exact-soft-gate"
    else:
        # mixing schedules in turn: a schedule that fails, or ends on a spurious periodic
        # solution of the truncated problem, hands over to the next (the decision rests on
        # where an attempt ends, never on how fast it got there)
        failures = []
        for memory in _MIXING_MEMORIES:
            try:
                dh, dr, residuals, it = _iterate(p, lags, tau_eff, start, damping, tol, max_iter, quiet_below, memory)
                _check_solution(p, dh, it, residuals, False, s_max, tau_max)
            except DMFTConvergenceError as err:
                failures.append(err)
                continue
            break
        else:
            failures[-1].diagnostics["attempts"] = [str(e) for e in failures]
            raise failures[-1]
        method = "gated-fourier-iteration"
    # the exact route's profile is exact at every lag, whatever the window; in the default
    # (growing) window it is still widened until it decays, for the lambda_max operator
    _check_solution(p, dh, it, residuals, check_decay and (auto_window or not exact), s_max, tau_max)
    if dh[0] == 0.0:
        branch = "quiescent"
    elif dh[0] - dh[-1] < 1e-6 * dh[0]:
        branch = "fixed"
    else:
        branch = "chaotic"
    params = dict(p)
    params.update(
        autocorrelation_r=dr,
        variance_r=float(dr[0]),
        tau_eff=tau_eff,
        s_z=float(expit(-p["beta_z"])),
        s_r=float(expit(-p["beta_r"])),
        s_max=s_max,
        n=n,
        damping=damping,
        tol=tol,
    )
    return DMFTResult(
        lags=lags,
        autocorrelation=dh,
        variance=float(dh[0]),
        converged=True,
        iterations=it,
        residuals=tuple(residuals),
        branch=branch,
        method=method,
        params=params,
    )


def _iterate(p, lags, tau_eff, start, damping, tol, max_iter, quiet_below, memory=5):
    r"""Anderson-mixed Fourier iteration with restarts, finished by Newton-Krylov.

    The schedule, and why it is robust: Anderson mixing (memory ``memory``) is fast far from an onset
    but its path is sensitive to round-off where the linearised map has an eigenvalue near 1
    (the correlation time grows near a continuous onset). Instead of abandoning a stalled
    attempt (which made the outcome depend on the machine), a stall restarts the history from
    the best iterate, and as soon as the residual is below ``_POLISH_FROM`` the fixed point is
    finished by Newton's method, whose quadratic convergence does not care about that
    eigenvalue. The tolerance is relative to :math:`\Delta_h(0)`.
    """
    n = lags.size
    step = _self_consistency_map(p, lags, tau_eff)
    dh, dr = _initial(start, lags, p, tau_eff)
    residuals = []
    history = []
    best = None  # (residual, iterate, its residual vector)
    best_it, progress_mark = 0, np.inf
    floor = 1e-13
    polished_at = np.inf  # residual at the last Newton attempt (retry only after real progress)
    restarts, best_at_restart = 0, np.inf
    quiet = p["input_std"] == 0.0
    it = 0
    for it in range(1, max_iter + 1):
        if dh[0] == 0.0 and quiet:
            return np.zeros(n), np.zeros(n), residuals, it
        new_h, new_r = step(dh, dr)
        scale = max(float(dh[0]), 1e-300)
        res = max(np.max(np.abs(new_h - dh)), np.max(np.abs(new_r - dr))) / scale
        residuals.append(float(res))
        if res < tol:
            return dh, dr, residuals, it
        x = np.concatenate([dh, dr])
        fres = np.concatenate([new_h, new_r]) - x
        if best is None or res < best[0]:
            best = (res, x.copy(), fres.copy())
        if best[0] < _POLISH_FROM and best[0] < 0.1 * polished_at:
            polished_at = best[0]
            polished = _newton_polish(step, best[1], n, tol)
            if polished is not None:
                y, y_res = polished
                same_branch = abs(y[0] - best[1][0]) <= 1e-2 * best[1][0] and y[0] > max(floor, quiet_below)
                if y_res < tol and same_branch:
                    residuals.append(y_res)
                    return y[:n], y[n:], residuals, it
        if res < 0.5 * progress_mark:
            progress_mark, best_it = res, it
        stalled = it - best_it > _STAGNATION
        if stalled or res > 1e3 * best[0]:
            # a stall or a diverging extrapolation: restart the history from the best iterate;
            # a schedule whose restarts no longer improve on its best residual hands over
            restarts = restarts + 1 if best[0] > 0.5 * best_at_restart else 0
            if restarts > _RESTARTS:
                break
            best_at_restart = best[0]
            history.clear()
            progress_mark, best_it = best[0], it
            step_x = best[1] + damping * best[2]
        else:
            step_x = _anderson_step(history, x, fres, damping, memory) if memory else x + damping * fres
            if step_x[0] < floor or np.any(~np.isfinite(step_x)):
                # never let an extrapolation declare the quiet state: take the plain damped step
                history.clear()
                step_x = x + damping * fres
        dh, dr = step_x[:n], step_x[n:]
        if dh[0] < max(floor, quiet_below) and quiet:
            return np.zeros(n), np.zeros(n), residuals, it
    raise DMFTConvergenceError(
        f"Fourier iteration of the gated DMFT at g_h={p['g_h']:g}, alpha_r={p['alpha_r']:g} (tol {tol:g}, "
        f"Anderson memory {memory})",
        iterations=it,
        residuals=residuals,
        last={"variance": float(dh[0]), "variance_r": float(dr[0]), "tail": float(dh[-1]),
              "best_residual": float(best[0]) if best else float("nan")},
        suggestion="more iterations (max_iter), another start (a neighbouring solution as start=...), "
        "or a wider lag window",
    )


def _check_solution(p, dh, it, residuals, check_decay, s_max, tau_max):
    """Refuse spurious periodic solutions and autocorrelations that have not decayed in the window."""
    span = dh[0] - dh[-1]
    varying = span > 1e-6 * dh[0]  # a constant profile (the fixed branch) cannot oscillate
    if dh[0] > 0.0 and ((varying and np.min(dh - dh[-1]) < -1e-2 * span) or dh[-1] < -1e-6 * dh[0]):
        # a periodic (oscillating) fixed point of the truncated problem: Delta_h dips below its
        # tail, or the tail (the variance of static per-unit means) is negative
        raise DMFTConvergenceError(
            f"gated DMFT at g_h={p['g_h']:g}, alpha_r={p['alpha_r']:g}: the solution oscillates "
            "below its tail value (a spurious periodic solution)",
            iterations=it,
            residuals=residuals,
            last={"variance": float(dh[0]), "tail": float(dh[-1])},
            suggestion="a wider grid (larger s_max), or another start (an oscillating profile is a "
            "spurious periodic solution)",
        )
    ok, change = has_decayed(dh)
    if check_decay and not ok:
        raise WindowTooShortError(
            f"gated DMFT at g_h={p['g_h']:g}, alpha_r={p['alpha_r']:g}, beta_z={p['beta_z']:g}: the "
            f"autocorrelation has not decayed by the end of the lag window s_max={s_max:.6g} "
            f"({s_max / tau_max:.3g} time constants; it still changes by {change:.2g} of its span over "
            "the last tenth)",
            iterations=it,
            residuals=residuals,
            last={"variance": float(dh[0]), "tail": float(dh[-1]), "relative_change_at_end": change,
                  "s_max": float(s_max)},
            suggestion="a wider lag window (larger s_max, or s_max=None so that it grows by itself); the "
            "correlation time diverges at a continuous onset",
        )


@gate_keywords("alpha_r", "beta_r", "beta_z", "g_r", "tau_h", "tau_r", "input_std")
def gated_dmft(
    g_h,
    *,
    alpha_r=0.0,
    beta_r=0.0,
    beta_z=0.0,
    g_r=1.0,
    tau_h=1.0,
    tau_r=1.0,
    input_std=0.0,
    alpha_z=0.0,
    s_max=None,
    window=40.0,
    n=2048,
    damping=0.4,
    tol=1e-9,
    max_iter=3000,
    start="large",
    route="auto",
    quiet_below=0.0,
) -> DMFTResult:
    r"""Self-consistent autocorrelations of the gated network at :math:`\alpha_z=0` (chapter 9).

    Solves, on lags :math:`s\in[0,s_{\max}]`,

    .. math::

        \Delta_h=\mathcal F^{-1}\Big[\frac{\mathcal F[g_h^2C_{\sigma_r}C_\phi]}{1+\tau_{\rm eff}^2\omega^2}\Big]
        +\sigma_I^2,\qquad
        \Delta_r=\mathcal F^{-1}\Big[\frac{\mathcal F[g_r^2C_\phi]}{1+\tau_r^2\omega^2}\Big],
        \qquad \tau_{\rm eff}=\tau_h(1+e^{\beta_z}),

    with :math:`C_\phi,C_{\sigma_r}` tabulated on a grid of correlation coefficients by the
    nested Gaussian formula (:func:`~gatebook.meanfield.quadrature.correlated_average`) and
    interpolated. Constant tails (:math:`\Delta(\infty)`, nonzero with a static input) are kept
    exactly.

    Two routes:

    * a constant output gate without input (:math:`\alpha_r=0` or :math:`g_r=0`): the network is
      chapter 1's with :math:`g_{\rm eff}=g_hs_r` on the clock :math:`\tau_{\rm eff}`, solved
      exactly by the potential method (no iteration, so nothing can stall near the continuous
      onset :math:`g_{\rm eff}=1`);
    * otherwise the Fourier fixed-point iteration, accelerated by Anderson mixing (memory 5,
      damping :math:`\eta`), restarted from the best iterate when it stalls, and finished by
      Newton-Krylov (:func:`scipy.optimize.newton_krylov`) once the relative residual is below
      :math:`10^{-4}`, which converges quadratically even where the correlation time diverges.

    The lag window grows with the slowest time constant :math:`\max(\tau_{\rm eff},\tau_r)`:
    by default it is ``window`` of them, and it is doubled (with ``n``) until the
    autocorrelation has decayed, up to 8 times. A solution that has not decayed by the end
    of the window is an error (:class:`WindowTooShortError`), never a converged answer.

    Parameters
    ----------
    g_h : float
        Coupling gain (``>= 0``), the only positional argument.
    alpha_r, beta_r, beta_z, g_r, tau_h, tau_r : float, optional
        Keyword-only network parameters as in :class:`gatebook.GatedNetwork` (gains ``>= 0``,
        times ``> 0``). Passing them by position still works for one release, with a
        :class:`DeprecationWarning`.
    input_std : float, optional
        Standard deviation :math:`\sigma_I` of a static random input inside the bracket.
    alpha_z : float, optional
        Must be 0; anything else raises :class:`ValueError` (the sampling solver for
        :math:`\alpha_z\neq0` is :func:`~gatebook.meanfield.sampling.sampled_dmft`).
    s_max : float or None, optional
        Largest lag, in units of :math:`\tau_h`, held fixed; at least 10 time constants
        :math:`\max(\tau_{\rm eff},\tau_r)`. ``None`` (default): ``window`` time constants,
        widened automatically until the autocorrelation decays.
    window : float, optional
        The default window in units of :math:`\max(\tau_{\rm eff},\tau_r)` (``>= 10``; 40 gives
        :math:`80\,\tau_h` at :math:`\beta_z=0`).
    n : int, optional
        Number of lags on :math:`[0,s_{\max}]` (16 to 65536).
    damping : float, optional
        :math:`\eta\in(0,1]`.
    tol : float, optional
        Convergence threshold on :math:`\max_s|\Delta_{\rm new}-\Delta|/\Delta_h(0)`.
    max_iter : int, optional
    start : {"large", "small"} or DMFTResult, optional
        Initial condition; a large start reaches the chaotic branch, a small one the
        quiescent branch where both exist (bistability of sharp gates, chapter 10).
    route : {"auto", "iteration"}, optional
        ``"auto"`` takes the exact route for a constant output gate without input;
        ``"iteration"`` always iterates (to compare the two, as the tests do).
    quiet_below : float, optional
        Without input, an iterate whose variance falls below this is taken to be draining to
        the quiet state, and the quiet state is returned (used by
        :func:`~gatebook.meanfield.onsets.chaos_onset`, which knows a lower bound for the
        chaotic branch's variance near a saddle-node). Default 0: off.

    Returns
    -------
    DMFTResult
        ``lags`` (units of :math:`\tau_h`), ``autocorrelation`` :math:`\Delta_h(s)`,
        ``variance`` :math:`\Delta_h(0)`, ``branch`` (``"chaotic"``, ``"quiescent"`` or
        ``"fixed"`` for a time-independent nonzero solution), ``method``
        (``"gated-exact-soft-gate"`` or ``"gated-fourier-iteration"``), and in ``params`` the
        inputs plus ``autocorrelation_r`` :math:`\Delta_r(s)`, ``variance_r``, ``tau_eff``,
        ``s_max``, ``n``.

    Raises
    ------
    ValueError
        For bad arguments, an explicit ``s_max`` shorter than 10 time constants, or a
        ``beta_z`` so large that :math:`\tau_{\rm eff}` leaves the floating-point range;
        a :class:`~gatebook.meanfield.QuadratureGridError` naming ``g_h`` and ``input_std``
        (the variance of :math:`h`) or ``alpha_r`` and ``g_r`` (the output gate) when a
        correlation table would exceed the quadrature cap.
    DMFTConvergenceError
        If the iteration does not reach ``tol`` within ``max_iter`` steps, if the converged
        profile dips below its tail value by more than 1 % of :math:`\Delta_h(0)-\Delta_h(s_{\max})`
        or ends negative (a spurious periodic solution of the truncated problem), or (its
        subclass :class:`WindowTooShortError`) if the autocorrelation has not decayed.

    Examples
    --------
    >>> from gatebook.meanfield.gated import gated_dmft
    >>> res = gated_dmft(1.5)           # g_eff = 0.75 < 1
    >>> res.branch, res.variance
    ('quiescent', 0.0)
    >>> res = gated_dmft(3.0, alpha_r=2.0, beta_z=5.0)   # tau_eff = 149: the window follows it
    >>> res.branch, round(res.params["s_max"] / res.params["tau_eff"])
    ('chaotic', 40)
    """
    # with s_max=None a solution that has not decayed in its window is solved again on a window
    # (and grid) twice as long, from the same start, up to _WIDENINGS times
    n = check_positive_int(n, "n")  # the widening below doubles it
    options = dict(alpha_z=alpha_z, damping=damping, tol=tol, max_iter=max_iter, route=route,
                   quiet_below=quiet_below)
    args = (g_h, alpha_r, beta_r, beta_z, g_r, tau_h, tau_r, input_std)
    auto = s_max is None
    for widenings in range(_WIDENINGS + 1):
        last = auto and (widenings == _WIDENINGS or 2 * int(n) > MAX_LAGS)
        result = _solve_window(*args, s_max=s_max, window=window, n=n, start=start,
                               check_decay=(not auto) or last, **options)
        if auto and not last and not has_decayed(result.autocorrelation)[0]:
            # solved afresh from the same start: a truncated profile, held constant beyond its
            # window, would lead the iteration towards the time-independent solution
            window, n = 2.0 * window, 2 * n
            continue
        if result.branch == "fixed" and result.method != "gated-exact-soft-gate":
            try:
                result = _confirm_fixed(result, args, start, options)
            except WindowTooShortError:
                if not auto or last:
                    raise
                window, n = 2.0 * window, 2 * n
                continue
        return result
    return result  # pragma: no cover - the last pass returns above


def _confirm_fixed(result, args, start, options):
    r"""Check a time-independent solution on a window twice as long.

    On a lag window that is short compared with the correlation time, the iteration can settle
    on the constant profile of the static mean field even where the network is chaotic (the
    start has no room to decay). A genuine time-independent solution does not depend on the
    window; a truncation artefact turns into the chaotic branch on a wider one, which is then
    returned where the window was the default, and refused where ``s_max`` was given.
    """
    p = result.params
    wider = _solve_window(*args, s_max=2.0 * p["s_max"], n=2 * p["n"], start=start, check_decay=False, **options)
    if wider.branch == "fixed" and abs(wider.variance - result.variance) <= 1e-6 * result.variance:
        return result
    raise WindowTooShortError(
        f"gated DMFT at g_h={p['g_h']:g}, alpha_r={p['alpha_r']:g}, beta_z={p['beta_z']:g}: the lag window "
        f"s_max={p['s_max']:.6g} gives a time-independent solution (variance {result.variance:.6g}) that a "
        f"window twice as long does not ({wider.branch}, variance {wider.variance:.6g})",
        iterations=result.iterations,
        residuals=result.residuals,
        last={"variance": result.variance, "wider_variance": wider.variance, "wider_branch": wider.branch,
              "s_max": float(p["s_max"])},
        suggestion="a wider lag window (s_max=None, or a larger s_max, or a larger window=)",
    )
