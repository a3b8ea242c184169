"""The fixed, versioned reference behind GBK repairs and spam restoration.

The repair search and the spam rule score candidate words with a character model. If that
model were fitted on the corpus being cleaned, a plan's clean text would depend on which other
plans sit beside it (adding an unrelated 20 MB plan once changed a Jiangxi repair). The build
therefore uses one shipped reference: ``data/reference_texts.json``, the five seed plans of
``data/raw`` prepared by :func:`analysis.clean.rules.reference_texts` (pinyin removed, junk
dropped, simplified), plus jieba's and the domain lexicons (:func:`reference_model`). Its
``version`` is the SHA-256 of the texts; a test checks that the shipped file is exactly what
:func:`write_reference` makes from the seeds. To change the reference (e.g. to add reviewed
clean plans), regenerate it with :func:`write_reference` and commit it with a note: every
clean text may change, and the change is then visible in one commit.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from analysis.clean.charmodel import CharBigramModel, reference_model
from analysis.clean.gbk_repair import ShiftRepairer
from analysis.clean.rules import make_repairer, reference_texts
from analysis.core.io import atomic_write_text
from analysis.core.paths import PACKAGE_DATA

REFERENCE_FILE = PACKAGE_DATA / "reference_texts.json"


def _version(texts: list[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def write_reference(raw_texts: list[str], source: str, path: Path = REFERENCE_FILE) -> Path:
    """Write the reference file from raw plan texts (in a fixed order)."""
    texts = reference_texts(raw_texts)
    payload = {"version": _version(texts), "source": source, "texts": texts}
    atomic_write_text(Path(path), json.dumps(payload, ensure_ascii=False, indent=0) + "\n")
    return Path(path)


def read_reference(path: Path = REFERENCE_FILE) -> dict:
    """The shipped reference: ``version``, ``source`` and ``texts``.

    Raises
    ------
    ValueError
        If the file's texts do not match its version (edited by hand or truncated).
    """
    payload = json.loads(Path(path).read_text(encoding="utf-8"))
    if _version(payload["texts"]) != payload["version"]:
        raise ValueError(f"{path}: texts do not match their version; regenerate it with "
                         "analysis.clean.reference.write_reference")
    return payload


@lru_cache(maxsize=1)
def shipped_reference() -> tuple[CharBigramModel, ShiftRepairer, str]:
    """Model, repairer and version of the shipped reference (built once per process)."""
    payload = read_reference()
    model = reference_model(payload["texts"])
    return model, make_repairer(model), payload["version"]
