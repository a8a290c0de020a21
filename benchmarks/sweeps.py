"""Benchmarks of the sweep engine (gatebook.jobs, issue 15): workers against one process.

- ``sweep_workers``: a seed ensemble (``max_lyapunov_sweep``, 8 independent runs) on 2 joblib
  workers against the same sweep in this process; the arrays must be identical.
- ``sweep_overhead``: the cost per job of sending a trivial job to the workers, against calling it here.
"""

from __future__ import annotations

import numpy as np

import gatebook as gb
from gatebook.jobs import run_jobs


def _network(g, seed, N=300):
    return gb.RandomRateNetwork(N, g, seed=seed)


def _noop(k):
    return k


def bench_sweep_workers(cfg, tools):
    values, seeds = [1.5, 2.5], tuple(range(cfg["seeds"]))
    options = dict(t_transient=cfg["t_transient"], t_measure=cfg["t_measure"], progress=False)
    def serial():
        return gb.max_lyapunov_sweep(_network, values, seeds=seeds, **options)

    def workers():
        return gb.max_lyapunov_sweep(_network, values, seeds=seeds, n_jobs=2, **options)

    one, two = serial(), workers()  # warm-up: imports, caches and the worker pool are not a sweep's cost
    if not np.array_equal(one.data, two.data):
        raise AssertionError("the sweep on 2 workers differs from the sweep in one process")
    samples = [(tools.timed(serial)[0], tools.timed(workers)[0]) for _ in range(cfg.get("repeats", 3))]
    t1 = float(np.median([a for a, _ in samples]))
    t2 = float(np.median([b for _, b in samples]))
    jobs = len(values) * len(seeds)
    return [tools.result(
        "sweep_workers", value=t1 / t2, target=1.5, op=">=", unit="x faster",
        times={"1 process": t1, "2 workers": t2},
        note=(f"max_lyapunov_sweep, N=300, {jobs} runs of {options['t_transient'] + options['t_measure']:g} tau; "
              f"identical arrays; medians of {len(samples)} warm runs; the machine has 2 cores"),
    )]


def bench_sweep_overhead(cfg, tools):
    n = cfg["jobs"]
    run_jobs(_noop, [(0,), (1,)], n_jobs=2)
    t_local, _ = tools.timed(lambda: run_jobs(_noop, [(k,) for k in range(n)]))
    t_workers, out = tools.timed(lambda: run_jobs(_noop, [(k,) for k in range(n)], n_jobs=2))
    assert out == list(range(n))
    per_job = (t_workers - t_local) / n
    return [tools.result(
        "sweep_overhead", value=per_job * 1e3, target=None, unit="ms per job",
        times={"in process": t_local, "2 workers": t_workers},
        note=f"{n} trivial jobs; a job worth distributing takes well over this",
    )]
