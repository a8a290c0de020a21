"""Benchmarks of the torch route (gatebook.backend, gatebook.torch_networks; issue 15).

Every figure is a ratio against the numpy route timed in the same process, or a time per
step against N for the scaling rows:

- ``torch_sim[N=...]``: ``simulate`` of one gated-network trajectory (RK4), numpy float64
  against torch on the CPU in float64 and float32;
- ``torch_maxlyap[N=...]``: ``max_lyapunov`` (state + one tangent vector), the same three routes;
- ``torch_ensemble``: ``max_lyapunov`` of 8 seeds of one network size: the numpy route (one
  network after another) against one torch stack of the 8 (float64 and float32);
- ``torch_scaling[cpu]``: the time of one RK4 step and the memory of the stacked couplings
  against N (float32), with the fitted exponents (expected: 2 and 2), and the N that a 400 tau
  run (4000 RK4 steps of dt = 0.1) reaches in a minute and in an hour at the fitted cost;
- ``torch_*[cuda]``: the same on a CUDA device when torch sees one (SKIP otherwise).
"""

from __future__ import annotations

import gc
import os
import time

import numpy as np

import gatebook as gb

CONFIGS = {
    "quick": {
        "torch_sim": {"sizes": [300], "t_max": 2.0},
        "torch_maxlyap": {"sizes": [300], "t_measure": 2.0},
        "torch_ensemble": {"N": 100, "seeds": 4, "t_measure": 4.0},
        "torch_scaling": {"sizes": [250, 500, 1000], "steps": 5, "cuda_sizes": [1000, 2000]},
    },
    "full": {
        "torch_sim": {"sizes": [1000, 3000], "t_max": 10.0},
        "torch_maxlyap": {"sizes": [1000, 3000], "t_measure": 5.0},
        "torch_ensemble": {"N": 500, "seeds": 8, "t_measure": 20.0},
        "torch_scaling": {"sizes": [1000, 2000, 4000, 8000, 12000, 16000], "steps": 10,
                          "cuda_sizes": [2000, 5000, 10000, 20000]},
    },
}

PARAMS = dict(g_h=3.0, alpha_z=2.0, alpha_r=2.0)  # both gates active, chaotic


def _cuda():
    import torch

    return torch.cuda.is_available()


def _sync(device):
    if device is not None and str(device).startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _median(fn, repeats, device=None):
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _routes(cuda: bool):
    if cuda:
        return [("cuda float32", "cuda", np.float32), ("cuda float64", "cuda", np.float64)]
    return [("torch-cpu float64", "cpu", np.float64), ("torch-cpu float32", "cpu", np.float32)]


def _ratio_rows(kind, cfg, tools, call, cuda=False):
    """Rows ``{kind}[N=..]``: numpy time / torch time of ``call(net, device, dtype)`` per route."""
    rows = []
    for N in cfg["sizes"]:
        net = gb.GatedNetwork(N, seed=0, **PARAMS)
        call(net, None, np.float64)  # warm-up of both routes (weights per dtype, torch kernels)
        for _, device, dtype in _routes(cuda):
            call(net, device, dtype)
        t_numpy = _median(lambda: call(net, None, np.float64), cfg.get("repeats", 3))
        times = {"numpy float64": t_numpy}
        for label, device, dtype in _routes(cuda):
            times[label] = _median(lambda: call(net, device, dtype), cfg.get("repeats", 3), device)
        best = max(_routes(cuda), key=lambda r: t_numpy / times[r[0]])
        ratios = {label: t_numpy / times[label] for label, _, _ in _routes(cuda)}
        rows.append(tools.result(
            f"{kind}[N={N}{', cuda' if cuda else ''}]", value=ratios[best[0]], target=None, unit="x faster",
            times=times, details={"speed-up over numpy": ratios},
            note=f"GatedNetwork(N={N}, g_h=3, alpha_z=alpha_r=2), RK4 dt=0.1; best route: {best[0]}; "
                 + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()),
        ))
    return rows


def bench_torch_sim(cfg, tools):
    def call(net, device, dtype):
        return gb.simulate(net, cfg["t_max"], 0.1, seed=1, record_every=10, device=device, dtype=dtype)

    rows = _ratio_rows("torch_sim", cfg, tools, call)
    if _cuda():
        rows += _ratio_rows("torch_sim", cfg, tools, call, cuda=True)
    return rows


def bench_torch_maxlyap(cfg, tools):
    def call(net, device, dtype):
        return gb.max_lyapunov(net, t_transient=1.0, t_measure=cfg["t_measure"], seed=1, device=device, dtype=dtype)

    rows = _ratio_rows("torch_maxlyap", cfg, tools, call)
    if _cuda():
        rows += _ratio_rows("torch_maxlyap", cfg, tools, call, cuda=True)
    return rows


