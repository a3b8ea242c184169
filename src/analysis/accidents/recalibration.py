"""Combining and recalibrating the forecasting models from their back-test record.

:func:`forecast_errors` turns every back-test fit into scale-free case records: the
standardised log error ``z = (log actual - log median) / s`` (``s`` the half-width of the
model's own 80 % interval on logs divided by z_0.9, so ``z`` is a standard normal for a
calibrated Gaussian forecaster), the PIT, and the log predictive density (Gaussian kernel
density of the simulated log values, scipy). An ``ensemble`` pseudo-model is added: at each
origin the mixture of the models present, weighted by :func:`stacking_weights`.

:func:`stacking_weights` maximises the mean log score of the mixture over the back-test cases
known before a year (Yao, Vehtari, Simpson and Gelman 2018, *Bayesian Analysis* 13(3)), where
at least ``min_cases`` cases are common to all candidate models; otherwise the weights are
equal and the basis says so.

:func:`recalibrated_z` gives, for a model and a year, the empirical distribution of its
standardised errors on cases whose outcome was known by then (target year before the year),
with the number of distinct forecast origins they come from. Recalibrated intervals are
``median * exp(s * q)`` with ``q`` the Student-t prediction interval of the next error from
those past errors, its degrees of freedom set by the origins, not the cases
(:func:`conformal_quantiles` says why); recalibrated probabilities use the same predictive law
of the target-year value. The errors' spread may grow with the horizon faster than the
model's own intervals do: :func:`horizon_exponent` estimates ``sd(z | h) ~ h ** beta`` from
the same past errors (``beta >= 0``), the law is fitted to the errors brought to one year
ahead and widened back to the horizon asked for. Written by hand because the libraries for this (crepes, mapie) calibrate
scikit-learn regressors on exchangeable splits, whereas here the calibration set must grow
with calendar time (only outcomes known at the origin count), must be pooled across models'
own scales and horizons, and must feed probabilities of targets, not only intervals.
:func:`recalibrated_backtest` applies it to every back-test case whose calibration set is
large enough, so raw and recalibrated coverage are compared on the same cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.accidents.backtest import OriginForecast

_Z90 = stats.norm.ppf(0.9)
#: Fewest past cases for recalibration, and for stacking weights.
MIN_CAL = 8
MIN_STACK = 10
LEVELS = (0.8, 0.95)


def mixture_paths(paths_by_model: Mapping[str, np.ndarray], weights: Mapping[str, float],
                  n: int) -> np.ndarray:
    """Deterministic mixture: model m contributes round(w_m n) of its paths (largest
    remainders break ties), so the mixture of i.i.d. path sets is exact up to rounding."""
    names = list(paths_by_model)
    w = np.array([weights[m] for m in names], float)
    raw = w / w.sum() * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="mergesort")
    counts[order[: n - counts.sum()]] += 1
    return np.concatenate([paths_by_model[m][:c] for m, c in zip(names, counts)], axis=0)


def _case_records(paths: np.ndarray, actual_years, actual_values, key: dict) -> list[dict]:
    k = len(actual_values)
    logs = np.log(np.maximum(paths[:, :k], 1e-12))
    y = np.log(np.asarray(actual_values, float))
    lo, med, hi = np.quantile(logs, [0.1, 0.5, 0.9], axis=0)
    s = np.maximum((hi - lo) / (2 * _Z90), 1e-6)
    sd = logs.std(axis=0)
    # Gaussian kernel density at the outcome, Scott's bandwidth (what scipy's gaussian_kde
    # does in one dimension), for all horizons at once.
    bw = np.maximum(sd, 1e-12) * len(logs) ** -0.2
    dens = np.mean(np.exp(-0.5 * ((y - logs) / bw) ** 2), axis=0) / (bw * np.sqrt(2 * np.pi))
    dens = np.where(sd > 1e-9, dens, 0.0)
    pit = np.mean(logs <= y, axis=0)
    return [{**key, "horizon": j + 1, "target_year": int(actual_years[j]),
             "log_median": float(med[j]), "log_scale": float(s[j]),
             "z": float((y[j] - med[j]) / s[j]), "pit": float(pit[j]),
             "log_density": float(np.log(max(dens[j], 1e-300)))} for j in range(k)]


def forecast_errors(origin_forecasts: Sequence[OriginForecast], n_sims: int,
                    min_stack: int = MIN_STACK) -> pd.DataFrame:
    """Scale-free records of every back-test case, per model and for the stacked ensemble.

    Returns
    -------
    pandas.DataFrame
        Columns ``series_id``, ``model``, ``origin``, ``horizon``, ``target_year``,
        ``log_median``, ``log_scale``, ``z``, ``pit``, ``log_density``, ``weights_basis``.
    """
    rows = []
    groups: dict[tuple, list[OriginForecast]] = {}
    for of in origin_forecasts:
        key = {"series_id": of.series_id, "model": of.result.model, "origin": of.origin,
               "weights_basis": None}
        rows.extend(_case_records(of.result.paths, of.actual_years, of.actual_values, key))
        groups.setdefault((of.series_id, of.origin), []).append(of)
    single = pd.DataFrame(rows)
    for (series_id, origin), fits in groups.items():
        models = [of.result.model for of in fits]
        w = stacking_weights(single, models, before_year=origin + 1, min_cases=min_stack)
        paths = mixture_paths({of.result.model: of.result.paths for of in fits},
                              dict(zip(w["model"], w["weight"])), n_sims)
        key = {"series_id": series_id, "model": "ensemble", "origin": origin,
               "weights_basis": w["basis"].iloc[0]}
        rows.extend(_case_records(paths, fits[0].actual_years, fits[0].actual_values, key))
    return pd.DataFrame(rows)


_CACHE: dict = {}


def _cached(errors: pd.DataFrame, what: str, build):
    """Per-table cache of derived arrays (the same errors table is queried hundreds of
    times). The entry holds the table itself and is used only for that very object: an
    ``id`` alone can be reused by a new table once the old one is freed (a test built a
    second table with equal z, origins and years but other densities and was served the
    first table's arrays), and a table that is alive in the cache cannot lose its ``id``."""
    key = (what, id(errors))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is errors and hit[1] == len(errors):
        return hit[2]
    if len(_CACHE) > 64:
        _CACHE.clear()
    value = build()
    _CACHE[key] = (errors, len(errors), value)
    return value


def _wide_density(errors: pd.DataFrame):
    wide = errors.pivot_table(index=["series_id", "origin", "horizon"], columns="model",
                              values="log_density", aggfunc="first")
    years = errors.drop_duplicates(["series_id", "origin", "horizon"]).set_index(
        ["series_id", "origin", "horizon"])["target_year"].reindex(wide.index).to_numpy()
    return {m: i for i, m in enumerate(wide.columns)}, wide.to_numpy(), years


def stacking_weights(errors: pd.DataFrame, models: Sequence[str], before_year: int | None,
                     min_cases: int = MIN_STACK) -> pd.DataFrame:
    """Weights maximising the mean log score of the mixture on past common cases.

    Models with fewer than ``min_cases`` cases of their own before ``before_year`` cannot be
    weighted by their record and are left out of the stack (weight 0, named in the basis) if
    at least two others share ``min_cases`` cases; otherwise all weights are equal. The
    maximisation is the EM algorithm for mixture weights (the log score of a mixture is
    concave in its weights, so EM converges to the optimum).

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``weight``, ``n_cases``, ``basis``.
    """
    models = list(dict.fromkeys(models))
    col, wide, years = _cached(errors, "wide", lambda: _wide_density(errors))
    past = wide[years < before_year] if before_year is not None else wide
    counts = {m: int(np.sum(~np.isnan(past[:, col[m]]))) for m in models if m in col}
    kept = [m for m in models if counts.get(m, 0) >= min_cases]
    logd = past[:, [col[m] for m in kept]] if kept else np.empty((0, 0))
    logd = logd[~np.isnan(logd).any(axis=1)] if kept else logd
    n = len(logd)
    when = f" before {before_year}" if before_year is not None else ""
    if n < min_cases or len(kept) < 2:
        return pd.DataFrame({"model": models, "weight": 1.0 / len(models), "n_cases": n,
                             "basis": f"equal ({len(kept)} of {len(models)} models with "
                                      f"{min_cases}+ back-test cases{when}, {n} common cases; "
                                      f"stacking needs 2 models and {min_cases} cases)"})
    left_out = [m for m in models if m not in kept]
    wmap = dict(zip(kept, _em_weights(np.ascontiguousarray(logd))))
    note = f"; without a record, weight 0: {', '.join(left_out)}" if left_out else ""
    return pd.DataFrame({"model": models,
                         "weight": [round(float(wmap.get(m, 0.0)), 10) for m in models],
                         "n_cases": n,
                         "basis": f"stacking on log score over {n} common back-test "
                                  f"cases{when} of {len(kept)} models{note}"})


_EM_MEMO: dict = {}


def _em_weights(logd: np.ndarray) -> np.ndarray:
    """Mixture weights maximising the mean log score of the columns' densities (EM).

    Kept by the bytes of the cases' log densities: the ensemble's weights at an origin are
    asked for by :func:`forecast_errors` and again by the calibration table, from tables that
    differ only in the ensemble's own rows, so the same cases come twice. The ufuncs are
    called directly (``np.add.reduce / n`` is what ``ndarray.mean`` computes, bit for bit)
    because EM often runs its 1,000 steps on a few dozen cases, where the wrappers around
    them cost more than the arithmetic."""
    key = (logd.shape, logd.dtype.str, logd.tobytes())
    hit = _EM_MEMO.get(key)
    if hit is not None:
        return hit.copy()
    n = len(logd)
    dens = np.exp(logd - logd.max(axis=1, keepdims=True))
    w = np.full(logd.shape[1], 1.0 / logd.shape[1])
    add = np.add.reduce
    resp = np.empty_like(dens)
    for _ in range(1000):
        np.multiply(dens, w, out=resp)
        resp /= add(resp, axis=1, keepdims=True)
        new = add(resp, axis=0) / n
        if np.abs(new - w).max() < 1e-9:
            w = new
            break
        w = new
    # Only the two calls of one origin share cases (a world's cases are its own), so a small
    # store suffices; it is emptied when full rather than kept in order.
    if len(_EM_MEMO) > 4096:
        _EM_MEMO.clear()
    _EM_MEMO[key] = w
    return w.copy()


@dataclass(frozen=True)
class CalibrationSet:
    """Past standardised errors of one model, and how many independent forecasts they are.

    ``z`` is sorted. ``n_origins`` counts the distinct origin years the errors were forecast
    from: the one-to-five-year errors of one origin share its forecast and the years after it,
    so they are far from independent draws (see :func:`conformal_quantiles`).
    """

    z: np.ndarray
    n_origins: int
    #: Growth of the errors' spread with the horizon: ``sd(z | h)`` is taken as proportional
    #: to ``h ** beta`` (:func:`horizon_exponent`); 0 pools all horizons as one law.
    beta: float = 0.0
    #: The errors divided by ``h ** beta`` (sorted): draws of the one-year-ahead law.
    scaled: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.z)


