"""P(target met) for the regional (corpus) targets from the partially pooled model of
:mod:`analysis.accidents.hierarchical`, and the table of what each probability rests on.

Which targets get a probability is decided by the data alone: a rule's count indicator (for
"no major accident" targets, the accident class its text names: 较大以上, 重特大, 较大 or 重大) must
have counts for at least two places with a published population before the year the target
was set, and the rule's place must have either counts of its own or a population. Rules on
other measures (per-GDP rates, "一般事故") get no row here.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis.accidents.forecast import stream
from analysis.accidents.hierarchical import (CLASS_CODES, N_DRAWS, class_counts, exposures,
                                             fit_panel, national_trend, place_key,
                                             predict_counts)
from analysis.accidents.indicators import SCOPE_BREAK_YEAR
from analysis.accidents.targets import TargetRule, is_met, target_threshold
from analysis.core.schema import Column, TableSchema

#: Accident classes named in "no major accident" targets, most specific first.
CLASS_WORDS = (("较大以上", "accidents_major_larger_and_above"),
               ("重特大", "accidents_major_and_extraordinary"),
               ("较大", "accidents_major_larger"), ("重大", "accidents_major"))


def count_indicator(rule: TargetRule) -> str | None:
    """The panel count code a rule is about, or None if it is not a count."""
    if rule.indicator in ("accidents_total", "deaths_total"):
        return rule.indicator
    if rule.comparator == "no_major":
        for word, code in CLASS_WORDS:
            if word in rule.quote:
                return code
    return None


def _rows_for(counts: pd.DataFrame, code: str, before: int) -> pd.DataFrame:
    rows = counts[(counts["indicator"] == code) & (counts["year"] < before)]
    if code not in CLASS_CODES:
        # totals: one scope period, that of the year before the target was set
        after = (before - 1) >= SCOPE_BREAK_YEAR
        rows = rows[(rows["year"] >= SCOPE_BREAK_YEAR) == after]
    return rows


def series_gathered(panel: pd.DataFrame) -> pd.DataFrame:
    """Regional figures by place and indicator: the years, how many sources, from which files.

    Returns
    -------
    pandas.DataFrame
        Columns ``geo_level``, ``geo_zh``, ``geo_en``, ``indicator``, ``n_years``, ``years``,
        ``n_sources`` (distinct URLs), ``files``; levels, rates and exposures only.
    """
    rows = panel[(panel["geo_level"] != "national")
                 & panel["indicator_kind"].isin(["level_count", "rate", "exposure"])]
    out = []
    for key, g in rows.groupby(["geo_level", "geo_zh", "geo_en", "indicator"], sort=True):
        out.append(dict(zip(["geo_level", "geo_zh", "geo_en", "indicator"], key),
                        n_years=int(g["year"].nunique()),
                        years=", ".join(str(y) for y in sorted(g["year"].unique())),
                        n_sources=int(g["source_url"].nunique()),
                        files=";".join(sorted(g["source_file"].unique()))))
    return pd.DataFrame(out)


def _pmf(target_id: str, quantity: str, draws: np.ndarray) -> list[dict]:
    values, counts = np.unique(np.round(draws, 6), return_counts=True)
    return [{"target_id": target_id, "quantity": quantity, "value": float(v),
             "probability": c / len(draws)} for v, c in zip(values, counts)]


def regional_probabilities(rules: Sequence[TargetRule], panel: pd.DataFrame, seed: int,
                           n_draws: int = N_DRAWS
                           ) -> tuple[list[dict], pd.DataFrame, pd.DataFrame]:
    """Feasibility rows (method ``hierarchical_nb``) and the fit table for corpus rules.

    Returns
    -------
    rows : list of dict
        Per rule handled: method, status, probability with Monte Carlo interval, predicted
        change quantiles, threshold, n_used, data_used, note.
    fits : pandas.DataFrame
        Schema :data:`HIERARCHICAL_FITS`.
    predictive : pandas.DataFrame
        Schema :data:`REGIONAL_PREDICTIVE`: the predictive distribution behind each
        probability (the target-year count for "no major accident", the target-year count
        minus the threshold for the others, so that the target is met left of zero).
    """
    counts = class_counts(panel)
    cache: dict = {}
    exposure_cache: dict[int, dict[str, float]] = {}
    rows, fit_rows, pmf_rows = [], [], []
    for rule in rules:
        if rule.source != "corpus":
            continue
        code = count_indicator(rule)
        if code is None:
            continue
        # Rules share a few (indicator, year) pairs: the rows, exposures and fit are computed
        # once per pair, not once per rule (2,844 rules of a 1,000-plan corpus: 19 s → 0.1 s).
        key = (code, rule.year_set)
        if key not in cache:
            data = _rows_for(counts, code, rule.year_set)
            if rule.year_set not in exposure_cache:
                exposure_cache[rule.year_set] = exposures(panel, rule.year_set - 1)
            expo = exposure_cache[rule.year_set]
            prior = national_trend(panel, code, rule.year_set)
            cache[key] = (fit_panel(data, expo, t0=rule.year_set - 1, beta_prior=prior), prior,
                          data, expo)
        fit, prior, data, expo = cache[key]
        place = place_key(rule.geography_zh)
        own = data[data["geo_zh"] == place][["year", "value"]]
        base = {"target_id": rule.target_id, "method": "hierarchical_nb",
                "indicator_used": code}
        if fit is None:
            n_e = data[data["geo_zh"].isin(expo)]["geo_zh"].nunique()
            rows.append({**base, "status": "series_too_short", "n_used": len(data),
                         "note": f"{code}: {n_e} place(s) with counts and a population before "
                                 f"{rule.year_set}; partial pooling needs 2"})
            continue
        if place not in expo and own.empty:
            rows.append({**base, "status": "no_own_series", "n_used": 0,
                         "note": f"no {code} counts and no population for "
                                 f"{rule.geography_zh} before {rule.year_set}"})
            continue
        if place not in expo:
            rows.append({**base, "status": "no_own_series", "n_used": len(own),
                         "note": f"{rule.geography_zh} has {code} counts but no population: "
                                 "its rate cannot be placed among the others"})
            continue
        years = sorted(set(rule.base_years) | {rule.target_year}) if rule.base_years else [
            rule.target_year]
        sims = predict_counts(fit, years, expo[place], own,
                              stream(rule.target_id, "hierarchical_nb", seed=seed), n_draws)
        sim = dict(zip(years, sims.T))
        known = dict(zip(own["year"], own["value"]))
        target = sim[rule.target_year]
        if rule.comparator == "no_major":
            met = target == 0
            baseline = np.full(n_draws, np.nan)
            change = np.full(n_draws, np.nan)
            pmf_rows += _pmf(rule.target_id, "count", target)
        else:
            baseline = np.mean([np.full(n_draws, known[y]) if y in known else sim[y]
                                for y in rule.base_years], axis=0)
            met = is_met(rule, target, baseline)
            pmf_rows += _pmf(rule.target_id, "count_minus_threshold",
                             target - target_threshold(rule, baseline))
            with np.errstate(divide="ignore", invalid="ignore"):
                change = np.where(baseline > 0, 100 * (target / baseline - 1), np.nan)
        k = int(np.sum(met))
        p = k / n_draws
        se = np.sqrt(max(p * (1 - p), 1e-12) / n_draws)
        own_text = (", ".join(f"{int(y)}: {int(v)}" for y, v in zip(own["year"], own["value"]))
                    or "none (small-area forecast from the across-place distribution)")
        places = ", ".join(fit.units["geo_zh"])
        note = (f"{code}; own counts before {rule.year_set}: {own_text}; population "
                f"{expo[place]:g} (10k); pooled over {fit.n_with_exposure} places "
                f"with population ({places}) and {fit.n_trend_only} for the trend only; "
                f"mu = {fit.mu:.4g} per 10k, a = {fit.a:.3g}, yearly trend "
                f"{100 * np.expm1(fit.beta):+.1f}% (prior {100 * np.expm1(prior):+.1f}%)")
        finite = change[np.isfinite(change)]
        rows.append({
            **base, "status": "ok", "probability": p,
            "probability_lower": max(0.0, p - 1.96 * se),
            "probability_upper": min(1.0, p + 1.96 * se), "interval_kind": "monte_carlo_95",
            "n_used": len(data), "data_used": f"{data['geo_zh'].nunique()} places, years "
                                              f"{int(data['year'].min())}-{int(data['year'].max())}",
            "threshold_value": (0.0 if rule.comparator == "no_major"
                                else float(np.median(target_threshold(rule, baseline)))),
            "threshold_simulated": bool(any(y not in known for y in rule.base_years)),
            "predicted_change_median": float(np.median(finite)) if len(finite) else np.nan,
            "predicted_change_lower80": float(np.quantile(finite, 0.1)) if len(finite) else np.nan,
            "predicted_change_upper80": float(np.quantile(finite, 0.9)) if len(finite) else np.nan,
            "note": note, "_target_draws": target, "_change_draws": change})
        fit_rows.append({"target_id": rule.target_id, "indicator_used": code,
                         "year_set": rule.year_set, "t0": fit.t0,
                         "n_places_population": fit.n_with_exposure,
                         "n_places_trend_only": fit.n_trend_only, "n_counts": len(data),
                         "mu_per_10k": fit.mu, "shape_a": fit.a, "trend_pct": 100 * np.expm1(
                             fit.beta), "trend_prior_pct": 100 * np.expm1(prior),
                         "population_10k": expo[place],
                         "own_counts": own_text, "places": places,
                         "p_met": p, "median_target_count": float(np.median(target)),
                         "p_zero": float(np.mean(target == 0))})
    return (rows, pd.DataFrame(fit_rows, columns=HIERARCHICAL_FITS.column_names),
            pd.DataFrame(pmf_rows, columns=REGIONAL_PREDICTIVE.column_names))


_HI = "analysis.accidents.regional"

HIERARCHICAL_FITS = TableSchema(
    name="hierarchical_fits",
    filename="hierarchical_fits.csv",
    description=("What each regional probability of the partially pooled negative-binomial "
                 "model rests on: the count used, the places pooled, the fitted across-place "
                 "rate and heterogeneity, the trend and its prior, the place's own counts and "
                 "population (analysis.accidents.regional.regional_probabilities)."),
    columns=(
        Column("target_id", "str", "Target identifier", source=_HI),
        Column("indicator_used", "str", "Count indicator modelled", source=_HI),
        Column("year_set", "int", "Year the target was set (data before it only)", source=_HI),
        Column("t0", "int", "Centre year of the trend", source=_HI),
        Column("n_places_population", "int", "Places with counts and a population",
               source=_HI),
        Column("n_places_trend_only", "int", "Places with 2+ years of counts but no population "
               "(inform the trend only)", source=_HI),
        Column("n_counts", "int", "Count rows used", source=_HI),
        Column("mu_per_10k", "float", "Across-place mean rate per 10,000 residents at t0",
               source=_HI),
        Column("shape_a", "float", "Gamma shape of the across-place rates (larger: more alike)",
               source=_HI),
        Column("trend_pct", "float", "Common yearly change, %", source=_HI),
        Column("trend_prior_pct", "float", "Prior mean of that trend: national series, %",
               source=_HI),
        Column("population_10k", "float", "The place's population, 10,000", source=_HI),
        Column("own_counts", "str", "The place's own counts before year_set", source=_HI),
        Column("places", "str", "Places pooled (with population)", source=_HI),
        Column("p_met", "float", "P(target met)", source=_HI),
        Column("median_target_count", "float", "Median predicted count in the target year",
               source=_HI),
        Column("p_zero", "float", "P(count = 0) in the target year", source=_HI),
    ),
    primary_key=("target_id",),
)

REGIONAL_PREDICTIVE = TableSchema(
    name="regional_predictive",
    filename="regional_predictive.csv",
    description=("Predictive distributions behind the hierarchical_nb probabilities of the "
                 "regional targets (analysis.accidents.regional.regional_probabilities)."),
    columns=(
        Column("target_id", "str", "Target identifier", source=_HI),
        Column("quantity", "str", "count (target-year count; met at 0) or "
               "count_minus_threshold (met below 0, or at 0 for 'down at least')",
               ("count", "count_minus_threshold"), source=_HI),
        Column("value", "float", "Value", source=_HI),
        Column("probability", "float", "Share of the predictive draws", source=_HI),
    ),
    primary_key=("target_id", "quantity", "value"),
)


def both_met_bounds(p_first: float, p_second: float) -> dict:
    """What two marginal probabilities say about both targets being met (双下降).

    The pooled model forecasts accidents and deaths separately, so P(both met) is known only
    within the Fréchet bounds ``max(0, p1 + p2 - 1)`` and ``min(p1, p2)``; the product is the
    value if the two were independent. Accidents and deaths of a place rise and fall
    together, so the truth lies above the product, but the data do not say how far.

    Returns
    -------
    dict
        ``lower``, ``independent``, ``upper``; all NaN when either probability is missing.

    Raises
    ------
    ValueError
        If a probability is outside [0, 1].
    """
    p1, p2 = float(p_first), float(p_second)
    if np.isnan(p1) or np.isnan(p2):
        return {"lower": np.nan, "independent": np.nan, "upper": np.nan}
    if not (0.0 <= p1 <= 1.0 and 0.0 <= p2 <= 1.0):
        raise ValueError(f"probabilities must lie in [0, 1], got {p1} and {p2}")
    return {"lower": max(0.0, p1 + p2 - 1.0), "independent": p1 * p2,
            "upper": min(p1, p2)}
