"""Science tests for the static (fixed-point) mean field of the gated network (chapters 10-11)."""

import inspect

import numpy as np
import pytest

from gatebook.meanfield import DMFTConvergenceError
from gatebook.meanfield.static import (
    fixed_point_onset,
    gate_second_moment,
    static_mean_field,
    tanh_second_moment,
)
from gatebook.quiet_state import quiet_threshold

SQRT2 = np.sqrt(2.0)


def _equation_residual(res):
    q = tanh_second_moment(res.delta_h)
    s = gate_second_moment(res.g_r**2 * q, alpha_r=res.alpha_r, beta_r=res.beta_r)
    return res.g_h**2 * s * q + res.input_std**2 - res.delta_h


def test_order_parameters_small_variance_and_bounds():
    # tanh^2 x = x^2 - 2/3 x^4 + 17/45 x^6 - ...  =>  Q = D - 2 D^2 + 17/3 D^3 + O(D^4)
    d = 1e-3
    assert tanh_second_moment(d) == pytest.approx(d - 2 * d**2 + 17 / 3 * d**3, abs=1e-10)
    deltas = np.logspace(-4, 3, 30)
    q = tanh_second_moment(deltas)
    assert np.all(q < deltas) and np.all(np.diff(q) > 0) and np.all(q < 1)
    # the gate's second moment: s_r^2 at alpha_r = 0 or Delta_r = 0; 1/2 for a step gate at beta_r = 0
    for beta in (0.0, 1.0, 2.0):
        s_r = 1 / (1 + np.exp(beta))
        assert gate_second_moment(0.7, alpha_r=0.0, beta_r=beta) == pytest.approx(s_r**2, rel=1e-13)
        assert gate_second_moment(0.0, alpha_r=30.0, beta_r=beta) == pytest.approx(s_r**2, rel=1e-13)
    # step-gate limit: sigma^2 = sigma - sigma'/alpha, E[sigma] = 1/2, E[sigma'] -> density at 0
    alpha, v = 1e4, 0.5
    assert gate_second_moment(v, alpha_r=alpha, beta_r=0.0) == pytest.approx(0.5 - 1 / (alpha * np.sqrt(2 * np.pi * v)), abs=1e-10)


@pytest.mark.parametrize("beta_r", [0.0, 1.0, 2.0])
def test_soft_gate_onset_is_the_zero_state_threshold_exactly(beta_r):
    assert quiet_threshold(beta_r) == 1 + np.exp(beta_r)
    assert fixed_point_onset(0.0, beta_r) == 1 + np.exp(beta_r)


@pytest.mark.parametrize("beta_r", [0.0, 1.0, 2.0])
def test_onset_bounds_and_decrease_towards_sqrt2(beta_r):
    onsets = np.array([fixed_point_onset(a, beta_r) for a in (1.0, 10.0, 100.0, 1000.0)])
    assert np.all(onsets > SQRT2) and np.all(onsets <= 1 + np.exp(beta_r))
    assert np.all(np.diff(onsets) < 0)
    assert onsets[1] < 1 + np.exp(beta_r) - 0.1  # a sharp gate lowers the onset
    # the gap to sqrt(2) (the step-gate limit) keeps shrinking
    assert onsets[3] - SQRT2 < 0.5 * (onsets[2] - SQRT2)


def test_only_the_product_alpha_r_g_r_matters():
    a = fixed_point_onset(4.0, 0.5, g_r=0.5)
    b = fixed_point_onset(2.0, 0.5, g_r=1.0)
    assert a == pytest.approx(b, rel=1e-10)
    r1 = static_mean_field(2.4, alpha_r=4.0, beta_r=0.5, g_r=0.5)
    r2 = static_mean_field(2.4, alpha_r=2.0, beta_r=0.5, g_r=1.0)
    assert r1.delta_h == pytest.approx(r2.delta_h, rel=1e-10)


@pytest.mark.parametrize("alpha_r,beta_r", [(0.0, 0.0), (0.0, 1.0), (20.0, 0.0), (10.0, 1.0)])
def test_solver_agrees_with_the_onset(alpha_r, beta_r):
    # two independent computations: iteration of the equations vs maximisation over Delta
    g_topo = fixed_point_onset(alpha_r, beta_r)
    below = static_mean_field(0.99 * g_topo, alpha_r, beta_r)
    assert below.branch == "zero" and below.delta_h == 0.0
    above = static_mean_field(1.01 * g_topo, alpha_r, beta_r)
    assert above.branch == "nonzero" and above.delta_h > 0
    assert abs(_equation_residual(above)) < 1e-10


def test_transition_is_continuous_for_soft_gates_and_jumps_for_sharp_ones():
    soft = [static_mean_field(2.0 * (1 + e)).delta_h for e in (1e-2, 2e-3)]
    assert soft[1] < 0.25 * soft[0] and soft[1] < 4e-3  # Delta_h ~ (g_h - 2): vanishes at onset
    g_topo = fixed_point_onset(20.0, 0.0)
    sharp = [static_mean_field(g_topo * (1 + e), 20.0).delta_h for e in (1e-2, 1e-3)]
    assert min(sharp) > 0.03  # a finite jump at the saddle-node


