"""Valid base calls for the fuzz test: the callables defined under the 'core' part of gatebook.

``BASES`` maps a callable's full name to a function returning the keyword arguments of a small,
fast, valid call (fresh objects each time). ``SKIP`` maps a name to {argument: reason} for
arguments that are not fuzzed; ``ALIASES`` to {argument: (other words that name it,)};
``EXCLUDED`` maps a name to the reason the callable is not fuzzed at all; ``ALLOWED`` maps
``(name, argument, battery value or "*")`` to the reason a failing outcome is accepted.

Every base is small (a few units, a few time units, coarse grids) so that each of the ~10
variants per argument runs in milliseconds; sizes and durations are passed explicitly even
where the defaults are valid, so a fuzzed neighbour argument never triggers a long default run.
"""

from __future__ import annotations

import numpy as np

from .bases_common import gated_network, random_network, scratch_folder, states, trajectory

G = "gatebook."


def _net(N: int = 4, **kw):
    """A tiny gated network (3N = 12 coordinates)."""
    return gated_network(N, **kw)


def _x(dim: int = 12, seed: int = 1) -> np.ndarray:
    return 0.5 * np.random.default_rng(seed).standard_normal(dim)


def _rrn_family(N: int = 6):
    import gatebook as gb

    return lambda g, seed: gb.RandomRateNetwork(N, g, seed=seed)


def _family(N: int = 20, **params):
    from gatebook.quiescent import gated_network_family

    return gated_network_family(N, **params)


def _plot(a=1.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1.0, 1.0))
    fig.add_subplot().plot([0.0, 1.0], [0.0, a])
    return fig


def _bracket():
    from gatebook.quiescent import ThresholdBracket

    return ThresholdBracket(lo=1.9, hi=2.1, threshold=2.0, finite_threshold=2.05, beta_r=0.0, N=20,
                            evaluations=((1.9, -0.1), (2.1, 0.1)))


def _thresholds():
    from gatebook.transitions import Thresholds

    return Thresholds(alpha_r=0.0, beta_r=0.0, g_r=1.0, g_topo=2.0, g_chaos=2.0, g_quiet=2.0)


_SPECTRUM = (3.0, 2.0, 1.0, 0.5)
_MF = dict(n=64, s_max=20.0)  # a coarse DMFT lag grid

