"""Rows of each group, found by one sort.

``[np.flatnonzero(codes == g) for g in groups]`` compares every row with every group: at
thousands of plans and hundreds of thousands of clauses that is billions of comparisons, a
hidden quadratic loop. :func:`rows_by_group` gives the same arrays (each group's rows in
ascending order, groups in sorted order) from one stable argsort.
"""
from __future__ import annotations

import numpy as np


def rows_by_group(labels) -> tuple[np.ndarray, list[np.ndarray]]:
    """The groups of ``labels`` and the rows of each.

    Parameters
    ----------
    labels : array-like
        One label per row (strings or integers).

    Returns
    -------
    groups : numpy.ndarray
        The distinct labels, sorted (as ``np.unique`` and, for strings or integers,
        ``sorted(set(labels))`` give them).
    rows : list of numpy.ndarray
        For each group, the positions of its rows in ascending order: equal to
        ``np.flatnonzero(labels == group)``.
    """
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    ordered = labels[order]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    groups = ordered[np.concatenate(([0], cuts))] if len(labels) else ordered
    return groups, (np.split(order, cuts) if len(labels) else [])


def group_codes(rows: list[np.ndarray], n_rows: int) -> np.ndarray:
    """Each row's group index (the inverse of :func:`rows_by_group`'s ``rows``)."""
    codes = np.empty(n_rows, dtype=np.intp)
    for k, members in enumerate(rows):
        codes[members] = k
    return codes
