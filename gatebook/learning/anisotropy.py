r"""Anisotropy of credit propagation and of parameter updates in recurrent cells (chapter 5).

Chapter 5 asks two questions of a recurrent cell. Each is answered by the singular values
:math:`\sigma_1\ge\sigma_2\ge\dots\ge0` of one matrix, summarised by the four metrics of
:mod:`gatebook.anisotropy` (re-exported here):

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
   :func:`~gatebook.anisotropy.gradient_anisotropy`).

:func:`anisotropy_experiment` trains *arms* such as plain + Adam and multi-gate + SGD on
several tasks and seeds and measures both at checkpoints; :class:`AnisotropyExperiment`
holds the tidy records and gives medians and interquartile ranges per arm, task and
checkpoint. :func:`frozen_gate_cell`, :func:`frozen_gate_propagation` and
:func:`frozen_gate_anisotropy` give the exact case of constant per-neuron gates with
:math:`W_{\rm rec}=0`, where :math:`\Phi(t,k)=\mathrm D(c)^{\ell}` with carries
:math:`c_i=1-u_i` and :math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}`.

All analysis runs in float64 on a detached copy of the cell (training may be float32).
"""

from __future__ import annotations

import copy
import numbers
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import as_generator, check_choice, check_positive_float, check_positive_int
from ..anisotropy import (  # noqa: F401
    AnisotropyMetrics,
    anisotropy_index,
    effective_rank,
    energy_concentration,
    gradient_anisotropy,
    matrix_anisotropy,
    participation_ratio,
    singular_values,
)
from ..progress import progress_bar
from ..tasks import PRESETS, TASKS, make_task
from .cells import LeakyRNN, MultiGateRNN, PlainRNN, RecurrentCell, ScalarGateRNN
from .gradients import per_example_gradients
from .products import pair_log_singular_values
from .train import OPTIMIZERS, train_ensemble

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
    "participation_ratio",
    "propagation_anisotropy",
    "singular_values",
    "spectrum_table",
    "update_anisotropy",
]

#: The four metrics, by the names used in records and tables.
METRICS = ("AI", "CE", "PR", "effective_rank")

#: Cell classes by model name (the leaky cell uses the constant write factor 0.8 of ``s1``).
MODELS = {"plain": PlainRNN, "leaky": LeakyRNN, "scalar": ScalarGateRNN, "multi": MultiGateRNN}

#: The sizes chapter 5 runs with (45 training runs inside the chapter's time budget); the
#: paper's ``s2`` settings are in :data:`gatebook.tasks.PRESETS`.
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

_OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "momentum", "rmsprop": "RMSProp", "adam": "Adam"}
_METRIC_NAMES = {"AI": "AI", "CE": "CE", "PR": "PR", "effective_rank": "effective rank"}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _check_cell(cell) -> RecurrentCell:
    if not isinstance(cell, RecurrentCell):
        raise TypeError("cell must be a gatebook.learning cell (PlainRNN, LeakyRNN, ScalarGateRNN, MultiGateRNN), "
                        f"got {type(cell).__name__}")
    return cell


def _float64_copy(cell: RecurrentCell) -> RecurrentCell:
    """A detached float64 copy of ``cell`` (the analysis never touches the trained model)."""
    twin = copy.deepcopy(cell).to(torch.float64)
    for p in twin.parameters():
        p.requires_grad_(False)
    return twin


def _check_lags(lags, T: int, name: str = "lags") -> np.ndarray:
    if lags is None or isinstance(lags, (numbers.Integral, str)):
        raise TypeError(f"{name} must be a sequence of positive integers, got {lags!r}")
    values = [check_positive_int(h, f"each entry of {name}") for h in lags]
    if not values:
        raise ValueError(f"{name} must not be empty")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat a value, got {values}")
    if max(values) >= T:
        raise ValueError(f"every lag must be smaller than the sequence length T={T} (so that each "
                         f"example offers at least two start times), got {name}={values}")
    return np.array(sorted(values), dtype=int)


def _check_r_top(r, top, n: int, what: str = "hidden size") -> tuple:
    r, top = check_positive_int(r, "r"), check_positive_int(top, "top")
    if not r <= top <= n:
        raise ValueError(f"need r <= top <= {what}, got r={r}, top={top}, {what}={n}")
    return r, top


