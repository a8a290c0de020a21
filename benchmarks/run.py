#!/usr/bin/env python
"""Gatebook performance benchmarks: one command, one table.

    python benchmarks/run.py [NAME ...] [--quick] [--only NAME ...] [--json PATH] [--book]

Every in-process figure is a *ratio* against a baseline timed in the same process,
interleaved with it (baseline and candidate alternate, in alternating order) and
repeated; the figure reported is the median of the per-pair ratios, next to the median
absolute times for context. The machine these run on is shared and noisy, so absolute
times are only context -- except for the two user-experience goals (chapter execution
time, widget latency, book build time), which are absolute by nature and reported as such.

BLAS threads are pinned (``--threads``, default 1) through the environment *before*
numpy is imported, so both sides of every in-process ratio run with the same thread
settings. Notebook kernels and the book build run with the caller's original
environment (what a reader or the CI would have), identically for both sides of their
ratio. See benchmarks/README.md for what each benchmark measures.
"""

from __future__ import annotations

import argparse
import os
import sys

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
DEFAULT_JSON = os.path.join(BENCH_DIR, "results", "latest.json")
NAMES = ("sim_matvec", "maxlyap_sim", "spectrum_dense", "chapter1", "widget",
         "gated_sim_matvec", "gated_batch_gemm", "gated_maxlyap_sim", "gated_spectrum_dense", "gated_dense_eig", "census_cost",
         "phase_dmft_vs_sim", "phase_diagram_grid", "sweep_workers", "sweep_overhead",
         "phase_diagram_workers", "ensemble_workers",
         "torch_sim", "torch_maxlyap", "torch_ensemble", "torch_scaling",
         "lag_probe", "per_example_grads", "train_step", "s1_probe_ref", "s1_run_ref", "s1_train_floor",
         "s2_preset", "s2_real", "book")
# Run only when named (positionally, with --only, or --book for the book build).
ON_REQUEST = ("s1_run_ref", "s2_preset", "s2_real", "book")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Gatebook benchmarks (ratios against in-process baselines).",
        epilog="Benchmarks: " + ", ".join(NAMES) + ". 'book' runs only with --book or when named; "
               "'s2_preset' and 's2_real' (minutes) only when named, e.g. 'python benchmarks/run.py s2_preset'.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="run only these benchmarks (same as --only)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke check in < 60 s")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=NAMES, help="run only these benchmarks")
    parser.add_argument("--json", metavar="PATH", default=DEFAULT_JSON, help=f"where to write results (default {DEFAULT_JSON})")
    parser.add_argument("--book", action="store_true", help="also time a full book build from a fresh clone (minutes)")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per measurement (default 3; min 3)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for in-process benchmarks (default 1)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if any benchmark misses its target")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(NAMES)}")
    if args.names:
        args.only = list(dict.fromkeys([*(args.only or []), *args.names]))
    if args.repeats is None:
        args.repeats = 3
    if args.repeats < 3:
        parser.error("--repeats must be at least 3 (medians of >= 3 repeats)")
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    return args


ARGS = parse_args() if __name__ == "__main__" else None

# The caller's environment, before pinning: given to notebook kernels and the book build.
ORIGINAL_ENV = dict(os.environ)
_threads = str(ARGS.threads if ARGS is not None else 1)
for _var in THREAD_VARS:
    os.environ[_var] = _threads
os.environ.setdefault("MPLBACKEND", "Agg")
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import numpy as np  # noqa: E402

import gatebook  # noqa: E402
from gatebook._linalg import orthonormalise, rows_times_transpose  # noqa: E402
from gatebook.simulate import number_of_steps  # noqa: E402

if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)

# The timing helpers live one layer down, in benchmarks/timing.py (also used by the
# benchmark modules, which therefore never import this runner); re-exported here.
from timing import median_time, paired, paired_statistics, result, skipped, timed  # noqa: E402,F401

# the notebook benchmarks (chapter 1, widget, book build) live in benchmarks/notebooks.py
import notebooks  # noqa: E402
from notebooks import bench_book, bench_chapter1, bench_widget  # noqa: E402

notebooks.set_original_environment(ORIGINAL_ENV)

# ------------------------------------------------------ 1. simulation vs bare mat-vecs


