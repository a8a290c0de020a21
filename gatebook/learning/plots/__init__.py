"""Figures for Part II (chapters 2–5). Every function returns a :class:`matplotlib.figure.Figure`.

One module per chapter; every public name is re-exported here, so chapters call
``gatebook.learning.plots.<name>``. Each chapter's module is imported on first use of one
of its names (PEP 562).
"""


from ..._lazy import lazy_names

#: Every chapter's public names: ``{name: module}``. A name equal to its module is the
#: module itself.
_LAZY = {
    # chapter 2
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
    "plot_expansion_check": "per_neuron_gates_and_adam",
    "plot_diagonal_envelope": "per_neuron_gates_and_adam",
    "preconditioner_explorer": "per_neuron_gates_and_adam",
    # chapter 5
    "anisotropy_explorer": "anisotropy",
    "plot_frozen_gates": "anisotropy",
    "plot_propagation_anisotropy": "anisotropy",
    "plot_update_anisotropy": "anisotropy",
    # the chapter modules themselves
    "leaky_integrator": "leaky_integrator",
    "scalar_gate": "scalar_gate",
    "per_neuron_gates_and_adam": "per_neuron_gates_and_adam",
    "anisotropy": "anisotropy",
}


#: Old names kept for one release; each warns with its new name. Not in ``__all__``.
_DEPRECATED = {
    "plot_gate_traces": "scalar_gate",  # now plot_scalar_gate_traces
    # modules renamed after their notebooks in 0.2
    "leaky": "leaky",
    "adam": "adam",
}


__getattr__, __dir__ = lazy_names(__name__, globals(), {**_LAZY, **_DEPRECATED})


__all__ = list(_LAZY)
