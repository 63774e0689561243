"""Stage 1 for Word reports: a 自评报告 (.docx) becomes cell grids (its tables) plus its narrative.

A report is narrative with the 自评表 embedded as Word tables (seed 001: the text, then eleven
tables). Each top-level table, in document order, is read as a grid like a sheet (SPEC §6):
`gridSpan` and the legacy `hMerge` give horizontal merges, `vMerge` restart/continue vertical
ones, `gridBefore` shifts a row right; a cell's text is its paragraphs joined by "\\n". The
grids then go through the same locate → normalize → validate as any sheet.

Two things a sheet does not have are handled here, so the locator stays as it is:

* a form **continued in a second table** (a page break, 续表, a repeated header row) is one form:
  consecutive tables are joined into one *virtual* grid, repeated header rows and 续表 markers
  blanked;
* a form whose **title is a paragraph** above its table gets that title as a virtual first row.

Virtual grids are named after their first table; `WordInfo.relocate` maps a finding's address on
a virtual grid back to the table it lies in (`表N` and an A1 over that table's grid, row 1 = the
table's first row), which is the address contract of SPEC §6. Nested tables (a table inside a
cell) are read as grids of their own, named `表N-k`.

The XML is read with lxml directly (python-docx's cell API hides merges and costs ~100× more on
a 30-page report); nothing here imports python-docx.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from .findings import Finding
from .read import (
    MAX_CELLS_PER_SHEET,
    OLE_MAGIC,
    EncryptedWorkbookError,
    SheetGrid,
    Workbook,
    WorkbookError,
    a1,
    open_container,
    parse_a1,
)
from .values import norm_label

WORD_SUFFIXES = (".docx", ".doc", ".wps")
LEGACY_SUFFIXES = (".doc", ".wps")
NARRATIVE_SHEET = "正文"  # the `sheet` of findings on the report's text (N7xx)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + W_NS + "}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
W_P, W_TBL, W_TR, W_TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
W_T, W_TAB, W_BR, W_CR = _W + "t", _W + "tab", _W + "br", _W + "cr"
W_SDT, W_SDT_CONTENT, W_CUSTOM_XML = _W + "sdt", _W + "sdtContent", _W + "customXml"
W_TC_PR, W_TR_PR, W_VAL = _W + "tcPr", _W + "trPr", _W + "val"
W_BODY = _W + "body"


_TITLE_RE = re.compile(r"(绩效)?自评(价)?表")
_YEAR_LINE_RE = re.compile(r"^[（(]?\s*\d{4}\s*年度?\s*[)）]?$")
_CONTINUED_RE = re.compile(r"^[（(]?续(表|上表|前表)?\d*[)）:：]?$")
_FIELD_RE = re.compile(r"^(项目名称|项目支出名称|(市级|县级|省级)?(预算)?部门(\(单位\))?名称|单位名称)")
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?(0|[1-9]\d*)(\.\d+)?$")
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_MAX_SPAN = 64  # a gridSpan beyond any real form (a corrupt value must not allocate millions)


# --------------------------------------------------------------------------- what a report is


@dataclass
class Table:
    """One Word table as a grid: values by (row, col), merged ranges inclusive."""

    name: str  # 表N (top-level, 1-based in document order) or 表N-k (k-th table nested in 表N)
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]]
    index: int  # position among the body's blocks (paragraphs and tables), to see what is between

    @property
    def width(self) -> int:
        return max(map(len, self.rows), default=0)


@dataclass
class WordInfo:
    """What a check keeps of a report once its grids are read: how to address its tables."""

    tables: int  # top-level tables
    paragraphs: int  # body paragraphs (第N段 counts these)
    # virtual grid name → per grid row: (table name, row in that table, column shift); a shift
    # of None marks a row taken from a title paragraph (it maps to the table's A1).
    grids: dict[str, list[tuple[str, int, int | None]]] = field(default_factory=dict)
    converted_from: str | None = None  # '.doc' / '.wps' when LibreOffice converted it

    def relocate(self, sheet: str | None, cell: str | None) -> tuple[str | None, str | None]:
        """A grid address → the table it lies in and the A1 over that table (SPEC §6)."""
        rows = self.grids.get(sheet or "")
        if rows is None or not cell:
            return sheet, cell
        try:
            r, c = parse_a1(cell)
        except ValueError:
            return sheet, cell
        if not 0 <= r < len(rows):
            return sheet, cell
        name, row, shift = rows[r]
        return name, a1(row, 0 if shift is None else max(0, c - shift))

    def relocate_finding(self, f: Finding) -> Finding:
        sheet, cell = self.relocate(f.sheet, f.cell)
        return f if (sheet, cell) == (f.sheet, f.cell) else replace(f, sheet=sheet, cell=cell)

    def relocate_records(self, ext: Any) -> None:
        """Rewrite the `*_cell` columns of an Extract's records (for `convert`): a cell in the
        record's own table stays plain A1, one in another table reads `表5!G3`."""
        from .normalize import INDICATOR_COLUMNS

        def fix(sheet: str, cell: Any) -> Any:
            if not isinstance(cell, str):
                return cell
            name, addr = self.relocate(sheet, cell)
            return addr if name == sheet else f"{name}!{addr}"

        # Every list of dict records the Extract holds ('answers' arrives with issue 12).
        for records in (getattr(ext, name, None) or [] for name in ("forms", "funds", "goals", "answers")):
            for rec in records:
                if rec.get("sheet") in self.grids:
                    for key in [k for k in rec if k.endswith("_cell")]:
                        rec[key] = fix(rec["sheet"], rec[key])
        cells = [i for i, name in enumerate(INDICATOR_COLUMNS) if name.endswith("_cell")]
        sheet_col = INDICATOR_COLUMNS.index("sheet")
        for n, row in enumerate(ext.indicators):
            if row[sheet_col] in self.grids:
                values = list(row)
                for i in cells:
                    values[i] = fix(row[sheet_col], values[i])
                ext.indicators[n] = tuple(values)


