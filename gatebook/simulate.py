r"""Simulate any Gatebook model forward in time (chapter 1).

.. math:: x(t_{n+1}) = \Psi_{h}\big(x(t_n), t_n\big),\qquad t_n = t_0 + n h,

where :math:`\Psi_h` is one Euler or RK4 step (:mod:`gatebook.integrators`). Several
initial conditions (trials) are advanced together as one batch, so each step is one
matrix-matrix product instead of one matrix-vector product per trial.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ._validation import (
    as_float64,
    as_generator,
    check_bool,
    ensemble_generators,
    check_choice,
    check_dtype,
    check_finite_float,
    check_float_sequence,
    check_memory,
    check_model,
    check_positive_float,
    check_positive_int,
    check_state,
)
from .dynamical_system import models_and_device
from .integrators import STEPPERS, number_of_steps, steps_for
from .progress import progress_bar

__all__ = ["Trajectory", "simulate", "global_error", "number_of_steps"]


class Trajectory(NamedTuple):
    """Recorded solution of :func:`simulate`; unpacks as ``times, states = traj``.

    Attributes
    ----------
    times : ndarray, shape (n_records,)
    states : ndarray, shape (n_records, dim) or (n_records, trials, dim)
    """

    times: np.ndarray
    states: np.ndarray


def simulate(
    model,
    t_max: float,
    dt: float,
    x0=None,
    method: str = "rk4",
    record_every: int = 1,
    seed=None,
    *,
    dtype=np.float64,
    t0: float = 0.0,
    progress: bool = False,
    device=None,
) -> Trajectory:
    r"""Integrate ``model`` from ``x0`` for a time ``t_max`` with fixed step ``dt``.

    Parameters
    ----------
    model : DynamicalSystem or sequence of networks
        Any model following :mod:`gatebook.dynamical_system`, e.g.
        :class:`gatebook.RandomRateNetwork`; or a list of :class:`gatebook.RandomRateNetwork`
        or :class:`gatebook.GatedNetwork` of one kind and size (an *ensemble*, e.g. one per
        seed), simulated side by side — in one batched product per step when ``device`` is
        a torch device.
    t_max : float
        Duration (``> 0``). The number of steps is ``round(t_max / dt)``.
    dt : float
        Time step (``> 0``). For chapter 1's network RK4 with ``dt = 0.1 tau`` is accurate
        to about :math:`10^{-5}`; Euler needs a step roughly 100 times smaller for the
        same accuracy.
    x0 : array_like, shape (dim,) or (trials, dim), optional
        Initial state(s). ``None`` draws one state with i.i.d. standard normal entries from
        ``seed`` (for an ensemble of :math:`S` networks, one per network: an ``(S, dim)``
        draw). A 2-D array simulates each row as an independent trial, all in one batch. For
        an ensemble, ``x0`` of shape ``(dim,)`` or ``(trials, dim)`` starts every network
        alike, and ``(S, trials, dim)`` gives each network its own.
    method : {"rk4", "euler"}
    record_every : int
        Keep every ``record_every``-th step (the initial state is always kept).
    seed : int, numpy.random.Generator, None or sequence of int
        Used only to draw ``x0`` when it is not given. For an ensemble, a sequence of seeds
        gives each network its own (network ``s`` then starts where a lone run with
        ``seed[s]`` starts).
    dtype : {numpy.float64, numpy.float32}
        Arithmetic precision. float32 halves memory traffic for long runs; keep float64 for
        exact identities.
    t0 : float
        Initial time (matters for time-dependent inputs).
    progress : bool
        Show a progress bar.
    device : None, "numpy", "cpu", "cuda", "auto" or torch.device, optional
        Where to compute (:mod:`gatebook.backend`): numpy (default) or torch on that device.
        The recorded states come back as numpy arrays either way, and agree with the numpy
        route to round-off.

    Returns
    -------
    Trajectory
        ``times`` of shape ``(n_records,)`` and ``states`` of shape ``(n_records, dim)``
        or ``(n_records, trials, dim)``; for an ensemble ``(n_records, S, dim)`` or
        ``(n_records, S, trials, dim)``.

    Raises
    ------
    TypeError, ValueError
        For an invalid argument (the message names it), including a ``t_max`` whose steps
        would exceed :data:`gatebook.integrators.MAX_STEPS` or whose recorded states would not
        fit in memory (:func:`gatebook._validation.check_memory`).
    FloatingPointError
        If the state becomes infinite or NaN (the step is too large for the dynamics).

    Examples
    --------
    >>> import numpy as np, gatebook
    >>> net = gatebook.RandomRateNetwork(N=100, g=0.5, seed=0)
    >>> t, x = gatebook.simulate(net, t_max=40.0, dt=0.1, seed=0)
    >>> bool(np.abs(x[-1]).max() < 1e-3)   # g < 1: activity decays to zero
    True
    >>> nets = [gatebook.RandomRateNetwork(100, 1.5, seed=s) for s in range(4)]
    >>> gatebook.simulate(nets, t_max=10.0, dt=0.1, seed=0, device="cpu").states.shape
    (101, 4, 100)
    """
    models, ensemble, device = models_and_device(model, device)
    n_steps = steps_for(t_max, dt, "t_max")
    dt = float(dt)
    method = check_choice(method, "method", STEPPERS)
    record_every = check_positive_int(record_every, "record_every")
    dtype = check_dtype(dtype)
    t0 = check_finite_float(t0, "t0")
    progress = check_bool(progress, "progress")
    x = _initial_states(models, x0, seed, ensemble).astype(dtype, copy=True)  # (S, B, dim)

    n_records = n_steps // record_every + 1
    check_memory(n_records * x.size, "t_max", itemsize=dtype.itemsize, what="the recorded states")
    states = np.empty((n_records,) + x.shape, dtype=dtype)  # (n_records, S, B, dim)
    states[0] = x
    times = t0 + dt * record_every * np.arange(n_records)
    run = dict(step=STEPPERS[method], t0=t0, dt=dt, record_every=record_every, progress=progress,
               desc=f"simulate ({method}{'' if device is None else ', ' + str(device)})")
    single = x0 is None or np.ndim(x0) == 1  # one state per network, not a batch of trials
    if device is None:
        for s, net in enumerate(models):  # one network at a time, all its trials in one batch
            xs, out = (x[s, 0], states[:, s, 0]) if single else (x[s], states[:, s])
            _integrate(net, xs, out, step_dt=dtype.type(dt), **run)
    else:
        from .torch_networks import stack_networks

        stack = stack_networks(models, device, dtype)  # every network and trial in one batch
        _integrate(stack, stack.tensor(x), states, step_dt=dt, to_host=lambda a: a.cpu().numpy(), **run)
    if single:
        states = states[:, :, 0]
    return Trajectory(times, states if ensemble else states[:, 0])




def _initial_states(models, x0, seed, ensemble: bool) -> np.ndarray:
    """The initial states of every network and trial, shape ``(S, B, dim)``."""
    S, dim = len(models), models[0].dim
    if x0 is None:
        if not ensemble:
            return as_generator(seed).standard_normal(dim)[None, None]
        return np.stack([rng.standard_normal(dim) for rng in ensemble_generators(seed, S)])[:, None]
    if ensemble and np.ndim(x0) == 3:
        x = as_float64(x0, "x0")
        if x.shape[0] != S or x.shape[2] != dim:
            raise ValueError(f"x0 must have shape ({dim},), (trials, {dim}) or ({S}, trials, {dim}), got {x.shape}")
        return x
    x = check_state(x0, dim, "x0")
    x = x[None] if x.ndim == 1 else x
    return np.broadcast_to(x, (S,) + x.shape)


def _integrate(model, x, out, *, step, step_dt, t0, dt, record_every, desc, progress, to_host=None):
    """Advance ``x`` with ``step`` and write every ``record_every``-th state into ``out[1:]``."""
    n_steps = (out.shape[0] - 1) * record_every
    bar = progress_bar(total=n_steps, desc=desc, enabled=progress)
    record = 1
    with bar, np.errstate(over="ignore", invalid="ignore"):
        for n in range(1, n_steps + 1):
            x = step(model, x, t0 + (n - 1) * dt, step_dt)
            if n % record_every == 0:
                host = x if to_host is None else to_host(x)
                if not np.isfinite(host).all():
                    raise FloatingPointError(
                        f"the simulation diverged at t = {t0 + n * dt:g} (NaN or inf in the state); "
                        "reduce dt or check the model parameters"
                    )
                out[record] = host
                record += 1
                if record % 64 == 0:
                    bar.update(64 * record_every)


def global_error(model, x0, t_max: float, dts, method: str = "rk4", reference_dt: float | None = None):
    r"""Error at time ``t_max`` of Euler or RK4 runs with steps ``dts``, against a fine reference.

    The reference is RK4 with ``reference_dt`` (default: the smallest ``dt`` divided by 16).
    A method of order :math:`p` has error :math:`\propto dt^{p}`: a log–log slope of 1 for
    Euler and 4 for RK4 (chapter 1 uses this to choose ``dt``).

    Returns
    -------
    ndarray, shape (len(dts),)
        Euclidean norm of the state error at ``t_max`` divided by :math:`\sqrt{\rm dim}`.
    """
    check_model(model)
    method = check_choice(method, "method", STEPPERS)
    t_max = check_positive_float(t_max, "t_max")
    x0 = check_state(x0, model.dim, "x0", allow_batch=False)
    if isinstance(dts, numbers.Real) and not isinstance(dts, (bool, np.bool_)):
        dts = np.array([float(dts)])  # one step size
    else:
        dts = check_float_sequence(dts, "dts", positive=True)
    for dt in dts:
        dt = check_positive_float(float(dt), "dts")
        if dt > t_max or abs(t_max / dt - round(t_max / dt)) > 1e-9 * t_max / dt:
            raise ValueError(f"every entry of dts must divide t_max exactly; {dt} does not divide {t_max}")
        steps_for(t_max, dt, "t_max")
    if reference_dt is None:
        reference_dt = dts.min() / 16.0
    reference_dt = check_positive_float(reference_dt, "reference_dt")
    if reference_dt > t_max:
        raise ValueError(f"reference_dt ({reference_dt}) must not exceed t_max ({t_max})")
    steps_for(t_max, reference_dt, "t_max")

    def final_state(dt, scheme):
        n_steps = number_of_steps(t_max, dt)
        return simulate(model, t_max, dt, x0, method=scheme, record_every=n_steps).states[-1]

    reference = final_state(reference_dt, "rk4")
    errors = [np.linalg.norm(final_state(float(dt), method) - reference) / np.sqrt(model.dim) for dt in dts]
    return np.asarray(errors)
