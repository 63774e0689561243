"""The annotated workbook (SPEC §5): a marked-up copy of a submitted workbook.

Every anchored finding gets a fill and a comment on its cell (the top-left cell of a merged
range), and a first sheet ``校验结果`` lists all findings with links to the cells. The source
file is only ever read; the copy is written atomically next to it (or into ``--out``).

An .xlsx/.xlsm copy is made by editing the workbook package itself (report/xlsx_package.py):
fast, and nothing the file holds is lost. openpyxl makes the copy when that path declines a
package (with a note saying so), when the file carries an earlier run's marks (removed here,
remove_earlier_marks), and for .xls/.xlsb/.ods/.et (values only, rebuilt as a new .xlsx).

openpyxl is imported inside the functions: importing it costs noticeable start-up time and
the CLI must stay quick when ``--no-annotate`` is given.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from xlsxtool.findings import SEVERITY_ORDER, Finding

if TYPE_CHECKING:  # pragma: no cover - typing only
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

ANNOTATED_SUFFIX = "_校验结果"
SUMMARY_SHEET = "校验结果"
COMMENT_AUTHOR = "xlsxtool"
COMMENT_SEPARATOR = "—— xlsxtool ——"

# Light fills as Excel's built-in "Bad" / "Neutral" cell styles use them; info gets none.
SEVERITY_FILL: dict[str, str | None] = {"error": "FFC7CE", "warning": "FFEB9C", "info": None}
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}

SUMMARY_HEADERS = ("序号", "表单", "工作表", "单元格", "规则", "级别", "问题说明", "应为", "实际")
SUMMARY_WIDTHS = (6, 30, 12, 9, 8, 7, 60, 16, 16)
WRAPPED_COLUMNS = (2, 7, 8, 9)  # 表单, 问题说明, 应为, 实际
SUMMARY_FONT = "等线"  # Office's default CJK font; LibreOffice falls back to any CJK font
HEADER_ROW = 3  # row 1: title line, row 2: blank, row 3: column headers

# Formats that openpyxl cannot open but calamine can read (values only).
VALUES_ONLY_SUFFIXES = {".xls", ".xlsb", ".ods", ".et"}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Characters XML 1.0 (and thus openpyxl) refuses; a message quoting a cell could contain them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


@dataclass
class AnnotateResult:
    path: Path  # the written copy
    notes: list[str] = field(default_factory=list)  # losses/limitations, shown to the user too


# --------------------------------------------------------------------------- output naming


def output_path(source: Path, out_dir: Path | None = None, force: bool = False,
                taken: set[Path] | None = None) -> Path:
    """``<stem>_校验结果.xlsx`` next to *source* (or in *out_dir*), never *source* itself.

    An existing file is not overwritten unless *force*: ``(2)``, ``(3)``, … is appended
    instead. ``.xlsm`` keeps its suffix (macros are carried over); everything else, ``.xls``
    included, becomes ``.xlsx``.
    """
    source = Path(source)
    folder = Path(out_dir) if out_dir is not None else source.parent
    suffix = copy_suffix(source)
    base = f"{source.stem}{ANNOTATED_SUFFIX}"
    n = 1
    while True:
        candidate = folder / (f"{base}{suffix}" if n == 1 else f"{base}({n}){suffix}")
        # The stem always gains the suffix, so this only guards against odd aliasing paths.
        # `taken`: names already given to other copies of this run (same stem, other folder).
        if (not _same_file(candidate, source) and (force or not candidate.exists())
                and candidate not in (taken or ())):
            return candidate
        n += 1


def copy_suffix(source: Path) -> str:
    """The annotated copy's suffix: ``.xlsm`` keeps its macros, a Word report stays ``.docx``
    (report/annotate_docx.py), everything else is ``.xlsx``."""
    suffix = Path(source).suffix.lower()
    return suffix if suffix in (".xlsm", ".docx") else ".xlsx"


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


# --------------------------------------------------------------------------- main entry


class Loaded(NamedTuple):
    """A workbook opened for annotating, with notes for the user.

    *workbook* is None for an .xlsx/.xlsm package: it is annotated by editing the package
    itself (report/xlsx_package.py) from *data*, and opened with openpyxl only if that path
    declines it."""

    workbook: Workbook | None
    notes: list[str]
    keep_vba: bool
    data: bytes | None = None


def load_for_annotation(source: Path, source_bytes: bytes | None = None, *, keep_vba: bool,
                        package: bool = True) -> Loaded:
    """The workbook an annotated copy starts from: for a zip package (.xlsx/.xlsm) its bytes
    (the package path needs nothing more), otherwise, or with ``package=False``, the openpyxl
    workbook. That is the slow half of the openpyxl path (openpyxl parses every cell and
    style): a single-file check runs it in a second process while it checks.

    *source_bytes*, when given (a member of a .zip submission), is loaded instead of the
    file at *source*; *source* then only provides the name and the suffix.
    """
    source = Path(source)
    # Read the bytes once and never open the source again: it cannot be touched afterwards.
    data = source_bytes if source_bytes is not None else source.read_bytes()
    if source.suffix.lower() in VALUES_ONLY_SUFFIXES or data[:8] == OLE2_MAGIC:
        suffix = source.suffix.lower()
        label = suffix if suffix in VALUES_ONLY_SUFFIXES else ".xls"  # OLE2 under another name
        note = f"原文件为 {label}，批注副本为新建的 .xlsx（仅保留数值与合并单元格，格式未保留）"
        return Loaded(_rebuild_from_values(data), [note], keep_vba)
    if package and data[:4] == b"PK\x03\x04":
        return Loaded(None, [], keep_vba, data)
    return Loaded(*_load_with_notes(data, keep_vba=keep_vba), keep_vba, data)


def keeps_macros(source: Path, dest: Path) -> bool:
    # Macros survive only if the copy is itself an .xlsm: an .xlsx holding a vbaProject
    # is refused by Excel.
    return Path(source).suffix.lower() == ".xlsm" and Path(dest).suffix.lower() == ".xlsm"


def annotate_workbook(
    source: Path,
    findings: list[Finding],
    dest: Path,
    *,
    verdict: str,
    source_bytes: bytes | None = None,
    loaded: Loaded | None = None,
) -> AnnotateResult:
    """Write a marked-up copy of *source* to *dest* and return where it went plus notes.

    *source_bytes*: see load_for_annotation. *loaded*: its result, when already at hand.
    """
    source = Path(source)
    dest = Path(dest)
    if source_bytes is None and _same_file(dest, source):
        raise ValueError(f"批注副本不能覆盖原文件：{source}")
    keep_vba = keeps_macros(source, dest)
    if loaded is None or loaded.keep_vba != keep_vba:
        loaded = load_for_annotation(source, source_bytes, keep_vba=keep_vba)
    if loaded.workbook is None:
        assert loaded.data is not None
        copy, note = _package_copy(loaded.data, findings, source.name, verdict, dest.suffix)
        if copy is not None:
            _atomic_save(copy, dest)
            return AnnotateResult(path=dest, notes=list(loaded.notes))
        loaded = Loaded(*_load_with_notes(loaded.data, keep_vba=keep_vba), keep_vba, loaded.data)
        if note:
            loaded.notes.insert(0, note)
    wb = loaded.workbook
    assert wb is not None
    notes = list(loaded.notes)

    if remove_earlier_marks(wb):
        notes.append("该文件带有上次校验的标记，已先清除旧的标红/标黄、批注和“校验结果”表，再标注本次结果")
    merges: dict[str, MergeIndex] = {}
    unanchored = _mark_cells(wb, findings, merges)
    _add_summary_sheet(wb, findings, source.name, verdict, notes, unanchored, merges)
    # The copy names xlsxtool as its last author: Excel and WPS replace that on any save, so a
    # later run can tell an untouched copy from one a clerk corrected (api.is_unedited_copy).
    wb.properties.lastModifiedBy = COMMENT_AUTHOR
    _atomic_save(wb, dest)
    return AnnotateResult(path=dest, notes=notes)


def _package_copy(data: bytes, findings: list[Finding], file_name: str, verdict: str,
                  suffix: str) -> tuple[Any, str | None]:
    """The copy made by editing the package (report/xlsx_package.py), or (None, note) when
    it must be made with openpyxl: the package is something that path cannot edit safely
    (note for the user), or it carries an earlier run's marks (no note: removing them is
    remove_earlier_marks' job, kept in one place; a copy sent back is a rare, one-file case).
    """
    from .xlsx_package import EarlierMarks, Unsupported, annotate_package

    try:
        return annotate_package(data, findings, file_name, verdict, [], suffix), None
    except EarlierMarks:
        return None, None
    except Unsupported as exc:
        return None, f"该文件无法直接标注（{exc}），批注副本改由 openpyxl 重新生成，图片、图表等内容可能丢失"
    except Exception as exc:  # noqa: BLE001 - never a broken copy: anything unexpected falls back
        return None, (f"该文件无法直接标注（{type(exc).__name__}），批注副本改由 openpyxl 重新生成，"
                      "图片、图表等内容可能丢失")


# --------------------------------------------------------------------------- earlier marks

_SUMMARY_TITLE = re.compile(rf"^{SUMMARY_SHEET}(\(\d+\))?$")
_OUR_FILLS = {c for c in SEVERITY_FILL.values() if c}


def _is_our_summary(ws: Worksheet) -> bool:
    """The 校验结果 sheet of an earlier run: its name and its column headers."""
    if not _SUMMARY_TITLE.match(ws.title):
        return False
    headers = tuple(ws.cell(row=HEADER_ROW, column=c).value for c in range(1, len(SUMMARY_HEADERS) + 1))
    return headers[:7] == SUMMARY_HEADERS[:7]


def _our_fill(cell: Any) -> bool:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return False
    return str(fill.fgColor.rgb)[-6:].upper() in _OUR_FILLS


def remove_earlier_marks(wb: Workbook) -> bool:
    """Take off what an earlier run added, so a corrected copy sent back gets only the new
    verdict: the old 校验结果 sheet, our comments (a submitter's own comment we appended to
    keeps its own text), and our fills on the cells we commented or listed. A cell's fill
    from before our first run cannot be restored (the copy never had it): it is cleared.
    Returns whether there was anything to remove."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    listed: set[tuple[str, str]] = set()
    found = False
    for ws in list(wb.worksheets):
        if _is_our_summary(ws):
            for sheet, addr in ws.iter_rows(min_row=HEADER_ROW + 1, min_col=3, max_col=4, values_only=True):
                if isinstance(sheet, str) and isinstance(addr, str):
                    listed.add((sheet, addr))
            wb.remove(ws)
            found = True
    if found:
        wb.active = 0
    for ws in wb.worksheets:
        cells = getattr(ws, "_cells", {})  # only the cells the file has: never the whole used range
        for cell in list(cells.values()):
            comment = cell.comment
            ours = comment is not None and (comment.author == COMMENT_AUTHOR or COMMENT_SEPARATOR in (comment.text or ""))
            if ours:
                found = True
                text = comment.text or ""
                if COMMENT_SEPARATOR in text:
                    kept = text.split(f"\n{COMMENT_SEPARATOR}", 1)[0].rstrip()
                    cell.comment = Comment(kept, comment.author or "") if kept else None
                else:
                    cell.comment = None
            if (ours or (ws.title, cell.coordinate) in listed) and _our_fill(cell):
                cell.fill = PatternFill(fill_type=None)
                found = True
    return found


