"""Per-neuron gates as a diagonal preconditioner (chapter 4): exact cases, first-order check, experiment runner."""

import numpy as np
import pytest
import torch

import gatebook.learning as L
from gatebook.spectra import anisotropy_index, energy_concentration, singular_values
from gatebook.learning import expansion as EC
from gatebook.learning import preconditioning as P
from gatebook.learning.products import jacobian_products, propagator
from gatebook.learning.train import batch_seeds
from gatebook.learning.tasks import make_task

GATES_L7 = np.linspace(0.05, 0.5, 64)  # science note, test L7


# ----------------------------------------------------------------------------------------
# closed forms
# ----------------------------------------------------------------------------------------


def test_carry_products_are_powers_of_the_carry():
    g = np.array([0.1, 0.4, 0.75])
    pi = P.carry_products(g, 5)
    assert pi.shape == (6, 3)
    np.testing.assert_array_equal(pi[0], 1.0)
    for h in range(6):  # independent: repeated multiplication
        np.testing.assert_allclose(pi[h], np.prod(np.tile(1 - g, (h, 1)), axis=0), rtol=1e-14)
    np.testing.assert_allclose(P.carry_products(g, 5, convention="update")[3], g**3, rtol=1e-14)


def test_condition_number_is_the_ratio_of_extreme_rates_and_log_linear():
    g = np.random.default_rng(0).uniform(0.02, 0.9, 20)
    lags = np.arange(0, 31)
    kappa = P.condition_number(g, lags)
    pi = P.carry_products(g, 30)
    np.testing.assert_allclose(kappa, pi.max(axis=1) / pi.min(axis=1), rtol=1e-12)
    slope = np.polyfit(lags, np.log(kappa), 1)[0]
    assert slope == pytest.approx(np.log((1 - g.min()) / (1 - g.max())), rel=1e-12)
    assert kappa[0] == 1.0


