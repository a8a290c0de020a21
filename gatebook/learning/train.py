r"""Training loops for the Part II cells: SGD, SGD with momentum, RMSProp and Adam (chapters 3–5).

Every step draws a fresh, seeded batch of a sequence task, evaluates the mean squared error
of the final-time readout,

.. math:: \mathcal L(\theta) = \frac1B\sum_{b=1}^{B}\big(W_o x^{(b)}_T - y^{(b)}\big)^2,

and applies one optimiser update. The optimisers are PyTorch's own (``torch.optim``):

==============  ================================================================================
``"sgd"``       :math:`\theta \leftarrow \theta - \mu\nabla\mathcal L` (the setting in which a gate acts
                as an effective learning rate)
``"momentum"``  heavy-ball SGD, :math:`v\leftarrow\beta v+\nabla\mathcal L`, :math:`\theta\leftarrow\theta-\mu v`
``"rmsprop"``   divides by a running RMS of each coordinate's gradient
``"adam"``      RMSProp with bias-corrected momentum (Kingma & Ba)
==============  ================================================================================

**Checkpoints** are taken *before* the update of that iteration: checkpoint ``0`` is the
initialisation, checkpoint ``s`` the parameters after ``s`` updates. Batches come from
one ``numpy.random.SeedSequence`` per run, so the same ``seed`` gives the same batches,
whatever the model or optimiser — arms of an experiment see identical data.
"""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from .._validation import (
    check_bool,
    check_callable,
    check_choice,
    check_float_in,
    check_int,
    check_memory,
    check_n_jobs,
    check_positive_float,
    check_positive_int,
)
from ..jobs import run_jobs
from ..progress import progress_bar
from .common import check_cell, check_checkpoints, check_seeds, place_cell, torch_threads
from .tasks import TASKS, TaskBatch, make_task

__all__ = ["OPTIMIZERS", "Ensemble", "TrainingHistory", "make_optimizer", "batch_seeds", "train", "train_ensemble"]

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
    name = check_choice(name, "optimizer name", set(OPTIMIZERS))
    lr = check_positive_float(lr, "lr")
    momentum = check_float_in(momentum, "momentum", 0.0, 1.0, closed="left")  # checked even where unused
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.Adam(params, lr=lr)


