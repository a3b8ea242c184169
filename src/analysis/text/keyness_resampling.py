"""Distinctive terms checked by resampling clauses and plans instead of tokens.

The z-score of :func:`analysis.text.keyness.log_odds_dirichlet` treats every token as an
independent draw. Words come in clauses, and clauses in plans: a term written twenty times
in one clause gets the z of twenty independent uses. The terms that
:func:`analysis.text.keyness.vocabulary_tables` keeps (each unit's top terms by z, place
and jurisdiction names apart) are checked with the clause as the smallest unit resampled.
The statistic is the smoothed log rate ratio of the term, unit against rest
(``log_ratio``: log(y_i/n_i + s) − log(y_j/n_j + s), s a tenth of the term's corpus rate).
The log-odds with a fixed prior count is not used here because its value under equal rates
is not 0 when unit and rest differ in size: a small unit gets a positive log-odds for a
term it does not use.

clause bootstrap
    Clauses are resampled with replacement within each plan (plans fixed); ``log_ratio``
    is recomputed on every replicate. ``p_boot``: share of replicates at or below 0, a
    one-sided test of θ ≤ 0, where θ is the log ratio of the term's *expected* rates in unit
    and rest given these plans (each plan's clauses drawn again from its own process; see
    :mod:`analysis.text.keyness_simulation`). A term carried by one or two clauses drops out
    of many replicates, so its ``p_boot`` is large. :func:`resample_terms` also returns the
    percentile interval (``log_ratio_low`` / ``log_ratio_high``), but the build **does not
    write it** to ``distinctive_terms.csv``: scored against θ in the simulation with known
    truth (issue 13), it covers near its nominal level for terms spread over many clauses
    (95% intervals 0.925–0.945 at 5, 50 and 500 plans) but not for terms in a few clauses
    (0.79 at 5 plans) nor for the terms the table holds, which are chosen as each unit's
    top terms (0.84 at 5 plans, 0.90 at 50 and 500, for terms kept at token z > 1.96;
    80% intervals 0.70–0.71), because choosing the largest ratios biases them upward. An
    interval that undercovers by 5 to 11 points for the very rows it would stand beside is
    not shown. ``p_boot`` is kept: its claim (a one-sided test of θ ≤ 0) holds in the same
    simulation (false flag rate 0.009, 0.031 and 0.016 at 5, 50 and 500 plans for terms
    with θ ≤ 0, nominal 0.05), and it feeds the ``flag``.
clause permutation
    The clauses' unit labels are permuted within ten strata of clause length; ``p_clause``
    is the one-sided Monte Carlo p-value, (1 + #{stat* ≥ stat}) / (1 + B). Strata because
    units differ in clause length: permuting over the whole corpus made a unit of short
    clauses look distinctive for any term in it (案例, five of its six uses in one city
    clause, had p = 0.001 unstratified). Conditional on the plans: it describes them.
plan permutation
    The plans' group labels are permuted (each plan moves with its clauses), for units that
    are groups of plans (administrative levels, provinces). Plans are the sampled unit, so
    this is the check that speaks beyond these plans; it runs only where group and rest can
    be split in at least :data:`MIN_PLAN_SPLITS` ways (so that p can pass the
    multiple-testing threshold). With five plans it never runs: ``p_plan`` is empty and the
    table describes these plans.

p-values are adjusted (Benjamini and Hochberg, :func:`scipy.stats.false_discovery_control`)
over the kept terms of each unit and variant. ``flag``: ``across plans`` (plan, bootstrap
and clause q all below :data:`ALPHA`), ``across clauses`` (bootstrap and clause q below
:data:`ALPHA`), ``few clauses`` (otherwise: the excess rests on few clauses or few tokens).

Written by hand because no library resamples sparse clause counts by cluster. Replicates
are sparse matrix products over the clause × pair counts of the kept terms, in chunks of at
most :data:`CHUNK_CELLS` numbers; Python loops run over plans, strata and replicates, never
over terms or clauses. Cost grows with (clauses + non-zero counts of the kept terms) ×
replicates.
"""
from __future__ import annotations

import zlib
from dataclasses import replace
from math import comb

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import false_discovery_control

