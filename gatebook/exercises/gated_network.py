r"""Self-checks for chapter 6 (the gated network).

:func:`check_reduction`, :func:`check_quiescent_threshold`, and the quizzes
``"gated_gate_roles"``, ``"gated_alpha_z_threshold"`` and ``"gated_placement"``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_finite_float, check_memory, check_positive_float, check_positive_int
from ..gated_network import GatedNetwork
from ..quiescent import finite_size_threshold
from ..quiet_state import quiet_threshold
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_reduction", "check_quiescent_threshold"]


def _close(value: float, exact: float, rtol: float) -> bool:
    return abs(value - exact) <= rtol * abs(exact)


def check_reduction(g_eff, tau_eff, *, g_h: float, beta_z: float, beta_r: float, tau_h: float = 1.0) -> Feedback:
    r"""Exercise 6.1: the chapter-1 network that the gated network becomes when :math:`\alpha_z=\alpha_r=0`.

    With constant gates :math:`\sigma_k=s_k=1/(1+e^{\beta_k})` the state obeys
    :math:`(\tau_h/s_z)\dot h=-h+g_hs_rJ^h\phi(h)`, so

    .. math:: g_{\rm eff}=\frac{g_h}{1+e^{\beta_r}},\qquad \tau_{\rm eff}=\tau_h\,(1+e^{\beta_z}).

    The reference values come from :meth:`GatedNetwork.reduced_network`; both answers must
    be within 0.5 %. ``g_h`` and ``tau_h`` are positive numbers, the biases finite numbers
    (``beta_z`` small enough that :math:`\tau_{\rm eff}` is a finite float).
    """
    g_h = check_positive_float(g_h, "g_h")
    beta_z = check_finite_float(beta_z, "beta_z")
    beta_r = check_finite_float(beta_r, "beta_r")
    tau_h = check_positive_float(tau_h, "tau_h")
    with np.errstate(over="ignore"):
        if not np.isfinite(tau_h * (1.0 + np.exp(beta_z))):
            raise ValueError(f"beta_z = {beta_z:g} is too large: tau_eff = tau_h (1 + e^beta_z) overflows")
    g_value, problem = _number(g_eff, "the effective gain g_eff")
    if problem is not None:
        return problem
    tau_value, problem = _number(tau_eff, "the effective time constant tau_eff")
    if problem is not None:
        return problem
    reduced = GatedNetwork(1, g_h, beta_z=beta_z, beta_r=beta_r, tau_h=tau_h, seed=0).reduced_network()
    g_ok, tau_ok = _close(g_value, reduced.g, 5e-3), _close(tau_value, reduced.tau, 5e-3)
    if g_ok and tau_ok:
        verdict = "above 1: the quiet state is unstable and the network is chaotic" if reduced.g > 1 else (
            "below 1: the quiet state is stable")
        return Feedback(True, f"g_eff = {reduced.g:.4g} and τ_eff = {reduced.tau:.4g}. g_eff is {verdict}; "
                              "τ_eff only sets the clock.")
    hints = []
    if not g_ok:
        if _close(g_value, g_h / (1 + np.exp(-beta_r)), 5e-3) and beta_r != 0:
            hints.append("g_eff: check the sign of β in σ(x) = 1/(1 + exp(−αx + β)) at x = 0.")
        elif _close(g_value, g_h * (1 + np.exp(beta_r)), 5e-3):
            hints.append("g_eff: the gate value multiplies the coupling, and a gate value lies between 0 and 1.")
        elif _close(g_value, reduced.g * (1 + np.exp(beta_r)) / (1 + np.exp(beta_z)), 5e-3) and beta_r != beta_z:
            hints.append("g_eff: which gate sits on the recurrent input φ(h)?")
        else:
            hints.append(f"g_eff = {g_value:g} is not right: which gate multiplies what unit j sends, and what is its value at rest?")
    if not tau_ok:
        if _close(tau_value, tau_h / (1 + np.exp(beta_z)), 5e-3):
            hints.append("τ_eff: a gate value below 1 slows the unit down, so τ_eff must be longer than τ_h.")
        elif _close(tau_value, tau_h * (1 + np.exp(-beta_z)), 5e-3) and beta_z != 0:
            hints.append("τ_eff: check the sign of β_z in the gate at rest.")
        else:
            hints.append(f"τ_eff = {tau_value:g} is not right: divide both sides of the h equation by the timescale gate's resting value.")
    return Feedback(False, " ".join(hints))


def check_quiescent_threshold(answer, beta_r: float, *, N: int | None = None, seed: int | None = None) -> Feedback:
    r"""Exercise 6.2: the gain :math:`g_h` at which the quiet state :math:`h=z=r=0` loses stability.

    Without ``N``: the large-:math:`N` value :math:`1+e^{\beta_r}` (within 1 %). With ``N``
    and ``seed``: the exact value :math:`1/(s_r\max_k\operatorname{Re}w_k)` of
    ``GatedNetwork(N, ..., beta_r=beta_r, seed=seed)``, whose :math:`J^h` has eigenvalues
    :math:`w_k` (within :math:`10^{-6}`, relative), computed by
    :func:`gatebook.quiescent.finite_size_threshold`; the large-:math:`N` value is
    :func:`gatebook.quiet_state.quiet_threshold`.
    """
    beta_r = check_finite_float(beta_r, "beta_r")
    if N is not None:
        N = check_positive_int(N, "N")
        check_memory(N * N, "N", what="the coupling matrix")
    value, problem = _number(answer, "a gain g_h")
    if problem is not None:
        return problem
    large_N = quiet_threshold(beta_r)
    if N is None:
        if _close(value, large_N, 1e-2):
            return Feedback(True, f"g_h = 1 + e^β_r = {large_N:.4g}: the disk of the h block, radius g_h s_r s_z around −s_z, "
                                  "touches Re λ = 0 when g_h s_r = 1, whatever α_z, α_r, β_z and τ's.")
        exact = large_N
    else:
        if seed is None:
            raise ValueError("seed must be given together with N (the network's J^h depends on it)")
        exact = finite_size_threshold(GatedNetwork(N, 1.0, beta_r=beta_r, seed=seed))
        if _close(value, exact, 1e-6):
            return Feedback(True, f"g_h = {exact:.5g} for this network, against 1 + e^β_r = {large_N:.4g} for N → ∞ "
                                  f"({100 * (exact / large_N - 1):+.1f} %): the edge of J^h's spectrum is not exactly at 1.")
        if _close(value, large_N, 1e-2):
            return Feedback(False, "That is the large-N value. This network's J^h has a spectral edge that is not exactly at 1: "
                                   "use the eigenvalues of its couplings_h.")
    if _close(value, 1.0 + np.exp(-beta_r), 1e-2) and beta_r != 0:
        return Feedback(False, "Check the sign: with σ(x) = 1/(1 + exp(−αx + β)), a positive β_r closes the gate at rest.")
    if _close(value, 1.0 / (1.0 + np.exp(beta_r)), 1e-2):
        return Feedback(False, "That is the gate value s_r itself; the threshold is the gain at which g_h s_r reaches 1.")
    if value < exact:
        hint = "At that gain the rightmost eigenvalue is still to the left of Re λ = 0."
    else:
        hint = "At that gain the spectrum has already crossed Re λ = 0."
    return Feedback(False, f"g_h = {value:g} is not right. {hint}")


register_quizzes({
    "gated_gate_roles": {
        "question": "Take an Euler step of length τ_h of the gated network. Which pairing with the machine-learning cells is right?",
        "options": {
            "a": "z is the GRU reset gate and the LSTM output gate; r is the GRU update gate and the LSTM forget gate.",
            "b": "z is the GRU update gate (and the LSTM forget gate tied to its input gate); r is the GRU reset gate and the LSTM output gate.",
            "c": "Both gates act like the LSTM input gate; the model has no analogue of forgetting.",
        },
        "answer": "b",
        "hint": "Write h_{t+1} = (1 − σ_z) h_t + σ_z J^h(σ_r ⊙ φ(h_t)): which gate mixes old and new, and which one filters what the units send?",
        "why": "σ_z mixes the old state with the candidate, like the GRU update gate z (σ_z Δt/τ_h multiplies the candidate, so it plays 1 − z; an LSTM with forget = 1 − σ_z and input = σ_z); "
               "σ_r filters what each unit sends through J^h, like the GRU reset gate and the LSTM output gate.",
    },
    "gated_alpha_z_threshold": {
        "question": "You raise the timescale gate's gain α_z from 0 to 20. What happens to the gain g_h at which the quiet state h = z = r = 0 loses stability?",
        "options": {
            "a": "It moves up: sharper gates close and stabilise the origin.",
            "b": "It moves down: sharper gates amplify perturbations.",
            "c": "Nothing: at the origin α_z multiplies the bracket, which vanishes there, so only s_z = σ_z(0) enters, and it rescales the rates, not their sign.",
        },
        "answer": "c",
        "hint": "The hz block of the Jacobian is D(σ_z′ ⊙ bracket)/τ_h, with the bracket −h + g_h J^h(σ_r ⊙ φ(h)). What is the bracket at the origin?",
        "why": "At the origin the bracket and φ vanish, so the blocks that carry α_z and α_r vanish. The h block is (s_z/τ_h)(−1 + g_h s_r J^h): "
               "s_z scales every rate but cannot change its sign, so the threshold stays at g_h = 1 + e^{β_r}.",
    },
    "gated_placement": {
        "question": "The output gate can sit before the coupling matrix (σ_r(r_j) φ(h_j), presynaptic) or after it (σ_r(r_i) Σ_j J_ij φ(h_j), postsynaptic). Do the two variants lose the quiet state at the same g_h?",
        "options": {
            "a": "Yes: at the origin both gates sit at their resting value s_r, and D(s_r) J^h = J^h D(s_r) = s_r J^h.",
            "b": "No: the postsynaptic gate doubles the effective gain.",
            "c": "Only if α_r = 0.",
        },
        "answer": "a",
        "hint": "At h = z = r = 0 every σ_r equals the same number. Does it matter on which side of J^h a multiple of the identity sits?",
        "why": "With every gate at s_r the diagonal matrix D(σ_r) is s_r times the identity, which commutes with J^h; the Jacobians at the origin are identical, so the thresholds are too.",
    },
})
