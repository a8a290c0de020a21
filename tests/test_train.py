"""Training loops: exact optimiser arithmetic, checkpoint timing, seeded batches, ensembles."""

import copy

import numpy as np
import pytest
import torch

from gatebook.learning import LeakyRNN, MultiGateRNN, PlainRNN, ScalarGateRNN
from gatebook.learning.train import OPTIMIZERS, batch_seeds, make_optimizer, train, train_ensemble
from gatebook.learning.tasks import make_task

CELLS = (PlainRNN, LeakyRNN, ScalarGateRNN, MultiGateRNN)
SMALL = dict(batch=8, task_kwargs={"T": 12}, progress=False)


def _params(cell):
    return [p.detach().clone() for p in cell.parameters()]


def _max_diff(a, b):
    return max(float((x - y).abs().max()) for x, y in zip(a, b))


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("nonlinearity", ["tanh", "linear"])
def test_lean_forward_equals_the_rollout_readout(cls, nonlinearity):
    cell = cls(3, 6, seed=2, dtype=torch.float64, nonlinearity=nonlinearity, bias=True)
    u = torch.randn(4, 9, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(cell(u), cell.rollout(u)["output"], atol=1e-14, rtol=0)


@pytest.mark.parametrize("cls", CELLS)
def test_drive_offset_gradient_splits_the_input_weight_gradient_by_step(cls):
    """dL/d(offset)[:, k] is the credit reaching step k; summing credit_k u_k^T over k gives dL/dW_i."""
    cell = cls(3, 5, seed=1, dtype=torch.float64)
    u = torch.randn(4, 7, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    y = torch.randn(4, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    z = torch.zeros(4, 7, 5, dtype=torch.float64, requires_grad=True)
    loss = ((cell(u, drive_offset=z) - y) ** 2).mean()
    credit, grad_Wi = torch.autograd.grad(loss, (z, cell.W_i))
    assert torch.allclose(torch.einsum("btn,btm->nm", credit, u), grad_Wi, atol=1e-14, rtol=0)
    with pytest.raises(ValueError, match="drive_offset"):
        cell(u, drive_offset=torch.zeros(4, 7, 4, dtype=torch.float64))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_first_update_is_the_textbook_step_on_the_first_batch(optimizer):
    """Step 0 uses batch_seeds(seed)[0]; SGD moves by -lr*grad, Adam's first step by -lr*sign(grad) (bias-corrected)."""
    lr, seed = 0.05, 3
    cell = MultiGateRNN(4, 8, seed=0, dtype=torch.float64)
    before = copy.deepcopy(cell)
    train(cell, "adding", optimizer=optimizer, lr=lr, steps=1, seed=seed, **SMALL)
    data = make_task("adding", 8, T=12, m=4, seed=int(batch_seeds(seed, 1)[0]), dtype=torch.float64)
    loss = torch.mean((before(data.inputs) - data.targets) ** 2)
    grads = torch.autograd.grad(loss, list(before.parameters()))
    for p0, p1, g in zip(before.parameters(), cell.parameters(), grads):
        if optimizer in ("sgd", "momentum"):  # momentum buffer starts at the gradient
            expected = p0 - lr * g
        elif optimizer == "adam":  # m_hat = g, v_hat = g^2 after bias correction
            expected = p0 - lr * g / (g.abs() + 1e-8)
        else:  # RMSProp: v = (1 - 0.99) g^2
            expected = p0 - lr * g / (torch.sqrt(0.01 * g * g) + 1e-8)
        assert torch.allclose(p1, expected, atol=1e-12, rtol=1e-10)


def test_checkpoints_are_taken_before_that_iterations_update():
    cell = ScalarGateRNN(4, 8, seed=1, dtype=torch.float64)
    init = _params(cell)
    hist = train(cell, steps=6, checkpoints=(0, 4, 6), on_checkpoint=lambda c, s: _params(c), **SMALL)
    assert hist.checkpoints == [0, 4, 6]
    assert _max_diff(hist.record(0), init) == 0.0
    ref = ScalarGateRNN(4, 8, seed=1, dtype=torch.float64)
    train(ref, steps=4, **SMALL)  # same seed: the same first four batches
    assert _max_diff(hist.record(4), _params(ref)) < 1e-14
    assert _max_diff(hist.record(6), _params(cell)) == 0.0
    with pytest.raises(KeyError, match="no checkpoint"):
        hist.record(5)


def test_same_seed_same_batches_for_every_model_and_optimizer():
    seen = {}

    def recording_task(name):
        def draw(batch, seed):
            seen.setdefault(name, []).append(seed)
            return make_task("delay_sum", batch, T=40, m=4, seed=seed)
        return draw

    train(PlainRNN(4, 8, seed=0), recording_task("plain"), optimizer="adam", lr=1e-3, steps=5, batch=4, progress=False)
    train(MultiGateRNN(4, 8, seed=9), recording_task("multi"), optimizer="sgd", steps=5, batch=4, progress=False)
    assert seen["plain"] == seen["multi"] == [int(s) for s in batch_seeds(0, 5)]
    a = train(MultiGateRNN(4, 8, seed=5), steps=5, seed=7, **SMALL)
    b = train(MultiGateRNN(4, 8, seed=5), steps=5, seed=7, **SMALL)
    np.testing.assert_array_equal(a.loss, b.loss)


def test_training_learns_the_adding_task():
    """3 seeds, T=10, n=16, 200 steps of 32 examples. The mean predictor's MSE is 1/6.

    Adam (lr 1e-2) brings a multi-gate cell below 10 % of it (observed: about 6 %). The
    exact arithmetic of every optimiser is checked by the first-update test above.
    """
    for seed in range(3):
        adam = train(MultiGateRNN(2, 16, seed=seed), "adding", optimizer="adam", lr=1e-2, steps=200, batch=32,
                     seed=seed, task_kwargs={"T": 10}, progress=False)
        assert adam.smoothed_loss(20)[19] > 0.1  # starts near the mean predictor
        assert adam.loss[-50:].mean() < 0.1 / 6


@pytest.mark.parametrize("cls, optimizer", [(MultiGateRNN, o) for o in OPTIMIZERS] + [(LeakyRNN, "sgd")])
def test_ensemble_equals_separate_runs(cls, optimizer):
    seeds = [0, 3, 4]
    make = lambda s: cls(4, 8, seed=s, dtype=torch.float64)  # noqa: E731
    ens = train_ensemble(make, seeds, optimizer=optimizer, lr=1e-2, steps=7, checkpoints=(0, 7),
                         on_checkpoint=lambda c, s: _params(c), **SMALL)
    assert len(ens) == 3 and ens.final_losses(3).shape == (3,)
    for i, s in enumerate(seeds):
        cell = make(s)
        init = _params(cell)
        hist = train(cell, optimizer=optimizer, lr=1e-2, steps=7, seed=s, **SMALL)
        assert _max_diff(_params(ens.cells[i]), _params(cell)) < 1e-12
        np.testing.assert_allclose(ens.histories[i].loss, hist.loss, rtol=1e-12, atol=0)
        assert _max_diff(ens.histories[i].record(0), init) == 0.0
        assert _max_diff(ens.histories[i].record(7), _params(cell)) < 1e-12


def test_divergence_raises_a_clear_error():
    with pytest.raises(FloatingPointError, match="lower lr"):
        train(PlainRNN(4, 8, seed=0), "narma10", lr=1e30, steps=20, **SMALL)


def test_bad_input():
    cell = PlainRNN(4, 8, seed=0)
    with pytest.raises(ValueError, match="optimizer"):
        train(cell, optimizer="adagrad", steps=1, **SMALL)
    with pytest.raises(ValueError, match="lr"):
        train(cell, lr=0.0, steps=1, **SMALL)
    with pytest.raises(ValueError, match="lr"):
        make_optimizer(cell.parameters(), "sgd", -1.0)
    with pytest.raises(ValueError, match="steps"):
        train(cell, steps=0, **SMALL)
    with pytest.raises(ValueError, match="batch"):
        train(cell, steps=1, batch=0, progress=False)
    with pytest.raises(ValueError, match="task"):
        train(cell, "parity", steps=1, **SMALL)
    with pytest.raises(ValueError, match="checkpoints"):
        train(cell, steps=3, checkpoints=(4,), on_checkpoint=lambda c, s: None, **SMALL)
    with pytest.raises(ValueError, match="on_checkpoint"):
        train(cell, steps=3, checkpoints=(1,), **SMALL)
    with pytest.raises(ValueError, match="momentum"):
        train(cell, optimizer="momentum", momentum=1.0, steps=1, **SMALL)
    with pytest.raises(ValueError, match="seed"):
        batch_seeds(-1, 3)
    make = lambda s: PlainRNN(4, 8, seed=s)  # noqa: E731
    with pytest.raises(ValueError, match="seeds"):
        train_ensemble(make, [1, 1], steps=1, **SMALL)
    with pytest.raises(ValueError, match="seeds"):
        train_ensemble(make, [], steps=1, **SMALL)
    with pytest.raises(TypeError, match="make_cell"):
        train_ensemble(None, [0], steps=1, **SMALL)
    with pytest.raises(ValueError, match="one class and one size"):
        train_ensemble(lambda s: PlainRNN(4, 8 + s, seed=s), [0, 1], steps=1, **SMALL)


def test_flushing_denormals_changes_nothing_above_the_subnormal_range():
    """Flush-to-zero only touches values below ~1e-308 here: the float64 runs agree exactly."""
    runs = [train(MultiGateRNN(4, 8, seed=2, dtype=torch.float64), steps=5, flush_denormal=flag, **SMALL)
            for flag in (True, False)]
    np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
    tiny = torch.tensor([1e-310], dtype=torch.float64)
    assert float(tiny * 1.0) > 0  # flushing was switched off again after the run


def test_sequences_sizes_and_options_are_checked_up_front():
    cell = MultiGateRNN(4, 8, seed=0)
    make = lambda s: PlainRNN(4, 8, seed=s)  # noqa: E731
    for bad in (1.0, 3, None, "ab"):  # a float gave "'float' object is not iterable" before
        with pytest.raises(TypeError, match="seeds"):
            train_ensemble(make, bad, steps=1, **SMALL)
    train_ensemble(make, np.array([0, 1]), steps=1, **SMALL)  # numpy integers are seeds
    with pytest.raises(ValueError, match="steps is too large"):
        batch_seeds(0, 10**12)  # a MemoryError before
    with pytest.raises(ValueError, match="steps is too large"):
        train(cell, steps=10**12, **SMALL)
    with pytest.raises(TypeError, match="checkpoints"):
        train(cell, steps=3, checkpoints=1.0, on_checkpoint=lambda c, s: None, **SMALL)
    with pytest.raises(TypeError, match="checkpoints"):
        train(cell, steps=3, checkpoints=("a",), on_checkpoint=lambda c, s: None, **SMALL)
    with pytest.raises(TypeError, match="task_kwargs"):
        train(cell, steps=1, batch=2, task_kwargs=[("T", 5)], progress=False)
    with pytest.raises(TypeError, match="progress"):
        train(cell, steps=1, batch=2, progress=np.zeros(2))
    with pytest.raises(TypeError, match="cell"):
        train("cell", steps=1, **SMALL)
    with pytest.raises(ValueError, match="optimizer name"):
        make_optimizer(cell.parameters(), "adagrad", 0.1)


# ---------------------------------------------------------------- workers (issue 15)


def _scalar_cell(seed):
    return ScalarGateRNN(4, 16, seed=seed)  # float32: its stacked kernels round by place in the stack


def _ensemble_arrays(ens):
    return [h.loss for h in ens.histories], [p.detach() for c in ens.cells for p in c.parameters()], \
        [h.records for h in ens.histories]


@pytest.mark.parametrize("group_size", [None, 2])
def test_ensemble_on_two_workers_is_bit_identical(group_size):
    kw = dict(optimizer="adam", lr=1e-2, steps=12, batch=8, task_kwargs={"T": 12}, progress=False,
              checkpoints=(0, 12), on_checkpoint=lambda c, s: c.W_r.detach().sum().item(), group_size=group_size)
    one = train_ensemble(_scalar_cell, [0, 1, 2, 3, 4], **kw)
    two = train_ensemble(_scalar_cell, [0, 1, 2, 3, 4], n_jobs=2, **kw)
    assert one.seeds == two.seeds == [0, 1, 2, 3, 4]
    (l1, p1, r1), (l2, p2, r2) = _ensemble_arrays(one), _ensemble_arrays(two)
    for a, b in zip(l1, l2):
        np.testing.assert_array_equal(a, b)
    assert all(torch.equal(a, b) for a, b in zip(p1, p2)) and r1 == r2
    assert len({h.loss[-1] for h in one.histories}) == 5  # five distinct runs, each on its own batches


def test_one_group_of_every_member_is_the_default_stack():
    kw = dict(steps=4, batch=8, task_kwargs={"T": 12}, progress=False)
    whole = train_ensemble(_scalar_cell, [0, 1, 2], **kw)
    same = train_ensemble(_scalar_cell, [0, 1, 2], group_size=3, **kw)
    assert all(np.array_equal(a.loss, b.loss) for a, b in zip(whole.histories, same.histories))
    with pytest.raises(ValueError, match="group_size"):
        train_ensemble(_scalar_cell, [0, 1], group_size=0, **kw)


# -- the device convention (issue 16 §4; gatebook.backend) ---------------------------------------
def test_training_on_device_cpu_is_training_here():
    """device="cpu" is the package's device convention; on the CPU it changes nothing, bit for bit."""
    from gatebook.learning import MultiGateRNN, train, train_ensemble

    kw = dict(steps=6, batch=8, task_kwargs={"T": 12}, progress=False)
    a, b = MultiGateRNN(4, 8, seed=3), MultiGateRNN(4, 8, seed=3)
    ha, hb = train(a, "adding", **kw), train(b, "adding", device="cpu", **kw)
    np.testing.assert_array_equal(ha.loss, hb.loss)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    ea = train_ensemble(lambda s: MultiGateRNN(4, 8, seed=s), [0, 1], "adding", **kw)
    eb = train_ensemble(lambda s: MultiGateRNN(4, 8, seed=s), [0, 1], "adding", device="cpu", **kw)
    np.testing.assert_array_equal(np.stack([h.loss for h in ea.histories]), np.stack([h.loss for h in eb.histories]))


@pytest.mark.parametrize("device, error", [("numpy", ValueError), ("gpu", ValueError), (3, TypeError)])
def test_training_device_errors_name_device(device, error):
    from gatebook.learning import MultiGateRNN, train, train_ensemble

    with pytest.raises(error, match="device"):
        train(MultiGateRNN(4, 8, seed=0), "adding", steps=1, batch=2, device=device, progress=False)
    with pytest.raises(error, match="device"):
        train_ensemble(lambda s: MultiGateRNN(4, 8, seed=s), [0], "adding", steps=1, batch=2, device=device,
                       progress=False)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_training_on_cuda_matches_cpu():
    from gatebook.learning import MultiGateRNN, train

    kw = dict(steps=5, batch=8, task_kwargs={"T": 12}, progress=False)
    a, b = MultiGateRNN(4, 8, seed=3).double(), MultiGateRNN(4, 8, seed=3).double()
    ha, hb = train(a, "adding", **kw), train(b, "adding", device="cuda", **kw)
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-9)


def test_tracking_on_device_cpu_is_tracking_here():
    from gatebook.learning import ScalarGateRNN
    from gatebook.learning.tracking import track_lag_profiles

    kw = dict(checkpoints=(0, 3), steps=3, batch=4, probe_batch=2, task_kwargs={"T": 10}, progress=False)
    a = track_lag_profiles(ScalarGateRNN(4, 8, seed=0), "adding", **kw)
    b = track_lag_profiles(ScalarGateRNN(4, 8, seed=0), "adding", device="cpu", **kw)
    np.testing.assert_array_equal(a.slope("carry"), b.slope("carry"))
    np.testing.assert_array_equal(a.gates, b.gates)
