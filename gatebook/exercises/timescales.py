r"""Self-checks for chapter 7 (timescales: slow modes, marginal stability, integration and reset).

:func:`check_local_timescale`, :func:`check_leak_rate`, :func:`check_marginal_count`, and the
quizzes ``"ts_fixed_points"`` and ``"ts_inside_write"``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .._validation import (
    check_finite_float,
    check_int,
    check_memory,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from ..gated_network import GatedNetwork
from ..timescales import local_timescales
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_local_timescale", "check_leak_rate", "check_marginal_count"]


def _close(value: float, exact: float, rtol: float) -> bool:
    return abs(value - exact) <= rtol * abs(exact)


def check_local_timescale(answer, beta_z: float, tau_h: float = 1.0) -> Feedback:
    r"""Exercise 7.1: every unit's timescale at :math:`\alpha_z=0`.

    .. math:: \tau_i=\frac{\tau_h}{\sigma_z(z_i)}=\frac{\tau_h}{s_z}=\tau_h\,(1+e^{\beta_z})\quad(\alpha_z=0).

    The reference is :func:`gatebook.local_timescales` of a one-unit network at
    :math:`\alpha_z=0` (any state gives the same value); the answer must be within 0.5 %.
    """
    beta_z = check_finite_float(beta_z, "beta_z")
    tau_h = check_positive_float(tau_h, "tau_h")
    with np.errstate(over="ignore"):
        if not np.isfinite(tau_h * (1.0 + np.exp(beta_z))):
            raise ValueError(f"beta_z = {beta_z:g} with tau_h = {tau_h:g} is too large: the timescale "
                             "tau_h (1 + e^beta_z) overflows")
    value, problem = _number(answer, "a time, in the same units as tau_h")
    if problem is not None:
        return problem
    net = GatedNetwork(1, 1.0, beta_z=beta_z, tau_h=tau_h, seed=0)
    exact = float(local_timescales(net, np.array([0.3, -1.7, 0.2]))[0])
    if _close(value, exact, 5e-3):
        return Feedback(True, f"τ = τ_h(1 + e^β_z) = {exact:.4g} for every unit and at every time: at α_z = 0 the gate "
                              "is a constant, so β_z sets one global clock.")
    if _close(value, tau_h / (1.0 + np.exp(beta_z)), 5e-3):
        return Feedback(False, "That is τ_h times the gate value. A gate below 1 slows the unit: divide by it.")
    if beta_z != 0 and _close(value, tau_h * (1.0 + np.exp(-beta_z)), 5e-3):
        return Feedback(False, "Check the sign: σ(x) = 1/(1 + exp(−α x + β)), so a positive β_z closes the gate at rest.")
    if _close(value, tau_h, 5e-3):
        return Feedback(False, "τ_h is the timescale of a fully open gate (σ_z = 1). What is σ_z at α_z = 0?")
    return Feedback(False, f"{value:g} is not right. With α_z = 0 the gate does not depend on z: compute σ_z and divide τ_h by it.")


def check_leak_rate(answer, alpha_z: float, z: float, beta_z: float = 0.0, tau_h: float = 1.0) -> Feedback:
    r"""Exercise 7.2: the rate at which a unit with a closed gate forgets, for gate variable ``z < 0``.

    A closed unit relaxes at rate :math:`\sigma_z(z)/\tau_h` (its local timescale's inverse). For
    :math:`\alpha_z\lvert z\rvert+\beta_z\gg1`,

    .. math:: \frac{\sigma_z(z)}{\tau_h}=\frac{1}{\tau_h\,(1+e^{\alpha_z\lvert z\rvert+\beta_z})}
              \approx\frac{e^{-\alpha_z\lvert z\rvert-\beta_z}}{\tau_h}.

    Both the exact rate and the approximation are accepted when within 5 % of the exact rate.
    """
    alpha_z = check_nonnegative_float(alpha_z, "alpha_z")
    z = check_finite_float(z, "z")
    beta_z = check_finite_float(beta_z, "beta_z")
    tau_h = check_positive_float(tau_h, "tau_h")
    if z >= 0:
        raise ValueError(f"z must be negative (a gate below its threshold), got {z}")
    value, problem = _number(answer, "a rate, in units of 1/tau_h")
    if problem is not None:
        return problem
    net = GatedNetwork(1, 1.0, alpha_z=alpha_z, beta_z=beta_z, tau_h=tau_h, seed=0)
    with np.errstate(over="ignore", divide="ignore"):
        exact = 1.0 / float(local_timescales(net, np.array([0.0, z, 0.0]))[0])
    if not (np.isfinite(exact) and exact > 0):
        raise ValueError(f"alpha_z |z| + beta_z = {alpha_z * abs(z) + beta_z:g} is too large: the rate "
                         "sigma_z(z)/tau_h underflows (choose a smaller alpha_z, |z| or beta_z)")
    approx = float(np.exp(-alpha_z * abs(z) - beta_z) / tau_h)
    if _close(value, exact, 0.05):
        note = "" if _close(approx, exact, 0.05) else " (here α_z|z| + β_z is not large, so e^{−α_z|z|−β_z}/τ_h would be off)"
        return Feedback(True, f"Rate σ_z(z)/τ_h = {exact:.3g} per τ_h, a memory time of {1 / exact:.3g} τ_h{note}. "
                              "Each unit of α_z|z| multiplies the memory time by e.")
    if value > 0 and (_close(1.0 / value, exact, 0.05) or _close(1.0 / value, approx, 0.05)):
        return Feedback(False, "That is the rate's inverse, a time (or the exponent has the wrong sign). The question asks "
                               "for the rate at which the unit forgets, which a closed gate makes tiny.")
    if _close(value, float(np.exp(-alpha_z * abs(z) + beta_z) / tau_h), 0.05) and beta_z != 0:
        return Feedback(False, "Check the sign of β_z: a positive β_z closes the gate further.")
    return Feedback(False, f"{value:g} is not right. A unit relaxes as τ_h dh/dt = σ_z(z)(−h + …): read off the rate and "
                           "use σ_z(z) = 1/(1 + exp(−α_z z + β_z)) with z < 0.")


def marginal_count(N: int, g_h: float, alpha_z: float, seed: int, marginal_tol: float = 1e-3) -> tuple[int, int]:
    r"""Reference for :func:`check_marginal_count`: ``(n_marginal, n_closed)`` at the fixed point of the recipe.

    Newton (:func:`gatebook.find_fixed_point`) from ``GatedNetwork(N, g_h, seed=seed).initial_state(seed=seed)``
    at :math:`\alpha_z=0`; the same state with the network at ``alpha_z``: eigenvalues with
    :math:`\lvert\lambda\rvert<` ``marginal_tol`` and units with :math:`\sigma_z<` ``marginal_tol``.
    """
    from ..fixed_points import find_fixed_point  # noqa: PLC0415

    base = GatedNetwork(N, g_h, seed=seed)
    fp = find_fixed_point(base, base.initial_state(seed=seed))
    if not fp.converged:
        raise ValueError(f"Newton did not converge for the network of N={N}, g_h={g_h:g}, seed={seed}; "
                         "choose another seed")
    gated = GatedNetwork(N, g_h, alpha_z=alpha_z, seed=seed)
    lam = np.linalg.eigvals(gated.jacobian(fp.state))
    sigma_z = gated.unit_quantities(fp.state).sigma_z
    return int(np.count_nonzero(np.abs(lam) < marginal_tol)), int(np.count_nonzero(sigma_z < marginal_tol))


def check_marginal_count(answer, *, N: int = 100, g_h: float = 3.0, alpha_z: float = 20.0, seed: int = 1) -> Feedback:
    r"""Exercise 7.3: the number of marginal directions (:math:`\lvert\lambda\rvert<10^{-3}`) of a fixed point at ``alpha_z``.

    The recipe (:func:`marginal_count`): find the fixed point at :math:`\alpha_z=0` by Newton from
    ``net.initial_state(seed=seed)``, then count the eigenvalues of the Jacobian of the
    :math:`\alpha_z`-network at the same state. Exact count required. A ``seed`` for which
    Newton does not converge is a :class:`ValueError`.
    """
    N = check_positive_int(N, "N")
    check_memory((3 * N) ** 2, "N", what="the Jacobian")
    g_h = check_positive_float(g_h, "g_h")
    alpha_z = check_nonnegative_float(alpha_z, "alpha_z")
    seed = check_int(seed, "seed", minimum=0)
    value, problem = _number(answer, "a count of eigenvalues")
    if problem is not None:
        return problem
    n_marginal, n_closed = marginal_count(N, g_h, alpha_z, seed)
    if value == n_marginal:
        return Feedback(True, f"{n_marginal} marginal directions, and {n_closed} units have σ_z < 10⁻³: each nearly closed "
                              "unit brings one eigenvalue ≈ −σ_z,i/τ_h next to zero, without moving the fixed point.")
    if value == n_closed:
        return Feedback(False, "That is the number of nearly closed units. Close, but count the eigenvalues themselves: "
                               "a unit near the threshold can add or miss one.")
    if value == n_marginal_at_zero(N, g_h, seed):
        return Feedback(False, "That is the count at α_z = 0. Evaluate the Jacobian of the network with the larger α_z "
                               "at the same state.")
    return Feedback(False, f"{value:g} is not right. Use |λ| < 1e-3 on np.linalg.eigvals(net.jacobian(x)) for the "
                           "α_z-network at the fixed point found with α_z = 0.")


def n_marginal_at_zero(N: int, g_h: float, seed: int) -> int:
    """Marginal directions of the recipe's fixed point at :math:`\\alpha_z=0` (for the hint of :func:`check_marginal_count`)."""
    return marginal_count(N, g_h, 0.0, seed)[0]


register_quizzes({
    "ts_fixed_points": {
        "question": "You find a fixed point x* of the gated network at α_z = 0 and then raise α_z to 20 (and change β_z). What happens to x*?",
        "options": {
            "a": "It moves: sharper gates change where ḣ = 0.",
            "b": "It stays a fixed point, because ḣ = σ_z ⊙ (bracket)/τ_h vanishes exactly when the bracket does, and the z- and r-equations do not contain α_z or β_z; only its eigenvalues change.",
            "c": "It disappears, because a sharp gate makes the dynamics chaotic.",
        },
        "answer": "b",
        "hint": "Write the three equations with ẋ = 0. Where do α_z and β_z appear, and can σ_z be exactly zero?",
        "why": "σ_z > 0 multiplies the bracket, so ḣ = 0 ⇔ bracket = 0; z = J^z φ(h) and r = J^r φ(h) involve neither α_z nor β_z. "
               "The gate only rescales each row of the h-block of the Jacobian by σ_z,i, which moves eigenvalues, not the point.",
    },
    "ts_inside_write": {
        "question": "With the input inside the bracket, τ_h ḣ = σ_z ⊙ (−h + J^h(σ_r ⊙ φ(h)) + I), why does writing a pattern need a pulse that opens the z-gates?",
        "options": {
            "a": "Because the input is multiplied by σ_z: a closed unit (σ_z ≈ 0) does not feel it, and an open unit forgets it as soon as the pulse ends.",
            "b": "Because the z-pulse makes the network chaotic, which amplifies the input.",
            "c": "It does not: the input is integrated whatever the gate does.",
        },
        "answer": "a",
        "hint": "Compare τ_h ḣ_i for a unit with σ_z,i ≈ 0 and for one with σ_z,i ≈ 1 while the pulse is on, and after it.",
        "why": "Inside the bracket the gate multiplies the input too, so only units whose gates are open while the input is on "
               "can be written, and they keep it only if their gates shut before it decays. The brief gate pulse opens and shuts them: "
               "a GRU-like update h ← (1 − ε)h + ε·(input), so each write also forgets a fraction ε. With the input outside the bracket, "
               "closed units simply add up the input and no gate pulse is needed.",
    },
})
