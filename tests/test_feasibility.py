"""Target rules, simulated probabilities with known answers, reference class, build."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis.accidents import feasibility as FE
from analysis.accidents.data import load_accident_stats
from analysis.core.paths import processed_dir, raw_dir
from analysis.core.schema import validate

FIXTURE = Path(__file__).parent / "fixtures" / "accident_targets.csv"


def _rule(**kw) -> FE.TargetRule:
    base = dict(target_id="t", source="corpus", doc_id="d", plan="", label="",
                geography_zh="测试市", geography_en="Testcity", admin_level="city",
                indicator="deaths_total", comparator="decline_by", required_change_pct=-20.0,
                baseline_rule="mean_prev_2", base_years=(2019, 2020), target_year=2021,
                year_set=2021)
    base.update(kw)
    return FE.TargetRule(**base)


def _panel(values: dict[int, float], geo_zh="测试市", indicator="deaths_total") -> pd.DataFrame:
    return pd.DataFrame({
        "geo_level": "city", "geo_zh": geo_zh, "geo_en": "Testcity", "year": list(values),
        "indicator": indicator, "value": [float(v) for v in values.values()], "unit": "人",
        "indicator_kind": "level_count",
        "scope_period": ["pre2016" if y < 2016 else "from2016" for y in values],
        "is_rounded": False, "is_preliminary": False, "is_context_only": False})


# --- baseline rules on hand-computed examples ------------------------------------------------

def test_baseline_years_of_each_rule():
    assert FE.baseline_years("previous_year", 2023) == (2022,)
    assert FE.baseline_years("mean_prev_2", 2021, (2020, 2019)) == (2019, 2020)
    assert FE.baseline_years("base_year", 2020, (2015,)) == (2015,)
    assert FE.baseline_years("none", 2020) == ()
    with pytest.raises(ValueError, match="means base years"):
        FE.baseline_years("mean_prev_2", 2021, (2018, 2019))
    with pytest.raises(ValueError, match="needs base_years"):
        FE.baseline_years("base_year", 2021)


def test_rules_decide_hand_computed_cases():
    lishui = _rule()                                    # down 20 % on mean(2019, 2020)
    values = {2019: 100.0, 2020: 80.0}
    base = FE.baseline_value(lishui, values)
    assert base == 90.0
    assert FE.target_threshold(lishui, base) == pytest.approx(72.0)
    assert FE.is_met(lishui, 72.0, base)                 # exactly -20 % meets "at least 20 %"
    assert not FE.is_met(lishui, 72.1, base)
    haimen = _rule(comparator="below", required_change_pct=np.nan,
                   baseline_rule="previous_year", base_years=(2022,), target_year=2023)
    assert FE.baseline_value(haimen, {2022: 10.0}) == 10.0
    assert not FE.is_met(haimen, 10.0, 10.0)             # "below" is strict
    assert FE.is_met(haimen, 9.0, 10.0)
    five_year = _rule(baseline_rule="base_year", base_years=(2015,), target_year=2020,
                      required_change_pct=-10.0)
    assert FE.is_met(five_year, np.array([89.9, 90.0, 90.1]), 100.0).tolist() == [True, True,
                                                                                 False]


def test_rules_from_corpus_fixture():
    rules = FE.rules_from_corpus(FE.read_accident_targets(FIXTURE))
    by_id = {r.target_id: r for r in rules}
    assert len(rules) == 5
    assert by_id["lishui-2021/T03"].indicator == "deaths_per_100m_gdp"
    assert by_id["lishui-2021/T03"].required_change_pct == -25.0
    assert by_id["lishui-2021/T01"].base_years == (2019, 2020)
    assert by_id["haimen-2023/T02"].comparator == "below"
    assert by_id["haimen-2023/T02"].base_years == (2022,)
    validate(FE.rules_table(rules), FE.TARGET_RULES)


def test_a_rule_reads_the_same_from_its_own_place_as_from_the_whole_panel():
    """feasibility_table hands each rule its own place's rows (and an empty panel where the
    place has no data, the fast path of most corpus places): every outcome and simulation
    status must be the one the whole panel gives."""
    from dataclasses import replace

    panel = load_accident_stats(raw_dir())
    observations = FE.change_observations(panel)
    rules = FE.rules_from_corpus(FE.read_accident_targets(FIXTURE)) + \
        FE.rules_from_national_targets(pd.read_csv(
            raw_dir() / "accident_stats" / "national_targets.csv", dtype=str))
    # and the same forms set for a place without data
    rules += [replace(r, geography_zh="无数据县", geography_en="Nodata County") for r in rules]
    for rule in rules:
        own = panel[panel["geo_zh"] == rule.geography_zh]
        own_obs = observations[observations["geo_zh"] == rule.geography_zh]
        assert FE.observed_outcome(rule, own, own_obs) == \
            FE.observed_outcome(rule, panel, observations), rule.target_id
        whole = FE.simulate_rule(rule, panel, n_sims=50)
        split = FE.simulate_rule(rule, own, n_sims=50)
        assert (split.status, split.note) == (whole.status, whole.note), rule.target_id
        for model, result in whole.met.items():
            np.testing.assert_array_equal(split.met[model], result)


def test_the_feasibility_table_gives_each_rule_its_own_places_rows(monkeypatch):
    """The whole table, with each rule handed its own place's rows, equals the table made
    with every rule reading the whole panel and observations, including a place known only
    from reported changes (observations without panel rows) and places without data."""
    from dataclasses import replace

    from analysis.accidents import probabilities
    from analysis.accidents.recalibration import forecast_errors

    panel = load_accident_stats(raw_dir())
    observations = FE.change_observations(panel)
    rules = FE.rules_from_corpus(FE.read_accident_targets(FIXTURE)) + \
        FE.rules_from_national_targets(pd.read_csv(
            raw_dir() / "accident_stats" / "national_targets.csv", dtype=str))
    reported = observations.iloc[0]
    observations = pd.concat([observations, observations.iloc[[0]].assign(geo_zh="观测县")],
                             ignore_index=True)
    rules += [replace(r, target_id=f"{r.target_id}/nodata", geography_zh="无数据县")
              for r in rules]
    rules.append(replace(rules[0], target_id="reported-only", geography_zh="观测县",
                         indicator=reported["indicator"], comparator="decline_by",
                         baseline_rule="previous_year",
                         base_years=(int(reported["year"]) - 1,),
                         target_year=int(reported["year"]),
                         year_set=int(reported["year"]) - 1))
    errors = forecast_errors(FE.rolling_origin_forecasts(panel, n_sims=50), 50)
    split = FE.feasibility_table(rules, panel, errors, observations, n_sims=50)
    simulate, outcome = probabilities.simulate_rule, probabilities.observed_outcome
    monkeypatch.setattr(probabilities, "simulate_rule",
                        lambda rule, _, *a, **k: simulate(rule, panel, *a, **k))
    monkeypatch.setattr(probabilities, "observed_outcome",
                        lambda rule, *_: outcome(rule, panel, observations))
    whole = FE.feasibility_table(rules, panel, errors, observations, n_sims=50)
    for a, b in zip(split, whole):
        pd.testing.assert_frame_equal(a, b)
    row = split[0][split[0]["target_id"] == "reported-only"].iloc[0]
    assert row["outcome_note"].startswith("reported change")


def test_rules_from_corpus_rejects_inconsistent_rows():
    table = FE.read_accident_targets(FIXTURE)
    bad = table.copy()
    bad.loc[bad["target_id"] == "lishui-2021/T01", "base_years"] = "2018;2019"
    with pytest.raises(ValueError, match="lishui-2021/T01"):
        FE.rules_from_corpus(bad)
    bad = table.copy()
    bad.loc[bad["target_id"] == "lishui-2021/T02", "required_change_pct"] = 20.0
    with pytest.raises(ValueError, match="lishui-2021/T02: decline_by needs a negative"):
        FE.rules_from_corpus(bad)


def test_missing_corpus_targets_file_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="accident_targets.csv does not exist.*build"):
        FE.read_accident_targets(tmp_path / "accident_targets.csv")


def test_rules_from_national_targets():
    table = pd.read_csv(raw_dir() / "accident_stats" / "national_targets.csv", dtype=str)
    rules = FE.rules_from_national_targets(table)
    numeric = pd.to_numeric(table["target_change_pct"], errors="coerce").notna()
    assert len(rules) == int(numeric.sum())                # the 14th-plan placeholder is out
    by_id = {r.target_id: r for r in rules}
    twelfth = by_id["12th-fyp-work-safety/deaths_total"]
    assert twelfth.base_years == (2010,) and twelfth.year_set == 2011
    assert "2010 assumed" in twelfth.note
    thirteenth = by_id["13th-fyp-work-safety/deaths_total"]
    assert (thirteenth.base_years, thirteenth.target_year, thirteenth.required_change_pct) == (
        (2015,), 2020, -10.0)
    assert thirteenth.note == ""                            # base year stated in the source


# --- simulation with known answers ------------------------------------------------------------

DATA = {2017: 120.0, 2018: 111.0, 2019: 104.0, 2020: 99.0, 2021: 90.0, 2022: 86.0}


def _rw_t(values):
    d = np.diff(np.log(list(values)))
    return d.mean(), d.std(ddof=1) * np.sqrt(1 + 1 / len(d)), len(d) - 1


def test_simulated_probability_matches_the_analytic_answer_below_previous_year():
    """Random walk with drift (flat prior): log y[T+1] - log y[T] ~ t_{n_d-1}(mean, scale), so
    P(y[T+1] < y[T]) = F_t(-mean / scale)."""
    rule = _rule(comparator="below", required_change_pct=np.nan, baseline_rule="previous_year",
                 base_years=(2022,), target_year=2023, year_set=2023)
    sim = FE.simulate_rule(rule, _panel(DATA), models=["rw_drift"], n_sims=200_000)
    assert sim.status == "ok"
    mean, scale, df = _rw_t(DATA.values())
    exact = stats.t.cdf(-mean / scale, df)
    assert np.mean(sim.met["rw_drift"]) == pytest.approx(
        exact, abs=4 * np.sqrt(exact * (1 - exact) / 200_000))


def test_simulated_probability_matches_the_analytic_answer_mean_prev_2():
    """P(y[T+1] <= 0.9 mean(y[T-1], y[T])) = F_t((log(0.9 b) - log y[T] - mean) / scale)."""
    rule = _rule(required_change_pct=-10.0, base_years=(2021, 2022), target_year=2023,
                 year_set=2023)
    sim = FE.simulate_rule(rule, _panel(DATA), models=["rw_drift"], n_sims=200_000)
    mean, scale, df = _rw_t(DATA.values())
    b = (DATA[2021] + DATA[2022]) / 2
    exact = stats.t.cdf((np.log(0.9 * b) - np.log(DATA[2022]) - mean) / scale, df)
    assert np.mean(sim.met["rw_drift"]) == pytest.approx(
        exact, abs=4 * np.sqrt(exact * (1 - exact) / 200_000))


def test_simulation_uses_only_data_before_the_year_set_and_one_scope():
    values = {**DATA, 2023: 10.0, 2024: 5.0}               # later years must not be used
    rule = _rule(comparator="below", required_change_pct=np.nan, baseline_rule="previous_year",
                 base_years=(2022,), target_year=2023, year_set=2023)
    sim = FE.simulate_rule(rule, _panel(values), models=["rw_drift"], n_sims=1000)
    assert sim.data_years.tolist() == list(DATA)
    old = {y: 100.0 - y % 5 for y in range(2009, 2016)}
    cross = _rule(baseline_rule="base_year", base_years=(2015,), target_year=2020,
                  year_set=2016, required_change_pct=-10.0)
    sim = FE.simulate_rule(cross, _panel({**old, 2016: 40.0}), models=["loglinear"], n_sims=100)
    assert sim.data_years.max() == 2015                    # the 2016 level is another scope
    assert "one consistent scope" in sim.note


def test_no_own_series_gives_a_status_not_a_number():
    sim = FE.simulate_rule(_rule(geography_zh="丽水市"), _panel(DATA), n_sims=10)
    assert sim.status == "no_own_series"


# --- reference class, outcomes, calibration ---------------------------------------------------

def test_change_observations_and_reference_class_on_a_small_panel():
    panel = _panel({2014: 100, 2015: 90, 2016: 60, 2017: 50, 2018: 45, 2019: 30})
    obs = FE.change_observations(panel)
    two = obs[(obs["baseline_rule"] == "mean_prev_2")].set_index("year")["change_pct"]
    # 2015 | 2016 is the scope break: no change may span it.
    assert two.index.tolist() == [2018, 2019]
    assert two[2018] == pytest.approx(100 * (45 / 55 - 1))
    assert two[2019] == pytest.approx(100 * (30 / 47.5 - 1))
    prev = obs[obs["baseline_rule"] == "previous_year"]["year"].tolist()
    assert prev == [2015, 2017, 2018, 2019]
    rule = _rule(geography_zh="丽水市", target_year=2021, year_set=2021)
    ref = FE.reference_class(rule, obs, as_of=2020)
    assert (ref["k_met"], ref["n_used"]) == (1, 2)        # -18.2 % misses, -36.8 % meets
    lo, hi = proportion_confint(1, 2, method="wilson")
    assert (ref["probability_lower"], ref["probability_upper"]) == pytest.approx((lo, hi))
    assert ref["data_used"] == "Testcity 2018-2019 (deaths_total)"
    assert FE.reference_class(rule, obs, as_of=2018)["n_used"] == 1
    # the stand-ins are the rows the base rate counts
    stand_in, status = FE.reference_observations(rule, obs, as_of=2020)
    assert status == "ok" and stand_in["year"].tolist() == [2018, 2019]
    assert FE.reference_observations(rule, obs, as_of=2010) == (None, "no_reference_observations")


def test_load_target_rules_reads_national_and_corpus_targets(tmp_path):
    from analysis.accidents.targets import load_target_rules

    stats = raw_dir() / "accident_stats"
    national, message = load_target_rules(stats, tmp_path / "missing.csv")
    assert national and "not found" in message
    rules, message = load_target_rules(stats, processed_dir() / "accident_targets.csv")
    assert message == "" and len(rules) > len(national)
    assert {r.source for r in rules} == {"national_plan", "corpus"}


def test_wilson_interval_matches_statsmodels():
    for k, n in ((0, 11), (3, 10), (26, 26)):
        assert FE.wilson_interval(k, n) == pytest.approx(
            proportion_confint(k, n, method="wilson"))


def test_observed_outcome_refuses_to_compare_across_the_scope_break():
    panel = _panel({2015: 100.0, 2016: 50.0, 2020: 40.0})
    rule = _rule(baseline_rule="base_year", base_years=(2015,), target_year=2020, year_set=2016,
                 required_change_pct=-10.0)
    out = FE.observed_outcome(rule, panel)
    assert out["outcome_met"] is None and "different statistical scopes" in out["outcome_note"]
    same = _rule(baseline_rule="base_year", base_years=(2016,), target_year=2020,
                 year_set=2017, required_change_pct=-10.0)
    out = FE.observed_outcome(same, panel)
    assert out["outcome_met"] is True and out["outcome_change_pct"] == pytest.approx(-20.0)


def test_real_national_outcomes():
    panel = load_accident_stats(raw_dir())
    table = pd.read_csv(raw_dir() / "accident_stats" / "national_targets.csv", dtype=str)
    rules = {r.target_id: r for r in FE.rules_from_national_targets(table)}
    out = FE.observed_outcome(rules["12th-fyp-work-safety/deaths_total"], panel)
    assert out["outcome_change_pct"] == pytest.approx(100 * (66182 / 79552 - 1))
    assert out["outcome_met"] is True


def test_pseudo_target_forms_from_the_fixture():
    forms = FE.pseudo_target_forms(FE.rules_from_corpus(FE.read_accident_targets(FIXTURE)))
    assert sorted(zip(forms["comparator"], forms["base_offsets"], forms["lead"])) == [
        ("below", (1,), 1), ("decline_by", (1, 2), 1), ("decline_by", (1, 2), 1)]


def test_build_writes_valid_identical_tables(tmp_path):
    # Three simulated worlds per process: the simulation study's own tests are in
    # test_accident_simulation.py; here it is one more table that must come out the same.
    first = FE.build(raw_dir(), tmp_path / "a", FIXTURE, n_sims=200, sim_worlds=3)
    second = FE.build(raw_dir(), tmp_path / "b", FIXTURE, n_sims=200, sim_worlds=3)
    assert [p.name for p in first] == [s.filename for s in FE.SCHEMAS]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    outputs = FE.load_outputs(tmp_path / "a")
    feas = outputs["feasibility"]
    lishui = feas[(feas["target_id"] == "lishui-2021/T01")].set_index("method")
    assert lishui.loc["model_ensemble", "status"] == "no_own_series"
    assert lishui.loc["reference_class", "status"] == "ok"
    assert "China" in lishui.loc["reference_class", "data_used"]


def test_build_without_corpus_targets_or_statistics(tmp_path, capsys):
    paths_ = FE.build(raw_dir(), tmp_path / "national_only", tmp_path / "missing.csv",
                      n_sims=50, sim_worlds=2)
    assert "national plan targets only" in capsys.readouterr().out
    feas = FE.load_outputs(tmp_path / "national_only")["feasibility"]
    assert set(feas["source"]) == {"national_plan"} and len(paths_) == len(FE.SCHEMAS)
    empty_raw = tmp_path / "raw"
    empty_raw.mkdir()
    assert FE.build(empty_raw, tmp_path / "none") == []
