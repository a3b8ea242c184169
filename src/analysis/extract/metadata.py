"""Plan metadata read from the text itself, each field with the source it came from.

:func:`read_metadata` reads title, issuer, issue date, document number, jurisdiction,
administrative level, province, parent, years and document type from a plan's own text, and
falls back to the manifest only where the text is silent. Every field ``f`` comes with
``f_source``: ``text`` (the notice, its signature, the plan's own heading, the body),
``cms_field`` (a labelled field of the publishing site: [成文日期] 2020-01-13, 发文字号：…,
名称 | … |), ``footer`` (the 印发 footer), ``manifest`` or ``none``.

Where each field comes from, in order of preference (the first that gives a value wins):

* title: the plan's own heading after the transmittal notice (关于印发《…》的通知) or at the
  top; the notice's 《…》 title when the notice issues several plans or the heading is not
  shown; a directive notice heading the page (…关于做好2022年安全生产工作的通知, which issues
  no other document: the notice is the document); a CMS 标题/名称 field. Quotes are balanced (“十四五" → “十四五”), draft marks
  (送审稿) and upload suffixes (.docx) dropped, brackets kept as the page writes them.
* issuer: the signature above the notice's date (also below an attachment list); the name
  before 关于印发; an issuing body on a cover page; the body heading a directive notice; a CMS 发文机关/发布机构/制发单位 field. A body written 省…/市…/县… gets the
  name of the jurisdiction at that level (省政府办公厅 → 广东省政府办公厅).
* issue date: the date under the signature (also written 二〇二一年十二月三十一日, or with
  its separators lost, 201683, when only one reading is a valid date); a CMS 成文日期 (or
  制发/签发/印发日期; a date with a clock time is a web time stamp and is not used); the
  printing date of the 印发 footer (``footer``). Web publication dates are never used.
* document number: a CMS 发文字号/文号 field holding one; a number in the header (with its
  issuer prefix, 赣应急字〔2023〕12号, brackets as written); one whose closing bracket and 号
  were lost (湘发改规划〔2016637 → 〔2016〕637号).
* jurisdiction, level, province, parent: the gazetteer (:mod:`analysis.core.places`) on the
  issuer, else the title, else the footer, else the first place named in the text. Masked
  names (xx县, X市) and 全市/我县-style words give the level alone.
* years: ranges (2021-2025年), five-year periods (十四五) and years in the title; without a
  title, the latest five-year period or an opening 2022年全市… in the text.

All rules are written by hand (no library reads Chinese government page furniture); they
were tuned on the ``dev`` split of ``tests/corpus`` only. The line-level readers (CMS
labels, dates, document numbers, issuing bodies, footer) live in
:mod:`analysis.extract.page_fields`, the signature, cover and directive-notice readers in
:mod:`analysis.extract.signing`, the years in :mod:`analysis.extract.plan_years`; this module
decides between them.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from analysis.clean.rules import CleanContext, ascii_digits
from analysis.core import places
from analysis.extract.plan_years import FIVE_YEAR as _FIVE_YEAR
from analysis.extract.plan_years import plan_years
from analysis.extract.signing import cover, directive_notice, docsite_cover, signature
from analysis.extract.page_fields import (
    CLOCK,
    DATE_AT_END,
    DOC_NO_BARE,
    DOC_NO_DAMAGED,
    HEAD_LINES,
    LABEL,
    LEVEL_WORD,
    balance_quotes,
    cms_fields,
    doc_number,
    expand_issuer,
    header_number,
    footer,
    organ_line,
    organs,
    page_lines,
    parse_date,
    plain_text,
    quote_periods,
    squeeze,
    title_key as _key,
)

FIELDS = ("title", "issuer", "issue_date", "doc_number", "jurisdiction_zh", "jurisdiction_code",
          "admin_level", "province_zh", "parent_zh", "year_start", "year_end", "doc_type")
SOURCES = ("text", "cms_field", "footer", "manifest", "none")
#: Manifest column that backs each field where the text is silent.
MANIFEST_FIELD = {"title": "title_zh", "issuer": "issuer_zh", "issue_date": "issue_date",
                  "doc_number": "doc_number", "jurisdiction_zh": "jurisdiction_zh",
                  "admin_level": "admin_level", "province_zh": "province_zh",
                  "parent_zh": "parent_zh", "year_start": "year_start", "year_end": "year_end",
                  "doc_type": "doc_type"}
#: Characters of the head and of the tail that are read (the body holds no metadata).
HEAD_CHARS, TAIL_CHARS = 6000, 1500
_NOTICE = re.compile(r"(?:印发|转发)给?你们|印发给各|现予印发|予以印发|现(?:予以)?公开(?:向社会)?征求意见")
#: A body that says it drafted the plan (海口应急管理局组织编制了《…》), in a consultation
#: notice or an introduction: the issuer when nothing signs.
_DRAFTED = re.compile(r"(?:^|[。，,\s])([^。，,；\s《》]{4,30}?)(?:组织)?(?:编制|起草|制定|制订)了?《")
_NOTICE_TITLE = re.compile(r"^(.{0,60}?)(?:关于)?(?:印发|转发)\s*(.+?)\s*的通知")
_TITLE_END = re.compile(r"(规划|要点|方案|计划|意见|请示|安排|思路|纲要|办法|细则|措施|任务|重点)"
                        r"([（(][^（()）]{2,20}[)）])?$")
_DRAFT = re.compile(r"\s*[（(](送审稿|征求意见稿|草案|讨论稿|初稿)[)）]\s*$")
_MASKED = re.compile(r"(?<![A-Za-z])(?:[xX×]{1,3}|某)(省|市|州|县|区|旗)")


# -- titles -----------------------------------------------------------------------------------
def _clean_title(title: str) -> str:
    title = squeeze(title)
    title = re.sub(r"\.(docx?|pdf|wps|txt)$", "", title)
    title = _DRAFT.sub("", title)
    title = re.sub(r"^【[^】]{1,6}】", "", title)
    title = re.sub(r"(?<=要点|规划|方案|计划)[一二三四五六七八九]$", "", title)
    # A news headline announcing the plan (四川省“十四五”应急体系规划发布).
    title = re.sub(r"(?<=要点|规划|方案|计划|纲要)(?:正式)?(?:发布|出台|公布|印发)$", "", title)
    return balance_quotes(title)


def _title_like(line: str) -> bool:
    if re.search(r"->|>|»|^•|\|", line) or LABEL.search(line):
        return False  # breadcrumbs, bullets and CMS cells
    line = _clean_title(line)
    return (5 <= len(line) <= 60 and bool(_TITLE_END.search(line)) and "。" not in line
            and "印发" not in line and not re.search(r"[:：]|通知|^《|^[一二三四五六七八九十]+、|"
                                                     r"^\d+[.、．]|^（", line))


#: A plan period on its own line under a title: (2019-2021年), （2021年——2025年）.
_PERIOD_LINE = re.compile(r"[（(]\d{4}年?\s*(?:[-—–~～]{1,2}|至)\s*\d{4}年?[)）]")


def _headings(lines: list[str], start: int, stop: int) -> list[tuple[int, str]]:
    """Title-like lines (a title wrapped over two lines is joined) between two line
    indices, with the index where each begins."""
    out = []
    for i in range(start, min(stop, len(lines))):
        line = lines[i]
        for cand in (line, re.split(r"\s+", line)[0],
                     re.split(r"(?=[一二三四五六七八九十]、)", line)[0]):
            if _title_like(cand):
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                if cand == line and _PERIOD_LINE.fullmatch(nxt):
                    cand += nxt  # 山东省应急管理三年规划 / (2019-2021年)
                out.append((i, _clean_title(cand)))
                break
        else:
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt and 4 <= len(line) <= 40 and "。" not in line \
                    and (not _title_like(nxt) or line.endswith(("、", "，", ",", "和", "及",
                                                                   "与", "暨", "的"))
                         or nxt.startswith(("和", "及", "与", "暨"))
                         # 获嘉县…治本攻坚 / 三年行动实施方案: the place is above a line naming none (an
                         # office alone is the issuer; with a year, a title's start: …局2025年度 / …计划)
                         or (len(line) <= 20 and places.find_places(line) and not places.find_places(nxt)
                             and (not organ_line(line) or re.search(r"(?:19|20)\d{2}\s*年度?$", line)))) \
                    and not re.search(r"->|>|»|^•|\|", line) and not LABEL.search(line) \
                    and _title_like(line + nxt) and len(nxt) <= 30:
                after = lines[i + 2] if i + 2 < len(lines) else ""
                period = after if _PERIOD_LINE.fullmatch(after) else ""
                out.append((i, _clean_title(line + lines[i + 1] + period)))
    return out


def quoted_titles(text: str, low: int = 4, high: int = 60) -> list[str]:
    """Contents of the outermost 《…》 in ``text``; inner 《》 stay part of the title
    (关于贯彻《安全生产法》的实施方案)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "《":
            depth += 1
            if depth == 1:
                start = i + 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0 and low <= i - start <= high:
                out.append(text[start:i])
    return out


