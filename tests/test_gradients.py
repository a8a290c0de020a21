"""Per-example gradients by torch.func equal single backward passes; their mean is the batch gradient."""

import pytest
import torch

import gatebook.learning as L
from gatebook.learning.gradients import per_example_gradients


@pytest.mark.parametrize("cls", [L.PlainRNN, L.LeakyRNN, L.ScalarGateRNN, L.MultiGateRNN])
@pytest.mark.parametrize("method", ["credit", "vmap"])
def test_rows_equal_single_backward_passes(cls, method):
    cell = cls(3, 8, seed=1, dtype=torch.float64, bias=True)
    gen = torch.Generator().manual_seed(0)
    u = torch.randn(5, 12, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(5, 1, generator=gen, dtype=torch.float64)
    G = per_example_gradients(cell, u, y, method=method)
    params = list(cell.parameters())
    assert G.shape == (5, sum(p.numel() for p in params))
    for i in range(5):
        loss = ((cell(u[i : i + 1]) - y[i : i + 1]) ** 2).sum()
        row = torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)])
        torch.testing.assert_close(G[i], row, rtol=1e-12, atol=1e-14)
    batch_grad = torch.autograd.grad(((cell(u) - y) ** 2).mean(), params)
    torch.testing.assert_close(G.mean(dim=0), torch.cat([g.reshape(-1) for g in batch_grad]), rtol=1e-12, atol=1e-14)


def test_bad_targets():
    cell = L.PlainRNN(3, 4, seed=0)
    with pytest.raises(ValueError, match="targets"):
        per_example_gradients(cell, torch.zeros(2, 5, 3), torch.zeros(3, 1))


@pytest.mark.parametrize("cls", [L.LeakyRNN, L.ScalarGateRNN, L.MultiGateRNN])
def test_the_two_methods_agree_without_biases_and_with_linear_units(cls):
    cell = cls(2, 6, seed=4, dtype=torch.float64, nonlinearity="linear")
    gen = torch.Generator().manual_seed(3)
    u, y = torch.randn(7, 9, 2, generator=gen, dtype=torch.float64), torch.randn(7, 1, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(per_example_gradients(cell, u, y), per_example_gradients(cell, u, y, method="vmap"),
                               rtol=1e-12, atol=1e-14)


def test_unknown_method():
    cell = L.PlainRNN(3, 4, seed=0)
    with pytest.raises(ValueError, match="method"):
        per_example_gradients(cell, torch.zeros(2, 5, 3), torch.zeros(2, 1), method="loop")


def test_nan_targets_and_non_cells_are_refused():
    # NaN targets gave an all-NaN gradient matrix before
    cell = L.MultiGateRNN(3, 4, seed=0, dtype=torch.float64)
    u, y = torch.zeros(2, 5, 3, dtype=torch.float64), torch.tensor([[0.0], [float("nan")]], dtype=torch.float64)
    for method in ("credit", "vmap"):
        with pytest.raises(ValueError, match="targets"):
            per_example_gradients(cell, u, y, method=method)
    with pytest.raises(TypeError, match="targets"):
        per_example_gradients(cell, u, [[0.0], [1.0]])
    with pytest.raises(TypeError, match="cell"):
        per_example_gradients("cell", u, torch.zeros(2, 1))
