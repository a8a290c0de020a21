"""Part III benchmarks (issue 4): the gated h/z/r network (``gatebook.GatedNetwork``).

Imported by ``benchmarks/run.py``; see ``benchmarks/README.md`` for what each one measures.
Every ``bench_*`` function takes the runner's configuration ``cfg`` and a ``tools``
namespace holding the runner's helpers (``timed``, ``paired``, ``result``,
``dense_jacobian_spectrum``, ``maxlyap_vs_simulate``) and returns a list of table rows. BLAS threads are pinned by
the runner before numpy is imported, so both sides of every ratio use the same threads.

The network is the same everywhere: ``GatedNetwork(N, g_h=3, alpha_z=2, alpha_r=2,
seed=0)``, i.e. both gates active and :math:`g_h` above the quiescent threshold
:math:`1+e^{\\beta_r}=2` (chaotic activity), presynaptic output gate, no inputs.
"""

from __future__ import annotations

import functools
import gc
import statistics

import numpy as np

import gatebook
from gatebook._linalg import torch_backend_enabled
from gatebook.simulate import number_of_steps
from timing import paired_statistics  # benchmarks/timing.py

__all__ = [
    "bench_gated_sim_matvec",
    "bench_gated_batch_gemm",
    "bench_gated_maxlyap_sim",
    "bench_gated_spectrum_dense",
    "bench_gated_dense_eig",
    "gated_network",
    "stacked_couplings",
    "gemm_variants",
    "trajectory_chunks",
]

NETWORK = {"g_h": 3.0, "alpha_z": 2.0, "alpha_r": 2.0}


def gated_network(N: int) -> gatebook.GatedNetwork:
    """The benchmarks' network: gates active, chaotic (``g_h = 3 > 1 + e^0``), seed 0."""
    return gatebook.GatedNetwork(N=N, seed=0, **NETWORK)


def stacked_couplings(net, dtype) -> np.ndarray:
    r"""The :math:`3N\times N` matrix :math:`[g_hJ^h;\,g_zJ^z;\,g_rJ^r]` (C-contiguous) in ``dtype``.

    Built from the model's own per-dtype weights, so the baseline reads exactly the numbers
    the simulation reads.
    """
    Wh, Wg = net._weights(dtype)
    return np.ascontiguousarray(np.concatenate([Wh, Wg]))


def frozen_gc(bench):
    """Run ``bench`` with every object that exists before it frozen out of the garbage collector.

    The runner's timer collects garbage before each timed call. With torch loaded a full
    collection takes ~0.1 s, which would dominate a benchmark that times a trajectory in
    many short chunks; frozen, each collection only visits the benchmark's own objects.
    The collector is unfrozen afterwards.
    """
    @functools.wraps(bench)
    def run(cfg, tools):
        gc.collect()
        gc.freeze()
        try:
            return bench(cfg, tools)
        finally:
            gc.unfreeze()
    return run


def _loop(fn, n):
    def run():
        for _ in range(n):
            fn()
    return run


# ---------------------------------------------- 1. one trajectory vs bare stacked mat-vecs


def trajectory_chunks(net, *, dt, steps, x0, dtype, method="euler"):
    """A callable that continues one trajectory by ``steps`` steps of ``simulate`` per call.

    Consecutive calls integrate one long trajectory (each starts from the last state of
    the previous one), so ``n`` calls are ``n * steps`` steps of a single run, each call
    paying ``simulate``'s set-up once.
    """
    state = {"x": np.asarray(x0, dtype=dtype)}

    def run():
        traj = gatebook.simulate(net, t_max=steps * dt, dt=dt, x0=state["x"], method=method,
                                 record_every=steps, dtype=dtype)
        state["x"] = traj.states[-1]
        return traj

    return run


