"""Cached steps of corpus-level stages (analysis.core.memo): a stored result is used only
under the same code, libraries and inputs, and --no-cache computes."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.core import memo


@pytest.fixture
def counted():
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return {"result": value}
        return run
    return calls, compute


def test_a_step_is_computed_once_per_input_and_one_entry_is_kept(tmp_path, counted, monkeypatch):
    monkeypatch.delenv(memo.NO_CACHE_ENV, raising=False)
    calls, compute = counted
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    roots = ("analysis.core.memo",)
    first = memo.cached_step(tmp_path, "step", roots, (frame, 3), compute(1))
    again = memo.cached_step(tmp_path, "step", roots, (frame.copy(), 3), compute(2))
    assert first == again == {"result": 1} and calls == [1]
    changed = frame.assign(b=["x", "z"])
    assert memo.cached_step(tmp_path, "step", roots, (changed, 3), compute(3)) == {"result": 3}
    assert memo.cached_step(tmp_path, "step", roots, (changed, 4), compute(4)) == {"result": 4}
    assert calls == [1, 3, 4]
    assert len(list((tmp_path / memo.FOLDER / "step").glob("*.pkl"))) == 1


def test_other_folders_are_read_but_never_written(tmp_path, counted, monkeypatch):
    """``read_also``: a build with its own output folder reads a corpus-independent result
    the repository's build stored, under the same key only, and writes nothing there."""
    monkeypatch.delenv(memo.NO_CACHE_ENV, raising=False)
    calls, compute = counted
    roots = ("analysis.core.memo",)
    shared, own = tmp_path / "shared", tmp_path / "own"
    memo.cached_step(shared, "step", roots, (1,), compute(1))

    def state(folder):
        return sorted((p, p.stat().st_mtime_ns, p.is_file() and p.read_bytes())
                      for p in folder.rglob("*"))

    stored = state(shared)
    assert memo.cached_step(own, "step", roots, (1,), compute(2), read_also=(shared,)) == {
        "result": 1}
    assert not own.exists() and state(shared) == stored
    # another key is computed and stored in the build's own folder, not in the other one
    assert memo.cached_step(own, "step", roots, (2,), compute(3), read_also=(shared,)) == {
        "result": 3}
    assert len(list(own.rglob("*.pkl"))) == 1 and state(shared) == stored
    assert calls == [1, 3]


def test_the_key_follows_the_code_a_step_imports(monkeypatch):
    """Two roots whose import closures differ give different keys for the same inputs."""
    one = memo.step_key("s", ("analysis.core.memo",), (), (1,))
    two = memo.step_key("s", ("analysis.core.io",), (), (1,))
    assert one != two
    from analysis.core.codeversion import module_closure
    names = {p.name for p in module_closure(("analysis.core.memo",))}
    assert {"memo.py", "codeversion.py", "io.py", "paths.py"} <= names


def test_a_damaged_entry_is_a_miss_and_no_cache_computes(tmp_path, counted, monkeypatch):
    calls, compute = counted
    monkeypatch.delenv(memo.NO_CACHE_ENV, raising=False)
    roots = ("analysis.core.memo",)
    memo.cached_step(tmp_path, "step", roots, (1,), compute(1))
    entry, = (tmp_path / memo.FOLDER / "step").glob("*.pkl")
    entry.write_bytes(b"not a pickle")
    assert memo.cached_step(tmp_path, "step", roots, (1,), compute(2)) == {"result": 2}
    monkeypatch.setenv(memo.NO_CACHE_ENV, "1")
    assert memo.cached_step(tmp_path, "step", roots, (1,), compute(3)) == {"result": 3}
    assert memo.cached_step(None, "step", roots, (1,), compute(4)) == {"result": 4}
    assert calls == [1, 2, 3, 4]


def test_a_cache_that_cannot_be_written_costs_only_time(tmp_path, counted, monkeypatch, capsys):
    """A read-only or full cache folder must not fail the stage that uses it."""
    monkeypatch.delenv(memo.NO_CACHE_ENV, raising=False)
    calls, compute = counted

    def refuse(path, data):
        raise OSError("no space left on device")

    monkeypatch.setattr(memo, "atomic_write_bytes", refuse)
    assert memo.cached_step(tmp_path, "step", ("analysis.core.memo",), (1,), compute(1)) == \
        {"result": 1}
    assert "not cached" in capsys.readouterr().err


def test_by_text_computes_only_unseen_texts_and_never_reads_other_settings(tmp_path,
                                                                          monkeypatch):
    import pickle

    from analysis.core import memo

    calls = []

    def lengths(texts):
        calls.append(list(texts))
        return [len(t) for t in texts]

    texts = ["甲乙", None, "丙", "甲乙", "\ud800孤"]  # a repeat, a non-text, a lone surrogate
    assert memo.by_text(tmp_path, "lens", "v1", texts, lengths) == [2, 0, 1, 2, 2]
    assert calls == [["甲乙", "", "丙", "\ud800孤"]]
    (path,) = tmp_path.glob("lens_*.pkl")
    written = path.read_bytes()
    assert memo.by_text(tmp_path, "lens", "v1", ["丙", "甲乙"], lengths) == [1, 2]
    assert len(calls) == 1 and path.read_bytes() == written  # all found: no write
    assert memo.by_text(tmp_path, "lens", "v1", ["丙", "丁戊己"], lengths) == [1, 3]
    assert calls[-1] == ["丁戊己"]
    # A file under this settings' name that holds other settings (a hash collision, or a
    # copied file) is not read.
    stored = pickle.loads(path.read_bytes())
    stored["entries"] = {k: (99, u) for k, (_, u) in stored["entries"].items()}
    stored["settings"] = "something else"
    path.write_bytes(pickle.dumps(stored))
    assert memo.by_text(tmp_path, "lens", "v1", ["丙"], lengths) == [1]
    # A damaged file is a miss.
    path.write_bytes(b"not a pickle")
    assert memo.by_text(tmp_path, "lens", "v1", ["丙"], lengths) == [1]
    # --no-cache computes everything and writes nothing.
    monkeypatch.setenv(memo.NO_CACHE_ENV, "1")
    calls.clear()
    assert memo.by_text(tmp_path / "none", "lens", "v1", ["丙"], lengths) == [1]
    assert calls == [["丙"]] and not (tmp_path / "none").exists()


def test_a_memo_that_cannot_be_pruned_or_written_costs_time_not_the_build(tmp_path,
                                                                          monkeypatch):
    from pathlib import Path

    from analysis.core import memo

    for k in range(3):  # three settings, one more than the files kept
        memo.by_text(tmp_path, "lens", f"v{k}", ["甲"], lambda ts: [len(t) for t in ts])
    assert len(list(tmp_path.glob("lens_*.pkl"))) == 2

    def refuse(*args, **kwargs):
        raise PermissionError("read-only folder")

    monkeypatch.setattr(Path, "unlink", refuse)
    monkeypatch.setattr(memo, "atomic_write_bytes", refuse)
    for k in range(3, 6):
        assert memo.by_text(tmp_path, "lens", f"v{k}", ["乙乙"],
                            lambda ts: [len(t) for t in ts]) == [2]
