"""Build realistic sample workbooks from the seed report ``001_*.txt``.

The seed is a published Word report (岳阳市教育科学技术研究院, 2023) whose eleven
绩效自评表 tables were exported as text: one 部门整体支出绩效自评表 and ten
项目支出绩效自评表.  This script parses those tables and lays them out on a
9-column grid, the way a person pasting the Word tables into Excel would end up
with them, and writes two workbooks:

* ``<部门>_<年>年度绩效自评表.xlsx``       - all eleven forms stacked in one sheet
  ``自评表`` (department form first, two blank rows between forms, the first
  form starting at B2, i.e. at an offset);
* ``<部门>_<年>年度绩效自评表_分表.xlsx``  - one form per sheet, starting at A1;
* ``<部门>_<年>年度绩效自评报告.docx``     - the report as published: the narrative paragraphs
  of the seed, then the eleven forms as Word tables with the same merges (gridSpan / vMerge),
  each table laid out like its sheet in the ``_分表`` workbook (so a finding's A1 address is the
  same in both).

Seed text format (Word tables as text): a table starts at a line holding
``\\t2023年度…绩效自评表``; rows are separated by one blank line; every cell
starts with a line beginning with TAB, and continues on following lines that do
not start with TAB (joined with ``\\n``); an empty cell is a line holding only a
TAB.  Rows have different cell counts because of merged cells.

Cell values are kept verbatim (trailing spaces, ``\\u3000``, embedded newlines,
typos), except that 11-digit mobile numbers are masked (``139****6836``) and
cells that are a plain integer/decimal number are written as numbers (what
Excel does on paste).

Grid (columns A..I of a form)::

    A          B         C         D         E          F          G     H     I
    title (A:I, no border)
    项目支出名称 | name (B:I)
    主管部门    | dept (B:E)                     | 实施单位：… (F:I)
    项目资金    | (B:C) source          | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分
    (A merged vertically over the header and all funds rows)
    年度总体目标 | 预期目标 (B:E)                  | 实际完成情况 (F:I)
    绩效指标    | 一级 | 二级 | 三级 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因…
    (A merged over header + indicator rows; 一级 (B) and 二级 (C) merged over their groups)
    合计 (A:C)  |  D  |  E  |  F  | 分值 G | 得分 H | I        (department: 总分 A:F | G | H | I)
    备注：… (A:I)
    填表人：… 填报日期：… 联系电话：… 单位负责人签字：… (A:I)

Usage::

    python samples/build_samples.py [--seed PATH] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

SAMPLES_DIR = Path(__file__).resolve().parent
REPO_ROOT = SAMPLES_DIR.parent
DEFAULT_SEED_DIR = REPO_ROOT.parent / "shared" / "seeds"

#: Fixed document timestamp, so that re-running produces byte-identical files.
FIXED_TIMESTAMP = dt.datetime(2024, 9, 11, 9, 0, 0)

NCOLS = 9
#: Column widths (Excel character units) of the 9 form columns A..I.
COL_WIDTHS: tuple[float, ...] = (12, 16, 12, 30, 11, 11, 11, 11, 30)
#: Width of the empty column in front of the stacked forms (offset layout).
OFFSET_COL_WIDTH = 4

TITLE_RE = re.compile(r"^\t\d{4}年度(部门整体|项目)支出绩效自评表$")
MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
NUMBER_RE = re.compile(r"[+-]?\d+(\.\d+)?")
#: Characters Excel forbids in sheet names.
SHEET_BAD_CHARS_RE = re.compile(r"[\[\]:*?/\\]")
#: 三级指标 values that mean "empty" (SPEC 1.4); used only by --check.
PLACEHOLDERS = {"", "—", "–", "-", "/", "／", "无", "*"}

# Horizontal layout of a seed row, by its number of cells: one (first, last)
# column span per cell.  Every non-empty value lands under its header column.
SPANS: dict[int, list[tuple[int, int]]] = {
    1: [(0, 8)],  # title, 备注, 填表人 footer
    2: [(0, 0), (1, 8)],  # 项目支出名称 / 市级预算部门名称 | value
    3: [(0, 0), (1, 4), (5, 8)],  # 主管部门, goals, department 按收入/按支出 rows
    4: [(0, 5), (6, 6), (7, 7), (8, 8)],  # 总分 | 100 (分值) | 96 (得分) | 偏差
    7: [(0, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 8)],  # 合计 row
    8: [(0, 0), (1, 2)] + [(c, c) for c in range(3, 9)],  # funds header and rows
    9: [(c, c) for c in range(9)],  # indicator header and rows
}

CellValue = str | int | float


# --------------------------------------------------------------------------- parsing


BOOKMARK_RE = re.compile(r"\[bookmark: [^\]]*\]")


def parse_narrative(text: str) -> list[str]:
    """The report's paragraphs before its first table, verbatim except the text export's
    ``[bookmark: …]`` markers (bookmarks in the original, not text); trailing blank lines dropped."""
    lines = text.split("\n")
    end = next((i for i, line in enumerate(lines) if TITLE_RE.match(line)), len(lines))
    paragraphs = [mask_phones(BOOKMARK_RE.sub("", line)) for line in lines[:end]]
    while paragraphs and not paragraphs[-1].strip():
        paragraphs.pop()
    return paragraphs


def parse_tables(text: str) -> list[list[list[str]]]:
    """Split the seed text into tables -> rows -> raw cell strings (verbatim)."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if TITLE_RE.match(line)]
    tables: list[list[list[str]]] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        rows: list[list[str]] = []
        row: list[str] | None = None
        for lineno, line in enumerate(lines[start:end], start=start + 1):
            if line == "":  # blank line = row separator
                if row is not None:
                    rows.append(row)
                    row = None
            elif line.startswith("\t"):  # a new cell
                if row is None:
                    row = []
                row.append(line[1:])
            else:  # continuation of a multi-line cell
                if not row:
                    if rows:
                        # prose after the last table (the seed has none); stop here
                        break
                    raise ValueError(f"line {lineno}: text outside a cell: {line!r}")
                row[-1] += "\n" + line
        if row is not None:
            rows.append(row)
        # drop trailing all-empty rows (table 2 ends with one empty one-cell row)
        while rows and all(c == "" for c in rows[-1]):
            rows.pop()
        tables.append(rows)
    return tables


