"""Self-checks for chapter 11 (phase diagrams and initialisation).

:func:`check_quiet_threshold`, :func:`check_marginal_edge`, :func:`check_region`, and the
quizzes ``"phase_bistable_init"`` and ``"phase_slow_memory"``.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_finite_float, check_instance
from ..meanfield.onsets import marginal_window
from ..meanfield.phases import REGIONS, PhaseDiagram
from ..meanfield.static import fixed_point_onset
from ..quiet_state import quiet_threshold
from .feedback import Feedback, as_number as _number, register_quizzes

__all__ = ["check_quiet_threshold", "check_marginal_edge", "check_region"]


def _close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(b))


def check_quiet_threshold(answer, beta_r: float) -> Feedback:
    r"""Exercise 11.1: the gain at which the quiet state loses stability.

    .. math:: g_{\rm quiet}=1+e^{\beta_r},

    recomputed with :func:`gatebook.quiet_state.quiet_threshold`; accepted within 0.1 %.
    """
    beta_r = check_finite_float(beta_r, "beta_r")
    value, problem = _number(answer, "the coupling gain g_h at which the quiet state loses stability")
    if problem is not None:
        return problem
    exact = quiet_threshold(beta_r)
    if _close(value, exact, 1e-3):
        return Feedback(True, f"g_quiet = 1 + e^(β_r) = {exact:.4f}: the gates at rest pass s_r = {1 / exact:.3f} of the "
                              "coupling, so the quiet state is stable while g_h s_r < 1, whatever α_r.")
    if _close(value, np.exp(beta_r), 1e-3):
        return Feedback(False, "Close: that is e^(β_r). Solve g_h σ_r(0) = 1 with σ_r(0) = 1/(1 + e^(β_r)).")
    if _close(value, 1.0 / (1.0 + np.exp(beta_r)), 1e-3) or _close(value, 1.0 / (1.0 + np.exp(-beta_r)), 1e-3):
        return Feedback(False, "That is a gate value at rest, not a gain. At which g_h does g_h σ_r(0) reach 1?")
    if _close(value, 1.0 + np.exp(-beta_r), 1e-3):
        return Feedback(False, "Check the sign convention: σ_r(x) = 1/(1 + e^(-α_r x + β_r)), so a positive β_r closes the gate at rest.")
    return Feedback(False, f"{value:g} is not the threshold. Linearise at h = z = r = 0: every gate sits at σ_r(0), and the "
                           "circular law puts the rightmost eigenvalue of g_h σ_r(0) J^h at g_h σ_r(0).")


def check_marginal_edge(answer, beta_r: float = 0.0, f_open: float = 0.5) -> Feedback:
    r"""Exercise 11.2: the upper edge :math:`g_h^*` of the marginal window at :math:`\alpha_z\to\infty`.

    .. math:: \rho_{\rm open}(g_h^*)=1,\qquad \rho_{\rm open}^2=g_h^2s_r^2f_{\rm open}\langle\phi'^2\rangle_\Delta,

    recomputed with :func:`gatebook.meanfield.marginal_window`; accepted within 0.5 %.
    """
    value, problem = _number(answer, "the upper edge g_h* of the marginal window")
    if problem is not None:
        return problem
    lo, hi = marginal_window(beta_r, f_open)
    if _close(value, hi, 5e-3):
        return Feedback(True, f"g_h* = {hi:.3f}: between {lo:.3f} and {hi:.3f} the open units' disk stays inside the unit "
                              "circle while the closed units freeze, so the fixed points are marginally stable.")
    if _close(value, lo, 5e-3):
        return Feedback(False, "That is the lower edge, where nonzero fixed points appear. Where does ρ_open reach 1?")
    if lo < value < hi:
        return Feedback(False, "Your value lies inside the window: ρ_open is still below 1 there. Look further up in g_h.")
    return Feedback(False, f"{value:g} is not g_h*. Find the root of open_radius(g_h, β_r) - 1 above 1 + e^(β_r) "
                           "(e.g. with scipy.optimize.brentq).")


def check_region(answer, diagram: PhaseDiagram, g_h: float, value: float) -> Feedback:
    r"""Exercise 11.3: name the region of a grid point of a phase diagram.

    The reference is the diagram's own label (:func:`gatebook.meanfield.phases.classify_region`),
    so the reader's reasoning from the three boundaries

    .. math:: g_{\rm topo}\le g_{\rm chaos}\le g_{\rm quiet}=1+e^{\beta_r}

    is checked against the DMFT computation. ``g_h`` and ``value`` (of the diagram's parameter)
    are numbers; the nearest grid point is checked.
    """
    check_instance(diagram, PhaseDiagram, "diagram")
    g_h = check_finite_float(g_h, "g_h")
    value = check_finite_float(value, "value")
    if answer is None:
        return Feedback(False, f"No answer yet: replace None with one of {list(REGIONS[:4])}.")
    if not isinstance(answer, str) or answer not in REGIONS:
        got = repr(answer) if isinstance(answer, str) else f"a {type(answer).__name__}"
        return Feedback(False, f"Answer with one of the region names {list(REGIONS[:4])}; got {got}.")
    point = diagram.at(g_h, value)
    truth = point["region"]
    if answer == truth:
        return Feedback(True, f"Right: at g_h = {point['g_h']:g}, {diagram.parameter} = {point[diagram.parameter]:g} the point "
                              f"is '{truth}'.")
    i = int(np.argmin(np.abs(diagram.values - value)))
    g = point["g_h"]
    if g > diagram.g_quiet[i] and answer != "chaotic":
        return Feedback(False, "Check the quiet state first: is g_h above 1 + e^(β_r)?")
    if answer in ("chaotic", "bistable"):
        return Feedback(False, "Does the chaotic DMFT branch exist here? Compare g_h with the onset g_chaos of this row "
                               "(the diagram's g_chaos_bracket).")
    alpha = point.get("alpha_r", diagram.fixed.get("alpha_r"))
    beta = point.get("beta_r", diagram.fixed.get("beta_r"))
    topo = fixed_point_onset(alpha, beta, diagram.fixed["g_r"])
    return Feedback(False, f"Compare g_h with the static onset g_topo = {topo:.3f} of this row and with g_chaos: "
                           "which of them has the point passed?")


register_quizzes({
    "phase_bistable_init": {
        "question": "A gated network with a sharp output gate is initialised in the bistable region of its phase "
                    "diagram. What can go wrong?",
        "options": {
            "a": "Nothing: the quiet state is unstable there, so activity always develops.",
            "b": "Whether the network is chaotic or silent depends on the initial state and on finite-N transients, so "
                 "two runs with the same parameters can behave completely differently.",
            "c": "The gradients always vanish because λ_max is negative on both attractors.",
            "d": "The network oscillates periodically because two attractors coexist.",
        },
        "answer": "b",
        "hint": "In the bistable region, which two attractors coexist, and which one is stable to small perturbations?",
        "why": "Below 1 + e^(β_r) the quiet state is stable, yet a chaotic attractor exists from g_chaos on. A small "
               "initial state (or a collapse after a long transient near the saddle-node) ends silent, a large one "
               "chaotic: the dynamics, and the gradients that flow through them, depend on the start.",
    },
    "phase_slow_memory": {
        "question": "You want a gated network whose activity keeps a memory for a long time without being chaotic. "
                    "Which initialisation does the phase diagram suggest?",
        "options": {
            "a": "g_h far above 1 + e^(β_r) with α_z = 0: strong chaos mixes information quickly.",
            "b": "g_h well below g_topo: the quiet state forgets fastest.",
            "c": "A sharp timescale gate (large α_z) with g_h inside the marginal window 1 + e^(β_r) < g_h < g_h*, "
                 "or α_z = 0 with a positive β_z that slows the global clock.",
            "d": "Any g_h, as long as α_r is large.",
        },
        "answer": "c",
        "hint": "Which gate sets timescales, and where does the theory predict marginally stable fixed points?",
        "why": "With a sharp z-gate the closed units freeze and the open ones are stable while ρ_open < 1, so fixed "
               "points become marginally stable inside the window: λ_max → 0 and memory times grow with α_z. "
               "At α_z = 0, β_z only rescales time, τ_eff = τ_h(1 + e^(β_z)), like the forget-gate bias of an LSTM.",
    },
})
