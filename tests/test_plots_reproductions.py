"""The Reproductions appendix's figures draw exactly the committed statistics."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gatebook.learning.committed import committed_summary
from gatebook.plots import reproductions as R

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "reproductions"


def test_s1_figure_draws_the_summary_means():
    s = committed_summary("s1-paper")
    fig = R.plot_s1_reproduction(s)
    ax_k, ax_r = fig.axes[:2]
    for line, (model, rows) in zip(ax_k.lines, s["table"].items()):
        assert line.get_label() == model
        np.testing.assert_array_equal(line.get_xdata(), [int(k) for k in rows])
        np.testing.assert_allclose(line.get_ydata(), [q["slope_carry"]["mean"] for q in rows.values()])
    # right panel: 1 - R^2 of the fit and of the lag alone, two lines per model
    multi = s["table"]["multi"]
    fit = next(l for l in ax_r.lines if l.get_label() == "multi: power fit")
    lag = next(l for l in ax_r.lines if l.get_label() == "multi: lag alone")
    np.testing.assert_allclose(fit.get_ydata(), [1 - q["r2_carry"]["mean"] for q in multi.values()])
    np.testing.assert_allclose(lag.get_ydata(), [1 - q["r2_lag_carry"]["mean"] for q in multi.values()])


def test_appB_figure_draws_medians_over_the_kept_seeds():
    summary = committed_summary("appB-paper")
    excluded = {m: n["excluded_seeds"] for m, n in summary["notes"].items()}
    records = [json.loads(p.read_text()) for p in sorted((DATA / "appB-paper").glob("*-seed*.json"))]
    fig = R.plot_appB_reproduction(records, excluded)
    ax = fig.axes[0]
    multi = np.stack([r["results"]["errors"] for r in records
                      if r["labels"]["model"] == "multi" and r["seed"] not in excluded["multi"]])
    line = next(l for l in ax.lines if l.get_label().startswith("multi"))
    assert f"median of {len(multi)} seeds" in line.get_label()
    np.testing.assert_allclose(line.get_ydata(), np.median(multi, axis=0))
    guide = next(l for l in ax.lines if l.get_label() == "slope 2")
    x, y = guide.get_xdata(), guide.get_ydata()
    np.testing.assert_allclose(np.diff(np.log(y)) / np.diff(np.log(x)), 2.0)


def test_s2_figure_draws_medians_per_arm_and_task():
    cell = lambda v: {"median": v, "q1": v / 2, "q3": 2 * v, "n": 5}
    rows = lambda scale: {f"propagation {m} (lag {h})": cell(scale * h) for m in ("AI", "CE") for h in (1, 4)}
    s = {"study": "s2", "settings": {"checkpoints": [0, 8], "lags": [1, 4]},
         "table": {"plain + Adam | adding": {"0": rows(1.0), "8": rows(3.0)},
                   "multi + SGD | adding": {"0": rows(1.0), "8": rows(2.0)}}}
    fig = R.plot_s2_reproduction(s)
    ai = fig.axes[0]
    assert [l.get_label() for l in ai.lines] == ["plain + Adam", "multi + SGD"]
    np.testing.assert_allclose(ai.lines[0].get_ydata(), [3.0, 12.0])  # the last checkpoint by default
    fig0 = R.plot_s2_reproduction(s, step=0)
    np.testing.assert_allclose(fig0.axes[0].lines[1].get_ydata(), [1.0, 4.0])
    with pytest.raises(ValueError, match="step"):
        R.plot_s2_reproduction(s, step=3)


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="summary"):
        R.plot_s1_reproduction([1, 2])
    with pytest.raises(ValueError, match="summary"):
        R.plot_s1_reproduction(committed_summary("appB-paper"))
    with pytest.raises(TypeError, match="records"):
        R.plot_appB_reproduction({})
    with pytest.raises(ValueError, match="records"):
        R.plot_appB_reproduction([{"seed": 0}])


def test_the_page_code_cells_run_from_the_repository_root():
    """The appendix is a MyST notebook executed by the book build; its cells must run as written."""
    text = (ROOT / "reproductions.md").read_text(encoding="utf-8")
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", text, flags=re.S)
    assert len(cells) >= 4
    code = "\n".join("\n".join(l for l in c.splitlines() if not l.startswith(":tags:")) for c in cells)
    prelude = "import matplotlib\nmatplotlib.use('Agg')\ndisplay = lambda fig: None\n"
    proc = subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_appB_figure_refuses_when_every_record_is_excluded():
    rec = {"labels": {"model": "multi"}, "seed": 0, "results": {"eps": [1e-3, 1e-2], "errors": [1e-6, 1e-4]}}
    with pytest.raises(ValueError, match="excluded"):
        R.plot_appB_reproduction([rec], {"multi": [0]})