def mask_phones(text: str) -> str:
    """Mask 11-digit mobile numbers: 13912345678 -> 139****5678."""
    return MOBILE_RE.sub(r"\1****\2", text)


def to_value(raw: str) -> CellValue:
    """Mask phones; a plain integer/decimal becomes a number, anything else stays text."""
    text = mask_phones(raw)
    stripped = text.strip()
    if NUMBER_RE.fullmatch(stripped):
        return float(stripped) if "." in stripped else int(stripped)
    return text


# --------------------------------------------------------------------------- layout


@dataclass
class Cell:
    """One cell of a form, relative to the form's top-left corner."""

    row: int
    col: int
    last_row: int
    last_col: int
    value: CellValue
    style: str  # title | label | header | text | center | note


@dataclass
class Form:
    """One laid-out form (a table of the seed)."""

    kind: str  # "department" | "project"
    title: str
    name: str  # department or project name
    cells: list[Cell] = field(default_factory=list)
    nrows: int = 0


def _is_blank(value: CellValue) -> bool:
    return isinstance(value, str) and value == ""


def layout_table(rows: list[list[str]]) -> Form:
    """Place the seed rows of one table on the 9-column grid, with merges."""
    title = rows[0][0]
    kind = "department" if "部门整体" in title else "project"
    name = rows[1][1] if len(rows) > 1 and len(rows[1]) == 2 else ""
    form = Form(kind=kind, title=title, name=name, nrows=len(rows))

    # 1. horizontal placement
    grid: list[list[Cell]] = []
    for r, raw_row in enumerate(rows):
        spans = SPANS.get(len(raw_row))
        if spans is None:
            # Not in the scheme: first cells one column each, the last one takes the rest.
            n = len(raw_row)
            spans = [(c, c) for c in range(n - 1)] + [(n - 1, NCOLS - 1)]
            print(f"warning: row with {n} cells laid out generically: {raw_row!r}", file=sys.stderr)
        grid.append(
            [
                Cell(r, c1, r, c2, to_value(raw), "center")
                for raw, (c1, c2) in zip(raw_row, spans, strict=True)
            ]
        )

    def single_a(r: int) -> Cell | None:
        """The row's first cell if it occupies column A only."""
        first = grid[r][0]
        return first if first.col == 0 and first.last_col == 0 else None

    def is_continuation(r: int) -> bool:
        """A row that belongs to the block labelled in column A above it."""
        first = single_a(r)
        return first is not None and len(grid[r]) >= 2 and _is_blank(first.value)

    absorbed: set[tuple[int, int]] = set()  # (row, col) cells swallowed by vertical merges

    # 2. column-A block labels (项目资金 / 年度预算申请, 年度总体目标, 绩效指标)
    #    merged vertically over the header and the block's rows.
    r = 1
    while r < len(grid):
        head = single_a(r)
        end = r
        while end + 1 < len(grid) and is_continuation(end + 1):
            end += 1
        if head is not None and not _is_blank(head.value) and end > r:
            head.last_row = end
            absorbed.update((k, 0) for k in range(r + 1, end + 1))
            for cell in grid[r]:
                cell.style = "header"
            head.style = "label"
            block = range(r + 1, end + 1)
            if len(grid[r]) == 9:  # indicator block: merge 一级 (B) and 二级 (C)
                _merge_indicator_groups(grid, block, absorbed)
            elif len(grid[r]) == 3:  # goals block: long texts
                for k in block:
                    for cell in grid[k][1:]:
                        cell.style = "text"
        elif head is not None and len(grid[r]) >= 2 and not _is_blank(head.value):
            head.style = "label"
        r = end + 1

    # 3. row-level styles
    for r, row in enumerate(grid):
        if r == 0:
            row[0].style = "title"
        elif len(row) == 1:
            row[0].style = "note"
        elif len(row) in (4, 7):  # 合计 / 总分
            row[0].style = "label"
        elif len(row) == 9 and is_continuation(r):
            row[3].style = "text"  # 三级指标
            row[8].style = "text"  # 偏差原因分析及改进措施

    for row in grid:
        form.cells.extend(c for c in row if (c.row, c.col) not in absorbed)
    return form


