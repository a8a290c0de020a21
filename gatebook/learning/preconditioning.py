r"""Per-neuron gates as a diagonal preconditioner, side by side with Adam (chapter 4).

A per-neuron gate :math:`u_t\in(0,1)^N` writes the candidate with weight :math:`u_{t,i}` and
carries the old state with weight :math:`1-u_{t,i}`. With the gates held fixed at values
:math:`u_i` and no recurrent weights, the step Jacobian is the diagonal matrix
:math:`\mathrm D(1-u)`, so credit that travels back over a lag :math:`\ell` is multiplied by

.. math::

    \Phi(t, t-\ell) = \mathrm D\big(\pi(\ell)\big),\qquad
    \pi_i(\ell) = \prod_{j=t-\ell+1}^{t}(1-u_{j,i}) = (1-u_i)^{\ell},

one learning rate per neuron: a **diagonal preconditioner** in neuron coordinates. Its
condition number grows geometrically with the lag,

.. math:: \mathrm{cond}(\ell) = \frac{\max_i\pi_i(\ell)}{\min_i\pi_i(\ell)} = \Big(\frac{c_{\max}}{c_{\min}}\Big)^{\ell},
          \qquad c_i = 1-u_i,

and in parameter space it scales the lag-:math:`\ell` term of the update of the whole
row :math:`i` of :math:`W_{\rm rec}` and :math:`W_{\rm in}` by the same factor.

Chapter 4 uses the exact case (:func:`carry_products`, :func:`condition_number`,
:func:`preconditioner_condition`, :func:`frozen_gate_cell`), the lag-resolved credit of each
neuron measured with autograd (:func:`credit_by_lag`), the optional diagonal first-order
envelope of the follow-up papers (:func:`diagonal_predictor`), the check of the first-order
(Fréchet) expansion in the gates' state dependence (:func:`expansion_check`, on the
``appB`` inputs of :func:`appB_inputs`), and the side-by-side training experiment
gated + SGD versus plain + Adam/RMSProp (:func:`compare_optimisers`).

This module holds the side-by-side experiment. The others live in
:mod:`gatebook.learning.diagonal_preconditioner`, :mod:`gatebook.learning.expansion`,
:mod:`gatebook.learning.frozen` and :mod:`gatebook.learning.arms`; their public names are
re-exported here.

**Convention.** Products of the factors :math:`c=1-u` follow ``convention="carry"``, the
factor that is *exact* when the gates are frozen and :math:`W_{\rm rec}=0`;
``convention="update"`` multiplies the write factors :math:`u` instead (see
:mod:`gatebook.learning.lag_profile`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._validation import check_bool, check_choice, check_positive_int
from ..progress import progress_bar
from .tasks import TASKS, make_task
from .arms import Arm, make_arms
from .cells import MODELS
from .common import check_seeds, check_sizes, torch_threads
from .diagonal_preconditioner import (
    CreditByLag,
    DiagonalEnvelope,
    PreconditionerCondition,
    carry_products,
    condition_number,
    credit_by_lag,
    diagonal_predictor,
    preconditioner_condition,
)
from .expansion import APPB_EPS, ExpansionCheck, appB_inputs, expansion_check
from .frozen import frozen_gate_cell
from .train import train, train_ensemble

__all__ = [
    "APPB_EPS",
    "DEFAULT_ARMS",
    "MODELS",
    "CreditByLag",
    "DiagonalEnvelope",
    "ExpansionCheck",
    "OptimiserComparison",
    "PreconditionerCondition",
    "appB_inputs",
    "carry_products",
    "compare_optimisers",
    "condition_number",
    "credit_by_lag",
    "diagonal_predictor",
    "expansion_check",
    "frozen_gate_cell",
    "preconditioner_condition",
]

#: Arms of the side-by-side experiment: the learning rates of the paper's ``s2`` setting
#: (SGD 1e-2, adaptive optimisers 1e-3); plain + SGD is the control.
DEFAULT_ARMS = (
    Arm("multi", "sgd", 1e-2, label="multi-gate + SGD"),
    Arm("scalar", "sgd", 1e-2, label="scalar gate + SGD"),
    Arm("plain", "sgd", 1e-2, label="plain + SGD"),
    Arm("plain", "adam", 1e-3, label="plain + Adam"),
    Arm("plain", "rmsprop", 1e-3, label="plain + RMSProp"),
)


# ---------------------------------------------------------------------------------------
# side by side: gated cells with SGD against a plain cell with Adam / RMSProp
# ---------------------------------------------------------------------------------------


@dataclass
class OptimiserComparison:
    r"""Training losses of several (model, optimiser) arms over the same seeds and batches.

    Attributes
    ----------
    arms : list of Arm
        ``model``, ``optimizer``, ``lr`` and ``label`` of each arm
        (:class:`~gatebook.learning.arms.Arm`; dicts are converted by
        :func:`~gatebook.learning.arms.make_arms`).
    seeds : list of int
    loss : ndarray, shape (arms, seeds, steps)
        Training-batch MSE before each update.
    task : str
    settings : dict
        ``T``, ``n``, ``m``, ``batch``, ``steps``.
    mean_predictor_mse : float or None
        MSE of the best constant prediction (1/6 for adding).
    window : int
        Averaging window for smoothed and final losses.
    """

    arms: list
    seeds: list
    loss: np.ndarray
    task: str
    settings: dict
    mean_predictor_mse: float | None
    window: int = 20

    def __post_init__(self):
        self.arms = make_arms(self.arms)  # Arm objects (dicts are accepted and converted)

    @property
    def labels(self) -> list:
        """The arms' labels, in order."""
        return [a.label for a in self.arms]

    def smoothed(self) -> np.ndarray:
        r"""Running mean of the loss over :attr:`window` iterations (shorter at the start), shape (arms, seeds, steps)."""
        c = np.cumsum(np.concatenate([np.zeros(self.loss.shape[:2] + (1,)), self.loss], axis=-1), axis=-1)
        idx = np.arange(1, self.loss.shape[-1] + 1)
        lo = np.maximum(idx - self.window, 0)
        return (c[..., idx] - c[..., lo]) / (idx - lo)

    def final_loss(self) -> np.ndarray:
        r"""Mean loss over the last :attr:`window` iterations, shape (arms, seeds)."""
        return self.loss[..., -self.window:].mean(axis=-1)

    def paired_difference(self, arm: int | str, reference: int | str) -> np.ndarray:
        r"""Final loss of ``arm`` minus that of ``reference``, seed by seed (both saw the same batches)."""
        i, j = self._index(arm), self._index(reference)
        fl = self.final_loss()
        return fl[i] - fl[j]

    def _index(self, arm) -> int:
        if isinstance(arm, str):
            if arm not in self.labels:
                raise ValueError(f"unknown arm {arm!r}; choose one of {self.labels}")
            return self.labels.index(arm)
        if isinstance(arm, bool) or not isinstance(arm, numbers.Integral) or not 0 <= arm < len(self.arms):
            raise ValueError(f"arm must be a label or an index in [0, {len(self.arms)}), got {arm!r}")
        return int(arm)

    def to_markdown(self, reference: int | str | None = None) -> str:
        r"""A Markdown table: one row per arm with its step size, final loss (mean ± s.d. over seeds),
        the ratio to the mean-predictor MSE and, if ``reference`` is given, in how many seeds
        the arm ended below the reference arm (same batches, so seed by seed)."""
        ref = None if reference is None else self._index(reference)
        head = "| arm | step size $\\mu$ | final loss (mean ± s.d.) | ÷ mean predictor |"
        rule = "|---|---|---|---|"
        if ref is not None:
            head += f" below {self.labels[ref]} in |"
            rule += "---|"
        lines = [head, rule]
        for k, row in enumerate(self.summary()):
            ratio = "–" if row["ratio"] is None else f"{row['ratio']:.3f}"
            line = f"| {row['label']} | {self.arms[k].lr:g} | {row['mean']:.4f} ± {row['sd']:.4f} | {ratio} |"
            if ref is not None:
                line += (" – |" if k == ref else
                         f" {int((self.paired_difference(k, ref) < 0).sum())} of {len(self.seeds)} seeds |")
            lines.append(line)
        return "\n".join(lines)

    def summary(self) -> list:
        r"""One dict per arm: ``label``, ``mean`` and ``sd`` of the final loss over seeds, and ``ratio`` = mean / mean-predictor MSE."""
        fl = self.final_loss()
        rows = []
        for a, vals in zip(self.arms, fl):
            sd = float(vals.std(ddof=1)) if vals.size > 1 else 0.0
            ratio = float(vals.mean() / self.mean_predictor_mse) if self.mean_predictor_mse else None
            rows.append({"label": a.label, "mean": float(vals.mean()), "sd": sd, "ratio": ratio})
        return rows


