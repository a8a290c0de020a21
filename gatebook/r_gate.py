r"""The output gate :math:`r` and the dimension of the chaotic attractor (chapter 8).

In the gated network (:class:`gatebook.GatedNetwork`) unit :math:`j` sends
:math:`\sigma_r(r_j)\,\phi(h_j)` through :math:`g_hJ^h`, with
:math:`\sigma_r(x)=[1+e^{-\alpha_rx+\beta_r}]^{-1}` and
:math:`\tau_r\dot r_i=-r_i+g_r\sum_jJ^r_{ij}\phi(h_j)`. This module measures what the gain
:math:`\alpha_r` and the bias :math:`\beta_r` do, one network at a time:

* the **Jacobian cloud** at states sampled after the transient: its spectral abscissa
  :math:`\max\operatorname{Re}\lambda`, its radius about the centre :math:`-s_z/\tau_h` of the
  quiet-state disk, and the rightmost point of the predicted support boundary :math:`\mathcal S(\lambda)=1`
  (:mod:`gatebook.spectral_support`);
* :math:`\lambda_{\max}` and a partial Lyapunov spectrum long enough for the Kaplan–Yorke
  dimension :math:`D_{\rm KY}` (:func:`dimension_spectrum`);
* the participation ratio :math:`D_{\rm PR}` of the covariance of :math:`h(t)` sampled every
  :math:`1\,\tau_h`, and the temporal variance of :math:`h`.

Whether the rise of dimension with :math:`\alpha_r` is more than a change of variance or
exponent (soft-gate controls matched in DMFT variance or :math:`\lambda_{\max}`, and the
dimensions against :math:`\beta_r` or :math:`\alpha_z`) is measured by
:mod:`gatebook.dimension_controls` with :func:`measure_r_gate`.

Both dimensions are reported **per unit**, :math:`D/N` (not per state dimension :math:`3N`):
the gate coordinates only relax towards values set by :math:`h`.

Closed forms used as checks: at the quiet state the :math:`hh`-block eigenvalues fill the disk
of radius :math:`g_hs_rs_z/\tau_h` around :math:`-s_z/\tau_h`
(:func:`gatebook.quiet_state.origin_disk`); at :math:`\alpha_r=0` the network is chapter 1's
with :math:`g_{\rm eff}=g_hs_r` (:func:`gatebook.quiet_state.effective_gain`), so :math:`\beta_r`
alone sets the gain; :math:`\langle\sigma_r^2\rangle` equals :math:`s_r^2` at
:math:`\alpha_r=0` and tends to :math:`P(r>\beta_r/\alpha_r)` for a step gate
(:func:`gate_second_moment`, :func:`step_gate_second_moment`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import erfc

from ._validation import (
    as_generator,
    check_bool,
    check_choice,
    check_finite_float,
    check_float_sequence,
    check_int_sequence,
    check_memory,
    check_model,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_state,
)
from . import quiet_state
from .dimension import kaplan_yorke_dimension, state_participation_ratio
from .meanfield.static import gate_second_moment as _mean_square_gate
from .gated_network import GatedNetwork
from .integrators import check_steps, steps_for
from .lyapunov import LyapunovResult, lyapunov_spectrum
from .progress import progress_bar
from .simulate import simulate
from .spectral_support import support_boundary
from .sweeps import Sweep

__all__ = [
    "JacobianCloud",
    "RGateMeasurement",
    "RGateSweep",
    "dimension_spectrum",
    "effective_gain",  # deprecated: gatebook.quiet_state (removed next release)
    "gate_second_moment",
    "jacobian_cloud",
    "measure_r_gate",
    "origin_spectral_radius",  # deprecated: gatebook.quiet_state.origin_disk (removed next release)
    "quiet_lambda_max",  # deprecated: gatebook.quiet_state (removed next release)
    "r_gate_sweep",
    "step_gate_second_moment",
]

PARAMETERS = ("alpha_r", "beta_r")

#: Temporal variance of h (per unit) below which the activity counts as stationary (a fixed
#: point): its participation ratio is reported as 0, like its Kaplan–Yorke dimension.
QUIET_VARIANCE = 1e-10

#: Relative distance within which an eigenvalue counts as a gate's exact point mass -1/tau.
ATOM_TOL = 1e-8


# -- deprecated closed forms (moved to gatebook.quiet_state) ---------------------------------
def _moved(old: str, new: str) -> None:
    message = f"gatebook.r_gate.{old} is deprecated: use gatebook.quiet_state.{new}"
    warnings.warn(message, DeprecationWarning, stacklevel=3)  # points at the shim's caller


def effective_gain(g_h: float, beta_r: float = 0.0) -> float:
    """Deprecated: use :func:`gatebook.quiet_state.effective_gain` (``beta_r`` by keyword).

    .. deprecated::
        Moved to :mod:`gatebook.quiet_state`; this name will be removed in the next release.
    """
    _moved("effective_gain", "effective_gain")
    return quiet_state.effective_gain(g_h, beta_r=beta_r)


def origin_spectral_radius(g_h: float, beta_r: float = 0.0, beta_z: float = 0.0, tau_h: float = 1.0) -> float:
    """Deprecated: the radius is ``gatebook.quiet_state.origin_disk(g_h, ...)[1]``.

    .. deprecated::
        Moved to :func:`gatebook.quiet_state.origin_disk`, which returns ``(centre, radius)``;
        this name will be removed in the next release.
    """
    _moved("origin_spectral_radius", "origin_disk (its radius)")
    return quiet_state.origin_disk(g_h, beta_r=beta_r, beta_z=beta_z, tau_h=tau_h)[1]


def quiet_lambda_max(model: GatedNetwork) -> float:
    """Deprecated: use :func:`gatebook.quiet_state.quiet_lambda_max` with the model's parameters and ``tau_z``.

    .. deprecated::
        Moved to :func:`gatebook.quiet_state.quiet_lambda_max`; for a network pass
        ``tau_z=model.tau_z``, which adds the :math:`z` block. This name will be removed in the
        next release.
    """
    _moved("quiet_lambda_max", "quiet_lambda_max (with tau_z=model.tau_z)")
    if not isinstance(model, GatedNetwork):
        raise TypeError(f"model must be a GatedNetwork, got {type(model).__name__}")
    return quiet_state.quiet_lambda_max(model.g_h, beta_r=model.beta_r, beta_z=model.beta_z, tau_h=model.tau_h,
                                        tau_r=model.tau_r, tau_z=model.tau_z)


def gate_second_moment(alpha_r: float, beta_r: float, r_std: float) -> float:
    r""":math:`\langle\sigma_r(r)^2\rangle` for a Gaussian gate variable :math:`r\sim\mathcal N(0,\mathrm{r\_std}^2)`.

    .. math:: \langle\sigma_r^2\rangle=\int\!\frac{dx\,e^{-x^2/2}}{\sqrt{2\pi}}\;
              \sigma_r(\mathrm{r\_std}\,x)^2,\qquad
              \sigma_r(r)=\big[1+e^{-\alpha_rr+\beta_r}\big]^{-1}.

    This is the factor by which the output gate scales the support function
    :math:`\mathcal S(\lambda)` (chapter 8). Limits: :math:`s_r^2` at :math:`\alpha_r=0` (or
    ``r_std = 0``), and :func:`step_gate_second_moment` with threshold :math:`\beta_r/\alpha_r`
    as :math:`\alpha_r\to\infty` at fixed threshold. Chapter 8's spelling (standard deviation,
    gate parameters first) of :func:`gatebook.meanfield.gate_second_moment`, whose grid resolves
    sharp gates (Gauss-Hermite nodes are too coarse for them).

    .. deprecated:: 0.2
       Use :func:`gatebook.meanfield.gate_second_moment` (``r_std**2`` first, gate parameters
       by keyword); this spelling is removed in the next release.
    """
    warnings.warn(
        "gatebook.r_gate.gate_second_moment(alpha_r, beta_r, r_std) is deprecated: use "
        "gatebook.meanfield.gate_second_moment(r_std**2, alpha_r=alpha_r, beta_r=beta_r), the one "
        "signature (variance first, gate parameters by keyword)",
        DeprecationWarning,
        stacklevel=2,
    )
    alpha_r = check_nonnegative_float(alpha_r, "alpha_r")
    beta_r = check_finite_float(beta_r, "beta_r")
    r_std = check_nonnegative_float(r_std, "r_std")
    try:
        return float(_mean_square_gate(r_std**2, alpha_r=alpha_r, beta_r=beta_r))
    except ValueError as err:  # a gate too sharp for the spread of r: both arguments set the sharpness
        raise ValueError(f"alpha_r={alpha_r:g} with r_std={r_std:g} is too sharp a gate average: {err}") from err


def step_gate_second_moment(threshold: float, r_std: float) -> float:
    r""":math:`\langle\Theta(r-\theta)^2\rangle=P(r>\theta)` for :math:`r\sim\mathcal N(0,\mathrm{r\_std}^2)`.

    .. math:: P(r>\theta)=\tfrac12\,\operatorname{erfc}\!\Big(\frac{\theta}{\sqrt2\,\mathrm{r\_std}}\Big),

    the step-gate limit (:math:`\alpha_r\to\infty`, :math:`\theta=\beta_r/\alpha_r` fixed) of
    :func:`gate_second_moment`: a step gate is 0 or 1, so its square is itself. For
    :math:`\beta_r=0` this is :math:`1/2`, twice the soft-gate value :math:`s_r^2=1/4` (chapter 8).

    Examples
    --------
    >>> step_gate_second_moment(0.0, 1.0)
    0.5
    """
    threshold = check_finite_float(threshold, "threshold")
    r_std = check_positive_float(r_std, "r_std")
    return float(0.5 * erfc(threshold / (np.sqrt(2.0) * r_std)))


# -- states and Jacobian clouds -----------------------------------------------------------
def _check_gated(model) -> GatedNetwork:
    if not isinstance(model, GatedNetwork):
        raise TypeError(f"model must be a GatedNetwork, got {type(model).__name__}")
    return model


def _steps_per(interval: float, dt: float, name: str) -> int:
    m = int(round(interval / dt))
    if m < 1 or abs(m * dt - interval) > 1e-9 * max(1.0, interval):
        raise ValueError(f"{name} ({interval}) must be a whole number of steps dt = {dt}")
    return m


@dataclass
class JacobianCloud:
    r"""Eigenvalues of the dense Jacobian :math:`\mathcal J(x)` at sampled states, and the predicted support.

    Attributes
    ----------
    states : ndarray, shape (n_states, 3N)
    eigenvalues : ndarray, shape (n_states, 3N), complex
        Eigenvalues at each state.
    centre : float
        :math:`-s_z/\tau_h`, the centre of the quiet-state disk; the radius is measured from it.
    atoms : tuple of float
        :math:`(-1/\tau_z, -1/\tau_r)`. A gate that does not feel :math:`h` (e.g. :math:`r` at
        :math:`\alpha_r=0`) contributes :math:`N` eigenvalues exactly there; they are point
        masses outside the cloud and are left out of :attr:`abscissas` and :attr:`radii`.
    boundary : SupportBoundary or None
        The :math:`\mathcal S(\lambda)=1` contour from per-unit averages over all ``states``
        (:func:`gatebook.support_boundary`), or ``None`` if not computed.
    origin_disk : tuple of float
        ``(centre, radius)`` of the quiet-state disk, :meth:`GatedNetwork.origin_disk`.
    """

    states: np.ndarray
    eigenvalues: np.ndarray
    centre: float
    atoms: tuple
    boundary: Any
    origin_disk: tuple

    def _cloud_mask(self) -> np.ndarray:
        """True for eigenvalues that are not the gates' exact point masses."""
        keep = np.ones(self.eigenvalues.shape, dtype=bool)
        for a in self.atoms:
            keep &= np.abs(self.eigenvalues - a) > ATOM_TOL * max(1.0, abs(a))
        return keep

    @property
    def abscissas(self) -> np.ndarray:
        r"""Spectral abscissa :math:`\max_i\operatorname{Re}\lambda_i` at each state (gate atoms left out)."""
        return np.where(self._cloud_mask(), self.eigenvalues.real, -np.inf).max(axis=1)

    @property
    def radii(self) -> np.ndarray:
        r"""Radius :math:`\max_i\lvert\lambda_i-c\rvert` about :math:`c=-s_z/\tau_h` at each state (gate atoms left out)."""
        return np.where(self._cloud_mask(), np.abs(self.eigenvalues - self.centre), 0.0).max(axis=1)

    @property
    def abscissa(self) -> float:
        """Spectral abscissa averaged over the sampled states."""
        return float(self.abscissas.mean())

    @property
    def radius(self) -> float:
        """Radius about :math:`-s_z/\tau_h`, averaged over the sampled states."""
        return float(self.radii.mean())

    @property
    def predicted_abscissa(self) -> float:
        r"""Rightmost point of the predicted :math:`\mathcal S=1` contour (NaN without a boundary)."""
        return float("nan") if self.boundary is None else float(self.boundary.rightmost)


