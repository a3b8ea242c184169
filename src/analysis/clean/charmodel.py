"""A small character trigram language model over simplified Chinese.

Used to choose among candidate repairs (garbled GBK spans, injected spam words): written by
hand because it needs only counts and interpolation, and because the candidates come from a
byte-level search that no library performs. Unigram counts combine the reference corpus with
jieba's dictionary (general Chinese word frequencies); bigrams come from the corpus, so the
model prefers phrases that stand intact elsewhere in the corpus.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

import numpy as np

from analysis.core.lexicon import read_lexicon

CJK_RANGES = (("\u4e00", "\u9fff"), ("\u3400", "\u4dbf"))
#: Entries kept in each model's probability memos (cleared when full, so memory stays bounded
#: over a corpus of any size).
MEMO_SIZE = 200_000


#: One CJK unified ideograph (the ranges of :data:`CJK_RANGES`), for whole-text scans.
CJK_CHAR = re.compile("[" + "".join(f"{lo}-{hi}" for lo, hi in CJK_RANGES) + "]")


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (basic block or extension A)."""
    # Two chained comparisons instead of a loop over CJK_RANGES: called per character.
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@lru_cache(maxsize=1)
def jieba_dictionary() -> tuple[tuple[str, int], ...]:
    """(word, frequency) pairs of jieba's dictionary, read once per process."""
    from analysis.core.codeversion import jieba_dictionary_path

    entries = []
    with open(jieba_dictionary_path(), encoding="utf-8") as handle:
        for line in handle:
            parts = line.split(" ")
            if len(parts) >= 2:
                entries.append((parts[0], int(parts[1])))
    return tuple(entries)


@lru_cache(maxsize=1)
def jieba_char_frequencies() -> dict[str, int]:
    """Character frequencies implied by jieba's dictionary (sum of word frequencies)."""
    counts: Counter[str] = Counter()
    for word, freq in jieba_dictionary():
        for ch in word:
            counts[ch] += freq
    return dict(counts)


class CharBigramModel:
    """Interpolated character n-gram model (Jelinek-Mercer smoothing, order 4 by default).

    Parameters
    ----------
    texts : iterable of str
        Reference texts (simplified Chinese) for n-gram counts.
    weights : tuple of float
        Interpolation weights from the highest order down to the unigram estimate.
    general : bool
        Mix jieba's general-language character frequencies into the unigram estimate.
    uncounted : str
        Characters counted in n-grams and histories but left out of the unigram estimate:
        the line breaks that mark the edges of reference lines (:func:`reference_model`), so
        that marking edges does not lower every character's frequency (which decides what
        counts as a rare character, :meth:`~analysis.clean.gbk_repair.ShiftRepairer.is_seed`).
    """

    def __init__(self, texts: Iterable[str],
                 weights: tuple[float, ...] = (0.35, 0.3, 0.2, 0.15), general: bool = True,
                 uncounted: str = "") -> None:
        self.weights = weights
        self.order = len(weights)
        self.counts: list[Counter[str]] = [Counter() for _ in range(self.order + 1)]
        texts = list(texts)
        for text in texts:
            for n in range(1, self.order + 1):
                # Slices made by map, not a generator: the same n-grams in the same order at
                # a fraction of the cost (a model is built for every damaged document).
                self.counts[n].update(map(text.__getitem__, map(
                    slice, range(len(text) - n + 1), range(n, len(text) + 1))))
        # Context totals: how often each history of length n-1 is followed by something, that
        # is every (n-1)-gram occurrence but the one ending a text.
        self.context: list[Counter[str]] = [Counter() for _ in range(self.order + 1)]
        for n in range(2, self.order + 1):
            context = Counter(self.counts[n - 1])
            for text in texts:
                if len(text) >= n - 1:
                    context[text[len(text) - n + 1:]] -= 1
            self.context[n] = +context  # drops histories never followed by anything
        self.successors: dict[str, set[str]] = {}
        for pair in self.counts[2]:
            self.successors.setdefault(pair[0], set()).add(pair[1])
        unigrams = Counter({ch: n for ch, n in self.counts[1].items() if ch not in uncounted}) \
            if uncounted else self.counts[1]
        general_counts = jieba_char_frequencies() if general else {}
        general_total = max(sum(general_counts.values()), 1)
        corpus_total = max(sum(unigrams.values()), 1)
        # Corpus and general-language unigram estimates, mixed half and half.
        self._corpus_uni = {ch: n / corpus_total for ch, n in unigrams.items()}
        self._general_uni = {ch: n / general_total for ch, n in general_counts.items()}
        self.floor = 1e-9
        # Memos for the repair search, which asks for millions of probabilities: unigram
        # estimates by character, and for each history its usable suffixes with their totals.
        self._unigram_memo: dict[str, float] = {}
        self._history_memo: dict[str, tuple[tuple[float, Counter[str], str, int], ...]] = {}

    def unigram(self, ch: str) -> float:
        """Unigram probability (mixture of corpus and general Chinese)."""
        p = self._unigram_memo.get(ch)
        if p is None:
            p = (0.5 * self._corpus_uni.get(ch, 0.0) + 0.5 * self._general_uni.get(ch, 0.0)
                 + self.floor)
            if len(self._unigram_memo) < MEMO_SIZE:
                self._unigram_memo[ch] = p
        return p

    def _histories(self, prev: str) -> tuple[tuple[float, Counter[str], str, int], ...]:
        """(weight, n-gram counts, history, history total) for n = 2 .. order; total 0 where
        ``prev`` is too short or the history unseen."""
        found = self._history_memo.get(prev)
        if found is None:
            rows = []
            for n in range(2, self.order + 1):
                hist = prev[len(prev) - (n - 1):] if len(prev) >= n - 1 else ""
                ctx = self.context[n].get(hist, 0) if len(prev) >= n - 1 else 0
                rows.append((self.weights[self.order - n], self.counts[n], hist, ctx))
            found = tuple(rows)
            if len(self._history_memo) >= MEMO_SIZE:
                self._history_memo.clear()
            self._history_memo[prev] = found
        return found

    def logprob(self, prev: str, ch: str) -> float:
        """log P(ch | prev), where ``prev`` holds up to ``order - 1`` preceding characters."""
        p = self.unigram(ch)
        total = self.weights[-1] * p
        for weight, counts, hist, ctx in self._histories(prev):
            if ctx:
                p = counts.get(hist + ch, 0) / ctx
            # Without a usable history the lower-order estimate stands in.
            total += weight * p
        return math.log(total)

    def score(self, text: str, prev: str = "") -> float:
        """Total log-probability of ``text`` following the characters ``prev``."""
        keep = self.order - 1
        total = 0.0
        for ch in text:
            total += self.logprob(prev[-keep:], ch)
            prev = (prev + ch)[-keep:]
        return total


