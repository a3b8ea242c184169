"""Careless or hostile input: every problem is a named row or a clear stop, never a crash,
and nothing is read from outside data/raw or from shared temporary folders."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from analysis.corpus.checksums import read_checksums, write_checksums
from analysis.corpus.manifest import ManifestError, load_manifest, read_manifest
from analysis.corpus.read import read_corpus

from conftest import RAW, ROOT


@pytest.fixture()
def raw(tmp_path):
    """Two seed plans (Yichun, Haimen) in a raw folder of their own."""
    folder = tmp_path / "raw"
    (folder / "plans").mkdir(parents=True)
    manifest = load_manifest(RAW)
    keep = manifest[manifest["doc_id"].isin(["yichun-2023", "haimen-2023"])]
    recorded = read_checksums(RAW)
    for f in keep["file"]:
        shutil.copy(RAW / f, folder / f)
    write_checksums(folder, {f: recorded[f] for f in keep["file"]})
    keep.to_csv(folder / "manifest.csv", index=False)
    return folder


def _add_row(raw, **values):
    manifest = pd.read_csv(raw / "manifest.csv", dtype=str, keep_default_na=False)
    row = dict(manifest.iloc[0], **values)
    pd.concat([manifest, pd.DataFrame([row])]).to_csv(raw / "manifest.csv", index=False)


def _record(raw, name, data):
    (raw / name).write_bytes(data)
    sums = read_checksums(raw)
    sums[name] = hashlib.sha256(data).hexdigest()
    write_checksums(raw, sums)


def _problems(raw):
    _, docs, problems = read_corpus(raw)
    return {d.doc_id for d in docs}, {p.doc_id: p.problem for p in problems}


def test_odd_manifest_rows_are_named_and_the_rest_is_read(raw, tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("应急管理工作要点。" * 20, encoding="utf-8")
    (raw / "plans" / "link.txt").symlink_to(outside)
    (raw / "plans" / "folder.txt").mkdir()
    os.mkfifo(raw / "plans" / "pipe.txt")
    _add_row(raw, doc_id="no-file", file="")
    _add_row(raw, doc_id="bad-year", file="plans/x.txt", year_start="twenty-one")
    _add_row(raw, doc_id="wide-year", file="plans/z.txt", year_start="２０２３", year_end="２０２３")
    _add_row(raw, doc_id="no-level", file="plans/y.txt", admin_level="")
    _add_row(raw, doc_id="dot-dot", file="../secret.txt")
    _add_row(raw, doc_id="absolute", file=str(outside))
    _add_row(raw, doc_id="link", file="plans/link.txt")
    _add_row(raw, doc_id="folder", file="plans/folder.txt")
    _add_row(raw, doc_id="pipe", file="plans/pipe.txt")
    read, problems = _problems(raw)
    assert read == {"yichun-2023", "haimen-2023"}
    assert "no file named" in problems["no-file"]
    assert "year_start" in problems["bad-year"] and "manifest line 5" in problems["bad-year"]
    # an empty level is read from the text: the row's only problem is its missing file
    assert "admin_level" not in problems["no-level"] and "missing" in problems["no-level"]
    assert "missing" in problems["wide-year"]  # the full-width year was read as 2023
    assert "leads out of data/raw" in problems["dot-dot"]
    assert "absolute path" in problems["absolute"]
    assert "link that leads out" in problems["link"]
    assert "not a regular file" in problems["folder"]
    assert "not a regular file" in problems["pipe"]  # a FIFO is never opened (no hang)


def test_size_limit_is_read_in_a_bounded_way(raw, monkeypatch):
    _record(raw, "plans/big.txt", "应急管理。".encode("utf-8") * 1000)
    _add_row(raw, doc_id="big", file="plans/big.txt")
    monkeypatch.setenv("ANALYSIS_MAX_PLAN_BYTES", "10000")
    read, problems = _problems(raw)
    assert "larger than 10,000 bytes" in problems["big"] and "big" not in read


def test_text_without_chinese_is_a_problem_not_an_empty_document(raw):
    _record(raw, "plans/spaces.txt", "\u3000\u3000\n\u3000".encode("utf-8") * 50)
    _add_row(raw, doc_id="spaces", file="plans/spaces.txt")
    gbk = "江西省应急管理厅关于印发工作要点的通知，坚持人民至上。".encode("gbk") * 20
    _record(raw, "plans/gbk.txt", gbk)
    _add_row(raw, doc_id="latin", file="plans/gbk.txt", encoding="latin-1")
    read, problems = _problems(raw)
    assert "0% Chinese" in problems["spaces"]
    assert "latin-1" in problems["latin"] and "% Chinese" in problems["latin"]


def test_unreadable_manifest_stops_with_the_real_line(raw):
    text = (raw / "manifest.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    # A quote opened at the start of a field in the middle row and never closed.
    broken = lines[0] + lines[1].replace("yichun-2023,", 'yichun-2023,"', 1) + lines[2]
    (raw / "manifest.csv").write_text(broken, encoding="utf-8")
    with pytest.raises(ManifestError, match="line 2: "):
        read_manifest(raw)
    (raw / "manifest.csv").write_bytes(text.encode("gb18030"))
    with pytest.raises(ManifestError, match="not UTF-8 .*line 2"):
        read_manifest(raw)
    result = subprocess.run([sys.executable, "-m", "analysis", "build", "--raw", str(raw),
                             "--out", str(raw.parent / "out")], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 2 and "not UTF-8" in result.stderr


def test_a_second_build_on_the_same_output_is_refused(raw, tmp_path):
    from analysis.pipeline.build import BuildLocked, build, build_lock

    out = tmp_path / "out"
    out.mkdir()
    with build_lock(out):
        with pytest.raises(BuildLocked, match="another build"):
            build(raw, out, progress=False, stages=())


def test_jieba_cache_is_private(tmp_path, monkeypatch):
    """jieba's marshal cache is never read from or written to the shared temporary folder."""
    from analysis.core.paths import cache_dir
    from analysis.text import tokenise

    monkeypatch.setenv("ANALYSIS_ROOT", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "shared-tmp"))
    (tmp_path / "shared-tmp").mkdir()
    tokenizer = tokenise._new_tokenizer(user_dictionary=False)
    assert tokenizer.tmp_dir == str(cache_dir() / "jieba")
    assert str(tmp_path / "data" / "processed" / ".cache" / "jieba") == tokenizer.tmp_dir
    assert tokenizer.cache_file.startswith("jieba-") and tokenizer.cache_file.endswith(".cache")
    assert list((tmp_path / "shared-tmp").iterdir()) == []


