"""Execute chapter notebooks as a reader does in JupyterLab or Colab, and check what they show.

    python scripts/run_chapters.py 01_random_networks 06_gated_network

Each chapter runs top to bottom on a fresh kernel of *this* interpreter (live mode: explorable
figures are widgets, displayed through the IPython display path). A chapter fails on an error
output or a traceback, or when it shows no widget view at all (every chapter has an explorable
figure: ``application/vnd.jupyter.widget-view+json``).
The first code cell (the install cell) is run too: with ``gatebook`` already installed at the
book's version it must install nothing. Prints each chapter's wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def run(name: str, timeout: int = 600) -> tuple[float, list[str]]:
    path = ROOT / "chapters" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    problems = []
    widgets = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {i}: {out.ename}: {out.evalue}")
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                widgets += 1
            if out.output_type == "stream" and out.name == "stderr" and "Traceback" in "".join(out.text):
                problems.append(f"cell {i}: a traceback on stderr")
    if widgets == 0:
        problems.append("no widget view in the whole chapter")
    return seconds, problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("chapters", nargs="+")
    args = parser.parse_args(argv)
    os.environ.pop("GATEBOOK_STATIC_HTML", None)  # live mode, as in JupyterLab or Colab
    failed = 0
    for name in args.chapters:
        seconds, problems = run(name)
        status = "ok" if not problems else "FAILED"
        print(f"  {name}: {status} in {seconds:.1f} s")
        for p in problems:
            print(f"      {p}")
        failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
