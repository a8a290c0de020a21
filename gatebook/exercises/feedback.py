"""Shared machinery of the self-checks: :class:`Feedback`, number parsing and quizzes.

Every chapter's checks live in their own module of :mod:`gatebook.exercises` and register
their multiple-choice questions in :data:`QUIZZES`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "QUIZZES", "check_quiz", "register_quizzes", "as_number"]


@dataclass(frozen=True)
class Feedback:
    """Outcome of a self-check: ``passed`` and a message for the reader."""

    passed: bool
    message: str

    def __str__(self) -> str:
        return ("✅ " if self.passed else "❌ ") + self.message

    def __bool__(self) -> bool:
        return self.passed

    def _repr_markdown_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return str(self)


def as_number(answer, what: str):
    if answer is None:
        return None, Feedback(False, f"No answer yet: replace None with {what}.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return None, Feedback(False, f"Your answer should be a single number ({what}); got {answer!r}.")
    value = float(answer)
    if not np.isfinite(value):
        return None, Feedback(False, f"Your answer is {value}: check for a division by zero or an overflow.")
    return value, None


class _QuizRegistry(dict):
    """A dict that imports the chapter modules (which register their quizzes) on a miss."""

    def __missing__(self, name):
        from . import load_chapter_modules

        load_chapter_modules(until=lambda: dict.__contains__(self, name))
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        raise KeyError(f"unknown quiz {name!r}; choose one of {sorted(self)}")


#: Every multiple-choice question of the book, keyed by a short name.
QUIZZES: dict = _QuizRegistry()


def register_quizzes(quizzes: dict) -> None:
    """Add a chapter's quizzes to :data:`QUIZZES` (names must be new)."""
    clash = sorted(set(quizzes) & set(QUIZZES))
    if clash:
        raise ValueError(f"quiz names already registered: {clash}")
    for name, quiz in quizzes.items():
        if quiz["answer"] not in quiz["options"]:
            raise ValueError(f"quiz {name!r}: its answer {quiz['answer']!r} is not one of its options")
    QUIZZES.update(quizzes)


def check_quiz(name: str, answer: str) -> Feedback:
    """Multiple-choice self-check: ``check_quiz("reorthonormalise", "b")``."""
    try:
        quiz = QUIZZES[name]
    except KeyError:
        raise ValueError(f"unknown quiz {name!r}; choose one of {sorted(QUIZZES)}") from None
    if not isinstance(answer, str) or answer.strip().lower() not in quiz["options"]:
        return Feedback(False, f"Answer with one of the letters {sorted(quiz['options'])}.")
    if answer.strip().lower() == quiz["answer"]:
        return Feedback(True, quiz["why"])
    chosen = quiz["options"][answer.strip().lower()]
    return Feedback(False, f"Not quite: “{chosen}” does not explain it. {quiz['hint']}")
