"""The packaged copies of the committed summaries equal their sources and load from an installed wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gatebook.committed import COMMITTED, committed_path, committed_summary

ROOT = Path(__file__).resolve().parents[1]


def test_copies_equal_their_sources():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "committed_summaries.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for name, (source, _) in COMMITTED.items():
        assert committed_summary(name) == json.loads((ROOT / source).read_text(encoding="utf-8"))


def test_unknown_name_is_refused_by_name():
    with pytest.raises(ValueError, match="name"):
        committed_summary("s3-paper")
    with pytest.raises(TypeError, match="name"):
        committed_path(3)


def test_the_wheel_ships_the_summaries(tmp_path):
    """A wheel built from the tree holds every summary, so Colab readers (no clone) can load them."""
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {proc.stderr[-300:]}")
    wheel = next(tmp_path.glob("gatebook-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in COMMITTED:
        assert f"gatebook/committed_runs/{name}.json" in names


def test_part_two_reads_the_same_summaries_through_gatebook_learning():
    import gatebook
    import gatebook.learning

    assert gatebook.learning.committed_summary is committed_summary is gatebook.committed_summary