BASES = {
    # -- correlations, dimension, spectra ------------------------------------------------------
    G + "correlations.autocorrelation": lambda: dict(states=states(4, 40), dt=0.1, max_lag=10, center=True),
    G + "correlations.decay_time": lambda: dict(lags=0.1 * np.arange(20.0), C=np.exp(-0.1 * np.arange(20.0)),
                                                level=float(np.exp(-1.0))),
    G + "dimension.covariance_spectrum": lambda: dict(states=states(5, 20), center=True),
    G + "dimension.kaplan_yorke_dimension": lambda: dict(exponents=np.array([1.0, -0.5, -2.0])),
    G + "dimension.state_participation_ratio": lambda: dict(states=states(5, 20), center=True),
    G + "spectra.anisotropy_index": lambda: dict(s=np.array(_SPECTRUM), r=2),
    G + "spectra.effective_rank": lambda: dict(s=np.array(_SPECTRUM)),
    G + "spectra.energy_concentration": lambda: dict(s=np.array(_SPECTRUM), r=2, top=3),
    G + "spectra.participation_ratio": lambda: dict(values=np.array(_SPECTRUM)),
    G + "spectra.singular_values": lambda: dict(M=states(4, 3), top=2),
    G + "spectra.matrix_anisotropy": lambda: dict(M=states(4, 4), r=2, top=3),
    G + "spectra.gradient_anisotropy": lambda: dict(G=states(4, 6), r=2, column_tol=1e-10, jitter=1e-8, seed=0),
    # -- the protocol, integrators, simulation -------------------------------------------------
    G + "dynamical_system.vector_field": lambda: dict(model=_net(), x=_x(), t=0.0),
    G + "dynamical_system.jacobian": lambda: dict(model=_net(), x=_x(), t=0.0),
    G + "dynamical_system.models_and_device": lambda: dict(model=[_net(), _net()], device="cpu"),
    G + "dynamical_system.jacobian_trace": lambda: dict(model=_net(), x=_x(), t=0.0),
    G + "dynamical_system.jvp": lambda: dict(model=_net(), x=_x(), V=states(2, 12), t=0.0),
    G + "dynamical_system.vector_field_and_jvp": lambda: dict(model=_net(), x=_x(), V=states(2, 12), t=0.0),
    G + "integrators.number_of_steps": lambda: dict(t_max=2.0, dt=0.1),
    G + "integrators.euler_step": lambda: dict(model=_net(), x=_x(), t=0.0, dt=0.1),
    G + "integrators.rk4_step": lambda: dict(model=_net(), x=_x(), t=0.0, dt=0.1),
    G + "integrators.euler_tangent_step": lambda: dict(model=_net(), x=_x(), Q=states(2, 12), t=0.0, dt=0.1),
    G + "integrators.rk4_tangent_step": lambda: dict(model=_net(), x=_x(), Q=states(2, 12), t=0.0, dt=0.1),
    G + "simulate.simulate": lambda: dict(model=_net(), t_max=2.0, dt=0.1, x0=None, method="rk4", record_every=2,
                                          seed=0, dtype=np.float64, t0=0.0, progress=False, device="cpu"),
    G + "simulate.global_error": lambda: dict(model=random_network(6), x0=_x(6), t_max=1.0, dts=[0.5, 0.25],
                                              method="rk4", reference_dt=0.125),
    G + "inputs.as_input": lambda: dict(value=np.ones(4), N=4, name="input_h"),
    G + "inputs.evaluate_input": lambda: dict(value=lambda t: np.full(4, 0.5), t=0.5, N=4, name="input_h"),
    G + "inputs.pulses": lambda: dict(onsets=[1.0, 2.0], width=0.5, amplitude=1.0, pattern=np.ones(4)),
    G + "progress.progress_bar": lambda: dict(iterable=[1, 2, 3], total=3, desc="fuzz", enabled=False),
    # -- fixed points, Lyapunov exponents ------------------------------------------------------
    G + "fixed_points.newton_root": lambda: dict(model=random_network(6, 0.5), x0=np.full(6, 0.3), t=0.0, tol=1e-10,
                                                 max_iter=50),
    G + "fixed_points.find_fixed_point": lambda: dict(model=random_network(6, 0.5), x0=np.full(6, 0.3), method="newton",
                                                      t=0.0, tol=1e-10, max_iter=20, marginal_tol=1e-3,
                                                      polish_iter=5),
    G + "fixed_points.find_fixed_points": lambda: dict(model=random_network(6, 0.5), n_starts=2, seed=0, scale=1.0,
                                                       method="newton", t=0.0, tol=1e-10, max_iter=20,
                                                       marginal_tol=1e-3, progress=False),
    G + "committed.committed_path": lambda: dict(name="s1-paper"),
    G + "committed.committed_summary": lambda: dict(name="appB-paper"),
    G + "complexity.census_sweep": lambda: dict(g_values=[0.5], sizes=[4], seeds=[0], alpha_r=20.0, beta_r=0.0,
                                                n_starts=2, transient_starts=0, nonzero_variance=0.05, n_jobs=1,
                                                progress=False),
    G + "marginal_stability.marginal_fixed_points": lambda: dict(g_values=[2.6], N=8, seeds=[0],
                                                                alpha_z_values=[0.0, 50.0], beta_r=0.0, beta_z=0.0,
                                                                n_starts=2, n_jobs=1, progress=False),
    G + "complexity.fixed_point_census": lambda: dict(model=random_network(6, 0.5), n_starts=2, seed=0,
                                                       scales=(0.5, 1.0), transient_starts=1, t_transient=1.0,
                                                       dt=0.5, tol=1e-10, max_iter=20, marginal_tol=1e-6,
                                                       progress=False),
    G + "lyapunov.lyapunov_spectrum": lambda: dict(model=random_network(6), k=2, dt=0.1, t_transient=1.0,
                                                   t_measure=2.0, reorth_every=2, method="rk4", x0=None, seed=0,
                                                   n_blocks=2, progress=False, dtype=np.float64, device="cpu"),
    G + "lyapunov.max_lyapunov": lambda: dict(model=random_network(6), dt=0.1, t_transient=1.0, t_measure=2.0,
                                              method="rk4", x0=None, seed=0, n_blocks=2, progress=False,
                                              dtype=np.float32, device=None),
    # -- the torch route (research scale) --------------------------------------------------------
    G + "backend.resolve_device": lambda: dict(device="cpu", name="device"),
    G + "backend.uses_torch": lambda: dict(device="cpu"),
    G + "backend.torch_dtype": lambda: dict(dtype=np.float32, name="dtype"),
    G + "torch_networks.stack_networks": lambda: dict(models=[random_network(6), random_network(6)], device="cpu",
                                                      dtype=np.float32),
    G + "torch_networks.as_model_list": lambda: dict(models=[_net(), _net()], name="models"),
    G + "lyapunov.lyapunov_from_separation": lambda: dict(model=random_network(6), dt=0.1, t_transient=1.0,
                                                          t_measure=2.0, separation=1e-8, renormalise_every=0.5,
                                                          method="rk4", x0=None, seed=0, n_blocks=2),
    # -- memory ------------------------------------------------------------------------------------
    G + "memory.memory_inputs": lambda: dict(pattern=np.ones(4), write_times=[1.0], width=0.5, amplitude=1.0,
                                             gate_pulse=2.0, gate_width=0.2, reset_time=3.0, reset_amplitude=3.0,
                                             reset_width=1.0),
    G + "memory.settle": lambda: dict(net=_net(alpha_z=5.0), trials=1, t_settle=1.0, dt=0.1, seed=0),
    G + "memory.write_and_reset": lambda: dict(net=_net(alpha_z=5.0), pattern=None, write_times=(0.5,), reset_time=1.5,
                                               width=0.4, amplitude=1.0, gate_pulse=2.0, gate_width=0.2,
                                               reset_amplitude=3.0, reset_width=0.5, placement="inside", t_max=2.0,
                                               dt=0.1, t_settle=1.0, trials=1, x0=None, record_every=2, seed=0),
    # -- quiet state and chapter 6 -------------------------------------------------------------
    G + "quiet_state.effective_gain": lambda: dict(g_h=3.0, beta_r=0.5),
    G + "quiet_state.origin_disk": lambda: dict(g_h=3.0, beta_r=0.5, beta_z=0.5, tau_h=1.0),
    G + "quiet_state.quiet_growth_rate": lambda: dict(g_h=3.0, beta_r=0.5, beta_z=0.5, tau_h=1.0),
    G + "quiet_state.quiet_lambda_max": lambda: dict(g_h=1.5, beta_r=0.5, beta_z=0.5, tau_h=1.0, tau_r=1.0, tau_z=2.0),
    G + "quiescent.coupling_eigenvalues": lambda: dict(net=_net(8)),
    G + "quiescent.finite_size_threshold": lambda: dict(net=_net(8)),
    G + "quiescent.origin_growth_rate": lambda: dict(net=_net(8)),
    G + "quiescent.origin_spectrum": lambda: dict(net=_net(8), method="blocks"),
    G + "quiescent.spectrum_distance": lambda: dict(a=np.array([1.0 + 1.0j, 2.0]), b=np.array([1.0, 2.0j])),
    G + "quiescent.gated_network_family": lambda: dict(N=6, beta_r=0.5),
    G + "quiescent.perturbation_growth": lambda: dict(net=_net(8), scale=1e-20, t_max=10.0, dt=0.5,
                                                      linear_limit=1e-2, seed=0, stop_at_limit=True, chunk=5.0),
    G + "quiescent.growth_rate_sweep": lambda: dict(make_net=_family(8), gains=[1.0, 3.0], seed=0, label=None,
                                                    progress=False, t_max=10.0),
    G + "quiescent.bracket_quiescent_threshold": lambda: dict(make_net=_family(20), seed=0, lo=1.0, hi=4.0, rtol=0.3,
                                                              max_steps=2, progress=False, t_max=10.0),
    G + "quiescent.reduction_check": lambda: dict(net=_net(4, alpha_z=0.0, alpha_r=0.0), t_max=1.0, dt=0.1, seed=0),
    G + "quiescent.threshold_table": lambda: dict(brackets=[_bracket()]),
    # -- chapter 7: timescales, slow modes, spectral support -----------------------------------
    G + "timescales.speed": lambda: dict(model=_net(), trajectory=trajectory(_net(), t_max=1.0)),
    G + "timescales.rms_speed": lambda: dict(model=_net(), trajectory=trajectory(_net(), t_max=1.0)),
    G + "timescales.local_timescales": lambda: dict(model=_net(), states=states(12, 5)),
    G + "timescales.closed_fraction": lambda: dict(model=_net(), states=states(12, 5), threshold=0.5),
    G + "spectral_support.support_function": lambda: dict(model=_net(), states=states(12, 2),
                                                          lam=np.array([0.1 + 0.1j, -0.5]), t=0.0),
    G + "spectral_support.inside_support": lambda: dict(model=_net(), states=states(12, 2),
                                                        eigenvalues=np.array([0.1 + 0.1j, -0.5]), t=0.0, atom_tol=1e-8),
    G + "spectral_support.support_boundary": lambda: dict(model=_net(), states=states(12, 2), extent=None,
                                                          resolution=21, t=0.0),
    G + "slow_modes.drift_limit": lambda: dict(n_samples=10, sample_every=1.0),
    G + "slow_modes.measure_slowing": lambda: dict(net=_net(), seed=0, dt=0.1, t_transient=1.0, t_measure=4.0,
                                                   t_lyapunov=1.0, sample_every=0.5, n_eig=1, threshold=0.01),
    G + "slow_modes.slowing_sweep": lambda: dict(alpha_z_values=[0.0, 5.0], seeds=(0,), N=4, g_h=3.0, progress=False,
                                                 network=None, t_transient=1.0, t_measure=4.0, t_lyapunov=1.0,
                                                 sample_every=0.5),
    G + "slow_modes.fixed_point_invariance": lambda: dict(net=_net(), alpha_z_values=(5.0,), beta_z_values=(0.0,),
                                                          n_starts=2, seed=0, marginal_tol=1e-3),
    # -- chapter 8: the output gate ------------------------------------------------------------
    G + "r_gate.effective_gain": lambda: dict(g_h=3.0, beta_r=0.5),
    G + "r_gate.origin_spectral_radius": lambda: dict(g_h=3.0, beta_r=0.5, beta_z=0.5, tau_h=1.0),
    G + "r_gate.quiet_lambda_max": lambda: dict(model=_net()),
    G + "r_gate.gate_second_moment": lambda: dict(alpha_r=1.0, beta_r=0.5, r_std=1.0),
    G + "r_gate.step_gate_second_moment": lambda: dict(threshold=0.5, r_std=1.0),
    G + "r_gate.jacobian_cloud": lambda: dict(model=_net(), states=states(12, 2), boundary=True, resolution=21),
    G + "r_gate.dimension_spectrum": lambda: dict(model=_net(), k=2, x0=None, seed=0, dt=0.1, t_transient=1.0,
                                                  t_measure=2.0, n_blocks=2),
    G + "r_gate.measure_r_gate": lambda: dict(model=_net(), seed=0, parameter="alpha_r", dt=0.1, t_transient=1.0,
                                              t_measure=2.0, sample_every=0.5, n_states=2, lyapunov_t_measure=2.0,
                                              k=2, dimension=True, boundary=False),
    G + "r_gate.r_gate_sweep": lambda: dict(values=[0.0, 1.0], seeds=(0,), parameter="alpha_r", N=4, g_h=3.0,
                                            alpha_r=0.0, beta_r=0.0, alpha_z=0.0, beta_z=0.0, progress=False,
                                            t_transient=1.0, t_measure=2.0, sample_every=0.5,
                                            lyapunov_t_measure=1.0, dimension=False, boundary=False),
    G + "dimension_controls.matched_soft_gate_gain": lambda: dict(alpha_r=5.0, g_h=3.0, beta_r=0.0, match="variance"),
    G + "dimension_controls.dimension_controls": lambda: dict(alpha_rs=[0.0, 2.0], seeds=(0,), N=4, g_h=3.0,
                                                              beta_r=0.0, matches=("variance",), progress=False,
                                                              t_transient=1.0, t_measure=2.0, sample_every=0.5,
                                                              lyapunov_t_measure=1.0, dimension=False),
    G + "dimension_controls.dimension_sweep": lambda: dict(parameter="alpha_z", values=[0.0, 1.0], seeds=(0,), N=4,
                                                           g_h=3.0, alpha_r=2.0, beta_r=0.0, alpha_z=0.0, beta_z=0.0,
                                                           progress=False, t_transient=1.0, t_measure=2.0,
                                                           sample_every=0.5, lyapunov_t_measure=1.0, dimension=False),
    # -- chapter 1's sweeps --------------------------------------------------------------------
    G + "sweeps.sweep": lambda: dict(measure=lambda v, s: 2.0 * v + s, values=[1.0, 2.0], seeds=(0, 1),
                                     name="value", parameter="g", label="", progress=False),
    G + "sweeps.max_lyapunov_sweep": lambda: dict(make_model=_rrn_family(), values=[1.5], seeds=(0,), parameter="g",
                                                  label="", progress=False, t_transient=1.0, t_measure=2.0,
                                                  device="cpu"),
    G + "sweeps.correlation_time_sweep": lambda: dict(make_model=_rrn_family(), values=[2.0], seeds=(0,), dt=0.1,
                                                      t_transient=2.0, t_measure=20.0, parameter="g", label="",
                                                      progress=False),
    # -- chapter 10: transitions ---------------------------------------------------------------
    G + "transitions.loop_gain": lambda: dict(delta=np.array([0.1, 0.5]), g_h=1.0, alpha_r=1.0, beta_r=0.0, g_r=1.0),
    G + "transitions.quiet_exponent": lambda: dict(g_h=1.5, beta_r=0.5, beta_z=0.0, tau_h=1.0, tau_z=1.0, tau_r=1.0),
    G + "transitions.threshold_table": lambda: dict(rows=[_thresholds()]),
    G + "transitions.thresholds": lambda: dict(alpha_r=0.0, beta_r=0.0, g_r=1.0, tol=0.05, **_MF),
    G + "transitions.onsets_by_gain": lambda: dict(alpha_values=[0.0], beta_r=0.0, g_r=1.0, tol=0.05, progress=False,
                                                   **_MF),
    G + "transitions.branch_curve": lambda: dict(g_values=[1.5, 2.5], alpha_r=0.0, beta_r=0.0, g_r=1.0,
                                                 lambda_max=True, progress=False, **_MF),
    G + "transitions.hysteresis_sweep": lambda: dict(g_values=[1.5, 2.5], alpha_r=0.0, beta_r=0.0, N=4, seeds=(0,),
                                                     initial_scales=(0.05, 2.0), t_transient=1.0, t_measure=2.0,
                                                     dt=0.2, lyapunov_t_measure=0.0, progress=False),
    G + "transitions.run_outcome": lambda: dict(variance=np.array([1e-12, 1e-12, 0.2]), final_rms=np.array([1e-5, 0.8, 0.6]),
                                                start_rms=np.array([1e-3, 0.8, 0.7]), active_variance=1e-4,
                                                quiet_rms=1e-2, settled_rtol=1e-2),
    G + "transitions.input_induced_chaos": lambda: dict(sigma_values=[0.0, 1.0], alpha_r=2.0, beta_r=0.0, g_h=2.0, N=4,
                                                        seeds=(0,), t_transient=2.0, t_measure=2.0, dt=0.1,
                                                        theory=False, start="quiet", progress=False, **_MF),
    # -- the disk cache --------------------------------------------------------------------------
    G + "_cache.ArrayStore": lambda: dict(folder=scratch_folder(), name="cache_dir"),
    # -- explorable figures --------------------------------------------------------------------
    G + "explore.Explorable": lambda: dict(plot_fn=_plot, grid={"a": [1.0, 2.0]}, labels=None, defaults=None, dpi=10,
                                           mode="live"),
}

