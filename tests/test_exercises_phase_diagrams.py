"""Chapter-11 self-checks: right answers pass, typical wrong answers get the matching hint."""

import numpy as np
import pytest
from scipy.optimize import brentq

import gatebook as gb
from gatebook.exercises import phase_diagrams as ex
from gatebook.meanfield import phases as ph
from gatebook.meanfield.onsets import open_radius


def test_quiet_threshold_check():
    beta = 1.5
    right = 1 + np.exp(beta)
    assert ex.check_quiet_threshold(right, beta)
    assert not ex.check_quiet_threshold(None, beta)
    assert not ex.check_quiet_threshold("4.5", beta)
    wrong = ex.check_quiet_threshold(np.exp(beta), beta)
    assert not wrong and "e^(β_r)" in wrong.message
    wrong = ex.check_quiet_threshold(1 / (1 + np.exp(beta)), beta)
    assert not wrong and "gate value" in wrong.message
    wrong = ex.check_quiet_threshold(1 + np.exp(-beta), beta)
    assert not wrong and "sign" in wrong.message
    wrong = ex.check_quiet_threshold(9.0, beta)
    assert not wrong and f"{right:.3f}" not in wrong.message


def test_marginal_edge_check_against_an_independent_root():
    # independent computation: bracket the root of open_radius - 1 ourselves
    hi = brentq(lambda g: open_radius(g, 1.0) - 1.0, (1 + np.e) * 1.001, 60.0)
    assert ex.check_marginal_edge(hi, beta_r=1.0)
    assert not ex.check_marginal_edge(None)
    wrong = ex.check_marginal_edge(1 + np.e, beta_r=1.0)
    assert not wrong and "lower edge" in wrong.message
    wrong = ex.check_marginal_edge(0.5 * (1 + np.e + hi), beta_r=1.0)
    assert not wrong and "inside the window" in wrong.message
    wrong = ex.check_marginal_edge(100.0, beta_r=1.0)
    assert not wrong and f"{hi:.3f}" not in wrong.message


def test_region_check():
    d = ph.phase_diagram([1.5, 2.5], alpha_r=[0.0], progress=False)  # soft gate: exact path, no DMFT iteration
    assert ex.check_region("quiescent", d, 1.5, 0.0)
    assert ex.check_region("chaotic", d, 2.5, 0.0)
    assert not ex.check_region(None, d, 1.5, 0.0)
    assert not ex.check_region("silent", d, 1.5, 0.0)
    wrong = ex.check_region("bistable", d, 2.5, 0.0)
    assert not wrong and "quiet state" in wrong.message
    wrong = ex.check_region("chaotic", d, 1.5, 0.0)
    assert not wrong and "g_chaos" in wrong.message
    wrong = ex.check_region("fixed points, no chaos", d, 1.5, 0.0)
    assert not wrong and "g_topo" in wrong.message
    with pytest.raises(TypeError):
        ex.check_region("quiescent", "d", 1.5, 0.0)


def test_quizzes_are_registered_and_answerable():
    for name in ("phase_bistable_init", "phase_slow_memory"):
        quiz = gb.exercises.QUIZZES[name]
        assert quiz["answer"] in quiz["options"]
        assert gb.exercises.check_quiz(name, quiz["answer"])
        wrong = next(k for k in quiz["options"] if k != quiz["answer"])
        assert not gb.exercises.check_quiz(name, wrong)
    assert gb.exercises.check_region is ex.check_region
