r"""First-order (Fréchet) expansion of a Jacobian product in the gates' state dependence (chapter 4).

Split each state Jacobian into the part with the gates held fixed and the part that comes
from the gates' dependence on the state,

.. math::

    J_j = A_j + B_j,\qquad
    A_j = \mathrm{diag}(1-\gamma_j) + \mathrm{diag}(\gamma_j\phi'(a_j))W_r,\qquad
    B_j = \mathrm{diag}\big(d_j\,\sigma'(a^g_j)\big)W_{rg},

and scale the correction: :math:`\Phi_\varepsilon=\prod_j(A_j+\varepsilon B_j)` (later
factors on the left). Then :math:`\Phi_\varepsilon=\Phi_0+\varepsilon L+O(\varepsilon^2)`
with the Fréchet derivative

.. math:: L=\sum_{i=k+1}^{t}(A_t\cdots A_{i+1})\,B_i\,(A_{i-1}\cdots A_{k+1}),

computed by the forward recursion :math:`\Phi^{(0)}_j=A_j\Phi^{(0)}_{j-1}`,
:math:`L_j=A_jL_{j-1}+B_j\Phi^{(0)}_{j-1}`. The truncation error
:math:`E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi_0-\varepsilon L\rVert_F` falls like
:math:`\varepsilon^2`. Use float64: in float32 it hits round-off near :math:`\varepsilon=10^{-3}`.

:func:`expansion_check` checks the expansion as in App. B of the paper: on the ``appB``
inputs of :func:`appB_inputs` (slow sinusoids plus noise), over the half-decade grid
:data:`APPB_EPS`, it fits the log–log slope of :math:`E(\varepsilon)` per run and returns an
:class:`ExpansionCheck`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import torch

from .._validation import (
    as_generator,
    check_bool,
    check_choice,
    check_finite_float,
    check_float_sequence,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from .presets import APPB_EPS
from ..progress import progress_bar
from .cells import MODELS, RecurrentCell
from .common import check_cell, check_seeds, check_sizes, check_tensor, torch_threads
from .reference_quirks import STUDY_QUIRKS, check_quirks, quirk_split

__all__ = [
    "APPB_EPS",
    "ExpansionCheck",
    "appB_inputs",
    "expansion_check",
    "first_order_expansion",
    "jacobian_split",
    "scaled_product",
    "truncation_error",
]


@torch.no_grad()
def jacobian_split(cell, inputs: torch.Tensor):
    r"""``(A, B)``, each ``(batch, T, n, n)``, with ``A + B`` the exact state Jacobians. ``B = 0`` for ungated cells."""
    r = check_cell(cell).rollout(inputs)
    J = cell.jacobians_from_rollout(r)
    gamma = r["write"]
    n = cell.hidden_size
    A = (gamma * cell.phi_prime_from_candidate(r["candidate"])).unsqueeze(-1) * cell.W_r
    A = A + torch.diag_embed((1.0 - gamma).expand(*gamma.shape[:2], n))
    return A, J - A


def _window(M: torch.Tensor, k: int, t: int) -> torch.Tensor:
    T = M.shape[1]
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (k, t)) or not 0 <= k < t <= T:
        raise ValueError(f"need integers 0 <= k < t <= T={T}, got k={k!r}, t={t!r}")
    return M[:, int(k):int(t)]  # factors J_{k+1} .. J_t


def _check_split(A, B) -> None:
    """``A`` and ``B`` of :func:`jacobian_split`: finite float tensors of one shape ``(batch, T, n, n)``."""
    for name, M in (("A", A), ("B", B)):
        check_tensor(M, name, ndim=4, shape="(batch, T, n, n)")
        if M.shape[-1] != M.shape[-2] or M.shape[0] < 1 or M.shape[1] < 1:
            raise ValueError(f"{name} must have shape (batch, T, n, n), got {tuple(M.shape)}")
    if A.shape != B.shape or A.dtype != B.dtype:
        raise ValueError(f"A and B must have the same shape and dtype, got {tuple(A.shape)} {A.dtype} and "
                         f"{tuple(B.shape)} {B.dtype}")


def first_order_expansion(A: torch.Tensor, B: torch.Tensor, k: int, t: int):
    r"""``(Phi0, L)``: the product of the ``A_j`` from ``k+1`` to ``t`` and its Fréchet derivative along ``B``."""
    _check_split(A, B)
    A_w, B_w = _window(A, k, t), _window(B, k, t)
    eye = torch.eye(A.shape[-1], dtype=A.dtype).expand(A.shape[0], -1, -1)
    phi0, L = eye.clone(), torch.zeros_like(eye)
    for j in range(A_w.shape[1]):  # the recursion runs forward in time
        L = A_w[:, j] @ L + B_w[:, j] @ phi0
        phi0 = A_w[:, j] @ phi0
    return phi0, L


def scaled_product(A: torch.Tensor, B: torch.Tensor, k: int, t: int, eps: float) -> torch.Tensor:
    r""":math:`\Phi_\varepsilon=\prod_{j=k+1}^{t}(A_j+\varepsilon B_j)`, later factors on the left."""
    _check_split(A, B)
    eps = check_finite_float(eps, "eps")
    M = _window(A, k, t) + eps * _window(B, k, t)
    P = torch.eye(A.shape[-1], dtype=A.dtype).expand(A.shape[0], -1, -1).clone()
    for j in range(M.shape[1]):
        P = M[:, j] @ P
    return P


def truncation_error(A: torch.Tensor, B: torch.Tensor, k: int, t: int, eps_values) -> torch.Tensor:
    r""":math:`E(\varepsilon)=\lVert\Phi_\varepsilon-\Phi_0-\varepsilon L\rVert_F` for each ε: ``(len(eps), batch)``."""
    eps_values = check_float_sequence(eps_values, "eps_values")
    phi0, L = first_order_expansion(A, B, k, t)
    errors = [torch.linalg.matrix_norm(scaled_product(A, B, k, t, float(e)) - phi0 - float(e) * L) for e in eps_values]
    return torch.stack(errors)


# ---------------------------------------------------------------------------------------
# the expansion checked as in App. B
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
    check_sizes([("batch", batch), ("T", T), ("m", m)], what="the inputs")
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
    if eps_grid is None or isinstance(eps_grid, (str, bytes, numbers.Number)):
        raise TypeError(f"eps_grid must be a 1-d sequence of at least two positive scales, got {eps_grid!r}")
    try:
        eps = np.asarray(eps_grid, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError("eps_grid must be a 1-d sequence of at least two positive scales") from err
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


@torch_threads(1)
def expansion_check(model="multi", *, inputs: torch.Tensor | None = None, seeds=(0, 1, 2, 3, 4), T: int = 100,
                    n: int = 64, m: int = 3, eps_grid=APPB_EPS, fit_points: int = 5, outlier_factor: float = 1.5,
                    progress: bool = False, reference_quirks=False) -> ExpansionCheck:
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
    reference_quirks : bool or collection of str
        Split with the reference code's choices (:func:`~gatebook.learning.reference_quirks.quirk_split`):
        ``True`` for both of this study, ``"reversed_order"`` (earliest factor on the left) and
        ``"post_update_state"`` (:math:`B_j\to\mathrm{diag}(1-g_j)B_j`), or one by name. Default: none.

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
    progress = check_bool(progress, "progress")
    quirks = check_quirks(reference_quirks, applicable=STUDY_QUIRKS["appB"], name="reference_quirks")
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
        check_sizes([("n", n), ("n", n)], what="the recurrent weights")
        check_sizes([("n", n), ("m", m)], what="the input weights")
        check_sizes([("len(eps_grid)", eps.size + 1), ("T", T), ("n", n), ("n", n)],
                    what="the scaled Jacobian products")
        runs = check_seeds(seeds, distinct=False)
        jobs = ((cls(m, n, init="normal", seed=s, dtype=torch.float64), appB_inputs(T, m, seed=s)) for s in runs)
    errors, normA, normB, change, pnorm = [], [], [], [], []
    window = None
    for cell, u in progress_bar(jobs, total=len(runs), desc="first-order check", enabled=progress):
        A, B = quirk_split(cell, u, quirks) if quirks else jacobian_split(cell, u)  # (1, T, n, n) each
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
