"""Scores of the pipeline on every set of real pages, per set and pooled.

The sets are ``tests/corpus`` (its development split) and every ``tests/corpus_test<N>``
folder. Each held-out set was scored once, with the rules final at that moment, and has been
used for development since; the scores computed here are therefore in-sample for every set
and say how the current code does on pages it was mended on. The once-scored out-of-sample
figures are those recorded in README's accuracy table at the commit named there.

``python -m analysis score-pages`` prints the table this module computes. A held-out set that
has not been scored yet (no ``SCORED_ONCE.md`` in its folder, numbered above
:data:`LAST_SET_BEFORE_RECORDS`) is left out of it and of every test that lists the sets, so
that running the tests or the table while an annotator is still building a set never scores
it by accident. ``python -m analysis score-pages --once corpus_test<N>`` is the one scoring:
it prints the per-field, per-page report (:func:`once_report`), to be kept as the set's
``SCORED_ONCE.md`` with the commit it ran at; from then on the set is development data.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.core.paths import repo_root
from analysis.evaluation.devcleaning import cleaning_scores
from analysis.evaluation.devcorpus import METADATA_FIELDS, metadata_scores
from analysis.evaluation.devtargets import target_scores

#: Count columns summed over sets (the rates are recomputed from the sums).
_CLEANING = ("pages", "removable_spans", "leftover", "plan_chars_lost", "pages_losing_text",
             "boxes")
_TARGETS = ("gold_targets", "extracted_targets", "true_targets", "facts_as_targets",
            "recalled_targets")


#: Sets up to this number were scored once before the output of that scoring was kept in the
#: set's folder (their once-scored figures are in README's accuracy table); later sets count as
#: scored only with a ``SCORED_ONCE.md``.
LAST_SET_BEFORE_RECORDS = 13
#: File that records a held-out set's one scoring (script and output).
SCORED_RECORD = "SCORED_ONCE.md"


def _number(folder: Path) -> int:
    return int(folder.name.removeprefix("corpus_test"))


def is_scored(folder: Path) -> bool:
    """Whether a held-out set has had its one scoring (and is development data since)."""
    return _number(folder) <= LAST_SET_BEFORE_RECORDS or (folder / SCORED_RECORD).is_file()


def real_page_sets(root: Path | None = None, sealed: bool = False
                   ) -> list[tuple[str, str, Path]]:
    """(name, split, folder) of every set of real pages, the development split first, then
    the held-out sets in the order of their numbers.

    Sets not yet scored (:func:`is_scored`) are left out unless ``sealed`` is true.
    """
    tests = Path(root) if root is not None else repo_root() / "tests"
    held_out = sorted((f for f in tests.glob("corpus_test*")
                       if f.name.removeprefix("corpus_test").isdigit()), key=_number)
    return [("corpus", "dev", tests / "corpus")] + [
        (f.name, "test", f) for f in held_out if sealed or is_scored(f)]


def unscored_sets(root: Path | None = None) -> list[str]:
    """Names of the held-out sets that have not been scored yet (left out of the table)."""
    listed = {name for name, _, _ in real_page_sets(root)}
    return [name for name, _, _ in real_page_sets(root, sealed=True) if name not in listed]


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


def once_report(folder: Path) -> str:
    """The one scoring of a held-out set, as text: exact rates per metadata field, cleaning
    counts with every page that kept a span, lost plan text or a box, target counts with every
    gold value and how it was read, and every metadata value that differs from the gold.

    A page whose cleaning stops with an error is reported (``CRASH``) and the other pages are
    still scored.
    """
    from analysis.evaluation import devcleaning, devcorpus, devtargets

    folder = Path(folder)
    table = devcorpus.pages("test", folder)
    gold = pd.read_csv(folder / "gold" / "metadata.csv", dtype=str, keep_default_na=False)
    predicted = {pid: devcorpus.read_metadata(pid, text)
                 for pid, text in zip(table.page_id, table.text)}
    crashes: list = []
    lines = []
    with pd.option_context("display.width", 250, "display.max_colwidth", 120):
        lines.append(devcorpus.score_metadata(predicted, gold).to_string())
        summary, per_page = devcleaning.cleaning_scores("test", folder, crashes=crashes)
        lines += [f"CRASH {page_id}: {message}" for page_id, message in crashes]
        row = summary.iloc[0]
        # (the layout of the reports kept in SCORED_ONCE.md, which once_scored_counts reads)
        lines.append(f"pages cleaned {len(per_page)} of {len(table)}; " + ", ".join(
            f"{k} {int(row[k])}" for k in ("removable_spans", "leftover", "plan_chars_lost",
                                           "boxes")) + f"; pages losing text {int(row['pages_losing_text'])}")
        for r in per_page.itertuples():
            if r.leftover or r.plan_chars_lost or r.boxes:
                lines.append(f"CLEAN {r.page_id} {r.leftover} {r.leftover_examples[:300]} "
                             f"| LOST {r.plan_chars_lost} {r.lost_example} | boxes {r.boxes}")
        targets, detail = devtargets.target_scores("test", folder)
        lines += [targets.to_string(), detail.to_string()]
        gold = gold.set_index("page_id")
        for page_id, found in predicted.items():
            for field in devcorpus.METADATA_FIELDS:
                value = gold.loc[page_id, field]
                if value and value != "masked" and found[field] != value:
                    lines.append(f"META {page_id} {field} {value!r} {found[field]!r} "
                                 f"{found[field + '_source']}")
    return "\n".join(lines)


#: The counts a once-scoring report (:func:`once_report`) gives, read back from its text.
_ONCE_FIELDS = re.compile(r"^\d+\s+(\w+)\s+(\d+)\s+(\d+)\s+\S+$")
_ONCE_CLEANING = re.compile(r"pages cleaned (\d+) of (\d+); removable_spans (\d+), leftover (\d+), "
                            r"plan_chars_lost (\d+), boxes (\d+); pages losing text (\d+)")


def once_scored_counts(folder: Path) -> dict[str, int]:
    """The counts of a set's one scoring, read from the output kept in its ``SCORED_ONCE.md``
    (the report of :func:`once_report`): ``<field>_shown`` and ``<field>_exact`` per metadata
    field, the cleaning counts and the target counts. These are figures of the code as it was
    at that commit: the current code cannot recompute them.

    Raises
    ------
    ValueError
        When the set has no such file (the sets scored before it was kept, up to
        corpus_test13) or the file holds no report in :func:`once_report`'s layout (the sets
        scored before that layout, up to corpus_test19, kept their scratch script's output).
    """
    record = Path(folder) / SCORED_RECORD
    if not record.is_file():
        raise ValueError(f"{folder}: no {SCORED_RECORD}; only sets whose one scoring was kept "
                         "can be pooled (corpus_test20 and later)")
    text = record.read_text(encoding="utf-8")
    lines = text.split("```")[-2].splitlines() if text.count("```") >= 2 else []
    counts: dict[str, int] = {}
    for line in lines:
        field = _ONCE_FIELDS.match(line.strip())
        if field and field.group(1) in METADATA_FIELDS:
            counts[f"{field.group(1)}_shown"] = int(field.group(2))
            counts[f"{field.group(1)}_exact"] = int(field.group(3))
    cleaned = next((m for line in lines for m in [_ONCE_CLEANING.match(line)] if m), None)
    targets = next((k for k, line in enumerate(lines) if "gold_targets" in line.split()), None)
    if cleaned is None or targets is None or not counts:
        raise ValueError(f"{folder}: {SCORED_RECORD} holds no once_report output")
    counts.update(zip(("pages_cleaned", "pages", "removable_spans", "leftover",
                       "plan_chars_lost", "boxes", "pages_losing_text"),
                      map(int, cleaned.groups())))
    row = dict(zip(lines[targets].split(), lines[targets + 1].split()[1:]))
    counts.update({k: int(row[k]) for k in ("gold_targets", "extracted_targets", "true_targets")})
    # the recalled gold targets: recall × gold targets, as the report prints it
    recall = float(row["recall"])
    counts["recalled_targets"] = round(recall * counts["gold_targets"]) if recall == recall else 0
    return counts


def pooled_once(folders: list[Path]) -> dict[str, float]:
    """Sums of :func:`once_scored_counts` over sets, with the pooled rates: exact rate per
    metadata field, leftovers per 10 pages, target precision and recall."""
    total: dict[str, float] = {}
    for folder in folders:
        for key, value in once_scored_counts(folder).items():
            total[key] = total.get(key, 0) + value
    for field in METADATA_FIELDS:
        if total.get(f"{field}_shown"):
            total[f"{field}_rate"] = total[f"{field}_exact"] / total[f"{field}_shown"]
    total["leftover_per_10_pages"] = 10 * total["leftover"] / total["pages"]
    total["target_precision"] = (total["true_targets"] / total["extracted_targets"]
                                 if total["extracted_targets"] else float("nan"))
    total["target_recall"] = (total["recalled_targets"] / total["gold_targets"]
                              if total["gold_targets"] else float("nan"))
    return total
