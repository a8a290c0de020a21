#!/usr/bin/env python
"""Run (or show) chapter 11's observation of marginal stability: fixed points of networks as alpha_z grows.

    OMP_NUM_THREADS=1 python scripts/marginal_fixed_points.py --write                 # both parts
    OMP_NUM_THREADS=1 python scripts/marginal_fixed_points.py --write --part edge     # the edge study only
    python scripts/marginal_fixed_points.py --summary   # recompute the edge summary from the stored results
    python scripts/marginal_fixed_points.py --show

Two parts, one file (``data/marginal/fixed_points.json``). Chapter 11 reads the packaged copy
(``gatebook.committed_summary("marginal")``; run ``scripts/committed_summaries.py --write`` after
``--write``).

* **The first run** (``results``): :func:`gatebook.marginal_fixed_points` at N = 400 and N = 1000
  (:data:`RUNS`): one fixed point per network followed through g_h = 3-7 (alpha_r = 0,
  beta_r = beta_z = 0: the window of the theory is 2 < g_h < g_h* = 6.55), each point and its mirror
  measured at alpha_z = 0, 50 and 1000. 49 s and 334 s on 2 workers.
* **The edge study** (``edge``): where marginal stability ends, per N. The same measurement at
  alpha_z = 1000 only, on a finer grid near the edge (:data:`EDGE_G`), at N = 200 (32 networks),
  400 (24) and 1000 (6) (:data:`EDGE_RUNS`), on one worker of a shared machine: 28 s, 102 s and
  the time stored in ``edge["wall_s"]``. Its ``summary`` gives per N and gain the marginal
  fraction, the open block's rightmost eigenvalue and bulk radius against ``open_radius``, the
  fixed points' variance against the static mean field's and the open units' mean
  :math:`\\phi'^2` (read off the bulk radius) against the Gaussian one; per fixed point the gain
  where the open block's rightmost eigenvalue first reaches 1 (linear interpolation between
  gains), and a weighted fit of the median edge against 1/N.
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

import committed_run  # noqa: E402  scripts/committed_run.py (the scripts' folder is on sys.path when run)
import gatebook as gb  # noqa: E402

PATH = ROOT / "data" / "marginal" / "fixed_points.json"
G_VALUES = [3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0]
#: N -> seeds
RUNS = {400: list(range(8)), 1000: list(range(4))}
#: The edge study: gains, N -> seeds, and the one alpha_z it measures.
EDGE_G = [4.0, 4.5, 4.75, 5.0, 5.25, 5.5, 5.75, 6.0, 6.5]
#: N = 2000 is left out: one network there took more than 5 CPU-minutes for two gains (the continuation's
#: N x N solves and eigensolves), more than the whole study's budget of about 25 minutes on one core.
EDGE_RUNS = {200: list(range(32)), 400: list(range(24)), 1000: list(range(6))}
EDGE_ALPHA_Z = 1000.0
#: The edge study's settings of :func:`gatebook.marginal_fixed_points`: only the open block's spectrum
#: (marginal stability as alpha_z -> infinity), no restarts (random starts do not converge above
#: g_h ~ 4, so a restart only costs time), at most 30 Newton steps per continuation step.
EDGE_SETTINGS = {"alpha_z_values": [EDGE_ALPHA_Z], "full_spectrum": False, "restarts": 0, "step_iter": 30}
#: Random starts at g_h = 2.6 per network.
EDGE_STARTS = {200: 10, 400: 10, 1000: 10}


def _gauss_dphi2(variance: float) -> float:
    r""":math:`\langle\phi'^2\rangle` over :math:`\mathcal N(0,\mathrm{variance})`, :math:`\phi=\tanh`."""
    x, w = np.polynomial.hermite_e.hermegauss(121)
    return float(np.sum(w * (1.0 - np.tanh(np.sqrt(variance) * x) ** 2) ** 2) / np.sqrt(2.0 * np.pi))


def _first_crossing(g: np.ndarray, r: np.ndarray):
    """The gain where ``r`` (at gains ``g``, increasing) first reaches 1, linearly interpolated.

    Returns ``(edge, censored)``: ``censored`` is ``"below"`` when ``r >= 1`` at the first gain,
    ``"above"`` when ``r < 1`` at every gain (``edge`` is then ``None``), else ``None``.
    """
    above = np.flatnonzero(r >= 1.0)
    if above.size == 0:
        return None, "above"
    j = int(above[0])
    if j == 0:
        return None, "below"
    return float(g[j - 1] + (1.0 - r[j - 1]) * (g[j] - g[j - 1]) / (r[j] - r[j - 1])), None


#: Bootstrap resamples (over networks) for the standard error of the median edge.
BOOTSTRAP = 400


def _kaplan_meier(t: np.ndarray, event: np.ndarray) -> dict:
    """Kaplan-Meier quantiles of the edge from event (crossing) and right-censored (lost) gains.

    ``S(g)`` is the estimated share of points still marginal at ``g``; the median is the first event
    gain where ``S <= 1/2`` (``None`` if it never gets there), the quartiles likewise at 3/4 and 1/4.
    """
    S, out = 1.0, {"median": None, "q25": None, "q75": None}
    for u in np.unique(t[event]):
        at_risk = np.count_nonzero(t >= u)
        S *= 1.0 - np.count_nonzero((t == u) & event) / at_risk
        for key, level in (("q25", 0.75), ("median", 0.5), ("q75", 0.25)):
            if out[key] is None and S <= level + 1e-12:
                out[key] = float(u)
    return out


def _round(x, digits=4):
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return None
    return round(float(x), digits)


def edge_summary(results: dict, g_star: float) -> dict:
    """The edge study's summary from its results (``{N: MarginalFixedPoints}``)."""
    from gatebook.meanfield.static import static_mean_field

    out, sizes, medians, errors = {"per_N": {}, "bootstrap": BOOTSTRAP}, [], [], []
    for N, res in sorted(results.items()):
        g, s_r = res.g_values, 0.5  # beta_r = 0
        per_gain = {"g": g.tolist(), "found": [], "marginal_fraction": [], "rightmost_mean": [], "rightmost_min": [],
                    "rightmost_max": [], "radius_mean": [], "theory_radius": [_round(t) for t in res.theory_radius],
                    "variance_mean": [], "static_variance": [], "dphi2_open": [], "dphi2_gauss_measured": [],
                    "dphi2_gauss_static": []}
        for i, gi in enumerate(g):
            k = res.found[i]
            D = static_mean_field(float(gi), 0.0, 0.0).delta_h
            per_gain["found"].append(int(k.sum()))
            per_gain["static_variance"].append(_round(D))
            per_gain["dphi2_gauss_static"].append(_round(_gauss_dphi2(D)))
            if not k.any():
                for key in ("marginal_fraction", "rightmost_mean", "rightmost_min", "rightmost_max", "radius_mean",
                            "variance_mean", "dphi2_open", "dphi2_gauss_measured"):
                    per_gain[key].append(None)
                continue
            rm = res.open_rightmost[i, k]
            per_gain["marginal_fraction"].append(_round(np.mean(rm < 1.0)))  # the open block decides (alpha_z -> inf)
            per_gain["rightmost_mean"].append(_round(rm.mean()))
            per_gain["rightmost_min"].append(_round(rm.min()))
            per_gain["rightmost_max"].append(_round(rm.max()))
            per_gain["radius_mean"].append(_round(res.open_radius[i, k].mean()))
            per_gain["variance_mean"].append(_round(res.variance[i, k].mean()))
            # bulk radius^2 = g^2 s_r^2 (1/N) sum_{j open} phi'_j^2 (sum_{i open} J_ij^2 ~ N_open/N)
            dphi2 = res.open_radius[i, k] ** 2 / (gi**2 * s_r**2 * res.open_fraction[i, k])
            per_gain["dphi2_open"].append(_round(dphi2.mean()))
            per_gain["dphi2_gauss_measured"].append(_round(np.mean([_gauss_dphi2(v) for v in res.variance[i, k]])))
        # per fixed point: where its open block's rightmost eigenvalue first reaches 1 (an event), or
        # the last gain where its branch was seen below 1 (right-censored: lost at a fold, or the grid's end)
        times, events, kinds = [], [], []
        for p in range(res.point_seed.size):
            k = np.flatnonzero(res.found[:, p])
            if k.size == 0:
                times.append(None), events.append(False), kinds.append("not found")
                continue
            e, c = _first_crossing(g[k], res.open_rightmost[k, p])
            if c is None:
                times.append(e), events.append(True), kinds.append("crossed")
            elif c == "below":  # already above 1 where first seen: counted as crossing there
                times.append(float(g[k[0]])), events.append(True), kinds.append("above 1 when first seen")
            else:
                times.append(float(g[k[-1]])), events.append(False)
                kinds.append("below 1 at the end of the grid" if k[-1] == g.size - 1 else "lost below 1")
        use = np.array([t is not None for t in times])
        t_all = np.array([np.nan if t is None else t for t in times])
        ev_all = np.array(events)
        km = _kaplan_meier(t_all[use], ev_all[use])
        # standard error of the median: bootstrap over networks (the independent samples; h and -h together)
        rng = np.random.default_rng(0)
        boots = []
        for _ in range(BOOTSTRAP):
            pick = rng.choice(res.seeds, size=res.seeds.size, replace=True)
            idx = np.concatenate([np.flatnonzero((res.point_seed == s_) & use) for s_ in pick])
            boots.append(_kaplan_meier(t_all[idx], ev_all[idx])["median"] if idx.size else None)
        ok_boot = np.array([b for b in boots if b is not None])
        crossed = t_all[use & ev_all]
        n_nets_crossed = int(np.unique(res.point_seed[use & ev_all]).size)
        mean_curve = np.array([np.nan if v is None else v for v in per_gain["rightmost_mean"]])
        ok = np.isfinite(mean_curve)
        edge_of_mean, _ = _first_crossing(g[ok], mean_curve[ok])
        frac = np.array([np.nan if v is None else v for v in per_gain["marginal_fraction"]])
        okf = np.isfinite(frac)
        half, _ = _first_crossing(g[okf], 1.5 - frac[okf])  # the marginal fraction falls through 1/2
        out["per_N"][str(N)] = {
            "networks": int(res.seeds.size), "points": int(res.point_seed.size), "per_gain": per_gain,
            "point_edge_or_censor": [_round(t) for t in times], "point_kind": kinds,
            "kinds": {c: kinds.count(c) for c in ("crossed", "above 1 when first seen", "lost below 1",
                                                  "below 1 at the end of the grid", "not found")},
            "km_median": _round(km["median"]), "km_q25": _round(km["q25"]), "km_q75": _round(km["q75"]),
            # no error bar unless at least two networks have a crossing
            "km_median_se": _round(ok_boot.std(ddof=1)) if ok_boot.size > 1 and n_nets_crossed > 1 else None,
            "networks_crossed": n_nets_crossed,
            "km_median_bootstrap_undefined": int(len(boots) - ok_boot.size),
            "crossed_min": _round(crossed.min()) if crossed.size else None,
            "crossed_max": _round(crossed.max()) if crossed.size else None,
            "crossed_median": _round(np.median(crossed)) if crossed.size else None,
            "edge_of_mean_rightmost": _round(edge_of_mean), "half_marginal": _round(half)}
        se = out["per_N"][str(N)]["km_median_se"]
        if km["median"] is not None and se:
            sizes.append(N)
            medians.append(km["median"])
            errors.append(se)
    if len(sizes) < 3:
        out["fit"] = None  # two parameters: at least three sizes with an error bar
        return out
    x, y, w = 1.0 / np.array(sizes), np.array(medians), 1.0 / np.array(errors) ** 2
    X = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    coef = cov @ (X.T @ (w * y))
    chi2 = float(np.sum(w * (y - X @ coef) ** 2))
    out["fit"] = {"model": "Kaplan-Meier median edge = intercept + slope / N, weighted by 1/se^2", "sizes": sizes,
                  "intercept": _round(coef[0]), "intercept_se": _round(np.sqrt(cov[0, 0])),
                  "slope": _round(coef[1], 2), "slope_se": _round(np.sqrt(cov[1, 1]), 2), "chi2": _round(chi2, 3),
                  "dof": len(sizes) - 2, "g_star": _round(g_star),
                  "intercept_below_g_star_in_se": _round((g_star - coef[0]) / np.sqrt(cov[0, 0]), 2)}
    return out


