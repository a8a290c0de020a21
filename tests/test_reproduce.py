"""Reproductions in one command (issue 16 §1): gatebook.learning.reproduce and ``python -m gatebook``."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from gatebook.learning import reproduce as R  # noqa: E402
from gatebook.learning.presets import PRESETS, get_preset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

#: Tiny settings per study, so that every test runs in seconds.
TINY = {
    "s1": {"T": 10, "n": 6, "batch": 4, "probe_batch": 2, "steps": 4, "checkpoints": (0, 4)},
    "s2": {"tasks": ("adding", "ar2"), "T": 10, "n": 6, "batch": 4, "probe_batch": 4, "grad_samples": 6,
           "steps": 3, "checkpoints": (0, 3), "lags": (1, 2, 4), "triples_per_lag": 3, "top_k": 5, "r": 3},
    "appB": {"T": 12, "n": 5},
}
JOBS_PER_SEED = {"s1": 3, "s2": 6, "appB": 2}


def _run(study, folder, **kw):
    kw = {"seeds": 2, "out": folder, "progress": False, "overrides": TINY[study], **kw}
    return R.reproduce(study, **kw)


def _results(path):
    return {p.name: json.loads(p.read_text())["results"] for p in sorted(Path(path).glob("*.json"))
            if p.name != "summary.json"}


@pytest.mark.parametrize("scale", ["paper", "laptop"])
@pytest.mark.parametrize("study", ["s1", "s2", "appB"])
def test_every_preset_maps_onto_its_function_signature(study, scale):
    preset = R.PRESET_OF[(study, scale)]
    settings = get_preset(preset)
    applied, not_applied = R._check_settings(study, settings)
    assert set(applied) | set(not_applied) == set(settings)  # no key dropped silently
    signature = inspect.signature(R._FUNCTIONS[study])
    jobs = R.study_jobs(study, settings, range(2))
    for job in jobs:
        signature.bind(**job["kwargs"])  # raises TypeError if a translated name is wrong
        assert not [p for p in signature.parameters.values() if p.kind == p.VAR_KEYWORD]
    groups = len(settings["models"]) if study != "s2" else len(settings["arms"]) * len(settings["tasks"])
    assert len(jobs) == 2 * groups and len({j["name"] for j in jobs}) == len(jobs)


def test_paper_s1_records_the_long_run_and_full_seeds_as_not_applied():
    _, not_applied = R._check_settings("s1", get_preset("s1"))
    assert set(not_applied) == {"steps_long", "checkpoints_long", "seeds_full"}
    assert all(reason for reason in not_applied.values())


@pytest.mark.parametrize("study", ["s1", "s2", "appB"])
def test_a_run_writes_one_json_per_job_and_resumes(study, tmp_path):
    first = _run(study, tmp_path)
    folder = Path(first.path)
    assert folder == tmp_path / f"{study}-laptop"
    files = sorted(p.name for p in folder.glob("*.json") if p.name != "summary.json")
    assert len(files) == 2 * JOBS_PER_SEED[study] == first.n_jobs_done and first.n_jobs_skipped == 0
    record = json.loads((folder / files[0]).read_text())
    assert {"gatebook", "torch", "numpy", "python"} <= set(record["versions"])
    assert record["settings"]["seeds"] == 2 and record["seed"] in (0, 1)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["table"] == first.table and summary["preset"] == R.PRESET_OF[(study, "laptop")]
    assert set(summary["applied"]) | set(summary["not_applied"]) == set(PRESETS[summary["preset"]])
    assert not list(folder.glob("*.tmp"))
    assert study in str(first) and "checkpoint" in str(first)

    again = _run(study, tmp_path)
    assert (again.n_jobs_done, again.n_jobs_skipped) == (0, len(files)) and again.table == first.table

    (folder / files[-1]).unlink()
    (folder / files[0]).write_text("{ truncated")  # an unreadable file is redone too
    third = _run(study, tmp_path)
    assert (third.n_jobs_done, third.n_jobs_skipped) == (2, len(files) - 2) and third.table == first.table


def test_the_statistics_are_those_of_the_preset(tmp_path):
    s1 = _run("s1", tmp_path)
    stat = s1.table["scalar"]["4"]["slope_carry"]
    assert set(stat) == {"mean", "sd", "n"} and stat["n"] == 2
    per_seed = [r["slope_carry"][-1] for name, r in _results(s1.path).items() if name.startswith("scalar")]
    assert stat["mean"] == pytest.approx(sum(per_seed) / 2)
    s2 = _run("s2", tmp_path)
    stat = s2.table["multi + SGD | ar2"]["3"]["update AI"]
    assert set(stat) == {"median", "q1", "q3", "n"} and stat["q1"] <= stat["median"] <= stat["q3"]
    assert "propagation CE (lag 4)" in s2.table["multi + SGD | ar2"]["0"]
    appb = _run("appB", tmp_path)
    assert 1.8 < appb.table["multi"]["init"]["slope"]["median"] < 2.2


def test_changed_settings_rerun_the_jobs(tmp_path):
    _run("appB", tmp_path)
    changed = R.reproduce("appB", seeds=2, out=tmp_path, progress=False, overrides={**TINY["appB"], "T": 13})
    assert changed.n_jobs_done == 4 and changed.n_jobs_skipped == 0


def test_two_workers_give_the_same_numbers_as_one(tmp_path):
    for study in ("s1", "s2", "appB"):
        one = _run(study, tmp_path / "one", n_jobs=1)
        two = _run(study, tmp_path / "two", n_jobs=2)
        assert _results(one.path) == _results(two.path)
        assert one.table == two.table


@pytest.mark.parametrize("kwargs, error, match", [
    ({"study": "nope"}, ValueError, "study"),
    ({"study": 3}, TypeError, "study"),
    ({"study": "s1", "scale": "huge"}, ValueError, "scale"),
    ({"study": "s1", "seeds": 0}, ValueError, "seeds"),
    ({"study": "s1", "seeds": 2.5}, TypeError, "seeds"),
    ({"study": "s1", "seeds": 10**12}, ValueError, "seeds"),
    ({"study": "s1", "n_jobs": 0}, ValueError, "n_jobs"),
    ({"study": "s1", "progress": "yes"}, TypeError, "progress"),
    ({"study": "s1", "out": 3}, TypeError, "out"),
    ({"study": "s1", "overrides": [("steps", 2)]}, TypeError, "overrides"),
    ({"study": "s1", "overrides": {"stepz": 2}}, ValueError, "overrides"),
    ({"study": "s1", "overrides": {"seeds": 2}}, ValueError, "seeds="),
    ({"study": "s1", "overrides": {"momentum": 0.9}}, ValueError, "momentum"),
    ({"study": "appB", "overrides": {"weight_std": 0.3}}, ValueError, "weight_std"),
])
def test_bad_input_names_the_argument(kwargs, error, match, tmp_path):
    with pytest.raises(error, match=match):
        R.reproduce(**{"out": tmp_path, "progress": False, **kwargs})
    assert not list(tmp_path.iterdir())  # refused before anything is written


def test_out_must_not_be_a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("x")
    with pytest.raises(ValueError, match="out"):
        R.reproduce("appB", out=path, progress=False)


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "gatebook", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_the_command_line_runs_a_laptop_reproduction(tmp_path):
    res = _cli("reproduce", "s1", "--scale", "laptop", "--seeds", "1", "--out", str(tmp_path / "rep"),
               "--no-progress", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "s1 at laptop scale: 3 jobs run" in res.stdout
    assert len(list((tmp_path / "rep" / "s1-laptop").glob("*.json"))) == 4


def test_the_command_line_refuses_bad_input_with_a_usage_message(tmp_path):
    res = _cli("reproduce", "nope", cwd=tmp_path)
    assert res.returncode != 0 and "usage:" in res.stderr and "invalid choice" in res.stderr
    res = _cli("reproduce", "s1", "--seeds", "0", cwd=tmp_path)
    assert res.returncode != 0 and "usage:" in res.stderr and "--seeds" in res.stderr
    res = _cli("reproduce", "s1", "--out", __file__, cwd=tmp_path)
    assert res.returncode != 0 and "usage:" in res.stderr and "not a folder" in res.stderr
    res = _cli("--help", cwd=tmp_path)
    assert res.returncode == 0 and "reproduce" in res.stdout
    assert not list(tmp_path.iterdir())


def test_more_seeds_reuse_the_jobs_of_a_run_with_fewer(tmp_path):
    """The number of seeds is not a setting of a job: a run with 3 seeds redoes none of the 2-seed run's jobs."""
    first = _run("appB", tmp_path, seeds=2)
    more = _run("appB", tmp_path, seeds=3)
    assert (more.n_jobs_done, more.n_jobs_skipped) == (JOBS_PER_SEED["appB"], first.n_jobs_done)
    fewer = _run("appB", tmp_path, seeds=1)
    assert (fewer.n_jobs_done, fewer.n_jobs_skipped) == (0, JOBS_PER_SEED["appB"])
    other = _run("appB", tmp_path, seeds=2, overrides={**TINY["appB"], "T": TINY["appB"].get("T", 10) + 1})
    assert other.n_jobs_done == 2 * JOBS_PER_SEED["appB"]  # a setting that matters still invalidates them


