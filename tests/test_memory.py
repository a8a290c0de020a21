"""Integrator and reset (chapter 7): the marginal window and the write-and-reset protocol.

The protocol statistics use N = 120, g_h = 2.2 (inside the window 2 < g_h < g_h*),
alpha_z = 20, four settled starting states per network, the networks of seeds 0, 1, 2, and a
shortened protocol (writes at 10 and 30 tau_h, reset at 55 tau_h for 8 tau_h, end at 75 tau_h).
"Chance" is the level the trace would have if the differences it reads pointed in random
directions (MemoryResult.chance).
"""

import numpy as np
import pytest

import gatebook as gb
from gatebook.inputs import Pulses
from gatebook.memory import (
    PROTOCOLS,
    PulseSum,
    marginal_window,
    memory_inputs,
    open_radius,
    settle,
    write_and_reset,
)

SEEDS = (0, 1, 2)
N, G_H, TRIALS = 120, 2.2, 4
PROTOCOL = dict(write_times=(10.0, 30.0), reset_time=55.0, t_max=75.0)


# -- the marginal window -------------------------------------------------------------------------
def test_open_radius_tends_to_sqrt_f_open_at_the_quiescent_threshold():
    for beta_r, f_open in [(0.0, 0.5), (1.0, 0.5), (0.0, 0.3)]:
        g0 = 1.0 + np.exp(beta_r)
        assert open_radius(g0 * (1 + 1e-7), beta_r, f_open) == pytest.approx(np.sqrt(f_open), rel=1e-5)


def test_open_radius_matches_a_monte_carlo_static_mean_field():
    # independent computation: iterate Delta = g_eff^2 <tanh^2> with sampled Gaussians
    g_h, beta_r = 3.0, 0.5
    g_eff = g_h / (1 + np.exp(beta_r))
    x = np.random.default_rng(0).standard_normal(400_000)
    delta = 1.0
    for _ in range(200):
        delta = g_eff**2 * np.mean(np.tanh(np.sqrt(delta) * x) ** 2)
    rho2 = g_eff**2 * 0.5 * np.mean((1 - np.tanh(np.sqrt(delta) * x) ** 2) ** 2)
    assert open_radius(g_h, beta_r) == pytest.approx(np.sqrt(rho2), rel=5e-3)


def test_marginal_window_upper_edge_has_unit_radius_and_scales_with_the_output_gate():
    lo0, hi0 = marginal_window(0.0)
    lo1, hi1 = marginal_window(1.0)
    assert lo0 == pytest.approx(2.0) and lo1 == pytest.approx(1 + np.e)
    assert open_radius(hi0) == pytest.approx(1.0, abs=1e-8)
    assert open_radius(hi0 * 0.99) < 1.0 < open_radius(hi0 * 1.01)
    # at alpha_r = 0 only g_h s_r enters: the window scales with 1/s_r
    assert hi1 / hi0 == pytest.approx(lo1 / lo0, rel=1e-6)
    assert marginal_window(0.0, f_open=1.0) == (2.0, 2.0)


def test_open_radius_bad_input():
    with pytest.raises(ValueError, match="g_h must exceed"):
        open_radius(1.9)
    with pytest.raises(ValueError, match="f_open"):
        open_radius(3.0, f_open=1.5)
    with pytest.raises(TypeError, match="beta_r"):
        marginal_window("0")


# -- the inputs ------------------------------------------------------------------------------------
def test_memory_inputs_build_the_documented_pulses():
    xi = np.array([1.0, -1.0, 2.0])
    I, Iz = memory_inputs(xi, [1.0, 5.0], width=1.0, amplitude=0.5, gate_pulse=4.0, gate_width=0.25,
                          reset_time=9.0, reset_amplitude=3.0, reset_width=2.0)
    assert isinstance(I, Pulses) and isinstance(Iz, PulseSum)
    np.testing.assert_allclose(I(5.5), 0.5 * xi)
    np.testing.assert_allclose(I(6.0), 0.0)
    assert [Iz(t) for t in (1.1, 1.3, 1.6, 5.2, 5.4, 9.0, 10.9, 11.0)] == [4.0, -4.0, 0.0, 4.0, -4.0, 3.0, 3.0, 0.0]
    assert Iz.end == pytest.approx(11.0)
    # the gate pulse integrates to zero: it opens and shuts, it does not shift z for good
    ts = np.arange(0.0, 8.0, 1e-3)
    assert abs(np.sum([Iz(t) for t in ts]) * 1e-3) < 1e-2
    # outside placement without reset: no gate input at all
    assert memory_inputs(xi, [1.0], width=1.0, amplitude=0.5)[1] is None
    # only a reset: one pulse train
    assert isinstance(memory_inputs(xi, [1.0], width=1.0, amplitude=0.5, reset_time=3.0)[1], Pulses)


