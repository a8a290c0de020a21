r"""State Jacobians of standard torch recurrent networks by automatic differentiation (Part II).

Every measurement of credit transport in chapters 2–5 needs one thing from a network: the step
Jacobians :math:`J_t=\partial x_t/\partial x_{t-1}` along a trajectory, whose products
:math:`\Phi(t,k)=J_t\cdots J_{k+1}` carry the error back in time
(:func:`~gatebook.learning.jacobian_products`). The book's cells write :math:`J_t` by hand; this
module gets it from ``torch.func.jacrev`` for the standard modules, so that the same products,
anisotropy metrics and lag statistics apply to them:

=================================  ==========================================================
module                             step :math:`x_t=f(x_{t-1},u_t)` (torch's own equations)
=================================  ==========================================================
``nn.RNN``, ``nn.RNNCell``         :math:`h_t=\phi(W_{ih}u_t+b_{ih}+W_{hh}h_{t-1}+b_{hh})`,
                                   :math:`\phi=\tanh` or ReLU
``nn.GRU``, ``nn.GRUCell``         :math:`h_t=(1-z_t)\odot n_t+z_t\odot h_{t-1}` with update gate
                                   :math:`z_t`, reset gate :math:`r_t` and candidate
                                   :math:`n_t=\tanh(W_{in}u_t+b_{in}+r_t\odot(W_{hn}h_{t-1}+b_{hn}))`
``nn.LSTM``, ``nn.LSTMCell``       state :math:`x=(h,c)` of size :math:`2H`:
                                   :math:`c_t=f_t\odot c_{t-1}+i_t\odot g_t`,
                                   :math:`h_t=o_t\odot\tanh c_t`
=================================  ==========================================================

**Gate conventions.** The book's gate :math:`u` multiplies the candidate (its *write* factor) and
:math:`1-u` is the carry (see the notation page). A GRU's update gate :math:`z` multiplies the
*previous* state, so the book's write factor of a GRU is :math:`1-z` and its carry is :math:`z`.
An LSTM's carry of the cell state is its forget gate :math:`f` and its write factor the input gate
:math:`i` (not tied to :math:`1-f`).

Only one-layer, unidirectional modules are accepted (a deeper stack has one state per layer;
measure its layers one by one). Biases are used as the module has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .common import check_tensor

__all__ = ["StepFunction", "step_function", "rollout_states", "autograd_state_jacobians"]


@dataclass(frozen=True)
class StepFunction:
    """One step :math:`x_t=f(x_{t-1},u_t)` of a recurrent module, for single vectors (batch with ``torch.func.vmap``).

    Attributes
    ----------
    step : callable
        ``step(x_prev, u) -> x`` with ``x_prev`` of shape ``(state_size,)`` and ``u`` of shape
        ``(input_size,)``.
    state_size, input_size : int
    name : str
        The module's class name.
    convention : str
        How the module's gates map onto the book's write factor and carry.
    """

    step: Callable
    state_size: int
    input_size: int
    name: str
    convention: str


def _parameters(module, suffix: str):
    w_ih, w_hh = getattr(module, f"weight_ih{suffix}"), getattr(module, f"weight_hh{suffix}")
    b_ih, b_hh = getattr(module, f"bias_ih{suffix}", None), getattr(module, f"bias_hh{suffix}", None)
    return w_ih, w_hh, b_ih, b_hh


def _affine(W, b, v):
    out = W @ v
    return out if b is None else out + b


def step_function(module) -> StepFunction:
    """The step of a one-layer ``nn.RNN``/``nn.GRU``/``nn.LSTM`` or of an ``nn.RNNCell``/``GRUCell``/``LSTMCell``.

    Raises
    ------
    TypeError
        For any other object.
    ValueError
        For a module with several layers, two directions or projections (``proj_size``).
    """
    if isinstance(module, (nn.RNN, nn.GRU, nn.LSTM)):
        if module.num_layers != 1 or module.bidirectional or getattr(module, "proj_size", 0):
            raise ValueError(f"module must have one layer, one direction and no projection, got {module}")
        suffix, mode = "_l0", type(module).__name__
        if isinstance(module, nn.RNN):
            mode = "RNN_TANH" if module.nonlinearity == "tanh" else "RNN_RELU"
    elif isinstance(module, (nn.RNNCell, nn.GRUCell, nn.LSTMCell)):
        suffix = ""
        mode = type(module).__name__[:-4]
        if isinstance(module, nn.RNNCell):
            mode = "RNN_TANH" if module.nonlinearity == "tanh" else "RNN_RELU"
    else:
        raise TypeError("module must be a torch nn.RNN, nn.GRU, nn.LSTM or their Cell versions, "
                        f"got {type(module).__name__}")
    w_ih, w_hh, b_ih, b_hh = _parameters(module, suffix)
    H, m = module.hidden_size, module.input_size
    name = type(module).__name__

    if mode.startswith("RNN"):
        act = torch.tanh if mode == "RNN_TANH" else torch.relu

        def step(x, u):
            return act(_affine(w_ih, b_ih, u) + _affine(w_hh, b_hh, x))

        return StepFunction(step, H, m, name, "no gate: write factor 1, carry 0 (the book's PlainRNN with biases)")
    if mode == "GRU":
        def step(x, u):
            gi, gh = _affine(w_ih, b_ih, u), _affine(w_hh, b_hh, x)
            r = torch.sigmoid(gi[:H] + gh[:H])
            z = torch.sigmoid(gi[H:2 * H] + gh[H:2 * H])
            n = torch.tanh(gi[2 * H:] + r * gh[2 * H:])
            return (1.0 - z) * n + z * x

        return StepFunction(step, H, m, name, "update gate z multiplies the previous state: the book's write "
                                              "factor is 1 - z and its carry is z")

    def step(x, u):  # LSTM, state (h, c)
        h, c = x[:H], x[H:]
        g = _affine(w_ih, b_ih, u) + _affine(w_hh, b_hh, h)
        i, f = torch.sigmoid(g[:H]), torch.sigmoid(g[H:2 * H])
        cand, o = torch.tanh(g[2 * H:3 * H]), torch.sigmoid(g[3 * H:])
        c_new = f * c + i * cand
        return torch.cat([o * torch.tanh(c_new), c_new])

    return StepFunction(step, 2 * H, m, name, "state (h, c); the cell state's carry is the forget gate f and its "
                                              "write factor the input gate i")


def _as_step(module) -> StepFunction:
    return module if isinstance(module, StepFunction) else step_function(module)


def _check_inputs(inputs, f: StepFunction, x0):
    inputs = check_tensor(inputs, "inputs", ndim=3, shape=f"(batch, T, {f.input_size})")
    if inputs.shape[0] < 1 or inputs.shape[1] < 1 or inputs.shape[2] != f.input_size:
        raise ValueError(f"inputs must have shape (batch, T, {f.input_size}) with batch, T >= 1, "
                         f"got {tuple(inputs.shape)}")
    if x0 is None:
        return inputs, torch.zeros(inputs.shape[0], f.state_size, dtype=inputs.dtype)
    x0 = check_tensor(x0, "x0", ndim=2, shape=f"(batch, {f.state_size})")
    if x0.shape != (inputs.shape[0], f.state_size):
        raise ValueError(f"x0 must have shape ({inputs.shape[0]}, {f.state_size}), got {tuple(x0.shape)}")
    return inputs, x0.to(inputs.dtype)


@torch.no_grad()
def rollout_states(module, inputs: torch.Tensor, x0: torch.Tensor | None = None) -> torch.Tensor:
    r"""The states :math:`x_0,\dots,x_T` of ``module`` (or a :class:`StepFunction`) on ``inputs``: ``(batch, T+1, d)``.

    ``inputs`` has shape ``(batch, T, input_size)``; ``x0`` defaults to zeros (an LSTM's state is
    :math:`(h, c)`, so :math:`d=2H`). The steps are sequential in time and batched over examples.
    """
    f = _as_step(module)
    inputs, x = _check_inputs(inputs, f, x0)
    batched = torch.func.vmap(f.step)
    states = [x]
    for t in range(inputs.shape[1]):  # a recurrence: each state needs the previous one
        x = batched(x, inputs[:, t])
        states.append(x)
    return torch.stack(states, dim=1)


@torch.no_grad()
def autograd_state_jacobians(module, inputs: torch.Tensor, x0: torch.Tensor | None = None) -> torch.Tensor:
    r"""Step Jacobians :math:`J_t=\partial x_t/\partial x_{t-1}` by reverse-mode autograd: ``(batch, T, d, d)``.

    The trajectory is computed first (:func:`rollout_states`); then every :math:`J_t` of every
    example is one ``torch.func.jacrev`` of the step, vectorised over all (example, step) pairs
    at once. The result plugs into :func:`~gatebook.learning.jacobian_products` and the
    anisotropy metrics like a book cell's ``state_jacobians``. Use float64 modules and inputs
    for long lags.

    Examples
    --------
    >>> import torch
    >>> gru = torch.nn.GRU(3, 5, batch_first=True).double()
    >>> u = torch.randn(2, 7, 3, dtype=torch.float64)
    >>> autograd_state_jacobians(gru, u).shape
    torch.Size([2, 7, 5, 5])
    """
    f = _as_step(module)
    inputs, x0 = _check_inputs(inputs, f, x0)
    states = rollout_states(f, inputs, x0)
    batch, T, m = inputs.shape
    d = f.state_size
    prev = states[:, :-1].reshape(batch * T, d)
    with torch.enable_grad():
        J = torch.func.vmap(torch.func.jacrev(f.step, argnums=0))(prev, inputs.reshape(batch * T, m))
    return J.reshape(batch, T, d, d)
