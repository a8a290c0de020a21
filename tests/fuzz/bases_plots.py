"""Valid base calls for the fuzz test: the callables defined under the 'plots' part of gatebook.

``BASES`` maps a callable's full name to a function returning the keyword arguments of a small,
fast, valid call (fresh objects each time). ``SKIP`` maps a name to {argument: reason} for
arguments that are not fuzzed; ``ALIASES`` to {argument: (other words that name it,)};
``EXCLUDED`` maps a name to the reason the callable is not fuzzed at all; ``ALLOWED`` maps
``(name, argument, battery value or "*")`` to the reason a failing outcome is accepted.

The result objects the figures draw are computed once (``functools.lru_cache``) at the smallest
sizes the package allows; figures do not mutate their inputs, so every base call reuses them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

GATES = np.linspace(0.05, 0.5, 16)


# -- result objects, computed once ------------------------------------------------------------
@lru_cache(maxsize=None)
def _experiment():
    import torch

    from gatebook.learning import anisotropy as A

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return A.anisotropy_experiment(tasks=("adding",), seeds=(0,), steps=1, T=6, n=4, batch=2, probe_batch=1,
                                       grad_samples=4, lags=(1, 2), triples_per_lag=2, r=2, top=4, progress=False)
    finally:
        torch.set_num_threads(previous)


@lru_cache(maxsize=None)
def _alignment_study():
    from gatebook.learning import alignment as AL

    return AL.readout_alignment_study((0, 1), tasks=("ar2",), steps=1, T=4, n=3, m=2, batch=2, probe_batch=1)


@lru_cache(maxsize=None)
def _frozen_measured():
    from gatebook.learning import anisotropy as A

    return A.frozen_gate_propagation(np.linspace(0.05, 0.5, 20), (1, 4), triples_per_lag=2)


@lru_cache(maxsize=None)
def _soft_curve():
    from gatebook import transitions

    return transitions.branch_curve([1.8, 2.1, 2.4], 0.0)


@lru_cache(maxsize=None)
def _gated_pair():
    from gatebook import meanfield as mf

    return (mf.gated_theory(3.0, alpha_r=5.0), mf.gated_theory(4.0, alpha_r=5.0))


@lru_cache(maxsize=None)
def _census():
    import gatebook as gb

    return gb.census_sweep([0.8, 1.9], [6], seeds=[0, 1], n_starts=4, transient_starts=0)


@lru_cache(maxsize=None)
def _marginal_points():
    import gatebook as gb

    return gb.marginal_fixed_points([2.6, 3.0], 30, seeds=[0], alpha_z_values=[0.0, 1e3], n_starts=4)


def _thresholds():
    from gatebook.transitions import Thresholds

    return Thresholds(alpha_r=0.0, beta_r=0.0, g_r=1.0, g_topo=2.0, g_chaos=2.0, g_quiet=2.0)


def _sharp_thresholds():
    from gatebook.transitions import Thresholds

    return Thresholds(alpha_r=20.0, beta_r=0.0, g_r=1.0, g_topo=1.63, g_chaos=1.75, g_quiet=2.0)


@lru_cache(maxsize=None)
def _hysteresis():
    from gatebook.transitions import HysteresisSweep

    g = np.array([1.7, 1.9, 2.2])
    var = np.array([[[1e-12, 1e-9], [1e-10, 0.08], [0.2, 0.25]], [[1e-13, 1e-8], [1e-11, 0.12], [0.3, 0.28]]])
    return HysteresisSweep(g_values=g, alpha_r=20.0, beta_r=0.0, N=50, seeds=(0, 1),
                           initial_scales=np.array([0.05, 2.0]), variance=var, final_rms=np.sqrt(var),
                           lambda_max=np.full(var.shape, np.nan), t_transient=10.0, t_measure=5.0, dt=0.2)


@lru_cache(maxsize=None)
def _input_chaos():
    from gatebook.transitions import InputChaos

    return InputChaos(sigma_values=np.array([0.0, 0.5]), g_h=2.0, alpha_r=20.0, beta_r=2.0, N=50, seeds=(0, 1, 2),
                      lambda_max=np.array([[-0.4, 0.05], [-0.38, 0.07], [-0.39, 0.09]]),
                      lambda_stderr=np.zeros((3, 2)),
                      second_moment=np.array([[0.0, 0.7], [0.0, 0.8], [0.0, 0.75]]), variance=np.zeros((3, 2)),
                      theory_second_moment=np.array([0.0, 0.76]), theory_variance=np.array([0.0, 0.24]),
                      theory_lambda=np.array([-0.38, 0.11]), theory_branch=("quiescent", "chaotic"))


TINY_R = dict(N=10, t_transient=3.0, t_measure=5.0, lyapunov_t_measure=3.0, n_states=1)


@lru_cache(maxsize=None)
def _alpha_sweep():
    from gatebook.r_gate import r_gate_sweep

    return r_gate_sweep([0.0, 20.0], seeds=(0,), k=4, **TINY_R)


@lru_cache(maxsize=None)
def _dimension_table():
    from gatebook.dimension_controls import dimension_controls

    return dimension_controls([0.0, 2.0], seeds=(0, 1), matches=("variance",), k=4, **TINY_R)


@lru_cache(maxsize=None)
def _beta_sweep():
    from gatebook.r_gate import r_gate_sweep

    return r_gate_sweep([0.0, 1.0], seeds=(0,), parameter="beta_r", dimension=False, **TINY_R)


@lru_cache(maxsize=None)
def _net(N=8, **kw):
    import gatebook as gb

    params = dict(g_h=3.0, seed=0)
    params.update(kw)
    return gb.GatedNetwork(N, **params)


@lru_cache(maxsize=None)
def _clouds():
    from gatebook.r_gate import jacobian_cloud

    net = _net(8, alpha_r=5.0)
    return {"quiet": jacobian_cloud(net, np.zeros(net.dim), resolution=41)}


@lru_cache(maxsize=None)
def _lyapunov_spectrum():
    import gatebook as gb

    net = _net(4, alpha_r=10.0)
    return gb.lyapunov_spectrum(net, net.dim, t_transient=2.0, t_measure=4.0, seed=0)


@lru_cache(maxsize=None)
def _gated_traj():
    import gatebook as gb

    return gb.simulate(_net(6, alpha_z=2.0, alpha_r=1.5), 2.0, 0.1, seed=1)


@lru_cache(maxsize=None)
def _reduction():
    import gatebook as gb
    from gatebook import quiescent as Q

    return Q.reduction_check(gb.GatedNetwork(6, 3.0, beta_z=1.0, seed=2), t_max=2.0, seed=0)


def _growth_sweep():
    from gatebook import quiescent as Q

    return Q.GrowthSweep(gains=np.array([1.0, 2.0, 3.0]), measured=np.array([-0.3, 0.01, 0.26]),
                         finite_N=np.array([-0.25, 0.0, 0.25]), large_N=np.array([-0.25, 0.0, 0.25]),
                         threshold=2.0, finite_threshold=2.0, beta_r=0.0, N=100, label="β_r = 0")


def _bracket():
    from gatebook import quiescent as Q

    return Q.ThresholdBracket(lo=1.95, hi=2.02, threshold=2.0, finite_threshold=2.0, beta_r=0.0, N=100,
                              evaluations=())


@lru_cache(maxsize=None)
def _measured_lag_weights():
    import torch

    from gatebook.learning import kernels as K

    gen = torch.Generator().manual_seed(0)
    u = torch.rand(2, 8, 2, generator=gen, dtype=torch.float64)
    y = torch.rand(2, 1, generator=gen, dtype=torch.float64)
    return {0.2: K.measured_lag_weights(0.2, u, y, hidden_size=4)}


@lru_cache(maxsize=None)
def _sensitivity_and_profile():
    import torch

    import gatebook as gb
    from gatebook.learning import kernels as K
    from gatebook.learning import lag_profile

    probe = gb.learning.tasks.make_task("adding", 2, T=8, m=2, seed=1, dtype=torch.float64)
    cell = K.leaky_cell(0.3, input_size=2, hidden_size=4, seed=0)
    return K.lag_sensitivity(cell, probe.inputs), lag_profile(cell, probe.inputs, convention="carry")


@lru_cache(maxsize=None)
def _scs2():
    from gatebook.meanfield import scs_dmft

    return scs_dmft(2.0, s_max=20.0, n=201)


@lru_cache(maxsize=None)
def _scs2_iteration():
    from gatebook.meanfield import scs_dmft

    return scs_dmft(2.0, method="iteration", s_max=20.0, n=201, damping=0.9, tol=1e-6)


@lru_cache(maxsize=None)
def _gated_theory():
    from gatebook.meanfield.simulation import gated_theory

    return gated_theory(3.0, alpha_r=0.0)


@lru_cache(maxsize=None)
def _fake_sim():
    from gatebook.meanfield.simulation import SimulatedAutocorrelation

    theory = _scs2()
    lags = 0.5 * np.arange(11)
    base = np.interp(lags, theory.lags[theory.lags >= 0], theory.autocorrelation[theory.lags >= 0])
    raw = base[None, :] * (1 + 0.01 * np.arange(2))[:, None]
    return SimulatedAutocorrelation(lags=lags, raw=raw, centred=raw - 0.1, seeds=(0, 1), N=50, window=100.0,
                                    sample_interval=0.5)


@lru_cache(maxsize=None)
def _schrodinger():
    from gatebook.meanfield.simulation import schrodinger_states

    return schrodinger_states(_scs2())


@lru_cache(maxsize=None)
def _finite_size():
    from gatebook.meanfield.simulation import FiniteSizeLyapunov

    sizes = np.array([100, 200, 400])
    values = 0.3 - 5.0 / sizes[:, None] + np.array([[0.0, 0.01, -0.01]])
    return FiniteSizeLyapunov(sizes=sizes, seeds=(0, 1, 2), values=values, stderr=np.zeros_like(values))


@lru_cache(maxsize=None)
def _scs_curve():
    from gatebook.meanfield.simulation import scs_theory_curve

    return scs_theory_curve([0.5, 2.0])


@lru_cache(maxsize=None)
def _preconditioner():
    from gatebook.learning import preconditioning as P

    lags = np.arange(1, 5)
    return P.preconditioner_condition(GATES, lags, r=4), P.preconditioner_condition(GATES, lags, r=4,
                                                                                     recurrent_scale=1.0)


@lru_cache(maxsize=None)
def _credit():
    import torch

    from gatebook.learning import preconditioning as P
    from gatebook.learning.tasks import make_task

    cell = P.frozen_gate_cell(GATES, 2, nonlinearity="linear")
    data = make_task("adding", 2, T=8, m=2, seed=0, dtype=torch.float64)
    return P.credit_by_lag(cell, data.inputs, data.targets)


@lru_cache(maxsize=None)
def _comparison():
    from gatebook.learning import preconditioning as P

    arms = [{"model": "multi", "optimizer": "sgd", "lr": 1e-2, "label": "multi + sgd"},
            {"model": "plain", "optimizer": "adam", "lr": 1e-3, "label": "plain + adam"}]
    loss = np.random.default_rng(0).uniform(0.1, 0.4, (2, 3, 30))
    return P.OptimiserComparison(arms=arms, seeds=[0, 1, 2], loss=loss, task="adding",
                                 settings={"T": 10, "n": 4, "m": 3, "batch": 4, "steps": 30},
                                 mean_predictor_mse=1 / 6, window=5)



@lru_cache(maxsize=None)
def _optimiser_grid():
    from gatebook.learning.optimiser_study import optimiser_grid

    return optimiser_grid(learning_rates={"sgd": [0.1], "adam": [0.01]}, T=4, n=3, m=2, batch=2, steps=4,
                          seeds=(0, 1), window=2, r=2, stride=1, progress=False)

@lru_cache(maxsize=None)
def _expansion():
    from gatebook.learning import preconditioning as P

    return P.expansion_check("multi", seeds=(0, 1), T=6, n=4)


@lru_cache(maxsize=None)
def _envelope():
    import torch

    import gatebook.learning as L
    from gatebook.learning import preconditioning as P

    cell = L.MultiGateRNN(2, 4, seed=0, dtype=torch.float64)
    x = torch.rand(2, 6, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return P.diagonal_predictor(cell, x, 4)


@lru_cache(maxsize=None)
def _soft_beta():
    from gatebook.meanfield import phases as ph

    return ph.phase_diagram([1.5, 2.5, 3.5], alpha_r=0.0, beta_r=[0.0, 1.0], progress=False)


@lru_cache(maxsize=None)
def _spot():
    from gatebook.meanfield import spot_checks

    return spot_checks.SpotCheck(
        g_h=np.array([1.5, 3.5]), value=np.array([0.0, 1.0]), seed=np.array([0, 0]),
        region=np.array(["quiescent", "chaotic"], dtype=object), predicted_active=np.array([False, True]),
        dmft_lambda=np.array([-0.25, 0.05]), lambda_max=np.array([-0.2, -0.01]),
        lambda_stderr=np.array([0.01, 0.02]), activity=np.array([1e-8, 1e-6]), active=np.array([False, False]),
        agrees=np.array([True, False]), N=50, parameter="beta_r",
    )


@lru_cache(maxsize=None)
def _marginal():
    from gatebook.meanfield import onsets, spot_checks

    region = onsets.marginal_region([0.0, 1.0])
    g = np.linspace(1.5, 12.0, 6)
    rho = onsets.open_radius_map(g, region.beta_r)
    spot = spot_checks.MarginalSpotCheck(3.0, 0.0, np.array([0.0, 20.0]), np.array([0, 1]),
                                         lambda_max=np.array([[0.1, 0.12], [0.01, 0.0]]),
                                         lambda_stderr=np.zeros((2, 2)),
                                         rms_speed=np.array([[0.5, 0.6], [0.01, 0.02]]), decay_time=np.ones((2, 2)),
                                         closed_fraction=np.zeros((2, 2)), in_window=True, N=50)
    return region, rho, g, spot


@lru_cache(maxsize=None)
def _rate_traj(seed=1):
    import gatebook as gb

    return gb.simulate(gb.RandomRateNetwork(6, 1.5, seed=0), 3.0, 0.1, seed=seed)


def _sweep(label="N=1"):
    import gatebook as gb

    return gb.Sweep("lam", "g", np.array([0.5, 1.5]), (0, 1), np.array([[-0.5, 0.1], [-0.3, 0.3]]), label=label)


@lru_cache(maxsize=None)
def _max_lyapunov():
    import gatebook as gb

    return gb.max_lyapunov(gb.RandomRateNetwork(6, 2.0, seed=0), t_transient=1.0, t_measure=3.0, seed=0)


@lru_cache(maxsize=None)
def _scalar_probe_and_cell():
    import torch

    import gatebook.learning as L
    from gatebook.learning import tasks

    cell = L.ScalarGateRNN(2, 4, seed=3, dtype=torch.float64)
    return tasks.adding(3, T=8, m=2, seed=5, dtype=torch.float64), cell


@lru_cache(maxsize=None)
def _gate_traces():
    from gatebook.learning import tracking as tk

    probe, cell = _scalar_probe_and_cell()
    return tk.gate_traces(cell, probe.inputs)


@lru_cache(maxsize=None)
def _step_credit():
    from gatebook.learning import tracking as tk

    probe, cell = _scalar_probe_and_cell()
    credit = tk.step_credit(cell, probe.inputs, probe.targets)
    w = tk.zeroth_order_weights(_gate_traces(), "carry")
    return credit, w


@lru_cache(maxsize=None)
def _lag_profiles():
    from gatebook.learning import tracking as tk

    probe, cell = _scalar_probe_and_cell()
    return tk.lag_profiles(cell, probe.inputs)


@lru_cache(maxsize=None)
def _summary():
    import torch

    import gatebook.learning as L
    from gatebook.learning import tracking as tk

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return tk.track_seeds(lambda s: L.ScalarGateRNN(2, 4, seed=s), (0, 1), checkpoints=(0, 2), steps=2, batch=2,
                              lr=0.05, probe_batch=2, task_kwargs={"T": 6, "m": 2}, progress=False)
    finally:
        torch.set_num_threads(previous)


@lru_cache(maxsize=None)
def _slowing():
    from gatebook.slow_modes import slowing_sweep

    return slowing_sweep([0.0, 20.0], seeds=(0, 1), N=10, t_transient=2.0, t_measure=5.0, t_lyapunov=2.0)


@lru_cache(maxsize=None)
def _invariance():
    import gatebook as gb
    from gatebook.slow_modes import fixed_point_invariance

    return fixed_point_invariance(gb.GatedNetwork(10, 3.0, seed=1), alpha_z_values=[20.0], beta_z_values=[0.0],
                                  n_starts=2)


@lru_cache(maxsize=None)
def _memory():
    import gatebook as gb
    from gatebook.memory import write_and_reset

    net = gb.GatedNetwork(8, 2.2, alpha_z=20.0, seed=0)
    return write_and_reset(net, placement="outside", t_settle=2.0, t_max=10.0, write_times=[2.0, 5.0], reset_time=7.0)


def _ax():
    from matplotlib.figure import Figure

    return Figure().subplots()


P = "gatebook.plots."
E = "gatebook.exercises."


def _committed(name):
    from gatebook.learning.committed import committed_summary

    return committed_summary(name)


def _appB_records():
    eps = [1e-4, 1e-3, 1e-2]
    return [{"labels": {"model": "multi"}, "seed": s, "results": {"eps": eps, "errors": [e * e * (1 + s) for e in eps]}}
            for s in range(3)]


def _s2_summary():
    cell = {"median": 2.0, "q1": 1.5, "q3": 2.5, "n": 3}
    rows = {f"propagation {m} (lag {h})": cell for m in ("AI", "CE") for h in (1, 2)}
    return {"study": "s2", "settings": {"checkpoints": [0, 10], "lags": [1, 2]},
            "table": {"plain + Adam | adding": {"0": rows, "10": rows}}}

BASES = {
    # -- exercises ------------------------------------------------------------------------------
    E + "anisotropy.check_frozen_gate_ai": lambda: dict(answer=1.5, gates=GATES.copy(), lag=3, r=4),
    E + "anisotropy.check_participation_ratio": lambda: dict(answer=2.0, s=[3.0, 2.0, 1.0]),
    E + "chaotic_transitions.check_quiet_exponent": lambda: dict(answer=0.1, g_h=1.9, beta_r=0.0),
    E + "chaotic_transitions.check_static_onset": lambda: dict(answer=1.5, alpha_r=20.0, beta_r=0.0),
    E + "dimensionality.check_kaplan_yorke": lambda: dict(answer=3.4, exponents=np.array([0.5, 0.3, 0.1, -0.2, -0.5, -1.0])),
    E + "dimensionality.check_origin_radius": lambda: dict(answer=0.4, g_h=3.0, beta_r=1.0, beta_z=0.0, tau_h=1.0),
    E + "feedback.as_number": lambda: dict(answer=1.0, what="a number"),
    E + "feedback.check_quiz": lambda: dict(name="reorthonormalise", answer="b"),
    E + "quizzes.quiz": lambda: dict(name="reorthonormalise"),
    E + "quizzes.Quiz": lambda: dict(name="reorthonormalise"),
    E + "feedback.register_quizzes": lambda: dict(quizzes={}),  # registers nothing: no global side effect
    E + "gated_network.check_quiescent_threshold": lambda: dict(answer=2.0, beta_r=0.0, N=8, seed=0),
    E + "gated_network.check_reduction": lambda: dict(g_eff=0.5, tau_eff=2.0, g_h=1.0, beta_z=0.0, beta_r=0.0,
                                                      tau_h=1.0),
    E + "leaky_integrator.check_half_life": lambda: dict(answer=5.0, alpha=0.1),
    E + "leaky_integrator.check_lag_cutoff": lambda: dict(answer=30, alpha=0.15, fraction=0.01),
    E + "mean_field.check_dmft_variance": lambda: dict(answer=1.0, g=2.5),
    E + "mean_field.check_soft_gate_lambda": lambda: dict(answer=0.1, g_h=3.0, beta_r=0.0, beta_z=0.0),
    E + "mean_field.check_window_variance": lambda: dict(answer=0.5, g=2.0, window=100.0, sample_interval=0.5),
    E + "per_neuron_gates_and_adam.check_condition_number": lambda: dict(answer=10.0, gates=GATES.copy(), lag=3),
    E + "phase_diagrams.check_marginal_edge": lambda: dict(answer=3.0, beta_r=0.0, f_open=0.5),
    E + "phase_diagrams.check_quiet_threshold": lambda: dict(answer=2.0, beta_r=0.0),
    E + "phase_diagrams.check_region": lambda: dict(answer="chaotic", diagram=_soft_beta(), g_h=2.5, value=0.0),
    E + "random_networks.check_critical_gain": lambda: dict(answer=1.0, tau=1.0),
    E + "random_networks.check_lyapunov_estimate": lambda: dict(answer=0.1, g=2.0, N=8, seed=0),
    E + "random_networks.check_spectral_radius": lambda: dict(answer=1.0, N=8, g=1.0, seed=0),
    E + "scalar_gate.check_gate_product": lambda: dict(answer=0.5, cell=_scalar_probe_and_cell()[1],
                                                       inputs=_scalar_probe_and_cell()[0].inputs, example=0, t=3, k=1,
                                                       convention="carry"),
    E + "timescales.check_leak_rate": lambda: dict(answer=0.01, alpha_z=5.0, z=-1.0, beta_z=0.0, tau_h=1.0),
    E + "timescales.check_local_timescale": lambda: dict(answer=2.0, beta_z=0.0, tau_h=1.0),
    E + "timescales.check_marginal_count": lambda: dict(answer=3, N=8, g_h=3.0, alpha_z=20.0, seed=1),
    # -- house style ----------------------------------------------------------------------------
    P + "_style.decade_label": lambda: dict(exponent=-3, labels="powers"),
    P + "_style.log_ticks": lambda: dict(ax=_ax(), axis="y", exponents=range(-3, 1), limits=(1e-3, 1.5),
                                         labels="powers", max_ticks=6),
    P + "_style.new_figure": lambda: dict(width=2.0, height=1.5, ncols=1, nrows=1),
    # -- chapter 1 ------------------------------------------------------------------------------
    P + "random_networks.describe_activity": lambda: dict(traj=_rate_traj(), window=1.0, tol=1e-3),
    P + "random_networks.network_explorer": lambda: dict(g=1.5, seed=0, N=8, t_max=2.0, dt=0.2),
    P + "random_networks.plot_correlation_times": lambda: dict(sweep=_sweep(), tau=1.0),
    P + "random_networks.plot_eigenvalues": lambda: dict(eigenvalues=np.array([-1 + 0.5j, -1 - 0.5j, -0.2 + 0j]),
                                                         disk=(-1.0, 1.5), title="t"),
    P + "random_networks.plot_integrator_errors": lambda: dict(dts=np.array([0.1, 0.05, 0.025]),
                                                               errors={"euler": np.array([0.2, 0.1, 0.05]),
                                                                       "rk4": np.array([3e-4, 2e-5, 1e-6])},
                                                               orders={"euler": 1, "rk4": 4}),
    P + "random_networks.plot_lyapunov_convergence": lambda: dict(result=_max_lyapunov()),
    P + "random_networks.plot_lyapunov_sweeps": lambda: dict(sweeps=[_sweep()], critical=1.0),
    P + "random_networks.plot_traces": lambda: dict(trajectories={"a": _rate_traj(1), "b": _rate_traj(2)}, units=3),
    # -- chapter 2 ------------------------------------------------------------------------------
    P + "leaky_integrator.plot_impulse_responses": lambda: dict(alphas=(0.1, 1.0), max_lag=8),
    P + "leaky_integrator.plot_ema_identity": lambda: dict(measured=dict(_measured_lag_weights())),
    P + "leaky_integrator.plot_lag_schedule": lambda: dict(sensitivities=[_sensitivity_and_profile()[0]],
                                                           profiles=[_sensitivity_and_profile()[1]]),
    P + "leaky_integrator.leaky_explorer": lambda: dict(alpha=0.2, recurrence=1.0),
    # -- chapter 3 ------------------------------------------------------------------------------
    P + "scalar_gate.plot_scalar_gate_traces": lambda: dict(traces=_gate_traces().copy(),
                                                            markers=_scalar_probe_and_cell()[0].info["markers"],
                                                            examples=2),
    P + "scalar_gate.plot_step_credit": lambda: dict(credit=_step_credit()[0], weights=_step_credit()[1].copy(),
                                                     slope=0.5, examples=(0, 1),
                                                     markers=_scalar_probe_and_cell()[0].info["markers"]),
    P + "scalar_gate.plot_lag_profile": lambda: dict(profiles=dict(_lag_profiles()), title="init"),
    P + "scalar_gate.plot_profiles_over_training": lambda: dict(summary=_summary(), convention="carry"),
    P + "reproductions.plot_s1_reproduction": lambda: dict(summary=_committed("s1-paper")),
    P + "reproductions.plot_appB_reproduction": lambda: dict(records=_appB_records(), excluded=None),
    P + "reproductions.plot_s2_reproduction": lambda: dict(summary=_s2_summary(), step=None),
    P + "scalar_gate.plot_slope_over_training": lambda: dict(summary=_summary(), window=2),
    P + "scalar_gate.plot_lag_heatmap": lambda: dict(summary=_summary(), convention="update"),
    P + "scalar_gate.scalar_gate_explorer": lambda: dict(gate_bias=0.5, input_scale=1.0, seed=0),
    # -- chapter 4 ------------------------------------------------------------------------------
    P + "per_neuron_gates_and_adam.plot_preconditioner": lambda: dict(cond=_preconditioner()[0],
                                                                      perturbed=_preconditioner()[1], neurons=3),
    P + "per_neuron_gates_and_adam.plot_lag_credit": lambda: dict(credits={"exact": _credit()}, gates=GATES.copy(),
                                                                  lags=(2, 5)),
    P + "per_neuron_gates_and_adam.plot_optimiser_comparison": lambda: dict(comparison=_comparison()),
    P + "per_neuron_gates_and_adam.plot_optimiser_grid": lambda: dict(grid=_optimiser_grid()),
    P + "per_neuron_gates_and_adam.plot_expansion_check": lambda: dict(check=_expansion()),
    P + "per_neuron_gates_and_adam.plot_diagonal_envelope": lambda: dict(envelope=_envelope()),
    P + "per_neuron_gates_and_adam.preconditioner_explorer": lambda: dict(g_min=0.05, lag=10, g_max=0.5, n=32,
                                                                          max_lag=40),
    # -- chapter 5 ------------------------------------------------------------------------------
    P + "anisotropy.plot_frozen_gates": lambda: dict(gates=np.linspace(0.05, 0.5, 20), measured=_frozen_measured()),
    P + "anisotropy.plot_propagation_anisotropy": lambda: dict(experiment=_experiment(), steps=None, task="adding"),
    P + "anisotropy.plot_update_anisotropy": lambda: dict(experiment=_experiment(), metrics=("AI", "PR"), steps=None),
    P + "anisotropy.anisotropy_explorer": lambda: dict(spread=0.2, lag=8),
    P + "anisotropy.plot_readout_alignment": lambda: dict(study=_alignment_study()),
    # -- chapter 6 ------------------------------------------------------------------------------
    P + "gated_network.plot_gate_traces": lambda: dict(traj=_gated_traj(), net=_net(6, alpha_z=2.0, alpha_r=1.5),
                                                       units=3),
    P + "gated_network.plot_reduction_overlay": lambda: dict(gated_traj=_reduction().gated,
                                                             reduced_traj=_reduction().reduced, units=2),
    P + "gated_network.plot_origin_spectrum": lambda: dict(net=_net(8), method="dense", title="t"),
    P + "gated_network.plot_quiescent_threshold": lambda: dict(sweeps=[_growth_sweep()], brackets=[_bracket()]),
    P + "gated_network.quiet_state_explorer": lambda: dict(g_h=2.5, beta_r=1.0, N=10, seed=0),
    # -- chapter 7 ------------------------------------------------------------------------------
    P + "timescales.plot_slowing": lambda: dict(sweep=_slowing()),
    P + "timescales.plot_local_timescales": lambda: dict(timescales={0.0: np.full(20, 2.0),
                                                                     20.0: np.exp(np.linspace(0.0, 10.0, 50))},
                                                         tau_h=1.0, beta_z=0.0, bins=10),
    P + "timescales.plot_spectrum_with_support": lambda: dict(spectra={"a": _slowing().spectrum(20.0)},
                                                              near_zero=0.01, zoom=0.1),
    P + "timescales.plot_fixed_point_invariance": lambda: dict(result=_invariance()),
    P + "timescales.plot_memory": lambda: dict(results={"outside": _memory()}),
    P + "timescales.timescale_explorer": lambda: dict(alpha_z=0.0, beta_z=0.0),
    # -- chapter 8 ------------------------------------------------------------------------------
    P + "dimensionality.plot_spectra_by_alpha_r": lambda: dict(clouds=dict(_clouds())),
    P + "dimensionality.plot_dimension_sweep": lambda: dict(result=_alpha_sweep()),
    P + "dimensionality.plot_lyapunov_spectra": lambda: dict(results={"a": _lyapunov_spectrum()}),
    P + "dimensionality.plot_beta_r_effect": lambda: dict(result=_beta_sweep()),
    P + "dimensionality.plot_dimension_table": lambda: dict(tables=_dimension_table()),
    P + "dimensionality.dimension_explorer": lambda: dict(alpha_r=5.0, seed=1, N=8, g_h=3.0),
    # -- chapter 9 ------------------------------------------------------------------------------
    P + "mean_field.plot_potential": lambda: dict(result=_scs2(), s_max=15.0),
    P + "mean_field.plot_solver_comparison": lambda: dict(potential=_scs2(), iteration=_scs2_iteration(), s_max=20.0),
    P + "mean_field.plot_gated_autocorrelations": lambda: dict(results={"a": _gated_theory()}, s_max=30.0,
                                                               relaxation=True),
    P + "mean_field.plot_theory_vs_simulation": lambda: dict(pairs={"g = 2": (_scs2(), _fake_sim())}),
    P + "mean_field.plot_schrodinger": lambda: dict(states=_schrodinger(), s_max=12.0),
    P + "mean_field.plot_finite_size": lambda: dict(data=_finite_size(), theory=0.3),
    P + "mean_field.plot_lambda_and_relaxation": lambda: dict(curve=_scs_curve()),
    P + "mean_field.plot_gated_lambda_and_relaxation": lambda: dict(results={"a": _gated_pair()}),
    P + "mean_field.dmft_explorer": lambda: dict(g_h=3.0, alpha_r=0.0),
    # -- chapter 10 -----------------------------------------------------------------------------
    P + "chaotic_transitions.plot_branch_curves": lambda: dict(curves={"soft": _soft_curve()},
                                                               thresholds={"soft": _thresholds()}),
    P + "chaotic_transitions.plot_hysteresis": lambda: dict(sweep=_hysteresis(), curve=_soft_curve(),
                                                            thresholds=_sharp_thresholds()),
    P + "chaotic_transitions.plot_input_chaos": lambda: dict(result=_input_chaos()),
    P + "phase_diagrams.plot_marginal_fixed_points": lambda: dict(results={"N=30": _marginal_points()}, alpha_z_index=-1),
    P + "chaotic_transitions.plot_census": lambda: dict(sweep=_census(), thresholds=None),
    P + "chaotic_transitions.plot_onsets": lambda: dict(onsets=[_thresholds(), _sharp_thresholds()],
                                                        alpha_grid=[0.0, 5.0, 20.0]),
    P + "chaotic_transitions.loop_gain_explorer": lambda: dict(g_h=2.1, alpha_r=20.0, beta_r=0.0),
    # -- chapter 11 -----------------------------------------------------------------------------
    P + "phase_diagrams.plot_phase_diagram": lambda: dict(diagrams={"soft": _soft_beta()}, quantity="region",
                                                          g_chaos=None, spot_checks={"soft": _spot()}),
    P + "phase_diagrams.plot_spot_checks": lambda: dict(checks=_spot()),
    P + "phase_diagrams.plot_lambda_over_alpha_z": lambda: dict(
        g_h=[2.0, 3.0], alpha_z=[0.0, 5.0], lambda_max=np.array([[0.1, 0.12], [0.2, np.nan]]),
        stderr=np.full((2, 2), 0.01)),
    P + "phase_diagrams.plot_marginal_region": lambda: dict(region=_marginal()[0], rho=_marginal()[1],
                                                            g_h=_marginal()[2], spot=_marginal()[3]),
    P + "phase_diagrams.phase_row_explorer": lambda: dict(alpha_r=20.0, beta_r=0.0),
}

SKIP = {}
#: check_reduction takes the reader's two answers as g_eff and tau_eff: the alias "answer" marks them,
#: so a Feedback refusing a non-finite one counts as a clean refusal (tests/fuzz/harness.py).
ALIASES = {"gatebook.exercises.gated_network.check_reduction": {"g_eff": ("answer",), "tau_eff": ("answer",)}}
EXCLUDED = {}

ALLOWED = {}
