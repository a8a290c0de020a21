#!/usr/bin/env python
"""Run (or check) chapter 10's fixed-point census: counts against g_h across g_topo, for several N.

    OMP_NUM_THREADS=1 python scripts/census.py --write --jobs 2   # ~6 min on 2 cores; writes data/census/alpha_r20.json
    OMP_NUM_THREADS=1 python scripts/census.py --check            # reruns a sample of (g_h, N, seed) and compares
    python scripts/census.py --show                               # prints the committed sweep

The sweep (:data:`SETTINGS`) is :func:`gatebook.census_sweep` on the sharply gated network of
chapter 10 (alpha_r = 20, beta_r = 0: g_topo = 1.628, g_chaos ~ 1.79, 1 + e^beta_r = 2), one
network per seed, the same couplings at every gain. Chapter 10 reads the packaged copy
(``gatebook.committed_summary("census")``; run ``scripts/committed_summaries.py
--write`` after ``--write``). ``--check`` recomputes ``--sample`` grid points, chosen by a
seeded draw, and fails if any count, stable count or point variance differs: the census is
deterministic given its seeds (damped Newton in float64; a different BLAS may move a root
that sits on a basin boundary, which ``--check`` reports by its grid point).
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

PATH = ROOT / "data" / "census" / "alpha_r20.json"
#: The committed sweep's settings (everything else is census_sweep's default).
SETTINGS = dict(g_values=[round(1.3 + 0.1 * k, 2) for k in range(12)], sizes=[10, 20, 40, 60], seeds=list(range(10)),
                alpha_r=20.0, beta_r=0.0, n_starts=100, transient_starts=20, nonzero_variance=0.05)


def run(n_jobs: int) -> dict:
    start = time.perf_counter()
    sweep = gb.census_sweep(**SETTINGS, n_jobs=n_jobs, progress=True)
    wall = time.perf_counter() - start
    return {"settings": SETTINGS, "sweep": sweep.to_dict(), "wall_s": round(wall, 1), "n_jobs": n_jobs,
            "thresholds": {"g_topo": gb.meanfield.fixed_point_onset(SETTINGS["alpha_r"], SETTINGS["beta_r"]),
                           "g_quiet": 1 + float(np.exp(SETTINGS["beta_r"]))},
            "versions": {"gatebook": gb.__version__, "numpy": np.__version__, "python": platform.python_version()},
            "made_by": "python scripts/census.py --write"}


def check(sample: int, seed: int = 0) -> int:
    data = json.loads(PATH.read_text())
    sweep = gb.CensusSweep.from_dict(data["sweep"])
    shape = sweep.counts.shape
    rng = np.random.default_rng(seed)
    bad = 0
    for flat in rng.choice(np.prod(shape), size=min(sample, int(np.prod(shape))), replace=False):
        i, j, k = np.unravel_index(flat, shape)
        s = {**SETTINGS, "g_values": [sweep.g_values[i]], "sizes": [int(sweep.sizes[j])], "seeds": [int(sweep.seeds[k])]}
        again = gb.census_sweep(**s)
        mine = np.all(sweep.where == (i, j, k), axis=1)
        same = (again.counts[0, 0, 0] == sweep.counts[i, j, k] and again.n_stable[0, 0, 0] == sweep.n_stable[i, j, k]
                and np.allclose(again.variances, sweep.variances[mine], rtol=1e-6, atol=1e-12))
        print(f"g_h={sweep.g_values[i]:.2f} N={sweep.sizes[j]} seed={sweep.seeds[k]}: "
              f"{again.counts[0, 0, 0]} vs {sweep.counts[i, j, k]} committed -> {'same' if same else 'DIFFERENT'}")
        bad += not same
    return int(bad > 0)


def main(argv=None) -> int:
    parser = committed_run.parser(__doc__, check=True)
    parser.add_argument("--sample", type=int, default=4, help="grid points --check recomputes")
    args = parser.parse_args(argv)
    if args.write:
        data = run(args.jobs)
        committed_run.write(PATH, data)
        print(gb.CensusSweep.from_dict(data["sweep"]), f"\n{data['wall_s']} s on {args.jobs} worker(s)")
        return 0
    if args.check:
        return check(args.sample)
    print(gb.CensusSweep.from_dict(json.loads(PATH.read_text())["sweep"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
