r"""Reproductions of the paper's three experiments in one call, resumable (chapters 3, 4 and 5).

:func:`reproduce` runs one study of Livi (2025), "gates as effective learning rates", from
its preset in :data:`~gatebook.learning.presets.PRESETS`, as independent jobs on the sweep
engine :func:`gatebook.jobs.run_jobs`, writes one JSON file per job and a ``summary.json``,
and returns a :class:`ReproductionSummary`. From a shell::

    python -m gatebook reproduce s1 --scale laptop --seeds 3 --jobs 2 --out reproductions

The studies (``scale="paper"`` uses the presets ``"s1"``, ``"s2"``, ``"appB"`` as they are;
``scale="laptop"`` uses ``"laptop"``, ``"laptop_s2"`` and ``"laptop_appB"``):

``"s1"`` — effective-learning-rate profiles (paper Sec. VII-A, chapter 3)
    One job per (model, seed): :func:`~gatebook.learning.tracking.track_lag_profiles`
    trains the cell with plain SGD and, at every checkpoint, fits on a fixed probe batch

    .. math:: \ln S_{t,k} = a + s\,\ln P_{t,k},\qquad S_{t,k}=\lVert\Phi(t,k)\rVert_2,\quad
              P_{t,k}=\textstyle\prod_{j=k+1}^{t} c_j ,

    for both named conventions (``carry``: :math:`c_j=1-\gamma_j`; ``update``:
    :math:`c_j=\gamma_j`). Recorded: the slope :math:`s`, its :math:`R^2` and the gate
    statistics (mean, s.d., 10/50/90 % quantiles of :math:`\gamma_t` on the probe) at each
    checkpoint, and the training loss; beside every :math:`R^2`, the null it must beat — the
    :math:`R^2` of the lag alone, the gain from adding :math:`\ln P` and the within-lag
    correlation (:func:`~gatebook.learning.lag_profile.lag_fit`). Summary: mean ± s.d. over seeds.
``"s2"`` — joint anisotropy of propagation and updates (paper Sec. VII-B, chapter 5)
    One job per (arm, task, seed): :func:`~gatebook.learning.anisotropy.anisotropy_experiment`
    with one arm, one task and one seed. (The library's own run trains the seeds of an arm
    and task side by side with :func:`~gatebook.learning.train_ensemble`, which agrees with
    one-seed runs to float32 round-off; here every seed is its own job, so that a job's
    numbers never depend on which other seeds run.) Recorded at each checkpoint:
    :math:`\mathrm{AI}_r=\sigma_1/\sigma_r` and
    :math:`\mathrm{CE}_r=\sum_{i\le r}\sigma_i^2/\sum_{i\le\mathrm{top}}\sigma_i^2` (and PR,
    effective rank) of the propagator :math:`\Phi(t,k)` per lag (medians over the sampled
    triples), and of the per-example gradients :math:`G` (GradCov). Summary: median and
    interquartile range over seeds.
``"appB"`` — the first-order (Fréchet) expansion (paper App. B, chapter 4)
    One job per (model, seed): :func:`~gatebook.learning.expansion.expansion_check` on one
    cell with weights :math:`\mathcal N(0,0.2^2)` and one sinusoidal input trajectory.
    Recorded: :math:`E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi_0-\varepsilon L\rVert_F` on
    the grid, its log–log slope on the smallest ``slope_fit_points`` scales (2 if the
    expansion holds), the flatness of :math:`C_2=E/\varepsilon^2`, and the share of the
    gates' effect the first order misses. Summary: median and IQR over the seeds kept by
    the preset's Tukey fence on :math:`E(\varepsilon_{\max})` (``outlier_iqr_factor``).

Every preset key is either applied (``"applied"`` in the JSON says how) or listed under
``"not_applied"`` with the reason; a key this module does not know is refused, so nothing
is dropped silently. A job whose JSON exists, parses and holds the same settings is not
run again; each job carries its seed, so the numbers do not depend on ``n_jobs``.

``reference_quirks=`` reproduces the reference code's choices instead of the book's
(:mod:`gatebook.learning.reference_quirks`), all of a study's or some by name; the runs go
to ``out/<study>-<scale>-quirks-<names>/`` and every job JSON records the quirks it used.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import platform
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .._validation import check_bool, check_choice, check_int, check_int_sequence, check_n_jobs
from ..jobs import run_jobs
from ._study_summary import aggregate, changes, contrasts
from .anisotropy import anisotropy_experiment
from .arms import make_arms
from .cells import MODELS
from .common import torch_threads
from .expansion import appB_inputs, expansion_check
from .presets import get_preset
from .reference_quirks import STUDY_QUIRKS, check_quirks
from .tracking import track_lag_profiles

__all__ = ["PRESET_OF", "STUDIES", "ReproductionSummary", "reproduce", "study_jobs"]

#: The three studies, with the chapter each belongs to.
STUDIES = {"s1": "chapter 3", "s2": "chapter 5", "appB": "chapter 4"}

#: The preset a study runs at each scale: ``{(study, scale): preset name}``.
PRESET_OF = {
    ("s1", "paper"): "s1", ("s2", "paper"): "s2", ("appB", "paper"): "appB",
    ("s1", "laptop"): "laptop", ("s2", "laptop"): "laptop_s2", ("appB", "laptop"): "laptop_appB",
}

#: The most seeds one call runs (a guard against a typo such as ``seeds=10**6``).
MAX_SEEDS = 10_000

_FUNCTIONS = {"s1": track_lag_profiles, "s2": anisotropy_experiment, "appB": expansion_check}
_STATISTIC = {"s1": "mean_sd", "s2": "median_iqr", "appB": "median_iqr"}

#: How each preset key is used; a key missing here is refused (never silently dropped).
_APPLIED = {
    "s1": {
        "description": "metadata", "models": "one job per model", "seeds": "one job per seed (seeds 0..seeds-1)",
        "alpha": "LeakyRNN(alpha=...) of the leaky model", "optimizer": "optimizer=", "lr": "lr=",
        "init": "cell init ('torch_default' is the cells' 'uniform': nn.Linear's U(-1/sqrt(fan_in), ...))",
        "task": "task=", "T": "task_kwargs={'T': T}", "n": "cell hidden size", "m": "cell input size",
        "batch": "batch=", "probe_batch": "probe_batch=", "steps": "steps=", "checkpoints": "checkpoints=",
        "trim": "trim=", "summary": "the statistic of summary.json",
        "momentum": "plain SGD (track_lag_profiles trains optimizer='sgd' without momentum); only 0 is accepted",
        "weight_decay": "no weight decay (gatebook's optimisers have none); only 0 is accepted",
        "dtype": "cells are trained in float32; only 'float32' is accepted",
        "analysis_dtype": "track_lag_profiles measures on a float64 copy; only 'float64' is accepted",
    },
    "s2": {
        "description": "metadata", "arms": "one job per arm (make_arms)", "tasks": "one job per task",
        "seeds": "one job per seed (seeds 0..seeds-1)",
        "init": "init= ('torch_default' is the cells' 'uniform': nn.Linear's U(-1/sqrt(fan_in), ...))",
        "T": "T=", "n": "n=", "m": "m=", "batch": "batch=", "probe_batch": "probe_batch=",
        "grad_samples": "grad_samples=", "steps": "steps=", "checkpoints": "checkpoints=", "lags": "lags=",
        "triples_per_lag": "triples_per_lag=", "top_k": "top=", "r": "r=", "summary": "the statistic of summary.json",
        "dtype": "cells are trained in float32; only 'float32' is accepted",
        "analysis_dtype": "anisotropy_experiment measures in float64; only 'float64' is accepted",
    },
    "appB": {
        "description": "metadata", "models": "one job per model (model=)", "seeds": "one job per seed (seeds=(s,))",
        "init": "expansion_check's cells use init='normal'; only 'normal' is accepted",
        "weight_std": "init='normal' draws N(0, 0.2^2); only 0.2 is accepted",
        "train": "no training; only False is accepted", "T": "T=", "n": "n=", "m": "m=",
        "input_freq_range": "appB_inputs(freq_range=...) default; only that value is accepted",
        "time_span": "appB_inputs(time_span=...) default; only that value is accepted",
        "phase_std": "appB_inputs(phase_std=...) default; only that value is accepted",
        "input_noise_std": "appB_inputs(noise_std=...) default; only that value is accepted",
        "eps_grid": "eps_grid=", "slope_fit_points": "fit_points=",
        "outlier_iqr_factor": "outlier_factor=, and the seeds kept in summary.json (Tukey fence over seeds)",
        "dtype": "expansion_check computes in float64; only 'float64' is accepted",
    },
}

_NOT_APPLIED = {
    "steps_long": "the master runner's longer run: pass overrides={'steps': 800, 'checkpoints': "
                  "PRESETS['s1']['checkpoints_long']} to run it",
    "checkpoints_long": "see steps_long",
    "seeds_full": "the full replication's number of seeds: pass seeds=20",
}


def _fixed(settings: dict, key: str, allowed, why: str) -> None:
    if key in settings and settings[key] != allowed:
        raise ValueError(f"overrides: {key}={settings[key]!r} cannot be applied ({why}); only {allowed!r} is")


def _appB_input_defaults() -> dict:
    p = inspect.signature(appB_inputs).parameters
    return {"input_freq_range": tuple(p["freq_range"].default), "time_span": tuple(p["time_span"].default),
            "phase_std": p["phase_std"].default, "input_noise_std": p["noise_std"].default}


def _check_settings(study: str, settings: dict) -> tuple[dict, dict]:
    """``(applied, not_applied)``: how every key is used; unknown keys and unsupported values are refused."""
    unknown = sorted(set(settings) - set(_APPLIED[study]) - set(_NOT_APPLIED))
    if unknown:
        raise ValueError(f"the {study} preset holds settings reproduce() does not know how to apply: {unknown}")
    if study == "s1":
        _fixed(settings, "momentum", 0.0, "track_lag_profiles trains without momentum")
        _fixed(settings, "weight_decay", 0.0, "gatebook's optimisers have no weight decay")
    if study == "appB":
        _fixed(settings, "init", "normal", "expansion_check draws N(0, 0.2^2) weights")
        _fixed(settings, "weight_std", 0.2, "expansion_check draws N(0, 0.2^2) weights")
        _fixed(settings, "train", False, "the check is made at initialisation")
        for key, value in _appB_input_defaults().items():
            if key in settings:
                got = tuple(settings[key]) if isinstance(settings[key], (list, tuple)) else settings[key]
                _fixed({key: got}, key, value, "expansion_check draws appB_inputs with its defaults")
    _fixed(settings, "dtype", "float64" if study == "appB" else "float32", "the precision of the functions")
    _fixed(settings, "analysis_dtype", "float64", "measurements are made in float64")
    applied = {k: _APPLIED[study][k] for k in settings if k in _APPLIED[study]}
    not_applied = {k: _NOT_APPLIED[k] for k in settings if k in _NOT_APPLIED}
    return applied, not_applied


#: The settings each study's jobs are made of.
_NEEDED = {
    "s1": ("models", "alpha", "m", "n", "init", "task", "checkpoints", "probe_batch", "optimizer", "lr", "steps",
           "batch", "T", "trim"),
    "s2": ("arms", "tasks", "steps", "checkpoints", "T", "n", "m", "batch", "probe_batch", "grad_samples", "lags",
           "triples_per_lag", "top_k", "r", "init"),
    "appB": ("models", "T", "n", "m", "eps_grid", "slope_fit_points", "outlier_iqr_factor"),
}


def _init(name: str) -> str:
    return {"torch_default": "uniform"}.get(name, name)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def study_jobs(study: str, settings: dict, seeds, reference_quirks=False) -> list:
    """The jobs of ``study`` under ``settings`` (a preset dict), one dict per job.

    Each job has ``name`` (its file's stem), ``seed``, ``labels`` (model/arm/task), and
    ``kwargs``: the keyword arguments of the study's function (``s1``:
    :func:`~gatebook.learning.tracking.track_lag_profiles`, whose ``cell`` is given as a
    plain dict ``{"model", "m", "n", "init", "seed"[, "alpha"]}`` and built in the job;
    ``s2``: :func:`~gatebook.learning.anisotropy.anisotropy_experiment`; ``appB``:
    :func:`~gatebook.learning.expansion.expansion_check`). Settings are not validated
    here beyond what translation needs; :func:`reproduce` validates them. The quirks of
    ``reference_quirks`` that apply to the study are passed on as ``reference_quirks``.

    Examples
    --------
    >>> from gatebook.learning.presets import get_preset
    >>> [job["name"] for job in study_jobs("appB", get_preset("laptop_appB"), range(1))]
    ['scalar-seed0', 'multi-seed0']
    """
    study = check_choice(study, "study", STUDIES)
    if not isinstance(settings, dict):
        raise TypeError(f"settings must be a preset dict (see gatebook.learning.presets.get_preset), got {settings!r}")
    needed = _NEEDED[study]
    missing = [k for k in needed if k not in settings]
    if missing:
        raise ValueError(f"settings lacks the {study} setting(s) {missing}")
    seeds = check_int_sequence(seeds, "seeds", minimum=0, unique=True)
    quirks = [q for q in check_quirks(reference_quirks, name="reference_quirks") if q in STUDY_QUIRKS[study]]
    s = settings
    jobs = []
    if study == "s1":
        for model in s["models"]:
            for seed in seeds:
                cell = {"model": model, "m": s["m"], "n": s["n"], "init": _init(s["init"]), "seed": seed}
                if model == "leaky":
                    cell["alpha"] = s["alpha"]
                kwargs = {"cell": cell, "task": s["task"], "checkpoints": list(s["checkpoints"]),
                          "probe_batch": s["probe_batch"], "optimizer": s["optimizer"], "lr": s["lr"],
                          "steps": s["steps"], "batch": s["batch"], "seed": seed, "task_kwargs": {"T": s["T"]},
                          "trim": s["trim"], "progress": False}
                jobs.append({"name": f"{model}-seed{seed}", "seed": seed, "labels": {"model": model}, "kwargs": kwargs})
    elif study == "s2":
        for arm in make_arms(s["arms"]):
            for task in s["tasks"]:
                for seed in seeds:
                    kwargs = {"arms": [{"model": arm.model, "optimizer": arm.optimizer, "lr": arm.lr,
                                        "label": arm.label}],
                              "tasks": [task], "seeds": [seed], "steps": s["steps"],
                              "checkpoints": list(s["checkpoints"]), "T": s["T"], "n": s["n"], "m": s["m"],
                              "batch": s["batch"], "probe_batch": s["probe_batch"],
                              "grad_samples": s["grad_samples"], "lags": list(s["lags"]),
                              "triples_per_lag": s["triples_per_lag"], "top": s["top_k"], "r": s["r"],
                              "init": _init(s["init"]), "progress": False}
                    jobs.append({"name": f"{_slug(arm.label)}-{task}-seed{seed}", "seed": seed,
                                 "labels": {"arm": arm.label, "task": task}, "kwargs": kwargs})
    else:
        for model in s["models"]:
            for seed in seeds:
                kwargs = {"model": model, "seeds": [seed], "T": s["T"], "n": s["n"], "m": s["m"],
                          "eps_grid": [float(e) for e in s["eps_grid"]], "fit_points": s["slope_fit_points"],
                          "outlier_factor": s["outlier_iqr_factor"], "progress": False}
                jobs.append({"name": f"{model}-seed{seed}", "seed": seed, "labels": {"model": model}, "kwargs": kwargs})
    if quirks:
        for job in jobs:
            job["kwargs"]["reference_quirks"] = list(quirks)
    return jobs


# ---------------------------------------------------------------------------
# one job
# ---------------------------------------------------------------------------


def _finite(x):
    """JSON-safe: NaN and infinities become ``None``; numpy scalars and arrays become Python."""
    if isinstance(x, dict):
        return {str(k): _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    if isinstance(x, np.ndarray):
        return _finite(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


def _run_s1(kwargs: dict) -> dict:
    spec = dict(kwargs["cell"])
    model = spec.pop("model")
    extra = {"alpha": spec.pop("alpha")} if "alpha" in spec else {}
    cell = MODELS[model](spec.pop("m"), spec.pop("n"), **spec, **extra)
    track = track_lag_profiles(**{**kwargs, "cell": cell})
    gates = track.gates.reshape(track.gates.shape[0], -1)
    tail = max(1, track.history.loss.size // 10)
    out = {"checkpoints": track.checkpoints, "lags": [int(track.lags[0]), int(track.lags[-1])],
           "gate_mean": gates.mean(axis=1), "gate_sd": gates.std(axis=1),
           "gate_q10": np.quantile(gates, 0.1, axis=1), "gate_median": np.quantile(gates, 0.5, axis=1),
           "gate_q90": np.quantile(gates, 0.9, axis=1),
           "loss_first": float(track.history.loss[0]), "loss_final": float(track.history.loss[-tail:].mean())}
    for conv in track.conventions:
        out[f"slope_{conv}"] = track.slope(conv)
        out[f"r2_{conv}"] = track.r2(conv)
        # the null the fit must beat: what the lag alone explains, and what ln P adds (lag_fit)
        out[f"r2_lag_{conv}"] = track.baseline(conv, "r2_lag")
        out[f"r2_gain_{conv}"] = track.baseline(conv, "r2_gain")
        out[f"within_lag_corr_{conv}"] = track.baseline(conv, "within_lag_corr")
    return out


def _run_s2(kwargs: dict) -> dict:
    exp = anisotropy_experiment(**kwargs)
    steps, lags = exp.checkpoints, list(exp.settings["lags"])
    prop = {(row["step"], row["lag"]): row for row in exp.propagation}
    upd = {row["step"]: row for row in exp.update}
    metrics = ("AI", "CE", "PR", "effective_rank")
    return {"checkpoints": steps, "lags": lags,
            "propagation": {k: [[prop[(st, h)][k] for h in lags] for st in steps] for k in metrics},
            "update": {k: [upd[st][k] for st in steps] for k in metrics},
            "update_columns": [upd[st]["columns"] for st in steps],
            "training": {k: exp.training[0][k] for k in ("final_loss", "mean_predictor_mse", "weight_change",
                                                         "parameters")}}


def _run_appB(kwargs: dict) -> dict:
    chk = expansion_check(**kwargs)
    return {"eps": chk.eps, "errors": chk.errors[0], "slope": float(chk.slopes[0]),
            "c2_flatness": float(chk.c2_flatness()[0]), "change": float(chk.change[0]),
            "relative_remainder": float(chk.relative_remainder[0]), "ratio_median": float(np.median(chk.ratios[0])),
            "ratio_max": float(np.max(chk.ratios[0]))}


_RUNNERS = {"s1": _run_s1, "s2": _run_s2, "appB": _run_appB}


def _versions() -> dict:
    from .. import __version__

    return {"gatebook": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def _write_json(path: Path, record: dict) -> None:
    """Write ``record`` to ``path`` atomically (a temporary file beside it, then :func:`os.replace`)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=1, allow_nan=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _run_job(study: str, job: dict, settings: dict, path: str) -> dict:
    """Run one job on one torch thread, write its JSON and return the record."""
    start = time.perf_counter()
    with torch_threads(1):
        results = _RUNNERS[study](json.loads(json.dumps(job["kwargs"])))
    record = {"study": study, "job": job["name"], "seed": job["seed"], "labels": job["labels"],
              "reference_quirks": job["kwargs"].get("reference_quirks", []), "settings": settings, "kwargs": job["kwargs"], "results": _finite(results),
              "versions": _versions(), "wall_s": round(time.perf_counter() - start, 3)}
    _write_json(Path(path), record)
    return record


