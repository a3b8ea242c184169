"""Command line: ``python -m analysis build | run-notebook PATH | bench``."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild data/processed from data/raw")
    b.add_argument("--raw", default=None, help="raw-data folder (default data/raw)")
    b.add_argument("--out", default=None, help="output folder (default data/processed)")
    b.add_argument("--progress", action="store_true", default=None,
                   help="force a progress bar even when not on a terminal")
    nb = sub.add_parser("run-notebook", help="execute a notebook in place (stores outputs)")
    nb.add_argument("path")
    be = sub.add_parser("bench", help="run benchmarks")
    be.add_argument("--out", default="bench/results.json")
    be.add_argument("--only", default=None, help="comma-separated benchmark names")
    args = parser.parse_args(argv)
    if args.command == "build":
        from .pipeline import build

        return build(args.raw, args.out, progress=args.progress)
    if args.command == "run-notebook":
        from .notebooks import run_notebook

        run_notebook(args.path)
        return 0
    if args.command == "bench":
        from .bench import run_benchmarks

        return run_benchmarks(args.out, args.only.split(",") if args.only else None)
    return 2


if __name__ == "__main__":
    sys.exit(main())
