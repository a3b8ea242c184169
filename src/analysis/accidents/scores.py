"""Scores of the forecasts and probabilities, with their uncertainty.

* :func:`coverage_table`: empirical coverage of the 80 % and 95 % intervals by model and
  horizon, raw and recalibrated, with ``n`` and a 95 % block-bootstrap interval that resamples
  whole outcome-years (cases sharing a target year are dependent: the same shock hits every
  origin and every series of that year).
* :func:`brier_table`: Brier score per method with the CORP decomposition of Dimitriadis,
  Gneiting and Jordan (2021, *PNAS* 118(8)): the PAV (isotonic) recalibration of the
  probabilities gives miscalibration ``MCB = BS - BS_pav``, discrimination ``DSC = BS_clim -
  BS_pav`` and uncertainty ``UNC = BS_clim``, so ``BS = MCB - DSC + UNC`` (a Murphy
  decomposition without binning); and a bootstrap over outcome-years of each Brier score and
  of its difference to the ensemble.
* :func:`corp_reliability`: the PAV calibration curve of the CORP reliability diagram.

The isotonic fit is scikit-learn's ``IsotonicRegression``; the bootstrap is written out
because it resamples clusters (outcome-years), which scipy's ``bootstrap`` does not.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.schema import Column, TableSchema

N_BOOT = 400
BOOT_SEED = 14


def _cluster_weights(years: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Case weights of ``n_boot`` resamples of whole clusters (distinct years), shape
    ``(n_boot, n_cases)``: a case's weight is how often its year was drawn."""
    rng = np.random.default_rng(seed)
    uniq, idx = np.unique(years, return_inverse=True)
    draws = rng.integers(0, len(uniq), (n_boot, len(uniq)))
    counts = np.zeros((n_boot, len(uniq)))
    np.add.at(counts, (np.repeat(np.arange(n_boot), len(uniq)), draws.ravel()), 1.0)
    return counts[:, idx]


def _boot_mean(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    return (weights @ x) / weights.sum(axis=1)


def coverage_table(hits: pd.DataFrame, source: str, n_boot: int = N_BOOT,
                   seed: int = BOOT_SEED) -> pd.DataFrame:
    """Coverage by model and horizon, raw and recalibrated, with bootstrap intervals.

    Parameters
    ----------
    hits : pandas.DataFrame
        Output of :func:`analysis.accidents.recalibration.recalibrated_backtest`.
    source : str
        ``backtest`` or a simulation label, copied into the table.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`COVERAGE`. ``raw_all`` uses every case; ``raw``, ``recalibrated`` and
        ``recalibrated_iid`` only the cases with a recalibration set, so they compare like
        with like.
    """
    rows = []
    for (model, horizon), g in hits.groupby(["model", "horizon"], sort=True):
        sub = g[g["recalibrated"]]
        for intervals, part, cols in (("raw_all", g, ("in80_raw", "in95_raw")),
                                      ("raw", sub, ("in80_raw", "in95_raw")),
                                      ("recalibrated", sub, ("in80_recal", "in95_recal")),
                                      ("recalibrated_iid", sub,
                                       ("in80_recal_iid", "in95_recal_iid"))):
            if cols[0] not in part.columns:
                continue
            if part.empty:
                continue
            years = part["target_year"].to_numpy()
            weights = _cluster_weights(years, n_boot, seed)
            for level, col in zip((80, 95), cols):
                x = part[col].astype(float).to_numpy()
                stat = _boot_mean(weights, x)
                rows.append({"source": source, "model": model, "horizon": int(horizon),
                             "intervals": intervals, "level": level, "n": len(x),
                             "n_years": len(np.unique(years)), "coverage": float(x.mean()),
                             "lower": float(np.quantile(stat, 0.025)),
                             "upper": float(np.quantile(stat, 0.975))})
    return pd.DataFrame(rows, columns=COVERAGE.column_names)


def cells_within(coverage: pd.DataFrame, model: str = "ensemble", tolerance: float = 0.05
                 ) -> pd.DataFrame:
    """How many horizon × level cells of each source and interval kind cover within
    ``tolerance`` of nominal, for one model (the count the issue's goal is stated in).

    Parameters
    ----------
    coverage : pandas.DataFrame
        Schema :data:`COVERAGE`.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``intervals``, ``cells``, ``within``, ``worst`` (the largest
        distance from nominal).
    """
    part = coverage[coverage["model"] == model]
    gap = (part["coverage"] - part["level"] / 100).abs()
    # a hair of tolerance for floating point: 0.75 = 0.80 - 0.05 counts as within
    within = gap <= tolerance + 1e-9
    grouped = part.assign(within=within, gap=gap).groupby(["source", "intervals"], sort=True)
    return grouped.agg(cells=("gap", "size"), within=("within", "sum"),
                       worst=("gap", "max")).reset_index()


def _pav(p: np.ndarray, o: np.ndarray) -> np.ndarray:
    from sklearn.isotonic import IsotonicRegression

    return IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True,
                              out_of_bounds="clip").fit_transform(p, o)


