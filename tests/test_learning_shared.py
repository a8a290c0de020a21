"""One home per Part II concept: the frozen-gate cell, the arms, the model registry, shared helpers.

The chapter modules (``anisotropy``, ``preconditioning``, ``tracking``) and ``gatebook.learning.tasks``
re-export names that now live in smaller modules; these tests check that every old path
still gives the *same* object, that the one frozen-gate cell behaves as both former copies
did, and that the deprecated spellings warn and name their replacements.
"""

import importlib

import numpy as np
import pytest
import torch

import gatebook.learning as L
import gatebook.learning.presets as presets
import gatebook.learning.tasks as tasks
from gatebook.learning import anisotropy as A
from gatebook.learning import arms, cell_anisotropy, cells, common, diagonal_preconditioner, expansion, frozen
from gatebook.learning import gate_credit, gate_level
from gatebook.learning import preconditioning as P
from gatebook.learning import tracking as T

lag_profile = importlib.import_module("gatebook.learning.lag_profile")  # the package's lag_profile is the function


@pytest.mark.parametrize("old, new, names", [
    (A, frozen, ("frozen_gate_cell",)),
    (P, frozen, ("frozen_gate_cell",)),
    (A, cells, ("MODELS",)),
    (P, cells, ("MODELS",)),
    (A, arms, ("Arm", "make_arms")),
    (A, cell_anisotropy, ("METRICS", "PropagationAnisotropy", "propagation_anisotropy", "update_anisotropy",
                          "frozen_gate_anisotropy", "frozen_gate_propagation")),
    (P, diagonal_preconditioner, ("CreditByLag", "DiagonalEnvelope", "PreconditionerCondition", "carry_products",
                                  "condition_number", "credit_by_lag", "diagonal_predictor",
                                  "preconditioner_condition")),
    (P, expansion, ("APPB_EPS", "ExpansionCheck", "appB_inputs", "expansion_check")),
    (T, gate_credit, ("analysis_copy", "gate_traces", "step_credit", "zeroth_order_weights")),
    (T, gate_level, ("GateLevelSweep", "gate_level_sweep", "init_scalar_gate")),
    (T, lag_profile, ("lag_profiles",)),
    (tasks, presets, ("PRESETS", "get_preset")),
])
def test_old_paths_give_the_objects_of_their_one_home(old, new, names):
    for name in names:
        assert name in old.__all__ and name in new.__all__, name
        assert getattr(old, name) is getattr(new, name), f"{old.__name__}.{name} is not {new.__name__}.{name}"


def test_split_modules_stay_small():
    for module in (A, P, T, tasks, cell_anisotropy, diagonal_preconditioner, expansion, gate_credit, gate_level,
                   lag_profile, frozen, arms, common, presets):
        with open(module.__file__, encoding="utf-8") as f:
            assert sum(1 for _ in f) <= 700, module.__name__


def test_appb_grid_is_the_preset_grid():
    assert P.APPB_EPS is presets.PRESETS["appB"]["eps_grid"]


# --- the frozen-gate cell ------------------------------------------------------------------


def test_frozen_gate_cell_freezes_gates_and_scales_w_rec():
    gates = np.linspace(0.05, 0.5, 12)
    cell = frozen.frozen_gate_cell(gates, 3, seed=4)
    assert isinstance(cell, L.MultiGateRNN) and cell.W_r.dtype == torch.float64
    for name in ("W_r", "W_rg", "W_ig"):
        assert float(getattr(cell, name).detach().abs().max()) == 0.0, name
    np.testing.assert_allclose(torch.sigmoid(cell.b_g).detach().numpy(), gates, rtol=1e-15)
    reference = L.MultiGateRNN(3, 12, seed=4, dtype=torch.float64)  # the same seeded W_rec before scaling
    scaled = frozen.frozen_gate_cell(gates, 3, recurrent_scale=0.5, seed=4)
    torch.testing.assert_close(scaled.W_r, 0.5 * reference.W_r, rtol=0, atol=0)
    torch.testing.assert_close(scaled.W_i, reference.W_i, rtol=0, atol=0)
    linear = frozen.frozen_gate_cell(gates, 3, nonlinearity="linear", dtype=torch.float32)
    assert linear.nonlinearity == "linear" and linear.W_r.dtype == torch.float32


def test_recurrent_gain_is_a_deprecated_spelling_of_recurrent_scale():
    gates = np.linspace(0.1, 0.6, 8)
    new = frozen.frozen_gate_cell(gates, 2, recurrent_scale=0.5, seed=0)
    with pytest.warns(DeprecationWarning, match="recurrent_scale"):
        old = frozen.frozen_gate_cell(gates, 2, recurrent_gain=0.5, seed=0)
    torch.testing.assert_close(old.W_r, new.W_r, rtol=0, atol=0)
    with pytest.warns(DeprecationWarning, match="recurrent_scale"):
        with pytest.raises(TypeError, match="both"):
            frozen.frozen_gate_cell(gates, recurrent_scale=1.0, recurrent_gain=0.5)
    measured = A.frozen_gate_propagation(gates, (1, 3), recurrent_scale=1.0, batch=1, triples_per_lag=2, r=4, top=8)
    with pytest.warns(DeprecationWarning, match="recurrent_scale"):
        again = A.frozen_gate_propagation(gates, (1, 3), recurrent_gain=1.0, batch=1, triples_per_lag=2, r=4, top=8)
    np.testing.assert_array_equal(measured.log_spectra, again.log_spectra)
    with pytest.raises(ValueError, match="recurrent_scale"):
        A.frozen_gate_propagation(gates, (1,), recurrent_scale=-1.0, r=4, top=8)


