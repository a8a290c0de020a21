"""Propagation and update anisotropy of cells, and the chapter-5 experiment runner.

Exact checks: frozen per-neuron gates against the closed form at every lag; sampled products
against direct step-by-step propagators and against the all-pairs products; GradCov of
torch.func per-example gradients against single backward passes; invariance to rescaling
one example's gradient. Statistical check: AI and CE grow with the lag over several seeds.
Runner: reproducible records, identical batches across arms, checkpoint 0 is the
initialisation, and clear errors for bad input.
"""

import importlib

import numpy as np
import pytest
import torch

import gatebook.learning as L
from gatebook import spectra as metrics
from gatebook.learning import anisotropy as A
from gatebook.learning.tasks import make_task

train_module = importlib.import_module("gatebook.learning.train")

TINY = dict(tasks=("adding", "ar2"), seeds=(0, 1), steps=3, T=12, n=16, m=4, batch=8, probe_batch=2,
            grad_samples=16, lags=(1, 4, 9), triples_per_lag=4, progress=False)


@pytest.fixture(autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# --- frozen per-neuron gates: the exact case ---------------------------------------------


def test_frozen_gates_match_the_closed_form_at_every_lag():
    n, r, top = 32, 10, 16
    gates = np.random.default_rng(3).permutation(np.linspace(0.05, 0.5, n))  # neuron order must not matter
    c = np.sort(1.0 - gates)[::-1]
    lags = (1, 2, 3, 5, 8, 13, 21, 30)
    measured = A.frozen_gate_propagation(gates, lags, T=31, batch=3, triples_per_lag=6, seed=1)
    for i, h in enumerate(lags):
        ai = (c[0] / c[r - 1]) ** h
        ce = np.sum(c[:r] ** (2 * h)) / np.sum(c[:top] ** (2 * h))
        e = c ** (2 * h)
        pr = e.sum() ** 2 / np.sum(e**2)
        p = e / e.sum()
        erank = np.exp(-np.sum(p * np.log(p)))
        # every sampled triple, not only the median, equals the closed form
        np.testing.assert_allclose(measured.values["AI"][i], ai, rtol=1e-10)
        np.testing.assert_allclose(measured.values["CE"][i], ce, rtol=0, atol=1e-10)
        np.testing.assert_allclose(measured.values["PR"][i], pr, rtol=1e-10)
        np.testing.assert_allclose(measured.values["effective_rank"][i], erank, rtol=1e-10)
        np.testing.assert_allclose(measured.log_spectra[i], np.broadcast_to(h * np.log(c), (6, n)), rtol=0, atol=1e-10)
    exact = A.frozen_gate_anisotropy(gates, lags, r=r, top=top)
    np.testing.assert_allclose(measured.median("AI"), exact["AI"], rtol=1e-10)
    np.testing.assert_allclose(measured.median("CE"), exact["CE"], rtol=0, atol=1e-10)
    # log AI is a straight line in the lag through the origin, slope ln(c_(1)/c_(10))
    slope, intercept = np.polyfit(lags, np.log(measured.median("AI")), 1)
    assert slope == pytest.approx(np.log(c[0] / c[r - 1]), rel=1e-10) and abs(intercept) < 1e-9


def test_frozen_gate_cell_is_diagonal_and_recurrent_scale_mixes():
    gates = np.linspace(0.1, 0.6, 8)
    cell = A.frozen_gate_cell(gates, 2, seed=0)
    u = torch.randn(2, 5, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    J = cell.state_jacobians(u)
    torch.testing.assert_close(J, torch.diag_embed(torch.as_tensor(1.0 - gates)).expand_as(J), rtol=0, atol=1e-15)
    torch.testing.assert_close(cell.rollout(u)["write"], torch.as_tensor(gates).expand(2, 5, 8), rtol=0, atol=1e-15)
    mixed = A.frozen_gate_cell(gates, 2, recurrent_scale=0.5, seed=0).state_jacobians(u)
    off_diagonal = mixed - torch.diag_embed(torch.diagonal(mixed, dim1=-2, dim2=-1))
    assert off_diagonal.abs().max() > 1e-3


# --- sampled products: independent computations -----------------------------------------


@pytest.mark.parametrize("cls", [L.PlainRNN, L.ScalarGateRNN, L.MultiGateRNN])
def test_sampled_pairs_equal_direct_propagators_and_all_pairs(cls):
    n, T, r, top = 18, 16, 10, 16
    cell = cls(3, n, seed=2, dtype=torch.float64, **({"gate_bias": 0.3} if cls is not L.PlainRNN else {}))
    u = torch.randn(3, T, 3, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    lags = (1, 3, 7, 12)
    p = A.propagation_anisotropy(cell, u, lags=lags, triples_per_lag=5, r=r, top=top, seed=11)
    J = cell.state_jacobians(u)
    everything = L.jacobian_products(J, max(lags))
    for i, h in enumerate(lags):
        for j, (b, t, k) in enumerate(p.triples[i]):
            assert t - k == h and 0 <= k and t <= T and 0 <= b < 3
            M = L.propagator(J, int(t), int(k))[b]  # built step by step, no renormalisation
            direct = metrics.matrix_anisotropy(M, r=r, top=top)
            for name in ("ai", "pr", "effective_rank"):
                assert p.values[{"ai": "AI", "pr": "PR", "effective_rank": "effective_rank"}[name]][i, j] == \
                    pytest.approx(getattr(direct, name), rel=1e-10)
            assert p.values["CE"][i, j] == pytest.approx(direct.ce, abs=1e-10)
            # an SVD is accurate to round-off times the largest singular value, so the trailing
            # values are compared on that absolute scale
            s, s_direct = np.exp(p.log_spectra[i, j]), direct.singular_values
            np.testing.assert_allclose(s, s_direct, rtol=1e-9, atol=1e-12 * s_direct[0])
            # the all-pairs recursion of jacobian_products agrees too
            s_all = np.exp(everything.log_singular_values[h - 1][b, k].numpy())
            np.testing.assert_allclose(s, s_all, rtol=1e-9, atol=1e-12 * s_all[0])


def test_same_seed_same_triples_and_the_cell_is_untouched():
    cell = L.MultiGateRNN(4, 16, seed=0)
    before = {k: v.clone() for k, v in cell.state_dict().items()}
    u = make_task("adding", 3, T=15, m=4, seed=0).inputs
    a = A.propagation_anisotropy(cell, u, lags=(2, 5), triples_per_lag=7, seed=4)
    b = A.propagation_anisotropy(cell, u, lags=(5, 2), triples_per_lag=7, seed=4)
    c = A.propagation_anisotropy(cell, u, lags=(2, 5), triples_per_lag=7, seed=5)
    np.testing.assert_array_equal(a.triples, b.triples)
    for name in A.METRICS:
        np.testing.assert_array_equal(a.values[name], b.values[name])
    assert not np.array_equal(a.triples, c.triples)
    assert cell.W_r.dtype == torch.float32 and all(torch.equal(before[k], v) for k, v in cell.state_dict().items())
    q25, q75 = a.iqr("AI")
    assert np.all(q25 <= a.median("AI")) and np.all(a.median("AI") <= q75)
    assert a.median_spectrum(5)[0] == 1.0 and np.all(np.diff(a.median_spectrum(5)) <= 1e-12)


@pytest.mark.parametrize("cls", [L.ScalarGateRNN, L.MultiGateRNN])
def test_anisotropy_grows_with_lag_over_seeds(cls):
    # Statistical claim of section 3.9: for random gated cells at initialisation, over 4 seeds,
    # the median AI rises strictly with the lag (and at least 20-fold from lag 1 to 16), CE rises
    # by more than 0.1, and the participation ratio falls.
    for seed in range(4):
        cell = cls(4, 24, seed=seed)
        u = make_task("adding", 4, T=20, m=4, seed=100 + seed).inputs
        p = A.propagation_anisotropy(cell, u, lags=(1, 2, 4, 8, 16), triples_per_lag=16, seed=seed)
        ai, ce, pr = p.median("AI"), p.median("CE"), p.median("PR")
        assert np.all(np.diff(ai) > 0) and ai[-1] > 20 * ai[0], (seed, ai)
        assert np.all(np.diff(ce) > -1e-12) and ce[-1] - ce[0] > 0.1, (seed, ce)
        assert np.all(np.diff(pr) < 0), (seed, pr)


# --- update anisotropy ------------------------------------------------------------------


def _loop_gradients(cell, u, y):
    rows = []
    params = list(cell.parameters())
    for i in range(u.shape[0]):  # one backward pass per example: the slow, obvious way
        loss = ((cell(u[i : i + 1]) - y[i : i + 1]) ** 2).sum()
        rows.append(torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)]))
    return torch.stack(rows)


