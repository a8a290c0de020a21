"""Science tests for the Gaussian quadratures and result types of gatebook.meanfield (chapter 9)."""

import numpy as np
import pytest
from scipy.special import erfc

from gatebook.meanfield import DMFTConvergenceError, DMFTResult
from gatebook.meanfield.quadrature import correlated_average, gate, gate_slope, gaussian_average


def tanh_slope(x):
    return 1.0 - np.tanh(x) ** 2


# ---------------------------------------------------------------- single averages


@pytest.mark.parametrize("method,rel", [("hermite", 1e-12), ("grid", 1e-10)])
def test_gaussian_moments_are_exact(method, rel):
    # Gauss-Hermite is exact for polynomials; the grid loses the mass beyond 8 s.d. (~1e-12 for x^4)
    for v in (0.3, 1.0, 4.0):
        assert gaussian_average(lambda x: x**2, v, method=method) == pytest.approx(v, rel=rel)
        assert gaussian_average(lambda x: x**4, v, method=method) == pytest.approx(3 * v**2, rel=rel)
    assert gaussian_average(lambda x: x, 2.0, mean=0.7, method=method) == pytest.approx(0.7, rel=1e-12)
    assert gaussian_average(lambda x: x**2, 0.0, mean=1.5, method=method) == pytest.approx(2.25, rel=1e-14)


def test_average_is_vectorised_over_variance():
    v = np.array([[0.5, 1.0], [2.0, 9.0]])
    for method in ("grid", "hermite"):
        out = gaussian_average(np.tanh, v, mean=0.3, method=method)
        assert out.shape == v.shape
        for idx in np.ndindex(v.shape):
            single = gaussian_average(np.tanh, float(v[idx]), mean=0.3, method=method)
            assert out[idx] == pytest.approx(single, abs=1e-15)
    # auto chooses one rule for the whole array (by the largest variance): the grid here
    np.testing.assert_array_equal(gaussian_average(np.tanh, v), gaussian_average(np.tanh, v, method="grid"))


@pytest.mark.parametrize("v", [0.5, 2.0, 9.0])
def test_stein_identity_for_tanh(v):
    # E[x tanh x] = v E[tanh'(x)] (Gaussian integration by parts)
    lhs = gaussian_average(lambda x: x * np.tanh(x), v, method="grid")
    rhs = v * gaussian_average(tanh_slope, v, method="grid")
    assert lhs == pytest.approx(rhs, rel=1e-12)
    # auto mode (sharpness 2 for tanh) is as good
    auto = gaussian_average(lambda x: x * np.tanh(x), v) - v * gaussian_average(tanh_slope, v)
    assert abs(auto) < 1e-12 * lhs


def test_hermite_is_used_only_where_it_is_accurate_for_tanh():
    # 80-point Gauss-Hermite vs the doubled grid: fine for sqrt(v) <= 1 (where auto uses it),
    # visibly wrong at sqrt(v) = 3 (tanh = 2 sigma(2x) - 1 is a gate of gain 2)
    sq = lambda x: np.tanh(x) ** 2  # noqa: E731
    for v in (0.25, 0.64, 1.0):
        ref = gaussian_average(sq, v, method="grid", n=1921)
        assert abs(gaussian_average(sq, v, method="hermite") - ref) < 1e-9
        assert gaussian_average(sq, v) == gaussian_average(sq, v, method="hermite")
    ref = gaussian_average(sq, 9.0, method="grid", n=1921)
    assert abs(gaussian_average(sq, 9.0, method="hermite") - ref) > 1e-4
    assert abs(gaussian_average(sq, 9.0) - ref) < 1e-13


@pytest.mark.parametrize("alpha", [1.0, 10.0, 50.0])
def test_unbiased_gate_is_half_open_on_average(alpha):
    # sigma(u) + sigma(-u) = 1 and x -> -x symmetry give E[sigma(alpha x)] = 1/2 exactly
    for method in ("auto", "grid", "hermite"):
        assert gaussian_average(lambda x: gate(x, alpha, 0.0), 1.7, method=method, sharpness=alpha) == pytest.approx(
            0.5, abs=1e-14
        )


