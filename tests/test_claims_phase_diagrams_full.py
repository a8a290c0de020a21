"""Chapter 11's full-resolution diagrams (issue 17 §5): the committed 40 x 40 grids, what the page says about
them, and a sample of rows recomputed from scratch with the committed settings."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from gatebook import meanfield as mf
from gatebook.committed import committed_summary

ROOT = Path(__file__).resolve().parent.parent
DATA = committed_summary("phase-diagrams")
FULL = {name: mf.PhaseDiagram.from_dict(d) for name, d in DATA["diagrams"].items()}


def test_the_diagrams_are_40_by_40_with_the_exponent_everywhere_chaotic():
    for d in FULL.values():
        assert d.values.size == d.g_h.size == 40
        assert np.all(np.isfinite(d.lambda_max[d.chaotic])) and np.all(d.lambda_max[d.chaotic] > 0)
        assert d.counts()["unresolved"] == 0
    assert FULL["alpha_r"].parameter == "alpha_r" and FULL["alpha_r"].fixed["beta_r"] == 0.0
    assert FULL["beta_r"].parameter == "beta_r" and FULL["beta_r"].fixed["alpha_r"] == 20.0


def test_the_pages_counts_and_the_jump_of_the_exponent():
    assert FULL["alpha_r"].counts()["fixed points, no chaos"] == 45
    assert FULL["beta_r"].counts()["bistable"] == 554
    d = FULL["beta_r"]  # "widens as its bias closes it, until 1 + e^beta_r leaves the grid (g_h <= 10)"
    band = (d.region == "bistable").sum(axis=1)
    inside = 1 + np.exp(d.values) < d.g_h[-1]
    assert np.corrcoef(d.values[inside], band[inside])[0, 1] > 0.9
    assert band[inside][-1] >= 10 * max(band[inside][: inside.sum() // 3].max(), 1)  # from ~1 row point to >= 10
    assert round(float(np.log(d.g_h[-1] - 1)), 1) == 2.2
    d = FULL["alpha_r"]
    lam = d.attractor_lambda()
    first = [lam[i, np.flatnonzero(d.chaotic[i])[0]] for i in range(d.values.size)]
    assert d.values[0] == 0.0 and first[0] < 1e-3  # soft gate: grows from zero at g_h = 2
    assert first[-1] > 0.2  # alpha_r = 100: starts at a finite value
    assert np.corrcoef(np.log1p(d.values), first)[0, 1] > 0.9  # the jump grows with the sharpness


@pytest.mark.parametrize("name, row", [("alpha_r", 25), ("beta_r", 30)])
def test_a_row_regenerates(name, row):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import phase_diagrams  # scripts/phase_diagrams.py
    finally:
        sys.path.pop(0)
    again = phase_diagrams.compute(name, 1, [row])
    stored = FULL[name]
    assert np.array_equal(again.region[0], stored.region[row])
    np.testing.assert_allclose(again.variance[0], stored.variance[row], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(again.lambda_max[0], stored.lambda_max[row], rtol=1e-6, atol=1e-9)
