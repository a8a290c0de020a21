r"""A census of fixed points: counting what the static mean field only predicts (chapter 10).

The static mean field says when *nonzero* fixed points of the gated network appear,
:math:`g_h\ge g_{\rm topo}` (:func:`gatebook.meanfield.fixed_point_onset`), but it is a
proxy: it gives the variance a fixed point would have, not how many there are. This module
counts them in finite networks. A fixed point of the gated network solves

.. math::

    h_i=g_h\sum_jJ^h_{ij}\,\sigma_r(r_j)\,\phi(h_j),\qquad
    r_i=g_r\sum_jJ^r_{ij}\phi(h_j),\qquad z_i=g_z\sum_jJ^z_{ij}\phi(h_j),

independently of the timescale gate (chapter 7), so a census at :math:`\alpha_z=0` holds at
every :math:`\alpha_z`. :func:`fixed_point_census` runs damped Newton
(:func:`gatebook.fixed_points.find_fixed_point`) from many starts:

* **random starts**, :math:`h\sim\mathcal N(0,s^2)` with :math:`s` cycling through
  ``scales`` and the gates set to their fixed-point values given :math:`h`;
* **transient starts**, the end points of short simulations from random states, which lie
  near the slow regions of state space where fixed points and slow points sit.

Converged roots are merged when :math:`\lVert x-x'\rVert\le10^{-6}(1+\lVert x\rVert)`.
For each distinct point the census records its residual :math:`\lVert F\rVert_2`, its
variance :math:`\Delta=\frac1N\sum_ih_i^2` (to set against the static branch
:math:`\Delta_h`), and its **index**, the number of eigenvalues of the full
:math:`3N\times3N` Jacobian with positive real part (0: stable; the origin's index is known
in closed form, :func:`gatebook.quiet_state`). A census is a lower bound on the number of
fixed points: a point no start reaches is not counted. The *topological complexity* is the
growth rate :math:`\frac1N\ln\mathcal N_{\rm fp}` of the count with :math:`N`.

:func:`census_sweep` runs the census over gains, sizes and seeds on :func:`gatebook.run_jobs`
(:class:`CensusSweep`); chapter 10 reads a committed sweep (``scripts/census.py``). What such
counts can and cannot show is measured there: at :math:`N\le60` and 120 starts they place the
onset and the points' stability, but they saturate near ten points per network, so
:math:`\frac1N\ln(\text{count})` falls with :math:`N` and no complexity is measured. The
annealed Kac-Rice calculation of the paper is not reproduced in this package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_generator,
    check_bool,
    check_finite_float,
    check_float_sequence,
    check_int_sequence,
    check_memory,
    check_model,
    check_n_jobs,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from .fixed_points import find_fixed_point
from .jobs import run_jobs
from .progress import progress_bar

__all__ = ["CensusSweep", "FixedPointCensus", "census_sweep", "fixed_point_census"]

#: Two roots are the same point when ``||x - x'|| <= MERGE_TOL * (1 + ||x||)``.
MERGE_TOL = 1e-6
#: Most steps of one transient simulation.
MAX_TRANSIENT_STEPS = 1e7
#: Default standard deviations of the random starts (cycled).
SCALES = (0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class FixedPointCensus:
    r"""The distinct fixed points a census found in one network (chapter 10).

    Attributes
    ----------
    N : int
        Number of units.
    states : ndarray, shape (count, dim)
        The fixed points (full states :math:`(h,z,r)` of a :class:`~gatebook.GatedNetwork`),
        ordered by variance, smallest first.
    residuals : ndarray, shape (count,)
        :math:`\lVert F(x)\rVert_2` at each point.
    variances : ndarray, shape (count,)
        :math:`\Delta=\frac1N\sum_ih_i^2` of each point.
    indices : ndarray of int, shape (count,)
        Number of Jacobian eigenvalues with :math:`\mathrm{Re}\,\lambda>` ``marginal_tol``.
    starts, converged : int
        Starts tried, and how many of them converged to some fixed point.
    marginal_tol : float
    """

    N: int
    states: np.ndarray
    residuals: np.ndarray
    variances: np.ndarray
    indices: np.ndarray
    starts: int
    converged: int
    marginal_tol: float

    @property
    def count(self) -> int:
        """Number of distinct fixed points found (the origin included when found)."""
        return int(self.variances.size)

    def count_above(self, variance: float) -> int:
        r"""Number of fixed points with :math:`\Delta>` ``variance`` (e.g. away from the origin)."""
        variance = check_nonnegative_float(variance, "variance")
        return int(np.count_nonzero(self.variances > variance))

    @property
    def log_count_per_unit(self) -> float:
        r""":math:`\frac1N\ln(\text{count})`, the finite-:math:`N` estimate of the complexity."""
        return float(np.log(self.count) / self.N) if self.count else float("nan")

    @property
    def n_stable(self) -> int:
        """Number of fixed points with index 0."""
        return int(np.count_nonzero(self.indices == 0))

    def __str__(self) -> str:
        nonzero = self.variances[self.variances > 1e-12]
        spread = f"{nonzero.min():.3g}-{nonzero.max():.3g}" if nonzero.size else "-"
        return (f"FixedPointCensus(N={self.N}): {self.count} distinct fixed points from {self.starts} starts "
                f"({self.converged} converged), {self.n_stable} stable; nonzero variances {spread}; "
                f"indices {sorted(set(self.indices.tolist()))}")


def _gate_state(model, h: np.ndarray) -> np.ndarray:
    """The full state whose gates sit at their fixed-point values given ``h``."""
    if not hasattr(model, "gates_at_rest"):  # a network without gates: the state is h
        return h
    return model.gates_at_rest(h)


def fixed_point_census(model, n_starts: int, *, seed=None, scales=SCALES, transient_starts: int = 0,
                       t_transient: float = 20.0, dt: float = 0.1, tol: float = 1e-10, max_iter: int = 200,
                       marginal_tol: float = 1e-6, progress: bool = False) -> FixedPointCensus:
    r"""Count the distinct fixed points of one network from many starts (chapter 10).

    .. math::

        F(x)=0,\qquad \Delta=\frac1N\sum_ih_i^2,\qquad
        \mathrm{index}=\#\{\lambda\in\mathrm{spec}\,\mathcal J(x):\mathrm{Re}\,\lambda>\epsilon\}.

    Parameters
    ----------
    model : GatedNetwork or RandomRateNetwork
        The network; it must have no time-dependent input. Use :math:`\alpha_z=0`: the
        timescale gate does not move fixed points, and a sharp one makes Newton's method
        stall (see :func:`~gatebook.fixed_points.find_fixed_point`).
    n_starts : int
        Random starts (``>= 1``): :math:`h\sim\mathcal N(0,s^2)` with :math:`s` cycling
        through ``scales``, the gates at their fixed-point values given :math:`h`.
    seed : int, numpy.random.Generator or None, optional
        Source of every start.
    scales : sequence of float, optional
        Positive standard deviations of the random starts.
    transient_starts : int, optional
        Additional starts (``>= 0``) taken from the end of simulations of length
        ``t_transient`` (RK4, step ``dt``) from standard normal states.
    t_transient, dt : float, optional
        Positive; ``dt`` at most ``t_transient``.
    tol, max_iter, marginal_tol
        As in :func:`~gatebook.fixed_points.find_fixed_point` (``marginal_tol`` defaults to
        :math:`10^{-6}` here: the index counts every eigenvalue with a positive real part).
    progress : bool, optional
        A progress bar over the starts.

    Returns
    -------
    FixedPointCensus

    Examples
    --------
    >>> import gatebook as gb
    >>> census = fixed_point_census(gb.GatedNetwork(N=10, g_h=0.8, seed=0), 8, seed=0)
    >>> census.count, census.indices.tolist()   # below the quiet threshold: only the origin
    (1, [0])
    """
    check_model(model)
    timed = getattr(model, "has_time_dependent_inputs", False)
    if timed() if callable(timed) else timed:
        raise ValueError("model: a census needs a time-independent vector field (no time-dependent input)")
    n_starts = check_positive_int(n_starts, "n_starts")
    if isinstance(transient_starts, bool) or not isinstance(transient_starts, (int, np.integer)) or transient_starts < 0:
        raise ValueError(f"transient_starts must be an integer >= 0, got {transient_starts!r}")
    scales = np.asarray(check_float_sequence(scales, "scales", positive=True), dtype=float)
    t_transient = check_positive_float(t_transient, "t_transient")
    dt = check_positive_float(dt, "dt")
    if dt > t_transient:
        raise ValueError(f"dt must not exceed t_transient, got dt={dt} and t_transient={t_transient}")
    if transient_starts and t_transient / dt > MAX_TRANSIENT_STEPS:
        raise ValueError(f"t_transient / dt must be at most {MAX_TRANSIENT_STEPS:.0e} steps, got "
                         f"t_transient={t_transient} and dt={dt}")
    check_memory(n_starts * model.dim, "n_starts", what="the random starts")
    check_memory(int(transient_starts) * model.dim, "transient_starts", what="the transient starts")
    tol = check_positive_float(tol, "tol")
    max_iter = check_positive_int(max_iter, "max_iter")
    marginal_tol = check_nonnegative_float(marginal_tol, "marginal_tol")
    progress = check_bool(progress, "progress")
    rng = as_generator(seed)
    N = int(model.N)
    starts = [_gate_state(model, scales[k % scales.size] * rng.standard_normal(N)) for k in range(n_starts)]
    if transient_starts:
        from .simulate import simulate

        x0 = rng.standard_normal((int(transient_starts), model.dim))
        ends = simulate(model, t_transient, dt, x0=x0, record_every=max(1, int(round(t_transient / dt)))).states[-1]
        starts += list(np.atleast_2d(ends))
    found = []
    converged = 0
    for x0 in progress_bar(starts, total=len(starts), desc="fixed-point census", enabled=progress):
        fp = find_fixed_point(model, x0, tol=tol, max_iter=max_iter, marginal_tol=marginal_tol)
        if not fp.converged:
            continue
        converged += 1
        if all(np.linalg.norm(fp.state - o.state) > MERGE_TOL * (1.0 + np.linalg.norm(fp.state)) for o in found):
            found.append(fp)
    variances = np.array([np.mean(fp.state[:N] ** 2) for fp in found])
    order = np.argsort(variances, kind="stable")
    return FixedPointCensus(
        N=N,
        states=np.array([found[i].state for i in order]).reshape(len(found), model.dim),
        residuals=np.array([found[i].residual for i in order]),
        variances=variances[order],
        indices=np.array([found[i].n_unstable for i in order], dtype=int),
        starts=len(starts),
        converged=converged,
        marginal_tol=marginal_tol,
    )


@dataclass(frozen=True)
class CensusSweep:
    r"""Fixed-point censuses over gains, sizes and seeds of the gated network (chapter 10).

    Attributes
    ----------
    g_values : ndarray, shape (G,)
        The gains :math:`g_h`.
    sizes : ndarray of int, shape (S,)
        The numbers of units :math:`N`.
    seeds : ndarray of int, shape (R,)
        One network (couplings and starts) per seed.
    counts, count_nonzero, n_stable : ndarray of int, shape (G, S, R)
        Distinct fixed points found; those with :math:`\Delta>` ``nonzero_variance``; those of
        index 0.
    variances, indices : ndarray, shape (P,)
        Every point found, flattened; ``where[p] = (i, j, k)`` places point ``p`` at
        ``g_values[i]``, ``sizes[j]``, ``seeds[k]``.
    where : ndarray of int, shape (P, 3)
    settings : dict
        ``alpha_r``, ``beta_r``, ``n_starts``, ``transient_starts``, ``nonzero_variance``.
    """

    g_values: np.ndarray
    sizes: np.ndarray
    seeds: np.ndarray
    counts: np.ndarray
    count_nonzero: np.ndarray
    n_stable: np.ndarray
    variances: np.ndarray
    indices: np.ndarray
    where: np.ndarray
    settings: dict

    def log_count_per_unit(self) -> np.ndarray:
        r""":math:`\frac1N\ln\overline{\rm count}` per gain and size, shape (G, S): the annealed
        complexity's finite-:math:`N` estimate (the mean count over seeds, as :math:`\mathbb E[\#]`)."""
        return np.log(self.counts.mean(axis=2)) / self.sizes[None, :]

    def to_dict(self) -> dict:
        """A JSON-ready dict; :meth:`from_dict` reads it back."""
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> CensusSweep:
        """The sweep written by :meth:`to_dict`."""
        arrays = {k: np.asarray(v, dtype=float if k in ("g_values", "variances") else int)
                  for k, v in data.items() if k != "settings"}
        arrays["where"] = arrays["where"].reshape(-1, 3)
        return cls(**arrays, settings=dict(data["settings"]))

    def __str__(self) -> str:
        mean = self.counts.mean(axis=2)
        rows = [f"  N={n}: " + " ".join(f"{c:.1f}" for c in mean[:, j]) for j, n in enumerate(self.sizes)]
        return (f"CensusSweep(alpha_r={self.settings['alpha_r']}, beta_r={self.settings['beta_r']}, "
                f"{self.seeds.size} seeds): mean count at g_h = " + ", ".join(f"{g:g}" for g in self.g_values)
                + "\n" + "\n".join(rows))


