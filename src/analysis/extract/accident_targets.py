"""Accident targets in the normalised form of ``accident_targets.csv`` read by feasibility.

:func:`accident_targets` turns the numeric accident targets of ``targets.csv`` (declines of
accident counts, deaths or deaths per 100 million yuan of GDP) into ``decline_by`` rows, one per
indicator named, with the baseline rule and years read from the baseline as written, and adds the
non-numeric goals found in the clause texts by :func:`_goal_phrases`: 双下降 and unnumbered
declines (``below`` the previous year), 减少一般事故 (``below``, code ``other``) and
遏制重特大事故 / 杜绝较大以上事故 / 防较大 (``no_major``). Background sections and reports
about the past are skipped; :func:`accident_codes` maps an indicator to its accident codes.
"""
from __future__ import annotations

import re

import pandas as pd

from analysis.extract.cues import load_cues
from analysis.extract.extraction import _clause_contexts, own_pieces
from analysis.extract.numbers import _SENTENCE_END, _inside, _last_boundary
from analysis.extract.qualifiers import _deadline, _past_in_sentence
from analysis.extract.target_schemas import ACCIDENT_TARGETS
from analysis.structure.clauses import cn_to_int


def accident_codes(indicator: str) -> list[str]:
    """Accident indicator codes named in an indicator, in text order (masking: a character
    matched by a more specific pattern is not matched again)."""
    cues = load_cues()
    masked = indicator
    found: list[tuple[int, str]] = []
    for pattern, code in cues.accident_indicator:
        for m in pattern.finditer(masked):
            found.append((m.start(), code))
            masked = masked[:m.start()] + "\0" * (m.end() - m.start()) + masked[m.end():]
    return [code for _, code in sorted(found)]


def _rule_from_baseline(baseline: str, hint: str, target_year: int) -> tuple[str, str]:
    """(baseline_rule, base_years) from the baseline as written."""
    if hint == "prev_n_mean" or re.search(r"前[一二两三四五]年平均", baseline or ""):
        n = cn_to_int(re.search(r"前([一二两三四五])年", baseline).group(1))
        years = list(range(target_year - n, target_year))
        if n == 2:
            return "mean_prev_2", ";".join(map(str, years))
        if n == 1:
            return "previous_year", str(target_year - 1)
        return "base_year", ";".join(map(str, years))
    given = re.findall(r"(?:19|20)\d{2}", baseline or "")
    if given:
        return "base_year", ";".join(sorted(set(given)))
    if baseline:
        return "previous_year", str(target_year - 1)
    return "none", ""


def _baseline_hint(baseline: str) -> str:
    cues = load_cues()
    for pattern, hint in cues.baseline:
        if baseline and pattern.fullmatch(baseline):
            return hint
    return ""


def _target_year(deadline: str | None, doc: dict) -> int:
    year = re.search(r"(?:19|20)\d{2}", deadline or "")
    return int(year.group(0)) if year else int(doc["year_end"])


