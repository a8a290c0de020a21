"""Chapter 8's experiments (gatebook.r_gate): closed forms, exact reductions and the trends in alpha_r, beta_r.

The quiet-state closed forms come from gatebook.quiet_state (tests/test_quiet_state.py); here they
are checked against the network and used as references for the measurements.
"""

import numpy as np
import pytest

from gatebook import meanfield as mf
from scipy.special import expit
from scipy.stats import norm

import gatebook as gb
from gatebook import r_gate
from gatebook.quiet_state import effective_gain, origin_disk, quiet_lambda_max
from gatebook.r_gate import (
    RGateSweep,
    dimension_spectrum,
    jacobian_cloud,
    measure_r_gate,
    r_gate_sweep,
    step_gate_second_moment,
)

# Short but honest settings for the statistical tests (the chapter uses N = 120 as well).
FAST = dict(t_transient=50.0, t_measure=150.0, lyapunov_t_measure=50.0, dimension=False, boundary=False)


# -- closed forms -----------------------------------------------------------------------
@pytest.mark.parametrize("g_h, beta_r, beta_z, tau_h", [(3.0, 0.0, 0.0, 1.0), (2.5, 1.0, -0.5, 2.0), (4.0, -2.0, 3.0, 0.5)])
def test_origin_radius_is_the_network_disk_and_the_reduced_gain(g_h, beta_r, beta_z, tau_h):
    net = gb.GatedNetwork(5, g_h, alpha_r=7.0, alpha_z=3.0, beta_r=beta_r, beta_z=beta_z, tau_h=tau_h, seed=0)
    s_r, s_z = 1 / (1 + np.exp(beta_r)), 1 / (1 + np.exp(beta_z))
    radius = origin_disk(g_h, beta_r=beta_r, beta_z=beta_z, tau_h=tau_h)[1]
    assert radius == pytest.approx(g_h * s_r * s_z / tau_h, rel=1e-14)
    assert radius == pytest.approx(net.origin_disk()[1], rel=1e-14)
    assert effective_gain(g_h, beta_r=beta_r) == pytest.approx(g_h * s_r, rel=1e-14)
    soft = gb.GatedNetwork(5, g_h, beta_r=beta_r, beta_z=beta_z, tau_h=tau_h, seed=0)
    assert soft.reduced_network().g == pytest.approx(effective_gain(g_h, beta_r=beta_r), rel=1e-14)


def test_cloud_at_the_quiet_state_is_the_scaled_coupling_spectrum():
    """At the origin the hh block is s_z (-1 + g_h s_r J^h): radius and abscissa are exact rescalings."""
    net = gb.GatedNetwork(200, 3.0, alpha_r=20.0, beta_r=0.5, seed=3)
    cloud = jacobian_cloud(net, np.zeros(net.dim))
    centre, rho = net.origin_disk()
    assert cloud.centre == centre and cloud.eigenvalues.shape == (1, net.dim)
    w = np.linalg.eigvals(net.couplings_h)
    scale = origin_disk(3.0, beta_r=0.5)[1]
    assert cloud.radius == pytest.approx(scale * np.abs(w).max(), rel=1e-9)
    assert cloud.abscissa == pytest.approx(centre + scale * w.real.max(), rel=1e-9)
    # circular law: the edge of J^h is 1 + O(N^-1/2), within 10 % at N = 200
    assert cloud.radius == pytest.approx(scale, rel=0.1)
    # the F = 1 contour at the quiet state is the circle itself (to the grid resolution)
    assert cloud.predicted_abscissa == pytest.approx(centre + rho, abs=0.01 * rho)


def test_quiet_lambda_max_is_the_rightmost_eigenvalue_at_the_origin():
    net = gb.GatedNetwork(400, 3.0, beta_r=1.0, beta_z=0.5, tau_z=3.0, seed=1)
    s_r, s_z = expit(-1.0), expit(-0.5)
    predicted = quiet_lambda_max(3.0, beta_r=1.0, beta_z=0.5, tau_z=3.0)
    assert predicted == pytest.approx(s_z * (3.0 * s_r - 1.0), rel=1e-12)
    exact = np.linalg.eigvals(net.jacobian(np.zeros(net.dim))).real.max()
    # finite-N edge of the circular law: within 5 % of the disk radius
    assert abs(predicted - exact) < 0.05 * net.origin_disk()[1]
    # a slow gate can be the slowest direction: -1/tau_z wins when the disk is far left
    slow = gb.GatedNetwork(10, 0.1, tau_z=50.0, seed=0)
    assert np.linalg.eigvals(slow.jacobian(np.zeros(slow.dim))).real.max() == pytest.approx(-1 / 50.0)
    assert quiet_lambda_max(0.1, tau_z=50.0) == pytest.approx(-1 / 50.0)


def gate_second_moment(alpha_r, beta_r, r_std):
    """Chapter 8's spelling, on the one home of the gate's mean square (variance first, keywords)."""
    return float(mf.gate_second_moment(r_std**2, alpha_r=alpha_r, beta_r=beta_r))


