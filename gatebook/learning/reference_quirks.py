r"""The reference code's choices, one at a time, so that their effect can be measured (chapter 3).

The book computes every quantity of Livi (2025) the way the science note prescribes: exact
Jacobians with the pre-update state, products with new factors on the left, exact float64
singular values, a predictor with one factor per lag, fresh seeded batches and informative
AR(2) inputs. The code released with the paper differs in six places. Each is a *quirk*
here, named in :data:`QUIRKS`, and each can be switched on alone
(``reproduce(..., reference_quirks=[name])``) or all together (``reference_quirks=True``):

``"reversed_order"``
    Products accumulate the earliest factor on the left,

    .. math:: \Phi^{\rm rev}(t,k)=J_{k+1}J_{k+2}\cdots J_t
              \quad\text{instead of}\quad \Phi(t,k)=J_tJ_{t-1}\cdots J_{k+1}=\frac{\partial x_t}{\partial x_k}.

    It is the product of the same factors taken in the reverse time order, so it is
    computed by reversing the time axis and using the ordinary recursion.
``"post_update_state"``
    The gate term of :math:`J_j=A_j+B_j` uses the new state :math:`x_j` instead of
    :math:`x_{j-1}`. Since :math:`\phi(a_j)-x_j=(1-g_j)\odot(\phi(a_j)-x_{j-1})`,

    .. math:: B_j^{\rm quirk}=\mathrm{diag}(1-g_j)\,B_j,\qquad
              B_j=\mathrm{diag}\big((\phi(a_j)-x_{j-1})\odot\sigma'(a^g_j)\big)W_{rg}.
``"extra_gate_factor"``
    The gated predictors multiply the factors :math:`c_j` for :math:`j=k,\dots,t`, one more
    than the lag: :math:`P^{\rm quirk}_{t,k}=c_k\,P_{t,k}` for a scalar gate (inside the
    mean over neurons for per-neuron gates). The leaky predictor keeps :math:`h` factors,
    as in the reference. A pair that starts at the initial state :math:`x_0` has no
    :math:`c_0` and keeps the correct predictor.
``"power_iteration"``
    :math:`S_{t,k}=\lVert\Phi(t,k)\rVert_2` from :data:`POWER_ITERATIONS` float32 power
    iterations, :math:`v\leftarrow\Phi^\top\Phi v/\lVert\Phi^\top\Phi v\rVert`,
    :math:`\hat S=\lVert\Phi v\rVert`, from a random start (unseeded in the reference,
    seeded here), instead of an exact float64 SVD. :math:`\hat S\le S` up to round-off.
    The iterations run on the renormalised product, so the quirk is the few iterations
    and the precision, not underflow.
``"fixed_batch"``
    Sec. VII-B trains on one batch reused at every iteration, changed only by a
    :math:`10^{-6}` jitter of the inputs, and saves "iteration 0" after the first update.
    Here the batch is drawn once with :data:`FIXED_BATCH_SEED` (the same for every run,
    as a freshly built default generator gives); the jitter follows the run's batch seeds.
``"distractor_inputs"``
    The AR(2) task shows i.i.d. :math:`\mathcal U(0,1)` inputs that are independent of its
    target (``ar2(inputs="distractor")``), so nothing can be learned beyond the mean.

:data:`STUDY_QUIRKS` says which quirks touch which study of
:func:`~gatebook.learning.reproduce.reproduce`. The functions below are the quirk-aware
versions of the book's Jacobians, products, norms and predictor; the studies call them
through a ``reference_quirks=`` keyword whose default (no quirk) leaves every result
unchanged, bit for bit.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import torch

from .._validation import check_int, check_int_sequence
from .common import check_cell, check_tensor
from .lag_profile import LagProfile, check_conventions, check_max_lag, check_trim, lag_fit, log_gate_products
from .products import jacobian_products, pair_log_singular_values, propagator
from .tasks import TASKS, TaskBatch, make_task
from .train import TrainingHistory

__all__ = [
    "FIXED_BATCH_SEED", "JITTER", "POWER_ITERATIONS", "PRODUCT_QUIRKS", "QUIRKS", "STUDY_QUIRKS", "check_quirks",
    "power_norm", "quirk_jacobians", "quirk_lag_profiles", "quirk_log_gate_products", "quirk_log_sensitivities",
    "quirk_pair_log_singular_values", "quirk_propagator", "quirk_split", "quirk_task_kwargs", "quirk_training",
    "relabel_checkpoints",
]

#: The reference code's choices, by name, with what each does (see the module docstring).
QUIRKS = {
    "reversed_order": "products accumulate J_{k+1}...J_t (earliest factor on the left) instead of J_t...J_{k+1}",
    "post_update_state": "the gate term of J_j uses x_j instead of x_{j-1}, so B_j carries an extra factor (1 - g_j)",
    "extra_gate_factor": "gated predictors multiply c_j for j = k..t, one factor more than the lag",
    "power_iteration": "||Phi||_2 from 5 float32 power iterations from a random start, not an exact float64 SVD",
    "fixed_batch": "one training batch reused at every step with 1e-6 jitter; checkpoint 0 after the first update",
    "distractor_inputs": "AR(2) inputs are i.i.d. U(0, 1), independent of the target",
}

#: The quirks that change each study of :func:`~gatebook.learning.reproduce.reproduce`.
STUDY_QUIRKS = {
    "s1": ("reversed_order", "post_update_state", "extra_gate_factor", "power_iteration"),
    "s2": ("reversed_order", "post_update_state", "fixed_batch", "distractor_inputs"),
    "appB": ("reversed_order", "post_update_state"),
}

#: The quirks that change a Jacobian product (the others change the predictor, the norm or the data).
PRODUCT_QUIRKS = ("reversed_order", "post_update_state")

#: Power iterations of the ``"power_iteration"`` quirk.
POWER_ITERATIONS = 5
#: Standard deviation of the input jitter of the ``"fixed_batch"`` quirk.
JITTER = 1e-6
#: Seed of the one training batch of the ``"fixed_batch"`` quirk.
FIXED_BATCH_SEED = 0


def check_quirks(quirks, *, applicable=None, name: str = "quirks") -> tuple:
    """Quirk names as a tuple in the order of :data:`QUIRKS` (chapter 3).

    ``quirks`` is ``False`` or ``None`` (none), ``True`` (every applicable quirk), one name,
    or a collection of names from :data:`QUIRKS`. ``applicable`` (default: all of
    :data:`QUIRKS`) restricts the names accepted; ``name`` is the argument named in errors.

    Examples
    --------
    >>> check_quirks(["post_update_state", "reversed_order"])
    ('reversed_order', 'post_update_state')
    >>> check_quirks(True, applicable=STUDY_QUIRKS["appB"])
    ('reversed_order', 'post_update_state')
    >>> check_quirks(["nope"], name="reference_quirks")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown quirk 'nope' in reference_quirks; choose from [...]
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {name!r}")
    allowed = tuple(QUIRKS) if applicable is None else check_quirks(applicable, name="applicable")
    if quirks is None or quirks is False:
        return ()
    if quirks is True:
        return allowed
    if isinstance(quirks, str):
        quirks = (quirks,)
    if isinstance(quirks, (bytes, numbers.Number)) or not hasattr(quirks, "__iter__"):
        raise TypeError(f"{name} must be True, False or a collection of quirk names from {list(QUIRKS)}, "
                        f"got {quirks!r}")
    items = list(quirks)
    for q in items:
        if not isinstance(q, str):
            raise TypeError(f"{name} must hold quirk names from {list(QUIRKS)}, got {q!r}")
        if q not in QUIRKS:
            raise ValueError(f"unknown quirk {q!r} in {name}; choose from {list(QUIRKS)}")
        if q not in allowed:
            raise ValueError(f"{name}: the quirk {q!r} does not apply here; the applicable ones are {list(allowed)}")
    return tuple(q for q in QUIRKS if q in items)


