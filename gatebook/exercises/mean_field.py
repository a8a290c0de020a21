"""Self-checks for chapter 9 (dynamical mean-field theory).

:func:`check_dmft_variance`, :func:`check_soft_gate_lambda`, :func:`check_window_variance`,
and the quizzes ``"dmft_factorise"`` and ``"dmft_zero_mode"``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._validation import check_finite_float, check_positive_float
from ..meanfield.gated import gated_dmft, gated_lambda_max
from ..meanfield.scs import scs_dmft, scs_lambda_max, scs_variance
from ..meanfield.simulation import expected_window_variance
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_dmft_variance", "check_soft_gate_lambda", "check_window_variance"]

#: Largest gain the checks accept: the DMFT solvers behind the references are tested up to it.
MAX_GAIN = 100.0
#: Most samples a window of :func:`check_window_variance` may hold (the reference sums over them).
MAX_SAMPLES = 10**7


def _gain(value, name: str) -> float:
    value = check_positive_float(value, name)
    if value > MAX_GAIN:
        raise ValueError(f"{name} must be at most {MAX_GAIN:g} (the range of the DMFT reference), got {value:g}")
    return value


def check_dmft_variance(answer, g: float = 2.5) -> Feedback:
    r"""Exercise 9.1: the DMFT variance :math:`\Delta_0` of chapter 1's network at gain ``g``.

    Reference: :func:`gatebook.meanfield.scs_variance`, the root of
    :math:`-\tfrac12\Delta_0^2+g^2(\langle\Phi^2\rangle-\langle\Phi\rangle^2)=0`,
    :math:`\Phi=\ln\cosh`; accepted within 0.1 %. ``g`` lies in :math:`(0, 100]`.
    """
    g = _gain(g, "g")
    value, problem = _number(answer, "your value of Delta_0")
    if problem is not None:
        return problem
    exact = scs_variance(g)
    if abs(value - exact) <= 1e-3 * max(exact, 1e-12):
        return Feedback(True, f"Δ0 = {exact:.5f} at g = {g:g}: the particle released there just reaches the hilltop Δ = 0.")
    near_onset = 0.5 * (1.0 - 1.0 / g**2)
    if abs(value - near_onset) <= 1e-3 * near_onset:
        return Feedback(False, "That is the small-amplitude formula (1 - 1/g²)/2, valid only just above g = 1. "
                               "Solve the full energy condition with Gaussian averages of ln cosh.")
    if value <= 0:
        return Feedback(False, "Δ0 = 0 is the quiescent solution, which is unstable above g = 1. "
                               "Bracket the root away from 0 (e.g. between 0.01 and g²).")
    if value >= g * g:
        return Feedback(False, f"Δ0 cannot exceed g² = {g * g:g}: tanh² ≤ 1 bounds the input variance.")
    if abs(value - exact) <= 0.05 * exact:
        return Feedback(False, f"Close ({value:.4f}), but not within 0.1 %: use more quadrature nodes "
                               "(the Gaussian averages need several digits) and a tight root tolerance.")
    return Feedback(False, f"Δ0 = {value:g} does not satisfy the energy condition. Check that you subtract "
                           "⟨Φ⟩² (the variance of ln cosh, not its second moment) and use g² in front.")


@lru_cache(maxsize=8)
def _soft_gate_reference(g_h: float, beta_r: float, beta_z: float) -> float:
    """Gated two-replica lambda_max with soft gates (cached: a reader checks several answers)."""
    return gated_lambda_max(gated_dmft(g_h, beta_r=beta_r, beta_z=beta_z))


def check_soft_gate_lambda(answer, g_h: float = 3.0, beta_r: float = 0.0, beta_z: float = 0.0) -> Feedback:
    r"""Exercise 9.2: :math:`\lambda_{\max}` of the gated network with soft gates (:math:`\alpha_z=\alpha_r=0`).

    With constant gates the network is chapter 1's with :math:`g_{\rm eff}=g_hs_r`,
    :math:`\tau_{\rm eff}=\tau_h/s_z`, so :math:`\lambda_{\max}=s_z\,\lambda^{\rm SCS}_{\max}(g_{\rm eff})`
    (:math:`\tau_h=1`). The reference is the gated two-replica solver
    (:func:`gatebook.meanfield.gated_lambda_max`), an independent computation; accepted
    within :math:`10^{-3}`. ``g_h`` lies in :math:`(0, 100]`; the biases are finite numbers.
    """
    g_h = _gain(g_h, "g_h")
    beta_r = check_finite_float(beta_r, "beta_r")
    beta_z = check_finite_float(beta_z, "beta_z")
    value, problem = _number(answer, "an exponent in units of 1/τ_h")
    if problem is not None:
        return problem
    ref = _soft_gate_reference(g_h, beta_r, beta_z)
    if abs(value - ref) <= 1e-3:
        return Feedback(True, f"λmax = {ref:.4f}: the soft-gated network is chapter 1's network, slowed by τ_eff = τ_h/s_z.")
    s_r, s_z = 1.0 / (1.0 + np.exp(beta_r)), 1.0 / (1.0 + np.exp(beta_z))
    g_eff = g_h * s_r
    if g_eff > 1.0 and abs(value - scs_lambda_max(g_eff)) <= 1e-3:
        return Feedback(False, "Right gain, wrong clock: the exponent of chapter 1's network is per τ, and here "
                               "τ_eff = τ_h/s_z is longer than τ_h.")
    if abs(value - s_z * scs_lambda_max(g_h)) <= 1e-3:
        return Feedback(False, "The output gate at rest halves (for β_r = 0) the signal each unit sends: the "
                               "effective gain is g_h s_r, not g_h.")
    return Feedback(False, f"λmax = {value:g} is not right. Which gain and which time constant does the network "
                           "with constant gates have? Then use gb.meanfield.scs_lambda_max.")


def check_window_variance(answer, g: float = 2.0, window: float = 100.0, sample_interval: float = 0.5) -> Feedback:
    r"""Exercise 9.3: expected centred temporal variance over a window, from :math:`\Delta(s)`.

    Reference: :func:`gatebook.meanfield.simulation.expected_window_variance` for chapter 1's network at
    gain ``g`` with samples every ``sample_interval`` (the continuous-time formula is also
    accepted); accepted within 0.2 %. ``g`` lies in :math:`(0, 100]`; the window holds at
    least two and at most :data:`MAX_SAMPLES` samples.
    """
    g = _gain(g, "g")
    window = check_positive_float(window, "window")
    sample_interval = check_positive_float(sample_interval, "sample_interval")
    n = round(window / sample_interval) + 1
    if n < 2:
        raise ValueError(f"the window ({window:g}) must hold at least two samples sample_interval = "
                         f"{sample_interval:g} apart")
    if n > MAX_SAMPLES:
        raise ValueError(f"window / sample_interval = {window / sample_interval:.3g} samples is too many "
                         f"(at most {MAX_SAMPLES:.0e})")
    value, problem = _number(answer, "the expected centred variance")
    if problem is not None:
        return problem
    res = scs_dmft(g)
    discrete = expected_window_variance(res, window, sample_interval)
    continuous = expected_window_variance(res, window)
    if min(abs(value - discrete), abs(value - continuous)) <= 2e-3 * discrete:
        return Feedback(True, f"E[var] = {discrete:.4f} (samples) / {continuous:.4f} (continuous), against "
                              f"Δ0 = {res.variance:.4f}: the window mean soaks up {100 * (1 - discrete / res.variance):.1f} %.")
    if abs(value - res.variance) <= 2e-3 * res.variance:
        return Feedback(False, "That is Δ0 itself. Centring by the window mean removes E[h̄²] = (1/T²)∬Δ(t-t') dt dt'.")
    if value > res.variance:
        return Feedback(False, "The centred variance must be smaller than Δ0: subtracting the window mean can only "
                               "remove variance.")
    bias = res.variance - discrete
    if abs(res.variance - value - 2 * bias) <= 0.05 * bias or abs(res.variance - value - 0.5 * bias) <= 0.05 * bias:
        return Feedback(False, "Off by a factor 2 in the bias term: ∬ over the square counts each lag twice, "
                               "once for t > t' and once for t < t'.")
    return Feedback(False, f"{value:g} is not right. Average Δ(|t-t'|) over all pairs of sample times in the "
                           "window (or integrate with the weight 2(1 - s/T)/T) and subtract it from Δ0.")


register_quizzes({
    "dmft_factorise": {
        "question": "In the gated network's DMFT the noise on h has covariance g_h² C_σr(s) C_φ(s), a product. Why does it factorise?",
        "options": {
            "a": "Because σ_r and φ are both bounded by 1.",
            "b": "Because the gate is presynaptic and r_j and h_j are driven through independent random matrices (J^r and J^h), "
                 "so in the large-N limit σ_r(r_j) and φ(h_j) are independent processes.",
            "c": "Because α_z = 0 makes every variable Gaussian.",
            "d": "It is an approximation that neglects the correlation between r and h.",
        },
        "answer": "b",
        "hint": "Which random matrices drive r_j and which drive h_j, and what does the noise sum over?",
        "why": "The noise is Σ_j J^h_ij σ_r(r_j) φ(h_j). Averaging over J^h leaves ⟨σ_r(r_j(t))φ(h_j(t))σ_r(r_j(t'))φ(h_j(t'))⟩, "
               "and r_j is built from J^r, independent of J^h: in the N → ∞ limit the two factors decouple exactly. "
               "A postsynaptic gate would multiply the noise instead and h would be non-Gaussian.",
    },
    "dmft_zero_mode": {
        "question": "Differentiating the DMFT equation shows that ∂_sΔ solves HΨ = 0 for H = -∂_s² + 1 - g²C_φ'(s). What follows?",
        "options": {
            "a": "λmax = 0 always: the zero mode is the ground state.",
            "b": "The Schrödinger problem has no bound states.",
            "c": "∂_sΔ is odd with one node, so it is the first excited state; the ground state lies below zero (E0 < 0), "
                 "hence λmax = -1 + √(1 - E0) > 0 on the chaotic branch.",
        },
        "answer": "c",
        "hint": "How many nodes does the derivative of an even, decaying bump have, and where does that put it in the spectrum?",
        "why": "Eigenfunctions of a 1-D Schrödinger operator are ordered by their number of nodes. ∂_sΔ has one node, so "
               "one state lies below it: E0 < E1 = 0, and λmax = (-1 + √(1 - E0))/τ is positive whenever the "
               "chaotic solution exists.",
    },
})
