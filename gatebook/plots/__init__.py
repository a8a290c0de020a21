"""Figures for chapter 1 and Part III (chapters 6–11). Every function returns a :class:`matplotlib.figure.Figure`.

One module per chapter, named like its notebook; every public name is re-exported here,
so chapters call ``gatebook.plots.<name>``. Each chapter's module is imported on first use
of one of its names (PEP 562): chapter 1's figures do not load chapter 11's phase
diagrams, and Part II's (chapters 2-5, which need torch) since 0.2: one plotting package.
Importing this package registers a PNG display for returned figures in IPython
(:func:`show_figures_in_notebooks`), so a figure shows once, without pyplot.
"""


from ._style import COLOURS, decade_label, log_ticks, new_figure, show_figures_in_notebooks

from .._lazy import lazy_names

#: Every chapter's public names: ``{name: module}``. A name equal to its module is the
#: module itself.
_LAZY = {
    # chapter 1
    "plot_traces": "random_networks",
    "plot_integrator_errors": "random_networks",
    "plot_eigenvalues": "random_networks",
    "plot_lyapunov_sweeps": "random_networks",
    "plot_lyapunov_convergence": "random_networks",
    "plot_correlation_times": "random_networks",
    "network_explorer": "random_networks",
    "describe_activity": "random_networks",
    # chapter 6
    "plot_gate_traces": "gated_network",
    "plot_reduction_overlay": "gated_network",
    "plot_origin_spectrum": "gated_network",
    "plot_quiescent_threshold": "gated_network",
    "quiet_state_explorer": "gated_network",
    # chapter 7
    "plot_slowing": "timescales",
    "plot_local_timescales": "timescales",
    "plot_spectrum_with_support": "timescales",
    "plot_fixed_point_invariance": "timescales",
    "plot_memory": "timescales",
    "timescale_explorer": "timescales",
    # chapter 8
    "plot_spectra_by_alpha_r": "dimensionality",
    "plot_dimension_sweep": "dimensionality",
    "plot_lyapunov_spectra": "dimensionality",
    "plot_beta_r_effect": "dimensionality",
    "plot_dimension_table": "dimensionality",
    "dimension_explorer": "dimensionality",
    # chapter 9
    "plot_potential": "mean_field",
    "plot_solver_comparison": "mean_field",
    "plot_gated_autocorrelations": "mean_field",
    "plot_theory_vs_simulation": "mean_field",
    "plot_schrodinger": "mean_field",
    "plot_finite_size": "mean_field",
    "plot_lambda_and_relaxation": "mean_field",
    "plot_gated_lambda_and_relaxation": "mean_field",
    "dmft_explorer": "mean_field",
    # chapter 10
    "plot_branch_curves": "chaotic_transitions",
    "plot_hysteresis": "chaotic_transitions",
    "plot_input_chaos": "chaotic_transitions",
    "plot_onsets": "chaotic_transitions",
    "plot_census": "chaotic_transitions",
    "loop_gain_explorer": "chaotic_transitions",
    # chapter 11
    "REGION_COLOURS": "phase_diagrams",
    "plot_phase_diagram": "phase_diagrams",
    "plot_marginal_fixed_points": "phase_diagrams",
    "plot_spot_checks": "phase_diagrams",
    "plot_marginal_region": "phase_diagrams",
    "plot_lambda_over_alpha_z": "phase_diagrams",
    "phase_row_explorer": "phase_diagrams",
    "EXPLORER_GRIDS": "phase_diagrams",
    "EXPLORER_SOLVER": "phase_diagrams",
    # the Reproductions appendix
    "plot_s1_reproduction": "reproductions",
    "plot_appB_reproduction": "reproductions",
    "plot_s2_reproduction": "reproductions",
    # the chapter modules themselves
    "random_networks": "random_networks",
    "gated_network": "gated_network",
    "timescales": "timescales",
    "dimensionality": "dimensionality",
    "mean_field": "mean_field",
    "chaotic_transitions": "chaotic_transitions",
    "phase_diagrams": "phase_diagrams",
    "reproductions": "reproductions",

    # Part II (torch): chapter 2
    "plot_impulse_responses": "leaky_integrator",
    "plot_ema_identity": "leaky_integrator",
    "plot_lag_schedule": "leaky_integrator",
    "leaky_explorer": "leaky_integrator",
    # chapter 3
    "plot_scalar_gate_traces": "scalar_gate",
    "plot_step_credit": "scalar_gate",
    "plot_lag_profile": "scalar_gate",
    "plot_profiles_over_training": "scalar_gate",
    "plot_slope_over_training": "scalar_gate",
    "plot_lag_heatmap": "scalar_gate",
    "scalar_gate_explorer": "scalar_gate",
    # chapter 4
    "plot_preconditioner": "per_neuron_gates_and_adam",
    "plot_lag_credit": "per_neuron_gates_and_adam",
    "plot_optimiser_comparison": "per_neuron_gates_and_adam",
    "plot_optimiser_grid": "per_neuron_gates_and_adam",
    "plot_expansion_check": "per_neuron_gates_and_adam",
    "plot_diagonal_envelope": "per_neuron_gates_and_adam",
    "preconditioner_explorer": "per_neuron_gates_and_adam",
    # chapter 5
    "anisotropy_explorer": "anisotropy",
    "plot_frozen_gates": "anisotropy",
    "plot_propagation_anisotropy": "anisotropy",
    "plot_update_anisotropy": "anisotropy",
    "plot_readout_alignment": "anisotropy",
    # Part II's chapter modules
    "leaky_integrator": "leaky_integrator",
    "scalar_gate": "scalar_gate",
    "per_neuron_gates_and_adam": "per_neuron_gates_and_adam",
    "anisotropy": "anisotropy",
}


#: modules renamed after their notebooks in 0.2: the old names still resolve (with a warning)
_DEPRECATED = {"dmft": "dmft", "transitions": "transitions"}

__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY, _DEPRECATED)


__all__ = ["COLOURS", "decade_label", "log_ticks", "new_figure", "show_figures_in_notebooks", *_LAZY]
