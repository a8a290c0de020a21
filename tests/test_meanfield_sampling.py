"""Science tests of the Monte Carlo DMFT solver (gatebook.meanfield.sampling)."""

import numpy as np
import pytest
from scipy.special import expit

from gatebook.meanfield._result import DMFTConvergenceError
from gatebook.meanfield.gated import gated_dmft
from gatebook.meanfield.paths import circulant_spectrum, exponential_step_coefficients, integrate_linear
from gatebook.meanfield.sampling import (
    sampled_dmft,
    stationary_gaussian_paths,
)

# a covariance with a constant tail (a static component) and a non-monotone decaying part
_LAGS = 0.1 * np.arange(400)  # the decaying part is below 1e-7 at the last lag
_COV = 0.3 + np.exp(-_LAGS / 2.0) * (1.0 + _LAGS / 2.0)


def test_circulant_embedding_has_exactly_the_covariance():
    """The first `length` samples of the embedded process have covariance c(k) (tail beyond K)."""
    lam, m, tail = circulant_spectrum(_COV, 700)
    assert m >= 700 + 399 and tail == _COV[-1]
    assert lam.min() > -1e-6 * lam.max()
    cov = np.fft.irfft(lam, n=m)[:700] + tail
    np.testing.assert_allclose(cov[:400], _COV, atol=1e-12)
    np.testing.assert_allclose(cov[400:], _COV[-1], atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sampled_paths_have_the_covariance(seed):
    """Sample covariance over 4000 paths within 4 standard errors (per lag, product variance)."""
    x, clipped = stationary_gaussian_paths(_COV, 500, paths=4000, seed=seed, return_clipped=True)
    assert clipped < 1e-8
    k = np.arange(0, 400, 20)
    prod = x[:, 100:101] * x[:, 100 + k]
    se = prod.std(axis=0) / np.sqrt(prod.shape[0])
    assert np.all(np.abs(prod.mean(axis=0) - _COV[k]) < 4 * se)
    assert abs(x.mean()) < 4 * np.sqrt(_COV[-1] / 4000 + _COV[0] / x.size)


def test_exponential_integrator_is_second_order():
    """h' = -a(t) (h - f(t)) with a = 1 + 0.5 sin t, f = cos 2t: error drops 4x when dt halves."""

    def solve(dt, t_max=10.0):
        t = np.arange(0.0, t_max + 1e-12, dt)
        e, b = exponential_step_coefficients((1 + 0.5 * np.sin(t))[None, :], np.cos(2 * t)[None, :], dt)
        return integrate_linear(e, b, np.array([1.0]))[0, -1]

    from scipy.integrate import solve_ivp

    exact = solve_ivp(
        lambda t, h: -(1 + 0.5 * np.sin(t)) * (h - np.cos(2 * t)), (0, 10.0), [1.0], rtol=1e-12, atol=1e-12
    ).y[0, -1]
    err = [abs(solve(dt) - exact) for dt in (0.1, 0.05)]
    assert err[0] < 5e-3
    assert 3.0 < err[0] / err[1] < 5.0
    # constant drive: exact for any step, even one much longer than 1/a
    e, b = exponential_step_coefficients(np.full((1, 3), 2.0), np.full((1, 3), 0.7), 5.0)
    np.testing.assert_allclose(
        integrate_linear(e, b, np.array([0.0]))[0], [0.0, 0.7 * (1 - np.exp(-10)), 0.7 * (1 - np.exp(-20))], rtol=1e-12
    )


@pytest.fixture(scope="module")
def gated_reference():
    return gated_dmft(3.0, alpha_r=5.0, n=1024, s_max=60.0)


@pytest.fixture(scope="module")
def sampled_three_seeds():
    return [sampled_dmft(3.0, alpha_r=5.0, paths=1000, s_max=30.0, t_measure=90.0, seed=s) for s in (0, 1, 2)]


def test_alpha_z_zero_matches_gated_dmft(gated_reference, sampled_three_seeds):
    """g_h = 3, alpha_r = 5 (h Gaussian): Monte Carlo vs the deterministic Fourier iteration.

    Seeds 0-2, 1000 paths, 90 tau measured per path, three iterates averaged. Measured when
    written: Delta_h(0) within 1.5 % of gated_dmft (1-2 s.e.); the profile within 3 % of
    Delta_h(0) at every lag. Stated bands: Delta_h(0) within max(3 s.e., 2 %) per seed, the seed
    mean within 1.5 %; the profile within 5 % of Delta_h(0) per seed and 3 % for the seed mean.
    """
    ref = gated_reference
    means = []
    for res in sampled_three_seeds:
        assert res.method == "sampling" and res.branch == "chaotic" and res.converged
        se = res.params["variance_stderr"]
        assert 0 < se < 0.02 * res.variance
        assert abs(res.variance - ref.variance) < max(3 * se, 0.02 * ref.variance)
        expected = np.interp(res.lags, ref.lags, ref.autocorrelation)
        assert np.max(np.abs(res.autocorrelation - expected)) < 0.05 * ref.variance
        means.append(res.autocorrelation)
    mean = np.mean(means, axis=0)
    assert mean[0] == pytest.approx(ref.variance, rel=0.015)
    assert np.max(np.abs(mean - np.interp(sampled_three_seeds[0].lags, ref.lags, ref.autocorrelation))) < (
        0.03 * ref.variance
    )
    # the gate statistics follow exactly from C_phi: Delta_r(0) agrees with the Gaussian solver
    assert np.mean([r.params["variance_r"] for r in sampled_three_seeds]) == pytest.approx(
        ref.params["variance_r"], rel=0.02
    )


def test_converges_from_another_solution():
    """alpha_r = 0, beta_r = -1 (g_eff = 2.2), beta_z = -1 (tau_eff = 1.37 tau_h): started from
    the g_h = 2.5 solution (variance 41 % lower, relaxation time 18 % longer), the iteration
    reaches gated_dmft's g_h = 3 solution.

    The slowest direction of the iteration is the correlation time: it is resolved only to a
    few Monte Carlo errors. Measured when written (seeds 3-5, 800 paths, damping 1):
    Delta_h(0) within 2.3 %, the profile within 3-9 % of Delta_h(0). Stated: Delta_h(0) within
    max(3 s.e., 3 %), the profile within 10 % (the precise comparison, from the Gaussian start,
    is test_alpha_z_zero_matches_gated_dmft).
    """
    kw = dict(beta_r=-1.0, beta_z=-1.0)
    ref = gated_dmft(3.0, n=1024, s_max=60.0, **kw)
    start = gated_dmft(2.5, n=1024, s_max=60.0, **kw)
    assert start.variance < 0.7 * ref.variance
    res = sampled_dmft(3.0, paths=800, s_max=40.0, t_measure=80.0, start=start, damping=1.0, seed=3, **kw)
    assert res.params["tau_eff"] == pytest.approx(ref.params["tau_eff"])
    assert res.iterations > 4  # it had to move
    assert abs(res.variance - ref.variance) < max(3 * res.params["variance_stderr"], 0.03 * ref.variance)
    expected = np.interp(res.lags, ref.lags, ref.autocorrelation)
    assert np.max(np.abs(res.autocorrelation - expected)) < 0.10 * ref.variance


def test_static_input_matches_gated_dmft():
    """A static input (sigma_I = 0.5) gives Delta_h a constant tail (frozen per-unit offsets).

    g_h = 3, alpha_r = 5, alpha_z = 0, seeds 0-2, 600 paths. Measured when written: Delta_h(0)
    and the tail Delta_h(30) within 2 % of gated_dmft. Stated: max(3 s.e., 3 %) for both.
    """
    ref = gated_dmft(3.0, alpha_r=5.0, input_std=0.5, n=1024, s_max=60.0)
    tail_ref = np.interp(30.0, ref.lags, ref.autocorrelation)
    assert tail_ref > 0.3 * ref.variance
    for seed in (0, 1, 2):
        res = sampled_dmft(3.0, alpha_r=5.0, input_std=0.5, paths=600, s_max=30.0, seed=seed, progress=seed == 0)
        assert res.branch == "chaotic"
        assert abs(res.variance - ref.variance) < max(3 * res.params["variance_stderr"], 0.03 * ref.variance)
        se_tail = res.params["autocorrelation_stderr"][-1]
        assert abs(res.autocorrelation[-1] - tail_ref) < max(3 * se_tail, 0.03 * tail_ref)


def test_fixed_branch_with_input_matches_static_mean_field():
    """g_h = 1.5 < 2 with sigma_I = 0.5: h settles to a static random value per unit, the "fixed"
    branch, whose variance is the static mean field's (measured within 2.6 %, 1.1 s.e.)."""
    from gatebook.meanfield.static import static_mean_field

    ref = static_mean_field(1.5, 0.0, 0.0, input_std=0.5)
    res = sampled_dmft(1.5, input_std=0.5, paths=1000, s_max=40.0, seed=0)
    assert res.branch == "fixed"
    assert abs(res.variance - ref.delta_h) < max(3 * res.params["variance_stderr"], 0.03 * ref.delta_h)


def test_reproducible_and_seed_dependent(sampled_three_seeds):
    a = sampled_dmft(3.0, alpha_r=5.0, paths=1000, s_max=30.0, t_measure=90.0, seed=0)
    b = sampled_three_seeds[0]
    np.testing.assert_array_equal(a.autocorrelation, b.autocorrelation)
    assert a.residuals == b.residuals
    c = sampled_three_seeds[1]
    assert not np.array_equal(b.autocorrelation, c.autocorrelation)
    se = np.hypot(b.params["variance_stderr"], c.params["variance_stderr"])
    assert abs(b.variance - c.variance) < 4 * se


@pytest.mark.parametrize("beta_r, g_h", [(0.0, 1.8), (1.0, 3.2)])
def test_quiescent_below_zero_state_threshold(beta_r, g_h):
    """Soft gates below 1 + e^beta_r: from the large start the variance collapses to zero."""
    assert g_h < 1 + np.exp(beta_r)
    res = sampled_dmft(g_h, alpha_z=5.0, alpha_r=2.0, beta_r=beta_r, paths=200, s_max=20.0, seed=0, start="small")
    assert res.branch == "quiescent" and res.variance == 0.0
    assert np.all(res.autocorrelation == 0.0)


def test_sharp_gate_bistability_with_dynamic_timescale_gate():
    """alpha_r = 20, g_h = 1.9 < 2 (the zero state is stable) above the chaos onset (1.75-1.80):
    a large start stays on the chaotic branch, a small start ends quiescent, also at alpha_z = 5
    (alpha_z changes neither the zero state's stability nor, by the chaotic start, the branch)."""
    kw = dict(alpha_r=20.0, paths=300, s_max=30.0, seed=0)
    ref = gated_dmft(1.9, alpha_r=20.0, n=1024, s_max=60.0)
    chaotic = sampled_dmft(1.9, **kw)
    assert chaotic.branch == "chaotic"
    assert abs(chaotic.variance - ref.variance) < max(3 * chaotic.params["variance_stderr"], 0.03 * ref.variance)
    assert sampled_dmft(1.9, alpha_z=5.0, **kw).branch == "chaotic"
    for alpha_z in (0.0, 5.0):
        assert sampled_dmft(1.9, alpha_z=alpha_z, start="small", **kw).branch == "quiescent"


def test_quiescent_from_a_large_start():
    res = sampled_dmft(1.6, alpha_z=5.0, paths=200, s_max=20.0, seed=1, start="large", damping=1.0)
    assert res.branch == "quiescent"
    assert res.params["mean_sigma_z"] == pytest.approx(0.5)


def test_non_convergence_raises_with_diagnostics():
    with pytest.raises(DMFTConvergenceError) as info:
        sampled_dmft(3.0, alpha_z=5.0, paths=100, s_max=20.0, max_iter=2, tol=1e-3, seed=0)
    diag = info.value.diagnostics
    assert diag["iterations"] == 2 and len(diag["residuals"]) == 2
    assert diag["last"]["variance"] > 0
    assert "max_iter" in str(info.value)


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(paths=-5), ValueError, "paths"),
        (dict(paths=1), ValueError, "paths"),
        (dict(paths=2.5), TypeError, "paths"),
        (dict(dt=0.0), ValueError, "dt"),
        (dict(dt=-0.1), ValueError, "dt"),
        (dict(g_h=float("nan")), ValueError, "g_h"),
        (dict(start="medium"), ValueError, "start"),
        (dict(alpha_z=-1.0), ValueError, "alpha_z"),
        (dict(tau_z=0.0), ValueError, "tau_z"),
        (dict(damping=1.5), ValueError, "damping"),
        (dict(t_measure=10.0, s_max=20.0), ValueError, "t_measure"),
        (dict(seed="abc"), TypeError, "seed"),
        (dict(min_iter=9, max_iter=5), ValueError, "min_iter"),
    ],
)
def test_bad_input(kwargs, err, match):
    args = dict(g_h=3.0, paths=10, s_max=20.0)
    args.update(kwargs)
    with pytest.raises(err, match=match):
        sampled_dmft(**args)


