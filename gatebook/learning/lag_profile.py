r"""Lag-resolved effective learning rates and their zeroth-order predictor (chapters 2–4).

Under SGD, credit from time :math:`t` updates parameters used at time :math:`k` through
:math:`\Phi(t,k)`, so its size :math:`S_{t,k}=\lVert\Phi(t,k)\rVert_2` acts as a learning
rate for lag :math:`h=t-k`. The measured, normalised profile is

.. math:: \tilde\mu(h) = \frac{\operatorname{median}_{t-k=h} S_{t,k}}{\operatorname{median}_{t-k=1} S_{t,k}} .

Freezing the gates and keeping the diagonal part of each Jacobian gives the zeroth-order
predictor :math:`P_{t,k}=\prod_{j=k+1}^{t} c_j`, averaged over neurons for per-neuron gates.
Which factor :math:`c_j` is meant must be said by name — the book never leaves it implicit:

* ``convention="carry"``: :math:`c_j = 1-\gamma_j` (state transport when :math:`J\approx` carry);
* ``convention="update"``: :math:`c_j = \gamma_j` (the path through :math:`\phi` at every step).

For a leaky cell they give :math:`(1-\alpha)^h` and :math:`\alpha^h`. The fitted power
:math:`s` comes from least squares of :math:`\ln S = a + s\ln P` over all pairs whose
:math:`P` lies between its 1 % and 99 % quantiles, reported with :math:`R^2`.
:func:`lag_profiles` fits several conventions on one set of Jacobian products (chapter 3).

Over long lags :math:`\tilde\mu(h)` and :math:`P` fall below the smallest float; every
:class:`LagProfile` therefore also holds the profiles in log scale (``log_measured``,
``log_predicted``, ``log_fitted``), formed from the log-sums without leaving the log domain.
A cell without a gate has no predictor to fit (:math:`P\equiv0` or :math:`1`) and is refused.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import torch

from .._validation import check_choice, check_positive_int
from .common import check_cell, check_tensor
from .products import jacobian_products

__all__ = ["CONVENTIONS", "LagFit", "LagProfile", "lag_fit", "log_gate_products", "lag_profile", "lag_profiles"]

CONVENTIONS = ("carry", "update")


def log_gate_products(write: torch.Tensor, convention: str, max_lag: int) -> list:
    r""":math:`\ln P_{i+h,i}` for every lag ``h = 1..max_lag``: a list of ``(batch, T-h+1)`` tensors.

    ``write`` is the rollout's write factor :math:`\gamma` (``(batch, T, n)`` or ``(batch, T, 1)``),
    with values in [0, 1]; ``max_lag`` is at most ``T``. A factor :math:`c_j=0` (a carry
    :math:`1-\gamma_j` of a step that writes fully) is clamped to the smallest normal number.
    """
    check_choice(convention, "convention", set(CONVENTIONS))
    write = _check_write(write)
    max_lag = check_max_lag(max_lag, write.shape[1])
    c = 1.0 - write if convention == "carry" else write
    logc = torch.log(c.clamp_min(torch.finfo(c.dtype).tiny))
    zero = torch.zeros_like(logc[:, :1])
    cum = torch.cat([zero, torch.cumsum(logc, dim=1)], dim=1)  # (batch, T+1, width)
    out = []
    for h in range(1, max_lag + 1):
        per_unit = cum[:, h:] - cum[:, :-h]  # sum of log c over the h factors j = i+1..i+h
        out.append(torch.logsumexp(per_unit, dim=-1) - math.log(per_unit.shape[-1]))
    return out


def _check_write(write) -> torch.Tensor:
    write = check_tensor(write, "write", ndim=3, shape="(batch, T, n) or (batch, T, 1)")
    if write.shape[0] < 1 or write.shape[1] < 1 or write.shape[2] < 1:
        raise ValueError(f"write must have shape (batch, T, n) or (batch, T, 1) with no empty axis, got {tuple(write.shape)}")
    if bool((write < 0).any()) or bool((write > 1).any()):
        raise ValueError("write must hold write factors in [0, 1]")
    return write


@dataclass
class LagProfile:
    r"""Measured and predicted effective-learning-rate profiles by lag, with the fitted power (chapter 3).

    The linear profiles :math:`\tilde\mu(h)=S(h)/S(1)` and :math:`\bar P(h)/\bar P(1)` are ratios
    of medians; over long lags they fall below the smallest float and come back as 0. Every
    one is therefore also given in log scale, computed from the medians of the logarithms
    (the Jacobian products and gate products are built as log-sums), so nothing underflows:

    .. math::

        \texttt{log\_measured}(h) = \operatorname{median}_{t-k=h}\ln S_{t,k}
                                   - \operatorname{median}_{t-k=1}\ln S_{t,k},\qquad
        \texttt{log\_predicted}(h) = \operatorname{median}\ln P_{t,k}\big|_{h}
                                   - \operatorname{median}\ln P_{t,k}\big|_{1},

    and :math:`\texttt{log\_fitted}=s\cdot\texttt{log\_predicted}`. Wherever the linear value
    is a normal float, ``measured == exp(log_measured)`` (likewise for the others).

    Attributes
    ----------
    lags : Tensor of int, shape (H,)
        The lags :math:`h=1..H`.
    measured, predicted, fitted : Tensor, shape (H,)
        :math:`\tilde\mu(h)`, the zeroth-order predictor and :math:`\text{predicted}^{s}`
        (linear scale, 1 at lag 1).
    slope, r2 : float
        Fitted power :math:`s` of :math:`\ln S=a+s\ln P` and its :math:`R^2`.
    convention : {"carry", "update"}
    log_measured, log_predicted, log_fitted : Tensor, shape (H,)
        The same three profiles in natural-log scale (0 at lag 1), finite at every lag.
    r2_lag, r2_gain, within_lag_corr, within_lag_slope : float
        What the lag alone explains, and what the gate product adds to it
        (:func:`lag_fit`): the :math:`R^2` of the best function of the lag alone, the gain in
        :math:`R^2` from adding :math:`\ln P` to it, and the correlation and slope of
        :math:`\ln S` on :math:`\ln P` within lags. ``nan`` where :math:`\ln P` does not vary
        within lags (a leaky cell: the predictor *is* a function of the lag).
    """

    lags: torch.Tensor
    measured: torch.Tensor
    predicted: torch.Tensor
    fitted: torch.Tensor
    slope: float
    r2: float
    convention: str
    log_measured: torch.Tensor | None = None
    log_predicted: torch.Tensor | None = None
    log_fitted: torch.Tensor | None = None
    r2_lag: float | None = None
    r2_gain: float | None = None
    within_lag_corr: float | None = None
    within_lag_slope: float | None = None


def _profile(lags, log_measured, med_P, fit: "LagFit", convention) -> LagProfile:
    """A :class:`LagProfile` from the log medians (each linear profile is the exp of its log)."""
    log_predicted = med_P - med_P[0]
    predicted = torch.exp(log_predicted)
    slope = fit.slope
    return LagProfile(lags=lags, measured=torch.exp(log_measured), predicted=predicted, fitted=predicted ** slope,
                      slope=slope, r2=fit.r2, convention=convention, log_measured=log_measured,
                      log_predicted=log_predicted, log_fitted=slope * log_predicted, r2_lag=fit.r2_lag,
                      r2_gain=fit.r2_gain, within_lag_corr=fit.within_lag_corr,
                      within_lag_slope=fit.within_lag_slope)


def _check_predictor(write: torch.Tensor, convention: str, cell) -> None:
    """Refuse a predictor that is identically zero or constant: nothing can be fitted to it."""
    c = 1.0 - write if convention == "carry" else write
    if bool((c == 0).all()):
        raise ValueError(
            f"the {convention!r} predictor P = prod(1 - gamma_j) is identically zero: the write factor of cell "
            f"({type(cell).__name__}) is 1 at every step (the cell has no gate or leak), so there is no carry and "
            "no power of P can be fitted; measure a LeakyRNN, ScalarGateRNN or MultiGateRNN")
    if bool((c == c.reshape(-1)[0]).all()) and float(c.reshape(-1)[0]) == 1.0:
        raise ValueError(
            f"the {convention!r} predictor P = prod(gamma_j) is identically 1 (constant): the write factor of cell "
            f"({type(cell).__name__}) is 1 at every step (the cell has no gate or leak), so no power of P can be "
            "fitted; measure a LeakyRNN, ScalarGateRNN or MultiGateRNN")


class LagFit(NamedTuple):
    """The fits of :func:`lag_fit` (floats; ``nan`` where undefined)."""

    slope: float
    r2: float
    r2_lag: float
    r2_gain: float
    within_lag_corr: float
    within_lag_slope: float


def lag_fit(logS: torch.Tensor, logP: torch.Tensor, lag: torch.Tensor, trim: float = 0.01) -> LagFit:
    r"""The power fit :math:`\ln S=a+s\ln P`, and what the lag alone explains of :math:`\ln S` (chapter 3).

    On the pairs whose :math:`\ln P` lies between its ``trim`` and ``1 - trim`` quantiles:

    * ``slope``, ``r2``: least squares of :math:`\ln S` on :math:`\ln P` (the paper's fit);
    * ``r2_lag``: the :math:`R^2` of the best function of the lag alone — the lag-group means,
      :math:`1-\sum(\ln S-\overline{\ln S}_h)^2/\sum(\ln S-\overline{\ln S})^2`. A gate
      product that falls with the lag earns a high ``r2`` whether or not it carries more
      information than the lag itself: this is the null it must beat;
    * ``r2_gain``: the increase of :math:`R^2` when :math:`\ln P` is added to the lag-group
      means (the model :math:`\ln S=a_h+b\ln P`, fitted within lags);
    * ``within_lag_corr``, ``within_lag_slope``: the correlation and slope :math:`b` of
      :math:`\ln S` on :math:`\ln P` after removing each lag's means — whether pairs at the same
      lag with smaller gate products have smaller sensitivities.

    Parameters
    ----------
    logS, logP : Tensor, shape (pairs,)
        :math:`\ln S_{t,k}` and :math:`\ln P_{t,k}` of the same pairs.
    lag : Tensor of int, shape (pairs,)
        Their lags :math:`t-k`.
    trim : float
        Fraction of the predictor's values dropped at each end.

    Returns
    -------
    LagFit
    """
    logS = check_tensor(logS, "logS", ndim=1, shape="(pairs,)")
    logP = check_tensor(logP, "logP", ndim=1, shape="(pairs,)")
    if not isinstance(lag, torch.Tensor) or lag.is_complex() or lag.dtype == torch.bool or lag.ndim != 1:
        raise TypeError(f"lag must be a 1-D tensor of lags (one per pair), got {getattr(lag, 'shape', type(lag).__name__)}")
    if lag.is_floating_point():
        lag = check_tensor(lag, "lag", ndim=1, shape="(pairs,)")
    if not (logS.shape == logP.shape == lag.shape) or logS.numel() < 2:
        raise ValueError(f"logS, logP and lag must be 1-D with one entry per pair (at least 2), got shapes "
                         f"{tuple(logS.shape)}, {tuple(logP.shape)} and {tuple(lag.shape)}")
    trim = check_trim(trim)
    logP = logP.to(logS.dtype)
    lo, hi = torch.quantile(logP, trim), torch.quantile(logP, 1.0 - trim)
    keep = (logP >= lo) & (logP <= hi)
    x, y, g = logP[keep], logS[keep], lag[keep]
    x_c, y_c = x - x.mean(), y - y.mean()
    denom = (x_c * x_c).sum()
    if denom <= 0:
        raise ValueError("the predictor is constant over the pairs (e.g. gates saturated at 0 or 1): "
                         "no slope can be fitted")
    slope = (x_c * y_c).sum() / denom
    resid = y_c - slope * x_c
    total = (y_c * y_c).sum()
    if total <= 0:
        return LagFit(float(slope), 1.0, 1.0, 0.0, math.nan, math.nan)
    r2 = 1.0 - (resid * resid).sum() / total
    # within-lag deviations: subtract each lag's mean (the best function of the lag alone)
    groups, index = torch.unique(g, return_inverse=True)
    counts = torch.zeros(len(groups), dtype=y.dtype).index_add_(0, index, torch.ones_like(y))
    y_w = y - (torch.zeros(len(groups), dtype=y.dtype).index_add_(0, index, y) / counts)[index]
    x_w = x - (torch.zeros(len(groups), dtype=x.dtype).index_add_(0, index, x) / counts)[index]
    ss_within = (y_w * y_w).sum()
    r2_lag = 1.0 - ss_within / total
    sxx, sxy = (x_w * x_w).sum(), (x_w * y_w).sum()
    if sxx <= 1e-12 * denom:  # ln P is a function of the lag (a constant gate): it adds nothing
        return LagFit(float(slope), float(r2), float(r2_lag), 0.0, math.nan, math.nan)
    b = sxy / sxx
    r2_full = 1.0 - (ss_within - b * sxy) / total
    corr = sxy / torch.sqrt(sxx * ss_within) if ss_within > 0 else torch.tensor(math.nan)
    return LagFit(float(slope), float(r2), float(r2_lag), float(r2_full - r2_lag), float(corr), float(b))


@torch.no_grad()
def lag_profile(cell, inputs: torch.Tensor, *, convention: str, max_lag: int | None = None, trim: float = 0.01) -> LagProfile:
    r"""Normalised lag profile of :math:`S_{t,k}` for ``cell`` on ``inputs``, with the named predictor.

    ``convention`` is required (``"carry"`` or ``"update"``). Computed in the cell's dtype;
    use float64 for long sequences. The profiles come in linear scale and, free of
    underflow at long lags, in log scale (:class:`LagProfile`, chapter 3).

    Raises
    ------
    ValueError
        For a cell without a gate (:class:`~gatebook.learning.PlainRNN`), whose predictor is
        identically zero (``"carry"``) or 1 (``"update"``), and for a predictor constant over
        the pairs (saturated gates): no power can be fitted.

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import LeakyRNN
    >>> u = torch.randn(2, 8, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> p = lag_profile(LeakyRNN(3, 4, alpha=0.5, seed=0, dtype=torch.float64), u, convention="carry")
    >>> [round(v, 6) for v in p.log_predicted[:3].tolist()]
    [0.0, -0.693147, -1.386294]
    """
    return lag_profiles(cell, inputs, conventions=(check_choice(convention, "convention", set(CONVENTIONS)),),
                        max_lag=max_lag, trim=trim)[convention]


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
        Measured in its own dtype: pass :func:`~gatebook.learning.gate_credit.analysis_copy`
        (float64) for long sequences.
    inputs : torch.Tensor, shape (batch, T, m)
    conventions : sequence of {"carry", "update"}
    max_lag : int, optional
        Largest lag (default and maximum ``T``).
    trim : float
        Fraction of the predictor's values dropped at each end before the fit.

    Returns
    -------
    dict
        ``{convention: LagProfile}``, in the order given; each profile also in log scale.

    Raises
    ------
    ValueError
        As :func:`lag_profile` (a cell without a gate, a constant predictor).

    Examples
    --------
    >>> import torch
    >>> from gatebook.learning import ScalarGateRNN
    >>> u = torch.rand(2, 12, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> cell = ScalarGateRNN(3, 8, seed=0, dtype=torch.float64)
    >>> sorted(lag_profiles(cell, u))
    ['carry', 'update']
    """
    check_cell(cell)
    conventions = check_conventions(conventions)
    trim = check_trim(trim)
    rollout = cell.rollout(inputs)
    max_lag = check_max_lag(max_lag, rollout["states"].shape[1])
    for convention in conventions:
        _check_predictor(rollout["write"], convention, cell)
    logS = _log_sensitivities(cell, rollout, max_lag)
    products_lags = list(range(1, max_lag + 1))
    med_S = torch.stack([s.median() for s in logS])
    flat_S = torch.cat([s.flatten() for s in logS])
    flat_lag = torch.cat([torch.full((s.numel(),), h) for h, s in zip(products_lags, logS)])
    log_measured = med_S - med_S[0]
    lags = torch.tensor(products_lags)
    out = {}
    for convention in conventions:
        logP = log_gate_products(rollout["write"], convention, max_lag)
        med_P = torch.stack([p.median() for p in logP])
        fit = lag_fit(flat_S, torch.cat([p.flatten() for p in logP]), flat_lag, trim)
        out[convention] = _profile(lags, log_measured, med_P, fit, convention)
    return out


#: Examples whose Jacobians and products are held at once by :func:`lag_profiles`.
PROBE_CHUNK = 1


def _log_sensitivities(cell, rollout, max_lag: int) -> list:
    r""":math:`\ln S_{t,k}` for lags ``1..max_lag``: a list of ``(batch, T-h+1)`` tensors.

    The state Jacobians and their products are built :data:`PROBE_CHUNK` example(s) at a
    time, so memory holds one example's ``T`` Jacobians rather than the whole probe's (31 MB
    for 12 sequences of ``T = 80``, ``n = 64`` in float64); the small stacks also stay in cache
    (``benchmarks/``: ``s1_probe_ref``). The Jacobians are exactly those of the whole batch;
    batched products of a different batch count can round differently, by ~1e-15 in
    :math:`\ln S`.
    """
    batch = rollout["states"].shape[0]
    parts = []
    for start in range(0, batch, PROBE_CHUNK):
        chunk = type(rollout)({k: (v[start:start + PROBE_CHUNK] if isinstance(v, torch.Tensor) and v.dim() > 0
                                   and v.shape[0] == batch else v) for k, v in rollout.items()})
        products = jacobian_products(cell.jacobians_from_rollout(chunk), max_lag, top=1)
        parts.append([products.log_sensitivity(h) for h in products.lags])
    return [torch.cat(per_lag, dim=0) for per_lag in zip(*parts)]


# ---------------------------------------------------------------------------
# checks shared with gatebook.learning.tracking
# ---------------------------------------------------------------------------


def check_conventions(conventions) -> tuple:
    """Named conventions as a tuple: at least one, each in :data:`CONVENTIONS`, no repeats (a string is one name)."""
    if isinstance(conventions, str):
        conventions = (conventions,)
    try:
        conventions = tuple(conventions)
    except TypeError:
        raise TypeError(f"conventions must be a sequence of names from {list(CONVENTIONS)}, got {conventions!r}") from None
    if not conventions:
        raise ValueError(f"conventions is empty; name at least one of {list(CONVENTIONS)}")
    for c in conventions:
        if not isinstance(c, str):
            raise TypeError(f"conventions must hold convention names from {list(CONVENTIONS)}, got {c!r}")
        if c not in CONVENTIONS:
            raise ValueError(f"unknown convention {c!r} in conventions; choose from {list(CONVENTIONS)}")
    if len(set(conventions)) != len(conventions):
        raise ValueError(f"conventions has repeated names: {list(conventions)}")
    return conventions


def check_trim(trim) -> float:
    """The trimming fraction of the fit as a float in [0, 0.5)."""
    if isinstance(trim, bool) or not isinstance(trim, numbers.Real) or not 0.0 <= float(trim) < 0.5:
        raise ValueError(f"trim must be a number in [0, 0.5), got {trim!r}")
    return float(trim)


def check_max_lag(max_lag, T: int) -> int:
    """The largest lag: ``T`` for ``None``, else a positive integer not above ``T``."""
    if max_lag is None:
        return T
    max_lag = check_positive_int(max_lag, "max_lag")
    if max_lag > T:
        raise ValueError(f"max_lag ({max_lag}) cannot exceed the sequence length T={T}")
    return max_lag
