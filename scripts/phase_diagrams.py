#!/usr/bin/env python
"""Run (or show) chapter 11's full-resolution phase diagrams: 40 x 40 grids with lambda_max, committed.

    OMP_NUM_THREADS=1 python scripts/phase_diagrams.py --write --jobs 2            # ~2 min on 2 cores
    OMP_NUM_THREADS=1 python scripts/phase_diagrams.py --write --jobs 2 --timing   # and again on 1 worker
    OMP_NUM_THREADS=1 python scripts/phase_diagrams.py --check                      # recompute sample rows
    python scripts/phase_diagrams.py --show

Two diagrams of :func:`gatebook.meanfield.phase_diagram` (alpha_z = 0) with the DMFT exponent at
every point (:data:`DIAGRAMS`): (g_h, alpha_r) at beta_r = 0, and (g_h, beta_r) at alpha_r = 20.
The rows run on the package's job engine (``n_jobs`` workers; the result does not depend on
them). ``data/phase_diagrams/diagrams.json`` holds each diagram (``PhaseDiagram.to_dict``) and
the wall time of its run; chapter 11 reads the packaged copy
(``gatebook.committed_summary("phase-diagrams")``; run
``scripts/committed_summaries.py --write`` after ``--write``). ``--check`` recomputes
``--sample`` rows of each diagram, drawn by a seeded generator, and compares regions exactly and
the variance and exponent to 1e-6.
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
from gatebook import meanfield as mf  # noqa: E402

PATH = ROOT / "data" / "phase_diagrams" / "diagrams.json"
#: The solver settings of every diagram (chapter 11's, with the exponent).
SETTINGS = dict(n_lags=256, tol=1e-4, lambda_max=True)
#: name -> (g_h grid, the row parameter and its values, the fixed parameter)
DIAGRAMS = {
    "alpha_r": (np.linspace(1.2, 4.0, 40).round(6).tolist(),
                {"alpha_r": [0.0] + np.geomspace(1.0, 100.0, 39).round(6).tolist()}, {"beta_r": 0.0}),
    "beta_r": (np.linspace(1.5, 10.0, 40).round(6).tolist(),
               {"beta_r": np.linspace(-1.0, 3.0, 40).round(6).tolist()}, {"alpha_r": 20.0}),
}


def compute(name: str, n_jobs: int, rows=None) -> mf.PhaseDiagram:
    g_h, row, fixed = DIAGRAMS[name]
    (key, values), = row.items()
    if rows is not None:
        values = [values[i] for i in rows]
    return mf.phase_diagram(g_h, **{key: values}, **fixed, **SETTINGS, cache=False, n_jobs=n_jobs, progress=True)


def run(n_jobs: int, timing: bool) -> dict:
    out = {"settings": SETTINGS, "diagrams": {}, "wall_s": {}, "made_by": "python scripts/phase_diagrams.py --write",
           "versions": {"gatebook": gb.__version__, "numpy": np.__version__, "python": platform.python_version()}}
    for name in DIAGRAMS:
        start = time.perf_counter()
        diagram = compute(name, n_jobs)
        out["wall_s"][f"{name}, {n_jobs} worker(s)"] = round(time.perf_counter() - start, 1)
        out["diagrams"][name] = diagram.to_dict()
        print(diagram, out["wall_s"], flush=True)
    if timing and n_jobs != 1:
        start = time.perf_counter()
        again = compute("alpha_r", 1)
        out["wall_s"]["alpha_r, 1 worker(s)"] = round(time.perf_counter() - start, 1)
        assert np.array_equal(again.region, mf.PhaseDiagram.from_dict(out["diagrams"]["alpha_r"]).region)
        print(out["wall_s"], flush=True)
    return out


def check(sample: int) -> int:
    data = json.loads(PATH.read_text())
    rng = np.random.default_rng(0)
    bad = 0
    for name in DIAGRAMS:
        stored = mf.PhaseDiagram.from_dict(data["diagrams"][name])
        rows = sorted(rng.choice(stored.values.size, size=min(sample, stored.values.size), replace=False).tolist())
        again = compute(name, 1, rows)
        same = (np.array_equal(again.region, stored.region[rows])
                and np.allclose(again.variance, stored.variance[rows], rtol=1e-6, atol=1e-9)
                and np.allclose(again.lambda_max, stored.lambda_max[rows], rtol=1e-6, atol=1e-9, equal_nan=True))
        print(f"{name}: rows {rows} -> {'same' if same else 'DIFFERENT'}")
        bad += not same
    return int(bad > 0)


def main(argv=None) -> int:
    parser = committed_run.parser(__doc__, check=True)
    parser.add_argument("--timing", action="store_true", help="with --write: time the first diagram on 1 worker too")
    parser.add_argument("--sample", type=int, default=2, help="rows --check recomputes per diagram")
    args = parser.parse_args(argv)
    if args.write:
        committed_run.write(PATH, run(args.jobs, args.timing))
        return 0
    if args.check:
        return check(args.sample)
    data = json.loads(PATH.read_text())
    for name, d in data["diagrams"].items():
        print(mf.PhaseDiagram.from_dict(d))
    print(data["wall_s"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
