"""Rows of each group by one sort (analysis.core.grouping)."""
import numpy as np
import pytest

from analysis.core.grouping import rows_by_group


@pytest.mark.parametrize("kind", ["int", "str", "object"])
def test_rows_by_group_equal_the_comparison_of_every_row_with_every_group(kind):
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 40, size=500)
    labels = {"int": codes, "str": np.array([f"plan{c:02d}" for c in codes]),
              "object": np.array([f"p{c}" for c in codes], dtype=object)}[kind]
    groups, rows = rows_by_group(labels)
    assert list(groups) == sorted(set(labels.tolist()))
    for group, found in zip(groups, rows):
        assert np.array_equal(found, np.flatnonzero(labels == group))
    assert sum(len(r) for r in rows) == len(labels)


def test_rows_by_group_of_nothing_and_of_one_group():
    groups, rows = rows_by_group(np.array([], dtype=int))
    assert len(groups) == 0 and rows == []
    groups, rows = rows_by_group(np.array(["a"] * 3))
    assert groups.tolist() == ["a"] and rows[0].tolist() == [0, 1, 2]


def test_group_codes_invert_the_rows():
    from analysis.core.grouping import group_codes

    labels = np.array(["b", "a", "c", "a", "b", "b"])
    groups, rows = rows_by_group(labels)
    codes = group_codes(rows, len(labels))
    assert np.array_equal(groups[codes], labels)