def _as_set(z) -> CalibrationSet:
    """A bare array of errors is taken as independent draws (one origin each), all horizons
    as one law."""
    if isinstance(z, CalibrationSet):
        return z
    z = np.sort(np.asarray(z, float))
    return CalibrationSet(z, len(z))


#: Bounds of the horizon exponent: the model's own intervals may widen too slowly (beta > 0)
#: or too fast (beta < 0), but a handful of origins cannot support a steeper law.
BETA_BOUNDS = (0.0, 1.0)


def horizon_exponent(z: np.ndarray, horizons: np.ndarray) -> float:
    """Exponent ``beta`` of ``sd(z | h) ~ h ** beta`` from past standardised errors.

    The root mean square of the errors at each horizon with two or more of them, regressed
    on the horizon on logs, weighted by the number of errors (moments rather than logs of
    single errors, which an error near zero would swamp); 0 when fewer than two horizons
    qualify, and clipped to :data:`BETA_BOUNDS`. A model whose own intervals widen more
    slowly with the horizon than its errors do (a trend extrapolated without the uncertainty
    of the trend) has ``beta > 0``: pooled over horizons its recalibrated intervals over-cover
    one year ahead and under-cover five years ahead (``forecast_coverage.csv`` before
    2026-11-30: the ensemble 0.95 / 0.85 at one / five years on simulated random walks).
    """
    z = np.asarray(z, float)
    horizons = np.asarray(horizons, float)
    hs, counts = np.unique(horizons, return_counts=True)
    keep = counts >= 2
    if keep.sum() < 2:
        return 0.0
    hs, counts = hs[keep], counts[keep]
    rms = np.array([np.sqrt(np.mean(z[horizons == h] ** 2)) for h in hs])
    if np.any(rms <= 0):
        return 0.0
    x, y, w = np.log(hs), np.log(rms), counts.astype(float)
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    beta = np.sum(w * (x - xm) * (y - ym)) / np.sum(w * (x - xm) ** 2)
    return float(np.clip(beta, *BETA_BOUNDS))


