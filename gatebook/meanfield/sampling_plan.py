r"""Planning and checking a sampling-DMFT run (chapter 9).

Before :func:`~gatebook.meanfield.sampling.sampled_dmft` draws a single path, these functions
validate the parameters, find the clock of the single-site problem (the timescale gate's mean
rate), size the lag window, transient and measurement so that the autocorrelation can decay
and the work stays bounded (refusing impossible requests with the argument named), and after
the run refuse a solution that has not decayed inside its window.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

import numbers

from .._validation import (
    as_float64,
    check_bool,
    check_finite_float,
    check_float_in,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)
from .paths import MAX_STEPS
from .quadrature import QuadratureGridError
from .static import gate_moment_unchecked, tanh_second_moment

__all__ = [
    "check_sampling_params",
    "mean_timescale_gate",
    "clock_rate",
    "check_transient",
    "plan_grid",
    "refuse_undecayed",
    "MAX_WORK",
    "MAX_BETA_Z",
    "UNDECAYED",
]

#: most single-site steps per iteration (paths x samples per path); the integrator does about
#: 4e6 per second on one core, so this is about a minute per iteration
MAX_WORK = 2.5e8
#: largest :math:`|\beta_z|`: beyond, s_z = 1 / (1 + e^beta_z) leaves the floating-point range
MAX_BETA_Z = 600.0
#: without input Delta_h must decay to zero; still above this fraction of Delta_h(0) at s_max, it has not
UNDECAYED = 0.3


#: the keys of the parameter dict ``p`` (:func:`check_sampling_params`)
_PARAMS = ("g_h", "alpha_z", "alpha_r", "beta_z", "beta_r", "g_z", "g_r", "tau_h", "tau_z", "tau_r", "input_std")


def check_sampling_params(g_h, alpha_z, alpha_r, beta_z, beta_r, g_z, g_r, tau_h, tau_z, tau_r, input_std):
    r"""The network's parameters, checked, as the dict ``p`` the other functions of this module take.

    Gains ``>= 0``, times ``> 0``, biases finite with :math:`|\beta_z|\le` :data:`MAX_BETA_Z`;
    errors name the parameter.

    >>> check_sampling_params(3.0, 5.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0)["alpha_z"]
    5.0
    """
    beta_z = check_finite_float(beta_z, "beta_z")
    if abs(beta_z) > MAX_BETA_Z:
        raise ValueError(
            f"beta_z must lie in [-{MAX_BETA_Z:g}, {MAX_BETA_Z:g}] (got {beta_z:g}): beyond, the timescale "
            "gate's resting value s_z = 1 / (1 + e^beta_z) leaves the floating-point range"
        )
    return dict(
        g_h=check_nonnegative_float(g_h, "g_h"),
        alpha_z=check_nonnegative_float(alpha_z, "alpha_z"),
        alpha_r=check_nonnegative_float(alpha_r, "alpha_r"),
        beta_z=beta_z,
        beta_r=check_finite_float(beta_r, "beta_r"),
        g_z=check_nonnegative_float(g_z, "g_z"),
        g_r=check_nonnegative_float(g_r, "g_r"),
        tau_h=check_positive_float(tau_h, "tau_h"),
        tau_z=check_positive_float(tau_z, "tau_z"),
        tau_r=check_positive_float(tau_r, "tau_r"),
        input_std=check_nonnegative_float(input_std, "input_std"),
    )


def _check_p(p) -> dict:
    """``p`` must be the parameter dict of :func:`check_sampling_params`; its entries are checked again."""
    if not isinstance(p, dict):
        raise TypeError(f"p must be the dict of parameters returned by check_sampling_params, got {type(p).__name__}")
    missing = [key for key in _PARAMS if key not in p]
    if missing:
        raise ValueError(f"p lacks the parameter(s) {missing} (build it with check_sampling_params)")
    try:
        return check_sampling_params(*(p[key] for key in _PARAMS))
    except (TypeError, ValueError) as err:
        raise type(err)(f"p: {err}") from err


def mean_timescale_gate(p: dict, variance_z) -> float:
    r"""Mean timescale gate :math:`\langle\sigma_z\rangle` for :math:`z\sim\mathcal N(0,\Delta_z)`.

    :math:`s_z` at :math:`\alpha_z=0`; otherwise a Gaussian average accurate to about
    :math:`10^{-10}` relative even where it is exponentially small (a nearly closed gate).
    ``p`` is the dict of :func:`check_sampling_params`, ``variance_z`` :math:`\Delta_z\ge0`.

    Raises
    ------
    ValueError
        Naming ``alpha_z`` and ``variance_z`` when :math:`\alpha_z\sqrt{\Delta_z}` is too large
        for the quadrature grid (above about :math:`6.5\times10^4`).
    """
    return mean_timescale_gate_unchecked(_check_p(p), check_nonnegative_float(variance_z, "variance_z"))


def mean_timescale_gate_unchecked(p, variance_z):
    """:func:`mean_timescale_gate` without argument checks."""
    if p["alpha_z"] == 0.0 or variance_z <= 0.0:
        return float(expit(-p["beta_z"]))
    return float(gate_moment_unchecked(float(variance_z), p["alpha_z"], p["beta_z"], 1, "alpha_z", "variance_z"))


def clock_rate(p: dict) -> float:
    r"""The fastest plausible mean rate :math:`\bar s_z` of the timescale gate (units of :math:`1/\tau_h`).

    :math:`\max(s_z,\langle\sigma_z\rangle)` with :math:`z` at its largest possible variance
    :math:`g_z^2Q(g_h^2+\sigma_I^2)` (:math:`C_\phi(0)\le Q(\Delta_h(0))` and
    :math:`\Delta_h(0)\le g_h^2+\sigma_I^2`). It equals :math:`s_z` at :math:`\alpha_z=0` and for
    :math:`\beta_z\le0` (the symmetrised gate then decreases away from :math:`z=0`); for
    :math:`\beta_z>0` fluctuations of :math:`z` open a gate that is closed at rest, and the
    mean rate exceeds :math:`s_z`, possibly by many orders of magnitude. The relaxation time
    :math:`\tau_h/\bar s_z` sets the default transient and lag window of :func:`sampled_dmft`.
    ``p`` is the dict of :func:`check_sampling_params`.
    """
    return clock_rate_unchecked(_check_p(p))


def clock_rate_unchecked(p):
    """:func:`clock_rate` without argument checks."""
    s_z = float(expit(-p["beta_z"]))
    if p["alpha_z"] == 0.0 or p["beta_z"] <= 0.0:
        return s_z
    variance_z = p["g_z"] ** 2 * float(tanh_second_moment(p["g_h"] ** 2 + p["input_std"] ** 2))
    try:
        return max(s_z, mean_timescale_gate_unchecked(p, variance_z))
    except QuadratureGridError as err:
        raise ValueError(
            f"alpha_z={p['alpha_z']:g} with g_z={p['g_z']:g} makes the timescale gate too sharp for its input z "
            f"(variance up to g_z^2 = {p['g_z'] ** 2:.3g}): use a smaller alpha_z or g_z. {err}"
        ) from err


def refuse_undecayed(p, dh, dh_se, s_max, user_s_max, mean_sigma_z):
    r"""Raise a ``ValueError`` for a solution whose :math:`\Delta_h` has not decayed by ``s_max``.

    Not decayed means :math:`\Delta_h(s_{\max})-3\,\mathrm{s.e.}>` ``UNDECAYED`` :math:`\Delta_h(0)`;
    a solution that has decayed passes (``None`` is returned). ``p`` is the dict of
    :func:`check_sampling_params`, ``dh`` and ``dh_se`` the sampled :math:`\Delta_h(s)` and its
    standard errors on the lags (same shape, :math:`\Delta_h(0)>0`), ``user_s_max`` whether
    ``s_max`` was given by the user (it is then named as the cause) and ``mean_sigma_z`` the
    mean timescale gate :math:`\langle\sigma_z\rangle\in[0,1]`.

    Without input the sampler tapers :math:`C_\phi` to zero over the last fifth of the lags (a
    chaotic state has no frozen part), so a solution still above ``UNDECAYED`` of its variance
    at :math:`s_{\max}` is not a solution of the untruncated problem. With the default window
    (30 relaxation times at the fastest plausible clock) this means the state is (nearly)
    frozen: a sharp timescale gate that is closed at rest (large :math:`\alpha_z`,
    :math:`\beta_z>0`) keeps most units closed, and their :math:`h` never relaxes. Measured at
    :math:`g_h=3`, :math:`\alpha_z=100`, :math:`\beta_z=50`: finite networks (:math:`N=1000`)
    settle on a fixed point with about 75 % of the gates shut, which no stationary chaotic
    single-site process describes.
    """
    p = _check_p(p)
    dh = as_float64(dh, "dh")
    if dh.ndim != 1 or dh.size < 2 or not dh[0] > 0:
        raise ValueError(f"dh must be a 1-D profile of at least 2 lags with dh[0] > 0, got shape {dh.shape}")
    dh_se = as_float64(dh_se, "dh_se")
    if dh_se.shape != dh.shape or np.any(dh_se < 0):
        raise ValueError(
            f"dh_se must hold the non-negative standard errors of dh (shape {dh.shape}), got shape {dh_se.shape}"
        )
    s_max = check_positive_float(s_max, "s_max")
    user_s_max = check_bool(user_s_max, "user_s_max")
    mean_sigma_z = check_float_in(mean_sigma_z, "mean_sigma_z", 0.0, 1.0)
    refuse_undecayed_unchecked(p, dh, dh_se, s_max, user_s_max, mean_sigma_z)


def refuse_undecayed_unchecked(p, dh, dh_se, s_max, user_s_max, mean_sigma_z):
    """:func:`refuse_undecayed` without argument checks."""
    if not dh[-1] - 3.0 * dh_se[-1] > UNDECAYED * dh[0]:
        return None
    ratio = float(dh[-1] / dh[0])
    found = (
        f"Delta_h(s_max)/Delta_h(0) = {ratio:.3f} +- {float(dh_se[-1] / dh[0]):.3f} at s_max={s_max:.4g}, with "
        f"<sigma_z> = {mean_sigma_z:.3g}"
    )
    if user_s_max:
        raise ValueError(
            f"sampled_dmft: s_max={s_max:g} is too short: the autocorrelation has not decayed by the end of the "
            f"lag window ({found}); use a larger s_max, or s_max=None (a window that grows with the clock)"
        )
    raise ValueError(
        f"sampled_dmft: alpha_z={p['alpha_z']:g} with beta_z={p['beta_z']:g} freezes the single-site process: "
        f"the autocorrelation has not decayed within 30 relaxation times ({found}). Units whose sharp "
        "timescale gate is closed keep their h, so the state is (close to) a fixed point rather than a "
        "stationary chaotic process; for its statistics see meanfield.static_mean_field (the z-gate does "
        "not move fixed points) and meanfield.marginal_window; or use a smaller alpha_z or beta_z"
    )


def check_transient(p, variance_z, t_transient):
    r"""Refuse an iterate whose mean clock :math:`\langle\sigma_z\rangle` is too slow for the default transient.

    The default transient is 10 relaxation times at the fastest plausible mean rate
    (:func:`clock_rate`); if the iterate's own :math:`\langle\sigma_z\rangle` (at its
    :math:`\Delta_z(0)`) makes the transient shorter than 3 relaxation times, the paths have not
    forgotten their start and the estimate would be wrong (a frozen :math:`h`). ``p`` is the dict of
    :func:`check_sampling_params`, ``variance_z`` :math:`\Delta_z(0)\ge0`, ``t_transient`` ``>= 0``.
    """
    p = _check_p(p)
    variance_z = check_nonnegative_float(variance_z, "variance_z")
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    check_transient_unchecked(p, variance_z, t_transient)


def check_transient_unchecked(p, variance_z, t_transient):
    """:func:`check_transient` without argument checks."""
    mean_gate = mean_timescale_gate_unchecked(p, variance_z)
    if t_transient * mean_gate < 3.0 * p["tau_h"]:
        raise ValueError(
            f"sampled_dmft: beta_z={p['beta_z']:g} (with alpha_z={p['alpha_z']:g}, g_z={p['g_z']:g}) keeps the "
            f"timescale gate nearly closed on this iterate: <sigma_z> = {mean_gate:.3g} at Delta_z(0) = "
            f"{variance_z:.3g}, a relaxation time tau_h / <sigma_z> = {p['tau_h'] / mean_gate:.3g} longer than a "
            f"third of the transient ({t_transient:.3g}); the single-site paths stay frozen at their start. "
            "Pass a longer t_transient if affordable, or use a smaller beta_z or a larger alpha_z * g_z"
        )


def plan_grid(p, rate, paths, s_max, dt, t_transient, t_measure, given):
    r"""The sampling grid ``(dt, n_lags, n_transient, n_measure, margin)``, or a ``ValueError``
    naming the argument that makes it too large.

    Sizes are computed in floating point first, so an astronomically long time (e.g. the
    relaxation time :math:`\tau_h/\bar s_z\approx5\times10^{21}` at :math:`\beta_z=50`,
    :math:`\alpha_z=0`) is reported instead of overflowing. Caps: ``MAX_STEPS`` samples per path
    and per circulant embedding, ``MAX_WORK`` single-site steps per iteration.

    ``p`` is the dict of :func:`check_sampling_params`, ``rate`` the clock :math:`\bar s_z\in(0,1]`
    (:func:`clock_rate`), ``paths`` a positive integer, ``s_max``, ``dt`` and ``t_measure``
    positive and ``t_transient`` non-negative times, and ``given`` three booleans: whether
    ``s_max``, ``t_transient`` and ``t_measure`` were set by the user (then they are named as
    the cause of a grid that is too large).
    """
    p = _check_p(p)
    rate = check_float_in(rate, "rate", 0.0, 1.0, closed="right")
    if isinstance(paths, numbers.Integral) and not isinstance(paths, bool) and paths < 1:
        raise ValueError(f"paths must be a positive integer, got {paths}")
    paths = check_positive_int(paths, "paths")
    s_max = check_positive_float(s_max, "s_max")
    dt = check_positive_float(dt, "dt")
    t_transient = check_nonnegative_float(t_transient, "t_transient")
    t_measure = check_positive_float(t_measure, "t_measure")
    if not isinstance(given, (tuple, list)) or len(given) != 3:
        raise TypeError(f"given must be three booleans (s_max, t_transient, t_measure set by the user), got {given!r}")
    given = tuple(check_bool(flag, "given") for flag in given)
    return plan_grid_unchecked(p, rate, paths, s_max, dt, t_transient, t_measure, given)


def plan_grid_unchecked(p, rate, paths, s_max, dt, t_transient, t_measure, given):
    """:func:`plan_grid` without argument checks."""
    user_s_max, user_transient, user_measure = given
    relaxation = p["tau_h"] / rate
    n_lags = s_max / dt
    n_trans = t_transient / dt
    n_meas = t_measure / dt + 1.0
    margin = 30.0 * max(p["tau_z"], p["tau_r"]) / dt
    length = n_trans + n_meas
    embed = length + n_lags + margin
    work = paths * length
    if embed <= MAX_STEPS and work <= MAX_WORK:
        return dt, int(round(n_lags)), int(round(n_trans)), int(round(n_meas - 1.0)) + 1, int(np.ceil(margin))

    # the longest contribution, and the argument behind it
    clock = (
        f"beta_z={p['beta_z']:g} (with alpha_z={p['alpha_z']:g}) nearly closes the timescale gate: its mean "
        f"value is at most {rate:.3g} (s_z = 1/(1 + e^beta_z) = {float(expit(-p['beta_z'])):.3g}), so h relaxes "
        f"over tau_h / <sigma_z> >= {relaxation:.3g} (tau_h={p['tau_h']:g}), and the default transient "
        "(10 relaxation times) and lag window (30) grow with it"
    )
    slow_clock = relaxation >= max(p["tau_z"], p["tau_r"], 2.0) and relaxation > 2.0 * p["tau_h"]
    gates = "tau_z" if p["tau_z"] >= p["tau_r"] else "tau_r"
    if slow_clock:
        default_reason = clock
    elif relaxation >= max(p["tau_z"], p["tau_r"]):
        default_reason = f"tau_h={p['tau_h']:g} sets relaxation times of {relaxation:.3g}"
    else:
        default_reason = f"{gates}={max(p['tau_z'], p['tau_r']):g} sets the gates' correlation time"
    parts = {
        "transient": (n_trans, "t_transient" if user_transient else None),
        "measured": (n_meas, "t_measure" if user_measure else ("s_max" if user_s_max else None)),
        "lags": (n_lags, "s_max" if user_s_max else None),
        "margin": (margin, gates),
    }
    worst = max(parts, key=lambda k: parts[k][0])
    name = parts[worst][1]
    if embed <= MAX_STEPS and length <= 20_000:
        reason = f"paths={paths} is large for paths of {length:.3g} samples"  # only the work cap is exceeded
        name = "paths"
    elif name is None:
        reason = default_reason
    elif name in ("tau_z", "tau_r"):
        reason = (
            f"{name}={max(p['tau_z'], p['tau_r']):g} needs a margin of 30 {name} against wrap-around of the gate "
            "filters"
        )
    else:
        reason = f"{name} was set to {dict(t_transient=t_transient, t_measure=t_measure, s_max=s_max)[name]:g}"
    if embed > MAX_STEPS:
        size = (
            f"{length:.3g} samples per path ({t_transient:.3g} transient + {t_measure:.3g} measured at dt={dt:g}) "
            f"and a circulant embedding of {embed:.3g} points, more than the cap of {MAX_STEPS:.3g}"
        )
    else:
        size = (
            f"paths={paths} x {length:.3g} samples = {work:.3g} single-site steps per iteration (at dt={dt:g}), "
            f"more than the cap of {MAX_WORK:.3g} (about a minute per iteration)"
        )
    if embed <= MAX_STEPS:
        hint = "Use fewer paths, a larger dt, or shorter times."
    else:
        hint = "Use a larger dt or shorter times."
    if slow_clock and name is None:
        hint = (
            "At alpha_z = 0 use gated_dmft or dmft(..., method='iteration'), whose lag window grows with "
            "tau_eff = tau_h (1 + e^beta_z); otherwise use a smaller beta_z or a larger alpha_z * g_z"
            + ("." if embed > MAX_STEPS else ", or fewer paths.")
        )
    raise ValueError(f"sampled_dmft: {reason}; that needs {size}. {hint}")
