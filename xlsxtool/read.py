"""Stage 1 — read: a workbook file becomes a list of cell grids with merged ranges.

python-calamine does the reading (values and merged ranges, ~100x faster than openpyxl);
openpyxl is the fallback when calamine refuses a file it could still open. Formula cells come
back as their cached value; for .xlsx we also scan the sheet XML once to record formula cells
that have no cached value at all (rule F004).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

# Bounds that keep one hostile or broken file from eating the machine (see README, 安全).
MAX_ZIP_MEMBERS = 10_000
MAX_UNCOMPRESSED_BYTES = 1_000_000_000  # 1 GB of XML is far beyond any real 自评表
MAX_COMPRESSION_RATIO = 200  # a real sheet compresses ~10-30x; zip bombs 1000x+
MAX_CELLS_PER_SHEET = 2_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class WorkbookError(Exception):
    """The file cannot be read as a workbook (rule F001)."""

    code = "F001"

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class EncryptedWorkbookError(WorkbookError):
    """The workbook is password-protected / encrypted (rule F002)."""

    code = "F002"


@lru_cache(maxsize=4096)
def col_letter(col: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based (row, col) → A1 address."""
    return f"{col_letter(col)}{row + 1}"


_A1_RE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def parse_a1(ref: str) -> tuple[int, int]:
    """A1 address → 0-based (row, col)."""
    m = _A1_RE.match(ref.upper())
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


@dataclass
class SheetGrid:
    """One sheet: values by 0-based (row, col), merged ranges, and the merge anchor map.

    `rows` is dense but starts at (`top`, `left`), the first non-empty cell, so a sheet with
    formatting dragged to row 1,048,576 costs nothing. Empty cells are '' (calamine) or None
    (the openpyxl fallback); every reader of the grid treats both as empty.
    """

    name: str
    rows: list[list[Any]]
    top: int = 0
    left: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    hidden: bool = False
    hidden_rows: list[int] = field(default_factory=list)
    _row_cache: dict[int, list[tuple[int, Any]]] = field(default_factory=dict, init=False, repr=False)
    _start_cache: dict[int, dict[int, Any]] = field(default_factory=dict, init=False, repr=False)
    width: int = field(init=False, default=0)
    bottom: int = field(init=False, default=0)
    right: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        # Computed once: the locator asks for these thousands of times per workbook.
        self.width = max(map(len, self.rows), default=0)
        self.bottom = self.top + len(self.rows)  # one past the last row index
        data_right = self.left + self.width
        self._span: dict[tuple[int, int], int] = {}
        # Row → the merged ranges crossing it, as (first col, last col, anchor), in file order.
        # Per row, not per cell: a form has hundreds of merges over thousands of cells, and
        # most rows are asked about a few cells only.
        row_merges: dict[int, list[tuple[int, int, tuple[int, int]]]] = {}
        # Row → columns of its non-empty cells that continue a merged range (not its top-left).
        # Excel and WPS leave those cells empty, so this is nearly always empty, and a row's
        # `starts` is then simply its non-empty cells.
        filled: dict[int, set[int]] = {}
        span = self._span
        rows, top, left, n_rows = self.rows, self.top, self.left, len(self.rows)
        last_row, last_col = self.bottom + 1, data_right + 1
        for r0, c0, r1, c1 in self.merges:
            # Odd files carry huge or overlapping merges; only cells inside the data area matter.
            top_left = (r0, c0)
            if top_left not in span:
                span[top_left] = c1
            item = (c0, c1 if c1 < last_col else last_col, top_left)
            first, last = c0 - left, c1 - left + 1
            for r in range(r0, (r1 if r1 < last_row else last_row) + 1):
                crossing = row_merges.get(r)
                if crossing is None:
                    row_merges[r] = [item]
                else:
                    crossing.append(item)
                i = r - top
                if 0 <= i < n_rows:
                    # The range's cells in this row, its top-left left out (in its own row).
                    lo = first + 1 if r == r0 else first
                    lo = lo if lo > 0 else 0
                    cells = rows[i][lo:last]
                    if cells and cells.count("") != len(cells):  # '' is matched by identity: fast
                        for c, v in enumerate(cells, lo + left):
                            if v != "" and v is not None:
                                filled.setdefault(r, set()).add(c)
        self._row_merges = row_merges
        self._filled_continuations = filled
        # One past the last column index, merges included (capped like the merges above).
        self.right = max([data_right] + [min(c1, last_col) + 1 for *_, c1 in self.merges])

    def merge_end(self, row: int, col: int) -> int:
        """Last column of the merged range whose top-left is (row, col); col itself if none."""
        return self._span.get((row, col), col)

    def raw(self, row: int, col: int) -> Any:
        """The value stored in exactly this cell (empty for merged continuation cells; None
        outside the data area)."""
        r, c = row - self.top, col - self.left
        if 0 <= r < len(self.rows):
            cells = self.rows[r]
            if 0 <= c < len(cells):
                return cells[c]
        return None

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        """Top-left cell of the merged range holding (row, col), or the cell itself. With
        overlapping merges, the first range (file order) that holds the cell other than as its
        own top-left (a top-left can sit inside another range)."""
        for c0, c1, top_left in self._row_merges.get(row, ()):
            if c0 <= col <= c1 and (col != top_left[1] or row != top_left[0]):
                return top_left
        return (row, col)

    def value(self, row: int, col: int) -> Any:
        """Value with merged continuation cells resolved to their top-left value (unpivotr idea)."""
        return self.raw(*self.anchor(row, col))

    def is_continuation(self, row: int, col: int) -> bool:
        return self.anchor(row, col) != (row, col)

    def starts(self, row: int) -> dict[int, Any]:
        """col → value of the non-empty cells that start in this row: merged continuation cells
        left out (cached: the normalizer looks up several columns of every data row)."""
        cached = self._start_cache.get(row)
        if cached is None:
            inside = self._filled_continuations.get(row)
            if inside is None:
                cached = dict(self.row_values(row))
            else:
                cached = {c: v for c, v in self.row_values(row) if c not in inside}
            self._start_cache[row] = cached
        return cached

    def row_values(self, row: int) -> list[tuple[int, Any]]:
        """(col, value) of the non-empty cells of one row, left to right (cached: the locator
        and the normalizer each walk every row several times)."""
        cached = self._row_cache.get(row)
        if cached is None:
            r = row - self.top
            cells = self.rows[r] if 0 <= r < len(self.rows) else ()
            cached = [(c, v) for c, v in enumerate(cells, self.left) if v != "" and v is not None]
            self._row_cache[row] = cached
        return cached


