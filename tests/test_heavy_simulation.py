"""The offline heavy simulation (issue 13): its studies run end to end at a tiny size and give
the stored layout; the build's simulation stage appends the stored rows under distinct keys,
covers the resource in its fingerprint, and never fails on a missing or damaged resource."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from analysis.core.io import read_csv, write_csv
from analysis.pipeline import heavy_simulation as H
from analysis.pipeline import simulation_study

TINY = dict(ks=(2, 3), n_restarts=2, n_subsamples=1, max_leave_out=1)
KEYNESS = (("keyness", "analysis.text.keyness_simulation"),)
SEL, MORE = H.SUFFIXES["topic selection"], H.SUFFIXES["reuse"]


@pytest.fixture(scope="module")
def saves():
    return []


@pytest.fixture(scope="module")
def tiny_run(saves):
    """Every heavy study at 5 plans, one or two runs each, a tiny grid (a few seconds)."""
    return H.run(n_plans=5, selection=(1, 2), prevalence_runs=2, reuse_runs=1,
                 selection_options=TINY, levels=(0.95, 0.8),
                 save=lambda table, info: saves.append((table, json.loads(json.dumps(info)))))


def test_heavy_studies_give_the_stored_layout(tiny_run):
    table, info = tiny_run
    assert list(table.columns) == H.COLUMNS
    assert list(dict.fromkeys(table["study"])) == ["reuse", "topic prevalence",
                                                   "topic selection"]
    assert set(table["study"]) <= {name for name, _ in simulation_study.STUDIES}
    assert (table["n_plans"] == 5).all()
    assert all(e.endswith(H.SUFFIXES[st]) for st, e in zip(table["study"], table["estimator"]))
    assert table["note"].str.startswith("offline run (python -m analysis heavy-simulation)").all()
    key = list(simulation_study.SIMULATION_STUDY.primary_key)
    assert not table[key].astype(str).duplicated().any()
    # Topic selection: both families in the first run, NMF alone in both runs; LDA share row.
    sel = table[table["study"] == "topic selection"]
    both = sel[sel["estimator"] == "choose_model (NMF and LDA)" + SEL]
    assert set(both["replications"]) == {1}
    assert "share of runs choosing LDA" in set(both["metric"])
    nmf = sel[(sel["estimator"] == "choose_model (NMF only)" + SEL)
              & (sel["metric"] == "share of runs choosing true K")]
    assert nmf["replications"].tolist() == [2]
    assert "2 restarts, 1 subsamples, 1 plans left out" in nmf["note"].iloc[0]
    assert {"choice of K", "topic recovery"} <= set(sel["quantity"])
    # Prevalence at both levels on the same corpora: 95 % covers at least as often as 80 %.
    prev = table[table["study"] == "topic prevalence"]
    assert set(prev["nominal"]) == {0.95, 0.8}
    wide = prev.pivot_table(index=["quantity", "estimator"], columns="nominal",
                            values="coverage")
    assert (wide[0.95] >= wide[0.8]).all()
    assert (table.loc[table["study"] == "reuse", "replications"] == 1).all()
    # Provenance: CPU per study and the per-run record of topic selection.
    assert set(info["studies"]) == {"reuse", "topic prevalence", "topic selection"}
    assert all(s["cpu_s"] >= 0 for s in info["studies"].values())
    runs = info["studies"]["topic selection"]["runs"]
    assert [r["families"] for r in runs] == ["nmf+lda", "nmf"]
    assert info["complete"] is True


def test_partial_results_are_saved_as_they_come(tiny_run, saves):
    """After reuse, prevalence and each topic-selection run, the rows so far are saved and
    marked incomplete; the last save holds the two-family run alone."""
    assert [info["complete"] for _, info in saves] == [False] * 4
    assert [sorted(set(table["study"])) for table, _ in saves[:2]] == [
        ["reuse"], ["reuse", "topic prevalence"]]
    first, info = saves[2]
    sel = first[first["study"] == "topic selection"]
    assert set(sel["replications"]) == {1} and info["studies"]["topic selection"]["runs_nmf"] == 1
    assert len(saves[3][0]) == len(tiny_run[0])


def test_write_stores_rows_and_provenance(tmp_path, monkeypatch, tiny_run):
    monkeypatch.setattr(H, "run", lambda **kwargs: tiny_run)
    path = H.write(tmp_path / "heavy.csv")
    stored = read_csv(path)
    assert list(stored.columns) == H.COLUMNS and len(stored) == len(tiny_run[0])
    info = H.provenance(path)
    assert info["command"].startswith(H.COMMAND) and info["git_commit"]
    assert info["studies"]["reuse"]["cpu_s"] == tiny_run[1]["studies"]["reuse"]["cpu_s"]
    rows, problem = H.stored_rows(path)
    assert problem == "" and len(rows) == len(stored)


def _fake_keyness(monkeypatch):
    from analysis.text import keyness_simulation

    original = keyness_simulation.simulation_table
    monkeypatch.setattr(keyness_simulation, "simulation_table",
                        lambda seed=0: original(seed=seed, sizes=((5, 5, 20),), n_rep=19))


def test_stage_appends_stored_rows_with_distinct_keys(tmp_path, monkeypatch, tiny_run):
    _fake_keyness(monkeypatch)
    built = simulation_study.run(studies=KEYNESS, offline=tmp_path / "none.csv")
    # Offline rows of the same study and size, estimator names as the build's but suffixed.
    fake = built.head(3).copy()
    fake["estimator"] = fake["estimator"] + MORE
    fake["replications"] = 99
    other = tiny_run[0].head(2)          # rows of a study not run here: left out
    write_csv(pd.concat([fake, other], ignore_index=True), tmp_path / "heavy.csv")
    table = simulation_study.run(studies=KEYNESS, offline=tmp_path / "heavy.csv")
    assert len(table) == len(built) + 3
    assert table.tail(3)["estimator"].str.endswith(MORE).all()
    assert (table.tail(3)["replications"] == 99).all()
    key = list(simulation_study.SIMULATION_STUDY.primary_key)
    assert not table[key].astype(str).duplicated().any()
    from analysis.core.schema import validate

    validate(table, simulation_study.SIMULATION_STUDY)  # the stage writes it through it


@pytest.mark.parametrize("content, message", [
    (None, "not found"),
    ("study,quantity\nreuse,x\n", "has columns"),
    ("\0\0garbage\n\"unclosed", "offline rows skipped"),
])
def test_missing_or_damaged_resource_is_skipped_with_a_note(tmp_path, monkeypatch, capsys,
                                                            content, message):
    _fake_keyness(monkeypatch)
    path = tmp_path / "heavy.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    table = simulation_study.run(studies=KEYNESS, offline=path)
    assert set(table["study"]) == {"keyness"} and not table["estimator"].str.endswith(
        (SEL, MORE)).any()
    assert message in capsys.readouterr().out


def test_rows_repeating_the_builds_keys_are_skipped(tmp_path, monkeypatch, capsys):
    _fake_keyness(monkeypatch)
    built = simulation_study.run(studies=KEYNESS, offline=tmp_path / "none.csv")
    clash = built.head(1).copy()
    clash["estimator"] = clash["estimator"] + MORE
    write_csv(pd.concat([clash, clash], ignore_index=True), tmp_path / "heavy.csv")
    table = simulation_study.run(studies=KEYNESS, offline=tmp_path / "heavy.csv")
    assert len(table) == len(built)
    assert "keys repeat" in capsys.readouterr().out


def test_stage_fingerprint_covers_the_stored_rows(tmp_path, monkeypatch):
    """The simulation stage's version reads the resource (and the heavy module's code)."""
    from analysis.pipeline import cache

    assert "analysis.pipeline.heavy_simulation" in simulation_study.CODE_ROOTS
    copy = tmp_path / "analysis"
    shutil.copytree(cache.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)
    monkeypatch.setattr(cache, "PACKAGE_DATA", copy / "data")
    stored = copy / "data" / H.STORED.name
    if not stored.exists():
        write_csv(pd.DataFrame(columns=H.COLUMNS), stored)
    try:
        cache.stage_version.cache_clear()
        before = cache.stage_version(simulation_study.CODE_ROOTS)
        with open(stored, "a", encoding="utf-8") as handle:
            handle.write("\n")
        cache.stage_version.cache_clear()
        assert cache.stage_version(simulation_study.CODE_ROOTS) != before
    finally:
        cache.stage_version.cache_clear()


def test_load_keeps_build_and_offline_rows_apart(tmp_path, tiny_run):
    """The notebooks' existing tables read the build's rows; the offline rows are asked for."""
    build_rows = tiny_run[0].head(4).copy()
    build_rows["estimator"] = build_rows["estimator"].str.removesuffix(MORE)
    write_csv(pd.concat([build_rows, tiny_run[0]], ignore_index=True),
              tmp_path / simulation_study.SIMULATION_STUDY.filename)
    own = simulation_study.load(tmp_path)
    offline = simulation_study.load(tmp_path, rows="offline")
    assert len(own) == 4 and not own["estimator"].str.endswith((SEL, MORE)).any()
    assert len(offline) == len(tiny_run[0]) and offline["estimator"].str.endswith((SEL, MORE)).all()
    assert len(simulation_study.load(tmp_path, rows="all")) == 4 + len(tiny_run[0])
    with pytest.raises(ValueError):
        simulation_study.load(tmp_path, rows="both")


def test_rows_of_an_unfinished_run_are_kept_with_a_note(tmp_path):
    import json
    import shutil

    from analysis.pipeline import heavy_simulation as hs

    path = tmp_path / "heavy_simulation.csv"
    shutil.copy(hs.STORED, path)
    meta = json.loads(hs.STORED.with_suffix(".json").read_text(encoding="utf-8"))
    meta["complete"] = False
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    rows, note = hs.stored_rows(path)
    assert len(rows) == len(hs.stored_rows()[0]) > 0
    assert "unfinished" in note and hs.stored_rows()[1] == ""
