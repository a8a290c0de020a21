"""Part II benchmarks (issue 3): Jacobian products, per-example gradients, training steps
and the cost of the ``s2`` preset. Imported by ``benchmarks/run.py``; see
``benchmarks/README.md`` for what each one measures.

Every function here takes the runner's configuration ``cfg`` and a ``tools`` namespace
holding the runner's ``timed``, ``result`` and ``skipped`` helpers, and returns a list
of table rows. Thread settings are the runner's: its ``--threads`` value is pinned in
the environment before torch is imported, and set again here with
``torch.set_num_threads`` so both sides of every ratio use the same number of threads.
Only library code is timed against the baselines; the baselines (a per-pair loop of
products, a loop of single-example backward passes, ``torch.nn.RNN``) are checked to
compute the same numbers before they are timed.
"""

from __future__ import annotations

import copy
import gc
import heapq
import inspect
import os
import statistics
import time

import numpy as np
import torch

import gatebook.anisotropy as anisotropy
from timing import paired_statistics  # benchmarks/timing.py
import gatebook.learning as learning
import gatebook.learning.tasks as tasks

__all__ = [
    "bench_lag_probe",
    "bench_per_example_grads",
    "bench_train_step",
    "bench_s2_preset",
    "bench_s2_real",
    "checkpoint_analysis",
    "naive_pair_singular_values",
    "looped_per_example_gradients",
]


# --------------------------------------------------------------------------- timing


class Estimated:
    """A result whose time is an estimate (e.g. a subset of the work, scaled up)."""

    def __init__(self, seconds, value):
        self.seconds = float(seconds)
        self.value = value


def interleaved(fns: dict, repeats: int, timed) -> tuple[dict, dict]:
    """Time every function of ``fns`` once per round, ``repeats`` rounds.

    The order inside a round alternates (forward, reversed, forward, ...) so slow drifts
    of the machine hit every side equally. A function returning :class:`Estimated`
    contributes its estimated seconds instead of its wall time. Returns the samples
    (name -> list of seconds) and the outputs of the last round.
    """
    names = list(fns)
    samples = {name: [] for name in names}
    last = {}
    for i in range(repeats):
        for name in (names if i % 2 == 0 else names[::-1]):
            seconds, out = timed(fns[name])
            if isinstance(out, Estimated):
                seconds, out = out.seconds, out.value
            samples[name].append(seconds)
            last[name] = out
    return samples, last


def compare(cand: list, base: list) -> dict:
    """The runner's ``paired`` statistics from two lists of interleaved samples."""
    return paired_statistics(cand, base)


def _threads(cfg) -> None:
    torch.set_num_threads(int(cfg.get("threads", 1)))


# ------------------------------------------------------------- 1. all-pairs lag probe


def _pair_product(factors, k: int, h: int) -> torch.Tensor:
    """``factors[k+h-1] @ ... @ factors[k]`` (``factors[j]`` is :math:`J_{j+1}`): :math:`\Phi(k+h,k)`."""
    P = factors[k]
    for j in range(k + 1, k + h):
        P = factors[j] @ P  # new factors on the left
    return P


def naive_pair_singular_values(J: torch.Tensor, pairs_by_lag: dict) -> tuple[dict, dict]:
    r"""The per-pair reference: for every chosen pair, :math:`\Phi(k+h,k)=J_{k+h}\cdots J_{k+1}`
    by repeated matrix products (new factors on the left), then its singular values.

    Batched over examples (one ``(batch, n, n)`` product per pair), not over pairs. This
    is ``gatebook.learning.propagator``'s arithmetic without its initial multiplication by
    the identity (exact) and without its finiteness check of the product, so the loop
    pays only for the products and the SVDs.

    Parameters
    ----------
    J : Tensor, shape (batch, T, n, n)
    pairs_by_lag : dict
        Lag ``h`` -> sequence of starts ``k`` (``0 <= k <= T-h``).

    Returns
    -------
    singular_values : dict
        ``(h, k)`` -> tensor ``(batch, n)``, raw (not renormalised: may underflow).
    seconds_by_lag : dict
        ``h`` -> wall time spent on that lag's pairs.
    """
    factors = J.unbind(1)  # factors[j] is J_{j+1}
    out, seconds = {}, {}
    for h, starts in pairs_by_lag.items():
        start = time.perf_counter()
        for k in starts:
            out[(h, k)] = torch.linalg.svdvals(_pair_product(factors, k, h))
        seconds[h] = time.perf_counter() - start
    return out, seconds


