"""Chapter-4 self-checks: right answers pass, typical mistakes get their own hint, nothing leaks the answer."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.exercises.per_neuron_gates_and_adam import check_condition_number

GATES = np.array([0.05, 0.12, 0.3, 0.5, 0.42])
LAG = 12


def test_right_answer_passes():
    kappa = (0.95 / 0.5) ** LAG  # independent closed form
    fb = check_condition_number(kappa, GATES, LAG)
    assert fb.passed and "cond(12)" in str(fb)
    assert check_condition_number(kappa * (1 + 1e-8), GATES, LAG).passed  # round-off is fine


@pytest.mark.parametrize(
    "answer, hint",
    [
        ((0.5 / 0.05) ** LAG, "gate values"),
        ((0.5 / 0.95) ** LAG, "Upside down"),
        (0.95 / 0.5, "one-step"),
        (0.5, "below 1"),
        ((0.95 / 0.5) ** (LAG - 1), "π_i"),
    ],
)
def test_typical_mistakes_get_a_hint_without_the_answer(answer, hint):
    fb = check_condition_number(answer, GATES, LAG)
    assert not fb.passed and hint in fb.message
    assert f"{(0.95 / 0.5) ** LAG:.4g}" not in fb.message


@pytest.mark.parametrize("answer", [None, "big", np.inf, True])
def test_missing_or_malformed_answers_fail_politely(answer):
    fb = check_condition_number(answer, GATES, LAG)
    assert not fb.passed and fb.message


def test_reexported_under_gb_exercises():
    assert gb.exercises.check_condition_number is check_condition_number


@pytest.mark.parametrize("name", ["adam_not_equivalent", "adam_first_order"])
def test_quizzes(name):
    quiz = gb.exercises.QUIZZES[name]
    right = quiz["answer"]
    assert gb.exercises.check_quiz(name, right).passed
    for letter in quiz["options"]:
        if letter != right:
            fb = gb.exercises.check_quiz(name, letter)
            assert not fb.passed and quiz["hint"] in fb.message
    assert not gb.exercises.check_quiz(name, "?").passed


def test_bad_parameters_name_the_argument():
    gates = np.linspace(0.05, 0.5, 8)
    with pytest.raises(TypeError, match=r"\blag\b"):
        check_condition_number(10.0, gates, None)
    with pytest.raises(ValueError, match=r"\blag\b"):
        check_condition_number(10.0, gates, 10**12)  # cond overflows
    with pytest.raises(TypeError, match=r"\bgates\b"):
        check_condition_number(10.0, "abc", 3)
