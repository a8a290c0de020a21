r"""Discrete-time recurrent cells with analytic state-to-state Jacobians (Part II, chapters 2–5).

Every cell updates a state :math:`x_t\in\mathbb R^n` from an input :math:`u_t\in\mathbb R^m` as

.. math::

    x_t = (1-\gamma_t)\odot x_{t-1} + \gamma_t\odot\phi(a_t),\qquad
    a_t = W_r x_{t-1} + W_i u_t\,(+\,b),\qquad \phi=\tanh,

with a *write factor* :math:`\gamma_t`: the gate multiplies the candidate and the carry is
:math:`1-\gamma_t`. A GRU (Cho et al. 2014; ``torch.nn.GRU``) puts its update gate :math:`z_t` on
the previous state instead, :math:`h_t=(1-z_t)\odot\tilde h_t+z_t\odot h_{t-1}`, so
:math:`\gamma_t=1-z_t` in its notation:

==================  =====================================================================
cell                :math:`\gamma_t`
==================  =====================================================================
``PlainRNN``        :math:`1`
``LeakyRNN``        a constant :math:`\alpha\in(0,1]` (an Euler step :math:`\Delta t/\tau`)
``ScalarGateRNN``   :math:`\sigma(w_{rg}^\top x_{t-1} + w_{ig}^\top u_t + b_g)`, one scalar
``MultiGateRNN``    :math:`\sigma(W_{rg} x_{t-1} + W_{ig} u_t + b_g)`, one gate per neuron
==================  =====================================================================

(or the identity, ``nonlinearity="linear"``) and a linear readout :math:`y = W_o x_T` of the final state. The exact Jacobian
:math:`J_t=\partial x_t/\partial x_{t-1}` is

.. math::

    J_t = \mathrm{diag}(1-\gamma_t) + \mathrm{diag}(\gamma_t\odot\phi'(a_t))\,W_r
          + \mathrm{diag}\big(d_t\odot\sigma'(a^g_t)\big)\,W_{rg},
    \qquad d_t = \phi(a_t) - x_{t-1},

where the last term (the gate's dependence on the state, :math:`B_t`) is absent for the
plain and leaky cells and has rank one for the scalar gate. ``d_t`` uses the state
*before* the update.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

from .._validation import check_bool, check_choice, check_finite_float, check_memory, check_positive_int

__all__ = ["MODELS", "RecurrentCell", "PlainRNN", "LeakyRNN", "ScalarGateRNN", "MultiGateRNN", "Rollout"]


class Rollout(dict):
    """Everything a forward pass computed, keyed by name (tensors of shape (batch, T, ...)).

    Keys: ``states`` (x_1..x_T), ``previous`` (x_0..x_{T-1}), ``pre`` (a_t), ``candidate``
    (phi(a_t)), ``write`` (gamma_t, broadcastable to the states), ``gate_pre`` (a^g_t or
    None), ``output`` (y, shape (batch, 1)).
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _generator(seed) -> torch.Generator:
    gen = torch.Generator()
    if seed is None:
        gen.seed()
    else:
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}")
        gen.manual_seed(int(seed))
    return gen


