"""Accident targets as rules that data can decide. A target becomes a :class:`TargetRule`
(geography, indicator, comparator, required change, baseline rule and base years, target
year and the year it was set); rules come from the corpus targets table
(:func:`read_accident_targets`, :func:`rules_from_corpus`, checked against the
``accident_targets.csv`` contract :data:`CORPUS_TARGET_COLUMNS`) and from the national
five-year plans (:func:`rules_from_national_targets`). :func:`baseline_years`,
:func:`target_threshold` and :func:`is_met` apply a rule to values, and
:func:`observed_outcome` decides from the panel (or a reported change) whether a target was
met.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.accidents.indicators import scope_period
from analysis.accidents.tables import BASELINE_RULES, COMPARATORS, CORPUS_INDICATORS, TARGET_RULES
from analysis.core.io import read_csv
from analysis.core.schema import SchemaError

#: Columns of ``data/processed/accident_targets.csv`` written by the target extraction (the
#: corpus contract), in order.
CORPUS_TARGET_COLUMNS = ("target_id", "doc_id", "clause_id", "geography_zh", "geography_en",
                         "admin_level", "indicator_code", "comparator", "required_change_pct",
                         "baseline_rule", "base_years", "target_year", "year_set", "span")


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
    # The class the text names (most specific first), so that "杜绝较大以上" is not shown as 重特大.
    for word, english in (("较大以上", "3+ deaths"), ("重特大", "10+ deaths"), ("较大", "3-9 deaths"),
                          ("重大", "10-29 deaths")):
        if word in rule.quote:
            return f"no {word} accident ({english})"
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
            geography_zh=str(rec["geography_zh"]), geography_en=rec["geography_en"] if isinstance(rec["geography_en"], str) else "",
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
    needed = list(rule.base_years) + [rule.target_year]
    if not len(panel) and (observations is None or not len(observations)):
        # A place without data (most corpus places): the answer of the general path below,
        # without its table operations.
        return {**none, "outcome_note": "not in the data (missing "
                                        + ", ".join(str(y) for y in needed) + ")"}
    levels = panel[(panel["geo_zh"] == rule.geography_zh)
                   & (panel["indicator"] == rule.indicator)].set_index("year")["value"]
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


def load_target_rules(stats_dir: Path, targets_path: Path) -> tuple[list[TargetRule], str]:
    """The rules of a build: the national plan targets (``national_targets.csv`` in
    ``stats_dir``) and, where the target extraction has written it, the corpus targets at
    ``targets_path``; and a message (empty when both were read)."""
    rules = rules_from_national_targets(read_csv(Path(stats_dir) / "national_targets.csv",
                                                 dtype=str))
    if not Path(targets_path).exists():
        return rules, (f"{targets_path} not found (the target extraction writes it); national "
                       "plan targets only")
    return rules + rules_from_corpus(read_accident_targets(targets_path)), ""
