"""The rule catalog (SPEC §3): one declaration per rule, one module per family.

    f_file.py        F0xx  文件与结构          t_taxonomy.py  T4xx  指标体系
    b_funds.py       B1xx  资金                v_values.py    V5xx  数值格式
    s_scores.py      S2xx  分值与得分          x_cross.py     X6xx  跨表核对
    c_completeness.py C3xx 完整性              n_narrative.py N7xx  正文与表格核对

Each rule is one `Rule(...)` (xlsxtool.rules.base): code, severity, title, message template,
anchor, explanation, example, the frame it runs on, its vectorised check, its render and the
fields its message uses. `RULES`, `xlsxtool rules`, docs/rules.md and `--select/--ignore` are
derived from them; a bureau's own rules join through `load_local_rules` (xlsxtool.rules.local).
"""

from __future__ import annotations

from .base import FRAMES, Check, Render, Rule, RuleError, Variant, template_fields
from .helpers import fmt, pct

# Default tolerances (inclusive). Configurable through `validate(..., tolerances=...)`.
TOLERANCES: dict[str, float] = {
    "money": 0.01,  # 万元/元 amounts: B104, X601, X602
    "rate": 0.001,  # 执行率 as a fraction: 0.1 percentage point (B101)
    "score": 0.01,  # 分值/得分 (B102, S201, S204–S207)
}

GROUPS = {
    "F": "文件与结构",
    "B": "资金（项目资金 / 年度预算申请）",
    "S": "分值与得分",
    "C": "完整性",
    "T": "指标体系",
    "V": "数值格式",
    "X": "跨表核对",
    "N": "正文与表格核对（Word 报告）",
}

# Codes a bureau's own rules use: L + three digits (L801, …). No built-in family starts with L,
# so a local rule never takes a code SPEC §3 may give a built-in rule later.
LOCAL_PREFIX = "L"
LOCAL_GROUP = "本地规则（各地自定义）"

# Every rule by code: the built-in catalog in family order, then local rules as they are loaded.
RULES: dict[str, Rule] = {}


def _register_builtin() -> None:
    from . import (
        b_funds,
        c_completeness,
        f_file,
        n_narrative,
        s_scores,
        t_taxonomy,
        v_values,
        x_cross,
    )

    for module in (f_file, b_funds, s_scores, c_completeness, t_taxonomy, v_values, x_cross, n_narrative):
        for rule in module.RULES:
            RULES[rule.code] = rule


_register_builtin()


def group_title(group: str) -> str:
    return GROUPS.get(group) or (LOCAL_GROUP if group == LOCAL_PREFIX else group)


def select_codes(select: list[str] | None, ignore: list[str] | None) -> set[str]:
    """Codes enabled by --select/--ignore. Entries may be codes ('S201') or prefixes ('S2', 'S')."""

    def matches(code: str, patterns: list[str]) -> bool:
        return any(code.startswith(p.strip().upper()) for p in patterns if p.strip())

    codes = set(RULES)
    if select:
        codes = {c for c in codes if matches(c, select)}
    if ignore:
        codes = {c for c in codes if not matches(c, ignore)}
    return codes


def unknown_patterns(patterns: list[str]) -> list[str]:
    """Entries of --select/--ignore that match no rule (a usage error)."""
    return [p for p in patterns if p.strip() and not any(c.startswith(p.strip().upper()) for c in RULES)]


def grade(total_score: float | None) -> str | None:
    """优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60."""
    if total_score is None:
        return None
    if total_score >= 90:
        return "优"
    if total_score >= 80:
        return "良"
    if total_score >= 60:
        return "中"
    return "差"


def rules_markdown() -> str:
    """The built-in catalog as Markdown (docs/rules.md is generated from this; a test keeps them
    equal). Local rules are a bureau's own and stay out of the package's docs."""
    lines = ["# 规则目录 / Rule catalog", "", "由 `xlsxtool.rules.rules_markdown()` 生成，请勿手改。", ""]
    for group, title in GROUPS.items():
        lines += [f"## {group} — {title}", "", "| 代码 | 级别 | 规则 | 标注位置 | 说明 | 示例 |", "|---|---|---|---|---|---|"]
        for rule in RULES.values():
            if rule.group == group and not rule.local:
                level = "错误" if rule.severity == "error" else "警告"
                cells = [rule.code, level, rule.title, rule.anchor, rule.explanation, rule.example]
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


__all__ = ["FRAMES", "GROUPS", "LOCAL_PREFIX", "RULES", "TOLERANCES", "Check", "Render", "Rule", "RuleError", "Variant",
           "fmt", "grade", "group_title", "pct", "rules_markdown", "select_codes", "template_fields", "unknown_patterns"]
