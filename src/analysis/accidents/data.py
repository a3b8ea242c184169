"""Work-safety accident statistics: validated loading, source resolution, series segments.

The raw folder ``data/raw/accident_stats/`` holds one row per figure per source
(``national.csv``, ``regional.csv``). :func:`read_accident_rows` checks every row (known
indicator code, the unit that code must carry, a year, a number, and provenance: a
``source_url`` and a ``source_quote``) and derives quality flags from the collector's notes.
:func:`resolve_sources` keeps one row per geography, year and indicator by a single ordered rule
(:data:`RESOLUTION_RULE`) and returns the losing rows separately, so nothing is thrown away.
:func:`series_segments` cuts level series into contiguous runs that never cross the statistical
reform of 2016-01-01, and :func:`coverage_report` says, place by place, what is missing.

Raw files are never modified. A user who adds a province or city from a yearbook adds rows to
``regional.csv`` (or a new ``*.csv`` with the same columns) with ``source_url`` and
``source_quote``; the loader then validates them like every other row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.core.schema import Column, TableSchema

#: Columns every raw accident-statistics file must have, in this order.
RAW_COLUMNS = ("geo_level", "geo_zh", "geo_en", "year", "indicator", "value", "unit",
               "source_url", "source_quote", "note")

#: Raw files holding figures (``national_targets.csv`` holds targets and is read elsewhere).
RAW_FIGURE_FILES = ("national.csv", "regional.csv")

GEO_LEVELS = ("national", "province", "city", "county", "district")

#: First year under the reformed work-safety accident statistics system (NOTES_national.md,
#: caveat 1: the reform took effect on 2016-01-01; 2015 and 2016 are not comparable).
SCOPE_BREAK_YEAR = 2016
SCOPE_PERIODS = ("pre2016", "from2016")


class AccidentDataError(ValueError):
    """A raw accident-statistics row fails validation. The message names file and line."""


@dataclass(frozen=True)
class Indicator:
    """An indicator code of the raw accident statistics.

    Parameters
    ----------
    code : str
        Code used in the ``indicator`` column.
    unit : str
        The only unit allowed for this code.
    kind : str
        ``level_count`` (a count of accidents or deaths), ``rate`` (deaths per unit of
        exposure), ``change_pct`` (a reported percentage change), ``change_abs`` (a reported
        absolute change).
    family : str
        Indicators whose changes may be pooled in a reference class: ``count_all`` (all
        accidents or all deaths), ``count_subscope`` (one sector only), or the code itself for
        rates.
    change_of : str
        For changes: the level indicator the change refers to.
    baseline_rule : str
        For percentage changes: the baseline it was computed against (``previous_year``,
        ``mean_prev_2``, ``mean_prev_3`` or ``period``).
    description : str
        Meaning, in English.
    """

    code: str
    unit: str
    kind: str
    family: str
    description: str
    change_of: str = ""
    baseline_rule: str = ""


def _ind(code, unit, kind, family, description, change_of="", baseline_rule=""):
    return Indicator(code, unit, kind, family, description, change_of, baseline_rule)


#: Every indicator code the raw files may use. A new code must be added here (with its unit)
#: before the loader accepts it, so that units and meanings stay documented.
INDICATORS: dict[str, Indicator] = {i.code: i for i in (
    _ind("deaths_total", "人", "level_count", "count_all",
         "Deaths in all work-safety accidents (生产安全事故死亡人数)"),
    _ind("accidents_total", "起", "level_count", "count_all",
         "Number of work-safety accidents (生产安全事故起数)"),
    _ind("deaths_per_100m_gdp", "人/亿元GDP", "rate", "deaths_per_100m_gdp",
         "Deaths per 100 million yuan of current GDP (亿元GDP生产安全事故死亡率)"),
    _ind("deaths_per_100k_industrial_workers", "人/10万工矿商贸就业人员", "rate",
         "deaths_per_100k_industrial_workers",
         "Deaths per 100,000 industrial, mining and commercial workers (工矿商贸十万人死亡率)"),
    _ind("coal_deaths_per_mt", "人/百万吨煤", "rate", "coal_deaths_per_mt",
         "Coal-mine deaths per million tonnes of coal (煤矿百万吨死亡率)"),
    _ind("road_deaths_per_10k_vehicles", "人/万车", "rate", "road_deaths_per_10k_vehicles",
         "Road-traffic deaths per 10,000 vehicles (道路交通万车死亡率)"),
    _ind("accidents_industrial", "起", "level_count", "count_subscope",
         "Accidents in industry, mining and commerce only (工矿商贸)"),
    _ind("deaths_industrial", "人", "level_count", "count_subscope",
         "Deaths in industry, mining and commerce only (工矿商贸)"),
    _ind("fatal_accidents_industrial", "起", "level_count", "count_subscope",
         "Fatal accidents in industry, mining and commerce incl. construction"),
    _ind("accidents_road_transport", "起", "level_count", "count_subscope",
         "Accidents in road transport only (道路运输)"),
    _ind("deaths_road_transport", "人", "level_count", "count_subscope",
         "Deaths in road transport only (道路运输)"),
    _ind("deaths_road_traffic", "人", "level_count", "count_subscope",
         "Deaths in road traffic only (道路交通)"),
    _ind("accidents_yoy_pct", "%", "change_pct", "count_all",
         "Reported % change of accidents on the previous year", "accidents_total",
         "previous_year"),
    _ind("deaths_yoy_pct", "%", "change_pct", "count_all",
         "Reported % change of deaths on the previous year", "deaths_total", "previous_year"),
    _ind("deaths_industrial_yoy_pct", "%", "change_pct", "count_subscope",
         "Reported % change of industrial deaths on the previous year", "deaths_industrial",
         "previous_year"),
    _ind("accidents_vs_prev2yr_avg_pct", "%", "change_pct", "count_all",
         "Reported % change of accidents on the mean of the two previous years",
         "accidents_total", "mean_prev_2"),
    _ind("deaths_vs_prev2yr_avg_pct", "%", "change_pct", "count_all",
         "Reported % change of deaths on the mean of the two previous years", "deaths_total",
         "mean_prev_2"),
    _ind("accidents_industrial_vs_prev2yr_avg_pct", "%", "change_pct", "count_subscope",
         "Reported % change of industrial accidents on the mean of the two previous years",
         "accidents_industrial", "mean_prev_2"),
    _ind("deaths_industrial_vs_prev2yr_avg_pct", "%", "change_pct", "count_subscope",
         "Reported % change of industrial deaths on the mean of the two previous years",
         "deaths_industrial", "mean_prev_2"),
    _ind("accidents_vs_prev3yr_avg_pct", "%", "change_pct", "count_all",
         "Reported % change of accidents on the mean of the three previous years",
         "accidents_total", "mean_prev_3"),
    _ind("deaths_vs_prev3yr_avg_pct", "%", "change_pct", "count_all",
         "Reported % change of deaths on the mean of the three previous years", "deaths_total",
         "mean_prev_3"),
    _ind("accidents_2021_24_vs_2016_19_pct", "%", "change_pct", "count_all",
         "Reported % change of accidents, total 2021-24 against total 2016-19",
         "accidents_total", "period"),
    _ind("deaths_2021_24_vs_2016_19_pct", "%", "change_pct", "count_all",
         "Reported % change of deaths, total 2021-24 against total 2016-19", "deaths_total",
         "period"),
    _ind("accidents_yoy_change", "起", "change_abs", "count_all",
         "Reported absolute change of accidents on the previous year", "accidents_total",
         "previous_year"),
    _ind("deaths_yoy_change", "人", "change_abs", "count_all",
         "Reported absolute change of deaths on the previous year", "deaths_total",
         "previous_year"),
    _ind("deaths_per_100m_gdp_change", "人/亿元GDP", "change_abs", "deaths_per_100m_gdp",
         "Reported absolute change of the per-GDP death rate on the previous year",
         "deaths_per_100m_gdp", "previous_year"),
)}

#: Level indicators that are counts (Poisson / negative-binomial models apply to these only).
COUNT_INDICATORS = tuple(c for c, i in INDICATORS.items() if i.kind == "level_count")
#: Indicators that form series (levels and rates); changes are observations, not series.
SERIES_KINDS = ("level_count", "rate")

#: Rows read without a URL that are accepted anyway, keyed by (file, geo_en, year, indicator,
#: source_quote). NOTES_national.md: "For 2017 the only Chinese page found (中国电石网) came
#: back without a URL, so source_url is empty. An English corroborating row with a URL is
#: included." Any other row without a URL is an error.
DOCUMENTED_MISSING_URL = frozenset({
    ("national.csv", "China", 2017, "deaths_total", "2017年共发生各类生产安全事故5.3万起、死亡3.8万人"),
    ("national.csv", "China", 2017, "accidents_total",
     "2017年共发生各类生产安全事故5.3万起、死亡3.8万人"),
})

#: Flags that the collector's notes do not carry on the row itself but state in the NOTES
#: files, keyed by (file, geo_en, year, indicator). NOTES_national.md, caveat 3: "January
#: SAWS/MEM conference figures (for example 2016 and 2024) are preliminary".
DOCUMENTED_PRELIMINARY = frozenset({
    ("national.csv", "China", 2024, "deaths_total"),
    ("national.csv", "China", 2024, "accidents_total"),
})

# The flags are read from the collector's note with fixed patterns; the patterns are
# deliberately narrow: "rounding difference" on the precise 0.558 row and "(rounded)" about
# other numbers at the end of the 2014 note must not mark those figures rounded.
_FLAG_PATTERNS = {
    "is_rounded": re.compile(r"^rounded|\brounded to\b|\binteger-rounded\b", re.IGNORECASE),
    "is_preliminary": re.compile(r"\bpreliminary\b", re.IGNORECASE),
    "is_derived": re.compile(r"\bDERIVED\b"),
    "is_partial_year": re.compile(r"\bpartial[ -]year\b", re.IGNORECASE),
    "is_context_only": re.compile(r"\bcontext only\b", re.IGNORECASE),
}

_WAN_NUMBER = re.compile(r"\d(?:\.\d+)?\s*[万萬]")

#: The one rule that picks a row when several sources give the same geography, year and
#: indicator: criteria in this order, the first that separates the rows decides.
RESOLUTION_RULE = (
    ("has_source_url", "a row with a URL beats one without"),
    ("not_derived", "a figure read on a page beats one worked out from other figures"),
    ("not_partial_year", "a full-year figure beats a partial-year one"),
    ("not_preliminary", "a final figure beats a preliminary one"),
    ("not_rounded", "an exact figure beats one rounded to 万 or whole percent"),
    ("significant_digits", "more significant digits beat fewer (0.558 beats 0.56)"),
    ("file_order", "otherwise the row that comes first in the file (national before "
                   "regional) is kept"),
)


def _stats_dir(raw_dir: Path) -> Path:
    raw_dir = Path(raw_dir)
    return raw_dir / "accident_stats" if (raw_dir / "accident_stats").is_dir() else raw_dir


def _significant_digits(text: str) -> int:
    digits = re.sub(r"[^0-9]", "", str(text).split("e")[0]).lstrip("0")
    if "." not in str(text):
        digits = digits.rstrip("0")
    return max(len(digits), 1)


def _fail(file: str, line: int, message: str) -> None:
    raise AccidentDataError(f"{file} line {line}: {message}")


def _validate_raw(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    if tuple(raw.columns) != RAW_COLUMNS:
        raise AccidentDataError(
            f"{file}: columns {list(raw.columns)} differ from the required {list(RAW_COLUMNS)}")
    rows = []
    for offset, rec in enumerate(raw.to_dict("records")):
        line = offset + 2  # header is line 1
        text = {k: ("" if pd.isna(v) else str(v).strip()) for k, v in rec.items()}
        if text["geo_level"] not in GEO_LEVELS:
            _fail(file, line, f"geo_level {text['geo_level']!r} not in {list(GEO_LEVELS)}")
        for col in ("geo_zh", "geo_en"):
            if not text[col]:
                _fail(file, line, f"empty {col}")
        if not re.fullmatch(r"\d{4}", text["year"]):
            _fail(file, line, f"year {text['year']!r} is not a four-digit year")
        year = int(text["year"])
        code = text["indicator"]
        if code not in INDICATORS:
            _fail(file, line, f"unknown indicator code {code!r}; add it to "
                              "analysis.accidents.data.INDICATORS with its unit first")
        if text["unit"] != INDICATORS[code].unit:
            _fail(file, line, f"unit {text['unit']!r} is not the unit of {code} "
                              f"({INDICATORS[code].unit!r})")
        try:
            value = float(text["value"])
        except ValueError:
            _fail(file, line, f"value {text['value']!r} is not a number")
        if not np.isfinite(value):
            _fail(file, line, f"value {text['value']!r} is not finite")
        if INDICATORS[code].kind in SERIES_KINDS and value < 0:
            _fail(file, line, f"negative {code} {value}")
        if not text["source_quote"]:
            _fail(file, line, "empty source_quote: every figure needs the text it was read from")
        key = (file, text["geo_en"], year, code)
        if not text["source_url"] and key + (text["source_quote"],) not in DOCUMENTED_MISSING_URL:
            _fail(file, line, "empty source_url: every figure needs the address it was read at "
                              "(rows without one are accepted only where NOTES document why; "
                              "see analysis.accidents.data.DOCUMENTED_MISSING_URL)")
        flags = {name: bool(p.search(text["note"])) for name, p in _FLAG_PATTERNS.items()}
        # A count quoted in 万 (12.7万, 6.9萬) is rounded whatever the note says; rates are
        # excluded because their units contain 万 (10万人, 万车).
        if INDICATORS[code].kind == "level_count" and _WAN_NUMBER.search(text["source_quote"]):
            flags["is_rounded"] = True
        if key in DOCUMENTED_PRELIMINARY:
            flags["is_preliminary"] = True
        rows.append({
            "geo_level": text["geo_level"], "geo_zh": text["geo_zh"], "geo_en": text["geo_en"],
            "year": year, "indicator": code, "value": value, "unit": text["unit"],
            "indicator_kind": INDICATORS[code].kind,
            "scope_period": scope_period(year),
            **flags,
            "has_source_url": bool(text["source_url"]),
            "significant_digits": _significant_digits(text["value"]),
            "source_file": file, "source_line": line,
            "source_url": text["source_url"] or None,
            "source_quote": text["source_quote"], "note": text["note"] or None,
        })
    return pd.DataFrame(rows)


def scope_period(year: int) -> str:
    """Statistical scope period of a year: ``pre2016`` or ``from2016`` (reform of 2016-01-01)."""
    return "pre2016" if int(year) < SCOPE_BREAK_YEAR else "from2016"


def read_accident_rows(raw_dir: Path) -> pd.DataFrame:
    """Read and validate every raw figure row, one output row per raw row.

    Parameters
    ----------
    raw_dir : Path
        ``data/raw`` (the loader looks in its ``accident_stats`` folder) or that folder itself.
        Besides ``national.csv`` and ``regional.csv``, any other ``*.csv`` there with the raw
        columns (a user's own yearbook series) is read too; ``national_targets.csv`` is not.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`ACCIDENT_PANEL` before resolution plus ``significant_digits``; flags
        ``is_rounded``, ``is_preliminary``, ``is_derived``, ``is_partial_year`` and
        ``is_context_only`` come from fixed patterns in the row's note (and from
        :data:`DOCUMENTED_PRELIMINARY`).

    Raises
    ------
    AccidentDataError
        Naming file and line, for a wrong column set, unknown indicator, wrong unit, a
        non-numeric value, or missing provenance (empty ``source_url`` or ``source_quote``).
    FileNotFoundError
        If ``national.csv`` is missing.
    """
    folder = _stats_dir(raw_dir)
    if not (folder / "national.csv").exists():
        raise FileNotFoundError(f"no national.csv in {folder}: copy shared/data/accident_stats "
                                "into data/raw/accident_stats/")
    extra = sorted(p.name for p in folder.glob("*.csv")
                   if p.name not in RAW_FIGURE_FILES and p.name != "national_targets.csv")
    frames = []
    for name in [*RAW_FIGURE_FILES, *extra]:
        path = folder / name
        if path.exists():
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
            frames.append(_validate_raw(raw, name))
    rows = pd.concat(frames, ignore_index=True)
    rows["file_order"] = np.arange(len(rows))
    return rows


def resolve_sources(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one row per (geo_en, year, indicator) by :data:`RESOLUTION_RULE`.

    Parameters
    ----------
    rows : pandas.DataFrame
        Output of :func:`read_accident_rows`.

    Returns
    -------
    panel : pandas.DataFrame
        One row per geography, year and indicator (schema :data:`ACCIDENT_PANEL`), with the
        number of sources, of distinct values, and the criterion that decided (``resolved_by``:
        ``single_source``, ``identical_values`` or a criterion of the rule).
    alternatives : pandas.DataFrame
        The rows that lost (schema :data:`ACCIDENT_ALTERNATIVES`), with the value kept and the
        criterion they lost on.
    """
    work = rows.copy()
    work["not_derived"] = ~work["is_derived"]
    work["not_partial_year"] = ~work["is_partial_year"]
    work["not_preliminary"] = ~work["is_preliminary"]
    work["not_rounded"] = ~work["is_rounded"]
    work["neg_file_order"] = -work["file_order"]
    criteria = [c for c, _ in RESOLUTION_RULE]
    sort_cols = [("neg_file_order" if c == "file_order" else c) for c in criteria]
    key = ["geo_en", "year", "indicator"]
    work = work.sort_values(key + sort_cols, ascending=[True] * 3 + [False] * len(sort_cols),
                            kind="mergesort")
    winners, losers = [], []
    for _, group in work.groupby(key, sort=True):
        best = group.iloc[0].to_dict()
        same = group[group["value"] == best["value"]]
        # Rounding and preliminarity are properties of the figure: if any source giving the
        # same number says so, the kept number is flagged too (the 2017 English copy of
        # "3.8万" does not say it is rounded, but it is).
        best["is_rounded"] = bool(same["is_rounded"].any())
        best["is_preliminary"] = bool(same["is_preliminary"].any())
        n_values = group["value"].nunique()
        best["n_sources"] = len(group)
        best["n_distinct_values"] = int(n_values)
        if len(group) == 1:
            best["resolved_by"] = "single_source"
        elif n_values == 1:
            best["resolved_by"] = "identical_values"
        else:
            best["resolved_by"] = _deciding_criterion(group.iloc[0], group.iloc[1], sort_cols)
        winners.append(best)
        for _, other in group.iloc[1:].iterrows():
            lost = other.to_dict()
            lost["kept_value"] = best["value"]
            lost["kept_source_line"] = best["source_line"]
            lost["lost_on"] = ("identical_values" if other["value"] == best["value"]
                               else _deciding_criterion(group.iloc[0], other, sort_cols))
            losers.append(lost)
    panel = pd.DataFrame(winners).sort_values(["geo_level", "geo_en", "indicator", "year"],
                                              kind="mergesort", key=_geo_level_key)
    alternatives = pd.DataFrame(losers, columns=list(work.columns) + [
        "kept_value", "kept_source_line", "lost_on"])
    panel = panel[ACCIDENT_PANEL.column_names].reset_index(drop=True)
    alternatives = alternatives[ACCIDENT_ALTERNATIVES.column_names].reset_index(drop=True)
    return panel, alternatives


