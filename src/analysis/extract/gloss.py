"""English gloss of a Chinese target indicator, for the ``indicator_en`` column.

:func:`gloss` walks the indicator from left to right and replaces the longest known term of
``data/target_glossary.csv`` (read through :func:`analysis.extract.cues.load_cues`) by its English
word, dropping unknown stretches and repeated words; when nothing is known it falls back to the
unit's English name (``number of teams``, ``share (percent)``). It reads no other resource and
has no notion of targets beyond the indicator string and its unit.
"""
from __future__ import annotations

import re
from functools import lru_cache

from analysis.extract.cues import load_cues


@lru_cache(maxsize=1)
def _english() -> dict[str, str]:
    """English word of each glossary term (the glossary's first entry for a term)."""
    return dict(reversed(load_cues().glossary))


def gloss(indicator: str, unit: str = "") -> str:
    """English gloss of a Chinese indicator from the glossary (longest terms first).

    Unknown stretches are dropped; if nothing is known, the unit's English name is used
    (``count of teams``, ``percent``).
    """
    cues = load_cues()
    english = _english()
    words: list[str] = []
    text = re.sub(r"[“”\"‘’（）()、，,]", " ", indicator)
    # Left to right, the longest term at each position (the regex engine tries the terms in
    # the glossary's order); characters no term starts with are skipped.
    for m in cues.glossary_terms.finditer(text):
        en = english[m.group(0)]
        if en and (not words or words[-1] != en):
            words.append(en)
    unit_info = cues.units.get(unit)
    if not words:
        if unit_info is None:
            return ""
        if unit_info.category == "percent":
            return "share (percent)"
        return f"number of {unit_info.unit_en}"
    return " ".join(words)