from analysis.core.grouping import rows_by_group
from analysis.core.parallel import run_tasks_by_size, stage_jobs
from analysis.core.schema import Column, TableSchema
from analysis.text import keyness

SEED = 20261129
N_BOOT = 999
N_PERM = 999
LEVEL = 0.95
ALPHA = 0.05
#: Fewest distinct plan splits (group vs rest) for which the plan permutation is run.
MIN_PLAN_SPLITS = 200
#: Clause-length strata of the clause permutation.
N_STRATA = 10
#: Largest unit × term key space looked up through a dense table (4 bytes a key) rather
#: than a binary search.
DENSE_KEYS = 50_000_000  # 200 MB of int32
#: Largest number of values one chunk of replicates may hold.
CHUNK_CELLS = 20_000_000
#: Slots per (unit, term) pair of the membership filter used when the dense table would be
#: too large (rounded up to a power of two, at least 2**FILTER_MIN_BITS slots, one byte
#: each): 16 lets at most about 6% of the other count entries through to the exact look-up.
FILTER_SLOTS = 16
FILTER_MIN_BITS = 16
FLAGS = ("across plans", "across clauses", "few clauses")


def _onehot(codes: np.ndarray, n: int, weights: np.ndarray | None = None
            ) -> sparse.csr_matrix:
    """n × len(codes) membership matrix (optionally weighted)."""
    values = np.ones(len(codes)) if weights is None else weights
    return sparse.csr_matrix((values, (codes, np.arange(len(codes)))), shape=(n, len(codes)))


def _log_ratio(y_i, y_all, n_i, n_all, smooth):
    """Smoothed log rate ratio, unit vs rest: log(y_i / n_i + s) - log(y_j / n_j + s), with
    ``s`` a tenth of the term's corpus rate (:data:`analysis.text.keyness.PRIOR_SCALE`).
    Unlike the log-odds with a fixed prior count it is 0 when the two rates are equal,
    whatever the sizes of unit and rest, so that its intervals can be read against 0.
    Arrays broadcast (replicates × pairs)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.log(y_i / n_i + smooth)
                - np.log((y_all - y_i) / (n_all - n_i) + smooth))


def _chunks(n_rep: int, width: int) -> list[int]:
    size = max(1, min(n_rep, CHUNK_CELLS // max(width, 1)))
    return [min(size, n_rep - start) for start in range(0, n_rep, size)]


def _strata(lengths: np.ndarray, n_strata: int = N_STRATA) -> np.ndarray:
    """Stratum of each clause: quantile bins of its token count."""
    ranks = np.argsort(np.argsort(lengths, kind="stable"), kind="stable")
    return (ranks * n_strata // max(len(lengths), 1)).astype(int)


def _strata_members(stratum: np.ndarray, grouped: np.ndarray) -> list[np.ndarray]:
    """The rows of each stratum in row order, stratum by stratum (``grouped``: the rows
    stably sorted by stratum)."""
    if not len(grouped):
        return []
    return np.split(grouped, np.flatnonzero(np.diff(stratum[grouped])) + 1)


def _within_strata_order(keys: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """Rows ordered by stratum, then by ``keys``, then by row: ``np.lexsort((keys,
    stratum))`` when ``members`` are the rows of each stratum in row order, stratum by
    stratum (a stable sort within each stratum; lexsort took a third of the resampling)."""
    if not members:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([rows[_stable_argsort(keys[rows])] for rows in members])


def _stable_argsort(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")``, by the default (SIMD) sort when no two keys are
    equal, as with the random keys of the permutations: a third of the stable sort's time,
    and the same order, since only ties could tell the two apart."""
    order = np.argsort(keys)
    ordered = keys[order]
    # strictly increasing: no tie (NaN keys, never equal to anything, also fail this test)
    if len(ordered) > 1 and not np.all(ordered[1:] > ordered[:-1]):
        return np.argsort(keys, kind="stable")
    return order


