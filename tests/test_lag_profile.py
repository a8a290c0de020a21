"""Lag profiles: named conventions, exact cases where the predictor is the truth."""

import math

import pytest
import torch

import gatebook.learning as L


def _inputs(batch=4, T=20, m=3, seed=0):
    return torch.randn(batch, T, m, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_leaky_predictors_are_geometric_in_the_named_convention():
    alpha = 0.3
    cell = L.LeakyRNN(3, 8, alpha=alpha, seed=0, dtype=torch.float64)
    write = cell.rollout(_inputs())["write"]
    carry = L.log_gate_products(write, "carry", 6)
    update = L.log_gate_products(write, "update", 6)
    for h in range(1, 7):
        assert torch.allclose(carry[h - 1], torch.full_like(carry[h - 1], h * math.log(1 - alpha)), atol=1e-12)
        assert torch.allclose(update[h - 1], torch.full_like(update[h - 1], h * math.log(alpha)), atol=1e-12)


def test_input_only_scalar_gate_without_recurrence_is_exactly_the_carry_product():
    cell = L.ScalarGateRNN(3, 10, seed=2, dtype=torch.float64)
    with torch.no_grad():
        cell.W_r.zero_()
        cell.W_rg.zero_()
        cell.W_ig.mul_(4.0)  # gates that vary strongly with the input
    u = _inputs(T=25)
    profile = L.lag_profile(cell, u, convention="carry")
    assert profile.slope == pytest.approx(1.0, abs=1e-10)
    assert profile.r2 == pytest.approx(1.0, abs=1e-10)
    torch.testing.assert_close(profile.measured, profile.predicted, rtol=1e-10, atol=1e-14)


def test_convention_must_be_named():
    cell = L.LeakyRNN(3, 8, seed=0, dtype=torch.float64)
    with pytest.raises(TypeError):
        L.lag_profile(cell, _inputs())  # no default convention
    with pytest.raises(ValueError, match="convention"):
        L.lag_profile(cell, _inputs(), convention="gate")


def test_gated_profiles_track_the_gate_product():
    """Qualitative: log S is close to linear in log P for a multi-gate cell at initialisation."""
    r2 = []
    for seed in range(3):
        cell = L.MultiGateRNN(3, 16, seed=seed, dtype=torch.float64)
        r2.append(L.lag_profile(cell, _inputs(seed=seed, T=30), convention="carry").r2)
    assert min(r2) > 0.95  # measured 0.992-0.993 for these seeds
