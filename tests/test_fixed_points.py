"""Science tests for the fixed-point finder (chapter 7): roots, convergence, stability, marginal modes."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.fixed_points import FixedPoint, find_fixed_point, find_fixed_points


def _max_distance_to_nearest(a, b):
    """Largest distance from a point of ``a`` to the nearest point of ``b`` (both complex)."""
    return float(np.max(np.min(np.abs(a[:, None] - b[None, :]), axis=1)))


def _nonzero_fixed_point(net, seeds=range(100, 130)):
    """Newton from random starts until one converges away from the origin."""
    for s in seeds:
        fp = find_fixed_point(net, net.initial_state(seed=s))
        if fp.converged and np.linalg.norm(fp.state) > 1.0:
            return fp
    raise AssertionError("no nonzero fixed point found")  # pragma: no cover


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_below_the_critical_gain_the_origin_is_the_only_fixed_point(seed):
    net = gb.RandomRateNetwork(N=60, g=0.7, tau=1.3, seed=seed)
    fps = find_fixed_points(net, 6, seed=seed + 10, scale=2.0)
    assert len(fps) == 1
    fp = fps[0]
    assert fp.converged and np.linalg.norm(fp.state) < 1e-9
    # at 0 the Jacobian is (-1 + g J)/tau: its eigenvalues, computed independently
    expected = np.linalg.eigvals((-np.eye(net.N) + net.g * net.couplings) / net.tau)
    assert fp.eigenvalues.shape == (net.N,)
    assert _max_distance_to_nearest(fp.eigenvalues, expected) < 1e-10
    assert _max_distance_to_nearest(expected, fp.eigenvalues) < 1e-10
    assert np.all(np.diff(fp.eigenvalues.real) <= 0)  # sorted by real part, largest first
    assert fp.is_stable and fp.n_unstable == 0 and fp.n_marginal == 0
    assert fp.spectral_abscissa == pytest.approx(expected.real.max(), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_newton_converges_quadratically_near_a_root(seed):
    net = gb.RandomRateNetwork(N=60, g=1.5, seed=seed)
    fp = find_fixed_point(net, net.initial_state(seed=seed + 20, scale=2.0), tol=1e-14)
    assert fp.converged and np.linalg.norm(fp.state) > 1.0
    r = fp.history
    assert len(r) == fp.iterations + 1 and r[-1] == pytest.approx(fp.residual)
    # Taylor: ||F(x_k + delta_k)|| <= (M/2) ||delta_k||^2 <= (M/2) ||J^-1||^2 r_k^2 with
    # M = g ||J|| max|tanh''| (0.77) bounding the second derivative of F.
    M = net.g * np.linalg.norm(net.couplings, 2) * 0.77
    C_theory = 0.5 * M * np.linalg.norm(np.linalg.inv(gb.jacobian(net, fp.state)), 2) ** 2
    k = np.flatnonzero(r[1:] > 1e-12)[-2:]  # the last two steps above the round-off floor
    assert len(k) == 2 and r[k[1]] < 0.1 * r[k[0]]
    C = r[k + 1] / r[k] ** 2
    assert np.all(C <= C_theory), (C, C_theory)
    # quadratic: the same constant for both steps (linear convergence would make r_{k+1}/r_k^2
    # grow like 1/r_k, by more than 10 from one step to the next here)
    assert 0.25 <= C[1] / C[0] <= 4.0, C


@pytest.mark.parametrize("model", ["chapter1", "gated"])
def test_newton_and_speed_minimisation_find_the_same_fixed_point(model):
    if model == "chapter1":
        net = gb.RandomRateNetwork(N=50, g=1.6, seed=3)
    else:
        net = gb.GatedNetwork(40, g_h=3.0, alpha_z=2.0, alpha_r=1.0, beta_z=0.5, tau_h=1.5, seed=3)
    star = _nonzero_fixed_point(net)
    rng = np.random.default_rng(4)
    for trial in range(3):  # starts in the basin of the known root
        x0 = star.state + 0.05 * np.linalg.norm(star.state) / np.sqrt(net.dim) * rng.standard_normal(net.dim)
        a = find_fixed_point(net, x0, method="newton")
        b = find_fixed_point(net, x0, method="speed")
        assert a.converged and b.converged and b.method == "speed"
        np.testing.assert_allclose(a.state, star.state, rtol=0, atol=1e-8)
        np.testing.assert_allclose(b.state, a.state, rtol=0, atol=1e-8)
        assert b.n_unstable == a.n_unstable


def test_speed_minimisation_reports_a_slow_point_as_not_converged():
    # 1-D flow x' = x^2 + 1 has no root; q has its minimum (a slow point) at x = 0.
    class NoRoot:
        dim = 1

        def vector_field(self, x, t=0.0):
            return x * x + 1.0

        def jacobian(self, x, t=0.0):
            return np.array([[2.0 * x[0]]])

        def jvp(self, x, V, t=0.0):
            return 2.0 * x[0] * V

    for method in ("newton", "speed"):
        fp = find_fixed_point(NoRoot(), np.array([0.7]), method=method, max_iter=30)
        assert not fp.converged and fp.residual >= 1.0 and not fp.is_stable
        assert "NOT converged" in str(fp)
    assert find_fixed_points(NoRoot(), 3, seed=0) == []


def _gated(alpha_z=0.0, beta_z=0.0, seed=0):
    # alpha_r small, g_h = 3 (g_eff = 1.5 at alpha_z = 0): nonzero fixed points exist
    return gb.GatedNetwork(80, g_h=3.0, alpha_r=0.5, alpha_z=alpha_z, beta_z=beta_z, tau_h=1.5, seed=seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_z_gate_leaves_fixed_points_in_place_and_creates_marginal_directions(seed):
    """V3 of the note: a root found at alpha_z = 0 stays a root; only its eigenvalues change."""
    fp0 = _nonzero_fixed_point(_gated(seed=seed))
    x = fp0.state
    assert fp0.residual <= 1e-10 * np.linalg.norm(x)
    tau_h = 1.5
    for alpha_z in (5.0, 20.0):
        for beta_z in (-1.0, 0.0, 2.0):
            net = _gated(alpha_z, beta_z, seed=seed)  # same seed: same couplings
            fp = find_fixed_point(net, x, marginal_tol=1e-3)
            # sigma_z <= 1 = 2 s_z(0): the residual grows by at most 2 (tol 1e-10 at alpha_z = 0)
            assert fp.converged and fp.iterations == 0 and fp.residual <= 1e-9 * np.linalg.norm(x)
            np.testing.assert_array_equal(fp.state, x)
            assert _max_distance_to_nearest(fp.eigenvalues, fp0.eigenvalues) > 1e-3  # eigenvalues move
            if alpha_z == 20.0:
                rate = net.unit_quantities(x).sigma_z / tau_h
                # each unit with a nearly closed gate gives an eigenvalue ~ -sigma_z,i/tau_h times
                # an O(1) factor; allowing that factor within [0.1, 10]:
                n_lo, n_hi = np.count_nonzero(rate < 1e-4), np.count_nonzero(rate < 1e-2)
                assert n_lo <= fp.n_marginal <= n_hi, (n_lo, fp.n_marginal, n_hi)
                assert fp.n_marginal >= 10  # the pile-up is real (about 1/5 of N here)
    assert fp0.n_marginal == 0  # sigma_z = 1/2 everywhere at alpha_z = 0


@pytest.mark.parametrize("r_gate", ["pre", "post"])
def test_quiescent_state_stability_switches_at_the_threshold(r_gate):
    N, beta_r, beta_z, tau_h = 120, 0.4, -0.3, 0.8
    for g_h, stable in ((1.2, True), (3.0, False)):  # threshold 1 + e^0.4 = 2.49
        net = gb.GatedNetwork(N, g_h, alpha_z=3.0, alpha_r=2.0, beta_z=beta_z, beta_r=beta_r,
                              tau_h=tau_h, r_gate=r_gate, seed=5)
        fp = find_fixed_point(net, np.zeros(net.dim))
        assert fp.converged and fp.iterations == 0 and fp.residual == 0.0
        assert fp.is_stable is stable
        # independent count: eigenvalues of the hh block (s_z/tau_h)(-1 + g_h s_r J^h) in the
        # right half plane (the gate eigenvalues are -1/tau_z, -1/tau_r)
        hh = net.s_z / tau_h * (-np.eye(N) + g_h * net.s_r * net.couplings_h)
        expected = np.count_nonzero(np.linalg.eigvals(hh).real > fp.marginal_tol)
        assert fp.n_unstable == expected
        assert bool(expected == 0) is stable
        if not stable:
            assert expected >= 5


def test_a_static_input_moves_the_fixed_point_which_remains_a_root():
    N = 50
    rng = np.random.default_rng(0)
    I = 0.8 * rng.standard_normal(N)
    I_z = 0.3 * rng.standard_normal(N)
    base = gb.GatedNetwork(N, g_h=1.5, alpha_z=2.0, alpha_r=2.0, beta_r=0.5, seed=2)
    net = base.with_inputs(input_h=I, input_z=I_z)
    assert find_fixed_point(base, np.zeros(3 * N)).residual == 0.0  # without input: the origin
    fp = find_fixed_point(net, np.zeros(3 * N))
    assert fp.converged and fp.iterations > 0
    h, z, r = net.split(fp.state)
    assert np.linalg.norm(h) > 1.0
    # the fixed-point equations written out (input inside the bracket): h = g_h J^h (s_r phi) + I,
    # z = J^z phi + I_z, r = J^r phi
    phi = np.tanh(h)
    sr = 1.0 / (1.0 + np.exp(-(2.0 * r - 0.5)))
    np.testing.assert_allclose(h, 1.5 * net.couplings_h @ (sr * phi) + I, atol=1e-9)
    np.testing.assert_allclose(z, net.couplings_z @ phi + I_z, atol=1e-9)
    np.testing.assert_allclose(r, net.couplings_r @ phi, atol=1e-9)
    # a time-dependent input: the root at the frozen time t
    pulse = net.with_inputs(input_h=lambda t: I * (t > 1.0), input_z=lambda t: I_z * (t > 1.0))
    at0 = find_fixed_point(pulse, 0.1 * fp.state, t=0.0)
    at2 = find_fixed_point(pulse, np.zeros(3 * N), t=2.0)
    assert at0.converged and np.linalg.norm(at0.state) < 1e-9  # no input yet: back to the origin
    assert at2.converged and np.allclose(at2.state, fp.state, atol=1e-8)


def test_find_fixed_points_deduplicates_and_sorts():
    net = gb.RandomRateNetwork(N=60, g=1.5, seed=0)  # odd vector field: roots come in pairs +-x
    fps = find_fixed_points(net, 8, seed=1, progress=False)
    assert len(fps) >= 2 and all(isinstance(f, FixedPoint) and f.converged for f in fps)
    norms = [np.linalg.norm(f.state) for f in fps]
    assert norms == sorted(norms)
    for i, a in enumerate(fps):
        for b in fps[i + 1 :]:
            assert np.linalg.norm(a.state - b.state) > 1e-6 * (1 + np.linalg.norm(a.state))
        assert any(np.allclose(-a.state, b.state, atol=1e-8) for b in fps)  # the mirror root is found too
    assert "converged" in str(fps[0]) and "marginal" in str(fps[0])


def test_bad_input_names_the_argument():
    net = gb.RandomRateNetwork(N=10, g=0.5, seed=0)
    x0 = np.zeros(10)
    with pytest.raises(ValueError, match="x0"):
        find_fixed_point(net, np.zeros(9))
    with pytest.raises(ValueError, match="x0"):
        find_fixed_point(net, np.full(10, np.nan))
    with pytest.raises(ValueError, match="method"):
        find_fixed_point(net, x0, method="bisection")
    with pytest.raises(ValueError, match="tol"):
        find_fixed_point(net, x0, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        find_fixed_point(net, x0, max_iter=0)
    with pytest.raises(ValueError, match="marginal_tol"):
        find_fixed_point(net, x0, marginal_tol=-1.0)
    with pytest.raises(ValueError, match="n_starts"):
        find_fixed_points(net, 0)
    with pytest.raises(TypeError, match="n_starts"):
        find_fixed_points(net, 2.5)
    with pytest.raises(ValueError, match="scale"):
        find_fixed_points(net, 2, scale=-1.0)
    with pytest.raises(TypeError, match="model"):
        find_fixed_point(object(), x0)
