"""Repair of GBK text decoded one byte out of step ("?;帯⒒ū?" for 危化處、花爆處).

No library handles this defect (ftfy repairs UTF-8/Latin-1 mixups, not a byte shift inside a
double-byte encoding), so it is written here. The damage model, checked against every span in
the seeds: the original text was encoded in GBK; from some point the decoder started one byte
late, so each decoded character straddles the trail byte of one original character and the lead
byte of the next; the lost lead byte shows as '?'; pairs that fall in the user-defined
(private-use) ranges vanish; a final lone byte shows as '?' or, when it is an ASCII byte, as
that ASCII letter, after which decoding is back in step; full-width punctuation was folded to
ASCII.

Repair has three steps:

1. **Detect** seeds: characters that do not belong in Chinese plan text ('?', U+FFFD,
   private-use, GBK symbol-zone characters such as ⒒ or ū outside pinyin annotations, ASCII
   letters glued to Chinese characters, characters that are rare in both the corpus and
   general Chinese). Seeds closer than a few characters form one cluster.
2. **Search** original texts that the damage model maps onto the observed span: a beam search
   over original characters (a byte-level transducer, :mod:`analysis.clean.gbk_search`,
   vectorised with numpy), scored by the character n-gram model of the shipped reference mixed
   with the document's own (phrases intact elsewhere win), then ranked with a word lattice over
   jieba's dictionary (:mod:`analysis.clean.wordlattice`). Only candidates that reproduce the
   observed span exactly under :func:`simulate_shift_damage` are kept.
3. **Decide**: the best candidate replaces the span when it beats the unrepaired text by a
   clear margin; its posterior share among all verified candidates (grouped by simplified
   form) sets the status: ``restored`` (posterior >= ``min_posterior``) or ``marked``, in which
   case every character of the span is replaced by '□' (the conventional mark for an illegible
   character) so that no junk reaches tokens or tables. A span whose reading is rejected has
   its runs of junk (:meth:`ShiftRepairer.is_junk`) marked the same way. Every span is listed.

Accuracy out of sample: synthetic damage of pages other than the seeds (:mod:`.gbk_synthetic`,
:mod:`.gbk_evaluate`, benchmark ``gbk_repair_synthetic``).

A '?' is ordinary punctuation too, and the bytes of common characters can always be read as a
shifted pair, so a span is taken for damage only if its characters are implausible as text
*and* a reading reproduces them: :meth:`ShiftRepairer.evidence` weighs what a cluster holds
besides '?', and :meth:`ShiftRepairer.plausibility_gain` asks a model of the general and domain
lexicons, which has never seen the damaged texts, whether the reading beats the text as found
(the rule :func:`analysis.clean.rules.repair_gbk_shift` decides). Intact characters next to a
'?' (加强应急?管理?工作) are therefore never replaced or marked.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from analysis.clean.charmodel import (CJK_CHAR, CharBigramModel, MixtureModel, general_model,
                                     is_cjk)
# is_pua and simulate_shift_damage are imported from here by the rules and the tests.
from analysis.clean.gbk_damage import (decode_pair, fold, is_pua,  # noqa: F401
                                       simulate_shift_damage)
from analysis.clean.gbk_search import (BEAM, LOG_PUA_PRIOR, ShiftSearch,
                                       byte_options)
from analysis.clean.wordlattice import (WORD_GAIN_WEIGHT, WORD_MARGIN, WORD_WEIGHT,
                                         lexicon_score, word_lattice)

ILLEGIBLE = "□"
#: Log-probability of a stray '?' in Chinese text, charged to the reading of a
#: span as found in :meth:`ShiftRepairer.plausibility_gain` (tuned on the dev pages' synthetic
#: damage, see :mod:`analysis.clean.gbk_evaluate`).
STRAY_LOGP = -5.0
#: Log-score credit per character of a reading: the models charge every character, so without
#: it a reading that hides characters in vanished private-use pairs or ends a span early wins
#: by being short (安全面积 over 安全生产规划, both ?踩婊?). 500 dev spans: 0 267 exact, 4 292.
CHAR_BONUS = 4.0
#: Log-score per vanished pair of a reading when ranking: its damage is deterministic, so it
#: owes nothing for them (the search charges LOG_PUA_PRIOR). 500 dev spans: -2.6 265 exact, 0 276.
DROP_LOGP = 0.0
#: Share of characters OpenCC changes above which a document is traditional, and log-score per
#: character of a reading in the other script (breaks ties between forms the models equate).
TRADITIONAL_SHARE = 0.05
SCRIPT_PENALTY = 1.0
PINYIN_ANNOTATION = re.compile(r"[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]{1,7}[)）]")
# Punctuation and symbols that are normal in Chinese plan text although GBK puts them in
# the symbol zones (lead bytes A1-A9).
NORMAL_SYMBOLS = set("、。·ˉˇ¨〃々—～‖…‘’“”〔〕〈〉《》「」『』〖〗【】±×÷∶∧∨∑∏∪∩∈∷√⊥∥∠⌒⊙∫∮≡≌≈∽∝≠≮≯≤≥∞∵∴♂♀°′″℃＄¤￠￡‰§№☆★○●◎◇◆□■△▲※→←↑↓〓％＋－＜＝＞"
                     "！＂＃＆＇（）＊，．／：；？［＼］＾＿｀｛｜｝￣①②③④⑤⑥⑦⑧⑨⑩ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ")
#: ASCII punctuation other than '?': glued to a '?' it is a full-width mark folded to ASCII by
#: the damage (the '?;' of every Jiangxi span is the trail byte A3 of 危 or 校 read with the next
#: lead byte), and a sign of damage; common characters next to a '?' are not.
ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>@[\\]^_`{|}~")
FREE_MARKS = frozenset(ch for ch in NORMAL_SYMBOLS if not "\uff01" <= ch <= "\uff5e")


#: What :meth:`ShiftRepairer.set_document` leaves out of a document's own model: '?' and
#: private-use characters (see :func:`is_pua`).
_NOT_INTACT = re.compile("[?\ue000-\uf8ff]")


@dataclass
class _Tables:
    by_lead: dict[int, list[tuple[str, int]]]   # lead byte -> [(char, trail)] by frequency
    pua_trails: dict[int, set[int]]              # first byte -> second bytes giving PUA
    all_chars: list[tuple[str, int]]             # every vocabulary char, by frequency


@lru_cache(maxsize=1)
def _gbk_pairs() -> tuple[tuple[int, int, str], ...]:
    """Every valid GB18030 double-byte pair (first byte, second byte, character), once."""
    return tuple((b1, b2, ch) for b1 in range(0x81, 0xFF) for b2 in range(0x40, 0xFF)
                 if (ch := decode_pair(b1, b2)) is not None)


def _gbk_tables(keep) -> _Tables:
    """Lookup tables for the search: vocabulary characters by lead byte (kept when
    ``keep(ch)``), and the second bytes that make each first byte a private-use pair."""
    by_lead: dict[int, list[tuple[str, int]]] = {}
    pua_trails: dict[int, set[int]] = {}
    all_chars = []
    for b1, b2, ch in _gbk_pairs():
        if is_pua(ch):
            pua_trails.setdefault(b1, set()).add(b2)
        elif keep(ch):
            by_lead.setdefault(b1, []).append((ch, b2))
            all_chars.append((ch, b2))
    return _Tables(by_lead, pua_trails, all_chars)


@dataclass(frozen=True)
class SpanRepair:
    """One detected garbled span and what was done with it."""

    start: int
    end: int
    observed: str
    replacement: str
    best_guess: str
    status: str          # restored / marked
    posterior: float
    margin: float        # log-score gain of the best candidate over leaving the text as is
    n_candidates: int


class ShiftRepairer:
    """Detect and repair byte-shifted GBK spans in one script (traditional or simplified).

    Parameters
    ----------
    model : CharBigramModel
        Scores candidate texts (in simplified characters).
    to_simplified : callable
        Maps a string to simplified characters (OpenCC t2s); candidates are generated in the
        document's own script, because the bytes are those of that script.
    min_posterior : float
        Posterior share needed to call a span restored rather than marked.
    min_gain : float
        Log-score gain over the unrepaired text needed to touch a span at all.
    """

    def __init__(self, model: CharBigramModel, to_simplified, min_posterior: float = 0.6,
                 min_gain: float = 8.0, extend_penalty: float = 6.0, beam: int = BEAM,
                 stray_logp: float = STRAY_LOGP, word_weight: float = WORD_WEIGHT,
                 word_gain_weight: float = WORD_GAIN_WEIGHT, drop_logp: float = DROP_LOGP,
                 char_bonus: float = CHAR_BONUS) -> None:
        self.model = model
        self.word_weight = word_weight
        self.word_gain_weight = word_gain_weight
        self.drop_logp = drop_logp
        self.char_bonus = char_bonus
        self.words = word_lattice()
        self.extend_penalty = extend_penalty
        self.to_simplified = to_simplified
        self.min_posterior = min_posterior
        self.min_gain = min_gain
        self.tables = _gbk_tables(lambda ch: model.unigram(self._simp(ch)) > 2e-7)
        for lead, chars in self.tables.by_lead.items():
            chars.sort(key=lambda ct: (-model.unigram(self._simp(ct[0])), ct[0]))
        self.tables.all_chars.sort(key=lambda ct: (-model.unigram(self._simp(ct[0])), ct[0]))
        self._cache: dict[tuple, list[tuple[float, str, int, int]]] = {}
        # The search's transitions without scores (see :meth:`_feasible`): trail bytes of the
        # vocabulary by lead byte, and after each first byte of a hidden private-use pair.
        self._trails_by_lead: dict[int, frozenset[int]] = {
            lead: frozenset(t for _, t in chars) for lead, chars in self.tables.by_lead.items()}
        self._all_trails = frozenset(t for _, t in self.tables.all_chars)
        self._pua_next: dict[int, frozenset[int]] = {
            first: frozenset().union(*(self._trails_by_lead.get(lead, frozenset())
                                       for lead in seconds))
            for first, seconds in self.tables.pua_trails.items()}
        self.corpus_model = model
        self._traditional = False
        # Characters that are the simplified form of another character (off-script in a
        # traditional document).
        self._simplified_forms = frozenset(
            self._simp(ch) for ch, _ in self.tables.all_chars if self._simp(ch) != ch)
        self._doc_key = ""
        self._seed_kinds: dict[str, int] = {}
        self._pending_document: tuple[str, float] | None = None
        self._memo: dict[tuple, tuple[int, SpanRepair | None]] = {}
        self._lp_memo: dict[tuple[str, str], float] = {}
        self.beam = beam
        self.stray_logp = stray_logp
        self.searcher = ShiftSearch(self.tables.all_chars, self.tables.by_lead,
                                    self.tables.pua_trails, self._simp, model)

    @lru_cache(maxsize=100_000)
    def _simp(self, ch: str) -> str:
        out = self.to_simplified(ch)
        return out if len(out) == 1 else ch

    def set_document(self, text: str, weight: float = 0.5) -> None:
        """Mix a model of ``text`` itself (its intact parts) into the scoring.

        Parameters
        ----------
        text : str
            The document about to be repaired, in its own script.
        weight : float
            Weight of the document model against the corpus model.
        """
        import hashlib

        intact = _NOT_INTACT.sub("", PINYIN_ANNOTATION.sub("", text))
        # The document's model is made on first use (:meth:`_document_model`): most documents
        # with damage evidence have no cluster the damage model can explain, so never score.
        self._pending_document = (intact, weight)
        sample = CJK_CHAR.findall(intact, 0, 20000)
        changed = sum(k for ch, k in Counter(sample).items() if self._simp(ch) != ch)
        self._traditional = bool(sample) and changed / len(sample) > TRADITIONAL_SHARE
        self._lp_memo = {}
        self._doc_key = hashlib.sha1(text.encode("utf-8")).hexdigest()

    # -- detection -------------------------------------------------------------------------
    def _seed_kind(self, ch: str) -> int:
        """What :meth:`is_seed` makes of the character ``ch``: 0 never a seed, 1 always, 2 a
        seed depending on its neighbours (an ASCII letter). Memoised: it depends on the
        character and the corpus model's unigram only, and detection asks for every
        character of every document."""
        kind = self._seed_kinds.get(ch)
        if kind is not None:
            return kind
        if ch in "?\ufffd" or is_pua(ch):
            kind = 1
        elif ch.isascii():
            kind = 2 if ch.isalpha() else 0
        elif is_cjk(ch):
            kind = int(self.corpus_model.unigram(self._simp(ch)) < 2e-6)
        elif ch in NORMAL_SYMBOLS or ch.isspace():
            kind = 0
        else:
            try:
                kind = int(0xA1 <= ch.encode("gbk")[0] <= 0xA9)
            except UnicodeEncodeError:
                kind = 0
        self._seed_kinds[ch] = kind
        return kind

    def is_seed(self, text: str, i: int) -> bool:
        """Whether ``text[i]`` is a character that does not belong in clean plan text."""
        kind = self._seed_kind(text[i])
        if kind != 2:
            return bool(kind)
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        # Letters glued to Chinese on one side and not part of a Latin word or unit.
        return (is_cjk(prev) or is_cjk(nxt)) and not (prev.isascii() and prev.isalnum()) \
            and not (nxt.isascii() and nxt.isalnum())

    def is_junk(self, ch: str) -> bool:
        """Whether ``ch`` must not reach clean text: U+FFFD, a private-use character, a GBK
        symbol that is no normal punctuation, or a Chinese character whose simplified form is
        outside GB2312 levels 1-2 (lead bytes B0-F7) or unknown to the reference model."""
        if ch.isascii() or ch == ILLEGIBLE:
            return False
        if not is_cjk(ch):
            return ch == "\ufffd" or is_pua(ch) or self.is_seed(ch, 0)
        simp = self._simp(ch)
        try:
            data = simp.encode("gb2312")
        except UnicodeEncodeError:
            return True
        return not (0xB0 <= data[0] <= 0xF7 and self.corpus_model.unigram(simp) > 2e-7)

    def detect(self, text: str, gap: int = 4, reach: int = 12) -> list[tuple[int, int]]:
        """Clusters of seeds closer than ``gap``, or within ``reach`` of a cluster with a '?'
        and only Chinese between (?稳岷腿邪踩呦拦ぷ… is one shifted run: its ぷ must not stay)."""
        masked: set[int] = set()
        for m in PINYIN_ANNOTATION.finditer(text):
            masked.update(range(m.start(), m.end()))
        # Each distinct character is classified once; only ASCII letters need their neighbours.
        kinds = {ch: self._seed_kind(ch) for ch in set(text)}
        seeds = [i for i, ch in enumerate(text)
                 if kinds[ch] and (kinds[ch] == 1 or self.is_seed(text, i)) and i not in masked]
        clusters: list[list[int]] = []
        for i in seeds:
            between = text[clusters[-1][1]:i] if clusters else "\n"
            if clusters and "\n" not in between and (i - clusters[-1][1] <= gap or (
                    i - clusters[-1][1] <= reach and not text[i].isascii()
                    and "?" in text[clusters[-1][0]:clusters[-1][1]]
                    and all(is_cjk(ch) or ch in NORMAL_SYMBOLS for ch in between))):
                clusters[-1][1] = i + 1
            else:
                clusters.append([i, i + 1])
        return [(a, b) for a, b in clusters]

    # -- search ----------------------------------------------------------------------------
    def _options(self, ch: str) -> list[tuple[int, int]]:
        """Byte pairs that decode (after folding) to the observed character."""
        return byte_options(ch)

    def _search(self, observed: str, left: str, visible_lead: bool
                ) -> list[tuple[float, str, int, int]]:
        """Beam search of originals whose damage gives a prefix of ``observed`` (see
        :meth:`analysis.clean.gbk_search.ShiftSearch.search`)."""
        self._document_model()
        return self.searcher.search(observed, left, visible_lead, self.beam)

    def _feasible(self, observed: str, visible_lead: bool, need: int) -> bool:
        """Whether :meth:`_search` can explain at least ``need`` characters of ``observed``
        (see :meth:`analysis.clean.gbk_search.ShiftSearch.feasible`)."""
        return self.searcher.feasible(observed, visible_lead, need, self._all_trails,
                                      self._trails_by_lead, self._pua_next)

    def _document_model(self) -> None:
        """Mix the model of the document last given to :meth:`set_document` into the scoring
        (once per document)."""
        if self._pending_document is not None:
            intact, weight = self._pending_document
            self._pending_document = None
            doc_model = CharBigramModel([self.to_simplified(intact)], general=False)
            self.model = MixtureModel(doc_model, self.corpus_model, weight)
            self.searcher.set_document(doc_model, weight)

    def _logprob(self, prev: str, ch: str) -> float:
        """The scoring model's log-probability, memoised per document (candidate windows
        share most of their characters)."""
        key = (prev, ch)
        found = self._lp_memo.get(key)
        if found is None:
            self._document_model()
            found = self.model.logprob(prev, ch)
            if len(self._lp_memo) >= 200_000:
                self._lp_memo.clear()
            self._lp_memo[key] = found
        return found

    def _off_script(self, orig: str) -> int:
        """Characters of ``orig`` that belong to the other script than the document's.

        The models score simplified forms, so 應急 and 应急 (the same trail byte, all that is
        left of a span's first character) tie; the document's own script breaks the tie."""
        if self._traditional:
            return sum(ch in self._simplified_forms for ch in orig)
        return sum(self._simp(ch) != ch for ch in orig)

    def _window_score(self, text: str, words: bool = True) -> float:
        """Character-model score of a window plus, with ``words``, ``word_weight`` times its
        word-lattice score (both on the simplified reading)."""
        keep = self.corpus_model.order - 1
        total, prev = 0.0, ""
        seen = []
        for ch in text:
            if ch == "?" or is_pua(ch):
                ch = "\x00"  # an unseen symbol: floor probability
            else:
                ch = self._simp(fold(ch) if not ch.isascii() else
                                (chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch))
            seen.append(ch)
            total += self._logprob(prev, ch)
            prev = (prev + ch)[-keep:]
        if words and self.word_weight:
            total += self._word_score(text)
        return total

    def _word_score(self, text: str) -> float:
        """``word_weight`` times the word-lattice score of the simplified reading of ``text``."""
        reading = "".join("\x00" if ch == "?" or is_pua(ch) else self._simp(fold(ch))
                          for ch in text)
        return self.word_weight * self.words.score(reading)

    def repair_cluster(self, text: str, start: int, end: int, context: int = 3
                       ) -> SpanRepair | None:
        """Find the best repair for the seed cluster ``text[start:end]``."""
        lo = max(0, start - 2)
        hi = min(len(text), end + 3)
        left_ctx = text[max(0, lo - context):lo]
        right_edge = min(len(text), hi + context)
        # The decision depends only on the window and the document model: reuse it when the
        # same damaged passage recurs (lists of offices repeat; corpora hold copies).
        memo_key = (self._doc_key, text[max(0, lo - context):right_edge], start - lo, end - lo)
        if memo_key in self._memo:
            shift = lo - self._memo[memo_key][0]
            rep = self._memo[memo_key][1]
            if rep is None:
                return None
            return SpanRepair(rep.start + shift, rep.end + shift, rep.observed, rep.replacement,
                              rep.best_guess, rep.status, rep.posterior, rep.margin,
                              rep.n_candidates)
        rep = self._repair_window(text, start, end, lo, hi, left_ctx, right_edge, context)
        self._memo[memo_key] = (lo, rep)
        return rep

    def _repair_window(self, text: str, start: int, end: int, lo: int, hi: int, left_ctx: str,
                       right_edge: int, context: int) -> SpanRepair | None:
        candidates: dict[tuple[int, int, str], float] = {}
        windows: dict[tuple[int, int, str], str] = {}
        # A visible '?' marks the lost lead byte; otherwise the loss left no trace and the
        # damage may begin one character before the first seed.
        starts = [(start, True)] if text[start] == "?" else [(start - 1, False), (start, False)]
        for s, visible in starts:
            if s < 0:
                continue
            observed = text[s:hi]
            left = text[max(0, s - context):s]
            key = (observed, left, str(visible), self._doc_key)
            if key not in self._cache:
                if not self._feasible(observed, visible, end - s):
                    continue  # no original explains the whole cluster from this start
                self._cache[key] = self._search(observed, left, visible)
            for _, orig, consumed, drops in self._cache[key]:
                e = s + consumed
                if e < end:
                    continue  # must explain every seed of the cluster
                got = simulate_shift_damage(orig)
                if not visible:
                    got = got[1:]
                if got != text[s:e]:
                    continue
                window = left_ctx + text[lo:s] + orig + text[e:right_edge]
                # Claiming characters outside the seed cluster as damaged needs evidence.
                outside = max(0, start - s) + max(0, e - end)
                score = (self._window_score(window, words=False) - self.extend_penalty * outside
                         + self.drop_logp * drops + self.char_bonus * len(orig)
                         - SCRIPT_PENALTY * self._off_script(orig))
                k = (s, e, orig)
                windows[k] = window
                candidates[k] = max(candidates.get(k, -math.inf), score)
        if not candidates:
            return None
        if self.word_weight:
            # The word lattice ranks the readings the character model leaves close; those far
            # behind (WORD_MARGIN) could not win and are dropped unscored (speed).
            floor = max(candidates.values()) - WORD_MARGIN
            candidates = {k: v + self._word_score(windows[k])
                          for k, v in candidates.items() if v >= floor}
        baseline = self._window_score(left_ctx + text[lo:right_edge])
        (s, e, orig), best = max(candidates.items(), key=lambda kv: (kv[1], -kv[0][0], kv[0][2]))
        gain = best - baseline
        if gain < self.min_gain:
            return None
        by_form: dict[tuple[int, int, str], float] = {}
        for (cs, ce, corig), score in candidates.items():
            form = (cs, ce, "".join(self._simp(c) for c in corig))
            by_form[form] = max(by_form.get(form, -math.inf), score)
        top = max(by_form.values())
        total = sum(math.exp(v - top) for v in by_form.values())
        posterior = 1.0 / total
        status = "restored" if posterior >= self.min_posterior else "marked"
        replacement = orig if status == "restored" else ILLEGIBLE * len(orig)
        return SpanRepair(s, e, text[s:e], replacement, orig, status, posterior, gain,
                          len(by_form))

    # -- decision support -------------------------------------------------------------------
    def evidence(self, text: str, start: int, end: int) -> str:
        """What the seed cluster ``text[start:end]`` holds as evidence of damage.

        Damage starts with the '?' of the lost lead byte, so only what follows a '?' counts
        with it: in 航空a?救援 the letter before the '?' is no sign of a shift.

        Returns
        -------
        str
            ``"hard"``: U+FFFD or private-use characters, never text. ``"shift"``: after a '?',
            a character that is no text by itself (another seed, or ASCII punctuation glued to
            a '?': a folded full-width mark). ``"question"``: after a '?', common characters
            only (加强应急?管理?工作 as much as ?贪踩? for 安全); their bytes can always be
            read as shifted pairs, so only the language model can tell. ``"soft"``: no '?'
            before them, but non-ASCII seeds (rare characters, GBK symbols). ``""``: nothing
            ('?' runs alone, ASCII letters, common characters).
        """
        span = text[start:end]
        if any(ch == "\ufffd" or is_pua(ch) for ch in span):
            return "hard"
        first_q = span.find("?")
        if first_q >= 0:
            for i in range(start + first_q + 1, end):
                ch = text[i]
                if ch == "?":
                    continue
                glued = text[i - 1] == "?" or (i + 1 < len(text) and text[i + 1] == "?")
                if self.is_seed(text, i) or (ch in ASCII_PUNCTUATION and glued):
                    return "shift"
            if span[first_q:].strip("?").strip():
                return "question"
            end = start + first_q
        # Without a '?', only characters that are junk by themselves count; ASCII letters glued
        # to Chinese (A级, GPS定位) are common in plans.
        return "soft" if any(not text[i].isascii() and self.is_seed(text, i)
                             for i in range(start, end)) else ""

    def _reading(self, text: str) -> str:
        """``text`` as the general model reads it for :meth:`plausibility_gain`: simplified,
        marks full-width, U+FFFD and private-use characters as an unseen symbol. '?' is dropped
        (a stray question mark), and so are ASCII letters and digits: the lexicon model knows no
        Latin, and a letter in plan text (A级, PM2.5) is no less plausible than the Chinese a
        repair would put in its place."""
        chars = []
        for ch in text:
            if ch == "?" or (ch.isascii() and ch.isalnum()):
                continue
            if ch == "\ufffd" or is_pua(ch):
                chars.append("\x00")
            else:
                chars.append(self._simp(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else fold(ch)))
        return "".join(chars)

    def plausibility_gain(self, text: str, rep: SpanRepair, context: int = 4) -> float:
        """Log-score gain of ``rep``'s best reading over the observed text, for the general
        lexicon model (:func:`analysis.clean.charmodel.general_model`).

        The observed text is read with its '?' (and Latin letters and digits) dropped: the
        alternative to damage is intact text with stray question marks, not text with unknown
        symbols, which any repair beats. The corpus models cannot judge this: they were counted
        on the damaged texts themselves, so a damaged span reads to them as a phrase they have
        seen. Context is taken from the same line only.

        Parameters
        ----------
        text : str
            The document.
        rep : SpanRepair
            A candidate repair of ``text[rep.start:rep.end]``.
        context : int
            Characters of context on each side.

        Returns
        -------
        float
            Positive when the repaired text reads better than the text as found; minus
            infinity for a reading that would be marked over a span without junk.
        """
        line_start = text.rfind("\n", 0, rep.start) + 1
        line_end = text.find("\n", rep.end)
        line_end = len(text) if line_end < 0 else line_end
        left = text[max(line_start, rep.start - context):rep.start]
        right = text[rep.end:min(line_end, rep.end + context)]
        model = general_model()
        # Each '?' the reading of the observed span drops is a stray mark in Chinese text, an
        # event of its own: without its cost, text as found would win by being shorter
        # (?O for 監 read as nothing at all). Latin letters stay free: A级, PM2.5. Only a
        # reading the search is sure of (restored) gets this credit: marking a span that
        # several readings fit destroys its characters, and '?' beside intact text
        # (工作?目标:?) must not be enough for that.
        dropped = text[rep.start:rep.end].count("?") - rep.best_guess.count("?")
        if rep.status != "restored":
            if not any(self.is_junk(ch) for ch in text[rep.start:rep.end]):
                # A mark replaces every character of the span: worth it only where the span
                # holds junk that must not reach clean text, never over common characters,
                # '?' and ASCII marks that may be intact (工作目?标:?).
                return -math.inf
            dropped = 0
        return (self._lexicon_score(model, self._reading(left + rep.best_guess + right))
                - self._lexicon_score(model, self._reading(left + text[rep.start:rep.end] + right))
                - self.stray_logp * max(dropped, 0))

    def _lexicon_score(self, model, reading: str) -> float:
        """:func:`analysis.clean.wordlattice.lexicon_score` with this repairer's lattice; the
        normal Chinese marks are free (the ASCII marks a shift leaves glued to a '?', read as
        full-width forms, ?;I for 校籌, are junk)."""
        return lexicon_score(model, self.words, reading, self.word_gain_weight, FREE_MARKS)

    def junk_runs(self, text: str, start: int, end: int) -> list[SpanRepair]:
        """Runs of junk in a cluster that no reading explains, each marked illegible (□ per
        character).

        A run is a stretch of seeds ('?', symbols, rare characters, glued letters) and the ASCII
        punctuation between them, holding a character that is junk in clean text
        (:meth:`is_junk`: U+FFFD, private-use, a GBK symbol, a character outside the common
        set; what a shifted span leaves, ?痉ūσぢ, when its reading is rejected); common
        characters end a run, so intact text next to junk is never marked.
        """
        junk = [self.is_seed(text, k) for k in range(start, end)]  # '?', U+FFFD, PUA included
        runs, i = [], start
        while i < end:
            j = i
            while j < end and (junk[j - start] or (j > i and text[j] in ASCII_PUNCTUATION)):
                j += 1
            while j > i and not junk[j - 1 - start]:
                j -= 1  # punctuation only between junk, not at the ends
            run = text[i:j]
            if any(self.is_junk(ch) for ch in run):
                runs.append(self.unresolved(i, j, text))
            i = max(j, i + 1)
        return runs

    def unresolved(self, start: int, end: int, text: str) -> SpanRepair:
        """A seed cluster for which no candidate fits: marked as illegible."""
        return SpanRepair(start, end, text[start:end], ILLEGIBLE * (end - start), "", "marked",
                          0.0, 0.0, 0)