def test_sharp_gate_tends_to_the_step_probability():
    v, theta = 1.3, 0.4
    step = 0.5 * erfc(theta / np.sqrt(2 * v))  # P(x > theta)
    errors = []
    for alpha in (30.0, 100.0, 1000.0):
        avg = gaussian_average(lambda x: gate(x, alpha, alpha * theta), v, sharpness=alpha)
        errors.append(abs(avg - step))
    assert errors[-1] < 1e-5
    # the smoothing error is O(1/alpha^2): it shrinks by about (alpha ratio)^2
    assert errors[0] > errors[1] > errors[2]
    assert errors[0] / errors[1] == pytest.approx((100 / 30) ** 2, rel=0.1)


def test_sharp_gate_hermite_is_wrong_while_grid_converges_by_doubling():
    # the pitfall of the science note (section 4.5): alpha * sqrt(v) = 50
    alpha, beta, v = 50.0, 0.7, 1.0
    slope = lambda x: gate_slope(x, alpha, beta)  # noqa: E731
    hermite = gaussian_average(slope, v, method="hermite")
    grids = [gaussian_average(slope, v, method="grid", n=n) for n in (961, 1921, 3841)]
    assert abs(grids[1] - grids[0]) < 1e-8 and abs(grids[2] - grids[1]) < 1e-12
    assert abs(hermite - grids[-1]) > 0.1 * grids[-1]
    # auto mode with the sharpness hint picks the converged grid rule
    assert gaussian_average(slope, v, sharpness=alpha) == pytest.approx(grids[-1], rel=1e-12)
    # Stein's identity E[x sigma(x)] = v E[sigma'(x)] holds on the grid, fails with Gauss-Hermite
    stein = lambda method: gaussian_average(lambda x: x * gate(x, alpha, beta), v, method=method, sharpness=alpha) - v * gaussian_average(slope, v, method=method, sharpness=alpha)  # noqa: E731
    assert abs(stein("grid")) < 1e-12
    assert abs(stein("hermite")) > 0.1


# ---------------------------------------------------------------- correlated averages

F = np.tanh


def G(x):
    return gate(x, 2.0, 0.5)


@pytest.mark.parametrize("method", ["hermite", "grid"])
def test_correlated_average_limits(method):
    v = 1.7
    kw = dict(method=method)
    # c = 1: the same variable
    assert correlated_average(F, G, v, 1.0, **kw) == pytest.approx(gaussian_average(lambda x: F(x) * G(x), v, **kw), rel=1e-12)
    # c = 0: independent variables, the means are not subtracted
    assert correlated_average(F, G, v, 0.0, mean=0.4, **kw) == pytest.approx(
        gaussian_average(F, v, mean=0.4, **kw) * gaussian_average(G, v, mean=0.4, **kw), rel=1e-12
    )
    # c = -1: y = -x; for odd f this is -E[f^2]
    assert correlated_average(F, F, v, -1.0, **kw) == pytest.approx(-gaussian_average(lambda x: F(x) ** 2, v, **kw), rel=1e-12)
    assert correlated_average(F, G, v, -1.0, **kw) == pytest.approx(gaussian_average(lambda x: F(x) * G(-x), v, **kw), rel=1e-12)


def test_correlated_average_is_symmetric_and_vectorised():
    c = np.linspace(-1, 1, 21).reshape(3, 7)
    fg = correlated_average(F, G, 0.9, c)
    gf = correlated_average(G, F, 0.9, c)
    assert fg.shape == c.shape
    np.testing.assert_allclose(fg, gf, rtol=1e-12, atol=1e-15)
    assert fg[1, 3] == pytest.approx(correlated_average(F, G, 0.9, float(c[1, 3])), rel=1e-14)


