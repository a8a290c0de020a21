"""The rate and gated networks as torch cells (gatebook.learning.network_cells, chapter 12).

What is exact, and to what tolerance (float64 throughout unless said):

* one cell step is one Euler step of the numpy model, and the cell's step Jacobian is
  ``I + dt J(x)`` with the model's analytic Jacobian: to round-off, 1e-14 relative (max-norm);
* the product of the cell's step Jacobians along a trajectory is the tangent map that
  gatebook's own Euler tangent step propagates: 1e-13 relative (Frobenius), 20 steps;
* model -> cell -> model is the identity bit for bit (couplings, weights, vector field, Jacobian);
* with alpha_z = alpha_r = 0 the gated cell's h-block is the rate cell of
  ``GatedNetwork.reduced_network()`` (g_eff = g_h s_r, tau_eff = tau_h / s_z): its hz and hr
  Jacobian blocks are exactly zero and the h step agrees to round-off (1e-14 relative);
* Part II's Jacobian products, lag profiles and per-example gradients run on the cell and agree
  with the explicit products and with autograd (1e-13).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import gatebook as gb
from gatebook.integrators import euler_step, euler_tangent_step
from gatebook.learning import jacobian_products, lag_profiles, per_example_gradients, propagator
from gatebook.learning.network_cells import EulerCell

DT = 0.1
ROUND_OFF = 1e-14  # one step or one Jacobian: measured ~1e-16 (a few ulps of the largest entry)
PRODUCT_TOL = 1e-13  # products of up to 20 step Jacobians, trajectories, gradients: measured ~1e-15


def rel(a, b) -> float:
    """Largest absolute difference relative to the largest entry of the reference ``b``."""
    a = a.detach().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def rate_net():
    return gb.RandomRateNetwork(12, g=1.6, tau=1.7, seed=3)


def gated_net(**kw):
    params = dict(g_h=2.5, alpha_z=1.5, alpha_r=2.0, beta_z=0.3, beta_r=-0.4, g_z=1.2, g_r=0.8, tau_h=1.3,
                  tau_z=0.7, tau_r=2.1, seed=4)
    params.update(kw)
    return gb.GatedNetwork(10, **params)


def with_inputs(net, placement):
    N = net.N
    rng = np.random.default_rng(7)
    return net.with_inputs(input_h=0.5 * rng.standard_normal(N), input_z=0.3, input_r=-0.2 * np.ones(N),
                           input_placement=placement)


MODELS = {
    "rate": rate_net,
    "gated-pre": gated_net,
    "gated-post": lambda: gated_net(r_gate="post"),
    "gated-inputs-inside": lambda: with_inputs(gated_net(), "inside"),
    "gated-post-inputs-outside": lambda: with_inputs(gated_net(r_gate="post"), "outside"),
}


@pytest.fixture(params=sorted(MODELS))
def model(request):
    return MODELS[request.param]()


def states(model, batch=None, seed=1, scale=1.5):
    return model.initial_state(seed=seed, trials=batch, scale=scale)


# --------------------------------------------------------------------------- (1) one step


def test_one_step_is_one_euler_step_of_the_model(model):
    cell = EulerCell.from_model(model, dt=DT)
    x = states(model, batch=5)
    with torch.no_grad():
        stepped = cell.step(torch.from_numpy(x))
        field = cell.vector_field(torch.from_numpy(x))
    assert rel(field, model.vector_field(x)) < ROUND_OFF
    assert rel(stepped, euler_step(model, x, 0.0, DT)) < ROUND_OFF
    # a single state, and a zero input through zero input weights, give the same step
    with torch.no_grad():
        one = cell.step(torch.from_numpy(x[0]), torch.zeros(1, dtype=torch.float64))
    assert rel(one, euler_step(model, x[0], 0.0, DT)) < ROUND_OFF


def test_a_rollout_is_the_models_euler_trajectory(model):
    T = 20
    cell = EulerCell(model, DT)
    x0 = states(model)
    traj = gb.simulate(model, t_max=T * DT, dt=DT, x0=x0, method="euler")
    with torch.no_grad():
        r = cell.rollout(torch.zeros(1, T, 1, dtype=torch.float64), torch.from_numpy(x0)[None])
    assert rel(r["states"][0], traj.states[1:]) < PRODUCT_TOL
    assert torch.equal(r["previous"][0, 1:], r["states"][0, :-1])


def test_inputs_enter_where_the_models_inputs_enter():
    """A drive e = W_in u held constant is the same as the model's constant inputs (I, I^z, I^r)."""
    for placement in ("inside", "outside"):
        base = gated_net()
        N = base.N
        I = np.random.default_rng(2).standard_normal(3 * N)
        driven = base.with_inputs(input_h=I[:N], input_z=I[N:2 * N], input_r=I[2 * N:], input_placement=placement)
        cell = EulerCell(base.with_inputs(input_placement=placement), DT, input_size=1,
                         input_weights=I[:, None])
        x = states(base, batch=3)
        with torch.no_grad():
            stepped = cell.step(torch.from_numpy(x), torch.ones(3, 1, dtype=torch.float64))
        assert rel(stepped, euler_step(driven, x, 0.0, DT)) < ROUND_OFF