def _balanced(title: str) -> bool:
    return title.count("《") == title.count("》")


#: A year before 印发《 in one sentence, no 关于 between: the text reports what was issued
#: then (a notice's own title led by its date, 2022年12月30日 …关于印发《…》, is not).
_PAST_ISSUE = re.compile(r"(?:19|20)\d{2}\s*年(?:(?!关于)[^。；;，,《]){0,20}印发《")


def _notice_titles(lines: list[str]) -> tuple[list[str], list[str], str]:
    """Titles named by a transmittal notice: from its own title (关于印发X的通知) and from
    the 《…》 it issues; and the name before 关于印发."""
    own, quoted, before = [], [], ""
    head = lines[:HEAD_LINES]
    # a notice's title wrapped over two or three lines (…办公室关于印发 / …规划的 / 通知)
    joined = [a + b if "印发" in a and "通知" not in a and "通知" in b
              else a + b + c if "印发" in a and "通知" not in a + b and "通知" in c and len(b) <= 40
              else a for a, b, c in zip(head, head[1:] + [""], head[2:] + ["", ""])]
    for i, line in enumerate(joined):
        if _PAST_ISSUE.search(line):
            continue  # 2011年州委、州政府印发《…意见》: a report of an earlier document
        m = _NOTICE_TITLE.search(line)
        if m and "《" in m.group(1) and "》" not in m.group(1).rsplit("《", 1)[1] \
                and m.group(1).rsplit("《", 1)[0].strip():
            m = None  # a notice cited in the text: 按照《关于印发…的通知》, 根据《中共…关于印发…》
        title = m.group(2).strip() if m else ""
        if title.startswith("《") and title.endswith("》"):
            title = title[1:-1]
            if "《" in title or "》" in title:
                title = ""  # 《A》和《B》: two documents, not one title
        elif title.count("《") == 1 and title.endswith("》"):
            title = title[title.index("《") + 1:-1]  # 转发市安委会办公室制订的《…规划》
        if m and title and _balanced(title) and len(title) <= 60:
            if "《" not in m.group(0) or "》" in m.group(0):
                own.append(_clean_title(title))
            before = before or organs(m.group(1))
        prose = re.search(r"^(.{0,60}?)(?:关于)?印发《", line)
        if prose and not prose.group(1).endswith("《"):
            before = before or organs(prose.group(1))
        if line.startswith("关于印发") and i and organ_line(head[i - 1]):
            before = before or organs(head[i - 1])
        if _NOTICE.search(line) or re.search(r"印发《", line):
            quoted.extend(_clean_title(t) for t in quoted_titles(line))
    return own, quoted, before


