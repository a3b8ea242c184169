"""Raw data are immutable, listed in the manifest, and read in any common Chinese encoding."""
from __future__ import annotations

import codecs
import hashlib

import pandas as pd
import pytest

from analysis.corpus.read import decode_bytes, load_manifest, read_corpus

from conftest import RAW


def test_every_manifest_plan_has_one_recorded_checksum():
    """Checksums live only in SHA256SUMS; the manifest holds none (one source of truth)."""
    from analysis.corpus.checksums import read_checksums

    manifest = load_manifest(RAW)
    assert len(manifest) >= 5  # the seeds; users add plans
    assert "sha256" not in pd.read_csv(RAW / "manifest.csv", nrows=0).columns
    recorded = read_checksums(RAW)
    for row in manifest.itertuples():
        digest = hashlib.sha256((RAW / row.file).read_bytes()).hexdigest()
        assert recorded[row.file] == digest, f"{row.file} was modified: raw data must never change"


def test_all_raw_files_match_recorded_checksums():
    """data/raw/SHA256SUMS was written when the files were copied from shared/ (plans and
    accident statistics); any later edit of a raw file fails here."""
    recorded = pd.read_csv(RAW / "SHA256SUMS", sep=r"\s+", header=None, names=["sha256", "file"])
    assert {"accident_stats/national.csv", "plans/README.md"} <= set(recorded["file"])
    for row in recorded.itertuples():
        path = RAW / row.file
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256, row.file


def test_every_plan_file_has_a_manifest_row():
    manifest = load_manifest(RAW)
    listed = set(manifest["file"])
    on_disk = {f"plans/{p.name}" for p in (RAW / "plans").glob("*.txt")}
    assert on_disk == listed


SAMPLE = "江西省应急管理厅关于印发2023年应急管理工作要点的通知，坚持人民至上、生命至上。"
SAMPLE_TRAD = "江西省應急管理廳關於印發2023年應急管理工作要點的通知，堅持人民至上、生命至上。"


@pytest.mark.parametrize("encoding,text,expected_source", [
    ("gbk", SAMPLE, "detected"),
    ("gb18030", SAMPLE, "detected"),
    ("big5", SAMPLE_TRAD, "detected"),
    ("utf-8", SAMPLE, "utf-8"),
])
def test_decode_detects_encoding(encoding, text, expected_source):
    data = (text * 20).encode(encoding)
    decoded, used, source = decode_bytes(data)
    assert decoded == text * 20
    assert source == expected_source
    if source == "detected":
        assert codecs.lookup(used).name in {codecs.lookup(e).name for e in ("gb18030", "gbk", "big5")}


@pytest.mark.parametrize("bom,encoding", [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
])
def test_decode_with_bom(bom, encoding):
    text, _, source = decode_bytes(bom + (SAMPLE + "\r\n").encode(encoding))
    assert text == SAMPLE + "\n"
    assert source == "bom"


def test_decode_bomless_utf16():
    text, used, _ = decode_bytes((SAMPLE * 10).encode("utf-16-le"))
    assert text == SAMPLE * 10 and used == "utf-16-le"


def test_manifest_encoding_override_wins():
    data = SAMPLE.encode("gbk")
    text, used, source = decode_bytes(data, override="gbk")
    assert (text, used, source) == (SAMPLE, "gbk", "manifest")


def test_decode_rejects_empty_and_binary():
    with pytest.raises(ValueError, match="empty"):
        decode_bytes(b"  \n ")
    with pytest.raises(ValueError, match="binary"):
        decode_bytes(bytes(range(256)) * 20)


def test_seed_corpus_reads_without_problems():
    manifest, docs, problems = read_corpus(RAW)
    assert problems == []
    assert [d.doc_id for d in docs] == list(manifest["doc_id"])


def test_override_keeps_no_bom_and_utf32_is_recognised():
    text, _, _ = decode_bytes(codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), override="utf-8")
    assert text == SAMPLE
    text, used, _ = decode_bytes(codecs.BOM_UTF32_LE + SAMPLE.encode("utf-32-le"))
    assert text == SAMPLE and used == "utf-32"


def test_damaged_utf8_message_gives_the_offset():
    data = SAMPLE.encode("utf-8")
    with pytest.raises(ValueError, match="offset"):
        decode_bytes(data[:10] + b"\xff" + data[10:] + b"\x00" * 0 + bytes([0x80]) * 3)
