r"""Dynamical mean-field theory of chapter 1's random network (chapter 9).

For :math:`\tau\dot x = -x + gJ\tanh(x)` with :math:`J_{ij}\sim\mathcal N(0,1/N)` the
large-:math:`N` single-site process is Gaussian, and its stationary autocorrelation
:math:`\Delta(s)=\langle x(t)x(t+s)\rangle` obeys, in units of :math:`\tau`,

.. math::

    \big(1-\partial_s^2\big)\Delta(s) = g^2\,C_\phi(s),\qquad
    C_\phi(s)=\int\!D\zeta\Big[\int\!D\xi\,
        \phi\big(\sqrt{\Delta_0-\Delta}\,\xi+\sqrt{\Delta}\,\zeta\big)\Big]^2,

with :math:`\phi=\tanh` and :math:`\Delta_0=\Delta(0)`. This module solves it two
independent ways (the Fourier fixed-point iteration and Newtonian motion in the potential
:math:`V`), and computes the maximal Lyapunov exponent two independent ways (the ground
state of a Schrödinger operator and bisection on the spectral radius of a Green's-function
operator). Chapter 9 teaches all of it; chapter 10 uses :func:`scs_lambda_max`.

Below :math:`g=1` the only solution is the quiescent branch :math:`\Delta\equiv0`, whose
exponent is :math:`\lambda_{\max}=(g-1)/\tau` exactly.
"""

from __future__ import annotations


import numpy as np
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicSpline
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import NoConvergence, brentq, newton_krylov
from scipy.sparse.linalg import LinearOperator, eigsh

from .._validation import check_choice, check_memory, check_nonnegative_float, check_positive_float, check_positive_int
from ._result import DMFTConvergenceError, DMFTResult
from .quadrature import QuadratureGridError, correlated_average, gaussian_average

__all__ = ["scs_variance", "scs_potential", "scs_dmft", "scs_lambda_max", "schrodinger_potential",
           "MAX_SCS_GAIN"]

#: Largest gain :math:`g` of the solvers: the chaotic variance :math:`\Delta_0\approx0.727g^2` must stay
#: within the reach of the correlation tables (:data:`~gatebook.meanfield.MAX_CORRELATED_GRID_POINTS`
#: resolve :math:`\tanh` up to :math:`\Delta_0\approx6.7\times10^7`, i.e. :math:`g\approx9600`).
MAX_SCS_GAIN = 8000.0


def _logcosh(x):
    r""":math:`\Phi(x)=\ln\cosh x`, overflow-free."""
    x = np.abs(x)
    return x + np.log1p(np.exp(-2.0 * x)) - np.log(2.0)


def _sech2(x):
    r""":math:`\phi'(x)=1-\tanh^2 x`."""
    return 1.0 - np.tanh(x) ** 2


def _nested_average(f, delta, delta0):
    r"""Nested average :math:`\int D\zeta[\int D\xi f(\sqrt{\Delta_0-\Delta}\xi+\sqrt{\Delta}\zeta)]^2`.

    For :math:`0\le\Delta\le\Delta_0`: the correlated average of ``f`` with itself at correlation
    coefficient :math:`\Delta/\Delta_0` (:func:`~gatebook.meanfield.quadrature.correlated_average`).
    """
    c = np.clip(np.asarray(delta, dtype=float) / delta0, 0.0, 1.0)
    return correlated_average(f, f, delta0, c, method="grid")


def _tabulated_average(f, delta0, degree=32):
    r"""The nested average as a function of :math:`\Delta\in[0,\Delta_0]`, by Chebyshev interpolation.

    :math:`C_f` is a power series in :math:`c=\Delta/\Delta_0` with non-negative,
    fast-decaying coefficients, so a degree-32 interpolant on Chebyshev nodes is accurate
    to rounding for :math:`\tanh` and :math:`\phi'`; evaluating it on a whole lag grid
    costs one polynomial evaluation per point instead of a double quadrature.
    """
    cheb = np.polynomial.chebyshev
    nodes = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))  # in (-1, 1)
    values = _nested_average(f, 0.5 * delta0 * (nodes + 1.0), delta0)
    coef = cheb.chebfit(nodes, values, degree)
    return lambda delta: cheb.chebval(2.0 * np.clip(delta, 0.0, delta0) / delta0 - 1.0, coef)


