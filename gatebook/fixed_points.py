r"""Fixed points of a network and the stability of each one (chapter 7).

A fixed point of :math:`\dot x=F(x,t)` (at a frozen time :math:`t`) is a root of the vector
field. Two solvers, for any model of the chapter-1 protocol
(:class:`gatebook.RandomRateNetwork`, :class:`gatebook.GatedNetwork`):

* **Newton** (``method="newton"``): solve :math:`\mathcal J(x_k)\,\delta_k=-F(x_k)` with the
  dense Jacobian and step :math:`x_{k+1}=x_k+s_k\delta_k`, where the step length
  :math:`s_k\in\{1,\tfrac12,\tfrac14,\dots\}` is the first that decreases the "kinetic
  energy" :math:`q(x)=\tfrac12\lVert F(x)\rVert^2` enough (backtracking line search).
  Near a non-degenerate root the full step is taken and the residual converges
  quadratically, :math:`\lVert F(x_{k+1})\rVert\le C\lVert F(x_k)\rVert^2`.
* **Speed minimisation** (``method="speed"``, Sussillo & Barak, Neural Comput. 25, 626, 2013):
  minimise :math:`q(x)` with L-BFGS-B using the exact gradient
  :math:`\nabla q=\mathcal J^\top F`, then polish the result with a few Newton steps. The
  minimiser can also stop at *slow points* (local minima with :math:`q>0`); those are
  reported as not converged.

A point counts as a root when :math:`\lVert F(x)\rVert_2\le\mathrm{tol}\cdot\max(1,\lVert x\rVert_2)`.
The eigenvalues of :math:`\mathcal J` at the root classify it. Chapter 7 counts the
**marginal** directions, eigenvalues with :math:`\lvert\lambda\rvert<` ``marginal_tol``: in
the gated network the timescale gate rescales the rows of the :math:`h`-block by
:math:`\sigma_z(z_i)` without moving the fixed point, so each nearly closed unit
(:math:`\sigma_{z,i}\approx0`) contributes an eigenvalue close to
:math:`-\sigma_{z,i}/\tau_h\approx0` — a direction along which the state neither returns
nor escapes on any practical timescale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from ._validation import (
    as_generator,
    check_bool,
    check_choice,
    check_finite_float,
    check_memory,
    check_model,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_state,
)
from .progress import progress_bar

__all__ = ["FixedPoint", "find_fixed_point", "find_fixed_points", "newton_root"]

METHODS = ("newton", "speed")
_ARMIJO = 1e-4  # sufficient-decrease constant of the line search
_MAX_HALVINGS = 40  # shortest step tried: 2**-40 of the Newton step


@dataclass
class FixedPoint:
    r"""A root of the vector field found by :func:`find_fixed_point`, with its stability.

    Attributes
    ----------
    state : ndarray, shape (dim,)
        The last iterate (the fixed point when ``converged``).
    residual : float
        :math:`\lVert F(x)\rVert_2` at ``state``.
    iterations : int
        Newton steps taken (for ``method="speed"``: minimiser iterations plus polishing steps).
    converged : bool
        Whether ``residual <= tol * max(1, ||state||)``. Never true for a slow point.
    method : str
        ``"newton"`` or ``"speed"``.
    eigenvalues : ndarray of complex, shape (dim,)
        Eigenvalues of the dense Jacobian at ``state``, sorted by real part, largest first.
    n_marginal : int
        Number of eigenvalues with :math:`\lvert\lambda\rvert<` ``marginal_tol``.
    n_unstable : int
        Number of eigenvalues with :math:`\mathrm{Re}\,\lambda>` ``marginal_tol``.
    marginal_tol : float
    history : ndarray, shape (n,)
        :math:`\lVert F\rVert_2` at the start and after every step (the convergence record).
    tol : float
        The tolerance used.
    """

    state: np.ndarray
    residual: float
    iterations: int
    converged: bool
    method: str
    eigenvalues: np.ndarray
    n_marginal: int
    n_unstable: int
    marginal_tol: float
    history: np.ndarray = field(repr=False)
    tol: float = 1e-10

    @property
    def is_stable(self) -> bool:
        r"""Converged and no eigenvalue with :math:`\mathrm{Re}\,\lambda>` ``marginal_tol``.

        Marginal directions (:math:`\lvert\lambda\rvert<` ``marginal_tol``) are allowed: a
        marginally stable fixed point counts as stable here; check ``n_marginal``.
        """
        return bool(self.converged and self.n_unstable == 0)

    @property
    def spectral_abscissa(self) -> float:
        r"""Largest real part of the Jacobian's eigenvalues (the linear growth rate)."""
        return float(self.eigenvalues[0].real)

    def __str__(self) -> str:
        status = "converged" if self.converged else "NOT converged"
        kind = "stable" if self.is_stable else f"{self.n_unstable} unstable"
        return (
            f"FixedPoint ({self.method}, {status} after {self.iterations} steps, |F|={self.residual:.2e}, "
            f"|x|={np.linalg.norm(self.state):.3g}): {kind}, {self.n_marginal} marginal "
            f"(|lambda|<{self.marginal_tol:g}), max Re lambda={self.spectral_abscissa:+.4g}"
        )


