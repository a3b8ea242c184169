"""A removal never takes plan text with it (issue 10): checked on every seed plan and every
development page, by the cleaning log and against the independent gold of the real pages."""
import re

import pytest

from analysis.clean.reference import shipped_reference
from analysis.clean.rules import _SENTENCE_LIKE, CleanContext, clean_text
from analysis.clean.furniture import _FIELD_START, _SPACED_FIELD
from analysis.clean.contents import _comma_outline
from analysis.clean.debris import _LABEL_BEFORE_COLON
from analysis.clean.spam import _STRONG
from analysis.evaluation.devcleaning import cleaning_scores, removals, surviving
from analysis.core.paths import raw_dir
from analysis.evaluation.realpages import real_page_sets
from analysis.corpus.read import read_corpus
from analysis.evaluation.devcorpus import pages

#: Rules that rewrite text in place (a character for a character, or a damaged run for its
#: restoration) rather than delete it.
REWRITING = {"gbk_shift_repair", "pinyin_annotation", "traditional_to_simplified",
             "conversion_slip", "spam_injection", "punctuation"}


def _cleaned(doc_id, text):
    model, repairer, _ = shipped_reference()
    return clean_text(text, CleanContext(doc_id, repairer=repairer, model=model))


def _sets():
    """(split, folder) of every set of real pages (analysis.evaluation.realpages)."""
    return [(split, folder) for _, split, folder in real_page_sets()]


def _documents():
    _, raw_docs, _ = read_corpus(raw_dir())
    docs = [(d.doc_id, d.text) for d in raw_docs]
    for split, folder in _sets():
        table = pages(split, folder)
        docs += list(zip(table["page_id"], table["text"]))
    return docs


@pytest.fixture(scope="module")
def documents():
    """(doc_id, raw text, cleaning result) of every seed plan and every real page, cleaned
    once for the tests of this module."""
    return [(doc_id, text, _cleaned(doc_id, text)) for doc_id, text in _documents()]


def test_no_deletion_takes_a_sentence_of_plan_text(documents):
    for doc_id, text, result in documents:
        flat = "".join(re.findall(r"[\u4e00-\u9fff]", result.text))
        for _, _, rule, position, before, after, note in result.log:
            removed = before.replace(after, "", 1) if after else before
            # a run that ends in a CMS label and its colon (…应急管理局阅读次数:) is a field's
            # value glued to the next label, not a sentence
            if not any(not _LABEL_BEFORE_COLON.search(m.group(0))
                       for m in _SENTENCE_LIKE.finditer(removed)):
                continue
            if rule in REWRITING or note == "cc_footer":
                # 抄送 footer (版记): a distribution list recognised by its label near the end
                # of the document; its commas make it look like a sentence.
                continue
            if rule == "spam_shape":
                # advertising: removed only when built on gambling or porn stems
                assert len(_STRONG.findall(removed)) >= 2, (doc_id, removed)
                continue
            if note == "cms_field" and (_FIELD_START.match(removed) or _SPACED_FIELD.match(removed)
                                        or re.search(r"网址|来源|发布时间", removed)):
                continue  # a labelled CMS field (名称: …), whose value the page shows again
            if note == "toc":
                # a table-of-contents entry: one heading (a full stop at most after it, before
                # its page number), never a sentence; or a whole outline flattened into one line
                # by commas (its numbers rising, no sentence mark)
                assert (removed.count("。") <= 1 and len(removed.strip()) <= 80) \
                    or _comma_outline(removed), (doc_id, removed)
                continue
            if rule == "page_head":
                # above the document's opening; the rule never takes a line with 。；！？
                assert not re.search(r"[。；！？]", removed), (doc_id, removed)
                continue
            if note == "page_chrome" and re.search(r"本站|网站|浏览", removed):
                continue  # a site's accessibility or browser notice
            if note == "site_copy":
                # a page heading or summary: its text must survive in the document's own copy
                stem = re.sub(r"[（(][^（(]{1,24}[)）]\s*$", "", before.strip())
                stem = "".join(re.findall(r"[\u4e00-\u9fff]", stem))
                assert stem[-10:] in flat, (doc_id, before)
                continue
            if note in ("news_wrapper", "doc_site"):
                # a news lead or document-site blurb: sentence-like by its nature, and only
                # recognised in its announcing shape (近日…印发…内容如下 / 由会员分享)
                assert re.search(r"如下|由会员分享|来源|编辑|相关|上传人|第\d+页|核心提示|"
                                 r"\.(?:docx?|pdf)$", before.strip()), (doc_id, before)
                continue
            raise AssertionError((doc_id, rule, note, removed[:80]))


def test_every_removed_chinese_character_is_in_a_named_log_row(documents):
    for doc_id, text, result in documents:
        alive = surviving(text, result.log)
        by = removals(text, result.log)
        for i, ch in enumerate(text):
            if re.match(r"[\u4e00-\u9fff]", ch) and not alive[i]:
                rule, note = by.get(i, ("", ""))
                assert rule and note, (doc_id, i, text[max(0, i - 10):i + 10])


def test_dev_pages_lose_no_plan_text():
    summary, per_page = cleaning_scores("dev")
    assert summary.loc[0, "plan_chars_lost"] == 0, per_page[per_page["plan_chars_lost"] > 0]


@pytest.mark.parametrize("split, folder", _sets()[1:], ids=lambda v: getattr(v, "name", v))
def test_no_page_of_any_set_loses_plan_text(split, folder):
    """Against each annotator's gold. The one loss allowed is a convention the gold files
    disagree on: the disclosure note after a signature ((信息公开形式：主动公开)), publication
    debris to the seeds' gold and document text to two later annotators (test13 b016,
    test17 f004); the rule follows the seeds'."""
    _, per_page = cleaning_scores(split, folder)
    lost = per_page[per_page["plan_chars_lost"] > 0]
    assert all(example.startswith("信息公开形式") for example in lost["lost_example"]), lost
