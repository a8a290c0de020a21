r"""Chaotic transitions of the gated network: thresholds, branches, bistability (chapter 10).

With a constant timescale gate (:math:`\alpha_z=0`) the dynamical mean-field theory of
chapter 9 reduces the gated network to one self-consistent Gaussian process,

.. math::

    \big(1-\tau_{\rm eff}^2\partial_s^2\big)\Delta_h(s)=g_h^2\,C_{\sigma_r}(s)\,C_\phi(s)+\sigma_I^2,
    \qquad \big(1-\tau_r^2\partial_s^2\big)\Delta_r(s)=g_r^2\,C_\phi(s),

and its fixed points to the static equation
:math:`\Delta_h=g_h^2\,S_r\big(g_r^2Q(\Delta_h)\big)\,Q(\Delta_h)+\sigma_I^2`
(:mod:`gatebook.meanfield`). This module turns those solvers into the experiments of
chapter 10:

* :func:`thresholds`: the three gains :math:`g_{\rm topo}` (nonzero fixed points appear;
  a static-mean-field *proxy* for the onset of topological complexity, not a Kac-Rice
  count), :math:`g_{\rm chaos}` (the chaotic DMFT branch appears) and
  :math:`g_{\rm quiet}=1+e^{\beta_r}` (the quiet state loses stability);
* :func:`branch_curve`: :math:`\Delta_h(0)` and :math:`\lambda_{\max}` of the chaotic branch
  against :math:`g_h`, next to the exponent of the quiet state;
* :func:`hysteresis_sweep`: finite networks started small and large (bistability), each run
  labelled by :func:`run_outcome` as decayed to the quiet state, settled on a nonzero fixed
  point, or active;
* :func:`input_induced_chaos`: a static random input that pushes a quiet network into chaos;
* every static solution under that input, with the exponent of its fixed points, lives in
  :func:`gatebook.meanfield.static_input.static_input_solutions` (theory);
* :func:`loop_gain`: the static self-consistency written as a loop gain, the picture behind
  the discontinuous onset.

Conventions are the book's: presynaptic output gate, :math:`\sigma(x)=[1+e^{-\alpha x+\beta}]^{-1}`,
input inside the bracket of :math:`\sigma_z`, all time constants 1, :math:`\beta_z=0`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from . import meanfield
from ._validation import (
    check_bool,
    check_choice,
    check_finite_float,
    check_float_sequence,
    check_int_sequence,
    check_memory,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from .gated_network import GatedNetwork
from .integrators import check_steps, steps_for
from .lyapunov import max_lyapunov
from .progress import progress_bar
from .quiet_state import MAX_BETA_R, effective_gain, quiet_lambda_max, quiet_threshold
from .simulate import simulate

__all__ = [
    "Thresholds",
    "thresholds",
    "threshold_table",
    "quiet_exponent",  # deprecated: gatebook.quiet_state.quiet_lambda_max (removed next release)
    "BranchCurve",
    "branch_curve",
    "HysteresisSweep",
    "hysteresis_sweep",
    "run_outcome",
    "InputChaos",
    "input_induced_chaos",
    "loop_gain",
    "onsets_by_gain",
]

#: Temporal variance of :math:`h` (mean over units) above which a run counts as active.
ACTIVE_VARIANCE = 1e-4
#: Final root mean square of :math:`h` at or below which a run that is not active counts as decayed.
QUIET_RMS = 1e-2
#: Largest relative change of the root mean square of :math:`h` over the measurement window for a
#: run that is not active to count as settled on a nonzero fixed point (a larger change: still
#: decaying towards, or growing away from, the quiet state).
SETTLED_RTOL = 1e-2
#: The labels of :func:`run_outcome`.
OUTCOMES = ("decayed", "fixed point", "active")


# -- thresholds ------------------------------------------------------------------------
@dataclass(frozen=True)
class Thresholds:
    r"""The three gains at which the behaviour of the gated network changes (chapter 10).

    Attributes
    ----------
    alpha_r, beta_r, g_r : float
        Output-gate parameters.
    g_topo : float
        :math:`g_{\rm topo}`: nonzero solutions of the static mean field appear
        (:func:`gatebook.meanfield.fixed_point_onset`). A static-mean-field **proxy** for the
        onset of topological complexity (many fixed points), not a Kac-Rice computation.
    g_chaos : float
        :math:`g_{\rm chaos}`: the chaotic DMFT branch exists for :math:`g_h\ge g_{\rm chaos}`
        (:func:`gatebook.meanfield.chaos_onset`).
    g_quiet : float
        :math:`1+e^{\beta_r}`: the quiet state :math:`h=z=r=0` is stable for
        :math:`g_h<g_{\rm quiet}` (exact).
    """

    alpha_r: float
    beta_r: float
    g_r: float
    g_topo: float
    g_chaos: float
    g_quiet: float

    @property
    def ordered(self) -> bool:
        r""":math:`g_{\rm topo}\le g_{\rm chaos}\le g_{\rm quiet}` (up to :math:`10^{-6}`)."""
        eps = 1e-6
        return bool(self.g_topo <= self.g_chaos + eps and self.g_chaos <= self.g_quiet + eps)

    @property
    def bistable_window(self) -> tuple:
        r"""``(g_chaos, g_quiet)``: where the chaotic branch and the stable quiet state coexist (may be empty)."""
        return (self.g_chaos, self.g_quiet)

    @property
    def decoupling(self) -> float:
        r""":math:`g_{\rm chaos}-g_{\rm topo}`: the range of gains with fixed points but no chaos."""
        return self.g_chaos - self.g_topo

    def table(self) -> str:
        """A one-row Markdown table of the thresholds (see :func:`threshold_table`)."""
        return threshold_table([self])

    def __str__(self) -> str:
        return (
            f"alpha_r={self.alpha_r:g}, beta_r={self.beta_r:g}: g_topo={self.g_topo:.4f} (static proxy) "
            f"< g_chaos={self.g_chaos:.4f} < g_quiet={self.g_quiet:.4f}"
            if self.ordered
            else f"alpha_r={self.alpha_r:g}, beta_r={self.beta_r:g}: g_topo={self.g_topo:.4f}, "
            f"g_chaos={self.g_chaos:.4f}, g_quiet={self.g_quiet:.4f} (not ordered)"
        )


def _check_beta_r(beta_r) -> float:
    """A finite ``beta_r`` for which the quiet-state threshold :math:`1+e^{\beta_r}` is a float."""
    beta_r = check_finite_float(beta_r, "beta_r")
    if beta_r > MAX_BETA_R:
        raise ValueError(
            f"beta_r={beta_r:g} is too large: the output gate is shut (1 + e^beta_r overflows); "
            f"beta_r <= {MAX_BETA_R:.2f} is supported"
        )
    return beta_r


def _check_lag_grid(n, s_max) -> tuple:
    """The DMFT lag grid: ``n`` points (checked against memory) on ``[0, s_max]``."""
    n = check_positive_int(n, "n")
    check_memory(n, "n", what="the lag grid")
    return n, check_positive_float(s_max, "s_max")


def thresholds(alpha_r, beta_r=0.0, g_r=1.0, *, tol=1e-3, n=1024, s_max=60.0) -> Thresholds:
    r"""The three thresholds of the gated network for one output gate (chapter 10).

    .. math::

        g_{\rm topo}=\Big[\sup_{\Delta>0}\frac{S_r\big(g_r^2Q(\Delta)\big)Q(\Delta)}{\Delta}\Big]^{-1/2},
        \qquad g_{\rm chaos}=\min\{g_h:\ \text{chaotic DMFT branch exists}\},
        \qquad g_{\rm quiet}=1+e^{\beta_r}.

    For a soft gate (:math:`\alpha_r=0`) all three coincide at :math:`1+e^{\beta_r}`; for a
    sharp gate they separate, :math:`g_{\rm topo}<g_{\rm chaos}<g_{\rm quiet}`.

    Parameters
    ----------
    alpha_r : float
        Gain of the output gate (``>= 0``).
    beta_r : float, optional
        Bias of the output gate.
    g_r : float, optional
        Gain of :math:`J^r` (``>= 0``).
    tol : float, optional
        Width of the final bracket of :func:`gatebook.meanfield.chaos_onset` on :math:`g_h`.
    n, s_max : optional
        Lag grid of the DMFT solves (``n`` points on :math:`[0,s_{\max}]`).

    Examples
    --------
    >>> t = thresholds(0.0, 1.0)
    >>> round(t.g_topo, 6) == round(t.g_quiet, 6)
    True
    """
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = _check_beta_r(beta_r)
    g_r = check_nonnegative_float(g_r, "g_r")
    tol = check_positive_float(tol, "tol")
    n, s_max = _check_lag_grid(n, s_max)
    return Thresholds(
        alpha_r=alpha_r,
        beta_r=beta_r,
        g_r=g_r,
        g_topo=float(meanfield.fixed_point_onset(alpha_r, beta_r, g_r)),
        g_chaos=float(meanfield.chaos_onset(alpha_r, beta_r, g_r, tol=tol, n=n, s_max=s_max)),
        g_quiet=float(quiet_threshold(beta_r)),
    )


def threshold_table(rows) -> str:
    r"""Markdown table of several :class:`Thresholds` (one row each), with the ordering checked."""
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise TypeError(f"rows must be a non-empty sequence of Thresholds, got {type(rows).__name__}")
    rows = list(rows)
    if not rows or not all(isinstance(r, Thresholds) for r in rows):
        raise TypeError("rows must be a non-empty sequence of Thresholds")
    lines = [
        "| $\\alpha_r$ | $\\beta_r$ | $g_{\\rm topo}$ (static proxy) | $g_{\\rm chaos}$ (DMFT) | "
        "$g_{\\rm quiet}=1+e^{\\beta_r}$ | ordered |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.alpha_r:g} | {r.beta_r:g} | {r.g_topo:.3f} | {r.g_chaos:.3f} | {r.g_quiet:.3f} | "
            f"{'yes' if r.ordered else 'no'} |"
        )
    return "\n".join(lines)


def onsets_by_gain(alpha_values, beta_r=0.0, g_r=1.0, *, tol=1e-2, n=1024, s_max=60.0, progress=False) -> list:
    r""":func:`thresholds` for several output-gate gains :math:`\alpha_r` (topological vs dynamical onset).

    Returns a list of :class:`Thresholds`, one per value of ``alpha_values``. The chaotic
    onset costs a few DMFT solves per gain, so keep the list short and ``tol`` coarse.
    """
    alphas = check_float_sequence(alpha_values, "alpha_values", nonnegative=True)
    beta_r = _check_beta_r(beta_r)
    g_r = check_nonnegative_float(g_r, "g_r")
    tol = check_positive_float(tol, "tol")
    n, s_max = _check_lag_grid(n, s_max)
    progress = check_bool(progress, "progress")
    return [
        thresholds(a, beta_r, g_r, tol=tol, n=n, s_max=s_max)
        for a in progress_bar(alphas, total=alphas.size, desc="onsets vs alpha_r", enabled=progress)
    ]


# -- the static loop gain ------------------------------------------------------------------
def loop_gain(delta, g_h, alpha_r=0.0, beta_r=0.0, g_r=1.0):
    r"""Gain of the static feedback loop at fixed-point variance :math:`\Delta` (chapter 10).

    .. math::

        G(\Delta)=\frac{g_h^2\,S_r\big(g_r^2Q(\Delta)\big)\,Q(\Delta)}{\Delta},
        \qquad Q(\Delta)=\langle\tanh^2\rangle_\Delta,\quad S_r(\Delta_r)=\langle\sigma_r^2\rangle_{\Delta_r}.

    A nonzero fixed-point variance solves :math:`G(\Delta)=1`. As :math:`\Delta\to0`,
    :math:`G\to g_h^2s_r^2`, which crosses 1 at the quiet-state threshold. With a soft gate
    :math:`S_r=s_r^2` is constant and :math:`G` only falls (the :math:`\tanh` saturates); with
    a sharp gate a wider :math:`r` opens more gates, :math:`S_r` grows with :math:`\Delta`, and
    :math:`G` first *rises*: the self-reinforcing loop. Its maximum reaches 1 at
    :math:`g_h=g_{\rm topo}`. Vectorised over ``delta`` (``> 0``).

    Examples
    --------
    >>> import numpy as np
    >>> G = loop_gain(np.array([1e-6, 0.05]), 1.0, alpha_r=20.0)
    >>> bool(G[1] > G[0])   # a sharp gate: the loop gain rises with the variance
    True
    """
    if isinstance(delta, (str, bytes)) or delta is None:
        raise TypeError(f"delta must be a positive variance or an array of them, got {delta!r}")
    try:
        d = np.asarray(delta, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"delta must be a positive variance or an array of them, got {type(delta).__name__}") from None
    if d.size == 0 or not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise ValueError("delta must contain finite positive variances")
    g_h = check_nonnegative_float(g_h, "g_h")
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    g_r = check_nonnegative_float(g_r, "g_r")
    q = meanfield.tanh_second_moment(d)
    try:
        S_r = meanfield.gate_second_moment(g_r**2 * q, alpha_r=alpha_r, beta_r=beta_r)
    except ValueError as err:  # the gate average at variance g_r^2 Q(delta) is out of the quadrature's reach
        raise ValueError(
            f"the output gate's average at variance g_r^2 Q(delta) (g_r={g_r:g}, alpha_r={alpha_r:g}) "
            f"cannot be resolved: {err}"
        ) from err
    return g_h**2 * S_r * q / d


# -- branch curves ---------------------------------------------------------------------------
def quiet_exponent(g_h, beta_r=0.0, beta_z=0.0, tau_h=1.0, tau_z=1.0, tau_r=1.0):
    """Deprecated: use :func:`gatebook.quiet_state.quiet_lambda_max` with ``tau_z`` given (the network's value).

    .. deprecated::
        Moved to :func:`gatebook.quiet_state.quiet_lambda_max`, the home of every closed form of
        the quiet state; pass ``tau_z`` (here 1 by default) to count the :math:`z` block. This
        name will be removed in the next release.
    """
    warnings.warn(
        "gatebook.transitions.quiet_exponent is deprecated: use gatebook.quiet_state.quiet_lambda_max "
        "(with tau_z=1.0 for the network's z block)",
        DeprecationWarning,
        stacklevel=2,
    )
    return quiet_lambda_max(g_h, beta_r=beta_r, beta_z=beta_z, tau_h=tau_h, tau_r=tau_r, tau_z=tau_z)


@dataclass
class BranchCurve:
    r"""The chaotic DMFT branch and the quiet state against :math:`g_h` (chapter 10).

    Attributes
    ----------
    g_values : ndarray, shape (n,)
        Increasing gains :math:`g_h`.
    alpha_r, beta_r, g_r : float
    variance : ndarray, shape (n,)
        :math:`\Delta_h(0)` of the large-start DMFT solution (0 where it collapses to the
        quiet state, ``nan`` where the solver failed).
    lambda_chaotic : ndarray, shape (n,)
        DMFT :math:`\lambda_{\max}` on the chaotic branch (``nan`` where there is none).
    lambda_quiet : ndarray, shape (n,)
        :func:`gatebook.quiet_state.quiet_lambda_max` (network, :math:`\tau_z=1`): the exponent of the
        quiet state (it is unstable where positive).
    branch : tuple of str
        ``"chaotic"`` or ``"quiescent"`` per gain (``"failed"`` if the solver did not converge).
    method : str
        ``"scs-reduction"`` (:math:`\alpha_r=0`: chapter 1's theory at :math:`g_{\rm eff}=g_hs_r`,
        :math:`\tau_{\rm eff}=2\tau_h`) or ``"gated-dmft"`` (continuation from the largest gain).
    """

    g_values: np.ndarray
    alpha_r: float
    beta_r: float
    g_r: float
    variance: np.ndarray
    lambda_chaotic: np.ndarray
    lambda_quiet: np.ndarray
    branch: tuple
    method: str
    results: list = field(default_factory=list, repr=False)

    @property
    def chaotic(self) -> np.ndarray:
        """Boolean mask of the gains where the chaotic branch exists."""
        return np.array([b == "chaotic" for b in self.branch])

    @property
    def lowest_chaotic(self) -> float:
        """Smallest gain on the grid with a chaotic solution (``nan`` if none)."""
        m = self.chaotic
        return float(self.g_values[m][0]) if m.any() else float("nan")

    @property
    def onset_variance(self) -> float:
        r""":math:`\Delta_h(0)` at :attr:`lowest_chaotic`: finite for a discontinuous onset, small for a continuous one."""
        m = self.chaotic
        return float(self.variance[m][0]) if m.any() else float("nan")


def _check_g_values(g_values, name="g_values") -> np.ndarray:
    if isinstance(g_values, (str, bytes)) or g_values is None:
        raise TypeError(f"{name} must be a non-empty 1-D sequence of positive finite numbers, got {g_values!r}")
    try:
        g = np.asarray(g_values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a non-empty 1-D sequence of positive finite numbers") from None
    if g.ndim != 1 or g.size == 0 or not np.all(np.isfinite(g)) or np.any(g <= 0):
        raise ValueError(f"{name} must be a non-empty 1-D sequence of positive finite numbers")
    if np.any(np.diff(g) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    return g


def branch_curve(g_values, alpha_r, beta_r=0.0, *, g_r=1.0, lambda_max=True, n=1024, s_max=60.0, progress=False) -> BranchCurve:
    r"""Variance and :math:`\lambda_{\max}` of the chaotic DMFT branch against :math:`g_h` (chapter 10).

    For :math:`\alpha_r>0` the gated DMFT (:func:`gatebook.meanfield.gated_dmft`, lag grid
    ``n`` points on :math:`[0,s_{\max}]`) is solved from a large start at the largest gain and
    continued downwards, each solve warm-started from the previous profile; once a solve
    collapses to :math:`\Delta_h\equiv0` the branch has ended and the smaller gains are
    recorded as quiescent without solving (the chaotic branch only shrinks as :math:`g_h`
    falls). :math:`\lambda_{\max}` is :func:`gatebook.meanfield.gated_lambda_max`.

    For :math:`\alpha_r=0` the gate is the constant :math:`s_r` and the network is chapter
    1's with :math:`g_{\rm eff}=g_hs_r`, :math:`\tau_{\rm eff}=2\tau_h`; the variance and the
    exponent are then :func:`gatebook.meanfield.scs_variance` and
    :func:`gatebook.meanfield.scs_lambda_max` (exact reduction, and accurate right at the
    onset, where the correlation time diverges and a finite lag grid fails).

    The quiet state's exponent :math:`\lambda_0=(s_z/\tau_h)(g_hs_r-1)` is returned alongside.

    Parameters
    ----------
    g_values : sequence of float
        Strictly increasing gains :math:`g_h>0`.
    alpha_r : float
    beta_r : float, optional
    g_r : float, optional
    lambda_max : bool, optional
        Compute the DMFT exponent on the chaotic branch (about half a DMFT solve each).
    n, s_max : optional
        Lag grid of the gated DMFT.
    progress : bool, optional

    Returns
    -------
    BranchCurve

    Examples
    --------
    >>> c = branch_curve([1.5, 2.5], alpha_r=0.0)
    >>> c.branch
    ('quiescent', 'chaotic')
    """
    g = _check_g_values(g_values)
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = _check_beta_r(beta_r)
    g_r = check_nonnegative_float(g_r, "g_r")
    n, s_max = _check_lag_grid(n, s_max)
    lambda_max = check_bool(lambda_max, "lambda_max")
    progress = check_bool(progress, "progress")
    variance = np.zeros(g.size)
    lam = np.full(g.size, np.nan)
    branch = ["quiescent"] * g.size
    results = [None] * g.size
    if alpha_r == 0.0:
        method = "scs-reduction"
        tau_eff = 2.0  # tau_h / s_z with beta_z = 0
        for j in progress_bar(range(g.size), total=g.size, desc="DMFT branch", enabled=progress):
            g_eff = effective_gain(g[j], beta_r=beta_r)
            if g_eff > 1.0:
                variance[j] = meanfield.scs_variance(g_eff)
                branch[j] = "chaotic"
                if lambda_max:
                    lam[j] = meanfield.scs_lambda_max(g_eff, tau_eff)
    else:
        method = "gated-dmft"
        start = "large"
        for j in progress_bar(range(g.size - 1, -1, -1), total=g.size, desc="DMFT branch", enabled=progress):
            try:
                res = meanfield.gated_dmft(g[j], alpha_r=alpha_r, beta_r=beta_r, g_r=g_r, n=n, s_max=s_max, start=start)
            except meanfield.DMFTConvergenceError:
                variance[j] = np.nan
                branch[j] = "failed"
                continue
            results[j] = res
            if res.branch == "quiescent":
                break
            variance[j] = res.variance
            branch[j] = "chaotic"
            if lambda_max:
                lam[j] = meanfield.gated_lambda_max(res)
            start = res
    return BranchCurve(
        g_values=g,
        alpha_r=alpha_r,
        beta_r=beta_r,
        g_r=g_r,
        variance=variance,
        lambda_chaotic=lam,
        lambda_quiet=np.asarray(quiet_lambda_max(g, beta_r=beta_r, tau_z=1.0), dtype=float).reshape(g.shape),
        branch=tuple(branch),
        method=method,
        results=results,
    )


# -- finite networks: hysteresis --------------------------------------------------------------
@dataclass
class HysteresisSweep:
    r"""Finite networks started from small and large states, at several gains (chapter 10).

    Attributes
    ----------
    g_values : ndarray, shape (n_g,)
    alpha_r, beta_r : float
    N : int
    seeds : tuple of int
    initial_scales : ndarray, shape (n_scales,)
        Standard deviations of the initial states (all :math:`3N` entries i.i.d.).
    variance : ndarray, shape (n_seeds, n_g, n_scales)
        Temporal variance of :math:`h` over the last ``t_measure``, averaged over units
        (compare with the DMFT :math:`\Delta_h(0)`).
    final_rms : ndarray, shape (n_seeds, n_g, n_scales)
        Root mean square of :math:`h` at the end of the run.
    lambda_max : ndarray, shape (n_seeds, n_g, n_scales)
        :math:`\lambda_{\max}` continued from the final state, ``nan`` where not measured.
    t_transient, t_measure, dt : float
    start_rms : ndarray, shape (n_seeds, n_g, n_scales), optional
        Root mean square of :math:`h` at the start of the measurement window (``None`` in
        records made without it: :attr:`outcome` then judges by the final amplitude alone).
    """

    g_values: np.ndarray
    alpha_r: float
    beta_r: float
    N: int
    seeds: tuple
    initial_scales: np.ndarray
    variance: np.ndarray
    final_rms: np.ndarray
    lambda_max: np.ndarray
    t_transient: float
    t_measure: float
    dt: float
    start_rms: np.ndarray | None = None

    @property
    def active(self) -> np.ndarray:
        r"""``variance > ACTIVE_VARIANCE``: the run is still moving at the end (shape of :attr:`variance`)."""
        return self.variance > ACTIVE_VARIANCE

    @property
    def outcome(self) -> np.ndarray:
        r"""Each run's label, ``"decayed"``, ``"fixed point"`` or ``"active"`` (:func:`run_outcome`; shape of :attr:`variance`)."""
        return run_outcome(self.variance, self.final_rms, self.start_rms)

    def fraction_active(self) -> np.ndarray:
        """Fraction of seeds still active, shape ``(n_g, n_scales)``."""
        return self.active.mean(axis=0)

    def fraction(self, outcome: str) -> np.ndarray:
        """Fraction of seeds whose run has the label ``outcome`` (one of :data:`OUTCOMES`), shape ``(n_g, n_scales)``."""
        outcome = check_choice(outcome, "outcome", OUTCOMES)
        return (self.outcome == outcome).mean(axis=0)

    @property
    def bistable(self) -> np.ndarray:
        """Per gain: the largest start stays active and the smallest decays to the quiet state, in a majority of seeds."""
        small, large = int(np.argmin(self.initial_scales)), int(np.argmax(self.initial_scales))
        return (self.fraction("active")[:, large] > 0.5) & (self.fraction("decayed")[:, small] > 0.5)

    @property
    def bistable_window(self) -> tuple:
        """``(lowest, highest)`` gain of the grid at which the network is bistable (``nan`` if none)."""
        b = self.bistable
        if not b.any():
            return (float("nan"), float("nan"))
        return (float(self.g_values[b][0]), float(self.g_values[b][-1]))

    def mean_variance(self) -> np.ndarray:
        """Mean temporal variance over seeds, shape ``(n_g, n_scales)``."""
        return self.variance.mean(axis=0)


def run_outcome(variance, final_rms, start_rms=None, *, active_variance=ACTIVE_VARIANCE,
                quiet_rms=QUIET_RMS, settled_rtol=SETTLED_RTOL) -> np.ndarray:
    r"""Label finite-network runs as decayed, settled on a nonzero fixed point, or active (chapter 10).

    A run is summarised by the temporal variance :math:`v` of :math:`h` over its
    measurement window (mean over units), the root mean square :math:`a_1` of :math:`h` at
    its end and, optionally, :math:`a_0` at the start of the window,

    .. math::

        v=\frac1N\sum_i\mathrm{var}_t\,h_i,\qquad a=\Big(\frac1N\sum_ih_i^2\Big)^{1/2}.

    The labels are

    - ``"active"``: :math:`v>v_{\rm active}` (``active_variance``): the state still moves, on a
      chaotic attractor or a long transient;
    - ``"fixed point"``: not active, :math:`a_1>a_{\rm quiet}` (``quiet_rms``) and, when
      :math:`a_0` is given, :math:`\lvert a_1/a_0-1\rvert\le` ``settled_rtol``: the run has
      stopped at a nonzero amplitude;
    - ``"decayed"``: every other run: the final amplitude is at most :math:`a_{\rm quiet}`, or
      the amplitude still changes (a slow approach to, or departure from, the quiet state).

    The temporal variance alone cannot tell a run at rest on a nonzero fixed point from one
    that has decayed to :math:`h=0`: both have :math:`v\approx0`. The final amplitude can.

    Parameters
    ----------
    variance, final_rms : array_like of float
        Non-negative, finite, of the same shape (e.g. :attr:`HysteresisSweep.variance` and
        :attr:`HysteresisSweep.final_rms`).
    start_rms : array_like of float, optional
        Non-negative and finite, same shape; ``None`` judges by the final amplitude alone.
    active_variance, quiet_rms : float, optional
        Positive thresholds (defaults :data:`ACTIVE_VARIANCE` and :data:`QUIET_RMS`).
    settled_rtol : float, optional
        Non-negative relative tolerance on the change of amplitude (default :data:`SETTLED_RTOL`).

    Returns
    -------
    ndarray of str, same shape as ``variance``
        Entries of :data:`OUTCOMES`.

    Raises
    ------
    TypeError
        For non-numeric arrays.
    ValueError
        For mismatched shapes, negative or non-finite values, or bad thresholds.

    Examples
    --------
    >>> run_outcome([1e-12, 1e-12, 0.2], [1e-5, 0.8, 0.6]).tolist()
    ['decayed', 'fixed point', 'active']
    >>> run_outcome([1e-12], [0.05], start_rms=[0.08]).tolist()   # still shrinking
    ['decayed']
    """
    v = _nonnegative_array(variance, "variance")
    a1 = _nonnegative_array(final_rms, "final_rms")
    if a1.shape != v.shape:
        raise ValueError(f"final_rms must have the shape of variance {v.shape}, got {a1.shape}")
    active_variance = check_positive_float(active_variance, "active_variance")
    quiet_rms = check_positive_float(quiet_rms, "quiet_rms")
    settled_rtol = check_nonnegative_float(settled_rtol, "settled_rtol")
    settled = a1 > quiet_rms
    if start_rms is not None:
        a0 = _nonnegative_array(start_rms, "start_rms")
        if a0.shape != v.shape:
            raise ValueError(f"start_rms must have the shape of variance {v.shape}, got {a0.shape}")
        settled &= np.abs(a1 - a0) <= settled_rtol * a0
    active = v > active_variance
    out = np.full(v.shape, OUTCOMES[0], dtype=object)
    out[~active & settled] = OUTCOMES[1]
    out[active] = OUTCOMES[2]
    return out.astype(str)


def _nonnegative_array(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be an array of non-negative numbers, got {values!r}")
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf" or arr.dtype == bool:
        raise TypeError(f"{name} must be an array of non-negative numbers, got dtype {arr.dtype}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must contain finite non-negative numbers")
    return arr


def _check_seeds(seeds) -> tuple:
    return check_int_sequence(seeds, "seeds")


def _check_run(t_transient, t_measure, dt, n_values: int, dim: int, *, transient_may_be_zero: bool):
    """Step counts and recorded samples (one per time unit, ``n_values`` runs in a batch) of a run."""
    dt = check_positive_float(dt, "dt")
    if transient_may_be_zero:
        t_transient = check_nonnegative_float(t_transient, "t_transient")
        check_steps(int(round(t_transient / dt)), "t_transient", dt)
    else:
        steps_for(t_transient, dt, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    check_steps(int(round(t_measure / dt)), "t_measure", dt)
    for duration, name in ((t_transient, "t_transient"), (t_measure, "t_measure")):
        check_memory((float(duration) + 1.0) * n_values * dim, name, what="the states recorded once per time unit")
    return float(t_transient), t_measure, dt


def _initial_states(model: GatedNetwork, scales: np.ndarray, seed: int) -> np.ndarray:
    """One random direction (drawn from ``seed``) scaled to every standard deviation in ``scales``."""
    direction = model.initial_state(seed=seed, trials=1, scale=1.0)
    return scales[:, None] * direction


def hysteresis_sweep(
    g_values,
    alpha_r,
    beta_r=0.0,
    *,
    N=400,
    seeds=(0, 1, 2),
    initial_scales=(0.05, 2.0),
    t_transient=100.0,
    t_measure=50.0,
    dt=0.2,
    lyapunov_t_measure=0.0,
    progress=False,
) -> HysteresisSweep:
    r"""Simulate each network from small and large initial states (the V12 protocol, chapter 10).

    For every seed and gain a :class:`gatebook.GatedNetwork` (:math:`N` units,
    :math:`\alpha_z=0`) is integrated by RK4 from states :math:`x_0=c\,\xi` with one random
    direction :math:`\xi\sim\mathcal N(0,\mathbb 1_{3N})` and the scales :math:`c` in
    ``initial_scales``, all scales in one batch. After ``t_transient`` the temporal variance

    .. math:: \overline{\mathrm{var}}_t\,h=\frac1N\sum_i\Big(\langle h_i^2\rangle_t-\langle h_i\rangle_t^2\Big)

    is measured over ``t_measure``, with the root mean square of :math:`h` at the start and the
    end of that window; :attr:`HysteresisSweep.outcome` labels each run from these three
    numbers (:func:`run_outcome`): decayed to the quiet state, settled on a nonzero fixed
    point, or active. The variance alone would count a run at rest on a nonzero fixed point
    as decayed. In the bistable window a small start decays to the quiet state and a large
    one stays chaotic. Near the saddle-node of the chaotic branch a finite
    network can wander chaotically for a long time and then collapse: a run that is active
    at the end of a finite window is a long transient or an attractor, and the window only
    bounds its lifetime from below. With ``lyapunov_t_measure > 0``,
    :func:`gatebook.max_lyapunov` is continued from each final state (``t_transient=10``).

    Parameters
    ----------
    g_values : sequence of float
        Strictly increasing gains.
    alpha_r, beta_r : float
    N : int
    seeds : sequence of int
        Network seeds; the initial direction is drawn from ``seed + 1``.
    initial_scales : sequence of float
        Positive standard deviations of the initial states.
    t_transient, t_measure, dt : float
    lyapunov_t_measure : float, optional
        0 (default) skips the exponents.
    progress : bool

    Returns
    -------
    HysteresisSweep
    """
    g = _check_g_values(g_values)
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    N = check_positive_int(N, "N")
    check_memory(3 * N**2, "N", what="the three N x N coupling matrices")
    seeds = _check_seeds(seeds)
    scales = check_float_sequence(initial_scales, "initial_scales", positive=True)
    t_transient, t_measure, dt = _check_run(t_transient, t_measure, dt, scales.size, 3 * N, transient_may_be_zero=True)
    lyapunov_t_measure = check_nonnegative_float(lyapunov_t_measure, "lyapunov_t_measure")
    if lyapunov_t_measure > 0:
        check_memory(steps_for(lyapunov_t_measure, dt, "lyapunov_t_measure"), "lyapunov_t_measure",
                     what="the log growth of every step")
    progress = check_bool(progress, "progress")
    shape = (len(seeds), g.size, scales.size)
    variance = np.empty(shape)
    final_rms = np.empty(shape)
    start_rms = np.empty(shape)
    lam = np.full(shape, np.nan)
    record = max(1, int(round(1.0 / dt)))  # one sample per time unit
    pairs = [(i, j) for i in range(len(seeds)) for j in range(g.size)]
    for i, j in progress_bar(pairs, total=len(pairs), desc="hysteresis", enabled=progress):
        net = GatedNetwork(N, float(g[j]), alpha_r=alpha_r, beta_r=beta_r, seed=seeds[i])
        x0 = _initial_states(net, scales, seeds[i] + 1)
        traj = simulate(net, t_transient + t_measure, dt, x0=x0, record_every=record)
        h = traj.states[traj.times >= t_transient - 1e-9][:, :, :N]  # (records, trials, N)
        variance[i, j] = h.var(axis=0).mean(axis=-1)
        start_rms[i, j] = np.sqrt(np.mean(h[0] ** 2, axis=-1))
        final_rms[i, j] = np.sqrt(np.mean(traj.states[-1][:, :N] ** 2, axis=-1))
        if lyapunov_t_measure > 0:
            for k in range(scales.size):
                res = max_lyapunov(net, dt=dt, t_transient=10.0, t_measure=lyapunov_t_measure,
                                   x0=traj.states[-1][k], seed=seeds[i])
                lam[i, j, k] = res.maximum
    return HysteresisSweep(
        g_values=g, alpha_r=alpha_r, beta_r=beta_r, N=N, seeds=seeds, initial_scales=scales,
        variance=variance, final_rms=final_rms, lambda_max=lam,
        t_transient=t_transient, t_measure=t_measure, dt=dt, start_rms=start_rms,
    )


# -- input-induced chaos ------------------------------------------------------------------------
@dataclass
class InputChaos:
    r""":math:`\lambda_{\max}` and variance against the spread :math:`\sigma_I` of a static input (chapter 10).

    Attributes
    ----------
    sigma_values : ndarray, shape (n,)
    g_h, alpha_r, beta_r : float
    N : int
    seeds : tuple of int
    lambda_max, lambda_stderr : ndarray, shape (n_seeds, n)
        Finite-:math:`N` exponent and its block standard error.
    second_moment : ndarray, shape (n_seeds, n)
        :math:`\langle h_i^2\rangle` averaged over units and the second half of the transient
        (compare with :math:`\Delta_h(0)`; the average over units converges fast).
    variance : ndarray, shape (n_seeds, n)
        Temporal variance of :math:`h` over the same window (mean over units); a window of a
        few correlation times underestimates :math:`\Delta_h(0)-\Delta_h(\infty)`.
    theory_second_moment, theory_variance, theory_lambda : ndarray, shape (n,)
        DMFT (large start): :math:`\Delta_h(0)`, the fluctuating part
        :math:`\Delta_h(0)-\Delta_h(\infty)` and :math:`\lambda_{\max}`; ``nan`` if not computed.
    theory_branch : tuple of str
    """

    sigma_values: np.ndarray
    g_h: float
    alpha_r: float
    beta_r: float
    N: int
    seeds: tuple
    lambda_max: np.ndarray
    lambda_stderr: np.ndarray
    second_moment: np.ndarray
    variance: np.ndarray
    theory_second_moment: np.ndarray
    theory_variance: np.ndarray
    theory_lambda: np.ndarray
    theory_branch: tuple


def input_induced_chaos(
    sigma_values,
    alpha_r=20.0,
    beta_r=2.0,
    g_h=2.0,
    *,
    N=300,
    seeds=(0, 1, 2),
    t_transient=50.0,
    t_measure=100.0,
    dt=0.1,
    theory=True,
    n=1024,
    s_max=60.0,
    start="quiet",
    progress=False,
) -> InputChaos:
    r"""A static random input :math:`I_i\sim\mathcal N(0,\sigma_I^2)` and the onset of chaos (V13, chapter 10).

    The input sits inside the bracket of the timescale gate,

    .. math:: \tau_h\dot h_i=\sigma_z(z_i)\Big[-h_i+\sum_jJ^h_{ij}\sigma_r(r_j)\phi(h_j)+I_i\Big].

    For each :math:`\sigma_I` and seed the network (couplings from ``seed``, input pattern
    :math:`I=\sigma_I\xi` with :math:`\xi` drawn from ``seed + 1``) is simulated for
    ``t_transient`` from ``start``: ``"quiet"`` (default) is the quiet state :math:`h=z=r=0`
    with the input switched on at :math:`t=0`, the protocol of the claim that an input
    destabilises a quiet network; ``"random"`` is a standard normal state drawn from the seed.
    :math:`\langle h^2\rangle` and the temporal variance of :math:`h` are measured over the
    second half of that run; :func:`gatebook.max_lyapunov` is then continued from the final
    state (10 time units of transient, ``t_measure`` of measurement). With ``theory`` the DMFT
    with ``input_std`` :math:`=\sigma_I` (large start) and its exponent are computed alongside.
    Do not expect monotonicity in :math:`\sigma_I`: a strong input also saturates :math:`\tanh`.
    """
    sig = check_float_sequence(sigma_values, "sigma_values", nonnegative=True)
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    g_h = check_positive_float(g_h, "g_h")
    N = check_positive_int(N, "N")
    check_memory(3 * N**2, "N", what="the three N x N coupling matrices")
    seeds = _check_seeds(seeds)
    t_transient, t_measure, dt = _check_run(t_transient, t_measure, dt, 1, 3 * N, transient_may_be_zero=False)
    check_memory(steps_for(t_measure, dt, "t_measure"), "t_measure", what="the log growth of every step")
    theory = check_bool(theory, "theory")
    start = check_choice(start, "start", ("quiet", "random"))
    progress = check_bool(progress, "progress")
    if theory:
        n, s_max = _check_lag_grid(n, s_max)
    lam = np.empty((len(seeds), sig.size))
    err = np.empty_like(lam)
    var = np.empty_like(lam)
    second = np.empty_like(lam)
    record = max(1, int(round(1.0 / dt)))
    pairs = [(i, j) for i in range(len(seeds)) for j in range(sig.size)]
    for i, j in progress_bar(pairs, total=len(pairs), desc="input-induced chaos", enabled=progress):
        pattern = np.random.default_rng(seeds[i] + 1).standard_normal(N)
        net = GatedNetwork(N, g_h, alpha_r=alpha_r, beta_r=beta_r, seed=seeds[i], input_h=sig[j] * pattern)
        x0 = np.zeros(net.dim) if start == "quiet" else net.initial_state(seed=seeds[i])
        traj = simulate(net, t_transient, dt, x0=x0, record_every=record)
        h = traj.states[traj.times >= 0.5 * t_transient - 1e-9][:, :N]
        var[i, j] = h.var(axis=0).mean()
        second[i, j] = np.mean(h**2)
        res = max_lyapunov(net, dt=dt, t_transient=10.0, t_measure=t_measure, x0=traj.states[-1], seed=seeds[i])
        lam[i, j], err[i, j] = res.maximum, res.stderr[0]
    th_lam = np.full(sig.size, np.nan)
    th_var = np.full(sig.size, np.nan)
    th_second = np.full(sig.size, np.nan)
    th_branch = ["not computed"] * sig.size
    if theory:
        for j, s in enumerate(sig):
            res = meanfield.gated_dmft(g_h, alpha_r=alpha_r, beta_r=beta_r, input_std=float(s), n=n, s_max=s_max, start="large")
            th_var[j] = res.autocorrelation[0] - res.autocorrelation[-1]
            th_second[j] = res.variance
            th_lam[j] = meanfield.gated_lambda_max(res)
            th_branch[j] = res.branch
    return InputChaos(
        sigma_values=sig, g_h=g_h, alpha_r=alpha_r, beta_r=beta_r, N=N, seeds=seeds,
        lambda_max=lam, lambda_stderr=err, second_moment=second, variance=var,
        theory_second_moment=th_second, theory_variance=th_var, theory_lambda=th_lam,
        theory_branch=tuple(th_branch),
    )
