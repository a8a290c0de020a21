"""Lag profiles: named conventions, exact cases where the predictor is the truth."""

import math

import pytest
import torch

import gatebook.learning as L


def _inputs(batch=4, T=20, m=3, seed=0):
    return torch.randn(batch, T, m, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_leaky_predictors_are_geometric_in_the_named_convention():
    alpha = 0.3
    cell = L.LeakyRNN(3, 8, alpha=alpha, seed=0, dtype=torch.float64)
    write = cell.rollout(_inputs())["write"]
    carry = L.log_gate_products(write, "carry", 6)
    update = L.log_gate_products(write, "update", 6)
    for h in range(1, 7):
        assert torch.allclose(carry[h - 1], torch.full_like(carry[h - 1], h * math.log(1 - alpha)), atol=1e-12)
        assert torch.allclose(update[h - 1], torch.full_like(update[h - 1], h * math.log(alpha)), atol=1e-12)


def test_input_only_scalar_gate_without_recurrence_is_exactly_the_carry_product():
    cell = L.ScalarGateRNN(3, 10, seed=2, dtype=torch.float64)
    with torch.no_grad():
        cell.W_r.zero_()
        cell.W_rg.zero_()
        cell.W_ig.mul_(4.0)  # gates that vary strongly with the input
    u = _inputs(T=25)
    profile = L.lag_profile(cell, u, convention="carry")
    assert profile.slope == pytest.approx(1.0, abs=1e-10)
    assert profile.r2 == pytest.approx(1.0, abs=1e-10)
    torch.testing.assert_close(profile.measured, profile.predicted, rtol=1e-10, atol=1e-14)


def test_convention_must_be_named():
    cell = L.LeakyRNN(3, 8, seed=0, dtype=torch.float64)
    with pytest.raises(TypeError):
        L.lag_profile(cell, _inputs())  # no default convention
    with pytest.raises(ValueError, match="convention"):
        L.lag_profile(cell, _inputs(), convention="gate")


def test_gated_profiles_track_the_gate_product():
    """Qualitative: log S is close to linear in log P for a multi-gate cell at initialisation."""
    r2 = []
    for seed in range(3):
        cell = L.MultiGateRNN(3, 16, seed=seed, dtype=torch.float64)
        r2.append(L.lag_profile(cell, _inputs(seed=seed, T=30), convention="carry").r2)
    assert min(r2) > 0.95  # measured 0.992-0.993 for these seeds


# ---------------------------------------------------------------------------- issue 13: degenerate input


@pytest.mark.parametrize("convention, what", [("carry", "identically zero"), ("update", "identically 1")])
def test_a_cell_without_gate_has_no_predictor_to_fit(convention, what):
    # the write factor of a plain cell is 1 at every step: P = prod(1 - 1) = 0 (or prod 1 = 1), so
    # a fit of ln S against ln P would only fit the clamp of log(0) (it gave slope 0.01, R^2 0.99)
    cell = L.PlainRNN(3, 8, seed=0, dtype=torch.float64)
    with pytest.raises(ValueError, match=what) as err:
        L.lag_profile(cell, _inputs(), convention=convention)
    assert "no gate" in str(err.value) and "PlainRNN" in str(err.value)
    with pytest.raises(ValueError, match=what):
        L.lag_profiles(cell, _inputs(), conventions=(convention,))


def test_log_gate_products_checks_its_lags_and_write_factors():
    write = L.ScalarGateRNN(3, 4, seed=0, dtype=torch.float64).rollout(_inputs(T=6))["write"]
    for bad in (0, 7, 10**12):  # 0 returned [] and 10**12 hung before
        with pytest.raises(ValueError, match="max_lag"):
            L.log_gate_products(write, "carry", bad)
    with pytest.raises(TypeError, match="max_lag"):
        L.log_gate_products(write, "carry", 2.0)
    with pytest.raises(TypeError, match="write"):
        L.log_gate_products(0.5, "carry", 2)
    with pytest.raises(ValueError, match="write"):
        L.log_gate_products(write * float("nan"), "carry", 2)
    with pytest.raises(ValueError, match="write"):
        L.log_gate_products(write + 1.0, "carry", 2)


def test_long_lag_profiles_are_finite_in_log_scale():
    # J = (1 - alpha) 1 exactly (no recurrence): S(h) = P(h) = 0.01**h, below 1e-308 after ~154 lags
    cell = L.LeakyRNN(2, 3, alpha=0.99, seed=0, dtype=torch.float64)
    with torch.no_grad():
        cell.W_r.zero_()
    u = torch.randn(2, 200, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    profile = L.lag_profile(cell, u, convention="carry")
    lags = profile.lags.double()
    assert profile.measured[-1] == 0.0 and profile.predicted[-1] == 0.0  # linear scale underflows
    for log_profile in (profile.log_measured, profile.log_predicted, profile.log_fitted):
        assert torch.isfinite(log_profile).all()
        torch.testing.assert_close(log_profile, (lags - 1) * math.log(0.01), rtol=1e-9, atol=1e-9)
    normal = profile.measured > torch.finfo(torch.float64).tiny  # where both scales are representable
    assert 100 < int(normal.sum()) < 200
    for linear, log_profile in ((profile.measured, profile.log_measured), (profile.predicted, profile.log_predicted),
                                (profile.fitted, profile.log_fitted)):
        torch.testing.assert_close(torch.log(linear[normal]), log_profile[normal], rtol=1e-12, atol=1e-9)
    assert profile.slope == pytest.approx(1.0, abs=1e-9)


def test_log_profiles_agree_with_the_linear_ones_in_ordinary_cases():
    cell = L.MultiGateRNN(3, 8, seed=1, dtype=torch.float64)
    for p in L.lag_profiles(cell, _inputs(T=15)).values():
        torch.testing.assert_close(torch.exp(p.log_measured), p.measured, rtol=0, atol=0)
        torch.testing.assert_close(torch.exp(p.log_predicted), p.predicted, rtol=0, atol=0)
        torch.testing.assert_close(torch.exp(p.log_fitted), p.fitted, rtol=1e-12, atol=0)


# -- what the lag alone explains (issue 16 §3: R^2 is not evidence) ------------------------------
import numpy as np  # noqa: E402

from gatebook.learning.lag_profile import lag_fit  # noqa: E402


def _synthetic(seed, b=0.7, noise=0.3, lags=6, per_lag=40):
    rng = np.random.default_rng(seed)
    lag = np.repeat(np.arange(1, lags + 1), per_lag)
    x = -0.5 * lag + rng.standard_normal(lag.size)          # ln P: falls with the lag, varies within it
    y = np.sin(lag) + b * (x + 0.5 * lag) + noise * rng.standard_normal(lag.size)  # ln S
    return [torch.as_tensor(v) for v in (y, x, lag)]


@pytest.mark.parametrize("seed", range(5))
def test_lag_fit_matches_least_squares_with_lag_dummies(seed):
    """Independent solver: numpy least squares on one-hot lags (and ln P) gives the same R^2s and slope."""
    y, x, lag = _synthetic(seed)
    fit = lag_fit(y, x, lag, trim=0.0)
    Y, X, G = y.numpy(), x.numpy(), lag.numpy()
    D = (G[:, None] == np.unique(G)[None, :]).astype(float)  # one column per lag

    def r2(A):
        coef, *_ = np.linalg.lstsq(A, Y, rcond=None)
        return 1.0 - np.sum((Y - A @ coef) ** 2) / np.sum((Y - Y.mean()) ** 2), coef

    r2_lag, _ = r2(D)
    r2_full, coef = r2(np.column_stack([D, X]))
    r2_power, _ = r2(np.column_stack([np.ones_like(X), X]))
    assert fit.r2 == pytest.approx(r2_power, abs=1e-12)
    assert fit.r2_lag == pytest.approx(r2_lag, abs=1e-12)
    assert fit.r2_gain == pytest.approx(r2_full - r2_lag, abs=1e-12)
    assert fit.within_lag_slope == pytest.approx(coef[-1], rel=1e-10)
    assert 0.0 < fit.within_lag_corr < 1.0 and fit.r2_gain > 0.0


def test_lag_fit_exact_within_lag_law_and_pure_lag_law():
    y, x, lag = _synthetic(0, noise=0.0)
    fit = lag_fit(y, x, lag, trim=0.0)
    assert fit.within_lag_corr == pytest.approx(1.0, abs=1e-12)
    assert fit.within_lag_slope == pytest.approx(0.7, abs=1e-12)
    assert fit.r2_lag + fit.r2_gain == pytest.approx(1.0, abs=1e-12)
    # ln P a function of the lag only: it cannot add anything to the lag
    x_lag = -0.5 * lag.double()
    fit = lag_fit(y, x_lag, lag, trim=0.0)
    assert fit.r2_gain == 0.0 and math.isnan(fit.within_lag_corr)
    assert fit.r2 <= fit.r2_lag + 1e-12


def test_leaky_cell_gate_product_adds_nothing_to_the_lag():
    """Reduction: with a constant leak, ln P = h ln(1 - alpha) is a function of the lag: gain 0."""
    u = torch.rand(4, 20, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    cell = L.LeakyRNN(3, 8, alpha=0.8, seed=0, dtype=torch.float64)
    for p in L.lag_profiles(cell, u).values():
        assert p.r2_gain == 0.0 and math.isnan(p.within_lag_corr)
        assert p.r2 <= p.r2_lag + 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_gated_cells_report_the_lag_baseline(seed):
    u = torch.rand(4, 24, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    for cls in (L.ScalarGateRNN, L.MultiGateRNN):
        for p in L.lag_profiles(cls(4, 16, seed=seed, dtype=torch.float64), u).values():
            assert 0.0 <= p.r2_lag <= 1.0 and p.r2_gain >= -1e-12
            assert p.r2_lag + p.r2_gain <= 1.0 + 1e-12
            assert -1.0 <= p.within_lag_corr <= 1.0


def test_chapter3_lag_baseline_claims_hold_over_12_untrained_cells():
    """Pins chapter 3's sentences: in every one of 12 untrained scalar-gate cells (the chapter's
    laptop settings and probe), the lag alone reaches the fit's R^2 within 0.005, ln P adds less
    than 0.01 of R^2, and the within-lag correlation is positive for carry, negative for update."""
    import gatebook as gb
    from gatebook.learning import tracking

    preset = gb.learning.tasks.get_preset("laptop")
    T, N, m = preset["T"], preset["n"], preset["m"]
    probe = gb.learning.tasks.make_task("adding", preset["probe_batch"], T=T, m=m, seed=2024, dtype=torch.float64)
    for seed in range(12):
        profiles = tracking.lag_profiles(tracking.analysis_copy(L.ScalarGateRNN(m, N, seed=seed)), probe.inputs)
        for convention, p in profiles.items():
            assert p.r2_lag >= p.r2 - 0.005, (seed, convention)
            assert 0.0 <= p.r2_gain < 0.01, (seed, convention)
        assert profiles["carry"].within_lag_corr > 0 > profiles["update"].within_lag_corr, seed


@pytest.mark.parametrize("alpha", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("seed", range(3))
def test_leaky_kappa_ratio_is_the_closed_form(alpha, seed):
    """Chapter 2: with a constant gate both predictors are linear in the lag, so the two fits see the
    same data and kappa_update / kappa_carry = ln(1 - alpha) / ln(alpha) exactly (issue 16 §3)."""
    u = torch.rand(4, 30, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    cell = L.LeakyRNN(4, 32, alpha=alpha, seed=seed, dtype=torch.float64)
    closed = math.log(1 - alpha) / math.log(alpha)
    p = L.lag_profiles(cell, u, trim=0.0)
    assert p["update"].slope / p["carry"].slope == pytest.approx(closed, rel=1e-10)
    assert p["update"].r2 == pytest.approx(p["carry"].r2, abs=1e-12)
    # with the default 1 % trimming the two fits may keep slightly different pairs (ties within a lag)
    p = L.lag_profiles(cell, u)
    assert p["update"].slope / p["carry"].slope == pytest.approx(closed, rel=2e-3)


def test_the_probe_is_measured_one_example_at_a_time_without_changing_the_numbers():
    """lag_profiles builds Jacobians and products per example (memory); ln S equals the whole-batch products' to round-off."""
    from gatebook.learning import MultiGateRNN, ScalarGateRNN
    from gatebook.learning.lag_profile import _log_sensitivities
    from gatebook.learning.products import jacobian_products

    u = torch.rand(3, 25, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    for cell in (MultiGateRNN(3, 12, seed=1, dtype=torch.float64), ScalarGateRNN(3, 12, seed=1, dtype=torch.float64)):
        with torch.no_grad():
            r = cell.rollout(u)
            whole = jacobian_products(cell.jacobians_from_rollout(r), 25, top=1)
            chunked = _log_sensitivities(cell, r, 25)
        assert len(chunked) == 25
        for h, part in zip(whole.lags, chunked):
            assert part.shape == (3, 25 - h + 1)
            assert torch.allclose(part, whole.log_sensitivity(h), rtol=0, atol=1e-12)
