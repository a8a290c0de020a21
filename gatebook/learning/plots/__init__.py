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
    "plot_impulse_responses": "leaky",
    "plot_ema_identity": "leaky",
    "plot_lag_schedule": "leaky",
    "leaky_explorer": "leaky",
    # chapter 3
    "plot_scalar_gate_traces": "scalar_gate",
    "plot_step_credit": "scalar_gate",
    "plot_lag_profile": "scalar_gate",
    "plot_profiles_over_training": "scalar_gate",
    "plot_slope_over_training": "scalar_gate",
    "plot_lag_heatmap": "scalar_gate",
    "scalar_gate_explorer": "scalar_gate",
    # chapter 4
    "plot_preconditioner": "adam",
    "plot_lag_credit": "adam",
    "plot_optimiser_comparison": "adam",
    "plot_expansion_check": "adam",
    "plot_diagonal_envelope": "adam",
    "preconditioner_explorer": "adam",
    # chapter 5
    "anisotropy_explorer": "anisotropy",
    "plot_frozen_gates": "anisotropy",
    "plot_propagation_anisotropy": "anisotropy",
    "plot_update_anisotropy": "anisotropy",
    # the chapter modules themselves
    "leaky": "leaky",
    "scalar_gate": "scalar_gate",
    "adam": "adam",
    "anisotropy": "anisotropy",
}


#: Old names kept for one release; each warns with its new name. Not in ``__all__``.
_DEPRECATED = {
    "plot_gate_traces": "scalar_gate",  # now plot_scalar_gate_traces
}


__getattr__, __dir__ = lazy_names(__name__, globals(), {**_LAZY, **_DEPRECATED})


__all__ = list(_LAZY)
