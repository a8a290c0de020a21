r"""The leaky integrator: memory kernels, per-lag gradients and the lag schedule (chapter 2).

A leaky unit is the forward-Euler step of :math:`\tau\dot x=-x+\phi(a)` with
:math:`\alpha=\Delta t/\tau\in(0,1]`:

.. math::

    x_t = (1-\alpha)\,x_{t-1} + \alpha\,\phi(a_t),\qquad a_t = W_{\rm rec}x_{t-1} + W_{\rm in}I_t .

The same constant :math:`\alpha` sets two kernels over the lag :math:`\ell`:

* **memory** — a unit pulse of input reaches the state :math:`\ell` steps later with
  weight :math:`\alpha(1-\alpha)^\ell` (:func:`impulse_response`, :func:`half_life`);
* **learning** — under back-propagation through time, the credit that reaches the step
  :math:`\ell` steps before the loss is :math:`\alpha D_{T-\ell}\,\Phi(T,T-\ell)^\top\delta_T`,
  which for :math:`W_{\rm rec}=0` and :math:`\phi=\mathrm{id}` is exactly
  :math:`\alpha(1-\alpha)^\ell\delta_T`: the kernel of a momentum (EMA) buffer with
  :math:`\beta=1-\alpha` (:func:`ema_kernel`, :func:`lag_gradients`, :func:`lag_weights`).

With recurrence the product :math:`\Phi(t,k)` is no longer a power of the carry, but its
norm stays between :math:`(1-\alpha\mp\alpha\lVert W_{\rm rec}\rVert_2)^\ell`
(:func:`norm_bounds`, :func:`lag_sensitivity`).

The book's gate multiplies the candidate, so :math:`1-\alpha` is the **carry**; the
zeroth-order predictor that goes with it is the ``convention="carry"`` predictor
:math:`(1-\alpha)^\ell` of :func:`gatebook.learning.lag_profile`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_choice, check_finite_float, check_memory, check_nonnegative_float, check_positive_int
from .cells import LeakyRNN
from .common import check_cell, check_targets, torch_threads
from .products import jacobian_products

__all__ = [
    "impulse_response",
    "half_life",
    "ema_kernel",
    "lag_cutoff",
    "norm_bounds",
    "leaky_cell",
    "pulse_response",
    "LagGradients",
    "lag_gradients",
    "loss_gradient",
    "lag_weights",
    "measured_lag_weights",
    "LagSensitivity",
    "lag_sensitivity",
]

# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------


def _as_real_array(value, name: str, what: str) -> np.ndarray:
    """``value`` (a real number, a sequence, array or tensor of them) as a float array of at most 1-D."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be {what}, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    arr = arr.astype(float)
    if arr.ndim > 1 or arr.size == 0:
        raise ValueError(f"{name} must be a number or a non-empty 1-D array, got shape {arr.shape}")
    return arr


def _check_alpha(alpha, name: str = "alpha") -> np.ndarray:
    """``alpha`` as a float array (a 0-d array for a number) with every entry in (0, 1]."""
    arr = _as_real_array(alpha, name, "a number in (0, 1] or an array of them")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0.0) or np.any(arr > 1.0):
        raise ValueError(f"{name} must lie in (0, 1], got {alpha!r}")
    return arr


def _check_beta(beta) -> np.ndarray:
    arr = _as_real_array(beta, "beta", "a number in [0, 1) or an array of them")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0.0) or np.any(arr >= 1.0):
        raise ValueError(f"beta must lie in [0, 1), got {beta!r}")
    return arr


def _scalar_or_array(arr: np.ndarray):
    return float(arr) if arr.ndim == 0 else arr


def _lags(max_lag, width: int = 1) -> np.ndarray:
    """Lags ``0..max_lag`` after checking that ``width`` arrays of that length fit in memory."""
    max_lag = check_positive_int(max_lag, "max_lag")
    check_memory((max_lag + 1) * width, "max_lag", what="the arrays over the lags")
    return np.arange(max_lag + 1)


# ---------------------------------------------------------------------------
# closed forms
# ---------------------------------------------------------------------------


