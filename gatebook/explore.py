"""Explorable figures: one plotting function, a grid of parameter values, two faces.

Every chapter of the book has at least one figure the reader can move. This
module is the single way the book does that, so that all of them look and behave
alike. Chapter 1 (*Random recurrent networks and the edge of chaos*) introduces
it with the coupling gain :math:`g`; later chapters reuse it unchanged.

An :class:`Explorable` wraps a function ``plot_fn(**params) -> Figure`` and a
finite grid of values for each parameter. It has two faces:

live
    In JupyterLab or Colab (a running kernel) it is an ``ipywidgets.VBox``
    holding one ``SelectionSlider`` per parameter and an ``ipywidgets.Image``.
    Moving a slider calls ``plot_fn`` again, renders the figure to PNG and
    swaps the image in place. PNG bytes are cached per parameter tuple, so
    revisiting a setting is instant. No ``Output`` widget is used.
static
    On the published website there is no kernel. Every combination of the
    grid is rendered once, at build time, and the frames are embedded in a
    small self-contained HTML widget: one ``<input type="range">`` per
    parameter and one ``<img>`` whose ``src`` a few lines of inline
    JavaScript swap. It needs no network access and works from ``file://``.

``mode="auto"`` picks *static* when the environment variable
``GATEBOOK_STATIC_HTML`` is ``"1"`` (the book's Sphinx extension sets it for the
build kernel) and *live* otherwise.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
import numbers
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.figure

from ._validation import check_memory

__all__ = ["Explorable", "explorable", "widget_view_bundle", "STATIC_ENV_VAR"]

#: Environment variable that switches ``mode="auto"`` to static HTML.
STATIC_ENV_VAR = "GATEBOOK_STATIC_HTML"

_MODES = ("auto", "live", "static")

#: A first render slower than this (seconds) makes the live sliders update
#: on release instead of while dragging, so a drag does not queue up work.
_SLOW_RENDER_SECONDS = 0.25


def _is_scalar_value(value: Any) -> bool:
    """Return True for the grid values we accept: real numbers and strings."""
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return True
    return isinstance(value, numbers.Real)


def _plain(value: Any) -> Any:
    """Convert numpy scalars to built-in Python scalars (for JSON and widgets)."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _format_value(value: Any) -> str:
    """Short human-readable text for a grid value."""
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.4g}"
    return str(value)


def _static_requested() -> bool:
    return os.environ.get(STATIC_ENV_VAR, "").strip() == "1"