# ---------------------------------------------------------------------------
# Jacobians and products
# ---------------------------------------------------------------------------


def _split(cell, rollout, post_update: bool):
    """``(A, B)`` from a rollout; ``B`` uses ``x_j`` (post-update) or ``x_{j-1}`` in its state difference."""
    gamma = rollout["write"]
    A = (gamma * cell.phi_prime_from_candidate(rollout["candidate"])).unsqueeze(-1) * cell.W_r
    A = A + torch.diag_embed((1.0 - gamma).expand(*gamma.shape[:2], cell.hidden_size))
    W_rg = cell.gate_recurrent_weights()
    if W_rg is None:
        return A, torch.zeros_like(A)
    s = torch.sigmoid(rollout["gate_pre"])
    d = rollout["candidate"] - (rollout["states"] if post_update else rollout["previous"])
    return A, (d * s * (1.0 - s)).unsqueeze(-1) * W_rg


def _jacobians(cell, rollout, quirks) -> torch.Tensor:
    if "post_update_state" not in quirks:
        return cell.jacobians_from_rollout(rollout)
    A, B = _split(cell, rollout, post_update=True)
    return A + B


@torch.no_grad()
def quirk_jacobians(cell, inputs, quirks=()) -> torch.Tensor:
    r"""State Jacobians :math:`J_j=A_j+B_j` as the quirks build them, ``(batch, T, n, n)`` (chapter 3).

    With ``"post_update_state"`` the gate term uses :math:`x_j`, i.e.
    :math:`B_j\to\mathrm{diag}(1-g_j)B_j`; otherwise this is ``cell.state_jacobians(inputs)``.
    The factors stay in time order (``J[:, j]`` is :math:`J_{j+1}`); products order them.
    """
    quirks = check_quirks(quirks, name="quirks")
    return _jacobians(check_cell(cell), cell.rollout(inputs), quirks)


