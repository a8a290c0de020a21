r"""Settings of the Part II experiments: the paper's presets and small laptop versions (chapters 3–5).

:data:`PRESETS` maps a name to a plain ``dict`` of settings; :func:`get_preset` returns
an independent copy with optional overrides. The task generators the presets name live in
:mod:`gatebook.tasks` (which re-exports :data:`PRESETS` and :func:`get_preset`).

- ``"s1"`` — effective-learning-rate profiles (paper Sec. VII-A): models leaky
  (:math:`\alpha=0.8`), scalar and multi-gate; plain SGD with :math:`\mu=10^{-2}` (no
  momentum, no weight decay); ``T=80``, ``n=64``, ``m=4`` (3 content channels + marker);
  training batch 64, fixed probe batch 12; 600 steps with checkpoints
  ``(0, 50, 200, 400, 600)`` (the master runner: 800 steps, checkpoint 800 added); 1 %
  trimming of the predictor; task ``adding``; 5 seeds (20 for the full replication);
  mean ± 1 s.d.
- ``"s2"`` — joint anisotropy (Sec. VII-B): arms plain + Adam (:math:`10^{-3}`),
  scalar + SGD and multi + SGD (:math:`10^{-2}`); ``T=120``, ``n=64``, ``m=6``; batch 64,
  probe batch 64, ``M=256`` per-example gradients; 1200 steps with checkpoints
  ``(0, 400, 800, 1200)``; lags ``(1, 2, 4, 8, 12, 16, 24, 32, 40)`` with 64 triples per
  lag; top-16 SVD, ``r=10``; tasks adding, AR(2), moving average, delay-sum, NARMA-10;
  20 seeds; median and IQR.
- ``"appB"`` — check of the first-order expansion (App. B): ``T=100``, ``n=64``,
  ``m=3``, float64; all weights :math:`\mathcal N(0, 0.2^2)`; no training; one sinusoidal
  input trajectory per seed; a half-decade grid of :math:`\varepsilon` from
  :math:`10^{-5}` to 1, slope fitted on the first five values; seeds 0–19; scalar and
  multi gates.
- ``"laptop"`` and ``"laptop_s2"`` — small versions of ``s1`` and ``s2`` that run in
  about a minute on a laptop CPU: ``T=40``, ``n=32``, batch 32, 150 steps, 2–3 seeds.
- ``"laptop_appB"`` — a small version of ``appB`` (seconds on a laptop CPU): ``T=40``,
  ``n=16``, seeds 0–4; everything else as in ``appB``. It is the ``appB`` study of
  :func:`gatebook.learning.reproduce.reproduce` at ``scale="laptop"``.

The original settings are reproduced *with* the fixes of the science note: seeded
batches, informative AR(2) inputs and a divergence guard for NARMA-10.
"""

from __future__ import annotations

import copy

from .._validation import check_choice

__all__ = ["APPB_EPS", "PRESETS", "get_preset"]

#: The half-decade grid of scales :math:`\varepsilon` of the ``appB`` check, from :math:`10^{-5}` to 1.
APPB_EPS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)