@pytest.mark.parametrize("cls", [L.PlainRNN, L.MultiGateRNN])
def test_update_anisotropy_equals_gradcov_of_single_backward_passes(cls):
    cell = cls(3, 6, seed=1, dtype=torch.float64)
    data = make_task("adding", 12, T=8, m=3, seed=2, dtype=torch.float64)
    got = A.update_anisotropy(cell, data.inputs, data.targets, r=4, seed=7)
    ref = metrics.gradient_anisotropy(_loop_gradients(cell, data.inputs, data.targets), r=4, seed=7)
    for name in ("ai", "ce", "pr", "effective_rank"):
        assert getattr(got, name) == pytest.approx(getattr(ref, name), rel=1e-8)
    np.testing.assert_allclose(got.singular_values, ref.singular_values, rtol=1e-8, atol=1e-12)
    assert got.columns_kept == ref.columns_kept


def test_update_anisotropy_ignores_the_length_of_each_example_gradient():
    cell = L.MultiGateRNN(3, 8, seed=0, dtype=torch.float64)
    data = make_task("adding", 20, T=10, m=3, seed=1, dtype=torch.float64)
    y_hat = cell(data.inputs).detach()
    # example 3's residual, and with it row 3 of G, is multiplied by 4 (and example 7's by 0.1)
    y = data.targets.clone()
    y[3] = y_hat[3] - 4.0 * (y_hat[3] - y[3])
    y[7] = y_hat[7] - 0.1 * (y_hat[7] - y[7])
    G, G_scaled = (L.per_example_gradients(cell, data.inputs, t) for t in (data.targets, y))
    torch.testing.assert_close(G_scaled[3], 4.0 * G[3], rtol=1e-12, atol=1e-15)
    a = A.update_anisotropy(cell, data.inputs, data.targets, seed=0)
    b = A.update_anisotropy(cell, data.inputs, y, seed=0)
    for name in ("ai", "ce", "pr", "effective_rank"):
        assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-9)
    # a float32 cell is analysed in float64: same result as its float64 twin
    c32 = L.MultiGateRNN(3, 8, seed=0)
    c64 = L.MultiGateRNN(3, 8, seed=0, dtype=torch.float64)
    with torch.no_grad():
        for p64, p32 in zip(c64.parameters(), c32.parameters()):
            p64.copy_(p32.double())
    m32, m64 = (A.update_anisotropy(c, data.inputs, data.targets, seed=0) for c in (c32, c64))
    assert m32.ai == m64.ai and m32.ce == m64.ce


