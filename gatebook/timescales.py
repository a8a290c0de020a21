r"""How fast the gated network moves, and on which timescales (chapter 7).

**Speed.** Along a trajectory the state moves with velocity :math:`\dot h=F_h(x,t)`, the
:math:`h`-block of the vector field,

.. math::

    \lVert\dot h(t)\rVert_2=\Big(\sum_{i=1}^N\dot h_i(t)^2\Big)^{1/2},\qquad
    v_{\rm rms}=\Big\langle\frac{\lVert\dot h(t)\rVert_2^2}{N}\Big\rangle_t^{1/2},

the second being the root-mean-square speed per unit over the recorded times. Raising
the gain :math:`\alpha_z` of the timescale gate slows the chaotic network by orders of
magnitude.

**Local timescales.** Unit :math:`i` relaxes with the instantaneous time constant

.. math:: \tau_i(t)=\frac{\tau_h}{\sigma_z\big(z_i(t)\big)} .

At :math:`\alpha_z=0` every gate sits at :math:`s_z=1/(1+e^{\beta_z})`, so every local
timescale is exactly :math:`\tau_h(1+e^{\beta_z})`: the bias :math:`\beta_z` sets one
global clock. At :math:`\alpha_z>0` the timescales follow the fluctuating gate variables
and form a broad, state-dependent distribution; units whose gate is nearly closed
(:math:`\sigma_z\ll1`) barely move and hold their value, which is how the network
integrates and remembers (Krishnamurthy, Can & Schwab, 2022).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float64, check_model, check_positive_float
from .simulate import Trajectory

__all__ = ["speed", "rms_speed", "local_timescales", "closed_fraction"]


def _check_states(states, dim: int, name: str = "states") -> np.ndarray:
    states = as_float64(states, name)
    if states.ndim not in (2, 3) or states.shape[-1] != dim or states.shape[0] == 0:
        raise ValueError(
            f"{name} must have shape (n_records, {dim}) or (n_records, trials, {dim}), got {states.shape}"
        )
    return states


def _unpack_trajectory(model, trajectory):
    """``(states, times)`` from a :class:`Trajectory` or a ``(states, times)`` pair, validated."""
    if isinstance(trajectory, Trajectory):
        times, states = trajectory
    elif isinstance(trajectory, (tuple, list)) and len(trajectory) == 2:
        states, times = trajectory
        if np.ndim(states) == 1 and np.ndim(times) in (2, 3):
            raise ValueError(
                "trajectory must be a Trajectory or a (states, times) pair; this pair looks like "
                "(times, states): swap it, or pass the Trajectory returned by simulate"
            )
    else:
        raise TypeError(
            "trajectory must be a Trajectory (from gatebook.simulate) or a (states, times) pair, "
            f"got {type(trajectory).__name__}"
        )
    states = _check_states(states, model.dim)
    times = as_float64(times, "times")
    if times.ndim != 1 or times.shape[0] != states.shape[0]:
        raise ValueError(
            f"times must have shape ({states.shape[0]},), one time per record of states, got {times.shape}"
        )
    return states, times


def _h_block(model, F: np.ndarray) -> np.ndarray:
    """The :math:`h`-block of a vector-field value (the whole state for models without ``split``)."""
    split = getattr(model, "split", None)
    return F if split is None else split(F)[0]


def _h_velocity(model, trajectory) -> np.ndarray:
    r""":math:`\dot h` at every record, shape ``states.shape[:-1] + (N,)``.

    Autonomous models (and models with only static inputs) are evaluated in one batched
    call over all records; models with time-dependent inputs, or models that do not
    declare ``has_time_dependent_inputs``, in one batched call per record time.
    """
    check_model(model)
    states, times = _unpack_trajectory(model, trajectory)
    time_dependent = getattr(model, "has_time_dependent_inputs", True)
    if not time_dependent:
        flat = states.reshape(-1, model.dim)
        hdot = _h_block(model, model.vector_field(flat, float(times[0])))
        return hdot.reshape(states.shape[:-1] + hdot.shape[-1:])
    rows = [_h_block(model, model.vector_field(x, float(t))) for x, t in zip(states, times)]
    return np.stack(rows)


def speed(model, trajectory) -> np.ndarray:
    r"""Speed :math:`\lVert\dot h(t)\rVert_2` at every recorded time of a trajectory.

    .. math:: \lVert\dot h(t)\rVert_2=\lVert F_h\big(x(t),t\big)\rVert_2,

    with :math:`F_h` the :math:`h`-block of ``model.vector_field`` (for models without
    ``split``, such as chapter 1's :class:`~gatebook.RandomRateNetwork`, the whole vector
    field). Chapter 7 uses it to show that the timescale gate slows the dynamics.

    Parameters
    ----------
    model : DynamicalSystem
        E.g. :class:`gatebook.GatedNetwork` (inputs, static or time-dependent, included).
    trajectory : Trajectory or (states, times)
        The output of :func:`gatebook.simulate`, or a pair with ``states`` of shape
        ``(n_records, dim)`` or ``(n_records, trials, dim)`` and ``times`` of shape
        ``(n_records,)`` (note the order: a plain pair is *states first*).

    Returns
    -------
    ndarray, shape (n_records,) or (n_records, trials)
        States of a float32 run are evaluated in float64.

    Notes
    -----
    Models that declare no time-dependent input (``has_time_dependent_inputs`` false, e.g. a
    :class:`~gatebook.GatedNetwork` without callable inputs) are evaluated in one batched
    call over all records; otherwise, and for models that do not declare it, in one batched
    call per record time (the trials of a record form the batch).
    """
    hdot = _h_velocity(model, trajectory)
    return np.linalg.norm(hdot, axis=-1)


def rms_speed(model, trajectory) -> float:
    r"""Root-mean-square speed per unit, :math:`\langle\lVert\dot h\rVert_2^2/N\rangle_t^{1/2}`.

    .. math::

        v_{\rm rms}=\Big(\frac{1}{T}\sum_{t}\frac{\lVert\dot h(t)\rVert_2^2}{N}\Big)^{1/2},

    averaged over the recorded times (and trials) of ``trajectory``, with :math:`N` the size
    of the :math:`h`-block. Independent of :math:`N` for statistically equivalent units, so
    networks of different sizes can be compared. Chapter 7 plots it against
    :math:`\alpha_z` on a log axis.

    Parameters
    ----------
    model, trajectory
        As in :func:`speed`; discard the transient from ``trajectory`` first.

    Returns
    -------
    float
    """
    hdot = _h_velocity(model, trajectory)
    return float(np.sqrt(np.mean(hdot * hdot)))


def _gate_values(model, states) -> np.ndarray:
    r""":math:`\sigma_z(z_i)` for states of shape ``(..., 3N)`` (or a Trajectory), shape ``(..., N)``."""
    unit_quantities = getattr(model, "unit_quantities", None)
    if unit_quantities is None or not hasattr(model, "tau_h"):
        raise TypeError(
            "model must be a gated network with a timescale gate (gatebook.GatedNetwork), "
            f"got {type(model).__name__}"
        )
    if isinstance(states, Trajectory):
        states = states.states
    x = as_float64(states, "states")
    if x.ndim not in (1, 2, 3) or x.shape[-1] != model.dim or x.size == 0:
        raise ValueError(
            f"states must have shape ({model.dim},), (n_records, {model.dim}) or "
            f"(n_records, trials, {model.dim}), got {x.shape}"
        )
    sigma_z = unit_quantities(x.reshape(-1, model.dim)).sigma_z
    return sigma_z.reshape(x.shape[:-1] + (model.N,))


def local_timescales(model, states) -> np.ndarray:
    r"""Local timescale :math:`\tau_h/\sigma_z(z_i)` of every unit at every given state.

    .. math:: \tau_i(t)=\frac{\tau_h}{\sigma_z\big(z_i(t)\big)},\qquad
              \sigma_z(z)=\frac{1}{1+e^{-\alpha_zz+\beta_z}} .

    At :math:`\alpha_z=0` every entry is exactly :math:`\tau_h(1+e^{\beta_z})` (one global
    clock); at :math:`\alpha_z>0` they form a broad, state-dependent distribution. Chapter 7
    plots their histogram on log bins.

    Parameters
    ----------
    model : GatedNetwork
    states : array_like, shape (3N,), (n_records, 3N) or (n_records, trials, 3N), or Trajectory

    Returns
    -------
    ndarray, shape ``states.shape[:-1] + (N,)``
        ``inf`` for a gate closed to machine precision (:math:`\sigma_z=0` in float64).
    """
    sigma_z = _gate_values(model, states)
    with np.errstate(divide="ignore"):
        return model.tau_h / sigma_z


def closed_fraction(model, states, threshold: float = 0.01) -> float:
    r"""Fraction of units whose timescale gate is nearly closed, :math:`\sigma_z(z_i)<` ``threshold``.

    .. math:: f_{\rm closed}=\frac{1}{N\,n}\sum_{t}\sum_{i=1}^{N}\mathbb 1\{\sigma_z(z_i(t))<\epsilon\},

    pooled over the ``n`` given states. Such units have local timescales longer than
    :math:`\tau_h/\epsilon`; chapter 7 compares this fraction with the fraction of Jacobian
    eigenvalues near zero. For a per-state fraction, call it on one state at a time.

    Parameters
    ----------
    model : GatedNetwork
    states : array_like, shape (3N,), (n_records, 3N) or (n_records, trials, 3N), or Trajectory
    threshold : float
        :math:`\epsilon\in(0,1]` (default 0.01).

    Returns
    -------
    float
        In :math:`[0,1]`.
    """
    threshold = check_positive_float(threshold, "threshold")
    if threshold > 1.0:
        raise ValueError(f"threshold must lie in (0, 1] (a gate value), got {threshold}")
    return float(np.mean(_gate_values(model, states) < threshold))
