"""Tests for gatebook.meanfield.scs: DMFT of chapter 1's network (science note V6-V8)."""

import numpy as np
import pytest

from gatebook.meanfield import DMFTConvergenceError, DMFTResult
from gatebook.meanfield.scs import (
    _sech2,
    _tabulated_average,
    schrodinger_operator,
    scs_dmft,
    scs_lambda_max,
    scs_variance,
)


@pytest.fixture(scope="module")
def potential_solutions():
    return {g: scs_dmft(g) for g in (1.5, 2.0, 3.0)}


@pytest.mark.parametrize("g", [2.0, 3.0])
def test_iteration_and_potential_agree(g):
    # two independent solvers of the same equation: Fourier fixed point vs Newtonian motion
    pot = scs_dmft(g, s_max=80.0, n=1025)
    it = scs_dmft(g, method="iteration", s_max=80.0, n=1025, damping=1.0, tol=1e-8)
    assert it.branch == pot.branch == "chaotic"
    assert it.converged and it.method == "iteration" and pot.method == "potential"
    assert abs(it.variance - pot.variance) < 1e-4
    assert np.max(np.abs(it.autocorrelation - pot.autocorrelation)) < 1e-4


def test_variance_solves_energy_condition(potential_solutions):
    # Delta(s) from the potential method is even, maximal at 0 and decays to 0 monotonically
    for g, res in potential_solutions.items():
        s, d = res.lags, res.autocorrelation
        assert d[s.size // 2] == pytest.approx(res.variance, abs=1e-12)
        assert np.allclose(d, d[::-1])
        pos = d[s >= 0]
        assert np.all(np.diff(pos) <= 1e-14)
        assert pos[-1] < 1e-5 * res.variance
        # Delta''(0) = Delta0 - g^2 <tanh^2> must be <= 0 (= -<xdot^2>)
        assert res.variance - g**2 * _tabulated_average(np.tanh, res.variance)(res.variance) < 0


def test_variance_continuous_at_onset_and_small_amplitude():
    # derived: Var ln cosh = D^2/2 - D^3 + O(D^4) gives Delta0 ~ (1 - g^-2)/2 near g = 1
    gs = np.array([1.005, 1.01, 1.02, 1.05])
    d0 = np.array([scs_variance(g) for g in gs])
    approx = 0.5 * (1.0 - 1.0 / gs**2)
    rel = np.abs(d0 / approx - 1.0)
    assert np.all(np.diff(d0) > 0)
    assert np.all(rel < 4.0 * (gs - 1.0))  # relative error O(g - 1): the next order
    assert rel[0] < rel[-1]
    assert scs_variance(1.0) == 0.0
    assert scs_variance(1.0005) < 1e-3


@pytest.mark.parametrize("g", [0.0, 0.3, 0.9, 1.0])
def test_quiescent_branch_below_onset(g):
    res = scs_dmft(g, tau=2.0, s_max=20.0, n=101)
    assert res.branch == "quiescent"
    assert res.variance == 0.0 and not np.any(res.autocorrelation)
    assert res.lambda_max == (g - 1.0) / 2.0
    for method in ("schrodinger", "bisection"):
        assert scs_lambda_max(g, tau=2.0, method=method) == (g - 1.0) / 2.0


def test_zero_mode_residual_is_discretisation_error():
    # V8: H d/ds Delta = 0 exactly; on the grid the residual falls like h^2
    g = 2.0
    errs = []
    for n in (801, 1601):
        res = scs_dmft(g, s_max=20.0, n=n)
        s, d = res.lags, res.autocorrelation
        h = s[1] - s[0]
        u = g * g * _tabulated_average(_sech2, res.variance)(d)
        mode = np.gradient(d, h, edge_order=2)
        diag, off = schrodinger_operator(u, s)
        hm = diag * mode
        hm[:-1] += off * mode[1:]
        hm[1:] += off * mode[:-1]
        inner = slice(5, -5)
        errs.append(np.max(np.abs(hm[inner])) / np.max(np.abs(mode)))
    assert errs[0] < 1e-2
    assert 3.0 < errs[0] / errs[1] < 5.0  # second order


@pytest.mark.parametrize("g", [1.5, 2.0, 3.0])
def test_lambda_max_two_methods_agree(g, potential_solutions):
    res = potential_solutions[g]
    a = scs_lambda_max(g, result=res, method="schrodinger")
    b = scs_lambda_max(g, result=res, method="bisection")
    assert a > 0
    assert abs(a - b) < 1e-4


def test_lambda_max_increases_with_g(potential_solutions):
    lams = [scs_lambda_max(g, result=potential_solutions[g]) for g in (1.5, 2.0, 3.0)]
    assert 0 < lams[0] < lams[1] < lams[2]
    # chaos is slower than the linear instability of the origin: 0 < lambda < g - 1
    assert all(lam < g - 1 for lam, g in zip(lams, (1.5, 2.0, 3.0)))


def test_tau_scaling(potential_solutions):
    res1 = potential_solutions[2.0]
    res3 = scs_dmft(2.0, tau=3.0)
    assert np.allclose(res3.lags, 3.0 * res1.lags)
    assert np.allclose(res3.autocorrelation, res1.autocorrelation, atol=1e-12)
    assert res3.relaxation_time == pytest.approx(3.0 * res1.relaxation_time, rel=1e-12)
    lam1 = scs_lambda_max(2.0, result=res1)
    lam3 = scs_lambda_max(2.0, tau=3.0, result=res3)
    assert lam3 == pytest.approx(lam1 / 3.0, rel=1e-10)


def test_non_convergence_raises_with_diagnostics():
    with pytest.raises(DMFTConvergenceError) as info:
        scs_dmft(2.0, method="iteration", max_iter=2, s_max=20.0, n=201)
    diag = info.value.diagnostics
    assert diag["iterations"] == 2
    assert len(diag["residuals"]) == 2 and all(r > 0 for r in diag["residuals"])
    assert "damping" in str(info.value)


def test_bad_input():
    with pytest.raises(ValueError, match="g"):
        scs_variance(-1.0)
    with pytest.raises(TypeError, match="g"):
        scs_dmft("2")
    with pytest.raises(ValueError, match="tau"):
        scs_dmft(2.0, tau=0.0)
    with pytest.raises(ValueError, match="method"):
        scs_dmft(2.0, method="newton")
    with pytest.raises(ValueError, match="n must be"):
        scs_dmft(2.0, n=100)
    with pytest.raises(ValueError, match="damping"):
        scs_dmft(2.0, damping=1.5)
    with pytest.raises(ValueError, match="method"):
        scs_lambda_max(2.0, method="power")
    with pytest.raises(TypeError, match="result"):
        scs_lambda_max(2.0, result=np.zeros(3))
    other = DMFTResult(lags=[0.0, 1.0], autocorrelation=[1.0, 0.5], variance=1.0, params={"g": 3.0, "tau": 1.0})
    with pytest.raises(ValueError, match="g=3"):
        scs_lambda_max(2.0, result=other)
