"""Clean stage: one ordered pipeline of named rules, each logging every change it makes.

Rules run in the order of :data:`RULES`. Each takes the text as left by the previous rule and
returns the new text plus a list of :class:`Change` records (position in *its own input*, text
before, text after, note), which :func:`clean_document` turns into rows of
``data/processed/cleaning_log.csv``. Rules are general: they key on the shape of a defect
(pinyin syllables in parentheses after a character, byte-shifted GBK, brand names from a data
file, debris patterns from a data file), never on strings of a particular seed.

The pipeline is idempotent: cleaning a clean text changes nothing (tested).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.clean.changes import (Change, CleanContext, Rule, apply_changes,
                                    sub as _sub)
from analysis.clean.charmodel import CJK_CHAR, CharBigramModel, is_cjk, reference_model
from analysis.clean.gbk_repair import ILLEGIBLE, PINYIN_ANNOTATION, ShiftRepairer, is_pua
from analysis.clean.debris import (_SENTENCE_LIKE, TAIL_CHARS, ascii_digits,  # noqa: F401
                                   debris_patterns, remove_debris)
from analysis.clean.furniture import remove_furniture
from analysis.clean.page_head import remove_page_head
from analysis.clean.title_spaces import TitleSpaces
from analysis.clean.spam import remove_spam_shapes
from analysis.clean.normalise import remove_html, remove_indent, remove_invisible
from analysis.core.paths import PACKAGE_DATA


# -- 1. byte-shifted GBK ----------------------------------------------------------------------
#: Log-likelihood gain a repair needs when a cluster holds no '?' and no hard evidence (only a
#: rare character or a GBK symbol).
SOFT_MIN_GAIN = 20.0
#: Gain a reading needs over the text as found, under the general lexicon model
#: (:meth:`ShiftRepairer.plausibility_gain`), before any character is replaced or marked. With
#: evidence in the span itself (a symbol, a folded mark, U+FFFD) the reading only has to read
#: better than the span; with nothing but '?' among common characters the model is the only
#: judge, and it must be clear: e^10 times likelier. On seed lines with stray '?' inserted the
#: best readings score at most about -3; damage made with the forward model mostly 5-30.
MIN_PLAUSIBILITY_GAIN = {"hard": 0.0, "shift": 0.0, "soft": 0.0, "question": 10.0}
#: The gain a *confident* '?'-only reading needs (the search's posterior at least
#: :data:`CONFIDENT_POSTERIOR`). On 300 synthetic dev spans (seed 0) every confident '?'
#: reading with a gain of 5 to 10 was right (9 of 9); below 5 they were mixed. Still well above
#: the -3 of stray '?' in seed lines. The posterior is 1.0 whenever the search keeps a single
#: form, so it says more about the bytes than about the reading: the bar is lowered for '?'
#: clusters only (a review found the shift case, 2 of 2 right at -5 to 0, too thin a basis).
CONFIDENT_POSTERIOR = 0.9
CONFIDENT_MIN_GAIN = {"hard": 0.0, "shift": 0.0, "soft": 0.0, "question": 5.0}


def repair_gbk_shift(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Repair spans of GBK decoded one byte out of step (see :mod:`analysis.clean.gbk_repair`).

    A span is damage only if its characters are implausible as text *and* the damage model
    explains them: a reading must reproduce the span exactly (the search) and read better than
    the span as found under the general lexicon model, which has never seen the damaged texts.
    Seed clusters are weighed by their evidence (:meth:`ShiftRepairer.evidence`):

    * ``question`` ('?' among common characters): changed only if the reading is clearly
      better (:data:`MIN_PLAUSIBILITY_GAIN`), so 加强应急?管理?工作 and 为什么?为什么? keep
      every character and the '?' stays punctuation;
    * ``shift`` (a '?' with a symbol, a rare character or a folded full-width mark, ?;帯⒒ū?):
      restored, or marked with □ when several readings fit; when no reading is accepted, its
      runs of junk (:meth:`ShiftRepairer.is_junk`) are marked, so no symbol or
      rare character of a damaged span reaches the clean text;
    * ``soft`` (no '?'): restored only, never marked, and with a larger search gain;
    * ``hard`` (U+FFFD, private-use characters): restored as above, otherwise the runs of junk
      are marked with □ and common characters between them kept;
    * no evidence ('?' runs alone, ASCII letters): left alone without a search.
    """
    if ctx.repairer is None:
        return text, []
    repairer = ctx.repairer
    clusters = repairer.detect(text)
    if not clusters:
        return text, []
    weighed = [(start, end, repairer.evidence(text, start, end)) for start, end in clusters]
    if not any(kind for _, _, kind in weighed):
        return text, []
    repairer.set_document(text)
    changes = []
    last_end = 0
    for start, end, kind in weighed:
        if kind in ("shift", "question"):
            start += text[start:end].index("?")  # damage starts at the lost lead byte
        if start < last_end or not kind:
            continue
        rep = repairer.repair_cluster(text, start, end)
        if rep is not None:
            needed = (CONFIDENT_MIN_GAIN if rep.posterior >= CONFIDENT_POSTERIOR
                      else MIN_PLAUSIBILITY_GAIN)[kind]
            if rep.start < last_end or repairer.plausibility_gain(text, rep) < needed:
                rep = None
        if kind == "soft" and rep is not None and (rep.status != "restored"
                                                   or rep.margin < SOFT_MIN_GAIN):
            rep = None
        if rep is None:
            if kind not in ("hard", "shift"):
                continue  # the text is most likely fine as it is
            reps = repairer.junk_runs(text, start, end)
        else:
            reps = [rep]
        for rep in reps:
            ctx.garbled.append(rep)
            note = (f"{rep.status}; posterior {rep.posterior:.3f}; best guess "
                    f"{rep.best_guess or '-'}; {rep.n_candidates} candidate form(s)")
            changes.append(Change(rep.start, rep.observed, rep.replacement, note))
            last_end = rep.end
    return apply_changes(text, changes), changes


