"""English gloss of a Chinese target indicator, for the ``indicator_en`` column.

:func:`gloss` walks the indicator from left to right and replaces the longest known term of
``data/target_glossary.csv`` (read through :func:`analysis.extract.cues.load_cues`) by its English
word, dropping unknown stretches and repeated words; when nothing is known it falls back to the
unit's English name (``number of teams``, ``share (percent)``). It reads no other resource and
has no notion of targets beyond the indicator string and its unit.
"""
from __future__ import annotations

import re

from analysis.extract.cues import load_cues


def gloss(indicator: str, unit: str = "") -> str:
    """English gloss of a Chinese indicator from the glossary (longest terms first).

    Unknown stretches are dropped; if nothing is known, the unit's English name is used
    (``count of teams``, ``percent``).
    """
    cues = load_cues()
    words: list[str] = []
    i = 0
    text = re.sub(r"[“”\"‘’（）()、，,]", " ", indicator)
    while i < len(text):
        for zh, en in cues.glossary:
            if text.startswith(zh, i):
                if en and (not words or words[-1] != en):
                    words.append(en)
                i += len(zh)
                break
        else:
            i += 1
    unit_info = cues.units.get(unit)
    if not words:
        if unit_info is None:
            return ""
        if unit_info.category == "percent":
            return "share (percent)"
        return f"number of {unit_info.unit_en}"
    return " ".join(words)
