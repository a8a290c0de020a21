#!/usr/bin/env python
"""Measure how much each of the reference code's quirks moves the headline numbers, and write the tables.

    python scripts/quirks_table.py --run laptop   # s1, s2 (adding, ar2), appB at laptop scale, 5 seeds (~6 min)
    python scripts/quirks_table.py --run paper    # s1 and s2 (adding, ar2) at the paper's scale, 3 seeds, all quirks
    python scripts/quirks_table.py --write        # the tables of reproductions.md and chapter 3 from the files
    python scripts/quirks_table.py --check        # exit 1 if a table differs from the files (run by the tests)

``--run`` runs ``reproduce(study, reference_quirks=...)`` once without quirks, once per quirk
that touches the study (alone) and once with all of them, on the same seeds, in a work folder
(``--work``, default a folder under the system's temporary directory; a killed run resumes),
and keeps the per-seed headline numbers in ``data/reproductions/quirks-<scale>/quirks.json``.
At the paper's scale the runs without quirks are seeds 0-2 of the committed
``data/reproductions/s1-paper`` and ``s2-paper`` (every job carries its seed, so they do not depend on how
many seeds ran). ``--write``/``--check`` fill the blocks ``<!-- measured:quirks-... -->`` of
``reproductions.md`` and of the deviations table in ``chapters/03_scalar_gate.ipynb``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

import measured_blocks  # scripts/measured_blocks.py (the scripts' folder is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "reproductions.md"
CHAPTER = ROOT / "chapters" / "03_scalar_gate.ipynb"
DATA = ROOT / "data" / "reproductions"

#: What ``--run`` runs at each scale: ``{study: (seeds, overrides)}``.
RUNS = {
    "laptop": {"s1": (5, None), "s2": (5, {"tasks": ("adding", "ar2")}), "appB": (5, None)},
    "paper": {"s1": (3, None), "s2": (3, {"tasks": ("adding", "ar2")})},
}
S2_LAGS = (2, 8)
LABEL = {"none": "book", "reversed_order": "reversed order", "post_update_state": "post-update state",
         "extra_gate_factor": "extra gate factor", "power_iteration": "power iterations",
         "fixed_batch": "fixed batch", "distractor_inputs": "distractor inputs", "all": "all together"}


# ---------------------------------------------------------------------------
# --run
# ---------------------------------------------------------------------------


def _headline(study: str, res: dict) -> dict:
    """The headline numbers of one job's results: ``{quantity: value}``."""
    if study == "s1":
        steps = res["checkpoints"]
        return {f"{q}_{c}@{steps[i]}": res[f"{q}_{c}"][i] for q in ("slope", "r2") for c in ("carry", "update")
                for i in (0, -1)}
    if study == "s2":
        lags, steps = res["lags"], res["checkpoints"]
        out = {f"{m} lag {h}": res["propagation"][m][-1][lags.index(h)] for m in ("AI", "CE") for h in S2_LAGS}
        out.update({f"update {m} it. {steps[i]}": res["update"][m][i] for m in ("AI", "CE") for i in (0, -1)})
        return out
    return {"slope": res["slope"], "relative_remainder": res["relative_remainder"]}


def _group(study: str, record: dict) -> str:
    labels = record["labels"]
    return f"{labels['task']} | {labels['arm']}" if study == "s2" else labels["model"]


def _collect(study: str, folder: Path) -> dict:
    """``{group: {quantity: [value per seed, in seed order]}}`` of the job files in ``folder``."""
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*-seed*.json"))]
    out: dict = {}
    for rec in sorted(records, key=lambda r: (_group(study, r), r["seed"])):
        for q, v in _headline(study, rec["results"]).items():
            out.setdefault(_group(study, rec), {}).setdefault(q, []).append(v)
    return out


