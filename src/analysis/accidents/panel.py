"""The accident panel as series: :func:`series_segments` cuts every level or rate series
into contiguous annual runs that never cross a missing year or the 2016 scope break,
:func:`series_values` returns one series as known up to a year, :func:`corpus_places` lists
the places a corpus document concerns, and :func:`coverage_report` says, place by place and
indicator by indicator, which years are observed and missing and whether a model can be
fitted to the place's own series.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from analysis.accidents.indicators import (GEO_LEVELS, INDICATORS, SCOPE_PERIODS, SERIES_KINDS,
                                           scope_period)
from analysis.core.schema import Column, TableSchema


def series_segments(panel: pd.DataFrame) -> pd.DataFrame:
    """Contiguous annual runs of every level or rate series, never crossing the 2016 break.

    Parameters
    ----------
    panel : pandas.DataFrame
        Schema :data:`ACCIDENT_PANEL`.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``series_id`` (``geo_en:indicator:first-last``), ``geo_level``,
        ``geo_zh``, ``geo_en``, ``indicator``, ``scope_period``, ``start_year``,
        ``end_year``, ``n_years`` (schema :data:`SERIES_SEGMENTS`). A missing year or the
        scope break ends a run, so a run is a series a model may be fitted to as it stands.
    """
    levels = panel[panel["indicator_kind"].isin(SERIES_KINDS)]
    runs = []
    keys = ["geo_level", "geo_zh", "geo_en", "indicator", "scope_period"]
    for key, group in levels.groupby(keys, sort=True):
        years = np.sort(group["year"].to_numpy())
        breaks = np.flatnonzero(np.diff(years) != 1) + 1
        for run in np.split(years, breaks):
            runs.append(dict(zip(keys, key), start_year=int(run[0]), end_year=int(run[-1]),
                             n_years=len(run)))
    out = pd.DataFrame(runs, columns=keys + ["start_year", "end_year", "n_years"])
    out.insert(0, "series_id", out["geo_en"] + ":" + out["indicator"] + ":"
               + out["start_year"].astype(str) + "-" + out["end_year"].astype(str))
    return out.sort_values(["geo_en", "indicator", "start_year"], kind="mergesort",
                           ignore_index=True)


def series_values(panel: pd.DataFrame, geo_zh: str, indicator: str,
                  scope: str | None = None, last_year: int | None = None) -> pd.DataFrame:
    """Years and values of one series (optionally one scope period, up to ``last_year``).

    Returns
    -------
    pandas.DataFrame
        Columns ``year`` (int) and ``value`` (float), sorted by year.
    """
    sel = (panel["geo_zh"] == geo_zh) & (panel["indicator"] == indicator)
    if scope is not None:
        sel &= panel["scope_period"] == scope
    if last_year is not None:
        sel &= panel["year"] <= last_year
    out = panel.loc[sel, ["year", "value"]].sort_values("year", kind="mergesort")
    return out.astype({"year": int, "value": float}).reset_index(drop=True)


def corpus_places(manifest: pd.DataFrame) -> pd.DataFrame:
    """Places a corpus document concerns, with the province and parent city above them.

    Parameters
    ----------
    manifest : pandas.DataFrame
        ``data/raw/manifest.csv`` (columns ``doc_id``, ``jurisdiction_zh``,
        ``jurisdiction_en``, ``admin_level``, ``province_zh``, ``province_en``,
        ``parent_zh``, ``parent_en``).

    Returns
    -------
    pandas.DataFrame
        Columns ``geo_zh``, ``geo_en``, ``geo_level``, ``doc_ids`` (semicolon separated),
        ``role`` (``document`` for the issuing place, ``parent`` for the places above it).
    """
    rows = []
    for rec in manifest.to_dict("records"):
        if rec["jurisdiction_zh"]:  # a plan whose place is not known has no coverage row
            rows.append((rec["jurisdiction_zh"], rec["jurisdiction_en"], rec["admin_level"],
                         rec["doc_id"], "document"))
        # Places the manifest leaves empty (a plan added without its province or parent)
        # are not places: they get no coverage row.
        if rec["province_zh"] and rec["province_zh"] != rec["jurisdiction_zh"]:
            english = f"{rec['province_en']} Province" if rec["province_en"] else ""
            rows.append((rec["province_zh"], english, "province", rec["doc_id"], "parent"))
        parent = rec.get("parent_zh")
        if isinstance(parent, str) and parent and parent not in ("中国", rec["province_zh"]):
            rows.append((parent, rec["parent_en"], "city", rec["doc_id"], "parent"))
    frame = pd.DataFrame(rows, columns=["geo_zh", "geo_en", "geo_level", "doc_id", "role"])
    frame["role_rank"] = (frame["role"] != "document").astype(int)
    frame = frame.sort_values(["geo_zh", "role_rank", "doc_id"], kind="mergesort")
    out = frame.groupby("geo_zh", sort=True).agg(
        geo_en=("geo_en", "first"), geo_level=("geo_level", "first"),
        doc_ids=("doc_id", lambda s: ";".join(sorted(set(s)))),
        role=("role", "first")).reset_index()
    return out


def coverage_report(panel: pd.DataFrame, places: pd.DataFrame,
                    indicators: Iterable[str] = ("accidents_total", "deaths_total",
                                                 "deaths_per_100m_gdp"),
                    first_year: int = 2012, last_year: int = 2025,
                    min_run: int = 4) -> pd.DataFrame:
    """What the data hold and miss, per place and indicator.

    Parameters
    ----------
    panel : pandas.DataFrame
        Schema :data:`ACCIDENT_PANEL`.
    places : pandas.DataFrame
        Columns ``geo_zh``, ``geo_en``, ``geo_level`` (e.g. :func:`corpus_places`), plus any
        other place the caller needs; places in the panel are added automatically.
    indicators : iterable of str
        Level indicators to report.
    first_year, last_year : int
        Window in which missing years are listed.
    min_run : int
        Shortest contiguous run (within one scope period) a model may be fitted to.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`ACCIDENT_COVERAGE`: years observed and missing in the window, the longest
        contiguous run, and whether the place's own series can carry a model
        (``own_series_modelable``); reported percentage changes are counted separately.
    """
    indicators = list(indicators)
    known = places[["geo_zh", "geo_en", "geo_level"]].copy()
    in_panel = panel[["geo_zh", "geo_en", "geo_level"]].drop_duplicates("geo_zh")
    known = pd.concat([known, in_panel[~in_panel["geo_zh"].isin(known["geo_zh"])]],
                      ignore_index=True)
    rows = []
    window = list(range(first_year, last_year + 1))
    # One pass over the panel, then a look-up per place: filtering the panel for every place
    # grew with places x rows (3.5 s for the 1,093 places of 1,000 synthetic plans).
    level_years: dict[tuple, list[int]] = {}
    change_years: dict[tuple, list] = {}
    for geo, code, year in zip(panel["geo_zh"], panel["indicator"], panel["year"]):
        level_years.setdefault((geo, code), []).append(int(year))
        if INDICATORS[code].kind == "change_pct":
            change_years.setdefault((geo, INDICATORS[code].change_of), []).append(year)
    for place in known.to_dict("records"):
        for code in indicators:
            years = sorted(level_years.get((place["geo_zh"], code), []))
            changes = change_years.get((place["geo_zh"], code), [])
            runs = [len(r) for period in SCOPE_PERIODS
                    for r in _runs([y for y in years if scope_period(y) == period])]
            longest = max(runs, default=0)
            rows.append({
                "geo_zh": place["geo_zh"], "geo_en": place["geo_en"],
                "geo_level": place["geo_level"], "indicator": code,
                "n_years_observed": len(years),
                "years_observed": ";".join(map(str, years)) or None,
                "years_missing_in_window": ";".join(
                    str(y) for y in window if y not in years) or None,
                "window": f"{first_year}-{last_year}",
                "longest_run": longest,
                "own_series_modelable": longest >= min_run,
                "n_reported_changes": len(changes),
                "reported_change_years": ";".join(
                    sorted({str(int(y)) for y in changes})) or None,
            })
    out = pd.DataFrame(rows)
    out["level_rank"] = out["geo_level"].map({lvl: i for i, lvl in enumerate(GEO_LEVELS)})
    out = out.sort_values(["level_rank", "geo_en", "indicator"], kind="mergesort")
    return out.drop(columns="level_rank").reset_index(drop=True)


def _runs(years: list[int]) -> list[list[int]]:
    if not years:
        return []
    runs, current = [], [years[0]]
    for y in years[1:]:
        if y == current[-1] + 1:
            current.append(y)
        else:
            runs.append(current)
            current = [y]
    runs.append(current)
    return runs


ACCIDENT_COVERAGE = TableSchema(
    name="accident_coverage",
    filename="accident_coverage.csv",
    description=("Missing-data report: for every corpus place (document, province, parent city) "
                 "and every place in the statistics, which years of each level indicator are "
                 "observed and missing, and whether its own series can carry a model "
                 "(analysis.accidents.data.coverage_report)."),
    columns=(
        Column("geo_zh", "str", "Geography, Chinese name", source="manifest.csv; accident panel"),
        Column("geo_en", "str", "Geography, English name (empty where not known)", nullable=True,
               source="manifest.csv; accident panel"),
        Column("geo_level", "str", "Administrative level", GEO_LEVELS,
               source="manifest.csv; accident panel"),
        Column("indicator", "str", "Level indicator", tuple(INDICATORS), source="argument"),
        Column("n_years_observed", "int", "Years with a level figure", source="accident panel"),
        Column("years_observed", "str", "Those years, semicolon separated", nullable=True,
               source="accident panel"),
        Column("years_missing_in_window", "str", "Years of the window with no figure",
               nullable=True, source="accident panel"),
        Column("window", "str", "Window of years checked", source="argument"),
        Column("longest_run", "int", "Longest run of consecutive years within one scope period",
               source="accident panel"),
        Column("own_series_modelable", "bool", "Longest run is long enough for a model",
               source="coverage_report(min_run)"),
        Column("n_reported_changes", "int", "Reported % changes of this indicator (any baseline)",
               source="accident panel"),
        Column("reported_change_years", "str", "Years of those changes", nullable=True,
               source="accident panel"),
    ),
    primary_key=("geo_zh", "indicator"),
)

SERIES_SEGMENTS = TableSchema(
    name="accident_series_segments",
    filename="accident_series_segments.csv",
    description=("Contiguous annual runs of each level or rate series, cut at missing years and "
                 "at the 2016 scope break (analysis.accidents.data.series_segments)."),
    columns=(
        Column("series_id", "str", "geo_en:indicator:first-last", source="series_segments"),
        Column("geo_level", "str", "Administrative level", GEO_LEVELS, source="accident panel"),
        Column("geo_zh", "str", "Geography, Chinese name", source="accident panel"),
        Column("geo_en", "str", "Geography, English name", source="accident panel"),
        Column("indicator", "str", "Indicator code", tuple(INDICATORS), source="accident panel"),
        Column("scope_period", "str", "Scope period", SCOPE_PERIODS, source="accident panel"),
        Column("start_year", "int", "First year of the run", source="series_segments"),
        Column("end_year", "int", "Last year of the run", source="series_segments"),
        Column("n_years", "int", "Length of the run", source="series_segments"),
    ),
    primary_key=("series_id",),
)
