"""C — completeness: scored rows with their texts, header and footer fields, the goals, template
instructions left in answer cells, forms without any indicator."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .base import Render, Rule, Variant
from .helpers import cell_or, each, flags, fmt, is_cell, short, squash

_INSTRUCTION_RE = re.compile(r"(\d+\s*字以内|\d+\s*字以下|对照年度.{0,12}说明|请(填写|简要|说明|按照)|填写说明|此处填写|如：.{0,20}…)")


def _is_instruction(text: Any) -> bool:
    return isinstance(text, str) and bool(_INSTRUCTION_RE.search(text))


# Every instruction holds one of these: a cheap literal search finds the candidate texts.
_INSTRUCTION_HINT_RE = re.compile(r"字以[内下]|说明|请|填写|如：")


def instructions(texts: Any) -> Any:
    """_is_instruction of every value. The texts of a whole batch are scanned for hints as one
    NUL-separated string (the regex engine does the loop); only the texts hit are matched."""
    values = [v if isinstance(v, str) else "" for v in texts.tolist()]
    joined = "\0".join(values)
    if joined.count("\0") != len(values) - 1:  # a text holding NUL itself (not from a workbook)
        return flags([_is_instruction(v) for v in values], texts).astype(bool)
    hits = [False] * len(values)
    row, seen = 0, 0  # the text a hint falls in: the separators before it, counted as we go
    for m in _INSTRUCTION_HINT_RE.finditer(joined):
        row += joined.count("\0", seen, m.start())
        seen = m.start()
        if not hits[row]:
            hits[row] = _is_instruction(values[row])
    return flags(hits, texts).astype(bool)


def _instruction_in(col: str, cell: str) -> Variant:
    return Variant(col, "goals", lambda f: instructions(f.df[col]),
                   lambda r, f: dict(cell=r[cell], expected="实际内容", actual=short(r[col]), text=short(r[col])))


def _indicator_instruction(col: str) -> Variant:
    return Variant(f"indicator_{col}", "indicator_texts", lambda f: instructions(f.df[col]),
                   lambda r, f: dict(cell=r[f"{col}_cell"], expected="实际内容", actual=short(r[col]), text=short(r[col])))


_FIELD_NAMES = {"name": "名称", "department": "主管部门", "unit": "实施单位"}


def _c305(col: str) -> Render:
    def render(r: Mapping[str, Any], f: Any) -> dict[str, Any]:
        label = ("部门名称" if r["kind"] == "department" else "项目名称") if col == "name" else _FIELD_NAMES[col]
        cell = r[f"{col}_cell"] if isinstance(r[f"{col}_cell"], str) else r["title_cell"]
        return dict(cell=cell, expected=label, actual="空", field=label)
    return render


def _first_footer_cell(r: Mapping[str, Any]) -> str | None:
    for col in ("filler_cell", "fill_date_cell", "phone_cell", "leader_cell"):
        if isinstance(r.get(col), str):
            return r[col]
    return r.get("title_cell")


def _c306(col: str, label: str) -> Variant:
    # Only where the form has a footer at all (a form without one lacks nothing).
    check: Callable[[Any], Any] = lambda f: f.df["has_footer"].astype(bool) & f.df[col].isna()  # noqa: E731
    return Variant(col, "forms", check,
                   lambda r, f: dict(cell=r[f"{col}_cell"] if isinstance(r[f"{col}_cell"], str) else _first_footer_cell(r),
                                     expected=label, actual="空", field=label))


def _project(f: Any) -> Any:
    return f.df["kind"] == "project"


RULES = [
    Rule(
        code='C301', severity='error', title='扣分未说明原因',
        message='得分 {score} 低于分值 {weight}，但未填写偏差原因分析及改进措施',
        fields={"score": "得分", "weight": "分值"},
        anchor='偏差原因单元格',
        explanation='凡扣分的指标必须说明偏差原因和改进措施。',
        example='分值 5、得分 3、偏差原因空 → C301',
        frame="indicators",
        # A rule fires only on columns the form has: no 偏差原因 column, no C301 per row.
        check=lambda f: (f.scored_form & (f.s < f.w - f.tol["score"]) & f.blank("reason") & f.df["reason_cell"].notna()).fillna(False),
        render=lambda r, f: dict(cell=cell_or(r, "reason_cell"), expected="偏差原因分析及改进措施", actual="空",
                                 score=fmt(r["score"]), weight=fmt(r["weight"])),
    ),
    Rule(
        code='C302', severity='error', title='实际完成值为空',
        message='三级指标“{name}”已打分，但实际完成值为空',
        fields={"name": "三级指标名称"},
        anchor='实际完成值单元格',
        explanation='已打分的指标必须填写实际完成值（全角空格也算空）。',
        example='政策保障 10/10、实际完成值空 → C302',
        frame="indicators",
        check=lambda f: f.scored_form & f.scored & f.blank("actual") & f.df["actual_cell"].notna(),
        render=lambda r, f: dict(cell=cell_or(r, "actual_cell"), expected="实际完成值", actual="空", name=r["name"] or "（未填）"),
    ),
    Rule(
        code='C303', severity='error', title='年度指标值为空',
        message='三级指标“{name}”已打分，但年度指标值为空',
        fields={"name": "三级指标名称"},
        anchor='年度指标值单元格',
        explanation='已打分的指标必须填写年度指标值（目标）。',
        example='C303',
        frame="indicators",
        check=lambda f: f.scored_form & f.scored & f.blank("target") & f.df["target_cell"].notna(),
        render=lambda r, f: dict(cell=cell_or(r, "target_cell"), expected="年度指标值", actual="空", name=r["name"] or "（未填）"),
    ),
    Rule(
        code='C304', severity='error', title='三级指标名称为空',
        message='该行有分值/得分，但三级指标名称为空',
        fields={},
        anchor='三级指标单元格',
        explanation='有分值或得分的行必须写明三级指标。',
        example='C304',
        frame="indicators",
        check=lambda f: f.scored & f.blank("name") & is_cell(f.df["name_cell"]),
        render=lambda r, f: dict(cell=r["name_cell"], expected="三级指标名称", actual="空"),
    ),
    Rule(
        code='C305', severity='error', title='表头信息为空',
        message='{field}为空',
        fields={"field": "栏目名称"},
        anchor='该单元格',
        explanation='项目表必须填写项目名称、主管部门、实施单位；部门表必须填写部门名称。',
        example='主管部门空 → C305',
        # Only fields the form has a label for: a form without a 实施单位 row lacks nothing.
        variants=(
            Variant("name", "forms", lambda f: f.df["name"].isna() & f.df["name_cell"].notna(), _c305("name")),
            Variant("department", "forms", lambda f: _project(f) & f.df["department"].isna() & f.df["department_cell"].notna(),
                    _c305("department")),
            Variant("unit", "forms", lambda f: _project(f) & f.df["unit"].isna() & f.df["unit_cell"].notna(), _c305("unit")),
        ),
    ),
    Rule(
        code='C306', severity='warning', title='填报信息不全',
        message='表尾{field}为空',
        fields={"field": "栏目名称"},
        anchor='表尾单元格',
        explanation='表尾的填表人、填报日期、联系电话应填写（只检查有表尾的表）。',
        example='联系电话空 → C306',
        variants=(_c306("filler", "填表人"), _c306("fill_date", "填报日期"), _c306("phone", "联系电话")),
    ),
    Rule(
        code='C307', severity='warning', title='总体目标未填写或照抄',
        message='{what}',
        fields={"what": "具体内容"},
        anchor='该单元格',
        explanation='年度总体目标的预期目标与实际完成情况都应填写，且实际完成情况不应照抄预期目标。',
        example='C307',
        variants=(
            # The first goal only: further goal rows of a form are optional.
            Variant("expected", "goals",
                    lambda f: (f.df["goal_index"] == 1) & f.df["expected"].isna() & f.df["expected_cell"].notna(),
                    lambda r, f: dict(cell=r["expected_cell"], expected="预期目标", actual="空", what="年度总体目标的预期目标为空")),
            Variant("actual", "goals",
                    lambda f: (f.df["goal_index"] == 1) & f.df["actual"].isna() & f.df["actual_cell"].notna() & f.actual_due,
                    lambda r, f: dict(cell=r["actual_cell"], expected="实际完成情况", actual="空",
                                      what="年度总体目标的实际完成情况为空")),
            Variant("same", "goals",
                    lambda f: f.df["expected"].notna() & (each(f.df["expected"].fillna(""), squash)
                                                          == each(f.df["actual"].fillna(""), squash)),
                    lambda r, f: dict(cell=r["actual_cell"], expected="实际完成情况", actual="与预期目标相同",
                                      what="实际完成情况与预期目标完全相同（照抄）")),
        ),
    ),
    Rule(
        code='C308', severity='warning', title='残留填表说明',
        message='单元格中仍是填表说明文字：“{text}”',
        fields={"text": "文字"},
        anchor='该单元格',
        explanation='模板中的提示文字（如“对照年度目标，说明…（100字以内）”）没有替换为实际内容。',
        example='C308',
        variants=(
            _instruction_in("expected", "expected_cell"),
            _instruction_in("actual", "actual_cell"),
            Variant("answers", "answers", lambda f: instructions(f.df["text"]),
                    lambda r, f: dict(cell=r["cell"], expected="实际内容", actual=short(r["text"]), text=short(r["text"]))),
            # Template instructions also end up in indicator text cells.
            *(_indicator_instruction(col) for col in ("name", "target", "actual", "reason")),
        ),
    ),
    Rule(
        code='C309', severity='error', title='没有绩效指标',
        message='自评表中没有填写任何绩效指标（三级指标及其指标值、分值或得分）',
        fields={},
        anchor='指标表头单元格，没有表头时为标题',
        explanation='一张自评表至少要有一个填写了指标值、分值或得分的三级指标；指标区块为空（或整张表没有指标区块）的表不能通过。',
        example='绩效指标表头下全部为空行 → C309',
        frame="form_totals",
        # No indicator at all: C309 — unless the indicator block was not understood (F006).
        check=lambda f: (f.filled == 0) & ~f.df["has_unknown"].astype(bool),
        render=lambda r, f: dict(cell=r["indicator_header_cell"] if isinstance(r["indicator_header_cell"], str) else r["title_cell"],
                                 expected="至少一个三级指标", actual="无"),
    ),
]