def _job_settings(settings: dict) -> dict:
    """The settings a job's numbers depend on: all but the number of seeds (each job holds its own seed),
    so a run with more seeds reuses the jobs of a run with fewer."""
    return {k: v for k, v in settings.items() if k != "seeds"}


def _load_done(path: Path, settings: dict, job: dict):
    """The record at ``path`` if it parses and matches this job's settings, else ``None``."""
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
        if (_job_settings(record["settings"]) == _job_settings(settings) and record["kwargs"] == job["kwargs"]
                and "results" in record):
            return record
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


# ---------------------------------------------------------------------------
# aggregation
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# the entry point
# ---------------------------------------------------------------------------


_HEADLINE = {
    "s1": ("slope_carry", "r2_carry", "slope_update", "r2_update", "gate_mean"),
    "s2": ("update AI", "update CE", "propagation AI", "propagation CE"),
    "appB": ("slope", "c2_flatness", "relative_remainder"),
}


@dataclass
class ReproductionSummary:
    """What :func:`reproduce` did and found.

    Attributes
    ----------
    study, scale : str
    n_jobs_done, n_jobs_skipped : int
        Jobs run by this call, and jobs whose JSON was already there.
    path : str
        The folder ``out/<study>-<scale>`` holding one JSON per job and ``summary.json``.
    table : dict
        ``{group: {checkpoint: {quantity: statistic}}}``: group is the model (``s1``,
        ``appB``) or ``"arm | task"`` (``s2``); the statistic is ``{"mean", "sd", "n"}``
        (``mean_sd``) or ``{"median", "q1", "q3", "n"}`` (``median_iqr``).
    """

    study: str
    scale: str
    n_jobs_done: int
    n_jobs_skipped: int
    path: str
    table: dict

    def _columns(self, quantities) -> list:
        cols = []
        for head in _HEADLINE[self.study]:
            if head in quantities:
                cols.append(head)
            else:  # propagation metrics: the largest lag
                lagged = [q for q in quantities if q.startswith(head + " (lag ")]
                cols += lagged[-1:]
        return cols

    def __str__(self) -> str:
        lines = [f"{self.study} at {self.scale} scale: {self.n_jobs_done} jobs run, {self.n_jobs_skipped} "
                 f"skipped; results in {self.path}"]
        head = "| arm | task |" if self.study == "s2" else "| model |"
        for group, steps in self.table.items():
            for step, quantities in steps.items():
                cols = self._columns(quantities)
                if len(lines) == 1:
                    lines += [f"{head} checkpoint | " + " | ".join(cols) + " |",
                              "|---" * (head.count("|") + len(cols)) + "|"]
                cells = []
                for c in cols:
                    st = quantities.get(c, {})
                    if "mean" in st:
                        cells.append(f"{st['mean']:.3g} ± {st['sd']:.2g}")
                    elif "median" in st:
                        cells.append(f"{st['median']:.3g} [{st['q1']:.3g}, {st['q3']:.3g}]")
                    else:
                        cells.append("—")
                lines.append(f"| {group} | {step} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def _check_out(out) -> Path:
    if out is None:
        out = "reproductions"
    if not isinstance(out, (str, os.PathLike)) or isinstance(os.fspath(out), bytes) or not os.fspath(out):
        raise TypeError(f"out must be a folder path (str or os.PathLike), got {out!r}")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValueError(f"out={os.fspath(out)!r} exists and is not a folder")
    return path


def _check_overrides(overrides, settings: dict, preset: str) -> dict:
    if overrides is None:
        return {}
    if not isinstance(overrides, dict):
        raise TypeError(f"overrides must be a dict of preset settings such as {{'steps': 20}}, got {overrides!r}")
    unknown = sorted(str(k) for k in overrides if k not in settings)
    if unknown:
        raise ValueError(f"overrides has unknown setting(s) {unknown} for preset {preset!r}; "
                         f"valid keys are {sorted(settings)}")
    if "seeds" in overrides:
        raise ValueError("overrides must not set 'seeds': pass seeds= to reproduce")
    return dict(overrides)


def _check_seeds(seeds, default) -> int:
    if seeds is None:
        return len(default) if isinstance(default, (tuple, list)) else int(default)
    return check_int(seeds, "seeds", minimum=1, maximum=MAX_SEEDS)


def reproduce(study: str, *, scale: str = "laptop", seeds: int | None = None, n_jobs: int = 1, out=None,
              progress: bool = True, overrides: dict | None = None, reference_quirks=False) -> ReproductionSummary:
    r"""Run one study of Livi (2025) from its preset, one JSON per job, resumable (chapters 3, 4, 5).

    ``"s1"`` fits :math:`\ln S_{t,k}=a+s\ln P_{t,k}` through training (Sec. VII-A,
    chapter 3); ``"s2"`` measures :math:`\mathrm{AI}_r=\sigma_1/\sigma_r` and
    :math:`\mathrm{CE}_r` of the propagator and of the per-example gradients (Sec. VII-B,
    chapter 5); ``"appB"`` fits the slope of
    :math:`E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi_0-\varepsilon L\rVert_F`, 2 when the
    first-order expansion holds (App. B, chapter 4). See the module docstring for the
    jobs and what each records.

    Parameters
    ----------
    study : {"s1", "s2", "appB"}
    scale : {"laptop", "paper"}
        ``"paper"``: the presets ``"s1"``, ``"s2"``, ``"appB"`` exactly (hours on a CPU);
        ``"laptop"``: ``"laptop"``, ``"laptop_s2"``, ``"laptop_appB"`` (about a minute or less).
    seeds : int, optional
        Number of seeds, run as seeds ``0..seeds-1`` (default: the preset's; at most
        :data:`MAX_SEEDS`).
    n_jobs : int
        Workers of :func:`gatebook.jobs.run_jobs` (``-1``: every core). The numbers do not
        depend on it: every job carries its seed and runs on one torch thread.
    out : str or os.PathLike, optional
        Parent folder (default ``./reproductions``); the files go to ``out/<study>-<scale>/``:
        one ``<job>.json`` per job and ``summary.json``. A job whose file already holds
        the same settings is not run again.
    progress : bool
        A progress bar over the jobs.
    overrides : dict, optional
        Preset settings to replace, e.g. ``{"steps": 20, "checkpoints": (0, 20)}`` for a quick
        test (any key of the preset except ``seeds``). They are part of the recorded settings,
        so changing them reruns the jobs.
    reference_quirks : bool or collection of str
        Reproduce the reference code's choices (:data:`~gatebook.learning.reference_quirks.QUIRKS`):
        ``True`` for all that apply to the study
        (:data:`~gatebook.learning.reference_quirks.STUDY_QUIRKS`), or names, each of which
        can be switched on alone; names that do not touch the study are ignored (and listed
        in ``summary.json``). The runs go to ``out/<study>-<scale>-quirks-<names>/``
        (``...-quirks-all`` for all of the study's) and the quirks are part of the settings.

    Returns
    -------
    ReproductionSummary

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     res = reproduce("appB", seeds=2, out=folder, progress=False, overrides={"T": 10, "n": 4})
    ...     again = reproduce("appB", seeds=2, out=folder, progress=False, overrides={"T": 10, "n": 4})
    >>> res.n_jobs_done, again.n_jobs_skipped, again.table == res.table
    (4, 4, True)
    """
    study = check_choice(study, "study", STUDIES)
    scale = check_choice(scale, "scale", {"paper", "laptop"})
    preset = PRESET_OF[(study, scale)]
    base = get_preset(preset)
    n_seeds = _check_seeds(seeds, base["seeds"])
    n_jobs = check_n_jobs(n_jobs)
    progress = check_bool(progress, "progress")
    requested = check_quirks(reference_quirks, name="reference_quirks")
    quirks = [q for q in requested if q in STUDY_QUIRKS[study]]
    tag = "all" if tuple(quirks) == STUDY_QUIRKS[study] else "+".join(quirks)
    folder = _check_out(out) / (f"{study}-{scale}" + (f"-quirks-{tag}" if quirks else ""))
    settings = {**base, **_check_overrides(overrides, base, preset), "seeds": n_seeds}
    applied, not_applied = _check_settings(study, settings)
    if quirks:
        settings["reference_quirks"] = quirks
    settings = json.loads(json.dumps(_finite(settings)))
    jobs = study_jobs(study, get_preset(preset, **{**(overrides or {}), "seeds": n_seeds}), range(n_seeds), quirks)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"out: the folder {os.fspath(folder)!r} cannot be created: {err}") from err
    jobs = [{**job, "kwargs": json.loads(json.dumps(job["kwargs"]))} for job in jobs]
    done = {job["name"]: _load_done(folder / f"{job['name']}.json", settings, job) for job in jobs}
    todo = [job for job in jobs if done[job["name"]] is None]
    fresh = run_jobs(_run_job, [(study, job, settings, os.fspath(folder / f"{job['name']}.json")) for job in todo],
                     n_jobs=n_jobs, progress=progress, desc=f"{study} ({scale}) jobs")
    done.update({rec["job"]: rec for rec in fresh})
    records = [done[job["name"]] for job in jobs]
    table, notes = aggregate(study, records, settings, _STATISTIC[study])
    summary = {"study": study, "chapter": STUDIES[study], "scale": scale, "preset": preset,
               "function": f"{_FUNCTIONS[study].__module__}.{_FUNCTIONS[study].__name__}",
               "statistic": settings.get("summary", _STATISTIC[study]), "settings": settings,
               "applied": applied, "not_applied": not_applied, "notes": notes,
               "jobs": [job["name"] for job in jobs], "table": table, "versions": _versions()}
    if study in ("s1", "s2"):
        summary["changes" if study == "s1" else "contrasts"] = (changes if study == "s1" else contrasts)(records, settings)
    if requested:
        summary["reference_quirks"] = quirks
        summary["reference_quirks_not_applicable"] = [q for q in requested if q not in quirks]
    if "summary" not in settings:
        summary["statistic_note"] = "the preset names no statistic: median and IQR over seeds, as in the App. B figure"
    _write_json(folder / "summary.json", _finite(summary))
    return ReproductionSummary(study=study, scale=scale, n_jobs_done=len(todo), n_jobs_skipped=len(jobs) - len(todo),
                               path=os.fspath(folder), table=table)
