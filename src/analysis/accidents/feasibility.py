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

This module is the stage's entry point (the pipeline calls :func:`build` and reads
:data:`SCHEMAS`) and re-exports every name it has always had; the code lives in
:mod:`analysis.accidents.targets` (target rules, outcomes), :mod:`analysis.accidents.reference`
(change observations, reference class), :mod:`analysis.accidents.probabilities` (model
probabilities, ensemble, feasibility table), :mod:`analysis.accidents.calibration`
(pseudo-targets, Brier scores, reliability), :mod:`analysis.accidents.tables` (schemas and
vocabularies) and :mod:`analysis.accidents.stage` (build, load_outputs, SCHEMAS).

Added for issue 14: :mod:`analysis.accidents.models_extra` (naive, damped-trend ETS, theta,
local level), :mod:`analysis.accidents.structural` (2016 scope step, change points),
:mod:`analysis.accidents.recalibration` (stacking weights, recalibration from back-test
errors), :mod:`analysis.accidents.scores` (coverage by horizon, Brier with CORP decomposition
and outcome-year bootstrap, reliability), :mod:`analysis.accidents.hierarchical` and
:mod:`analysis.accidents.regional` (partially pooled negative binomial, regional
probabilities) and :mod:`analysis.accidents.simulation` (simulation study). The ensemble
weights are now stacking weights (equal where the back-test is too short, and the table says
so), no longer ``model_weights``; the reliability diagram is CORP (PAV) instead of binned.
"""
from analysis.accidents.indicators import INDICATORS, SERIES_KINDS, scope_period  # noqa: F401
from analysis.accidents.loader import (  # noqa: F401
    ACCIDENT_ALTERNATIVES, ACCIDENT_PANEL, read_accident_rows, resolve_sources)
from analysis.accidents.panel import (  # noqa: F401
    ACCIDENT_COVERAGE, SERIES_SEGMENTS, corpus_places, coverage_report, series_segments,
    series_values)
from analysis.accidents.forecast import (  # noqa: F401
    MODEL_NAMES, N_SIMS, SEED, forecast_series, model_applies, stream)
from analysis.accidents.backtest import (  # noqa: F401
    BACKTEST, BACKTEST_SUMMARY, GM11_GRADE_TABLE, OriginForecast, backtest_table,
    gm11_grade_table, model_weights, rolling_origin_forecasts, summarise_backtest)
from analysis.accidents.tables import (  # noqa: F401
    ADMIN_LEVELS, BASELINE_RULES, CALIBRATION, CHANGE_OBSERVATIONS, COMPARATORS,
    CORPUS_INDICATORS, _FE, FEASIBILITY, FORECASTS, METHODS, _METHOD_DOC, TARGET_RULES)
from analysis.accidents.targets import (  # noqa: F401
    CORPUS_TARGET_COLUMNS, _PLAN_SHORT, TargetRule, baseline_value, baseline_years, _form_key,
    is_met, observed_outcome, _pct_label, plan_short_name, read_accident_targets,
    rules_from_corpus, rules_from_national_targets, rules_table, _slug, target_threshold)
from analysis.accidents.reference import (  # noqa: F401
    change_observations, reference_class, reference_observations, wilson_interval, _years_text)
from analysis.accidents.probabilities import (  # noqa: F401
    RuleSimulation, feasibility_overview, feasibility_table, _mixture, model_probabilities,
    simulate_rule)
from analysis.accidents.calibration import (  # noqa: F401
    brier_scores, calibration_table, pseudo_target_forms, reliability_table)
from analysis.accidents.stage import SCHEMAS, build, load_outputs  # noqa: F401
from analysis.core import paths  # noqa: F401
from analysis.core.io import read_csv  # noqa: F401
from analysis.core.schema import Column, SchemaError, TableSchema, write_table  # noqa: F401