@dataclass
class Document:
    """A read report: the grids to check, the narrative, and how to address both."""

    path: str
    paragraphs: list[str]  # body paragraphs in order: 第N段 is paragraphs[N - 1]
    tables: list[Table]  # top-level tables, then nested ones
    book: Workbook  # the grids the locator reads (virtual where tables were joined)
    info: WordInfo
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- recognising Word files


def _suffix(name: str) -> str:
    return Path(name).suffix.lower()


def is_word(data: bytes, name: str) -> bool:
    """Whether bytes are a Word report: by content (a package with word/document.xml, or an OLE
    file with a WordDocument stream), by the name where the content cannot say (broken files)."""
    suffix = _suffix(name)
    head = data[:8]
    if head[:4] == b"PK\x03\x04":
        # Every member's name stands in the zip's directory as plain bytes: a workbook (nearly
        # every file of a bureau's inbox) is told apart without opening the zip.
        if b"word/document.xml" not in data and suffix != ".docx":
            return False
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return suffix in WORD_SUFFIXES
        if "word/document.xml" in names:
            return True
        return suffix == ".docx" and not any(n.startswith("xl/") for n in names)
    if head == OLE_MAGIC:
        if suffix in WORD_SUFFIXES:
            return True
        # An .xls holds a 'Workbook' stream; a .doc (or a .wps, WPS's own .doc) 'WordDocument'.
        return suffix not in (".xls", ".xlsx", ".xlsm", ".xlsb", ".et") and _WORD_STREAM in data
    return suffix in WORD_SUFFIXES


