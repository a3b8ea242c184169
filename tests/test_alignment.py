"""Local alignment for reuse: reordered and lightly edited passages found, unrelated text not
aligned, common-source attribution on a three-plan toy, and the reuse simulation on a small
corpus. Texts are real clauses of the seed plans."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.evaluation.simulate_reuse import COLUMNS, simulation_table
from analysis.text.alignment import local_align
from analysis.text.regional import load_inputs
from analysis.text.reuse import (MIN_MATCHED, find_reuse, reuse_attribution, reuse_shares)

from conftest import ROOT

PROCESSED = ROOT / "data" / "processed"


@pytest.fixture(scope="module")
def texts():
    prepared = load_inputs(PROCESSED)[2]
    prepared = prepared.assign(text=["".join(t.split()) for t in prepared["content"]])
    return {d: part["text"].tolist() for d, part in prepared.groupby("doc_id")}


def _long(texts, doc, k, n=60):
    return [t for t in texts[doc] if len(t) >= n][k]


def test_reordered_passages_are_both_found(texts):
    p1, p2 = _long(texts, "lishui-2021", 0)[:60], _long(texts, "lishui-2021", 1)[:60]
    filler_a, filler_b = _long(texts, "haimen-2023", 4)[:50], _long(texts, "haimen-2023", 5)[:50]
    a = p2 + filler_a + p1  # the later text has the two passages in the other order
    b = p1 + filler_b + p2
    al = local_align(a, b)
    covered = np.zeros(len(a), dtype=bool)
    for s, e in al.spans_a():
        covered[s:e] = True
    assert covered[:60].mean() > 0.95 and covered[-60:].mean() > 0.95
    assert covered[60:110].mean() < 0.2
    assert len(al.regions) >= 2


def test_lightly_edited_passage_stays_one_alignment(texts):
    source = _long(texts, "jiangxi-2023", 2, n=120)[:120]
    rng = np.random.default_rng(1)
    chars = list(source)
    edited = set(rng.choice(len(chars), size=len(chars) // 7, replace=False).tolist())
    for k in edited:  # a substitution every seven characters on average
        chars[k] = "某"
    copy = "".join(chars[:60]) + "并加强督导检查" + "".join(chars[60:])
    al = local_align(copy, source)
    unchanged = len(source) - sum(source[k] != "某" for k in edited)
    assert al.matched >= 0.9 * unchanged
    assert len(al.regions) <= 2  # not shattered into the many short runs difflib keeps
    assert "并加强督导检查" in al.marked()


def test_unrelated_plans_are_not_aligned(texts):
    lishui = [t for t in texts["lishui-2021"] if len(t) >= 40][:40]
    haimen = [t for t in texts["haimen-2023"] if len(t) >= 40][:40]
    matched = [local_align(a, b).matched for a in lishui[:20] for b in haimen[:20]]
    assert np.mean(np.array(matched) >= MIN_MATCHED) < 0.01


def _toy():
    national = ("各地区各有关部门要深入学习贯彻习近平总书记关于安全生产的重要论述，"
                "坚持人民至上、生命至上，统筹发展和安全。全面开展安全生产大检查，"
                "严格落实企业主体责任和部门监管责任。")
    own_b = "市应急管理局牵头组织开展危险化学品重大危险源专项督导，每季度通报一次进展情况。"
    own_c = "县里组织乡镇开展农村自建房安全隐患排查，建立台账并限期整改到位。"
    province = national[:70] + own_b  # the earlier plan copies the higher text and adds its own
    county = national[:70] + own_c + own_b  # the later one copies both
    clauses = pd.DataFrame({"doc_id": ["high", "mid", "low"],
                            "clause_id": ["high/1", "mid/1", "low/1"],
                            "content": [national, province, county]})
    documents = pd.DataFrame({"doc_id": ["high", "mid", "low"],
                              "admin_level": ["province", "city", "city"],
                              "jurisdiction_zh": ["甲省", "乙市", "丙市"],
                              "province_zh": ["甲省"] * 3,
                              "parent_zh": ["中国", "甲省", "甲省"],
                              "issue_date": ["2023-01-01", "2023-02-01", "2023-03-01"]})
    return clauses, documents, national, own_b


def test_common_source_attribution_on_three_plans():
    clauses, documents, national, own_b = _toy()
    found = find_reuse(clauses, candidates=np.array([(0, 1), (0, 2), (1, 2)]))
    table = reuse_attribution(clauses, found, documents).set_index(["doc_later", "doc_earlier"])
    row = table.loc[("low", "mid")]
    assert row["order_basis"] == "issue_date" and row["common_sources"] == "high"
    n = len(clauses.at[2, "content"])
    # The 70 characters also in the higher text go to it; the plan's own passage stays direct.
    assert abs(row["share_via_common_source"] - 70 / n) < 0.03
    assert abs(row["share_direct"] - len(own_b) / n) < 0.03
    assert table.loc[("mid", "high"), "n_common_source_candidates"] == 0
    shares = reuse_shares(clauses, found)
    assert "ci_low" not in shares.columns
    assert shares.set_index(["doc_a", "doc_b"]).at[("low", "mid"), "share"] == row["share"]


def test_missing_date_is_flagged_not_guessed():
    clauses, documents, *_ = _toy()
    documents.loc[documents["doc_id"] == "mid", "issue_date"] = np.nan
    found = find_reuse(clauses, candidates=np.array([(0, 1), (0, 2), (1, 2)]))
    table = reuse_attribution(clauses, found, documents)
    assert (table["order_basis"] == "date_missing").sum() == 2


def test_simulation_runs_small(texts):
    clauses = [t for d, part in texts.items() if d != "yichun-2023" for t in part if len(t) >= 30]
    table = simulation_table(seed=3, sizes=(5,), replications={5: 2}, clauses=clauses)
    assert list(table.columns) == COLUMNS
    local = table[(table["quantity"] == "reuse share") & (table["estimator"] == "local alignment")]
    assert abs(local["bias"].dropna().iloc[0]) < 0.05
    siblings = table[table["quantity"] == "reuse share between siblings"].set_index("estimator")
    raw = siblings.at["local alignment: share (no attribution)", "bias"]
    direct = siblings.at["local alignment: share_direct (common source removed)", "bias"]
    assert raw > 0.05 and direct < 0.01


def test_common_source_candidates_follow_the_hierarchy():
    from analysis.text.reuse import common_source_candidates

    documents = pd.DataFrame({
        "doc_id": ["nation", "prov", "other-prov", "city", "county1", "county2", "late-prov"],
        "admin_level": ["national", "province", "province", "city", "county", "county",
                        "province"],
        "jurisdiction_zh": ["中国", "甲省", "乙省", "丙市", "丁县", "戊县", "甲省"],
        "province_zh": ["", "甲省", "乙省", "甲省", "甲省", "甲省", "甲省"],
        "parent_zh": ["", "中国", "中国", "甲省", "丙市", "丙市", "中国"],
        "issue_date": ["2022-01-01", "2022-06-01", "2022-06-01", "2022-09-01", "2023-01-01",
                       "2023-02-01", "2024-01-01"]})
    # Two counties of one city: the nation, their province and their city; not another
    # province's plan, and not a plan issued after the later of the two.
    assert common_source_candidates(documents, "county2", "county1") == ["city", "nation",
                                                                         "prov"]
    # A county and its own city: only what is above the city.
    assert common_source_candidates(documents, "county1", "city") == ["nation", "prov"]
    assert common_source_candidates(documents, "city", "prov") == ["nation"]


def test_long_texts_are_aligned_in_pieces(texts, monkeypatch):
    import analysis.text.alignment as alignment

    a = "".join(texts["haimen-2023"][:12])
    b = "".join(texts["lishui-2021"][:6]) + a[300:700] + "".join(texts["lishui-2021"][6:12])
    whole = local_align(a, b)
    monkeypatch.setattr(alignment, "CHUNK", 250)
    monkeypatch.setattr(alignment, "CHUNK_OVERLAP", 100)
    pieces = local_align(a, b)
    covered = np.zeros(len(a), dtype=bool)
    for s, e in pieces.spans_a():
        covered[s:e] = True
    assert covered[300:700].mean() > 0.95  # the copied passage, across piece boundaries
    assert abs(pieces.matched - whole.matched) <= 0.05 * whole.matched


def _edited(text: str, seed: int, every: int = 9) -> str:
    """``text`` with a substitution about every ``every`` characters and a sentence added,
    so that its alignment to the original has rounds of many different scores."""
    rng = np.random.default_rng(seed)
    chars = list(text)
    for k in rng.choice(len(chars), size=len(chars) // every, replace=False):
        chars[k] = "某"
    middle = len(chars) // 2
    return "".join(chars[:middle]) + "并加强督导检查考核" + "".join(chars[middle:])


@pytest.mark.parametrize("chunk", [None, 250])
def test_alignment_at_several_scores_equals_separate_alignments(texts, monkeypatch, chunk):
    import analysis.text.alignment as alignment
    from analysis.text.alignment import local_align_levels

    if chunk is not None:  # the piecewise path for long texts
        monkeypatch.setattr(alignment, "CHUNK", chunk)
        monkeypatch.setattr(alignment, "CHUNK_OVERLAP", 100)
    sources = [t for t in texts["jiangxi-2023"] if len(t) >= 80][:6]
    pairs = [(_edited(s, k, every=every), s) for k, s in enumerate(sources)
             for every in (4, 9)]
    pairs.append((_edited("".join(sources[:3]), 7, every=5), "".join(sources[1:4])))
    levels = (10, 6, 20)
    n_regions = set()
    for a, b in pairs:
        together = local_align_levels(a, b, levels)
        for level, al in zip(levels, together):
            assert al == local_align(a, b, min_score=level)
            n_regions.add((level, len(al.regions)))
    # The levels did differ somewhere, so the equality above tested the filtering.
    assert len({n for _, n in n_regions}) > 1


def test_reuse_tables_at_several_block_sizes_equal_separate_calls(texts):
    from analysis.text.reuse import find_reuse_levels

    sources = [t for t in texts["jiangxi-2023"] if len(t) >= 60][:8]
    clauses = pd.DataFrame({
        "doc_id": ["p"] * len(sources) + ["q"] * len(sources),
        "clause_id": [f"p-{k}" for k in range(len(sources))]
                     + [f"q-{k}" for k in range(len(sources))],
        "content": sources + [_edited(s, k, every=4) for k, s in enumerate(sources)]})
    n = len(sources)
    every = np.array([(i, j) for i in range(n) for j in range(n, 2 * n)])
    levels = ((10, MIN_MATCHED), (6, 20), (20, 20))
    together = find_reuse_levels(clauses, levels, candidates=every)
    for (block, matched), table in zip(levels, together):
        alone = find_reuse(clauses, min_block=block, min_matched=matched, candidates=every)
        pd.testing.assert_frame_equal(table, alone)
    assert len(together[1]) > len(together[2])  # the block sizes keep different pairs
    unmarked = find_reuse_levels(clauses, levels, candidates=every, marked=(False,) * 3)
    assert (unmarked[0]["aligned_text"] == "").all()
    pd.testing.assert_frame_equal(unmarked[0].drop(columns="aligned_text"),
                                  together[0].drop(columns="aligned_text"))


def test_pair_alignment_is_the_same_in_parallel_and_from_the_cache(texts, tmp_path,
                                                                   monkeypatch):
    import analysis.text.pair_alignment as pa
    from analysis.text.alignment import local_align_levels

    sources = [t for t in texts["jiangxi-2023"] if len(t) >= 60][:6]
    pool = sources + [_edited(s, k, every=5) for k, s in enumerate(sources)]
    n = len(sources)
    candidates = np.array([(i, n + j) for i in range(n) for j in range(n)] + [(0, n)])
    scores = (10, 6, 20)
    monkeypatch.setattr(pa, "BATCH", 7)  # several batches for two workers
    serial = pa.align_pairs(pool, candidates, scores)
    assert serial == [local_align_levels(pool[i], pool[j], scores) for i, j in candidates]
    parallel = pa.align_pairs(pool, candidates, scores, jobs=2, cache_dir=tmp_path)
    assert parallel == serial

    def must_not_run(task):
        raise AssertionError("a cached pair was aligned again")

    monkeypatch.setattr(pa, "_align_batch", must_not_run)
    assert pa.align_pairs(pool, candidates, scores, cache_dir=tmp_path) == serial
    # Only the pairs of the last run are kept: a run on fewer pairs shrinks the file.
    monkeypatch.undo()
    pa.align_pairs(pool, candidates[:3], scores, cache_dir=tmp_path)
    (stored,) = (tmp_path / pa.FOLDER).glob("*.pkl")
    assert len(pa._load(stored)) == 3


def test_reuse_shares_beyond_the_all_pairs_size_lists_the_pairs_that_share_text(monkeypatch):
    """Above ALL_PAIRS_MAX_PLANS plans only pairs with aligned text are listed, with the
    values the all-pairs table gives them."""
    from analysis.text import reuse

    clauses, *_ = _toy()
    found = find_reuse(clauses, candidates=np.array([(0, 1), (0, 2), (1, 2)]))
    every = reuse.reuse_shares(clauses, found)
    monkeypatch.setattr(reuse, "ALL_PAIRS_MAX_PLANS", 1)
    sharing = reuse.reuse_shares(clauses, found)
    pairs = set(zip(found["doc_a"], found["doc_b"]))
    assert pairs and set(zip(sharing["doc_a"], sharing["doc_b"])) == pairs
    expected = every[[p in pairs for p in zip(every["doc_a"], every["doc_b"])]]
    pd.testing.assert_frame_equal(sharing.reset_index(drop=True),
                                  expected.reset_index(drop=True))


def _biopython_gate(monkeypatch):
    import analysis.text.alignment as alignment

    monkeypatch.setattr(alignment, "_parasail", lambda: None)


@pytest.mark.parametrize("alphabet", [2, 4, 30, 1000])
def test_the_parasail_gate_scores_as_biopython_does(alphabet):
    """The gate's recoded score is Biopython's exactly (the shared-character codes), or never
    below it (codes shared in turn when more than GATE_SYMBOLS characters are shared): small
    alphabets give many ties and adjacent gaps."""
    import analysis.text.alignment as alignment

    rng = np.random.default_rng(alphabet)
    chars = np.array([chr(0x4E00 + k) for k in range(alphabet)])
    exact = bound = 0
    longest = 150 if alphabet < 100 else 900
    for _ in range(300 if alphabet < 100 else 100):
        a = "".join(rng.choice(chars, rng.integers(1, longest)))
        b = list(a if rng.random() < 0.5 else "".join(rng.choice(chars, rng.integers(1, longest))))
        for k in np.flatnonzero(rng.random(len(b)) < 0.15):  # substitutions, a cut
            b[k] = rng.choice(chars)
        b = "".join(b[:rng.integers(1, len(b) + 1)])
        codes_a, codes_b, is_exact = alignment._gate_codes(a, b)
        score = alignment._gate_score(codes_a, codes_b)
        if is_exact:
            exact += 1
            assert score == alignment.aligner().score(a, b)
        else:
            bound += 1
            assert score >= alignment.aligner().score(a, b)
    assert exact > 0 and (bound > 0) == (alphabet > alignment.GATE_SYMBOLS)


@pytest.mark.parametrize("chunk", [None, 250])
def test_the_parasail_gate_changes_no_alignment(texts, monkeypatch, chunk):
    """Rounds gated by parasail are those gated by Biopython's own score: real clauses and
    edited copies, unrelated pairs, pieces that share more characters than the gate codes."""
    import analysis.text.alignment as alignment
    from analysis.text.alignment import local_align_levels

    if chunk is not None:
        monkeypatch.setattr(alignment, "CHUNK", chunk)
        monkeypatch.setattr(alignment, "CHUNK_OVERLAP", 100)
    monkeypatch.setattr(alignment, "GATE_CELLS", 0)  # every pair gated, short ones too
    sources = [t for t in texts["jiangxi-2023"] if len(t) >= 60][:10]
    others = [t for t in texts["haimen-2023"] if len(t) >= 60][:5]
    long_a, long_b = "".join(sources), _edited("".join(sources[::-1]), 3, every=6)
    pairs = ([(_edited(s, k, every=every), s) for k, s in enumerate(sources)
              for every in (3, 8)] + [(s, o) for s in sources[:5] for o in others]
             + [(long_a, long_b)])
    assert alignment._gate_codes(long_a, long_b)[2] is (len(set(long_a) & set(long_b)) <= 253)
    levels = (10, 8, 20)
    gated = [local_align_levels(a, b, levels) for a, b in pairs]
    _biopython_gate(monkeypatch)
    assert gated == [local_align_levels(a, b, levels) for a, b in pairs]
    assert sum(len(found[1].regions) == 0 for found in gated) >= 10  # pairs the gate stopped


@pytest.mark.parametrize("alphabet", [2, 3, 6, 40, 400])
def test_alignments_of_the_best_rectangles_are_those_of_the_whole_texts(monkeypatch, alphabet):
    """Biopython aligns only the rectangle that holds every best alignment (parasail's
    tables of the texts and of their reversed prefixes); on random texts over small
    alphabets, where many cells tie for the best score and several alignments tie, and over
    400 characters, where pairs share more characters than the gate has codes (the bounded
    rectangle), every round is the one the whole texts give."""
    import analysis.text.alignment as alignment
    from analysis.text.alignment import local_align_levels

    monkeypatch.setattr(alignment, "GATE_CELLS", 0)
    rng = np.random.default_rng(100 + alphabet)
    chars = np.array([chr(0x4E00 + k) for k in range(alphabet)])
    pairs = []
    shortest, longest = (8, 120) if alphabet < 100 else (700, 1500)
    for _ in range(250 if alphabet < 100 else 60):
        a = "".join(rng.choice(chars, rng.integers(shortest, longest)))
        cut = rng.integers(0, len(a))  # the two parts of a in the other order: two rounds
        b = list(a[cut:] + "".join(rng.choice(chars, 5)) + a[:cut] if rng.random() < 0.6
                 else rng.choice(chars, rng.integers(shortest, longest)))
        for k in np.flatnonzero(rng.random(len(b)) < 0.1):
            b[k] = rng.choice(chars)
        pairs.append((a, "".join(b) + "".join(rng.choice(chars, rng.integers(0, 30)))))
    levels = (10, 8, 20)
    gated = [local_align_levels(a, b, levels) for a, b in pairs]
    assert sum(len(found[1].regions) > 1 for found in gated) > 20  # several rounds
    bounded = sum(not alignment._gate_codes(a, b)[2] for a, b in pairs)
    assert (bounded > 40) == (alphabet > alignment.GATE_SYMBOLS)
    _biopython_gate(monkeypatch)
    assert gated == [local_align_levels(a, b, levels) for a, b in pairs]


def test_a_bounded_gate_whose_false_matches_score_highest_still_finds_the_best_alignment(
        monkeypatch):
    """A pair sharing more characters than the gate has codes, whose shared codes make an
    early stretch of different characters score 30 while the true best passage (15
    identical characters) stands at the end: the rectangle must be bounded by the true best
    score, not by the gate's highest, or the passage falls outside it."""
    import analysis.text.alignment as alignment
    from analysis.text.alignment import local_align_levels

    monkeypatch.setattr(alignment, "GATE_CELLS", 0)
    rng = np.random.default_rng(7)
    char = [chr(0x4E00 + k) for k in range(600)]
    shared = alignment.GATE_SYMBOLS  # characters k and k + GATE_SYMBOLS share a code
    false_a = "".join(char[k] for k in range(30))
    false_b = "".join(char[k + shared] for k in range(30))
    passage = "".join(char[400 + k] for k in range(15))
    a = false_a + "".join(char[k] for k in rng.permutation(300)) + passage
    b = false_b + "".join(char[k] for k in rng.permutation(300)) + passage
    codes_a, codes_b, exact = alignment._gate_codes(a, b)
    assert not exact and alignment._gate_score(codes_a, codes_b) >= 30
    gated = local_align_levels(a, b, (10, 8, 20))
    assert gated[0].regions[0][:2] == (len(a) - 15, len(a))
    _biopython_gate(monkeypatch)
    assert gated == local_align_levels(a, b, (10, 8, 20))