def corp_decomposition(p: np.ndarray, o: np.ndarray) -> dict:
    """Brier score and its CORP decomposition (MCB, DSC, UNC)."""
    p, o = np.asarray(p, float), np.asarray(o, float)
    bs = float(np.mean((p - o) ** 2))
    bs_pav = float(np.mean((_pav(p, o) - o) ** 2))
    unc = float(np.mean((o.mean() - o) ** 2))
    return {"brier": bs, "mcb": bs - bs_pav, "dsc": unc - bs_pav, "unc": unc}


#: Methods every pseudo-target of the Brier comparison must have.
CORE_METHODS = ("model_ensemble", "reference_class")
#: The method every other is compared with: the pool of the model ensemble and the base
#: rate (it exists wherever both core methods do).
BRIER_REFERENCE = "ensemble_base_rate_pool"
#: Methods whose reliability diagrams the build draws.
RELIABILITY_METHODS = ("model_ensemble", "ensemble_recalibrated", "ensemble_base_rate_pool",
                       "reference_class")


def brier_table(calibration: pd.DataFrame, source: str, reference: str = BRIER_REFERENCE,
                n_boot: int = N_BOOT, seed: int = BOOT_SEED) -> pd.DataFrame:
    """Brier scores with CORP decomposition and outcome-year bootstrap, per method.

    The cases are the pseudo-targets scored by every method of :data:`CORE_METHODS`; a
    method scored on only part of them (a model that needs longer series, the recalibrated
    ensemble once enough errors are known) is scored, and compared with ``reference``, on
    its own part, and ``n`` says how many. ``lead_group`` is ``all``, ``lead 1`` or
    ``lead 2-5``.

    Returns
    -------
    pandas.DataFrame
        Schema :data:`BRIER`.
    """
    cal = calibration.dropna(subset=["probability"])
    wide = cal.pivot_table(index="pseudo_id", columns="method", values="probability",
                           aggfunc="first")
    core = [m for m in CORE_METHODS if m in wide.columns]
    wide = wide.dropna(subset=core)
    meta = cal.drop_duplicates("pseudo_id").set_index("pseudo_id").loc[wide.index]
    rows = []
    lead = meta["lead"].to_numpy()
    for group, mask in (("all", np.ones(len(wide), bool)), ("lead 1", lead == 1),
                        ("lead 2-5", lead > 1)):
        for method in wide.columns:
            sel = mask & wide[method].notna().to_numpy()
            if sel.sum() == 0:
                continue
            p = wide[method].to_numpy()[sel]
            o = meta["outcome"].astype(float).to_numpy()[sel]
            years = meta["target_year"].to_numpy()[sel]
            weights = _cluster_weights(years, n_boot, seed)
            dec = corp_decomposition(p, o)
            bs_b = _boot_mean(weights, (p - o) ** 2)
            row = {"source": source, "lead_group": group, "method": method, "n": len(p),
                   "n_years": len(np.unique(years)), **dec,
                   "brier_lower": float(np.quantile(bs_b, 0.025)),
                   "brier_upper": float(np.quantile(bs_b, 0.975)),
                   "diff_vs_reference": np.nan, "diff_lower": np.nan, "diff_upper": np.nan}
            if reference in wide.columns and method != reference:
                r = wide[reference].to_numpy()[sel]
                d = (p - o) ** 2 - (r - o) ** 2
                d_b = _boot_mean(weights, d)
                row["diff_vs_reference"] = float(d.mean())
                row["diff_lower"] = float(np.quantile(d_b, 0.025))
                row["diff_upper"] = float(np.quantile(d_b, 0.975))
            rows.append(row)
    return pd.DataFrame(rows, columns=BRIER.column_names)


def corp_reliability(calibration: pd.DataFrame, methods: Sequence[str], source: str
                     ) -> pd.DataFrame:
    """Points of the CORP reliability diagram (PAV calibration curve) per method."""
    rows = []
    for method in methods:
        sub = calibration[calibration["method"] == method].dropna(subset=["probability"])
        if sub.empty:
            continue
        sub = sub.sort_values(["probability", "pseudo_id"], kind="mergesort")
        p = sub["probability"].to_numpy()
        o = sub["outcome"].astype(float).to_numpy()
        fit = _pav(p, o)
        for x in np.unique(p):
            sel = p == x
            rows.append({"source": source, "method": method, "probability": float(x),
                         "calibrated": float(fit[sel][0]), "n": int(sel.sum())})
    return pd.DataFrame(rows, columns=RELIABILITY.column_names)