def soffice() -> str | None:
    """LibreOffice's command, where installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _legacy_label(name: str) -> str:
    return "WPS 文字（.wps）" if _suffix(name) == ".wps" else "Word 97-2003（.doc）"


def convert_legacy(data: bytes, name: str, timeout: float = 120.0) -> bytes:
    """A binary .doc/.wps converted to .docx bytes by LibreOffice in a temporary folder.

    Raises WorkbookError with the message a clerk needs (save it as .docx) when LibreOffice is
    not installed or the conversion fails."""
    label = _legacy_label(name)
    advice = f"这是 {label} 格式的文档，无法直接检查：请在 Word 或 WPS 中打开，用“另存为”保存为 Word 文档（*.docx）后重新提交"
    command = soffice()
    if command is None:
        raise WorkbookError(advice)
    with tempfile.TemporaryDirectory(prefix="xlsxtool-doc-") as tmp:
        folder = Path(tmp)
        src = folder / ("in" + (_suffix(name) if _suffix(name) in LEGACY_SUFFIXES else ".doc"))
        src.write_bytes(data)
        profile = (folder / "profile").as_uri()  # a private profile: runs side by side do not lock
        try:
            subprocess.run(
                [command, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                 "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(src)],
                check=False, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise WorkbookError(advice + f"（自动转换失败：{exc}）", str(exc)) from exc
        out = folder / "out" / (src.stem + ".docx")
        if not out.exists():
            raise WorkbookError(advice + "（LibreOffice 自动转换失败）")
        return out.read_bytes()


def _open_package(data: bytes) -> zipfile.ZipFile:
    """Open a .docx container, refusing zip bombs before anything is decompressed."""
    return open_container(data, "文档")


def _main_part(zf: zipfile.ZipFile) -> str:
    """The main document part: from the package relationships (nearly always word/document.xml)."""
    try:
        rels = zf.read("_rels/.rels").decode("utf-8", "replace")
    except KeyError:
        rels = ""
    for m in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = m.group(0)
        if re.search(r'Type="[^"]*/relationships/officeDocument"', tag):
            target = re.search(r'Target="([^"]+)"', tag)
            if target:
                part = target.group(1).lstrip("/")
                if part in zf.namelist():
                    return part
    return "word/document.xml"


def parse_xml(data: bytes) -> Any:
    """lxml parse with entity expansion and network access off (hostile documents)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    return etree.fromstring(data, parser)


def document_xml(data: bytes) -> tuple[zipfile.ZipFile, str, Any]:
    """(package, main part name, parsed main part) of .docx bytes."""
    zf = _open_package(data)
    part = _main_part(zf)
    try:
        xml = zf.read(part)
    except KeyError as exc:
        raise WorkbookError("这不是 Word 文档（压缩包内没有正文部件），请另存为 .docx 后重新提交", str(exc)) from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # CRC error, truncated member
        raise WorkbookError("文档已损坏或不完整，请重新保存或重新发送原文件", str(exc)) from exc
    try:
        root = parse_xml(xml)
    except Exception as exc:  # lxml's XMLSyntaxError and friends
        raise WorkbookError("文档内容已损坏（正文 XML 无法解析），请在 Word 中打开并重新保存", str(exc)) from exc
    return zf, part, root


# --------------------------------------------------------------------------- walking the XML


def _unwrap(parent: Any, wanted: str) -> Iterator[Any]:
    """Children of `parent` with tag `wanted`, content controls and custom XML unwrapped."""
    for child in parent:
        tag = child.tag
        if tag == wanted:
            yield child
        elif tag == W_SDT:
            content = child.find(W_SDT_CONTENT)
            if content is not None:
                yield from _unwrap(content, wanted)
        elif tag == W_CUSTOM_XML:
            yield from _unwrap(child, wanted)


def body_blocks(body: Any) -> Iterator[Any]:
    """The body's paragraphs and tables in document order (content controls unwrapped)."""
    for child in body:
        tag = child.tag
        if tag == W_P or tag == W_TBL:
            yield child
        elif tag == W_SDT:
            content = child.find(W_SDT_CONTENT)
            if content is not None:
                yield from body_blocks(content)
        elif tag == W_CUSTOM_XML:
            yield from body_blocks(child)


def paragraph_text(p: Any) -> str:
    """A paragraph's text as Word shows it (tabs and line breaks kept, deleted text left out)."""
    return cell_text(p)


def _int_val(parent: Any, tag: str, default: int) -> int:
    if parent is None:
        return default
    el = parent.find(_W + tag)
    if el is None:
        return default
    try:
        return int(el.get(W_VAL, default))
    except ValueError:
        return default


_GRID_SPAN, _V_MERGE, _H_MERGE = _W + "gridSpan", _W + "vMerge", _W + "hMerge"