# the model classes (constructors and public methods; an instance method gets the model as self=)
_GN = "gatebook.gated_network.GatedNetwork"
_RN = "gatebook.random_network.RandomRateNetwork"
BASES.update({
    _GN: lambda: dict(N=4, g_h=3.0, alpha_z=1.0, alpha_r=1.0, beta_z=0.0, beta_r=0.0, g_z=1.0, g_r=1.0,
                      tau_h=1.0, tau_z=1.0, tau_r=1.0, r_gate="pre", seed=0, input_h=np.ones(4), input_z=0.5,
                      input_r=None, input_placement="inside"),
    f"{_GN}.gates_at_rest": lambda: dict(self=_net(), h=np.zeros(4), t=0.0),
    f"{_GN}.initial_state": lambda: dict(self=_net(), seed=0, trials=2, scale=1.0),
    f"{_GN}.inputs": lambda: dict(self=_net().with_inputs(input_h=0.5), t=0.0),
    f"{_GN}.origin_disk": lambda: dict(self=_net()),
    f"{_GN}.reduced_network": lambda: dict(self=_net(alpha_z=0.0, alpha_r=0.0)),
    f"{_GN}.split": lambda: dict(self=_net(), x=_x()),
    f"{_GN}.unit_quantities": lambda: dict(self=_net(), x=_x(), t=0.0),
    f"{_GN}.with_inputs": lambda: dict(self=_net(), input_h=1.0, input_z=None, input_r=None,
                                       input_placement="outside"),
    _RN: lambda: dict(N=4, g=1.5, tau=1.0, seed=0),
    "gatebook.jobs.run_jobs": lambda: dict(function=pow, jobs=[(2, 3)], n_jobs=1, progress=False, desc=None),
    "gatebook.explore.widget_view_bundle": lambda: dict(widget=__import__("ipywidgets").IntSlider()),
    f"{_RN}.family": lambda: dict(N=4, tau=1.0),
    f"{_RN}.from_couplings": lambda: dict(couplings=np.eye(3), g=1.5, tau=1.0),
    f"{_RN}.initial_state": lambda: dict(self=random_network(4), seed=0, trials=2, scale=1.0),
    f"{_RN}.origin_disk": lambda: dict(self=random_network(4)),
})

