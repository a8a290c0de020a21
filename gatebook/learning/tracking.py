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
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_choice, check_positive_int
from ..progress import progress_bar
from ..tasks import TASKS, TaskBatch, make_task
from .lag_profile import CONVENTIONS, LagProfile, _fit, log_gate_products
from .products import jacobian_products
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
# checks
# ---------------------------------------------------------------------------


def _check_cell(cell) -> None:
    if not (hasattr(cell, "rollout") and hasattr(cell, "jacobians_from_rollout") and hasattr(cell, "W_r")):
        raise TypeError(f"cell must be a gatebook.learning cell (e.g. ScalarGateRNN), got {type(cell).__name__}")


def _check_conventions(conventions) -> tuple:
    if isinstance(conventions, str):
        conventions = (conventions,)
    try:
        conventions = tuple(conventions)
    except TypeError:
        raise TypeError(f"conventions must be a sequence of names from {list(CONVENTIONS)}, got {conventions!r}") from None
    if not conventions:
        raise ValueError(f"conventions is empty; name at least one of {list(CONVENTIONS)}")
    for c in conventions:
        check_choice(c, "convention", set(CONVENTIONS))
    if len(set(conventions)) != len(conventions):
        raise ValueError(f"conventions has repeated names: {list(conventions)}")
    return conventions


