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
    groups, codes = np.unique(labels, return_inverse=True)
    codes = codes.reshape(-1)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(groups) + 1))
    return groups, [order[bounds[k]:bounds[k + 1]] for k in range(len(groups))]
