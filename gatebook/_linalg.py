"""The one matrix product every model step needs: a few stacked vectors times the couplings.

A simulation step multiplies the coupling matrix :math:`W` (``N x N``) by one vector; a
Lyapunov step by the state and ``k`` tangent vectors at once. The product is
memory-bound when only a few vectors are stacked, so what matters is reading :math:`W`
once. numpy's BLAS (OpenBLAS) handles a single vector well but reads :math:`W` several
times for two to a few dozen stacked vectors; PyTorch's CPU matrix product reads it once.
:func:`rows_times_transpose` therefore uses torch for stacked rows when torch is installed
(set ``GATEBOOK_NUMPY_ONLY=1`` to keep numpy), numpy for a single vector, and always
returns numpy arrays. Both give the same numbers to rounding.

These narrow products (and the tall-and-thin QR of the Lyapunov method) are bound by
memory traffic, not arithmetic, so extra threads cannot speed them up; on a busy machine
they slowed them down 10-30 times. They therefore run on one torch thread, whatever
the caller's torch setting (which is restored at once, at a cost below a microsecond).
Wide batches (more than :data:`NARROW_ROWS` rows) are arithmetic-bound and use the
caller's threads.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["rows_times_transpose", "orthonormalise", "orthonormalise_stack", "torch_backend_enabled"]

_TORCH = None  # None: not yet looked up; False: unavailable or disabled; else the module

#: Up to this many stacked rows a product is memory-bound and runs on one thread.
NARROW_ROWS = 64


def _torch():
    global _TORCH
    if _TORCH is None:
        if os.environ.get("GATEBOOK_NUMPY_ONLY", "") not in ("", "0"):
            _TORCH = False
        else:
            try:
                import torch
            except ImportError:  # pragma: no cover - torch is in the tested environment
                _TORCH = False
            else:
                _TORCH = torch
    return _TORCH


class _one_torch_thread:
    """Run a memory-bound torch operation on one thread, then restore the caller's setting."""

    __slots__ = ("torch", "saved")

    def __init__(self, torch):
        self.torch = torch

    def __enter__(self):
        self.saved = self.torch.get_num_threads()
        if self.saved != 1:
            self.torch.set_num_threads(1)

    def __exit__(self, *exc):
        if self.saved != 1:
            self.torch.set_num_threads(self.saved)
        return False


def torch_backend_enabled() -> bool:
    """True when stacked products go through PyTorch."""
    return _torch() is not False


def rows_times_transpose(rows: np.ndarray, W: np.ndarray) -> np.ndarray:
    r"""Return ``rows @ W.T`` for ``rows`` of shape ``(m, N)`` or ``(N,)``, i.e. :math:`W` applied to each row.

    ``W`` must be C-contiguous. The result has the shape of ``rows``.
    """
    if rows.ndim == 1:
        return W @ rows
    torch = _torch()
    if torch is False or rows.dtype != W.dtype:
        return rows @ W.T
    rows = np.ascontiguousarray(rows)
    if rows.shape[0] > NARROW_ROWS:
        return (torch.from_numpy(rows) @ torch.from_numpy(W).T).numpy()
    with _one_torch_thread(torch):
        return (torch.from_numpy(rows) @ torch.from_numpy(W).T).numpy()


def orthonormalise(Q: np.ndarray):
    r"""QR factorisation :math:`Q=\tilde QR` with :math:`R_{ii}>0`; returns :math:`(\tilde Q, \ln R_{ii})`.

    The re-orthonormalisation step of the QR method for Lyapunov exponents. LAPACK through
    torch is several times faster than through numpy for tall-and-thin matrices here.
    """
    if Q.shape[1] == 1:
        norm = np.linalg.norm(Q[:, 0])
        return Q / norm, np.array([np.log(norm)])
    torch = _torch()
    if torch is False:
        q, r = np.linalg.qr(Q)
    else:
        with _one_torch_thread(torch):
            q, r = (t.numpy() for t in torch.linalg.qr(torch.from_numpy(np.ascontiguousarray(Q))))
    diag = np.diagonal(r)
    return q * np.where(diag < 0, -1.0, 1.0), np.log(np.abs(diag))


def orthonormalise_stack(Q):
    r""":func:`orthonormalise` for a torch stack ``Q`` of shape ``(S, d, k)``, one QR per network.

    The factorisation runs in float64 whatever the precision of ``Q`` (float32 tangent
    vectors lose orthogonality to round-off otherwise); returns :math:`\tilde Q` in the
    precision of ``Q`` and :math:`\ln R_{ii}` in float64, shape ``(S, k)``.
    """
    import torch

    Q64 = Q.double()
    if Q.shape[-1] == 1:
        norm = torch.linalg.vector_norm(Q64, dim=1)  # (S, 1)
        return (Q64 / norm[:, None, :]).to(Q.dtype), torch.log(norm)
    q, r = torch.linalg.qr(Q64)
    diag = torch.diagonal(r, dim1=-2, dim2=-1)
    return (q * torch.where(diag < 0, -1.0, 1.0)[:, None, :]).to(Q.dtype), torch.log(torch.abs(diag))