def _moments(f, delta0):
    r""":math:`\langle f\rangle` and :math:`\langle f^2\rangle` over :math:`\mathcal N(0,\Delta_0)` (uniform-grid rule)."""
    return (
        float(gaussian_average(f, delta0, method="grid")),
        float(gaussian_average(lambda x: f(x) ** 2, delta0, method="grid")),
    )


def _check_g(g, name="g"):
    g = check_nonnegative_float(g, name)
    if g > MAX_SCS_GAIN:
        raise ValueError(
            f"{name}={g:g} is too large: the chaotic variance Delta_0 ~ 0.73 {name}^2 would need correlation "
            f"tables beyond the quadrature cap ({name} <= {MAX_SCS_GAIN:g} is supported)"
        )
    return g


def _variance_equation(delta0, g):
    r"""Scaled Δ₀ equation :math:`-\tfrac12+g^2\,\mathrm{Var}[\Phi]/\Delta_0^2` (root = Δ₀)."""
    m1, m2 = _moments(_logcosh, delta0)
    return -0.5 + g * g * (m2 - m1 * m1) / delta0**2


def scs_variance(g: float) -> float:
    r"""Variance :math:`\Delta_0` of the chaotic DMFT solution of chapter 1's network.

    Energy conservation of :math:`\Delta''=-\partial V/\partial\Delta` between rest at
    :math:`\Delta_0` and the hilltop :math:`\Delta=0` reached as :math:`s\to\infty` gives

    .. math::

        -\tfrac12\Delta_0^2+g^2\big(\langle\Phi^2\rangle_{\Delta_0}
        -\langle\Phi\rangle_{\Delta_0}^2\big)=0,\qquad \Phi=\ln\cosh ,

    solved here by bracketed root finding on :math:`\Delta_0>0` (chapter 9). Near the onset
    the small-amplitude expansion :math:`\mathrm{Var}\,\Phi=\Delta_0^2/2-\Delta_0^3+O(\Delta_0^4)`
    gives :math:`\Delta_0\approx(1-g^{-2})/2`. It does not depend on :math:`\tau`.

    Parameters
    ----------
    g : float
        Coupling gain (``>= 0``, at most :data:`MAX_SCS_GAIN`).

    Returns
    -------
    float
        :math:`\Delta_0`; ``0.0`` for ``g <= 1`` (quiescent branch).

    Examples
    --------
    >>> round(scs_variance(0.5), 12)
    0.0
    >>> bool(scs_variance(2.0) > scs_variance(1.5) > 0)
    True
    """
    g = _check_g(g)
    if g <= 1.0:
        return 0.0
    lo = 1e-6
    hi = 1.0
    while _variance_equation(hi, g) > 0:
        hi *= 2.0
        if hi > 1e8:  # pragma: no cover - Var Φ/Δ0² → 0 at large Δ0, so this cannot happen
            raise RuntimeError("scs_variance: could not bracket the root")
    if _variance_equation(lo, g) <= 0:
        # g is so close to 1 that Δ0 < 1e-6: use the small-amplitude expansion.
        return 0.5 * (1.0 - 1.0 / g**2)
    return float(brentq(_variance_equation, lo, hi, args=(g,), xtol=1e-15, rtol=1e-15, maxiter=200))


