"""Fréchet expansion of the Jacobian product: recursion, order of the remainder, exact zero."""

import numpy as np
import pytest
import torch

import gatebook.learning as L
from gatebook.learning.expansion import first_order_expansion, jacobian_split, scaled_product, truncation_error


def _setup(cls=L.MultiGateRNN, seed=0, T=30):
    cell = cls(3, 16, seed=seed, init="normal", dtype=torch.float64)
    u = torch.randn(1, T, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return cell, u


def test_split_adds_up_to_the_exact_jacobian():
    cell, u = _setup()
    A, B = jacobian_split(cell, u)
    torch.testing.assert_close(A + B, cell.state_jacobians(u), rtol=0, atol=1e-15)


@pytest.mark.parametrize("cls", [L.ScalarGateRNN, L.MultiGateRNN])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_remainder_is_second_order(cls, seed):
    cell, u = _setup(cls, seed)
    A, B = jacobian_split(cell, u)
    eps = np.array([1e-5, 3e-5, 1e-4, 3e-4, 1e-3])
    E = truncation_error(A, B, 0, 30, eps)[:, 0].numpy()
    slope = np.polyfit(np.log(eps), np.log(E), 1)[0]
    assert 1.9 <= slope <= 2.1
    C2 = E / eps**2
    assert C2.max() / C2.min() < 1.1  # flat as eps -> 0


def test_recursion_equals_the_frechet_sum_and_a_finite_difference():
    cell, u = _setup(T=8)
    A, B = jacobian_split(cell, u)
    k, t = 1, 7
    _, L_rec = first_order_expansion(A, B, k, t)
    total = torch.zeros_like(L_rec)
    for i in range(k + 1, t + 1):
        left, _ = first_order_expansion(A, torch.zeros_like(B), i, t) if i < t else (torch.eye(16, dtype=torch.float64)[None], None)
        right, _ = first_order_expansion(A, torch.zeros_like(B), k, i - 1) if i - 1 > k else (torch.eye(16, dtype=torch.float64)[None], None)
        total = total + left @ B[:, i - 1] @ right
    torch.testing.assert_close(L_rec, total, rtol=1e-12, atol=1e-14)
    h = 1e-5
    fd = (scaled_product(A, B, k, t, h) - scaled_product(A, B, k, t, -h)) / (2 * h)
    torch.testing.assert_close(L_rec, fd, rtol=1e-7, atol=1e-9)


def test_no_recurrent_gate_weights_means_no_correction():
    cell, u = _setup()
    with torch.no_grad():
        cell.W_rg.zero_()
    A, B = jacobian_split(cell, u)
    assert B.abs().max() == 0
    _, Lf = first_order_expansion(A, B, 0, 30)
    assert Lf.abs().max() == 0


def test_bad_window():
    cell, u = _setup(T=5)
    A, B = jacobian_split(cell, u)
    with pytest.raises(ValueError, match="k < t"):
        first_order_expansion(A, B, 3, 3)
