"""The simulation study of notebooks 02 and 03 as a build stage: corpora with known truth at 5,
50 and 500 plans, run through the functions the notebooks use, with bias and interval coverage
per quantity and estimator (issue 13).

Each study lives beside the estimator it checks and returns the shared layout
(:data:`COLUMNS`):

* domain shares and group differences, plan level against the old clause bootstrap, and the
  misclassification correction: :func:`analysis.evaluation.simulate_shares.simulation_table`;
* reuse shares, local alignment against difflib, and the common-source attribution:
  :func:`analysis.evaluation.simulate_reuse.simulation_table`;
* distinctive terms, z-scores against clause and plan resampling:
  :func:`analysis.text.keyness_simulation.simulation_table`;
* topic prevalence by the method of composition:
  :func:`analysis.topics.composition.simulation_table`;
* topic recovery and the choice of K: :func:`analysis.topics.simulate.simulation_table`
  (where present).

The studies draw their real material (clause lengths, mean domain shares, clause texts) from a
versioned resource, ``data/simulation_inputs.json``, made once from the seed plans by
:func:`write_inputs`, not from the corpus being built: the study describes the estimators, so
adding plans must neither change it nor rerun it (its fingerprint is the code of
:data:`CODE_ROOTS`, their resources and the libraries only). It takes some minutes of CPU, so test builds of
other corpora skip it when ``ANALYSIS_SKIP_SIMULATION=1``.

**Offline rows.** What does not fit in those minutes (at 500 plans: the choice of K with the
build's settings, more topic-prevalence and reuse runs) is run outside the build by
:mod:`analysis.pipeline.heavy_simulation` (``python -m analysis heavy-simulation``, about half
an hour of CPU), stored as the versioned
resource ``data/heavy_simulation.csv`` with its provenance ``data/heavy_simulation.json``
(command, git commit, date, CPU seconds), and appended by :func:`run` below the build's rows
(:func:`offline_rows`). Their estimators end in " (offline, build settings)" (topic
selection with the build's selection settings) or " (offline, more runs)" (the other studies,
their in-build design with more runs), and their notes
say how many runs and with what; the resource is one of the stage's resources (the
fingerprint reads it through :data:`CODE_ROOTS`), so storing new rows reruns the stage. A
missing or damaged resource leaves the build's own rows only, with a printed note.
"""
from __future__ import annotations

import importlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.paths import PACKAGE_DATA
from analysis.core.paths import processed_dir as default_processed_dir
from analysis.core.schema import SIMULATION_COLUMNS, Column, TableSchema, write_table

INPUTS = PACKAGE_DATA / "simulation_inputs.json"
SEED = 0
#: (study, module): each module has ``simulation_table(seed=..., ...)``.
STUDIES = (
    ("domain shares", "analysis.evaluation.simulate_shares"),
    ("multilevel shares", "analysis.evaluation.simulate_pooling"),
    ("misclassified shares", "analysis.evaluation.simulate_share_correction"),
    ("reuse", "analysis.evaluation.simulate_reuse"),
    ("keyness", "analysis.text.keyness_simulation"),
    ("topic prevalence", "analysis.topics.composition"),
    ("topic selection", "analysis.topics.simulate"),
)
#: The stage reads no plan: it depends on these modules (and what they import), their
#: resources and the libraries only (see the module docstring and
#: :mod:`analysis.pipeline.stamps`).
CODE_ROOTS = ("analysis.pipeline.simulation_study", "analysis.pipeline.heavy_simulation") \
    + tuple(name for _, name in STUDIES)
COLUMNS = list(SIMULATION_COLUMNS)
_SRC = "`analysis.pipeline.simulation_study` (simulated corpora, known truth)"