def impulse_response(alpha, max_lag: int) -> np.ndarray:
    r"""Response of the linear leaky unit to a unit input pulse, lag by lag.

    For :math:`x_t=(1-\alpha)x_{t-1}+\alpha I_t` with :math:`x_{k-1}=0` and a single pulse
    :math:`I_k=1`, the state :math:`\ell` steps later is

    .. math:: r(\ell) = x_{k+\ell} = \alpha\,(1-\alpha)^{\ell},\qquad \ell = 0,1,\dots

    Taught in chapter 2 (*The leaky integrator*).

    Parameters
    ----------
    alpha : float or array_like of shape (k,)
        Leak(s) :math:`\alpha=\Delta t/\tau\in(0,1]`.
    max_lag : int
        Largest lag, at least 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(max_lag + 1,)``, or ``(k, max_lag + 1)`` for an array of leaks.

    Examples
    --------
    >>> impulse_response(0.5, 3)
    array([0.5   , 0.25  , 0.125 , 0.0625])
    """
    a = _check_alpha(alpha)
    lags = _lags(max_lag, a.size)
    return a[..., None] * (1.0 - a[..., None]) ** lags


def half_life(alpha):
    r"""Memory half-life of the leaky unit, in steps.

    The impulse response :math:`\alpha(1-\alpha)^\ell` falls to half its initial value at

    .. math:: \ell_{1/2} = \frac{\ln 2}{-\ln(1-\alpha)} \;\approx\; \frac{\ln 2}{\alpha}\quad(\alpha\ll1),

    i.e. :math:`\ln 2` time constants :math:`\tau/\Delta t=1/\alpha` when the leak is slow.
    For :math:`\alpha=1` the state forgets everything in one step and the half-life is 0.
    Taught in chapter 2 (*The leaky integrator*).

    Parameters
    ----------
    alpha : float or array_like
        Leak(s) in (0, 1].

    Returns
    -------
    float or numpy.ndarray
        The half-life (a real number of steps, not rounded).

    Examples
    --------
    >>> round(half_life(0.5), 12)
    1.0
    """
    a = _check_alpha(alpha)
    with np.errstate(divide="ignore"):
        decay = -np.log1p(-a)  # +inf at alpha = 1
    return _scalar_or_array(math.log(2.0) / decay)


def ema_kernel(beta, max_lag: int) -> np.ndarray:
    r"""Weights an exponential moving average (a momentum buffer) puts on past inputs.

    The buffer :math:`\bar\nabla_s=\beta\bar\nabla_{s-1}+(1-\beta)\nabla_s` of the gradients
    :math:`\nabla_s` of successive iterations, started from zero, is
    :math:`\bar\nabla_s=\sum_\ell (1-\beta)\beta^\ell\,\nabla_{s-\ell}`, so the weight of the
    gradient :math:`\ell` iterations back is

    .. math:: w_{\rm EMA}(\ell) = (1-\beta)\,\beta^{\ell}.

    With :math:`\beta=1-\alpha` this is the leaky unit's :func:`impulse_response`. For a
    momentum optimiser the index counts *optimiser iterations*; for the leaky unit it counts
    *steps of the sequence* (chapter 2, *The leaky integrator*).

    Parameters
    ----------
    beta : float or array_like of shape (k,)
        Decay(s) in [0, 1).
    max_lag : int
        Largest lag, at least 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(max_lag + 1,)`` or ``(k, max_lag + 1)``.

    Examples
    --------
    >>> ema_kernel(0.5, 2)
    array([0.5  , 0.25 , 0.125])
    """
    b = _check_beta(beta)
    lags = _lags(max_lag, b.size)
    return (1.0 - b[..., None]) * b[..., None] ** lags