def _merge_indicator_groups(
    grid: list[list[Cell]], block: range, absorbed: set[tuple[int, int]]
) -> None:
    """Merge each 一级 cell (B) over its group and each 二级 cell (C) over its sub-group."""
    rows = [k for k in block if len(grid[k]) == 9]
    lvl1: Cell | None = None
    lvl2: Cell | None = None
    for k in rows:
        b, c = grid[k][1], grid[k][2]
        if not _is_blank(b.value):
            lvl1, lvl2 = b, None
        elif lvl1 is not None:
            lvl1.last_row = k
            absorbed.add((k, 1))
        if not _is_blank(c.value) or not _is_blank(b.value):
            lvl2 = c if not _is_blank(c.value) else None
        elif lvl2 is not None:
            lvl2.last_row = k
            absorbed.add((k, 2))


# --------------------------------------------------------------------------- writing


def display_width(text: str) -> int:
    """Approximate width in Excel column units (wide CJK characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def needed_height(cell: Cell) -> float:
    """Row height (points) needed to show a cell's wrapped text."""
    if cell.style == "title":
        return 30.0
    units = sum(COL_WIDTHS[cell.col : cell.last_col + 1]) - 1
    text = str(cell.value)
    lines = sum(max(1, math.ceil(display_width(part) / units)) for part in text.split("\n"))
    return max(20.0, lines * 13.5 + 5)


def row_heights(form: Form) -> list[float]:
    """Heights of the form's rows: single-row cells first, then stretch for vertical merges."""
    heights = [20.0] * form.nrows
    for cell in form.cells:
        if cell.row == cell.last_row:
            heights[cell.row] = max(heights[cell.row], needed_height(cell))
    for cell in form.cells:
        if cell.row != cell.last_row:
            span = range(cell.row, cell.last_row + 1)
            missing = needed_height(cell) - sum(heights[k] for k in span)
            if missing > 0:
                heights[cell.last_row] += missing
    return [min(409.0, h) for h in heights]


class Formats:
    """Cache of xlsxwriter formats per cell style."""

    BASE: dict[str, object] = {
        "font_name": "宋体",
        "font_size": 10,
        "text_wrap": True,
        "valign": "vcenter",
        "border": 1,
    }
    STYLES: dict[str, dict[str, object]] = {
        "title": {"bold": True, "font_size": 14, "align": "center", "border": 0},
        "label": {"bold": True, "align": "center"},
        "header": {"bold": True, "align": "center"},
        "center": {"align": "center"},
        "text": {"align": "left"},
        "note": {"align": "left"},
    }

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self._wb = workbook
        self._cache: dict[str, Format] = {}

    def __getitem__(self, style: str) -> Format:
        if style not in self._cache:
            props = dict(self.BASE)
            props.update(self.STYLES[style])
            self._cache[style] = self._wb.add_format(props)
        return self._cache[style]


def write_form(ws: Worksheet, fmt: Formats, form: Form, top: int, left: int) -> None:
    """Write a laid-out form with its top-left corner at (top, left), 0-based."""
    for cell in form.cells:
        r1, c1 = top + cell.row, left + cell.col
        r2, c2 = top + cell.last_row, left + cell.last_col
        f = fmt[cell.style]
        if (r1, c1) != (r2, c2):
            ws.merge_range(r1, c1, r2, c2, "", f)
        # explicit writers: never let '=<50万' become a formula or a string a number
        if isinstance(cell.value, str):
            if cell.value == "":
                ws.write_blank(r1, c1, None, f)
            else:
                ws.write_string(r1, c1, cell.value, f)
        else:
            ws.write_number(r1, c1, cell.value, f)
    for i, height in enumerate(row_heights(form)):
        ws.set_row(top + i, height)