# --------------------------------------------------------------------------- loading


def _load_with_notes(data: bytes, *, keep_vba: bool) -> tuple[Workbook, list[str]]:
    """Load with openpyxl, turning each distinct load warning into a Chinese note."""
    from openpyxl import load_workbook

    # catch_warnings swaps a process-global filter list: fine for the CLI (one load at a
    # time per process), not for concurrent loads in threads.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wb = load_workbook(
            io.BytesIO(data), keep_vba=keep_vba, data_only=False, rich_text=False, keep_links=True
        )
    notes: list[str] = []
    for w in caught:
        note = f"openpyxl 读取时提示：{str(w.message).strip()}，批注副本中该内容可能丢失"
        if note not in notes:
            notes.append(note)
    return wb, notes


def _rebuild_from_values(data: bytes) -> Workbook:
    """A new workbook with the values and merged ranges calamine reads (for .xls etc.)."""
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    cwb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    wb = Workbook()
    wb.remove(wb.active)
    for name in cwb.sheet_names:
        ws = wb.create_sheet(title=name)
        sheet = cwb.get_sheet_by_name(name)
        # skip_empty_area=False: row 0 / column 0 are A1, so addresses in findings still match.
        for r, row in enumerate(sheet.to_python(skip_empty_area=False), start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                    value = int(value)  # calamine reports every number as float
                _put(ws.cell(row=r, column=c), value)
        for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
            if (r0, c0) != (r1, c1):
                ws.merge_cells(
                    start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1
                )
    if not wb.worksheets:
        wb.create_sheet()
    return wb


def _put(cell: Any, value: Any) -> None:
    """Set a cell value as data: text is cleaned of XML-illegal characters and never a formula."""
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
        cell.value = value
        if value.startswith("="):
            cell.data_type = "s"  # openpyxl would otherwise write it as a formula
    else:
        cell.value = value


# --------------------------------------------------------------------------- marking cells


def _parse_a1(address: str) -> tuple[int, int] | None:
    """(row, col) of an A1 address; a range gives its first cell; junk gives None."""
    from openpyxl.utils.cell import column_index_from_string

    m = _A1.match(address.split(":")[0].strip())
    if not m:
        return None
    col = column_index_from_string(m.group(1).upper())
    row = int(m.group(2))
    if not (1 <= row <= 1_048_576 and 1 <= col <= 16_384):
        return None
    return row, col


class MergeIndex:
    """Which merged range holds a cell, built once per sheet: scanning every merge for every
    finding made 2,000 stacked forms on one sheet take 6× the time of 1,000 (issue 15).

    Ranges are listed under each row they cover; a lookup scans the few ranges of its row.
    Very tall ranges (a merged column) are kept apart so the index stays small."""

    TALL = 1000

    def __init__(self, ranges: Iterable[tuple[int, int, int, int]]) -> None:
        self.rows: dict[int, list[tuple[int, int, int]]] = {}
        self.tall: list[tuple[int, int, int, int]] = []
        for r0, c0, r1, c1 in ranges:  # min_row, min_col, max_row, max_col
            if (r0, c0) == (r1, c1):
                continue
            if r1 - r0 >= self.TALL:
                self.tall.append((r0, c0, r1, c1))
                continue
            for r in range(r0, r1 + 1):
                self.rows.setdefault(r, []).append((c0, c1, r0))

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        """The top-left cell of the merged range holding (row, col), or the cell itself."""
        for c0, c1, r0 in self.rows.get(row, ()):
            if c0 <= col <= c1:
                return r0, c0
        for r0, c0, r1, c1 in self.tall:
            if r0 <= row <= r1 and c0 <= col <= c1:
                return r0, c0
        return row, col


def column_letter(col: int) -> str:
    if col < len(_LETTERS):
        return _LETTERS[col]
    return _column_letter(col)


def _column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTERS = ["", *(_column_letter(c) for c in range(1, 703))]  # A … ZZ


def _merge_index(ws: Worksheet, cache: dict[str, MergeIndex]) -> MergeIndex:
    if ws.title not in cache:
        cache[ws.title] = MergeIndex(
            (r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges)
    return cache[ws.title]


def _target(wb: Workbook, f: Finding, cache: dict[str, MergeIndex] | None = None) -> tuple[Worksheet, str] | None:
    """Where a finding is marked: (worksheet, A1 of the cell to mark), or None if nowhere.
    *cache*: merge indexes by sheet, shared across the findings of one workbook."""
    if not f.sheet or not f.cell:
        return None
    ws = next((s for s in wb.worksheets if s.title == f.sheet), None)  # not chartsheets
    pos = _parse_a1(f.cell) if ws is not None else None
    if ws is None or pos is None:
        return None
    row, col = _merge_index(ws, {} if cache is None else cache).anchor(*pos)
    return ws, f"{column_letter(col)}{row}"


def _severity_rank(f: Finding) -> int:
    return SEVERITY_ORDER.get(f.severity, 9)


def _mark_cells(wb: Workbook, findings: Iterable[Finding], cache: dict[str, MergeIndex]) -> set[int]:
    """Fill and comment every anchored finding's cell; return ids of findings not marked."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    groups: dict[tuple[str, str], list[Finding]] = {}
    sheets: dict[str, Worksheet] = {}
    unanchored: set[int] = set()
    for f in findings:
        target = _target(wb, f, cache)
        if target is None:
            unanchored.add(id(f))
            continue
        ws, addr = target
        sheets[ws.title] = ws
        groups.setdefault((ws.title, addr), []).append(f)

    for (title, addr), group in groups.items():
        cell = sheets[title][addr]
        group.sort(key=lambda f: (_severity_rank(f), f.sort_key))  # errors first
        worst = group[0].severity
        color = SEVERITY_FILL.get(worst)
        if color:
            # Only the fill changes: font, border, alignment and number format stay.
            cell.fill = PatternFill(fill_type="solid", start_color=color, end_color=color)
        ours = "\n".join(_ILLEGAL_XML.sub("", f"{f.rule} {f.message}") for f in group)
        text = ours
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text.rstrip()}\n{COMMENT_SEPARATOR}\n{ours}"
        width, height = _comment_size(text)
        cell.comment = Comment(text, COMMENT_AUTHOR, height=height, width=width)
    return unanchored


class _CharWidths(dict[str, float]):
    """px per character, looked up once per distinct character (east_asian_width per
    character was most of the package path's time on long 校验结果 tables)."""

    def __missing__(self, ch: str) -> float:
        width = self[ch] = 12.0 if unicodedata.east_asian_width(ch) in "WF" else 6.5
        return width


_CHAR_WIDTHS = _CharWidths()


def _display_width(text: str) -> float:
    """Rough rendered width in px at the comment font (~9pt): CJK is about twice Latin."""
    if text.isascii():
        return 6.5 * len(text)
    return sum(map(_CHAR_WIDTHS.__getitem__, text))


def _comment_size(text: str) -> tuple[int, int]:
    """(width, height) of the comment box so the text fits without scrolling."""
    lines = text.split("\n")
    widest = max((_display_width(line) for line in lines), default=0.0)
    width = int(min(420, max(300, widest + 24)))
    usable = width - 16
    rows = sum(max(1, -(-int(_display_width(line)) // int(usable))) for line in lines)
    return width, int(rows * 18 + 12)  # ~14pt line height is ~18px


# --------------------------------------------------------------------------- summary sheet


def _row_height(values: tuple[Any, ...]) -> float:
    """Height (pt) for a table row whose wrapped cells need several lines.

    Set explicitly because LibreOffice does not auto-fit rows written without a height.
    Column width units hold about one Latin or half a CJK character.
    """
    lines = 1
    for col in WRAPPED_COLUMNS:
        text = values[col - 1]
        if text:
            usable = SUMMARY_WIDTHS[col - 1] - 1
            # _display_width is px at ~9pt; a width unit is ~6px of that, a CJK char ~2 units.
            needed = sum(1 + int(_display_width(p) / 6.0 // usable) for p in str(text).split("\n"))
            lines = max(lines, needed)
    return 15.0 * lines + 2


def _unique_title(wb: Workbook, base: str) -> str:
    taken = {name.lower() for name in wb.sheetnames}  # Excel compares names case-insensitively
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        title = f"{base}({n})"
    return title


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _add_summary_sheet(
    wb: Workbook,
    findings: list[Finding],
    file_name: str,
    verdict: str,
    notes: list[str],
    unanchored: set[int],
    merges: dict[str, MergeIndex],
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils.cell import get_column_letter

    ws = wb.create_sheet(title=_unique_title(wb, SUMMARY_SHEET), index=0)

    # Open on the new sheet: select it alone (a still-selected old tab would group the
    # sheets in Excel) and scroll the tab bar to the start.
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    wb.active = 0
    ws.sheet_view.tabSelected = True
    for view in wb.views or []:
        view.firstSheet = 0

    body = Font(name=SUMMARY_FONT, size=11)
    bold = Font(name=SUMMARY_FONT, size=11, bold=True)
    # The built-in Hyperlink style brings Calibri 12; keep the table's size so rows line up.
    link = Font(name=SUMMARY_FONT, size=11, color="0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    centered = Alignment(horizontal="center", vertical="top")
    top = Alignment(vertical="top")

    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in SEVERITY_LABEL}
    totals = f"错误 {counts['error']} 项，警告 {counts['warning']} 项"
    if counts["info"]:
        totals += f"，提示 {counts['info']} 项"
    title = ws.cell(row=1, column=1)
    _put(title, f"{file_name}　　校验结论：{verdict} — {totals}")
    title.font = Font(name=SUMMARY_FONT, size=13, bold=True)
    rebuilt = any("批注副本为新建的" in n for n in notes)
    guide = ws.cell(row=2, column=1)
    _put(guide, fix_and_send_back(file_name, verdict, rebuilt))
    guide.font = Font(name=SUMMARY_FONT, size=11, color="C00000")

    header_fill = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
    for col, (name, width) in enumerate(zip(SUMMARY_HEADERS, SUMMARY_WIDTHS, strict=True), start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=name)
        cell.font = bold
        cell.fill = header_fill
        ws.column_dimensions[get_column_letter(col)].width = width

    row = HEADER_ROW
    for n, f in enumerate(sorted(findings, key=lambda f: f.sort_key), start=1):
        row += 1
        values = (
            n,
            f.form,
            f.sheet,
            f.cell,
            f.rule,
            SEVERITY_LABEL.get(f.severity, f.severity),
            f.message,
            f.expected,
            f.actual,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col)
            _put(cell, value)
            cell.font = body
            cell.alignment = wrap if col in WRAPPED_COLUMNS else centered if col in (1, 6) else top
        ws.row_dimensions[row].height = _row_height(values)
        color = SEVERITY_FILL.get(f.severity)
        if color:
            ws.cell(row=row, column=6).fill = PatternFill(
                fill_type="solid", start_color=color, end_color=color
            )
        if id(f) not in unanchored:
            target = _target(wb, f, merges)
            if target is not None:  # always, for anchored findings; keeps the type checker calm
                sheet, addr = target
                cell = ws.cell(row=row, column=4)
                cell.hyperlink = f"#{_quote_sheet(sheet.title)}!{addr}"
                cell.style = "Hyperlink"
                cell.font = link
                cell.alignment = top
    if not findings:
        row += 1
        ws.cell(row=row, column=1, value="未发现问题").font = body

    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(SUMMARY_HEADERS))}{row}"
    _print_landscape(ws)

    row += 1  # one blank row between the table and the notes
    for note in notes:
        row += 1
        cell = ws.cell(row=row, column=1)
        _put(cell, f"说明：{note}")
        cell.font = body


def fix_and_send_back(file_name: str, verdict: str, rebuilt: bool) -> str:
    """Row 2 of 校验结果: which file the submitter corrects and returns."""
    if verdict == "通过":
        return "未发现错误；如有警告请复核。"
    if rebuilt:  # a values-only copy of an .xls/.ods/.et: its formatting is gone, fix the original
        return (f"改正方法：请在原文件“{file_name}”中改正本表列出的问题，保存后把原文件发回"
                "（本副本由旧格式重建，不含原表格式）。")
    return ("改正方法：直接在本文件中改正标红（错误）和标黄（警告）的单元格，保存后把本文件发回即可；"
            "本表和标记不用删除，再次检查时会自动清除。")


def _print_landscape(ws: Worksheet) -> None:
    """Print on landscape pages, all columns on one page width, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


# --------------------------------------------------------------------------- saving


def _umask() -> int:
    """The process umask without changing it (os.umask would be racy across threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _atomic_save(wb: Workbook, dest: Path) -> None:
    """Save to a temp file beside *dest*, then rename: no half-written workbook is ever seen."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.NamedTemporaryFile(dir=dest.parent, suffix=".tmp", delete=False)
    tmp_path = Path(tmp.name)
    try:
        tmp.close()  # openpyxl reopens by name (an open handle would block this on Windows)
        wb.save(tmp_path)
        # NamedTemporaryFile creates 0600; give the copy the mode a normal new file gets.
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, dest)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