class RecurrentCell(nn.Module):
    """Shared machinery: parameters, the rollout, and the analytic Jacobians."""

    gated = False

    def __init__(self, input_size: int, hidden_size: int, *, bias: bool = False, init: str = "uniform",
                 nonlinearity: str = "tanh", seed=None, dtype=torch.float32):
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.init = check_choice(init, "init", {"uniform", "normal"})
        self.nonlinearity = check_choice(nonlinearity, "nonlinearity", {"tanh", "linear"})
        bias = check_bool(bias, "bias")
        if not isinstance(dtype, torch.dtype) or dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
        n, m = self.hidden_size, self.input_size
        itemsize = 4 if dtype == torch.float32 else 8
        check_memory(n * n, "hidden_size", itemsize=itemsize, what="the recurrent weights (hidden_size**2 entries)")
        check_memory(n * m, "input_size", itemsize=itemsize, what="the input weights (hidden_size * input_size entries)")
        self._gen = _generator(seed)
        self.W_r = nn.Parameter(self._draw((n, n), n, dtype))
        self.W_i = nn.Parameter(self._draw((n, m), m, dtype))
        self.W_o = nn.Parameter(self._draw((1, n), n, dtype))
        self.b = nn.Parameter(self._draw((n,), n, dtype)) if bias else None

    def _draw(self, shape, fan_in: int, dtype) -> torch.Tensor:
        """``nn.Linear``'s default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), or N(0, 0.2^2) for ``init="normal"``."""
        if self.init == "normal":
            return 0.2 * torch.randn(shape, generator=self._gen, dtype=dtype)
        bound = 1.0 / math.sqrt(fan_in)
        return (2.0 * torch.rand(shape, generator=self._gen, dtype=dtype) - 1.0) * bound

    def phi(self, a: torch.Tensor) -> torch.Tensor:
        r"""The candidate nonlinearity :math:`\phi` (``tanh``, or the identity for ``nonlinearity="linear"``)."""
        return torch.tanh(a) if self.nonlinearity == "tanh" else a

    def phi_prime_from_candidate(self, cand: torch.Tensor) -> torch.Tensor:
        r""":math:`\phi'(a)` written with :math:`\phi(a)`: :math:`1-\phi^2` for tanh, 1 for the identity."""
        return 1.0 - cand ** 2 if self.nonlinearity == "tanh" else torch.ones_like(cand)

    # -- the write factor, overridden by each cell ----------------------------------------
    def write_factor(self, x_prev: torch.Tensor, u: torch.Tensor):
        """Return ``(gamma, gate_pre)``: the write factor and the gate pre-activation (or None)."""
        raise NotImplementedError

    def gate_recurrent_weights(self):
        """The matrix :math:`W_{rg}` (``(n, n)``, or ``(1, n)`` for a scalar gate); None if ungated."""
        return None

    # -- forward -----------------------------------------------------------------------
    def _check_inputs(self, u) -> torch.Tensor:
        if not isinstance(u, torch.Tensor):
            raise TypeError(f"inputs must be a torch.Tensor of shape (batch, T, {self.input_size}), got {type(u).__name__}")
        if u.ndim != 3 or u.shape[2] != self.input_size or u.shape[0] < 1 or u.shape[1] < 1:
            raise ValueError(f"inputs must have shape (batch, T, {self.input_size}), got {tuple(u.shape)}")
        if not torch.isfinite(u).all():
            raise ValueError("inputs contain NaN or infinite values")
        return u.to(self.W_r.dtype)

    def rollout(self, u: torch.Tensor, x0: torch.Tensor | None = None) -> Rollout:
        """Run the cell over inputs ``u`` of shape ``(batch, T, m)``, keeping every intermediate."""
        return self._rollout(self._check_inputs(u), x0)

    def _drive(self, u: torch.Tensor, drive_offset: torch.Tensor | None) -> torch.Tensor:
        drive = u @ self.W_i.T  # all input currents at once: (batch, T, n)
        if self.b is not None:
            drive = drive + self.b
        if drive_offset is not None:
            if not isinstance(drive_offset, torch.Tensor) or drive_offset.shape != drive.shape:
                raise ValueError(f"drive_offset must be a tensor of shape {tuple(drive.shape)}, "
                                 f"got {tuple(getattr(drive_offset, 'shape', ())) or type(drive_offset).__name__}")
            drive = drive + drive_offset
        return drive

    def _rollout(self, u: torch.Tensor, x0: torch.Tensor | None = None) -> Rollout:
        batch, T, _ = u.shape
        x = torch.zeros(batch, self.hidden_size, dtype=u.dtype) if x0 is None else x0.to(u.dtype)
        drive = self._drive(u, None)
        keep = {k: [] for k in ("states", "previous", "pre", "candidate", "write", "gate_pre")}
        for t in range(T):  # the recursion itself is sequential
            a = x @ self.W_r.T + drive[:, t]
            gamma, gate_pre = self.write_factor(x, u[:, t])
            cand = self.phi(a)
            keep["previous"].append(x)
            x = (1.0 - gamma) * x + gamma * cand
            keep["states"].append(x)
            keep["pre"].append(a)
            keep["candidate"].append(cand)
            # gamma is 1.0 (plain), a (1,) or (n,) tensor (leaky) or (batch, rows) (gated).
            keep["write"].append(torch.as_tensor(gamma, dtype=u.dtype).reshape(1, -1).expand(batch, -1)
                                 if not torch.is_tensor(gamma) or gamma.ndim < 2 else gamma)
            keep["gate_pre"].append(gate_pre)
        out = Rollout({k: torch.stack(v, dim=1) for k, v in keep.items() if k != "gate_pre"})
        out["gate_pre"] = None if keep["gate_pre"][0] is None else torch.stack(keep["gate_pre"], dim=1)
        out["output"] = x @ self.W_o.T
        return out

    def forward(self, u: torch.Tensor, x0: torch.Tensor | None = None, _unchecked: bool = False,
                drive_offset: torch.Tensor | None = None, gate_offset: torch.Tensor | None = None,
                _keep_states: list | None = None) -> torch.Tensor:
        r"""The prediction :math:`y=W_o x_T`, shape ``(batch, 1)``.

        Same arithmetic as :meth:`rollout` but keeps only the running state, so training
        builds a lean autograd graph. ``drive_offset`` (``(batch, T, n)``, usually zeros)
        is added to every input current :math:`W_iu_t`: the gradient of a loss with
        respect to it is the credit :math:`\partial\mathcal L/\partial a_t` that reaches
        step :math:`t`, from which every lag's contribution to :math:`\nabla W_i` follows.
        ``gate_offset`` (``(batch, T, rows)``) does the same for the gate pre-activations
        :math:`a^u_t` of a gated cell.
        """
        if not _unchecked:
            u = self._check_inputs(u)
        x = torch.zeros(u.shape[0], self.hidden_size, dtype=u.dtype) if x0 is None else x0.to(u.dtype)
        drive = self._drive(u, drive_offset)
        W_rT = self.W_r.T
        # unbind, not drive[:, t]: a slice's backward fills a zero tensor as large as the
        # whole drive at every step, which dominated the cost of a training step.
        if gate_offset is not None:
            rows = self.W_rg.shape[0] if self.gated else 0
            if not self.gated or not isinstance(gate_offset, torch.Tensor) or gate_offset.shape != (*u.shape[:2], rows):
                raise ValueError(f"gate_offset must be a tensor of shape {(*u.shape[:2], rows)} for a gated cell")
            offsets = gate_offset.unbind(1)
        else:
            offsets = (None,) * u.shape[1]
        for d_t, u_t, o_t in zip(drive.unbind(1), u.unbind(1), offsets):
            if _keep_states is not None:
                _keep_states.append(x)
            cand = self.phi(torch.addmm(d_t, x, W_rT))
            gamma, _ = self.write_factor(x, u_t) if o_t is None else self.write_factor(x, u_t, o_t)
            if isinstance(gamma, float) and gamma == 1.0:
                x = cand
            else:
                x = x + gamma * (cand - x)
        if _keep_states is not None:
            _keep_states.append(x)
        return x @ self.W_o.T

    # -- Jacobians -----------------------------------------------------------------------
    @torch.no_grad()
    def state_jacobians(self, u: torch.Tensor, x0: torch.Tensor | None = None) -> torch.Tensor:
        r"""Exact :math:`J_t=\partial x_t/\partial x_{t-1}` for every example and step: ``(batch, T, n, n)``."""
        r = self.rollout(u, x0)
        return self.jacobians_from_rollout(r)

    def jacobians_from_rollout(self, r: Rollout) -> torch.Tensor:
        r""":math:`J_t = \mathrm{diag}(1-\gamma) + \mathrm{diag}(\gamma\phi'(a))W_r + \mathrm{diag}(d\,\sigma'(a^g))W_{rg}`."""
        gamma = r["write"]  # (B, T, n) or (B, T, 1)
        n = self.hidden_size
        dphi = self.phi_prime_from_candidate(r["candidate"])
        J = (gamma * dphi).unsqueeze(-1) * self.W_r  # rows scaled: diag(gamma phi') W_r
        J = J + torch.diag_embed((1.0 - gamma).expand(*gamma.shape[:2], n))
        W_rg = self.gate_recurrent_weights()
        if W_rg is not None:
            s = torch.sigmoid(r["gate_pre"])
            d = r["candidate"] - r["previous"]
            J = J + (d * s * (1.0 - s)).unsqueeze(-1) * W_rg  # scalar gate: (B,T,n,1)*(1,n)
        return J


