"""House style shared by every figure module: constrained layout, colours, PNG display."""

from __future__ import annotations

from matplotlib.figure import Figure

__all__ = ["show_figures_in_notebooks"]


def _figure_png(fig: Figure) -> bytes:
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight", dpi=100)


def show_figures_in_notebooks() -> bool:
    """Let a returned :class:`~matplotlib.figure.Figure` display as a picture in IPython.

    Gatebook builds figures without pyplot (so nothing is drawn twice and nothing leaks),
    and IPython only knows how to show such a figure once the inline backend has been
    activated by importing pyplot. This registers a PNG formatter for ``Figure`` in the
    running IPython shell, if there is one. Called when :mod:`gatebook.plots` is imported.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of ipywidgets
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["image/png"].for_type(Figure, _figure_png)
    return True


show_figures_in_notebooks()

_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


def _new_figure(width=7.0, height=3.2, ncols=1, nrows=1, **kw):
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