def scs_potential(delta, delta0: float, g: float) -> np.ndarray:
    r"""The potential :math:`V(\Delta;\Delta_0)` of chapter 1's DMFT (chapter 9).

    .. math::

        V(\Delta;\Delta_0)=-\tfrac12\Delta^2+g^2\!\int\!D\zeta\Big[\int\!D\xi\,
        \Phi\big(\sqrt{\Delta_0-\Delta}\,\xi+\sqrt\Delta\,\zeta\big)\Big]^2,\qquad\Phi=\ln\cosh,

    so that :math:`\Delta''=-\partial V/\partial\Delta` (units of :math:`\tau`). A particle
    released at rest from :math:`\Delta_0` conserves :math:`\tfrac12\Delta'^2+V`; the
    chaotic solution reaches the hilltop :math:`\Delta=0` as :math:`s\to\infty`, which
    needs :math:`V(\Delta_0;\Delta_0)=V(0;\Delta_0)` (the :math:`\Delta_0` equation of
    :func:`scs_variance`). The nested average is
    :func:`~gatebook.meanfield.quadrature.correlated_average` of :math:`\Phi` with itself at
    correlation coefficient :math:`\Delta/\Delta_0`.

    Parameters
    ----------
    delta : array_like
        Values :math:`0\le\Delta\le\Delta_0`.
    delta0 : float
        :math:`\Delta_0>0`.
    g : float
        Coupling gain.

    Examples
    --------
    >>> d0 = scs_variance(2.0)
    >>> v = scs_potential([0.0, d0], d0, 2.0)
    >>> bool(abs(v[1] - v[0]) < 1e-9)
    True
    """
    delta0 = check_positive_float(delta0, "delta0")
    g = check_positive_float(g, "g")
    if isinstance(delta, (str, bytes)) or delta is None:
        raise TypeError(f"delta must be a real number or an array of real numbers, got {delta!r}")
    try:
        delta = np.asarray(delta, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"delta must be a real number or an array of real numbers, got {delta!r}") from err
    if np.any(~np.isfinite(delta)) or np.any(delta < 0) or np.any(delta > delta0 * (1 + 1e-12)):
        raise ValueError("delta must lie in [0, delta0]")
    try:
        average = _nested_average(_logcosh, delta, delta0)
    except QuadratureGridError as err:
        raise ValueError(f"delta0={delta0:g} is too large for the correlation table of ln cosh: {err}") from err
    return -0.5 * delta**2 + g * g * average


def _grid(s_max, n):
    s = np.linspace(-s_max, s_max, n)
    return s, s[1] - s[0]


def _quiescent(g, tau, s, method):
    return DMFTResult(
        lags=s * tau,
        autocorrelation=np.zeros_like(s),
        variance=0.0,
        lambda_max=(g - 1.0) / tau,
        converged=True,
        iterations=0,
        residuals=(),
        branch="quiescent",
        method=method,
        params={"g": g, "tau": tau},
    )


def _potential_solution(g, s, delta0):
    r"""Δ(s) on ``s`` from motion in the potential, started at rest at Δ₀ (units of τ)."""
    m1, _ = _moments(_sech2, delta0)  # <φ'> over N(0, Δ0)
    mu = np.sqrt(max(1.0 - g * g * m1 * m1, 0.0))  # decay rate near the hilltop Δ=0
    c_phi = _tabulated_average(np.tanh, delta0)

    def rhs(_, y):
        return [y[1], y[0] - g * g * float(c_phi(y[0]))]

    floor = 1e-7 * delta0

    def reached_floor(_, y):
        return y[0] - floor

    reached_floor.terminal = True

    def turned(_, y):  # left the separatrix: Δ' > 0 before reaching the floor
        return y[1] - 1e-14

    turned.terminal = True
    turned.direction = 1

    s_pos = s[s >= 0]
    sol = solve_ivp(
        rhs, (0.0, s_pos[-1]), [delta0, 0.0], method="DOP853", rtol=1e-12, atol=1e-15,
        dense_output=True, events=(reached_floor, turned),
    )
    s_end = sol.t[-1]
    d_end = sol.y[0, -1]
    inside = s_pos <= s_end
    d_pos = np.empty_like(s_pos)
    d_pos[inside] = sol.sol(s_pos[inside])[0]
    # hilltop tail: Δ'' ≈ μ²Δ, so Δ decays as exp(-μ s)
    d_pos[~inside] = max(d_end, 0.0) * np.exp(-mu * (s_pos[~inside] - s_end))
    return np.interp(np.abs(s), s_pos, d_pos), sol.nfev


