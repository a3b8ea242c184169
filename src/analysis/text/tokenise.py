"""Word segmentation of clause texts, shared by the regional and topic analyses.

One jieba :class:`jieba.Tokenizer` of this module's own (never the global one, so user words
and settings do not leak into other code), loaded with the project's domain lexicon
(``data/domain_lexicon.txt``, jieba user-dictionary format). :func:`segment` then removes
stopwords (``data/stopwords.txt``: function words and plan boilerplate), punctuation,
numbers and enumerators. Segmentation is deterministic: jieba's dictionary route and its HMM
for unknown words have no randomness.

Speed: :class:`FastSegmenter` gives exactly jieba's tokens (accurate mode, HMM on, same
dictionary and lexicon) faster; it is glue written here, around jieba-rs (``rjieba``), a port
of jieba's dictionary route. jieba cuts a text block by block (runs of characters matched by
its ``re_han_default``), and a block's tokens depend on that block alone, so each distinct
block (with the punctuation after it) is segmented once and remembered (an LRU memo: plans
repeat boilerplate). The memo only saves work; the tokens are those of segmenting every block
afresh (tested). jieba-rs is loaded with jieba's own ``dict.txt`` and the lexicon, and its
word-frequency total is made equal to jieba's (jieba-rs does not count a re-added word twice,
jieba does). Only the dictionary route comes from jieba-rs; jieba's HMM step is followed
here, with jieba's Viterbi decoding rewritten for its four states (:func:`_viterbi_words`,
the same floating-point additions in the same order and the same tie-breaking). jieba-rs's
own HMM is not used: its constants differ from jieba's in the last digits, which flipped a
near tie once in 1.7 million tokens of synthetic text (常在较; benchmark
``segmentation_at_scale``). jieba itself segments a block whose route cannot be read back
unambiguously (a Latin word in the dictionary; none in the corpus). Equality with jieba is
tested on every clause of the seeds and of the development pages, and on random character
runs (tests/test_tokenise.py). Without ``rjieba`` installed, jieba itself is used (same
tokens, slower).

:func:`tokenise_clauses` caches its result under ``data/processed/.cache/``; the cache key
hashes everything the result depends on (segmenter version, jieba version and dictionary,
rjieba version, lexicon and stopword files, every clause id and text), so a cached result is
always the one a fresh run would give, and deleting the cache only costs time.

The module also holds the text preparation that the regional analyses share:
:func:`clause_own_text` (a clause without the text of its children, so that no character is
counted twice) and :func:`content_text` (a clause without its number and the attribution
parenthesis ``（责任单位：…）``, which lists offices rather than policy).
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from functools import lru_cache
from itertools import chain
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from analysis.clean.charmodel import read_lexicon
# The HMM step of FastSegmenter, and jieba.finalseg's patterns (imported from here by tests).
from analysis.text.jieba_hmm import (JIEBA_HMM_HAN, JIEBA_HMM_SKIP,  # noqa: F401
                                     _hmm_tables, _jieba_hmm, _viterbi_words)
from analysis.core.io import atomic_write_text
from analysis.core.paths import PACKAGE_DATA, cache_dir

LEXICON_PATH = PACKAGE_DATA / "domain_lexicon.txt"
STOPWORDS_PATH = PACKAGE_DATA / "stopwords.txt"
GLOSSARY_PATH = PACKAGE_DATA / "glossary.csv"

#: Bump when the segmentation logic (not the data files) changes; part of the cache key.
SEGMENTER_VERSION = "2"
#: jieba's HMM guesses words missing from the dictionary (e.g. 花园云); kept on, as in jieba.
USE_HMM = True
#: Cache files of :func:`tokenise_clauses` kept; older ones are removed.
MAX_CACHE_FILES = 8
#: Distinct text blocks (each with the text up to the next block) whose tokens
#: :class:`FastSegmenter` remembers, least recently used dropped first; about 0.5 kB each,
#: so at most ~70 MB per memo.
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


def _file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def lexicon_entries(path: Path = LEXICON_PATH) -> list[tuple[str, int | None, str | None]]:
    """Entries of the domain lexicon: (word, frequency or None, part of speech or None)."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else None
            entries.append((parts[0], freq, tag))
    return entries


