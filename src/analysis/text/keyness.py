"""Distinctive vocabulary: weighted log-odds ratios with an informative Dirichlet prior
(Monroe, Colaresi and Quinn 2008), with chi-squared and likelihood-ratio keyness beside them.

For a unit (one plan, or all plans of one administrative level) against the rest of the
corpus, with counts ``y_i`` (unit) and ``y_j`` (rest) of a term, totals ``n_i`` and ``n_j``,
and prior pseudo-counts ``a_w = a0 * pi_w`` (``pi_w`` the term's share of the whole corpus,
``a0`` the prior's total mass):

    delta_w = log((y_i + a_w) / (n_i + a0 - y_i - a_w))
            - log((y_j + a_w) / (n_j + a0 - y_j - a_w))
    var(delta_w) ~= 1 / (y_i + a_w) + 1 / (y_j + a_w)
    z_w = delta_w / sqrt(var(delta_w))

(Monroe et al. 2008, eqs. 16, 18–20, 22). ``z`` is the main ranking: it is large only for
terms that are both frequent and lopsided. The prior's strength is a choice the paper leaves
open: ``a0`` equal to the corpus size (the empirical-Bayes default of the R package
``tidylo``) favours rare terms found in one plan only (place names), a weak prior favours the
most frequent words. The default here, :data:`PRIOR_SCALE` = 0.1 (the prior carries a tenth
of the corpus), sits between; :func:`prior_sensitivity` shows how much the top terms depend
on it. Words of one character are left out (mostly fragments and function words).

Keyness as in quanteda-based papers, signed positive when the unit uses the term more than
expected: Pearson chi-squared with Yates' continuity correction and the likelihood-ratio G²
(no correction), both on the 2 × 2 table (term, other terms) × (unit, rest).

Copied passages inflate all of these: a passage that Yichun repeats from Jiangxi makes
Jiangxi's words look typical of Jiangxi *and* of Yichun. :func:`texts_with_reuse_once`
removes from the copying plan the text it shares with its source, so the passage is counted
once, in the source.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.core.parallel import run_tasks, run_tasks_by_size, stage_jobs
# the reuse-counted-once variant's texts (in their own module; named here as before)
from analysis.text.reuse_once import copy_direction, texts_with_reuse_once  # noqa: F401
from analysis.text.tokenise import glossary, tokenise_clauses

if TYPE_CHECKING:
    from scipy import sparse

TOP_N = 40
PRIOR_SCALE = 0.1
MIN_LENGTH = 2


@dataclass(frozen=True, eq=False)
class TermCounts:
    """Units × terms counts held sparse: what :func:`count_matrix` returns with
    ``sparse=True``, and what :func:`distinctive_terms` reads one unit at a time.

    The dense table is units × vocabulary numbers, and the vocabulary grows with the corpus:
    for the 1,000-plan synthetic corpus of the scale benchmark
    (:mod:`analysis.pipeline.scale_bench`) it was 1,000 × 30,894 (247 MB, and three copies
    while it was made). It offers the few table operations its callers use.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        Units × terms counts (float).
    index : pandas.Index
        The units, in row order.
    columns : pandas.Index
        The terms, in column order (unique).
    """

    matrix: sparse.csr_matrix
    index: pd.Index
    columns: pd.Index

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def _positions(self, terms) -> np.ndarray:
        """Column positions of ``terms`` (a label or a list); KeyError for an unknown one,
        as a DataFrame raises."""
        terms = [terms] if isinstance(terms, str) else list(terms)
        at = self.columns.get_indexer(terms)
        if (at < 0).any():
            missing = [t for t, k in zip(terms, at) if k < 0]
            raise KeyError(f"not a term of these counts: {missing[:5]}")
        return at

    def _take(self, positions: np.ndarray) -> "TermCounts":
        return TermCounts(self.matrix[:, positions].tocsr(), self.index,
                          self.columns[positions])

    def drop(self, columns) -> "TermCounts":
        """Without the given terms (a label or a list of labels)."""
        keep = np.ones(len(self.columns), dtype=bool)
        keep[self._positions(columns)] = False
        return self._take(np.flatnonzero(keep))

    def __getitem__(self, terms) -> "TermCounts":
        return self._take(self._positions(terms))

    def to_frame(self) -> pd.DataFrame:
        """The dense table (small corpora and tests only)."""
        return pd.DataFrame(self.matrix.toarray(), index=self.index, columns=self.columns)


def clause_counts(tokens: pd.Series, min_length: int = MIN_LENGTH
                  ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Clauses × terms counts (float, sparse) of space-joined token strings, and the terms
    (code-point order); terms shorter than ``min_length`` characters are dropped."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False)
    counts = vectorizer.fit_transform(tokens.fillna("").to_numpy()).tocsr()
    terms = vectorizer.get_feature_names_out()
    keep = np.flatnonzero([len(t) >= min_length for t in terms])
    return counts[:, keep].tocsr().astype(float), terms[keep]


def count_matrix(tokens: pd.Series, units: pd.Series, min_length: int = MIN_LENGTH,
                 sparse: bool = False) -> pd.DataFrame | TermCounts:
    """Units × terms count table from space-joined token strings (one per clause).

    Parameters
    ----------
    tokens : pandas.Series
        Space-joined tokens of each clause.
    units : pandas.Series
        Unit of each clause (same order).
    min_length : int
        Terms shorter than this (in characters) are dropped.
    sparse : bool
        Return a :class:`TermCounts` (the same counts held sparse), which
        :func:`distinctive_terms` and :func:`prior_sensitivity` read as they read the
        table; the build uses it, since the dense table grows as units × vocabulary.

    Returns
    -------
    pandas.DataFrame or TermCounts
        Units (sorted) × terms (code-point order), float counts.
    """
    return unit_counts(*clause_counts(tokens, min_length), units, sparse)


def unit_counts(by_clause: sparse.csr_matrix, terms: np.ndarray, units: pd.Series,
                sparse: bool = False) -> pd.DataFrame | TermCounts:
    """:func:`count_matrix` from clause counts already made (:func:`clause_counts`), so that
    the clauses of one text variant are counted once for every kind of unit."""
    from scipy import sparse as sp

    codes, labels = pd.factorize(units.to_numpy(), sort=True)
    member = sp.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))),
                           shape=(len(labels), len(codes)))
    counts = (member @ by_clause).tocsr()
    index, columns = pd.Index(labels, name="unit"), pd.Index(terms)
    if sparse:
        counts.sort_indices()
        return TermCounts(counts, index, columns)
    return pd.DataFrame(counts.toarray(), index=index, columns=columns)


def log_odds_dirichlet(y_i: np.ndarray, y_j: np.ndarray, prior: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted log-odds ratio of group i against group j with an informative prior.

    Parameters
    ----------
    y_i, y_j : numpy.ndarray
        Term counts in the two groups (same term order).
    prior : numpy.ndarray
        Dirichlet pseudo-counts ``a_w`` per term (their sum is ``a0``).

    Returns
    -------
    (delta, variance, z) : tuple of numpy.ndarray
    """
    y_i, y_j, prior = (np.asarray(v, dtype=float) for v in (y_i, y_j, prior))
    return _log_odds(y_i, y_j, prior, y_i.sum(), y_j.sum(), prior.sum())


