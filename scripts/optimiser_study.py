#!/usr/bin/env python
"""Run (or check) the 2×2 study of chapter 4: {plain, multi-gate} × {SGD, Adam} on adding, T = 40.

    OMP_NUM_THREADS=1 python scripts/optimiser_study.py --write   # ~8 min on one core; writes the summary
    OMP_NUM_THREADS=1 python scripts/optimiser_study.py --check   # reruns it and compares with the summary
    python scripts/optimiser_study.py --show                      # prints the committed tables

The summary, ``data/optimiser_study/summary.json``, holds the final losses of every
(arm, step size, seed), the loss curves of each arm at its chosen step size (median and
quartiles over seeds) and the Adam probes; chapter 4 loads it. ``--check`` exits 1 if a
rerun's final losses differ from it by more than ``--rtol`` (training amplifies round-off,
so a different CPU or torch build may need a looser tolerance than the same machine).
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
SUMMARY = ROOT / "data" / "optimiser_study" / "summary.json"
#: The study's settings (everything else is optimiser_grid's default).
SETTINGS = dict(models=("plain", "multi"), optimisers=("sgd", "adam"),
                learning_rates={"sgd": (0.03, 0.1, 0.3, 1.0), "adam": (0.001, 0.003, 0.01, 0.03)},
                task="adding", T=40, n=32, m=4, batch=32, steps=1000, seeds=range(10), window=50,
                matched_plain=True, probe_at=(250, 1000), r=10)
COMMAND = "OMP_NUM_THREADS=1 python scripts/optimiser_study.py --write"


def run(n_jobs: int) -> OptimiserGrid:
    start = time.perf_counter()
    grid = optimiser_grid(**SETTINGS, n_jobs=n_jobs, progress=True)
    grid.provenance = {"command": COMMAND, "seconds": round(time.perf_counter() - start, 1),
                       "n_jobs": n_jobs, "torch": torch.__version__, "python": platform.python_version(),
                       "machine": platform.machine()}
    return grid


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="run the study and write the summary")
    mode.add_argument("--check", action="store_true", help="rerun and compare with the committed summary")
    mode.add_argument("--show", action="store_true", help="print the committed summary's tables")
    parser.add_argument("--n-jobs", type=int, default=1, help="workers (the result does not depend on it)")
    parser.add_argument("--rtol", type=float, default=1e-3, help="tolerance of --check on final losses")
    args = parser.parse_args(argv)
    if args.show:
        print(OptimiserGrid.load(SUMMARY).to_markdown())
        return 0
    grid = run(args.n_jobs)
    print(grid.to_markdown())
    print(f"\n{grid.provenance['seconds']} s")
    if args.write:
        SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        grid.save(SUMMARY)
        print(f"wrote {SUMMARY.relative_to(ROOT)}")
        return 0
    committed = OptimiserGrid.load(SUMMARY)
    ok = np.allclose(grid.final, committed.final, rtol=args.rtol, atol=0) and grid.labels == committed.labels
    print("matches the committed summary" if ok else "DIFFERS from the committed summary")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
