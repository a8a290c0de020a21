"""Chapter-10 self-checks: right answers pass, wrong ones fail with a hint that does not give the answer."""

import numpy as np
import pytest

import gatebook as gb
from gatebook import transitions
from gatebook.meanfield import fixed_point_onset


def test_quiet_exponent_check():
    ex = gb.exercises
    right = 0.5 * (1.9 * 0.5 - 1.0)  # (s_z / tau_h)(g_h s_r - 1), by hand
    assert ex.check_quiet_exponent(right, g_h=1.9).passed
    assert ex.check_quiet_exponent(0.5 * (3.0 / (1 + np.e) - 1), g_h=3.0, beta_r=1.0).passed
    missing_sz = ex.check_quiet_exponent(1.9 * 0.5 - 1.0, g_h=1.9)
    assert not missing_sz.passed and "s_z" in missing_sz.message
    missing_sr = ex.check_quiet_exponent(0.5 * 0.9, g_h=1.9)
    assert not missing_sr.passed and "s_r" in missing_sr.message
    other = ex.check_quiet_exponent(0.3, g_h=1.9)
    assert not other.passed and f"{right:.4f}" not in other.message
    assert not ex.check_quiet_exponent(None, g_h=1.9).passed
    assert not ex.check_quiet_exponent("x", g_h=1.9).passed


def test_static_onset_check():
    ex = gb.exercises
    delta = np.geomspace(1e-4, 1e2, 400)  # the solution's grid recipe
    g_topo = 1.0 / np.sqrt(transitions.loop_gain(delta, 1.0, 20.0).max())
    assert ex.check_static_onset(g_topo, alpha_r=20.0).passed
    quiet = ex.check_static_onset(2.0, alpha_r=20.0)
    assert not quiet.passed and "quiet-state" in quiet.message
    squared = ex.check_static_onset(fixed_point_onset(20.0) ** 2, alpha_r=20.0)
    assert not squared.passed and "inverse square root" in squared.message
    wrong = ex.check_static_onset(1.2, alpha_r=20.0)
    assert not wrong.passed and f"{fixed_point_onset(20.0):.3f}" not in wrong.message
    assert not ex.check_static_onset(np.nan, alpha_r=20.0).passed


@pytest.mark.parametrize("name, right", [("transitions_jump", "b"), ("transitions_input", "c")])
def test_quizzes(name, right):
    quiz = gb.exercises.QUIZZES[name]
    assert quiz["answer"] == right
    assert gb.exercises.check_quiz(name, right).passed
    for letter in quiz["options"]:
        if letter != right:
            assert not gb.exercises.check_quiz(name, letter).passed