@pytest.mark.parametrize("factor", [1.25, 2.0])
@pytest.mark.parametrize("alpha_r,beta_r", [(0.0, 0.0), (20.0, 0.0), (5.0, 1.5)])
def test_nonzero_solution_satisfies_the_equations(factor, alpha_r, beta_r):
    g_h = factor * fixed_point_onset(alpha_r, beta_r, g_r=1.3)
    res = static_mean_field(g_h, alpha_r, beta_r, g_r=1.3, g_z=0.7)
    assert res.branch == "nonzero" and res.converged
    assert abs(_equation_residual(res)) < 1e-10
    q = tanh_second_moment(res.delta_h)
    assert res.delta_r == pytest.approx(1.3**2 * q, rel=1e-14)
    assert res.delta_z == pytest.approx(0.7**2 * q, rel=1e-14)
    assert res.delta_h < g_h**2 * q  # S_r < 1


def test_z_gate_does_not_enter():
    # the timescale gate multiplies the whole vector field, so it cannot move fixed points
    params = inspect.signature(static_mean_field).parameters
    assert not {"alpha_z", "beta_z", "tau_z", "tau_h"} & set(params)
    a = static_mean_field(3.0, 5.0, 0.5, g_z=1.0)
    b = static_mean_field(3.0, 5.0, 0.5, g_z=2.0)
    assert a.delta_h == b.delta_h and a.delta_r == b.delta_r
    assert b.delta_z == pytest.approx(4 * a.delta_z, rel=1e-14)


def test_bistable_window_has_two_branches():
    # sharp gate: g_topo < g_h < 1 + e^{beta_r}: zero is stable for the map, and so is a nonzero branch
    g_h = 1.9
    assert fixed_point_onset(20.0, 0.0) < g_h < quiet_threshold(0.0)
    small = static_mean_field(g_h, 20.0, start=1e-3)
    large = static_mean_field(g_h, 20.0)
    assert small.branch == "zero" and large.branch == "nonzero"
    assert abs(_equation_residual(large)) < 1e-10


@pytest.mark.parametrize("alpha_r,beta_r", [(0.0, 0.0), (20.0, 1.0)])
def test_static_input_raises_the_variance(alpha_r, beta_r):
    for g_h in (0.5, 1.5, 3.0):
        for sigma in (0.3, 1.0):
            res = static_mean_field(g_h, alpha_r, beta_r, input_std=sigma)
            assert res.delta_h > sigma**2
            assert abs(_equation_residual(res)) < 1e-10
    # no coupling: the variance is the input's
    assert static_mean_field(0.0, alpha_r, beta_r, input_std=0.8).delta_h == pytest.approx(0.64, rel=1e-14)


def test_critical_slowing_down_is_reported():
    with pytest.raises(DMFTConvergenceError, match="max_iter") as info:
        static_mean_field(2.0 * (1 + 1e-6), max_iter=50)
    assert info.value.diagnostics["iterations"] == 50
    assert len(info.value.diagnostics["residuals"]) > 0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="g_h"):
        static_mean_field(-1.0)
    with pytest.raises(ValueError, match="alpha_r"):
        fixed_point_onset(-2.0, 0.0)
    with pytest.raises(TypeError, match="beta_r"):
        quiet_threshold("1")
    with pytest.raises(ValueError, match="start"):
        static_mean_field(2.5, start=0.0)
    with pytest.raises(ValueError, match="input_std"):
        static_mean_field(2.5, input_std=-0.1)


# ---------------------------------------------------------------- bad input (issue 13)


def test_zero_gain_is_the_zero_branch_not_a_bad_start():
    # static_mean_field(0.0) used to blame `start`, which was never passed
    res = static_mean_field(0.0)
    assert res.branch == "zero" and res.delta_h == 0.0 and res.iterations == 0


@pytest.mark.parametrize("fn", [lambda: static_mean_field(3.0, 2.0, g_r=1e12), lambda: fixed_point_onset(2.0, 0.0, 1e12)])
def test_a_huge_gate_coupling_names_g_r(fn):
    # the gate's input variance g_r^2 Q made the error blame alpha_r alone
    with pytest.raises(ValueError, match=r"\bg_r\b"):
        fn()


def test_moment_errors_name_the_variance_argument():
    with pytest.raises(ValueError, match=r"\bdelta\b"):
        tanh_second_moment(-1.0)
    with pytest.raises(ValueError, match=r"\bdelta_r\b"):
        gate_second_moment(1e12, alpha_r=2.0)
    # a constant gate (alpha_r = 0) needs no grid, whatever the variance
    assert gate_second_moment(1e24, alpha_r=0.0) == pytest.approx(0.25)
