"""Vocabulary of the work-safety accident statistics: the indicator codes with their units,
kinds and pooling families (:data:`INDICATORS`), the administrative levels of the geographies,
and the statistical reform of 2016-01-01 that splits every series into two scope periods
(:func:`scope_period`). Every other module of :mod:`analysis.accidents` takes these from
here, so that a code, unit or period is defined once.
"""
from __future__ import annotations

from dataclasses import dataclass


GEO_LEVELS = ("national", "province", "city", "county", "district")

#: First year under the reformed work-safety accident statistics system (NOTES_national.md,
#: caveat 1: the reform took effect on 2016-01-01; 2015 and 2016 are not comparable).
SCOPE_BREAK_YEAR = 2016
SCOPE_PERIODS = ("pre2016", "from2016")


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
        absolute change), ``exposure`` (population, GDP: denominators, not forecast).
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
    # Accident classes by deaths (生产安全事故报告和调查处理条例, 2007: 较大 3-9 deaths, 重大
    # 10-29, 特别重大 30+; before 2007 重大 meant 3-9 and 特大 10+, NOTES.md caveat 4). Each is its
    # own pooling family: a class count never stands in for all accidents.
    _ind("accidents_major_larger", "起", "level_count", "accidents_major_larger",
         "Relatively large accidents, 3-9 deaths (较大事故)"),
    _ind("accidents_major", "起", "level_count", "accidents_major",
         "Major accidents, 10-29 deaths (重大事故)"),
    _ind("accidents_extraordinary", "起", "level_count", "accidents_extraordinary",
         "Especially major accidents, 30+ deaths (特别重大事故)"),
    _ind("accidents_major_and_extraordinary", "起", "level_count",
         "accidents_major_and_extraordinary",
         "Major and especially major accidents combined, 10+ deaths (重特大事故); 2006: 特大"),
    _ind("accidents_major_larger_and_above", "起", "level_count",
         "accidents_major_larger_and_above",
         "Relatively large and above combined, 3+ deaths (较大以上事故)"),
    _ind("fatal_accidents_total", "起", "level_count", "count_subscope",
         "Fatal accidents only (亡人事故)"),
    # Exposures: denominators for offsets, never series to forecast.
    _ind("population_10k", "万人", "exposure", "population_10k",
         "Resident population at year end, 10,000 persons (常住人口)"),
    _ind("gdp_100m_yuan", "亿元", "exposure", "gdp_100m_yuan",
         "Gross domestic product at current prices, 100 million yuan (地区生产总值)"),
    _ind("gdp_real_growth_pct", "%", "exposure", "gdp_real_growth_pct",
         "Real GDP growth on the previous year, % (按可比价格计算增长)"),
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
    # Codes of the second gathering pass (raw NOTES_regional_series.md, "New indicator
    # codes"): reported changes kept as context; no model reads them yet.
    *(_ind(f"{cls}_yoy_pct", "%", "change_pct", cls,
           f"Reported % change of {name} on the previous year", cls, "previous_year")
      for cls, name in (("accidents_major_larger", "较大 accidents"),
                        ("accidents_major", "重大 accidents"),
                        ("accidents_major_and_extraordinary", "重特大 accidents"),
                        ("accidents_major_larger_and_above", "较大以上 accidents"))),
    _ind("deaths_per_100m_gdp_yoy_pct", "%", "change_pct", "deaths_per_100m_gdp",
         "Reported % change of the per-GDP death rate on the previous year",
         "deaths_per_100m_gdp", "previous_year"),
    *(_ind(f"{level}_vs_{year}_pct", "%", "change_pct", family,
           f"Reported % change of {level} in the row's year against {year}", level, "period")
      for level, family, years in (
          ("accidents", "count_all", (2012, 2015, 2019)),
          ("deaths", "count_all", (2012, 2015, 2017, 2019, 2020)),
          ("accidents_major_larger_and_above", "accidents_major_larger_and_above", (2015,)),
          ("deaths_per_100m_gdp", "deaths_per_100m_gdp", (2015,)),
          ("deaths_per_100k_industrial_workers", "deaths_per_100k_industrial_workers",
           (2015,)))
      for year in years),
    *(_ind(f"{level}_vs_{code}_pct", "%", "change_pct", "count_all", text, f"{level}_total",
           "period")
      for level in ("accidents", "deaths")
      for code, text in (("13th_fyp", "Reported % change, total 2021-24 against 2016-19"),
                         ("prev3yr", "Reported % change, 3-year total against the previous 3"),
                         ("prev5yr", "Reported % change, 5-year total against the previous 5"))),
    _ind("population_hukou_10k", "万人", "exposure", "population_hukou_10k",
         "Registered (户籍) population, 10,000 persons; not comparable with 常住人口"),
)}

#: Kinds an indicator may have.
INDICATOR_KINDS = ("level_count", "rate", "change_pct", "change_abs", "exposure")

#: Units written differently by sources for the same quantity, mapped to the unit of
#: :data:`INDICATORS` (从业人员 and 就业人员 both mean persons employed).
UNIT_SYNONYMS = {"人/10万工矿商贸从业人员": "人/10万工矿商贸就业人员",
                 "人/亿元": "人/亿元GDP"}

#: Level indicators that are counts (Poisson / negative-binomial models apply to these only).
COUNT_INDICATORS = tuple(c for c, i in INDICATORS.items() if i.kind == "level_count")
#: Indicators that form series (levels and rates); changes are observations, not series.
SERIES_KINDS = ("level_count", "rate")


def scope_period(year: int) -> str:
    """Statistical scope period of a year: ``pre2016`` or ``from2016`` (reform of 2016-01-01)."""
    return "pre2016" if int(year) < SCOPE_BREAK_YEAR else "from2016"
