"""Chapter 8, section 5 (issue 17 §4): is the rise of dimension with alpha_r more than a change of variance or exponent?

The committed run (``committed_summary("dimension-controls")``, ``scripts/dimension_controls.py``:
N = 200, seeds 0-5) is checked against every qualitative word of the section and the summary:
the matched soft-gate controls, the beta_r sweep and the alpha_z sweep. The matching itself and
the z-gate's crowding of exponents towards zero are recomputed here; one network of the run
is recomputed from scratch.
"""

from __future__ import annotations

import numpy as np
import pytest

import gatebook as gb
from gatebook import meanfield as mf
from gatebook import r_gate
from gatebook.dimension_controls import TABLE_QUANTITIES, DimensionTable, matched_soft_gate_gain
from gatebook.committed import committed_summary

RUNS = committed_summary("dimension-controls")
CONTROLS = DimensionTable.from_dict(RUNS["controls"])
BETA = DimensionTable.from_dict(RUNS["beta_r"])
ALPHA_Z = DimensionTable.from_dict(RUNS["alpha_z"])
DIMENSIONS = ("pr_fraction", "kaplan_yorke_fraction")


def _mean(table, arm, q):
    return table.sweep(arm, q).mean


def _sem(table, arm, q):
    return table.sweep(arm, q).sem


def _share(q, arm):
    """Part of the gated rise (alpha_r = 0 -> 20) that the control matched to alpha_r = 20 reaches."""
    gated, control = _mean(CONTROLS, "gated", q), _mean(CONTROLS, arm, q)
    return (control[-1] - gated[0]) / (gated[-1] - gated[0])


def test_the_run_is_the_one_the_chapter_describes():
    s = RUNS["settings"]
    assert (s["N"], s["seeds"], s["g_h"], s["alpha_r"]) == (200, [0, 1, 2, 3, 4, 5], 3.0, 20.0)
    assert (s["alpha_rs"], s["beta_rs"], s["alpha_zs"]) == ([0.0, 2.0, 5.0, 20.0], [-2.0, -1.0, 0.0, 1.0, 2.0],
                                                            [0.0, 2.0, 5.0, 20.0])
    assert s["options"] == dict(t_transient=40.0, t_measure=200.0, sample_every=1.0, lyapunov_t_measure=30.0, dt=0.1)
    assert CONTROLS.arms == ("gated", "variance", "lambda_max")
    for table in (CONTROLS, BETA, ALPHA_Z):
        assert all(np.isfinite(table.data[a][q]).all() for a in table.arms for q in TABLE_QUANTITIES)


def test_the_gains_on_the_page_are_the_committed_ones():
    for match in ("variance", "lambda_max"):
        page = [matched_soft_gate_gain(a, match=match) for a in (5.0, 20.0)]
        np.testing.assert_allclose(page, CONTROLS.gains[match][2:], rtol=1e-9)


def test_dmft_cannot_match_both_variance_and_exponent():
    """'the soft gate with the gated network's variance is far less chaotic, and the soft gate with its
    exponent needs a much larger gain and fluctuates many times more'."""
    th = CONTROLS.theory
    assert th["variance"]["lambda_max"][-1] < 0.3 * th["gated"]["lambda_max"][-1]
    assert CONTROLS.gains["lambda_max"][-1] > 3 * CONTROLS.gains["gated"][-1]
    assert th["lambda_max"]["variance"][-1] > 10 * th["gated"]["variance"][-1]


@pytest.mark.parametrize("j", [2, 3])  # alpha_r = 5 and 20
def test_the_finite_networks_are_matched_roughly(j):
    """'the exponent-matched control's measured lambda_max is close to the gated network's, while the
    variance-matched control's measured variance stays somewhat below it'."""
    lam_g, lam_c = _mean(CONTROLS, "gated", "lambda_max")[j], _mean(CONTROLS, "lambda_max", "lambda_max")[j]
    se = np.hypot(_sem(CONTROLS, "gated", "lambda_max")[j], _sem(CONTROLS, "lambda_max", "lambda_max")[j])
    assert abs(lam_c / lam_g - 1) < 0.15 and abs(lam_c - lam_g) < 2 * se
    ratio = _mean(CONTROLS, "variance", "temporal_variance")[j] / _mean(CONTROLS, "gated", "temporal_variance")[j]
    assert 0.7 < ratio < 1.0


def test_the_gated_dimensions_rise_with_alpha_r():
    for q in DIMENSIONS:
        assert np.all(np.diff(_mean(CONTROLS, "gated", q)) > 0)


@pytest.mark.parametrize("q", DIMENSIONS)
def test_variance_does_not_explain_the_rise(q):
    """'barely gains dimension ... stay a small part of the gated network's'."""
    assert _share(q, "variance") < 0.25
    assert _mean(CONTROLS, "variance", q)[-1] < 0.4 * _mean(CONTROLS, "gated", q)[-1]