def jacobian_cloud(model: GatedNetwork, states, *, boundary: bool = True, resolution: int = 201) -> JacobianCloud:
    r"""Eigenvalues of :math:`\mathcal J(x)` at each of ``states`` and the predicted support boundary.

    ``states`` is one state ``(3N,)`` or several ``(n_states, 3N)`` (e.g. sampled from a
    trajectory after its transient). The radius of the cloud is measured about
    :math:`-s_z/\tau_h`, leaving out the exact gate eigenvalues :math:`-1/\tau_z,-1/\tau_r`
    (:class:`JacobianCloud`). At the quiet state it is the radius of :func:`gatebook.quiet_state.origin_disk` times the
    spectral radius of :math:`J^h` (1 for large :math:`N`); at :math:`\alpha_z=\alpha_r=0` every
    :math:`h`-eigenvalue is :math:`s_z/\tau_h` times an eigenvalue of
    :math:`-\mathbb 1+g_hs_rJ^h\mathrm D(\phi')`, so the cloud is centred there. The boundary is
    the :math:`\mathcal S(\lambda)=1` contour (:mod:`gatebook.spectral_support`) with per-unit averages
    over all ``states`` (:func:`gatebook.support_boundary`).

    Parameters
    ----------
    model : GatedNetwork
    states : array_like, shape (3N,) or (n_states, 3N)
    boundary : bool, optional
        Compute the :math:`\mathcal S=1` contour (default); ``False`` saves its grid evaluation.
    resolution : int, optional
        Grid points per axis for the contour.

    Returns
    -------
    JacobianCloud
    """
    model = _check_gated(model)
    states = check_state(states, model.dim, "states", dtype=np.float64)
    states = np.atleast_2d(states)
    boundary = check_bool(boundary, "boundary")
    resolution = check_positive_int(resolution, "resolution")
    check_memory(resolution**2, "resolution", what="the resolution x resolution grid")
    eig = np.stack([np.linalg.eigvals(model.jacobian(x)) for x in states])
    centre, _ = model.origin_disk()
    bnd = support_boundary(model, states, resolution=resolution) if boundary else None
    atoms = (-1.0 / model.tau_z, -1.0 / model.tau_r)
    return JacobianCloud(states=states, eigenvalues=eig, centre=float(centre), atoms=atoms, boundary=bnd,
                         origin_disk=model.origin_disk())