def batch_seeds(seed: int, steps: int) -> np.ndarray:
    """The per-iteration batch seeds of a run: ``steps`` integers from ``SeedSequence(seed)``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    steps = check_int(steps, "steps", minimum=0)
    check_memory(steps, "steps", itemsize=4, what="the batch seeds")
    return np.random.SeedSequence(int(seed)).generate_state(steps, dtype=np.uint32)


@contextlib.contextmanager
def _flushing_denormals(enabled: bool):
    """Treat subnormal floats as zero while training (switched off again afterwards).

    Tiny gradients of saturated units become subnormal; CPUs process those tens of times
    slower (measured: a plain cell's Adam step slowed 2-4x over 400 steps). Flushing them
    changes values below ~1e-38 (float32) only.
    """
    if not enabled:
        yield
        return
    previous = torch.set_flush_denormal(True)  # returns whether the CPU supports it
    try:
        yield
    finally:
        if previous:
            torch.set_flush_denormal(False)


def _check_schedule(steps, batch, checkpoints, on_checkpoint):
    """Validated ``(steps, batch, sorted checkpoint list)`` of a training run."""
    steps = check_positive_int(steps, "steps")
    batch = check_positive_int(batch, "batch")
    marks = check_checkpoints(checkpoints, steps)
    if marks and on_checkpoint is None:
        raise ValueError("checkpoints were given but on_checkpoint is None")
    if on_checkpoint is not None:
        check_callable(on_checkpoint, "on_checkpoint")
    return steps, batch, marks


def _check_options(task_kwargs, progress, desc, flush_denormal) -> dict:
    """The options shared by :func:`train` and :func:`train_ensemble`; returns the task keywords."""
    if task_kwargs is not None and not isinstance(task_kwargs, dict):
        raise TypeError(f"task_kwargs must be a dict such as {{'T': 40}} or None, got {type(task_kwargs).__name__}")
    check_bool(progress, "progress")
    check_bool(flush_denormal, "flush_denormal")
    if desc is not None and not isinstance(desc, str):
        raise TypeError(f"desc must be a string or None, got {type(desc).__name__}")
    return dict(task_kwargs or {})


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
    flush_denormal: bool = True,
    device=None,
) -> TrainingHistory:
    r"""Train ``cell`` in place on a sequence task with a named optimiser.

    Parameters
    ----------
    cell : gatebook.learning.RecurrentCell
    task : str or callable
        A task name (a key of :data:`gatebook.learning.tasks.TASKS`), drawn with the cell's input
        size and ``task_kwargs`` (e.g. ``{"T": 40}``), or ``task(batch, seed=...)``
        returning a :class:`~gatebook.learning.tasks.TaskBatch`.
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
    flush_denormal : bool
        Treat subnormal floats as zero during the run (``torch.set_flush_denormal``;
        switched off again afterwards). Saturated units produce subnormal gradients
        that slow CPU arithmetic by an order of magnitude; flushing changes values below
        about 1e-38 (float32) or 1e-308 (float64) only.
    device : None, "cpu", "cuda", "auto" or torch.device, optional
        Where to train (:func:`gatebook.learning.common.place_cell`): ``None`` keeps the cell
        on its device; otherwise the cell moves there, in place. Batches are drawn on the CPU
        from their seeds (the same data on every device) and moved to it.

    Returns
    -------
    TrainingHistory

    Raises
    ------
    TypeError, ValueError
        For a bad argument, named in the message, before any work: e.g. ``checkpoints`` that
        are not integers in ``[0, steps]``, or ``steps``/``batch`` too large for memory.
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
    check_cell(cell)
    steps, batch, marks = _check_schedule(steps, batch, checkpoints, on_checkpoint)
    task_kwargs = _check_options(task_kwargs, progress, desc, flush_denormal)
    where = place_cell(cell, device)
    opt = make_optimizer(cell.parameters(), optimizer, lr, momentum=momentum)
    draw = _batch_source(task, batch, task_kwargs, cell.input_size, cell.W_r.dtype)
    seeds = batch_seeds(seed, steps)
    history = TrainingHistory(loss=np.empty(steps), optimizer=optimizer, lr=float(lr), seed=int(seed))
    due = set(marks)
    with _flushing_denormals(flush_denormal):
        for step in progress_bar(range(steps), desc=desc or f"training ({optimizer})", enabled=progress):
            if step in due:
                history.checkpoints.append(step)
                history.records.append(on_checkpoint(cell, step))
            data = draw(int(seeds[step]))
            loss = torch.mean((cell(data.inputs.to(where)) - data.targets.to(where, cell.W_r.dtype)) ** 2)
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


@dataclass
class Ensemble:
    """Cells trained side by side by :func:`train_ensemble`, one per seed, with their histories."""

    seeds: list
    cells: list
    histories: list

    def __len__(self) -> int:
        return len(self.cells)

    def final_losses(self, window: int = 20) -> np.ndarray:
        """Each member's loss averaged over its last ``window`` iterations."""
        return np.array([h.loss[-window:].mean() for h in self.histories])


def _write_back(cells, params: dict, buffers: dict) -> None:
    with torch.no_grad():
        for i, cell in enumerate(cells):
            for name, p in cell.named_parameters():
                p.copy_(params[name][i])
            for name, b in cell.named_buffers():
                b.copy_(buffers[name][i])


def train_ensemble(
    make_cell: Callable[[int], Any],
    seeds,
    task: str | Callable = "adding",
    *,
    optimizer: str = "sgd",
    lr: float = 1e-2,
    steps: int = 200,
    batch: int = 32,
    task_kwargs: dict | None = None,
    momentum: float = 0.9,
    checkpoints=(),
    on_checkpoint: Callable[[Any, int], Any] | None = None,
    progress: bool = True,
    desc: str | None = None,
    flush_denormal: bool = True,
    group_size: int | None = None,
    n_jobs: int = 1,
    device=None,
) -> Ensemble:
    r"""Train one cell per seed, all at once: the same result as :func:`train` per seed, faster.

    Member ``i`` is ``make_cell(seeds[i])`` trained on the batch sequence of
    ``train(..., seed=seeds[i])``. The members' parameters are stacked along a new
    leading axis (``torch.func.stack_module_state``), the forward pass is vectorised over
    that axis with ``torch.func.vmap``, and the loss minimised is the *sum* of the members'
    losses, whose gradient with respect to member ``i``'s slice is member ``i``'s own
    gradient. The ``torch.optim`` updates are elementwise, so each slice follows its own
    optimiser trajectory exactly: stacking changes the cost, not the arithmetic (results
    agree with separate runs to floating-point round-off).

    Parameters
    ----------
    make_cell : callable
        ``make_cell(seed)`` returns a fresh cell (e.g. ``lambda s: MultiGateRNN(4, 32, seed=s)``);
        all members must have the same class and sizes.
    seeds : sequence of int
        One member per seed (distinct, non-negative); the seed sets both the cell's
        initial weights (through ``make_cell``) and its batch sequence.
    task, optimizer, lr, steps, batch, task_kwargs, momentum, progress, flush_denormal
        As in :func:`train`.
    checkpoints, on_checkpoint
        As in :func:`train`; ``on_checkpoint(cell, step)`` is called for every member, with
        that member's parameters at that step, and the records go to its own history.
    group_size : int, optional
        Members stacked together: consecutive groups of ``group_size`` seeds are trained as
        separate stacks (``None``, the default: one stack of all members). Torch's vectorised
        kernels round a member's arithmetic slightly differently depending on the size of its
        stack and its place in it (e.g. float32 :class:`~gatebook.learning.ScalarGateRNN`), so
        the grouping is part of the result, at round-off level; the number of workers is not.
    n_jobs : int
        The groups are jobs of :func:`gatebook.jobs.run_jobs` (1: here; ``k``: ``k`` worker
        processes with one torch thread each; -1: every core). The cells and histories are
        bit-identical for any number of workers; only ``group_size`` gives workers something to
        share. With workers, ``make_cell`` is called here, the cells travel to the workers
        (``on_checkpoint`` and a callable ``task`` too, by ``cloudpickle``) and the trained
        cells come back as copies.
    device : None, "cpu", "cuda", "auto" or torch.device, optional
        Where each stack is trained, as in :func:`train` (the cells move there).

    Returns
    -------
    Ensemble
        ``cells`` (trained, in ``seeds`` order) and one :class:`TrainingHistory` each.
    """
    if not callable(make_cell):
        raise TypeError(f"make_cell must be callable (seed -> cell), got {type(make_cell).__name__}")
    seeds = check_seeds(seeds)
    steps, batch, marks = _check_schedule(steps, batch, checkpoints, on_checkpoint)
    task_kwargs = _check_options(task_kwargs, progress, desc, flush_denormal)
    check_memory(steps * len(seeds), "steps", itemsize=4, what="the batch seeds of every member")
    size = len(seeds) if group_size is None else check_positive_int(group_size, "group_size")
    n_jobs = check_n_jobs(n_jobs)
    if device is not None:  # checked here, before any work; the cells move inside each job
        from ..backend import resolve_device

        if resolve_device(device) is None:
            raise ValueError(f"device must name a torch device for Part II cells ('cpu', 'cuda', 'auto'), got {device!r}")

    cells = [make_cell(s) for s in seeds]
    first = check_cell(cells[0])
    if any(type(c) is not type(first) or c.hidden_size != first.hidden_size or c.input_size != first.input_size
           for c in cells):
        raise ValueError("make_cell must return cells of one class and one size for every seed")
    groups = [(cells[k:k + size], seeds[k:k + size]) for k in range(0, len(seeds), size)]
    here = n_jobs == 1 or len(groups) == 1  # run_jobs's rule: then everything runs in this process
    options = dict(task=task, optimizer=optimizer, lr=lr, steps=steps, batch=batch, task_kwargs=task_kwargs,
                   momentum=momentum, marks=marks, on_checkpoint=on_checkpoint, progress=progress and here,
                   desc=desc, flush_denormal=flush_denormal, threads=None if here else 1, device=device)

    def run(group_cells, group_seeds):
        return _train_stack(group_cells, group_seeds, **options)

    parts = run_jobs(run, groups, n_jobs=n_jobs, progress=progress and not here, desc=desc or "training groups")
    return Ensemble(seeds=seeds, cells=[c for p in parts for c in p[0]], histories=[h for p in parts for h in p[1]])


def _train_stack(cells, seeds, *, task, optimizer, lr, steps, batch, task_kwargs, momentum, marks, on_checkpoint,
                 progress, desc, flush_denormal, threads, device=None):
    """Train ``cells`` (one per seed) as one vmap stack, in place; returns ``(cells, histories)``.

    One job of :func:`train_ensemble`: ``threads`` (``None``: unchanged) torch threads while it runs.
    """
    from torch.func import functional_call, stack_module_state, vmap

    first = cells[0]
    where = [place_cell(cell, device) for cell in cells][0]
    params, buffers = stack_module_state(cells)
    dtype = first.W_r.dtype
    template = copy.deepcopy(first).to("meta")

    def predict(p, b, u):
        return functional_call(template, (p, b), (u,), {"_unchecked": True})

    batched_predict = vmap(predict)
    opt = make_optimizer(params.values(), optimizer, lr, momentum=momentum)
    draw = _batch_source(task, batch, task_kwargs, first.input_size, dtype)
    all_seeds = np.stack([batch_seeds(s, steps) for s in seeds])  # (members, steps)
    histories = [TrainingHistory(loss=np.empty(steps), optimizer=optimizer, lr=float(lr), seed=s) for s in seeds]
    due = set(marks)

    def checkpoint(step):
        _write_back(cells, params, buffers)
        for cell, hist in zip(cells, histories):
            hist.checkpoints.append(step)
            hist.records.append(on_checkpoint(cell, step))

    with _flushing_denormals(flush_denormal), (torch_threads(threads) if threads else contextlib.nullcontext()):
        for step in progress_bar(range(steps), desc=desc or f"training {len(seeds)} seeds ({optimizer})", enabled=progress):
            if step in due:
                checkpoint(step)
            data = [draw(int(s)) for s in all_seeds[:, step]]
            U = torch.stack([d.inputs for d in data]).to(where)
            Y = torch.stack([d.targets for d in data]).to(where, dtype)
            losses = torch.mean((batched_predict(params, buffers, U) - Y) ** 2, dim=(1, 2))
            values = losses.detach().cpu().numpy()
            if not np.isfinite(values).all():
                bad = int(np.flatnonzero(~np.isfinite(values))[0])
                raise FloatingPointError(f"the loss of seed {seeds[bad]} became {values[bad]} at step {step}; lower lr (now {lr})")
            for hist, v in zip(histories, values):
                hist.loss[step] = v
            opt.zero_grad(set_to_none=True)
            losses.sum().backward()
            opt.step()
        if steps in due:
            checkpoint(steps)
    _write_back(cells, params, buffers)
    return cells, histories