@dataclass
class Workbook:
    path: str
    sheets: list[SheetGrid]
    engine: str
    formula_cells_without_value: list[tuple[str, str]] = field(default_factory=list)  # (sheet, A1)
    notes: list[str] = field(default_factory=list)


def _clean(value: Any) -> Any:
    # calamine gives '' for empty cells; None is easier to test for downstream.
    if value == "":
        return None
    return value


def sniff(data: bytes) -> str:
    """What kind of file the bytes are: 'zip', 'ole', or 'other'."""
    if data[:4] == ZIP_MAGIC:
        return "zip"
    if data[:8] == OLE_MAGIC:
        return "ole"
    return "other"


def _is_encrypted_ole(data: bytes) -> bool:
    # Encrypted .xlsx/.xlsm are OLE containers with an 'EncryptedPackage' stream.
    return "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data


ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def is_ods(zf: zipfile.ZipFile) -> bool:
    """An OpenDocument spreadsheet (.ods, LibreOffice / WPS 'ODF'): calamine reads it."""
    try:
        return "content.xml" in zf.namelist() and zf.read("mimetype").strip().startswith(ODS_MIMETYPE)
    except KeyError:
        return False


def open_container(data: bytes, noun: str = "文件") -> zipfile.ZipFile:
    """Open a zip container (workbook, Word document) and refuse zip bombs before anything is
    decompressed. *noun* names it in the messages ('文件', '文档')."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise WorkbookError(f"{noun}已损坏或不完整（压缩包无法打开），请重新保存或重新发送原文件", str(exc)) from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise WorkbookError(f"{noun}包含 {len(infos)} 个内部部件，超出上限，拒绝读取（疑似异常文件）")
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNCOMPRESSED_BYTES or (total > 50_000_000 and total / packed > MAX_COMPRESSION_RATIO):
        raise WorkbookError(f"{noun}解压后约 {total // 1_000_000} MB，超出安全上限，拒绝读取（疑似压缩炸弹）")
    return zf


def check_zip_limits(data: bytes) -> zipfile.ZipFile:
    """Open an xlsx (or ods) container and refuse zip bombs before anything is decompressed."""
    zf = open_container(data)
    if "xl/workbook.xml" not in zf.namelist() and "xl/workbook.bin" not in zf.namelist() and not is_ods(zf):
        raise WorkbookError("这不是 Excel 工作簿（压缩包内没有工作簿内容），请另存为 .xlsx 后重新提交")
    return zf


# A cell element, self-closing (<c r="A1" s="3"/>: no content) or with content.
_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_VALUE_RE = re.compile(rb"<v>[^<]")
_REF_RE = re.compile(rb'\br="([A-Z]+\d+)"')
_SHEET_RE = re.compile(rb"<sheet\b[^>]*?>", re.S)
_ATTR_RE = re.compile(rb'([\w:]+)="([^"]*)"')
_REL_RE = re.compile(rb"<Relationship\b[^>]*?>", re.S)


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&apos;", "'").replace("&amp;", "&")
    )


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part path inside the zip (via workbook.xml and its rels)."""
    try:
        wb_xml = zf.read("xl/workbook.xml")
        rels_xml = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets: dict[bytes, bytes] = {}
    for rel in _REL_RE.findall(rels_xml):
        attrs = dict(_ATTR_RE.findall(rel))
        if b"Id" in attrs and b"Target" in attrs:
            targets[attrs[b"Id"]] = attrs[b"Target"]
    parts: dict[str, str] = {}
    for sheet in _SHEET_RE.findall(wb_xml):
        attrs = dict(_ATTR_RE.findall(sheet))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), None)
        name = attrs.get(b"name")
        if rid is None or name is None or rid not in targets:
            continue
        target = targets[rid].decode("utf-8", "replace").lstrip("/")
        if not target.startswith("xl/"):
            target = "xl/" + target
        parts[_xml_unescape(name.decode("utf-8", "replace"))] = target
    return parts