# --- a plan's text depends only on its own bytes and versioned resources ----------------------

def test_shipped_reference_is_the_seeds_and_pages_prepared():
    """The repair reference is a versioned file; it is exactly what the seeds and the scored
    test sets' pages give: their lines, none shorter than 8 characters, none holding '□', '?'
    or a Latin run; the seeds' lines first."""
    from analysis.clean.reference import (MIN_PIECE, _usable, make_reference_texts,
                                          read_reference, reference_sources)
    from analysis.clean.rules import reference_texts

    seeds, pages, held = reference_sources()
    assert len(seeds) == 5 and len(pages) == 399 and len(held) == 70
    texts = read_reference()["texts"]
    assert texts == make_reference_texts(seeds, pages)
    assert all(len(t) >= MIN_PIECE and not set(t) & set("\n□?？") for t in texts)
    seed_lines = [line for text in reference_texts(seeds) for line in text.split("\n")]
    assert texts[:100] == [line for line in seed_lines if _usable(line)][:100]
    assert not _usable("对接370MHz窄带无线通信专网") and not _usable("短行")


def test_stored_shipped_reference_cleans_as_a_fresh_one(tmp_path, monkeypatch):
    """The shipped reference is kept in the cache folder (about 4 s to make, 0.5 s to load):
    the stored copy cleans every seed plan exactly as one made afresh, and a later process's
    call, also one of a build with its own output folder, reads it instead of making it
    (--no-cache computing every cached step is tested in test_memo.py)."""
    from analysis.clean import reference
    from analysis.clean.rules import CleanContext, clean_text
    from analysis.core.memo import NO_CACHE_ENV
    from analysis.core.paths import CACHE_DIR_ENV
    from analysis.corpus.read import read_corpus

    monkeypatch.setenv("ANALYSIS_ROOT", str(tmp_path / "repository"))
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    made = []
    real = reference._make_reference
    monkeypatch.setattr(reference, "_make_reference", lambda p: made.append(1) or real(p))
    reference.shipped_reference.cache_clear()
    try:
        first = reference.shipped_reference()
        assert made == [1] and len(list((tmp_path / "repository").rglob("*.pkl"))) == 1
        reference.shipped_reference.cache_clear()  # as in a new process
        # a build with an output folder of its own reads the repository's copy
        monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "own"))
        stored = reference.shipped_reference()
        assert made == [1] and stored is not first and not (tmp_path / "own").exists()
    finally:
        reference.shipped_reference.cache_clear()
    _, docs, _ = read_corpus(RAW)
    for doc in docs:
        outputs = []
        for model, repairer, _ in (first, stored):  # first: made here, not used before
            result = clean_text(doc.text, CleanContext(doc.doc_id, repairer=repairer,
                                                       model=model))
            outputs.append((result.text, result.log, [vars(g) for g in result.context.garbled]))
        assert outputs[0] == outputs[1], doc.doc_id


