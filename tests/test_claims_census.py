"""Chapter 10's sentences about the fixed-point census hold for the committed sweep, and the sweep regenerates.

The sweep (``gatebook.committed_summary("census")``, made by ``scripts/census.py``:
alpha_r = 20, beta_r = 0, g_h = 1.3-2.4, N = 10, 20, 40, 60, ten networks each, 100 random and
20 transient starts per network) is read here the way the chapter reads it; each qualitative
word of section 6 ("thin out with N", "rises", "unstable, increasingly so with N", "falls") is
checked over all ten networks per cell, so a rerun that changes them fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import gatebook as gb
from gatebook.committed import committed_summary

ROOT = Path(__file__).resolve().parent.parent
DATA = committed_summary("census")
SWEEP = gb.CensusSweep.from_dict(DATA["sweep"])
G = SWEEP.g_values
G_TOPO = gb.meanfield.fixed_point_onset(20.0, 0.0)
BELOW, ABOVE = G < G_TOPO - 0.1, G > G_TOPO
AWAY = SWEEP.variances > SWEEP.settings["nonzero_variance"]


def _stable_share(j):
    mine = AWAY & (SWEEP.where[:, 1] == j) & ABOVE[SWEEP.where[:, 0]]
    return float((SWEEP.indices[mine] == 0).mean()), float(np.median(SWEEP.indices[mine]))


def test_the_committed_sweep_is_the_one_the_chapter_describes():
    s = SWEEP.settings
    assert (s["alpha_r"], s["beta_r"], s["n_starts"], s["transient_starts"]) == (20.0, 0.0, 100, 20)
    assert SWEEP.sizes.tolist() == [10, 20, 40, 60] and SWEEP.seeds.size == 10
    assert G[0] == pytest.approx(1.3) and G[-1] == pytest.approx(2.4) and G.size == 12
    assert BELOW.sum() == 3  # g_h <= 1.5
    # the packaged copy is the committed source
    assert json.loads((ROOT / "data" / "census" / "alpha_r20.json").read_text()) == DATA


def test_below_the_onset_nonzero_points_thin_out_with_N():
    with_point = [int((SWEEP.count_nonzero[BELOW, j] > 0).sum()) for j in range(SWEEP.sizes.size)]
    assert with_point[0] == 12 and with_point[-1] == 1  # "12 of 30 networks at N = 10 and 1 of 30 at N = 60"
    assert all(b <= a for a, b in zip(with_point, with_point[1:]))
    low = SWEEP.counts[0].mean(axis=1)
    assert round(low[0], 1) == 1.8 and low[-1] == 1.0  # the origin alone at N = 60
    assert all(b <= a for a, b in zip(low, low[1:]))


def test_above_the_onset_the_count_rises_with_the_gain_and_exceeds_N10():
    mean = SWEEP.counts.mean(axis=2)  # (G, S)
    for j in range(SWEEP.sizes.size):
        assert mean[-1, j] > 1.5 * mean[0, j]  # rises across g_topo at every size
        assert np.corrcoef(G, mean[:, j])[0, 1] > 0.9
    assert round(mean[-1, 0], 1) == 3.9 and all(mean[-1, j] >= 8.4 for j in (1, 2, 3))


def test_the_nonzero_points_are_unstable_increasingly_so_with_N():
    shares = [_stable_share(j) for j in range(SWEEP.sizes.size)]
    assert all(b[0] < a[0] for a, b in zip(shares, shares[1:]))
    assert all(b[1] >= a[1] for a, b in zip(shares, shares[1:]))
    assert (round(shares[0][0], 2), round(shares[-1][0], 2)) == (0.80, 0.03)
    assert (shares[0][1], shares[-1][1]) == (0.0, 4.0)


def test_what_the_census_cannot_show():
    """ln(count)/N falls with N at every gain, and the N = 60 points sit below the static branch at g_h = 2."""
    rate = SWEEP.log_count_per_unit()
    assert np.all(np.diff(rate, axis=1) < 0)
    assert (round(rate[-1, 0], 3), round(rate[-1, -1], 3)) == (0.136, 0.039)
    i = int(np.argmin(np.abs(G - 2.0)))
    at = AWAY & (SWEEP.where[:, 0] == i) & (SWEEP.where[:, 1] == SWEEP.sizes.size - 1)
    static = gb.meanfield.static_mean_field(2.0, 20.0, 0.0).delta_h
    assert round(float(np.median(SWEEP.variances[at])), 2) == 0.12 and round(static, 2) == 0.52


@pytest.mark.parametrize("g_h, N, seed", [(1.9, 20, 3), (1.4, 60, 0)])
def test_a_sample_of_the_sweep_regenerates(g_h, N, seed):
    """scripts/census.py --check in miniature: two grid points recomputed from scratch."""
    s = SWEEP.settings
    again = gb.census_sweep([g_h], [N], seeds=[seed], alpha_r=s["alpha_r"], beta_r=s["beta_r"],
                            n_starts=s["n_starts"], transient_starts=s["transient_starts"])
    i, j, k = int(np.argmin(np.abs(G - g_h))), SWEEP.sizes.tolist().index(N), SWEEP.seeds.tolist().index(seed)
    mine = np.all(SWEEP.where == (i, j, k), axis=1)
    assert again.counts[0, 0, 0] == SWEEP.counts[i, j, k] and again.n_stable[0, 0, 0] == SWEEP.n_stable[i, j, k]
    np.testing.assert_allclose(again.variances, SWEEP.variances[mine], rtol=1e-6, atol=1e-12)


def test_chapter_11s_sliver_at_g17():
    """Chapter 11: at g_h = 1.7 (between g_topo and g_chaos) most networks of every size have a nonzero
    fixed point; at N = 60 nearly all such points are unstable, at N = 10 all are stable."""
    i = int(np.argmin(np.abs(G - 1.7)))
    assert G_TOPO < G[i] < gb.transitions.thresholds(20.0, 0.0, tol=0.02).g_chaos
    for j in range(SWEEP.sizes.size):
        assert (SWEEP.count_nonzero[i, j] > 0).sum() >= 6
    pts = [AWAY & (SWEEP.where[:, 0] == i) & (SWEEP.where[:, 1] == j) for j in range(SWEEP.sizes.size)]
    stable = [int((SWEEP.indices[p] == 0).sum()) for p in pts]
    assert stable[0] == pts[0].sum() > 0
    assert pts[-1].sum() >= 10 and stable[-1] <= 0.1 * pts[-1].sum()