_HIDDEN_ROW_RE = re.compile(rb'<row\b[^>]*\br="(\d+)"[^>]*\bhidden="(?:1|true)"')


def scan_sheets(zf: zipfile.ZipFile, limit: int = 1000) -> tuple[list[tuple[str, str]], dict[str, list[int]]]:
    """One pass over each sheet's XML for what calamine does not report:
    formula cells with no cached value (rule F004), in sheet order, and hidden rows (0-based)."""
    formulas: list[tuple[str, str]] = []
    hidden: dict[str, list[int]] = {}
    for name, part in _sheet_parts(zf).items():
        try:
            xml = zf.read(part)
        except KeyError:
            continue
        if b"hidden=" in xml:
            rows = [int(m) - 1 for m in _HIDDEN_ROW_RE.findall(xml)]
            if rows:
                hidden[name] = rows
        # Most sheets have no formulas. Every formula sheet holds a '</f>': shared-formula cells
        # may be '<f …/>' alone, but their master cell carries the text (and scans faster than '<f').
        if b"</f>" not in xml or len(formulas) >= limit:
            continue
        for attrs, body in _CELL_RE.findall(xml):
            if not body:
                continue
            # No cached value: no <v>, or an empty one (openpyxl writes '<v />' for formulas).
            # Excel stores a formula whose result is "" as t="str" with an empty <v></v>: cached.
            if b"<f" in body and not _VALUE_RE.search(body) and not (b't="str"' in attrs and b"<v" in body):
                ref = _REF_RE.search(attrs)
                if ref:
                    formulas.append((name, ref.group(1).decode()))
                    if len(formulas) >= limit:
                        break
    return formulas, hidden


def _read_calamine(data: bytes, path: str, notes: list[str] | None = None) -> list[SheetGrid]:
    import python_calamine as pc

    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as exc:
        raise EncryptedWorkbookError("工作簿设置了打开密码（已加密），无法检查；请取消密码后重新提交", str(exc)) from exc
    sheets: list[SheetGrid] = []
    for meta in book.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        start = sheet.start or (0, 0)
        if sheet.height * max(sheet.width, 1) > MAX_CELLS_PER_SHEET:
            # The limit guards memory per sheet: one oversized sheet (a pasted data dump) must
            # not cost the forms on the other sheets, so only this sheet is left out.
            if notes is not None:
                notes.append(too_big_note(meta.name, sheet.height, sheet.width))
            continue
        # Empty cells stay '' as calamine gives them: every reader of the grid treats '' as empty.
        rows = sheet.to_python(skip_empty_area=True)
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        sheets.append(
            SheetGrid(
                name=meta.name,
                rows=rows,
                top=start[0],
                left=start[1],
                merges=merges,
                hidden=meta.visible != pc.SheetVisibleEnum.Visible,
            )
        )
    return sheets