def lag_cutoff(alpha, fraction: float = 0.01):
    r"""First lag at which a constant gate's schedule falls below ``fraction`` of its lag-0 value.

    Relative to the immediate term, the leaky unit weighs credit :math:`\ell` steps back by
    :math:`(1-\alpha)^\ell`; the cutoff is the smallest integer with

    .. math:: (1-\alpha)^{\ell} < f \iff \ell > \frac{\ln f}{\ln(1-\alpha)} .

    Taught in chapter 2 (*The leaky integrator*).

    Parameters
    ----------
    alpha : float or array_like
        Leak(s) in (0, 1].
    fraction : float
        The threshold :math:`f\in(0,1]`.

    Returns
    -------
    int or numpy.ndarray of int

    Examples
    --------
    >>> lag_cutoff(0.5, 0.1)  # 0.5**3 = 0.125, 0.5**4 = 0.0625
    4
    """
    a = _check_alpha(alpha)
    f = check_finite_float(fraction, "fraction")
    if not 0.0 < f <= 1.0:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}")
    carry = 1.0 - a
    with np.errstate(divide="ignore"):
        bound = np.where(carry > 0.0, math.log(f) / np.log(np.where(carry > 0.0, carry, 0.5)), 0.0)
    ell = np.floor(bound).astype(int) + 1
    # guard against round-off in the ratio of logarithms: enforce the defining inequality
    ell = np.where(carry ** (ell - 1) < f, ell - 1, ell)
    ell = np.where(carry ** ell < f, ell, ell + 1)
    return int(ell) if ell.ndim == 0 else ell


def norm_bounds(alpha, weight_norm: float, max_lag: int):
    r"""Bounds on the norm of a leaky cell's Jacobian product at every lag.

    Each step Jacobian is :math:`\mathcal J_t=(1-\alpha)\mathbb 1+\alpha D_tW_{\rm rec}` with
    :math:`\lVert D_t\rVert_2\le1`, so its singular values lie within
    :math:`(1-\alpha)\pm\alpha\lVert W_{\rm rec}\rVert_2` and, for every pair of times,

    .. math::

        (1-\alpha-\alpha\lVert W_{\rm rec}\rVert_2)^{\ell} \;\le\;
        \lVert\Phi(t,t-\ell)\rVert_2 \;\le\; (1-\alpha+\alpha\lVert W_{\rm rec}\rVert_2)^{\ell}.

    The lower bound only holds when :math:`1-\alpha>\alpha\lVert W_{\rm rec}\rVert_2`;
    otherwise it is returned as NaN (uninformative). Taught in chapter 2.

    Parameters
    ----------
    alpha : float
        Leak in (0, 1].
    weight_norm : float
        Spectral norm :math:`\lVert W_{\rm rec}\rVert_2\ge0`.
    max_lag : int
        Largest lag.

    Returns
    -------
    lower, upper : numpy.ndarray
        Each of shape ``(max_lag + 1,)`` (lag 0 gives 1, or NaN for an invalid lower bound).

    Raises
    ------
    ValueError
        If the upper bound overflows the float range (a huge ``weight_norm`` or ``max_lag``).

    Examples
    --------
    >>> lower, upper = norm_bounds(0.5, 0.5, 2)
    >>> lower, upper
    (array([1.    , 0.25  , 0.0625]), array([1.    , 0.75  , 0.5625]))
    """
    a = _check_alpha(alpha)
    if a.ndim != 0:
        raise ValueError("alpha must be a single number for norm_bounds")
    a = float(a)
    rho = check_nonnegative_float(weight_norm, "weight_norm")
    lags = _lags(max_lag)
    with np.errstate(over="ignore"):
        upper = (1.0 - a + a * rho) ** lags
    if not np.isfinite(upper[-1]):
        raise ValueError(f"the upper bound (1 - alpha + alpha * weight_norm)**max_lag overflows the float range "
                         f"(weight_norm={rho:g}, max_lag={lags[-1]}); compare logarithms, max_lag * log(...)")
    low = 1.0 - a - a * rho
    lower = low ** lags if low > 0.0 else np.full(lags.shape, np.nan)
    return lower, upper


# ---------------------------------------------------------------------------
# measurements on a network
# ---------------------------------------------------------------------------


