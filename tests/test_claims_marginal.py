"""Chapter 11's sentences about fixed points becoming marginal hold for the committed run (issue 17 §2).

The run (``committed_summary("marginal")``, ``scripts/marginal_fixed_points.py``): N = 400 (8 networks)
and N = 1000 (4), g_h = 3-7, alpha_r = 0, each fixed point and its mirror at alpha_z = 0, 50, 1000.
One network is recomputed from scratch.

The edge study (``DATA["edge"]``): N = 200 (32 networks), 400 (24) and 1000 (6), g_h = 4-6.5 near the
edge, the open block only (alpha_z -> infinity), no restarts; its summary is recomputed here from its
results.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import gatebook as gb
from gatebook.committed import committed_summary

ROOT = Path(__file__).resolve().parent.parent

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


EDGE = DATA["edge"]
SUMMARY = EDGE["summary"]
PER_N = SUMMARY["per_N"]
G_STAR = DATA["window"][1]


def test_the_edge_study_is_the_one_the_chapter_describes():
    assert EDGE["g_values"] == [4.0, 4.5, 4.75, 5.0, 5.25, 5.5, 5.75, 6.0, 6.5]
    assert {n: len(s) for n, s in EDGE["runs"].items()} == {"200": 32, "400": 24, "1000": 6}
    for r in EDGE["results"].values():
        res = gb.MarginalFixedPoints.from_dict(r)
        assert res.settings["restarts"] == 0 and res.settings["full_spectrum"] is False
        assert res.alpha_z_values.tolist() == [1000.0]


def test_the_summary_is_recomputed_from_the_results():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import marginal_fixed_points  # scripts/marginal_fixed_points.py
    finally:
        sys.path.pop(0)
    again = marginal_fixed_points.edge_summary(marginal_fixed_points._edge_results(EDGE), G_STAR)
    assert json.loads(json.dumps(again)) == SUMMARY


def test_the_chapter_s_edge_numbers():
    med = {n: PER_N[n]["km_median"] for n in PER_N}
    se = {n: PER_N[n]["km_median_se"] for n in PER_N}
    assert (round(med["200"], 2), round(se["200"], 2)) == (5.12, 0.31)
    assert (round(med["400"], 2), round(se["400"], 2)) == (5.16, 0.46)
    assert round(med["1000"], 2) == 5.42 and se["1000"] is None  # "no error bar"
    assert PER_N["1000"]["networks_crossed"] == 1 and PER_N["1000"]["kinds"]["crossed"] == 2  # "one network's two points"
    assert SUMMARY["fit"] is None  # "no trend in 1/N can be fitted"
    # "the three medians agree within their errors"
    assert abs(med["400"] - med["200"]) < max(se["200"], se["400"])
    assert abs(med["1000"] - med["200"]) < se["200"] and abs(med["1000"] - med["400"]) < se["400"]
    # "the continuation loses most branches ... before they reach 1 (and many before g_h = 4)"
    lost = sum(PER_N[n]["kinds"]["lost below 1"] + PER_N[n]["kinds"]["not found"] for n in PER_N)
    assert lost > sum(PER_N[n]["points"] for n in PER_N) / 2
    assert all(PER_N[n]["kinds"]["not found"] >= PER_N[n]["points"] / 2 - 2 for n in PER_N)


def test_the_edge_lies_below_g_star_at_every_size():
    for n, s in PER_N.items():
        assert s["km_median"] < G_STAR
        assert s["crossed_max"] < G_STAR  # every crossing observed is below g_h*
        if s["km_median_se"] is not None:
            assert (G_STAR - s["km_median"]) / s["km_median_se"] > 2  # "by more than two standard errors"
    assert max(s["crossed_max"] for s in PER_N.values()) == pytest.approx(6.33, abs=0.005)
    ends = {n: PER_N[n]["kinds"]["below 1 at the end of the grid"] for n in PER_N}
    assert ends == {"200": 3, "400": 1, "1000": 0}  # "a few fixed points are still marginal at g_h = 6.5"
    assert (round(PER_N["200"]["km_q25"], 2), round(PER_N["200"]["km_q75"], 2)) == (4.65, 5.82)


def test_why_the_open_block_is_wider_than_the_formula_s_disk():
    ratio = {}
    for n, s in PER_N.items():
        pg = s["per_gain"]
        for i in range(len(pg["g"])):
            if pg["found"][i]:
                # the open units' phi'^2 exceeds the Gaussian value at the measured variance, every size and gain
                assert pg["dphi2_open"][i] > pg["dphi2_gauss_measured"][i] > pg["dphi2_gauss_static"][i]
                assert pg["variance_mean"][i] < pg["static_variance"][i]
        i5 = pg["g"].index(5.0)
        ratio[n] = round(pg["variance_mean"][i5] / pg["static_variance"][i5], 2)
        assert pg["radius_mean"][i5] > pg["theory_radius"][i5]
    assert ratio == {"200": 0.73, "400": 0.88, "1000": 0.95}  # the shortfall shrinks with N
    pg200, pg1000 = PER_N["200"]["per_gain"], PER_N["1000"]["per_gain"]
    i5 = pg200["g"].index(5.0)
    assert (round(pg200["dphi2_open"][i5], 3), round(pg200["dphi2_gauss_measured"][i5], 3)) == (0.347, 0.301)
    assert (round(pg1000["dphi2_open"][i5], 3), round(pg1000["dphi2_gauss_measured"][i5], 3)) == (0.292, 0.264)
    assert round(pg1000["dphi2_gauss_static"][i5], 3) == 0.257
