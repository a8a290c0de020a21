"""Deprecated: Part II's figures moved into :mod:`gatebook.plots` in 0.2 (one plotting package).

Every name still resolves here for one release, with a :class:`DeprecationWarning` naming
its new home: ``from gatebook.learning import plots`` becomes ``from gatebook import plots``.
"""

import importlib as _importlib
import warnings as _warnings

#: ``{name: module of gatebook.plots}`` (a name equal to its module is the module itself)
_MOVED = {
    "plot_impulse_responses": "leaky_integrator",
    "plot_ema_identity": "leaky_integrator",
    "plot_lag_schedule": "leaky_integrator",
    "leaky_explorer": "leaky_integrator",
    "plot_scalar_gate_traces": "scalar_gate",
    "plot_step_credit": "scalar_gate",
    "plot_lag_profile": "scalar_gate",
    "plot_profiles_over_training": "scalar_gate",
    "plot_slope_over_training": "scalar_gate",
    "plot_lag_heatmap": "scalar_gate",
    "scalar_gate_explorer": "scalar_gate",
    "plot_preconditioner": "per_neuron_gates_and_adam",
    "plot_lag_credit": "per_neuron_gates_and_adam",
    "plot_optimiser_comparison": "per_neuron_gates_and_adam",
    "plot_expansion_check": "per_neuron_gates_and_adam",
    "plot_diagonal_envelope": "per_neuron_gates_and_adam",
    "preconditioner_explorer": "per_neuron_gates_and_adam",
    "anisotropy_explorer": "anisotropy",
    "plot_frozen_gates": "anisotropy",
    "plot_propagation_anisotropy": "anisotropy",
    "plot_update_anisotropy": "anisotropy",
    "leaky_integrator": "leaky_integrator",
    "scalar_gate": "scalar_gate",
    "per_neuron_gates_and_adam": "per_neuron_gates_and_adam",
    "anisotropy": "anisotropy",
}
#: older names of this package, each kept for one release
_OLD = ("leaky", "adam")


def __getattr__(name):
    if name in _MOVED:
        module = _importlib.import_module(f"gatebook.plots.{_MOVED[name]}")
        value = module if name == _MOVED[name] else getattr(module, name)
        _warnings.warn(f"gatebook.learning.plots.{name} moved to gatebook.plots.{name}", DeprecationWarning, stacklevel=2)
        return value
    if name == "plot_gate_traces":  # chapter 3's, now plot_scalar_gate_traces (warns there)
        return getattr(_importlib.import_module("gatebook.plots.scalar_gate"), name)
    if name in _OLD:  # a module renamed after its notebook (warns on import)
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_MOVED))


__all__: list = []