def _geo_level_key(series: pd.Series) -> pd.Series:
    if series.name == "geo_level":
        return series.map({lvl: i for i, lvl in enumerate(GEO_LEVELS)})
    return series


def _deciding_criterion(best: pd.Series, other: pd.Series, sort_cols: list[str]) -> str:
    for col in sort_cols:
        if best[col] != other[col]:
            return "file_order" if col == "neg_file_order" else col
    return "file_order"


def load_accident_stats(raw_dir: Path) -> pd.DataFrame:
    """Validated tidy panel of accident statistics, one row per geography, year and indicator.

    Parameters
    ----------
    raw_dir : Path
        ``data/raw`` or ``data/raw/accident_stats``.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`ACCIDENT_PANEL`. Rows that lost the source resolution are in
        :func:`load_accident_alternatives`.
    """
    return resolve_sources(read_accident_rows(raw_dir))[0]


def load_accident_alternatives(raw_dir: Path) -> pd.DataFrame:
    """The raw rows that lost the source resolution (schema :data:`ACCIDENT_ALTERNATIVES`)."""
    return resolve_sources(read_accident_rows(raw_dir))[1]


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
        rows.append((rec["jurisdiction_zh"], rec["jurisdiction_en"], rec["admin_level"],
                     rec["doc_id"], "document"))
        if rec["province_zh"] != rec["jurisdiction_zh"]:
            rows.append((rec["province_zh"], f"{rec['province_en']} Province", "province",
                         rec["doc_id"], "parent"))
        parent = rec.get("parent_zh")
        if isinstance(parent, str) and parent not in ("中国", rec["province_zh"]):
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
    for place in known.to_dict("records"):
        for code in indicators:
            sel = panel[(panel["geo_zh"] == place["geo_zh"]) & (panel["indicator"] == code)]
            years = sorted(int(y) for y in sel["year"])
            changes = panel[(panel["geo_zh"] == place["geo_zh"])
                            & panel["indicator"].map(lambda c: INDICATORS[c].change_of == code
                                                     and INDICATORS[c].kind == "change_pct")]
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
                    sorted({str(int(y)) for y in changes["year"]})) or None,
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


