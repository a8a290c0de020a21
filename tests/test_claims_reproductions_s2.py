"""The Reproductions page's sentences about the paper-sized s2 run hold for the committed results.

``data/reproductions/s2-paper/``: 5 of the paper's 20 seeds per arm and task, T = 120, 1200 steps;
the summary's medians are checked here together with the per-job training losses the page prints.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "reproductions" / "s2-paper"
S2 = json.loads((FOLDER / "summary.json").read_text())
LAST = str(S2["settings"]["checkpoints"][-1])
TASKS = ("adding", "ar2", "moving_average", "delay_sum", "narma10")
GATED = ("scalar + SGD", "multi + SGD")


def median(arm, task, quantity, step=LAST):
    return S2["table"][f"{arm} | {task}"][step][quantity]["median"]


def losses():
    out = {}
    for name in S2["jobs"]:
        job = json.loads((FOLDER / f"{name}.json").read_text())
        t = job["results"]["training"]
        out.setdefault((job["labels"]["task"], job["labels"]["arm"]), []).append(t["final_loss"] / t["mean_predictor_mse"])
    return {k: float(np.median(v)) for k, v in out.items()}


def test_the_run_is_what_the_page_says():
    assert S2["settings"]["seeds"] == 5 and S2["settings"]["T"] == 120 and S2["settings"]["steps"] == 1200
    assert len(S2["jobs"]) == 75 and max(S2["settings"]["lags"]) == 40
    assert {g.split(" | ")[1] for g in S2["table"]} == set(TASKS)


def test_gated_updates_are_more_concentrated_on_four_tasks_not_ar2():
    for task in TASKS:
        ahead = [median(arm, task, "update AI") > median("plain + Adam", task, "update AI") for arm in GATED]
        assert all(ahead) if task != "ar2" else not any(ahead), task


def test_the_plain_adam_propagator_is_the_more_anisotropic_on_every_task():
    for task in TASKS:
        for arm in GATED:
            assert median("plain + Adam", task, "propagation AI (lag 40)") > median(arm, task, "propagation AI (lag 40)")
            assert median("plain + Adam", task, "propagation CE (lag 2)") > median(arm, task, "propagation CE (lag 2)")


def test_what_the_arms_learn():
    rel = losses()
    assert all(abs(rel[("adding", arm)] - 1) < 0.02 for arm in ("plain + Adam", *GATED))
    assert all(round(rel[("delay_sum", arm)], 2) == 0.96 for arm in GATED)
    assert all(0.85 <= rel[("narma10", arm)] <= 0.89 for arm in GATED)  # "about 0.87"
    assert round(rel[("delay_sum", "plain + Adam")], 2) == 0.39 and round(rel[("narma10", "plain + Adam")], 2) == 0.15
