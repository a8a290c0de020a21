"""Bad input gets a clear ValueError/TypeError that names the argument."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.simulate import global_error


@pytest.fixture(scope="module")
def net():
    return gb.RandomRateNetwork(10, 1.5, seed=0)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(N=0, g=1.0), ValueError, "N"),
        (dict(N=-5, g=1.0), ValueError, "N"),
        (dict(N=2.5, g=1.0), TypeError, "N"),
        (dict(N="10", g=1.0), TypeError, "N"),
        (dict(N=True, g=1.0), TypeError, "N"),
        (dict(N=10, g=float("nan")), ValueError, "g"),
        (dict(N=10, g=float("inf")), ValueError, "g"),
        (dict(N=10, g=-1.0), ValueError, "g"),
        (dict(N=10, g="big"), TypeError, "g"),
        (dict(N=10, g=1.0, tau=0.0), ValueError, "tau"),
        (dict(N=10, g=1.0, tau=float("nan")), ValueError, "tau"),
        (dict(N=10, g=1.0, seed=-1), ValueError, "seed"),
        (dict(N=10, g=1.0, seed="abc"), TypeError, "seed"),
    ],
)
def test_network_constructor_rejects_bad_parameters(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        gb.RandomRateNetwork(**kwargs)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(t_max=0.0, dt=0.1), ValueError, "t_max"),
        (dict(t_max=-1.0, dt=0.1), ValueError, "t_max"),
        (dict(t_max=float("nan"), dt=0.1), ValueError, "t_max"),
        (dict(t_max=1.0, dt=0.0), ValueError, "dt"),
        (dict(t_max=1.0, dt=-0.1), ValueError, "dt"),
        (dict(t_max=1.0, dt=float("inf")), ValueError, "dt"),
        (dict(t_max=1.0, dt=2.0), ValueError, "dt"),
        (dict(t_max=1.0, dt=0.1, method="midpoint"), ValueError, "method"),
        (dict(t_max=1.0, dt=0.1, method=None), TypeError, "method"),
        (dict(t_max=1.0, dt=0.1, record_every=0), ValueError, "record_every"),
        (dict(t_max=1.0, dt=0.1, dtype=np.int32), ValueError, "dtype"),
        (dict(t_max=1.0, dt=0.1, x0=np.zeros(9)), ValueError, "x0"),
        (dict(t_max=1.0, dt=0.1, x0=np.zeros((2, 3, 10))), ValueError, "x0"),
        (dict(t_max=1.0, dt=0.1, x0=np.full(10, np.nan)), ValueError, "x0"),
        (dict(t_max=1.0, dt=0.1, x0="zeros"), TypeError, "x0"),
    ],
)
def test_simulate_rejects_bad_arguments(net, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        gb.simulate(net, **kwargs)


def test_simulate_rejects_a_non_model():
    with pytest.raises(TypeError, match="model"):
        gb.simulate(np.eye(3), 1.0, 0.1)


def test_jacobian_and_jvp_reject_wrong_shapes(net):
    x = np.zeros(10)
    with pytest.raises(ValueError, match="x"):
        gb.jacobian(net, np.zeros(11))
    with pytest.raises(ValueError, match="x"):
        gb.jacobian(net, np.zeros((2, 10)))
    with pytest.raises(ValueError, match="V"):
        gb.jvp(net, x, np.zeros(9))
    with pytest.raises(ValueError, match="V"):
        gb.jvp(net, x, np.zeros((10, 2, 2)))
    with pytest.raises(ValueError, match="V"):
        gb.jvp(net, x, np.full(10, np.inf))
    with pytest.raises(ValueError, match="x"):
        gb.jvp(net, np.full(10, np.nan), np.zeros(10))


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(k=0), ValueError, "k"),
        (dict(k=11), ValueError, "k"),
        (dict(k=2, dt=0.0), ValueError, "dt"),
        (dict(k=2, t_measure=0.0), ValueError, "t_measure"),
        (dict(k=2, t_transient=-1.0), ValueError, "t_transient"),
        (dict(k=2, reorth_every=0), ValueError, "reorth_every"),
        (dict(k=2, method="rk45"), ValueError, "method"),
        (dict(k=2, x0=np.zeros(3)), ValueError, "x0"),
        (dict(k=2, t_measure=1.0, reorth_every=10), ValueError, "t_measure"),
    ],
)
def test_lyapunov_rejects_bad_arguments(net, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        gb.lyapunov_spectrum(net, **kwargs)


def test_other_entry_points_reject_bad_arguments(net):
    with pytest.raises(ValueError, match="states"):
        gb.autocorrelation(np.zeros(5), 0.1)
    with pytest.raises(ValueError, match="dt"):
        gb.autocorrelation(np.zeros((5, 2)), 0.0)
    with pytest.raises(ValueError, match="max_lag"):
        gb.autocorrelation(np.zeros((5, 2)), 0.1, max_lag=5)
    with pytest.raises(ValueError, match="level"):
        gb.decay_time([0, 1], [1, 0.5], level=1.5)
    with pytest.raises(ValueError, match="C"):
        gb.decay_time([0, 1], [0.0, 0.0])
    with pytest.raises(ValueError, match="dts"):
        global_error(net, np.zeros(10), 1.0, [0.3])
    with pytest.raises(ValueError, match="couplings"):
        gb.RandomRateNetwork.from_couplings(np.zeros((3, 4)), g=1.0)
    with pytest.raises(TypeError, match="measure"):
        gb.sweep(3, [1.0])
    with pytest.raises(ValueError, match="values"):
        gb.sweep(lambda v, s: v, [])


# -- issue 13 (API fuzz): sizes checked before allocating, durations before running, every
# argument named --------------------------------------------------------------------------------
def _raises(exc, word, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` raises ``exc`` whose message names ``word`` as a whole word."""
    with pytest.raises(exc, match=rf"(?<![A-Za-z0-9_]){word}(?![A-Za-z0-9_])"):
        fn(*args, **kwargs)


