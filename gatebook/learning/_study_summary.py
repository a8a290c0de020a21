r"""Summaries over seeds of :func:`~gatebook.learning.reproduce.reproduce`'s job records (chapters 3-5).

``aggregate`` gives each study's statistic per group, checkpoint and quantity; ``changes``
(``s1``) pairs the first and last checkpoints of each seed; ``contrasts`` (``s2``) pairs each
gated arm with plain + Adam, seed by seed.
"""

from __future__ import annotations

import numpy as np

def _stat(values, kind: str) -> dict:
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"n": 0}
    if kind == "mean_sd":
        return {"mean": float(x.mean()), "sd": float(x.std(ddof=1)) if x.size > 1 else 0.0, "n": int(x.size)}
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "n": int(x.size)}


def _group(study: str, record: dict) -> str:
    labels = record["labels"]
    return f"{labels['arm']} | {labels['task']}" if study == "s2" else labels["model"]


def _quantities(study: str, res: dict) -> dict:
    """``{checkpoint: {quantity: value}}`` of one job's results."""
    if study == "appB":
        return {"init": {k: res[k] for k in ("slope", "c2_flatness", "relative_remainder", "ratio_median")}}
    out = {}
    for i, step in enumerate(res["checkpoints"]):
        if study == "s1":
            keys = [k for k in res if k.startswith(("slope_", "r2_", "within_lag_", "gate_"))]
            out[str(step)] = {k: res[k][i] for k in keys}
        else:
            q = {f"update {k}": res["update"][k][i] for k in res["update"]}
            for k, rows in res["propagation"].items():
                q.update({f"propagation {k} (lag {h})": rows[i][j] for j, h in enumerate(res["lags"])})
            if i == len(res["checkpoints"]) - 1:  # how far the arm learned, beside the last checkpoint's metrics
                t = res["training"]
                q["final loss / mean predictor"] = t["final_loss"] / t["mean_predictor_mse"]
            out[str(step)] = q
    return out


def _tukey_kept(values: list, factor: float) -> list:
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    q1, q3 = np.nanpercentile(x, [25, 75]) if np.isfinite(x).any() else (np.nan, np.nan)
    return [bool(np.isfinite(v) and q1 - factor * (q3 - q1) <= v <= q3 + factor * (q3 - q1)) for v in x]


def aggregate(study: str, records: list, settings: dict, statistic: str) -> tuple[dict, dict]:
    """``(table, notes)``: the study's statistic per group, checkpoint and quantity."""
    kind = settings.get("summary", statistic)
    groups: dict = {}
    for rec in records:
        groups.setdefault(_group(study, rec), []).append(rec)
    table, notes = {}, {}
    for group, recs in groups.items():
        if study == "appB":  # the preset's outlier rule: Tukey fence on E(eps_max) over seeds
            kept = _tukey_kept([r["results"]["errors"][-1] for r in recs], settings["outlier_iqr_factor"])
            notes[group] = {"excluded_seeds": [r["seed"] for r, k in zip(recs, kept) if not k]}
            recs = [r for r, k in zip(recs, kept) if k]
        per = [_quantities(study, r["results"]) for r in recs]
        table[group] = {step: {q: _stat([p[step][q] for p in per], kind) for q in per[0][step]}
                        for step in per[0]} if per else {}
    return table, notes


def contrasts(records: list, settings: dict, confidence: float = 0.95) -> dict:
    r"""s2: each arm against the first (plain + Adam), task by task, paired by seed at the last checkpoint.

    For a quantity :math:`Q`, ``ratio`` is :math:`e^{\bar d}` with :math:`d_s=\ln Q^{\rm arm}_s-\ln Q^{\rm ref}_s`,
    ``ci`` its t-based interval (:func:`~gatebook.learning.paired.paired_contrast`), and ``above`` the
    seeds in which the arm's value is the larger.
    """
    from .paired import paired_contrast

    last = str(settings["checkpoints"][-1])
    quantities = ("update AI", f"propagation AI (lag {max(settings['lags'])})", "propagation CE (lag 2)",
                  "final loss / mean predictor")
    values: dict = {}
    for rec in records:
        q = _quantities("s2", rec["results"])[last]
        values.setdefault((rec["labels"]["arm"], rec["labels"]["task"]), {})[rec["seed"]] = q
    reference = next(iter(values))[0]
    rows = {}
    for (arm, task), per_seed in values.items():
        ref = values.get((reference, task), {})
        seeds = sorted(set(per_seed) & set(ref))
        if arm == reference or len(seeds) < 2:
            continue
        row = {}
        for name in quantities:
            c = paired_contrast([per_seed[s][name] for s in seeds], [ref[s][name] for s in seeds],
                                confidence=confidence)
            row[name] = {"ratio": c.ratio, "ci": [float(np.exp(c.ci[0])), float(np.exp(c.ci[1]))],
                         "above": int((c.d > 0).sum()), "n": c.n}
        rows[f"{arm} | {task}"] = row
    return {"reference": reference, "checkpoint": int(last), "confidence": confidence, "paired_by": "seed",
            "rows": rows}


def changes(records: list, settings: dict, confidence: float = 0.95) -> dict:
    r"""s1: each cell's change from the first to the last checkpoint, paired by seed.

    For a quantity :math:`Q`, ``change`` is :math:`\bar d` with :math:`d_s=Q_s^{\rm last}-Q_s^{\rm first}`,
    ``ci`` its t-based interval (:func:`~gatebook.learning.paired.t_interval`) and ``decreased`` the
    seeds in which :math:`Q` fell (chapter 3).
    """
    from .paired import t_interval

    first, last = (str(settings["checkpoints"][i]) for i in (0, -1))
    rows: dict = {}
    for rec in records:
        q = _quantities("s1", rec["results"])
        for name in ("gate_mean", "within_lag_corr_carry", "slope_carry"):
            rows.setdefault(rec["labels"]["model"], {}).setdefault(name, []).append((q[first][name], q[last][name]))
    out = {}
    for model, per in rows.items():
        for name, pairs in per.items():
            d = np.array([b - a for a, b in pairs if a is not None and b is not None], dtype=float)
            d = d[np.isfinite(d)]
            if d.size >= 2:
                mean, low, high = t_interval(d, confidence=confidence)
                out.setdefault(model, {})[name] = {"change": mean, "ci": [low, high],
                                                   "decreased": int((d < 0).sum()), "n": int(d.size)}
    return {"from": int(first), "to": int(last), "confidence": confidence, "paired_by": "seed", "rows": out}