def _census_job(g_h, N, seed, alpha_r, beta_r, n_starts, transient_starts, nonzero_variance):
    from .gated_network import GatedNetwork

    census = fixed_point_census(GatedNetwork(N=int(N), g_h=float(g_h), alpha_r=alpha_r, beta_r=beta_r, seed=int(seed)),
                                n_starts, seed=int(seed), transient_starts=transient_starts)
    return census.variances, census.indices, census.count_above(nonzero_variance)


def census_sweep(g_values, sizes, seeds=(0,), *, alpha_r: float = 20.0, beta_r: float = 0.0, n_starts: int = 60,
                 transient_starts: int = 20, nonzero_variance: float = 0.05, n_jobs: int = 1,
                 progress: bool = False) -> CensusSweep:
    r"""Run :func:`fixed_point_census` on a gated network for every gain, size and seed (chapter 10).

    .. math:: \Sigma_N(g_h)=\frac1N\ln\overline{\#\{x:F(x)=0\}},

    the mean count over seeds standing in for the expectation of the annealed complexity.
    Network ``seed`` (couplings :math:`J^h,J^z,J^r`) is the same at every gain, so a row of the
    sweep follows one network through :math:`g_h`. Jobs run on :func:`gatebook.run_jobs`
    (``n_jobs`` workers, or a dask cluster); each carries its seed, so the result does not
    depend on ``n_jobs``.

    Parameters
    ----------
    g_values : sequence of float
        Non-negative gains :math:`g_h`.
    sizes : sequence of int
        Numbers of units (each ``>= 2``).
    seeds : sequence of int, optional
    alpha_r, beta_r : float, optional
        The output gate's gain (``>= 0``) and bias.
    n_starts, transient_starts : int, optional
        As in :func:`fixed_point_census`.
    nonzero_variance : float, optional
        :math:`\Delta` above which a point counts as away from the origin.
    n_jobs : int, optional
    progress : bool, optional

    Returns
    -------
    CensusSweep

    Examples
    --------
    >>> sweep = census_sweep([0.8], [8], seeds=[0, 1], n_starts=4, transient_starts=0)
    >>> sweep.counts.tolist()   # below the quiet threshold: the origin alone
    [[[1, 1]]]
    """
    g_values = check_float_sequence(g_values, "g_values", nonnegative=True)
    sizes = np.asarray(check_int_sequence(sizes, "sizes", minimum=2), dtype=int)
    seeds = np.asarray(check_int_sequence(seeds, "seeds", minimum=0), dtype=int)
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    n_starts = check_positive_int(n_starts, "n_starts")
    if isinstance(transient_starts, bool) or not isinstance(transient_starts, (int, np.integer)) or transient_starts < 0:
        raise ValueError(f"transient_starts must be an integer >= 0, got {transient_starts!r}")
    nonzero_variance = check_nonnegative_float(nonzero_variance, "nonzero_variance")
    n_jobs = check_n_jobs(n_jobs)
    grid = [(float(g), int(n), int(s)) for g in g_values for n in sizes for s in seeds]
    results = run_jobs(_census_job, [(*job, alpha_r, beta_r, n_starts, int(transient_starts), nonzero_variance)
                                     for job in grid], n_jobs=n_jobs, progress=check_bool(progress, "progress"),
                       desc="fixed-point census")
    shape = (g_values.size, sizes.size, seeds.size)
    where = np.array([np.unravel_index(p, shape) for p, (v, _, _) in enumerate(results) for _ in v],
                     dtype=int).reshape(-1, 3)
    return CensusSweep(
        g_values=g_values, sizes=sizes, seeds=seeds,
        counts=np.array([v.size for v, _, _ in results], dtype=int).reshape(shape),
        count_nonzero=np.array([a for _, _, a in results], dtype=int).reshape(shape),
        n_stable=np.array([int((i == 0).sum()) for _, i, _ in results], dtype=int).reshape(shape),
        variances=np.concatenate([v for v, _, _ in results]) if results else np.zeros(0),
        indices=np.concatenate([i for _, i, _ in results]).astype(int) if results else np.zeros(0, int),
        where=where,
        settings={"alpha_r": alpha_r, "beta_r": beta_r, "n_starts": n_starts,
                  "transient_starts": int(transient_starts), "nonzero_variance": nonzero_variance},
    )
