r"""Part III's continuous-time networks as Part II's discrete-time cells: one Euler step per step (chapter 12).

Chapter 12, *When dynamics meets learning*, reads the networks of Parts I and III as recurrent
cells. This module makes that reading exact. For a model :math:`\dot x=F(x)` — chapter 1's
:class:`~gatebook.RandomRateNetwork` or Part III's :class:`~gatebook.GatedNetwork` — the cell's
step is the explicit Euler step of the model,

.. math::

    x_{t+1} = x_t + \Delta t\,F\big(x_t;\ I + e_t\big),\qquad e_t = W_{\rm in}\,u_t ,

where :math:`u_t\in\mathbb R^m` is the cell's input and :math:`e_t\in\mathbb R^n` enters the
model exactly where the model's own constant inputs :math:`I=(I,I^z,I^r)` enter: inside the
:math:`\sigma_z` bracket of :math:`h` (or outside it, as the model's ``input_placement`` says) and
in the :math:`z` and :math:`r` equations. For the rate network
:math:`\tau\dot x=-x+gJ\phi(x)+e`. The input matrix :math:`W_{\rm in}` is zero unless given, so
by default the cell *is* the Euler map of the model, whose step Jacobian is

.. math:: \frac{\partial x_{t+1}}{\partial x_t} = \mathbb 1 + \Delta t\,\mathcal J(x_t),

the factor that :func:`gatebook.integrators.euler_tangent_step` (and the Lyapunov routines with
``method="euler"``) apply to tangent vectors. Products of these factors are Part II's
:math:`\Phi(t,k)` (:func:`~gatebook.learning.jacobian_products`), so the tools of chapters 2-5 —
lag profiles, Jacobian products, per-example gradients — measure Part III's networks.

**State and write factor.** For the gated network the state is the full
:math:`x=(h,z,r)\in\mathbb R^{3N}`, in the model's layout. Each block is a carry plus a write,
:math:`x_{t+1}=(1-\gamma_t)\odot x_t+\gamma_t\odot(\dots)`, with the write factor

.. math:: \gamma_t = \big(\Delta t\,\sigma_z(z_t)/\tau_h,\ \Delta t/\tau_z,\ \Delta t/\tau_r\big),

the correspondence :math:`g_t\leftrightarrow\sigma_z\Delta t/\tau_h` of the notation page (a GRU's
update gate is :math:`1-\gamma`). The rate network's is the constant :math:`\Delta t/\tau`, a leaky
cell. It lies in :math:`[0,1]` when :math:`\Delta t` does not exceed the time constants.

**Readout.** :math:`y=w_o^\top h_T` reads the units' states :math:`h` (for the rate network
:math:`x`) at the last step; :math:`w_o` defaults to :math:`\mathbf 1/N`, the population mean.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._validation import check_bool, check_memory, check_positive_float, check_positive_int
from ..gated_network import GatedNetwork
from ..random_network import RandomRateNetwork
from .cells import RecurrentCell, Rollout
from .common import check_tensor

__all__ = ["EulerCell"]

#: The scalar parameters of each model that the cell keeps (as Python floats or strings).
RATE_PARAMETERS = ("g", "tau")
GATED_PARAMETERS = ("g_h", "alpha_z", "alpha_r", "beta_z", "beta_r", "g_z", "g_r", "tau_h", "tau_z", "tau_r",
                    "r_gate", "input_placement")
GATED_INPUTS = ("input_h", "input_z", "input_r")


def _check_model(model) -> str:
    if isinstance(model, GatedNetwork):
        if model.has_time_dependent_inputs:
            which = [name for name in GATED_INPUTS if callable(getattr(model, name))]
            raise ValueError(f"model has time-dependent inputs ({', '.join(which)} is a function of time), but a "
                             "cell's step is autonomous: drive it through the cell's inputs u_t and input_weights "
                             "instead, or give the model constant inputs")
        return "gated"
    if isinstance(model, RandomRateNetwork):
        return "rate"
    raise TypeError(f"model must be a gatebook.RandomRateNetwork or gatebook.GatedNetwork, got {type(model).__name__}")


def _check_dtype(dtype) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    return dtype


def _as_matrix(value, shapes, name: str, dtype) -> torch.Tensor:
    """``value`` (array-like or tensor) as a finite ``dtype`` tensor of one of ``shapes``, a copy."""
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
        arr = value.detach().to("cpu", torch.float64)
    else:
        try:
            arr = torch.as_tensor(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an array of real numbers of shape {' or '.join(map(str, shapes))}, "
                            f"got {type(value).__name__}") from None
    if tuple(arr.shape) not in shapes:
        raise ValueError(f"{name} must have shape {' or '.join(map(str, shapes))}, got {tuple(arr.shape)}")
    if not torch.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr.to(dtype).clone()


class EulerCell(RecurrentCell):
    r"""The explicit Euler map of a rate or gated network as a torch recurrent cell (chapter 12).

    One step is one Euler step of the model (module docstring):

    .. math:: x_{t+1} = x_t + \Delta t\,F\big(x_t;\ I+W_{\rm in}u_t\big),\qquad y = w_o^\top h_T .

    The couplings are :class:`torch.nn.Parameter` copies of the model's unit-gain matrices
    (``couplings`` for the rate network; ``couplings_h``, ``couplings_z``, ``couplings_r`` for the
    gated one), multiplied by the model's gains in every step exactly as the model does; the
    gains, gate parameters, time constants and ``dt`` are fixed numbers (:attr:`spec`), the
    model's constant inputs are buffers. ``input_weights`` (:math:`W_{\rm in}`, shape ``(n, m)``)
    and ``readout`` (:math:`w_o`, shape ``(1, N)``) are the cell's own parameters.

    Parameters
    ----------
    model : gatebook.RandomRateNetwork or gatebook.GatedNetwork
        The network; its inputs, if any, must be constant (a time-dependent input is refused).
    dt : float
        The Euler step (``> 0``), in the model's time units.
    input_size : int, optional
        :math:`m`, the size of the cell's input :math:`u_t` (default 1).
    input_weights : array_like or Tensor, shape (n, m), optional
        :math:`W_{\rm in}`; rows ``0..N-1`` drive :math:`h` (the rate network's :math:`x`), rows
        ``N..2N-1`` :math:`z` and ``2N..3N-1`` :math:`r`. Default: zeros (inputs have no effect).
    readout : array_like or Tensor, shape (N,) or (1, N), optional
        :math:`w_o`. Default :math:`\mathbf 1/N`.
    dtype : torch.float64 or torch.float32, optional
        Precision of the parameters (default float64, so that comparisons with the numpy model
        are at round-off).

    Attributes
    ----------
    kind : {"rate", "gated"}
    N : int
        Number of units; the state size ``hidden_size`` is ``N`` (rate) or ``3 N`` (gated).
    dt : float
    spec : dict
        The model's scalar parameters (``g``, ``tau``; or ``g_h``, ``alpha_z``, ... ``r_gate``,
        ``input_placement``).

    Notes
    -----
    The cell is a :class:`~gatebook.learning.RecurrentCell` by interface: :meth:`rollout` (keys
    ``states``, ``previous``, ``drive`` — :math:`e_t` —, ``write`` — :math:`\gamma_t` —,
    ``gate_pre`` (None) and ``output``), ``forward``, ``state_jacobians`` and
    :meth:`jacobians_from_rollout` (by ``torch.func.jacrev`` of the step, exact to round-off).
    Its step is not the book's :math:`\phi(W_rx+W_iu)` form, so the tools that read that form's
    weights (``W_r``, the candidate) do not apply, and ``per_example_gradients`` needs
    ``method="vmap"``.

    Examples
    --------
    >>> import numpy as np, torch, gatebook as gb
    >>> net = gb.GatedNetwork(5, g_h=3.0, alpha_z=2.0, alpha_r=1.0, seed=0)
    >>> cell = EulerCell.from_model(net, dt=0.1)
    >>> x = net.initial_state(seed=1)
    >>> step = cell.step(torch.from_numpy(x)).detach().numpy()
    >>> bool(np.allclose(step, x + 0.1 * net.vector_field(x), rtol=1e-13, atol=1e-15))
    True
    >>> cell.to_model().vector_field(x).tolist() == net.vector_field(x).tolist()
    True
    """

    gated = False  # no gate pre-activation a^g of the Part II cells: its gates are state variables

    def __init__(self, model, dt: float, *, input_size: int = 1, input_weights=None, readout=None,
                 dtype=torch.float64):
        nn.Module.__init__(self)  # not RecurrentCell.__init__: no randomly drawn W_r, W_i, W_o
        self.kind = _check_model(model)
        self.dt = check_positive_float(dt, "dt")
        dtype = _check_dtype(dtype)
        self.N = model.N
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = self.N if self.kind == "rate" else 3 * self.N
        n, m = self.hidden_size, self.input_size
        check_memory(n * m, "input_size", itemsize=dtype.itemsize, what="the input weights (n * input_size entries)")
        self.nonlinearity, self.init = "tanh", "model"
        names = RATE_PARAMETERS if self.kind == "rate" else GATED_PARAMETERS
        self.spec = {name: getattr(model, name) for name in names}
        if self.kind == "rate":
            self.couplings = nn.Parameter(torch.tensor(model.couplings, dtype=dtype))
        else:
            for block in "hzr":
                setattr(self, f"couplings_{block}", nn.Parameter(torch.tensor(getattr(model, f"couplings_{block}"),
                                                                              dtype=dtype)))
            for name in GATED_INPUTS:
                value = getattr(model, name)
                self.register_buffer(name, None if value is None else torch.tensor(value, dtype=dtype))
        self.input_weights = nn.Parameter(torch.zeros(n, m, dtype=dtype) if input_weights is None else
                                          _as_matrix(input_weights, [(n, m)], "input_weights", dtype))
        self.readout = nn.Parameter(torch.full((1, self.N), 1.0 / self.N, dtype=dtype) if readout is None else
                                    _as_matrix(readout, [(self.N,), (1, self.N)], "readout", dtype).reshape(1, -1))

    @classmethod
    def from_model(cls, model, dt: float, *, input_size: int = 1, input_weights=None, readout=None,
                   dtype=torch.float64) -> "EulerCell":
        r"""The cell whose step is the Euler step of ``model`` with step ``dt``: ``EulerCell(model, dt, ...)``.

        Arguments as the class. The couplings are copied: changing the cell leaves the model as it
        was, and :meth:`to_model` returns the model of the cell's current couplings.
        """
        return cls(model, dt, input_size=input_size, input_weights=input_weights, readout=readout, dtype=dtype)

    def to_model(self):
        r"""The numpy model of the cell's current couplings and parameters (float64).

        A :class:`~gatebook.RandomRateNetwork` or :class:`~gatebook.GatedNetwork` with the same
        gains, gate parameters, time constants, constant inputs and placements. For a float64
        cell built from a model the round trip is exact: the couplings, weights and vector field
        are identical, bit for bit. ``input_weights``, ``readout`` and ``dt`` belong to the cell,
        not to the model, and are not carried over.
        """
        spec = self.spec
        if self.kind == "rate":
            return RandomRateNetwork.from_couplings(_numpy(self.couplings), g=spec["g"], tau=spec["tau"])
        inputs = {name: (None if getattr(self, name) is None else _numpy(getattr(self, name))) for name in GATED_INPUTS}
        net = GatedNetwork(self.N, seed=0, **{k: v for k, v in spec.items()}, **inputs)
        N = self.N
        # GatedNetwork draws its couplings from a seed; overwrite them (and the weights the model
        # forms from them, with the model's own products) in place, in the arrays the model uses.
        for block in "hzr":
            getattr(net, f"couplings_{block}")[...] = _numpy(getattr(self, f"couplings_{block}"))
        np.multiply(net.g_h, net.couplings_h, out=net.weights_h)
        np.multiply(net.g_z, net.couplings_z, out=net.weights_gates[:N])
        np.multiply(net.g_r, net.couplings_r, out=net.weights_gates[N:])
        return net

    # -- the vector field and the step ----------------------------------------------------
    def _dtype(self) -> torch.dtype:
        return self.readout.dtype

    def _check_state(self, x, name: str) -> torch.Tensor:
        x = check_tensor(x, name, shape=f"({self.hidden_size},) or (batch, {self.hidden_size})")
        if x.ndim not in (1, 2) or x.shape[-1] != self.hidden_size:
            raise ValueError(f"{name} must have shape ({self.hidden_size},) or (batch, {self.hidden_size}), "
                             f"got {tuple(x.shape)}")
        return x.to(self._dtype())

    def vector_field(self, x: torch.Tensor, drive: torch.Tensor | None = None) -> torch.Tensor:
        r""":math:`F(x;\,I+e)` on torch, for one state ``(n,)`` or a batch ``(batch, n)``.

        ``drive`` is :math:`e` (shape of ``x``, or ``(n,)``), added to the model's inputs; None
        means none (the model's own vector field, to round-off).
        """
        x = self._check_state(x, "x")
        if drive is not None:
            drive = check_tensor(drive, "drive", shape=f"{tuple(x.shape)} or ({self.hidden_size},)")
            if tuple(drive.shape) not in (tuple(x.shape), (self.hidden_size,)):
                raise ValueError(f"drive must have shape {tuple(x.shape)} or ({self.hidden_size},), "
                                 f"got {tuple(drive.shape)}")
            drive = drive.to(x.dtype)
        return self._field(x, drive)

    def _field(self, x, e):
        return _rate_field(self, x, e) if self.kind == "rate" else _gated_field(self, x, e)

    def _euler(self, x, e):
        return x + self.dt * self._field(x, e)

    def step(self, x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
        r"""One step :math:`x+\Delta t\,F(x;\,I+W_{\rm in}u)` from ``x`` (``(n,)`` or ``(batch, n)``).

        ``u`` is the input (``(m,)``, or ``(batch, m)`` for a batch); None: no input, so the
        step is the model's Euler step (:func:`gatebook.integrators.euler_step`) to round-off.
        """
        x = self._check_state(x, "x")
        if u is None:
            return self._euler(x, None)
        u = check_tensor(u, "u", shape=f"({self.input_size},) or (batch, {self.input_size})")
        if tuple(u.shape) != (*x.shape[:-1], self.input_size):
            raise ValueError(f"u must have shape {(*x.shape[:-1], self.input_size)} to match x, got {tuple(u.shape)}")
        return self._euler(x, u.to(x.dtype) @ self.input_weights.T)

    # -- the RecurrentCell interface ---------------------------------------------------------
    def _check_inputs(self, u) -> torch.Tensor:
        shape = f"(batch, T, {self.input_size})"
        if not isinstance(u, torch.Tensor):
            raise TypeError(f"inputs (u) must be a torch.Tensor of shape {shape}, got {type(u).__name__}")
        if not u.is_floating_point():
            raise TypeError(f"inputs (u) must be a floating-point tensor of shape {shape}, got dtype {u.dtype}")
        if u.ndim != 3 or u.shape[2] != self.input_size or u.shape[0] < 1 or u.shape[1] < 1:
            raise ValueError(f"inputs (u) must have shape {shape}, got {tuple(u.shape)}")
        if not torch.isfinite(u).all():
            raise ValueError("inputs (u) contain NaN or infinite values")
        return u.to(self._dtype())

    def _initial(self, u, x0):
        if x0 is None:
            return torch.zeros(u.shape[0], self.hidden_size, dtype=u.dtype)
        x0 = check_tensor(x0, "x0", ndim=2, shape=f"({u.shape[0]}, {self.hidden_size})")
        if tuple(x0.shape) != (u.shape[0], self.hidden_size):
            raise ValueError(f"x0 must have shape ({u.shape[0]}, {self.hidden_size}), got {tuple(x0.shape)}")
        return x0.to(u.dtype)

    def _write(self, previous):
        r"""The write factor :math:`\gamma_t` of every step from the states before it: ``(batch, T, n)``."""
        dt, spec = self.dt, self.spec
        if self.kind == "rate":
            return torch.full_like(previous, dt / spec["tau"])
        N = self.N
        sz = torch.sigmoid(spec["alpha_z"] * previous[..., N:2 * N] - spec["beta_z"])
        rest = torch.cat([torch.full_like(sz, dt / spec["tau_z"]), torch.full_like(sz, dt / spec["tau_r"])], dim=-1)
        return torch.cat([(dt / spec["tau_h"]) * sz, rest], dim=-1)

    def _rollout(self, u, x0=None) -> Rollout:
        x = self._initial(u, x0)
        drive = u @ self.input_weights.T
        previous, states = [], []
        for e_t in drive.unbind(1):  # the recursion itself is sequential
            previous.append(x)
            x = self._euler(x, e_t)
            states.append(x)
        out = Rollout(states=torch.stack(states, dim=1), previous=torch.stack(previous, dim=1), drive=drive)
        out["write"] = self._write(out["previous"])
        out["gate_pre"] = None
        out["output"] = x[:, :self.N] @ self.readout.T
        return out

    def forward(self, u: torch.Tensor, x0: torch.Tensor | None = None, _unchecked: bool = False,
                drive_offset: torch.Tensor | None = None, gate_offset: torch.Tensor | None = None,
                _keep_states: list | None = None) -> torch.Tensor:
        r"""The prediction :math:`y=w_o^\top h_T` for inputs ``u`` of shape ``(batch, T, m)``: ``(batch, 1)``.

        ``drive_offset`` (``(batch, T, n)``) is added to every drive :math:`e_t=W_{\rm in}u_t`, so
        the gradient of a loss with respect to it is the credit that reaches the drive of step
        :math:`t` (the hook of Part II's credit measurements). ``gate_offset`` and
        ``_keep_states`` belong to the book's :math:`\phi(W_rx+W_iu)` cells and are refused.
        """
        if not check_bool(_unchecked, "_unchecked"):
            u = self._check_inputs(u)
        if _keep_states is not None:
            raise ValueError("_keep_states is the hook of per_example_gradients(method='credit'), whose weight "
                             "formulas are those of the book's phi(W_r x + W_i u) cells; for an EulerCell use "
                             "per_example_gradients(cell, inputs, targets, method='vmap')")
        if gate_offset is not None:
            raise ValueError("gate_offset must be None for an EulerCell: its gates are state variables, with no "
                             "gate pre-activation offset")
        x = self._initial(u, x0)
        drive = u @ self.input_weights.T
        if drive_offset is not None:
            drive_offset = check_tensor(drive_offset, "drive_offset", shape=str(tuple(drive.shape)),
                                        finite=not _unchecked)
            if drive_offset.shape != drive.shape:
                raise ValueError(f"drive_offset must be a tensor of shape {tuple(drive.shape)}, "
                                 f"got {tuple(drive_offset.shape)}")
            drive = drive + drive_offset
        for e_t in drive.unbind(1):
            x = self._euler(x, e_t)
        return x[:, :self.N] @ self.readout.T

    def jacobians_from_rollout(self, r) -> torch.Tensor:
        r"""Step Jacobians :math:`J_t=\partial x_t/\partial x_{t-1}`, shape ``(batch, T, n, n)``.

        :math:`J_t=\mathbb 1+\Delta t\,\mathcal J(x_{t-1})`, with :math:`\mathcal J` the model's Jacobian
        (evaluated with the step's drive). ``r`` is a :meth:`rollout` (or a batch slice of one). Each :math:`J_t` is the
        ``torch.func.jacrev`` of the step at the state before it, vectorised over all
        (example, step) pairs: the exact derivative of the map the cell computes.
        """
        if not isinstance(r, dict) or not all(isinstance(r.get(k), torch.Tensor) for k in ("previous", "drive")):
            raise TypeError(f"r must be a rollout of this cell (a Rollout with 'previous' and 'drive'), got "
                            f"{type(r).__name__}")
        prev, drive = r["previous"], r["drive"]
        n = self.hidden_size
        if prev.ndim != 3 or prev.shape[-1] != n or drive.shape != prev.shape:
            raise ValueError(f"r['previous'] and r['drive'] must have shape (batch, T, {n}), "
                             f"got {tuple(prev.shape)} and {tuple(drive.shape)}")
        batch, T, _ = prev.shape
        # a function transform: it differentiates even under torch.no_grad (state_jacobians), and then
        # the result carries no graph to the parameters
        J = torch.func.vmap(torch.func.jacrev(self._euler, argnums=0))(prev.reshape(-1, n), drive.reshape(-1, n))
        return J.reshape(batch, T, n, n)

    def extra_repr(self) -> str:
        """The model kind, size, step and input size (shown by ``repr``)."""
        return f"kind={self.kind!r}, N={self.N}, dt={self.dt}, input_size={self.input_size}"


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float64).numpy().copy()


def _rate_field(cell, x, e):
    r""":math:`\tau^{-1}[-x+gJ\phi(x)+e]`, in the rate network's order of operations."""
    spec = cell.spec
    out = torch.tanh(x) @ (spec["g"] * cell.couplings).T - x
    if e is not None:
        out = out + e
    return out / spec["tau"] if spec["tau"] != 1.0 else out


def _gated_field(cell, x, e):
    r"""The gated network's :math:`F` (class notes of :class:`~gatebook.GatedNetwork`), plus the drive ``e``."""
    spec, N = cell.spec, cell.N
    h, z, r, zr = x[..., :N], x[..., N:2 * N], x[..., 2 * N:], x[..., N:]
    sz = torch.sigmoid(z * spec["alpha_z"] - spec["beta_z"])
    sr = torch.sigmoid(r * spec["alpha_r"] - spec["beta_r"])
    phi = torch.tanh(h)
    W_h = spec["g_h"] * cell.couplings_h
    W_g = torch.cat([spec["g_z"] * cell.couplings_z, spec["g_r"] * cell.couplings_r])
    rec_h = (sr * phi) @ W_h.T if spec["r_gate"] == "pre" else sr * (phi @ W_h.T)
    drive = [cell.input_h, cell.input_z, cell.input_r]
    if e is not None:
        drive = [e[..., k * N:(k + 1) * N] if d is None else d + e[..., k * N:(k + 1) * N] for k, d in enumerate(drive)]
    u = rec_h - h
    inside = spec["input_placement"] == "inside"
    if drive[0] is not None and inside:
        u = u + drive[0]
    f_h = sz * u
    if drive[0] is not None and not inside:
        f_h = f_h + drive[0]
    f_zr = phi @ W_g.T - zr
    if drive[1] is not None or drive[2] is not None:
        f_zr = f_zr + torch.cat([torch.zeros_like(z) if d is None else d.expand_as(z) for d in drive[1:]], dim=-1)
    taus = (spec["tau_h"], spec["tau_z"], spec["tau_r"])
    blocks = [f_h, f_zr[..., :N], f_zr[..., N:]]
    return torch.cat([b / tau if tau != 1.0 else b for b, tau in zip(blocks, taus)], dim=-1)
