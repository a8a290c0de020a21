"""Shared pytest setup for the Gatebook tests and the chapter notebooks (nbmake).

- Registers the markers ``book`` (builds the Jupyter Book; slow) and
  ``browser`` (drives a real Chromium through Playwright). Skip both with
  ``pytest -m "not book"``.
- Uses the non-interactive Agg backend for matplotlib.
- Applies the nbclient ``OutputWidget.sync_state`` no-op patch (the same one as
  the book build, from ``_ext/gatebook_sphinx.py``) so that notebooks run by
  nbmake in this process cannot stall on nbclient issue #312. This file sits at
  the repository root because nbmake only loads conftest files above a notebook.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent


def _load_book_extension():
    spec = importlib.util.spec_from_file_location("gatebook_sphinx", ROOT / "_ext" / "gatebook_sphinx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


try:
    _load_book_extension().patch_nbclient_output_widget()
except ImportError:  # pragma: no cover - sphinx missing: nothing to build or patch
    pass


@pytest.fixture
def no_leaked_pyplot_figures():
    """Fail a test that leaves a pyplot figure open (plot helpers must return closed Figures)."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before, "a pyplot figure was left open"


def pytest_configure(config):
    config.addinivalue_line("markers", "book: builds the Jupyter Book (slow); deselect with -m 'not book'")
    config.addinivalue_line("markers", "browser: checks the built site in a real Chromium (needs Playwright)")