@frozen_gc
def bench_gated_sim_matvec(cfg, tools):
    r"""``simulate(net, method="euler")`` of one trajectory against the bare stacked mat-vecs.

    Baseline: products ``W3 @ v`` of the stacked :math:`3N\times N` couplings with one
    vector (numpy, OpenBLAS ``gemv``), in the simulation's dtype, one per Euler step. Every
    Euler step must read each of the :math:`3N^2` couplings once and do :math:`6N^2` flops;
    one ``gemv`` over the stacked matrix does exactly that and nothing else, so it is the
    floor. (The library does two products, :math:`g_hJ^h(\sigma_r\phi)` and
    :math:`[g_zJ^z;g_rJ^r]\phi`, because the two see different vectors; they read the same
    bytes. That two-product floor is timed too and reported.)

    The trajectory of ``n_steps`` steps is timed in chunks of ``chunk`` steps, each
    interleaved with the same number of bare products of each floor (orders alternating),
    so a change of machine load hits both sides of a ratio alike; the value is the median
    of the per-chunk ratios. float64 and float32 are interleaved in the same rounds, which
    also gives the float32 speed-up (informational).
    """
    from learning import interleaved  # benchmarks/learning.py

    N, dt, chunk = cfg["N"], 0.1, cfg["chunk"]
    n_steps = number_of_steps(cfg["t_max"], dt)
    n_chunks = max(cfg["repeats"], n_steps // chunk)
    net = gated_network(N)
    x0 = net.initial_state(seed=1)
    fns = {}
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        W3 = stacked_couplings(net, dtype)
        Wh, Wg = net._weights(dtype)
        v = np.random.default_rng(2).standard_normal(N).astype(dtype)
        fns[f"simulate {name}"] = trajectory_chunks(net, dt=dt, steps=chunk, x0=x0, dtype=dtype)
        fns[f"stacked {name}"] = _loop(lambda W3=W3, v=v: W3 @ v, chunk)
        fns[f"two {name}"] = _loop(lambda Wh=Wh, Wg=Wg, v=v: (Wh @ v, Wg @ v), chunk)
    for fn in fns.values():  # warm up: BLAS kernels, page faults, the dtype's weight cache
        fn()
    samples, last = interleaved(fns, n_chunks, tools.timed)
    if not all(np.isfinite(last[f"simulate {d}"].states).all() for d in ("float64", "float32")):
        raise FloatingPointError("the benchmark trajectory diverged")
    rows = []
    for name in ("float64", "float32"):
        m = paired_statistics(samples[f"simulate {name}"], samples[f"stacked {name}"])
        two = paired_statistics(samples[f"simulate {name}"], samples[f"two {name}"])
        rows.append(tools.result(
            f"gated_sim_matvec[{name}]", value=m["ratio"], target=1.3, unit="x",
            times={"simulate": m["candidate_s"], "bare stacked matvecs": m["baseline_s"],
                   "two bare matvecs": two["baseline_s"]},
            details={**m, "N": N, "n_steps": n_chunks * chunk, "chunk": chunk, "dtype": name, **NETWORK,
                     "ratio_to_two_products": two["ratio"], "two_products_samples_s": two["baseline_samples_s"],
                     "per_step_overhead_us": 1e6 * (m["candidate_s"] - m["baseline_s"]) / chunk},
            note=(f"N={N}, {n_chunks * chunk} Euler steps in {n_chunks} chunks of {chunk}, each vs {chunk} bare "
                  f"(3N x N) @ v; vs the two products Wh @ v, Wg @ v: {two['ratio']:.2f}x"),
        ))
    m = paired_statistics(samples["simulate float32"], samples["simulate float64"])
    rows.append(tools.result(
        "gated_sim_float32", value=1.0 / m["ratio"], target=None, unit="x faster",
        times={"float32 chunk": m["candidate_s"], "float64 chunk": m["baseline_s"]},
        details={**m, "N": N, "chunk": chunk},
        note=f"N={N}, one trajectory: float32 simulate speed-up over float64 (same rounds)",
    ))
    return rows


# ------------------------------------------------- 2. a batch of trajectories vs GEMM


def gemm_variants(B: int, N: int, dtype, seed: int = 3):
    r"""The ways to do one step's products for ``B`` rows: ``{name: callable}``.

    Each computes :math:`(B, N)\times(N, N)` and :math:`(B, N)\times(N, 2N)` worth of
    products (:math:`6BN^2` flops): the two products the library does, or one product
    with the stacked :math:`(N, 3N)` matrix (stored transposed, or contiguous), through
    numpy (OpenBLAS) or torch.
    """
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((B, N)).astype(dtype)
    W3 = (rng.standard_normal((3 * N, N)) / np.sqrt(N)).astype(dtype)
    Wh, Wg = np.ascontiguousarray(W3[:N]), np.ascontiguousarray(W3[N:])
    W3T = np.ascontiguousarray(W3.T)
    variants = {
        "numpy A @ W3.T": lambda: A @ W3.T,
        "numpy A @ W3T (contiguous)": lambda: A @ W3T,
        "numpy A @ Wh.T, A @ Wg.T": lambda: (A @ Wh.T, A @ Wg.T),
    }
    if torch_backend_enabled():
        import torch

        tA, tW3, tWh, tWg, tW3T = (torch.from_numpy(a) for a in (A, W3, Wh, Wg, W3T))
        variants["torch A @ W3.T"] = lambda: tA @ tW3.T
        variants["torch A @ W3T (contiguous)"] = lambda: tA @ tW3T
        variants["torch A @ Wh.T, A @ Wg.T"] = lambda: (tA @ tWh.T, tA @ tWg.T)
    return variants


@frozen_gc
def bench_gated_batch_gemm(cfg, tools):
    r"""``simulate`` of a batch of trajectories: achieved flop/s as a fraction of GEMM's.

    The products a step must do are :math:`6BN^2` flops (:math:`B` rows through the
    :math:`3N\times N` couplings). The baseline is the *fastest* of :func:`gemm_variants`
    (numpy or torch, stacked or split, best of interleaved rounds), repeated once per step:
    the same flops, so the fraction is baseline time / simulation time. The batch
    trajectory is timed in chunks of ``chunk`` steps, each paired with the baseline.
    """
    B, N, dt, chunk = cfg["batch"], cfg["N"], 0.1, cfg["chunk"]
    n_steps = number_of_steps(cfg["t_max"], dt)
    n_chunks = max(cfg["repeats"], n_steps // chunk)
    net = gated_network(N)
    X0 = net.initial_state(seed=4, trials=B)
    flops = 6.0 * B * N * N * chunk
    rows = []
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        variants = gemm_variants(B, N, dtype)
        rates = {}
        for fn in variants.values():
            fn()
        for _ in range(3):  # interleaved rounds; best round per variant
            for key, fn in variants.items():
                t = tools.timed(_loop(fn, chunk))[0]
                rates[key] = max(rates.get(key, 0.0), flops / t)
        best = max(rates, key=rates.get)
        sim = trajectory_chunks(net, dt=dt, steps=chunk, x0=X0, dtype=dtype)
        sim()
        m = tools.paired(sim, _loop(variants[best], chunk), n_chunks)
        fraction = 1.0 / m["ratio"]
        rows.append(tools.result(
            f"gated_batch_gemm[{name}]", value=100.0 * fraction, target=50.0, op=">=", unit="% of GEMM",
            times={"simulate": m["candidate_s"], "GEMM": m["baseline_s"]},
            details={**m, "fraction": fraction, "B": B, "N": N, "n_steps": n_chunks * chunk, "chunk": chunk,
                     "dtype": name, "gemm_variant": best,
                     "gemm_gflops_by_variant": {k: v / 1e9 for k, v in rates.items()},
                     "simulate_gflops": flops / m["candidate_s"] / 1e9, "gemm_gflops": flops / m["baseline_s"] / 1e9},
            note=(f"B={B}, N={N}, {n_chunks * chunk} Euler steps in chunks of {chunk}: "
                  f"{flops / m['candidate_s'] / 1e9:.1f} GFLOP/s vs {flops / m['baseline_s'] / 1e9:.1f} "
                  f"for '{best}'"),
        ))
    return rows


# ---------------------------------------------------------- 3. max_lyapunov vs simulate


@frozen_gc
def bench_gated_maxlyap_sim(cfg, tools):
    """``max_lyapunov`` (RK4, k = 1) against ``simulate`` (RK4) of the same number of steps."""
    net = gated_network(cfg["N"])
    return [tools.maxlyap_vs_simulate("gated_maxlyap_sim", net, net.initial_state(seed=1), dt=0.1,
                                      t_transient=cfg["t_transient"], t_measure=cfg["t_measure"],
                                      repeats=max(cfg["repeats"], cfg["min_repeats"]))]


# ------------------------------------------ 4. lyapunov_spectrum vs dense 3N x 3N Jacobians


@frozen_gc
def bench_gated_spectrum_dense(cfg, tools):
    """``lyapunov_spectrum(k)`` against the same QR algorithm with dense ``3N x 3N`` Jacobians."""
    N, k, dt, m = cfg["N"], cfg["k"], 0.1, 10
    t_tr, t_me = cfg["t_transient"], cfg["t_measure"]
    net = gated_network(N)
    x0 = net.initial_state(seed=1)
    opts = dict(dt=dt, t_transient=t_tr, t_measure=t_me, reorth_every=m, method="rk4", x0=x0, seed=7)
    out = {}

    def lib():
        out["lib"] = gatebook.lyapunov_spectrum(net, k, **opts)

    def dense():
        out["dense"] = tools.dense_jacobian_spectrum(net, k, **opts)

    # Warm up the library's kernels with a short run (the dense side's kernels below).
    gatebook.lyapunov_spectrum(net, k, **{**opts, "t_transient": 0.0, "t_measure": 2 * m * dt})
    Q = np.linalg.qr(np.random.default_rng(5).standard_normal((net.dim, k)))[0]
    Jx = net.jacobian(x0)
    Jx @ Q
    t = tools.paired(lib, dense, cfg["repeats"])
    # The last timed calls of both must compute the same exponents.
    lib_res, (dense_exp, dense_trace) = out["lib"], out["dense"]
    max_diff = float(np.max(np.abs(lib_res.exponents - dense_exp)))
    trace_diff = abs(lib_res.mean_trace - dense_trace)
    speedup = 1.0 / t["ratio"]

    # Where the time goes: the kernels of one Runge-Kutta stage, timed in isolation.
    x = lib_res.final_state
    Jx = net.jacobian(x)
    reps = cfg["kernel_reps"]
    kernels = {
        "lib stage: vector_field_and_jvp(x, Q)": _loop(lambda: net.vector_field_and_jvp(x, Q), reps),
        "dense build net.jacobian(x)": _loop(lambda: net.jacobian(x), reps),
        "dense GEMM J @ Q": _loop(lambda: Jx @ Q, reps),
        "vector_field(x)": _loop(lambda: net.vector_field(x), reps),
    }
    for fn in kernels.values():
        fn()
    samples = {}
    for _ in range(cfg["repeats"]):
        for name, fn in kernels.items():
            samples.setdefault(name, []).append(1e3 * tools.timed(fn)[0] / reps)
    kernel_ms = {name: statistics.median(v) for name, v in samples.items()}
    flops = {"library stage": 6.0 * (k + 1) * N * N, "dense stage": 2.0 * (3 * N) ** 2 * k}
    return [tools.result(
        "gated_spectrum_dense", value=speedup, target=2.0, op=">=", unit="x faster",
        times={"lyapunov_spectrum": t["candidate_s"], "dense baseline": t["baseline_s"]},
        details={**t, "speedup": speedup, "max_abs_diff_exponents": max_diff, "mean_trace_diff": trace_diff,
                 "lambda_max": float(lib_res.exponents[0]), "N": N, "dim": net.dim, "k": k, "reorth_every": m,
                 "t_transient": t_tr, "t_measure": t_me, "kernel_ms": kernel_ms, "flops_per_stage": flops},
        note=f"N={N} (dim {net.dim}), k={k}, rk4; max|dλ|={max_diff:.1e}, λ1={lib_res.exponents[0]:+.3f}",
    )]


# ------------------------------------------------- 5. dense eigenvalues (report only)


@frozen_gc
def bench_gated_dense_eig(cfg, tools):
    """``np.linalg.eigvals`` of the dense ``3N x 3N`` Jacobian, its construction, and one RK4 step."""
    N, dt = cfg["N"], 0.1
    net = gated_network(N)
    x = gatebook.simulate(net, t_max=20.0, dt=dt, x0=net.initial_state(seed=1), record_every=200).states[-1]
    J = net.jacobian(x)
    n_rk4 = cfg["rk4_steps"]
    fns = {
        "eigvals": lambda: np.linalg.eigvals(J),
        "jacobian": _loop(lambda: net.jacobian(x), cfg["jacobian_reps"]),
        "rk4": lambda: gatebook.simulate(net, t_max=n_rk4 * dt, dt=dt, x0=x, method="rk4", record_every=n_rk4),
    }
    per_call = {"eigvals": 1, "jacobian": cfg["jacobian_reps"], "rk4": n_rk4}
    eigs = fns["eigvals"]()  # warm-up calls; the eigenvalues give the spectral abscissa
    fns["jacobian"]()
    fns["rk4"]()
    samples = {}
    for i in range(cfg["repeats"]):
        for name in (list(fns) if i % 2 == 0 else list(fns)[::-1]):
            samples.setdefault(name, []).append(tools.timed(fns[name])[0] / per_call[name])
    med = {name: statistics.median(v) for name, v in samples.items()}
    return [tools.result(
        "gated_dense_eig", value=med["eigvals"], target=None, unit="s",
        times={"eigvals": med["eigvals"], "jacobian(x)": med["jacobian"], "one RK4 step": med["rk4"]},
        details={"N": N, "dim": net.dim, "samples_s": samples, "eig_over_rk4_step": med["eigvals"] / med["rk4"],
                 "jacobian_over_rk4_step": med["jacobian"] / med["rk4"],
                 "spectral_abscissa": float(eigs.real.max())},
        note=(f"N={N}: dense {net.dim}x{net.dim} eigenvalues = {med['eigvals'] / med['rk4']:.0f} RK4 steps; "
              f"building the Jacobian = {med['jacobian'] / med['rk4']:.1f} RK4 steps"),
    )]


# ------------------------------------------------- 6. fixed-point census (report only, issue 17)


@frozen_gc
def bench_census_cost(cfg, tools):
    """One :func:`gatebook.fixed_point_census` of a sharply gated network: cost per distinct fixed point,
    in units of the two dense operations it is made of (a Newton step's ``solve`` and one ``eigvals``)."""
    N, g_h = cfg["N"], cfg["g_h"]
    net = gatebook.GatedNetwork(N=N, g_h=g_h, alpha_r=20.0, seed=cfg.get("seed", 0))
    x = net.initial_state(seed=1)
    J, F = net.jacobian(x), net.vector_field(x)
    solve = _loop(lambda: np.linalg.solve(J, F), cfg["solve_reps"])
    census_fn = lambda: gatebook.fixed_point_census(net, cfg["n_starts"], seed=0,  # noqa: E731
                                                    transient_starts=cfg["transient_starts"])
    census = census_fn()  # warm-up, and the count
    samples = {"census": [], "solve": [], "eigvals": []}
    for i in range(cfg["repeats"]):
        order = ("census", "solve", "eigvals") if i % 2 == 0 else ("eigvals", "solve", "census")
        for name in order:
            fn = {"census": census_fn, "solve": solve, "eigvals": lambda: np.linalg.eigvals(J)}[name]
            t = tools.timed(fn)[0]
            samples[name].append(t / (cfg["solve_reps"] if name == "solve" else 1))
    med = {k: statistics.median(v) for k, v in samples.items()}
    per_point = med["census"] / census.count
    per_start = med["census"] / census.starts
    return [tools.result(
        "census_cost", value=per_point, target=None, unit="s",
        times={"census": med["census"], "per fixed point": per_point, "per start": per_start,
               "one Newton solve": med["solve"], "one eigvals": med["eigvals"]},
        details={"N": N, "g_h": g_h, "dim": net.dim, "starts": census.starts, "converged": census.converged,
                 "count": census.count, "per_point_in_solves": per_point / med["solve"],
                 "per_point_in_eigvals": per_point / med["eigvals"], "per_start_in_solves": per_start / med["solve"],
                 "samples_s": samples},
        note=(f"N={N}, g_h={g_h}: {census.count} points from {census.starts} starts in {med['census']:.2f} s; "
              f"{per_point:.3g} s per point = {per_point / med['solve']:.0f} dense solves = "
              f"{per_point / med['eigvals']:.1f} eigvals of the {net.dim}x{net.dim} Jacobian"),
    )]
