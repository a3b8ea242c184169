"""Metadata-reading benchmark (registered with :mod:`analysis.core.bench`; run by
``make bench``): seconds per plan for :func:`analysis.extract.metadata.read_metadata` on the
seeds and the development pages, as the build calls it (no GBK repairer) and with one."""
from __future__ import annotations

import time

from analysis.core.bench import register


@register("metadata_reading")
def bench_metadata(repeats: int = 3) -> dict:
    """Mean seconds per document over ``repeats`` passes, with and without the repairer."""
    from analysis.clean.reference import shipped_reference
    from analysis.clean.rules import CleanContext
    from analysis.core.paths import raw_dir, repo_root
    from analysis.corpus.read import read_corpus
    from analysis.extract.metadata import read_metadata

    _, docs, _ = read_corpus(raw_dir())
    texts = [d.text for d in docs]
    texts += [p.read_text(encoding="utf-8")
              for p in sorted((repo_root() / "tests" / "corpus" / "pages").glob("p*.txt"))]
    start = time.perf_counter()
    for _ in range(repeats):
        for text in texts:
            read_metadata(text)
    plain = (time.perf_counter() - start) / (repeats * len(texts))
    model, repairer, _ = shipped_reference()
    start = time.perf_counter()
    for k, text in enumerate(texts):
        read_metadata(text, ctx=CleanContext(f"bench-{k}", repairer=repairer, model=model))
    repaired = (time.perf_counter() - start) / len(texts)
    return {"n_documents": len(texts), "seconds_per_doc": round(plain, 4),
            "seconds_per_doc_with_gbk_repair": round(repaired, 4)}