#: Settings of the original experiments and small laptop versions (see the module docstring).
PRESETS = {
    "s1": {
        "description": "effective-learning-rate profiles (paper Sec. VII-A)",
        "models": ("leaky", "scalar", "multi"),
        "alpha": 0.8,
        "optimizer": "sgd",
        "lr": 1e-2,
        "momentum": 0.0,
        "weight_decay": 0.0,
        "init": "torch_default",
        "task": "adding",
        "T": 80,
        "n": 64,
        "m": 4,
        "batch": 64,
        "probe_batch": 12,
        "steps": 600,
        "checkpoints": (0, 50, 200, 400, 600),
        "steps_long": 800,
        "checkpoints_long": (0, 50, 200, 400, 600, 800),
        "trim": 0.01,
        "seeds": 5,
        "seeds_full": 20,
        "summary": "mean_sd",
        "dtype": "float32",
        "analysis_dtype": "float64",
    },
    "s2": {
        "description": "joint anisotropy of propagation and updates (paper Sec. VII-B)",
        "arms": (
            {"model": "plain", "optimizer": "adam", "lr": 1e-3},
            {"model": "scalar", "optimizer": "sgd", "lr": 1e-2},
            {"model": "multi", "optimizer": "sgd", "lr": 1e-2},
        ),
        "init": "torch_default",
        "tasks": ("adding", "ar2", "moving_average", "delay_sum", "narma10"),
        "T": 120,
        "n": 64,
        "m": 6,
        "batch": 64,
        "probe_batch": 64,
        "grad_samples": 256,
        "steps": 1200,
        "checkpoints": (0, 400, 800, 1200),
        "lags": (1, 2, 4, 8, 12, 16, 24, 32, 40),
        "triples_per_lag": 64,
        "top_k": 16,
        "r": 10,
        "seeds": 20,
        "summary": "median_iqr",
        "dtype": "float32",
        "analysis_dtype": "float64",
    },
    "appB": {
        "description": "check of the first-order (Frechet) expansion (paper App. B)",
        "models": ("scalar", "multi"),
        "init": "normal",
        "weight_std": 0.2,
        "train": False,
        "T": 100,
        "n": 64,
        "m": 3,
        "input_freq_range": (0.03, 0.09),
        "time_span": (0.0, 12.0),
        "phase_std": 1.0,
        "input_noise_std": 0.05,
        "eps_grid": APPB_EPS,
        "slope_fit_points": 5,
        "seeds": tuple(range(20)),
        "outlier_iqr_factor": 1.5,
        "dtype": "float64",
    },
    "laptop": {
        "description": "small version of s1 for a laptop CPU",
        "models": ("leaky", "scalar", "multi"),
        "alpha": 0.8,
        "optimizer": "sgd",
        "lr": 1e-2,
        "momentum": 0.0,
        "weight_decay": 0.0,
        "init": "torch_default",
        "task": "adding",
        "T": 40,
        "n": 32,
        "m": 4,
        "batch": 32,
        "probe_batch": 8,
        "steps": 150,
        "checkpoints": (0, 50, 100, 150),
        "trim": 0.01,
        "seeds": 3,
        "summary": "mean_sd",
        "dtype": "float32",
        "analysis_dtype": "float64",
    },
    "laptop_s2": {
        "description": "small version of s2 for a laptop CPU",
        "arms": (
            {"model": "plain", "optimizer": "adam", "lr": 1e-3},
            {"model": "scalar", "optimizer": "sgd", "lr": 1e-2},
            {"model": "multi", "optimizer": "sgd", "lr": 1e-2},
        ),
        "init": "torch_default",
        "tasks": ("adding", "ar2", "moving_average", "delay_sum", "narma10"),
        "T": 40,
        "n": 32,
        "m": 4,
        "batch": 32,
        "probe_batch": 32,
        "grad_samples": 64,
        "steps": 150,
        "checkpoints": (0, 50, 150),
        "lags": (1, 2, 4, 8, 12, 16, 24, 32),
        "triples_per_lag": 16,
        "top_k": 16,
        "r": 10,
        "seeds": 2,
        "summary": "median_iqr",
        "dtype": "float32",
        "analysis_dtype": "float64",
    },
}
PRESETS["laptop_appB"] = {**PRESETS["appB"], "description": "small version of appB for a laptop CPU",
                          "T": 40, "n": 16, "seeds": tuple(range(5))}


def get_preset(name, **overrides) -> dict:
    """An independent copy of ``PRESETS[name]``, with keys replaced by ``overrides``.

    Examples
    --------
    >>> get_preset("laptop", steps=50)["steps"]
    50
    """
    name = check_choice(name, "preset name", PRESETS)
    settings = copy.deepcopy(PRESETS[name])
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(f"unknown setting(s) {unknown} for preset {name!r}; valid keys are {sorted(settings)}")
    settings.update(overrides)
    return settings
