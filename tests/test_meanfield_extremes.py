"""Extreme gate parameters in the mean-field theory (issue 11): right answers or named errors.

Gate biases up to |beta| = 50 make 1 + e^beta ~ 5e21 and gate gains up to 1e3 make the gates
steps. Every call below must either return a finite answer that satisfies an exact reduction
of the theory, or raise a ValueError whose message names the responsible argument, never an
OverflowError, a numpy size error, a NaN or a hang.
"""

import numpy as np
import pytest
from scipy.special import erfc, expit

import gatebook.meanfield.onsets as onsets
from gatebook.meanfield import (
    chaos_onset,
    dmft,
    fixed_point_onset,
    marginal_window,
    open_radius,
    scs_dmft,
    scs_variance,
    static_mean_field,
)
from gatebook.meanfield.quadrature import (
    MAX_CORRELATED_GRID_POINTS,
    QuadratureGridError,
    correlated_average,
    gaussian_average,
    gaussian_nodes,
)
from gatebook.meanfield.sampling import sampled_dmft, stationary_gaussian_paths
from gatebook.meanfield.sampling_plan import check_sampling_params as _check_params, clock_rate as _clock_rate
from gatebook.meanfield.static import gate_second_moment, tanh_second_moment
from gatebook.quiet_state import quiet_threshold

SQRT2 = np.sqrt(2.0)
BETAS = [-50.0, -20.0, -3.0, 0.0, 3.0, 20.0, 50.0]


# ------------------------------------------------------------------------------ quadrature
def test_quadrature_grids_are_capped_with_a_message_naming_sharpness_and_size():
    """tanh at the variance g_h^2 of g_h = 1 + e^50 needs ~1e23 grid points: refused, with both numbers."""
    for call in (
        lambda: gaussian_average(np.tanh, 2.7e43),
        lambda: correlated_average(np.tanh, np.tanh, 2.7e43, np.array([0.0, 0.5, 1.0])),
        lambda: gaussian_average(np.tanh, 1e300, sharpness=1e300),  # the product overflows to inf
    ):
        with pytest.raises(QuadratureGridError, match=r"sharpness \* sqrt\(variance\)") as info:
            call()
        assert isinstance(info.value, ValueError)
        assert "points" in str(info.value) and info.value.points > info.value.cap
    # just inside the correlated cap: sharpness * sqrt(variance) = 16384 still works
    v = (16384.0 / 2.0) ** 2
    assert np.isfinite(correlated_average(np.tanh, np.tanh, v, 0.0)) and MAX_CORRELATED_GRID_POINTS == 2**18 + 1
    with pytest.raises(ValueError, match="n must be at most"):
        gaussian_nodes(10**9, "grid")
    with pytest.raises(ValueError, match="n must be at most"):
        correlated_average(np.tanh, np.tanh, 1.0, 0.5, method="grid", n=10**7)


# --------------------------------------------------------------------------- static theory
def test_tanh_second_moment_at_huge_variance():
    """Above Delta = 1e4, Q comes from 1 - Q = Delta^(-1/2) int sech^2(u) phi(u / sqrt(Delta)) du:
    continuous with the grid rule at the switch, and 1 - Q -> 2 / sqrt(2 pi Delta)."""
    below, above = tanh_second_moment(1e4), tanh_second_moment(1e4 * (1 + 1e-12))
    assert abs(above - below) < 1e-13
    grid = gaussian_average(lambda x: np.tanh(x) ** 2, 4e4, method="grid", n=12801)  # spacing 1/4 of tanh's width
    assert tanh_second_moment(4e4) == pytest.approx(grid, abs=1e-14)
    for delta in (1e8, 1e12, 1e20):
        # next term of the expansion: -(pi^2/6) (2/sqrt(2 pi)) Delta^(-3/2) / 2, negligible here
        assert 1.0 - tanh_second_moment(delta) == pytest.approx(2.0 / np.sqrt(2 * np.pi * delta), rel=1e-6)
    q = tanh_second_moment(np.array([0.5, 2.7e43]))
    assert q[0] == pytest.approx(tanh_second_moment(0.5), rel=1e-14) and q[1] == 1.0


