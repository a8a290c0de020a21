r"""Gate traces and the credit that back-propagation delivers to every step (chapter 3).

Two measurements show where a lag profile's numbers come from: :func:`gate_traces` returns
the write factor :math:`\gamma_t` (the gate value :math:`u_t` of a gated cell) along each
sequence, and :func:`step_credit` returns the credit :math:`\partial\ell/\partial a_t` that
back-propagation delivers to every step, to be compared with its zeroth-order prediction
:func:`zeroth_order_weights`,

.. math:: w_k = \gamma_k \prod_{j=k+1}^{T} c_j ,

with the per-step factor :math:`c_j` named, never implied: ``"carry"``
(:math:`c_j=1-\gamma_j`) or ``"update"`` (:math:`c_j=\gamma_j`). Measurements are made on
:func:`analysis_copy`, a float64 copy of the cell.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from .._validation import check_choice
from .common import check_cell
from .lag_profile import CONVENTIONS

__all__ = ["analysis_copy", "gate_traces", "step_credit", "zeroth_order_weights"]


def analysis_copy(cell):
    """An independent float64 copy of ``cell`` for measurements (the original is untouched).

    Training runs in float32; products of Jacobians and their SVDs are taken in float64
    (science note, §4.1).

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import ScalarGateRNN
    >>> analysis_copy(ScalarGateRNN(3, 8, seed=0)).W_r.dtype
    torch.float64
    """
    check_cell(cell)
    return copy.deepcopy(cell).double()


@torch.no_grad()
def gate_traces(cell, inputs: torch.Tensor) -> np.ndarray:
    r"""The write factor :math:`\gamma_t` of ``cell`` along each input sequence (chapter 3).

    For a gated cell this is the gate value :math:`u_t=\sigma(a^u_t)` with

    .. math:: a^u_t = W^u_{\rm rec}\,x_{t-1} + W^u_{\rm in} I_t\;(+\,b^u),

    one number per step for :class:`~gatebook.learning.ScalarGateRNN`.

    Parameters
    ----------
    cell : gatebook.learning cell
    inputs : torch.Tensor, shape (batch, T, m)

    Returns
    -------
    numpy.ndarray
        Shape ``(batch, T)`` when the write factor is one number per step (scalar gate,
        scalar leak, plain cell), ``(batch, T, n)`` for per-neuron gates or leaks. Entry
        ``[:, t-1]`` is :math:`\gamma_t`, the factor used to compute :math:`x_t`.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import ScalarGateRNN
    >>> u = torch.rand(2, 5, 3, generator=torch.Generator().manual_seed(0))
    >>> gate_traces(ScalarGateRNN(3, 8, seed=0), u).shape
    (2, 5)
    """
    check_cell(cell)
    write = cell.rollout(inputs)["write"]
    out = write.detach().to(torch.float64).cpu().numpy()
    return out[..., 0] if out.shape[-1] == 1 else out


def zeroth_order_weights(gates, convention: str) -> np.ndarray:
    r"""Zeroth-order weight of the credit that reaches step :math:`k` from the final step :math:`T`.

    Freezing the gates and keeping the diagonal part of every Jacobian, back-propagation
    scales the credit arriving at step :math:`k` by (chapter 3)

    .. math:: w_k = \gamma_k \prod_{j=k+1}^{T} c_j,
        \qquad c_j = 1-\gamma_j\ (\texttt{"carry"})\quad\text{or}\quad c_j=\gamma_j\ (\texttt{"update"}),

    so SGD's step on the weights used at step :math:`k` is :math:`\mu\,w_k` times the
    transported error: :math:`\mu w_k` is the effective learning rate :math:`\mu_{\rm eff}(T,k)`.
    For a scalar gate :math:`w_k` is one number shared by every neuron.

    Parameters
    ----------
    gates : array_like, shape (batch, T) or (batch, T, n)
        Write factors :math:`\gamma_1,\dots,\gamma_T` in (0, 1], e.g. from :func:`gate_traces`.
    convention : {"carry", "update"}

    Returns
    -------
    numpy.ndarray
        Same shape as ``gates``; entry ``[:, k-1]`` is :math:`w_k` (so the last step has
        weight :math:`\gamma_T`).

    Examples
    --------
    >>> zeroth_order_weights([[0.5, 0.5, 0.5]], "carry").tolist()
    [[0.125, 0.25, 0.5]]
    """
    check_choice(convention, "convention", set(CONVENTIONS))
    if hasattr(gates, "detach"):
        gates = gates.detach().cpu().double().numpy()
    if gates is None or isinstance(gates, (str, bytes)):
        raise TypeError(f"gates must be an array of write factors in (0, 1], got {gates!r}")
    try:
        g = np.asarray(gates, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError("gates must be an array of write factors in (0, 1]") from err
    if g.ndim not in (2, 3) or g.shape[0] < 1 or g.shape[1] < 1:
        raise ValueError(f"gates must have shape (batch, T) or (batch, T, n), got {g.shape}")
    if not np.all(np.isfinite(g)) or np.any(g <= 0) or np.any(g > 1):
        raise ValueError("gates must be finite write factors in (0, 1]")
    c = 1.0 - g if convention == "carry" else g
    # prod_{j=k+1}^{T} c_j as a reversed cumulative product, shifted by one step
    tail = np.flip(np.cumprod(np.flip(c, axis=1), axis=1), axis=1)
    after = np.concatenate([tail[:, 1:], np.ones_like(tail[:, :1])], axis=1)
    return g * after


def step_credit(cell, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Credit :math:`\partial\ell_b/\partial a_t` that back-propagation delivers to every step (chapter 3).

    For example :math:`b` with squared error :math:`\ell_b=(W_ox_T-y_b)^2`, the gradient of the
    loss with respect to the input weights is :math:`\sum_t (\partial\ell_b/\partial a_t)\,I_t^\top`:
    the credit at step :math:`t` times the input of that step. Under SGD the update of the
    weights used at step :math:`t` is therefore :math:`-\mu\,\partial\ell_b/\partial a_t` (times
    :math:`I_t^\top`). The credit is computed exactly by automatic differentiation (an added
    zero offset on :math:`a_t`); parameter gradients are left untouched.

    Parameters
    ----------
    cell : gatebook.learning cell
    inputs : torch.Tensor, shape (batch, T, m)
    targets : torch.Tensor, shape (batch, 1)

    Returns
    -------
    torch.Tensor, shape (batch, T, n)
        Entry ``[:, t-1]`` is :math:`\partial\ell_b/\partial a_t`, in the cell's dtype.

    Notes
    -----
    For a scalar gate that reads only the input (:math:`W^u_{\rm rec}=0`), without
    recurrence (:math:`W_{\rm rec}=0`) and with a linear candidate, the credit is exactly
    :math:`2(y_b-y^\ast_b)\,w_k\,W_o^\top` with :math:`w_k` from :func:`zeroth_order_weights`
    (``"carry"``): one data-dependent scalar per step, the same for every neuron.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import ScalarGateRNN
    >>> from gatebook.learning.tasks import adding
    >>> b = adding(2, T=6, m=3, seed=0)
    >>> step_credit(ScalarGateRNN(3, 4, seed=0), b.inputs, b.targets).shape
    torch.Size([2, 6, 4])
    """
    check_cell(cell)
    u = cell._check_inputs(inputs)
    if not isinstance(targets, torch.Tensor):
        raise TypeError(f"targets must be a torch.Tensor of shape ({u.shape[0]}, 1), got {type(targets).__name__}")
    if tuple(targets.shape) != (u.shape[0], 1):
        raise ValueError(f"targets must have shape ({u.shape[0]}, 1), got {tuple(targets.shape)}")
    if not torch.isfinite(targets).all():
        raise ValueError("targets contain NaN or infinite values")
    offset = torch.zeros(u.shape[0], u.shape[1], cell.hidden_size, dtype=u.dtype, requires_grad=True)
    with torch.enable_grad():
        y = cell(u, _unchecked=True, drive_offset=offset)
        loss = ((y - targets.to(u.dtype)) ** 2).sum()  # examples are independent: per-example credit
        (credit,) = torch.autograd.grad(loss, offset)
    return credit
