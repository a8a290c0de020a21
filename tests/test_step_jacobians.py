"""Autograd state Jacobians of torch's standard recurrent modules (issue 16 §4).

Checks: the step functions reproduce each module's own forward pass; the Jacobians agree with
central finite differences; where a module coincides with a book cell (nn.RNN without biases and
PlainRNN) they equal the cell's hand-written Jacobians; a GRU whose update gate is held shut is the
identity map (carry 1); and the products of gatebook.learning accept them.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gatebook.learning import PlainRNN, jacobian_products
from gatebook.learning.step_jacobians import autograd_state_jacobians, rollout_states, step_function

torch.manual_seed(0)


def _modules():
    torch.manual_seed(1)
    return {
        "RNN-tanh": nn.RNN(3, 6, batch_first=True).double(),
        "RNN-relu": nn.RNN(3, 6, nonlinearity="relu", batch_first=True).double(),
        "GRU": nn.GRU(3, 6, batch_first=True).double(),
        "LSTM": nn.LSTM(3, 6, batch_first=True).double(),
        "GRUCell": nn.GRUCell(3, 6).double(),
        "LSTMCell": nn.LSTMCell(3, 6).double(),
        "RNNCell": nn.RNNCell(3, 6).double(),
    }


def _inputs(batch=4, T=9, seed=2):
    return torch.randn(batch, T, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", list(_modules()))
def test_steps_reproduce_the_modules_forward(name):
    module, u = _modules()[name], _inputs()
    states = rollout_states(module, u)
    with torch.no_grad():
        if isinstance(module, (nn.RNN, nn.GRU)):
            out, _ = module(u)
            torch.testing.assert_close(states[:, 1:], out, rtol=1e-12, atol=1e-12)
        elif isinstance(module, nn.LSTM):
            out, _ = module(u)
            torch.testing.assert_close(states[:, 1:, :6], out, rtol=1e-12, atol=1e-12)
        else:  # cells: step by step
            h = torch.zeros(4, 6, dtype=torch.float64)
            c = torch.zeros(4, 6, dtype=torch.float64)
            for t in range(u.shape[1]):
                if isinstance(module, nn.LSTMCell):
                    h, c = module(u[:, t], (h, c))
                    torch.testing.assert_close(states[:, t + 1], torch.cat([h, c], 1), rtol=1e-12, atol=1e-12)
                else:
                    h = module(u[:, t], h)
                    torch.testing.assert_close(states[:, t + 1], h, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(_modules()))
def test_jacobians_match_central_finite_differences(name):
    module, u = _modules()[name], _inputs(batch=2, T=5)
    f = step_function(module)
    J = autograd_state_jacobians(module, u)
    states = rollout_states(module, u)
    eps = 1e-6
    for b, t in [(0, 0), (1, 3), (0, 4)]:
        x, ut = states[b, t], u[b, t]
        with torch.no_grad():
            cols = [(f.step(x + eps * e, ut) - f.step(x - eps * e, ut)) / (2 * eps)
                    for e in torch.eye(f.state_size, dtype=torch.float64)]
        torch.testing.assert_close(J[b, t], torch.stack(cols, dim=1), rtol=1e-6, atol=1e-8)


def test_nn_rnn_without_biases_has_the_plain_cells_jacobians():
    """Where torch's module and the book's cell coincide, autograd equals the hand-written Jacobian."""
    cell = PlainRNN(3, 6, seed=0, dtype=torch.float64)
    rnn = nn.RNN(3, 6, bias=False, batch_first=True).double()
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(cell.W_r)
        rnn.weight_ih_l0.copy_(cell.W_i)
    u = _inputs()
    torch.testing.assert_close(autograd_state_jacobians(rnn, u), cell.state_jacobians(u), rtol=1e-12, atol=1e-13)


def test_gru_with_a_shut_update_gate_carries_its_state_unchanged():
    """z -> 1 (the book's write factor 1 - z -> 0): h_t = h_{t-1}, so every J_t is the identity."""
    gru = nn.GRU(3, 5, batch_first=True).double()
    with torch.no_grad():
        gru.weight_hh_l0[5:10].zero_()
        gru.weight_ih_l0[5:10].zero_()
        gru.bias_ih_l0[5:10].fill_(40.0)  # sigmoid(40) = 1 - 4e-18
    J = autograd_state_jacobians(gru, _inputs(), x0=torch.randn(4, 5, dtype=torch.float64))
    torch.testing.assert_close(J, torch.eye(5, dtype=torch.float64).expand_as(J), rtol=0, atol=1e-15)


def test_products_accept_autograd_jacobians():
    lstm = _modules()["LSTM"]
    J = autograd_state_jacobians(lstm, _inputs())
    prods = jacobian_products(J, 4, top=3)
    assert list(prods.lags) == [1, 2, 3, 4]
    top1 = torch.linalg.svdvals(J).amax(-1)  # lag 1: Phi(t, t-1) = J_t, one per step
    torch.testing.assert_close(prods.log_sensitivity(1), torch.log(top1), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "call, error, match",
    [(lambda: step_function(nn.Linear(2, 2)), TypeError, "module"),
     (lambda: step_function(nn.GRU(3, 4, num_layers=2)), ValueError, "one layer"),
     (lambda: step_function(nn.LSTM(3, 4, bidirectional=True)), ValueError, "one direction"),
     (lambda: autograd_state_jacobians(nn.GRU(3, 4).double(), torch.zeros(2, 5, 2, dtype=torch.float64)),
      ValueError, "inputs"),
     (lambda: autograd_state_jacobians(nn.GRU(3, 4).double(), torch.zeros(2, 5, 3, dtype=torch.float64),
                                       x0=torch.zeros(2, 3, dtype=torch.float64)), ValueError, "x0")],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