def test_evaluation_reference_holds_no_passage_of_the_damaged_pages():
    """The reference the GBK figures come from holds no passage of 8 characters of a page the
    synthetic damage is made from, as found or prepared (so that the figures stay out of
    sample), and is the shipped reference's sources cut around them."""
    from analysis.clean.reference import (HOLDOUT_NGRAM, evaluation_reference,
                                          read_reference, reference_sources)
    from analysis.clean.rules import reference_texts

    model, _, marked = evaluation_reference()
    _, _, held = reference_sources()
    held_grams = {t[i:i + HOLDOUT_NGRAM] for t in held + reference_texts(held)
                  for i in range(len(t) - HOLDOUT_NGRAM + 1)}
    # Pieces carry line breaks at their lines' edges (the model learns where lines start and
    # end); the passages are their characters.
    texts = [t.strip("\n") for t in marked]
    assert not any(t[i:i + HOLDOUT_NGRAM] in held_grams
                   for t in texts for i in range(len(t) - HOLDOUT_NGRAM + 1))
    # Wired as documented: real line edges are marked once (no doubled break), cut edges not.
    assert model.counts[2]["\n\n"] == 0
    assert 0 < sum(t.startswith("\n") for t in marked) < len(marked)
    shipped = "\n".join(read_reference()["texts"])
    assert sum(t in shipped for t in texts) > 0.9 * len(texts)
    assert sum(map(len, texts)) < 0.8 * len(shipped)


def test_passages_shared_with_held_out_pages_are_cut_out():
    from analysis.clean.reference import _without_shared

    held = {"安全生产责任制度"}
    text = "全面落实各项安全生产责任制度，加强安全生产监督管理。"
    assert _without_shared(text, held) == ["，加强安全生产监督管理。"]  # 全面落实各项: too short
    assert _without_shared("没有共同的八字段落。\n第二行也是完整的句子。", held) == [
        "没有共同的八字段落。", "第二行也是完整的句子。"]
    assert _without_shared("本方案自印发之日起施行www.example.com", set()) == []
    # Real line edges are marked for the model, edges made by a cut are not.
    assert _without_shared(text, held, line_edges=True) == ["，加强安全生产监督管理。\n"]
    assert _without_shared("没有共同的八字段落。\n第二行也是完整的句子。", held, line_edges=True) == [
        "\n没有共同的八字段落。\n", "\n第二行也是完整的句子。\n"]


