"""Self-checks for the chapters' exercises: helpful feedback instead of a bare right/wrong.

Each ``check_*`` function takes the reader's answer and returns a :class:`Feedback`,
which prints as a short message in a notebook (✅ or ❌ plus a hint). The checks compute
their reference answers with the tested library code, never from stored numbers.
One module per chapter; everything is re-exported here, so chapters call
``gb.exercises.check_...``. Multiple-choice questions are in :data:`QUIZZES` and are
answered with :func:`check_quiz`.

Chapter modules after chapter 1 are imported on first use (Part II's need torch).
"""

from .feedback import QUIZZES, Feedback, as_number, check_quiz, register_quizzes
from .random_networks import check_critical_gain, check_lyapunov_estimate, check_spectral_radius

#: Chapter modules loaded on first use, numpy-only Part III first, then Part II (torch):
#: a lookup stops at the first module that provides the name, so a Part III chapter
#: never pays for importing torch.
_CHAPTER_MODULES = (
    "gated_network",
    "timescales",
    "dimensionality",
    "dmft",
    "transitions",
    "phase_diagrams",
    "leaky_integrator",
    "scalar_gate",
    "adam",
    "anisotropy",
)
_loaded: set[str] = set()


def _load_chapter_modules(until=None):
    """Import chapter modules in order, re-exporting their ``__all__``.

    With ``until`` (a predicate), stop as soon as it is true; otherwise load them all.
    """
    import importlib

    for mod in _CHAPTER_MODULES:
        if until is not None and until():
            return
        if mod in _loaded:
            continue
        try:
            module = importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as err:  # a chapter module not written yet
            if err.name != f"{__name__}.{mod}":
                raise
            continue
        _loaded.add(mod)
        for name in getattr(module, "__all__", ()):
            globals()[name] = getattr(module, name)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    _load_chapter_modules(until=lambda: name in globals())
    if name in globals():
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Feedback",
    "QUIZZES",
    "as_number",
    "check_critical_gain",
    "check_lyapunov_estimate",
    "check_quiz",
    "check_spectral_radius",
    "register_quizzes",
]
