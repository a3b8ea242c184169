"""Agreement of topics with the plans' own part headings.

The review of notebook 03 found that the four topics restate the plans' own part headings.
:func:`heading_groups` gives each clause its top-level division (the part it sits in; in a
plan with a single part, the section under it), and :func:`heading_agreement` measures how
far the clauses' largest topics reproduce those divisions: adjusted Rand index (ARI; Hubert
and Arabie 1985) and normalised mutual information (NMI, arithmetic normalisation; Vinh,
Epps and Bailey 2010), from scikit-learn.

Headings are numbered within a plan, so the estimand is at the level of the plan: ARI and
NMI within each plan, and their mean over plans. The chance baseline permutes the topic
labels among the clauses of each plan (so every plan keeps its mix of topics and of
headings) and recomputes the statistic; ``p_perm`` is the share of permutations at least as
large as observed (with the observed one counted, Phipson and Smyth 2010). A ``pooled`` row
computes the statistics over all clauses at once with the same within-plan permutations.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from analysis.core.grouping import group_codes, permutations_within, rows_by_group
from analysis.core.schema import Column, TableSchema
from analysis.topics.settings import derive_seed

#: Permutations of the chance baseline.
N_PERM = 1000
#: Most cells of the contingency tables :func:`permuted_scores` holds at once (about 16 MB
#: an array).
MAX_TABLE_CELLS = 2_000_000
PREAMBLE = "(preamble)"


def heading_groups(clauses: pd.DataFrame) -> pd.DataFrame:
    """Each clause's top-level division within its plan.

    The division is the clause's ``part`` ancestor (or itself, if a part); clauses outside
    any part (preambles, closing text) form one ``(preamble)`` group. In a plan with a single
    part, its ``section`` children are the divisions instead (a plan whose one part is
    "主要工作" is divided by its sections).

    Parameters
    ----------
    clauses : pandas.DataFrame
        ``clauses.csv`` (``doc_id, clause_id, parent_id, level, heading``).

    Returns
    -------
    pandas.DataFrame
        ``clause_id, doc_id, heading_group`` (clause_id of the division or ``(preamble)``),
        ``heading_level`` (``part`` or ``section``) and ``heading`` (its heading text, may
        be empty).
    """
    c = clauses.astype({"clause_id": str}).set_index("clause_id")
    parent = c["parent_id"].where(c["parent_id"].notna(), None).to_dict()
    level = c["level"].astype(str).to_dict()
    n_parts = c[c["level"] == "part"].groupby("doc_id").size()
    out = []
    for cid, doc in zip(c.index, c["doc_id"]):
        division_level = "section" if n_parts.get(doc, 0) == 1 else "part"
        chain, node = [], cid
        while node is not None:
            chain.append(node)
            node = parent.get(node)
            node = None if node is None or pd.isna(node) else str(node)
        group = next((n for n in chain if level.get(n) == division_level), None)
        if group is None and division_level == "section":
            # Text directly under the single part, before its first section.
            group = next((n for n in chain if level.get(n) == "part"), None)
        out.append(dict(clause_id=cid, doc_id=doc,
                        heading_group=group if group is not None else PREAMBLE,
                        heading_level=division_level))
    frame = pd.DataFrame(out)
    frame["heading"] = frame["heading_group"].map(c["heading"]).fillna("")
    return frame


def _codes(values: np.ndarray) -> np.ndarray:
    return np.unique(np.asarray(values).astype(str), return_inverse=True)[1].reshape(-1)


def permuted_scores(perms: np.ndarray, labels_b: np.ndarray) -> np.ndarray:
    """ARI and NMI of many relabellings ``perms`` (P × n) of one partition against
    ``labels_b``.

    The same formulas as scikit-learn's ``adjusted_rand_score`` and
    ``normalized_mutual_info_score`` (arithmetic normalisation), evaluated for all rows at
    once from the contingency tables: a permutation null needs thousands of evaluations, and
    only the joint counts change under permutation (the marginals are fixed). A test checks
    agreement with scikit-learn. :func:`heading_agreement` uses :func:`_plan_nulls`, the
    same scores for every plan at once; this function is its reference in the tests.
    """
    a = np.stack([_codes(row) for row in perms]) if perms.dtype.kind not in "iu" else perms
    b = _codes(labels_b)
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    # The tables are P x topics x headings: pooled over a corpus, the headings of every plan.
    # Computed in row chunks so that memory stays bounded (each row's arithmetic is the same
    # whatever the chunk, so the values are those of one pass; a test checks this).
    chunk = max(1, MAX_TABLE_CELLS // (ka * kb))
    return np.vstack([_table_scores(a[s:s + chunk], b, ka, kb)
                      for s in range(0, len(a), chunk)])


def pooled_from_parts(comb_sum: np.ndarray, tlogt_sum: np.ndarray, rows: np.ndarray,
                      cols: np.ndarray) -> np.ndarray:
    """ARI and NMI of contingency tables from their sums over cells (``comb_sum``: of
    t(t-1)/2, ``tlogt_sum``: of t log t, one value per table) and their margins ``rows``
    (topic counts) and ``cols`` (heading-division counts), the same for every table.

    ARI needs only the sum of t(t-1)/2 over cells besides the margins, and mutual
    information only the sum of t log t (MI = (Σ t log t + n log n − Σ R log R − Σ C log C)
    / n), so tables whose margins a permutation keeps are scored from two numbers each, and
    tables side by side (the plans' tables in the pooled one) from the sums of theirs.
    """
    rows = np.asarray(rows, dtype=float)
    cols = np.asarray(cols, dtype=float)
    n = rows.sum()
    sum_rows = (rows * (rows - 1) / 2).sum()
    sum_cols = (cols * (cols - 1) / 2).sum()
    pairs = n * (n - 1) / 2
    expected = sum_rows * sum_cols / pairs if pairs else 0.0
    maximum = (sum_rows + sum_cols) / 2
    denom = maximum - expected
    ari = (comb_sum - expected) / denom if denom != 0 else np.ones(len(comb_sum))
    mi = (tlogt_sum + n * np.log(n) - _sum_xlogx(rows) - _sum_xlogx(cols)) / n
    h_a = -_sum_xlogx(rows / n)
    h_b = -_sum_xlogx(cols / n)
    norm = (h_a + h_b) / 2
    nmi = mi / norm if norm > 0 else np.ones(len(comb_sum))
    return np.column_stack([ari, np.clip(nmi, 0.0, 1.0)])


def _plan_nulls(perms: np.ndarray, codes: np.ndarray, head_codes: np.ndarray,
                plan_of: np.ndarray, n_plans: int) -> list[np.ndarray]:
    """ARI and NMI (P × 2) of every permutation of ``perms`` (P × clauses, topic codes
    permuted within plans) against the heading divisions ``head_codes``, for each plan
    (``plan_of``: each clause's plan index) and, last, pooled over all clauses.

    Each heading division lies in one plan, so one bincount of (permutation, topic,
    division) cells holds every plan's table; the sums over cells of t(t-1)/2 and t log t
    are summed per plan, and both margins of each plan's table (its topic counts and its
    divisions' counts) are fixed under within-plan permutation, so
    :func:`pooled_from_parts` gives each plan's scores and the pooled ones. Equal to
    :func:`permuted_scores` of each plan's and of the pooled labels up to float summation
    order (a test checks this); one pass over the permutations in row chunks of at most
    :data:`MAX_TABLE_CELLS` cells instead of one table per plan.
    """
    ka, kb = int(codes.max()) + 1, int(head_codes.max()) + 1
    head_plan = np.zeros(kb, dtype=np.intp)
    head_plan[head_codes] = plan_of
    by_plan = np.argsort(head_plan, kind="stable")          # divisions, plan by plan
    starts = np.searchsorted(head_plan[by_plan], np.arange(n_plans))
    comb = np.empty((len(perms), n_plans))
    tlogt = np.empty((len(perms), n_plans))
    chunk = max(1, MAX_TABLE_CELLS // (ka * kb))
    for s in range(0, len(perms), chunk):
        part = perms[s:s + chunk]
        cells = np.arange(len(part))[:, None] * (ka * kb) + part * kb + head_codes[None, :]
        table = np.bincount(cells.ravel(), minlength=len(part) * ka * kb).reshape(
            len(part), ka, kb).astype(float)
        per_division = (table * (table - 1) / 2).sum(axis=1)[:, by_plan]
        comb[s:s + chunk] = np.add.reduceat(per_division, starts, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_division = np.where(table > 0, table * np.log(table), 0.0).sum(axis=1)
        tlogt[s:s + chunk] = np.add.reduceat(per_division[:, by_plan], starts, axis=1)
    topic_counts = np.bincount(plan_of * ka + codes, minlength=n_plans * ka).reshape(
        n_plans, ka)
    division_counts = np.bincount(head_codes, minlength=kb)
    bounds = np.append(starts, kb)
    nulls = [pooled_from_parts(comb[:, k], tlogt[:, k], topic_counts[k],
                               division_counts[by_plan[bounds[k]:bounds[k + 1]]])
             for k in range(n_plans)]
    nulls.append(pooled_from_parts(comb.sum(axis=1), tlogt.sum(axis=1), np.bincount(codes),
                                   division_counts))
    return nulls


def _sum_xlogx(x: np.ndarray) -> float:
    """Sum of x log x over the positive entries of ``x``."""
    x = x[x > 0]
    return float((x * np.log(x)).sum())


def _table_scores(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> np.ndarray:
    """ARI and NMI of the rows of ``a`` (codes < ``ka``) against ``b`` (codes < ``kb``)."""
    n = a.shape[1]
    cells = np.arange(len(a))[:, None] * (ka * kb) + a * kb + b[None, :]
    table = np.bincount(cells.ravel(), minlength=len(a) * ka * kb).reshape(len(a), ka, kb)
    table = table.astype(float)                                        # P × ka × kb
    rows, cols = table.sum(axis=2), table.sum(axis=1)
    comb = table * (table - 1) / 2
    sum_rows = (rows * (rows - 1) / 2).sum(axis=1)
    sum_cols = (cols * (cols - 1) / 2).sum(axis=1)
    # Fewer than two clauses: no pairs, and scikit-learn's ARI is 1 (so is this one: denom 0).
    pairs = n * (n - 1) / 2
    expected = sum_rows * sum_cols / pairs if pairs else np.zeros(len(a))
    maximum = (sum_rows + sum_cols) / 2
    denom = maximum - expected
    ari = np.where(denom != 0, (comb.sum(axis=(1, 2)) - expected) / np.where(denom != 0, denom, 1),
                   1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = table / n
        outer = (rows[:, :, None] / n) * (cols[:, None, :] / n)
        mi = np.where(table > 0, p * np.log(p / outer), 0.0).sum(axis=(1, 2))
        h_a = -np.where(rows > 0, rows / n * np.log(rows / n), 0.0).sum(axis=1)
        h_b = -np.where(cols > 0, cols / n * np.log(cols / n), 0.0).sum(axis=1)
        norm = (h_a + h_b) / 2
        nmi = np.where(norm > 0, mi / np.where(norm > 0, norm, 1), 1.0)
    return np.column_stack([ari, np.clip(nmi, 0.0, 1.0)])


def heading_agreement(topic_labels: Sequence[int], heading_labels: Sequence[str],
                      doc_ids: Sequence[str], n_perm: int = N_PERM, seed: int | None = None,
                      model: str = "reported") -> pd.DataFrame:
    """ARI and NMI between clauses' largest topics and their heading divisions.

    Parameters
    ----------
    topic_labels : sequence of int
        Largest topic of each clause.
    heading_labels : sequence of str
        Heading division of each clause (:func:`heading_groups`).
    doc_ids : sequence of str
        Plan of each clause.
    n_perm : int
        Within-plan permutations of the topic labels for the chance baseline.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`TOPIC_HEADING_AGREEMENT`: one row per plan and metric, a
        ``mean_over_plans`` row and a ``pooled`` row per metric.
    """
    rng = np.random.default_rng(derive_seed(41) if seed is None else seed)
    topics = np.asarray(topic_labels)
    heads = np.asarray([f"{d}|{h}" for d, h in zip(doc_ids, heading_labels)], dtype=object)
    docs = np.asarray(doc_ids, dtype=object)
    plan_names, plan_rows = rows_by_group(docs.astype(str))
    plans = plan_names.tolist()
    rows_of = dict(zip(plans, plan_rows))
    plan_of = group_codes(plan_rows, len(docs))
    codes, head_codes = _codes(topics), _codes(heads)
    # The observed tables are the unpermuted labels: the same formulas as the null, equal
    # to scikit-learn's scores (a test checks this), without a call per plan.
    observed = _plan_nulls(codes[None, :], codes, head_codes, plan_of, len(plans))
    observed = {**dict(zip(plans, (o[0] for o in observed[:-1]))), "pooled": observed[-1][0]}
    # One chunk of permutations at a time: all of them at once would hold n_perm × clauses
    # labels (gigabytes at tens of thousands of plans).
    parts = [_plan_nulls(block, codes, head_codes, plan_of, len(plans))
             for block in permutations_within(codes, plan_rows, n_perm, rng)] or [
        _plan_nulls(np.empty((0, len(codes)), dtype=codes.dtype), codes, head_codes, plan_of,
                    len(plans))]
    null = [np.concatenate([part[k] for part in parts]) for k in range(len(plans) + 1)]
    null = {**dict(zip(plans, null[:-1])), "pooled": null[-1]}
    out = []

    def add(scope, doc, n_cl, n_head, n_top, j, value, reps):
        # One clause, one heading division or one topic: every permutation gives the same
        # table, so there is no baseline to compare with (the schema's empty values).
        fixed = min(n_cl, n_head, n_top) < 2
        out.append(dict(model=model, scope=scope, doc_id=doc, metric=("ari", "nmi")[j],
                        n_clauses=n_cl, n_headings=n_head, n_topics_used=n_top,
                        value=float(value),
                        baseline_mean=np.nan if fixed else float(reps.mean()),
                        baseline_q95=np.nan if fixed else float(np.quantile(reps, 0.95)),
                        p_perm=np.nan if fixed else
                        float((1 + (reps >= value - 1e-12).sum()) / (1 + len(reps))),
                        n_perm=n_perm))

    for j in range(2):
        for p in plans:
            r = rows_of[p]
            add("plan", p, len(r), len(set(heads[r])), len(set(topics[r])), j,
                observed[p][j], null[p][:, j])
        add("mean_over_plans", "", len(topics), len(set(heads)), len(set(topics)), j,
            float(np.mean([observed[p][j] for p in plans])),
            np.mean([null[p][:, j] for p in plans], axis=0))
        add("pooled", "", len(topics), len(set(heads)), len(set(topics)), j,
            observed["pooled"][j], null["pooled"][:, j])
    return pd.DataFrame(out)


_S = "`analysis.topics.headings`"
TOPIC_HEADING_AGREEMENT = TableSchema(
    name="topic_heading_agreement",
    filename="topic_heading_agreement.csv",
    description="How far the clauses' largest topics reproduce the plans' own top-level "
                "divisions (part, or section in a plan with one part): adjusted Rand index "
                "and normalised mutual information, against a chance baseline that permutes "
                "topic labels among the clauses of each plan.",
    primary_key=("model", "scope", "doc_id", "metric"),
    notes=("ARI is 0 for chance agreement and 1 for identical partitions; NMI is 0 for "
           "independent and 1 for identical partitions, but grows with the number of groups "
           "by chance, hence the baseline. A value well above the baseline means the topics "
           "largely restate how the plans divide themselves.",),
    columns=(
        Column("model", "str", "`reported` or `seeded` model.", allowed=("reported", "seeded"),
               source=_S),
        Column("scope", "str", "`plan`: one plan; `mean_over_plans`: mean of the plans' "
               "values (the plan-level estimand); `pooled`: all clauses at once.",
               allowed=("plan", "mean_over_plans", "pooled"), source=_S),
        Column("doc_id", "str", "Plan (empty unless scope is `plan`).", nullable=True,
               source="`documents.csv`"),
        Column("metric", "str", "`ari` or `nmi`.", allowed=("ari", "nmi"), source=_S),
        Column("n_clauses", "int", "Modelled clauses.", source=_S),
        Column("n_headings", "int", "Heading divisions among them.", source=_S),
        Column("n_topics_used", "int", "Distinct largest topics among them.", source=_S),
        Column("value", "float", "Observed ARI or NMI (empty where it is undefined).",
               nullable=True, source=_S),
        Column("baseline_mean", "float", "Mean under within-plan permutation of topic labels "
               "(empty where no permutation changes anything: a plan of one clause, one "
               "heading division or one topic).", nullable=True, source=_S),
        Column("baseline_q95", "float", "95th percentile under that permutation (empty "
               "likewise).", nullable=True, source=_S),
        Column("p_perm", "float", "Share of permutations at least as large as observed "
               "(observed counted; empty likewise). Describes these clauses; not a test "
               "about plans.", nullable=True, source=_S),
        Column("n_perm", "int", "Permutations.", source=_S),
    ),
)
