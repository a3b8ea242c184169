"""environment.yml, pyproject.toml and requirements.lock stay in step."""
from __future__ import annotations

import re
import tomllib

from conftest import ROOT


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_deps() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_canon(re.split(r"[<>=!~ \[;]", d)[0]) for d in data["project"]["dependencies"]}


def test_environment_yml_lists_the_same_dependencies():
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    pip_block = text.split("- pip:")[1]
    names = {_canon(m.group(1)) for m in re.finditer(r"^\s+- ([A-Za-z0-9_.-]+)\s*$", pip_block,
                                                     re.M)}
    assert names == _pyproject_deps()


def test_every_dependency_is_pinned_in_the_lock():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {_canon(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", lock, re.M)}
    missing = _pyproject_deps() - pinned
    assert not missing, f"run `make lock`: {missing} not pinned"


def test_the_slow_files_that_go_first_exist_and_make_test_keeps_their_order():
    """A renamed or deleted file in conftest.SLOW_FILES would silently lose its early start,
    and without --no-loadscope-reorder xdist would reorder the files by their test counts."""
    from conftest import ROOT, SLOW_FILES

    missing = [name for name in SLOW_FILES if not (ROOT / name).is_file()]
    assert not missing, f"tests/conftest.py SLOW_FILES names files that do not exist: {missing}"
    assert "--no-loadscope-reorder" in (ROOT / "Makefile").read_text(encoding="utf-8")
