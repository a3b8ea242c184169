"""Plan-level inference for domain and instrument shares: group shares and group differences
with plans as the sampled unit (issue 13).

**Estimand.** For a group ``g`` of plans (all plans, one administrative level or one province)
and a code ``d``, ``mu[g, d]`` is the mean, over the plans of ``g``, of the plan's share of its
policy text coded to ``d``. A plan's share is counted in characters of content text
(background passages left out; a clause coded to ``k`` codes gives ``1/k`` of its length to
each: :func:`analysis.text.coding.bootstrap_shares`), because clauses range from a ten-character
heading to a section of two thousand, and counting clauses would give the heading the weight
of the section. Each plan counts once whatever its length. Plans are the sampled unit: the
corpus's plans of ``g`` are taken as a sample of the plans of that level or province, and
``mu`` is the mean of the population they are drawn from. A group difference is
``mu[a, d] - mu[b, d]``. ``coverage`` (share of text in clauses touching ``d`` at all) is
handled the same way.

**Model and intervals.** The estimate is the group mean of plan shares. Its interval is a
t interval with ``n - 1`` degrees of freedom on the logit scale (delta method:
``se(logit ybar) = s / (sqrt(n) ybar (1 - ybar))``), back-transformed, so it stays inside
(0, 1) and is asymmetric near 0, where most shares lie. This is the quasi-binomial
(fractional-logit) GLM of Papke and Wooldridge (1996) with one coefficient per group, plans as
the units and a sandwich variance: its estimate of the group's share is the group mean of plan
shares exactly, and its variance is the one above with the small-sample factor ``n / (n - 1)``
(``tests/test_plan_shares.py`` checks it against statsmodels). Where every plan of a group has
the same share (all zero, say) the interval has zero width. Differences use Welch's t
interval on the plan shares (:func:`scipy.stats.ttest_ind`). The groups are estimated apart,
without pooling between them; a plan of unknown group forms its own group ``(unknown)``.

**What few plans cannot show.** A group with fewer than :data:`MIN_PLANS` plans gets its mean
and no interval, and a difference involving such a group gets the verdict ``not tested``: the
simulation of :mod:`analysis.evaluation.simulate_shares` shows at which sizes the intervals
reach their nominal coverage. With the five seed plans (groups of one or two plans, and five in
all) nothing is tested: the tables describe plans.

Written by hand: the logit-scale delta-method interval (two lines) and the table layout; the
t intervals are scipy's.
"""
from __future__ import annotations

from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.text import coding
from analysis.core.schema import Column, TableSchema

#: Smallest group (in plans) for which intervals are given and differences tested; chosen by
#: the simulation (:mod:`analysis.evaluation.simulate_shares`), see the module docstring.
MIN_PLANS = 8
LEVELS = (0.8, 0.95)
#: Family-wise level of the Bonferroni-adjusted interval of a difference.
ADJUSTED_LEVEL = 0.95
ALL_PLANS = "all plans"
NOT_TESTED = f"not tested (a group has fewer than {MIN_PLANS} plans)"
VERDICTS = ("robust", "nominal only", "within noise", NOT_TESTED)
_EST = "`analysis.text.plan_shares`"


# --------------------------------------------------------------------------------------------
# Plan shares


def plan_shares(prepared: pd.DataFrame, coded: pd.DataFrame, scheme: str = "domain"
                ) -> pd.DataFrame:
    """Length-weighted share and coverage of each code in each plan (point values only).

    The same values as the point estimates of :func:`analysis.text.coding.bootstrap_shares`
    without its resampling, so that many simulated corpora can be coded quickly.

    Parameters
    ----------
    prepared : pandas.DataFrame
        Clauses with ``doc_id``, ``clause_id``, ``n_chars`` (clauses of zero length carry no
        weight).
    coded : pandas.DataFrame
        Long code table (``clause_id``, ``<scheme>``) of :func:`analysis.text.coding.code_clauses`.

    Returns
    -------
    pandas.DataFrame
        ``doc_id``, ``scheme``, ``code`` (codes and :data:`analysis.text.coding.UNCODED`),
        ``share``, ``coverage`` (NaN for ``uncoded``), ``n_chars``; plans sorted.
    """
    labels = coding.codes(scheme)
    indicator = coding.indicator_matrix(prepared, coded, scheme)
    lengths = prepared["n_chars"].to_numpy(dtype=float)
    n_codes = indicator.sum(axis=1)
    allocation = np.where(n_codes[:, None] > 0, indicator / np.maximum(n_codes, 1)[:, None], 0)
    allocation = np.column_stack([allocation, n_codes == 0])
    docs, position = np.unique(prepared["doc_id"].to_numpy(dtype=str), return_inverse=True)
    total = np.bincount(position, weights=lengths, minlength=len(docs))
    share = np.vstack([np.bincount(position, weights=lengths * allocation[:, k],
                                   minlength=len(docs)) for k in range(len(labels) + 1)]).T
    cover = np.vstack([np.bincount(position, weights=lengths * indicator[:, k],
                                   minlength=len(docs)) for k in range(len(labels))]).T
    with np.errstate(invalid="ignore", divide="ignore"):
        share, cover = share / total[:, None], cover / total[:, None]
    cover = np.column_stack([cover, np.full(len(docs), np.nan)])
    n_all = len(labels) + 1
    return pd.DataFrame({"doc_id": np.repeat(docs, n_all), "scheme": scheme,
                         "code": np.tile(labels + [coding.UNCODED], len(docs)),
                         "share": share.ravel(), "coverage": cover.ravel(),
                         "n_chars": np.repeat(total.astype(int), n_all)})


