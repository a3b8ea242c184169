"""jieba's accurate-mode segmentation, computed mostly by jieba-rs: :class:`FastSegmenter`.

:class:`FastSegmenter` gives exactly jieba's tokens (accurate mode, HMM on, same dictionary and
lexicon) faster; it is glue written here, around jieba-rs (``rjieba``), a port of jieba's
dictionary route. jieba cuts a text block by block (runs of characters matched by its
``re_han_default``), and a block's tokens depend on that block alone, so each distinct block
(with the punctuation after it) is segmented once and remembered (a memo: plans repeat
boilerplate). The memo only saves work; the tokens are those of segmenting every block afresh
(tested). jieba-rs is loaded with jieba's own ``dict.txt`` and the lexicon, and its
word-frequency total is made equal to jieba's (jieba-rs does not count a re-added word twice,
jieba does). Only the dictionary route comes from jieba-rs; jieba's HMM step is followed here,
with jieba's Viterbi decoding rewritten for its four states (:mod:`analysis.text.jieba_hmm`:
the same floating-point additions in the same order and the same tie-breaking). jieba-rs's
own HMM is not used: its constants differ from jieba's in the last digits, which flipped a near
tie once in 1.7 million tokens of synthetic text (常在较; benchmark ``segmentation_at_scale``).
jieba itself segments a block whose route cannot be read back unambiguously (a Latin word in
the dictionary; none in the corpus). Equality with jieba is tested on every clause of the seeds
and of the development pages, and on random character runs (tests/test_tokenise.py).

The module imports neither pandas nor jieba's tokenizer, so a process that only segments
starts quickly (the start-up is part of the whole-process benchmark). Also here: the domain
lexicon and stopword files, and :func:`is_content_token`, the filter of :func:`segment`.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain
from pathlib import Path

from analysis.core.codeversion import jieba_dictionary_path
from analysis.core.lexicon import read_entries, read_lexicon
from analysis.core.paths import PACKAGE_DATA
# The HMM step of FastSegmenter.
from analysis.text.jieba_hmm import _hmm_tables, _jieba_hmm

LEXICON_PATH = PACKAGE_DATA / "domain_lexicon.txt"
STOPWORDS_PATH = PACKAGE_DATA / "stopwords.txt"

#: Distinct text blocks (each with the text up to the next block) whose tokens
#: :class:`FastSegmenter` remembers; the memo is emptied when full. About 0.5 kB each, so at
#: most ~70 MB per memo. A plain dictionary of tuples: on fresh synthetic text it costs a little
#: more than it saves (8 MB: cutting 1.59 s with it, 1.55 s without, benchmark
#: ``segmentation_at_scale``; the LRU cache of lists it replaced took 1.89 s against 1.73 s in
#: an earlier run), and on repeated text it is about five times faster (0.09 s against 0.42 s,
#: ``segmentation_throughput``).
BLOCK_MEMO_SIZE = 1 << 17
#: Runs of unknown characters whose HMM cut :class:`FastSegmenter` remembers.
HMM_MEMO_SIZE = 1 << 16
# A word that cannot occur in a jieba block (private use character), used only to make the
# jieba-rs frequency total equal to jieba's.
_TOTAL_PAD = "\ue000"
_PURE_HAN = re.compile("[\u4E00-\u9FD5]+")
_ASCII_ALNUM = re.compile("[a-zA-Z0-9]+")
# jieba 0.42.1's own patterns (tests/test_tokenise.py checks they are still jieba's): text
# blocks and what separates tokens between them (jieba.re_han_default, re_skip_default); the
# split inside its HMM step (jieba.finalseg.re_han, re_skip) is in jieba_hmm.
JIEBA_BLOCK = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
JIEBA_SKIP = re.compile("(\r\n|\\s)")

# A token made only of digits, decimal points, percent and range signs is a number.
_NUMBER = re.compile(r"^[0-9０-９.．%％+\-~～／/×]+$")
# Chinese numerals on their own (一, 二十, 两) and enumerators (一是, 第三) carry no topic.
_CN_NUMBER = re.compile(r"^(第)?[零〇一二三四五六七八九十百千万两]+(是|个|项|条|次|批|年)?$")
_CIRCLED = re.compile(r"^[①-⑳]+$")


def lexicon_entries(path: Path = LEXICON_PATH) -> list[tuple[str, int | None, str | None]]:
    """Entries of the domain lexicon: (word, frequency or None, part of speech or None)."""
    return read_entries(path)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Stopwords: function words and plan boilerplate (``data/stopwords.txt``)."""
    return frozenset(read_lexicon(STOPWORDS_PATH))


