r"""The protocol every continuous-time model in Gatebook follows.

A model is an autonomous (or explicitly time-dependent) ODE

.. math::

    \dot x = F(x, t), \qquad x \in \mathbb{R}^{d},

and exposes three views of :math:`F`, which chapter 1 introduces and every later chapter
reuses (the gated network of chapters 6–11 follows the same protocol):

* the **vector field** :math:`F(x, t)`, batched over leading axes of ``x``;
* the **dense Jacobian** :math:`\mathcal J(x) = \partial F/\partial x` (a :math:`d\times d`
  matrix, for eigenvalue figures);
* the matrix-free **Jacobian-vector product** :math:`V \mapsto \mathcal J(x)\,V` for one or
  several tangent vectors (the columns of ``V``), which is all that simulation of
  perturbations and Lyapunov exponents need.

Models may also provide ``vector_field_and_jvp`` (both at once, sharing one matrix product)
and ``jacobian_trace`` (for the Lyapunov sum rule); :func:`vector_field_and_jvp` and
:func:`jacobian_trace` fall back to the generic definitions when they do not.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from ._validation import check_finite_float, check_model, check_state

__all__ = [
    "DynamicalSystem",
    "vector_field",
    "jacobian",
    "jvp",
    "vector_field_and_jvp",
    "jacobian_trace",
    "models_and_device",
]


@runtime_checkable
class DynamicalSystem(Protocol):
    """What :func:`gatebook.simulate` and the Lyapunov routines need from a model.

    :func:`gatebook._validation.check_model` tests for these members (listed there as
    ``MODEL_MEMBERS``) without importing this module; keep the two in step.
    """

    dim: int

    def vector_field(self, x: np.ndarray, t: float = 0.0) -> np.ndarray: ...

    def jacobian(self, x: np.ndarray, t: float = 0.0) -> np.ndarray: ...

    def jvp(self, x: np.ndarray, V: np.ndarray, t: float = 0.0) -> np.ndarray: ...


def check_tangent(V, dim: int, name: str = "V") -> np.ndarray:
    """``V`` as a finite real array of shape ``(dim,)`` or ``(dim, k)`` (tangent vectors as
    columns); errors name ``name``. A helper of this module and :mod:`gatebook.integrators`."""
    try:
        V = np.asarray(V)
    except (TypeError, ValueError) as err:  # pragma: no cover - numpy rarely fails here
        raise TypeError(f"{name} must be an array of real numbers") from err
    if not np.issubdtype(V.dtype, np.number) or np.iscomplexobj(V):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {V.dtype}")
    if V.ndim not in (1, 2) or V.shape[0] != dim:
        raise ValueError(f"{name} must have shape ({dim},) or ({dim}, k), got {V.shape}")
    if not np.all(np.isfinite(V)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if not np.issubdtype(V.dtype, np.floating):
        V = V.astype(np.float64)
    return V


def models_and_device(model, device):
    """``(models, ensemble, device)`` for the functions that take one model or a list of networks, and ``device=``.

    One model is checked against the protocol (``models = [model]``); a list or tuple is an
    ensemble of :class:`gatebook.RandomRateNetwork` or :class:`gatebook.GatedNetwork` of one kind and
    size (:func:`gatebook.torch_networks.as_model_list`). ``device`` becomes ``None`` (numpy) or a
    :class:`torch.device` (:func:`gatebook.backend.resolve_device`). Both modules load on first use,
    so ``import gatebook`` stays light. Errors name ``model`` or ``device``.
    """
    ensemble = isinstance(model, (list, tuple))
    if ensemble:
        from .torch_networks import as_model_list

        models = as_model_list(model, "model")
    else:
        check_model(model)
        models = [model]
    if device is not None:
        from .backend import resolve_device

        device = resolve_device(device)
    return models, ensemble, device


def vector_field(model, x, t: float = 0.0) -> np.ndarray:
    r"""Evaluate :math:`F(x, t)` for one state ``(dim,)`` or a batch ``(batch, dim)``."""
    check_model(model)
    x = check_state(x, model.dim, "x")
    return model.vector_field(x, check_finite_float(t, "t"))


def jacobian(model, x, t: float = 0.0) -> np.ndarray:
    r"""Dense Jacobian :math:`\mathcal J_{ij}(x) = \partial F_i/\partial x_j` at one state.

    Parameters
    ----------
    model : DynamicalSystem
        For example :class:`gatebook.RandomRateNetwork`.
    x : array_like, shape (dim,)
        The state.
    t : float, optional
        Time (for models with time-dependent inputs).

    Returns
    -------
    ndarray, shape (dim, dim)

    Notes
    -----
    Build it only for eigenvalue figures: it costs :math:`O(d^2)` memory. Everything else
    should use :func:`jvp`. Chapter 1 introduces it.
    """
    check_model(model)
    x = check_state(x, model.dim, "x", allow_batch=False)
    return model.jacobian(x, check_finite_float(t, "t"))


def jvp(model, x, V, t: float = 0.0) -> np.ndarray:
    r"""Matrix-free Jacobian-vector product :math:`\mathcal J(x)\,V`.

    Parameters
    ----------
    model : DynamicalSystem
    x : array_like, shape (dim,)
        The state at which the flow is linearised.
    V : array_like, shape (dim,) or (dim, k)
        One tangent vector, or ``k`` of them as columns.
    t : float, optional

    Returns
    -------
    ndarray, same shape as ``V``
        Equal to ``jacobian(model, x) @ V`` without forming the matrix.
    """
    check_model(model)
    x = check_state(x, model.dim, "x", allow_batch=False)
    V = check_tangent(V, model.dim)
    return model.jvp(x, V, check_finite_float(t, "t"))


def vector_field_and_jvp(model, x, V, t: float = 0.0):
    r"""Return ``(F(x, t), J(x) V)``, sharing work where the model allows.

    Models that implement ``vector_field_and_jvp`` themselves stack the state and the
    tangent vectors into one matrix product (one pass over the couplings instead of two).

    Parameters
    ----------
    model : DynamicalSystem
    x : array_like, shape (dim,)
    V : array_like, shape (dim,) or (dim, k)
    t : float, optional

    Raises
    ------
    TypeError, ValueError
        If ``model`` does not follow the protocol, or ``x``, ``V`` or ``t`` is not finite or
        has the wrong shape.
    """
    check_model(model)
    x = check_state(x, model.dim, "x", allow_batch=False)
    V = check_tangent(V, model.dim)
    return vector_field_and_jvp_unchecked(model, x, V, check_finite_float(t, "t"))


def vector_field_and_jvp_unchecked(model, x, V, t):
    """:func:`vector_field_and_jvp` without the argument checks (the integrators' inner loop)."""
    method = getattr(model, "vector_field_and_jvp", None)
    if method is not None:
        return method(x, V, t)
    return model.vector_field(x, t), model.jvp(x, V, t)


def jacobian_trace(model, x, t: float = 0.0) -> float:
    r"""Trace of the Jacobian, :math:`\operatorname{tr}\mathcal J(x)`.

    The time average of this trace along a trajectory equals the sum of all Lyapunov
    exponents (Liouville's formula); see :func:`gatebook.lyapunov_spectrum`.

    Raises
    ------
    TypeError, ValueError
        If ``model`` does not follow the protocol, or ``x`` (one state, shape ``(dim,)``) or
        ``t`` is not finite or has the wrong shape, as in :func:`jacobian`.
    """
    check_model(model)
    x = check_state(x, model.dim, "x", allow_batch=False)
    return jacobian_trace_unchecked(model, x, check_finite_float(t, "t"))


def jacobian_trace_unchecked(model, x, t) -> float:
    """:func:`jacobian_trace` without the argument checks (the Lyapunov inner loop)."""
    method = getattr(model, "jacobian_trace", None)
    if method is not None:
        return float(method(x, t))
    return float(np.trace(model.jacobian(x, t)))
