"""Property-based tests of the cleaning pipeline (hypothesis).

Texts are generated from what plans look like: lines of the seed plans, random mixtures of
Chinese, ASCII and punctuation, and the defects the cleaning stage exists for, injected on
purpose (pinyin annotations, spam where 关于 stood, web furniture lines, GBK damage made with the
forward model of :mod:`analysis.clean.gbk_repair`, HTML, invisible characters, indents, NUL).
Every property is checked on the full pipeline as the build runs it (corpus model and GBK
repairer included). Runs are deterministic (``derandomize=True``); counter-examples found while
writing these tests are kept as explicit ``@example`` cases.
"""
from __future__ import annotations

import re
from functools import lru_cache

from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from analysis.clean.charmodel import is_cjk
from analysis.clean.furniture import _CHROME_WORDS, _HEAD_CHROME_WORDS
from analysis.clean.gbk_repair import ILLEGIBLE, PINYIN_ANNOTATION, is_pua, simulate_shift_damage
from analysis.clean.rules import (CleanContext, clean_text, debris_patterns, fix_conversion_slips,
                                  spam_lexicon, traditional_share, traditional_to_simplified)
from analysis.core.paths import raw_dir
from analysis.corpus.read import read_corpus

from test_cleaning import replay_log

#: Examples per property: enough to matter, few enough that the file runs in about a minute
#: (a text whose '?' or symbols send the GBK repairer searching costs up to half a second, so
#: the property made of GBK damage alone runs 30; test_cleaning.py adds a fixed sample of 40).
N = 200
SETTINGS = {"deadline": None, "derandomize": True, "database": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much]}


# -- the pipeline, built once -----------------------------------------------------------------
@lru_cache(maxsize=1)
def _seed_texts() -> dict[str, str]:
    _, docs, problems = read_corpus(raw_dir())
    assert not problems, problems
    return {d.doc_id: d.text for d in docs}


@lru_cache(maxsize=1)
def _pipeline():
    from analysis.clean.rules import build_reference, make_repairer

    model = build_reference(list(_seed_texts().values()))
    return model, make_repairer(model)


def clean(text: str):
    """The cleaning stage as the build runs it, on one text."""
    model, repairer = _pipeline()
    return clean_text(text, CleanContext("prop", repairer=repairer, model=model))


def cjk(text: str) -> str:
    return "".join(ch for ch in text if is_cjk(ch))


# -- material from the seeds ------------------------------------------------------------------
def _is_intact(line: str) -> bool:
    """A seed line with none of the defects the cleaning stage removes."""
    if any(ch in "?\ufffd" or is_pua(ch) for ch in line) or PINYIN_ANNOTATION.search(line):
        return False
    if any(spam in line for spam, _ in spam_lexicon()):
        return False
    return not any(p.regex.search(line) for p in debris_patterns())


@lru_cache(maxsize=1)
def _lines() -> dict[str, list[str]]:
    """Lines of every seed (long flattened paragraphs cut at sentence ends), by document."""
    out = {}
    for doc_id, text in _seed_texts().items():
        pieces = []
        for line in text.split("\n"):
            pieces.extend(p.strip() for p in re.split(r"(?<=[。；])", line))
        out[doc_id] = [p for p in pieces if 4 <= len(p) <= 80]
    return out


@lru_cache(maxsize=1)
def _intact_lines() -> dict[str, list[str]]:
    return {doc_id: [p for p in lines if _is_intact(p)] for doc_id, lines in _lines().items()}


@lru_cache(maxsize=1)
def _common_cjk() -> list[str]:
    """Chinese characters of the intact seed lines that no rule takes for junk."""
    _, repairer = _pipeline()
    chars = sorted({ch for lines in _intact_lines().values() for line in lines for ch in line
                    if is_cjk(ch)})
    return [ch for ch in chars if not repairer.is_seed(ch, 0)]


# Strategies over seed material are deferred, so that collecting the tests reads nothing.
doc_ids = st.deferred(lambda: st.sampled_from(sorted(_seed_texts())))
common_cjk = st.deferred(lambda: st.sampled_from(_common_cjk()))
FULL_PUNCT = list("，。；：？！、（）“”《》…—")
ASCII_PUNCT = list(",.;:!()-/%<>\"'|[]")