# -- 2. pinyin annotations --------------------------------------------------------------------
_INITIALS = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
_FINALS = ("(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|üan|van|ai|ei|ao|ou|an|en|er|"
           "ia|ie|iu|in|ua|uo|ui|un|ün|üe|ve|ue|a|o|e|i|u|ü|v|ng|n|m)")
_SYLLABLE = re.compile(f"^{_INITIALS}{_FINALS}$")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_TONE_BASE = dict(zip(_TONED, "aaaaeeeeiiiioooouuuuüüüünnnm"))
# Parenthesised runs of Latin letters glued to a character, one after another: 目标(guǎn)(jiàn).
# A blank may stand inside the parentheses: 社会(huì ) as some converters write it.
_ANNOTATION = rf"[(（] ?[a-zü{_TONED}]{{1,7}} ?[)）]"
_PINYIN_AFTER_CHAR = re.compile(rf"(?<=[\u3400-\u9fff□])(?:{_ANNOTATION})+")
_ONE_ANNOTATION = re.compile(rf"[(（] ?([a-zü{_TONED}]{{1,7}}) ?[)）]")


def is_pinyin_syllable(token: str) -> bool:
    """Whether ``token`` is one tone-marked pinyin syllable (e.g. ``fā``, ``chuàng``)."""
    if not any(ch in _TONED for ch in token):
        return False
    plain = "".join(_TONE_BASE.get(ch, ch) for ch in token)
    return bool(_SYLLABLE.match(plain))


