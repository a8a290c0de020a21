r"""Per-example gradients with ``torch.func`` (chapter 5).

For a batch of :math:`M` sequences, row :math:`i` of the gradient matrix
:math:`G\in\mathbb R^{M\times P}` is :math:`\nabla_\theta\,\ell(f_\theta(u^{(i)}), y^{(i)})`,
all parameters flattened in ``named_parameters`` order. ``torch.func.vmap`` over
``torch.func.grad`` computes every row in one vectorised pass instead of :math:`M` backward
passes. Its row mean is the full-batch gradient of the mean loss.
"""

from __future__ import annotations

import torch
from torch.func import functional_call, grad, vmap

__all__ = ["per_example_gradients"]


def per_example_gradients(cell, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Matrix :math:`G` (``(M, P)``) of per-example gradients of the squared error :math:`(y-\hat y)^2`.

    Parameters
    ----------
    cell : gatebook.learning.RecurrentCell
    inputs : Tensor, shape (M, T, m)
    targets : Tensor, shape (M, 1)
    """
    inputs = cell._check_inputs(inputs)
    if not isinstance(targets, torch.Tensor) or targets.shape != (inputs.shape[0], 1):
        raise ValueError(f"targets must be a tensor of shape ({inputs.shape[0]}, 1), got {getattr(targets, 'shape', type(targets).__name__)}")
    targets = targets.to(inputs.dtype)
    params = {name: p.detach() for name, p in cell.named_parameters()}
    buffers = {name: b for name, b in cell.named_buffers()}

    def loss(p, u, y):
        # Inputs were validated above; the unchecked path has no data-dependent branches.
        out = functional_call(cell, (p, buffers), args=(u[None],), kwargs={"_unchecked": True})
        return ((out[0] - y) ** 2).sum()

    rows = vmap(grad(loss), in_dims=(None, 0, 0))(params, inputs, targets)
    return torch.cat([rows[name].reshape(inputs.shape[0], -1) for name in params], dim=1)