def share_matrix(table: pd.DataFrame, value: str = "share",
                 codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Plans × codes matrix of ``value`` from a per-plan table (:func:`plan_shares` or
    ``domain_shares.csv``), columns in ``codes`` order (default: codes without ``uncoded``)."""
    wide = table.pivot(index="doc_id", columns="code", values=value)
    if codes is None:
        codes = [c for c in coding.codes(table["scheme"].iloc[0])]
    return wide.reindex(columns=list(codes)).sort_index()


# --------------------------------------------------------------------------------------------
# Intervals


def mean_interval(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of plan shares per column with the logit-scale t interval of the module docstring.

    Parameters
    ----------
    values : numpy.ndarray
        Plans × codes shares in [0, 1]; at least two plans for a finite interval.
    level : float
        Nominal coverage, e.g. 0.95.

    Returns
    -------
    mean, low, high : numpy.ndarray
        One value per column (NaN bounds with fewer than two plans).
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    mean = values.mean(axis=0)
    if n < 2:
        nan = np.full(values.shape[1], np.nan)
        return mean, nan, nan
    sd = values.std(axis=0, ddof=1)
    q = stats.t.ppf(0.5 + level / 2, n - 1)
    inside = (mean > 0) & (mean < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.log(mean / (1 - mean))
        half = q * sd / (np.sqrt(n) * mean * (1 - mean))
        low = np.where(inside, 1 / (1 + np.exp(-(centre - half))), mean)
        high = np.where(inside, 1 / (1 + np.exp(-(centre + half))), mean)
    return mean, low, high


def percentile_bounds(draws: np.ndarray, levels: Sequence[float] = LEVELS
                      ) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Level → (low, high) equal-tailed percentile bounds of draws (rows) per column: the one
    definition of a percentile interval for the share modules (the multilevel model, the
    misclassification correction)."""
    return {level: (np.quantile(draws, (1 - level) / 2, axis=0),
                    np.quantile(draws, (1 + level) / 2, axis=0)) for level in levels}


def difference_interval(a: np.ndarray, b: np.ndarray, level: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of column means of two groups of plans with Welch's t interval.

    Columns where both groups have zero variance get a zero-width interval at the difference.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = a.mean(axis=0) - b.mean(axis=0)
    if len(a) < 2 or len(b) < 2:
        nan = np.full(a.shape[1], np.nan)
        return diff, nan, nan
    with np.errstate(divide="ignore", invalid="ignore"):
        ci = stats.ttest_ind(a, b, axis=0, equal_var=False).confidence_interval(level)
    flat = (a.std(axis=0) == 0) & (b.std(axis=0) == 0)
    return diff, np.where(flat, diff, ci.low), np.where(flat, diff, ci.high)


# --------------------------------------------------------------------------------------------
# Tables


def _groups(documents: pd.DataFrame, by: str | None, plans: Sequence[str]) -> dict[str, list]:
    if by is None:
        return {ALL_PLANS: sorted(plans)}
    groups = documents.set_index("doc_id")[by].fillna("").astype(str).replace("", "(unknown)")
    groups = groups[groups.index.isin(list(plans))]
    return {g: sorted(groups.index[groups == g]) for g in sorted(set(groups))}


def group_shares(table: pd.DataFrame, documents: pd.DataFrame, by: str | None = None,
                 value: str = "share", levels: Sequence[float] = LEVELS,
                 min_plans: int = MIN_PLANS) -> pd.DataFrame:
    """Share of each code in each group of plans (mean of plan shares) with its intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-plan shares of one scheme (:func:`plan_shares` or ``domain_shares.csv``).
    documents : pandas.DataFrame
        ``doc_id`` and the grouping column.
    by : str, optional
        ``admin_level``, ``province_en`` or None for all plans together.
    value : str
        ``share`` or ``coverage``.
    min_plans : int
        Groups with fewer plans get no interval (``status`` says so).

    Returns
    -------
    pandas.DataFrame
        ``scheme``, ``comparison`` (``by`` or ``all plans``), ``group``, ``code``,
        ``n_plans``, ``estimate``, ``low_80``/``high_80``, ``low_95``/``high_95`` (for each
        of ``levels``), ``status`` (``estimated`` or ``described only (…)``).
    """
    labels = coding.codes(table["scheme"].iloc[0])
    wide = share_matrix(table, value, labels)
    rows = []
    for group, members in _groups(documents, by, wide.index).items():
        values = wide.loc[members].to_numpy()
        tested = len(members) >= min_plans
        part = pd.DataFrame({"scheme": table["scheme"].iloc[0],
                             "comparison": by or ALL_PLANS, "group": group, "code": labels,
                             "n_plans": len(members)})
        for level in levels:
            mean, low, high = mean_interval(values, level)
            part["estimate"] = mean
            tag = f"{round(level * 100)}"
            part[f"low_{tag}"] = low if tested else np.nan
            part[f"high_{tag}"] = high if tested else np.nan
        part["status"] = "estimated" if tested else f"described only (fewer than {min_plans} plans)"
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def _pairs(names: list[str], by: str) -> list[tuple[str, str]]:
    if by == "admin_level":
        rank = {level: i for i, level in enumerate(coding.ADMIN_ORDER)}
        names = sorted(names, key=lambda g: -rank.get(g, -1))
    return list(combinations(names, 2))


def group_differences(table: pd.DataFrame, documents: pd.DataFrame, by: str = "admin_level",
                      value: str = "share", levels: Sequence[float] = LEVELS,
                      min_plans: int = MIN_PLANS,
                      pairs: Sequence[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Differences of group shares between each pair of groups, with plans as the unit.

    For each pair and code: the difference of group means of plan shares, Welch t intervals
    at each of ``levels`` and a Bonferroni-adjusted interval over all codes and pairs of the
    comparison (family-wise :data:`ADJUSTED_LEVEL`). Differences involving a group of fewer
    than ``min_plans`` plans are described, not tested.

    Returns
    -------
    pandas.DataFrame
        ``comparison``, ``group_a``, ``group_b``, ``n_docs_a``, ``n_docs_b``, ``scheme``,
        ``code``, ``share_a``, ``share_b``, ``difference``, ``ci80_low``, ``ci80_high``,
        ``ci_low``, ``ci_high`` (95%), ``ci_low_adjusted``, ``ci_high_adjusted``,
        ``verdict``: ``robust`` (adjusted interval excludes 0), ``nominal only`` (only the 95%
        interval excludes 0), ``within noise``, or :data:`NOT_TESTED` (bounds then empty).
    """
    scheme = table["scheme"].iloc[0]
    labels = coding.codes(scheme)
    wide = share_matrix(table, value, labels)
    members = _groups(documents, by, wide.index)
    pairs = list(pairs) if pairs is not None else _pairs(list(members), by)
    if not pairs:  # one group only: nothing to compare
        return pd.DataFrame(columns=SHARE_DIFFERENCES.column_names)
    adjusted = 1 - (1 - ADJUSTED_LEVEL) / (len(pairs) * len(labels))
    parts = []
    for a, b in pairs:
        ya, yb = wide.loc[members[a]].to_numpy(), wide.loc[members[b]].to_numpy()
        tested = min(len(ya), len(yb)) >= min_plans
        part = pd.DataFrame({"comparison": by, "group_a": a, "group_b": b,
                             "n_docs_a": len(ya), "n_docs_b": len(yb), "scheme": scheme,
                             "code": labels, "share_a": ya.mean(axis=0),
                             "share_b": yb.mean(axis=0)})
        part["difference"] = part["share_a"] - part["share_b"]
        for name, level in (("ci80", 0.8), ("ci", 0.95), ("adjusted", adjusted)):
            _, low, high = difference_interval(ya, yb, level)
            low_name = "ci_low_adjusted" if name == "adjusted" else f"{name}_low"
            high_name = "ci_high_adjusted" if name == "adjusted" else f"{name}_high"
            part[low_name] = low if tested else np.nan
            part[high_name] = high if tested else np.nan
        excludes = (part["ci_low"] > 0) | (part["ci_high"] < 0)
        adj = (part["ci_low_adjusted"] > 0) | (part["ci_high_adjusted"] < 0)
        part["verdict"] = (np.where(adj, "robust", np.where(excludes, "nominal only",
                                                             "within noise"))
                           if tested else NOT_TESTED)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[SHARE_DIFFERENCES.column_names]


def shares_tables(per_plan: dict[str, pd.DataFrame], documents: pd.DataFrame,
                  validation: dict | None = None, min_plans: int = MIN_PLANS
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``group_shares`` and ``share_differences`` of the build (:data:`GROUP_SHARES`,
    :data:`SHARE_DIFFERENCES`).

    Parameters
    ----------
    per_plan : dict
        Scheme → per-plan shares (``domain_shares`` / ``instrument_shares`` layout).
    documents : pandas.DataFrame
        ``documents.csv``.
    validation : dict, optional
        :func:`analysis.text.misclassification.validation_matrices` of the domain scheme;
        without it the corrected coverage is empty.
    """
    from analysis.text import misclassification as mis

    groupings = (None, "admin_level", "province_en")
    shares, differences = [], []
    rates = None
    if validation is not None:
        rates = (mis.rates(validation["gold"], validation["predicted"], validation["weights"])
                 + mis.beta_rates(validation["gold"], validation["predicted"],
                                  validation["weights"]))
    for scheme, table in per_plan.items():
        if table.empty:               # no plan with policy text: nothing to describe
            continue
        coverage = share_matrix(table, "coverage")
        for by in groupings:
            part = group_shares(table, documents, by, min_plans=min_plans)
            cover = group_shares(table, documents, by, "coverage", levels=(0.95,),
                                 min_plans=min_plans)
            part = part.rename(columns={"estimate": "share"}).rename(
                columns=lambda c: f"share_{c}" if c[:4] in ("low_", "high") else c)
            part["coverage"] = cover["estimate"].to_numpy()
            corrected = np.full((len(part), 3), np.nan)
            if rates is not None and scheme == "domain":
                for group, members in _groups(documents, by, coverage.index).items():
                    rows = (part["group"] == group).to_numpy()
                    est, low, high = mis.correct_mean(coverage.loc[members].to_numpy(), *rates)
                    tested = len(members) >= min_plans
                    corrected[rows] = np.column_stack([est, low if tested else low * np.nan,
                                                       high if tested else high * np.nan])
            part[["coverage_corrected", "coverage_corrected_low",
                  "coverage_corrected_high"]] = corrected
            shares.append(part[GROUP_SHARES.column_names])
            if by is not None:
                differences.append(group_differences(table, documents, by,
                                                     min_plans=min_plans))
    return (pd.concat(shares, ignore_index=True) if shares
            else pd.DataFrame(columns=GROUP_SHARES.column_names),
            pd.concat([d for d in differences if len(d)], ignore_index=True)
            if any(len(d) for d in differences)
            else pd.DataFrame(columns=SHARE_DIFFERENCES.column_names))


# --------------------------------------------------------------------------------------------
# Schemas

_RULES = "`src/analysis/data/domain_rules.csv` applied by `analysis.text.coding.code_clauses`"
_CODES = tuple(coding.codes("domain")) + tuple(coding.codes("instrument"))
_FIX = ("`analysis.text.misclassification.correct_mean` via "
        "`analysis.text.plan_shares.shares_tables`")
_WHY = ("Plans are the sampled unit: intervals describe the mean of the population of plans of "
        "the group, not only the plans in the corpus; see `analysis.text.plan_shares` and the "
        "coverage simulation `analysis.evaluation.simulate_shares`.")

SHARE_DIFFERENCES = TableSchema(
    name="share_differences",
    filename="share_differences.csv",
    description="Differences in domain and instrument shares between administrative levels "
                "and between provinces. A group's share is the mean of its plans' shares "
                "(each plan once). " + _WHY + f" Groups of fewer than {MIN_PLANS} plans are "
                "not tested: the bounds are empty and the verdict says so. With the five seed "
                "plans every comparison is of one or two particular plans and none is tested.",
    primary_key=("comparison", "group_a", "group_b", "scheme", "code"),
    columns=(
        Column("comparison", "str", "Grouping.", allowed=("admin_level", "province_en"),
               source="`documents.csv`"),
        Column("group_a", "str", "First group (difference = a − b).", source="`documents.csv`"),
        Column("group_b", "str", "Second group.", source="`documents.csv`"),
        Column("n_docs_a", "int", "Plans in group a.", source="`documents.csv`"),
        Column("n_docs_b", "int", "Plans in group b.", source="`documents.csv`"),
        Column("scheme", "str", "Coding scheme.", allowed=("domain", "instrument"),
               source=_RULES),
        Column("code", "str", "Domain or instrument.", allowed=_CODES, source=_RULES),
        Column("share_a", "float", "Group a's share (mean of its plans' shares).", source=_EST),
        Column("share_b", "float", "Group b's share.", source=_EST),
        Column("difference", "float", "share_a − share_b.", source=_EST),
        Column("ci80_low", "float", "Lower end of the 80% Welch t interval over plans (empty "
               "when not tested).", nullable=True, source=_EST),
        Column("ci80_high", "float", "Upper end of the 80% interval.", nullable=True,
               source=_EST),
        Column("ci_low", "float", "Lower end of the 95% Welch t interval over plans.",
               nullable=True, source=_EST),
        Column("ci_high", "float", "Upper end of the 95% interval.", nullable=True, source=_EST),
        Column("ci_low_adjusted", "float", "Lower end of the Bonferroni-adjusted interval "
               "(family-wise 95% over all codes and pairs of the comparison and scheme).",
               nullable=True, source=_EST),
        Column("ci_high_adjusted", "float", "Upper end of the adjusted interval.",
               nullable=True, source=_EST),
        Column("verdict", "str", "`robust`: the adjusted interval excludes 0; `nominal only`: "
               "only the 95% interval does; `within noise`: the 95% interval includes 0; "
               "`not tested (…)`: a group is too small for an interval that holds its "
               "coverage.", allowed=VERDICTS, source=_EST),
    ),
)

GROUP_SHARES = TableSchema(
    name="group_shares",
    filename="group_shares.csv",
    description="Share of policy text given to each domain and instrument by all plans, by "
                "each administrative level and by each province: the mean of the plans' "
                "length-weighted shares (`domain_shares.csv`, each plan once), with 80% and "
                "95% intervals over plans. " + _WHY + " For domains also the coverage (share of "
                "text in clauses touching the domain) corrected for the rules' measured "
                "misclassification (Rogan–Gladen; `analysis.text.misclassification`). Groups "
                f"of fewer than {MIN_PLANS} plans are described only (no interval).",
    primary_key=("scheme", "comparison", "group", "code"),
    columns=(
        Column("scheme", "str", "Coding scheme.", allowed=("domain", "instrument"),
               source=_RULES),
        Column("comparison", "str", "Grouping.",
               allowed=(ALL_PLANS, "admin_level", "province_en"), source="`documents.csv`"),
        Column("group", "str", "Level, province, or `all plans`.", source="`documents.csv`"),
        Column("code", "str", "Domain or instrument.", allowed=_CODES, source=_RULES),
        Column("n_plans", "int", "Plans in the group.", source="`documents.csv`"),
        Column("share", "float", "Mean of the plans' shares.", source=_EST),
        Column("share_low_80", "float", "Lower end of the 80% logit-scale t interval.",
               nullable=True, source=_EST),
        Column("share_high_80", "float", "Upper end of the 80% interval.", nullable=True,
               source=_EST),
        Column("share_low_95", "float", "Lower end of the 95% interval.", nullable=True,
               source=_EST),
        Column("share_high_95", "float", "Upper end of the 95% interval.", nullable=True,
               source=_EST),
        Column("coverage", "float", "Mean of the plans' coverage (share of text in clauses "
               "touching the code).", source=_EST),
        Column("coverage_corrected", "float", "coverage corrected for misclassification "
               "(Rogan–Gladen with length-weighted sensitivity and specificity of the rules on "
               "the adjudicated unseen policy clauses of the seed plans, 122 of the 150 of "
               "`tests/gold/reliability`); a value clipped at 0 means the measured false-"
               "positive rate exceeds the observed coverage. Empty for instruments and where "
               "the correction is undefined.", nullable=True,
               source=_FIX),
        Column("coverage_corrected_low", "float", "Lower end of its 95% interval (plan "
               "sampling and the validation sample's uncertainty together).", nullable=True,
               source=_FIX),
        Column("coverage_corrected_high", "float", "Upper end of that interval.",
               nullable=True, source=_FIX),
        Column("status", "str", "`estimated`, or `described only (…)` for a group too small "
               "for an interval.", allowed=("estimated",
                                            f"described only (fewer than {MIN_PLANS} plans)"),
               source=_EST),
    ),
)
