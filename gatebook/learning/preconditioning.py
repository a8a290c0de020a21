r"""Per-neuron gates as a diagonal preconditioner, side by side with Adam (chapter 4).

A per-neuron gate :math:`u_t\in(0,1)^N` writes the candidate with weight :math:`u_{t,i}` and
carries the old state with weight :math:`1-u_{t,i}`. With the gates held fixed at values
:math:`u_i` and no recurrent weights, the step Jacobian is the diagonal matrix
:math:`\mathrm D(1-u)`, so credit that travels back over a lag :math:`\ell` is multiplied by

.. math::

    \Phi(t, t-\ell) = \mathrm D\big(\pi(\ell)\big),\qquad
    \pi_i(\ell) = \prod_{j=t-\ell+1}^{t}(1-u_{j,i}) = (1-u_i)^{\ell},

one learning rate per neuron: a **diagonal preconditioner** in neuron coordinates. Its
condition number grows geometrically with the lag,

.. math:: \mathrm{cond}(\ell) = \frac{\max_i\pi_i(\ell)}{\min_i\pi_i(\ell)} = \Big(\frac{c_{\max}}{c_{\min}}\Big)^{\ell},
          \qquad c_i = 1-u_i,

and in parameter space it scales the lag-:math:`\ell` term of the update of the whole
row :math:`i` of :math:`W_{\rm rec}` and :math:`W_{\rm in}` by the same factor.

This module provides the exact case (:func:`carry_products`, :func:`condition_number`,
:func:`preconditioner_condition`, :func:`frozen_gate_cell`), the lag-resolved credit of each
neuron measured with autograd (:func:`credit_by_lag`), the optional diagonal first-order
envelope of the follow-up papers (:func:`diagonal_predictor`), the check of the first-order
(Fréchet) expansion in the gates' state dependence (:func:`expansion_check`, on the
``appB`` inputs of :func:`appB_inputs`), and the side-by-side training experiment
gated + SGD versus plain + Adam/RMSProp (:func:`compare_optimisers`).

**Convention.** Products of the factors :math:`c=1-u` follow ``convention="carry"``, the
factor that is *exact* when the gates are frozen and :math:`W_{\rm rec}=0`;
``convention="update"`` multiplies the write factors :math:`u` instead (see
:mod:`gatebook.learning.lag_profile`). :func:`carry_products` and :func:`condition_number`
take the convention by name; the measured quantities (:func:`preconditioner_condition`,
:func:`diagonal_predictor`) use the carry, the factor that the Jacobians themselves contain.
"""

from __future__ import annotations

import numbers
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import (
    as_generator,
    check_choice,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from ..progress import progress_bar
from ..tasks import TASKS, make_task
from .cells import LeakyRNN, MultiGateRNN, PlainRNN, RecurrentCell, ScalarGateRNN
from .expansion import first_order_expansion, jacobian_split, scaled_product
from .lag_profile import CONVENTIONS
from .products import jacobian_products
from .train import OPTIMIZERS, train, train_ensemble

__all__ = [
    "APPB_EPS",
    "DEFAULT_ARMS",
    "MODELS",
    "CreditByLag",
    "DiagonalEnvelope",
    "ExpansionCheck",
    "OptimiserComparison",
    "PreconditionerCondition",
    "appB_inputs",
    "carry_products",
    "compare_optimisers",
    "condition_number",
    "credit_by_lag",
    "diagonal_predictor",
    "expansion_check",
    "frozen_gate_cell",
    "preconditioner_condition",
]

#: The half-decade grid of scales ε of the ``appB`` check, from 1e-5 to 1.
APPB_EPS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)

#: Cell classes by the short names used in experiment arms.
MODELS = {"plain": PlainRNN, "leaky": LeakyRNN, "scalar": ScalarGateRNN, "multi": MultiGateRNN}

