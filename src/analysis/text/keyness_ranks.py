"""Each unit's kept rows of :func:`analysis.text.keyness.distinctive_terms`, computed without a
pass over the whole vocabulary per unit.

The full table ranks every term of the vocabulary for every unit (three statistics, ties
broken by the term), so each unit cost a few vocabulary-long arrays and three sorts of them:
units × vocabulary work, and the vocabulary grows with the corpus (time growth exponent 1.66
from 1,000 to 4,000 plans in ``bench/results.json`` ``distinctive_terms_scaling``). The
callers keep only a few rows per unit (its top terms, or named terms), and this module finds
exactly those rows and their ranks from the unit's non-zero counts:

* A term the unit does not use (``y_i = 0``) has statistics that depend only on its corpus
  total (its prior and its rest count are functions of the total), so the unit's unused terms
  fall into one group per distinct total, with one value per group and statistic. A group's
  values are computed by the same expressions on the same numbers as the term-by-term ones,
  so they are the same floats.
* A rank is 1 + the number of terms with a larger value + the number of terms with an equal
  value and an earlier term (the order of the full table: descending value, ties by term).
  Both counts come from the unit's used terms and the groups, with the groups' members kept
  sorted by term.

Work per unit: its used terms plus the distinct totals (about 1,500 at a thousand plans,
against some 30,000 terms). The rows, values and ranks equal the full table's (tested
against it on real and on random counts with many ties). A statistic that is NaN anywhere
sends the unit to the full computation, which orders NaN last. Written by hand: this is
ranking with ties over a grouped vocabulary, which no library does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

STATISTICS = ("z", "chi2", "g2")


@dataclass(frozen=True)
class Selection:
    """Which rows of each unit :func:`analysis.text.keyness.distinctive_terms` keeps.

    A row is kept if its rank by any statistic in ``top`` is at most the number given, or its
    term is among ``terms[unit]``; with ``used_only`` a kept row must also have a count in the
    unit.
    """

    top: Mapping[str, int] = field(default_factory=dict)
    terms: Mapping[str, object] | None = None
    used_only: bool = False

    def mask(self, unit, rows: dict) -> np.ndarray:
        """The same choice on a unit's full rows (the vocabulary-long arrays of the full
        computation)."""
        keep = np.zeros(len(rows["term"]), dtype=bool)
        for name, n in self.top.items():
            keep |= rows[f"rank_{name}"] <= n
        wanted = (self.terms or {}).get(unit, ())
        if len(wanted):
            keep |= np.isin(rows["term"], np.array(list(wanted), dtype=object))
        return keep & (rows["count_unit"] > 0) if self.used_only else keep


class _Groups:
    """The vocabulary grouped by corpus total, each group's members sorted by term."""

    def __init__(self, total: np.ndarray, name_rank: np.ndarray):
        # any member (the first) stands for the group: equal totals give equal priors and
        # statistics
        self.values, self.first, self.of_term = np.unique(total, return_index=True,
                                                          return_inverse=True)
        self.size = np.bincount(self.of_term, minlength=len(self.values))
        order = np.lexsort((name_rank, self.of_term))
        self.members = order                               # term positions, group by group
        self.member_rank = name_rank[order]                # their term ranks, sorted per group
        self.start = np.concatenate([[0], np.cumsum(self.size)])
        # (group, term rank) as one increasing number: members of a group before a term
        # are one binary search away, for many groups at once
        self.width = len(total) + 1
        self.key = np.repeat(np.arange(len(self.values)), self.size) * self.width \
            + self.member_rank