def _lag_probe_pairs(T: int, max_lag: int, per_lag, seed: int) -> dict:
    """Starts ``k`` to time at each lag: all of them, or ``per_lag`` drawn without replacement."""
    rng = np.random.default_rng(seed)
    pairs = {}
    for h in range(1, max_lag + 1):
        every = np.arange(T - h + 1)
        if per_lag is None or per_lag >= every.size:
            pairs[h] = [int(k) for k in every]
        else:
            pairs[h] = sorted(int(k) for k in rng.choice(every, size=per_lag, replace=False))
    return pairs


def _lag_probe_agreement(lib: learning.JacobianProducts, naive: dict) -> dict:
    """Compare the library's log-singular values with the naive raw ones, pair by pair.

    ``normwise``: max over pairs and indices of :math:`|\\sigma_i^{\\rm naive}-\\sigma_i^{\\rm lib}|/\\sigma_1^{\\rm naive}`
    (the accuracy an SVD guarantees); ``log_top``: max :math:`|\\Delta\\ln\\sigma_i|` over the values
    with :math:`\\sigma_i\\ge10^{-6}\\sigma_1`. Pairs whose naive :math:`\\sigma_1` is below
    ``1e-280`` (too close to underflow to be representable with all their values) are
    skipped and counted.
    """
    normwise, log_top, skipped_pairs, compared = 0.0, 0.0, 0, 0
    for (h, k), sv in naive.items():
        log_lib = lib.log_singular_values[h - 1][:, k]  # (batch, n)
        top = sv[:, :1]
        ok = (top[:, 0] > 1e-280)
        skipped_pairs += int((~ok).sum())
        if not ok.any():
            continue
        sv, log_lib, top = sv[ok], log_lib[ok], top[ok]
        compared += int(ok.sum())
        lib_rel = torch.exp(log_lib - torch.log(top))  # sigma_i^lib / sigma_1^naive, no overflow
        normwise = max(normwise, float((sv / top - lib_rel).abs().max()))
        big = sv >= 1e-6 * top
        log_top = max(log_top, float((torch.log(sv[big]) - log_lib[big]).abs().max()))
    return {"max_normwise_rel_diff": normwise, "max_abs_log_diff_sv_ge_1e-6_top": log_top,
            "pairs_compared_x_examples": compared, "pairs_skipped_underflow_x_examples": skipped_pairs}


