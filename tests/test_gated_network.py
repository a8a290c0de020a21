"""Science tests for the gated network of Part III: Jacobian, reduction to chapter 1, quiescent state."""

import warnings

import numpy as np
import pytest

import gatebook as gb
from gatebook.gated_network import GatedNetwork

PARAMS = dict(alpha_z=1.7, alpha_r=2.3, beta_z=0.4, beta_r=-0.6, g_z=1.3, g_r=0.8, tau_h=0.9, tau_z=1.6, tau_r=0.7)


def _state(net, seed, scale=1.0):
    return net.initial_state(seed=seed, scale=scale)


@pytest.mark.parametrize("r_gate", ["pre", "post"])
def test_all_nine_jacobian_blocks_match_central_finite_differences(r_gate):
    net = GatedNetwork(20, g_h=2.5, r_gate=r_gate, seed=1, **PARAMS)
    x = _state(net, 0)
    J = gb.jacobian(net, x)
    eps = 1e-6
    fd = np.stack(
        [(net.vector_field(x + eps * e) - net.vector_field(x - eps * e)) / (2 * eps) for e in np.eye(net.dim)],
        axis=1,
    )
    N = net.N
    for a in range(3):
        for b in range(3):
            blk = np.s_[a * N : (a + 1) * N, b * N : (b + 1) * N]
            # every block is checked; the zero blocks (zr, rz) must be exactly zero
            np.testing.assert_allclose(J[blk], fd[blk], rtol=1e-7, atol=1e-8, err_msg=f"block {a}{b}")
    assert np.all(J[N : 2 * N, 2 * N :] == 0) and np.all(J[2 * N :, N : 2 * N] == 0)
    assert net.jacobian_trace(x) == pytest.approx(np.trace(J), rel=1e-12)