def _cell_props(tc_pr: Any) -> tuple[int, str | None, str | None]:
    """(gridSpan, vMerge state, hMerge state) of a cell, in one pass over its w:tcPr."""
    span, v_state, h_state = 1, None, None
    if tc_pr is None:
        return span, v_state, h_state
    for el in tc_pr:
        tag = el.tag
        if tag == _GRID_SPAN:
            try:
                span = min(max(int(el.get(W_VAL, 1)), 1), _MAX_SPAN)
            except ValueError:
                span = 1
        elif tag == _V_MERGE:
            v_state = "restart" if el.get(W_VAL) == "restart" else "continue"
        elif tag == _H_MERGE:
            h_state = "restart" if el.get(W_VAL) == "restart" else "continue"
    return span, v_state, h_state


_TEXT_XPATH: Any = None


def _text_xpath() -> Any:
    """One compiled XPath for a cell's text pieces: its paragraphs (a line each) and the text,
    tab and break elements of runs that are not deleted, moved away, in a text box or in the
    fallback copy of alternate content. libxml2 walks the tree: ~10× the Python walk."""
    global _TEXT_XPATH
    if _TEXT_XPATH is None:
        from lxml import etree

        keep = "not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent or ancestor::mc:Fallback)"
        _TEXT_XPATH = etree.XPath(
            f".//w:p[{keep}] | .//w:r[{keep}]/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen]",
            namespaces={"w": W_NS, "mc": _MC[1:-1]},
        )
    return _TEXT_XPATH


def cell_text(tc: Any, nested: bool = False) -> str:
    """A cell's text: its paragraphs joined by newlines (tables nested in it are not its text)."""
    if nested:
        return "\n".join(paragraph_text(p) for p in _unwrap(tc, W_P))
    parts: list[str] = []
    first = True
    for el in _text_xpath()(tc):
        tag = el.tag
        if tag == W_T:
            if el.text:
                parts.append(el.text)
        elif tag == W_P:
            if not first:
                parts.append("\n")
            first = False
        elif tag == W_TAB:
            parts.append("\t")
        elif tag == W_BR or tag == W_CR:
            if el.get(_W + "type") != "page":
                parts.append("\n")
        else:
            parts.append("-")
    return "".join(parts)


def typed(text: str) -> Any:
    """A cell as pasting into Excel leaves it: a plain number becomes a number (so a report and
    the same forms as a workbook are checked alike); '0731…' and '1,463.31' stay text."""
    stripped = text.strip()
    if stripped and _PLAIN_NUMBER_RE.match(stripped):
        return float(stripped) if "." in stripped else int(stripped)
    return text


@dataclass
class TableXml:
    """A table's grid and, for the annotator, the w:tc elements behind each grid cell."""

    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]]
    cells: dict[tuple[int, int], list[Any]]  # top-left (row, col) → its w:tc (all rows of a vMerge)
    nested: list[Any]  # w:tbl elements inside the cells, in document order