def run(scale: str, work: Path, n_jobs: int) -> dict:
    from gatebook.learning.reference_quirks import STUDY_QUIRKS
    from gatebook.learning.reproduce import reproduce

    data = {"scale": scale, "command": f"python scripts/quirks_table.py --run {scale}", "studies": {}}
    for study, (seeds, overrides) in RUNS[scale].items():
        settings = {"none": False, **{q: [q] for q in STUDY_QUIRKS[study]}, "all": True}
        if scale == "paper":
            settings = {"all": True}
        values, info, wall = {}, {}, 0.0
        for name, quirks in settings.items():
            res = reproduce(study, scale=scale, seeds=seeds, n_jobs=n_jobs, out=work, progress=True,
                            overrides=overrides, reference_quirks=quirks)
            values[name] = _collect(study, Path(res.path))
            jobs = Path(res.path).glob("*-seed*.json")
            wall += sum(json.loads(f.read_text(encoding="utf-8"))["wall_s"] for f in jobs)
            summary = json.loads((Path(res.path) / "summary.json").read_text(encoding="utf-8"))
            info = {"preset": summary["preset"], "settings": summary["settings"], "versions": summary["versions"]}
        if scale == "paper":  # the book's runs: the committed paper-scale jobs of the same seeds
            folder = DATA / f"{study}-paper"
            keep = {p.stem for p in Path(res.path).glob("*-seed*.json")}  # the same jobs, without the quirks
            values = {"none": _collect_named(study, folder, keep), **values}
        info["settings"].pop("reference_quirks", None)
        data["studies"][study] = {"seeds": list(range(seeds)), "overrides": overrides,
                                  "quirks": list(STUDY_QUIRKS[study]), "job_seconds": round(wall, 1), **info,
                                  "values": values}
    return data


def _collect_named(study: str, folder: Path, names: set) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            (Path(tmp) / f"{name}.json").write_text((folder / f"{name}.json").read_text(encoding="utf-8"))
        return _collect(study, Path(tmp))


# ---------------------------------------------------------------------------
# the tables
# ---------------------------------------------------------------------------


def _load(scale: str):
    path = DATA / f"quirks-{scale}" / "quirks.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _mean_sd(x) -> str:
    return f"{statistics.mean(x):.3f} ± {statistics.stdev(x):.3f}" if len(x) > 1 else f"{x[0]:.3f}"


def _median_iqr(x) -> str:
    q = statistics.quantiles(x, n=4, method="inclusive")
    return f"{statistics.median(x):.3g} [{q[0]:.3g}, {q[2]:.3g}]"


def _delta(d: float) -> str:
    return "0" if d == 0 else f"{d:+.2g}"


def _ratio(r: float) -> str:
    return "×1" if r == 1 else f"×{r:.3g}"


def _shift(base, other, *, ratio: bool = False, median: bool = False) -> str:
    """The paired change from ``base`` to ``other`` (same seeds): mean (or median) of differences or ratios."""
    pairs = [(b, o) for b, o in zip(base, other)]
    changes = [o / b for b, o in pairs] if ratio else [o - b for b, o in pairs]
    value = statistics.median(changes) if median else statistics.mean(changes)
    return _ratio(value) if ratio else _delta(value)


def s1_quantity(q: str) -> str:
    name, step = q.split("@")
    kind, conv = name.split("_")
    symbol = "$\\kappa$" if kind == "slope" else "$R^2$"
    return f"{symbol} `{conv}`, it. {step}"


def s2_quantity(q: str) -> str:
    """``'AI lag 8'`` -> propagation AI at lag 8 (last checkpoint); ``'update CE it. 0'`` -> GradCov CE at it. 0."""
    if q.startswith("update "):
        metric, step = q[len("update "):].split(" it. ")
        return f"GradCov {metric}$_{{10}}$, it. {step}"
    metric, lag = q.split(" lag ")
    return f"{metric}$_{{10}}$, lag {lag}"


def _missing(what: str, scale: str) -> str:
    return (f"*Not measured yet:* `python scripts/quirks_table.py --run {scale}` writes the {what} this table is "
            "made from.")


