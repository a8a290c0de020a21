#!/usr/bin/env python
"""Run (or show) the test of the sampled two-replica exponent: lambda_max with a dynamic timescale gate (chapters 9, 11).

    OMP_NUM_THREADS=1 python scripts/sampled_lambda.py --write --jobs 2
    python scripts/sampled_lambda.py --show
    python scripts/sampled_lambda.py --check     # recomputes one cross-check point

Three parts, all at beta_z = beta_r = 0 (``SETTINGS``):

``crosscheck``
    alpha_z = 0, g_h = 3, alpha_r = 0, 5, 20: :func:`gatebook.meanfield.sampled_lambda_max` on
    :func:`~gatebook.meanfield.sampled_dmft` against the deterministic two-field operator
    (:func:`~gatebook.meanfield.gated_lambda_max` on :func:`~gatebook.meanfield.gated_dmft`).
``finite``
    alpha_z != 0 (three settings): the sampled exponent against finite networks,
    ``GatedNetwork(N, g_h, alpha_z, alpha_r, seed)`` for N = 250-2000 and four seeds (QR method,
    :func:`~gatebook.meanfield.finite_size_lambda_max`, as ``scripts/finite_size_lambda.py``),
    with the 1/N fit.
``grid``
    lambda_max over (g_h, alpha_z) at alpha_r = 20 from the sampled theory (the alpha_z axis of
    chapter 11's diagrams; 500 paths x 2 replicas per point).

The file ``data/sampled_lambda/sampled_lambda.json`` is packaged as
``gatebook.committed_summary("sampled-lambda")`` (``scripts/committed_summaries.py --write``).
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

import committed_run  # noqa: E402
import gatebook as gb  # noqa: E402
from gatebook.jobs import run_jobs  # noqa: E402
from gatebook.meanfield import gated_dmft, gated_lambda_max, sampled_dmft, sampled_lambda_max  # noqa: E402

PATH = ROOT / "data" / "sampled_lambda" / "sampled_lambda.json"
#: The committed run's settings.
SETTINGS = dict(
    crosscheck=dict(g_h=3.0, alpha_rs=[0.0, 5.0, 20.0], paths=1000, replicas=4),
    finite=dict(points=[dict(g_h=3.0, alpha_r=20.0, alpha_z=20.0), dict(g_h=3.0, alpha_r=20.0, alpha_z=100.0),
                        dict(g_h=4.0, alpha_r=0.0, alpha_z=20.0)],
                sizes=[250, 500, 1000, 2000], seeds=[0, 1, 2, 3], dt=0.1, t_transient=50.0, t_measure=200.0,
                paths=1000, replicas=4),
    grid=dict(alpha_r=20.0, g_h=[2.0, 2.5, 3.0, 3.5, 4.0, 5.0], alpha_z=[0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0],
              paths=500, replicas=2),
    dmft_seed=1, lambda_seed=2,
)


JOBS = PATH.parent / "jobs"


def sampled_point(g_h, alpha_r, alpha_z, paths, replicas, index, cache=True):
    """Sampling DMFT and its exponent at one point (seeds fixed by the point's index), kept as one
    JSON per point under ``data/sampled_lambda/jobs/`` so that an interrupted run resumes."""
    key = JOBS / f"g{g_h:g}_ar{alpha_r:g}_az{alpha_z:g}_p{paths}_r{replicas}_i{index}.json"
    if cache and key.exists():
        return json.loads(key.read_text())
    out = _sampled_point(g_h, alpha_r, alpha_z, paths, replicas, index)
    if cache:
        committed_run.write(key, out)
    return out


def _sampled_point(g_h, alpha_r, alpha_z, paths, replicas, index):
    start = time.perf_counter()
    try:
        dmft = sampled_dmft(g_h, alpha_r=alpha_r, alpha_z=alpha_z, seed=SETTINGS["dmft_seed"] + 1000 * index)
    except (gb.meanfield.DMFTConvergenceError, ValueError) as err:  # recorded, not hidden
        return {"branch": "failed", "error": f"{type(err).__name__}: {err}"[:300], "variance": None,
                "lambda_max": None, "stderr": None, "samples": [], "wall_s": round(time.perf_counter() - start, 1)}
    if dmft.branch == "quiescent":
        return {"branch": "quiescent", "variance": 0.0, "lambda_max": None, "stderr": None, "samples": [],
                "wall_s": round(time.perf_counter() - start, 1)}
    try:
        lam = sampled_lambda_max(dmft, paths=paths, replicas=replicas, seed=SETTINGS["lambda_seed"] + 1000 * index)
    except (gb.meanfield.DMFTConvergenceError, ValueError) as err:  # recorded, not hidden
        return {"branch": dmft.branch, "variance": dmft.variance, "error": f"{type(err).__name__}: {err}"[:300],
                "lambda_max": None, "stderr": None, "samples": [], "wall_s": round(time.perf_counter() - start, 1)}
    return {"branch": dmft.branch, "variance": dmft.variance, "variance_stderr": dmft.params["variance_stderr"],
            "mean_sigma_z": dmft.params["mean_sigma_z"], "lambda_max": lam.value, "stderr": lam.stderr,
            "samples": list(lam.samples), "wall_s": round(time.perf_counter() - start, 1)}


def _crosscheck(n_jobs):
    c = SETTINGS["crosscheck"]
    jobs = [(c["g_h"], a, 0.0, c["paths"], c["replicas"], i) for i, a in enumerate(c["alpha_rs"])]
    sampled = run_jobs(sampled_point, jobs, n_jobs=n_jobs, progress=True, desc="cross-check")
    rows = []
    for a, s in zip(c["alpha_rs"], sampled):
        exact = gated_dmft(c["g_h"], alpha_r=a)
        rows.append({"alpha_r": a, "sampled": s, "deterministic": {"lambda_max": gated_lambda_max(exact),
                                                                    "variance": exact.variance}})
        print(f"cross-check alpha_r={a:g}: sampled {s['lambda_max']:.4f} +- {s['stderr']:.4f}, "
              f"deterministic {rows[-1]['deterministic']['lambda_max']:.4f}", flush=True)
    return rows


def _finite(n_jobs):
    f = SETTINGS["finite"]
    rows = []
    for i, pt in enumerate(f["points"]):
        theory = sampled_point(pt["g_h"], pt["alpha_r"], pt["alpha_z"], f["paths"], f["replicas"], 10 + i)

        def make(N, seed, pt=pt):
            return gb.GatedNetwork(N=N, g_h=pt["g_h"], alpha_r=pt["alpha_r"], alpha_z=pt["alpha_z"], seed=seed)

        start = time.perf_counter()
        fs = gb.meanfield.finite_size_lambda_max(make, f["sizes"], f["seeds"], dt=f["dt"], t_transient=f["t_transient"],
                                                 t_measure=f["t_measure"], progress=True, n_jobs=n_jobs)
        fit = fs.fit()
        rows.append({**pt, "sampled": theory, "sizes": fs.sizes.tolist(), "values": fs.values.tolist(),
                     "stderr": fs.stderr.tolist(), "wall_s": round(time.perf_counter() - start, 1),
                     "fit": {"lambda_inf": fit.lambda_inf, "lambda_inf_stderr": fit.lambda_inf_stderr, "c": fit.c,
                             "c_stderr": fit.c_stderr, "n_points": fit.n_points}})
        print(f"finite {pt}: lambda(N) means {np.round(fs.mean, 4).tolist()}, fit {fit.lambda_inf:.4f} +- "
              f"{fit.lambda_inf_stderr:.4f}; sampled {theory['lambda_max']:.4f} +- {theory['stderr']:.4f}", flush=True)
    return rows


def _grid(n_jobs):
    g = SETTINGS["grid"]
    jobs = [(gh, g["alpha_r"], az, g["paths"], g["replicas"], 100 + i * len(g["alpha_z"]) + j)
            for i, gh in enumerate(g["g_h"]) for j, az in enumerate(g["alpha_z"])]
    points = run_jobs(sampled_point, jobs, n_jobs=n_jobs, progress=True, desc="(g_h, alpha_z) grid")
    lam = np.array([[np.nan if p["lambda_max"] is None else p["lambda_max"] for p in points[i * len(g["alpha_z"]):
                                                                                           (i + 1) * len(g["alpha_z"])]]
                    for i in range(len(g["g_h"]))])
    se = np.array([[np.nan if p["stderr"] is None else p["stderr"] for p in points[i * len(g["alpha_z"]):
                                                                                  (i + 1) * len(g["alpha_z"])]]
                   for i in range(len(g["g_h"]))])
    var = np.array([[np.nan if p["variance"] is None else p["variance"] for p in points[i * len(g["alpha_z"]):(i + 1) * len(g["alpha_z"])]]
                    for i in range(len(g["g_h"]))])
    print("grid lambda_max (rows g_h, columns alpha_z):\n", np.round(lam, 3), flush=True)
    return {"g_h": g["g_h"], "alpha_z": g["alpha_z"], "alpha_r": g["alpha_r"], "lambda_max": lam.tolist(),
            "stderr": se.tolist(), "variance": var.tolist(),
            "branches": [[p["branch"] for p in points[i * len(g["alpha_z"]):(i + 1) * len(g["alpha_z"])]]
                         for i in range(len(g["g_h"]))],
            "wall_s": [p["wall_s"] for p in points]}


def run(n_jobs: int) -> dict:
    start = time.perf_counter()
    out = {"settings": SETTINGS, "n_jobs": n_jobs, "made_by": "python scripts/sampled_lambda.py --write",
           "versions": {"gatebook": gb.__version__, "numpy": np.__version__, "python": platform.python_version()}}
    out["crosscheck"] = _crosscheck(n_jobs)
    out["grid"] = _grid(n_jobs)
    out["finite"] = _finite(n_jobs)
    out["wall_s"] = round(time.perf_counter() - start, 1)
    return out


def check() -> int:
    """Recompute the alpha_r = 20 cross-check point; it must equal the committed one to round-off."""
    data = json.loads(PATH.read_text())
    c = SETTINGS["crosscheck"]
    i = c["alpha_rs"].index(20.0)
    again = sampled_point(c["g_h"], 20.0, 0.0, c["paths"], c["replicas"], i, cache=False)
    kept = data["crosscheck"][i]["sampled"]
    ok = np.isclose(again["lambda_max"], kept["lambda_max"], rtol=1e-9, atol=1e-12)
    print(f"alpha_r=20 cross-check: recomputed {again['lambda_max']:.6f}, committed {kept['lambda_max']:.6f}: "
          f"{'same' if ok else 'DIFFERENT'}")
    return 0 if ok else 1


def main(argv=None) -> int:
    args = committed_run.parser(__doc__, check=True).parse_args(argv)
    if args.write:
        committed_run.write(PATH, run(args.jobs))
        return 0
    if args.check:
        return check()
    data = json.loads(PATH.read_text())
    print(json.dumps({"crosscheck": data["crosscheck"], "finite": [{k: r[k] for k in ("g_h", "alpha_r", "alpha_z", "fit")}
                                                                   for r in data["finite"]]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