def test_old_r_gate_spelling_warns_and_agrees():
    from gatebook import r_gate

    with pytest.warns(DeprecationWarning, match="gatebook.meanfield.gate_second_moment"):
        old = r_gate.gate_second_moment(5.0, 1.0, 0.7)
    assert old == gate_second_moment(5.0, 1.0, 0.7)


def test_gate_second_moment_limits_and_monte_carlo():
    # alpha_r = 0: the gate is the constant s_r (any beta_r, any spread)
    for beta in (-1.0, 0.0, 2.0):
        assert gate_second_moment(0.0, beta, 1.3) == pytest.approx(expit(-beta) ** 2, rel=1e-14)
        assert gate_second_moment(5.0, beta, 0.0) == pytest.approx(expit(-beta) ** 2, rel=1e-14)
    # independent estimate: Monte Carlo with 10^6 samples, within 4 standard errors
    rng = np.random.default_rng(0)
    r = 0.7 * rng.standard_normal(1_000_000)
    samples = expit(5.0 * r - 1.0) ** 2
    mc, se = samples.mean(), samples.std() / np.sqrt(samples.size)
    assert abs(gate_second_moment(5.0, 1.0, 0.7) - mc) < 4 * se
    # beta_r = 0: rises from 1/4 towards the step-gate value 1/2 as the gate sharpens
    values = [gate_second_moment(a, 0.0, 0.7) for a in (0.0, 1.0, 5.0, 20.0, 1000.0)]
    assert np.all(np.diff(values) > 0) and values[0] == pytest.approx(0.25)
    assert values[-1] == pytest.approx(0.5, abs=2e-3)


