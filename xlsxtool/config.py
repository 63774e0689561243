"""A bureau's local choices without code (SPEC §7): `[tool.xlsxtool]` in a `pyproject.toml`, or
an `xlsxtool.toml`, found from the checked path upward, or given with `--config FILE`.
Command-line options win over the file.

    # xlsxtool.toml (or [tool.xlsxtool] in pyproject.toml)
    ignore = ["C306"]                      # rules this bureau does not check
    profile = "national"                   # "national": T401/T402/S208 on 产出/效益/满意度 forms; "none": never
    [tolerances]
    money = 0.01                           # 万元/元 amounts (B104, X601, X602)
    rate = 0.001                           # 执行率 as a fraction (B101): 0.1 percentage point
    score = 0.01                           # 分值/得分 (S201, S204–S207, B102)
    [weights]                              # the standard split (S208, B106) and the total (S204)
    产出指标 = 50
    效益指标 = 30
    满意度指标 = 10
    funds = 10
    total = 100
    rules = "本地规则.py"                    # the bureau's own rules (a .py file or folder; see docs/local-rules.md)
    [labels]                               # extra words for a column, field or block
    score = ["考评得分"]
    target = ["预期值"]

    from xlsxtool import config
    settings = config.load(config.find(["报送材料/"]))   # or config.load(Path("xlsxtool.toml"))
    api.check(["报送材料/"], settings=settings)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .labels import STANDARD_WEIGHTS, label_names
from .rules import TOLERANCES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KEYS = ("select", "ignore", "tolerances", "weights", "labels", "profile", "rules")
PROFILES = ("national", "none")
# Weights of the standard split: the 一级 groups, the funds block ('funds') and the total.
_WEIGHT_ALIASES = {
    "产出": "产出指标", "产出指标": "产出指标", "output": "产出指标",
    "效益": "效益指标", "效益指标": "效益指标", "benefit": "效益指标",
    "满意度": "满意度指标", "满意度指标": "满意度指标", "satisfaction": "满意度指标",
    "funds": "funds", "资金": "funds", "预算执行率": "funds",
    "total": "total", "合计": "total", "总分": "total",
}


class ConfigError(ValueError):
    """The configuration cannot be used: a usage error (exit 2) that names the key and the file."""


@dataclass
class Settings:
    """What a configuration file sets; every field has the built-in default."""

    path: Path | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None
    tolerances: dict[str, float] = field(default_factory=lambda: dict(TOLERANCES))
    weights: dict[str, float] = field(default_factory=lambda: {**STANDARD_WEIGHTS, "funds": 10.0, "total": 100.0})
    labels: dict[str, list[str]] = field(default_factory=dict)
    profile: str = "national"
    rules: list[Path] = field(default_factory=list)  # local rule files or folders, loaded (xlsxtool.rules.local)


def find(paths: Iterable[str | Path]) -> Path | None:
    """The configuration for these paths: from the first path's folder upward, the first
    `xlsxtool.toml`, or `pyproject.toml` holding a [tool.xlsxtool] table."""
    for raw in paths:
        p = Path(raw)
        try:
            start = p.resolve() if p.exists() else Path.cwd().resolve()
        except OSError:
            continue
        folder = start if start.is_dir() else start.parent
        for d in (folder, *folder.parents):
            candidate = d / "xlsxtool.toml"
            if candidate.is_file():
                return candidate
            pyproject = d / "pyproject.toml"
            if pyproject.is_file() and _has_tool_table(pyproject):
                return pyproject
        return None
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(data.get("tool"), dict) and "xlsxtool" in data["tool"]


def load(path: Path | None) -> Settings:
    """Settings from a configuration file (None: the built-in defaults). Raises ConfigError."""
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"找不到配置文件：{path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取配置文件 {path}：{exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 不是有效的 TOML：{exc}") from exc
    if Path(path).name == "pyproject.toml":
        data = data.get("tool", {}).get("xlsxtool", {})
    return parse(data, Path(path))


def parse(data: dict[str, Any], path: Path | None = None) -> Settings:
    """Settings from an already-parsed table (the keys of SPEC §7)."""
    where = f"配置文件 {path}" if path else "配置"
    settings = Settings(path=path)
    for key, value in data.items():
        if key not in KEYS:
            raise ConfigError(f"{where}中有未知的设置项“{key}”（可用：{'、'.join(KEYS)}）")
        if key in ("select", "ignore"):
            codes = [value] if isinstance(value, str) else value
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise ConfigError(f"{where}：{key} 应为规则代码的列表，如 [\"C306\", \"S2\"]")
            setattr(settings, key, [c for item in codes for c in item.replace("，", ",").split(",") if c.strip()])
        elif key == "tolerances":
            settings.tolerances.update(_numbers(value, where, key, allowed=tuple(TOLERANCES)))
        elif key == "weights":
            for name, number in _numbers(value, where, key, allowed=tuple(_WEIGHT_ALIASES)).items():
                settings.weights[_WEIGHT_ALIASES[name]] = number
        elif key == "labels":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}：labels 应为表，如 score = [\"考评得分\"]")
            for name, words in value.items():
                if name not in label_names():
                    raise ConfigError(f"{where}中 labels 有未知的名称“{name}”（可用：{'、'.join(label_names())}）")
                words = [words] if isinstance(words, str) else words
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    raise ConfigError(f"{where}：labels.{name} 应为文字的列表")
                settings.labels[name] = list(words)
        elif key == "profile":
            if value not in PROFILES:
                raise ConfigError(f"{where}：profile 应为 {' 或 '.join(PROFILES)}，而不是“{value}”")
            settings.profile = value
        elif key == "rules":
            settings.rules = _rule_paths(value, where, path)
    if settings.rules:
        from .rules.base import RuleError
        from .rules.local import load_files

        # Loaded here, once: every caller of load()/parse() (the CLI, a script) then has them
        # in RULES, before --select/--ignore are read.
        try:
            load_files(settings.rules)
        except RuleError as exc:
            raise ConfigError(f"{where}：{exc}") from exc
    return settings


def _rule_paths(value: Any, where: str, path: Path | None) -> list[Path]:
    """`rules = "a.py"` or `rules = ["a.py", "本地规则/"]`, relative to the configuration file."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise ConfigError(f"{where}：rules 应为本地规则文件（.py）或文件夹的路径，如 rules = \"本地规则.py\"")
    base = path.parent if path is not None else Path.cwd()
    out = []
    for item in items:
        p = Path(item).expanduser()
        p = p if p.is_absolute() else base / p
        if not p.exists():
            raise ConfigError(f"{where}：找不到本地规则文件“{item}”（{p}）")
        out.append(p)
    return out


def _numbers(value: Any, where: str, key: str, *, allowed: tuple[str, ...]) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}：{key} 应为表，如 [{key}]")
    out: dict[str, float] = {}
    for name, number in value.items():
        if name not in allowed:
            raise ConfigError(f"{where}中 {key} 有未知的名称“{name}”（可用：{'、'.join(allowed)}）")
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
            raise ConfigError(f"{where}：{key}.{name} 应为非负数字，而不是“{number}”")
        out[name] = float(number)
    return out
