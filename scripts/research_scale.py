#!/usr/bin/env python
"""Write (or check) the measured tables of the *Research scale* page from the committed benchmarks.

    python scripts/research_scale.py --write   # after re-running the benchmarks (command below)
    python scripts/research_scale.py --check   # exit 1 if the page's tables differ (run by the tests)

The numbers come from ``benchmarks/summaries/issue15.json``, made by::

    python benchmarks/run.py torch_sim torch_maxlyap torch_ensemble torch_scaling sweep_workers \\
        phase_diagram_workers ensemble_workers sweep_overhead --json benchmarks/summaries/issue15.json

Each table sits in ``research_scale.md`` between ``<!-- measured:NAME -->`` and
``<!-- /measured:NAME -->``; the prose around them is written by hand and quotes no number
that is not in a table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import measured_blocks  # scripts/measured_blocks.py (the scripts' folder is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "research_scale.md"
SUMMARY = ROOT / "benchmarks" / "summaries" / "issue15.json"
#: A research run of the page's tables: 400 tau at dt = 0.1 with RK4 (4000 steps).
RUN_STEPS = 4000
#: ``torch_sim`` times 100 RK4 steps (t_max = 10, dt = 0.1; benchmarks/torch_backend.py).
SIM_STEPS = 100
#: Share of the machine's memory a run may take (the rest: the system, the notebook, the plots).
MEMORY_SHARE = 0.8


def _rows():
    data = json.loads(SUMMARY.read_text(encoding="utf-8"))
    return {row["name"]: row for row in data["results"]}, data["meta"]


def _speed_table(rows):
    lines = ["| measurement | numpy float64 | torch CPU float64 | torch CPU float32 |", "|---|---|---|---|"]
    labels = {"torch_sim": "`simulate`, one trajectory", "torch_maxlyap": "`max_lyapunov`"}
    for name, row in rows.items():
        kind = name.split("[")[0]
        if kind not in labels or "cuda" in name:
            continue
        N = name.split("N=")[1].rstrip("]")
        t = row["times_s"]
        ratio = row["details"]["speed-up over numpy"]
        lines.append(f"| {labels[kind]}, $N={N}$ | {t['numpy float64']:.2f} s | {t['torch-cpu float64']:.2f} s "
                     f"({ratio['torch-cpu float64']:.2f}×) | {t['torch-cpu float32']:.2f} s "
                     f"({ratio['torch-cpu float32']:.2f}×) |")
    ens = rows["torch_ensemble"]
    t, ratio, diff = ens["times_s"], ens["details"]["speed-up over numpy"], ens["details"]["max |lambda - lambda_numpy|"]
    lines.append(f"| `max_lyapunov` of 8 seeds, $N=500$ | {t['numpy float64']:.2f} s | {t['torch-cpu float64']:.2f} s "
                 f"({ratio['torch-cpu float64']:.2f}×) | {t['torch-cpu float32']:.2f} s "
                 f"({ratio['torch-cpu float32']:.2f}×) |")
    lines.append("")
    lines.append(f"Largest difference of $\\lambda_{{\\max}}$ from the numpy route over the 8 seeds: "
                 f"{diff['torch-cpu float64']:.1e} (float64), {diff['torch-cpu float32']:.1e} (float32).")
    return "\n".join(lines)


def _scaling(rows):
    return rows["torch_scaling[cpu]"]["details"]


def _scaling_table(rows):
    d = _scaling(rows)
    lines = ["| $N$ | time per RK4 step | float32 couplings on torch | process peak memory |", "|---|---|---|---|"]
    for N, t, stack, rss in zip(d["sizes"], d["seconds_per_rk4_step"], d["stack_bytes"], d["peak_rss_bytes"]):
        lines.append(f"| {N} | {1e3 * t:.1f} ms | {stack / 2**30:.2f} GiB | {rss / 2**30:.1f} GiB |")
    lines.append("")
    lines.append(f"Fitted exponents over the larger half of the sizes: time per step $\\propto N^{{{rows['torch_scaling[cpu]']['value']:.2f}}}$, "
                 f"memory of the couplings $\\propto N^{{{d['memory_exponent']:.2f}}}$.")
    return "\n".join(lines)


def reach(rows) -> dict:
    """``{route: (N in a minute, N in an hour, N that fits in memory)}`` for a 400 tau run of the gated network."""
    d = _scaling(rows)
    largest = d["sizes"][-1]
    bytes_per_n2 = d["peak_rss_bytes"][-1] / largest**2
    n_memory = int((MEMORY_SHARE * d["machine_memory_bytes"] / bytes_per_n2) ** 0.5)
    costs = {"torch CPU, float32": d["seconds_per_rk4_step"][-1] / largest**2}
    sim = {int(name.split("N=")[1].rstrip("]")): row for name, row in rows.items()
           if name.startswith("torch_sim[") and "cuda" not in name}
    n_sim = max(sim)
    costs["numpy, float64"] = sim[n_sim]["times_s"]["numpy float64"] / SIM_STEPS / n_sim**2
    out = {}
    for route, c in sorted(costs.items()):
        out[route] = tuple(int((seconds / (RUN_STEPS * c)) ** 0.5) for seconds in (60.0, 3600.0)) + (n_memory,)
    return out


def _reach_table(rows):
    lines = ["| route | $N$ in a minute | $N$ in an hour | largest $N$ in memory |", "|---|---|---|---|"]
    for route, (minute, hour, memory) in reach(rows).items():
        cap = f"{min(hour, memory)} (memory-bound)" if memory < hour else str(hour)
        lines.append(f"| {route} | {minute} | {cap} | {memory} |")
    return "\n".join(lines)


def _sweep_table(rows):
    lines = ["| sweep | one process | two workers | speed-up |", "|---|---|---|---|"]
    for name, label in (("sweep_workers", "`max_lyapunov_sweep`, 2 gains × 4 seeds"),
                        ("phase_diagram_workers", "`meanfield.phase_diagram`, 4 × 6 grid, no cache"),
                        ("ensemble_workers", "`finite_size_lambda_max`, 8 seeds"),
                        ("ensemble_workers[train_ensemble]", "`train_ensemble`, 8 seeds in 2 stacks")):
        if name not in rows:
            continue
        row = rows[name]
        t1, t2 = list(row["times_s"].values())[:2]
        lines.append(f"| {label} | {t1:.2f} s | {t2:.2f} s | {row['value']:.2f}× |")
    over = rows.get("sweep_overhead")
    if over is not None:
        lines.append("")
        lines.append(f"Cost of sending one job to a worker: {over['value']:.2f} ms.")
    return "\n".join(lines)


def main(argv=None) -> int:
    rows, _ = _rows()
    tables = {name: (lambda make=make: make(rows)) for name, make in TABLES.items()}
    return measured_blocks.main(PAGE, tables, description=__doc__.splitlines()[0],
                                source=str(SUMMARY.relative_to(ROOT)),
                                command="python scripts/research_scale.py --write", argv=argv)


TABLES = {"speed": _speed_table, "scaling": _scaling_table, "reach": _reach_table, "sweeps": _sweep_table}


if __name__ == "__main__":
    sys.exit(main())
