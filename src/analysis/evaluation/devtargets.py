"""Targets versus facts on the development corpus of real plan pages (``tests/corpus``).

Each page goes through the build's own per-document path (shipped-reference cleaning,
:func:`analysis.structure.clauses.clause_table`, :func:`analysis.extract.extraction.
extract_targets`) and its quantities are matched to the gold of ``tests/corpus/gold/targets.csv``,
made by an annotator who never saw the code. The gold marks every quantity in the page's plan
text as ``target`` (a commitment) or ``fact`` (a report about the past).

Matching is by page and value: a gold row and an extracted row match when their numbers are
equal and the extracted row's text (indicator, value and unit as the pipeline read them) shares
the gold unit. Offsets cannot be compared directly, since cleaning moves text. Each gold row is
matched at most once, in page order.

Scores: ``target`` precision (extracted targets that are gold targets, among extracted targets
that match any gold quantity or none), ``target`` recall (gold targets extracted as targets), and
the number of gold facts extracted as targets (the error the issue names: a year's results read
as goals).
"""
from __future__ import annotations

import re

import pandas as pd

from analysis.clean.reference import shipped_reference
from analysis.clean.rules import CleanContext, clean_text
from analysis.evaluation.devcorpus import corpus_dir, pages
from analysis.extract.extraction import extract_targets
from analysis.extract.metadata import read_metadata
from analysis.structure.clauses import clause_table

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def page_targets(page_id: str, text: str, year_start: int | None = None) -> pd.DataFrame:
    """Quantities the pipeline extracts from one raw page (the ``targets.csv`` columns).

    Parameters
    ----------
    page_id : str
        Used as ``doc_id``.
    text : str
        The raw page text.
    year_start : int, optional
        First plan year when known (the gold's ``year_start``); otherwise the one
        :func:`~analysis.extract.metadata.read_metadata` reads (as the build does), else the
        first four-digit year in the cleaned text, or 2024.
    """
    model, repairer, _ = shipped_reference()
    ctx = CleanContext(page_id, repairer=repairer, model=model)
    cleaned = clean_text(text, ctx).text
    clauses, _ = clause_table(page_id, cleaned)
    if year_start is None:
        # as the build reads it (documents.csv's year_start), else the first year named
        read = read_metadata(text).get("year_start", "")
        found = re.search(r"(20[12]\d)年", cleaned)
        year_start = int(read) if read.isdigit() else int(found.group(1)) if found else 2024
    documents = pd.DataFrame([{"doc_id": page_id, "year_start": year_start}])
    return extract_targets(clauses, documents)


def _value(cell) -> float | None:
    found = _NUMBER.search(str(cell)) if cell is not None else None
    return float(found.group(0)) if found else None


def match_page(extracted: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Pair extracted quantities of one page with its gold rows.

    Returns
    -------
    pandas.DataFrame
        One row per extracted quantity: ``value``, ``kind`` (extracted), ``gold_kind``
        (``target``, ``fact`` or empty when no gold quantity matches), ``gold_text``.
    """
    free = list(gold.itertuples())
    rows = []
    for row in extracted.itertuples():
        value = _value(getattr(row, "value", None))
        hit = None
        for k, g in enumerate(free):
            same_value = value is not None and _value(g.value) == value
            # the gold's unit as written may be longer than the unit read (个工作日, 个):
            # it is then looked for in the phrase the number was read from
            unit_ok = not g.unit or g.unit in str(getattr(row, "unit", "")) \
                or g.unit in str(getattr(row, "span", ""))
            if same_value and unit_ok:
                hit = free.pop(k)
                break
        rows.append({"value": value, "kind": row.kind,
                     "gold_kind": hit.kind if hit is not None else "",
                     "gold_text": hit.text if hit is not None else ""})
    return pd.DataFrame(rows, columns=["value", "kind", "gold_kind", "gold_text"])


def target_scores(split: str = "dev", folder=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Target precision and recall on one split of the development corpus (``folder``: a
    corpus laid out like ``tests/corpus``, the default).

    Returns
    -------
    summary : pandas.DataFrame
        One row: ``split, pages, gold_targets, gold_facts, extracted_targets,
        true_targets, facts_as_targets, unmatched_targets, precision, recall``.
    detail : pandas.DataFrame
        Per gold row: ``page_id, text, kind, found_as`` (``target``, ``fact`` or empty).
    """
    folder = folder if folder is not None else corpus_dir()
    gold = pd.read_csv(folder / "gold" / "targets.csv", dtype=str, keep_default_na=False)
    meta = pd.read_csv(folder / "gold" / "metadata.csv", dtype=str,
                       keep_default_na=False).set_index("page_id")
    table = pages(split, folder)
    gold = gold[gold["page_id"].isin(table["page_id"])]
    details, matched = [], []
    for page_id, text in zip(table["page_id"], table["text"]):
        year = meta["year_start"].get(page_id, "") if "year_start" in meta else ""
        year_start = int(year) if str(year).isdigit() else None
        page_gold = gold[gold["page_id"] == page_id]
        extracted = page_targets(page_id, text, year_start)
        pairs = match_page(extracted, page_gold)
        matched.append(pairs.assign(page_id=page_id))
        found = {}
        for pair in pairs.itertuples():
            if pair.gold_text:
                found.setdefault(pair.gold_text, pair.kind)
        for g in page_gold.itertuples():
            details.append({"page_id": page_id, "text": g.text, "kind": g.kind,
                            "found_as": found.get(g.text, "")})
    pairs = pd.concat(matched, ignore_index=True) if matched else match_page(
        pd.DataFrame(columns=["value", "kind"]), gold.iloc[:0])
    detail = pd.DataFrame(details, columns=["page_id", "text", "kind", "found_as"])
    as_target = pairs[pairs["kind"] == "target"]
    true = int((as_target["gold_kind"] == "target").sum())
    gold_targets = int((detail["kind"] == "target").sum())
    recalled = int(((detail["kind"] == "target") & (detail["found_as"] == "target")).sum())
    summary = pd.DataFrame([{
        "split": split, "pages": len(table), "gold_targets": gold_targets,
        "gold_facts": int((detail["kind"] == "fact").sum()),
        "extracted_targets": len(as_target), "true_targets": true,
        "facts_as_targets": int((as_target["gold_kind"] == "fact").sum()),
        "unmatched_targets": int((as_target["gold_kind"] == "").sum()),
        "precision": true / len(as_target) if len(as_target) else float("nan"),
        "recall": recalled / gold_targets if gold_targets else float("nan")}])
    return summary, detail