# -- Lyapunov spectrum long enough for D_KY -------------------------------------------------
def dimension_spectrum(
    model,
    *,
    k: int | None = None,
    x0=None,
    seed=None,
    dt: float = 0.1,
    t_transient: float = 10.0,
    t_measure: float = 100.0,
    n_blocks: int = 10,
) -> LyapunovResult:
    r"""The :math:`k` largest Lyapunov exponents, with :math:`k` large enough for :math:`D_{\rm KY}`.

    The Kaplan–Yorke dimension

    .. math:: D_{\rm KY}=j+\frac{\sum_{i\le j}\lambda_i}{\lvert\lambda_{j+1}\rvert},\qquad
              j=\max\Big\{j:\sum_{i\le j}\lambda_i\ge0\Big\},

    needs the exponents up to index :math:`j+1`, i.e. until the partial sums have turned
    negative. Starting from ``k`` (default :math:`\lceil N/5\rceil`, at least 8, where ``N`` is
    ``model.N`` or ``model.dim``), the spectrum is recomputed with twice as many vectors until
    the sum of all ``k`` computed exponents is negative, or ``k`` reaches ``model.dim``.

    Parameters are those of :func:`gatebook.lyapunov_spectrum`; ``x0`` should be a state on
    the attractor (then a short ``t_transient`` suffices to align the tangent vectors).

    Returns
    -------
    LyapunovResult
        ``exponents.cumsum()[-1] < 0`` unless ``k == model.dim`` (a full spectrum).
    """
    check_model(model)
    n_units = getattr(model, "N", None) or model.dim
    if k is None:
        k = max(8, int(np.ceil(n_units / 5)))
    k = min(check_positive_int(k, "k"), model.dim)
    while True:
        result = lyapunov_spectrum(
            model, k, dt=dt, t_transient=t_transient, t_measure=t_measure, x0=x0, seed=seed, n_blocks=n_blocks
        )
        if result.exponents.sum() < 0.0 or k == model.dim:
            return result
        k = min(2 * k, model.dim)


