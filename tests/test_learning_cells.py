"""Part II cells: analytic Jacobians, products in BPTT order, exact reductions (float64)."""

import math

import pytest
import torch

import gatebook.learning as L

CELLS = [L.PlainRNN, L.LeakyRNN, L.ScalarGateRNN, L.MultiGateRNN]


def _cell(cls, n=16, m=4, scale=3.0, seed=1, **kw):
    cell = cls(m, n, seed=seed, dtype=torch.float64, **kw)
    with torch.no_grad():  # larger weights: saturating tanh and gates far from 1/2
        for p in cell.parameters():
            p.mul_(scale)
    return cell


def _inputs(batch=2, T=10, m=4, seed=0):
    return torch.randn(batch, T, m, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _one_step(cell, x_prev, u_t):
    gamma, _ = cell.write_factor(x_prev, u_t)
    a = x_prev @ cell.W_r.T + u_t @ cell.W_i.T
    if cell.b is not None:
        a = a + cell.b
    return (1.0 - gamma) * x_prev + gamma * torch.tanh(a)


@pytest.mark.parametrize("cls", CELLS)
def test_state_jacobians_match_central_differences(cls):
    cell, u = _cell(cls, bias=True), _inputs()
    J = cell.state_jacobians(u)
    prev = cell.rollout(u)["previous"].detach()
    h = 1e-6
    for t in (0, 4, 9):
        x = prev[:, t]
        cols = []
        for j in range(cell.hidden_size):
            e = torch.zeros_like(x)
            e[:, j] = h
            with torch.no_grad():
                cols.append((_one_step(cell, x + e, u[:, t]) - _one_step(cell, x - e, u[:, t])) / (2 * h))
        fd = torch.stack(cols, dim=-1)
        assert (fd - J[:, t]).abs().max() < 1e-8


@pytest.mark.parametrize("cls", CELLS)
def test_products_are_the_autodiff_derivative_in_bptt_order(cls):
    cell, u = _cell(cls), _inputs(batch=1, T=8)
    J = cell.state_jacobians(u)
    states = cell.rollout(u)["states"].detach()
    k, t = 2, 7  # x_k = states[:, k-1]; x_t reached from x_k through inputs u_{k+1..t}

    def final_state(xk):
        return cell.rollout(u[:, k:t], x0=xk[None])["states"][0, -1]

    exact = torch.func.jacrev(final_state)(states[0, k - 1])
    products = L.jacobian_products(J, keep_products=True)
    i = k  # at lag h entry i is Phi(i+h, i)
    built = products.products[t - k - 1][0, i] * products.log_scales[t - k - 1][0, i].exp()
    assert (built - exact).abs().max() < 1e-12
    assert (L.propagator(J, t, k)[0] - exact).abs().max() < 1e-12
    reversed_order = torch.eye(cell.hidden_size, dtype=torch.float64)
    for j in range(t - 1, k - 1, -1):  # earliest factor on the left: the wrong propagator
        reversed_order = J[0, j] @ reversed_order
    assert (reversed_order - exact).abs().max() > 1e-6


def test_leaky_transport_with_no_recurrence_is_geometric():
    alpha = 0.3
    cell = _cell(L.LeakyRNN, alpha=alpha)
    with torch.no_grad():
        cell.W_r.zero_()
    J = cell.state_jacobians(_inputs(T=12))
    prods = L.jacobian_products(J)
    for h in (1, 5, 12):
        expected = h * math.log(1 - alpha)
        assert torch.allclose(prods.log_singular_values[h - 1], torch.full_like(prods.log_singular_values[h - 1], expected), atol=1e-12)


def test_frozen_multigate_equals_per_neuron_leaky_gradients():
    n, m = 12, 3
    alpha = torch.linspace(0.05, 0.5, n, dtype=torch.float64)
    multi = L.MultiGateRNN(m, n, seed=4, dtype=torch.float64, gate_weights="zero", gate_bias=0.5)
    leaky = L.LeakyRNN(m, n, alpha=alpha, seed=4, dtype=torch.float64)
    with torch.no_grad():
        multi.b_g.copy_(torch.log(alpha / (1 - alpha)))
        for name in ("W_r", "W_i", "W_o"):
            getattr(leaky, name).copy_(getattr(multi, name))
    u, y = _inputs(batch=5, T=15, m=m, seed=3), torch.randn(5, 1, dtype=torch.float64)
    grads = []
    for cell in (multi, leaky):
        loss = ((cell(u) - y) ** 2).mean()
        grads.append(torch.autograd.grad(loss, [cell.W_r, cell.W_i]))
    for g_multi, g_leaky in zip(*grads):
        assert (g_multi - g_leaky).abs().max() < 1e-12


def test_bptt_gradient_matches_finite_differences():
    cell, u = _cell(L.ScalarGateRNN, scale=1.5), _inputs(batch=3, T=9)
    y = torch.ones(3, 1, dtype=torch.float64)
    loss = lambda: ((cell(u) - y) ** 2).mean()  # noqa: E731
    grad = torch.autograd.grad(loss(), cell.W_r)[0]
    h = 1e-6
    for (i, j) in [(0, 0), (3, 7), (15, 2)]:
        with torch.no_grad():
            cell.W_r[i, j] += h
            up = loss()
            cell.W_r[i, j] -= 2 * h
            down = loss()
            cell.W_r[i, j] += h
        assert abs((up - down).item() / (2 * h) - grad[i, j].item()) <= 1e-6 * max(1.0, abs(grad[i, j].item()))


def test_same_seed_same_parameters():
    a, b = L.MultiGateRNN(3, 8, seed=7), L.MultiGateRNN(3, 8, seed=7)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_bad_input():
    cell = L.PlainRNN(3, 5, seed=0)
    with pytest.raises(ValueError, match="input_size"):
        L.PlainRNN(0, 5)
    with pytest.raises(TypeError, match="hidden_size"):
        L.PlainRNN(3, 2.5)
    with pytest.raises(ValueError, match="inputs"):
        cell(torch.zeros(2, 4, 2))
    with pytest.raises(TypeError, match="inputs"):
        cell([[0.0]])
    with pytest.raises(ValueError, match="inputs"):
        cell(torch.full((1, 2, 3), float("nan")))
    with pytest.raises(ValueError, match="alpha"):
        L.LeakyRNN(3, 5, alpha=1.5)
    with pytest.raises(ValueError, match="gate_bias"):
        L.MultiGateRNN(3, 5, gate_bias=1.0)
    with pytest.raises(ValueError, match="init"):
        L.PlainRNN(3, 5, init="xavier")
    J = cell.state_jacobians(torch.zeros(1, 4, 3))
    with pytest.raises(ValueError, match="max_lag"):
        L.jacobian_products(J, max_lag=5)
    with pytest.raises(ValueError, match="J"):
        L.jacobian_products(J[0])
    with pytest.raises(ValueError, match="k <= t"):
        L.propagator(J, 1, 3)


def test_sizes_are_checked_before_allocating_and_seeds_may_be_numpy_integers():
    import numpy as np

    with pytest.raises(ValueError, match="hidden_size is too large"):
        L.RecurrentCell(2, 10**12)  # failed deep inside torch before
    with pytest.raises(ValueError, match="input_size is too large"):
        L.PlainRNN(10**12, 4)
    a, b = L.MultiGateRNN(3, 5, seed=np.int64(3)), L.MultiGateRNN(3, 5, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    with pytest.raises(TypeError, match="bias"):
        L.PlainRNN(3, 5, bias=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="dtype"):
        L.PlainRNN(3, 5, dtype=np.zeros(3))
    with pytest.raises(TypeError, match="alpha"):
        L.LeakyRNN(3, 5, alpha="abc")
    with pytest.raises(TypeError, match="gate_bias"):
        L.ScalarGateRNN(3, 5, gate_bias="abc")
