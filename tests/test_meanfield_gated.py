"""Science tests of the gated DMFT at alpha_z = 0 (gatebook.meanfield.gated)."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import brentq
from scipy.special import expit

from gatebook.meanfield._result import DMFTConvergenceError
from gatebook.meanfield.gated import gated_dmft, gated_lambda_max
from gatebook.meanfield.quadrature import correlated_average, gate, gaussian_average
from gatebook.meanfield.static import fixed_point_onset

# independent 2-D Gauss-Hermite quadrature (probabilists'), for smooth functions only
_X, _W = np.polynomial.hermite_e.hermegauss(80)
_W = _W / _W.sum()


def _nested(f, delta, delta0):
    """<f(x) f(y)> for Gaussian x, y of variance delta0 and covariance delta (0 <= delta <= delta0)."""
    delta = np.clip(np.asarray(delta, dtype=float), 0.0, delta0)
    a, b = np.sqrt(delta0 - delta)[..., None, None], np.sqrt(delta)[..., None, None]
    inner = f(a * _X[None, :] + b * _X[:, None]) @ _W
    return inner**2 @ _W


def _scs_variance(g):
    """Potential method: -D0^2/2 + g^2 (<Phi^2> - <Phi>^2) = 0 with Phi = log cosh."""

    def eq(d0):
        phi = np.log(np.cosh(np.sqrt(d0) * _X))
        return -0.5 * d0**2 + g**2 * (_W @ phi**2 - (_W @ phi) ** 2)

    return brentq(eq, 1e-3, 50.0, xtol=1e-14)


@pytest.fixture(scope="module")
def scs_case():
    # alpha_r = 0, beta_r = 0: g_eff = 1.5, tau_eff = 2
    return gated_dmft(3.0)


@pytest.fixture(scope="module")
def gated_case():
    return gated_dmft(3.0, alpha_r=5.0)


def test_alpha_r_zero_is_chapter_1_network(scs_case):
    res = scs_case
    g_eff, tau_eff = 1.5, 2.0
    assert res.branch == "chaotic"
    assert res.params["tau_eff"] == pytest.approx(tau_eff)
    d0 = _scs_variance(g_eff)
    assert res.variance == pytest.approx(d0, rel=1e-4)
    # integrate Delta'' = Delta - g^2 C_phi(Delta) (units of tau_eff) from rest at Delta_0
    sol = solve_ivp(
        lambda s, y: [y[1], y[0] - g_eff**2 * float(_nested(np.tanh, y[0], d0))],
        (0.0, 6.0),
        [d0, 0.0],
        rtol=1e-11,
        atol=1e-12,
        dense_output=True,
    )
    s = res.lags[res.lags <= 6.0 * tau_eff]
    np.testing.assert_allclose(res.autocorrelation[: s.size], sol.sol(s / tau_eff)[0], atol=1e-4 * d0)


def test_alpha_r_zero_matches_scs_module(scs_case):
    """The gated Fourier iteration at alpha_r = 0 against chapter 1's DMFT (meanfield.scs, potential method)."""
    from gatebook.meanfield.scs import scs_dmft, scs_lambda_max

    ref = scs_dmft(1.5, tau=2.0)
    assert scs_case.method == "gated-exact-soft-gate"  # the default route is the potential method itself
    iterated = gated_dmft(3.0, route="iteration")
    assert iterated.method == "gated-fourier-iteration"
    s = iterated.lags[iterated.lags <= 30.0]
    np.testing.assert_allclose(
        iterated.autocorrelation[: s.size], np.interp(s, ref.lags, ref.autocorrelation), atol=1e-4 * ref.variance
    )
    assert gated_lambda_max(iterated) == pytest.approx(scs_lambda_max(1.5, tau=2.0, result=ref), abs=1e-5)
    s = scs_case.lags[scs_case.lags <= 30.0]
    np.testing.assert_allclose(
        scs_case.autocorrelation[: s.size], np.interp(s, ref.lags, ref.autocorrelation), atol=1e-4 * ref.variance
    )
    assert gated_lambda_max(scs_case) == pytest.approx(scs_lambda_max(1.5, tau=2.0, result=ref), abs=1e-5)