def read_table(tbl: Any, with_elements: bool = False) -> TableXml:
    """A w:tbl as a grid with merged ranges (gridSpan, hMerge, vMerge, gridBefore)."""
    rows: list[list[Any]] = []
    merges: list[tuple[int, int, int, int]] = []
    cells: dict[tuple[int, int], list[Any]] = {}
    nested: list[Any] = []
    open_v: dict[int, list[int]] = {}  # first column → [r0, c0, r_last, c1] of an open vMerge
    n_cells = 0
    for r, tr in enumerate(_unwrap(tbl, W_TR)):
        tr_pr = tr.find(W_TR_PR)
        col = min(max(_int_val(tr_pr, "gridBefore", 0), 0), _MAX_SPAN)
        values: list[Any] = [""] * col
        continued: set[int] = set()
        spans: list[list[int]] = []  # [c0, c1] of this row's cells outside vertical merges
        last: list[int] | None = None  # the previous cell's span, which an hMerge widens
        last_anchor: tuple[int, int] | None = None
        for tc in _unwrap(tr, W_TC):
            tc_pr, wrapped = None, False
            for child in tc:  # one pass over the cell's children: its properties, nested tables
                tag = child.tag
                if tag == W_TC_PR:
                    tc_pr = child
                elif tag == W_TBL or tag == W_SDT or tag == W_CUSTOM_XML:
                    wrapped = True
            span, v_state, h_state = _cell_props(tc_pr)
            inner = list(_unwrap(tc, W_TBL)) if wrapped else []
            nested.extend(inner)
            if h_state == "continue" and last is not None:
                # Legacy horizontal merge: this cell widens the one on its left.
                values.extend([""] * span)
                last[1] = col + span - 1
                if with_elements and last_anchor is not None:
                    cells[last_anchor].append(tc)
                col += span
                continue
            opened = open_v.get(col)
            if v_state == "continue" and opened is not None and opened[3] == col + span - 1:
                opened[2] = r
                continued.add(col)
                values.extend([""] * span)
                if with_elements:
                    cells[(opened[0], opened[1])].append(tc)
                col += span
                last = None
                continue
            values.append(typed(cell_text(tc, nested=bool(inner))))
            values.extend([""] * (span - 1))
            if with_elements:
                cells[(r, col)] = [tc]
            if v_state is not None:  # restart (or a continue with nothing above: Word restarts)
                if col in open_v:  # the merge above ends here: a new one starts
                    merges.append(tuple(open_v.pop(col)))  # type: ignore[arg-type]
                open_v[col] = [r, col, r, col + span - 1]
                continued.add(col)
                last = None
            else:
                last = [col, col + span - 1]
                spans.append(last)
            last_anchor = (r, col)
            col += span
        merges.extend((r, c0, r, c1) for c0, c1 in spans)  # single cells are dropped below
        rows.append(values)
        n_cells += len(values)
        if n_cells > MAX_CELLS_PER_SHEET:
            raise WorkbookError(f"文档中的表格超过 {MAX_CELLS_PER_SHEET} 个单元格，超出上限，拒绝读取")
        for c in [c for c in open_v if c not in continued]:
            r0, c0, r1, c1 = open_v.pop(c)
            merges.append((r0, c0, r1, c1))
    for r0, c0, r1, c1 in open_v.values():
        merges.append((r0, c0, r1, c1))
    merges = sorted({m for m in merges if m[0] != m[2] or m[1] != m[3]})
    return TableXml(rows=rows, merges=merges, cells=cells, nested=nested)


# --------------------------------------------------------------------------- tables → grids


def _squash(text: Any) -> str:
    return norm_label(text) if isinstance(text, str) else ""


def _is_title_text(text: str) -> bool:
    label = _squash(text)
    return "评" in label and len(label) <= 40 and bool(_TITLE_RE.search(label)) and "说明" not in label


def _row_texts(table: Table, r: int) -> list[str]:
    return [v for v in table.rows[r] if isinstance(v, str) and v.strip()]


def _has_title(table: Table) -> bool:
    return any(_is_title_text(v) for r in range(min(2, len(table.rows))) for v in _row_texts(table, r))


def _is_header_row(table: Table, r: int) -> bool:
    """An indicator header (三级指标 with 分值/得分, or 一级+二级) or a funds header row."""
    from .labels import column_key

    keys = {column_key(v) for v in table.rows[r] if isinstance(v, str)}
    return ("三级指标" in keys and ("分值" in keys or "得分" in keys)) or {"一级指标", "二级指标"} <= keys or {
        "全年预算数", "全年执行数"} <= keys


def _has_fields(table: Table) -> bool:
    return any(_FIELD_RE.match(_squash(v)) for row in table.rows[:6] for v in row if isinstance(v, str))


def _is_continued_marker(table: Table, r: int) -> bool:
    texts = _row_texts(table, r)
    return len(texts) == 1 and bool(_CONTINUED_RE.match(_squash(texts[0])))


def _looks_like_form(table: Table) -> bool:
    return _has_title(table) or _has_fields(table) or any(_is_header_row(table, r) for r in range(len(table.rows)))


@dataclass
class _Part:
    table: Table
    shift: int = 0
    blank: set[int] = field(default_factory=set)  # rows read as empty (repeated headers, 续表)


def _leading_skips(table: Table, seen_header: bool) -> set[int]:
    """Rows at the top of a continuation table that repeat what the form already has."""
    skip: set[int] = set()
    for r in range(len(table.rows)):
        if not _row_texts(table, r):
            continue
        if _is_continued_marker(table, r) or (seen_header and _is_header_row(table, r)):
            skip.add(r)
            continue
        break
    return skip