def _without_period(title: str) -> str:
    """A title's key without the period after it (…规划(2021—2025) / (2021—2025年))."""
    return re.sub(r"(?:19|20)\d{2}-(?:19|20)\d{2}年?$", "", _key(title))


def _pick_title(lines: list[str], notice: int | None, sig_end: int,
                notices: tuple[list[str], list[str], str], cover_title: str) -> tuple[str, str]:
    own, quoted, _ = notices
    cms = [t for v in cms_fields(lines).get("title", []) for t in (_unwrap(v),) if t]
    variants = own + quoted + cms
    if notice is not None:
        in_notice = quoted_titles(" ".join(lines[max(0, notice - 1):notice + 1]))
        heads = _headings(lines, sig_end, sig_end + 6)
        if len(set(in_notice)) > 1 and own:
            # A notice issuing several plans: the page is the one whose heading follows the
            # signature (…等11个专项规划的通知, then 天津市静海区应急管理十四五规划), else the
            # notice as a whole.
            # Only when the notice's own title names no single document (…等11个专项规划);
            # one that names a set (“五个全覆盖”工作方案) is the document the page shows.
            # (…等11个专项规划, 河北区“十四五”相关专项规划: a set, not one plan)
            named = {_without_period(t) for t in in_notice} if re.search(
                r"等[\d一二三四五六七八九十]+[个项部]|相关专项规划|(?<!一)系列规划", own[0]) else set()
            shown = [h for _, h in heads[:1] if _without_period(h) in named]
            return (shown[0] if shown else own[0]), "text"
        if heads:
            return _prefer_quoted(_continued(lines, heads[0], variants), variants), "text"
        if quoted or own:
            return (quoted or own)[0], "text"
    # Without a notice, a heading naming a place or a year (xx县, 2022年) comes before a bare
    # one, which may be a site's menu item (“十四五”规划).
    heads = sorted(_headings(lines, 0, 25), key=lambda h: (not _specific(h[1]), h[0]))
    keys = {_key(v) for v in variants}
    for _, head in heads:
        if _key(head) in keys:
            return _prefer_quoted(head, variants), "text"
    if own or quoted:
        return (own or quoted)[0], "text"
    docsite = next((m.group(1) for line in lines[:20]
                    for m in [re.search(r"《([^《》]{4,60}?)(?:\.docx?|\.pdf)?》由", line)] if m),
                   "") or cover_title
    if docsite:
        return _clean_title(docsite), "text"
    if heads:
        return heads[0][1], "text"
    head_text = "\n".join(lines[:30])
    named = re.search(r"(?:提出了|特编制|编制了|制定了)《?([^，。《》\s]{4,40}?(?:规划|方案|要点))》?"
                      r"(?:[，。]|（以下)", head_text) or re.search(
        # …纲要》，编制中卫市防震减灾“十三五”规划(2016—2020年)。 closing the preamble; not a
        # report of earlier work (…期间，编制…规划（2016—2020年），全市…取得…)
        r"[，,]\s*(?:编制|制定)(?!完成)《?([^，。《》\s]{4,40}?(?:规划|方案|要点)"
        r"(?:[(（](?:19|20)\d{2}[^)）]{0,12}[)）])?)》?(?:。|（以下)", head_text)
    if named and (places.find_places(named.group(1)[:6]) or _MASKED.match(named.group(1))):
        return _clean_title(named.group(1)), "text"
    if cms:
        return cms[0], "cms_field"
    return "", "none"


