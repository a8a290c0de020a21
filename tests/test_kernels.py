"""Chapter 2 science: the leaky integrator's memory kernel, its lag-resolved gradient and the EMA identity."""

import doctest
import math

import numpy as np
import pytest
import torch

from gatebook.learning import LeakyRNN, MultiGateRNN, PlainRNN, jacobian_products, propagator
from gatebook.learning import kernels as K

F64 = torch.float64


def _batch(B=5, T=12, m=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    u = torch.rand(B, T, m, generator=gen, dtype=F64) - 0.3
    y = torch.randn(B, 1, generator=gen, dtype=F64)
    return u, y


# ---------------------------------------------------------------------------
# closed forms
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.05, 0.3, 0.8, 1.0])
def test_impulse_response_matches_the_recursion(alpha):
    # independent computation: run x_t = (1 - a) x_{t-1} + a I_t on a unit pulse
    L = 25
    x, out = 0.0, []
    for t in range(L + 1):
        x = (1 - alpha) * x + alpha * (1.0 if t == 0 else 0.0)
        out.append(x)
    np.testing.assert_allclose(K.impulse_response(alpha, L), out, rtol=1e-13, atol=0)


def test_impulse_response_is_vectorised_over_alpha_and_sums_to_one():
    alphas = np.array([0.1, 0.5, 1.0])
    r = K.impulse_response(alphas, 400)
    assert r.shape == (3, 401)
    for a, row in zip(alphas, r):
        np.testing.assert_allclose(row, K.impulse_response(a, 400), rtol=0, atol=0)
    # a geometric series: the total response to a unit pulse is 1 - (1-a)^(L+1)
    np.testing.assert_allclose(r.sum(axis=1), 1 - (1 - alphas) ** 401, rtol=1e-12)
    np.testing.assert_array_equal(r[2], np.r_[1.0, np.zeros(400)])


@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.37, 0.9])
def test_half_life_halves_the_response(alpha):
    hl = K.half_life(alpha)
    assert alpha * (1 - alpha) ** hl == pytest.approx(alpha / 2, rel=1e-12)
    # the integer lags on either side bracket one half of the initial response
    r = K.impulse_response(alpha, math.ceil(hl) + 1) / alpha
    assert r[math.floor(hl)] >= 0.5 >= r[math.ceil(hl)]


def test_half_life_limits():
    assert K.half_life(0.5) == pytest.approx(1.0, rel=1e-14)
    assert K.half_life(1.0) == 0.0
    a = 1e-3  # slow leak: ln2 / alpha up to a relative O(alpha) correction
    assert K.half_life(a) == pytest.approx(math.log(2) / a, rel=a)
    np.testing.assert_allclose(K.half_life([0.5, 1.0]), [1.0, 0.0], rtol=1e-14)


@pytest.mark.parametrize("beta", [0.0, 0.2, 0.9, 0.99])
def test_ema_kernel_is_the_momentum_buffer(beta):
    # independent computation: the weight an EMA buffer gives to the gradient l iterations back
    L = 30
    m, weights = 0.0, []
    for s in range(L + 1):
        m = beta * m + (1 - beta) * (1.0 if s == 0 else 0.0)
        weights.append(m)
    np.testing.assert_allclose(K.ema_kernel(beta, L), weights, rtol=1e-13, atol=0)


@pytest.mark.parametrize("alpha", [0.05, 0.2, 0.5, 0.8, 1.0])
def test_ema_kernel_with_beta_one_minus_alpha_is_the_impulse_response(alpha):
    np.testing.assert_allclose(K.ema_kernel(1 - alpha, 50), K.impulse_response(alpha, 50), rtol=1e-14, atol=0)


def test_lag_cutoff_against_brute_force():
    lags = np.arange(2000)
    for alpha in [0.01, 0.05, 0.1, 0.15, 0.3, 0.5, 0.9, 1.0]:
        for f in [0.5, 0.1, 0.01, 1e-3]:
            brute = int(np.argmax((1 - alpha) ** lags < f))
            assert K.lag_cutoff(alpha, f) == brute, (alpha, f)
    assert K.lag_cutoff(0.5, 0.25) == 3  # 0.5**2 == 0.25 is not *below* 0.25
    assert K.lag_cutoff(0.3, 1.0) == 1
    np.testing.assert_array_equal(K.lag_cutoff([0.5, 1.0], 0.1), [4, 1])