def _train_seeds(arm: Arm, seeds: list, task: str, *, T, n, m, steps, batch) -> np.ndarray:
    """Train one arm once per seed; the only place that calls the training loop. Returns (seeds, steps) losses.

    Member ``s`` has initial weights ``seed=s`` and the batch sequence of ``train(..., seed=s)``,
    so every arm sees the same batches. Several seeds are trained at once with
    :func:`~gatebook.learning.train.train_ensemble` (the same arithmetic as one
    :func:`~gatebook.learning.train.train` per seed, which is used for a single seed).
    """

    def make_cell(s):
        return arm.make_cell(m, n, s)

    kwargs = dict(optimizer=arm.optimizer, lr=arm.lr, steps=steps, batch=batch, task_kwargs={"T": T},
                  progress=False)
    if len(seeds) > 1:
        return np.stack([h.loss for h in train_ensemble(make_cell, seeds, task, **kwargs).histories])
    return np.stack([train(make_cell(s), task, seed=s, **kwargs).loss for s in seeds])


@torch_threads(1)
def compare_optimisers(arms=DEFAULT_ARMS, task: str = "adding", *, seeds=(0, 1, 2), steps: int = 150, T: int = 40,
                       n: int = 32, m: int = 4, batch: int = 32, window: int = 20,
                       progress: bool = True) -> OptimiserComparison:
    r"""Train gated and plain cells with different optimisers on the same seeded batches (chapter 4).

    Every arm trains ``model`` with ``optimizer`` at step size ``lr`` on the final-time MSE

    .. math:: \mathcal L=\frac1B\sum_b\big(W_{\rm out}x^{(b)}_T-y^{(b)}\big)^2,

    once per seed; seed ``s`` fixes both the initial weights and the batch sequence, so the
    arms differ only in model and optimiser and can be compared seed by seed. Losses are
    summarised by their mean and standard deviation over seeds and compared with the MSE
    of the best constant prediction (:math:`1/6` for adding).

    Parameters
    ----------
    arms : sequence of Arm or dict
        Each with ``model`` (``"plain"``, ``"leaky"``, ``"scalar"``, ``"multi"``),
        ``optimizer`` (``"sgd"``, ``"momentum"``, ``"rmsprop"``, ``"adam"``), ``lr`` and an
        optional ``label`` (default ``"<model> + <optimiser>"``, e.g. ``"plain + Adam"``),
        validated by :func:`~gatebook.learning.arms.make_arms`. Default :data:`DEFAULT_ARMS`.
    task : str
        A task name of :mod:`gatebook.learning.tasks`.
    seeds : sequence of int
        Distinct non-negative seeds.
    steps, T, n, m, batch : int
        Updates, sequence length, hidden size, input channels, batch size.
    window : int
        Averaging window for the final loss (``<= steps``).
    progress : bool
        Progress bar over arms.

    Returns
    -------
    OptimiserComparison

    Examples
    --------
    >>> arms = [{"model": "plain", "optimizer": "adam", "lr": 1e-3}]
    >>> cmp = compare_optimisers(arms, seeds=(0,), steps=3, T=6, n=4, window=2, progress=False)
    >>> cmp.loss.shape
    (1, 1, 3)
    """
    arms = make_arms(arms)
    check_choice(task, "task", set(TASKS))
    steps, T, n, m, batch = (check_positive_int(v, k) for v, k in
                             ((steps, "steps"), (T, "T"), (n, "n"), (m, "m"), (batch, "batch")))
    window = check_positive_int(window, "window")
    if window > steps:
        raise ValueError(f"window ({window}) cannot exceed steps ({steps})")
    seeds = check_seeds(seeds)
    progress = check_bool(progress, "progress")
    check_sizes([("n", n), ("n", n)], what="the recurrent weights")
    check_sizes([("n", n), ("m", m)], what="the input weights")
    check_sizes([("steps", steps), ("len(seeds)", len(seeds))], itemsize=4, what="the batch seeds")
    check_sizes([("batch", batch), ("len(seeds)", len(seeds)), ("T", T), ("m", m)], what="the training batches")
    info = make_task(task, 1, T=T, m=m, seed=0).info
    losses = [_train_seeds(arm, seeds, task, T=T, n=n, m=m, steps=steps, batch=batch)
              for arm in progress_bar(arms, desc="arms", enabled=progress)]
    return OptimiserComparison(arms=arms, seeds=seeds, loss=np.stack(losses), task=task,
                               settings={"T": T, "n": n, "m": m, "batch": batch, "steps": steps},
                               mean_predictor_mse=info.get("mean_predictor_mse"), window=window)
