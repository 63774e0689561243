"""Stage 2 — locate: find every 自评表 in a sheet grid and the blocks and columns inside it.

One idea applied everywhere (unpivotr): find a cell by its *normalised label*, then read cells in a
direction from it. Nothing depends on fixed positions: forms may start at any row/column, sit
several to a sheet, have blank rows/columns inserted, and use the provincial label variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .labels import (
    EXPENSE_MARKER,
    FOOTER_MARKERS,
    FUNDS_BLOCK_PREFIXES,
    GOALS_BLOCK_LABELS,
    INCOME_MARKER,
    INDICATOR_BLOCK_PREFIXES,
    TOTAL_ROW_LABELS,
    column_key,
    field_key,
)
from .read import SheetGrid
from .values import norm_label, norm_label_text

Pos = tuple[int, int]
Span = tuple[int, int]  # first and last column a header covers (merged headers cover several)

_TITLE_RE = re.compile(r"(绩效)?自评(价)?表")
_YEAR_RE = re.compile(r"(20\d\d)\s*年")


@dataclass
class Header:
    """A header row: canonical column name → the column span its label covers."""

    row: int
    columns: dict[str, Span]

    def has(self, *names: str) -> bool:
        return all(n in self.columns for n in names)


@dataclass
class FormLocation:
    sheet: SheetGrid
    index: int  # order of the form in the workbook
    kind: str  # 'project' | 'department'
    top: int  # first row (title row)
    bottom: int  # one past the last row
    left: int
    right: int
    title: str | None = None
    title_pos: Pos | None = None
    year: int | None = None
    fields: dict[str, tuple[Any, Pos]] = field(default_factory=dict)
    funds_label: tuple[str, Pos] | None = None
    funds_header: Header | None = None
    funds_rows: list[int] = field(default_factory=list)
    income_col: int | None = None
    expense_col: int | None = None
    split_rows: list[int] = field(default_factory=list)  # 按收入性质/按支出性质 item rows
    goals_label: Pos | None = None
    goals_header: Header | None = None
    goal_rows: list[int] = field(default_factory=list)
    indicator_label: tuple[str, Pos] | None = None
    indicator_header: Header | None = None
    indicator_rows: list[int] = field(default_factory=list)
    total_row: int | None = None
    total_label_pos: Pos | None = None
    footer_cells: list[Pos] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what F005 reports

    @property
    def anchor(self) -> Pos:
        return self.title_pos or (self.top, self.left)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _is_title(text: str, label: str) -> bool:
    """Whether a text cell (and its normalised label) is a form's title."""
    # Titles are short; long prose that mentions 自评表 is not a title.
    return "评" in text and len(label) <= 40 and bool(_TITLE_RE.search(label)) and "说明" not in label


def _kind_of(label: str) -> str:
    return "department" if ("部门整体" in label or "整体支出" in label) else "project"


def _spans_sheet(sheet: SheetGrid, left: int, right: int) -> bool:
    """Whether columns left…right cover every cell of the sheet (the usual form)."""
    return left <= sheet.left and right >= sheet.right


def _anchors_in_row(sheet: SheetGrid, row: int, left: int, right: int) -> list[tuple[int, Any]]:
    """Non-empty cells of this row between left and right, left to right."""
    if _spans_sheet(sheet, left, right):
        return sheet.row_values(row)
    return [(c, v) for c, v in sheet.row_values(row) if left <= c < right]


def _span(sheet: SheetGrid, row: int, col: int) -> Span:
    return (col, sheet.merge_end(row, col))


def _read_header(sheet: SheetGrid, row: int, left: int, right: int) -> Header:
    columns: dict[str, Span] = {}
    for col, value in _anchors_in_row(sheet, row, left, right):
        key = column_key(value)
        if key and key not in columns:
            columns[key] = _span(sheet, row, col)
    return Header(row=row, columns=columns)


def sheet_marks(sheet: SheetGrid) -> list[int]:
    """The row marks (see _text_info) of every row of a sheet, in one pass over its cells: the
    titles are found from them, and the locator reads them for forms spanning the sheet."""
    return [_row_marks(sheet.row_values(r)) for r in range(sheet.top, sheet.bottom)]