@lru_cache(maxsize=1)
def jieba_dictionary_digest() -> str:
    """SHA-256 of jieba's main dictionary file (part of every cache key)."""
    return hashlib.sha256(jieba_dictionary_path().read_bytes()).hexdigest()


def jieba_dictionary_path() -> Path:
    """jieba's ``dict.txt``, found without importing jieba."""
    import importlib.util

    return Path(importlib.util.find_spec("jieba").origin).parent / "dict.txt"


def private_jieba_cache() -> tuple[str, str]:
    """Folder and file name for jieba's prefix-dictionary cache: under the project's cache
    folder (never the shared temporary folder), keyed by jieba's version and dictionary."""
    import jieba

    folder = cache_dir() / "jieba"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder), f"jieba-{jieba.__version__}-{jieba_dictionary_digest()[:16]}.cache"


def _new_tokenizer(user_dictionary: bool):
    """A fresh jieba Tokenizer, initialised quietly (jieba logs timings to stderr, which
    would make notebook outputs differ between runs)."""
    import jieba

    tokenizer = jieba.Tokenizer()
    # jieba's own cache (a marshal dump of its prefix dictionary, loaded unchecked) would
    # otherwise live in the shared temporary folder, where another user can plant one.
    tokenizer.tmp_dir, tokenizer.cache_file = private_jieba_cache()
    level = jieba.default_logger.level
    jieba.default_logger.setLevel(logging.WARNING)
    try:
        tokenizer.initialize()
    finally:
        jieba.default_logger.setLevel(level)
    if user_dictionary:
        # add_word rather than load_userdict: the lexicon has '#' comment lines, which
        # load_userdict would add as words.
        for word, freq, tag in lexicon_entries():
            tokenizer.add_word(word, freq, tag)
    return tokenizer


@lru_cache(maxsize=1)
def tokenizer():
    """This module's jieba Tokenizer with the domain lexicon loaded (built once)."""
    return _new_tokenizer(user_dictionary=True)


