r"""Marginal stability observed: fixed points of networks as the timescale gate sharpens (chapter 11).

With a soft output gate (:math:`\alpha_r=0`) a fixed point of the gated network solves
:math:`h=g_hs_rJ^h\phi(h)` whatever :math:`\alpha_z`, and at a fixed point the bracket of
:math:`\tau_h\dot h=\sigma_z(z)[-h+g_hs_rJ^h\phi(h)]` vanishes, so the Jacobian is block
lower-triangular: its eigenvalues are :math:`-1/\tau_z`, :math:`-1/\tau_r` and those of

.. math::

    A=\frac1{\tau_h}\,\mathrm{diag}\,\sigma_z(z)\,\big(-\mathbb 1+M\big),\qquad
    M=g_hs_r\,J^h\,\mathrm{diag}\,\phi'(h),\qquad z=g_zJ^z\phi(h).

At :math:`\alpha_z=0` every :math:`\sigma_z=\tfrac12` and the fixed points of a chaotic
network are unstable (:math:`M` has eigenvalues with real part above 1). As
:math:`\alpha_z\to\infty` the gates of the units with :math:`z_i<\beta_z/\alpha_z` close: their
rows of :math:`A` vanish (one zero mode each) and what is left is the open units' block
:math:`-\mathbb 1+M_{\rm oo}`. The fixed point is then **marginally stable** when every
eigenvalue of :math:`M_{\rm oo}` has real part below 1. The theory
(:func:`gatebook.meanfield.open_radius`) estimates the radius of :math:`M_{\rm oo}`'s bulk
spectrum by the circular law, :math:`\rho_{\rm open}^2=g_h^2s_r^2f_{\rm open}\langle\phi'^2\rangle`,
and puts the end of the marginal window where it reaches 1, :math:`g_h^*`
(:func:`gatebook.meanfield.marginal_window`).

:func:`marginal_fixed_points` follows one nonzero fixed point per network through a range of
gains (Newton's method on chapter 1's reduced network, continued in :math:`g_h`), and at each
gain and each :math:`\alpha_z` records the number of unstable directions, :math:`\lambda_{\max}`
(the largest real part of the spectrum) and the zero modes; beside them the open block's
rightmost eigenvalue, its bulk radius :math:`(\lVert M_{\rm oo}\rVert_F^2/N_{\rm open})^{1/2}`
and the theory's :math:`\rho_{\rm open}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import (
    as_generator,
    check_bool,
    check_finite_float,
    check_float_sequence,
    check_int,
    check_int_sequence,
    check_memory,
    check_n_jobs,
    check_positive_int,
)
from .jobs import run_jobs

__all__ = ["MarginalFixedPoints", "marginal_fixed_points"]

#: Largest gain step of the continuation; a failed step is retried at a quarter of it.
CONTINUATION_STEP = 0.1
#: A continuation step is accepted if the point moves by at most this fraction of its norm.
JUMP = 0.5
#: Most random starts per search (each runs damped Newton in N dimensions).
MAX_STARTS = 1000
#: How many times the search starts again where a branch is lost (each time at the gain it missed).
RESTARTS = 3
#: The continuation starts at ``START_FACTOR * (1 + e^beta_r)`` (or the first gain, if lower).
START_FACTOR = 1.3
#: An eigenvalue with real part above this counts as unstable; ``|lambda|`` below it as a zero mode.
SPECTRAL_TOL = 1e-6


@dataclass(frozen=True)
class MarginalFixedPoints:
    r"""One fixed point per network and gain, and its spectrum at each :math:`\alpha_z` (chapter 11).

    Attributes
    ----------
    g_values, alpha_z_values : ndarray, shape (G,), (A,)
    N : int
    seeds : ndarray of int, shape (S,)
    point_seed, point_sign : ndarray of int, shape (P,)
        The fixed points, ``P = 2S``: for each network the point :math:`h` it follows and its
        mirror :math:`-h` (also a fixed point, with :math:`z\to-z`: the complementary units open).
    found : ndarray of bool, shape (G, P)
        Whether the continuation reached this gain (NaN entries elsewhere).
    variance, open_fraction : ndarray, shape (G, P)
        :math:`\frac1N\sum_ih_i^2`, and the fraction of units with :math:`z_i>\beta_z/\alpha_z`
        (open as :math:`\alpha_z\to\infty`).
    n_unstable, n_zero : ndarray of int, shape (G, P, A)
        Eigenvalues of the Jacobian with :math:`\mathrm{Re}\,\lambda>` ``SPECTRAL_TOL``, and with
        :math:`|\lambda|<` ``SPECTRAL_TOL`` (-1 where not found).
    lambda_max : ndarray, shape (G, P, A)
        Largest real part of the spectrum.
    open_rightmost, open_radius : ndarray, shape (G, P)
        The largest real part of :math:`M_{\rm oo}`'s eigenvalues (stability needs it below 1)
        and its bulk radius :math:`(\lVert M_{\rm oo}\rVert_F^2/N_{\rm open})^{1/2}`.
    theory_radius : ndarray, shape (G,)
        :func:`gatebook.meanfield.open_radius` at ``f_open = 1/2``.
    settings : dict
    """

    g_values: np.ndarray
    alpha_z_values: np.ndarray
    N: int
    seeds: np.ndarray
    point_seed: np.ndarray
    point_sign: np.ndarray
    found: np.ndarray
    variance: np.ndarray
    open_fraction: np.ndarray
    n_unstable: np.ndarray
    n_zero: np.ndarray
    lambda_max: np.ndarray
    open_rightmost: np.ndarray
    open_radius: np.ndarray
    theory_radius: np.ndarray
    settings: dict

    def to_dict(self) -> dict:
        """A JSON-ready dict (NaN written as ``None``); :meth:`from_dict` reads it back."""
        def plain(v):
            if isinstance(v, np.ndarray):
                return np.where(np.isnan(v), None, v).tolist() if v.dtype.kind == "f" else v.tolist()
            return v
        return {k: plain(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> MarginalFixedPoints:
        """The result written by :meth:`to_dict`."""
        out = {}
        for k, v in data.items():
            if k in ("N", "settings"):
                out[k] = v
            elif k in ("seeds", "point_seed", "point_sign", "n_unstable", "n_zero"):
                out[k] = np.asarray(v, dtype=int)
            elif k == "found":
                out[k] = np.asarray(v, dtype=bool)
            else:
                out[k] = np.array(v, dtype=float)
        return cls(**out)

    def __str__(self) -> str:
        lines = [f"MarginalFixedPoints(N={self.N}, {self.seeds.size} networks x (h, -h), alpha_z = "
                 + ", ".join(f"{a:g}" for a in self.alpha_z_values) + "): mean number of unstable directions"]
        for i, g in enumerate(self.g_values):
            k = self.found[i]
            cells = ", ".join(f"{self.n_unstable[i, k, a].mean():.1f}" if k.any() else "-"
                              for a in range(self.alpha_z_values.size))
            rm = f"{np.nanmean(self.open_rightmost[i]):.3f}" if k.any() else "-"
            lines.append(f"  g_h={g:g}: {cells}; open block rightmost {rm}, theory radius {self.theory_radius[i]:.3f}")
        return "\n".join(lines)


def _spectra(h, g_h, seed, alpha_z_values, beta_r, beta_z, full_spectrum=True):
    """The measurements at one fixed point ``h`` of network ``seed``."""
    from .gated_network import GatedNetwork

    N = h.size
    rows = []
    for alpha_z in alpha_z_values:
        net = GatedNetwork(N=N, g_h=g_h, alpha_z=float(alpha_z), beta_z=beta_z, beta_r=beta_r, seed=seed)
        x = net.gates_at_rest(h)
        if not full_spectrum:
            rows.append((-1, -1, float("nan")))
            continue
        lam = np.linalg.eigvals(net.jacobian(x)[:N, :N])  # the other 2N eigenvalues are -1/tau_z, -1/tau_r
        rows.append((int(np.count_nonzero(lam.real > SPECTRAL_TOL)), int(np.count_nonzero(np.abs(lam) < SPECTRAL_TOL)),
                     float(lam.real.max())))
    z = x[N : 2 * N]
    is_open = z > (beta_z / max(float(np.max(alpha_z_values)), 1e-300))
    M = net.g_h * net.s_r * net.couplings_h * (1.0 - np.tanh(h) ** 2)[None, :]
    M_oo = M[np.ix_(is_open, is_open)]
    rightmost = float(np.linalg.eigvals(M_oo).real.max()) if is_open.any() else float("nan")
    radius = float(np.sqrt(np.sum(M_oo**2) / max(int(is_open.sum()), 1)))
    return rows, float(np.mean(h**2)), float(is_open.mean()), rightmost, radius


def _root(model, x0, max_iter):
    """Damped Newton from ``x0`` (:func:`gatebook.find_fixed_point`'s iterations and convergence test,
    without its eigenvalue classification, which costs an N x N eigensolve per call); ``None`` if it
    does not converge to a nonzero point."""
    from .fixed_points import newton_root

    x, _, converged = newton_root(model, np.asarray(x0, dtype=np.float64), tol=1e-10, max_iter=max_iter)
    return x if converged and np.mean(x**2) > 1e-2 else None


def _typical_root(seed, N, g_h, beta_r, n_starts, rng):
    """The nonzero fixed point, of those ``n_starts`` random starts reach, closest to the static variance."""
    from .gated_network import GatedNetwork
    from .meanfield.static import static_mean_field

    reduced = GatedNetwork(N=N, g_h=g_h, beta_r=beta_r, seed=seed).reduced_network()
    target = max(static_mean_field(g_h, 0.0, beta_r).delta_h, 0.05)
    roots = [r for r in (_root(reduced, np.sqrt(target) * rng.standard_normal(N), 200) for _ in range(n_starts))
             if r is not None]
    return min(roots, key=lambda r: abs(np.mean(r**2) - target)) if roots else None


def _follow(seed, N, g_values, alpha_z_values, beta_r, beta_z, n_starts, restarts=RESTARTS, full_spectrum=True,
            step_iter=100):
    """One network: a nonzero fixed point at the first gain, continued through the others."""
    from .gated_network import GatedNetwork
    from .quiet_state import quiet_threshold

    rng = as_generator(seed)
    # start close above the quiet threshold, where Newton finds nonzero points from most starts
    g_now = min(float(g_values[0]), START_FACTOR * quiet_threshold(beta_r))
    # of the nonzero points the starts reach, follow the one whose variance is closest to the static
    # mean field's: the theory describes typical fixed points, not the near-origin finite-size ones
    x = _typical_root(seed, N, g_now, beta_r, n_starts, rng)
    out, slope = [], None  # slope: dx/dg from the last step (secant predictor)
    for g in g_values:
        while x is not None and g_now < g - 1e-12:
            step = min(CONTINUATION_STEP, g - g_now)
            for trial in (step, step / 4, step / 16):
                red = GatedNetwork(N=N, g_h=g_now + trial, beta_r=beta_r, seed=seed).reduced_network()
                for guess in ((x,) if slope is None else (x + trial * slope, x)):
                    root = _root(red, guess, step_iter)
                    if root is not None and np.linalg.norm(root - x) <= JUMP * np.linalg.norm(x):
                        break
                else:
                    continue
                slope, x, g_now = (root - x) / trial, root, g_now + trial
                break
            else:
                x = None  # the branch is lost (a fold, or Newton's basin left behind)
        if x is None and restarts:  # start again at this gain, on another branch
            x, g_now, slope, restarts = _typical_root(seed, N, float(g), beta_r, n_starts, rng), float(g), None, restarts - 1
        # h and -h are both fixed points (tanh is odd), with opposite z: complementary open sets
        out.append(None if x is None else [_spectra(sign * x, float(g), seed, alpha_z_values, beta_r, beta_z,
                                                    full_spectrum) for sign in (1.0, -1.0)])
    return out


def marginal_fixed_points(g_values, N: int, seeds=(0,), *, alpha_z_values=(0.0, 50.0, 1000.0), beta_r: float = 0.0,
                          beta_z: float = 0.0, n_starts: int = 10, restarts: int = RESTARTS,
                          full_spectrum: bool = True, step_iter: int = 100, n_jobs: int = 1,
                          progress: bool = False) -> MarginalFixedPoints:
    r"""Follow a fixed point of each network through ``g_values`` and measure its stability at each :math:`\alpha_z`.

    .. math:: \lambda_{\max}=\max\mathrm{Re}\,\mathrm{spec}\,A,\qquad
              A=\mathrm{diag}\,\sigma_z(z)\,(-\mathbb 1+g_hs_rJ^h\,\mathrm{diag}\,\phi'(h))

    (the :math:`hh` block of :meth:`gatebook.GatedNetwork.jacobian`; :math:`\alpha_r=0`,
    all :math:`\tau=1`). For each seed, damped Newton (:func:`gatebook.find_fixed_point`) on
    the reduced network runs from ``n_starts`` random starts at :math:`1.3(1+e^{\beta_r})` (or
    ``g_values[0]`` if lower), the nonzero root whose variance is closest to the static mean
    field's (:func:`gatebook.meanfield.static_mean_field`) is kept, and continuation in
    :math:`g_h` (steps of at most 0.1, secant predictor) follows it. Where the branch is lost (a
    fold) the search starts again at that gain, up to three times per network; gains it does not
    reach are marked not found. Each point :math:`h` is measured with its mirror :math:`-h`.
    Seeds are jobs of :func:`gatebook.run_jobs`.

    Parameters
    ----------
    g_values : sequence of float
        Increasing gains, all above :math:`1+e^{\beta_r}` (where nonzero fixed points exist).
    N : int
        Units (``>= 2``).
    seeds : sequence of int, optional
    alpha_z_values : sequence of float, optional
        Non-negative timescale-gate gains at which each fixed point's spectrum is measured.
    beta_r, beta_z : float, optional
    n_starts : int, optional
    restarts : int, optional
        Searches from random starts where a branch is lost (default :data:`RESTARTS`). Above
        :math:`g_h\approx4` random starts rarely converge, so a restart there mostly costs time.
    full_spectrum : bool, optional
        ``False`` skips the :math:`N\times N` eigensolves at each :math:`\alpha_z` (``n_unstable`` and
        ``n_zero`` are then -1 and ``lambda_max`` NaN) and measures only the open block, whose
        rightmost eigenvalue decides marginal stability as :math:`\alpha_z\to\infty`.
    step_iter : int, optional
        Most Newton steps per continuation step (a step that needs many has usually left its branch).
    n_jobs : int, optional
    progress : bool, optional

    Returns
    -------
    MarginalFixedPoints

    Examples
    --------
    >>> res = marginal_fixed_points([3.0], 80, seeds=[0], alpha_z_values=[0.0, 1e4])
    >>> int(res.n_zero[0, 0, 0]), bool(res.n_zero[0, 0, 1] > 20)   # a sharp timescale gate: zero modes
    (0, True)
    """
    from .meanfield.onsets import open_radius
    from .quiet_state import quiet_threshold

    g_values = check_float_sequence(g_values, "g_values", increasing=True)
    beta_r = check_finite_float(beta_r, "beta_r")
    beta_z = check_finite_float(beta_z, "beta_z")
    if g_values[0] <= quiet_threshold(beta_r):
        raise ValueError(f"g_values must exceed 1 + exp(beta_r) = {quiet_threshold(beta_r):.6g} (nonzero fixed points), "
                         f"got {g_values[0]:g}")
    N = check_positive_int(N, "N")
    if N < 2:
        raise ValueError(f"N must be at least 2, got {N}")
    check_memory(3 * N * N, "N", what="the coupling matrices of a gated network")
    seeds = np.asarray(check_int_sequence(seeds, "seeds", minimum=0), dtype=int)
    alpha_z_values = check_float_sequence(alpha_z_values, "alpha_z_values", nonnegative=True)
    n_starts = check_int(n_starts, "n_starts", minimum=1, maximum=MAX_STARTS)
    restarts = check_int(restarts, "restarts", minimum=0, maximum=100)
    full_spectrum = check_bool(full_spectrum, "full_spectrum")
    step_iter = check_int(step_iter, "step_iter", minimum=1, maximum=1000)
    n_jobs = check_n_jobs(n_jobs)
    runs = run_jobs(_follow, [(int(s), N, g_values, alpha_z_values, beta_r, beta_z, n_starts, restarts, full_spectrum,
                               step_iter) for s in seeds],
                    n_jobs=n_jobs, progress=check_bool(progress, "progress"), desc="marginal fixed points")
    G, P, A = g_values.size, 2 * seeds.size, alpha_z_values.size  # point 2k: +h of seed k; 2k + 1: -h
    found = np.array([[r[i] is not None for r in runs for _ in (0, 1)] for i in range(G)], dtype=bool)
    nan2 = np.full((G, P), np.nan)
    variance, open_fraction, rightmost, radius = nan2.copy(), nan2.copy(), nan2.copy(), nan2.copy()
    n_unstable, n_zero = np.full((G, P, A), -1, dtype=int), np.full((G, P, A), -1, dtype=int)
    lambda_max = np.full((G, P, A), np.nan)
    for k, run in enumerate(runs):
        for i, pair in enumerate(run):
            for j, item in enumerate(pair or ()):
                p = 2 * k + j
                rows, variance[i, p], open_fraction[i, p], rightmost[i, p], radius[i, p] = item
                n_unstable[i, p], n_zero[i, p], lambda_max[i, p] = (np.array(col) for col in zip(*rows))
    theory = np.array([open_radius(float(g), beta_r) for g in g_values])
    return MarginalFixedPoints(g_values=g_values, alpha_z_values=alpha_z_values, N=N, seeds=seeds,
                               point_seed=np.repeat(seeds, 2), point_sign=np.tile([1, -1], seeds.size), found=found,
                               variance=variance, open_fraction=open_fraction, n_unstable=n_unstable, n_zero=n_zero,
                               lambda_max=lambda_max, open_rightmost=rightmost, open_radius=radius,
                               theory_radius=theory,
                               settings={"beta_r": beta_r, "beta_z": beta_z, "n_starts": n_starts, "restarts": restarts,
                                         "full_spectrum": full_spectrum, "step_iter": step_iter,
                                         "spectral_tol": SPECTRAL_TOL, "continuation_step": CONTINUATION_STEP})