def setup_sheet(ws: Worksheet, left: int) -> None:
    """Column widths and page setup."""
    if left:
        ws.set_column(0, left - 1, OFFSET_COL_WIDTH)
    for i, width in enumerate(COL_WIDTHS):
        ws.set_column(left + i, left + i, width)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def new_workbook(path: Path) -> tuple[xlsxwriter.Workbook, Formats]:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties(
        {
            "title": "2023年度绩效自评表",
            "author": "xlsxtool samples",
            "comments": "Generated by samples/build_samples.py from seed 001",
            "created": FIXED_TIMESTAMP,  # xlsxwriter also uses it for dcterms:modified
        }
    )
    return wb, Formats(wb)


def sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (no []:*?/\\, at most 31 characters)."""
    base = SHEET_BAD_CHARS_RE.sub("", name).replace("\n", "").strip().strip("'")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def build(seed: Path, out_dir: Path) -> list[Path]:
    """Parse the seed and write both workbooks; return their paths."""
    tables = parse_tables(seed.read_text(encoding="utf-8"))
    if not tables:
        raise SystemExit(f"error: no 绩效自评表 tables found in {seed}")
    forms = [layout_table(t) for t in tables]
    dept = next((f for f in forms if f.kind == "department"), forms[0])
    year = re.match(r"\d{4}", dept.title)
    stem = f"{dept.name or '部门'}_{year.group(0) if year else ''}年度绩效自评表"
    out_dir.mkdir(parents=True, exist_ok=True)

    # 1. all forms stacked in one sheet, offset to B2, two blank rows between forms
    stacked = out_dir / f"{stem}.xlsx"
    wb, fmt = new_workbook(stacked)
    ws = wb.add_worksheet("自评表")
    setup_sheet(ws, left=1)
    top = 1
    for form in forms:
        write_form(ws, fmt, form, top=top, left=1)
        top += form.nrows + 2
    wb.close()

    # 2. one form per sheet, at A1
    split = out_dir / f"{stem}_分表.xlsx"
    wb, fmt = new_workbook(split)
    used: set[str] = set()
    for form in forms:
        ws = wb.add_worksheet(
            sheet_name("部门整体" if form.kind == "department" else form.name, used)
        )
        setup_sheet(ws, left=0)
        write_form(ws, fmt, form, top=0, left=0)
    wb.close()

    # 3. the Word report: narrative, then one table per form
    report = out_dir / f"{dept.name or '部门'}_{year.group(0) if year else ''}年度绩效自评报告.docx"
    write_docx(report, parse_narrative(seed.read_text(encoding="utf-8")), forms)
    return [stacked, split, report]


# --------------------------------------------------------------------------- the Word report


def form_grid(form: Form) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """A laid-out form as text rows (NCOLS wide) and merged ranges (r0, c0, r1, c1)."""
    rows = [[""] * NCOLS for _ in range(form.nrows)]
    merges: list[tuple[int, int, int, int]] = []
    for cell in form.cells:
        value = cell.value
        rows[cell.row][cell.col] = value if isinstance(value, str) else str(value)
        if (cell.row, cell.col) != (cell.last_row, cell.last_col):
            merges.append((cell.row, cell.col, cell.last_row, cell.last_col))
    return rows, merges


def write_docx(path: Path, paragraphs: list[str], forms: list[Form]) -> None:
    """The report as a .docx (python-docx): paragraphs, then each form as a bordered table
    (its title row without borders, as in the published report); byte-identical on re-runs."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.8))
    for text in paragraphs:
        document.add_paragraph(text)
    usable = section.page_width - section.left_margin - section.right_margin
    widths = [int(usable * w / sum(COL_WIDTHS)) for w in COL_WIDTHS]
    for n, form in enumerate(forms):
        if n:
            document.add_paragraph()  # Word needs a paragraph between two tables
        rows, merges = form_grid(form)
        table = document.add_table(rows=len(rows), cols=NCOLS)
        table.style = "Table Grid"
        for r0, c0, r1, c1 in merges:
            table.cell(r0, c0).merge(table.cell(r1, c1))
        grid = table.rows
        for r, values in enumerate(rows):
            cells = grid[r].cells
            for c, value in enumerate(values):
                if value and cells[c]._tc is not None and (r, c) == _top_left(merges, r, c):
                    lines = value.split("\n")
                    cell = cells[c]
                    cell.paragraphs[0].text = lines[0]
                    for line in lines[1:]:
                        cell.add_paragraph(line)
        for c, width in enumerate(widths):
            for cell in table.columns[c].cells:
                cell.width = width
        _no_borders(table.rows[0].cells[0])  # the title row
        title = table.rows[0].cells[0].paragraphs[0]
        title.alignment = 1  # centred
        for run in title.runs:
            run.bold = True
            run.font.size = Pt(14)
    document.add_paragraph()  # Word always ends the body with a paragraph (LibreOffice's .doc export needs it)
    props = document.core_properties
    props.author = props.last_modified_by = "xlsxtool samples"
    props.title = "2023年度部门整体支出绩效自评报告"
    props.comments = "Generated by samples/build_samples.py from seed 001"
    props.created = props.modified = FIXED_TIMESTAMP
    props.revision = 1
    document.save(str(path))
    _fix_zip_times(path)