def test_s2_contrasts_pair_each_gated_arm_with_plain_adam_seed_by_seed(tmp_path):
    """summary['contrasts']: exp of the mean log ratio over seeds, recomputed here from the job files."""
    import numpy as np
    from scipy import stats

    s2 = _run("s2", tmp_path, seeds=3)
    summary = json.loads((Path(s2.path) / "summary.json").read_text())
    c = summary["contrasts"]
    assert c["reference"] == "plain + Adam" and c["checkpoint"] == 3 and c["paired_by"] == "seed"
    assert set(c["rows"]) == {f"{arm} | {task}" for arm in ("scalar + SGD", "multi + SGD") for task in ("adding", "ar2")}
    files = {(r["labels"]["arm"], r["labels"]["task"], r["seed"]): r["results"]
             for r in (json.loads(p.read_text()) for p in Path(s2.path).glob("*-seed*.json"))}
    for group, row in c["rows"].items():
        arm, task = group.split(" | ")
        a = np.array([files[(arm, task, s)]["update"]["AI"][-1] for s in range(3)])
        b = np.array([files[("plain + Adam", task, s)]["update"]["AI"][-1] for s in range(3)])
        d = np.log(a) - np.log(b)
        half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
        cell = row["update AI"]
        assert cell["ratio"] == pytest.approx(np.exp(d.mean()), rel=1e-12)
        assert cell["ci"] == pytest.approx([np.exp(d.mean() - half), np.exp(d.mean() + half)], rel=1e-12)
        assert cell["above"] == int((a > b).sum()) and cell["n"] == 3
        t = files[(arm, task, 0)]["training"]
        assert row["final loss / mean predictor"]["n"] == 3 and t["final_loss"] > 0


