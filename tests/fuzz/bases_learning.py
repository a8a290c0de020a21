"""Valid base calls for the fuzz test: the callables defined under the 'learning' part of gatebook.

``BASES`` maps a callable's full name to a function returning the keyword arguments of a small,
fast, valid call (fresh objects each time). ``SKIP`` maps a name to {argument: reason} for
arguments that are not fuzzed; ``ALIASES`` to {argument: (other words that name it,)};
``EXCLUDED`` maps a name to the reason the callable is not fuzzed at all; ``ALLOWED`` maps
``(name, argument, battery value or "*")`` to the reason a failing outcome is accepted.

Every base is tiny (hidden size 4, 2 input channels, 6 steps, 2-3 examples, 2 training steps,
one seed) so that the fuzz of the whole learning area stays well under a minute or two.
"""

from __future__ import annotations

import numpy as np

from .bases_common import cell, gated_network, inputs, random_network, scratch_folder

_L = "gatebook.learning."


# ---------------------------------------------------------------------------
# small fresh objects
# ---------------------------------------------------------------------------


def _torch():
    import torch

    return torch


def _cell64(name: str = "ScalarGateRNN", input_size: int = 2, hidden_size: int = 4, **kw):
    return cell(name, input_size, hidden_size, dtype=_torch().float64, **kw)


def _targets(batch: int = 3):
    torch = _torch()
    return torch.linspace(0.0, 1.0, batch, dtype=torch.float64).reshape(batch, 1)


def _leaky(hidden_size: int = 4):
    from gatebook.learning.kernels import leaky_cell

    return leaky_cell(0.5, input_size=2, hidden_size=hidden_size)


def _jacobians():
    c = _cell64("MultiGateRNN")
    return c.state_jacobians(inputs(2, 6, 2))


def _split():
    from gatebook.learning.expansion import jacobian_split

    return jacobian_split(_cell64("MultiGateRNN"), inputs(2, 5, 2))


def _write():
    return _cell64("MultiGateRNN").rollout(inputs(2, 6, 2))["write"]


def _lag_gradients():
    from gatebook.learning.kernels import lag_gradients

    return lag_gradients(_leaky(), inputs(3, 6, 2), _targets(3))


def _make_scalar_cell(seed):
    from gatebook.learning import ScalarGateRNN

    return ScalarGateRNN(2, 4, seed=seed)


def _euler_cell():
    """The Euler-step cell of a small gated network (N = 4, state size 12, 2 input channels)."""
    from gatebook.learning.network_cells import EulerCell

    return EulerCell(gated_network(4), 0.1, input_size=2, input_weights=0.1 * np.ones((12, 2)))


def _arm():
    from gatebook.learning.arms import Arm

    return [Arm("multi", "sgd", 1e-2)]


def _appB_tiny():
    from gatebook.learning.presets import get_preset

    return get_preset("laptop_appB", T=8, n=4)


def _history():
    """A training history whose checkpoints were moved by the fixed-batch quirk (0 -> 1)."""
    from gatebook.learning.train import TrainingHistory

    return TrainingHistory(loss=np.zeros(2), checkpoints=[1, 2], records=["after 1", "after 2"])


def _train_kw():
    return dict(task="adding", optimizer="sgd", lr=1e-2, steps=2, batch=2, task_kwargs={"T": 6}, momentum=0.9,
                checkpoints=(), on_checkpoint=None, progress=False, desc=None, flush_denormal=True)


