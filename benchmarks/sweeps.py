"""Benchmarks of the sweep engine (gatebook.jobs, issue 15): workers against one process.

- ``sweep_workers``: a seed ensemble (``max_lyapunov_sweep``, 8 independent runs) on 2 joblib
  workers against the same sweep in this process; the arrays must be identical.
- ``sweep_overhead``: the cost per job of sending a trivial job to the workers, against calling it here.
- ``phase_diagram_workers``: a small phase diagram (rows of the DMFT continuation, in-memory cache off)
  on 2 workers against the same diagram in this process; the diagrams must be identical.
- ``ensemble_workers``: a seed ensemble of ``finite_size_lambda_max`` (8 seeds) on 2 workers against
  one process; ``ensemble_workers[train_ensemble]``: ``train_ensemble`` of 8 seeds in 2 stacks of 4
  (``group_size=4``), the stacks on 2 workers against both here; identical results each.
"""

from __future__ import annotations

import numpy as np

import gatebook as gb
from gatebook.jobs import run_jobs


def _network(g, seed, N=300):
    return gb.RandomRateNetwork(N, g, seed=seed)


def _noop(k):
    return k


def _workers_row(name, run, same, cfg, tools, note):
    """Time ``run(1)`` against ``run(2)`` (one process, 2 workers), medians of warm runs; check ``same``."""
    one, two = run(1), run(2)  # warm-up: imports, caches and the worker pool are not a sweep's cost
    if not same(one, two):
        raise AssertionError(f"{name}: the result on 2 workers differs from the result in one process")
    samples = [(tools.timed(lambda: run(1))[0], tools.timed(lambda: run(2))[0]) for _ in range(cfg.get("repeats", 3))]
    t1 = float(np.median([a for a, _ in samples]))
    t2 = float(np.median([b for _, b in samples]))
    return tools.result(name, value=t1 / t2, target=1.5, op=">=", unit="x faster",
                        times={"1 process": t1, "2 workers": t2},
                        note=f"{note}; identical results; medians of {len(samples)} warm runs; the machine has 2 cores")


def _same_fields(*fields):
    def same(a, b):  # exactly equal, NaN where NaN
        try:
            for f in fields:
                np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
        except AssertionError:
            return False
        return True
    return same


def bench_phase_diagram_workers(cfg, tools):
    from gatebook.meanfield import phases

    g_h, alpha_r = np.linspace(1.5, 3.5, cfg["n_g"]), np.geomspace(2.0, 20.0, cfg["rows"])

    def run(n_jobs):
        return phases.phase_diagram(g_h, alpha_r=alpha_r, n_lags=cfg["n"], s_max=40.0, progress=False,
                                    cache=False, n_jobs=n_jobs)

    return [_workers_row(
        "phase_diagram_workers", run, _same_fields("variance", "lambda_max", "region"), cfg, tools,
        f"phase_diagram, {cfg['rows']} rows alpha_r x {cfg['n_g']} g_h, {cfg['n']} lags, lambda_max, "
        "uncached (cache=False, no cache_dir)")]


def bench_ensemble_workers(cfg, tools):
    import torch

    from gatebook.learning import MultiGateRNN, train_ensemble
    from gatebook.learning.common import torch_threads
    from gatebook.meanfield.simulation import finite_size_lambda_max

    seeds = list(range(cfg["seeds"]))

    def lyapunov(n_jobs):
        return finite_size_lambda_max(_sized_network, [cfg["N"]], seeds, t_transient=cfg["t_transient"],
                                      t_measure=cfg["t_measure"], n_jobs=n_jobs)

    def cell(seed):
        return MultiGateRNN(4, cfg["n"], seed=seed)

    def training(n_jobs):
        with torch_threads(1):  # one thread here, as in each worker
            return train_ensemble(cell, seeds, steps=cfg["steps"], batch=32, task_kwargs={"T": cfg["T"]},
                                  progress=False, group_size=len(seeds) // 2, n_jobs=n_jobs)

    def same_training(a, b):
        return all(np.array_equal(x.loss, y.loss) for x, y in zip(a.histories, b.histories)) and all(
            torch.equal(p, q) for x, y in zip(a.cells, b.cells) for p, q in zip(x.parameters(), y.parameters()))

    return [
        _workers_row("ensemble_workers", lyapunov, _same_fields("values", "stderr"), cfg, tools,
                     f"finite_size_lambda_max, RandomRateNetwork N={cfg['N']}, {len(seeds)} seeds of "
                     f"{cfg['t_transient'] + cfg['t_measure']:g} tau"),
        _workers_row("ensemble_workers[train_ensemble]", training, same_training, cfg, tools,
                     f"train_ensemble, MultiGateRNN(4, {cfg['n']}) float32, {len(seeds)} seeds as 2 stacks of "
                     f"{len(seeds) // 2} (group_size), {cfg['steps']} SGD steps, adding T={cfg['T']}, 1 torch thread"),
    ]


def _sized_network(N, seed):
    return gb.RandomRateNetwork(N, 3.0, seed=seed)


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
