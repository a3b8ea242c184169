"""Offline heavy simulation (issue 13): the studies too slow for the build, run once with
exact provenance and stored as a versioned resource that the build shows.

The build's simulation stage (:mod:`analysis.pipeline.simulation_study`) keeps to a few CPU
minutes, so at N = 500 plans it runs the choice of K over NMF only with reduced settings
(3 runs), topic prevalence end to end 10 times and the reuse study once. This module runs,
at N = 500 plans and with the *same* study functions (nothing here re-implements a study):

* **topic selection** (:func:`topic_selection`): the rule over NMF alone with the build's
  settings (:data:`analysis.topics.simulate.BUILD_OPTIONS`: 10 restarts, 5 subsamples, up to
  10 plans left out per model and K) in :data:`SELECTION_NMF` runs, and, when asked for
  (``--both N``; :data:`SELECTION_BOTH` = 0 by default, because one run costs an hour or more
  of CPU, see the constant), the build's own rule over both model families
  (:data:`~analysis.topics.settings.MODEL_KINDS`) in the first N runs (whose NMF rows are then
  the NMF-only rule's fits), via
  :func:`analysis.topics.simulate.simulation_runs` and :func:`~analysis.topics.simulate.summarise`;
* **topic prevalence** (:func:`topic_prevalence`): :data:`PREVALENCE_RUNS` end-to-end runs of
  :func:`analysis.topics.simulate_prevalence.simulation_table` at each level of
  :data:`PREVALENCE_LEVELS` (the levels reuse the same corpora: the level does not change the
  random stream);
* **reuse** (:func:`reuse`): :data:`REUSE_RUNS` corpora of
  :func:`analysis.evaluation.simulate_reuse.simulation_table`.

**Seeds.** Every study uses the build's base seed (:data:`SEED` = the stage's ``SEED`` = 0),
so the offline runs *extend* the in-build design consistently: replication ``r`` at 500 plans
is the same simulated corpus in the build and here, and the offline rows cover runs
``0 … R-1``, of which the build's runs are the first (topic selection: the build's 3 NMF-only
runs used reduced settings, so here the same 3 corpora are rerun with the build's settings;
topic prevalence: the build's 10 runs are the first 10 of ``PREVALENCE_RUNS``; reuse: the
build's single corpus is the first). The offline rows therefore supersede, and must not be
pooled with, the in-build rows of the same study at 500 plans.

The rows take the shared layout (:data:`analysis.core.schema.SIMULATION_COLUMNS`) plus a
``study`` column named as in :data:`analysis.pipeline.simulation_study.STUDIES`; every
estimator carries its study's suffix (:data:`SUFFIXES`) so that the build's primary key keeps them apart from its own
rows, and every note begins with the command, the number of runs, the settings and the CPU
seconds per run. :func:`write` stores them in ``data/heavy_simulation.csv`` with a provenance
file ``data/heavy_simulation.json`` (command, git commit of the code that ran, date, CPU
seconds per study); :func:`stored_rows` reads them back for the build, and returns nothing
(with the reason) when the resource is missing or does not parse.

Regenerate with ``python -m analysis heavy-simulation`` (``make heavy-simulation``): about half
an hour of CPU in one process by default, so it is not part of ``make all``; the counts are
options of the command.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.io import atomic_write_text, read_csv, write_csv
from analysis.core.paths import PACKAGE_DATA
from analysis.core.provenance import git_commit
from analysis.core.schema import SIMULATION_COLUMNS
# The studies are imported when this module is, so that a run of an hour executes the code of
# the commit it records even if the checkout changes meanwhile.
from analysis.evaluation import simulate_reuse
from analysis.pipeline import simulation_study
from analysis.pipeline.simulation_study import STUDIES, read_inputs
from analysis.topics import simulate, simulate_prevalence

#: The stored rows (a versioned resource of the package; the provenance is stored beside it,
#: same name with ``.json``, and is not read by the build).
STORED = PACKAGE_DATA / "heavy_simulation.csv"
#: Base seed: the build's (runs extend the in-build design; see the module docstring).
SEED = 0
N_PLANS = 500
#: Runs at N_PLANS, for well under an hour of CPU in one process. Timed once each on
#: 2026-11-29 (one core, shared, ``nice``): a reuse corpus 12-17 CPU s, a prevalence run 2-4
#: CPU s per level, the rule over NMF alone with the build's settings 92 CPU s. The rule over
#: *both* families with the build's settings is not in the default run: it needs 80 LDA
#: restart fits at 500 plans (8 values of K x 10 restarts; one fit on the 10,106 clauses of
#: run 0 took 25-26 CPU s at K = 2 and 5, 44 at K = 12, so about 40 CPU minutes) before the
#: perturbed fits of every stable (model, K); the first such run, stopped after 25 CPU
#: minutes, had not finished (an hour or more a run; ``--both 3`` runs it).
SELECTION_BOTH = 0
SELECTION_NMF = 10
PREVALENCE_RUNS = 100
PREVALENCE_LEVELS = (0.95, 0.8)
REUSE_RUNS = 10
#: Appended to every estimator name (keeps the build's primary key unique), and the settings
#: each note states: topic selection runs the build's own selection settings (the in-build
#: study runs reduced ones); the other studies keep their in-build design and settings and
#: add runs.
SUFFIXES = {"topic selection": simulation_study.OFFLINE_SUFFIXES[0],
            "topic prevalence": simulation_study.OFFLINE_SUFFIXES[1],
            "reuse": simulation_study.OFFLINE_SUFFIXES[1]}
SETTINGS = {"topic selection": "the build's selection settings",
            "topic prevalence": "the in-build study's design and settings",
            "reuse": "the in-build study's design and settings"}
COMMAND = "python -m analysis heavy-simulation"
COLUMNS = ["study"] + list(SIMULATION_COLUMNS)
_FLOATS = ("nominal", "coverage", "coverage_mc_se", "bias", "rmse", "value")


def _mark(table: pd.DataFrame, study: str, runs: str) -> pd.DataFrame:
    """The study's rows in the stored layout: estimator suffixed, note prefixed with the
    command, the runs (with their CPU seconds) and the settings."""
    lead = f"offline run ({COMMAND}), {runs}, {SETTINGS[study]}"
    out = table.reindex(columns=list(SIMULATION_COLUMNS)).assign(study=study)
    out["estimator"] = out["estimator"].astype(str) + SUFFIXES[study]
    out["note"] = [f"{lead}; {note}" if isinstance(note, str) and note else lead
                   for note in out["note"]]
    return out[COLUMNS]


def selection_table(runs: pd.DataFrame, options: dict | None = None) -> pd.DataFrame:
    """The stored rows of topic selection from its runs: those of
    :func:`analysis.topics.simulate.summarise` plus, over both families, the share of runs
    choosing LDA; notes say how many runs of each kind and their CPU seconds."""
    options = simulate.BUILD_OPTIONS if options is None else options
    table = simulate.summarise(runs, options=options)
    two = runs[runs["families"].str.contains("lda")]
    if len(two):
        share = float((two["chosen_model"] == "lda").mean())
        table = pd.concat([table, pd.DataFrame([{
            "quantity": "choice of K", "estimator": "choose_model (NMF and LDA)",
            "n_plans": int(two["n_plans"].iloc[0]), "replications": len(two),
            "metric": "share of runs choosing LDA", "value": share,
            "note": "family chosen by run: " + ", ".join(two["chosen_model"])}])],
            ignore_index=True)
    one = runs[~runs["families"].str.contains("lda")]
    label = ", ".join(part for part in (
        f"{len(two)} runs over NMF and LDA ({two['cpu_s'].mean():.0f} CPU s per run)"
        if len(two) else "",
        f"{len(one)} {'more ' if len(two) else ''}runs over NMF alone "
        f"({one['cpu_s'].mean():.0f} CPU s per run)"
        if len(one) else "",
        f"NMF-only rows over all {len(runs)} runs (the NMF rows of the two-family runs are "
        f"the NMF-only rule's fits)" if len(two) and len(one) else "") if part)
    return _mark(table, "topic selection", label)


def topic_selection(n_plans: int = N_PLANS, both: int = SELECTION_BOTH,
                    nmf: int = SELECTION_NMF, seed: int = SEED,
                    options: dict | None = None, on_run=None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The choice of K and topic recovery with the build's settings.

    The runs are those of :func:`analysis.topics.simulate.simulation_runs` (same seeds and
    corpora), made one replication at a time so that ``on_run`` can store the rows of the
    runs done so far (a run of an hour keeps what it finished if it is stopped).

    Parameters
    ----------
    n_plans : int
        Plans per corpus.
    both, nmf : int
        Runs over both families, and runs over NMF (the first ``both`` of them are the NMF
        rows of the two-family runs).
    seed : int
        Base seed of :func:`analysis.topics.simulate.simulation_runs`.
    options : dict, optional
        Selection settings (default :data:`analysis.topics.simulate.BUILD_OPTIONS`; tests pass
        a tiny grid).
    on_run : callable, optional
        Called after each run with (rows so far, runs so far).

    Returns
    -------
    pandas.DataFrame
        :func:`selection_table` of every run.
    pandas.DataFrame
        The runs (one row per run, with ``cpu_s``).
    """
    options = simulate.BUILD_OPTIONS if options is None else options
    parts = []
    for r in range(max(nmf, both)):
        parts.append(simulate.simulation_runs(
            seed, replications_both={n_plans: min(both, r + 1)} if both else {},
            replications_nmf={n_plans: r + 1}, options=options, first=r))
        runs = pd.concat(parts, ignore_index=True)
        table = selection_table(runs, options)
        print(f"heavy simulation: topic selection run {r + 1} of {max(nmf, both)} "
              f"({runs['families'].iloc[-1]}), {runs['cpu_s'].iloc[-1]:.0f} CPU s, chosen "
              f"{runs['chosen_model'].iloc[-1]} K = {runs['chosen_k'].iloc[-1]} "
              f"(NMF alone K = {runs['chosen_k_nmf'].iloc[-1]})", flush=True)
        if on_run is not None:
            on_run(table, runs)
    return table, runs