def leaky_cell(alpha: float, *, input_size: int = 4, hidden_size: int = 32, recurrence: float = 1.0,
               nonlinearity: str = "tanh", seed: int = 0, dtype=torch.float64) -> LeakyRNN:
    r"""A :class:`~gatebook.learning.LeakyRNN` whose recurrent weights are scaled by ``recurrence``.

    .. math:: W_{\rm rec}\leftarrow r\,W_{\rm rec}^{(0)},\qquad
              W^{(0)}_{ij}\sim\mathcal U\big(-1/\sqrt N,\,1/\sqrt N\big)

    (PyTorch's default, drawn from ``seed``). ``recurrence=0`` removes the recurrence: the
    cell is then a bank of independent leaky integrators of their input currents, the
    exactly solvable case of chapter 2 (*The leaky integrator*); ``recurrence=1`` keeps the
    default initialisation. Float64 by default, for the products of chapter 2.

    Examples
    --------
    >>> float(leaky_cell(0.3, recurrence=0.0).W_r.detach().abs().max())
    0.0
    """
    scale = check_nonnegative_float(recurrence, "recurrence")
    cell = LeakyRNN(input_size, hidden_size, alpha=float(_check_alpha(alpha)) if np.ndim(alpha) == 0 else alpha,
                    nonlinearity=nonlinearity, seed=seed, dtype=dtype)
    with torch.no_grad():
        cell.W_r.mul_(scale)
    return cell


@torch_threads(1)
def pulse_response(cell, max_lag: int, *, amplitude: float = 1.0, channel: int = 0) -> np.ndarray:
    r"""Measured response of a cell to one input pulse, normalised by the current it injects.

    Feeds :math:`I_1=A\,e_c` (``amplitude`` :math:`A` on input ``channel`` :math:`c`) and
    zeros afterwards, from :math:`x_0=0`, and returns

    .. math:: \hat r(\ell) = \frac{\lVert x_{1+\ell}\rVert_2}{A\,\lVert W_{\rm in}e_c\rVert_2},
              \qquad \ell=0,\dots,\text{max\_lag}.

    For a linear leaky cell without recurrence this is exactly :math:`\alpha(1-\alpha)^\ell`
    (:func:`impulse_response`); with :math:`\tanh` a small pulse stays close to it, and
    recurrence reshapes it (chapter 2).

    Returns
    -------
    numpy.ndarray of shape (max_lag + 1,)

    Examples
    --------
    >>> unit = leaky_cell(0.5, input_size=1, hidden_size=1, recurrence=0.0, nonlinearity="linear")
    >>> pulse_response(unit, 3)
    array([0.5   , 0.25  , 0.125 , 0.0625])
    """
    cell = check_cell(cell)
    lags = _lags(max_lag, max(cell.input_size, cell.hidden_size))
    A = check_finite_float(amplitude, "amplitude")
    if A == 0.0:
        raise ValueError("amplitude must be non-zero")
    if isinstance(channel, bool) or not isinstance(channel, numbers.Integral) or not 0 <= channel < cell.input_size:
        raise ValueError(f"channel must be an integer in [0, {cell.input_size}), got {channel!r}")
    u = torch.zeros(1, lags.size, cell.input_size, dtype=cell.W_r.dtype)
    u[0, 0, channel] = A
    with torch.no_grad():
        states = cell.rollout(u)["states"][0]
        injected = abs(A) * torch.linalg.vector_norm(cell.W_i[:, channel])
    if injected == 0:
        raise ValueError(f"input channel {channel} has zero input weights: the pulse never reaches the state")
    return (torch.linalg.vector_norm(states, dim=-1) / injected).numpy().astype(float)


def _check_targets(targets, batch: int, dtype) -> torch.Tensor:
    return check_targets(targets, batch).to(dtype)


_PARAMETERS = ("W_i", "W_r")


@dataclass
class LagGradients:
    r"""The gradient of the loss split by lag (from :func:`lag_gradients`).

    Attributes
    ----------
    lags : numpy.ndarray
        ``0 .. T-1``; lag :math:`\ell` is step :math:`T-\ell` (1-based), array index ``T-1-l``.
    credit : Tensor, shape (batch, T, n)
        ``credit[:, l]`` :math:`=\partial\mathcal L/\partial a_{T-\ell}`, the credit reaching
        the pre-activation :math:`\ell` steps before the readout (per example).
    output_credit : Tensor, shape (batch, n)
        :math:`\delta_T=\partial\mathcal L/\partial x_T`.
    contributions : Tensor, shape (T, n, m) or (T, n, n)
        ``contributions[l]`` is the lag-:math:`\ell` term of :math:`\nabla_{W}\mathcal L`.
    parameter : str
        ``"W_i"`` (:math:`W_{\rm in}`) or ``"W_r"`` (:math:`W_{\rm rec}`).
    loss : float
        The mean-squared error of the batch.
    """

    lags: np.ndarray
    credit: torch.Tensor
    output_credit: torch.Tensor
    contributions: torch.Tensor
    parameter: str
    loss: float

    @property
    def total(self) -> torch.Tensor:
        """Sum of the contributions over lags: the full gradient of the loss."""
        return self.contributions.sum(dim=0)


