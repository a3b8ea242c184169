"""Tokenisation: user dictionary, stopwords, determinism, cache, own text of clauses."""
from __future__ import annotations

import json

import jieba
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.core.io import read_csv
from analysis.text.tokenise import (clause_own_text, content_text, glossary, lexicon_entries,
                               prepared_clauses, segment, stopwords, strip_attribution,
                               tokenise_clauses, tokenizer)

from conftest import ROOT

PROCESSED = ROOT / "data" / "processed"


@pytest.fixture(scope="module")
def clauses():
    return read_csv(PROCESSED / "clauses.csv")


@pytest.mark.parametrize("term", ["双重预防", "危化品", "安委办", "专委会", "智慧应急", "尾矿库",
                                  "打非治违", "小微企业", "站队合一"])
def test_domain_terms_come_out_whole(term):
    text = f"持续推进{term}工作，确保落实到位。"
    assert term in segment(text)


def test_stopwords_punctuation_and_numbers_are_removed():
    tokens = segment("2023年，加强安全生产专项整治三年行动，一是完成100%覆盖。")
    assert "，" not in tokens and "。" not in tokens
    assert "2023" not in tokens and "100" not in tokens and "一是" not in tokens
    assert "加强" not in tokens  # plan boilerplate
    assert "专项整治" in tokens and "三年行动" in tokens


def test_segment_is_deterministic_and_handles_missing_text():
    text = "推动基层党委政府落实安全生产领导责任和灾害防治主体责任，细化网格员的工作职责。"
    # The domain lexicon keeps 安全生产 and 网格员 whole; 推动, 落实, 工作 are boilerplate.
    assert segment(text) == ["基层", "党委政府", "安全生产", "领导", "责任", "灾害", "防治",
                             "主体", "责任", "细化", "网格员", "职责"]
    assert segment(None) == [] and segment("") == []


def test_tokenizer_is_private_and_leaves_global_jieba_alone():
    ours = tokenizer()
    assert ours is not jieba.dt
    assert "站队合一" in ours.FREQ
    # jieba's global dictionary must not have received the project's words.
    jieba.dt.initialize()
    assert jieba.dt.FREQ.get("站队合一", 0) == 0
    assert "站队合一" not in jieba.lcut("推进站队合一建设")


def test_stopword_list_keeps_policy_nouns():
    words = stopwords()
    assert isinstance(words, frozenset)
    assert {"的", "加强", "进一步"} <= words
    assert not {"机制", "体系", "能力", "隐患", "执法"} & words


def test_lexicon_file_keeps_its_format():
    entries = lexicon_entries()
    assert len(entries) == len({w for w, _, _ in entries}), "duplicate lexicon terms"
    assert all(freq is None or freq > 0 for _, freq, _ in entries)


def test_cache_gives_the_same_result_as_a_fresh_run(tmp_path, clauses):
    sample = clauses.dropna(subset=["text"]).head(40)
    fresh = tokenise_clauses(sample, use_cache=False)
    first = tokenise_clauses(sample, folder=tmp_path)
    assert len(list(tmp_path.glob("tokens_*.json"))) == 1
    cached = tokenise_clauses(sample, folder=tmp_path)
    pd.testing.assert_frame_equal(fresh, first)
    pd.testing.assert_frame_equal(fresh, cached)
    assert list(fresh.columns) == ["doc_id", "clause_id", "tokens"]
    changed = sample.copy()
    changed.iloc[0, changed.columns.get_loc("text")] = "完全不同的条文。"
    tokenise_clauses(changed, folder=tmp_path)
    assert len(list(tmp_path.glob("tokens_*.json"))) == 2  # a new key, not a stale hit


def test_no_cache_setting_reads_and_writes_no_token_table(tmp_path, clauses, monkeypatch):
    """``analysis build --no-cache`` reaches the whole-table token cache as it reaches the
    memos: a stored table is neither read nor written."""
    from analysis.core.memo import NO_CACHE_ENV
    from analysis.text import tokenise

    sample = clauses.dropna(subset=["text"]).head(12)
    tokenise_clauses(sample, folder=tmp_path)
    assert len(list(tmp_path.glob("tokens_*.json"))) == 1
    stored = sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    fresh = tokenise_clauses(sample, use_cache=False)
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    segmented = []
    real = tokenise.segment
    monkeypatch.setattr(tokenise, "segment", lambda t: segmented.append(t) or real(t))
    again = tokenise_clauses(sample, folder=tmp_path)
    pd.testing.assert_frame_equal(fresh, again)
    assert sorted(segmented) == sorted(set(sample["text"]))  # computed, not read
    changed = sample.copy()
    changed.iloc[0, changed.columns.get_loc("text")] = "完全不同的条文。"
    tokenise_clauses(changed, folder=tmp_path)
    # nothing written: no token table, no per-text memo
    assert sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == stored


