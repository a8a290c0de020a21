"""Join the enumerated API with its base calls: one :class:`~tests.fuzz.harness.Target` each."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

from .api import AREAS, area_of, public_callables
from .harness import Target


def _is_record(obj) -> bool:
    """A dataclass or NamedTuple result type, or an exception class (a model class, one with a
    ``vector_field``, is not a record: its constructor is fuzzed)."""
    return inspect.isclass(obj) and not callable(getattr(obj, "vector_field", None)) and (
        dataclasses.is_dataclass(obj) or issubclass(obj, BaseException) or (issubclass(obj, tuple) and hasattr(obj, "_fields"))
    )


RECORD_REASON = (
    "a result record or exception type: its fields are filled by gatebook's own functions, and the "
    "functions that take one check it (validators in gatebook._validation)"
)


def registry():
    """``(targets, excluded)``: ``excluded`` maps a name to the reason it is not fuzzed."""
    bases, skips, aliases, excluded = {}, {}, {}, {}
    for area in AREAS:
        module = importlib.import_module(f"tests.fuzz.bases_{area}")
        bases.update(module.BASES)
        skips.update(getattr(module, "SKIP", {}))
        aliases.update(getattr(module, "ALIASES", {}))
        excluded.update(getattr(module, "EXCLUDED", {}))
    targets, missing = [], []
    for name, fn in public_callables().items():
        if name in excluded:
            continue
        if _is_record(fn):
            excluded[name] = RECORD_REASON
            continue
        if name in bases:
            make = bases[name]
        else:
            try:
                sig = inspect.signature(fn)
            except (TypeError, ValueError):
                missing.append(name)
                continue
            required = [
                p for p in sig.parameters.values()
                if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            ]
            if required:
                missing.append(name)
                continue
            make = dict
        targets.append(Target(name, fn, make, skips.get(name, {}), aliases.get(name, {})))
    return targets, excluded, missing


def area(name: str) -> str:
    return area_of(name.rsplit(".", 1)[0])
