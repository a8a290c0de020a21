"""Chapter 11's sentences about fixed points becoming marginal hold for the committed run (issue 17 §2).

The run (``committed_summary("marginal")``, ``scripts/marginal_fixed_points.py``): N = 400 (8 networks)
and N = 1000 (4), g_h = 3-7, alpha_r = 0, each fixed point and its mirror at alpha_z = 0, 50, 1000.
One network is recomputed from scratch.
"""

from __future__ import annotations

import numpy as np
import pytest

import gatebook as gb
from gatebook.committed import committed_summary

DATA = committed_summary("marginal")
RES = {int(n): gb.MarginalFixedPoints.from_dict(r) for n, r in DATA["results"].items()}
G = RES[400].g_values


def _at(n, g):
    res = RES[n]
    i = int(np.argmin(np.abs(res.g_values - g)))
    return res, i, res.found[i]


def test_the_run_is_the_one_the_chapter_describes():
    assert sorted(RES) == [400, 1000] and RES[400].seeds.size == 8 and RES[1000].seeds.size == 4
    assert G.tolist() == [3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0]
    assert RES[400].alpha_z_values.tolist() == [0.0, 50.0, 1000.0]
    assert DATA["window"][1] == pytest.approx(6.546, abs=1e-3)


def test_unstable_at_alpha_z_0_and_marginal_at_1000_up_to_g5_at_N1000():
    res = RES[1000]
    for g in (3.0, 3.5, 4.0, 4.5, 5.0):
        _, i, k = _at(1000, g)
        assert k.sum() >= 4
        assert np.all(res.n_unstable[i, k, 0] > 0)  # every point unstable with the gates at one half
        assert np.all(res.n_unstable[i, k, 2] == 0)  # none at alpha_z = 1000
        assert np.all(res.lambda_max[i, k, 2] < 1e-12)  # lambda_max zero to round-off
        zeros = res.n_zero[i, k, 2] / ((1 - res.open_fraction[i, k]) * res.N)
        assert np.all((zeros > 0.97) & (zeros <= 1.0))  # "a zero mode for 98-99 % of the closed units"
    _, i, k = _at(1000, 3.0)
    _, j, m = _at(1000, 5.5)
    assert round(res.n_unstable[i, k, 0].mean()) == 7 and round(res.n_unstable[j, m, 0].mean()) == 49
    _, i, k = _at(1000, 4.5)
    assert res.n_unstable[i, k, 1].sum() > 0  # alpha_z = 50 not sharp enough there


def test_the_open_block_outgrows_the_theory_and_reaches_1_between_5_and_55():
    for n in (400, 1000):
        res = RES[n]
        rightmost = np.array([np.mean(res.open_rightmost[i, res.found[i]]) for i in range(G.size) if res.found[i].any()])
        g = np.array([G[i] for i in range(G.size) if res.found[i].any()])
        assert rightmost[g == 5.0][0] < 1.0 < rightmost[g == 5.5][0]
    res, i, k = _at(1000, 3.0)
    assert np.mean(res.open_rightmost[i, k]) == pytest.approx(res.theory_radius[i], abs=0.005)
    res, i, k = _at(1000, 5.5)
    assert round(float(np.mean(res.open_radius[i, k])), 3) == 1.055 and round(res.theory_radius[i], 3) == 0.931
    # marginal stability is lost point by point at N = 400: 80 % at 4.5, half at 5.5, none at 6.5
    shares = {g: np.mean(RES[400].n_unstable[_at(400, g)[1], _at(400, g)[2], 2] == 0) for g in (4.5, 5.5, 6.5)}
    assert (shares[4.5], shares[5.5], shares[6.5]) == (0.8, 0.5, 0.0)


def test_an_unstable_point_at_large_alpha_z_is_one_whose_open_block_crosses_1():
    for res in RES.values():
        k = res.found
        assert np.array_equal(res.n_unstable[..., 2][k] > 0, res.open_rightmost[k] > 1.0)


def test_one_network_regenerates():
    res = RES[400]
    again = gb.marginal_fixed_points(G, 400, seeds=[1], alpha_z_values=res.alpha_z_values)
    cols = res.point_seed == 1
    assert np.array_equal(again.found, res.found[:, cols])
    np.testing.assert_allclose(again.variance[again.found], res.variance[:, cols][res.found[:, cols]], rtol=1e-8)
    assert np.array_equal(again.n_unstable, res.n_unstable[:, cols])
