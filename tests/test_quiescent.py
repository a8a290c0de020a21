"""Chapter 6's quiet-state experiments against exact eigenvalues and closed forms (V1, V2 of the science note).

Finite-N margin used below: the rightmost real part of the eigenvalues of J^h (entries
N(0, 1/N)) fluctuates around 1 with a standard deviation of about 0.65/sqrt(N) (real
Ginibre edge), so the finite-N threshold 1/(s_r max Re w) lies within 2/sqrt(N) (about
three standard deviations, 20 % at N = 100) of 1 + e^{beta_r}.
"""

import numpy as np
import pytest

import gatebook as gb
from gatebook import quiescent as Q

N = 100
MARGIN = 2.0 / np.sqrt(N)


def _net(g_h, seed=0, **kw):
    params = dict(alpha_z=2.0, alpha_r=3.0, beta_z=0.5, tau_h=1.0, tau_z=0.5, tau_r=2.0)
    params.update(kw)
    return gb.GatedNetwork(N, g_h, seed=seed, **params)


@pytest.mark.parametrize("r_gate", ["pre", "post"])
def test_block_formula_equals_the_eigenvalues_of_the_dense_jacobian(r_gate):
    net = gb.GatedNetwork(60, 2.7, alpha_z=4.0, alpha_r=1.5, beta_z=-0.4, beta_r=0.8, tau_h=0.7,
                          tau_z=0.5, tau_r=2.0, r_gate=r_gate, seed=3)
    blocks = Q.origin_spectrum(net)
    dense = Q.origin_spectrum(net, method="dense")
    assert blocks.h.shape == dense.h.shape == (60,) and blocks.gates.shape == dense.gates.shape == (120,)
    assert Q.spectrum_distance(blocks.h, dense.h) < 1e-10
    assert Q.spectrum_distance(blocks.eigenvalues, np.linalg.eigvals(net.jacobian(np.zeros(net.dim)))) < 1e-10
    assert blocks.gate_points == (-2.0, -0.5)
    np.testing.assert_allclose(np.sort(dense.gates.real), np.repeat([-2.0, -0.5], 60), atol=1e-10)
    # The h eigenvalues are s_z/tau_h (-1 + g_h s_r w) with w the eigenvalues of J^h.
    w = np.linalg.eigvals(net.couplings_h)
    assert Q.spectrum_distance(blocks.h, net.s_z / 0.7 * (-1 + 2.7 * net.s_r * w)) < 1e-12
    assert np.all(np.diff(blocks.h.real) <= 0)
    assert blocks.disk == pytest.approx((-net.s_z / 0.7, 2.7 * net.s_r * net.s_z / 0.7))


