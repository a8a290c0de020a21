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

# Modules kept for one release after a move (their docstring starts with "Deprecated") warn on
# import; --doctest-modules must not import them (tests/test_package_layout.py checks them).
collect_ignore = [
    str(path)
    for path in sorted((ROOT / "gatebook").rglob("*.py"))
    if path.read_text(encoding="utf-8").lstrip().startswith('"""Deprecated')
]


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


def pytest_addoption(parser):
    parser.addoption(
        "--perturb-fp",
        type=float,
        default=0.0,
        metavar="EPS",
        help="multiply every Gaussian quadrature of gatebook.meanfield by 1 + EPS * u, u uniform in "
        "[-1, 1] (seeded by the arguments): runs the mean-field tests on a perturbed floating-point path, so that a "
        "solver whose convergence depends on the machine's rounding fails here too (e.g. 1e-15)",
    )


def _perturbed(function, eps):
    """``function`` with its output multiplied by 1 + eps * u, u uniform in [-1, 1].

    The noise is a deterministic function of the arguments (hashed), so two identical calls still
    agree bit for bit while the path differs from the unperturbed one.
    """
    import functools
    import hashlib

    import numpy as np

    def key(value):
        if callable(value):
            return getattr(value, "__qualname__", repr(type(value))).encode()
        try:
            return np.ascontiguousarray(value, dtype=float).tobytes()
        except (TypeError, ValueError):
            return repr(value).encode()

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        out = function(*args, **kwargs)
        digest = hashlib.sha256(b"|".join([key(a) for a in args] + [k.encode() + key(v) for k, v in sorted(kwargs.items())]))
        rng = np.random.default_rng(int.from_bytes(digest.digest()[:8], "little"))
        values = np.asarray(out, dtype=float)
        noisy = values * (1.0 + eps * rng.uniform(-1.0, 1.0, values.shape))
        return float(noisy) if np.ndim(out) == 0 and not isinstance(out, np.ndarray) else noisy

    wrapper.perturbed = eps
    return wrapper


@pytest.fixture(autouse=True, scope="session")
def perturbed_floating_point_path(request):
    """With ``--perturb-fp EPS``: the quadratures under every mean-field solver carry relative noise EPS."""
    eps = request.config.getoption("--perturb-fp")
    if not eps:
        yield 0.0
        return
    import importlib

    names = ("quadrature", "static", "scs", "gated", "onsets", "sampling", "phases", "simulation", "solve")
    patched = []
    for name in names:
        module = importlib.import_module(f"gatebook.meanfield.{name}")
        for attr in ("correlated_average", "gaussian_average"):
            original = getattr(module, attr, None)
            if callable(original):
                setattr(module, attr, _perturbed(original, eps))
                patched.append((module, attr, original))
    yield eps
    for module, attr, original in patched:
        setattr(module, attr, original)


def pytest_configure(config):
    config.addinivalue_line("markers", "book: builds the Jupyter Book (slow); deselect with -m 'not book'")
    config.addinivalue_line("markers", "browser: checks the built site in a real Chromium (needs Playwright)")
