#!/usr/bin/env python
"""Run (or show) chapter 11's observation of marginal stability: fixed points of networks as alpha_z grows.

    OMP_NUM_THREADS=1 python scripts/marginal_fixed_points.py --write --jobs 2   # ~7 min on 2 cores
    python scripts/marginal_fixed_points.py --show

:func:`gatebook.marginal_fixed_points` at N = 400 and N = 1000 (:data:`RUNS`): one fixed point per
network followed through g_h = 3-7 (alpha_r = 0, beta_r = beta_z = 0: the window of the theory is
2 < g_h < g_h* = 6.55), each point and its mirror measured at alpha_z = 0, 50 and 1000. Chapter 11
reads the packaged copy (``gatebook.committed_summary("marginal")``; run
``scripts/committed_summaries.py --write`` after ``--write``).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import committed_run  # noqa: E402  scripts/committed_run.py (the scripts' folder is on sys.path when run)
import gatebook as gb  # noqa: E402

PATH = ROOT / "data" / "marginal" / "fixed_points.json"
G_VALUES = [3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0]
#: N -> seeds
RUNS = {400: list(range(8)), 1000: list(range(4))}


def main(argv=None) -> int:
    args = committed_run.parser(__doc__).parse_args(argv)
    if args.show:
        for key, res in json.loads(PATH.read_text())["results"].items():
            print(gb.MarginalFixedPoints.from_dict(res))
        return 0
    data = {"g_values": G_VALUES, "runs": {str(n): s for n, s in RUNS.items()}, "results": {}, "wall_s": {},
            "window": list(gb.meanfield.marginal_window(0.0)), "made_by": "python scripts/marginal_fixed_points.py --write",
            "versions": {"gatebook": gb.__version__, "numpy": np.__version__, "python": platform.python_version()}}
    for N, seeds in RUNS.items():
        start = time.perf_counter()
        res = gb.marginal_fixed_points(G_VALUES, N, seeds, n_jobs=args.jobs, progress=True)
        data["wall_s"][str(N)] = round(time.perf_counter() - start, 1)
        data["results"][str(N)] = res.to_dict()
        print(res, f"\n{data['wall_s'][str(N)]} s", flush=True)
    committed_run.write(PATH, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
