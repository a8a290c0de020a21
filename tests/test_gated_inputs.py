"""External inputs of the gated network: formula, Jacobian with inputs, pulses, bad input."""

import numpy as np
import pytest

import gatebook as gb
from gatebook.gated_network import GatedNetwork
from gatebook.inputs import pulses

PARAMS = dict(alpha_z=1.7, alpha_r=2.3, beta_z=0.4, beta_r=-0.6, g_z=1.3, g_r=0.8, tau_h=0.9, tau_z=1.6, tau_r=0.7)


def _manual_field(net, x, I, Iz, Ir):
    """The model equations written out directly, as an independent reference (presynaptic r)."""
    N = net.N
    h, z, r = x[:N], x[N : 2 * N], x[2 * N :]
    sz = 1.0 / (1.0 + np.exp(-net.alpha_z * z + net.beta_z))
    sr = 1.0 / (1.0 + np.exp(-net.alpha_r * r + net.beta_r))
    rec = net.g_h * net.couplings_h @ (sr * np.tanh(h))
    if net.input_placement == "inside":
        dh = sz * (-h + rec + I) / net.tau_h
    else:
        dh = (sz * (-h + rec) + I) / net.tau_h
    dz = (-z + net.g_z * net.couplings_z @ np.tanh(h) + Iz) / net.tau_z
    dr = (-r + net.g_r * net.couplings_r @ np.tanh(h) + Ir) / net.tau_r
    return np.concatenate([dh, dz, dr])


