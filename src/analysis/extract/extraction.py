"""The targets table over the whole corpus: every quantity of every clause, target or fact.

:func:`extract_targets` walks the clauses of each document in text order, reads only the part of
each clause not covered by its children (:func:`own_pieces`, so every quantity lands in exactly
one row, on the deepest clause), marks clauses lying in background sections (发展基础, 工作成效)
so that their numbers are facts, reads each piece with
:func:`analysis.extract.clause_reading._read_clause`, glosses the indicator, flags conflicting
values of the same indicator within a document and numbers the rows. :func:`targets_from_text`
runs the same on a single text for checks and tests.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from analysis.extract.clause_reading import _read_clause
from analysis.extract.cues import load_cues
from analysis.extract.frames import HEADING_LINE, dates_the_past, dates_the_plan
from analysis.extract.gloss import gloss
from analysis.extract.target_schemas import TARGETS


_CHAPTER_ONLY = re.compile(r"^第[一二三四五六七八九十百\d]{1,3}[章部篇编](?:分)?$")


def _clause_contexts(clauses: pd.DataFrame, section: re.Pattern | None = None,
                     year_by_doc: dict[str, int] | None = None,
                     dated: Callable[[str, int], bool] = dates_the_past) -> dict[str, bool]:
    """clause_id → True when the clause or an ancestor is a background section (or a section
    whose heading matches ``section``: goals sections with ``Cues.target_section``).

    With ``year_by_doc`` (first plan year of each document), a heading for which
    ``dated(heading, year_start)`` holds also counts: by default one that names only periods
    before the plan (2023年工作情况, “十三五”安全生产), a background section.
    """
    cues = load_cues()
    section = section if section is not None else cues.past_section
    by_id = clauses.set_index("clause_id")
    own: dict[str, bool] = {}
    for cid, doc, heading, text in zip(clauses["clause_id"], clauses["doc_id"],
                                       clauses["heading"], clauses["text"]):
        lead, heads = "", []
        if isinstance(heading, str):
            lead += heading
            heads.append(heading)
        if isinstance(text, str):
            lines = text.split("\n")
            lead += " " + lines[0][:40]
            # 第一章 alone on its line: the chapter's name is on the next one.
            if len(lines) > 1 and _CHAPTER_ONLY.match(lines[0].strip()):
                lead += " " + lines[1][:40]
                heads.append(lines[1].strip())
            heads.append(lines[0].strip())
        own[cid] = bool(section.search(lead)) if lead.strip() else False
        if year_by_doc is not None and doc in year_by_doc:
            own[cid] = own[cid] or any(HEADING_LINE.match(h) and dated(h, year_by_doc[doc])
                                       for h in heads)
    result: dict[str, bool] = {}
    for cid in clauses["clause_id"]:
        flag, cur, depth = False, cid, 0
        while isinstance(cur, str) and cur and depth < 10:
            flag = flag or own.get(cur, False)
            if cur in result:
                flag = flag or result[cur]
                break
            parent = by_id.at[cur, "parent_id"] if cur in by_id.index else None
            cur = parent if isinstance(parent, str) else None
            depth += 1
        result[cid] = flag
    return result


def own_pieces(clauses: pd.DataFrame) -> dict[str, list[tuple[int, int]]]:
    """Parts of each clause text not covered by its children, as offsets into the text.

    Inline points (一是 …) lie inside their item's text; reading only a clause's own parts
    keeps every quantity in exactly one row, attached to the deepest clause.
    """
    spans = {cid: (int(s), int(e)) for cid, s, e in
             zip(clauses["clause_id"], clauses["char_start"], clauses["char_end"])}
    children: dict[str, list[tuple[int, int]]] = {}
    for cid, parent in zip(clauses["clause_id"], clauses["parent_id"]):
        if isinstance(parent, str) and parent in spans:
            children.setdefault(parent, []).append(spans[cid])
    result = {}
    for cid, kids in children.items():
        start, end = spans[cid]
        pieces, pos = [], start
        for a, b in sorted(kids):
            a, b = max(a, start), min(b, end)
            if a > pos:
                pieces.append((pos - start, a - start))
            pos = max(pos, b)
        if pos < end:
            pieces.append((pos - start, end - start))
        result[cid] = pieces
    return result


def _flag_conflicts(table: pd.DataFrame, keys: list[str]) -> pd.Series:
    """True for targets of one document that give different values for the same indicator
    (same key and unit) in different clauses, unless both carry different deadlines (a
    staged target: 到2022年80%, 到2025年100%)."""
    conflict = pd.Series(False, index=table.index)
    frame = table.assign(_key=keys)
    frame = frame[(frame["kind"] == "target") & (frame["_key"].str.len() >= 2)]
    for _, group in frame.groupby(["doc_id", "_key", "unit"], sort=True):
        if group["value"].nunique() < 2 or group["clause_id"].nunique() < 2:
            continue
        rows = list(group.itertuples())
        for a in rows:
            for b in rows:
                # Groups hold a handful of rows; the pairwise check is not corpus-wide.
                if a.Index >= b.Index or a.value == b.value or a.clause_id == b.clause_id:
                    continue
                if isinstance(a.deadline, str) and isinstance(b.deadline, str) \
                        and a.deadline != b.deadline:
                    continue
                conflict[a.Index] = conflict[b.Index] = True
    return conflict


def extract_targets(clauses: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Every quantity of every clause as a row of ``targets.csv``.

    Parameters
    ----------
    clauses : pandas.DataFrame
        ``clauses.csv`` (inferred nodes and empty texts are skipped).
    documents : pandas.DataFrame
        ``documents.csv`` (``doc_id``, ``year_start``).

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`TARGETS`, sorted by document and position; ``char_start`` and
        ``char_end`` are offsets of ``span`` in ``clean/<doc_id>.txt``.
    """
    if clauses.empty or "clause_id" not in clauses:
        return pd.DataFrame(columns=TARGETS.column_names)  # a document without clauses
    year_by_doc = {d: int(y) for d, y in zip(documents["doc_id"], documents["year_start"])}
    past_sections = _clause_contexts(clauses, year_by_doc=year_by_doc)
    # A section named by the plan's own period (2024年工作安排, “十四五”时期主要任务) sets goals.
    target_sections = _clause_contexts(clauses, load_cues().target_section, year_by_doc,
                                       dates_the_plan)
    records, keys = [], []
    ordered = clauses.assign(_order=range(len(clauses))).sort_values(
        ["doc_id", "char_start", "_order"], kind="mergesort")
    pieces = own_pieces(clauses)
    for rec in ordered.itertuples():
        text = rec.text if isinstance(rec.text, str) else ""
        if not text or bool(rec.inferred) or rec.doc_id not in year_by_doc:
            continue
        for a, b in pieces.get(rec.clause_id, [(0, len(text))]):
            for row in _read_clause(text[a:b], rec.clause_id, year_by_doc[rec.doc_id],
                                   past_sections.get(rec.clause_id, False),
                                   target_sections.get(rec.clause_id, False)):
                records.append({
                    "doc_id": rec.doc_id, "clause_id": rec.clause_id, "span": row.span,
                    "indicator": row.indicator or None,
                    "indicator_en": gloss(row.indicator, row.hit.unit) or None,
                    "value": row.hit.value, "value_written": row.hit.value_written,
                    "unit": row.hit.unit or None, "comparator": row.comparator,
                    "deadline": row.deadline or None, "baseline": row.baseline or None,
                    "kind": row.kind,
                    "char_start": int(rec.char_start) + a + row.local_start,
                    "char_end": int(rec.char_start) + a + row.local_end,
                })
                keys.append(row.key)
    table = pd.DataFrame(records, columns=[c for c in TARGETS.column_names
                                           if c not in ("target_no", "conflict")])
    if table.empty:
        return pd.DataFrame(columns=TARGETS.column_names)
    table["conflict"] = _flag_conflicts(table, keys)
    table = table.sort_values(["doc_id", "char_start", "char_end"], kind="mergesort")
    table["target_no"] = table.groupby("doc_id").cumcount() + 1
    return table[TARGETS.column_names].reset_index(drop=True)


def targets_from_text(text: str, year_start: int = 2024, doc_id: str = "doc",
                      past_section: bool = False) -> pd.DataFrame:
    """Targets of a single text treated as one clause (for quick checks and tests).

    Parameters
    ----------
    text : str
        Any plan text.
    year_start : int
        First plan year.
    doc_id : str
        Document id to write into the rows.
    past_section : bool
        Treat the text as a background section.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`TARGETS` (offsets are within ``text``).
    """
    # A background heading (发展基础) is what makes a real clause a past section.
    clauses = pd.DataFrame([{"doc_id": doc_id, "clause_id": f"{doc_id}/p1", "parent_id": None,
                             "level": "preamble", "heading": "发展基础" if past_section else None,
                             "text": text, "char_start": 0, "char_end": len(text),
                             "inferred": False}])
    documents = pd.DataFrame([{"doc_id": doc_id, "year_start": year_start}])
    return extract_targets(clauses, documents)