def _continues(prev: list[_Part], table: Table, between: list[str]) -> _Part | None:
    """`table` as the continuation of the form in `prev` (a page break, 续表, a repeated
    header), or None. Only blank or 续表 paragraphs may sit between the two tables."""
    if any(t.strip() and not _CONTINUED_RE.match(_squash(t)) for t in between):
        return None
    if not table.rows or _has_title(table) or _has_fields(table):
        return None
    first = prev[0].table
    if not _looks_like_form(first):
        return None
    seen_header = any(_is_header_row(p.table, r) for p in prev for r in range(len(p.table.rows)))
    skip = _leading_skips(table, seen_header)
    marked = any(_is_continued_marker(table, r) for r in skip) or any(_CONTINUED_RE.match(_squash(t)) for t in between if t.strip())
    repeated = any(_is_header_row(table, r) for r in skip)
    starts_with_header = any(_is_header_row(table, r) for r in range(min(3, len(table.rows))))
    width, last_width = table.width, prev[-1].table.width + prev[-1].shift
    if not (marked or repeated or starts_with_header or width == last_width):
        return None
    shift = last_width - width if width < last_width else 0
    return _Part(table=table, shift=shift, blank=skip)


def build_grids(blocks: list[tuple[str, Any]], tables: list[Table]) -> tuple[list[SheetGrid], dict[str, list[tuple[str, int, int | None]]]]:
    """Group the top-level tables into forms and build the grids the locator reads.

    `blocks` are the body's blocks in order as ('p', text) or ('t', table index)."""
    top = [t for t in tables if "-" not in t.name]
    groups: list[tuple[list[_Part], list[str]]] = []  # parts, title rows taken from paragraphs
    last_block = -1
    for table in top:
        between = [text for kind, text in blocks[last_block + 1: table.index] if kind == "p"]
        part = _continues(groups[-1][0], table, between) if groups and last_block >= 0 else None
        if part is not None:
            groups[-1][0].append(part)
        else:
            titles = [] if _has_title(table) else _title_paragraphs(between)
            groups.append(([_Part(table=table)], titles))
        last_block = table.index
    grids: list[SheetGrid] = []
    maps: dict[str, list[tuple[str, int, int | None]]] = {}
    for parts, titles in groups:
        name = parts[0].table.name
        if len(parts) == 1 and not titles:
            t = parts[0].table
            grids.append(SheetGrid(name=name, rows=t.rows, merges=t.merges))
            continue
        rows: list[list[Any]] = [[title] for title in titles]
        row_map: list[tuple[str, int, int | None]] = [(name, 0, None) for _ in titles]
        merges: list[tuple[int, int, int, int]] = []
        for part in parts:
            offset, t = len(rows), part.table
            for r, values in enumerate(t.rows):
                if r in part.blank:
                    values = [""] * len(values)
                rows.append([""] * part.shift + list(values))
                row_map.append((t.name, r, part.shift))
            merges.extend((r0 + offset, c0 + part.shift, r1 + offset, c1 + part.shift) for r0, c0, r1, c1 in t.merges)
        grids.append(SheetGrid(name=name, rows=rows, merges=merges))
        maps[name] = row_map
    # Nested tables: grids of their own, addressed directly.
    grids.extend(SheetGrid(name=t.name, rows=t.rows, merges=t.merges) for t in tables if "-" in t.name)
    return grids, maps


def _title_paragraphs(between: list[str]) -> list[str]:
    """The title paragraph right above a table (with a year line under it), if there is one."""
    texts = [t.strip() for t in between if t.strip()]
    if not texts:
        return []
    if _YEAR_LINE_RE.match(_squash(texts[-1])) and len(texts) >= 2 and _is_title_text(texts[-2]):
        return [texts[-2], texts[-1]]
    return [texts[-1]] if _is_title_text(texts[-1]) else []


# --------------------------------------------------------------------------- reading


