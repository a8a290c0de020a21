"""Chapter 2 self-checks: right answers pass, wrong ones fail with a hint that does not give the answer away."""

import math

import numpy as np
import pytest
import torch

from gatebook import exercises as ex
from gatebook.learning import kernels as K


@pytest.mark.parametrize("check", [ex.check_half_life, ex.check_lag_cutoff])
@pytest.mark.parametrize("answer, text", [(None, "No answer yet"), ("six", "single number"), (float("inf"), "inf")])
def test_missing_or_malformed_answers(check, answer, text):
    fb = check(answer)
    assert not fb and text in fb.message


@pytest.mark.parametrize("alpha", [0.1, 0.05, 0.3, 0.8])
def test_half_life_right_answer_passes(alpha):
    exact = math.log(2) / -math.log(1 - alpha)  # computed here, independently of the package
    assert ex.check_half_life(exact, alpha)
    assert ex.check_half_life(exact * 1.001, alpha)
    assert not ex.check_half_life(exact * 1.01, alpha)


def test_half_life_at_alpha_one():
    assert ex.check_half_life(0.0, 1.0)
    assert not ex.check_half_life(1.0, 1.0)


@pytest.mark.parametrize("wrong, hint", [
    (math.log(2) / 0.1, "small-α approximation"),
    (1 / 0.1, "time constant"),
    (-1 / math.log(0.9), "factor e"),
    (math.log(2) / -math.log(0.1), "carries 1 − α"),
    (-math.log(2) / -math.log(0.9), "negative"),
    (7.0, "whole number"),
    (3.0, "not right"),
])
def test_half_life_wrong_answers_get_specific_hints(wrong, hint):
    fb = ex.check_half_life(wrong, 0.1)
    assert not fb and hint in fb.message
    exact = math.log(2) / -math.log(0.9)
    assert f"{exact:.3f}" not in fb.message and f"{exact:.2f}" not in fb.message  # no answer given away


@pytest.mark.parametrize("alpha, fraction", [(0.15, 0.01), (0.1, 0.01), (0.5, 0.05), (0.02, 0.1)])
def test_lag_cutoff_right_answer_passes(alpha, fraction):
    # brute force, independent of the closed form
    lags = np.arange(5000)
    exact = int(np.argmax((1 - alpha) ** lags < fraction))
    assert ex.check_lag_cutoff(exact, alpha, fraction)
    assert ex.check_lag_cutoff(float(exact), alpha, fraction)
    assert not ex.check_lag_cutoff(exact + 1, alpha, fraction)


def test_lag_cutoff_measured_from_the_network_passes():
    # what the reader does: measure the lag weights of a linear leaky cell without recurrence
    gen = torch.Generator().manual_seed(0)
    u = torch.rand(4, 40, 4, generator=gen, dtype=torch.float64)
    y = torch.rand(4, 1, generator=gen, dtype=torch.float64)
    w = K.measured_lag_weights(0.15, u, y)
    answer = int(np.argmax(w / w[0] < 0.01))
    assert ex.check_lag_cutoff(answer, 0.15, 0.01)


@pytest.mark.parametrize("wrong, hint", [
    (28, "Off by one"),           # (0.85)^28 = 0.0105 is still above 1 %
    (17, "immediate rate"),       # 0.15 * 0.85^l < 0.01 (0.85^l < 1/15) without dividing by lag 0
    (31, "small-α estimate"),     # ceil(ln(100) / 0.15)
    (28.5, "whole number"),
    (-2, "never negative"),
    (10, "not it"),
])
def test_lag_cutoff_wrong_answers_get_hints(wrong, hint):
    fb = ex.check_lag_cutoff(wrong, 0.15, 0.01)
    assert not fb and hint in fb.message
    assert "29" not in fb.message


def test_quizzes():
    for name, right in [("leaky_sequence_time", "b"), ("leaky_recurrence", "c")]:
        quiz = ex.QUIZZES[name]
        assert quiz["answer"] == right
        assert ex.check_quiz(name, right)
        assert ex.check_quiz(name, right.upper() + " ")
        for letter in quiz["options"]:
            if letter != right:
                fb = ex.check_quiz(name, letter)
                assert not fb and quiz["hint"] in fb.message
        assert not ex.check_quiz(name, "?")


def test_bad_reference_arguments():
    with pytest.raises(ValueError, match="alpha"):
        ex.check_half_life(1.0, alpha=1.5)
    with pytest.raises(ValueError, match="fraction"):
        ex.check_lag_cutoff(3, alpha=0.5, fraction=0.0)
