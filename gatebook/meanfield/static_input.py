r"""Static solutions of the gated network's mean field under a static input, and their stability (chapter 10).

With a static random input :math:`I_i\sim\mathcal N(0,\sigma_I^2)` the fixed points of the gated
network have Gaussian statistics with variance solving

.. math::

    \Delta_h=g_h^2\,S_r\big(g_r^2Q(\Delta_h)\big)\,Q(\Delta_h)+\sigma_I^2 ,

which can have several solutions. :func:`static_input_solutions` finds every one and the right
edge :math:`\kappa` of its fixed points' Jacobian spectrum, which tells a stable static solution
(:math:`\kappa<0`) from one that counts repelling fixed points. Chapter 10 uses it to ask
whether the mean-field theory under input is bistable
(:func:`gatebook.transitions.input_induced_chaos` runs the networks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .._validation import check_finite_float, check_nonnegative_float, check_positive_float, check_positive_int
from .quadrature import QuadratureGridError, gate_slope, gaussian_average
from .static import gate_second_moment, tanh_second_moment

__all__ = ["StaticInputSolutions", "static_input_solutions"]

# -- static solutions under input ---------------------------------------------------------------
#: Largest ``n_grid`` of :func:`static_input_solutions`.
_MAX_STATIC_GRID = 100_000
#: Largest ``sigma_I``, ``g_h`` and ``g_r`` of :func:`static_input_solutions` (variances up to ~2e4).
_MAX_STATIC_GAIN = 100.0
@dataclass(frozen=True)
class StaticInputSolutions:
    r"""Every solution of the static mean field under a static input, with its exponent (chapter 10).

    Attributes
    ----------
    sigma_I, g_h, alpha_r, beta_r, g_r : float
        The input spread and the network's parameters.
    variance : ndarray, shape (n,)
        :math:`\Delta_h` of each solution, ascending (the quiet state :math:`0` first when
        :math:`\sigma_I=0`).
    lambda_max : ndarray, shape (n,)
        Right edge :math:`\kappa` of the Jacobian spectrum of the fixed points with these
        statistics (:func:`static_input_solutions`): negative for a stable solution.
    """

    sigma_I: float
    g_h: float
    alpha_r: float
    beta_r: float
    g_r: float
    variance: np.ndarray
    lambda_max: np.ndarray

    @property
    def stable(self) -> np.ndarray:
        """Whether each solution's fixed points are linearly stable (``lambda_max < 0``)."""
        return self.lambda_max < 0.0


def _static_exponent(delta, g_h, alpha_r, beta_r, g_r, tau_eff=2.0, tau_r=1.0) -> float:
    """Largest root of (1 + tau_eff k)^2 (1 + tau_r k)^2 = A (1 + tau_r k)^2 + B above -1/tau_eff."""
    q = float(tanh_second_moment(delta))
    d_r = g_r**2 * q
    dphi2 = float(gaussian_average(lambda x: (1.0 - np.tanh(x) ** 2) ** 2, delta)) if delta > 0 else 1.0
    a = g_h**2 * float(gate_second_moment(d_r, alpha_r=alpha_r, beta_r=beta_r)) * dphi2
    b = 0.0
    if alpha_r > 0.0 and d_r > 0.0:
        dsig2 = float(gaussian_average(lambda x: gate_slope(x, alpha_r, beta_r) ** 2, d_r, sharpness=max(alpha_r, 2.0)))
        b = g_h**2 * g_r**2 * dsig2 * q * dphi2

    def excess(k):
        return (1 + tau_eff * k) ** 2 * (1 + tau_r * k) ** 2 - a * (1 + tau_r * k) ** 2 - b

    lo = -1.0 / tau_eff
    if not excess(lo) < 0.0:
        return lo
    hi = 1.0
    while excess(hi) <= 0.0:
        hi *= 2.0
    return float(brentq(excess, lo, hi, xtol=1e-12))