def test_norm_bounds_closed_form():
    lower, upper = K.norm_bounds(0.2, 1.5, 4)
    np.testing.assert_allclose(upper, 1.1 ** np.arange(5), rtol=1e-14)
    np.testing.assert_allclose(lower, 0.5 ** np.arange(5), rtol=1e-14)
    lower, upper = K.norm_bounds(0.8, 0.5, 3)  # 1 - a = 0.2 < a * rho = 0.4: no lower bound
    assert np.all(np.isnan(lower))
    np.testing.assert_allclose(upper, 0.6 ** np.arange(4), rtol=1e-14)


# ---------------------------------------------------------------------------
# Jacobian products of the leaky cell
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.1, 0.6])
@pytest.mark.parametrize("nonlinearity", ["tanh", "linear"])
def test_no_recurrence_gives_carry_powers_times_identity(alpha, nonlinearity):
    cell = K.leaky_cell(alpha, input_size=3, hidden_size=6, recurrence=0.0, nonlinearity=nonlinearity, seed=2)
    u, _ = _batch(B=3, T=10)
    J = cell.state_jacobians(u)
    eye = torch.eye(6, dtype=F64)
    for t, k in [(10, 0), (7, 2), (5, 4), (3, 3)]:
        expected = (1 - alpha) ** (t - k) * eye
        torch.testing.assert_close(propagator(J, t, k), expected.expand(3, 6, 6), rtol=0, atol=1e-12)
    prods = jacobian_products(J, 10)
    for h in prods.lags:  # every singular value of every product is (1 - alpha)^h
        torch.testing.assert_close(prods.log_singular_values[h - 1],
                                   torch.full_like(prods.log_singular_values[h - 1], h * math.log(1 - alpha)),
                                   rtol=0, atol=1e-12)
    sens = K.lag_sensitivity(cell, u)
    np.testing.assert_allclose(sens.median, sens.geometric, rtol=1e-12, atol=0)
    np.testing.assert_allclose(sens.minimum, sens.maximum, rtol=1e-12, atol=0)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("alpha", [0.1, 0.25])
def test_every_product_norm_lies_within_the_bounds(seed, alpha):
    cell = K.leaky_cell(alpha, input_size=3, hidden_size=10, recurrence=1.5, seed=seed)
    u, _ = _batch(B=3, T=20, seed=seed)
    sens = K.lag_sensitivity(cell, u)
    rho = float(torch.linalg.matrix_norm(cell.W_r.detach(), ord=2))
    assert sens.weight_norm == pytest.approx(rho, rel=1e-12)
    assert 1 - alpha > alpha * rho  # the regime where the lower bound is informative
    lower, upper = sens.bounds
    assert np.all(np.isfinite(lower))
    assert np.all(sens.minimum >= lower * (1 - 1e-10))
    assert np.all(sens.maximum <= upper * (1 + 1e-10))
    # recurrence matters here: the products are not the carry powers
    assert np.max(np.abs(np.log(sens.median[1:] / sens.geometric[1:]))) > 0.1


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_norm_bounds_are_attained_by_a_scaled_identity(sign):
    # linear cell with W_rec = +-rho * 1: every Jacobian is (1 - a +- a rho) 1, so S(l) equals a bound
    alpha, rho = 0.3, 0.8
    cell = K.leaky_cell(alpha, input_size=2, hidden_size=5, nonlinearity="linear", seed=0)
    with torch.no_grad():
        cell.W_r.copy_(sign * rho * torch.eye(5, dtype=F64))
    u, _ = _batch(B=2, T=15, m=2)
    sens = K.lag_sensitivity(cell, u)
    lower, upper = sens.bounds
    np.testing.assert_allclose(sens.maximum, upper if sign > 0 else lower, rtol=1e-12)


