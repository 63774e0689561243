"""Blank 自评表 templates that prevent mistakes at entry (`xlsxtool template`).

Three layouts, each one sheet plus a `填表说明` sheet:

* ``project``    — national 项目支出绩效自评表 (SPEC §1.1, seed 001);
* ``department`` — 湖南 部门整体支出绩效自评表 (SPEC §1.2, seed 001);
* ``sichuan``    — 四川 项目支出绩效自评表 (SPEC §1.3: 预算执行情况(10分), 权重/原因 columns,
  split 指标性质/指标值/度量单位, 绩效指标(90分), 合计, 项目负责人/财务负责人 footer).

What a template does for the clerk: input cells are unlocked and white, everything else is
locked (sheet protection without a password); 执行率, 执行率得分, 一级指标小计 and 合计 are formulas
(grey); data validation keeps 分值/得分/amounts numeric and ≥ 0, 得分 ≤ its 分值, 二级指标 within its
一级, offers the qualitative grades for 实际完成值; a row turns red when 得分 < 分值 and the 偏差原因
cell is empty.

Design for the checker (see README): every value a rule needs is an *input* except the formula
cells, and every formula's cached value in a freshly written template is exactly what Excel would
compute for it (blank: each formula yields "" until its inputs are filled), so the checker reads an
unopened template correctly. The 一级 subtotals sit in two helper columns right of the form, whose
headers the locator does not know, so they are never read as indicators.

`layout(kind)` describes where everything is (0-based rows/columns); `write_template` writes it.
Output is deterministic (fixed document timestamps).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # xlsxwriter is imported lazily: the CLI starts faster without it
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

TEMPLATE_KINDS: tuple[str, ...] = ("project", "department", "sichuan")

#: Fixed document timestamp, so that regenerating a template produces byte-identical files.
FIXED_TIMESTAMP = dt.datetime(2025, 1, 1, 9, 0, 0)

#: Qualitative grades (SPEC §1.4) offered in the 实际完成值 dropdown.
GRADES: tuple[str, ...] = ("达成年度指标", "部分达成年度指标并具有一定效果", "未达成年度指标且效果较差")
#: 指标性质 dropdown (四川). Full-width ＝: a typed '=' would start a formula in Excel.
NATURES: tuple[str, ...] = ("≥", "≤", "＝", ">", "<", "定性")

INSTRUCTION_SHEET = "填表说明"


@dataclass(frozen=True)
class GroupSpec:
    label: str  # as printed: '产出指标（50分）'
    key: str  # '产出指标'
    weight: float | None  # declared in the label; None for a free split (四川)
    level2: tuple[str, ...]
    rows: int  # blank indicator rows offered


_LEVEL2 = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
}
NATIONAL_GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("产出指标（50分）", "产出指标", 50, _LEVEL2["产出指标"], 12),
    GroupSpec("效益指标（30分）", "效益指标", 30, _LEVEL2["效益指标"], 8),
    GroupSpec("满意度指标（10分）", "满意度指标", 10, _LEVEL2["满意度指标"], 6),
)
SICHUAN_GROUPS: tuple[GroupSpec, ...] = tuple(
    GroupSpec(g.key, g.key, None, g.level2, g.rows) for g in NATIONAL_GROUPS
)


@dataclass
class Group:
    spec: GroupSpec
    first: int  # first sheet row (0-based)
    last: int  # last sheet row (inclusive)

    @property
    def rows(self) -> range:
        return range(self.first, self.last + 1)


@dataclass
class Layout:
    """Where everything of one template is. Rows and columns are 0-based."""

    kind: str
    sheet: str
    file_name: str  # the name `build_templates.py` gives the committed copy
    width: int  # columns of the form proper (A..)
    col_widths: tuple[float, ...]
    title_cell: tuple[int, int] = (0, 0)
    year_cell: tuple[int, int] | None = None  # 四川: '（2024年度）' on its own row
    fields: dict[str, tuple[int, int]] = field(default_factory=dict)  # 项目名称/主管部门/实施单位/部门名称 input
    funds_header: int = 0
    funds_cols: dict[str, int] = field(default_factory=dict)  # initial budget spent weight rate score reason
    funds_total: int = 0
    funds_sources: dict[str, int] = field(default_factory=dict)  # label → row
    split_items: dict[str, tuple[int, int]] = field(default_factory=dict)  # 部门: item → amount cell
    income_rows: list[int] = field(default_factory=list)
    goal_rows: list[int] = field(default_factory=list)
    goal_cols: tuple[int, int] = (1, 5)  # 预期目标, 实际完成情况
    indicator_header: int = 0
    cols: dict[str, int] = field(default_factory=dict)  # indicator columns by role
    groups: list[Group] = field(default_factory=list)
    total_row: int = 0
    footer: dict[str, tuple[int, int]] = field(default_factory=dict)  # 填表人 … → input cell
    footer_spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # → (label column, last input column)
    funds_weight: float = 10

    @property
    def indicator_rows(self) -> list[int]:
        return [r for g in self.groups for r in g.rows]

    def group(self, key: str) -> Group:
        return next(g for g in self.groups if g.spec.key == key)

    def formula_cells(self) -> list[tuple[int, int]]:
        cells = [(self.funds_total, self.funds_cols["rate"]), (self.funds_total, self.funds_cols["score"])]
        cells += [(g.first, self.cols[c]) for g in self.groups for c in ("sub_weight", "sub_score")]
        cells += [(self.total_row, self.cols["weight"]), (self.total_row, self.cols["score"])]
        return cells


def a1(row: int, col: int) -> str:
    """0-based (row, col) → A1 address."""
    letters, n = "", col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _rng(r0: int, c0: int, r1: int, c1: int) -> str:
    return f"{a1(r0, c0)}:{a1(r1, c1)}"


def _abs(row: int, col: int) -> str:
    cell = a1(row, col)
    letters = cell.rstrip("0123456789")
    return f"${letters}${cell[len(letters):]}"


def _col_abs(row: int, col: int) -> str:
    """Column-absolute, row-relative reference ($G12) for formulas applied down a range."""
    return "$" + a1(row, col)


# ---------------------------------------------------------------- layouts
def layout(kind: str) -> Layout:
    """The layout of one template kind ('project' | 'department' | 'sichuan')."""
    if kind == "project":
        return _national_layout("project")
    if kind == "department":
        return _national_layout("department")
    if kind == "sichuan":
        return _sichuan_layout()
    raise ValueError(f"unknown template kind: {kind!r} (choose from {', '.join(TEMPLATE_KINDS)})")


def _place_groups(lay: Layout, start: int, specs: tuple[GroupSpec, ...]) -> int:
    row = start
    for spec in specs:
        lay.groups.append(Group(spec, row, row + spec.rows - 1))
        row += spec.rows
    return row


def _national_layout(kind: str) -> Layout:
    """Nine columns A..I like seed 001, plus the two subtotal helper columns J, K."""
    project = kind == "project"
    lay = Layout(
        kind=kind,
        sheet="项目支出绩效自评表" if project else "部门整体支出绩效自评表",
        file_name="项目支出绩效自评表_模板.xlsx" if project else "部门整体支出绩效自评表_模板.xlsx",
        width=9,
        col_widths=(12, 16, 14, 30, 14, 14, 9, 9, 30, 9, 9),
    )
    lay.funds_cols = dict(initial=3, budget=4, spent=5, weight=6, rate=7, score=8)
    lay.cols = dict(level1=1, level2=2, name=3, target=4, actual=5, weight=6, score=7, reason=8,
                    sub_weight=9, sub_score=10)
    if project:
        lay.fields = {"项目名称": (1, 1), "主管部门": (2, 1), "实施单位": (2, 5)}
        lay.funds_header, lay.funds_total = 3, 4
        lay.funds_sources = {"其中：当年财政拨款": 5, "上年结转资金": 6, "其他资金": 7}
        lay.goal_rows = [9]
        lay.indicator_header = 10
    else:
        lay.fields = {"部门名称": (1, 1)}
        lay.funds_header, lay.funds_total = 2, 3
        lay.income_rows = [5, 6, 7, 8]
        items = (("一般公共预算", "基本支出"), ("政府性基金拨款", "项目支出"), ("纳入专户管理的非税收入拨款", None),
                 ("其他资金", None))
        for r, (income, expense) in zip(lay.income_rows, items, strict=True):
            lay.split_items[income] = (r, 3)
            if expense:
                lay.split_items[expense] = (r, 7)
        lay.goal_rows = [10, 11, 12]
        lay.indicator_header = 13
    end = _place_groups(lay, lay.indicator_header + 1, NATIONAL_GROUPS)
    lay.total_row = end
    lay.footer = {"填表人": (end + 1, 1), "填报日期": (end + 1, 3), "联系电话": (end + 1, 5), "单位负责人签字": (end + 1, 8)}
    lay.footer_spans = {"填表人": (0, 1), "填报日期": (2, 3), "联系电话": (4, 5), "单位负责人签字": (6, 8)}
    return lay


def _sichuan_layout() -> Layout:
    """Eleven columns A..K (split 指标性质/指标值/度量单位), plus subtotal helper columns L, M."""
    lay = Layout(
        kind="sichuan",
        sheet="项目支出绩效自评表",
        file_name="四川_项目支出绩效自评表_模板.xlsx",
        width=11,
        col_widths=(12, 14, 14, 28, 9, 10, 9, 14, 8, 8, 28, 9, 9),
        year_cell=(1, 0),
    )
    lay.fields = {"项目名称": (2, 1), "主管部门": (3, 1), "实施单位": (3, 6)}
    lay.funds_header, lay.funds_total = 4, 5
    lay.funds_cols = dict(initial=3, budget=4, spent=5, rate=6, weight=7, score=8, reason=9)
    lay.funds_sources = {"其中：财政拨款": 6, "上年结转资金": 7, "其他资金": 8}
    lay.goal_rows = [10]
    lay.indicator_header = 11
    lay.cols = dict(level1=1, level2=2, name=3, nature=4, target=5, unit=6, actual=7, weight=8, score=9, reason=10,
                    sub_weight=11, sub_score=12)
    end = _place_groups(lay, lay.indicator_header + 1, SICHUAN_GROUPS)
    lay.total_row = end
    lay.footer = {"项目负责人": (end + 1, 1), "财务负责人": (end + 1, 4), "填表人": (end + 1, 8),
                  "联系电话": (end + 2, 1), "填报日期": (end + 2, 4)}
    lay.footer_spans = {"项目负责人": (0, 2), "财务负责人": (3, 6), "填表人": (7, 10), "联系电话": (0, 2), "填报日期": (3, 6)}
    return lay


def title_text(kind: str, year: int | None) -> str:
    if kind == "department":
        return f"{year}年度部门整体支出绩效自评表" if year else "　　　　年度部门整体支出绩效自评表"
    if kind == "sichuan":
        return "项目支出绩效自评表"
    return f"{year}年度项目支出绩效自评表" if year else "　　　　年度项目支出绩效自评表"


# ---------------------------------------------------------------- writing
class _Formats:
    BASE: dict[str, Any] = {"font_name": "宋体", "font_size": 10, "text_wrap": True, "valign": "vcenter", "border": 1}
    STYLES: dict[str, dict[str, Any]] = {
        "title": {"bold": True, "font_size": 16, "align": "center", "border": 0, "locked": False},
        "subtitle": {"align": "center", "border": 0, "font_size": 11, "locked": False},
        "label": {"bold": True, "align": "center"},
        "header": {"bold": True, "align": "center", "bg_color": "#DDEBF7"},
        "helper_header": {"bold": True, "align": "center", "bg_color": "#EDEDED", "font_size": 9, "font_color": "#595959"},
        "fixed": {"align": "center"},  # locked constants (funds 分值 10)
        "blank": {"bg_color": "#F2F2F2"},  # locked, nothing to enter
        "input": {"align": "left", "locked": False},
        "input_center": {"align": "center", "locked": False},
        "input_text": {"align": "left", "locked": False, "num_format": "@"},
        "input_money": {"align": "right", "locked": False, "num_format": "#,##0.00"},
        "input_score": {"align": "center", "locked": False, "num_format": "0.##"},
        "formula_pct": {"align": "center", "bg_color": "#F2F2F2", "num_format": "0.00%"},
        "formula_score": {"align": "center", "bg_color": "#F2F2F2", "num_format": "0.##"},
        "footer_label": {"bold": True, "align": "right", "border": 0},
        "footer_input": {"align": "left", "locked": False, "num_format": "@", "border": 0, "bottom": 1},
        "split_label": {"align": "left"},
        "note_title": {"bold": True, "font_size": 14, "border": 0, "text_wrap": False},
        "note_head": {"bold": True, "font_size": 11, "border": 0, "valign": "top"},
        "note": {"border": 0, "valign": "top", "font_size": 11},
        "cf_red": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
        "cf_yellow": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
    }

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._cache: dict[str, Format] = {}

    def __getitem__(self, style: str) -> Format:
        if style not in self._cache:
            props = {} if style.startswith("cf_") else dict(self.BASE)
            props.update(self.STYLES[style])
            self._cache[style] = self._wb.add_format(props)
        return self._cache[style]


class _Writer:
    """Thin helper over one worksheet: merged writes that never turn text into formulas."""

    def __init__(self, ws: Worksheet, fmt: _Formats) -> None:
        self.ws = ws
        self.fmt = fmt

    def _merged(self, r0: int, c0: int, style: str, r1: int | None, c1: int | None) -> Any:
        """Merge r0:c0 … r1:c1 when it is more than one cell; the style's format."""
        f = self.fmt[style]
        r1 = r0 if r1 is None else r1
        c1 = c0 if c1 is None else c1
        if (r0, c0) != (r1, c1):
            self.ws.merge_range(r0, c0, r1, c1, "", f)
        return f

    def put(self, r0: int, c0: int, value: Any, style: str, r1: int | None = None, c1: int | None = None) -> None:
        f = self._merged(r0, c0, style, r1, c1)
        if value is None or value == "":
            self.ws.write_blank(r0, c0, None, f)
        elif isinstance(value, str):
            self.ws.write_string(r0, c0, value, f)
        else:
            self.ws.write_number(r0, c0, value, f)

    def formula(self, r0: int, c0: int, formula: str, style: str, r1: int | None = None, c1: int | None = None) -> None:
        """A formula whose cached value is '' — what it evaluates to while its inputs are empty."""
        f = self._merged(r0, c0, style, r1, c1)
        self.ws.write_formula(r0, c0, formula, f, "")


