"""Figures for Part II (chapters 2–5). Every function returns a :class:`matplotlib.figure.Figure`.

One module per chapter topic; everything is re-exported here, so chapters call
``gatebook.learning.plots.<name>``.
"""

from importlib import import_module as _import_module

_MODULES = ("leaky", "scalar_gate", "adam", "anisotropy")

__all__ = []
for _mod in _MODULES:
    _m = _import_module(f"{__name__}.{_mod}")
    for _name in getattr(_m, "__all__", ()):
        globals()[_name] = getattr(_m, _name)
        __all__.append(_name)
del _mod, _m
