"""Anisotropy metrics (chapter 5): closed forms on synthetic spectra (test L11 of the
science notes), frozen per-neuron gates (L7), renormalised products, Marchenko-Pastur,
the GradCov recipe on a planted low-rank gradient matrix, and bad input."""

import numpy as np
import pytest
import torch

from gatebook import spectra as an

METRICS = (an.anisotropy_index, an.energy_concentration, an.participation_ratio, an.effective_rank)


# --- closed forms on synthetic spectra ---------------------------------------------------


@pytest.mark.parametrize("n", [10, 16, 64])
def test_flat_spectrum(n):
    s = np.full(n, 0.37)
    assert an.participation_ratio(s**2) == pytest.approx(n, rel=1e-12)
    assert an.effective_rank(s) == pytest.approx(n, rel=1e-12)
    assert an.anisotropy_index(s, 10) == pytest.approx(1.0, rel=1e-12)
    for r in (1, 3, 10):
        assert an.energy_concentration(s, r) == pytest.approx(r / n, rel=1e-12)
    # an orthogonal matrix has a flat spectrum: CE over the top 16 is r/16
    Q = np.linalg.qr(np.random.default_rng(n).standard_normal((n, n)))[0]
    m = an.matrix_anisotropy(2.5 * Q, r=10, top=min(16, n))
    assert m.pr == pytest.approx(n, rel=1e-12) and m.effective_rank == pytest.approx(n, rel=1e-12)
    assert m.ai == pytest.approx(1.0, rel=1e-12) and m.ce == pytest.approx(10 / min(16, n), rel=1e-12)


def test_rank_one():
    rng = np.random.default_rng(0)
    M = np.outer(rng.standard_normal(20), rng.standard_normal(30))
    m = an.matrix_anisotropy(M, r=10, top=16)
    # numerically the 19 trailing singular values are round-off (~1e-16 of the first)
    assert m.pr == pytest.approx(1.0, abs=1e-12)
    assert m.effective_rank == pytest.approx(1.0, abs=1e-12)
    assert m.ce == pytest.approx(1.0, abs=1e-12)
    assert m.ai > 1e12
    s = np.zeros(12)
    s[0] = 4.0  # exact rank one: AI is infinite, the rest exactly 1, no warnings
    assert an.anisotropy_index(s, 10) == np.inf and an.anisotropy_index(s, 1) == 1.0
    assert an.participation_ratio(s**2) == 1.0 and an.effective_rank(s) == 1.0
    assert an.energy_concentration(s, 3, top=8) == 1.0


def test_two_level_spectrum_and_ordering_of_pr_and_effective_rank():
    # k values equal to a and n-k equal to b: PR and entropy in closed form
    n, k, a, b = 20, 4, 3.0, 0.5
    s = np.r_[np.full(k, a), np.full(n - k, b)]
    E = k * a**2 + (n - k) * b**2
    p_a, p_b = a**2 / E, b**2 / E
    assert an.participation_ratio(s**2) == pytest.approx(E**2 / (k * a**4 + (n - k) * b**4), rel=1e-12)
    assert an.effective_rank(s) == pytest.approx(np.exp(-(k * p_a * np.log(p_a) + (n - k) * p_b * np.log(p_b))), rel=1e-12)
    assert an.anisotropy_index(s, 5) == pytest.approx(a / b, rel=1e-12)
    assert an.energy_concentration(s, k) == pytest.approx(k * a**2 / E, rel=1e-12)
    # exp(Shannon) >= exp(Renyi-2) = PR for any spectrum; input order does not matter
    s = np.random.default_rng(1).exponential(size=(50, 30))
    assert np.all(an.effective_rank(s) >= an.participation_ratio(s**2) - 1e-12)
    for f in METRICS:
        np.testing.assert_allclose(f(s[:, ::-1]), f(s), rtol=1e-13)


@pytest.mark.parametrize("a", [1e-150, 1e-3, 7.3, -2.0, 1e150])
def test_scale_invariance(a):
    rng = np.random.default_rng(2)
    M = rng.standard_normal((24, 24)) @ np.diag(np.geomspace(1, 1e-3, 24))
    ref, scaled = an.matrix_anisotropy(M), an.matrix_anisotropy(a * M)
    for name in ("ai", "ce", "pr", "effective_rank"):
        assert getattr(scaled, name) == pytest.approx(getattr(ref, name), rel=1e-12), name
    s = an.singular_values(M)
    for f in METRICS:
        assert f(abs(a) * s) == pytest.approx(f(s), rel=1e-12)
    G = rng.standard_normal((40, 60))
    ga, gb = an.gradient_anisotropy(G, jitter=0.0), an.gradient_anisotropy(abs(a) * G, jitter=0.0)
    # GradCov normalises rows, so even a different positive scale per example changes nothing
    gc = an.gradient_anisotropy(G * rng.uniform(0.1, 10, (40, 1)), jitter=0.0)
    for other in (gb, gc):
        for name in ("ai", "ce", "pr", "effective_rank"):
            assert getattr(other, name) == pytest.approx(getattr(ga, name), rel=1e-12), name