def write_template(kind: str, path: str | Path, *, year: int | None = None, unit: str | None = None) -> Path:
    """Write a fresh blank template of `kind` to `path`; `year` fills the title, `unit` the
    实施单位 (project forms) or 部门名称 (department form). Returns the path written."""
    import xlsxwriter

    lay = layout(kind)
    out = Path(path)
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False, "strings_to_formulas": False,
                                      "strings_to_urls": False, "in_memory": True})
    title = title_text(kind, year)
    wb.set_properties({
        "title": title.strip("　"),
        "subject": "绩效自评表模板",
        "author": "xlsxtool",
        "comments": "由 xlsxtool template 生成；白色单元格填写，灰色单元格自动计算。",
        "created": FIXED_TIMESTAMP,
    })
    fmt = _Formats(wb)
    ws = wb.add_worksheet(lay.sheet)
    w = _Writer(ws, fmt)
    _write_form(w, lay, title, year, unit)
    _write_instructions(wb, fmt, lay)
    ws.activate()
    wb.close()
    data = _mark_empty_results(buffer.getvalue())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


_EMPTY_RESULT_RE = re.compile(rb"<c((?:(?! t=)[^>])*)><f>([^<]*)</f><v></v></c>")


def _mark_empty_results(data: bytes) -> bytes:
    """Store each formula's empty result the way Excel does (t="str", empty <v>).

    xlsxwriter writes a cached '' without the string type, which readers cannot tell from "no
    cached value" (openpyxl writes the same `<v/>` for formulas it never computed). Every formula
    of a blank template does evaluate to "" while its inputs are empty, so this is the true cache.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = _EMPTY_RESULT_RE.sub(rb'<c\1 t="str"><f>\2</f><v></v></c>', body)
            dst.writestr(info, body)
    return out.getvalue()


def _write_form(w: _Writer, lay: Layout, title: str, year: int | None, unit: str | None) -> None:
    ws = w.ws
    last = lay.width - 1
    for i, width in enumerate(lay.col_widths):
        ws.set_column(i, i, width)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.hide_gridlines(2)

    w.put(0, 0, title, "title", 0, last)
    ws.set_row(0, 32)
    if lay.year_cell is not None:
        w.put(lay.year_cell[0], 0, f"（{year}年度）" if year else "（　　　　年度）", "subtitle", lay.year_cell[0], last)
    _write_head(w, lay, unit)
    _write_funds(w, lay)
    _write_goals(w, lay)
    _write_indicators(w, lay)
    _write_total_and_footer(w, lay)
    ws.protect("", {
        "select_locked_cells": True,
        "select_unlocked_cells": True,
        "format_columns": True,
        "format_rows": True,
        "insert_rows": True,
    })


def _write_head(w: _Writer, lay: Layout, unit: str | None) -> None:
    last = lay.width - 1
    msg = {"项目名称": "填写项目全称（与预算批复一致）。", "主管部门": "填写主管部门全称。",
           "实施单位": "填写实施单位全称。", "部门名称": "填写预算部门（单位）全称。"}
    for key, (r, c) in lay.fields.items():
        label = "预算部门名称" if key == "部门名称" else key
        w.ws.set_row(r, 24)
        if key == "实施单位":
            w.put(r, c - 1, label, "label")
        else:
            w.put(r, 0, label, "label")
        if key == "主管部门":
            end = lay.fields["实施单位"][1] - 2
        else:
            end = last
        value = unit if (unit and key in ("实施单位", "部门名称")) else None
        w.put(r, c, value, "input", r, end)
        w.ws.data_validation(r, c, r, c, {"validate": "any", "input_title": label, "input_message": msg[key]})


def _write_funds(w: _Writer, lay: Layout) -> None:
    ws, fc = w.ws, lay.funds_cols
    head, total = lay.funds_header, lay.funds_total
    sichuan = lay.kind == "sichuan"
    department = lay.kind == "department"
    block_end = max([total, *lay.funds_sources.values(), *lay.income_rows])
    label = "预算执行情况(10分)" if sichuan else "年度预算申请（万元）" if department else "项目资金（万元）"
    w.put(head, 0, label, "label", block_end, 0)
    w.put(head, 1, "资金来源" if sichuan else None, "header", head, 2)
    names = {"initial": "年初预算数", "budget": "调整后预算数" if sichuan else "全年预算数",
             "spent": "预算执行数" if sichuan else "全年执行数", "weight": "权重" if sichuan else "分值",
             "rate": "执行率", "score": "得分", "reason": "原因"}
    for key, col in fc.items():
        if key == "reason":
            w.put(head, col, names[key], "header", head, lay.width - 1)
        else:
            w.put(head, col, names[key], "header")
    ws.set_row(head, 28)

    money = [fc["initial"], fc["budget"], fc["spent"]]
    rows = {"年度资金总额": total, **lay.funds_sources}
    for text, r in rows.items():
        ws.set_row(r, 22)
        w.put(r, 1, text, "label" if r == total else "split_label", r, 2)
        for col in money:
            w.put(r, col, None, "input_money")
        if r == total:
            w.put(r, fc["weight"], lay.funds_weight, "fixed")
            budget, spent = a1(r, fc["budget"]), a1(r, fc["spent"])
            rate = a1(r, fc["rate"])
            w.formula(r, fc["rate"], f'=IF(AND(ISNUMBER({budget}),{budget}>0,ISNUMBER({spent})),{spent}/{budget},"")',
                      "formula_pct")
            w.formula(r, fc["score"], f'=IF(ISNUMBER({rate}),ROUND(MIN({rate},1)*{a1(r, fc["weight"])},2),"")',
                      "formula_score")
        else:
            for key in ("weight", "rate", "score"):
                w.put(r, fc[key], None, "blank")
        if "reason" in fc:
            if r == total:
                w.put(r, fc["reason"], None, "input", r, lay.width - 1)
                ws.data_validation(r, fc["reason"], r, fc["reason"], {
                    "validate": "any", "input_title": "原因",
                    "input_message": "执行率未达到100%时，说明资金未执行完的原因。"})
            else:
                w.put(r, fc["reason"], None, "blank", r, lay.width - 1)
    first, last_row = total, max(rows.values())
    ws.data_validation(first, money[0], last_row, money[-1], {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "金额（万元）", "input_message": "只填数字，单位万元，不要带“万元”或文字。",
        "error_title": "金额必须是数字", "error_message": "请输入不小于 0 的数字（单位：万元）。"})
    # 年度资金总额 must equal the sum of its sources (B104) and 执行数 should not exceed 预算数 (B103).
    if lay.funds_sources:
        top, bottom = min(lay.funds_sources.values()), max(lay.funds_sources.values())
        ref = a1(total, money[0])
        ws.conditional_format(total, money[0], total, money[-1], {
            "type": "formula", "format": w.fmt["cf_red"],
            "criteria": f"=AND(COUNT({a1(top, money[0])}:{a1(bottom, money[0])})>0,"
                        f"ABS(N({ref})-SUM({a1(top, money[0])}:{a1(bottom, money[0])}))>0.005)"})
    ws.conditional_format(first, fc["spent"], last_row, fc["spent"], {
        "type": "formula", "format": w.fmt["cf_yellow"],
        "criteria": f"=AND(ISNUMBER({a1(first, fc['spent'])}),ISNUMBER({a1(first, fc['budget'])}),"
                    f"{a1(first, fc['spent'])}>{a1(first, fc['budget'])})"})
    if lay.kind == "department":
        _write_split(w, lay)


def _write_split(w: _Writer, lay: Layout) -> None:
    """部门整体: 按收入性质分 / 按支出性质分 — a label cell and an amount cell per item."""
    ws = w.ws
    marker = lay.income_rows[0] - 1
    ws.set_row(marker, 22)
    w.put(marker, 1, "按收入性质分：", "split_label", marker, 4)
    w.put(marker, 5, "按支出性质分：", "split_label", marker, 8)
    income = [k for k, (_r, c) in lay.split_items.items() if c == 3]
    expense = [k for k, (_r, c) in lay.split_items.items() if c == 7]
    for i, r in enumerate(lay.income_rows):
        ws.set_row(r, 22)
        prefix = "其中：" if i == 0 else ""
        w.put(r, 1, f"{prefix}{income[i]}：", "split_label", r, 2)
        w.put(r, 3, None, "input_money", r, 4)
        if i < len(expense):
            w.put(r, 5, f"{prefix}{expense[i]}：", "split_label", r, 6)
            w.put(r, 7, None, "input_money", r, 8)
        else:
            w.put(r, 5, None, "blank", r, 8)
    top, bottom = lay.income_rows[0], lay.income_rows[-1]
    for col in (3, 7):
        ws.data_validation(top, col, bottom, col, {
            "validate": "decimal", "criteria": ">=", "value": 0,
            "input_title": "金额（万元）", "input_message": "只填数字，单位万元。各项之和应等于年度资金总额。",
            "error_title": "金额必须是数字", "error_message": "请输入不小于 0 的数字（单位：万元）。"})
    # Both splits must add up to 年度资金总额's 全年预算数 (X601/X602).
    budget = _abs(lay.funds_total, lay.funds_cols["budget"])
    inc = f"{_abs(top, 3)}:{_abs(bottom, 3)}"
    exp = f"{_abs(top, 7)}:{_abs(bottom, 7)}"
    for col, ref in ((3, inc), (7, exp)):
        ws.conditional_format(top, col, bottom, col, {
            "type": "formula", "format": w.fmt["cf_red"],
            "criteria": f"=AND(COUNT({ref})>0,ISNUMBER({budget}),ABS({budget}-SUM({ref}))>0.005)"})


def _write_goals(w: _Writer, lay: Layout) -> None:
    ws = w.ws
    last = lay.width - 1
    head = lay.goal_rows[0] - 1
    exp_col, act_col = lay.goal_cols
    w.put(head, 0, "年度总体目标", "label", lay.goal_rows[-1], 0)
    w.put(head, exp_col, "预期目标", "header", head, act_col - 1)
    w.put(head, act_col, "实际完成情况", "header", head, last)
    ws.set_row(head, 22)
    for i, r in enumerate(lay.goal_rows):
        ws.set_row(r, 90 if len(lay.goal_rows) == 1 else 45)
        w.put(r, exp_col, None, "input", r, act_col - 1)
        w.put(r, act_col, None, "input", r, last)
        if i == 0:
            ws.data_validation(r, exp_col, r, exp_col, {
                "validate": "any", "input_title": "预期目标",
                "input_message": "照抄预算批复的年度绩效目标；多个目标分条写（目标1：…）。"})
            ws.data_validation(r, act_col, r, act_col, {
                "validate": "any", "input_title": "实际完成情况",
                "input_message": "逐条对照预期目标写实际完成了什么，不要照抄预期目标。"})


def _write_indicators(w: _Writer, lay: Layout) -> None:
    ws, c = w.ws, lay.cols
    head = lay.indicator_header
    sichuan = lay.kind == "sichuan"
    first, last_row = lay.groups[0].first, lay.groups[-1].last
    w.put(head, 0, "绩效指标(90分)" if sichuan else "绩效指标", "label", last_row, 0)
    names = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "nature": "指标性质",
             "target": "指标值" if sichuan else "年度指标值", "unit": "度量单位",
             "actual": "全年实际值" if sichuan else "实际完成值", "weight": "权重" if sichuan else "分值",
             "score": "得分", "reason": "未完成原因分析" if sichuan else "偏差原因分析及改进措施",
             "sub_weight": "本级小计\n（分值）", "sub_score": "本级小计\n（得分）"}
    for key, col in c.items():
        w.put(head, col, names[key], "helper_header" if key.startswith("sub_") else "header")
    ws.set_row(head, 30)

    for g in lay.groups:
        w.put(g.first, c["level1"], g.spec.label, "label", g.last, c["level1"])
        for r in g.rows:
            ws.set_row(r, 24)
            for key in ("level2", "nature", "unit"):
                if key in c:
                    w.put(r, c[key], None, "input_center")
            for key in ("name", "target", "actual", "reason"):
                w.put(r, c[key], None, "input")
            for key in ("weight", "score"):
                w.put(r, c[key], None, "input_score")
        ws.data_validation(g.first, c["level2"], g.last, c["level2"], {
            "validate": "list", "source": list(g.spec.level2),
            "input_title": "二级指标", "input_message": f"从下拉列表选择{g.spec.key}下的二级指标。",
            "error_title": "二级指标不符", "error_message": f"{g.spec.key}下只能选：{'、'.join(g.spec.level2)}。"})
        # 一级 subtotals (helper columns; red when they differ from the weight in the label).
        rng = f"{a1(g.first, c['weight'])}:{a1(g.last, c['weight'])}"
        srng = f"{a1(g.first, c['score'])}:{a1(g.last, c['score'])}"
        w.formula(g.first, c["sub_weight"], f'=IF(COUNT({rng})=0,"",SUM({rng}))', "formula_score", g.last, c["sub_weight"])
        w.formula(g.first, c["sub_score"], f'=IF(COUNT({srng})=0,"",SUM({srng}))', "formula_score", g.last, c["sub_score"])
        if g.spec.weight is not None:
            cell = a1(g.first, c["sub_weight"])
            ws.conditional_format(g.first, c["sub_weight"], g.last, c["sub_weight"], {
                "type": "formula", "format": w.fmt["cf_red"],
                "criteria": f"=AND(ISNUMBER({cell}),ABS({cell}-{g.spec.weight:g})>0.005)"})

    weight, score, reason = c["weight"], c["score"], c["reason"]
    ws.data_validation(first, weight, last_row, weight, {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "权重" if sichuan else "分值",
        "input_message": ("本行指标的权重（数字）。绩效指标权重合计 90 分，由单位自行分配。" if sichuan else
                          "本行指标的分值（数字）。同一一级指标下的分值之和应等于括号里的分数。"),
        "error_title": "分值必须是数字", "error_message": "请输入不小于 0 的数字。"})
    ws.data_validation(first, score, last_row, score, {
        "validate": "custom",
        "value": f"=AND(ISNUMBER({a1(first, score)}),{a1(first, score)}>=0,"
                 f"ISNUMBER({_col_abs(first, weight)}),{a1(first, score)}<={_col_abs(first, weight)})",
        "input_title": "得分", "input_message": "先填分值，再填得分。得分在 0 和本行分值之间；低于分值时必须填写偏差原因。",
        "error_title": "得分超出范围", "error_message": "得分必须是 0 到本行分值之间的数字（请先填写分值）。"})
    ws.data_validation(first, c["actual"], last_row, c["actual"], {
        "validate": "list", "source": list(GRADES), "show_error": False,
        "input_title": "实际完成值", "input_message": "定量指标填实际数值和单位（如 460人、98%）；定性指标从下拉列表选择评价等级。"})
    ws.data_validation(first, reason, last_row, reason, {
        "validate": "any", "input_title": "偏差原因分析及改进措施",
        "input_message": "得分低于分值时必填：写明未完成的原因和下一步改进措施（如：原因：…；措施：…）。"})
    ws.data_validation(first, c["name"], last_row, c["name"], {
        "validate": "any", "input_title": "三级指标", "input_message": "填写具体指标名称，一行一个指标。"})
    if sichuan:
        ws.data_validation(first, c["nature"], last_row, c["nature"], {
            "validate": "list", "source": list(NATURES),
            "input_title": "指标性质", "input_message": "定量指标选 ≥ ≤ ＝ > <；定性指标选“定性”。",
            "error_title": "指标性质", "error_message": "请从下拉列表选择。"})
        ws.data_validation(first, c["target"], last_row, c["target"], {
            "validate": "custom",
            "value": f'=OR({_col_abs(first, c["nature"])}="定性",ISNUMBER({a1(first, c["target"])}))',
            "input_title": "指标值", "input_message": "定量指标只填数字，单位填在“度量单位”列；定性指标填文字。",
            "error_title": "指标值应为数字", "error_message": "定量指标的指标值只填数字（单位写在“度量单位”列）。"})
    else:
        ws.data_validation(first, c["target"], last_row, c["target"], {
            "validate": "any", "input_title": "年度指标值",
            "input_message": "定量指标写符号、数值和单位，如 ≥450人、≥95%、≤50万元；定性指标写预期效果。"})
    # A row turns red when 得分 < 分值 and the 偏差原因 cell is empty (rule C301).
    ws.conditional_format(first, c["level2"], last_row, reason, {
        "type": "formula", "format": w.fmt["cf_red"],
        "criteria": f"=AND(ISNUMBER({_col_abs(first, score)}),ISNUMBER({_col_abs(first, weight)}),"
                    f"{_col_abs(first, score)}<{_col_abs(first, weight)},LEN(TRIM({_col_abs(first, reason)}))=0)"})


def _write_total_and_footer(w: _Writer, lay: Layout) -> None:
    ws, c = w.ws, lay.cols
    r = lay.total_row
    last = lay.width - 1
    weight, score = c["weight"], c["score"]
    first, last_row = lay.groups[0].first, lay.groups[-1].last
    label_end = weight - 1 if lay.kind != "project" else 2
    w.put(r, 0, "总分" if lay.kind == "department" else "合计", "label", r, label_end)
    for col in range(label_end + 1, weight):
        w.put(r, col, None, "blank")
    wr = f"{a1(first, weight)}:{a1(last_row, weight)}"
    sr = f"{a1(first, score)}:{a1(last_row, score)}"
    funds_w = a1(lay.funds_total, lay.funds_cols["weight"])
    funds_s = a1(lay.funds_total, lay.funds_cols["score"])
    w.formula(r, weight, f'=IF(COUNT({wr})=0,"",SUM({funds_w},{wr}))', "formula_score")
    w.formula(r, score, f'=IF(COUNT({sr})=0,"",SUM({funds_s},{sr}))', "formula_score")
    for col in range(score + 1, last + 1):
        w.put(r, col, None, "blank")
    ws.set_row(r, 24)
    total = a1(r, weight)
    ws.conditional_format(r, weight, r, weight, {
        "type": "formula", "format": w.fmt["cf_red"], "criteria": f"=AND(ISNUMBER({total}),ABS({total}-100)>0.005)"})

    labels = {"单位负责人签字": "单位负责人签字："}
    rows = sorted({pos[0] for pos in lay.footer.values()})
    for row in rows:
        ws.set_row(row, 28)
    for key, (fr, fc) in lay.footer.items():
        label_col, end = lay.footer_spans[key]
        w.put(fr, label_col, labels.get(key, f"{key}："), "footer_label", fr, fc - 1)
        w.put(fr, fc, None, "footer_input", fr, end)
    msgs = {"填表人": "填表人姓名。", "填报日期": "例如 2025年3月15日（填报日期应在评价年度或次年）。",
            "联系电话": "手机号（11位）或带区号的固定电话。"}
    for key, msg in msgs.items():
        fr, fc = lay.footer[key]
        options: dict[str, Any] = {"validate": "any", "input_title": key, "input_message": msg}
        if key == "联系电话":
            options = {"validate": "length", "criteria": "between", "minimum": 7, "maximum": 20,
                       "input_title": key, "input_message": msg,
                       "error_title": "联系电话", "error_message": "请填写手机号或带区号的固定电话。"}
        ws.data_validation(fr, fc, fr, fc, options)


# ---------------------------------------------------------------- 填表说明
def instructions(kind: str) -> list[tuple[str, list[str]]]:
    """The 填表说明 sheet's sections: (heading, paragraphs), in plain Chinese."""
    sichuan = kind == "sichuan"
    weight = "权重" if sichuan else "分值"
    reason = "未完成原因分析" if sichuan else "偏差原因分析及改进措施"
    sections: list[tuple[str, list[str]]] = [
        ("一、怎么填", [
            "只在白色单元格里填写。灰色单元格（执行率、执行率得分、本级小计、合计）由公式自动计算，已锁定，不能也不需要手工填写。",
            "工作表设有保护（没有密码），防止误改公式。确需调整时可在“审阅 → 撤销工作表保护”中取消。",
            "金额一律以万元为单位，只填数字，不要写“万元”等文字；分值、得分只填数字。",
            "输入不合规的数字（负数、文字、得分超过分值等）时，表格会直接拒绝并提示原因。",
        ]),
        ("二、预算执行（10分）", [
            "年度资金总额应等于下面各项资金来源之和；不一致时，合计行的金额显示为红色。"
            if kind != "department" else
            "年度资金总额填全年预算和执行情况；按收入性质和按支出性质分列的金额，各自合计都应等于全年预算数，不一致时显示红色。",
            "执行率 = 全年执行数 ÷ 全年预算数（自动计算）。全年执行数大于全年预算数时显示黄色，请核实。",
            f"预算执行得分 = 执行率 × {weight}（10分），执行率超过 100% 的按 100% 计（自动计算）。",
        ]),
        ("三、绩效指标评分", [
            ("绩效指标共 90 分，由单位按项目实际在产出、效益、满意度指标之间分配，加上预算执行 10 分，合计 100 分。"
             if sichuan else
             "标准权重：产出指标 50 分、效益指标 30 分、满意度指标 10 分，加上预算执行 10 分，合计 100 分。"
             "同一一级指标下各行分值之和必须等于括号里的分数，右侧“本级小计”与之不符时显示红色。"),
            "二级指标从下拉列表中选择，只能选所在一级指标下允许的二级指标。",
            f"每个三级指标都要填写{'指标性质、指标值和度量单位' if sichuan else '年度指标值'}、实际完成值、{weight}和得分。",
            "定量指标：完成或超额完成年度指标值的得满分；未完成的按完成比例计分"
            "（正向指标：得分 = 实际完成值 ÷ 年度指标值 × 分值；反向指标：得分 = 年度指标值 ÷ 实际完成值 × 分值）。",
            "定性指标按三档评分：达成年度指标的，得该项分值的 80%～100%；部分达成年度指标并具有一定效果的，"
            "得 60%～80%；未达成年度指标且效果较差的，得 0～60%。实际完成值可从下拉列表选择这三档。",
            f"得分不能超过本行{weight}。得分低于{weight}的，必须在“{reason}”中写明原因和改进措施，否则整行显示红色。",
        ]),
        ("四、评价等级", [
            "总分 90 分（含）以上为“优”，80 分（含）至 90 分为“良”，60 分（含）至 80 分为“中”，60 分以下为“差”。",
        ]),
        ("五、其他", [
            "年度总体目标的“实际完成情况”要对照“预期目标”逐条写实际完成了什么，不要照抄预期目标。",
            "表尾的填表人、填报日期、联系电话必须填写；填报日期应在评价年度或次年内，电话写手机号或带区号的固定电话。",
            "填好后可用 xlsxtool 检查：把文件拖到 xlsxtool 程序上，或在命令行运行 xlsxtool check 文件名.xlsx，"
            "程序会列出需要修改的单元格。",
        ]),
    ]
    return sections


def _write_instructions(wb: Workbook, fmt: _Formats, lay: Layout) -> None:
    ws = wb.add_worksheet(INSTRUCTION_SHEET)
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, 100)
    ws.hide_gridlines(2)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    # No cell here may look like a form title to the checker (it would be read as a form).
    kind_name = {"project": "项目支出", "department": "部门整体支出", "sichuan": "四川省项目支出"}[lay.kind]
    ws.write_string(0, 1, f"{kind_name}绩效自评表填表说明", fmt["note_title"])
    ws.set_row(0, 28)
    row = 2
    for heading, paragraphs in instructions(lay.kind):
        ws.write_string(row, 1, heading, fmt["note_head"])
        ws.set_row(row, 22)
        row += 1
        for i, text in enumerate(paragraphs, start=1):
            ws.write_string(row, 0, f"{i}.", fmt["note"])
            ws.write_string(row, 1, text, fmt["note"])
            ws.set_row(row, 16 * (1 + len(text) // 60))
            row += 1
        row += 1
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