def test_no_cache_build_reads_the_tables_it_put_together_itself(tmp_path, clauses, monkeypatch):
    """Under --no-cache the build still hands the tokens it has just computed per document to
    the corpus-level stages (seed_token_caches), replacing a table an earlier build left,
    and tokenise_clauses reads them instead of segmenting the corpus again."""
    from analysis.core.memo import NO_CACHE_ENV
    from analysis.pipeline.incremental import seed_token_caches
    from analysis.text import tokenise

    sample = clauses.dropna(subset=["text"]).head(12)
    fresh = tokenise_clauses(sample, use_cache=False)
    tokenise.forget_handed_over()
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    ids, texts = sample["clause_id"].astype(str).tolist(), sample["text"].tolist()
    # an earlier build's table under the same key, with wrong tokens: replaced, not trusted
    key = tokenise.cache_key(ids, texts)
    stale = tmp_path / f"tokens_{key[:20]}.json"
    stale.write_text(json.dumps({"key": key, "tokens": ["x"] * len(ids)}), encoding="utf-8")
    per_doc = {"d": {"tokens": {v: (ids, texts, fresh["tokens"].tolist())
                                for v in ("compact", "content")}}}
    written = seed_token_caches(per_doc, ["d"], tmp_path)
    assert written == [stale, stale]
    segmented = []
    real = tokenise.segment
    monkeypatch.setattr(tokenise, "segment", lambda t: segmented.append(t) or real(t))
    read = tokenise_clauses(sample, folder=tmp_path)
    assert segmented == []
    pd.testing.assert_frame_equal(fresh, read)
    tokenise.forget_handed_over()  # a new build: the table is an earlier result again
    tokenise_clauses(sample, folder=tmp_path)
    assert sorted(segmented) == sorted(set(texts))


def test_a_new_plan_segments_only_its_own_texts(tmp_path, clauses, monkeypatch):
    """Adding a plan misses the whole-table cache; the per-text memo must then segment the
    new texts only, and give the tokens a fresh run gives."""
    from analysis.text import tokenise

    sample = clauses.dropna(subset=["text"])
    first_plan = sample[sample["doc_id"] == sample["doc_id"].iloc[0]].head(30)
    other = sample[sample["doc_id"] != first_plan["doc_id"].iloc[0]].head(12)
    both = pd.concat([first_plan, other], ignore_index=True)
    tokenise_clauses(first_plan, folder=tmp_path)
    segmented = []
    real = tokenise.segment
    monkeypatch.setattr(tokenise, "segment", lambda t: segmented.append(t) or real(t))
    with_new = tokenise_clauses(both, folder=tmp_path)
    assert sorted(segmented) == sorted(set(other["text"]) - set(first_plan["text"]))
    monkeypatch.setattr(tokenise, "segment", real)
    pd.testing.assert_frame_equal(with_new, tokenise_clauses(both, use_cache=False))
    assert len(list(tmp_path.glob("segments_*.pkl"))) == 1


def test_a_damaged_or_foreign_memo_is_only_a_miss(tmp_path, clauses, monkeypatch):
    from analysis.text import tokenise

    sample = clauses.dropna(subset=["text"]).head(15)
    fresh = tokenise_clauses(sample, use_cache=False)
    tokenise_clauses(sample, folder=tmp_path)
    memo = next(tmp_path.glob("segments_*.pkl"))
    for path in tmp_path.glob("tokens_*.json"):
        path.unlink()
    memo.write_bytes(b"not a pickle")
    pd.testing.assert_frame_equal(fresh, tokenise_clauses(sample, folder=tmp_path))
    # A memo written under other settings (here: another segmenter version) is not read.
    for path in tmp_path.glob("tokens_*.json"):
        path.unlink()
    monkeypatch.setattr(tokenise, "SEGMENTER_VERSION", "other")
    segmented = []
    real = tokenise.segment
    monkeypatch.setattr(tokenise, "segment", lambda t: segmented.append(t) or real(t))
    tokenise_clauses(sample, folder=tmp_path)
    assert len(segmented) == sample["text"].nunique()


