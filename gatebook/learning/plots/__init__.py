"""Deprecated: Part II's figures moved into :mod:`gatebook.plots` in 0.2 (one plotting package).

Every name still resolves here for one release, with a :class:`DeprecationWarning` naming
its new home: ``from gatebook.learning import plots`` becomes ``from gatebook import plots``.
"""

import importlib as _importlib
import warnings as _warnings

#: Part II's figure modules, now in gatebook.plots (each keeps its own ``__all__``)
_MODULES = ("leaky_integrator", "scalar_gate", "per_neuron_gates_and_adam", "anisotropy")
#: older names of this package, each kept for one release
_OLD = ("leaky", "adam")


def _home(name):
    """The module of :mod:`gatebook.plots` that now holds ``name`` (``None`` if none of Part II's)."""
    if name in _MODULES:
        return name
    for module in _MODULES:
        if name in _importlib.import_module(f"gatebook.plots.{module}").__all__:
            return module
    return None


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name == "plot_gate_traces":  # chapter 3's, now plot_scalar_gate_traces (warns there)
        return getattr(_importlib.import_module("gatebook.plots.scalar_gate"), name)
    if name in _OLD:  # a module renamed after its notebook (warns on import)
        return _importlib.import_module(f"{__name__}.{name}")
    home = _home(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _importlib.import_module(f"gatebook.plots.{home}")
    _warnings.warn(f"gatebook.learning.plots.{name} moved to gatebook.plots.{name}", DeprecationWarning, stacklevel=2)
    return module if name == home else getattr(module, name)


__all__: list = []
