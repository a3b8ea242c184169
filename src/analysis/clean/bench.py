"""Cleaning benchmark (registered with :mod:`analysis.core.bench`; run by ``make bench``)."""
from __future__ import annotations

import time

from analysis.core.bench import register
from analysis.core.paths import cache_dir


def seed_texts() -> dict[str, str]:
    """Raw seed texts keyed by doc_id."""
    from analysis.core.paths import raw_dir
    from analysis.corpus.read import read_corpus

    _, docs, _ = read_corpus(raw_dir())
    return {d.doc_id: d.text for d in docs}


@register("cleaning_throughput")
def bench_cleaning(target_mb: float = 50.0) -> dict:
    """Cleaning throughput on the seeds repeated to ``target_mb`` MB (UTF-8), next to plain
    jieba segmentation of the same text."""
    import jieba

    from analysis.clean.rules import CleanContext, build_reference, clean_text, make_repairer

    texts = seed_texts()
    unit = list(texts.items())
    unit_bytes = sum(len(t.encode("utf-8")) for _, t in unit)
    copies = int(target_mb * 1e6 // unit_bytes) + 1
    corpus = [(f"{doc_id}#{k}", text) for k in range(copies) for doc_id, text in unit]
    total_bytes = unit_bytes * copies
    start = time.perf_counter()
    model = build_reference([t for _, t in corpus])
    repairer = make_repairer(model)
    setup = time.perf_counter() - start
    start = time.perf_counter()
    n_changes = 0
    clean_total = 0
    for doc_id, text in corpus:
        result = clean_text(text, CleanContext(doc_id, repairer=repairer, model=model))
        n_changes += len(result.log)
        clean_total += len(result.text)
    cleaning = time.perf_counter() - start
    # jieba's cache in the project's cache folder, never the shared temporary folder.
    jieba.dt.tmp_dir = str(cache_dir() / "jieba")
    (cache_dir() / "jieba").mkdir(parents=True, exist_ok=True)
    jieba.initialize()
    start = time.perf_counter()
    n_tokens = 0
    for _, text in corpus:
        n_tokens += sum(1 for _ in jieba.cut(text))
    segmentation = time.perf_counter() - start
    mb = total_bytes / 1e6
    return {
        "input_mb": round(mb, 2), "documents": len(corpus),
        "reference_model_s": round(setup, 2),
        "cleaning_s": round(cleaning, 2), "cleaning_mb_per_s": round(mb / cleaning, 3),
        "jieba_s": round(segmentation, 2), "jieba_mb_per_s": round(mb / segmentation, 3),
        "cleaning_to_jieba_throughput_ratio": round((mb / cleaning) / (mb / segmentation), 3),
        "logged_changes": n_changes, "jieba_tokens": n_tokens,
    }


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@register("gbk_repair_synthetic")
def bench_gbk_synthetic(n_per_split: int = 60, seed: int = 1) -> dict:
    """GBK repair on fresh synthetic damage (:mod:`analysis.clean.gbk_synthetic`) of the real
    dev and test pages: time per span (each span fresh: the repairer's result memos are
    emptied before it) and exact-restoration, detection and junk rates, plus the changes the
    rule makes to the undamaged pages (false positives). ``seed`` differs from the seed the
    repair was tuned on (0, dev pages only), so the spans are new to it."""
    import statistics

    from analysis.clean.gbk_evaluate import evaluate_spans, false_positives
    from analysis.clean.gbk_synthetic import pages_with_gbk_damage, read_pages, synthetic_spans
    from analysis.clean.reference import evaluation_reference, shipped_reference

    # Spans are scored with the reference that never read the damaged pages; the changes on
    # the pages as collected are those the shipped reference makes (what a build does).
    model, repairer, _ = evaluation_reference()
    out: dict = {"n_per_split": n_per_split, "seed": seed}
    all_rows = []
    for split in ("dev", "test"):
        rows = evaluate_spans(synthetic_spans(n_per_split, split, seed=seed), model, repairer)
        all_rows.extend(rows)
        n = len(rows)
        out[split] = {
            "spans": n,
            "exact_rate": round(sum(r["exact"] for r in rows) / n, 3),
            "detection_rate": round(sum(r["detected"] for r in rows) / n, 3),
            "marked_rate": round(sum(r["marked"] for r in rows) / n, 3),
            "spans_with_junk": sum(bool(r["junk"]) for r in rows),
            "spans_with_residue": sum(bool(r["residue"]) for r in rows),
        }
    for key, column in (("span_ms", "span_ms"), ("span_cpu_ms", "span_cpu_ms")):
        values = [r[column] for r in all_rows]
        out[f"{key}_median"] = round(statistics.median(values), 2)
        out[f"{key}_p95"] = round(_quantile(values, 0.95), 2)
    # False positives: the rule on the pages as collected, without synthetic damage; pages
    # with GBK mojibake of their own are counted apart (their changes may be true repairs).
    damaged = pages_with_gbk_damage()
    model, repairer, _ = shipped_reference()
    fp = false_positives(read_pages(), model, repairer)
    for label, rows in (("clean_pages", [r for r in fp if r["page_id"] not in damaged]),
                        ("pages_with_real_gbk_damage", [r for r in fp if r["page_id"] in damaged])):
        out[label] = {"pages": len(rows), "pages_changed": sum(r["n_changes"] > 0 for r in rows),
                      "changes": sum(r["n_changes"] for r in rows)}
    return out


@register("gbk_repair_references")
def bench_gbk_references(n_per_split: int = 500, seed: int = 2) -> dict:
    """Exact restoration of fresh synthetic GBK damage (:mod:`analysis.clean.gbk_synthetic`)
    with three references, on the same spans: the five seeds as they were shipped before
    2026-11-30 (``seeds_as_found``: they share up to 26% of an evaluation page's 8-grams, so
    these figures are inflated), the seeds cut around every passage shared with the
    evaluation pages (``seeds_held_out``: the honest baseline), and the seeds and the scored
    sets' pages held out the same way (``held_out``:
    :func:`analysis.clean.reference.evaluation_reference`, the out-of-sample estimate for the
    shipped reference, which keeps the held-out passages). Rates with Wilson 95% intervals,
    per split, and by outcome."""
    from collections import Counter

    from analysis.clean.charmodel import reference_model
    from analysis.clean.gbk_evaluate import evaluate_spans, restoration_table
    from analysis.clean.gbk_synthetic import synthetic_spans
    from analysis.clean.reference import (evaluation_reference, make_reference_texts,
                                          reference_sources)
    from analysis.clean.rules import make_repairer, reference_texts

    seeds, _, held = reference_sources()
    # (texts, whether the model wraps each text in line breaks): the seeds as found are whole
    # documents, and the cut pieces mark their own line edges.
    references = {"seeds_as_found": (reference_texts(seeds), True),
                  "seeds_held_out": (make_reference_texts(seeds, [], held, line_edges=True),
                                     False),
                  "held_out": (evaluation_reference()[2], False)}
    out: dict = {"n_per_split": n_per_split, "seed": seed}
    spans = {split: synthetic_spans(n_per_split, split, seed=seed) for split in ("dev", "test")}
    for name, (texts, lines) in references.items():
        model = reference_model(texts, lines=lines)
        repairer = make_repairer(model)
        out[name] = {"characters": sum(len(t.strip("\n")) for t in texts)}  # not the marks
        for split, chosen in spans.items():
            rows = evaluate_spans(chosen, model, repairer)
            table = restoration_table(rows)
            overall = table[table["dimension"] == "all"].iloc[0]
            outcome = Counter("exact" if r["exact"] else "marked" if r["marked"] else
                              "wrong" if r["detected"] else "untouched" for r in rows)
            interior = table[(table["dimension"] == "information")
                             & (table["value"] == "interior_determined")].iloc[0]
            out[name][split] = {
                "exact_rate": round(float(overall["rate"]), 3),
                "ci95": [round(float(overall["ci_low"]), 3), round(float(overall["ci_high"]), 3)],
                "outcomes": dict(sorted(outcome.items())),
                "interior_determined_exact_rate": round(float(interior["rate"]), 3),
                "spans_with_junk": sum(bool(r["junk"]) for r in rows)}
    return out
