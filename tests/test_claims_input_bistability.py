"""Issue 17 §4: is the DMFT of the gated network under a static input bistable? (chapter 10)

Findings pinned here (alpha_r = 20, beta_r = 2, tau's = 1, beta_z = 0):

* the static mean field under input has up to three solutions; only the near-quiet one
  (Delta_h close to sigma_I^2) describes stable fixed points. The upper one, which a DMFT
  iteration from a small start can land on, has a *positive* exponent (+0.19 to +0.22): it
  describes unstable fixed points. ``gated_lambda_max`` gives exactly that exponent (the
  random-matrix edge of its fixed points): not a bug;
* at the chapter's g_h = 2 the DMFT is not bistable: the near-quiet solution loses stability at
  sigma_c ~ 0.081 and the chaotic branch grows continuously out of it; finite networks started
  quiet and large end in the same state;
* closer to the chaotic onset (g_h = 2.2 < g_chaos = 2.36) the DMFT is bistable at sigma_I = 0.05
  (stable near-quiet solution and a chaotic one), but networks of 200 units started large fall
  onto the fixed point: the chaotic branch there is a long transient at this size.
"""

import numpy as np
import pytest

from gatebook import GatedNetwork, max_lyapunov, meanfield, simulate, transitions
from gatebook.meanfield._result import DMFTResult
from gatebook.meanfield.static import static_mean_field, tanh_second_moment
from gatebook.quiet_state import quiet_lambda_max

SHARP = dict(alpha_r=20.0, beta_r=2.0)
SEEDS = (0, 1, 2)


def _static_result(delta, g_h=2.0, n=256, s_max=60.0):
    """A time-independent DMFT solution (constant profiles) at variance ``delta``, as gated_dmft returns it."""
    lags = np.linspace(0.0, s_max, n)
    dr = tanh_second_moment(delta)
    params = dict(g_h=g_h, alpha_r=20.0, beta_r=2.0, beta_z=0.0, g_r=1.0, tau_h=1.0, tau_r=1.0, input_std=0.0,
                  alpha_z=0.0, autocorrelation_r=np.full(n, dr), variance_r=dr, tau_eff=2.0, s_z=0.5,
                  s_r=1.0 / (1.0 + np.e**2), s_max=s_max, n=n)
    return DMFTResult(lags=lags, autocorrelation=np.full(n, delta), variance=delta, converged=True, iterations=1,
                      residuals=(0.0,), branch="fixed", method="gated-fourier-iteration", params=params)


# -- the static solutions and their exponents ---------------------------------------------------
@pytest.mark.parametrize("sigma", [0.1, 0.25, 0.5])
def test_upper_static_solution_has_a_positive_exponent_and_it_is_not_a_bug(sigma):
    sol = meanfield.static_input_solutions(sigma)
    assert sol.variance.size == 1  # the near-quiet and middle solutions have merged and gone
    upper = sol.variance[-1]
    assert upper == pytest.approx(static_mean_field(2.0, input_std=sigma, **SHARP).delta_h, rel=1e-6)
    assert 0.15 < sol.lambda_max[-1] < 0.25  # unstable fixed points, not an attractor
    # the two-replica operator on the constant profile is the same random-matrix edge
    assert meanfield.gated_lambda_max(_static_result(upper)) == pytest.approx(sol.lambda_max[-1], abs=2e-3)


def test_quiet_state_exponent_without_input():
    sol = meanfield.static_input_solutions(0.0)
    assert sol.variance[0] == 0.0
    assert sol.lambda_max[0] == pytest.approx(quiet_lambda_max(2.0, beta_r=2.0), abs=1e-9)
    assert sol.stable.tolist() == [True, False, False]  # g_h = 2 > g_topo = 1.95: two unstable static roots


def test_near_quiet_solution_loses_stability_near_sigma_0081():
    s05, s078 = meanfield.static_input_solutions(0.05), meanfield.static_input_solutions(0.078)
    assert s05.stable.tolist() == [True, False, False]
    assert s05.variance[0] == pytest.approx(0.0031, abs=2e-4) and s05.lambda_max[0] == pytest.approx(-0.2145, abs=5e-3)
    assert s078.lambda_max[0] < 0 and s078.stable.sum() == 1
    s083 = meanfield.static_input_solutions(0.083)
    assert not s083.stable.any()  # past sigma_c = 0.081: no stable static solution left


