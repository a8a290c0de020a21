"""One signature for the mean-field solvers: the gain first, every gate parameter by keyword."""

import inspect

import numpy as np
import pytest

from gatebook import meanfield as mf


@pytest.mark.parametrize("solver", [mf.gated_dmft, mf.sampled_dmft, mf.dmft, mf.gated_theory])
def test_gate_parameters_are_keyword_only(solver):
    params = list(inspect.signature(solver).parameters.values())
    assert params[0].name == "g_h" and params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params[1:])


def test_old_positional_calls_work_for_one_release_with_a_warning():
    # the trap: f(3.0, 5.0) set alpha_r in gated_dmft but alpha_z in sampled_dmft
    with pytest.warns(DeprecationWarning, match="alpha_r=5.0"):
        old = mf.gated_dmft(3.0, 5.0, n=512)
    new = mf.gated_dmft(3.0, alpha_r=5.0, n=512)
    assert old.params["alpha_r"] == 5.0 and old.variance == new.variance
    with pytest.warns(DeprecationWarning, match="alpha_z"):
        sampled = mf.sampled_dmft(3.0, 5.0, paths=200, s_max=30.0, damping=1.0, seed=0)
    assert sampled.params["alpha_z"] == 5.0 and sampled.params["alpha_r"] == 0.0
    with pytest.warns(DeprecationWarning, match="beta_r"):
        front = mf.dmft(3.0, 5.0, 1.0, lambda_max=False, n=512)
    assert front.params["alpha_r"] == 5.0 and front.params["beta_r"] == 1.0


def test_positional_and_keyword_clash_and_too_many_are_type_errors():
    with pytest.raises(TypeError, match="multiple values"):
        mf.gated_dmft(3.0, 5.0, alpha_r=2.0)
    with pytest.raises(TypeError, match="positional"):
        mf.dmft(3.0, 1.0, 2.0, 3.0)


def test_gated_theory_is_cached_under_its_keywords():
    a = mf.gated_theory(3.0, alpha_r=5.0)
    assert mf.gated_theory(3.0, alpha_r=5.0) is a
    assert np.isfinite(a.lambda_max)
