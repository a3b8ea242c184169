"""Calibration of the feasibility probabilities on historical pseudo-targets.
:func:`pseudo_target_forms` lists the distinct target forms among the rules;
:func:`calibration_table` replays them on every back-test fit whose series shows the
outcome, giving each method's probability (each model, the ensemble, the ex-ante reference
class) beside what happened, without fitting any model again; :func:`brier_scores` scores
the methods against the reference class, and :func:`reliability_table` gives the data of a
reliability diagram.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.accidents.backtest import OriginForecast
from analysis.accidents.indicators import INDICATORS
from analysis.accidents.recalibration import (mixture_paths, recalibrate_paths,
                                              recalibrated_z, stacking_weights)
from analysis.accidents.reference import ReferenceRates, wilson_interval
from analysis.accidents.tables import CALIBRATION, METHODS
from analysis.accidents.targets import TargetRule, is_met


def pseudo_target_forms(rules: Iterable[TargetRule]) -> pd.DataFrame:
    """Distinct target forms among the rules, to be replayed on historical data.

    A form is the comparator, the required change, the baseline offsets before the target
    year, and the lead: years from the last data year (``year_set - 1``) to the target year.

    Returns
    -------
    pandas.DataFrame
        Columns ``form_id``, ``comparator``, ``required_change_pct``, ``baseline_rule``,
        ``base_offsets`` (tuple), ``lead``, ``target_ids`` (semicolon separated), ``kind``
        (``rate`` if the targets are on rates, else ``count``): a form is replayed only on
        series of its own kind, so rate thresholds are not scored on counts.
    """
    forms: dict[tuple, list[str]] = {}
    for r in rules:
        if r.comparator not in ("decline_by", "below") or not r.base_years:
            continue
        pct = r.required_change_pct if r.comparator == "decline_by" else np.nan
        offsets = tuple(sorted(r.target_year - y for y in r.base_years))
        kind = "rate" if getattr(INDICATORS.get(r.indicator), "kind", "") == "rate" else "count"
        key = (r.comparator, pct, r.baseline_rule, offsets, r.target_year - (r.year_set - 1),
               kind)
        forms.setdefault(key, []).append(r.target_id)
    rows = []
    for (comp, pct, rule, offsets, lead, kind), ids in sorted(
            forms.items(), key=lambda kv: (kv[0][4], kv[0][2], kv[0][0], str(kv[0][1]),
                                           kv[0][5])):
        what = "below baseline" if comp == "below" else f"{pct:+g}%"
        base = "/".join(f"t-{o}" for o in offsets)
        rows.append({"form_id": f"{what} vs mean({base}), lead {lead}, {kind}",
                     "comparator": comp, "required_change_pct": pct, "baseline_rule": rule,
                     "base_offsets": offsets, "lead": lead, "target_ids": ";".join(ids),
                     "kind": kind})
    return pd.DataFrame(rows)


#: Weight of the model ensemble in :func:`base_rate_pool`.
POOL_WEIGHT = 0.5


def base_rate_pool(p_model, p_reference, weight: float = POOL_WEIGHT):
    """Linear pool of the model ensemble's P(met) and the reference class's base rate.

    The models extrapolate the series' own past ("inside view"); the base rate counts how
    often changes of the same form happened in every series ("outside view"). Which one
    scores better depends on the process behind the series (Brier scores of the simulation
    study: the ensemble under damped and broken trends, the base rate under a random walk),
    and the back-test's few outcome-years (13 in 2026) cannot weigh the two, so the weights
    are equal and fixed, not fitted. NaN where either probability is missing.

    Parameters
    ----------
    p_model, p_reference : float or None
        Probabilities of the ensemble and of the reference class (None: missing).
    weight : float
        Weight of the ensemble.
    """
    p_model, p_reference = (np.nan if p is None else float(p) for p in (p_model, p_reference))
    return weight * p_model + (1 - weight) * p_reference


def calibration_table(origin_forecasts: Sequence[OriginForecast], errors: pd.DataFrame,
                      observations: pd.DataFrame, forms: pd.DataFrame) -> pd.DataFrame:
    """Model and base-rate probabilities of every historical pseudo-target, with outcomes.

    For every back-test fit (series segment, origin, model) and every form whose target year
    ``origin + lead`` and base years lie in the segment, the probability is computed from that
    fit's paths exactly as for a real target, and the outcome from the observed values. The
    ensemble mixes the models present at that origin with
    :func:`~analysis.accidents.recalibration.stacking_weights` from the record before
    ``origin + 1`` (``errors``, from :func:`~analysis.accidents.recalibration.forecast_errors`);
    ``ensemble_recalibrated`` recalibrates the mixture with the ensemble's standardised errors
    known by then (no row where there are too few); the base rate is the ex-ante reference
    class at the origin, and ``ensemble_base_rate_pool`` the equal-weight linear pool of the
    ensemble and the base rate (:func:`base_rate_pool`). The fits are reused, so the
    calibration costs no model fitting.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`CALIBRATION`.
    """
    rows = []
    references = ReferenceRates(observations)
    groups: dict[tuple, list[OriginForecast]] = {}
    for of in origin_forecasts:
        groups.setdefault((of.series_id, of.origin), []).append(of)
    for (series_id, origin), fits in groups.items():
        first = fits[0]
        known = dict(zip(first.train_years.tolist(), first.train_values.tolist()))
        known.update(zip(first.actual_years.tolist(), first.actual_values.tolist()))
        series_kind = ("rate" if INDICATORS[first.indicator].kind == "rate" else "count")
        models = [of.result.model for of in fits]
        w = stacking_weights(errors, models, before_year=origin + 1)
        wmap = dict(zip(w["model"], w["weight"]))
        n_paths = len(fits[0].result.paths)
        mix = mixture_paths({of.result.model: of.result.paths for of in fits}, wmap, n_paths)
        z_ens = recalibrated_z(errors, "ensemble", origin + 1)
        for form in forms.to_dict("records"):
            if form.get("kind", series_kind) != series_kind:
                continue
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
            p_ensemble = float(sum(wmap[m] * probs[m] for m in probs))
            rows.append({**base, "method": "model_ensemble", "n_reference": np.nan,
                         "probability": p_ensemble})
            if z_ens is not None:
                j = target_year - origin - 1
                b = np.column_stack([
                    np.full(len(mix), known[y]) if y <= origin else mix[:, y - origin - 1]
                    for y in base_years]).mean(axis=1)
                rows.append({**base, "method": "ensemble_recalibrated", "n_reference": np.nan,
                             "probability": float(np.mean(is_met(
                                 rule, recalibrate_paths(mix[:, j], z_ens, j + 1), b)))})
            ref = references.rate(rule, as_of=origin)
            rows.append({**base, "method": "reference_class", "probability": ref["probability"],
                         "n_reference": ref["n_used"]})
            pooled = base_rate_pool(p_ensemble, ref["probability"])
            if np.isfinite(pooled):
                rows.append({**base, "method": "ensemble_base_rate_pool",
                             "probability": pooled, "n_reference": ref["n_used"]})
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
