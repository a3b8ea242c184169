"""Structural breaks in the national series: the 2016 scope reform as an intervention, and a
change-point test for the slowdown of the decline after about 2010.

:func:`scope_break_effect` fits ``log y = a + b (t - 2016) + c 1[t >= 2016]`` by OLS
(statsmodels) to every year of a national level series across the reform, so ``exp(c) - 1``
estimates the step the reform put into the reported level (with a 95 % interval), given a
common log-linear trend; :func:`changepoints` runs ruptures' PELT with an L2 cost on the yearly
log changes (within scope periods only, the change across the reform left out) and reports
where the mean rate of decline changed, and the mean rate in each regime. With 8-17 changes
the test has little power, and the table says how many changes it rests on.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.accidents.indicators import SCOPE_BREAK_YEAR, SERIES_KINDS
from analysis.core.schema import Column, TableSchema

_ST = "analysis.accidents.structural"


def _national_levels(panel: pd.DataFrame) -> dict[str, pd.DataFrame]:
    nat = panel[(panel["geo_level"] == "national") & panel["indicator_kind"].isin(SERIES_KINDS)
                & (panel["value"] > 0)]
    return {code: g.sort_values("year") for code, g in nat.groupby("indicator", sort=True)}


def scope_break_effect(panel: pd.DataFrame, min_each_side: int = 3) -> pd.DataFrame:
    """Step at the 2016 reform in every national series with enough years on both sides.

    Returns
    -------
    pandas.DataFrame
        Rows of :data:`STRUCTURAL_BREAKS` with ``test == "scope_step_2016"``.
    """
    import statsmodels.api as sm

    rows = []
    for code, g in _national_levels(panel).items():
        years, y = g["year"].to_numpy(), np.log(g["value"].to_numpy())
        after = years >= SCOPE_BREAK_YEAR
        if after.sum() < min_each_side or (~after).sum() < min_each_side:
            continue
        x = np.column_stack([np.ones(len(years)), years - SCOPE_BREAK_YEAR, after.astype(float)])
        res = sm.OLS(y, x).fit()
        lo, hi = res.conf_int(0.05)[2]
        rows.append({"indicator": code, "test": "scope_step_2016", "n": len(years),
                     "years": f"{years.min()}-{years.max()}",
                     "estimate_pct": 100 * np.expm1(res.params[2]),
                     "lower95_pct": 100 * np.expm1(lo), "upper95_pct": 100 * np.expm1(hi),
                     "breakpoints": None, "rate_before_pct": 100 * np.expm1(res.params[1]),
                     "rate_after_pct": 100 * np.expm1(res.params[1]),
                     "note": "common log-linear trend, step at 2016 (OLS)"})
    return pd.DataFrame(rows, columns=STRUCTURAL_BREAKS.column_names)


def changepoints(panel: pd.DataFrame, min_changes: int = 6, min_size: int = 2) -> pd.DataFrame:
    """Change points in the mean yearly log change of every national level series.

    PELT runs on the changes of each scope period alone and on both together (the change
    across the reform left out). The noise variance in the penalty is estimated robustly from
    the median absolute successive difference of the changes (so that a shift in the mean
    does not inflate it), and the penalty is BIC-type, ``2 log(n) sigma^2``.

    Returns
    -------
    pandas.DataFrame
        Rows of :data:`STRUCTURAL_BREAKS` with ``test`` ``pelt_pre2016``, ``pelt_from2016``
        or ``pelt_both``; ``breakpoints`` are the first years of the new regimes.
    """
    import ruptures as rpt

    rows = []
    for code, g in _national_levels(panel).items():
        years, logs = g["year"].to_numpy(), np.log(g["value"].to_numpy())
        ok = (np.diff(years) == 1) & ((years[1:] >= SCOPE_BREAK_YEAR)
                                      == (years[:-1] >= SCOPE_BREAK_YEAR))
        d_all, y_all = np.diff(logs)[ok], years[1:][ok]
        for test, keep in (("pelt_pre2016", y_all < SCOPE_BREAK_YEAR),
                           ("pelt_from2016", y_all >= SCOPE_BREAK_YEAR),
                           ("pelt_both", np.ones(len(y_all), bool))):
            d, d_years = d_all[keep], y_all[keep]
            if len(d) < min_changes:
                continue
            sigma = np.median(np.abs(np.diff(d))) / (0.6745 * np.sqrt(2))
            pen = 2 * np.log(len(d)) * max(float(sigma) ** 2, 1e-8)
            ends = rpt.Pelt(model="l2", min_size=min_size, jump=1).fit(
                d[:, None]).predict(pen=pen)
            starts = [0] + ends[:-1]
            rates = [100 * np.expm1(d[a:b].mean()) for a, b in zip(starts, ends)]
            rows.append({
                "indicator": code, "test": test, "n": len(d),
                "years": f"{d_years.min()}-{d_years.max()}", "estimate_pct": np.nan,
                "lower95_pct": np.nan, "upper95_pct": np.nan,
                "breakpoints": ";".join(str(int(d_years[e])) for e in ends[:-1]) or "none",
                "rate_before_pct": rates[0], "rate_after_pct": rates[-1],
                "note": f"ruptures PELT, L2 cost, penalty 2 log(n) sigma^2 = {pen:.5f} (sigma "
                        "from successive differences); gaps and the 2016 change left out"})
    return pd.DataFrame(rows, columns=STRUCTURAL_BREAKS.column_names)


def structural_breaks(panel: pd.DataFrame) -> pd.DataFrame:
    """Both tests, one table (:data:`STRUCTURAL_BREAKS`)."""
    parts = [t for t in (scope_break_effect(panel), changepoints(panel)) if not t.empty]
    if not parts:
        return pd.DataFrame(columns=STRUCTURAL_BREAKS.column_names)
    return pd.concat(parts, ignore_index=True)


STRUCTURAL_BREAKS = TableSchema(
    name="accident_structural_breaks",
    filename="accident_structural_breaks.csv",
    description=("National accident series: the step the 2016 scope reform put into reported "
                 "levels (intervention term of a log-linear trend) and change points in the mean "
                 "yearly log change (ruptures PELT) (analysis.accidents.structural)."),
    columns=(
        Column("indicator", "str", "Indicator code", source="accident panel"),
        Column("test", "str", "scope_step_2016, or PELT on the changes of pre2016, from2016 "
               "or both", ("scope_step_2016", "pelt_pre2016", "pelt_from2016", "pelt_both"),
               source=_ST),
        Column("n", "int", "Years (step) or yearly changes (PELT) used", source=_ST),
        Column("years", "str", "First-last year used", source=_ST),
        Column("estimate_pct", "float", "Step at 2016, % of the level", nullable=True,
               source=_ST),
        Column("lower95_pct", "float", "95 % interval of the step, lower", nullable=True,
               source=_ST),
        Column("upper95_pct", "float", "95 % interval of the step, upper", nullable=True,
               source=_ST),
        Column("breakpoints", "str", "First years of new regimes of the mean change ('none')",
               nullable=True, source=_ST),
        Column("rate_before_pct", "float", "Yearly change in the first regime (step: the "
               "common trend), %", source=_ST),
        Column("rate_after_pct", "float", "Yearly change in the last regime, %", source=_ST),
        Column("note", "str", "Method", source=_ST),
    ),
    primary_key=("indicator", "test"),
)
