"""Extract stage: quantitative targets (and reported facts) of every plan.

Every number that quantifies something (a number with a unit: ``65%``, ``6.6万人``, ``两支``,
``150公里``) becomes a row of ``targets.csv`` with what it measures, its comparator, deadline and
baseline as written, and whether it is a commitment (``target``) or a report about the past or
a description of the present (``fact``: past cues, background sections, and the situation
frames of :mod:`analysis.extract.frames` when no commitment frame holds). Accident targets (accident counts, deaths, deaths per 100 million yuan of GDP,
双下降, 遏制重特大事故) are also written in the normalised form of ``accident_targets.csv`` that
the feasibility stage reads (:mod:`analysis.accidents.feasibility`).

The rules are general and written by hand; every word list lives in data files so that it can
be read and extended without touching the code:

* ``data/target_units.csv``: units (longest match wins) and which units a Chinese numeral may
  carry;
* ``data/target_cues.csv``: comparator, deadline, baseline, past-tense and section cues, words
  that make a quoted phrase a name, and the accident vocabulary;
* ``data/target_glossary.csv``: Chinese terms → English, for ``indicator_en``.

What is *not* a quantity: years, months and days (dates), ordinals (第三), numbers inside
quotation marks or book titles (names such as “钢8条”, 《…66条措施》), document numbers
(〔2019〕207号), codes (1+X, 7×24) and Chinese numerals that label rather than count (十四五,
二十大, 三比三争, 两大品牌, 四项举措): a Chinese numeral counts only after a commitment verb,
a comparator or a frequency cue (组建两支, 每年至少一次). A rate may stand without a unit
only after a comparator that follows a word ending in 率 (万车死亡率控制在1.5以内).

Public functions: :func:`extract_targets` (``targets.csv``), :func:`accident_targets`
(``accident_targets.csv``), :func:`build` (the pipeline stage), :func:`targets_from_text` (one
text, for checks), :func:`find_numbers`, :func:`gloss`, :func:`accident_codes`,
:func:`own_pieces` and :func:`load_cues`. Precision and recall against the reading gold:
``tests/gold/TARGETS_EVAL.md``.

The stage is split by concern; this module is its entry point (``build`` and ``SCHEMAS``) and
re-exports every name the stage had when it was one module. :mod:`analysis.extract.cues`
(resources), :mod:`analysis.extract.numbers` (numbers and units),
:mod:`analysis.extract.qualifiers` (comparator, baseline, deadline, past tense),
:mod:`analysis.extract.frames` (commitment or situation frame, unwrapping of wrapped lines),
:mod:`analysis.extract.clause_reading` (one clause), :mod:`analysis.extract.gloss`,
:mod:`analysis.extract.extraction` (the targets table), :mod:`analysis.extract.accident_targets`
and :mod:`analysis.extract.target_schemas`.
"""
from __future__ import annotations

from pathlib import Path

from analysis.core.io import read_csv
from analysis.core.schema import write_table
from analysis.extract.accident_targets import (_baseline_hint, _first_indicator_start,  # noqa: F401
                                               _goal_phrases, _rule_from_baseline, _target_year,
                                               accident_codes, accident_targets)
from analysis.extract.clause_reading import (_FYP_LABEL, _ITEM_NUMBER, _OBJECT_MAX,  # noqa: F401
                                             _first_outside_brackets, _is_condition, _object,
                                             _read_clause, _remove_spans, _respectively, _Row,
                                             _share_heads, _skip_heading, _strip_indicator)
from analysis.extract.cues import (Cues, Unit, _alternation, _read_commented_csv,  # noqa: F401
                                   load_cues)
from analysis.extract.extraction import (_clause_contexts, _flag_conflicts,  # noqa: F401
                                         extract_targets, own_pieces, targets_from_text)
from analysis.extract.gloss import gloss  # noqa: F401
from analysis.extract.numbers import (_ARABIC, _CN_DIGITS, _GAP_BOUND, _GAP_CHANGE,  # noqa: F401
                                      _HARD, _SENTENCE_END, NumberHit, _inside, _last_boundary,
                                      _next_boundary, _number_regexes, _pre_cues,
                                      _protected_spans, find_numbers)
from analysis.extract.qualifiers import (_FYP, _YEAR, _baseline, _comparator,  # noqa: F401
                                         _deadline, _five_year_plan_end, _past_in_sentence)
from analysis.extract.target_schemas import (_SRC, _SRC_ACC, ACCIDENT_COMPARATORS,  # noqa: F401
                                             ACCIDENT_INDICATORS, ACCIDENT_TARGETS, ADMIN_LEVELS,
                                             BASELINE_RULES, COMPARATORS, KINDS, TARGETS)

#: Tables written by this stage (collected into the codebook by the pipeline).
SCHEMAS = [TARGETS, ACCIDENT_TARGETS]


def build(raw_dir: Path, processed_dir: Path) -> list[Path]:
    """Read ``clauses.csv`` and ``documents.csv`` and write ``targets.csv`` and
    ``accident_targets.csv``.

    Parameters
    ----------
    raw_dir : Path
        Raw-data folder (unused: this stage reads processed tables only).
    processed_dir : Path
        Folder of the processed tables.

    Returns
    -------
    list of Path
        The two files written.
    """
    processed_dir = Path(processed_dir)
    clauses = read_csv(processed_dir / "clauses.csv", dtype={"number": str})
    documents = read_csv(processed_dir / "documents.csv")
    targets = extract_targets(clauses, documents)
    accidents = accident_targets(targets, clauses, documents)
    return [write_table(targets, TARGETS, processed_dir),
            write_table(accidents, ACCIDENT_TARGETS, processed_dir)]