def test_the_best_rectangle_gives_biopythons_whole_alignment_path_gaps_included():
    """One round, compared on the full path (gapped blocks, not only identical runs): the
    alignment of the rectangle, shifted, is Biopython's first alignment of the whole texts,
    on pairs built to tie (duplicated cores, so several best ends) and to carry prefixes and
    suffixes that net 0 (two matches and a mismatch, three matches and a gap)."""
    import analysis.text.alignment as alignment

    rng = np.random.default_rng(11)
    chars = np.array([chr(0x4E00 + k) for k in range(4)])
    engine = alignment.aligner()
    compared = 0
    for _ in range(400):
        core = "".join(rng.choice(chars, rng.integers(10, 30)))
        pad = ["".join(rng.choice(chars, rng.integers(0, 15))) for _ in range(4)]
        zero_net = core[:2] + ("乙" if rng.random() < 0.5 else "")  # a mismatch or a gap
        a = pad[0] + zero_net + core + (core if rng.random() < 0.5 else "") + pad[1]
        b = pad[2] + core[:2] + "甲" + core + pad[3]
        codes_a, codes_b, exact = alignment._gate_codes(a, b)
        best = engine.score(a, b)
        window = alignment._best_window(codes_a, codes_b, best)
        assert window is not None
        start_a, end_a, start_b, end_b = window
        part = engine.align(a[start_a:end_a], b[start_b:end_b])[0]
        shifted = np.array(part.coordinates)
        shifted[0] += start_a
        shifted[1] += start_b
        whole = engine.align(a, b)[0]
        assert part.score == whole.score
        assert np.array_equal(shifted, whole.coordinates)
        compared += (start_a, start_b) != (0, 0)
    assert compared > 300  # most rectangles start inside the texts