SKIP = {
    G + "_cache.ArrayStore": {
        "folder": "a folder path: the battery's string 'abc' is a valid relative path, and the call would "
                  "create the folder ./abc in the working directory of the test run; non-path values are "
                  "covered by test_cache_dir_must_be_a_folder_path in tests/test_phase_cache.py",
    },
}

ALIASES = {
    # as_input/evaluate_input validate an input on behalf of a network: the message names the
    # input by the name the caller passes in `name` (here "input_h"), not by the word "value"
    G + "inputs.as_input": {"value": ("input_h",)},
    G + "inputs.evaluate_input": {"value": ("input_h",)},
}

EXCLUDED = {
    G + "torch_networks.RateNetworkStack": (
        "built by gatebook.torch_networks.stack_networks (fuzzed), which validates the networks, device "
        "and dtype; its methods are the protocol's unchecked fast path, as for the numpy models"
    ),
    G + "torch_networks.GatedNetworkStack": (
        "built by gatebook.torch_networks.stack_networks (fuzzed), which validates the networks, device "
        "and dtype; its methods are the protocol's unchecked fast path, as for the numpy models"
    ),
    G + "dynamical_system.DynamicalSystem": (
        "a typing.Protocol: it cannot be instantiated; models are checked against it by "
        "gatebook._validation.check_model, which every function taking a model calls"
    ),
    G + "explore.explorable": (
        "plot_fn is positional-only and the grid is **kwargs, so the harness (which calls by keyword) "
        "cannot build a call; it forwards every argument unchanged to gatebook.explore.Explorable, "
        "which is fuzzed with the same arguments"
    ),
}

ALLOWED = {}
