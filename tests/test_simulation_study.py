"""The simulation study (issue 13) is a build stage that depends on code, resources and
libraries only: its stored table is the one the current code writes, and its studies run on
small settings here (the full study runs in the build)."""
from __future__ import annotations

import json


from analysis.core.io import read_csv
from analysis.pipeline import simulation_study
from analysis.pipeline.stamps import StageStamps

from conftest import RAW, ROOT

PROCESSED = ROOT / "data" / "processed"


def test_stored_simulation_study_is_current(monkeypatch):
    # The build that `make` runs has no ANALYSIS_SKIP_* settings; the fingerprint includes them.
    for name in ("ANALYSIS_SKIP_SIMULATION", "ANALYSIS_SKIP_TOPIC_SELECTION"):
        monkeypatch.delenv(name, raising=False)
    record = json.loads((PROCESSED / "build_info.json").read_text(encoding="utf-8"))
    stamp = record["stage_stamps"]["simulation"]
    now = StageStamps(RAW, PROCESSED).fingerprint("simulation",
                                                corpus_free=simulation_study.CODE_ROOTS)
    assert stamp["fingerprint"] == now, "simulation_study.csv is stale: run `make all`"
    assert list(stamp["outputs"]) == ["simulation_study.csv"]
    table = read_csv(PROCESSED / "simulation_study.csv")
    assert list(table.columns) == simulation_study.SIMULATION_STUDY.column_names
    assert {"domain shares", "reuse", "keyness", "topic prevalence"} <= set(table["study"])
    # Every interval row has its nominal level, and a 95% interval covers at least as often
    # as the 80% interval of the same estimator.
    rows = table.dropna(subset=["coverage"])
    assert rows["nominal"].notna().all()
    wide = rows.pivot_table(index=["study", "quantity", "estimator", "n_plans"],
                            columns="nominal", values="coverage").dropna()
    assert len(wide) and (wide[0.95] >= wide[0.8]).all()


def test_inputs_resource_matches_its_reader():
    inputs = simulation_study.read_inputs()
    assert len(inputs["lengths"]) == 5 and all(len(x) > 10 for x in inputs["lengths"])
    assert abs(inputs["base_shares"].sum() - 1) < 1e-6
    assert len(inputs["clauses"]) > 100 and all(len(t) >= 30 for t in inputs["clauses"])


def test_run_stacks_the_studies_in_the_shared_layout(monkeypatch):
    """``run`` on one fast study returns the shared layout with the study named."""
    from analysis.text import keyness_simulation

    original = keyness_simulation.simulation_table
    monkeypatch.setattr(keyness_simulation, "simulation_table",
                        lambda seed=0: original(seed=seed, sizes=((5, 5, 20),), n_rep=19))
    table = simulation_study.run(studies=(("keyness", "analysis.text.keyness_simulation"),))
    assert list(table.columns) == ["study"] + simulation_study.COLUMNS
    assert set(table["study"]) == {"keyness"} and (table["n_plans"] == 5).all()


def _fake_study(delay: float):
    """A module with a ``simulation_table`` whose rows come from its seed (and, in ``value``,
    the worker processes a study inside it may use)."""
    import sys
    import time
    import types

    import numpy as np
    import pandas as pd

    from analysis.core.parallel import stage_jobs

    def simulation_table(seed=0):
        time.sleep(delay)
        rng = np.random.default_rng([seed, int(delay * 1000)])
        return pd.DataFrame({"quantity": ["share"] * 3, "estimator": ["fake"] * 3,
                             "n_plans": [5, 10, 20], "replications": 7, "nominal": 0.95,
                             "coverage": rng.uniform(0.9, 1, 3), "metric": "stage_jobs",
                             "value": float(stage_jobs())})

    module = types.ModuleType(f"fake_study_{int(delay * 1000)}")
    module.simulation_table = simulation_table
    sys.modules[module.__name__] = module
    return module.__name__


def test_studies_on_two_workers_give_the_one_process_table(monkeypatch):
    """The studies run side by side on the build's workers (longest first): the table is the
    serial one, in study order, and a study inside a worker starts no processes of its own."""
    from analysis.core.parallel import STAGE_JOBS_ENV

    slow, fast, other = _fake_study(0.6), _fake_study(0.0), _fake_study(0.1)
    studies = (("keyness", fast), ("topic selection", slow), ("reuse shares", other))
    monkeypatch.setattr(simulation_study, "offline_rows", lambda *a, **k: None)
    monkeypatch.setenv(STAGE_JOBS_ENV, "1")
    serial = simulation_study.run(studies=studies)
    monkeypatch.setenv(STAGE_JOBS_ENV, "2")
    parallel = simulation_study.run(studies=studies)
    assert serial.equals(parallel)
    assert list(parallel["study"].drop_duplicates()) == ["keyness", "topic selection",
                                                          "reuse shares"]
    assert (parallel["value"] == 1).all()
    import os
    assert os.environ[STAGE_JOBS_ENV] == "2"


def test_stage_fingerprints_ignore_test_tools_but_not_libraries():
    """Adding or upgrading a test tool (pytest-xdist) must not rerun every stage; a library
    the build imports must still count."""
    from analysis.pipeline import stamps

    versions = stamps._library_versions().splitlines()
    names = {line.split("==")[0] for line in versions}
    assert {"numpy", "pandas", "scikit-learn"} <= names
    assert not names & stamps.TEST_TOOLS
    # none of the test tools is imported by the package
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in (ROOT / "src" / "analysis").rglob("*.py"))
    for module in ("pytest", "nbval", "xdist", "execnet", "hypothesis", "importlinter", "grimp"):
        assert f"import {module}" not in source and f"from {module}" not in source, module
