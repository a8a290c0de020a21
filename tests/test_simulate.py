"""Integrators and the simulate() driver: convergence order, batching, precision, records."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.simulate import global_error


@pytest.fixture(scope="module")
def net():
    return gb.RandomRateNetwork(60, 1.6, seed=11)


def _slope(dts, errors):
    return np.polyfit(np.log(dts), np.log(errors), 1)[0]


def test_rk4_is_fourth_order_and_euler_first_order(net):
    x0 = net.initial_state(seed=5)
    dts = np.array([0.2, 0.1, 0.05, 0.025])
    assert 3.8 < _slope(dts, global_error(net, x0, 4.0, dts, "rk4")) < 4.2
    assert 0.9 < _slope(dts, global_error(net, x0, 4.0, dts, "euler")) < 1.1


def test_batched_trials_equal_independent_runs(net):
    X0 = net.initial_state(seed=1, trials=3)
    batch = gb.simulate(net, 5.0, 0.1, x0=X0, record_every=5)
    assert batch.states.shape == (11, 3, net.N)
    for i in range(3):
        single = gb.simulate(net, 5.0, 0.1, x0=X0[i], record_every=5)
        np.testing.assert_allclose(batch.states[:, i], single.states, rtol=1e-12, atol=1e-12)


def test_float32_tracks_float64_over_short_times(net):
    x0 = net.initial_state(seed=2)
    x64 = gb.simulate(net, 5.0, 0.1, x0=x0).states
    x32 = gb.simulate(net, 5.0, 0.1, x0=x0, dtype=np.float32).states
    assert x32.dtype == np.float32
    assert np.abs(x32 - x64).max() < 1e-4


def test_records_times_and_initial_state(net):
    x0 = net.initial_state(seed=3)
    t, x = gb.simulate(net, t_max=2.0, dt=0.1, x0=x0, record_every=4)
    np.testing.assert_allclose(t, [0.0, 0.4, 0.8, 1.2, 1.6, 2.0])
    np.testing.assert_array_equal(x[0], x0)
    full = gb.simulate(net, t_max=2.0, dt=0.1, x0=x0).states
    np.testing.assert_array_equal(x[-1], full[-1])


def test_seeded_initial_state_is_reproducible(net):
    a = gb.simulate(net, 1.0, 0.1, seed=9).states
    b = gb.simulate(net, 1.0, 0.1, seed=9).states
    np.testing.assert_array_equal(a, b)


def test_subcritical_activity_decays_and_supercritical_persists():
    quiet = gb.simulate(gb.RandomRateNetwork(300, 0.5, seed=0), 60.0, 0.1, seed=0).states
    chaotic = gb.simulate(gb.RandomRateNetwork(300, 2.0, seed=0), 60.0, 0.1, seed=0).states
    # Below g=1 the slowest mode decays at rate ~1-g=0.5: e^{-30} after 60 time units.
    assert np.abs(quiet[-1]).max() < 1e-6
    assert chaotic[-200:].std() > 0.3


def test_divergence_is_reported_not_silent():
    net = gb.RandomRateNetwork(10, 1.0, tau=0.01, seed=0)
    with pytest.raises(FloatingPointError, match="reduce dt"):
        gb.simulate(net, 1000.0, 1.0, method="euler", seed=0)