def test_batched_equals_loop():
    rng = np.random.default_rng(3)
    M = rng.standard_normal((3, 5, 12, 9))
    m = an.matrix_anisotropy(M, r=4, top=8)
    assert m.ai.shape == m.ce.shape == m.pr.shape == m.effective_rank.shape == (3, 5)
    assert m.singular_values.shape == (3, 5, 9)
    for i in range(3):
        for j in range(5):
            one = an.matrix_anisotropy(M[i, j], r=4, top=8)
            assert isinstance(one.ai, float)
            for name in ("ai", "ce", "pr", "effective_rank"):
                assert getattr(one, name) == pytest.approx(getattr(m, name)[i, j], rel=1e-13)
    np.testing.assert_allclose(an.singular_values(M, top=3), an.singular_values(M)[..., :3], rtol=0)
    np.testing.assert_allclose(an.singular_values(M)[1, 2], np.linalg.svd(M[1, 2], compute_uv=False), rtol=1e-14)


def test_torch_input_is_converted_to_float64():
    M = np.random.default_rng(4).standard_normal((2, 16, 16))
    ref = an.matrix_anisotropy(M)
    m = an.matrix_anisotropy(torch.from_numpy(M))
    np.testing.assert_array_equal(m.ai, ref.ai)
    assert an.singular_values(torch.from_numpy(M).float()).dtype == np.float64
    m32 = an.matrix_anisotropy(torch.from_numpy(M).float().requires_grad_())
    np.testing.assert_allclose(m32.ce, ref.ce, rtol=1e-5)
    s = torch.linspace(2.0, 0.5, 12)
    assert an.participation_ratio(s) == pytest.approx(an.participation_ratio(s.numpy()), rel=1e-12)


# --- frozen per-neuron gates: diagonal products (section 3.7.4, test L7) -----------------


def test_frozen_per_neuron_gates_closed_forms():
    n = 64
    g = np.linspace(0.05, 0.5, n)  # gate values; the carries c = 1 - g lie on [0.5, 0.95]
    c = np.random.default_rng(5).permutation(1.0 - g)  # neuron order must not matter
    cs = np.sort(c)[::-1]
    hs = np.array([1, 2, 4, 8, 12, 16, 24, 32, 40])
    products = np.stack([np.diag(c**h) for h in hs])  # prod_j diag(c) over h steps
    m = an.matrix_anisotropy(products, r=10, top=16)
    np.testing.assert_allclose(m.ai, (cs[0] / cs[9]) ** hs, rtol=1e-12)
    for r in (1, 5, 10, 16):
        ce = np.array([np.sum(cs[:r] ** (2 * h)) / np.sum(cs[:16] ** (2 * h)) for h in hs])
        np.testing.assert_allclose(an.energy_concentration(m.singular_values, r, top=16), ce, rtol=0, atol=1e-12)
    # log AI is linear in the lag, with slope log(c_(1)/c_(10))
    slope, intercept = np.polyfit(hs, np.log(m.ai), 1)
    assert slope == pytest.approx(np.log(cs[0] / cs[9]), rel=1e-12)
    assert abs(intercept) < 1e-11
    # anisotropy grows and the spread-out directions die: PR and effective rank fall with h
    assert np.all(np.diff(m.ce) > 0) and np.all(np.diff(m.pr) < 0) and np.all(np.diff(m.effective_rank) < 0)


