r"""Self-checks for chapter 2 (*The leaky integrator*).

:func:`check_half_life`, :func:`check_lag_cutoff`, and the quizzes ``"leaky_sequence_time"``
and ``"leaky_recurrence"``. Reference answers come from :mod:`gatebook.learning.kernels`.
"""

from __future__ import annotations

import math

from .feedback import Feedback, as_number, register_quizzes

__all__ = ["check_half_life", "check_lag_cutoff"]


def _kernels():
    from ..learning import kernels  # imports torch: only when a Part II check is used

    return kernels


def _near(value: float, target: float, rel: float = 2e-3) -> bool:
    return math.isfinite(target) and abs(value - target) <= rel * max(abs(target), 1e-12)


def check_half_life(answer, alpha: float = 0.1) -> Feedback:
    r"""Exercise 2.1: the memory half-life (in steps) of a leaky unit with leak ``alpha``.

    The reference is :func:`gatebook.learning.kernels.half_life`,
    :math:`\ell_{1/2}=\ln2/(-\ln(1-\alpha))`; answers within 0.2 % pass.
    """
    kernels = _kernels()
    alpha = float(kernels._check_alpha(alpha))
    value, problem = as_number(answer, "the half-life in steps (a real number)")
    if problem is not None:
        return problem
    exact = kernels.half_life(alpha)
    if _near(value, exact) or (exact == 0.0 and abs(value) < 1e-9):
        return Feedback(True, f"ℓ½ = {exact:.3f} steps: after that many steps the state keeps half of what "
                              f"a pulse wrote (α(1−α)^ℓ = α/2).")
    if value < 0:
        return Feedback(False, "A half-life cannot be negative: check the sign of the logarithm (ln(1−α) < 0).")
    if alpha < 1 and _near(value, math.log(2) / alpha, rel=1e-3):
        return Feedback(False, "Close, but that is the small-α approximation ln 2/α. Use the exact factor the "
                               "state keeps per step.")
    if alpha < 1 and _near(value, 1.0 / alpha, rel=1e-3):
        return Feedback(False, "That is the time constant τ/Δt = 1/α, the 1/e time of the continuous ODE. The "
                               "question asks when the response has halved.")
    if alpha < 1 and _near(value, -1.0 / math.log1p(-alpha), rel=1e-3):
        return Feedback(False, "That is the lag at which the response has fallen by a factor e. Halving means "
                               "a factor 2.")
    if 0 < alpha < 1 and _near(value, kernels.half_life(1.0 - alpha), rel=1e-3):
        return Feedback(False, "You used α as the factor kept per step. In the book's convention the gate "
                               "writes α and the state carries 1 − α.")
    if value == round(value) and abs(value - exact) < 1:
        return Feedback(False, "The half-life need not be a whole number of steps: solve (1−α)^ℓ = 1/2 for a "
                               "real ℓ.")
    return Feedback(False, f"ℓ½ = {value:g} is not right for α = {alpha:g}. Solve α(1−α)^ℓ = α/2 for ℓ.")


def check_lag_cutoff(answer, alpha: float = 0.15, fraction: float = 0.01) -> Feedback:
    r"""Exercise 2.2: the first lag at which the constant gate's learning-rate schedule drops below ``fraction``.

    Relative to the immediate term :math:`\mu\alpha`, the lag-:math:`\ell` rate is
    :math:`(1-\alpha)^\ell`; the reference is :func:`gatebook.learning.kernels.lag_cutoff`.
    """
    kernels = _kernels()
    alpha = float(kernels._check_alpha(alpha))
    value, problem = as_number(answer, "a lag (a whole number of steps)")
    if problem is not None:
        return problem
    exact = kernels.lag_cutoff(alpha, fraction)
    if value != round(value):
        return Feedback(False, f"A lag is a whole number of steps; got {value:g}. Which is the first integer "
                               f"lag below the threshold?")
    value = int(round(value))
    if value == exact:
        return Feedback(True, f"ℓ = {exact}: (1−α)^{exact} = {(1 - alpha) ** exact:.4f} < {fraction:g}, while "
                              f"lag {exact - 1} still gets {(1 - alpha) ** (exact - 1):.4f} of the immediate rate.")
    if value == exact - 1:
        return Feedback(False, "Off by one: at that lag the weight is still at or above the threshold. Take the "
                               "first lag strictly below it.")
    absolute = kernels.lag_cutoff(alpha, min(1.0, fraction / alpha))  # alpha (1-alpha)^l < fraction
    if value == absolute and absolute != exact:
        return Feedback(False, "Compare with the immediate rate μα, not with μ: divide each lag's weight by the "
                               "lag-0 weight.")
    if value == math.ceil(math.log(1.0 / fraction) / alpha) and alpha < 1:
        return Feedback(False, "That is the small-α estimate ln(1/f)/α. The exact per-step factor is 1 − α.")
    if value < 0:
        return Feedback(False, "Lags count steps back from the loss and are never negative.")
    return Feedback(False, f"Lag {value} is not it. The weight relative to lag 0 is (1−α)^ℓ: find the first ℓ "
                           f"where it drops below {fraction:g}.")


register_quizzes({
    "leaky_sequence_time": {
        "question": "A leaky RNN with α = 0.1 is trained with plain SGD. In what sense does it behave like momentum "
                    "with β = 0.9?",
        "options": {
            "a": "Every SGD update reuses 90 % of the previous update, as a momentum buffer does.",
            "b": "Inside one gradient, credit from ℓ steps back in the sequence is weighted by 0.1·0.9^ℓ; "
                 "successive SGD updates stay independent.",
            "c": "The weights follow an exponential moving average of their own past values.",
            "d": "Not at all: the two kernels have different shapes.",
        },
        "answer": "b",
        "hint": "Ask what the index ℓ counts in each case: steps of the sequence, or optimiser iterations?",
        "why": "The leak builds the same geometric kernel (1−β)β^ℓ with β = 1−α, but over steps of the sequence "
               "inside one backward pass. A momentum buffer applies it across optimiser iterations, which plain "
               "SGD does not remember.",
    },
    "leaky_recurrence": {
        "question": "With PyTorch's default recurrent weights, the measured S(ℓ) = ‖Φ(t, t−ℓ)‖₂ of a tanh leaky cell "
                    "with α = 0.2 decays much more slowly than the carry power (1−α)^ℓ. Why?",
        "options": {
            "a": "Round-off accumulates in long products of Jacobians.",
            "b": "tanh saturates, which makes D_t equal to the identity.",
            "c": "Each Jacobian is (1−α)𝟙 + α D_t W_rec: credit also travels through the recurrent weights, "
                 "and the carry power keeps only the first term.",
            "d": "The gate value changes with the input, so the schedule is data dependent.",
        },
        "answer": "c",
        "hint": "Write out one step Jacobian of the leaky cell. Which term is missing from (1−α)^ℓ?",
        "why": "(1−α)^ℓ is exact only when W_rec = 0. With recurrence the extra path α D_t W_rec can add to the "
               "carry (slower decay) or oppose it; how much is bounded by α‖W_rec‖₂ per step. The gate factor "
               "itself stays fixed: α is a constant.",
    },
})
