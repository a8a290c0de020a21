r"""One time step of an ODE, and of its linearisation (chapter 1).

For :math:`\dot x = F(x, t)` with step :math:`h`:

* **Euler**: :math:`x_{n+1} = x_n + h\,F(x_n, t_n)`; global error :math:`O(h)`.
* **RK4** (classical Runge–Kutta):

  .. math::

      k_1 = F(x_n, t_n),\; k_2 = F(x_n + \tfrac h2 k_1, t_n+\tfrac h2),\;
      k_3 = F(x_n + \tfrac h2 k_2, t_n+\tfrac h2),\; k_4 = F(x_n + h k_3, t_n + h),

  .. math:: x_{n+1} = x_n + \tfrac h6 (k_1 + 2k_2 + 2k_3 + k_4);

  global error :math:`O(h^4)`.

The step count that covers a duration is :func:`number_of_steps`; the measured error of
each method is :func:`gatebook.simulate.global_error` (it runs the simulation driver).

The *tangent* steps propagate perturbations :math:`Q` (columns are tangent vectors) with
the exact linearisation of the same discrete map, stage by stage, so that Lyapunov
exponents are those of the map that is actually simulated.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_finite_float, check_model, check_positive_float, check_state
from .dynamical_system import check_tangent, vector_field_and_jvp_unchecked

__all__ = [
    "number_of_steps",
    "euler_step",
    "rk4_step",
    "euler_tangent_step",
    "rk4_tangent_step",
    "STEPPERS",
    "TANGENT_STEPPERS",
]


#: Most integration steps one call may take (about :math:`10^{9}`: days of computing even for
#: the smallest network). A duration that needs more is refused up front, naming the argument,
#: instead of running for ever; the book's longest runs take about :math:`10^{5}` steps.
MAX_STEPS = 10**9


def number_of_steps(t_max: float, dt: float) -> int:
    """Number of steps of size ``dt`` that cover ``t_max`` (rounded to the nearest whole step)."""
    t_max = check_positive_float(t_max, "t_max")
    dt = check_positive_float(dt, "dt")
    if dt > t_max:
        raise ValueError(f"dt ({dt}) must not exceed t_max ({t_max})")
    return max(1, int(round(t_max / dt)))


def check_steps(n_steps, name: str, dt: float | None = None) -> int:
    """Refuse a step count above :data:`MAX_STEPS`, naming the duration ``name`` that implies it."""
    if n_steps > MAX_STEPS:
        per = "" if dt is None else f" of dt = {dt:g}"
        raise ValueError(
            f"{name} is too large: it needs {float(n_steps):.3g} steps{per}, more than the "
            f"{MAX_STEPS:.0e} one call may take (shorten {name} or use a larger dt)"
        )
    return int(n_steps)


def steps_for(duration, dt, name: str = "t_max") -> int:
    """:func:`number_of_steps` for a duration called ``name``, refused above :data:`MAX_STEPS`.

    Errors name ``name`` (or ``dt``): the step count of ``simulate(t_max=...)``,
    ``settle(t_settle=...)`` and the like, checked before anything is allocated or run.
    """
    duration = check_positive_float(duration, name)
    dt = check_positive_float(dt, "dt")
    if dt > duration:
        raise ValueError(f"dt ({dt}) must not exceed {name} ({duration})")
    return check_steps(max(1, int(round(duration / dt))), name, dt)


def _check_step_arguments(model, x, t, dt, *, allow_batch: bool = True):
    check_model(model)
    x = check_state(x, model.dim, "x", allow_batch=allow_batch)
    return x, check_finite_float(t, "t"), check_positive_float(dt, "dt")


def _check_finite_step(out, dt: float):
    """The stepped state(s): a non-finite result means the step was too large for the dynamics."""
    for arr in out if isinstance(out, tuple) else (out,):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"the step produced NaN or inf: dt = {dt:g} is too large for these dynamics")
    return out


def euler_step(model, x, t: float, dt: float):
    """One explicit Euler step of ``model`` from state ``x`` at time ``t``.

    ``x`` is one state ``(dim,)`` or a batch ``(batch, dim)``; ``dt > 0``. Raises a
    :class:`TypeError`/:class:`ValueError` naming the argument for an invalid model, state,
    time or step (also when the step produces NaN or inf).
    """
    x, t, dt = _check_step_arguments(model, x, t, dt)
    return _check_finite_step(_euler_step(model, x, t, dt), dt)


def rk4_step(model, x, t: float, dt: float):
    """One classical fourth-order Runge–Kutta step (arguments and errors as :func:`euler_step`)."""
    x, t, dt = _check_step_arguments(model, x, t, dt)
    return _check_finite_step(_rk4_step(model, x, t, dt), dt)


def euler_tangent_step(model, x, Q, t: float, dt: float):
    r"""Euler step of the state and of tangent vectors: :math:`Q \leftarrow (\mathbb 1 + h\mathcal J)Q`.

    ``x`` is one state ``(dim,)``, ``Q`` one tangent vector ``(dim,)`` or ``k`` of them as the
    columns of ``(dim, k)``. Returns ``(x_next, Q_next)``.
    """
    x, t, dt = _check_step_arguments(model, x, t, dt, allow_batch=False)
    Q = check_tangent(Q, model.dim, "Q")
    return _check_finite_step(_euler_tangent_step(model, x, Q, t, dt), dt)


def rk4_tangent_step(model, x, Q, t: float, dt: float):
    """RK4 step of the state together with its exact linearisation applied to ``Q``.

    Arguments, result and errors as :func:`euler_tangent_step`.
    """
    x, t, dt = _check_step_arguments(model, x, t, dt, allow_batch=False)
    Q = check_tangent(Q, model.dim, "Q")
    return _check_finite_step(_rk4_tangent_step(model, x, Q, t, dt), dt)


# The unchecked steps that simulate and the Lyapunov routines run in their inner loops (their
# arguments are validated once, up front, by the caller).
def _euler_step(model, x, t, dt):
    return x + dt * model.vector_field(x, t)


def _rk4_step(model, x, t, dt):
    half = 0.5 * dt
    k1 = model.vector_field(x, t)
    k2 = model.vector_field(x + half * k1, t + half)
    k3 = model.vector_field(x + half * k2, t + half)
    k4 = model.vector_field(x + dt * k3, t + dt)
    return x + (dt / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)


def _euler_tangent_step(model, x, Q, t, dt):
    F, JQ = vector_field_and_jvp_unchecked(model, x, Q, t)
    return x + dt * F, Q + dt * JQ


def _rk4_tangent_step(model, x, Q, t, dt):
    half = 0.5 * dt
    k1, K1 = vector_field_and_jvp_unchecked(model, x, Q, t)
    k2, K2 = vector_field_and_jvp_unchecked(model, x + half * k1, Q + half * K1, t + half)
    k3, K3 = vector_field_and_jvp_unchecked(model, x + half * k2, Q + half * K2, t + half)
    k4, K4 = vector_field_and_jvp_unchecked(model, x + dt * k3, Q + dt * K3, t + dt)
    sixth = dt / 6.0
    return x + sixth * (k1 + 2.0 * (k2 + k3) + k4), Q + sixth * (K1 + 2.0 * (K2 + K3) + K4)


#: The steps by method name, unchecked (for loops whose arguments were validated up front).
STEPPERS = {"euler": _euler_step, "rk4": _rk4_step}
TANGENT_STEPPERS = {"euler": _euler_tangent_step, "rk4": _rk4_tangent_step}


def __getattr__(name):
    # global_error moved to gatebook.simulate (it runs simulate, which imports this module).
    if name == "global_error":
        import warnings

        from .simulate import global_error

        warnings.warn(
            "gatebook.integrators.global_error moved to gatebook.simulate.global_error "
            "(also gatebook.global_error); this alias will be removed",
            DeprecationWarning,
            stacklevel=2,
        )
        return global_error
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