@lru_cache(maxsize=1)
def plain_tokenizer():
    """A jieba Tokenizer with jieba's dictionary only (the benchmark's baseline)."""
    return _new_tokenizer(user_dictionary=False)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Stopwords: function words and plan boilerplate (``data/stopwords.txt``)."""
    return frozenset(read_lexicon(STOPWORDS_PATH))


@lru_cache(maxsize=1)
def _glossary_table() -> pd.DataFrame:
    table = pd.read_csv(GLOSSARY_PATH, encoding="utf-8", dtype=str, keep_default_na=False)
    duplicated = table["term"][table["term"].duplicated()]
    if len(duplicated):
        raise ValueError(f"glossary.csv lists {sorted(set(duplicated))} more than once")
    return table


def glossary() -> dict[str, str]:
    """Chinese term → English gloss, for every term a figure shows (``data/glossary.csv``)."""
    table = _glossary_table()
    return dict(zip(table["term"], table["english"]))


def gloss(term: str, missing: str = "") -> str:
    """English gloss of ``term``, or ``missing`` when the glossary lacks it."""
    return glossary().get(term, missing)


def is_content_token(token: str) -> bool:
    """False for whitespace, punctuation, numbers, enumerators and stopwords."""
    token = token.strip()
    if not token or token in stopwords():
        return False
    if all(unicodedata.category(ch)[0] in "PSZC" for ch in token):
        return False
    return not (_NUMBER.match(token) or _CN_NUMBER.match(token) or _CIRCLED.match(token))


def segment(text: str) -> list[str]:
    """Segment ``text`` into content words.

    jieba with the domain lexicon; stopwords, punctuation, whitespace, numbers and
    enumerators (一是, 第三) are removed. Deterministic.

    Parameters
    ----------
    text : str
        Simplified Chinese text (missing values give an empty list).

    Returns
    -------
    list of str
        Tokens in text order.
    """
    if not isinstance(text, str) or not text:
        return []
    fast = fast_segmenter()
    if fast is not None:
        return fast.content(text)
    return [t for t in tokenizer().cut(text, HMM=USE_HMM) if is_content_token(t)]


_is_content = lru_cache(maxsize=1 << 16)(is_content_token)


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
    when ``lexicon`` is true, the domain lexicon added as :func:`tokenizer` adds it (see the
    module docstring for why they are the same).

    Parameters
    ----------
    lexicon : bool
        Add the domain lexicon (as :func:`tokenizer`) or not (as :func:`plain_tokenizer`).
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
            self.cut_unit = lru_cache(maxsize=memo_size)(self._cut_unit)
            self.content_unit = lru_cache(maxsize=memo_size)(self._content_unit)

    def _reference(self):
        return tokenizer() if self.lexicon else plain_tokenizer()

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


def cache_key(clause_ids, texts) -> str:
    """Hash of everything :func:`tokenise_clauses` depends on."""
    digest = hashlib.sha256()
    try:
        engine = f"rjieba-{version('rjieba')}"
    except PackageNotFoundError:
        engine = "jieba"
    for part in (SEGMENTER_VERSION, str(USE_HMM), version("jieba"), jieba_dictionary_digest(),
                 engine,
                 _file_digest(LEXICON_PATH), _file_digest(STOPWORDS_PATH)):
        digest.update(part.encode("utf-8") + b"\x00")
    payload = json.dumps([[str(c), t if isinstance(t, str) else None]
                          for c, t in zip(clause_ids, texts)], ensure_ascii=False)
    digest.update(payload.encode("utf-8"))
    return digest.hexdigest()


def tokenise_clauses(clauses: pd.DataFrame, text_column: str = "text",
                     use_cache: bool = True, folder: Path | None = None) -> pd.DataFrame:
    """Segment every clause; cached on disk.

    Parameters
    ----------
    clauses : pandas.DataFrame
        At least ``doc_id``, ``clause_id`` and ``text_column`` (the clause table, or any
        table of texts with those ids).
    text_column : str
        Column holding the text (``text`` by default; ``own_text`` from
        :func:`clause_own_text` avoids counting inline points twice).
    use_cache : bool
        Read and write the cache (off: always segment).
    folder : Path, optional
        Cache folder, default ``data/processed/.cache``.

    Returns
    -------
    pandas.DataFrame
        ``doc_id``, ``clause_id``, ``tokens`` (space-joined, "" for an empty clause), in the
        input order.
    """
    ids = clauses["clause_id"].astype(str).tolist()
    texts = clauses[text_column].tolist()
    key = cache_key(ids, texts)
    folder = Path(folder) if folder is not None else cache_dir()
    path = folder / f"tokens_{key[:20]}.json"
    tokens = None
    if use_cache and path.exists():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key and len(stored.get("tokens", [])) == len(ids):
                tokens = stored["tokens"]
        except (OSError, ValueError):
            tokens = None
    if tokens is None:
        tokens = [" ".join(segment(t)) for t in texts]
        if use_cache:
            atomic_write_text(path, json.dumps({"key": key, "tokens": tokens},
                                               ensure_ascii=False))
            _prune_cache(folder)
    return pd.DataFrame({"doc_id": clauses["doc_id"].astype(str).to_numpy(),
                         "clause_id": ids, "tokens": tokens})


def _prune_cache(folder: Path) -> None:
    # Another build (or a parallel test worker) may delete a file between the listing and the
    # stat: a file that is gone needs no pruning, and must not fail this build.
    stamped = []
    for path in folder.glob("tokens_*.json"):
        try:
            stamped.append((path.stat().st_mtime, path))
        except OSError:
            continue
    files = [path for _, path in sorted(stamped, key=lambda item: (-item[0], item[1].name))]
    for old in files[MAX_CACHE_FILES:]:
        try:
            old.unlink()
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# Clause text preparation shared by the regional analyses

_ATTRIBUTION = re.compile(r"[（(]\s*(?:责任|牵头)(?:单位|科室|部门|处室)\s*[：:][^）)]*[）)]")
_LEADING_NUMBER = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百零〇两]+(?:部分|章|篇|节)|[一二三四五六七八九十百]+、|"
    r"（[一二三四五六七八九十百零〇两\d]+）|\d{1,2}[.．、](?!\d)|[一二三四五六七八九十]+是|"
    r"[①-⑳])\s*")


def strip_attribution(text: str) -> str:
    """Remove attribution parentheses such as ``（责任单位：危化处、…牵头落实）``.

    Jiangxi and Yichun end most clauses with the offices responsible; their names (危化处,
    执法支队 …) would otherwise count as policy content.
    """
    return _ATTRIBUTION.sub("", text) if isinstance(text, str) else ""


def content_text(text: str) -> str:
    """Clause text without its leading number, attribution parentheses and line breaks."""
    if not isinstance(text, str):
        return ""
    text = strip_attribution(text).replace("\n", " ").strip()
    return _LEADING_NUMBER.sub("", text, count=1).strip()


def clause_own_text(clauses: pd.DataFrame) -> pd.Series:
    """Each clause's text without the text of its children.

    Inline points (一是 … 二是 …) are parsed as children but also stay in their parent's
    text (45 parents in the seed corpus); counting both would count those characters twice.
    Children are cut out of the parent by their character offsets, which index the same clean
    text; a parent whose text does not contain its children is returned unchanged.

    Parameters
    ----------
    clauses : pandas.DataFrame
        The clause table (``clause_id``, ``parent_id``, ``text``, ``char_start``,
        ``char_end``).

    Returns
    -------
    pandas.Series
        Own text per row ("" for inferred nodes), aligned with ``clauses.index``.
    """
    text = clauses["text"].where(clauses["text"].map(lambda v: isinstance(v, str)), "")
    start = dict(zip(clauses["clause_id"], clauses["char_start"]))
    end = dict(zip(clauses["clause_id"], clauses["char_end"]))
    cuts: dict[str, list[tuple[int, int]]] = {}
    for child, parent, c_start, c_end, child_text in zip(
            clauses["clause_id"], clauses["parent_id"], clauses["char_start"],
            clauses["char_end"], text):
        if not isinstance(parent, str) or parent not in start or not child_text:
            continue
        if start[parent] <= c_start and c_end <= end[parent]:
            cuts.setdefault(parent, []).append((int(c_start), int(c_end)))
    own = []
    for clause_id, clause_text in zip(clauses["clause_id"], text):
        spans = cuts.get(clause_id)
        if not spans or not clause_text:
            own.append(clause_text)
            continue
        base, pieces, pos = int(start[clause_id]), [], 0
        for c_start, c_end in sorted(spans):
            pieces.append(clause_text[pos:max(pos, c_start - base)])
            pos = max(pos, c_end - base)
        pieces.append(clause_text[pos:])
        own.append("".join(pieces).rstrip())
    return pd.Series(own, index=clauses.index, dtype="str", name="own_text")


def prepared_clauses(clauses: pd.DataFrame) -> pd.DataFrame:
    """Counted clauses (not inferred) with ``own_text``, ``content`` and ``n_chars``.

    ``content`` is :func:`content_text` of the own text; ``n_chars`` its length without
    whitespace, the weight of the clause in length-weighted shares. Clauses whose content
    is empty (a parent that is only a number) are kept with ``n_chars`` 0.
    """
    table = clauses.loc[~clauses["inferred"].astype(bool)].copy()
    table["own_text"] = clause_own_text(clauses).loc[table.index]
    table["content"] = table["own_text"].map(content_text).astype("str")
    table["n_chars"] = table["content"].str.replace(r"\s", "", regex=True).str.len().astype(int)
    return table.reset_index(drop=True)
