r"""Phase diagrams of the gated network from mean-field theory (chapter 11).

Three boundaries cut the :math:`(g_h,\alpha_r,\beta_r)` space of the gated network with a
constant timescale gate (:math:`\alpha_z=0`):

.. math::

    g_{\rm topo}(\alpha_r,\beta_r)\;\le\;g_{\rm chaos}(\alpha_r,\beta_r)\;\le\;
    g_{\rm quiet}(\beta_r)=1+e^{\beta_r},

the static onset of nonzero fixed points (a *proxy* for the onset of topological
complexity), the appearance of the chaotic DMFT branch, and the loss of stability of the
quiet state. :func:`phase_boundaries` computes them along one parameter axis;
:func:`phase_diagram` solves the DMFT on a grid (continuation in :math:`g_h`, in-memory and
optional on-disk caching) and labels every point with a region of :data:`REGIONS`;
:func:`spot_check` simulates finite networks at a few points and compares them with the
labels. For a sharp timescale gate (:math:`\alpha_z\to\infty`) the fixed points are
marginally stable inside the window :math:`1+e^{\beta_r}<g_h<g_h^*` where
:math:`\rho_{\rm open}<1` (:func:`marginal_region`, :func:`open_radius_map`), checked at
finite :math:`\alpha_z` by :func:`marginal_spot_check`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from functools import lru_cache

import numpy as np
from scipy.special import expit

from .._cache import ArrayStore
from .._validation import (
    as_float_array,
    check_bool,
    check_finite_float,
    check_instance,
    check_int,
    check_n_jobs,
    check_nonnegative_float,
    check_positive_float,
)
from ..jobs import run_jobs
from ..progress import progress_bar
from ._result import DMFTConvergenceError
from ..quiet_state import effective_gain, quiet_lambda_max, quiet_threshold
from .gated import MAX_LAGS, effective_time_constant, gated_dmft, gated_lambda_max
from .onsets import is_chaotic, marginal_window
from .quadrature import QuadratureGridError
from .scs import MAX_SCS_GAIN, scs_lambda_max, scs_variance
from .static import fixed_point_onset

__all__ = [
    "REGIONS",
    "PhaseBoundaries",
    "phase_boundaries",
    "PhaseDiagram",
    "phase_diagram",
    "classify_region",
    "clear_phase_cache",
    "phase_cache_info",
    "point_lambda",
    "grid_index",
]

#: Region labels of a phase diagram (see :func:`classify_region`).
REGIONS = ("quiescent", "fixed points, no chaos", "bistable", "chaotic", "unresolved")
_AXES = ("alpha_r", "beta_r")
#: Digits kept when parameters enter a cache key (rounding, so 0.1 + 0.2 hits 0.3).
_KEY_DIGITS = 12


# --------------------------------------------------------------------------- boundaries


_AXIS = "a number or a 1-D array of numbers"


def _axis(alpha_r, beta_r):
    """Which of alpha_r, beta_r is the (1-D) axis; the other must be a number."""
    a, b = as_float_array(alpha_r, "alpha_r", _AXIS), as_float_array(beta_r, "beta_r", _AXIS)
    if a.ndim > 1 or b.ndim > 1:
        raise ValueError("alpha_r and beta_r must be numbers or 1-D arrays")
    if a.ndim == 1 and b.ndim == 1:
        raise ValueError("give an array for alpha_r or for beta_r, not both (the other is held fixed)")
    name, values = ("beta_r", b) if b.ndim == 1 else ("alpha_r", np.atleast_1d(a))
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must hold finite values, got {values}")
    if name == "alpha_r" and np.any(values < 0):
        raise ValueError(f"alpha_r must be >= 0, got {values}")
    other = float(b) if name == "alpha_r" else float(a)
    if not np.isfinite(other) or (name == "beta_r" and other < 0):
        raise ValueError(f"the fixed {'beta_r' if name == 'alpha_r' else 'alpha_r'} must be finite (and alpha_r >= 0)")
    quiet_threshold(b)  # refuses a beta_r whose threshold 1 + e^beta_r leaves the floating-point range
    return name, values, other


@dataclass
class PhaseBoundaries:
    r"""The three boundaries of the :math:`\alpha_z=0` phase diagram along one axis (chapter 11).

    Attributes
    ----------
    parameter : {"alpha_r", "beta_r"}
        The axis; ``values`` holds its values.
    values : ndarray, shape (n,)
    fixed : dict
        The other parameters (``alpha_r`` or ``beta_r``, ``g_r``, ``input_std``).
    g_topo : ndarray, shape (n,)
        Static onset of nonzero fixed points, the static-mean-field **proxy** for the onset
        of topological complexity (:func:`~gatebook.meanfield.fixed_point_onset`).
    g_chaos : ndarray, shape (n,)
        Onset of the chaotic DMFT branch (:func:`~gatebook.meanfield.chaos_onset`);
        ``nan`` if not computed.
    g_quiet : ndarray, shape (n,)
        Exact loss of stability of the quiet state, :math:`1+e^{\beta_r}`.
    g_marginal : ndarray, shape (n,)
        Upper edge :math:`g_h^*` of the marginal window of a sharp timescale gate
        (:math:`\alpha_z\to\infty`, :math:`\rho_{\rm open}(g_h^*)=1`, :math:`f_{\rm open}=1/2`), for
        the row's :math:`\beta_r`; the formula assumes a soft output gate, so it ignores :math:`\alpha_r`.
    """

    parameter: str
    values: np.ndarray
    fixed: dict
    g_topo: np.ndarray
    g_chaos: np.ndarray
    g_quiet: np.ndarray
    g_marginal: np.ndarray

    @property
    def bistable_width(self) -> np.ndarray:
        r""":math:`g_{\rm quiet}-g_{\rm chaos}`: width in :math:`g_h` of the bistable window (0 for soft gates)."""
        return self.g_quiet - self.g_chaos

    def rows(self):
        """``(value, g_topo, g_chaos, g_quiet)`` tuples, one per axis value (``g_marginal`` apart)."""
        return list(zip(self.values.tolist(), self.g_topo.tolist(), self.g_chaos.tolist(), self.g_quiet.tolist()))


def phase_boundaries(alpha_r=0.0, beta_r=0.0, *, g_r=1.0, input_std=0.0, chaos=True, tol=1e-3, progress=False,
                     n_jobs=1, **onset_options):
    r"""The boundaries :math:`g_{\rm topo}\le g_{\rm chaos}\le g_{\rm quiet}` along one axis (chapter 11).

    .. math::

        g_{\rm topo}=\Big[\sup_{\Delta>0}\frac{S_r(g_r^2Q(\Delta))Q(\Delta)}{\Delta}\Big]^{-1/2},\qquad
        g_{\rm chaos}=\min\{g_h:\text{chaotic DMFT branch exists}\},\qquad
        g_{\rm quiet}=1+e^{\beta_r}.

    Each is a 1-D computation per axis value: a maximisation (:math:`g_{\rm topo}`, labelled a
    proxy for the onset of topological complexity), a root search on the existence of the
    chaotic branch (:func:`~gatebook.meanfield.chaos_onset`) and a closed form. For
    :math:`\alpha_r=0` all three coincide at :math:`1+e^{\beta_r}`.

    Parameters
    ----------
    alpha_r, beta_r : float or 1-D array
        Exactly one of them may be an array (the axis); the other is held fixed.
    g_r : float, optional
        Gate-coupling gain.
    input_std : float, optional
        Static input :math:`\sigma_I` (enters :math:`g_{\rm chaos}` only; :math:`g_{\rm topo}`
        and :math:`g_{\rm quiet}` are the input-free values).
    chaos : bool, optional
        Compute :math:`g_{\rm chaos}` (the expensive one); ``nan`` otherwise.
    tol : float, optional
        Tolerance of :math:`g_{\rm chaos}` in :math:`g_h`.
    progress : bool, optional
    n_jobs : int, optional
        Axis values are independent jobs of :func:`gatebook.jobs.run_jobs` (1: here; ``k``
        workers; -1: every core); the boundaries are the same for any number of workers.
    **onset_options
        Grid and iteration settings passed to :func:`~gatebook.meanfield.chaos_onset`
        (``n``, ``s_max``, ``max_iter``).

    Returns
    -------
    PhaseBoundaries
    """
    name, values, other = _axis(alpha_r, beta_r)
    g_r = check_nonnegative_float(g_r, "g_r")
    input_std = check_nonnegative_float(input_std, "input_std")
    tol = check_positive_float(tol, "tol")
    chaos = check_bool(chaos, "chaos")
    progress = check_bool(progress, "progress")
    n_jobs = check_n_jobs(n_jobs)
    jobs = [(float(v), other) if name == "alpha_r" else (other, float(v)) for v in values]

    def boundaries_at(a, b):
        onset = _chaos_onset(a, b, g_r, input_std, tol, onset_options) if chaos else np.nan
        return fixed_point_onset(a, b, g_r), onset, quiet_threshold(b), marginal_window(b)[1]

    columns = list(zip(*run_jobs(boundaries_at, jobs, n_jobs=n_jobs, progress=progress, desc="boundaries")))
    topo, chaos_g, quiet, marginal = (np.array(c, dtype=float) for c in columns)
    fixed = {("beta_r" if name == "alpha_r" else "alpha_r"): other, "g_r": g_r, "input_std": input_std}
    return PhaseBoundaries(name, values.copy(), fixed, topo, chaos_g, quiet, marginal)


def _chaos_onset(alpha_r, beta_r, g_r, input_std, tol, options):
    """:func:`gatebook.meanfield.onsets.chaos_onset` with the given solver options."""
    from .onsets import chaos_onset

    return float(chaos_onset(alpha_r, beta_r, g_r, input_std=input_std, tol=tol, **options))


# --------------------------------------------------------------------------- labels


def _bool_array(value, name):
    """``value`` (a bool or an array of bools) as a boolean array; errors name ``name``."""
    arr = np.asarray(value) if isinstance(value, (bool, np.bool_, list, tuple, np.ndarray)) else None
    if arr is None or arr.dtype != bool:
        raise TypeError(f"{name} must be a bool or an array of bools, got {value!r}")
    return arr


def classify_region(chaotic, quiet_stable, fixed_points, resolved=True):
    r"""Region label(s) from three facts about a point (chapter 11).

    ``chaotic``: the chaotic DMFT branch exists (large start). ``quiet_stable``: the quiet
    state is not unstable, :math:`g_hs_r\le1`. ``fixed_points``: :math:`g_h>g_{\rm topo}`
    (nonzero fixed points exist, static proxy). Then

    ============================  ============================================
    ``"bistable"``                chaotic branch and a stable quiet state
    ``"chaotic"``                 chaotic branch, quiet state unstable
    ``"fixed points, no chaos"``  no chaotic branch, quiet state stable, but
                                  nonzero (unstable) fixed points exist
    ``"quiescent"``               only the quiet state
    ``"unresolved"``              solver failure, or an unstable quiet state
                                  without a chaotic branch (seen right above
                                  a continuous onset, where the iteration can
                                  settle on a static profile)
    ============================  ============================================

    Vectorised over arrays of booleans (which must broadcast together); returns an array of
    strings. Anything but booleans raises a :class:`TypeError` naming the argument.
    """
    names = ("chaotic", "quiet_stable", "fixed_points", "resolved")
    facts = [_bool_array(x, name) for x, name in zip((chaotic, quiet_stable, fixed_points, resolved), names)]
    try:
        c, q, f, ok = np.broadcast_arrays(*facts)
    except ValueError as err:
        shapes = ", ".join(f"{name} {x.shape}" for name, x in zip(names, facts))
        raise ValueError(
            f"chaotic, quiet_stable, fixed_points and resolved must broadcast together, got {shapes}"
        ) from err
    out = np.full(c.shape, REGIONS[4], dtype=object)
    out[c & q] = "bistable"
    out[c & ~q] = "chaotic"
    out[~c & q & f] = "fixed points, no chaos"
    out[~c & q & ~f] = "quiescent"
    out[~ok] = REGIONS[4]
    return out


# --------------------------------------------------------------------------- the grid solver

#: Counters of the grid solver (solves actually run, disk-cache hits): tests count calls.
_STATS = {"solves": 0, "lambda_solves": 0, "disk_hits": 0}


def phase_cache_info() -> dict:
    """Counters of the phase-diagram solver and the in-memory cache (``lru_cache`` info)."""
    info = _solve_point.cache_info()
    return dict(_STATS, hits=info.hits, misses=info.misses, size=info.currsize)


def clear_phase_cache() -> None:
    """Empty the in-memory cache of :func:`phase_diagram` and reset its counters."""
    _solve_point.cache_clear()
    _point_lambda.cache_clear()
    for k in _STATS:
        _STATS[k] = 0


def _r(x) -> float:
    return round(float(x), _KEY_DIGITS)


@lru_cache(maxsize=4096)
def _solve_point(chain, params, settings):
    """In-memory cached :func:`_compute_point` (keys: rounded parameters, path, settings)."""
    return _compute_point(chain, params, settings, _solve_point)


def _compute_point(chain, params, settings, solve_previous):
    r"""DMFT at the last :math:`g_h` of ``chain``, warm-started along it.

    ``chain`` is the tuple of :math:`g_h` values from the top of a row down to this point:
    the solution at ``chain[:-1]`` (itself cached) is the start, so the result depends only on
    the key. Returns ``(variance, lambda_max, status, result)`` with status ``"chaotic"``,
    ``"none"`` (no chaotic branch) or ``"failed"``.
    """
    p, s = dict(params), dict(settings)
    g = chain[-1]
    if p["input_std"] == 0.0 and (p["alpha_r"] == 0.0 or p["g_r"] == 0.0):
        return _soft_gate_point(g, p, s)
    start = "large"
    if len(chain) > 1:
        prev = solve_previous(chain[:-1], params, settings)
        if prev[2] == "none":  # below the onset: the chaotic branch exists for all larger g_h only
            return 0.0, np.nan, "none", None
        if prev[3] is not None:
            start = prev[3]
    solver = dict(s_max=s["s_max"], window=s["window"], n=s["n"], damping=s["damping"], tol=s["tol"],
                  max_iter=s["max_iter"])
    args = dict(alpha_r=p["alpha_r"], beta_r=p["beta_r"], beta_z=p["beta_z"], g_r=p["g_r"],
                tau_h=p["tau_h"], tau_r=p["tau_r"], input_std=p["input_std"])
    # with a stable quiet state, a solve that drifts without converging follows the ghost of a
    # lost branch just below its saddle-node: no chaotic solution (as in chaos_onset); above
    # the quiet threshold it is a genuine failure. A warm start that collapses is retried
    # from the large start (a long continuation step can overshoot onto the quiet branch).
    quiet_stable = p["input_std"] == 0.0 and effective_gain(g, beta_r=p["beta_r"]) <= 1.0
    result, failed = None, False
    for attempt in ([start, "large"] if start != "large" else ["large"]):
        _STATS["solves"] += 1
        try:
            result = gated_dmft(g, start=attempt, **args, **solver)
        except DMFTConvergenceError:
            result, failed = None, True
            if quiet_stable:
                break
            continue
        failed = False
        if is_chaotic(result):
            break
    if failed and not quiet_stable:
        return np.nan, np.nan, "failed", None
    if result is None or not is_chaotic(result):
        return 0.0, np.nan, "none", None
    return float(result.variance), np.nan, "chaotic", result


@lru_cache(maxsize=4096)
def _point_lambda(chain, params, settings, lambda_tol):
    """In-memory cached :func:`_compute_lambda`."""
    return _compute_lambda(_solve_point(chain, params, settings), chain[-1], params, lambda_tol)


def _compute_lambda(point, g, params, lambda_tol):
    r"""DMFT :math:`\lambda_{\max}` at a solved grid point (``nan`` without a chaotic branch)."""
    variance, lam, status, result = point
    if status != "chaotic":
        return np.nan
    if result is None:  # the exact soft-gate path
        return _soft_gate_lambda(g, dict(params))
    _STATS["lambda_solves"] += 1
    try:
        return float(gated_lambda_max(result, tol=lambda_tol))
    except DMFTConvergenceError:
        return np.nan


def _soft_gate_point(g, p, s):
    r"""Exact path for a constant output gate: chapter 1's network with :math:`g_{\rm eff}=g_hs_r`.

    Chaos iff :math:`g_{\rm eff}>1`; :math:`\Delta_h(0)` from the potential method and
    :math:`\lambda_{\max}=\lambda^{\rm SCS}(g_{\rm eff})` in units of :math:`\tau_{\rm eff}=\tau_h/s_z`.
    """
    g_eff = effective_gain(g, beta_r=p["beta_r"])  # with g_r = 0 the gate also sits at sigma_r(0)
    if g_eff <= 1.0:
        return 0.0, np.nan, "none", None
    if g_eff > MAX_SCS_GAIN:
        raise QuadratureGridError(
            f"phase_diagram: g_h={g:g} with beta_r={p['beta_r']:g} gives the effective gain g_h s_r = {g_eff:.4g}, "
            f"above {MAX_SCS_GAIN:g}: the chaotic variance (~0.73 g_eff^2) needs correlation tables beyond the "
            "quadrature cap; use smaller gains g_h",
            sharpness=2.0, variance=0.73 * g_eff**2,
        )
    _STATS["solves"] += 1
    return float(scs_variance(g_eff)), np.nan, "chaotic", None


def _soft_gate_lambda(g, p):
    _STATS["lambda_solves"] += 1
    g_eff = effective_gain(g, beta_r=p["beta_r"])
    return float(scs_lambda_max(g_eff, tau=effective_time_constant(p["beta_z"], p["tau_h"])))


def _solve_row(params, chain, settings, lambda_max, lambda_tol, cache):
    """One row of :func:`phase_diagram` along ``chain`` (its g_h from the top): a job of :func:`run_jobs`.

    Returns ``(variance, lambda_max, status, counts)`` in ascending g_h; ``counts`` are the
    :data:`_STATS` increments, taken back out of this process's counters so that the caller adds
    them once, whether the row ran here or in a worker.
    """
    before = dict(_STATS)
    memo = {}

    def solve(path):
        if cache:
            return _solve_point(path, params, settings)
        if path not in memo:
            memo[path] = _compute_point(path, params, settings, lambda p, *_: solve(p))
        return memo[path]

    out = [solve(chain[: k + 1]) for k in range(len(chain))]
    lam = [(_point_lambda(chain[: k + 1], params, settings, lambda_tol) if cache
            else _compute_lambda(point, chain[k], params, lambda_tol)) if lambda_max and point[2] == "chaotic"
           else np.nan for k, point in enumerate(out)]
    counts = {k: _STATS[k] - before[k] for k in _STATS}
    _STATS.update(before)
    return [p[0] for p in out][::-1], lam[::-1], [p[2] for p in out][::-1], counts


@dataclass
class PhaseDiagram:
    r"""DMFT phase diagram over :math:`g_h` and one gate parameter (chapter 11).

    Arrays have shape ``(len(values), len(g_h))``: one row per value of ``parameter``.

    Attributes
    ----------
    g_h : ndarray, shape (n_g,)
    parameter : {"alpha_r", "beta_r"}
    values : ndarray, shape (n_p,)
    fixed : dict
        The parameters held fixed (``alpha_r`` or ``beta_r``, ``beta_z``, ``g_r``, ``tau_h``,
        ``tau_r``, ``input_std``).
    variance : ndarray
        :math:`\Delta_h(0)` of the chaotic branch (large start); 0 where it does not exist,
        ``nan`` where the solver failed.
    lambda_max : ndarray
        DMFT :math:`\lambda_{\max}` on the chaotic branch (``nan`` where it does not exist or
        was not computed).
    quiet_lambda : ndarray
        Exact exponent of the quiet state, :math:`\max\{(s_z/\tau_h)(g_hs_r-1),-1/\tau_r\}`
        (``nan`` with a static input, which removes the quiet state).
    quiet_stable : ndarray of bool
        :math:`g_hs_r\le1` (all false with a static input).
    chaotic : ndarray of bool
        The chaotic branch exists.
    region : ndarray of str
        :func:`classify_region` labels (:data:`REGIONS`). With a static input
        (:math:`\sigma_I>0`) there is no quiet state, and a point is ``"chaotic"`` or
        ``"fixed points, no chaos"`` (the input-driven fixed point).
    g_topo, g_quiet : ndarray, shape (n_p,)
        Static onset (proxy) and quiet-state threshold of each row.
    settings : dict
        Solver settings (part of every cache key).
    """

    g_h: np.ndarray
    parameter: str
    values: np.ndarray
    fixed: dict
    variance: np.ndarray
    lambda_max: np.ndarray
    quiet_lambda: np.ndarray
    quiet_stable: np.ndarray
    chaotic: np.ndarray
    region: np.ndarray
    g_topo: np.ndarray
    g_quiet: np.ndarray
    settings: dict = field(default_factory=dict)

    @property
    def g_chaos_bracket(self) -> np.ndarray:
        r"""Per row, the grid interval ``(lo, hi]`` holding :math:`g_{\rm chaos}`: the last
        :math:`g_h` without and the first with the chaotic branch (``nan`` if none/all)."""
        out = np.full((self.values.size, 2), np.nan)
        for i, row in enumerate(self.chaotic):
            k = np.flatnonzero(row)
            if k.size:
                out[i, 1] = self.g_h[k[0]]
                if k[0] > 0:
                    out[i, 0] = self.g_h[k[0] - 1]
        return out

    def region_code(self) -> np.ndarray:
        """Regions as integers (indices into :data:`REGIONS`), for colour maps."""
        lookup = {name: i for i, name in enumerate(REGIONS)}
        return np.vectorize(lookup.__getitem__, otypes=[int])(self.region)

    def attractor_lambda(self) -> np.ndarray:
        r""":math:`\lambda_{\max}` reached from a large initial state: the DMFT value where the
        chaotic branch exists, the quiet-state exponent elsewhere."""
        return np.where(self.chaotic, self.lambda_max, self.quiet_lambda)

    def at(self, g_h: float, value: float) -> dict:
        """The grid point nearest to ``(g_h, value)`` as a dict of its entries."""
        j = int(np.argmin(np.abs(self.g_h - g_h)))
        i = int(np.argmin(np.abs(self.values - value)))
        return {
            "g_h": float(self.g_h[j]), self.parameter: float(self.values[i]),
            "variance": float(self.variance[i, j]), "lambda_max": float(self.lambda_max[i, j]),
            "quiet_lambda": float(self.quiet_lambda[i, j]), "region": str(self.region[i, j]),
        }

    def to_dict(self) -> dict:
        """A JSON-ready dict (NaN written as ``None``); :meth:`from_dict` reads it back."""
        def plain(v):
            if isinstance(v, np.ndarray):
                return np.where(np.isnan(v), None, v).tolist() if v.dtype.kind == "f" else v.tolist()
            return v
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> PhaseDiagram:
        """The diagram written by :meth:`to_dict` (e.g. a committed one, chapter 11)."""
        kinds = {"quiet_stable": bool, "chaotic": bool, "region": object}
        return cls(**{k: (v if k in ("parameter", "fixed", "settings") else np.array(v, dtype=kinds.get(k, float)))
                      for k, v in data.items()})

    def counts(self) -> dict:
        """Number of grid points in each region."""
        return {name: int(np.sum(self.region == name)) for name in REGIONS}

    def __str__(self) -> str:
        n = " ".join(f"{k}: {v}" for k, v in self.counts().items() if v)
        return (f"PhaseDiagram over g_h [{self.g_h[0]:g}, {self.g_h[-1]:g}] ({self.g_h.size}) x "
                f"{self.parameter} [{self.values[0]:g}, {self.values[-1]:g}] ({self.values.size}); {n}")


_DEFAULT_SETTINGS = dict(n=512, s_max=None, window=20.0, damping=0.7, tol=1e-5, max_iter=400, lambda_tol=1e-4)


def _disk_key(payload: dict) -> str:
    from .. import __version__

    text = json.dumps(dict(payload, version=__version__), sort_keys=True, default=float)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def phase_diagram(
    g_h,
    alpha_r=0.0,
    beta_r=0.0,
    *,
    beta_z=0.0,
    g_r=1.0,
    tau_h=1.0,
    tau_r=1.0,
    input_std=0.0,
    lambda_max=True,
    n_lags=None,
    progress=True,
    cache=True,
    cache_dir=None,
    n_jobs=1,
    **solver_options,
) -> PhaseDiagram:
    r"""DMFT phase diagram of the gated network (:math:`\alpha_z=0`) on a grid (chapter 11).

    For every row (one value of ``alpha_r`` or ``beta_r``) the DMFT of chapter 9,

    .. math::

        \big(1-\tau_{\rm eff}^2\partial_s^2\big)\Delta_h=g_h^2C_{\sigma_r}C_\phi+\sigma_I^2,\qquad
        \big(1-\tau_r^2\partial_s^2\big)\Delta_r=g_r^2C_\phi,

    is solved from the largest :math:`g_h` downwards, each point warm-started from the
    chaotic solution of its upper neighbour (continuation; the first point of a row uses the
    ``"large"`` start, and so does a point whose warm start collapses onto the quiet branch,
    since a long step can overshoot). Once the chaotic branch is gone it is taken to be
    absent for every smaller :math:`g_h`, which is the definition of :math:`g_{\rm chaos}` as
    the smallest gain with a chaotic branch. A solve that does not converge counts as "no
    chaotic branch" where the quiet state is stable (the iteration drifts along the ghost of
    the lost branch, as in :func:`~gatebook.meanfield.chaos_onset`) and as ``"unresolved"``
    above the quiet threshold. Rows with a constant output gate (:math:`\alpha_r=0` or
    :math:`g_r=0`, no input) are chapter 1's network with :math:`g_{\rm eff}=g_hs_r` and use the
    exact path (chaos iff :math:`g_{\rm eff}>1`, potential method, Schrödinger
    :math:`\lambda_{\max}`). Where the chaotic branch exists, :math:`\lambda_{\max}` follows
    from the linearised two-replica problem. The quiet state's stability and exponent are
    exact, :math:`g_{\rm topo}` comes from the static mean field, and :func:`classify_region`
    turns the three into labels.

    Defaults: 512 lags on a window of 20 slowest time constants :math:`\max(\tau_{\rm eff},\tau_r)`
    (:math:`[0,40]\,\tau_h` at :math:`\beta_z=0`), widened automatically where the
    autocorrelation has not decayed (the correlation time diverges at a continuous onset),
    damping 0.7, tolerance :math:`10^{-5}`, at most 400 iterations per point,
    :math:`\lambda_{\max}` to :math:`10^{-4}`.

    Parameters
    ----------
    g_h : 1-D array
        Coupling gains (sorted internally, positive).
    alpha_r, beta_r : float or 1-D array
        Exactly one may be an array: the second axis.
    beta_z, g_r, tau_h, tau_r, input_std : float, optional
        Other parameters, as in :func:`~gatebook.meanfield.gated_dmft`.
    lambda_max : bool, optional
        Also compute the DMFT :math:`\lambda_{\max}` (about as costly again).
    n_lags : int, optional
        Lags of the DMFT grid (default 512 on :math:`[0,40]\,\tau_h`).
    progress : bool, optional
        A progress bar over the rows.
    cache : bool, optional
        Use the in-memory cache (``functools.lru_cache`` on the per-point solver, keyed by the
        rounded parameters, the continuation path and every solver setting); with workers, each
        worker process has its own.
    cache_dir : str or path, optional
        Also store the finished diagram on disk, in a ``.npz`` file named by a hash of every
        parameter, solver setting and the package version; a second call loads it. Entries are
        written atomically (a temporary file renamed into place), so a crash or a second process
        sharing the folder never leaves half a file; an unreadable entry is reported in a
        :class:`gatebook.CacheWarning` with its path, removed and recomputed.
    n_jobs : int, optional
        The rows are independent jobs of :func:`gatebook.jobs.run_jobs`: ``1`` (default) solves
        them here, ``k`` on ``k`` worker processes, ``-1`` on every core. The diagram is identical
        for any number of workers (the solver draws nothing at random); it is written to
        ``cache_dir`` once, by this process.
    **solver_options
        ``s_max`` (``None``: the growing window), ``window``, ``damping``, ``tol``, ``max_iter``
        of the DMFT (:func:`~gatebook.meanfield.gated_dmft`) and ``lambda_tol`` of
        :math:`\lambda_{\max}`.

    Returns
    -------
    PhaseDiagram
    """
    g = as_float_array(g_h, "g_h", _AXIS)
    if g.ndim != 1 or g.size == 0 or not np.all(np.isfinite(g)) or np.any(g <= 0):
        raise ValueError(f"g_h must be a non-empty 1-D array of positive gains, got {g_h!r}")
    g = np.unique(g)
    name, values, other = _axis(alpha_r, beta_r)
    fixed = {
        ("beta_r" if name == "alpha_r" else "alpha_r"): other,
        "beta_z": check_finite_float(beta_z, "beta_z"),
        "g_r": check_nonnegative_float(g_r, "g_r"),
        "tau_h": check_positive_float(tau_h, "tau_h"),
        "tau_r": check_positive_float(tau_r, "tau_r"),
        "input_std": check_nonnegative_float(input_std, "input_std"),
    }
    unknown = sorted(set(solver_options) - set(_DEFAULT_SETTINGS))
    if unknown:
        raise ValueError(f"unknown solver option(s) {unknown}; choose from {sorted(_DEFAULT_SETTINGS)}")
    for key, value in solver_options.items():
        if not (key == "s_max" and value is None):
            check_finite_float(value, key)
    settings = dict(_DEFAULT_SETTINGS, **solver_options)
    if n_lags is not None:
        settings["n"] = check_int(n_lags, "n_lags", minimum=16, maximum=MAX_LAGS)
    lambda_max = check_bool(lambda_max, "lambda_max")
    progress = check_bool(progress, "progress")
    cache = check_bool(cache, "cache")
    n_jobs = check_n_jobs(n_jobs)
    settings["lambda_max"] = bool(lambda_max)
    settings = {k: (v if isinstance(v, bool) or v is None else float(v)) for k, v in settings.items()}
    settings["n"], settings["max_iter"] = int(settings["n"]), int(settings["max_iter"])
    if settings["s_max"] is not None:
        check_positive_float(settings["s_max"], "s_max")
    check_positive_float(settings["window"], "window")
    check_positive_float(settings["tol"], "tol")
    check_positive_float(settings["lambda_tol"], "lambda_tol")

    store = key = None
    if cache_dir is not None:
        payload = {"g_h": g.tolist(), "parameter": name, "values": values.tolist(), "fixed": fixed,
                   "settings": settings}
        store, key = ArrayStore(cache_dir, "cache_dir"), f"phase_diagram_{_disk_key(payload)}"
        cached = store.load(key, _from_entry)
        if cached is not None:
            _STATS["disk_hits"] += 1
            return cached

    lambda_tol = settings["lambda_tol"]
    settings_key = tuple(sorted((k, v) for k, v in settings.items() if k not in ("lambda_max", "lambda_tol")))
    chain = tuple(_r(x) for x in g[::-1])  # continuation from the top
    jobs = [(tuple(sorted((k, _r(x)) for k, x in dict(fixed, **{name: float(v)}).items())), chain, settings_key,
             lambda_max, lambda_tol, cache) for v in values]
    rows = run_jobs(_solve_row, jobs, n_jobs=n_jobs, progress=progress, desc="phase diagram rows")
    for k in _STATS:  # the solver calls of every row, wherever it ran
        _STATS[k] += sum(row[3][k] for row in rows)
    variance, lam, status = (np.array([row[m] for row in rows], dtype=t).reshape(values.size, g.size)
                             for m, t in enumerate((float, float, object)))
    diagram = _assemble(g, name, values, fixed, variance, lam, status, settings)
    if store is not None:
        store.save(key, *_to_entry(diagram))
    return diagram


@lru_cache(maxsize=256)
def _g_topo(alpha_r, beta_r, g_r):
    return fixed_point_onset(alpha_r, beta_r, g_r)


def _assemble(g, name, values, fixed, variance, lam, status, settings):
    a_rows = values if name == "alpha_r" else np.full(values.size, fixed["alpha_r"])
    b_rows = values if name == "beta_r" else np.full(values.size, fixed["beta_r"])
    g_topo = np.array([_g_topo(_r(a), _r(b), _r(fixed["g_r"])) for a, b in zip(a_rows, b_rows)])
    g_quiet = quiet_threshold(b_rows)
    s_r = expit(-b_rows)[:, None]
    quiet_stable = g[None, :] * s_r <= 1.0
    quiet_lambda = quiet_lambda_max(g[None, :], beta_r=b_rows[:, None], beta_z=fixed["beta_z"], tau_h=fixed["tau_h"],
                                    tau_r=fixed["tau_r"])
    chaotic = status == "chaotic"
    resolved = status != "failed"
    fixed_points = g[None, :] > g_topo[:, None]
    if fixed["input_std"] > 0:
        # a static input removes the quiet state: every point has an input-driven fixed point
        quiet_stable = np.zeros(chaotic.shape, dtype=bool)
        quiet_lambda = np.full(chaotic.shape, np.nan)
        fixed_points = np.ones(chaotic.shape, dtype=bool)
        region = np.where(chaotic, "chaotic", "fixed points, no chaos").astype(object)
        region[~resolved] = REGIONS[4]
    else:
        region = classify_region(chaotic, quiet_stable, fixed_points, resolved)
    return PhaseDiagram(g, name, values.copy(), dict(fixed), variance, lam, quiet_lambda, quiet_stable,
                        chaotic, region, g_topo, g_quiet, dict(settings))


def _to_entry(d: PhaseDiagram):
    """A diagram as the named arrays and metadata of an :class:`gatebook.ArrayStore` entry."""
    arrays = dict(g_h=d.g_h, values=d.values, variance=d.variance, lambda_max=d.lambda_max,
                  quiet_lambda=d.quiet_lambda, quiet_stable=d.quiet_stable, chaotic=d.chaotic,
                  region=d.region.astype(str), g_topo=d.g_topo, g_quiet=d.g_quiet)
    return arrays, {"parameter": d.parameter, "fixed": d.fixed, "settings": d.settings}


def _from_entry(f: dict, meta: dict) -> PhaseDiagram:
    shape = (f["values"].size, f["g_h"].size)
    for k in ("variance", "lambda_max", "quiet_lambda", "quiet_stable", "chaotic", "region"):
        if f[k].shape != shape:
            raise ValueError(f"cached {k} has shape {f[k].shape}, expected {shape}")
    return PhaseDiagram(
        f["g_h"], meta["parameter"], f["values"], meta["fixed"], f["variance"], f["lambda_max"],
        f["quiet_lambda"], f["quiet_stable"].astype(bool), f["chaotic"].astype(bool),
        f["region"].astype(object), f["g_topo"], f["g_quiet"], meta["settings"],
    )


# --------------------------------------------------------------------------- points of a diagram


def grid_index(diagram, g_h, value):
    """Indices ``(i, j)`` of the grid point ``(g_h, value)`` of ``diagram`` (``value`` of its ``parameter``).

    Raises
    ------
    TypeError
        If ``diagram`` is not a :class:`PhaseDiagram`, or ``g_h`` or ``value`` is not a number.
    ValueError
        If the point is not on the diagram's grid.
    """
    check_instance(diagram, PhaseDiagram, "diagram")
    g_h = check_finite_float(g_h, "g_h")
    value = check_finite_float(value, "value")
    j = int(np.argmin(np.abs(diagram.g_h - g_h)))
    i = int(np.argmin(np.abs(diagram.values - value)))
    if not (np.isclose(diagram.g_h[j], g_h) and np.isclose(diagram.values[i], value)):
        raise ValueError(
            f"point (g_h={g_h:g}, value={value:g} of {diagram.parameter}) is not on the diagram's grid "
            f"(g_h: {diagram.g_h.tolist()}, {diagram.parameter}: {diagram.values.tolist()})"
        )
    return i, j


def point_lambda(diagram: PhaseDiagram, g_h: float, value: float) -> float:
    r"""DMFT :math:`\lambda_{\max}` from a large start at one grid point of ``diagram`` (chapter 11).

    The chaotic branch's exponent (computed on demand from the cached DMFT solution of the
    point, continuation path included) where it exists, the exact quiet-state exponent
    otherwise. Arguments and errors as in :func:`grid_index`.
    """
    i, j = grid_index(diagram, g_h, value)
    if not diagram.chaotic[i, j]:
        return float(diagram.quiet_lambda[i, j])
    if np.isfinite(diagram.lambda_max[i, j]):
        return float(diagram.lambda_max[i, j])
    p = dict(diagram.fixed, **{diagram.parameter: float(diagram.values[i])})
    params_key = tuple(sorted((k, _r(v)) for k, v in p.items()))
    s = diagram.settings
    settings_key = tuple(sorted((k, v) for k, v in s.items() if k not in ("lambda_max", "lambda_tol")))
    chain = tuple(_r(x) for x in diagram.g_h[::-1][: diagram.g_h.size - j])
    return float(_point_lambda(chain, params_key, settings_key, float(s["lambda_tol"])))


#: names moved out of this module in 0.2, kept importable from here for one release
_MOVED = {
    "SpotCheck": "spot_checks",
    "spot_check": "spot_checks",
    "MarginalSpotCheck": "spot_checks",
    "marginal_spot_check": "spot_checks",
    "MarginalRegion": "onsets",
    "marginal_region": "onsets",
    "open_radius_map": "onsets",
}


def __getattr__(name):
    if name in _MOVED:
        import importlib
        import warnings

        home = f"{__package__}.{_MOVED[name]}"
        warnings.warn(f"{__name__}.{name} moved to {home}.{name}", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(home), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