def test_s1_changes_pair_the_first_and_last_checkpoint_of_each_seed(tmp_path):
    """summary['changes']: mean of last - first over seeds with its t interval, recomputed from the job files."""
    import numpy as np
    from scipy import stats

    s1 = _run("s1", tmp_path, seeds=3)
    summary = json.loads((Path(s1.path) / "summary.json").read_text())
    c = summary["changes"]
    steps = summary["settings"]["checkpoints"]
    assert (c["from"], c["to"], c["paired_by"]) == (steps[0], steps[-1], "seed")
    files = {(r["labels"]["model"], r["seed"]): r["results"]
             for r in (json.loads(p.read_text()) for p in Path(s1.path).glob("*-seed*.json"))}
    assert set(c["rows"]) == {m for m, _ in files}
    for model, row in c["rows"].items():
        d = np.array([files[(model, s)]["gate_mean"][-1] - files[(model, s)]["gate_mean"][0] for s in range(3)])
        half = stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
        cell = row["gate_mean"]
        assert cell["change"] == pytest.approx(d.mean(), rel=1e-12, abs=1e-15)
        assert cell["ci"] == pytest.approx([d.mean() - half, d.mean() + half], rel=1e-12, abs=1e-15)
        assert cell["decreased"] == int((d < 0).sum()) and cell["n"] == 3
    # the leaky cell has no within-lag variation, so no change of that correlation is reported
    assert "within_lag_corr_carry" not in c["rows"].get("leaky", {})
