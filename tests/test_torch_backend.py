"""The torch route (issue 15): the same science as the numpy route, on CPU here and on a GPU where one exists.

Checks, by independent means:
- the stacks' vector fields equal each numpy model's, network by network (float64, round-off);
- their Jacobian-vector products equal forward-mode autograd of their own vector field
  (``torch.func.jvp``, which never sees the hand-written derivative) and the numpy products;
- their Jacobian traces equal the trace of the numpy models' dense Jacobians;
- trajectories and Lyapunov exponents agree with the numpy route (float64: round-off; float32:
  the stated loss of precision), ensembles equal network-by-network runs with the documented
  seeding, and below the transition the float32 exponent matches the closed form at the origin.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gatebook as gb  # noqa: E402
from gatebook.backend import resolve_device, torch_dtype, uses_torch  # noqa: E402
from gatebook.torch_networks import GatedNetworkStack, RateNetworkStack, stack_networks  # noqa: E402

CUDA = torch.cuda.is_available()
DEVICES = ["cpu"] + (["cuda"] if CUDA else [])


def rate_networks(S=3, N=40, g=1.8):
    return [gb.RandomRateNetwork(N, g + 0.1 * s, tau=1.0 + 0.5 * s, seed=s) for s in range(S)]


def gated_networks(S=3, N=30, r_gate="pre", placement="inside", inputs=False):
    nets = []
    for s in range(S):
        kw = {}
        if inputs:
            kw = dict(input_h=lambda t, s=s: 0.2 * np.sin(t + s) * np.ones(N), input_z=0.1 * s,
                      input_r=np.linspace(-0.3, 0.3, N), input_placement=placement)
        nets.append(gb.GatedNetwork(N, 3.0 + 0.5 * s, alpha_z=2.0 + s, alpha_r=1.0, beta_z=0.3 * s, beta_r=0.5,
                                    g_z=1.2, tau_z=2.0 + s, tau_r=0.7, r_gate=r_gate, seed=10 + s, **kw))
    return nets


FAMILIES = {
    "rate": rate_networks,
    "gated-pre": gated_networks,
    "gated-post": lambda: gated_networks(r_gate="post"),
    "gated-inputs-inside": lambda: gated_networks(inputs=True),
    "gated-inputs-outside": lambda: gated_networks(r_gate="post", placement="outside", inputs=True),
}


# -- the device convention ---------------------------------------------------------------------
def test_resolve_device_spellings():
    assert resolve_device(None) is None and resolve_device("numpy") is None
    assert not uses_torch(None) and not uses_torch("numpy") and uses_torch("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if CUDA else "cpu")
    assert torch_dtype(np.float32) is torch.float32 and torch_dtype("float64") is torch.float64


@pytest.mark.parametrize(
    "device, error, match",
    [(3, TypeError, "device must be None"), ("gpu", ValueError, "device must be None"),
     ("meta", ValueError, "CPU or CUDA"), ("cuda:99", ValueError, "CUDA device")],
)
def test_bad_devices_are_named(device, error, match):
    with pytest.raises(error, match=match):
        resolve_device(device)
    with pytest.raises(error, match="device"):
        gb.simulate(gb.RandomRateNetwork(5, 1.0, seed=0), 1.0, 0.1, device=device)


@pytest.mark.skipif(CUDA, reason="this machine has a CUDA device")
def test_cuda_without_a_gpu_says_so():
    with pytest.raises(ValueError, match="no CUDA device"):
        gb.max_lyapunov(gb.RandomRateNetwork(5, 1.0, seed=0), t_measure=1.0, device="cuda")


def test_ensembles_must_be_one_kind_and_size():
    rate, gated = gb.RandomRateNetwork(6, 1.0, seed=0), gb.GatedNetwork(6, 1.0, seed=0)
    with pytest.raises(ValueError, match="one kind and size"):
        gb.simulate([rate, gated], 1.0, 0.1)
    with pytest.raises(ValueError, match="one kind and size"):
        gb.simulate([rate, gb.RandomRateNetwork(7, 1.0, seed=0)], 1.0, 0.1, device="cpu")
    with pytest.raises(ValueError, match="r_gate"):
        stack_networks([gated, gb.GatedNetwork(6, 1.0, r_gate="post", seed=0)])
    with pytest.raises(ValueError, match="at least one"):
        gb.max_lyapunov([], t_measure=1.0)
    with pytest.raises(TypeError, match=r"model\[1\]"):
        gb.simulate([rate, "net"], 1.0, 0.1)
    with pytest.raises(ValueError, match="x0 must have shape"):
        gb.simulate([rate, rate], 1.0, 0.1, x0=np.zeros((3, 1, 6)))
    with pytest.raises(ValueError, match="numpy"):
        stack_networks([rate], device=None)


# -- the stacks against the numpy models ---------------------------------------------------------
@pytest.mark.parametrize("family", FAMILIES)
def test_stack_vector_field_equals_each_numpy_model(family):
    nets = FAMILIES[family]()
    stack = stack_networks(nets, "cpu", np.float64)
    x = np.random.default_rng(1).standard_normal((len(nets), 4, nets[0].dim))
    for t in (0.0, 1.3):
        F = stack.vector_field(stack.tensor(x), t).numpy()
        for s, net in enumerate(nets):
            np.testing.assert_allclose(F[s], net.vector_field(x[s], t), rtol=1e-12, atol=1e-12)
    # one state per network, shape (S, dim)
    F1 = stack.vector_field(stack.tensor(x[:, 0]), 0.5).numpy()
    np.testing.assert_allclose(F1, np.stack([n.vector_field(x[s, 0], 0.5) for s, n in enumerate(nets)]),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("family", FAMILIES)
def test_stack_jvp_equals_autograd_and_numpy(family):
    nets = FAMILIES[family]()
    stack = stack_networks(nets, "cpu", np.float64)
    rng = np.random.default_rng(2)
    x = stack.tensor(0.8 * rng.standard_normal((len(nets), nets[0].dim)))
    V = stack.tensor(rng.standard_normal((len(nets), nets[0].dim, 3)))
    t = 0.7
    F, JV = stack.vector_field_and_jvp(x, V, t)
    np.testing.assert_allclose(F.numpy(), stack.vector_field(x, t).numpy(), rtol=1e-13, atol=1e-13)
    for j in range(V.shape[-1]):  # forward-mode autograd of the vector field, one tangent at a time
        _, auto = torch.func.jvp(lambda y: stack.vector_field(y, t), (x,), (V[..., j],))
        np.testing.assert_allclose(JV[..., j].numpy(), auto.numpy(), rtol=1e-11, atol=1e-12)
    for s, net in enumerate(nets):
        np.testing.assert_allclose(JV[s].numpy(), net.jvp(x[s].numpy(), V[s].numpy(), t), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("family", ["rate", "gated-pre", "gated-post"])
def test_stack_trace_equals_trace_of_dense_jacobian(family):
    nets = FAMILIES[family]()
    stack = stack_networks(nets, "cpu", np.float64)
    x = np.random.default_rng(3).standard_normal((len(nets), nets[0].dim))
    traces = stack.jacobian_trace(stack.tensor(x)).numpy()
    expected = [np.trace(net.jacobian(x[s])) for s, net in enumerate(nets)]
    np.testing.assert_allclose(traces, expected, rtol=1e-12)


def test_stack_classes_and_memory_guard(monkeypatch):
    assert isinstance(stack_networks(rate_networks(), "cpu"), RateNetworkStack)
    assert isinstance(stack_networks(gated_networks(), "cpu"), GatedNetworkStack)
    monkeypatch.setenv("GATEBOOK_MAX_BYTES", str(3 * 40 * 40 * 4 - 1))
    with pytest.raises(ValueError, match="coupling matrices"):
        stack_networks(rate_networks(), "cpu", np.float32)


# -- simulate -------------------------------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("family", ["rate", "gated-inputs-inside", "gated-inputs-outside"])
def test_simulate_torch_matches_numpy(family, device):
    nets = FAMILIES[family]()
    ref = gb.simulate(nets, 10.0, 0.05, seed=4, record_every=20)
    run = gb.simulate(nets, 10.0, 0.05, seed=4, record_every=20, device=device)
    assert run.states.shape == ref.states.shape == (11, 3, nets[0].dim)
    np.testing.assert_array_equal(run.times, ref.times)
    np.testing.assert_allclose(run.states, ref.states, atol=1e-9)
    # float32: the state stays within float32 round-off, amplified at most ~1e3 over this horizon
    run32 = gb.simulate(nets, 10.0, 0.05, seed=4, record_every=20, device=device, dtype=np.float32)
    assert run32.states.dtype == np.float32
    np.testing.assert_allclose(run32.states, ref.states, atol=2e-3)


def test_simulate_ensemble_is_network_by_network():
    """An ensemble draws its initial states as one (S, dim) draw and runs each network as if alone."""
    nets = gated_networks(S=3)
    ens = gb.simulate(nets, 5.0, 0.1, seed=7).states
    x0 = np.random.default_rng(7).standard_normal((3, nets[0].dim))
    for s, net in enumerate(nets):
        np.testing.assert_array_equal(ens[:, s], gb.simulate(net, 5.0, 0.1, x0=x0[s]).states)
    # the first network of an ensemble starts where a lone run with the same seed starts
    np.testing.assert_array_equal(ens[:, 0], gb.simulate(nets[0], 5.0, 0.1, seed=7).states)
    # trials: a (trials, dim) x0 starts every network alike, (S, trials, dim) each its own
    trials = np.random.default_rng(8).standard_normal((2, nets[0].dim))
    shared = gb.simulate(nets, 2.0, 0.1, x0=trials, device="cpu").states
    own = gb.simulate(nets, 2.0, 0.1, x0=np.stack([trials] * 3), device="cpu").states
    assert shared.shape == (21, 3, 2, nets[0].dim)
    np.testing.assert_allclose(shared, own, atol=1e-12)
    np.testing.assert_allclose(shared[:, 1], gb.simulate(nets[1], 2.0, 0.1, x0=trials).states, atol=1e-12)


def test_simulate_single_model_on_torch_has_the_numpy_shape():
    net = gb.GatedNetwork(20, 3.0, alpha_z=2.0, seed=0)
    a = gb.simulate(net, 3.0, 0.1, seed=1)
    b = gb.simulate(net, 3.0, 0.1, seed=1, device="cpu")
    assert a.states.shape == b.states.shape == (31, 60)
    np.testing.assert_allclose(b.states, a.states, atol=1e-12)


def test_simulate_divergence_is_reported_on_torch():
    with pytest.raises(FloatingPointError, match="diverged"):
        # Euler with dt = 3 doubles |x| every step: float32 overflows after ~130 steps
        gb.simulate(gb.RandomRateNetwork(10, 2.0, seed=0), 600.0, 3.0, seed=0, device="cpu", method="euler",
                    dtype=np.float32)


# -- Lyapunov exponents ----------------------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("family", ["rate", "gated-pre", "gated-inputs-inside"])
def test_lyapunov_spectrum_torch_float64_matches_numpy(family, device):
    nets = FAMILIES[family]()
    kw = dict(t_transient=10.0, t_measure=40.0, seed=5, dt=0.1)
    ref = gb.lyapunov_spectrum(nets, 4, **kw)
    run = gb.lyapunov_spectrum(nets, 4, device=device, **kw)
    assert isinstance(run, list) and len(run) == len(nets)
    for a, b in zip(ref, run):
        np.testing.assert_allclose(b.exponents, a.exponents, atol=1e-9)
        np.testing.assert_allclose(b.running, a.running, atol=1e-9)
        assert b.mean_trace == pytest.approx(a.mean_trace, abs=1e-9)
        np.testing.assert_allclose(np.abs(b.final_vectors.T @ a.final_vectors), np.eye(4), atol=1e-6)


def test_lyapunov_ensemble_starts_like_a_lone_run():
    """Network by network, an ensemble draws each initial state and tangent frame from one generator."""
    nets = rate_networks(S=3, N=30)
    kw = dict(t_transient=5.0, t_measure=20.0, dt=0.1)
    ens = gb.lyapunov_spectrum(nets, 3, seed=6, **kw)
    alone = gb.lyapunov_spectrum(nets[0], 3, seed=6, **kw)
    np.testing.assert_array_equal(ens[0].exponents, alone.exponents)
    np.testing.assert_array_equal(ens[0].final_state, alone.final_state)
    assert not np.allclose(ens[1].exponents, gb.lyapunov_spectrum(nets[1], 3, seed=6, **kw).exponents)


@pytest.mark.parametrize("seed", range(4))
def test_float32_exponent_below_the_transition_is_the_origin_closed_form(seed):
    r"""A quiet network falls to x = 0, where :math:`\lambda_1=(g\,w_{\max}-1)/\tau` exactly.

    The couplings are symmetric with a known top eigenvalue :math:`w_{\max}=1`, separated from
    the rest (at most 0.5), so the tangent vector aligns within the transient and the finite-time
    bias is far below the tolerance.
    """
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.standard_normal((60, 60)))
    eigs = np.concatenate([[1.0], rng.uniform(-1.0, 0.5, 59)])
    net = gb.RandomRateNetwork.from_couplings((basis * eigs) @ basis.T, g=0.6, tau=1.5)
    exact = (0.6 * 1.0 - 1.0) / 1.5
    for device, dtype in ((None, np.float32), ("cpu", np.float32), ("cpu", np.float64), (None, np.float64)):
        res = gb.max_lyapunov(net, t_transient=60.0, t_measure=100.0, seed=seed, device=device, dtype=dtype)
        assert res.maximum == pytest.approx(exact, abs=1e-3), (device, dtype)


def test_float32_chaotic_exponents_agree_within_their_error_bars():
    nets = rate_networks(S=3, N=200, g=3.0)
    kw = dict(t_transient=20.0, t_measure=100.0, seed=9)
    ref = gb.max_lyapunov(nets, **kw)
    run = gb.max_lyapunov(nets, device="cpu", dtype=np.float32, **kw)
    for a, b in zip(ref, run):
        assert a.maximum > 0.03
        assert abs(a.maximum - b.maximum) < 3 * np.hypot(a.stderr[0], b.stderr[0])


def test_full_spectrum_on_torch_obeys_liouville():
    """Sum of all exponents = time average of tr J, in float32 state with float64 re-orthonormalisation."""
    nets = gated_networks(S=2, N=8)
    for res in gb.lyapunov_spectrum(nets, 24, t_transient=10.0, t_measure=60.0, seed=1, device="cpu",
                                    dtype=np.float32, reorth_every=5):
        assert res.exponents.sum() == pytest.approx(res.mean_trace, rel=1e-4)
        assert np.all(np.diff(res.exponents)[:6] <= 1e-9 + 3 * res.stderr[1:7])


# -- sweeps on the torch route -----------------------------------------------------------------------
def test_per_network_seeds_reproduce_lone_runs():
    nets = gated_networks(S=3, N=20)
    kw = dict(t_transient=5.0, t_measure=20.0)
    ens = gb.max_lyapunov(nets, seed=[4, 5, 6], device="cpu", **kw)
    for net, seed, res in zip(nets, (4, 5, 6), ens):
        assert res.maximum == pytest.approx(gb.max_lyapunov(net, seed=seed, **kw).maximum, abs=1e-10)
    states = gb.simulate(nets, 2.0, 0.1, seed=[4, 5, 6]).states
    np.testing.assert_array_equal(states[:, 2], gb.simulate(nets[2], 2.0, 0.1, seed=6).states)
    with pytest.raises(ValueError, match="sequence of 3 seeds"):
        gb.max_lyapunov(nets, seed=[1, 2], **kw)


def test_max_lyapunov_sweep_on_torch_equals_numpy():
    make = gb.RandomRateNetwork.family(60)
    kw = dict(seeds=(0, 1, 2), t_transient=10.0, t_measure=30.0, progress=False)
    ref = gb.max_lyapunov_sweep(make, [0.5, 1.5, 2.5], **kw)
    run = gb.max_lyapunov_sweep(make, [0.5, 1.5, 2.5], device="cpu", **kw)
    assert run.data.shape == (3, 3)
    np.testing.assert_allclose(run.data, ref.data, atol=1e-9)
    assert np.all(run.data[:, 0] < 0)  # g = 0.5: quiet for every seed
