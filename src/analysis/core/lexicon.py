"""Reading the project's word-list files (domain lexicon, stopwords).

One format for all of them, jieba's user-dictionary format: one term per line, an optional
frequency and an optional part-of-speech tag after it, blank lines and lines starting with '#'
ignored. Kept apart from the modules that use the lists (the character model, the word
lattice, the segmenter) and free of heavy imports, so that a process that only segments
starts quickly.
"""
from __future__ import annotations

from pathlib import Path


def read_entries(path: Path) -> list[tuple[str, int | None, str | None]]:
    """(term, frequency or None, part of speech or None) of every entry of a list file."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else None
            entries.append((parts[0], freq, tag))
    return entries


def read_lexicon(path: Path) -> list[str]:
    """The terms of a list file, in file order (see :func:`read_entries`)."""
    return [term for term, _, _ in read_entries(path)]
