"""Timing helpers and their statistics, shared by ``run.py``, ``gated.py``, ``learning.py``
and ``phase_diagram.py``.

The bottom layer of the benchmarks: it imports no benchmark module, so every benchmark
module (and ``run.py``, which drives them) can import it without a cycle.
"""

from __future__ import annotations

import gc
import statistics
import time

__all__ = ["timed", "paired", "median_time", "paired_statistics", "result", "skipped"]


def timed(fn):
    """Wall time of one call of ``fn`` (after a garbage collection), and its result."""
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def paired(candidate, baseline, repeats):
    """Time ``candidate`` and ``baseline`` alternately, ``repeats`` pairs.

    The order inside a pair alternates (CB, BC, CB, ...) so slow drifts of the machine
    hit both sides equally. Returns the median per-pair ratio candidate/baseline, the
    median time of each side, and all samples.
    """
    cand, base = [], []
    for i in range(repeats):
        if i % 2 == 0:
            tc, _ = timed(candidate)
            tb, _ = timed(baseline)
        else:
            tb, _ = timed(baseline)
            tc, _ = timed(candidate)
        cand.append(tc)
        base.append(tb)
    return paired_statistics(cand, base)


def median_time(fn, repeats):
    """Median wall time of ``repeats`` calls of ``fn``."""
    return statistics.median(timed(fn)[0] for _ in range(repeats))


def paired_statistics(cand: list, base: list) -> dict:
    """Median per-pair ratio candidate/baseline, the ratio of medians, and all samples."""
    ratios = [c / b for c, b in zip(cand, base)]
    return {
        "ratio": statistics.median(ratios),
        "ratio_of_medians": statistics.median(cand) / statistics.median(base),
        "ratios": ratios,
        "candidate_s": statistics.median(cand),
        "baseline_s": statistics.median(base),
        "candidate_samples_s": list(cand),
        "baseline_samples_s": list(base),
    }


def result(name, *, value, target, unit, op="<=", times=None, details=None, note=""):
    """One row of the table. ``target`` None means informational (no pass/fail)."""
    if value is None or target is None:
        passed = None
    elif op == "<=":
        passed = bool(value <= target)
    else:
        passed = bool(value >= target)
    return {
        "name": name,
        "status": "INFO" if passed is None else ("PASS" if passed else "FAIL"),
        "value": value,
        "unit": unit,
        "target": target,
        "op": op,
        "passed": passed,
        "times_s": times or {},
        "details": details or {},
        "note": note,
    }


def skipped(name, reason):
    """A row for a benchmark that could not run, saying why."""
    return {"name": name, "status": "SKIP", "value": None, "unit": "", "target": None, "op": "",
            "passed": None, "times_s": {}, "details": {}, "note": reason}