def _metrics_from_log_spectra(logsv: np.ndarray, r: int, top: int) -> dict:
    r"""The four metrics of spectra given as :math:`\ln\sigma_i` (descending, last axis).

    Subtracting :math:`\ln\sigma_1` first makes every spectrum start at 1, so nothing
    overflows; AI is formed from the logarithms directly, so a tiny :math:`\sigma_r` does
    not turn into a division by zero.
    """
    rel = logsv - logsv[..., :1]
    s = np.exp(rel)
    return {
        "AI": np.exp(-rel[..., r - 1]),
        "CE": energy_concentration(s, r, top),
        "PR": participation_ratio(s),
        "effective_rank": effective_rank(s),
    }


@contextmanager
def _torch_threads(count: int):
    """Run a block with ``count`` torch intra-op threads, then restore the previous number.

    The matrices here are tiny (:math:`n\\lesssim64`), so extra threads only add
    synchronisation, which is very costly on a machine whose cores are busy.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# ---------------------------------------------------------------------------
# propagation anisotropy
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PropagationAnisotropy:
    r"""Metrics of sampled Jacobian products :math:`\Phi(t,k)`, by lag.

    Attributes
    ----------
    lags : ndarray of int, shape (L,)
        The lags :math:`\ell=t-k`, increasing.
    triples : ndarray of int, shape (L, K, 3)
        The sampled :math:`(b, t, k)`: example index, later and earlier time (states
        :math:`x_0,\dots,x_T`, so :math:`0\le k<t\le T`).
    values : dict of str to ndarray, shape (L, K)
        ``"AI"``, ``"CE"``, ``"PR"`` and ``"effective_rank"`` of every sampled product.
    log_spectra : ndarray, shape (L, K, n)
        :math:`\ln\sigma_i(\Phi(t,k))` of every sampled product, largest first.
    r, top : int
        Rank of AI and CE, and number of leading values in the CE denominator.
    """

    lags: np.ndarray
    triples: np.ndarray
    values: dict
    log_spectra: np.ndarray
    r: int
    top: int

    def median(self, metric: str) -> np.ndarray:
        """Median over the sampled triples of each lag, shape ``(L,)``."""
        return np.median(self.values[check_choice(metric, "metric", METRICS)], axis=1)

    def iqr(self, metric: str) -> np.ndarray:
        """25th and 75th percentiles over the triples of each lag, shape ``(2, L)``."""
        return np.percentile(self.values[check_choice(metric, "metric", METRICS)], [25, 75], axis=1)

    def median_spectrum(self, lag: int) -> np.ndarray:
        r"""Median over the triples of :math:`\sigma_i/\sigma_1` at one lag, shape ``(n,)``."""
        if lag not in self.lags:
            raise ValueError(f"lag must be one of {self.lags.tolist()}, got {lag!r}")
        rel = self.log_spectra[list(self.lags).index(lag)]
        return np.exp(np.median(rel - rel[:, :1], axis=0))


def propagation_anisotropy(cell, inputs, *, lags=(1, 2, 4, 8, 12, 16), triples_per_lag: int = 64,
                           top: int = 16, r: int = 10, seed=0) -> PropagationAnisotropy:
    r"""Anisotropy of the credit propagator :math:`\Phi(t,k)=\mathcal J_t\cdots\mathcal J_{k+1}` by lag (chapter 5).

    For every lag :math:`\ell` in ``lags``, ``triples_per_lag`` triples :math:`(b,t,k)`
    with :math:`t-k=\ell` are drawn uniformly, with replacement, from a generator seeded
    with ``seed``: an example :math:`b` of ``inputs`` and a start
    :math:`k\in\{0,\dots,T-\ell\}`. The products of the sampled triples are built from the
    exact float64 state Jacobians by :func:`~gatebook.learning.pair_log_singular_values`:
    all triples of a lag at once, new factors on the left, renormalised after every factor
    (so nothing underflows), and only they are decomposed (an SVD per sampled pair rather
    than per pair of times). Then, per product,

    .. math::

        \mathrm{AI}_r=\frac{\sigma_1}{\sigma_r},\quad
        \mathrm{CE}_r=\frac{\sum_{i\le r}\sigma_i^2}{\sum_{i\le\mathrm{top}}\sigma_i^2},\quad
        \mathrm{PR}=\frac{(\sum_i\sigma_i^2)^2}{\sum_i\sigma_i^4},\quad
        r_{\rm eff}=e^{-\sum_ip_i\ln p_i},

    with PR and :math:`r_{\rm eff}` over all :math:`n` singular values, as in
    :func:`~gatebook.anisotropy.matrix_anisotropy`. All four are scale invariant, so the
    renormalisation does not change them.

    Parameters
    ----------
    cell : gatebook.learning.RecurrentCell
        Analysed in float64 on a copy; the cell itself is not modified.
    inputs : torch.Tensor, shape (B, T, m)
        A fixed probe batch.
    lags : sequence of int
        Distinct lags, each in :math:`[1, T-1]` (the reference uses
        ``(1, 2, 4, 8, 12, 16, 24, 32, 40)`` at :math:`T=120`).
    triples_per_lag : int
        Number of sampled :math:`(b,t,k)` per lag (64 in the reference).
    top : int
        Number of leading singular values in the CE denominator (16),
        :math:`r\le\mathrm{top}\le n`.
    r : int
        Rank of AI and CE (10).
    seed : None, int or numpy.random.Generator
        Seed of the triple sampler; the same seed gives the same triples.

    Returns
    -------
    PropagationAnisotropy
        Per-triple values; ``.median(metric)`` and ``.iqr(metric)`` summarise each lag.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import MultiGateRNN
    >>> cell = MultiGateRNN(2, 16, seed=0)
    >>> u = torch.randn(3, 20, 2, generator=torch.Generator().manual_seed(0))
    >>> p = propagation_anisotropy(cell, u, lags=(1, 5, 10), triples_per_lag=8, seed=0)
    >>> p.median("AI").shape
    (3,)
    """
    cell = _float64_copy(_check_cell(cell))
    u = cell._check_inputs(inputs)
    B, T, _ = u.shape
    lags = _check_lags(lags, T)
    K = check_positive_int(triples_per_lag, "triples_per_lag")
    r, top = _check_r_top(r, top, cell.hidden_size)
    rng = as_generator(seed, "seed")

    triples = np.empty((lags.size, K, 3), dtype=int)
    log_spectra = np.empty((lags.size, K, cell.hidden_size))
    values = {name: np.empty((lags.size, K)) for name in METRICS}
    with _torch_threads(1):
        J = cell.state_jacobians(u)  # (B, T, n, n); J[:, j] is the Jacobian of step j+1
        for row, h in enumerate(lags):  # a handful of lags; the triples of one lag are batched
            b = rng.integers(0, B, size=K)
            k = rng.integers(0, T - h + 1, size=K)
            triples[row] = np.stack([b, k + h, k], axis=1)
            log_spectra[row] = pair_log_singular_values(J, b, k, int(h)).numpy()
    for row in range(lags.size):
        for name, v in _metrics_from_log_spectra(log_spectra[row], r, top).items():
            values[name][row] = v
    return PropagationAnisotropy(lags=lags, triples=triples, values=values, log_spectra=log_spectra, r=r, top=top)


# ---------------------------------------------------------------------------
# update anisotropy
# ---------------------------------------------------------------------------


def update_anisotropy(cell, inputs, targets, *, r: int = 10, seed=0) -> AnisotropyMetrics:
    r"""Update anisotropy (GradCov) of a cell on a batch of examples (chapter 5).

    Builds :math:`G\in\mathbb R^{M\times P}`, row :math:`i` the gradient of the squared
    error :math:`(\hat y_i-y_i)^2` of example :math:`i` with respect to all parameters
    (:func:`~gatebook.learning.per_example_gradients`, vectorised with ``torch.func``), in
    float64, and returns :func:`~gatebook.anisotropy.gradient_anisotropy` of it: rows
    normalised to unit length, constant columns dropped, columns centred, then, from the
    singular values :math:`s_i`,

    .. math::

        \mathrm{AI}_r=\frac{s_1}{s_r},\qquad \mathrm{CE}_r=\frac{\sum_{i\le r}s_i^2}{\sum_i s_i^2},

    with PR and the effective rank over all :math:`s_i`. Because rows are normalised, only
    the *direction* of each example's gradient counts.

    Parameters
    ----------
    cell : gatebook.learning.RecurrentCell
        Analysed in float64 on a copy.
    inputs : torch.Tensor, shape (M, T, m)
    targets : torch.Tensor, shape (M, 1)
    r : int
        Rank of AI and CE (10); at most :math:`\min(M, P)`.
    seed : None, int or numpy.random.Generator
        Seed of the :math:`10^{-8}` jitter of the recipe.

    Returns
    -------
    AnisotropyMetrics
        With ``columns_kept``, the number of parameters whose gradient varies across examples.

    Examples
    --------
    >>> from gatebook.learning import PlainRNN
    >>> from gatebook.tasks import make_task
    >>> data = make_task("adding", 32, T=20, m=4, seed=0)
    >>> m = update_anisotropy(PlainRNN(4, 12, seed=0), data.inputs, data.targets)
    >>> bool(m.ai >= 1.0 and 0.0 < m.ce <= 1.0)
    True
    """
    cell = _float64_copy(_check_cell(cell))
    u = cell._check_inputs(inputs)
    if not isinstance(targets, torch.Tensor):
        raise TypeError(f"targets must be a torch.Tensor of shape ({u.shape[0]}, 1), got {type(targets).__name__}")
    if not torch.isfinite(targets).all():
        raise ValueError("targets contain NaN or infinite values")
    with _torch_threads(1):
        G = per_example_gradients(cell, u, targets.to(torch.float64))
    return gradient_anisotropy(G, r, seed=seed)


# ---------------------------------------------------------------------------
# the exact case: frozen per-neuron gates
# ---------------------------------------------------------------------------


def _check_gates(gates) -> np.ndarray:
    try:
        g = np.asarray(gates, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError("gates must be a 1-D sequence of numbers") from err
    if g.ndim != 1 or g.size < 1:
        raise ValueError(f"gates must be a non-empty 1-D sequence of gate values, got shape {g.shape}")
    if not np.all(np.isfinite(g)) or np.any(g <= 0) or np.any(g >= 1):
        raise ValueError("gates must lie strictly between 0 and 1")
    return g


def frozen_gate_cell(gates, input_size: int = 1, *, recurrent_gain: float = 0.0, seed: int = 0) -> MultiGateRNN:
    r"""A float64 multi-gate cell whose per-neuron gates are constants :math:`u_i` (chapter 5).

    Zero gate weights and gate biases :math:`\mathrm{logit}(u_i)` freeze the gates. With
    the default ``recurrent_gain=0`` also :math:`W_{\rm rec}=0`, so that

    .. math::

        x_t=(1-u)\odot x_{t-1}+u\odot\phi(W_{\rm in}I_t),\qquad
        \mathcal J_t=\mathrm D(c),\qquad \Phi(t,k)=\mathrm D(c)^{t-k},\qquad c_i=1-u_i ,

    the exact case. A positive ``recurrent_gain`` keeps the cell's initial :math:`W_{\rm rec}`
    (uniform, seeded) multiplied by the gain, so
    :math:`\mathcal J_t=\mathrm D(c)+\mathrm D(u\odot\phi'(a_t))W_{\rm rec}` mixes directions.
    The input weights are random (seeded).

    Examples
    --------
    >>> cell = frozen_gate_cell([0.1, 0.2, 0.5])
    >>> cell.hidden_size
    3
    """
    g = _check_gates(gates)
    input_size = check_positive_int(input_size, "input_size")
    gain = float(recurrent_gain)
    if not np.isfinite(gain) or gain < 0:
        raise ValueError(f"recurrent_gain must be a finite number >= 0, got {recurrent_gain!r}")
    cell = MultiGateRNN(input_size, g.size, seed=seed, gate_weights="zero", gate_bias=0.5, dtype=torch.float64)
    with torch.no_grad():
        cell.W_r.mul_(gain)
        cell.b_g.copy_(torch.as_tensor(np.log(g / (1.0 - g))))
    return cell


def frozen_gate_anisotropy(gates, lags, *, r: int = 10, top: int = 16) -> dict:
    r"""Closed-form metrics of :math:`\Phi=\mathrm D(1-u)^{\ell}` for constant gates :math:`u_i` (chapter 5).

    The singular values are the sorted carries raised to the lag, :math:`c_{(i)}^{\ell}`, so

    .. math::

        \mathrm{AI}_r(\ell)=\Big(\frac{c_{(1)}}{c_{(r)}}\Big)^{\ell},\qquad
        \mathrm{CE}_r(\ell)=\frac{\sum_{i\le r}c_{(i)}^{2\ell}}{\sum_{i\le\mathrm{top}}c_{(i)}^{2\ell}},

    and :math:`\ln\mathrm{AI}_r` is linear in :math:`\ell` with slope :math:`\ln(c_{(1)}/c_{(r)})`.

    Parameters
    ----------
    gates : sequence of float
        Gate values :math:`u_i\in(0,1)`, at least ``top`` of them.
    lags : sequence of int
        Positive lags.
    r, top : int
        As in :func:`propagation_anisotropy`.

    Returns
    -------
    dict
        ``"AI"``, ``"CE"``, ``"PR"``, ``"effective_rank"`` (arrays over ``lags``) and
        ``"singular_values"`` (shape ``(len(lags), n)``, descending).

    Examples
    --------
    >>> out = frozen_gate_anisotropy([0.1, 0.5], [1, 2], r=2, top=2)
    >>> out["AI"].round(6).tolist()
    [1.8, 3.24]
    """
    c = np.sort(1.0 - _check_gates(gates))[::-1]
    if lags is None or isinstance(lags, (numbers.Integral, str)):
        raise TypeError(f"lags must be a sequence of positive integers, got {lags!r}")
    h = np.array([check_positive_int(x, "each entry of lags") for x in lags], dtype=float)
    if h.size == 0:
        raise ValueError("lags must not be empty")
    r, top = _check_r_top(r, top, c.size, "number of gates")
    logsv = h[:, None] * np.log(c)[None, :]
    out = _metrics_from_log_spectra(logsv, r, top)
    out["singular_values"] = np.exp(logsv)
    return out


def frozen_gate_propagation(gates, lags, *, recurrent_gain: float = 0.0, T: int | None = None, batch: int = 2,
                            triples_per_lag: int = 16, r: int = 10, top: int = 16, seed: int = 0) -> PropagationAnisotropy:
    r"""Measured :func:`propagation_anisotropy` of a :func:`frozen_gate_cell` (chapter 5).

    Runs the frozen-gate cell (with ``recurrent_gain``) on seeded standard-normal inputs
    (``batch`` sequences of length ``T``, default ``max(lags) + 1``) and measures the
    products :math:`\Phi(t,k)` by lag. With ``recurrent_gain=0`` the result must equal
    the closed form of :func:`frozen_gate_anisotropy`,
    :math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}`.

    Examples
    --------
    >>> import numpy as np
    >>> gates = np.linspace(0.05, 0.5, 16)
    >>> measured = frozen_gate_propagation(gates, [1, 4])
    >>> bool(np.allclose(measured.median("AI"), frozen_gate_anisotropy(gates, [1, 4])["AI"]))
    True
    """
    g = _check_gates(gates)
    if lags is None or isinstance(lags, (numbers.Integral, str)):
        raise TypeError(f"lags must be a sequence of positive integers, got {lags!r}")
    longest = max(check_positive_int(h, "each entry of lags") for h in lags)
    T = longest + 1 if T is None else check_positive_int(T, "T")
    batch = check_positive_int(batch, "batch")
    gen = torch.Generator().manual_seed(int(as_generator(seed).integers(2**31)))
    u = torch.randn(batch, T, 1, generator=gen, dtype=torch.float64)
    cell = frozen_gate_cell(g, 1, recurrent_gain=recurrent_gain, seed=0)
    return propagation_anisotropy(cell, u, lags=lags, triples_per_lag=triples_per_lag, r=r, top=top, seed=seed)


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
        lines.append(f"| {label} | {_format_number(ai)} | {ce:.3f} | {_format_number(participation_ratio(s))} | "
                     f"{_format_number(effective_rank(s))} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# the experiment
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Arm:
    """One arm of an experiment: a cell type trained with a named optimiser and step size."""

    model: str
    optimizer: str
    lr: float

    def __post_init__(self):
        check_choice(self.model, "arm model", MODELS)
        check_choice(self.optimizer, "arm optimizer", set(OPTIMIZERS))
        object.__setattr__(self, "lr", check_positive_float(self.lr, "arm lr"))

    @property
    def label(self) -> str:
        """E.g. ``"multi + SGD"``."""
        return f"{self.model} + {_OPTIMIZER_LABELS[self.optimizer]}"

    def make_cell(self, m: int, n: int, seed: int, init: str = "uniform") -> RecurrentCell:
        """A fresh float32 cell of this arm's model, weights seeded with ``seed``."""
        kw = {"alpha": 0.8} if self.model == "leaky" else {}
        return MODELS[self.model](m, n, seed=seed, init=init, **kw)


def make_arms(arms=None) -> list:
    """Validate arms given as :class:`Arm` objects or dicts ``{"model", "optimizer", "lr"}``.

    ``None`` gives the three arms of the ``s2`` preset: plain + Adam (:math:`10^{-3}`),
    scalar + SGD and multi + SGD (:math:`10^{-2}`).

    Examples
    --------
    >>> [a.label for a in make_arms()]
    ['plain + Adam', 'scalar + SGD', 'multi + SGD']
    """
    if arms is None:
        arms = PRESETS["s2"]["arms"]
    if isinstance(arms, (Arm, dict, str)):
        raise TypeError("arms must be a sequence of Arm objects or dicts")
    out = []
    for a in arms:
        if isinstance(a, Arm):
            out.append(a)
        elif isinstance(a, dict):
            if set(a) != {"model", "optimizer", "lr"}:
                raise ValueError(f"an arm needs exactly the keys 'model', 'optimizer' and 'lr', got {sorted(a)}")
            out.append(Arm(a["model"], a["optimizer"], a["lr"]))
        else:
            raise TypeError(f"each arm must be an Arm or a dict, got {type(a).__name__}")
    if not out:
        raise ValueError("arms must not be empty")
    labels = [a.label for a in out]
    if len(set(labels)) != len(labels):
        raise ValueError(f"arms must differ in model or optimizer, got {labels}")
    return out


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


def _probe_seed(task: str, seed: int) -> int:
    """Seed of the fixed probe batch of (task, seed); independent of the training batches."""
    key = list(TASKS).index(task)
    return int(np.random.SeedSequence(seed, spawn_key=(0xA5, key)).generate_state(1)[0])


def _train_group(arm: Arm, task: str, seeds: list, *, steps: int, batch: int, T: int, n: int, m: int, init: str,
                 checkpoints: list) -> list:
    """Train one cell per seed for one arm and task; return ``(cell, history)`` per seed.

    The only place where the experiment trains: :func:`~gatebook.learning.train_ensemble`
    trains the seeds side by side, each as :func:`~gatebook.learning.train` would (to
    float32 round-off). Seed ``s`` sets the initial weights and the batch sequence. Each
    checkpoint stores a copy of the parameters (``state_dict``); the measurements are made
    afterwards.
    """
    ensemble = train_ensemble(lambda s: arm.make_cell(m, n, s, init), seeds, task, optimizer=arm.optimizer,
                              lr=arm.lr, steps=steps, batch=batch, task_kwargs={"T": T}, checkpoints=checkpoints,
                              on_checkpoint=lambda c, s: copy.deepcopy(c.state_dict()), progress=False)
    return list(zip(ensemble.cells, ensemble.histories))


def anisotropy_experiment(arms=None, tasks=CHAPTER_SETTINGS["tasks"], seeds=CHAPTER_SETTINGS["seeds"], *,
                          steps: int = CHAPTER_SETTINGS["steps"], checkpoints=None, T: int = CHAPTER_SETTINGS["T"],
                          n: int = CHAPTER_SETTINGS["n"], m: int = CHAPTER_SETTINGS["m"],
                          batch: int = CHAPTER_SETTINGS["batch"], probe_batch: int = CHAPTER_SETTINGS["probe_batch"],
                          grad_samples: int = CHAPTER_SETTINGS["grad_samples"], lags=CHAPTER_SETTINGS["lags"],
                          triples_per_lag: int = CHAPTER_SETTINGS["triples_per_lag"],
                          top: int = CHAPTER_SETTINGS["top"], r: int = CHAPTER_SETTINGS["r"],
                          init: str = "uniform", progress: bool = True) -> AnisotropyExperiment:
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
        Distinct names from :data:`gatebook.tasks.TASKS`.
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
    if isinstance(tasks, str):
        tasks = (tasks,)
    tasks = [check_choice(t, "task", TASKS) for t in tasks]
    if not tasks or len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks must be a non-empty sequence of distinct task names, got {tasks}")
    if isinstance(seeds, numbers.Integral):
        raise TypeError("seeds must be a sequence of non-negative integers, e.g. range(5)")
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds) or any(
            isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be distinct non-negative integers, got {seeds}")
    seeds = [int(s) for s in seeds]
    steps, batch = check_positive_int(steps, "steps"), check_positive_int(batch, "batch")
    T, n, m = check_positive_int(T, "T"), check_positive_int(n, "n"), check_positive_int(m, "m")
    probe_batch = check_positive_int(probe_batch, "probe_batch")
    grad_samples = check_positive_int(grad_samples, "grad_samples")
    if probe_batch > grad_samples:
        raise ValueError(f"probe_batch ({probe_batch}) must not exceed grad_samples ({grad_samples})")
    triples_per_lag = check_positive_int(triples_per_lag, "triples_per_lag")
    lags = [int(h) for h in _check_lags(lags, T)]
    r, top = _check_r_top(r, top, n, "n")
    if r > grad_samples:
        raise ValueError(f"r ({r}) must not exceed grad_samples ({grad_samples})")
    init = check_choice(init, "init", {"uniform", "normal"})
    checkpoints = (0, steps) if checkpoints is None else checkpoints
    if isinstance(checkpoints, numbers.Integral):
        raise TypeError("checkpoints must be a sequence of steps, e.g. (0, steps)")
    marks = sorted({int(c) for c in checkpoints})
    if not marks or marks[0] < 0 or marks[-1] > steps:
        raise ValueError(f"checkpoints must be a non-empty set of steps in [0, steps={steps}], got {list(checkpoints)}")
    # The probe batches come first: this also checks that every task accepts T and m.
    probes = {(task, s): make_task(task, grad_samples, T=T, m=m, seed=_probe_seed(task, s), dtype=torch.float64)
              for task in tasks for s in seeds}

    settings = {"steps": steps, "checkpoints": tuple(marks), "T": T, "n": n, "m": m, "batch": batch,
                "probe_batch": probe_batch, "grad_samples": grad_samples, "lags": tuple(lags),
                "triples_per_lag": triples_per_lag, "top": top, "r": r, "init": init}
    result = AnisotropyExperiment(settings=settings, arms=arms, tasks=tasks, seeds=seeds)
    tail = max(1, steps // 10)
    bar = progress_bar(total=len(arms) * len(tasks) * len(seeds), desc="anisotropy runs", enabled=progress)
    with _torch_threads(1):
        try:
            for task in tasks:
                for arm in arms:
                    runs = _train_group(arm, task, seeds, steps=steps, batch=batch, T=T, n=n, m=m, init=init,
                                        checkpoints=marks)
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
                                      seed=_probe_seed(task, seed))
        medians = {k: prop.median(k) for k in METRICS}
        for i, h in enumerate(prop.lags):
            result.propagation.append({**base, "step": step, "lag": int(h), **{k: float(medians[k][i]) for k in METRICS}})
        upd = update_anisotropy(cell, probe.inputs, probe.targets, r=s["r"], seed=_probe_seed(task, seed))
        result.update.append({**base, "step": step, **{k: float(v) for k, v in upd.as_dict().items()},
                              "columns": int(upd.columns_kept)})
