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
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch

from .._validation import check_choice, check_positive_int
from .common import check_cell
from .products import jacobian_products

__all__ = ["CONVENTIONS", "LagProfile", "log_gate_products", "lag_profile", "lag_profiles"]

CONVENTIONS = ("carry", "update")


def log_gate_products(write: torch.Tensor, convention: str, max_lag: int) -> list:
    r""":math:`\ln P_{i+h,i}` for every lag ``h = 1..max_lag``: a list of ``(batch, T-h+1)`` tensors.

    ``write`` is the rollout's write factor :math:`\gamma` (``(batch, T, n)`` or ``(batch, T, 1)``).
    """
    check_choice(convention, "convention", set(CONVENTIONS))
    c = 1.0 - write if convention == "carry" else write
    logc = torch.log(c.clamp_min(torch.finfo(c.dtype).tiny))
    zero = torch.zeros_like(logc[:, :1])
    cum = torch.cat([zero, torch.cumsum(logc, dim=1)], dim=1)  # (batch, T+1, width)
    out = []
    for h in range(1, max_lag + 1):
        per_unit = cum[:, h:] - cum[:, :-h]  # sum of log c over the h factors j = i+1..i+h
        out.append(torch.logsumexp(per_unit, dim=-1) - math.log(per_unit.shape[-1]))
    return out


@dataclass
class LagProfile:
    """Measured and predicted effective-learning-rate profiles by lag, with the fitted power."""

    lags: torch.Tensor
    measured: torch.Tensor
    predicted: torch.Tensor
    fitted: torch.Tensor
    slope: float
    r2: float
    convention: str


def _fit(logS: torch.Tensor, logP: torch.Tensor, trim: float):
    lo, hi = torch.quantile(logP, trim), torch.quantile(logP, 1.0 - trim)
    keep = (logP >= lo) & (logP <= hi)
    x, y = logP[keep], logS[keep]
    x_c, y_c = x - x.mean(), y - y.mean()
    denom = (x_c * x_c).sum()
    if denom <= 0:
        raise ValueError("the predictor is constant over the pairs: no slope can be fitted")
    slope = (x_c * y_c).sum() / denom
    resid = y_c - slope * x_c
    total = (y_c * y_c).sum()
    r2 = 1.0 - (resid * resid).sum() / total if total > 0 else torch.tensor(1.0)
    return float(slope), float(r2)


@torch.no_grad()
def lag_profile(cell, inputs: torch.Tensor, *, convention: str, max_lag: int | None = None, trim: float = 0.01) -> LagProfile:
    r"""Normalised lag profile of :math:`S_{t,k}` for ``cell`` on ``inputs``, with the named predictor.

    ``convention`` is required (``"carry"`` or ``"update"``). Computed in the cell's dtype;
    use float64 for long sequences.
    """
    check_choice(convention, "convention", set(CONVENTIONS))
    if not 0.0 <= trim < 0.5:
        raise ValueError(f"trim must lie in [0, 0.5), got {trim}")
    rollout = cell.rollout(inputs)
    J = cell.jacobians_from_rollout(rollout)
    T = J.shape[1]
    max_lag = T if max_lag is None else max_lag
    products = jacobian_products(J, max_lag, top=1)
    logS = [products.log_sensitivity(h) for h in products.lags]
    logP = log_gate_products(rollout["write"], convention, max_lag)
    med_S = torch.stack([s.median() for s in logS])
    med_P = torch.stack([p.median() for p in logP])
    slope, r2 = _fit(torch.cat([s.flatten() for s in logS]), torch.cat([p.flatten() for p in logP]), trim)
    measured = torch.exp(med_S - med_S[0])
    predicted = torch.exp(med_P - med_P[0])
    return LagProfile(
        lags=torch.tensor(products.lags),
        measured=measured,
        predicted=predicted,
        fitted=predicted ** slope,
        slope=slope,
        r2=r2,
        convention=convention,
    )


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
    check_cell(cell)
    conventions = check_conventions(conventions)
    trim = check_trim(trim)
    rollout = cell.rollout(inputs)
    J = cell.jacobians_from_rollout(rollout)
    max_lag = check_max_lag(max_lag, J.shape[1])
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
        check_choice(c, "convention", set(CONVENTIONS))
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
