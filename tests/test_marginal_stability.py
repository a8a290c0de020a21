"""Marginal stability of the gated network's fixed points (issue 17 §2, chapter 11): the measurement's reductions."""

from __future__ import annotations

import numpy as np
import pytest

import gatebook as gb
from gatebook.marginal_stability import SPECTRAL_TOL, marginal_fixed_points

N = 80


@pytest.fixture(scope="module")
def result():
    return marginal_fixed_points([3.0, 3.5], N, seeds=[0, 1], alpha_z_values=[0.0, 50.0, 1e4])


def test_every_point_is_a_fixed_point_of_the_gated_network_and_so_is_its_mirror(result):
    assert result.found[0].all()
    for p in range(result.point_seed.size):
        assert result.variance[0, p] > 0.3  # a nonzero point, near the static branch's variance (0.41 at 2.6)
    assert np.array_equal(result.point_sign, [1, -1, 1, -1]) and np.array_equal(result.point_seed, [0, 0, 1, 1])
    # mirrors share the variance and split the units: complementary open sets
    assert result.variance[0, 0] == pytest.approx(result.variance[0, 1], rel=1e-12)
    assert result.open_fraction[0, 0] + result.open_fraction[0, 1] == pytest.approx(1.0, abs=2 / N)


def test_spectrum_reductions_on_one_network():
    """Full 3N x 3N Jacobian = hh block plus -1 (2N times); alpha_z = 0 gives (max Re eig M - 1)/2;
    alpha_z -> infinity gives a zero mode per closed unit and the open block's stability."""
    net0 = gb.GatedNetwork(N=N, g_h=3.0, seed=0)
    fp = gb.find_fixed_point(net0.reduced_network(), 0.8 * np.random.default_rng(0).standard_normal(N), tol=1e-12)
    assert fp.converged and np.mean(fp.state**2) > 0.1
    h = fp.state
    M = 3.0 * 0.5 * net0.couplings_h * (1 - np.tanh(h) ** 2)[None, :]
    for alpha_z in (0.0, 50.0, 1e4):
        net = gb.GatedNetwork(N=N, g_h=3.0, alpha_z=alpha_z, seed=0)
        phi = np.tanh(h)
        x = np.concatenate([h, net.couplings_z @ phi, net.couplings_r @ phi])
        assert np.linalg.norm(net.vector_field(x)) < 1e-9
        full = np.sort_complex(np.linalg.eigvals(net.jacobian(x)))
        block = np.linalg.eigvals(net.jacobian(x)[:N, :N])
        expected = np.sort_complex(np.concatenate([block, -np.ones(2 * N)]))
        np.testing.assert_allclose(full, expected, atol=1e-8)
        if alpha_z == 0.0:
            assert block.real.max() == pytest.approx(0.5 * (np.linalg.eigvals(M).real.max() - 1.0), abs=1e-10)
        if alpha_z == 1e4:
            z = net.couplings_z @ phi
            closed = z < -1e-2  # sigma_z < e^-100: rows of A vanish to round-off
            assert np.count_nonzero(np.abs(block) < SPECTRAL_TOL) >= closed.sum()
            rightmost = np.linalg.eigvals(M[np.ix_(z > 0, z > 0)]).real.max()
            assert (block.real.max() > SPECTRAL_TOL) == (rightmost > 1.0)


def test_the_result_agrees_with_the_reductions(result):
    """At alpha_z = 1e4 a point is unstable exactly when its open block's rightmost eigenvalue exceeds 1,
    and its closed units are zero modes. (At N = 80 the points may be stable at alpha_z = 0: the
    chapter's claim about alpha_z = 0 is made at N = 400 and 1000, tests/test_claims_marginal.py.)"""
    found = result.found
    big = result.n_unstable[..., 2][found]
    assert np.array_equal(big > 0, result.open_rightmost[found] > 1.0)
    zeros = result.n_zero[..., 2][found]
    closed = (1 - result.open_fraction[found]) * N
    assert np.all(zeros >= closed - 0.15 * N) and np.all(zeros <= closed + 1)
    assert np.all(result.lambda_max[..., 2][found][big == 0] < SPECTRAL_TOL)


def test_the_result_does_not_depend_on_workers(result):
    again = marginal_fixed_points([3.0, 3.5], N, seeds=[0, 1], alpha_z_values=[0.0, 50.0, 1e4], n_jobs=2)
    for name in ("found", "n_unstable", "n_zero"):
        assert np.array_equal(getattr(again, name), getattr(result, name)), name
    np.testing.assert_array_equal(again.variance, result.variance)
    back = gb.MarginalFixedPoints.from_dict(result.to_dict())
    np.testing.assert_array_equal(back.lambda_max, result.lambda_max)
    assert np.array_equal(back.found, result.found)


@pytest.mark.parametrize("kwargs, match", [
    (dict(g_values=[1.5]), "exceed 1 \\+ exp"),
    (dict(g_values=[3.0, 2.5]), "increasing"),
    (dict(g_values=[3.0], alpha_z_values=[-1.0]), "alpha_z_values"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        marginal_fixed_points(N=10, **kwargs)
