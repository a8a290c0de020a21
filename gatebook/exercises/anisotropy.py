"""Self-checks for chapter 5 (anisotropy).

:func:`check_frozen_gate_ai`, :func:`check_participation_ratio`, and the quizzes
``"aniso_renormalise"`` and ``"aniso_columns"``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_float_sequence, check_positive_int
from ..spectra import effective_rank, participation_ratio
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_frozen_gate_ai", "check_participation_ratio"]


def _close(a: float, b: float, rel: float = 1e-6) -> bool:
    return bool(np.isfinite(b) and abs(a - b) <= rel * max(1.0, abs(b)))


def check_frozen_gate_ai(answer, gates, lag: int, r: int = 10) -> Feedback:
    r"""Exercise 5.1: :math:`\mathrm{AI}_r` of the lag-``lag`` product for constant per-neuron gates.

    With :math:`W_{\rm rec}=0` the product is :math:`\mathrm D(1-u)^{\ell}`, so the
    reference is :math:`(c_{(1)}/c_{(r)})^{\ell}` with the carries sorted in decreasing
    order (computed by :func:`gatebook.learning.anisotropy.frozen_gate_anisotropy`).
    ``gates`` are values in :math:`(0,1)`, at least ``r`` of them; ``lag`` and ``r`` are
    positive integers.
    """
    u = check_float_sequence(gates, "gates")
    if np.any((u <= 0.0) | (u >= 1.0)):
        raise ValueError("gates must lie in (0, 1)")
    lag = check_positive_int(lag, "lag")
    r = check_positive_int(r, "r")
    if r > u.size:
        raise ValueError(f"r must be at most the number of gates ({u.size}), got {r}")
    value, problem = _number(answer, f"AI_{r} of the lag-{lag} product")
    if problem is not None:
        return problem
    from ..learning.anisotropy import frozen_gate_anisotropy  # torch loads only when a check runs (Part II extra)

    with np.errstate(over="ignore"):
        ref = float(frozen_gate_anisotropy(u, [lag], r=r, top=r)["AI"][0])
    if not np.isfinite(ref):
        raise ValueError(f"lag {lag} is too large: AI_{r} = (c_(1)/c_({r}))^lag overflows for these gates")
    if _close(value, ref):
        return Feedback(True, f"AI_{r} = {ref:.4g}. The carries 1 - u are the per-step singular values, so after "
                              f"{lag} steps the ratio of the slowest to the {r}th slowest neuron is raised to the power {lag}.")
    c = np.sort(1.0 - u)[::-1]
    u = np.sort(u)[::-1]
    if _close(value, (u[0] / u[r - 1]) ** lag):
        return Feedback(False, "You used the gate values u. A step multiplies neuron i's credit by its carry 1 - u_i, "
                               "not by u_i.")
    if _close(value, c[0] / c[r - 1]):
        return Feedback(False, f"That is the ratio for a single step. The product has {lag} factors.")
    if _close(value, (c[0] / c[-1]) ** lag):
        return Feedback(False, f"You compared with the smallest carry. AI_{r} compares the largest singular value with "
                               f"the {r}th largest.")
    if _close(value, 1.0 / ref):
        return Feedback(False, "Upside down: AI is the largest singular value divided by the r-th, so it is >= 1.")
    return Feedback(False, f"Not quite (AI is >= 1 and grows with the lag). Sort the carries c_i = 1 - u_i in "
                           f"decreasing order and raise the ratio of the first to the {r}th to the lag.")


def check_participation_ratio(answer, s) -> Feedback:
    r"""Exercise 5.2: the participation ratio :math:`(\sum_i\sigma_i^2)^2/\sum_i\sigma_i^4` of a spectrum ``s``.

    ``s`` is a 1-D sequence of non-negative singular values, not all zero.
    """
    s = check_float_sequence(s, "s", nonnegative=True)
    if not np.any(s > 0):
        raise ValueError("s must hold at least one positive singular value")
    value, problem = _number(answer, "the participation ratio")
    if problem is not None:
        return problem
    ref = float(participation_ratio(s**2))
    if not np.isfinite(ref):
        raise ValueError("s is too large: its fourth powers overflow (rescale the singular values)")
    if _close(value, ref):
        return Feedback(True, f"PR = {ref:.4g} of {s.size} directions: the energy sigma_i^2 is spread over about "
                              f"{ref:.1f} of them (effective rank: {float(effective_rank(s)):.3g}).")
    if _close(value, float(np.sum(s) ** 2 / np.sum(s**2))):
        return Feedback(False, "You used the singular values where their squares belong: the energy in direction i is "
                               "sigma_i^2.")
    if _close(value, 1.0 / ref):
        return Feedback(False, "Upside down: PR is between 1 (one direction) and the number of values (all equal).")
    if _close(value, float(effective_rank(s))):
        return Feedback(False, "That is the effective rank (exponential of the entropy). PR uses the sums of "
                               "squares and fourth powers instead.")
    return Feedback(False, f"Not quite; PR lies between 1 and {s.size}. Square the singular values, then divide the "
                           "square of their sum by the sum of their squares.")


register_quizzes({
    "aniso_renormalise": {
        "question": ("Long Jacobian products are divided by their norm at every step while they are built. "
                     "Why do AI, CE, PR and effective rank come out unchanged?"),
        "options": {
            "a": "Because the products are orthogonal matrices.",
            "b": "Because each metric is a ratio of sums of powers of the singular values with the same degree "
                 "above and below, so a common factor cancels.",
            "c": "Because the norm is computed in float64.",
            "d": "Because the renormalisation only matters for lags longer than the sequence.",
        },
        "answer": "b",
        "hint": "Multiply every singular value by the same number a > 0 and look at what happens to each formula.",
        "why": ("Scaling the matrix by a scales every sigma_i by a; sigma_1/sigma_r, the CE fraction and PR all have "
                "equal powers of a above and below, and the p_i of the effective rank do not change. So the "
                "renormalised product has exactly the metrics of the raw one, and it does not underflow."),
    },
    "aniso_columns": {
        "question": ("In the GradCov comparison the matrix G of plain + Adam has fewer columns than that of "
                     "multi + SGD. Why, and what does it mean for the comparison?"),
        "options": {
            "a": "Adam drops parameters with small gradients, so the comparison favours Adam.",
            "b": "The plain cell has no gate parameters (W_rg, W_ig); the arms are compared on different "
                 "parameter spaces, so a difference in AI or CE mixes architecture and optimiser.",
            "c": "The plain cell uses fewer examples M, so its AI is biased upwards.",
            "d": "The columns are the same; only their scale differs.",
        },
        "answer": "b",
        "hint": "Count the parameters of each cell: which weight matrices does a gated cell have that a plain one does not?",
        "why": ("G has one column per parameter. The multi-gate cell adds W_rg and W_ig (n^2 + n m more columns), "
                "so its gradient lives in a larger space. The optimiser does not change G at a checkpoint at all; "
                "it changes where training has taken the weights. The comparison is between arms, not a "
                "controlled test of gates against Adam."),
    },
})
