#!/usr/bin/env python
"""Run (or check) the 2×2 study of chapter 4: {plain, multi-gate} × {SGD, Adam}, on two tasks at T = 40.

    OMP_NUM_THREADS=1 python scripts/optimiser_study.py --write   # ~7 min of one core per task; writes the summaries
    OMP_NUM_THREADS=1 python scripts/optimiser_study.py --check   # reruns them and compares with the summaries
    python scripts/optimiser_study.py --show                      # prints the committed tables
    ... --task moving_average                                     # one task only (default: every task)

Two tasks, the same design (:data:`SETTINGS`):

- ``adding``: a long-memory task (the two marked numbers can be anywhere in the 40 steps);
- ``moving_average``: the mean of the last 8 inputs, a short memory that every arm learns.

Each arm's step size is chosen on the held-out selection seeds 100-104, and the arms are
compared on seeds 0-9. The summaries, ``data/optimiser_study/<task>.json``, hold the final
losses of every (arm, step size, seed), selection seeds included, the loss curves of each arm
at its chosen step size (median and quartiles over seeds) and the Adam probes; chapter 4 reads
their packaged copies (``gatebook.learning.committed``: run ``scripts/committed_summaries.py
--write`` after ``--write``). ``--check`` exits 1 if a rerun's final losses differ from a
summary by more than ``--rtol`` (training amplifies round-off, so a different CPU or torch
build may need a looser tolerance than the same machine).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from gatebook.learning.optimiser_study import OptimiserGrid, optimiser_grid

ROOT = Path(__file__).resolve().parent.parent
#: The tasks of the study, in the order the chapter presents them.
TASKS = ("adding", "moving_average")
#: The study's settings, shared by both tasks (everything else is optimiser_grid's default).
SETTINGS = dict(models=("plain", "multi"), optimisers=("sgd", "adam"),
                learning_rates={"sgd": (0.03, 0.1, 0.3, 1.0), "adam": (0.001, 0.003, 0.01, 0.03)},
                T=40, n=32, m=4, batch=32, steps=1000, seeds=range(10), selection_seeds=range(100, 105),
                window=50, matched_plain=True, probe_at=(250, 1000), r=10)


def summary_path(task: str) -> Path:
    """Where the summary of ``task`` is committed."""
    return ROOT / "data" / "optimiser_study" / f"{task}.json"


def run(task: str, n_jobs: int) -> OptimiserGrid:
    start, cpu = time.perf_counter(), time.process_time()
    grid = optimiser_grid(**SETTINGS, task=task, n_jobs=n_jobs, progress=True)
    grid.provenance = {"command": f"OMP_NUM_THREADS=1 python scripts/optimiser_study.py --write --task {task}",
                       "seconds": round(time.perf_counter() - start, 1),
                       "cpu_seconds": round(time.process_time() - cpu, 1) if n_jobs == 1 else None,
                       "n_jobs": n_jobs, "torch": torch.__version__, "python": platform.python_version(),
                       "machine": platform.machine()}
    return grid


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="run the study and write the summaries")
    mode.add_argument("--check", action="store_true", help="rerun and compare with the committed summaries")
    mode.add_argument("--show", action="store_true", help="print the committed summaries' tables")
    parser.add_argument("--task", choices=TASKS + ("all",), default="all", help="one task, or all (default)")
    parser.add_argument("--n-jobs", type=int, default=1, help="workers (the result does not depend on it)")
    parser.add_argument("--rtol", type=float, default=1e-3, help="tolerance of --check on final losses")
    args = parser.parse_args(argv)
    tasks = TASKS if args.task == "all" else (args.task,)
    ok = True
    for task in tasks:
        path = summary_path(task)
        print(f"## {task}\n")
        if args.show:
            print(OptimiserGrid.load(path).to_markdown() + "\n")
            continue
        grid = run(task, args.n_jobs)
        print(grid.to_markdown())
        print(f"\n{grid.provenance['seconds']} s")
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            grid.save(path)
            print(f"wrote {path.relative_to(ROOT)}\n")
            continue
        committed = OptimiserGrid.load(path)
        same = (grid.labels == committed.labels and np.allclose(grid.final, committed.final, rtol=args.rtol, atol=0)
                and np.allclose(grid.selection_final, committed.selection_final, rtol=args.rtol, atol=0))
        print(f"{task}: " + ("matches the committed summary" if same else "DIFFERS from the committed summary") + "\n")
        ok &= same
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
