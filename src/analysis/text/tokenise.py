"""Word segmentation of clause texts, shared by the regional and topic analyses.

One jieba :class:`jieba.Tokenizer` of this module's own (never the global one, so user words
and settings do not leak into other code), loaded with the project's domain lexicon
(``data/domain_lexicon.txt``, jieba user-dictionary format). :func:`segment` then removes
stopwords (``data/stopwords.txt``: function words and plan boilerplate), punctuation,
numbers and enumerators. Segmentation is deterministic: jieba's dictionary route and its HMM
for unknown words have no randomness.

Speed: :func:`segment` uses :class:`analysis.text.segmenter.FastSegmenter`, which gives
exactly jieba's tokens faster (jieba-rs for the dictionary route, jieba's own HMM
arithmetic); without ``rjieba`` installed, jieba itself is used (same tokens, slower). The
segmenter, the lexicon and stopword files and the token filter live in
:mod:`analysis.text.segmenter`, which imports no pandas, so that a process that segments starts
quickly; this module imports pandas only where it makes a table.

:func:`tokenise_clauses` caches its result in the cache folder
(:func:`analysis.core.paths.cache_dir`: the running build's ``<out>/.cache``, else
``data/processed/.cache/``); the cache key
hashes everything the result depends on (segmenter version, jieba version and dictionary,
rjieba version, lexicon and stopword files, every clause id and text), so a cached result is
always the one a fresh run would give, and deleting the cache only costs time. When that
whole-table key misses (a plan was added, so every table of clause texts is new), a per-text
memo in the same folder (``segments_*.pkl``, keyed by the segmenter's settings and each
text's hash) gives the tokens of every text segmented before, so only the new texts are
segmented: adding one plan to a corpus re-segments that plan, not the corpus.

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
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.core.codeversion import jieba_dictionary_digest
from analysis.core.paths import PACKAGE_DATA, cache_dir
# jieba's patterns, the HMM step and the fast segmenter live in their own modules; imported
# from here by other modules and the tests.
from analysis.text.jieba_hmm import (JIEBA_HMM_HAN, JIEBA_HMM_SKIP,  # noqa: F401
                                     _hmm_tables, _jieba_hmm, _viterbi_words)
from analysis.text.segmenter import (BLOCK_MEMO_SIZE, HMM_MEMO_SIZE,  # noqa: F401
                                     JIEBA_BLOCK, JIEBA_SKIP, LEXICON_PATH, STOPWORDS_PATH,
                                     FastSegmenter, _forced_splits, _is_content,
                                     fast_segmenter, is_content_token,
                                     lexicon_entries, stopwords)

if TYPE_CHECKING:  # pandas is imported where a table is made: segmenting needs none of it
    import pandas as pd

GLOSSARY_PATH = PACKAGE_DATA / "glossary.csv"

#: Bump when the segmentation logic (not the data files) changes; part of the cache key.
SEGMENTER_VERSION = "2"
#: jieba's HMM guesses words missing from the dictionary (e.g. 花园云); kept on, as in jieba.
USE_HMM = True
#: Cache files of :func:`tokenise_clauses` kept; older ones are removed.
MAX_CACHE_FILES = 8
#: Per-text memo: a text not asked for in this many memo updates is dropped (a build makes
#: three or four updates, so texts of plans removed some builds ago go, and the memo does not
#: grow without bound as a corpus changes).
MEMO_KEEP_UPDATES = 16
#: Memo files (one per segmenter setting) kept; older ones are removed.
MAX_MEMO_FILES = 2


def _file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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
def _glossary_table() -> pd.DataFrame:
    import pandas as pd

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


def _settings_parts() -> tuple[str, ...]:
    """Everything the tokens of one text depend on besides the text: the versions above,
    and the source of :mod:`analysis.text.segmenter` (with the modules and data files it
    uses), so an edit to the segmenter cannot read old tokens even if the version is not
    bumped."""
    from analysis.core.codeversion import source_digest

    try:
        engine = f"rjieba-{version('rjieba')}"
    except PackageNotFoundError:
        engine = "jieba"
    return (SEGMENTER_VERSION, str(USE_HMM), version("jieba"), jieba_dictionary_digest(),
            engine, _file_digest(LEXICON_PATH), _file_digest(STOPWORDS_PATH),
            source_digest(("analysis.text.segmenter",)))


def cache_key(clause_ids, texts) -> str:
    """Hash of everything :func:`tokenise_clauses` depends on."""
    digest = hashlib.sha256()
    for part in _settings_parts():
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
        Read and write the cache (off: always segment). ``analysis build --no-cache``
        (:data:`analysis.core.memo.NO_CACHE_ENV`) turns it off too, except for reading the
        token tables the running build put together from the per-document tokens it has
        just computed (:func:`hand_over`).
    folder : Path, optional
        Cache folder, default :func:`analysis.core.paths.cache_dir` (the running build's
        ``<out>/.cache``, else ``data/processed/.cache``).

    Returns
    -------
    pandas.DataFrame
        ``doc_id``, ``clause_id``, ``tokens`` (space-joined, "" for an empty clause), in the
        input order.
    """
    import pandas as pd

    from analysis.core.io import atomic_write_text
    from analysis.core.memo import caching_disabled

    ids = clauses["clause_id"].astype(str).tolist()
    texts = clauses[text_column].tolist()
    key = cache_key(ids, texts)
    folder = Path(folder) if folder is not None else cache_dir()
    path = folder / f"tokens_{key[:20]}.json"
    # Under --no-cache a table from an earlier build is not read, but one that this build
    # put together from the per-document tokens it has just computed is (hand_over).
    readable = use_cache and (not caching_disabled() or str(path.resolve()) in _HANDED_OVER)
    use_cache = use_cache and not caching_disabled()
    tokens = None
    if readable and path.exists():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key and len(stored.get("tokens", [])) == len(ids):
                tokens = stored["tokens"]
        except (OSError, ValueError):
            tokens = None
    if tokens is None:
        # by_text without a folder segments every distinct text and stores nothing
        tokens = _tokens_through_memo(texts, folder if use_cache else None)
        if use_cache:
            atomic_write_text(path, json.dumps({"key": key, "tokens": tokens},
                                               ensure_ascii=False))
            _prune_cache(folder)
    return pd.DataFrame({"doc_id": clauses["doc_id"].astype(str).to_numpy(),
                         "clause_id": ids, "tokens": tokens})


