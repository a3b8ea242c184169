"""Reference-class base rates for accident targets. :func:`change_observations` collects every
observed change of the target forms (on the previous year, on the mean of the two previous
years, on a single earlier base year) from levels within one scope period and from changes
the sources report; :func:`reference_class` gives the share of those changes, pooled over
the indicator's family and optionally only up to a year, that met a rule, with the Wilson
interval of :func:`wilson_interval` and the geographies and years that stand in.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from analysis.accidents.indicators import INDICATORS, SERIES_KINDS
from analysis.accidents.tables import CHANGE_OBSERVATIONS
from analysis.accidents.targets import TargetRule, _form_key


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
                # A zero baseline (a class count with none that year) has no relative change.
                if all(b in vals for b in base) and np.mean([vals[b] for b in base]) > 0:
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


def _rule_reference(rule: TargetRule):
    """Status (``ok``, ``not_modelled`` or ``indicator_not_in_data``), indicator and (baseline
    form, lag) of a rule, as the reference class reads them."""
    form = _form_key(rule)
    ind = INDICATORS.get(rule.indicator)
    if rule.comparator not in ("decline_by", "below") or form is None:
        return "not_modelled", ind, form
    if ind is None or ind.kind not in SERIES_KINDS:
        return "indicator_not_in_data", ind, form
    return "ok", ind, form


def reference_observations(rule: TargetRule, observations: pd.DataFrame,
                           as_of: int | None = None, include_context_only: bool = False
                           ) -> tuple[pd.DataFrame | None, str]:
    """The observed changes that stand in for a rule in :func:`reference_class` (same
    parameters), and a status: ``ok``, ``not_modelled``, ``indicator_not_in_data`` or
    ``no_reference_observations`` (then no rows)."""
    status, ind, form = _rule_reference(rule)
    if status != "ok":
        return None, status
    obs = observations[(observations["family"] == ind.family)
                       & (observations["baseline_rule"] == form[0])
                       & (observations["lag"] == form[1])]
    if ind.family != "count_all":
        obs = obs[obs["indicator"] == rule.indicator]
    if not include_context_only and len(obs):  # an empty table has the column untyped
        obs = obs[~obs["is_context_only"]]
    if as_of is not None:
        obs = obs[obs["year"] <= as_of]
    return (obs, "ok") if len(obs) else (None, "no_reference_observations")


def reference_key(rule: TargetRule, as_of: int | None = None,
                  include_context_only: bool = False) -> tuple:
    """What :func:`reference_class` reads of a rule (with the same observations, rules of one
    key get the same result): comparator, baseline form, indicator, required change and the
    year limit. Callers with many targets compute each key once."""
    return (rule.comparator, _form_key(rule), rule.indicator, rule.required_change_pct, as_of,
            include_context_only)


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
    obs, status = reference_observations(rule, observations, as_of, include_context_only)
    blank = {"probability": np.nan, "probability_lower": np.nan, "probability_upper": np.nan,
             "n_used": 0, "k_met": 0, "data_used": None}
    if status != "ok":
        return {**blank, "status": status}
    n = len(obs)
    met = (obs["change_pct"] <= rule.required_change_pct if rule.comparator == "decline_by"
           else obs["change_pct"] < 0)
    k = int(met.sum())
    lo, hi = wilson_interval(k, n)
    stand_in = "; ".join(
        f"{geo} {_years_text(g['year'])} ({', '.join(sorted(set(g['indicator'])))})"
        for geo, g in obs.groupby("geo_en", sort=True))
    return {"probability": k / n, "probability_lower": lo, "probability_upper": hi,
            "n_used": n, "k_met": k, "data_used": stand_in, "status": "ok"}


class ReferenceRates:
    """The base rate and count of :func:`reference_class` (``probability``, ``n_used``,
    ``k_met``) for many rules against one observations table, from arrays grouped once.

    The calibration table asks for a base rate at every (series, origin, form) of the
    back-test and of each simulated world: thousands of questions against one table, each of
    which :func:`reference_observations` answers with a pandas filter and
    :func:`reference_class` with a text of the places standing in, which the calibration
    does not read. Same rows and the same arithmetic, without context-only rows (tested
    against :func:`reference_class`).

    Parameters
    ----------
    observations : pandas.DataFrame
        :func:`change_observations` (``is_context_only`` must be boolean, as there).
    """

    def __init__(self, observations: pd.DataFrame):
        # An empty table (a panel without level series) has an untyped column; it has no
        # rows to misread.
        if len(observations) and not pd.api.types.is_bool_dtype(observations["is_context_only"]):
            raise TypeError("ReferenceRates needs a boolean is_context_only column (as "
                            f"change_observations gives), not {observations['is_context_only'].dtype}")
        self._groups: dict[tuple, tuple[np.ndarray, ...]] = {}
        kept = observations[~observations["is_context_only"]] if len(observations) \
            else observations
        # The lag is kept as stored: the look-up matches it as == does in
        # reference_observations (1 and 1.0 alike, never the text "1").
        for (family, rule, lag), part in kept.groupby(["family", "baseline_rule", "lag"],
                                                      sort=False):
            self._groups[(family, rule, lag)] = (
                part["indicator"].to_numpy(), part["year"].to_numpy(),
                part["change_pct"].to_numpy(float))

    def rate(self, rule: TargetRule, as_of: int | None = None) -> dict:
        """Base rate of ``rule`` from changes of years up to ``as_of`` (all if None).

        Returns
        -------
        dict
            ``probability`` (NaN without observations), ``n_used``, ``k_met`` and ``status``,
            as :func:`reference_class` gives them.
        """
        blank = {"probability": np.nan, "n_used": 0, "k_met": 0}
        status, ind, form = _rule_reference(rule)
        if status != "ok":
            return {**blank, "status": status}
        group = self._groups.get((ind.family, form[0], form[1]))
        if group is None:
            return {**blank, "status": "no_reference_observations"}
        indicator, year, change = group
        use = np.ones(len(year), bool)
        if ind.family != "count_all":
            use &= indicator == rule.indicator
        if as_of is not None:
            use &= year <= as_of
        n = int(use.sum())
        if n == 0:
            return {**blank, "status": "no_reference_observations"}
        change = change[use]
        met = (change <= rule.required_change_pct if rule.comparator == "decline_by"
               else change < 0)
        k = int(met.sum())
        return {"probability": k / n, "n_used": n, "k_met": k, "status": "ok"}
