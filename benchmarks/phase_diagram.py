"""Part III-b benchmarks (issue 5): mean-field theory against simulation, and phase diagrams.

Imported by ``benchmarks/run.py`` (the lead wires the names in). Each ``bench_*`` function
takes the runner's configuration ``cfg`` and a ``tools`` namespace with the timing helpers
of ``benchmarks/timing.py`` (``timed``, ``paired``, ``result``) and returns a list of table
rows. BLAS threads are pinned by the runner before numpy is imported.

* ``phase_dmft_vs_sim`` -- one DMFT solve of the gated network (variance and
  :math:`\\lambda_{\\max}`, cold start) against one finite-:math:`N` simulation measuring
  :math:`\\lambda_{\\max}` (``max_lyapunov``), paired in the same process. Target: the theory is
  at least 100x cheaper (issue 5). The row also reports both estimates, the simulation's
  standard error and the timed solve's error against a refined solve (1024 lags on
  :math:`[0,80]`, tight tolerances), so "comparable precision" can be judged: the DMFT value
  carries no finite-:math:`N` bias and a solver error far below the simulation's error bar.
* ``phase_diagram_grid`` -- a ``(g_h, alpha_r)`` diagram with :math:`\\lambda_{\\max}` (continuation
  along :math:`g_h`, empty cache), timed once; reported as total time, cost per grid point
  against one simulation, and the time of a 40 x 40 diagram (measured at the full size,
  extrapolated from the small grid with ``--quick``; see ``CONFIGS``).

Run directly: ``python benchmarks/phase_diagram.py [--quick]`` prints the rows.
"""

from __future__ import annotations

import numpy as np

import gatebook
from gatebook.meanfield import phases
from gatebook.meanfield.gated import gated_dmft, gated_lambda_max

__all__ = ["CONFIGS", "bench_phase_dmft_vs_sim", "bench_phase_diagram_grid", "simulation_lambda", "dmft_solve"]

#: The point both sides measure: a chaotic gated network with a sharp-ish output gate.
POINT = {"g_h": 3.0, "alpha_r": 5.0}

CONFIGS = {
    "quick": {
        "phase_dmft_vs_sim": {"N": 200, "t_transient": 10.0, "t_measure": 40.0, "n": 256, "s_max": 40.0,
                              "tol": 1e-6, "lambda_tol": 1e-5},
        "phase_diagram_grid": {"n_g": 5, "n_alpha": 3, "N": 200, "t_transient": 10.0, "t_measure": 40.0,
                               "n": 256, "s_max": 40.0},
    },
    "full": {
        # the simulation of the issue: N = 1000, lambda_max over 200 tau (after a 50 tau transient)
        # DMFT at the settings the phase diagrams use; its error is measured against a refined solve
        "phase_dmft_vs_sim": {"N": 1000, "t_transient": 50.0, "t_measure": 200.0, "n": 256, "s_max": 40.0,
                              "tol": 1e-6, "lambda_tol": 1e-5},
        # the issue's 40 x 40 diagram, measured (about 7 min), at chapter 11's lag grid
        "phase_diagram_grid": {"n_g": 40, "n_alpha": 40, "N": 1000, "t_transient": 50.0, "t_measure": 200.0,
                               "n": 256, "s_max": 40.0},
    },
}


def dmft_solve(n: int, s_max: float, tol: float = 1e-9, lambda_tol: float = 1e-8):
    """One cold DMFT solve at :data:`POINT` and its :math:`\\lambda_{\\max}`: ``(variance, lambda_max)``."""
    res = gated_dmft(POINT["g_h"], alpha_r=POINT["alpha_r"], n=n, s_max=s_max, tol=tol)
    return res.variance, gated_lambda_max(res, tol=lambda_tol)


def simulation_lambda(N: int, t_transient: float, t_measure: float, seed: int = 0):
    """``max_lyapunov`` of ``GatedNetwork(N, **POINT)``: ``(lambda_max, stderr, temporal variance of h)``."""
    net = gatebook.GatedNetwork(N, POINT["g_h"], alpha_r=POINT["alpha_r"], seed=seed)
    res = gatebook.max_lyapunov(net, dt=0.1, t_transient=t_transient, t_measure=t_measure,
                                x0=net.initial_state(seed), seed=seed)
    return res.maximum, float(res.stderr[0])


