"""Chapter 2's sentences, pinned over seeds: what the prose says must stay true of the numbers.

Each test names the sentence it guards. The sizes are the chapter's (adding probe of 8
sequences, T = 40, m = 4, N = 32, float64, untrained cells); the seeds go beyond the page's
one network (seed 0) to ten cells and five probes, so that a change of torch or of the seeds
cannot silently make the prose false.
"""

import numpy as np
import pytest
import torch

import gatebook as gb
from gatebook.learning import kernels

SEEDS = range(10)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _probe(seed=1):
    return gb.learning.tasks.make_task("adding", 8, T=40, m=4, seed=seed, dtype=torch.float64)


def test_the_circles_sit_on_the_lines_and_the_half_lives():
    """'The circles sit on the lines'; 'for slow units the half-life is close to ln 2/alpha';
    exercise: beta = 0.9 gives 'a little under 7 steps', below ln 2/alpha."""
    for a in (0.05, 0.1, 0.2, 0.5, 1.0):
        unit = kernels.leaky_cell(a, input_size=1, hidden_size=1, recurrence=0.0, nonlinearity="linear")
        assert np.abs(kernels.pulse_response(unit, 30) - kernels.impulse_response(a, 30)).max() < 1e-12
    assert abs(kernels.half_life(0.05) / (np.log(2) / 0.05) - 1) < 0.03
    assert 6.5 < kernels.half_life(0.1) < min(7.0, np.log(2) / 0.1)


@pytest.mark.parametrize("seed", range(5))
def test_lag_terms_sum_to_the_gradient_and_the_leak_is_an_ema(seed):
    """'check that the lag terms add up to the gradient' (round-off) and 'the network's lag weights
    agree with the EMA kernel to round-off, at every lag' -- for five probes and cells."""
    probe = _probe(seed)
    cell = kernels.leaky_cell(0.2, input_size=4, hidden_size=32, seed=seed)
    split = kernels.lag_gradients(cell, probe.inputs, probe.targets)
    gap = float((split.total - kernels.loss_gradient(cell, probe.inputs, probe.targets)).abs().max())
    assert gap < 1e-12 * max(1.0, float(split.total.abs().max()))
    for a in (0.2, 0.5, 0.8):
        w = kernels.measured_lag_weights(a, probe.inputs, probe.targets)
        assert np.abs(w - kernels.ema_kernel(1 - a, len(w) - 1)).max() < 1e-12


def test_the_schedule_cutoffs():
    """'A slow unit spreads its updates over a long stretch ... a fast unit hardly learns from
    anything older than a few steps' (the printed cutoffs)."""
    assert [kernels.lag_cutoff(a, 0.01) for a in (0.05, 0.2, 0.5, 0.8)] == [90, 21, 7, 3]


@pytest.fixture(scope="module")
def ten_networks():
    """The page's over-seeds cell: per leak, one row per seed."""
    probe = _probe()
    rows = {a: [] for a in (0.2, 0.8)}
    for seed in SEEDS:
        for a in rows:
            cell = kernels.leaky_cell(a, input_size=4, hidden_size=32, seed=seed)
            s, p = kernels.lag_sensitivity(cell, probe.inputs), gb.learning.lag_profiles(cell, probe.inputs)
            lower, upper = s.bounds
            inside = bool(np.all(s.maximum <= upper)
                          and (np.isnan(lower).all() or np.all(s.minimum >= lower * (1 - 1e-12))))
            rows[a].append({"norm": s.weight_norm, "above": np.min(s.median[1:] / s.geometric[1:]),
                            "lag10": s.median[10] / s.geometric[10], "kappa": p["carry"].slope,
                            "r2": p["carry"].r2, "update": p["update"].slope, "inside": inside,
                            "ratio_gap": abs(p["update"].slope / p["carry"].slope * np.log(a) / np.log(1 - a) - 1),
                            "no_lower": bool(np.isnan(lower).all())})
    return rows


def test_every_norm_stays_within_the_bounds(ten_networks):
    """'Every measured norm stays between the grey bounds, as it must; for alpha = 0.8 there is
    no lower bound (nan).'"""
    for a, rows in ten_networks.items():
        assert all(r["inside"] for r in rows), a
    assert all(r["no_lower"] for r in ten_networks[0.8])
    assert not any(r["no_lower"] for r in ten_networks[0.2])


def test_the_median_decays_more_slowly_than_the_carry_power(ten_networks):
    """'in all ten networks it lies above the carry power at every lag, by a factor of about 4 to
    5 at lag 10 for alpha = 0.2 and of about 10^5 for alpha = 0.8'; '||W_rec||_2 is about 1
    (between 1.0 and 1.2 in all ten networks)'; summary: 'decay more slowly than the carry power
    (in every one of ten networks)'."""
    for a, rows in ten_networks.items():
        assert all(r["above"] > 1.0 for r in rows), a
        assert all(1.0 <= r["norm"] <= 1.2 for r in rows), a
    lag10 = {a: np.array([r["lag10"] for r in rows]) for a, rows in ten_networks.items()}
    assert np.all((3.5 < lag10[0.2]) & (lag10[0.2] < 5.5)), lag10[0.2]
    assert np.all((3e4 < lag10[0.8]) & (lag10[0.8] < 5e5)), lag10[0.8]


def test_the_fitted_powers_and_the_two_conventions(ten_networks):
    """'The fitted powers, kappa_carry between 0.25 and 0.5 in all ten networks'; R^2 near one;
    'for alpha = 0.8, kappa_update is several times kappa_carry'; 'the printed ratios agree with
    [ln(1-alpha)/ln alpha] to better than a tenth of a percent, in all ten networks'."""
    for a, rows in ten_networks.items():
        for r in rows:
            assert 0.25 < r["kappa"] < 0.5 and r["r2"] > 0.99, (a, r)
            assert r["ratio_gap"] < 1e-3, (a, r)
    assert all(r["update"] > 5 * r["kappa"] for r in ten_networks[0.8])