@st.composite
def real_lines(draw, doc_id: str | None = None, intact: bool = True) -> str:
    """Lines of one seed plan (one script per text, as in a real document)."""
    doc = doc_id or draw(doc_ids)
    pool = (_intact_lines() if intact else _lines())[doc]
    return "\n".join(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4)))


def mixture(question_marks: bool = True, seeds: bool = True) -> st.SearchStrategy[str]:
    """Random mixtures of common Chinese, ASCII, digits, punctuation and spaces.

    With ``seeds``, also characters the GBK repairer treats as suspicious (rare characters,
    GBK symbols); with ``question_marks``, ASCII '?'.
    """
    parts = [common_cjk] * 4 + [
        st.sampled_from(FULL_PUNCT), st.sampled_from(ASCII_PUNCT),
        st.sampled_from("0123456789"), st.sampled_from(" \n\u3000"),
        st.sampled_from("abcxyzABCGPS")]
    if question_marks:
        parts.append(st.just("?"))
    if seeds:
        parts.append(st.sampled_from("龘靐䶮⒒ūǖ帯"))
    return st.text(alphabet=st.one_of(*parts), min_size=1, max_size=40)


@st.composite
def documents(draw, question_marks: bool = True, seeds: bool = True) -> str:
    """Plan-like texts: lines of one seed (one script, as a real plan has; the script decision
    of a text half traditional, half simplified flips with any line added), and now and then
    a random mixture line."""
    doc = draw(doc_ids)
    line = st.one_of(real_lines(doc), real_lines(doc), real_lines(doc),
                     mixture(question_marks=question_marks, seeds=seeds))
    return "\n".join(draw(st.lists(line, min_size=1, max_size=3)))


# -- injected defects -------------------------------------------------------------------------
TONED_SYLLABLES = ["fā", "guǎn", "jiàn", "chuàng", "shī", "qū", "lǐ", "zhèng", "ān", "quán",
                   "yìng", "jí", "gōng", "zuò", "xiàn", "shè", "wù", "yè", "jiān", "huà", "lǜ"]
INLINE_TAGS = ["<span>", "</span>", '<span style="font-size:16px">', '<font face="仿宋">',
               "</font>", "<o:p></o:p>", "<b>", "</strong>", '<img src="a.png"/>',
               "<!-- x -->", "<a href='x'>", "</a>"]