@torch.no_grad()
def quirk_split(cell, inputs, quirks=()):
    r"""``(A, B)`` of the first-order check as the quirks build them (chapter 4's App. B).

    ``"post_update_state"`` gives :math:`B_j\to\mathrm{diag}(1-g_j)B_j`; ``"reversed_order"``
    reverses the time axis of both, so that the forward recursions of
    :func:`~gatebook.learning.first_order_expansion` and
    :func:`~gatebook.learning.scaled_product` over the whole sequence build
    :math:`\prod_j(A_j+\varepsilon B_j)` with the earliest factor on the left.
    """
    quirks = check_quirks(quirks, name="quirks")
    A, B = _split(check_cell(cell), cell.rollout(inputs), "post_update_state" in quirks)
    if "reversed_order" in quirks:
        A, B = A.flip(1), B.flip(1)
    return A, B


def quirk_propagator(J: torch.Tensor, t: int, k: int, quirks=()) -> torch.Tensor:
    r"""One product of the factors :math:`J_{k+1},\dots,J_t`, ``(batch, n, n)`` (chapter 3).

    :math:`J_t\cdots J_{k+1}=\partial x_t/\partial x_k` (as :func:`~gatebook.learning.propagator`),
    or with ``"reversed_order"`` :math:`J_{k+1}\cdots J_t`, which is not a derivative of the
    rollout. The other quirks do not change a product of given factors.

    Examples
    --------
    >>> J = torch.tensor([[[[1.0, 1.0], [0.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]]])
    >>> quirk_propagator(J, 2, 0)[0].tolist(), quirk_propagator(J, 2, 0, ["reversed_order"])[0].tolist()
    ([[1.0, 1.0], [1.0, 2.0]], [[2.0, 1.0], [1.0, 1.0]])
    """
    quirks = check_quirks(quirks, name="quirks")
    if "reversed_order" not in quirks:
        return propagator(J, t, k)
    _check_J(J)
    T = J.shape[1]
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (t, k)) or not 0 <= k <= t <= T:
        raise ValueError(f"need integers 0 <= k <= t <= T={T}, got t={t!r}, k={k!r}")
    return propagator(J.flip(1), T - int(k), T - int(t))  # J_{k+1} ends up on the left