# --- the experiment runner --------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny():
    torch.set_num_threads(1)
    return A.anisotropy_experiment(**TINY)


def test_experiment_is_reproducible_and_tidy(tiny):
    again = A.anisotropy_experiment(**TINY)
    assert again.propagation == tiny.propagation and again.update == tiny.update and again.training == tiny.training
    runs = 3 * 2 * 2
    assert len(tiny.training) == runs and len(tiny.update) == 2 * runs and len(tiny.propagation) == 2 * 3 * runs
    assert tiny.checkpoints == [0, 3] and tiny.arm_labels == ["plain + Adam", "scalar + SGD", "multi + SGD"]
    params = {row["model"]: row["parameters"] for row in tiny.training}
    n, m = 16, 4
    assert params["plain"] == n * n + n * m + n  # no gate parameters: G has fewer columns
    assert params["scalar"] == params["plain"] + n + m and params["multi"] == params["plain"] + n * n + n * m
    # summaries are medians and quartiles of the per-seed values, and pairing is by task and seed
    rows = tiny.table("update", "AI", step=3)
    v = tiny.values("update", "AI", arm="multi + SGD", task="ar2", step=3)
    row = next(x for x in rows if x["arm"] == "multi + SGD" and x["task"] == "ar2")
    assert v.size == 2 and row["median"] == pytest.approx(np.median(v))
    assert row["q25"] == pytest.approx(np.percentile(v, 25)) and row["q75"] == pytest.approx(np.percentile(v, 75))
    a = tiny.values("update", "CE", arm="multi + SGD", step=0)
    b = tiny.values("update", "CE", arm="plain + Adam", step=0)
    pc = tiny.paired_comparison("multi + SGD", "plain + Adam", "CE", step=0)
    assert pc["pairs"] == 4 and pc["wins"] == int(np.sum(a >= b)) and pc["median_ratio"] == pytest.approx(np.median(a / b))
    lags, med, q25, q75 = tiny.curve("scalar + SGD", "AI", task="adding", step=0)
    assert list(lags) == [1, 4, 9] and np.all(q25 <= med) and np.all(med <= q75)
    text = tiny.markdown_table("update", ("AI", "CE", "PR", "effective_rank"))
    assert text.count("\n") == 1 + 2 * 3 and "multi + SGD" in text
    assert "| T | 120 | 12 |" in tiny.settings_table("s2")


