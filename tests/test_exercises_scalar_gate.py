"""Chapter-3 self-checks: right answers pass, typical mistakes get a matching hint, none gives the answer away."""

import numpy as np
import pytest
import torch

import gatebook as gb
import gatebook.learning as L
from gatebook.learning import tasks
from gatebook.exercises import scalar_gate as ex
from gatebook.learning import tracking as tk


@pytest.fixture(scope="module")
def setting():
    cell = L.ScalarGateRNN(4, 8, seed=0)
    probe = tasks.adding(3, T=20, m=4, seed=1)
    gates = tk.gate_traces(cell, probe.inputs)  # gates[:, j-1] = u_j
    return cell, probe.inputs, gates


def test_right_products_pass_in_both_conventions(setting):
    cell, u, g = setting
    t, k, e = 20, 12, 1
    carry = float(np.prod(1 - g[e, k:t]))  # j = k+1..t, computed independently with numpy
    update = float(np.prod(g[e, k:t]))
    assert ex.check_gate_product(carry, cell, u, example=e, t=t, k=k).passed
    assert ex.check_gate_product(update, cell, u, example=e, t=t, k=k, convention="update").passed
    assert ex.check_gate_product(float(np.prod(1 - g[0, 3:9])), cell, u, example=0, t=9, k=3).passed
    assert gb.exercises.check_gate_product is ex.check_gate_product  # re-exported for the chapter


def test_typical_mistakes_get_matching_hints(setting):
    cell, u, g = setting
    t, k, e = 20, 12, 1
    kw = dict(example=e, t=t, k=k)
    wrong_convention = ex.check_gate_product(float(np.prod(g[e, k:t])), cell, u, **kw)
    assert not wrong_convention.passed and "update" in wrong_convention.message
    one_too_many = ex.check_gate_product(float(np.prod(1 - g[e, k - 1:t])), cell, u, **kw)
    assert not one_too_many.passed and "too many" in one_too_many.message
    one_too_few = ex.check_gate_product(float(np.prod(1 - g[e, k + 1:t])), cell, u, **kw)
    assert not one_too_few.passed and "too few" in one_too_few.message
    right = float(np.prod(1 - g[e, k:t]))
    for wrong in (0.5, 2.0, right * 1.01, float(np.prod(1 - g[0, k:t]))):
        fb = ex.check_gate_product(wrong, cell, u, **kw)
        assert not fb.passed
        assert f"{right:.4e}" not in fb.message and f"{right:.3g}" not in fb.message  # no answer given away


def test_missing_or_malformed_answers_do_not_raise(setting):
    cell, u, _ = setting
    for answer in (None, "0.1", float("nan"), True):
        fb = ex.check_gate_product(answer, cell, u, example=0, t=5, k=2)
        assert not fb.passed and fb.message


def test_bad_arguments_raise(setting):
    cell, u, _ = setting
    with pytest.raises(ValueError, match="convention"):
        ex.check_gate_product(0.1, cell, u, example=0, t=5, k=2, convention="gate")
    with pytest.raises(ValueError, match="k"):
        ex.check_gate_product(0.1, cell, u, example=0, t=5, k=5)
    with pytest.raises(ValueError, match="T=20"):
        ex.check_gate_product(0.1, cell, u, example=0, t=21, k=2)
    with pytest.raises(ValueError, match="example"):
        ex.check_gate_product(0.1, cell, u, example=3, t=5, k=2)
    with pytest.raises(TypeError, match="t"):
        ex.check_gate_product(0.1, cell, u, example=0, t=5.0, k=2)
    with pytest.raises(ValueError, match="scalar gate"):
        ex.check_gate_product(0.1, L.MultiGateRNN(4, 8, seed=0), u, example=0, t=5, k=2)


@pytest.mark.parametrize("name, right", [("scalar_global_step", "c"), ("scalar_convention", "c")])
def test_quizzes(name, right):
    quiz = gb.exercises.QUIZZES[name]
    assert right in quiz["options"]
    assert gb.exercises.check_quiz(name, right).passed
    for letter in quiz["options"]:
        if letter != right:
            fb = gb.exercises.check_quiz(name, letter)
            assert not fb.passed and quiz["hint"] in fb.message
    assert not gb.exercises.check_quiz(name, "?").passed


def test_the_convention_quiz_states_a_true_fact():
    """The quiz says S does not depend on the convention: check it on a cell."""
    cell = L.ScalarGateRNN(3, 6, seed=1, dtype=torch.float64)
    u = torch.rand(2, 12, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    prof = tk.lag_profiles(cell, u)
    torch.testing.assert_close(prof["carry"].measured, prof["update"].measured, rtol=0, atol=0)
    assert prof["carry"].slope != pytest.approx(prof["update"].slope, rel=1e-3)


def test_bad_cell_or_inputs_name_the_argument():
    cell = L.ScalarGateRNN(2, 4, seed=0, dtype=torch.float64)
    u = torch.zeros(2, 6, 2, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"\bcell\b"):
        ex.check_gate_product(0.1, None, u, example=0, t=3, k=1)
    with pytest.raises(TypeError, match=r"\binputs\b"):
        ex.check_gate_product(0.1, cell, 1.0, example=0, t=3, k=1)
    with pytest.raises(ValueError, match=r"\binputs\b"):
        ex.check_gate_product(0.1, cell, torch.full((2, 6, 2), float("nan"), dtype=torch.float64), example=0, t=3, k=1)