def _edge_results(edge: dict) -> dict:
    return {int(n): gb.MarginalFixedPoints.from_dict(r) for n, r in edge["results"].items()}


def _print_summary(summary: dict) -> None:
    for N, s in summary["per_N"].items():
        pg = s["per_gain"]
        print(f"N = {N}: {s['networks']} networks; KM median edge {s['km_median']} +- {s['km_median_se']} "
              f"(quartiles {s['km_q25']}, {s['km_q75']}; crossings {s['crossed_min']}-{s['crossed_max']}); "
              f"edge of the mean rightmost {s['edge_of_mean_rightmost']}; half marginal at {s['half_marginal']}; "
              f"{s['kinds']}")
        for i, g in enumerate(pg["g"]):
            print(f"  g_h={g:<5g} found {pg['found'][i]:2d}  marginal {pg['marginal_fraction'][i]}  rightmost "
                  f"{pg['rightmost_mean'][i]} [{pg['rightmost_min'][i]}, {pg['rightmost_max'][i]}]  radius "
                  f"{pg['radius_mean'][i]} theory {pg['theory_radius'][i]}  variance {pg['variance_mean'][i]} "
                  f"static {pg['static_variance'][i]}  phi'^2 open {pg['dphi2_open'][i]} gauss(var) "
                  f"{pg['dphi2_gauss_measured'][i]} gauss(static) {pg['dphi2_gauss_static'][i]}")
    print("fit:", summary["fit"])