def find_titles(sheet: SheetGrid, marks: list[int] | None = None) -> list[tuple[Pos, str]]:
    titles: list[tuple[Pos, str]] = []
    for r, row_marks in enumerate(sheet_marks(sheet) if marks is None else marks, sheet.top):
        if row_marks & _TITLE:
            for c, v in sheet.row_values(r):
                if isinstance(v, str) and _text_info(v)[1] & _TITLE:
                    titles.append(((r, c), v))
    return titles


def locate_forms(sheets: list[SheetGrid]) -> list[FormLocation]:
    """Every 项目支出 / 部门整体 form in the workbook, in sheet then row order."""
    forms: list[FormLocation] = []
    for sheet in sheets:
        marks = sheet_marks(sheet)
        titles = find_titles(sheet, marks)
        starts: list[tuple[Pos | None, str | None]] = [(pos, text) for pos, text in titles]
        if not starts and _has_indicator_header(sheet, sheet.top, sheet.bottom):
            starts = [(None, None)]  # a form without a title row: still a form
        for i, (pos, text) in enumerate(starts):
            top = pos[0] if pos else sheet.top
            bottom = starts[i + 1][0][0] if i + 1 < len(starts) and starts[i + 1][0] else sheet.bottom
            label = norm_label(text) if text else ""
            form = FormLocation(
                sheet=sheet,
                index=len(forms),
                kind=_kind_of(label),
                top=top,
                bottom=bottom,
                left=sheet.left,
                right=sheet.right,
                title=text.strip() if text else None,
                title_pos=pos,
            )
            _locate_inside(form, marks)
            if pos is None and "部门名称" in form.fields:
                form.kind = "department"
            # A title with nothing of a form below it (e.g. a table of contents line) is no form.
            if form.indicator_header is None and form.funds_header is None and not form.fields:
                continue
            form.index = len(forms)
            forms.append(form)
    return forms


def _has_indicator_header(sheet: SheetGrid, top: int, bottom: int) -> bool:
    for r in range(top, bottom):
        keys = {column_key(v) for _, v in sheet.row_values(r)}
        if "三级指标" in keys and ("分值" in keys or "得分" in keys):
            return True
    return False


def _year(form: FormLocation) -> int | None:
    if form.title:
        m = _YEAR_RE.search(form.title)
        if m:
            return int(m.group(1))
    if form.title_pos:  # '（2022年度）' on the row under the title
        r = form.title_pos[0] + 1
        for _c, v in _anchors_in_row(form.sheet, r, form.left, form.right):
            text = _text(v)
            if text and len(text) < 15:
                m = _YEAR_RE.search(text)
                if m:
                    return int(m.group(1))
    return None


def _value_right_of(sheet: SheetGrid, row: int, col: int, right: int) -> tuple[Any, Pos]:
    """The first non-empty cell right of a label (skipping the label's own merge)."""
    end = _span(sheet, row, col)[1]
    for c, v in _anchors_in_row(sheet, row, end + 1, right):
        if field_key(v) or (_text(v) and norm_label(v).startswith("实施单位")):
            break  # the next label: this label's value is empty
        return v, (row, c)
    # Empty value: point at the (merged) cell right of the label, or — when the label fills the
    # form's last column ('实施单位：' merged F:I with the value left out) — at the label itself.
    return None, ((row, end + 1) if end + 1 < right else (row, col))