def test_renormalised_product_matches_raw_and_survives_underflow():
    rng = np.random.default_rng(6)
    n, h = 16, 12
    Js = 0.3 * rng.standard_normal((h, n, n)) / np.sqrt(n)
    raw, P, log_scale = np.eye(n), np.eye(n), 0.0
    for J in Js:  # new factors on the left, as in BPTT
        raw = J @ raw
        P = J @ P
        norm = np.linalg.norm(P, 2)
        P, log_scale = P / norm, log_scale + np.log(norm)
    np.testing.assert_allclose(np.exp(log_scale) * P, raw, rtol=1e-12, atol=0)
    a, b = an.matrix_anisotropy(raw), an.matrix_anisotropy(P)
    assert raw.max() < 1e-5
    for name in ("ai", "ce", "pr", "effective_rank"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-9), name

    # 1e-3 diag(c) over 120 steps: the raw product (~1e-380) underflows to exactly zero,
    # the renormalised one still gives the closed form of the frozen-gate case
    c = np.linspace(0.5, 0.95, n)[::-1]
    raw, P = np.eye(n), np.eye(n)
    for _ in range(120):
        raw = 1e-3 * np.diag(c) @ raw
        P = 1e-3 * np.diag(c) @ P
        P /= np.linalg.norm(P, 2)
    assert not raw.any()
    with pytest.raises(ValueError, match="renormalisation"):
        an.matrix_anisotropy(raw)
    assert an.matrix_anisotropy(P).ai == pytest.approx((c[0] / c[9]) ** 120, rel=1e-12)


# --- random matrices: Marchenko-Pastur ---------------------------------------------------


@pytest.mark.parametrize("n, m", [(200, 200), (200, 400), (100, 400)])
def test_gaussian_matrices_participation_ratio_marchenko_pastur(n, m):
    # eigenvalues of X X^T / m with aspect ratio q = n/m <= 1 have mean 1 and second moment
    # 1 + q (+1/m at finite size), so PR = n^2 E[l]^2 / (n E[l^2]) -> n / (1 + q).
    # Stated tolerance: 2 % (observed finite-size scatter is ~0.3 %).
    rng = np.random.default_rng(7)
    pr = an.participation_ratio(an.singular_values(rng.standard_normal((4, n, m))) ** 2)
    assert np.mean(pr) == pytest.approx(n / (1 + n / m), rel=0.02)


# --- GradCov recipe -----------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 5, 8])
def test_gradient_anisotropy_recovers_planted_rank(k):
    # rows of G lie in a k-dimensional subspace of parameter space, plus small noise
    rng = np.random.default_rng(8 + k)
    M, P = 256, 600
    basis = np.linalg.qr(rng.standard_normal((P, k)))[0].T
    G = rng.standard_normal((M, k)) @ basis + 1e-4 * rng.standard_normal((M, P)) / np.sqrt(P)
    G = np.hstack([G, np.zeros((M, 7))])  # parameters that never receive a gradient
    m = an.gradient_anisotropy(G, r=10)
    assert m.columns_kept == P
    assert m.top == m.singular_values.size == min(M, m.columns_kept)
    # stated tolerance: effective rank and PR within 5 % of k (the planted directions are
    # random, so their energies differ by a few per cent), all energy in the top k
    assert m.effective_rank == pytest.approx(k, rel=0.05)
    assert m.pr == pytest.approx(k, rel=0.05)
    assert an.energy_concentration(m.singular_values, k) > 1 - 1e-4  # the noise carries < 0.01 %
    assert m.ai > 1e3  # sigma_10 is noise