_SRC = "data/raw/accident_stats (national.csv, regional.csv) via analysis.accidents.data"

_PANEL_COLUMNS = (
    Column("geo_level", "str", "Administrative level of the geography", GEO_LEVELS, source=_SRC),
    Column("geo_zh", "str", "Geography, Chinese name (全国 for China)", source=_SRC),
    Column("geo_en", "str", "Geography, English name", source=_SRC),
    Column("year", "int", "Calendar year the figure refers to", source=_SRC),
    Column("indicator", "str", "Indicator code (see analysis.accidents.data.INDICATORS)",
           tuple(INDICATORS), source=_SRC),
    Column("value", "float", "The figure, in `unit`", source=_SRC),
    Column("unit", "str", "Unit; each indicator code has exactly one",
           tuple(sorted({i.unit for i in INDICATORS.values()})), source=_SRC),
    Column("indicator_kind", "str", "level_count, rate, change_pct or change_abs",
           ("level_count", "rate", "change_pct", "change_abs"), source="INDICATORS"),
    Column("scope_period", "str", "Statistical scope: before or from the reform of 2016-01-01",
           SCOPE_PERIODS, source="computed from year"),
    Column("is_rounded", "bool", "Note says the page gave a rounded figure (万, whole %)",
           source="pattern on note"),
    Column("is_preliminary", "bool", "Note (or NOTES_national.md caveat 3) says preliminary",
           source="pattern on note; DOCUMENTED_PRELIMINARY"),
    Column("is_derived", "bool", "Worked out from other figures, not read on a page",
           source="pattern on note"),
    Column("is_partial_year", "bool", "Covers only part of the year", source="pattern on note"),
    Column("is_context_only", "bool", "Collector marked the row as context only (pre-2012)",
           source="pattern on note"),
    Column("has_source_url", "bool", "Row has a source URL (false only where NOTES document "
           "why)", source=_SRC),
)
_PROVENANCE_COLUMNS = (
    Column("source_file", "str", "Raw file the row comes from", source=_SRC),
    Column("source_line", "int", "Line in that file (header is line 1)", source=_SRC),
    Column("source_url", "str", "Address the figure was read at", nullable=True, source=_SRC),
    Column("source_quote", "str", "Text showing the number as the page gives it", source=_SRC),
    Column("note", "str", "Collector's note", nullable=True, source=_SRC),
)

