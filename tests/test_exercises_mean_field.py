"""Chapter-9 self-checks: right answers pass, typical wrong answers get the matching hint."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.exercises import mean_field as ex
from gatebook.meanfield import gaussian_average, scs_dmft, scs_lambda_max, scs_variance
from gatebook.meanfield.simulation import expected_window_variance


def _logcosh(x):
    x = np.abs(x)
    return x + np.log1p(np.exp(-2 * x)) - np.log(2.0)


def test_dmft_variance_check_accepts_an_independent_root():
    """The reader's route: bisection on the energy condition with Gaussian averages (not scs_variance)."""
    g = 2.5

    def energy(d0):
        m1 = gaussian_average(_logcosh, d0, method="grid")
        m2 = gaussian_average(lambda x: _logcosh(x) ** 2, d0, method="grid")
        return -0.5 * d0**2 + g * g * (m2 - m1**2)

    lo, hi = 0.1, g * g
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if energy(mid) > 0 else (lo, mid)
    assert ex.check_dmft_variance(0.5 * (lo + hi), g)
    assert not ex.check_dmft_variance(None, g)
    wrong = ex.check_dmft_variance(0.5 * (1 - 1 / g**2), g)
    assert not wrong and "small-amplitude" in wrong.message
    wrong = ex.check_dmft_variance(0.0, g)
    assert not wrong and "quiescent" in wrong.message
    wrong = ex.check_dmft_variance(1.02 * scs_variance(g), g)
    assert not wrong and "Close" in wrong.message
    wrong = ex.check_dmft_variance(1.0, g)
    assert not wrong and f"{scs_variance(g):.3f}" not in wrong.message


def test_soft_gate_lambda_check():
    """Reference = gated two-replica solver; the reader's route (chapter 1's solver at g_eff, tau_eff) passes."""
    right = 0.5 * scs_lambda_max(1.5)  # g_eff = 3/2, tau_eff = 2
    assert ex.check_soft_gate_lambda(right, 3.0)
    wrong = ex.check_soft_gate_lambda(scs_lambda_max(1.5), 3.0)
    assert not wrong and "clock" in wrong.message
    wrong = ex.check_soft_gate_lambda(0.5 * scs_lambda_max(3.0), 3.0)
    assert not wrong and "effective gain" in wrong.message
    assert not ex.check_soft_gate_lambda("0.02", 3.0)
    wrong = ex.check_soft_gate_lambda(0.5, 3.0)
    assert not wrong and f"{right:.3f}" not in wrong.message


def test_window_variance_check():
    g, T, delta = 2.0, 100.0, 0.5
    res = scs_dmft(g)
    t = delta * np.arange(int(T / delta) + 1)
    profile = np.interp(np.abs(t[:, None] - t[None, :]), res.lags[res.lags >= 0], res.autocorrelation[res.lags >= 0])
    right = res.variance - profile.mean()  # the reader's double sum
    assert ex.check_window_variance(right, g, T, delta)
    assert ex.check_window_variance(expected_window_variance(res, T), g, T, delta)  # continuous time also accepted
    wrong = ex.check_window_variance(res.variance, g, T, delta)
    assert not wrong and "Δ0 itself" in wrong.message
    wrong = ex.check_window_variance(1.1 * res.variance, g, T, delta)
    assert not wrong and "smaller" in wrong.message
    bias = res.variance - right
    wrong = ex.check_window_variance(res.variance - 2 * bias, g, T, delta)
    assert not wrong and "factor 2" in wrong.message
    wrong = ex.check_window_variance(0.5, g, T, delta)
    assert not wrong and f"{right:.3f}" not in wrong.message


def test_quizzes_are_registered_and_answerable():
    for name in ("dmft_factorise", "dmft_zero_mode"):
        quiz = gb.exercises.QUIZZES[name]
        assert gb.exercises.check_quiz(name, quiz["answer"])
        for letter in quiz["options"]:
            if letter != quiz["answer"]:
                assert not gb.exercises.check_quiz(name, letter)


def test_checks_are_reexported():
    assert gb.exercises.check_dmft_variance is ex.check_dmft_variance
    assert gb.exercises.check_window_variance is ex.check_window_variance


def test_bad_parameters_name_the_argument():
    with pytest.raises(ValueError, match=r"\bg\b"):
        ex.check_dmft_variance(1.0, g=1e12)  # used to fail in the root bracketing
    with pytest.raises(TypeError, match=r"\bbeta_r\b"):
        ex.check_soft_gate_lambda(0.1, beta_r="abc")
    with pytest.raises(ValueError, match=r"\bwindow\b"):
        ex.check_window_variance(0.5, window=1e12)  # used to raise MemoryError
    with pytest.raises(ValueError, match=r"\bsample_interval\b"):
        ex.check_window_variance(0.5, sample_interval=1e12)