def _kaplan_yorke(exponents: np.ndarray) -> float:
    """D_KY of a partial spectrum, NaN when its partial sums never turn negative."""
    if exponents.sum() >= 0.0:
        return float("nan")
    return float(kaplan_yorke_dimension(exponents))


# -- one network, and a sweep -----------------------------------------------------------------
@dataclass
class RGateMeasurement:
    r"""Everything chapter 8 measures on one gated network.

    Attributes
    ----------
    parameter : str
        The swept parameter (``"alpha_r"`` or ``"beta_r"``); ``value`` is its value.
    value : float
    seed : int
        Seed of the couplings and of the initial state.
    N : int
    g_h, alpha_r, beta_r, beta_z : float
        The network's parameters.
    spectral_abscissa, spectral_radius : float
        Of the Jacobian cloud at ``n_states`` sampled states (means over the states); the
        radius is measured about :math:`-s_z/\tau_h` (:class:`JacobianCloud`).
    predicted_abscissa : float
        Rightmost point of the :math:`\mathcal S=1` contour (NaN when not computed).
    lambda_max, lambda_max_stderr : float
        :math:`\lambda_1` and its block standard error (QR method).
    exponents : ndarray, shape (k,)
        The partial Lyapunov spectrum (``k = 1`` when the dimension was not measured).
    kaplan_yorke : float
        :math:`D_{\rm KY}` (NaN when not measured; 0 when :math:`\lambda_1<0`).
    participation_ratio : float
        :math:`D_{\rm PR}` of the covariance of :math:`h` sampled every ``sample_every``
        (0 when :math:`h` does not fluctuate: a fixed point, where the ratio itself is undefined).
    temporal_variance : float
        Time variance of :math:`h_i`, averaged over units.
    mean_sq_gate : float
        :math:`\langle\sigma_r(r_i)^2\rangle` over units and sampled times.
    r_std : float
        Root mean square of :math:`r_i` over units and sampled times.
    cloud : JacobianCloud
        The eigenvalues at the sampled states (and the predicted boundary), for figures.
    """

    parameter: str
    value: float
    seed: int
    N: int
    g_h: float
    alpha_r: float
    beta_r: float
    beta_z: float
    spectral_abscissa: float
    spectral_radius: float
    predicted_abscissa: float
    lambda_max: float
    lambda_max_stderr: float
    exponents: np.ndarray = field(repr=False)
    kaplan_yorke: float
    participation_ratio: float
    temporal_variance: float
    mean_sq_gate: float
    r_std: float
    cloud: JacobianCloud = field(repr=False)

    @property
    def k(self) -> int:
        """Number of Lyapunov exponents computed."""
        return int(len(self.exponents))

    @property
    def kaplan_yorke_fraction(self) -> float:
        r""":math:`D_{\rm KY}/N` (per unit, not per state dimension :math:`3N`)."""
        return self.kaplan_yorke / self.N

    @property
    def pr_fraction(self) -> float:
        r""":math:`D_{\rm PR}/N`."""
        return self.participation_ratio / self.N