def _continued(lines: list[str], head: tuple[int, str], variants: list[str]) -> str:
    """A heading with the line under it, where the two together are the title the notice
    quotes (天津市安全生产“十三五”规划 / 实施工作分工方案 for the notice's 《…规划实施工作分工
    方案》): each line alone reads as a title, so only the notice can say they are one."""
    i, title = head
    # under the heading, or under its second line if it was joined from two (… / 实 施 细 则)
    for nxt in (lines[j].strip() for j in (i + 1, i + 2) if j < len(lines)):
        joined = _clean_title(title + nxt) if nxt and len(nxt) <= 30 else ""
        if joined and _key(joined) in {_key(v) for v in variants}:
            return joined
    return title


def _specific(title: str) -> bool:
    return bool(places.find_places(title) or _MASKED.search(title)
                or re.search(r"(?:19|20)\d{2}|[全本我][省市县区]", title))


def _unwrap(value: str) -> str:
    m = _NOTICE_TITLE.search(value)
    title = m.group(2).strip() if m else value
    if title.startswith("《") and title.endswith("》"):
        title = title[1:-1]
    title = _clean_title(title)
    return title if _TITLE_END.search(title) else ""


def _prefer_quoted(title: str, variants: list[str]) -> str:
    """The same title as another copy writes it: with its quotes (湖南省十三五… → “十三五”)
    or dashes, with characters the heading lost, or in full where the heading shows only its
    end (a heading wrapped over lines or cut by a page break: 建设规划(2020-2030年) under
    关于印发山东省…建设规划(2020-2030年)的通知)."""
    same = [v for v in variants if _key(v) == _key(title) and v != title
            and (v.count("“") > title.count("“") or re.search(r"[-—–~～]{2}", title))]
    if same:
        return same[0]
    key = _key(title)
    longer = [v for v in variants if key and len(_key(v)) > len(key) and _key(v).endswith(key)]
    if longer:
        return max(longer, key=len)
    # The same with the plan period that the heading's next line added ((2021-2025年) under a
    # heading whose first line was lost: 防灾减灾“十四五”规划 for 托克逊县…综合防灾减灾“十四五”规划).
    period = re.search(r"[（(]\s*\d{4}[^（()）]{0,12}[)）]$", title)
    if period:
        bare = _key(title[:period.start()])
        longer = [v for v in variants if bare and len(_key(v)) > len(bare)
                  and _key(v).endswith(bare)]
        if longer:
            return max(longer, key=len) + title[period.start():]
    # A heading that lost a character or two the notice's copy keeps (杭锦旗“十五”应急体系
    # 建设规划 under 《杭锦旗“十四五”应急体系建设规划》): the heading is the notice's title with
    # characters dropped, in order.
    # Only when no copy reads as the heading does (a notice issuing …工作方案 and …工作实施
    # 方案 names the heading's plan exactly).
    exact = any(_key(v) == key for v in variants)
    dropped = [v for v in variants if not exact and len(key) >= 8
               and 0 < len(_key(v)) - len(key) <= 2 and _subsequence(key, _key(v))]
    return dropped[0] if dropped else title


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


