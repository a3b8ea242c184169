"""Are accident-decline targets feasible? Target rules, simulated probabilities, base rates.

A target becomes a :class:`TargetRule`: geography, indicator, baseline rule (``previous_year``,
``mean_prev_2`` or ``base_year``), required change, target year and the year it was set.
Rules come from the corpus (:func:`rules_from_corpus`, reading the ``accident_targets.csv``
contract) and from the national five-year plans (:func:`rules_from_national_targets`).

Three kinds of probability are computed, each only from data available when the target was set
(data for years before ``year_set``):

* model-based (:func:`model_probabilities`): every applicable model of
  :mod:`analysis.accidents.models` is fitted to the place's own series, future paths are simulated, and
  the share of paths meeting the rule is the probability; the ensemble weights models by their
  back-test record up to that year (:func:`analysis.accidents.models.model_weights`);
* reference class (:func:`reference_class`): for places without a series, the base rate at
  which changes of the required form occurred in every series of the same indicator family,
  with a Wilson interval and the geographies and years that stand in;
* calibration (:func:`calibration_table`): the same machinery on every historical
  pseudo-target of the same forms that the back-test allows, scored with the Brier score
  against the base rate.

:func:`build` writes every table with :func:`analysis.core.schema.write_table`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.core import paths
from analysis.accidents.data import (INDICATORS, SERIES_KINDS, ACCIDENT_ALTERNATIVES,
                        ACCIDENT_COVERAGE, ACCIDENT_PANEL, SERIES_SEGMENTS, corpus_places,
                        coverage_report, read_accident_rows, resolve_sources, scope_period,
                        series_segments, series_values)
from analysis.accidents.models import (BACKTEST, BACKTEST_SUMMARY, GM11_GRADE_TABLE, MODEL_NAMES, N_SIMS, SEED,
                       OriginForecast, backtest_table, forecast_series, gm11_grade_table,
                       model_applies, model_weights, rolling_origin_forecasts, stream,
                       summarise_backtest)
from analysis.core.io import read_csv
from analysis.core.schema import Column, SchemaError, TableSchema, write_table

COMPARATORS = ("decline_by", "below", "no_major")
BASELINE_RULES = ("previous_year", "mean_prev_2", "base_year", "none")
CORPUS_INDICATORS = ("accidents_total", "deaths_total", "deaths_per_100m_gdp",
                     "major_accidents_total", "other")
ADMIN_LEVELS = ("national", "province", "city", "county")

#: Columns of ``data/processed/accident_targets.csv`` written by the target extraction (the
#: corpus contract), in order.
CORPUS_TARGET_COLUMNS = ("target_id", "doc_id", "clause_id", "geography_zh", "geography_en",
                         "admin_level", "indicator_code", "comparator", "required_change_pct",
                         "baseline_rule", "base_years", "target_year", "year_set", "span")

METHODS = (("model_ensemble",) + tuple(f"model:{m}" for m in MODEL_NAMES)
           + ("reference_class", "reference_class_all_years"))


@dataclass(frozen=True)
class TargetRule:
    """An accident target as a rule that data can decide.

    Attributes
    ----------
    target_id : str
        Identifier (corpus: from the extraction; national: ``plan-slug/indicator``).
    source : str
        ``corpus`` or ``national_plan``.
    doc_id, plan : str
        Corpus document id, or the plan's English name ("" for the other).
    label : str
        Short English label for tables and figures.
    geography_zh, geography_en, admin_level : str
        Where the target applies (全国 / China / national for the plans).
    indicator : str
        Indicator code the target is about.
    comparator : str
        ``decline_by`` (fall by at least ``-required_change_pct`` percent), ``below`` (strictly
        lower than the baseline) or ``no_major`` (no major accident; not modelled).
    required_change_pct : float
        E.g. ``-20.0`` for "down 20 %"; NaN for ``below`` and ``no_major``.
    baseline_rule : str
        ``previous_year``, ``mean_prev_2``, ``base_year`` or ``none``.
    base_years : tuple of int
        Years the baseline averages (derived for ``previous_year`` and ``mean_prev_2``).
    target_year, year_set : int
        Year the target applies to, and year it was set (only data for earlier years count).
    quote : str
        Exact text of the target.
    note : str
        Assumptions made in turning the text into the rule.
    """

    target_id: str
    source: str
    doc_id: str
    plan: str
    label: str
    geography_zh: str
    geography_en: str
    admin_level: str
    indicator: str
    comparator: str
    required_change_pct: float
    baseline_rule: str
    base_years: tuple[int, ...]
    target_year: int
    year_set: int
    quote: str = ""
    note: str = ""


def baseline_years(baseline_rule: str, target_year: int,
                   base_years: Sequence[int] = ()) -> tuple[int, ...]:
    """Years whose mean is the baseline of a rule.

    Parameters
    ----------
    baseline_rule : str
        ``previous_year`` (``target_year - 1``), ``mean_prev_2`` (the two years before the
        target year), ``base_year`` (the given ``base_years``) or ``none``.
    target_year : int
        Year the target applies to.
    base_years : sequence of int
        Given base years; for ``previous_year`` and ``mean_prev_2`` they must agree with the
        derived ones if given.

    Returns
    -------
    tuple of int
        Sorted base years (empty for ``none``).

    Raises
    ------
    ValueError
        For an unknown rule, a ``base_year`` rule without years, or given years that
        contradict the rule.
    """
    given = tuple(sorted(int(y) for y in base_years))
    if baseline_rule == "previous_year":
        derived = (target_year - 1,)
    elif baseline_rule == "mean_prev_2":
        derived = (target_year - 2, target_year - 1)
    elif baseline_rule == "base_year":
        if not given:
            raise ValueError("base_year rule needs base_years")
        if max(given) >= target_year:
            raise ValueError(f"base years {given} not before target year {target_year}")
        return given
    elif baseline_rule == "none":
        return ()
    else:
        raise ValueError(f"unknown baseline rule {baseline_rule!r}")
    if given and given != derived:
        raise ValueError(f"{baseline_rule} for {target_year} means base years {derived}, "
                         f"but {given} were given")
    return derived


def baseline_value(rule: TargetRule, values: Mapping[int, float]) -> float:
    """Baseline of ``rule`` from values by year (mean over the base years)."""
    return float(np.mean([values[y] for y in rule.base_years]))


def target_threshold(rule: TargetRule, baseline):
    """Level the target-year value must not exceed (``decline_by``) or must stay under
    (``below``), given the baseline (scalar or array)."""
    if rule.comparator == "decline_by":
        return np.asarray(baseline) * (1 + rule.required_change_pct / 100)
    if rule.comparator == "below":
        return np.asarray(baseline)
    raise ValueError(f"comparator {rule.comparator!r} has no threshold")


def is_met(rule: TargetRule, target_value, baseline):
    """Whether the target-year value meets the rule (scalar or element-wise on arrays).

    ``decline_by``: ``target <= baseline * (1 + required_change_pct / 100)`` ("down at least
    20 %" is met by exactly -20 %); ``below``: ``target < baseline`` (strictly).
    """
    threshold = target_threshold(rule, baseline)
    if rule.comparator == "decline_by":
        return np.asarray(target_value) <= threshold
    return np.asarray(target_value) < threshold


def _pct_label(rule: TargetRule) -> str:
    base = {"previous_year": "previous year", "mean_prev_2": "mean of two previous years",
            "base_year": "/".join(map(str, rule.base_years)), "none": ""}[rule.baseline_rule]
    short = {"deaths_total": "deaths", "accidents_total": "accidents",
             "deaths_per_100m_gdp": "deaths/100m yuan GDP",
             "deaths_per_100k_industrial_workers": "deaths/100k industrial workers",
             "coal_deaths_per_mt": "coal deaths/Mt", "road_deaths_per_10k_vehicles":
             "road deaths/10k vehicles", "other": "other accident measure",
             "major_accidents_total": "major accidents"}.get(rule.indicator,
                                                            rule.indicator.replace("_", " "))
    if rule.comparator == "decline_by":
        return f"{short} {rule.required_change_pct:+g}% vs {base}"
    if rule.comparator == "below":
        return f"{short} below {base}" if base else f"{short} lower (no baseline stated)"
    return "no major accident (重特大)"


_PLAN_SHORT = (
    (r"^(\d+th) Five-Year Plan (?:for|on) Work Safety.*draft", r"\1 FYP work safety (draft)"),
    (r"^(\d+th) Five-Year Plan (?:for|on) Work Safety", r"\1 FYP work safety"),
    (r"^(\d+th) FYP work-safety goals", r"\1 FYP goals (Jan 2011)"),
    (r"^National Human Rights Action Plan.*\((\d{4})-(\d{4})\)", r"Human Rights Plan \1-\2"),
    (r"^(\d+th) Five-Year Plan on Coal Mine Safety", r"\1 FYP coal mines"),
    (r"^(\d+th) Five-Year Plan on Mine Safety", r"\1 FYP mines"),
    (r"^(\d+th) Five-Year Plan for the National Emergency", r"\1 FYP emergency system"),
)


def plan_short_name(plan_en: str) -> str:
    """Short English name of a national plan (e.g. ``12th FYP work safety``)."""
    for pattern, repl in _PLAN_SHORT:
        match = re.search(pattern, plan_en)
        if match:
            return match.expand(repl)
    return plan_en.split("(")[0].strip()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def rules_from_national_targets(national_targets: pd.DataFrame) -> list[TargetRule]:
    """Rules for the national plan targets of ``national_targets.csv``.

    Parameters
    ----------
    national_targets : pandas.DataFrame
        ``data/raw/accident_stats/national_targets.csv`` (columns ``plan_zh``, ``plan_en``,
        ``issuer``, ``base_year``, ``target_year``, ``indicator``, ``target_change_pct``,
        ``source_url``, ``source_quote``, ``note``).

    Returns
    -------
    list of TargetRule
        One per row with a numeric ``target_change_pct`` (the unverified 14th-plan placeholder
        row has none and yields no rule). All are ``decline_by`` against a ``base_year``. A
        blank base year is taken as the year before the plan period (``target_year - 5``), the
        convention of five-year plans, and the rule's note says so. ``year_set`` is the first
        plan year (base year + 1): the forecaster stands at the end of the base year, although
        the 12th and 13th plans were issued during their first or second year.
    """
    rules = []
    for rec in national_targets.to_dict("records"):
        pct = pd.to_numeric(rec.get("target_change_pct"), errors="coerce")
        if pd.isna(pct):
            continue
        target_year = int(rec["target_year"])
        notes = []
        if pd.isna(rec.get("base_year")) or str(rec.get("base_year")).strip() == "":
            base = target_year - 5
            notes.append(f"base year not stated in the source; {base} assumed (year before "
                         "the five-year plan period)")
        else:
            base = int(float(rec["base_year"]))
        short = plan_short_name(str(rec["plan_en"]))
        rule = TargetRule(
            target_id=f"{_slug(short)}/{rec['indicator']}", source="national_plan",
            doc_id="", plan=str(rec["plan_en"]), label="", geography_zh="全国",
            geography_en="China", admin_level="national", indicator=str(rec["indicator"]),
            comparator="decline_by", required_change_pct=float(pct),
            baseline_rule="base_year", base_years=(base,), target_year=target_year,
            year_set=base + 1, quote=str(rec.get("source_quote") or ""),
            note="; ".join(notes))
        rules.append(replace(rule, label=f"{short}: {_pct_label(rule)}"))
    return rules


def read_accident_targets(path: Path) -> pd.DataFrame:
    """Read the corpus targets table (``accident_targets.csv`` contract) and check its columns.

    Raises
    ------
    FileNotFoundError
        With instructions, if the file does not exist (the target extraction of the build
        writes it to ``data/processed/accident_targets.csv``).
    SchemaError
        If the columns differ from :data:`CORPUS_TARGET_COLUMNS`.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist. It is written by the target extraction of the build "
            "(`python -m analysis build`); run the build first, or pass a table with the "
            "columns of analysis.accidents.feasibility.CORPUS_TARGET_COLUMNS "
            "(tests/fixtures/accident_targets.csv is a small example).")
    table = read_csv(path, dtype={"target_id": str, "doc_id": str, "clause_id": str,
                                  "base_years": str, "span": str})
    if tuple(table.columns) != CORPUS_TARGET_COLUMNS:
        raise SchemaError(f"{path.name}: columns {list(table.columns)} differ from the contract "
                          f"{list(CORPUS_TARGET_COLUMNS)}")
    return table