def static_input_solutions(sigma_I, g_h=2.0, alpha_r=20.0, beta_r=2.0, *, g_r=1.0, n_grid=400) -> StaticInputSolutions:
    r"""All static mean-field solutions under a static input, and whether their fixed points are stable (chapter 10).

    The fixed points of a large network with input :math:`I_i\sim\mathcal N(0,\sigma_I^2)`
    have Gaussian statistics with variance :math:`\Delta_h` solving

    .. math:: \Delta_h=g_h^2\,S_r\big(g_r^2Q(\Delta_h)\big)\,Q(\Delta_h)+\sigma_I^2,

    which, with a sharp gate, can have several roots. All of them are found by a sign scan of
    the residual on a logarithmic grid of ``n_grid`` variances in
    :math:`[\sigma_I^2,\,g_h^2+\sigma_I^2]` (every root lies there), refined by Brent's method.
    Each root's stability is the right edge :math:`\kappa` of the Jacobian spectrum of its
    fixed points, the largest root above :math:`-1/\tau_{\rm eff}` of

    .. math::

        (1+\tau_{\rm eff}\kappa)^2(1+\tau_r\kappa)^2=A\,(1+\tau_r\kappa)^2+B,\qquad
        A=g_h^2\langle\sigma_r^2\rangle\langle\phi'^2\rangle,\quad
        B=g_h^2g_r^2\langle\sigma_r'^2\rangle\langle\phi^2\rangle\langle\phi'^2\rangle,

    with :math:`h\sim\mathcal N(0,\Delta_h)`, :math:`r\sim\mathcal N(0,g_r^2Q(\Delta_h))`,
    :math:`\tau_{\rm eff}=2`, :math:`\tau_r=1` (the module's conventions). It is what
    :func:`gatebook.meanfield.gated_lambda_max` returns for a time-independent DMFT solution
    (the two-replica operator acting on constant profiles): a positive value means that the
    solution describes unstable fixed points, not an attractor. At :math:`\sigma_I=0` the quiet
    state :math:`\Delta_h=0` comes first, with :math:`\kappa=(g_hs_r-1)/\tau_{\rm eff}`.

    Parameters
    ----------
    sigma_I : float
        Input spread (``>= 0``).
    g_h, alpha_r, beta_r : float, optional
        Coupling gain (``> 0``), gate gain (``>= 0``) and bias of the output gate.
    g_r : float, optional
        Gain of the gate's couplings (``>= 0``).
    n_grid : int, optional
        Scan points (at least 50); two roots closer than the grid spacing can be missed.

    Returns
    -------
    StaticInputSolutions

    Raises
    ------
    ValueError, TypeError
        Naming the argument, for non-numeric, negative or non-finite values.

    Examples
    --------
    >>> sol = static_input_solutions(0.05)        # g_h = 2, alpha_r = 20, beta_r = 2
    >>> sol.stable.tolist()                        # near-quiet, middle, upper
    [True, False, False]
    """
    sigma_I = check_nonnegative_float(sigma_I, "sigma_I")
    g_h = check_positive_float(g_h, "g_h")
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    g_r = check_nonnegative_float(g_r, "g_r")
    n_grid = check_positive_int(n_grid, "n_grid")
    if not 50 <= n_grid <= _MAX_STATIC_GRID:
        raise ValueError(f"n_grid must lie in [50, {_MAX_STATIC_GRID}], got {n_grid}")
    for value, name in ((sigma_I, "sigma_I"), (g_h, "g_h"), (g_r, "g_r")):
        if value > _MAX_STATIC_GAIN:
            raise ValueError(f"{name} must be at most {_MAX_STATIC_GAIN:g} (the Gaussian averages of tanh and of the "
                             f"gate need a grid that grows with the variance), got {value:g}")
    try:
        return _static_input_solutions(sigma_I, g_h, alpha_r, beta_r, g_r, n_grid)
    except QuadratureGridError as err:
        raise ValueError(f"alpha_r={alpha_r:g} with g_r={g_r:g} makes the output gate too sharp for the spread of "
                         f"its input to be averaged: use a smaller alpha_r or g_r ({err})") from err


def _static_input_solutions(sigma_I, g_h, alpha_r, beta_r, g_r, n_grid) -> StaticInputSolutions:

    noise = sigma_I**2

    def residual(d):
        q = tanh_second_moment(d)
        return g_h**2 * gate_second_moment(g_r**2 * q, alpha_r=alpha_r, beta_r=beta_r) * q + noise - d

    lo = noise if noise > 0.0 else 1e-10 * min(1.0, g_h**2)
    grid = np.geomspace(lo, g_h**2 + noise, n_grid)
    vals = residual(grid)
    roots = [] if noise > 0.0 else [0.0]
    if noise > 0.0 and vals[0] == 0.0:
        roots.append(float(grid[0]))
    for k in np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]:
        roots.append(float(brentq(residual, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-12)))
    variance = np.array(sorted(roots))
    lam = np.array([_static_exponent(d, g_h, alpha_r, beta_r, g_r) for d in variance])
    return StaticInputSolutions(sigma_I=sigma_I, g_h=g_h, alpha_r=alpha_r, beta_r=beta_r, g_r=g_r,
                                variance=variance, lambda_max=lam)
