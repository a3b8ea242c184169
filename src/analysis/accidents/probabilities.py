"""Model-based probabilities that accident targets are met, and the feasibility table.
:func:`simulate_rule` fits every applicable forecasting model to a rule's own series as known
when the target was set and simulates the baseline and target-year values;
:func:`model_probabilities` turns the simulated paths into per-model probabilities and a
back-test-weighted ensemble (with fan-chart quantiles); :func:`feasibility_table` puts these
beside the ex-ante and ex-post reference-class rates and the observed outcome for every
rule, and :func:`feasibility_overview` condenses that to one row per target.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.accidents.calibration import POOL_WEIGHT, base_rate_pool
from analysis.accidents.recalibration import (MIN_CAL, recalibrate_paths, recalibrated_z,
                                              stacking_weights)
from analysis.accidents.forecast import (MODEL_NAMES, N_SIMS, SEED, forecast_series,
                                         model_applies, stream)
from analysis.accidents.indicators import INDICATORS, SERIES_KINDS, scope_period
from analysis.accidents.panel import series_values
from analysis.accidents.reference import (_years_text, reference_class, reference_key,
                                          wilson_interval)
from analysis.accidents.tables import FEASIBILITY, FORECASTS
from analysis.accidents.targets import TargetRule, is_met, observed_outcome, target_threshold


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
    base: dict = None


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
    # Most corpus places have no series at all: their panel is empty (see feasibility_table),
    # and the table operations of series_values would cost more than everything else here.
    data = (series_values(panel, rule.geography_zh, rule.indicator, scope, rule.year_set - 1)
            if len(panel) else None)
    kind = INDICATORS[rule.indicator].kind if rule.indicator in INDICATORS else ""
    if data is None or data.empty or kind not in SERIES_KINDS:
        return RuleSimulation(rule, "no_own_series", **empty,
                              note=f"no {rule.indicator} series for {rule.geography_en} "
                                   f"before {rule.year_set}")
    years, values = data["year"].to_numpy(), data["value"].to_numpy()
    if np.any(values <= 0):
        return RuleSimulation(rule, "not_modelled", **empty,
                              note="the series has zero counts, which the forecasting models "
                                   "cannot take; see the partially pooled model")
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
    results, met, change, thresholds, bases = {}, {}, {}, {}, {}
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
        bases[model] = base
        met[model] = is_met(rule, target, base)
        change[model] = 100 * (target / base - 1)
        thresholds[model] = target_threshold(rule, base)
    if not results:
        return RuleSimulation(rule, "series_too_short", years, values, {}, {}, {}, {},
                              note=f"{len(years)} values ({_years_text(years)}) are too few "
                                   "for any model")
    return RuleSimulation(rule, "ok", years, values, results, met, change, thresholds, note,
                          bases)


def model_probabilities(sim: RuleSimulation, errors: pd.DataFrame,
                        n_sims: int = N_SIMS) -> tuple[list[dict], list[dict]]:
    """Probability rows (per model and ensemble) and fan-chart rows for one simulated rule.

    The ensemble weights come from
    :func:`analysis.accidents.recalibration.stacking_weights` with the back-test cases of
    years before ``year_set`` only (equal weights, said so, where there are too few); its
    probability is the weighted mean of the model probabilities, and its interval the range
    of the model probabilities. ``ensemble_recalibrated`` recalibrates the ensemble's
    target-year distribution with its standardised back-test errors known before
    ``year_set`` (status ``series_too_short`` with a note when there are too few). Each
    model's interval is the Monte Carlo 95 % (Wilson) interval of its simulated share.

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
    weights = stacking_weights(errors, list(sim.results), before_year=rule.year_set)
    wmap = dict(zip(weights["model"], weights["weight"]))
    probs = {m: float(np.mean(sim.met[m])) for m in sim.results}
    rows, fc_rows = [], []
    mix_paths = _mixture({m: r.paths for m, r in sim.results.items()}, wmap, n_sims)
    mix_base = _mixture({m: sim.base[m][:, None] for m in sim.results}, wmap, n_sims)[:, 0]
    mix_change = _mixture({m: sim.change_pct[m][:, None] for m in sim.results}, wmap,
                          n_sims)[:, 0]
    mix_threshold = _mixture({m: sim.threshold[m][:, None] for m in sim.results}, wmap,
                             n_sims)[:, 0]
    p_ens = float(sum(wmap[m] * probs[m] for m in probs))
    entries = [("model_ensemble", mix_paths, mix_change, mix_threshold, p_ens,
                min(probs.values()), max(probs.values()), "range_of_models", np.nan,
                "weights: " + weights["basis"].iloc[0])]
    z = recalibrated_z(errors, "ensemble", rule.year_set)
    j = rule.target_year - int(sim.data_years[-1]) - 1
    if z is not None:
        target = recalibrate_paths(mix_paths[:, j], z, j + 1)
        met = is_met(rule, target, mix_base)
        lo, hi = wilson_interval(int(np.sum(met)), len(met))
        recal_paths = mix_paths.copy()
        recal_paths[:, j] = target
        entries.append(("ensemble_recalibrated", recal_paths, 100 * (target / mix_base - 1),
                        target_threshold(rule, mix_base), float(np.mean(met)), lo, hi,
                        "monte_carlo_95", np.nan,
                        f"ensemble recalibrated with {len(z)} standardised back-test errors "
                        f"from {z.n_origins} origins known before {rule.year_set}"))
    else:
        known = errors[(errors["model"] == "ensemble")
                       & (errors["target_year"] < rule.year_set)]
        rows.append({"method": "ensemble_recalibrated", "status": "series_too_short",
                     "probability": np.nan, "probability_lower": np.nan,
                     "probability_upper": np.nan, "interval_kind": None, "weight": np.nan,
                     **common, "note": f"only {len(known)} ensemble back-test errors from "
                                       f"{known['origin'].nunique()} origins known before "
                                       f"{rule.year_set}; recalibration needs {MIN_CAL} from "
                                       f"3 origins"})
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