def recalibrated_z(errors: pd.DataFrame, model: str, before_year: int,
                   min_cal: int = MIN_CAL) -> CalibrationSet | None:
    """Standardised errors of ``model`` on cases with outcomes known before ``before_year``
    (sorted, with their number of distinct origin years), or None if there are fewer than
    ``min_cal`` cases or fewer than 3 origins."""
    by_model = _cached(errors, "z", lambda: {
        m: (g["target_year"].to_numpy(), g["z"].to_numpy(), g["origin"].to_numpy(),
            g["horizon"].to_numpy() if "horizon" in g else np.ones(len(g), int))
        for m, g in errors.groupby("model", sort=False)})
    if model not in by_model:
        return None
    years, z, origins, horizons = by_model[model]
    known = years < before_year
    n_origins = len(np.unique(origins[known]))
    if known.sum() < min_cal or n_origins < 3:
        return None
    beta = horizon_exponent(z[known], horizons[known])
    scaled = np.sort(z[known] / horizons[known].astype(float) ** beta)
    return CalibrationSet(np.sort(z[known]), n_origins, beta, scaled)


def _t_law(z, horizon: int = 1) -> tuple[float, float, int]:
    """Location, scale and degrees of freedom of the predictive law of the next error at
    ``horizon`` years ahead."""
    cal = _as_set(z)
    k = cal.n_origins
    draws = cal.z if cal.scaled is None else cal.scaled
    grow = float(horizon) ** cal.beta
    return (float(draws.mean()) * grow, float(draws.std(ddof=1) * np.sqrt(1 + 1 / k)) * grow,
            k - 1)


