r"""Frozen per-neuron gates: the exact case of chapters 4 and 5.

A :class:`~gatebook.learning.MultiGateRNN` with zero gate weights and gate biases
:math:`b^u_i=\mathrm{logit}(u_i)` has the constant gates :math:`u=\sigma(b^u)` at every
step. With :math:`W_{\rm rec}=0` as well, every step Jacobian is the diagonal carry

.. math::

    x_t=(1-u)\odot x_{t-1}+u\odot\phi(W_{\rm in}I_t),\qquad
    \mathcal J_t=\mathrm D(c),\qquad \Phi(t,k)=\mathrm D(c)^{t-k},\qquad c_i=1-u_i ,

so that products of Jacobians, their singular values and the credit that reaches each
neuron are known in closed form: chapter 4 reads them as a diagonal preconditioner
(:mod:`gatebook.learning.diagonal_preconditioner`), chapter 5 as the anisotropy of credit
propagation (:mod:`gatebook.learning.cell_anisotropy`). This module holds the cell and the
check of gate values that both use.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from .._validation import check_nonnegative_float, check_positive_int
from .cells import MultiGateRNN

__all__ = ["check_gates", "frozen_gate_cell"]

def check_gates(gates, name: str = "gates") -> np.ndarray:
    """Gate values :math:`u_i\\in(0,1)` as a non-empty 1-d float array (a tensor is detached first)."""
    if hasattr(gates, "detach"):
        gates = gates.detach().cpu().double().numpy()
    try:
        g = np.asarray(gates, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a 1-d array of gate values in (0, 1)") from err
    if g.ndim != 1 or g.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-d array (one gate value per neuron), got shape {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if np.any(g <= 0) or np.any(g >= 1):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got values in [{g.min()}, {g.max()}]")
    return g


def recurrent_scale_argument(recurrent_scale, recurrent_gain, *, caller: str) -> tuple:
    """``(value, name)`` of the recurrent scale, accepting the old keyword ``recurrent_gain`` with a warning.

    Shared by the functions that build a :func:`frozen_gate_cell` (not listed in ``__all__``).
    ``recurrent_gain`` (chapter 5's former spelling) is accepted for one release; the name
    that was used is returned so that errors can quote it.
    """
    if recurrent_gain is None:
        return recurrent_scale, "recurrent_scale"
    warnings.warn(f"{caller}(recurrent_gain=...) is deprecated; use recurrent_scale=... (same meaning)",
                  DeprecationWarning, stacklevel=3)
    if recurrent_scale != 0.0:
        raise TypeError(f"{caller}() got both recurrent_scale and its old name recurrent_gain; "
                        "pass recurrent_scale only")
    return recurrent_gain, "recurrent_gain"


def frozen_gate_cell(gates, input_size: int = 1, *, recurrent_scale: float = 0.0, nonlinearity: str = "tanh",
                     seed: int = 0, dtype=torch.float64, recurrent_gain: float | None = None) -> MultiGateRNN:
    r"""A :class:`~gatebook.learning.MultiGateRNN` whose per-neuron gates are the constants ``gates`` (chapters 4, 5).

    Zero gate weights (:math:`W^u_{\rm rec}=W^u_{\rm in}=0`) and gate biases
    :math:`b^u_i=\mathrm{logit}(u_i)=\ln u_i-\ln(1-u_i)` freeze the gates at :math:`u_i`, the
    same at every step: a leaky network with one rate per neuron. ``recurrent_scale``
    multiplies the cell's initial :math:`W_{\rm rec}` (uniform, seeded): with the default 0
    the Jacobian is :math:`\mathrm D(1-u)` exactly; a positive scale gives
    :math:`\mathcal J_t=\mathrm D(c)+\mathrm D(u\odot\phi'(a_t))W_{\rm rec}`, which mixes
    directions. The input weights are random (seeded).

    Parameters
    ----------
    gates : array_like, shape (N,)
        Gate values in (0, 1); ``N`` is the hidden size.
    input_size : int
    recurrent_scale : float
        Non-negative factor applied to the initial recurrent weights.
    nonlinearity : {"tanh", "linear"}
    seed : int
        Seed of the other weights.
    dtype : torch.float32 or torch.float64
    recurrent_gain : float, optional
        Deprecated name of ``recurrent_scale`` (chapter 5's former spelling); warns.

    Examples
    --------
    >>> cell = frozen_gate_cell([0.2, 0.5])
    >>> cell.hidden_size
    2
    >>> cell.rollout(torch.zeros(1, 3, 1, dtype=torch.float64))["write"][0, 0].tolist()
    [0.2, 0.5]
    """
    value, name = recurrent_scale_argument(recurrent_scale, recurrent_gain, caller="frozen_gate_cell")
    g = check_gates(gates)
    input_size = check_positive_int(input_size, "input_size")
    scale = check_nonnegative_float(value, name)
    cell = MultiGateRNN(input_size, g.size, gate_bias=0.5, gate_weights="zero", nonlinearity=nonlinearity,
                        seed=seed, dtype=dtype)
    with torch.no_grad():
        cell.b_g.copy_(torch.as_tensor(np.log(g) - np.log1p(-g), dtype=dtype))
        cell.W_r.mul_(scale)
    return cell