def test_bad_covariance():
    with pytest.raises(ValueError, match="covariance"):
        stationary_gaussian_paths([1.0, np.nan], 10)
    with pytest.raises(ValueError, match="covariance"):
        stationary_gaussian_paths([-1.0, 0.0], 10)
    with pytest.raises(ValueError, match="length"):
        stationary_gaussian_paths([1.0, 0.5], 0)


def test_dynamic_timescale_gate_against_simulation():
    """alpha_z = 5 (h non-Gaussian), g_h = 3, alpha_r = 5, beta_z = -1.

    Theory: 1000 paths, s_max = 40, damping 1 and tol 1.5 (the correlation time converges
    slowly). Simulation: N = 1000, seeds 0-2, RK4 dt = 0.2 in float32, 50 tau discarded,
    <h^2> (uncentred, so not biased by the finite window) over the next 100 tau.
    Measured when written: theory 1.350-1.380 over seeds 0-3 (s.e. 0.013 each), simulation
    1.33, 1.38, 1.48 (mean 1.40, 3 % above; 1.44 at N = 500 and 1.38 at N = 2000: finite N
    pushes it up here). Stated band: 8 %.
    V11 trend: the relaxation time at alpha_z = 5 is more than 1.5 times the alpha_z = 0 value
    4.99 (measured 2.3x in theory, 2.6-3.6x in simulation), while the variance changes by less
    than 15 % (measured +5 % in theory).
    """
    import gatebook as gb

    kw = dict(alpha_r=5.0, beta_z=-1.0)
    quiet_gate = gated_dmft(3.0, n=1024, s_max=60.0, **kw)
    res = sampled_dmft(
        3.0, alpha_z=5.0, paths=1000, s_max=40.0, t_measure=100.0, damping=1.0, tol=1.5, seed=0, **kw
    )
    assert res.branch == "chaotic"
    assert 0.5 < res.params["mean_sigma_z"] < expit(1.0)  # closed gates pull <sigma_z> below s_z
    assert res.relaxation_time > 1.5 * quiet_gate.relaxation_time
    assert abs(res.variance / quiet_gate.variance - 1) < 0.15

    measured, relax = [], []
    for seed in (0, 1, 2):
        net = gb.GatedNetwork(N=1000, g_h=3.0, alpha_z=5.0, seed=seed, **kw)
        tr = gb.simulate(net, 150.0, 0.2, seed=100 + seed, record_every=2, dtype=np.float32)
        h = tr.states[tr.times >= 50.0 - 1e-9, :1000].astype(float)
        measured.append(np.mean(h**2))
        lags, c = gb.autocorrelation(h, 0.4, max_lag=100, center=False)  # lags up to 40 tau
        relax.append(gb.decay_time(lags, c))
    assert np.mean(measured) == pytest.approx(res.variance, rel=0.08)
    assert min(relax) > 1.5 * quiet_gate.relaxation_time