class _UnitRanks:
    """One statistic of one unit: the values of its used terms and of its groups of unused
    terms, with what the ranks need."""

    def __init__(self, used_values, used_pos, name_rank, group_values, group_mult, groups):
        self.used_values, self.used_pos = used_values, used_pos
        self.used_rank = name_rank[used_pos]
        self.used_sorted = np.sort(used_values)
        live = group_mult > 0
        self.group_ids = np.flatnonzero(live)
        self.group_values = group_values[live]
        self.group_mult = group_mult[live]
        order = np.argsort(self.group_values, kind="stable")
        self.group_sorted = self.group_values[order]
        # multiplicity of groups at or above each sorted position, counted from the top
        self.group_above = np.concatenate([np.cumsum(self.group_mult[order][::-1])[::-1], [0]])
        self.groups = groups

    def _unused_members(self, group_id: int) -> tuple[np.ndarray, np.ndarray]:
        g = self.groups
        members = g.members[g.start[group_id]:g.start[group_id + 1]]
        ranks = g.member_rank[g.start[group_id]:g.start[group_id + 1]]
        used = np.isin(members, self.used_pos)
        return members[~used], ranks[~used]

    def _group_equal_before(self, value: float, rank: int) -> int:
        """Unused terms with exactly ``value`` and an earlier term than the one of ``rank``
        (Yates' correction gives many groups the same chi-squared, 0)."""
        g = self.groups
        tied = self.group_ids[self.group_values == value]
        before = np.searchsorted(g.key, tied * g.width + rank) - g.start[tied]
        # the unit's used terms of those totals are not members of its unused groups
        used = np.isin(g.of_term[self.used_pos], tied) & (self.used_rank < rank)
        return int(before.sum() - used.sum())

    def ranks(self, values: np.ndarray, rank_of_term: np.ndarray) -> np.ndarray:
        """Rank of terms with these values (theirs in this unit) and term ranks."""
        used_right = np.searchsorted(self.used_sorted, values, side="right")
        used_left = np.searchsorted(self.used_sorted, values, side="left")
        group_right = np.searchsorted(self.group_sorted, values, side="right")
        out = 1 + (len(self.used_sorted) - used_right) + self.group_above[group_right]
        # Ties among the used terms (terms with equal counts and totals have equal values):
        # used terms sorted by value, then term, keyed by (first position of their value,
        # term rank), so one binary search counts those with the same value and an earlier
        # term.
        if len(self.used_sorted):
            width = self.groups.width
            order = np.lexsort((self.used_rank, self.used_values))
            block = np.searchsorted(self.used_sorted, self.used_values[order], side="left")
            key = block * width + self.used_rank[order]
            # (a value no used term has would land in the next value's block: 0 there)
            out += np.where(used_right > used_left,
                            np.searchsorted(key, used_left * width + rank_of_term) - used_left,
                            0)
        # Ties with unused terms (an unused term always shares its group's value): one by one.
        for k in np.flatnonzero(group_right > np.searchsorted(self.group_sorted, values)):
            out[k] += self._group_equal_before(values[k], rank_of_term[k])
        return out.astype(int)

    def top(self, n: int) -> np.ndarray:
        """Term positions of the ``n`` best ranks."""
        values = np.concatenate([self.used_values, self.group_values])
        mult = np.concatenate([np.ones(len(self.used_values), dtype=np.intp), self.group_mult])
        if mult.sum() <= n:
            threshold = values.min() if len(values) else np.inf
        else:
            order = np.argsort(-values, kind="stable")
            threshold = values[order][np.searchsorted(np.cumsum(mult[order]), n)]
        above = [self.used_pos[self.used_values > threshold]]
        tied = [self.used_pos[self.used_values == threshold]]
        tied_rank = [self.used_rank[self.used_values == threshold]]
        reached = self.group_values >= threshold
        for gid, value in zip(self.group_ids[reached], self.group_values[reached]):
            members, ranks = self._unused_members(gid)
            if value > threshold:
                above.append(members)
            else:
                tied.append(members)
                tied_rank.append(ranks)
        above = np.concatenate(above)
        tied, tied_rank = np.concatenate(tied), np.concatenate(tied_rank)
        room = max(n - len(above), 0)
        return np.concatenate([above, tied[np.argsort(tied_rank, kind="stable")[:room]]])


