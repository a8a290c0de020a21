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
from scipy.interpolate import CubicSpline
from scipy.optimize import brentq
from scipy.sparse.linalg import LinearOperator, eigs
from scipy.special import expit

from .._validation import (
    check_choice,
    check_finite_float,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)

from ._result import DMFTConvergenceError, DMFTResult
from .quadrature import correlated_average, gate as _gate, gate_slope as _gate_slope

__all__ = ["gated_dmft", "gated_lambda_max", "quiet_lambda_max"]

STARTS = ("large", "small")
#: Anderson-mixing memories tried in turn; 0 is plain damped iteration (slow but sure)
_MIXING_MEMORIES = (5, 2, 0)
#: iterations without a new smallest residual after which an Anderson attempt is abandoned
_STAGNATION = 200
#: number of correlation coefficients at which the correlation functions are tabulated
_N_TABLE = 97


def _tanh_slope(x):
    return 1.0 - np.tanh(x) ** 2


def _table_points(m: int = _N_TABLE) -> np.ndarray:
    """Chebyshev-spaced correlation coefficients on [-1, 1] (dense near c = +-1)."""
    return np.cos(np.linspace(np.pi, 0.0, m))


def _profile(f, autocorrelation: np.ndarray, sharpness: float = 2.0) -> np.ndarray:
    r""":math:`C_f(s)` along a lag profile, from a table over correlation coefficients.

    The table :math:`C_f(c)` (:func:`~gatebook.meanfield.quadrature.correlated_average`, the
    uniform-grid rule that resolves sharp gates) on Chebyshev-spaced :math:`c\in[-1,1]` is
    interpolated by a cubic spline at :math:`c(s)=\Delta(s)/\Delta(0)`.
    """
    variance = float(autocorrelation[0])
    if variance <= 0.0:
        f0 = float(f(np.zeros(1))[0])
        return np.full(autocorrelation.shape, f0 * f0)
    cgrid = _table_points()
    table = correlated_average(f, f, variance, cgrid, method="grid", sharpness=max(sharpness, 2.0))
    return CubicSpline(cgrid, table)(np.clip(autocorrelation / variance, -1.0, 1.0))


def _even_filter(values: np.ndarray, ds: float, multiplier) -> np.ndarray:
    r"""Apply a Fourier multiplier to even functions sampled on :math:`s=0,\dots,s_{\max}`.

    The profile is extended evenly to :math:`[-s_{\max},s_{\max}]`, zero-padded to twice that
    length against wrap-around, multiplied by ``multiplier(omega)`` in Fourier space and
    restricted back to :math:`s\ge0`. ``values`` may carry leading batch axes.
    """
    n = values.shape[-1]
    P = 4 * (n - 1)
    full = np.zeros(values.shape[:-1] + (P,))
    full[..., :n] = values
    full[..., P - n + 1 :] = values[..., 1:][..., ::-1]
    omega = 2 * np.pi * np.fft.rfftfreq(P, d=ds)
    return np.fft.irfft(np.fft.rfft(full) * multiplier(omega), n=P)[..., :n]


def _solve_linear(rhs: np.ndarray, ds: float, tau: float) -> np.ndarray:
    r"""Even solution of :math:`(1-\tau^2\partial_s^2)\Delta=\mathrm{rhs}`, constant tail kept."""
    tail = rhs[-1]
    return tail + _even_filter(rhs - tail, ds, lambda w: 1.0 / (1.0 + (tau * w) ** 2))


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


def _initial(start, lags, p):
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
    profile = amplitude * np.exp(-lags * expit(-p["beta_z"]) / p["tau_h"])
    return profile + p["input_std"] ** 2, p["g_r"] ** 2 * profile / max(amplitude, 1.0)


