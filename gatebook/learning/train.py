r"""Training loops for the Part II cells: SGD, SGD with momentum, RMSProp and Adam (chapters 3–5).

Every step draws a fresh, seeded batch of a sequence task, evaluates the mean squared error
of the final-time readout,

.. math:: \mathcal L(\theta) = \frac1B\sum_{b=1}^{B}\big(W_o x^{(b)}_T - y^{(b)}\big)^2,

and applies one optimiser update. The optimisers are PyTorch's own (``torch.optim``):

=============  ================================================================================
``"sgd"``      :math:`\theta \leftarrow \theta - \mu\nabla\mathcal L` (the setting in which a gate acts
               as an effective learning rate)
``"momentum"`` heavy-ball SGD, :math:`v\leftarrow\beta v+\nabla\mathcal L`, :math:`\theta\leftarrow\theta-\mu v`
``"rmsprop"``  divides by a running RMS of each coordinate's gradient
``"adam"``     RMSProp with bias-corrected momentum (Kingma & Ba)
=============  ================================================================================

**Checkpoints** are taken *before* the update of that iteration: checkpoint ``0`` is the
initialisation, checkpoint ``s`` the parameters after ``s`` updates. Batches come from
one ``numpy.random.SeedSequence`` per run, so the same ``seed`` gives the same batches,
whatever the model or optimiser — arms of an experiment see identical data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from .._validation import check_choice, check_positive_float, check_positive_int
from ..progress import progress_bar
from ..tasks import TASKS, TaskBatch, make_task

__all__ = ["OPTIMIZERS", "TrainingHistory", "make_optimizer", "batch_seeds", "train"]

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")


@dataclass
class TrainingHistory:
    """What a call of :func:`train` recorded.

    Attributes
    ----------
    loss : numpy.ndarray
        Training-batch MSE before each update, shape ``(steps,)``.
    checkpoints : list of int
        Iterations at which ``on_checkpoint`` ran (before that iteration's update).
    records : list
        The values ``on_checkpoint`` returned, in the order of ``checkpoints``.
    optimizer, lr, seed
        The settings of the run.
    """

    loss: np.ndarray
    checkpoints: list = field(default_factory=list)
    records: list = field(default_factory=list)
    optimizer: str = "sgd"
    lr: float = 1e-2
    seed: int = 0

    @property
    def steps(self) -> np.ndarray:
        """Iteration index of every entry of :attr:`loss` (0-based)."""
        return np.arange(self.loss.shape[0])

    def record(self, step: int):
        """The record taken at checkpoint ``step``."""
        if step not in self.checkpoints:
            raise KeyError(f"no checkpoint at step {step}; checkpoints are {self.checkpoints}")
        return self.records[self.checkpoints.index(step)]

    def smoothed_loss(self, window: int = 20) -> np.ndarray:
        """Running mean of the loss over ``window`` iterations (shorter at the start)."""
        window = check_positive_int(window, "window")
        c = np.cumsum(np.insert(self.loss, 0, 0.0))
        idx = np.arange(1, self.loss.shape[0] + 1)
        lo = np.maximum(idx - window, 0)
        return (c[idx] - c[lo]) / (idx - lo)


def make_optimizer(params, name: str, lr: float, *, momentum: float = 0.9) -> torch.optim.Optimizer:
    """A ``torch.optim`` optimiser by name (see :data:`OPTIMIZERS`); PyTorch's defaults otherwise."""
    name = check_choice(name, "optimizer", set(OPTIMIZERS))
    lr = check_positive_float(lr, "lr")
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.Adam(params, lr=lr)


def batch_seeds(seed: int, steps: int) -> np.ndarray:
    """The per-iteration batch seeds of a run: ``steps`` integers from ``SeedSequence(seed)``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.SeedSequence(int(seed)).generate_state(steps, dtype=np.uint32)


def _batch_source(task, batch: int, task_kwargs: dict, input_size: int, dtype) -> Callable[[int], TaskBatch]:
    if callable(task):
        return lambda s: task(batch, seed=s)
    name = check_choice(task, "task", TASKS)
    kwargs = {"m": input_size, **task_kwargs}
    return lambda s: make_task(name, batch, seed=s, dtype=dtype, **kwargs)


def train(
    cell,
    task: str | Callable = "adding",
    *,
    optimizer: str = "sgd",
    lr: float = 1e-2,
    steps: int = 200,
    batch: int = 32,
    seed: int = 0,
    task_kwargs: dict | None = None,
    momentum: float = 0.9,
    checkpoints=(),
    on_checkpoint: Callable[[Any, int], Any] | None = None,
    progress: bool = True,
    desc: str | None = None,
) -> TrainingHistory:
    r"""Train ``cell`` in place on a sequence task with a named optimiser.

    Parameters
    ----------
    cell : gatebook.learning.RecurrentCell
    task : str or callable
        A task name (a key of :data:`gatebook.tasks.TASKS`), drawn with the cell's input
        size and ``task_kwargs`` (e.g. ``{"T": 40}``), or ``task(batch, seed=...)``
        returning a :class:`~gatebook.tasks.TaskBatch`.
    optimizer : {"sgd", "momentum", "rmsprop", "adam"}
    lr : float
        Step size :math:`\mu` (positive).
    steps, batch : int
        Number of updates and examples per batch (positive).
    seed : int
        Seed of the batch sequence (the cell's initial weights have their own seed).
    momentum : float
        Momentum coefficient for ``optimizer="momentum"``.
    checkpoints : iterable of int
        Iterations in ``[0, steps]`` at which to call ``on_checkpoint(cell, step)``,
        before that iteration's update (``steps`` means after the last update).
    on_checkpoint : callable, optional
        Its return values are collected in :attr:`TrainingHistory.records`. Runs under
        ``torch.no_grad`` is *not* imposed: callbacks may differentiate.
    progress : bool
        Show a tqdm bar (never during a book build).

    Returns
    -------
    TrainingHistory

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite (lower ``lr``).

    Examples
    --------
    >>> from gatebook.learning import MultiGateRNN
    >>> cell = MultiGateRNN(4, 16, seed=0)
    >>> h = train(cell, "adding", steps=5, batch=8, task_kwargs={"T": 20}, progress=False)
    >>> h.loss.shape
    (5,)
    """
    steps = check_positive_int(steps, "steps")
    batch = check_positive_int(batch, "batch")
    opt = make_optimizer(cell.parameters(), optimizer, lr, momentum=momentum)
    marks = sorted({int(c) for c in checkpoints})
    if marks and (marks[0] < 0 or marks[-1] > steps):
        raise ValueError(f"checkpoints must lie in [0, steps={steps}], got {marks}")
    if marks and on_checkpoint is None:
        raise ValueError("checkpoints were given but on_checkpoint is None")
    draw = _batch_source(task, batch, dict(task_kwargs or {}), cell.input_size, cell.W_r.dtype)
    seeds = batch_seeds(seed, steps)
    history = TrainingHistory(loss=np.empty(steps), optimizer=optimizer, lr=float(lr), seed=int(seed))
    due = set(marks)
    for step in progress_bar(range(steps), desc=desc or f"training ({optimizer})", enabled=progress):
        if step in due:
            history.checkpoints.append(step)
            history.records.append(on_checkpoint(cell, step))
        data = draw(int(seeds[step]))
        loss = torch.mean((cell(data.inputs) - data.targets.to(cell.W_r.dtype)) ** 2)
        value = float(loss.detach())
        if not np.isfinite(value):
            raise FloatingPointError(f"the loss became {value} at step {step}; lower lr (now {lr})")
        history.loss[step] = value
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    if steps in due:
        history.checkpoints.append(steps)
        history.records.append(on_checkpoint(cell, steps))
    return history