def rules_from_corpus(accident_targets: pd.DataFrame) -> list[TargetRule]:
    """Rules for the targets extracted from the corpus.

    Parameters
    ----------
    accident_targets : pandas.DataFrame
        The ``accident_targets.csv`` contract (:data:`CORPUS_TARGET_COLUMNS`).

    Returns
    -------
    list of TargetRule
        One per row, in ``target_id`` order.

    Raises
    ------
    ValueError
        Naming the target, for an unknown comparator, indicator or baseline rule, a
        ``decline_by`` without a negative ``required_change_pct``, or base years that
        contradict the baseline rule.
    """
    rules = []
    for rec in accident_targets.sort_values("target_id", kind="mergesort").to_dict("records"):
        tid = rec["target_id"]
        if rec["comparator"] not in COMPARATORS:
            raise ValueError(f"{tid}: comparator {rec['comparator']!r} not in {COMPARATORS}")
        if rec["indicator_code"] not in CORPUS_INDICATORS:
            raise ValueError(f"{tid}: indicator_code {rec['indicator_code']!r} not in "
                             f"{CORPUS_INDICATORS}")
        if rec["baseline_rule"] not in BASELINE_RULES:
            raise ValueError(f"{tid}: baseline_rule {rec['baseline_rule']!r} not in "
                             f"{BASELINE_RULES}")
        pct = pd.to_numeric(rec["required_change_pct"], errors="coerce")
        if rec["comparator"] == "decline_by" and not (pct < 0):
            raise ValueError(f"{tid}: decline_by needs a negative required_change_pct, got "
                             f"{rec['required_change_pct']!r}")
        given = tuple(int(y) for y in str(rec["base_years"] or "").split(";")
                      if y.strip() and y.strip() != "nan")
        try:
            base = baseline_years(rec["baseline_rule"], int(rec["target_year"]), given)
        except ValueError as exc:
            raise ValueError(f"{tid}: {exc}") from None
        rule = TargetRule(
            target_id=tid, source="corpus", doc_id=str(rec["doc_id"]), plan="", label="",
            geography_zh=str(rec["geography_zh"]), geography_en=str(rec["geography_en"]),
            admin_level=str(rec["admin_level"]), indicator=str(rec["indicator_code"]),
            comparator=str(rec["comparator"]),
            required_change_pct=float(pct) if rec["comparator"] == "decline_by" else np.nan,
            baseline_rule=str(rec["baseline_rule"]), base_years=base,
            target_year=int(rec["target_year"]), year_set=int(rec["year_set"]),
            quote=str(rec["span"] or ""))
        rules.append(replace(rule, label=f"{rule.geography_en} {rule.geography_zh} "
                                         f"{rule.target_year}: {_pct_label(rule)}"))
    return rules


