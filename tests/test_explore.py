"""Tests of gatebook.explore: the explorable-figure helper used by every chapter."""

from __future__ import annotations

import base64
import html.parser
import json
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gatebook.explore import STATIC_ENV_VAR, Explorable, explorable  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class CountingPlot:
    """A tiny plot_fn: a line whose slope (and optional colour) is the parameter."""

    def __init__(self):
        self.calls = []

    def __call__(self, slope, color="C0"):
        self.calls.append((slope, color))
        fig, ax = plt.subplots(figsize=(2, 1.5))
        x = np.linspace(0.0, 1.0, 5)
        ax.plot(x, slope * x, color=color)
        ax.set_ylim(-2, 2)
        return fig


class _StaticParser(html.parser.HTMLParser):
    """Collects the range inputs, images and the embedded JSON of static HTML."""

    def __init__(self):
        super().__init__()
        self.ranges, self.imgs, self.divs = [], [], []
        self._in_json = False
        self.json_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "range":
            self.ranges.append(attrs)
        elif tag == "img":
            self.imgs.append(attrs)
        elif tag == "div":
            self.divs.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/json":
            self._in_json = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_text += data


def parse(html_text):
    parser = _StaticParser()
    parser.feed(html_text)
    return parser


pytestmark = pytest.mark.usefixtures("no_leaked_pyplot_figures")


# ------------------------------------------------------------------- static
def test_static_html_has_one_frame_per_combination_and_right_inputs():
    plot = CountingPlot()
    slopes = [-1.0, -0.5, 0.0, 0.5, 1.0]
    colors = ["C0", "C1", "k"]
    ex = explorable(plot, slope=slopes, color=colors, labels={"slope": "slope a"}, mode="static")
    page = ex._repr_mimebundle_()
    assert set(page) == {"text/html", "text/plain"}
    assert "slope a" in page["text/plain"]
    parsed = parse(page["text/html"])

    assert len(parsed.ranges) == 2
    assert [(r["min"], r["max"], r["step"]) for r in parsed.ranges] == [("0", "4", "1"), ("0", "2", "1")]
    assert [r["data-param"] for r in parsed.ranges] == ["slope", "color"]
    # defaults: middle values
    assert [r["value"] for r in parsed.ranges] == ["2", "1"]
    assert ex.values == {"slope": 0.0, "color": "C1"}

    data = json.loads(parsed.json_text)
    frames = data["frames"]
    assert len(frames) == math.prod([len(slopes), len(colors)]) == ex.n_frames == 15
    assert set(frames) == {f"{i},{j}" for i in range(5) for j in range(3)}
    assert len(set(frames.values())) == 15, "frames of different plots must differ"
    assert all(base64.b64decode(f).startswith(PNG_MAGIC) for f in frames.values())
    assert data["values"] == {"slope": ["-1", "-0.5", "0", "0.5", "1"], "color": ["C0", "C1", "k"]}

    container = [d for d in parsed.divs if "gatebook-explorable" in d.get("class", "").split()]
    assert len(container) == 1
    assert json.loads(container[0]["data-params"]) == ["slope", "color"]
    assert container[0]["data-frames"] == "15"
    assert container[0]["data-current"] == "2,1"
    assert len(parsed.imgs) == 1
    assert parsed.imgs[0]["src"] == "data:image/png;base64," + frames["2,1"]
    # one render per combination, no more
    assert len(plot.calls) == 15 and len(set(plot.calls)) == 15


def test_static_html_is_self_contained_and_ids_are_unique():
    a = explorable(CountingPlot(), slope=[0, 1], mode="static").to_html()
    b = explorable(CountingPlot(), slope=[0, 1], mode="static").to_html()
    for text in (a, b):
        assert "http://" not in text and "https://" not in text
        assert "<script src" not in text
    ids_a = {d["id"] for d in parse(a).divs if "id" in d}
    ids_b = {d["id"] for d in parse(b).divs if "id" in d}
    assert ids_a and not ids_a & ids_b


def test_labels_are_escaped():
    ex = explorable(CountingPlot(), slope=[0, 1], labels={"slope": "a <b> & c"}, mode="static")
    text = ex.to_html()
    assert "a &lt;b&gt; &amp; c" in text and "<b>" not in text


def test_defaults_are_honoured():
    plot = CountingPlot()
    ex = explorable(plot, slope=[0.5, 1.0, 2.0], color=["C0", "C1"], defaults={"slope": 2, "color": "C0"},
                    mode="static")
    assert ex.values == {"slope": 2.0, "color": "C0"}
    parsed = parse(ex.to_html())
    assert [r["value"] for r in parsed.ranges] == ["2", "0"]
    assert plot.calls[0] == (2.0, "C0"), "the default frame is rendered first"