def _key_hash(keys: np.ndarray, shift: np.uint64) -> np.ndarray:
    """Fibonacci hashing of non-negative int64 keys to ``64 - shift`` bits (uint64
    multiplication wraps around, as the hash wants)."""
    return ((keys.astype(np.int64).view(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
            >> shift).astype(np.intp)


def resample_terms(counts: sparse.csr_matrix, terms: np.ndarray, units: np.ndarray,
                   plans: np.ndarray, pairs: pd.DataFrame,
                   prior_scale: float = keyness.PRIOR_SCALE, n_boot: int = N_BOOT,
                   n_perm: int = N_PERM, seed: int = SEED, level: float = LEVEL,
                   plan_test: bool = True, intervals: bool = True) -> pd.DataFrame:
    """Bootstrap and permutation checks of chosen (unit, term) pairs, each unit against the
    rest of the corpus (see the module docstring).

    Parameters
    ----------
    counts : scipy.sparse.csr_matrix
        Clauses × terms counts; its terms are the whole vocabulary of the comparison (they
        set the token totals, as the columns given to
        :func:`analysis.text.keyness.distinctive_terms` do).
    terms : numpy.ndarray
        Column names of ``counts``.
    units, plans : numpy.ndarray
        Unit and plan of each clause (row).
    pairs : pandas.DataFrame
        ``unit`` and ``term`` to check (terms must be columns of ``counts``).
    prior_scale : float
        Smoothing of the log rate ratio, as a multiple of the term's corpus rate.
    plan_test : bool
        Run the plan permutation where the unit is a group of plans that can be split from
        the rest in at least :data:`MIN_PLAN_SPLITS` ways (never for single plans).
    intervals : bool
        Compute the percentile interval; without it ``log_ratio_low`` and
        ``log_ratio_high`` are NaN and the bootstrap replicates are not kept (the build does
        not write the interval, see the module docstring).

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``term`` (as given), ``clauses_unit``, ``top_clause_share``,
        ``log_ratio``, ``log_ratio_low``, ``log_ratio_high`` (percentile interval at
        ``level``; scored by :mod:`analysis.text.keyness_simulation`, not written by the
        build), ``p_boot``, ``p_clause``, ``p_plan`` (NaN where not run).
    """
    rng = np.random.default_rng(seed)
    unit_names, u = np.unique(np.asarray(units).astype(str), return_inverse=True)
    plan_names, pl = np.unique(np.asarray(plans).astype(str), return_inverse=True)
    n_units, n_plans, n_rows = len(unit_names), len(plan_names), counts.shape[0]
    column = {t: k for k, t in enumerate(terms)}
    g = np.searchsorted(unit_names, pairs["unit"].astype(str).to_numpy())
    t = np.array([column[x] for x in pairs["term"]], dtype=int)
    row_len = np.asarray(counts.sum(axis=1)).ravel()
    total = np.asarray(counts.sum(axis=0)).ravel()[t]
    n_all = row_len.sum()
    smooth = prior_scale * total / n_all

    # Each pair needs its term's counts in the unit's clauses. Pairs are matched to the
    # non-zero counts of their (unique) terms by the key unit × terms + term, so that the
    # work follows the counts, not pairs × clauses.
    term_ids, term_of = np.unique(t, return_inverse=True)
    whole = counts[:, term_ids].tocoo()               # clauses × unique terms
    key = g * len(term_ids) + term_of
    if len(np.unique(key)) < len(key):
        raise ValueError("pairs must not repeat a (unit, term)")
    order = np.argsort(key)
    sorted_key = key[order]
    # A table of every possible (term, unit) when it is small enough: one look-up per count
    # entry instead of a binary search, in each of the n_perm permutations. It is laid out
    # term by term, and the permutations walk the entries term by term, so that the look-ups
    # of one term stay within its n_units slots (a unit-major table looked up in clause
    # order misses the cache: resampled_vocabulary on 1,001 synthetic plans took 80.0 s with
    # it, 69.8 s with this one, 88.6 s with the unit-major table and the matched entries
    # compressed out before each bincount, one run each). A (term, unit) of no
    # pair points to the extra slot len(key), so that a permutation's counts are one
    # bincount. Counts are whole numbers, so the order in which bincount adds them does
    # not change their sums.
    dense = None
    if n_units * len(term_ids) <= DENSE_KEYS:
        dense = np.full(n_units * len(term_ids), len(key), dtype=np.int32)
        dense[term_of * n_units + g] = np.arange(len(key), dtype=np.int32)
        by_term = np.lexsort((whole.row, whole.col))
        entry_row = whole.row[by_term].astype(np.int32)
        entry_base = (whole.col[by_term].astype(np.int64) * n_units).astype(np.int32)
        entry_data = whole.data[by_term]
    else:
        # Too many (term, unit) cells for a table (a thousand plans as units): a one-hash
        # Bloom filter of the pairs' keys (FILTER_SLOTS slots a pair) lets through every
        # pair's entries and at most about one in sixteen of the others; only those are
        # looked up by binary search, which was 57% of the resampling's time when every
        # count entry took one (a 2,000-plan synthetic corpus). The filter never drops a
        # true pair, so the counts are the same.
        bits = max(FILTER_MIN_BITS, int(np.ceil(np.log2(FILTER_SLOTS * len(key)))))
        maybe = np.zeros(1 << bits, dtype=bool)
        shift = np.uint64(64 - bits)
        maybe[_key_hash(key, shift)] = True

    def matched(entry_units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pair index of each count entry whose clause lies in the pair's unit, and which
        entries those are (a mask or, in entry order, their indices)."""
        if dense is not None:
            found = dense[whole.col.astype(np.int64) * n_units + entry_units]
            hit = found < len(key)
            return found[hit], hit
        wanted = entry_units.astype(np.int64) * len(term_ids) + whole.col
        candidate = np.flatnonzero(maybe[_key_hash(wanted, shift)])
        wanted = wanted[candidate]
        at = np.minimum(np.searchsorted(sorted_key, wanted), len(key) - 1)
        hit = sorted_key[at] == wanted
        return order[at[hit]], candidate[hit]

    def permuted_counts(labels: np.ndarray) -> np.ndarray:
        """Each pair's term count in the clauses ``labels`` put in its unit."""
        if dense is not None:
            slot = dense[entry_base + labels.astype(np.int32)[entry_row]]
            return np.bincount(slot, weights=entry_data, minlength=len(key) + 1)[:len(key)]
        pair_p, hit = matched(labels[whole.row])
        return np.bincount(pair_p, weights=whole.data[hit], minlength=len(t))

    pair_of, own = matched(u[whole.row])
    inside = sparse.csc_matrix((whole.data[own], (whole.row[own], pair_of)),
                               shape=(n_rows, len(t)))
    y_obs = np.asarray(inside.sum(axis=0)).ravel()
    n_unit = np.bincount(u, weights=row_len, minlength=n_units)
    stat = _log_ratio(y_obs, total, n_unit[g], n_all, smooth)
    clauses_unit = np.diff(inside.indptr)
    top_share = np.where(y_obs > 0, inside.max(axis=0).toarray().ravel()
                         / np.maximum(y_obs, 1), np.nan)

    # Clause bootstrap within plans: multinomial weights per plan, chunks of replicates.
    plan_rows = rows_by_group(pl)[1]
    unit_len = _onehot(u, n_units, row_len)
    whole_csr, inside_csr = whole.tocsr(), inside.tocsr()
    # Without intervals only the count of replicates at or below 0 is kept, chunk by chunk:
    # the replicates x pairs matrix (320 MB at a thousand plans) is never held.
    reps = []
    at_or_below = np.zeros(len(t))
    for size in _chunks(n_boot, n_rows + 2 * len(t) + len(term_ids)):
        weights = np.zeros((size, n_rows))
        for rows in plan_rows:
            weights[:, rows] = rng.multinomial(len(rows), np.full(len(rows), 1 / len(rows)),
                                               size=size)
        y_b = (inside_csr.T @ weights.T).T
        all_b = (whole_csr.T @ weights.T).T[:, term_of]
        unit_b = (unit_len @ weights.T).T[:, g]
        rep = _log_ratio(y_b, all_b, unit_b, (weights @ row_len)[:, None], smooth)
        at_or_below += (rep <= 0).sum(axis=0)
        if intervals:
            reps.append(rep)
    low = high = np.full(len(t), np.nan)
    if intervals:
        boot = np.vstack(reps)
        alpha = 1 - level
        with np.errstate(all="ignore"):
            low = np.quantile(boot, alpha / 2, axis=0)
            high = np.quantile(boot, 1 - alpha / 2, axis=0)
    p_boot = (1 + at_or_below) / (1 + n_boot)

    # Clause permutation within length strata (see the module docstring).
    stratum = _strata(row_len)
    grouped = np.argsort(stratum, kind="stable")
    # The rows of each stratum in row order: a stable sort of the random keys within each
    # stratum is the order lexsort((keys, stratum)) gives, at a fraction of its cost.
    members = _strata_members(stratum, grouped)
    exceed = np.zeros(len(t))
    labels = np.empty(n_rows, dtype=int)
    for _ in range(n_perm):
        labels[grouped] = u[_within_strata_order(rng.random(n_rows), members)]
        y_p = permuted_counts(labels)
        unit_p = np.bincount(labels, weights=row_len, minlength=n_units)[g]
        exceed += _log_ratio(y_p, total, unit_p, n_all, smooth) >= stat - 1e-12
    p_clause = (1 + exceed) / (1 + n_perm)

    p_plan = np.full(len(t), np.nan)
    plan_unit = np.full(n_plans, -1)
    plan_unit[pl] = u
    nested = bool(np.all(plan_unit[pl] == u))          # every plan inside one unit
    sizes = np.bincount(plan_unit[plan_unit >= 0], minlength=n_units)
    testable = np.array([plan_test and nested and sizes[k] >= 2
                         and comb(n_plans, int(sizes[k])) >= MIN_PLAN_SPLITS
                         for k in range(n_units)])
    if testable[g].any():
        plan_counts = (_onehot(pl, n_plans) @ whole_csr).toarray()    # plans × unique terms
        plan_len = np.bincount(pl, weights=row_len, minlength=n_plans)
        exceed = np.zeros(len(t))
        for _ in range(n_perm):
            assign = plan_unit[rng.permutation(n_plans)]
            by_unit = _onehot(assign, n_units) @ plan_counts           # units × unique terms
            y_p = by_unit[g, term_of]
            unit_p = np.bincount(assign, weights=plan_len, minlength=n_units)[g]
            exceed += _log_ratio(y_p, total, unit_p, n_all, smooth) >= stat - 1e-12
        p_plan = np.where(testable[g], (1 + exceed) / (1 + n_perm), np.nan)

    # A term the comparison never uses has no rate to compare: no test, not a tiny p.
    unused = total <= 0
    p_boot, p_clause, p_plan = (np.where(unused, np.nan, p) for p in (p_boot, p_clause, p_plan))
    return pd.DataFrame({"unit": pairs["unit"].to_numpy(), "term": pairs["term"].to_numpy(),
                         "clauses_unit": clauses_unit.astype(int),
                         "top_clause_share": top_share, "log_ratio": stat,
                         "log_ratio_low": low, "log_ratio_high": high, "p_boot": p_boot,
                         "p_clause": p_clause, "p_plan": p_plan})


def _resample_part(args: tuple) -> pd.DataFrame:
    """:func:`resample_terms` of one (variant, unit type), its arguments in order (a
    module-level function, so that workers can take it)."""
    return resample_terms(*args)


def _bh_by_group(p: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values within each group (codes ``group``), NaN left out and
    kept NaN: :func:`scipy.stats.false_discovery_control` of each group's values, all groups
    at once (the same arithmetic: ``p * (m / i)`` in ascending order, running minimum from the
    top, clipped to [0, 1]; one scipy call per group was most of this step at a thousand
    plans). Tied p-values get the same q in any order, so the sort need not be stable."""
    q = np.full(len(p), np.nan)
    at = np.flatnonzero(~np.isnan(p))
    if np.any((p[at] < 0) | (p[at] > 1)):  # as scipy refuses them: a p outside [0, 1] is a bug
        raise ValueError("p-values must lie in [0, 1]")
    if not len(at):
        return q
    values, codes = p[at], group[at]
    order = np.lexsort((values, codes))
    values, codes = values[order], codes[order]
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    size = np.diff(np.r_[first, len(codes)])
    m = np.repeat(size, size)
    i = np.arange(len(codes)) - np.repeat(first, size) + 1
    scaled = values * (m / i.astype(float))
    backwards = pd.Series(scaled[::-1]).groupby(codes[::-1], sort=False).cummin().to_numpy()
    q[at[order]] = np.clip(backwards[::-1], 0.0, 1.0)
    return q


def adjust_and_flag(table: pd.DataFrame, by: list[str], alpha: float = ALPHA
                    ) -> pd.DataFrame:
    """Benjamini–Hochberg q-values of ``p_boot``, ``p_clause`` and ``p_plan`` within each
    group of ``by`` (``q_boot`` …), and the ``flag`` of the module docstring."""
    table = table.copy()
    group = table.groupby(by, sort=False).ngroup().to_numpy()
    for name in ("boot", "clause", "plan"):
        p = table[f"p_{name}"].to_numpy(dtype=float, copy=True)
        p[group < 0] = np.nan  # a row without a group (a missing key) is in no family
        table[f"q_{name}"] = _bh_by_group(p, group)
    spread = (table["q_boot"] < alpha) & (table["q_clause"] < alpha)
    table["flag"] = np.where(spread & (table["q_plan"] < alpha), FLAGS[0],
                             np.where(spread, FLAGS[1], FLAGS[2]))
    return table


def resampled_vocabulary(prepared: pd.DataFrame, reuse: pd.DataFrame,
                         documents: pd.DataFrame, top_n: int = keyness.TOP_N,
                         prior_scale: float = keyness.PRIOR_SCALE, n_boot: int = N_BOOT,
                         n_perm: int = N_PERM, seed: int = SEED) -> pd.DataFrame:
    """:func:`analysis.text.keyness.vocabulary_tables` with the resampling checks of every
    kept term (columns :data:`RESAMPLING_COLUMNS`), place names still apart.

    Returns
    -------
    pandas.DataFrame
        The rows and columns of ``vocabulary_tables`` (same order) plus the columns of
        :data:`RESAMPLING_COLUMNS`.
    """
    # The clauses of each variant are segmented and counted once, for both the tables and
    # their checks.
    by_clause = keyness.variant_clause_counts(prepared, reuse, documents)
    table = keyness.vocabulary_tables(prepared, reuse, documents, top_n, prior_scale,
                                      by_clause=by_clause)
    levels = prepared["doc_id"].map(documents.set_index("doc_id")["admin_level"])
    unit_of = {"document": prepared["doc_id"].to_numpy(), "admin_level": levels.to_numpy()}
    places = keyness.jurisdiction_terms(documents)
    if table.empty:  # one plan: no unit has a rest to be compared with
        dtypes = {"int": int, "float": float, "str": object}
        return table.assign(**{c.name: pd.Series(dtype=dtypes[c.dtype])
                               for c in RESAMPLING_COLUMNS})
    tasks, index, sizes, sliced = [], [], [], {}
    plans = prepared["doc_id"].to_numpy()
    for (variant, unit_type), rows in table.groupby(["variant", "unit_type"], sort=False):
        if variant not in sliced:  # one slice per variant, shared by its unit types
            counts, terms = by_clause["all text" if variant == "place names" else variant]
            is_place = np.array([x in places for x in terms], dtype=bool)
            keep = np.flatnonzero(is_place if variant == "place names" else ~is_place)
            sliced[variant] = (counts[:, keep].tocsr(), terms[keep])
        counts, terms = sliced[variant]
        part_seed = [seed, zlib.crc32(f"{variant}|{unit_type}".encode("utf-8"))]
        tasks.append((counts, terms, unit_of[unit_type], plans, rows[["unit", "term"]],
                      prior_scale, n_boot, n_perm,
                      int(np.random.SeedSequence(part_seed).generate_state(1)[0]),
                      LEVEL, unit_type != "document", False))
        index.append(rows.index)
        # The permutations' work follows the count entries, and plans as units (no dense
        # table) cost the most: those parts are handed out first, then by count entries.
        sizes.append((unit_type == "document", counts.nnz))
    # Each (variant, unit type) has its own seed, so the parts run on the stage's workers
    # give the tables of one process.
    done = run_tasks_by_size(_resample_part, tasks, sizes, jobs=stage_jobs(),
                             desc="distinctive-term checks")
    parts = []
    for rows_index, checked in zip(index, done):
        checked.index = rows_index
        # The interval is not written: it undercovers for top terms (module docstring).
        parts.append(checked.drop(columns=["unit", "term", "log_ratio_low", "log_ratio_high"]))
    extra = pd.concat(parts).loc[table.index]
    out = pd.concat([table, extra], axis=1)
    return adjust_and_flag(out, ["variant", "unit_type", "unit"])


def flag_summary(terms: pd.DataFrame, top: int = keyness.TOP_N) -> pd.DataFrame:
    """How many of each unit's top terms by z keep each flag (variant, unit type, flag)."""
    rows = terms[terms["rank_z"] <= top]
    table = rows.groupby(["variant", "unit_type", "flag"]).size().unstack("flag", fill_value=0)
    return table.reindex(columns=list(FLAGS), fill_value=0).reset_index()


_SRC = "`analysis.text.keyness_resampling.resampled_vocabulary`"
_BOOT = (f"{N_BOOT} bootstrap replicates resampling clauses within plans, fixed seed "
         f"({_SRC})")
#: Columns that :func:`resampled_vocabulary` adds to ``distinctive_terms.csv``.
RESAMPLING_COLUMNS = (
    Column("clauses_unit", "int", "Clauses of the unit that contain the term.", source=_SRC),
    Column("top_clause_share", "float", "Share of the unit's occurrences in its single "
           "busiest clause (empty when the unit has none).", nullable=True, source=_SRC),
    Column("log_ratio", "float", "Smoothed log rate ratio, unit vs rest: log(rate in unit + "
           "s) − log(rate in rest + s), s a tenth of the term's corpus rate; 0 when the "
           "rates are equal.", source=_SRC),
    Column("p_boot", "float", "One-sided bootstrap p-value: share of replicates (plus one) "
           "with `log_ratio` ≤ 0, a test that the term's expected rate in the unit's clauses, "
           "given these plans, is at most that of the rest (empty where the variant's text "
           "never uses the term, e.g. its only uses were removed as reuse). No interval is "
           "written: the bootstrap interval undercovers for top terms "
           "(`analysis.text.keyness_simulation`).", nullable=True, source=_BOOT),
    Column("q_boot", "float", "`p_boot` adjusted by Benjamini–Hochberg over the unit's kept "
           "terms in the variant (empty with `p_boot`).", nullable=True, source=_SRC),
    Column("p_clause", "float", "One-sided permutation p-value of `log_ratio` with the "
           f"clauses' unit labels permuted within {N_STRATA} clause-length strata "
           f"({N_PERM} permutations, fixed seed); empty where the variant's text never uses "
           "the term.", nullable=True, source=_SRC),
    Column("q_clause", "float", "`p_clause` adjusted like `q_boot`.", nullable=True,
           source=_SRC),
    Column("p_plan", "float", "One-sided permutation p-value of `log_ratio` with the plans' "
           f"group labels permuted ({N_PERM} permutations); empty for single plans and for "
           f"groups with fewer than {MIN_PLAN_SPLITS} possible splits (always, with five "
           "plans).", nullable=True, source=_SRC),
    Column("q_plan", "float", "`p_plan` adjusted like `q_boot`.", nullable=True,
           source=_SRC),
    Column("flag", "str", "`across plans`: q_plan, q_boot and q_clause below 0.05; `across "
           "clauses`: q_boot and q_clause below 0.05 (plans too few to test, or the plan "
           "test not passed); `few clauses`: otherwise.", allowed=FLAGS, source=_SRC),
)


def with_resampling(schema: TableSchema) -> TableSchema:
    """The ``distinctive_terms`` schema with :data:`RESAMPLING_COLUMNS` appended and its
    description saying what they add (for :func:`resampled_vocabulary` output)."""
    description = (schema.description + " Each kept term is checked by resampling clauses "
                   "and plans instead of tokens (`analysis.text.keyness_resampling`): a "
                   "bootstrap of the smoothed log rate ratio over clauses within plans, a "
                   "permutation of clauses between unit and rest within clause-length "
                   "strata, and a permutation of plans between groups where there are "
                   "enough plans; `flag` sums them up. Place and jurisdiction names (the "
                   "gazetteer's, the plans' own places without suffix, 全省/本市 …) form "
                   "the variant `place names`.")
    return replace(schema, description=description,
                   columns=tuple(schema.columns) + RESAMPLING_COLUMNS)
