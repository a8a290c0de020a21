"""The first code cell of every chapter: install the book's release of gatebook, change nothing else.

    python scripts/install_cell.py --write     # rewrite the first code cell of every chapter
    python scripts/install_cell.py --check     # exit 1 if a chapter's cell differs

The cell is generated here, from one template, so that all chapters say the same thing and carry
the package's version (``gatebook/__init__.py``). On a machine where ``gatebook`` at that
version is importable (a laptop set up with scripts/setup.sh, the book build) it does nothing.
Elsewhere (Colab, a fresh JupyterLab) it runs ``pip install`` of that release from the
repository: pip's default strategy keeps every dependency that is already installed and
compatible (numpy, scipy, matplotlib, ipywidgets, torch), so the reader's environment is not
upgraded; Part II chapters ask for the ``[learning]`` extra (torch), the others do not. If
something the kernel had already imported changed, the cell says to restart the kernel.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/gatebook/gatebook"
PART_TWO = ("02_", "03_", "04_", "05_")  # chapters that need torch (the [learning] extra)
MARKER = "# Install the book's release of gatebook"

TEMPLATE = '''\
# Install the book's release of gatebook if this kernel lacks it (e.g. on Colab). pip keeps what
# is already installed and compatible (numpy, scipy, matplotlib, ipywidgets{torch}): nothing is upgraded.
GATEBOOK_RELEASE = "{version}"
try:
    import gatebook
    _installed = gatebook.__version__
except ImportError:
    _installed = None
if _installed != GATEBOOK_RELEASE:
    import importlib.metadata, sys

    def _version(package):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return None

    _loaded = [p for p in ("numpy", "scipy", "matplotlib", "ipywidgets"{torch_watch}, "gatebook") if sys.modules.get(p) is not None]
    _before = {{p: _version(p) for p in _loaded}}
    print(f"Installing gatebook {{GATEBOOK_RELEASE}} (found {{_installed or 'none'}}) ...")
    %pip install -q "gatebook{extra} @ git+{repository}@v{version}"
    _changed = [p for p in _loaded if _version(p) != _before[p] or p == "gatebook"]
    if _changed:
        print("Restart the kernel (Colab: Runtime > Restart session), then run the notebook again: "
              f"{{', '.join(_changed)}} changed while loaded.")
    else:
        import gatebook
'''


def version() -> str:
    text = (ROOT / "gatebook" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def install_cell(chapter: str) -> str:
    """The install cell's source for the chapter notebook named ``chapter`` (e.g. "03_scalar_gate")."""
    learning = chapter.startswith(PART_TWO)
    return TEMPLATE.format(
        version=version(), repository=REPOSITORY,
        extra="[learning]" if learning else "",
        torch=", torch" if learning else "",
        torch_watch=', "torch"' if learning else "",
    ).rstrip("\n")


def _first_code_cell(nb: dict) -> dict:
    return next(c for c in nb["cells"] if c["cell_type"] == "code")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for path in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = _first_code_cell(nb)
        want = install_cell(path.stem)
        if "".join(cell["source"]) != want:
            stale.append(path.name)
            if args.write:
                cell["source"] = want.splitlines(keepends=True)
                tags = cell.setdefault("metadata", {}).setdefault("tags", [])
                if "hide-input" not in tags and "remove-input" not in tags:
                    tags.append("hide-input")
                path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.check and stale:
        print("install cell out of date in: " + ", ".join(stale) + " (python scripts/install_cell.py --write)")
        return 1
    print(("rewrote " if args.write else "up to date: ") + (", ".join(stale) if args.write else "all chapters"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
