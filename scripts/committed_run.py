"""The command line shared by the scripts that make a committed run (census, finite_size_lambda, marginal_fixed_points).

    parser = committed_run.parser(__doc__, check=True)   # --write | --check | --show, and --jobs
    committed_run.write(PATH, data)                       # the JSON the package copies (committed_summaries.py)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def parser(doc: str, *, check: bool = False) -> argparse.ArgumentParser:
    """``--write`` (run and write), ``--show`` (print the committed file), ``--check`` if asked; ``--jobs``."""
    out = argparse.ArgumentParser(description=doc.splitlines()[0])
    mode = out.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="run, and write the committed file")
    if check:
        mode.add_argument("--check", action="store_true", help="recompute a sample and compare")
    mode.add_argument("--show", action="store_true", help="print the committed file")
    out.add_argument("--jobs", type=int, default=1, help="workers for --write (-1: every core)")
    return out


def write(path: Path, data: dict) -> None:
    """Write ``data`` as indented JSON, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")