def test_local_equations_at_zero_lag(gated_case):
    """(1 - tau^2 d^2/ds^2) Delta = rhs at s = 0, for both Delta_h and Delta_r (alpha_r = 5)."""
    res = gated_case
    p = res.params
    s, dh, dr = res.lags, res.autocorrelation, p["autocorrelation_r"]
    ds = s[1]
    second = lambda y: (-y[2] + 16 * y[1] - 15 * y[0]) * 2 / (12 * ds**2)  # even function, O(ds^4)
    c_phi0 = gaussian_average(lambda x: np.tanh(x) ** 2, dh[0])
    c_sig0 = gaussian_average(lambda x: gate(x, 5.0, 0.0) ** 2, dr[0], method="grid")
    assert dr[0] - p["tau_r"] ** 2 * second(dr) == pytest.approx(p["g_r"] ** 2 * c_phi0, rel=1e-5)
    assert dh[0] - p["tau_eff"] ** 2 * second(dh) == pytest.approx(3.0**2 * c_sig0 * c_phi0, rel=1e-5)
    # the gate variance is below the static value g_r^2 C_phi(0): the r-filter averages C_phi(s) < C_phi(0)
    assert dr[0] < p["g_r"] ** 2 * c_phi0


def test_sharp_gate_tables_agree_with_nested_quadrature():
    # the DMFT tables (uniform-grid rule, FFT-smoothed inner averages) against nested
    # Gauss-Hermite, which converges here (alpha * sd = 4) away from c = 1, where its inner
    # integrand becomes the sharp gate itself; c = 1 is checked against the single average
    g10 = lambda x: gate(x, 10.0, 0.0)  # noqa: E731
    c = np.array([-0.7, 0.0, 0.3, 0.9])
    ours = correlated_average(g10, g10, 0.16, c, method="grid", sharpness=10.0)
    ref = correlated_average(g10, g10, 0.16, c, method="hermite", n=150)
    np.testing.assert_allclose(ours, ref, atol=1e-12)
    at_one = correlated_average(g10, g10, 0.16, 1.0, method="grid", sharpness=10.0)
    assert at_one == pytest.approx(gaussian_average(lambda x: g10(x) ** 2, 0.16, sharpness=10.0), rel=1e-12)


@pytest.mark.parametrize("beta_r, g_h", [(0.0, 1.9), (1.0, 3.0)])
def test_quiescent_below_zero_state_threshold(beta_r, g_h):
    assert g_h < 1 + np.exp(beta_r)
    res = gated_dmft(g_h, beta_r=beta_r, start="large", n=512, s_max=40)
    assert res.branch == "quiescent" and res.variance == 0.0
    s_r = expit(-beta_r)
    assert gated_lambda_max(res) == pytest.approx(max(0.5 * (g_h * s_r - 1), -1.0))


def test_sharp_gate_chaos_below_threshold_and_bistable():
    g_topo = fixed_point_onset(20.0, 0.0)
    lowest = None
    for g in np.arange(1.6, 2.0, 0.1):  # coarse grid; started large
        if gated_dmft(g, alpha_r=20.0, n=256, s_max=30, tol=1e-7).branch == "chaotic":
            lowest = g
            break
    assert lowest is not None
    assert g_topo < lowest < 2.0
    # bistability: the same parameters started small end on the quiescent branch
    assert gated_dmft(lowest, alpha_r=20.0, n=256, s_max=30, start="small").branch == "quiescent"


def test_grid_refinement(gated_case):
    """Halving the resolution and shortening the window together (n 2048 -> 1024, s_max 80 -> 60)."""
    ref = gated_case
    res = gated_dmft(3.0, alpha_r=5.0, n=1024, s_max=60.0)
    assert res.lags[1] == pytest.approx(2 * ref.lags[1] * 60 / 80, rel=1e-3)
    common = ref.lags[ref.lags <= 20.0]
    np.testing.assert_allclose(
        np.interp(common, res.lags, res.autocorrelation), ref.autocorrelation[: common.size], atol=1e-4 * ref.variance
    )