class Explorable:
    """A figure that can be explored over a finite grid of parameter values.

    Build one with :func:`explorable`; the constructor arguments are the same
    and are validated there. Displaying the object (the last expression of a
    notebook cell) shows the live widget or the static HTML, depending on
    :attr:`mode`.

    Attributes
    ----------
    names : tuple of str
        Parameter names, in the order the sliders appear.
    grid : dict of str to tuple
        The values each parameter can take.
    labels : dict of str to str
        Display label of each parameter.
    values : dict of str to object
        The parameter values currently shown.
    mode : {"live", "static"}
        The resolved display mode.
    dpi : float
        Resolution used to render the PNG frames.
    last_render_seconds : float
        Wall time of the most recent call of ``plot_fn`` plus PNG encoding
        (0.0 when the last request was served from the cache).
    """

    def __init__(
        self,
        plot_fn: Callable[..., matplotlib.figure.Figure],
        grid: Mapping[str, Sequence[Any]],
        *,
        labels: Mapping[str, str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        dpi: float = 80,
        mode: str = "auto",
    ) -> None:
        if not callable(plot_fn):
            raise TypeError(f"plot_fn must be callable, got {type(plot_fn).__name__}")
        if not isinstance(mode, str) or mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not (dpi > 0 and math.isfinite(dpi)):
            raise ValueError(f"dpi must be a positive finite number, got {dpi!r}")
        if not isinstance(grid, Mapping):
            raise TypeError(f"grid must be a dict of parameter name -> values, got {type(grid).__name__}")
        if not grid:
            raise ValueError(
                "grid is empty: pass at least one parameter, "
                "e.g. explorable(plot_fn, g=[0.5, 1.0, 1.5])"
            )

        self.plot_fn = plot_fn
        self.dpi = float(dpi)
        self.grid: dict[str, tuple[Any, ...]] = {}
        for name, values in grid.items():
            self.grid[name] = self._check_grid_values(name, values)
        self.names: tuple[str, ...] = tuple(self.grid)

        labels = {} if labels is None else labels
        if not isinstance(labels, Mapping):
            raise TypeError(f"labels must be a dict of name -> label, got {type(labels).__name__}")
        unknown = [key for key in labels if key not in self.grid]
        if unknown:
            raise ValueError(
                f"labels has unknown parameter name(s) {unknown}; grid parameters are {list(self.names)}"
            )
        for key, text in labels.items():
            if not isinstance(text, str):
                raise TypeError(f"labels[{key!r}] must be a string, got {type(text).__name__}")
        self.labels: dict[str, str] = {name: labels.get(name, name) for name in self.names}

        defaults = {} if defaults is None else defaults
        if not isinstance(defaults, Mapping):
            raise TypeError(f"defaults must be a dict of name -> value, got {type(defaults).__name__}")
        unknown = [key for key in defaults if key not in self.grid]
        if unknown:
            raise ValueError(
                f"defaults has unknown parameter name(s) {unknown}; grid parameters are {list(self.names)}"
            )
        self.values: dict[str, Any] = {}
        for name in self.names:
            values = self.grid[name]
            if name in defaults:
                self.values[name] = values[self._index_of(name, defaults[name], "defaults")]
            else:
                self.values[name] = values[(len(values) - 1) // 2]

        if mode == "auto":
            mode = "static" if _static_requested() else "live"
        self.mode: str = mode

        self._cache: dict[tuple[Any, ...], bytes] = {}
        self._widget = None
        self._image = None
        self._sliders: dict[str, Any] = {}
        self._syncing = False
        self._uid = "gbx-" + uuid.uuid4().hex[:10]
        self.last_render_seconds = 0.0

        # Render eagerly: an error in plot_fn must fail the notebook cell that
        # creates the explorable (IPython only prints errors raised while a
        # displayed object is formatted, which would let a broken figure
        # through a build that is meant to fail on errors).
        self.frame(**self.values)
        self._first_render_seconds = self.last_render_seconds
        if self.mode == "static":
            for combo in itertools.product(*(self.grid[n] for n in self.names)):
                self.frame(**dict(zip(self.names, combo)))

    # ------------------------------------------------------------------ checks
    @staticmethod
    def _check_grid_values(name: str, values: Any) -> tuple[Any, ...]:
        is_sequence = isinstance(values, Sequence) or isinstance(values, _ArrayLike)
        if isinstance(values, (str, bytes)) or not is_sequence:
            raise TypeError(
                f"grid parameter {name!r} must be a 1-D sequence of values "
                f"(list, tuple or 1-D array), got {type(values).__name__}"
            )
        ndim = getattr(values, "ndim", 1)
        if ndim != 1:
            raise ValueError(f"grid parameter {name!r} must be 1-D, got an array with ndim={ndim}")
        out = tuple(_plain(v) for v in values)
        if not out:
            raise ValueError(f"grid parameter {name!r} has no values; give at least one")
        for value in out:
            if not _is_scalar_value(value):
                raise TypeError(
                    f"grid parameter {name!r} holds {value!r} of type {type(value).__name__}; "
                    "values must be numbers or short strings"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"grid parameter {name!r} holds a non-finite value {value!r}")
        keys = [_format_value(v) for v in out]
        if len(set(keys)) != len(keys):
            raise ValueError(f"grid parameter {name!r} has repeated values: {list(out)}")
        return out

    def _index_of(self, name: str, value: Any, argname: str) -> int:
        value = _plain(value)
        for i, candidate in enumerate(self.grid[name]):
            if type(candidate) is type(value) or (
                isinstance(candidate, numbers.Real) and isinstance(value, numbers.Real)
                and not isinstance(candidate, bool) and not isinstance(value, bool)
            ):
                if candidate == value:
                    return i
        raise ValueError(
            f"{argname}[{name!r}]={value!r} is not in the grid for {name!r}: {list(self.grid[name])}"
        )

    def _resolve(self, params: Mapping[str, Any], argname: str = "params") -> dict[str, Any]:
        unknown = [key for key in params if key not in self.grid]
        if unknown:
            raise ValueError(
                f"unknown parameter name(s) {unknown}; grid parameters are {list(self.names)}"
            )
        resolved = dict(self.values)
        for name, value in params.items():
            resolved[name] = self.grid[name][self._index_of(name, value, argname)]
        return resolved

    # --------------------------------------------------------------- rendering
    def frame(self, **params: Any) -> bytes:
        """PNG bytes of the figure for ``params`` (missing ones: current values).

        The result is cached per parameter tuple; ``plot_fn`` runs at most once
        for each distinct combination. This does not change what is shown.

        Parameters
        ----------
        **params
            Parameter values; each must be one of the grid values.

        Returns
        -------
        bytes
            The PNG image.
        """
        values = self._resolve(params)
        key = tuple(values[n] for n in self.names)
        cached = self._cache.get(key)
        if cached is not None:
            self.last_render_seconds = 0.0
            return cached
        png = self._render(values)
        self._cache[key] = png
        return png

    def _render(self, values: Mapping[str, Any]) -> bytes:
        import matplotlib.pyplot as plt

        start = time.perf_counter()
        before = set(plt.get_fignums())
        fig = None
        try:
            fig = self.plot_fn(**values)
            if not isinstance(fig, matplotlib.figure.Figure):
                raise TypeError(
                    "plot_fn must return a matplotlib.figure.Figure, "
                    f"got {type(fig).__name__} for parameters {dict(values)}"
                )
            # the frame is width x height pixels of 4 bytes: refuse a dpi that cannot fit in memory
            width, height = fig.get_size_inches() * self.dpi
            check_memory(width * height, "dpi", itemsize=4, what=f"a {width:.3g} x {height:.3g} pixel frame")
            buffer = io.BytesIO()
            # No bbox_inches="tight": every frame keeps the same pixel size, so
            # the image does not jump while a slider moves.
            fig.savefig(buffer, format="png", dpi=self.dpi, metadata={"Software": None})
        finally:
            # Close what plot_fn opened through pyplot (the returned figure and
            # anything else), so nothing is left for the inline backend to
            # display a second time and no memory leaks across frames.
            for num in set(plt.get_fignums()) - before:
                plt.close(num)
            if isinstance(fig, matplotlib.figure.Figure):
                plt.close(fig)
        self.last_render_seconds = time.perf_counter() - start
        return buffer.getvalue()

    def update(self, **params: Any) -> bytes:
        """Show the figure for ``params``; the code path a slider move takes.

        Parameters not given keep their current value. If the live widget
        exists, its sliders and image are updated in place. Use this to time
        the callback in benchmarks (``last_render_seconds`` holds the render
        time, 0.0 on a cache hit).

        Parameters
        ----------
        **params
            New parameter values; each must be one of the grid values.

        Returns
        -------
        bytes
            PNG bytes of the figure now shown.
        """
        values = self._resolve(params)
        png = self.frame(**values)
        self.values = values
        if self._widget is not None:
            self._syncing = True
            try:
                for name, slider in self._sliders.items():
                    if slider.value != values[name]:
                        slider.value = values[name]
            finally:
                self._syncing = False
            self._image.value = png
        return png

    @property
    def n_frames(self) -> int:
        """Number of grid combinations (frames of the static widget)."""
        return math.prod(len(v) for v in self.grid.values())

    # ------------------------------------------------------------------- live
    def widget(self):
        """The live ``ipywidgets.VBox`` (sliders above the image), built once.

        Returns
        -------
        ipywidgets.VBox
        """
        if self._widget is not None:
            return self._widget
        try:
            import ipywidgets as widgets
        except ImportError as err:  # pragma: no cover - ipywidgets is a dependency
            raise ImportError(
                "the live explorable needs ipywidgets (pip install ipywidgets); "
                f"or use mode='static'. Original error: {err}"
            ) from err

        # Fast plots follow the slider while it is dragged; slow ones update on
        # release so a drag does not queue one render per position passed.
        continuous = self._first_render_seconds < _SLOW_RENDER_SECONDS
        for name in self.names:
            slider = widgets.SelectionSlider(
                options=[(_format_value(v), v) for v in self.grid[name]],
                value=self.values[name],
                description=self.labels[name],
                continuous_update=continuous,
                readout=True,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="min(100%, 32em)"),
            )
            slider.observe(self._make_observer(name), names="value")
            self._sliders[name] = slider
        self._image = widgets.Image(value=self.frame(**self.values), format="png")
        self._image.layout.max_width = "100%"
        self._widget = widgets.VBox(
            [*self._sliders.values(), self._image],
            layout=widgets.Layout(align_items="flex-start"),
        )
        self._widget.add_class("gatebook-explorable")
        return self._widget

    def _make_observer(self, name: str) -> Callable[[dict], None]:
        def on_change(change: dict) -> None:
            if not self._syncing:
                self.update(**{name: change["new"]})

        return on_change

    # ----------------------------------------------------------------- static
    def to_html(self) -> str:
        """Self-contained HTML widget with every frame embedded.

        Renders any missing frame first. The markup uses no external file and
        no network access: one ``<input type="range">`` per parameter, one
        ``<img>``, and inline JavaScript that swaps the image source.

        Returns
        -------
        str
            An HTML fragment (a ``<div class="gatebook-explorable">``).
        """
        frames: dict[str, str] = {}
        for idx in itertools.product(*(range(len(self.grid[n])) for n in self.names)):
            params = {n: self.grid[n][i] for n, i in zip(self.names, idx)}
            frames[",".join(map(str, idx))] = base64.b64encode(self.frame(**params)).decode("ascii")
        current = [self._index_of(n, self.values[n], "values") for n in self.names]
        uid = self._uid
        value_texts = {n: [_format_value(v) for v in self.grid[n]] for n in self.names}
        data = {"names": list(self.names), "values": value_texts, "frames": frames}
        data_json = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")

        def attr(text: Any) -> str:
            return html.escape(str(text), quote=True)

        rows = []
        for k, name in enumerate(self.names):
            n_values = len(self.grid[name])
            input_id = f"{uid}-in{k}"
            rows.append(
                '<div class="gatebook-explorable-row" style="display:flex;align-items:center;'
                'gap:0.75em;margin:0.15em 0;flex-wrap:wrap">'
                f'<label for="{input_id}" style="min-width:10em">{attr(self.labels[name])}</label>'
                f'<input type="range" id="{input_id}" data-param="{attr(name)}" min="0" '
                f'max="{n_values - 1}" step="1" value="{current[k]}" '
                f'aria-valuetext="{attr(value_texts[name][current[k]])}"'
                f'{" disabled" if n_values == 1 else ""} style="width:min(18em,60vw)">'
                f'<output for="{input_id}" id="{input_id}-out" '
                'style="font-family:monospace;min-width:4em">'
                f"{attr(value_texts[name][current[k]])}</output>"
                "</div>"
            )
        first = frames[",".join(map(str, current))]
        alt = "Figure for " + ", ".join(
            f"{self.labels[n]} = {value_texts[n][current[k]]}" for k, n in enumerate(self.names)
        )
        script = (
            "(function(){"
            f'var root=document.getElementById("{uid}");'
            f'var data=JSON.parse(document.getElementById("{uid}-data").textContent);'
            'var inputs=root.querySelectorAll("input[type=range]");'
            'var img=root.querySelector("img");'
            "function show(){"
            "var idx=[],parts=[];"
            "for(var k=0;k<inputs.length;k++){"
            "var i=parseInt(inputs[k].value,10);idx.push(i);"
            "var text=data.values[data.names[k]][i];"
            'document.getElementById(inputs[k].id+"-out").textContent=text;'
            'inputs[k].setAttribute("aria-valuetext",text);'
            'parts.push(root.querySelectorAll("label")[k].textContent+" = "+text);}'
            'var key=idx.join(",");'
            "var frame=data.frames[key];"
            "if(frame){"
            'img.src="data:image/png;base64,"+frame;'
            'img.alt="Figure for "+parts.join(", ");'
            'root.setAttribute("data-current",key);}}'
            "for(var k=0;k<inputs.length;k++){"
            'inputs[k].addEventListener("input",show);'
            'inputs[k].addEventListener("change",show);}'
            "})();"
        )
        return (
            f'<div class="gatebook-explorable" id="{uid}" '
            f'data-params="{attr(json.dumps(list(self.names)))}" '
            f'data-frames="{self.n_frames}" '
            f'data-current="{",".join(map(str, current))}">'
            f'<div class="gatebook-explorable-controls">{"".join(rows)}</div>'
            f'<img src="data:image/png;base64,{first}" alt="{attr(alt)}" '
            'style="max-width:100%;height:auto;display:block">'
            f'<script type="application/json" id="{uid}-data">{data_json}</script>'
            f"<script>{script}</script>"
            "</div>"
        )

    # ---------------------------------------------------------------- display
    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}: {len(v)} values" for n, v in self.grid.items())
        return f"<Explorable {self.mode} ({sizes}; {self.n_frames} frames)>"

    def _plain_text(self) -> str:
        shown = ", ".join(f"{self.labels[n]} = {_format_value(self.values[n])}" for n in self.names)
        return f"Explorable figure ({shown}); run the notebook to move the sliders."

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.mode == "static":
            return {"text/html": self.to_html(), "text/plain": self._plain_text()}
        return widget_view_bundle(self.widget(), include=include, exclude=exclude)


