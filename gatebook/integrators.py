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

from ._validation import check_positive_float
from .dynamical_system import vector_field_and_jvp

__all__ = [
    "number_of_steps",
    "euler_step",
    "rk4_step",
    "euler_tangent_step",
    "rk4_tangent_step",
    "STEPPERS",
    "TANGENT_STEPPERS",
]


def number_of_steps(t_max: float, dt: float) -> int:
    """Number of steps of size ``dt`` that cover ``t_max`` (rounded to the nearest whole step)."""
    t_max = check_positive_float(t_max, "t_max")
    dt = check_positive_float(dt, "dt")
    if dt > t_max:
        raise ValueError(f"dt ({dt}) must not exceed t_max ({t_max})")
    return max(1, int(round(t_max / dt)))


def euler_step(model, x, t: float, dt: float):
    """One explicit Euler step of ``model`` from state ``x`` at time ``t``."""
    return x + dt * model.vector_field(x, t)


def rk4_step(model, x, t: float, dt: float):
    """One classical fourth-order Runge–Kutta step."""
    half = 0.5 * dt
    k1 = model.vector_field(x, t)
    k2 = model.vector_field(x + half * k1, t + half)
    k3 = model.vector_field(x + half * k2, t + half)
    k4 = model.vector_field(x + dt * k3, t + dt)
    return x + (dt / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)


def euler_tangent_step(model, x, Q, t: float, dt: float):
    r"""Euler step of the state and of tangent vectors: :math:`Q \leftarrow (\mathbb 1 + h\mathcal J)Q`."""
    F, JQ = vector_field_and_jvp(model, x, Q, t)
    return x + dt * F, Q + dt * JQ


def rk4_tangent_step(model, x, Q, t: float, dt: float):
    """RK4 step of the state together with its exact linearisation applied to ``Q``."""
    half = 0.5 * dt
    k1, K1 = vector_field_and_jvp(model, x, Q, t)
    k2, K2 = vector_field_and_jvp(model, x + half * k1, Q + half * K1, t + half)
    k3, K3 = vector_field_and_jvp(model, x + half * k2, Q + half * K2, t + half)
    k4, K4 = vector_field_and_jvp(model, x + dt * k3, Q + dt * K3, t + dt)
    sixth = dt / 6.0
    return x + sixth * (k1 + 2.0 * (k2 + k3) + k4), Q + sixth * (K1 + 2.0 * (K2 + K3) + K4)


STEPPERS = {"euler": euler_step, "rk4": rk4_step}
TANGENT_STEPPERS = {"euler": euler_tangent_step, "rk4": rk4_tangent_step}


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
