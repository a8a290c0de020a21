"""Shared machinery of the self-checks: :class:`Feedback`, number parsing and quizzes.

Every chapter's checks live in their own module of :mod:`gatebook.exercises` and register
their multiple-choice questions in :data:`QUIZZES`.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
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
    """Read the reader's ``answer`` as a finite float: ``(value, None)``, or ``(None, Feedback)``.

    ``answer`` may be anything the reader typed: ``None``, a string, an array or a non-finite
    number give a :class:`Feedback` that says what is expected (``what``, a short description)
    instead of an exception, so a self-check never fails with a traceback.

    >>> as_number(0.5, "a rate")
    (0.5, None)
    >>> as_number("0.5", "a rate")[1]
    ❌ Your answer should be a single number (a rate); got the string '0.5'.
    """
    if not isinstance(what, str):
        raise TypeError(f"what must be a string describing the expected answer, got {type(what).__name__}")
    if answer is None:
        return None, Feedback(False, f"No answer yet: replace None with {what}.")
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        # the type only (an array's repr could hold 'nan' and reads badly in a message)
        got = f"the string {answer!r}" if isinstance(answer, str) else f"a {type(answer).__name__}"
        return None, Feedback(False, f"Your answer should be a single number ({what}); got {got}.")
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


#: The fields every quiz of :data:`QUIZZES` has.
QUIZ_FIELDS = ("question", "options", "answer", "hint", "why")


def register_quizzes(quizzes: dict) -> None:
    """Add a chapter's quizzes to :data:`QUIZZES` (names must be new).

    ``quizzes`` maps a name (a string) to a quiz: a mapping with the fields
    :data:`QUIZ_FIELDS`, whose ``"options"`` map letters to answers and whose ``"answer"`` is
    one of those letters.
    """
    if not isinstance(quizzes, Mapping):
        raise TypeError(f"quizzes must be a mapping of name -> quiz, got {type(quizzes).__name__}")
    for name, quiz in quizzes.items():
        if not isinstance(name, str):
            raise TypeError(f"quizzes must be keyed by name strings, got {name!r}")
        if not isinstance(quiz, Mapping) or any(key not in quiz for key in QUIZ_FIELDS):
            raise TypeError(f"quizzes[{name!r}] must be a mapping with the fields {list(QUIZ_FIELDS)}")
        if not isinstance(quiz["options"], Mapping):
            raise TypeError(f"quizzes[{name!r}]['options'] must map letters to answers")
    clash = sorted(set(quizzes) & set(QUIZZES))
    if clash:
        raise ValueError(f"quiz names already registered: {clash}")
    for name, quiz in quizzes.items():
        if quiz["answer"] not in quiz["options"]:
            raise ValueError(f"quiz {name!r}: its answer {quiz['answer']!r} is not one of its options")
    QUIZZES.update(quizzes)


def check_quiz(name: str, answer: str) -> Feedback:
    """Multiple-choice self-check: ``check_quiz("reorthonormalise", "b")``.

    ``name`` is the quiz's name (a key of :data:`QUIZZES`); an unknown one is a
    :class:`ValueError`. A malformed ``answer`` gets a :class:`Feedback` asking for a letter.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be the name of a quiz (a string), got {type(name).__name__}")
    try:
        quiz = QUIZZES[name]
    except KeyError:
        raise ValueError(f"unknown quiz name {name!r}; choose one of {sorted(QUIZZES)}") from None
    if not isinstance(answer, str) or answer.strip().lower() not in quiz["options"]:
        return Feedback(False, f"Answer with one of the letters {sorted(quiz['options'])}.")
    if answer.strip().lower() == quiz["answer"]:
        return Feedback(True, quiz["why"])
    chosen = quiz["options"][answer.strip().lower()]
    return Feedback(False, f"Not quite: “{chosen}” does not explain it. {quiz['hint']}")