@pytest.mark.parametrize("q", DIMENSIONS)
def test_the_exponent_explains_about_half_and_no_more(q):
    """'reaches roughly half of the gated network's rise in both dimensions, but no more, although its
    activity is more than ten times larger'; at alpha_r = 20 in every seed (paired by seed), and at 5."""
    assert 0.3 < _share(q, "lambda_max") < 0.7
    for j, n_se in ((2, 2), (3, 3)):  # alpha_r = 5: two standard errors; alpha_r = 20, the page's case: three
        gap = _mean(CONTROLS, "gated", q)[j] - _mean(CONTROLS, "lambda_max", q)[j]
        assert gap > n_se * np.hypot(_sem(CONTROLS, "gated", q)[j], _sem(CONTROLS, "lambda_max", q)[j])
    assert np.all(CONTROLS.data["gated"][q][:, -1] > CONTROLS.data["lambda_max"][q][:, -1])
    var = _mean(CONTROLS, "lambda_max", "temporal_variance")[-1] / _mean(CONTROLS, "gated", "temporal_variance")[-1]
    assert var > 10


def test_beta_r_moves_the_variance_not_the_exponent_or_the_dimension():
    """'changes the variance of h substantially but leaves lambda_max nearly unchanged, as the mean-field
    theory predicts ... D_KY/N hardly moves, and D_PR/N does not fall with the variance; if anything it rises
    a little'."""
    var = _mean(BETA, "gated", "temporal_variance")
    assert np.all(np.diff(var) < 0) and var[0] / var[-1] > 1.4
    lam = _mean(BETA, "gated", "lambda_max")
    assert np.ptp(lam) / lam.mean() < 0.15
    theory = BETA.theory["gated"]["lambda_max"]
    assert np.ptp(theory) / theory.mean() < 0.05
    ky = _mean(BETA, "gated", "kaplan_yorke_fraction")
    assert ky.max() / ky.min() < 1.15
    pr = _mean(BETA, "gated", "pr_fraction")
    assert pr[-1] > pr[0] and pr.max() / pr.min() < 1.25
    assert np.corrcoef(BETA.values, pr)[0, 1] > 0


def test_the_timescale_gate_splits_the_two_dimensions():
    """'leaves lambda_max and the variance where they were, within their error bars (two combined
    standard errors at every alpha_z), yet ... D_KY/N rises steeply while D_PR/N falls'."""
    for q in ("lambda_max", "temporal_variance"):
        m, e = _mean(ALPHA_Z, "gated", q), _sem(ALPHA_Z, "gated", q)
        assert np.all(np.abs(m - m[0]) < 2 * np.hypot(e, e[0])), q
    ky, pr = _mean(ALPHA_Z, "gated", "kaplan_yorke_fraction"), _mean(ALPHA_Z, "gated", "pr_fraction")
    assert np.all(np.diff(ky) > 0) and ky[-1] > 2 * ky[0]
    assert np.all(np.diff(pr) < 0)
    assert pr[0] - pr[-1] > 3 * np.hypot(*_sem(ALPHA_Z, "gated", "pr_fraction")[[0, -1]])


@pytest.mark.parametrize("seed", [0, 1])
def test_a_sharp_timescale_gate_crowds_exponents_towards_zero(seed):
    """'their exponents crowd towards zero': more of the leading exponents lie within 0.05 of zero."""
    near = []
    for alpha_z in (0.0, 20.0):
        net = gb.GatedNetwork(60, 3.0, alpha_r=20.0, alpha_z=alpha_z, seed=seed)
        res = gb.lyapunov_spectrum(net, 60, t_transient=20.0, t_measure=30.0, seed=seed)
        near.append(int(np.sum(np.abs(res.exponents) < 0.05)))
    assert near[1] > 2 * near[0]


def test_one_network_regenerates():
    """The variance-matched control at alpha_r = 20, seed 2, recomputed with the committed settings."""
    s = RUNS["settings"]
    g = CONTROLS.gains["variance"][-1]
    m = r_gate.measure_r_gate(gb.GatedNetwork(s["N"], g, alpha_r=0.0, seed=2), seed=2, boundary=False, n_states=1,
                              **s["options"])
    assert m.pr_fraction == pytest.approx(CONTROLS.data["variance"]["pr_fraction"][2, -1], rel=1e-9)
    assert m.kaplan_yorke_fraction == pytest.approx(CONTROLS.data["variance"]["kaplan_yorke_fraction"][2, -1], rel=1e-9)


def test_the_page_theory_is_chapter_9s():
    assert CONTROLS.theory["gated"]["lambda_max"][-1] == pytest.approx(mf.gated_theory(3.0, alpha_r=20.0).lambda_max)