def _run_edge(data: dict, jobs: int) -> None:
    edge = {"g_values": EDGE_G, "alpha_z": EDGE_ALPHA_Z, "runs": {str(n): s for n, s in EDGE_RUNS.items()},
            "results": {}, "wall_s": {}, "jobs": jobs,
            "made_by": "python scripts/marginal_fixed_points.py --write --part edge"}
    for N, seeds in EDGE_RUNS.items():
        start = time.perf_counter()
        res = gb.marginal_fixed_points(EDGE_G, N, seeds, n_starts=EDGE_STARTS[N], n_jobs=jobs, progress=True,
                                       **EDGE_SETTINGS)
        edge["results"][str(N)] = res.to_dict()
        committed_run.write(ROOT / "data" / "marginal" / "edge_partial.json", edge)  # progress, removed at the end
        edge["wall_s"][str(N)] = round(time.perf_counter() - start, 1)
        edge["results"][str(N)] = res.to_dict()
        print(res, f"\n{edge['wall_s'][str(N)]} s", flush=True)
    data["edge"] = edge
    (ROOT / "data" / "marginal" / "edge_partial.json").unlink(missing_ok=True)
    try:
        edge["summary"] = edge_summary(_edge_results(edge), data["window"][1])
    except Exception as err:  # noqa: BLE001 - keep the results; --show --summary recomputes it
        print("summary failed:", err)
        edge["summary"] = None


