"""Chapter 8, issue 17 §4: the matched soft-gate controls and the dimension tables (gatebook.dimension_controls)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import gatebook as gb
from gatebook import meanfield as mf
from gatebook import r_gate
from gatebook.dimension_controls import (
    TABLE_QUANTITIES,
    DimensionTable,
    dimension_controls,
    dimension_sweep,
    matched_soft_gate_gain,
)

TINY = dict(N=12, t_transient=5.0, t_measure=10.0, lyapunov_t_measure=5.0, k=8)


@pytest.mark.parametrize("match,key", [("variance", "variance"), ("lambda_max", "lambda_max")])
@pytest.mark.parametrize("alpha_r", [5.0, 20.0])
def test_the_matched_soft_gate_network_has_the_gated_networks_dmft_value(alpha_r, match, key):
    """The control's gain, put into the gated DMFT at alpha_r = 0, returns the gated network's value."""
    g = matched_soft_gate_gain(alpha_r, match=match)
    target = getattr(mf.gated_theory(3.0, alpha_r=alpha_r), key)
    control = mf.gated_dmft(g)
    value = control.variance if key == "variance" else mf.gated_lambda_max(control)
    assert value == pytest.approx(target, rel=1e-5)  # two routes to the exponent agree to ~1e-6


def test_matched_gains_order_and_limits():
    """A sharper gate needs a larger soft-gate gain; matching the exponent needs far more than matching the variance."""
    var = [matched_soft_gate_gain(a) for a in (2.0, 5.0, 20.0)]
    lam = [matched_soft_gate_gain(a, match="lambda_max") for a in (2.0, 5.0, 20.0)]
    assert 3.0 < var[0] < var[1] < var[2] < lam[0] < lam[1] < lam[2]
    assert matched_soft_gate_gain(0.0, g_h=2.5) == 2.5  # alpha_r = 0 is its own control
    # a bias is shared: the soft gate then sits at s_r = 1/(1+e^beta_r), and the gain grows with 1/s_r
    assert matched_soft_gate_gain(20.0, beta_r=1.0) > matched_soft_gate_gain(20.0)


def test_matched_gain_bad_input():
    with pytest.raises(ValueError, match="alpha_r"):
        matched_soft_gate_gain(-1.0)
    with pytest.raises(ValueError, match="g_h"):
        matched_soft_gate_gain(5.0, g_h=0.0)
    with pytest.raises(ValueError, match="match"):
        matched_soft_gate_gain(5.0, match="radius")
    with pytest.raises(ValueError, match="beta_r"):
        matched_soft_gate_gain(5.0, beta_r=float("nan"))
    with pytest.raises(ValueError, match="quiescent"):
        matched_soft_gate_gain(5.0, g_h=1.2)  # below every onset: nothing to match


@pytest.fixture(scope="module")
def controls():
    return dimension_controls([0.0, 20.0], seeds=(0, 1), **TINY)


def test_controls_table_shapes_gains_and_shared_column(controls):
    assert controls.parameter == "alpha_r" and controls.arms == ("gated", "variance", "lambda_max")
    for arm in controls.arms:
        for q in TABLE_QUANTITIES:
            assert controls.data[arm][q].shape == (2, 2) and np.isfinite(controls.data[arm][q]).all()
    np.testing.assert_array_equal(controls.gains["gated"], [3.0, 3.0])
    assert controls.gains["variance"][1] == pytest.approx(matched_soft_gate_gain(20.0))
    # alpha_r = 0: the control is the gated network itself (same numbers)
    for q in TABLE_QUANTITIES:
        np.testing.assert_array_equal(controls.data["variance"][q][:, 0], controls.data["gated"][q][:, 0])
    # the controls share the gated network's DMFT value they are matched in
    assert controls.theory["variance"]["variance"][1] == pytest.approx(controls.theory["gated"]["variance"][1], rel=1e-6)
    assert controls.theory["lambda_max"]["lambda_max"][1] == pytest.approx(controls.theory["gated"]["lambda_max"][1],
                                                                           rel=1e-5)


def test_controls_measure_the_networks_they_name(controls):
    """The variance arm at alpha_r = 20, seed 1, is measure_r_gate on GatedNetwork(N, g, alpha_r=0)."""
    g = controls.gains["variance"][1]
    m = r_gate.measure_r_gate(gb.GatedNetwork(12, g, alpha_r=0.0, seed=1), seed=1, boundary=False, n_states=1,
                              t_transient=5.0, t_measure=10.0, lyapunov_t_measure=5.0, k=8)
    assert controls.data["variance"]["pr_fraction"][1, 1] == m.pr_fraction
    assert controls.data["variance"]["kaplan_yorke_fraction"][1, 1] == m.kaplan_yorke_fraction


def test_table_round_trips_through_json(controls):
    again = DimensionTable.from_dict(json.loads(json.dumps(controls.to_dict())))
    assert again.arms == controls.arms and again.seeds == controls.seeds
    for arm in controls.arms:
        for q in TABLE_QUANTITIES:
            np.testing.assert_array_equal(again.sweep(arm, q).data, controls.sweep(arm, q).data)
    s = again.sweep("gated", "pr_fraction")
    assert isinstance(s, gb.Sweep) and s.parameter == "alpha_r" and s.label == "gated"


def test_table_bad_input(controls):
    with pytest.raises(ValueError, match="arm"):
        controls.sweep("ungated", "pr_fraction")
    with pytest.raises(ValueError, match="quantity"):
        controls.sweep("gated", "radius")
    with pytest.raises(TypeError, match="table"):
        DimensionTable.from_dict([1, 2])
    d = controls.to_dict()
    del d["data"]
    with pytest.raises(ValueError, match="data"):
        DimensionTable.from_dict(d)
    d = controls.to_dict()
    d["data"]["gated"]["pr_fraction"] = [[0.1]]
    with pytest.raises(ValueError, match="shape"):
        DimensionTable.from_dict(d)


def test_dimension_sweep_over_alpha_z_and_beta_r():
    t = dimension_sweep("alpha_z", [0.0, 5.0], seeds=(3,), **TINY)
    assert t.arms == ("gated",) and t.parameter == "alpha_z"
    assert np.isfinite(t.theory["gated"]["lambda_max"][0]) and np.isnan(t.theory["gated"]["lambda_max"][1])
    m = r_gate.measure_r_gate(gb.GatedNetwork(12, 3.0, alpha_r=20.0, alpha_z=5.0, seed=3), seed=3, boundary=False,
                              n_states=1, t_transient=5.0, t_measure=10.0, lyapunov_t_measure=5.0, k=8)
    assert t.data["gated"]["lambda_max"][0, 1] == m.lambda_max
    b = dimension_sweep("beta_r", [0.0, 1.0], seeds=(0,), alpha_r=5.0, **TINY)
    assert b.theory["gated"]["variance"][1] == pytest.approx(mf.gated_theory(3.0, alpha_r=5.0, beta_r=1.0).variance)


def test_controls_and_sweep_bad_input():
    with pytest.raises(ValueError, match="alpha_rs"):
        dimension_controls([-1.0], seeds=(0,), **TINY)
    with pytest.raises(ValueError, match="matches"):
        dimension_controls([5.0], seeds=(0,), matches=("radius",), **TINY)
    with pytest.raises(TypeError, match="matches"):
        dimension_controls([5.0], seeds=(0,), matches="variance", **TINY)
    with pytest.raises(ValueError, match="seeds"):
        dimension_controls([5.0], seeds=(-1,), **TINY)
    with pytest.raises(ValueError, match="N"):
        dimension_controls([5.0], seeds=(0,), N=0)
    with pytest.raises(ValueError, match="parameter"):
        dimension_sweep("g_h", [1.0], seeds=(0,), **TINY)
    with pytest.raises(ValueError, match="alpha_z"):
        dimension_sweep("alpha_z", [-1.0], seeds=(0,), **TINY)
    with pytest.raises(ValueError, match="values"):
        dimension_sweep("beta_r", [], seeds=(0,), **TINY)
