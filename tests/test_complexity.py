"""Fixed-point census (issue 17 §1, chapter 10): every point is a root, reductions, and counts across g_topo."""

from __future__ import annotations

import numpy as np
import pytest

import gatebook as gb
from gatebook.complexity import MERGE_TOL, fixed_point_census


def _census(g_h, N=20, seed=0, n_starts=40, **kw):
    return fixed_point_census(gb.GatedNetwork(N=N, g_h=g_h, seed=seed, **kw), n_starts, seed=seed, transient_starts=8)


def test_every_point_is_a_distinct_root_with_the_recorded_variance_and_index():
    net = gb.GatedNetwork(N=20, g_h=1.95, alpha_r=20.0, seed=2)
    census = fixed_point_census(net, 40, seed=2, transient_starts=8)
    assert census.count >= 3 and census.converged <= census.starts == 48
    for x, res, var, idx in zip(census.states, census.residuals, census.variances, census.indices):
        F = net.vector_field(x)
        assert np.linalg.norm(F) == pytest.approx(res, abs=1e-14)
        assert res <= 1e-10 * max(1.0, np.linalg.norm(x))
        assert var == pytest.approx(np.mean(x[:20] ** 2), rel=1e-14)
        assert idx == np.count_nonzero(np.linalg.eigvals(net.jacobian(x)).real > census.marginal_tol)
    d = np.linalg.norm(census.states[:, None] - census.states[None], axis=-1)[np.triu_indices(census.count, 1)]
    assert d.min() > MERGE_TOL * 2
    assert np.all(np.diff(census.variances) >= 0)
    assert census.log_count_per_unit == pytest.approx(np.log(census.count) / 20)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_contraction_has_the_origin_alone(seed):
    """alpha_r = 0 and ||g_h s_r J^h||_2 < 1: h -> g_h s_r J^h tanh(h) is a contraction, so h = 0 is the only fixed point."""
    net = gb.GatedNetwork(N=30, g_h=0.8, seed=seed)
    assert np.linalg.norm(net.g_h * net.s_r * net.couplings_h, 2) < 1
    census = fixed_point_census(net, 30, seed=seed, transient_starts=5)
    assert census.count == 1 and census.variances[0] < 1e-20 and census.indices.tolist() == [0]
    assert census.converged == census.starts


def test_with_constant_gates_the_points_are_those_of_chapter_1s_network():
    """alpha_z = alpha_r = 0: the h-parts of the gated fixed points are the fixed points of the reduced network, both ways."""
    net = gb.GatedNetwork(N=20, g_h=4.0, beta_r=0.5, seed=3)  # g_eff = 4 s_r = 1.51: nonzero fixed points
    reduced = net.reduced_network()
    gated, plain = fixed_point_census(net, 40, seed=0), fixed_point_census(reduced, 40, seed=0)
    assert gated.count >= 3 and plain.count >= 3
    for x in gated.states:
        assert np.linalg.norm(reduced.vector_field(x[:20])) < 1e-9
    for h in plain.states:
        phi = np.tanh(h)
        lifted = np.concatenate([h, net.g_z * net.couplings_z @ phi, net.g_r * net.couplings_r @ phi])
        assert np.linalg.norm(net.vector_field(lifted)) < 1e-9


def test_the_timescale_gate_does_not_move_the_fixed_points():
    census = _census(1.95, alpha_r=20.0, seed=4)
    sharp = gb.GatedNetwork(N=20, g_h=1.95, alpha_r=20.0, alpha_z=8.0, beta_z=1.0, seed=4)
    assert census.count >= 2
    for x in census.states:
        assert np.linalg.norm(sharp.vector_field(x)) < 1e-9


def test_the_same_seed_gives_the_same_census():
    a, b = _census(1.8, alpha_r=20.0, seed=5), _census(1.8, alpha_r=20.0, seed=5)
    assert np.array_equal(a.states, b.states) and np.array_equal(a.indices, b.indices)