def test_lambda_max_equals_schroedinger_at_alpha_r_zero(scs_case, gated_case):
    res = scs_case
    g_eff, tau_eff = 1.5, 2.0
    lam = gated_lambda_max(res)
    # ground state of H = -d^2 + 1 - g_eff^2 C_phi'(s) on [-L, L] (units of tau_eff), Dirichlet ends
    half = res.lags[res.lags <= 40.0] / tau_eff
    cd = _nested(lambda x: 1 - np.tanh(x) ** 2, res.autocorrelation[: half.size], res.variance)
    v = np.concatenate([cd[:0:-1], cd])
    h = half[1]
    diag, off = 2 / h**2 + 1 - g_eff**2 * v, -np.ones(v.size - 1) / h**2
    e0 = eigh_tridiagonal(diag, off, select="i", select_range=(0, 0))[0][0]
    assert lam == pytest.approx((-1 + np.sqrt(1 - e0)) / tau_eff, abs=1e-4)
    assert lam > 0
    assert gated_lambda_max(gated_case) > lam + 0.05


def test_theory_matches_simulation(gated_case):
    """Temporal variance of h: N = 500, seeds 0-2, 30 tau transient, 120 tau window sampled every tau.

    The DMFT prediction for this estimator is corrected for the finite window exactly,
    E[var] = Delta_h(0) - mean_{t,t'} Delta_h(t - t') (about 0.89 Delta_h(0) here;
    `meanfield.expected_window_variance`). Finite N
    biases the simulation downwards by a few percent at N = 500 (shrinking roughly as 1/N);
    stated tolerance: the seed mean within 8 % of the prediction.
    """
    import gatebook as gb

    res = gated_case
    from gatebook.meanfield import expected_window_variance

    t = np.arange(30.0, 150.0 + 1e-9, 1.0)
    expected = expected_window_variance(res, 120.0, 1.0)
    measured = []
    for seed in (0, 1, 2):
        net = gb.GatedNetwork(N=500, g_h=3.0, alpha_r=5.0, seed=seed)
        tr = gb.simulate(net, 150.0, 0.2, seed=100 + seed, record_every=5)
        h = tr.states[tr.times >= 30.0 - 1e-9, :500]
        assert h.shape[0] == t.size
        measured.append(h.var(axis=0).mean())
    assert np.mean(measured) == pytest.approx(expected, rel=0.08)


def test_non_convergence_raises():
    with pytest.raises(DMFTConvergenceError) as info:
        gated_dmft(3.0, alpha_r=5.0, max_iter=3, n=256, s_max=40)
    assert info.value.diagnostics["iterations"] == 3
    assert len(info.value.diagnostics["residuals"]) == 3


def test_bad_input():
    with pytest.raises(ValueError, match="alpha_z"):
        gated_dmft(3.0, alpha_z=1.0)
    with pytest.raises(ValueError, match="start"):
        gated_dmft(3.0, start="medium")
    with pytest.raises(ValueError, match="g_h"):
        gated_dmft(-1.0)
    with pytest.raises(TypeError, match="result"):
        gated_lambda_max("not a result")


def test_robust_to_mixing_failures_and_constant_solutions():
    # found by the sampling solver's author: Anderson mixing with memory 5 diverged here and the
    # iteration ended on the quiet state (g_eff = 3 sigma(1) = 2.19 > 1, so that was wrong);
    # the iteration now restarts from its best iterate and agrees with chapter 1's network
    from gatebook.meanfield import scs_variance

    res = gated_dmft(3.0, beta_r=-1.0, route="iteration")
    assert res.branch == "chaotic"
    assert res.variance == pytest.approx(scs_variance(3.0 * expit(1.0)), rel=1e-4)
    # with a static input below the chaotic onset the solution is constant in s (fixed
    # points); a constant profile is not a spurious oscillation
    fixed = gated_dmft(1.5, input_std=0.5)
    assert fixed.branch == "fixed"
    np.testing.assert_allclose(fixed.autocorrelation, fixed.variance, rtol=1e-6)


