"""Cleaning scored on the development corpus of real plan pages (``tests/corpus``).

The gold (``tests/corpus/gold/spans.csv``, by an annotator who never saw the code) marks, in
raw-page offsets, the spans of page furniture, spam, tables of contents, pinyin glosses,
mojibake and other debris. Everything outside those spans is plan text.

To score a cleaning run, each raw character is followed through the cleaning log: every rule's
changes are positioned in that rule's input (:mod:`analysis.clean.changes`), so composing them
step by step tells which raw characters survive into the clean text (a character replaced one
for one, e.g. traditional → simplified, survives). Then, per page:

* ``leftover``: gold furniture, spam and TOC spans of which more than half of the Chinese
  characters survive;
* ``plan_chars_lost``: Chinese characters outside every gold span that do not survive (the
  goal is 0: a removal must never take plan text with it);
* ``boxes``: □ marks in the clean text (unrestorable damage).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.clean.reference import shipped_reference
from analysis.clean.rules import CleanContext, clean_text
from analysis.evaluation.devcorpus import corpus_dir, pages

#: Gold span kinds that cleaning should remove.
REMOVABLE = ("furniture", "spam", "toc")
#: Rules whose replacement text is not the replaced text written another way.
_REPLACING_RULES = ("spam_injection", "spam_shape")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def removals(raw: str, log: list[tuple]) -> dict[int, tuple[str, str]]:
    """Raw character index → (rule, note) of the logged change that deleted it, for every
    raw character that does not survive (see :func:`surviving`)."""
    return _follow(raw, log)[1]


def surviving(raw: str, log: list[tuple]) -> np.ndarray:
    """Which characters of ``raw`` survive the logged cleaning steps.

    Parameters
    ----------
    raw : str
        The text before cleaning.
    log : list of tuple
        ``(doc_id, step, rule, position, before, after, note)`` rows of one document, as
        :func:`analysis.clean.rules.clean_text` returns them.

    Returns
    -------
    numpy.ndarray
        Boolean, one entry per raw character.
    """
    return _follow(raw, log)[0]


def _follow(raw: str, log: list[tuple]) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    # origin[i] = raw index of the current text's character i, or -1 if inserted by a rule.
    origin = np.arange(len(raw))
    length = len(raw)
    removed_by: dict[int, tuple[str, str]] = {}
    steps: dict[int, list[tuple]] = {}
    for row in log:
        steps.setdefault(row[1], []).append((row[3], row[4], row[5], row[2], row[6]))
    for step in sorted(steps):
        pieces, last = [], 0
        for position, before, after, rule, note in sorted(steps[step], key=lambda c: c[0]):
            pieces.append(origin[last:position])
            if rule in _REPLACING_RULES:
                # Spam replaced by the word it displaced: text the rule wrote back unchanged at
                # either end survives; the spam between is gone and the word is new.
                head = 0
                while head < min(len(before), len(after)) and before[head] == after[head]:
                    head += 1
                tail = 0
                while tail < min(len(before), len(after)) - head \
                        and before[-1 - tail] == after[-1 - tail]:
                    tail += 1
                pieces.append(origin[position:position + head])
                for index in origin[position + head:position + len(before) - tail]:
                    if index >= 0:
                        removed_by[int(index)] = (rule, note)
                pieces.append(np.full(len(after) - head - tail, -1))
                pieces.append(origin[position + len(before) - tail:position + len(before)])
                last = position + len(before)
                continue
            # A replacement keeps its first characters as the same characters written another
            # way (traditional → simplified, punctuation).
            kept = origin[position:position + min(len(before), len(after))]
            pieces.append(kept)
            for index in origin[position + len(kept):position + len(before)]:
                if index >= 0:
                    removed_by[int(index)] = (rule, note)
            if len(after) > len(before):
                pieces.append(np.full(len(after) - len(before), -1))
            last = position + len(before)
        pieces.append(origin[last:length])
        origin = np.concatenate(pieces) if pieces else origin
        length = len(origin)
    alive = np.zeros(len(raw), dtype=bool)
    alive[origin[origin >= 0]] = True
    return alive, {i: r for i, r in removed_by.items() if not alive[i]}


#: Columns of :func:`page_cleaning`'s rows.
PAGE_COLUMNS = ("page_id", "removable_spans", "leftover", "leftover_examples", "plan_chars_lost",
                "lost_example", "boxes")


def page_cleaning(page_id: str, text: str, gold: pd.DataFrame) -> dict:
    """Clean one raw page and score it against its gold spans (see the module docstring)."""
    model, repairer, _ = shipped_reference()
    ctx = CleanContext(page_id, repairer=repairer, model=model)
    result = clean_text(text, ctx)
    alive = surviving(text, result.log)
    in_span = np.zeros(len(text), dtype=bool)
    leftovers = []
    for span in gold.itertuples():
        start, end = int(span.start), int(span.end)
        in_span[start:end] = True
        if span.kind in REMOVABLE:
            cjk = [i for i in range(start, end) if _is_cjk(text[i])]
            if cjk and alive[cjk].mean() > 0.5:
                leftovers.append(f"{span.kind}: {text[start:end][:40]}")
    lost = [i for i, ch in enumerate(text) if _is_cjk(ch) and not in_span[i] and not alive[i]]
    return {"page_id": page_id, "removable_spans": int(gold["kind"].isin(REMOVABLE).sum()),
            "leftover": len(leftovers), "leftover_examples": " | ".join(leftovers),
            "plan_chars_lost": len(lost),
            "lost_example": "".join(text[i] for i in lost[:40]),
            "boxes": result.text.count("□")}


def cleaning_scores(split: str = "dev", folder=None, crashes: list | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score cleaning on every page of a split (``folder``: a corpus laid out like
    ``tests/corpus``, the default).

    With a list as ``crashes``, a page whose cleaning raises is appended to it as
    ``(page_id, "Error: message")`` and left out of the scores; without one the error
    propagates (the tests want a crash to fail).

    Returns
    -------
    summary : pandas.DataFrame
        One row: ``split, pages, removable_spans, leftover, leftover_per_10_docs,
        plan_chars_lost, pages_losing_text, boxes``.
    per_page : pandas.DataFrame
        :func:`page_cleaning` rows.
    """
    folder = folder if folder is not None else corpus_dir()
    gold = pd.read_csv(folder / "gold" / "spans.csv", dtype=str, keep_default_na=False)
    table = pages(split, folder)
    rows = []
    for pid, text in zip(table["page_id"], table["text"]):
        try:
            rows.append(page_cleaning(pid, text, gold[gold["page_id"] == pid]))
        except Exception as error:  # noqa: BLE001  (listed when asked; re-raised otherwise)
            if crashes is None:
                raise
            crashes.append((pid, f"{type(error).__name__}: {error}"))
    per_page = pd.DataFrame(rows, columns=list(PAGE_COLUMNS))
    n = len(per_page)
    summary = pd.DataFrame([{
        "split": split, "pages": n, "removable_spans": int(per_page["removable_spans"].sum()),
        "leftover": int(per_page["leftover"].sum()),
        "leftover_per_10_docs": 10 * per_page["leftover"].sum() / n if n else float("nan"),
        "plan_chars_lost": int(per_page["plan_chars_lost"].sum()),
        "pages_losing_text": int((per_page["plan_chars_lost"] > 0).sum()),
        "boxes": int(per_page["boxes"].sum())}])
    return summary, per_page