# ---------------------------------------------------------------------------
# the gradient split by lag
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.2, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_linear_no_recurrence_lag_weights_are_the_ema_kernel(alpha, seed):
    cell = K.leaky_cell(alpha, input_size=3, hidden_size=7, recurrence=0.0, nonlinearity="linear", seed=seed)
    u, y = _batch(B=6, T=20, seed=seed + 10)
    lg = K.lag_gradients(cell, u, y)
    kernel = K.ema_kernel(1 - alpha, 19)
    np.testing.assert_allclose(K.lag_weights(lg), kernel, rtol=0, atol=1e-12)
    np.testing.assert_allclose(K.lag_weights(lg), K.impulse_response(alpha, 19), rtol=0, atol=1e-12)
    # delta_T from the closed-form MSE derivative, independent of autograd
    with torch.no_grad():
        pred = cell(u)
    delta_T = (2.0 / u.shape[0]) * (pred - y) @ cell.W_o.detach()
    torch.testing.assert_close(lg.output_credit, delta_T, rtol=0, atol=1e-13)
    # the whole structure, not just the norms: credit(l) = a (1-a)^l delta_T, contribution(l) = credit(l) I_{T-l}^T
    for ell in range(20):
        torch.testing.assert_close(lg.credit[:, ell], alpha * (1 - alpha) ** ell * delta_T, rtol=0, atol=1e-12)
        expected = alpha * (1 - alpha) ** ell * delta_T.T @ u[:, 19 - ell]
        torch.testing.assert_close(lg.contributions[ell], expected, rtol=0, atol=1e-12)


def test_lag_weight_normalisations():
    alpha = 0.3
    cell = K.leaky_cell(alpha, input_size=3, hidden_size=4, recurrence=0.0, nonlinearity="linear", seed=3)
    u, y = _batch(B=4, T=15)
    lg = K.lag_gradients(cell, u, y)
    np.testing.assert_allclose(K.lag_weights(lg, normalize="first"), (1 - alpha) ** np.arange(15), rtol=1e-12)
    kernel = K.ema_kernel(1 - alpha, 14)
    np.testing.assert_allclose(K.lag_weights(lg, normalize="sum"), kernel / kernel.sum(), rtol=1e-12)
    c = K.lag_weights(lg, of="contribution", normalize="sum")
    assert c.sum() == pytest.approx(1.0, rel=1e-12)
    direct = torch.linalg.matrix_norm(lg.contributions).numpy()
    np.testing.assert_allclose(K.lag_weights(lg, of="contribution", normalize="first"), direct / direct[0], rtol=1e-12)


def test_per_neuron_leaks_give_one_kernel_per_neuron():
    alphas = torch.tensor([0.1, 0.4, 0.9], dtype=F64)
    cell = K.leaky_cell(alphas, input_size=2, hidden_size=3, recurrence=0.0, nonlinearity="linear", seed=0)
    u, y = _batch(B=3, T=10, m=2)
    lg = K.lag_gradients(cell, u, y)
    kernel = torch.as_tensor(K.impulse_response(alphas.numpy(), 9), dtype=F64)  # (neuron, lag)
    torch.testing.assert_close(lg.credit, lg.output_credit[:, None, :] * kernel.T[None], rtol=0, atol=1e-12)


@pytest.mark.parametrize("parameter", ["W_i", "W_r"])
@pytest.mark.parametrize("make", [
    lambda: K.leaky_cell(0.3, input_size=3, hidden_size=6, recurrence=2.0, seed=1),
    lambda: PlainRNN(3, 6, seed=2, dtype=F64),
    lambda: MultiGateRNN(3, 6, seed=3, dtype=F64),
])
def test_lag_contributions_sum_to_the_autograd_gradient(parameter, make):
    cell = make()
    u, y = _batch(B=4, T=9)
    lg = K.lag_gradients(cell, u, y, parameter=parameter)
    assert lg.contributions.shape == (9,) + tuple(getattr(cell, parameter).shape)
    torch.testing.assert_close(lg.total, K.loss_gradient(cell, u, y, parameter=parameter), rtol=1e-12, atol=1e-14)
    # the independent route: .backward() on the ordinary forward pass
    cell.zero_grad()
    torch.mean((cell(u) - y) ** 2).backward()
    torch.testing.assert_close(lg.total, getattr(cell, parameter).grad, rtol=1e-12, atol=1e-14)
    with torch.no_grad():
        assert lg.loss == pytest.approx(float(torch.mean((cell(u) - y) ** 2)), rel=1e-14)