def lexicon_words(min_freq: int = 50) -> list[str]:
    """Words of two or more characters from jieba's dictionary (frequency >= ``min_freq``)
    and from the project's domain lexicon; they give n-gram evidence for common words that
    the corpus itself happens to lack."""
    from analysis.core.paths import PACKAGE_DATA

    words = [w for w, freq in jieba_dictionary() if len(w) >= 2 and freq >= min_freq]
    words.extend(read_lexicon(PACKAGE_DATA / "domain_lexicon.txt"))
    return words


@lru_cache(maxsize=1)
def general_model() -> CharBigramModel:
    """Character model of the general and domain lexicons only (no corpus text).

    A corpus model has seen every damaged span of the corpus as text (a span repeated in a plan
    even looks like a phrase); this one cannot have, so it is the judge of whether observed
    characters read as Chinese (see :meth:`analysis.clean.gbk_repair.ShiftRepairer.plausibility_gain`).
    """
    return CharBigramModel(lexicon_words())


#: What stands for the edge of a line in the models: the line break itself, as the damaged
#: document shows it to the repair (its own model and the scored windows hold it too).
LINE_EDGE = "\n"


def reference_model(texts: Iterable[str], lines: bool = True) -> CharBigramModel:
    """Character model of a corpus (simplified text) plus the general and domain lexicons.

    Parameters
    ----------
    texts : iterable of str
        Reference texts, each starting and ending at a line's edges (a line or a document).
    lines : bool
        Model each text's edges as line breaks (:data:`LINE_EDGE`), so that what starts and
        ends lines is learnt: headings start them (一、, 二、) and sentences end them (。),
        while 、 or a bare 规划 without its 。 do not. Damage at a line's edge has
        several readings that only these edges tell apart (二、指导思想 or 、指导思想, both
        ?⒅傅妓枷?). Pass False for texts that mark their own edges (pieces cut out of lines,
        :func:`analysis.clean.reference.make_reference_texts` with ``line_edges``).
    """
    texts = [f"{LINE_EDGE}{t}{LINE_EDGE}" for t in texts] if lines else list(texts)
    return CharBigramModel(texts + lexicon_words(), uncounted=LINE_EDGE)


class MixtureModel:
    """Linear mixture of a document's own model and a corpus model.

    The same phrase standing intact elsewhere in the same document is the strongest evidence
    for a repair; the corpus fills in what the document lacks.
    """

    def __init__(self, document: CharBigramModel, corpus: CharBigramModel, weight: float = 0.5
                 ) -> None:
        self.document = document
        self.corpus = corpus
        self.weight = weight
        self.successors = corpus.successors
        self._extra = document.successors

    def unigram(self, ch: str) -> float:
        """Unigram probability (the corpus model's, which includes general Chinese)."""
        return self.corpus.unigram(ch)

    def logprob(self, prev: str, ch: str) -> float:
        """log of the mixed conditional probability."""
        w = self.weight
        return math.log(w * math.exp(self.document.logprob(prev, ch))
                        + (1 - w) * math.exp(self.corpus.logprob(prev, ch)))

    def score(self, text: str, prev: str = "") -> float:
        """Total log-probability of ``text`` following ``prev``."""
        keep = self.corpus.order - 1
        total = 0.0
        for ch in text:
            total += self.logprob(prev[-keep:], ch)
            prev = (prev + ch)[-keep:]
        return total