def _gated_dmft_once(
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
    s_max=80.0,
    n=2048,
    damping=0.4,
    tol=1e-9,
    max_iter=3000,
    start="large",
    memory=5,
    quiet_below=0.0,
) -> DMFTResult:
    """One attempt of :func:`gated_dmft` with Anderson mixing of the given ``memory`` (0: plain damping).

    Without input, an iterate whose variance falls below ``quiet_below`` is taken to be on its
    way to the quiet state (used by :func:`~gatebook.meanfield.onsets.chaos_onset`, which knows
    a lower bound for the chaotic branch's variance).
    """
    p = _check_params(g_h, alpha_r, beta_r, beta_z, g_r, tau_h, tau_r, input_std, alpha_z)
    s_max = check_positive_float(s_max, "s_max")
    n = check_positive_int(n, "n")
    if n < 16:
        raise ValueError(f"n must be at least 16, got {n}")
    damping = check_positive_float(damping, "damping")
    if damping > 1:
        raise ValueError(f"damping must lie in (0, 1], got {damping}")
    tol = check_positive_float(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")

    s_z = float(expit(-p["beta_z"]))
    s_r = float(expit(-p["beta_r"]))
    tau_eff = p["tau_h"] / s_z
    lags = np.linspace(0.0, s_max, n)
    ds = lags[1]
    phi = np.tanh
    alpha, beta = p["alpha_r"], p["beta_r"]

    def gate(x):
        return _gate(x, alpha, beta)

    dh, dr = _initial(start, lags, p)
    if alpha == 0.0 and p["input_std"] == 0.0 and p["g_h"] * s_r <= 1.0:
        # chapter 1's network with g_eff <= 1: Delta = 0 is the only solution (at g_eff = 1 the
        # iteration would creep towards it algebraically slowly)
        dh, dr = np.zeros_like(dh), np.zeros_like(dr)
    residuals = []
    history = []
    best = None  # (residual, iterate, its residual vector): the restart point if mixing diverges
    best_it, progress_mark = 0, np.inf
    floor = 1e-13
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        if dh[0] == 0.0 and p["input_std"] == 0.0:
            converged = True
            break
        c_phi = _profile(phi, dh)
        c_sig = _profile(gate, dr, alpha) if alpha != 0.0 else s_r**2
        new_h = _solve_linear(p["g_h"] ** 2 * c_sig * c_phi + p["input_std"] ** 2, ds, tau_eff)
        new_r = _solve_linear(p["g_r"] ** 2 * c_phi, ds, p["tau_r"])
        scale = max(float(dh[0]), 1e-300)
        res = max(np.max(np.abs(new_h - dh)), np.max(np.abs(new_r - dr))) / scale
        residuals.append(float(res))
        x = np.concatenate([dh, dr])
        fres = np.concatenate([new_h, new_r]) - x
        if best is None or res < best[0]:
            best = (res, x.copy(), fres.copy())
        if res < 0.5 * progress_mark:
            progress_mark, best_it = res, it
        elif it - best_it > _STAGNATION and memory:
            break  # mixing has stalled (no halving of the residual): retry with another memory
        if res > 1e3 * best[0]:
            # the extrapolation diverged: forget the history, take a damped step from the best iterate
            history.clear()
            step = best[1] + damping * best[2]
        else:
            step = _anderson_step(history, x, fres, damping, memory) if memory else x + damping * fres
            if step[0] < floor or np.any(~np.isfinite(step)):
                # never let an extrapolation declare the quiet state: take the plain damped step
                history.clear()
                step = x + damping * fres
        dh, dr = step[:n], step[n:]
        if dh[0] < max(floor, quiet_below) and p["input_std"] == 0.0:
            dh = np.zeros_like(dh)
            dr = np.zeros_like(dr)
            converged = True
            break
        if res < tol:
            converged = True
            break
    if not converged:
        raise DMFTConvergenceError(
            f"Fourier iteration of the gated DMFT at g_h={p['g_h']:g}, alpha_r={p['alpha_r']:g} (tol {tol:g})",
            iterations=max_iter,
            residuals=residuals,
            last={"variance": float(dh[0]), "variance_r": float(dr[0]), "tail": float(dh[-1])},
            suggestion="more damping (smaller damping), a wider grid (larger s_max), more iterations, "
            "or another start",
        )
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
        s_z=s_z,
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
        method="gated-fourier-iteration",
        params=params,
    )


