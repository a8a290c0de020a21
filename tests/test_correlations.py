"""Autocorrelation estimator against closed forms; decay time; sweeps."""

import numpy as np
import pytest

import gatebook as gb


def test_autocorrelation_of_random_phase_sinusoids_is_half_cosine():
    dt, omega = 0.05, 1.3
    t = dt * np.arange(4000)
    phases = np.random.default_rng(0).uniform(0, 2 * np.pi, 50)
    x = np.sin(omega * t[:, None] + phases[None, :])
    lags, C = gb.autocorrelation(x, dt, max_lag=400, center=False)
    np.testing.assert_allclose(C, 0.5 * np.cos(omega * lags), atol=0.01)


def test_autocorrelation_matches_direct_sum_for_every_lag():
    x = np.random.default_rng(1).standard_normal((300, 4))
    lags, C = gb.autocorrelation(x, 0.1, max_lag=20)
    xc = x - x.mean(axis=0)
    direct = [np.mean(xc[: 300 - s] * xc[s:]) for s in range(21)]
    np.testing.assert_allclose(C, direct, rtol=1e-10, atol=1e-12)


def test_decay_time_of_an_exponential_is_its_time_constant():
    lags = np.linspace(0, 10, 1001)
    assert gb.decay_time(lags, 3.0 * np.exp(-lags / 2.5)) == pytest.approx(2.5, rel=1e-4)
    assert gb.decay_time(lags, np.ones_like(lags)) == np.inf


def test_ou_process_correlation_time():
    # Discrete AR(1) with x_{n+1} = a x_n + noise has correlation a^n: time -dt/ln(a).
    rng = np.random.default_rng(2)
    a, dt, n = np.exp(-0.1 / 1.5), 0.1, 20000
    x = np.empty((n, 20))
    x[0] = rng.standard_normal(20)
    noise = rng.standard_normal((n, 20)) * np.sqrt(1 - a * a)
    for i in range(1, n):
        x[i] = a * x[i - 1] + noise[i]
    lags, C = gb.autocorrelation(x, dt, max_lag=200)
    assert gb.decay_time(lags, C) == pytest.approx(1.5, rel=0.05)


def test_correlation_time_is_longer_nearer_the_transition():
    """Seed-averaged 1/e correlation time at g=1.4 exceeds that at g=4 (N=400, 4 seeds).

    Finite networks close to g=1 can settle on fixed points or cycles, so single seeds
    scatter; the claim is about the average.
    """
    make = lambda g, seed: gb.RandomRateNetwork(400, g, seed=seed)  # noqa: E731
    s = gb.correlation_time_sweep(make, [1.4, 4.0], seeds=(0, 1, 2, 3), t_transient=50, t_measure=250, progress=False)
    assert s.data.shape == (4, 2)
    assert s.mean[0] > 1.2 * s.mean[1]
