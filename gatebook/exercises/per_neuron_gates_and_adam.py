r"""Self-checks for chapter 4 (*Per-neuron gates and Adam*).

:func:`check_condition_number`, and the quizzes ``"adam_not_equivalent"`` and
``"adam_first_order"``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_float_sequence, check_positive_int
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_condition_number"]


def _close(a: float, b: float, rtol: float = 1e-6) -> bool:
    return abs(a - b) <= rtol * max(abs(b), 1e-300)


def check_condition_number(answer, gates, lag: int) -> Feedback:
    r"""Exercise 4.1: the condition number of the frozen-gate preconditioner at lag ``lag``.

    The reference is :math:`\mathrm{cond}(\ell)=(c_{\max}/c_{\min})^{\ell}` with the carries
    :math:`c_i=1-u_i` (:func:`gatebook.learning.preconditioning.condition_number`,
    ``convention="carry"``); a relative tolerance of :math:`10^{-6}` is accepted. ``gates``
    are values in :math:`(0,1)`, ``lag`` a positive integer.
    """
    g = check_float_sequence(gates, "gates")
    if np.any((g <= 0.0) | (g >= 1.0)):
        raise ValueError("gates must lie in (0, 1)")
    lag = check_positive_int(lag, "lag")
    value, problem = _number(answer, f"the condition number at lag {lag}")
    if problem is not None:
        return problem
    from ..learning.preconditioning import condition_number  # torch loads only when a check runs (Part II extra)

    with np.errstate(over="ignore"):
        exact = float(condition_number(g, [lag])[0])
    if not np.isfinite(exact):
        raise ValueError(f"lag {lag} is too large: cond(lag) = (c_max/c_min)^lag overflows for these gates")
    if _close(value, exact):
        return Feedback(True, f"cond({lag}) = {exact:.4g}: the slowest neuron keeps a rate {exact:.3g} times larger "
                              f"than the fastest, and ln cond grows by ln(c_max/c_min) = {np.log(exact) / lag:.3f} per step of lag.")
    c = 1.0 - g
    if _close(value, float((g.max() / g.min()) ** lag)):
        return Feedback(False, "You used the gate values u_i. Credit that travels back in time is carried by the "
                               "factor that multiplies the *old* state at every step.")
    if _close(value, 1.0 / exact):
        return Feedback(False, "Upside down: a condition number is the largest rate over the smallest, so it is ≥ 1.")
    if _close(value, float(c.max() / c.min())):
        return Feedback(False, f"That is the one-step ratio. Credit at lag {lag} has passed through {lag} carries.")
    if value < 1.0:
        return Feedback(False, "A condition number (largest over smallest) cannot be below 1.")
    return Feedback(False, f"Not quite. Write π_i({lag}) for each neuron first, then divide the largest by the smallest.")


register_quizzes({
    "adam_not_equivalent": {
        "question": "A per-neuron gate trained with SGD multiplies the lag-ℓ credit of neuron i by π_i(ℓ). "
                    "Which statement describes a real difference from Adam?",
        "options": {
            "a": "None: with frozen gates, SGD on the gated cell takes exactly the steps Adam would take on the plain cell.",
            "b": "Adam divides each parameter's step by a running RMS of that parameter's own gradient over past "
                 "iterations; the gate multiplies every weight of a neuron's row by one factor computed from the current "
                 "sequence, and never normalises.",
            "c": "The gate normalises the update by the size of the gradient, exactly like Adam, only per neuron instead "
                 "of per parameter.",
            "d": "Adam's rescaling depends on the lag ℓ within the sequence, while the gate's depends only on the "
                 "training iteration.",
        },
        "answer": "b",
        "hint": "Ask three questions of each mechanism: what is it a function of (past iterations or the current "
                "sequence)? How many parameters share one factor? Does it divide by the gradient's size?",
        "why": "Adam is a per-parameter normalisation with memory over optimiser iterations. The gate is a per-neuron "
               "multiplicative factor with memory over sequence time (the lag), shared by a whole row of W_rec and "
               "W_in; it never looks at the gradient's size, and it also changes the function the network computes.",
    },
    "adam_first_order": {
        "question": "The remainder E(ε) of the first-order expansion falls like ε² at small ε, with a fitted slope of 2.00. "
                    "What does this establish?",
        "options": {
            "a": "That the gates' dependence on the state can be neglected for the whole product at ε = 1.",
            "b": "That the first-order term Φ⁽¹⁾ is the correct derivative of the product in the direction B; it says "
                 "nothing by itself about how large the remainder is at ε = 1.",
            "c": "That every per-step correction B_j is zero.",
            "d": "That E(1) equals C₂ at the smallest ε, so the remainder at ε = 1 is known from the small-ε fit.",
        },
        "answer": "b",
        "hint": "A slope of 2 describes the limit ε → 0. What happens between ε = 10⁻³ and ε = 1 is a separate "
                "measurement.",
        "why": "The slope and a flat C₂ at small ε confirm the expansion and its implementation (the remainder is "
               "second order). At ε = 1 the product of T steps can still differ from Φ⁽⁰⁾ + Φ⁽¹⁾ by an amount "
               "comparable to the whole correction, as the chapter measures: small per step, not negligible for "
               "the product.",
    },
})
