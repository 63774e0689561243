"""A bureau's own rules, without forking (issue 16): declared exactly like the built-in ones —
a `RULES` list of `Rule(...)` in a Python file — and found

* through the configuration: `rules = "本地规则.py"` (a file or a folder of .py files, or a
  list of them; relative to the configuration file), see xlsxtool.config; or
* through an installed package's entry point in the group `xlsxtool.rules`, pointing at a
  module with `RULES`, or at a list of rules, or at one rule:

      [project.entry-points."xlsxtool.rules"]
      hunan = "hunan_rules"

Local codes are `L` + three digits (L801): no built-in family uses L, so a local rule never
takes a code the catalog may give a built-in rule later. Once loaded, a local rule is in
`RULES`: `--select/--ignore`, `xlsxtool rules` and the reports see it like any other.
docs/local-rules.md has a worked example.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import traceback
from collections.abc import Iterable
from dataclasses import replace
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from . import LOCAL_PREFIX, RULES
from .base import Rule, RuleError

ENTRY_POINT_GROUP = "xlsxtool.rules"
LOCAL_CODE = re.compile(rf"^{LOCAL_PREFIX}\d{{3}}$")

_loaded: dict[str, list[str]] = {}  # where a set of rules came from → their codes


def load_files(paths: Iterable[Path]) -> list[Rule]:
    """Register the rules of these files (a folder: its *.py files, by name). Loading the same
    file again does nothing. Raises RuleError, in Chinese, naming the file and what is wrong."""
    out: list[Rule] = []
    for path in paths:
        path = Path(path)
        files = sorted(p for p in path.glob("*.py") if not p.name.startswith("_")) if path.is_dir() else [path]
        for file in files:
            out += _load_file(file)
    return out


def load_entry_points() -> list[Rule]:
    """Register the rules of every installed `xlsxtool.rules` entry point (once per process)."""
    out: list[Rule] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {ep.name} = {ep.value}"
        if origin in _loaded:
            continue
        try:
            target = ep.load()
        except Exception as exc:  # a broken package must not crash the run with a traceback
            raise RuleError(f"本地规则（入口点 {ep.name} = {ep.value}）无法加载：{_reason(exc)}") from exc
        out += _register(_rules_of(target, origin), origin)
    return out


def forget() -> None:
    """Unregister every local rule (tests; a long-running process re-reading its configuration)."""
    for codes in _loaded.values():
        for code in codes:
            RULES.pop(code, None)
    _loaded.clear()


def _load_file(file: Path) -> list[Rule]:
    origin = str(file.resolve())
    if origin in _loaded:
        return [RULES[c] for c in _loaded[origin] if c in RULES]
    if not file.is_file():
        raise RuleError(f"找不到本地规则文件：{file}")
    if file.suffix != ".py":
        raise RuleError(f"本地规则文件应为 Python 文件（.py）：{file}")
    # A module name of its own per file: two bureaus' 'rules.py' never replace each other.
    name = "xlsxtool_local_" + hashlib.sha1(origin.encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise RuleError(f"本地规则文件无法加载：{file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # SyntaxError, ImportError, a RuleError of a wrong declaration…
        sys.modules.pop(name, None)
        raise RuleError(f"本地规则文件 {file} 无法加载：{_reason(exc, file)}") from exc
    return _register(_rules_of(module, f"本地规则文件 {file}"), origin)


def _rules_of(target: Any, where: str) -> list[Rule]:
    if isinstance(target, ModuleType):
        if not hasattr(target, "RULES"):
            raise RuleError(f"{where}中没有 RULES 列表（应为 RULES = [Rule(...), …]）")
        target = target.RULES
    if isinstance(target, Rule):
        target = [target]
    if not isinstance(target, (list, tuple)) or not all(isinstance(r, Rule) for r in target):
        raise RuleError(f"{where}：RULES 应为 Rule(...) 的列表")
    return list(target)


def _register(rules: list[Rule], origin: str) -> list[Rule]:
    shown = origin if origin.startswith("entry point") else f"本地规则文件 {origin}"
    for rule in rules:
        if rule.code in RULES:
            owner = "内置规则" if not RULES[rule.code].local else RULES[rule.code].origin
            raise RuleError(f"{shown}：规则代码 {rule.code} 已被使用（{owner}）")
        if not LOCAL_CODE.match(rule.code):
            raise RuleError(f"{shown}：本地规则的代码应为 {LOCAL_PREFIX} 加三位数字（如 {LOCAL_PREFIX}801），"
                            f"而不是“{rule.code}”；F/B/S/C/T/V/X/N 开头的代码留给内置规则")
        if not rule.variants:
            raise RuleError(f"{shown}：规则 {rule.code} 没有检查（应给出 frame、check、render）")
    if len({r.code for r in rules}) != len(rules):
        raise RuleError(f"{shown}：同一规则代码出现了两次")
    registered = [replace(r, origin=origin) for r in rules]
    for rule in registered:
        RULES[rule.code] = rule
    _loaded[origin] = [r.code for r in registered]
    return registered


def _reason(exc: BaseException, file: Path | None = None) -> str:
    """What went wrong, in one line, with the line of the rule file where it did."""
    if isinstance(exc, RuleError):
        return str(exc)
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    if line is None and file is not None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == file.resolve()]
        line = frames[-1].lineno if frames else None
    where = f"（第 {line} 行）" if line else ""
    return f"{type(exc).__name__}: {exc}{where}"


__all__ = ["ENTRY_POINT_GROUP", "forget", "load_entry_points", "load_files"]
