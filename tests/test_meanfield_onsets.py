"""Science tests for the chaotic onset, the marginal window and the `dmft` front end (chapters 9-11)."""

import numpy as np
import pytest

import gatebook.memory
from gatebook.meanfield import (
    DMFTConvergenceError,
    chaos_onset,
    dmft,
    fixed_point_onset,
    gated_dmft,
    gated_lambda_max,
    is_chaotic,
    marginal_window,
    open_radius,
    scs_lambda_max,
    scs_variance,
)
from gatebook.quiet_state import quiet_threshold

FAST = dict(n=1024, s_max=80.0)


@pytest.mark.parametrize("beta_r", [0.0, 1.0])
def test_soft_gate_onsets_coincide_with_the_quiet_threshold(beta_r):
    # alpha_r = 0: chapter 1's network with g_eff = g_h s_r, so all three onsets are 1 + e^beta_r
    g0 = quiet_threshold(beta_r)
    assert g0 == 1.0 + np.exp(beta_r)
    assert chaos_onset(0.0, beta_r) == g0
    assert fixed_point_onset(0.0, beta_r) == pytest.approx(g0, rel=1e-12)
    # and the DMFT agrees: quiet just below, chaotic with a small variance just above
    # near the onset the correlation time grows like (g_eff - 1)^(-1/2): a longer lag window
    below = dmft(0.99 * g0, beta_r=beta_r, lambda_max=False, **FAST)
    above = dmft(1.1 * g0, beta_r=beta_r, lambda_max=False, n=2048, s_max=200.0)
    assert below.branch == "quiescent" and is_chaotic(above)
    # continuous onset: Delta_0 = chapter 1's variance at g_eff = 1.1, small (~ 2 (g_eff - 1))
    assert above.variance == pytest.approx(scs_variance(1.1), rel=1e-4)  # measured 1.1e-5 (lag window)
    assert above.variance < 0.25


def test_sharp_gate_onsets_are_ordered_and_the_chaotic_branch_jumps():
    # alpha_r = 20, beta_r = 0: g_topo < g_chaos < 1 + e^0 = 2, and the chaotic branch starts
    # with a finite variance (a saddle-node), unlike the continuous soft-gate onset above
    tol = 0.02
    g_chaos, info = chaos_onset(20.0, tol=tol, details=True)
    g_topo = fixed_point_onset(20.0)
    assert info["kind"] == "discontinuous"
    assert g_topo + 0.05 < g_chaos < 2.0 - 0.1
    lo, hi = info["bracket"]
    assert hi - lo <= tol and lo < g_chaos < hi
    jump = info["variance_at_upper"]
    assert jump > 0.02  # finite at the onset; the soft gate's is ~ 2 (g_eff - 1) -> 0
    # bistable between g_chaos and 2: from a small start the quiet state, from a large one chaos
    g = 0.5 * (g_chaos + 2.0)
    quiet = dmft(g, alpha_r=20.0, start="small", **FAST)
    active = dmft(g, alpha_r=20.0, start="large", **FAST)
    assert quiet.branch == "quiescent" and quiet.lambda_max < 0
    assert is_chaotic(active) and active.lambda_max > 0.05


def test_static_input_moves_the_onset_below_the_quiet_threshold():
    # sharp gate with beta_r = 2: the quiet state is stable up to 1 + e^2 = 8.39, yet with a static
    # input of s.d. 0.5 chaos exists far below it (input-induced chaos, chapter 10)
    g_chaos = chaos_onset(20.0, 2.0, input_std=0.5, tol=0.02)
    assert g_chaos < 2.0 < quiet_threshold(2.0)
    with_input = dmft(2.0, alpha_r=20.0, beta_r=2.0, input_std=0.5, **FAST)
    without = dmft(2.0, alpha_r=20.0, beta_r=2.0, **FAST)
    assert is_chaotic(with_input) and with_input.lambda_max > 0
    assert without.branch == "quiescent" and without.lambda_max < 0


