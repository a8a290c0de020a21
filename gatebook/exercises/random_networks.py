"""Self-checks for chapter 1 (random rate networks).

:func:`check_critical_gain`, :func:`check_spectral_radius`, :func:`check_lyapunov_estimate`,
and the quizzes ``"reorthonormalise"`` and ``"finite_size"``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_memory, check_positive_float, check_positive_int
from ..lyapunov import max_lyapunov
from ..random_network import RandomRateNetwork
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_critical_gain", "check_spectral_radius", "check_lyapunov_estimate"]


def _check_size(N) -> int:
    """``N`` as a positive int whose N x N coupling matrix fits in memory."""
    N = check_positive_int(N, "N")
    check_memory(N * N, "N", what="the coupling matrix")
    return N


def check_critical_gain(answer, tau: float = 1.0) -> Feedback:
    r"""Exercise 1.1: the gain at which the quiescent state :math:`x=0` loses stability.

    The Jacobian at the origin is :math:`\tau^{-1}(-\mathbb 1 + gJ)`; its eigenvalues fill
    the disk of radius :math:`g/\tau` around :math:`-1/\tau`, which touches the imaginary
    axis when :math:`g = 1`, whatever :math:`\tau` (a positive number).
    """
    tau = check_positive_float(tau, "tau")
    value, problem = _number(answer, "the critical gain g_c")
    if problem is not None:
        return problem
    if abs(value - 1.0) <= 0.05:
        return Feedback(True, f"g_c ≈ {value:g}. The disk of radius g/τ centred at -1/τ reaches Re λ = 0 at g = 1, independent of τ.")
    if abs(value - tau) <= 0.05 and tau != 1.0:
        return Feedback(False, "Close, but τ rescales the centre and the radius of the disk together, so it cancels out.")
    if value < 1.0:
        hint = "Below 1 the rightmost eigenvalue -1 + g·max Re(w) is still negative: the origin is stable."
    else:
        hint = "Above 1 the disk already crosses Re λ = 0. Where does its right edge -1/τ + g/τ sit?"
    return Feedback(False, f"g_c = {value:g} is not right. {hint}")


def check_spectral_radius(answer, N: int, g: float, seed: int) -> Feedback:
    r"""Exercise 1.2: spectral radius of :math:`gJ` for ``RandomRateNetwork(N, g, seed=seed)``."""
    _check_size(N)
    value, problem = _number(answer, "the largest |eigenvalue| of gJ")
    if problem is not None:
        return problem
    eig = np.linalg.eigvals(RandomRateNetwork(N, g, seed=seed).weights)
    exact = float(np.abs(eig).max())
    if abs(value - exact) <= 1e-6 * max(1.0, exact):
        gap = abs(exact - g) / g
        return Feedback(True, f"ρ(gJ) = {exact:.4f}; the circular law predicts g = {g:g} (off by {100 * gap:.1f} % at N = {N}; the gap shrinks as N grows).")
    if abs(value - float(np.abs(eig - 1.0).max())) <= 1e-6 * max(1.0, exact):
        return Feedback(False, "That looks like the spectrum of the Jacobian -1 + gJ. The question asks for the eigenvalues of gJ itself.")
    if abs(value - g) <= 0.1 * g:
        return Feedback(False, f"{value:g} is the large-N prediction g, not the radius of this finite matrix: compute the eigenvalues with np.linalg.eigvals.")
    return Feedback(False, f"Expected about {g:g} (circular law); got {value:g}. Did you use the network's `weights` (= g·J)?")


def check_lyapunov_estimate(answer, g: float = 2.0, N: int = 200, seed: int = 0) -> Feedback:
    r"""Exercise 1.3: your own estimate of :math:`\lambda_{\max}` for ``RandomRateNetwork(N, g, seed=seed)``.

    Compared with :func:`gatebook.max_lyapunov` (RK4, :math:`dt=0.1`, transient 50,
    window 200, seeded with ``seed``) within three combined standard errors plus 0.02.
    """
    _check_size(N)
    value, problem = _number(answer, "an exponent, in units of 1/τ")
    if problem is not None:
        return problem
    ref = max_lyapunov(RandomRateNetwork(N, g, seed=seed), seed=seed)
    tol = 3 * ref.stderr[0] + 0.02
    if abs(value - ref.maximum) <= tol:
        return Feedback(True, f"Your λ_max = {value:+.3f}; the QR method gives {ref.maximum:+.3f} ± {ref.stderr[0]:.3f}.")
    if np.sign(value) != np.sign(ref.maximum):
        return Feedback(False, f"The sign is off: at g = {g:g} the reference is {ref.maximum:+.3f}. Did you divide log-growth by the elapsed *time* (not the number of steps)?")
    if abs(value * 10 - ref.maximum) < tol or abs(value / 10 - ref.maximum) < tol:
        return Feedback(False, "Off by a factor of about 10: is dt = 0.1 missing from the time you divide by?")
    return Feedback(False, f"Your λ_max = {value:+.3f}, the reference is {ref.maximum:+.3f} ± {ref.stderr[0]:.3f}. Renormalise the separation regularly and discard a transient.")


register_quizzes({
    "reorthonormalise": {
        "question": "Why must the tangent vectors be re-orthonormalised in the QR method?",
        "options": {
            "a": "Because the Jacobian is not symmetric.",
            "b": "Because all vectors rotate towards the fastest-growing direction and their norms over/underflow, so only the first exponent would survive.",
            "c": "To make the RK4 step stable.",
        },
        "answer": "b",
        "hint": "Think about what happens to the directions and the norms of the vectors over long times.",
        "why": "Without re-orthonormalisation every vector aligns with the most expanding direction (the others' growth rates are lost in round-off) and norms grow like e^{λ t}.",
    },
    "finite_size": {
        "question": "In a network of N = 200 units, λ_max crosses zero at a gain slightly different from 1. Why?",
        "options": {
            "a": "Finite N: the spectrum has a fluctuating edge and small networks can settle on fixed points or cycles, so the transition is smeared and shifted; it sharpens as N grows.",
            "b": "RK4 with dt = 0.1 is inaccurate.",
            "c": "The circular law is wrong for tanh networks.",
        },
        "answer": "a",
        "hint": "Would the answer change if you doubled N, or halved dt?",
        "why": "The mean-field transition at g = 1 is exact only as N → ∞; at finite N it is shifted by O(N^{-1/2})-sized spectral-edge fluctuations and by finite-size attractors.",
    },
})