# -- the name a plan gives itself ------------------------------------------------------------
_PLAN_NAME = r"《([^《》\n]{4,60}?(?:规划|要点|方案|计划|纲要))》"
_SELF_NAMED = re.compile(
    rf"(?:编制了?|特制定|制定本|制订本|特编制){_PLAN_NAME}|"
    rf"{_PLAN_NAME}(?:[(（]以下简称[^)）]{{1,12}}[)）]\s*|\s*)(?:依据|根据|系统阐明|主要阐明|[。，]\s*本规划)")


def _self_named(lines: list[str]) -> str:
    """The name a plan gives itself in its opening lines: 《牟定县“十四五”综合防灾减灾规划》
    依据…, 制定《苏州市“十四五”安全生产规划》. A page that shows no heading (an excerpt that
    starts at 前言) still names its plan there. 制定了《…》 reports another document (编制了《…》 is the plan's own compiling)."""
    for line in lines[:12]:
        m = _SELF_NAMED.search(line)
        if m:
            return squeeze(m.group(1) or m.group(2))
    return ""


def _decorated(title: str, own: str) -> bool:
    """Whether a heading is the plan's own name with a site's additions around it (江苏省苏州市
    …规划(全文细则)); a period in brackets (…规划(2021—2025年)) or a notice is not one."""
    if own == title or "关于" in title or "通知" in title or _key(own) not in _key(title):
        return False
    before, _, after = re.sub(r"\s", "", title).partition(re.sub(r"\s", "", own))
    if not _ or not re.sub(r"\s", "", own):
        return False
    # words after the name make another document (…规划重点任务分工方案, …规划暨…纲要); only a
    # note in brackets may follow it
    if after and not re.fullmatch(r"[（(][^（()）]{1,12}[)）]", after):
        return False
    return bool(re.search(r"[\u4e00-\u9fff]", (before + after).replace("年", "")))


