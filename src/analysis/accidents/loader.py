"""Validated loading of the raw accident statistics and resolution of competing sources.
:func:`read_accident_rows` reads every raw figure row of ``data/raw/accident_stats/``,
checks code, unit, year, number and provenance (naming file and line on failure) and derives
quality flags from the collector's notes; :func:`resolve_sources` keeps one row per
geography, year and indicator by :data:`RESOLUTION_RULE` and returns the losing rows
separately. The schemas of the two resulting tables (:data:`ACCIDENT_PANEL`,
:data:`ACCIDENT_ALTERNATIVES`) live here with the code that produces them.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.accidents.indicators import (GEO_LEVELS, INDICATOR_KINDS, INDICATORS,
                                           SCOPE_PERIODS, SERIES_KINDS, UNIT_SYNONYMS,
                                           scope_period)
from analysis.core.schema import Column, TableSchema

#: Columns every raw accident-statistics file must have, in this order.
RAW_COLUMNS = ("geo_level", "geo_zh", "geo_en", "year", "indicator", "value", "unit",
               "source_url", "source_quote", "note")

#: Raw files holding figures (``national_targets.csv`` holds targets and is read elsewhere).
#: A bad row in one of these stops the build; in any other figure file (``regional_series.csv``,
#: a user's yearbook series) it is skipped, reported by file and line, and listed in
#: ``accident_rejected_rows.csv``, so that a growing collection never breaks the build.
RAW_FIGURE_FILES = ("national.csv", "regional.csv")


class AccidentDataError(ValueError):
    """A raw accident-statistics row fails validation. The message names file and line."""


#: Rows read without a URL that are accepted anyway, keyed by (file, geo_en, year, indicator,
#: source_quote). NOTES_national.md: "For 2017 the only Chinese page found (中国电石网) came
#: back without a URL, so source_url is empty. An English corroborating row with a URL is
#: included." Any other row without a URL is an error.
DOCUMENTED_MISSING_URL = frozenset({
    ("national.csv", "China", 2017, "deaths_total", "2017年共发生各类生产安全事故5.3万起、死亡3.8万人"),
    ("national.csv", "China", 2017, "accidents_total",
     "2017年共发生各类生产安全事故5.3万起、死亡3.8万人"),
    # staging NOTES.md: "National 2017 较大 (613), 重特大 (25) and 特别重大 (1) come from a page
    # returned without a URL (中新网/中国电石网 text); source_url is empty."
    ("regional_series.csv", "China", 2017, "accidents_major_larger",
     "发生较大事故613起、死亡2332人,同比下降18.2%和18.3%"),
    ("regional_series.csv", "China", 2017, "accidents_major_and_extraordinary",
     "发生重特大事故25起,死亡342人,减少7起、228人"),
    ("regional_series.csv", "China", 2017, "accidents_extraordinary",
     "其中特别重大事故1起,同比减少3起"),
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
    "is_partial_year": re.compile(r"\bpartial[ -]year\b|\byear-to-date\b|\bnear-full-year\b",
                                  re.IGNORECASE),
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


def stats_dir(raw_dir: Path) -> Path:
    """The folder of the accident statistics: ``raw_dir/accident_stats``, or ``raw_dir``
    itself when it is that folder."""
    raw_dir = Path(raw_dir)
    return raw_dir / "accident_stats" if (raw_dir / "accident_stats").is_dir() else raw_dir


def _significant_digits(text: str) -> int:
    digits = re.sub(r"[^0-9]", "", str(text).split("e")[0]).lstrip("0")
    if "." not in str(text):
        digits = digits.rstrip("0")
    return max(len(digits), 1)


def _fail(file: str, line: int, message: str) -> None:
    raise AccidentDataError(f"{file} line {line}: {message}")


def _validate_raw(raw: pd.DataFrame, file: str,
                  rejected: list[dict] | None = None) -> pd.DataFrame:
    """Validate raw rows; with ``rejected`` given, a bad row is appended there (file, line,
    problem) and skipped instead of stopping the read."""
    if tuple(raw.columns) != RAW_COLUMNS:
        raise AccidentDataError(
            f"{file}: columns {list(raw.columns)} differ from the required {list(RAW_COLUMNS)}")
    rows = []
    for offset, rec in enumerate(raw.to_dict("records")):
        line = offset + 2  # header is line 1
        try:
            row = _validate_row(rec, file, line)
        except AccidentDataError as err:
            if rejected is None:
                raise
            rejected.append({"source_file": file, "source_line": line,
                             "geo_en": str(rec.get("geo_en", "")),
                             "year": str(rec.get("year", "")),
                             "indicator": str(rec.get("indicator", "")),
                             "problem": str(err).split(": ", 1)[1]})
            continue
        rows.append(row)
    return pd.DataFrame(rows)


def _validate_row(rec: dict, file: str, line: int) -> dict:
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
    text["unit"] = UNIT_SYNONYMS.get(text["unit"], text["unit"])
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
    return {
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
    }


def read_accident_rows(raw_dir: Path, rejected: list[dict] | None = None) -> pd.DataFrame:
    """Read and validate every raw figure row, one output row per raw row.

    Parameters
    ----------
    raw_dir : Path
        ``data/raw`` (the loader looks in its ``accident_stats`` folder) or that folder itself.
        Besides ``national.csv`` and ``regional.csv``, any other ``*.csv`` there with the raw
        columns (``regional_series.csv``, a user's own yearbook series) is read too;
        ``national_targets.csv`` is not.
    rejected : list, optional
        Receives one dict (``source_file``, ``source_line``, ``geo_en``, ``year``,
        ``indicator``, ``problem``) per bad row of a file outside :data:`RAW_FIGURE_FILES`;
        those rows are skipped and one message per file is printed (the count by reason and
        the first lines; the build writes the rows to ``accident_rejected_rows.csv``).
        Without it, such rows are still skipped, and each is printed with file and line.

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
    folder = stats_dir(raw_dir)
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
            if name in RAW_FIGURE_FILES:
                frames.append(_validate_raw(raw, name))
                continue
            bad: list[dict] = []
            frames.append(_validate_raw(raw, name, bad))
            if rejected is None:
                for b in bad:
                    print(f"accident statistics: {b['source_file']} line {b['source_line']} "
                          f"skipped: {b['problem']}", flush=True)
            else:
                if bad:
                    print(_rejection_summary(name, len(raw), bad), flush=True)
                rejected.extend(bad)
    rows = pd.concat(frames, ignore_index=True)
    rows["file_order"] = np.arange(len(rows))
    return rows


def _rejection_summary(name: str, n_rows: int, bad: list[dict], shown: int = 5) -> str:
    """One message for a file's skipped rows, counted by reason (the problem before its first
    colon or semicolon, with quoted values and parentheses left out, so that rows failing the
    same check count together), with the first reasons and lines: the rows themselves go to
    ``accident_rejected_rows.csv``, so a collection with known bad rows does not print a
    line for each of them on every build."""
    def reason(problem: str) -> str:
        head = re.split(r": |; ", problem, maxsplit=1)[0]
        return re.sub(r"\s+", " ", re.sub(r"'[^']*'|\([^)]*\)", "…", head)).strip()

    reasons = Counter(reason(b["problem"]) for b in bad)
    lines = [str(b["source_line"]) for b in bad]
    more = f", … ({len(lines) - shown} more)" if len(lines) > shown else ""
    ranked = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    counted = " | ".join(f"{n} × {text}" for text, n in ranked[:shown])
    if len(ranked) > shown:
        counted += f" | {len(ranked) - shown} more reasons"
    return (f"accident statistics: {name}: {len(bad)} of {n_rows} rows skipped ({counted}); "
            f"lines {', '.join(lines[:shown])}{more}; each is listed with its reason in "
            f"{ACCIDENT_REJECTED.filename}")


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


_SRC = ("data/raw/accident_stats (national.csv, regional.csv, regional_series.csv) via "
        "analysis.accidents.data")

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
    Column("indicator_kind", "str", "level_count, rate, change_pct, change_abs or exposure",
           INDICATOR_KINDS, source="INDICATORS"),
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

ACCIDENT_REJECTED = TableSchema(
    name="accident_rejected_rows",
    filename="accident_rejected_rows.csv",
    description=("Rows of additional accident-statistics files (regional_series.csv and any "
                 "user file) that failed validation and were skipped, with the reason "
                 "(analysis.accidents.loader.read_accident_rows). national.csv and regional.csv "
                 "never appear: a bad row there stops the build."),
    columns=(
        Column("source_file", "str", "Raw file", source=_SRC),
        Column("source_line", "int", "Line in that file (header is line 1)", source=_SRC),
        Column("geo_en", "str", "Geography as written", nullable=True, source=_SRC),
        Column("year", "str", "Year as written", nullable=True, source=_SRC),
        Column("indicator", "str", "Indicator code as written", nullable=True, source=_SRC),
        Column("problem", "str", "Why the row was rejected", source="read_accident_rows"),
    ),
    primary_key=("source_file", "source_line"),
)
