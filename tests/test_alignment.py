"""Alignment of credit transport with the readout direction, against its exact random-direction null."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gatebook.learning import LeakyRNN, MultiGateRNN, PlainRNN, ScalarGateRNN, propagator
from gatebook.learning.alignment import readout_alignment


def _u(batch=3, T=12, m=3, seed=0):
    return torch.rand(batch, T, m, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("cls", [PlainRNN, ScalarGateRNN, MultiGateRNN])
@pytest.mark.parametrize("seed", range(3))
def test_alignment_equals_the_explicit_propagator(cls, seed):
    """A and N from the renormalised backward products equal the explicit Phi(T, k) (products.propagator)."""
    cell, u = cls(3, 8, seed=seed, dtype=torch.float64), _u(seed=seed)
    res = readout_alignment(cell, u)
    with torch.no_grad():
        J = cell.state_jacobians(u)
    w = cell.W_o[0].detach() / cell.W_o[0].detach().norm()
    T, n = u.shape[1], 8
    for h in (1, 4, T):
        Phi = propagator(J, T, T - h)
        top = torch.linalg.matrix_norm(Phi, ord=2)
        A = (Phi.mT @ w).norm(dim=-1) ** 2 / top**2
        N = torch.linalg.matrix_norm(Phi) ** 2 / (n * top**2)
        np.testing.assert_allclose(res.alignment[:, h - 1], A.numpy(), rtol=1e-10)
        np.testing.assert_allclose(res.null[:, h - 1], N.numpy(), rtol=1e-10)
    assert np.all((res.alignment >= 0) & (res.alignment <= 1 + 1e-12))
    assert np.all((res.null >= 1 / n - 1e-12) & (res.null <= 1 + 1e-12))


def test_null_is_the_mean_over_random_directions():
    """N = E ||Phi^T r||^2 / ||Phi||_2^2 for r uniform on the sphere (Monte Carlo, 4 standard errors)."""
    cell, u = MultiGateRNN(3, 8, seed=1, dtype=torch.float64), _u(batch=1)
    res = readout_alignment(cell, u)
    with torch.no_grad():
        Phi = propagator(cell.state_jacobians(u), 12, 7)[0]
    r = torch.randn(40000, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    r = r / r.norm(dim=1, keepdim=True)
    samples = ((r @ Phi) ** 2).sum(1) / torch.linalg.matrix_norm(Phi, ord=2) ** 2
    se = samples.std() / np.sqrt(samples.numel())
    assert abs(samples.mean().item() - res.null[0, 4]) < 4 * se.item()


def test_a_leak_without_recurrence_transports_every_direction_alike():
    """Reduction: W_rec = 0 gives Phi = (1 - alpha)^h I, so A = N = 1 at every lag."""
    cell = LeakyRNN(3, 8, alpha=0.3, seed=0, dtype=torch.float64)
    with torch.no_grad():
        cell.W_r.zero_()
    res = readout_alignment(cell, _u())
    np.testing.assert_allclose(res.alignment, 1.0, atol=1e-12)
    np.testing.assert_allclose(res.ratio, 1.0, atol=1e-12)


def test_readout_on_the_top_direction_is_fully_aligned():
    """If W_o is the top left singular vector of J_T (a one-step sequence), A = 1."""
    cell, u = PlainRNN(3, 8, seed=0, dtype=torch.float64), _u(T=1)
    with torch.no_grad():
        J = cell.state_jacobians(u)[0, 0]
    left = torch.linalg.svd(J).U[:, 0]
    with torch.no_grad():
        cell.W_o.copy_(left[None])
    res = readout_alignment(cell, u[:1])
    assert res.alignment[0, 0] == pytest.approx(1.0, abs=1e-12)


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="cell"):
        readout_alignment("cell", _u())
    with pytest.raises(ValueError, match="inputs"):
        readout_alignment(PlainRNN(3, 8, seed=0, dtype=torch.float64), _u(m=2))