# -- places and years -------------------------------------------------------------------------
def _level_words(head: str, text: str) -> str:
    """Level named by a masked place in the title or issuer (xx县, X市), else by the most
    frequent 全市/我县/本区 word of the text."""
    masked = _MASKED.search(head)
    if masked:
        return LEVEL_WORD[masked.group(1)]
    # 全区 is a district, or an autonomous region where the text names one.
    region = "province" if "自治区" in text else "county"
    counts = {lvl: 0 for lvl in ("province", "city", "county")}
    # 全州 / 全盟 / 全旗: an autonomous prefecture or league, a banner (not 全州县, a county).
    for w, lvl in (("省", "province"), ("市", "city"), ("县", "county"), ("区", region),
                   ("州", "city"), ("盟", "city"), ("旗", "county")):
        counts[lvl] += len(re.findall(rf"[全我本]{w}(?!委会|县)", text))
    best = max(counts, key=counts.get)
    return best if counts[best] else ""


def _place_in_text(lines: list[str], start: int, level_word: str,
                   level: str) -> places.Place | None:
    """The first place the text names, of the level its issuer's bare 市/县 or its 全市/我县
    words point to."""
    text = "\n".join(lines[start:start + 40])
    mentions = places.find_places(text)
    for m in mentions:
        place = places.resolve(m, mentions)
        if not place or (level_word and not place.name.endswith(level_word)):
            continue
        if level and not level_word and place.level != level \
                and not (level == "city" and place.name.endswith("市")):
            continue
        return place
    return None