# -- issue 11: any machine, any gate ----------------------------------------------------------
def test_slow_clock_gives_the_chaotic_branch_not_a_truncated_fixed_point():
    # beta_z = 5: tau_eff = tau_h (1 + e^5) = 149 exceeds the old fixed window of 80 tau_h, on which
    # the solver settled on the static solution (variance 1.2027, "fixed"). The window now grows
    # with tau_eff, and the answer is the chaotic branch, which a much wider explicit window confirms.
    res = gated_dmft(3.0, alpha_r=2.0, beta_z=5.0)
    assert res.branch == "chaotic"
    assert res.params["s_max"] >= 40 * res.params["tau_eff"]
    wide = gated_dmft(3.0, alpha_r=2.0, beta_z=5.0, s_max=80.0 * res.params["tau_eff"], n=4096)
    assert res.variance == pytest.approx(wide.variance, rel=1e-5)
    assert res.variance < 1.1  # far from the static solution's 1.2027
    # an explicit window that cannot hold the correlation time is refused, naming s_max
    with pytest.raises(ValueError, match="s_max"):
        gated_dmft(3.0, alpha_r=2.0, beta_z=5.0, s_max=80.0)


@pytest.mark.parametrize("beta_z", [-50.0, 5.0, 50.0])
def test_beta_z_only_sets_the_clock(beta_z):
    # at alpha_z = 0 the timescale gate is the constant s_z: the DMFT in units of tau_eff depends
    # on tau_r / tau_eff alone. beta_z with tau_r = 1 must equal beta_z = 0 with tau_r rescaled so
    # that tau_r / tau_eff is the same: same variance, lags and exponent scaled by the clock ratio.
    from gatebook.meanfield.gated import effective_time_constant

    tau_eff = effective_time_constant(beta_z)
    slow = gated_dmft(3.0, alpha_r=5.0, beta_z=beta_z, n=1024)
    ref = gated_dmft(3.0, alpha_r=5.0, tau_r=2.0 / tau_eff, n=1024)
    assert slow.variance == pytest.approx(ref.variance, rel=1e-7)
    np.testing.assert_allclose(slow.lags / tau_eff, ref.lags / 2.0, rtol=1e-12)
    np.testing.assert_allclose(slow.autocorrelation, ref.autocorrelation, atol=1e-7 * ref.variance)
    assert gated_lambda_max(slow) * tau_eff == pytest.approx(gated_lambda_max(ref) * 2.0, rel=1e-5)


@pytest.mark.parametrize("beta_r", [-50.0, -5.0, 0.0, 5.0, 50.0])
@pytest.mark.parametrize("beta_z", [-50.0, 0.0, 50.0])
def test_soft_gate_just_above_onset_is_chapter_1_network_exactly(beta_r, beta_z):
    # alpha_r = 0 is chapter 1's network with g_eff = g_h s_r on the clock tau_eff, at any bias;
    # just above the continuous onset (g_eff = 1.1) the correlation time is long, and the exact
    # route (potential method) has nothing to stall on
    from gatebook.meanfield.gated import effective_time_constant
    from gatebook.meanfield.scs import scs_lambda_max, scs_variance

    g_h = 1.1 * (1.0 + np.exp(beta_r))
    res = gated_dmft(g_h, beta_r=beta_r, beta_z=beta_z)
    assert res.branch == "chaotic" and res.method == "gated-exact-soft-gate"
    assert res.variance == pytest.approx(scs_variance(1.1), rel=1e-12)
    tau_eff = effective_time_constant(beta_z)
    lam = gated_lambda_max(res)  # the two-replica operator, on the grown window
    assert lam * tau_eff == pytest.approx(scs_lambda_max(1.1), abs=2e-4)
    # just below: quiet, with the exact exponent
    below = gated_dmft(0.99 * (1.0 + np.exp(beta_r)), beta_r=beta_r, beta_z=beta_z)
    assert below.branch == "quiescent"
    assert gated_lambda_max(below) == pytest.approx(-0.01 / tau_eff, rel=1e-6)


