r"""Does credit travel along the direction the loss cares about? An alignment with an exact null (Part II).

The paper's abstract (v5) says that gates steer credit "towards the directions the loss cares
about" (Livi, 2025). For a cell with a linear readout :math:`y=W_ox_T` scored by the
squared error, the error that enters backpropagation at the last step is
:math:`\delta_T=\partial\mathcal L/\partial x_T\propto W_o^\top`: the loss cares about one
direction of the final state, :math:`\hat w=W_o^\top/\lVert W_o\rVert`. The credit that reaches
step :math:`k` is :math:`\Phi(T,k)^\top\delta_T`, so the share of the propagator's largest gain
that this direction receives is

.. math::

    A(k)=\frac{\lVert\Phi(T,k)^\top\hat w\rVert^2}{\lVert\Phi(T,k)\rVert_2^2}\in[0,1],

equal to 1 when :math:`\hat w` is the propagator's top left singular vector. The null is exact:
for a direction :math:`r` drawn uniformly on the sphere,
:math:`\mathbb E\,\lVert\Phi^\top r\rVert^2=\lVert\Phi\rVert_F^2/n`, so

.. math:: N(k)=\frac{\lVert\Phi(T,k)\rVert_F^2}{n\,\lVert\Phi(T,k)\rVert_2^2},

and :math:`A/N>1` means the readout direction is transported better than a random one.
:func:`readout_alignment` returns both by lag :math:`h=T-k`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .common import check_cell, check_tensor

__all__ = ["ReadoutAlignment", "readout_alignment"]


@dataclass
class ReadoutAlignment:
    r"""Alignment of credit transport with the readout direction, by lag (see the module notes).

    Attributes
    ----------
    lags : ndarray of int, shape (H,)
        :math:`h=T-k`, from 1 to :math:`T`.
    alignment : ndarray, shape (batch, H)
        :math:`A` for every example and lag.
    null : ndarray, shape (batch, H)
        :math:`N`, the expected :math:`A` of a uniformly random direction.
    """

    lags: np.ndarray
    alignment: np.ndarray
    null: np.ndarray

    @property
    def ratio(self) -> np.ndarray:
        r""":math:`A/N` for every example and lag, ``(batch, H)``."""
        return self.alignment / self.null

    def median_ratio(self) -> np.ndarray:
        r"""Median of :math:`A/N` over examples, by lag, ``(H,)``."""
        return np.median(self.ratio, axis=0)


@torch.no_grad()
def readout_alignment(cell, inputs: torch.Tensor) -> ReadoutAlignment:
    r""":math:`A(k)` and its random-direction null :math:`N(k)` for ``cell`` on ``inputs`` (``(batch, T, m)``).

    The propagators :math:`\Phi(T,k)=\Phi(T,k+1)J_{k+1}` are built backwards from the last step,
    renormalised at every factor (both :math:`A` and :math:`N` are scale-free), in the cell's
    dtype: pass a float64 copy for long sequences.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import MultiGateRNN
    >>> cell = MultiGateRNN(3, 8, seed=0, dtype=torch.float64)
    >>> res = readout_alignment(cell, torch.rand(2, 10, 3, dtype=torch.float64))
    >>> res.alignment.shape, bool(((res.alignment >= 0) & (res.alignment <= 1 + 1e-12)).all())
    ((2, 10), True)
    """
    check_cell(cell)
    inputs = check_tensor(inputs, "inputs", ndim=3, shape=f"(batch, T, {cell.input_size})")
    if inputs.shape[-1] != cell.input_size or inputs.shape[0] < 1 or inputs.shape[1] < 1:
        raise ValueError(f"inputs must have shape (batch, T, {cell.input_size}), got {tuple(inputs.shape)}")
    J = cell.state_jacobians(inputs.to(cell.W_r.dtype))  # (batch, T, n, n)
    batch, T, n, _ = J.shape
    w = cell.W_o[0] / torch.linalg.vector_norm(cell.W_o[0])
    tiny = torch.finfo(J.dtype).tiny
    P = torch.eye(n, dtype=J.dtype).expand(batch, n, n)
    A, N = [], []
    for k in range(T - 1, -1, -1):  # lag h = T - k: one more factor on the right at each step back
        P = P @ J[:, k]
        P = P / torch.linalg.matrix_norm(P).clamp_min(tiny)[:, None, None]  # Frobenius norm 1
        top = torch.linalg.matrix_norm(P, ord=2).clamp_min(tiny)
        A.append(torch.linalg.vector_norm(P.mT @ w, dim=-1) ** 2 / top**2)
        N.append(1.0 / (n * top**2))  # ||P||_F = 1 after the renormalisation
    return ReadoutAlignment(lags=np.arange(1, T + 1), alignment=torch.stack(A, 1).numpy(),
                            null=torch.stack(N, 1).numpy())
