"""Chapter-5 self-checks accept right answers, reject wrong ones, and give hints that fit the mistake."""

import numpy as np
import pytest

import gatebook as gb
from gatebook import exercises as ex

GATES = np.linspace(0.05, 0.5, 32)


@pytest.mark.parametrize("check", [lambda a: ex.check_frozen_gate_ai(a, GATES, 12),
                                   lambda a: ex.check_participation_ratio(a, [3.0, 2.0, 1.0])])
@pytest.mark.parametrize("answer, text", [(None, "No answer yet"), ("ten", "single number"), (float("inf"), "inf")])
def test_missing_or_malformed_answers(check, answer, text):
    fb = check(answer)
    assert not fb and text in fb.message


def test_frozen_gate_ai():
    c = np.sort(1 - GATES)[::-1]
    right = (c[0] / c[9]) ** 12  # computed here from the definition, independently of the package
    assert ex.check_frozen_gate_ai(right, GATES, 12)
    assert ex.check_frozen_gate_ai(right * (1 + 1e-9), GATES, 12)
    assert not ex.check_frozen_gate_ai(right * 1.01, GATES, 12)
    u = np.sort(GATES)[::-1]
    hints = {
        (u[0] / u[9]) ** 12: "carry",
        c[0] / c[9]: "12 factors",
        (c[0] / c[-1]) ** 12: "smallest carry",
        1 / right: "Upside down",
        3.0: "Sort the carries",
    }
    for wrong, hint in hints.items():
        fb = ex.check_frozen_gate_ai(wrong, GATES, 12)
        assert not fb and hint in fb.message, (wrong, fb.message)
    assert ex.check_frozen_gate_ai((c[0] / c[4]) ** 3, GATES, 3, r=5)


def test_participation_ratio():
    s = gb.learning.anisotropy.frozen_gate_anisotropy(GATES, [8])["singular_values"][0]
    right = np.sum(s**2) ** 2 / np.sum(s**4)
    assert ex.check_participation_ratio(right, s)
    assert ex.check_participation_ratio(len(s), np.ones(len(s)))  # flat spectrum: every direction counts
    hints = {
        np.sum(s) ** 2 / np.sum(s**2): "squares",
        1 / right: "Upside down",
        float(gb.spectra.effective_rank(s)): "effective rank",
        0.5: "between 1",
    }
    for wrong, hint in hints.items():
        fb = ex.check_participation_ratio(wrong, s)
        assert not fb and hint in fb.message, (wrong, fb.message)


@pytest.mark.parametrize("name", ["aniso_renormalise", "aniso_columns"])
def test_quizzes(name):
    quiz = ex.QUIZZES[name]
    assert ex.check_quiz(name, quiz["answer"])
    for letter in quiz["options"]:
        if letter != quiz["answer"]:
            fb = ex.check_quiz(name, letter)
            assert not fb and quiz["hint"] in fb.message
    assert not ex.check_quiz(name, "?")


def test_bad_parameters_name_the_argument():
    with pytest.raises(TypeError, match=r"\blag\b"):
        ex.check_frozen_gate_ai(1.5, GATES, 2.5)
    with pytest.raises(ValueError, match=r"\br\b"):
        ex.check_frozen_gate_ai(1.5, GATES[:3], 2, r=4)
    with pytest.raises(ValueError, match=r"\blag\b"):
        ex.check_frozen_gate_ai(1.5, GATES, 10**12)  # AI overflows
    with pytest.raises(TypeError, match=r"\bs\b"):
        ex.check_participation_ratio(2.0, "abc")