# --------------------------------------------------------------------------- (2) the step Jacobian


def test_step_jacobian_is_identity_plus_dt_times_the_models_jacobian(model):
    T = 4
    cell = EulerCell(model, DT)
    x0 = states(model, batch=2)
    u = torch.zeros(2, T, 1, dtype=torch.float64)
    J = cell.state_jacobians(u, torch.from_numpy(x0))
    prev = cell.rollout(u, torch.from_numpy(x0))["previous"].detach().numpy()
    eye = np.eye(model.dim)
    for b in range(2):
        for t in range(T):
            assert rel(J[b, t], eye + DT * model.jacobian(prev[b, t])) < ROUND_OFF
    # the same matrix from torch.func.jacrev of the public step
    direct = torch.func.jacrev(cell.step)(torch.from_numpy(x0[0]))
    assert rel(direct, J[0, 0]) < ROUND_OFF


# --------------------------------------------------------------------------- (3) the tangent map


def euler_tangent_map(model, x0, T):
    """``(x_T, Q_T)``: gatebook's Euler tangent step applied T times to Q_0 = I."""
    x, Q = x0, np.eye(model.dim)
    for k in range(T):
        x, Q = euler_tangent_step(model, x, Q, k * DT, DT)
    return x, Q


def test_product_of_step_jacobians_is_the_euler_tangent_map(model):
    T = 20
    cell = EulerCell(model, DT)
    x0 = states(model)
    J = cell.state_jacobians(torch.zeros(1, T, 1, dtype=torch.float64), torch.from_numpy(x0)[None])
    x_T, Q = euler_tangent_map(model, x0, T)
    product = propagator(J, T, 0)[0].numpy()
    assert np.linalg.norm(product - Q) / np.linalg.norm(Q) < PRODUCT_TOL
    # and every intermediate product Phi(t, 0)
    for t in (1, 5, 13):
        _, Q_t = euler_tangent_map(model, x0, t)
        assert np.linalg.norm(propagator(J, t, 0)[0].numpy() - Q_t) / np.linalg.norm(Q_t) < PRODUCT_TOL


# --------------------------------------------------------------------------- (4) round trip


def test_round_trip_is_exact(model):
    back = EulerCell.from_model(model, dt=DT).to_model()
    assert type(back) is type(model)
    x = states(model, batch=4)
    assert np.array_equal(back.vector_field(x), model.vector_field(x))
    assert np.array_equal(back.jacobian(x[0]), model.jacobian(x[0]))
    if isinstance(model, gb.RandomRateNetwork):
        assert np.array_equal(back.couplings, model.couplings) and np.array_equal(back.weights, model.weights)
        assert (back.g, back.tau) == (model.g, model.tau)
        return
    for name in ("couplings_h", "couplings_z", "couplings_r", "weights_h", "weights_gates"):
        assert np.array_equal(getattr(back, name), getattr(model, name)), name
    for name in ("g_h", "alpha_z", "alpha_r", "beta_z", "beta_r", "g_z", "g_r", "tau_h", "tau_z", "tau_r", "r_gate",
                 "input_placement"):
        assert getattr(back, name) == getattr(model, name), name
    for name in ("input_h", "input_z", "input_r"):
        a, b = getattr(back, name), getattr(model, name)
        assert (a is None and b is None) or np.array_equal(a, b), name
    # cell -> model -> cell gives the same parameters
    again = EulerCell.from_model(back, dt=DT)
    for (name, p), (_, q) in zip(EulerCell(model, DT).named_parameters(), again.named_parameters()):
        assert torch.equal(p, q), name


def test_to_model_follows_the_cells_current_couplings():
    cell = EulerCell(gated_net(), DT)
    with torch.no_grad():
        cell.couplings_h[0, 1] += 0.3
        cell.couplings_r[2] *= -1.0
    model = cell.to_model()
    x = states(model, batch=3)
    with torch.no_grad():
        assert rel(cell.vector_field(torch.from_numpy(x)), model.vector_field(x)) < ROUND_OFF
    assert float(model.couplings_h[0, 1]) == cell.couplings_h[0, 1].item()


