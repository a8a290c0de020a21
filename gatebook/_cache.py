"""A folder of ``.npz`` entries that survives crashes and concurrent users (foundations layer).

Used by :func:`gatebook.meanfield.phase_diagram` (``cache_dir=``) and open to any computation
that stores named arrays. Three promises:

- **Atomic writes.** An entry is written to a temporary file in the same folder, flushed to
  disk, then renamed over the final name (:func:`os.replace`, atomic on POSIX and Windows).
  A reader sees either no entry or a complete one, never half a file, even while another
  process writes the same key.
- **Defensive reads.** An entry that cannot be read back (truncated, garbled, from another
  format, or stored under another key) is reported in a :class:`CacheWarning` naming its path,
  removed, and treated as missing, so the caller recomputes and rewrites it.
- **Clear errors.** A ``cache_dir`` that is not a path, or names an existing file, raises a
  :class:`TypeError`/:class:`ValueError` naming the argument.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings

import numpy as np

__all__ = ["ArrayStore", "CacheWarning"]


class CacheWarning(UserWarning):
    """An on-disk cache entry was unreadable (it has been removed and is recomputed) or could
    not be written (the result is returned uncached)."""


class ArrayStore:
    """Named-array entries in one folder, written atomically and read defensively.

    Parameters
    ----------
    folder : str or os.PathLike
        Created (with its parents) if missing.
    name : str, optional
        The argument name used in error messages (default ``"cache_dir"``).

    Examples
    --------
    >>> import tempfile
    >>> store = ArrayStore(tempfile.mkdtemp())
    >>> store.save("k1", {"x": np.arange(3.0)}, meta={"what": "demo"})
    >>> arrays, meta = store.load("k1")
    >>> arrays["x"], meta["what"]
    (array([0., 1., 2.]), 'demo')
    >>> store.load("missing") is None
    True
    """

    def __init__(self, folder, name: str = "cache_dir"):
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string (the argument named in messages), got {name!r}")
        if isinstance(folder, bool) or not isinstance(folder, (str, os.PathLike)):
            raise TypeError(f"{name} must be a folder path (str or os.PathLike), got {folder!r}")
        path = os.fspath(folder)
        if isinstance(path, bytes) or not path:
            raise TypeError(f"{name} must be a non-empty folder path, got {folder!r}")
        if os.path.exists(path) and not os.path.isdir(path):
            raise ValueError(f"{name}={path!r} exists and is not a folder")
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as err:
            raise ValueError(f"{name}={path!r} cannot be created: {err}") from err
        self.folder = path
        self.name = name

    def path(self, key: str) -> str:
        """The file that holds entry ``key``."""
        return os.path.join(self.folder, f"{key}.npz")

    def load(self, key: str, decode=None):
        """``(arrays, meta)`` of entry ``key`` (or ``decode(arrays, meta)``), ``None`` if the
        entry is missing or unreadable.

        An unreadable entry — including one that ``decode`` rejects with any exception — is
        removed with a :class:`CacheWarning` that names its path. All arrays are read into
        memory before the file is closed.
        """
        path = self.path(key)
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: np.array(data[k]) for k in data.files}
            meta = json.loads(str(arrays.pop("__meta__")))
            if meta.pop("__key__", None) != key:
                raise ValueError("the entry was stored under another key")
            return (arrays, meta) if decode is None else decode(arrays, meta)
        except FileNotFoundError:
            return None
        except Exception as err:  # noqa: BLE001 - any unreadable entry is dropped and recomputed
            warnings.warn(
                f"gatebook: the cache entry {path} is unreadable ({type(err).__name__}: {err}); "
                "it was removed and is recomputed",
                CacheWarning,
                stacklevel=3,
            )
            self._remove(path)
            return None

    def save(self, key: str, arrays: dict, meta: dict | None = None) -> None:
        """Store ``arrays`` (name → array) and a JSON-serialisable ``meta`` under ``key``.

        Written to a temporary file beside the entry and renamed into place, so concurrent
        readers never see a partial file. A failure to write (a full disk, a read-only folder)
        is reported as a :class:`CacheWarning`; nothing is left behind.
        """
        meta_text = json.dumps(dict(meta or {}, __key__=key), sort_keys=True)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{key}-", suffix=".tmp", dir=self.folder)
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, __meta__=np.array(meta_text), **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(key))
            tmp = None
        except OSError as err:
            warnings.warn(f"gatebook: could not write the cache entry {self.path(key)} ({err}); "
                          "the result is returned uncached", CacheWarning, stacklevel=3)
        finally:
            if tmp is not None:
                self._remove(tmp)

    @staticmethod
    def _remove(path: str) -> None:
        try:
            os.remove(path)
        except FileNotFoundError:  # another process removed or replaced it first
            pass
        except OSError:  # pragma: no cover - e.g. a read-only folder: the next read warns again
            pass