def bench_sim_matvec(cfg):
    """simulate(..., method="euler") against the bare mat-vecs it needs."""
    N, t_max, dt, every = cfg["N"], cfg["t_max"], 0.1, 100
    n_steps = number_of_steps(t_max, dt)
    net = gatebook.RandomRateNetwork(N=N, g=1.5, seed=0)
    x0 = net.initial_state(seed=1)
    rows = []
    for dtype in (np.float64, np.float32):
        W = net._W(dtype)  # the model's own weight matrix in this dtype
        v = np.random.default_rng(2).standard_normal(N).astype(dtype)

        def bare(W=W, v=v):
            for _ in range(n_steps):
                y = W @ v  # noqa: F841 - the work being timed
            return None

        def sim(dtype=dtype):
            return gatebook.simulate(net, t_max=t_max, dt=dt, x0=x0, method="euler",
                                     record_every=every, dtype=dtype)

        # Warm up both paths (BLAS kernels, page faults, the dtype's weight cache).
        for _ in range(min(200, n_steps)):
            W @ v
        gatebook.simulate(net, t_max=20 * dt, dt=dt, x0=x0, method="euler", dtype=dtype)
        m = paired(sim, bare, cfg["repeats"])
        name = f"sim_matvec[{np.dtype(dtype).name}]"
        rows.append(result(
            name, value=m["ratio"], target=1.3, unit="x",
            times={"simulate": m["candidate_s"], "bare matvecs": m["baseline_s"]},
            details={**m, "N": N, "n_steps": n_steps, "dtype": np.dtype(dtype).name,
                     "per_step_overhead_us": 1e6 * (m["candidate_s"] - m["baseline_s"]) / n_steps},
            note=f"N={N}, {n_steps} Euler steps vs {n_steps} bare W@v",
        ))
    return rows


# --------------------------------------------------------- 2. max_lyapunov vs simulate


def maxlyap_vs_simulate(name, net, x0, *, dt, t_transient, t_measure, repeats):
    """Time ``max_lyapunov`` (RK4) against ``simulate`` (RK4) of ``net`` for the same number of steps."""
    n_lyap = int(round(t_transient / dt)) + number_of_steps(t_measure, dt)  # k=1: reorth_every=1
    t_sim = n_lyap * dt
    n_sim = number_of_steps(t_sim, dt)
    assert n_sim == n_lyap, (n_sim, n_lyap)

    def lyap():
        return gatebook.max_lyapunov(net, dt=dt, t_transient=t_transient, t_measure=t_measure, method="rk4",
                                     x0=x0, seed=3)

    def sim():
        return gatebook.simulate(net, t_max=t_sim, dt=dt, x0=x0, method="rk4")

    gatebook.max_lyapunov(net, dt=dt, t_transient=2.0, t_measure=2.0, method="rk4", x0=x0, seed=3)
    gatebook.simulate(net, t_max=4.0, dt=dt, x0=x0, method="rk4")
    m = paired(lyap, sim, repeats)
    dim = f" (dim {net.dim})" if net.dim != net.N else ""
    return result(
        name, value=m["ratio"], target=2.0, unit="x",
        times={"max_lyapunov": m["candidate_s"], "simulate": m["baseline_s"]},
        details={**m, "N": net.N, "n_steps": n_lyap, "t_transient": t_transient, "t_measure": t_measure},
        note=f"N={net.N}{dim}, rk4 dt={dt}, {n_lyap} steps each",
    )


def bench_maxlyap_sim(cfg):
    net = gatebook.RandomRateNetwork(N=cfg["N"], g=2.0, seed=0)
    return [maxlyap_vs_simulate("maxlyap_sim", net, net.initial_state(seed=1), dt=0.1,
                                t_transient=cfg["t_transient"], t_measure=cfg["t_measure"], repeats=cfg["repeats"])]


# ------------------------------------------------ 3. lyapunov_spectrum vs dense Jacobian


def _qr_positive(Q):
    """The library's QR with a positive diagonal of R: (orthonormal Q, log|diag R|)."""
    return orthonormalise(Q)


def _dense_times(J, Q):
    """``J @ Q`` for the dense baseline: plain numpy (it measured faster here than the
    torch path for a freshly built N x N matrix, so the baseline gets the better one)."""
    return J @ Q


