"""The alpha_z sweep of chapter 7: the gated network slows down as the timescale gate sharpens.

Statistical claims use N = 150, g_h = 4 (chaotic at alpha_z = 0; at this size g_h = 3 networks
often settle on fixed points or cycles), seeds 0, 1, 2, a transient of 100 tau_h (the slow
network keeps slowing down) and a window of 100 tau_h.
"""

import numpy as np
import pytest

import gatebook as gb
from gatebook.slow_modes import QUANTITIES, SlowingSweep, drift_limit, measure_slowing, slowing_sweep

SEEDS = (0, 1, 2)
OPTIONS = dict(N=150, g_h=4.0, t_transient=100.0, t_measure=100.0, t_lyapunov=40.0, n_eig=2)


@pytest.fixture(scope="module")
def sweep():
    return slowing_sweep([0.0, 20.0], seeds=SEEDS, **OPTIONS)


def test_speed_drops_by_more_than_an_order_of_magnitude(sweep):
    v = sweep.data("rms_speed")
    assert np.all(v[:, 0] > 10 * v[:, 1])
    assert sweep.ratio("rms_speed") > 10


def test_correlation_time_grows_to_the_window_limit(sweep):
    tau = sweep.data("decay_time")
    limit = sweep.measurement(20.0).drift_limit
    # alpha_z = 0: chaos decorrelates well within the window
    assert np.all(tau[:, 0] < 0.6 * limit)
    # alpha_z = 20: the activity only drifts over the window (within 20 % of a straight line)
    assert np.all(tau[:, 1] > 0.8 * limit)


def test_drift_limit_is_the_decay_time_of_a_straight_line():
    # independent computation: the continuous-time autocovariance of x(t) = t on [0, T] (mean over
    # the whole window removed, 1/(T - s) normalisation) on a fine grid, and its 1/e crossing
    T = 400.0
    t = np.linspace(0.0, T, 40_001)
    x = t - t.mean()

    def C(s):
        k = int(round(s / (t[1] - t[0])))
        return np.mean(x[: t.size - k] * x[k:])

    s_grid = np.linspace(0.0, T / 2, 2001)
    r = np.array([C(s) for s in s_grid]) / C(0.0)
    expected = np.interp(-np.exp(-1.0), -r, s_grid)
    assert drift_limit(401, 1.0) == pytest.approx(expected, rel=5e-3)
    assert drift_limit(101, 2.0) == pytest.approx(2.0 * drift_limit(101, 1.0))


def test_lambda_max_is_consistent_with_zero_at_large_alpha_z(sweep):
    lam, se = sweep.data("lambda_max")[:, 1], sweep.data("lambda_stderr")[:, 1]
    assert np.all(np.abs(lam) < 3 * se + 0.01)


def test_near_zero_eigenvalues_track_the_closed_gates(sweep):
    near, closed = sweep.data("near_zero_fraction"), sweep.data("closed_fraction")
    # alpha_z = 0: every gate sits at s_z = 1/2, none is closed
    np.testing.assert_array_equal(closed[:, 0], 0.0)
    assert np.all(near[:, 0] < 0.05)
    # alpha_z = 20: a large fraction of closed units, each with its eigenvalue near zero
    assert np.all(closed[:, 1] > 0.2)
    np.testing.assert_allclose(near[:, 1], closed[:, 1], atol=0.08)


def test_each_closed_unit_brings_one_eigenvalue_near_zero():
    # With g_z = 0 nothing drives z, and a unit whose z is far below threshold has
    # sigma_z = sigma_z' = e^{-40} (alpha_z = 20, z = -2): its row of the h-block and its entry of
    # the hz-block vanish to that precision, so the Jacobian has one eigenvalue within ~e^{-40}
    # of zero per closed unit and none elsewhere (open units: sigma_z ~ 1).
    net = gb.GatedNetwork(30, 3.0, alpha_z=20.0, g_z=0.0, seed=4)
    x = net.initial_state(seed=5)
    h, z, r = net.split(x)
    z[:10] = -2.0
    z[10:] = 1.0
    eig = np.linalg.eigvals(net.jacobian(x))
    assert np.count_nonzero(np.abs(eig) < 1e-12) == 10
    assert np.count_nonzero(np.abs(eig) < 0.01) == 10


def test_measurement_fields_and_sweep_accessors(sweep):
    m = sweep.measurement(20.0, seed=1)
    assert m.alpha_z == 20.0 and m.seed == 1 and m.window == pytest.approx(100.0)
    assert m.drift_limit == pytest.approx(drift_limit(101, 1.0))
    assert m.states.shape == (101, 3 * 150) and m.eigenvalues.shape == (2, 450)
    np.testing.assert_array_equal(m.eigen_states[-1], m.states[-1])
    net = sweep.network_for(20.0, seed=1)
    np.testing.assert_array_equal(net.couplings_h, gb.GatedNetwork(150, 4.0, seed=1).couplings_h)
    s = sweep.sweep("rms_speed")
    assert isinstance(s, gb.Sweep) and s.data.shape == (3, 2)
    np.testing.assert_allclose(s.mean, sweep.data("rms_speed").mean(axis=0))
    assert set(QUANTITIES) >= {"rms_speed", "lambda_max", "decay_time", "near_zero_fraction", "closed_fraction"}
    # one run is reproducible
    again = measure_slowing(sweep.network_for(20.0, seed=1), seed=1, t_transient=100.0, t_measure=100.0,
                            t_lyapunov=40.0, n_eig=2)
    assert again.rms_speed == m.rms_speed and again.lambda_max == m.lambda_max


def test_bad_input():
    net = gb.GatedNetwork(10, 3.0, seed=0)
    with pytest.raises(TypeError, match="net"):
        measure_slowing(gb.RandomRateNetwork(10, 2.0, seed=0))
    with pytest.raises(ValueError, match="inputs"):
        measure_slowing(net.with_inputs(input_h=0.1))
    with pytest.raises(ValueError, match="sample_every"):
        measure_slowing(net, sample_every=0.25)
    with pytest.raises(ValueError, match="t_measure"):
        measure_slowing(net, t_measure=-1.0)
    with pytest.raises(ValueError, match="alpha_z_values"):
        slowing_sweep([-1.0])
    with pytest.raises(ValueError, match="network"):
        slowing_sweep([0.0], network={"seed": 3})
    with pytest.raises(ValueError, match="n_samples"):
        drift_limit(3, 1.0)
    with pytest.raises(ValueError, match="quantity"):
        SlowingSweep(np.array([0.0]), (0,), [[None]], {}).data("speed")


def test_sweep_from_measurements_reads_one_field_per_seed_and_value():
    """The grid container shared by chapters 7 and 8: rows are seeds, columns parameter values."""
    from types import SimpleNamespace

    from gatebook.sweeps import Sweep

    grid = [[SimpleNamespace(a=10 * i + j, b=-1.0) for j in range(3)] for i in range(2)]
    s = Sweep.from_measurements(grid, "a", {"a": "label of a", "b": "b"}, parameter="p", values=[0.1, 0.2, 0.3], seeds=(4, 5))
    np.testing.assert_array_equal(s.data, [[0, 1, 2], [10, 11, 12]])
    np.testing.assert_allclose(s.mean, [5, 6, 7])
    assert s.name == "label of a" and s.seeds == (4, 5) and s.parameter == "p"
    with pytest.raises(ValueError, match="quantity"):
        Sweep.from_measurements(grid, "c", {"a": "a"}, parameter="p", values=[0.1, 0.2, 0.3], seeds=(4, 5))
