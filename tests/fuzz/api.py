"""Enumerate gatebook's public callables from the ``__all__`` of every public module."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import warnings

AREAS = ("core", "meanfield", "learning", "plots")


def area_of(module: str) -> str:
    """Which ``bases_<area>.py`` holds the base calls of a callable defined in ``module``."""
    if module.startswith("gatebook.meanfield"):
        return "meanfield"
    if module.startswith("gatebook.learning"):
        return "learning"
    if module.startswith(("gatebook.plots", "gatebook.exercises")):
        return "plots"
    return "core"


def _is_shim(name: str) -> bool:
    origin = importlib.util.find_spec(name).origin
    with open(origin, encoding="utf-8") as fh:
        return fh.read().lstrip().startswith('"""Deprecated')


def public_modules():
    import gatebook

    yield gatebook
    for info in pkgutil.walk_packages(gatebook.__path__, "gatebook."):
        if any(part.startswith("_") for part in info.name.split(".")) or _is_shim(info.name):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield importlib.import_module(info.name)


#: Methods of the model classes that are the :class:`~gatebook.DynamicalSystem` protocol's fast path:
#: called by the integrators at every step, they do not re-validate (the checked entry points are
#: ``gatebook.vector_field``, ``jacobian``, ``jvp`` and ``jacobian_trace``, which are fuzzed).
PROTOCOL_FAST_PATH = ("vector_field", "jacobian", "jvp", "vector_field_and_jvp", "jacobian_trace")


def _model_methods(cls):
    """Public methods and classmethods a model class defines itself, except the protocol's fast path."""
    for name, member in vars(cls).items():
        if name.startswith("_") or name in PROTOCOL_FAST_PATH or isinstance(member, property):
            continue
        if isinstance(member, (classmethod, staticmethod)) or inspect.isfunction(member):
            yield name, getattr(cls, name)


def public_callables() -> dict[str, object]:
    """``{"module.qualname": callable}`` for every callable named in a public ``__all__``,
    keyed by where it is defined (so a re-export is listed once), and the public methods of the
    model classes (``module.Class.method``; an instance method takes the model as ``self=``)."""
    found: dict[str, object] = {}
    for module in public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if obj is None or inspect.ismodule(obj) or not callable(obj):
                continue
            home = getattr(obj, "__module__", module.__name__) or module.__name__
            if not home.startswith("gatebook"):
                continue
            found.setdefault(f"{home}.{getattr(obj, '__qualname__', name)}", obj)
            if inspect.isclass(obj) and callable(getattr(obj, "vector_field", None)):
                for method_name, method in _model_methods(obj):
                    found.setdefault(f"{home}.{obj.__qualname__}.{method_name}", method)
    return dict(sorted(found.items()))
