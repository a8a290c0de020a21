"""Fixtures shared by the test modules: one real Chromium per session, driven by Playwright.

Playwright's sync API runs one event loop per process, so every browser test (the built site in
test_book.py, JupyterLab in test_jupyterlab.py) shares this session-scoped ``browser``.
"""

from __future__ import annotations

import os
import shutil

import pytest


def _find_chromium() -> str | None:
    candidates = [os.environ.get("GATEBOOK_CHROMIUM", ""), "/usr/bin/chromium"]
    candidates += [shutil.which(n) or "" for n in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


def _unavailable(reason: str):
    message = (
        f"{reason}. Browser tests need Playwright (pip install playwright) and Chromium: "
        "`sudo apt-get install chromium` on Debian/Ubuntu, or set GATEBOOK_CHROMIUM=/path/to/chrome."
    )
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: the browser tests must run.)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed")
    executable = _find_chromium()
    if executable is None:
        _unavailable("No Chromium found")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()


