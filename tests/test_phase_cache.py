"""The on-disk cache of phase diagrams survives crashes, corruption and a second process (issue 13).

``gatebook.ArrayStore`` writes each entry to a temporary file and renames it into place, and
reads defensively: an unreadable entry is reported with its path, removed and recomputed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import warnings

import numpy as np
import pytest

import gatebook as gb
from gatebook.meanfield import phases as ph

FAST = dict(n_lags=128, window=20.0, tol=1e-7)
GRID = dict(g_h=[1.5, 2.5, 3.5], alpha_r=[0.0], beta_r=0.0, lambda_max=True, **FAST)


def _entries(folder):
    return sorted(p for p in os.listdir(folder) if p.endswith(".npz"))


@pytest.fixture(scope="module")
def reference():
    ph.clear_phase_cache()
    return ph.phase_diagram(**GRID, cache=False)


def _same(a, b):
    np.testing.assert_array_equal(a.variance, b.variance)
    np.testing.assert_array_equal(a.lambda_max, b.lambda_max)
    np.testing.assert_array_equal(a.region, b.region)
    assert a.fixed == b.fixed and a.parameter == b.parameter and a.settings == b.settings


def _corrupt(path, how):
    data = open(path, "rb").read()
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "empty":
        data = b""
    elif how == "garbled":
        mid = len(data) // 2
        data = data[:mid] + bytes(b ^ 0xFF for b in data[mid:mid + 64]) + data[mid + 64:]
    elif how == "not_npz":
        data = b"this is not a zip archive\n" * 10
    with open(path, "wb") as fh:
        fh.write(data)


@pytest.mark.parametrize("how", ["truncated", "empty", "garbled", "not_npz"])
def test_a_damaged_entry_is_reported_removed_and_recomputed(tmp_path, reference, how):
    ph.phase_diagram(**GRID, cache=False, cache_dir=tmp_path)
    (name,) = _entries(tmp_path)
    path = tmp_path / name
    _corrupt(path, how)
    ph.clear_phase_cache()
    with pytest.warns(gb.CacheWarning, match=str(path).replace("\\", "\\\\")):
        again = ph.phase_diagram(**GRID, cache=False, cache_dir=tmp_path)
    _same(again, reference)
    assert ph.phase_cache_info()["solves"] > 0 and ph.phase_cache_info()["disk_hits"] == 0
    # rewritten whole: the next call loads it without a warning and without solving
    ph.clear_phase_cache()
    with warnings.catch_warnings():
        warnings.simplefilter("error", gb.CacheWarning)
        loaded = ph.phase_diagram(**GRID, cache=False, cache_dir=tmp_path)
    _same(loaded, reference)
    assert ph.phase_cache_info()["solves"] == 0 and ph.phase_cache_info()["disk_hits"] == 1
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")], "a temporary file was left behind"


def test_an_entry_with_inconsistent_arrays_is_not_trusted(tmp_path, reference):
    ph.phase_diagram(**GRID, cache=False, cache_dir=tmp_path)
    (name,) = _entries(tmp_path)
    key = name.removesuffix(".npz")
    store = gb.ArrayStore(tmp_path)
    arrays, meta = store.load(key)
    arrays["variance"] = arrays["variance"][:, :1]  # a readable file that does not fit its grid
    store.save(key, arrays, meta)
    ph.clear_phase_cache()
    with pytest.warns(gb.CacheWarning, match="variance"):
        _same(ph.phase_diagram(**GRID, cache=False, cache_dir=tmp_path), reference)


def test_an_entry_renamed_to_another_key_is_refused(tmp_path):
    store = gb.ArrayStore(tmp_path)
    store.save("a", {"x": np.ones(3)})
    os.replace(store.path("a"), store.path("b"))
    with pytest.warns(gb.CacheWarning, match="another key"):
        assert store.load("b") is None
    assert not os.path.exists(store.path("b"))


@pytest.mark.parametrize("bad, exc", [(3.0, TypeError), (None, None), (True, TypeError), ("", TypeError)])
def test_cache_dir_must_be_a_folder_path(tmp_path, bad, exc):
    if exc is None:  # cache_dir=None: no disk cache at all
        ph.phase_diagram(**GRID, cache_dir=bad)
        return
    with pytest.raises(exc, match="cache_dir"):
        ph.phase_diagram(**GRID, cache_dir=bad)


def test_cache_dir_naming_an_existing_file_is_a_clear_error(tmp_path):
    f = tmp_path / "a_file"
    f.write_text("x")
    with pytest.raises(ValueError, match="cache_dir.*exists and is not a folder"):
        ph.phase_diagram(**GRID, cache_dir=f)


def test_an_unwritable_folder_warns_and_still_returns(tmp_path, reference, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gatebook._cache.tempfile.mkstemp", refuse)
    with pytest.warns(gb.CacheWarning, match="could not write"):
        _same(ph.phase_diagram(**GRID, cache=False, cache_dir=tmp_path), reference)
    assert _entries(tmp_path) == []


# ---------------------------------------------------------------------------------- two processes


def _writer_reader(folder, seed, rounds, queue):
    """Write and read the same keys as the other process; count reads that fail or are wrong."""
    warnings.simplefilter("error")  # a CacheWarning (an unreadable entry) counts as a failure
    store = gb.ArrayStore(folder)
    rng = np.random.default_rng(seed)
    failures = 0
    payload = {k: np.full(60_000, float(ord(k))) for k in "abc"}  # ~1.4 MB per entry: slow writes
    for _ in range(rounds):
        key = f"k{rng.integers(3)}"
        try:
            if rng.random() < 0.5:
                store.save(key, payload, meta={"writer": seed})
            else:
                entry = store.load(key)
                if entry is not None:
                    arrays, _meta = entry
                    if any(not np.array_equal(arrays[k], payload[k]) for k in payload):
                        failures += 1
        except Exception:  # noqa: BLE001 - any failure to read back counts
            failures += 1
    queue.put(failures)


def test_two_processes_sharing_a_folder_never_read_a_partial_entry(tmp_path):
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer_reader, args=(str(tmp_path), seed, 400, queue)) for seed in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert [queue.get(timeout=5) for _ in procs] == [0, 0]
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def _diagram_in_child(folder, queue):
    ph.clear_phase_cache()
    d = ph.phase_diagram(**GRID, cache=False, cache_dir=folder)
    queue.put((d.variance.tolist(), d.lambda_max.tolist()))


def test_two_processes_computing_the_same_diagram_agree(tmp_path, reference):
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_diagram_in_child, args=(str(tmp_path), queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    for variance, lam in results:
        np.testing.assert_array_equal(np.array(variance), reference.variance)
        np.testing.assert_array_equal(np.array(lam), reference.lambda_max)
    assert len(_entries(tmp_path)) == 1
