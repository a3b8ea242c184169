"""The search behind :class:`analysis.clean.gbk_repair.ShiftRepairer`: original texts whose
byte-shift damage gives an observed span, scored by the character model, vectorised.

A beam search over a byte-level transducer (see :mod:`analysis.clean.gbk_repair` for the damage
model): a state is (observed characters explained, trail byte still pending, last characters);
each step appends one original character whose lead byte is fixed by the next observed
character, or, when the pending byte and the next lead byte form a user-defined pair, that
vanished from the damaged text. Scoring is the costly part: a pool of candidate characters
follows every state. :class:`~analysis.clean.charmodel.NgramTable` scores a whole pool with a
few numpy operations, and the beam keeps the best ``beam`` states of a step after one global
selection, so Python touches only the states that survive (before: one model call per
candidate character, two million per span of the seeds).

Written by hand: no library searches this transducer.
"""
from __future__ import annotations

import math

import numpy as np

from analysis.clean.charmodel import NgramTable

MAX_PUA_DROPS = 4
#: States kept per step. 160 before the search was vectorised; on 100 synthetic dev spans 64
#: restored exactly as many (44) at a third of the time and 32 two fewer; with the beam
#: shared out among classes of states (:meth:`ShiftSearch._select`) 32 restored 53, as 48 and
#: 64 did.
BEAM = 32
PUA_CANDIDATES = 300
#: The first step keeps this many times the beam (4 before; 5 keeps 。科學 for ??茖W on a page
#: whose other span is damaged, which 4 lost; each step of width costs about 1.5 ms per span).
FIRST_STEP_WIDTH = 5
# Share of valid GB18030 double-byte pairs that are user-defined (about 1,800 of 24,000):
# the prior probability that a straddling pair vanished.
LOG_PUA_PRIOR = math.log(0.075)


def byte_options(ch: str) -> list[tuple[int, int]]:
    """Byte pairs that decode (after folding full-width forms to ASCII) to ``ch``."""
    opts = []
    for cand in {ch, chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch}:
        try:
            data = cand.encode("gbk")
        except UnicodeEncodeError:
            continue
        if len(data) == 2:
            opts.append((data[0], data[1]))
    return opts


class _Pool:
    """Candidate characters as parallel arrays: characters, simplified forms, trail bytes,
    vocabulary indices."""

    __slots__ = ("chars", "simps", "trails", "ids", "_viable")

    def __init__(self, entries: list[tuple[str, str, int, int]]) -> None:
        self.chars = [e[0] for e in entries]
        self.simps = [e[1] for e in entries]
        self.trails = np.array([e[2] for e in entries], dtype=np.intp)
        self.ids = np.array([e[3] for e in entries], dtype=np.intp)
        self._viable: dict[bytes, np.ndarray] = {}

    @classmethod
    def join(cls, head: "_Pool", tail: "_Pool", keep: list[int]) -> "_Pool":
        """``head`` followed by the entries ``keep`` of ``tail``."""
        pool = cls([])
        pool.chars = head.chars + [tail.chars[i] for i in keep]
        pool.simps = head.simps + [tail.simps[i] for i in keep]
        pool.trails = np.concatenate((head.trails, tail.trails[keep]))
        pool.ids = np.concatenate((head.ids, tail.ids[keep]))
        return pool

    def viable(self, mask: np.ndarray) -> np.ndarray:
        """Positions of the characters whose trail byte ``mask`` allows (cached per mask)."""
        key = mask.tobytes()
        found = self._viable.get(key)
        if found is None:
            found = np.flatnonzero(mask[self.trails])
            if len(self._viable) > 4096:
                self._viable.clear()
            self._viable[key] = found
        return found