@pytest.mark.parametrize("alpha,beta,delta", [(3.0, 50.0, 1.0), (4.0, 50.0, 0.8), (2.0, 40.0, 0.5)])
def test_closed_gate_moment_has_the_lognormal_value(alpha, beta, delta):
    """Far below its threshold a gate is exponential, sigma^2 = e^{2u} (1 + O(e^u)), so
    S_r = e^{-2 beta + 2 alpha^2 Delta} (relative corrections below 1e-7 here). The open
    region sits 6-9 standard deviations out, where the old +-8 s.d. grid lost 2-20 %."""
    expected = np.exp(-2.0 * beta + 2.0 * alpha**2 * delta)
    assert gate_second_moment(delta, alpha_r=alpha, beta_r=beta) == pytest.approx(expected, rel=1e-7, abs=0.0)
    # vectorised, and exact at Delta = 0
    values = gate_second_moment(np.array([0.0, delta]), alpha_r=alpha, beta_r=beta)
    assert values[0] == pytest.approx(expit(-beta) ** 2, rel=1e-12, abs=0.0)
    assert values[1] == pytest.approx(expected, rel=1e-7, abs=0.0)


@pytest.mark.parametrize("beta_r", BETAS)
def test_static_onset_closed_forms_over_the_whole_bias_range(beta_r):
    """alpha_r = 0: g_topo = 1 + e^beta_r exactly; beta_r >= 0: sqrt(2) < g_topo <= 1 + e^beta_r;
    beta_r < 0: g_topo <= 1 + e^beta_r; everything finite."""
    g_quiet = quiet_threshold(beta_r)
    assert g_quiet == 1.0 + np.exp(beta_r)
    assert fixed_point_onset(0.0, beta_r) == pytest.approx(g_quiet, rel=1e-10)
    onsets_ = np.array([fixed_point_onset(a, beta_r) for a in (1.0, 10.0, 100.0, 1000.0)])
    assert np.all(np.isfinite(onsets_)) and np.all(onsets_ <= g_quiet * (1 + 1e-12))
    if beta_r >= 0.0:
        assert np.all(onsets_ > SQRT2)
        assert np.all(np.diff(onsets_) <= 0.0)  # sharper gates open more easily at high variance
    if beta_r == 0.0:
        assert onsets_[-1] - SQRT2 < 0.02  # the step-gate limit


@pytest.mark.parametrize("alpha_r", [1.0, 2.0, 3.0])
def test_static_onset_in_the_exponential_regime_of_a_closed_gate(alpha_r):
    """With the gate closed far below threshold, S_r(Delta_r) = e^{-2 beta_r} e^{2 alpha_r^2 Delta_r}
    (relative corrections e^{-beta_r + 2.5 alpha_r^2} < 1e-12 at beta_r = 50), so

        g_topo = e^{beta_r} [sup_Delta e^{2 alpha_r^2 Q(Delta)} Q(Delta) / Delta]^{-1/2},

    a maximisation that needs no gate quadrature (the old +-8 s.d. grid was 1 % off at
    alpha_r = 3). alpha_r = 1: the supremum is the Delta -> 0 limit, g_topo = 1 + e^beta_r."""
    from scipy.optimize import minimize_scalar

    def log_ratio(u):
        q = tanh_second_moment(np.exp(u))
        return 2.0 * alpha_r**2 * q + np.log(q) - u

    u = np.linspace(np.log(1e-6), np.log(1e4), 2001)
    k = int(np.argmax(log_ratio(u)))
    best = 0.0  # the Delta -> 0 limit of the log ratio
    if 0 < k < u.size - 1:
        opt = minimize_scalar(
            lambda x: -log_ratio(x), bounds=(u[k - 1], u[k + 1]), method="bounded", options={"xatol": 1e-12}
        )
        best = max(best, -float(opt.fun))
    expected = np.exp(50.0 - 0.5 * best)
    assert fixed_point_onset(alpha_r, 50.0) == pytest.approx(expected, rel=1e-9)
    if alpha_r == 1.0:
        assert fixed_point_onset(alpha_r, 50.0) == quiet_threshold(50.0)
    # raising beta_r by 10 multiplies the onset by e^10
    ratio = fixed_point_onset(alpha_r, 50.0) / fixed_point_onset(alpha_r, 40.0)
    assert ratio == pytest.approx(np.exp(10.0), rel=1e-7)