def _check_J(J) -> None:
    if not isinstance(J, torch.Tensor) or J.ndim != 4:
        raise ValueError(f"J must be a tensor of shape (batch, T, n, n), got {getattr(J, 'shape', type(J).__name__)}")


def _check_dtype(dtype) -> None:
    if not isinstance(dtype, torch.dtype) or dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")


def _check_power(iterations, seed) -> tuple:
    return check_int(iterations, "iterations", minimum=0, maximum=10**6), check_int(seed, "seed", minimum=0)


def _power(M: torch.Tensor, iterations: int, gen: torch.Generator) -> torch.Tensor:
    v = torch.randn(*M.shape[:-2], M.shape[-1], 1, generator=gen, dtype=M.dtype)
    v = v / torch.linalg.vector_norm(v, dim=(-2, -1), keepdim=True)
    tiny = torch.finfo(M.dtype).tiny
    for _ in range(iterations):
        w = M.mT @ (M @ v)
        v = w / torch.linalg.vector_norm(w, dim=(-2, -1), keepdim=True).clamp_min(tiny)
    return torch.linalg.vector_norm(M @ v, dim=(-2, -1))


def power_norm(P: torch.Tensor, *, iterations: int = POWER_ITERATIONS, seed: int = 0,
               dtype=torch.float32) -> torch.Tensor:
    r"""Power-iteration estimate of :math:`\lVert P\rVert_2` for every matrix of ``P`` (``(..., p, q)``) (chapter 3).

    From a random unit vector :math:`v` (seeded with ``seed``), ``iterations`` steps
    :math:`v\leftarrow P^\top Pv/\lVert P^\top Pv\rVert` in ``dtype``, then
    :math:`\hat\sigma=\lVert Pv\rVert`. Since :math:`v` has unit length,
    :math:`\hat\sigma\le\sigma_1` up to round-off, and :math:`\hat\sigma\to\sigma_1` as the
    iterations grow, geometrically with ratio :math:`(\sigma_2/\sigma_1)^2`. The reference
    code uses 5 iterations in float32. Returned in ``P``'s dtype.

    Examples
    --------
    >>> P = torch.diag(torch.tensor([3.0, 1.0], dtype=torch.float64))[None]
    >>> bool(power_norm(P) <= 3.0 + 1e-5), round(float(power_norm(P, iterations=50)), 5)
    (True, 3.0)
    """
    P = check_tensor(P, "P", shape="(..., p, q)")
    if P.ndim < 2 or P.shape[-1] < 1 or P.shape[-2] < 1:
        raise ValueError(f"P must have shape (..., p, q) with p, q >= 1, got {tuple(P.shape)}")
    iterations, seed = _check_power(iterations, seed)
    _check_dtype(dtype)
    return _power(P.to(dtype), iterations, torch.Generator().manual_seed(seed)).to(P.dtype)


def quirk_log_sensitivities(J: torch.Tensor, max_lag: int | None = None, quirks=(), *,
                            iterations: int = POWER_ITERATIONS, seed: int = 0) -> list:
    r""":math:`\ln S_{t,k}` for every lag ``h = 1..max_lag``: a list of ``(batch, T-h+1)`` tensors (chapter 3).

    Entry ``i`` at lag ``h`` is the pair :math:`(t,k)=(i+h,i)`, as in
    :func:`~gatebook.learning.jacobian_products`, which computes the default (exact SVD of
    :math:`J_t\cdots J_{k+1}`). ``"reversed_order"`` uses :math:`J_{k+1}\cdots J_t`;
    ``"power_iteration"`` replaces the SVD by :func:`power_norm` (``iterations`` float32
    steps; one generator seeded with ``seed`` for all pairs) on the renormalised product.
    """
    quirks = check_quirks(quirks, name="quirks")
    _check_J(J)
    iterations, seed = _check_power(iterations, seed)
    reverse = "reversed_order" in quirks
    Jw = J.flip(1) if reverse else J
    if "power_iteration" not in quirks:
        products = jacobian_products(Jw, max_lag, top=1)
        logS = [products.log_sensitivity(h) for h in products.lags]
    else:
        check_tensor(J, "J", ndim=4, shape="(batch, T, n, n)")
        max_lag = check_max_lag(max_lag, J.shape[1])
        gen = torch.Generator().manual_seed(seed)
        tiny = torch.finfo(J.dtype).tiny
        P, log_scale, logS = Jw, torch.zeros(J.shape[:2], dtype=J.dtype), []
        for h in range(1, max_lag + 1):  # the recursion of jacobian_products, with a power-iteration norm
            if h > 1:
                P = Jw[:, h - 1:] @ P[:, :-1]
                log_scale = log_scale[:, :-1]
            norm = torch.linalg.matrix_norm(P).clamp_min(tiny)
            P = P / norm[..., None, None]
            log_scale = log_scale + torch.log(norm)
            estimate = _power(P.to(torch.float32), iterations, gen).to(J.dtype)
            logS.append(torch.log(estimate.clamp_min(tiny)) + log_scale)
    return [s.flip(-1) for s in logS] if reverse else logS  # back to the pair (i + h, i) at entry i