@pytest.mark.parametrize("gates, error", [
    ([0.0, 0.5], ValueError), ([0.5, 1.0], ValueError), ([[0.1, 0.2]], ValueError), ([0.1, np.nan], ValueError),
    ([], ValueError), (["a", 0.2], TypeError),
])
def test_one_gate_check(gates, error):
    with pytest.raises(error, match="gates"):
        frozen.check_gates(gates)
    with pytest.raises(error, match="gates"):
        frozen.frozen_gate_cell(gates)


def test_gate_check_accepts_tensors():
    g = torch.tensor([0.25, 0.5], requires_grad=True)  # exact in float32
    np.testing.assert_array_equal(frozen.check_gates(g), [0.25, 0.5])


# --- arms --------------------------------------------------------------------------------


def test_arms_have_one_type_and_one_default_label():
    assert all(isinstance(a, arms.Arm) for a in P.DEFAULT_ARMS)
    assert [a.label for a in P.DEFAULT_ARMS][:3] == ["multi-gate + SGD", "scalar gate + SGD", "plain + SGD"]
    assert arms.Arm("plain", "rmsprop", 1e-3).label == "plain + RMSProp"
    assert arms.Arm("plain", "adam", 1e-3) == arms.make_arms([{"model": "plain", "optimizer": "adam", "lr": 1e-3}])[0]
    leaky = arms.Arm("leaky", "sgd", 0.1).make_cell(3, 5, seed=2)
    assert isinstance(leaky, L.LeakyRNN) and float(leaky.alpha) == pytest.approx(0.8)
    torch.testing.assert_close(arms.Arm("multi", "sgd", 0.1).make_cell(3, 5, seed=2).W_r,
                               L.MultiGateRNN(3, 5, seed=2).W_r, rtol=0, atol=0)


def test_dict_access_to_an_arm_is_deprecated():
    arm = P.DEFAULT_ARMS[0]
    with pytest.warns(DeprecationWarning, match="arm.model"):
        assert arm["model"] == "multi"
    with pytest.raises(KeyError):
        arm["beta"]  # noqa: B018


def test_comparison_converts_dict_arms():
    cmp = P.OptimiserComparison(arms=[{"model": "plain", "optimizer": "adam", "lr": 1e-3}], seeds=[0],
                                loss=np.ones((1, 1, 4)), task="adding", settings={}, mean_predictor_mse=None, window=2)
    assert isinstance(cmp.arms[0], arms.Arm) and cmp.labels == ["plain + Adam"]


@pytest.mark.parametrize("bad, error, match", [
    ("plain", TypeError, "arms"),
    ({"model": "plain", "optimizer": "sgd", "lr": 0.1}, TypeError, "arms"),
    ([3], TypeError, "Arm or a dict"),
    ([{"model": "plain", "optimizer": "sgd"}], ValueError, "keys"),
    ([{"model": "plain", "optimizer": "sgd", "lr": 0.1, "beta": 1}], ValueError, "unknown keys"),
    ([{"model": "plain", "optimizer": "sgd", "lr": 0.1, "label": 3}], TypeError, "label"),
    ([{"model": "plain", "optimizer": "sgd", "lr": 0.1}, {"model": "plain", "optimizer": "sgd", "lr": 0.2}],
     ValueError, "distinct"),
    ([], ValueError, "empty"),
])
def test_bad_arms(bad, error, match):
    with pytest.raises(error, match=match):
        arms.make_arms(bad)


# --- shared helpers ------------------------------------------------------------------------


def test_torch_threads_restores_the_setting():
    before = torch.get_num_threads()
    with common.torch_threads(1):
        assert torch.get_num_threads() == 1

    @common.torch_threads(1)
    def inner():
        return torch.get_num_threads()

    assert inner() == 1 and inner() == 1  # reusable as a decorator
    assert torch.get_num_threads() == before


def test_shared_checks():
    with pytest.raises(TypeError, match="cell"):
        common.check_cell("cell")
    with pytest.raises(ValueError, match="probe_seed"):
        common.check_seed(-1, "probe_seed")
    np.testing.assert_array_equal(common.check_sampled_lags((4, 1), 5), [1, 4])
    with pytest.raises(ValueError, match="T=5"):
        common.check_sampled_lags((1, 5), 5)
    assert common.check_r_top(2, 3, 4) == (2, 3)
    with pytest.raises(ValueError, match="top"):
        common.check_r_top(3, 2, 4)