def _adam_stepped():
    """A parameter and the Adam optimiser that has updated it twice."""
    torch = _torch()
    w = torch.nn.Parameter(torch.tensor([0.5, -2.0, 1.0]))
    opt = torch.optim.Adam([w], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (w ** 2).sum().backward()
        opt.step()
    return {"optimizer": opt, "parameter": w}


# ---------------------------------------------------------------------------
# the base calls
# ---------------------------------------------------------------------------


BASES = {
    # anisotropy, cell_anisotropy
    _L + "anisotropy.anisotropy_experiment": lambda: dict(
        arms=_arm(), tasks=("adding",), seeds=(0,), steps=2, checkpoints=None, T=6, n=4, m=2, batch=2,
        probe_batch=2, grad_samples=3, lags=(1, 2), triples_per_lag=2, top=3, r=2, init="uniform", progress=False),
    _L + "anisotropy.spectrum_table": lambda: dict(spectra={"a": np.array([3.0, 2.0, 1.0])}, r=2, top=None),
    _L + "cell_anisotropy.frozen_gate_anisotropy": lambda: dict(gates=np.array([0.1, 0.3, 0.5, 0.7]), lags=[1, 2],
                                                                r=2, top=3),
    _L + "cell_anisotropy.frozen_gate_propagation": lambda: dict(
        gates=np.array([0.1, 0.3, 0.5, 0.7]), lags=[1, 2], recurrent_scale=0.0, T=None, batch=2, triples_per_lag=2,
        r=2, top=3, seed=0, recurrent_gain=None),
    _L + "cell_anisotropy.propagation_anisotropy": lambda: dict(
        cell=cell("MultiGateRNN"), inputs=inputs(), lags=(1, 2), triples_per_lag=2, top=3, r=2, seed=0),
    _L + "cell_anisotropy.update_anisotropy": lambda: dict(cell=cell("MultiGateRNN"), inputs=inputs(),
                                                           targets=_targets(), r=2, seed=0),
    # arms: make_arms runs with its defaults
    # cells
    _L + "cells.RecurrentCell": lambda: dict(input_size=2, hidden_size=4, bias=False, init="uniform",
                                             nonlinearity="tanh", seed=0, dtype=_torch().float32),
    _L + "cells.PlainRNN": lambda: dict(input_size=2, hidden_size=4, bias=True, init="uniform", nonlinearity="tanh",
                                        seed=0, dtype=_torch().float64),
    _L + "cells.LeakyRNN": lambda: dict(input_size=2, hidden_size=4, alpha=0.8, seed=0),
    _L + "cells.ScalarGateRNN": lambda: dict(input_size=2, hidden_size=4, gate_bias=0.3, gate_weights="random",
                                             seed=0),
    _L + "cells.MultiGateRNN": lambda: dict(input_size=2, hidden_size=4, gate_bias=None, gate_weights="random",
                                            seed=0),
    # common
    _L + "common.check_cell": lambda: dict(cell=cell("PlainRNN")),
    _L + "common.check_r_top": lambda: dict(r=2, top=3, n=4, what="hidden size"),
    _L + "common.check_sampled_lags": lambda: dict(lags=(1, 2), T=5, name="lags"),
    _L + "common.check_seed": lambda: dict(seed=3, name="seed"),
    _L + "common.check_seeds": lambda: dict(seeds=(0, 2), name="seeds", distinct=True),
    _L + "common.check_checkpoints": lambda: dict(checkpoints=(0, 2), steps=3, name="checkpoints", allow_empty=True),
    _L + "common.check_sizes": lambda: dict(sizes=[("batch", 3), ("T", 6)], itemsize=8, what="the inputs"),
    _L + "common.check_targets": lambda: dict(targets=_targets(), batch=3, name="targets"),
    _L + "common.check_tensor": lambda: dict(x=inputs(), name="x", ndim=3, shape="(batch, T, m)", finite=True),
    # diagonal_preconditioner
    _L + "diagonal_preconditioner.carry_products": lambda: dict(gates=[0.2, 0.5], max_lag=3, convention="carry"),
    _L + "diagonal_preconditioner.condition_number": lambda: dict(gates=[0.2, 0.5], lags=[0, 1, 2],
                                                                  convention="carry"),
    _L + "diagonal_preconditioner.credit_by_lag": lambda: dict(cell=_cell64("MultiGateRNN"), inputs=inputs(),
                                                               targets=_targets()),
    _L + "diagonal_preconditioner.diagonal_predictor": lambda: dict(cell=_cell64("MultiGateRNN"), inputs=inputs(),
                                                                    max_lag=None),
    _L + "diagonal_preconditioner.preconditioner_condition": lambda: dict(
        gates=[0.1, 0.3, 0.5], lags=[1, 2], r=2, recurrent_scale=0.0, seed=0, T=None, batch=1),
    # expansion
    _L + "expansion.expansion_check": lambda: dict(
        model="multi", inputs=None, seeds=(0,), T=5, n=4, m=2, eps_grid=(1e-3, 1e-2, 1e-1), fit_points=2,
        outlier_factor=1.5, progress=False),
    _L + "expansion.first_order_expansion": lambda: dict(zip(("A", "B"), _split()), k=0, t=3),
    _L + "expansion.jacobian_split": lambda: dict(cell=_cell64("MultiGateRNN"), inputs=inputs()),
    _L + "expansion.scaled_product": lambda: dict(zip(("A", "B"), _split()), k=0, t=3, eps=0.1),
    _L + "expansion.truncation_error": lambda: dict(zip(("A", "B"), _split()), k=0, t=3, eps_values=[0.01, 0.1]),
    # frozen
    _L + "frozen.check_gates": lambda: dict(gates=[0.2, 0.5], name="gates"),
    _L + "frozen.frozen_gate_cell": lambda: dict(gates=[0.2, 0.5], input_size=2, recurrent_scale=0.5,
                                                 nonlinearity="tanh", seed=0, dtype=_torch().float64,
                                                 recurrent_gain=None),
    # gate_credit
    _L + "gate_credit.analysis_copy": lambda: dict(cell=cell("ScalarGateRNN")),
    _L + "gate_credit.gate_traces": lambda: dict(cell=cell("ScalarGateRNN"), inputs=inputs()),
    _L + "gate_credit.step_credit": lambda: dict(cell=cell("ScalarGateRNN"), inputs=inputs(), targets=_targets()),
    _L + "gate_credit.zeroth_order_weights": lambda: dict(gates=np.array([[0.5, 0.4, 0.3]]), convention="carry"),
    # gate_level
    _L + "gate_level.gate_level_sweep": lambda: dict(gate_biases=[0.2, 0.8], input_scale=1.0, hidden_size=4,
                                                     input_size=2, T=6, batch=2, seed=0, probe_seed=7),
    _L + "gate_level.init_scalar_gate": lambda: dict(gate_bias=0.3, input_scale=1.0, hidden_size=4, input_size=2,
                                                     seed=0),
    # gradients
    _L + "gradients.per_example_gradients": lambda: dict(cell=cell("MultiGateRNN"), inputs=inputs(),
                                                         targets=_targets(), method="credit"),
    # kernels
    _L + "kernels.ema_kernel": lambda: dict(beta=0.5, max_lag=4),
    _L + "kernels.half_life": lambda: dict(alpha=0.5),
    _L + "kernels.impulse_response": lambda: dict(alpha=0.5, max_lag=4),
    _L + "kernels.lag_cutoff": lambda: dict(alpha=0.5, fraction=0.1),
    _L + "kernels.lag_gradients": lambda: dict(cell=_leaky(), inputs=inputs(), targets=_targets(), parameter="W_i"),
    _L + "kernels.lag_sensitivity": lambda: dict(cell=_leaky(), inputs=inputs(), max_lag=None),
    _L + "kernels.lag_weights": lambda: dict(grads=_lag_gradients(), of="credit", normalize="output"),
    _L + "kernels.leaky_cell": lambda: dict(alpha=0.5, input_size=2, hidden_size=4, recurrence=1.0,
                                            nonlinearity="tanh", seed=0, dtype=_torch().float64),
    _L + "kernels.loss_gradient": lambda: dict(cell=_leaky(), inputs=inputs(), targets=_targets(), parameter="W_i"),
    _L + "kernels.measured_lag_weights": lambda: dict(alpha=0.25, inputs=inputs(), targets=_targets(),
                                                      recurrence=0.0, nonlinearity="linear", hidden_size=4, seed=0),
    _L + "kernels.norm_bounds": lambda: dict(alpha=0.5, weight_norm=0.5, max_lag=3),
    _L + "kernels.pulse_response": lambda: dict(cell=_leaky(), max_lag=3, amplitude=1.0, channel=0),
    # lag_profile
    _L + "lag_profile.lag_profile": lambda: dict(cell=_cell64(), inputs=inputs(), convention="carry", max_lag=None,
                                                 trim=0.01),
    _L + "lag_profile.lag_profiles": lambda: dict(cell=_cell64(), inputs=inputs(), conventions=("carry", "update"),
                                                  max_lag=None, trim=0.01),
    _L + "lag_profile.log_gate_products": lambda: dict(write=_write(), convention="carry", max_lag=3),
    # preconditioning
    _L + "preconditioning.compare_optimisers": lambda: dict(
        arms=_arm(), task="adding", seeds=(0,), steps=2, T=6, n=4, m=2, batch=2, window=2, progress=False),
    # optimiser_study, adam_update (chapter 4's 2x2): one tiny Adam job
    _L + "optimiser_study.optimiser_grid": lambda: dict(
        models=("multi",), optimisers=("adam",), learning_rates={"adam": [0.01]}, task="adding", T=4, n=3, m=2,
        batch=2, steps=3, seeds=(0, 1), selection_seeds=(), window=2, matched_plain=False, probe_at=(3,),
        probe_batch=2, probe_seed=5, r=2, stride=1, n_jobs=1, progress=False),
    _L + "paired.paired_contrast": lambda: dict(final=[0.1, 0.2, 0.15], reference=[0.2, 0.2, 0.3], confidence=0.95,
                                                arm="a", reference_label="b"),
    _L + "optimiser_study.matched_width": lambda: dict(m=2, n=4, model="plain", target="multi"),
    _L + "adam_update.adam_step": lambda: dict(**_adam_stepped(), member=None),
    _L + "adam_update.AdamProbe": lambda: dict(inputs=inputs(), r=2),
    # network_cells: Part III's networks as Euler-step cells (chapter 12)
    _L + "network_cells.EulerCell": lambda: dict(model=random_network(4), dt=0.1, input_size=2,
                                                 input_weights=np.zeros((4, 2)), readout=np.ones(4) / 4,
                                                 dtype=_torch().float64),
    _L + "network_cells.EulerCell.from_model": lambda: dict(model=gated_network(4), dt=0.1, input_size=2,
                                                            input_weights=None, readout=np.ones((1, 4)),
                                                            dtype=_torch().float64),
    _L + "network_cells.EulerCell.to_model": lambda: dict(self=_euler_cell()),
    _L + "network_cells.EulerCell.extra_repr": lambda: dict(self=_euler_cell()),
    _L + "network_cells.EulerCell.step": lambda: dict(self=_euler_cell(), x=inputs(3, 12, 1)[..., 0],
                                                      u=inputs(3, 2, 1)[..., 0]),
    _L + "network_cells.EulerCell.forward": lambda: dict(
        self=_euler_cell(), u=inputs(3, 6, 2), x0=inputs(3, 12, 1)[..., 0], _unchecked=False,
        drive_offset=_torch().zeros(3, 6, 12, dtype=_torch().float64), gate_offset=None, _keep_states=None),
    _L + "network_cells.EulerCell.jacobians_from_rollout": lambda: dict(self=_euler_cell(),
                                                                        r=_euler_cell().rollout(inputs(2, 4, 2))),
    # presets
    _L + "presets.get_preset": lambda: dict(name="laptop"),
    # products
    _L + "alignment.readout_alignment_study": lambda: dict(seeds=(0,), tasks=("ar2",), arms=None, steps=1, T=4, n=3,
                                                           m=2, batch=2, probe_batch=1),
    _L + "paired.t_interval": lambda: dict(x=[1.0, 2.0, 4.0], confidence=0.95),
    _L + "products.jacobian_products": lambda: dict(J=_jacobians(), max_lag=None, top=None, keep_products=False),
    _L + "products.pair_log_singular_values": lambda: dict(J=_jacobians(), examples=[0, 1], starts=[0, 1], lag=2,
                                                           top=None),
    _L + "products.propagator": lambda: dict(J=_jacobians(), t=3, k=1),
    # reference_quirks: the reference code's choices, on the tiny float64 cells above
    _L + "reference_quirks.check_quirks": lambda: dict(quirks=["reversed_order"], applicable=None, name="quirks"),
    _L + "reference_quirks.power_norm": lambda: dict(P=_jacobians()[:, 0], iterations=5, seed=0,
                                                     dtype=_torch().float32),
    _L + "reference_quirks.quirk_jacobians": lambda: dict(cell=_cell64("MultiGateRNN"), inputs=inputs(),
                                                          quirks=["post_update_state"]),
    _L + "reference_quirks.quirk_lag_profiles": lambda: dict(
        cell=_cell64(), inputs=inputs(), quirks=True, conventions=("carry", "update"), max_lag=None, trim=0.01,
        iterations=5, seed=0),
    _L + "reference_quirks.quirk_log_gate_products": lambda: dict(write=_write(), convention="carry", max_lag=3,
                                                                  quirks=["extra_gate_factor"]),
    _L + "reference_quirks.quirk_log_sensitivities": lambda: dict(J=_jacobians(), max_lag=3,
                                                                  quirks=["reversed_order", "power_iteration"],
                                                                  iterations=5, seed=0),
    _L + "reference_quirks.quirk_pair_log_singular_values": lambda: dict(
        J=_jacobians(), examples=[0, 1], starts=[0, 1], lag=2, quirks=["reversed_order"], top=None),
    _L + "reference_quirks.quirk_propagator": lambda: dict(J=_jacobians(), t=3, k=1, quirks=["reversed_order"]),
    _L + "reference_quirks.quirk_split": lambda: dict(cell=_cell64("MultiGateRNN"), inputs=inputs(), quirks=True),
    _L + "reference_quirks.quirk_task_kwargs": lambda: dict(task="ar2", quirks=["distractor_inputs"]),
    _L + "reference_quirks.quirk_training": lambda: dict(task="adding", checkpoints=(0, 2), quirks=["fixed_batch"],
                                                         batch=2, T=6, m=2, dtype=_torch().float32),
    _L + "reference_quirks.relabel_checkpoints": lambda: dict(history=_history(), checkpoints=(0, 2),
                                                              quirks=["fixed_batch"]),
    # reproduce: the appB study is the fast one (no training); its files go to a scratch folder
    _L + "reproduce.reproduce": lambda: dict(study="appB", scale="laptop", seeds=1, n_jobs=1, out=scratch_folder(),
                                             progress=False, overrides={"T": 8, "n": 4}),
    _L + "reproduce.study_jobs": lambda: dict(study="appB", settings=_appB_tiny(), seeds=(0, 1)),
    # tasks
    _L + "tasks.adding": lambda: dict(batch=2, T=6, m=2, seed=0, dtype=_torch().float32),
    _L + "tasks.recall": lambda: dict(batch=2, T=15, m=2, seed=0, dtype=_torch().float32),
    _L + "tasks.moving_average": lambda: dict(batch=2, T=8, m=2, window=4, seed=0, dtype=_torch().float32),
    _L + "common.place_cell": lambda: dict(cell=cell("ScalarGateRNN"), device="cpu", name="device"),
    _L + "lag_profile.lag_fit": lambda: dict(logS=_torch().tensor([0.0, -1.0, -1.5, -2.5, -3.2, -4.1]),
                                             logP=_torch().tensor([0.0, -0.8, -1.7, -2.2, -3.5, -3.9]),
                                             lag=_torch().tensor([1, 1, 2, 2, 3, 3]), trim=0.0),
    _L + "step_jacobians.step_function": lambda: dict(module=_torch().nn.GRU(2, 3)),
    _L + "step_jacobians.rollout_states": lambda: dict(module=_torch().nn.GRU(2, 3).double(),
                                                       inputs=_torch().zeros(2, 4, 2, dtype=_torch().float64), x0=None),
    _L + "step_jacobians.autograd_state_jacobians": lambda: dict(
        module=_torch().nn.LSTM(2, 3).double(), inputs=_torch().ones(2, 4, 2, dtype=_torch().float64), x0=None),
    _L + "alignment.readout_alignment": lambda: dict(cell=cell("MultiGateRNN"), inputs=_torch().rand(2, 5, 2)),
    _L + "tasks.short": lambda: dict(batch=2, T=8, m=2, window=4, seed=0, dtype=_torch().float32),
    _L + "tasks.sinmix": lambda: dict(batch=2, T=8, m=4, noise_std=0.1, seed=0, dtype=_torch().float32),
    _L + "tasks.sinmix_variance": lambda: dict(T=8),
    _L + "tasks.delay_sum": lambda: dict(batch=2, T=37, m=2, seed=0, dtype=_torch().float32),
    _L + "tasks.ar2": lambda: dict(batch=2, T=6, m=2, inputs="innovations", obs_noise=0.1, standardize=True, seed=0,
                                   dtype=_torch().float32),
    _L + "tasks.narma10": lambda: dict(batch=2, T=12, m=2, standardize=True, u_high=0.5, max_tries=20, seed=0,
                                       dtype=_torch().float32),
    _L + "tasks.ar2_impulse_response": lambda: dict(T=6),
    _L + "tasks.make_task": lambda: dict(name="adding", batch=2, T=6, m=2, seed=0),
    # tracking
    _L + "tracking.track_lag_profiles": lambda: dict(
        cell=cell("ScalarGateRNN"), task="adding", checkpoints=(0, 2), conventions=("carry", "update"), probe_batch=2,
        probe_seed=1, optimizer="sgd", lr=1e-2, steps=2, batch=2, seed=0, task_kwargs={"T": 6}, max_lag=None,
        trim=0.01, progress=False, device="cpu"),
    _L + "tracking.track_seeds": lambda: dict(make_cell=_make_scalar_cell, seeds=(0,), progress=False,
                                              checkpoints=(0, 2), steps=2, batch=2, probe_batch=2,
                                              task_kwargs={"T": 6}),
    # train
    _L + "train.batch_seeds": lambda: dict(seed=0, steps=5),
    _L + "train.make_optimizer": lambda: dict(params=cell().parameters(), name="sgd", lr=1e-2, momentum=0.9),
    _L + "train.train": lambda: dict(cell=cell("MultiGateRNN"), seed=0, device="cpu", **_train_kw()),
    _L + "train.train_ensemble": lambda: dict(make_cell=_make_scalar_cell, seeds=(0, 1), device="cpu", **_train_kw()),
}

SKIP = {
    _L + "train.make_optimizer": {
        "params": "an iterable of torch parameters (or parameter groups) handed straight to torch.optim; "
                  "gatebook only lists it",
    },
}

ALIASES = {}

EXCLUDED = {
    _L + "step_jacobians.StepFunction": "the record step_function returns (a frozen dataclass of the step callable "
                                        "and its sizes); the functions that take one are fuzzed with modules",
    _L + "cells.Rollout": "the dict of tensors that RecurrentCell.rollout returns (a result record, a dict "
                          "subclass without a signature of its own); the functions that read one validate it",
}

ALLOWED = {
    (_L + "kernels.norm_bounds", "weight_norm", "huge"): (
        "documented: the lower bound is NaN ('uninformative') whenever 1 - alpha <= alpha * weight_norm, and "
        "10**12 is a legal spectral norm; the upper bound stays finite (an overflow is refused)"),
}