def quirk_pair_log_singular_values(J: torch.Tensor, examples, starts, lag: int, quirks=(), *,
                                   top: int | None = None) -> torch.Tensor:
    r""":func:`~gatebook.learning.pair_log_singular_values` with the product order of the quirks (chapter 5).

    With ``"reversed_order"`` the pair starting at :math:`k` gets the singular values of
    :math:`J_{k+1}\cdots J_{k+h}` instead of :math:`J_{k+h}\cdots J_{k+1}`.
    """
    quirks = check_quirks(quirks, name="quirks")
    if "reversed_order" not in quirks:
        return pair_log_singular_values(J, examples, starts, lag, top=top)
    _check_J(J)
    h = check_int(lag, "lag", minimum=1, maximum=J.shape[1])
    k = np.asarray(starts.detach().cpu().numpy() if isinstance(starts, torch.Tensor) else starts)
    if k.dtype.kind not in "iu":
        raise TypeError(f"starts must be a sequence of integers, got {starts!r}")
    return pair_log_singular_values(J.flip(1), examples, J.shape[1] - h - k, h, top=top)


# ---------------------------------------------------------------------------
# the predictor and the lag profile
# ---------------------------------------------------------------------------


def quirk_log_gate_products(write: torch.Tensor, convention: str, max_lag: int, quirks=()) -> list:
    r""":math:`\ln P_{t,k}` for every lag, as :func:`~gatebook.learning.log_gate_products`, with the quirks (chapter 3).

    With ``"extra_gate_factor"`` each pair :math:`(t,k)` with :math:`k\ge1` gets the factor
    :math:`c_k` too (inside the mean over neurons for per-neuron write factors):
    :math:`P^{\rm quirk}_{t,k}=\mathrm{mean}_i\,c_{k,i}\prod_{j=k+1}^{t}c_{j,i}`. The pairs
    at :math:`k=0` have no :math:`c_0` and keep :math:`P_{t,0}`.
    """
    quirks = check_quirks(quirks, name="quirks")
    out = log_gate_products(write, convention, max_lag)
    if "extra_gate_factor" not in quirks:
        return out
    c = 1.0 - write if convention == "carry" else write
    logc = torch.log(c.clamp_min(torch.finfo(c.dtype).tiny))  # (batch, T, width); logc[:, j - 1] is ln c_j
    cum = torch.cat([torch.zeros_like(logc[:, :1]), torch.cumsum(logc, dim=1)], dim=1)
    extra = torch.cat([torch.zeros_like(logc[:, :1]), logc], dim=1)  # ln c_k at k = 0..T (none at k = 0)
    quirky = []
    for h in range(1, len(out) + 1):
        per_unit = cum[:, h:] - cum[:, :-h] + extra[:, :-h]  # factors j = k..k+h for the pair (k + h, k)
        quirky.append(torch.logsumexp(per_unit, dim=-1) - math.log(per_unit.shape[-1]))
    return quirky


