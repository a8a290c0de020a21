r"""Self-checks for chapter 3, *The scalar gate*.

:func:`check_gate_product` checks the reader's zeroth-order predictor
:math:`P_{t,k}=\prod_{j=k+1}^{t}c_j` for one sequence, recomputed with
:func:`gatebook.learning.log_gate_products`; the quizzes ``"scalar_global_step"`` and
``"scalar_convention"`` ask what a single gate can and cannot do, and why the fitted power
:math:`\kappa` depends on the named convention.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._validation import check_choice
from .feedback import Feedback, as_number, register_quizzes

__all__ = ["check_gate_product"]


def _reference_products(cell, inputs, example: int, t: int, k: int):
    """Carry and update products over j = k+1..t, and the off-by-one variants, from the rollout."""
    import torch

    from ..learning.lag_profile import log_gate_products

    with torch.no_grad():
        write = cell.rollout(inputs)["write"].to(torch.float64)  # products of the cell's own gate values
    if write.shape[-1] != 1:
        raise ValueError("cell must have a scalar gate (one gate value per step): check_gate_product is for a "
                         "scalar gate")
    h = t - k
    exact = {c: math.exp(float(log_gate_products(write, c, h)[h - 1][example, k])) for c in ("carry", "update")}
    gates = write[example, :, 0].detach().to(torch.float64).numpy()  # gates[j-1] = u_j
    return exact, gates


def check_gate_product(answer, cell, inputs, *, example: int, t: int, k: int, convention: str = "carry") -> Feedback:
    r"""Exercise 3.1: the zeroth-order predictor :math:`P_{t,k}` of one sequence.

    .. math:: P_{t,k} = \prod_{j=k+1}^{t} c_j,\qquad c_j = 1-u_j\ (\texttt{"carry"})
        \quad\text{or}\quad c_j = u_j\ (\texttt{"update"}),

    with :math:`u_j` the scalar gate value used to compute :math:`x_j`: :math:`t-k` factors.
    The reference comes from :func:`gatebook.learning.log_gate_products` on the cell's
    rollout; the answer passes within a relative tolerance of :math:`10^{-6}`.

    Parameters
    ----------
    answer : float
        The reader's :math:`P_{t,k}`.
    cell : gatebook.learning.ScalarGateRNN
    inputs : torch.Tensor, shape (batch, T, m)
        Finite inputs of the cell.
    example : int
        Which sequence of the batch.
    t, k : int
        Times with :math:`0\le k<t\le T`.
    convention : {"carry", "update"}
    """
    import torch

    check_choice(convention, "convention", ("carry", "update"))
    if not callable(getattr(cell, "rollout", None)):
        raise TypeError(f"cell must be a scalar-gate cell (e.g. gatebook.learning.ScalarGateRNN), got "
                        f"{type(cell).__name__}")
    if not isinstance(inputs, torch.Tensor) or inputs.ndim != 3 or not inputs.is_floating_point():
        shape = tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs).__name__
        raise TypeError(f"inputs must be a float tensor of shape (batch, T, m), got {shape}")
    if not bool(torch.isfinite(inputs).all()):
        raise ValueError("inputs contains NaN or infinite values")
    for name, value in (("example", example), ("t", t), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {value!r}")
    T, batch = int(inputs.shape[1]), int(inputs.shape[0])
    if not 0 <= k < t <= T:
        raise ValueError(f"need 0 <= k < t <= T={T}, got t={t}, k={k}")
    if not 0 <= example < batch:
        raise ValueError(f"example must lie in [0, {batch}), got {example}")
    value, problem = as_number(answer, f"your value of the {convention} product P (a number)")
    if problem is not None:
        return problem
    exact, gates = _reference_products(cell, inputs, example, t, k)
    c = 1.0 - gates if convention == "carry" else gates

    def close(x: float, ref: float) -> bool:
        return abs(x - ref) <= 1e-6 * abs(ref)

    ref = exact[convention]
    if close(value, ref):
        return Feedback(True, f"P = {ref:.4e}: {t - k} factors, j = {k + 1}..{t}. In logs, that is a sum of "
                              f"ln c_j, which is how the book computes it without underflow.")
    other = "update" if convention == "carry" else "carry"
    if close(value, exact[other]):
        return Feedback(False, f"That is the {other} product. The {convention} convention multiplies "
                               + ("1 - u_j, the fraction of the state that is carried." if convention == "carry"
                                  else "u_j, the fraction that is written."))
    if (k >= 1 and close(value, ref * c[k - 1])) or (t < len(c) and close(value, ref * c[t])):
        return Feedback(False, f"One factor too many: the product runs over j = k+1..t, which is t - k = {t - k} factors.")
    if close(value, ref / c[k]) or close(value, ref / c[t - 1]):
        return Feedback(False, f"One factor too few: the product should have t - k = {t - k} factors. "
                               "Check which array index holds u_j (the gate of step j is entry j-1).")
    if 0 < value < 1 and ref > 0 and abs(math.log(value) - math.log(ref)) < 0.5 * abs(math.log(ref)):
        return Feedback(False, "The right order of magnitude, but not the product of these gate values. Check the "
                               "example index and the range of steps.")
    return Feedback(False, "Not the product of the gate factors. Take the gate values of this sequence, form "
                           "c_j for the convention asked, and multiply the factors for steps j = k+1..t.")


register_quizzes({
    "scalar_global_step": {
        "question": "A scalar gate scales the credit of step k by one number w_k = u_k·Π(1 - u_j). What can it NOT do?",
        "options": {
            "a": "Give older steps less credit than recent ones.",
            "b": "Make the credit of a step depend on the input sequence.",
            "c": "Give one unit's incoming weights a larger update than another's at the same step.",
            "d": "Change how credit decays with lag as training proceeds.",
        },
        "answer": "c",
        "hint": "Three of these are things one number per step, computed from the data, can do. "
                "Which one needs different numbers for different units at the same step?",
        "why": ("w_k is shared by every unit, so the gate rescales all directions of the update equally: an "
                "adaptive global step size, not a preconditioner. Rescaling units differently needs one gate per "
                "unit (chapter 4). The product decays with lag (a), depends on the data through u_t (b), and "
                "moves with training because the gate weights are trained (d)."),
    },
    "scalar_convention": {
        "question": "Same cell, same probe: why does the fit ln S = a + κ ln P give one κ for carry and another for update?",
        "options": {
            "a": "The measured sensitivity S depends on the convention.",
            "b": "One of the conventions is wrong, so its κ is meaningless.",
            "c": "Only ln P changes, and κ is measured decay per unit of predicted decay.",
            "d": "Round-off: the fit is done in float32.",
        },
        "answer": "c",
        "hint": "Which side of the fit ln S = a + κ ln P changes when you switch the convention?",
        "why": ("S = ||Φ(t,k)||₂ is computed from the exact Jacobians and does not know about conventions; only "
                "ln P does, from Σ ln(1-u_j) to Σ ln u_j. With gates near 1/2 the two κ nearly agree; with a "
                "nearly closed gate (u ≈ 0.1) the carry predictor decays by ln 0.9 per step and the update "
                "predictor by ln 0.1, and the κ values differ by about twenty times. So κ is only comparable "
                "within a named convention."),
    },
})
