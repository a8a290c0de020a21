"""Self-checks for chapter 8 (dimensionality and the output gate).

:func:`check_origin_radius`, :func:`check_kaplan_yorke`, and the quizzes
``"dim_which_gate"`` and ``"dim_sharp_gate"``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_finite_float, check_float_sequence, check_positive_float
from ..dimension import kaplan_yorke_dimension
from ..quiet_state import effective_gain, origin_disk
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_origin_radius", "check_kaplan_yorke"]


def _close(a: float, b: float, rtol: float = 1e-3) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(b))


def check_origin_radius(answer, g_h: float, beta_r: float = 0.0, beta_z: float = 0.0, tau_h: float = 1.0) -> Feedback:
    r"""Exercise 8.1: radius of the quiet-state eigenvalue disk of the :math:`hh` block.

    .. math:: \rho_0=g_h\,s_r\,s_z/\tau_h,\qquad s_k=1/(1+e^{\beta_k}),

    recomputed with :func:`gatebook.quiet_state.origin_disk`; accepted within 0.1 %.
    ``g_h`` and ``tau_h`` are positive numbers, the biases finite numbers.
    """
    g_h = check_positive_float(g_h, "g_h")
    beta_r = check_finite_float(beta_r, "beta_r")
    beta_z = check_finite_float(beta_z, "beta_z")
    tau_h = check_positive_float(tau_h, "tau_h")
    value, problem = _number(answer, "the radius of the disk, a positive number")
    if problem is not None:
        return problem
    centre, exact = origin_disk(g_h, beta_r=beta_r, beta_z=beta_z, tau_h=tau_h)  # centre = -s_z/tau_h
    if _close(value, exact):
        return Feedback(True, f"ρ₀ = {exact:.4f}. The output gate at rest scales the coupling to g_eff = g_h s_r "
                              f"= {effective_gain(g_h, beta_r=beta_r):.3f}, and the timescale gate scales the whole block by s_z/τ_h.")
    g_eff = effective_gain(g_h, beta_r=beta_r)
    rate = -centre  # s_z / tau_h
    if _close(value, g_eff / tau_h) and not _close(g_eff, exact * tau_h):
        return Feedback(False, "That is g_eff/τ_h: the bracket is right, but the timescale gate at rest multiplies the whole h-equation.")
    if _close(value, g_h * rate) and not _close(g_h, g_eff):
        return Feedback(False, "The output gate at rest is missing: what does σ_r(0) multiply before the coupling?")
    if _close(value, exact - rate) or value < 0:
        return Feedback(False, "The radius is a distance from the centre -s_z/τ_h, not the position of the rightmost point.")
    return Feedback(False, f"{value:g} is not the radius. At h = z = r = 0 both gates sit at rest, s_k = 1/(1+e^(β_k)); "
                           "write the hh block as a scalar times (-1 + c J^h) and use the circular law.")


def check_kaplan_yorke(answer, exponents) -> Feedback:
    r"""Exercise 8.2: the Kaplan–Yorke dimension of a given (partial) Lyapunov spectrum.

    .. math:: D_{\rm KY}=k+\frac{\sum_{i\le k}\lambda_i}{\lvert\lambda_{k+1}\rvert},\qquad
              k=\max\Big\{j:\sum_{i\le j}\lambda_i\ge0\Big\},

    recomputed with :func:`gatebook.kaplan_yorke_dimension`; accepted within 0.1 %.
    ``exponents`` is a 1-D array of finite exponents or a :class:`gatebook.LyapunovResult`.
    """
    lam = -np.sort(-check_float_sequence(getattr(exponents, "exponents", exponents), "exponents"))
    exact = kaplan_yorke_dimension(lam)
    value, problem = _number(answer, "D_KY, a number")
    if problem is not None:
        return problem
    if _close(value, exact):
        return Feedback(True, f"D_KY = {exact:.3f}: the leading {int(exact)} directions together still expand (their "
                              f"exponents sum to ≥ 0), and so does a fraction {exact - int(exact):.3f} of the next one.")
    partial = np.cumsum(lam)
    k = int(np.flatnonzero(partial < 0)[0]) if exact > 0 else 0
    if exact > 0 and _close(value, float(k)):
        return Feedback(False, "That is only the integer part k. Add the fraction of the next direction that the positive sum can still pay for.")
    if exact > 0 and k >= 1 and _close(value, k + partial[k - 1] / abs(lam[k - 1])):
        return Feedback(False, "Close: divide the partial sum by the first exponent that makes it negative, |λ_{k+1}|, not by |λ_k|.")
    if _close(value, float(np.sum(lam > 0))):
        return Feedback(False, "Counting positive exponents gives a lower bound; D_KY also counts directions whose contraction the expansion outweighs.")
    return Feedback(False, f"{value:g} is not D_KY. Sort the exponents in decreasing order, find the last index k where the "
                           "running sum is still ≥ 0, and interpolate into the next exponent.")


register_quizzes({
    "dim_which_gate": {
        "question": "Which gate sets the dimension of the chaotic attractor of the gated network, and why?",
        "options": {
            "a": "The timescale gate z: slower units add more independent directions.",
            "b": "The output gate r: it scales what each unit sends through J^h, so it sets the effective coupling, the spread of the Jacobian's spectrum and how many directions expand.",
            "c": "Neither: the dimension is fixed by N.",
            "d": "The output gate r, because it adds N extra coordinates to the state.",
        },
        "answer": "b",
        "hint": "Which gate multiplies the recurrent input itself, and what does the support function F(λ) say about it?",
        "why": "σ_r(r_j) multiplies φ(h_j) before the coupling: ⟨σ_r²⟩ and the σ_r' term enter F(λ), so the r-gate sets the spectral radius, λ_max and the number of unstable directions. The z-gate rescales time and slows modes; it does not add expansion.",
    },
    "dim_sharp_gate": {
        "question": "Why does a sharp output gate (large α_r, β_r = 0) enlarge the support of the Jacobian's spectrum?",
        "options": {
            "a": "Because a sharp gate is open half the time with value ≈ 1, so ⟨σ_r²⟩ rises from s_r² = 1/4 towards 1/2, and the slope σ_r' adds a second term through r.",
            "b": "Because a sharp gate closes every unit, so the Jacobian becomes more random.",
            "c": "Because α_r speeds up the r-variables, which changes τ_r.",
            "d": "Because the eigenvalues of J^h themselves grow with α_r.",
        },
        "answer": "a",
        "hint": "Compare ⟨σ_r²⟩ for a gate stuck at 1/2 with one that is either 0 or 1, each half of the time.",
        "why": "At α_r = 0 every gate sits at s_r = 1/2, so ⟨σ_r²⟩ = 1/4; a step gate is 0 or 1 with probability 1/2 each, so ⟨σ_r²⟩ = P(r > 0) = 1/2. Both ⟨σ_r²⟩ and the derivative term g_r²⟨σ_r'²⟩⟨φ²⟩ raise F(λ), pushing the F = 1 boundary outwards.",
    },
})
