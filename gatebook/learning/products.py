r"""Products of state Jacobians in BPTT order, for every pair of times, by lag (chapters 2–5).

Credit assigned at time :math:`t` reaches the state at an earlier time :math:`k` through

.. math::

    \Phi(t,k) = \frac{\partial x_t}{\partial x_k} = J_t J_{t-1}\cdots J_{k+1},
    \qquad \Phi(t,t)=\mathbb 1,

with **new factors on the left** (the reversed product has different singular values).
All pairs with the same lag :math:`h=t-k` are computed together: the recursion
:math:`\Phi(t,t-h) = J_t\,\Phi(t-1,t-h)` is one batched matrix product per lag. Long
products under- or overflow, so each is renormalised as it is built and its logarithmic
scale is carried separately; singular values come back as logarithms. The sensitivity of
the effective-learning-rate analysis is :math:`S_{t,k}=\lVert\Phi(t,k)\rVert_2`.

Indexing: ``J[:, j]`` is :math:`J_{j+1}=\partial x_{j+1}/\partial x_j` (states
:math:`x_1..x_T` follow :math:`x_0`), so at lag :math:`h` entry ``i`` is
:math:`\Phi(i+h,\,i)` for ``i = 0..T-h``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_bool, check_positive_int

__all__ = ["JacobianProducts", "jacobian_products", "pair_log_singular_values", "propagator"]


def _check_jacobians(J, finite: bool = True) -> torch.Tensor:
    if not isinstance(J, torch.Tensor):
        raise TypeError(f"J must be a torch.Tensor of shape (batch, T, n, n), got {type(J).__name__}")
    if J.ndim != 4 or J.shape[-1] != J.shape[-2] or J.shape[1] < 1:
        raise ValueError(f"J must have shape (batch, T, n, n), got {tuple(J.shape)}")
    if finite and not torch.isfinite(J).all():
        raise ValueError("J contains NaN or infinite values")
    return J


def _check_finite_factors(result: torch.Tensor) -> torch.Tensor:
    # Non-finite factors make the product non-finite, so checking the result suffices and
    # avoids scanning all of J on every call (the probes call these once per lag).
    if not torch.isfinite(result).all():
        raise ValueError("J contains NaN or infinite values in the factors of this product")
    return result


def propagator(J: torch.Tensor, t: int, k: int) -> torch.Tensor:
    r"""The single product :math:`\Phi(t,k)=J_t\cdots J_{k+1}` (``(batch, n, n)``), built step by step.

    A direct reference implementation for checks; use :func:`jacobian_products` for all pairs.
    The product is formed in the dtype of ``J`` without renormalisation, so over long lags it
    can leave the floating-point range: a product whose every entry falls below the smallest
    normal number (it would come back as 0) or one that overflows is refused rather than returned.

    Raises
    ------
    ValueError
        If ``t``, ``k`` are not integers with ``0 <= k <= t <= T``, if the factors hold NaN or
        infinite values, or if :math:`\Phi(t,k)` underflows or overflows the range of ``J``'s
        dtype over the lag ``t - k``. Long products are available in log scale: the log
        singular values of :func:`jacobian_products` (``log_sensitivity``) or
        :func:`pair_log_singular_values`.

    Examples
    --------
    >>> J = torch.full((1, 4, 1, 1), 0.5, dtype=torch.float64)
    >>> propagator(J, 3, 1)
    tensor([[[0.2500]]], dtype=torch.float64)
    """
    J = _check_jacobians(J, finite=False)
    T = J.shape[1]
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (t, k)) or not 0 <= k <= t <= T:
        raise ValueError(f"need integers 0 <= k <= t <= T={T}, got t={t!r}, k={k!r}")
    t, k = int(t), int(k)
    P = torch.eye(J.shape[-1], dtype=J.dtype).expand(J.shape[0], -1, -1).clone()
    for j in range(k, t):  # J[:, j] is J_{j+1}; multiply new factors on the left
        P = J[:, j] @ P
    if not torch.isfinite(P).all() and torch.isfinite(J[:, k:t]).all():
        raise ValueError(_out_of_range(J, t, k, "overflows"))
    P = _check_finite_factors(P)
    tiny = torch.finfo(J.dtype).tiny
    small = P.abs().amax(dim=(-2, -1)) < tiny
    if t > k and bool(small.any()):
        # zero (or subnormal) in this dtype: a true zero only if the renormalised product vanishes too
        log_norm = _log_norm(J, t, k)
        lost = small & torch.isfinite(log_norm)
        if bool(lost.any()):
            raise ValueError(_out_of_range(J, t, k, "underflows", float(log_norm[lost].min())))
    return P


def _log_norm(J: torch.Tensor, t: int, k: int) -> torch.Tensor:
    """The log of the largest entry of ``Phi(t, k)`` per example, from the product renormalised after
    every factor (``-inf`` where a factor annihilates the product: a true zero)."""
    P = torch.eye(J.shape[-1], dtype=J.dtype).expand(J.shape[0], -1, -1).clone()
    log_scale = torch.zeros(J.shape[0], dtype=J.dtype)
    for j in range(k, t):
        P = J[:, j] @ P
        norm = P.abs().amax(dim=(-2, -1))
        P = P / norm.clamp_min(torch.finfo(J.dtype).tiny)[:, None, None]
        log_scale = log_scale + torch.log(norm)
    return log_scale


def _out_of_range(J: torch.Tensor, t: int, k: int, what: str, log_norm: float | None = None) -> str:
    size = "" if log_norm is None else f" (its largest entry is about 10^{log_norm / math.log(10):.0f})"
    return (f"the product Phi(t={t}, k={k}) over the lag t - k = {t - k} {what} beyond the range of "
            f"{J.dtype}{size}; use the log scale instead: jacobian_products(J).log_sensitivity(lag) or "
            "pair_log_singular_values(J, ...) return its log singular values")


@dataclass
class JacobianProducts:
    r"""Singular values of every :math:`\Phi(t, t-h)`, by lag.

    Attributes
    ----------
    lags : list of int
    log_singular_values : list of Tensor
        For each lag, shape ``(batch, T-h+1, r)``: :math:`\ln\sigma_i(\Phi(i+h, i))`,
        largest first (``r`` = ``top`` or ``n``).
    products : list of Tensor or None
        The renormalised products (``(batch, T-h+1, n, n)``) when ``keep_products=True``.
    log_scales : list of Tensor or None
        Their log scales: :math:`\Phi = e^{\text{log\_scale}}\times\text{product}`.
    """

    lags: list
    log_singular_values: list
    products: list | None = None
    log_scales: list | None = None

    def log_sensitivity(self, h: int) -> torch.Tensor:
        r""":math:`\ln S_{t,t-h} = \ln\lVert\Phi(t,t-h)\rVert_2` for every example and start, ``(batch, T-h+1)``."""
        return self.log_singular_values[self.lags.index(h)][..., 0]


def jacobian_products(J: torch.Tensor, max_lag: int | None = None, *, top: int | None = None,
                      keep_products: bool = False) -> JacobianProducts:
    r"""Singular values of :math:`\Phi(t,k)=J_t\cdots J_{k+1}` for all pairs with lag ``1..max_lag``.

    Parameters
    ----------
    J : Tensor, shape (batch, T, n, n)
        State Jacobians, e.g. ``cell.state_jacobians(u)``; use float64 for long lags.
    max_lag : int, optional
        Largest lag (default and maximum ``T``).
    top : int, optional
        Keep only the ``top`` largest singular values.
    keep_products : bool
        Also return the renormalised products (memory grows like ``T^2 n^2``).
    """
    J = _check_jacobians(J)
    batch, T, n, _ = J.shape
    max_lag = T if max_lag is None else check_positive_int(max_lag, "max_lag")
    if max_lag > T:
        raise ValueError(f"max_lag ({max_lag}) cannot exceed the sequence length T={T}")
    top = n if top is None else check_positive_int(top, "top")
    if top > n:
        raise ValueError(f"top ({top}) cannot exceed the hidden size n={n}")
    keep_products = check_bool(keep_products, "keep_products")

    lags, logsv, prods, scales = [], [], [], []
    P = J  # lag 1: Phi(j+1, j) = J_{j+1}
    log_scale = torch.zeros(batch, T, dtype=J.dtype)
    for h in range(1, max_lag + 1):
        if h > 1:
            P = J[:, h - 1:] @ P[:, :-1]  # Phi(i+h, i) = J_{i+h} Phi(i+h-1, i)
            log_scale = log_scale[:, :-1]
        norm = torch.linalg.matrix_norm(P).clamp_min(torch.finfo(J.dtype).tiny)
        P = P / norm[..., None, None]
        log_scale = log_scale + torch.log(norm)
        sv = _top_singular_value(P) if top == 1 else torch.linalg.svdvals(P)[..., :top]
        logsv.append(torch.log(sv.clamp_min(torch.finfo(J.dtype).tiny)) + log_scale[..., None])
        lags.append(h)
        if keep_products:
            prods.append(P)
            scales.append(log_scale)
    return JacobianProducts(lags, logsv, prods if keep_products else None, scales if keep_products else None)


def _top_singular_value(P: torch.Tensor) -> torch.Tensor:
    r""":math:`\sigma_1(P)=\sqrt{\lambda_{\max}(P^{\mathsf T}P)}` for a stack of square matrices, shape ``(..., 1)``.

    The cheaper exact route when one number is needed: forming the Gram matrix is one
    batched product, and a symmetric eigenvalue solver does less work than an SVD
    (``benchmarks/``: ~1.3-1.5x at ``n = 64``). Both steps are backward stable, so
    :math:`\lambda_{\max}` carries an error of order :math:`\epsilon\,\sigma_1^2` and
    :math:`\sigma_1` one of order :math:`\epsilon\,\sigma_1` -- the accuracy of the SVD for the
    largest singular value. (The small singular values would lose accuracy this way; they are
    not used.)
    """
    gram = P.mT @ P
    return torch.linalg.eigvalsh(gram)[..., -1:].clamp_min(0.0).sqrt()


def pair_log_singular_values(J: torch.Tensor, examples, starts, lag: int, *, top: int | None = None) -> torch.Tensor:
    r""":math:`\ln\sigma_i(\Phi(k+h,k))` for chosen pairs only, all with lag ``h``: ``(pairs, r)``.

    For sampled probes (chapter 5 draws 64 pairs per lag) building every pair with
    :func:`jacobian_products` would waste work; here the windows
    :math:`J_{k+1},\dots,J_{k+h}` of the chosen pairs are gathered and multiplied together,
    vectorised over pairs, renormalising after every factor.

    Parameters
    ----------
    J : Tensor, shape (batch, T, n, n)
    examples, starts : sequence of int
        Example index ``b`` and start ``k`` of every pair (``0 <= k <= T-h``).
    lag : int
        The lag ``h`` (``1..T``).
    top : int, optional
        Keep only the ``top`` largest singular values.
    """
    J = _check_jacobians(J, finite=False)
    batch, T, n, _ = J.shape
    h = check_positive_int(lag, "lag")
    if h > T:
        raise ValueError(f"lag ({h}) cannot exceed the sequence length T={T}")
    top = n if top is None else check_positive_int(top, "top")
    if top > n:
        raise ValueError(f"top ({top}) cannot exceed the hidden size n={n}")
    b, k = _indices(examples, "examples"), _indices(starts, "starts")
    if b.shape != k.shape or b.numel() == 0:
        raise ValueError("examples and starts must be non-empty and of equal length")
    if (b < 0).any() or (b >= batch).any():
        raise ValueError(f"examples must lie in [0, {batch - 1}]")
    if (k < 0).any() or (k > T - h).any():
        raise ValueError(f"starts must lie in [0, T - lag] = [0, {T - h}]")
    P = J[b, k]
    log_scale = torch.zeros(b.shape[0], dtype=J.dtype)
    for j in range(1, h + 1):
        if j > 1:
            P = J[b, k + j - 1] @ P  # new factors on the left
        norm = torch.linalg.matrix_norm(P).clamp_min(torch.finfo(J.dtype).tiny)
        P = P / norm[:, None, None]
        log_scale = log_scale + torch.log(norm)
    _check_finite_factors(log_scale)
    sv = torch.linalg.svdvals(P)[:, :top]
    return torch.log(sv.clamp_min(torch.finfo(J.dtype).tiny)) + log_scale[:, None]


def _indices(values, name: str) -> torch.Tensor:
    """Integer indices (a sequence, array or tensor of integers) as a flat ``torch.long`` tensor."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if values is None or isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of integers, got {values!r}")
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a sequence of integers") from err
    if arr.dtype.kind not in "iu" and arr.size:
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    return torch.as_tensor(arr.astype(np.int64), dtype=torch.long).reshape(-1)