def gated_dmft(
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
    s_max=80.0,
    n=2048,
    damping=0.4,
    tol=1e-9,
    max_iter=3000,
    start="large",
) -> DMFTResult:
    r"""Self-consistent autocorrelations of the gated network at :math:`\alpha_z=0` (chapter 9).

    Solves, by damped Fourier fixed-point iteration on :math:`s\in[0,s_{\max}]`,

    .. math::

        \Delta_h=\mathcal F^{-1}\Big[\frac{\mathcal F[g_h^2C_{\sigma_r}C_\phi]}{1+\tau_{\rm eff}^2\omega^2}\Big]
        +\sigma_I^2,\qquad
        \Delta_r=\mathcal F^{-1}\Big[\frac{\mathcal F[g_r^2C_\phi]}{1+\tau_r^2\omega^2}\Big],
        \qquad \tau_{\rm eff}=\tau_h(1+e^{\beta_z}),

    with :math:`C_\phi,C_{\sigma_r}` tabulated on a grid of correlation coefficients by the
    nested Gaussian formula (:func:`~gatebook.meanfield.quadrature.correlated_average`) and interpolated. The iterate is
    damped, :math:`\Delta\leftarrow(1-\eta)\Delta+\eta\Delta_{\rm new}`. Constant tails
    (:math:`\Delta(\infty)`, nonzero with a static input) are kept exactly.

    Parameters
    ----------
    g_h, alpha_r, beta_r, beta_z, g_r, tau_h, tau_r : float
        Network parameters as in :class:`gatebook.GatedNetwork` (gains ``>= 0``, times ``> 0``).
    input_std : float, optional
        Standard deviation :math:`\sigma_I` of a static random input inside the bracket.
    alpha_z : float, optional
        Must be 0; anything else raises :class:`ValueError` (the sampling solver for
        :math:`\alpha_z\neq0` is :func:`~gatebook.meanfield.sampling.sampled_dmft`).
    s_max : float, optional
        Largest lag, in the units of :math:`\tau_h`. Widen it near transitions.
    n : int, optional
        Number of lags on :math:`[0,s_{\max}]` (``>= 16``).
    damping : float, optional
        :math:`\eta\in(0,1]`.
    tol : float, optional
        Convergence threshold on :math:`\max_s|\Delta_{\rm new}-\Delta|/\Delta_h(0)`.
    max_iter : int, optional
    start : {"large", "small"} or DMFTResult, optional
        Initial condition; a large start reaches the chaotic branch, a small one the
        quiescent branch where both exist (bistability of sharp gates, chapter 10).

    Returns
    -------
    DMFTResult
        ``lags`` (units of :math:`\tau_h`), ``autocorrelation`` :math:`\Delta_h(s)`,
        ``variance`` :math:`\Delta_h(0)`, ``branch`` (``"chaotic"``, ``"quiescent"`` or
        ``"fixed"`` for a time-independent nonzero solution), and in ``params`` the inputs
        plus ``autocorrelation_r`` :math:`\Delta_r(s)`, ``variance_r``, ``tau_eff``.

    Raises
    ------
    DMFTConvergenceError
        If the iteration does not reach ``tol`` within ``max_iter`` steps, or if the converged
        profile dips below its tail value by more than 1 % of :math:`\Delta_h(0)-\Delta_h(s_{\max})`
        or ends negative (a spurious periodic solution of the truncated problem).

    Examples
    --------
    >>> from gatebook.meanfield.gated import gated_dmft
    >>> res = gated_dmft(1.5)           # g_eff = 0.75 < 1
    >>> res.branch, res.variance
    ('quiescent', 0.0)
    """
    attempts = []
    for memory in _MIXING_MEMORIES:
        try:
            result = _gated_dmft_once(
                g_h, alpha_r, beta_r, beta_z, g_r, tau_h, tau_r, input_std,
                alpha_z=alpha_z, s_max=s_max, n=n, damping=damping, tol=tol, max_iter=max_iter,
                start=start, memory=memory,
            )
        except DMFTConvergenceError as err:
            attempts.append(err)
            continue
        result.params["mixing_memory"] = memory
        return result
    last = attempts[-1]  # the plain damped iteration's failure, with every attempt in its diagnostics
    last.diagnostics["attempts"] = [str(e) for e in attempts]
    raise last


def _coefficients(result):
    """The lag profiles entering the two-field operator (computed once per DMFT solution)."""
    p = result.params
    dh = np.asarray(result.autocorrelation)
    dr = np.asarray(p["autocorrelation_r"])
    alpha, beta = p["alpha_r"], p["beta_r"]
    c_sig = _profile(lambda x: _gate(x, alpha, beta), dr, alpha) if alpha != 0.0 else p["s_r"] ** 2
    c_dphi = _profile(_tanh_slope, dh)
    coef = {"a_hh": p["g_h"] ** 2 * c_sig * c_dphi}
    if alpha != 0.0:
        c_dsig = _profile(lambda x: _gate_slope(x, alpha, beta), dr, alpha)
        coef["a_hr"] = p["g_h"] ** 2 * c_dsig * _profile(np.tanh, dh)
        coef["a_rh"] = p["g_r"] ** 2 * c_dphi
    return coef


def _operator(result, kappa, coef=None):
    """The two-field operator of chapter 10 at growth rate ``kappa`` as a LinearOperator."""
    p = result.params
    lags = np.asarray(result.lags)
    ds = lags[1] - lags[0]
    coef = _coefficients(result) if coef is None else coef
    te, tr = p["tau_eff"], p["tau_r"]
    a_hh = coef["a_hh"]
    n = lags.size
    if "a_hr" not in coef:
        def mv(f):
            f = np.ravel(f)
            return _even_filter(a_hh * f, ds, lambda w: 1.0 / ((1 + te * kappa) ** 2 + (te * w) ** 2))

        return LinearOperator((n, n), matvec=mv, dtype=float)
    a_hr, a_rh = coef["a_hr"], coef["a_rh"]

    def mv2(x):
        x = np.ravel(x)
        f, fr = x[:n], x[n:]
        out_h = _even_filter(a_hh * f + a_hr * fr, ds, lambda w: 1.0 / ((1 + te * kappa) ** 2 + (te * w) ** 2))
        out_r = _even_filter(a_rh * f, ds, lambda w: 1.0 / ((1 + tr * kappa) ** 2 + (tr * w) ** 2))
        return np.concatenate([out_h, out_r])

    return LinearOperator((2 * n, 2 * n), matvec=mv2, dtype=float)