def test_huge_sizes_fail_up_front_with_the_memory_they_would_take():
    from gatebook.quiescent import gated_network_family

    for fn, kwargs in [
        (gb.GatedNetwork, dict(N=10**12, g_h=3.0)),
        (gb.RandomRateNetwork, dict(N=10**12, g=1.5)),
        (gated_network_family, dict(N=10**12)),
    ]:
        with pytest.raises(ValueError, match=r"N is too large: .* would take .* (KiB|MiB|GiB|TiB|PiB)"):
            fn(**kwargs)
    with pytest.raises(ValueError, match="trials is too large"):
        gb.GatedNetwork(4, 3.0, seed=0).initial_state(trials=10**12)


def test_huge_durations_fail_up_front_instead_of_running_for_ever(net):
    from gatebook.memory import settle

    _raises(ValueError, "t_max", gb.simulate, net, 1e12, 0.1)
    _raises(ValueError, "t_transient", gb.max_lyapunov, net, t_transient=1e12, t_measure=1.0)
    _raises(ValueError, "t_measure", gb.lyapunov_spectrum, net, 2, t_transient=0.0, t_measure=1e12)
    _raises(ValueError, "t_transient", gb.lyapunov_from_separation, net, t_transient=1e12, t_measure=1.0)
    _raises(ValueError, "t_settle", settle, gb.GatedNetwork(4, 3.0, seed=0), t_settle=1e12)
    _raises(ValueError, "t_settle", settle, gb.GatedNetwork(4, 3.0, seed=0), t_settle=-1.0)
    _raises(ValueError, "n_starts", gb.find_fixed_points, net, 10**12)


def test_the_jacobian_trace_checks_its_state_like_the_jacobian(net):
    x = np.zeros(10)
    x[3] = np.nan
    _raises(ValueError, "x", gb.jacobian, net, x)
    _raises(ValueError, "x", gb.jacobian_trace, net, x)
    _raises(TypeError, "model", gb.jacobian_trace, None, np.zeros(10))


def test_public_steps_check_their_arguments_and_the_result(net):
    from gatebook.integrators import euler_tangent_step, rk4_step

    x = np.full(10, 0.1)
    _raises(TypeError, "model", rk4_step, 3.0, x, 0.0, 0.1)
    _raises(ValueError, "dt", rk4_step, net, x, 0.0, float("nan"))
    _raises(ValueError, "x", rk4_step, net, np.full(10, np.inf), 0.0, 0.1)
    _raises(ValueError, "Q", euler_tangent_step, net, x, np.zeros((9, 2)), 0.0, 0.1)
    # the checked step gives the same numbers as the loop's step
    assert np.array_equal(rk4_step(net, x, 0.0, 0.1), gb.simulate(net, 0.1, 0.1, x0=x).states[-1])


def test_flags_and_seed_lists_are_checked_by_the_function_that_takes_them(net):
    from gatebook.slow_modes import slowing_sweep
    from gatebook.transitions import hysteresis_sweep

    _raises(TypeError, "progress", gb.simulate, net, 1.0, 0.1, progress=np.array([1.0, np.nan]))
    _raises(TypeError, "progress", gb.find_fixed_points, net, 2, progress="yes")
    _raises(TypeError, "center", gb.autocorrelation, np.ones((5, 2)), 0.1, center=np.ones(3))
    _raises(TypeError, "seeds", hysteresis_sweep, [1.5], 0.0, N=4, seeds=3)
    _raises(TypeError, "seeds", slowing_sweep, [0.0], seeds=None, N=4)
    _raises(TypeError, "seeds", gb.sweep, lambda v, s: v, [1.0], seeds="abc")


def test_inputs_name_the_input_and_its_size():
    from gatebook.inputs import as_input, evaluate_input

    _raises(ValueError, "N", as_input, np.ones(4), 5, "input_h")
    _raises(ValueError, "input_h", evaluate_input, np.nan, 0.0, 4, "input_h")
    _raises(TypeError, "onsets", gb.pulses, "abc", 1.0)
    assert np.array_equal(evaluate_input(0.5, 0.0, 3, "input_h"), np.full(3, 0.5))


def test_nan_and_strings_do_not_slip_through_as_numbers():
    from gatebook.quiescent import spectrum_distance, threshold_table

    _raises(ValueError, "a", spectrum_distance, [1.0, np.nan], [1.0])
    _raises(TypeError, "b", spectrum_distance, [1.0], "abc")
    _raises(TypeError, "brackets", threshold_table, 3.0)
    _raises(TypeError, "level", gb.decay_time, [0.0, 1.0], [1.0, 0.2], level="abc")
    _raises(TypeError, "label", gb.sweep, lambda v, s: v, [1.0], label=float("nan"))