def test_counts_rise_across_the_static_onset():
    """alpha_r = 20, beta_r = 0 (g_topo = 1.63, g_quiet = 2), N = 20, six networks: the mean number of
    fixed points at g_h = 1.95 is at least twice that at g_h = 1.4, and so is the number away from the origin.
    Measured (seeds 0-5): 2.0 vs 5.8 fixed points, 0.5 vs 2.7 with variance > 0.05. At N = 20 some points
    exist below g_topo (finite-size points near the origin, some stable): the census counts, the proxy predicts."""
    low = [_census(1.4, alpha_r=20.0, seed=s) for s in range(6)]
    high = [_census(1.95, alpha_r=20.0, seed=s) for s in range(6)]
    assert gb.meanfield.fixed_point_onset(20.0, 0.0) == pytest.approx(1.628, abs=1e-3)
    assert np.mean([c.count for c in high]) >= 2 * np.mean([c.count for c in low])
    assert np.mean([c.count_above(0.05) for c in high]) >= 2 * max(np.mean([c.count_above(0.05) for c in low]), 0.5)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_starts": 0}, ValueError, "n_starts"),
    ({"scales": (1.0, -1.0)}, ValueError, "scales"),
    ({"scales": "big"}, TypeError, "scales"),
    ({"transient_starts": -1}, ValueError, "transient_starts"),
    ({"transient_starts": 2, "t_transient": 1.0, "dt": 2.0}, ValueError, "dt"),
    ({"tol": 0.0}, ValueError, "tol"),
    ({"marginal_tol": float("nan")}, ValueError, "marginal_tol"),
])
def test_bad_input_names_the_argument(kwargs, error, match):
    net = gb.GatedNetwork(N=5, g_h=1.0, seed=0)
    args = {"n_starts": 2, **kwargs}
    with pytest.raises(error, match=match):
        fixed_point_census(net, args.pop("n_starts"), **args)


def test_a_time_dependent_input_is_refused():
    net = gb.GatedNetwork(N=5, g_h=1.0, seed=0, input_h=lambda t: np.full(5, np.sin(t)))
    with pytest.raises(ValueError, match="time"):
        fixed_point_census(net, 2)


@pytest.mark.parametrize("alpha_r, beta_r", [(20.0, 0.0), (5.0, 0.5), (0.0, 0.0)])
def test_static_solution_curve_is_solved_by_the_iteration_and_bottoms_out_at_the_onset(alpha_r, beta_r):
    """Two independent routes: the explicit curve g_h(Delta) against static_mean_field's fixed-point
    iteration (upper branch) and fixed_point_onset's 1-D maximisation (the curve's minimum)."""
    g, d = gb.meanfield.static_solution_curve(4.0, alpha_r, beta_r, n=2000)
    onset = gb.meanfield.fixed_point_onset(alpha_r, beta_r)
    assert g.min() == pytest.approx(onset, rel=1e-4)
    upper = d > d[np.argmin(g)] * 1.5
    for gi, di in list(zip(g[upper], d[upper]))[::200]:
        assert gb.meanfield.static_mean_field(gi, alpha_r, beta_r).delta_h == pytest.approx(di, rel=1e-7)
    if alpha_r == 0.0:  # a soft gate: no hump, the curve rises from the quiet threshold 1 + e^beta_r
        assert np.all(np.diff(g) > 0) and g[0] == pytest.approx(1 + np.exp(beta_r), rel=1e-3)


def test_census_sweep_is_the_census_of_each_network_and_does_not_depend_on_workers():
    kw = dict(seeds=[0, 1], alpha_r=20.0, n_starts=10, transient_starts=4)
    serial = gb.census_sweep([1.4, 1.95], [12, 16], **kw)
    parallel = gb.census_sweep([1.4, 1.95], [12, 16], n_jobs=2, **kw)
    for name in ("counts", "count_nonzero", "n_stable", "variances", "indices", "where"):
        assert np.array_equal(getattr(serial, name), getattr(parallel, name)), name
    one = fixed_point_census(gb.GatedNetwork(N=16, g_h=1.95, alpha_r=20.0, seed=1), 10, seed=1, transient_starts=4)
    mine = np.all(serial.where == (1, 1, 1), axis=1)
    assert serial.counts[1, 1, 1] == one.count and serial.n_stable[1, 1, 1] == one.n_stable
    assert np.array_equal(serial.variances[mine], one.variances) and serial.count_nonzero[1, 1, 1] == one.count_above(0.05)
    back = gb.CensusSweep.from_dict(serial.to_dict())
    assert np.array_equal(back.variances, serial.variances) and back.settings == serial.settings
    assert np.allclose(serial.log_count_per_unit(), np.log(serial.counts.mean(axis=2)) / [12, 16])
