r"""Lag profiles tracked over training, gate traces and per-step credit (chapter 3).

Chapter 3 asks how the lag profile of a gated cell changes while the cell learns. The
sensitivity of the state at time :math:`t` to the state at an earlier time :math:`k`,

.. math:: S_{t,k} = \lVert \Phi(t,k) \rVert_2 = \lVert \mathcal J_t\cdots\mathcal J_{k+1}\rVert_2 ,

is the factor by which SGD's credit from :math:`t` can reach the parameters used at
:math:`k`. At a training checkpoint it is summarised, as in
:func:`~gatebook.learning.lag_profile`, by the normalised median profile
:math:`\tilde\mu_{\rm eff}(\ell)` over a **fixed probe batch** and by the power
:math:`\kappa` of the least-squares fit

.. math:: \ln S_{t,k} = a + \kappa \ln P_{t,k}, \qquad P_{t,k} = \prod_{j=k+1}^{t} c_j ,

with its :math:`R^2`. The per-step factor :math:`c_j` is named, never implied:
``"carry"`` (:math:`c_j=1-\gamma_j`) or ``"update"`` (:math:`c_j=\gamma_j`), where
:math:`\gamma_j` is the write factor (the gate value :math:`u_j` of a gated cell).

:func:`track_lag_profiles` trains a cell with :func:`~gatebook.learning.train` and measures
the profile at every checkpoint on a copy of the cell in float64 (checkpoint ``s`` holds
the parameters after ``s`` updates, before update ``s+1``); :func:`track_seeds` repeats
that over seeds and reports mean ± s.d., as in Sec. VII-A of Livi's paper.

Two helpers show where the numbers come from: :func:`gate_traces` returns the gate values
:math:`u_t` along each sequence, and :func:`step_credit` returns the credit
:math:`\partial\ell/\partial a_t` that back-propagation delivers to every step, to be
compared with its zeroth-order prediction :func:`zeroth_order_weights`.

This module holds the tracking over training. The single-cell measurements live in
:mod:`gatebook.learning.gate_credit` and :mod:`gatebook.learning.lag_profile`
(:func:`lag_profiles`), the profiles at initialisation in :mod:`gatebook.learning.gate_level`;
their public names are re-exported here.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_bool, check_choice, check_positive_int
from ..progress import progress_bar
from .tasks import TASKS, TaskBatch, make_task
from .common import check_cell, check_checkpoints, check_seed, check_sizes
from .gate_level import GateLevelSweep, gate_level_sweep, init_scalar_gate
from .lag_profile import CONVENTIONS, LagProfile, check_conventions, check_max_lag, check_trim, lag_profiles
from .gate_credit import analysis_copy, gate_traces, step_credit, zeroth_order_weights
from .reference_quirks import STUDY_QUIRKS, check_quirks, quirk_lag_profiles
from .train import TrainingHistory, train

__all__ = [
    "LagProfileTrack",
    "TrackSummary",
    "GateLevelSweep",
    "analysis_copy",
    "gate_level_sweep",
    "gate_traces",
    "init_scalar_gate",
    "lag_profiles",
    "step_credit",
    "track_lag_profiles",
    "track_seeds",
    "zeroth_order_weights",
]


# ---------------------------------------------------------------------------
# tracking over training
# ---------------------------------------------------------------------------


@dataclass
class LagProfileTrack:
    r"""Lag profiles of one training run, measured at its checkpoints on a fixed probe batch.

    Attributes
    ----------
    checkpoints : numpy.ndarray of int, shape (K,)
        Number of updates already applied when each measurement was taken.
    lags : numpy.ndarray of int, shape (H,)
        Lags :math:`\ell = 1..H`.
    conventions : tuple of str
        Named predictor conventions that were fitted.
    profiles : list of dict
        For each checkpoint, ``{convention: LagProfile}`` (see :func:`lag_profiles`).
    gates : numpy.ndarray
        Gate values on the probe at each checkpoint: ``(K, batch, T)`` for a scalar gate
        (``(K, batch, T, n)`` for per-neuron gates).
    probe : gatebook.learning.tasks.TaskBatch
        The fixed probe batch (float64).
    history : gatebook.learning.TrainingHistory
        Training losses of the run.
    seed, probe_seed : int
        Seed of the training batches and of the probe batch.
    reference_quirks : tuple of str
        The reference code's quirks the measurements used (empty: none; see
        :mod:`gatebook.learning.reference_quirks`).
    """

    checkpoints: np.ndarray
    lags: np.ndarray
    conventions: tuple
    profiles: list
    gates: np.ndarray
    probe: TaskBatch
    history: TrainingHistory
    seed: int
    probe_seed: int
    reference_quirks: tuple = ()

    def _conv(self, convention: str) -> str:
        check_choice(convention, "convention", set(self.conventions))
        return convention

    def _index(self, step: int) -> int:
        hits = np.flatnonzero(self.checkpoints == step)
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or hits.size == 0:
            raise ValueError(f"no checkpoint at step {step!r}; checkpoints are {self.checkpoints.tolist()}")
        return int(hits[0])

    def profile(self, step: int, convention: str) -> LagProfile:
        """The :class:`~gatebook.learning.LagProfile` measured at checkpoint ``step``."""
        return self.profiles[self._index(step)][self._conv(convention)]

    @property
    def measured(self) -> np.ndarray:
        r"""Measured profile :math:`\tilde\mu_{\rm eff}(\ell)` at every checkpoint, ``(K, H)``."""
        first = self.conventions[0]
        return np.stack([p[first].measured.numpy() for p in self.profiles])

    @property
    def log_measured(self) -> np.ndarray:
        r""":math:`\ln\tilde\mu_{\rm eff}(\ell)` at every checkpoint, ``(K, H)``: finite where :attr:`measured` underflows."""
        first = self.conventions[0]
        return np.stack([p[first].log_measured.numpy() for p in self.profiles])

    def log_predicted(self, convention: str) -> np.ndarray:
        r""":math:`\ln(\bar P(\ell)/\bar P(1))` at every checkpoint, ``(K, H)`` (see :class:`~gatebook.learning.LagProfile`)."""
        c = self._conv(convention)
        return np.stack([p[c].log_predicted.numpy() for p in self.profiles])

    def predicted(self, convention: str) -> np.ndarray:
        r"""Zeroth-order profile :math:`\bar P(\ell)/\bar P(1)` at every checkpoint, ``(K, H)``."""
        c = self._conv(convention)
        return np.stack([p[c].predicted.numpy() for p in self.profiles])

    def fitted(self, convention: str) -> np.ndarray:
        r"""Fitted power :math:`(\bar P(\ell)/\bar P(1))^{\kappa}` at every checkpoint, ``(K, H)``."""
        c = self._conv(convention)
        return np.stack([p[c].fitted.numpy() for p in self.profiles])

    def slope(self, convention: str) -> np.ndarray:
        r"""Fitted power :math:`\kappa` at every checkpoint, ``(K,)``."""
        c = self._conv(convention)
        return np.array([p[c].slope for p in self.profiles])

    def r2(self, convention: str) -> np.ndarray:
        r""":math:`R^2` of the fit :math:`\ln S = a + \kappa\ln P` at every checkpoint, ``(K,)``."""
        c = self._conv(convention)
        return np.array([p[c].r2 for p in self.profiles])

    def baseline(self, convention: str, quantity: str = "r2_lag") -> np.ndarray:
        r"""What the lag alone explains, at every checkpoint, ``(K,)`` (:func:`~gatebook.learning.lag_profile.lag_fit`).

        ``quantity`` is ``"r2_lag"`` (:math:`R^2` of the lag alone), ``"r2_gain"`` (what
        :math:`\ln P` adds to it), ``"within_lag_corr"`` or ``"within_lag_slope"``.
        """
        c = self._conv(convention)
        quantity = check_choice(quantity, "quantity", ("r2_lag", "r2_gain", "within_lag_corr", "within_lag_slope"))
        return np.array([getattr(p[c], quantity) for p in self.profiles], dtype=float)

    @property
    def gate_mean(self) -> np.ndarray:
        """Mean gate value over the probe (examples, steps and neurons) at every checkpoint, ``(K,)``."""
        return self.gates.reshape(self.gates.shape[0], -1).mean(axis=1)


def _probe_batch(task, probe_batch: int, probe_seed: int, task_kwargs: dict, input_size: int) -> TaskBatch:
    if callable(task):
        probe = task(probe_batch, seed=probe_seed)
        if not isinstance(probe, TaskBatch):
            raise TypeError(f"task(batch, seed=...) must return a TaskBatch, got {type(probe).__name__}")
        return TaskBatch(inputs=probe.inputs.to(torch.float64), targets=probe.targets.to(torch.float64),
                         name=probe.name, info=probe.info)
    name = check_choice(task, "task", TASKS)
    kwargs = {"m": input_size, **task_kwargs}
    return make_task(name, probe_batch, seed=probe_seed, dtype=torch.float64, **kwargs)


def track_lag_profiles(
    cell,
    task="adding",
    *,
    checkpoints,
    conventions=CONVENTIONS,
    probe_batch: int = 8,
    probe_seed: int = 2024,
    optimizer: str = "sgd",
    lr: float = 1e-2,
    steps: int = 150,
    batch: int = 32,
    seed: int = 0,
    task_kwargs: dict | None = None,
    max_lag: int | None = None,
    trim: float = 0.01,
    progress: bool = True,
    device=None,
    reference_quirks=False,
) -> LagProfileTrack:
    r"""Train ``cell`` and measure its lag profile at each checkpoint on a fixed probe batch (chapter 3).

    At checkpoint :math:`s` (after :math:`s` updates, before update :math:`s+1`) a float64
    copy of the cell is rolled out on the probe batch and, for every named convention,
    the measured profile, the zeroth-order predictor and the fit

    .. math:: \ln S_{t,k} = a + \kappa(s)\,\ln P_{t,k}

    are recorded (see :func:`lag_profiles`). The probe batch is drawn once, with its own
    seed ``probe_seed``, so every checkpoint (and every model trained with the same
    settings) is measured on the same sequences. Training batches follow ``seed``
    exactly as in :func:`~gatebook.learning.train`.

    Parameters
    ----------
    cell : gatebook.learning cell
        Trained **in place** (float32 is fine; measurements are made in float64).
    task : str or callable
        As in :func:`~gatebook.learning.train`; a callable must accept ``(batch, seed=...)``.
    checkpoints : iterable of int
        Iterations in ``[0, steps]`` at which to measure (at least one).
    conventions : sequence of {"carry", "update"}
        Predictor conventions to fit (both by default); the first one is the headline.
    probe_batch : int
        Number of probe sequences (the paper's Sec. VII-A uses 12).
    probe_seed : int
        Seed of the probe batch.
    optimizer, lr, steps, batch, seed, task_kwargs
        Passed to :func:`~gatebook.learning.train`.
    max_lag : int, optional
        Largest lag (default and maximum: the sequence length).
    trim : float
        Quantile trimming of the predictor for the fit (1 % in the paper).
    progress : bool
        Show a progress bar for the training run.
    device : None, "cpu", "cuda", "auto" or torch.device, optional
        Where to train (as in :func:`~gatebook.learning.train`; the cell moves there). The
        probes are measured on a float64 copy of the cell on the CPU, whatever the device.
    reference_quirks : bool or collection of str
        Measure with the reference code's choices (:func:`~gatebook.learning.reference_quirks.quirk_lag_profiles`):
        ``True`` for all those of this study (``"reversed_order"``, ``"post_update_state"``,
        ``"extra_gate_factor"``, ``"power_iteration"``) or some of them by name. The default,
        none, measures as the science note prescribes.

    Returns
    -------
    LagProfileTrack

    Examples
    --------
    >>> from gatebook.learning import ScalarGateRNN
    >>> track = track_lag_profiles(ScalarGateRNN(4, 8, seed=0), "adding", checkpoints=(0, 3), steps=3,
    ...                            batch=4, probe_batch=2, task_kwargs={"T": 10}, progress=False)
    >>> track.checkpoints.tolist(), track.slope("carry").shape
    ([0, 3], (2,))
    """
    check_cell(cell)
    conventions = check_conventions(conventions)
    steps = check_positive_int(steps, "steps")
    probe_batch = check_positive_int(probe_batch, "probe_batch")
    probe_seed = check_seed(probe_seed, "probe_seed")
    trim = check_trim(trim)
    progress = check_bool(progress, "progress")
    quirks = check_quirks(reference_quirks, applicable=STUDY_QUIRKS["s1"], name="reference_quirks")
    if task_kwargs is not None and not isinstance(task_kwargs, dict):
        raise TypeError(f"task_kwargs must be a dict such as {{'T': 40}}, got {type(task_kwargs).__name__}")
    marks = check_checkpoints(checkpoints, steps, allow_empty=False)
    if not callable(task):
        T_probe = (task_kwargs or {}).get("T", 80)  # every task's default length is 80
        check_sizes([("probe_batch", probe_batch), ("T", T_probe if isinstance(T_probe, int) else 80),
                    ("m", cell.input_size)], what="the probe batch")
    probe = _probe_batch(task, probe_batch, probe_seed, dict(task_kwargs or {}), cell.input_size)
    max_lag = check_max_lag(max_lag, probe.T)

    def measure(live_cell, step):
        frozen = analysis_copy(live_cell).cpu()  # probes in float64 on the CPU, whatever the training device
        try:
            if quirks:
                profiles = quirk_lag_profiles(frozen, probe.inputs, quirks, conventions=conventions, max_lag=max_lag,
                                              trim=trim)
            else:
                profiles = lag_profiles(frozen, probe.inputs, conventions=conventions, max_lag=max_lag, trim=trim)
        except ValueError as err:  # e.g. gates saturated by training: a constant predictor
            raise ValueError(f"no lag profile can be fitted at checkpoint {step} of training with optimizer="
                             f"{optimizer!r}, lr={lr:g}: {err}") from err
        return profiles, gate_traces(frozen, probe.inputs)

    history = train(cell, task, optimizer=optimizer, lr=lr, steps=steps, batch=batch, seed=seed,
                    task_kwargs=task_kwargs, checkpoints=marks, on_checkpoint=measure, progress=progress,
                    device=device)
    profiles = [rec[0] for rec in history.records]
    return LagProfileTrack(
        checkpoints=np.asarray(history.checkpoints, dtype=int),
        lags=profiles[0][conventions[0]].lags.numpy(),
        conventions=conventions,
        profiles=profiles,
        gates=np.stack([rec[1] for rec in history.records]),
        probe=probe,
        history=history,
        seed=int(seed),
        probe_seed=probe_seed,
        reference_quirks=quirks,
    )


@dataclass
class TrackSummary:
    r"""Several :class:`LagProfileTrack` runs that differ only in their seed: mean ± s.d.

    Statistics over seeds use the sample standard deviation (``ddof=1``). Profiles span
    decades, so they are averaged in log space: :meth:`profile_mean` is the geometric
    mean and :meth:`profile_log_sd` the s.d. of :math:`\ln\tilde\mu_{\rm eff}(\ell)`.

    Attributes
    ----------
    tracks : list of LagProfileTrack
    seeds : tuple of int
    """

    tracks: list
    seeds: tuple

    def __post_init__(self):
        if not self.tracks:
            raise ValueError("tracks is empty")
        first = self.tracks[0]
        for tr in self.tracks[1:]:
            if not (np.array_equal(tr.checkpoints, first.checkpoints) and np.array_equal(tr.lags, first.lags)
                    and tr.conventions == first.conventions):
                raise ValueError("all tracks must share checkpoints, lags and conventions")

    @property
    def checkpoints(self) -> np.ndarray:
        """Checkpoints shared by all runs."""
        return self.tracks[0].checkpoints

    @property
    def lags(self) -> np.ndarray:
        """Lags shared by all runs."""
        return self.tracks[0].lags

    @property
    def conventions(self) -> tuple:
        """Conventions fitted in all runs."""
        return self.tracks[0].conventions

    @staticmethod
    def _sd(x: np.ndarray) -> np.ndarray:
        return x.std(axis=0, ddof=1) if x.shape[0] > 1 else np.zeros(x.shape[1:])

    def slopes(self, convention: str) -> np.ndarray:
        r""":math:`\kappa` for every seed and checkpoint, ``(seeds, K)``."""
        return np.stack([tr.slope(convention) for tr in self.tracks])

    def r2s(self, convention: str) -> np.ndarray:
        r""":math:`R^2` for every seed and checkpoint, ``(seeds, K)``."""
        return np.stack([tr.r2(convention) for tr in self.tracks])

    def slope_mean(self, convention: str) -> np.ndarray:
        r"""Mean of :math:`\kappa` over seeds at every checkpoint, ``(K,)``."""
        return self.slopes(convention).mean(axis=0)

    def slope_sd(self, convention: str) -> np.ndarray:
        r"""Sample s.d. of :math:`\kappa` over seeds at every checkpoint, ``(K,)`` (zeros for one seed)."""
        return self._sd(self.slopes(convention))

    def r2_mean(self, convention: str) -> np.ndarray:
        r"""Mean of :math:`R^2` over seeds at every checkpoint, ``(K,)``."""
        return self.r2s(convention).mean(axis=0)

    def r2_sd(self, convention: str) -> np.ndarray:
        r"""Sample s.d. of :math:`R^2` over seeds at every checkpoint, ``(K,)``."""
        return self._sd(self.r2s(convention))

    def _log_stack(self, what: str, convention: str | None = None) -> np.ndarray:
        if what == "measured":
            return np.log(np.stack([tr.measured for tr in self.tracks]))
        return np.log(np.stack([getattr(tr, what)(convention) for tr in self.tracks]))

    def profile_mean(self, what: str = "measured", convention: str | None = None) -> np.ndarray:
        """Geometric mean over seeds of ``"measured"``, ``"predicted"`` or ``"fitted"`` profiles, ``(K, H)``."""
        check_choice(what, "what", {"measured", "predicted", "fitted"})
        return np.exp(self._log_stack(what, convention).mean(axis=0))

    def profile_log_sd(self, what: str = "measured", convention: str | None = None) -> np.ndarray:
        """S.d. over seeds of the log profile, ``(K, H)``."""
        check_choice(what, "what", {"measured", "predicted", "fitted"})
        return self._sd(self._log_stack(what, convention))

    def gate_means(self) -> np.ndarray:
        """Mean gate value on the probe, ``(seeds, K)``."""
        return np.stack([tr.gate_mean for tr in self.tracks])

    def losses(self) -> np.ndarray:
        """Training losses, ``(seeds, steps)``."""
        return np.stack([tr.history.loss for tr in self.tracks])


def track_seeds(make_cell, seeds, *, progress: bool = True, **kwargs) -> TrackSummary:
    r"""Run :func:`track_lag_profiles` once per seed and collect the runs (chapter 3).

    Seed ``s`` builds the cell with ``make_cell(s)`` and draws the training batches with
    ``seed=s``; the probe batch (``probe_seed``) is the same for every seed, so seeds
    differ in their initial weights and training data but are measured alike.

    Parameters
    ----------
    make_cell : callable
        ``make_cell(seed)`` returns a fresh cell, e.g. ``lambda s: ScalarGateRNN(4, 32, seed=s)``.
    seeds : iterable of int
        At least one non-negative integer, no repeats.
    progress : bool
        Show a progress bar over seeds.
    **kwargs
        Passed to :func:`track_lag_profiles` (``checkpoints`` is required).

    Returns
    -------
    TrackSummary

    Examples
    --------
    >>> from gatebook.learning import ScalarGateRNN
    >>> runs = track_seeds(lambda s: ScalarGateRNN(4, 8, seed=s), (0, 1), checkpoints=(0, 2), steps=2,
    ...                    batch=4, probe_batch=2, task_kwargs={"T": 8}, progress=False)
    >>> runs.slopes("carry").shape
    (2, 2)
    """
    if not callable(make_cell):
        raise TypeError(f"make_cell must be callable (seed -> cell), got {type(make_cell).__name__}")
    progress = check_bool(progress, "progress")
    try:
        seeds = tuple(seeds)
    except TypeError:
        raise TypeError(f"seeds must be an iterable of non-negative integers, got {seeds!r}") from None
    if not seeds:
        raise ValueError("seeds is empty; give at least one seed")
    seeds = tuple(check_seed(s, "seeds") for s in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds has repeated values: {list(seeds)}")
    if "seed" in kwargs:
        raise TypeError("pass the seeds through `seeds`, not `seed`")
    tracks = []
    for s in progress_bar(seeds, desc="seeds", enabled=progress):
        tracks.append(track_lag_profiles(make_cell(s), seed=s, progress=False, **kwargs))
    return TrackSummary(tracks=tracks, seeds=seeds)