def main(argv=None) -> int:
    parser = committed_run.parser(__doc__)
    parser.add_argument("--part", choices=("all", "first", "edge"), default="all",
                        help="with --write: which part to run (the other is kept from the committed file)")
    parser.add_argument("--summary", action="store_true",
                        help="with --show: recompute the edge summary from the stored results and write it")
    args = parser.parse_args(argv)
    if args.show:
        data = json.loads(PATH.read_text())
        if args.summary and "edge" in data:
            data["edge"]["summary"] = edge_summary(_edge_results(data["edge"]), data["window"][1])
            committed_run.write(PATH, data)
        for res in data["results"].values():
            print(gb.MarginalFixedPoints.from_dict(res))
        if "edge" in data:
            _print_summary(data["edge"]["summary"])
        return 0
    versions = {"gatebook": gb.__version__, "numpy": np.__version__, "python": platform.python_version()}
    if args.part == "edge":
        data = json.loads(PATH.read_text())
        data["edge_versions"] = versions
    else:
        data = {"g_values": G_VALUES, "runs": {str(n): s for n, s in RUNS.items()}, "results": {}, "wall_s": {},
                "window": list(gb.meanfield.marginal_window(0.0)),
                "made_by": "python scripts/marginal_fixed_points.py --write", "versions": versions}
        for N, seeds in RUNS.items():
            start = time.perf_counter()
            res = gb.marginal_fixed_points(G_VALUES, N, seeds, n_jobs=args.jobs, progress=True)
            data["wall_s"][str(N)] = round(time.perf_counter() - start, 1)
            data["results"][str(N)] = res.to_dict()
            print(res, f"\n{data['wall_s'][str(N)]} s", flush=True)
        if args.part == "first":
            old = json.loads(PATH.read_text()) if PATH.is_file() else {}
            for key in ("edge", "edge_versions"):
                if key in old:
                    data[key] = old[key]
    if args.part in ("all", "edge"):
        _run_edge(data, args.jobs)
        data["edge_versions"] = versions
    committed_run.write(PATH, data)
    if "edge" in data:
        _print_summary(data["edge"]["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