def _goal_phrases(text: str) -> list[tuple[int, int, str, list[str]]]:
    """Non-numeric accident goals in a clause text: (start, end, comparator, codes).

    ``no_major``: 遏制重特大事故, 杜绝较大以上事故, 防较大、遏重大; ``below``: 双下降, 事故起数、
    死亡人数持续下降 (no number), and 减少一般事故 (code ``other``). Names are skipped: phrases
    inside book titles, or followed by 工作机制/攻坚行动/… (“遏重大”工作机制).
    """
    cues = load_cues()
    books = [(m.start(), m.end()) for m in re.finditer(r"《[^《》]*》", text)]
    found: list[tuple[int, int, str, list[str]]] = []

    def is_name(end: int) -> bool:
        return bool(cues.name_suffix.match(text, end))

    delim = "、，。；”“：,;"
    class_goal = re.compile(
        rf"({cues.no_major_verb})([^{delim}《》]{{0,4}}?)({cues.major_class})"
        rf"((?:[^{delim}《》]{{0,14}}?事故)?)")
    for m in class_goal.finditer(text):
        if _inside(m.start(), books):
            continue
        tail, gap = m.group(4), m.group(2)
        nxt = text[m.end():m.end() + 1]
        if not tail and (gap or (nxt and nxt not in delim)):
            continue  # 防范化解重大安全风险: no accident named
        if is_name(m.end()):
            continue
        found.append((m.start(), m.end(), "no_major", ["major_accidents_total"]))
    # 重特大生产安全事故得到有效遏制: class first, verb after.
    passive = re.compile(rf"({cues.major_class})[^{delim}《》]{{0,12}}?事故[^{delim}]{{0,6}}?"
                         rf"(?:遏制|杜绝)")
    for m in passive.finditer(text):
        if not _inside(m.start(), books) and not any(a <= m.start() < b for a, b, _, _ in found):
            found.append((m.start(), m.end(), "no_major", ["major_accidents_total"]))
    general = re.compile(
        rf"({cues.decline_verb})([^{delim}《》]{{0,4}}?)({cues.general_class})"
        rf"((?:[^{delim}《》]{{0,12}}?事故)?)")
    for m in general.finditer(text):
        nxt = text[m.end():m.end() + 1]
        if _inside(m.start(), books) or (not m.group(4) and nxt and nxt not in delim):
            continue
        if is_name(m.end()):
            continue
        found.append((m.start(), m.end(), "below_other", ["other"]))
    # 双下降 and "起数、死亡人数…下降" with no number: below the previous year.
    for seg in re.finditer(r"[^，。；：]+", text):
        piece = seg.group(0)
        codes = accident_codes(piece)
        double = re.search(cues.double_decline, piece)
        drop = re.search(rf"(?:{cues.decline_verb})(?!\s*[\d一二两三四五六七八九十])", piece)
        if double:
            # Only indicators before 双下降 open the phrase (…风险双下降死亡率: the rate after
            # it would give an empty span).
            start = _first_indicator_start(piece[:double.start()])
            codes = [c for c in codes if c in ("accidents_total", "deaths_total")] \
                or ["accidents_total", "deaths_total"]
            found.append((seg.start() + start, seg.start() + double.end() + (
                1 if piece[double.end():double.end() + 1] == "”" else 0), "below", codes))
        elif codes and drop and not re.search(r"\d", piece[drop.end():]) \
                and drop.start() > _first_indicator_start(piece) \
                and not re.search(r"\d\s*%", piece):
            start = _first_indicator_start(piece)
            codes = [c for c in codes if c in ("accidents_total", "deaths_total",
                                               "deaths_per_100m_gdp")]
            if codes:
                found.append((seg.start() + start, seg.start() + drop.end(), "below", codes))
    found.sort(key=lambda f: (f[0], f[1]))
    return found


def _first_indicator_start(piece: str) -> int:
    """Start of the accident phrase in a segment (生产安全事故起数… rather than the verb)."""
    cues = load_cues()
    starts = [m.start() for p, _ in cues.accident_indicator for m in p.finditer(piece)]
    if not starts:
        return 0
    first = min(starts)
    lead = re.search(r"(?:生产安全|安全生产)?(?:事故)?$", piece[:first])
    return lead.start() if lead else first


