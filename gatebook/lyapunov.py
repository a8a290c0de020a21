r"""Lyapunov exponents by the QR (Benettin) method (chapter 1, reused in chapters 6–11).

A perturbation :math:`\delta x` of a trajectory evolves by the tangent dynamics
:math:`\dot{\delta x} = \mathcal J(x(t))\,\delta x`. The Lyapunov exponents are the mean
exponential growth rates of :math:`k` generic, mutually orthogonal perturbations:

.. math::

    \lambda_i = \lim_{T\to\infty}\frac1T \sum_{j} \ln R^{(j)}_{ii},
    \qquad Q^{(j)}R^{(j)} = \text{tangent vectors after the } j\text{-th interval},

where the tangent vectors are re-orthonormalised by a QR factorisation every
``reorth_every`` steps (before their growth rates differ by more than round-off can
resolve). The tangent vectors are advanced with the exact linearisation of the same
Euler/RK4 map that advances the state, using matrix-free Jacobian-vector products.

Two built-in checks: the sum of all exponents equals the time average of
:math:`\operatorname{tr}\mathcal J` (Liouville), and :math:`\lambda_1` agrees with the
growth rate of the separation of two nearby trajectories
(:func:`lyapunov_from_separation`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._linalg import orthonormalise, orthonormalise_stack
from ._validation import (
    as_generator,
    check_bool,
    check_choice,
    check_dtype,
    ensemble_generators,
    check_memory,
    check_model,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_state,
)
from .dynamical_system import jacobian_trace_unchecked, models_and_device
from .integrators import STEPPERS, TANGENT_STEPPERS, check_steps, steps_for
from .progress import progress_bar

__all__ = ["LyapunovResult", "lyapunov_spectrum", "max_lyapunov", "lyapunov_from_separation"]


@dataclass
class LyapunovResult:
    r"""Lyapunov exponents with the diagnostics needed to trust them.

    Attributes
    ----------
    exponents : ndarray, shape (k,)
        Estimated exponents, largest first (units: 1 / model time).
    stderr : ndarray, shape (k,)
        Standard error of each exponent from ``n_blocks`` consecutive blocks of the
        measurement window.
    block_exponents : ndarray, shape (n_blocks, k)
        The estimate from each block (their spread is the convergence diagnostic).
    times : ndarray, shape (n_intervals,)
        Times (since the end of the transient) at which the running estimate is recorded.
    running : ndarray, shape (n_intervals, k)
        Running estimate of the exponents: how they converge.
    mean_trace : float
        Time average of :math:`\operatorname{tr}\mathcal J` over the measurement window
        (equals ``exponents.sum()`` when ``k`` is the full dimension).
    max_log_growth_ratio : float
        Largest :math:`\ln(R_{11}/R_{kk})` over one re-orthonormalisation interval. Keep it
        well below :math:`\ln(10^{6})\approx 14` in float64, or shorten ``reorth_every``.
    dt, reorth_every, t_transient, t_measure, method
        The settings used.
    final_state : ndarray, shape (dim,)
    final_vectors : ndarray, shape (dim, k)
        Orthonormal tangent vectors at the end (covariant directions are not computed).
    """

    exponents: np.ndarray
    stderr: np.ndarray
    block_exponents: np.ndarray
    times: np.ndarray
    running: np.ndarray
    mean_trace: float
    max_log_growth_ratio: float
    dt: float
    reorth_every: int
    t_transient: float
    t_measure: float
    method: str
    final_state: np.ndarray
    final_vectors: np.ndarray

    @property
    def maximum(self) -> float:
        """The largest exponent :math:`\\lambda_1`."""
        return float(self.exponents[0])

    def is_converged(self, tol: float) -> bool:
        """True when every exponent's standard error is at most ``tol``."""
        return bool(np.all(self.stderr <= tol))

    def __str__(self) -> str:
        k = len(self.exponents)
        head = ", ".join(f"{e:+.4f}±{s:.4f}" for e, s in zip(self.exponents[:5], self.stderr[:5]))
        more = ", …" if k > 5 else ""
        return (
            f"Lyapunov exponents (k={k}, T={self.t_measure:g}, dt={self.dt:g}, {self.method}, "
            f"QR every {self.reorth_every} steps): [{head}{more}]"
        )


