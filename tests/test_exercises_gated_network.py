"""Chapter 6 self-checks: right answers pass, wrong ones fail with a hint that does not give the answer away."""

import numpy as np
import pytest

import gatebook as gb
from gatebook import exercises as ex

PARAMS = dict(g_h=4.0, beta_z=2.0, beta_r=1.0, tau_h=0.5)


def test_chapter_6_checks_are_reexported():
    assert ex.check_reduction is gb.exercises.gated_network.check_reduction
    assert "gated_gate_roles" in ex.QUIZZES


@pytest.mark.parametrize("answer, text", [(None, "No answer yet"), ("two", "single number"), (float("inf"), "inf")])
def test_missing_or_malformed_answers(answer, text):
    assert text in ex.check_reduction(answer, 1.0, **PARAMS).message
    assert text in ex.check_reduction(1.0, answer, **PARAMS).message
    fb = ex.check_quiescent_threshold(answer, 1.0)
    assert not fb and text in fb.message


def test_reduction_against_the_reduced_network():
    g_eff, tau_eff = 4.0 / (1 + np.e), 0.5 * (1 + np.exp(2.0))
    fb = ex.check_reduction(g_eff, tau_eff, **PARAMS)
    assert fb and "above 1" in fb.message  # 1.076: chaotic
    assert "below 1" in ex.check_reduction(2 / (1 + np.e), tau_eff, **dict(PARAMS, g_h=2.0)).message
    cases = {
        (4.0 / (1 + np.exp(-1.0)), tau_eff): "sign of β",
        (4.0 * (1 + np.e), tau_eff): "between 0 and 1",
        (4.0 / (1 + np.exp(2.0)), tau_eff): "which gate",
        (g_eff, 0.5 / (1 + np.exp(2.0))): "longer than τ_h",
        (g_eff, 0.5 * (1 + np.exp(-2.0))): "sign of β_z",
        (g_eff, 7.0): "divide both sides",
        (3.3, tau_eff): "at rest",
    }
    for (g, tau), words in cases.items():
        fb = ex.check_reduction(g, tau, **PARAMS)
        assert not fb and words in fb.message, (g, tau, fb.message)
        assert f"{g_eff:.3g}" not in fb.message and f"{tau_eff:.3g}" not in fb.message


@pytest.mark.parametrize("beta_r", [0.0, 1.0, 2.0])
def test_quiescent_threshold_large_N(beta_r):
    thr = 1 + np.exp(beta_r)
    assert ex.check_quiescent_threshold(thr, beta_r)
    assert ex.check_quiescent_threshold(1.005 * thr, beta_r)
    low, high = ex.check_quiescent_threshold(0.8 * thr, beta_r), ex.check_quiescent_threshold(1.2 * thr, beta_r)
    assert not low and "still to the left" in low.message
    assert not high and "already crossed" in high.message
    assert "gate value s_r" in ex.check_quiescent_threshold(1 / thr, beta_r).message
    if beta_r:
        assert "sign" in ex.check_quiescent_threshold(1 + np.exp(-beta_r), beta_r).message


def test_quiescent_threshold_of_a_finite_network():
    N, beta_r, seed = 120, 1.5, 8
    net = gb.GatedNetwork(N, 1.0, beta_r=beta_r, seed=seed)
    exact = 1 / (net.s_r * np.linalg.eigvals(net.couplings_h).real.max())  # independent of gatebook.quiescent
    fb = ex.check_quiescent_threshold(exact, beta_r, N=N, seed=seed)
    assert fb and "%" in fb.message
    assert abs(exact / (1 + np.exp(beta_r)) - 1) > 0.01  # the finite-N value is distinguishable here
    large = ex.check_quiescent_threshold(1 + np.exp(beta_r), beta_r, N=N, seed=seed)
    assert not large and "large-N" in large.message
    assert not ex.check_quiescent_threshold(exact * 1.001, beta_r, N=N, seed=seed)
    with pytest.raises(ValueError, match="seed"):
        ex.check_quiescent_threshold(exact, beta_r, N=N)
    with pytest.raises(ValueError, match="N"):
        ex.check_quiescent_threshold(exact, beta_r, N=0, seed=1)


@pytest.mark.parametrize("name, right, words", [
    ("gated_gate_roles", "b", "z is the GRU update gate"),
    ("gated_alpha_z_threshold", "c", "Nothing"),
    ("gated_placement", "a", "Yes"),
])
def test_chapter_6_quizzes_accept_the_right_letter_only(name, right, words):
    quiz = ex.QUIZZES[name]
    assert quiz["options"][right].startswith(words)
    assert ex.check_quiz(name, right) and ex.check_quiz(name, right.upper())
    wrong = [ex.check_quiz(name, k) for k in quiz["options"] if k != right]
    assert len(wrong) == 2 and not any(wrong) and all(quiz["hint"] in fb.message for fb in wrong)


def test_the_placement_quiz_is_true_of_the_model():
    # the claim behind "gated_placement": identical Jacobians at the origin for both placements
    zero = np.zeros(60)
    pre = gb.GatedNetwork(20, 3.0, alpha_r=5.0, beta_r=0.7, r_gate="pre", seed=1).jacobian(zero)
    post = gb.GatedNetwork(20, 3.0, alpha_r=5.0, beta_r=0.7, r_gate="post", seed=1).jacobian(zero)
    np.testing.assert_allclose(pre, post, rtol=1e-14, atol=1e-16)