@lru_cache(maxsize=4096)
def _t_quantile(q: float, df: int) -> float:
    """Student-t quantile, kept: the back-test asks for the same few (level, origins) at
    every model, origin and horizon (45,600 scipy calls, 3.4 of 42 CPU seconds of the
    simulation study at 20 worlds, before it was kept)."""
    return float(stats.t.ppf(q, df))


def conformal_quantiles(z, level: float, horizon: int = 1) -> tuple[float, float]:
    """Central interval of ``level`` for the next standardised error.

    The Student-t prediction interval of a new draw from the errors' location-scale law,
    ``mean +- t_{k-1} sd sqrt(1 + 1/k)``, with ``k`` the number of distinct origins behind the
    errors (``z`` a :class:`CalibrationSet`; a bare array counts each error as its own origin).
    With independent Gaussian errors and ``k = n`` the interval is exact at any n; with 8-20
    past errors the split-conformal interval cannot reach 95 % (it needs n >= 19 to be finite
    and is capped at the sample range otherwise), and this one also keeps the shift of the
    mean (a biased model is moved, not only widened). Counting origins rather than cases
    matters: an origin's errors at one to five years ahead move together, and with the
    cases' count the ensemble's intervals under-cover in the simulation study (rows
    ``recalibrated_iid`` against ``recalibrated`` of ``forecast_coverage.csv``).

    The errors are first brought to one year ahead (divided by ``h ** beta``, see
    :func:`horizon_exponent`) and the interval is widened back to ``horizon``."""
    mu, scale, df = _t_law(z, horizon)
    half = _t_quantile(0.5 + level / 2, df) * scale
    return float(mu - half), float(mu + half)