def test_tanh_gradient_matches_finite_differences():
    cell = K.leaky_cell(0.4, input_size=3, hidden_size=5, recurrence=1.5, seed=4)
    with torch.no_grad():
        cell.W_i.mul_(3.0)  # drive tanh out of its linear range
    u, y = _batch(B=3, T=8)
    grad = K.lag_gradients(cell, u, y).total

    def loss():
        with torch.no_grad():
            return float(torch.mean((cell(u) - y) ** 2))

    eps = 1e-6
    fd = torch.zeros_like(grad)
    for i in range(grad.shape[0]):
        for j in range(grad.shape[1]):
            with torch.no_grad():
                cell.W_i[i, j] += eps
            up = loss()
            with torch.no_grad():
                cell.W_i[i, j] -= 2 * eps
            down = loss()
            with torch.no_grad():
                cell.W_i[i, j] += eps
            fd[i, j] = (up - down) / (2 * eps)
    torch.testing.assert_close(grad, fd, rtol=1e-6, atol=1e-9)


def test_credit_is_the_transposed_jacobian_product_formula():
    # credit(l) = gamma * phi'(a_{T-l}) * Phi(T, T-l)^T delta_T, with Phi from the explicit Jacobians
    alpha = 0.35
    cell = K.leaky_cell(alpha, input_size=3, hidden_size=5, recurrence=1.2, seed=5)
    u, y = _batch(B=2, T=7)
    lg = K.lag_gradients(cell, u, y)
    r = cell.rollout(u)
    J = cell.jacobians_from_rollout(r).detach()
    dphi = 1 - r["candidate"].detach() ** 2
    T = 7
    for ell in range(T):
        k = T - ell  # 1-based step; its array index is k - 1
        Phi = propagator(J, T, k)
        expected = alpha * dphi[:, k - 1] * torch.einsum("bij,bi->bj", Phi, lg.output_credit)
        torch.testing.assert_close(lg.credit[:, ell], expected, rtol=1e-12, atol=1e-14)


def test_measured_lag_weights_shorthand():
    u, y = _batch(B=3, T=8)
    np.testing.assert_allclose(K.measured_lag_weights(0.45, u, y), K.ema_kernel(0.55, 7), rtol=0, atol=1e-14)
    tanh = K.measured_lag_weights(0.45, u, y, recurrence=1.0, nonlinearity="tanh")
    assert tanh.shape == (8,) and np.all(tanh > 0)


def test_pulse_response_of_a_leaky_network():
    lin = K.leaky_cell(0.3, input_size=2, hidden_size=4, recurrence=0.0, nonlinearity="linear", seed=0)
    np.testing.assert_allclose(K.pulse_response(lin, 20, amplitude=2.5, channel=1), K.impulse_response(0.3, 20),
                               rtol=1e-12)
    # tanh without recurrence: a small pulse stays in the linear range of tanh
    tanh = K.leaky_cell(0.3, input_size=2, hidden_size=4, recurrence=0.0, seed=0)
    np.testing.assert_allclose(K.pulse_response(tanh, 20, amplitude=1e-3), K.impulse_response(0.3, 20), rtol=1e-5)
    # ... and a large one does not (saturation shrinks the write)
    big = K.pulse_response(tanh, 5, amplitude=20.0)
    assert big[0] < 0.5 * 0.3


def test_doctests():
    result = doctest.testmod(K, verbose=False)
    assert result.attempted >= 8 and result.failed == 0


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [0.0, -0.1, 1.5, float("nan"), float("inf"), [0.5, 0.0], [[0.5]]])
def test_bad_alpha_is_rejected(alpha):
    for fn in (lambda: K.impulse_response(alpha, 5), lambda: K.half_life(alpha), lambda: K.lag_cutoff(alpha)):
        with pytest.raises(ValueError, match="alpha"):
            fn()


@pytest.mark.parametrize("alpha", [True, "0.5", None])
def test_non_numeric_alpha_is_a_type_error(alpha):
    with pytest.raises(TypeError, match="alpha"):
        K.impulse_response(alpha, 5)


