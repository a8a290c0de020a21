#!/usr/bin/env python3
"""Write student versions of the chapters: solutions removed, outputs cleared.

What is removed
---------------
- code cells (any cell) tagged ``solution`` (cell metadata ``tags``);
- every sphinx-exercise ``{solution}`` directive block in markdown cells and
  MyST ``.md`` pages, written with colons (``:::{solution} ex-id``) or
  backticks (a fence of three or more backticks followed by ``{solution}``);
- everything between a ``{solution-start}`` directive and the matching
  ``{solution-end}`` directive (sphinx-exercise's gated form, which may span
  several cells), both directives included.

Exercises, self-check cells and all other content stay. Notebook outputs and
execution counts are cleared. The inputs are never modified.

With ``--plain`` the MyST directives that a plain notebook front end (Colab, classic
Jupyter) would show as raw text are rewritten as Markdown: an ``{exercise}`` becomes a bold
"**Exercise 11.2 — Title.**" paragraph numbered as on the website (chapter number from the
file name), an ``{admonition}`` a quoted block with a bold title; option lines such as
``:label:`` and ``:class:`` are dropped. The book's build writes these plain student versions
to ``_build/html/student/`` and the repository keeps them in ``student/`` (``--check``), which is
what the Colab and JupyterHub launch buttons open.

Usage
-----
    python scripts/student_versions.py                 # chapters/ -> _build/student/
    python scripts/student_versions.py chapters/01_random_networks.ipynb --out /tmp/s
    python scripts/student_versions.py --plain --out student    # what Colab opens
    python scripts/student_versions.py --plain --out student --check

Exit status 1 if an input cannot be read or a solution block is not closed.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_TAG = "solution"

# An opening fence of a directive: indentation, ``:::``/backticks, {name}.
_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>:{3,}|`{3,})\{(?P<name>[A-Za-z0-9_:-]+)\}")


class StudentVersionError(ValueError):
    """A solution block could not be removed cleanly."""


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    char = fence[0]
    return len(stripped) >= len(fence) and set(stripped) == {char}


def strip_solution_blocks(text: str, where: str = "<text>") -> str:
    """Remove ``{solution}`` directive blocks from MyST markdown ``text``.

    Parameters
    ----------
    text : str
        MyST markdown.
    where : str
        Name used in error messages.

    Returns
    -------
    str
        The text without solution blocks (runs of blank lines left behind are
        collapsed to one).
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if match and match.group("name") == "solution":
            fence = match.group("fence")
            j = i + 1
            while j < len(lines) and not _closes(lines[j], fence):
                j += 1
            if j == len(lines):
                raise StudentVersionError(f"{where}: {{solution}} block opened on line {i + 1} is never closed")
            i = j + 1
            continue
        out.append(lines[i])
        i += 1
    result = "".join(out)
    return re.sub(r"\n{3,}", "\n\n", result)


def _directive_names(text: str) -> list[str]:
    return [m.group("name") for m in map(_OPEN.match, text.splitlines()) if m]


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def student_notebook(nb: dict, where: str = "<notebook>") -> dict:
    """Return a copy of notebook ``nb`` (nbformat 4 JSON dict) for students."""
    nb = copy.deepcopy(nb)
    cells = []
    gated = False  # inside {solution-start} ... {solution-end}
    for index, cell in enumerate(nb.get("cells", [])):
        source = _cell_source(cell)
        names = _directive_names(source) if cell.get("cell_type") == "markdown" else []
        if gated:
            if "solution-end" in names:
                gated = False
                # keep whatever follows the end directive in the same cell
                tail = re.split(r"^\s*(?::{3,}|`{3,})\{solution-end\}.*?$\n?(?:^\s*(?::{3,}|`{3,})\s*$\n?)?",
                                source, maxsplit=1, flags=re.M)[-1]
                if tail.strip():
                    cell = dict(cell, source=strip_solution_blocks(tail, f"{where} cell {index}"))
                    cells.append(cell)
            continue
        if SOLUTION_TAG in (cell.get("metadata", {}).get("tags") or []):
            continue
        if cell.get("cell_type") == "markdown":
            if "solution-start" in names:
                head = re.split(r"^\s*(?::{3,}|`{3,})\{solution-start\}", source, maxsplit=1, flags=re.M)[0]
                rest = source[len(head):]
                gated = "solution-end" not in _directive_names(rest)
                if not gated:
                    raise StudentVersionError(
                        f"{where} cell {index}: put {{solution-start}} and {{solution-end}} in "
                        "separate cells, or use a {solution} block"
                    )
                if head.strip():
                    cells.append(dict(cell, source=strip_solution_blocks(head, f"{where} cell {index}")))
                continue
            cell = dict(cell, source=strip_solution_blocks(source, f"{where} cell {index}"))
        if cell.get("cell_type") == "code":
            cell = dict(cell, outputs=[], execution_count=None)
        cells.append(cell)
    if gated:
        raise StudentVersionError(f"{where}: {{solution-start}} without {{solution-end}}")
    nb["cells"] = cells
    nb.get("metadata", {}).pop("widgets", None)
    return nb