def recalibrated_draws(z, n: int = 2000, horizon: int = 1) -> np.ndarray:
    """``n`` deterministic quantiles of the same predictive law of the next error at
    ``horizon`` years ahead."""
    u = (np.arange(n) + 0.5) / n
    mu, scale, df = _t_law(z, horizon)
    return mu + stats.t.ppf(u, df) * scale


def recalibrated_backtest(errors: pd.DataFrame, backtest: pd.DataFrame,
                          min_cal: int = MIN_CAL) -> pd.DataFrame:
    """Raw and recalibrated interval hits for every back-test case, per model and ensemble.

    The calibration set of a case made at origin t is the model's own cases with target year
    <= t. Cases with fewer than ``min_cal`` such cases get no recalibrated interval
    (``recalibrated`` false).

    Returns
    -------
    pandas.DataFrame
        Columns ``series_id``, ``model``, ``origin``, ``horizon``, ``target_year``, ``n_cal``,
        ``n_cal_origins``, ``recalibrated``, ``in80_raw``, ``in95_raw``, ``in80_recal``,
        ``in95_recal``, and ``in80_recal_iid``, ``in95_recal_iid`` for the same calibration
        set with its errors counted as independent draws (the recalibration before
        2026-11-29, kept so that the tables show the change on the same cases).
    """
    raw_hits = backtest.set_index(["series_id", "model", "origin", "horizon"])[["in80", "in95"]]
    rows = []
    zs, limits = {}, {}
    limits_iid = {}
    for m, o in errors[["model", "origin"]].drop_duplicates().itertuples(index=False):
        zs[(m, o)] = z = recalibrated_z(errors, m, o + 1, min_cal)
        if z is not None:
            for h in range(1, int(errors["horizon"].max()) + 1):
                limits[(m, o, h)] = {lvl: conformal_quantiles(z, lvl, h) for lvl in (0.8, 0.95)}
            # the same errors counted as independent draws, all horizons as one law (the
            # method before 2026-11-29)
            limits_iid[(m, o)] = {lvl: conformal_quantiles(z.z, lvl) for lvl in (0.8, 0.95)}
    for rec in errors.to_dict("records"):
        key = (rec["series_id"], rec["model"], rec["origin"], rec["horizon"])
        z = zs[(rec["model"], rec["origin"])]
        if rec["model"] == "ensemble":
            # The ensemble has no back-test row of its own: its raw hits come from its PIT.
            in80 = bool(0.1 <= rec["pit"] <= 0.9)
            in95 = bool(0.025 <= rec["pit"] <= 0.975)
        else:
            in80, in95 = (bool(v) for v in raw_hits.loc[key])
        out = {"series_id": rec["series_id"], "model": rec["model"], "origin": rec["origin"],
               "horizon": rec["horizon"], "target_year": rec["target_year"],
               "n_cal": 0 if z is None else len(z),
               "n_cal_origins": 0 if z is None else z.n_origins,
               "recalibrated": z is not None,
               "in80_raw": in80, "in95_raw": in95, "in80_recal": None, "in95_recal": None,
               "in80_recal_iid": None, "in95_recal_iid": None}
        if z is not None:
            for level, col in ((0.8, "in80_recal"), (0.95, "in95_recal")):
                lo, hi = limits[(rec["model"], rec["origin"], int(rec["horizon"]))][level]
                out[col] = bool(lo <= rec["z"] <= hi)
                lo, hi = limits_iid[(rec["model"], rec["origin"])][level]
                out[col + "_iid"] = bool(lo <= rec["z"] <= hi)
        rows.append(out)
    return pd.DataFrame(rows)


def recalibrate_paths(paths_at_target: np.ndarray, z, horizon: int = 1) -> np.ndarray:
    """Target-year values, ``horizon`` years after the last observed one, under the
    recalibrated predictive ``median * exp(s * e)``, ``e`` from :func:`recalibrated_draws`
    (as many as there are paths)."""
    logs = np.log(np.maximum(paths_at_target, 1e-12))
    lo, med, hi = np.quantile(logs, [0.1, 0.5, 0.9])
    s = max((hi - lo) / (2 * _Z90), 1e-6)
    return np.exp(med + s * recalibrated_draws(z, len(paths_at_target), horizon))
