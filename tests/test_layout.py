"""The package's layout and import rules, the add-plan command and the build record."""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.corpus.checksums import read_checksums
from analysis.corpus.manifest import load_manifest
from analysis.corpus.read import read_corpus
from analysis.pipeline.add_plan import AddPlanError, add_plan

from conftest import RAW, ROOT

PACKAGE = ROOT / "src" / "analysis"
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def test_import_contracts_are_kept():
    result = _lint()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, injected", [
    ("corpus/read.py", "from analysis.text import reuse"),          # a stage imports an analysis
    ("figures/corpus.py", "from analysis.topics import model"),     # a figure runs a model
    ("text/keyness.py", "from analysis.pipeline import add_plan"),  # an analysis writes raw data
])
def test_import_contracts_catch_a_violation(tmp_path, module, injected):
    copy = tmp_path / "analysis"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{injected}  # noqa\n",
                      encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def _readme_subpackages() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout and data flow", 1)[1].split("\n## ", 1)[0]
    return sorted(set(re.findall(r"`analysis\.([a-z_]+)", section)))


def test_readme_names_every_subpackage_and_only_existing_ones():
    named = _readme_subpackages()
    on_disk = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert named, "README's layout section names no subpackage"
    missing = [n for n in named if not (PACKAGE / n / "__init__.py").exists()
               and not (PACKAGE / f"{n}.py").exists()]
    assert not missing, f"README names subpackages that do not exist: {missing}"
    assert set(on_disk) <= set(named), f"not in README: {sorted(set(on_disk) - set(named))}"