class ShiftSearch:
    """Tables and scoring of the search for one reference model.

    Parameters
    ----------
    all_chars : list of (str, int)
        Vocabulary characters with their trail bytes, most frequent first.
    by_lead : dict
        Lead byte -> [(char, trail)] by frequency.
    pua_trails : dict
        First byte -> second bytes giving a user-defined (private-use) pair.
    simp : callable
        Character -> simplified character.
    corpus_model : CharBigramModel
        The reference model; its successors seed the pools after a hidden pair.
    """

    def __init__(self, all_chars, by_lead, pua_trails, simp, corpus_model) -> None:
        self.simp = simp
        self.corpus_model = corpus_model
        self.keep = corpus_model.order - 1
        self.vocab: dict[str, int] = {}
        for ch, _ in all_chars:
            self.vocab.setdefault(simp(ch), len(self.vocab))
        self.lead_of = {ch: ch.encode("gbk")[0] for ch, _ in all_chars}
        self.all_pool = self._pool(all_chars)
        self.lead_pools = {lead: self._pool(chars) for lead, chars in by_lead.items()}
        self.pua_trails = pua_trails
        self.pua_firsts = frozenset(pua_trails)
        self.all_chars = all_chars
        self.by_simp: dict[str, list[tuple[str, int]]] = {}
        for ch, trail in all_chars:
            self.by_simp.setdefault(simp(ch), []).append((ch, trail))
        self._pua_pools: dict[tuple[int, str], _Pool] = {}
        self._frequent: dict[int, list[tuple[str, int]]] = {}
        self._frequent_pools: dict[int, _Pool] = {}
        self.corpus_table = NgramTable(corpus_model, self.vocab)
        self.doc_table: NgramTable | None = None
        self.doc_weight = 0.0

    def _pool(self, chars: list[tuple[str, int]]) -> _Pool:
        return _Pool([(ch, self.simp(ch), trail, self.vocab[self.simp(ch)])
                      for ch, trail in chars])

    def set_document(self, doc_model, weight: float) -> None:
        """Mix the document's own model into the scores with ``weight``."""
        self.doc_table = NgramTable(doc_model, self.vocab)
        self.doc_weight = weight

    def logprobs(self, prev: str, ids: np.ndarray) -> np.ndarray:
        """log P(ch | prev) for the vocabulary indices ``ids`` (the mixture of
        :class:`~analysis.clean.charmodel.MixtureModel`, or the corpus model alone)."""
        corpus = self.corpus_table.probs(prev, ids)
        if self.doc_table is None:
            return np.log(corpus)
        w = self.doc_weight
        return np.log(w * self.doc_table.probs(prev, ids) + (1 - w) * corpus)

    # -- pools --------------------------------------------------------------------------
    def pua_pool(self, pending: int, last: str) -> _Pool:
        """Characters that can follow a hidden private-use pair starting with ``pending``:
        corpus successors of ``last`` first, then the most frequent characters."""
        key = (pending, last)
        pool = self._pua_pools.get(key)
        if pool is None:
            leads = self.pua_trails[pending]
            seen: set[str] = set()
            entries = []
            for succ in sorted(self.corpus_model.successors.get(last, ())):
                for ch, trail in self.by_simp.get(succ, ()):
                    if self.lead_of[ch] in leads and ch not in seen:
                        seen.add(ch)
                        entries.append((ch, trail))
            frequent = self._frequent_pools.get(pending)
            if frequent is None:
                frequent = self._frequent_pools[pending] = self._pool(
                    self._frequent_after(pending))
            if entries:
                rest = [i for i, ch in enumerate(frequent.chars) if ch not in seen]
                pool = _Pool.join(self._pool(entries), frequent, rest)
            else:
                pool = frequent
            if len(self._pua_pools) > 20_000:
                self._pua_pools.clear()
            self._pua_pools[key] = pool
        return pool

    def _frequent_after(self, pending: int) -> list[tuple[str, int]]:
        """The most frequent characters whose lead byte can follow ``pending`` in a hidden
        private-use pair (made once for all first bytes: one pass over the vocabulary)."""
        if not self._frequent:
            firsts_by_lead: dict[int, list[int]] = {}
            for first, seconds in self.pua_trails.items():
                for lead in seconds:
                    firsts_by_lead.setdefault(lead, []).append(first)
            lists: dict[int, list[tuple[str, int]]] = {first: [] for first in self.pua_trails}
            for ct in self.all_chars:
                for first in firsts_by_lead.get(self.lead_of[ct[0]], ()):
                    if len(lists[first]) < PUA_CANDIDATES:
                        lists[first].append(ct)
            self._frequent.update(lists)
        return self._frequent[pending]

    def viable_mask(self, observed: str, j: int) -> np.ndarray:
        """Trail bytes after which the damage can go on to produce ``observed[j]``: those of
        :meth:`direct_mask`, or the first byte of a hidden private-use pair."""
        mask = self.direct_mask(observed, j)
        if j < len(observed) and observed[j] != "?":
            mask[list(self.pua_firsts)] = True
        return mask

    def direct_mask(self, observed: str, j: int) -> np.ndarray:
        """Trail bytes that read ``observed[j]`` directly: its first byte, or a lone byte shown
        as '?' or as that ASCII letter (no hidden private-use pair in between)."""
        mask = np.zeros(256, dtype=bool)
        if j >= len(observed):
            return mask
        obs = observed[j]
        if obs == "?":
            mask[:] = True
            return mask
        for b1, _ in byte_options(obs):
            mask[b1] = True
        if obs.isascii():
            mask[ord(obs)] = True
        return mask

    # -- search ---------------------------------------------------------------------------
    def search(self, observed: str, left: str, visible_lead: bool, beam_size: int = BEAM
               ) -> list[tuple[float, str, int, int]]:
        """Beam search of originals whose damage gives a prefix of ``observed``.

        Returns (log-score, original, consumed, drops) for every terminal state: ``consumed``
        is how many observed characters the damage of ``original`` accounts for, ``drops`` how
        many hidden private-use pairs it assumes.
        """
        keep, simp = self.keep, self.simp
        j0 = 1 if visible_lead else 0
        prev0 = "".join(simp(c) for c in left[-keep:])
        masks = [self.viable_mask(observed, j) for j in range(len(observed) + 1)]
        direct = [self.direct_mask(observed, j) for j in range(len(observed) + 1)]
        options = [byte_options(ch) for ch in observed]
        finals: list[tuple[float, str, int, int]] = []
        pool = self.all_pool
        sel = pool.viable(masks[j0])
        scores = self.logprobs(prev0, pool.ids[sel])
        # Candidates of a step: (scores, parent state or None, pool, positions, new_j, drops)
        groups = [(scores, None, pool, sel, j0, 0)]
        beam: list[tuple[tuple[int, int, str], float, str, int]] = []
        for step in range(len(observed) + 3):
            # The first character is the freest (its lead byte is lost, any of ~70 fit) and
            # the next ones follow from the bytes, so the first step keeps a wider beam.
            beam = self._select(groups, prev0, beam_size * (FIRST_STEP_WIDTH if step == 0 else 1),
                                direct)
            if not beam:
                break
            groups = []
            for (j, pending, last), score, orig, drops in beam:
                if j >= len(observed):
                    continue
                obs = observed[j]
                if obs == "?" or (pending < 0x80 and obs == chr(pending)):
                    finals.append((score, orig, j + 1, drops))
                for b1, b2 in options[j]:
                    if b1 == pending and b2 < 0x80:
                        # The pair took an ASCII byte as its second (打造X shows ?蛟靀): the
                        # reading ends with that ASCII character, and decoding is back in step.
                        finals.append((score, orig + chr(b2), j + 1, drops))
                    if b1 == pending and b2 in self.lead_pools:
                        pool = self.lead_pools[b2]
                        sel = pool.viable(masks[j + 1])
                        if len(sel):
                            groups.append((score + self.logprobs(last, pool.ids[sel]),
                                           (last, orig), pool, sel, j + 1, drops))
                if drops < MAX_PUA_DROPS and pending in self.pua_trails:
                    pool = self.pua_pool(pending, last[-1:])
                    sel = pool.viable(masks[j])
                    if len(sel):
                        # A hidden pair is an unobserved event with prior PUA_PRIOR.
                        groups.append((score + LOG_PUA_PRIOR + self.logprobs(last, pool.ids[sel]),
                                       (last, orig), pool, sel, j, drops + 1))
        return finals

    def _select(self, groups, prev0: str, beam_size: int, direct: list[np.ndarray]):
        """The best ``beam_size`` distinct states among all candidates of a step, best first
        (a state is kept with its best score, as a dictionary of states would keep it).

        The beam is shared out equally among classes of states, by how many observed
        characters they explain and whether their pending byte reads the next observed
        character directly (``direct[j][trail]``) or needs a hidden private-use pair next;
        places a class cannot fill go to the best states left. About twenty trail bytes start a
        hidden pair, so without the shares frequent characters reached through hidden pairs
        crowd out the path that follows the observed bytes (页珍藏版, observed ?痴洳匕?, was
        lost after its first character).
        """
        if not groups:
            return []
        scores = np.concatenate([g[0] for g in groups])
        sizes = np.array([len(g[0]) for g in groups])
        group_of = np.repeat(np.arange(len(groups)), sizes)
        offset = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        new_j = np.repeat(np.array([g[4] for g in groups]), sizes)
        on_track = np.concatenate([direct[g[4]][g[2].trails[g[3]]] for g in groups])
        label = new_j * 2 + on_track
        classes = [self._choose(groups, prev0, beam_size, scores, group_of, offset,
                                np.flatnonzero(label == c)) for c in np.unique(label)]
        share = max(1, beam_size // len(classes))
        kept = [state for chosen in classes for state in chosen[:share]]
        rest = sorted((state for chosen in classes for state in chosen[share:]),
                      key=lambda state: -state[1])
        kept.extend(rest[:max(0, beam_size - len(kept))])
        return sorted(kept, key=lambda state: -state[1])

    def _choose(self, groups, prev0, beam_size, scores, group_of, offset, among):
        """Up to ``beam_size`` distinct states from the candidates ``among``, best first."""
        keep = self.keep
        chosen: dict[tuple[int, int, str], tuple[float, str, int]] = {}
        sub = scores[among]
        # Ties go to the earlier candidate (states in beam order, pools in frequency order).
        want = 2 * beam_size
        if len(sub) > want:
            top = np.argpartition(-sub, want - 1)[:want]
            top = top[np.lexsort((top, -sub[top]))]
        else:
            top = np.lexsort((np.arange(len(sub)), -sub))
        for rank_block in (top, None):
            if rank_block is None:
                if len(chosen) == beam_size or len(sub) <= want:
                    break
                # Rare: many candidates fell on the same state; rank the rest as well.
                rest = np.setdiff1d(np.arange(len(sub)), top)
                rank_block = rest[np.lexsort((rest, -sub[rest]))]
            for k in among[rank_block]:
                g = groups[group_of[k]]
                pos = g[3][k - offset[group_of[k]]]
                pool = g[2]
                last, orig = g[1] if g[1] is not None else (prev0, "")
                key = (g[4], int(pool.trails[pos]), (last + pool.simps[pos])[-keep:])
                if key not in chosen:
                    chosen[key] = (float(scores[k]), orig + pool.chars[pos], g[5])
                    if len(chosen) == beam_size:
                        break
        return [(key, s, o, d) for key, (s, o, d) in chosen.items()]

    def feasible(self, observed: str, visible_lead: bool, need: int, all_trails: frozenset,
                 trails_by_lead: dict, pua_next: dict) -> bool:
        """Whether :meth:`search` can explain at least ``need`` characters of ``observed``.

        The same transitions without scores, beam or pools (a superset of what the search
        explores), as sets of pending trail bytes per (position, hidden pairs): a span that no
        original can explain (stray '?' in intact text) costs no search.
        """
        j0 = 1 if visible_lead else 0
        layers: dict[tuple[int, int], set[int]] = {(j0, 0): set(all_trails)}
        for j in range(j0, len(observed)):
            obs = observed[j]
            for drops in range(MAX_PUA_DROPS + 1):
                pend = layers.pop((j, drops), None)
                if not pend:
                    continue
                if j + 1 >= need and (obs == "?" or (obs.isascii() and ord(obs) in pend) or any(
                        b1 in pend and b2 < 0x80 for b1, b2 in byte_options(obs))):
                    return True
                for b1, b2 in byte_options(obs):
                    if b1 in pend:
                        layers.setdefault((j + 1, drops), set()).update(
                            trails_by_lead.get(b2, ()))
                if drops < MAX_PUA_DROPS:
                    hidden = pend & self.pua_firsts
                    if hidden:
                        target = layers.setdefault((j, drops + 1), set())
                        for p in hidden:
                            target.update(pua_next[p])
        return False