def test_a_float32_cell_steps_like_the_model_to_single_precision():
    model = gated_net()
    cell = EulerCell(model, DT, dtype=torch.float32)
    assert cell.couplings_h.dtype == torch.float32
    x = states(model, batch=3)
    with torch.no_grad():
        stepped = cell.step(torch.from_numpy(x))
    assert stepped.dtype == torch.float32
    assert rel(stepped.double(), euler_step(model, x, 0.0, DT)) < 1e-5


# --------------------------------------------------------------------------- (5) reduction


def test_ungated_cell_reduces_to_the_rate_cell():
    """alpha_z = alpha_r = 0: h_{t+1} = h + dt s_z/tau_h (-h + g_h J (s_r phi)) is the rate network's step
    with g_eff = g_h s_r, tau_eff = tau_h / s_z, whatever z and r are. The h-block does not depend on
    z, r at all (the hz and hr blocks are exactly 0: sigma' = alpha sigma(1 - sigma) = 0), and the
    h step and hh block agree with the rate cell to round-off (the products are associated differently)."""
    gated = gated_net(alpha_z=0.0, alpha_r=0.0)
    reduced = gated.reduced_network()
    assert reduced.g == pytest.approx(gated.g_h * gated.s_r, rel=1e-15)
    assert reduced.tau == pytest.approx(gated.tau_h / gated.s_z, rel=1e-15)
    g_cell, r_cell = EulerCell(gated, DT), EulerCell(reduced, DT)
    N = gated.N
    x = torch.from_numpy(states(gated, batch=4, scale=3.0))
    with torch.no_grad():
        h_next = g_cell.step(x)[:, :N]
        assert rel(h_next, r_cell.step(x[:, :N])) < ROUND_OFF
    T = 10
    J_g = g_cell.state_jacobians(torch.zeros(1, T, 1, dtype=torch.float64), x[:1])
    J_r = r_cell.state_jacobians(torch.zeros(1, T, 1, dtype=torch.float64), x[:1, :N])
    assert torch.count_nonzero(J_g[..., :N, N:]) == 0
    assert rel(J_g[..., :N, :N], J_r) < ROUND_OFF
    # the h trajectories agree over T steps
    with torch.no_grad():
        h_g = g_cell.rollout(torch.zeros(1, T, 1, dtype=torch.float64), x[:1])["states"][..., :N]
        h_r = r_cell.rollout(torch.zeros(1, T, 1, dtype=torch.float64), x[:1, :N])["states"]
    assert rel(h_g, h_r) < PRODUCT_TOL


# --------------------------------------------------------------------------- (6) bad input


@pytest.mark.parametrize("bad, error, match", [
    ("model", TypeError, "model must be"),
    (np.zeros((3, 3)), TypeError, "model must be"),
])
def test_a_non_model_is_refused(bad, error, match):
    with pytest.raises(error, match=match):
        EulerCell(bad, DT)
    with pytest.raises(error, match=match):
        EulerCell.from_model(bad, dt=DT)


@pytest.mark.parametrize("dt, error", [(0.0, ValueError), (-0.1, ValueError), (float("nan"), ValueError),
                                       (float("inf"), ValueError), ("0.1", TypeError), (None, TypeError)])
def test_a_bad_step_is_refused(dt, error):
    with pytest.raises(error, match="dt"):
        EulerCell(rate_net(), dt)