def test_numpy_grid_and_single_value_parameter():
    ex = explorable(CountingPlot(), slope=np.array([0.25, 0.75]), color=("k",), mode="static")
    assert ex.grid == {"slope": (0.25, 0.75), "color": ("k",)}
    assert type(ex.grid["slope"][0]) is float
    assert ex.n_frames == 2
    assert len(parse(ex.to_html()).ranges) == 2


def test_auto_mode_follows_environment(monkeypatch):
    monkeypatch.setenv(STATIC_ENV_VAR, "1")
    assert explorable(CountingPlot(), slope=[0, 1]).mode == "static"
    monkeypatch.delenv(STATIC_ENV_VAR)
    assert explorable(CountingPlot(), slope=[0, 1]).mode == "live"


# --------------------------------------------------------------------- live
def test_live_slider_changes_image_in_place_without_outputs():
    from IPython.utils.capture import capture_output

    plot = CountingPlot()
    ex = explorable(plot, slope=[-1.0, 0.0, 1.0], color=["C0", "C1"], mode="live")
    box = ex.widget()
    assert ex.widget() is box
    assert "gatebook-explorable" in box._dom_classes
    sliders, image = box.children[:-1], box.children[-1]
    assert [type(s).__name__ for s in sliders] == ["SelectionSlider", "SelectionSlider"]
    assert type(image).__name__ == "Image" and image.format == "png"
    assert not any(type(c).__name__ == "Output" for c in box.children)
    first = bytes(image.value)
    assert first.startswith(PNG_MAGIC)

    with capture_output() as captured:
        sliders[0].value = 1.0
    assert captured.outputs == [] and captured.stdout == "" and captured.stderr == ""
    assert bytes(image.value) != first
    assert ex.values["slope"] == 1.0
    assert ex.values["color"] == "C0"  # lower middle of an even grid
    assert bytes(image.value) == ex.frame(slope=1.0, color="C0")

    sliders[0].value = 0.0
    assert bytes(image.value) == first


def test_mimebundle_in_live_mode_is_a_widget_view():
    ex = explorable(CountingPlot(), slope=[0, 1], mode="live")
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget().model_id


def test_cache_calls_plot_fn_once_per_distinct_tuple():
    plot = CountingPlot()
    ex = explorable(plot, slope=[0.0, 1.0, 2.0], mode="live")
    assert plot.calls == [(1.0, "C0")]
    ex.widget()
    slider = ex.widget().children[0]
    for value in [0.0, 2.0, 1.0, 0.0, 2.0, 2.0, 1.0]:
        slider.value = value
    assert sorted(plot.calls) == [(0.0, "C0"), (1.0, "C0"), (2.0, "C0")]


def test_update_is_the_slider_path_and_returns_png():
    plot = CountingPlot()
    ex = explorable(plot, slope=[0.0, 1.0, 2.0], mode="live")
    box = ex.widget()
    png = ex.update(slope=2.0)
    assert png.startswith(PNG_MAGIC)
    assert box.children[0].value == 2.0, "update() moves the slider too"
    assert bytes(box.children[-1].value) == png
    assert ex.last_render_seconds > 0.0
    assert ex.update(slope=2.0) == png and ex.last_render_seconds == 0.0
    assert len(plot.calls) == 2
    # update works without a widget as well (benchmarks)
    bare = explorable(CountingPlot(), slope=[0.0, 1.0], mode="live")
    assert bare.update(slope=0.0).startswith(PNG_MAGIC)
    with pytest.raises(ValueError, match="slope"):
        ex.update(slope=3.0)
    with pytest.raises(ValueError, match="unknown parameter"):
        ex.update(intercept=1.0)


def test_plot_fn_may_build_figures_without_pyplot():
    def plot(a):
        fig = Figure(figsize=(2, 1))
        fig.add_subplot().plot([0, 1], [0, a])
        return fig

    assert explorable(plot, a=[1, 2], mode="static").n_frames == 2


