"""``python -m tests.fuzz [--area A] [--name SUBSTRING] [--json PATH]``: run the API fuzz and print
the outcome table, the failing calls (first few per callable) and the callables without a base."""

from __future__ import annotations

import argparse
import json
import sys
import time

from .allowed import is_allowed
from .harness import OUTCOMES, PASSING, fuzz_target, summarise
from .targets import area, registry


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--area", choices=("core", "meanfield", "learning", "plots"))
    parser.add_argument("--name", default="", help="only callables whose name contains this")
    parser.add_argument("--json", help="write every outcome here")
    parser.add_argument("--show", type=int, default=4, help="failing calls shown per callable")
    args = parser.parse_args(argv)
    targets, excluded, missing = registry()
    targets = [t for t in targets if (args.area is None or area(t.name) == args.area) and args.name in t.name]
    outcomes, broken = [], []
    start = time.perf_counter()
    for target in targets:
        t0 = time.perf_counter()
        try:
            res = fuzz_target(target)
        except BaseException as exc:  # noqa: BLE001 - a base call that fails is reported, not fatal
            broken.append(f"{target.name}: base call failed: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        outcomes += res
        bad = [o for o in res if o.outcome not in PASSING and not is_allowed(o)]
        dt = time.perf_counter() - t0
        if bad or dt > 5:
            print(f"{target.name}: {len(bad)} failing of {len(res)} ({dt:.1f} s)")
            for o in bad[: args.show]:
                print(f"    {o.argument}={o.value}: {o.outcome}: {o.detail}")
    summary = summarise(outcomes)
    allowed = sum(1 for o in outcomes if o.outcome not in PASSING and is_allowed(o))
    print(f"\n{summary['calls']} calls over {summary['functions']} callables in {time.perf_counter() - start:.0f} s; "
          f"{summary['clean_functions']} clean throughout; {allowed} failing outcomes allowed")
    print("| outcome | calls |\n|---|---|")
    for k in OUTCOMES:
        print(f"| {k} | {summary['counts'][k]} ({100 * summary['counts'][k] / max(1, summary['calls']):.1f} %) |")
    if broken:
        print("\nbase calls that fail:\n  " + "\n  ".join(broken))
    scoped_missing = [m for m in missing if (args.area is None or area(m) == args.area) and args.name in m]
    if scoped_missing:
        print(f"\n{len(scoped_missing)} callables without a base call:\n  " + "\n  ".join(scoped_missing))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([o.__dict__ for o in outcomes], fh, indent=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