def test_checkpoint_zero_is_the_initial_cell(tiny):
    # measured before the first update: an independent measurement of a fresh cell agrees
    arm = A.make_arms()[2]
    cell = arm.make_cell(4, 16, seed=1)
    probe = make_task("ar2", 16, T=12, m=4, seed=A._probe_seed("ar2", 1), dtype=torch.float64)
    upd = A.update_anisotropy(cell, probe.inputs, probe.targets, seed=A._probe_seed("ar2", 1))
    rec = next(x for x in tiny.update if x["arm"] == arm.label and x["task"] == "ar2" and x["seed"] == 1 and x["step"] == 0)
    assert rec["AI"] == upd.ai and rec["CE"] == upd.ce
    prop = A.propagation_anisotropy(cell, probe.inputs[:2], lags=(1, 4, 9), triples_per_lag=4,
                                    seed=A._probe_seed("ar2", 1))
    recs = [x for x in tiny.propagation if x["arm"] == arm.label and x["task"] == "ar2" and x["seed"] == 1
            and x["step"] == 0]
    np.testing.assert_array_equal([x["AI"] for x in recs], prop.median("AI"))
    later = next(x for x in tiny.update if x["arm"] == arm.label and x["task"] == "ar2" and x["seed"] == 1 and x["step"] == 3)
    assert later["AI"] != rec["AI"]  # training moved the weights