def _top_left(merges: list[tuple[int, int, int, int]], r: int, c: int) -> tuple[int, int]:
    for r0, c0, r1, c1 in merges:
        if r0 <= r <= r1 and c0 <= c <= c1:
            return r0, c0
    return r, c


def _no_borders(cell: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tc_pr.insert_element_before(borders, "w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText",
                                "w:vAlign", "w:hideMark")


def _fix_zip_times(path: Path) -> None:
    """Rewrite the package with fixed member timestamps (python-docx stamps the current time)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


# --------------------------------------------------------------------------- checking


def _norm(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))


def check(paths: Sequence[Path]) -> None:
    """Read the workbooks back with openpyxl and print a per-form summary."""
    import openpyxl  # only needed for --check

    for path in paths:
        print(f"== {path.name}")
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            titles = [
                c
                for row in ws.iter_rows()
                for c in row
                if isinstance(c.value, str) and c.value.endswith("绩效自评表")
            ]
            bounds = [t.row for t in titles] + [ws.max_row + 1]
            for i, title in enumerate(titles):
                rows = range(bounds[i], bounds[i + 1])
                _check_form(ws, title, rows)


def _check_form(ws: Any, title: Any, rows: range) -> None:
    """Print title cell, indicator count, 合计/总分 cells and merge count of one form."""
    cells = {(c.row, c.column): c for r in rows for c in ws[r] if c.value is not None}
    by_text = {_norm(c.value): c for c in cells.values()}
    hdr = by_text["三级指标"]
    col = {name: by_text[name].column for name in ("三级指标", "分值", "得分") if name in by_text}
    # the 分值/得分 of the indicator header (not the funds header) share its row
    for name in ("分值", "得分"):
        for c in cells.values():
            if c.row == hdr.row and _norm(c.value) == name:
                col[name] = c.column
    label_col = hdr.column - 3
    n_ind, total = 0, None
    for r in range(hdr.row + 1, rows.stop):
        label = _norm(cells[(r, label_col)].value) if (r, label_col) in cells else ""
        if label in ("合计", "总分"):
            total = (
                cells.get((r, col["分值"])),
                cells.get((r, col["得分"])),
            )
            break
        third = _norm(cells[(r, col["三级指标"])].value) if (r, col["三级指标"]) in cells else ""
        if third not in PLACEHOLDERS or (r, col["分值"]) in cells or (r, col["得分"]) in cells:
            n_ind += 1
    merges = [m for m in ws.merged_cells.ranges if m.min_row in rows]
    tot = " ".join(f"{c.coordinate}={c.value!r}" for c in total if c) if total else "-"
    print(
        f"  {ws.title}!{title.coordinate} {title.value}: "
        f"first-indicator-row={hdr.row + 1} indicators={n_ind} total[{tot}] merges={len(merges)}"
    )


# --------------------------------------------------------------------------- main


def default_seed() -> Path | None:
    found = sorted(DEFAULT_SEED_DIR.glob("001_*.txt"))
    return found[0] if found else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=Path, help="seed text (default: ../shared/seeds/001_*.txt)")
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR, help="output directory")
    parser.add_argument("--check", action="store_true", help="read the output back and summarise")
    args = parser.parse_args(argv)

    seed: Path | None = args.seed or default_seed()
    if seed is None:
        print(f"error: no seed given and no 001_*.txt found in {DEFAULT_SEED_DIR}", file=sys.stderr)
        return 2
    if not seed.is_file():
        print(f"error: seed file not found: {seed}", file=sys.stderr)
        return 2
    paths = build(seed, args.out)
    for p in paths:
        print(f"wrote {p}")
    if args.check:
        check(paths)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