def _check_seed(seed, name: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_trim(trim) -> float:
    if isinstance(trim, bool) or not isinstance(trim, numbers.Real) or not 0.0 <= float(trim) < 0.5:
        raise ValueError(f"trim must be a number in [0, 0.5), got {trim!r}")
    return float(trim)


def _check_max_lag(max_lag, T: int) -> int:
    if max_lag is None:
        return T
    max_lag = check_positive_int(max_lag, "max_lag")
    if max_lag > T:
        raise ValueError(f"max_lag ({max_lag}) cannot exceed the sequence length T={T}")
    return max_lag


# ---------------------------------------------------------------------------
# single-cell measurements
# ---------------------------------------------------------------------------


def analysis_copy(cell):
    """An independent float64 copy of ``cell`` for measurements (the original is untouched).

    Training runs in float32; products of Jacobians and their SVDs are taken in float64
    (science note, §4.1).

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import ScalarGateRNN
    >>> analysis_copy(ScalarGateRNN(3, 8, seed=0)).W_r.dtype
    torch.float64
    """
    _check_cell(cell)
    return copy.deepcopy(cell).double()


@torch.no_grad()
def gate_traces(cell, inputs: torch.Tensor) -> np.ndarray:
    r"""The write factor :math:`\gamma_t` of ``cell`` along each input sequence (chapter 3).

    For a gated cell this is the gate value :math:`u_t=\sigma(a^u_t)` with

    .. math:: a^u_t = W^u_{\rm rec}\,x_{t-1} + W^u_{\rm in} I_t\;(+\,b^u),

    one number per step for :class:`~gatebook.learning.ScalarGateRNN`.

    Parameters
    ----------
    cell : gatebook.learning cell
    inputs : torch.Tensor, shape (batch, T, m)

    Returns
    -------
    numpy.ndarray
        Shape ``(batch, T)`` when the write factor is one number per step (scalar gate,
        scalar leak, plain cell), ``(batch, T, n)`` for per-neuron gates or leaks. Entry
        ``[:, t-1]`` is :math:`\gamma_t`, the factor used to compute :math:`x_t`.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import ScalarGateRNN
    >>> u = torch.rand(2, 5, 3, generator=torch.Generator().manual_seed(0))
    >>> gate_traces(ScalarGateRNN(3, 8, seed=0), u).shape
    (2, 5)
    """
    _check_cell(cell)
    write = cell.rollout(inputs)["write"]
    out = write.detach().to(torch.float64).cpu().numpy()
    return out[..., 0] if out.shape[-1] == 1 else out


def zeroth_order_weights(gates, convention: str) -> np.ndarray:
    r"""Zeroth-order weight of the credit that reaches step :math:`k` from the final step :math:`T`.

    Freezing the gates and keeping the diagonal part of every Jacobian, back-propagation
    scales the credit arriving at step :math:`k` by (chapter 3)

    .. math:: w_k = \gamma_k \prod_{j=k+1}^{T} c_j,
        \qquad c_j = 1-\gamma_j\ (\texttt{"carry"})\quad\text{or}\quad c_j=\gamma_j\ (\texttt{"update"}),

    so SGD's step on the weights used at step :math:`k` is :math:`\mu\,w_k` times the
    transported error: :math:`\mu w_k` is the effective learning rate :math:`\mu_{\rm eff}(T,k)`.
    For a scalar gate :math:`w_k` is one number shared by every neuron.

    Parameters
    ----------
    gates : array_like, shape (batch, T) or (batch, T, n)
        Write factors :math:`\gamma_1,\dots,\gamma_T` in (0, 1], e.g. from :func:`gate_traces`.
    convention : {"carry", "update"}

    Returns
    -------
    numpy.ndarray
        Same shape as ``gates``; entry ``[:, k-1]`` is :math:`w_k` (so the last step has
        weight :math:`\gamma_T`).

    Examples
    --------
    >>> zeroth_order_weights([[0.5, 0.5, 0.5]], "carry").tolist()
    [[0.125, 0.25, 0.5]]
    """
    check_choice(convention, "convention", set(CONVENTIONS))
    g = np.asarray(gates, dtype=float)
    if g.ndim not in (2, 3) or g.shape[0] < 1 or g.shape[1] < 1:
        raise ValueError(f"gates must have shape (batch, T) or (batch, T, n), got {g.shape}")
    if not np.all(np.isfinite(g)) or np.any(g <= 0) or np.any(g > 1):
        raise ValueError("gates must be finite write factors in (0, 1]")
    c = 1.0 - g if convention == "carry" else g
    # prod_{j=k+1}^{T} c_j as a reversed cumulative product, shifted by one step
    tail = np.flip(np.cumprod(np.flip(c, axis=1), axis=1), axis=1)
    after = np.concatenate([tail[:, 1:], np.ones_like(tail[:, :1])], axis=1)
    return g * after


def step_credit(cell, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Credit :math:`\partial\ell_b/\partial a_t` that back-propagation delivers to every step (chapter 3).

    For example :math:`b` with squared error :math:`\ell_b=(W_ox_T-y_b)^2`, the gradient of the
    loss with respect to the input weights is :math:`\sum_t (\partial\ell_b/\partial a_t)\,I_t^\top`:
    the credit at step :math:`t` times the input of that step. Under SGD the update of the
    weights used at step :math:`t` is therefore :math:`-\mu\,\partial\ell_b/\partial a_t` (times
    :math:`I_t^\top`). The credit is computed exactly by automatic differentiation (an added
    zero offset on :math:`a_t`); parameter gradients are left untouched.

    Parameters
    ----------
    cell : gatebook.learning cell
    inputs : torch.Tensor, shape (batch, T, m)
    targets : torch.Tensor, shape (batch, 1)

    Returns
    -------
    torch.Tensor, shape (batch, T, n)
        Entry ``[:, t-1]`` is :math:`\partial\ell_b/\partial a_t`, in the cell's dtype.

    Notes
    -----
    For a scalar gate that reads only the input (:math:`W^u_{\rm rec}=0`), without
    recurrence (:math:`W_{\rm rec}=0`) and with a linear candidate, the credit is exactly
    :math:`2(y_b-y^\ast_b)\,w_k\,W_o^\top` with :math:`w_k` from :func:`zeroth_order_weights`
    (``"carry"``): one data-dependent scalar per step, the same for every neuron.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import ScalarGateRNN
    >>> from gatebook.tasks import adding
    >>> b = adding(2, T=6, m=3, seed=0)
    >>> step_credit(ScalarGateRNN(3, 4, seed=0), b.inputs, b.targets).shape
    torch.Size([2, 6, 4])
    """
    _check_cell(cell)
    u = cell._check_inputs(inputs)
    if not isinstance(targets, torch.Tensor):
        raise TypeError(f"targets must be a torch.Tensor of shape ({u.shape[0]}, 1), got {type(targets).__name__}")
    if tuple(targets.shape) != (u.shape[0], 1):
        raise ValueError(f"targets must have shape ({u.shape[0]}, 1), got {tuple(targets.shape)}")
    if not torch.isfinite(targets).all():
        raise ValueError("targets contain NaN or infinite values")
    offset = torch.zeros(u.shape[0], u.shape[1], cell.hidden_size, dtype=u.dtype, requires_grad=True)
    with torch.enable_grad():
        y = cell(u, _unchecked=True, drive_offset=offset)
        loss = ((y - targets.to(u.dtype)) ** 2).sum()  # examples are independent: per-example credit
        (credit,) = torch.autograd.grad(loss, offset)
    return credit


@torch.no_grad()
def lag_profiles(cell, inputs: torch.Tensor, *, conventions=CONVENTIONS, max_lag: int | None = None,
                 trim: float = 0.01) -> dict:
    r""":func:`~gatebook.learning.lag_profile` for several named conventions at the cost of one.

    The Jacobian products (the expensive part) do not depend on the convention, so they are
    computed once; each convention then gets its own predictor
    :math:`P_{t,k}=\prod_{j=k+1}^{t}c_j`, fitted power :math:`\kappa` and :math:`R^2` of
    :math:`\ln S=a+\kappa\ln P`. The results equal ``lag_profile(cell, inputs, convention=c)``.

    Parameters
    ----------
    cell : gatebook.learning cell
        Measured in its own dtype: pass :func:`analysis_copy` (float64) for long sequences.
    inputs : torch.Tensor, shape (batch, T, m)
    conventions : sequence of {"carry", "update"}
    max_lag : int, optional
        Largest lag (default and maximum ``T``).
    trim : float
        Fraction of the predictor's values dropped at each end before the fit.

    Returns
    -------
    dict
        ``{convention: LagProfile}``, in the order given.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import ScalarGateRNN
    >>> u = torch.rand(2, 12, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> cell = ScalarGateRNN(3, 8, seed=0, dtype=torch.float64)
    >>> sorted(lag_profiles(cell, u))
    ['carry', 'update']
    """
    _check_cell(cell)
    conventions = _check_conventions(conventions)
    trim = _check_trim(trim)
    rollout = cell.rollout(inputs)
    J = cell.jacobians_from_rollout(rollout)
    max_lag = _check_max_lag(max_lag, J.shape[1])
    products = jacobian_products(J, max_lag, top=1)
    logS = [products.log_sensitivity(h) for h in products.lags]
    med_S = torch.stack([s.median() for s in logS])
    flat_S = torch.cat([s.flatten() for s in logS])
    measured = torch.exp(med_S - med_S[0])
    lags = torch.tensor(products.lags)
    out = {}
    for convention in conventions:
        logP = log_gate_products(rollout["write"], convention, max_lag)
        med_P = torch.stack([p.median() for p in logP])
        slope, r2 = _fit(flat_S, torch.cat([p.flatten() for p in logP]), trim)
        predicted = torch.exp(med_P - med_P[0])
        out[convention] = LagProfile(lags=lags, measured=measured, predicted=predicted, fitted=predicted ** slope,
                                     slope=slope, r2=r2, convention=convention)
    return out


# ---------------------------------------------------------------------------
# the gate level at initialisation
# ---------------------------------------------------------------------------


def init_scalar_gate(gate_bias: float, input_scale: float = 1.0, *, hidden_size: int = 16, input_size: int = 4,
                     seed: int = 0):
    r"""An untrained float64 :class:`~gatebook.learning.ScalarGateRNN` with a chosen resting gate (chapter 3).

    The gate is :math:`u_t=\sigma(W^u_{\rm rec}x_{t-1}+c\,W^u_{\rm in}I_t+b^u)` with
    :math:`b^u=\mathrm{logit}(s_0)`, so that :math:`u_t=s_0` when the other two terms vanish,
    and the default (uniform) gate input weights multiplied by :math:`c` = ``input_scale``.

    Parameters
    ----------
    gate_bias : float
        Resting gate value :math:`s_0=\sigma(b^u)\in(0,1)`.
    input_scale : float
        Factor :math:`c\ge0` on the gate's input weights (0: the gate ignores the input).
    hidden_size, input_size, seed : int
        Size :math:`N`, input dimension :math:`m` and weight seed.

    Examples
    --------
    >>> cell = init_scalar_gate(0.2, 0.0)
    >>> float(cell.W_ig.detach().abs().max()), round(float(torch.sigmoid(cell.b_g.detach())), 6)
    (0.0, 0.2)
    """
    from .cells import ScalarGateRNN

    if isinstance(input_scale, bool) or not isinstance(input_scale, numbers.Real) or not np.isfinite(input_scale) \
            or input_scale < 0:
        raise ValueError(f"input_scale must be a finite number >= 0, got {input_scale!r}")
    if isinstance(gate_bias, bool) or not isinstance(gate_bias, numbers.Real):
        raise ValueError(f"gate_bias is the resting gate value s0 and must lie in (0, 1), got {gate_bias!r}")
    cell = ScalarGateRNN(input_size, hidden_size, gate_bias=float(gate_bias), seed=_check_seed(seed, "seed"),
                         dtype=torch.float64)
    with torch.no_grad():
        cell.W_ig.mul_(float(input_scale))
    return cell


@dataclass
class GateLevelSweep:
    r"""Fitted powers at initialisation for several resting gate values (see :func:`gate_level_sweep`).

    Attributes
    ----------
    gate_biases : numpy.ndarray, shape (G,)
        Resting gate values :math:`s_0`.
    input_scale : float
    gate_mean : numpy.ndarray, shape (G,)
        Mean gate value on the probe.
    slope, r2 : dict of str to numpy.ndarray
        :math:`\kappa` and :math:`R^2` per convention, shape (G,).
    measured : numpy.ndarray, shape (G, H)
        Measured profiles :math:`\tilde\mu_{\rm eff}(\ell)`.
    lags : numpy.ndarray, shape (H,)
    """

    gate_biases: np.ndarray
    input_scale: float
    gate_mean: np.ndarray
    slope: dict
    r2: dict
    measured: np.ndarray
    lags: np.ndarray


def gate_level_sweep(gate_biases, *, input_scale: float = 1.0, hidden_size: int = 16, input_size: int = 4,
                     T: int = 30, batch: int = 4, seed: int = 0, probe_seed: int = 7) -> GateLevelSweep:
    r"""Lag profiles of untrained scalar-gate cells with resting gate values ``gate_biases`` (chapter 3).

    Each cell comes from :func:`init_scalar_gate` (same weights up to the bias) and reads the
    same adding-task probe batch; both named conventions are fitted. This is the data of the
    chapter's explorable figure, one gate level per entry.

    Examples
    --------
    >>> sweep = gate_level_sweep([0.2, 0.8], T=10, batch=2)
    >>> sweep.slope["carry"].shape
    (2,)
    """
    try:
        levels = np.array([float(g) for g in gate_biases])
    except TypeError:
        raise TypeError(f"gate_biases must be a sequence of numbers in (0, 1), got {gate_biases!r}") from None
    if levels.size == 0 or not np.all((levels > 0) & (levels < 1)):
        raise ValueError(f"gate_biases must be a non-empty sequence of numbers in (0, 1), got {levels.tolist()}")
    probe = make_task("adding", check_positive_int(batch, "batch"), T=check_positive_int(T, "T"), m=input_size,
                      seed=_check_seed(probe_seed, "probe_seed"), dtype=torch.float64)
    gates, profiles = [], []
    for s0 in levels:
        cell = init_scalar_gate(s0, input_scale, hidden_size=hidden_size, input_size=input_size, seed=seed)
        gates.append(gate_traces(cell, probe.inputs).mean())
        profiles.append(lag_profiles(cell, probe.inputs))
    return GateLevelSweep(
        gate_biases=levels,
        input_scale=float(input_scale),
        gate_mean=np.array(gates),
        slope={c: np.array([p[c].slope for p in profiles]) for c in CONVENTIONS},
        r2={c: np.array([p[c].r2 for p in profiles]) for c in CONVENTIONS},
        measured=np.stack([p["carry"].measured.numpy() for p in profiles]),
        lags=profiles[0]["carry"].lags.numpy(),
    )


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
    probe : gatebook.tasks.TaskBatch
        The fixed probe batch (float64).
    history : gatebook.learning.TrainingHistory
        Training losses of the run.
    seed, probe_seed : int
        Seed of the training batches and of the probe batch.
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
    _check_cell(cell)
    conventions = _check_conventions(conventions)
    steps = check_positive_int(steps, "steps")
    probe_batch = check_positive_int(probe_batch, "probe_batch")
    probe_seed = _check_seed(probe_seed, "probe_seed")
    trim = _check_trim(trim)
    if task_kwargs is not None and not isinstance(task_kwargs, dict):
        raise TypeError(f"task_kwargs must be a dict such as {{'T': 40}}, got {type(task_kwargs).__name__}")
    try:
        marks = sorted({int(c) for c in checkpoints})
    except TypeError:
        raise TypeError(f"checkpoints must be an iterable of integers, got {checkpoints!r}") from None
    if not marks:
        raise ValueError("checkpoints is empty; give at least one iteration in [0, steps]")
    if marks[0] < 0 or marks[-1] > steps:
        raise ValueError(f"checkpoints must lie in [0, steps={steps}], got {marks}")
    probe = _probe_batch(task, probe_batch, probe_seed, dict(task_kwargs or {}), cell.input_size)
    max_lag = _check_max_lag(max_lag, probe.T)

    def measure(live_cell, step):
        frozen = analysis_copy(live_cell)
        return lag_profiles(frozen, probe.inputs, conventions=conventions, max_lag=max_lag, trim=trim), \
            gate_traces(frozen, probe.inputs)

    history = train(cell, task, optimizer=optimizer, lr=lr, steps=steps, batch=batch, seed=seed,
                    task_kwargs=task_kwargs, checkpoints=marks, on_checkpoint=measure, progress=progress)
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
    try:
        seeds = tuple(seeds)
    except TypeError:
        raise TypeError(f"seeds must be an iterable of non-negative integers, got {seeds!r}") from None
    if not seeds:
        raise ValueError("seeds is empty; give at least one seed")
    seeds = tuple(_check_seed(s, "seeds") for s in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds has repeated values: {list(seeds)}")
    if "seed" in kwargs:
        raise TypeError("pass the seeds through `seeds`, not `seed`")
    tracks = []
    for s in progress_bar(seeds, desc="seeds", enabled=progress):
        tracks.append(track_lag_profiles(make_cell(s), seed=s, progress=False, **kwargs))
    return TrackSummary(tracks=tracks, seeds=seeds)
