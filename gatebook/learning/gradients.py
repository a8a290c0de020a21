r"""Per-example gradients with ``torch.func`` (chapter 5).

For a batch of :math:`M` sequences, row :math:`i` of the gradient matrix
:math:`G\in\mathbb R^{M\times P}` is :math:`\nabla_\theta\,\ell(f_\theta(u^{(i)}), y^{(i)})`,
all parameters flattened in ``named_parameters`` order. Two exact routes, both without a
Python loop over examples:

* ``method="credit"`` (default). Examples never interact, so one gradient of the *summed*
  loss with respect to per-step offsets of the pre-activations (``torch.func.grad``)
  yields every example's credit :math:`\partial\ell^{(i)}/\partial a^{(i)}_t` and, for gated
  cells, :math:`\partial\ell^{(i)}/\partial a^{u(i)}_t`. Each weight's gradient is then a
  contraction over time, e.g.

  .. math:: \nabla_{W_{\rm rec}}\ell^{(i)} = \sum_t \frac{\partial\ell^{(i)}}{\partial a^{(i)}_t}\,x^{(i)\top}_{t-1},
     \qquad \nabla_{W_{\rm in}}\ell^{(i)} = \sum_t \frac{\partial\ell^{(i)}}{\partial a^{(i)}_t}\,I^{(i)\top}_t .

* ``method="vmap"``: ``torch.func.vmap`` over ``torch.func.grad`` of one example's loss,
  the generic recipe (slower: it accumulates an :math:`M\times N\times N` gradient at every
  time step).

They agree to round-off (tested); the row mean is the full-batch gradient of the mean loss.
"""

from __future__ import annotations

import torch
from torch.func import functional_call, grad, vmap

from .._validation import check_choice
from .common import check_cell, check_targets

__all__ = ["per_example_gradients"]


def _by_vmap(cell, inputs, targets):
    params = {name: p.detach() for name, p in cell.named_parameters()}
    buffers = {name: b for name, b in cell.named_buffers()}

    def loss(p, u, y):
        # Inputs were validated above; the unchecked path has no data-dependent branches.
        out = functional_call(cell, (p, buffers), args=(u[None],), kwargs={"_unchecked": True})
        return ((out[0] - y) ** 2).sum()

    return vmap(grad(loss), in_dims=(None, 0, 0))(params, inputs, targets)


def _by_credit(cell, inputs, targets):
    M, T, _ = inputs.shape
    n, dtype = cell.hidden_size, inputs.dtype
    states = []  # x_0 .. x_T of every example, filled by the forward pass

    def summed_loss(drive_offset, gate_offset):
        states.clear()
        out = cell(inputs, _unchecked=True, drive_offset=drive_offset, gate_offset=gate_offset, _keep_states=states)
        return ((out - targets) ** 2).sum(), out

    zero_a = torch.zeros(M, T, n, dtype=dtype)
    zero_g = torch.zeros(M, T, cell.W_rg.shape[0], dtype=dtype) if cell.gated else None
    argnums = (0, 1) if cell.gated else 0
    with torch.no_grad():
        credits, out = grad(summed_loss, argnums=argnums, has_aux=True)(zero_a, zero_g)
    credit_a, credit_g = credits if cell.gated else (credits, None)
    x = torch.stack([s.detach() for s in states], dim=1)  # (M, T+1, n)
    previous, final = x[:, :-1], x[:, -1]
    rows = {
        "W_r": torch.einsum("btn,btj->bnj", credit_a, previous),
        "W_i": torch.einsum("btn,btj->bnj", credit_a, inputs),
        "W_o": (2.0 * (out.detach() - targets))[:, :, None] * final[:, None, :],
        "b": credit_a.sum(dim=1),
    }
    if cell.gated:
        rows.update({
            "W_rg": torch.einsum("btr,btj->brj", credit_g, previous),
            "W_ig": torch.einsum("btr,btj->brj", credit_g, inputs),
            "b_g": credit_g.sum(dim=1),
        })
    return rows


def per_example_gradients(cell, inputs: torch.Tensor, targets: torch.Tensor, *, method: str = "credit") -> torch.Tensor:
    r"""Matrix :math:`G` (``(M, P)``) of per-example gradients of the squared error :math:`(y-\hat y)^2`.

    Parameters
    ----------
    cell : gatebook.learning.RecurrentCell
    inputs : Tensor, shape (M, T, m)
    targets : Tensor, shape (M, 1)
    method : {"credit", "vmap"}
        How to compute it (see the module docstring); both are exact.

    Raises
    ------
    TypeError
        If ``cell`` is not a Part II cell, or ``inputs`` or ``targets`` is not a tensor.
    ValueError
        If ``inputs`` or ``targets`` has the wrong shape or holds NaN or infinite values.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import MultiGateRNN
    >>> cell = MultiGateRNN(2, 4, seed=0, dtype=torch.float64)
    >>> u, y = torch.ones(3, 5, 2, dtype=torch.float64), torch.zeros(3, 1, dtype=torch.float64)
    >>> per_example_gradients(cell, u, y).shape   # 3 examples, 16+8+4+16+8 parameters
    torch.Size([3, 52])
    """
    method = check_choice(method, "method", {"credit", "vmap"})
    inputs = check_cell(cell)._check_inputs(inputs)
    targets = check_targets(targets, inputs.shape[0]).to(inputs.dtype)
    rows = _by_vmap(cell, inputs, targets) if method == "vmap" else _by_credit(cell, inputs, targets)
    return torch.cat([rows[name].reshape(inputs.shape[0], -1) for name, _ in cell.named_parameters()], dim=1)
