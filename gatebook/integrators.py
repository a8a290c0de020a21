r"""One time step of an ODE, and of its linearisation (chapter 1).

For :math:`\dot x = F(x, t)` with step :math:`h`:

* **Euler**: :math:`x_{n+1} = x_n + h\,F(x_n, t_n)`; global error :math:`O(h)`.
* **RK4** (classical Runge–Kutta):

  .. math::

      k_1 = F(x_n, t_n),\; k_2 = F(x_n + \tfrac h2 k_1, t_n+\tfrac h2),\;
      k_3 = F(x_n + \tfrac h2 k_2, t_n+\tfrac h2),\; k_4 = F(x_n + h k_3, t_n + h),

  .. math:: x_{n+1} = x_n + \tfrac h6 (k_1 + 2k_2 + 2k_3 + k_4);

  global error :math:`O(h^4)`.

The *tangent* steps propagate perturbations :math:`Q` (columns are tangent vectors) with
the exact linearisation of the same discrete map, stage by stage, so that Lyapunov
exponents are those of the map that is actually simulated.
"""

from __future__ import annotations

import numpy as np

from .dynamical_system import vector_field_and_jvp

__all__ = ["global_error", "euler_step", "rk4_step", "euler_tangent_step", "rk4_tangent_step", "STEPPERS", "TANGENT_STEPPERS"]


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


def global_error(model, x0, t_max: float, dts, method: str = "rk4", reference_dt: float | None = None):
    r"""Error at time ``t_max`` of Euler or RK4 runs with steps ``dts``, against a fine reference.

    The reference is RK4 with ``reference_dt`` (default: the smallest ``dt`` divided by 16).
    A method of order :math:`p` has error :math:`\propto dt^{p}`: a log–log slope of 1 for
    Euler and 4 for RK4 (chapter 1 uses this to choose ``dt``).

    Returns
    -------
    ndarray, shape (len(dts),)
        Euclidean norm of the state error at ``t_max`` divided by :math:`\sqrt{\rm dim}`.
    """
    from ._validation import check_choice, check_positive_float, check_state
    from .simulate import number_of_steps, simulate

    method = check_choice(method, "method", STEPPERS)
    t_max = check_positive_float(t_max, "t_max")
    x0 = check_state(x0, model.dim, "x0", allow_batch=False)
    dts = np.atleast_1d(np.asarray(dts, dtype=np.float64))
    for dt in dts:
        check_positive_float(float(dt), "dts")
        if abs(t_max / dt - round(t_max / dt)) > 1e-9 * t_max / dt:
            raise ValueError(f"every entry of dts must divide t_max exactly; {dt} does not divide {t_max}")
    if reference_dt is None:
        reference_dt = dts.min() / 16.0
    reference_dt = check_positive_float(reference_dt, "reference_dt")

    def final_state(dt, scheme):
        n_steps = number_of_steps(t_max, dt)
        return simulate(model, t_max, dt, x0, method=scheme, record_every=n_steps).states[-1]

    reference = final_state(reference_dt, "rk4")
    errors = [np.linalg.norm(final_state(float(dt), method) - reference) / np.sqrt(model.dim) for dt in dts]
    return np.asarray(errors)