@pytest.mark.parametrize("arm", A.make_arms(), ids=lambda a: a.label)
def test_runs_train_like_train(tiny, arm):
    # an independent run of gatebook.learning.train with the arm's settings moves the weights
    # by the recorded amount and ends at the recorded loss; the runner trains the seeds side
    # by side (train_ensemble), which agrees with separate float32 runs to round-off
    # (float32 epsilon is 1.2e-7), not bit for bit
    cell = arm.make_cell(4, 16, seed=0)
    start = torch.cat([p.detach().double().reshape(-1) for p in cell.parameters()])
    history = L.train(cell, "ar2", optimizer=arm.optimizer, lr=arm.lr, steps=3, batch=8, seed=0,
                      task_kwargs={"T": 12}, progress=False)
    end = torch.cat([p.detach().double().reshape(-1) for p in cell.parameters()])
    rec = next(x for x in tiny.training if x["arm"] == arm.label and x["task"] == "ar2" and x["seed"] == 0)
    assert rec["weight_change"] == pytest.approx(float((end - start).norm() / start.norm()), rel=1e-6)
    assert rec["final_loss"] == pytest.approx(history.loss[-1], rel=1e-6)  # last 10 % of 3 steps = the last one
    assert 0 < rec["weight_change"] < 1


def test_arms_see_identical_batches(monkeypatch):
    seen = []
    original = train_module.make_task

    def recording(name, batch, **kw):
        data = original(name, batch, **kw)
        seen.append((name, kw["seed"], data.inputs.double().sum().item(), data.targets.double().sum().item()))
        return data

    monkeypatch.setattr(train_module, "make_task", recording)
    A.anisotropy_experiment(**{**TINY, "tasks": ("adding",), "seeds": (0, 1)})
    per_arm = len(seen) // 3
    assert len(seen) == 3 * per_arm == 3 * 2 * 3  # 3 arms x 2 seeds x 3 steps
    assert seen[:per_arm] == seen[per_arm : 2 * per_arm] == seen[2 * per_arm :]
    assert seen[0][1] != seen[3][1]  # different seeds do get different batches


@pytest.mark.parametrize("change, error, match", [
    ({"arms": [{"model": "lstm", "optimizer": "sgd", "lr": 0.01}]}, ValueError, "arm model"),
    ({"arms": [{"model": "plain", "optimizer": "adagrad", "lr": 0.01}]}, ValueError, "arm optimizer"),
    ({"arms": [{"model": "plain", "optimizer": "sgd", "lr": -1.0}]}, ValueError, "arm lr"),
    ({"arms": [{"model": "plain", "optimizer": "sgd"}]}, ValueError, "keys"),
    ({"arms": [{"model": "plain", "optimizer": "sgd", "lr": 0.1}, {"model": "plain", "optimizer": "sgd", "lr": 0.2}]},
     ValueError, "differ"),
    ({"arms": "plain"}, TypeError, "arms"),
    ({"tasks": ("adding", "copy")}, ValueError, "task"),
    ({"tasks": ("delay_sum",)}, ValueError, "T"),
    ({"lags": (1, 12)}, ValueError, "T=12"),
    ({"lags": (0, 2)}, ValueError, "lags"),
    ({"lags": (2, 2)}, ValueError, "repeat"),
    ({"steps": 0}, ValueError, "steps"),
    ({"n": 0}, ValueError, "n"),
    ({"T": -3}, ValueError, "T"),
    ({"batch": 0}, ValueError, "batch"),
    ({"grad_samples": 0}, ValueError, "grad_samples"),
    ({"probe_batch": 32}, ValueError, "probe_batch"),
    ({"triples_per_lag": 0}, ValueError, "triples_per_lag"),
    ({"n": 12}, ValueError, "top"),
    ({"checkpoints": (0, 5)}, ValueError, "checkpoints"),
    ({"seeds": (0, 0)}, ValueError, "seeds"),
    ({"seeds": 3}, TypeError, "seeds"),
    ({"steps": 2.5}, TypeError, "steps"),
    ({"init": "xavier"}, ValueError, "init"),
])
def test_bad_experiment_input(change, error, match):
    with pytest.raises(error, match=match):
        A.anisotropy_experiment(**{**TINY, **change})


