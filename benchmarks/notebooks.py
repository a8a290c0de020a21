"""Benchmarks that run notebooks: chapter 1's execution, a widget callback, the book build.

Absolute times by nature (what a reader or the CI waits for). Kernels and the book build run
with the caller's environment from before ``run.py`` pinned the BLAS threads, which the
runner hands over with :func:`set_original_environment`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import gatebook
from timing import result, skipped, timed  # noqa: F401

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
CHAPTER1 = os.path.join(REPO, "chapters", "01_random_networks.ipynb")
#: the caller's environment before the runner pinned the threads (set by run.py)
ORIGINAL_ENV = dict(os.environ)


def set_original_environment(env: dict) -> None:
    """Use ``env`` (the caller's, unpinned) for notebook kernels and the book build."""
    ORIGINAL_ENV.clear()
    ORIGINAL_ENV.update(env)


# ------------------------------------------------------------ 4. chapter 1 execution


def kernel_env(static: bool):
    """The kernel's environment: the caller's (threads not pinned), gatebook importable."""
    env = dict(ORIGINAL_ENV)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("GATEBOOK_STATIC_HTML", None)
    if static:
        env["GATEBOOK_STATIC_HTML"] = "1"
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def execute_notebook(nb, cwd, env, timeout):
    """Execute ``nb`` on a fresh kernel with nbclient; wall time including kernel start."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": cwd}})
    start = time.perf_counter()
    client.execute(env=env, cwd=cwd)
    return time.perf_counter() - start


def slowest_cells(nb, n=5):
    """The ``n`` slowest code cells of an executed notebook (from nbclient's timing metadata)."""
    from datetime import datetime

    out = []
    for i, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        begin, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if cell.cell_type == "code" and begin and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.fromisoformat(begin.replace("Z", "+00:00"))).total_seconds()
            first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
            out.append({"cell": i, "seconds": seconds, "first_line": first[:70]})
    return sorted(out, key=lambda c: -c["seconds"])[:n]


def bench_chapter1(cfg):
    import nbformat

    cwd = os.path.dirname(CHAPTER1)
    trivial = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import gatebook")])
    trivial.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    have_chapter = os.path.exists(CHAPTER1)
    rows = []
    if not have_chapter or cfg["quick"]:
        # Still exercise the nbclient path once, so the machinery is smoke-tested.
        t_triv = execute_notebook(nbformat.from_dict(trivial), cwd if os.path.isdir(cwd) else REPO,
                                  kernel_env(True), timeout=120)
        reason = ("chapters/01_random_networks.ipynb not found (not written yet)" if not have_chapter
                  else "chapter not executed in --quick mode")
        row = skipped("chapter1", f"{reason}; trivial notebook (kernel start + import gatebook) took {t_triv:.2f} s")
        row["times_s"] = {"trivial notebook": t_triv}
        return [row]

    samples = {"trivial": [], "static": [], "live": []}
    errors, cells = {}, {}
    for i in range(cfg["repeats"]):
        order = ["trivial", "static", "live"] if i % 2 == 0 else ["live", "static", "trivial"]
        for which in order:
            if which == "trivial":
                nb, env = nbformat.from_dict(trivial), kernel_env(True)
            else:
                nb, env = nbformat.read(CHAPTER1, as_version=4), kernel_env(which == "static")
            try:
                samples[which].append(execute_notebook(nb, cwd, env, timeout=600))
                if which != "trivial":
                    cells.setdefault(which, []).append(slowest_cells(nb))
            except Exception as err:  # a failing cell: report it, don't abort the table
                errors[which] = f"{type(err).__name__}: {str(err)[-600:]}"
    med = {k: statistics.median(v) for k, v in samples.items() if v}
    for mode, label in (("static", "GATEBOOK_STATIC_HTML=1, as the book build"), ("live", "live widgets, as a reader")):
        name = f"chapter1[{mode}]"
        if mode not in med:
            row = skipped(name, f"chapter failed to execute: {errors.get(mode)}")
            row["status"] = "FAIL"
            row["passed"] = False
            rows.append(row)
            continue
        ratio = med[mode] / med["trivial"] if "trivial" in med else None
        rows.append(result(
            name, value=med[mode], target=60.0, unit="s",
            times={"chapter": med[mode], "trivial notebook": med.get("trivial")},
            details={"samples_s": samples[mode], "trivial_samples_s": samples["trivial"],
                     "ratio_to_trivial": ratio, "errors": errors, "slowest_cells": cells.get(mode)},
            note=(f"{label}; {ratio:.1f}x a trivial notebook" if ratio else label)
            + ("; slowest cells (last run): " + ", ".join(
                f"#{c['cell']} {c['seconds']:.1f} s" for c in cells[mode][-1][:3]) if cells.get(mode) else ""),
        ))
    return rows


# --------------------------------------------------------------- 5. widget callback


def _chapter_explorable_call():
    """Find ``explorable(<plot_fn>, g=[...], seed=[...], ...)`` in chapter 1's code cells.

    Returns (plot_fn_name, fixed_kwargs, grid, options) or None. Grid values are
    evaluated with numpy available as ``np``; nothing else of the chapter is run.
    """
    import ast

    import nbformat

    if not os.path.exists(CHAPTER1):
        return None
    nb = nbformat.read(CHAPTER1, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return None
    ns = {"np": np, "numpy": np}

    def value(node):
        return eval(compile(ast.Expression(node), "<chapter>", "eval"), ns)  # noqa: S307 - our own chapter

    def dotted(node):
        return ast.unparse(node)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and dotted(node.func).split(".")[-1] == "explorable" and node.args:
            fn = node.args[0]
            fixed = {}
            if isinstance(fn, ast.Call) and dotted(fn.func).split(".")[-1] == "partial" and fn.args:
                fixed = {kw.arg: value(kw.value) for kw in fn.keywords if kw.arg}
                fn = fn.args[0]
            options, grid = {}, {}
            for kw in node.keywords:
                if kw.arg in ("labels", "defaults", "dpi", "mode"):
                    options[kw.arg] = value(kw.value)
                elif kw.arg:
                    grid[kw.arg] = list(value(kw.value))
            return dotted(fn), fixed, grid, options
    return None


def bench_widget(cfg):
    import importlib
    import itertools

    try:
        explore = importlib.import_module("gatebook.explore")
    except ImportError as err:
        return [skipped("widget", f"gatebook.explore not importable yet ({err})")]
    try:
        plots = importlib.import_module("gatebook.plots")
    except ImportError as err:
        return [skipped("widget", f"gatebook.plots not written yet ({err}); needs plots.network_explorer")]
    plot_fn = getattr(plots, "network_explorer", None)
    if plot_fn is None:
        return [skipped("widget", "gatebook.plots.network_explorer not defined yet")]
    make = getattr(gatebook, "explorable", None) or explore.explorable

    found = None
    try:
        found = _chapter_explorable_call()
    except Exception as err:  # a grid we cannot evaluate: fall back, say so
        found = None
        print(f"  (could not read chapter 1's explorable call: {err}; using a default grid)")
    fixed, options, source = {}, {}, "default grid (chapter 1 or its explorable call not found)"
    grid = {"g": [0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0], "seed": [0, 1, 2]}
    if found is not None:
        fn_name, fixed, grid, options = found
        source = f"chapter 1: {fn_name}, grid {grid}, fixed {fixed}, options {options}"
    options = {k: v for k, v in options.items() if k in ("labels", "defaults", "dpi")}
    fn = (lambda **p: plot_fn(**fixed, **p)) if fixed else plot_fn

    # One live explorable, as in the chapter; its construction renders the default frame.
    t_build, ex = timed(lambda: make(fn, mode="live", **options, **grid))
    widget_note = ""
    try:
        ex.widget()  # so each update also sets the slider values and the Image widget
    except Exception as err:
        widget_note = f"; no ipywidgets outside a kernel ({type(err).__name__}): timed update() alone"
    shown = tuple(ex.values[n] for n in ex.names)
    combos = [c for c in itertools.product(*(ex.grid[n] for n in ex.names)) if c != shown]
    # Spread the samples over the grid (not just the first rows of it).
    pick = np.unique(np.linspace(0, len(combos) - 1, min(cfg["widget_samples"], len(combos))).round().astype(int))
    samples = []
    for i in pick:
        params = dict(zip(ex.names, combos[i]))
        t, png = timed(lambda: ex.update(**params))  # every combination is new: uncached
        assert isinstance(png, bytes) and png[:8] == b"\x89PNG\r\n\x1a\n"
        samples.append(t)
    if not samples:
        return [skipped("widget", "the grid has a single combination: nothing to update")]
    p50 = float(np.percentile(samples, 50))
    p90 = float(np.percentile(samples, 90))
    return [result(
        "widget_p50", value=p50, target=0.150, unit="s",
        times={"p50": p50, "p90": p90, "construction + first render": t_build},
        details={"samples_s": samples, "p90_s": p90, "n": len(samples), "source": source},
        note=f"{len(samples)} uncached Explorable.update() calls, p90 {1e3 * p90:.0f} ms{widget_note}",
    )]


# ----------------------------------------------------------------- 6. book build


def bench_book(cfg):
    jb = shutil.which("jupyter-book", path=os.path.dirname(sys.executable) + os.pathsep + ORIGINAL_ENV.get("PATH", ""))
    if jb is None:
        return [skipped("book", "jupyter-book not found next to this Python")]
    tmp = tempfile.mkdtemp(prefix="gatebook-book-")
    try:
        clone = os.path.join(tmp, "gatebook")
        subprocess.run(["git", "clone", "--quiet", REPO, clone], check=True)
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True).stdout.strip()
        env = dict(ORIGINAL_ENV)
        env["PYTHONPATH"] = clone  # the clone's gatebook, not the working tree's
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        start = time.perf_counter()
        proc = subprocess.run([jb, "build", ".", "-W", "-n", "--keep-going", "--all"], cwd=clone, env=env,
                              capture_output=True, text=True, timeout=cfg["book_timeout"])
        elapsed = time.perf_counter() - start
    except subprocess.TimeoutExpired:
        return [result("book", value=None, target=300.0, unit="s",
                       note=f"timed out after {cfg['book_timeout']} s")]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
    row = result("book", value=elapsed, target=300.0, unit="s", times={"build": elapsed},
                 details={"returncode": proc.returncode, "commit": head, "output_tail": tail},
                 note=f"fresh clone of {head}; exit status {proc.returncode}")
    if proc.returncode != 0:
        row["status"], row["passed"] = "FAIL", False
        row["note"] += " (build failed: see details.output_tail)"
    return [row]
