"""Matrix-method correction of fractional domain shares (analysis.text.share_correction)."""
import numpy as np
import pandas as pd
import pytest

from analysis.text import coding
from analysis.text import plan_shares as ps
from analysis.text import share_correction as sc

LABELS = coding.codes("domain") + [coding.UNCODED]
K = len(LABELS)


def _plans(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.full(K, 2.0), size=n)


def test_allocation_splits_length_and_marks_uncoded():
    a = sc.allocation(np.array([[1, 1, 0], [0, 0, 0], [0, 0, 1]], bool))
    assert np.allclose(a, [[0.5, 0.5, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])


def test_identity_confusion_returns_the_input():
    observed = _plans(1)[0]
    assert np.allclose(sc.correct(observed, np.eye(K)), observed, atol=1e-8)
    # A validation sample coded identically by gold and rules gives the identity matrix.
    gold = np.random.default_rng(2).random((60, K - 1)) < 0.15
    matrix, n_eff = sc.confusion(gold, gold, np.arange(1, 61, dtype=float))
    assert np.allclose(matrix, np.eye(K))
    assert (n_eff > 0).all()


def test_known_confusion_applied_to_known_shares_is_undone():
    rng = np.random.default_rng(3)
    matrix = 0.7 * np.eye(K) + 0.3 * rng.dirichlet(np.ones(K), size=K).T
    truth = _plans(1, 4)[0]
    corrected = sc.correct(matrix @ truth, matrix)
    assert np.allclose(corrected, truth, atol=1e-6)
    assert not np.allclose(matrix @ truth, truth, atol=1e-3)     # the test has teeth
    # Group level: the mean of distorted plans is undone, and with the matrix known only from
    # a validation sample (Dirichlet draws) the interval widens and still holds the truth.
    plans = _plans(30, 5)
    values = plans @ matrix.T
    fixed = np.repeat(matrix[None], 200, axis=0)
    estimate, bounds = sc.correct_mean(values, matrix, fixed, seed=0)
    assert np.allclose(estimate, plans.mean(axis=0), atol=1e-6)
    drawn = sc.confusion_draws(matrix, np.full(K, 40.0), n_draws=200, seed=0)
    _, uncertain = sc.correct_mean(values, matrix, drawn, seed=0)
    low, high = uncertain[0.95]
    truth = plans.mean(axis=0)
    assert ((low <= truth + 1e-9) & (truth <= high + 1e-9)).all()
    assert ((high - low) > (bounds[0.95][1] - bounds[0.95][0]) + 1e-9).mean() > 0.5


def test_confusion_counts_fractional_characters():
    gold = np.array([[1, 0], [1, 0], [0, 1]], bool)
    predicted = np.array([[1, 1], [1, 0], [0, 0]], bool)
    matrix, _ = sc.confusion(gold, predicted, np.array([10.0, 30.0, 5.0]))
    # Gold code 0: 40 characters, of which the rules give 5 to code 1 and 35 to code 0.
    assert np.allclose(matrix[:, 0], [35 / 40, 5 / 40, 0])
    # Gold code 1: its clause is left uncoded by the rules.
    assert np.allclose(matrix[:, 1], [0, 0, 1])
    # No gold text is uncoded: identity column.
    assert np.allclose(matrix[:, 2], [0, 0, 1])


def test_draws_are_columns_on_the_simplex_and_spread():
    gold = np.random.default_rng(6).random((80, K - 1)) < 0.1
    flip = np.random.default_rng(7).random(gold.shape)
    predicted = np.where(gold, flip < 0.8, flip > 0.97)
    matrix, n_eff = sc.confusion(gold, predicted)
    draws = sc.confusion_draws(matrix, n_eff, 300, seed=0)
    assert np.allclose(draws.sum(axis=1), 1)
    assert draws[:, 0, 0].std() > 0.01


def _validation():
    from analysis.core.io import read_csv
    from analysis.core.paths import processed_dir, repo_root
    from analysis.text import misclassification as mis

    folder = repo_root() / "tests" / "gold" / "reliability"
    clauses_path = processed_dir() / "clauses.csv"
    if not (folder / "adjudicated.csv").exists() or not clauses_path.exists():
        pytest.skip("reliability sample or built clauses missing")
    return mis.validation_matrices(folder, read_csv(clauses_path))


def test_real_validation_sample_gives_a_finite_matrix():
    validation = _validation()
    matrix, n_eff = sc.confusion(validation["gold"], validation["predicted"],
                                 validation["weights"])
    assert matrix.shape == (K, K)
    assert np.isfinite(matrix).all() and np.allclose(matrix.sum(axis=0), 1)
    assert np.isfinite(n_eff).all() and (n_eff > 0).all()


def _corpus(levels: list[str], seed: int):
    """Plans of one province at the given levels: share vectors, documents, per-plan table."""
    n = len(levels)
    plans = _plans(n, seed)
    docs = pd.DataFrame({"doc_id": [f"d{i:02d}" for i in range(n)], "admin_level": levels,
                         "province_en": ["A"] * n})
    table = pd.DataFrame({"doc_id": np.repeat(docs["doc_id"], K), "scheme": "domain",
                          "code": np.tile(LABELS, n), "share": plans.ravel()})
    return plans, docs, table


def test_small_groups_get_no_interval():
    validation = _validation()
    plans, docs, table = _corpus(["city"] * 8 + ["county"] * 2, seed=8)
    out = sc.corrected_shares(table, docs, validation, n_draws=200)
    assert list(out.columns) == sc.SHARE_CORRECTED.column_names
    county = out[out["group"] == "county"]
    assert county["low_95"].isna().all() and county["share_corrected"].notna().all()
    assert county["status"].str.startswith("described only").all()
    city = out[out["group"] == "city"]
    assert city["low_95"].notna().all() and (city["low_95"] <= city["high_95"]).all()
    assert city["low_80"].isna().all() and city["high_80"].isna().all()     # 95% only
    for (comparison, _), group in out.groupby(["comparison", "group"]):
        total = 0 if comparison == sc.DIFFERENCE else 1
        assert group["share_corrected"].sum() == pytest.approx(total, abs=1e-9)
    assert set(out["comparison"]) == {ps.ALL_PLANS, "admin_level", "province_en", sc.PLAN,
                                      sc.DIFFERENCE}
    # county has 2 plans: its difference with city is described only.
    diff = out[out["comparison"] == sc.DIFFERENCE]
    assert set(diff["group"]) == {"county − city"} and diff["low_95"].isna().all()
    # Each plan's own row is its share vector corrected, with no interval.
    plan = out[(out["comparison"] == sc.PLAN) & (out["group"] == "d03")]
    matrix, _ = sc.confusion(validation["gold"], validation["predicted"], validation["weights"])
    assert plan["share_corrected"].to_numpy() == pytest.approx(sc.correct(plans[3], matrix))
    assert plan["share"].to_numpy() == pytest.approx(plans[3])
    assert plan["low_95"].isna().all() and (plan["status"] == sc.ONE_PLAN).all()
    as_shares = sc.plan_rows(out)
    assert len(as_shares) == 10 * K and set(as_shares["doc_id"]) == set(docs["doc_id"])
    assert as_shares.groupby("doc_id")["share"].sum().to_numpy() == pytest.approx(1)


def test_simulation_table_layout_and_determinism():
    from analysis.core.schema import SIMULATION_COLUMNS
    from analysis.evaluation import simulate_share_correction as ssc

    runs = {50: 2, 500: 0}
    first = ssc.simulation_table(0, replications=runs, n_draws=50)
    assert list(first.columns) == list(SIMULATION_COLUMNS)
    assert first.equals(ssc.simulation_table(0, replications=runs, n_draws=50))
    coverage = first.dropna(subset=["coverage"])
    assert set(coverage["nominal"]) == {0.8, 0.95}
    wide = coverage.pivot_table(index=["estimator", "n_plans"], columns="nominal",
                                values="coverage")
    assert (wide[0.95] >= wide[0.8]).all()   # a 95% interval contains the 80% one
    assert ssc.MEASURED in set(first["estimator"])   # the design with the measured matrix


def test_stored_measured_matrix_is_the_builds():
    from analysis.evaluation import simulate_share_correction as ssc

    validation = _validation()
    matrix, _ = sc.confusion(validation["gold"], validation["predicted"], validation["weights"])
    np.testing.assert_allclose(ssc.measured_matrix(), matrix, atol=1e-9)


def test_corrected_level_difference_is_the_difference_of_corrected_means():
    validation = _validation()
    plans, docs, table = _corpus(["city"] * 10 + ["county"] * 10, seed=11)
    out = sc.corrected_shares(table, docs, validation, n_draws=300)
    level = out[out["comparison"] == "admin_level"].set_index(["group", "code"])
    diff = out[out["comparison"] == sc.DIFFERENCE].set_index("code")
    assert set(diff["group"]) == {"county − city"}
    expected = (level.loc["county", "share_corrected"] - level.loc["city", "share_corrected"])
    assert diff["share_corrected"].to_numpy() == pytest.approx(expected.to_numpy())
    assert diff["share_corrected"].sum() == pytest.approx(0, abs=1e-9)
    assert (diff["low_95"] <= diff["share_corrected"] + 1e-12).all()
    assert (diff["high_95"] >= diff["share_corrected"] - 1e-12).all()
    assert diff["low_80"].isna().all() and diff["low_95"].notna().all()   # 95% only
    # Independent plan draws per level (the matrix draw is shared, and partly cancels): the
    # difference's interval is wider than a level's, more so than with one stream for both.
    width_diff = (diff["high_95"] - diff["low_95"]).to_numpy()
    width_city = (level.loc["city", "high_95"] - level.loc["city", "low_95"]).to_numpy()
    assert np.median(width_diff / np.maximum(width_city, 1e-9)) > 1.12   # one stream: 1.07


def test_a_stale_measured_matrix_skips_only_its_design(tmp_path, monkeypatch, capsys):
    from analysis.evaluation import simulate_share_correction as ssc

    stale = tmp_path / "measured_confusion.json"
    stale.write_text('{"labels": ["a"], "matrix": [[1.0]]}', encoding="utf-8")
    monkeypatch.setattr(ssc, "MEASURED_MATRIX", stale)
    monkeypatch.setattr(ssc.measured_matrix, "__defaults__", (stale,))
    table = ssc.simulation_table(0, replications={50: 2, 500: 0}, n_draws=50)
    assert ssc.MEASURED not in set(table["estimator"]) and len(table)
    assert "measured-matrix design skipped" in capsys.readouterr().out
