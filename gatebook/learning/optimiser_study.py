r"""Gates against Adam as a 2×2 experiment: {plain, multi-gate} × {SGD, Adam} (chapter 4).

Chapter 4 argues that a per-neuron gate acts on the gradient like a diagonal preconditioner,
which is also what Adam is. :func:`optimiser_grid` asks whether the two *substitute* for each
other in training. It trains every (model, optimiser, step size, seed) of a grid on the same
seeded batches, picks each arm's step size, and compares arms **seed by seed**: seed
:math:`s` fixes the initial weights and the batch sequence of every arm, so for two arms
:math:`a,b` with final losses :math:`F_{a,s},F_{b,s}` the paired log ratios

.. math::

    d_s = \ln F_{a,s} - \ln F_{b,s},\qquad
    \bar d \pm t_{0.975,\,S-1}\,\frac{\mathrm{sd}(d)}{\sqrt S}

give a t-based 95 % confidence interval for the mean log ratio
(:func:`~gatebook.learning.paired.paired_contrast`);
:math:`e^{\bar d}` is the geometric-mean ratio of the final losses.

**Selection rule.** An arm's step size is the one of its grid with the lowest *mean* final
loss over the seeds (or over separate ``selection_seeds``, which keeps the selection out of
the comparison). A run whose loss becomes NaN or infinite counts as an infinite final loss.

While the Adam arms train, :class:`~gatebook.learning.adam_update.AdamProbe` records at a
few checkpoints what Adam does to the recurrent weights: the anisotropy of the raw gradient,
of the momentum and of Adam's actual step, and (gated cells) the rank correlation over units
between the gate-induced rate :math:`\bar u_i` and Adam's per-row rate
:math:`\rho_i=\frac1N\sum_j1/(\sqrt{\hat v_{ij}}+\epsilon)`.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._validation import check_bool, check_choice, check_n_jobs, check_positive_int
from ..jobs import run_jobs
from .adam_update import MATRICES, AdamProbe
from .paired import Contrast, paired_contrast
from .cells import MODELS
from .common import check_seeds, check_sizes, torch_threads
from .tasks import TASKS, make_task
from .train import OPTIMIZERS, train, train_ensemble

__all__ = ["CONTRASTS", "OptimiserGrid", "matched_width", "optimiser_grid"]

#: How optimisers are written in arm labels.
_NAMES = {"sgd": "SGD", "momentum": "momentum", "rmsprop": "RMSProp", "adam": "Adam"}

#: The four paired contrasts of chapter 4: name -> (arm, reference arm).
CONTRASTS = {
    "gate effect under SGD": ("multi + SGD", "plain + SGD"),
    "gate effect under Adam": ("multi + Adam", "plain + Adam"),
    "Adam effect, plain cell": ("plain + Adam", "plain + SGD"),
    "multi + SGD vs plain + Adam": ("multi + SGD", "plain + Adam"),
}




def _train_job(model, n, optimizer, lr, seeds, cfg):
    """All seeds of one (model, optimiser, lr): losses (seeds, steps) and probe records (or None).

    One stack of :func:`train_ensemble`; if a member diverges, every seed is trained alone
    with :func:`train` and the diverged ones get NaN losses. The job depends on its arguments
    only, so the grid does not depend on the number of workers.
    """
    steps, m = cfg["steps"], cfg["m"]
    probe = AdamProbe(cfg["probe_inputs"], cfg["r"]) if optimizer == "adam" and cfg["probe_at"] else None
    kw = dict(optimizer=optimizer, lr=lr, steps=steps, batch=cfg["batch"], task_kwargs={"T": cfg["T"]},
              checkpoints=cfg["probe_at"] if probe else (), on_checkpoint=probe, progress=False)
    with torch_threads(1), (probe.watching() if probe else contextlib.nullcontext()):
        try:
            hist = train_ensemble(lambda s: MODELS[model](m, n, seed=s), seeds, cfg["task"], **kw).histories
        except FloatingPointError:
            hist = []
            for s in seeds:
                try:
                    hist.append(train(MODELS[model](m, n, seed=s), cfg["task"], seed=s, **kw))
                except FloatingPointError:
                    hist.append(None)
    loss = np.stack([h.loss if h is not None else np.full(steps, np.nan) for h in hist])
    return loss, ([h.records if h is not None else None for h in hist] if probe else None)


@dataclass
class OptimiserGrid:
    r"""Final losses of a (model × optimiser) grid over step sizes and seeds (chapter 4).

    Attributes
    ----------
    labels : list of str
        Arm labels, e.g. ``"multi + Adam"`` (``"plain N=46 + SGD"`` for a widened cell).
    models, optimisers : list of str
        Per arm.
    hidden, params : list of int
        Hidden size and number of trainable parameters per arm.
    lrs : ndarray, shape (arms, k)
        Step-size grid per arm.
    seeds, selection_seeds : list of int
    final : ndarray, shape (arms, k, seeds)
        Mean training loss over the last ``window`` updates (inf if the run diverged).
    selection_final : ndarray or None, shape (arms, k, selection seeds)
    curves : dict
        At each arm's chosen step size: ``steps`` and the ``median``, ``q25``, ``q75`` over
        seeds of the loss averaged over ``window`` updates, every ``stride`` steps.
    probe : dict
        Per Adam arm label: ``checkpoints`` and arrays ``(k, seeds, checkpoints)`` of
        ``ai_<m>``, ``ce_<m>``, ``pr_<m>`` (``m`` in gradient, momentum, adam) and ``spearman``; the live
        result also has ``write`` and ``inv_rms``, ``(k, seeds, checkpoints, N)``.
    settings : dict
        ``task``, ``T``, ``m``, ``batch``, ``steps``, ``window``, ``r``, ``mean_predictor_mse``.
    provenance : dict
        Free notes saved with the grid (e.g. the command that made it and its runtime).
    loss : ndarray or None, shape (arms, k, seeds, steps)
        Every loss curve (not saved by :meth:`save`).
    """

    labels: list
    models: list
    optimisers: list
    hidden: list
    params: list
    lrs: np.ndarray
    seeds: list
    final: np.ndarray
    curves: dict
    probe: dict
    settings: dict
    selection_seeds: list = field(default_factory=list)
    selection_final: np.ndarray | None = None
    provenance: dict = field(default_factory=dict)
    loss: np.ndarray | None = None

    @property
    def mean_predictor_mse(self) -> float:
        """MSE of the best constant prediction (1/6 for adding)."""
        return float(self.settings["mean_predictor_mse"])

    def index(self, label: str) -> int:
        """Position of the arm called ``label``."""
        if not isinstance(label, str) or label not in self.labels:
            raise ValueError(f"unknown arm {label!r}; choose one of {self.labels}")
        return self.labels.index(label)

    def best_lr_index(self) -> np.ndarray:
        """Per arm, the step size with the lowest mean final loss over the selection seeds."""
        pick = self.final if self.selection_final is None else self.selection_final
        with np.errstate(invalid="ignore"):
            return np.argmin(np.where(np.isfinite(pick), pick, np.inf).mean(axis=-1), axis=1)

    def best_lr(self) -> np.ndarray:
        """The chosen step size of each arm."""
        return self.lrs[np.arange(len(self.labels)), self.best_lr_index()]

    def at_edge(self) -> list:
        """Labels of arms whose chosen step size is the smallest or largest of their grid."""
        k = self.lrs.shape[1]
        return [lab for lab, i in zip(self.labels, self.best_lr_index()) if k > 1 and i in (0, k - 1)]

    def best_final(self) -> np.ndarray:
        """Final losses at each arm's chosen step size, shape (arms, seeds)."""
        return self.final[np.arange(len(self.labels)), self.best_lr_index()]

    def contrast(self, arm: str, reference: str, *, confidence: float = 0.95) -> Contrast:
        """Paired contrast (:func:`~gatebook.learning.paired.paired_contrast`) of two arms at their chosen step sizes."""
        fin = self.best_final()
        return paired_contrast(fin[self.index(arm)], fin[self.index(reference)], confidence=confidence,
                               arm=arm, reference_label=reference)

    def contrasts(self, *, confidence: float = 0.95) -> dict:
        """The contrasts of :data:`CONTRASTS` whose arms are in the grid, by name."""
        return {name: self.contrast(a, b, confidence=confidence)
                for name, (a, b) in CONTRASTS.items() if a in self.labels and b in self.labels}

    def probe_at_best(self, label: str, key: str) -> np.ndarray:
        """Probe values ``key`` of an Adam arm at its chosen step size, shape (seeds, checkpoints, ...)."""
        if label not in self.probe:
            raise ValueError(f"no probe for arm {label!r}; probed arms: {sorted(self.probe)}")
        return np.asarray(self.probe[label][key])[self.best_lr_index()[self.index(label)]]

    def probe_mean_ci(self, label: str, key: str, checkpoint: int, *, confidence: float = 0.95) -> tuple:
        """Mean over seeds of a probe value at a checkpoint (chosen step size), its t interval, and the values."""
        from scipy import stats

        marks = self.probe.get(label, {}).get("checkpoints", [])
        if checkpoint not in marks:
            raise ValueError(f"checkpoint must be one of the probe's checkpoints {marks}, got {checkpoint!r}")
        v = self.probe_at_best(label, key)[:, marks.index(checkpoint)]
        v = v[np.isfinite(v)]
        half = stats.t.ppf(0.5 + confidence / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else np.nan
        return float(v.mean()), (float(v.mean() - half), float(v.mean() + half)), v

    def to_markdown(self) -> str:
        r"""Two Markdown tables: each arm at its chosen step size, then the paired contrasts."""
        fin, mp = self.best_final(), self.mean_predictor_mse
        lines = ["| arm | N | parameters | step sizes tried | chosen | final loss: median (min–max) | ÷ mean predictor |",
                 "|---|---|---|---|---|---|---|"]
        for k, lab in enumerate(self.labels):
            f = fin[k]
            lines.append(f"| {lab} | {self.hidden[k]} | {self.params[k]} | {', '.join(f'{v:g}' for v in self.lrs[k])} "
                         f"| {self.best_lr()[k]:g} | {np.median(f):.4g} ({f.min():.3g}–{f.max():.3g}) "
                         f"| {np.median(f) / mp:.3g} |")
        lines += ["", "| contrast | geometric-mean ratio | 95 % CI of the ratio | lower in |", "|---|---|---|---|"]
        for name, c in self.contrasts().items():
            lines.append(f"| {name}: {c.arm} ÷ {c.reference} | {c.ratio:.3g} | {np.exp(c.ci[0]):.3g}–{np.exp(c.ci[1]):.3g} "
                         f"| {c.below} of {c.n} seeds |")
        return "\n".join(lines)

    def summary(self) -> dict:
        """Everything but :attr:`loss` and the per-unit probe vectors, as JSON-ready values."""
        def plain(x):
            if isinstance(x, dict):
                return {k: plain(v) for k, v in x.items() if k not in ("write", "inv_rms")}
            if isinstance(x, np.ndarray):
                return np.where(np.isfinite(x), x, None).tolist() if x.dtype.kind == "f" else x.tolist()
            return x

        return {name: plain(getattr(self, name)) for name in self.__dataclass_fields__ if name != "loss"}

    def save(self, path) -> None:
        """Write :meth:`summary` as JSON (non-finite numbers as ``null``)."""
        items = [f"{json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in self.summary().items()]
        with open(path, "w") as fh:
            fh.write("{\n" + ",\n".join(items) + "\n}\n")  # one line per field

    @classmethod
    def load(cls, path) -> "OptimiserGrid":
        """Read a grid written by :meth:`save` (``null`` back to NaN; diverged final losses to inf)."""
        with open(path) as fh:
            d = json.load(fh)
        arr = lambda x: np.array(x, dtype=float)  # noqa: E731  (None -> nan)
        for key in ("lrs", "final", "selection_final"):
            if d.get(key) is not None:
                d[key] = arr(d[key])
                if key != "lrs":
                    d[key][np.isnan(d[key])] = np.inf
        d["curves"] = {k: arr(v) for k, v in d["curves"].items()}
        d["probe"] = {lab: {k: (v if k == "checkpoints" else arr(v)) for k, v in p.items()} for lab, p in d["probe"].items()}
        return cls(**d)


def _check_models(models, optimisers, learning_rates):
    for name, seq, allowed in (("models", models, MODELS), ("optimisers", optimisers, OPTIMIZERS)):
        if isinstance(seq, (str, bytes)) or not hasattr(seq, "__iter__"):
            raise TypeError(f"{name} must be a sequence of names such as {sorted(allowed)[:2]}, got {seq!r}")
        seq = list(seq)
        if not seq or len(set(map(str, seq))) != len(seq):
            raise ValueError(f"{name} must be a non-empty sequence of distinct names, got {seq}")
        for i, v in enumerate(seq):
            check_choice(v, f"{name}[{i}]", set(allowed))
    if not isinstance(learning_rates, dict):
        raise TypeError(f"learning_rates must be a dict {{optimiser: step sizes}}, got {type(learning_rates).__name__}")
    grids = {}
    for opt in optimisers:
        if opt not in learning_rates:
            raise ValueError(f"learning_rates has no step sizes for optimiser {opt!r}")
        v = learning_rates[opt]
        try:
            grid = np.asarray(v, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise TypeError(f"learning_rates[{opt!r}] must be a sequence of positive numbers, got {v!r}") from None
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0) or isinstance(v, (str, bool)):
            raise ValueError(f"learning_rates[{opt!r}] must hold finite positive step sizes, got {v!r}")
        grids[opt] = grid
    if len({g.size for g in grids.values()}) != 1:
        raise ValueError("learning_rates must give every optimiser the same number of step sizes")
    return list(models), list(optimisers), grids


def _empty(x) -> bool:
    return x is not None and hasattr(x, "__len__") and not isinstance(x, (str, bytes)) and len(x) == 0


def _count(model: str, m: int, n: int) -> int:
    return sum(p.numel() for p in MODELS[model](m, n, seed=0).parameters())


def matched_width(m: int, n: int, *, model: str = "plain", target: str = "multi") -> int:
    """Hidden size of ``model`` whose parameter count is closest to that of ``target`` with ``n`` units."""
    m, n = check_positive_int(m, "m"), check_positive_int(n, "n")
    check_choice(model, "model", set(MODELS))
    check_choice(target, "target", set(MODELS))
    check_sizes([("4 * n", 4 * n), ("4 * n", 4 * n)], what="the widest recurrent weights")
    check_sizes([("4 * n", 4 * n), ("m", m)], what="the widest input weights")
    want = _count(target, m, n)
    return min(range(n, 4 * n + 1), key=lambda k: abs(_count(model, m, k) - want))


def optimiser_grid(models=("plain", "multi"), optimisers=("sgd", "adam"), learning_rates=None, *, task: str = "adding",
                   T: int = 40, n: int = 32, m: int = 4, batch: int = 32, steps: int = 1000, seeds=range(10),
                   selection_seeds=(), window: int = 50, matched_plain: bool = False, probe_at=None,
                   probe_batch: int = 64, probe_seed: int = 10_000, r: int = 10, stride: int = 10,
                   n_jobs: int = 1, progress: bool = True) -> OptimiserGrid:
    r"""Train every (model, optimiser, step size, seed) on the same batches and compare arms (chapter 4).

    Each arm minimises the final-time MSE :math:`\frac1B\sum_b(W_ox^{(b)}_T-y^{(b)})^2` on a
    fresh seeded batch per update; seed :math:`s` fixes the initial weights and the batches
    of every arm, so arms are compared seed by seed (:meth:`OptimiserGrid.contrasts`). The
    chosen step size of an arm minimises its mean final loss over ``selection_seeds`` if
    given, else over ``seeds``. Adam arms are probed as described in the module docstring.

    Parameters
    ----------
    models : sequence of {"plain", "leaky", "scalar", "multi"}
    optimisers : sequence of {"sgd", "momentum", "rmsprop", "adam"}
    learning_rates : dict, optional
        ``{optimiser: step sizes}``, the same number for each; default SGD
        ``(0.03, 0.1, 0.3, 1)`` and Adam ``(0.001, 0.003, 0.01, 0.03)``.
    task : str
        A task of :mod:`gatebook.learning.tasks`.
    T, n, m, batch, steps : int
        Sequence length, hidden size, input channels, batch size, updates.
    seeds, selection_seeds : sequence of int
        Distinct non-negative seeds compared, and extra seeds used only to choose step sizes.
    window : int
        Updates averaged for the final loss (``<= steps``).
    matched_plain : bool
        Also train a plain cell widened to about the multi-gate cell's parameter count.
    probe_at : sequence of int, optional
        Adam checkpoints in ``[1, steps]`` (default ``(steps // 4, steps)``; empty: no probe).
    probe_batch, probe_seed : int
        The fixed batch on which the write factors are averaged.
    r : int
        Rank of :math:`\sigma_1/\sigma_r` and of the energy fraction (``<= n``).
    stride : int
        Step between stored curve points.
    n_jobs : int
        Workers of :func:`gatebook.jobs.run_jobs`, one job per (arm, step size); the result
        does not depend on it.
    progress : bool

    Returns
    -------
    OptimiserGrid

    Examples
    --------
    >>> g = optimiser_grid(learning_rates={"sgd": [0.1], "adam": [0.01]}, T=6, n=4, m=2, batch=4,
    ...                    steps=4, seeds=(0, 1), window=2, r=2, stride=2, progress=False)
    >>> g.labels, g.final.shape
    (['plain + SGD', 'plain + Adam', 'multi + SGD', 'multi + Adam'], (4, 1, 2))
    """
    if learning_rates is None:
        learning_rates = {"sgd": (0.03, 0.1, 0.3, 1.0), "adam": (0.001, 0.003, 0.01, 0.03)}
    models, optimisers, grids = _check_models(models, optimisers, learning_rates)
    check_choice(task, "task", set(TASKS))
    T, n, m, batch, steps, window, probe_batch, r, stride = (check_positive_int(v, k) for v, k in (
        (T, "T"), (n, "n"), (m, "m"), (batch, "batch"), (steps, "steps"), (window, "window"),
        (probe_batch, "probe_batch"), (r, "r"), (stride, "stride")))
    if window > steps or stride > steps:
        raise ValueError(f"window ({window}) and stride ({stride}) cannot exceed steps ({steps})")
    if r > n:
        raise ValueError(f"r ({r}) cannot exceed n ({n}), the rank of the recurrent weights")
    seeds = check_seeds(seeds)
    selection_seeds = [] if _empty(selection_seeds) else check_seeds(selection_seeds, "selection_seeds")
    if set(seeds) & set(selection_seeds):
        raise ValueError("selection_seeds must not overlap seeds")
    probe_seed = check_seeds([probe_seed], "probe_seed")[0]
    probe_at = [] if _empty(probe_at) else check_seeds((steps // 4 or 1, steps) if probe_at is None else probe_at,
                                                       "probe_at")
    if any(not 1 <= c <= steps for c in probe_at):
        raise ValueError(f"probe_at must lie in [1, steps={steps}], got {probe_at}")
    matched_plain, progress = check_bool(matched_plain, "matched_plain"), check_bool(progress, "progress")
    n_jobs = check_n_jobs(n_jobs)
    check_sizes([("n", n), ("n", n)], what="the recurrent weights")
    check_sizes([("max(batch, probe_batch)", max(batch, probe_batch)), ("T", T), ("m", m)], what="the batches")
    check_sizes([("steps", steps), ("len(seeds) + len(selection_seeds)", len(seeds) + len(selection_seeds))],
                what="the loss curves")
    specs = [(mod, n) for mod in models]
    if matched_plain:
        specs.append(("plain", matched_width(m, n)))
    arms = [(mod, k, opt) for mod, k in specs for opt in optimisers]
    labels = [f"{mod}{'' if k == n else f' N={k}'} + {_NAMES[opt]}" for mod, k, opt in arms]
    probe_data = make_task(task, probe_batch, T=T, m=m, seed=probe_seed)
    cfg = dict(task=task, T=T, m=m, batch=batch, steps=steps, r=r, probe_at=sorted(probe_at) if probe_at else [],
               probe_inputs=probe_data.inputs)
    everyone = seeds + selection_seeds
    jobs = [(mod, k, opt, float(lr), everyone, cfg) for mod, k, opt in arms for lr in grids[opt]]
    results = run_jobs(_train_job, jobs, n_jobs=n_jobs, progress=progress, desc="arms x step sizes")
    K, S = len(grids[optimisers[0]]), len(seeds)
    loss = np.stack([res[0] for res in results]).reshape(len(arms), K, len(everyone), steps)
    with np.errstate(invalid="ignore"):
        fin = loss[..., -window:].mean(axis=-1)
    fin[~np.isfinite(fin)] = np.inf
    grid = OptimiserGrid(
        labels=labels, models=[a[0] for a in arms], optimisers=[a[2] for a in arms], hidden=[a[1] for a in arms],
        params=[_count(a[0], m, a[1]) for a in arms], lrs=np.stack([grids[a[2]] for a in arms]),
        seeds=seeds, final=fin[..., :S], curves={}, probe={}, selection_seeds=selection_seeds,
        selection_final=fin[..., S:] if selection_seeds else None, loss=loss[..., :S, :],
        settings={"task": task, "T": T, "m": m, "batch": batch, "steps": steps, "window": window, "r": r,
                  "stride": stride, "probe_batch": probe_batch, "probe_seed": probe_seed,
                  "mean_predictor_mse": float(probe_data.info["mean_predictor_mse"])})
    grid.curves = _curves(grid.loss[np.arange(len(arms)), grid.best_lr_index()], window, stride)
    grid.probe = _collect_probes(results, arms, labels, K, S, cfg["probe_at"])
    return grid


def _curves(loss: np.ndarray, window: int, stride: int) -> dict:
    """Median and quartiles over seeds of the running-mean loss, every ``stride`` steps."""
    c = np.cumsum(np.concatenate([np.zeros(loss.shape[:-1] + (1,)), loss], axis=-1), axis=-1)
    idx = np.arange(1, loss.shape[-1] + 1)
    lo = np.maximum(idx - window, 0)
    smooth = ((c[..., idx] - c[..., lo]) / (idx - lo))[..., stride - 1::stride]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an arm whose every run diverged: NaN
        q = np.nanpercentile(smooth, [50, 25, 75], axis=1)
    return {"steps": idx[stride - 1::stride].astype(float), "median": q[0], "q25": q[1], "q75": q[2]}


def _collect_probes(results, arms, labels, K, S, marks) -> dict:
    """Probe records of the Adam arms as arrays ``(k, seeds, checkpoints[, N])``."""
    out = {}
    for a, (mod, k, opt) in enumerate(arms):
        if opt != "adam" or not marks:
            continue
        recs = [results[a * K + j][1] for j in range(K)]
        keys = [f"{p}_{m}" for m in MATRICES for p in ("ai", "ce", "pr")] + ["spearman", "write", "inv_rms"]
        entry = {"checkpoints": list(marks)}
        for key in keys:
            blank = np.nan if key not in ("write", "inv_rms") else np.full(k, np.nan)
            entry[key] = np.array([[[rec[c][key] for c in range(len(marks))] if rec is not None
                                    else [blank] * len(marks) for rec in recs[j][:S]] for j in range(K)], dtype=float)
        out[labels[a]] = entry
    return out