def rules_table(rules: Iterable[TargetRule]) -> pd.DataFrame:
    """The rules as a table (schema :data:`TARGET_RULES`)."""
    rows = []
    for r in rules:
        rows.append({
            "target_id": r.target_id, "source": r.source, "doc_id": r.doc_id or None,
            "plan": r.plan or None, "label": r.label, "geography_zh": r.geography_zh,
            "geography_en": r.geography_en, "admin_level": r.admin_level,
            "indicator": r.indicator, "comparator": r.comparator,
            "required_change_pct": r.required_change_pct, "baseline_rule": r.baseline_rule,
            "base_years": ";".join(map(str, r.base_years)) or None,
            "target_year": r.target_year, "year_set": r.year_set,
            "data_through": r.year_set - 1, "quote": r.quote or None, "note": r.note or None,
        })
    return pd.DataFrame(rows, columns=TARGET_RULES.column_names)


# --------------------------------------------------------------------------------------------
# Outcomes


def _form_key(rule: TargetRule) -> tuple[str, int] | None:
    """(baseline form, lag) of a rule, as used by the change observations."""
    if rule.baseline_rule == "previous_year":
        return ("previous_year", 1)
    if rule.baseline_rule == "mean_prev_2":
        return ("mean_prev_2", 2)
    if rule.baseline_rule == "base_year" and len(rule.base_years) == 1:
        lag = rule.target_year - rule.base_years[0]
        return ("previous_year", 1) if lag == 1 else ("base_year", lag)
    return None


def observed_outcome(rule: TargetRule, panel: pd.DataFrame,
                     observations: pd.DataFrame | None = None) -> dict:
    """Whether the target was met, where the data can tell.

    Levels in the panel decide when the target-year and all base-year values exist in one
    scope period; otherwise a reported change of the same form (e.g. Wenzhou's "比前两年均值
    下降20.2%") decides. A base before and a target year after the 2016 reform are not
    comparable and give no outcome.

    Returns
    -------
    dict
        ``outcome_change_pct`` (float or NaN), ``outcome_met`` (bool or None),
        ``outcome_note`` (str).
    """
    none = {"outcome_change_pct": np.nan, "outcome_met": None}
    if rule.comparator not in ("decline_by", "below") or not rule.base_years:
        return {**none, "outcome_note": "not decidable from accident statistics"}
    levels = panel[(panel["geo_zh"] == rule.geography_zh)
                   & (panel["indicator"] == rule.indicator)].set_index("year")["value"]
    needed = list(rule.base_years) + [rule.target_year]
    if all(y in levels.index for y in needed):
        scopes = {scope_period(y) for y in needed}
        if len(scopes) > 1:
            raw = 100 * (levels[rule.target_year] / np.mean(levels[list(rule.base_years)]) - 1)
            return {**none, "outcome_note": (
                f"base and target year on different statistical scopes (2016 reform); the "
                f"unadjusted change would be {raw:.1f}%, which mixes scope and real change")}
        base = baseline_value(rule, levels.to_dict())
        target = float(levels[rule.target_year])
        return {"outcome_change_pct": 100 * (target / base - 1),
                "outcome_met": bool(is_met(rule, target, base)),
                "outcome_note": "computed from levels in the accident panel"}
    form = _form_key(rule)
    if observations is not None and form is not None:
        hit = observations[(observations["geo_zh"] == rule.geography_zh)
                           & (observations["indicator"] == rule.indicator)
                           & (observations["year"] == rule.target_year)
                           & (observations["baseline_rule"] == form[0])
                           & (observations["lag"] == form[1])]
        if len(hit):
            change = float(hit["change_pct"].iloc[0])
            met = (change <= rule.required_change_pct if rule.comparator == "decline_by"
                   else change < 0)
            return {"outcome_change_pct": change, "outcome_met": bool(met),
                    "outcome_note": f"reported change ({hit['origin'].iloc[0]})"}
    missing = [str(y) for y in needed if y not in levels.index]
    return {**none, "outcome_note": "not in the data (missing "
                                    + ", ".join(missing) + ")"}


# --------------------------------------------------------------------------------------------
# Model-based probabilities


def _mixture(paths_by_model: Mapping[str, np.ndarray], weights: Mapping[str, float],
             n: int) -> np.ndarray:
    """Deterministic mixture of simulated paths: model m contributes round(w_m n) of its
    (independent, identically distributed) paths, largest remainders breaking ties."""
    names = list(paths_by_model)
    w = np.array([weights[m] for m in names], float)
    raw = w / w.sum() * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="mergesort")
    counts[order[: n - counts.sum()]] += 1
    return np.concatenate([paths_by_model[m][:c] for m, c in zip(names, counts)], axis=0)


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k / n (95 % by default)."""
    if n == 0:
        return (np.nan, np.nan)
    p = k / n
    denom = 1 + z ** 2 / n
    centre = (p + z ** 2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _years_text(years: Iterable[int]) -> str:
    years = sorted(set(int(y) for y in years))
    if not years:
        return ""
    parts, start, prev = [], years[0], years[0]
    for y in years[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


@dataclass
class RuleSimulation:
    """Simulated futures of one rule's series under each applicable model."""

    rule: TargetRule
    status: str
    data_years: np.ndarray
    data_values: np.ndarray
    results: dict
    met: dict
    change_pct: dict
    threshold: dict
    note: str = ""


def simulate_rule(rule: TargetRule, panel: pd.DataFrame, models: Sequence[str] = MODEL_NAMES,
                  n_sims: int = N_SIMS, seed: int = SEED) -> RuleSimulation:
    """Fit every applicable model to the rule's own series as known when it was set.

    The series is the rule's geography and indicator, in the scope period of its base years,
    for years before ``year_set``. Base years already observed enter as data; later base
    years and the target year come from the simulated paths, so a baseline that was itself
    unknown when the target was set carries its own uncertainty. Models that need consecutive
    years use the trailing run of consecutive years.

    Returns
    -------
    RuleSimulation
        ``status`` is ``ok`` or says why nothing was fitted (``no_own_series``,
        ``series_too_short``, ``base_year_not_observed``, ``base_crosses_scope_break``,
        ``not_modelled``).
    """
    empty = dict(data_years=np.array([], int), data_values=np.array([]), results={}, met={},
                 change_pct={}, threshold={})
    if rule.comparator not in ("decline_by", "below") or not rule.base_years:
        return RuleSimulation(rule, "not_modelled", **empty,
                              note="comparator or baseline cannot be modelled from counts")
    scopes = {scope_period(y) for y in rule.base_years}
    if len(scopes) > 1:
        return RuleSimulation(rule, "base_crosses_scope_break", **empty)
    scope = scopes.pop()
    data = series_values(panel, rule.geography_zh, rule.indicator, scope, rule.year_set - 1)
    kind = INDICATORS[rule.indicator].kind if rule.indicator in INDICATORS else ""
    if data.empty or kind not in SERIES_KINDS:
        return RuleSimulation(rule, "no_own_series", **empty,
                              note=f"no {rule.indicator} series for {rule.geography_en} "
                                   f"before {rule.year_set}")
    years, values = data["year"].to_numpy(), data["value"].to_numpy()
    observed = dict(zip(years.tolist(), values.tolist()))
    last = int(years[-1])
    horizon = rule.target_year - last
    note = ""
    if scope_period(rule.target_year) != scope:
        note = (f"target year {rule.target_year} lies in the {scope_period(rule.target_year)} "
                f"scope; the probability is for a change measured on one consistent scope "
                f"(the {scope} series continued)")
    missing_base = [y for y in rule.base_years if y <= last and y not in observed]
    if missing_base or horizon < 1:
        return RuleSimulation(rule, "base_year_not_observed", years, values, {}, {}, {}, {},
                              note=f"base years {missing_base} missing before {last}"
                              if missing_base else "target year not after the data")
    results, met, change, thresholds = {}, {}, {}, {}
    for model in models:
        fit_years, fit_values = years, values
        if model_applies(model, years, rule.indicator):
            pass
        else:
            run_start = len(years) - 1
            while run_start > 0 and years[run_start - 1] == years[run_start] - 1:
                run_start -= 1
            fit_years, fit_values = years[run_start:], values[run_start:]
            if not model_applies(model, fit_years, rule.indicator):
                continue
        res = forecast_series(model, fit_years, fit_values, horizon, n_sims,
                              stream(rule.target_id, model, last, seed=seed))
        base = np.column_stack([
            np.full(n_sims, observed[y]) if y <= last else res.paths[:, y - last - 1]
            for y in rule.base_years]).mean(axis=1)
        target = res.paths[:, rule.target_year - last - 1]
        results[model] = res
        met[model] = is_met(rule, target, base)
        change[model] = 100 * (target / base - 1)
        thresholds[model] = target_threshold(rule, base)
    if not results:
        return RuleSimulation(rule, "series_too_short", years, values, {}, {}, {}, {},
                              note=f"{len(years)} values ({_years_text(years)}) are too few "
                                   "for any model")
    return RuleSimulation(rule, "ok", years, values, results, met, change, thresholds, note)


