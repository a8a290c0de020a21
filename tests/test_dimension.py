"""Dimension measures of chapter 8: Kaplan-Yorke closed forms and participation-ratio
closed forms (exact covariances, Marchenko-Pastur for isotropic samples, invariances)."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.dimension import covariance_spectrum, kaplan_yorke_dimension, state_participation_ratio

# --- Kaplan-Yorke ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exponents, expected",
    [
        ([1.0, -0.5, -2.0], 2 + 0.5 / 2),
        ([-2.0, 1.0, -0.5], 2 + 0.5 / 2),  # sorted internally
        ([0.5, 0.1, -0.2, -1.0, -3.0], 3 + 0.4 / 1.0),
        ([0.3, -1.2, -5.0], 1 + 0.3 / 1.2),
        ([0.0, -1.0], 1.0),  # a limit cycle: one neutral direction
        ([0.0, 0.0, -1.0, -1.0], 2.0),  # a torus
        ([-0.1, -1.0, -2.0], 0.0),  # a stable fixed point
        ([-3.0], 0.0),
    ],
)
def test_kaplan_yorke_closed_forms(exponents, expected):
    assert kaplan_yorke_dimension(exponents) == pytest.approx(expected, rel=1e-14, abs=1e-15)


def test_kaplan_yorke_is_invariant_to_rescaling_time_and_lies_between_k_and_k_plus_1():
    rng = np.random.default_rng(0)
    for _ in range(20):
        lam = np.sort(rng.normal(-0.5, 1.0, size=12))[::-1]
        lam[0] = abs(lam[0])  # at least one non-negative exponent
        if np.cumsum(lam)[-1] >= 0:
            continue
        D = kaplan_yorke_dimension(lam)
        k = int(np.sum(np.cumsum(lam) >= 0))
        assert k <= D < k + 1
        # exponents are rates: measuring time in other units rescales them all
        assert kaplan_yorke_dimension(3.7 * lam) == pytest.approx(D, rel=1e-12)


def test_kaplan_yorke_of_a_partial_spectrum_needs_negative_partial_sums():
    with pytest.raises(ValueError, match=r"partial.*more than 3"):
        kaplan_yorke_dimension([0.4, 0.1, -0.2])  # the sums 0.4, 0.5, 0.3 never go negative
    # once enough exponents are known, the extra (more negative) ones do not matter
    full = np.array([0.4, 0.1, -0.2, -0.9, -2.0, -4.0])
    assert kaplan_yorke_dimension(full[:4]) == kaplan_yorke_dimension(full) == pytest.approx(3 + 0.3 / 0.9)


def test_kaplan_yorke_accepts_a_lyapunov_result():
    net = gb.RandomRateNetwork(N=12, g=3.0, seed=4)
    res = gb.lyapunov_spectrum(net, k=12, dt=0.1, t_transient=10, t_measure=40, seed=1)
    D = kaplan_yorke_dimension(res)
    assert D == kaplan_yorke_dimension(res.exponents)
    assert 0.0 <= D < net.dim


@pytest.mark.parametrize(
    "bad, exc, word",
    [
        ([], ValueError, "non-empty"),
        ([[1.0, -1.0]], ValueError, "1-D"),
        ([1.0, np.nan, -2.0], ValueError, "NaN"),
        ([1.0, -np.inf], ValueError, "infinite"),
        (["a", "b"], TypeError, "exponents"),
        (None, TypeError, "exponents"),
    ],
)
def test_kaplan_yorke_rejects_bad_input(bad, exc, word):
    with pytest.raises(exc, match=word):
        kaplan_yorke_dimension(bad)


# --- covariance spectrum and participation ratio -------------------------------------------


def _data_with_covariance(eigenvalues, T, seed):
    """T samples whose *sample* covariance has exactly the given eigenvalues (random eigenvectors)."""
    rng = np.random.default_rng(seed)
    c = np.asarray(eigenvalues, dtype=float)
    N = c.size
    # orthonormal columns orthogonal to the all-ones vector: centred, uncorrelated, unit norm
    A = rng.standard_normal((T, N))
    A -= A.mean(axis=0)
    U = np.linalg.qr(A)[0]
    Q = np.linalg.qr(rng.standard_normal((N, N)))[0]
    return (U * np.sqrt((T - 1) * c)) @ Q.T + rng.standard_normal(N)  # plus a constant offset


@pytest.mark.parametrize("T", [400, 60])
def test_covariance_spectrum_and_pr_of_data_with_known_covariance(T):
    N = 50
    c = np.r_[np.linspace(5.0, 0.5, 30), np.zeros(N - 30)]  # rank 30 < T - 1 for both T
    X = _data_with_covariance(c, T, seed=T)
    mu = covariance_spectrum(X)
    assert mu.shape == (N,) and np.all(np.diff(mu) <= 0) and np.all(mu >= 0)
    np.testing.assert_allclose(mu, c, rtol=0, atol=1e-12 * c.max())
    assert state_participation_ratio(X) == pytest.approx(c.sum() ** 2 / (c**2).sum(), rel=1e-12)


@pytest.mark.parametrize("shape", [(300, 40), (25, 40)])
def test_covariance_spectrum_equals_eigenvalues_of_numpy_cov(shape):
    X = np.random.default_rng(1).standard_normal(shape) @ np.diag(np.linspace(0.2, 2.0, shape[1]))
    ref = np.sort(np.clip(np.linalg.eigvalsh(np.cov(X, rowvar=False)), 0, None))[::-1]
    np.testing.assert_allclose(covariance_spectrum(X), ref, rtol=0, atol=1e-12 * ref[0])
    # uncentred: the eigenvalues of the second-moment matrix X^T X / T
    ref = np.sort(np.clip(np.linalg.eigvalsh(X.T @ X / shape[0]), 0, None))[::-1]
    np.testing.assert_allclose(covariance_spectrum(X, center=False), ref, rtol=0, atol=1e-12 * ref[0])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_pr_of_isotropic_gaussian_samples_follows_marchenko_pastur(seed):
    # T samples of N i.i.d. units: Σμ² ≈ N (1 + N/(T-1)) (Marchenko-Pastur second moment),
    # so PR ≈ N / (1 + N/(T-1)); its relative sampling s.d. is 0.15 % here (200 seeds), the margin 1 %.
    N, T = 80, 1200
    X = np.random.default_rng(seed).standard_normal((T, N))
    pr = state_participation_ratio(X)
    assert pr == pytest.approx(N / (1 + N / (T - 1)), rel=0.01)
    assert pr < N  # sampling noise always lowers PR below N


def test_pr_of_rank_one_activity_is_one_and_pr_is_invariant():
    rng = np.random.default_rng(3)
    T, N = 500, 60
    line = np.outer(rng.standard_normal(T), rng.standard_normal(N))
    assert state_participation_ratio(line) == pytest.approx(1.0, abs=1e-10)
    X = rng.standard_normal((T, N)) @ np.diag(rng.uniform(0.1, 3.0, N))
    pr = state_participation_ratio(X)
    Q = np.linalg.qr(rng.standard_normal((N, N)))[0]
    assert state_participation_ratio(X @ Q) == pytest.approx(pr, rel=1e-10)  # rotation of the units
    assert state_participation_ratio(X + rng.standard_normal(N)) == pytest.approx(pr, rel=1e-10)  # offset
    assert state_participation_ratio(7.5 * X) == pytest.approx(pr, rel=1e-10)  # scale
    # without centring a large common offset dominates the second moment: PR drops towards 1
    assert state_participation_ratio(X + 50.0, center=False) < 1.1 < pr
    # float32 activity (long simulations) gives the same number to float32 accuracy
    assert state_participation_ratio(X.astype(np.float32)) == pytest.approx(pr, rel=1e-5)


@pytest.mark.parametrize(
    "bad, exc, word",
    [
        (np.ones(10), ValueError, "n_samples, n_units"),
        (np.ones((4, 5, 6)), ValueError, "n_samples, n_units"),
        (np.ones((0, 5)), ValueError, "n_samples, n_units"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, "NaN"),
        (np.array([["a", "b"]]), TypeError, "states"),
        (np.ones((1, 5)), ValueError, "two samples"),
        (np.ones((20, 5)), ValueError, "do not fluctuate"),
    ],
)
def test_participation_ratio_rejects_bad_input(bad, exc, word):
    with pytest.raises(exc, match=word):
        state_participation_ratio(bad)


def test_the_old_name_of_the_states_participation_ratio_warns():
    import gatebook.dimension as dim

    with pytest.warns(DeprecationWarning, match="state_participation_ratio"):
        old = dim.participation_ratio
    assert old is state_participation_ratio