def _study_table(study: str, scale: str = "laptop") -> str:
    data = _load(scale)
    if data is None or study not in data["studies"]:
        return _missing("measurements", scale)
    st = data["studies"][study]
    names = ["none", *st["quirks"], "all"]
    head = {"s1": "| model | quantity |", "s2": "| task | arm | quantity |", "appB": "| cell | quantity |"}[study]
    lines = [head + " " + " | ".join(LABEL[n] for n in names) + " |",
             "|---" * (head.count("|") - 1 + len(names)) + "|"]
    for group, quantities in st["values"]["none"].items():
        for q, base in quantities.items():
            if study == "s1":
                row, cells = f"| {group} | {s1_quantity(q)} |", [_mean_sd(base)]
                cells += [_shift(base, st["values"][n][group][q]) for n in names[1:]]
            elif study == "s2":
                task, arm = group.split(" | ")
                row = f"| {task} | {arm} | {s2_quantity(q)} |"
                metric = q.split(" lag ")[0].replace("update ", "").split(" it. ")[0]
                cells = [_median_iqr(base)] + [
                    _shift(base, st["values"][n][group][q], ratio=metric == "AI", median=True) for n in names[1:]]
            else:
                what = "log–log slope of $E(\\varepsilon)$" if q == "slope" else "share the first order misses"
                row = f"| {group} | {what} |"
                cells = [_median_iqr(base)] + [_shift(base, st["values"][n][group][q], median=True) for n in names[1:]]
            lines.append(row + " " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _paper_table(study: str = "s1") -> str:
    data = _load("paper")
    if data is None or study not in data["studies"]:
        return _missing("measurements", "paper")
    st = data["studies"][study]
    seeds = f"seeds {st['seeds'][0]}–{st['seeds'][-1]}"
    if study == "s1":
        lines = [f"| model | quantity | book ({seeds}) | all four quirks | change |", "|---|---|---|---|---|"]
    else:
        lines = [f"| task | arm | quantity | book ({seeds}) | all four quirks | change |", "|---|---|---|---|---|---|"]
    for group, quantities in st["values"]["none"].items():
        for q, base in quantities.items():
            other = st["values"]["all"][group][q]
            if study == "s1":
                lines.append(f"| {group} | {s1_quantity(q)} | {_mean_sd(base)} | {_mean_sd(other)} | "
                             f"{_shift(base, other)} |")
            else:
                task, arm = group.split(" | ")
                ai = q.split(" lag ")[0].replace("update ", "").startswith("AI")
                lines.append(f"| {task} | {arm} | {s2_quantity(q)} | {_median_iqr(base)} | {_median_iqr(other)} | "
                             f"{_shift(base, other, ratio=ai, median=True)} |")
    return "\n".join(lines)


def _s1_effect(setting: str) -> str:
    data = _load("laptop")
    if data is None:
        return "not measured yet"
    st = data["studies"]["s1"]
    last = st["settings"]["checkpoints"][-1]
    parts = []
    for model in ("scalar", "multi", "leaky"):
        d = [_shift(st["values"]["none"][model][f"slope_{c}@{last}"], st["values"][setting][model][f"slope_{c}@{last}"])
             for c in ("carry", "update")]
        parts.append(f"{model} {d[0]} / {d[1]}")
    r2 = max(abs(statistics.mean(st["values"][setting][model][q]) - statistics.mean(b))
             for model in st["values"]["none"] for q, b in st["values"]["none"][model].items() if q.startswith("r2"))
    return f"Δκ `carry` / `update` at it. {last}: " + ", ".join(parts) + f"; $R^2$ moves by at most {r2:.1g}"


def _s2_effect(setting: str, task: str) -> str:
    data = _load("laptop")
    if data is None:
        return "not measured yet"
    st = data["studies"]["s2"]
    short, long_ = S2_LAGS
    last = st["settings"]["checkpoints"][-1]
    ai, ce, up = [], [], []
    for group, quantities in st["values"]["none"].items():
        if group.startswith(task + " | "):
            arm = group.split(" | ")[1]
            other = st["values"][setting][group]
            ai_shift = _shift(quantities[f"AI lag {long_}"], other[f"AI lag {long_}"], ratio=True, median=True)
            ai.append(f"{arm} {ai_shift}")
            ce.append(f"{arm} {_shift(quantities[f'CE lag {short}'], other[f'CE lag {short}'], median=True)}")
            key = f"update AI it. {last}"
            up.append(f"{arm} {_shift(quantities[key], other[key], ratio=True, median=True)}")
    return (f"`s2` {task}, last it.: propagation AI$_{{10}}$ at lag {long_} " + ", ".join(ai)
            + f"; Δ CE$_{{10}}$ at lag {short} " + ", ".join(ce) + "; GradCov AI$_{10}$ " + ", ".join(up))


def _appB_effect(setting: str) -> str:
    data = _load("laptop")
    if data is None:
        return "not measured yet"
    st = data["studies"]["appB"]["values"]
    def shifts(q):
        return ", ".join(f"{c} {_shift(st['none'][c][q], st[setting][c][q], median=True)}" for c in st["none"])

    slope, miss = shifts("slope"), shifts("relative_remainder")
    return f"App. B: slope {slope}; share the first order misses {miss}"


def _deviations() -> str:
    data, paper = _load("laptop"), _load("paper")
    if data is None:
        return _missing("measurements", "laptop")
    size = "not measured yet"
    if paper is not None:
        st = paper["studies"]["s1"]["values"]
        moved = {kind: max(abs(statistics.mean(st["all"][m][q]) - statistics.mean(b)) for m in st["none"]
                           for q, b in st["none"][m].items() if q.startswith(kind)) for kind in ("slope", "r2")}
        size = (f"the quirks' effect does not grow with size: at the paper's sizes (3 seeds) the four together move "
                f"κ by at most {moved['slope']:.1g} and $R^2$ by at most {moved['r2']:.1g} (Reproductions appendix)")
    rows = [
        ("product order", "$J_{k+1}\\cdots J_t$ (earliest factor on the left)",
         "$J_t\\cdots J_{k+1}=\\partial x_t/\\partial x_k$",
         _s1_effect("reversed_order") + "; " + _s2_effect("reversed_order", "adding") + "; "
         + _appB_effect("reversed_order")),
        ("gate term of $J_j$", "post-update state $x_j$: $B_j$ gets a factor $1-u_j$", "pre-update state $x_{j-1}$",
         _s1_effect("post_update_state") + "; " + _appB_effect("post_update_state")),
        ("predictor factors", "$c_k\\cdots c_t$ for the gated cells ($h+1$ factors)",
         "$c_{k+1}\\cdots c_t$ ($h$ factors)",
         _s1_effect("extra_gate_factor")),
        ("$\\lVert\\Phi\\rVert_2$", "5 float32 power iterations from a random start", "exact float64 SVD",
         _s1_effect("power_iteration")),
        ("all four above", "", "", _s1_effect("all")),
        ("training batches, checkpoint 0 (Sec. VII-B, chapter 5)",
         "one batch reused at every step with $10^{-6}$ jitter; \"iteration 0\" saved after the first update",
         "a fresh seeded batch at every step; checkpoint 0 before any update", _s2_effect("fixed_batch", "adding")),
        ("AR(2) inputs (chapter 5)", "i.i.d. $\\mathcal U(0,1)$, independent of the target",
         "the standardised innovations", _s2_effect("distractor_inputs", "ar2")),
        ("NARMA-10 (chapter 5)", "no guard against diverging sequences",
         "diverged sequences redrawn, target standardised", "not measured (no switch for it)"),
        ("sizes", "`s1`: $T=80$, $N=64$, 600 steps, $\\mu=10^{-2}$, 5 seeds",
         "$T=40$, $N=32$, 150 steps, $\\mu=0.05$, 3 seeds (table above)", size),
    ]
    lines = ["| choice | paper's code | this book | measured effect of the paper's choice |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


PAGE_TABLES = {"quirks-s1": lambda: _study_table("s1"), "quirks-s2": lambda: _study_table("s2"),
               "quirks-appB": lambda: _study_table("appB"), "quirks-paper": _paper_table,
               "quirks-paper-s2": lambda: _paper_table("s2")}
CHAPTER_TABLES = {"quirks-deviations": _deviations}


def _chapter(write: bool) -> bool:
    """Render the chapter's block; returns whether it changed (and writes it if ``write``)."""
    import nbformat

    nb = nbformat.read(CHAPTER, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "<!-- measured:quirks-deviations -->" in cell.source:
            new = measured_blocks.render(cell.source, CHAPTER_TABLES, CHAPTER.name)
            changed, cell.source = new != cell.source, new
            break
    else:
        raise SystemExit(f"{CHAPTER.name} has no block <!-- measured:quirks-deviations -->")
    if write and changed:
        nbformat.write(nb, CHAPTER)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--run", choices=tuple(RUNS))
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    parser.add_argument("--work", type=Path, default=None, help="work folder of --run (resumable)")
    parser.add_argument("--jobs", type=int, default=1, help="workers of --run")
    args = parser.parse_args(argv)
    if args.run:
        work = args.work or Path(tempfile.gettempdir()) / f"gatebook-quirks-{args.run}"
        data = run(args.run, work, args.jobs)
        out = DATA / f"quirks-{args.run}"
        out.mkdir(parents=True, exist_ok=True)
        text = re.sub(r"\[\s*([-+0-9.e,\s]+?)\s*\]",  # one line per list of numbers
                      lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                      json.dumps(data, indent=1))
        (out / "quirks.json").write_text(text + "\n", encoding="utf-8")
        return 0
    status = measured_blocks.main(PAGE, PAGE_TABLES, description="quirk tables", source="data/reproductions/quirks-*",
                                  command="python scripts/quirks_table.py --write",
                                  argv=["--write" if args.write else "--check"])
    changed = _chapter(write=args.write)
    if args.check and changed:
        print(f"{CHAPTER.name}: the deviations table differs from data/reproductions/quirks-*; run "
              "python scripts/quirks_table.py --write", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
