"""Chapter-7 self-checks: right answers pass, typical wrong answers get the matching hint."""

import numpy as np
import pytest
from scipy.special import expit

import gatebook as gb
from gatebook.exercises import timescales as ex


def test_local_timescale_check():
    for beta_z, tau_h in [(0.0, 1.0), (1.5, 1.0), (-1.0, 2.0)]:
        right = tau_h * (1 + np.exp(beta_z))
        assert ex.check_local_timescale(right, beta_z, tau_h)
    assert not ex.check_local_timescale(None, 1.0)
    assert not ex.check_local_timescale("2", 1.0)
    wrong = ex.check_local_timescale(1 / (1 + np.exp(1.0)), 1.0)  # multiplied by the gate
    assert not wrong and "divide" in wrong.message
    wrong = ex.check_local_timescale(1 + np.exp(-1.0), 1.0)  # wrong sign of beta
    assert not wrong and "sign" in wrong.message
    wrong = ex.check_local_timescale(7.0, 1.0)
    assert not wrong and f"{1 + np.e:.3f}" not in wrong.message  # the hint does not give the answer away


def test_local_timescale_reference_is_what_a_simulation_shows():
    # at alpha_z = 0 every local timescale along a chaotic trajectory equals tau_h (1 + e^beta_z)
    net = gb.GatedNetwork(50, 3.0, beta_z=0.7, tau_h=1.5, seed=0)
    traj = gb.simulate(net, 10.0, 0.1, seed=1, record_every=10)
    np.testing.assert_allclose(gb.local_timescales(net, traj.states), 1.5 * (1 + np.exp(0.7)), rtol=1e-12)
    assert ex.check_local_timescale(1.5 * (1 + np.exp(0.7)), 0.7, 1.5)


def test_leak_rate_check():
    alpha_z, z, beta_z = 20.0, -0.3, 0.5
    exact = expit(alpha_z * z - beta_z)
    assert ex.check_leak_rate(exact, alpha_z, z, beta_z)
    assert ex.check_leak_rate(np.exp(-alpha_z * abs(z) - beta_z), alpha_z, z, beta_z)  # the approximation
    assert ex.check_leak_rate(exact / 2.0, alpha_z, z, beta_z, tau_h=2.0)
    wrong = ex.check_leak_rate(1 / exact, alpha_z, z, beta_z)
    assert not wrong and "time" in wrong.message
    wrong = ex.check_leak_rate(np.exp(alpha_z * abs(z) + beta_z), alpha_z, z, beta_z)  # sign of the exponent
    assert not wrong and "exponent" in wrong.message
    assert not ex.check_leak_rate(0.5, alpha_z, z, beta_z)
    with pytest.raises(ValueError, match="z must be negative"):
        ex.check_leak_rate(0.1, 20.0, 0.2)


def test_leak_rate_is_the_decay_of_a_frozen_gate_unit():
    # one unit, g_h = 0, z held fixed by g_z = 0 and a constant drive I^z = z (tau_z dz/dt = -z + I^z):
    # h decays exactly as exp(-sigma_z t / tau_h)
    alpha_z, z = 10.0, -0.4
    net = gb.GatedNetwork(1, 0.0, alpha_z=alpha_z, g_z=0.0, seed=0, input_z=z)
    traj = gb.simulate(net, 20.0, 0.05, x0=np.array([1.0, z, 0.0]))
    rate = -np.log(traj.states[-1, 0]) / 20.0
    assert ex.check_leak_rate(rate, alpha_z, z)
    assert rate == pytest.approx(expit(alpha_z * z), rel=1e-8)


def test_marginal_count_check():
    n_marginal, n_closed = ex.marginal_count(60, 3.0, 20.0, seed=1)
    assert n_marginal > 0
    assert ex.check_marginal_count(n_marginal, N=60, seed=1)
    assert not ex.check_marginal_count(None, N=60, seed=1)
    wrong = ex.check_marginal_count(n_marginal + 7, N=60, seed=1)
    assert not wrong and str(n_marginal) not in wrong.message
    zero = ex.marginal_count(60, 3.0, 0.0, seed=1)[0]
    if zero != n_marginal:
        assert "α_z = 0" in ex.check_marginal_count(zero, N=60, seed=1).message


def test_quizzes_are_registered_and_answerable():
    for name in ("ts_fixed_points", "ts_inside_write"):
        quiz = gb.exercises.QUIZZES[name]
        assert gb.exercises.check_quiz(name, quiz["answer"])
        wrong = next(k for k in quiz["options"] if k != quiz["answer"])
        assert not gb.exercises.check_quiz(name, wrong)
    assert gb.exercises.check_local_timescale is ex.check_local_timescale


def test_bad_parameters_name_the_argument():
    with pytest.raises(ValueError, match=r"\bbeta_z\b"):
        ex.check_local_timescale(2.0, beta_z=1e12)  # the reference overflowed to inf
    with pytest.raises(ValueError, match=r"\bN\b"):
        ex.check_marginal_count(3, N=10**12)
    with pytest.raises(ValueError, match=r"\bseed\b"):
        ex.check_marginal_count(3, N=8, g_h=1e12)  # Newton fails: a ValueError, not a RuntimeError