@pytest.mark.parametrize("r_gate", ["pre", "post"])
def test_jvp_equals_dense_jacobian_times_vectors_at_several_states(r_gate):
    net = GatedNetwork(30, g_h=3.0, r_gate=r_gate, seed=2, **PARAMS)
    rng = np.random.default_rng(5)
    X = net.initial_state(seed=3, trials=4, scale=1.5)
    # batched vector field equals row-by-row evaluation
    FX = net.vector_field(X)
    assert FX.shape == X.shape
    for x, Fx in zip(X, FX):
        np.testing.assert_allclose(Fx, net.vector_field(x), rtol=1e-13, atol=1e-13)
        J = net.jacobian(x)
        v = rng.standard_normal(net.dim)
        V = rng.standard_normal((net.dim, 5))
        jv, JV = gb.jvp(net, x, v), gb.jvp(net, x, V)
        assert jv.shape == v.shape and JV.shape == V.shape
        np.testing.assert_allclose(jv, J @ v, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(JV, J @ V, rtol=1e-12, atol=1e-12)
        F, JV2 = net.vector_field_and_jvp(x, V)
        np.testing.assert_allclose(F, Fx, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(JV2, J @ V, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("r_gate", ["pre", "post"])
def test_without_gating_h_trajectory_equals_reduced_chapter_1_network(r_gate):
    net = GatedNetwork(60, g_h=3.2, beta_z=0.5, beta_r=-0.3, tau_h=0.8, r_gate=r_gate, seed=4)
    red = net.reduced_network()
    assert red.g == pytest.approx(3.2 / (1 + np.exp(-0.3)))
    assert red.tau == pytest.approx(0.8 * (1 + np.exp(0.5)))
    np.testing.assert_array_equal(red.couplings, net.couplings_h)
    x0 = _state(net, 7)
    t, X = gb.simulate(net, t_max=30.0, dt=0.05, x0=x0)
    _, H = gb.simulate(red, t_max=30.0, dt=0.05, x0=x0[: net.N])
    # Identical RK4 stages for h: agreement to rounding, far below the integrator error.
    np.testing.assert_allclose(X[:, : net.N], H, rtol=0, atol=1e-10)
    assert np.std(H[-100:]) > 0.05  # g_eff > 1: the comparison is made on a moving trajectory
    with pytest.raises(ValueError, match="alpha_z"):
        GatedNetwork(10, 1.0, alpha_z=1.0, seed=0).reduced_network()


def test_zero_state_spectrum_is_the_scaled_circular_law_plus_gate_points():
    # N = 400: the spectral radius of J^h is 1 up to finite-N edge fluctuations (~5 % here).
    N = 400
    net = GatedNetwork(N, g_h=2.6, r_gate="pre", seed=11, **PARAMS)
    J = net.jacobian(np.zeros(net.dim))
    centre, radius = net.origin_disk()
    assert centre == pytest.approx(-net.s_z / net.tau_h)
    assert radius == pytest.approx(2.6 * net.s_r * net.s_z / net.tau_h)
    # at the origin the hz and hr blocks vanish: spectrum = hh block + {-1/tau_z, -1/tau_r}
    assert np.all(J[:N, N:] == 0)
    lam_h = np.linalg.eigvals(J[:N, :N])
    rho_J = np.max(np.abs(np.linalg.eigvals(net.couplings_h)))
    assert np.max(np.abs(lam_h - centre)) == pytest.approx(radius * rho_J, rel=1e-9)
    assert np.max(np.abs(lam_h - centre)) == pytest.approx(radius, rel=0.1)
    lam = np.linalg.eigvals(J)
    for point in (-1 / net.tau_z, -1 / net.tau_r):
        assert np.sum(np.isclose(lam, point, atol=1e-8)) >= N


@pytest.mark.parametrize("r_gate", ["pre", "post"])
def test_zero_state_stability_flips_at_threshold(r_gate):
    N = 400
    params = dict(PARAMS, beta_r=0.7)
    thr = 1 + np.exp(0.7)
    for factor, stable in ((0.85, True), (1.15, False)):
        net = GatedNetwork(N, g_h=factor * thr, r_gate=r_gate, seed=12, **params)
        assert net.zero_state_threshold == pytest.approx(thr)
        max_re = np.max(np.linalg.eigvals(net.jacobian(np.zeros(net.dim))).real)
        # predicted max Re = (s_z/tau_h)(factor - 1) up to the ~5 % edge fluctuation of J^h
        assert (max_re < 0) == stable, (factor, max_re)


def test_max_lyapunov_is_negative_well_below_threshold():
    net = GatedNetwork(100, g_h=0.5 * (1 + np.exp(0.3)), alpha_z=2.0, alpha_r=3.0, beta_r=0.3, seed=5)
    res = gb.max_lyapunov(net, dt=0.1, t_transient=20.0, t_measure=60.0, seed=1)
    # quiescent state: lambda_max = max{s_z (g_h s_r - 1), -1, -1} = -0.25
    assert res.maximum < -0.1
    assert res.maximum == pytest.approx(-0.25, abs=0.05)


def test_no_overflow_warnings_for_sharp_gates_and_large_biases():
    for beta in (50.0, -50.0):
        net = GatedNetwork(20, g_h=3.0, alpha_z=1e3, alpha_r=1e3, beta_z=beta, beta_r=beta, seed=0)
        x = _state(net, 1, scale=3.0)
        V = np.random.default_rng(0).standard_normal((net.dim, 3))
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is benign
            warnings.simplefilter("error")
            F = net.vector_field(x)
            J = net.jacobian(x)
            JV = net.jvp(x, V)
            tr = net.jacobian_trace(x)
            _, X = gb.simulate(net, t_max=2.0, dt=0.01, x0=x)
            assert np.isfinite(net.zero_state_threshold)
        assert np.all(np.isfinite(F)) and np.all(np.isfinite(J)) and np.all(np.isfinite(JV))
        assert np.isfinite(tr) and np.all(np.isfinite(X))
        np.testing.assert_allclose(JV, J @ V, rtol=1e-10, atol=1e-10)


def test_same_seed_same_network_and_float32_states():
    a, b = GatedNetwork(15, 2.0, seed=3), GatedNetwork(15, 2.0, seed=3)
    np.testing.assert_array_equal(a.couplings_r, b.couplings_r)
    assert not np.allclose(a.couplings_h, a.couplings_z)
    assert a.weights_gates.shape == (30, 15)
    x = a.initial_state(seed=0)
    F32 = a.vector_field(x.astype(np.float32))
    assert F32.dtype == np.float32
    np.testing.assert_allclose(F32, a.vector_field(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(N=0, g_h=1.0), ValueError, "N"),
        (dict(N=2.5, g_h=1.0), TypeError, "N"),
        (dict(N=5, g_h=float("nan")), ValueError, "g_h"),
        (dict(N=5, g_h=-1.0), ValueError, "g_h"),
        (dict(N=5, g_h=1.0, tau_h=0.0), ValueError, "tau_h"),
        (dict(N=5, g_h=1.0, tau_z=-1.0), ValueError, "tau_z"),
        (dict(N=5, g_h=1.0, tau_r=float("inf")), ValueError, "tau_r"),
        (dict(N=5, g_h=1.0, alpha_r=-1.0), ValueError, "alpha_r"),
        (dict(N=5, g_h=1.0, beta_z=float("nan")), ValueError, "beta_z"),
        (dict(N=5, g_h=1.0, r_gate="middle"), ValueError, "r_gate"),
        (dict(N=5, g_h=1.0, r_gate=1), TypeError, "r_gate"),
        (dict(N=5, g_h="big"), TypeError, "g_h"),
        (dict(N=5, g_h=1.0, seed=-1), ValueError, "seed"),
    ],
)
def test_bad_parameters_raise_errors_naming_the_argument(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        GatedNetwork(**kwargs)


def test_bad_states_raise_errors_naming_the_argument():
    net = GatedNetwork(5, 1.0, seed=0)
    with pytest.raises(ValueError, match="x"):
        net.vector_field(np.zeros(5))
    with pytest.raises(ValueError, match="x"):
        net.vector_field(np.zeros((2, 3, 15)))
    with pytest.raises(ValueError, match="x"):
        net.jacobian(np.zeros((2, 15)))
    with pytest.raises(ValueError, match="V"):
        net.jvp(np.zeros(15), np.zeros(14))
    with pytest.raises(ValueError, match="x0"):
        gb.simulate(net, t_max=1.0, dt=0.1, x0=np.zeros(5))
    with pytest.raises(ValueError, match="x"):
        gb.jacobian(net, np.full(15, np.nan))


def test_gates_at_rest_zeroes_the_gate_rows_with_and_without_static_inputs():
    """z and r rows of F vanish at gates_at_rest(h), for any h and with static inputs to every variable."""
    rng = np.random.default_rng(3)
    net = gb.GatedNetwork(N=12, g_h=2.5, alpha_z=3.0, alpha_r=4.0, g_z=1.3, g_r=0.7, tau_z=2.0, tau_r=0.5, seed=1)
    h = rng.standard_normal(12)
    for model in (net, net.with_inputs(input_h=0.3, input_z=rng.standard_normal(12), input_r=-0.2)):
        x = model.gates_at_rest(h)
        assert np.array_equal(x[:12], h)
        assert np.abs(model.vector_field(x)[12:]).max() < 1e-12
    with pytest.raises(ValueError, match="h"):
        net.gates_at_rest(np.zeros(5))
    with pytest.raises(ValueError, match="h"):
        net.gates_at_rest(np.full(12, np.nan))