def _sorted_eigenvalues(J: np.ndarray) -> np.ndarray:
    lam = np.linalg.eigvals(J).astype(complex)
    return lam[np.lexsort((-lam.imag, -lam.real))]


def _newton_direction(J: np.ndarray, F: np.ndarray) -> np.ndarray:
    r"""Solve :math:`J\delta=-F` after equilibrating the rows of :math:`J`.

    Dividing row :math:`i` of both sides by :math:`\max_j\lvert J_{ij}\rvert` does not change
    :math:`\delta`, but it undoes the tiny row factors :math:`\sigma_{z,i}` of closed
    timescale gates before the LU factorisation. Falls back to least squares when the
    matrix is singular.
    """
    scale = np.max(np.abs(J), axis=1)
    scale[scale == 0.0] = 1.0
    A, b = J / scale[:, None], -F / scale
    try:
        delta = np.linalg.solve(A, b)
        if np.all(np.isfinite(delta)):
            return delta
    except np.linalg.LinAlgError:
        pass
    return np.linalg.lstsq(A, b, rcond=None)[0]


def _newton(model, x, t, tol, max_iter, history):
    """Damped Newton iterations from ``x``; appends residuals to ``history``; returns (x, F, steps)."""
    F = model.vector_field(x, t)
    q = 0.5 * float(F @ F)
    history.append(np.sqrt(2 * q))
    steps = 0
    while steps < max_iter and np.sqrt(2 * q) > tol * max(1.0, np.linalg.norm(x)):
        J = model.jacobian(x, t)
        delta = _newton_direction(J, F)
        grad = J.T @ F
        slope = float(grad @ delta)  # = -2q for an exact Newton direction
        if not slope < 0.0:  # singular system gave no descent: fall back to steepest descent
            delta, slope = -grad, -float(grad @ grad)
            if slope == 0.0:
                break
        s = 1.0
        for _ in range(_MAX_HALVINGS):
            x_new = x + s * delta
            F_new = model.vector_field(x_new, t)
            q_new = 0.5 * float(F_new @ F_new)
            if np.isfinite(q_new) and q_new <= q + _ARMIJO * s * slope:
                break
            s *= 0.5
        else:  # no acceptable step: stuck (slow point or round-off floor)
            break
        x, F, q = x_new, F_new, q_new
        steps += 1
        history.append(np.sqrt(2 * q))
    return x, F, steps


def _minimise_speed(model, x, t, max_iter, history):
    r"""L-BFGS-B on :math:`q=\tfrac12\lVert F\rVert^2` with gradient :math:`\mathcal J^\top F`."""

    def q_and_grad(y):
        F = model.vector_field(y, t)
        return 0.5 * float(F @ F), model.jacobian(y, t).T @ F

    def record(y):
        F = model.vector_field(y, t)
        history.append(float(np.linalg.norm(F)))

    history.append(float(np.linalg.norm(model.vector_field(x, t))))
    res = minimize(
        q_and_grad,
        x,
        jac=True,
        method="L-BFGS-B",
        callback=record,
        options={"maxiter": max_iter, "ftol": 0.0, "gtol": 0.0, "maxcor": 20},
    )
    return res.x, int(res.nit)