def read_metadata(text: str, manifest: Mapping[str, str] | None = None,
                  ctx: CleanContext | None = None) -> dict[str, str]:
    """Every metadata field of one plan, read from its text, with its source.

    Parameters
    ----------
    text : str
        The plan as read (raw decoded text; a clean text works too, but the cleaning has
        removed the 印发 footer and split spaced CMS labels).
    manifest : mapping, optional
        The plan's manifest row; its values fill only fields the text does not give.
    ctx : CleanContext, optional
        Context for the cleaning rules run first (pass one with the repairer and model to
        repair garbled GBK text as the build does).

    Returns
    -------
    dict
        For each name in :data:`FIELDS` the value (``""`` if unknown) and ``<name>_source``
        (one of :data:`SOURCES`).
    """
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        # Metadata sit in the head and the footer; the cleaning rules (GBK repair above all)
        # need not run over the whole body.
        text = text[:HEAD_CHARS] + "\n\n" + text[-TAIL_CHARS:]
    lines = page_lines(plain_text(text, ctx))
    cms = cms_fields(lines)
    out: dict[str, str] = {}
    src: dict[str, str] = {}

    def put(field: str, value: str, source: str) -> None:
        if value and not out.get(field):
            out[field], src[field] = value, source

    notice = next((i for i, line in enumerate(lines[:HEAD_LINES]) if _NOTICE.search(line)),
                  None)
    signer, signed, sig_end = signature(lines, notice)
    notices, (cover_title, cover_signer) = _notice_titles(lines), docsite_cover(lines)
    title, title_src = _pick_title(lines, notice, sig_end, notices, cover_title)
    own, before = _self_named(lines), notices[2]
    if own and (not title or _decorated(title, own)):
        title, title_src = own, "text"
    directive_issuer = ""
    if not title and notice is None:
        title, directive_issuer = directive_notice(lines)
        title, title_src = balance_quotes(title), ("text" if title else title_src)
    put("title", quote_periods(title), title_src)
    heading = next((i for i, line in enumerate(lines[:40])
                    if title and _key(title) and _key(title) in _key(line)), None)
    cover_issuer, cover_date = ("", "") if notice is not None or heading is None else \
        cover(lines, heading, title)
    put("issuer", signer, "text")
    put("issuer", before, "text")
    put("issuer", cover_issuer, "text")
    put("issuer", directive_issuer, "text")
    put("issuer", cover_signer, "text")
    # A body naming itself at the head of the title (临沂市安全生产委员会2022年工作要点) signs
    # the document; a CMS 发布机构 is the site that published it.
    named_body = re.match(r"^(.{4,30}?(?:委员会|指挥部|领导小组|人民政府|办公厅|办公室|管理局|管理厅))"
                          r"(?=(?:19|20)\d{2}年|“|\")", title or "")
    if named_body and organ_line(named_body.group(1)):
        put("issuer", organs(named_body.group(1)), "text")
    put("issuer", next((o for v in cms.get("issuer", []) for o in (organs(v),) if o), ""),
        "cms_field")
    # Only a body drafting this very plan (not 省应急管理厅组织编制了《某省…规划》 cited in a
    # city plan).
    drafted = next((m.group(1) for line in lines[:12] for m in [_DRAFTED.search(line)]
                    if m and organ_line(m.group(1)) and organs(m.group(1)) == m.group(1)
                    and title and _key(_DRAFT.sub("", line[m.end():].split("》")[0]))
                    .startswith(_key(title)[:max(6, len(_key(title)) - 2)])), "")
    put("issuer", drafted, "text")
    put("issue_date", signed, "text")
    # A notice dated in its header instead (呼政发〔2023〕2号    2023年1月31日, above the
    # addressees): the date alone on a line, or after the document number.
    header = [m for line in (lines[max(0, notice - 3):notice] if notice is not None else [])
              for m in [DATE_AT_END.match(line.strip())]
              if m and (not m.group(1).strip() or doc_number(m.group(1)))]
    put("issue_date", parse_date(header[-1].group(2)) if header else "", "text")
    put("issue_date", next((d for v in cms.get("issue_date", []) if not CLOCK.search(v)
                            for d in (parse_date(v),) if d), ""), "cms_field")
    put("issue_date", cover_date, "text")
    put("doc_number", next((d for v in cms.get("doc_number", []) for d in (doc_number(v),)
                            if d), ""), "cms_field")
    # A directive notice's page title often repeats it above the number and the heading.
    stop = sig_end or (heading + 1 if heading is not None and not directive_issuer else 15)
    # A number alone on its line (the document's header, 湘安﹝2020﹞4 号) before one in a line
    # of other words (a site's title repeating it, possibly wrongly: 002湘安【2022 】4号-…).
    numbered = [(line, doc_number(line)) for line in lines[:max(stop, 3)]]
    alone = [(line, n) for line, n in numbered if n and len(line) <= len(n) + 4]
    # A page's title above the header (溪应急发〔2024〕13号 签发人：…): in one of the two lines
    # under the heading, a number alone or followed by its signer only is the header's.
    header_lines = (lines[heading + 1:heading + 3]
                    if heading is not None and stop == heading + 1 else [])
    under = [(line, n) for line in header_lines for n in (header_number(line),) if n]
    for line, number in alone + [pair for pair in numbered if pair not in alone] + under:
        # A header number stands alone, opens the line or closes the notice's title; one
        # inside a sentence is a citation.
        if number and (len(line) <= len(number) + 4 or line.startswith(number[:3])
                       or re.search(r"(^|\s)" + re.escape(number) + r"(\s|$)", line)
                       or re.search(r"(^|[|｜:：])\s*" + re.escape(number[:2]), line)
                       # (市应急发〔2021〕98号)西安市应急管理局…: a site title led by the
                       # number; not a citation's number wrapped to a new line (…）精神，)
                       or (re.match(r"^[(（][^()（）]{2,20}[)）](?![精等《])", line)
                           and "。" not in line and line[1:3] == number[:2])
                       or re.search(r"通知\s*[（(]?\s*" + re.escape(number[:2]), line)):
            put("doc_number", number, "text")
        damaged = DOC_NO_DAMAGED.match(ascii_digits(line))
        if damaged:
            put("doc_number", "{}{}{}〕{}号".format(*damaged.groups()), "text")
        bare = DOC_NO_BARE.match(ascii_digits(line.strip()))
        if bare:
            put("doc_number", "{}〔{}〕{}号".format(*bare.groups()), "text")
    for line in lines[-5:]:
        if re.search(r"\.(cebx|pdf|docx?|wps|ofd)$", line):
            put("doc_number", doc_number(line), "text")  # the plan's attachment file name
    office, printed = footer("\n".join(lines))
    put("issue_date", printed, "footer")

    # Jurisdiction: the gazetteer on the issuer, title, footer, then the text itself.
    place, place_src = None, "none"
    # A CMS 发布机构 is the body that posted the page (西吉县民政局 posting 宁夏回族自治区综合
    # 防灾减灾规划): a title naming its place comes first then.
    issuer = (out.get("issuer", ""), src.get("issuer", "none"))
    own_words = re.sub(r"《[^》]*》", "", title)  # 贯彻落实《云南省…规划》实施方案 names no place
    order = ((own_words, "text"), issuer) if issuer[1] == "cms_field" else (issuer, (title, "text"))
    for candidate, source in (*order, (office, "footer")):
        place = places.innermost(candidate, "\n".join(lines[:40]))
        if place:
            place_src = source
            break
    level = _level_words(" ".join([title, out.get("issuer", "")] + lines[:3]),
                         "\n".join(lines[:40]))
    known = bool((manifest or {}).get("jurisdiction_zh"))
    if place is None and not known:
        # Weak evidence (the first place the text names) only where the manifest is silent.
        word = re.match(r"(省|市|县|区)", out.get("issuer", "") or title)
        start = sig_end if heading is None else heading
        place = _place_in_text(lines, start, word.group(1) if word else "", level)
        place_src = "text" if place else "none"
    if place:
        put("jurisdiction_zh", place.name, place_src)
        put("jurisdiction_code", place.code, place_src)
        put("admin_level", place.level, place_src)
        put("province_zh", place.province, place_src)
        put("parent_zh", place.parent, place_src)
        if out.get("issuer"):
            out["issuer"] = expand_issuer(out["issuer"], place)
            # The notice's title names the same body in full (省政府办公厅 signs 广东省人民政府
            # 办公厅关于印发…): its writing wins.
            if before and before != out["issuer"] and \
                    before.replace("人民政府", "政府") == out["issuer"].replace("人民政府", "政府"):
                out["issuer"] = before
    elif not known:
        put("admin_level", level, "text")
        province = next((p for m in places.find_places("\n".join(lines[:40]))
                         for p in [places.resolve(m)] if p and p.level == "province"), None)
        if province:
            put("province_zh", province.name, "text")

    start, end = plan_years(title, lines)
    put("year_start", start, "text")
    put("year_end", end, "text")
    if title:
        five = "规划" in title and (any(k in title for k in _FIVE_YEAR)
                                  or out.get("year_start", "") != out.get("year_end", ""))
        put("doc_type", "five_year_plan" if five else "annual_work_plan", "text")

    for field, column in MANIFEST_FIELD.items():
        value = (manifest or {}).get(column, "")
        if value is not None and value == value:  # NaN of a pandas row is no value
            put(field, str(value), "manifest")
    if src.get("jurisdiction_zh") == "manifest":
        named = places.lookup(out["jurisdiction_zh"])
        if len(named) == 1:
            for field, value in (("jurisdiction_code", named[0].code),
                                 ("admin_level", named[0].level),
                                 ("province_zh", named[0].province),
                                 ("parent_zh", named[0].parent)):
                put(field, value, "manifest")
    return {k: v for field in FIELDS for k, v in
            ((field, out.get(field, "")), (f"{field}_source", src.get(field, "none")))}


def manifest_fields(meta: Mapping[str, str]) -> dict[str, str]:
    """Manifest columns filled from :func:`read_metadata` (fields read from the text only)."""
    return {column: meta[field] for field, column in MANIFEST_FIELD.items()
            if meta.get(field) and meta.get(f"{field}_source") not in ("manifest", "none")}
