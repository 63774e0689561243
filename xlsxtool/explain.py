"""How each form of a workbook was understood (`xlsxtool check FILE --explain`).

For every form: its kind, title cell, blocks, each column's meaning with the cell its label was
read from, the rows skipped and why, and the parts that could not be understood (F006). A
reviewer sees why a finding is there; a developer sees at once why a new layout fails.

    from xlsxtool import explain
    print(explain.explain_file("自评表.xlsx"))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .locate import FormLocation, Header, locate_forms
from .read import Workbook, a1, read_bytes

_KIND = {"project": "项目支出绩效自评表", "department": "部门整体支出绩效自评表"}
_SCORING = {"scored": "打分表（有分值/得分）", "targets": "不打分（只有指标值/完成值）", "none": "没有绩效指标区块"}


def _kind_label(loc: FormLocation) -> str:
    """The form's name as its reader would give it: a 绩效目标申报表 / 目标表 (its title says so and
    not 自评) is a target form of that family, not a 自评表."""
    name = _KIND.get(loc.kind, loc.kind)
    title = "".join(str(loc.title or "").split())
    if "自评" not in title and ("申报" in title or "目标表" in title):
        name = name.replace("自评表", "目标表")
    return name


def _rows(rows: list[int]) -> str:
    """[4, 5, 6, 9] → '第5–7、10行'."""
    if not rows:
        return "无"
    parts: list[str] = []
    start = prev = rows[0]
    for r in rows[1:] + [None]:  # type: ignore[list-item]
        if r is not None and r == prev + 1:
            prev = r
            continue
        parts.append(f"{start + 1}" if start == prev else f"{start + 1}–{prev + 1}")
        if r is not None:
            start = prev = r
    return "第" + "、".join(parts) + "行"


def _header(header: Header) -> list[str]:
    lines = [f"    表头：{_rows(header.rows)}"]
    # Left to right, as the reader sees the sheet (the locator stores columns in match order).
    for key, (c0, c1) in sorted(header.columns.items(), key=lambda kv: kv[1]):
        cell = header.cells.get(key)
        where = a1(*cell) if cell else "?"
        cols = a1(header.row, c0)[:-len(str(header.row + 1))]
        if c1 != c0:
            cols += "–" + a1(header.row, c1)[:-len(str(header.row + 1))]
        lines.append(f"      {cols} 列 = {key}（表头 {where}）")
    for pos, text in header.unknown:
        lines.append(f"      {a1(*pos)} “{_one_line(text)}”：不认识的列名，未使用")
    return lines


def _one_line(text: Any, limit: int = 24) -> str:
    s = "".join(str(text).split())
    return s if len(s) <= limit else s[:limit] + "…"


def explain_form(loc: FormLocation) -> str:
    sheet = loc.sheet
    lines: list[str] = []
    title = f"“{_one_line(loc.title, 40)}”（{a1(*loc.title_pos)}）" if loc.title and loc.title_pos else "无标题"
    lines.append(f"表 {loc.index + 1}：工作表“{sheet.name}”{_rows(list(range(loc.top, loc.bottom)))[1:]}，标题 {title}")
    lines.append(f"  类型：{_kind_label(loc)}；{_SCORING[loc.scoring]}" + (f"；年度 {loc.year}" if loc.year else ""))
    if loc.fields:
        lines.append("  表头信息：" + "；".join(
            f"{key} {a1(*pos)}={_one_line(value) if value not in (None, '') else '（空）'}" for key, (value, pos) in loc.fields.items()))
    if loc.info:
        lines.append("  其他信息：" + "；".join(f"{a1(*pos)} {_one_line(v)}" for _k, (v, pos) in loc.info.items()))
    if loc.funds_header is not None:
        label = f"“{_one_line(loc.funds_label[0])}”（{a1(*loc.funds_label[1])}）" if loc.funds_label else "（无区块标签）"
        lines.append(f"  资金区块 {label}")
        lines += _header(loc.funds_header)
        lines.append(f"    数据行：{_rows(loc.funds_rows)}" + (f"；按收入/支出性质：{_rows(loc.split_rows)}" if loc.split_rows else ""))
    else:
        lines.append("  资金区块：无")
    if loc.goals_header is not None or loc.goal_rows:
        lines.append(f"  年度总体目标：{_rows(loc.goal_rows)}")
        if loc.goals_header is not None:
            lines += _header(loc.goals_header)
    for i, block in enumerate(loc.blocks, 1):
        label = f"“{_one_line(block.label[0])}”（{a1(*block.label[1])}）" if block.label else "（无区块标签）"
        number = f"{i}" if len(loc.blocks) > 1 else ""
        lines.append(f"  绩效指标区块{number} {label}")
        lines += _header(block.header)
        lines.append(f"    指标行：{_rows(block.rows)}")
        if block.total_row is not None:
            lines.append(f"    合计行：第{block.total_row + 1}行")
    if not loc.blocks:
        lines.append("  绩效指标区块：无")
    if loc.funds_lists:
        for group in loc.funds_lists:
            lines.append("  资金清单（标签：金额）：" + "、".join(f"{a1(*lab)}→{a1(*amt)}" for lab, amt in group))
    if loc.declared_total is not None:
        lines.append(f"  声明的总得分：{a1(*loc.declared_total[1])} = {_one_line(loc.declared_total[0])}")
    if loc.footer_cells:
        lines.append("  表尾：" + "、".join(a1(*p) for p in loc.footer_cells))
    for row, why in loc.skipped:
        lines.append(f"  跳过第{row + 1}行：{why}")
    for pos, what in loc.unknown:
        lines.append(f"  无法识别（F006）{a1(*pos)}：{what}")
    for what in loc.missing:
        lines.append(f"  缺少（F005）：{what}")
    return "\n".join(lines)


def explain_book(book: Workbook) -> str:
    forms = locate_forms(book.sheets)
    if not forms:
        names = "、".join(s.name for s in book.sheets) or "无工作表"
        return f"没有找到自评表（已查看：{names}）"
    return "\n\n".join(explain_form(loc) for loc in forms)


def explain_file(path: str | Path, data: bytes | None = None) -> str:
    """How every form of one workbook file was understood, as text."""
    p = Path(path)
    return explain_book(read_bytes(p.read_bytes() if data is None else data, str(p)))