def widget_view_bundle(widget, include=None, exclude=None) -> dict:
    """The display bundle of a live ``ipywidgets`` widget, under ipywidgets 7 and 8 alike.

    ipywidgets 8 widgets have ``_repr_mimebundle_``; ipywidgets 7 widgets only
    ``_ipython_display_``, which publishes the same widget-view message itself. Both come down
    to one ``application/vnd.jupyter.widget-view+json`` entry naming the widget's model, which
    this function builds by hand when the widget cannot (Colab ships ipywidgets 7). Used by
    every :class:`Explorable`, so chapters display the same way in JupyterLab and in Colab.
    """
    own = getattr(widget, "_repr_mimebundle_", None)
    if callable(own):
        return own(include=include, exclude=exclude)
    model_id = getattr(widget, "model_id", None) or getattr(widget, "_model_id", None)
    if model_id is None:
        raise TypeError(f"widget must be an ipywidgets widget with a model id, got {type(widget).__name__}")
    return {
        "text/plain": repr(widget),
        "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": model_id},
    }


class _ArrayLikeMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return hasattr(obj, "__len__") and hasattr(obj, "__getitem__") and hasattr(obj, "ndim")


class _ArrayLike(metaclass=_ArrayLikeMeta):
    """Matches numpy arrays (and similar) in ``isinstance`` checks."""