SIMULATION_STUDY = TableSchema(
    name="simulation_study",
    filename="simulation_study.csv",
    description="Simulation study of the estimators of notebooks 02 and 03 (issue 13): "
                "corpora of 5, 50 and 500 plans generated with known truth (plans nested in "
                "levels and provinces, children copying parents with edits, planted topics and "
                "terms), run through the same functions as the build. One row per study, "
                "quantity, estimator, corpus size and figure. Rows whose estimator ends in "
                "\"(offline, build settings)\" or \"(offline, more runs)\" are not computed by "
                "the build: they are the "
                "stored results of the offline heavy simulation "
                "(`analysis.pipeline.heavy_simulation`, resource "
                "`src/analysis/data/heavy_simulation.csv`, provenance in "
                "`heavy_simulation.json` beside it), appended as stored.",
    notes=("Offline rows: at 500 plans, the choice of K by the build's rule over NMF alone "
           "with the build's own selection settings (10 restarts, 5 subsamples, up to 10 plans "
           "left out; over NMF and LDA too when run with `--both N`, an hour or more of CPU a "
           "run), estimator suffix \"(offline, build settings)\"; topic prevalence end to end "
           "at nominal 0.95 and 0.8, and reuse, with the in-build study's design and settings "
           "(prevalence: NMF at the true K with 3 restarts) and more runs than the build "
           "affords, suffix \"(offline, more runs)\". They use the build's base seed and extend its design "
           "(run r of N plans is the same corpus in the build and offline, the build's runs "
           "being the first offline ones), so they supersede the build's rows of the same "
           "study at 500 plans and must not be pooled with them. Each note starts with the "
           "command, the number of runs and the CPU seconds per run; the git commit of the "
           "code, the date and the CPU seconds per study are in `heavy_simulation.json`. "
           "Regenerate with `make heavy-simulation` (not part of `make all`). "
           "`analysis.pipeline.simulation_study.load()` returns the build's own rows, "
           "`load(rows=\"offline\")` the offline rows, `load(rows=\"all\")` both.",),
    primary_key=("study", "quantity", "estimator", "n_plans", "nominal", "metric"),
    columns=(
        Column("study", "str", "Which estimator family (module in the description).",
               allowed=tuple(name for name, _ in STUDIES), source=_SRC),
        Column("quantity", "str", "Estimand checked (domain share, group difference, reuse "
               "share, topic recovery, choice of K, …).", source=_SRC),
        Column("estimator", "str", "Estimator or interval method.", source=_SRC),
        Column("n_plans", "int", "Plans per simulated corpus.", source=_SRC),
        Column("replications", "int", "Simulated corpora behind the row.", source=_SRC),
        Column("nominal", "float", "Nominal interval level (empty when the row is not about "
               "coverage).", nullable=True, source=_SRC),
        Column("coverage", "float", "Share of intervals covering the truth.", nullable=True,
               source=_SRC),
        Column("coverage_mc_se", "float", "Monte Carlo standard error of `coverage`.",
               nullable=True, source=_SRC),
        Column("bias", "float", "Mean estimate minus truth.", nullable=True, source=_SRC),
        Column("rmse", "float", "Root mean squared error.", nullable=True, source=_SRC),
        Column("metric", "str", "Name of another figure of the row (empty if none).",
               nullable=True, source=_SRC),
        Column("value", "float", "Its value.", nullable=True, source=_SRC),
        Column("note", "str", "What the row's design is.", nullable=True, source=_SRC),
    ),
)
SCHEMAS = [SIMULATION_STUDY]


def write_inputs(processed: Path | None = None, path: Path = INPUTS) -> Path:
    """Store the real material the studies use, from a build of the seed plans: policy clause
    lengths per plan and mean domain shares (shares study) and clause texts (reuse study)."""
    from analysis.evaluation import simulate_reuse, simulate_shares

    lengths, base = simulate_shares.seed_inputs(processed)
    texts = simulate_reuse.real_clauses()
    payload = {"lengths": [[int(x) for x in plan] for plan in lengths],
               "base_shares": [round(float(x), 10) for x in base], "clauses": texts}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return path


def read_inputs(path: Path = INPUTS) -> dict:
    """The stored material (:func:`write_inputs`)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    return {"lengths": [np.asarray(plan, dtype=float) for plan in payload["lengths"]],
            "base_shares": np.asarray(payload["base_shares"], dtype=float),
            "clauses": list(payload["clauses"])}


def run(seed: int = SEED, studies=STUDIES, offline: Path | None = None) -> pd.DataFrame:
    """Every study's table, stacked with a ``study`` column (rows in study order), then the
    stored offline rows of the same studies (:func:`offline_rows`).

    Parameters
    ----------
    seed : int
        Base seed of every study.
    studies : tuple of (str, str)
        (study, module) pairs to run (default :data:`STUDIES`).
    offline : Path, optional
        The stored offline rows (default
        :data:`analysis.pipeline.heavy_simulation.STORED`).
    """
    from analysis.core.parallel import run_tasks_by_size, stage_jobs

    present = [(name, module_name) for name, module_name in studies
               if _importable(module_name)]
    # The studies are independent (each draws from its own generator seeded by ``seed``), so
    # they run side by side on the build's workers; the longest is handed out first so that
    # two workers finish together, and the tables are stacked in study order whatever order
    # they finish in: the table is the same as one process's, byte for byte.
    tables = run_tasks_by_size(_study_table, [(name, module, seed) for name, module in present],
                               [STUDY_CPU_S.get(name, 0) for name, _ in present],
                               jobs=stage_jobs(), desc="simulation studies")
    out = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)
    out = out[["study"] + COLUMNS]
    out = pd.concat([out, offline_rows(out, tuple(name for name, _ in studies), offline)],
                    ignore_index=True) if len(out) else out
    for column in ("nominal", "coverage", "coverage_mc_se", "bias", "rmse", "value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").round(6)
    return out


#: CPU seconds of each study (measured on two workers, AMD EPYC, 2026-12-01; the stage prints
#: them). Run side by side, the longest go first. With only the three longest placed first
#: the stage took 325 s wall on two workers (topic prevalence came last); in this order the
#: greedy schedule of these times ends at 303 s of their 602 CPU seconds.
STUDY_CPU_S = {"multilevel shares": 172, "topic selection": 170, "domain shares": 112,
               "misclassified shares": 60, "topic prevalence": 45, "reuse": 26, "keyness": 17}


def _importable(module_name: str) -> bool:
    """Whether a study's module exists (a study whose own module is absent is left out)."""
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name != module_name:
            raise
        return False
    return True


