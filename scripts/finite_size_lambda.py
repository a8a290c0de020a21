#!/usr/bin/env python
"""Run (or show) chapter 9's test of the gated DMFT exponent: finite-N lambda_max, its 1/N fit, and the theory.

    OMP_NUM_THREADS=1 python scripts/finite_size_lambda.py --write --jobs 2   # ~6 min on 2 cores
    python scripts/finite_size_lambda.py --show

For each output-gate gain in :data:`SETTINGS` (alpha_r = 5 and 20, g_h = 3, beta_r = 0,
alpha_z = 0), :func:`gatebook.meanfield.finite_size_lambda_max` measures lambda_max of
``GatedNetwork(N, g_h, alpha_r, seed)`` for N = 250-2000 and four seeds (QR method, RK4,
dt = 0.1, 50 time units of transient, 200 measured), and :func:`gatebook.meanfield.gated_dmft`
with :func:`gatebook.meanfield.gated_lambda_max` gives the N -> infinity prediction. The file,
``data/finite_size/gated_lambda.json``, holds every run's exponent and standard error, the
1/N fit and the theory; chapter 9 reads its packaged copy
(``gatebook.committed_summary("finite-size-lambda")``; run
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
from gatebook.meanfield.gated import gated_dmft, gated_lambda_max  # noqa: E402

PATH = ROOT / "data" / "finite_size" / "gated_lambda.json"
#: The committed run's settings.
SETTINGS = dict(g_h=3.0, alpha_rs=[5.0, 20.0], beta_r=0.0, sizes=[250, 500, 1000, 2000], seeds=[0, 1, 2, 3],
                dt=0.1, t_transient=50.0, t_measure=200.0)


def _model(alpha_r):
    def make(N, seed):
        return gb.GatedNetwork(N=N, g_h=SETTINGS["g_h"], alpha_r=alpha_r, beta_r=SETTINGS["beta_r"], seed=seed)
    return make


def run(n_jobs: int) -> dict:
    out = {"settings": SETTINGS, "rows": {}, "n_jobs": n_jobs, "made_by": "python scripts/finite_size_lambda.py --write",
           "versions": {"gatebook": gb.__version__, "numpy": np.__version__, "python": platform.python_version()}}
    for a in SETTINGS["alpha_rs"]:
        start = time.perf_counter()
        fs = gb.meanfield.finite_size_lambda_max(_model(a), SETTINGS["sizes"], SETTINGS["seeds"], dt=SETTINGS["dt"],
                                                 t_transient=SETTINGS["t_transient"], t_measure=SETTINGS["t_measure"],
                                                 progress=True, n_jobs=n_jobs)
        wall = time.perf_counter() - start
        dmft = gated_dmft(SETTINGS["g_h"], alpha_r=a, beta_r=SETTINGS["beta_r"])
        fit = fs.fit()
        out["rows"][f"{a:g}"] = {
            "alpha_r": a, "sizes": fs.sizes.tolist(), "seeds": list(fs.seeds), "values": fs.values.tolist(),
            "stderr": fs.stderr.tolist(), "settings": fs.settings, "wall_s": round(wall, 1),
            "fit": {"lambda_inf": fit.lambda_inf, "lambda_inf_stderr": fit.lambda_inf_stderr, "c": fit.c,
                    "c_stderr": fit.c_stderr, "n_points": fit.n_points},
            "dmft": {"lambda_max": gated_lambda_max(dmft), "variance": dmft.variance},
        }
        print(f"alpha_r={a:g}: lambda(N) means {np.round(fs.mean, 4).tolist()}; fit {fit.lambda_inf:.4f} "
              f"+- {fit.lambda_inf_stderr:.4f}; DMFT {out['rows'][f'{a:g}']['dmft']['lambda_max']:.4f}; {wall:.0f} s",
              flush=True)
    return out


def main(argv=None) -> int:
    args = committed_run.parser(__doc__).parse_args(argv)
    if args.write:
        committed_run.write(PATH, run(args.jobs))
        return 0
    print(json.dumps({k: {"fit": v["fit"], "dmft": v["dmft"]} for k, v in json.loads(PATH.read_text())["rows"].items()},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