def spectral_radius(result, kappa: float) -> float:
    r"""Spectral radius :math:`\rho(\kappa)` of the linearised two-replica operator (chapter 10).

    .. math::

        (f,f_r)\mapsto\Big(G^{\rm eff}_\kappa*g_h^2\big[C_{\sigma_r}C_{\phi'}f+C_{\sigma_r'}C_\phi f_r\big],\;
        G^{r}_\kappa*g_r^2C_{\phi'}f\Big),\qquad
        \hat G^{\tau}_\kappa(\omega)=\frac{1}{(1+\tau\kappa)^2+\tau^2\omega^2}.
    """
    return _radius(_operator(result, kappa))


def _radius(op) -> float:
    vals = eigs(op, k=1, which="LM", v0=np.ones(op.shape[0]), tol=1e-12, return_eigenvectors=False)
    return float(np.abs(vals[0]))


def quiet_lambda_max(g_h, beta_r=0.0, beta_z=0.0, tau_h=1.0, tau_r=1.0):
    r"""Exponent of the quiet state in the :math:`\alpha_z=0` DMFT, :math:`\max\{(s_z/\tau_h)(g_hs_r-1),-1/\tau_r\}`.

    The edge of the origin's :math:`h`-block disk, or the relaxation of :math:`r` if slower; the
    :math:`z`-block relaxation :math:`-1/\tau_z` is not part of the :math:`\alpha_z=0` DMFT.
    Vectorised over its arguments (chapters 10-11).

    >>> float(quiet_lambda_max(1.5))
    -0.125
    """
    s_z, s_r = expit(-np.asarray(beta_z, dtype=float)), expit(-np.asarray(beta_r, dtype=float))
    return np.maximum(s_z / tau_h * (np.asarray(g_h, dtype=float) * s_r - 1.0), -1.0 / tau_r)


def gated_lambda_max(result, *, tol=1e-8) -> float:
    r"""Maximal Lyapunov exponent of the gated network from its DMFT solution (chapter 10).

    :math:`\lambda_{\max}` is the largest :math:`\kappa` at which the two-field system

    .. math::

        \big[(1+\tau_{\rm eff}\kappa)^2-\tau_{\rm eff}^2\partial_s^2\big]f
        =g_h^2\big[C_{\sigma_r}C_{\phi'}f+C_{\sigma_r'}C_\phi f_r\big],\qquad
        \big[(1+\tau_r\kappa)^2-\tau_r^2\partial_s^2\big]f_r=g_r^2C_{\phi'}f

    has a bounded solution, found by bisection (Brent) on :math:`\rho(\kappa)=1`
    (:func:`spectral_radius`, decreasing in :math:`\kappa`). On the quiescent branch the
    exact value :math:`\max\{(s_z/\tau_h)(g_hs_r-1),-1/\tau_r\}` is returned (the
    :math:`z`-block relaxation :math:`-1/\tau_z` is not part of the DMFT at
    :math:`\alpha_z=0`). At :math:`\alpha_r=0` the result equals the Schrödinger value
    :math:`(s_z/\tau_h)(-1+\sqrt{1-E_0})` of chapter 1's network.

    Parameters
    ----------
    result : DMFTResult
        Output of :func:`gated_dmft`.
    tol : float, optional
        Absolute tolerance on :math:`\kappa`.
    """
    if not isinstance(result, DMFTResult) or "autocorrelation_r" not in result.params:
        raise TypeError("result must be a DMFTResult returned by gated_dmft")
    tol = check_positive_float(tol, "tol")
    p = result.params
    if result.branch == "quiescent":
        return float(quiet_lambda_max(p["g_h"], p["beta_r"], p["beta_z"], p["tau_h"], p["tau_r"]))
    tau_max = max(p["tau_eff"], p["tau_r"])

    coef = _coefficients(result)

    def excess(kappa):
        return _radius(_operator(result, kappa, coef)) - 1.0

    lo = 0.0
    while excess(lo) < 0:
        lo = 0.5 * (lo - 1.0 / tau_max)
        if lo < -(1 - 1e-6) / tau_max:
            raise DMFTConvergenceError(
                "bisection for lambda_max: rho(kappa) < 1 down to kappa = -1/tau", last={"kappa": lo}
            )
    hi = max(lo, 0.0) + 0.5 / tau_max
    while excess(hi) > 0:
        hi = 2 * hi + 1.0 / tau_max
    return float(brentq(excess, lo, hi, xtol=tol))