def test_clean_text_does_not_depend_on_other_plans(raw, tmp_path, cleaned):
    """Adding unrelated plans (one large, one with GBK damage and spam-like strings) leaves
    every other plan's clean text, log and repairs byte-identical."""
    from analysis.pipeline.build import clean_corpus

    big = ("２０２２年某县应急管理工作要点。加强安全生产，危化品集中治理，有关部门要落实责任。"
           "关于防汛抗旱，全省应急救援队伍建设。" * 3000).encode("utf-8")
    _record(raw, "plans/big.txt", big)
    _add_row(raw, doc_id="unrelated-big", file="plans/big.txt")
    damaged = "应急管理局关于危化品集中治理的通知".encode("gbk")
    _record(raw, "plans/damaged.txt", (b"x" + damaged * 40).decode("gb18030", "replace")
            .encode("utf-8"))
    _add_row(raw, doc_id="unrelated-damaged", file="plans/damaged.txt")
    alone = clean_corpus(raw, progress=False)
    for doc_id in ("yichun-2023", "haimen-2023"):
        assert alone.texts[doc_id] == cleaned.texts[doc_id], doc_id
    log = alone.cleaning_log[alone.cleaning_log["doc_id"].isin(["yichun-2023", "haimen-2023"])]
    seed_log = cleaned.cleaning_log[cleaned.cleaning_log["doc_id"].isin(
        ["yichun-2023", "haimen-2023"])]
    assert log.reset_index(drop=True).equals(seed_log.reset_index(drop=True))


# --- interrupted builds leave a mark ----------------------------------------------------------

