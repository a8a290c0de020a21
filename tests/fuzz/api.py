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


def public_callables() -> dict[str, object]:
    """``{"module.qualname": callable}`` for every callable named in a public ``__all__``,
    keyed by where it is defined (so a re-export is listed once)."""
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
    return dict(sorted(found.items()))
