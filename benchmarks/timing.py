"""Statistics of interleaved timings, shared by ``run.py`` and ``learning.py``."""

from __future__ import annotations

import statistics

__all__ = ["paired_statistics"]


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