def test_extra_pyplot_figures_and_errors_do_not_leak():
    def sloppy(a):
        plt.figure()  # an unrelated figure plot_fn forgot to close
        fig, _ = plt.subplots()
        return fig

    explorable(sloppy, a=[1, 2], mode="static")

    def broken(a):
        plt.subplots()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        explorable(broken, a=[1], mode="static")


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        (dict(), ValueError, "grid is empty"),
        (dict(slope=[]), ValueError, "'slope' has no values"),
        (dict(slope=3.0), TypeError, "'slope' must be a 1-D sequence"),
        (dict(slope="abc"), TypeError, "'slope' must be a 1-D sequence"),
        (dict(slope=np.zeros((2, 2))), ValueError, "'slope' must be 1-D"),
        (dict(slope=[1, None]), TypeError, "'slope' holds None"),
        (dict(slope=[1.0, float("nan")]), ValueError, "non-finite"),
        (dict(slope=[1, 1.0]), ValueError, "repeated values"),
        (dict(slope=[0, 1], defaults={"slope": 5}), ValueError, r"defaults\['slope'\]=5 is not in the grid"),
        (dict(slope=[0, 1], defaults={"slop": 0}), ValueError, "defaults has unknown parameter"),
        (dict(slope=[0, 1], defaults=[0]), TypeError, "defaults must be a dict"),
        (dict(slope=[0, 1], labels={"slop": "x"}), ValueError, "labels has unknown parameter"),
        (dict(slope=[0, 1], labels={"slope": 3}), TypeError, r"labels\['slope'\] must be a string"),
        (dict(slope=[0, 1], mode="interactive"), ValueError, "mode must be one of"),
        (dict(slope=[0, 1], dpi=0), ValueError, "dpi must be a positive"),
    ],
)
def test_bad_input(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        explorable(CountingPlot(), **kwargs)


def test_plot_fn_not_callable():
    with pytest.raises(TypeError, match="plot_fn must be callable"):
        explorable("not a function", slope=[0, 1])


def test_plot_fn_must_return_a_figure():
    def returns_axes(slope):
        fig, ax = plt.subplots()
        return ax

    with pytest.raises(TypeError, match="plot_fn must return a matplotlib.figure.Figure"):
        explorable(returns_axes, slope=[0, 1], mode="static")


def test_repr_and_public_names():
    ex = explorable(CountingPlot(), slope=[0, 1, 2], mode="static")
    assert isinstance(ex, Explorable)
    assert "3 frames" in repr(ex)
    import gatebook.explore as module

    assert module.__doc__ and "Chapter 1" in module.__doc__
    assert explorable.__doc__ and "Examples" in explorable.__doc__


def test_grid_and_dpi_errors_name_the_argument():
    # issue 13: a non-mapping grid was an AttributeError; dpi=inf or 1e12 failed deep in matplotlib
    with pytest.raises(TypeError, match="grid"):
        Explorable(CountingPlot(), 3.0, mode="live")
    with pytest.raises(ValueError, match="dpi"):
        Explorable(CountingPlot(), {"slope": [1.0]}, dpi=float("inf"), mode="live")
    with pytest.raises(ValueError, match="dpi is too large"):
        Explorable(CountingPlot(), {"slope": [1.0]}, dpi=1e12, mode="live")
    assert not plt.get_fignums()  # the refused frame's figure was closed


def test_live_display_works_with_ipywidgets_7_widgets(monkeypatch):
    """ipywidgets 7 widgets have no _repr_mimebundle_ (only _ipython_display_): the explorable
    builds the widget-view bundle itself, the same entry ipywidgets 7 would publish (Colab)."""
    import ipywidgets

    from gatebook.explore import widget_view_bundle

    class Seven:  # what an ipywidgets 7 VBox offers for display
        _model_id = "abc123"

        def _ipython_display_(self):  # pragma: no cover - not called
            raise AssertionError

        def __repr__(self):
            return "VBox(children=(...))"

    bundle = widget_view_bundle(Seven())
    assert bundle["application/vnd.jupyter.widget-view+json"] == {
        "version_major": 2, "version_minor": 0, "model_id": "abc123"}
    assert bundle["text/plain"] == "VBox(children=(...))"
    # an ipywidgets 8 widget keeps its own bundle, which names the same model
    slider = ipywidgets.IntSlider()
    own = widget_view_bundle(slider)
    assert own["application/vnd.jupyter.widget-view+json"]["model_id"] == slider.model_id
    # an Explorable in live mode goes through the same path
    ex = explorable(CountingPlot(), slope=[1, 2], mode="live")
    monkeypatch.setattr(type(ex.widget()), "_repr_mimebundle_", None, raising=False)
    live = ex._repr_mimebundle_()
    assert live["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget().model_id
    with pytest.raises(TypeError, match="widget"):
        widget_view_bundle(object())
