"""Lyapunov exponents: sign across the transition, sum rule, two estimators, fixed points."""

import numpy as np
import pytest

import gatebook as gb


def test_max_lyapunov_negative_below_and_positive_above_transition():
    for seed in (0, 1, 2):
        below = gb.max_lyapunov(gb.RandomRateNetwork(300, 0.5, seed=seed), t_transient=20, t_measure=60, seed=seed)
        above = gb.max_lyapunov(gb.RandomRateNetwork(300, 2.0, seed=seed), t_transient=50, t_measure=200, seed=seed)
        assert below.maximum < -0.3
        assert above.maximum > 0.03 and above.maximum > 4 * above.stderr[0]


def test_at_a_stable_fixed_point_lambda1_is_the_largest_real_eigenvalue():
    net = gb.RandomRateNetwork(200, 0.6, seed=4)
    res = gb.max_lyapunov(net, t_transient=40, t_measure=100, seed=4)
    eig = np.linalg.eigvals(gb.jacobian(net, np.zeros(net.N)))
    # The state sits at the origin after the transient; the tangent vector then grows at the
    # rate of the rightmost eigenvalue (an RK4 step with dt=0.1 shifts it by O(dt^4)).
    assert res.maximum == pytest.approx(eig.real.max(), abs=0.01)


def test_sum_of_full_spectrum_equals_time_averaged_trace():
    net = gb.RandomRateNetwork(60, 2.0, seed=6)
    res = gb.lyapunov_spectrum(net, k=60, t_transient=20, t_measure=100, seed=6)
    assert res.exponents[0] == res.exponents.max() and res.exponents[-1] == res.exponents.min()
    assert res.exponents.sum() == pytest.approx(res.mean_trace, rel=1e-4)
    assert res.max_log_growth_ratio < np.log(1e6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_qr_estimate_agrees_with_two_trajectory_estimate(seed):
    net = gb.RandomRateNetwork(300, 2.0, seed=seed)
    options = dict(t_transient=50, t_measure=300, seed=seed)
    qr = gb.max_lyapunov(net, **options)
    separation = gb.lyapunov_from_separation(net, **options)
    tolerance = 3 * np.hypot(qr.stderr[0], separation.stderr[0])
    assert abs(qr.maximum - separation.maximum) < tolerance
    assert qr.maximum > 0


def test_leading_exponents_stable_when_reorthonormalising_more_often():
    net = gb.RandomRateNetwork(100, 2.0, seed=1)
    a = gb.lyapunov_spectrum(net, k=5, t_transient=20, t_measure=100, reorth_every=10, seed=1)
    b = gb.lyapunov_spectrum(net, k=5, t_transient=20, t_measure=100, reorth_every=5, seed=1)
    np.testing.assert_allclose(a.exponents, b.exponents, atol=1e-8)


def test_euler_and_rk4_maps_agree_for_small_steps():
    net = gb.RandomRateNetwork(100, 2.0, seed=2)
    rk4 = gb.max_lyapunov(net, dt=0.05, t_transient=20, t_measure=100, seed=2)
    euler = gb.max_lyapunov(net, dt=0.01, t_transient=20, t_measure=100, method="euler", seed=2)
    # Same initial state; chaotic trajectories decorrelate, so compare within error bars.
    assert abs(rk4.maximum - euler.maximum) < 3 * np.hypot(rk4.stderr[0], euler.stderr[0]) + 0.01


def test_result_diagnostics_are_consistent():
    net = gb.RandomRateNetwork(80, 1.8, seed=0)
    res = gb.lyapunov_spectrum(net, k=3, t_transient=10, t_measure=50, seed=0, n_blocks=5)
    assert res.block_exponents.shape == (5, 3)
    np.testing.assert_allclose(res.block_exponents.mean(axis=0), res.exponents, atol=1e-12)
    np.testing.assert_allclose(res.running[-1], res.exponents, atol=1e-12)
    Q = res.final_vectors
    np.testing.assert_allclose(Q.T @ Q, np.eye(3), atol=1e-10)
    assert "k=3" in str(res)
    assert res.is_converged(1.0) and not res.is_converged(0.0)
