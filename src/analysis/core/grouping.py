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


#: Permutations drawn at once by :func:`permutations_within`. Fixed, not tuned to memory:
#: the random stream, and so every chance baseline, depends on it.
PERMUTATION_CHUNK = 50


def permutations_within(labels, rows: list[np.ndarray], n_perm: int,
                        rng: np.random.Generator, chunk: int = PERMUTATION_CHUNK):
    """``n_perm`` relabellings of ``labels``, each shuffling the labels within every group.

    A within-plan permutation null (the chance level of an agreement between a clause's label
    and a coding) keeps every plan's label counts. Drawing it one permutation and one plan at
    a time is ``n_perm`` × plans Python calls (two million at 1,000 plans and 2,000
    permutations); here each chunk of permutations is drawn plan by plan, all permutations of
    the chunk in one call, and only a chunk is held in memory, so a null at tens of thousands
    of plans needs ``chunk`` × clauses labels at a time, not ``n_perm`` × clauses.

    Parameters
    ----------
    labels : numpy.ndarray
        One integer label per row.
    rows : list of numpy.ndarray
        Rows of each group (:func:`rows_by_group`); rows in no group keep their label.
    n_perm : int
        Permutations in all.
    rng : numpy.random.Generator
        The source of randomness; the draws depend on it and on ``chunk`` only.
    chunk : int
        Permutations per yielded block.

    Yields
    ------
    numpy.ndarray
        ``min(chunk, left)`` × rows permuted labels, in the order of the permutations.
    """
    labels = np.asarray(labels)
    movable = [r for r in rows if len(r) > 1]  # a group of one has nothing to shuffle
    for start in range(0, n_perm, chunk):
        size = min(chunk, n_perm - start)
        block = np.tile(labels, (size, 1))
        for members in movable:
            order = rng.permuted(np.tile(np.arange(len(members)), (size, 1)), axis=1)
            block[:, members] = labels[members][order]
        yield block


def label_counts_by_set(blocks: np.ndarray, member_rows: list[np.ndarray],
                        n_labels: int) -> np.ndarray:
    """How many rows of each set carry each label, for every relabelling of ``blocks``.

    Parameters
    ----------
    blocks : numpy.ndarray
        P × rows integer labels in ``[0, n_labels)``.
    member_rows : list of numpy.ndarray
        Rows of each set (sets may overlap: a clause can have several codes).

    Returns
    -------
    numpy.ndarray
        P × sets × labels counts (the true positives of "label t" as a classifier of each
        set).
    """
    size = len(blocks)
    out = np.zeros((size, len(member_rows), n_labels), dtype=np.int64)
    offsets = (np.arange(size) * n_labels)[:, None]
    for j, members in enumerate(member_rows):
        if len(members):
            out[:, j, :] = np.bincount((blocks[:, members] + offsets).ravel(),
                                       minlength=size * n_labels).reshape(size, n_labels)
    return out