def test_open_and_closed_output_gates_reduce_to_constant_gates():
    # beta_r = -25: the output gate sigma(5 r + 25) is open unless r < -5, which r (variance
    # about 0.6) reaches with probability ~1e-10: the network is chapter 1's at g_eff = g_h
    from gatebook.meanfield.scs import scs_variance

    open_gate = gated_dmft(2.0, alpha_r=5.0, beta_r=-25.0)
    assert open_gate.method == "gated-fourier-iteration"
    assert open_gate.variance == pytest.approx(scs_variance(2.0), rel=1e-6)
    # beta_r = +50: closed unless r > 2.5: no chaos at g_h = 3, from any start
    closed = gated_dmft(3.0, alpha_r=20.0, beta_r=50.0)
    assert closed.branch == "quiescent"


def test_near_onset_solves_do_not_depend_on_rounding():
    # the machine-dependent stall of issue 11 came from the path of the mixing near an onset;
    # inputs perturbed at the 1e-15 level must give the same answer to the tolerance, every time
    for g_h, alpha_r in [(2.1, 2.0), (1.9, 20.0)]:
        results = [gated_dmft(g_h * (1.0 + k * 1e-15), alpha_r=alpha_r, n=1024) for k in (-2, -1, 0, 1, 2)]
        v = np.array([r.variance for r in results])
        assert np.all([r.branch == "chaotic" for r in results])
        assert np.ptp(v) <= 1e-7 * v.mean()


def test_a_profile_that_has_not_decayed_is_an_error_or_is_widened():
    from gatebook.meanfield._result import WindowTooShortError

    # alpha_r = 1 just above its continuous onset: the correlation time is hundreds of tau_h
    with pytest.raises(WindowTooShortError) as info:
        gated_dmft(2.05, alpha_r=1.0, s_max=80.0, n=1024)
    assert info.value.diagnostics["last"]["relative_change_at_end"] > 2e-3
    assert "s_max" in str(info.value)
    grown = gated_dmft(2.05, alpha_r=1.0, n=1024)
    assert grown.params["s_max"] > 80.0
    # the grown window's answer does not depend on where the growth started
    other = gated_dmft(2.05, alpha_r=1.0, n=1024, window=20.0)
    assert grown.variance == pytest.approx(other.variance, rel=1e-5)
    # a time-independent answer on a window shorter than the correlation time is refused
    with pytest.raises(WindowTooShortError, match="time-independent"):
        gated_dmft(2.2, alpha_r=1.0, s_max=20.0, n=256)


def test_extreme_clock_is_refused_with_the_gate_parameter_named():
    with pytest.raises(ValueError, match="beta_z"):
        gated_dmft(3.0, beta_z=710.0)
    with pytest.raises(ValueError, match="beta_z"):
        gated_dmft(3.0, alpha_r=5.0, beta_z=1e4)
    with pytest.raises(ValueError, match="n must be at most"):
        gated_dmft(3.0, alpha_r=5.0, n=2**20)
    res = gated_dmft(3.0, beta_z=600.0)  # the largest supported clock: still exact
    assert np.isfinite(res.variance) and np.isfinite(res.lags[-1])


def test_perturbed_path_option_is_active_when_asked(perturbed_floating_point_path):
    # with --perturb-fp EPS the quadratures carry relative noise EPS (see conftest.py); every
    # solver reaches them through gatebook.meanfield.quadrature
    from gatebook.meanfield import quadrature

    if not perturbed_floating_point_path:
        assert not hasattr(quadrature.correlated_average, "perturbed")
    else:
        assert quadrature.correlated_average.perturbed == perturbed_floating_point_path