def test_notebooks_define_no_functions():
    """Notebooks narrate and call the package; anything reusable lives in src/analysis."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for k, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            tree = ast.parse("\n".join(l for l in source.splitlines()
                                       if not l.lstrip().startswith(("%", "!"))))
            bad = [type(n).__name__ for n in ast.walk(tree)
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                     ast.Lambda))]
            assert not bad, f"{path.name} cell {k} defines {bad}"


def test_no_module_over_600_lines():
    """No module is so long that it hides several concerns (issue: ~600 lines)."""
    sizes = {p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    too_long = {k: v for k, v in sizes.items() if v > 600}
    assert not too_long, too_long


# --- add-plan ---------------------------------------------------------------------------------

@pytest.fixture()
def four_seeds(tmp_path):
    """A raw folder with four seeds; Yichun 2023 is left out to be added."""
    raw = tmp_path / "raw"
    (raw / "plans").mkdir(parents=True)
    manifest = load_manifest(RAW)
    keep = manifest[manifest["doc_id"] != "yichun-2023"]
    recorded = read_checksums(RAW)
    lines = []
    for f in keep["file"]:
        shutil.copy(RAW / f, raw / f)
        lines.append(f"{recorded[f]}  {f}\n")
    (raw / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
    keep.to_csv(raw / "manifest.csv", index=False)
    return raw


def test_add_plan_copies_records_and_reads_fields_from_text(four_seeds, tmp_path):
    yichun = load_manifest(RAW).set_index("doc_id").loc["yichun-2023"]
    source = tmp_path / "yichun.txt"
    shutil.copy(RAW / yichun["file"], source)
    added = add_plan(source, doc_id="yichun-2023", raw=four_seeds)
    assert (four_seeds / "plans" / "yichun.txt").read_bytes() == source.read_bytes()
    assert read_checksums(four_seeds)["plans/yichun.txt"] == added.sha256
    row = load_manifest(four_seeds).set_index("doc_id").loc["yichun-2023"]
    # Every field the Yichun text states; its province (江西省) comes from the gazetteer.
    for field in ("title_zh", "issuer_zh", "issue_date", "doc_number", "jurisdiction_zh",
                  "admin_level", "year_start", "year_end", "doc_type"):
        assert row[field] == yichun[field], field
        assert field in added.read_from_text
    assert row["province_zh"] == yichun["province_zh"] and "province_zh" in added.read_from_text
    _, docs, problems = read_corpus(four_seeds)
    assert not problems and "yichun-2023" in {d.doc_id for d in docs}


def test_add_plan_refuses_duplicates_and_says_what_is_missing(four_seeds, tmp_path):
    lishui = load_manifest(RAW).set_index("doc_id").loc["lishui-2021"]
    copy = tmp_path / "copy.txt"
    shutil.copy(RAW / lishui["file"], copy)
    before = {p.name: p.read_bytes() for p in four_seeds.rglob("*") if p.is_file()}
    with pytest.raises(AddPlanError, match="same bytes are already in the corpus"):
        add_plan(copy, raw=four_seeds)
    fresh = tmp_path / "fresh.txt"
    fresh.write_text("温州市应急管理工作要点\n一、压实责任\n（一）落实安全生产责任制。\n",
                     encoding="utf-8")
    with pytest.raises(AddPlanError, match="already in data/raw/manifest.csv"):
        add_plan(fresh, doc_id="lishui-2021", raw=four_seeds)
    with pytest.raises(AddPlanError, match="year_start, year_end.*--year-start"):
        add_plan(fresh, doc_id="wenzhou-x", raw=four_seeds)
    after = {p.name: p.read_bytes() for p in four_seeds.rglob("*") if p.is_file()}
    assert after == before  # a refused plan writes nothing
    added = add_plan(fresh, doc_id="wenzhou-x", raw=four_seeds,
                     given={"year_start": "2022", "year_end": "2022"})
    assert added.row["jurisdiction_zh"] == "温州市" and added.row["admin_level"] == "city"
    with pytest.raises(AddPlanError, match="already exists; pass --name"):
        fresh.write_text(fresh.read_text(encoding="utf-8") + "二、", encoding="utf-8")
        add_plan(fresh, doc_id="wenzhou-y", raw=four_seeds, given={"year_start": "2022",
                                                                    "year_end": "2022"})


def test_add_plan_command_line(four_seeds, tmp_path):
    source = tmp_path / "Gao Tai 2022.txt"
    source.write_bytes("高台县2022年应急管理工作要点\n一、压实责任\n（一）落实安全生产责任制。\n"
                       .encode("gb18030"))
    result = subprocess.run([sys.executable, "-m", "analysis", "add-plan", str(source),
                             "--raw", str(four_seeds), "--province-zh", "甘肃省"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "gao-tai-2022" in result.stdout and "make all" in result.stdout
    row = load_manifest(four_seeds).set_index("doc_id").loc["gao-tai-2022"]
    assert (row["jurisdiction_zh"], row["admin_level"], row["province_zh"], row["year_start"]) \
        == ("高台县", "county", "甘肃省", "2022")
    again = subprocess.run([sys.executable, "-m", "analysis", "add-plan", str(source),
                            "--raw", str(four_seeds)], capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 2 and "same bytes" in again.stderr


# --- build record and status ------------------------------------------------------------------

def test_build_never_writes_raw_and_status_tracks_staleness(four_seeds, tmp_path):
    """All stages run on four seeds and one added page; raw data are unchanged byte for byte; ``status`` then
    reports the build as current, and as stale after an input or an output changes."""
    from analysis.pipeline.build import build
    from analysis.pipeline.status import status

    # A real page added the way README says: no English names, province or parent in the
    # manifest row; every stage must still build (this once stopped the accident stage).
    add_plan(ROOT / "tests" / "corpus" / "pages" / "p038.txt", doc_id="dazu-2025", raw=four_seeds)
    before = {p.relative_to(four_seeds): p.read_bytes() for p in four_seeds.rglob("*")
              if p.is_file()}
    out = tmp_path / "processed"
    assert not status(four_seeds, out).built
    assert build(four_seeds, out, progress=False) == 0
    after = {p.relative_to(four_seeds): p.read_bytes() for p in four_seeds.rglob("*")
             if p.is_file()}
    assert after == before
    current = status(four_seeds, out)
    assert current.up_to_date and current.n_plans == 5, current.report()
    (out / "targets.csv").write_text("edited by hand\n", encoding="utf-8")
    manifest = pd.read_csv(four_seeds / "manifest.csv", dtype=str, keep_default_na=False)
    manifest.loc[0, "jurisdiction_en"] = "Jiangxi"
    manifest.to_csv(four_seeds / "manifest.csv", index=False)
    stale = status(four_seeds, out)
    assert not stale.up_to_date
    assert "input manifest.csv changed" in stale.stale
    assert stale.outputs_changed == ["targets.csv"]
    assert "make all" in stale.report()


# --- scores on the development corpus ------------------------------------------------------

def test_metadata_scorer_counts_what_the_gold_shows():
    """The scorer gives 1 to the gold itself, less to a damaged copy, and scores exactly the
    fields the annotator marked as shown; on the dev split it reads every page."""
    from analysis.evaluation import devcorpus

    gold = pd.read_csv(ROOT / "tests" / "corpus" / "gold" / "metadata.csv", dtype=str,
                       keep_default_na=False)
    dev = devcorpus.pages("dev")
    sample = gold[gold["page_id"].isin(dev["page_id"])]
    perfect = {r["page_id"]: dict(r) for r in sample.to_dict("records")}
    scores = devcorpus.score_metadata(perfect, gold).set_index("field")
    assert (scores["exact_rate"].dropna() == 1.0).all()
    shown_titles = sum(1 for s, t in zip(sample["shown"], sample["title"])
                       if "title" in s.split(";") and t not in ("", "masked"))
    assert scores.at["title", "n_shown"] == shown_titles
    damaged = {pid: dict(v, title=v["title"] + "。") for pid, v in perfect.items()}
    assert devcorpus.score_metadata(damaged, gold).set_index("field").at["title", "exact_rate"] == 0
    measured = devcorpus.metadata_scores("dev").set_index("field")
    assert measured["n_shown"].equals(scores["n_shown"])
    assert ((measured["exact_rate"] >= 0) & (measured["exact_rate"] <= 1)).all()
