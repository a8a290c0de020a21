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

from .._validation import check_finite_float, check_nonnegative_float, check_positive_float
from .paths import MAX_STEPS
from .static import gate_moment, tanh_second_moment

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
#: largest |beta_z|: beyond, s_z = 1 / (1 + e^beta_z) leaves the floating-point range
MAX_BETA_Z = 600.0
#: without input Delta_h must decay to zero; still above this fraction of Delta_h(0) at s_max, it has not
UNDECAYED = 0.3


def check_sampling_params(g_h, alpha_z, alpha_r, beta_z, beta_r, g_z, g_r, tau_h, tau_z, tau_r, input_std):
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


def mean_timescale_gate(p: dict, variance_z) -> float:
    r"""Mean timescale gate :math:`\langle\sigma_z\rangle` for :math:`z\sim\mathcal N(0,\Delta_z)`.

    :math:`s_z` at :math:`\alpha_z=0`; otherwise a Gaussian average accurate to about
    :math:`10^{-10}` relative even where it is exponentially small (a nearly closed gate).
    """
    if p["alpha_z"] == 0.0 or variance_z <= 0.0:
        return float(expit(-p["beta_z"]))
    return float(gate_moment(float(variance_z), p["alpha_z"], p["beta_z"], 1, "alpha_z"))


def clock_rate(p: dict) -> float:
    r"""The fastest plausible mean rate :math:`\bar s_z` of the timescale gate (units of :math:`1/\tau_h`).

    :math:`\max(s_z,\langle\sigma_z\rangle)` with :math:`z` at its largest possible variance
    :math:`g_z^2Q(g_h^2+\sigma_I^2)` (:math:`C_\phi(0)\le Q(\Delta_h(0))` and
    :math:`\Delta_h(0)\le g_h^2+\sigma_I^2`). It equals :math:`s_z` at :math:`\alpha_z=0` and for
    :math:`\beta_z\le0` (the symmetrised gate then decreases away from :math:`z=0`); for
    :math:`\beta_z>0` fluctuations of :math:`z` open a gate that is closed at rest, and the
    mean rate exceeds :math:`s_z`, possibly by many orders of magnitude. The relaxation time
    :math:`\tau_h/\bar s_z` sets the default transient and lag window of :func:`sampled_dmft`.
    """
    s_z = float(expit(-p["beta_z"]))
    if p["alpha_z"] == 0.0 or p["beta_z"] <= 0.0:
        return s_z
    variance_z = p["g_z"] ** 2 * float(tanh_second_moment(p["g_h"] ** 2 + p["input_std"] ** 2))
    return max(s_z, mean_timescale_gate(p, variance_z))


def refuse_undecayed(p, dh, dh_se, s_max, user_s_max, mean_sigma_z):
    r"""Raise a ``ValueError`` for a solution whose :math:`\Delta_h` has not decayed by ``s_max``.

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
    forgotten their start and the estimate would be wrong (a frozen :math:`h`).
    """
    mean_gate = mean_timescale_gate(p, variance_z)
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
    """
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
