"""Failing fuzz outcomes that are accepted, each with its reason.

Each ``tests/fuzz/bases_<area>.py`` may hold an ``ALLOWED`` dict mapping
``(callable name, argument, battery value or "*")`` to a reason; this module merges them. Keep
them short: every entry is a promise the package does not keep, explained.
"""

from __future__ import annotations

import importlib

from .api import AREAS

ALLOWED: dict[tuple[str, str, str], str] = {}
for _area in AREAS:
    ALLOWED.update(getattr(importlib.import_module(f"tests.fuzz.bases_{_area}"), "ALLOWED", {}))


def is_allowed(outcome) -> bool:
    return (outcome.function, outcome.argument, outcome.value) in ALLOWED or (
        outcome.function, outcome.argument, "*") in ALLOWED
