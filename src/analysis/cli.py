"""Command line: ``python -m analysis build | status | add-plan FILE | run-notebook PATH | bench
| heavy-simulation``."""
from __future__ import annotations

import argparse
import sys

#: Manifest fields that ``add-plan`` accepts as options (``--year-start 2023`` …).
ADD_PLAN_FIELDS = ("encoding", "jurisdiction_zh", "jurisdiction_en", "admin_level",
                   "province_zh", "province_en", "parent_zh", "parent_en", "year_start",
                   "year_end", "doc_type", "title_zh", "issuer_zh", "issue_date", "doc_number",
                   "provenance")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild data/processed from data/raw")
    b.add_argument("--raw", default=None, help="raw-data folder (default data/raw)")
    b.add_argument("--out", default=None, help="output folder (default data/processed)")
    b.add_argument("--progress", action="store_true", default=None,
                   help="force a progress bar even when not on a terminal")
    b.add_argument("--jobs", "-j", type=int, default=None,
                   help="worker processes for the per-document work (default: all cores; "
                        "1: none)")
    b.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the per-document work on this Dask distributed scheduler "
                        "(e.g. tcp://host:8786) instead of local processes")
    b.add_argument("--no-cache", dest="cache", action="store_false",
                   help="recompute every document instead of reusing data/processed/.cache")
    s = sub.add_parser("status", help="what is built, from which inputs, and what is stale")
    s.add_argument("--raw", default=None)
    s.add_argument("--out", default=None)
    a = sub.add_parser("add-plan", help="copy a plan into data/raw, record its checksum and "
                                        "manifest row (read from the text)")
    a.add_argument("file", help="the plan's text file (any common Chinese encoding)")
    a.add_argument("--doc-id", default=None, help="identifier, e.g. wenzhou-2022 "
                                                  "(default: from the file name)")
    a.add_argument("--name", default=None, help="file name inside data/raw/plans/")
    a.add_argument("--raw", default=None, help="raw-data folder (default data/raw)")
    a.add_argument("--year", default=None, help="shorthand for --year-start Y --year-end Y")
    for f in ADD_PLAN_FIELDS:
        a.add_argument("--" + f.replace("_", "-"), dest=f, default=None)
    nb = sub.add_parser("run-notebook", help="execute notebooks in place (stores outputs)")
    nb.add_argument("path", nargs="+")
    nb.add_argument("--jobs", type=int, default=1,
                    help="notebooks executed at once (0: one per core; default 1)")
    hs = sub.add_parser("heavy-simulation",
                        help="run the offline heavy simulation (about an hour of CPU) and "
                             "store its rows for the build's simulation_study.csv")
    hs.add_argument("--out", default=None,
                    help="CSV to write (default src/analysis/data/heavy_simulation.csv; "
                         "the provenance goes beside it as .json)")
    hs.add_argument("--both", type=int, default=None,
                    help="topic-selection runs over NMF and LDA (default 0: an hour or more each)")
    hs.add_argument("--nmf", type=int, default=None, help="topic-selection runs over NMF")
    hs.add_argument("--prevalence-runs", type=int, default=None,
                    help="topic-prevalence runs per nominal level")
    hs.add_argument("--reuse-runs", type=int, default=None, help="reuse corpora")
    hs.add_argument("--accidents", action="store_true",
                    help="run the accident simulation study offline instead (many worlds; "
                         "analysis.accidents.heavy)")
    hs.add_argument("--worlds", type=int, default=None,
                    help="with --accidents: worlds per process (default 400)")
    sp = sub.add_parser("score-pages", help="score the pipeline on every set of real pages in "
                        "tests/ that has been scored before (in-sample: every such set has "
                        "been used for development)")
    sp.add_argument("--once", default=None, metavar="SET",
                    help="the one scoring of a sealed held-out set (e.g. corpus_test20): "
                         "print its full report, to be kept as the set's SCORED_ONCE.md")
    sp.add_argument("--pool-once", default=None, metavar="SETS",
                    help="comma-separated sets: pool the counts of their one scorings, read "
                         "from their SCORED_ONCE.md (figures of the code at those commits)")
    be = sub.add_parser("bench", help="run benchmarks")
    be.add_argument("--out", default="bench/results.json")
    be.add_argument("--only", default=None, help="comma-separated benchmark names")
    return parser


def _add_plan(args) -> int:
    from analysis.pipeline.add_plan import AddPlanError, add_plan

    given = {f: getattr(args, f) for f in ADD_PLAN_FIELDS if getattr(args, f)}
    if args.year:
        given.setdefault("year_start", args.year)
        given.setdefault("year_end", args.year)
    try:
        added = add_plan(args.file, doc_id=args.doc_id, raw=args.raw, given=given,
                         name=args.name)
    except AddPlanError as err:
        print(f"add-plan: {err}", file=sys.stderr)
        return 2
    print(f"added {added.path} (sha256 {added.sha256}) as {added.row['doc_id']}")
    print("manifest row (read from the text: " + (", ".join(added.read_from_text) or "nothing")
          + "):")
    for key, value in added.row.items():
        print(f"  {key:16} {value}")
    print("check the row in data/raw/manifest.csv (edit any field the text got wrong), then "
          "run `make all`")
    return 0