_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>:{3,}|`{3,})\{(?P<name>exercise|admonition)\}[ \t]*(?P<title>.*)$")
_OPTION = re.compile(r"^[ \t]*:[A-Za-z_-]+:.*$")


def plain_directives(text: str, chapter: int | None, counter: list[int]) -> str:
    """Rewrite ``{exercise}`` and ``{admonition}`` blocks of MyST ``text`` as plain Markdown.

    ``counter`` (a one-item list) carries the exercise count across the cells of a notebook, so
    exercises are numbered ``chapter.k`` in order, as on the website.
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i].rstrip("\n"))
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence, title = m.group("fence"), m.group("title").strip()
        j = i + 1
        while j < len(lines) and _OPTION.match(lines[j]):
            j += 1
        body = []
        while j < len(lines) and not _closes(lines[j], fence):
            body.append(lines[j])
            j += 1
        if j == len(lines):
            raise StudentVersionError(f"an {{{m.group('name')}}} block is not closed")
        while body and not body[0].strip():
            body.pop(0)
        if m.group("name") == "exercise":
            counter[0] += 1
            number = f"{chapter}.{counter[0]}" if chapter is not None else str(counter[0])
            head = f"**Exercise {number}" + (f" — {title}" if title else "") + ".**"
            out.append(head + "\n\n")
            out.extend(body)
        else:
            out.append(f"> **{title or 'Note'}**\n>\n")
            out.extend("> " + ln if ln.strip() else ">\n" for ln in body)
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        i = j + 1
    return "".join(out)


def plain_notebook(nb: dict, chapter: int | None) -> dict:
    """``nb`` with its markdown cells' exercise and admonition directives written as Markdown."""
    nb = copy.deepcopy(nb)
    counter = [0]
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            cell["source"] = plain_directives(_cell_source(cell), chapter, counter).rstrip("\n")
    return nb


def convert(src: Path, dest: Path, plain: bool = False) -> Path:
    """Write the student version of ``src`` (``.ipynb`` or ``.md``) to ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix == ".ipynb":
        nb = json.loads(src.read_text(encoding="utf-8"))
        out = student_notebook(nb, str(src))
        if plain:
            number = re.match(r"(\d+)_", src.name)
            out = plain_notebook(out, int(number.group(1)) if number else None)
        dest.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    elif src.suffix == ".md":
        text = src.read_text(encoding="utf-8")
        if "{solution-start}" in text:
            text = re.sub(
                r"^\s*(:{3,}|`{3,})\{solution-start\}.*?^\s*(?::{3,}|`{3,})\{solution-end\}[^\n]*\n?"
                r"(?:^\s*(?::{3,}|`{3,})\s*\n?)?",
                "",
                text,
                flags=re.M | re.S,
            )
        dest.write_text(strip_solution_blocks(text, str(src)), encoding="utf-8")
    else:
        raise ValueError(f"{src}: only .ipynb and .md files have student versions")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks, .md pages or folders (default: chapters/)")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student", help="output folder")
    parser.add_argument("--plain", action="store_true",
                        help="write exercise and admonition directives as plain Markdown (for Colab)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file under --out differs from what would be written")
    args = parser.parse_args(argv)

    inputs = args.paths or [ROOT / "chapters"]
    files: list[Path] = []
    for path in inputs:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in {".ipynb", ".md"}
                            and ".ipynb_checkpoints" not in p.parts)
        elif path.is_file():
            files.append(path)
        else:
            print(f"error: {path} does not exist", file=sys.stderr)
            return 1
    if not files:
        print("error: no notebooks or .md pages found", file=sys.stderr)
        return 1

    stale: list[str] = []
    for src in files:
        src = src.resolve()
        try:
            rel = src.relative_to(ROOT)
        except ValueError:
            rel = Path(src.name)
        target = args.out / rel
        try:
            if args.check:
                import tempfile

                with tempfile.TemporaryDirectory() as tmp:
                    fresh = convert(src, Path(tmp) / rel, plain=args.plain)
                    if not target.exists() or target.read_bytes() != fresh.read_bytes():
                        stale.append(str(target))
                continue
            dest = convert(src, target, plain=args.plain)
        except (StudentVersionError, ValueError, json.JSONDecodeError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"{rel} -> {dest}")
    if stale:
        print("out of date (python scripts/student_versions.py --plain --out student): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
