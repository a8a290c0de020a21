"""Self-checks for the chapters' exercises: helpful feedback instead of a bare right/wrong.

Each ``check_*`` function takes the reader's answer and returns a :class:`Feedback`,
which prints as a short message in a notebook (✅ or ❌ plus a hint). The checks compute
their reference answers with the tested library code, never from stored numbers.
One module per chapter, named like its notebook; every public name is re-exported here,
so chapters call ``gb.exercises.check_...``. Multiple-choice questions are in
:data:`QUIZZES`; :func:`quiz` shows one with clickable options (in a notebook and on the
static site) and :func:`check_quiz` answers it by letter.

Chapter modules after chapter 1 are imported on first use of one of their names (PEP 562;
Part II's need torch).
"""

import importlib as _importlib

from .feedback import QUIZZES, Feedback, as_number, check_quiz, register_quizzes
from .random_networks import check_critical_gain, check_lyapunov_estimate, check_spectral_radius

#: The chapter modules, in the order in which a quiz look-up imports them (each registers
#: its quizzes in :data:`QUIZZES` when imported): numpy-only chapters first, Part II last,
#: so that a quiz of Part III never pays for importing torch.
CHAPTER_MODULES = (
    "random_networks",  # chapter 1
    "gated_network",  # chapter 6
    "timescales",  # chapter 7
    "dimensionality",  # chapter 8
    "mean_field",  # chapter 9
    "chaotic_transitions",  # chapter 10
    "phase_diagrams",  # chapter 11
    "leaky_integrator",  # chapter 2
    "scalar_gate",  # chapter 3
    "per_neuron_gates_and_adam",  # chapter 4 (torch)
    "anisotropy",  # chapter 5 (torch)
)

from .._lazy import lazy_names

#: The later chapters' checks, imported on first use: ``{name: module}``. A name equal to
#: its module is the module itself.
_LAZY = {
    # chapter 6
    "check_reduction": "gated_network",
    "check_quiescent_threshold": "gated_network",
    # chapter 7
    "check_local_timescale": "timescales",
    "check_leak_rate": "timescales",
    "check_marginal_count": "timescales",
    # chapter 8
    "check_origin_radius": "dimensionality",
    "check_kaplan_yorke": "dimensionality",
    # chapter 9
    "check_dmft_variance": "mean_field",
    "check_soft_gate_lambda": "mean_field",
    "check_window_variance": "mean_field",
    # chapter 10
    "check_quiet_exponent": "chaotic_transitions",
    "check_static_onset": "chaotic_transitions",
    # chapter 11
    "check_quiet_threshold": "phase_diagrams",
    "check_marginal_edge": "phase_diagrams",
    "check_region": "phase_diagrams",
    # chapter 2
    "check_half_life": "leaky_integrator",
    "check_lag_cutoff": "leaky_integrator",
    # chapter 3
    "check_gate_product": "scalar_gate",
    # chapter 4 (torch)
    "check_condition_number": "per_neuron_gates_and_adam",
    # chapter 5 (torch)
    "check_frozen_gate_ai": "anisotropy",
    "check_participation_ratio": "anisotropy",
    # clickable multiple-choice questions (live widgets or static HTML)
    "quiz": "quizzes",
    "Quiz": "quizzes",
    # the chapter modules themselves
    **{module: module for module in CHAPTER_MODULES},
}


def load_chapter_modules(until=None) -> None:
    """Import the chapter modules in :data:`CHAPTER_MODULES` order (registering their quizzes).

    With ``until`` (a predicate: a callable taking no argument), stop as soon as it is true;
    otherwise import them all. An import error propagates: a broken chapter module is never
    skipped.
    """
    if until is not None:
        from .._validation import check_callable

        check_callable(until, "until")
    for module in CHAPTER_MODULES:
        if until is not None and until():
            return
        _importlib.import_module(f"{__name__}.{module}")


#: modules renamed after their notebooks in 0.2: the old names still resolve (with a warning)
_DEPRECATED = {"dmft": "dmft", "transitions": "transitions", "adam": "adam"}

__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY, _DEPRECATED)


__all__ = [
    "CHAPTER_MODULES",
    "Feedback",
    "QUIZZES",
    "as_number",
    "check_critical_gain",
    "check_lyapunov_estimate",
    "check_quiz",
    "check_spectral_radius",
    "load_chapter_modules",
    "register_quizzes",
    *_LAZY,
]