def test_static_mean_field_with_a_nearly_closed_output_gate():
    """beta_r = 50, alpha_r = 0: the gated network is chapter 1's at g_eff = g_h s_r, so at
    g_h = 2 (1 + e^50) the variance is that of g_h = 4, beta_r = 0 (start g_h^2 ~ 1e44)."""
    ref = static_mean_field(4.0)
    res = static_mean_field(2.0 * quiet_threshold(50.0), 0.0, 50.0)
    assert res.branch == "nonzero" and res.delta_h == pytest.approx(ref.delta_h, rel=1e-9)
    assert static_mean_field(0.99 * quiet_threshold(50.0), 0.0, 50.0).branch == "zero"
    # a sharp gate at beta_r = 50: a nonzero branch above g_topo, the zero one below
    g_topo = fixed_point_onset(100.0, 50.0)
    above, below = static_mean_field(1.05 * g_topo, 100.0, 50.0), static_mean_field(0.95 * g_topo, 100.0, 50.0)
    assert above.branch == "nonzero" and above.delta_h > 0.1 and below.branch == "zero"
    assert above.residual < 1e-10 * max(1.0, above.delta_h)
    for beta_r in (-50.0, 50.0):
        for alpha_r in (0.0, 1000.0):
            res = static_mean_field(3.0, alpha_r, beta_r)
            assert np.isfinite(res.delta_h) and res.residual < 1e-10 * max(1.0, res.delta_h)


def test_marginal_window_scales_with_the_quiet_threshold():
    """open_radius depends on g_h only through g_eff = g_h s_r: the window (1 + e^beta_r, g*) is
    the beta_r = 0 window scaled by (1 + e^beta_r) / 2, for every beta_r."""
    lo0, hi0 = marginal_window(0.0)
    for beta_r in (-50.0, 50.0):
        lo, hi = marginal_window(beta_r)
        assert lo == quiet_threshold(beta_r)
        assert hi / lo == pytest.approx(hi0 / lo0, rel=1e-8)
        assert open_radius(hi, beta_r) == pytest.approx(1.0, abs=1e-8)
    with pytest.raises(ValueError, match="beta_r"):
        quiet_threshold(800.0)


# --------------------------------------------------------------------------- chaotic onset
@pytest.mark.parametrize("beta_r", BETAS)
def test_soft_gate_chaos_onset_is_the_quiet_threshold(beta_r):
    assert chaos_onset(0.0, beta_r) == 1.0 + np.exp(beta_r)


def test_chaos_onset_tol_is_validated_and_named():
    for tol in (1e12, 2.0, float("inf"), float("nan"), 0.0, -1e-3):
        with pytest.raises(ValueError, match="tol"):
            chaos_onset(2.0, tol=tol)
    with pytest.raises(ValueError, match="tol"):
        chaos_onset(100.0, -50.0, tol=1.0)  # the quiet threshold is 1 + e^-50 = 1


def test_sharp_gate_with_a_huge_bias_has_a_finite_discontinuous_onset():
    """alpha_r = 100, beta_r = 50 (quiet threshold 5e21): the search climbs from g_topo = 3.33
    instead of starting at 1.05 (1 + e^50). Measured: 4.5177 (tol 1e-3, n = 1024), with a finite
    jump in Delta_h(0) (0.62) at the onset."""
    g_topo = fixed_point_onset(100.0, 50.0)
    g, info = chaos_onset(100.0, 50.0, tol=0.05, n=512, details=True)
    assert info["kind"] == "discontinuous" and np.isfinite(g)
    lo, hi = info["bracket"]
    assert hi - lo <= 0.05 and lo < g < hi
    assert g_topo + 0.5 < g < 6.0
    assert info["variance_at_upper"] > 0.3  # a jump, not a continuous onset


def test_upward_search_agrees_with_the_search_from_the_quiet_threshold(monkeypatch):
    """alpha_r = 20, beta_r = 0: both searches bracket the same onset (within tol)."""
    direct = chaos_onset(20.0, tol=0.02, details=True)
    monkeypatch.setattr(onsets, "_DIRECT_SEARCH_MAX", 1.0)
    upward = chaos_onset(20.0, tol=0.02, details=True)
    assert direct[1]["kind"] == upward[1]["kind"] == "discontinuous"
    (lo1, hi1), (lo2, hi2) = direct[1]["bracket"], upward[1]["bracket"]
    assert max(lo1, lo2) < min(hi1, hi2)  # the brackets overlap


def test_chaos_onset_at_huge_bias_is_exact_or_a_named_error():
    # alpha_r = 1: the static supremum sits at Delta -> 0, so g_topo = g_chaos = 1 + e^50 exactly
    g, info = chaos_onset(1.0, 50.0, details=True)
    assert g == 1.0 + np.exp(50.0) and info["solves"] == 0
    # alpha_r = 10: g_topo = 3.6e4, far beyond the reach of the DMFT grids
    with pytest.raises(ValueError, match="beta_r"):
        chaos_onset(10.0, 50.0)
    # a gate too sharp for the correlation tables
    with pytest.raises(ValueError, match="alpha_r"):
        chaos_onset(1e5, 0.0, tol=0.1)