def topic_prevalence(n_plans: int = N_PLANS, runs: int = PREVALENCE_RUNS,
                     levels: tuple[float, ...] = PREVALENCE_LEVELS,
                     seed: int = SEED) -> pd.DataFrame:
    """Topic prevalence end to end (:func:`analysis.topics.simulate_prevalence.simulation_table`)
    at each nominal level, on the same corpora."""
    tables, cpu = [], 0.0
    for level in levels:
        start = time.process_time()
        tables.append(simulate_prevalence.simulation_table(
            seed=seed, replications={n_plans: runs}, level=level))
        cpu += time.process_time() - start
    levels_text = " and ".join(f"{level:g}" for level in levels)
    return _mark(pd.concat(tables, ignore_index=True), "topic prevalence",
                 f"{runs} runs (the same corpora at nominal {levels_text}), "
                 f"{cpu / max(runs * len(levels), 1):.1f} CPU s per run and level")


def reuse(n_plans: int = N_PLANS, runs: int = REUSE_RUNS, seed: int = SEED,
          clauses: list[str] | None = None) -> pd.DataFrame:
    """The reuse study (:func:`analysis.evaluation.simulate_reuse.simulation_table`) on
    ``runs`` corpora, with the stored real clauses of the build's study."""
    clauses = read_inputs()["clauses"] if clauses is None else clauses
    start = time.process_time()
    table = simulate_reuse.simulation_table(seed=seed, sizes=(n_plans,),
                                            replications={n_plans: runs}, clauses=clauses)
    cpu = time.process_time() - start
    return _mark(table, "reuse", f"{runs} runs, {cpu / max(runs, 1):.0f} CPU s per run")