def test_the_memo_drops_texts_no_longer_asked_for(tmp_path, monkeypatch):
    import pickle

    from analysis.text import tokenise

    monkeypatch.setattr(tokenise, "MEMO_KEEP_UPDATES", 2)
    frame = lambda texts: pd.DataFrame({"doc_id": "d", "clause_id": [f"c{i}" for i in
                                                                     range(len(texts))],
                                        "text": texts})
    tokenise_clauses(frame(["加强安全生产。", "完善应急预案。"]), folder=tmp_path)
    tokenise_clauses(frame(["推进隐患排查。"]), folder=tmp_path)
    memo = pickle.loads(next(tmp_path.glob("segments_*.pkl")).read_bytes())
    assert len(memo["entries"]) == 3
    tokenise_clauses(frame(["开展应急演练。"]), folder=tmp_path)
    memo = pickle.loads(next(tmp_path.glob("segments_*.pkl")).read_bytes())
    kept = {tokens for tokens, _ in memo["entries"].values()}
    assert kept == {" ".join(segment("推进隐患排查。")), " ".join(segment("开展应急演练。"))}


def test_own_text_removes_inline_points_once(clauses):
    own = clause_own_text(clauses)
    by_id = dict(zip(clauses["clause_id"], own))
    assert by_id["yichun-2023/2/5"] == "（五）强化专项整治。"
    assert by_id["yichun-2023/2/5/1"].startswith("一是全面评估")
    # Every character of the body is counted once: own texts sum to the union of spans.
    for doc_id, part in clauses.groupby("doc_id"):
        covered = set()
        for s, e, inferred in zip(part["char_start"], part["char_end"], part["inferred"]):
            if not inferred:
                covered.update(range(s, e))
        own_len = sum(len(t) for t, inferred in zip(own[part.index], part["inferred"])
                      if not inferred)
        assert len(covered) - own_len <= len(part)  # at most trailing whitespace is dropped


def test_content_text_drops_number_and_attribution():
    text = ("（二十七）突出大班次、大采深等高风险煤矿安全监管。（责任单位：危化处、花爆处、煤监处等按职责"
            "分工牵头落实）")
    assert content_text(text) == "突出大班次、大采深等高风险煤矿安全监管。"
    assert strip_attribution("压实责任（责任科室：综合科、执法支队）") == "压实责任"


def test_prepared_clauses_weights_are_content_lengths(clauses):
    prepared = prepared_clauses(clauses)
    assert not prepared["inferred"].any()
    row = prepared.set_index("clause_id").loc["jiangxi-2023/2/17"]
    assert "责任单位" not in row["content"] and row["n_chars"] == len(row["content"])


def test_every_term_the_figure_shows_has_a_gloss():
    terms = read_csv(PROCESSED / "distinctive_terms.csv")
    # the figure draws the two ranked variants; place names are listed apart, not drawn
    shown = terms[(terms["unit_type"] == "document") & (terms["rank_z"] <= 10)
                  & terms["variant"].isin(["all text", "reuse counted once"])]
    missing = sorted(set(shown.loc[shown["english"].isna(), "term"]))
    assert not missing, f"add English glosses to glossary.csv for {missing}"
    assert all(isinstance(v, str) and v for v in glossary().values())


# -- FastSegmenter: jieba's tokens, faster ------------------------------------------------------
@pytest.fixture(scope="module")
def real_texts(clauses):
    """Every text the build segments, for every clause of the seeds and of the development
    pages: clause text, own text, content and content without spaces."""
    from analysis.clean.reference import shipped_reference
    from analysis.clean.rules import CleanContext, clean_text
    from analysis.structure.clauses import clause_table

    tables = [clauses]
    model, repairer, _ = shipped_reference()
    for page in sorted((ROOT / "tests" / "corpus" / "pages").glob("p*.txt")):
        ctx = CleanContext(page.stem, repairer=repairer, model=model)
        table, _ = clause_table(page.stem, clean_text(page.read_text(encoding="utf-8"), ctx).text)
        if not table.empty:
            tables.append(table)
    texts = []
    for table in tables:
        prepared = prepared_clauses(table)
        texts += list(table["text"].dropna()) + list(prepared["own_text"])
        texts += list(prepared["content"]) + list(prepared["content"].str.replace(r"\s+", "",
                                                                                  regex=True))
    return sorted({t for t in texts if isinstance(t, str) and t})


def test_fast_segmenter_gives_jiebas_tokens_on_every_real_clause(real_texts):
    from analysis.text.tokenise import FastSegmenter, is_content_token, plain_tokenizer

    assert len(real_texts) > 1000
    for lexicon, reference in ((True, tokenizer()), (False, plain_tokenizer())):
        fast = FastSegmenter(lexicon=lexicon)
        assert fast.total == reference.total  # same frequency total as jieba's
        differing = [t for t in real_texts if fast.cut(t) != reference.lcut(t, HMM=True)]
        assert not differing, differing[:3]
        assert fast.fallbacks == 0  # jieba's own code was not needed
    filtered = [t for t in real_texts
                if fast.content(t) != [w for w in reference.cut(t) if is_content_token(w)]]
    assert not filtered, filtered[:3]