# ------------------------------------------------------------------------- sampling solver
def test_sampling_at_alpha_z_zero_is_chapter_1_on_a_slower_clock():
    """alpha_z = alpha_r = 0, g_h = 4, beta_z = 2: g_eff = 2 and tau_eff = 1 + e^2. The variance
    is scs_variance(2) = 1.9248 (measured 1.875, 1.907 for seeds 0, 1 with 300 paths, s.e. 0.032)
    and the relaxation time chapter 1's 6.83 in units of tau_eff (measured 6.62, 6.38); the
    default window and transient grow with tau_eff."""
    tau_eff = 1.0 + np.exp(2.0)
    res = sampled_dmft(4.0, beta_z=2.0, paths=300, seed=0)
    assert res.branch == "chaotic" and res.params["tau_eff"] == pytest.approx(tau_eff, rel=1e-14)
    assert res.params["s_max"] == pytest.approx(30.0 * tau_eff, rel=1e-12)
    assert res.params["t_transient"] == pytest.approx(10.0 * tau_eff + 5.0, rel=1e-12)
    se = res.params["variance_stderr"]
    assert abs(res.variance - scs_variance(2.0)) < max(4 * se, 0.04 * scs_variance(2.0))
    assert res.relaxation_time / tau_eff == pytest.approx(scs_dmft(2.0).relaxation_time, rel=0.12)


def test_clock_of_a_gate_closed_at_rest():
    """The default transient and window use max(s_z, <sigma_z>) at the largest z variance
    g_z^2 Q(g_h^2): exactly s_z at alpha_z = 0 or beta_z <= 0; for alpha_z = 1000, beta_z = 50
    the gate is a step at z = 0.05 and the rate is P(z > 0.05), not s_z = 2e-22."""

    def params(alpha_z, beta_z):
        return _check_params(3.0, alpha_z, 0.0, beta_z, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0)

    for beta_z in (-50.0, -1.0, 0.0, 50.0):
        assert _clock_rate(params(0.0, beta_z)) == expit(-beta_z)
    for beta_z in (-50.0, -1.0):
        assert _clock_rate(params(5.0, beta_z)) == expit(-beta_z)
    step = 0.5 * erfc(0.05 / np.sqrt(2.0 * tanh_second_moment(9.0)))
    assert _clock_rate(params(1000.0, 50.0)) == pytest.approx(step, rel=1e-5)


def test_issue_cases_of_the_sampling_solver_raise_named_errors():
    # alpha_z = 100, beta_z = 50 (issue 11): was an OverflowError in the circulant embedding.
    # The clock is fine (<sigma_z> = 0.21), but the state freezes (finite networks settle on a
    # fixed point with ~75 % of the gates shut): refused, naming alpha_z and beta_z
    with pytest.raises(ValueError, match="beta_z") as info:
        dmft(3.0, alpha_z=100.0, beta_z=50.0, paths=300, seed=0)
    assert "alpha_z" in str(info.value) and "decayed" in str(info.value)
    # a gate that is closed at rest and hardly opened by z: the clock itself is ~1e21 tau_h
    for alpha_z in (0.0, 1.0, 10.0):
        with pytest.raises(ValueError, match="beta_z=50") as info:
            sampled_dmft(3.0, alpha_z=alpha_z, beta_z=50.0)
        assert "needs" in str(info.value)
    with pytest.raises(ValueError, match="beta_z"):
        sampled_dmft(3.0, alpha_z=1.0, beta_z=700.0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(tau_z=1e8), "tau_z"),
        (dict(tau_r=1e8), "tau_r"),
        (dict(s_max=1e7), "s_max"),
        (dict(t_transient=1e7), "t_transient"),
        (dict(paths=10**6), "paths"),
        (dict(alpha_r=1e5, s_max=20.0), "alpha_r"),
    ],
)
def test_sampling_grid_caps_name_the_argument(kwargs, name):
    args = dict(paths=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        sampled_dmft(3.0, **args)


def test_stationary_paths_length_is_capped():
    with pytest.raises(ValueError, match="length"):
        stationary_gaussian_paths([1.0, 0.5], 10**7)
