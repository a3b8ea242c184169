"""Correcting the fractional domain shares for the rules' measured misclassification
(issue 13, item 3).

**Estimand.** For a group of plans (all plans, a level, a province) the mean over its plans of
each plan's *fractional* share of policy characters coded to a domain, under the adjudicated
gold coding: a clause coded to ``k`` domains gives ``1/k`` of its length to each, a clause
without a code gives its length to ``uncoded``, so the 16 domains and ``uncoded`` sum to one
(:mod:`analysis.text.plan_shares`). :mod:`analysis.text.misclassification` corrects only
``coverage`` (text in clauses touching a domain), whose per-code Rogan–Gladen form does not
apply to the fractional share: one false positive moves text *between* codes.

**Method: the matrix method** (Buonaccorsi, *Measurement Error*, 2010, ch. 3; Greenland 1988;
the multiclass form of Rogan and Gladen 1978). On the reliability study's validation sample
(:func:`analysis.text.misclassification.validation_matrices`: 122 unseen, adjudicated policy
clauses of the seed plans) each clause's gold and rule codes are turned into fractional
allocations ``g_u`` and ``r_u`` over the 17 codes, and its characters ``w_u`` are spread over
the pairs (rules ``j``, gold ``k``): the part both allocations agree on,
``min(r_u, g_u)``, stays on the diagonal, and the rest is spread in proportion to the two
residuals (so that identical codings give the identity). Their sum over clauses, divided by the gold mass of code
``k``, is ``M[j, k]``: the expected fraction of characters the gold gives to ``k`` that the
rules give to ``j`` (columns sum to one). If misclassification depends only on the gold
allocation, not on the plan (non-differential), a plan's observed share vector is
``o = M t`` in expectation, and so is the group mean of plans. The corrected group share is
the ``t`` on the simplex closest to ``M t = o`` in least squares (:func:`correct`: non-negative
least squares, :func:`scipy.optimize.nnls`, with the sum-to-one constraint as a heavily
weighted extra row), not ``M^-1 o``, which with 17 codes and a matrix estimated from 122
clauses gives negative shares and swings wildly. When ``o = M t`` holds exactly for some
``t`` on the simplex, the constrained solution is that ``t``.

**Interval.** Each of :data:`N_DRAWS` draws takes the columns of ``M`` from Dirichlet
posteriors on the validation counts and the group mean from its multivariate t distribution
over plans (``n - 1`` degrees of freedom, the plans' covariance over ``n``), corrects that mean
with that matrix, and the percentile interval of the corrected draws is reported. The counts of
a column are its effective number of clauses times the column's fractions, as
:func:`analysis.text.misclassification.beta_rates` does for the binary rates; the effective
number is Kish's ``(sum w g_k)^2 / sum (w g_k)^2`` divided by one dispersion ratio for the
whole sample: the sandwich variance of the character-weighted ratios ``M[j, k]`` over what a
Dirichlet of Kish's size gives, summed over all cells (at most 1). Fractional allocations vary
less than 0/1 codes, and Kish's size alone made the 80% intervals cover about 93% in the
simulation; a ratio per column would let a column of three clauses count as 35 when their
allocations happen to agree (as ``social_governance`` did on the real sample). The prior
(:data:`PRIOR_DIAGONAL`, :data:`PRIOR_OFF`) puts half a pseudo-clause on "coded right" and
half on "coded wrong", spread evenly over the 16 wrong codes: the Jeffreys Beta(1/2, 1/2) of ``beta_rates`` on the diagonal, instead of 1/2 per cell, which with 17 cells
would add 8.5 pseudo-clauses to columns of three to 25 clauses and drown them. A code with no
gold text in the validation sample keeps an identity column (its own text assumed coded right;
its false positives from other codes are still corrected), and the table says so.

**Limits.** The matrix holds for plans like the five seeds and is assumed to transfer; it
ignores which other codes a multi-coded gold clause carries (the allocation is by fractions);
the percentile interval of a constrained estimator has its lower end at zero for small
shares, where draws pile up at the boundary; the dispersion ratio is one for all codes (see
:mod:`analysis.evaluation.simulate_share_correction` for the measured bias and coverage). "Gold" is the adjudication of two AI coders.

Written by hand: the confusion matrix, its Dirichlet draws, the constrained solve around
:func:`scipy.optimize.nnls`, and the table. No maintained Python library implements the matrix
method for fractional multi-label shares with validation uncertainty (the R packages for
misclassified proportions, e.g. ``simex``'s MC-SIMEX, treat one categorical variable per unit).
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from analysis.core.schema import Column, TableSchema
from analysis.text import coding
from analysis.text import plan_shares as ps

SEED = 20261129
N_DRAWS = 2000
LEVELS = ps.LEVELS
#: Prior pseudo-clauses of a Dirichlet column: half on the diagonal, half over the wrong codes.
PRIOR_DIAGONAL = 0.5
PRIOR_OFF = 0.5
#: Weight of the sum-to-one row in the least-squares solve (shares are of order 0.01–0.3).
SUM_WEIGHT = 1e3
NOT_VALIDATED = "estimated (no validation text of this code: its own text assumed coded right)"
ONE_PLAN = "one plan's share corrected (a measurement: no interval)"
STATUSES = ("estimated", NOT_VALIDATED, f"described only (fewer than {ps.MIN_PLANS} plans)",
            ONE_PLAN)
#: ``comparison`` of the per-plan rows and of the level differences.
PLAN = "plan"
DIFFERENCE = "admin_level difference"
#: Interval levels issued for corrected shares and differences: only 95%. In the simulation
#: (:mod:`analysis.evaluation.simulate_share_correction`) the 80% interval of a corrected
#: difference covered 87% at 50 plans, seven points over nominal (the 95% one 97.6%); 91% of
#: truly zero differences and 85% of the others (60 runs). The cause is not established: the
#: constrained solution puts small shares of both levels at 0 in many draws, which explains
#: the zero differences, not all of it. When the simulated rules err as the build's own
#: measured confusion matrix says, the 80% interval of a corrected *share* covered 86% at 50
#: plans and 84% at 500 (the 95% one 96.7% and 96.4%), so shares get the 95% interval only
#: as well.
ISSUED_LEVELS = (0.95,)


def allocation(indicator: np.ndarray) -> np.ndarray:
    """Fractional allocation of units × codes 0/1 codes: ``1/k`` to each of ``k`` codes, and a
    last column ``uncoded`` holding 1 for units without a code (rows sum to one)."""
    indicator = np.asarray(indicator, float)
    n = indicator.sum(axis=1, keepdims=True)
    return np.column_stack([indicator / np.maximum(n, 1), n[:, 0] == 0])


def confusion(gold: np.ndarray, predicted: np.ndarray, weights: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Character-weighted confusion matrix of fractional allocations.

    Parameters
    ----------
    gold, predicted : numpy.ndarray
        Units × codes 0/1 matrices (gold and rule codes, ``uncoded`` not included).
    weights : numpy.ndarray, optional
        Characters of each unit; equal by default.

    Returns
    -------
    matrix : numpy.ndarray
        ``(K + 1) × (K + 1)``; ``matrix[j, k]`` is the fraction of characters the gold gives
        to ``k`` that the rules give to ``j`` (last index ``uncoded``); columns of codes with
        no gold text are identity columns.
    n_eff : numpy.ndarray
        Effective number of validation units behind each column (0 for none): Kish's size
        over the sample's dispersion ratio (see the module docstring).
    """
    g, r = allocation(gold), allocation(predicted)
    w = np.ones(len(g)) if weights is None else np.asarray(weights, float)
    # Each clause's characters, as [j, k] = rules j, gold k: the part both allocations agree
    # on stays on the diagonal, and the rest is spread in proportion to the two residuals,
    # so that identical codings (multi-coded clauses included) give the identity.
    agree = np.minimum(r, g)
    residual = 1 - agree.sum(axis=1)
    scale = np.divide(w, residual, out=np.zeros_like(w), where=residual > 1e-12)
    unit = (np.einsum("u,uj,uk->ujk", scale, r - agree, g - agree)
            + (w[:, None] * agree)[:, :, None] * np.eye(g.shape[1])[None])
    wg = w[:, None] * g                                  # units × k, gold characters
    mass = wg.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(mass > 0, unit.sum(axis=0) / mass, np.eye(len(mass)))
        kish = np.where(mass > 0, mass ** 2 / (wg ** 2).sum(axis=0), 0.0)
        # Fractional allocations vary less than 0/1 codes, so Kish's size alone overstates
        # the matrix's uncertainty. One dispersion ratio for the whole sample (sandwich
        # variance of the ratios M[j, k] against the Dirichlet's M (1 - M) / kish, summed over
        # the cells of all columns) scales Kish's sizes; per column, a sandwich variance from
        # three clauses could be tiny by chance.
        spread = ((unit - matrix[None] * wg[:, None, :]) ** 2).sum(axis=(0, 1)) / mass ** 2
        binary = (matrix * (1 - matrix)).sum(axis=0) / kish
        seen = mass > 0
        ratio = spread[seen].sum() / binary[seen].sum() if binary[seen].sum() > 0 else 1.0
        ratio = min(max(ratio, 1e-3), 1.0)
        n_eff = np.where(seen, kish / ratio, 0.0)
    return matrix, np.maximum(n_eff, 0.0)


