"""Scores of the GBK repair on synthetic damage with known truth (:mod:`.gbk_synthetic`).

Each damaged page goes through the pipeline's rule, :func:`analysis.clean.rules.repair_gbk_shift`,
with the evaluation reference (:func:`analysis.clean.reference.evaluation_reference`: the
shipped reference's sources with every passage of eight characters shared with the pages
damaged here cut out, and the lexicons), so the figures are out of sample. Until 2026-11-30
the shipped reference, five seed plans that share up to 26% of a page's 8-grams, was used:
figures of earlier releases are inflated by text the model had read (benchmark
``gbk_repair_references`` measures how much). A span counts as

* **detected** when the rule changes (restores or marks) any of its characters;
* **restored exactly** when the repaired page equals the repair of the undamaged page (the
  damage is gone and nothing else changed);
* **marked** when it holds '□' in the output;

and the output may not hold a character that is junk
(:meth:`~analysis.clean.gbk_repair.ShiftRepairer.is_junk`) and not in the undamaged text's
repair: a restored span may be wrong, but never junk.
Timings are per span: the time the rule spends in
:meth:`~analysis.clean.gbk_repair.ShiftRepairer.repair_cluster` for the clusters of that span,
with the repairer's per-span memos emptied first, so no span reuses another's result (the
model's own tables stay warm, as they do in a build).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from analysis.clean.changes import CleanContext
from analysis.clean.gbk_repair import ILLEGIBLE, ShiftRepairer
from analysis.clean.gbk_synthetic import SyntheticSpan
from analysis.clean.rules import repair_gbk_shift

#: Classes of :func:`information_class`, from most to least information left by the damage.
INFORMATION_CLASSES = ("interior_determined", "vanished_pairs", "nothing_left")


@dataclass
class _TimedRepairer:
    """The repairer as the rule sees it, timing :meth:`repair_cluster` calls."""

    inner: ShiftRepairer
    calls: list[tuple[int, int, float, float]] = field(default_factory=list)

    def repair_cluster(self, text, start, end, *args, **kwargs):
        began, began_cpu = time.perf_counter(), time.process_time()
        rep = self.inner.repair_cluster(text, start, end, *args, **kwargs)
        self.calls.append((start, end, time.perf_counter() - began,
                           time.process_time() - began_cpu))
        return rep

    def __getattr__(self, name):
        return getattr(self.inner, name)


def vanished_pairs(original: str) -> int:
    """How many straddling byte pairs of ``original``'s shifted damage are user-defined
    (private-use) pairs, which the damaged text drops without a trace: each hides the trail
    byte of one character and the lead byte of the next (and how many characters there were).
    """
    data = original.encode("gbk")[1:]
    i, n = 0, 0
    while i < len(data):
        if data[i] >= 0x80 and i + 1 < len(data):
            try:
                ch = data[i:i + 2].decode("gb18030")
            except UnicodeDecodeError:
                i += 1
                continue
            n += 0xE000 <= ord(ch) <= 0xF8FF
            i += 2
        else:
            i += 1
    return n


def information_class(original: str, observed: str) -> str:
    """What the damage left of a span's bytes.

    Every span loses the lead byte of its first character (the '?'), and a span cut by a
    chunk boundary the trail byte of its last: those two characters are known by one byte
    each (about 40 common characters share a trail byte), so no span is determined by its
    bytes alone; the context must choose. Beyond that:

    * ``interior_determined``: no pair vanished; every other byte survives;
    * ``vanished_pairs``: at least one straddling pair was a user-defined pair and vanished,
      taking two bytes and the number of characters with it;
    * ``nothing_left``: the damaged span is '?' only.
    """
    if set(observed) <= {"?"}:
        return "nothing_left"
    return "vanished_pairs" if vanished_pairs(original) else "interior_determined"


def forget_results(repairer: ShiftRepairer) -> None:
    """Empty the memos that hold results of earlier spans (the next span is fresh)."""
    for name in ("_memo", "_cache"):
        memo = getattr(repairer, name, None)
        if memo is not None:
            memo.clear()


def _repair(text: str, repairer, model) -> tuple[str, list]:
    ctx = CleanContext("synthetic", repairer=repairer, model=model)
    return repair_gbk_shift(text, ctx)


def evaluate_spans(spans: list[SyntheticSpan], model, repairer: ShiftRepairer) -> list[dict]:
    """One row per span: what the rule made of it and how long it took.

    Parameters
    ----------
    spans : list of SyntheticSpan
        Damaged spans with their truth.
    model : CharBigramModel
        The reference model the pipeline passes to the rules.
    repairer : ShiftRepairer
        The repairer (of the same reference).

    Returns
    -------
    list of dict
        Keys: span_id, split, mode, position, neighbours, length, observed, original, output,
        detected, exact, marked, information (:func:`information_class`), junk (characters that should not be in clean text, see
        :meth:`~analysis.clean.gbk_repair.ShiftRepairer.is_junk`), residue ('?' and Latin letters the damage left),
        other_changes (changes outside the span not made on the undamaged page), span_ms
        (wall clock) and span_cpu_ms (processor time of this process, steadier on a shared
        machine).
    """
    baseline: dict[str, tuple[str, set]] = {}
    rows = []
    for span in spans:
        if span.page_id not in baseline:
            out0, changes0 = _repair(span.original_page, repairer, model)
            baseline[span.page_id] = (out0, {(c.position, c.before, c.after) for c in changes0})
        out0, changes0 = baseline[span.page_id]
        forget_results(repairer)
        timed = _TimedRepairer(repairer)
        out, changes = _repair(span.damaged_page, timed, model)
        mine = [c for c in timed.calls if c[0] < span.end and c[1] > span.start]
        shift = len(span.damaged_page) - len(span.original_page)
        inside = [c for c in changes
                  if c.position < span.end and c.position + max(len(c.before), 1) > span.start]
        others = [c for c in changes if c not in inside and
                  (c.position if c.position < span.start else c.position - shift,
                   c.before, c.after) not in changes0]
        added = Counter(out) - Counter(out0)
        junk = "".join(sorted(ch for ch in added if repairer.is_junk(ch)))
        residue = "".join(sorted(ch for ch in added if ch.isascii() and ch.isalpha() or ch == "?"))
        rows.append({
            "span_id": span.span_id, "split": span.split, "page_id": span.page_id,
            "mode": span.mode, "position": span.position, "neighbours": span.neighbours,
            "length": len(span.original), "observed": span.observed,
            "original": span.original,
            "output": "".join(c.after for c in inside) if inside else span.observed,
            "detected": bool(inside), "exact": out == out0,
            "marked": any(ILLEGIBLE in c.after for c in inside),
            "information": information_class(span.original, span.observed),
            "junk": junk, "residue": residue, "other_changes": len(others),
            "span_ms": 1000 * sum(c[2] for c in mine), "span_cpu_ms": 1000 * sum(c[3] for c in mine),
        })
    return rows


def false_positives(pages: list[tuple[str, str, str]], model, repairer: ShiftRepairer
                    ) -> list[dict]:
    """Changes the rule makes to undamaged pages: one row per page (page_id, split, n_changes,
    changes as 'before→after' joined by ' | ')."""
    rows = []
    for page_id, split, text in pages:
        forget_results(repairer)
        _, changes = _repair(text, repairer, model)
        rows.append({"page_id": page_id, "split": split, "n_changes": len(changes),
                     "changes": " | ".join(f"{c.before}→{c.after}" for c in changes)})
    return rows


def restoration_table(rows: list[dict]) -> "pd.DataFrame":
    """Exact-restoration rate with a Wilson 95% interval, overall and by class of span.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`evaluate_spans`.

    Returns
    -------
    pandas.DataFrame
        One row per (split, dimension, value): n, exact, rate, ci_low, ci_high (Wilson 95%,
        statsmodels), marked (□), wrong (restored to something else), untouched (left as
        found), junk (spans whose output holds a junk character). Dimensions: all, mode,
        position, neighbours, length (2 / 3-4 / 5-8 / 9+ characters), information.
    """
    import pandas as pd
    from statsmodels.stats.proportion import proportion_confint

    def length_bin(n: int) -> str:
        return "1-2" if n <= 2 else "3-4" if n <= 4 else "5-8" if n <= 8 else "9+"

    keyed = []
    for r in rows:
        keys = {"all": "all", "mode": r["mode"], "position": r["position"],
                "neighbours": r["neighbours"], "length": length_bin(r["length"]),
                "information": r["information"]}
        keyed.extend((r["split"], dim, value, r) for dim, value in keys.items())
    out = []
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for split, dim, value, r in keyed:
        groups.setdefault((split, dim, value), []).append(r)
    for (split, dim, value), members in sorted(groups.items()):
        n = len(members)
        exact = sum(r["exact"] for r in members)
        lo, hi = proportion_confint(exact, n, alpha=0.05, method="wilson")
        out.append({"split": split, "dimension": dim, "value": value, "n": n, "exact": exact,
                    "rate": exact / n, "ci_low": lo, "ci_high": hi,
                    "marked": sum(r["marked"] for r in members),
                    "wrong": sum(r["detected"] and not r["exact"] and not r["marked"]
                                 for r in members),
                    "untouched": sum(not r["detected"] for r in members),
                    "junk": sum(bool(r["junk"]) for r in members)})
    return pd.DataFrame(out)
