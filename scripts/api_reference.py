"""Write the API reference pages of the website from the package's ``__all__`` lists.

    python scripts/api_reference.py            # writes api/*.md (run by scripts/build-book.sh)
    python scripts/api_reference.py --check    # exit 1 if api/ is stale

Every public callable, class and constant is documented once, at the address a reader uses:
``gatebook.X`` for the top-level names, then ``gatebook.meanfield``, ``gatebook.learning``,
``gatebook.plots`` and ``gatebook.exercises``, then each public module for the names only it
exports (the chapters' experiment modules). The text comes from the docstrings (numpydoc,
rendered by Sphinx's napoleon); a name re-exported elsewhere links to the same entry.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "api"

PACKAGES = {
    "gatebook": "The package: models, simulation, Lyapunov exponents, measurements (chapter 1 and Part III)",
    "gatebook.meanfield": "Mean-field theory (chapters 9-11)",
    "gatebook.learning": "Gates as effective learning rates (Part II, chapters 2-5; needs torch)",
    "gatebook.plots": "Figures and explorable figures (one module per chapter)",
    "gatebook.exercises": "Self-checks and quizzes of the exercises",
}


def _is_shim(name: str) -> bool:
    origin = importlib.util.find_spec(name).origin
    return Path(origin).read_text(encoding="utf-8").lstrip().startswith('"""Deprecated')


def _modules():
    import gatebook

    for info in pkgutil.walk_packages(gatebook.__path__, "gatebook."):
        if any(p.startswith("_") for p in info.name.split(".")) or _is_shim(info.name):
            continue
        if info.name in PACKAGES:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            yield importlib.import_module(info.name)


def _directive(obj) -> str:
    if inspect.isclass(obj):
        return "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def _documented_data(module) -> set[str]:
    """Module-level names that carry a ``#:`` doc comment where they are defined."""
    from sphinx.pycode import ModuleAnalyzer

    try:
        return {name for (_, name) in ModuleAnalyzer.for_module(module.__name__).find_attr_docs()}
    except Exception:  # noqa: BLE001 - no source: no documented data
        return set()


def _entries(module, names, seen):
    out = []
    for name in names:
        obj = getattr(module, name, None)
        if obj is None or inspect.ismodule(obj):
            continue
        if not (callable(obj) or inspect.isclass(obj)):
            key = (module.__name__, name)
            if key in seen:
                continue
            seen.add(key)
            if name in _documented_data(module):
                out.append(f".. autodata:: {module.__name__}.{name}\n   :no-value:\n\n")
            else:  # no doc comment: its value, if short, is the documentation
                value = repr(obj)
                shown = f"\n   :value: {value}" if len(value) <= 60 and "\n" not in value else ""
                out.append(f".. py:data:: {module.__name__}.{name}{shown}\n\n")
            continue
        key = id(obj) if (callable(obj) or inspect.isclass(obj)) else (module.__name__, name)
        if key in seen:
            continue
        seen.add(key)
        options = "   :members:\n" if inspect.isclass(obj) else ""
        if inspect.isclass(obj) and hasattr(obj, "_fields"):  # a NamedTuple: its Attributes section lists the fields
            options += f"   :exclude-members: {', '.join(obj._fields)}\n"
        out.append(f".. {_directive(obj)}:: {module.__name__}.{name}\n{options}\n")
    return out


def pages() -> dict[str, str]:
    seen: set = set()
    result = {}
    index = ["# API reference\n\n",
             "Every public name of `gatebook`, from its docstring: the equation it computes, the chapter\n",
             "that teaches it, its arguments and what it returns.\n\n"]
    for package, title in PACKAGES.items():
        module = importlib.import_module(package)
        body = "".join(_entries(module, sorted(module.__all__), seen))
        slug = package.replace(".", "_")
        result[f"{slug}.md"] = (f"# `{package}`\n\n{title}.\n\n```{{eval-rst}}\n.. automodule:: {package}\n   :no-members:\n\n"
                                f"{body}```\n")
        index.append(f"- [`{package}`]({slug}.md): {title}\n")
    rest = []
    documented = {f"{m}.{n}" for m in PACKAGES for n in importlib.import_module(m).__all__
                  if not inspect.ismodule(getattr(importlib.import_module(m), n, None))}
    for module in sorted(_modules(), key=lambda m: m.__name__):
        body = "".join(_entries(module, sorted(getattr(module, "__all__", ())), seen))
        # a module named like a documented function (gatebook.simulate) is described without an index entry
        clash = "   :no-index:\n" if module.__name__ in documented else ""
        rest.append(f"## `{module.__name__}`\n\n```{{eval-rst}}\n.. automodule:: {module.__name__}\n   :no-members:\n"
                    f"{clash}\n{body}```\n\n")
    result["modules.md"] = ("# Modules\n\nEvery public module, with the names only it exports (the chapters' concept and "
                            "experiment modules); names re-exported by a package are documented on that package's page.\n\n"
                            + "".join(rest))
    index.append("- [Modules](modules.md): every public module, with the names only it exports\n")
    result["index.md"] = "".join(index)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    want = pages()
    stale = [n for n, text in want.items() if not (OUT / n).exists() or (OUT / n).read_text() != text]
    if args.check:
        if stale:
            print("api/ is stale: python scripts/api_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.mkdir(exist_ok=True)
    for n, text in want.items():
        (OUT / n).write_text(text, encoding="utf-8")
    print(f"wrote {len(want)} pages to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