def test_bad_measurement_input():
    cell = L.MultiGateRNN(2, 16, seed=0)
    u = torch.zeros(2, 10, 2)
    with pytest.raises(TypeError, match="cell"):
        A.propagation_anisotropy("cell", u)
    with pytest.raises(ValueError, match="T=10"):
        A.propagation_anisotropy(cell, u, lags=(1, 10))
    with pytest.raises(ValueError, match="top"):
        A.propagation_anisotropy(cell, u, lags=(1,), top=20)
    with pytest.raises(ValueError, match="inputs"):
        A.propagation_anisotropy(cell, torch.zeros(2, 10, 3), lags=(1,))
    with pytest.raises(ValueError, match="NaN"):
        A.propagation_anisotropy(cell, torch.full((2, 10, 2), float("nan")), lags=(1,))
    with pytest.raises(ValueError, match="targets"):
        A.update_anisotropy(cell, u, torch.full((2, 1), float("nan")))
    with pytest.raises(ValueError, match="gates"):
        A.frozen_gate_cell([0.2, 1.0])
    with pytest.raises(ValueError, match="recurrent_scale"):
        A.frozen_gate_cell([0.2, 0.3], recurrent_scale=-1.0)
    with pytest.warns(DeprecationWarning, match="recurrent_scale"), pytest.raises(ValueError, match="recurrent_gain"):
        A.frozen_gate_cell([0.2, 0.3], recurrent_gain=-1.0)
    with pytest.raises(ValueError, match="top"):
        A.frozen_gate_anisotropy(np.linspace(0.1, 0.5, 8), [1, 2])


def test_bad_summary_requests(tiny):
    with pytest.raises(ValueError, match="checkpoints"):
        tiny.table("update", "AI", step=1)
    with pytest.raises(ValueError, match="arm"):
        tiny.values("update", "AI", arm="lstm + SGD")
    with pytest.raises(ValueError, match="task"):
        tiny.values("update", "AI", arm="plain + Adam", task="copy")
    with pytest.raises(ValueError, match="lag"):
        tiny.values("propagation", "AI", arm="plain + Adam", lag=2)
    with pytest.raises(ValueError, match="metric"):
        tiny.values("update", "ai", arm="plain + Adam")


@pytest.mark.parametrize("change, error, match", [
    ({"tasks": 1.0}, TypeError, "tasks"),  # "'float' object is not iterable" before
    ({"tasks": ("adding", 3)}, TypeError, "tasks"),
    ({"tasks": ("copy",)}, ValueError, "tasks"),
    ({"seeds": 1.0}, TypeError, "seeds"),
    ({"seeds": (0, 1.5)}, TypeError, "seeds"),
    ({"lags": 2.0}, TypeError, "lags"),
    ({"checkpoints": ("a",)}, TypeError, "checkpoints"),
    ({"n": 10**12}, ValueError, "n is too large"),  # a failure deep inside torch before
    ({"steps": 10**12}, ValueError, "steps"),  # a MemoryError before
    ({"grad_samples": 10**12}, ValueError, "grad_samples"),
    ({"triples_per_lag": 10**12}, ValueError, "triples_per_lag"),
    ({"progress": np.zeros(2)}, TypeError, "progress"),
])
def test_bad_experiment_input_fails_before_any_work(change, error, match):
    with pytest.raises(error, match=match):
        A.anisotropy_experiment(**{**TINY, **change})


def test_numpy_seeds_are_accepted():
    a = A.frozen_gate_propagation(np.linspace(0.1, 0.5, 4), np.array([1, 2]), r=2, top=3, seed=np.int64(3))
    b = A.frozen_gate_propagation(np.linspace(0.1, 0.5, 4), [1, 2], r=2, top=3, seed=3)
    np.testing.assert_array_equal(a.log_spectra, b.log_spectra)
    with pytest.raises(TypeError, match="lags"):
        A.frozen_gate_anisotropy([0.1, 0.3], 2.0, r=1, top=2)