#: Token tables written in this process by the running build from its own per-document
#: tokens (:func:`analysis.pipeline.incremental.seed_token_caches`).
_HANDED_OVER: set[str] = set()


def hand_over(path: Path) -> None:
    """Mark a token table as written by the running build from tokens it computed itself, so
    that :func:`tokenise_clauses` reads it even under ``--no-cache`` (which only refuses
    results of earlier builds)."""
    _HANDED_OVER.add(str(Path(path).resolve()))


def forget_handed_over() -> None:
    """Start of a build: tables handed over by an earlier build in this process count as
    earlier results again."""
    _HANDED_OVER.clear()


def _tokens_through_memo(texts: list, folder: Path | None) -> list[str]:
    """Space-joined tokens of ``texts``: from the per-text memo
    (:func:`analysis.core.memo.by_text`, kind ``segments``) where it has them, segmented
    where not."""
    from analysis.core.memo import by_text

    return by_text(folder, "segments", "\x00".join(_settings_parts()), texts,
                   lambda new: [" ".join(segment(t)) for t in new],
                   keep_updates=MEMO_KEEP_UPDATES, max_files=MAX_MEMO_FILES)


def _prune_cache(folder: Path) -> None:
    from analysis.core.memo import prune_files

    prune_files(folder, "tokens_*.json", MAX_CACHE_FILES)


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
    import pandas as pd

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