def read_word(data: bytes, path: str, *, convert: bool = True) -> Document:
    """Read a Word report (.docx; .doc/.wps through LibreOffice where installed).

    Raises WorkbookError (F001) / EncryptedWorkbookError (F002) with a message for the clerk."""
    notes: list[str] = []
    converted: str | None = None
    if not data:
        raise WorkbookError("文件是空的（0 字节），请重新保存或重新发送原文件")
    if data[:8] == OLE_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise EncryptedWorkbookError("文档设置了打开密码（已加密），无法检查；请取消密码后重新提交")
        if not convert:
            raise WorkbookError(f"这是 {_legacy_label(path)} 格式的文档，请另存为 .docx 后重新提交")
        data = convert_legacy(data, path)
        converted = ".wps" if _suffix(path) == ".wps" else ".doc"
        notes.append(f"原文件为 {_legacy_label(path)} 格式，已用 LibreOffice 转换为 .docx 后检查（建议另存为 .docx 后提交）")
    elif data[:4] != b"PK\x03\x04":
        raise WorkbookError("这不是 Word 文档（.docx），请在 Word 或 WPS 中另存为 .docx 后重新提交")
    _zf, _part, root = document_xml(data)
    body = root.find(W_BODY)
    if body is None:
        raise WorkbookError("这不是 Word 文档（正文部件中没有正文），请另存为 .docx 后重新提交")
    paragraphs: list[str] = []
    tables: list[Table] = []
    blocks: list[tuple[str, Any]] = []
    nested_elements: list[tuple[str, Any]] = []
    # A 校验结果 copy sent back: the block our annotator put on top is not the report (its table
    # is no form, its messages no narrative) and must not shift 表N / 第N段 off the original's.
    from .report.annotate_docx import earlier_summary

    ours = len(earlier_summary(body))
    for el in islice(body_blocks(body), ours, None):
        if el.tag == W_P:
            text = paragraph_text(el)
            paragraphs.append(text)
            blocks.append(("p", text))
        else:
            name = f"表{sum(1 for t in tables if '-' not in t.name) + 1}"
            grid = read_table(el)
            tables.append(Table(name=name, rows=grid.rows, merges=grid.merges, index=len(blocks)))
            blocks.append(("t", name))
            nested_elements.extend((name, inner) for inner in grid.nested)
    # Tables in cells (any depth), numbered per top-level table in document order.
    counts: dict[str, int] = {}
    while nested_elements:
        owner, el = nested_elements.pop(0)
        counts[owner] = counts.get(owner, 0) + 1
        grid = read_table(el)
        tables.append(Table(name=f"{owner}-{counts[owner]}", rows=grid.rows, merges=grid.merges, index=-1))
        nested_elements[:0] = [(owner, inner) for inner in grid.nested]
    grids, maps = build_grids(blocks, tables)
    info = WordInfo(tables=sum(1 for t in tables if "-" not in t.name), paragraphs=len(paragraphs),
                    grids=maps, converted_from=converted)
    book = Workbook(path=path, sheets=grids, engine="docx", notes=list(notes))
    return Document(path=path, paragraphs=paragraphs, tables=tables, book=book, info=info, notes=notes)


# --------------------------------------------------------------------------- addresses for people

_TABLE_SHEET_RE = re.compile(r"^表(\d+)(?:-(\d+))?$")


def table_label(sheet: str | None) -> str | None:
    """`表4` → `第4个表格`; `表4-1` → `第4个表格内第1个表格`; None for anything else."""
    m = _TABLE_SHEET_RE.match(sheet or "")
    if not m:
        return None
    label = f"第{m.group(1)}个表格"
    return label + (f"内第{m.group(2)}个表格" if m.group(2) else "")


def location(f: Finding, word: bool) -> str:
    """Where a person finds a finding: `第4个表格 G12` and `第3段` in a report, `Sheet!G12` in a
    workbook, '' for file-level findings."""
    if word:
        if f.sheet == NARRATIVE_SHEET:
            return f.cell or NARRATIVE_SHEET
        label = table_label(f.sheet)
        if label is not None:
            return f"{label} {f.cell}" if f.cell else label
    if f.sheet and f.cell:
        return f"{f.sheet}!{f.cell}"
    return f.sheet or ""


def read_book(data: bytes, path: str) -> Workbook:
    """The grids of a workbook or of a Word report, whichever the bytes are (for callers that
    only need the grids, such as `check --explain`; addresses on joined tables are the virtual
    grid's, see WordInfo.relocate)."""
    from .read import read_bytes

    return read_word(data, path).book if is_word(data, path) else read_bytes(data, path)