def is_content_token(token: str) -> bool:
    """False for whitespace, punctuation, numbers, enumerators and stopwords."""
    token = token.strip()
    if not token or token in stopwords():
        return False
    if all(unicodedata.category(ch)[0] in "PSZC" for ch in token):
        return False
    return not (_NUMBER.match(token) or _CN_NUMBER.match(token) or _CIRCLED.match(token))


_is_content = lru_cache(maxsize=1 << 16)(is_content_token)


def _reference(lexicon: bool):
    """jieba's own tokenizer, with or without the lexicon (for blocks jieba-rs cannot
    route unambiguously)."""
    from analysis.text.tokenise import plain_tokenizer, tokenizer

    return tokenizer() if lexicon else plain_tokenizer()


def _dictionary_entries() -> tuple[list[str], list[int]]:
    """Words and frequencies of jieba's ``dict.txt``, in file order (duplicates kept)."""
    text = jieba_dictionary_path().read_text(encoding="utf-8")
    parts = text.split()
    if len(parts) == 3 * text.count("\n"):  # every line "word freq tag": the quick way
        return parts[0::3], [int(f) for f in parts[1::3]]
    words, freqs = [], []
    for line in text.splitlines():  # jieba's own reading: first two space-separated fields
        line = line.strip()
        if line:
            word, freq = line.split(" ")[:2]
            words.append(word)
            freqs.append(int(freq))
    return words, freqs


