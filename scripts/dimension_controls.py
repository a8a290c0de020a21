#!/usr/bin/env python
"""Run (or show) chapter 8's controls for dimension against the output gate: matched soft-gate networks, beta_r, alpha_z.

    OMP_NUM_THREADS=1 python scripts/dimension_controls.py --write   # ~15 min on one core
    python scripts/dimension_controls.py --show

Three tables (:class:`gatebook.dimension_controls.DimensionTable`), N = 200 units, seeds 0-5,
measured by :func:`gatebook.r_gate.measure_r_gate` (RK4 dt = 0.1, 40 tau_h transient, h sampled
every tau_h over 200 tau_h for D_PR, Lyapunov window 30 tau_h with enough exponents for D_KY):

* ``controls``: ``GatedNetwork(N, 3, alpha_r)`` for alpha_r = 0, 2, 5, 20 against soft-gate
  networks (alpha_r = 0) whose gain matches each one's DMFT variance Delta_h(0) or DMFT
  lambda_max (:func:`gatebook.dimension_controls.dimension_controls`);
* ``beta_r``: the sharp gate (g_h = 3, alpha_r = 20) at beta_r = -2, -1, 0, 1, 2;
* ``alpha_z``: the same network at alpha_z = 0, 2, 5, 20
  (:func:`gatebook.dimension_controls.dimension_sweep`).

The file, ``data/dimension/controls.json``, holds every run's numbers; chapter 8 reads its
packaged copy (``gatebook.committed_summary("dimension-controls")``; run
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
from gatebook.dimension_controls import (  # noqa: E402
    TABLE_QUANTITIES,
    DimensionTable,
    dimension_controls,
    dimension_sweep,
)

PATH = ROOT / "data" / "dimension" / "controls.json"
#: The committed run's settings.
SETTINGS = dict(N=200, seeds=[0, 1, 2, 3, 4, 5], g_h=3.0, alpha_rs=[0.0, 2.0, 5.0, 20.0], alpha_r=20.0,
                beta_rs=[-2.0, -1.0, 0.0, 1.0, 2.0], alpha_zs=[0.0, 2.0, 5.0, 20.0],
                options=dict(t_transient=40.0, t_measure=200.0, sample_every=1.0, lyapunov_t_measure=30.0, dt=0.1))


def run() -> dict:
    s = SETTINGS
    common = dict(N=s["N"], g_h=s["g_h"], progress=True, **s["options"])
    out = {"settings": s, "made_by": "python scripts/dimension_controls.py --write", "wall_s": {},
           "versions": {"gatebook": gb.__version__, "numpy": np.__version__, "python": platform.python_version()}}
    jobs = {
        "controls": lambda: dimension_controls(s["alpha_rs"], s["seeds"], **common),
        "beta_r": lambda: dimension_sweep("beta_r", s["beta_rs"], s["seeds"], alpha_r=s["alpha_r"], **common),
        "alpha_z": lambda: dimension_sweep("alpha_z", s["alpha_zs"], s["seeds"], alpha_r=s["alpha_r"], **common),
    }
    for name, job in jobs.items():
        start = time.perf_counter()
        table = job()
        out[name] = table.to_dict()
        out["wall_s"][name] = round(time.perf_counter() - start, 1)
        for arm in table.arms:
            print(name, arm, {q: np.round(table.sweep(arm, q).mean, 3).tolist() for q in TABLE_QUANTITIES},
                  flush=True)
    return out


def main(argv=None) -> int:
    args = committed_run.parser(__doc__).parse_args(argv)
    if args.write:
        committed_run.write(PATH, run())
        return 0
    data = json.loads(PATH.read_text())
    for name in ("controls", "beta_r", "alpha_z"):
        table = DimensionTable.from_dict(data[name])
        for arm in table.arms:
            print(name, arm, {q: np.round(table.sweep(arm, q).mean, 3).tolist() for q in TABLE_QUANTITIES})
    return 0


if __name__ == "__main__":
    sys.exit(main())