def accident_targets(targets: pd.DataFrame, clauses: pd.DataFrame,
                     documents: pd.DataFrame) -> pd.DataFrame:
    """Accident targets in the normalised form read by :mod:`analysis.accidents.feasibility`.

    Numeric targets (``kind == 'target'``, comparator ``decline_by``, unit %) whose indicator
    names accident counts, deaths or deaths per 100 million yuan of GDP give ``decline_by``
    rows (one per indicator named); 双下降 gives ``below`` rows against the previous year;
    遏制重特大事故 / 杜绝较大以上事故 / 防较大 give ``no_major`` rows. Background sections
    (facts about the past) are skipped.

    Parameters
    ----------
    targets : pandas.DataFrame
        Output of :func:`extract_targets`.
    clauses, documents : pandas.DataFrame
        ``clauses.csv`` and ``documents.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`ACCIDENT_TARGETS`, ordered by document and position.
    """
    docs = {r["doc_id"]: r for r in documents.to_dict("records")}
    rows = []

    def base(doc: dict, clause_id: str) -> dict:
        return {"doc_id": doc["doc_id"], "clause_id": clause_id,
                "geography_zh": doc["jurisdiction_zh"], "geography_en": _text(doc["jurisdiction_en"]),
                "admin_level": doc["admin_level"], "year_set": int(doc["year_start"])}

    numeric_spans: dict[str, list[tuple[int, int]]] = {}
    for rec in targets.itertuples():
        if rec.kind != "target" or rec.doc_id not in docs:
            continue
        codes = accident_codes(rec.indicator if isinstance(rec.indicator, str) else "")
        if not codes or rec.comparator != "decline_by" or rec.unit != "%":
            continue
        doc = docs[rec.doc_id]
        deadline = rec.deadline if isinstance(rec.deadline, str) else ""
        baseline = rec.baseline if isinstance(rec.baseline, str) else ""
        year = _target_year(deadline, doc)
        rule, years = _rule_from_baseline(baseline, _baseline_hint(baseline), year)
        numeric_spans.setdefault(rec.clause_id, []).append((rec.char_start, rec.char_end))
        for k, code in enumerate(codes):
            rows.append({**base(doc, rec.clause_id), "_pos": int(rec.char_start), "_k": k,
                         "indicator_code": code, "comparator": "decline_by",
                         "required_change_pct": -float(rec.value), "baseline_rule": rule,
                         "base_years": years, "target_year": year, "span": rec.span})

    past_sections = _clause_contexts(clauses)
    pieces = own_pieces(clauses)
    goals = []
    for rec in clauses.itertuples():
        full = rec.text if isinstance(rec.text, str) else ""
        if not full or bool(rec.inferred) or rec.doc_id not in docs \
                or past_sections.get(rec.clause_id, False):
            continue
        for a, b in pieces.get(rec.clause_id, [(0, len(full))]):
            goals.extend((rec, full[a:b], int(rec.char_start) + a, g)
                         for g in _goal_phrases(full[a:b]))
    for rec, text, offset, (start, end, comparator, codes) in goals:
        doc = docs[rec.doc_id]
        year_start = int(doc["year_start"])
        sentence_start = _last_boundary(text, start, _SENTENCE_END)
        if _past_in_sentence(text[sentence_start:start], year_start, []) \
                or "了" in text[start:end + 2]:
            continue  # 杜绝了较大事故: a report, not a goal
        abs_start = offset + start
        if any(a <= abs_start < b for a, b in numeric_spans.get(rec.clause_id, [])):
            continue
        year = _target_year(_deadline(text[sentence_start:start], year_start,
                                      text[_last_boundary(text, start, "。！？!?\n"):start]),
                            doc)
        for k, code in enumerate(codes):
            row = {**base(doc, rec.clause_id), "_pos": abs_start, "_k": k,
                   "indicator_code": code, "span": text[start:end], "target_year": year,
                   "required_change_pct": None}
            if comparator == "no_major":
                row.update(comparator="no_major", baseline_rule="none", base_years="")
            elif comparator == "below_other":
                row.update(comparator="below", baseline_rule="none", base_years="")
            else:
                row.update(comparator="below", baseline_rule="previous_year",
                           base_years=str(year - 1))
            rows.append(row)
    table = pd.DataFrame(rows, columns=ACCIDENT_TARGETS.column_names + ["_pos", "_k"])
    if table.empty:
        return pd.DataFrame(columns=ACCIDENT_TARGETS.column_names)
    table = table.sort_values(["doc_id", "_pos", "_k"], kind="mergesort").reset_index(drop=True)
    table["target_id"] = [f"{d}/T{n:02d}" for d, n in
                          zip(table["doc_id"], table.groupby("doc_id").cumcount() + 1)]
    table["base_years"] = table["base_years"].where(table["base_years"] != "", None)
    return table[ACCIDENT_TARGETS.column_names]


def _text(value) -> str:
    """A manifest text cell as read back from CSV: missing (NaN) becomes ''."""
    return value if isinstance(value, str) else ""