def _locate_inside(form: FormLocation, marks_by_row: list[int]) -> None:
    sheet = form.sheet
    # A form spanning the sheet (the usual case) has the sheet's row marks; else its own.
    spans_sheet = _spans_sheet(sheet, form.left, form.right)
    form.year = _year(form)
    first_row = form.top + 1 if form.title_pos else form.top
    state = "head"
    for r in range(first_row, form.bottom):
        cells = _anchors_in_row(sheet, r, form.left, form.right)
        if not cells:
            continue
        marks = marks_by_row[r - sheet.top] if spans_sheet else _row_marks(cells)
        # Most rows are plain data rows: their per-cell labels are only worked out for rows
        # that can start or end something (or the head of the form, where the fields are).
        labels = _labels(cells) if marks or state == "head" else []
        first_label = labels[0][2] if labels else _label_of(cells[0][1])

        # Footer: '填表人：… 填报日期：… 联系电话：…' (one merged cell or several).
        if marks & _FOOTER:
            # Every cell of the row: a value may be a real date or number next to its label.
            form.footer_cells.extend((r, c) for c, _, _lbl in labels)
            state = "footer"
            continue
        if state == "footer":
            continue
        if first_label.startswith("备注"):
            continue

        # Header fields (项目名称, 主管部门, 实施单位, 部门名称).
        if state == "head":
            for c, v, lbl in labels:
                key = field_key(v)
                if key and key not in form.fields:
                    form.fields[key] = _value_right_of(sheet, r, c, form.right)
                elif lbl.startswith("实施单位:") and "实施单位" not in form.fields:
                    form.fields["实施单位"] = (str(v).split("：", 1)[-1].split(":", 1)[-1].strip(), (r, c))
                elif lbl.startswith(("项目名称:", "项目支出名称:")) and "项目名称" not in form.fields:
                    form.fields["项目名称"] = (re.split("[:：]", str(v), maxsplit=1)[-1].strip(), (r, c))

        # Funds block: the header row carries 全年预算数 / 全年执行数 columns.
        if form.funds_header is None and (marks & _FUNDS_HEADER == _FUNDS_HEADER
                                          or marks & _FUNDS_HEADER_INITIAL == _FUNDS_HEADER_INITIAL):
            form.funds_header = _read_header(sheet, r, form.left, form.right)
            for c, v, lbl in labels:
                if lbl.startswith(FUNDS_BLOCK_PREFIXES):
                    form.funds_label = (str(v), (r, c))
                    break
            else:  # the block label may sit in the row above (Sichuan: 预算执行情况(10分) on its own row)
                form.funds_label = _block_label_above(form, r, FUNDS_BLOCK_PREFIXES)
            state = "funds"
            continue

        # Indicator block: header row with 一级指标/三级指标 columns.
        if marks & _K_LEVEL3 or marks & _K_LEVELS12 == _K_LEVELS12:
            if form.indicator_header is None:
                form.indicator_header = _read_header(sheet, r, form.left, form.right)
                for c, v, lbl in labels:
                    if lbl.startswith(INDICATOR_BLOCK_PREFIXES):
                        form.indicator_label = (str(v), (r, c))
                        break
                else:
                    form.indicator_label = _block_label_above(form, r, INDICATOR_BLOCK_PREFIXES)
                state = "indicators"
                continue

        # Goals block: '年度总体目标 | 预期目标 | 实际完成情况'.
        if marks & _GOALS and form.goals_label is None:
            for c, _v, lbl in labels:
                if lbl in GOALS_BLOCK_LABELS:
                    form.goals_label = (r, c)
            header = _read_header(sheet, r, form.left, form.right)
            if header.has("预期目标") or header.has("实际完成情况"):
                form.goals_header = header
            else:
                form.goal_rows.append(r)
            state = "goals"
            continue

        if state == "funds":
            if marks & _SPLIT:
                for c, _v, lbl in labels:
                    if INCOME_MARKER in lbl:
                        form.income_col = c
                    elif EXPENSE_MARKER in lbl:
                        form.expense_col = c
                continue
            if form.income_col is not None or form.expense_col is not None:
                form.split_rows.append(r)
            else:
                form.funds_rows.append(r)
        elif state == "goals":
            form.goal_rows.append(r)
        elif state == "indicators":
            if marks & _TOTAL and _is_total_row(form, labels):
                form.total_row = r
                form.total_label_pos = (r, labels[0][0])
                state = "after"
                continue
            form.indicator_rows.append(r)
        elif state == "after":
            continue

    _check_required(form)


# What a normalised label can mark a row as (bit flags, so a row's marks are one OR): the
# labels that start or end a block, and the column keys that make a row a block's header.
_FOOTER, _GOALS, _SPLIT, _TOTAL = 1, 2, 4, 8
_TITLE = 1024  # a form's title ('…绩效自评表'); never a header key, so never a block start
_KEY_MARKS = {"全年预算数": 16, "全年执行数": 32, "年初预算数": 64, "三级指标": 128, "一级指标": 256, "二级指标": 512}
_FUNDS_HEADER = _KEY_MARKS["全年预算数"] | _KEY_MARKS["全年执行数"]
_FUNDS_HEADER_INITIAL = _KEY_MARKS["年初预算数"] | _KEY_MARKS["全年执行数"]
_K_LEVEL3 = _KEY_MARKS["三级指标"]
_K_LEVELS12 = _KEY_MARKS["一级指标"] | _KEY_MARKS["二级指标"]


