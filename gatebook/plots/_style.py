"""House style shared by every figure module: constrained layout, colours, eigenvalue scatter, PNG display."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

__all__ = ["COLOURS", "draw_eigenvalues", "new_figure", "show_figures_in_notebooks"]


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

#: The house colours, in the order figures use them.
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


def new_figure(width=7.0, height=3.2, ncols=1, nrows=1, **kw):
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def draw_eigenvalues(ax, eigenvalues, disk=None, colour="#1f77b4"):
    r"""Scatter eigenvalues in the complex plane on ``ax``, in the house style.

    Adds the predicted disk ``disk=(centre, radius)`` on the real axis as a dashed circle (e.g.
    :func:`gatebook.quiet_state.origin_disk`, or :meth:`gatebook.RandomRateNetwork.origin_disk`),
    the stability line :math:`\operatorname{Re}\lambda=0` in red, equal axes and labelled axes.
    Used by the spectra of chapters 1, 6 and 8.
    """
    eig = np.asarray(eigenvalues)
    ax.scatter(eig.real, eig.imag, s=4, color=colour, alpha=0.6, lw=0)
    if disk is not None:
        centre, radius = disk
        ax.add_patch(Circle((centre, 0.0), radius, fill=False, color="k", lw=1.2, ls="--"))
    ax.axvline(0.0, color="#d62728", lw=1.0)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