def _profile(lags, log_measured, med_P, fit, convention) -> LagProfile:
    log_predicted = med_P - med_P[0]
    predicted = torch.exp(log_predicted)
    return LagProfile(lags=lags, measured=torch.exp(log_measured), predicted=predicted, fitted=predicted ** fit.slope,
                      slope=fit.slope, r2=fit.r2, convention=convention, log_measured=log_measured,
                      log_predicted=log_predicted, log_fitted=fit.slope * log_predicted, r2_lag=fit.r2_lag,
                      r2_gain=fit.r2_gain, within_lag_corr=fit.within_lag_corr,
                      within_lag_slope=fit.within_lag_slope)


@torch.no_grad()
def quirk_lag_profiles(cell, inputs, quirks=(), *, conventions=("carry", "update"), max_lag: int | None = None,
                       trim: float = 0.01, iterations: int = POWER_ITERATIONS, seed: int = 0) -> dict:
    r""":func:`~gatebook.learning.lag_profiles` with the quirks of the ``s1`` study (chapter 3).

    The fit :math:`\ln S_{t,k}=a+\kappa\ln P_{t,k}` of every named convention, with the
    Jacobians (``"post_update_state"``), the product order (``"reversed_order"``), the norm
    (``"power_iteration"``) and the predictor (``"extra_gate_factor"``, gated cells only) of
    the reference code. With no quirk the result equals ``lag_profiles`` to round-off.

    Returns
    -------
    dict
        ``{convention: LagProfile}``.

    Examples
    --------
    >>> from gatebook.learning import ScalarGateRNN
    >>> u = torch.rand(2, 12, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> cell = ScalarGateRNN(3, 8, seed=0, dtype=torch.float64)
    >>> p = quirk_lag_profiles(cell, u, True)
    >>> bool(p["carry"].slope != quirk_lag_profiles(cell, u)["carry"].slope)
    True
    """
    check_cell(cell)
    quirks = check_quirks(quirks, applicable=STUDY_QUIRKS["s1"], name="quirks")
    conventions, trim = check_conventions(conventions), check_trim(trim)
    rollout = cell.rollout(inputs)
    if bool((rollout["write"] == 1).all()):
        raise ValueError(f"the cell ({type(cell).__name__}) writes fully at every step (no gate or leak): its "
                         "predictor is constant and no power can be fitted; measure a LeakyRNN, ScalarGateRNN or "
                         "MultiGateRNN")
    J = _jacobians(cell, rollout, quirks)
    max_lag = check_max_lag(max_lag, J.shape[1])
    logS = quirk_log_sensitivities(J, max_lag, quirks, iterations=iterations, seed=seed)
    med_S, flat_S = torch.stack([s.median() for s in logS]), torch.cat([s.flatten() for s in logS])
    flat_lag = torch.cat([torch.full((s.numel(),), h) for h, s in enumerate(logS, 1)])
    predictor = quirks if cell.gated else tuple(q for q in quirks if q != "extra_gate_factor")
    out = {}
    for convention in conventions:
        logP = quirk_log_gate_products(rollout["write"], convention, max_lag, predictor)
        fit = lag_fit(flat_S, torch.cat([p.flatten() for p in logP]), flat_lag, trim)
        med_P = torch.stack([p.median() for p in logP])
        out[convention] = _profile(torch.arange(1, max_lag + 1), med_S - med_S[0], med_P, fit, convention)
    return out


# ---------------------------------------------------------------------------
# data and checkpoints (Sec. VII-B)
# ---------------------------------------------------------------------------


def quirk_task_kwargs(task, quirks=()) -> dict:
    """Extra task keywords of the quirks: ``{"inputs": "distractor"}`` for ``"ar2"`` with ``"distractor_inputs"``."""
    quirks, task = check_quirks(quirks, name="quirks"), _check_task(task)
    return {"inputs": "distractor"} if task == "ar2" and "distractor_inputs" in quirks else {}


def _check_task(task) -> str:
    if not isinstance(task, str) or task not in TASKS:
        raise (ValueError if isinstance(task, str) else TypeError)(f"task must be a task name from {sorted(TASKS)}, "
                                                                   f"got {task!r}")
    return task