def model_probabilities(sim: RuleSimulation, backtest: pd.DataFrame,
                        n_sims: int = N_SIMS) -> tuple[list[dict], list[dict]]:
    """Probability rows (per model and ensemble) and fan-chart rows for one simulated rule.

    The ensemble weights come from :func:`analysis.accidents.models.model_weights` with the back-test
    forecasts of years before ``year_set`` only; its probability is the weighted mean of the
    model probabilities, and its interval the range of the model probabilities. Each model's
    interval is the Monte Carlo 95 % (Wilson) interval of its simulated share.

    Returns
    -------
    rows, forecast_rows : list of dict
        Rows for :data:`FEASIBILITY` (without outcome columns) and :data:`FORECASTS`.
    """
    rule = sim.rule
    common = {"n_used": len(sim.data_years), "data_used": _years_text(sim.data_years) or None}
    if sim.status != "ok":
        return [{"method": "model_ensemble", "status": sim.status, "probability": np.nan,
                 "probability_lower": np.nan, "probability_upper": np.nan,
                 "interval_kind": None, "weight": np.nan, **common,
                 "note": sim.note or None}], []
    weights = model_weights(backtest, list(sim.results), before_year=rule.year_set)
    wmap = dict(zip(weights["model"], weights["weight"]))
    probs = {m: float(np.mean(sim.met[m])) for m in sim.results}
    rows, fc_rows = [], []
    mix_paths = _mixture({m: r.paths for m, r in sim.results.items()}, wmap, n_sims)
    mix_change = _mixture({m: sim.change_pct[m][:, None] for m in sim.results}, wmap,
                          n_sims)[:, 0]
    mix_threshold = _mixture({m: sim.threshold[m][:, None] for m in sim.results}, wmap,
                             n_sims)[:, 0]
    p_ens = float(sum(wmap[m] * probs[m] for m in probs))
    entries = [("model_ensemble", mix_paths, mix_change, mix_threshold, p_ens,
                min(probs.values()), max(probs.values()), "range_of_models", np.nan,
                "weights: " + weights["basis"].iloc[0])]
    for m, res in sim.results.items():
        k = int(np.sum(sim.met[m]))
        lo, hi = wilson_interval(k, len(sim.met[m]))
        entries.append((f"model:{m}", res.paths, sim.change_pct[m], sim.threshold[m], probs[m],
                        lo, hi, "monte_carlo_95", wmap[m], ";".join(res.flags) or None))
    first_year = int(sim.data_years[-1]) + 1
    for method, paths_, change, thr, p, lo, hi, kind, w, note in entries:
        thr_fixed = bool(np.ptp(thr) == 0)
        rows.append({
            "method": method, "status": "ok", "probability": p, "probability_lower": lo,
            "probability_upper": hi, "interval_kind": kind, "weight": w, **common,
            "threshold_value": float(np.median(thr)), "threshold_simulated": not thr_fixed,
            "predicted_change_median": float(np.median(change)),
            "predicted_change_lower80": float(np.quantile(change, 0.1)),
            "predicted_change_upper80": float(np.quantile(change, 0.9)),
            "note": "; ".join(x for x in (sim.note, note) if x) or None,
        })
        q = np.quantile(paths_, [0.5, 0.1, 0.9, 0.025, 0.975], axis=0)
        for j in range(paths_.shape[1]):
            fc_rows.append({"target_id": rule.target_id, "method": method,
                            "year": first_year + j, "median": q[0, j], "lower80": q[1, j],
                            "upper80": q[2, j], "lower95": q[3, j], "upper95": q[4, j]})
    return rows, fc_rows


# --------------------------------------------------------------------------------------------
# Reference class


def change_observations(panel: pd.DataFrame, max_lag: int = 5) -> pd.DataFrame:
    """Every observed change of the target forms, from levels and from reported changes.

    From levels: for each place, level indicator and scope period, every year whose base
    years are observed in the same scope period gives a change on the previous year, on the
    mean of the two previous years, and on the year ``lag`` years earlier (lags 2 to
    ``max_lag``). Reported changes (``*_yoy_pct``, ``*_vs_prev2yr_avg_pct``) are added where
    levels do not already give the same change; a reported change wins over a computed one
    because it is on the source's own comparable basis (可比口径).

    Returns
    -------
    pandas.DataFrame
        Schema :data:`CHANGE_OBSERVATIONS`.
    """
    rows = []
    levels = panel[panel["indicator_kind"].isin(SERIES_KINDS)]
    for (geo_zh, code, scope), group in levels.groupby(["geo_zh", "indicator", "scope_period"],
                                                      sort=True):
        vals = group.set_index("year")["value"].to_dict()
        rounded = group.set_index("year")["is_rounded"].to_dict()
        first = group.iloc[0]
        for year in sorted(vals):
            forms = [("previous_year", 1, (year - 1,)), ("mean_prev_2", 2, (year - 2, year - 1))]
            forms += [("base_year", lag, (year - lag,)) for lag in range(2, max_lag + 1)]
            for form, lag, base in forms:
                if all(b in vals for b in base):
                    rows.append({
                        "geo_zh": geo_zh, "geo_en": first["geo_en"],
                        "geo_level": first["geo_level"], "indicator": code,
                        "family": INDICATORS[code].family, "year": int(year),
                        "baseline_rule": form, "lag": lag,
                        "base_years": ";".join(map(str, base)),
                        "change_pct": 100 * (vals[year] / np.mean([vals[b] for b in base]) - 1),
                        "origin": "computed_from_levels", "scope_period": scope,
                        "is_context_only": bool(group["is_context_only"].any()),
                        "uses_rounded_figure": bool(rounded[year] or any(rounded[b]
                                                                         for b in base)),
                    })
    reported = panel[panel["indicator_kind"] == "change_pct"]
    for rec in reported.to_dict("records"):
        ind = INDICATORS[rec["indicator"]]
        if ind.baseline_rule not in ("previous_year", "mean_prev_2"):
            continue
        lag = 1 if ind.baseline_rule == "previous_year" else 2
        year = int(rec["year"])
        base = (year - 1,) if lag == 1 else (year - 2, year - 1)
        rows.append({
            "geo_zh": rec["geo_zh"], "geo_en": rec["geo_en"], "geo_level": rec["geo_level"],
            "indicator": ind.change_of, "family": INDICATORS[ind.change_of].family,
            "year": year, "baseline_rule": ind.baseline_rule, "lag": lag,
            "base_years": ";".join(map(str, base)), "change_pct": float(rec["value"]),
            "origin": "reported", "scope_period": rec["scope_period"],
            "is_context_only": bool(rec["is_context_only"]),
            "uses_rounded_figure": bool(rec["is_rounded"]),
        })
    out = pd.DataFrame(rows, columns=CHANGE_OBSERVATIONS.column_names)
    out["_prefer"] = (out["origin"] != "reported").astype(int)
    out = out.sort_values(["geo_en", "indicator", "year", "baseline_rule", "lag", "_prefer"],
                          kind="mergesort")
    out = out.drop_duplicates(["geo_en", "indicator", "year", "baseline_rule", "lag"])
    return out.drop(columns="_prefer").reset_index(drop=True)