@lru_cache(maxsize=16384)
def _text_info(text: str) -> tuple[str, int]:
    """Normalised label of a text cell and the row marks it carries."""
    label = norm_label_text(text)
    key = column_key(label) if label else None
    return label, (
        (_FOOTER if label.startswith(FOOTER_MARKERS) else 0)
        | (_GOALS if label in GOALS_BLOCK_LABELS else 0)
        | (_SPLIT if INCOME_MARKER in label or EXPENSE_MARKER in label else 0)
        | (_TOTAL if label in TOTAL_ROW_LABELS else 0)
        | _KEY_MARKS.get(key or "", 0)
        | (_TITLE if _is_title(text, label) else 0)
    )


def _label_of(value: Any) -> str:
    return _text_info(value)[0] if isinstance(value, str) else ""


def _row_marks(cells: list[tuple[int, Any]]) -> int:
    marks = 0
    for _c, v in cells:
        if isinstance(v, str):
            marks |= _text_info(v)[1]
    return marks


def _labels(cells: list[tuple[int, Any]]) -> list[tuple[int, Any, str]]:
    """(col, value, normalised label) of each cell of a row."""
    return [(c, v, _label_of(v)) for c, v in cells]


def _is_total_row(form: FormLocation, labels: list[tuple[int, Any, str]]) -> bool:
    header = form.indicator_header
    first_col = header.columns.get("一级指标", (form.right, form.right))[0] if header else form.right
    for c, _v, lbl in labels:
        if lbl in TOTAL_ROW_LABELS and c <= first_col + 1:
            return True
    return False


def _block_label_above(form: FormLocation, row: int, prefixes: tuple[str, ...]) -> tuple[str, Pos] | None:
    for r in (row - 1, row - 2):
        if r < form.top:
            break
        for c, v in _anchors_in_row(form.sheet, r, form.left, form.right):
            if isinstance(v, str) and norm_label(v).startswith(prefixes):
                return (str(v), (r, c))
    # The label may be merged vertically over the header row: resolve it by anchor.
    for c in range(form.left, form.right):
        if form.sheet.is_continuation(row, c):
            v = form.sheet.value(row, c)
            if isinstance(v, str) and norm_label(v).startswith(prefixes):
                return (str(v), form.sheet.anchor(row, c))
    return None


def _check_required(form: FormLocation) -> None:
    if form.indicator_header is None:
        form.missing.append("绩效指标表头（一级/二级/三级指标）")
    else:
        for name in ("三级指标", "分值", "得分"):
            if name not in form.indicator_header.columns:
                form.missing.append(f"绩效指标“{name}”列")
    if form.funds_header is None:
        form.missing.append("资金情况（全年预算数/全年执行数）")
    else:
        for name in ("全年预算数", "全年执行数"):
            if name not in form.funds_header.columns:
                form.missing.append(f"资金“{name}”列")


def cell_in_span(sheet: SheetGrid, row: int, span: Span) -> tuple[Any, Pos]:
    """The value a data row holds under a header span, and its cell.

    Only cells that *start* in this row count: a value merged down from the row above belongs to
    that row (so a merged 分值 is not counted twice), and a cell merged in from a column left of
    the span belongs to that other column.
    """
    return in_span(sheet.starts(row), row, span)


def in_span(starts: dict[int, Any], row: int, span: Span) -> tuple[Any, Pos]:
    """cell_in_span over a row's `SheetGrid.starts` already at hand (several columns per row)."""
    c0, c1 = span
    if c0 == c1:  # the usual single-column header
        v = starts.get(c0)
        return v, (row, c0)
    for c in range(c0, c1 + 1):
        v = starts.get(c)
        if v is not None:
            return v, (row, c)
    return None, (row, c0)


def resolved_in_span(sheet: SheetGrid, row: int, span: Span) -> tuple[Any, Pos]:
    """Like cell_in_span but merged cells resolve to their top-left value (for 一级/二级)."""
    c0, _c1 = span
    anchor = sheet.anchor(row, c0)
    return sheet.raw(*anchor), anchor

