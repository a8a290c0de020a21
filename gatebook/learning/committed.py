"""The committed full-scale runs of chapters 3-5, re-exported from their home :mod:`gatebook.committed`.

Part II's chapters call ``gatebook.learning.committed_summary``; the function, the table
:data:`~gatebook.committed.COMMITTED` and the packaged JSON files live in :mod:`gatebook.committed`,
which needs no torch (Part III reads the same summaries).
"""

from __future__ import annotations

from ..committed import COMMITTED, committed_path, committed_summary

__all__ = ["COMMITTED", "committed_path", "committed_summary"]
