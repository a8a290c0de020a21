"""Science tests for chapter 1's random rate network: Jacobian, circular law, closed forms."""

import numpy as np
import pytest

import gatebook as gb


@pytest.fixture
def net():
    return gb.RandomRateNetwork(N=80, g=1.7, tau=0.8, seed=3)


def test_same_seed_same_network_and_different_seed_differs():
    a = gb.RandomRateNetwork(50, 1.2, seed=7)
    b = gb.RandomRateNetwork(50, 1.2, seed=7)
    c = gb.RandomRateNetwork(50, 1.2, seed=8)
    np.testing.assert_array_equal(a.couplings, b.couplings)
    assert not np.allclose(a.couplings, c.couplings)


def test_coupling_statistics_match_definition():
    # J_ij ~ N(0, 1/N): N^2 = 250000 entries give the variance to ~0.3 %.
    net = gb.RandomRateNetwork(500, 1.0, seed=0)
    assert abs(net.couplings.mean()) < 5 * 0.002 / np.sqrt(500)
    assert net.couplings.var() * 500 == pytest.approx(1.0, rel=0.01)


def test_jacobian_matches_central_finite_differences(net):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(net.N)
    J = gb.jacobian(net, x)
    h = 1e-6
    E = np.eye(net.N)
    fd = np.stack([(net.vector_field(x + h * e) - net.vector_field(x - h * e)) / (2 * h) for e in E], axis=1)
    rel = np.linalg.norm(J - fd) / np.linalg.norm(J)
    assert rel < 1e-8


def test_jvp_equals_dense_product_for_vectors_and_matrices(net):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(net.N)
    J = gb.jacobian(net, x)
    v = rng.standard_normal(net.N)
    V = rng.standard_normal((net.N, 7))
    np.testing.assert_allclose(gb.jvp(net, x, v), J @ v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb.jvp(net, x, V), J @ V, rtol=1e-12, atol=1e-12)


def test_stacked_vector_field_and_jvp_equal_separate_calls(net):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(net.N)
    V = rng.standard_normal((net.N, 4))
    F, JV = net.vector_field_and_jvp(x, V)
    np.testing.assert_allclose(F, net.vector_field(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(JV, net.jvp(x, V), rtol=1e-13, atol=1e-13)
    F1, Jv1 = net.vector_field_and_jvp(x, V[:, 0])
    np.testing.assert_allclose(Jv1, net.jvp(x, V[:, 0]), rtol=1e-13, atol=1e-13)


def test_trace_formula_equals_trace_of_dense_jacobian(net):
    x = np.random.default_rng(3).standard_normal(net.N)
    assert gb.jacobian_trace(net, x) == pytest.approx(np.trace(gb.jacobian(net, x)), rel=1e-12)


def test_batched_vector_field_equals_row_by_row(net):
    X = np.random.default_rng(4).standard_normal((5, net.N))
    F = gb.vector_field(net, X)
    for row, f in zip(X, F):
        np.testing.assert_allclose(f, net.vector_field(row), rtol=1e-13, atol=1e-14)


def test_from_couplings_reproduces_the_seeded_network(net):
    clone = gb.RandomRateNetwork.from_couplings(net.couplings, g=net.g, tau=net.tau)
    x = np.linspace(-1, 1, net.N)
    np.testing.assert_allclose(clone.vector_field(x), net.vector_field(x), rtol=1e-14)


@pytest.mark.parametrize("seed", [0, 1])
def test_circular_law_at_the_origin(seed):
    """Eigenvalues of the Jacobian at x=0 fill the disk |lambda*tau + 1| <= g (N = 1000)."""
    g, tau = 1.5, 1.0
    net = gb.RandomRateNetwork(1000, g, tau=tau, seed=seed)
    eig = np.linalg.eigvals(gb.jacobian(net, np.zeros(net.N)))
    centre, radius = net.origin_disk()
    w = (eig - centre) / radius  # uniform on the unit disk for large N
    assert np.abs(w).max() == pytest.approx(1.0, abs=0.04)
    # Uniform density on the unit disk: E|w|^2 = 1/2 and a fraction r^2 inside radius r.
    assert np.mean(np.abs(w) ** 2) == pytest.approx(0.5, abs=0.01)
    assert np.mean(np.abs(w) < 0.5) == pytest.approx(0.25, abs=0.03)
    # The rightmost eigenvalue sits near the predicted edge -1 + g.
    assert eig.real.max() == pytest.approx(centre + radius, abs=0.06)


def test_zero_gain_gives_exponential_decay_closed_form():
    net = gb.RandomRateNetwork(20, 0.0, tau=2.0, seed=0)
    x0 = np.linspace(-2, 2, 20)
    t, x = gb.simulate(net, t_max=3.0, dt=0.05, x0=x0)
    np.testing.assert_allclose(x, np.exp(-t / 2.0)[:, None] * x0[None, :], rtol=1e-7, atol=1e-10)