# ---------------------------------------------------------------- bad input (issue 13)


def test_path_sizes_are_checked_before_allocating():
    from gatebook.meanfield.paths import lagged_products, stationary_gaussian_paths

    with pytest.raises(ValueError, match="paths"):
        stationary_gaussian_paths(np.exp(-np.arange(10.0)), 32, paths=10**12)  # was a MemoryError
    with pytest.raises(ValueError, match="n_lags"):
        lagged_products(np.zeros((2, 16)), 10**12)
    with pytest.raises(ValueError, match="margin"):
        circulant_spectrum(np.exp(-np.arange(10.0)), 32, margin=10**12)


def test_refuse_undecayed_passes_a_decayed_solution_and_checks_p():
    from gatebook.meanfield.sampling_plan import check_sampling_params, refuse_undecayed

    p = check_sampling_params(3.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0)
    dh = np.exp(-np.arange(9.0))
    assert refuse_undecayed(p, dh, np.full(9, 0.01), 4.0, True, 0.5) is None
    with pytest.raises(ValueError, match="s_max"):
        refuse_undecayed(p, np.ones(9), np.full(9, 0.01), 4.0, True, 0.5)
    with pytest.raises(TypeError, match=r"\bp\b"):
        refuse_undecayed(None, dh, np.full(9, 0.01), 4.0, True, 0.5)


def test_sampled_dmft_names_average_that_cannot_converge():
    with pytest.raises(ValueError, match="average"):
        sampled_dmft(3.0, alpha_z=1.0, paths=20, s_max=4.0, dt=0.5, max_iter=4, average=10, tol=1e3,
                     t_transient=2.0, t_measure=8.0, start="small", seed=0)
