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

This module re-exports every name it has always had; the code lives in
:mod:`analysis.accidents.indicators` (indicator codes, geography levels, scope periods),
:mod:`analysis.accidents.loader` (validated reading, source resolution) and
:mod:`analysis.accidents.panel` (series segments, series values, corpus places, coverage).
"""
from analysis.accidents.indicators import (  # noqa: F401
    COUNT_INDICATORS, GEO_LEVELS, INDICATORS, SCOPE_BREAK_YEAR, SCOPE_PERIODS, SERIES_KINDS,
    Indicator, _ind, scope_period)
from analysis.accidents.loader import (  # noqa: F401
    ACCIDENT_ALTERNATIVES, ACCIDENT_PANEL, DOCUMENTED_MISSING_URL, DOCUMENTED_PRELIMINARY,
    _FLAG_PATTERNS, _PANEL_COLUMNS, _PROVENANCE_COLUMNS, RAW_COLUMNS, RAW_FIGURE_FILES,
    RESOLUTION_RULE, _SRC, _WAN_NUMBER, AccidentDataError, _deciding_criterion, _fail,
    _geo_level_key, load_accident_alternatives, load_accident_stats, read_accident_rows,
    resolve_sources, _significant_digits, stats_dir, _validate_raw)
from analysis.accidents.panel import (  # noqa: F401
    ACCIDENT_COVERAGE, SERIES_SEGMENTS, corpus_places, coverage_report, _runs, series_segments,
    series_values)
from analysis.core.schema import Column, TableSchema  # noqa: F401


SCHEMAS = (ACCIDENT_PANEL, ACCIDENT_ALTERNATIVES, ACCIDENT_COVERAGE, SERIES_SEGMENTS)