class NgramTable:
    """Vectorised :meth:`CharBigramModel.logprob` over a fixed vocabulary of characters.

    The repair search scores hundreds of candidate characters after the same history; one call
    here gives all their probabilities with a few numpy operations instead of one Python call
    per character. For a history the model's probability is ``a * unigram(ch)`` plus a sparse
    sum over the characters seen after that history (the interpolated maximum-likelihood
    estimates of order 2 and up, where an unseen history hands its weight down to the order
    below), so each history is reduced once to ``a`` and that sparse part, and cached.

    Parameters
    ----------
    model : CharBigramModel
        The model to tabulate.
    vocab : dict of str to int
        Characters (simplified) and their index; indices run from 0 to ``len(vocab) - 1``.
    """

    def __init__(self, model: CharBigramModel, vocab: dict[str, int]) -> None:
        self.model = model
        self.vocab = vocab
        size = len(vocab)
        # unigram() for every character of the vocabulary, from the model's two estimates.
        self.uni = np.full(size, model.floor)
        for estimate in (model._corpus_uni, model._general_uni):
            for ch, p in estimate.items():
                k = vocab.get(ch)
                if k is not None:
                    self.uni[k] += 0.5 * p
        # Successors of each history with their counts, by order: hist -> (ids, counts),
        # grouped on the first look-up (a document's table is made for every document with
        # damage evidence, most of which never reach the search) and made arrays on first use.
        self._successors: list[dict[str, tuple]] | None = None
        self._memo: dict[str, tuple[float, np.ndarray, np.ndarray]] = {}
        self._scratch = np.zeros(size)

    def _group_successors(self) -> list[dict[str, tuple]]:
        model, vocab = self.model, self.vocab
        successors: list[dict[str, tuple]] = [{} for _ in range(model.order + 1)]
        for n in range(2, model.order + 1):
            grouped = successors[n]
            for gram, count in model.counts[n].items():
                k = vocab.get(gram[-1])
                if k is not None:
                    entry = grouped.get(gram[:-1])
                    if entry is None:
                        grouped[gram[:-1]] = entry = ([], [])
                    entry[0].append(k)
                    entry[1].append(count)
        return successors

    def _successor_arrays(self, n: int, hist: str) -> tuple[np.ndarray, np.ndarray] | None:
        if self._successors is None:
            self._successors = self._group_successors()
        entry = self._successors[n].get(hist)
        if entry is not None and isinstance(entry[0], list):
            entry = (np.array(entry[0], dtype=np.intp), np.array(entry[1], dtype=float))
            self._successors[n][hist] = entry
        return entry

    def history(self, prev: str) -> tuple[float, np.ndarray, np.ndarray]:
        """``(a, ids, values)``: P(ch | prev) = a * unigram(ch) + values[ids == ch]."""
        found = self._memo.get(prev)
        if found is not None:
            return found
        model = self.model
        a = model.weights[-1]
        parts: list[tuple[float, int, str]] = []   # (weight, order, history) of ML estimates
        current: tuple[int, str] | None = None     # estimate standing in: None = unigram
        for n in range(2, model.order + 1):
            weight = model.weights[model.order - n]
            if len(prev) >= n - 1:
                hist = prev[len(prev) - (n - 1):]
                if model.context[n].get(hist, 0):
                    current = (n, hist)
            if current is None:
                a += weight
            else:
                parts.append((weight, *current))
        ids, values = np.empty(0, np.intp), np.empty(0)
        if parts:
            # Every n-gram's suffixes were counted too, so the successors of the lowest-order
            # history include those of the others.
            base = self._successor_arrays(parts[0][1], parts[0][2])
            if base is not None:
                ids = base[0]
                scratch = self._scratch
                for weight, n, hist in parts:
                    succ = self._successor_arrays(n, hist)
                    if succ is not None:
                        scratch[succ[0]] += weight * succ[1] / model.context[n][hist]
                values = scratch[ids].copy()
                scratch[ids] = 0.0
        found = (a, ids, values)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[prev] = found
        return found

    def probs(self, prev: str, ids: np.ndarray, uni: np.ndarray | None = None) -> np.ndarray:
        """P(ch | prev) for the characters ``ids`` (``uni``: their unigram probabilities, if
        the caller has them gathered already)."""
        a, sparse_ids, values = self.history(prev)
        out = a * (self.uni[ids] if uni is None else uni)
        if len(sparse_ids):
            scratch = self._scratch
            scratch[sparse_ids] = values
            out += scratch[ids]
            scratch[sparse_ids] = 0.0
        return out