def explorable(
    plot_fn: Callable[..., matplotlib.figure.Figure],
    /,
    *,
    labels: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    dpi: float = 80,
    mode: str = "auto",
    **grid: Sequence[Any],
) -> Explorable:
    """Turn a plotting function into a figure the reader can explore.

    Parameters
    ----------
    plot_fn : callable
        ``plot_fn(**params)`` must return a :class:`matplotlib.figure.Figure`.
        It is called once per distinct combination of values; the figure is
        rendered to PNG and closed.
    labels : dict of str to str, optional
        Display label per parameter, e.g. ``{"g": "coupling gain g"}``.
        Parameters without a label show their name.
    defaults : dict, optional
        Initial value per parameter; each must be one of that parameter's
        grid values. Parameters without a default start at the middle value
        of their grid (the lower middle for an even count).
    dpi : float, default 80
        Resolution of the PNG frames. Keep it low: the static page embeds
        one frame per grid combination.
    mode : {"auto", "live", "static"}, default "auto"
        ``"live"`` gives ipywidgets sliders that recompute the figure in the
        kernel; ``"static"`` gives self-contained HTML with every frame
        precomputed; ``"auto"`` is static when the environment variable
        ``GATEBOOK_STATIC_HTML`` is ``"1"`` and live otherwise.
    **grid : sequence
        One keyword per parameter of ``plot_fn``, each a non-empty 1-D
        sequence of numbers or short strings, e.g. ``g=[0.5, 1.0, 1.5]``.
        Slider order follows keyword order.

    Returns
    -------
    Explorable
        Display it (last expression of a cell) to show the figure.

    Raises
    ------
    TypeError
        If ``plot_fn`` is not callable or does not return a Figure, or if a
        grid, label or default has the wrong type.
    ValueError
        If the grid is empty, a parameter has no values, a default is not in
        its grid, a label or default names an unknown parameter, or ``mode``
        is unknown.

    Notes
    -----
    The static page holds ``prod(len(values))`` frames; a few dozen frames at
    ``dpi=80`` weigh a few hundred kilobytes. Prefer a handful of well-chosen
    values per parameter over fine grids.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib.pyplot as plt
    >>> def plot_line(slope):
    ...     fig, ax = plt.subplots(figsize=(3, 2))
    ...     x = np.linspace(0, 1, 20)
    ...     ax.plot(x, slope * x)
    ...     return fig
    >>> ex = explorable(plot_line, slope=[0.5, 1.0, 2.0], labels={"slope": "slope a"},
    ...                 mode="static")
    >>> ex.values
    {'slope': 1.0}
    >>> ex.n_frames
    3
    >>> html = ex.to_html()
    >>> html.count('type="range"')
    1
    """
    return Explorable(plot_fn, grid, labels=labels, defaults=defaults, dpi=dpi, mode=mode)