@pytest.mark.parametrize("threshold", [-0.5, 0.0, 0.8])
def test_sharp_gate_tends_to_the_step_gate_probability(threshold):
    r_std = 0.7
    exact = step_gate_second_moment(threshold, r_std)
    assert exact == pytest.approx(norm.sf(threshold / r_std), rel=1e-12)
    errors = [abs(gate_second_moment(a, a * threshold, r_std) - exact) for a in (10.0, 100.0, 1000.0)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 2e-3


# -- the Lyapunov spectrum for D_KY --------------------------------------------------------
def test_dimension_spectrum_extends_k_until_the_partial_sums_turn_negative():
    net = gb.GatedNetwork(40, 3.0, alpha_r=20.0, seed=0)
    x0 = gb.simulate(net, 30.0, 0.1, seed=0).states[-1]
    opts = dict(x0=x0, seed=1, t_transient=5.0, t_measure=20.0)
    res = dimension_spectrum(net, k=1, **opts)
    assert res.exponents.sum() < 0 and len(res.exponents) in (2, 4, 8, 16, 32, 64)
    # the extension is a plain lyapunov_spectrum with the final k (same seed: identical)
    direct = gb.lyapunov_spectrum(net, len(res.exponents), **opts)
    np.testing.assert_array_equal(res.exponents, direct.exponents)
    # with k too small by one doubling, the first attempt's partial sums were all >= 0
    if len(res.exponents) > 1:
        short = gb.lyapunov_spectrum(net, len(res.exponents) // 2, **opts)
        assert short.exponents.sum() >= 0


# -- exact reductions at alpha_r = 0 ----------------------------------------------------------
@pytest.mark.parametrize("beta_r", [0.0, -0.5])
def test_soft_gate_measurement_reduces_to_chapter_1_network(beta_r):
    """alpha_z = alpha_r = 0: the h-block is chapter 1's network with g_eff, tau_eff (same J^h, same h0)."""
    net = gb.GatedNetwork(60, 3.0, beta_r=beta_r, seed=4)
    m = measure_r_gate(net, seed=7, t_transient=20.0, t_measure=40.0, lyapunov_t_measure=20.0, k=12)
    assert m.mean_sq_gate == pytest.approx(expit(-beta_r) ** 2, rel=1e-12)
    x0 = np.random.default_rng(7).standard_normal(net.dim)  # the draw measure_r_gate makes from seed 7
    reduced = net.reduced_network()
    traj = gb.simulate(reduced, 60.0, 0.1, x0=x0[: net.N], record_every=10)
    h = traj.states[traj.times >= 20.0 - 0.05]
    assert m.temporal_variance == pytest.approx(h.var(axis=0).mean(), rel=1e-8)
    assert m.participation_ratio == pytest.approx(gb.state_participation_ratio(h), rel=1e-8)
    assert m.pr_fraction == m.participation_ratio / 60
    assert m.kaplan_yorke_fraction == m.kaplan_yorke / 60
    # the cloud: the z and r gates add exact eigenvalues -1/tau_z = -1/tau_r = -1 (2N of them)
    eig = m.cloud.eigenvalues[0]
    assert np.sum(np.abs(eig + 1.0) < 1e-8) >= 2 * net.N
    h_eig = np.linalg.eigvals(gb.jacobian(reduced, m.cloud.states[0][: net.N]))
    rest = eig[np.abs(eig + 1.0) >= 1e-8]
    assert len(rest) == net.N
    assert np.abs(rest[:, None] - h_eig[None, :]).min(axis=1).max() < 1e-8


# -- trends over seeds (stated margins) ---------------------------------------------------------
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def alpha_trend():
    return r_gate_sweep([0.0, 20.0], seeds=SEEDS, N=120, g_h=3.0, **FAST)


def test_sharp_output_gate_raises_lambda_max_pr_and_radius(alpha_trend):
    """g_h = 3, beta_r = 0, N = 120, three seeds: alpha_r = 20 against alpha_r = 0."""
    lam, pr, rad = (alpha_trend.data(q) for q in ("lambda_max", "pr_fraction", "spectral_radius"))
    assert lam.shape == (3, 2)
    # lambda_max: higher by at least 0.05 / tau_h on average, and higher for every seed
    assert lam[:, 1].mean() - lam[:, 0].mean() > 0.05
    assert np.all(lam[:, 1] > lam[:, 0])
    # PR/N: at least 1.5 times larger on average
    assert pr[:, 1].mean() > 1.5 * pr[:, 0].mean()
    # radius of the cloud: at least 30 % larger for every seed
    assert np.all(rad[:, 1] > 1.3 * rad[:, 0])
    # the measured <sigma_r^2> moves from exactly 1/4 towards the step-gate value 1/2
    msg = alpha_trend.data("mean_sq_gate")
    np.testing.assert_allclose(msg[:, 0], 0.25, rtol=1e-12)
    assert np.all((msg[:, 1] > 0.4) & (msg[:, 1] < 0.5))


def test_larger_beta_r_shrinks_radius_and_lambda_max_via_g_eff():
    """alpha_r = 0: beta_r = 1 gives g_eff = 3/(1+e) < 1, so the network falls silent."""
    result = r_gate_sweep([0.0, 1.0], seeds=SEEDS, parameter="beta_r", N=120, g_h=3.0, **FAST)
    lam, rad = result.data("lambda_max"), result.data("spectral_radius")
    assert np.all(rad[:, 1] < rad[:, 0] - 0.1)
    assert lam[:, 0].mean() - lam[:, 1].mean() > 0.05
    # silent network: lambda_max is the quiet-state prediction (finite-N edge: 0.05 / tau_h)
    quiet = quiet_lambda_max(3.0, beta_r=1.0, tau_z=1.0)
    np.testing.assert_allclose(lam[:, 1], quiet, atol=0.05)
    np.testing.assert_allclose(rad[:, 1], origin_disk(3.0, beta_r=1.0)[1], rtol=0.08)
    # what is left of the activity is a decaying transient, five orders of magnitude below
    var = result.data("temporal_variance")
    assert np.all(var[:, 1] < 1e-5 * var[:, 0])


# -- the sweep container -------------------------------------------------------------------------
def test_sweep_container_tabulates_per_seed_and_value(alpha_trend):
    assert isinstance(alpha_trend, RGateSweep)
    s = alpha_trend.sweep("lambda_max")
    np.testing.assert_allclose(s.mean, alpha_trend.data("lambda_max").mean(axis=0))
    m = alpha_trend.at(20.0, seed=2)
    assert (m.value, m.seed, m.alpha_r, m.parameter) == (20.0, 2, 20.0, "alpha_r")
    assert alpha_trend.measurements[2][1] is m
    assert np.isnan(m.kaplan_yorke) and m.k == 1  # dimension=False: lambda_1 only
    assert alpha_trend.settings["N"] == 120


# -- bad input -----------------------------------------------------------------------------------
def test_bad_input_names_the_argument():
    net = gb.GatedNetwork(10, 3.0, seed=0)
    with pytest.raises(ValueError, match="parameter"):
        r_gate_sweep([0.0], parameter="alpha_z")
    with pytest.raises(ValueError, match="values"):
        r_gate_sweep([], N=10)
    with pytest.raises(ValueError, match="seeds"):
        r_gate_sweep([0.0], seeds=(), N=10)
    with pytest.raises(TypeError, match="model"):
        measure_r_gate(gb.RandomRateNetwork(10, 1.5, seed=0))
    with pytest.raises(ValueError, match="sample_every"):
        measure_r_gate(net, sample_every=0.25, dt=0.1)
    with pytest.raises(ValueError, match="states"):
        jacobian_cloud(net, np.zeros(5))
    with pytest.raises(ValueError, match="r_std"):
        step_gate_second_moment(0.0, 0.0)
    with pytest.raises(ValueError, match="alpha_r"):
        gate_second_moment(-1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="g_h"):
        origin_disk(-1.0)
    with pytest.raises(TypeError, match="g_h"):
        quiet_lambda_max("net")
    with pytest.raises(ValueError, match="quantity"):
        r_gate_sweep([0.0], seeds=(0,), N=10, t_transient=5.0, t_measure=5.0, lyapunov_t_measure=5.0,
                     dimension=False, boundary=False).data("nonsense")
    assert r_gate.PARAMETERS == ("alpha_r", "beta_r")