ACCIDENT_PANEL = TableSchema(
    name="accident_panel",
    filename="accident_panel.csv",
    description=("Work-safety accident statistics, one row per geography, year and indicator, "
                 "after validation and source resolution (analysis.accidents.data."
                 "load_accident_stats). Where sources disagree, one row is kept by "
                 "RESOLUTION_RULE: URL > not derived > full year > final > exact > more "
                 "significant digits > file order; the others are in "
                 "accident_alternatives.csv."),
    columns=_PANEL_COLUMNS + (
        Column("n_sources", "int", "Raw rows for this geography, year and indicator",
               source="resolve_sources"),
        Column("n_distinct_values", "int", "Distinct values among those rows",
               source="resolve_sources"),
        Column("resolved_by", "str", "What decided between the rows",
               ("single_source", "identical_values") + tuple(c for c, _ in RESOLUTION_RULE),
               source="resolve_sources"),
    ) + _PROVENANCE_COLUMNS,
    primary_key=("geo_en", "year", "indicator"),
    notes=("Scope: national totals before 2016 and from 2016 are on different statistical "
           "bases; never join them into one trend. Per-GDP rates fall with nominal GDP growth "
           "alone.",),
)

ACCIDENT_ALTERNATIVES = TableSchema(
    name="accident_alternatives",
    filename="accident_alternatives.csv",
    description=("Raw accident-statistics rows that lost the source resolution, kept so that "
                 "every figure stays visible (analysis.accidents.data.resolve_sources)."),
    columns=_PANEL_COLUMNS + (
        Column("kept_value", "float", "Value of the row that was kept", source="resolve_sources"),
        Column("kept_source_line", "int", "Line of the kept row", source="resolve_sources"),
        Column("lost_on", "str", "Criterion on which this row lost",
               ("identical_values",) + tuple(c for c, _ in RESOLUTION_RULE),
               source="resolve_sources"),
    ) + _PROVENANCE_COLUMNS,
    primary_key=("source_file", "source_line"),
)

ACCIDENT_COVERAGE = TableSchema(
    name="accident_coverage",
    filename="accident_coverage.csv",
    description=("Missing-data report: for every corpus place (document, province, parent city) "
                 "and every place in the statistics, which years of each level indicator are "
                 "observed and missing, and whether its own series can carry a model "
                 "(analysis.accidents.data.coverage_report)."),
    columns=(
        Column("geo_zh", "str", "Geography, Chinese name", source="manifest.csv; accident panel"),
        Column("geo_en", "str", "Geography, English name", source="manifest.csv; accident panel"),
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

SCHEMAS = (ACCIDENT_PANEL, ACCIDENT_ALTERNATIVES, ACCIDENT_COVERAGE, SERIES_SEGMENTS)