def dense_jacobian_spectrum(net, k, *, dt, t_transient, t_measure, reorth_every, method, x0, seed):
    """The library's QR (Benettin) algorithm, step for step, with dense Jacobians.

    Same state map, same transient split (first half state only, second half with
    tangent vectors, re-orthonormalised every ``reorth_every`` steps, then once more),
    same initial tangent vectors (drawn from ``seed`` exactly as the library does when
    ``x0`` is given), same measurement window. The only difference: every Euler/RK4
    stage builds ``net.jacobian(x)`` (dim x dim) and multiplies it with the tangent vectors.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x0, dtype=np.float64, copy=True)
    Q, _ = _qr_positive(rng.standard_normal((net.dim, k)))
    F = net.vector_field
    Jac = net.jacobian
    h = dt / 2.0

    if method == "rk4":
        def state_step(x):
            k1 = F(x)
            k2 = F(x + h * k1)
            k3 = F(x + h * k2)
            k4 = F(x + dt * k3)
            return x + (dt / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)

        def tangent_step(x, Q):
            k1, K1 = F(x), _dense_times(Jac(x), Q)
            x2, Q2 = x + h * k1, Q + h * K1
            k2, K2 = F(x2), _dense_times(Jac(x2), Q2)
            x3, Q3 = x + h * k2, Q + h * K2
            k3, K3 = F(x3), _dense_times(Jac(x3), Q3)
            x4, Q4 = x + dt * k3, Q + dt * K3
            k4, K4 = F(x4), _dense_times(Jac(x4), Q4)
            s = dt / 6.0
            return x + s * (k1 + 2.0 * (k2 + k3) + k4), Q + s * (K1 + 2.0 * (K2 + K3) + K4)
    else:
        def state_step(x):
            return x + dt * F(x)

        def tangent_step(x, Q):
            return x + dt * F(x), Q + dt * _dense_times(Jac(x), Q)

    m = reorth_every
    n_transient = int(round(t_transient / dt))
    n_intervals = number_of_steps(t_measure, dt) // m
    n_state_only = n_transient // 2
    for _ in range(n_state_only):
        x = state_step(x)
    for n in range(n_transient - n_state_only):
        x, Q = tangent_step(x, Q)
        if (n + 1) % m == 0:
            Q, _ = _qr_positive(Q)
    Q, _ = _qr_positive(Q)
    log_r = np.empty((n_intervals, k))
    trace_sum = 0.0
    for j in range(n_intervals):
        for _ in range(m):
            trace_sum += net.jacobian_trace(x)
            x, Q = tangent_step(x, Q)
        Q, log_r[j] = _qr_positive(Q)
    return log_r.sum(axis=0) / (n_intervals * m * dt), trace_sum / (n_intervals * m)


def bench_spectrum_dense(cfg):
    N, k, dt, m = cfg["N"], cfg["k"], 0.1, 10
    t_tr, t_me = cfg["t_transient"], cfg["t_measure"]
    net = gatebook.RandomRateNetwork(N=N, g=2.0, seed=0)
    x0 = net.initial_state(seed=1)
    opts = dict(dt=dt, t_transient=t_tr, t_measure=t_me, reorth_every=m, method="rk4", x0=x0, seed=7)

    def lib():
        return gatebook.lyapunov_spectrum(net, k, **opts)

    def dense():
        return dense_jacobian_spectrum(net, k, **opts)

    # Warm up (and compare the results: the two must compute the same exponents).
    lib_res = lib()
    dense_exp, dense_trace = dense()
    max_diff = float(np.max(np.abs(lib_res.exponents - dense_exp)))
    trace_diff = abs(lib_res.mean_trace - dense_trace)
    t = paired(lib, dense, cfg["repeats"])
    speedup = 1.0 / t["ratio"]

    # Where the time goes: the kernels of one Runge-Kutta stage, timed in isolation.
    rng = np.random.default_rng(5)
    Q, _ = _qr_positive(rng.standard_normal((N, k)))
    x = lib_res.final_state
    W = net._W(np.float64)
    stacked = np.empty((N, k + 1))
    Jx = net.jacobian(x)
    reps = cfg["kernel_reps"]

    def loop(fn):
        def run():
            for _ in range(reps):
                fn()
        return run

    kernels = {
        "lib_stage: vector_field_and_jvp(x, Q)": loop(lambda: net.vector_field_and_jvp(x, Q)),
        "lib GEMM W @ [N x (k+1)]": loop(lambda: rows_times_transpose(stacked.T, W)),
        "dense build net.jacobian(x)": loop(lambda: net.jacobian(x)),
        "dense GEMM J @ Q [N x k]": loop(lambda: _dense_times(Jx, Q)),
        "vector_field(x) (gemv)": loop(lambda: net.vector_field(x)),
        "QR of N x k (per reorth)": loop(lambda: _qr_positive(Q)),
    }
    for fn in kernels.values():
        fn()
    breakdown_ms = {}
    for _ in range(cfg["repeats"]):  # interleaved rounds
        for name, fn in kernels.items():
            breakdown_ms.setdefault(name, []).append(1e3 * timed(fn)[0] / reps)
    breakdown_ms = {name: statistics.median(v) for name, v in breakdown_ms.items()}
    stages = 4
    per_step_lib = stages * breakdown_ms["lib_stage: vector_field_and_jvp(x, Q)"] + breakdown_ms["QR of N x k (per reorth)"] / m
    per_step_dense = stages * (breakdown_ms["dense build net.jacobian(x)"] + breakdown_ms["dense GEMM J @ Q [N x k]"]
                               + breakdown_ms["vector_field(x) (gemv)"]) + breakdown_ms["QR of N x k (per reorth)"] / m
    n_tangent_steps = int(round(t_tr / dt)) - int(round(t_tr / dt)) // 2 + (number_of_steps(t_me, dt) // m) * m
    return [result(
        "spectrum_dense", value=speedup, target=2.0, op=">=", unit="x faster",
        times={"lyapunov_spectrum": t["candidate_s"], "dense baseline": t["baseline_s"]},
        details={**t, "speedup": speedup, "max_abs_diff_exponents": max_diff, "mean_trace_diff": trace_diff,
                 "lambda_max": float(lib_res.exponents[0]), "N": N, "k": k, "reorth_every": m,
                 "t_transient": t_tr, "t_measure": t_me, "tangent_steps": n_tangent_steps,
                 "kernel_ms": breakdown_ms, "model_ms_per_step": {"library": per_step_lib, "dense": per_step_dense}},
        note=f"N={N}, k={k}, rk4; max|dλ|={max_diff:.1e}",
    )]


# ----------------------------------------------------------------------- driver


def configs(quick: bool, repeats: int):
    if quick:
        return {
            "sim_matvec": {"N": 300, "t_max": 100.0},
            "maxlyap_sim": {"N": 300, "t_transient": 4.0, "t_measure": 16.0},
            "spectrum_dense": {"N": 300, "k": 30, "t_transient": 1.0, "t_measure": 3.0, "kernel_reps": 20},
            "chapter1": {},
            "widget": {"widget_samples": 4},
            "gated_sim_matvec": {"N": 300, "t_max": 50.0, "chunk": 100},
            "gated_batch_gemm": {"batch": 32, "N": 200, "t_max": 3.0, "chunk": 10},
            "gated_maxlyap_sim": {"N": 200, "t_transient": 2.0, "t_measure": 8.0, "min_repeats": 3},
            "gated_spectrum_dense": {"N": 100, "k": 20, "t_transient": 1.0, "t_measure": 2.0, "kernel_reps": 10},
            "gated_dense_eig": {"N": 100, "rk4_steps": 20, "jacobian_reps": 5},
            "census_cost": {"N": 20, "g_h": 1.9, "n_starts": 20, "transient_starts": 5, "solve_reps": 20},
            **_meanfield_configs("quick"),
            **_torch_configs("quick"),
            "sweep_workers": {"seeds": 2, "t_transient": 2.0, "t_measure": 8.0},
            "sweep_overhead": {"jobs": 50},
            "phase_diagram_workers": {"rows": 2, "n_g": 3, "n": 128},
            "ensemble_workers": {"seeds": 4, "N": 100, "t_transient": 2.0, "t_measure": 8.0, "n": 16, "T": 20,
                                 "steps": 10},
            "lag_probe": {"batch": 2, "T": 16, "n": 16, "m": 4, "pairs_per_lag": None},
            "s1_probe_ref": {"batch": 2, "T": 16, "n": 16, "m": 4},
            "s1_train_floor": {"train_batch": 8, "T": 16, "n": 16, "m": 4, "floor_steps": 3},
            "s1_run_ref": {"batch": 2, "T": 16, "n": 16, "m": 4, "steps": 20, "train_batch": 8,
                           "checkpoints": [0, 10, 20]},
            "per_example_grads": {"M": 16, "T": 10, "n": 16, "m": 4},
            "train_step": {"batch": 16, "T": 16, "n": 32, "m": 4, "steps_per_sample": 2, "min_repeats": 3},
            # Only when named with --quick: the small laptop_s2 preset, the same code paths.
            "s2_preset": {"preset": "laptop_s2", "train_steps": 6, "ensemble_steps": 3, "rounds": 1,
                          "workers": 2, "target_s": 3600.0},
            "s2_real": {"preset": "laptop_s2", "arm": "plain", "task": "narma10", "ensemble_steps": 3, "rounds": 1,
                        "max_full_s": 60.0, "fallback_steps": 20},
            "book": {"book_timeout": 1800},
        }
    return {
        "sim_matvec": {"N": 1000, "t_max": 1000.0},
        "maxlyap_sim": {"N": 1000, "t_transient": 20.0, "t_measure": 80.0},
        "spectrum_dense": {"N": 1000, "k": 100, "t_transient": 2.0, "t_measure": 6.0, "kernel_reps": 40},
        "chapter1": {},
        "widget": {"widget_samples": 20},
        "gated_sim_matvec": {"N": 1000, "t_max": 1000.0, "chunk": 500},
        "gated_batch_gemm": {"batch": 128, "N": 1000, "t_max": 20.0, "chunk": 20},
        "gated_maxlyap_sim": {"N": 1000, "t_transient": 5.0, "t_measure": 20.0, "min_repeats": 5},
        "gated_spectrum_dense": {"N": 1000, "k": 100, "t_transient": 1.0, "t_measure": 2.0, "kernel_reps": 5},
        "gated_dense_eig": {"N": 500, "rk4_steps": 50, "jacobian_reps": 5},
        "census_cost": {"N": 60, "g_h": 2.0, "n_starts": 100, "transient_starts": 20, "solve_reps": 50},
        **_meanfield_configs("full"),
        **_torch_configs("full"),
        "sweep_workers": {"seeds": 4, "t_transient": 20.0, "t_measure": 80.0},
        "sweep_overhead": {"jobs": 200},
        "phase_diagram_workers": {"rows": 4, "n_g": 6, "n": 256},
        "ensemble_workers": {"seeds": 8, "N": 300, "t_transient": 20.0, "t_measure": 80.0, "n": 32, "T": 40,
                             "steps": 100},
        # The per-pair loop is timed on 8 starts per lag (all starts at lags > T-8), each
        # lag's time scaled to all its T-h+1 starts; the library always does every pair.
        "lag_probe": {"batch": 12, "T": 80, "n": 64, "m": 4, "pairs_per_lag": 8},
        # Issue 16 §2: the s1 probe and run of the paper (multi-gate, adding, T=80, n=64, probe 12).
        "s1_probe_ref": {"batch": 12, "T": 80, "n": 64, "m": 4},
        "s1_train_floor": {"train_batch": 64, "T": 80, "n": 64, "m": 4, "floor_steps": 10},
        "s1_run_ref": {"batch": 12, "T": 80, "n": 64, "m": 4, "steps": 600, "train_batch": 64,
                       "checkpoints": [0, 50, 200, 400, 600]},
        "per_example_grads": {"M": 256, "T": 40, "n": 64, "m": 4},
        "train_step": {"batch": 64, "T": 80, "n": 64, "m": 4, "steps_per_sample": 5, "min_repeats": 9},
        # Per arm, 2 interleaved rounds of: per task 15 train() steps and 4 train_ensemble() steps
        # (after a first, untimed step), and one checkpoint analysis.
        "s2_preset": {"preset": "s2", "train_steps": 16, "ensemble_steps": 5, "rounds": 2,
                      "workers": 2, "target_s": 3600.0},
        # One (arm, task) job for real; 200 steps (scaled) if the full job would take > 10 min.
        "s2_real": {"preset": "s2", "arm": "plain", "task": "narma10", "ensemble_steps": 5, "rounds": 2,
                    "max_full_s": 600.0, "fallback_steps": 200},
        "book": {"book_timeout": 1800},
    }


def _reference(name):
    """An issue-16 row from benchmarks/reference_algorithm.py (the reference code's algorithm as baseline)."""
    def run(cfg):
        import types

        import reference_algorithm  # benchmarks/reference_algorithm.py

        tools = types.SimpleNamespace(timed=timed, result=result, skipped=skipped)
        return getattr(reference_algorithm, f"bench_{name}")({**cfg, "repeats": cfg.get("repeats", 3)}, tools)
    return run


def _part2(name):
    """A Part II benchmark from benchmarks/learning.py (imported on first use: it needs torch)."""
    def run(cfg):
        import types

        import learning  # benchmarks/learning.py

        tools = types.SimpleNamespace(timed=timed, result=result, skipped=skipped)
        return getattr(learning, f"bench_{name}")(cfg, tools)
    return run


def _part3(name):
    """A Part III benchmark from benchmarks/gated.py (the gated network, issue 4)."""
    def run(cfg):
        import types

        import gated  # benchmarks/gated.py

        tools = types.SimpleNamespace(timed=timed, paired=paired, result=result,
                                      dense_jacobian_spectrum=dense_jacobian_spectrum,
                                      maxlyap_vs_simulate=maxlyap_vs_simulate)
        return getattr(gated, f"bench_{name}")(cfg, tools)
    return run


def _meanfield_configs(mode):
    """Sizes of the mean-field benchmarks, kept next to them in benchmarks/phase_diagram.py."""
    import phase_diagram  # benchmarks/phase_diagram.py

    return phase_diagram.CONFIGS[mode]


def _torch_configs(mode):
    """Sizes of the torch-route benchmarks, kept next to them in benchmarks/torch_backend.py."""
    import torch_backend  # benchmarks/torch_backend.py

    return torch_backend.CONFIGS[mode]


def _torch_route(name):
    """A torch-route benchmark from benchmarks/torch_backend.py (issue 15)."""
    def run(cfg):
        import types

        import torch

        import torch_backend  # benchmarks/torch_backend.py

        torch.set_num_threads(cfg.get("threads", 1))  # the same threads as numpy's BLAS
        tools = types.SimpleNamespace(timed=timed, result=result, skipped=skipped)
        return getattr(torch_backend, f"bench_{name}")(cfg, tools)
    return run


def _sweeps(name):
    """A sweep-engine benchmark from benchmarks/sweeps.py (issue 15)."""
    def run(cfg):
        import types

        import sweeps  # benchmarks/sweeps.py

        tools = types.SimpleNamespace(timed=timed, result=result)
        return getattr(sweeps, f"bench_{name}")(cfg, tools)
    return run


def _part3b(name):
    """A mean-field benchmark from benchmarks/phase_diagram.py (issue 5)."""
    def run(cfg):
        import types

        import phase_diagram  # benchmarks/phase_diagram.py

        tools = types.SimpleNamespace(timed=timed, paired=paired, result=result)
        return getattr(phase_diagram, f"bench_{name}")(cfg, tools)
    return run


RUNNERS = {
    "sim_matvec": bench_sim_matvec,
    "maxlyap_sim": bench_maxlyap_sim,
    "spectrum_dense": bench_spectrum_dense,
    "chapter1": bench_chapter1,
    "widget": bench_widget,
    **{name: _part3(name) for name in ("gated_sim_matvec", "gated_batch_gemm", "gated_maxlyap_sim",
                                       "gated_spectrum_dense", "gated_dense_eig", "census_cost")},
    **{name: _part3b(name) for name in ("phase_dmft_vs_sim", "phase_diagram_grid")},
    "sweep_workers": _sweeps("sweep_workers"),
    "sweep_overhead": _sweeps("sweep_overhead"),
    "phase_diagram_workers": _sweeps("phase_diagram_workers"),
    "ensemble_workers": _sweeps("ensemble_workers"),
    **{name: _torch_route(name) for name in ("torch_sim", "torch_maxlyap", "torch_ensemble", "torch_scaling")},
    "lag_probe": _part2("lag_probe"),
    "per_example_grads": _part2("per_example_grads"),
    "train_step": _part2("train_step"),
    "s1_probe_ref": _reference("s1_probe_ref"),
    "s1_run_ref": _reference("s1_run_ref"),
    "s1_train_floor": _reference("s1_train_floor"),
    "s2_preset": _part2("s2_preset"),
    "s2_real": _part2("s2_real"),
    "book": bench_book,
}


def fmt_seconds(v):
    if v < 1:
        return f"{1e3 * v:.0f} ms"
    if v < 3600:
        return f"{v:.1f} s"
    return f"{v / 3600:.1f} h"


def fmt_value(row):
    v = row["value"]
    if v is None:
        return "-"
    if row["unit"] == "s":
        return fmt_seconds(v)
    return f"{v:.2f}{row['unit'] if row['unit'] == 'x' else ' ' + row['unit']}"


def fmt_target(row):
    t = row["target"]
    if t is None:
        return "-"
    if row["unit"] == "s":
        if t < 1:
            return f"{row['op']} {1e3 * t:.0f} ms"
        return f"{row['op']} {t:.0f} s" if t < 3600 else f"{row['op']} {t / 3600:g} h"
    if row["unit"].startswith("%"):
        return f"{row['op']} {t:g} %"
    return f"{row['op']} {t:g}x"


def fmt_times(row):
    parts = []
    for k, v in row["times_s"].items():
        if v is None:
            continue
        parts.append(f"{k} {1e3 * v:.0f} ms" if v < 1 else (f"{k} {v:.2f} s" if v < 3600 else f"{k} {v / 3600:.2f} h"))
    return ", ".join(parts)


def print_table(rows):
    headers = ("benchmark", "measured", "target", "", "absolute times (medians)")
    table = [(r["name"], fmt_value(r), fmt_target(r), r["status"], fmt_times(r)) for r in rows]
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(headers[:4])]
    line = "  ".join(h.ljust(w) for h, w in zip(headers[:4], widths)) + "  " + headers[4]
    print(line)
    print("-" * len(line))
    for t, r in zip(table, rows):
        print("  ".join(c.ljust(w) for c, w in zip(t[:4], widths)) + "  " + t[4])
        if r["note"]:
            print(" " * (widths[0] + 2) + "↳ " + r["note"])