def test_segment_takes_the_fast_path_and_memo_changes_nothing(real_texts):
    from analysis.text.tokenise import FastSegmenter, fast_segmenter

    assert fast_segmenter() is not None  # rjieba installed: segment() uses it
    sample = real_texts[::7]
    no_memo = FastSegmenter(memo_size=0)
    repeated = sample + sample[::-1]
    assert [segment(t) for t in repeated] == [no_memo.content(t) for t in repeated]
    assert [fast_segmenter().cut(t) for t in repeated] == [no_memo.cut(t) for t in repeated]


def test_blocks_with_latin_dictionary_words_fall_back_to_jieba(monkeypatch):
    """A Latin-letter dictionary word makes jieba-rs's route ambiguous (one step or single
    letters?); jieba itself must then segment the block, with the same words added."""
    from analysis.text.tokenise import FastSegmenter, _new_tokenizer

    fast = FastSegmenter(lexicon=False, memo_size=0)
    reference = _new_tokenizer(user_dictionary=False)
    for tk_add in (fast._engine.add_word, reference.add_word):
        tk_add("abc", 200000, None)
    monkeypatch.setattr(fast, "_reference", lambda: reference)
    texts = ["推进abc平台建设", "2023年完成abc2期工程。", "C++语言和A股市场20家企业"]
    for text in texts:
        assert fast.cut(text) == reference.lcut(text, HMM=True)
    assert fast.fallbacks == 2


def test_jieba_patterns_copied_in_tokenise_are_jiebas():
    import jieba.finalseg

    from analysis.text import tokenise

    for ours, theirs in ((tokenise.JIEBA_BLOCK, jieba.re_han_default),
                         (tokenise.JIEBA_SKIP, jieba.re_skip_default),
                         (tokenise.JIEBA_HMM_HAN, jieba.finalseg.re_han),
                         (tokenise.JIEBA_HMM_SKIP, jieba.finalseg.re_skip)):
        assert (ours.pattern, ours.flags) == (theirs.pattern, theirs.flags)


def test_hmm_step_equals_jiebas_on_real_character_runs(real_texts):
    """The HMM step on runs cut from real text, including runs that are words or contain
    words and runs with digits and Latin letters."""
    import jieba.finalseg

    from analysis.text.tokenise import FastSegmenter

    fast = FastSegmenter(memo_size=0)
    runs = set()
    for text in real_texts[::3]:
        for length in (2, 3, 4, 6, 9):
            runs.update(text[i:i + length] for i in range(0, max(0, len(text) - length), 5))
    runs = sorted(r for r in runs if "\n" not in r)
    assert len(runs) > 5000
    for run in runs:
        out: list[str] = []
        fast._hmm(run, out)
        assert out == list(jieba.finalseg.cut(run)), run
    assert fast.fallbacks == 0


def test_near_tie_in_the_hmm_is_broken_as_jieba_breaks_it():
    """常在较: jieba's HMM gives S-S-S, 1.5e-7 ahead of B-E-S; jieba-rs's HMM, whose constants
    differ in the last digits, gave 常在/较 (found on fresh synthetic text)."""
    from analysis.text.tokenise import FastSegmenter, tokenizer

    fast = FastSegmenter(memo_size=0)
    for text in ("常在较", "推进，常在较道路交通，工作"):
        assert fast.cut(text) == tokenizer().lcut(text, HMM=True)
    assert fast.cut("常在较") == ["常", "在", "较"]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(run=st.text(alphabet="常在较应急管理安全生产危化烟花爆竹的了和是不花园云鑫垚", min_size=1,
                   max_size=14))
def test_viterbi_words_equal_jiebas_hmm_on_random_runs(run):
    import jieba.finalseg

    from analysis.text.tokenise import _viterbi_words

    assert _viterbi_words(run) == list(jieba.finalseg.cut(run))


def test_parallel_benchmark_engine_gives_the_serial_tokens(real_texts):
    """The two-worker engine of the segmentation benchmark: same tokens, same order."""
    from analysis.text.tokenise import fast_segmenter
    from analysis.text.tokenise_bench import cut_in_parallel

    texts = real_texts[::4]
    n_tokens, joined = cut_in_parallel(texts, 2)
    serial = [fast_segmenter().cut(t) for t in texts]
    assert joined == [" ".join(t) for t in serial]
    assert n_tokens == sum(map(len, serial))
    from analysis.text.tokenise import plain_tokenizer

    n_plain, joined_plain = cut_in_parallel(texts[:60], 2, "plain")
    plain = [plain_tokenizer().lcut(t, HMM=True) for t in texts[:60]]
    assert joined_plain == [" ".join(t) for t in plain] and n_plain == sum(map(len, plain))