def test_gradient_anisotropy_drops_constant_columns_and_is_deterministic():
    rng = np.random.default_rng(9)
    G = rng.standard_normal((40, 64))
    # after row normalisation, columns that are zero for every example stay exactly constant
    padded = np.hstack([np.zeros((40, 5)), G, np.zeros((40, 2))])
    a, b = an.gradient_anisotropy(G, seed=1), an.gradient_anisotropy(padded, seed=1)
    assert a.columns_kept == 64 and b.columns_kept == 64
    np.testing.assert_allclose(a.singular_values, b.singular_values, rtol=1e-12, atol=1e-14)
    c = an.gradient_anisotropy(G, seed=1)
    np.testing.assert_array_equal(a.singular_values, c.singular_values)
    d = an.gradient_anisotropy(G, seed=2)
    np.testing.assert_allclose(d.singular_values[:39], a.singular_values[:39], rtol=1e-6)
    # with M=40 <= P, centring removes one direction: without jitter the last of the 40
    # values is round-off, with it ~1e-8
    z = an.gradient_anisotropy(G, jitter=0.0)
    assert z.singular_values[-1] < 1e-13 and 1e-10 < a.singular_values[-1] < 1e-6
    assert a.ce == pytest.approx(np.sum(a.singular_values[:10] ** 2) / np.sum(a.singular_values**2), rel=1e-12)
    assert set(a.as_dict()) == {"AI", "CE", "PR", "effective_rank"}


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: an.singular_values(np.ones(5)), ValueError, r"^M\b"),
        (lambda: an.singular_values(np.ones((0, 3))), ValueError, r"^M\b"),
        (lambda: an.singular_values([[1.0, np.nan], [0.0, 1.0]]), ValueError, r"^M\b"),
        (lambda: an.singular_values([["a", "b"], ["c", "d"]]), TypeError, r"^M\b"),
        (lambda: an.singular_values(np.eye(3) * 1j), TypeError, r"^M\b"),
        (lambda: an.singular_values(torch.eye(3, dtype=torch.complex64)), TypeError, r"^M\b"),
        (lambda: an.singular_values(np.eye(3), top=4), ValueError, r"^top\b"),
        (lambda: an.singular_values(np.eye(3), top=0), ValueError, r"^top\b"),
        (lambda: an.singular_values(np.eye(3), top=2.0), TypeError, r"^top\b"),
        (lambda: an.anisotropy_index(np.ones(5), r=10), ValueError, r"^r\b"),
        (lambda: an.anisotropy_index(np.ones(5), r=0), ValueError, r"^r\b"),
        (lambda: an.anisotropy_index(np.ones(5), r=2.5), TypeError, r"^r\b"),
        (lambda: an.anisotropy_index(np.ones(5), r=True), TypeError, r"^r\b"),
        (lambda: an.energy_concentration(np.ones(20), r=10, top=8), ValueError, r"top \(8\)"),
        (lambda: an.energy_concentration(np.ones(12), r=10, top=16), ValueError, r"^top\b"),
        (lambda: an.participation_ratio([3.0, -1.0]), ValueError, r"^values\b"),
        (lambda: an.participation_ratio([3.0, np.nan]), ValueError, r"^values\b"),
        (lambda: an.effective_rank([]), ValueError, r"^s\b"),
        (lambda: an.effective_rank(2.0), ValueError, r"^s\b"),
        (lambda: an.effective_rank(np.zeros(4)), ValueError, r"^s\b"),
        (lambda: an.participation_ratio("abc"), TypeError, r"^values\b"),
        (lambda: an.matrix_anisotropy(np.eye(8)), ValueError, r"^r\b"),
        (lambda: an.matrix_anisotropy(np.eye(12)), ValueError, r"^top\b"),
        (lambda: an.matrix_anisotropy(np.eye(20), r=10, top=5), ValueError, r"top \(5\)"),
        (lambda: an.gradient_anisotropy(np.ones(10)), ValueError, r"\bG\b"),
        (lambda: an.gradient_anisotropy(np.ones((1, 10)), r=1), ValueError, r"\bG\b"),
        (lambda: an.gradient_anisotropy(np.vstack([np.ones(5), np.zeros(5)]), r=1), ValueError, r"\bG\b"),
        (lambda: an.gradient_anisotropy(np.ones((6, 5)), r=1), ValueError, r"\bG\b"),
        (lambda: an.gradient_anisotropy(np.random.default_rng(0).standard_normal((8, 30))), ValueError, r"^r\b"),
        (lambda: an.gradient_anisotropy(np.eye(12), column_tol=-1.0), ValueError, "column_tol"),
        (lambda: an.gradient_anisotropy(np.eye(12), jitter=float("nan")), ValueError, "jitter"),
        (lambda: an.gradient_anisotropy(np.eye(12), seed="x"), TypeError, "seed"),
    ],
)
def test_bad_input_names_the_argument(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


# --- one participation ratio, and the old module ---------------------------------------


def test_participation_ratio_is_of_the_spectrum_itself():
    v = np.array([4.0, 1.0, 1.0, 0.0])
    assert an.participation_ratio(v) == pytest.approx(v.sum() ** 2 / (v**2).sum(), rel=1e-15)
    assert an.participation_ratio(1e300 * v) == pytest.approx(an.participation_ratio(v), rel=1e-15)  # no overflow


def test_the_old_module_is_a_shim_that_warns():
    import importlib
    import sys

    sys.modules.pop("gatebook.anisotropy", None)
    with pytest.warns(DeprecationWarning, match="gatebook.spectra"):
        old = importlib.import_module("gatebook.anisotropy")
    for name in old.__all__:
        if name != "participation_ratio":
            assert getattr(old, name) is getattr(an, name)
    s = np.array([3.0, 2.0, 1.0])
    with pytest.warns(DeprecationWarning, match=r"participation_ratio\(s\*\*2\)"):
        assert old.participation_ratio(s) == pytest.approx(an.participation_ratio(s**2), rel=1e-15)  # old meaning kept