@pytest.mark.parametrize("max_lag, err", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (None, TypeError)])
def test_bad_max_lag(max_lag, err):
    for fn in (K.impulse_response, K.ema_kernel):
        with pytest.raises(err, match="max_lag"):
            fn(0.5, max_lag)
    with pytest.raises(err, match="max_lag"):
        K.norm_bounds(0.5, 1.0, max_lag)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="beta"):
        K.ema_kernel(1.0, 5)
    with pytest.raises(ValueError, match="beta"):
        K.ema_kernel(-0.1, 5)
    with pytest.raises(ValueError, match="fraction"):
        K.lag_cutoff(0.5, 0.0)
    with pytest.raises(ValueError, match="fraction"):
        K.lag_cutoff(0.5, 1.5)
    with pytest.raises(ValueError, match="weight_norm"):
        K.norm_bounds(0.5, -1.0, 3)
    with pytest.raises(ValueError, match="alpha"):
        K.norm_bounds([0.2, 0.3], 1.0, 3)
    with pytest.raises(ValueError, match="recurrence"):
        K.leaky_cell(0.5, recurrence=-1.0)


def test_bad_network_inputs():
    cell = K.leaky_cell(0.5, input_size=3, hidden_size=4, seed=0)
    u, y = _batch(B=2, T=5)
    with pytest.raises(ValueError, match="inputs"):
        K.lag_gradients(cell, u[..., :2], y)
    with pytest.raises(TypeError, match="inputs"):
        K.lag_gradients(cell, u.numpy(), y)
    bad = u.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        K.lag_gradients(cell, bad, y)
    with pytest.raises(ValueError, match="targets"):
        K.lag_gradients(cell, u, y[:1])
    with pytest.raises(TypeError, match="targets"):
        K.lag_gradients(cell, u, [[0.0], [1.0]])
    with pytest.raises(ValueError, match="parameter"):
        K.lag_gradients(cell, u, y, parameter="W_o")
    with pytest.raises(TypeError, match="cell"):
        K.lag_gradients("cell", u, y)
    lg = K.lag_gradients(cell, u, y)
    with pytest.raises(ValueError, match="of"):
        K.lag_weights(lg, of="weights")
    with pytest.raises(ValueError, match="normalize"):
        K.lag_weights(lg, normalize="max")
    with pytest.raises(ValueError, match="output"):
        K.lag_weights(lg, of="contribution", normalize="output")
    with pytest.raises(TypeError, match="LagGradients"):
        K.lag_weights(np.ones(3))
    with pytest.raises(TypeError, match="LeakyRNN"):
        K.lag_sensitivity(PlainRNN(3, 4, seed=0, dtype=F64), u)
    with pytest.raises(TypeError, match="scalar"):
        K.lag_sensitivity(LeakyRNN(3, 2, alpha=torch.tensor([0.2, 0.3]), dtype=F64), u)
    with pytest.raises(ValueError, match="channel"):
        K.pulse_response(cell, 5, channel=3)
    with pytest.raises(ValueError, match="amplitude"):
        K.pulse_response(cell, 5, amplitude=0.0)
    with pytest.raises(ValueError, match="max_lag"):
        K.lag_sensitivity(cell, u, max_lag=0)


def test_measurements_restore_the_torch_thread_setting():
    before = torch.get_num_threads()
    cell = K.leaky_cell(0.3, input_size=3, hidden_size=4, seed=0)
    u, y = _batch(B=2, T=5)
    try:
        torch.set_num_threads(2)
        K.lag_sensitivity(cell, u)
        K.lag_gradients(cell, u, y)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_sizes_and_overflows_are_refused():
    with pytest.raises(ValueError, match="max_lag is too large"):
        K.impulse_response(0.5, 10**12)  # a MemoryError before
    with pytest.raises(ValueError, match="max_lag"):
        K.ema_kernel(0.5, 10**12)
    with pytest.raises(ValueError, match="weight_norm"):
        K.norm_bounds(0.5, 1e300, 3)  # the upper bound overflowed to inf before
    lower, upper = K.norm_bounds(0.5, 10**12, 3)  # legal: the lower bound is uninformative (NaN), as documented
    assert np.isnan(lower).all() and np.isfinite(upper).all()