class PlainRNN(RecurrentCell):
    r"""Elman network :math:`x_t=\tanh(W_rx_{t-1}+W_iu_t)` (write factor 1)."""

    def write_factor(self, x_prev, u):
        return 1.0, None


class LeakyRNN(RecurrentCell):
    r"""Leaky integrator :math:`x_t=(1-\alpha)x_{t-1}+\alpha\tanh(a_t)`: a constant gate (chapter 2).

    ``alpha`` is a float in (0, 1] or a tensor of per-neuron values (shape ``(n,)``).
    """

    def __init__(self, input_size, hidden_size, alpha=0.8, **kw):
        super().__init__(input_size, hidden_size, **kw)
        if alpha is None or isinstance(alpha, (bool, str, bytes)):
            raise TypeError(f"alpha must be a number in (0, 1] or a tensor of shape ({self.hidden_size},), got {alpha!r}")
        try:
            a = torch.as_tensor(alpha, dtype=self.W_r.dtype)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"alpha must be a number in (0, 1] or a tensor of shape ({self.hidden_size},), "
                            f"got {type(alpha).__name__}") from err
        if a.ndim not in (0, 1) or (a.ndim == 1 and a.shape[0] != self.hidden_size):
            raise ValueError(f"alpha must be a number or a tensor of shape ({self.hidden_size},), got shape {tuple(a.shape)}")
        if not torch.isfinite(a).all() or (a <= 0).any() or (a > 1).any():
            raise ValueError("alpha must lie in (0, 1]")
        self.register_buffer("alpha", a)

    def write_factor(self, x_prev, u):
        return (self.alpha if self.alpha.ndim == 1 else self.alpha.reshape(1)), None


