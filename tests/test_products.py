"""All-pairs and sampled-pair Jacobian products agree with step-by-step products, without underflow."""

import math

import numpy as np
import pytest
import torch

from gatebook.learning import MultiGateRNN, PlainRNN
from gatebook.learning.products import jacobian_products, pair_log_singular_values, propagator


def _jacobians(cls=MultiGateRNN, n=6, T=12, batch=3, seed=0, scale=1.0):
    cell = cls(2, n, seed=seed, dtype=torch.float64)
    with torch.no_grad():
        cell.W_r.mul_(scale)
    u = torch.randn(batch, T, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    return cell.state_jacobians(u)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_all_pairs_equal_the_step_by_step_product(seed):
    J = _jacobians(seed=seed)
    prods = jacobian_products(J, 12, keep_products=True)
    for h in (1, 2, 5, 12):
        for i in range(0, 12 - h + 1, 3):
            ref = propagator(J, i + h, i)
            got = prods.products[h - 1][:, i] * torch.exp(prods.log_scales[h - 1][:, i])[:, None, None]
            assert torch.allclose(got, ref, atol=1e-13, rtol=1e-10)
            ref_sv = torch.log(torch.linalg.svdvals(ref))
            assert torch.allclose(prods.log_singular_values[h - 1][:, i], ref_sv, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_sampled_pairs_equal_the_all_pairs_result(seed):
    J = _jacobians(seed=seed, T=15)
    allp = jacobian_products(J, 9, top=4)
    g = torch.Generator().manual_seed(seed)
    for h in (1, 4, 9):
        b = torch.randint(0, 3, (7,), generator=g)
        k = torch.randint(0, 15 - h + 1, (7,), generator=g)
        got = pair_log_singular_values(J, b, k, h, top=4)
        assert got.shape == (7, 4)
        assert torch.allclose(got, allp.log_singular_values[h - 1][b, k], atol=1e-10, rtol=0)


def test_long_plain_products_do_not_underflow():
    """A contracting plain RNN: the product norm falls far below 1e-300 but its log stays exact."""
    J = _jacobians(PlainRNN, n=5, T=400, batch=1, scale=0.05)
    prods = jacobian_products(J, 400, top=1)
    logS = prods.log_sensitivity(400)[0, 0]
    assert torch.isfinite(logS) and logS < -700  # e^-700 < 1e-300
    # the same value by summing logs of renormalised partial products, independently
    P, total = torch.eye(5, dtype=torch.float64), 0.0
    for j in range(400):
        P = J[0, j] @ P
        s = torch.linalg.matrix_norm(P)
        P, total = P / s, total + torch.log(s)
    assert torch.allclose(logS, total + torch.log(torch.linalg.matrix_norm(P, ord=2)), atol=1e-9)
    assert torch.allclose(pair_log_singular_values(J, [0], [0], 400, top=1)[0, 0], logS, atol=1e-9)


def test_bad_input():
    J = _jacobians(T=6)
    with pytest.raises(ValueError, match="lag"):
        pair_log_singular_values(J, [0], [0], 7)
    with pytest.raises(ValueError, match="starts"):
        pair_log_singular_values(J, [0], [3], 4)
    with pytest.raises(ValueError, match="examples"):
        pair_log_singular_values(J, [5], [0], 2)
    with pytest.raises(ValueError, match="equal length"):
        pair_log_singular_values(J, [0, 1], [0], 2)
    with pytest.raises(ValueError, match="max_lag"):
        jacobian_products(J, 7)
    with pytest.raises(ValueError, match="top"):
        jacobian_products(J, 3, top=99)
    with pytest.raises(ValueError, match="J must"):
        jacobian_products(J[0], 3)
    with pytest.raises(ValueError, match="NaN"):
        jacobian_products(J * float("nan"), 3)


def test_non_finite_factors_are_reported_by_the_single_product_routes():
    J = _jacobians(T=6).clone()
    J[1, 3, 0, 0] = float("inf")
    with pytest.raises(ValueError, match="NaN or infinite"):
        propagator(J, 5, 2)
    with pytest.raises(ValueError, match="NaN or infinite"):
        pair_log_singular_values(J, [1], [2], 3)
    assert torch.isfinite(propagator(J, 3, 0)).all()  # factors J_1..J_3 are fine


# ---------------------------------------------------------------------------- issue 13


def test_propagator_refuses_a_product_that_underflows_and_points_to_the_log_scale():
    J = torch.full((2, 200, 1, 1), 0.01, dtype=torch.float64) * torch.eye(2, dtype=torch.float64)
    assert float(propagator(J, 100, 0).abs().max()) == pytest.approx(1e-200)  # still representable
    with pytest.raises(ValueError, match="underflows") as err:
        propagator(J, 200, 40)  # 1e-320: would come back as (subnormal) zero
    message = str(err.value)
    assert "t - k = 160" in message and "log_sensitivity" in message
    # the log-scale route gives the value: ln S = 160 ln 0.01
    logS = jacobian_products(J, 160, top=1).log_sensitivity(160)
    torch.testing.assert_close(logS, torch.full_like(logS, 160 * math.log(0.01)))
    with pytest.raises(ValueError, match="overflows"):
        propagator(J * 1e4, 200, 0)


def test_propagator_returns_a_true_zero_and_accepts_numpy_integers():
    J = torch.zeros(1, 5, 2, 2, dtype=torch.float64)  # a factor that annihilates: exactly zero, not underflow
    assert float(propagator(J, 5, 0).abs().max()) == 0.0
    J = _jacobians()
    torch.testing.assert_close(propagator(J, np.int64(7), np.int64(2)), propagator(J, 7, 2), rtol=0, atol=0)


@pytest.mark.parametrize("bad, error", [([0.0, float("nan")], TypeError), ("ab", TypeError), (None, TypeError)])
def test_pair_indices_must_be_integers(bad, error):
    J = _jacobians()
    with pytest.raises(error, match="examples"):
        pair_log_singular_values(J, bad, [0, 1], 2)
    with pytest.raises(error, match="starts"):
        pair_log_singular_values(J, [0, 1], bad, 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_top_one_takes_the_gram_route_and_equals_the_svd(seed):
    """``top=1`` gets sigma_1 from the Gram matrix's largest eigenvalue: the SVD's value to ~1e-14.

    Checked on the products of a gated cell (all lags of T = 30, singular values spread over
    many decades at long lags) and on hand-made matrices: rank one, a zero matrix, and a
    spectrum spanning 1e-12..1 (where the Gram route would lose the small values, not sigma_1).
    """
    g = torch.Generator().manual_seed(seed)
    cell = MultiGateRNN(3, 16, seed=seed, dtype=torch.float64)
    J = cell.state_jacobians(torch.randn(2, 30, 3, generator=g, dtype=torch.float64))
    one = jacobian_products(J, top=1).log_singular_values
    svd = jacobian_products(J, top=2).log_singular_values
    for a, b in zip(one, svd):
        assert a.shape[-1] == 1
        assert torch.allclose(a[..., 0], b[..., 0], rtol=0, atol=1e-13)
    q1, _ = torch.linalg.qr(torch.randn(16, 16, generator=g, dtype=torch.float64))
    q2, _ = torch.linalg.qr(torch.randn(16, 16, generator=g, dtype=torch.float64))
    spread = q1 @ torch.diag(torch.logspace(0, -12, 16, dtype=torch.float64)) @ q2.T
    rank1 = torch.outer(torch.randn(16, generator=g, dtype=torch.float64), torch.randn(16, generator=g, dtype=torch.float64))
    P = torch.stack([spread, rank1, torch.zeros(16, 16, dtype=torch.float64)])
    from gatebook.learning.products import _top_singular_value
    top = _top_singular_value(P)[:, 0]
    exact = torch.linalg.svdvals(P)[:, 0]
    assert torch.allclose(top[:2], exact[:2], rtol=1e-14, atol=0)
    assert top[2] == 0