_SC = "analysis.accidents.scores"

COVERAGE = TableSchema(
    name="forecast_coverage",
    filename="forecast_coverage.csv",
    description=("Coverage of the 80 % and 95 % prediction intervals by model and horizon, raw "
                 "and recalibrated from earlier back-test errors, on the back-test and on "
                 "simulated series, with 95 % bootstrap intervals over outcome-years "
                 "(analysis.accidents.scores.coverage_table)."),
    columns=(
        Column("source", "str", "backtest or sim:<process>", source=_SC),
        Column("model", "str", "Model, or ensemble", source=_SC),
        Column("horizon", "int", "Years ahead", source=_SC),
        Column("intervals", "str", "raw_all (every case), raw and recalibrated (the cases "
               "with a recalibration set), recalibrated_iid (the same cases, the errors "
               "counted as independent draws: the recalibration before 2026-11-29, kept for "
               "comparison)", ("raw_all", "raw", "recalibrated", "recalibrated_iid"),
               source=_SC),
        Column("level", "int", "Nominal level, % (80 or 95)", source=_SC),
        Column("n", "int", "Forecast cases", source=_SC),
        Column("n_years", "int", "Distinct outcome-years among them", source=_SC),
        Column("coverage", "float", "Share of outcomes inside the interval", source=_SC),
        Column("lower", "float", "Bootstrap 2.5 % quantile (outcome-years resampled)",
               source=_SC),
        Column("upper", "float", "Bootstrap 97.5 % quantile", source=_SC),
    ),
    primary_key=("source", "model", "horizon", "intervals", "level"),
)

BRIER = TableSchema(
    name="brier_scores",
    filename="brier_scores.csv",
    description=("Brier scores of P(target met) on historical and simulated pseudo-targets, per "
                 "method, with the CORP decomposition (MCB - DSC + UNC) and bootstrap intervals "
                 "over outcome-years; diff_vs_reference > 0 means the pool of the ensemble "
                 "and the base rate scores better (analysis.accidents.scores.brier_table)."),
    columns=(
        Column("source", "str", "backtest or sim:<process>", source=_SC),
        Column("lead_group", "str", "all, lead 1 or lead 2-5", ("all", "lead 1", "lead 2-5"),
               source=_SC),
        Column("method", "str", "Probability method", source=_SC),
        Column("n", "int", "Pseudo-targets scored (those of the ensemble and the base rate "
               "that this method scored too)", source=_SC),
        Column("n_years", "int", "Distinct outcome-years", source=_SC),
        Column("brier", "float", "Brier score (lower is better)", source=_SC),
        Column("mcb", "float", "Miscalibration (CORP)", source=_SC),
        Column("dsc", "float", "Discrimination (CORP)", source=_SC),
        Column("unc", "float", "Uncertainty (CORP)", source=_SC),
        Column("brier_lower", "float", "Bootstrap 2.5 % quantile of the Brier score",
               source=_SC),
        Column("brier_upper", "float", "Bootstrap 97.5 % quantile", source=_SC),
        Column("diff_vs_reference", "float", "Brier(this method) - "
               "Brier(ensemble_base_rate_pool) on the same pseudo-targets: > 0 means the "
               "pool scores better", nullable=True, source=_SC),
        Column("diff_lower", "float", "Bootstrap 2.5 % quantile of that difference",
               nullable=True, source=_SC),
        Column("diff_upper", "float", "Bootstrap 97.5 % quantile", nullable=True, source=_SC),
    ),
    primary_key=("source", "lead_group", "method"),
)

RELIABILITY = TableSchema(
    name="reliability_corp",
    filename="reliability_corp.csv",
    description=("CORP reliability diagram: the PAV (isotonic) recalibration of each method's "
                 "probabilities at every distinct forecast value "
                 "(analysis.accidents.scores.corp_reliability)."),
    columns=(
        Column("source", "str", "backtest or sim:<process>", source=_SC),
        Column("method", "str", "Probability method", source=_SC),
        Column("probability", "float", "Forecast probability", source=_SC),
        Column("calibrated", "float", "PAV-recalibrated probability (observed frequency)",
               source=_SC),
        Column("n", "int", "Pseudo-targets with this forecast", source=_SC),
    ),
    primary_key=("source", "method", "probability"),
)
