r"""Issue 16 §2: the Sec. VII-A probe and the whole ``s1`` run against the reference code's algorithm.

The baseline is a faithful re-implementation of the *algorithm* of the paper's reference code
(Livi 2025, Sec. VII-A), written here from its description in the science notes (§4.1, §4.3):

* the model is float32 and its state Jacobians :math:`J_j` are built in float32;
* every pair :math:`(t, k)` gets its own product :math:`\Phi(t,k)` by ``h = t-k`` repeated
  matrix products (a Python loop over pairs, batched over the probe's examples -- a
  favourable reading: a loop over examples as well would only be slower);
* :math:`\lVert\Phi(t,k)\rVert_2` comes from 5 power iterations on :math:`\Phi^{\mathsf T}\Phi`
  from a random start (seeded here), in float32: :math:`S=\lVert\Phi v\rVert` for the last
  unit vector :math:`v`;
* the fit of :math:`\ln S = a + s\ln P` over all pairs.

The product order is the correct one (new factors on the left); the reference code's reversed
order costs the same and is measured separately (``reference_quirks``). The library's side is
what :func:`gatebook.learning.track_lag_profiles` runs at a checkpoint: a float64 copy of the
cell, :func:`gatebook.learning.lag_profiles` (one product recursion per lag over all pairs,
:math:`\sigma_1` from the eigenvalues of the Gram matrix, the fit for both conventions).

Rows
----
``s1_probe_ref``
    One probe (batch 12, ``T = 80``, ``n = 64``, multi-gate cell at initialisation), CPU seconds
    of each side interleaved, the accuracy of each side's :math:`\ln S` against float64 SVDs,
    and the peak memory of each side in a fresh process.
``s1_run_ref`` (only when named: ~2 minutes)
    The whole ``s1`` job of one seed (600 SGD steps, batch 64, probes at 0/50/200/400/600): the
    library's ``track_lag_profiles`` against the same training loop with the reference probe
    at the same checkpoints, each in a fresh process (CPU seconds, peak memory).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

import gatebook.learning as learning
import gatebook.learning.tasks as tasks
from gatebook.learning.gate_credit import analysis_copy
from timing import paired_statistics  # benchmarks/timing.py

__all__ = ["reference_pair_log_norms", "reference_probe", "library_probe", "bench_s1_probe_ref", "bench_s1_run_ref"]

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)


def reference_pair_log_norms(J32: torch.Tensor, *, iterations: int = 5, seed: int = 0) -> list:
    r"""The reference algorithm's :math:`\ln S_{t,k}` for every pair: a list over lags ``h = 1..T`` of ``(batch, T-h+1)``.

    Per pair: :math:`\Phi(k+h,k)` by ``h`` float32 products, then ``iterations`` power
    iterations on :math:`\Phi^{\mathsf T}\Phi` from a seeded Gaussian start.
    """
    gen = torch.Generator().manual_seed(seed)
    batch, T, n, _ = J32.shape
    factors = J32.unbind(1)  # factors[j] is J_{j+1}
    out = []
    for h in range(1, T + 1):
        row = torch.empty(batch, T - h + 1, dtype=torch.float64)
        for k in range(T - h + 1):
            P = factors[k]
            for j in range(k + 1, k + h):
                P = factors[j] @ P
            v = torch.randn(batch, n, 1, generator=gen, dtype=J32.dtype)
            v = v / v.norm(dim=1, keepdim=True)
            for _ in range(iterations):
                v = P.mT @ (P @ v)
                v = v / v.norm(dim=1, keepdim=True).clamp_min(torch.finfo(J32.dtype).tiny)
            row[:, k] = torch.log((P @ v).norm(dim=1)[:, 0].double().clamp_min(1e-300))
        out.append(row)
    return out


def _fit_slope(logS: list, logP: list) -> float:
    """Least-squares slope of ln S on ln P over all pairs (the reference fits one convention)."""
    s = torch.cat([x.flatten() for x in logS]).numpy()
    p = torch.cat([x.flatten() for x in logP]).numpy()
    ok = np.isfinite(s) & np.isfinite(p)
    return float(np.polyfit(p[ok], s[ok], 1)[0])


def reference_probe(cell32, inputs32: torch.Tensor) -> dict:
    """One Sec. VII-A probe by the reference algorithm: float32 Jacobians, per-pair products, 5 power iterations, fit."""
    with torch.no_grad():
        rollout = cell32.rollout(inputs32)
        J = cell32.jacobians_from_rollout(rollout)
        logS = reference_pair_log_norms(J)
        logP = learning.log_gate_products(rollout["write"].double(), "carry", J.shape[1])
    return {"logS": logS, "slope": _fit_slope(logS, logP)}


def library_probe(cell32, inputs64: torch.Tensor) -> dict:
    """One probe as ``track_lag_profiles`` makes it: a float64 copy, ``lag_profiles`` for both conventions."""
    frozen = analysis_copy(cell32)
    return learning.lag_profiles(frozen, inputs64)


def _exact_log_norms(cell32, inputs64) -> list:
    """Float64 reference values: ln sigma_1 of every product from full SVDs (``top=2`` takes the SVD route)."""
    with torch.no_grad():
        J = analysis_copy(cell32).state_jacobians(inputs64)
        prods = learning.jacobian_products(J, J.shape[1], top=2)
    return [x[..., 0] for x in prods.log_singular_values], J


def _setup(cfg):
    torch.set_num_threads(1)
    batch, T, n, m = cfg["batch"], cfg["T"], cfg["n"], cfg["m"]
    cell = learning.MultiGateRNN(m, n, seed=0)  # float32, as trained
    data = tasks.make_task("adding", batch, T=T, m=m, seed=2024, dtype=torch.float64)
    return cell, data.inputs.float(), data.inputs


# ----------------------------------------------------------------- memory, in a fresh process

_CHILD = r"""
import json, sys, time
sys.path.insert(0, {bench!r}); sys.path.insert(0, {repo!r})
import torch
torch.set_num_threads(1)
import reference_algorithm as ra
cfg = json.loads({cfg!r})
cell, u32, u64 = ra._setup(cfg)
side = {side!r}
# Warm up on a tiny probe first, so that the code pages of the libraries each side touches
# (MKL, LAPACK, torch kernels) are loaded before the peak-RSS mark is reset: what remains
# is the memory the work itself holds.
small = {{**cfg, "batch": 1, "T": 4, "n": 8, "steps": 2, "train_batch": 2, "checkpoints": [0, 2]}}
c_small, s32, s64 = ra._setup(small)
if side in ("library", "library_run"):
    ra.library_probe(c_small, s64)