@torch_threads(1)
def lag_gradients(cell, inputs: torch.Tensor, targets: torch.Tensor, *, parameter: str = "W_i") -> LagGradients:
    r"""Every lag's contribution to :math:`\nabla_{W_{\rm in}}\mathcal L` (or :math:`W_{\rm rec}`), in one backward pass.

    With the mean-squared error of the final readout, back-propagation through time gives

    .. math::

        \nabla_{W_{\rm in}}\mathcal L = \sum_{\ell=0}^{T-1}\sum_b
        \underbrace{\gamma_{T-\ell}\odot\phi'(a_{T-\ell})\odot
        \big(\Phi(T,T-\ell)^\top\delta_T\big)}_{\partial\mathcal L/\partial a_{T-\ell}}\;
        I_{T-\ell}^\top ,\qquad \delta_T=\frac{\partial\mathcal L}{\partial x_T},

    (with :math:`x_{T-\ell-1}^\top` in place of :math:`I_{T-\ell}^\top` for
    :math:`W_{\rm rec}`). The credits :math:`\partial\mathcal L/\partial a_k` for all
    :math:`k` come from one backward pass: a zero offset is added to every input current
    (``cell(u, drive_offset=offset)``), and the gradient with respect to the offset at step
    :math:`k` is read off. For a leaky cell with :math:`W_{\rm rec}=0` and :math:`\phi=\mathrm{id}` the credit
    is exactly :math:`\alpha(1-\alpha)^\ell\delta_T` (chapter 2, *The leaky integrator*).

    Parameters
    ----------
    cell : RecurrentCell
        Any Part II cell.
    inputs : Tensor, shape (batch, T, m)
    targets : Tensor, shape (batch, 1)
    parameter : {"W_i", "W_r"}
        Which weight matrix to split.

    Returns
    -------
    LagGradients

    Examples
    --------
    >>> cell = leaky_cell(0.5, input_size=2, hidden_size=3, recurrence=0.0, nonlinearity="linear")
    >>> u = torch.ones(1, 4, 2, dtype=torch.float64)
    >>> lg = lag_gradients(cell, u, torch.zeros(1, 1, dtype=torch.float64))
    >>> lag_weights(lg).round(12).tolist()
    [0.5, 0.25, 0.125, 0.0625]
    """
    cell = check_cell(cell)
    check_choice(parameter, "parameter", set(_PARAMETERS))
    u = cell._check_inputs(inputs)
    batch, T, _ = u.shape
    y_true = _check_targets(targets, batch, u.dtype)
    offset = torch.zeros(batch, T, cell.hidden_size, dtype=u.dtype, requires_grad=True)
    with torch.enable_grad():
        y = cell(u, _unchecked=True, drive_offset=offset)
        loss = torch.mean((y - y_true) ** 2)
        credit, dloss_dy = torch.autograd.grad(loss, (offset, y))
    delta_T = dloss_dy @ cell.W_o.detach()  # dL/dx_T = (dL/dy) W_out
    credit = credit.flip(1)  # lag order: index l is step T - l
    if parameter == "W_i":
        presyn = u.flip(1)
    else:
        with torch.no_grad():
            presyn = cell.rollout(u)["previous"].flip(1)
    contributions = torch.einsum("bln,blj->lnj", credit, presyn)
    return LagGradients(lags=np.arange(T), credit=credit.detach(), output_credit=delta_T.detach(),
                        contributions=contributions.detach(), parameter=parameter, loss=float(loss.detach()))