def selected_rows(matrix, terms: np.ndarray, total: np.ndarray, prior: np.ndarray,
                  units, select: Selection,
                  unit_statistics: Callable, full_rows: Callable) -> dict[str, list]:
    """The kept rows of every unit, as :func:`analysis.text.keyness.distinctive_terms` builds
    them (columns of lists of arrays, unit by unit, rows in term order).

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Units x terms counts, whole numbers (sums of whole-number floats are exact in any
        order, which the equality with the full computation rests on; the caller checks).
    terms, total, prior : numpy.ndarray
        The terms (unique, object array), their corpus totals and prior pseudo-counts.
    units : sequence
        The unit of each row.
    select : Selection
        The rows to keep.
    unit_statistics : callable
        ``unit_statistics(y_i, y_j, prior, n_i, n_j)`` returns ``(delta, z, chi2, g2)`` for
        the given terms.
    full_rows : callable
        ``full_rows(k)``: the full computation's rows dict of unit ``k``, used where a
        statistic is NaN.

    Returns
    -------
    dict of str to list of numpy.ndarray
        The columns of :func:`analysis.text.keyness.distinctive_terms`, one array per unit.
    """
    name_rank = np.empty(len(terms), dtype=np.intp)
    name_rank[np.argsort(np.asarray(terms, dtype=object), kind="stable")] = np.arange(len(terms))
    groups = _Groups(total, name_rank)
    group_total = total[groups.first]
    group_prior = prior[groups.first]
    grand = total.sum()
    position = {t: k for k, t in enumerate(terms)}
    out: dict[str, list] = {c: [] for c in ("unit", "term", "count_unit", "count_rest",
                                            "per_10k_unit", "per_10k_rest", "log_odds", "z",
                                            "chi2", "g2", "rank_z", "rank_chi2", "rank_g2")}
    if not matrix.has_canonical_format:
        # each row's terms are looked up by binary search, and a (unit, term) stored twice
        # is one count, as the full computation adds it
        matrix = matrix.copy()
        matrix.sum_duplicates()
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    for k, unit in enumerate(units):
        pos = indices[indptr[k]:indptr[k + 1]]
        y = data[indptr[k]:indptr[k + 1]].astype(float)
        keep = y != 0
        pos, y = pos[keep], y[keep]
        n_i = y.sum()
        n_j = grand - n_i
        if not n_j > 0:
            continue  # the unit holds the whole corpus: no rest to compare it with
        used_stats = unit_statistics(y, total[pos] - y, prior[pos], n_i, n_j)
        zeros = np.zeros(len(group_total))
        group_stats = unit_statistics(zeros, group_total, group_prior, n_i, n_j)
        if any(np.isnan(s).any() for s in used_stats[1:] + group_stats[1:]):
            rows = full_rows(k)
            mask = select.mask(unit, rows)
            out["unit"].append(np.full(int(mask.sum()), unit, dtype=object))
            for name, value in rows.items():
                out[name].append(value[mask])
            continue
        mult = groups.size - np.bincount(groups.of_term[pos], minlength=len(groups.size))
        ranks = {name: _UnitRanks(used_stats[1 + s], pos, name_rank, group_stats[1 + s],
                                  mult, groups)
                 for s, name in enumerate(STATISTICS)}
        chosen = [ranks[name].top(n) for name, n in select.top.items()]
        wanted = (select.terms or {}).get(unit, ())
        chosen.append(np.array([position[t] for t in wanted if t in position], dtype=np.intp))
        kept = np.unique(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.intp)
        # the unit's counts of the kept terms (0 for unused ones)
        at = np.minimum(np.searchsorted(pos, kept), max(len(pos) - 1, 0))
        y_kept = (np.where(pos[at] == kept, y[at], 0.0) if len(pos)
                  else np.zeros(len(kept)))
        if select.used_only:
            kept, y_kept = kept[y_kept > 0], y_kept[y_kept > 0]
        y_rest = total[kept] - y_kept
        delta, z, chi2, g2 = unit_statistics(y_kept, y_rest, prior[kept], n_i, n_j)
        out["unit"].append(np.full(len(kept), unit, dtype=object))
        out["term"].append(terms[kept])
        out["count_unit"].append(y_kept.astype(int))
        out["count_rest"].append(y_rest.astype(int))
        out["per_10k_unit"].append(1e4 * y_kept / max(n_i, 1))
        out["per_10k_rest"].append(1e4 * y_rest / max(n_j, 1))
        out["log_odds"].append(delta)
        for name, value in (("z", z), ("chi2", chi2), ("g2", g2)):
            out[name].append(value)
            out[f"rank_{name}"].append(ranks[name].ranks(value, name_rank[kept]))
    return out
