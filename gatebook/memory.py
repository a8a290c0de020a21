r"""Integration and reset with the timescale gate: a write-and-erase protocol (chapter 7).

**The marginal window.** As :math:`\alpha_z\to\infty` (with :math:`\alpha_r=0`) the units whose
gate is closed stop moving, so any value of their :math:`h_i` is part of a fixed point and the
network holds whatever was written into them. The remaining open units (a fraction
:math:`f_{\rm open}=1/2` for :math:`\beta_z=0`) see a random matrix whose eigenvalues fill a
disk centred at :math:`-1/\tau_h` of radius :math:`\rho_{\rm open}/\tau_h`,

.. math::

    \rho_{\rm open}^2=g_h^2\,s_r^2\,f_{\rm open}\,\langle\phi'^2\rangle_{\Delta},\qquad
    \Delta=g_h^2\,s_r^2\,\langle\phi^2\rangle_{\Delta},

with :math:`s_r=1/(1+e^{\beta_r})` and :math:`\langle\cdot\rangle_\Delta` a Gaussian average of
variance :math:`\Delta` (the static mean field of the fixed points). The state is marginally
stable, neither decaying to zero nor chaotic, when :math:`1+e^{\beta_r}<g_h<g_h^*` with
:math:`\rho_{\rm open}(g_h^*)=1` (:func:`open_radius`, :func:`marginal_window`; our mean-field derivation, following the
theory of Krishnamurthy, Can & Schwab, Phys. Rev. X 12, 011011, 2022). It assumes that the
frozen coordinates share the statistics of the static solution.

**The protocol** (:func:`write_and_reset`). The paper states that the gated network integrates
its inputs and that a gate pulse resets it; the exact protocol below is *our design*:

1. the network (inside the window, :math:`\alpha_z\approx20`) first settles for ``t_settle``;
2. equal pulses of a pattern :math:`\xi` are sent to :math:`h` at the ``write_times``. With the
   input **outside** the :math:`\sigma_z` bracket, :math:`\tau_h\dot h=\sigma_z\odot u+I`, a closed
   unit simply adds up its input: the network integrates. With the input **inside** the bracket
   (the book's default), :math:`\tau_h\dot h=\sigma_z\odot(u+I)`, a closed unit cannot be
   written, so each :math:`h`-pulse comes with a brief *gate pulse* to :math:`z`: :math:`+A` for
   ``gate_width`` (the gates open), then :math:`-A` for ``gate_width`` (they shut again faster
   than their own relaxation time :math:`\tau_z` would allow);
3. a lone, longer positive pulse to :math:`z` at ``reset_time`` opens every gate: the held
   values relax and are scrambled, and the trace is erased.

**The memory trace.** The same network is run twice from the same settled state with the same
gate pulses, once with and once without the :math:`h`-pulses, and the difference is read along
the pattern,

.. math::

    M(t)=\frac{\xi\cdot\big(h(t)-h^{\rm ctrl}(t)\big)}{\lVert\xi\rVert^2}.

Subtracting the control run removes the slow drift of the marginal state and what the gate
pulses do by themselves, so :math:`M` is exactly what the input pulses left behind. For a unit
that simply integrates, one pulse of height :math:`a` and width :math:`w` adds :math:`aw` to
:math:`h_i`; in the network only the closed units keep it, so :math:`M` steps up by about
:math:`aw\,f_{\rm closed}` per pulse. A closed gate leaks at rate
:math:`\approx e^{-\alpha_z\lvert z_i\rvert-\beta_z}/\tau_h`, so the held trace fades slowly
(logarithmically in time) rather than not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from ._validation import (
    as_float_array,
    as_generator,
    check_choice,
    check_finite_float,
    check_memory,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_state,
)
from .gated_network import INPUT_PLACEMENTS, GatedNetwork
from .inputs import Pulses, pulses
from .meanfield.onsets import marginal_window, open_radius
from .integrators import steps_for
from .simulate import Trajectory, simulate

__all__ = [
    "open_radius",
    "marginal_window",
    "PulseSum",
    "memory_inputs",
    "MemoryResult",
    "settle",
    "write_and_reset",
    "PROTOCOLS",
]

#: Default pulse settings per input placement (used where :func:`write_and_reset` gets ``None``).
#: ``outside``: the input is integrated directly, no gate pulse. ``inside``: a brief bipolar gate
#: pulse of height ``gate_pulse`` opens the gates for about ``gate_width`` while a short, stronger
#: :math:`h`-pulse is on.
PROTOCOLS = {
    "outside": {"width": 2.0, "amplitude": 0.25, "gate_pulse": 0.0, "gate_width": 0.2},
    "inside": {"width": 0.4, "amplitude": 1.0, "gate_pulse": 8.0, "gate_width": 0.2},
}


@dataclass(frozen=True, eq=False)
class PulseSum:
    r"""The sum :math:`I(t)=\sum_k I_k(t)` of several pulse trains (callable in ``t``), e.g. gate pulses plus a reset."""

    parts: tuple

    def __call__(self, t: float):
        return sum(p(t) for p in self.parts)

    @property
    def end(self) -> float:
        """Time at which the last pulse of any part ends."""
        return max(p.end for p in self.parts)


def _check_times(values, name: str) -> np.ndarray:
    arr = np.atleast_1d(as_float_array(values, name, "a non-empty 1-D sequence of finite times"))
    if arr.ndim != 1 or arr.size == 0 or not np.isfinite(arr).all():
        raise ValueError(f"{name} must be a non-empty 1-D sequence of finite times, got {values!r}")
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing, got {arr.tolist()}")
    return arr


def memory_inputs(
    pattern,
    write_times,
    *,
    width: float,
    amplitude: float,
    gate_pulse: float = 0.0,
    gate_width: float = 0.2,
    reset_time: float | None = None,
    reset_amplitude: float = 3.0,
    reset_width: float = 8.0,
):
    r"""The inputs of the write-and-reset protocol: pulses to :math:`h` and to the :math:`z`-gate.

    .. math::

        I(t)&=a\,\xi\sum_k\mathbb 1\{t_k\le t<t_k+w\},\\
        I^z(t)&=A\sum_k\big(\mathbb 1\{t_k\le t<t_k+w_g\}-\mathbb 1\{t_k+w_g\le t<t_k+2w_g\}\big)
               +A_R\,\mathbb 1\{t_R\le t<t_R+w_R\}.

    The bipolar gate pulse (height :math:`A`, ``gate_pulse``) opens the gates at each write and
    shuts them again; ``gate_pulse=0`` omits it (outside placement, where writing needs no open
    gate). The reset is a lone positive pulse (height :math:`A_R`, width :math:`w_R`).

    Parameters
    ----------
    pattern : array_like, shape (N,)
        The written pattern :math:`\xi`.
    write_times : sequence of float
        Onsets :math:`t_k` of the writes (strictly increasing).
    width, amplitude : float
        Width :math:`w>0` and height :math:`a` of each :math:`h`-pulse.
    gate_pulse, gate_width : float
        Height :math:`A\ge0` and half-width :math:`w_g>0` of the gate pulse at each write.
    reset_time : float, optional
        Onset :math:`t_R` of the reset pulse (``None``: no reset).
    reset_amplitude, reset_width : float
        Height :math:`A_R\ge0` and width :math:`w_R>0` of the reset pulse.

    Returns
    -------
    input_h : Pulses
    input_z : Pulses, PulseSum or None
        ``None`` when there is neither a gate pulse nor a reset.

    Examples
    --------
    >>> import numpy as np
    >>> I, Iz = memory_inputs(np.ones(3), [1.0], width=1.0, amplitude=0.5, gate_pulse=4.0,
    ...                       gate_width=0.25, reset_time=5.0)
    >>> I(1.5).tolist(), Iz(1.1), Iz(1.3), Iz(2.0), Iz(6.0)
    ([0.5, 0.5, 0.5], 4.0, -4.0, 0.0, 3.0)
    """
    pattern = as_float_array(pattern, "pattern", "a finite 1-D array (one entry per unit)")
    if pattern.ndim != 1 or pattern.size == 0 or not np.isfinite(pattern).all():
        raise ValueError(f"pattern must be a finite 1-D array (one entry per unit), got shape {pattern.shape}")
    onsets = _check_times(write_times, "write_times")
    width = check_positive_float(width, "width")
    amplitude = check_finite_float(amplitude, "amplitude")
    gate_pulse = check_nonnegative_float(gate_pulse, "gate_pulse")
    gate_width = check_positive_float(gate_width, "gate_width")
    reset_amplitude = check_nonnegative_float(reset_amplitude, "reset_amplitude")
    reset_width = check_positive_float(reset_width, "reset_width")
    input_h = pulses(onsets, width, amplitude, pattern=pattern)
    parts = []
    if gate_pulse > 0.0:
        gate_onsets = np.ravel(np.column_stack([onsets, onsets + gate_width]))
        heights = np.tile([gate_pulse, -gate_pulse], onsets.size)
        parts.append(pulses(gate_onsets, gate_width, heights))
    if reset_time is not None:
        reset_time = check_finite_float(reset_time, "reset_time")
        parts.append(pulses([reset_time], reset_width, reset_amplitude))
    if not parts:
        return input_h, None
    return input_h, parts[0] if len(parts) == 1 else PulseSum(tuple(parts))


@dataclass
class MemoryResult:
    r"""Outcome of :func:`write_and_reset`: the memory trace and what produced it.

    Attributes
    ----------
    times : ndarray, shape (n,)
        Record times (the protocol starts at :math:`t=0`, after the settling run).
    trace : ndarray, shape (n,)
        The memory trace :math:`M(t)=\xi\cdot(h-h^{\rm ctrl})/\lVert\xi\rVert^2`, averaged over trials.
    trials : ndarray, shape (n, trials)
        The trace of each trial (each starts from its own settled state).
    chance : ndarray, shape (n,)
        Chance level of the trace: its standard deviation if the part :math:`d^\perp_k` of each
        difference :math:`d_k=h-h^{\rm ctrl}` orthogonal to :math:`\xi` pointed in a random
        direction, :math:`\big(\sum_k\lVert d^\perp_k\rVert^2\big)^{1/2}/(T\lVert\xi\rVert\sqrt N)`
        for :math:`T` trials. A trace within a few times this level carries no memory of :math:`\xi`.
    readout : ndarray, shape (n,)
        :math:`\xi\cdot h(t)/\lVert\xi\rVert^2` of the run with the :math:`h`-pulses (trial mean).
    control : ndarray, shape (n,)
        The same for the control run (gate pulses only).
    open_fraction : ndarray, shape (n,)
        Fraction of units with :math:`\sigma_z(z_i)>1/2` in the run with the pulses (all trials).
    pattern : ndarray, shape (N,)
    write_times : ndarray
    reset_time : float or None
    width, amplitude, gate_pulse, gate_width, reset_width : float
    placement : str
    alpha_z : float
    input_h, input_z : callable
        The inputs used (for shading the pulses in figures).
    trajectory : Trajectory
        The run with the pulses: ``states`` of shape ``(n, trials, 3N)``.
    """

    times: np.ndarray
    trace: np.ndarray
    trials: np.ndarray
    chance: np.ndarray
    readout: np.ndarray
    control: np.ndarray
    open_fraction: np.ndarray
    pattern: np.ndarray
    write_times: np.ndarray
    reset_time: float | None
    width: float
    amplitude: float
    gate_pulse: float
    gate_width: float
    reset_width: float
    placement: str
    alpha_z: float
    input_h: Pulses
    input_z: object
    trajectory: Trajectory = field(repr=False)

    def at(self, t: float) -> float:
        """The trace :math:`M(t)`, linearly interpolated between records."""
        t = check_finite_float(t, "t")
        if not self.times[0] <= t <= self.times[-1]:
            raise ValueError(f"t must lie in [{self.times[0]}, {self.times[-1]}], got {t}")
        return float(np.interp(t, self.times, self.trace))

    def _write_end(self, k: int) -> float:
        return float(self.write_times[k] + max(self.width, 2.0 * self.gate_width if self.gate_pulse > 0 else 0.0))

    def after_write(self, k: int, settle: float = 5.0) -> float:
        r""":math:`M` a time ``settle`` after write ``k`` ended (the open units have relaxed by then)."""
        return self.at(self._write_end(k) + settle)

    def before(self, t: float) -> float:
        """:math:`M` just before time ``t`` (one record earlier)."""
        dt = float(self.times[1] - self.times[0])
        return self.at(t - dt)

    def steps(self, settle: float = 5.0) -> np.ndarray:
        r"""Height of each step: :math:`M` after write ``k`` minus :math:`M` just before it."""
        return np.array([self.after_write(k, settle) - self.before(t) for k, t in enumerate(self.write_times)])

    @property
    def held(self) -> float:
        """:math:`M` just before the reset (or at the end when there is none)."""
        return self.before(self.reset_time) if self.reset_time is not None else float(self.trace[-1])

    @property
    def final(self) -> float:
        """:math:`M` at the last record (after the reset, if any)."""
        return float(self.trace[-1])


def settle(net: GatedNetwork, *, trials: int = 1, t_settle: float = 150.0, dt: float = 0.1, seed=0) -> np.ndarray:
    r"""States of ``net`` (without inputs) after a settling time, from standard-normal starts.

    At large :math:`\alpha_z` the network slows down onto a marginally stable state; the
    protocol of :func:`write_and_reset` starts there. Returns shape ``(trials, 3N)`` (RK4).
    """
    if not isinstance(net, GatedNetwork):
        raise TypeError(f"net must be a GatedNetwork, got {type(net).__name__}")
    trials = check_positive_int(trials, "trials")
    check_memory(trials * net.dim, "trials", what="the settled states")
    n = steps_for(t_settle, dt, "t_settle")
    x_init = as_generator(seed).standard_normal((trials, net.dim))
    return simulate(net.with_inputs(), n * dt, dt, x0=x_init, record_every=n).states[-1]


def write_and_reset(
    net: GatedNetwork,
    pattern=None,
    *,
    write_times=(10.0, 35.0),
    reset_time: float | None = 65.0,
    width: float | None = None,
    amplitude: float | None = None,
    gate_pulse: float | None = None,
    gate_width: float | None = None,
    reset_amplitude: float = 3.0,
    reset_width: float = 8.0,
    placement: str | None = None,
    t_max: float = 95.0,
    dt: float = 0.1,
    t_settle: float = 150.0,
    trials: int = 1,
    x0=None,
    record_every: int = 5,
    seed=0,
) -> MemoryResult:
    r"""Write a pattern into the gated network with input pulses, hold it, and erase it with a gate pulse.

    The protocol and the trace :math:`M(t)=\xi\cdot(h-h^{\rm ctrl})/\lVert\xi\rVert^2` are
    described in the module notes (our design; the paper does not give one). Two RK4 runs from
    the same settled state: with the inputs of :func:`memory_inputs`, and a control run with the
    gate and reset pulses only.

    Parameters
    ----------
    net : GatedNetwork
        The network (its own inputs, if any, are replaced). Choose :math:`g_h` inside
        :func:`marginal_window` and :math:`\alpha_z\approx20`.
    pattern : array_like, shape (N,), optional
        Pattern :math:`\xi`; default random :math:`\pm1` drawn from ``seed``.
    write_times, reset_time : float
        Onsets of the writes and of the reset (``reset_time=None``: no reset), in
        :math:`[0, t_{\max})`.
    width, amplitude, gate_pulse, gate_width : float, optional
        Pulse settings of :func:`memory_inputs`; ``None`` takes :data:`PROTOCOLS` for the
        placement (``gate_pulse=0`` for no gate pulse).
    reset_amplitude, reset_width : float
        The reset pulse to :math:`z`.
    placement : {"inside", "outside"}, optional
        Where the input enters :math:`\dot h`; default: the network's ``input_placement``.
    t_max, dt : float
        Length of the protocol and RK4 step.
    t_settle, trials : float, int
        Settling time and number of starting states for :func:`settle` (ignored when ``x0``
        is given). The trials run together as one batch with the same pattern and pulses;
        the trace is their mean.
    x0 : array_like, shape (3N,) or (trials, 3N), optional
        Settled starting state(s), e.g. from :func:`settle`, to share between calls.
    record_every : int
        Keep every ``record_every``-th step.
    seed : int or numpy.random.Generator
        Draws the states to settle from (when ``x0`` is not given), then the pattern.

    Returns
    -------
    MemoryResult

    Examples
    --------
    >>> import gatebook as gb
    >>> from gatebook.memory import write_and_reset
    >>> net = gb.GatedNetwork(100, 2.2, alpha_z=20.0, seed=0)
    >>> res = write_and_reset(net, placement="outside", t_max=60.0, reset_time=None,
    ...                       write_times=[10.0], t_settle=50.0)
    >>> bool(res.after_write(0) > 0.05)
    True
    """
    if not isinstance(net, GatedNetwork):
        raise TypeError(f"net must be a GatedNetwork, got {type(net).__name__}")
    placement = net.input_placement if placement is None else check_choice(placement, "placement", INPUT_PLACEMENTS)
    preset = PROTOCOLS[placement]
    width = preset["width"] if width is None else width
    amplitude = preset["amplitude"] if amplitude is None else amplitude
    gate_pulse = preset["gate_pulse"] if gate_pulse is None else gate_pulse
    gate_width = preset["gate_width"] if gate_width is None else gate_width
    # the pulse settings are checked again by memory_inputs; checked here too so that a bad one
    # fails before the settling run
    check_positive_float(width, "width")
    check_finite_float(amplitude, "amplitude")
    check_nonnegative_float(gate_pulse, "gate_pulse")
    check_positive_float(gate_width, "gate_width")
    check_nonnegative_float(reset_amplitude, "reset_amplitude")
    check_positive_float(reset_width, "reset_width")
    t_max = check_positive_float(t_max, "t_max")
    n_steps = steps_for(t_max, dt, "t_max")
    record_every = check_positive_int(record_every, "record_every")
    if n_steps // record_every < 2:
        raise ValueError("t_max / dt must span at least two records; lower record_every")
    onsets = _check_times(write_times, "write_times")
    if onsets[0] < 0.0 or onsets[-1] >= t_max:
        raise ValueError(f"write_times must lie in [0, t_max={t_max}), got {onsets.tolist()}")
    if reset_time is not None:
        reset_time = check_finite_float(reset_time, "reset_time")
        if not onsets[-1] < reset_time < t_max:
            raise ValueError(f"reset_time must lie after the last write and before t_max={t_max}, got {reset_time}")

    rng = as_generator(seed)
    if x0 is None:
        x0 = settle(net, trials=trials, t_settle=t_settle, dt=dt, seed=rng)
    else:
        x0 = np.atleast_2d(check_state(x0, net.dim, "x0"))
    if pattern is None:
        pattern = rng.choice([-1.0, 1.0], size=net.N)
    pattern = as_float_array(pattern, "pattern", f"an array of shape ({net.N},)")
    if pattern.shape != (net.N,):
        raise ValueError(f"pattern must have shape ({net.N},), got {pattern.shape}")
    input_h, input_z = memory_inputs(
        pattern, onsets, width=width, amplitude=amplitude, gate_pulse=gate_pulse, gate_width=gate_width,
        reset_time=reset_time, reset_amplitude=reset_amplitude, reset_width=reset_width,
    )

    driven = net.with_inputs(input_h=input_h, input_z=input_z, input_placement=placement)
    control = net.with_inputs(input_z=input_z, input_placement=placement)
    run = simulate(driven, t_max, dt, x0=x0, record_every=record_every)
    ctrl = simulate(control, t_max, dt, x0=x0, record_every=record_every)
    N = net.N
    norm2 = float(pattern @ pattern)
    readout = run.states[..., :N] @ pattern / norm2  # (n_records, trials)
    control_readout = ctrl.states[..., :N] @ pattern / norm2
    # chance level: the part of h - h_ctrl orthogonal to the pattern, as if it pointed at random
    trace_trials = readout - control_readout
    d = run.states[..., :N] - ctrl.states[..., :N]
    orth2 = np.sum(d * d, axis=2) - trace_trials**2 * norm2
    n_trials = run.states.shape[1]
    sigma_z = expit(net.alpha_z * run.states[..., N : 2 * N] - net.beta_z)
    return MemoryResult(
        times=run.times,
        trace=trace_trials.mean(axis=1),
        trials=trace_trials,
        chance=np.sqrt(np.maximum(orth2, 0.0).sum(axis=1) / (N * norm2)) / n_trials,
        readout=readout.mean(axis=1),
        control=control_readout.mean(axis=1),
        open_fraction=(sigma_z > 0.5).mean(axis=(1, 2)),
        pattern=pattern,
        write_times=onsets,
        reset_time=reset_time,
        width=float(width),
        amplitude=float(amplitude),
        gate_pulse=float(gate_pulse),
        gate_width=float(gate_width),
        reset_width=float(reset_width),
        placement=placement,
        alpha_z=net.alpha_z,
        input_h=input_h,
        input_z=input_z,
        trajectory=run,
    )