class FastSegmenter:
    """jieba's accurate-mode segmentation (HMM on), computed mostly by jieba-rs.

    Gives the tokens of ``jieba.Tokenizer.cut(text, HMM=True)`` with jieba's dictionary and,
    when ``lexicon`` is true, the domain lexicon added as
    :func:`analysis.text.tokenise.tokenizer` adds it (see the module docstring for why they
    are the same).

    Parameters
    ----------
    lexicon : bool
        Add the domain lexicon (as :func:`analysis.text.tokenise.tokenizer`) or not (as
        :func:`analysis.text.tokenise.plain_tokenizer`).
    memo_size : int
        Distinct blocks remembered; 0 turns the memo off (for benchmarks).

    Raises
    ------
    ImportError
        When ``rjieba`` is not installed.
    ValueError
        When a lexicon entry has no positive frequency (jieba would compute one with its
        own ``suggest_freq``, which jieba-rs computes differently).
    """

    def __init__(self, lexicon: bool = True, memo_size: int = BLOCK_MEMO_SIZE):
        import rjieba

        self.lexicon = lexicon
        self._re_block, self._re_skip = JIEBA_BLOCK, JIEBA_SKIP
        words, freqs = _dictionary_entries()
        engine = rjieba.Jieba.empty()
        add = engine.add_word
        for word, freq in zip(words, freqs):
            add(word, freq, None)
        # jieba adds every line's frequency to its total; jieba-rs counts a word once, with
        # its last frequency, and subtracts the old frequency of a word added again.
        current = dict(zip(words, freqs))
        total_jieba, total_rs = sum(freqs), sum(current.values())
        if lexicon:
            for word, freq, tag in lexicon_entries():
                if not freq:
                    raise ValueError(f"lexicon entry {word!r} has no frequency")
                total_rs += freq - current.get(word, 0)
                total_jieba += freq
                current[word] = freq
                add(word, freq, tag)
        if total_jieba > total_rs:
            add(_TOTAL_PAD, total_jieba - total_rs, None)
        self.total = total_jieba
        self._engine = engine
        self._hmm_run = lru_cache(maxsize=HMM_MEMO_SIZE)(_jieba_hmm)
        _hmm_tables()  # jieba's HMM tables load with the segmenter, not on the first cut
        #: Blocks or HMM runs that jieba itself had to segment (see _route and _hmm).
        self.fallbacks = 0
        # jieba splits a text into blocks (re_han_default) and the text between them. A
        # "unit" here is a block with the text after it (or the text before the first block):
        # one memo look-up per unit instead of two.
        cls = self._re_block.pattern
        if not (cls.startswith("([") and cls.endswith("]+)")):
            raise ValueError(f"unexpected jieba block pattern {cls!r}")
        cls = cls[1:-2]
        self._units = re.compile(f"{cls}+[^{cls[1:-1]}]*|^[^{cls[1:-1]}]+").findall
        self._block_end = re.compile(f"{cls}*").match
        self.cut_unit, self.content_unit = self._cut_unit, self._content_unit
        if memo_size:
            self.cut_unit = _memo(self._cut_unit, memo_size)
            self.content_unit = _memo(self._content_unit, memo_size)

    def _reference(self):
        return _reference(self.lexicon)

    def _route(self, block: str) -> list[str] | None:
        """The steps of jieba's dictionary route through ``block`` (words, single
        characters), read from jieba-rs's cut without HMM; None if ambiguous."""
        steps: list[str] = []
        has_word = self._engine.has_word
        for piece in self._engine.cut(block, False):
            if len(piece) == 1:
                steps.append(piece)
            elif _ASCII_ALNUM.fullmatch(piece) and not has_word(piece):
                steps.extend(piece)  # single Latin letters and digits, merged by jieba-rs
            elif has_word(piece) and not _ASCII_ALNUM.fullmatch(piece):
                steps.append(piece)  # a dictionary word
            else:
                return None  # a Latin word in the dictionary: one step or several?
        return steps

    def _flush(self, buf: str, out: list[str]) -> None:
        # jieba's handling of a run of single characters (Tokenizer.__cut_DAG).
        if len(buf) == 1:
            out.append(buf)
        elif not self._engine.has_word(buf):
            self._hmm(buf, out)
        else:
            out.extend(buf)

    def _hmm(self, buf: str, out: list[str]) -> None:
        """``jieba.finalseg.cut(buf)``, computed with jieba's own arithmetic
        (:mod:`analysis.text.jieba_hmm`) and remembered per run.

        jieba-rs's HMM is not used: its probability constants differ from jieba's in the
        last digits, enough to flip near ties (常在较: jieba S-S-S at -21.14538289, jieba-rs
        B-E-S, 1.5e-7 behind in jieba's arithmetic; found on fresh synthetic text, one token
        in 1.7 million). Runs of unknown characters are short and recur, so the memo keeps
        this cheap."""
        if _forced_splits():
            import jieba.finalseg

            self.fallbacks += 1
            out.extend(jieba.finalseg.cut(buf))
            return
        out.extend(self._hmm_run(buf))

    # Token lists below are shared by the memo and never modified: cut() and content()
    # copy them into a new list.
    def _cut_block(self, block: str) -> list[str]:
        if _PURE_HAN.fullmatch(block):
            # Chinese characters only: jieba-rs's route is dictionary words and characters.
            steps = self._engine.cut(block, False)
        else:
            steps = self._route(block)
        if steps is None:
            self.fallbacks += 1
            return self._reference().lcut(block, HMM=True)
        out: list[str] = []
        buf = ""
        for step in steps:
            if len(step) == 1:
                buf += step
                continue
            if buf:
                self._flush(buf, out)
                buf = ""
            out.append(step)
        if buf:
            self._flush(buf, out)
        return out

    def _cut_unit(self, unit: str) -> list[str]:
        end = self._block_end(unit).end()
        if end == len(unit):
            return self._cut_block(unit)
        out = self._cut_block(unit[:end]) if end else []
        gap = unit[end:]
        if len(gap) == 1:  # jieba's one token for one character, space or not
            out.append(gap)
            return out
        skip = self._re_skip
        for x in skip.split(gap):  # as jieba: a line break or space, or one character
            if skip.match(x):
                out.append(x)
            else:
                out.extend(x)
        return out

    def _content_unit(self, unit: str) -> list[str]:
        return list(filter(_is_content, self._cut_unit(unit)))

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text``, as ``jieba.Tokenizer.lcut(text, HMM=True)``."""
        return list(chain.from_iterable(map(self.cut_unit, self._units(text))))

    def content(self, text: str) -> list[str]:
        """Content tokens of ``text``: :meth:`cut` filtered by :func:`is_content_token`."""
        return list(chain.from_iterable(map(self.content_unit, self._units(text))))

def _memo(func, size: int):
    """``func`` of one string, remembered as a tuple (the memo is emptied when it holds
    ``size`` results; see :data:`BLOCK_MEMO_SIZE`)."""
    memo: dict[str, tuple[str, ...]] = {}
    get = memo.get

    def remembered(unit: str) -> tuple[str, ...]:
        found = get(unit)
        if found is None:
            if len(memo) >= size:
                memo.clear()
            found = memo[unit] = tuple(func(unit))
        return found

    return remembered


def _forced_splits() -> bool:
    """Whether jieba's HMM step has words it must split (set by ``add_word(w, 0)`` on any
    jieba Tokenizer of this process)."""
    import sys

    finalseg = sys.modules.get("jieba.finalseg")
    return bool(finalseg is not None and finalseg.Force_Split_Words)


@lru_cache(maxsize=1)
def fast_segmenter() -> FastSegmenter | None:
    """The module's :class:`FastSegmenter` with the lexicon (built once), or None when
    ``rjieba`` is not installed or the lexicon lacks frequencies (then jieba is used)."""
    try:
        return FastSegmenter(lexicon=True)
    except (ImportError, ValueError):
        return None