def test_front_end_equals_the_solvers_and_reduces_to_chapter_1():
    res = dmft(3.0, alpha_r=5.0, **FAST)
    ref = gated_dmft(3.0, alpha_r=5.0, **FAST)
    np.testing.assert_array_equal(res.autocorrelation, ref.autocorrelation)
    assert res.lambda_max == gated_lambda_max(ref)
    # soft gates: g_eff = g_h/2 and tau_eff = 2 tau_h, so lambda_max is chapter 1's over 2
    scs = dmft(5.0)
    assert scs.variance == pytest.approx(scs_variance(2.5), rel=1e-5)
    assert 2.0 * scs.lambda_max == pytest.approx(scs_lambda_max(2.5), abs=2e-5)
    assert np.isnan(dmft(3.0, lambda_max=False, **FAST).lambda_max)


def test_exactly_at_the_threshold_and_extreme_gates():
    # grids that touch the threshold: exact quiet state, no slow creep
    at = dmft(2.0)
    assert at.branch == "quiescent" and at.iterations <= 1 and at.lambda_max == pytest.approx(0.0, abs=1e-15)
    # a near-step gate: finite, chaotic, with the step-gate mean square <sigma_r^2> -> 1/2 shaping it
    sharp = dmft(3.0, alpha_r=300.0, **FAST)
    assert is_chaotic(sharp) and np.isfinite(sharp.lambda_max) and sharp.lambda_max > 0
    assert np.all(np.isfinite(sharp.autocorrelation))
    # extreme biases. beta_r = -5: gates wide open, g_eff ~ g_h, chaotic. beta_r = 5: the quiet
    # state is stable up to 1 + e^5 = 149, yet a sharp gate sustains chaos from a large start
    # at g_h = 3 > g_topo = 2.45 -- a bistable window far below the quiet threshold
    assert is_chaotic(dmft(3.0, alpha_r=20.0, beta_r=-5.0, **FAST))
    assert fixed_point_onset(20.0, 5.0) < 3.0
    assert dmft(3.0, alpha_r=20.0, beta_r=5.0, start="small", **FAST).branch == "quiescent"
    assert is_chaotic(dmft(3.0, alpha_r=20.0, beta_r=5.0, start="large", **FAST))


def test_non_convergence_carries_diagnostics():
    # alpha_r > 0: the iteration (alpha_r = 0 takes the exact route, which does not iterate)
    with pytest.raises(DMFTConvergenceError) as err:
        dmft(3.0, alpha_r=5.0, max_iter=2)
    diag = err.value.diagnostics
    assert diag["iterations"] == 2 and len(diag["residuals"]) == 2
    assert diag["last"]["variance"] > 0


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="foo"):
        dmft(3.0, foo=1)
    with pytest.raises(ValueError, match="alpha_z"):
        dmft(3.0, alpha_z=2.0, method="iteration")
    with pytest.raises(ValueError, match="method"):
        dmft(3.0, method="magic")
    with pytest.raises(ValueError, match="g_h"):
        dmft(-1.0)
    with pytest.raises(TypeError, match="lambda_max"):
        dmft(3.0, lambda_max="yes")
    with pytest.raises(ValueError, match="tol"):
        chaos_onset(20.0, tol=0.0)
    with pytest.raises(ValueError, match="input_std"):
        chaos_onset(20.0, input_std=float("nan"))


def test_marginal_window_lives_in_meanfield_and_is_reexported():
    assert gatebook.memory.open_radius is open_radius
    assert gatebook.memory.marginal_window is marginal_window
    lo, hi = marginal_window(1.0)
    assert lo == quiet_threshold(1.0)
    assert open_radius(hi, 1.0) == pytest.approx(1.0, abs=1e-8)


# ---------------------------------------------------------------- bad input (issue 13)


def test_chaos_onset_checks_details_and_tol():
    # details=nan used to return (g, info) with NaN in info
    with pytest.raises(TypeError, match="details"):
        chaos_onset(details=np.nan)
    with pytest.raises(ValueError, match=r"\btol\b"):
        chaos_onset(2.0, tol=1e12)
    with pytest.raises(ValueError, match=r"\bn\b"):
        chaos_onset(n=10**12)


def test_dmft_names_solver_options_of_the_other_solver():
    # dmft(3.0, alpha_z=1.0, n=256) forwarded n to the sampling solver, which rejected it bare
    with pytest.raises(TypeError, match=r"\['n'\].*alpha_z"):
        dmft(3.0, alpha_z=1.0, n=256)


def test_open_radius_refuses_a_gain_beyond_the_grid_naming_g_h():
    with pytest.raises(ValueError, match=r"\bg_h\b"):
        open_radius(1e12)
