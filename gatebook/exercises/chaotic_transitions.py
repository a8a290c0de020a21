"""Self-checks for chapter 10 (chaotic transitions).

:func:`check_quiet_exponent`, :func:`check_static_onset`, and the quizzes
``"transitions_jump"`` and ``"transitions_input"``.
"""

from __future__ import annotations

from .._validation import check_finite_float
from ..meanfield import fixed_point_onset
from ..quiet_state import effective_gain, quiet_lambda_max, quiet_threshold
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_quiet_exponent", "check_static_onset"]


def _close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(b))


def check_quiet_exponent(answer, g_h: float, beta_r: float = 0.0) -> Feedback:
    r"""Exercise 10.1: the largest exponent of the quiet state, :math:`\lambda_0=(s_z/\tau_h)(g_hs_r-1)`.

    With :math:`\beta_z=0` and all time constants 1; recomputed with
    :func:`gatebook.quiet_state.quiet_lambda_max` (the network's, :math:`\tau_z=1`) and accepted
    within 0.1 % (absolute :math:`10^{-3}` near zero). ``g_h`` and ``beta_r`` are numbers.
    """
    g_h = check_finite_float(g_h, "g_h")
    beta_r = check_finite_float(beta_r, "beta_r")
    value, problem = _number(answer, "the exponent λ₀ in units of 1/τ_h")
    if problem is not None:
        return problem
    exact = quiet_lambda_max(g_h, beta_r=beta_r, tau_z=1.0)
    if _close(value, exact, 1e-3):
        verdict = "stable" if exact < 0 else "unstable"
        return Feedback(True, f"λ₀ = {exact:+.4f}: the quiet state is {verdict} at g_h = {g_h:g} "
                              f"(threshold 1+e^βr = {quiet_threshold(beta_r):.3f}), whatever α_r.")
    if _close(value, effective_gain(g_h, beta_r=beta_r) - 1.0, 1e-3):
        return Feedback(False, "The bracket is right, but the timescale gate at rest, s_z = 1/2, multiplies the whole h-equation.")
    if _close(value, 0.5 * (g_h - 1.0), 1e-3):
        return Feedback(False, "At h = 0 the output gate is not fully open: it sits at s_r = σ_r(0) and scales the coupling.")
    return Feedback(False, f"{value:g} is not λ₀. Linearise at h = z = r = 0: every gate sits at rest, and the rightmost "
                           "eigenvalue of the hh block comes from the circular law.")


def check_static_onset(answer, alpha_r: float, beta_r: float = 0.0) -> Feedback:
    r"""Exercise 10.2: the static onset :math:`g_{\rm topo}=[\max_\Delta S_r(Q(\Delta))Q(\Delta)/\Delta]^{-1/2}`.

    Recomputed with :func:`gatebook.meanfield.fixed_point_onset` (:math:`g_r=1`); accepted
    within 1 % (a grid maximum is good enough).
    """
    value, problem = _number(answer, "the gain g_topo")
    if problem is not None:
        return problem
    exact = fixed_point_onset(alpha_r, beta_r)
    quiet = quiet_threshold(beta_r)
    if _close(value, exact, 1e-2):
        return Feedback(True, f"g_topo = {exact:.3f}, below the quiet-state threshold {quiet:.3f}: the loop gain G(Δ) "
                              "peaks at a finite Δ, so nonzero fixed points appear before the quiet state destabilises.")
    if _close(value, quiet, 1e-2) and not _close(exact, quiet, 1e-2):
        return Feedback(False, "That is the quiet-state threshold, the limit Δ → 0. With a sharp gate the maximum of "
                               "S_r Q/Δ sits at a finite Δ: scan Δ on a log grid.")
    if _close(value, exact**2, 1e-2):
        return Feedback(False, "Close: the maximum gives 1/g², so take the inverse square root.")
    return Feedback(False, f"{value:g} is not g_topo. Maximise S_r(Q(Δ))·Q(Δ)/Δ over Δ on a log grid "
                           "(gb.meanfield.tanh_second_moment, gb.meanfield.gate_second_moment), then invert.")


register_quizzes({
    "transitions_jump": {
        "question": "Why does the chaotic DMFT branch of a sharply gated network (α_r = 20, β_r = 0) appear with a "
                    "finite variance instead of growing from zero?",
        "options": {
            "a": "Because the quiet state becomes unstable at g_chaos.",
            "b": "Because fluctuations of h spread r, a sharp gate then opens more units fully, which raises the "
                 "effective coupling and the fluctuations again: the loop gain rises with the variance, so the "
                 "self-consistent solution appears through a saddle-node at finite variance.",
            "c": "Because the timescale gate slows the network down near the onset.",
            "d": "Because finite networks have long transients.",
        },
        "answer": "b",
        "hint": "Follow one loop: what happens to the distribution of r, and then to ⟨σ_r²⟩, when the fluctuations of h grow?",
        "why": "With a sharp gate ⟨σ_r²⟩ grows from s_r² towards P(r > 0) as r spreads, so the effective gain grows "
               "with the activity. A curve that rises before it falls meets the self-consistency condition first "
               "at a finite variance: a saddle-node, hence a jump. The quiet state is still stable there (it loses "
               "stability only at 1+e^βr), so both coexist.",
    },
    "transitions_input": {
        "question": "In chapter 1's network a static random input suppresses chaos. Why can it create chaos in a "
                    "quiet network with a sharp, closed-at-rest output gate (β_r > 0)?",
        "options": {
            "a": "The input adds energy, and more energy always means chaos.",
            "b": "The input changes the time constants of the units.",
            "c": "The input makes φ(h) nonzero, so r spreads and opens some sharp gates; the opened gates raise the "
                 "effective coupling above what the quiet state feels (g_h s_r), enough to sustain chaos.",
            "d": "The input makes the quiet state unstable by moving 1+e^βr.",
        },
        "answer": "c",
        "hint": "At rest the gates sit at s_r = σ_r(0), small for β_r > 0. What does a nonzero φ(h) do to r, and what "
                "does a sharp gate do with a spread of r?",
        "why": "The threshold 1+e^βr is a property of the origin; with an input the network no longer sits there. "
               "The input spreads h, φ(h) drives r, and a sharp gate turns that spread into open gates with "
               "⟨σ_r²⟩ ≫ s_r². Too strong an input saturates tanh (φ' → 0) and weakens the chaos again.",
    },
})