def metadata(args):
    def git(*cmd):
        try:
            return subprocess.run(["git", *cmd], cwd=REPO, capture_output=True, text=True, timeout=20).stdout.strip()
        except Exception:
            return ""

    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": args.quick,
        "repeats": args.repeats,
        "blas_threads_in_process": args.threads,
        "thread_env": {v: os.environ.get(v) for v in THREAD_VARS},
        "kernel_thread_env": {v: ORIGINAL_ENV.get(v) for v in THREAD_VARS},
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain")),
    }


def main(args):
    names = list(args.only) if args.only else [n for n in NAMES if n not in ON_REQUEST or (n == "book" and args.book)]
    meta = metadata(args)
    print(f"Gatebook benchmarks ({'quick' if args.quick else 'full'}; {args.repeats} repeats; "
          f"BLAS threads pinned to {args.threads} in-process; load {meta['loadavg_start']})")
    cfgs = configs(args.quick, args.repeats)
    rows = []
    total_start = time.perf_counter()
    for name in names:
        cfg = {**cfgs[name], "repeats": args.repeats, "quick": args.quick, "threads": args.threads}
        print(f"- {name} ...", flush=True)
        start = time.perf_counter()
        try:
            new = RUNNERS[name](cfg)
        except Exception as err:
            traceback.print_exc()
            new = [skipped(name, f"error: {type(err).__name__}: {err}")]
            new[0]["status"] = "ERROR"
        for r in new:
            r["benchmark_wall_s"] = time.perf_counter() - start
            if args.quick and r["status"] in ("PASS", "FAIL"):
                # Shrunk sizes: the targets are for the full sizes, so this is only indicative.
                r["indicative"] = True
                r["status"] = f"({r['status']})"
            print(f"    {r['name']}: {fmt_value(r)} (target {fmt_target(r)}) {r['status']}", flush=True)
        rows.extend(new)
    meta["total_wall_s"] = time.perf_counter() - total_start
    meta["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print()
    print_table(rows)
    if args.quick:
        print("\n(PASS)/(FAIL): --quick shrinks the sizes; the targets hold for the full sizes only.")
    print(f"\ntotal {meta['total_wall_s']:.1f} s; load average at end {meta['loadavg_end']}")
    out = os.path.abspath(args.json)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"meta": meta, "results": rows}, f, indent=2, default=float)
    print(f"results written to {out}")
    failed = any(r["status"] in ("FAIL", "ERROR", "(FAIL)") for r in rows)
    return 1 if (failed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