def test_frozen_gate_cell_has_constant_gates_and_diagonal_jacobians():
    cell = P.frozen_gate_cell(GATES_L7, 3, seed=1)
    u = torch.rand(2, 7, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    r = cell.rollout(u)
    np.testing.assert_allclose(r["write"].detach().numpy(), np.broadcast_to(GATES_L7, (2, 7, 64)), rtol=0, atol=1e-15)
    J = cell.state_jacobians(u)
    torch.testing.assert_close(J, torch.diag_embed(torch.as_tensor(1 - GATES_L7)).expand(2, 7, 64, 64),
                               rtol=0, atol=1e-15)


@pytest.mark.parametrize("h", [1, 5, 17, 40])
def test_L7_frozen_gates_give_diagonal_products_with_closed_form_spectra(h):
    """Science note L7: g evenly spaced on [0.05, 0.5], n = 64, W_r = W_rg = 0."""
    cell = P.frozen_gate_cell(GATES_L7, 1)
    u = torch.rand(1, 40, 1, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    phi = propagator(cell.state_jacobians(u), 40, 40 - h)[0].numpy()
    c = 1 - GATES_L7
    off = phi - np.diag(np.diag(phi))
    assert np.abs(off).max() == 0.0  # exactly diagonal
    np.testing.assert_allclose(np.diag(phi), c**h, rtol=1e-12)
    s = singular_values(phi, top=16)
    c_sorted = np.sort(c)[::-1]
    assert anisotropy_index(s, 10) == pytest.approx((c_sorted[0] / c_sorted[9]) ** h, rel=1e-12)
    ce_closed = np.sum(c_sorted[:10] ** (2 * h)) / np.sum(c_sorted[:16] ** (2 * h))
    assert energy_concentration(s, 10, top=16) == pytest.approx(ce_closed, rel=1e-12)


def test_preconditioner_condition_measures_the_closed_forms_exactly_without_recurrence():
    lags = np.arange(1, 41)
    res = P.preconditioner_condition(GATES_L7, lags, r=10, batch=2)
    np.testing.assert_allclose(res.measured, res.predicted, rtol=1e-12)
    np.testing.assert_allclose(res.ai_measured, res.ai_predicted, rtol=1e-12)
    np.testing.assert_allclose(res.factors, (1 - GATES_L7)[None, :] ** lags[:, None], rtol=1e-12)
    assert res.measured_log_slope == pytest.approx(res.log_slope, rel=1e-10)
    assert res.log_slope == pytest.approx(np.log(0.95 / 0.5), rel=1e-14)


def test_recurrent_weights_break_the_diagonal_picture():
    lags = np.arange(1, 21)
    exact = P.preconditioner_condition(GATES_L7, lags)
    mixed = P.preconditioner_condition(GATES_L7, lags, recurrent_scale=1.0, seed=2)
    # the product is no longer diagonal, so sigma_1/sigma_N departs from (c_max/c_min)^l
    assert np.max(np.abs(np.log(mixed.measured / exact.predicted))) > 0.1
    # ... and is still a valid condition number
    assert np.all(mixed.measured >= 1.0)


# ----------------------------------------------------------------------------------------
# parameter space: whole rows scaled by one factor
# ----------------------------------------------------------------------------------------


def _linear_frozen(gates, m=3, seed=0):
    return P.frozen_gate_cell(gates, m, nonlinearity="linear", seed=seed)


def test_credit_of_a_linear_frozen_cell_is_u_times_carry_power():
    g = np.linspace(0.05, 0.5, 12)
    cell = _linear_frozen(g)
    data = make_task("adding", 5, T=15, m=3, seed=4, dtype=torch.float64)
    cr = P.credit_by_lag(cell, data.inputs, data.targets)
    with torch.no_grad():
        delta_T = 2 * (cell(data.inputs) - data.targets) * cell.W_o  # (batch, n): dL/dx_T
    expected = g[None, None, :] * (1 - g)[None, None, :] ** np.arange(15)[None, :, None] * delta_T.numpy()[:, None, :]
    np.testing.assert_allclose(cr.credit, expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(cr.relative(), P.carry_products(g, 14), rtol=1e-10)


def test_credit_deviation_is_zero_in_the_exact_case_and_not_with_recurrence():
    g = np.linspace(0.05, 0.5, 16)
    data = make_task("adding", 32, T=25, m=3, seed=2, dtype=torch.float64)
    exact = P.credit_by_lag(_linear_frozen(g), data.inputs, data.targets)
    mixed = P.credit_by_lag(P.frozen_gate_cell(g, 3, recurrent_scale=1.0, seed=1), data.inputs, data.targets)
    assert np.all(exact.deviation(g, [1, 5, 20]) < 1e-10)
    dev = mixed.deviation(g, [1, 20])
    assert dev[1] > 1.0 and dev[1] > 5 * dev[0]  # mixing through W_rec grows with the lag
    with pytest.raises(ValueError, match="below T"):
        exact.deviation(g, [25])
    with pytest.raises(ValueError, match="neurons"):
        exact.deviation(g[:5], [1])


def test_credit_reconstructs_the_input_weight_gradient_row_by_row():
    """dL/dW_in[i, :] = sum_t credit_{t,i} I_t: one factor per row and step (independent autograd pass)."""
    cell = P.frozen_gate_cell(np.linspace(0.1, 0.6, 8), 3, recurrent_scale=1.0, seed=5)
    data = make_task("adding", 4, T=10, m=3, seed=1, dtype=torch.float64)
    cr = P.credit_by_lag(cell, data.inputs, data.targets)
    loss = ((cell(data.inputs) - data.targets) ** 2).sum()
    (g_Wi,) = torch.autograd.grad(loss, cell.W_i)
    credit_time = np.flip(cr.credit, axis=1)  # back to time order
    rebuilt = np.einsum("bti,btj->ij", credit_time, data.inputs.numpy())
    np.testing.assert_allclose(rebuilt, g_Wi.numpy(), rtol=1e-10, atol=1e-13)


# ----------------------------------------------------------------------------------------
# optional diagonal predictor
# ----------------------------------------------------------------------------------------


def test_diagonal_predictor_reduces_to_the_carry_product_for_frozen_gates():
    cell = P.frozen_gate_cell(GATES_L7[::4], 2)
    u = torch.rand(3, 12, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    env = P.diagonal_predictor(cell, u, 10)
    c = 1 - GATES_L7[::4]
    mean_pi = np.array([np.mean(c**h) for h in range(1, 11)])
    for name in ("zeroth", "first_order", "diagonal"):
        np.testing.assert_allclose(getattr(env, name), mean_pi, rtol=1e-12)
    np.testing.assert_allclose(env.exact, [c.max() ** h for h in range(1, 11)], rtol=1e-12)


def test_diagonal_predictor_is_first_order_accurate():
    """Shrinking W_rec and W^u_rec by a factor 10 shrinks |f - prod diag(J)| by about 100."""
    gaps = []
    for scale in (1e-2, 1e-3):
        cell = L.MultiGateRNN(2, 10, seed=0, init="normal", dtype=torch.float64)
        with torch.no_grad():
            cell.W_r.mul_(scale * 10)
            cell.W_rg.mul_(scale * 10)
        u = torch.rand(2, 15, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        env = P.diagonal_predictor(cell, u, 12)
        gaps.append(np.abs(env.first_order - env.diagonal))
        assert gaps[-1][0] <= 1e-15  # one factor: lambda (1 + r / lambda) is exact
    order = np.log10(gaps[0][1:] / gaps[1][1:])
    assert np.all((order > 1.8) & (order < 2.2))


def test_diagonal_predictor_leaky_and_bad_cells():
    cell = L.LeakyRNN(2, 6, alpha=0.3, seed=0, dtype=torch.float64)
    with torch.no_grad():
        cell.W_r.zero_()
    u = torch.rand(1, 8, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    env = P.diagonal_predictor(cell, u)
    np.testing.assert_allclose(env.first_order, 0.7 ** np.arange(1, 9), rtol=1e-12)
    with pytest.raises(TypeError, match="per-neuron carry"):
        P.diagonal_predictor(L.ScalarGateRNN(2, 6, seed=0), u.float())
    with pytest.raises(ValueError, match="alpha < 1"):
        P.diagonal_predictor(L.LeakyRNN(2, 6, alpha=1.0, seed=0, dtype=torch.float64), u)
    with pytest.raises(ValueError, match="max_lag"):
        P.diagonal_predictor(cell, u, 9)


# ----------------------------------------------------------------------------------------
# appB inputs and the first-order check
# ----------------------------------------------------------------------------------------


def test_appB_inputs_are_seeded_sinusoids_plus_noise():
    a = P.appB_inputs(100, 3, seed=7, batch=2)
    assert a.shape == (2, 100, 3) and a.dtype == torch.float64
    torch.testing.assert_close(a, P.appB_inputs(100, 3, seed=7, batch=2), rtol=0, atol=0)
    clean = P.appB_inputs(50, 3, seed=0, phase_std=0.0, noise_std=0.0)[0].numpy()
    t = np.linspace(0, 12, 50)
    np.testing.assert_allclose(clean, np.sin(np.outer(t, np.linspace(0.03, 0.09, 3))), rtol=0, atol=1e-15)
    noisy = P.appB_inputs(400, 3, seed=1, batch=50, phase_std=0.0)
    resid = noisy.numpy() - np.sin(np.outer(np.linspace(0, 12, 400), np.linspace(0.03, 0.09, 3)))
    assert resid.std() == pytest.approx(0.05, rel=0.01)  # 60 000 draws: s.e. of the s.d. ~ 0.3 %


@pytest.fixture(scope="module")
def appb_multi():
    return P.expansion_check("multi", seeds=(0, 1, 2, 3))  # appB settings: T=100, n=64, m=3, float64


def test_expansion_check_slope_two_and_flat_c2_at_appB_settings(appb_multi):
    chk = appb_multi
    assert chk.errors.shape == (4, len(P.APPB_EPS)) and chk.window == (0, 100)
    assert np.all((chk.slopes >= 1.9) & (chk.slopes <= 2.1))
    assert np.all(chk.c2_flatness() < 1.01)  # C2 flat on the five smallest scales


def test_expansion_check_scalar_gate_several_seeds():
    chk = P.expansion_check("scalar", seeds=(0, 1, 2), T=60)
    assert np.all((chk.slopes >= 1.9) & (chk.slopes <= 2.1))
    assert np.all(chk.c2_flatness() < 1.01)


def test_expansion_check_quantities_by_independent_computation(appb_multi):
    chk = appb_multi
    cell = L.MultiGateRNN(3, 64, init="normal", seed=2, dtype=torch.float64)
    u = P.appB_inputs(100, 3, seed=2)
    A, B = L.jacobian_split(cell, u)
    A_np, B_np = A[0].numpy(), B[0].numpy()

    def product(eps):
        out = np.eye(64)
        for j in range(100):
            out = (A_np[j] + eps * B_np[j]) @ out
        return out

    phi0 = product(0.0)
    dphi = (product(1e-6) - product(-1e-6)) / 2e-6  # central difference for the first-order term
    for k, eps in [(-1, 1.0), (-2, 0.3)]:
        E = np.linalg.norm(product(eps) - phi0 - eps * dphi)
        assert chk.errors[2, k] == pytest.approx(E, rel=1e-5)
    # eps = 1 is the model's own Jacobian product
    J = cell.state_jacobians(u)
    change = np.linalg.norm((propagator(J, 100, 0) - propagator(A, 100, 0))[0].numpy())
    assert chk.change[2] == pytest.approx(change, rel=1e-10)
    q = np.linalg.norm(B_np, ord=2, axis=(1, 2)) / np.linalg.norm(A_np, ord=2, axis=(1, 2))
    np.testing.assert_allclose(chk.ratios[2], q, rtol=1e-10)


def test_expansion_check_agrees_with_truncation_error_of_the_expansion_module():
    cell = L.MultiGateRNN(3, 16, init="normal", seed=4, dtype=torch.float64)
    u = P.appB_inputs(40, 3, seed=4, batch=2)
    chk = P.expansion_check(cell, inputs=u)
    A, B = L.jacobian_split(cell, u)
    ref = L.truncation_error(A, B, 0, 40, P.APPB_EPS).numpy().T  # (runs, eps), one eps at a time
    large = np.asarray(P.APPB_EPS) >= 1e-2
    np.testing.assert_allclose(chk.errors[:, large], ref[:, large], rtol=1e-10)
    # at small eps, E ~ 1e-12 |Phi|: the two summation orders differ by round-off of |Phi| ~ 1e-16
    np.testing.assert_allclose(chk.errors[:, ~large], ref[:, ~large], rtol=1e-3)


def test_expansion_check_without_recurrent_gate_weights_has_no_correction():
    cell = L.MultiGateRNN(3, 16, init="normal", seed=0, dtype=torch.float64)
    with torch.no_grad():
        cell.W_rg.zero_()
    chk = P.expansion_check(cell, inputs=P.appB_inputs(30, 3, seed=0, batch=2))
    assert chk.runs == [0, 1]
    assert np.all(chk.errors == 0) and np.all(chk.change == 0) and np.all(chk.norm_B == 0)
    assert np.all(np.isnan(chk.slopes)) and np.all(np.isnan(chk.relative_remainder))


def test_tukey_fences_flag_the_outlier():
    kept = EC._tukey_kept(np.array([1.0, 1.1, 0.9, 1.05, 0.95, 10.0]), 1.5)
    assert kept.tolist() == [True, True, True, True, True, False]


def test_expansion_check_bad_input():
    cell32 = L.MultiGateRNN(3, 8, seed=0)
    with pytest.raises(ValueError, match="float64"):
        P.expansion_check(cell32, inputs=torch.zeros(1, 5, 3))
    with pytest.raises(ValueError, match="gated"):
        P.expansion_check("plain", seeds=(0,))
    with pytest.raises(ValueError, match="unknown model"):
        P.expansion_check("lstm", seeds=(0,))
    with pytest.raises(ValueError, match="increasing"):
        P.expansion_check("multi", seeds=(0,), eps_grid=(1e-3, 1e-4, 1e-2))
    with pytest.raises(ValueError, match="fit_points"):
        P.expansion_check("multi", seeds=(0,), eps_grid=(1e-3, 1e-2), fit_points=3)
    with pytest.raises(ValueError, match="inputs are required"):
        P.expansion_check(L.MultiGateRNN(3, 8, seed=0, dtype=torch.float64))
    with pytest.raises(ValueError, match="only be given together"):
        P.expansion_check("multi", inputs=torch.zeros(1, 5, 3))


# ----------------------------------------------------------------------------------------
# side-by-side experiment
# ----------------------------------------------------------------------------------------

SMALL = dict(steps=6, T=6, n=5, m=3, batch=4, window=3, progress=False)
ARMS = [
    {"model": "multi", "optimizer": "sgd", "lr": 1e-2},
    {"model": "plain", "optimizer": "adam", "lr": 1e-3, "label": "Adam"},
]


@pytest.fixture(scope="module")
def small_comparison():
    return P.compare_optimisers(ARMS, seeds=(0, 1, 2), **SMALL)


def test_every_arm_sees_the_same_batches_and_its_seeded_initialisation(small_comparison):
    cmp = small_comparison
    assert cmp.labels == ["multi + SGD", "Adam"] and cmp.loss.shape == (2, 3, 6)
    for a, cls in enumerate((L.MultiGateRNN, L.PlainRNN)):
        for s in (0, 1, 2):
            data = make_task("adding", 4, T=6, m=3, seed=int(batch_seeds(s, 6)[0]))
            with torch.no_grad():
                first = float(torch.mean((cls(3, 5, seed=s)(data.inputs) - data.targets) ** 2))
            assert cmp.loss[a, s, 0] == pytest.approx(first, rel=1e-6)


def test_comparison_is_reproducible_and_independent_of_the_other_seeds(small_comparison):
    again = P.compare_optimisers(ARMS, seeds=(2,), **SMALL)  # one seed: plain train loop
    np.testing.assert_allclose(again.loss[:, 0], small_comparison.loss[:, 2], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(P.compare_optimisers(ARMS, seeds=(0, 1, 2), **SMALL).loss, small_comparison.loss)


def test_comparison_summaries(small_comparison):
    cmp = small_comparison
    fl = cmp.final_loss()
    np.testing.assert_allclose(fl, cmp.loss[..., -3:].mean(axis=-1), rtol=1e-14)
    hist = L.TrainingHistory(loss=cmp.loss[1, 2])
    np.testing.assert_allclose(cmp.smoothed()[1, 2], hist.smoothed_loss(3), rtol=1e-12)
    rows = cmp.summary()
    assert rows[0]["mean"] == pytest.approx(fl[0].mean()) and rows[0]["sd"] == pytest.approx(fl[0].std(ddof=1))
    assert rows[1]["ratio"] == pytest.approx(fl[1].mean() * 6)
    np.testing.assert_allclose(cmp.paired_difference("Adam", 0), fl[1] - fl[0])
    assert cmp.mean_predictor_mse == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="unknown arm"):
        cmp.paired_difference("SGD", 0)
    table = cmp.to_markdown(reference=0).splitlines()
    assert len(table) == 4 and table[0].count("|") == 6
    wins = int((fl[1] < fl[0]).sum())
    assert f"| Adam | 0.001 | {fl[1].mean():.4f} ± {fl[1].std(ddof=1):.4f} | {6 * fl[1].mean():.3f} | {wins} of 3 seeds |" == table[3]


@pytest.mark.parametrize(
    "arms, kw, match",
    [
        ([{"model": "gru", "optimizer": "sgd", "lr": 0.1}], {}, "model"),
        ([{"model": "plain", "optimizer": "adagrad", "lr": 0.1}], {}, "optimizer"),
        ([{"model": "plain", "optimizer": "sgd", "lr": 0.0}], {}, "lr"),
        ([{"model": "plain", "optimizer": "sgd", "lr": 0.1, "beta": 1}], {}, "unknown keys"),
        ([{"model": "plain", "optimizer": "sgd", "lr": 0.1}] * 2, {}, "distinct"),
        ([], {}, "empty"),
        (ARMS, {"task": "copy"}, "task"),
        (ARMS, {"steps": 0}, "steps"),
        (ARMS, {"window": 10}, "window"),
        (ARMS, {"seeds": (1, 1)}, "distinct"),
        (ARMS, {"seeds": (-1,)}, "seeds"),
    ],
)
def test_compare_optimisers_bad_input(arms, kw, match):
    settings = {**SMALL, **kw}
    with pytest.raises((ValueError, TypeError), match=match):
        P.compare_optimisers(arms, **settings)


# ----------------------------------------------------------------------------------------
# bad input for the exact-case helpers
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("gates", [[0.0, 0.5], [0.5, 1.0], [[0.1, 0.2]], [0.1, np.nan], []])
def test_bad_gates(gates):
    with pytest.raises(ValueError, match="gates"):
        P.carry_products(gates, 3)


def test_bad_lags_and_options():
    with pytest.raises(TypeError, match="max_lag"):
        P.carry_products([0.2], 2.5)
    with pytest.raises(ValueError, match="convention"):
        P.condition_number([0.2, 0.3], [1], convention="gate")
    with pytest.raises(ValueError, match="lags"):
        P.condition_number([0.2, 0.3], [-1])
    with pytest.raises(ValueError, match="positive"):
        P.preconditioner_condition([0.2, 0.3], [0, 1], r=1)
    with pytest.raises(ValueError, match="r \\(3\\)"):
        P.preconditioner_condition([0.2, 0.3], [1], r=3)
    with pytest.raises(ValueError, match="recurrent_scale"):
        P.frozen_gate_cell([0.2], recurrent_scale=-1.0)
    with pytest.raises(TypeError, match="cell"):
        P.credit_by_lag("cell", torch.zeros(1, 2, 1), torch.zeros(1, 1))
    with pytest.raises(ValueError, match="noise_std"):
        P.appB_inputs(5, 2, noise_std=-0.1)


def test_issue_13_bad_values_name_their_argument():
    with pytest.raises(TypeError, match="seeds"):
        P.compare_optimisers(ARMS, **{**SMALL, "seeds": 2.0})
    with pytest.raises(ValueError, match="n is too large"):
        P.compare_optimisers(ARMS, **{**SMALL, "n": 10**12})
    with pytest.raises(ValueError, match="lags"):  # an overflow to inf before
        P.condition_number([0.2, 0.5], [1, 10**12])
    with pytest.raises(ValueError, match="max_lag"):
        P.carry_products([0.2, 0.5], 10**12)
    with pytest.raises(ValueError, match="batch"):
        P.preconditioner_condition([0.2, 0.5], [1], r=2, batch=10**12)
    cell = P.frozen_gate_cell([0.5, 0.1], 1)
    with pytest.raises(ValueError, match="targets"):
        P.credit_by_lag(cell, torch.ones(1, 3, 1, dtype=torch.float64), torch.full((1, 1), float("nan")))
    with pytest.raises(TypeError, match="cell"):
        P.diagonal_predictor(None, torch.zeros(1, 3, 1))
    with pytest.raises(TypeError, match="seeds"):
        P.expansion_check("multi", seeds=1.0, T=5, n=4)
    with pytest.raises(TypeError, match="eps_grid"):
        P.expansion_check("multi", seeds=(0,), T=5, n=4, eps_grid="abc")
    A, B = EC.jacobian_split(L.MultiGateRNN(2, 3, seed=0, dtype=torch.float64), torch.ones(1, 4, 2, dtype=torch.float64))
    with pytest.raises(TypeError, match="A"):
        EC.first_order_expansion(None, B, 0, 2)
    with pytest.raises(ValueError, match="B"):
        EC.scaled_product(A, B * float("nan"), 0, 2, 0.1)
    with pytest.raises(ValueError, match="eps"):
        EC.scaled_product(A, B, 0, 2, float("nan"))
    with pytest.raises(ValueError, match="eps_values"):
        EC.truncation_error(A, B, 0, 2, [0.1, float("nan")])
