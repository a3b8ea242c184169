"""Offline run of the accident simulation study with many worlds (issue 14).

The build's study (:func:`analysis.accidents.simulation.simulation_study`) runs
:data:`~analysis.accidents.simulation.SIM_WORLDS` worlds per process, about 30 CPU seconds.
The cases of one simulated series move together, so at five years ahead (80 cases from 40
worlds) a coverage figure still carries a sampling error of several points: too coarse to
check "within 5 points of nominal". This module runs the *same* function with
:data:`WORLDS` worlds per process and the build's seed, so the build's worlds are the first
40 of the offline ones (the offline rows extend, and supersede, the build's), and stores the
coverage and Brier rows as versioned resources of the package, which the build appends to
``forecast_coverage.csv`` and ``brier_scores.csv`` with ``source`` ``sim:<process>, <N>
worlds (offline)``.

Provenance (command, git commit of the code that ran, dates, CPU seconds, worlds, seed) is
written beside them in :data:`PROVENANCE`. The inputs are the build's: the accident panel of
``data/raw`` and the target forms of the national plans and of the corpus targets
(``data/processed/accident_targets.csv``, so run it after a build). Regenerate with
``python -m analysis heavy-simulation --accidents`` (about 1.4 CPU minutes per 100 worlds, in
one process; the stored run's CPU seconds are in its provenance).

The provenance also records the SHA-256 of the inputs (the raw accident statistics and the
corpus targets) and of the code of :mod:`analysis.accidents`, and the method Brier
differences are taken against; the build appends the stored rows only while all of these
match its own, and says why when they do not.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from analysis.accidents.calibration import pseudo_target_forms
from analysis.accidents.forecast import SEED
from analysis.accidents.loader import load_accident_stats, stats_dir
from analysis.accidents.scores import BRIER, BRIER_REFERENCE, COVERAGE
from analysis.accidents.simulation import simulation_study
from analysis.accidents.targets import load_target_rules
from analysis.core import paths
from analysis.core.io import atomic_write_text, read_csv, write_csv
from analysis.corpus.checksums import sha256_file
from analysis.core.paths import PACKAGE_DATA
from analysis.core.provenance import git_commit
from analysis.core.schema import validate

STORED_COVERAGE = PACKAGE_DATA / "heavy_accident_coverage.csv"
STORED_BRIER = PACKAGE_DATA / "heavy_accident_brier.csv"
PROVENANCE = PACKAGE_DATA / "heavy_accident_simulation.json"
#: Worlds per process offline: 6,400 one-year-ahead and 800 five-year-ahead cases each.
WORLDS = 400
COMMAND = "python -m analysis heavy-simulation --accidents"


def offline_source(source: str, worlds: int) -> str:
    """``sim:damped`` -> ``sim:damped, 400 worlds (offline)``."""
    return f"{source}, {worlds} worlds (offline)"


def input_fingerprint(raw_dir: Path | None = None, targets_path: Path | None = None) -> dict:
    """SHA-256 of every input of the study: each raw accident-statistics CSV and the corpus
    targets file (``None`` where a file is missing), and of the code that runs the study
    (every module of :mod:`analysis.accidents`), so that stored rows are shown only while
    neither has changed."""
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    targets_path = (Path(targets_path) if targets_path is not None
                    else paths.processed_dir() / "accident_targets.csv")
    files = {f"accident_stats/{f.name}": f for f in sorted(stats_dir(raw_dir).glob("*.csv"))}
    files["processed/accident_targets.csv"] = targets_path
    digests = {name: (sha256_file(f) if f.is_file() else None) for name, f in files.items()}
    code = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        code.update(module.name.encode() + b"\0" + module.read_bytes())
    digests["code:analysis/accidents/*.py"] = code.hexdigest()
    return digests


def run(worlds: int = WORLDS, raw_dir: Path | None = None,
        targets_path: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """The simulation study with ``worlds`` worlds per process on the build's inputs.

    Returns
    -------
    coverage, brier : pandas.DataFrame
        Schemas :data:`~analysis.accidents.scores.COVERAGE` and
        :data:`~analysis.accidents.scores.BRIER`, ``source`` marked by :func:`offline_source`.
    cpu_seconds : float
        Process CPU time of the study.
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    targets = (Path(targets_path) if targets_path is not None
               else paths.processed_dir() / "accident_targets.csv")
    panel = load_accident_stats(raw_dir)
    rules, message = load_target_rules(stats_dir(raw_dir), targets)
    if message:
        print(f"heavy simulation: {message}", flush=True)
    start = time.process_time()
    # One process whatever ANALYSIS_STAGE_JOBS says: the provenance records this process's
    # CPU time, which would leave out the workers'.
    coverage, brier, _ = simulation_study(panel, pseudo_target_forms(rules), worlds=worlds,
                                          seed=SEED, jobs=1)
    cpu = time.process_time() - start
    for table in (coverage, brier):
        table["source"] = [offline_source(s, worlds) for s in table["source"]]
    return coverage, brier, cpu