def reference_class(rule: TargetRule, observations: pd.DataFrame, as_of: int | None = None,
                    include_context_only: bool = False) -> dict:
    """Base rate at which changes of the rule's form happened in comparable series.

    Parameters
    ----------
    rule : TargetRule
        The target.
    observations : pandas.DataFrame
        :func:`change_observations`.
    as_of : int, optional
        Use only changes of years up to this one (``rule.year_set - 1`` for an ex-ante rate);
        ``None`` uses every year (an ex-post rate).
    include_context_only : bool
        Whether to use rows the collector marked "context only".

    Returns
    -------
    dict
        ``probability`` (k / n), ``probability_lower``, ``probability_upper`` (Wilson 95 %),
        ``n_used``, ``k_met``, ``data_used`` (which geographies and years stand in) and
        ``status``. Observations are pooled across the indicator's family (all accidents and
        all deaths are one family; each rate its own); they are not independent (consecutive
        years of one series overlap), so the interval is too narrow.
    """
    form = _form_key(rule)
    ind = INDICATORS.get(rule.indicator)
    blank = {"probability": np.nan, "probability_lower": np.nan, "probability_upper": np.nan,
             "n_used": 0, "k_met": 0, "data_used": None}
    if rule.comparator not in ("decline_by", "below") or form is None:
        return {**blank, "status": "not_modelled"}
    if ind is None or ind.kind not in SERIES_KINDS:
        return {**blank, "status": "indicator_not_in_data"}
    obs = observations[(observations["family"] == ind.family)
                       & (observations["baseline_rule"] == form[0])
                       & (observations["lag"] == form[1])]
    if ind.family != "count_all":
        obs = obs[obs["indicator"] == rule.indicator]
    if not include_context_only:
        obs = obs[~obs["is_context_only"]]
    if as_of is not None:
        obs = obs[obs["year"] <= as_of]
    n = len(obs)
    if n == 0:
        return {**blank, "status": "no_reference_observations"}
    met = (obs["change_pct"] <= rule.required_change_pct if rule.comparator == "decline_by"
           else obs["change_pct"] < 0)
    k = int(met.sum())
    lo, hi = wilson_interval(k, n)
    stand_in = "; ".join(
        f"{geo} {_years_text(g['year'])} ({', '.join(sorted(set(g['indicator'])))})"
        for geo, g in obs.groupby("geo_en", sort=True))
    return {"probability": k / n, "probability_lower": lo, "probability_upper": hi,
            "n_used": n, "k_met": k, "data_used": stand_in, "status": "ok"}


# --------------------------------------------------------------------------------------------
# Feasibility table


