"""Chapter 9: the gated DMFT exponent against finite networks of up to 2000 units (issue 17 §3).

The committed run (``committed_summary("finite-size-lambda")``, ``scripts/finite_size_lambda.py``:
g_h = 3, alpha_z = 0, alpha_r = 5 and 20, N = 250, 500, 1000, 2000, four seeds, QR method with
RK4 dt = 0.1, 50 + 200 tau_h) is checked against the theory computed here, with the tolerances the
chapter's sentences state; one run of it is recomputed from scratch.
"""

from __future__ import annotations

import numpy as np
import pytest

import gatebook as gb
from gatebook import meanfield as mf
from gatebook.committed import committed_summary

RUNS = committed_summary("finite-size-lambda")
ROWS = RUNS["rows"]


def _data(key):
    row = ROWS[key]
    return mf.FiniteSizeLyapunov(sizes=np.array(row["sizes"]), seeds=tuple(row["seeds"]), values=np.array(row["values"]),
                                 stderr=np.array(row["stderr"]), settings=row["settings"])


def test_the_run_is_the_one_the_chapter_describes():
    s = RUNS["settings"]
    assert (s["g_h"], s["alpha_rs"], s["beta_r"], s["sizes"], s["seeds"]) == (3.0, [5.0, 20.0], 0.0,
                                                                           [250, 500, 1000, 2000], [0, 1, 2, 3])
    assert (s["dt"], s["t_transient"], s["t_measure"]) == (0.1, 50.0, 200.0)
    assert set(ROWS) == {"5", "20"} and all(np.isfinite(ROWS[k]["values"]).all() for k in ROWS)


@pytest.mark.parametrize("key", ["5", "20"])
def test_the_theory_on_the_page_is_the_committed_one(key):
    """Chapter 9 draws mf.gated_theory's exponent; the script stored gated_lambda_max(gated_dmft(...))."""
    page = mf.gated_theory(3.0, alpha_r=float(key)).lambda_max
    assert page == pytest.approx(ROWS[key]["dmft"]["lambda_max"], rel=1e-6)


@pytest.mark.parametrize("key", ["5", "20"])
def test_the_exponent_rises_with_N_and_extrapolates_to_the_dmft_within_one_standard_error(key):
    data = _data(key)
    fit = data.fit()
    theory = mf.gated_theory(3.0, alpha_r=float(key)).lambda_max
    assert np.all(np.diff(data.mean) > 0)  # "rises with every doubling of N"
    assert np.all(data.mean < theory)  # finite networks sit below the theory
    assert fit.c < 0 and fit.lambda_inf_stderr < 0.005
    assert abs(theory - fit.lambda_inf) <= fit.lambda_inf_stderr  # "within one standard error"
    assert fit.lambda_inf == pytest.approx(ROWS[key]["fit"]["lambda_inf"], rel=1e-12)


def test_the_sharper_gate_is_closer_to_its_limit_at_N250():
    gaps = {k: 1 - _data(k).mean[0] / mf.gated_theory(3.0, alpha_r=float(k)).lambda_max for k in ROWS}
    assert (round(100 * gaps["20"]), round(100 * gaps["5"])) == (8, 17)


def test_one_run_regenerates():
    """N = 250, seed 1, alpha_r = 5 recomputed with the committed settings: the same exponent (float64, seeded)."""
    s = RUNS["settings"]
    again = mf.finite_size_lambda_max(lambda N, seed: gb.GatedNetwork(N=N, g_h=s["g_h"], alpha_r=5.0, seed=seed),
                                      [250], [1], dt=s["dt"], t_transient=s["t_transient"], t_measure=s["t_measure"])
    # rel 1e-4: the committed run was made on a CPU with another SIMD path; on this AVX2-only machine the
    # same seeded run gives an exponent 2e-6 away (measured), far inside the seed spread (~1e-2)
    assert again.values[0, 0] == pytest.approx(ROWS["5"]["values"][0][1], rel=1e-4, abs=1e-12)


def test_lambda_against_relaxation_time_for_the_gated_network():
    """Chapter 9: lambda_max rises as tau_rel falls in every row; the product is not constant (0.27 -> 1.93);
    at matched tau_rel (alpha_r = 5, g_h = 5 and alpha_r = 20, g_h = 3, within 0.3 %) lambda differs by 1.5 %."""
    rows = {a: [mf.gated_theory(g, alpha_r=a) for g in (2.5, 3.0, 4.0, 5.0)] for a in (0.0, 5.0, 20.0)}
    for seq in rows.values():
        lam = np.array([r.lambda_max for r in seq])
        tau = np.array([r.relaxation_time for r in seq])
        assert np.all(np.diff(lam) > 0) and np.all(np.diff(tau) < 0)
    products = [r.lambda_max * r.relaxation_time for seq in rows.values() for r in seq]
    assert (round(min(products), 2), round(max(products), 2)) == (0.27, 1.93)
    a, b = rows[5.0][3], rows[20.0][1]
    assert abs(a.relaxation_time / b.relaxation_time - 1) < 0.003
    assert round(abs(a.lambda_max - b.lambda_max) / b.lambda_max, 3) == 0.015