def test_origin_jacobian_does_not_depend_on_gate_gains_or_placement():
    zero = np.zeros(3 * N)
    ref = _net(3.0, alpha_z=0.0, alpha_r=0.0).jacobian(zero)
    for kw in (dict(alpha_z=20.0), dict(alpha_r=20.0), dict(r_gate="post"), dict(alpha_z=7.0, r_gate="post")):
        np.testing.assert_allclose(_net(3.0, **kw).jacobian(zero), ref, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("beta_r", [0.0, 1.0, 2.0])
def test_growth_rate_closed_forms(beta_r):
    net = _net(2.5, seed=1, beta_r=beta_r)
    rate = Q.origin_growth_rate(net)
    s_z, s_r = 1 / (1 + np.exp(0.5)), 1 / (1 + np.exp(beta_r))
    assert rate.large_N == pytest.approx(s_z * (2.5 * s_r - 1))
    assert rate.finite_N == pytest.approx(Q.origin_spectrum(net).h_abscissa, abs=1e-12)
    # at the large-N threshold the large-N rate vanishes; at the finite-N one the exact one does
    assert Q.origin_growth_rate(_net(1 + np.exp(beta_r), seed=1, beta_r=beta_r)).large_N == pytest.approx(0, abs=1e-14)
    g_N = Q.finite_size_threshold(net)
    assert Q.origin_growth_rate(_net(g_N, seed=1, beta_r=beta_r)).finite_N == pytest.approx(0, abs=1e-12)
    assert Q.origin_spectrum(_net(0.98 * g_N, seed=1, beta_r=beta_r)).stable
    assert not Q.origin_spectrum(_net(1.02 * g_N, seed=1, beta_r=beta_r)).stable


@pytest.mark.parametrize("seed", range(5))
def test_finite_size_threshold_is_within_the_finite_N_margin(seed):
    for beta_r in (0.0, 1.0, 2.0):
        net = _net(1.0, seed=seed, beta_r=beta_r)
        g_N = Q.finite_size_threshold(net)
        assert abs(g_N / (1 + np.exp(beta_r)) - 1) < MARGIN
        assert g_N == pytest.approx(1 / (net.s_r * np.linalg.eigvals(net.couplings_h).real.max()), rel=1e-12)


def test_coupling_eigenvalues_are_cached_per_matrix_not_per_gain():
    a, b = _net(1.0, seed=2), _net(5.0, seed=2, beta_r=1.0)
    wa, wb = Q.coupling_eigenvalues(a), Q.coupling_eigenvalues(b)
    np.testing.assert_array_equal(wa, wb)
    assert Q.spectrum_distance(wa, np.linalg.eigvals(a.couplings_h)) < 1e-12
    wa[:] = 0  # a copy: the cache cannot be corrupted by the caller
    assert np.abs(Q.coupling_eigenvalues(a)).max() > 0.5
    assert Q.spectrum_distance(Q.coupling_eigenvalues(_net(1.0, seed=3)), wb) > 1e-3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_measured_growth_of_small_perturbations_matches_the_finite_N_rate(seed):
    # Over seeds, beta_r and both sides of the threshold, the fit over the second half of the linear
    # run is within 0.015 of the exact rate (the residual is the slowly decaying second mode:
    # at most 0.007 in 48 trial runs at N = 100 and 200).
    for beta_r in (0.0, 1.0, 2.0):
        for factor in (0.8, 1.3):
            net = _net(factor * (1 + np.exp(beta_r)), seed=seed, beta_r=beta_r)
            growth = Q.perturbation_growth(net, seed=seed + 10)
            assert growth.rate == pytest.approx(Q.origin_growth_rate(net).finite_N, abs=0.015)
            assert (growth.rate < 0) == (factor < 1)


def test_growth_measurement_window_and_step_size():
    unstable = _net(1.5 * 2, seed=4)
    g = Q.perturbation_growth(unstable, seed=1)
    assert g.saturated and g.size[np.searchsorted(g.times, g.window[1])] <= 1e-2
    assert g.window[0] == pytest.approx(0.5 * g.window[1], abs=0.5)
    assert g.size[0] == pytest.approx(1e-20, rel=0.3)
    half = Q.perturbation_growth(unstable, seed=1, dt=0.25)
    assert half.rate == pytest.approx(g.rate, abs=1e-3)
    full = Q.perturbation_growth(unstable, seed=1, scale=1e-6, t_max=80.0, stop_at_limit=False)
    assert full.times[-1] == pytest.approx(80.0)
    assert 0.1 < full.size[-1] < 2.0  # saturated by tanh, not growing forever
    t = np.array(g.window)
    np.testing.assert_allclose(np.log(g.fitted(t)), g.intercept + g.rate * t)
    stable = Q.perturbation_growth(_net(0.8 * 2, seed=4), seed=1, t_max=100.0)
    assert not stable.saturated and stable.window == (50.0, 100.0) and stable.rate < 0


def test_growth_rate_sweep_crosses_zero_at_the_threshold():
    make = Q.gated_network_family(N, beta_r=1.0, alpha_z=2.0)
    thr = 1 + np.e
    sweep = Q.growth_rate_sweep(make, thr * np.array([0.6, 0.9, 1.15, 1.4]), seed=0)
    assert sweep.threshold == pytest.approx(thr) and sweep.beta_r == 1.0 and sweep.N == N
    assert sweep.label == r"$\beta_r=1$"
    np.testing.assert_array_equal(np.sign(sweep.measured), [-1, -1, 1, 1])
    np.testing.assert_allclose(sweep.large_N, 0.5 * (sweep.gains / thr - 1), rtol=1e-12)
    assert sweep.max_deviation < 0.015
    assert sweep.finite_threshold == pytest.approx(Q.finite_size_threshold(make(1.0, 0)))


@pytest.mark.parametrize("beta_r, seed", [(0.0, 0), (1.0, 1), (2.0, 2)])
def test_bisection_brackets_the_threshold_for_both_gate_placements(beta_r, seed):
    # V2 at N = 100 (the note asks N >= 1000): the bracket holds this network's exact value
    # 1/(s_r max Re w) up to the rate bias (< 0.015, i.e. < 3 % in g_h), and 1 + e^{beta_r}
    # within the finite-N margin. The postsynaptic network on the same J^h has the same measured
    # rates at the bracket's ends (same linearisation at the origin, same initial state), so
    # the placements share the threshold.
    thr = 1 + np.exp(beta_r)
    make = Q.gated_network_family(N, beta_r=beta_r, alpha_z=2.0, alpha_r=2.0)
    b = Q.bracket_quiescent_threshold(make, seed=seed, rtol=0.02)
    assert b.hi - b.lo <= 0.02 * b.estimate
    assert b.threshold == pytest.approx(thr)
    assert b.contains(b.finite_threshold, slack=0.03 * b.estimate)
    assert abs(b.estimate / thr - 1) < MARGIN
    lo_rates = [r for g, r in b.evaluations if g <= b.lo]
    hi_rates = [r for g, r in b.evaluations if g >= b.hi]
    assert max(lo_rates) < 0 <= min(hi_rates)
    post = Q.gated_network_family(N, beta_r=beta_r, alpha_z=2.0, alpha_r=2.0, r_gate="post")
    assert Q.finite_size_threshold(post(1.0, seed)) == pytest.approx(b.finite_threshold, rel=1e-12)
    rates = dict(b.evaluations)
    for g in (b.lo, b.hi):
        assert Q.perturbation_growth(post(g, seed), seed=seed).rate == pytest.approx(rates[g], abs=1e-9)


def test_threshold_table_lists_every_bracket():
    b = Q.ThresholdBracket(lo=1.9, hi=1.92, threshold=2.0, finite_threshold=1.91, beta_r=0.0, N=200, evaluations=())
    text = Q.threshold_table([b, b])
    assert text.count("\n") == 3 and "[1.900, 1.920]" in text and "0.955" in text
    assert b.estimate == pytest.approx(1.91) and b.contains(1.91) and not b.contains(2.0)


@pytest.mark.parametrize("r_gate", ["pre", "post"])
def test_reduction_check_reproduces_chapter_1_to_rounding(r_gate):
    net = gb.GatedNetwork(80, 3.0, beta_z=1.0, beta_r=-0.5, tau_h=0.5, r_gate=r_gate, seed=2)
    check = Q.reduction_check(net, t_max=20.0, dt=0.1, seed=3)
    assert check.max_error < 1e-10
    assert check.g_eff == pytest.approx(3.0 / (1 + np.exp(-0.5)))
    assert check.tau_eff == pytest.approx(0.5 * (1 + np.e))
    assert check.gated.states.shape == (201, 240) and check.reduced.states.shape == (201, 80)
    assert np.std(check.reduced.states[-50:]) > 0.05  # compared on a moving (chaotic) trajectory
    with pytest.raises(ValueError, match="alpha_z"):
        Q.reduction_check(gb.GatedNetwork(10, 1.0, alpha_r=1.0, seed=0))


def test_bad_input_raises_errors_naming_the_argument():
    net = _net(1.0)
    with pytest.raises(TypeError, match="net"):
        Q.origin_spectrum(gb.RandomRateNetwork(10, 1.0, seed=0))
    with pytest.raises(ValueError, match="inputs"):
        Q.perturbation_growth(net.with_inputs(input_h=0.1))
    with pytest.raises(ValueError, match="method"):
        Q.origin_spectrum(net, method="qr")
    with pytest.raises(ValueError, match="scale"):
        Q.perturbation_growth(net, scale=0.0)
    with pytest.raises(ValueError, match="linear_limit"):
        Q.perturbation_growth(net, scale=0.1, linear_limit=0.01)
    with pytest.raises(ValueError, match="dt"):
        Q.perturbation_growth(net, dt=-1.0)
    with pytest.raises(ValueError, match="too short"):
        Q.perturbation_growth(_net(6.0), scale=1e-3, dt=2.0, t_max=40.0)
    make = Q.gated_network_family(20)
    with pytest.raises(ValueError, match="lo"):
        Q.bracket_quiescent_threshold(make, lo=3.0, hi=4.0)
    with pytest.raises(ValueError, match="hi"):
        Q.bracket_quiescent_threshold(make, lo=0.5, hi=1.0)
    with pytest.raises(ValueError, match="smaller"):
        Q.bracket_quiescent_threshold(make, lo=2.0, hi=1.0)
    with pytest.raises(TypeError, match="make_net"):
        Q.growth_rate_sweep("net", [1.0])
    with pytest.raises(ValueError, match="gains"):
        Q.growth_rate_sweep(make, [])
    with pytest.raises(TypeError, match="g_h"):
        Q.gated_network_family(20, g_h=2.0)
    with pytest.raises(ValueError, match="r_gate"):
        Q.gated_network_family(20, r_gate="middle")
    with pytest.raises(ValueError, match="eigenvalue"):
        Q.spectrum_distance([], [1.0])
    with pytest.raises(ValueError, match="brackets"):
        Q.threshold_table([])
