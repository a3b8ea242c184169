"""Scores of the pipeline on every set of real pages, per set and pooled.

The sets are ``tests/corpus`` (its development split) and every ``tests/corpus_test<N>``
folder. Each held-out set was scored once, with the rules final at that moment, and has been
used for development since; the scores computed here are therefore in-sample for every set
and say how the current code does on pages it was mended on. The once-scored out-of-sample
figures are those recorded in README's accuracy table at the commit named there.

``python -m analysis score-pages`` prints the table this module computes.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.core.paths import repo_root
from analysis.evaluation.devcleaning import cleaning_scores
from analysis.evaluation.devcorpus import metadata_scores
from analysis.evaluation.devtargets import target_scores

#: Count columns summed over sets (the rates are recomputed from the sums).
_CLEANING = ("pages", "removable_spans", "leftover", "plan_chars_lost", "pages_losing_text",
             "boxes")
_TARGETS = ("gold_targets", "extracted_targets", "true_targets", "facts_as_targets",
            "recalled_targets")


def real_page_sets(root: Path | None = None) -> list[tuple[str, str, Path]]:
    """(name, split, folder) of every set of real pages, the development split first, then
    the held-out sets in the order of their numbers."""
    tests = Path(root) if root is not None else repo_root() / "tests"
    held_out = sorted(tests.glob("corpus_test*"),
                      key=lambda f: int(f.name.removeprefix("corpus_test")))
    return [("corpus", "dev", tests / "corpus")] + [(f.name, "test", f) for f in held_out]


def set_scores(split: str, folder: Path) -> dict:
    """Cleaning, target and metadata counts of one set (one row of :func:`real_page_scores`)."""
    cleaning, _ = cleaning_scores(split, folder)
    targets, detail = target_scores(split, folder)
    row = {k: int(cleaning[k].iloc[0]) for k in _CLEANING}
    row.update({k: int(targets[k].iloc[0]) for k in _TARGETS if k in targets})
    row["recalled_targets"] = int(((detail["kind"] == "target")
                                   & (detail["found_as"] == "target")).sum())
    for field in metadata_scores(split, folder).itertuples():
        row[f"{field.field}_exact"], row[f"{field.field}_shown"] = field.n_exact, field.n_shown
    return row


def real_page_scores(root: Path | None = None) -> pd.DataFrame:
    """One row per set and a last row ``all`` with the sums; rates computed from the counts
    (leftovers per 10 pages, target precision and recall, exact rate of each metadata
    field)."""
    rows = [{"set": name, **set_scores(split, folder)}
            for name, split, folder in real_page_sets(root)]
    table = pd.DataFrame(rows).fillna(0)
    total = table.drop(columns="set").sum()
    table = pd.concat([table, pd.DataFrame([{"set": "all", **total.to_dict()}])],
                      ignore_index=True)
    table["leftover_per_10_pages"] = 10 * table["leftover"] / table["pages"]
    table["target_precision"] = table["true_targets"] / table["extracted_targets"]
    table["target_recall"] = table["recalled_targets"] / table["gold_targets"]
    for exact in [c for c in table.columns if c.endswith("_exact")]:
        field = exact.removesuffix("_exact")
        table[f"{field}_rate"] = table[exact] / table[f"{field}_shown"]
    return table
