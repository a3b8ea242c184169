"""A word-unigram lattice scorer over jieba's dictionary, for ranking GBK repair readings.

The character n-gram model (:mod:`analysis.clean.charmodel`) is trained on a few plans and the
lexicons, so between two readings that the damaged bytes allow equally (the first character of
a span keeps only its trail byte, the last only its lead byte) it often prefers a frequent
character pair over a real word (夫人 over 万人, 通知风险 over 通知如下). Whole words settle
most of these: jieba's dictionary (about 350,000 words with frequencies from a general corpus,
shipped inside the jieba package) and the project's domain lexicon give the probability of the
best segmentation of a reading into known words. The score is that of the best path through
the lattice of dictionary words (a word-unigram model, as jieba's own ``calc`` route), with
characters outside the dictionary costing a floor probability.

Written by hand: jieba segments, but does not expose the path's log-probability for an
arbitrary string without building its prefix dictionary and cache in the process (a second
copy of the dictionary), and the repair needs the score only, on short windows, many times.
"""
from __future__ import annotations

import math
from functools import lru_cache

from analysis.clean.charmodel import jieba_dictionary, read_lexicon

#: Longest dictionary word looked up (longer words are rare and add lookups to every position).
MAX_WORD = 6
#: Frequency given to each domain-lexicon term that jieba lacks (a mid-frequency word in jieba).
DOMAIN_FREQ = 200
#: Log-probability of a character outside the dictionary (a Chinese character no word and no
#: single-character entry covers: rare, or junk) and of one non-Chinese character (punctuation,
#: ASCII, digits), which the dictionary does not hold at all.
UNKNOWN_LOGP = -22.0
OTHER_LOGP = -7.0
MEMO_SIZE = 200_000
#: Weight of the lattice score added to the character model's score of a candidate reading of
#: a damaged span (:class:`analysis.clean.gbk_repair.ShiftRepairer`), of the lattice gain added
#: to its plausibility gain, and the character-model score behind the best reading beyond which
#: a reading is not scored by the lattice (and dropped, for speed). Tuned on 500 synthetic
#: spans of the dev pages (:mod:`analysis.clean.gbk_evaluate`): weight 0 gave 228 exact,
#: 0.5 241, 1.0 248 (before the other changes of the same commit); 1.5 no better.
WORD_WEIGHT = 1.0
WORD_GAIN_WEIGHT = 1.0
WORD_MARGIN = 25.0


class WordLattice:
    """Best-segmentation log-probability of a text under a word-unigram model.

    Parameters
    ----------
    words : iterable of (str, int)
        Words (simplified) and frequencies.
    """

    def __init__(self, words) -> None:
        counts: dict[str, int] = {}
        for word, freq in words:
            if freq > 0 and len(word) <= MAX_WORD:
                counts[word] = counts.get(word, 0) + freq
        total = sum(counts.values())
        log_total = math.log(total)
        self.logp = {w: math.log(f) - log_total for w, f in counts.items()}
        self._memo: dict[str, float] = {}

    def score(self, text: str) -> float:
        """Log-probability of the best segmentation of ``text`` (simplified) into words."""
        found = self._memo.get(text)
        if found is not None:
            return found
        n = len(text)
        best = [0.0] + [-math.inf] * n
        logp = self.logp
        for i in range(n):
            here = best[i]
            ch = text[i]
            if not ("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"):  # is_cjk, inline
                if here + OTHER_LOGP > best[i + 1]:
                    best[i + 1] = here + OTHER_LOGP
                continue
            single = logp.get(ch, UNKNOWN_LOGP)
            if here + single > best[i + 1]:
                best[i + 1] = here + single
            for k in range(i + 2, min(n, i + MAX_WORD) + 1):
                lp = logp.get(text[i:k])
                if lp is not None and here + lp > best[k]:
                    best[k] = here + lp
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[text] = best[n]
        return best[n]


def lexicon_score(char_model, lattice: WordLattice, reading: str, word_weight: float,
                  free_marks: frozenset) -> float:
    """Score of a reading under a lexicon character model plus ``word_weight`` times the
    lattice, summed over its runs of Chinese characters.

    Marks in ``free_marks`` and whitespace separate runs and cost nothing: the lexicons hold
    no punctuation, so charging it would reject every reading of a damaged span that restores
    a mark (“十二五”, 一、現). Any other symbol stays in its run as an unseen symbol ('\\x00').
    """
    total = 0.0
    runs, run = [], []
    for ch in reading + " ":
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "\x00":
            run.append(ch)
        elif ch in free_marks or ch.isspace():
            runs.append("".join(run))
            run = []
        else:
            run.append("\x00")
    for text in filter(None, runs):
        total += char_model.score(text)
        if word_weight:
            total += word_weight * lattice.score(text)
    return total


@lru_cache(maxsize=1)
def word_lattice() -> WordLattice:
    """The lattice of jieba's dictionary plus the domain lexicon (built once per process)."""
    from analysis.core.paths import PACKAGE_DATA

    words = list(jieba_dictionary())
    known = {w for w, _ in words}
    words.extend((term, DOMAIN_FREQ) for term in read_lexicon(PACKAGE_DATA / "domain_lexicon.txt")
                 if term not in known)
    return WordLattice(words)