def _build(args) -> int:
    """Exit codes: 0 built; 1 built, some inputs had problems (listed); 2 failed (bad manifest,
    locked); 3 failed otherwise; 130 interrupted (SIGTERM or SIGINT, whatever error the
    interruption surfaced as)."""
    import traceback

    from analysis.corpus.manifest import ManifestError
    from analysis.pipeline.build import BuildLocked, build

    import signal

    received: list[int] = []
    # The handler raises only while the build runs, and once: a signal landing as the build
    # returns, or a second one while the interruption is reported, must not raise outside the
    # try below (an uncaught KeyboardInterrupt ends the process with -2, not 130).
    state = {"active": False}

    def _terminate(signum, frame):  # SIGTERM ends the build like Ctrl-C: temporary files go
        received.append(signum)
        if state["active"]:
            state["active"] = False
            raise KeyboardInterrupt

    def _interrupted() -> int:
        print("build interrupted: no build_info.json was written, so `analysis status` reports "
              "the tables as unfinished; run the build again", file=sys.stderr)
        return 130

    def _caused_by_interrupt(err: BaseException) -> bool:
        seen = set()
        while err is not None and id(err) not in seen:
            if isinstance(err, KeyboardInterrupt):
                return True
            seen.add(id(err))
            err = err.__cause__ or err.__context__
        return False

    def _interrupted_by(err: BaseException) -> bool:
        # An error counts as the interruption only if it came from the KeyboardInterrupt the
        # handler raised (a compiled module being imported turns it into "initialization
        # failed"); a signal whose KeyboardInterrupt was swallowed must not hide a failure.
        if not received:
            return False
        if not _caused_by_interrupt(err):
            print(f"(after the signal: {type(err).__name__}: {err})"[:300], file=sys.stderr)
        return True

    # A signal the shell told this process to ignore (a background job's SIGINT) stays ignored.
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGINT)
                if signal.getsignal(sig) is not signal.SIG_IGN}
    try:
        state["active"] = True
        if received:  # a signal between installing the handlers and this block
            raise KeyboardInterrupt
        code = build(args.raw, args.out, progress=args.progress, jobs=args.jobs,
                     scheduler=args.scheduler, cache=args.cache)
        state["active"] = False
        return code
    except KeyboardInterrupt:
        return _interrupted()
    except (ManifestError, BuildLocked) as err:
        if _interrupted_by(err):
            return _interrupted()
        print(f"build failed: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001  (any other failure must not look like exit code 1)
        if _interrupted_by(err):
            return _interrupted()
        traceback.print_exc()
        print("build failed (see the error above); tables already written by earlier stages "
              "of this build may be mixed with older ones: fix the cause and rebuild",
              file=sys.stderr)
        return 3
    finally:
        state["active"] = False
        # Both handlers are put back with the signals blocked, so that a second signal cannot
        # land between the two and raise inside this block.
        mask = set(previous)
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, mask) if mask else None
        try:
            for sig, handler in previous.items():
                # None: a handler installed outside Python, which Python cannot put back.
                signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        finally:
            if blocked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "build":
        return _build(args)
    if args.command == "status":
        from analysis.pipeline.status import status

        result = status(args.raw, args.out)
        print(result.report())
        return 0 if result.up_to_date else 1
    if args.command == "add-plan":
        return _add_plan(args)
    if args.command == "run-notebook":
        from analysis.core.notebooks import run_notebook, run_notebooks

        if len(args.path) == 1:
            run_notebook(args.path[0])
            return 0
        return run_notebooks(args.path, jobs=args.jobs or None)
    if args.command == "heavy-simulation" and args.accidents:
        from analysis.accidents import heavy

        written = heavy.write(args.worlds or heavy.WORLDS)
        print("wrote " + ", ".join(p.name for p in written) + "; rebuild to show the rows")
        return 0
    if args.command == "heavy-simulation":
        from analysis.pipeline import heavy_simulation

        H = heavy_simulation
        counts = {"selection": (H.SELECTION_BOTH if args.both is None else args.both,
                                H.SELECTION_NMF if args.nmf is None else args.nmf),
                  "prevalence_runs": (H.PREVALENCE_RUNS if args.prevalence_runs is None
                                      else args.prevalence_runs),
                  "reuse_runs": H.REUSE_RUNS if args.reuse_runs is None else args.reuse_runs}
        path = H.write(args.out or H.STORED, **counts)
        print(f"wrote {path} and {path.with_suffix('.json').name}; rebuild to show the rows")
        return 0
    if args.command == "score-pages":
        from analysis.evaluation.realpages import once_report, real_page_scores, unscored_sets

        if args.pool_once:
            from analysis.core.paths import repo_root
            from analysis.evaluation.realpages import pooled_once

            try:
                pooled = pooled_once([repo_root() / "tests" / name
                                      for name in args.pool_once.split(",")])
            except ValueError as error:
                print(f"score-pages: {error}")
                return 2
            for key, value in pooled.items():
                print(f"{key} {value:.3f}" if isinstance(value, float) else f"{key} {value}")
            return 0
        if args.once:
            from analysis.core.paths import repo_root

            folder = repo_root() / "tests" / args.once
            if not (folder / "gold" / "metadata.csv").is_file():
                print(f"score-pages: {folder} is not a set of real pages (no gold/metadata.csv)")
                return 2
            print(once_report(folder))
            return 0
        for name in unscored_sets():
            print(f"score-pages: {name} left out: sealed and not scored yet (score it once "
                  f"with --once {name}, then keep the output as its SCORED_ONCE.md)")
        table = real_page_scores()
        rates = ["set", "pages", "leftover_per_10_pages", "plan_chars_lost", "target_precision",
                 "target_recall"] + [c for c in table.columns if c.endswith("_rate")]
        print(table[rates].round(3).to_string(index=False))
        return 0
    if args.command == "bench":
        from analysis.core.bench import run_benchmarks

        return run_benchmarks(args.out, args.only.split(",") if args.only else None)
    return 2
