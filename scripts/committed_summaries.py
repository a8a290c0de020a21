#!/usr/bin/env python
"""Copy the committed summaries into the package (``gatebook/committed_runs/``), or check the copies.

    python scripts/committed_summaries.py --write   # copy every source of gatebook.committed.COMMITTED
    python scripts/committed_summaries.py --check   # exit 1 if a copy differs from its source or is missing

The sources stay where the runs wrote them (``data/...``); the copies are what an installed
package, e.g. in Colab, reads with ``gatebook.committed_summary``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gatebook.committed import COMMITTED  # noqa: E402

TARGET = ROOT / "gatebook" / "committed_runs"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="copy the sources into the package")
    mode.add_argument("--check", action="store_true", help="fail if a copy differs from its source")
    args = parser.parse_args(argv)
    TARGET.mkdir(exist_ok=True)
    stale = []
    for name, (source, _) in COMMITTED.items():
        data = (ROOT / source).read_bytes()
        copy = TARGET / f"{name}.json"
        if args.write:
            copy.write_bytes(data)
        elif not copy.is_file() or copy.read_bytes() != data:
            stale.append(f"{copy.relative_to(ROOT)} (from {source})")
    extra = sorted(p.name for p in TARGET.glob("*.json") if p.stem not in COMMITTED)
    if args.check and (stale or extra):
        for line in stale:
            print(f"stale or missing: {line}", file=sys.stderr)
        for name in extra:
            print(f"not in COMMITTED: gatebook/committed_runs/{name}", file=sys.stderr)
        print("run: python scripts/committed_summaries.py --write", file=sys.stderr)
        return 1
    print("written" if args.write else "up to date", len(COMMITTED), "summaries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