def write(worlds: int = WORLDS) -> list[Path]:
    """Run :func:`run` and store both tables and the provenance."""
    commit = git_commit(exclude=("src/analysis/data/heavy_accident_*",))
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    inputs = input_fingerprint()
    coverage, brier, cpu = run(worlds)
    write_csv(coverage, STORED_COVERAGE)
    write_csv(brier, STORED_BRIER)
    argv = sys.argv[2:] if sys.argv[1:2] == ["heavy-simulation"] else []
    provenance = {"command": " ".join(["python -m analysis heavy-simulation"] + argv),
                  "git_commit": commit, "started_utc": started,
                  "saved_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "python": sys.version.split()[0], "worlds_per_process": worlds,
                  "seed": SEED, "cpu_seconds": round(cpu, 1),
                  "brier_reference": BRIER_REFERENCE, "inputs_sha256": inputs}
    atomic_write_text(PROVENANCE, json.dumps(provenance, indent=1) + "\n")
    return [STORED_COVERAGE, STORED_BRIER, PROVENANCE]


def stored_tables(raw_dir: Path | None = None, targets_path: Path | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The stored offline coverage and Brier rows for these inputs, and a message (empty
    when all is well).

    A missing, unreadable or malformed resource, one computed from other inputs (another raw
    folder, other corpus targets) or other code, or against another Brier reference, gives
    empty tables and says why: the build then shows its own simulation rows only.

    Parameters
    ----------
    raw_dir : Path, optional
        ``data/raw`` of the build.
    targets_path : Path, optional
        The corpus targets file the build read (default
        ``data/processed/accident_targets.csv``).
    """
    empty = (pd.DataFrame(columns=COVERAGE.column_names),
             pd.DataFrame(columns=BRIER.column_names))
    if not (STORED_COVERAGE.is_file() and STORED_BRIER.is_file() and PROVENANCE.is_file()):
        return (*empty, "no offline accident simulation rows (not stored)")
    try:
        provenance = json.loads(PROVENANCE.read_text(encoding="utf-8"))
        if not isinstance(provenance, dict):
            raise ValueError(f"{PROVENANCE.name} is not a JSON object")
        coverage, brier = read_csv(STORED_COVERAGE), read_csv(STORED_BRIER)
        validate(coverage, COVERAGE)
        validate(brier, BRIER)
    except Exception as err:  # noqa: BLE001  (a damaged resource must not stop the build)
        return (*empty, f"offline accident simulation rows skipped ({err}; rerun {COMMAND})")
    if provenance.get("brier_reference") != BRIER_REFERENCE:
        return (*empty, "offline accident simulation rows skipped (Brier differences taken "
                        f"against {provenance.get('brier_reference')!r}, not "
                        f"{BRIER_REFERENCE!r}; rerun {COMMAND})")
    stored = provenance.get("inputs_sha256")
    if not isinstance(stored, dict):
        return (*empty, "offline accident simulation rows skipped (the provenance records no "
                        f"input checksums; rerun {COMMAND})")
    now = input_fingerprint(raw_dir, targets_path)
    changed = sorted(k for k in set(stored) | set(now) if stored.get(k) != now.get(k))
    if changed:
        return (*empty, "offline accident simulation rows skipped (computed from other "
                        f"inputs or code: {', '.join(changed)}; rerun {COMMAND})")
    marked = all(t["source"].astype(str).str.endswith("(offline)").all()
                 for t in (coverage, brier))
    if not marked:
        return (*empty, "offline accident simulation rows skipped (a source is not marked "
                        "offline)")
    return coverage, brier, ""
