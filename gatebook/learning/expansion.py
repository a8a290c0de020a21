r"""First-order (Fréchet) expansion of a Jacobian product in the gates' state dependence (chapter 4).

Split each state Jacobian into the part with the gates held fixed and the part that comes
from the gates' dependence on the state,

.. math::

    J_j = A_j + B_j,\qquad
    A_j = \mathrm{diag}(1-\gamma_j) + \mathrm{diag}(\gamma_j\phi'(a_j))W_r,\qquad
    B_j = \mathrm{diag}\big(d_j\,\sigma'(a^g_j)\big)W_{rg},

and scale the correction: :math:`\Phi_\varepsilon=\prod_j(A_j+\varepsilon B_j)` (later
factors on the left). Then :math:`\Phi_\varepsilon=\Phi_0+\varepsilon L+O(\varepsilon^2)`
with the Fréchet derivative

.. math:: L=\sum_{i=k+1}^{t}(A_t\cdots A_{i+1})\,B_i\,(A_{i-1}\cdots A_{k+1}),

computed by the forward recursion :math:`\Phi^{(0)}_j=A_j\Phi^{(0)}_{j-1}`,
:math:`L_j=A_jL_{j-1}+B_j\Phi^{(0)}_{j-1}`. The truncation error
:math:`E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi_0-\varepsilon L\rVert_F` falls like
:math:`\varepsilon^2`. Use float64: in float32 it hits round-off near :math:`\varepsilon=10^{-3}`.
"""

from __future__ import annotations

import torch

__all__ = ["jacobian_split", "first_order_expansion", "scaled_product", "truncation_error"]


@torch.no_grad()
def jacobian_split(cell, inputs: torch.Tensor):
    r"""``(A, B)``, each ``(batch, T, n, n)``, with ``A + B`` the exact state Jacobians. ``B = 0`` for ungated cells."""
    r = cell.rollout(inputs)
    J = cell.jacobians_from_rollout(r)
    gamma = r["write"]
    n = cell.hidden_size
    A = (gamma * cell.phi_prime_from_candidate(r["candidate"])).unsqueeze(-1) * cell.W_r
    A = A + torch.diag_embed((1.0 - gamma).expand(*gamma.shape[:2], n))
    return A, J - A


def _window(M: torch.Tensor, k: int, t: int) -> torch.Tensor:
    T = M.shape[1]
    if not (isinstance(k, int) and isinstance(t, int)) or not 0 <= k < t <= T:
        raise ValueError(f"need integers 0 <= k < t <= T={T}, got k={k!r}, t={t!r}")
    return M[:, k:t]  # factors J_{k+1} .. J_t


def first_order_expansion(A: torch.Tensor, B: torch.Tensor, k: int, t: int):
    r"""``(Phi0, L)``: the product of the ``A_j`` from ``k+1`` to ``t`` and its Fréchet derivative along ``B``."""
    A_w, B_w = _window(A, k, t), _window(B, k, t)
    eye = torch.eye(A.shape[-1], dtype=A.dtype).expand(A.shape[0], -1, -1)
    phi0, L = eye.clone(), torch.zeros_like(eye)
    for j in range(A_w.shape[1]):  # the recursion runs forward in time
        L = A_w[:, j] @ L + B_w[:, j] @ phi0
        phi0 = A_w[:, j] @ phi0
    return phi0, L


def scaled_product(A: torch.Tensor, B: torch.Tensor, k: int, t: int, eps: float) -> torch.Tensor:
    r""":math:`\Phi_\varepsilon=\prod_{j=k+1}^{t}(A_j+\varepsilon B_j)`, later factors on the left."""
    M = _window(A, k, t) + eps * _window(B, k, t)
    P = torch.eye(A.shape[-1], dtype=A.dtype).expand(A.shape[0], -1, -1).clone()
    for j in range(M.shape[1]):
        P = M[:, j] @ P
    return P


def truncation_error(A: torch.Tensor, B: torch.Tensor, k: int, t: int, eps_values) -> torch.Tensor:
    r""":math:`E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi_0-\varepsilon L\rVert_F` for each ε: ``(len(eps), batch)``."""
    phi0, L = first_order_expansion(A, B, k, t)
    errors = [torch.linalg.matrix_norm(scaled_product(A, B, k, t, float(e)) - phi0 - float(e) * L) for e in eps_values]
    return torch.stack(errors)
