"""The sampled two-replica exponent (gatebook.meanfield.sampled_lyapunov, chapter 9).

The science checks: at alpha_z = 0 the sampled map must give the exponent of the deterministic
two-field operator (an independent solver: Fourier iteration of the Gaussian DMFT and an Arnoldi
eigenvalue, against Monte Carlo paths and power iteration); the growth factor must fall through
one at that exponent; a fixed seed must give the same number. The comparison with finite
networks at alpha_z != 0 lives in tests/test_claims_sampled_lambda.py (committed run).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from gatebook.meanfield import gated_dmft, gated_lambda_max, sampled_dmft
from gatebook.meanfield.sampled_lyapunov import (
    MAX_REPLICAS,
    SampledExponent,
    sampled_growth_factor,
    sampled_lambda_max,
)
from gatebook.meanfield.sampling import single_site_paths


@lru_cache(maxsize=None)
def _solutions(alpha_r):
    """The Gaussian DMFT and the sampling DMFT of the same network (g_h = 3, alpha_z = 0)."""
    return gated_dmft(3.0, alpha_r=alpha_r), sampled_dmft(3.0, alpha_r=alpha_r, seed=1)


@pytest.mark.parametrize("alpha_r", [20.0])
def test_reduces_to_the_two_field_operator_at_alpha_z_zero(alpha_r):
    """Sharp output gate, lambda ~ 0.23: two replicas of 1000 paths land within 0.015 (6 %) of the
    deterministic exponent, and their Monte Carlo error is below 0.01 (tolerance stated, seeds fixed)."""
    exact, sampled = _solutions(alpha_r)
    target = gated_lambda_max(exact)
    got = sampled_lambda_max(sampled, paths=1000, replicas=2, seed=2)
    assert got.stderr < 0.01
    assert abs(got.value - target) < 0.015, (got, target)


def test_growth_factor_falls_through_one_at_the_exponent():
    exact, sampled = _solutions(20.0)
    lam = gated_lambda_max(exact)
    below = sampled_growth_factor(sampled, 0.5 * lam, paths=500, seed=3)
    above = sampled_growth_factor(sampled, 1.5 * lam, paths=500, seed=3)
    assert below > 1.0 > above


def test_same_seed_same_number_and_seeds_differ():
    _, sampled = _solutions(20.0)
    a = sampled_growth_factor(sampled, 0.2, paths=200, iterations=3, seed=7)
    b = sampled_growth_factor(sampled, 0.2, paths=200, iterations=3, seed=7)
    c = sampled_growth_factor(sampled, 0.2, paths=200, iterations=3, seed=8)
    assert a == b
    assert a != c


def test_single_site_paths_have_the_solution_statistics():
    """Paths redrawn from a converged solution reproduce its variance within 3 Monte Carlo errors
    plus 3 % (the solution averages several iterations, the redraw is one)."""
    _, sampled = _solutions(20.0)
    site = single_site_paths(sampled, 1000, seed=4)
    h = site.h[:, site.n_transient:]
    per_path = (h**2).mean(axis=1)
    se = per_path.std(ddof=1) / np.sqrt(per_path.size)
    assert abs(per_path.mean() - sampled.variance) < 3 * se + 0.03 * sampled.variance
    assert site.z is None  # alpha_z = 0: no timescale-gate paths


def test_result_repr_and_float():
    r = SampledExponent(0.2, 0.01, (0.19, 0.21), 100)
    assert float(r) == 0.2
    assert "2 replicas" in repr(r)


def test_bad_input_is_named():
    exact, sampled = _solutions(20.0)
    with pytest.raises(TypeError, match="sampled_dmft"):
        sampled_lambda_max(exact)
    with pytest.raises(ValueError, match="kappa"):
        sampled_growth_factor(sampled, -0.1)
    with pytest.raises(ValueError, match="kappa"):
        sampled_growth_factor(sampled, float("nan"))
    with pytest.raises(ValueError, match="paths"):
        sampled_lambda_max(sampled, paths=0)
    with pytest.raises(ValueError, match="iterations"):
        sampled_lambda_max(sampled, iterations=1)
    with pytest.raises(ValueError, match="replicas"):
        sampled_lambda_max(sampled, replicas=MAX_REPLICAS + 1)
    with pytest.raises(ValueError, match="xtol"):
        sampled_lambda_max(sampled, xtol=1.0)
    with pytest.raises(ValueError, match="paths"):
        sampled_lambda_max(sampled, paths=10**9)
    quiet = sampled_dmft(0.5, seed=0)
    with pytest.raises(ValueError, match="quiescent"):
        single_site_paths(quiet)
