"""Figures for chapter 1 and Part III (chapters 6–8). Every function returns a :class:`matplotlib.figure.Figure`.

One module per chapter topic; everything is re-exported here, so chapters call
``gatebook.plots.<name>``. Part II's figures (torch) are in :mod:`gatebook.learning.plots`.
Importing this package registers a PNG display for returned figures in IPython
(:func:`show_figures_in_notebooks`), so a figure shows once, without pyplot.
"""

from importlib import import_module as _import_module

from ._style import _COLOURS, _figure_png, _new_figure, show_figures_in_notebooks

#: One module per chapter topic: chapter 1, then chapters 6, 7 and 8.
_MODULES = (
    "random_networks",
    "gated_network",
    "timescales",
    "dimensionality",
    "dmft",
    "transitions",
    "phase_diagrams",
)

__all__ = ["show_figures_in_notebooks"]
for _mod in _MODULES:
    try:
        _m = _import_module(f"{__name__}.{_mod}")
    except ModuleNotFoundError as _err:  # a chapter module not written yet
        if _err.name != f"{__name__}.{_mod}":
            raise
        continue
    for _name in getattr(_m, "__all__", ()):
        globals()[_name] = getattr(_m, _name)
        __all__.append(_name)
del _mod, _m