BLOCK_TAGS = ["<p>", "</p>", "<br>", "<br/>", "<div class=\"TRS_Editor\">", "</div>",
              '<p style="text-indent:2em">', "</td><td>"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0e", "\x1b", "\x1f", "\x7f"]
INDENTS = ["\u3000\u3000", "\xa0\xa0", "\t", "\u3000", " \u3000"]
FULL_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _insert(draw, text: str, piece: str, where: str = "anywhere") -> str:
    """``text`` with ``piece`` inserted between two characters (or at a line start)."""
    if where == "line_start":
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
    else:
        starts = list(range(len(text) + 1))
    at = draw(st.sampled_from(starts))
    return text[:at] + piece + text[at:]


@st.composite
def with_pinyin(draw):
    base = draw(documents(question_marks=False, seeds=False))
    spots = [i + 1 for i, ch in enumerate(base) if is_cjk(ch)]
    out = base
    for at in sorted(draw(st.sets(st.sampled_from(spots), min_size=1, max_size=3))
                     if spots else [], reverse=True):
        notes = draw(st.lists(st.sampled_from(TONED_SYLLABLES), min_size=1, max_size=2))
        out = out[:at] + "".join(f"({s})" if draw(st.booleans()) else f"（{s}）"
                                 for s in notes) + out[at:]
    return base, out


@st.composite
def with_spam(draw):
    """Seed lines, one with 关于/有关/相关 replaced by a spam string."""
    lines = [(doc, line) for doc, lines in _intact_lines().items() for line in lines
             if any(w in line for w in ("关于", "有关", "相关"))]
    doc, line = draw(st.sampled_from(lines))
    others = draw(st.lists(st.sampled_from(_intact_lines()[doc]), max_size=2))
    where = draw(st.integers(0, len(others)))
    base = "\n".join(others[:where] + [line] + others[where:])
    spots = [m.start() for m in re.finditer("关于|有关|相关", base)]
    at = draw(st.sampled_from(spots))
    spam = draw(st.sampled_from([s for s, _ in spam_lexicon()]))
    return base, at, spam, base[:at] + spam + base[at + 2:]


@st.composite
def furniture_line(draw) -> tuple[str, dict[str, str]]:
    """A line of web furniture (``data/debris_patterns.csv``) and the metadata it carries."""
    y, m, d = draw(st.integers(2015, 2025)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    date = f"{y}-{m:02d}-{d:02d}"
    written = date.translate(FULL_DIGITS) if draw(st.booleans()) else date
    number = draw(st.integers(1, 99))
    word = draw(st.sampled_from(["政务公开", "通知公告", "规划计划", "应急管理"]))
    kind = draw(st.sampled_from(["breadcrumb", "path", "metadata", "pipes", "published",
                                 "attachment", "counter"]))
    line, meta = {
        "breadcrumb": (f"当前位置：首页 >> {word} >> 正文", {}),
        "path": (f">> {word}", {}),
        "metadata": ("信息公开元数据", {}),
        "pipes": (draw(st.sampled_from(["||||", "| | |", "｜｜", "|\u3000"])), {}),
        "published": (f"发布时间:{written} 浏览次数:{number}", {"published_date": date}),
        "attachment": (f"丽应急〔{y}〕{number}号.pdf",
                       {"attachment_doc_number": f"丽应急〔{y}〕{number}号"}),
        "counter": (f"浏览次数：{number}", {}),
    }[kind]
    indent = draw(st.sampled_from(["", "", "\u3000\u3000", "\xa0", "\t", "  "]))
    return indent + line, meta


# -- (a) no exception ------------------------------------------------------------------------
@settings(max_examples=N, **SETTINGS)
@given(text=st.one_of(st.text(st.characters(exclude_categories=()), max_size=60),
                      st.text(st.characters(exclude_categories=()), max_size=60), documents()))
@example(text="")
@example(text="\ud800\x00\ufeff<p>&#0;&#xD800;&#x110000;&;&#;")
@example(text="?\ue000?")
@example(text="\ud800")  # found against the old rules: a lone surrogate cannot be written
def test_any_text_cleans_without_error(text):
    result = clean(text)
    assert isinstance(result.text, str)
    result.text.encode("utf-8")  # writable: no lone surrogates left


# -- (b) idempotence --------------------------------------------------------------------------
INLINE_NOTES = ["（此件公开发布）", "(此件公开发布)", "（信息公开形式：主动公开）"]


@st.composite
def defective_documents(draw):
    """A plan-like text with up to five defects of any kind injected."""
    text = draw(documents())
    kinds = draw(st.lists(st.sampled_from(
        ["pinyin", "furniture", "note", "html", "invisible", "indent", "control", "entity",
         "gbk", "flatten", "spam", "question"]), max_size=5))
    for kind in kinds:
        if kind == "pinyin":
            text = _insert(draw, text, f"({draw(st.sampled_from(TONED_SYLLABLES))})")
        elif kind == "furniture":
            text = _insert(draw, text, draw(furniture_line())[0] + "\n", "line_start")
        elif kind == "note":  # publication notes end a title or a line
            ends = [m.start() for m in re.finditer("\n", text)] + [len(text)]
            at = draw(st.sampled_from(ends))
            text = text[:at] + draw(st.sampled_from(INLINE_NOTES)) + text[at:]
        elif kind == "html":
            text = _insert(draw, text, draw(st.sampled_from(INLINE_TAGS + BLOCK_TAGS)))
        elif kind == "invisible":
            text = _insert(draw, text, draw(st.sampled_from(INVISIBLE)))
        elif kind == "indent":
            text = _insert(draw, text, draw(st.sampled_from(INDENTS)), "line_start")
        elif kind == "control":
            text = _insert(draw, text, draw(st.sampled_from(CONTROLS)))
        elif kind == "entity":
            text = _insert(draw, text, draw(st.sampled_from(
                ["&nbsp;", "&amp;", "&lt;p&gt;", "&#x6025;", "&#24212;", "&amp;nbsp;"])))
        elif kind == "flatten":  # paragraphs run together with spaces (Yongjia)
            breaks = [m.start() for m in re.finditer("\n", text)]
            for at in sorted(draw(st.sets(st.sampled_from(breaks))) if breaks else [],
                             reverse=True):
                text = text[:at] + draw(st.sampled_from([" ", "  ", "\u3000"])) + text[at + 1:]
        elif kind == "spam":
            spam = draw(st.sampled_from([s for s, _ in spam_lexicon()]))
            found = [m.start() for m in re.finditer("关于|有关|相关", text)]
            if found:
                at = draw(st.sampled_from(found))
                text = text[:at] + spam + text[at + 2:]
            else:
                text = _insert(draw, text, spam)
        elif kind == "question":
            at = draw(st.integers(0, len(text)))
            gap = draw(st.integers(0, min(3, len(text) - at)))
            text = text[:at] + "?" + text[at:at + gap] + "?" + text[at + gap:]
        else:
            spans = [m for m in re.finditer(r"[\u4e00-\u9fff]{2,6}", text)]
            if spans:
                m = draw(st.sampled_from(spans))
                text = text[:m.start()] + simulate_shift_damage(m.group(0)) + text[m.end():]
    return text


def punctuation_soup() -> st.SearchStrategy[str]:
    """Short texts dense in brackets and marks, ASCII and full-width, among Chinese."""
    return st.text(alphabet=st.one_of(
        st.sampled_from(list("()（）,，;；:：?？!！<>《》〈〉\"“”|｜ \n\u3000")),
        st.deferred(lambda: st.sampled_from(_common_cjk()[:200])),
        st.sampled_from("0123456789aZ")), max_size=25)


REVIEW_CASES = [  # the cases of the careless/hostile-input review
    "加强应急?管理?工作", "为什么?为什么?", "丽水市?应??急管理局负责", "安))",
    "工作目标(guǎn)(jiàn)：", "|\u3000", "信息公开元数据", "<p>加强&nbsp;管理</p>", "&#x6025;",
    "\u200b一、总体要求", "加强\ufeff管理", "\u3000当前位置：首页\n正文", "加强\x00管理",
    "\xa0发布时间:２０２１-０３-０３ 浏览次数:5\n正文",
]
# Counter-examples found while writing these tests (run against the old rules and the new
# ones), each fixed and kept here or as parametrised cases in test_cleaning.py.
FOUND_CASES = [
    "",                                   # '' -> '\n' -> '' (text_edges on an empty text)
    "工（fā）（fā）作目标:",                # pinyin run: only the first annotation went
    "?工?作目标:",                         # '?' pair among intact text marked □□□
    "当前位置：首页\n政府文件\n正文",       # site label became the first line after removal
    "正文。 发布时间：2021-03-03 浏览次数：5 加强管理",  # debris line made by a paragraph break
    "安" + ")" * 300,                      # one bracket converted per round (now spread)
    "&amp;lt;p&amp;gt;加强&amp;nbsp;管理",  # doubly escaped markup
]


def _with_examples(cases):
    def wrap(test):
        for case in cases:
            test = example(text=case)(test)
        return test
    return wrap


@settings(max_examples=N, **SETTINGS)
@given(text=st.one_of(defective_documents(), defective_documents(), punctuation_soup()))
@_with_examples(REVIEW_CASES + FOUND_CASES)
def test_cleaning_is_idempotent(text):
    once = clean(text)
    twice = clean(once.text)
    assert twice.text == once.text
    assert twice.log == []


# -- (c) the log replays ---------------------------------------------------------------------
@settings(max_examples=N, **SETTINGS)
@given(text=st.one_of(defective_documents(), defective_documents(), punctuation_soup()))
@_with_examples(REVIEW_CASES + FOUND_CASES)
def test_log_replay_reproduces_output(text):
    result = clean(text)
    rows = [(step, pos, before, after) for _, step, _, pos, before, after, _ in result.log]
    assert replay_log(text, rows) == result.text


@settings(max_examples=N, **SETTINGS)
@given(text=st.text(alphabet="abcxyz", max_size=40))
@example(text="aaab")
@example(text="xyxyzz")
def test_fixed_point_rules_log_one_replayable_step(text):
    """Rules run to a fixed point (HTML, debris) log one step whose replay gives the output:
    checked on a rewriting system that needs many rounds (aaab → aab → ab → b)."""
    from analysis.clean.changes import apply_changes
    from analysis.clean.changes import sub as _sub
    from analysis.clean.changes import until_stable as _until_stable

    pattern = re.compile("ab|cc|xy|zz")

    def one_pass(t):
        return _sub(pattern, t, lambda m: {"ab": "b", "cc": "c", "xy": "z", "zz": "w"}[m.group(0)])

    out, changes = _until_stable(text, one_pass)
    assert one_pass(out)[1] == []
    assert apply_changes(text, changes) == out
    assert len({c.position for c in changes}) == len(changes)


# -- (d) intact Chinese is never lost ---------------------------------------------------------
def _expected_cjk(text: str) -> str:
    """The Chinese characters of ``text`` as a clean text must hold them: the same sequence,
    converted to simplified characters (with the reviewed slips) if the text is traditional."""
    ctx = CleanContext("expected")
    converted, _ = traditional_to_simplified(text, ctx)
    converted, _ = fix_conversion_slips(converted, ctx)
    return cjk(converted)


def _interface_only(line: str) -> bool:
    """A line made only of a page's interface words (字号, 大 中 小, 打印, 全文): page chrome,
    which the furniture rule removes by design (tests/test_cleaning.py), not plan text. A random
    mixture draws one now and then (字号 on one draw), and the draws change whenever the seed
    model changes the alphabet."""
    return bool(re.search(r"[\u4e00-\u9fff]", line)) and not _CHROME_WORDS.sub(
        "", _HEAD_CHROME_WORDS.sub("", line)).strip()


@st.composite
def intact_with_noise(draw):
    """Intact seed lines with stray '?' (alone, doubled, or a pair around up to three
    characters: the case that lost plan text), spaces, digits, ASCII punctuation and letters
    inserted between characters; or a random mixture of common characters (no '?', nothing
    the repairer takes for junk)."""
    if draw(st.integers(0, 4)) == 0:
        text = draw(mixture(question_marks=False, seeds=False))
        assume(not any(_interface_only(line) for line in text.split("\n")))
        return text
    text = draw(real_lines())
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        gap = draw(st.integers(0, min(3, len(text) - at)))
        text = text[:at] + "?" + text[at:at + gap] + "?" + text[at + gap:]
    noise = st.one_of(st.sampled_from(["?", "??"]), st.sampled_from(ASCII_PUNCT),
                      st.sampled_from(" 0123456789"), st.sampled_from("aAxX"))
    for piece in draw(st.lists(noise, max_size=3)):
        text = _insert(draw, text, piece)
    return text


def _is_subsequence(needle: str, hay: str) -> bool:
    rest = iter(hay)
    return all(ch in rest for ch in needle)


@settings(max_examples=N, **SETTINGS)
@given(text=intact_with_noise())
@example(text="加强应急?管理?工作")
@example(text="为什么?为什么?")
@example(text="丽水市?应??急管理局负责")
@example(text="什么?是?")
@example(text="?工?作目标:")  # found against the old rules: 工 marked □
# Found against the new rules, each fixed: a letter before a '?' counted as evidence
# (航空專後救援, 等学校后按); letters read as junk by the plausibility model (到任化產); a common
# character taken for a rare one (广專练和开展).
@example(text="依托全省航空a?救援力量")
@example(text="(責任a?單位:人事處、機關黨委等a?按職責分工牽頭落實)")
@example(text="?科技资源、人才资源配置更加优化,应急物资保障更加到?位a。")
@example(text="面向社会公众广A泛?开展知识宣传")
@example(text="组配分类")  # a CMS label alone on its line was removed as a field
def test_intact_chinese_is_never_removed_or_replaced(text):
    """Every Chinese character of intact text survives, in order (converted to simplified
    characters when the text is traditional). Junk the noise makes (?;? is what damaged
    危化處 looks like) may be read as damage and restored; that adds characters between
    them but removes or replaces none."""
    out = cjk(clean(text).text)
    assert _is_subsequence(_expected_cjk(text), out)
    if "?" not in text:
        assert out == _expected_cjk(text)


# -- (e) injected defects are removed, and only they ------------------------------------------
def _clear_script(text: str) -> bool:
    """Whether ``text`` is plainly simplified or traditional. A short text with a traditional
    character or two sits at the 2 % threshold of the conversion rule, and any line added or
    character escaped tips it (found by these tests: 一一一一協 plus a breadcrumb); real plans
    are far from it (jiangxi-2023 39 %, the others 0 %)."""
    share = traditional_share(text)
    return share == 0 or share >= 0.1


def _same_as_without(defective: str, base: str) -> None:
    assume(_clear_script(base))
    assert clean(defective).text == clean(base).text


@settings(max_examples=N, **SETTINGS)
@given(case=with_pinyin())
@example(case=("工作目标:", "工（fā）（fā）作目标:"))  # found against the old rules
def test_pinyin_annotations_removed_and_only_they(case):
    base, defective = case
    _same_as_without(defective, base)


@settings(max_examples=N, **SETTINGS)
@given(case=with_spam())
def test_spam_replaced_by_a_candidate_word_and_only_it(case):
    base, at, spam, defective = case
    assume(_clear_script(base))
    out = clean(defective).text
    assert spam not in out and "betway" not in out
    candidates = dict(spam_lexicon())[spam]
    assert out in {clean(base[:at] + word + base[at + 2:]).text for word in candidates}


@settings(max_examples=N, **SETTINGS)
@given(base=documents(question_marks=False, seeds=False), data=st.data())
def test_furniture_lines_removed_and_only_they(base, data):
    assume(_clear_script(base))
    line, meta = data.draw(furniture_line())
    where = data.draw(st.sampled_from([0] + [m.end() for m in re.finditer("\n", base)]))
    defective = base[:where] + line + "\n" + base[where:]
    result = clean(defective)
    assert result.text == clean(base).text
    for key, value in meta.items():
        assert result.context.metadata.get(key) == value


@settings(max_examples=N, **SETTINGS)
@given(base=documents(question_marks=False, seeds=False), data=st.data())
def test_html_removed_and_only_it(base, data):
    """Characters written as references (some escaped twice), inline tags between any two
    characters and block tags at line starts come out as the text without them. (A first
    version of this test inserted tags inside tags, which is not markup any more.)"""
    import html.entities

    tokens = list(base)
    for i in data.draw(st.sets(st.sampled_from(range(len(base))), max_size=3)):
        ch = base[i]
        if ch == "\n":
            continue
        name = html.entities.codepoint2name.get(ord(ch))
        tokens[i] = data.draw(st.sampled_from(
            [f"&#x{ord(ch):x};", f"&#{ord(ch)};", f"&amp;#{ord(ch)};"]
            + ([f"&{name};"] if name else [])))
    # Tags go between tokens (never inside another tag or reference).
    for tag in data.draw(st.lists(st.sampled_from(INLINE_TAGS), max_size=3)):
        tokens.insert(data.draw(st.integers(0, len(tokens))), tag)
    for tag in data.draw(st.lists(st.sampled_from(BLOCK_TAGS), max_size=2)):
        starts = [0] + [k + 1 for k, t in enumerate(tokens) if t == "\n"]
        tokens.insert(data.draw(st.sampled_from(starts)), tag)
    _same_as_without("".join(tokens), base)


@settings(max_examples=N, **SETTINGS)
@given(base=documents(question_marks=False, seeds=False), data=st.data())
def test_invisible_characters_indents_and_controls_removed_and_only_they(base, data):
    defective = base
    pieces = data.draw(st.lists(st.one_of(
        st.tuples(st.sampled_from(INVISIBLE + CONTROLS), st.just("anywhere")),
        st.tuples(st.sampled_from(INDENTS), st.just("line_start"))), min_size=1, max_size=5))
    for piece, where in pieces:
        defective = _insert(data.draw, defective, piece, where)
    if data.draw(st.booleans()):  # other line separators
        defective = defective.replace("\n", data.draw(st.sampled_from(["\r\n", "\r", "\u2028"])))
    _same_as_without(defective, base)


@st.composite
def with_gbk_damage(draw):
    base = draw(real_lines(draw(doc_ids)))
    spans = [(m.start(), m.end()) for m in re.finditer(r"[\u4e00-\u9fff]+", base)
             if m.end() - m.start() >= 2]
    start, end = draw(st.sampled_from(spans)) if spans else (0, 0)
    n = draw(st.integers(2, 6))
    a = draw(st.integers(start, max(start, end - 2)))
    b = min(end, a + n)
    return base, a, b


@settings(max_examples=30, **SETTINGS)  # each example runs the repair search
@given(case=with_gbk_damage())
def test_gbk_damage_repaired_or_marked_and_only_it(case):
    """The text around a damaged phrase comes out as it would without the damage; the damaged
    phrase is restored, marked with □, or (when nothing but common characters and '?' show)
    left as found. (How often each happens is reported as hypothesis events.)"""
    base, a, b = case
    assume(b - a >= 2 and _clear_script(base))
    try:
        damage = simulate_shift_damage(base[a:b])
    except UnicodeEncodeError:  # a character outside GBK cannot have been damaged this way
        return
    result = clean(base[:a] + damage + base[b:]).text
    out = cjk(result.replace(ILLEGIBLE, "\u4e00"))  # a mark stands for one character
    expected = cjk(clean(base).text)
    n_before, n_after = len(cjk(base[:a])), len(cjk(base[b:]))
    before, after = expected[:n_before], expected[len(expected) - n_after:]
    assert out.startswith(before) and out.endswith(after)
    assert len(out) >= n_before + n_after
    middle = cjk(result)[n_before:len(cjk(result)) - n_after]
    if middle == expected[n_before:len(expected) - n_after]:
        event("restored exactly")
    elif ILLEGIBLE in result:
        event("marked")
    elif middle == cjk(damage):
        event("left as found")
    else:
        event("restored to another reading")


# -- the fast paths of the character model and the seed detection ----------------------------
# (issue 11: both were rewritten for speed; these pin them to their definitions)
@settings(max_examples=N, **SETTINGS)
@given(texts=st.lists(st.text(alphabet="ab应急管理?", max_size=9), max_size=4))
def test_char_model_counts_and_contexts_match_their_definition(texts):
    from collections import Counter

    from analysis.clean.charmodel import CharBigramModel

    model = CharBigramModel(texts, general=False)
    for n in range(1, model.order + 1):
        expected = Counter(t[i:i + n] for t in texts for i in range(len(t) - n + 1))
        assert model.counts[n] == expected
    for n in range(2, model.order + 1):
        # A history's total is the count of every n-gram it starts.
        expected = Counter()
        for gram, k in model.counts[n].items():
            expected[gram[:-1]] += k
        assert dict(model.context[n]) == dict(expected)


@settings(max_examples=N, **SETTINGS)
@given(text=st.text(alphabet="应急管理安全生产?;帯⒒ū\ufffd\ue000abcAB1 、。（）(fā)\n",
                    max_size=60))
def test_detection_seeds_are_the_characters_is_seed_flags(text):
    _, repairer = _pipeline()
    masked = {k for m in PINYIN_ANNOTATION.finditer(text) for k in range(m.start(), m.end())}
    seeds = [i for i in range(len(text)) if i not in masked and repairer.is_seed(text, i)]
    clusters = repairer.detect(text)
    covered = {i for start, end in clusters for i in range(start, end)}
    assert set(seeds) <= covered
    assert all(start in seeds and end - 1 in seeds for start, end in clusters)



def _is_seed_reference(repairer, text: str, i: int) -> bool:
    """ShiftRepairer.is_seed as written before the per-character memo (e01f5f7)."""
    from analysis.clean.gbk_repair import NORMAL_SYMBOLS

    ch = text[i]
    if ch in "?\ufffd" or is_pua(ch):
        return True
    prev = text[i - 1] if i else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if ch.isascii():
        if ch.isalpha():
            return (is_cjk(prev) or is_cjk(nxt)) and not (prev.isascii() and prev.isalnum()) \
                and not (nxt.isascii() and nxt.isalnum())
        return False
    if is_cjk(ch):
        return repairer.corpus_model.unigram(repairer._simp(ch)) < 2e-6
    if ch in NORMAL_SYMBOLS or ch.isspace():
        return False
    try:
        lead = ch.encode("gbk")[0]
    except UnicodeEncodeError:
        return False
    return 0xA1 <= lead <= 0xA9


@settings(max_examples=N, **SETTINGS)
@given(text=st.text(alphabet="应急管理安全生产鑫垚?;帯⒒ū\ufffd\ue000abcAB1 、。（）①★§№∮\n",
                    max_size=40))
def test_is_seed_matches_its_definition_before_the_memo(text):
    _, repairer = _pipeline()
    for i in range(len(text)):
        assert repairer.is_seed(text, i) == _is_seed_reference(repairer, text, i), (text, i)


def test_a_plan_line_above_the_title_is_kept():
    text = ".(責任單位:綜合協調處牽頭落實)\n?江西省應急管理廳\n江西省2023年應急管理工作要點"
    assert _is_subsequence(_expected_cjk(text), cjk(clean(text).text))
