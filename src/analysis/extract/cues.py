"""Cue, unit and glossary resources of target extraction, read once and compiled.

Every word list used to read quantities lives in a data file so that it can be read and
extended without touching the code: ``data/target_units.csv`` (units, longest match wins, and
which units a Chinese numeral may carry), ``data/target_cues.csv`` (comparator, deadline,
baseline, past-tense, section, commitment and situation cues, words that make a quoted phrase
a name, and the accident vocabulary) and ``data/target_glossary.csv`` (Chinese terms to
English). :func:`load_cues` reads the three files and returns them as one frozen :class:`Cues`
of compiled patterns; every other module of the targets stage asks it for its cues and nothing
else here reads text.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analysis.core.paths import PACKAGE_DATA


def _read_commented_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV whose leading ``#`` lines are documentation."""
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    for row in rows:
        if None in row:
            # a pattern with an unquoted comma ({0,2}) would be cut there, silently
            raise ValueError(f"{path.name}: row {row!r} has more fields than the header; "
                             "quote a pattern that contains a comma")
    return rows


@dataclass(frozen=True)
class Unit:
    unit: str
    category: str
    unit_en: str
    chinese_ok: bool
    not_followed_by: re.Pattern | None


@dataclass(frozen=True)
class Cues:
    """All cue lists, compiled once."""

    units: dict[str, Unit]
    unit_regex: str
    cn_unit_regex: str
    comparator_pre: tuple[tuple[re.Pattern, str], ...]
    comparator_post: tuple[tuple[re.Pattern, str], ...]
    deadline: re.Pattern
    baseline: tuple[tuple[re.Pattern, str], ...]
    past_strong: re.Pattern
    past_weak: re.Pattern
    past_section: re.Pattern
    commit: re.Pattern
    situation: re.Pattern
    situation_sentence: re.Pattern
    target_section: re.Pattern
    firm_deadline: re.Pattern
    report_period: re.Pattern
    cn_verb: re.Pattern
    action_verb: re.Pattern
    cn_frequency: re.Pattern
    lead_filler: re.Pattern
    tail_drop: re.Pattern
    condition_pre: re.Pattern
    name_suffix: re.Pattern
    named_set: re.Pattern
    implement: re.Pattern
    formula_word: re.Pattern
    accident_indicator: tuple[tuple[re.Pattern, str], ...]
    no_major_verb: str
    decline_verb: str
    major_class: str
    general_class: str
    double_decline: str
    glossary: tuple[tuple[str, str], ...]
    #: The glossary's terms as one alternation in the same order (longest first), so that a
    #: match at a position is the term the glossary lists first there.
    glossary_terms: re.Pattern


def _alternation(patterns: list[str]) -> str:
    return "(?:" + "|".join(patterns) + ")"


@lru_cache(maxsize=1)
def load_cues() -> Cues:
    """Read and compile ``target_units.csv``, ``target_cues.csv`` and ``target_glossary.csv``."""
    unit_rows = _read_commented_csv(PACKAGE_DATA / "target_units.csv")
    units = {r["unit"]: Unit(r["unit"], r["category"], r["unit_en"], r["chinese_ok"] == "1",
                             re.compile(r["not_followed_by"]) if r["not_followed_by"] else None)
             for r in unit_rows}
    # Longest first so that 个百分点 beats 个 and 万人 beats 万 inside one alternation.
    by_length = sorted(units, key=lambda u: (-len(u), u))
    unit_regex = _alternation([re.escape(u) for u in by_length])
    cn_unit_regex = _alternation([re.escape(u) for u in by_length if units[u].chinese_ok])

    rows = _read_commented_csv(PACKAGE_DATA / "target_cues.csv")
    by_type: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_type.setdefault(r["cue_type"], []).append(r)

    def pairs(kind: str) -> tuple[tuple[re.Pattern, str], ...]:
        return tuple((re.compile(r["pattern"]), r["value"]) for r in by_type.get(kind, []))

    def joined(kind: str) -> str:
        return _alternation([r["pattern"] for r in by_type.get(kind, [])])

    glossary_rows = _read_commented_csv(PACKAGE_DATA / "target_glossary.csv")
    glossary = tuple(sorted(((r["zh"], r["en"]) for r in glossary_rows),
                            key=lambda p: (-len(p[0]), p[0])))
    return Cues(
        units=units, unit_regex=unit_regex, cn_unit_regex=cn_unit_regex,
        comparator_pre=pairs("comparator_pre"),
        comparator_post=tuple((re.compile("^\\s*" + p.pattern), v)
                              for p, v in pairs("comparator_post")),
        deadline=re.compile(joined("deadline")),
        baseline=pairs("baseline"),
        past_strong=re.compile(joined("past_strong")),
        past_weak=re.compile(joined("past_weak")),
        past_section=re.compile(joined("past_section")),
        commit=re.compile(joined("commit")),
        situation=re.compile(joined("situation")),
        situation_sentence=re.compile(joined("situation_sentence")),
        target_section=re.compile(joined("target_section")),
        firm_deadline=re.compile(joined("firm_deadline")),
        report_period=re.compile(joined("report_period")),
        cn_verb=re.compile(joined("cn_verb") + r"\s*$"),
        action_verb=re.compile(joined("cn_verb")),
        cn_frequency=re.compile(joined("cn_frequency")),
        lead_filler=re.compile("^(?:" + joined("lead_filler") + r"|\s)+"),
        tail_drop=re.compile(joined("tail_drop")),
        condition_pre=re.compile(joined("condition_pre")),
        # Used with Pattern.match(text, pos), which anchors at pos; no ^ (it would not match there).
        name_suffix=re.compile("[”’」』]?\\s*" + joined("name_suffix")),
        named_set=re.compile(joined("named_set")),
        implement=re.compile(joined("implement")),
        formula_word=re.compile(joined("formula_word")),
        accident_indicator=pairs("accident_indicator"),
        no_major_verb=joined("accident_no_major_verb"),
        decline_verb=joined("accident_decline_verb"),
        major_class=joined("accident_major_class"),
        general_class=joined("accident_general_class"),
        double_decline=joined("accident_double_decline"),
        glossary=glossary,
        glossary_terms=re.compile("|".join(re.escape(zh) for zh, _ in glossary)),
    )
