"""Rolling-origin back-test of the forecasting models: :func:`rolling_origin_forecasts` fits
every applicable model at every origin of every long-enough series segment,
:func:`backtest_table` turns the fits into one row per forecast (actual, point, 80 % and
95 % limits, errors, log-scale CRPS), :func:`summarise_backtest` gives MAPE, MASE and
coverage per model, :func:`model_weights` turns the record up to a year into ensemble
weights, and :func:`gm11_grade_table` sets the literature's in-sample GM(1,1) grades beside
out-of-sample errors. The schemas of the back-test tables live here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from analysis.accidents.forecast import (GM11_GRADES, MIN_OBS, MODEL_NAMES, N_SIMS, Q80, Q95,
                                         SEED, ForecastResult, forecast_series, model_applies,
                                         stream)
from analysis.accidents.panel import series_segments, series_values
from analysis.core.schema import Column, TableSchema


@dataclass
class OriginForecast:
    """One model fitted at one origin of one series segment, with what happened next."""

    series_id: str
    geo_zh: str
    geo_en: str
    indicator: str
    scope_period: str
    origin: int
    train_years: np.ndarray
    train_values: np.ndarray
    actual_years: np.ndarray
    actual_values: np.ndarray
    result: ForecastResult


def rolling_origin_forecasts(panel: pd.DataFrame, models: Sequence[str] = MODEL_NAMES,
                             min_train: int = MIN_OBS, max_horizon: int = 5,
                             n_sims: int = N_SIMS, seed: int = SEED) -> list[OriginForecast]:
    """Fit every applicable model at every origin of every long-enough series segment.

    Parameters
    ----------
    panel : pandas.DataFrame
        Accident panel (schema ``accident_panel``).
    models : sequence of str
        Model names.
    min_train : int
        Fewest training values; origins run from the ``min_train``-th year of a segment to its
        second-last year, so each origin has at least one actual value to compare.
    max_horizon : int
        Longest horizon evaluated.
    n_sims : int
        Paths per fit.
    seed : int
        Base seed.

    Returns
    -------
    list of OriginForecast
        In the order segment, origin, model. Training data never extend past the origin, and
        segments never cross the 2016 scope break, so no forecast uses later or
        incomparable data. Cost is one fit per (segment, origin, model): linear in the number
        of origins.
    """
    out = []
    segments = series_segments(panel)
    for seg in segments[segments["n_years"] > min_train].to_dict("records"):
        data = series_values(panel, seg["geo_zh"], seg["indicator"], seg["scope_period"])
        data = data[(data["year"] >= seg["start_year"]) & (data["year"] <= seg["end_year"])]
        years, values = data["year"].to_numpy(), data["value"].to_numpy()
        if np.any(values <= 0):
            # Every model works on logs or needs positive values; series with zero counts
            # (accident classes of a province) are left to the partially pooled model.
            continue
        for cut in range(min_train, len(years)):
            h = min(max_horizon, len(years) - cut)
            for model in models:
                if not model_applies(model, years[:cut], seg["indicator"]):
                    continue
                rng = stream(seg["series_id"], model, int(years[cut - 1]), seed=seed)
                res = forecast_series(model, years[:cut], values[:cut], h, n_sims, rng)
                out.append(OriginForecast(
                    seg["series_id"], seg["geo_zh"], seg["geo_en"], seg["indicator"],
                    seg["scope_period"], int(years[cut - 1]), years[:cut], values[:cut],
                    years[cut:cut + h], values[cut:cut + h], res))
    return out


def crps_sample(samples: np.ndarray, observed: float) -> float:
    """Continuous ranked probability score of an empirical predictive sample.

    ``CRPS = E|X - y| - E|X - X'| / 2`` (Gneiting and Raftery 2007, eq. 20), with the second
    term computed exactly from the sorted sample in O(n log n).
    """
    x = np.sort(np.asarray(samples, float))
    n = len(x)
    term1 = np.mean(np.abs(x - observed))
    weights = 2 * np.arange(1, n + 1) - n - 1
    term2 = 2 * np.sum(weights * x) / n ** 2
    return float(term1 - 0.5 * term2)


def backtest_table(origin_forecasts: Sequence[OriginForecast]) -> pd.DataFrame:
    """One row per (series, model, origin, horizon) with actual, forecast and errors.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`BACKTEST`. The MASE scale is the in-sample mean absolute one-step
        naive error of that origin's training data (Hyndman and Koehler 2006).
    """
    rows = []
    for of in origin_forecasts:
        res = of.result
        q = res.quantiles([0.5, Q80[0], Q80[1], Q95[0], Q95[1]])
        scale = float(np.mean(np.abs(np.diff(of.train_values))))
        for j, (year, actual) in enumerate(zip(of.actual_years, of.actual_values)):
            err = res.point[j] - actual
            # CRPS on the log scale: the log-t predictive of the flat-prior models has no
            # mean on the original scale, so CRPS there would be infinite; on logs it is a
            # finite, scale-free score of relative error.
            crps = crps_sample(np.log(np.maximum(res.paths[:, j], 1e-12)), np.log(actual))
            rows.append({
                "series_id": of.series_id, "geo_en": of.geo_en, "indicator": of.indicator,
                "scope_period": of.scope_period, "model": res.model, "origin": of.origin,
                "n_train": len(of.train_years), "horizon": j + 1, "target_year": int(year),
                "actual": float(actual), "forecast": float(res.point[j]),
                "median": q[0, j], "lower80": q[1, j], "upper80": q[2, j],
                "lower95": q[3, j], "upper95": q[4, j],
                "ape": abs(err) / actual * 100, "mase_scale": scale,
                "scaled_error": abs(err) / scale if scale > 0 else np.nan,
                "crps_log": crps,
                "in80": bool(q[1, j] <= actual <= q[2, j]),
                "in95": bool(q[3, j] <= actual <= q[4, j]),
                "fit_warnings": ";".join(res.flags) or None,
            })
    return pd.DataFrame(rows, columns=BACKTEST.column_names)


def summarise_backtest(backtest: pd.DataFrame, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """MAPE, MASE, interval coverage and mean log-scale CRPS per group.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Schema :data:`BACKTEST`.
    by : sequence of str
        Grouping columns (``("model",)`` or ``("model", "horizon")``).

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` + ``n_forecasts``, ``n_series``, ``n_origins``, ``mape``, ``mase``,
        ``coverage80``, ``coverage95``, ``mean_crps_log``; models in :data:`MODELS` order.
    """
    by = list(by)
    grouped = backtest.groupby(by, sort=True)
    out = grouped.agg(
        n_forecasts=("ape", "size"), n_series=("series_id", "nunique"),
        n_origins=("origin", "size"), mape=("ape", "mean"), mase=("scaled_error", "mean"),
        coverage80=("in80", "mean"), coverage95=("in95", "mean"),
        mean_crps_log=("crps_log", "mean")).reset_index()
    out["n_origins"] = grouped.apply(
        lambda g: g[["series_id", "origin"]].drop_duplicates().shape[0],
        include_groups=False).to_numpy()
    if "model" in by:
        out["_order"] = out["model"].map({m: i for i, m in enumerate(MODEL_NAMES)})
        out = out.sort_values(["_order"] + [c for c in by if c != "model"],
                              kind="mergesort").drop(columns="_order")
    return out.reset_index(drop=True)


def model_weights(backtest: pd.DataFrame, models: Sequence[str], before_year: int | None = None,
                  min_forecasts: int = 8) -> pd.DataFrame:
    """Ensemble weights from the back-test record, inversely proportional to mean log CRPS.

    Only forecasts of years before ``before_year`` count (a target set in year Y may only use
    the record available then), and only forecast cases that every model in ``models`` made,
    so the models are compared on the same cases. With fewer than ``min_forecasts`` such cases
    the weights are equal.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Schema :data:`BACKTEST`.
    models : sequence of str
        Candidate models.
    before_year : int, optional
        Use only forecasts whose ``target_year`` is earlier.
    min_forecasts : int
        Fewest common cases needed for record-based weights.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``weight``, ``n_cases``, ``mean_crps_log``, ``basis``.
    """
    models = [m for m in MODEL_NAMES if m in set(models)]
    rows = backtest[backtest["model"].isin(models)]
    if before_year is not None:
        rows = rows[rows["target_year"] < before_year]
    key = ["series_id", "origin", "horizon"]
    counts = rows.groupby(key)["model"].nunique()
    common = counts[counts == len(models)].index
    rows = rows.set_index(key).loc[lambda d: d.index.isin(common)].reset_index()
    n_cases = len(common)
    score = rows.groupby("model")["crps_log"].mean().reindex(models)
    if n_cases >= min_forecasts and len(models) > 0 and np.all(score > 0):
        weight = (1 / score) / (1 / score).sum()
        basis = f"inverse mean log CRPS over {n_cases} common back-test forecasts"
    else:
        weight = pd.Series(1.0 / max(len(models), 1), index=models)
        basis = (f"equal (only {n_cases} common back-test forecasts"
                 + (f" before {before_year}" if before_year is not None else "") + ")")
    return pd.DataFrame({"model": models, "weight": weight.to_numpy(),
                         "n_cases": n_cases, "mean_crps_log": score.to_numpy(),
                         "basis": basis})


def gm11_grade_table(origin_forecasts: Sequence[OriginForecast]) -> pd.DataFrame:
    """In-sample GM(1,1) grades beside the out-of-sample accuracy of the same fits.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`GM11_GRADE_TABLE`: one row per GM(1,1) back-test fit with C, P, grade,
        in-sample MAPE, and the out-of-sample absolute percentage error at horizon 1 and on
        average over all evaluated horizons.
    """
    rows = []
    for of in origin_forecasts:
        res = of.result
        if res.model != "gm11":
            continue
        ape = np.abs(res.point[: len(of.actual_values)] - of.actual_values) / of.actual_values
        rows.append({
            "series_id": of.series_id, "indicator": of.indicator, "origin": of.origin,
            "n_train": len(of.train_years), "a": res.info["a"],
            "c_ratio": res.info["c_ratio"], "p_small_error": res.info["p_small_error"],
            "grade": res.info["grade"], "insample_mape": res.info["insample_mape"],
            "outsample_ape_h1": ape[0] * 100, "outsample_mape": ape.mean() * 100,
            "n_horizons": len(ape),
        })
    return pd.DataFrame(rows, columns=GM11_GRADE_TABLE.column_names)


_FC = "analysis.accidents.models"

BACKTEST = TableSchema(
    name="backtest",
    filename="backtest.csv",
    description=("Rolling-origin back-test of every forecasting model on every accident series "
                 "segment long enough for it: one row per series, model, origin and horizon "
                 "(analysis.accidents.models.backtest_table). Segments never cross the 2016 scope "
                 "break or a missing year."),
    columns=(
        Column("series_id", "str", "Series segment geo_en:indicator:first-last", source=_FC),
        Column("geo_en", "str", "Geography", source="accident panel"),
        Column("indicator", "str", "Indicator code", source="accident panel"),
        Column("scope_period", "str", "Scope period", ("pre2016", "from2016"),
               source="accident panel"),
        Column("model", "str", "Model", MODEL_NAMES, source=_FC),
        Column("origin", "int", "Last year of the training data", source=_FC),
        Column("n_train", "int", "Training values", source=_FC),
        Column("horizon", "int", "Years ahead", source=_FC),
        Column("target_year", "int", "Year forecast", source=_FC),
        Column("actual", "float", "Observed value", source="accident panel"),
        Column("forecast", "float", "Model point forecast", source=_FC),
        Column("median", "float", "Median of simulated paths", source=_FC),
        Column("lower80", "float", "10 % quantile", source=_FC),
        Column("upper80", "float", "90 % quantile", source=_FC),
        Column("lower95", "float", "2.5 % quantile", source=_FC),
        Column("upper95", "float", "97.5 % quantile", source=_FC),
        Column("ape", "float", "Absolute percentage error of the point forecast", source=_FC),
        Column("mase_scale", "float", "In-sample mean absolute one-step naive error",
               source=_FC),
        Column("scaled_error", "float", "|error| / mase_scale", nullable=True, source=_FC),
        Column("crps_log", "float", "CRPS of the simulated predictive distribution of the log "
               "value against the log actual (scale-free; finite for the log-t predictives)",
               source=_FC),
        Column("in80", "bool", "Actual inside the 80 % interval", source=_FC),
        Column("in95", "bool", "Actual inside the 95 % interval", source=_FC),
        Column("fit_warnings", "str", "Warnings caught while fitting, and boundary estimates",
               nullable=True, source=_FC),
    ),
    primary_key=("series_id", "model", "origin", "horizon"),
)

BACKTEST_SUMMARY = TableSchema(
    name="backtest_summary",
    filename="backtest_summary.csv",
    description=("Back-test accuracy per model (all horizons pooled): MAPE, MASE, empirical "
                 "coverage of the 80 % and 95 % intervals, mean log-scale CRPS "
                 "(analysis.accidents.models.summarise_backtest)."),
    columns=(
        Column("model", "str", "Model", MODEL_NAMES, source=_FC),
        Column("n_forecasts", "int", "Forecasts evaluated", source=_FC),
        Column("n_series", "int", "Series segments", source=_FC),
        Column("n_origins", "int", "Distinct (segment, origin) fits", source=_FC),
        Column("mape", "float", "Mean absolute percentage error", source=_FC),
        Column("mase", "float", "Mean absolute scaled error", source=_FC),
        Column("coverage80", "float", "Share of actuals inside the 80 % interval", source=_FC),
        Column("coverage95", "float", "Share of actuals inside the 95 % interval", source=_FC),
        Column("mean_crps_log", "float", "Mean log-scale CRPS (lower is better)", source=_FC),
    ),
    primary_key=("model",),
)

GM11_GRADE_TABLE = TableSchema(
    name="gm11_grades",
    filename="gm11_grades.csv",
    description=("GM(1,1) back-test fits: the literature's in-sample grades (posterior-variance "
                 "ratio C, small-error probability P) beside out-of-sample errors of the same "
                 "fits (analysis.accidents.models.gm11_grade_table)."),
    columns=(
        Column("series_id", "str", "Series segment", source=_FC),
        Column("indicator", "str", "Indicator code", source="accident panel"),
        Column("origin", "int", "Last training year", source=_FC),
        Column("n_train", "int", "Training values", source=_FC),
        Column("a", "float", "Development coefficient", source=_FC),
        Column("c_ratio", "float", "Posterior-variance ratio C (in-sample)", source=_FC),
        Column("p_small_error", "float", "Small-error probability P (in-sample)", source=_FC),
        Column("grade", "str", "Literature grade from C and P",
               tuple(g for g, _, _ in GM11_GRADES) + ("unqualified",), source=_FC),
        Column("insample_mape", "float", "In-sample MAPE, %", source=_FC),
        Column("outsample_ape_h1", "float", "Out-of-sample APE one year ahead, %", source=_FC),
        Column("outsample_mape", "float", "Out-of-sample MAPE over evaluated horizons, %",
               source=_FC),
        Column("n_horizons", "int", "Horizons evaluated", source=_FC),
    ),
    primary_key=("series_id", "origin"),
)

SCHEMAS = (BACKTEST, BACKTEST_SUMMARY, GM11_GRADE_TABLE)
