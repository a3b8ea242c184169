"""Schemas of the tables the feasibility stage writes (:data:`TARGET_RULES`,
:data:`FEASIBILITY`, :data:`FORECASTS`, :data:`CHANGE_OBSERVATIONS`, :data:`CALIBRATION`)
and the vocabularies their columns allow: comparators, baseline rules, corpus indicator
codes, administrative levels and the probability methods (:data:`METHODS`). The modules
that compute the tables take their column lists and allowed values from here.
"""
from __future__ import annotations

from analysis.accidents.forecast import MODEL_NAMES
from analysis.accidents.indicators import INDICATORS
from analysis.core.schema import Column, TableSchema

COMPARATORS = ("decline_by", "below", "no_major")
BASELINE_RULES = ("previous_year", "mean_prev_2", "base_year", "none")
CORPUS_INDICATORS = ("accidents_total", "deaths_total", "deaths_per_100m_gdp",
                     "major_accidents_total", "other")
ADMIN_LEVELS = ("national", "province", "city", "county")

METHODS = (("model_ensemble", "ensemble_recalibrated", "ensemble_base_rate_pool")
           + tuple(f"model:{m}" for m in MODEL_NAMES)
           + ("reference_class", "reference_class_all_years", "hierarchical_nb"))


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
        Column("geography_zh", "str", "Geography (Chinese); empty where the plan's place is "
               "not known", nullable=True, source=_FE),
        Column("geography_en", "str", "Geography (English; empty where not known)",
               nullable=True, source=_FE),
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

_METHOD_DOC = ("model_ensemble (mixture, stacking weights on log score where the back-test "
               "allows, else equal), ensemble_recalibrated (that mixture recalibrated with its "
               "back-test errors), ensemble_base_rate_pool (equal-weight linear pool of "
               "model_ensemble and reference_class), hierarchical_nb (partially pooled "
               "negative binomial across places), model:<name> (one model), "
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
        Column("geography_zh", "str", "Geography (Chinese); empty where the plan's place is "
               "not known", nullable=True, source=_FE),
        Column("geography_en", "str", "Geography (English; empty where not known)",
               nullable=True, source=_FE),
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
        Column("interval_kind", "str", "range_of_models (for the pool: the pool over that "
               "range, base rate fixed), monte_carlo_95 or wilson_95",
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
