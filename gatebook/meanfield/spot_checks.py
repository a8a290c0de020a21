r"""Finite networks set against the phase diagrams (chapter 11).

The diagrams of :mod:`gatebook.meanfield.phases` are large-:math:`N` theory; these functions
simulate finite networks at chosen grid points and compare what they do with the labels:
:func:`spot_check` (chaotic or quiet, and the sign of :math:`\lambda_{\max}`) and
:func:`marginal_spot_check` (the marginal window of a sharp timescale gate, measured with
chapter 7's slowing). They are experiments: theory never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import (
    check_bool,
    check_finite_float,
    check_memory,
    check_n_jobs,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from ..jobs import run_jobs
from .onsets import marginal_window
from .phases import PhaseDiagram, grid_index, point_lambda

__all__ = ["SpotCheck", "spot_check", "MarginalSpotCheck", "marginal_spot_check"]


# --------------------------------------------------------------------------- spot checks


@dataclass
class SpotCheck:
    r"""Finite-:math:`N` simulations at grid points compared with the diagram's labels (chapter 11).

    One entry per (point, seed). A network is started from a large random state (s.d.
    ``scale``), so in the bistable region it should land on the chaotic attractor.

    Attributes
    ----------
    g_h, value : ndarray, shape (m,)
        The grid point (``value`` is the diagram's ``parameter``).
    seed : ndarray of int, shape (m,)
    region : ndarray of str, shape (m,)
        The diagram's label at the point.
    predicted_active : ndarray of bool
        True for ``"chaotic"`` and ``"bistable"`` (a chaotic attractor reachable from a large start).
    dmft_lambda : ndarray
        The diagram's :math:`\lambda_{\max}` from a large start: DMFT on the chaotic branch,
        the quiet-state value otherwise.
    lambda_max, lambda_stderr : ndarray
        Measured :math:`\lambda_{\max}` and its standard error (:func:`gatebook.max_lyapunov`).
    activity : ndarray
        :math:`\frac1N\sum_ih_i^2` at the end of the run.
    active : ndarray of bool
        ``activity > activity_floor``.
    agrees : ndarray of bool
        Where a chaotic attractor is predicted: active with a positive exponent; elsewhere: a
        negative exponent (the remaining activity then decays as :math:`e^{2\lambda_{\max}t}`,
        so a slowly decaying network still counts as quiet).
    N : int
    """

    g_h: np.ndarray
    value: np.ndarray
    seed: np.ndarray
    region: np.ndarray
    predicted_active: np.ndarray
    dmft_lambda: np.ndarray
    lambda_max: np.ndarray
    lambda_stderr: np.ndarray
    activity: np.ndarray
    active: np.ndarray
    agrees: np.ndarray
    N: int
    parameter: str = "alpha_r"

    @property
    def agreement(self) -> float:
        """Fraction of runs that agree with the diagram."""
        return float(np.mean(self.agrees))

    def rows(self):
        """One tuple per run: ``(g_h, value, seed, region, dmft_lambda, lambda_max, activity, agrees)``."""
        return list(zip(self.g_h.tolist(), self.value.tolist(), self.seed.tolist(), self.region.tolist(),
                        self.dmft_lambda.tolist(), self.lambda_max.tolist(), self.activity.tolist(),
                        self.agrees.tolist()))


def spot_check(
    diagram: PhaseDiagram,
    points,
    N: int = 200,
    seeds=(0, 1, 2),
    *,
    dt: float = 0.1,
    t_transient: float = 50.0,
    t_measure: float = 100.0,
    scale: float = 2.0,
    activity_floor: float = 1e-4,
    progress: bool = False,
    n_jobs: int = 1,
) -> SpotCheck:
    r"""Simulate finite gated networks at grid points and compare with the diagram (chapter 11).

    At each point ``(g_h, value)`` and seed, a :class:`gatebook.GatedNetwork` with the
    diagram's parameters (:math:`\alpha_z=0`) starts from :math:`x_0\sim\mathcal N(0,\mathrm{scale}^2)`
    and :func:`gatebook.max_lyapunov` measures

    .. math::

        \lambda_{\max}=\lim_{T\to\infty}\frac1T\ln\frac{\lVert\delta x(T)\rVert}{\lVert\delta x(0)\rVert},
        \qquad a=\frac1N\sum_ih_i(T)^2 .

    A run agrees with the diagram when it is active (:math:`a>` ``activity_floor``) with
    :math:`\lambda_{\max}>0` where the diagram predicts a chaotic attractor reachable from a
    large start (``"chaotic"``, ``"bistable"``), and has :math:`\lambda_{\max}<0` elsewhere. Finite networks
    near a boundary can disagree (long transients, finite-:math:`N` shifts of the onsets):
    pick points clearly inside regions.

    Parameters
    ----------
    diagram : PhaseDiagram
    points : sequence of (g_h, value)
        Grid points of ``diagram`` (``value`` of its ``parameter``).
    N : int
        Network size.
    seeds : sequence of int
        One network (couplings and initial state) per seed.
    dt, t_transient, t_measure : float
        Step, transient and measurement window of :func:`gatebook.max_lyapunov`.
    scale : float
        Standard deviation of the initial state.
    activity_floor : float
    progress : bool
    n_jobs : int
        The runs (one per point and seed, each seeded by its own seed) are jobs of
        :func:`gatebook.jobs.run_jobs`: 1 (default) here, ``k`` on ``k`` worker processes, ``-1``
        on every core; the result is identical for any number of workers.

    Returns
    -------
    SpotCheck
    """
    from ..gated_network import GatedNetwork
    from ..lyapunov import max_lyapunov

    from .simulation import check_run_length, check_seeds

    if not isinstance(diagram, PhaseDiagram):
        raise TypeError(f"diagram must be a PhaseDiagram, got {type(diagram).__name__}")
    N = check_positive_int(N, "N")
    check_memory(3 * N * N, "N", what="the coupling matrices of a gated network")
    seeds = list(check_seeds(seeds))
    dt = check_positive_float(dt, "dt")
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    check_run_length(dt, t_transient, t_measure)
    scale = check_positive_float(scale, "scale")
    activity_floor = check_positive_float(activity_floor, "activity_floor")
    progress = check_bool(progress, "progress")
    n_jobs = check_n_jobs(n_jobs)
    pts = _points(points, diagram.parameter)
    todo = [(float(g), float(v), s) for g, v in pts for s in seeds]
    labels = [str(diagram.region[grid_index(diagram, g, v)]) for g, v, _ in todo]  # every point checked first
    fixed, parameter = dict(diagram.fixed), diagram.parameter

    def run(g, v, s):  # one network: its seed sets the couplings, the input, the start and the tangent vector
        p = dict(fixed, **{parameter: v})
        net = GatedNetwork(N, g, alpha_r=p["alpha_r"], beta_r=p["beta_r"], beta_z=p["beta_z"], g_r=p["g_r"],
                           tau_h=p["tau_h"], tau_r=p["tau_r"], seed=s)
        if p["input_std"] > 0:
            rng = np.random.default_rng([s, 11])
            net = net.with_inputs(input_h=p["input_std"] * rng.standard_normal(N))
        res = max_lyapunov(net, dt=dt, t_transient=t_transient, t_measure=t_measure,
                           x0=net.initial_state(s, scale=scale), seed=s)
        return res.maximum, float(res.stderr[0]), float(np.mean(res.final_state[:N] ** 2))

    runs = run_jobs(run, todo, n_jobs=n_jobs, progress=progress, desc="spot checks")
    rows = [(g, v, s, region, region in ("chaotic", "bistable"), point_lambda(diagram, g, v), *measured)
            for (g, v, s), region, measured in zip(todo, labels, runs)]
    g_, v_, s_, reg, pred, dl, lam, err, act = (np.array(c) for c in zip(*rows))
    pred = pred.astype(bool)
    active = act > activity_floor
    agrees = np.where(pred, active & (lam > 0), lam < 0)
    return SpotCheck(g_, v_, s_.astype(int), reg.astype(object), pred, dl.astype(float), lam.astype(float),
                     err.astype(float), act.astype(float), active, agrees, N, diagram.parameter)


def _points(points, parameter):
    """``points`` as a (m, 2) float array of (g_h, value) pairs; errors name ``points``."""
    shape_error = f"points must be a non-empty sequence of (g_h, {parameter}) pairs"
    if points is None or isinstance(points, (str, bytes)):
        raise TypeError(f"{shape_error}, got {points!r}")
    try:
        pts = np.asarray(points, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{shape_error}, got {points!r}") from err
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] == 0:
        raise ValueError(f"{shape_error}, got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise ValueError("points must hold finite values")
    return pts


@dataclass
class MarginalSpotCheck:
    r"""Slowing of finite networks as :math:`\alpha_z` grows at one :math:`(g_h,\beta_r)` (chapter 11).

    Arrays have shape ``(len(alpha_z), len(seeds))``.

    Attributes
    ----------
    g_h, beta_r : float
    alpha_z : ndarray
    seeds : ndarray of int
    lambda_max, lambda_stderr, rms_speed, decay_time, closed_fraction : ndarray
        From :func:`gatebook.slow_modes.measure_slowing`.
    in_window : bool
        Whether :math:`(g_h,\beta_r)` lies in the marginal window.
    N : int
    """

    g_h: float
    beta_r: float
    alpha_z: np.ndarray
    seeds: np.ndarray
    lambda_max: np.ndarray
    lambda_stderr: np.ndarray
    rms_speed: np.ndarray
    decay_time: np.ndarray
    closed_fraction: np.ndarray
    in_window: bool
    N: int


def marginal_spot_check(
    g_h: float,
    alpha_z,
    beta_r: float = 0.0,
    *,
    N: int = 100,
    seeds=(0, 1, 2),
    t_transient: float = 30.0,
    t_measure: float = 40.0,
    f_open: float = 0.5,
    progress: bool = False,
    n_jobs: int = 1,
) -> MarginalSpotCheck:
    r"""Simulation check of the marginal region at finite :math:`\alpha_z` (chapter 11).

    For each :math:`\alpha_z` and seed, :func:`gatebook.slow_modes.measure_slowing` measures
    :math:`\lambda_{\max}`, the RMS speed :math:`\langle\lVert\dot h\rVert^2/N\rangle^{1/2}`, the
    correlation time and the fraction of closed timescale gates of a
    :class:`gatebook.GatedNetwork` (:math:`\alpha_r=0`). Inside the window
    :math:`1+e^{\beta_r}<g_h<g_h^*` the theory predicts :math:`\lambda_{\max}\to0^+` and a speed
    that falls by orders of magnitude as :math:`\alpha_z` grows (chapter 7's slowing). The runs are
    jobs of :func:`gatebook.jobs.run_jobs` on ``n_jobs`` workers (1: here; -1: every core), each
    seeded by its own seed: the result is identical for any number of workers.
    """
    from ..gated_network import GatedNetwork
    from ..slow_modes import measure_slowing
    from .simulation import check_run_length, check_seeds

    g_h = check_positive_float(g_h, "g_h")
    beta_r = check_finite_float(beta_r, "beta_r")
    if alpha_z is None or isinstance(alpha_z, (str, bytes)):
        raise TypeError(f"alpha_z must be a number or a 1-D array of non-negative numbers, got {alpha_z!r}")
    try:
        az = np.atleast_1d(np.asarray(alpha_z, dtype=float))
    except (TypeError, ValueError) as err:
        raise TypeError(f"alpha_z must be a number or a 1-D array of non-negative numbers, got {alpha_z!r}") from err
    if az.ndim != 1 or az.size == 0 or np.any(az < 0) or not np.all(np.isfinite(az)):
        raise ValueError(f"alpha_z must be non-negative finite values, got {alpha_z!r}")
    N = check_positive_int(N, "N")
    check_memory(3 * N * N, "N", what="the coupling matrices of a gated network")
    seeds = np.array(check_seeds(seeds), dtype=int)
    t_transient = check_positive_float(t_transient, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    check_run_length(0.1, t_transient, t_measure)  # measure_slowing's step
    progress = check_bool(progress, "progress")
    n_jobs = check_n_jobs(n_jobs)
    lo, hi = marginal_window(beta_r, f_open)  # checks f_open before the simulations
    shape = (az.size, seeds.size)
    keys = ("lambda_max", "lambda_stderr", "rms_speed", "decay_time", "closed_fraction")

    def run(alpha, seed):  # one network, seeded by its own seed
        m = measure_slowing(GatedNetwork(N, g_h, alpha_z=alpha, beta_r=beta_r, seed=seed), seed=seed,
                            t_transient=t_transient, t_measure=t_measure)
        return [getattr(m, key) for key in keys]

    todo = [(float(a), int(s)) for a in az for s in seeds]
    runs = np.array(run_jobs(run, todo, n_jobs=n_jobs, progress=progress, desc="marginal spot checks"), dtype=float)
    out = {key: runs[:, k].reshape(shape) for k, key in enumerate(keys)}
    return MarginalSpotCheck(g_h, beta_r, az.copy(), seeds.copy(), in_window=bool(lo < g_h < hi), N=N, **out)
