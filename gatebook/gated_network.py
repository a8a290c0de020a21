r"""The gated recurrent network of Krishnamurthy, Can and Schwab (Part III).

Each of the :math:`N` units has a state :math:`h_i`, a timescale gate :math:`z_i` and a
dimensionality (output) gate :math:`r_i`:

.. math::

    \tau_h\,\dot h_i &= \sigma_z(z_i)\Big[-h_i + g_h\sum_{j} J^h_{ij}\,\sigma_r(r_j)\,\phi(h_j)\Big],\\
    \tau_z\,\dot z_i &= -z_i + g_z\sum_j J^z_{ij}\,\phi(h_j),\qquad
    \tau_r\,\dot r_i = -r_i + g_r\sum_j J^r_{ij}\,\phi(h_j),

plus optional inputs :math:`I` (inside the bracket by default), :math:`I^z` and :math:`I^r`
(constant or functions of time, :mod:`gatebook.inputs`), with :math:`\phi=\tanh`, gates :math:`\sigma_k(x)=[1+e^{-\alpha_kx+\beta_k}]^{-1}` and
independent :math:`J^h,J^z,J^r` with entries :math:`\mathcal N(0,1/N)` (Krishnamurthy, Can
& Schwab, Phys. Rev. X 12, 011011, 2022). The output gate is **presynaptic** by default
(:math:`\sigma_r(r_j)\phi(h_j)` is what unit :math:`j` sends); ``r_gate="post"`` gives the
postsynaptic variant :math:`\sigma_r(r_i)\,g_h\sum_jJ^h_{ij}\phi(h_j)`.

With :math:`\alpha_z=\alpha_r=0` the gates are the constants :math:`s_k=\sigma_k(0)=1/(1+e^{\beta_k})`
and the :math:`h`-dynamics is chapter 1's network with :math:`g_{\rm eff}=g_hs_r` and
:math:`\tau_{\rm eff}=\tau_h/s_z` (:meth:`GatedNetwork.reduced_network`). The quiescent state
:math:`h=z=r=0` is a fixed point for every parameter value; it is stable iff
:math:`g_hs_r<1`, i.e. :math:`g_h<1+e^{\beta_r}` (:attr:`GatedNetwork.zero_state_threshold`);
the closed forms of the quiet state are in :mod:`gatebook.quiet_state`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy.special import expit

from ._linalg import rows_times_transpose
from ._validation import (
    as_generator,
    check_choice,
    check_finite_float,
    check_memory,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_state,
)
from .inputs import evaluate_input_unchecked, as_input
from .quiet_state import effective_gain, origin_disk, quiet_threshold
from .random_network import RandomRateNetwork

__all__ = ["GatedNetwork", "UnitQuantities"]

R_GATES = ("pre", "post")
INPUT_PLACEMENTS = ("inside", "outside")


class UnitQuantities(NamedTuple):
    r"""Per-unit quantities of a state (each of shape ``(N,)``, or ``(batch, N)`` for a batch).

    ``u`` is the bracket that the timescale gate multiplies,
    :math:`\tau_h\dot h=\sigma_z\odot u` (plus :math:`I` outside the bracket when
    ``input_placement="outside"``). Slopes include the gains:
    :math:`\sigma_k'=\alpha_k\sigma_k(1-\sigma_k)`.
    """

    h: np.ndarray
    z: np.ndarray
    r: np.ndarray
    phi: np.ndarray
    dphi: np.ndarray
    sigma_z: np.ndarray
    sigma_r: np.ndarray
    dsigma_z: np.ndarray
    dsigma_r: np.ndarray
    u: np.ndarray


@dataclass(eq=False)
class GatedNetwork:
    r"""Gated rate network with a timescale gate :math:`z` and an output gate :math:`r` (Part III).

    The state is the concatenation :math:`x=(h,z,r)\in\mathbb R^{3N}`.

    Parameters
    ----------
    N : int
        Number of units (``>= 1``); the state dimension is ``3 N``.
    g_h : float
        Gain of the state coupling :math:`g_hJ^h` (``>= 0``).
    alpha_z, alpha_r : float, optional
        Gate gains (``>= 0``). With both zero the gates are constant (no gating).
    beta_z, beta_r : float, optional
        Gate biases; a positive bias closes the gate at rest, :math:`\sigma_k(0)=1/(1+e^{\beta_k})`.
    g_z, g_r : float, optional
        Gains of the gate couplings :math:`g_zJ^z`, :math:`g_rJ^r` (``>= 0``, default 1; only
        the products :math:`\alpha_kg_k` matter for the statistics).
    tau_h, tau_z, tau_r : float, optional
        Time constants (``> 0``).
    r_gate : {"pre", "post"}, optional
        Placement of the output gate: presynaptic :math:`J^h(\sigma_r\odot\phi)` (default)
        or postsynaptic :math:`\sigma_r\odot(J^h\phi)`.
    seed : int, numpy.random.Generator or None, optional
        Source of the three coupling matrices (drawn in the order :math:`J^h, J^z, J^r`).
    input_h, input_z, input_r : float, array of shape (N,) or callable, optional
        External inputs :math:`I`, :math:`I^z`, :math:`I^r` to the state and to the gates
        (keyword only): a number (the same for every unit), a vector, or a function of
        time returning either, e.g. :func:`gatebook.pulses`. Default: none.
    input_placement : {"inside", "outside"}, optional
        Where :math:`I` enters the state equation (keyword only). ``"inside"`` (default):
        :math:`\tau_h\dot h=\sigma_z\odot(-h+\dots+I)`, so a unit whose timescale gate is
        closed cannot be written to. ``"outside"``:
        :math:`\tau_h\dot h=\sigma_z\odot(-h+\dots)+I`.

    Attributes
    ----------
    couplings_h, couplings_z, couplings_r : ndarray, shape (N, N)
        The unit-gain matrices :math:`J^h, J^z, J^r`, entries :math:`\mathcal N(0,1/N)`.
    weights_h : ndarray, shape (N, N)
        :math:`g_hJ^h`.
    weights_gates : ndarray, shape (2N, N)
        The stacked :math:`[g_zJ^z;\,g_rJ^r]`, so one product drives both gates.

    Notes
    -----
    The Jacobian, with :math:`u=-h+g_hJ^h(\sigma_r\phi)` (presynaptic), is

    .. math::

        \mathcal J=\begin{pmatrix}
        \tau_h^{-1}\mathrm D(\sigma_z)[-\mathbb 1+g_hJ^h\mathrm D(\sigma_r\phi')] &
        \tau_h^{-1}\mathrm D(\sigma_z'u) & \tau_h^{-1}\mathrm D(\sigma_z)\,g_hJ^h\mathrm D(\sigma_r'\phi)\\
        \tau_z^{-1}g_zJ^z\mathrm D(\phi') & -\tau_z^{-1}\mathbb 1 & 0\\
        \tau_r^{-1}g_rJ^r\mathrm D(\phi') & 0 & -\tau_r^{-1}\mathbb 1
        \end{pmatrix},

    with :math:`\sigma_k'=\alpha_k\sigma_k(1-\sigma_k)`. In the postsynaptic variant the
    :math:`hh` block is :math:`\tau_h^{-1}\mathrm D(\sigma_z)[-\mathbb 1+\mathrm D(\sigma_r)g_hJ^h\mathrm D(\phi')]`
    and the :math:`hr` block is diagonal, :math:`\tau_h^{-1}\mathrm D(\sigma_z\sigma_r'\,g_hJ^h\phi)`.

    Examples
    --------
    >>> from gatebook.gated_network import GatedNetwork
    >>> net = GatedNetwork(N=100, g_h=3.0, alpha_z=2.0, alpha_r=2.0, seed=0)
    >>> net.dim
    300
    >>> net.zero_state_threshold
    2.0
    """

    N: int
    g_h: float
    alpha_z: float = 0.0
    alpha_r: float = 0.0
    beta_z: float = 0.0
    beta_r: float = 0.0
    g_z: float = 1.0
    g_r: float = 1.0
    tau_h: float = 1.0
    tau_z: float = 1.0
    tau_r: float = 1.0
    r_gate: str = "pre"
    seed: object = None
    input_h: object = field(default=None, kw_only=True)
    input_z: object = field(default=None, kw_only=True)
    input_r: object = field(default=None, kw_only=True)
    input_placement: str = field(default="inside", kw_only=True)
    couplings_h: np.ndarray = field(init=False, repr=False)
    couplings_z: np.ndarray = field(init=False, repr=False)
    couplings_r: np.ndarray = field(init=False, repr=False)
    weights_h: np.ndarray = field(init=False, repr=False)
    weights_gates: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        self.N = check_positive_int(self.N, "N")
        check_memory(3 * self.N**2, "N", what="the three N x N coupling matrices")
        self.g_h = check_nonnegative_float(self.g_h, "g_h")
        self.alpha_z = check_nonnegative_float(self.alpha_z, "alpha_z")
        self.alpha_r = check_nonnegative_float(self.alpha_r, "alpha_r")
        self.beta_z = check_finite_float(self.beta_z, "beta_z")
        self.beta_r = check_finite_float(self.beta_r, "beta_r")
        self.g_z = check_nonnegative_float(self.g_z, "g_z")
        self.g_r = check_nonnegative_float(self.g_r, "g_r")
        self.tau_h = check_positive_float(self.tau_h, "tau_h")
        self.tau_z = check_positive_float(self.tau_z, "tau_z")
        self.tau_r = check_positive_float(self.tau_r, "tau_r")
        self.r_gate = check_choice(self.r_gate, "r_gate", R_GATES)
        self._set_inputs(self.input_h, self.input_z, self.input_r, self.input_placement)
        rng = as_generator(self.seed)
        J = rng.standard_normal((3, self.N, self.N)) / np.sqrt(self.N)
        self.couplings_h, self.couplings_z, self.couplings_r = J[0], J[1], J[2]
        self.weights_h = self.g_h * self.couplings_h
        self.weights_gates = np.concatenate([self.g_z * self.couplings_z, self.g_r * self.couplings_r])
        self._weights_by_dtype = {np.dtype(np.float64): (self.weights_h, self.weights_gates)}
        self._affine_by_dtype = {}

    # -- helpers -------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """State dimension (``3 N``: the blocks ``h``, ``z``, ``r``)."""
        return 3 * self.N

    @property
    def s_z(self) -> float:
        r"""Timescale gate at rest, :math:`s_z=\sigma_z(0)=1/(1+e^{\beta_z})`."""
        return float(expit(-self.beta_z))

    @property
    def s_r(self) -> float:
        r"""Output gate at rest, :math:`s_r=\sigma_r(0)=1/(1+e^{\beta_r})`."""
        return float(expit(-self.beta_r))

    @property
    def zero_state_threshold(self) -> float:
        r"""Critical :math:`g_h=1/s_r=1+e^{\beta_r}` at which the quiescent state loses stability.

        The state :math:`h=z=r=0` is a fixed point (no input) for every parameter value.
        There :math:`u=0` and :math:`\phi=0`, so the :math:`hz` and :math:`hr` blocks of the
        Jacobian vanish and its spectrum is that of the :math:`hh` block,
        :math:`(s_z/\tau_h)(-1+g_hs_r\,w)` with :math:`w` an eigenvalue of :math:`J^h`,
        plus :math:`-1/\tau_z` and :math:`-1/\tau_r`. By the circular law it is stable iff
        :math:`g_hs_r<1` for large :math:`N`, **for any** :math:`\alpha_z,\alpha_r,\beta_z,
        g_z,g_r` and time constants, and for both placements of the output gate. At finite
        :math:`N` the threshold moves by the :math:`O(N^{-1/2})` edge fluctuations of the
        spectrum of :math:`J^h`. With an external input the origin is no longer a fixed point
        and this threshold does not apply.

        This network's value of :func:`gatebook.quiet_state.quiet_threshold`, where the
        closed form lives (a :class:`ValueError` if :math:`e^{\beta_r}` overflows).
        """
        return quiet_threshold(self.beta_r)

    def origin_disk(self) -> tuple[float, float]:
        r"""Centre and radius :math:`(-s_z/\tau_h,\ g_hs_rs_z/\tau_h)` of the :math:`hh`-block disk at the origin.

        This network's value of :func:`gatebook.quiet_state.origin_disk`, where the closed
        form lives.
        """
        return origin_disk(self.g_h, beta_r=self.beta_r, beta_z=self.beta_z, tau_h=self.tau_h)

    def _set_inputs(self, input_h, input_z, input_r, placement) -> None:
        self.input_h = as_input(input_h, self.N, "input_h")
        self.input_z = as_input(input_z, self.N, "input_z")
        self.input_r = as_input(input_r, self.N, "input_r")
        self.input_placement = check_choice(placement, "input_placement", INPUT_PLACEMENTS)

    @property
    def has_inputs(self) -> bool:
        """Whether any external input (to :math:`h`, :math:`z` or :math:`r`) is set."""
        return any(v is not None for v in (self.input_h, self.input_z, self.input_r))

    @property
    def has_time_dependent_inputs(self) -> bool:
        """Whether any input is a function of time."""
        return any(callable(v) for v in (self.input_h, self.input_z, self.input_r))

    def inputs(self, t: float = 0.0):
        r"""The inputs :math:`(I(t), I^z(t), I^r(t))` at time ``t``; each ``None`` (absent), a number or ``(N,)``."""
        N = self.N
        return (
            evaluate_input_unchecked(self.input_h, t, N, "input_h"),
            evaluate_input_unchecked(self.input_z, t, N, "input_z"),
            evaluate_input_unchecked(self.input_r, t, N, "input_r"),
        )

    def with_inputs(self, *, input_h=None, input_z=None, input_r=None, input_placement=None) -> "GatedNetwork":
        """The same network (same couplings and parameters) with new inputs.

        Inputs not given are absent in the copy; ``input_placement=None`` keeps the current one.
        """
        new = copy.copy(self)
        placement = self.input_placement if input_placement is None else input_placement
        new._set_inputs(input_h, input_z, input_r, placement)
        return new

    def split(self, x: np.ndarray):
        """Views ``(h, z, r)`` of a state ``(3N,)`` or a batch ``(batch, 3N)`` (finite entries)."""
        self._check_finite_x(x)
        N = self.N
        return x[..., :N], x[..., N : 2 * N], x[..., 2 * N :]

    def reduced_network(self) -> RandomRateNetwork:
        r"""Chapter 1's network that the :math:`h`-dynamics equals when :math:`\alpha_z=\alpha_r=0`.

        Returns :class:`RandomRateNetwork` on the *same* matrix :math:`J^h` with
        :math:`g_{\rm eff}=g_hs_r` (:func:`gatebook.quiet_state.effective_gain`) and
        :math:`\tau_{\rm eff}=\tau_h/s_z`. Exact for both placements of the output gate (the
        gates are constants then).
        """
        if self.alpha_z != 0.0 or self.alpha_r != 0.0:
            raise ValueError(
                "reduced_network needs alpha_z = alpha_r = 0 (constant gates), "
                f"got alpha_z={self.alpha_z}, alpha_r={self.alpha_r}"
            )
        if self.input_h is not None:
            raise ValueError("reduced_network needs input_h=None: chapter 1's network has no external input")
        return RandomRateNetwork.from_couplings(
            self.couplings_h, g=effective_gain(self.g_h, beta_r=self.beta_r), tau=self.tau_h / self.s_z
        )

    def gates_at_rest(self, h, t: float = 0.0) -> np.ndarray:
        r"""The state :math:`(h,z,r)` whose gate variables sit where :math:`h` holds them (chapters 10-11).

        .. math:: z=g_zJ^z\phi(h)+I^z,\qquad r=g_rJ^r\phi(h)+I^r,

        the zeros of the :math:`z` and :math:`r` rows of the vector field. At a fixed point the
        gate variables take these values, so a fixed point is determined by :math:`h` alone:
        the starts of :func:`gatebook.fixed_point_census` and the points of
        :func:`gatebook.marginal_fixed_points` are lifted with it. ``h`` has shape ``(N,)``.
        """
        h = check_state(h, self.N, "h", allow_batch=False)  # finite, shape (N,)
        phi = np.tanh(h)
        _, I_z, I_r = self.inputs(t)
        z = self.g_z * (self.couplings_z @ phi) + (0.0 if I_z is None else I_z)
        r = self.g_r * (self.couplings_r @ phi) + (0.0 if I_r is None else I_r)
        return np.concatenate([h, z, r])

    def initial_state(self, seed=None, trials: int | None = None, scale: float = 1.0) -> np.ndarray:
        r"""Random initial state(s): all :math:`3N` entries i.i.d. :math:`\mathcal N(0,\mathrm{scale}^2)`.

        Returns shape ``(3N,)``, or ``(trials, 3N)`` when ``trials`` is given (the same
        distribution :func:`gatebook.simulate` uses when ``x0`` is omitted).
        """
        rng = as_generator(seed)
        scale = check_nonnegative_float(scale, "scale")
        shape = (self.dim,) if trials is None else (check_positive_int(trials, "trials"), self.dim)
        check_memory(float(np.prod(shape, dtype=float)), "trials", what="the initial states")
        return scale * rng.standard_normal(shape)

    def _weights(self, dtype):
        dtype = np.dtype(dtype)
        W = self._weights_by_dtype.get(dtype)
        if W is None:
            W = self._weights_by_dtype[dtype] = (
                self.weights_h.astype(dtype),
                self.weights_gates.astype(dtype),
            )
        return W

    def _check_x(self, x) -> None:
        if not isinstance(x, np.ndarray) or x.ndim not in (1, 2) or x.shape[-1] != self.dim:
            shape = getattr(x, "shape", type(x).__name__)
            raise ValueError(f"x must be an array of shape ({self.dim},) or (batch, {self.dim}), got {shape}")

    def _check_finite_x(self, x) -> None:
        """:meth:`_check_x`, and every entry finite (for the public methods outside the hot loop)."""
        self._check_x(x)
        if not np.all(np.isfinite(x)):
            raise ValueError("x contains NaN or infinite values")

    def _check_V(self, V) -> None:
        if not isinstance(V, np.ndarray) or V.ndim not in (1, 2) or V.shape[0] != self.dim:
            shape = getattr(V, "shape", type(V).__name__)
            raise ValueError(f"V must be an array of shape ({self.dim},) or ({self.dim}, k), got {shape}")

    def _check_single_x(self, x) -> None:
        self._check_x(x)
        if x.ndim != 1:
            raise ValueError(f"x must be a single state of shape ({self.dim},), got {x.shape}")

    def _gate_affine(self, dtype):
        r"""Gains :math:`(\alpha_z,\dots,\alpha_r,\dots)` and biases (``None`` when both are 0) of the stacked gates.

        Length ``2N`` each, in ``dtype``, so that both gates' pre-activations
        :math:`\alpha_k x-\beta_k` are one product and one difference over the contiguous
        block :math:`(z,r)` of the state. Rebuilt when a gate parameter has changed.
        """
        params = (self.alpha_z, self.alpha_r, self.beta_z, self.beta_r)
        cached = self._affine_by_dtype.get(dtype)
        if cached is None or cached[0] != params:
            N = self.N
            gain = np.repeat(np.array(params[:2], dtype=dtype), N)
            bias = None if params[2] == params[3] == 0.0 else np.repeat(np.array(params[2:], dtype=dtype), N)
            cached = self._affine_by_dtype[dtype] = (params, gain, bias)
        return cached[1], cached[2]

    def _gates(self, x):
        r"""``(h, phi, s)``: :math:`h`, :math:`\phi(h)` and the stacked gates :math:`s=(\sigma_z(z),\sigma_r(r))`.

        Shared by the vector field and the Jacobian (inputs do not enter). Both gates are
        evaluated by one call of the sigmoid on the contiguous block :math:`(z,r)` of the
        state: fewer numpy calls per step, the same numbers as gate by gate.
        """
        N = self.N
        h = x[..., :N]
        gain, bias = self._gate_affine(x.dtype if x.dtype.kind == "f" else np.dtype(np.float64))
        s = x[..., N:] * gain
        if bias is not None:
            s -= bias
        expit(s, out=s)
        return h, np.tanh(h), s

    def unit_quantities(self, x: np.ndarray, t: float = 0.0) -> UnitQuantities:
        r"""Per-unit :math:`h,z,r,\phi,\phi',\sigma_z,\sigma_r,\sigma_z',\sigma_r'` and the bracket :math:`u` at a state.

        ``x`` is one state ``(3N,)`` or a batch ``(batch, 3N)`` (all at time ``t``). These are
        the ingredients of the Jacobian (class notes), of the local timescales
        :math:`\tau_h/\sigma_{z,i}` (chapter 7) and of the spectral-support function
        (:mod:`gatebook.spectral_support`).
        """
        self._check_finite_x(x)
        Wh, _ = self._weights(x.dtype)
        N = self.N
        h, phi, s = self._gates(x)
        dphi, ds = self._slopes(phi, s)
        sz, sr, dsz, dsr = s[..., :N], s[..., N:], ds[..., :N], ds[..., N:]
        z, r = x[..., N : 2 * N], x[..., 2 * N :]
        if self.r_gate == "pre":
            rec_h = rows_times_transpose(sr * phi, Wh)
        else:
            rec_h = sr * rows_times_transpose(phi, Wh)
        u = rec_h - h
        I_h = evaluate_input_unchecked(self.input_h, t, self.N, "input_h")
        if I_h is not None and self.input_placement == "inside":
            u = u + I_h
        return UnitQuantities(h, z, r, phi, dphi, sz, sr, dsz, dsr, u)

    def _slopes(self, phi, s):
        r""":math:`\phi'(h)` and the stacked slopes :math:`(\sigma_z'(z),\sigma_r'(r))` of the gates ``s`` (with their gains)."""
        ds = self._gate_affine(s.dtype)[0] * s
        ds *= 1.0 - s
        return 1.0 - phi * phi, ds

    def _finish(self, x, sz, rec_h, rec_g, t):
        r"""Assemble :math:`F` at ``x`` from the recurrent inputs ``rec_h`` (to h) and ``rec_g`` (to z, r).

        Returns ``(F, u)`` with ``u`` the bracket multiplied by :math:`\sigma_z`. Both gates'
        rows are one subtraction (``rec_g`` and :math:`(z,r)` are stacked alike).
        """
        N = self.N
        h, zr = x[..., :N], x[..., N:]
        out = np.empty(x.shape, dtype=np.result_type(x, rec_h))
        u = rec_h - h
        if self.input_h is None and self.input_z is None and self.input_r is None:
            np.multiply(sz, u, out=out[..., :N])
            np.subtract(rec_g, zr, out=out[..., N:])
        else:
            I_h, I_z, I_r = self.inputs(t)
            if I_h is not None and self.input_placement == "inside":
                u += I_h
            np.multiply(sz, u, out=out[..., :N])
            if I_h is not None and self.input_placement == "outside":
                out[..., :N] += I_h
            np.subtract(rec_g, zr, out=out[..., N:])
            if I_z is not None:
                out[..., N : 2 * N] += I_z
            if I_r is not None:
                out[..., 2 * N :] += I_r
        if self.tau_h != 1.0:
            out[..., :N] /= self.tau_h
        if self.tau_z != 1.0:
            out[..., N : 2 * N] /= self.tau_z
        if self.tau_r != 1.0:
            out[..., 2 * N :] /= self.tau_r
        return out, u

    # -- the protocol ------------------------------------------------------------------
    def vector_field(self, x: np.ndarray, t: float = 0.0) -> np.ndarray:
        r""":math:`F(x)` for one state ``(3N,)`` or a batch ``(batch, 3N)``."""
        self._check_x(x)
        Wh, Wg = self._weights(x.dtype)
        h, phi, s = self._gates(x)
        sz, sr = s[..., : self.N], s[..., self.N :]
        if self.r_gate == "pre":
            rec_h = rows_times_transpose(sr * phi, Wh)
        else:
            rec_h = sr * rows_times_transpose(phi, Wh)
        rec_g = rows_times_transpose(phi, Wg)
        return self._finish(x, sz, rec_h, rec_g, t)[0]

    def jacobian(self, x: np.ndarray, t: float = 0.0) -> np.ndarray:
        r"""Dense :math:`3N\times3N` Jacobian at one state (all nine blocks; see the class notes)."""
        self._check_single_x(x)
        N = self.N
        Wh, Wg = self._weights(x.dtype)
        h, phi, s = self._gates(x)
        dphi, ds = self._slopes(phi, s)
        sz, sr, dsz, dsr = s[:N], s[N:], ds[:N], ds[N:]
        J = np.zeros((3 * N, 3 * N), dtype=x.dtype)
        hh, hz, hr = J[:N, :N], J[:N, N : 2 * N], J[:N, 2 * N :]
        diag = np.arange(N)
        # The dense blocks are written in place (no N x N temporaries), and a division by a
        # time constant of 1 is skipped: the same numbers, half the memory traffic.
        if self.r_gate == "pre":
            rec = Wh @ (sr * phi)
            np.multiply(sz[:, None], Wh, out=hh)
            np.multiply(hh, (sr * dphi)[None, :], out=hh)
            np.multiply(sz[:, None], Wh, out=hr)
            np.multiply(hr, (dsr * phi)[None, :], out=hr)
        else:
            Wphi = Wh @ phi
            rec = sr * Wphi
            np.multiply((sz * sr)[:, None], Wh, out=hh)
            np.multiply(hh, dphi[None, :], out=hh)
            hr[diag, diag] = sz * dsr * Wphi
        hh[diag, diag] -= sz
        u = rec - h
        I_h = evaluate_input_unchecked(self.input_h, t, N, "input_h")
        if I_h is not None and self.input_placement == "inside":
            u = u + I_h
        hz[diag, diag] = dsz * u
        if self.tau_h != 1.0:
            J[:N] /= self.tau_h
        np.multiply(Wg, dphi[None, :], out=J[N:, :N])
        if self.tau_z != 1.0:
            J[N : 2 * N, :N] /= self.tau_z
        if self.tau_r != 1.0:
            J[2 * N :, :N] /= self.tau_r
        J[N + diag, N + diag] = -1.0 / self.tau_z
        J[2 * N + diag, 2 * N + diag] = -1.0 / self.tau_r
        return J

    def vector_field_and_jvp(self, x: np.ndarray, V: np.ndarray, t: float = 0.0):
        r"""``(F(x), J(x) V)`` for one state ``(3N,)`` and ``V`` of shape ``(3N,)`` or ``(3N, k)``.

        The state's row and the ``k`` tangent rows share one product with :math:`g_hJ^h`
        and one with the stacked :math:`[g_zJ^z;g_rJ^r]`.
        """
        self._check_single_x(x)
        self._check_V(V)
        N = self.N
        Wh, Wg = self._weights(x.dtype)
        h, phi, s = self._gates(x)
        dphi, ds = self._slopes(phi, s)
        sz, sr, dsz, dsr = s[:N], s[N:], ds[:N], ds[N:]
        Vt = V[None, :] if V.ndim == 1 else V.T  # (k, 3N): one tangent vector per row
        k = Vt.shape[0]
        Vh, Vz, Vr = Vt[:, :N], Vt[:, N : 2 * N], Vt[:, 2 * N :]
        dtype = np.result_type(x, V)

        # product with [g_z J^z; g_r J^r]: row 0 is the state (phi), rows 1..k the tangent
        # vectors (phi' * dh); both gates see the same rows
        rows_g = np.empty((1 + k, N), dtype=dtype)
        rows_g[0] = phi
        np.multiply(Vh, dphi, out=rows_g[1:])
        # product with g_h J^h: the same rows in the postsynaptic variant
        if self.r_gate == "pre":
            rows_h = np.empty((1 + k, N), dtype=dtype)
            np.multiply(sr, phi, out=rows_h[0])
            np.multiply(Vh, sr * dphi, out=rows_h[1:])
            rows_h[1:] += Vr * (dsr * phi)
        else:
            rows_h = rows_g
        prod_h = rows_times_transpose(rows_h, Wh)
        prod_g = rows_times_transpose(rows_g, Wg)

        if self.r_gate == "pre":
            rec_h = prod_h[0]
            d_rec = prod_h[1:]
        else:
            rec_h = sr * prod_h[0]
            d_rec = sr * prod_h[1:] + Vr * (dsr * prod_h[0])
        F, u = self._finish(x, sz, rec_h, prod_g[0], t)

        JV = np.empty((k, 3 * N), dtype=dtype)
        jv_h = JV[:, :N]
        np.subtract(d_rec, Vh, out=jv_h)
        jv_h *= sz
        jv_h += Vz * (dsz * u)
        np.subtract(prod_g[1:], Vt[:, N:], out=JV[:, N:])
        if self.tau_h != 1.0:
            JV[:, :N] /= self.tau_h
        if self.tau_z != 1.0:
            JV[:, N : 2 * N] /= self.tau_z
        if self.tau_r != 1.0:
            JV[:, 2 * N :] /= self.tau_r
        return F, (JV[0] if V.ndim == 1 else JV.T)

    def jvp(self, x: np.ndarray, V: np.ndarray, t: float = 0.0) -> np.ndarray:
        r""":math:`\mathcal J(x)V` without forming :math:`\mathcal J`; ``V`` is ``(3N,)`` or ``(3N, k)``."""
        return self.vector_field_and_jvp(x, V, t)[1]

    def jacobian_trace(self, x: np.ndarray, t: float = 0.0) -> float:
        r""":math:`\operatorname{tr}\mathcal J=\tau_h^{-1}\sum_i\sigma_{z,i}(-1+g_hJ^h_{ii}\sigma_{r,i}\phi'_i)-N/\tau_z-N/\tau_r`.

        The same formula holds for both placements of the output gate.
        """
        self._check_single_x(x)
        N = self.N
        h, phi, s = self._gates(x)
        sz, sr = s[:N], s[N:]
        dphi = 1.0 - phi * phi
        hh = np.dot(sz, np.diagonal(self.weights_h) * sr * dphi - 1.0) / self.tau_h
        return float(hh - self.N / self.tau_z - self.N / self.tau_r)
