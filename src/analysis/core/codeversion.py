"""The source files a module's result depends on: the module and every ``analysis`` module
it imports, transitively (imports inside functions included).

Used to key cached results by the code that computed them: the per-document cache
(:mod:`analysis.pipeline.cache`), the simulation study's stamp and the cached steps of
corpus-level stages (:mod:`analysis.core.memo`). Written by hand: ``modulefinder`` executes
nothing but also follows the standard library and every installed package, which is slow and
not what a code version needs.

Also here: jieba's dictionary (:func:`jieba_dictionary_path`, :func:`jieba_dictionary_digest`),
whose bytes key the segmentation caches and the shipped repair reference built on it.
"""
from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

from analysis.core.paths import PACKAGE_DATA, PACKAGE_DIR


def _module_path(name: str, package_dir: Path = PACKAGE_DIR) -> Path | None:
    parts = name.split(".")
    if parts[0] != "analysis":
        return None
    base = Path(package_dir).joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported_names(path: Path, package: str) -> set[str]:
    """Absolute names of the ``analysis`` modules a source file imports (anywhere in it,
    including imports inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names}  # may be submodules
    return {n for n in names if n.split(".")[0] == "analysis"}


def module_closure(roots: tuple[str, ...], package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Source files of ``roots`` and of every ``analysis`` module they import, transitively
    (with the ``__init__.py`` of each package on the way), sorted; ``package_dir`` is the
    ``analysis`` package folder (tests point it at an edited copy)."""
    seen: dict[str, Path] = {}
    stack = list(roots)
    while stack:
        name = stack.pop()
        path = _module_path(name, package_dir)
        if name in seen or path is None:
            continue
        seen[name] = path
        parts = name.split(".")
        stack.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        package = name if path.name == "__init__.py" else ".".join(parts[:-1])
        stack.extend(_imported_names(path, package))
    return sorted(set(seen.values()))


def resources(files: list[Path], package_data: Path = PACKAGE_DATA) -> list[Path]:
    """Files of ``package_data`` (``src/analysis/data``) named by string constants in
    ``files``."""
    available = {p.name: p for p in Path(package_data).iterdir() if p.is_file()}
    used = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value in available:
                used.add(available[node.value])
    return sorted(used)


@lru_cache(maxsize=None)
def source_digest(roots: tuple[str, ...]) -> str:
    """SHA-256 of the source of :func:`module_closure` of ``roots`` and of the package data
    files they name (paths and bytes). Cached per process: a long-lived process (a notebook
    kernel) does not see later edits, as it does not see them in its imported modules."""
    digest = hashlib.sha256()
    files = module_closure(roots)
    for path in files + resources(files):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def jieba_dictionary_path() -> Path:
    """jieba's ``dict.txt``, found without importing jieba."""
    import importlib.util

    return Path(importlib.util.find_spec("jieba").origin).parent / "dict.txt"


@lru_cache(maxsize=1)
def jieba_dictionary_digest() -> str:
    """SHA-256 of jieba's ``dict.txt`` (read once per process): part of the key of every
    result built on its words and frequencies."""
    return hashlib.sha256(jieba_dictionary_path().read_bytes()).hexdigest()