def bench_phase_dmft_vs_sim(cfg, tools):
    """One DMFT variance + lambda_max solve against one finite-N lambda_max simulation."""
    out = {}

    def theory():
        out["theory"] = dmft_solve(cfg["n"], cfg["s_max"], cfg["tol"], cfg["lambda_tol"])

    def simulation():
        out["sim"] = simulation_lambda(cfg["N"], cfg["t_transient"], cfg["t_measure"])

    theory()  # warm-up (quadrature caches, imports)
    t = tools.paired(theory, simulation, cfg["repeats"])
    speedup = 1.0 / t["ratio"]
    (variance, lam_theory), (lam_sim, err_sim) = out["theory"], out["sim"]
    # the timed solve's own error, against a refined grid and tight tolerances (untimed)
    var_ref, lam_ref = dmft_solve(1024, 80.0)
    dmft_error = abs(lam_theory - lam_ref)
    return [tools.result(
        "phase_dmft_vs_sim", value=speedup, target=100.0, op=">=", unit="x cheaper",
        times={"dmft (variance + lambda_max)": t["candidate_s"], "simulation (max_lyapunov)": t["baseline_s"]},
        details={"dmft_variance": variance, "dmft_lambda_max": lam_theory, "sim_lambda_max": lam_sim,
                 "sim_stderr": err_sim, "dmft_lambda_error_vs_refined": dmft_error,
                 "dmft_variance_error_vs_refined": abs(variance - var_ref), "N": cfg["N"],
                 "t_measure": cfg["t_measure"], "point": POINT, "pairs": t},
        note=f"lambda_max: DMFT {lam_theory:.4f} (error {dmft_error:.1e} against a refined solve) vs simulation "
             f"{lam_sim:.4f} ± {err_sim:.4f} (N={cfg['N']}, finite-N bias not included)",
    )]


def bench_phase_diagram_grid(cfg, tools):
    """A (g_h, alpha_r) diagram with lambda_max from an empty cache, against one simulation."""
    g = np.linspace(1.2, 4.0, cfg["n_g"])
    alphas = np.concatenate([[0.0], np.geomspace(1.0, 100.0, cfg["n_alpha"] - 1)])
    phases.clear_phase_cache()

    def diagram():
        return phases.phase_diagram(g, alpha_r=alphas, lambda_max=True, progress=False,
                                    n_lags=cfg["n"], s_max=cfg["s_max"])

    t_diagram, d = tools.timed(diagram)
    info = phases.phase_cache_info()
    t_sim, _ = tools.timed(lambda: simulation_lambda(cfg["N"], cfg["t_transient"], cfg["t_measure"]))
    points = g.size * alphas.size
    per_point = t_diagram / points
    return [
        tools.result("phase_diagram_grid", value=per_point / t_sim, target=None, unit="x one simulation per point",
                     times={"diagram": t_diagram, "simulation": t_sim},
                     details={"grid": [int(g.size), int(alphas.size)], "per_point_s": per_point,
                              "dmft_solves": info["solves"], "lambda_solves": info["lambda_solves"],
                              "regions": d.counts()},
                     note=f"{g.size}x{alphas.size} grid in {t_diagram:.1f} s ({per_point:.2f} s per point, "
                          f"{info['solves']} DMFT + {info['lambda_solves']} lambda solves)"),
        tools.result("phase_diagram_40x40", value=per_point * 1600.0, target=None,
                     unit="s" if points == 1600 else "s (extrapolated)",
                     details={"per_point_s": per_point, "simulation_s": t_sim, "measured": points == 1600,
                              "simulations_in_the_same_time": per_point * 1600.0 / t_sim},
                     note=f"= {per_point * 1600.0 / t_sim:.1f} simulations of N={cfg['N']}"
                          + ("" if points == 1600 else f" (from the {g.size}x{alphas.size} grid)")),
    ]


if __name__ == "__main__":  # pragma: no cover - manual use: the runner's own helpers
    import argparse
    import types

    import timing  # benchmarks/timing.py (run with OPENBLAS_NUM_THREADS=1 to pin BLAS as run.py does)

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tools = types.SimpleNamespace(timed=timing.timed, paired=timing.paired, result=timing.result)
    cfgs = CONFIGS["quick" if args.quick else "full"]
    for name, bench in (("phase_dmft_vs_sim", bench_phase_dmft_vs_sim), ("phase_diagram_grid", bench_phase_diagram_grid)):
        for row in bench({**cfgs[name], "repeats": args.repeats}, tools):
            print(row["name"], row["status"], f"{row['value']:.4g}", row["unit"], "|", row["note"], "|", row["times_s"])