else:
    ra.reference_probe(c_small, s32)
if side.endswith("_run"):
    (ra.library_run if side == "library_run" else ra.reference_run)(small)
def status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key)) / 1024
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")                        # reset the peak-RSS mark (VmHWM) to the current RSS
base = status("VmRSS:")
c = time.process_time()
if side == "library":
    ra.library_probe(cell, u64)
elif side == "reference":
    ra.reference_probe(cell, u32)
elif side == "library_run":
    ra.library_run(cfg)
else:
    ra.reference_run(cfg)
cpu = time.process_time() - c
peak = status("VmHWM:")
print(json.dumps({{"cpu_s": cpu, "base_mb": base, "peak_mb": peak}}))
"""


def _child(side: str, cfg: dict) -> dict:
    """Run one side in a fresh single-threaded Python: CPU seconds, peak RSS (MB) and its growth over the set-up."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    code = _CHILD.format(bench=BENCH_DIR, repo=REPO, cfg=json.dumps(cfg), side=side)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"the {side} process failed:\n{out.stderr[-2000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["growth_mb"] = res["peak_mb"] - res["base_mb"]
    return res


# ----------------------------------------------------------------------------- the rows


def bench_s1_probe_ref(cfg, tools):
    """The library's probe against the reference algorithm's probe, same cell and inputs."""
    cell, u32, u64 = _setup(cfg)
    library_probe(cell, u64)  # warm up
    cpu = {"library": [], "reference": []}
    last = {}
    for i in range(cfg["repeats"]):
        for side in (("library", "reference") if i % 2 == 0 else ("reference", "library")):
            start = time.process_time()
            last[side] = library_probe(cell, u64) if side == "library" else reference_probe(cell, u32)
            cpu[side].append(time.process_time() - start)
    timing = paired_statistics(cpu["reference"], cpu["library"])  # ratio = reference / library
    exact, J = _exact_log_norms(cell, u64)
    with torch.no_grad():
        lib_logS = learning.jacobian_products(J, J.shape[1], top=1).log_singular_values
    lib_err = max(float((a[..., 0] - e).abs().max()) for a, e in zip(lib_logS, exact))
    ref_rel = torch.cat([(1 - torch.exp(r - e)).flatten() for r, e in zip(last["reference"]["logS"], exact)])
    with torch.no_grad():
        logP = learning.log_gate_products(cell.rollout(u32)["write"].double(), "carry", J.shape[1])
    slope_exact = _fit_slope(exact, logP)
    mem = {side: _child(side, cfg) for side in ("library", "reference")}
    mem_ratio = mem["library"]["growth_mb"] / max(mem["reference"]["growth_mb"], 1e-9)
    row = tools.result(
        "s1_probe_ref", value=timing["ratio"], target=10.0, op=">=", unit="x less CPU",
        times={"lag_profiles (library)": timing["baseline_s"], "reference algorithm": timing["candidate_s"]},
        details={**timing, "library_max_abs_dlogS_vs_svd": lib_err,
                 "reference_rel_error_median": float(ref_rel.median()), "reference_rel_error_max": float(ref_rel.abs().max()),
                 "reference_underestimates_fraction": float((ref_rel > 0).double().mean()),
                 "slope_carry_exact_S": slope_exact, "slope_carry_reference_S": last["reference"]["slope"],
                 "memory": mem, "memory_growth_ratio": mem_ratio, **{k: cfg[k] for k in ("batch", "T", "n", "m")}},
        note=(f"batch {cfg['batch']}, T={cfg['T']}, n={cfg['n']}, all pairs; library |d ln S| vs SVD <= {lib_err:.1e}; "
              f"reference (5 float32 power iterations) S low by {100 * float(ref_rel.median()):.2g}% median, "
              f"{100 * float(ref_rel.abs().max()):.2g}% max; slope {last['reference']['slope']:.4f} vs {slope_exact:.4f} exact; "
              f"memory growth {mem['library']['growth_mb']:.0f} MB vs {mem['reference']['growth_mb']:.0f} MB"),
    )
    mem_row = tools.result(
        "s1_probe_ref[memory]", value=mem_ratio, target=0.2, op="<=", unit="x the reference's",
        times={}, details=mem,
        note="peak RSS growth over the set-up (imports, cell, inputs, a tiny warm-up probe), each side in a fresh process",
    )
    return [row, mem_row]


def _run_kwargs(cfg) -> dict:
    return dict(task="adding", steps=cfg["steps"], batch=cfg["train_batch"], lr=1e-2, seed=0,
                task_kwargs={"T": cfg["T"]}, progress=False)


def library_run(cfg):
    cell = learning.MultiGateRNN(cfg["m"], cfg["n"], seed=0)
    from gatebook.learning.tracking import track_lag_profiles
    return track_lag_profiles(cell, checkpoints=cfg["checkpoints"], probe_batch=cfg["batch"],
                                       probe_seed=2024, **_run_kwargs(cfg))


def reference_run(cfg):
    cell = learning.MultiGateRNN(cfg["m"], cfg["n"], seed=0)
    probe = tasks.make_task("adding", cfg["batch"], T=cfg["T"], m=cfg["m"], seed=2024, dtype=torch.float32)
    slopes = []
    return learning.train(cell, checkpoints=cfg["checkpoints"],
                          on_checkpoint=lambda c, step: slopes.append(reference_probe(c, probe.inputs)["slope"]),
                          **_run_kwargs(cfg))


def bench_s1_run_ref(cfg, tools):
    """The whole s1 job of one seed: library against reference probes on the same training, fresh processes."""
    sides = {side: _child(side, cfg) for side in ("library_run", "reference_run")}
    ratio = sides["reference_run"]["cpu_s"] / sides["library_run"]["cpu_s"]
    mem_ratio = sides["library_run"]["peak_mb"] / sides["reference_run"]["peak_mb"]
    return [tools.result(
        "s1_run_ref", value=ratio, target=10.0, op=">=", unit="x less CPU",
        times={"track_lag_profiles": sides["library_run"]["cpu_s"], "train + reference probes": sides["reference_run"]["cpu_s"]},
        details={**sides, "peak_memory_ratio": mem_ratio, **cfg},
        note=(f"{cfg['steps']} SGD steps, probes at {cfg['checkpoints']}, one process each, CPU s; "
              f"peak RSS {sides['library_run']['peak_mb']:.0f} MB vs {sides['reference_run']['peak_mb']:.0f} MB"),
    )]


def _cpu_of(fn, repeats: int) -> float:
    """Median CPU seconds of ``repeats`` calls of ``fn`` (after one untimed call)."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return float(np.median(samples))


def bench_s1_train_floor(cfg, tools):
    r"""Where a training step's time goes: one SGD step of the s1 job against the matrix products it must do.

    A step of a multi-gate cell over ``T`` steps does, per time step, two recurrent products
    :math:`x W^{\mathsf T}` forward (candidate and gate) and two per product backward (the
    gradient with respect to the state and to the weights): 6 products of
    ``(batch, n) x (n, n)``. The floors: those ``6 T`` products as bare ``torch.mm`` calls in a
    loop (what any sequential implementation pays), and their flops at the rate of one large
    float32 GEMM on this core (the arithmetic alone).
    """
    torch.set_num_threads(1)
    batch, T, n, m, steps = cfg["train_batch"], cfg["T"], cfg["n"], cfg["m"], cfg["floor_steps"]
    cell = learning.MultiGateRNN(m, n, seed=0)
    kwargs = dict(task="adding", batch=batch, lr=1e-2, seed=0, task_kwargs={"T": T}, progress=False)
    learning.train(cell, steps=2, **kwargs)  # warm up
    step_s = _cpu_of(lambda: learning.train(cell, steps=steps, **kwargs), cfg["repeats"]) / steps
    g = torch.Generator().manual_seed(0)
    x, W = torch.randn(batch, n, generator=g), torch.randn(n, n, generator=g)

    def bare():
        for _ in range(6 * T):
            torch.mm(x, W)

    bare_s = _cpu_of(bare, cfg["repeats"])
    big = torch.randn(1024, 1024, generator=g)
    gemm_s = _cpu_of(lambda: torch.mm(big, big), cfg["repeats"])
    rate = 2 * 1024 ** 3 / gemm_s
    flops = 6 * T * 2 * batch * n * n
    floor_s = flops / rate
    return [tools.result(
        "s1_train_floor", value=step_s / bare_s, target=None, unit="x the bare products",
        times={"SGD step": step_s, "6T bare mm": bare_s, "flops at GEMM peak": floor_s},
        details={"step_s": step_s, "bare_mm_s": bare_s, "flops": flops, "gemm_gflops": rate / 1e9,
                 "flop_floor_s": floor_s, "step_over_flop_floor": step_s / floor_s, **cfg},
        note=(f"multi-gate, batch {batch}, T={T}, n={n}, float32: {1e3 * step_s:.1f} ms per step; the {6 * T} "
              f"products alone {1e3 * bare_s:.1f} ms as bare mm calls, {1e3 * floor_s:.2f} ms at the "
              f"{rate / 1e9:.0f} GFLOP/s of a large GEMM ({step_s / floor_s:.0f}x)"),
    )]