class _GatedCell(RecurrentCell):
    gated = True
    gate_rows = 1  # overridden

    def __init__(self, input_size, hidden_size, *, gate_bias: float | None = None, gate_weights: str = "random", **kw):
        super().__init__(input_size, hidden_size, **kw)
        check_choice(gate_weights, "gate_weights", {"random", "zero"})
        rows, n, m, dtype = self._rows(), self.hidden_size, self.input_size, self.W_r.dtype
        if gate_weights == "zero":
            self.W_rg = nn.Parameter(torch.zeros(rows, n, dtype=dtype))
            self.W_ig = nn.Parameter(torch.zeros(rows, m, dtype=dtype))
        else:
            self.W_rg = nn.Parameter(self._draw((rows, n), n, dtype))
            self.W_ig = nn.Parameter(self._draw((rows, m), m, dtype))
        if gate_bias is None:
            self.b_g = None
        else:
            s0 = check_finite_float(gate_bias, "gate_bias")
            if not 0.0 < s0 < 1.0:
                raise ValueError(f"gate_bias is the initial gate value s0 and must lie in (0, 1), got {gate_bias}")
            self.b_g = nn.Parameter(torch.full((rows,), math.log(s0 / (1.0 - s0)), dtype=dtype))

    def _rows(self) -> int:
        return self.hidden_size if self.gate_rows == "n" else 1

    def write_factor(self, x_prev, u, offset=None):
        pre = x_prev @ self.W_rg.T + u @ self.W_ig.T
        if self.b_g is not None:
            pre = pre + self.b_g
        if offset is not None:
            pre = pre + offset
        return torch.sigmoid(pre), pre

    def gate_recurrent_weights(self):
        return self.W_rg


class ScalarGateRNN(_GatedCell):
    r"""One data-dependent clock :math:`g_t=\sigma(w_{rg}^\top x_{t-1}+w_{ig}^\top u_t\,[+b_g])` shared by all neurons (chapter 3)."""

    gate_rows = 1


class MultiGateRNN(_GatedCell):
    r"""Per-neuron gates :math:`g_t=\sigma(W_{rg}x_{t-1}+W_{ig}u_t\,[+b_g])\in(0,1)^n` (chapter 4)."""

    gate_rows = "n"


#: Cell classes by the short model names of experiment arms and presets (``"leaky"`` is
#: built with its default write factor :math:`\alpha=0.8`, the ``s1`` setting).
MODELS = {"plain": PlainRNN, "leaky": LeakyRNN, "scalar": ScalarGateRNN, "multi": MultiGateRNN}
