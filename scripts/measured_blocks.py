"""Shared by the scripts that write measured tables into a page (research_scale.py, reproductions_page.py).

A page holds each generated table between ``<!-- measured:NAME -->`` and ``<!-- /measured:NAME -->``;
:func:`render` fills every block from ``tables`` (``{NAME: function returning markdown}``) and
:func:`main` writes the page (``--write``) or checks that it is current (``--check``, exit 1 if not).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def render(text: str, tables: dict, page_name: str) -> str:
    for name, make in tables.items():
        pattern = re.compile(rf"(<!-- measured:{name} -->\n)(?:.*?\n)?(<!-- /measured:{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{page_name} has no block <!-- measured:{name} --> ... <!-- /measured:{name} -->")
        text = pattern.sub(lambda m: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(page: Path, tables: dict, *, description: str, source: str, command: str, argv=None) -> int:
    parser = argparse.ArgumentParser(description=description)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = page.read_text(encoding="utf-8")
    new = render(text, tables, page.name)
    if args.write:
        page.write_text(new, encoding="utf-8")
        return 0
    if new != text:
        print(f"{page.name}: the measured tables differ from {source}; run {command}", file=sys.stderr)
        return 1
    return 0
