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
:func:`readout_alignment` returns both by lag :math:`h=T-k`. Chapter 5 measures them before
and after training for several arms, tasks and seeds with :func:`readout_alignment_study`
(:class:`ReadoutAlignmentStudy`: means with 95 % Student-t intervals,
:func:`~gatebook.learning.paired.t_interval`, and
seed-by-seed gains between arms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_choice, check_positive_int
from . import anisotropy as an
from .common import check_cell, check_tensor
from .paired import t_interval

__all__ = ["ReadoutAlignment", "readout_alignment", "ReadoutAlignmentStudy", "readout_alignment_study"]


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


# ---------------------------------------------------------------------------
# the study of chapter 5: A/N before and after training, by arm, task and seed
# ---------------------------------------------------------------------------

#: The arms of the alignment section: the chapter's two (plain + Adam, multi + SGD) and the
#: plain cell with the multi-gate arm's optimiser, so that the gate is the only difference.
ALIGNMENT_ARMS = (an.Arm("plain", "adam", 1e-3), an.Arm("plain", "sgd", 1e-2), an.Arm("multi", "sgd", 1e-2))


@dataclass
class ReadoutAlignmentStudy:
    r"""Result of :func:`readout_alignment_study`: :math:`A/N` by arm, task, seed, checkpoint and lag.

    Attributes
    ----------
    arms, tasks : list of str
        Arm labels and task names, in the order of the axes of ``ratio``.
    seeds : list of int
    checkpoints : tuple of int
        ``(0, steps)``: the initialisation and the end of training.
    lags : ndarray of int
        :math:`h=T-k`, from 1 to :math:`T`.
    ratio : ndarray, shape (arms, tasks, seeds, 2, T)
        :math:`A/N` averaged over the probe sequences, for every lag.
    settings : dict
        The sizes of the run.
    """

    arms: list
    tasks: list
    seeds: list
    checkpoints: tuple
    lags: np.ndarray
    ratio: np.ndarray
    settings: dict

    def _index(self, arm: str, task: str, step) -> tuple:
        arm, task = check_choice(arm, "arm", tuple(self.arms)), check_choice(task, "task", tuple(self.tasks))
        if step not in self.checkpoints:
            raise ValueError(f"step must be one of the checkpoints {list(self.checkpoints)}, got {step!r}")
        return self.arms.index(arm), self.tasks.index(task), self.checkpoints.index(step)

    def run_values(self, arm: str, task: str, step) -> np.ndarray:
        r"""Per seed: :math:`A/N` averaged over the probe sequences and all lags (its null expectation is 1)."""
        a, t, c = self._index(arm, task, step)
        return self.ratio[a, t, :, c].mean(axis=-1)

    def summary(self, arm: str, task: str, step) -> tuple:
        """``(mean, low, high)`` over seeds of :meth:`run_values`, with a 95 % t interval."""
        return t_interval(self.run_values(arm, task, step))

    def gain(self, arm: str, task: str) -> np.ndarray:
        r"""Per seed: :math:`\ln` of (:math:`A/N` after training over :math:`A/N` at initialisation)."""
        return np.log(self.run_values(arm, task, self.checkpoints[-1]) / self.run_values(arm, task, self.checkpoints[0]))

    def paired_gain(self, arm: str, reference: str, task: str) -> dict:
        r"""``arm``'s gain minus ``reference``'s, seed by seed (same initial seed and batches for both).

        Returns ``mean``, ``low``, ``high`` (95 % t interval of the mean difference of
        :meth:`gain`), ``larger`` (seeds in which ``arm`` gains more) and ``pairs``.
        """
        d = self.gain(arm, task) - self.gain(reference, task)
        mean, low, high = t_interval(d)
        return {"arm": arm, "reference": reference, "task": task, "mean": mean, "low": low, "high": high,
                "larger": int(np.sum(d > 0)), "pairs": int(d.size)}

    def markdown_table(self) -> str:
        """One row per task and arm: mean :math:`A/N` [95 % CI] at both checkpoints, and the seeds where it rose."""
        first, last = self.checkpoints
        lines = [f"| task | arm | $A/N$, step {first} | $A/N$, step {last} | seeds where it rose |",
                 "|---|---|---|---|---|"]
        for task in self.tasks:
            for arm in self.arms:
                cells = ["{:.2f} [{:.2f}, {:.2f}]".format(*self.summary(arm, task, s)) for s in self.checkpoints]
                rose = int(np.sum(self.gain(arm, task) > 0))
                lines.append(f"| {task} | {arm} | {cells[0]} | {cells[1]} | {rose} of {len(self.seeds)} |")
        return "\n".join(lines)

    def comparison_markdown(self, arm: str, references) -> str:
        r"""``arm``'s gain in :math:`\ln(A/N)` minus each reference's, per task: mean [95 % CI] and seed count."""
        if isinstance(references, str):
            references = (references,)
        lines = ["| task | " + " | ".join(f"{arm} minus {r}" for r in references) + " |",
                 "|---|" + "---|" * len(references)]
        for task in self.tasks:
            cells = []
            for r in references:
                c = self.paired_gain(arm, r, task)
                cells.append(f"{c['mean']:+.2f} [{c['low']:+.2f}, {c['high']:+.2f}]; larger in {c['larger']} of {c['pairs']}")
            lines.append(f"| {task} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def readout_alignment_study(seeds=range(10), *, tasks=an.CHAPTER_SETTINGS["tasks"], arms=ALIGNMENT_ARMS,
                            steps: int = an.CHAPTER_SETTINGS["steps"], T: int = an.CHAPTER_SETTINGS["T"],
                            n: int = an.CHAPTER_SETTINGS["n"], m: int = an.CHAPTER_SETTINGS["m"],
                            batch: int = an.CHAPTER_SETTINGS["batch"], probe_batch: int = 16) -> ReadoutAlignmentStudy:
    r"""Train every arm on every task and seed, and measure :math:`A/N` before and after (chapter 5).

    :math:`A(k)` and its random-direction null :math:`N(k)` are those of
    :func:`~gatebook.learning.alignment.readout_alignment`; :math:`A/N>1` means that the
    readout direction, the one the loss cares about, is transported better than a random
    direction. Seed :math:`s` sets the initial weights and the training batches (shared by
    the arms) and the probe of ``probe_batch`` sequences (``seed + 10000``, also shared). The
    cells train in float32 with :func:`~gatebook.learning.train_ensemble`; the measurements
    run on float64 copies.

    Parameters
    ----------
    seeds : sequence of int
        Distinct non-negative seeds (at least one).
    tasks : sequence of str
        Distinct names from :data:`gatebook.learning.tasks.TASKS`.
    arms : sequence of Arm or dict, optional
        Default (or ``None``): plain + Adam (:math:`10^{-3}`), plain + SGD and multi + SGD
        (:math:`10^{-2}`).
    steps, T, n, m, batch : int
        Optimiser steps, sequence length, hidden and input size, training batch (default: the
        chapter's :data:`~gatebook.learning.anisotropy.CHAPTER_SETTINGS`).
    probe_batch : int
        Probe sequences per seed.

    Examples
    --------
    >>> study = readout_alignment_study((0, 1), tasks=("ar2",), steps=2, T=6, n=4, batch=2, probe_batch=2)
    >>> study.ratio.shape, study.checkpoints
    ((3, 1, 2, 2, 6), (0, 2))
    """
    from . import tasks as task_module
    from .common import check_seeds, torch_threads
    from .gate_credit import analysis_copy
    from .train import train_ensemble

    seeds = check_seeds(seeds)
    if isinstance(tasks, str):
        tasks = (tasks,)
    if not isinstance(tasks, (list, tuple)) or not tasks:
        raise TypeError(f"tasks must be a non-empty sequence of task names, got {tasks!r}")
    tasks = [check_choice(t, "tasks", tuple(task_module.TASKS)) for t in tasks]
    if len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks must be distinct, got {tasks}")
    arms = an.make_arms(ALIGNMENT_ARMS if arms is None else arms)
    steps, T, n, m = (check_positive_int(v, k) for v, k in ((steps, "steps"), (T, "T"), (n, "n"), (m, "m")))
    batch, probe_batch = check_positive_int(batch, "batch"), check_positive_int(probe_batch, "probe_batch")
    for name, value, limit in (("len(seeds)", len(seeds), 1000), ("T", T, 10_000), ("n", n, 512),
                               ("batch", batch, 100_000), ("probe_batch", probe_batch, 10_000),
                               ("steps", steps, 1_000_000)):
        if value > limit:
            raise ValueError(f"{name} must be at most {limit}, got {value}")
    ratio = np.empty((len(arms), len(tasks), len(seeds), 2, T))
    with torch_threads(1):
        for t, task in enumerate(tasks):
            probes = [task_module.make_task(task, probe_batch, T=T, m=m, seed=s + 10_000, dtype=torch.float64)
                      for s in seeds]
            for a, arm in enumerate(arms):
                trained = train_ensemble(lambda s, arm=arm: arm.make_cell(m, n, s), seeds, task, optimizer=arm.optimizer,
                                         lr=arm.lr, steps=steps, batch=batch, task_kwargs={"T": T, "m": m},
                                         progress=False).cells
                for i, (seed, probe) in enumerate(zip(seeds, probes)):
                    for c, cell in enumerate((arm.make_cell(m, n, seed), trained[i])):
                        ratio[a, t, i, c] = readout_alignment(analysis_copy(cell), probe.inputs).ratio.mean(axis=0)
    settings = {"steps": steps, "T": T, "n": n, "m": m, "batch": batch, "probe_batch": probe_batch}
    return ReadoutAlignmentStudy(arms=[arm.label for arm in arms], tasks=tasks, seeds=seeds, checkpoints=(0, steps),
                                 lags=np.arange(1, T + 1), ratio=ratio, settings=settings)