def test_memory_inputs_bad_input():
    with pytest.raises(ValueError, match="write_times"):
        memory_inputs(np.ones(3), [2.0, 1.0], width=1.0, amplitude=1.0)
    with pytest.raises(ValueError, match="width"):
        memory_inputs(np.ones(3), [1.0], width=0.0, amplitude=1.0)
    with pytest.raises(ValueError, match="gate_pulse"):
        memory_inputs(np.ones(3), [1.0], width=1.0, amplitude=1.0, gate_pulse=-1.0)
    with pytest.raises(ValueError, match="pattern"):
        memory_inputs(np.ones((2, 3)), [1.0], width=1.0, amplitude=1.0)


# -- the protocol ------------------------------------------------------------------------------------
def _single_unit(beta_z, placement, dt=0.125):
    # N = 1, g_h = 0, alpha_z = 0: tau_h dh/dt = s_z (-h + I) or s_z (-h) + I with a constant gate
    # s_z = 1/(1 + e^{beta_z}). dt = 2^-k puts every pulse edge on the RK4 grid.
    net = gb.GatedNetwork(1, 0.0, beta_z=beta_z, seed=0)
    return write_and_reset(net, pattern=[1.0], x0=np.zeros(3), placement=placement, width=2.0, amplitude=0.3,
                           gate_pulse=0.0, write_times=[1.0, 4.0], reset_time=None, t_max=8.0, dt=dt,
                           record_every=1)


def test_a_closed_unit_integrates_outside_and_cannot_be_written_inside():
    closed = 20.0  # s_z = 2e-9
    outside = _single_unit(closed, "outside")
    np.testing.assert_allclose(outside.steps(settle=0.0), [0.6, 0.6], rtol=1e-6)  # a * w per pulse
    assert outside.final == pytest.approx(1.2, rel=1e-6)  # and it is held
    inside = _single_unit(closed, "inside")
    assert np.abs(inside.trace).max() < 1e-7


def test_an_open_unit_relaxes_towards_the_input_inside():
    a, w = 0.3, 2.0
    dt = 1.0 / 128
    res = _single_unit(-20.0, "inside", dt=dt)  # s_z = 1: tau_h dh/dt = -h + I
    h3 = a * (1 - np.exp(-w))
    h4 = h3 * np.exp(-1.0)  # one tau_h of free decay between the pulses
    # RK4 is only first order across the pulse edges: error about a*dt/6 per edge
    tol = 2 * a * dt / 6
    h6 = a + (h4 - a) * np.exp(-w)
    # a step is measured from one record (dt) before the pulse to the end of the pulse
    np.testing.assert_allclose(res.steps(settle=0.0), [h3, h6 - h3 * np.exp(-(1.0 - dt))], atol=tol)
    assert res.final == pytest.approx(h6 * np.exp(-2.0), abs=2 * tol)


@pytest.fixture(scope="module")
def protocol_runs():
    runs = {}
    for seed in SEEDS:
        net = gb.GatedNetwork(N, G_H, alpha_z=20.0, seed=seed)
        x0 = settle(net, trials=TRIALS, t_settle=150.0, seed=seed)
        runs[seed] = {
            "outside": write_and_reset(net, x0=x0, placement="outside", seed=seed, **PROTOCOL),
            "inside": write_and_reset(net, x0=x0, placement="inside", seed=seed, **PROTOCOL),
            "no_gate_pulse": write_and_reset(net, x0=x0, placement="inside", gate_pulse=0.0, seed=seed, **PROTOCOL),
            "alpha_z=0": write_and_reset(gb.GatedNetwork(N, G_H, alpha_z=0.0, seed=seed), placement="outside",
                                         trials=TRIALS, t_settle=20.0, seed=seed, **PROTOCOL),
        }
    return runs