def _block_statistics(log_r: np.ndarray, interval: float, n_blocks: int):
    n = log_r.shape[0]
    n_blocks = min(n_blocks, n)
    usable = (n // n_blocks) * n_blocks
    blocks = log_r[:usable].reshape(n_blocks, -1, log_r.shape[1]).sum(axis=1) / (interval * (usable // n_blocks))
    if n_blocks > 1:
        stderr = blocks.std(axis=0, ddof=1) / np.sqrt(n_blocks)
    else:
        stderr = np.full(log_r.shape[1], np.inf)
    return blocks, stderr


def _summarise(log_growth: np.ndarray, interval: float, n_blocks: int, **fields) -> LyapunovResult:
    """Exponents, block errors and running estimates from per-interval log growths."""
    n_intervals = log_growth.shape[0]
    blocks, stderr = _block_statistics(log_growth, interval, n_blocks)
    counts = np.arange(1, n_intervals + 1)[:, None]
    cumulative = np.cumsum(log_growth, axis=0)
    return LyapunovResult(
        exponents=cumulative[-1] / (n_intervals * interval),
        stderr=stderr,
        block_exponents=blocks,
        times=interval * counts[:, 0],
        running=cumulative / (counts * interval),
        t_measure=n_intervals * interval,
        **fields,
    )


def lyapunov_spectrum(
    model,
    k: int,
    *,
    dt: float = 0.1,
    t_transient: float = 50.0,
    t_measure: float = 200.0,
    reorth_every: int | None = None,
    method: str = "rk4",
    x0=None,
    seed=None,
    n_blocks: int = 10,
    progress: bool = False,
    dtype=np.float64,
    device=None,
):
    r"""The ``k`` largest Lyapunov exponents of ``model`` by the QR method.

    Parameters
    ----------
    model : DynamicalSystem or sequence of networks
        E.g. :class:`gatebook.RandomRateNetwork`; or a list of
        :class:`gatebook.RandomRateNetwork` or :class:`gatebook.GatedNetwork` of one kind and
        size (e.g. one per seed), measured side by side — stepped together in one batched
        product per stage when ``device`` is a torch device.
    k : int
        Number of exponents (``1 <= k <= model.dim``).
    dt : float
        Time step of the Euler/RK4 map whose exponents are computed.
    t_transient : float
        Time discarded first (``>= 0``); the state relaxes onto the attractor and the
        tangent vectors align with the leading directions.
    t_measure : float
        Averaging window (``> 0``). Error bars shrink like :math:`T^{-1/2}`.
    reorth_every : int, optional
        Steps between QR re-orthonormalisations. Default: every step for ``k = 1``, every
        10 steps otherwise. Check :attr:`LyapunovResult.max_log_growth_ratio`.
    method : {"rk4", "euler"}
    x0 : array_like, shape (dim,), optional
        Initial state (of every network of an ensemble); drawn from ``seed`` (standard
        normal) when omitted.
    seed : int, numpy.random.Generator, None or sequence of int
        Draws ``x0`` (if needed) and the initial tangent vectors, network by network: the
        results do not depend on ``device``. For an ensemble, a sequence of seeds gives each
        network its own, so that network ``s`` gets the result of a lone run with ``seed[s]``.
    n_blocks : int
        Blocks of the measurement window used for the standard error.
    progress : bool
        Show a progress bar.
    dtype : {numpy.float64, numpy.float32}
        Precision of the state and the tangent vectors. The re-orthonormalisation, the log
        growths and the trace are computed in float64 either way, so float32 (half the memory
        traffic, and much faster on GPUs) costs about :math:`10^{-4}` relative accuracy in
        :math:`\lambda` — far below the statistical error of a typical run.
    device : None, "numpy", "cpu", "cuda", "auto" or torch.device, optional
        Where to compute (:mod:`gatebook.backend`): numpy (default) or torch on that device.

    Returns
    -------
    LyapunovResult, or list of LyapunovResult
        One result, or one per network of an ensemble (in its order).

    Notes
    -----
    Cost per step: one product of the couplings with ``k + 1`` stacked vectors per
    Runge–Kutta stage, plus one QR of a ``dim x k`` matrix every ``reorth_every`` steps.
    On a torch device the networks of an ensemble share each product (a batched matrix
    product) and each QR (a batched factorisation).
    Taught in chapter 1; used for the gated network in chapters 7–10.

    Examples
    --------
    >>> import gatebook
    >>> net = gatebook.RandomRateNetwork(N=200, g=2.0, seed=0)
    >>> res = gatebook.lyapunov_spectrum(net, k=5, t_transient=20, t_measure=100, seed=1)
    >>> bool(res.exponents[0] > 0)
    True
    """
    models, ensemble, device = models_and_device(model, device)
    dim = models[0].dim
    k = check_positive_int(k, "k")
    if k > dim:
        raise ValueError(f"k must be at most the state dimension {dim}, got {k}")
    dt = check_positive_float(dt, "dt")
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    n_measure = steps_for(t_measure, dt, "t_measure")
    n_transient = check_steps(int(round(t_transient / dt)), "t_transient", dt)
    method = check_choice(method, "method", TANGENT_STEPPERS)
    n_blocks = check_positive_int(n_blocks, "n_blocks")
    progress = check_bool(progress, "progress")
    dtype = check_dtype(dtype)
    if reorth_every is None:
        reorth_every = 1 if k == 1 else 10
    m = check_positive_int(reorth_every, "reorth_every")
    n_intervals = n_measure // m
    if n_intervals < 2:
        raise ValueError(
            f"t_measure ({t_measure}) must span at least two re-orthonormalisation intervals "
            f"(reorth_every * dt = {m * dt})"
        )
    check_memory(n_intervals * k * len(models), "t_measure", what="the log growth of every interval")
    check_memory(dim * k * len(models), "k", what="the tangent vectors")
    if x0 is not None:
        x0 = check_state(x0, dim, "x0", allow_batch=False).astype(np.float64)
    starts = []  # network by network: its initial state (drawn unless given), then its tangent vectors
    for rng in ensemble_generators(seed, len(models)) if ensemble else [as_generator(seed)]:
        x = rng.standard_normal(dim) if x0 is None else x0
        starts.append((x, orthonormalise(rng.standard_normal((dim, k)))[0]))

    plan = dict(method=method, dt=dt, m=m, n_transient=n_transient, n_intervals=n_intervals)
    total = len(models) * (n_transient + n_intervals * m) if device is None else n_transient + n_intervals * m
    with progress_bar(total=total, desc="Lyapunov (QR)", enabled=progress) as bar:
        if device is None:
            runs = [_qr_run(net, x.astype(dtype), Q.astype(dtype), bar=bar, **plan) for net, (x, Q) in zip(models, starts)]
        else:
            runs = _qr_run_stack(models, starts, device, dtype, bar=bar, **plan)
    results = []
    for log_r, trace_sum, x, Q in runs:
        if not (np.isfinite(x).all() and np.isfinite(log_r).all()):
            raise FloatingPointError("the trajectory or its tangent vectors diverged; reduce dt or reorth_every")
        results.append(_summarise(
            log_r,
            m * dt,
            n_blocks,
            mean_trace=trace_sum / (n_intervals * m),
            max_log_growth_ratio=float(np.max(log_r[:, 0] - log_r[:, -1])) if k > 1 else 0.0,
            dt=dt,
            reorth_every=m,
            t_transient=t_transient,
            method=method,
            final_state=x,
            final_vectors=Q,
        ))
    return results if ensemble else results[0]


def _reorthonormalise(Q):
    """:func:`gatebook._linalg.orthonormalise`, in float64 whatever the precision of ``Q``."""
    if Q.dtype == np.float64:
        return orthonormalise(Q)
    q, log_r = orthonormalise(Q.astype(np.float64))
    return q.astype(Q.dtype), log_r


def _qr_loop(model, x, Q, *, orth, trace, finite, log_r, trace_sum, step_dt, method, dt, m, n_transient,
             n_intervals, bar):
    r"""The QR method's loop, for numpy arrays or torch stacks alike; returns ``(log_r, trace_sum, x, Q)``.

    ``orth(Q) -> (Q, log R_ii)`` re-orthonormalises, ``trace(x, t)`` is :math:`\operatorname{tr}\mathcal J`,
    ``finite(x)`` tests the state; ``log_r`` (one row per interval) and ``trace_sum`` are filled in.
    """
    tangent_step, state_step = TANGENT_STEPPERS[method], STEPPERS[method]
    t = 0.0
    # Transient: the state relaxes first; the tangent vectors align during its last part.
    n_state_only = n_transient // 2
    for _ in range(n_state_only):
        x = state_step(model, x, t, step_dt)
        t += dt
    for n in range(n_transient - n_state_only):
        x, Q = tangent_step(model, x, Q, t, step_dt)
        t += dt
        if (n + 1) % m == 0:
            Q, _ = orth(Q)
    Q, _ = orth(Q)
    bar.update(n_transient)
    if not finite(x):
        raise FloatingPointError("the trajectory diverged during the transient; reduce dt")
    for j in range(n_intervals):
        for _ in range(m):
            trace_sum += trace(x, t)
            x, Q = tangent_step(model, x, Q, t, step_dt)
            t += dt
        Q, log_r[j] = orth(Q)
        if j % 16 == 15:
            bar.update(16 * m)
    return log_r, trace_sum, x, Q


def _qr_run(model, x, Q, *, n_intervals, **plan):
    """The QR method on one network (numpy): ``(log R_ii per interval, sum of tr J, final x, final Q)``."""
    return _qr_loop(model, x, Q, orth=_reorthonormalise, trace=lambda x, t: jacobian_trace_unchecked(model, x, t),
                    finite=lambda x: np.isfinite(x).all(), log_r=np.empty((n_intervals, Q.shape[1])), trace_sum=0.0,
                    step_dt=x.dtype.type(plan["dt"]), n_intervals=n_intervals, **plan)


def _qr_run_stack(models, starts, device, dtype, *, n_intervals, **plan):
    """The QR method on every network at once, on torch; per network as :func:`_qr_run`.

    States and tangent vectors are advanced in ``dtype``; the re-orthonormalisation, the log
    growths and the trace sum are computed in float64.
    """
    from .torch_networks import stack_networks

    stack = stack_networks(models, device, dtype)
    torch = stack.torch
    x = stack.tensor(np.stack([start[0] for start in starts]))  # (S, dim)
    Q = stack.tensor(np.stack([start[1] for start in starts]))  # (S, dim, k)
    log_r = torch.empty((n_intervals,) + Q.shape[::2], dtype=torch.float64, device=stack.device)  # (n, S, k)
    trace_sum = torch.zeros(len(models), dtype=torch.float64, device=stack.device)
    log_r, trace_sum, x, Q = _qr_loop(stack, x, Q, orth=orthonormalise_stack, trace=stack.jacobian_trace,
                                      finite=lambda x: bool(torch.isfinite(x).all()), log_r=log_r,
                                      trace_sum=trace_sum, step_dt=plan["dt"], n_intervals=n_intervals, **plan)
    log_r, trace_sum = log_r.cpu().numpy(), trace_sum.cpu().numpy()
    x, Q = x.cpu().numpy(), Q.cpu().numpy()
    return [(log_r[:, s], float(trace_sum[s]), x[s], Q[s]) for s in range(len(models))]


def max_lyapunov(
    model,
    *,
    dt: float = 0.1,
    t_transient: float = 50.0,
    t_measure: float = 200.0,
    method: str = "rk4",
    x0=None,
    seed=None,
    n_blocks: int = 10,
    progress: bool = False,
    dtype=np.float64,
    device=None,
):
    r"""Largest Lyapunov exponent :math:`\lambda_{\max}` (one tangent vector, normalised every step).

    Same as :func:`lyapunov_spectrum` with ``k=1``; the state and the tangent vector share
    one matrix product per stage, so it costs little more than a plain simulation.
    ``result.maximum`` is :math:`\lambda_{\max}` and ``result.stderr[0]`` its error bar.
    ``model`` may be a list of networks (one result each) and ``device`` a torch device, as
    in :func:`lyapunov_spectrum`.

    Examples
    --------
    >>> import gatebook
    >>> nets = [gatebook.RandomRateNetwork(200, 4.0, seed=s) for s in range(3)]
    >>> res = gatebook.max_lyapunov(nets, t_transient=20, t_measure=100, seed=0, device="cpu")
    >>> [bool(r.maximum > 0) for r in res]
    [True, True, True]
    """
    return lyapunov_spectrum(
        model,
        1,
        dt=dt,
        t_transient=t_transient,
        t_measure=t_measure,
        reorth_every=1,
        method=method,
        x0=x0,
        seed=seed,
        n_blocks=n_blocks,
        progress=progress,
        dtype=dtype,
        device=device,
    )


def lyapunov_from_separation(
    model,
    *,
    dt: float = 0.1,
    t_transient: float = 50.0,
    t_measure: float = 200.0,
    separation: float = 1e-8,
    renormalise_every: float = 1.0,
    method: str = "rk4",
    x0=None,
    seed=None,
    n_blocks: int = 10,
) -> LyapunovResult:
    r"""Largest exponent from two nearby trajectories, an estimator independent of the Jacobian.

    A copy of the state displaced by :math:`d_0 = \text{separation}\cdot\lVert x\rVert` is
    evolved beside it (the two form one batch); every ``renormalise_every`` time units the
    growth :math:`\ln(d/d_0)` is recorded and the displacement is rescaled back to
    :math:`d_0` along its current direction:

    .. math:: \lambda_1 \approx \frac{1}{T}\sum_j \ln\frac{d_j}{d_0}.

    Returns a :class:`LyapunovResult` with ``k = 1`` (``mean_trace`` is NaN: not measured).
    """
    check_model(model)
    dt = check_positive_float(dt, "dt")
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    n_measure = steps_for(t_measure, dt, "t_measure")
    n_transient = check_steps(int(round(t_transient / dt)), "t_transient", dt)
    separation = check_positive_float(separation, "separation")
    renormalise_every = check_positive_float(renormalise_every, "renormalise_every")
    m = max(1, int(round(renormalise_every / dt)))
    method = check_choice(method, "method", STEPPERS)
    n_blocks = check_positive_int(n_blocks, "n_blocks")
    n_intervals = n_measure // m
    if n_intervals < 2:
        raise ValueError(
            f"t_measure ({t_measure}) must span at least two renormalisation intervals "
            f"(renormalise_every = {renormalise_every})"
        )
    check_memory(n_intervals, "t_measure", what="the log growth of every interval")
    rng = as_generator(seed)
    x = rng.standard_normal(model.dim) if x0 is None else check_state(x0, model.dim, "x0", allow_batch=False)
    step = STEPPERS[method]
    t = 0.0
    for _ in range(n_transient):
        x = step(model, x, t, dt)
        t += dt
    d0 = separation * max(np.linalg.norm(x), 1.0)
    direction = rng.standard_normal(model.dim)
    pair = np.stack([x, x + d0 * direction / np.linalg.norm(direction)])
    log_growth = np.empty((n_intervals, 1))
    for j in range(n_intervals):
        for _ in range(m):
            pair = step(model, pair, t, dt)
            t += dt
        delta = pair[1] - pair[0]
        d = np.linalg.norm(delta)
        if not np.isfinite(d) or d == 0.0:
            raise FloatingPointError("the separation became zero or non-finite; change separation or dt")
        log_growth[j, 0] = np.log(d / d0)
        pair[1] = pair[0] + delta * (d0 / d)
    return _summarise(
        log_growth,
        m * dt,
        n_blocks,
        mean_trace=float("nan"),
        max_log_growth_ratio=0.0,
        dt=dt,
        reorth_every=m,
        t_transient=t_transient,
        method=method,
        final_state=pair[0],
        final_vectors=(delta / d)[:, None],
    )