def confusion_draws(matrix: np.ndarray, n_eff: np.ndarray, n_draws: int = N_DRAWS,
                    seed: int = SEED, prior: tuple[float, float] = (PRIOR_DIAGONAL, PRIOR_OFF)
                    ) -> np.ndarray:
    """Draws of the confusion matrix, each column from its Dirichlet posterior.

    ``prior`` gives the pseudo-clauses of a column on its diagonal and, spread evenly, over
    its other cells.

    Returns
    -------
    numpy.ndarray
        ``n_draws × (K + 1) × (K + 1)``; columns with no validation text stay identity.
    """
    size = len(matrix)
    on, off = prior
    prior = np.full((size, size), off / (size - 1))
    np.fill_diagonal(prior, on)
    rng = np.random.default_rng(seed)
    draws = np.empty((n_draws, size, size))
    for k in range(size):
        if n_eff[k] <= 0:
            draws[:, :, k] = np.eye(size)[k]
            continue
        alpha = matrix[:, k] * n_eff[k] + prior[:, k]
        draws[:, :, k] = rng.dirichlet(alpha, size=n_draws)
    return draws


def correct(observed: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The share vector ``t`` on the simplex with ``matrix @ t`` closest to ``observed``.

    Parameters
    ----------
    observed : numpy.ndarray
        Observed shares of the K codes and ``uncoded`` (summing to one).
    matrix : numpy.ndarray
        Confusion matrix (:func:`confusion`).
    """
    size = len(matrix)
    a = np.vstack([matrix, np.full(size, SUM_WEIGHT)])
    b = np.append(np.asarray(observed, float), SUM_WEIGHT)
    solution, _ = optimize.nnls(a, b, maxiter=50 * size)
    return solution / solution.sum()


def mean_draws(values: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """Draws of a group's mean share vector from its multivariate t distribution over plans
    (``n - 1`` degrees of freedom, covariance of the plans over ``n``)."""
    values = np.asarray(values, float)
    n = len(values)
    mean = values.mean(axis=0)
    # The shares sum to one, so the covariance is singular: factor it by eigenvalues.
    lam, vec = np.linalg.eigh(np.cov(values, rowvar=False) / n)
    factor = vec * np.sqrt(np.clip(lam, 0, None))
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_draws, len(mean))) @ factor.T
    scale = np.sqrt((n - 1) / rng.chisquare(n - 1, size=(n_draws, 1)))
    return mean + z * scale


def correct_mean(values: np.ndarray, matrix: np.ndarray, draws: np.ndarray,
                 levels: Sequence[float] = LEVELS, seed: int = SEED,
                 return_draws: bool = False
                 ) -> tuple[np.ndarray, dict[float, tuple[np.ndarray, np.ndarray]]]:
    """Corrected group mean of plan share vectors, with percentile intervals.

    Parameters
    ----------
    values : numpy.ndarray
        Plans × (K + 1) observed shares (``uncoded`` last).
    matrix, draws : numpy.ndarray
        Point confusion matrix and its draws (:func:`confusion`, :func:`confusion_draws`);
        no draws, no interval.

    Returns
    -------
    estimate : numpy.ndarray
        Corrected mean share per code.
    bounds : dict
        Level → (low, high); NaN with fewer than two plans or no draws.
    corrected : numpy.ndarray or None
        With ``return_draws``: the corrected draws (draws × codes; None without an interval),
        so that two groups' draws, made with the same matrix draws and different ``seed``,
        give the interval of their difference
        (:func:`analysis.text.plan_shares.percentile_bounds`).
    """
    values = np.asarray(values, float)
    estimate = correct(values.mean(axis=0), matrix)
    if len(values) < 2 or not len(draws):
        nan = np.full(len(estimate), np.nan)
        out = estimate, {level: (nan, nan) for level in levels}
        return out + (None,) if return_draws else out
    means = mean_draws(values, len(draws), seed)
    corrected = np.array([correct(m, d) for m, d in zip(means, draws)])
    out = estimate, ps.percentile_bounds(corrected, levels)
    return out + (corrected,) if return_draws else out


def plan_rows(corrected: pd.DataFrame) -> pd.DataFrame:
    """The per-plan rows of :func:`corrected_shares` in the ``domain_shares.csv`` layout
    (``doc_id``, ``scheme``, ``code``, ``share`` = the corrected share), for the figures that
    draw per-plan shares."""
    rows = corrected[corrected["comparison"] == PLAN]
    return pd.DataFrame({"doc_id": rows["group"].to_numpy(), "scheme": "domain",
                         "code": rows["code"].to_numpy(),
                         "share": rows["share_corrected"].to_numpy(float)})


def corrected_shares(per_plan_domain_shares: pd.DataFrame, documents: pd.DataFrame,
                     validation: dict, min_plans: int = ps.MIN_PLANS,
                     n_draws: int = N_DRAWS, seed: int = SEED) -> pd.DataFrame:
    """Group shares of the domains corrected for misclassification (:data:`SHARE_CORRECTED`).

    Parameters
    ----------
    per_plan_domain_shares : pandas.DataFrame
        Per-plan domain shares (``domain_shares.csv`` layout: ``doc_id``, ``scheme``,
        ``code`` with ``uncoded``, ``share``).
    documents : pandas.DataFrame
        ``documents.csv`` (``doc_id``, ``admin_level``, ``province_en``).
    validation : dict
        :func:`analysis.text.misclassification.validation_matrices` of the domain scheme.
    min_plans : int
        Groups with fewer plans get the corrected mean and no interval.

    Returns
    -------
    pandas.DataFrame
        Groups as in :func:`analysis.text.plan_shares.group_shares` (all plans, each level,
        each province), then each plan (``comparison`` ``plan``: its own share vector
        corrected, a measurement with no interval, as ``domain_shares.csv`` is uncorrected),
        one row per domain and ``uncoded``.
    """
    if per_plan_domain_shares.empty:
        return pd.DataFrame(columns=SHARE_CORRECTED.column_names)
    labels = coding.codes("domain") + [coding.UNCODED]
    wide = ps.share_matrix(per_plan_domain_shares, "share", labels)
    matrix, n_eff = confusion(validation["gold"], validation["predicted"],
                              validation["weights"])
    draws = confusion_draws(matrix, n_eff, n_draws, seed)
    parts = []
    groupings = [(by or ps.ALL_PLANS, ps._groups(documents, by, wide.index))
                 for by in (None, "admin_level", "province_en")]
    groupings.append((PLAN, {doc: [doc] for doc in wide.index}))
    levels = {}                  # level → (plans, share, corrected, corrected draws)
    for comparison, groups in groupings:
        for group, members in groups.items():
            values = wide.loc[members].to_numpy()
            tested = len(members) >= min_plans
            # Draws only where an interval is reported; each group its own stream, so that
            # two levels' draws are independent given the matrix draws they share.
            estimate, bounds, corrected = correct_mean(
                values, matrix, draws if tested else draws[:0], return_draws=True,
                seed=seed + zlib.crc32(f"{comparison}/{group}".encode()) % 100_000)
            if comparison == "admin_level":
                levels[group] = (len(members), values.mean(axis=0), estimate, corrected)
            part = pd.DataFrame({"comparison": comparison, "group": group,
                                 "code": labels, "n_plans": len(members),
                                 "share": values.mean(axis=0), "share_corrected": estimate,
                                 "validation_clauses": n_eff,
                                 "sensitivity": np.diag(matrix)})
            for level, (low, high) in bounds.items():
                tag = round(level * 100)
                issued = tested and level in ISSUED_LEVELS
                part[f"low_{tag}"] = low if issued else np.nan
                part[f"high_{tag}"] = high if issued else np.nan
            part["status"] = (np.where(n_eff > 0, "estimated", NOT_VALIDATED) if tested
                              else ONE_PLAN if comparison == PLAN else STATUSES[2])
            parts.append(part)
    parts += _level_differences(levels, labels, n_eff, matrix)
    return pd.concat(parts, ignore_index=True)[SHARE_CORRECTED.column_names]


def _level_differences(levels: dict, labels: list[str], n_eff: np.ndarray,
                       matrix: np.ndarray) -> list[pd.DataFrame]:
    """Rows of corrected level differences (pairs as in ``share_differences.csv``): the
    difference of the two corrected means, its interval from the difference of their draws
    (one matrix draw for both, independent plan draws)."""
    parts = []
    for a, b in ps._pairs(sorted(levels), "admin_level"):
        (n_a, share_a, est_a, draws_a), (n_b, share_b, est_b, draws_b) = levels[a], levels[b]
        tested = draws_a is not None and draws_b is not None
        part = pd.DataFrame({"comparison": DIFFERENCE, "group": f"{a} − {b}", "code": labels,
                             "n_plans": n_a + n_b, "share": share_a - share_b,
                             "share_corrected": est_a - est_b, "validation_clauses": n_eff,
                             "sensitivity": np.diag(matrix)})
        bounds = ps.percentile_bounds(draws_a - draws_b) if tested else {}
        for level in LEVELS:
            tag = round(level * 100)
            issued = tested and level in ISSUED_LEVELS
            part[f"low_{tag}"] = bounds[level][0] if issued else np.nan
            part[f"high_{tag}"] = bounds[level][1] if issued else np.nan
        part["status"] = (np.where(n_eff > 0, "estimated", NOT_VALIDATED) if tested
                          else STATUSES[2])
        parts.append(part)
    return parts


_SRC = "`analysis.text.share_correction.corrected_shares`"
_CODES = tuple(coding.codes("domain")) + (coding.UNCODED,)

SHARE_CORRECTED = TableSchema(
    name="share_corrected",
    filename="share_corrected.csv",
    description="Domain shares of all plans, each administrative level, each province (mean "
                "of the plans' fractional shares, `domain_shares.csv`) and each plan, and the "
                "differences between levels, corrected for the "
                "rules' measured misclassification by the matrix method: a character-weighted "
                "confusion matrix of fractional allocations, measured on the adjudicated "
                "unseen policy clauses of the seed plans (`tests/gold/reliability`), inverted "
                "under non-negativity and sum-to-one constraints; intervals combine plan "
                "sampling (t over plans) and the validation sample (Dirichlet draws). See "
                "`analysis.text.share_correction` and the simulation "
                "`analysis.evaluation.simulate_share_correction`. Groups of fewer than "
                f"{ps.MIN_PLANS} plans are described only (no interval).",
    primary_key=("comparison", "group", "code"),
    columns=(
        Column("comparison", "str", "Grouping.",
               allowed=(ps.ALL_PLANS, "admin_level", "province_en", PLAN, DIFFERENCE),
               source="`documents.csv`"),
        Column("group", "str", "Level, province, `all plans`, the plan's `doc_id` "
               "(comparison `plan`), or `level a − level b` (pairs as in "
               "`share_differences.csv`).", source="`documents.csv`"),
        Column("code", "str", "Domain, or `uncoded` (text in clauses without a domain).",
               allowed=_CODES, source="`src/analysis/data/domain_rules.csv`"),
        Column("n_plans", "int", "Plans in the group (both levels for a difference).",
               source="`documents.csv`"),
        Column("share", "float", "Uncorrected mean of the plans' shares (as `group_shares."
               "csv`); for a difference, the difference of the two levels' means.",
               source=_SRC),
        Column("share_corrected", "float", "Mean share corrected for misclassification "
               "(constrained matrix method; the 17 values of a group sum to 1, of a difference "
               "to 0).", source=_SRC),
        Column("validation_clauses", "float", "Effective number of validation clauses "
               "behind the code's column of the confusion matrix (Kish's size by characters over "
               "the sample's dispersion ratio of fractional allocations; 0 if the gold gives "
               "the code no validation text).", source=_SRC),
        Column("sensitivity", "float", "Diagonal of the confusion matrix: share of the gold's "
               "characters of the code that the rules also allocate to it (fractional; lower "
               "than the binary sensitivity when the rules add codes).", source=_SRC),
        Column("low_80", "float", "Lower end of the 80% percentile interval: not issued "
               "(always empty), because in simulation it overcovers (86% at 50 plans for "
               "shares under the measured confusion matrix, 87% for level differences); "
               "kept so the table has the columns of `group_shares.csv`.", nullable=True,
               source=_SRC),
        Column("high_80", "float", "Upper end of the 80% interval: not issued (see "
               "`low_80`).", nullable=True, source=_SRC),
        Column("low_95", "float", "Lower end of the 95% percentile interval (plans and "
               "validation sample).", nullable=True, source=_SRC),
        Column("high_95", "float", "Upper end of the 95% interval.", nullable=True,
               source=_SRC),
        Column("status", "str", "`estimated`; `estimated (no validation text …)` for a code "
               "the validation sample never gives text to; `described only (…)` for a group "
               "too small for an interval; `one plan's share corrected …` for a plan's own row "
               "(its text is a measurement, corrected for the rules' expected misclassification, "
               "with no interval).", allowed=STATUSES, source=_SRC),
    ),
)
