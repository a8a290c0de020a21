r"""Anisotropy of credit propagation and of parameter updates in recurrent cells (chapter 5).

Chapter 5 asks two questions of a recurrent cell. Each is answered by the singular values
:math:`\sigma_1\ge\sigma_2\ge\dots\ge0` of one matrix, summarised by the four metrics of
:mod:`gatebook.spectra` (re-exported here):

.. math::

    \mathrm{AI}_r=\frac{\sigma_1}{\sigma_r},\qquad
    \mathrm{CE}_r=\frac{\sum_{i\le r}\sigma_i^2}{\sum_{i\le\mathrm{top}}\sigma_i^2},\qquad
    \mathrm{PR}=\frac{(\sum_i\sigma_i^2)^2}{\sum_i\sigma_i^4},\qquad
    r_{\rm eff}=e^{-\sum_ip_i\ln p_i},\quad p_i=\frac{\sigma_i^2}{\sum_j\sigma_j^2}.

1. **Does credit propagate along few directions?** The matrix is the propagator
   :math:`\Phi(t,k)=\mathcal J_t\cdots\mathcal J_{k+1}` over a lag :math:`\ell=t-k`
   (:func:`propagation_anisotropy`: sampled :math:`(b,t,k)` triples per lag, summarised
   by medians over the triples).
2. **Do the updates concentrate?** The matrix is :math:`G\in\mathbb R^{M\times P}` whose
   row :math:`i` is the gradient of example :math:`i`'s loss with respect to all
   parameters (:func:`update_anisotropy`, the GradCov recipe of
   :func:`~gatebook.spectra.gradient_anisotropy`).

:func:`anisotropy_experiment` trains *arms* (:class:`~gatebook.learning.arms.Arm`) such as
plain + Adam and multi-gate + SGD on several tasks and seeds and measures both at
checkpoints; :class:`AnisotropyExperiment` holds the tidy records and gives medians and
interquartile ranges per arm, task and checkpoint. :func:`frozen_gate_cell`,
:func:`frozen_gate_propagation` and :func:`frozen_gate_anisotropy` give the exact case of
constant per-neuron gates with :math:`W_{\rm rec}=0`, where
:math:`\Phi(t,k)=\mathrm D(c)^{\ell}` with carries :math:`c_i=1-u_i` and
:math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}`.

This module holds the experiment and its tables. The measurements of one cell live in
:mod:`gatebook.learning.cell_anisotropy`, the frozen-gate cell in
:mod:`gatebook.learning.frozen`, the arms in :mod:`gatebook.learning.arms`; their public
names are re-exported here. All analysis runs in float64 on a detached copy of the cell
(training may be float32).
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass, field

import warnings

import numpy as np
import torch

from .._validation import as_float64, check_bool, check_choice, check_positive_int
from ..spectra import (
    AnisotropyMetrics,
    anisotropy_index,
    effective_rank,
    energy_concentration,
    gradient_anisotropy,
    matrix_anisotropy,
    participation_ratio as _spectrum_participation_ratio,
    singular_values,
)
from .presets import PRESETS
from ..progress import progress_bar
from .tasks import TASKS, make_task
from .arms import Arm, make_arms
from .cell_anisotropy import (
    METRICS,
    PropagationAnisotropy,
    frozen_gate_anisotropy,
    frozen_gate_propagation,
    propagation_anisotropy,
    update_anisotropy,
)
from .cells import MODELS
from .common import check_checkpoints, check_r_top, check_sampled_lags, check_seeds, check_sizes, torch_threads
from .frozen import frozen_gate_cell
from .reference_quirks import (
    PRODUCT_QUIRKS,
    STUDY_QUIRKS,
    check_quirks,
    quirk_task_kwargs,
    quirk_training,
    relabel_checkpoints,
)
from .train import train_ensemble

__all__ = [
    "CHAPTER_SETTINGS",
    "METRICS",
    "MODELS",
    "AnisotropyExperiment",
    "AnisotropyMetrics",
    "Arm",
    "PropagationAnisotropy",
    "anisotropy_experiment",
    "anisotropy_index",
    "effective_rank",
    "energy_concentration",
    "frozen_gate_anisotropy",
    "frozen_gate_cell",
    "frozen_gate_propagation",
    "gradient_anisotropy",
    "make_arms",
    "matrix_anisotropy",
    "propagation_anisotropy",
    "singular_values",
    "spectrum_table",
    "update_anisotropy",
]

#: The sizes chapter 5 runs with (45 training runs inside the chapter's time budget); the
#: paper's ``s2`` settings are in :data:`gatebook.learning.presets.PRESETS`.
CHAPTER_SETTINGS = {
    "tasks": ("adding", "moving_average", "ar2"),
    "seeds": (0, 1, 2, 3, 4),
    "steps": 100,
    "checkpoints": (0, 100),
    "T": 20,
    "n": 24,
    "m": 4,
    "batch": 32,
    "probe_batch": 4,
    "grad_samples": 64,
    "lags": (1, 2, 4, 8, 12, 16),
    "triples_per_lag": 16,
    "top": 16,
    "r": 10,
}

_METRIC_NAMES = {"AI": "AI", "CE": "CE", "PR": "PR", "effective_rank": "effective rank"}


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


def spectrum_table(spectra: dict, *, r: int = 10, top: int | None = None) -> str:
    r"""A Markdown table of :math:`\mathrm{AI}_r`, :math:`\mathrm{CE}_r`, PR and effective rank of named spectra.

    ``spectra`` maps a label to non-negative singular values (any order). ``top`` is the
    CE denominator (default: all values).
    """
    if not isinstance(spectra, dict) or not spectra:
        raise TypeError("spectra must be a non-empty dict of label -> singular values")
    lines = [f"| spectrum | AI$_{{{r}}}$ | CE$_{{{r}}}$ | PR | effective rank |", "|---|---|---|---|---|"]
    for label, s in spectra.items():
        ai = anisotropy_index(s, r)
        ce = energy_concentration(s, r, top)
        lines.append(f"| {label} | {_format_number(ai)} | {ce:.3f} | {_format_number(_spectrum_participation_ratio(np.square(as_float64(s, 's'))))} | "
                     f"{_format_number(effective_rank(s))} |")
    return "\n".join(lines)


def _quartiles(x) -> tuple:
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        raise ValueError("no records match the requested arm, task, step and lag")
    q25, med, q75 = np.percentile(x, [25, 50, 75])
    return float(med), float(q25), float(q75)


def _format_number(x: float) -> str:
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    if abs(x) >= 1e4:
        return f"{x:.2g}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


# ---------------------------------------------------------------------------
# the experiment
# ---------------------------------------------------------------------------


@dataclass
class AnisotropyExperiment:
    r"""Tidy results of :func:`anisotropy_experiment`.

    Attributes
    ----------
    settings : dict
        Every size and setting of the run.
    arms : list of Arm
    tasks : list of str
    seeds : list of int
    propagation : list of dict
        One row per arm, task, seed, checkpoint ``step`` and ``lag``: the medians over the
        sampled triples of ``AI``, ``CE``, ``PR`` and ``effective_rank``.
    update : list of dict
        One row per arm, task, seed and checkpoint ``step``: the GradCov metrics and
        ``columns`` (parameters whose gradient varies across examples).
    training : list of dict
        One row per arm, task and seed: ``final_loss`` (mean training loss over the last
        10 % of the steps), the task's ``mean_predictor_mse``, ``weight_change``
        (:math:`\lVert\theta_{\rm last}-\theta_{\rm first}\rVert/\lVert\theta_{\rm first}\rVert`
        between the first and the last checkpoint) and the number of ``parameters``.
    """

    settings: dict
    arms: list
    tasks: list
    seeds: list
    propagation: list = field(default_factory=list)
    update: list = field(default_factory=list)
    training: list = field(default_factory=list)

    @property
    def checkpoints(self) -> list:
        """Checkpoint steps (taken before that step's update; ``steps`` is the end)."""
        return list(self.settings["checkpoints"])

    @property
    def arm_labels(self) -> list:
        """Labels of the arms, e.g. ``"plain + Adam"``."""
        return [a.label for a in self.arms]

    def _step(self, step):
        if step is None:
            return self.checkpoints[-1]
        if step not in self.checkpoints:
            raise ValueError(f"step must be one of the checkpoints {self.checkpoints}, got {step!r}")
        return step

    def _arm(self, arm):
        if arm not in self.arm_labels:
            raise ValueError(f"unknown arm {arm!r}; choose one of {self.arm_labels}")
        return arm

    def _tasks(self, task):
        if task is None:
            return set(self.tasks)
        if task not in self.tasks:
            raise ValueError(f"unknown task {task!r}; choose one of {self.tasks}")
        return {task}

    def _rows(self, kind, arm, task, step, lag) -> list:
        kind = check_choice(kind, "kind", {"update", "propagation", "training"})
        arm, tasks = self._arm(arm), self._tasks(task)
        rows = [x for x in getattr(self, kind) if x["arm"] == arm and x["task"] in tasks]
        if kind == "training":
            return rows
        step = self._step(step)
        rows = [x for x in rows if x["step"] == step]
        if kind == "propagation":
            if lag not in self.settings["lags"]:
                raise ValueError(f"lag must be one of {list(self.settings['lags'])}, got {lag!r}")
            rows = [x for x in rows if x["lag"] == lag]
        return rows

    def _value(self, row: dict, kind: str, metric: str) -> float:
        if kind == "training":
            metric = check_choice(metric, "metric", {"final_loss", "loss_ratio", "weight_change", "parameters"})
            return row["final_loss"] / row["mean_predictor_mse"] if metric == "loss_ratio" else row[metric]
        return row[check_choice(metric, "metric", METRICS)]

    def values(self, kind: str, metric: str, *, arm: str, task: str | None = None, step=None,
               lag: int | None = None) -> np.ndarray:
        """Per-run values of one metric, one per task and seed (tasks in order, then seeds).

        ``kind`` is ``"update"`` (GradCov), ``"propagation"`` (then ``lag`` is required)
        or ``"training"`` (``metric`` is ``"final_loss"``, ``"loss_ratio"`` = final loss
        over the task's mean-predictor MSE, ``"weight_change"`` or ``"parameters"``).
        ``task=None`` pools all tasks; ``step=None`` is the last checkpoint.
        """
        return np.array([self._value(x, kind, metric) for x in self._rows(kind, arm, task, step, lag)])

    def curve(self, arm: str, metric: str, *, task: str | None = None, step=None) -> tuple:
        """A propagation metric against lag: ``(lags, median, q25, q75)`` over seeds (and tasks if ``task=None``)."""
        lags = np.array(self.settings["lags"])
        q = np.array([_quartiles(self.values("propagation", metric, arm=arm, task=task, step=step, lag=int(h)))
                      for h in lags])
        return lags, q[:, 0], q[:, 1], q[:, 2]

    def table(self, kind: str = "update", metric: str = "CE", *, step=None, lag: int | None = None) -> list:
        """Median and IQR over seeds for every task and arm: a list of dicts.

        Keys ``task``, ``arm``, ``metric``, ``median``, ``q25``, ``q75``, ``n`` (and ``step``,
        and ``lag`` for propagation).
        """
        rows = []
        for task in self.tasks:
            for arm in self.arm_labels:
                med, q25, q75 = _quartiles(self.values(kind, metric, arm=arm, task=task, step=step, lag=lag))
                row = {"task": task, "arm": arm, "metric": metric, "median": med, "q25": q25, "q75": q75,
                       "n": len(self.seeds)}
                if kind != "training":
                    row["step"] = self._step(step)
                if kind == "propagation":
                    row["lag"] = lag
                rows.append(row)
        return rows

    def markdown_table(self, kind: str = "update", metrics=("AI", "CE"), *, step=None, lag: int | None = None) -> str:
        """A Markdown table, one row per task and arm, one column per metric: ``median [q25, q75]`` over seeds."""
        if isinstance(metrics, str):
            metrics = (metrics,)
        r = self.settings["r"]
        names = {"AI": f"AI$_{{{r}}}$", "CE": f"CE$_{{{r}}}$", "PR": "PR", "effective_rank": "effective rank",
                 "final_loss": "final loss", "loss_ratio": "final loss / mean-predictor MSE",
                 "weight_change": "relative weight change", "parameters": "parameters"}
        cols = {m: {(x["task"], x["arm"]): x for x in self.table(kind, m, step=step, lag=lag)} for m in metrics}
        lines = ["| task | arm | " + " | ".join(names[m] for m in metrics) + " |", "|---|---|" + "---|" * len(metrics)]
        for task in self.tasks:
            for arm in self.arm_labels:
                cells = [f"{_format_number(c['median'])} [{_format_number(c['q25'])}, {_format_number(c['q75'])}]"
                         for c in (cols[m][(task, arm)] for m in metrics)]
                lines.append(f"| {task} | {arm} | " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def paired_comparison(self, arm: str, reference: str, metric: str = "AI", *, kind: str = "update",
                          step=None, lag: int | None = None) -> dict:
        """Compare two arms run by run: same task and seed, hence the same initial seed and batches.

        Returns ``wins`` (runs where ``arm`` is at or above ``reference``), ``pairs`` and
        ``median_ratio`` (median over the pairs of ``arm / reference``).
        """
        a = {(x["task"], x["seed"]): self._value(x, kind, metric) for x in self._rows(kind, arm, None, step, lag)}
        b = {(x["task"], x["seed"]): self._value(x, kind, metric) for x in self._rows(kind, reference, None, step, lag)}
        keys = sorted(set(a) & set(b))
        va, vb = np.array([a[k] for k in keys]), np.array([b[k] for k in keys])
        return {"arm": arm, "reference": reference, "metric": metric, "wins": int(np.sum(va >= vb)),
                "pairs": len(keys), "median_ratio": float(np.median(va / vb))}

    def comparison_markdown(self, reference: str = "plain + Adam", metrics=("AI", "CE", "PR"), *,
                            kind: str = "update") -> str:
        """A Markdown table of :meth:`paired_comparison` of every other arm against ``reference``.

        One row per arm and metric, one column per checkpoint: ``wins/pairs (×ratio)``, the
        number of runs (task and seed) in which the arm's value is at or above the
        reference's, and the median ratio arm / reference. For propagation the longest lag is
        used. Higher AI and CE, and lower PR and effective rank, mean more concentrated.
        """
        if isinstance(metrics, str):
            metrics = (metrics,)
        self._arm(reference)
        steps = self.checkpoints
        head = " | ".join(f"step {s}" for s in steps)
        lines = [f"| arm (vs {reference}) | metric | {head} |", "|---|---|" + "---|" * len(steps)]
        lag = max(self.settings["lags"]) if kind == "propagation" else None
        for arm in self.arm_labels:
            if arm == reference:
                continue
            for metric in metrics:
                cells = []
                for s in steps:
                    c = self.paired_comparison(arm, reference, metric, kind=kind, step=s, lag=lag)
                    cells.append(f"{c['wins']}/{c['pairs']} (×{c['median_ratio']:.2f})")
                lines.append(f"| {arm} | {_METRIC_NAMES[metric]} | " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def settings_table(self, preset: str = "s2") -> str:
        """A Markdown table of this run's settings next to those of a preset (default the paper's ``s2``)."""
        ref = PRESETS[check_choice(preset, "preset", PRESETS)]
        ref_values = {**ref, "top": ref.get("top_k"), "seeds": ref.get("seeds")}
        mine = {**self.settings, "tasks": ", ".join(self.tasks), "seeds": len(self.seeds),
                "arms": "; ".join(f"{a.label} ({a.lr:g})" for a in self.arms)}
        ref_values["tasks"] = ", ".join(ref.get("tasks", ()))
        ref_values["arms"] = "; ".join(f"{Arm(**a).label} ({a['lr']:g})" for a in ref.get("arms", ()))
        keys = ("arms", "tasks", "seeds", "T", "n", "m", "batch", "steps", "checkpoints", "grad_samples",
                "probe_batch", "lags", "triples_per_lag", "top", "r")
        lines = [f"| setting | {preset} | this chapter |", "|---|---|---|"]
        for k in keys:
            lines.append(f"| {k} | {ref_values.get(k, '—')} | {mine.get(k, '—')} |")
        return "\n".join(lines)


def _check_tasks(tasks) -> list:
    """Distinct task names (a single name is one task)."""
    if isinstance(tasks, str):
        tasks = (tasks,)
    if tasks is None or isinstance(tasks, numbers.Number) or not hasattr(tasks, "__iter__"):
        raise TypeError(f"tasks must be a sequence of task names from {sorted(TASKS)}, got {tasks!r}")
    tasks = list(tasks)
    for t in tasks:
        if not isinstance(t, str):
            raise TypeError(f"tasks must hold task names from {sorted(TASKS)}, got {t!r}")
        if t not in TASKS:
            raise ValueError(f"unknown task {t!r} in tasks; choose from {sorted(TASKS)}")
    if not tasks or len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks must be a non-empty sequence of distinct task names, got {tasks}")
    return tasks


def _probe_seed(task: str, seed: int) -> int:
    """Seed of the fixed probe batch of (task, seed); independent of the training batches."""
    key = list(TASKS).index(task)
    return int(np.random.SeedSequence(seed, spawn_key=(0xA5, key)).generate_state(1)[0])


def _train_group(arm: Arm, task: str, seeds: list, *, steps: int, batch: int, T: int, n: int, m: int, init: str,
                 checkpoints: list, quirks: tuple = ()) -> list:
    """Train one cell per seed for one arm and task; return ``(cell, history)`` per seed.

    The only place where the experiment trains: :func:`~gatebook.learning.train_ensemble`
    trains the seeds side by side, each as :func:`~gatebook.learning.train` would (to
    float32 round-off). Seed ``s`` sets the initial weights and the batch sequence. Each
    checkpoint stores a copy of the parameters (``state_dict``); the measurements are made
    afterwards. The reference code's data quirks change the batches and checkpoint 0
    (:func:`~gatebook.learning.reference_quirks.quirk_training`).
    """
    source, task_kwargs, marks = quirk_training(task, checkpoints, quirks, batch=batch, T=T, m=m)
    ensemble = train_ensemble(lambda s: arm.make_cell(m, n, s, init), seeds, source, optimizer=arm.optimizer,
                              lr=arm.lr, steps=steps, batch=batch, task_kwargs=task_kwargs, checkpoints=marks,
                              on_checkpoint=lambda c, s: copy.deepcopy(c.state_dict()), progress=False)
    histories = [relabel_checkpoints(h, checkpoints, quirks) for h in ensemble.histories]
    return list(zip(ensemble.cells, histories))


def anisotropy_experiment(arms=None, tasks=CHAPTER_SETTINGS["tasks"], seeds=CHAPTER_SETTINGS["seeds"], *,
                          steps: int = CHAPTER_SETTINGS["steps"], checkpoints=None, T: int = CHAPTER_SETTINGS["T"],
                          n: int = CHAPTER_SETTINGS["n"], m: int = CHAPTER_SETTINGS["m"],
                          batch: int = CHAPTER_SETTINGS["batch"], probe_batch: int = CHAPTER_SETTINGS["probe_batch"],
                          grad_samples: int = CHAPTER_SETTINGS["grad_samples"], lags=CHAPTER_SETTINGS["lags"],
                          triples_per_lag: int = CHAPTER_SETTINGS["triples_per_lag"],
                          top: int = CHAPTER_SETTINGS["top"], r: int = CHAPTER_SETTINGS["r"],
                          init: str = "uniform", progress: bool = True,
                          reference_quirks=False) -> AnisotropyExperiment:
    r"""Train every (arm, task, seed) and measure propagation and update anisotropy at checkpoints (chapter 5).

    Run :math:`(a, \text{task}, s)` trains ``arm.make_cell(m, n, seed=s)`` as
    :func:`~gatebook.learning.train` would, with the batch sequence seeded with :math:`s`
    (the seeds of one arm and task are trained side by side by
    :func:`~gatebook.learning.train_ensemble`): for a given task and seed **every arm sees
    the same batches**. At every checkpoint it
    measures, on a fixed probe batch of ``grad_samples`` examples drawn with a separate
    seed (also shared by the arms),

    * :func:`propagation_anisotropy` of :math:`\Phi(t,k)` on the first ``probe_batch``
      examples, over ``lags`` with ``triples_per_lag`` triples (same triples for every arm),
    * :func:`update_anisotropy` (GradCov) on all ``grad_samples`` examples,

    with :math:`\mathrm{AI}_r=\sigma_1/\sigma_r` and
    :math:`\mathrm{CE}_r=\sum_{i\le r}\sigma_i^2/\sum_{i\le\mathrm{top}}\sigma_i^2`.
    Chapter 5 runs ``anisotropy_experiment(**CHAPTER_SETTINGS)`` (:data:`CHAPTER_SETTINGS`
    also supplies the defaults, except ``checkpoints``); the paper's ``s2`` preset uses
    :math:`T=120`, :math:`n=64`, :math:`m=6`, batch 64, :math:`M=256`, 1200 steps,
    checkpoints ``(0, 400, 800, 1200)``, 64 triples per lag and 20 seeds.

    Parameters
    ----------
    arms : sequence of Arm or dict, optional
        Default: the ``s2`` arms plain + Adam (:math:`10^{-3}`), scalar + SGD and
        multi + SGD (:math:`10^{-2}`).
    tasks : sequence of str
        Distinct names from :data:`gatebook.learning.tasks.TASKS`.
    seeds : sequence of int
        Distinct non-negative seeds.
    steps, batch : int
        Optimiser steps and training batch size.
    checkpoints : sequence of int, optional
        Steps in ``[0, steps]`` at which to measure, before that step's update; default
        ``(0, steps)``.
    T, n, m : int
        Sequence length, hidden size, input size.
    probe_batch, grad_samples : int
        Examples for the propagation and for the update measurement (``probe_batch <= grad_samples``).
    lags, triples_per_lag, top, r
        As in :func:`propagation_anisotropy` (lags below ``T``; ``r <= top <= n``; ``r <= grad_samples``).
    init : {"uniform", "normal"}
        Weight initialisation of the cells.
    progress : bool
        Show a progress bar over the runs.
    reference_quirks : bool or collection of str
        Reproduce the reference code's choices (:mod:`~gatebook.learning.reference_quirks`):
        ``True`` for all four of this study, or some by name: ``"reversed_order"`` and
        ``"post_update_state"`` change the products, ``"fixed_batch"`` trains on one
        jittered batch with checkpoint 0 after the first update, ``"distractor_inputs"``
        gives the AR(2) task uninformative inputs. Default: none.

    Returns
    -------
    AnisotropyExperiment

    Examples
    --------
    >>> exp = anisotropy_experiment(tasks=("adding",), seeds=(0,), steps=2, T=12, n=16, grad_samples=16,
    ...                             lags=(1, 4), triples_per_lag=4, progress=False)
    >>> exp.arm_labels, exp.checkpoints
    (['plain + Adam', 'scalar + SGD', 'multi + SGD'], [0, 2])
    """
    arms = make_arms(arms)
    tasks = _check_tasks(tasks)
    seeds = check_seeds(seeds)
    steps, batch = check_positive_int(steps, "steps"), check_positive_int(batch, "batch")
    T, n, m = check_positive_int(T, "T"), check_positive_int(n, "n"), check_positive_int(m, "m")
    probe_batch = check_positive_int(probe_batch, "probe_batch")
    grad_samples = check_positive_int(grad_samples, "grad_samples")
    if probe_batch > grad_samples:
        raise ValueError(f"probe_batch ({probe_batch}) must not exceed grad_samples ({grad_samples})")
    triples_per_lag = check_positive_int(triples_per_lag, "triples_per_lag")
    lags = [int(h) for h in check_sampled_lags(lags, T)]
    r, top = check_r_top(r, top, n, "n")
    if r > grad_samples:
        raise ValueError(f"r ({r}) must not exceed grad_samples ({grad_samples})")
    init = check_choice(init, "init", {"uniform", "normal"})
    progress = check_bool(progress, "progress")
    quirks = check_quirks(reference_quirks, applicable=STUDY_QUIRKS["s2"], name="reference_quirks")
    checkpoints = (0, steps) if checkpoints is None else checkpoints
    marks = check_checkpoints(checkpoints, steps, allow_empty=False)
    # sizes before anything is allocated: weights, batches, per-example gradients, sampled products
    check_sizes([("n", n), ("n", n)], what="the recurrent weights")
    check_sizes([("n", n), ("m", m)], what="the input weights")
    check_sizes([("steps", steps), ("len(seeds)", len(seeds))], itemsize=4, what="the batch seeds")
    check_sizes([("batch", batch), ("len(seeds)", len(seeds)), ("T", T), ("m", m)], what="the training batches")
    check_sizes([("grad_samples", grad_samples), ("T", T), ("n", n), ("n", n)], what="the probe's state Jacobians")
    check_sizes([("len(lags)", len(lags)), ("triples_per_lag", triples_per_lag), ("n", n), ("n", n)],
                what="the sampled products")
    # The probe batches come first: this also checks that every task accepts T and m.
    # (ar2 with the distractor quirk warns that its target is unpredictable; the quirk is recorded instead)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"ar2\(inputs='distractor'\)", category=UserWarning)
        probes = {(task, s): make_task(task, grad_samples, T=T, m=m, seed=_probe_seed(task, s), dtype=torch.float64,
                                       **quirk_task_kwargs(task, quirks)) for task in tasks for s in seeds}

    settings = {"steps": steps, "checkpoints": tuple(marks), "T": T, "n": n, "m": m, "batch": batch,
                "probe_batch": probe_batch, "grad_samples": grad_samples, "lags": tuple(lags),
                "triples_per_lag": triples_per_lag, "top": top, "r": r, "init": init}
    if quirks:
        settings["reference_quirks"] = quirks
    result = AnisotropyExperiment(settings=settings, arms=arms, tasks=tasks, seeds=seeds)
    tail = max(1, steps // 10)
    bar = progress_bar(total=len(arms) * len(tasks) * len(seeds), desc="anisotropy runs", enabled=progress)
    with torch_threads(1):
        try:
            for task in tasks:
                for arm in arms:
                    runs = _train_group(arm, task, seeds, steps=steps, batch=batch, T=T, n=n, m=m, init=init,
                                        checkpoints=marks, quirks=quirks)
                    for seed, (cell, history) in zip(seeds, runs):
                        _measure_run(result, arm, task, seed, cell, history, probes[(task, seed)], tail)
                        bar.update(1)
        finally:
            bar.close()
    return result


def _measure_run(result: AnisotropyExperiment, arm: Arm, task: str, seed: int, cell, history, probe, tail: int):
    """Append the training summary and the checkpoint measurements of one run to ``result``."""
    s = result.settings
    base = {"arm": arm.label, "model": arm.model, "optimizer": arm.optimizer, "lr": arm.lr, "task": task, "seed": seed}
    first, last = history.records[0], history.records[-1]
    moved = sum(float(torch.sum((last[k].double() - first[k].double()) ** 2)) for k in first)
    size = sum(float(torch.sum(first[k].double() ** 2)) for k in first)
    result.training.append({**base, "final_loss": float(history.loss[-tail:].mean()),
                            "mean_predictor_mse": float(probe.info["mean_predictor_mse"]),
                            "weight_change": (moved / size) ** 0.5,
                            "parameters": int(sum(p.numel() for p in cell.parameters()))})
    for step, state in zip(history.checkpoints, history.records):
        cell.load_state_dict(state)
        prop = propagation_anisotropy(cell, probe.inputs[:s["probe_batch"]], lags=s["lags"],
                                      triples_per_lag=s["triples_per_lag"], top=s["top"], r=s["r"],
                                      seed=_probe_seed(task, seed),
                                      reference_quirks=[q for q in s.get("reference_quirks", ()) if q in PRODUCT_QUIRKS])
        medians = {k: prop.median(k) for k in METRICS}
        for i, h in enumerate(prop.lags):
            result.propagation.append({**base, "step": step, "lag": int(h), **{k: float(medians[k][i]) for k in METRICS}})
        upd = update_anisotropy(cell, probe.inputs, probe.targets, r=s["r"], seed=_probe_seed(task, seed))
        result.update.append({**base, "step": step, **{k: float(v) for k, v in upd.as_dict().items()},
                              "columns": int(upd.columns_kept)})


def __getattr__(name):
    # one release: the old re-export took singular values; the one home is gatebook.spectra,
    # whose participation_ratio takes the spectrum (s**2)
    if name == "participation_ratio":
        import warnings

        def participation_ratio(s):
            warnings.warn("gatebook.learning.anisotropy.participation_ratio(s) moved to "
                          "gatebook.spectra.participation_ratio(s**2)", DeprecationWarning, stacklevel=2)
            return _spectrum_participation_ratio(np.square(as_float64(s, "s")))

        return participation_ratio
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