def _fourier_iteration(g, s, ds, start, damping, tol, max_iter):
    r"""Damped fixed-point iteration :math:`\Delta\leftarrow\mathcal F^{-1}[\mathcal F[g^2C_\phi]/(1+\omega^2)]`.

    Near the onset (:math:`g\to1^+`) the linearised map has an eigenvalue close to 1, so the
    damped iteration crawls and the last digits depend on round-off; once the update is below
    :math:`10^{-4}\Delta_0` the fixed point is finished by Newton-Krylov
    (:func:`scipy.optimize.newton_krylov`), which converges quadratically there too.
    """
    n = s.size
    n_pad = 2 * n
    omega = 2.0 * np.pi * np.fft.rfftfreq(n_pad, d=ds)
    kernel = 1.0 / (1.0 + omega**2)

    def mapping(delta):
        d0 = max(float(np.max(delta)), 0.0)
        source = g * g * _tabulated_average(np.tanh, d0)(delta) if d0 > 0 else np.zeros_like(delta)
        padded = np.zeros(n_pad)
        padded[:n] = source
        # circular convolution on the padded grid keeps each value at its own lag
        new = np.fft.irfft(np.fft.rfft(padded) * kernel, n_pad)[:n]
        return 0.5 * (new + new[::-1])

    delta = start.copy()
    residuals = []
    polished_at = np.inf
    for it in range(1, max_iter + 1):
        new = mapping(delta)
        res = float(np.max(np.abs(new - delta)))
        residuals.append(res)
        if not np.isfinite(res):
            break
        if res < tol:
            return new, it, residuals, True
        d0 = float(np.max(delta))
        if d0 > 0 and res < 1e-4 * d0 and res < 0.1 * polished_at:
            polished_at = res
            try:
                root = newton_krylov(lambda d: mapping(d) - d, new, f_tol=tol, maxiter=30,
                                     tol_norm=lambda v: np.max(np.abs(v)))
            except (NoConvergence, ValueError, FloatingPointError, np.linalg.LinAlgError):
                root = None
            if root is not None and abs(float(np.max(root)) - d0) < 1e-2 * d0:
                final = float(np.max(np.abs(mapping(root) - root)))
                if final < tol:
                    residuals.append(final)
                    return root, it, residuals, True
        delta = (1.0 - damping) * delta + damping * new
    return delta, len(residuals), residuals, False