@pytest.mark.parametrize("seed", SEEDS)
def test_outside_placement_accumulates_equal_pulses(protocol_runs, seed):
    res = protocol_runs[seed]["outside"]
    m1, m2 = res.after_write(0), res.after_write(1)
    assert m1 > 0.1  # the first pulse (area a*w = 0.5) leaves a clear trace
    # two equal pulses: about twice one, less the slow leak of the closed gates in between
    assert 1.5 < m2 / m1 < 2.1


@pytest.mark.parametrize("seed", SEEDS)
def test_inside_placement_accumulates_only_with_the_gate_pulse(protocol_runs, seed):
    res = protocol_runs[seed]["inside"]
    m1, m2 = res.after_write(0), res.after_write(1)
    assert m1 > 0.05
    # each opening also lets part of the stored value relax: it steps up, but less than additively
    assert 1.2 < m2 / m1 < 2.0
    # without the gate pulse the closed units cannot be written: the trace stays near chance
    blocked = protocol_runs[seed]["no_gate_pulse"]
    assert abs(blocked.after_write(1)) < 0.15 * m2


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("placement", ["outside", "inside"])
def test_trace_persists_with_the_gate_and_the_reset_erases_it(protocol_runs, seed, placement):
    res = protocol_runs[seed][placement]
    m2 = res.after_write(1)
    # held for 18 tau_h (from 5 tau_h after the second write to the reset): less than half lost
    assert res.held > 0.5 * m2
    # a lone z-pulse opens every gate: the trace falls back to chance (3 standard deviations)
    assert abs(res.final) < 3 * res.chance[-1]
    # the gates were all open during the reset and mostly shut before it
    k_reset = np.searchsorted(res.times, res.reset_time + 2.0)
    k_hold = np.searchsorted(res.times, res.reset_time - 1.0)
    assert res.open_fraction[k_reset] > 0.95 and res.open_fraction[k_hold] < 0.7


@pytest.mark.parametrize("seed", SEEDS)
def test_without_gating_the_trace_decays(protocol_runs, seed):
    res = protocol_runs[seed]["alpha_z=0"]
    written = res.at(res.write_times[0] + res.width)  # at the end of the first pulse
    assert written > 0.2
    assert abs(res.held) < 0.1 * written


def test_result_accessors_and_defaults():
    net = gb.GatedNetwork(20, G_H, alpha_z=20.0, seed=0)
    res = write_and_reset(net, t_settle=5.0, t_max=20.0, write_times=[2.0, 6.0], reset_time=12.0)
    assert res.placement == "inside" and res.gate_pulse == PROTOCOLS["inside"]["gate_pulse"]
    assert res.trials.shape == (res.times.size, 1)
    assert res.trajectory.states.shape == (res.times.size, 1, 3 * 20)
    np.testing.assert_allclose(res.readout, res.trajectory.states[:, 0, :20] @ res.pattern / 20)
    np.testing.assert_allclose(res.trace, res.readout - res.control, atol=1e-12)
    assert res.chance[0] == 0.0 and np.all(res.chance >= 0.0)
    assert res.at(res.times[3]) == pytest.approx(res.trace[3])
    with pytest.raises(ValueError, match="t must lie"):
        res.at(100.0)
    # same seed, same numbers
    again = write_and_reset(net, t_settle=5.0, t_max=20.0, write_times=[2.0, 6.0], reset_time=12.0)
    np.testing.assert_array_equal(res.trace, again.trace)


def test_write_and_reset_bad_input():
    net = gb.GatedNetwork(10, G_H, alpha_z=20.0, seed=0)
    with pytest.raises(TypeError, match="net"):
        write_and_reset(gb.RandomRateNetwork(10, 1.0, seed=0))
    with pytest.raises(ValueError, match="placement"):
        write_and_reset(net, placement="middle")
    with pytest.raises(ValueError, match="reset_time"):
        write_and_reset(net, reset_time=5.0, t_settle=1.0)
    with pytest.raises(ValueError, match="write_times"):
        write_and_reset(net, write_times=[10.0, 200.0], t_settle=1.0)
    with pytest.raises(ValueError, match="pattern"):
        write_and_reset(net, pattern=np.ones(3), t_settle=1.0)
    with pytest.raises(ValueError, match="x0"):
        write_and_reset(net, x0=np.ones(5))
