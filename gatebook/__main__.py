"""``python -m gatebook``: the package's command line.

``python -m gatebook reproduce {s1,s2,appB,all} [--scale {laptop,paper}] [--seeds N] [--jobs K] [--out DIR]
[--reference-quirks [NAMES]]`` runs a reproduction of Livi (2025) with :func:`gatebook.learning.reproduce.reproduce` and
prints its summary table. Torch is imported only when a reproduction runs.
"""

from __future__ import annotations

import argparse
import sys

STUDIES = ("s1", "s2", "appB")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer or -1, got {text!r}") from None
    if value == 0 or value < -1:
        raise argparse.ArgumentTypeError(f"expected a positive number of workers or -1 (every core), got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m gatebook``."""
    parser = argparse.ArgumentParser(prog="python -m gatebook", description="Gatebook's command line.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    rep = commands.add_parser(
        "reproduce", help="reproduce a study of Livi (2025): s1 (chapter 3), s2 (chapter 5), appB (chapter 4)",
        description="Run a study of Livi (2025) from its preset: one JSON per job and a summary.json under "
                    "OUT/<study>-<scale>/. Jobs already on disk with the same settings are skipped.")
    rep.add_argument("study", choices=(*STUDIES, "all"), help="the study, or all three")
    rep.add_argument("--scale", choices=("laptop", "paper"), default="laptop",
                     help="laptop: small presets (about a minute); paper: the paper's presets (hours)")
    rep.add_argument("--seeds", type=_positive_int, default=None, help="number of seeds (default: the preset's)")
    rep.add_argument("--jobs", type=_jobs, default=1, help="worker processes (-1: every core; default 1)")
    rep.add_argument("--out", default="reproductions", help="parent folder of the results (default ./reproductions)")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")
    rep.add_argument("--reference-quirks", nargs="?", const="all", default=None, metavar="NAMES",
                     help="reproduce the reference code's choices instead of the book's: all of the study's "
                          "(no value, or 'all') or a comma-separated list of names: reversed_order, "
                          "post_update_state, extra_gate_factor, power_iteration, fixed_batch, distractor_inputs")
    return parser


def main(argv=None) -> int:
    """Parse ``argv`` and run the command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from gatebook.learning.reproduce import reproduce

    quirks = args.reference_quirks
    if quirks is not None:
        quirks = True if quirks == "all" else [q.strip() for q in quirks.split(",") if q.strip()]
    for study in STUDIES if args.study == "all" else (args.study,):
        try:
            summary = reproduce(study, scale=args.scale, seeds=args.seeds, n_jobs=args.jobs, out=args.out,
                                progress=not args.no_progress, reference_quirks=bool(quirks) and quirks)
        except (TypeError, ValueError) as err:
            parser.error(str(err))
        print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