def _git_commit() -> str:
    """:func:`analysis.core.provenance.git_commit`, this run's own outputs excluded."""
    return git_commit(exclude=("src/analysis/data/heavy_simulation.*",))


def _runs_record(runs: pd.DataFrame) -> list[dict]:
    """Topic-selection runs as JSON-ready records."""
    out = []
    for row in runs.to_dict("records"):
        out.append({k: (v.round(6).tolist() if isinstance(v, np.ndarray) else
                        round(float(v), 1) if k == "cpu_s" else
                        v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def run(n_plans: int = N_PLANS, selection: tuple[int, int] = (SELECTION_BOTH, SELECTION_NMF),
        prevalence_runs: int = PREVALENCE_RUNS, reuse_runs: int = REUSE_RUNS,
        seed: int = SEED, selection_options: dict | None = None,
        levels: tuple[float, ...] = PREVALENCE_LEVELS, save=None) -> tuple[pd.DataFrame, dict]:
    """Every heavy study, cheapest first (progress printed).

    Parameters
    ----------
    n_plans, seed : int
        Plans per corpus, base seed.
    selection : (int, int)
        Topic-selection runs over both families, and over NMF (:func:`topic_selection`).
    prevalence_runs, reuse_runs : int
        Runs of :func:`topic_prevalence` (per level) and :func:`reuse`.
    selection_options : dict, optional
        Topic-selection settings (default the build's).
    levels : tuple of float
        Nominal levels of the prevalence study.
    save : callable, optional
        Called with (rows so far, provenance so far) after each study and each
        topic-selection run; the provenance says ``complete: false`` until the end.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, rows in the order reuse, topic prevalence, topic selection.
    dict
        Provenance: planned runs, per study the runs done and CPU seconds (and the
        topic-selection runs), total CPU seconds, ``complete``.
    """
    planned = {"reuse": {"runs": reuse_runs},
               "topic prevalence": {"runs_per_level": prevalence_runs, "levels": list(levels)},
               "topic selection": {"runs_both_families": selection[0],
                                   "runs_nmf": max(selection)}}
    tables, studies = {}, {}

    def state(complete: bool) -> tuple[pd.DataFrame, dict]:
        out = pd.concat([tables[name] for name in planned if name in tables],
                        ignore_index=True).reindex(columns=COLUMNS)
        for column in _FLOATS:
            out[column] = pd.to_numeric(out[column], errors="coerce").round(6) + 0.0
        info = {"n_plans": n_plans, "seed": seed, "planned": planned, "studies": studies,
                "cpu_s": round(sum(s["cpu_s"] for s in studies.values()), 1),
                "complete": complete}
        return out, info

    def emit() -> None:
        if save is not None:
            save(*state(False))

    def timed(name, step, counts) -> None:
        print(f"heavy simulation: {name} ...", flush=True)
        start, wall = time.process_time(), time.time()
        tables[name] = step()
        cpu = time.process_time() - start
        studies[name] = dict(counts, cpu_s=round(cpu, 1), wall_s=round(time.time() - wall, 1))
        print(f"heavy simulation: {name} done, {cpu:.0f} CPU s", flush=True)
        print(tables[name].drop(columns="note").to_string(), flush=True)
        emit()

    timed("reuse", lambda: reuse(n_plans, reuse_runs, seed), {"runs": reuse_runs})
    timed("topic prevalence", lambda: topic_prevalence(n_plans, prevalence_runs, levels, seed),
          {"runs_per_level": prevalence_runs, "levels": list(levels)})
    start, wall = time.process_time(), time.time()

    def on_run(table: pd.DataFrame, runs: pd.DataFrame) -> None:
        tables["topic selection"] = table
        two = int(runs["families"].str.contains("lda").sum())
        studies["topic selection"] = {
            "runs_both_families": two, "runs_nmf": len(runs),
            "cpu_s": round(time.process_time() - start, 1),
            "wall_s": round(time.time() - wall, 1), "runs": _runs_record(runs)}
        emit()

    table, _ = topic_selection(n_plans, *selection, seed=seed, options=selection_options,
                               on_run=on_run)
    print(table.drop(columns="note").to_string(), flush=True)
    return state(True)


def write(out: Path = STORED, **kwargs) -> Path:
    """Run every study (:func:`run`) and store the rows at ``out`` and the provenance beside
    it (same name, ``.json``), after each study and each topic-selection run, so that a run
    stopped early leaves what it finished, marked ``complete: false``."""
    out = Path(out)
    commit = _git_commit()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    argv = sys.argv[2:] if sys.argv[1:2] == ["heavy-simulation"] else []
    command = " ".join([COMMAND] + argv)

    def save(table: pd.DataFrame, info: dict) -> None:
        provenance = {"command": command, "git_commit": commit, "started_utc": started,
                      "saved_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "python": sys.version.split()[0], **info}
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(table, out)
        atomic_write_text(out.with_suffix(".json"),
                          json.dumps(provenance, indent=1, ensure_ascii=False) + "\n")

    save(*run(save=save, **kwargs))
    return out


def stored_rows(path: Path = STORED, studies: tuple[str, ...] | None = None
                ) -> tuple[pd.DataFrame, str]:
    """The stored offline rows, checked, and a message (empty when all is well).

    A missing or unreadable file, wrong columns, an unknown study or an estimator without
    an offline suffix give no rows and say why: the build then shows its own rows only.

    Parameters
    ----------
    path : Path
        The stored CSV (default :data:`STORED`).
    studies : tuple of str, optional
        Keep these studies only (default: every study of the stage).
    """
    path = Path(path)
    known = tuple(name for name, _ in STUDIES)
    keep = known if studies is None else tuple(studies)
    empty = pd.DataFrame(columns=COLUMNS)
    if not path.is_file():
        return empty, f"no offline rows ({path.name} not found)"
    try:
        table = read_csv(path)
    except Exception as err:  # noqa: BLE001  (a damaged resource must not stop the build)
        return empty, f"offline rows skipped ({path.name} unreadable: {err})"
    if list(table.columns) != COLUMNS:
        return empty, f"offline rows skipped ({path.name} has columns {list(table.columns)})"
    unknown = sorted(set(table["study"].astype(str)) - set(known))
    if unknown:
        return empty, f"offline rows skipped ({path.name}: unknown studies {unknown})"
    suffixes = simulation_study.OFFLINE_SUFFIXES
    if not table["estimator"].astype(str).str.endswith(suffixes).all():
        return empty, (f"offline rows skipped ({path.name}: an estimator ends in none of "
                       f"{list(suffixes)})")
    for column in _FLOATS + ("n_plans", "replications"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    if table[["n_plans", "replications"]].isna().any().any():
        return empty, f"offline rows skipped ({path.name}: missing plan or run counts)"
    table[["n_plans", "replications"]] = table[["n_plans", "replications"]].astype(int)
    # An interrupted run keeps the studies it finished (their run counts are right); say so.
    note = ("" if provenance(path).get("complete", True) else
            f"offline rows from an unfinished run ({path.name}: complete false in its "
            "provenance); rerun `make heavy-simulation` to finish it")
    return table[table["study"].isin(keep)].reset_index(drop=True), note


def provenance(path: Path = STORED) -> dict:
    """The provenance stored beside ``path`` (empty when missing or unreadable)."""
    try:
        return json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