def _pool_row(ensemble: dict, ref: dict) -> dict:
    """The ``ensemble_base_rate_pool`` row from the ensemble's row and the ex-ante reference
    class (:func:`analysis.accidents.calibration.base_rate_pool`). Its bounds are the pool
    over the range of the models (the ensemble's bounds) with the base rate fixed, so they
    are of the same kind as the ensemble's (``range_of_models``)."""
    w = POOL_WEIGHT
    return {"method": "ensemble_base_rate_pool", "status": "ok",
            "probability": base_rate_pool(ensemble["probability"], ref["probability"]),
            "probability_lower": base_rate_pool(ensemble["probability_lower"],
                                                ref["probability"]),
            "probability_upper": base_rate_pool(ensemble["probability_upper"],
                                                ref["probability"]),
            "interval_kind": "range_of_models", "weight": np.nan, "n_used": ref["n_used"],
            "data_used": ref["data_used"],
            "note": (f"{w:g} x model_ensemble ({ensemble['probability']:.3f}) + {1 - w:g} x "
                     f"reference_class ({ref['probability']:.3f}, {ref['k_met']} of "
                     f"{ref['n_used']} changes)")}


# --------------------------------------------------------------------------------------------
# Feasibility table


def feasibility_table(rules: Sequence[TargetRule], panel: pd.DataFrame, errors: pd.DataFrame,
                      observations: pd.DataFrame, models: Sequence[str] = MODEL_NAMES,
                      n_sims: int = N_SIMS, seed: int = SEED,
                      regional_rows: Sequence[dict] = ()
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

    ``regional_rows`` are the ``hierarchical_nb`` rows of
    :func:`analysis.accidents.regional.regional_probabilities`, added to their rules.
    """
    rows, fc_rows = [], []
    references: dict[tuple, dict] = {}
    by_target: dict[str, list[dict]] = {}
    for r in regional_rows:
        by_target.setdefault(r["target_id"], []).append(r)
    # Each rule reads only its own place's rows: the panel and the observations are each
    # split by place once rather than filtered for every rule (3,000 rules at 1,000 plans).
    panel_by_place = dict(tuple(panel.groupby("geo_zh", sort=False)))
    observations_by_place = dict(tuple(observations.groupby("geo_zh", sort=False)))
    for rule in rules:
        place_panel = panel_by_place.get(rule.geography_zh, panel.iloc[:0])
        place_observations = observations_by_place.get(rule.geography_zh,
                                                       observations.iloc[:0])
        rule_cols = {
            "target_id": rule.target_id, "source": rule.source, "doc_id": rule.doc_id or None,
            "plan": rule.plan or None, "label": rule.label, "geography_zh": rule.geography_zh,
            "geography_en": rule.geography_en, "indicator": rule.indicator,
            "comparator": rule.comparator, "required_change_pct": rule.required_change_pct,
            "baseline_rule": rule.baseline_rule,
            "base_years": ";".join(map(str, rule.base_years)) or None,
            "target_year": rule.target_year, "year_set": rule.year_set,
        }
        outcome = observed_outcome(rule, place_panel, place_observations)
        sim = simulate_rule(rule, place_panel, models, n_sims, seed)
        model_rows, model_fc = model_probabilities(sim, errors, n_sims)
        fc_rows.extend(model_fc)
        for r in model_rows:
            rows.append({**rule_cols, **r, **outcome})
        for r in by_target.get(rule.target_id, []):
            clean = {k: v for k, v in r.items()
                     if not k.startswith("_") and k not in ("target_id", "indicator_used")}
            rows.append({**rule_cols, **clean, **outcome})
            if "_target_draws" in r:
                q = np.quantile(r["_target_draws"], [0.5, 0.1, 0.9, 0.025, 0.975])
                fc_rows.append({"target_id": rule.target_id, "method": "hierarchical_nb",
                                "year": rule.target_year, "median": q[0], "lower80": q[1],
                                "upper80": q[2], "lower95": q[3], "upper95": q[4]})
        ensemble = next((r for r in model_rows if r["method"] == "model_ensemble"
                         and r["status"] == "ok"), None)
        for method, as_of in (("reference_class", rule.year_set - 1),
                              ("reference_class_all_years", None)):
            key = reference_key(rule, as_of)
            if key not in references:  # many targets share a form: each is computed once
                references[key] = reference_class(rule, observations, as_of)
            ref = references[key]
            if method == "reference_class" and ensemble is not None and ref["status"] == "ok":
                rows.append({**rule_cols, **_pool_row(ensemble, ref), **outcome})
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