def feasibility_table(rules: Sequence[TargetRule], panel: pd.DataFrame, backtest: pd.DataFrame,
                      observations: pd.DataFrame, models: Sequence[str] = MODEL_NAMES,
                      n_sims: int = N_SIMS, seed: int = SEED
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Probabilities for every rule and method, with outcomes where known, and fan-chart data.

    Returns
    -------
    feasibility : pandas.DataFrame
        Schema :data:`FEASIBILITY`: one row per target and method (the model ensemble, each
        fitted model, the ex-ante reference class, and the ex-post reference class that also
        uses years after the target was set).
    forecasts : pandas.DataFrame
        Schema :data:`FORECASTS`: predictive quantiles per target, method and year.
    """
    rows, fc_rows = [], []
    for rule in rules:
        rule_cols = {
            "target_id": rule.target_id, "source": rule.source, "doc_id": rule.doc_id or None,
            "plan": rule.plan or None, "label": rule.label, "geography_zh": rule.geography_zh,
            "geography_en": rule.geography_en, "indicator": rule.indicator,
            "comparator": rule.comparator, "required_change_pct": rule.required_change_pct,
            "baseline_rule": rule.baseline_rule,
            "base_years": ";".join(map(str, rule.base_years)) or None,
            "target_year": rule.target_year, "year_set": rule.year_set,
        }
        outcome = observed_outcome(rule, panel, observations)
        sim = simulate_rule(rule, panel, models, n_sims, seed)
        model_rows, model_fc = model_probabilities(sim, backtest, n_sims)
        fc_rows.extend(model_fc)
        for r in model_rows:
            rows.append({**rule_cols, **r, **outcome})
        for method, as_of in (("reference_class", rule.year_set - 1),
                              ("reference_class_all_years", None)):
            ref = reference_class(rule, observations, as_of)
            note = (f"{ref['k_met']} of {ref['n_used']} changes of this form met the "
                    "requirement" if ref["status"] == "ok" else None)
            if method == "reference_class_all_years" and ref["status"] == "ok":
                note += "; includes years after the target was set (ex post)"
            rows.append({**rule_cols, "method": method, "status": ref["status"],
                         "probability": ref["probability"],
                         "probability_lower": ref["probability_lower"],
                         "probability_upper": ref["probability_upper"],
                         "interval_kind": "wilson_95" if ref["status"] == "ok" else None,
                         "weight": np.nan, "n_used": ref["n_used"],
                         "data_used": ref["data_used"], "note": note, **outcome})
    feas = pd.DataFrame(rows)
    for col in FEASIBILITY.column_names:
        if col not in feas.columns:
            feas[col] = np.nan
    feas["threshold_simulated"] = feas["threshold_simulated"].astype(object).where(
        feas["threshold_simulated"].notna(), None)
    feas["outcome_met"] = feas["outcome_met"].astype(object).where(
        feas["outcome_met"].notna(), None)
    feas = feas[FEASIBILITY.column_names]
    forecasts = pd.DataFrame(fc_rows, columns=FORECASTS.column_names)
    return feas.reset_index(drop=True), forecasts


def feasibility_overview(feasibility: pd.DataFrame,
                         with_probability: bool | None = None) -> pd.DataFrame:
    """One row per target: ensemble, ex-ante and ex-post reference-class probabilities and the
    outcome, for reading rather than for further computation.

    Parameters
    ----------
    feasibility : pandas.DataFrame
        Schema :data:`FEASIBILITY`.
    with_probability : bool, optional
        ``True``: only targets with at least one probability; ``False``: only those with none
        (their ``model_status`` and ``reference_status`` say why); ``None``: all.

    Returns
    -------
    pandas.DataFrame
        Columns ``target_id``, ``label``, ``p_model``, ``p_model_range`` (min-max over
        models), ``model_status``, ``p_reference``, ``p_reference_wilson95``, ``n_reference``,
        ``reference_status``, ``p_reference_all_years``, ``outcome_change_pct``,
        ``outcome_met``; targets in table order.
    """
    def cell(rows, method):
        hit = rows[rows["method"] == method]
        return hit.iloc[0] if len(hit) else None

    out = []
    for tid, rows in feasibility.groupby("target_id", sort=False):
        ens, ref = cell(rows, "model_ensemble"), cell(rows, "reference_class")
        post = cell(rows, "reference_class_all_years")
        def interval(r):
            if r is None or pd.isna(r["probability"]):
                return None
            return f"{r['probability_lower']:.2f}-{r['probability_upper']:.2f}"
        out.append({
            "target_id": tid, "label": rows["label"].iloc[0],
            "p_model": ens["probability"] if ens is not None else np.nan,
            "p_model_range": interval(ens),
            "model_status": ens["status"] if ens is not None else None,
            "p_reference": ref["probability"], "p_reference_wilson95": interval(ref),
            "n_reference": ref["n_used"], "reference_status": ref["status"],
            "p_reference_all_years": post["probability"],
            "outcome_change_pct": rows["outcome_change_pct"].iloc[0],
            "outcome_met": rows["outcome_met"].iloc[0],
        })
    table = pd.DataFrame(out)
    if with_probability is None or table.empty:
        return table
    has = table[["p_model", "p_reference", "p_reference_all_years"]].notna().any(axis=1)
    return table[has if with_probability else ~has].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Calibration on historical pseudo-targets


def pseudo_target_forms(rules: Iterable[TargetRule]) -> pd.DataFrame:
    """Distinct target forms among the rules, to be replayed on historical data.

    A form is the comparator, the required change, the baseline offsets before the target
    year, and the lead: years from the last data year (``year_set - 1``) to the target year.

    Returns
    -------
    pandas.DataFrame
        Columns ``form_id``, ``comparator``, ``required_change_pct``, ``baseline_rule``,
        ``base_offsets`` (tuple), ``lead``, ``target_ids`` (semicolon separated).
    """
    forms: dict[tuple, list[str]] = {}
    for r in rules:
        if r.comparator not in ("decline_by", "below") or not r.base_years:
            continue
        pct = r.required_change_pct if r.comparator == "decline_by" else np.nan
        offsets = tuple(sorted(r.target_year - y for y in r.base_years))
        key = (r.comparator, pct, r.baseline_rule, offsets, r.target_year - (r.year_set - 1))
        forms.setdefault(key, []).append(r.target_id)
    rows = []
    for (comp, pct, rule, offsets, lead), ids in sorted(
            forms.items(), key=lambda kv: (kv[0][4], kv[0][2], kv[0][0], str(kv[0][1]))):
        what = "below baseline" if comp == "below" else f"{pct:+g}%"
        base = "/".join(f"t-{o}" for o in offsets)
        rows.append({"form_id": f"{what} vs mean({base}), lead {lead}", "comparator": comp,
                     "required_change_pct": pct, "baseline_rule": rule,
                     "base_offsets": offsets, "lead": lead, "target_ids": ";".join(ids)})
    return pd.DataFrame(rows)


def calibration_table(origin_forecasts: Sequence[OriginForecast], backtest: pd.DataFrame,
                      observations: pd.DataFrame, forms: pd.DataFrame) -> pd.DataFrame:
    """Model and base-rate probabilities of every historical pseudo-target, with outcomes.

    For every back-test fit (series segment, origin, model) and every form whose target year
    ``origin + lead`` and base years lie in the segment, the probability is computed from that
    fit's paths exactly as for a real target, and the outcome from the observed values. The
    ensemble weights models present at that origin by their record before ``origin + 1``;
    the base rate is the ex-ante reference class at the origin. The fits are reused, so the
    calibration costs no model fitting.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`CALIBRATION`.
    """
    rows = []
    groups: dict[tuple, list[OriginForecast]] = {}
    for of in origin_forecasts:
        groups.setdefault((of.series_id, of.origin), []).append(of)
    for (series_id, origin), fits in groups.items():
        first = fits[0]
        known = dict(zip(first.train_years.tolist(), first.train_values.tolist()))
        known.update(zip(first.actual_years.tolist(), first.actual_values.tolist()))
        for form in forms.to_dict("records"):
            target_year = origin + form["lead"]
            base_years = tuple(target_year - o for o in form["base_offsets"])
            if target_year not in first.actual_years or not all(
                    b in known and b >= first.train_years[0] for b in base_years):
                continue
            rule = TargetRule(
                target_id="pseudo", source="pseudo", doc_id="", plan="", label="",
                geography_zh=first.geo_zh, geography_en=first.geo_en, admin_level="",
                indicator=first.indicator, comparator=form["comparator"],
                required_change_pct=form["required_change_pct"],
                baseline_rule=form["baseline_rule"],
                base_years=tuple(sorted(base_years)), target_year=target_year,
                year_set=origin + 1)
            outcome = bool(is_met(rule, known[target_year],
                                  np.mean([known[b] for b in base_years])))
            pseudo_id = f"{series_id}|{origin}|{form['form_id']}"
            base = {"pseudo_id": pseudo_id, "series_id": series_id,
                    "indicator": first.indicator, "origin": origin,
                    "target_year": target_year, "form_id": form["form_id"],
                    "lead": form["lead"], "outcome": outcome}
            probs = {}
            for of in fits:
                paths_ = of.result.paths
                b = np.column_stack([
                    np.full(len(paths_), known[y]) if y <= origin else paths_[:, y - origin - 1]
                    for y in base_years]).mean(axis=1)
                probs[of.result.model] = float(np.mean(
                    is_met(rule, paths_[:, target_year - origin - 1], b)))
                rows.append({**base, "method": f"model:{of.result.model}",
                             "probability": probs[of.result.model], "n_reference": np.nan})
            w = model_weights(backtest, list(probs), before_year=origin + 1)
            rows.append({**base, "method": "model_ensemble", "n_reference": np.nan,
                         "probability": float(sum(wt * probs[m] for m, wt in
                                                  zip(w["model"], w["weight"])))})
            ref = reference_class(rule, observations, as_of=origin)
            rows.append({**base, "method": "reference_class", "probability": ref["probability"],
                         "n_reference": ref["n_used"]})
    return pd.DataFrame(rows, columns=CALIBRATION.column_names)


def brier_scores(calibration: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Brier score per method, against the reference class on the same pseudo-targets.

    Parameters
    ----------
    calibration : pandas.DataFrame
        Schema :data:`CALIBRATION`.
    by : sequence of str
        Extra grouping columns (e.g. ``("lead",)``).

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` + ``method``, ``n``, ``brier``, ``brier_reference_class`` (same
        pseudo-targets), ``skill`` (1 - brier / brier_reference_class; positive means better
        than the base rate), ``mean_probability``, ``observed_rate``. Only pseudo-targets for
        which the reference class had observations count.
    """
    by = list(by)
    cal = calibration.dropna(subset=["probability"])
    ref = cal[cal["method"] == "reference_class"].set_index("pseudo_id")["probability"]
    rows = []
    groups = cal.groupby(by, sort=True) if by else [((), cal)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        for method in [m for m in METHODS if m in set(part["method"])]:
            sub = part[(part["method"] == method) & part["pseudo_id"].isin(ref.index)]
            if sub.empty:
                continue
            o = sub["outcome"].astype(float).to_numpy()
            p = sub["probability"].to_numpy()
            r = ref.loc[sub["pseudo_id"]].to_numpy()
            bs, bs_ref = float(np.mean((p - o) ** 2)), float(np.mean((r - o) ** 2))
            rows.append({**dict(zip(by, key)), "method": method, "n": len(sub), "brier": bs,
                         "brier_reference_class": bs_ref,
                         "skill": 1 - bs / bs_ref if bs_ref > 0 else np.nan,
                         "mean_probability": float(p.mean()),
                         "observed_rate": float(o.mean())})
    return pd.DataFrame(rows)


def reliability_table(calibration: pd.DataFrame,
                      methods: Sequence[str] = ("model_ensemble", "reference_class"),
                      n_bins: int = 5) -> pd.DataFrame:
    """Reliability-diagram data: per method and probability bin, mean forecast and observed
    frequency, with a Wilson interval for the latter.

    Returns
    -------
    pandas.DataFrame
        Columns ``method``, ``bin_lower``, ``bin_upper``, ``n``, ``mean_probability``,
        ``observed_rate``, ``observed_lower``, ``observed_upper``.
    """
    edges = np.linspace(0, 1, n_bins + 1)
    rows = []
    for method in methods:
        sub = calibration[(calibration["method"] == method)].dropna(subset=["probability"])
        idx = np.clip(np.digitize(sub["probability"], edges[1:-1], right=False), 0, n_bins - 1)
        for b in range(n_bins):
            cell = sub[idx == b]
            if cell.empty:
                continue
            k, n = int(cell["outcome"].sum()), len(cell)
            lo, hi = wilson_interval(k, n)
            rows.append({"method": method, "bin_lower": edges[b], "bin_upper": edges[b + 1],
                         "n": n, "mean_probability": float(cell["probability"].mean()),
                         "observed_rate": k / n, "observed_lower": lo, "observed_upper": hi})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Build


def build(raw_dir: Path | None = None, processed_dir: Path | None = None,
          accident_targets_path: Path | None = None, n_sims: int = N_SIMS,
          seed: int = SEED) -> list[Path]:
    """Write the accident panel, back-test, forecasts, feasibility and calibration tables.

    Parameters
    ----------
    raw_dir : Path, optional
        ``data/raw`` (default :func:`analysis.core.paths.raw_dir`).
    processed_dir : Path, optional
        ``data/processed`` (default :func:`analysis.core.paths.processed_dir`).
    accident_targets_path : Path, optional
        The corpus targets table; default ``processed_dir / "accident_targets.csv"``, written
        by the target extraction, which must therefore run first. If it does not exist, the
        tables are built for the national plan targets only and a message says so (the
        notebook then stops with instructions).
    n_sims : int
        Simulated paths per model fit.
    seed : int
        Base seed.

    Returns
    -------
    list of Path
        The files written, in :data:`SCHEMAS` order; empty if the raw folder holds no
        accident statistics (e.g. a test corpus of plans only).
    """
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    targets_path = (Path(accident_targets_path) if accident_targets_path is not None
                    else processed_dir / "accident_targets.csv")
    stats_dir = raw_dir / "accident_stats" if (raw_dir / "accident_stats").is_dir() else raw_dir
    if not (stats_dir / "national.csv").exists():
        print(f"feasibility: no accident statistics in {raw_dir}; stage skipped", flush=True)
        return []
    panel, alternatives = resolve_sources(read_accident_rows(raw_dir))
    national = read_csv(stats_dir / "national_targets.csv", dtype=str)
    rules = rules_from_national_targets(national)
    if targets_path.exists():
        rules += rules_from_corpus(read_accident_targets(targets_path))
    else:
        print(f"feasibility: {targets_path} not found (the target extraction writes it); "
              "tables built for the national plan targets only", flush=True)
    places = rules_table(rules)[["geography_zh", "geography_en", "admin_level"]].rename(
        columns={"geography_zh": "geo_zh", "geography_en": "geo_en", "admin_level": "geo_level"})
    manifest_path = raw_dir / "manifest.csv"
    if manifest_path.exists():
        from_manifest = corpus_places(read_csv(manifest_path, dtype=str))
        places = pd.concat([from_manifest[["geo_zh", "geo_en", "geo_level"]],
                            places[~places["geo_zh"].isin(from_manifest["geo_zh"])]])
    places = places.drop_duplicates("geo_zh")
    coverage = coverage_report(panel, places)
    fits = rolling_origin_forecasts(panel, n_sims=n_sims, seed=seed)
    backtest = backtest_table(fits)
    observations = change_observations(panel)
    feasibility, forecasts = feasibility_table(rules, panel, backtest, observations,
                                               n_sims=n_sims, seed=seed)
    calibration = calibration_table(fits, backtest, observations, pseudo_target_forms(rules))
    tables = [
        (panel, ACCIDENT_PANEL), (alternatives, ACCIDENT_ALTERNATIVES),
        (coverage, ACCIDENT_COVERAGE), (series_segments(panel), SERIES_SEGMENTS),
        (rules_table(rules), TARGET_RULES), (backtest, BACKTEST),
        (summarise_backtest(backtest), BACKTEST_SUMMARY),
        (gm11_grade_table(fits), GM11_GRADE_TABLE),
        (observations, CHANGE_OBSERVATIONS), (forecasts, FORECASTS),
        (feasibility, FEASIBILITY), (calibration, CALIBRATION),
    ]
    return [write_table(table, schema, processed_dir) for table, schema in tables]


def load_outputs(processed_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Read the tables written by :func:`build`, keyed by schema name.

    Raises
    ------
    FileNotFoundError
        Listing the missing files and how to create them.
    """
    processed_dir = Path(processed_dir) if processed_dir is not None else paths.processed_dir()
    missing = [s.filename for s in SCHEMAS if not (processed_dir / s.filename).exists()]
    if missing:
        raise FileNotFoundError(
            f"missing in {processed_dir}: {', '.join(missing)}. Run the build (`python -m "
            "analysis build`, which calls analysis.accidents.feasibility.build after the target "
            "extraction) first.")
    return {s.name: read_csv(processed_dir / s.filename) for s in SCHEMAS}


_FE = "analysis.accidents.feasibility"

TARGET_RULES = TableSchema(
    name="accident_target_rules",
    filename="accident_target_rules.csv",
    description=("Accident targets as formal rules: national five-year-plan targets "
                 "(national_targets.csv) and corpus targets (accident_targets.csv) "
                 "(analysis.accidents.feasibility.rules_table)."),
    columns=(
        Column("target_id", "str", "Target identifier", source=_FE),
        Column("source", "str", "Where the target comes from", ("corpus", "national_plan"),
               source=_FE),
        Column("doc_id", "str", "Corpus document", nullable=True, source="accident_targets.csv"),
        Column("plan", "str", "National plan (English)", nullable=True,
               source="national_targets.csv"),
        Column("label", "str", "Short English label", source=_FE),
        Column("geography_zh", "str", "Geography (Chinese)", source=_FE),
        Column("geography_en", "str", "Geography (English)", source=_FE),
        Column("admin_level", "str", "Administrative level", ADMIN_LEVELS, source=_FE),
        Column("indicator", "str", "Indicator code", source=_FE),
        Column("comparator", "str", "decline_by: fall by at least |required_change_pct| %; "
               "below: strictly lower; no_major: no major accident", COMPARATORS, source=_FE),
        Column("required_change_pct", "float", "Required change, % (negative = decline)",
               nullable=True, source=_FE),
        Column("baseline_rule", "str", "How the baseline is formed", BASELINE_RULES,
               source=_FE),
        Column("base_years", "str", "Base years, semicolon separated", nullable=True,
               source=_FE),
        Column("target_year", "int", "Year the target applies to", source=_FE),
        Column("year_set", "int", "Year the target was set", source=_FE),
        Column("data_through", "int", "Last data year a forecast may use (year_set - 1)",
               source=_FE),
        Column("quote", "str", "Text of the target", nullable=True, source=_FE),
        Column("note", "str", "Assumptions made", nullable=True, source=_FE),
    ),
    primary_key=("target_id",),
)

_METHOD_DOC = ("model_ensemble (back-test-weighted mixture), model:<name> (one model), "
               "reference_class (base rate from data up to year_set - 1), "
               "reference_class_all_years (base rate from all years, ex post)")

FEASIBILITY = TableSchema(
    name="feasibility",
    filename="feasibility.csv",
    description=("Probability that each accident target is met, one row per target and method, "
                 "computed from data available when the target was set, with the outcome "
                 "where the data show it (analysis.accidents.feasibility.feasibility_table)."),
    columns=(
        Column("target_id", "str", "Target identifier", source=_FE),
        Column("source", "str", "corpus or national_plan", ("corpus", "national_plan"),
               source=_FE),
        Column("doc_id", "str", "Corpus document", nullable=True, source=_FE),
        Column("plan", "str", "National plan (English)", nullable=True, source=_FE),
        Column("label", "str", "Short English label", source=_FE),
        Column("geography_zh", "str", "Geography (Chinese)", source=_FE),
        Column("geography_en", "str", "Geography (English)", source=_FE),
        Column("indicator", "str", "Indicator code", source=_FE),
        Column("comparator", "str", "Comparator", COMPARATORS, source=_FE),
        Column("required_change_pct", "float", "Required change, %", nullable=True, source=_FE),
        Column("baseline_rule", "str", "Baseline rule", BASELINE_RULES, source=_FE),
        Column("base_years", "str", "Base years", nullable=True, source=_FE),
        Column("target_year", "int", "Target year", source=_FE),
        Column("year_set", "int", "Year the target was set", source=_FE),
        Column("method", "str", _METHOD_DOC, METHODS, source=_FE),
        Column("status", "str", "ok, or why there is no probability",
               ("ok", "no_own_series", "series_too_short", "base_year_not_observed",
                "base_crosses_scope_break", "not_modelled", "indicator_not_in_data",
                "no_reference_observations"), source=_FE),
        Column("probability", "float", "Probability that the target is met", nullable=True,
               source=_FE),
        Column("probability_lower", "float", "Lower bound (see interval_kind)", nullable=True,
               source=_FE),
        Column("probability_upper", "float", "Upper bound (see interval_kind)", nullable=True,
               source=_FE),
        Column("interval_kind", "str", "range_of_models, monte_carlo_95 or wilson_95",
               ("range_of_models", "monte_carlo_95", "wilson_95"), nullable=True, source=_FE),
        Column("weight", "float", "Weight of this model in the ensemble", nullable=True,
               source="analysis.accidents.models.model_weights"),
        Column("n_used", "int", "Series values fitted, or reference observations", source=_FE),
        Column("data_used", "str", "Years fitted, or geographies and years standing in",
               nullable=True, source=_FE),
        Column("threshold_value", "float", "Level the target-year value must reach (median "
               "over paths if the baseline was not yet known)", nullable=True, source=_FE),
        Column("threshold_simulated", "bool", "Baseline partly simulated", nullable=True,
               source=_FE),
        Column("predicted_change_median", "float", "Median predicted change vs baseline, %",
               nullable=True, source=_FE),
        Column("predicted_change_lower80", "float", "10 % quantile of that change",
               nullable=True, source=_FE),
        Column("predicted_change_upper80", "float", "90 % quantile of that change",
               nullable=True, source=_FE),
        Column("outcome_change_pct", "float", "Observed change vs baseline, %", nullable=True,
               source="accident panel"),
        Column("outcome_met", "bool", "Observed: target met", nullable=True,
               source="accident panel"),
        Column("outcome_note", "str", "How the outcome was decided, or why not", source=_FE),
        Column("note", "str", "Caveats, fit warnings, ensemble weight basis", nullable=True,
               source=_FE),
    ),
    primary_key=("target_id", "method"),
)

FORECASTS = TableSchema(
    name="forecasts",
    filename="forecasts.csv",
    description=("Predictive distributions behind the model-based probabilities: quantiles of "
                 "the simulated paths per target, method and year, from the year after the "
                 "last data year to the target year (analysis.accidents.feasibility.model_probabilities)."),
    columns=(
        Column("target_id", "str", "Target identifier", source=_FE),
        Column("method", "str", "model_ensemble or model:<name>", METHODS, source=_FE),
        Column("year", "int", "Forecast year", source=_FE),
        Column("median", "float", "Median", source=_FE),
        Column("lower80", "float", "10 % quantile", source=_FE),
        Column("upper80", "float", "90 % quantile", source=_FE),
        Column("lower95", "float", "2.5 % quantile", source=_FE),
        Column("upper95", "float", "97.5 % quantile", source=_FE),
    ),
    primary_key=("target_id", "method", "year"),
)

CHANGE_OBSERVATIONS = TableSchema(
    name="accident_change_observations",
    filename="accident_change_observations.csv",
    description=("Every observed change of the target forms (on the previous year, on the mean "
                 "of the two previous years, on a year 2-5 years earlier), computed from levels "
                 "within one scope period or reported by the source: the reference class "
                 "(analysis.accidents.feasibility.change_observations)."),
    columns=(
        Column("geo_zh", "str", "Geography (Chinese)", source="accident panel"),
        Column("geo_en", "str", "Geography (English)", source="accident panel"),
        Column("geo_level", "str", "Administrative level", source="accident panel"),
        Column("indicator", "str", "Level indicator the change refers to", tuple(INDICATORS),
               source="accident panel"),
        Column("family", "str", "Pooling family of the indicator", source="INDICATORS"),
        Column("year", "int", "Year of the change", source="accident panel"),
        Column("baseline_rule", "str", "previous_year, mean_prev_2 or base_year",
               ("previous_year", "mean_prev_2", "base_year"), source=_FE),
        Column("lag", "int", "1 for the previous year, 2 for the mean of the two previous "
               "years, k for a single base year k years earlier", source=_FE),
        Column("base_years", "str", "Base years", source=_FE),
        Column("change_pct", "float", "Change, %", source=_FE),
        Column("origin", "str", "computed_from_levels or reported",
               ("computed_from_levels", "reported"), source=_FE),
        Column("scope_period", "str", "Scope period", ("pre2016", "from2016"),
               source="accident panel"),
        Column("is_context_only", "bool", "Collector marked the figure context only",
               source="accident panel"),
        Column("uses_rounded_figure", "bool", "A rounded figure enters the change",
               source="accident panel"),
    ),
    primary_key=("geo_en", "indicator", "year", "baseline_rule", "lag"),
)

CALIBRATION = TableSchema(
    name="feasibility_calibration",
    filename="feasibility_calibration.csv",
    description=("Historical pseudo-targets of the same forms as the real ones: the probability "
                 "each method gave from data up to the origin, and whether the pseudo-target "
                 "was met (analysis.accidents.feasibility.calibration_table)."),
    columns=(
        Column("pseudo_id", "str", "series|origin|form", source=_FE),
        Column("series_id", "str", "Series segment", source="analysis.accidents.models"),
        Column("indicator", "str", "Indicator code", source="accident panel"),
        Column("origin", "int", "Last data year", source=_FE),
        Column("target_year", "int", "Pseudo-target year", source=_FE),
        Column("form_id", "str", "Target form", source=_FE),
        Column("lead", "int", "Years from the last data year to the target year", source=_FE),
        Column("outcome", "bool", "Pseudo-target met", source="accident panel"),
        Column("method", "str", "Method", METHODS, source=_FE),
        Column("probability", "float", "Probability given", nullable=True, source=_FE),
        Column("n_reference", "float", "Reference observations (reference_class only)",
               nullable=True, source=_FE),
    ),
    primary_key=("pseudo_id", "method"),
)

#: Every table :func:`build` writes, for the codebook.
SCHEMAS = (ACCIDENT_PANEL, ACCIDENT_ALTERNATIVES, ACCIDENT_COVERAGE, SERIES_SEGMENTS,
           TARGET_RULES, BACKTEST, BACKTEST_SUMMARY, GM11_GRADE_TABLE, CHANGE_OBSERVATIONS,
           FORECASTS, FEASIBILITY, CALIBRATION)
