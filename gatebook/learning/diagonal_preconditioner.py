r"""Per-neuron gates as a diagonal preconditioner: closed forms and measurements (chapter 4).

A per-neuron gate :math:`u_t\in(0,1)^N` writes the candidate with weight :math:`u_{t,i}` and
carries the old state with weight :math:`1-u_{t,i}`. With the gates held fixed at values
:math:`u_i` and no recurrent weights (:func:`~gatebook.learning.frozen.frozen_gate_cell`),
the step Jacobian is the diagonal matrix :math:`\mathrm D(1-u)`, so credit that travels
back over a lag :math:`\ell` is multiplied by

.. math::

    \Phi(t, t-\ell) = \mathrm D\big(\pi(\ell)\big),\qquad
    \pi_i(\ell) = \prod_{j=t-\ell+1}^{t}(1-u_{j,i}) = (1-u_i)^{\ell},

one learning rate per neuron: a **diagonal preconditioner** in neuron coordinates. Its
condition number grows geometrically with the lag,

.. math:: \mathrm{cond}(\ell) = \frac{\max_i\pi_i(\ell)}{\min_i\pi_i(\ell)} = \Big(\frac{c_{\max}}{c_{\min}}\Big)^{\ell},
          \qquad c_i = 1-u_i,

and in parameter space it scales the lag-:math:`\ell` term of the update of the whole
row :math:`i` of :math:`W_{\rm rec}` and :math:`W_{\rm in}` by the same factor.

This module computes the exact case (:func:`carry_products`, :func:`condition_number`,
:func:`preconditioner_condition`), the lag-resolved credit of each neuron measured with
autograd (:func:`credit_by_lag`) and the optional diagonal first-order envelope of the
follow-up papers (:func:`diagonal_predictor`). The chapter's experiments are in
:mod:`gatebook.learning.preconditioning`.

**Convention.** Products of the factors :math:`c=1-u` follow ``convention="carry"``, the
factor that is *exact* when the gates are frozen and :math:`W_{\rm rec}=0`;
``convention="update"`` multiplies the write factors :math:`u` instead (see
:mod:`gatebook.learning.lag_profile`). :func:`carry_products` and :func:`condition_number`
take the convention by name; the measured quantities (:func:`preconditioner_condition`,
:func:`diagonal_predictor`) use the carry, the factor that the Jacobians themselves contain.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import as_generator, check_choice, check_positive_int
from .cells import LeakyRNN, MultiGateRNN
from .common import check_cell, check_sizes, check_targets, torch_threads
from .frozen import check_gates, frozen_gate_cell
from .lag_profile import CONVENTIONS
from .products import jacobian_products

__all__ = [
    "CreditByLag",
    "DiagonalEnvelope",
    "PreconditionerCondition",
    "carry_products",
    "condition_number",
    "credit_by_lag",
    "diagonal_predictor",
    "preconditioner_condition",
]


# ---------------------------------------------------------------------------------------
# the exact case: frozen per-neuron gates
# ---------------------------------------------------------------------------------------


def _check_lags(lags, name: str = "lags") -> np.ndarray:
    if isinstance(lags, numbers.Integral) and not isinstance(lags, bool):
        lags = [lags]
    arr = np.asarray(lags)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d sequence of non-negative integers")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got {arr.tolist()}")
    return arr.astype(int)


def _factors(gates: np.ndarray, convention: str) -> np.ndarray:
    check_choice(convention, "convention", set(CONVENTIONS))
    return 1.0 - gates if convention == "carry" else gates


def carry_products(gates, max_lag: int, *, convention: str = "carry") -> np.ndarray:
    r"""Per-neuron transport factors :math:`\pi_i(\ell)=c_i^{\ell}` for frozen gates, lags ``0..max_lag``.

    .. math:: \pi_i(\ell) = \prod_{j=t-\ell+1}^{t} c_{j,i} = c_i^{\ell},\qquad
              c_i = 1-u_i\ (\texttt{carry})\ \text{or}\ u_i\ (\texttt{update}).

    With ``convention="carry"`` and :math:`W_{\rm rec}=0` this is the exact diagonal of the
    lag-:math:`\ell` Jacobian product (chapter 4, "Heterogeneous clocks").

    Parameters
    ----------
    gates : array_like, shape (N,)
        Constant gate values :math:`u_i\in(0,1)`.
    max_lag : int
        Largest lag (positive).
    convention : {"carry", "update"}
        Which factor is multiplied (named, never implicit).

    Returns
    -------
    ndarray, shape (max_lag + 1, N)
        Row :math:`\ell` holds :math:`\pi(\ell)`; row 0 is all ones.

    Examples
    --------
    >>> carry_products([0.5, 0.1], 2)
    array([[1.  , 1.  ],
           [0.5 , 0.9 ],
           [0.25, 0.81]])
    """
    g = check_gates(gates)
    max_lag = check_positive_int(max_lag, "max_lag")
    check_sizes([("max_lag", max_lag + 1), ("len(gates)", g.size)], what="the table of products")
    c = _factors(g, convention)
    return np.exp(np.arange(max_lag + 1)[:, None] * np.log(c)[None, :])


def condition_number(gates, lags, *, convention: str = "carry") -> np.ndarray:
    r"""Condition number :math:`\mathrm{cond}(\ell)=(c_{\max}/c_{\min})^{\ell}` of the frozen-gate preconditioner.

    .. math:: \mathrm{cond}(\ell) = \frac{\max_i \pi_i(\ell)}{\min_i \pi_i(\ell)}
              = \Big(\frac{\max_i c_i}{\min_i c_i}\Big)^{\ell}

    (chapter 4). ``log cond`` is a straight line in the lag with slope
    :math:`\ln(c_{\max}/c_{\min})`.

    Parameters
    ----------
    gates : array_like, shape (N,)
        Constant gate values in (0, 1).
    lags : int or sequence of int
        Non-negative lags.
    convention : {"carry", "update"}

    Returns
    -------
    ndarray, shape (len(lags),)

    Raises
    ------
    ValueError
        If the condition number overflows the float range at the longest lag.

    Examples
    --------
    >>> condition_number([0.5, 0.1], [0, 1, 2])
    array([1.  , 1.8 , 3.24])
    """
    c = _factors(check_gates(gates), convention)
    lags = _check_lags(lags)
    log_cond = lags * (np.log(c.max()) - np.log(c.min()))
    if np.any(log_cond > np.log(np.finfo(float).max)):
        raise ValueError(f"the condition number overflows the float range at lags up to {int(lags.max())} "
                         f"(log cond = {float(log_cond.max()):.4g}); use log cond = lag * log(c_max / c_min)")
    return np.exp(log_cond)


@dataclass
class PreconditionerCondition:
    r"""The frozen-gate preconditioner by lag: closed forms and values measured from Jacobian products.

    Attributes
    ----------
    gates : ndarray, shape (N,)
    lags : ndarray, shape (L,)
    factors : ndarray, shape (L, N)
        :math:`\pi_i(\ell)` (closed form).
    predicted : ndarray, shape (L,)
        :math:`\mathrm{cond}(\ell)=(c_{\max}/c_{\min})^{\ell}`.
    measured : ndarray, shape (L,)
        :math:`\sigma_1/\sigma_N` of the exact product :math:`\Phi(t,t-\ell)` of a
        :func:`~gatebook.learning.frozen.frozen_gate_cell` (float64, median over start times).
    ai_predicted, ai_measured : ndarray, shape (L,)
        :math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}` and its measured value.
    r : int
        Rank used for the anisotropy index.
    recurrent_scale : float
        Scale of :math:`W_{\rm rec}` in the measured cell (0: the exact case).
    convention : str
    """

    gates: np.ndarray
    lags: np.ndarray
    factors: np.ndarray
    predicted: np.ndarray
    measured: np.ndarray
    ai_predicted: np.ndarray
    ai_measured: np.ndarray
    r: int
    recurrent_scale: float
    convention: str = "carry"

    @property
    def log_slope(self) -> float:
        r"""Slope of :math:`\ln\mathrm{cond}` against the lag, :math:`\ln(c_{\max}/c_{\min})`."""
        c = _factors(self.gates, self.convention)
        return float(np.log(c.max() / c.min()))

    @property
    def measured_log_slope(self) -> float:
        r"""Least-squares slope of the measured :math:`\ln\mathrm{cond}(\ell)` against :math:`\ell`."""
        if self.lags.size < 2:
            raise ValueError("need at least two lags to fit a slope")
        return float(np.polyfit(self.lags, np.log(self.measured), 1)[0])


@torch_threads(1)
def preconditioner_condition(gates, lags, *, r: int = 10, recurrent_scale: float = 0.0, seed: int = 0,
                             T: int | None = None, batch: int = 1) -> PreconditionerCondition:
    r"""Condition number and anisotropy of the frozen-gate preconditioner, predicted and measured.

    The prediction is :math:`\mathrm{cond}(\ell)=(c_{\max}/c_{\min})^{\ell}` and
    :math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}` with the carries :math:`c=1-u`
    sorted in decreasing order (``convention="carry"``). The measurement builds a
    :func:`~gatebook.learning.frozen.frozen_gate_cell`, runs it on seeded uniform inputs, takes the exact state
    Jacobians in float64 and the singular values of every :math:`\Phi(t,t-\ell)`
    (renormalised products, :func:`~gatebook.learning.jacobian_products`), and reports
    medians over examples and start times. With ``recurrent_scale=0`` the two agree to
    round-off (chapter 4); a positive ``recurrent_scale`` shows how recurrent weights bend
    the diagonal picture.

    Parameters
    ----------
    gates : array_like, shape (N,)
        Gate values in (0, 1).
    lags : sequence of int
        Positive lags.
    r : int
        Rank of the anisotropy index (``r <= N``).
    recurrent_scale : float
        Scale of :math:`W_{\rm rec}` relative to its default initialisation.
    seed : int
        Seed of the cell's weights and of the inputs.
    T : int, optional
        Sequence length (default: the largest lag).
    batch : int
        Number of input sequences.

    Returns
    -------
    PreconditionerCondition

    Examples
    --------
    >>> res = preconditioner_condition([0.1, 0.3, 0.5], [1, 4], r=2)
    >>> bool(np.allclose(res.measured, res.predicted))
    True
    """
    g = check_gates(gates)
    lags = _check_lags(lags)
    if np.any(lags < 1):
        raise ValueError(f"lags must be positive, got {lags.tolist()}")
    r = check_positive_int(r, "r")
    if r > g.size:
        raise ValueError(f"r ({r}) cannot exceed the number of neurons ({g.size})")
    batch = check_positive_int(batch, "batch")
    T_name = "lags" if T is None else "T"
    T = int(lags.max()) if T is None else check_positive_int(T, "T")
    if lags.max() > T:
        raise ValueError(f"the largest lag ({lags.max()}) cannot exceed T={T}")
    check_sizes([("batch", batch), (T_name, T), ("len(gates)", g.size), ("len(gates)", g.size)],
                what="the state Jacobians")
    cell = frozen_gate_cell(g, 1, recurrent_scale=recurrent_scale, seed=seed)
    u = torch.as_tensor(as_generator(seed).random((batch, T, 1)), dtype=torch.float64)
    J = cell.state_jacobians(u)
    prods = jacobian_products(J, int(lags.max()))
    logsv = [prods.log_singular_values[h - 1].reshape(-1, g.size) for h in lags]
    measured = np.array([float(torch.median(s[:, 0] - s[:, -1])) for s in logsv])
    ai_measured = np.array([float(torch.median(s[:, 0] - s[:, r - 1])) for s in logsv])
    c_sorted = np.sort(1.0 - g)[::-1]
    return PreconditionerCondition(
        gates=g,
        lags=lags,
        factors=carry_products(g, int(lags.max()))[lags],
        predicted=condition_number(g, lags),
        measured=np.exp(measured),
        ai_predicted=np.exp(lags * (np.log(c_sorted[0]) - np.log(c_sorted[r - 1]))),
        ai_measured=np.exp(ai_measured),
        r=r,
        recurrent_scale=float(recurrent_scale),
    )


# ---------------------------------------------------------------------------------------
# in parameter space: the credit of each neuron by lag
# ---------------------------------------------------------------------------------------


@dataclass
class CreditByLag:
    r"""Credit :math:`\partial\mathcal L/\partial a_{T-\ell}` reaching each neuron at each lag.

    Attributes
    ----------
    lags : ndarray, shape (T,)
        :math:`\ell = 0..T-1` (lag 0 is the last step).
    credit : ndarray, shape (batch, T, N)
        Per-example credit, indexed by lag.
    """

    lags: np.ndarray
    credit: np.ndarray

    def relative(self) -> np.ndarray:
        r"""Per-neuron credit at lag :math:`\ell` relative to lag 0: :math:`\overline{|c_{T-\ell}|}/\overline{|c_T|}`, shape (T, N).

        The bar is the mean over examples. For frozen gates, :math:`W_{\rm rec}=0` and a
        linear cell this is exactly :math:`\pi_i(\ell)=(1-u_i)^{\ell}`.
        """
        mag = np.abs(self.credit).mean(axis=0)
        return mag / mag[:1]

    def deviation(self, gates, lags) -> np.ndarray:
        r"""Median over neurons of :math:`|\ln(\text{relative}_i(\ell)/\pi_i(\ell))|` at each lag: 0 when the frozen-gate picture is exact.

        ``gates`` are the frozen gate values :math:`u_i` the credit is compared with
        (``convention="carry"``, :math:`\pi_i(\ell)=(1-u_i)^\ell`).
        """
        lags = _check_lags(lags)
        if lags.max() >= self.lags.size:
            raise ValueError(f"lags must be below T={self.lags.size}, got {lags.max()}")
        g = check_gates(gates)
        if g.size != self.credit.shape[-1]:
            raise ValueError(f"gates has {g.size} values but the credit has {self.credit.shape[-1]} neurons")
        pi = carry_products(g, int(max(lags.max(), 1)))[lags]
        return np.median(np.abs(np.log(self.relative()[lags] / pi)), axis=1)


@torch_threads(1)
def credit_by_lag(cell, inputs: torch.Tensor, targets: torch.Tensor) -> CreditByLag:
    r"""Credit :math:`\partial\mathcal L/\partial a_t` that reaches each neuron at each step, by autograd.

    With the summed squared error :math:`\mathcal L=\sum_b(y_b-\hat y_b)^2`, the gradient of
    the row :math:`i` of :math:`W_{\rm in}` is

    .. math:: \frac{\partial\mathcal L}{\partial W_{\rm in}[i,:]} = \sum_t
              \frac{\partial\mathcal L}{\partial a_{t,i}}\,I_t^\top ,

    so the lag-:math:`\ell` term of the update of the *whole row* is scaled by the single
    number :math:`\partial\mathcal L/\partial a_{T-\ell,i}` (likewise for :math:`W_{\rm rec}`
    with :math:`x_{t-1}`). For frozen gates, :math:`W_{\rm rec}=0` and a linear cell it equals
    :math:`u_i(1-u_i)^{\ell}\,\delta_{T,i}`: the preconditioner acts row by row
    (chapter 4). Computed through the cell's ``drive_offset`` hook (one backward pass).

    Parameters
    ----------
    cell : RecurrentCell
    inputs : Tensor, shape (batch, T, m)
    targets : Tensor, shape (batch, 1)

    Returns
    -------
    CreditByLag

    Examples
    --------
    >>> cell = frozen_gate_cell([0.5, 0.1], 1, nonlinearity="linear")
    >>> u, y = torch.ones(1, 3, 1), torch.zeros(1, 1)
    >>> credit_by_lag(cell, u, y).relative().round(3).tolist()
    [[1.0, 1.0], [0.5, 0.9], [0.25, 0.81]]
    """
    u = check_cell(cell)._check_inputs(inputs)
    targets = check_targets(targets, u.shape[0])
    offset = torch.zeros(u.shape[0], u.shape[1], cell.hidden_size, dtype=u.dtype, requires_grad=True)
    loss = ((cell(u, drive_offset=offset) - targets.to(u.dtype)) ** 2).sum()
    (grad,) = torch.autograd.grad(loss, offset)
    credit = grad.detach().flip(1).cpu().double().numpy()  # index 0 = lag 0 = last step
    return CreditByLag(lags=np.arange(u.shape[1]), credit=credit)


# ---------------------------------------------------------------------------------------
# optional: the diagonal first-order envelope (follow-up papers)
# ---------------------------------------------------------------------------------------


@dataclass
class DiagonalEnvelope:
    r"""Optional diagonal first-order predictor (§3.5 of the science note) against the exact products.

    Attributes
    ----------
    lags : ndarray, shape (L,)
    zeroth : ndarray
        :math:`\operatorname{mean}|\prod_jc_j|` (carries only).
    first_order : ndarray
        The envelope :math:`f(\ell)=\operatorname{mean}|\mu_{t,\ell}|`.
    diagonal : ndarray
        :math:`\operatorname{mean}|\prod_j\mathrm{diag}(\mathcal J_j)|` (the exact product of the diagonals).
    exact : ndarray
        :math:`\operatorname{median} S_{t,t-\ell}=\operatorname{median}\lVert\Phi(t,t-\ell)\rVert_2`.

    Means run over examples, start times and neurons. Everything is per lag.
    """

    lags: np.ndarray
    zeroth: np.ndarray
    first_order: np.ndarray
    diagonal: np.ndarray
    exact: np.ndarray


@torch.no_grad()
@torch_threads(1)
def diagonal_predictor(cell, inputs: torch.Tensor, max_lag: int | None = None) -> DiagonalEnvelope:
    r"""Optional: the diagonal first-order envelope of the per-lag, per-neuron rate (follow-up papers).

    Keep only the diagonal of each step Jacobian, :math:`\mathrm{diag}(\mathcal J_j)=c_j+\omega_j`
    with the carry :math:`c_j=1-u_j` and

    .. math:: \omega_j = u_j\odot\phi'(a_j)\odot\mathrm{diag}(W_{\rm rec})
                   + d_j\odot\sigma'(a^u_j)\odot\mathrm{diag}(W^u_{\rm rec}),

    and expand the product to first order in :math:`\omega`:

    .. math:: \mu_{t,\ell}\approx\prod_{j=t-\ell+1}^{t}c_j\Big[1+\sum_{j=t-\ell+1}^{t}\frac{\omega_j}{c_j}\Big],
              \qquad f(\ell)=\operatorname{mean}|\mu_{t,\ell}| .

    (The follow-up papers write :math:`\lambda_j` and :math:`r_j`; the book keeps
    :math:`\lambda` for eigenvalues and :math:`r` for the Part III gate variable.)

    This form comes from the author's follow-up papers and is *not* verified against the
    paper the book follows; chapter 4 shows it as an optional comparison with the exact
    median :math:`S_{t,t-\ell}`. Only cells with a positive carry per neuron qualify
    (:class:`MultiGateRNN`, or :class:`LeakyRNN` with :math:`\alpha<1`).

    Parameters
    ----------
    cell : MultiGateRNN or LeakyRNN
    inputs : Tensor, shape (batch, T, m)
    max_lag : int, optional
        Largest lag (default T).

    Returns
    -------
    DiagonalEnvelope

    Examples
    --------
    >>> cell = frozen_gate_cell([0.5, 0.5], 1)  # frozen gates, W_rec = 0: every predictor is 0.5**lag
    >>> diagonal_predictor(cell, torch.zeros(1, 3, 1)).first_order.round(12).tolist()
    [0.5, 0.25, 0.125]
    """
    if not isinstance(cell, (MultiGateRNN, LeakyRNN)):
        raise TypeError("cell must be a MultiGateRNN or a LeakyRNN (diagonal_predictor needs a per-neuron carry), "
                        f"got {type(cell).__name__}")
    r = cell.rollout(inputs)
    T = r["states"].shape[1]
    max_lag = T if max_lag is None else check_positive_int(max_lag, "max_lag")
    if max_lag > T:
        raise ValueError(f"max_lag ({max_lag}) cannot exceed the sequence length T={T}")
    n = cell.hidden_size
    gamma = r["write"].expand(-1, -1, n)
    lam = 1.0 - gamma
    if (lam <= 0).any():
        raise ValueError("the carry 1 - u must be positive at every step (a LeakyRNN needs alpha < 1)")
    diag_Wr = torch.diagonal(cell.W_r)
    rdiag = gamma * cell.phi_prime_from_candidate(r["candidate"]) * diag_Wr
    W_rg = cell.gate_recurrent_weights()
    if W_rg is not None:
        s = torch.sigmoid(r["gate_pre"])
        rdiag = rdiag + (r["candidate"] - r["previous"]) * s * (1.0 - s) * torch.diagonal(W_rg)

    def window_sums(v):  # v: (batch, T, n) -> list over lags of (batch, T-l+1, n) sums over j = i+1..i+l
        cum = torch.cat([torch.zeros_like(v[:, :1]), torch.cumsum(v, dim=1)], dim=1)
        return [cum[:, h:] - cum[:, :-h] for h in range(1, max_lag + 1)]

    log_lam = window_sums(torch.log(lam))
    ratio = window_sums(rdiag / lam)
    diag = lam + rdiag
    log_abs_diag = window_sums(torch.log(diag.abs().clamp_min(torch.finfo(diag.dtype).tiny)))
    zeroth = np.array([float(torch.exp(l).mean()) for l in log_lam])
    first = np.array([float((torch.exp(l) * (1.0 + q)).abs().mean()) for l, q in zip(log_lam, ratio)])
    diagonal = np.array([float(torch.exp(l).mean()) for l in log_abs_diag])
    prods = jacobian_products(cell.jacobians_from_rollout(r), max_lag, top=1)
    exact = np.array([float(torch.exp(prods.log_sensitivity(h).median())) for h in prods.lags])
    return DiagonalEnvelope(lags=np.arange(1, max_lag + 1), zeroth=zeroth, first_order=first,
                            diagonal=diagonal, exact=exact)