@torch_threads(1)
def loss_gradient(cell, inputs: torch.Tensor, targets: torch.Tensor, *, parameter: str = "W_i") -> torch.Tensor:
    r"""Plain autograd gradient of the mean-squared error, an independent reference.

    .. math:: \nabla_W\mathcal L,\qquad \mathcal L=\frac1B\sum_{b=1}^{B}\big(y_b-\hat y_b\big)^2,
              \quad y_b=W_{\rm out}x_T^{(b)},

    computed by ``torch.autograd.grad`` on the cell's ordinary forward pass. Chapter 2 uses it
    to check that the lag contributions of :func:`lag_gradients` add up to the gradient. Does
    not touch the parameters' ``.grad``.

    Examples
    --------
    >>> cell = leaky_cell(0.3, input_size=2, hidden_size=3)
    >>> u, y = torch.ones(2, 5, 2, dtype=torch.float64), torch.zeros(2, 1, dtype=torch.float64)
    >>> bool(torch.allclose(loss_gradient(cell, u, y), lag_gradients(cell, u, y).total))
    True
    """
    cell = check_cell(cell)
    check_choice(parameter, "parameter", set(_PARAMETERS))
    u = cell._check_inputs(inputs)
    y_true = _check_targets(targets, u.shape[0], u.dtype)
    with torch.enable_grad():
        loss = torch.mean((cell(u) - y_true) ** 2)
        (grad,) = torch.autograd.grad(loss, getattr(cell, parameter))
    return grad


_OF = ("credit", "contribution")
_NORMALIZE = ("output", "first", "sum")


def lag_weights(grads: LagGradients, *, of: str = "credit", normalize: str = "output") -> np.ndarray:
    r"""How strongly each lag drives the update: the lag schedule measured from one gradient.

    ``of="credit"`` uses the size of the credit reaching lag :math:`\ell`,
    :math:`w(\ell)=\lVert\partial\mathcal L/\partial a_{T-\ell}\rVert_F` (over the batch
    and the neurons); ``of="contribution"`` the size of the lag's term of the gradient,
    :math:`\lVert\Delta W(\ell)\rVert_F`, which also carries the input at that step.
    Normalisations:

    * ``"output"`` (credit only): divide by :math:`\lVert\delta_T\rVert_F`. A linear leaky
      cell without recurrence gives exactly :math:`\alpha(1-\alpha)^\ell`, the EMA kernel
      with :math:`\beta=1-\alpha`;
    * ``"first"``: divide by the lag-0 value (a linear leaky cell without recurrence gives
      :math:`(1-\alpha)^\ell`);
    * ``"sum"``: divide by the sum over lags.

    Under SGD with step :math:`\mu` the lag-:math:`\ell` term moves the weights by
    :math:`\mu` times this profile: :math:`\mu_{\rm eff}(\ell)=\mu\,\alpha(1-\alpha)^\ell`
    for the constant gate (chapter 2).

    Returns
    -------
    numpy.ndarray of shape (T,)
    """
    if not isinstance(grads, LagGradients):
        raise TypeError(f"grads must be the LagGradients returned by lag_gradients, got {type(grads).__name__}")
    check_choice(of, "of", set(_OF))
    check_choice(normalize, "normalize", set(_NORMALIZE))
    if of == "credit":
        sizes = torch.linalg.vector_norm(grads.credit, dim=(0, 2))
    else:
        if normalize == "output":
            raise ValueError('normalize="output" applies to of="credit" only; use "first" or "sum"')
        sizes = torch.linalg.vector_norm(grads.contributions, dim=(1, 2))
    sizes = sizes.double()
    if normalize == "output":
        ref = torch.linalg.vector_norm(grads.output_credit).double()
    elif normalize == "first":
        ref = sizes[0]
    else:
        ref = sizes.sum()
    if ref == 0:
        raise ValueError("the reference size is zero (the loss gradient vanishes): nothing to normalise by")
    return (sizes / ref).numpy()


@dataclass
class LagSensitivity:
    r"""Statistics of :math:`\lVert\Phi(t,t-\ell)\rVert_2` over examples and times, lag by lag.

    All arrays have shape ``(max_lag + 1,)`` and start at lag 0 (where the product is
    :math:`\mathbb 1` and every statistic is 1).
    """

    lags: np.ndarray
    median: np.ndarray
    q25: np.ndarray
    q75: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    alpha: float
    weight_norm: float

    @property
    def geometric(self) -> np.ndarray:
        r"""The carry power :math:`(1-\alpha)^\ell` (exact for :math:`W_{\rm rec}=0`)."""
        return (1.0 - self.alpha) ** self.lags

    @property
    def bounds(self):
        """``(lower, upper)`` from :func:`norm_bounds` (lower is NaN when uninformative)."""
        return norm_bounds(self.alpha, self.weight_norm, int(self.lags[-1]))


