r"""Adam's actual update on one weight matrix, read from the optimiser's state (chapter 4).

``torch.optim.Adam`` keeps, per parameter, exponential averages of the gradient and of its
square over iterations, :math:`m_t=\beta_1m_{t-1}+(1-\beta_1)g_t` and
:math:`v_t=\beta_2v_{t-1}+(1-\beta_2)g_t^2`, and applies

.. math::

    \Delta\theta=-\mu\,\frac{\hat m}{\sqrt{\hat v}+\epsilon},\qquad
    \hat m=\frac{m_t}{1-\beta_1^t},\quad\hat v=\frac{v_t}{1-\beta_2^t}.

:func:`adam_step` reconstructs that update from the state, in float64. :class:`AdamProbe`
is an ``on_checkpoint`` callback for :func:`~gatebook.learning.train.train` and
:func:`~gatebook.learning.train.train_ensemble` that records, for the recurrent weights
:math:`W_{\rm rec}` of a cell trained with Adam:

* the anisotropy (:math:`\sigma_1/\sigma_r`, the top-:math:`r` energy fraction and the
  participation ratio of :func:`gatebook.spectra.matrix_anisotropy`) of the raw minibatch gradient :math:`g_t` that
  entered the last update, of the momentum :math:`\hat m` and of the direction
  :math:`\hat m/(\sqrt{\hat v}+\epsilon)`;
* for a gated cell, Spearman's rank correlation over units :math:`i` between the
  gate-induced rate :math:`\bar u_i` (the write factor :math:`u_{t,i}` averaged over a fixed
  probe batch and all time steps) and Adam's per-row rate
  :math:`\rho_i=\frac1N\sum_j1/(\sqrt{\hat v_{ij}}+\epsilon)`. The lag-1 carry
  :math:`1-\bar u_i` has the opposite ranks, so its correlation is the negative.

Chapter 4 uses both in the 2×2 study of :mod:`gatebook.learning.optimiser_study`.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_positive_int
from ..spectra import matrix_anisotropy
from .common import check_tensor

__all__ = ["MATRICES", "AdamProbe", "AdamStep", "adam_step"]

#: The matrices whose anisotropy :class:`AdamProbe` measures: the gradient, the momentum and Adam's direction.
MATRICES = ("gradient", "momentum", "adam")




@dataclass(frozen=True)
class AdamStep:
    r"""Adam's state for one parameter after :math:`t` updates, in float64.

    ``gradient`` is the gradient held by the parameter (after an update: the one that entered
    it), ``momentum`` :math:`\hat m`, ``second`` :math:`\hat v`, ``direction``
    :math:`\hat m/(\sqrt{\hat v}+\epsilon)` and ``update`` :math:`-\mu` times it, the change
    of the parameter in the last update. ``inv_rms`` is :math:`1/(\sqrt{\hat v}+\epsilon)`.
    """

    gradient: np.ndarray
    momentum: np.ndarray
    second: np.ndarray
    direction: np.ndarray
    update: np.ndarray
    inv_rms: np.ndarray
    t: int
    lr: float


def adam_step(optimizer, parameter, *, member: int | None = None) -> AdamStep:
    r"""The step ``torch.optim.Adam`` applied to ``parameter`` in its last update (chapter 4).

    .. math:: \Delta\theta=-\mu\,\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)}+\epsilon}.

    After the first update :math:`\hat m=g` and :math:`\hat v=g^2`, so the step is
    :math:`-\mu\,g/(|g|+\epsilon)`: a sign step, whatever :math:`\beta_1,\beta_2`.

    Parameters
    ----------
    optimizer : torch.optim.Adam
        Without AMSGrad or weight decay, after at least one update.
    parameter : torch.Tensor
        One of ``optimizer``'s parameters.
    member : int, optional
        For a stacked parameter (:func:`~gatebook.learning.train.train_ensemble`): the index
        along its first axis.

    Examples
    --------
    >>> w = torch.nn.Parameter(torch.tensor([0.5, -2.0]))
    >>> opt = torch.optim.Adam([w], lr=0.1)
    >>> (w ** 2).sum().backward(); opt.step()
    >>> adam_step(opt, w).direction.round(6)
    array([ 1., -1.])
    """
    if not isinstance(optimizer, torch.optim.Adam):
        raise TypeError(f"optimizer must be a torch.optim.Adam, got {type(optimizer).__name__}")
    if not isinstance(parameter, torch.Tensor):
        raise TypeError(f"parameter must be a torch tensor, got {type(parameter).__name__}")
    group = next((g for g in optimizer.param_groups if any(p is parameter for p in g["params"])), None)
    if group is None:
        raise ValueError("parameter is not one of optimizer's parameters")
    if group.get("amsgrad") or group.get("weight_decay", 0) or group.get("maximize"):
        raise ValueError("optimizer must be plain Adam (no amsgrad, weight_decay or maximize)")
    state = optimizer.state.get(parameter, {})
    if "exp_avg" not in state or parameter.grad is None:
        raise ValueError("optimizer has not updated parameter yet (call optimizer.step() first)")
    if member is not None:
        if isinstance(member, bool) or not isinstance(member, int) or not 0 <= member < parameter.shape[0]:
            raise ValueError(f"member must be an index in [0, {parameter.shape[0]}), got {member!r}")
    pick = (lambda x: x[member]) if member is not None else (lambda x: x)
    t = int(float(state["step"]))
    (b1, b2), eps, lr = group["betas"], float(group["eps"]), float(group["lr"])
    as64 = lambda x: pick(x).detach().to("cpu", torch.float64).numpy().copy()  # noqa: E731
    m_hat = as64(state["exp_avg"]) / (1 - b1 ** t)
    v_hat = as64(state["exp_avg_sq"]) / (1 - b2 ** t)
    inv = 1.0 / (np.sqrt(v_hat) + eps)
    return AdamStep(as64(parameter.grad), m_hat, v_hat, m_hat * inv, -lr * m_hat * inv, inv, t, lr)


def _locate(optimizer, weight):
    """``(parameter, member)`` of ``optimizer`` whose value is ``weight`` (member None if unstacked)."""
    w = weight.detach()
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p is weight or (p.shape == w.shape and torch.equal(p.detach(), w)):
                return p, None
            if p.shape[1:] == w.shape:
                for i in range(p.shape[0]):
                    if torch.equal(p[i].detach(), w):
                        return p, i
    raise RuntimeError("the cell's recurrent weights are not among the optimizer's parameters")


def _anisotropy(M: np.ndarray, r: int) -> tuple:
    """``(AI_r, CE_r, PR)`` of a matrix, NaN for an all-zero or non-finite one."""
    if not np.isfinite(M).all() or not np.any(M):
        return np.nan, np.nan, np.nan
    met = matrix_anisotropy(M, r=r, top=None)
    return float(met.ai), float(met.ce), float(met.pr)


class AdamProbe:
    r"""``on_checkpoint`` callback that measures Adam's last update of :math:`W_{\rm rec}` (chapter 4).

    Use it inside ``with probe.watching():``, which registers a global optimizer step hook
    (``torch.optim.optimizer.register_optimizer_step_post_hook``) that remembers the last
    optimizer to step; the training functions create their optimiser internally. Checkpoints
    must come after the first update (step :math:`\ge1`). Each call returns a dict with
    ``ai_<m>``, ``ce_<m>`` and ``pr_<m>`` (participation ratio) for ``m`` in :data:`MATRICES`, ``spearman`` (NaN for an
    ungated cell), and the per-unit vectors ``write`` (:math:`\bar u_i`) and ``inv_rms``
    (:math:`\rho_i`).

    Parameters
    ----------
    inputs : torch.Tensor, shape (batch, T, m)
        The fixed probe batch on which the write factors are averaged.
    r : int
        Rank of :math:`\sigma_1/\sigma_r` and of the energy fraction (at most the hidden size).

    Examples
    --------
    >>> from gatebook.learning import MultiGateRNN, train
    >>> probe = AdamProbe(torch.rand(8, 6, 2), r=2)
    >>> with probe.watching():
    ...     h = train(MultiGateRNN(2, 4, seed=0), optimizer="adam", steps=3, batch=4, checkpoints=[3],
    ...               on_checkpoint=probe, task_kwargs={"T": 6}, progress=False)
    >>> sorted(h.records[0])[:3]
    ['ai_adam', 'ai_gradient', 'ai_momentum']
    """

    def __init__(self, inputs, r: int = 10):
        self.inputs = check_tensor(inputs, "inputs", ndim=3, shape="(batch, T, m)")
        self.r = check_positive_int(r, "r")
        self.optimizer = None

    def _capture(self, optimizer, args, kwargs):
        self.optimizer = optimizer

    @contextmanager
    def watching(self):
        """Remember the optimizer of every update made inside the block."""
        from torch.optim.optimizer import register_optimizer_step_post_hook

        handle = register_optimizer_step_post_hook(self._capture)
        try:
            yield self
        finally:
            handle.remove()

    def __call__(self, cell, step):
        from scipy import stats

        if self.optimizer is None:
            raise RuntimeError("AdamProbe saw no optimizer step: train inside `with probe.watching():` and "
                               "take checkpoints after the first update")
        if self.r > cell.hidden_size:
            raise ValueError(f"r ({self.r}) cannot exceed the cell's hidden size ({cell.hidden_size})")
        p, member = _locate(self.optimizer, cell.W_r)
        st = adam_step(self.optimizer, p, member=member)
        out = {}
        for name, M in zip(MATRICES, (st.gradient, st.momentum, st.direction)):
            out["ai_" + name], out["ce_" + name], out["pr_" + name] = _anisotropy(M, self.r)
        with torch.no_grad():
            write = cell.rollout(self.inputs.to(cell.W_r.dtype))["write"].mean(dim=(0, 1)).double().numpy()
        rate = st.inv_rms.mean(axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant input (plain cell): no correlation, NaN
            rho = float(stats.spearmanr(write, rate).statistic) if cell.gated else np.nan
        return {**out, "spearman": rho, "write": write, "inv_rms": rate}
