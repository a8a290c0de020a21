r"""The maximal Lyapunov exponent of the gated network from its DMFT solution (chapter 10).

Two nearby replicas of the network separate as :math:`\psi(t,t')=e^{\kappa(t+t')}f(t-t')`;
with the stationary profiles of :func:`~gatebook.meanfield.gated.gated_dmft`, the
separations :math:`(f,f_r)` of :math:`h` and :math:`r` obey a linear two-field problem, and
:math:`\lambda_{\max}` is the largest :math:`\kappa` at which it has a bounded solution
(:func:`gated_lambda_max`, by bisection on the spectral radius :func:`spectral_radius`).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.optimize import brentq
from scipy.sparse.linalg import LinearOperator, eigs

from .. import quiet_state
from .._validation import check_finite_float, check_positive_float
from ._result import DMFTConvergenceError, DMFTResult, WindowTooShortError
from .lags import even_filter_unchecked as even_filter, has_decayed_unchecked as has_decayed
from .quadrature import correlation_profile_unchecked as correlation_profile, gate_unchecked, gate_slope_unchecked

__all__ = ["gated_lambda_max", "spectral_radius", "quiet_lambda_max"]


def _tanh_slope(x):
    return 1.0 - np.tanh(x) ** 2


def _coefficients(result):
    """The lag profiles entering the two-field operator (computed once per DMFT solution)."""
    p = result.params
    dh = np.asarray(result.autocorrelation)
    dr = np.asarray(p["autocorrelation_r"])
    alpha, beta = p["alpha_r"], p["beta_r"]
    c_sig = correlation_profile(lambda x: gate_unchecked(x, alpha, beta), dr, alpha) if alpha != 0.0 else p["s_r"] ** 2
    c_dphi = correlation_profile(_tanh_slope, dh)
    coef = {"a_hh": p["g_h"] ** 2 * c_sig * c_dphi}
    if alpha != 0.0:
        c_dsig = correlation_profile(lambda x: gate_slope_unchecked(x, alpha, beta), dr, alpha)
        coef["a_hr"] = p["g_h"] ** 2 * c_dsig * correlation_profile(np.tanh, dh)
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
            return even_filter(a_hh * f, ds, lambda w: 1.0 / ((1 + te * kappa) ** 2 + (te * w) ** 2))

        return LinearOperator((n, n), matvec=mv, dtype=float)
    a_hr, a_rh = coef["a_hr"], coef["a_rh"]

    def mv2(x):
        x = np.ravel(x)
        f, fr = x[:n], x[n:]
        out_h = even_filter(a_hh * f + a_hr * fr, ds, lambda w: 1.0 / ((1 + te * kappa) ** 2 + (te * w) ** 2))
        out_r = even_filter(a_rh * f, ds, lambda w: 1.0 / ((1 + tr * kappa) ** 2 + (tr * w) ** 2))
        return np.concatenate([out_h, out_r])

    return LinearOperator((2 * n, 2 * n), matvec=mv2, dtype=float)


def _check_result(result):
    """``result`` must be a DMFTResult of :func:`~gatebook.meanfield.gated.gated_dmft`."""
    if not isinstance(result, DMFTResult) or "autocorrelation_r" not in result.params:
        raise TypeError(f"result must be a DMFTResult returned by gated_dmft, got {type(result).__name__}")
    return result


def spectral_radius(result, kappa: float) -> float:
    r"""Spectral radius :math:`\rho(\kappa)` of the linearised two-replica operator (chapter 10).

    .. math::

        (f,f_r)\mapsto\Big(G^{\rm eff}_\kappa*g_h^2\big[C_{\sigma_r}C_{\phi'}f+C_{\sigma_r'}C_\phi f_r\big],\;
        G^{r}_\kappa*g_r^2C_{\phi'}f\Big),\qquad
        \hat G^{\tau}_\kappa(\omega)=\frac{1}{(1+\tau\kappa)^2+\tau^2\omega^2}.

    Parameters
    ----------
    result : DMFTResult
        Output of :func:`~gatebook.meanfield.gated.gated_dmft`.
    kappa : float
        Growth rate, above :math:`-1/\max(\tau_{\rm eff},\tau_r)` (where the Green's functions
        stop decaying).

    Raises
    ------
    TypeError
        If ``result`` is not a result of ``gated_dmft``.
    ValueError
        If ``kappa`` is not a finite number above :math:`-1/\max(\tau_{\rm eff},\tau_r)`.
    """
    result = _check_result(result)
    kappa = check_finite_float(kappa, "kappa")
    tau_max = max(result.params["tau_eff"], result.params["tau_r"])
    if not kappa * tau_max > -1.0:
        raise ValueError(
            f"kappa must exceed -1 / max(tau_eff, tau_r) = {-1.0 / tau_max:.6g} (the Green's functions "
            f"do not decay below it), got {kappa:g}"
        )
    return _radius(_operator(result, kappa))


def _radius(op) -> float:
    vals = eigs(op, k=1, which="LM", v0=np.ones(op.shape[0]), tol=1e-12, return_eigenvectors=False)
    return float(np.abs(vals[0]))


def quiet_lambda_max(g_h, beta_r=0.0, beta_z=0.0, tau_h=1.0, tau_r=1.0):
    r"""Deprecated: use :func:`gatebook.quiet_state.quiet_lambda_max` (its default ``tau_z=None`` is this value).

    .. deprecated::
        Moved to :func:`gatebook.quiet_state.quiet_lambda_max`, the home of every closed form of
        the quiet state; this name will be removed in the next release.
    """
    warnings.warn(
        "gatebook.meanfield.quiet_lambda_max is deprecated: use gatebook.quiet_state.quiet_lambda_max "
        "(tau_z=None, the default, leaves out the z block as the alpha_z = 0 DMFT does)",
        DeprecationWarning,
        stacklevel=2,
    )
    return quiet_state.quiet_lambda_max(g_h, beta_r=beta_r, beta_z=beta_z, tau_h=tau_h, tau_r=tau_r)


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
        Tolerance on :math:`\kappa\max(\tau_{\rm eff},\tau_r)` (the exponent in units of the
        slowest rate), in :math:`(0,1)`.

    Raises
    ------
    TypeError
        If ``result`` is not a result of ``gated_dmft``.
    WindowTooShortError
        If the autocorrelation has not decayed inside the result's lag window.
    """
    result = _check_result(result)
    tol = check_positive_float(tol, "tol")
    if tol >= 1.0:
        raise ValueError(f"tol must be below 1 (a tolerance on kappa in units of the slowest rate), got {tol:g}")
    p = result.params
    if result.branch == "quiescent":
        return float(quiet_state.quiet_lambda_max(p["g_h"], beta_r=p["beta_r"], beta_z=p["beta_z"],
                                                  tau_h=p["tau_h"], tau_r=p["tau_r"]))
    tau_max = max(p["tau_eff"], p["tau_r"])
    decayed, change = has_decayed(np.asarray(result.autocorrelation))
    if not decayed:
        raise WindowTooShortError(
            f"lambda_max at g_h={p['g_h']:g}: the DMFT autocorrelation has not decayed by the end of "
            f"its lag window (it changes by {change:.2g} of its span over the last tenth), so the "
            "two-replica operator would be truncated",
            last={"relative_change_at_end": change, "s_max": float(result.lags[-1])},
            suggestion="solve the DMFT with a wider lag window (s_max=None grows it automatically)",
        )

    coef = _coefficients(result)

    # bisection in units of the slowest rate 1/tau_max, so that tol is relative to it (a closed
    # timescale gate, large beta_z, makes every rate tiny)
    def excess(x):
        return _radius(_operator(result, x / tau_max, coef)) - 1.0

    lo = 0.0
    while excess(lo) < 0:
        lo = 0.5 * (lo - 1.0)
        if lo < -(1 - 1e-6):
            raise DMFTConvergenceError(
                "bisection for lambda_max: rho(kappa) < 1 down to kappa = -1/tau", last={"kappa": lo / tau_max}
            )
    hi = max(lo, 0.0) + 0.5
    while excess(hi) > 0:
        hi = 2 * hi + 1.0
    return float(brentq(excess, lo, hi, xtol=tol)) / tau_max