def test_interrupted_build_is_reported_and_leaves_no_temporary_file(raw, tmp_path):
    import signal
    import time

    from analysis.pipeline.status import status

    out = tmp_path / "out"
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run([sys.executable, "-m", "analysis", "build", "--raw", str(raw),
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert status(raw, out).up_to_date
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "build", "--raw", str(raw),
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)
    deadline = time.time() + 60
    while (out / "build_info.json").exists() and time.time() < deadline:
        time.sleep(0.05)  # the new build removes the old mark first
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the build finished before the signal arrived")
    if proc.returncode == 130 and status(raw, out).up_to_date:
        pytest.skip("the signal landed as the build returned (reported as an interruption)")
    # 130 is the interruption's code. Three of about a dozen fresh-clone CI runs (sessions 12
    # and 13; never locally) ended in -2, death by SIGINT, after the build had reported the
    # interruption and returned 130: Python's own exit by SIGINT for a KeyboardInterrupt it
    # counted as unhandled during shutdown (where from was not found). The report, the
    # absent temporary files and the unfinished status below are what users and make rely
    # on, and they are checked either way.
    assert proc.returncode in (130, -2), err[-2000:]
    assert "interrupted" in err
    assert not list(out.rglob("*.tmp"))
    after = status(raw, out)
    assert after.unfinished and not after.up_to_date
    assert "did not finish" in after.report()


def test_a_signal_that_surfaces_as_another_error_is_still_an_interruption(monkeypatch, capsys):
    """A SIGTERM landing while a compiled module is imported surfaces as
    ``ImportError: initialization failed``: the build must report an interruption (130), not a
    failure (3), and must leave the process's signal handlers as it found them."""
    import argparse
    import signal

    from analysis import cli
    from analysis.pipeline import build as build_module

    def interrupted_import(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None
        raise AssertionError("the signal handler did not run")

    def broken(*args, **kwargs):
        raise ImportError("initialization failed")

    args = argparse.Namespace(raw=None, out=None, progress=False, jobs=1, scheduler=None,
                              cache=None)
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(build_module, "build", interrupted_import)
    assert cli._build(args) == 130
    assert "build interrupted" in capsys.readouterr().err
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    # the same error without a signal is a failure of the build
    monkeypatch.setattr(build_module, "build", broken)
    assert cli._build(args) == 3
    assert "build failed" in capsys.readouterr().err

    # a signal whose KeyboardInterrupt was swallowed, then an unrelated error: still an
    # interruption, but the error is named so that it is not hidden
    def swallowed_then_failed(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except KeyboardInterrupt:
            pass
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module, "build", swallowed_then_failed)
    assert cli._build(args) == 130
    err = capsys.readouterr().err
    assert "RuntimeError: disk full" in err and "build interrupted" in err
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_a_failed_build_leaves_no_table_of_the_previous_build(raw, tmp_path, monkeypatch):
    import time

    from analysis.pipeline import build as build_module
    from analysis.pipeline.status import previous_build_outputs

    out = tmp_path / "processed"
    assert build_module.build(raw, out, progress=False, stages=("targets", "topics")) in (0, 1)
    before = previous_build_outputs(out)
    assert any(name.startswith("topic") for name in before)
    started = time.time()

    def broken(raw_dir, processed_dir):
        raise RuntimeError("topics failed")

    topics = dict(build_module._stage_modules(("topics",)))["topics"]
    monkeypatch.setattr(topics, "build", broken)
    # A table of the stage altered, so the stage is not up to date and runs (and fails).
    (out / "topics.csv").write_text("edited\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="topics failed"):
        build_module.build(raw, out, progress=False, stages=("targets", "topics"))
    assert not (out / "build_info.json").exists()
    for name in before:
        path = out / name
        assert not path.exists() or path.stat().st_mtime >= started, name
    assert (out / "clauses.csv").exists()  # what this build wrote stays, marked unfinished


def test_a_signal_landing_as_the_build_returns_does_not_escape(monkeypatch, capsys):
    """The flaky CI failure (exit -2): a SIGTERM arriving after the build returned, while the
    handlers were being put back, raised a KeyboardInterrupt outside the try, which ended the
    process uncaught. Here the signal is sent at that very point; the build's own result
    stands, and a second signal while an interruption is reported does not raise either."""
    import argparse
    import signal

    from analysis import cli
    from analysis.pipeline import build as build_module

    args = argparse.Namespace(raw=None, out=None, progress=False, jobs=1, scheduler=None,
                              cache=None)
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    real_mask = signal.pthread_sigmask
    sent = []

    def mask_after_a_signal(how, mask):
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGTERM)
        return real_mask(how, mask)

    monkeypatch.setattr(build_module, "build", lambda *a, **k: 0)
    monkeypatch.setattr(signal, "pthread_sigmask", mask_after_a_signal)
    try:
        code = cli._build(args)
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt escaped _build")
    assert code == 0
    assert sent and (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before

    def twice(*a, **k):
        os.kill(os.getpid(), signal.SIGTERM)  # raises KeyboardInterrupt here
        raise AssertionError("the signal handler did not run")

    def loud(*a, **k):
        os.kill(os.getpid(), signal.SIGTERM)  # a second signal while reporting
        return print_interrupted(*a, **k)

    print_interrupted = print
    monkeypatch.setattr(signal, "pthread_sigmask", real_mask)
    monkeypatch.setattr(build_module, "build", twice)
    monkeypatch.setattr("builtins.print", loud)
    try:
        code = cli._build(args)
    except KeyboardInterrupt:
        pytest.fail("a second signal raised while the interruption was reported")
    finally:
        monkeypatch.setattr("builtins.print", print_interrupted)
    assert code == 130


def test_an_interruption_surfacing_after_the_report_still_exits_130():
    """``python -m analysis``: a KeyboardInterrupt escaping ``main`` (a signal landing after the
    build reported its end) is an interruption, exit code 130, not a death by SIGINT (-2, seen
    twice in CI)."""
    code = ("import analysis.cli as c\n"
            "def interrupted(argv=None):\n    raise KeyboardInterrupt\n"
            "c.main = interrupted\n"
            "import runpy\nrunpy.run_module('analysis', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONHASHSEED="0"))
    assert done.returncode == 130, done.stderr[-1000:]


def test_reference_model_learns_where_lines_start():
    """Each reference line's edges are modelled as line breaks: a heading's number (一)
    becomes likelier after a line break, and 、, which never starts a line, less likely;
    without the edges the line break is an unseen history and the unigram estimate decides."""
    from analysis.clean.charmodel import reference_model

    lines = ["一、总体要求", "推进安全生产、防灾减灾、应急救援。", "二、主要任务"]
    with_edges, without = reference_model(lines), reference_model(lines, lines=False)
    assert with_edges.logprob("\n", "一") > without.logprob("\n", "一") + 2
    assert with_edges.logprob("\n", "、") < without.logprob("\n", "、") - 1
    assert with_edges.logprob("。", "\n") > with_edges.logprob("要", "\n") + 5