def _check_marks(checkpoints) -> list:
    return sorted(set(check_int_sequence(checkpoints, "checkpoints", minimum=0)))


class _Draw:
    """``draw(batch, seed=s)``: a fresh batch of a named task (no distractor warning: the quirk is recorded)."""

    def __init__(self, task, kwargs, dtype):
        self.task, self.kwargs, self.dtype = task, kwargs, dtype

    def __call__(self, batch, seed=None) -> TaskBatch:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"ar2\(inputs='distractor'\)", category=UserWarning)
            return make_task(self.task, batch, seed=seed, dtype=self.dtype, **self.kwargs)


class _FixedBatch:
    """``draw(batch, seed=s)``: the one fixed batch, its inputs jittered by ``JITTER`` N(0, 1) noise seeded by ``s``."""

    def __init__(self, data: TaskBatch):
        self.data = data

    def __call__(self, batch, seed=None) -> TaskBatch:
        if batch != self.data.batch_size:
            raise ValueError(f"the fixed batch has {self.data.batch_size} examples, not {batch}")
        gen = torch.Generator().manual_seed(int(seed))
        noise = torch.randn(self.data.inputs.shape, generator=gen, dtype=self.data.inputs.dtype)
        return TaskBatch(inputs=self.data.inputs + JITTER * noise, targets=self.data.targets, name=self.data.name,
                         info=self.data.info)


def quirk_training(task: str, checkpoints, quirks=(), *, batch: int, T: int, m: int, dtype=torch.float32) -> tuple:
    r"""``(task, task_kwargs, checkpoints)`` to hand to :func:`~gatebook.learning.train_ensemble` (chapter 5).

    Without a data quirk: ``(task, {"T": T}, checkpoints)`` unchanged. With
    ``"distractor_inputs"`` (task ``"ar2"``) the batches show distractor inputs. With
    ``"fixed_batch"`` the task becomes one batch drawn once (seed :data:`FIXED_BATCH_SEED`)
    whose inputs get a fresh :math:`10^{-6}` jitter at every step, and checkpoint 0 is moved
    to step 1 (after the first update); :func:`relabel_checkpoints` gives the histories back
    their requested labels.
    """
    quirks = check_quirks(quirks, name="quirks")
    marks, task = _check_marks(checkpoints), _check_task(task)
    batch, T, m = (check_int(v, k, minimum=1) for v, k in ((batch, "batch"), (T, "T"), (m, "m")))
    _check_dtype(dtype)
    extra = quirk_task_kwargs(task, quirks)
    if "fixed_batch" in quirks:
        draw = _Draw(task, {"T": T, "m": m, **extra}, dtype)
        return _FixedBatch(draw(batch, seed=FIXED_BATCH_SEED)), None, sorted({max(s, 1) for s in marks})
    if extra:
        return _Draw(task, {"T": T, "m": m, **extra}, dtype), None, marks
    return task, {"T": T}, marks


def relabel_checkpoints(history, checkpoints, quirks=()):
    """Give a history trained on :func:`quirk_training`'s checkpoints the requested ``checkpoints`` (in place).

    With ``"fixed_batch"`` the record taken at step 1 becomes checkpoint 0, as the reference
    code's "iteration 0"; otherwise nothing changes. Returns ``history``.
    """
    quirks = check_quirks(quirks, name="quirks")
    if not isinstance(history, TrainingHistory):
        raise TypeError(f"history must be a TrainingHistory (what train returns), got {type(history).__name__}")
    marks = _check_marks(checkpoints)
    if "fixed_batch" in quirks:
        missing = sorted({max(s, 1) for s in marks} - set(history.checkpoints))
        if missing:
            raise ValueError(f"checkpoints: the history has no record at step(s) {missing} (its checkpoints are "
                             f"{history.checkpoints})")
        taken = dict(zip(history.checkpoints, history.records))
        history.records = [taken[max(s, 1)] for s in marks]
        history.checkpoints = marks
    return history
