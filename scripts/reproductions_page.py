#!/usr/bin/env python
"""Write (or check) the tables of the *Reproductions* page from the committed paper-scale summaries.

    python scripts/reproductions_page.py --write   # after a new run (commands on the page)
    python scripts/reproductions_page.py --check   # exit 1 if the page differs (run by the tests)

The summaries are ``data/reproductions/<study>-paper/summary.json``, written by
``python -m gatebook reproduce <study> --scale paper --out data/reproductions``. Each table sits
in ``reproductions.md`` between ``<!-- measured:NAME -->`` and ``<!-- /measured:NAME -->``; a
study that has not been run yet gets a line saying so instead of a table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import measured_blocks  # scripts/measured_blocks.py (the scripts' folder is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "reproductions.md"
DATA = ROOT / "data" / "reproductions"


def _summary(study: str):
    path = DATA / f"{study}-paper" / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _ms(cell: dict, digits: int = 3) -> str:
    if not cell or cell.get("n", 0) == 0:
        return "–"
    if "mean" in cell:
        return f"{cell['mean']:.{digits}f} ± {cell['sd']:.{digits}f}"
    return f"{cell['median']:.{digits}g} [{cell['q1']:.{digits}g}, {cell['q3']:.{digits}g}]"


def _missing(study: str) -> str:
    return (f"*Not run at the paper's scale yet:* `python -m gatebook reproduce {study} --scale paper "
            f"--out data/reproductions` writes the summary this table is made from.")


def _s1_table() -> str:
    s = _summary("s1")
    if s is None:
        return _missing("s1")
    lines = [f"{len(s['jobs'])} runs ({s['settings']['seeds']} seeds per model), mean ± s.d. over seeds.", "",
             "| model | iteration | mean gate | $\\kappa_{\\rm carry}$ | $R^2$ carry | $R^2$ of the lag alone "
             "| gain from $\\ln P$ (carry) | within-lag corr. (carry) | $\\kappa_{\\rm update}$ |",
             "|---|---|---|---|---|---|---|---|---|"]
    for model, rows in s["table"].items():
        for step, q in rows.items():
            lines.append(
                f"| {model} | {step} | {_ms(q.get('gate_mean'))} | {_ms(q.get('slope_carry'))} | "
                f"{_ms(q.get('r2_carry'), 4)} | {_ms(q.get('r2_lag_carry'), 4)} | {_ms(q.get('r2_gain_carry'), 4)} | "
                f"{_ms(q.get('within_lag_corr_carry'), 2)} | {_ms(q.get('slope_update'))} |")
    return "\n".join(lines)


def _s1_changes_table() -> str:
    s = _summary("s1")
    if s is None or "changes" not in s:
        return _missing("s1")
    c = s["changes"]
    names = {"gate_mean": "mean gate", "within_lag_corr_carry": "within-lag corr. (carry)",
             "slope_carry": "$\\kappa_{\\rm carry}$"}
    lines = [f"Change from iteration {c['from']} to iteration {c['to']}, paired by seed: the mean change with its "
             f"{c['confidence']:.0%} t-interval, and in how many seeds the quantity fell.", "",
             "| model | " + " | ".join(names.values()) + " |", "|---|" + "---|" * len(names)]
    for model, row in c["rows"].items():
        cells = [f"{row[k]['change']:+.3g} [{row[k]['ci'][0]:+.3g}, {row[k]['ci'][1]:+.3g}], fell in "
                 f"{row[k]['decreased']}/{row[k]['n']}" if k in row else "–" for k in names]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _appB_table() -> str:
    s = _summary("appB")
    if s is None:
        return _missing("appB")
    lines = [f"{len(s['jobs'])} runs (seeds 0–19 per gated cell), median [quartiles] over the seeds the "
             "preset's Tukey fence keeps.", "",
             "| cell | log–log slope of $E(\\varepsilon)$ | flatness of $C_2=E/\\varepsilon^2$ | "
             "share of the gates' effect the first order misses |", "|---|---|---|---|"]
    for model, rows in s["table"].items():
        q = rows["init"]
        lines.append(f"| {model} | {_ms(q.get('slope'))} | {_ms(q.get('c2_flatness'))} | "
                     f"{_ms(q.get('relative_remainder'))} |")
    return "\n".join(lines)


def _settings_table() -> str:
    lines = ["| study | preset settings not applied (and why) |", "|---|---|"]
    for study in ("s1", "s2", "appB"):
        s = _summary(study)
        if s is None:
            lines.append(f"| {study} | not run yet |")
            continue
        missing = "; ".join(f"`{k}`: {v}" for k, v in s["not_applied"].items()) or "none"
        lines.append(f"| {study} | {missing} |")
    return "\n".join(lines)


def _s2_table() -> str:
    s = _summary("s2")
    if s is None:
        return _missing("s2")
    first, last = (str(c) for c in (s["settings"]["checkpoints"][0], s["settings"]["checkpoints"][-1]))
    long_lag = max(s["settings"]["lags"])
    lines = [f"{len(s['jobs'])} runs ({s['settings']['seeds']} seeds per arm and task; the paper used "
             f"{s['settings'].get('seeds_full', 20)}), median [quartiles] over seeds; update metrics from the "
             f"per-example gradients (GradCov), propagation metrics from the products at lag {long_lag}.", "",
             f"| task | arm | update AI, it. {first} | update AI, it. {last} | update PR, it. {last} "
             f"| propagation AI, lag {long_lag}, it. {last} | propagation CE, lag 2, it. {last} |",
             "|---|---|---|---|---|---|---|"]
    for group, rows in s["table"].items():
        arm, task = group.split(" | ")
        lines.append(f"| {task} | {arm} | {_ms(rows[first]['update AI'])} | {_ms(rows[last]['update AI'])} | "
                     f"{_ms(rows[last]['update PR'])} | {_ms(rows[last][f'propagation AI (lag {long_lag})'])} | "
                     f"{_ms(rows[last]['propagation CE (lag 2)'])} |")
    return "\n".join(lines)


def _s2_paired_table() -> str:
    s = _summary("s2")
    if s is None or "contrasts" not in s:
        return _missing("s2")
    c = s["contrasts"]
    names = list(next(iter(c["rows"].values())))
    lines = [f"Each gated arm against {c['reference']}, paired by seed at iteration {c['checkpoint']}: the "
             f"geometric-mean ratio (arm / {c['reference']}) with its {c['confidence']:.0%} t-interval, and "
             f"in how many seeds the arm's value is the larger.", "",
             "| task | arm | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for group, row in c["rows"].items():
        arm, task = group.split(" | ")
        cells = [f"{v['ratio']:.3g} [{v['ci'][0]:.3g}, {v['ci'][1]:.3g}], {v['above']}/{v['n']}" for v in row.values()]
        lines.append(f"| {task} | {arm} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


TABLES = {"s1": _s1_table, "s1-changes": _s1_changes_table, "appB": _appB_table, "s2": _s2_table, "s2-paired": _s2_paired_table, "settings": _settings_table}


def main(argv=None) -> int:
    return measured_blocks.main(PAGE, TABLES, description=__doc__.splitlines()[0], source="data/reproductions",
                                command="python scripts/reproductions_page.py --write", argv=argv)


if __name__ == "__main__":
    sys.exit(main())