def _log_odds(y_i, y_j, prior, n_i, n_j, a0):
    """:func:`log_odds_dirichlet` of some of the terms, the totals given (the same
    expressions term by term, so the same floats as on the whole vocabulary)."""
    delta = (np.log((y_i + prior) / (n_i + a0 - y_i - prior))
             - np.log((y_j + prior) / (n_j + a0 - y_j - prior)))
    variance = 1 / (y_i + prior) + 1 / (y_j + prior)
    return delta, variance, delta / np.sqrt(variance)


def keyness(y_i: np.ndarray, y_j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed chi-squared (Yates-corrected) and G² keyness of each term, unit vs rest.

    The 2 × 2 table of a term is ``[[y_i, y_j], [n_i - y_i, n_j - y_j]]``. The sign is
    positive when the unit's count exceeds its expected count.
    """
    a = np.asarray(y_i, dtype=float)
    b = np.asarray(y_j, dtype=float)
    return _keyness(a, b, a.sum(), b.sum())


def _keyness(a, b, n_a, n_b):
    """:func:`keyness` of some of the terms, the two totals given."""
    c = n_a - a
    d = n_b - b
    n = a + b + c + d
    # Cell by cell rather than as 4 x terms stacks: the same arithmetic in the same order
    # (so the same bits) without the stacked copies (3.7 -> 2.4 ms a call at 30,000 terms).
    observed = (a, b, c, d)
    expected = ((a + b) * (a + c) / n, (a + b) * (b + d) / n, (c + d) * (a + c) / n,
                (c + d) * (b + d) / n)
    sign = np.where(a > expected[0], 1.0, -1.0)
    chi2 = g2 = None
    for o, e in zip(observed, expected):
        gap = np.abs(o - e)
        # Yates: move each cell half a count toward its expectation, never past it.
        shift = np.minimum(0.5, gap)
        with np.errstate(divide="ignore", invalid="ignore"):
            # A unit (or the rest) without any token has cells with nothing expected: they
            # carry no evidence and add nothing (instead of 0/0).
            cell = np.where(e > 0, (gap - shift) ** 2 / e, 0.0)
            term = np.where(o > 0, o * np.log(o / e), 0.0)
        chi2 = cell if chi2 is None else chi2 + cell
        g2 = term if g2 is None else g2 + term
    g2 = 2 * g2
    return sign * chi2, sign * g2


def distinctive_terms(counts: pd.DataFrame | TermCounts, prior_scale: float = PRIOR_SCALE,
                      min_count: int = 1, keep=None, select=None) -> pd.DataFrame:
    """Every unit against the rest: log-odds, z, keyness and ranks, for every term or for the
    rows ``keep`` or ``select`` keep.

    Parameters
    ----------
    counts : pandas.DataFrame or TermCounts
        Units × terms counts (:func:`count_matrix`), dense or sparse; a
        :class:`TermCounts` is read one unit at a time.
    prior_scale : float
        ``a0`` as a multiple of the corpus size (1: the prior adds each term's corpus count;
        default :data:`PRIOR_SCALE`).
    min_count : int
        Terms used fewer times in the whole corpus are dropped.
    keep : callable, optional
        ``keep(unit, rows)`` with ``rows`` a dict of this unit's columns (numpy arrays over
        the terms) returns a boolean mask of the rows to keep; None keeps every term.
    select : analysis.text.keyness_ranks.Selection, optional
        Instead of ``keep``: each unit's top terms by rank and named terms. On a
        :class:`TermCounts` only those rows are computed, from the unit's non-zero counts
        (:mod:`analysis.text.keyness_ranks`; the same rows and numbers), so that neither the
        units x vocabulary table nor a vocabulary-long pass per unit is made (callers that
        need only each unit's top terms pass it).

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``term``, ``count_unit``, ``count_rest``, ``per_10k_unit``,
        ``per_10k_rest``, ``log_odds``, ``z``, ``chi2``, ``g2``, ``rank_z``, ``rank_chi2``,
        ``rank_g2`` (1 = most distinctive of the unit; ties broken by term).
    """
    if select is not None and keep is not None:
        raise ValueError("give keep or select, not both")
    if isinstance(counts, TermCounts):
        # One unit's row is made dense at a time: never the units x vocabulary table.
        matrix = counts.matrix
        total = np.asarray(matrix.sum(axis=0), dtype=float).ravel()
        frequent = total >= min_count
        if not frequent.all():
            matrix = matrix[:, np.flatnonzero(frequent)].tocsr()

        def unit_row(k):
            return matrix[k].toarray().ravel().astype(float)
    else:
        values = counts.to_numpy(dtype=float)
        total = values.sum(axis=0)
        frequent = total >= min_count
        values = values[:, frequent]

        def unit_row(k):
            return values[k]
    terms = counts.columns[frequent]
    total = total[frequent]
    prior = prior_scale * total.sum() * total / total.sum()
    a0 = prior.sum()
    # Ties of a statistic are broken by the term (ascending); ranks come from one stable
    # numpy sort per unit and statistic of the values laid out in term order (a pandas sort
    # per unit made this quadratic-looking at a few hundred plans: units x vocabulary rows
    # sorted three times).
    term_array = np.asarray(terms, dtype=object)
    by_term = np.argsort(term_array, kind="stable")

    def statistics(y_i, y_j, prior_w, n_i, n_j):
        delta, _, z = _log_odds(y_i, y_j, prior_w, n_i, n_j, a0)
        return (delta, z, *_keyness(y_i, y_j, n_i, n_j))

    def full_rows(k):
        """Unit ``k``'s rows for every term (None if it has no rest)."""
        y_i = unit_row(k)
        y_j = total - y_i
        if not y_j.any():
            return None  # the unit holds the whole corpus: there is no rest to compare it with
        delta, z, chi2, g2 = statistics(y_i, y_j, prior, y_i.sum(), y_j.sum())
        rows = {"term": term_array,
                "count_unit": y_i.astype(int), "count_rest": y_j.astype(int),
                "per_10k_unit": 1e4 * y_i / max(y_i.sum(), 1),
                "per_10k_rest": 1e4 * y_j / max(y_j.sum(), 1),
                "log_odds": delta, "z": z, "chi2": chi2, "g2": g2}
        for name, value in (("z", z), ("chi2", chi2), ("g2", g2)):
            # Descending statistic (NaN last, as pandas sorts), then ascending term: one
            # stable sort of the values laid out in term order (the order of
            # np.lexsort((term_rank, -value)), whose two sorts took a third of this loop).
            order = by_term[np.argsort(-value[by_term], kind="stable")]
            rank = np.empty(len(order), dtype=int)
            rank[order] = np.arange(1, len(order) + 1)
            rows[f"rank_{name}"] = rank
        return rows

    if (select is not None and isinstance(counts, TermCounts) and terms.is_unique
            and np.all(np.mod(matrix.data, 1) == 0)):
        # (whole-number counts and unique terms: what makes both paths the same numbers)
        from analysis.text.keyness_ranks import selected_rows
        columns = selected_rows(matrix, term_array, total, prior, counts.index, select,
                                statistics, full_rows)
    else:
        keep = select.mask if select is not None else keep
        columns = {c: [] for c in _COLUMNS}
        for k, unit in enumerate(counts.index):
            rows = full_rows(k)
            if rows is None:
                continue
            # The unit column is filled after the mask: a units x vocabulary object array
            # per call was a sixth of this function's time at a thousand plans.
            mask = None if keep is None else np.asarray(keep(unit, rows), dtype=bool)
            n_kept = len(term_array) if mask is None else int(mask.sum())
            columns["unit"].append(np.full(n_kept, unit, dtype=object))
            for name, value in rows.items():
                columns[name].append(value if mask is None else value[mask])
    if not columns["unit"]:  # typed, so that a concat with other tables keeps numbers numeric
        return pd.DataFrame({"unit": pd.Series(dtype=object), "term": pd.Series(dtype=object),
                             **{c: pd.Series(dtype=int) for c in ("count_unit", "count_rest")},
                             **{c: pd.Series(dtype=float) for c in (
                                 "per_10k_unit", "per_10k_rest", "log_odds", "z", "chi2", "g2")},
                             **{c: pd.Series(dtype=int) for c in (
                                 "rank_z", "rank_chi2", "rank_g2")}})
    return pd.DataFrame({c: np.concatenate(parts) for c, parts in columns.items()})


_COLUMNS = ("unit", "term", "count_unit", "count_rest", "per_10k_unit", "per_10k_rest",
            "log_odds", "z", "chi2", "g2", "rank_z", "rank_chi2", "rank_g2")


@lru_cache(maxsize=1)
def place_terms() -> frozenset[str]:
    """Names of administrative divisions (the gazetteer of :mod:`analysis.core.places`)
    that vocabulary statistics leave out, except two-character district names that are
    ordinary words (矿区 mining area, 城区, 郊区, 东区)."""
    from analysis.core.places import place_names

    return frozenset(n for n in place_names() if not (len(n) <= 2 and n.endswith("区")))


def variant_tokens(prepared: pd.DataFrame, reuse: pd.DataFrame, documents: pd.DataFrame
                   ) -> dict[str, pd.Series]:
    """Tokens per clause (``prepared`` order) of the two count variants, ``all text`` and
    ``reuse counted once`` (:func:`texts_with_reuse_once`)."""
    variants = {"all text": prepared["content"].str.replace(r"\s+", "", regex=True),
                "reuse counted once": texts_with_reuse_once(prepared, reuse, documents)}
    out = {}
    for variant, texts in variants.items():
        frame = pd.DataFrame({"doc_id": prepared["doc_id"], "clause_id": prepared["clause_id"],
                              "text": texts})
        out[variant] = tokenise_clauses(frame)["tokens"].reset_index(drop=True)
    return out


def variant_clause_counts(prepared: pd.DataFrame, reuse: pd.DataFrame,
                          documents: pd.DataFrame) -> dict[str, tuple]:
    """Clause × term counts (:func:`clause_counts`) of each variant of
    :func:`variant_tokens`, made once for :func:`vocabulary_tables` and its resampling."""
    return {variant: clause_counts(tokens)
            for variant, tokens in variant_tokens(prepared, reuse, documents).items()}


#: Words for "the whole / this jurisdiction" (全省 the whole province, 本市 this city …): a
#: plan names its own level's scope, so they mark the level, not a priority.
SCOPE_TERMS = frozenset(a + b for a in "全本我" for b in "省市县区")
_SUFFIX = r"(.{2,}?)(?:自治县|自治州|地区|省|市|县|区)"


def jurisdiction_terms(documents: pd.DataFrame) -> frozenset[str]:
    """:func:`place_terms`, plus the corpus's own jurisdictions, provinces and parents in
    full and without their suffix (永嘉县 and 永嘉, 海门区 and 海门), plus
    :data:`SCOPE_TERMS`. Short forms are taken only for the plans' own places: across the
    whole gazetteer they would remove ordinary words (公安, 平安, 新兴 are county names)."""
    import re

    names = set()
    for column in ("jurisdiction_zh", "province_zh", "parent_zh"):
        if column in documents:
            names |= {n for n in documents[column] if isinstance(n, str) and n}
    short = {m.group(1) for n in names if (m := re.fullmatch(_SUFFIX, n))}
    return frozenset(place_terms() | names | short | SCOPE_TERMS)


def _vocabulary_part(args: tuple) -> pd.DataFrame:
    """One part of :func:`vocabulary_tables`: :func:`distinctive_terms` of one variant and
    unit type, keeping each unit's ``top_n`` terms by z (``wanted`` None) or the terms
    ``wanted[unit]`` (a module-level function, so that workers can take it)."""
    from analysis.text.keyness_ranks import Selection

    name, unit_type, part, prior_scale, top_n, wanted = args
    # Place names: the places a unit names, not those it does not.
    select = Selection(top={"z": top_n} if wanted is None else {}, terms=wanted,
                       used_only=name == "place names")
    table = distinctive_terms(part, prior_scale=prior_scale, select=select)
    table.insert(0, "unit_type", unit_type)
    table.insert(0, "variant", name)
    return table  # empty, but typed, where the unit is the whole corpus


def vocabulary_tables(prepared: pd.DataFrame, reuse: pd.DataFrame, documents: pd.DataFrame,
                      top_n: int = TOP_N, prior_scale: float = PRIOR_SCALE,
                      by_clause: dict | None = None) -> pd.DataFrame:
    """Distinctive terms per plan and per administrative level, in two variants.

    Variants: ``all text``, and ``reuse counted once`` (:func:`texts_with_reuse_once`).
    Place and jurisdiction names (:func:`jurisdiction_terms`) are left out of both, since a
    plan names its own jurisdiction; they are reported apart as the variant ``place names``
    (ranked among those names only, on all text).
    Kept: the ``top_n`` terms by z of each unit and variant, plus any term in the other
    variant's top ``top_n`` of the same unit, so that the two rankings can be compared.

    Returns
    -------
    pandas.DataFrame
        :func:`distinctive_terms` columns plus ``variant``, ``unit_type`` (``document`` or
        ``admin_level``) and ``english`` (glossary; empty where the glossary lacks the term).
    """
    levels = prepared["doc_id"].map(documents.set_index("doc_id")["admin_level"])
    excluded = jurisdiction_terms(documents)
    parts = []
    if by_clause is None:
        by_clause = variant_clause_counts(prepared, reuse, documents)
    for variant, (clause_matrix, terms) in by_clause.items():
        for unit_type, units in (("document", prepared["doc_id"]), ("admin_level", levels)):
            counts = unit_counts(clause_matrix, terms, units, sparse=True)
            places = [t for t in counts.columns if t in excluded]
            parts.append((variant, unit_type, counts.drop(columns=places)))
            if variant == "all text" and places:
                parts.append(("place names", unit_type, counts[places]))

    # Two passes, so that no units x vocabulary table is held: the top terms of every unit
    # in every variant, then each variant's rows of the terms in any variant's top. The
    # parts of a pass are independent: they run on the stage's workers (in order of size).
    sizes = [part.shape[0] for _, _, part in parts]  # units: each is ranked in turn
    tops = run_tasks_by_size(_vocabulary_part, [(name, unit_type, part, prior_scale, top_n, None)
                                                for name, unit_type, part in parts],
                             sizes, jobs=stage_jobs(), desc="distinctive terms")
    wanted: dict[str, dict[str, set]] = {}
    for top in tops:
        for unit_type, unit, term in zip(top["unit_type"], top["unit"], top["term"]):
            wanted.setdefault(unit_type, {}).setdefault(unit, set()).add(term)
    tables = run_tasks_by_size(_vocabulary_part,
                               [(name, unit_type, part, prior_scale, top_n,
                                 wanted.get(unit_type, {})) for name, unit_type, part in parts],
                               sizes, jobs=stage_jobs(), desc="distinctive terms")
    kept = pd.concat(tables, ignore_index=True)
    kept["english"] = kept["term"].map(glossary()).fillna("").astype("str")
    order = {"all text": 0, "reuse counted once": 1, "place names": 2}
    kept = kept.sort_values(["unit_type", "unit", "variant", "rank_z"],
                            key=lambda s: s.map(order) if s.name == "variant" else s)
    return kept.reset_index(drop=True)


def _near_top_part(args: tuple) -> pd.DataFrame:
    """:func:`distinctive_terms` at one prior scale (``args``: counts, scale, top), keeping
    every row that any ranking of :func:`prior_sensitivity` needs."""
    from analysis.text.keyness_ranks import Selection

    counts, scale, top = args
    return distinctive_terms(counts, scale, select=Selection(top={"z": top, "chi2": top,
                                                                  "g2": top}))


def prior_sensitivity(counts: pd.DataFrame | TermCounts, scales=(0.01, 0.1, 1.0),
                      top: int = 10) -> pd.DataFrame:
    """How much each unit's top terms depend on the prior and on the statistic.

    For every unit: the overlap (shared terms / ``top``) of the top-``top`` terms by z at
    each prior scale with those at :data:`PRIOR_SCALE`, and of the top terms by signed
    chi-squared and by G² with those by z at :data:`PRIOR_SCALE`.
    """
    # The default scale's table is the reference itself (not computed twice); the tables
    # of the other scales are independent and run on the stage's workers.
    others = [scale for scale in scales if scale != PRIOR_SCALE]
    base, *computed = run_tasks(_near_top_part,
                                [(counts, scale, top) for scale in (PRIOR_SCALE, *others)],
                                jobs=stage_jobs(), desc="prior scales")
    by_scale = dict(zip(others, computed))

    def tops(table, column):
        # Ranks are 1..T within a unit, so the ``top`` smallest are those <= top.
        best = table[table[f"rank_{column}"] <= top]
        found = {u: set(g) for u, g in best.groupby("unit")["term"]}
        return {u: found.get(u, set()) for u in sorted(table["unit"].unique())}

    reference = tops(base, "z")
    rows = []
    for scale in scales:
        table = base if scale == PRIOR_SCALE else by_scale[scale]
        other = tops(table, "z")
        rows += [{"unit": u, "comparison": f"z, prior scale {scale:g}",
                  "top_overlap": len(reference[u] & other[u]) / top} for u in reference]
    for column, label in (("chi2", "chi-squared (Yates)"), ("g2", "G2")):
        other = tops(base, column)
        rows += [{"unit": u, "comparison": label,
                  "top_overlap": len(reference[u] & other[u]) / top} for u in reference]
    return pd.DataFrame(rows, columns=["unit", "comparison", "top_overlap"])


def top_terms_by_unit(terms: pd.DataFrame, unit_type: str = "admin_level",
                      variant: str = "reuse counted once", n: int = 8) -> pd.Series:
    """The ``n`` most distinctive terms of each unit, by z rank, as one readable line.

    Parameters
    ----------
    terms : pandas.DataFrame
        ``distinctive_terms.csv`` (columns ``unit_type, unit, variant, term, english,
        rank_z``).
    unit_type, variant : str
        Which units (``document`` or ``admin_level``) and which count variant to show.
    n : int
        Terms per unit.

    Returns
    -------
    pandas.Series
        Indexed by unit: ``"term (english) · term · …"`` (English only where the glossary
        has it).
    """
    rows = terms[(terms["unit_type"] == unit_type) & (terms["variant"] == variant)]
    lines = {}
    for unit, group in rows.groupby("unit"):
        top = group.nsmallest(n, "rank_z")
        lines[unit] = " · ".join(f"{t} ({e})" if isinstance(e, str) and e else t
                                 for t, e in zip(top["term"], top["english"]))
    return pd.Series(lines, name="top terms", dtype="str").rename_axis("unit")
