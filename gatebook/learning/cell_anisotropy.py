r"""Propagation and update anisotropy of one recurrent cell, and its exact frozen-gate case (chapter 5).

Each question of chapter 5 is answered by the singular values
:math:`\sigma_1\ge\sigma_2\ge\dots\ge0` of one matrix, summarised by the four metrics of
:mod:`gatebook.spectra` (:data:`METRICS`):

1. **Does credit propagate along few directions?** The matrix is the propagator
   :math:`\Phi(t,k)=\mathcal J_t\cdots\mathcal J_{k+1}` over a lag :math:`\ell=t-k`
   (:func:`propagation_anisotropy`: sampled :math:`(b,t,k)` triples per lag, summarised
   by medians over the triples).
2. **Do the updates concentrate?** The matrix is :math:`G\in\mathbb R^{M\times P}` whose
   row :math:`i` is the gradient of example :math:`i`'s loss with respect to all
   parameters (:func:`update_anisotropy`, the GradCov recipe of
   :func:`~gatebook.spectra.gradient_anisotropy`).

:func:`frozen_gate_anisotropy` and :func:`frozen_gate_propagation` give the exact case of
constant per-neuron gates with :math:`W_{\rm rec}=0`
(:func:`~gatebook.learning.frozen.frozen_gate_cell`), where :math:`\Phi(t,k)=\mathrm D(c)^{\ell}`
with carries :math:`c_i=1-u_i` and :math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}`.
The experiment that trains arms and measures both at checkpoints is
:func:`gatebook.learning.anisotropy.anisotropy_experiment`.

All analysis runs in float64 on a detached copy of the cell (training may be float32).
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import as_generator, check_choice, check_nonnegative_float, check_positive_int
from ..spectra import (
    AnisotropyMetrics,
    effective_rank,
    energy_concentration,
    gradient_anisotropy,
    participation_ratio,
)
from .cells import RecurrentCell
from .common import check_cell, check_r_top, check_sampled_lags, check_sizes, check_targets, torch_threads
from .frozen import check_gates, frozen_gate_cell, recurrent_scale_argument
from .gradients import per_example_gradients
from .products import pair_log_singular_values
from .reference_quirks import PRODUCT_QUIRKS, check_quirks, quirk_jacobians, quirk_pair_log_singular_values

__all__ = [
    "METRICS",
    "PropagationAnisotropy",
    "frozen_gate_anisotropy",
    "frozen_gate_propagation",
    "propagation_anisotropy",
    "update_anisotropy",
]

#: The four metrics, by the names used in records and tables.
METRICS = ("AI", "CE", "PR", "effective_rank")


def _float64_copy(cell: RecurrentCell) -> RecurrentCell:
    """A detached float64 copy of ``cell`` (the analysis never touches the trained model)."""
    twin = copy.deepcopy(cell).to(torch.float64)
    for p in twin.parameters():
        p.requires_grad_(False)
    return twin


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
        "PR": participation_ratio(s * s),  # the energies; s[..., 0] = 1
        "effective_rank": effective_rank(s),
    }


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
                           top: int = 16, r: int = 10, seed=0, reference_quirks=False) -> PropagationAnisotropy:
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
    :func:`~gatebook.spectra.matrix_anisotropy`. All four are scale invariant, so the
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
    reference_quirks : bool or collection of str
        Build the products with the reference code's choices
        (:mod:`~gatebook.learning.reference_quirks`): ``True`` for both that touch a product,
        ``"reversed_order"`` (:math:`J_{k+1}\cdots J_t`) and ``"post_update_state"``
        (:math:`B_j\to\mathrm{diag}(1-g_j)B_j`), or one by name. Default: none.

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
    cell = _float64_copy(check_cell(cell))
    u = cell._check_inputs(inputs)
    B, T, _ = u.shape
    lags = check_sampled_lags(lags, T)
    K = check_positive_int(triples_per_lag, "triples_per_lag")
    check_sizes([("len(lags)", lags.size), ("triples_per_lag", K), ("n", cell.hidden_size), ("n", cell.hidden_size)],
                what="the sampled products")
    r, top = check_r_top(r, top, cell.hidden_size)
    rng = as_generator(seed, "seed")
    quirks = check_quirks(reference_quirks, applicable=PRODUCT_QUIRKS, name="reference_quirks")

    triples = np.empty((lags.size, K, 3), dtype=int)
    log_spectra = np.empty((lags.size, K, cell.hidden_size))
    values = {name: np.empty((lags.size, K)) for name in METRICS}
    with torch_threads(1):
        J = quirk_jacobians(cell, u, quirks) if quirks else cell.state_jacobians(u)  # J[:, j] is J_{j+1}
        for row, h in enumerate(lags):  # a handful of lags; the triples of one lag are batched
            b = rng.integers(0, B, size=K)
            k = rng.integers(0, T - h + 1, size=K)
            triples[row] = np.stack([b, k + h, k], axis=1)
            log_spectra[row] = (quirk_pair_log_singular_values(J, b, k, int(h), quirks) if quirks
                                else pair_log_singular_values(J, b, k, int(h))).numpy()
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
    float64, and returns :func:`~gatebook.spectra.gradient_anisotropy` of it: rows
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
    >>> from gatebook.learning.tasks import make_task
    >>> data = make_task("adding", 32, T=20, m=4, seed=0)
    >>> m = update_anisotropy(PlainRNN(4, 12, seed=0), data.inputs, data.targets)
    >>> bool(m.ai >= 1.0 and 0.0 < m.ce <= 1.0)
    True
    """
    cell = _float64_copy(check_cell(cell))
    u = cell._check_inputs(inputs)
    targets = check_targets(targets, u.shape[0])
    with torch_threads(1):
        G = per_example_gradients(cell, u, targets.to(torch.float64))
    return gradient_anisotropy(G, r, seed=seed)


# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# the exact case: frozen per-neuron gates
# ---------------------------------------------------------------------------


def _check_lag_sequence(lags) -> None:
    if lags is None or isinstance(lags, (numbers.Number, str, bytes)) or not hasattr(lags, "__len__"):
        raise TypeError(f"lags must be a sequence of positive integers, got {lags!r}")


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
    c = np.sort(1.0 - check_gates(gates))[::-1]
    _check_lag_sequence(lags)
    h = np.array([check_positive_int(x, "each entry of lags") for x in lags], dtype=float)
    if h.size == 0:
        raise ValueError("lags must not be empty")
    r, top = check_r_top(r, top, c.size, "number of gates")
    logsv = h[:, None] * np.log(c)[None, :]
    out = _metrics_from_log_spectra(logsv, r, top)
    out["singular_values"] = np.exp(logsv)
    return out


def frozen_gate_propagation(gates, lags, *, recurrent_scale: float = 0.0, T: int | None = None, batch: int = 2,
                            triples_per_lag: int = 16, r: int = 10, top: int = 16, seed: int = 0,
                            recurrent_gain: float | None = None) -> PropagationAnisotropy:
    r"""Measured :func:`propagation_anisotropy` of a :func:`~gatebook.learning.frozen.frozen_gate_cell` (chapter 5).

    Runs the frozen-gate cell (its :math:`W_{\rm rec}` multiplied by ``recurrent_scale``) on
    seeded standard-normal inputs (``batch`` sequences of length ``T``, default
    ``max(lags) + 1``) and measures the products :math:`\Phi(t,k)` by lag. With
    ``recurrent_scale=0`` the result must equal the closed form of
    :func:`frozen_gate_anisotropy`, :math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}`.
    ``recurrent_gain`` is the deprecated name of ``recurrent_scale`` (warns).

    Examples
    --------
    >>> import numpy as np
    >>> gates = np.linspace(0.05, 0.5, 16)
    >>> measured = frozen_gate_propagation(gates, [1, 4])
    >>> bool(np.allclose(measured.median("AI"), frozen_gate_anisotropy(gates, [1, 4])["AI"]))
    True
    """
    scale, name = recurrent_scale_argument(recurrent_scale, recurrent_gain, caller="frozen_gate_propagation")
    g = check_gates(gates)
    _check_lag_sequence(lags)
    if len(lags) == 0:
        raise ValueError("lags must not be empty")
    longest = max(check_positive_int(h, "each entry of lags") for h in lags)
    T_name = "lags" if T is None else "T"
    T = longest + 1 if T is None else check_positive_int(T, "T")
    batch = check_positive_int(batch, "batch")
    check_sizes([("batch", batch), (T_name, T), ("len(gates)", g.size), ("len(gates)", g.size)],
                what="the state Jacobians")
    gen = torch.Generator().manual_seed(int(as_generator(seed).integers(2**31)))
    u = torch.randn(batch, T, 1, generator=gen, dtype=torch.float64)
    cell = frozen_gate_cell(g, 1, recurrent_scale=check_nonnegative_float(scale, name), seed=0)
    return propagation_anisotropy(cell, u, lags=lags, triples_per_lag=triples_per_lag, r=r, top=top, seed=seed)