#: Arms of the side-by-side experiment: the learning rates of the paper's ``s2`` setting
#: (SGD 1e-2, adaptive optimisers 1e-3); plain + SGD is the control.
DEFAULT_ARMS = (
    {"model": "multi", "optimizer": "sgd", "lr": 1e-2, "label": "multi-gate + SGD"},
    {"model": "scalar", "optimizer": "sgd", "lr": 1e-2, "label": "scalar gate + SGD"},
    {"model": "plain", "optimizer": "sgd", "lr": 1e-2, "label": "plain + SGD"},
    {"model": "plain", "optimizer": "adam", "lr": 1e-3, "label": "plain + Adam"},
    {"model": "plain", "optimizer": "rmsprop", "lr": 1e-3, "label": "plain + RMSProp"},
)


@contextmanager
def _one_thread():
    """Run torch on one intra-op thread, then restore the previous setting.

    The matrices here are tiny (at most 64 x 64); extra threads only add synchronisation
    overhead, which becomes a several-fold slowdown when other processes share the cores.
    Also usable as a decorator.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# ---------------------------------------------------------------------------------------
# the exact case: frozen per-neuron gates
# ---------------------------------------------------------------------------------------


def _check_gates(gates, name: str = "gates") -> np.ndarray:
    if hasattr(gates, "detach"):
        gates = gates.detach().cpu().double().numpy()
    try:
        g = np.asarray(gates, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a 1-d array of gate values in (0, 1)") from err
    if g.ndim != 1 or g.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-d array (one gate value per neuron), got shape {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if np.any(g <= 0) or np.any(g >= 1):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got values in [{g.min()}, {g.max()}]")
    return g


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
    g = _check_gates(gates)
    max_lag = check_positive_int(max_lag, "max_lag")
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

    Examples
    --------
    >>> condition_number([0.5, 0.1], [0, 1, 2])
    array([1.  , 1.8 , 3.24])
    """
    c = _factors(_check_gates(gates), convention)
    lags = _check_lags(lags)
    return np.exp(lags * (np.log(c.max()) - np.log(c.min())))


def frozen_gate_cell(gates, input_size: int = 1, *, recurrent_scale: float = 0.0, nonlinearity: str = "tanh",
                     seed: int = 0, dtype=torch.float64) -> MultiGateRNN:
    r"""A :class:`MultiGateRNN` whose gates are frozen at ``gates`` (zero gate weights, bias :math:`\mathrm{logit}(u_i)`).

    With :math:`W^u_{\rm rec}=W^u_{\rm in}=0` the gate is :math:`u=\sigma(b^u)`, the same
    at every step, so the cell is a leaky network with one rate per neuron (the exact case
    of chapter 4). ``recurrent_scale`` multiplies the cell's initial :math:`W_{\rm rec}`
    (0 gives :math:`W_{\rm rec}=0` and the Jacobian :math:`\mathrm D(1-u)` exactly).

    Parameters
    ----------
    gates : array_like, shape (N,)
        Gate values in (0, 1); ``N`` is the hidden size.
    input_size : int
    recurrent_scale : float
        Non-negative factor applied to the initial recurrent weights.
    nonlinearity : {"tanh", "linear"}
    seed : int
        Seed of the other weights.
    dtype : torch.float32 or torch.float64

    Examples
    --------
    >>> cell = frozen_gate_cell([0.2, 0.5])
    >>> cell.rollout(torch.zeros(1, 3, 1, dtype=torch.float64))["write"][0, 0].tolist()
    [0.2, 0.5]
    """
    g = _check_gates(gates)
    scale = check_nonnegative_float(recurrent_scale, "recurrent_scale")
    cell = MultiGateRNN(input_size, g.size, gate_bias=0.5, gate_weights="zero", nonlinearity=nonlinearity,
                        seed=seed, dtype=dtype)
    with torch.no_grad():
        cell.b_g.copy_(torch.as_tensor(np.log(g) - np.log1p(-g), dtype=dtype))
        cell.W_r.mul_(scale)
    return cell


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
        :func:`frozen_gate_cell` (float64, median over start times).
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


