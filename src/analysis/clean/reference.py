"""The fixed, versioned reference behind GBK repairs and spam restoration.

The repair search and the spam rule score candidate words with a character model. If that
model were fitted on the corpus being cleaned, a plan's clean text would depend on which other
plans sit beside it (adding an unrelated 20 MB plan once changed a Jiangxi repair). The build
therefore uses one shipped reference: ``data/reference_texts.json``, plus jieba's and the
domain lexicons (:func:`reference_model`). Its texts (:func:`make_reference_texts`) are the
lines of

1. the five seed plans of ``data/raw`` prepared by :func:`analysis.clean.rules.reference_texts`
   (pinyin removed, junk dropped, simplified), and
2. the real plan pages of the scored test sets (``tests/corpus_test2`` … ``corpus_test26``,
   :data:`REFERENCE_SETS`; development data once scored), cleaned with a model of the seeds
   and prepared the same way,

each line a text of its own, lines shorter than :data:`MIN_PIECE` characters and lines holding
what cleaning left of damage or spam ('□', '?', a Latin run such as a site address) left out
(:func:`_usable`). The seeds alone are 54 thousand characters, too little for a character
model to choose between readings that the damaged bytes allow equally (形势 or 形式). The file
stores the lines bare; the model (:func:`~analysis.clean.charmodel.reference_model`) wraps
each in line breaks, so that it learns how lines start and end (headings 一、, a closing 。).

**Shipped and evaluated models differ, on purpose.** The synthetic GBK damage that measures the
repair (:mod:`analysis.clean.gbk_synthetic`) is made from the pages of ``tests/corpus``, and
plans reprint each other: up to 0.72 of a page's 8-grams are in the test sets, up to 0.26 in
the seeds. Measured with the shipped model, the repair would be scored on text it had read
(figures before 2026-11-30 were, through the seeds). :func:`evaluation_reference` therefore
builds the same reference with every passage of :data:`HOLDOUT_NGRAM` characters shared with
those pages cut out, and the accuracy figures come from it; the shipped model keeps those
passages, since cutting them removes the commonest phrases of plans (习近平总书记关于安全生产…)
and with them, for instance, the spam rule's evidence for the 关于 a brand displaced. The
figures are therefore, if anything, conservative for the shipped model.

Its ``version`` is the SHA-256 of the texts; a test checks that the shipped file is exactly
what :func:`make_reference_texts` makes. To change the reference, regenerate it with
:func:`regenerate_reference` and commit it with a note: every clean text may change, and the
change is then visible in one commit.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

from analysis.clean.charmodel import LINE_EDGE, CharBigramModel, reference_model
from analysis.clean.gbk_repair import ShiftRepairer
from analysis.clean.rules import make_repairer, reference_texts
from analysis.core.io import atomic_write_text
from analysis.core.paths import PACKAGE_DATA

REFERENCE_FILE = PACKAGE_DATA / "reference_texts.json"


def _version(texts: list[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def read_reference(path: Path = REFERENCE_FILE) -> dict:
    """The shipped reference: ``version``, ``source`` and ``texts``.

    Raises
    ------
    ValueError
        If the file's texts do not match its version (edited by hand or truncated).
    """
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    if _version(payload["texts"]) != payload["version"]:
        raise ValueError(f"{path}: texts do not match their version; regenerate it with "
                         "analysis.clean.reference.regenerate_reference")
    return payload


#: The scored test sets whose pages enter the reference, named one by one: a set still sealed
#: (collected, not yet scored once) must not, nor may a later set change the reference
#: without a new version committed with a note.
REFERENCE_SETS = tuple(f"corpus_test{n}" for n in range(2, 27))
#: Length of the passages shared with the evaluation pages that are left out of the reference.
HOLDOUT_NGRAM = 8


def _ngrams(text: str, n: int = HOLDOUT_NGRAM) -> set[str]:
    return {text[i:i + n] for i in range(len(text) - n + 1)}


#: Shortest piece of text kept in the reference (the model's order is 4).
MIN_PIECE = 8
# What cleaning leaves of damage or spam: a mark of an illegible character, a question mark
# (ASCII or full-width; the damage's lost bytes), or three Latin letters in a row (site
# addresses, brand names); none belongs in a model of plan text.
_UNUSABLE = re.compile(r"[□?？\ufffd]|[A-Za-z]{3}")


def _usable(piece: str) -> bool:
    return len(piece) >= MIN_PIECE and not _UNUSABLE.search(piece)


def _without_shared(text: str, held: set[str], n: int = HOLDOUT_NGRAM,
                    line_edges: bool = False) -> list[str]:
    """The pieces of ``text`` left when every passage of ``n`` characters found in ``held``
    is cut out (none when ``held`` is empty), split at line breaks too, in text order, only
    those :func:`_usable`.

    With ``line_edges``, a piece carries a line break (:data:`~analysis.clean.charmodel.LINE_EDGE`)
    at each end where its line ends, and none where a cut ends it, so that a model of the
    pieces (:func:`~analysis.clean.charmodel.reference_model` with ``lines=False``) learns
    the real edges of lines only."""
    covered = bytearray(len(text))
    if held:
        for i in range(len(text) - n + 1):
            if text[i:i + n] in held:
                covered[i:i + n] = b"\x01" * n
    pieces, offset = [], 0
    for line in text.split("\n"):
        i = 0
        while i < len(line):
            if covered[offset + i]:
                i += 1
                continue
            j = i
            while j < len(line) and not covered[offset + j]:
                j += 1
            if _usable(line[i:j]):
                pieces.append(f"{LINE_EDGE if line_edges and i == 0 else ''}{line[i:j]}"
                              f"{LINE_EDGE if line_edges and j == len(line) else ''}")
            i = j
        offset += len(line) + 1
    return pieces


def make_reference_texts(seed_texts: list[str], page_texts: list[str],
                         held_out_texts: list[str] = (), line_edges: bool = False
                         ) -> list[str]:
    """Texts of the reference (see the module docstring).

    Parameters
    ----------
    seed_texts : list of str
        Raw texts of the seed plans, in manifest order.
    page_texts : list of str
        Raw texts of further real plan pages, in a fixed order.
    held_out_texts : list of str, optional
        Raw texts of the pages the repair is evaluated on: no passage of
        :data:`HOLDOUT_NGRAM` characters of theirs (as found, prepared, or cleaned and
        prepared) enters the reference (:func:`evaluation_reference`). The shipped reference
        holds none out.
    line_edges : bool
        Mark each piece's real line edges with a line break (see :func:`_without_shared`):
        for a model of pieces cut around held-out passages. The shipped file's pieces are
        whole lines and are stored without.

    Returns
    -------
    list of str
        Pieces of the seeds (prepared), then of each page (cleaned with a model of the whole
        seeds, prepared), in order: their lines, cut around the held-out passages; with
        ``line_edges``, each with a line break at either end that is a line's edge.
    """
    from analysis.clean.rules import CleanContext, clean_text

    seeds = reference_texts(seed_texts)
    model = reference_model(seeds)
    repairer = make_repairer(model)

    def cleaned(text: str, name: str) -> str:
        ctx = CleanContext(name, repairer=repairer, model=model)
        return reference_texts([clean_text(text, ctx).text])[0]

    held: set[str] = set()
    for k, text in enumerate(held_out_texts):
        held |= (_ngrams(text) | _ngrams(reference_texts([text])[0])
                 | _ngrams(cleaned(text, f"held-{k}")))
    pieces = [piece for text in seeds
              for piece in _without_shared(text, held, line_edges=line_edges)]
    for k, text in enumerate(page_texts):
        pieces.extend(_without_shared(cleaned(text, f"page-{k}"), held, line_edges=line_edges))
    return pieces


def reference_sources(root: Path | None = None) -> tuple[list[str], list[str], list[str]]:
    """Raw texts of :func:`make_reference_texts`' three arguments, read from the repository:
    the seed plans (``data/raw``, files ``00*``, manifest order), the pages of the scored test
    sets (:data:`REFERENCE_SETS`, pages in name order) and the pages of the GBK evaluation
    corpus (``tests/corpus/pages``)."""
    from analysis.core.paths import repo_root
    from analysis.corpus.read import read_corpus

    root = Path(root) if root is not None else repo_root()
    _, docs, _ = read_corpus(root / "data" / "raw")
    seeds = [d.text for d in docs if d.path.name.startswith("00")]
    pages = [p.read_text(encoding="utf-8") for name in REFERENCE_SETS
             for p in sorted((root / "tests" / name / "pages").glob("*.txt"))]
    held = [p.read_text(encoding="utf-8")
            for p in sorted((root / "tests" / "corpus" / "pages").glob("*.txt"))]
    return seeds, pages, held


def regenerate_reference(path: Path = REFERENCE_FILE) -> Path:
    """Write the reference file from :func:`reference_sources`, holding nothing out (a
    maintainer's step; the build only reads the file)."""
    seeds, pages, _ = reference_sources()
    texts = make_reference_texts(seeds, pages)
    source = ("lines of the five seed plans of data/raw/plans in manifest order "
              "(jiangxi-2023, lishui-2021, yongjia-2021-2025, yichun-2023, haimen-2023), "
              f"decoded by analysis.corpus.read, and of {len(pages)} pages of "
              "tests/corpus_test2..26 cleaned (analysis.clean.reference.make_reference_texts): "
              f"{len(texts)} lines, {sum(len(t) for t in texts)} characters")
    payload = {"version": _version(texts), "source": source, "texts": texts}
    atomic_write_text(Path(path), json.dumps(payload, ensure_ascii=False, indent=0) + "\n")
    return Path(path)


@lru_cache(maxsize=1)
def evaluation_reference() -> tuple[CharBigramModel, ShiftRepairer, list[str]]:
    """Model, repairer and texts of the reference the GBK repair is evaluated with: the shipped
    one's sources with every passage shared with ``tests/corpus/pages`` cut out (see the
    module docstring). Built once per process, in about ten seconds."""
    seeds, pages, held = reference_sources()
    texts = make_reference_texts(seeds, pages, held, line_edges=True)
    model = reference_model(texts, lines=False)
    return model, make_repairer(model), texts


@lru_cache(maxsize=1)
def shipped_reference() -> tuple[CharBigramModel, ShiftRepairer, str]:
    """Model, repairer and version of the shipped reference (made once per process).

    Making them takes about 4 s (n-gram counts, jieba's dictionary, the word lattice), which
    every process that cleans would pay: a build, each of its workers that was not forked
    from a parent holding them, adding one plan. They are therefore kept in the cache folder
    (:func:`analysis.core.memo.cached_step`, step ``shipped_reference``: about 14 MB, loaded
    in about 0.5 s), under a key of the reference's version, the source of this module and
    of every ``analysis`` module it imports, the data files those name, the bytes of
    jieba's dictionary, and the versions of Python, jieba, OpenCC, numpy and pandas. The
    stored copy is pickled when made; the only state it may carry from the process that made
    it is the word lattice's memo of pure look-ups, so it cleans as a fresh one does (a test
    cleans every seed plan with both). A build whose output folder has no copy reads the
    repository's (``data/processed/.cache``) before making one. ``--no-cache`` makes them
    afresh.
    """
    from analysis.core.codeversion import jieba_dictionary_digest
    from analysis.core.memo import cached_step
    from analysis.core.paths import cache_dir, processed_dir

    payload = read_reference()
    # It depends on no corpus: a build with an output folder of its own (whose caches stay
    # there) may read the copy the repository's build stored.
    return cached_step(cache_dir(), "shipped_reference", ("analysis.clean.reference",),
                       (payload["version"], sys.version, jieba_dictionary_digest()),
                       lambda: _make_reference(payload),
                       libraries=("jieba", "opencc", "numpy", "pandas"),
                       read_also=(processed_dir() / ".cache",))


def _make_reference(payload: dict) -> tuple[CharBigramModel, ShiftRepairer, str]:
    model = reference_model(payload["texts"])
    return model, make_repairer(model), payload["version"]