def scs_dmft(
    g: float,
    tau: float = 1.0,
    *,
    method: str = "potential",
    s_max: float = 80.0,
    n: int = 2049,
    damping: float = 0.4,
    tol: float = 1e-10,
    max_iter: int = 2000,
) -> DMFTResult:
    r"""Stationary DMFT autocorrelation of chapter 1's network (chapter 9).

    Solves, in units of :math:`\tau`,

    .. math::

        \Delta''(s)=\Delta(s)-g^2C_\phi(s)=-\frac{\partial V}{\partial\Delta},\qquad
        V(\Delta;\Delta_0)=-\tfrac12\Delta^2+g^2\!\int\!D\zeta
        \Big[\int\!D\xi\,\Phi\big(\sqrt{\Delta_0-\Delta}\,\xi+\sqrt\Delta\,\zeta\big)\Big]^2,

    for the chaotic branch, the trajectory from rest at :math:`\Delta_0` to the hilltop
    :math:`\Delta=0`.

    Parameters
    ----------
    g : float
        Coupling gain (``>= 0``, at most :data:`MAX_SCS_GAIN`). For ``g <= 1`` the quiescent branch
        is returned.
    tau : float
        Time constant (``> 0``); ``lags`` are returned in the same units as ``tau``.
    method : {"potential", "iteration"}
        ``"potential"``: root-find :math:`\Delta_0` (:func:`scs_variance`) and integrate
        the Newton equation from rest with :func:`scipy.integrate.solve_ivp` (DOP853,
        ``rtol=1e-12``) until :math:`\Delta` falls to :math:`10^{-7}\Delta_0`; the unstable
        hilltop is then continued by its exact linear tail
        :math:`\Delta\propto e^{-\mu s}`, :math:`\mu^2=1-g^2\langle\phi'\rangle^2`.
        ``"iteration"``: damped Fourier fixed-point iteration
        :math:`\Delta\leftarrow\mathcal F^{-1}[\mathcal F[g^2C_\phi]/(1+\omega^2)]` on a
        zero-padded grid, started from a large :math:`\Delta` (chaotic branch).
    s_max : float
        Half-width of the lag grid in units of :math:`\tau`.
    n : int
        Number of grid points on :math:`[-s_\max,s_\max]` (odd, so that ``s = 0`` is a node).
    damping, tol, max_iter
        Damping :math:`\eta` of the iteration :math:`\Delta\leftarrow(1-\eta)\Delta+\eta\Delta_{\rm new}`,
        tolerance on the sup-norm of the update, and iteration cap (``"iteration"`` only).

    Returns
    -------
    DMFTResult
        ``lags`` (:math:`s\tau`), ``autocorrelation`` :math:`\Delta`, ``variance``
        :math:`\Delta_0`, ``branch`` (``"chaotic"`` or ``"quiescent"``).

    Raises
    ------
    DMFTConvergenceError
        If the iteration does not converge within ``max_iter`` (diagnostics attached).

    Examples
    --------
    >>> res = scs_dmft(2.0, s_max=40.0, n=801)
    >>> res.branch, bool(abs(res.variance - scs_variance(2.0)) < 1e-12)
    ('chaotic', True)
    """
    g = _check_g(g)
    tau = check_positive_float(tau, "tau")
    method = check_choice(method, "method", ("potential", "iteration"))
    s_max = check_positive_float(s_max, "s_max")
    n = check_positive_int(n, "n")
    if n < 17 or n % 2 == 0:
        raise ValueError(f"n must be an odd integer >= 17 (so that s = 0 is a grid node), got {n}")
    check_memory(4 * n, "n", what="the lag grid and its padded transforms")
    damping = check_positive_float(damping, "damping")
    if damping > 1:
        raise ValueError(f"damping must be in (0, 1], got {damping}")
    tol = check_positive_float(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    s, ds = _grid(s_max, n)
    if g <= 1.0:
        return _quiescent(g, tau, s, method)
    params = {"g": g, "tau": tau, "s_max": s_max, "n": n}
    if method == "potential":
        delta0 = scs_variance(g)
        delta, nfev = _potential_solution(g, s, delta0)
        return DMFTResult(
            lags=s * tau, autocorrelation=delta, variance=float(delta0), converged=True,
            iterations=int(nfev), residuals=(), branch="chaotic", method="potential", params=params,
        )
    start = np.full(n, 2.0 * g * g)  # large start: selects the chaotic branch
    start = start * np.exp(-np.abs(s) / 4.0)
    delta, it, residuals, ok = _fourier_iteration(g, s, ds, start, damping, tol, max_iter)
    if not ok:
        raise DMFTConvergenceError(
            f"scs_dmft Fourier iteration at g={g}",
            iterations=it,
            residuals=residuals,
            last={"variance": float(delta[n // 2])},
            suggestion="more iterations (max_iter), a smaller damping step, a wider grid (s_max) "
            "or method='potential'",
        )
    d0 = float(delta[n // 2])
    branch = "chaotic" if d0 > 1e-8 else "quiescent"
    return DMFTResult(
        lags=s * tau, autocorrelation=delta, variance=d0, converged=True, iterations=it,
        residuals=tuple(residuals), branch=branch, method="iteration", params=params,
    )


def _result_for(g, tau, result):
    if result is None:
        return scs_dmft(g, tau)
    if not isinstance(result, DMFTResult):
        raise TypeError(f"result must be a DMFTResult from scs_dmft or None, got {type(result).__name__}")
    rg, rtau = result.params.get("g"), result.params.get("tau")
    if tau is None:
        tau = rtau
    if rg is None or rtau is None or not np.isclose(rg, g) or not np.isclose(rtau, tau):
        raise ValueError(f"result was computed for g={rg}, tau={rtau}, not for g={g}, tau={tau}")
    return result


def schrodinger_potential(g, result):
    r"""The Schrödinger potential :math:`U(s)=g^2C_{\phi'}(s)` of a DMFT solution, as a cubic spline in :math:`|s|` (chapter 9).

    :math:`C_{\phi'}(s)` is the correlation of :math:`\phi'=1-\tanh^2` along the solution's
    :math:`\Delta(s)` (lags in units of :math:`\tau`); :math:`H=-\partial_s^2+1-U(s)` is the
    operator whose ground state gives :math:`\lambda_{\max}` (:func:`scs_lambda_max`).

    Parameters
    ----------
    g : float
        The coupling gain of ``result``.
    result : DMFTResult
        A chaotic solution of :func:`scs_dmft` (computed for this ``g``).

    Returns
    -------
    spline : scipy.interpolate.CubicSpline
        :math:`U` as a function of :math:`|s|`.
    half_width : float
        The half-width of the lag grid, in units of :math:`\tau`.

    Raises
    ------
    TypeError
        If ``result`` is not a :class:`~gatebook.meanfield.DMFTResult`.
    ValueError
        If ``g`` is not the gain of ``result``, or ``result`` is not a chaotic solution of
        :func:`scs_dmft`.
    """
    g = _check_g(g)
    if not isinstance(result, DMFTResult):
        raise TypeError(f"result must be a DMFTResult from scs_dmft, got {type(result).__name__}")
    result = _result_for(g, None, result)
    if result.branch != "chaotic" or not result.variance > 0.0:
        raise ValueError(f"result must be a chaotic solution of scs_dmft, got the {result.branch} branch")
    return _schrodinger_potential(g, result)


def _schrodinger_potential(g, result):
    """:func:`schrodinger_potential` without argument checks."""
    tau = result.params["tau"]
    s = result.lags / tau
    keep = s >= 0
    sp, dp = s[keep], result.autocorrelation[keep]
    cprime = g * g * _tabulated_average(_sech2, result.variance)(dp)
    spline = CubicSpline(sp, cprime, bc_type=((1, 0.0), "not-a-knot"))
    return spline, float(sp[-1])


def schrodinger_operator(potential, s):
    r"""Diagonal and off-diagonal of the finite-difference :math:`H=-\partial_s^2+1-U(s)`.

    Second-order central differences with Dirichlet ends on the uniform grid ``s``
    (chapter 10). ``potential`` is :math:`U` on ``s``.
    """
    h = s[1] - s[0]
    diag = 2.0 / h**2 + 1.0 - potential
    off = np.full(s.size - 1, -1.0 / h**2)
    return diag, off


def _ground_energy(spline, half_width, h):
    s = np.arange(-half_width, half_width + 0.5 * h, h)
    diag, off = schrodinger_operator(spline(np.abs(s)), s)
    return float(eigh_tridiagonal(diag, off, eigvals_only=True, select="i", select_range=(0, 0))[0])


def _spectral_radius(kappa, weight, h):
    r"""Largest eigenvalue of :math:`f\mapsto G_\kappa*(g^2C_{\phi'}f)`, symmetrised (Perron root)."""
    m = weight.size
    lag = h * np.arange(-(m - 1), m)
    a = 1.0 + kappa
    green = np.exp(-a * np.abs(lag)) / (2.0 * a)
    root_w = np.sqrt(weight * h)
    n_fft = 1 << int(np.ceil(np.log2(3 * m - 2)))
    g_hat = np.fft.rfft(green, n_fft)

    def matvec(x):
        y = np.fft.irfft(np.fft.rfft(root_w * np.ravel(x), n_fft) * g_hat, n_fft)[m - 1 : 2 * m - 1]
        return root_w * y

    op = LinearOperator((m, m), matvec=matvec, dtype=np.float64)
    return float(eigsh(op, k=1, which="LA", tol=1e-12, v0=root_w.copy())[0][0])


def scs_lambda_max(g: float, tau: float = 1.0, result=None, *, method: str = "schrodinger", h: float = 0.02) -> float:
    r"""Maximal Lyapunov exponent of chapter 1's network predicted by DMFT (chapter 10).

    Two nearby replicas separate as :math:`\psi(t,t')=e^{\kappa(t+t')}f(t-t')` with, in
    units of :math:`\tau`,

    .. math::

        \big[(1+\kappa)^2-\partial_s^2\big]f=g^2C_{\phi'}(s)\,f,\qquad
        C_{\phi'}(s)=\int\!D\zeta\Big[\int\!D\xi\,\phi'\big(\sqrt{\Delta_0-\Delta}\,\xi+\sqrt\Delta\,\zeta\big)\Big]^2,

    and :math:`\lambda_{\max}` is the largest :math:`\kappa` with a bounded solution.

    ``method="schrodinger"``: the ground-state energy :math:`E_0` of
    :math:`H=-\partial_s^2+1-g^2C_{\phi'}(s)` (tridiagonal eigen-solve at steps ``h`` and
    ``h/2``, Richardson-extrapolated) gives

    .. math:: \lambda_{\max}=\tau^{-1}\big(-1+\sqrt{1-E_0}\big).

    ``method="bisection"``: the spectral radius :math:`\rho(\kappa)` of
    :math:`f\mapsto G_\kappa*(g^2C_{\phi'}f)`, :math:`G_\kappa(s)=e^{-(1+\kappa)|s|}/[2(1+\kappa)]`,
    decreases with :math:`\kappa`; a bracketing root search (Brent) finds :math:`\rho(\kappa)=1`.

    Parameters
    ----------
    g : float
        Coupling gain (``>= 0``, at most :data:`MAX_SCS_GAIN`).
    tau : float
        Time constant (``> 0``).
    result : DMFTResult, optional
        A chaotic solution from :func:`scs_dmft` for the same ``g`` and ``tau``; computed
        (potential method) when omitted.
    method : {"schrodinger", "bisection"}
    h : float
        Step of the grid on which the eigenproblem is discretised (units of :math:`\tau`).

    Returns
    -------
    float
        :math:`\lambda_{\max}`; exactly :math:`(g-1)/\tau` for ``g <= 1`` (quiescent branch,
        where :math:`C_{\phi'}\equiv1`).

    Examples
    --------
    >>> scs_lambda_max(0.5, tau=2.0)
    -0.25
    """
    g = _check_g(g)
    tau = check_positive_float(tau, "tau")
    method = check_choice(method, "method", ("schrodinger", "bisection"))
    h = check_positive_float(h, "h")
    if g <= 1.0:
        return (g - 1.0) / tau
    result = _result_for(g, tau, result)
    if result.branch == "quiescent":
        return (g - 1.0) / tau
    spline, half_width = _schrodinger_potential(g, result)
    if h > 0.1 * half_width:
        raise ValueError(f"h must be much smaller than the lag grid half-width {half_width}, got {h}")
    check_memory(8 * (2.0 * half_width / h + 1.0), "h", what="the finite-difference grids")
    if method == "schrodinger":
        e_coarse = _ground_energy(spline, half_width, h)
        e_fine = _ground_energy(spline, half_width, 0.5 * h)
        e0 = (4.0 * e_fine - e_coarse) / 3.0
        return float(-1.0 + np.sqrt(1.0 - e0)) / tau
    s = np.arange(-half_width, half_width + 0.5 * h, h)
    weight = spline(np.abs(s))
    hi = g - 1.0  # rho(kappa) <= g^2 max C_phi' / (1+kappa)^2 <= 1 there
    lo = -0.5
    while _spectral_radius(lo, weight, h) <= 1.0:
        lo = 0.5 * (lo - 1.0)
        if lo < -1.0 + 1e-9:  # pragma: no cover - the chaotic branch has rho(kappa) > 1 near -1
            raise RuntimeError("scs_lambda_max: could not bracket rho(kappa) = 1")
    kappa = brentq(lambda k: _spectral_radius(k, weight, h) - 1.0, lo, hi, xtol=1e-12, rtol=1e-12)
    return float(kappa) / tau