def bench_lag_probe(cfg, tools):
    """``jacobian_products(J, T)`` (all pairs, by lag) against a per-pair loop of products + SVDs."""
    _threads(cfg)
    batch, T, n, m = cfg["batch"], cfg["T"], cfg["n"], cfg["m"]
    cell = learning.MultiGateRNN(m, n, seed=0, dtype=torch.float64)
    data = tasks.make_task("adding", batch, T=T, m=m, seed=1, dtype=torch.float64)
    J = cell.state_jacobians(data.inputs)
    per_lag = cfg["pairs_per_lag"]
    pairs = _lag_probe_pairs(T, T, per_lag, seed=2)
    n_all = T * (T + 1) // 2
    n_timed = sum(len(v) for v in pairs.values())

    # The loop's arithmetic is propagator's: check it on a few pairs (identical numbers).
    factors = J.unbind(1)
    for h, k in ((1, 0), (min(5, T), T - min(5, T)), (T, 0)):
        if not torch.equal(_pair_product(factors, k, h), learning.propagator(J, k + h, k)):
            raise AssertionError(f"the per-pair loop differs from propagator at (h={h}, k={k})")

    svd_seconds = []  # seconds inside svdvals during each timed library call

    def library():
        spent, out = _seconds_in_svdvals(lambda: learning.jacobian_products(J, T))
        svd_seconds.append(spent)
        return out

    def per_pair():
        sv, seconds = naive_pair_singular_values(J, pairs)
        # Scale each lag's time to all T-h+1 starts (every start at one lag costs the same work).
        estimate = sum(seconds[h] * (T - h + 1) / len(pairs[h]) for h in pairs)
        return Estimated(estimate, sv)

    def library_products_only():
        P = J
        for h in range(2, T + 1):
            P = J[:, h - 1:] @ P[:, :-1]
        return P

    def per_pair_products_only():
        total = 0.0
        for h, starts in pairs.items():
            start = time.perf_counter()
            for k in starts:
                _pair_product(factors, k, h)
            total += (time.perf_counter() - start) * (T - h + 1) / len(starts)
        return Estimated(total, None)

    library()  # warm up both paths
    naive_pair_singular_values(J, {1: [0], T: [0]})
    samples, last = interleaved({"library": library, "per_pair": per_pair}, cfg["repeats"], tools.timed)
    agree = _lag_probe_agreement(last["library"], last["per_pair"])
    timing = compare(samples["per_pair"], samples["library"])  # ratio = naive / library = speed-up
    speedup = timing["ratio"]
    prod_samples, _ = interleaved({"library": library_products_only, "per_pair": per_pair_products_only},
                                  cfg["repeats"], tools.timed)
    prod = compare(prod_samples["per_pair"], prod_samples["library"])
    # Where the library's time goes: the share of each timed call spent inside svdvals.
    svd_share = statistics.median(s / t for s, t in zip(svd_seconds[-cfg["repeats"]:], samples["library"]))
    svd_s = svd_share * timing["baseline_s"]
    # Both sides compute the same SVDs, so the library can at best take svd_s: the cap.
    cap = timing["candidate_s"] / svd_s if svd_s > 0 else float("inf")
    same = agree["max_normwise_rel_diff"] <= 1e-10
    sampled = "" if n_timed == n_all else f" (loop timed on {n_timed} of {n_all} pairs, scaled per lag)"
    row = tools.result(
        "lag_probe", value=speedup, target=10.0, op=">=", unit="x faster",
        times={"jacobian_products": timing["baseline_s"], "per-pair loop": timing["candidate_s"]},
        details={**timing, "speedup": speedup, **agree, "batch": batch, "T": T, "n": n, "m": m,
                 "dtype": "float64", "pairs_all": n_all, "pairs_timed": n_timed, "pairs_per_lag": per_lag,
                 "products_only_speedup": prod["ratio"], "products_only": prod,
                 "library_svd_seconds": svd_s, "library_svd_share": svd_share, "speedup_cap_svd_floor": cap,
                 "matrices_svd_per_run": batch * T * (T + 1) // 2},
        note=(f"batch {batch}, T={T}, n={n}, float64, all {n_all} pairs{sampled}; "
              f"max |dσ|/σ1 = {agree['max_normwise_rel_diff']:.1e}; SVDs ≈ {100 * svd_share:.0f}% "
              f"of the library's time, so at most ~{cap:.1f}x end to end; products alone {prod['ratio']:.1f}x faster"),
    )
    if not same:
        row["status"], row["passed"] = "FAIL", False
        row["note"] += " -- NUMBERS DIFFER (> 1e-10)"
    prod_row = tools.result(
        "lag_probe[products only]", value=prod["ratio"], target=None, op=">=", unit="x faster",
        times={"library products": prod["baseline_s"], "per-pair products": prod["candidate_s"]},
        details=prod,
        note="the same two loops without renormalisation and SVDs: the O(T^3) -> O(T^2) product count alone",
    )
    return [row, prod_row]


def _seconds_in_svdvals(fn) -> tuple[float, object]:
    """Run ``fn()`` with ``torch.linalg.svdvals`` wrapped by a stopwatch: (seconds inside it, result)."""
    original = torch.linalg.svdvals
    spent = [0.0]

    def timed_svdvals(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    torch.linalg.svdvals = timed_svdvals
    try:
        out = fn()
    finally:
        torch.linalg.svdvals = original
    return spent[0], out


# ------------------------------------------------------------ 2. per-example gradients


def looped_per_example_gradients(cell, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    r"""Reference: one forward + backward pass per example, rows stacked: ``(M, P)``.

    Row :math:`i` is :math:`\nabla_\theta (f_\theta(u^{(i)}) - y^{(i)})^2`, parameters in
    ``named_parameters`` order, as ``gatebook.learning.per_example_gradients``.
    """
    params = [p for _, p in cell.named_parameters()]
    rows = []
    for i in range(inputs.shape[0]):
        loss = ((cell(inputs[i:i + 1]) - targets[i:i + 1]) ** 2).sum()
        grads = torch.autograd.grad(loss, params)
        rows.append(torch.cat([g.reshape(-1) for g in grads]))
    return torch.stack(rows)


def bench_per_example_grads(cfg, tools):
    """``per_example_gradients`` (its default method, and ``method="vmap"``) against a loop
    of single-example backward passes."""
    _threads(cfg)
    M, T, n, m = cfg["M"], cfg["T"], cfg["n"], cfg["m"]
    cell = learning.MultiGateRNN(m, n, seed=0, dtype=torch.float64, gate_bias=0.5)
    data = tasks.make_task("adding", M, T=T, m=m, seed=1, dtype=torch.float64)
    u, y = data.inputs, data.targets
    default = inspect.signature(learning.per_example_gradients).parameters["method"].default

    fns = {
        "default": lambda: learning.per_example_gradients(cell, u, y),  # method=default ("credit")
        "vmap": lambda: learning.per_example_gradients(cell, u, y, method="vmap"),
        "loop": lambda: looped_per_example_gradients(cell, u, y),
    }
    G = {name: fn() for name, fn in fns.items()}  # warm up, and compare: the same matrix three times
    scale = float(G["loop"].abs().max())
    diff = {name: float((G[name] - G["loop"]).abs().max()) / scale for name in ("default", "vmap")}
    samples, _ = interleaved(fns, cfg["repeats"], tools.timed)
    size = f"MultiGateRNN n={n}, T={T}, M={M}, P={G['loop'].shape[1]}, float64"
    common = {"M": M, "T": T, "n": n, "m": m, "P": int(G["loop"].shape[1]),
              "cell": "MultiGateRNN(gate_bias=0.5)", "dtype": "float64", "default_method": default}
    rows = []
    for name, label, method, target in (("default", "per_example_grads", default, 5.0),
                                        ("vmap", 'per_example_grads[method="vmap"]', "vmap", None)):
        timing = compare(samples["loop"], samples[name])  # ratio = loop / library = speed-up
        row = tools.result(
            label, value=timing["ratio"], target=target, op=">=", unit="x faster",
            times={f'per_example_gradients(method="{method}")': timing["baseline_s"],
                   "loop of backward passes": timing["candidate_s"]},
            details={**timing, "max_rel_diff": diff[name], "method": method, **common},
            note=(f"{size}; method=\"{method}\"" + (" (the default)" if name == "default" else " (informational)")
                  + f"; max |dG|/max|G| = {diff[name]:.1e}"),
        )
        if diff[name] > 1e-10:
            row["status"], row["passed"] = "FAIL", False
            row["note"] += " -- NUMBERS DIFFER (> 1e-10)"
        rows.append(row)
    rows[1]["note"] += f"; the default is {compare(samples['vmap'], samples['default'])['ratio']:.1f}x faster than vmap"
    return rows


# ------------------------------------------------------------------- 3. training step


def bench_train_step(cfg, tools):
    """One SGD step of ``PlainRNN`` against ``torch.nn.RNN`` + ``nn.Linear`` of the same size."""
    from torch import nn

    _threads(cfg)
    batch, T, n, m, k = cfg["batch"], cfg["T"], cfg["n"], cfg["m"], cfg["steps_per_sample"]
    data = tasks.make_task("adding", batch, T=T, m=m, seed=1)
    u, y = data.inputs, data.targets
    cell = learning.PlainRNN(m, n, seed=0)
    rnn = nn.RNN(m, n, batch_first=True, bias=False)
    readout = nn.Linear(n, 1, bias=False)
    with torch.no_grad():  # same weights: the two compute the same function (checked below)
        rnn.weight_hh_l0.copy_(cell.W_r)
        rnn.weight_ih_l0.copy_(cell.W_i)
        readout.weight.copy_(cell.W_o)

    def torch_predict(v):
        return readout(rnn(v)[1][0])

    out_diff = float((torch_predict(u) - cell(u)).abs().max().detach())
    if out_diff > 1e-5:
        raise AssertionError(f"nn.RNN and PlainRNN disagree by {out_diff:.1e} with copied weights")
    opt_cell = torch.optim.SGD(cell.parameters(), lr=1e-2)
    opt_torch = torch.optim.SGD([*rnn.parameters(), *readout.parameters()], lr=1e-2)

    def sgd_steps(opt, predict):
        def run():
            for _ in range(k):
                opt.zero_grad(set_to_none=True)
                loss = torch.mean((predict(u) - y) ** 2)
                loss.backward()
                opt.step()
        return run

    fns = {"gatebook": sgd_steps(opt_cell, cell), "torch": sgd_steps(opt_torch, torch_predict)}
    for fn in fns.values():
        fn()
    repeats = max(cfg["repeats"], cfg["min_repeats"])
    samples, _ = interleaved(fns, repeats, tools.timed)
    per_step = {name: [s / k for s in v] for name, v in samples.items()}
    timing = compare(per_step["gatebook"], per_step["torch"])
    ratio = timing["ratio_of_medians"]  # as the issue asks: ratio of the medians
    return [tools.result(
        "train_step", value=ratio, target=3.0, op="<=", unit="x",
        times={"PlainRNN step": timing["candidate_s"], "nn.RNN step": timing["baseline_s"]},
        details={**timing, "batch": batch, "T": T, "n": n, "m": m, "dtype": "float32", "steps_per_sample": k,
                 "repeats": repeats, "max_output_diff": out_diff, "bias": False},
        note=(f"batch {batch}, T={T}, n={n}, float32, SGD; ratio of medians of {repeats} interleaved samples "
              f"of {k} steps; both bias-free, same weights (max |dy| = {out_diff:.0e})"),
    )]


# --------------------------------------------------------------- 4. the s2 preset cost

CELLS = {"plain": learning.PlainRNN, "leaky": learning.LeakyRNN,
         "scalar": learning.ScalarGateRNN, "multi": learning.MultiGateRNN}
CLOCKS = ("cpu", "wall")


def _make_cell(model: str, m: int, n: int, dtype):
    cls = CELLS[model]
    return lambda seed: cls(m, n, seed=int(seed), dtype=dtype)


def _arm_label(arm: dict) -> str:
    return f"{arm['model']}+{arm['optimizer']}"


def _clock() -> tuple[float, float]:
    """(process CPU, wall) seconds now."""
    return time.process_time(), time.perf_counter()


def _cpu_timed(fn, collect: bool = True):
    """CPU and wall seconds of one call of ``fn``, and its result. A garbage collection
    precedes the call unless ``collect`` is false (with torch loaded one costs ~0.1-0.3 s,
    too much before every part of an analysis or every task draw)."""
    if collect:
        gc.collect()
    start = _clock()
    out = fn()
    end = _clock()
    return {c: e - s for c, s, e in zip(CLOCKS, start, end)}, out


def _per_step_seconds(run, steps: int) -> dict:
    """Run ``run(steps, on_checkpoint)`` with checkpoints (1, steps); return the CPU and
    wall seconds per step between the two. The first step (tracing, allocations) and the
    set-up before it are excluded."""
    stamps = {}

    def on_checkpoint(cell, step):
        stamps.setdefault(step, _clock())

    run(steps, on_checkpoint)
    return {c: (e - s) / (steps - 1) for c, s, e in zip(CLOCKS, stamps[1], stamps[steps])}


def _median(dicts: list) -> dict:
    return {c: statistics.median(d[c] for d in dicts) for c in CLOCKS}


def _makespan(durations, workers: int) -> float:
    """Wall time of independent jobs on ``workers`` processes (longest job first, greedy)."""
    loads = [0.0] * workers
    heapq.heapify(loads)
    for d in sorted(durations, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + d)
    return max(loads)


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


def _loadavg():
    return os.getloadavg() if hasattr(os, "getloadavg") else None


def checkpoint_analysis(cell, probe, preset: dict, seed: int = 0) -> dict:
    r"""One checkpoint's analysis at the preset's sizes, as chapter 5 makes it; each part timed.

    The steps of ``gatebook.learning.anisotropy.propagation_anisotropy`` and
    ``update_anisotropy`` (what ``anisotropy_experiment`` runs at every checkpoint), written
    out so that each can be timed (CPU and wall seconds):

    * ``state_jacobians``: a float64 copy of the cell and the exact state Jacobians of the
      first ``probe_batch`` probe examples, ``(probe_batch, T, n, n)``;
    * ``pair_log_singular_values``: at every lag, ``triples_per_lag`` (example, start)
      pairs drawn with replacement, their products and singular values by
      ``gatebook.learning.pair_log_singular_values`` (sampled pairs only, not all pairs),
      and AI/CE/PR/effective rank of each;
    * ``per_example_gradients``: the library default, on all ``grad_samples`` probe examples;
    * ``gradient_anisotropy``: the GradCov metrics of that matrix.

    Returns ``{"cpu": {part: s, "total": s}, "wall": {...}, "medians": {...}}``.
    """
    lags, K, top, r = preset["lags"], preset["triples_per_lag"], preset["top_k"], preset["r"]
    rng = np.random.default_rng(seed)
    t = {}

    def jacobians():
        twin = copy.deepcopy(cell).to(torch.float64)
        for p in twin.parameters():
            p.requires_grad_(False)
        return twin, twin.state_jacobians(probe.inputs[:preset["probe_batch"]])

    t["state_jacobians"], (cell64, J) = _cpu_timed(jacobians, collect=False)
    B, T = J.shape[:2]

    def sampled_pairs():
        medians = []
        for h in lags:
            b = rng.integers(0, B, size=K)
            k = rng.integers(0, T - h + 1, size=K)
            logsv = learning.pair_log_singular_values(J, b, k, int(h)).numpy()
            rel = logsv - logsv[:, :1]  # scale-free: every metric is a ratio
            s = np.exp(rel)
            medians.append({"AI": float(np.median(np.exp(-rel[:, r - 1]))),
                            "CE": float(np.median(anisotropy.energy_concentration(s, r, top))),
                            "PR": float(np.median(anisotropy.participation_ratio(s))),
                            "effective_rank": float(np.median(anisotropy.effective_rank(s)))})
        return medians

    t["pair_log_singular_values"], prop = _cpu_timed(sampled_pairs, collect=False)
    del J
    t["per_example_gradients"], G = _cpu_timed(
        lambda: learning.per_example_gradients(cell64, probe.inputs, probe.targets.to(torch.float64)), collect=False)
    t["gradient_anisotropy"], upd = _cpu_timed(lambda: anisotropy.gradient_anisotropy(G, r, seed=seed), collect=False)
    out = {c: {part: v[c] for part, v in t.items()} for c in CLOCKS}
    for c in CLOCKS:
        out[c]["total"] = sum(out[c].values())
    out["medians"] = {"propagation_by_lag": dict(zip(map(int, lags), prop)), "update_AI": float(upd.ai),
                      "update_CE": float(upd.ce)}
    return out


def _probe(preset: dict, task: str, seed: int):
    return tasks.make_task(task, preset["grad_samples"], T=preset["T"], m=preset["m"], seed=seed,
                           dtype=torch.float64)


def _measure_arm(arm: dict, preset: dict, cfg: dict, *, task_names=None, modes=("train", "ensemble")) -> dict:
    """Per-step CPU/wall seconds of ``train`` (one seed) and ``train_ensemble`` (all the
    preset's seeds) on every task, and of one checkpoint's analysis, for one arm.

    The per-step cost depends on the task, not only through its draws: subnormal floats
    in the backward pass make some (arm, task) pairs several times slower than others
    (see the README), so every task is measured. ``cfg["rounds"]`` interleaved rounds
    (order reversed every other round); medians over the rounds."""
    T, n, m, batch = preset["T"], preset["n"], preset["m"], preset["batch"]
    make = _make_cell(arm["model"], m, n, getattr(torch, preset["dtype"]))
    opt = dict(optimizer=arm["optimizer"], lr=arm["lr"], batch=batch, task_kwargs={"T": T}, progress=False)
    seeds = list(range(preset["seeds"]))
    task_names = list(preset["tasks"] if task_names is None else task_names)
    probe = _probe(preset, task_names[0], 12)

    def train(task):
        return lambda k, cb: learning.train(make(0), task, steps=k, checkpoints=(1, k), on_checkpoint=cb, **opt)

    def ensemble(task):
        return lambda k, cb: learning.train_ensemble(make, seeds, task, steps=k, checkpoints=(1, k),
                                                     on_checkpoint=cb, **opt)

    parts = {}
    for task in task_names:
        if "train" in modes:
            parts[("train", task)] = lambda task=task: _per_step_seconds(train(task), cfg["train_steps"])
        if "ensemble" in modes:
            parts[("ensemble", task)] = lambda task=task: _per_step_seconds(ensemble(task), cfg["ensemble_steps"])
    parts[("analysis", None)] = lambda: checkpoint_analysis(make(0), probe, preset)
    samples = {key: [] for key in parts}
    keys = list(parts)
    for i in range(cfg["rounds"]):
        for key in (keys if i % 2 == 0 else keys[::-1]):
            gc.collect()
            samples[key].append(parts[key]())
    rec = {"arm": _arm_label(arm), "tasks": task_names}
    for mode in modes:
        rec[mode] = {task: _median(samples[(mode, task)]) for task in task_names}
        rec[f"{mode}_samples"] = {task: samples[(mode, task)] for task in task_names}
    analyses = samples[("analysis", None)]
    rec["analysis"] = {c: {part: statistics.median(s[c][part] for s in analyses) for part in analyses[0][c]}
                       for c in CLOCKS}
    rec["analysis_medians"] = analyses[-1]["medians"]
    return rec


def _job_seconds(rec: dict, mode: str, task: str, preset: dict, clock: str) -> dict:
    """Seconds of one job: ``train`` = one seed of one (arm, task); ``ensemble`` = all seeds
    of one (arm, task) trained together, then analysed seed by seed."""
    members = 1 if mode == "train" else preset["seeds"]
    training = preset["steps"] * rec[mode][task][clock]
    analysis = members * len(preset["checkpoints"]) * rec["analysis"][clock]["total"]
    return {"training": training, "analysis": analysis, "total": training + analysis}


def _extrapolate(arms: list, mode: str, preset: dict, workers: int, clock: str) -> dict:
    """Total work and its wall time on ``workers`` single-thread processes (greedy, longest job first)."""
    jobs = []
    for rec in arms:
        for task in preset["tasks"]:
            job = _job_seconds(rec, mode, task, preset, clock)
            jobs += [job] * (preset["seeds"] if mode == "train" else 1)
    totals = [j["total"] for j in jobs]
    return {"work_s": float(sum(totals)), "training_s": float(sum(j["training"] for j in jobs)),
            "analysis_s": float(sum(j["analysis"] for j in jobs)), "jobs": len(jobs),
            "longest_job_s": max(totals), "wall_s": _makespan(totals, workers)}


def bench_s2_preset(cfg, tools):
    """EXTRAPOLATED wall time of the full ``s2`` preset on ``workers`` single-thread
    processes, from measured per-step training costs (``train`` and ``train_ensemble``, per
    arm and task) and one checkpoint's analysis per arm. The table's value uses
    process-CPU seconds (what the work takes on an otherwise idle core); the extrapolation
    from wall clocks (inflated by the other users of a shared machine) is shown beside it."""
    _threads(cfg)
    preset = tasks.get_preset(cfg["preset"])
    seeds, steps, n_ckpt = preset["seeds"], preset["steps"], len(preset["checkpoints"])
    n_tasks, workers = len(preset["tasks"]), cfg["workers"]
    load_start = _loadavg()
    for task in preset["tasks"]:  # warm-up draws (e.g. the lazy scipy.signal import of some tasks)
        tasks.make_task(task, 2, T=preset["T"], m=preset["m"], seed=0)
    arms = []
    for arm in preset["arms"]:
        rec = _measure_arm(arm, preset, cfg)
        arms.append(rec)
        print(f"    {rec['arm']}: CPU ms per step, train / train_ensemble({seeds}) per seed: "
              + ", ".join(f"{t} {1e3 * rec['train'][t]['cpu']:.0f}/{1e3 * rec['ensemble'][t]['cpu'] / seeds:.0f}"
                          for t in preset["tasks"])
              + "; CPU s per checkpoint: " + ", ".join(f"{k} {v:.2f}" for k, v in rec["analysis"]["cpu"].items()),
              flush=True)
    est = {mode: {c: _extrapolate(arms, mode, preset, workers, c) for c in CLOCKS} for mode in ("train", "ensemble")}
    per_seed_step = {c: sum(r["ensemble"][t][c] for r in arms for t in preset["tasks"]) / seeds
                     / sum(r["train"][t][c] for r in arms for t in preset["tasks"]) for c in CLOCKS}
    faster = min(est, key=lambda mode: est[mode]["cpu"]["wall_s"])
    details = {"preset": cfg["preset"], "arms": arms, "estimates": est, "workers": workers,
               "train_steps_measured": cfg["train_steps"], "ensemble_steps_measured": cfg["ensemble_steps"],
               "rounds": cfg["rounds"], "seeds": seeds, "steps": steps, "checkpoints": n_ckpt,
               "ensemble_per_seed_step_over_train_step": per_seed_step, "faster_route": faster,
               "loadavg_start": load_start, "loadavg_end": _loadavg()}
    size = (f"{cfg['preset']}: {len(preset['arms'])} arms x {n_tasks} tasks x {seeds} seeds, {steps} steps, "
            f"{n_ckpt} checkpoints")
    rows = []
    for mode, what in (("train", f"train() one seed at a time, {len(arms) * n_tasks * seeds} jobs"),
                       ("ensemble", f"train_ensemble() of {seeds} seeds per (arm, task), {len(arms) * n_tasks} jobs")):
        cpu, wall = est[mode]["cpu"], est[mode]["wall"]
        note = (f"EXTRAPOLATED from measured CPU times per step and per checkpoint to {workers} processes x 1 thread "
                f"({size}); {what}; from wall clocks: {_duration(wall['wall_s'])}")
        if mode == "ensemble":
            note += (f"; a seed-step costs {per_seed_step['cpu']:.2f}x the CPU of a train() step"
                     + (" -- the faster route" if faster == "ensemble" else ""))
        rows.append(tools.result(
            f"s2_preset[{mode}]", value=cpu["wall_s"], target=cfg["target_s"], op="<=", unit="s",
            times={"work": cpu["work_s"], "of which analysis": cpu["analysis_s"], "from wall clocks": wall["wall_s"]},
            details={**details, "this": est[mode], "mode": mode},
            note=note,
        ))
    return rows


def bench_s2_real(cfg, tools):
    """One real job of the ``s2`` preset: one (arm, task), all seeds, trained together by
    ``train_ensemble`` and analysed at checkpoints, next to its extrapolation (measured the
    same way as ``s2_preset``, in the same process, just before). If the extrapolated wall
    time of the full job exceeds ``cfg["max_full_s"]``, only ``cfg["fallback_steps"]``
    steps are trained and the last checkpoint analysed, and both are scaled up."""
    _threads(cfg)
    preset = tasks.get_preset(cfg["preset"])
    arm = next(a for a in preset["arms"] if a["model"] == cfg["arm"])
    task, seeds, steps = cfg["task"], list(range(preset["seeds"])), preset["steps"]
    marks = list(preset["checkpoints"])
    T, n, m, batch = preset["T"], preset["n"], preset["m"], preset["batch"]
    load_start = _loadavg()
    tasks.make_task(task, 2, T=T, m=m, seed=0)  # warm-up draw

    # 1. The extrapolation of this job, measured as s2_preset measures it.
    rec = _measure_arm(arm, preset, cfg, task_names=(task,), modes=("ensemble",))
    predicted = {c: _job_seconds(rec, "ensemble", task, preset, c) for c in CLOCKS}

    # 2. The real job (or its first fallback_steps steps).
    full = predicted["wall"]["total"] <= cfg["max_full_s"]
    run_steps = steps if full else cfg["fallback_steps"]
    run_marks = marks if full else [0, run_steps]
    make = _make_cell(arm["model"], m, n, getattr(torch, preset["dtype"]))
    train_s, ens = _cpu_timed(lambda: learning.train_ensemble(
        make, seeds, task, optimizer=arm["optimizer"], lr=arm["lr"], steps=run_steps, batch=batch,
        task_kwargs={"T": T}, checkpoints=run_marks, on_checkpoint=lambda c, s: copy.deepcopy(c.state_dict()),
        progress=False))
    analysed = run_marks if full else run_marks[-1:]

    def analyse_all():
        for seed, cell, hist in zip(seeds, ens.cells, ens.histories):
            probe = _probe(preset, task, 1000 + seed)
            for step, state in zip(hist.checkpoints, hist.records):
                if step in analysed:
                    cell.load_state_dict(state)
                    checkpoint_analysis(cell, probe, preset, seed=seed)

    analysis_s, _ = _cpu_timed(analyse_all)
    scale_train, scale_analysis = steps / run_steps, len(marks) / len(analysed)
    measured = {c: {"training": train_s[c] * scale_train, "analysis": analysis_s[c] * scale_analysis} for c in CLOCKS}
    for c in CLOCKS:
        measured[c]["total"] = measured[c]["training"] + measured[c]["analysis"]
    final_loss = float(np.median([h.loss[-10:].mean() for h in ens.histories]))
    ratio = {c: measured[c]["total"] / predicted[c]["total"] for c in CLOCKS}
    how = (f"all {steps} steps, {len(marks)} checkpoints x {len(seeds)} seeds analysed" if full else
           f"MEASURED {run_steps} of {steps} steps (x{scale_train:g}) and 1 of {len(marks)} checkpoints "
           f"x {len(seeds)} seeds analysed (x{scale_analysis:g}): the full job was predicted to take "
           f"{_duration(predicted['wall']['total'])} of wall time (> {_duration(cfg['max_full_s'])})")
    per_step = {c: train_s[c] / run_steps for c in CLOCKS}
    return [tools.result(
        f"s2_real[{_arm_label(arm)}, {task}]", value=measured["wall"]["total"], target=None, unit="s",
        times={"measured wall": measured["wall"]["total"], "measured CPU": measured["cpu"]["total"],
               "extrapolated wall": predicted["wall"]["total"], "extrapolated CPU": predicted["cpu"]["total"]},
        details={"preset": cfg["preset"], "arm": arm, "task": task, "seeds": len(seeds), "steps_run": run_steps,
                 "checkpoints_run": run_marks, "checkpoints_analysed": analysed, "full": full,
                 "measured_raw": {"training": train_s, "analysis": analysis_s}, "measured_scaled": measured,
                 "measured_per_step": per_step, "predicted": predicted, "measured_over_predicted": ratio,
                 "per_step_measurement": rec, "median_final_loss": final_loss,
                 "loadavg_start": load_start, "loadavg_end": _loadavg()},
        note=(f"one job of {cfg['preset']} (train_ensemble, {len(seeds)} seeds, then analysis per seed); {how}; "
              f"measured/extrapolated: CPU {ratio['cpu']:.2f}, wall {ratio['wall']:.2f}; CPU s: training "
              f"{measured['cpu']['training']:.0f} ({1e3 * per_step['cpu']:.0f} ms per step, predicted "
              f"{1e3 * rec['ensemble'][task]['cpu']:.0f}) + analysis {measured['cpu']['analysis']:.0f} "
              f"(predicted {predicted['cpu']['analysis']:.0f})"),
    )]