def bench_torch_ensemble(cfg, tools):
    N, S = cfg["N"], cfg["seeds"]
    nets = [gb.GatedNetwork(N, seed=s, **PARAMS) for s in range(S)]
    kw = dict(t_transient=1.0, t_measure=cfg["t_measure"], seed=list(range(S)))
    routes = [("numpy float64", None, np.float64)] + _routes(_cuda())
    results, times = {}, {}
    for label, device, dtype in routes:
        gb.max_lyapunov(nets, device=device, dtype=dtype, t_transient=0.2, t_measure=0.4, seed=list(range(S)))
        times[label] = _median(lambda: results.__setitem__(label, gb.max_lyapunov(nets, device=device, dtype=dtype,
                                                                                    **kw)), 3, device)
    ref = np.array([r.maximum for r in results["numpy float64"]])
    diffs = {label: float(np.abs(np.array([r.maximum for r in results[label]]) - ref).max()) for label, _, _ in routes}
    ratios = {label: times["numpy float64"] / times[label] for label, _, _ in routes[1:]}
    best = max(ratios, key=ratios.get)
    return [tools.result(
        "torch_ensemble", value=ratios[best], target=None, unit="x faster", times=times,
        details={"speed-up over numpy": ratios, "max |lambda - lambda_numpy|": diffs},
        note=f"max_lyapunov of {S} seeds of GatedNetwork(N={N}) as one stack; best: {best}; "
             + ", ".join(f"{k} {v:.2f}x (max diff {diffs[k]:.1e})" for k, v in ratios.items()),
    )]


def _scaling_row(sizes, steps, device, tools):
    from gatebook.integrators import STEPPERS
    from gatebook.torch_networks import stack_networks

    import resource

    per_step, stack_bytes, host_bytes, peak_rss = [], [], [], []
    # a gated network takes about 70 N^2 bytes here (numpy model in float64 + float32 stack):
    # sizes that would not fit in 80 % of the free memory are left out, not swapped or killed
    free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    sizes = [N for N in sizes if 70 * N**2 < 0.8 * free] or sizes[:1]
    for N in sizes:
        net = gb.GatedNetwork(N, seed=0, **PARAMS)
        host_bytes.append(sum(a.nbytes for a in (net.couplings_h, net.couplings_z, net.couplings_r,
                                                 net.weights_h, net.weights_gates)))
        stack = stack_networks(net, device, np.float32)
        stack_bytes.append((stack.weights_h.numel() + stack.weights_gates.numel()) * 4)
        x = stack.tensor(net.initial_state(seed=1)[None, None])
        step = STEPPERS["rk4"]
        for _ in range(2):
            x = step(stack, x, 0.0, 0.1)

        def run(x=x, stack=stack):
            for _ in range(steps):
                x = step(stack, x, 0.0, 0.1)

        per_step.append(_median(run, 3, device) / steps)
        peak_rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)  # bytes (Linux: KiB)
        del net, stack, x, run  # free this size before the next is built (the stack holds the model)
        gc.collect()
    big = [i for i, N in enumerate(sizes) if N >= sizes[len(sizes) // 2]] or list(range(len(sizes)))
    slope_t = float(np.polyfit(np.log([sizes[i] for i in big]), np.log([per_step[i] for i in big]), 1)[0])
    slope_m = float(np.polyfit(np.log(sizes), np.log(stack_bytes), 1)[0])
    c = per_step[-1] / sizes[-1] ** 2  # seconds per step per N^2, at the largest size
    reach = {budget: int(np.sqrt(seconds / (4000 * c))) for budget, seconds in (("minute", 60.0), ("hour", 3600.0))}
    name = f"torch_scaling[{'cuda' if str(device).startswith('cuda') else 'cpu'}]"
    return [tools.result(
        name, value=slope_t, target=None, unit="exponent of time/step vs N",
        times={f"N={N}": t for N, t in zip(sizes, per_step)},
        details={"sizes": list(sizes), "seconds_per_rk4_step": per_step, "stack_bytes": stack_bytes,
                 "host_model_bytes": host_bytes, "peak_rss_bytes": peak_rss, "memory_exponent": slope_m,
                 "machine_memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"),
                 "N_for_400tau_in_a_minute": reach["minute"], "N_for_400tau_in_an_hour": reach["hour"]},
        note=(f"GatedNetwork, float32 RK4 step; time ~ N^{slope_t:.2f}, stack memory ~ N^{slope_m:.2f} "
              f"({stack_bytes[-1] / 2**30:.2f} GiB at N={sizes[-1]}, process peak {peak_rss[-1] / 2**30:.1f} GiB); "
              + ", ".join(f"N={N}: {1e3 * t:.1f} ms" for N, t in zip(sizes, per_step))
              + f"; a 400 tau run (4000 steps) reaches N~{reach['minute']} in a minute, N~{reach['hour']} in an hour"),
    )]


def bench_torch_scaling(cfg, tools):
    rows = _scaling_row(cfg["sizes"], cfg["steps"], "cpu", tools)
    if _cuda():
        rows += _scaling_row(cfg["cuda_sizes"], cfg["steps"], "cuda", tools)
    else:
        rows.append(tools.skipped("torch_scaling[cuda]", "torch sees no CUDA device on this machine"))
    return rows