@_one_thread()
def preconditioner_condition(gates, lags, *, r: int = 10, recurrent_scale: float = 0.0, seed: int = 0,
                             T: int | None = None, batch: int = 1) -> PreconditionerCondition:
    r"""Condition number and anisotropy of the frozen-gate preconditioner, predicted and measured.

    The prediction is :math:`\mathrm{cond}(\ell)=(c_{\max}/c_{\min})^{\ell}` and
    :math:`\mathrm{AI}_r(\ell)=(c_{(1)}/c_{(r)})^{\ell}` with the carries :math:`c=1-u`
    sorted in decreasing order (``convention="carry"``). The measurement builds a
    :func:`frozen_gate_cell`, runs it on seeded uniform inputs, takes the exact state
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
    g = _check_gates(gates)
    lags = _check_lags(lags)
    if np.any(lags < 1):
        raise ValueError(f"lags must be positive, got {lags.tolist()}")
    r = check_positive_int(r, "r")
    if r > g.size:
        raise ValueError(f"r ({r}) cannot exceed the number of neurons ({g.size})")
    batch = check_positive_int(batch, "batch")
    T = int(lags.max()) if T is None else check_positive_int(T, "T")
    if lags.max() > T:
        raise ValueError(f"the largest lag ({lags.max()}) cannot exceed T={T}")
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
        g = _check_gates(gates)
        if g.size != self.credit.shape[-1]:
            raise ValueError(f"gates has {g.size} values but the credit has {self.credit.shape[-1]} neurons")
        pi = carry_products(g, int(max(lags.max(), 1)))[lags]
        return np.median(np.abs(np.log(self.relative()[lags] / pi)), axis=1)


@_one_thread()
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
    if not isinstance(cell, RecurrentCell):
        raise TypeError(f"cell must be a gatebook.learning cell, got {type(cell).__name__}")
    u = cell._check_inputs(inputs)
    if not isinstance(targets, torch.Tensor) or targets.shape != (u.shape[0], 1):
        raise ValueError(f"targets must be a tensor of shape ({u.shape[0]}, 1), got {getattr(targets, 'shape', type(targets).__name__)}")
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
@_one_thread()
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
        raise TypeError("diagonal_predictor needs a per-neuron carry: a MultiGateRNN or a LeakyRNN, "
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


# ---------------------------------------------------------------------------------------
# the first-order (Fréchet) expansion, checked as in App. B
# ---------------------------------------------------------------------------------------


def appB_inputs(T: int = 100, m: int = 3, *, seed: int = 0, batch: int = 1, freq_range=(0.03, 0.09),
                time_span=(0.0, 12.0), phase_std: float = 1.0, noise_std: float = 0.05,
                dtype=torch.float64) -> torch.Tensor:
    r"""Inputs of the ``appB`` first-order check: slow sinusoids plus white noise.

    .. math:: I_{t,k} = \sin(f_k s_t + p_k) + \xi_{t,k},\qquad
              f_k=\mathrm{linspace}(f_{\min}, f_{\max}, m),\quad s_t=\mathrm{linspace}(s_0, s_1, T),

    with phases :math:`p_k\sim\mathcal N(0,\texttt{phase\_std}^2)` and noise
    :math:`\xi\sim\mathcal N(0,\texttt{noise\_std}^2)`, drawn per sequence (chapter 4).

    Parameters
    ----------
    T, m, batch : int
        Sequence length, input channels and number of sequences.
    seed : int
        Seed of the phases and the noise.
    freq_range, time_span : pair of float
        ``(f_min, f_max)`` and ``(s_0, s_1)``.
    phase_std, noise_std : float
        Non-negative standard deviations.
    dtype : torch.float32 or torch.float64

    Returns
    -------
    Tensor, shape (batch, T, m)

    Examples
    --------
    >>> tuple(appB_inputs(T=5, m=2, seed=0, batch=3).shape)
    (3, 5, 2)
    """
    T, m, batch = check_positive_int(T, "T"), check_positive_int(m, "m"), check_positive_int(batch, "batch")
    phase_std = check_nonnegative_float(phase_std, "phase_std")
    noise_std = check_nonnegative_float(noise_std, "noise_std")
    try:
        f_lo, f_hi = (float(v) for v in freq_range)
        s_lo, s_hi = (float(v) for v in time_span)
    except (TypeError, ValueError) as err:
        raise TypeError("freq_range and time_span must be pairs of numbers") from err
    if not all(np.isfinite([f_lo, f_hi, s_lo, s_hi])):
        raise ValueError("freq_range and time_span must be finite")
    rng = as_generator(seed)
    freqs = np.linspace(f_lo, f_hi, m)
    times = np.linspace(s_lo, s_hi, T)
    phases = phase_std * rng.standard_normal((batch, 1, m))
    x = np.sin(freqs[None, None, :] * times[None, :, None] + phases) + noise_std * rng.standard_normal((batch, T, m))
    return torch.as_tensor(x, dtype=dtype)


@dataclass
class ExpansionCheck:
    r"""Result of :func:`expansion_check`: the remainder of the first-order expansion per run.

    Attributes
    ----------
    model : str
    runs : list
        Seed (or example index) of each run.
    eps : ndarray, shape (K,)
        Scales :math:`\varepsilon`, increasing.
    errors : ndarray, shape (runs, K)
        :math:`E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi^{(0)}-\varepsilon\Phi^{(1)}\rVert_F`.
    slopes : ndarray, shape (runs,)
        Log–log slope of :math:`E` fitted on the ``fit_points`` smallest scales (NaN when
        :math:`E` vanishes there, e.g. :math:`W^u_{\rm rec}=0`, where :math:`\Phi_\varepsilon=\Phi^{(0)}`).
    fit_points : int
    norm_A, norm_B : ndarray, shape (runs, T)
        Spectral norms :math:`\lVert A_j\rVert_2` and :math:`\lVert B_j\rVert_2` of every step.
    change : ndarray, shape (runs,)
        :math:`\lVert\Phi_1-\Phi^{(0)}\rVert_F`, the whole effect of the gates' state dependence
        on the product (at :math:`\varepsilon=1`, the model's own Jacobians).
    product_norm : ndarray, shape (runs,)
        :math:`\lVert\Phi_1\rVert_F`.
    kept : ndarray of bool, shape (runs,)
        Runs whose :math:`E(\varepsilon_{\max})` lies inside the Tukey fences
        (``outlier_factor`` × IQR), as in the ``appB`` recipe.
    window : tuple of int
        ``(k, t)``: the product runs over the steps :math:`k+1..t` (the whole sequence).
    """

    model: str
    runs: list
    eps: np.ndarray
    errors: np.ndarray
    slopes: np.ndarray
    fit_points: int
    norm_A: np.ndarray
    norm_B: np.ndarray
    change: np.ndarray
    product_norm: np.ndarray
    kept: np.ndarray
    window: tuple = field(default=(0, 0))

    @property
    def c2(self) -> np.ndarray:
        r""":math:`C_2(\varepsilon)=E(\varepsilon)/\varepsilon^2`, shape (runs, K)."""
        return self.errors / self.eps[None, :] ** 2

    @property
    def ratios(self) -> np.ndarray:
        r"""Per-step ratios :math:`q_j=\lVert B_j\rVert_2/\lVert A_j\rVert_2`, shape (runs, T)."""
        return self.norm_B / self.norm_A

    @property
    def relative_remainder(self) -> np.ndarray:
        r""":math:`E(\varepsilon_{\max})/\lVert\Phi_1-\Phi^{(0)}\rVert_F`: the share of the gates' effect the first order misses."""
        out = np.full(self.change.shape, np.nan)
        np.divide(self.errors[:, -1], self.change, out=out, where=self.change > 0)
        return out

    def c2_flatness(self, points: int | None = None) -> np.ndarray:
        r"""``max/min`` of :math:`C_2` over the ``points`` smallest scales (default ``fit_points``), per run."""
        k = self.fit_points if points is None else check_positive_int(points, "points")
        c2 = self.c2[:, :k]
        return c2.max(axis=1) / c2.min(axis=1)


def _model_class(name):
    check_choice(name, "model", set(MODELS))
    return MODELS[name]


def _check_eps(eps_grid) -> np.ndarray:
    eps = np.asarray(eps_grid, dtype=float)
    if eps.ndim != 1 or eps.size < 2:
        raise ValueError("eps_grid must be a 1-d sequence of at least two scales")
    if not np.all(np.isfinite(eps)) or np.any(eps <= 0):
        raise ValueError("eps_grid must hold positive, finite scales")
    if np.any(np.diff(eps) <= 0):
        raise ValueError("eps_grid must be strictly increasing")
    return eps


def _tukey_kept(values: np.ndarray, factor: float) -> np.ndarray:
    q1, q3 = np.percentile(values, [25, 75])
    spread = factor * (q3 - q1)
    return (values >= q1 - spread) & (values <= q3 + spread)


@_one_thread()
def expansion_check(model="multi", *, inputs: torch.Tensor | None = None, seeds=(0, 1, 2, 3, 4), T: int = 100,
                    n: int = 64, m: int = 3, eps_grid=APPB_EPS, fit_points: int = 5, outlier_factor: float = 1.5,
                    progress: bool = False) -> ExpansionCheck:
    r"""Check the first-order (Fréchet) expansion of the Jacobian product, as in the ``appB`` setting.

    With the split :math:`\mathcal J_j=A_j+B_j` (gates frozen, plus the gates' state
    dependence) and :math:`\Phi_\varepsilon=\prod_{j=1}^{T}(A_j+\varepsilon B_j)` (later factors on
    the left),

    .. math:: \Phi_\varepsilon=\Phi^{(0)}+\varepsilon\,\Phi^{(1)}+O(\varepsilon^2),\qquad
              E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi^{(0)}-\varepsilon\Phi^{(1)}\rVert_F,\qquad
              C_2(\varepsilon)=E(\varepsilon)/\varepsilon^2 .

    The log–log slope of :math:`E` on the smallest scales must be 2 and :math:`C_2` flat
    there; the per-step ratios :math:`q_j=\lVert B_j\rVert_2/\lVert A_j\rVert_2` say how
    large each step's correction is (chapter 4). Everything is computed in float64.

    Parameters
    ----------
    model : {"multi", "scalar"} or RecurrentCell
        A model name: one cell (``init="normal"``, all weights :math:`\mathcal N(0,0.2^2)`)
        and one :func:`appB_inputs` trajectory per seed. Or a float64 gated cell, in which
        case ``inputs`` is required and each of its sequences is one run.
    inputs : Tensor, shape (batch, T, m), optional
        Only with a cell.
    seeds : sequence of int
        Seeds of the runs (model names only).
    T, n, m : int
        Sequence length, hidden size and inputs (model names only; ``appB``: 100, 64, 3).
    eps_grid : sequence of float
        Increasing positive scales (default :data:`APPB_EPS`).
    fit_points : int
        Number of smallest scales used for the slope (``>= 2``).
    outlier_factor : float
        Tukey-fence factor for :attr:`ExpansionCheck.kept`.
    progress : bool
        Progress bar over runs.

    Returns
    -------
    ExpansionCheck

    Examples
    --------
    >>> chk = expansion_check("multi", seeds=(0,), T=20, n=8)
    >>> bool(1.9 <= chk.slopes[0] <= 2.1)
    True
    """
    eps = _check_eps(eps_grid)
    fit_points = check_positive_int(fit_points, "fit_points")
    if not 2 <= fit_points <= eps.size:
        raise ValueError(f"fit_points must lie in [2, {eps.size}] (the number of scales), got {fit_points}")
    outlier_factor = check_positive_float(outlier_factor, "outlier_factor")
    if isinstance(model, RecurrentCell):
        cell = model
        if not cell.gated:
            raise ValueError("model must be a gated cell (ScalarGateRNN or MultiGateRNN): an ungated cell has B = 0")
        if cell.W_r.dtype != torch.float64:
            raise ValueError("the cell must be float64: in float32 the O(eps^2) remainder hits round-off near eps = 1e-3")
        if inputs is None:
            raise ValueError("inputs are required when model is a cell")
        u = cell._check_inputs(inputs)
        jobs = [(cell, u[b:b + 1]) for b in range(u.shape[0])]
        runs, name = list(range(u.shape[0])), type(cell).__name__
    else:
        name = model
        cls = _model_class(model)
        if not cls.gated:
            raise ValueError(f"model must be 'multi' or 'scalar' (a gated cell), got {model!r}")
        if inputs is not None:
            raise ValueError("inputs can only be given together with a cell; model names draw appB inputs")
        T, n, m = check_positive_int(T, "T"), check_positive_int(n, "n"), check_positive_int(m, "m")
        runs = [int(s) for s in seeds]
        if not runs:
            raise ValueError("seeds must be a non-empty sequence of non-negative integers")
        jobs = ((cls(m, n, init="normal", seed=s, dtype=torch.float64), appB_inputs(T, m, seed=s)) for s in runs)
    errors, normA, normB, change, pnorm = [], [], [], [], []
    window = None
    for cell, u in progress_bar(jobs, total=len(runs), desc="first-order check", enabled=progress):
        A, B = jacobian_split(cell, u)  # (1, T, n, n) each
        steps = A.shape[1]
        window = (0, steps)
        phi0, first = first_order_expansion(A, B, 0, steps)
        # Every Phi_eps at once: the scales go along the batch axis of scaled_product
        # (the same arithmetic as truncation_error, one batched pass instead of one per eps).
        scale = torch.as_tensor(np.append(eps, 1.0), dtype=A.dtype)[:, None, None, None]
        phis = scaled_product(A.expand(scale.shape[0], -1, -1, -1), scale * B, 0, steps, 1.0)
        errors.append(torch.linalg.matrix_norm(phis[:-1] - phi0 - scale[:-1, 0] * first).numpy())
        change.append(float(torch.linalg.matrix_norm(phis[-1] - phi0[0])))
        pnorm.append(float(torch.linalg.matrix_norm(phis[-1])))
        normA.append(torch.linalg.matrix_norm(A[0], ord=2).numpy())
        normB.append(torch.linalg.matrix_norm(B[0], ord=2).numpy())
    errors = np.array(errors)
    x = np.log(eps[:fit_points])
    slopes = np.full(errors.shape[0], np.nan)  # NaN where E vanishes (W_rg = 0: no correction at all)
    fit = np.all(errors[:, :fit_points] > 0, axis=1)
    if fit.any():
        slopes[fit] = np.polyfit(x, np.log(errors[fit, :fit_points]).T, 1)[0]
    return ExpansionCheck(
        model=name, runs=runs, eps=eps, errors=errors, slopes=slopes, fit_points=fit_points,
        norm_A=np.array(normA), norm_B=np.array(normB), change=np.array(change), product_norm=np.array(pnorm),
        kept=_tukey_kept(errors[:, -1], outlier_factor), window=window,
    )


# ---------------------------------------------------------------------------------------
# side by side: gated cells with SGD against a plain cell with Adam / RMSProp
# ---------------------------------------------------------------------------------------


@dataclass
class OptimiserComparison:
    r"""Training losses of several (model, optimiser) arms over the same seeds and batches.

    Attributes
    ----------
    arms : list of dict
        ``model``, ``optimizer``, ``lr`` and ``label`` of each arm.
    seeds : list of int
    loss : ndarray, shape (arms, seeds, steps)
        Training-batch MSE before each update.
    task : str
    settings : dict
        ``T``, ``n``, ``m``, ``batch``, ``steps``.
    mean_predictor_mse : float or None
        MSE of the best constant prediction (1/6 for adding).
    window : int
        Averaging window for smoothed and final losses.
    """

    arms: list
    seeds: list
    loss: np.ndarray
    task: str
    settings: dict
    mean_predictor_mse: float | None
    window: int = 20

    @property
    def labels(self) -> list:
        return [a["label"] for a in self.arms]

    def smoothed(self) -> np.ndarray:
        r"""Running mean of the loss over :attr:`window` iterations (shorter at the start), shape (arms, seeds, steps)."""
        c = np.cumsum(np.concatenate([np.zeros(self.loss.shape[:2] + (1,)), self.loss], axis=-1), axis=-1)
        idx = np.arange(1, self.loss.shape[-1] + 1)
        lo = np.maximum(idx - self.window, 0)
        return (c[..., idx] - c[..., lo]) / (idx - lo)

    def final_loss(self) -> np.ndarray:
        r"""Mean loss over the last :attr:`window` iterations, shape (arms, seeds)."""
        return self.loss[..., -self.window:].mean(axis=-1)

    def paired_difference(self, arm: int | str, reference: int | str) -> np.ndarray:
        r"""Final loss of ``arm`` minus that of ``reference``, seed by seed (both saw the same batches)."""
        i, j = self._index(arm), self._index(reference)
        fl = self.final_loss()
        return fl[i] - fl[j]

    def _index(self, arm) -> int:
        if isinstance(arm, str):
            if arm not in self.labels:
                raise ValueError(f"unknown arm {arm!r}; choose one of {self.labels}")
            return self.labels.index(arm)
        if isinstance(arm, bool) or not isinstance(arm, numbers.Integral) or not 0 <= arm < len(self.arms):
            raise ValueError(f"arm must be a label or an index in [0, {len(self.arms)}), got {arm!r}")
        return int(arm)

    def to_markdown(self, reference: int | str | None = None) -> str:
        r"""A Markdown table: one row per arm with its step size, final loss (mean ± s.d. over seeds),
        the ratio to the mean-predictor MSE and, if ``reference`` is given, in how many seeds
        the arm ended below the reference arm (same batches, so seed by seed)."""
        ref = None if reference is None else self._index(reference)
        head = "| arm | step size $\\mu$ | final loss (mean ± s.d.) | ÷ mean predictor |"
        rule = "|---|---|---|---|"
        if ref is not None:
            head += f" below {self.labels[ref]} in |"
            rule += "---|"
        lines = [head, rule]
        for k, row in enumerate(self.summary()):
            ratio = "–" if row["ratio"] is None else f"{row['ratio']:.3f}"
            line = f"| {row['label']} | {self.arms[k]['lr']:g} | {row['mean']:.4f} ± {row['sd']:.4f} | {ratio} |"
            if ref is not None:
                line += (" – |" if k == ref else
                         f" {int((self.paired_difference(k, ref) < 0).sum())} of {len(self.seeds)} seeds |")
            lines.append(line)
        return "\n".join(lines)

    def summary(self) -> list:
        r"""One dict per arm: ``label``, ``mean`` and ``sd`` of the final loss over seeds, and ``ratio`` = mean / mean-predictor MSE."""
        fl = self.final_loss()
        rows = []
        for a, vals in zip(self.arms, fl):
            sd = float(vals.std(ddof=1)) if vals.size > 1 else 0.0
            ratio = float(vals.mean() / self.mean_predictor_mse) if self.mean_predictor_mse else None
            rows.append({"label": a["label"], "mean": float(vals.mean()), "sd": sd, "ratio": ratio})
        return rows


def _check_arms(arms) -> list:
    if isinstance(arms, dict) or not hasattr(arms, "__iter__"):
        raise TypeError("arms must be a sequence of dicts with keys 'model', 'optimizer', 'lr' (and optional 'label')")
    out = []
    for k, arm in enumerate(arms):
        if not isinstance(arm, dict):
            raise TypeError(f"arms[{k}] must be a dict, got {type(arm).__name__}")
        unknown = set(arm) - {"model", "optimizer", "lr", "label"}
        if unknown:
            raise ValueError(f"arms[{k}] has unknown keys {sorted(unknown)}")
        model = check_choice(arm.get("model"), f"arms[{k}]['model']", set(MODELS))
        opt = check_choice(arm.get("optimizer"), f"arms[{k}]['optimizer']", set(OPTIMIZERS))
        lr = check_positive_float(arm.get("lr"), f"arms[{k}]['lr']")
        label = arm.get("label") or f"{model} + {opt}"
        out.append({"model": model, "optimizer": opt, "lr": lr, "label": str(label)})
    if not out:
        raise ValueError("arms must not be empty")
    labels = [a["label"] for a in out]
    if len(set(labels)) != len(labels):
        raise ValueError(f"arm labels must be distinct, got {labels}")
    return out


def _train_seeds(arm: dict, seeds: list, task: str, *, T, n, m, steps, batch) -> np.ndarray:
    """Train one arm once per seed; the only place that calls the training loop. Returns (seeds, steps) losses.

    Member ``s`` has initial weights ``seed=s`` and the batch sequence of ``train(..., seed=s)``,
    so every arm sees the same batches. Several seeds are trained at once with
    :func:`~gatebook.learning.train.train_ensemble` (the same arithmetic as one
    :func:`~gatebook.learning.train.train` per seed, which is used for a single seed).
    """
    cls = MODELS[arm["model"]]

    def make_cell(s):
        return cls(m, n, seed=s)

    kwargs = dict(optimizer=arm["optimizer"], lr=arm["lr"], steps=steps, batch=batch, task_kwargs={"T": T},
                  progress=False)
    if len(seeds) > 1:
        return np.stack([h.loss for h in train_ensemble(make_cell, seeds, task, **kwargs).histories])
    return np.stack([train(make_cell(s), task, seed=s, **kwargs).loss for s in seeds])


@_one_thread()
def compare_optimisers(arms=DEFAULT_ARMS, task: str = "adding", *, seeds=(0, 1, 2), steps: int = 150, T: int = 40,
                       n: int = 32, m: int = 4, batch: int = 32, window: int = 20,
                       progress: bool = True) -> OptimiserComparison:
    r"""Train gated and plain cells with different optimisers on the same seeded batches (chapter 4).

    Every arm trains ``model`` with ``optimizer`` at step size ``lr`` on the final-time MSE

    .. math:: \mathcal L=\frac1B\sum_b\big(W_{\rm out}x^{(b)}_T-y^{(b)}\big)^2,

    once per seed; seed ``s`` fixes both the initial weights and the batch sequence, so the
    arms differ only in model and optimiser and can be compared seed by seed. Losses are
    summarised by their mean and standard deviation over seeds and compared with the MSE
    of the best constant prediction (:math:`1/6` for adding).

    Parameters
    ----------
    arms : sequence of dict
        Each with ``model`` (``"plain"``, ``"leaky"``, ``"scalar"``, ``"multi"``),
        ``optimizer`` (``"sgd"``, ``"momentum"``, ``"rmsprop"``, ``"adam"``), ``lr`` and an
        optional ``label``. Default :data:`DEFAULT_ARMS`.
    task : str
        A task name of :mod:`gatebook.tasks`.
    seeds : sequence of int
        Distinct non-negative seeds.
    steps, T, n, m, batch : int
        Updates, sequence length, hidden size, input channels, batch size.
    window : int
        Averaging window for the final loss (``<= steps``).
    progress : bool
        Progress bar over arms.

    Returns
    -------
    OptimiserComparison

    Examples
    --------
    >>> arms = [{"model": "plain", "optimizer": "adam", "lr": 1e-3}]
    >>> cmp = compare_optimisers(arms, seeds=(0,), steps=3, T=6, n=4, window=2, progress=False)
    >>> cmp.loss.shape
    (1, 1, 3)
    """
    arms = _check_arms(arms)
    check_choice(task, "task", set(TASKS))
    steps, T, n, m, batch = (check_positive_int(v, k) for v, k in
                             ((steps, "steps"), (T, "T"), (n, "n"), (m, "m"), (batch, "batch")))
    window = check_positive_int(window, "window")
    if window > steps:
        raise ValueError(f"window ({window}) cannot exceed steps ({steps})")
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of non-negative integers, got {seeds}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    seeds = [int(s) for s in seeds]
    info = make_task(task, 1, T=T, m=m, seed=0).info
    losses = [_train_seeds(arm, seeds, task, T=T, n=n, m=m, steps=steps, batch=batch)
              for arm in progress_bar(arms, desc="arms", enabled=progress)]
    return OptimiserComparison(arms=arms, seeds=seeds, loss=np.stack(losses), task=task,
                               settings={"T": T, "n": n, "m": m, "batch": batch, "steps": steps},
                               mean_predictor_mse=info.get("mean_predictor_mse"), window=window)