def find_fixed_point(
    model,
    x0,
    *,
    method: str = "newton",
    t: float = 0.0,
    tol: float = 1e-10,
    max_iter: int = 100,
    marginal_tol: float = 1e-3,
    polish_iter: int = 20,
) -> FixedPoint:
    r"""Find a root of :math:`F(x,t)` near ``x0`` and classify it by the Jacobian's eigenvalues.

    .. math::

        \mathcal J(x_k)\,\delta_k=-F(x_k),\qquad x_{k+1}=x_k+s_k\delta_k,
        \qquad q(x)=\tfrac12\lVert F(x)\rVert^2 .

    Parameters
    ----------
    model : DynamicalSystem
        Any model of the chapter-1 protocol (e.g. :class:`gatebook.GatedNetwork`).
    x0 : array_like, shape (dim,)
        Starting state.
    method : {"newton", "speed"}, optional
        Damped Newton with the dense Jacobian (default), or minimisation of :math:`q` by
        L-BFGS-B with the exact gradient :math:`\mathcal J^\top F` followed by up to
        ``polish_iter`` Newton steps (module notes).
    t : float, optional
        The time at which the vector field is frozen (for time-dependent inputs).
    tol : float, optional
        Convergence when :math:`\lVert F\rVert_2\le\mathrm{tol}\cdot\max(1,\lVert x\rVert_2)`.
    max_iter : int, optional
        Most Newton steps (``"newton"``) or minimiser iterations (``"speed"``).
    marginal_tol : float, optional
        Eigenvalues with :math:`\lvert\lambda\rvert<` ``marginal_tol`` are marginal; those with
        :math:`\mathrm{Re}\,\lambda>` ``marginal_tol`` unstable.
    polish_iter : int, optional
        Newton steps after the speed minimisation (``method="speed"`` only).

    Returns
    -------
    FixedPoint
        Check ``converged``: a start that leads nowhere is returned with ``converged=False``.

    Notes
    -----
    For a :class:`~gatebook.GatedNetwork` with a sharp timescale gate (large
    :math:`\alpha_z`) random starts rarely converge: :math:`F_h=\sigma_z\odot u/\tau_h` is
    nearly flat in the closed units and the Jacobian nearly singular. The timescale gate
    does not move fixed points (chapter 7), so find them at :math:`\alpha_z=0` (same
    ``seed``, same couplings) and use them at any :math:`\alpha_z`, :math:`\beta_z`.

    Examples
    --------
    >>> import numpy as np, gatebook as gb
    >>> from gatebook.fixed_points import find_fixed_point
    >>> net = gb.RandomRateNetwork(N=50, g=0.5, seed=0)
    >>> fp = find_fixed_point(net, np.full(50, 0.3))
    >>> fp.converged, bool(np.linalg.norm(fp.state) < 1e-9), fp.is_stable
    (True, True, True)
    """
    check_model(model)
    x = check_state(x0, model.dim, "x0", allow_batch=False).astype(np.float64)
    method = check_choice(method, "method", METHODS)
    t = check_finite_float(t, "t")
    tol = check_positive_float(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    marginal_tol = check_nonnegative_float(marginal_tol, "marginal_tol")
    history: list[float] = []
    if method == "newton":
        x, F, steps = _newton(model, x, t, tol, max_iter, history)
    else:
        polish_iter = check_positive_int(polish_iter, "polish_iter")
        x, nit = _minimise_speed(model, x, t, max_iter, history)
        polish: list[float] = []
        x, F, steps = _newton(model, x, t, tol, polish_iter, polish)
        history.extend(polish[1:])
        steps += nit
    return _classify(model, x, F, t, steps, method, tol, marginal_tol, np.asarray(history))


def newton_root(model, x0, *, t: float = 0.0, tol: float = 1e-10, max_iter: int = 100):
    r"""Damped Newton iterations toward a root of :math:`F(x,t)` from ``x0``, without classifying it (chapters 10-11).

    The iterations of :func:`find_fixed_point` (Newton direction
    :math:`\delta=-\mathcal J^{-1}F`, Armijo backtracking on :math:`\tfrac12\lVert F\rVert^2`),
    for callers that follow many roots and need no eigenvalues (an :math:`N\times N`
    eigensolve per root is most of :func:`find_fixed_point`'s cost at large :math:`N`).

    Returns
    -------
    state : ndarray
        The last iterate.
    residual : float
        :math:`\lVert F(\text{state})\rVert`.
    converged : bool
        ``residual <= tol * max(1, |state|)``, the test of :func:`find_fixed_point`.

    >>> import numpy as np, gatebook as gb
    >>> state, residual, ok = newton_root(gb.RandomRateNetwork(N=20, g=0.5, seed=0), np.full(20, 0.3))
    >>> ok, bool(np.linalg.norm(state) < 1e-9)
    (True, True)
    """
    check_model(model)
    x = check_state(x0, model.dim, "x0", allow_batch=False).astype(np.float64)
    t = check_finite_float(t, "t")
    tol = check_positive_float(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    x, F, _ = _newton(model, x, t, tol, max_iter, [])
    residual = float(np.linalg.norm(F))
    return x, residual, bool(np.isfinite(residual) and residual <= tol * max(1.0, float(np.linalg.norm(x))))


def _classify(model, x, F, t, steps, method, tol, marginal_tol, history) -> FixedPoint:
    residual = float(np.linalg.norm(F))
    lam = _sorted_eigenvalues(model.jacobian(x, t))
    return FixedPoint(
        state=x,
        residual=residual,
        iterations=int(steps),
        converged=bool(np.isfinite(residual) and residual <= tol * max(1.0, float(np.linalg.norm(x)))),
        method=method,
        eigenvalues=lam,
        n_marginal=int(np.count_nonzero(np.abs(lam) < marginal_tol)),
        n_unstable=int(np.count_nonzero(lam.real > marginal_tol)),
        marginal_tol=marginal_tol,
        history=history,
        tol=tol,
    )


def find_fixed_points(
    model,
    n_starts: int,
    *,
    seed=None,
    scale: float = 1.0,
    method: str = "newton",
    t: float = 0.0,
    tol: float = 1e-10,
    max_iter: int = 100,
    marginal_tol: float = 1e-3,
    progress: bool = False,
) -> list[FixedPoint]:
    r"""Distinct fixed points reached from ``n_starts`` random starts.

    The starts are i.i.d. :math:`\mathcal N(0,\mathrm{scale}^2)` in every coordinate. Starts
    that do not converge are dropped, and two roots count as the same when
    :math:`\lVert x-x'\rVert\le10^{-6}(1+\lVert x\rVert)`.

    Parameters
    ----------
    model : DynamicalSystem
    n_starts : int
        Number of random starts (``>= 1``).
    seed : int, numpy.random.Generator or None, optional
        Source of the starts.
    scale : float, optional
        Standard deviation of the starts.
    method, t, tol, max_iter, marginal_tol
        As in :func:`find_fixed_point`.
    progress : bool, optional
        Show a progress bar over the starts.

    Returns
    -------
    list of FixedPoint
        The converged, distinct fixed points, ordered by :math:`\lVert x\rVert` (smallest first).
    """
    check_model(model)
    n_starts = check_positive_int(n_starts, "n_starts")
    check_memory(n_starts * model.dim, "n_starts", what="the starting states")
    scale = check_nonnegative_float(scale, "scale")
    progress = check_bool(progress, "progress")
    # checked here too (find_fixed_point checks them for every start), so a bad one fails first
    check_choice(method, "method", METHODS)
    check_finite_float(t, "t")
    check_positive_float(tol, "tol")
    check_positive_int(max_iter, "max_iter")
    check_nonnegative_float(marginal_tol, "marginal_tol")
    rng = as_generator(seed)
    starts = scale * rng.standard_normal((n_starts, model.dim))
    found: list[FixedPoint] = []
    for x0 in progress_bar(starts, total=n_starts, desc="fixed points", enabled=progress):
        fp = find_fixed_point(
            model, x0, method=method, t=t, tol=tol, max_iter=max_iter, marginal_tol=marginal_tol
        )
        if not fp.converged:
            continue
        norm = np.linalg.norm(fp.state)
        if all(np.linalg.norm(fp.state - other.state) > 1e-6 * (1.0 + norm) for other in found):
            found.append(fp)
    return sorted(found, key=lambda fp: float(np.linalg.norm(fp.state)))