def test_bad_states_inputs_and_options_are_refused():
    model = gated_net()
    cell = EulerCell(model, DT, input_size=2)
    n = model.dim
    with pytest.raises(ValueError, match=r"x must have shape \(30,\)"):
        cell.step(torch.zeros(n - 1, dtype=torch.float64))
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        cell.step(np.zeros(n))
    with pytest.raises(ValueError, match="x contains NaN"):
        cell.step(torch.full((n,), float("nan"), dtype=torch.float64))
    with pytest.raises(ValueError, match="u must have shape"):
        cell.step(torch.zeros(n, dtype=torch.float64), torch.zeros(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="drive must have shape"):
        cell.vector_field(torch.zeros(n, dtype=torch.float64), torch.zeros(n + 1, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"inputs \(u\) must have shape"):
        cell.rollout(torch.zeros(2, 5, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="x0 must have shape"):
        cell.rollout(torch.zeros(2, 5, 2, dtype=torch.float64), torch.zeros(2, n - 1, dtype=torch.float64))
    with pytest.raises(ValueError, match="input_weights must have shape"):
        EulerCell(model, DT, input_size=2, input_weights=np.zeros((model.N, 2)))
    with pytest.raises(ValueError, match="readout must have shape"):
        EulerCell(model, DT, readout=np.ones(n))
    with pytest.raises(ValueError, match="dtype"):
        EulerCell(model, DT, dtype=torch.float16)
    with pytest.raises(ValueError, match="input_size"):
        EulerCell(model, DT, input_size=0)
    with pytest.raises(ValueError, match="model has time-dependent inputs"):
        EulerCell(model.with_inputs(input_z=lambda t: 0.1 * t), DT)
    with pytest.raises(TypeError, match="r must be a rollout"):
        cell.jacobians_from_rollout({"states": torch.zeros(1)})


# --------------------------------------------------------------------------- (7) Part II tools


def test_jacobian_products_of_the_cell_are_the_euler_tangent_map():
    model = gated_net()
    T = 12
    cell = EulerCell(model, DT)
    x0 = states(model)
    J = cell.state_jacobians(torch.zeros(1, T, 1, dtype=torch.float64), torch.from_numpy(x0)[None])
    prods = jacobian_products(J, keep_products=True)
    _, Q = euler_tangent_map(model, x0, T)
    full = torch.exp(prods.log_scales[T - 1][0, 0]) * prods.products[T - 1][0, 0]
    assert np.linalg.norm(full.numpy() - Q) / np.linalg.norm(Q) < PRODUCT_TOL
    # lag 1: ln S = ln ||I + dt J(x_0)||_2 of the numpy model
    lnS = prods.log_sensitivity(1)[0, 0].item()
    assert lnS == pytest.approx(np.log(np.linalg.norm(np.eye(model.dim) + DT * model.jacobian(x0), 2)), abs=1e-12)


def test_lag_profiles_run_on_the_cell_with_the_models_write_factor():
    model = gated_net()
    cell = EulerCell(model, DT, input_size=2, input_weights=0.3 * np.ones((model.dim, 2)))
    u = torch.randn(3, 10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x0 = torch.from_numpy(states(model, batch=3))
    r = cell.rollout(u, x0)
    N = model.N
    z = r["previous"][..., N:2 * N].detach().numpy()
    sigma_z = 1.0 / (1.0 + np.exp(-(model.alpha_z * z - model.beta_z)))
    assert rel(r["write"][..., :N], DT * sigma_z / model.tau_h) < ROUND_OFF
    assert torch.all(r["write"][..., N:2 * N] == DT / model.tau_z)
    assert torch.all(r["write"][..., 2 * N:] == DT / model.tau_r)
    profiles = lag_profiles(cell, u)
    for p in profiles.values():
        assert p.log_measured[0] == 0.0 and torch.isfinite(p.log_measured).all()
    # the measured profile is the median log sensitivity of the cell's own Jacobian products
    J = cell.state_jacobians(u)
    logS = jacobian_products(J, top=1).log_singular_values
    med = torch.stack([s[..., 0].median() for s in logS])
    assert torch.allclose(profiles["carry"].log_measured, med - med[0], rtol=0, atol=1e-12)


def test_per_example_gradients_are_autograd_gradients():
    model = gated_net()
    cell = EulerCell(model, DT, input_size=2, input_weights=0.3 * np.ones((model.dim, 2)))
    u = torch.randn(3, 6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    y = torch.tensor([[0.1], [-0.2], [0.3]], dtype=torch.float64)
    G = per_example_gradients(cell, u, y, method="vmap")
    assert G.shape == (3, sum(p.numel() for p in cell.parameters()))
    for i in range(3):
        loss = ((cell(u[i:i + 1]) - y[i:i + 1]) ** 2).sum()
        row = torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, list(cell.parameters()))])
        assert rel(G[i], row) < PRODUCT_TOL
    with pytest.raises(ValueError, match="method='vmap'"):
        per_example_gradients(cell, u, y, method="credit")


def test_drive_offset_credit_is_the_gradient_through_the_input_weights():
    """d loss / d W_in = sum_t (d loss / d e_t) u_t^T, with the credit read from the drive_offset hook."""
    model = rate_net()
    cell = EulerCell(model, DT, input_size=2, input_weights=0.2 * np.ones((model.N, 2)))
    u = torch.randn(2, 7, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    offset = torch.zeros(2, 7, model.N, dtype=torch.float64, requires_grad=True)
    loss = (cell(u, drive_offset=offset) ** 2).sum()
    credit, grad_W = torch.autograd.grad(loss, [offset, cell.input_weights])
    assert rel(torch.einsum("btn,btm->nm", credit, u), grad_W) < PRODUCT_TOL
