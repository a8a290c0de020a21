"""House style shared by every figure module: constrained layout, colours, log axes, eigenvalue scatter, PNG display."""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from .._validation import check_choice, check_float_in, check_float_sequence, check_instance, check_int, check_positive_int

__all__ = ["COLOURS", "decade_label", "draw_eigenvalues", "log_ticks", "new_figure", "show_figures_in_notebooks"]


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


#: Largest side of a figure, in inches (100 inches is 10 000 pixels at the default resolution).
MAX_FIGURE_INCHES = 100.0
#: Most panels along one side of a figure.
MAX_PANELS = 30


def new_figure(width=7.0, height=3.2, ncols=1, nrows=1, **kw):
    """A :class:`~matplotlib.figure.Figure` with constrained layout and a 2-D array of axes.

    ``width`` and ``height`` are in inches, in :math:`(0, 100]`; ``ncols`` and ``nrows`` are
    between 1 and :data:`MAX_PANELS`. Other keywords go to
    :meth:`~matplotlib.figure.Figure.subplots` (``squeeze`` is always false).

    >>> fig, axes = new_figure(4.0, 3.0, ncols=2)
    >>> axes.shape
    (1, 2)
    """
    width = check_float_in(width, "width", 0.0, MAX_FIGURE_INCHES, closed="right")
    height = check_float_in(height, "height", 0.0, MAX_FIGURE_INCHES, closed="right")
    ncols = check_int(ncols, "ncols", minimum=1, maximum=MAX_PANELS)
    nrows = check_int(nrows, "nrows", minimum=1, maximum=MAX_PANELS)
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_LABEL_STYLES = ("powers", "decimal")
#: Largest decade exponent :func:`log_ticks` places (10**e must be a finite float).
_MAX_EXPONENT = 300


def _whole(value, name: str) -> int:
    """``value`` (an integer, or a real number with no fractional part) as an ``int``."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)) \
            and np.isfinite(value) and float(value).is_integer():
        return int(value)
    return check_int(value, name)


def decade_label(exponent: int, labels: str = "powers") -> str:
    """Plain-text label of the tick :math:`10^{e}`, in one of the house's two styles.

    ``"powers"`` writes ``10⁻³`` with unicode superscripts (and ``0.1``, ``1``, ``10`` near
    one); ``"decimal"`` writes ``0.001`` … ``1000`` and ``1e5`` outside that range. Both avoid
    mathtext, whose parsing is most of the drawing cost of the book's small figures.

    >>> decade_label(-3), decade_label(0), decade_label(12), decade_label(-3, "decimal"), decade_label(5, "decimal")
    ('10⁻³', '1', '10¹²', '0.001', '1e5')
    """
    labels = check_choice(labels, "labels", _LABEL_STYLES)
    exponent = _whole(exponent, "exponent")
    if labels == "decimal":
        return f"{10.0 ** exponent:g}" if -3 <= exponent <= 3 else f"1e{exponent}"
    return {0: "1", 1: "10", -1: "0.1"}.get(exponent, "10" + str(exponent).translate(_SUPERSCRIPTS))


def log_ticks(ax, axis: str = "y", *, exponents=None, limits=None, labels: str = "powers", max_ticks: int = 6):
    r"""Make one axis of ``ax`` logarithmic with decade ticks, plain-text labels and no minor ticks.

    The one log-axis helper of every figure module. Where the ticks go:

    - ``exponents`` given: at :math:`10^e` for each ``e``;
    - else ``limits=(lo, hi)`` given: at the decades inside ``[lo, hi]``, thinned to at most
      ``max_ticks``;
    - else: chosen from the data by a :class:`~matplotlib.ticker.LogLocator`, labelled only
      where they fall on a decade.

    ``limits`` also sets the axis limits. ``labels`` is a :func:`decade_label` style. An axis
    that is already logarithmic keeps its scale (and so its autoscaling state). ``exponents``
    are whole numbers in :math:`[-300, 300]`; ``max_ticks`` is a positive integer.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    check_instance(ax, Axes, "ax", what="matplotlib Axes")
    axis = check_choice(axis, "axis", ("x", "y"))
    labels = check_choice(labels, "labels", _LABEL_STYLES)
    max_ticks = check_positive_int(max_ticks, "max_ticks")
    if exponents is not None:
        if isinstance(exponents, (str, bytes)) or not np.iterable(exponents):
            raise TypeError(f"exponents must be a sequence of whole numbers, got {type(exponents).__name__}")
        exponents = [_whole(e, "exponents") for e in exponents]
        if not exponents:
            raise ValueError("exponents must hold at least one whole number")
        if any(abs(e) > _MAX_EXPONENT for e in exponents):
            raise ValueError(f"exponents must lie in [-{_MAX_EXPONENT}, {_MAX_EXPONENT}], got {exponents}")
    if limits is not None:
        if isinstance(limits, (str, bytes)) or not np.iterable(limits) or len(limits) != 2:
            raise TypeError(f"limits must be (lo, hi) with 0 < lo < hi < inf, got {limits!r}")
        lo, hi = check_float_sequence(limits, "limits", min_length=2)
        if not (0.0 < lo < hi and np.isfinite(hi)):
            raise ValueError(f"limits must be (lo, hi) with 0 < lo < hi < inf, got {limits!r}")
    which = ax.xaxis if axis == "x" else ax.yaxis
    if which.get_scale() != "log":
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    if exponents is None and limits is not None:
        decades = np.arange(np.ceil(np.log10(lo)), np.floor(np.log10(hi)) + 1).astype(int)
        exponents = decades[:: max(1, int(np.ceil(decades.size / max_ticks)))]
    if exponents is None:
        which.set_major_locator(LogLocator(base=10.0, numticks=8))

        def _label(value, _pos=None):
            if value <= 0:
                return ""
            e = np.log10(value)
            return decade_label(round(e), labels) if abs(e - round(e)) < 1e-6 else ""

        which.set_major_formatter(FuncFormatter(_label))
    else:
        exponents = [int(e) for e in exponents]
        (ax.set_xticks if axis == "x" else ax.set_yticks)(
            [10.0 ** e for e in exponents], [decade_label(e, labels) for e in exponents])
    which.set_minor_locator(NullLocator())
    if limits is not None:
        (ax.set_xlim if axis == "x" else ax.set_ylim)(lo, hi)


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