def measure_r_gate(
    model: GatedNetwork,
    *,
    seed=None,
    parameter: str = "alpha_r",
    dt: float = 0.1,
    t_transient: float = 40.0,
    t_measure: float = 100.0,
    sample_every: float = 1.0,
    n_states: int = 2,
    lyapunov_t_measure: float = 30.0,
    k: int | None = None,
    dimension: bool = True,
    boundary: bool = True,
) -> RGateMeasurement:
    r"""Spectrum, :math:`\lambda_{\max}`, :math:`D_{\rm KY}`, :math:`D_{\rm PR}` and variance of one network.

    1. Simulate ``t_transient + t_measure`` (RK4, ``dt``) from a standard-normal state drawn from
       ``seed``; keep :math:`h` every ``sample_every`` after the transient.
    2. :math:`D_{\rm PR}=(\sum_i\mu_i)^2/\sum_i\mu_i^2` of the covariance eigenvalues
       :math:`\mu_i` of those samples (:func:`gatebook.dimension.state_participation_ratio`); the temporal
       variance :math:`N^{-1}\sum_i\operatorname{Var}_t h_i`; :math:`\langle\sigma_r^2\rangle`.
    3. The Jacobian cloud at ``n_states`` of the samples, evenly spread over the window
       (:func:`jacobian_cloud`).
    4. From the last state, :func:`dimension_spectrum` over ``lyapunov_t_measure`` (a 10
       :math:`\tau_h` alignment first), then :math:`D_{\rm KY}`
       (:func:`gatebook.kaplan_yorke_dimension`). With ``dimension=False`` only
       :math:`\lambda_1` is computed (one tangent vector) and ``kaplan_yorke`` is NaN.

    Parameters
    ----------
    model : GatedNetwork
    seed : int, numpy.random.Generator or None
        Draws the initial state and the initial tangent vectors.
    parameter : {"alpha_r", "beta_r"}
        Only labels the result (which attribute of the model was swept).
    dt : float
        RK4 step (a multiple of it must make ``sample_every``).
    t_transient, t_measure : float
        Discarded transient and the window sampled for :math:`D_{\rm PR}` (time units of :math:`\tau_h`).
    sample_every : float
        Sampling interval of :math:`h` for the covariance.
    n_states : int
        States at which the dense Jacobian is diagonalised.
    lyapunov_t_measure : float
        Averaging window of the Lyapunov exponents.
    k : int, optional
        Initial number of exponents (default :math:`\lceil N/5\rceil`, at least 8; extended
        by :func:`dimension_spectrum` until their sum is negative).
    dimension : bool
        Compute the partial spectrum and :math:`D_{\rm KY}` (default) or only :math:`\lambda_1`.
    boundary : bool
        Compute the predicted :math:`\mathcal S=1` boundary (default).

    Returns
    -------
    RGateMeasurement
    """
    model = _check_gated(model)
    parameter = check_choice(parameter, "parameter", PARAMETERS)
    dt = check_positive_float(dt, "dt")
    t_transient = check_positive_float(t_transient, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    m = _steps_per(check_positive_float(sample_every, "sample_every"), dt, "sample_every")
    n_states = check_positive_int(n_states, "n_states")
    lyapunov_t_measure = check_positive_float(lyapunov_t_measure, "lyapunov_t_measure")
    if k is not None:
        k = check_positive_int(k, "k")
    dimension = check_bool(dimension, "dimension")
    boundary = check_bool(boundary, "boundary")
    # step counts and the recorded samples, checked before anything runs
    for duration, name in ((t_transient, "t_transient"), (t_measure, "t_measure")):
        check_memory(check_steps(int(round(duration / dt)), name, dt) // m * model.dim, name,
                     what="the recorded samples")
    check_memory(steps_for(lyapunov_t_measure, dt, "lyapunov_t_measure") * model.dim, "lyapunov_t_measure",
                 what="the log growth of the tangent vectors")
    seed_int = seed if isinstance(seed, (int, np.integer)) else -1
    rng = as_generator(seed)
    N = model.N

    traj = simulate(model, t_transient + t_measure, dt, seed=rng, record_every=m)
    keep = traj.times >= t_transient - 0.5 * dt
    samples = traj.states[keep]
    if len(samples) < 2:
        raise ValueError("t_measure must contain at least two samples (t_measure >= sample_every)")
    h = samples[:, :N]
    variance = float(h.var(axis=0).mean())
    pr = float(state_participation_ratio(h)) if variance > QUIET_VARIANCE else 0.0
    q = model.unit_quantities(samples)
    mean_sq_gate = float(np.mean(q.sigma_r**2))
    r_std = float(np.sqrt(np.mean(q.r**2)))

    # more states than samples picks every sample (the same indices as n_states = len(samples))
    picks = np.unique(np.linspace(0, len(samples) - 1, min(n_states, len(samples))).round().astype(int))
    cloud = jacobian_cloud(model, samples[picks], boundary=boundary)

    if dimension:
        spec = dimension_spectrum(model, k=k, x0=samples[-1], seed=rng, dt=dt, t_measure=lyapunov_t_measure)
        d_ky = _kaplan_yorke(spec.exponents)
    else:
        spec = lyapunov_spectrum(model, 1, dt=dt, t_transient=10.0, t_measure=lyapunov_t_measure,
                                 reorth_every=1, x0=samples[-1], seed=rng)
        d_ky = float("nan")
    return RGateMeasurement(
        parameter=parameter,
        value=float(getattr(model, parameter)),
        seed=int(seed_int),
        N=N,
        g_h=model.g_h,
        alpha_r=model.alpha_r,
        beta_r=model.beta_r,
        beta_z=model.beta_z,
        spectral_abscissa=cloud.abscissa,
        spectral_radius=cloud.radius,
        predicted_abscissa=cloud.predicted_abscissa,
        lambda_max=spec.maximum,
        lambda_max_stderr=float(spec.stderr[0]),
        exponents=spec.exponents,
        kaplan_yorke=d_ky,
        participation_ratio=pr,
        temporal_variance=variance,
        mean_sq_gate=mean_sq_gate,
        r_std=r_std,
        cloud=cloud,
    )


#: Fields of :class:`RGateMeasurement` (and its properties) that :meth:`RGateSweep.sweep` tabulates.
QUANTITIES = {
    "spectral_abscissa": r"spectral abscissa $\max\,\mathrm{Re}\,\lambda$",
    "spectral_radius": r"radius of the cloud about $-s_z/\tau_h$",
    "predicted_abscissa": r"predicted edge ($\mathcal{S}=1$)",
    "lambda_max": r"$\lambda_{\max}\,\tau_h$",
    "kaplan_yorke": r"$D_{\rm KY}$",
    "kaplan_yorke_fraction": r"$D_{\rm KY}/N$",
    "participation_ratio": r"$D_{\rm PR}$",
    "pr_fraction": r"$D_{\rm PR}/N$",
    "temporal_variance": r"temporal variance of $h$",
    "mean_sq_gate": r"$\langle\sigma_r^2\rangle$",
    "r_std": r"r.m.s. of $r$",
}


@dataclass
class RGateSweep:
    r"""Measurements of :func:`measure_r_gate` over values of :math:`\alpha_r` or :math:`\beta_r` and seeds.

    Attributes
    ----------
    parameter : str
        ``"alpha_r"`` or ``"beta_r"``.
    values : ndarray, shape (n_values,)
    seeds : tuple of int
    measurements : list of list of RGateMeasurement
        ``measurements[i][j]`` is seed ``seeds[i]`` at ``values[j]``.
    settings : dict
        The fixed parameters and measurement options.
    """

    parameter: str
    values: np.ndarray
    seeds: tuple
    measurements: list
    settings: dict

    def data(self, quantity: str) -> np.ndarray:
        """One quantity (a field of :class:`RGateMeasurement`) as an array ``(n_seeds, n_values)``."""
        return self.sweep(quantity).data

    def sweep(self, quantity: str) -> Sweep:
        """One quantity as a :class:`gatebook.Sweep` (``mean`` and ``sem`` over seeds)."""
        return Sweep.from_measurements(self.measurements, quantity, QUANTITIES, parameter=self.parameter,
                                       values=self.values, seeds=self.seeds)

    def at(self, value: float, seed: int | None = None) -> RGateMeasurement:
        """The measurement at ``value`` (nearest grid value) for ``seed`` (default: the first seed)."""
        j = int(np.argmin(np.abs(self.values - float(value))))
        i = 0 if seed is None else self.seeds.index(seed)
        return self.measurements[i][j]


def r_gate_sweep(
    values,
    seeds=(0, 1),
    *,
    parameter: str = "alpha_r",
    N: int = 120,
    g_h: float = 3.0,
    alpha_r: float = 0.0,
    beta_r: float = 0.0,
    alpha_z: float = 0.0,
    beta_z: float = 0.0,
    progress: bool = False,
    **options,
) -> RGateSweep:
    r"""Chapter 8's experiment: :func:`measure_r_gate` on ``GatedNetwork(N, g_h, ...)`` over values and seeds.

    ``parameter`` (``"alpha_r"`` or ``"beta_r"``) takes each of ``values``; the other gate
    parameters are fixed at the given ones. Each seed draws the couplings and the initial
    state. ``options`` go to :func:`measure_r_gate` (``dt``, ``t_transient``, ``t_measure``,
    ``sample_every``, ``n_states``, ``lyapunov_t_measure``, ``k``, ``dimension``, ``boundary``).

    Parameters
    ----------
    values : sequence of float
        Values of ``parameter``.
    seeds : sequence of int
        One network (couplings and initial state) per seed.
    parameter : {"alpha_r", "beta_r"}
    N, g_h, alpha_r, beta_r, alpha_z, beta_z : optional
        The fixed parameters of :class:`gatebook.GatedNetwork` (the swept one is overridden).
    progress : bool
        Show a progress bar.

    Returns
    -------
    RGateSweep
        ``sweep.sweep("pr_fraction")`` etc. give :class:`gatebook.Sweep` objects (mean and
        s.e.m. over seeds) for figures.

    Examples
    --------
    >>> s = r_gate_sweep([0.0, 20.0], seeds=(0,), N=40, t_transient=10, t_measure=20,
    ...                  lyapunov_t_measure=20, dimension=False, boundary=False)
    >>> s.data("lambda_max").shape
    (1, 2)
    """
    parameter = check_choice(parameter, "parameter", PARAMETERS)
    values = check_float_sequence(values, "values")
    seeds = check_int_sequence(seeds, "seeds")
    N = check_positive_int(N, "N")
    check_memory(3 * N**2, "N", what="the three N x N coupling matrices")
    progress = check_bool(progress, "progress")
    # the fixed parameters, checked (with the errors naming them) on a one-unit network
    GatedNetwork(1, g_h, alpha_r=alpha_r, beta_r=beta_r, alpha_z=alpha_z, beta_z=beta_z, seed=0)
    fixed = dict(N=N, g_h=g_h, alpha_r=alpha_r, beta_r=beta_r, alpha_z=alpha_z, beta_z=beta_z)
    rows = []
    pairs = [(seed, float(v)) for seed in seeds for v in values]
    for seed, v in progress_bar(pairs, desc=f"chapter 8: {parameter} sweep", enabled=progress):
        params = dict(fixed, **{parameter: v})
        model = GatedNetwork(seed=seed, **params)
        if not rows or len(rows[-1]) == values.size:
            rows.append([])
        rows[-1].append(measure_r_gate(model, seed=seed, parameter=parameter, **options))
    return RGateSweep(parameter=parameter, values=values, seeds=seeds, measurements=rows,
                      settings=dict(fixed, **options))