@pytest.mark.parametrize("placement", ["inside", "outside"])
def test_vector_field_with_static_inputs_matches_the_equations(placement):
    rng = np.random.default_rng(0)
    N = 15
    I, Iz, Ir = rng.standard_normal((3, N))
    net = GatedNetwork(N, 2.2, seed=3, input_h=I, input_z=Iz, input_r=Ir, input_placement=placement, **PARAMS)
    x = net.initial_state(seed=1)
    np.testing.assert_allclose(net.vector_field(x), _manual_field(net, x, I, Iz, Ir), rtol=1e-12, atol=1e-13)
    # a batch gives the same rows
    X = net.initial_state(seed=2, trials=3)
    F = net.vector_field(X)
    for b in range(3):
        np.testing.assert_allclose(F[b], _manual_field(net, X[b], I, Iz, Ir), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("placement", ["inside", "outside"])
@pytest.mark.parametrize("r_gate", ["pre", "post"])
def test_jacobian_and_jvp_with_time_dependent_inputs_match_finite_differences(placement, r_gate):
    N = 12
    pattern = np.linspace(-1.0, 1.0, N)
    net = GatedNetwork(
        N, 2.5, r_gate=r_gate, seed=4, input_h=lambda t: np.sin(t) * pattern, input_z=0.3,
        input_r=lambda t: 0.5 * t, input_placement=placement, **PARAMS,
    )
    x = net.initial_state(seed=5)
    t = 0.7
    J = net.jacobian(x, t)
    eps = 1e-6
    fd = np.stack([(net.vector_field(x + eps * e, t) - net.vector_field(x - eps * e, t)) / (2 * eps) for e in np.eye(net.dim)], 1)
    np.testing.assert_allclose(J, fd, rtol=1e-7, atol=1e-8)
    V = np.random.default_rng(6).standard_normal((net.dim, 4))
    F, JV = net.vector_field_and_jvp(x, V, t)
    np.testing.assert_allclose(F, net.vector_field(x, t), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(JV, J @ V, rtol=1e-11, atol=1e-12)
    # the input really enters: at another time the field differs in the h and r blocks only
    dF = net.vector_field(x, 2.0) - net.vector_field(x, t)
    assert np.abs(dF[:N]).max() > 1e-3 and np.abs(dF[2 * N :]).max() > 1e-3
    assert np.abs(dF[N : 2 * N]).max() == 0.0


def test_inside_placement_cannot_write_into_closed_units_outside_can():
    """A unit whose timescale gate is shut ignores an input inside the bracket, not outside."""
    N = 10
    net = GatedNetwork(N, 0.0, alpha_z=50.0, beta_z=0.0, seed=0, input_h=1.0)
    x = np.zeros(3 * N)
    x[N : 2 * N] = -1.0  # z = -1: sigma_z = expit(-50) ~ 2e-22
    inside = net.vector_field(x)[:N]
    outside = net.with_inputs(input_h=1.0, input_placement="outside").vector_field(x)[:N]
    assert np.abs(inside).max() < 1e-20
    np.testing.assert_allclose(outside, 1.0)


def test_pulses_accumulate_in_a_leaky_free_unit_with_open_gate():
    """g_h=0 and an open gate: dh/dt = -h + I; the response to a pulse is the closed form."""
    N = 4
    w, a = 1.0, 2.0
    net = GatedNetwork(N, 0.0, beta_z=-40.0, seed=0, input_h=pulses(1.0, width=w, amplitude=a))
    traj = gb.simulate(net, t_max=4.0, dt=0.01, x0=np.zeros(3 * N))
    h = traj.states[:, :N]
    t = traj.times
    exact = np.where(t < 1.0, 0.0, np.where(t < 2.0, a * (1 - np.exp(-(t - 1.0))), a * (1 - np.exp(-w)) * np.exp(-(t - 2.0))))
    # RK4 straddling the pulse edges is first order there: one step of error at most
    np.testing.assert_allclose(h, np.repeat(exact[:, None], N, 1), atol=0.02)


def test_pulses_values_patterns_and_overlaps():
    p = pulses([5.0, 1.0], width=2.0, amplitude=[3.0, 1.0])
    assert p(0.5) == 0.0 and p(1.0) == 1.0 and p(2.99) == 1.0 and p(3.0) == 0.0 and p(5.5) == 3.0
    assert p.end == 7.0
    pat = np.array([1.0, 0.0, -1.0])
    q = pulses([0.0, 0.5], width=1.0, amplitude=2.0, pattern=pat)
    np.testing.assert_allclose(q(0.7), 4.0 * pat)  # overlapping pulses add
    per = pulses([0.0, 2.0], width=1.0, pattern=np.eye(3)[:2])
    np.testing.assert_allclose(per(2.5), [0.0, 1.0, 0.0])


def test_with_inputs_keeps_the_couplings_and_reduction_refuses_state_inputs():
    net = GatedNetwork(20, 1.5, seed=7)
    other = net.with_inputs(input_z=pulses(0.0, 1.0, 5.0))
    assert other.couplings_h is net.couplings_h and other.input_z is not None and net.input_z is None
    assert other.has_time_dependent_inputs and not net.has_inputs
    # gate inputs do not change the h-dynamics when the gates are constant (alpha = 0)
    x = net.initial_state(seed=1)
    np.testing.assert_array_equal(other.vector_field(x, 0.5)[:20], net.vector_field(x)[:20])
    with pytest.raises(ValueError, match="input_h"):
        net.with_inputs(input_h=0.1).reduced_network()


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(input_h=np.ones(7)), ValueError, "input_h"),
        (dict(input_z=np.ones((20, 1))), ValueError, "input_z"),
        (dict(input_r=[np.nan] * 20), ValueError, "input_r"),
        (dict(input_h="loud"), TypeError, "input_h"),
        (dict(input_placement="between"), ValueError, "input_placement"),
        (dict(r_gate="middle"), ValueError, "r_gate"),
    ],
)
def test_bad_inputs_raise_errors_naming_the_argument(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        GatedNetwork(20, 1.5, seed=0, **kwargs)


def test_input_function_with_wrong_shape_fails_clearly_during_simulation():
    net = GatedNetwork(20, 1.5, seed=0, input_z=lambda t: np.ones(3))
    with pytest.raises(ValueError, match=r"input_z\(t\).*shape"):
        gb.simulate(net, t_max=1.0, dt=0.1, seed=0)
    net = GatedNetwork(20, 1.5, seed=0, input_h=lambda t: np.nan)
    with pytest.raises(ValueError, match=r"input_h\(t\)"):
        net.vector_field(net.initial_state(seed=0))
    with pytest.raises(ValueError, match="pattern"):
        pulses([0.0, 1.0], 1.0, pattern=np.ones((3, 5)))
    with pytest.raises(ValueError, match="width"):
        pulses(0.0, 0.0)