@pytest.mark.parametrize("f", [np.tanh, lambda x: gate(x, 2.5, 1.0)], ids=["tanh", "gate"])
def test_correlation_function_is_positive_definite(f):
    # for any correlation matrix R, the matrix C_f(R_ij) = E[f(x_i) f(x_j)] is a Gram matrix
    rng = np.random.default_rng(0)
    U = rng.standard_normal((8, 5))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    R = U @ U.T
    M = correlated_average(f, f, 0.5, R, sharpness=2.5)
    np.testing.assert_allclose(M, M.T, atol=1e-15)
    eig = np.linalg.eigvalsh(M)
    assert eig.min() > -1e-12 * eig.max()
    # and C_f(c) is non-decreasing on [0, 1] (a power series in c with non-negative coefficients)
    assert np.all(np.diff(correlated_average(f, f, 0.5, np.linspace(0, 1, 41), sharpness=2.5)) > 0)


def test_hermite_and_grid_agree_for_smooth_functions():
    c = np.linspace(-1, 1, 11)
    h = correlated_average(F, G, 1.2, c, method="hermite")
    g = correlated_average(F, G, 1.2, c, method="grid")
    np.testing.assert_allclose(h, g, rtol=1e-6, atol=1e-9)


def test_correlated_average_matches_monte_carlo():
    rng = np.random.default_rng(1)
    v, mean, m = 1.5, 0.2, 200_000
    for c in (-0.6, 0.3, 0.9):
        cov = v * np.array([[1.0, c], [c, 1.0]])
        xy = mean + rng.standard_normal((m, 2)) @ np.linalg.cholesky(cov).T
        prod = F(xy[:, 0]) * G(xy[:, 1])
        se = prod.std(ddof=1) / np.sqrt(m)
        theory = correlated_average(F, G, v, c, mean=mean)
        assert abs(prod.mean() - theory) < 4 * se, (c, prod.mean(), theory, se)


def test_sharp_gate_correlated_average_converges_by_doubling():
    f = lambda x: gate(x, 40.0, 8.0)  # noqa: E731  threshold at x = 0.2
    c = np.array([-0.5, 0.5, 0.95])
    runs = {n: correlated_average(f, f, 1.0, c, method="grid", n=n) for n in (61, 121, 241, 481, 961)}
    changes = [np.max(np.abs(runs[2 * n - 1] - runs[n])) for n in (61, 121, 241, 481)]
    # an under-resolved grid (spacing 5x the gate width 1/40) is visibly off, and every doubling
    # shrinks the change by orders of magnitude until rounding (exponential convergence)
    assert changes[0] > 1e-5
    assert all(b < 0.1 * a or b < 1e-13 for a, b in zip(changes, changes[1:]))
    assert changes[-1] < 1e-13
    # the default (auto) grid for this sharpness is already converged
    np.testing.assert_allclose(correlated_average(f, f, 1.0, c, sharpness=40.0), runs[961], atol=1e-13)
    # the c = 1 end equals the single average of f^2 (here E[f^2] -> P(x > 0.2) for a step)
    assert correlated_average(f, f, 1.0, 1.0, sharpness=40.0) == pytest.approx(
        gaussian_average(lambda x: f(x) ** 2, 1.0, sharpness=40.0), rel=1e-12
    )


def test_gate_helpers():
    x = np.linspace(-3, 3, 13)
    alpha, beta = 2.5, 0.8
    eps = 1e-6
    fd = (gate(x + eps, alpha, beta) - gate(x - eps, alpha, beta)) / (2 * eps)
    np.testing.assert_allclose(gate_slope(x, alpha, beta), fd, rtol=1e-7, atol=1e-9)
    assert gate(beta / alpha, alpha, beta) == pytest.approx(0.5)
    assert np.all(np.isfinite(gate(np.array([-1e5, 1e5]), 100.0, 0.0)))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="variance"):
        gaussian_average(np.tanh, -1.0)
    with pytest.raises(TypeError, match="f must be"):
        gaussian_average(3.0, 1.0)
    with pytest.raises(ValueError, match="method"):
        gaussian_average(np.tanh, 1.0, method="simpson")
    with pytest.raises(TypeError, match="n must"):
        gaussian_average(np.tanh, 1.0, n=2.5)
    with pytest.raises(ValueError, match="c must lie"):
        correlated_average(np.tanh, np.tanh, 1.0, np.array([0.2, 1.5]))
    with pytest.raises(ValueError, match="sharpness"):
        gaussian_average(np.tanh, 1.0, sharpness=-1.0)