@torch_threads(1)
@torch.no_grad()
def lag_sensitivity(cell, inputs: torch.Tensor, max_lag: int | None = None) -> LagSensitivity:
    r"""Measured norms :math:`S_{t,t-\ell}=\lVert\Phi(t,t-\ell)\rVert_2` of a leaky cell, summarised by lag.

    Uses the exact Jacobians :math:`\mathcal J_t=(1-\alpha)\mathbb 1+\alpha D_tW_{\rm rec}`
    and their renormalised products (:func:`~gatebook.learning.jacobian_products`); the
    median, quartiles and extremes run over the batch and all start times. Compare them with
    :math:`(1-\alpha)^\ell` and with :func:`norm_bounds` (chapter 2).

    Parameters
    ----------
    cell : LeakyRNN
        With a single (scalar) ``alpha``; use float64 for long lags.
    inputs : Tensor, shape (batch, T, m)
    max_lag : int, optional
        Default ``T``.

    Returns
    -------
    LagSensitivity

    Examples
    --------
    >>> cell = leaky_cell(0.3, input_size=2, hidden_size=4, recurrence=0.0)
    >>> sens = lag_sensitivity(cell, torch.ones(1, 6, 2, dtype=torch.float64))
    >>> bool(np.allclose(sens.median, 0.7 ** np.arange(7)))
    True
    """
    cell = check_cell(cell)
    if not isinstance(cell, LeakyRNN) or cell.alpha.ndim != 0:
        raise TypeError("cell must be a LeakyRNN with a single (scalar) alpha")
    J = cell.state_jacobians(inputs)
    T = J.shape[1]
    max_lag = T if max_lag is None else check_positive_int(max_lag, "max_lag")
    prods = jacobian_products(J, max_lag, top=1)
    logS = [prods.log_sensitivity(h).flatten() for h in prods.lags]

    def stat(fn):
        return np.concatenate([[1.0], np.exp(np.array([float(fn(s)) for s in logS]))])

    return LagSensitivity(
        lags=np.arange(max_lag + 1),
        median=stat(torch.median),
        q25=stat(lambda s: torch.quantile(s, 0.25)),
        q75=stat(lambda s: torch.quantile(s, 0.75)),
        minimum=stat(torch.min),
        maximum=stat(torch.max),
        alpha=float(cell.alpha),
        weight_norm=float(torch.linalg.matrix_norm(cell.W_r.detach().double(), ord=2)),
    )


def measured_lag_weights(alpha, inputs: torch.Tensor, targets: torch.Tensor, *, recurrence: float = 0.0,
                         nonlinearity: str = "linear", hidden_size: int = 32, seed: int = 0) -> np.ndarray:
    r"""Lag weights :math:`w(\ell)=\lVert\partial\mathcal L/\partial a_{T-\ell}\rVert/\lVert\delta_T\rVert` of a fresh leaky cell.

    Shorthand for :func:`lag_weights` of :func:`lag_gradients` on
    :func:`leaky_cell` ``(alpha, recurrence=recurrence, nonlinearity=nonlinearity, ...)``
    in float64. With the defaults (linear, no recurrence) the result is exactly
    :math:`\alpha(1-\alpha)^\ell`, the EMA kernel with :math:`\beta=1-\alpha` (chapter 2).

    Examples
    --------
    >>> u = torch.rand(4, 6, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> w = measured_lag_weights(0.25, u, torch.ones(4, 1, dtype=torch.float64))
    >>> bool(np.allclose(w, ema_kernel(0.75, 5), rtol=0, atol=1e-15))
    True
    """
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(f"inputs must be a torch.Tensor of shape (batch, T, m), got {type(inputs).__name__}")
    if inputs.ndim != 3:
        raise ValueError(f"inputs must have shape (batch, T, m), got {tuple(inputs.shape)}")
    cell = leaky_cell(alpha, input_size=inputs.shape[2], hidden_size=hidden_size, recurrence=recurrence,
                      nonlinearity=nonlinearity, seed=seed, dtype=torch.float64)
    return lag_weights(lag_gradients(cell, inputs, targets))