def too_big_note(name: str, height: int, width: int) -> str:
    return (f"工作表“{name}”有 {height}×{width} 个单元格，超出每张工作表 {MAX_CELLS_PER_SHEET // 10_000} 万个的上限，"
            "已跳过该表（其余工作表照常检查）")


WPS_ET_MESSAGE = "WPS 表格格式（.et），请另存为 .xlsx 后重新提交"


def _read_openpyxl(data: bytes) -> list[SheetGrid]:
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    sheets: list[SheetGrid] = []
    for ws in book.worksheets:
        rows = [[_clean(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merges = [
            (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges
        ]
        sheets.append(
            SheetGrid(name=ws.title, rows=rows, merges=merges, hidden=ws.sheet_state != "visible")
        )
    return sheets


def read_bytes(data: bytes, path: str) -> Workbook:
    """Read workbook bytes (a file or a zip member). Raises WorkbookError / EncryptedWorkbookError."""
    kind = sniff(data)
    if not data:
        raise WorkbookError("文件是空的（0 字节），请重新保存或重新发送原文件")
    if kind == "ole" and _is_encrypted_ole(data):
        raise EncryptedWorkbookError("工作簿设置了打开密码（已加密），无法检查；请取消密码后重新提交")
    if kind == "other":
        if Path(path).suffix.lower() == ".et":
            raise WorkbookError(WPS_ET_MESSAGE)
        head = data[:8]
        what = "PDF 文件" if head.startswith(b"%PDF") else "图片" if head[:3] in (b"\xff\xd8\xff", b"\x89PN", b"GIF") else "文本或其他文件"
        raise WorkbookError(f"这不是 Excel 工作簿（看起来是{what}），请提交 .xlsx 格式的自评表")
    zf = check_zip_limits(data) if kind == "zip" else None
    notes: list[str] = []
    try:
        sheets = _read_calamine(data, path, notes)
        engine = "calamine"
    except EncryptedWorkbookError:
        raise
    except WorkbookError:
        raise
    except Exception as exc:  # calamine refused: give openpyxl a chance before calling it corrupt
        if kind != "zip" and Path(path).suffix.lower() == ".et":
            # WPS's own format: older .et files are BIFF and calamine reads them; newer ones not.
            raise WorkbookError(WPS_ET_MESSAGE, str(exc)) from exc
        if kind != "zip" or (zf is not None and is_ods(zf)):
            raise WorkbookError("文件已损坏，无法作为工作簿读取，请重新保存或重新发送原文件", str(exc)) from exc
        try:
            sheets = _read_openpyxl(data)
            engine = "openpyxl"
            notes.append(f"快速读取失败（{exc}），已改用 openpyxl 读取")
        except Exception as exc2:
            raise WorkbookError("文件已损坏，无法作为工作簿读取，请重新保存或重新发送原文件", str(exc2)) from exc2
    book = Workbook(path=path, sheets=sheets, engine=engine, notes=notes)
    if zf is not None:
        try:
            book.formula_cells_without_value, hidden_rows = scan_sheets(zf)
            for sheet_name, rows in hidden_rows.items():
                for sheet in sheets:
                    if sheet.name == sheet_name:
                        sheet.hidden_rows = rows
        except Exception:  # best effort: these are extras, the values are already read
            pass
    return book


def read_workbook(path: str | Path) -> Workbook:
    """Read a workbook from disk. Never modifies the file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except PermissionError as exc:
        raise WorkbookError("没有读取该文件的权限，请检查文件权限后重试", str(exc)) from exc
    except IsADirectoryError as exc:
        raise WorkbookError("这是一个文件夹，不是工作簿", str(exc)) from exc
    except OSError as exc:
        raise WorkbookError(f"无法读取文件：{exc.strerror or exc}", str(exc)) from exc
    return read_bytes(data, str(path))