# ---------------------------------------------------------------- result types


def test_relaxation_time_of_an_exponential():
    tau, s = 2.5, np.linspace(-60, 60, 4801)
    res = DMFTResult(s, 0.3 + 1.2 * np.exp(-np.abs(s) / tau), variance=1.5)
    assert res.relaxation_time == pytest.approx(tau, rel=1e-3)
    assert "chaotic" in str(res) and "1.5" in str(res)
    assert np.isnan(DMFTResult(s, np.zeros_like(s), 0.0, branch="quiescent").relaxation_time)
    # a linear decay to the last lag: Delta(s) - Delta(inf) falls to 1/e at s = 60 (1 - 1/e)
    assert DMFTResult(s, 2.0 - 1e-3 * np.abs(s), 2.0).relaxation_time == pytest.approx(60 * (1 - np.exp(-1)), rel=1e-9)


def test_result_validation():
    with pytest.raises(ValueError, match="autocorrelation"):
        DMFTResult(np.arange(5.0), np.ones(4), 1.0)
    with pytest.raises(ValueError, match="branch"):
        DMFTResult(np.arange(5.0), np.ones(5), 1.0, branch="stable")


def test_convergence_error_carries_diagnostics():
    err = DMFTConvergenceError("test iteration", iterations=7, residuals=[1.0, 0.5, 0.25], last={"variance": 1.2})
    assert isinstance(err, RuntimeError)
    assert err.diagnostics["iterations"] == 7
    assert err.diagnostics["residuals"] == (1.0, 0.5, 0.25)
    assert err.diagnostics["last"] == {"variance": 1.2}
    assert "damping" in str(err) and "0.25" in str(err)


def test_constant_functions_are_broadcast():
    # a constant f averages to itself; E[2 tanh(y)] = 0 for every correlation
    np.testing.assert_allclose(gaussian_average(lambda x: 1.0, [0.5, 2.0]), 1.0, rtol=1e-14)
    np.testing.assert_allclose(correlated_average(lambda x: 2.0, np.tanh, 1.0, [-1.0, 0.1, 1.0]), 0.0, atol=1e-15)


# ---------------------------------------------------------------- bad input (issue 13)


@pytest.mark.parametrize("fn", [gate, gate_slope])
def test_gate_refuses_bad_input_naming_the_argument(fn):
    # gate(None, ...) used to return nan
    with pytest.raises(TypeError, match=r"\bx\b"):
        fn(None, 1.0, 0.0)
    with pytest.raises(ValueError, match=r"\bx\b"):
        fn([0.0, np.nan], 1.0, 0.0)
    with pytest.raises(ValueError, match="alpha"):
        fn(0.5, np.inf, 0.0)
    with pytest.raises(ValueError, match="beta"):
        fn(0.5, 1.0, np.nan)


def test_correlation_profile_and_variance_checks_name_the_argument():
    from gatebook.meanfield.quadrature import check_variance, correlation_profile

    with pytest.raises(ValueError, match="autocorrelation"):
        correlation_profile(np.tanh, 1.0)  # a scalar is not a lag profile (was an IndexError)
    with pytest.raises(TypeError, match=r"\bvariance\b"):
        gaussian_average(np.tanh, "abc")  # was float('abc')'s error
    with pytest.raises(ValueError, match=r"\bdelta\b"):
        check_variance(-1.0, "delta")
