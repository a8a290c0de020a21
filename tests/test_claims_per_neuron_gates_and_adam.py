"""Chapter 4's sentences about the paper-scale App. B run hold for the committed summary.

The summary is ``gatebook.learning.committed_summary("appB-paper")``: 20 seeds per gated cell,
T = 100, N = 64, float64, median and quartiles over the seeds kept by the preset's fence; two of
its jobs are regenerated at full size by ``tests/test_reproductions_regenerate.py``.
"""

from __future__ import annotations

from gatebook.learning import committed_summary

APPB = committed_summary("appB-paper")


def test_the_paper_scale_expansion_check_reads_as_the_chapter_says():
    assert APPB["settings"]["T"] == 100 and APPB["settings"]["n"] == 64 and APPB["settings"]["seeds"] == 20
    rows = {cell: r["init"] for cell, r in APPB["table"].items()}
    assert set(rows) == {"scalar", "multi"}
    for q in rows.values():
        assert q["slope"]["n"] == 17  # kept by the fence, printed as "17 of 20"
        assert round(q["slope"]["median"], 4) == 2.0  # "slope 2 to four decimals in the median"
    assert round(rows["scalar"]["relative_remainder"]["median"], 2) == 0.24
    assert round(rows["multi"]["relative_remainder"]["median"], 2) == 0.30
    assert rows["scalar"]["relative_remainder"]["q3"] > 0.5  # "more than half ... upper quartile"