def _study_table(task: tuple[str, str, int]) -> pd.DataFrame:
    """One study's table with the columns of :data:`SIMULATION_STUDY` (a worker's task)."""
    from analysis.core.parallel import STAGE_JOBS_ENV

    name, module_name, seed = task
    module = importlib.import_module(module_name)
    print(f"simulation: {name} ...", flush=True)
    clock = time.process_time()
    # The studies already share the workers: one inside them must not start processes of its
    # own (a pool's workers may not have children); the fits do not depend on it.
    before = os.environ.get(STAGE_JOBS_ENV)
    os.environ[STAGE_JOBS_ENV] = "1"
    try:
        if name == "domain shares":
            inputs = read_inputs()
            table = module.simulation_table(seed=seed, inputs=(inputs["lengths"],
                                                               inputs["base_shares"]))
        elif name == "reuse":
            table = module.simulation_table(seed=seed, clauses=read_inputs()["clauses"])
        else:
            table = module.simulation_table(seed=seed)
    finally:
        if before is None:
            os.environ.pop(STAGE_JOBS_ENV, None)
        else:
            os.environ[STAGE_JOBS_ENV] = before
    print(f"simulation: {name} done, {time.process_time() - clock:.0f} CPU s", flush=True)
    return table.reindex(columns=COLUMNS).assign(study=name)


def offline_rows(built: pd.DataFrame, studies: tuple[str, ...],
                 path: Path | None = None) -> pd.DataFrame:
    """The stored rows of the offline heavy simulation
    (:mod:`analysis.pipeline.heavy_simulation`, ``data/heavy_simulation.csv``) for
    ``studies``, to stack below the build's own rows ``built``.

    A missing or damaged resource, or rows whose primary key is also one of ``built``'s,
    give no rows and a printed note: the stage then writes the build's rows only, never
    fails on the offline ones.
    """
    from analysis.pipeline import heavy_simulation

    rows, problem = heavy_simulation.stored_rows(
        heavy_simulation.STORED if path is None else path, studies)
    if problem:
        print(f"simulation: {problem}", flush=True)
    if rows.empty:
        return pd.DataFrame(columns=["study"] + COLUMNS)
    key = list(SIMULATION_STUDY.primary_key)
    both = pd.concat([built[key], rows[key]], ignore_index=True).astype(str)
    if both.duplicated().any() or rows.empty:
        if not rows.empty:
            print("simulation: offline rows skipped (their keys repeat the build's rows)",
                  flush=True)
        return pd.DataFrame(columns=["study"] + COLUMNS)
    print(f"simulation: {len(rows)} offline rows appended", flush=True)
    return rows[["study"] + COLUMNS]


def build(raw_dir: Path | None = None, processed_dir: Path | None = None) -> list[Path]:
    """Write ``simulation_study.csv`` (nothing when ``ANALYSIS_SKIP_SIMULATION=1``)."""
    processed_dir = Path(processed_dir) if processed_dir is not None else default_processed_dir()
    if os.environ.get("ANALYSIS_SKIP_SIMULATION") == "1":
        print("simulation: skipped (ANALYSIS_SKIP_SIMULATION=1)", flush=True)
        return []
    return [write_table(run(), SIMULATION_STUDY, processed_dir)]


#: Ends of the estimator names of the offline rows
#: (:data:`analysis.pipeline.heavy_simulation.SUFFIXES`): topic selection with the build's
#: own selection settings, and the other studies with their in-build design and more runs.
OFFLINE_SUFFIXES = (" (offline, build settings)", " (offline, more runs)")


def load(processed_dir: Path | None = None, rows: str = "build") -> pd.DataFrame:
    """``simulation_study.csv`` as the notebooks show it.

    Parameters
    ----------
    processed_dir : Path, optional
        Folder of the table (default ``data/processed``).
    rows : {"build", "offline", "all"}
        The build's own rows (default, so that tables pivoted by study and size are not mixed
        with the offline runs' other settings and counts), only the stored offline rows
        (estimators ending in one of :data:`OFFLINE_SUFFIXES`), or every row.
    """
    from analysis.core.io import read_csv

    processed_dir = Path(processed_dir) if processed_dir is not None else default_processed_dir()
    table = read_csv(processed_dir / SIMULATION_STUDY.filename)
    offline = table["estimator"].astype(str).str.endswith(OFFLINE_SUFFIXES)
    if rows == "build":
        return table[~offline].reset_index(drop=True)
    if rows == "offline":
        return table[offline].reset_index(drop=True)
    if rows == "all":
        return table
    raise ValueError(f"rows must be 'build', 'offline' or 'all', not {rows!r}")