# -- the DMFT: one stable solution per sigma_I at g_h = 2 ---------------------------------------
def test_dmft_at_the_chapters_gain_is_not_bistable():
    kw = dict(n=1024, s_max=60.0, **SHARP)
    low = meanfield.gated_dmft(2.0, input_std=0.05, start="large", **kw)  # even a large start ends static
    assert low.branch == "fixed"
    assert low.variance == pytest.approx(meanfield.static_input_solutions(0.05).variance[0], rel=1e-3)
    assert meanfield.gated_lambda_max(low) < -0.2
    chaos = meanfield.gated_dmft(2.0, input_std=0.1, start="large", **kw)
    assert chaos.branch == "chaotic" and meanfield.gated_lambda_max(chaos) > 0.08
    # continuous onset: just above sigma_c the chaotic branch's fluctuations and exponent are small
    near = meanfield.gated_dmft(2.0, input_std=0.084, start=chaos, **kw)
    assert near.branch == "chaotic"
    assert near.variance - near.autocorrelation[-1] < 0.01
    assert 0.0 < meanfield.gated_lambda_max(near) < 0.04


def test_dmft_is_bistable_closer_to_the_chaotic_onset():
    th = transitions.thresholds(20.0, 2.0, tol=0.05)
    assert 1.9 < th.g_topo < 2.0 and 2.3 < th.g_chaos < 2.42  # no chaos at g_h = 2.2 without input
    res = meanfield.gated_dmft(2.2, input_std=0.05, start="large", n=1024, s_max=60.0, **SHARP)
    assert res.branch == "chaotic"
    assert res.variance - res.autocorrelation[-1] > 0.1
    assert 0.13 < meanfield.gated_lambda_max(res) < 0.19
    sol = meanfield.static_input_solutions(0.05, g_h=2.2)
    assert sol.stable[0] and -0.21 < sol.lambda_max[0] < -0.15  # and a stable near-quiet static solution


# -- finite networks ----------------------------------------------------------------------------
def _run(g_h, sigma, seed, start, t_end, N=200):
    """h over the last 20 time units and the final state of a network started quiet or large (std 2)."""
    pattern = np.random.default_rng(seed + 1).standard_normal(N)
    net = GatedNetwork(N, g_h, alpha_r=20.0, beta_r=2.0, seed=seed, input_h=sigma * pattern)
    x0 = np.zeros(net.dim) if start == "quiet" else net.initial_state(seed=seed + 7, trials=1, scale=2.0)[0]
    traj = simulate(net, t_end, 0.1, x0=x0, record_every=10)
    return net, traj.states[traj.times >= t_end - 20.0][:, :N], traj.states[-1]


def test_finite_networks_from_quiet_and_large_starts_end_alike_at_g2():
    kappa = meanfield.static_input_solutions(0.05).lambda_max[0]
    for seed in SEEDS:
        ends = {}
        for start in ("quiet", "large"):
            net, h, x = _run(2.0, 0.05, seed, start, 150.0)
            assert h.var(axis=0).mean() < 1e-8, (seed, start)  # at rest ...
            lam = max_lyapunov(net, dt=0.1, t_transient=5.0, t_measure=20.0, x0=x, seed=seed).maximum
            assert abs(lam - kappa) < 0.06, (seed, start, lam)  # ... on a stable fixed point
            ends[start] = x[:200]
        np.testing.assert_allclose(ends["quiet"], ends["large"], atol=1e-6)  # the same one
    kw = dict(alpha_r=20.0, beta_r=2.0, g_h=2.0, N=200, seeds=SEEDS, t_transient=30, t_measure=30, theory=False)
    for start in ("quiet", "random"):
        res = transitions.input_induced_chaos([0.25], start=start, **kw)
        assert np.all(res.lambda_max[:, 0] > 0.03), (start, res.lambda_max[:, 0])  # chaotic at sigma_I = 0.25


def test_large_starts_at_g22_fall_onto_the_fixed_point():
    """The DMFT's chaotic solution at g_h = 2.2, sigma_I = 0.05 is a transient for N = 200."""
    settled = sum(bool(_run(2.2, 0.05, seed, "large", 200.0)[1].var(axis=0).mean() < 1e-8) for seed in SEEDS)
    assert settled >= 2
