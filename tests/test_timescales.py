"""Speed and local timescales of chapter 7: the speed against the h-equation written out
directly (static and pulsed inputs, single and batched trajectories), closed forms for the
linear networks, and the exact global clock tau_h (1 + e^beta_z) at alpha_z = 0."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.gated_network import GatedNetwork
from gatebook.inputs import pulses
from gatebook.timescales import closed_fraction, local_timescales, rms_speed, speed

PARAMS = dict(alpha_z=1.7, alpha_r=2.3, beta_z=0.4, beta_r=-0.6, g_z=1.3, g_r=0.8, tau_h=0.9, tau_z=1.6, tau_r=0.7)


def _manual_hdot(net, x, I):
    """h-equation written out from the model definition (presynaptic r-gate, input inside)."""
    N = net.N
    h, z, r = x[..., :N], x[..., N : 2 * N], x[..., 2 * N :]
    sz = 1.0 / (1.0 + np.exp(-net.alpha_z * z + net.beta_z))
    sr = 1.0 / (1.0 + np.exp(-net.alpha_r * r + net.beta_r))
    rec = (sr * np.tanh(h)) @ (net.g_h * net.couplings_h).T
    return sz * (-h + rec + I) / net.tau_h


def test_speed_with_static_inputs_equals_the_h_equation():
    rng = np.random.default_rng(0)
    net = GatedNetwork(25, 2.5, seed=1, input_h=rng.standard_normal(25), input_z=0.3, input_r=-0.2, **PARAMS)
    traj = gb.simulate(net, t_max=6.0, dt=0.1, record_every=3, seed=2)
    s = speed(net, traj)
    expected = np.linalg.norm(_manual_hdot(net, traj.states, net.input_h), axis=-1)
    assert s.shape == (traj.states.shape[0],)
    np.testing.assert_allclose(s, expected, rtol=1e-12)
    # the (states, times) pair gives the same numbers as the Trajectory
    np.testing.assert_array_equal(speed(net, (traj.states, traj.times)), s)
    # RMS over records of ||hdot|| / sqrt(N)
    assert rms_speed(net, traj) == pytest.approx(np.sqrt(np.mean(expected**2) / net.N), rel=1e-12)


@pytest.mark.parametrize("trials", [None, 3])
def test_speed_with_pulsed_inputs_uses_each_record_time(trials):
    N = 20
    pattern = np.random.default_rng(4).standard_normal(N)
    I = pulses([1.0, 2.5], width=0.6, amplitude=[2.0, -1.5], pattern=pattern)
    net = GatedNetwork(N, 2.0, seed=5, input_h=I, input_z=pulses(2.0, 0.5, amplitude=3.0), **PARAMS)
    x0 = None if trials is None else net.initial_state(seed=6, trials=trials)
    traj = gb.simulate(net, t_max=4.0, dt=0.05, x0=x0, record_every=2, seed=6)
    s = speed(net, traj)
    assert s.shape == traj.states.shape[:-1]
    expected = np.stack([np.linalg.norm(_manual_hdot(net, x, I(t)), axis=-1) for x, t in zip(traj.states, traj.times)])
    np.testing.assert_allclose(s, expected, rtol=1e-12)
    # the pulses matter: evaluating every record at t = 0 (no pulse) gives other speeds
    at_zero = speed(net, (traj.states, np.zeros_like(traj.times)))
    during = (traj.times >= 1.0) & (traj.times < 1.6)
    assert np.all(np.abs(at_zero[during] - s[during]) > 1e-3)
    np.testing.assert_allclose(at_zero[traj.times < 1.0], s[traj.times < 1.0], rtol=1e-13)
    if trials is not None:  # each trial of the batch equals its own single trajectory
        for b in range(trials):
            single = gb.simulate(net, t_max=4.0, dt=0.05, x0=x0[b], record_every=2)
            np.testing.assert_allclose(s[:, b], speed(net, single), rtol=1e-10)


def test_speed_and_rms_speed_in_closed_form_for_linear_networks():
    # g = 0: chapter 1's network decays as x' = -x / tau, so ||x'|| = ||x|| / tau (whole state)
    net = gb.RandomRateNetwork(N=30, g=0.0, tau=2.0, seed=0)
    traj = gb.simulate(net, t_max=5.0, dt=0.1, seed=1)
    np.testing.assert_allclose(speed(net, traj), np.linalg.norm(traj.states, axis=-1) / 2.0, rtol=1e-13)
    # g_h = 0, alpha_z = 0: h' = -s_z h / tau_h with s_z = 1 / (1 + e^beta_z) (h-block only)
    gated = GatedNetwork(30, 0.0, beta_z=1.2, tau_h=0.5, seed=0)
    traj = gb.simulate(gated, t_max=3.0, dt=0.1, seed=2)
    h = traj.states[:, :30]
    s_z = 1.0 / (1.0 + np.exp(1.2))
    np.testing.assert_allclose(speed(gated, traj), s_z * np.linalg.norm(h, axis=-1) / 0.5, rtol=1e-13)
    assert rms_speed(gated, traj) == pytest.approx(s_z / 0.5 * np.sqrt(np.mean(h**2)), rel=1e-12)


def test_speed_of_a_float32_trajectory_matches_float64():
    net = GatedNetwork(40, 3.0, seed=3, **PARAMS)
    traj = gb.simulate(net, t_max=3.0, dt=0.1, seed=4, dtype=np.float32)
    s = speed(net, traj)  # the float32 states are evaluated in float64
    assert s.dtype == np.float64
    np.testing.assert_array_equal(s, speed(net, (traj.states.astype(np.float64), traj.times)))
    assert local_timescales(net, traj.states).dtype == np.float64


@pytest.mark.parametrize("beta_z", [-2.0, 0.0, 1.5, 4.0])
def test_local_timescales_at_alpha_z_zero_are_the_global_clock(beta_z):
    params = dict(PARAMS, alpha_z=0.0, beta_z=beta_z)
    net = GatedNetwork(30, 3.0, seed=7, **params)
    traj = gb.simulate(net, t_max=5.0, dt=0.1, record_every=5, seed=8)
    tau = local_timescales(net, traj.states)
    assert tau.shape == (traj.states.shape[0], 30)
    assert np.ptp(tau) == 0.0  # one value for every unit and every time
    np.testing.assert_allclose(tau, net.tau_h * (1.0 + np.exp(beta_z)), rtol=1e-14)
    # a gate at s_z = 1 / (1 + e^4) ≈ 0.018 counts as closed for a threshold of 0.05
    assert closed_fraction(net, traj, threshold=0.05) == (1.0 if beta_z == 4.0 else 0.0)


def test_local_timescales_with_a_moving_gate_follow_z():
    net = GatedNetwork(30, 3.0, seed=7, **dict(PARAMS, alpha_z=8.0))
    traj = gb.simulate(net, t_max=20.0, dt=0.1, record_every=10, seed=8, x0=None)
    z = traj.states[:, 30:60]
    direct = net.tau_h * (1.0 + np.exp(-8.0 * z + net.beta_z))
    tau = local_timescales(net, traj)
    np.testing.assert_allclose(tau, direct, rtol=1e-12)
    assert tau.min() >= net.tau_h and np.log10(tau.max() / tau.min()) > 2  # broad distribution
    # one state and a batch of trials give the matching shapes
    assert local_timescales(net, traj.states[-1]).shape == (30,)
    assert local_timescales(net, traj.states[:, None, :]).shape == (traj.states.shape[0], 1, 30)
    for threshold in (0.01, 0.1, 0.5):
        assert closed_fraction(net, traj.states, threshold) == np.mean(net.tau_h / direct < threshold)


def test_bad_input():
    net = GatedNetwork(10, 2.0, seed=0)
    traj = gb.simulate(net, t_max=1.0, dt=0.1, seed=0)
    with pytest.raises(TypeError, match="trajectory"):
        speed(net, traj.states)
    with pytest.raises(ValueError, match="swap"):
        speed(net, (traj.times, traj.states))
    with pytest.raises(ValueError, match="times must have shape"):
        speed(net, (traj.states, traj.times[:-1]))
    with pytest.raises(ValueError, match="states must have shape"):
        speed(net, (traj.states[:, :20], traj.times))
    bad = traj.states.copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        rms_speed(net, (bad, traj.times))
    with pytest.raises(TypeError, match="model"):
        speed(object(), traj)
    with pytest.raises(TypeError, match="GatedNetwork"):
        local_timescales(gb.RandomRateNetwork(N=30, g=1.0, seed=0), traj.states)
    with pytest.raises(ValueError, match="states must have shape"):
        local_timescales(net, traj.states[:, :-1])
    with pytest.raises(TypeError, match="states"):
        closed_fraction(net, "abc")
    for threshold, exc in [(0.0, ValueError), (1.5, ValueError), (np.nan, ValueError), ("x", TypeError)]:
        with pytest.raises(exc, match="threshold"):
            closed_fraction(net, traj.states, threshold)
