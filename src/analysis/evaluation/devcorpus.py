"""Scores on the development corpus of real plan pages (``tests/corpus``).

The pages, their sources and the gold made by an annotator who never saw the code live in
``tests/corpus/`` (see its ``COLLECTION.md`` and ``gold/NOTES.md``); ``split.csv`` assigns each
page to ``dev`` or ``test`` by site, once. Rules may be tuned on ``dev`` only; ``test`` is scored
once per release, without pages flagged ``seen_by_developers``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.core.paths import repo_root
from analysis.extract.metadata import read_metadata as read_fields

#: Gold metadata fields and the field of :func:`read_metadata` that predicts each.
METADATA_FIELDS = ("title", "issuer", "issue_date", "doc_number", "jurisdiction", "admin_level",
                   "province", "year_start", "year_end")


def corpus_dir() -> Path:
    """``tests/corpus`` of the repository."""
    return repo_root() / "tests" / "corpus"


def pages(split: str, folder: Path | None = None) -> pd.DataFrame:
    """Pages of one split (``dev`` or ``test``), without pages the developers have seen when
    ``split == "test"``: columns ``page_id, site, split, seen_by_developers, text``.

    ``folder`` is a corpus laid out like ``tests/corpus`` (default); a held-out set without a
    ``split.csv`` (``tests/corpus_test2``) is all ``test``.
    """
    folder = Path(folder) if folder is not None else corpus_dir()
    if (folder / "split.csv").exists():
        table = pd.read_csv(folder / "split.csv", dtype=str, keep_default_na=False)
    else:
        ids = sorted(p.stem for p in (folder / "pages").glob("*.txt"))
        table = pd.DataFrame({"page_id": ids, "site": "", "split": "test",
                              "seen_by_developers": "no"})
    table = table[table["split"] == split]
    if split == "test":
        table = table[table["seen_by_developers"] != "yes"]
    texts = [(folder / "pages" / f"{pid}.txt").read_text(encoding="utf-8")
             for pid in table["page_id"]]
    return table.assign(text=texts).reset_index(drop=True)


def read_metadata(page_id: str, text: str) -> dict[str, str]:
    """What the pipeline reads from one page (:func:`analysis.extract.metadata.read_metadata`
    as the build calls it, without a manifest), under the gold's field names, with
    ``<field>_source`` for each. ``page_id`` names the page in messages only."""
    meta = read_fields(text)
    names = {"title": "title", "issuer": "issuer", "issue_date": "issue_date",
             "doc_number": "doc_number", "jurisdiction": "jurisdiction_zh",
             "admin_level": "admin_level", "province": "province_zh",
             "year_start": "year_start", "year_end": "year_end"}
    out = {gold: meta[field] for gold, field in names.items()}
    out.update({f"{gold}_source": meta[f"{field}_source"] for gold, field in names.items()})
    return out


def score_metadata(predicted: dict[str, dict[str, str]], gold: pd.DataFrame) -> pd.DataFrame:
    """Exact-match rate per field, over the pages where the gold shows the field.

    Parameters
    ----------
    predicted : dict
        page_id → field → value (:func:`read_metadata`).
    gold : pandas.DataFrame
        ``tests/corpus/gold/metadata.csv`` rows (all text); cells that are empty or
        ``masked`` are not scored.

    Returns
    -------
    pandas.DataFrame
        ``field, n_shown, n_exact, exact_rate``.
    """
    rows = []
    scored = gold[gold["page_id"].isin(list(predicted))]
    for field in METADATA_FIELDS:
        shown = scored[(scored[field] != "") & (scored[field] != "masked")]
        exact = sum(predicted[pid].get(field, "") == value
                    for pid, value in zip(shown["page_id"], shown[field]))
        rows.append({"field": field, "n_shown": len(shown), "n_exact": int(exact),
                     "exact_rate": exact / len(shown) if len(shown) else float("nan")})
    return pd.DataFrame(rows)


def metadata_scores(split: str = "dev", folder: Path | None = None) -> pd.DataFrame:
    """Read every page of a split and score it against the gold (:func:`score_metadata`);
    ``folder`` as in :func:`pages`."""
    folder = Path(folder) if folder is not None else corpus_dir()
    gold = pd.read_csv(folder / "gold" / "metadata.csv", dtype=str, keep_default_na=False)
    table = pages(split, folder)
    predicted = {pid: read_metadata(pid, text) for pid, text in zip(table["page_id"], table["text"])}
    return score_metadata(predicted, gold)