def remove_pinyin(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Remove pinyin glued after characters by conversion sites: 發(fā) → 發.

    Only a parenthesised single tone-marked pinyin syllable directly after a Chinese
    character is removed, so parentheses with other content (numbers, Chinese, Latin words,
    toneless letters) are untouched. Annotations that follow one another (目标(guǎn)(jiàn))
    are removed up to the first that is not pinyin: removing only the first would glue the
    next to the character, and a second cleaning would remove that one too.
    """
    changes = []
    for run in _PINYIN_AFTER_CHAR.finditer(text):
        for m in _ONE_ANNOTATION.finditer(run.group(0)):
            if not is_pinyin_syllable(m.group(1)):
                break
            changes.append(Change(run.start() + m.start(), m.group(0), "", "pinyin annotation"))
    return apply_changes(text, changes), changes


# -- 3. traditional to simplified -------------------------------------------------------------
@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """OpenCC traditional-to-simplified conversion."""
    return _t2s().convert(text)


def traditional_share(text: str) -> float:
    """Share of Chinese characters that OpenCC would change (a script indicator)."""
    sample = "".join(CJK_CHAR.findall(text, 0, 20000))
    if not sample:
        return 0.0
    converted = to_simplified(sample)
    if len(converted) != len(sample):
        return 1.0
    before = np.frombuffer(sample.encode("utf-32-le"), dtype=np.uint32)
    after = np.frombuffer(converted.encode("utf-32-le"), dtype=np.uint32)
    return int(np.count_nonzero(before != after)) / len(sample)


def _char_diff(before: str, after: str) -> list[Change]:
    """Changes between two equal-length strings, one per run of changed characters."""
    a = np.frombuffer(before.encode("utf-32-le"), dtype=np.uint32)
    b = np.frombuffer(after.encode("utf-32-le"), dtype=np.uint32)
    diff = np.flatnonzero(a != b)
    changes = []
    if diff.size == 0:
        return changes
    breaks = np.flatnonzero(np.diff(diff) > 1)
    starts = np.concatenate(([diff[0]], diff[breaks + 1]))
    ends = np.concatenate((diff[breaks], [diff[-1]])) + 1
    for s, e in zip(starts.tolist(), ends.tolist()):
        changes.append(Change(s, before[s:e], after[s:e], "OpenCC t2s"))
    return changes


def traditional_to_simplified(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Convert a traditional-character document to simplified characters (OpenCC ``t2s``).

    Documents already in simplified characters (under 2% of characters convertible) are left
    alone, so OpenCC's rare mappings cannot alter them.
    """
    if traditional_share(text) < 0.02:
        ctx.script = "simplified"
        return text, []
    ctx.script = "traditional"
    changes: list[Change] = []
    out_lines = []
    pos = 0
    for line in text.split("\n"):
        converted = to_simplified(line)
        if len(converted) == len(line):
            changes.extend(Change(c.position + pos, c.before, c.after, c.note)
                           for c in _char_diff(line, converted))
        elif converted != line:
            changes.append(Change(pos, line, converted, "OpenCC t2s (length changed)"))
        out_lines.append(converted)
        pos += len(line) + 1
    return "\n".join(out_lines), changes


#: Characters that form a word with a following 著 in which 著 stays 著 (显著, 土著, 名著 …).
ZHU_WORD_STARTS = "显土名编论巨卓原专合遗新拙大昭彰"


@lru_cache(maxsize=1)
def conversion_slips() -> list[tuple[str, str]]:
    """Reviewed OpenCC conversion slips (``data/conversion_slips.csv``)."""
    with open(PACKAGE_DATA / "conversion_slips.csv", encoding="utf-8") as handle:
        return [(r["wrong"], r["right"]) for r in csv.DictReader(handle)]


def fix_conversion_slips(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Fix known conversion slips such as 著力 → 着力 (only in converted documents)."""
    if ctx.script != "traditional":
        return text, []
    slips = dict(conversion_slips())
    # 著 ends words too (显著, 土著, 名著, 编著 …): 显著手段 must not become 显着手段.
    pattern = re.compile(f"(?<![{ZHU_WORD_STARTS}])(?:"
                         + "|".join(re.escape(w) for w in sorted(slips, key=len, reverse=True))
                         + ")")
    return _sub(pattern, text, lambda m: slips[m.group(0)], "reviewed conversion slip")


# -- 4. injected spam -------------------------------------------------------------------------
@lru_cache(maxsize=1)
def spam_lexicon() -> list[tuple[str, list[str]]]:
    """Injected brand strings and the words they replaced (``data/spam_lexicon.csv``)."""
    with open(PACKAGE_DATA / "spam_lexicon.csv", encoding="utf-8") as handle:
        rows = [(r["spam"], r["candidates"].split("|")) for r in csv.DictReader(handle)]
    return sorted(rows, key=lambda r: -len(r[0]))


def restore_spam(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Replace injected spam by the most probable original word given its context.

    Each candidate (e.g. 关于, 有关, 相关) is scored by the corpus character model on three
    characters of context on each side; ties go to the first candidate in the lexicon.
    """
    lexicon = spam_lexicon()
    if not any(spam in text for spam, _ in lexicon):
        return text, []
    pattern = re.compile("|".join(re.escape(s) for s, _ in lexicon))
    candidates = dict(lexicon)

    def choose(m: re.Match) -> str:
        options = candidates[m.group(0)]
        if ctx.model is None:
            return options[0]
        left = text[max(0, m.start() - 3):m.start()]
        right = text[m.end():m.end() + 3]
        scores = [ctx.model.score(opt + right, prev=left) for opt in options]
        best = max(range(len(options)), key=lambda k: (scores[k], -k))
        return options[best]

    return _sub(pattern, text, choose, "injected spam restored from context")


# -- 6. punctuation ---------------------------------------------------------------------------
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_FULL_PUNCT = set("，。；：？！（）、“”‘’《》〈〉【】—…")
# <区>, <下同> and nested titles 《…<江西省…办法>…》: ASCII angle brackets around Chinese text
# (not comparisons such as <35, which start with a digit).
_ANGLE_PAIR = re.compile(r"<([\u3400-\u9fff][^<>\n，。；]{0,39})>")


def _chinese_side(ch: str) -> bool:
    return bool(ch) and (is_cjk(ch) or ch in _FULL_PUNCT or ch == ILLEGIBLE)


def normalise_punctuation(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Full-width punctuation in Chinese text.

    ASCII , ; : ? ! next to a Chinese character become ，；：？！; parentheses are converted as
    pairs, when either bracket touches Chinese text or the content holds Chinese; <…> around a
    few Chinese characters becomes 〈…〉. Digits, decimal points, times (22:46), comparisons
    (<35) and Latin text keep their ASCII form, so numbers stay exactly as written.

    A converted mark is Chinese text for its neighbours (安)) → 安）) → 安））), so the
    conversion is repeated until nothing changes, and within each round a conversion spreads
    at once along the marks next to it that depend only on their neighbours (so a run such as
    安)))) takes one round, not one per mark). Every change replaces one character by one, so
    the log is the character difference between input and output.
    """
    chars = list(text)
    changed = False
    while True:
        step, free = _punctuation_pass("".join(chars) if changed else text)
        if not step:
            break
        changed = True
        for ch in step:
            chars[ch.position] = ch.after
        _spread(chars, [ch.position for ch in step], free)
    if not changed:
        return text, []
    return "".join(chars), [Change(i, a, b, "full-width punctuation")
                            for i, (a, b) in enumerate(zip(text, chars)) if a != b]


def _spread(chars: list[str], converted: list[int], free: set[int]) -> None:
    """Convert, transitively, the ``free`` marks (decided by their neighbours alone) next to
    converted ones; bracket pairs wait for the next round, which sees their new neighbours."""
    todo = list(converted)
    while todo:
        i = todo.pop()
        for k in (i - 1, i + 1):
            if k in free and chars[k] in _HALF_TO_FULL:
                chars[k] = _HALF_TO_FULL[chars[k]]
                todo.append(k)


def _punctuation_pass(text: str) -> tuple[list[Change], set[int]]:
    """One round of conversions, and the positions of the ASCII marks whose conversion depends
    on their neighbours alone (marks not between digits, unmatched brackets)."""
    changes: dict[int, Change] = {}
    free: set[int] = set()
    for m in re.finditer(r"[,;:?!]", text):
        i, ch = m.start(), m.group(0)
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if prev.isdigit() and nxt.isdigit():
            continue  # 1,000 or 22:46
        free.add(i)
        if _chinese_side(prev) or _chinese_side(nxt):
            changes[i] = Change(i, ch, _HALF_TO_FULL[ch], "full-width punctuation")
    stack: list[int] = []
    for m in re.finditer(r"[()\n]", text):
        i = m.start()
        if m.group(0) == "\n":
            stack.clear()  # brackets do not span paragraphs
        elif m.group(0) == "(":
            stack.append(i)
        else:
            j = stack.pop() if stack else None
            if j is None:
                free.add(i)
            inner = text[j + 1:i] if j is not None else ""
            ends = [text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else ""]
            if j is not None:
                ends += [text[j - 1] if j else "", text[j + 1]]
            if any(_chinese_side(c) for c in ends) or any(is_cjk(c) for c in inner):
                changes[i] = Change(i, ")", "）", "full-width punctuation")
                if j is not None:
                    changes[j] = Change(j, "(", "（", "full-width punctuation")
    for j in stack:  # unmatched opening brackets: by their own context
        free.add(j)
        if _chinese_side(text[j - 1] if j else "") or _chinese_side(text[j + 1:j + 2]):
            changes[j] = Change(j, "(", "（", "full-width punctuation")
    for m in _ANGLE_PAIR.finditer(text):
        changes[m.start()] = Change(m.start(), "<", "〈", "full-width punctuation")
        changes[m.end() - 1] = Change(m.end() - 1, ">", "〉", "full-width punctuation")
    return sorted(changes.values(), key=lambda c: c.position), free


# -- 7. whitespace and paragraphs -------------------------------------------------------------
_CHINESE = "\u3400-\u9fff，。；：？！、“”‘’《》（）〈〉【】—…"
# A space run is a lost paragraph break when it stands between two Chinese characters, after
# a sentence-final mark, or before a date line (永嘉县人民政府 2021年12月28日). Spaces around
# numbers and Latin words inside a sentence (至少 1 名, 使用 GPS 定位) and after heading
# numbers (一、 总体要求, 第一章 发展基础) are kept; a space before a clause number (建设 1.健全)
# is a break.
_SPACE_BETWEEN_CHINESE = re.compile(
    # (not inside a word spaced out letter by letter, 目 录 / 徐 莹, nor before a word that
    # continues the line, 防灾减灾救灾 和消防工作要点)
    r"(?<=[\u3400-\u9fff“”》）：，、])(?<![\s][\u3400-\u9fff])(?<!^[\u3400-\u9fff])"
    # (nor after a chapter's number, 第一章 发展基础: the heading's own space)
    r"(?<!第[一二三四五六七八九十百零〇\d][章节篇部])(?<!第[一二三四五六七八九十百零〇\d]{2}[章节篇部])"
    r"(?<!第[一二三四五六七八九十百零〇\d]{3}[章节篇部])"
    # (nor inside a two-character heading spaced out on a flattened page, 附 则21前 言为…)
    r"(?!(?<=[前序引])[ \t\u3000\xa0]+言|(?<=[附总])[ \t\u3000\xa0]+[则件]|(?<=结)[ \t\u3000\xa0]+语"
    r"|(?<=目)[ \t\u3000\xa0]+[录次])"
    # (nor around a site's mask standing alone between spaces, 各县人民政府， (略) 门、各直属
    # 机构; a mask glued to its item, 成员名单(略) 县应急物资…, ends the item)
    # (nor inside a red header flattened onto one line, 新疆维吾尔自治区人民政府办公厅 文件)
    r"(?<![ \t\u3000\xa0]（略）)[ \t\u3000\xa0]+(?!（略）|文件(?:[ \t\u3000\xa0\n]|$))"
    r"(?![\u3400-\u9fff](?:[ \t\u3000\xa0\n]|$))(?![和及与或的之])"
    r"(?=[\u3400-\u9fff“《（])"
    r"|(?<=[。；！？])[ \t\u3000\xa0]+(?=\S)"
    r"|(?<=[\u3400-\u9fff])[ \t\u3000\xa0]+(?=\d{4}年\d{1,2}月\d{1,2}日)"
    # before a clause number that opens a paragraph: 效化建设 1.健全…, 。 （二）…
    r"|(?<=\S)[ \t\u3000\xa0]+(?=(?:\d{1,2}[.．](?!\d)|（[一二三四五六七八九十]+）"
    r"|[一二三四五六七八九十]+、)[\u3400-\u9fff“])")
# The look-behind starts a trailing run where it starts: tried from every position of a run
# inside a line, [ ]+$ rescanned the rest of it (quadratic; 5 s for 50,000 spaces).
_TRAILING = re.compile(r"(?<![ \t\u3000\xa0])[ \t\u3000\xa0]+$|^[ \t\u3000\xa0]+", re.M)
_BLANK_LINES = re.compile(r"\n{2,}")


def trim_text_ends(text: str, ctx: CleanContext) -> tuple[str, list[Change]]:
    """Strip the text and end it with exactly one newline; a text with nothing left becomes
    empty (not a lone newline, which a second cleaning would strip)."""
    changes = []
    head = len(text) - len(text.lstrip())
    if head:
        changes.append(Change(0, text[:head], "", "leading whitespace of the text"))
    body_end = len(text.rstrip())
    if text[body_end:] != "\n" and body_end > head:
        changes.append(Change(body_end, text[body_end:], "\n", "text ends with one newline"))
    return apply_changes(text, changes), changes


RULES: list[Rule] = [
    Rule("invisible_char", "Delete zero-width, format and control characters; line "
         "separators become newlines", remove_invisible),
    Rule("html_markup", "Remove HTML tags (block tags end a line) and decode entities",
         remove_html),
    Rule("line_indent", "Delete indents (U+3000, NBSP, tabs, spaces) at line starts",
         remove_indent),
    Rule("gbk_shift_repair", "Repair GBK text decoded one byte out of step", repair_gbk_shift),
    Rule("pinyin_annotation", "Remove pinyin glued after characters", remove_pinyin),
    Rule("traditional_to_simplified", "OpenCC t2s for traditional documents",
         traditional_to_simplified),
    Rule("conversion_slip", "Fix reviewed conversion slips", fix_conversion_slips),
    Rule("spam_injection", "Restore words replaced by injected spam", restore_spam),
    Rule("spam_shape", "Remove advertising recognised by its shape; restore the displaced "
         "word", remove_spam_shapes),
    Rule("web_debris", "Remove navigation and publication debris", remove_debris),
    Rule("page_furniture", "Remove page furniture and tables of contents recognised by "
         "structure", remove_furniture),
    Rule("punctuation", "Full-width punctuation in Chinese text", normalise_punctuation),
    Rule("paragraph_break", "Spaces between Chinese characters become line breaks",
         lambda t, c: _sub(_SPACE_BETWEEN_CHINESE, t, TitleSpaces(t), "lost paragraph break")),
    # Restored breaks make new lines: a publication line or breadcrumb that was run into a
    # paragraph (正文。 发布时间：…) is debris only now, and a second cleaning would remove it.
    Rule("debris_after_breaks", "Debris lines uncovered by restored paragraph breaks",
         remove_debris),
    Rule("furniture_after_breaks", "Furniture lines uncovered by restored paragraph breaks",
         lambda t, c: remove_furniture(t, c, site_copies=False)),
    Rule("edge_space", "Leading and trailing spaces removed",
         lambda t, c: _sub(_TRAILING, t, lambda m: "", "leading/trailing space")),
    Rule("blank_line", "Blank lines removed (one paragraph per line)",
         lambda t, c: _sub(_BLANK_LINES, t, lambda m: "\n", "blank line")),
    # Last, on one paragraph per line: the site's lines above the document's opening.
    Rule("page_head", "Short lines above the document's opening (title, notice, document "
         "number, addressees)", remove_page_head),
    Rule("text_edges", "Text stripped, ending with one newline", trim_text_ends),
]
RULE_NAMES = [r.name for r in RULES]


@dataclass
class CleanResult:
    """A cleaned document with its change log."""

    doc_id: str
    text: str
    log: list[tuple[str, int, str, int, str, str, str]]  # doc_id, step, rule, pos, before, after, note
    context: CleanContext


def clean_text(text: str, ctx: CleanContext) -> CleanResult:
    """Run every rule in order on ``text``."""
    log = []
    for step, rule in enumerate(RULES, start=1):
        text, changes = rule.func(text, ctx)
        for ch in changes:
            log.append((ctx.doc_id, step, rule.name, ch.position, ch.before, ch.after, ch.note))
    return CleanResult(ctx.doc_id, text, log, ctx)


def reference_texts(texts: list[str], max_chars: int = 5_000_000) -> list[str]:
    """Texts prepared for the repair model: pinyin removed, junk characters dropped,
    simplified; identical texts once; beyond ``max_chars`` an evenly spaced, deterministic
    sample, so that building a model stays linear and bounded."""
    import hashlib

    unique, seen = [], set()
    for text in texts:
        key = hashlib.sha1(text.encode("utf-8")).digest()
        if key not in seen:
            seen.add(key)
            unique.append(text)
    total = sum(len(t) for t in unique)
    if total > max_chars:
        step = total / max_chars
        unique = unique[:: max(1, int(round(step)))]
    cleaned = []
    for text in unique:
        plain = PINYIN_ANNOTATION.sub("", text)
        plain = "".join(ch for ch in plain if not (ch in "?\ufffd" or is_pua(ch)))
        cleaned.append(to_simplified(plain))
    return cleaned


def build_reference(texts: list[str], max_chars: int = 5_000_000) -> CharBigramModel:
    """Character model of the given texts for repairs (each repaired document also
    contributes its own model, see :meth:`analysis.clean.gbk_repair.ShiftRepairer.set_document`).

    The build does not call this on the corpus it cleans: it uses the shipped, versioned
    reference (:func:`analysis.clean.reference.shipped_reference`), so that a plan's clean
    text never depends on which other plans are in the corpus.
    """
    return reference_model(reference_texts(texts, max_chars))


def make_repairer(model: CharBigramModel) -> ShiftRepairer:
    """The GBK-shift repairer used by the pipeline."""
    return ShiftRepairer(model, to_simplified)
