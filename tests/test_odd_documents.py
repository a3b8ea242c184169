"""Documents that are tiny, long or without numbered structure go through every stage: the
build reports what a stage could not analyse and goes on (issue 10, item 4)."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.corpus.checksums import read_checksums, write_checksums
from analysis.corpus.manifest import load_manifest
from analysis.pipeline.build import build

from conftest import RAW, ROOT

TINY = "宜丰县2024年应急管理工作要点\n全年不发生较大以上生产安全事故。\n"


@pytest.fixture(scope="module")
def odd_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("odd")
    raw, out = base / "raw", base / "processed"
    (raw / "plans").mkdir(parents=True)
    manifest = load_manifest(RAW)
    keep = manifest[manifest["doc_id"].isin(["yichun-2023", "haimen-2023"])].copy()
    sums = read_checksums(RAW)
    recorded = {f: sums[f] for f in keep["file"]}
    for f in keep["file"]:
        shutil.copy(RAW / f, raw / f)
    shutil.copytree(RAW / "accident_stats", raw / "accident_stats")
    recorded.update({f: h for f, h in sums.items() if f.startswith("accident_stats/")})
    lishui = (RAW / manifest.set_index("doc_id").at["lishui-2021", "file"]).read_text("utf-8")
    # a real page without numbered structure (a news-style excerpt of a work plan)
    unnumbered = (ROOT / "tests" / "corpus" / "pages" / "p019.txt").read_text("utf-8")
    extra = {"tiny-2024": ("plans/tiny.txt", TINY),
             "long-2021": ("plans/long.txt", lishui * 25),
             "flat-2021": ("plans/flat.txt", unnumbered),
             "nothing": ("plans/nothing.txt", "应急管理工作要点\n加强安全生产。\n")}
    rows = []
    import hashlib
    for doc_id, (name, text) in extra.items():
        data = text.encode("utf-8")
        (raw / name).write_bytes(data)
        recorded[name] = hashlib.sha256(data).hexdigest()
        rows.append({"doc_id": doc_id, "file": name})  # the rest is read from the text
    write_checksums(raw, recorded)
    pd.concat([keep, pd.DataFrame(rows)]).fillna("").to_csv(raw / "manifest.csv", index=False)
    code = build(raw, out, progress=False)
    return code, out


def test_build_finishes_with_every_table(odd_build):
    code, out = odd_build
    assert code in (0, 1)
    # The simulation study reads no plan; test builds skip it (ANALYSIS_SKIP_SIMULATION).
    committed = {p.name for p in (ROOT / "data" / "processed").glob("*.csv")} - {
        "simulation_study.csv"}
    written = {p.name for p in out.glob("*.csv")}
    assert committed <= written, committed - written


def test_every_document_reaches_the_clause_table(odd_build):
    _, out = odd_build
    clauses = pd.read_csv(out / "clauses.csv")
    counts = clauses["doc_id"].value_counts()
    for doc_id in ("tiny-2024", "long-2021", "flat-2021", "yichun-2023", "haimen-2023"):
        assert counts.get(doc_id, 0) >= 1, doc_id
    # the long document is Lishui 25 times: as many clauses as 25 copies, in one document
    assert counts["long-2021"] >= 25 * 10


def test_a_manifest_row_with_doc_id_and_file_only_is_read_from_the_text(odd_build):
    _, out = odd_build
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False)
    tiny = docs.set_index("doc_id").loc["tiny-2024"]
    assert (tiny["jurisdiction_zh"], tiny["admin_level"], tiny["year_start"],
            tiny["doc_type"]) == ("宜丰县", "county", "2024", "annual_work_plan")
    assert tiny["province_zh"] == "江西省" and tiny["years_source"] == "text"
    # a plan that says neither where nor when is an input problem naming what to fill
    problems = pd.read_csv(out / "input_problems.csv", dtype=str, keep_default_na=False)
    row = problems.set_index("doc_id").loc["nothing"]
    assert "year_start" in row["problem"] and "manifest.csv" in row["action"]


def test_a_text_without_clauses_gives_an_empty_clause_table_with_its_columns():
    # found building the 70 real pages: a page that is all furniture left no clause, and the
    # per-document steps failed on a table without columns
    from analysis.structure.clauses import CLAUSE_COLUMNS, clause_table

    table, _ = clause_table("empty", "")
    assert table.empty and list(table.columns) == CLAUSE_COLUMNS


def test_places_and_group_comparisons_cope_with_unknown_or_single_groups():
    from analysis.accidents.panel import corpus_places
    from analysis.text.coding import group_differences

    documents = pd.DataFrame({"doc_id": ["a", "b"], "jurisdiction_zh": ["", "丽水市"],
                              "jurisdiction_en": ["", "Lishui City"],
                              "admin_level": ["city", "city"], "province_zh": ["", "浙江省"],
                              "province_en": ["", "Zhejiang"], "parent_zh": ["", "浙江省"],
                              "parent_en": ["", "Zhejiang Province"]})
    places = corpus_places(documents)
    assert "" not in set(places["geo_zh"]) and "丽水市" in set(places["geo_zh"])
    # every plan at one level: no pair to compare, an empty table with its columns
    boot = {d: {"share": np.zeros(20), "share_reps": np.zeros((5, 20))} for d in ("a", "b")}
    table = group_differences(boot, documents, by="admin_level")
    assert table.empty and "verdict" in table.columns
