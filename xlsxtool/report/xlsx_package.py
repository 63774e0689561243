"""The annotated copy made by editing the workbook package directly (issue 15).

openpyxl re-writes a whole workbook from its model of it: slow (≈ 240 ms per eleven-form
workbook) and lossy (images, x14 extensions, cached formula values, rich text, strict OOXML).
Here the .xlsx/.xlsm zip is copied entry by entry and only what the marks need is changed:

* styles.xml: fills (and the 校验结果 sheet's fonts) appended; for each marked cell its own
  cellXfs entry is cloned with the new fill, so borders, fonts and number formats stay;
* the marked sheets: only the ``s=`` of marked cells (missing cells and rows inserted in
  order, with the row's or column's style); a comments part and its legacy VML drawing
  created or extended, a ``<legacyDrawing>`` added where there was none;
* the 校验结果 sheet written as sheet XML and made the first sheet (workbook.xml, its rels,
  [Content_Types].xml, docProps/app.xml titles, localSheetId of sheet-scoped names,
  activeTab/firstSheet, tabSelected of the other sheets);
* docProps/core.xml: lastModifiedBy = xlsxtool (how api.is_unedited_copy knows our copies).

Every other part is copied as raw zip bytes. Sheet XML can be many megabytes: it is edited by
byte search and splice (bytes.find runs at memchr speed; a parse and re-serialisation through
ElementTree would cost more than the whole openpyxl path and would rewrite the part). That is
safe only for plain UTF-8 XML, so a part to be edited that holds comments, CDATA, a DOCTYPE or
another encoding raises Unsupported, as does anything else unexpected; the caller then makes
the copy with openpyxl as before, and says so in a note.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from xlsxtool.findings import Finding

from .annotate import (
    _ILLEGAL_XML,
    _SUMMARY_TITLE,
    COMMENT_AUTHOR,
    COMMENT_SEPARATOR,
    HEADER_ROW,
    SEVERITY_FILL,
    SEVERITY_LABEL,
    SUMMARY_FONT,
    SUMMARY_HEADERS,
    SUMMARY_SHEET,
    SUMMARY_WIDTHS,
    WRAPPED_COLUMNS,
    MergeIndex,
    _comment_size,
    _parse_a1,
    _quote_sheet,
    _row_height,
    _severity_rank,
    column_letter,
    fix_and_send_back,
)
from .xlsx_zip import Entry, Unsupported, read_entries, write_zip

__all__ = ["EarlierMarks", "PackageCopy", "Unsupported", "annotate_package"]


class EarlierMarks(Exception):
    """The workbook carries an earlier run's marks: the openpyxl path removes them."""


MAIN_NS = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": False,
    b"http://purl.oclc.org/ooxml/spreadsheetml/main": True,  # strict OOXML
}
REL_NS = {False: "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          True: "http://purl.oclc.org/ooxml/officeDocument/relationships"}
WORKBOOK_TYPES = {
    ".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"},
    ".xlsm": {"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"},
}
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"

_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_A1_PARTS = re.compile(rb"([A-Za-z]{1,3})(\d+)")
_WS = b" \t\r\n"


# --------------------------------------------------------------------------- small XML helpers


def _check_xml(data: bytes, name: str) -> None:
    """Refuse a part that byte-splicing could misread."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (data[:4] == b"\x00<\x00?" or data[:4] == b"<\x00?\x00"):
        raise Unsupported(f"{name} 不是 UTF-8 编码")
    decl = re.match(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.-]+)", data[:200])
    if decl and decl.group(1).lower().replace(b"-", b"") != b"utf8":
        raise Unsupported(f"{name} 不是 UTF-8 编码")
    for marker in (b"<!--", b"<![CDATA[", b"<!DOCTYPE", b"<!ENTITY"):
        if marker in data:
            raise Unsupported(f"{name} 含有 XML 注释、CDATA 或 DOCTYPE")


def _attrs(tag: bytes) -> dict[bytes, str]:
    return {m.group(1): html.unescape((m.group(2) if m.group(2) is not None else m.group(3)).decode("utf-8"))
            for m in _ATTR.finditer(tag)}


def _attr_re(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"(?<=[\s])" + re.escape(name) + rb"""\s*=\s*(?:"[^"]*"|'[^']*')""")


_ATTR_RES: dict[bytes, re.Pattern[bytes]] = {}


def _set_attr(tag: bytes, name: bytes, value: str | int) -> bytes:
    """*tag* (``<x ...>`` or ``<x .../>``) with attribute *name* set to *value*."""
    pat = _ATTR_RES.get(name) or _ATTR_RES.setdefault(name, _attr_re(name))
    new = name + b'="' + _esc(str(value)).encode("utf-8") + b'"'
    if pat.search(tag):
        return pat.sub(lambda _m: new, tag, count=1)
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end].rstrip(_WS) + b" " + new + tag[end:]


def _del_attr(tag: bytes, name: bytes) -> bytes:
    pat = _ATTR_RES.get(name) or _ATTR_RES.setdefault(name, _attr_re(name))
    return pat.sub(b"", tag)


_NEEDS_ESCAPE = re.compile(r'[&<>"\x00-\x08\x0b\x0c\x0e-\x1f]')


def _esc(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:  # the common case: nothing to replace
        return text
    return (_ILLEGAL_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def _prefix(xml: bytes, local: bytes) -> bytes:
    """The namespace prefix (``b"x:"`` or ``b""``) of the root element *local*."""
    m = re.search(rb"<([A-Za-z_][\w.-]*:)?" + local + rb"[\s>/]", xml[:4096])
    if m is None:
        raise Unsupported(f"找不到 <{local.decode()}> 元素")
    return m.group(1) or b""


def _root_ns(xml: bytes, prefix: bytes) -> bytes:
    attr = b"xmlns:" + prefix[:-1] if prefix else b"xmlns"
    m = re.search(rb"\s" + re.escape(attr) + rb"""\s*=\s*["']([^"']+)["']""", xml[:4096])
    return m.group(1) if m else b""


def _tag_at(xml: bytes, i: int) -> tuple[bytes, int]:
    """The start tag beginning at *i* and the index just after it."""
    j = xml.find(b">", i)
    if j < 0:
        raise Unsupported("XML 不完整")
    return xml[i:j + 1], j + 1


def _find_tag(xml: bytes, tag: bytes, start: int = 0, end: int | None = None) -> int:
    """Index of the next ``<tag`` that is that element (not a longer name), or -1."""
    end = len(xml) if end is None else end
    while True:
        i = xml.find(tag, start, end)
        if i < 0:
            return -1
        nxt = xml[i + len(tag):i + len(tag) + 1]
        if nxt in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            return i
        start = i + 1


_TOKEN = re.compile(rb"<(/?)([A-Za-z_][\w.:-]*)[^>]*?(/?)>")


def _top_level(xml: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(local name, start, end) of the elements directly inside the root between start/end."""
    out: list[tuple[bytes, int, int]] = []
    depth = 0
    opened: tuple[bytes, int] | None = None
    for m in _TOKEN.finditer(xml, start, end):
        closing, name, empty = m.group(1), m.group(2), m.group(3)
        local = name.rsplit(b":", 1)[-1]
        if closing:
            depth -= 1
            if depth == 0 and opened is not None:
                out.append((opened[0], opened[1], m.end()))
                opened = None
            if depth < 0:
                break  # the root's own end tag
        elif empty:
            if depth == 0:
                out.append((local, m.start(), m.end()))
        else:
            if depth == 0:
                opened = (local, m.start())
            depth += 1
    return out


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _rels_name(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _relative(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part) or ".")


@dataclass
class Rel:
    id: str
    type: str  # the last segment of the relationship type: worksheet, comments, ...
    target: str
    external: bool


def _rels(xml: bytes) -> list[Rel]:
    out = []
    for m in re.finditer(rb"<(?:[\w.-]+:)?Relationship\b[^>]*>", xml):
        a = _attrs(m.group(0))
        out.append(Rel(a.get(b"Id", ""), a.get(b"Type", "").rsplit("/", 1)[-1], a.get(b"Target", ""),
                       a.get(b"TargetMode", "") == "External"))
    return out


# --------------------------------------------------------------------------- the package


class Package:
    """The zip's parts: read lazily, edited or added ones kept aside until written."""

    def __init__(self, data: bytes) -> None:
        self.entries = read_entries(data)
        self.lower = {e.name.lower(): e for e in self.entries}  # part names are case-insensitive
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}

    def entry(self, name: str) -> Entry | None:
        return self.lower.get(name.lower())

    def exists(self, name: str) -> bool:
        return name.lower() in self.lower or name in self.added

    def read(self, name: str) -> bytes:
        if name in self.added:
            return self.added[name]
        e = self.entry(name)
        if e is None:
            raise KeyError(name)
        return self.changed.get(e.name) or e.read()

    def head(self, name: str, n: int) -> bytes:
        e = self.entry(name)
        if e is None:
            return b""
        return self.changed[e.name][:n] if e.name in self.changed else e.head(n)

    def write(self, name: str, data: bytes) -> None:
        e = self.entry(name)
        if e is not None:
            self.changed[e.name] = data
        else:
            self.added[name] = data

    def unique(self, pattern: str) -> str:
        n = 1
        while self.exists(pattern.format(n)):
            n += 1
        return pattern.format(n)

    def items(self) -> list[Entry | tuple[str, bytes]]:
        out: list[Entry | tuple[str, bytes]] = [
            (e.name, self.changed[e.name]) if e.name in self.changed else e for e in self.entries]
        out.extend(self.added.items())
        return out


class PackageCopy:
    """The finished copy; ``save`` as openpyxl's Workbook.save, so annotate._atomic_save
    writes either the same way."""

    def __init__(self, items: list[Entry | tuple[str, bytes]]) -> None:
        self.items = items

    def save(self, filename: str | Path | BinaryIO) -> None:
        if isinstance(filename, (str, Path)):
            with open(filename, "wb") as fh:
                write_zip(fh, self.items)
        else:
            write_zip(filename, self.items)


# --------------------------------------------------------------------------- styles.xml


class Styles:
    """Appends fills, fonts and cell formats to styles.xml."""

    def __init__(self, xml: bytes, name: str) -> None:
        _check_xml(xml, name)
        self.xml = xml
        self.p = p = _prefix(xml, b"styleSheet")
        self.sections = {}
        for local in (b"fonts", b"fills", b"cellXfs"):
            i = _find_tag(xml, b"<" + p + local)
            if i < 0:
                raise Unsupported(f"样式表中没有 {local.decode()}")
            tag, body = _tag_at(xml, i)
            if tag.endswith(b"/>"):
                raise Unsupported(f"样式表中的 {local.decode()} 为空")
            end = xml.find(b"</" + p + local + b">", body)
            if end < 0:
                raise Unsupported("样式表不完整")
            self.sections[local] = (i, body, end)
        child = {b"fonts": b"font", b"fills": b"fill"}
        self.counts = {local: len(re.findall(rb"<" + re.escape(p + c) + rb"[\s/>]", xml[s[1]:s[2]]))
                       for local, c in child.items() for s in [self.sections[local]]}
        i, body, end = self.sections[b"cellXfs"]
        self.xfs = [m.group(0) for m in re.finditer(
            rb"<" + re.escape(p) + rb"xf\b[^>]*?(?:/>|>.*?</" + re.escape(p) + rb"xf>)", xml[body:end], re.S)]
        if not self.xfs:
            raise Unsupported("样式表中没有单元格格式")
        self.base_xfs = len(self.xfs)
        self.has_style_xfs = _find_tag(xml, b"<" + p + b"cellStyleXfs") >= 0
        self.added: dict[bytes, list[bytes]] = {b"fonts": [], b"fills": [], b"cellXfs": []}
        self._fills: dict[str, int] = {}
        self._fonts: dict[bytes, int] = {}
        self._clones: dict[tuple[int, str], int] = {}
        self._xfs: dict[tuple[int, int, bytes], int] = {}

    def fill(self, color: str) -> int:
        if color not in self._fills:
            p = self.p
            self.added[b"fills"].append(
                b"<" + p + b'fill><' + p + b'patternFill patternType="solid"><' + p + b'fgColor rgb="FF'
                + color.encode() + b'"/><' + p + b'bgColor indexed="64"/></' + p + b"patternFill></" + p + b"fill>")
            self._fills[color] = self.counts[b"fills"] + len(self.added[b"fills"]) - 1
        return self._fills[color]

    def font(self, size: int, *, bold: bool = False, color: str | None = None, underline: bool = False) -> int:
        p = self.p
        xml = (b"<" + p + b"font>" + (b"<" + p + b"b/>" if bold else b"")
               + (b"<" + p + b"u/>" if underline else b"")
               + b"<" + p + b'sz val="%d"/>' % size
               + (b"<" + p + b'color rgb="FF' + color.encode() + b'"/>' if color else b"")
               + b"<" + p + b'name val="' + SUMMARY_FONT.encode() + b'"/><' + p + b'family val="2"/><'
               + p + b'charset val="134"/></' + p + b"font>")
        if xml not in self._fonts:
            self.added[b"fonts"].append(xml)
            self._fonts[xml] = self.counts[b"fonts"] + len(self.added[b"fonts"]) - 1
        return self._fonts[xml]

    def _append_xf(self, xml: bytes) -> int:
        self.added[b"cellXfs"].append(xml)
        return self.base_xfs + len(self.added[b"cellXfs"]) - 1

    def clone(self, s: int, color: str) -> int:
        """A copy of cell format *s* with a solid *color* fill; everything else kept."""
        key = (s, color)
        if key not in self._clones:
            base = self.xfs[s] if 0 <= s < len(self.xfs) else self.xfs[0]
            tag_end = base.find(b">") + 1
            tag = base[:tag_end]
            tag = _set_attr(_set_attr(tag, b"fillId", self.fill(color)), b"applyFill", 1)
            self._clones[key] = self._append_xf(tag + base[tag_end:])
        return self._clones[key]

    def xf(self, font: int, fill: int = 0, align: bytes = b"") -> int:
        key = (font, fill, align)
        if key not in self._xfs:
            p = self.p
            xml = (b"<" + p + b'xf numFmtId="0" fontId="%d" fillId="%d" borderId="0"' % (font, fill)
                   + (b' xfId="0"' if self.has_style_xfs else b"") + b' applyFont="1"'
                   + (b' applyFill="1"' if fill else b"")
                   + ((b' applyAlignment="1"><' + p + b"alignment " + align + b"/></" + p + b"xf>")
                      if align else b"/>"))
            self._xfs[key] = self._append_xf(xml)
        return self._xfs[key]

    def render(self) -> bytes:
        if not any(self.added.values()):
            return self.xml
        out, pos = [], 0
        for local in (b"fonts", b"fills", b"cellXfs"):
            start, body, end = self.sections[local]
            add = self.added[local]
            total = (self.counts[local] if local != b"cellXfs" else self.base_xfs) + len(add)
            tag = self.xml[start:body]
            if add:
                tag = _set_attr(tag, b"count", total)
            out += [self.xml[pos:start], tag, self.xml[body:end], *add]
            pos = end
        out.append(self.xml[pos:])
        return b"".join(out)


# --------------------------------------------------------------------------- one sheet


def merges_of(xml: bytes, p: bytes) -> MergeIndex:
    """The sheet's merged ranges, indexed (one regex pass over the mergeCells section)."""
    start = _find_tag(xml, b"<" + p + b"mergeCells")
    if start < 0:
        return MergeIndex(())
    end = xml.find(b"</" + p + b"mergeCells>", start)
    end = len(xml) if end < 0 else end
    section = xml[start:end]
    # The common form, as every writer lays it out, in one findall; anything else tag by tag.
    simple = re.findall(rb'<' + re.escape(p) + rb'mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"\s*/>', section)
    if len(simple) == section.count(b"<" + p + b"mergeCell") - 1:  # minus <mergeCells> itself
        col = _COLS.get
        return MergeIndex((int(r0), col(c0) or _col_index(c0), int(r1), col(c1) or _col_index(c1))
                          for c0, r0, c1, r1 in simple)
    ranges = []
    for m in re.finditer(rb"<" + re.escape(p) + rb"mergeCell(?=[\s/>])([^>]*)>", section):
        r = _REF.search(m.group(1))
        if r is None:
            raise Unsupported("合并单元格格式异常")
        ranges.append((int(r.group(2)), _col_index(r.group(1)),
                       int(r.group(4) or r.group(2)), _col_index(r.group(3) or r.group(1))))
    return MergeIndex(ranges)


_COLS = {column_letter(c).encode(): c for c in range(1, 703)}  # A … ZZ
_REF = re.compile(rb"""(?<=\s)ref\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?["']""")
_S_ATTR = re.compile(rb"""(?<=\s)s\s*=\s*["'](\d+)["']""")
_ROW_NUM = re.compile(rb"""(?<=\s)r\s*=\s*["'](\d+)["']""")


@dataclass
class Sheet:
    name: str
    part: str
    xml: bytes = b""
    p: bytes = b""
    merges: MergeIndex | None = None
    dirty: bool = False  # edited: written back into the package

    def load(self, pkg: Package) -> None:
        if not self.xml:
            self.xml = pkg.read(self.part)
            _check_xml(self.xml, self.part)
            self.p = _prefix(self.xml, b"worksheet")
            self.merges = merges_of(self.xml, self.p)


def _col_styles(xml: bytes, p: bytes, limit: int) -> list[tuple[int, int, int]]:
    out = []
    tag = b"<" + p + b"col"
    i = _find_tag(xml, tag, 0, limit)
    while i >= 0:
        t, j = _tag_at(xml, i)
        a = _attrs(t)
        try:
            out.append((int(a.get(b"min", "0")), int(a.get(b"max", "0")), int(a.get(b"style", "0"))))
        except ValueError:
            raise Unsupported("列宽设置异常") from None
        i = _find_tag(xml, tag, j, limit)
    return out


def _truthy(value: str | None) -> bool:
    return value in ("1", "true")


def mark_cells(xml: bytes, p: bytes, marks: dict[tuple[int, int], str], styles: Styles) -> bytes:
    """*xml* with each (row, col) in *marks* given its own format cloned with the fill colour.

    One forward pass over the rows (bytes.find, no parsing of the cells in between): rows and
    cells the sheet lacks are inserted in order; a self-closing row is opened."""
    sd = re.search(rb"<" + re.escape(p) + rb"sheetData\s*(/?)>", xml)
    if sd is None:
        raise Unsupported("工作表中没有 sheetData")
    cols = _col_styles(xml, p, sd.start())

    def col_style(col: int) -> int:
        return next((s for lo, hi, s in cols if lo <= col <= hi), 0)

    row_tag, c_tag = b"<" + p + b"row", b"<" + p + b"c"
    row_end_tag = b"</" + p + b"row>"
    inserted: list[tuple[int, int]] = []

    def new_cell(row: int, col: int, inherit: int) -> bytes:
        inserted.append((row, col))
        s = styles.clone(inherit, marks[(row, col)])
        return c_tag + b' r="%s%d" s="%d"/>' % (column_letter(col).encode(), row, s)

    def new_row(row: int, cols_: list[int]) -> bytes:
        return (row_tag + b' r="%d">' % row + b"".join(new_cell(row, c, col_style(c)) for c in cols_)
                + row_end_tag)

    by_row: dict[int, list[int]] = {}
    for r, c in sorted(marks):
        by_row.setdefault(r, []).append(c)
    rows = sorted(by_row)
    if sd.group(1):  # <sheetData/>: every marked row is new
        body = b"".join(new_row(r, by_row[r]) for r in rows)
        out = xml[:sd.start()] + b"<" + p + b"sheetData>" + body + b"</" + p + b"sheetData>" + xml[sd.end():]
        return _grow_dimension(out, p, inserted)
    end = xml.find(b"</" + p + b"sheetData>", sd.end())
    if end < 0:
        raise Unsupported("sheetData 不完整")

    out: list[bytes] = [xml[:sd.end()]]
    pos = scan = sd.end()
    ri, last = 0, 0
    row_re = re.compile(rb"<" + re.escape(p) + rb"row(?=[\s/>])[^>]*>")
    while ri < len(rows):
        mt = row_re.search(xml, scan, end)
        if mt is None:
            break
        i, tag_end, tag = mt.start(), mt.end(), mt.group(0)
        mr = _ROW_NUM.search(tag)
        if mr is None:
            raise Unsupported("有行没有行号")
        r = int(mr.group(1))
        if r <= last:
            raise Unsupported("行的顺序异常")
        last = r
        closed = tag.endswith(b"/>")
        close = tag_end if closed else xml.find(row_end_tag, tag_end, end)
        if close < 0:
            raise Unsupported("行不完整")
        while ri < len(rows) and rows[ri] < r:
            out += [xml[pos:i], new_row(rows[ri], by_row[rows[ri]])]
            pos = i
            ri += 1
        if ri < len(rows) and rows[ri] == r:
            a = _attrs(tag)
            row_s = int(a[b"s"]) if _truthy(a.get(b"customFormat")) and a.get(b"s", "").isdigit() else None
            after = tag_end if closed else close + len(row_end_tag)
            body = b"" if closed else xml[tag_end:close]
            new_body = _mark_row(body, c_tag, r, by_row[r], lambda c, row_s=row_s: row_s if row_s is not None else col_style(c),
                                 new_cell, styles, marks)
            if closed:
                tag = tag[:-2].rstrip(_WS) + b">"
            if b"spans" in a:
                tag = _widen_spans(tag, a[b"spans"], by_row[r])
            out += [xml[pos:i], tag, new_body, row_end_tag]
            pos = after
            ri += 1
        scan = close
    if ri < len(rows):
        out += [xml[pos:end], *(new_row(r, by_row[r]) for r in rows[ri:])]
        pos = end
    out.append(xml[pos:])
    return _grow_dimension(b"".join(out), p, inserted)


def _mark_row(body: bytes, c_tag: bytes, row: int, cols: list[int], inherit: Callable[[int], int],
              new_cell: Callable[[int, int, int], bytes], styles: Styles,
              marks: dict[tuple[int, int], str]) -> bytes:
    out: list[bytes] = []
    pos = scan = 0
    ci, last = 0, 0
    while ci < len(cols):
        i = _find_tag(body, c_tag, scan)
        if i < 0:
            break
        tag, tag_end = _tag_at(body, i)
        m = re.search(rb"""(?<=\s)r\s*=\s*["']([A-Za-z]{1,3})(\d+)["']""", tag)
        if m is None:
            raise Unsupported("有单元格没有地址")
        col = _col_index(m.group(1))
        if int(m.group(2)) != row or col <= last:
            raise Unsupported("单元格的顺序异常")
        last = col
        while ci < len(cols) and cols[ci] < col:
            out += [body[pos:i], new_cell(row, cols[ci], inherit(cols[ci]))]
            pos = i
            ci += 1
        if ci < len(cols) and cols[ci] == col:
            ms = _S_ATTR.search(tag)
            new = styles.clone(int(ms.group(1)) if ms else 0, marks[(row, col)])
            out += [body[pos:i], _set_attr(tag, b"s", new)]
            pos = tag_end
            ci += 1
        scan = tag_end
    out.append(body[pos:])
    out.extend(new_cell(row, c, inherit(c)) for c in cols[ci:])
    return b"".join(out)


def _widen_spans(tag: bytes, spans: str, cols: list[int]) -> bytes:
    nums = [int(x) for x in re.findall(r"\d+", spans)]
    if not nums:
        return _del_attr(tag, b"spans")
    lo, hi = min(nums + cols), max(nums + cols)
    return tag if (lo, hi) == (min(nums), max(nums)) else _set_attr(tag, b"spans", f"{lo}:{hi}")


def _grow_dimension(xml: bytes, p: bytes, inserted: list[tuple[int, int]]) -> bytes:
    if not inserted:
        return xml
    i = _find_tag(xml, b"<" + p + b"dimension", 0, 4096)
    if i < 0:
        return xml
    tag, j = _tag_at(xml, i)
    parts = [_A1_PARTS.fullmatch(x) for x in _attrs(tag).get(b"ref", "").encode().split(b":")]
    if not parts or not all(parts):
        return xml
    rs = [int(m.group(2)) for m in parts if m] + [r for r, _ in inserted]
    cs = [_col_index(m.group(1)) for m in parts if m] + [c for _, c in inserted]
    ref = f"{column_letter(min(cs))}{min(rs)}:{column_letter(max(cs))}{max(rs)}"
    return xml[:i] + _set_attr(tag, b"ref", ref) + xml[j:]


# --------------------------------------------------------------------------- comments


_VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel">'
    '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>')
_VML_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _vml_shape(shape_id: int, row: int, col: int, width: int, height: int) -> str:
    # As openpyxl writes a comment box (report/annotate.py's path), so both copies look alike.
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute; '
        f"margin-left:59.25pt;margin-top:1.5pt;width:{width}px;height:{height}px;z-index:1;"
        'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column>"
        "</x:ClientData></v:shape>")


@dataclass
class Note:
    row: int
    col: int
    text: str  # our lines

    @property
    def ref(self) -> str:
        return f"{column_letter(self.col)}{self.row}"


def _t(p: bytes, text: str) -> bytes:
    return b"<" + p + b't xml:space="preserve">' + _esc(text).encode("utf-8") + b"</" + p + b"t>"


def edit_comments(xml: bytes, notes: list[Note]) -> tuple[bytes, list[Note]]:
    """The comments part with *notes* added; returns it and the notes that need a new box
    (a cell's existing comment is appended to and keeps its author and its box)."""
    p = _prefix(xml, b"comments")
    authors = [html.unescape(m.group(1).decode("utf-8")) for m in re.finditer(
        rb"<" + re.escape(p) + rb"author>([^<]*)</" + re.escape(p) + rb"author>", xml)]
    existing: dict[str, tuple[int, int]] = {}
    tag = b"<" + p + b"comment"
    i = _find_tag(xml, tag)
    while i >= 0:
        t, j = _tag_at(xml, i)
        end = j if t.endswith(b"/>") else xml.find(b"</" + p + b"comment>", j)
        if end < 0:
            raise Unsupported("批注不完整")
        existing[_attrs(t).get(b"ref", "").replace("$", "").upper()] = (i, end)
        i = _find_tag(xml, tag, end)
    edits: list[tuple[int, int, bytes]] = []
    fresh: list[Note] = []
    for note in notes:
        span = existing.get(note.ref)
        if span is None:
            fresh.append(note)
            continue
        start, end = span
        ts = xml.find(b"<" + p + b"text>", start, end)
        te = xml.find(b"</" + p + b"text>", start, end)
        if ts < 0 or te < 0:
            raise Unsupported("批注格式异常")
        inner = xml[ts + len(p) + 6:te]
        addition = f"\n{COMMENT_SEPARATOR}\n{note.text}"
        if _find_tag(inner, b"<" + p + b"r") < 0:  # plain text: extend its one <t>
            m = re.fullmatch(rb"\s*<" + re.escape(p) + rb"t(?:\s[^>]*)?>([^<]*)</" + re.escape(p) + rb"t>\s*", inner)
            if m is None:
                raise Unsupported("批注格式异常")
            old = html.unescape(m.group(1).decode("utf-8")).rstrip()
            edits.append((ts + len(p) + 6, te, _t(p, old + addition)))
        else:  # rich text: one more run after the last, the submitter's runs untouched
            last_run = inner.rfind(b"</" + p + b"r>") + len(p) + 4
            at = ts + len(p) + 6 + last_run
            edits.append((at, at, b"<" + p + b"r>" + _t(p, addition) + b"</" + p + b"r>"))
    if fresh:
        if COMMENT_AUTHOR in authors:
            author_id = authors.index(COMMENT_AUTHOR)
        else:
            author_id = len(authors)
            new_author = b"<" + p + b"author>" + COMMENT_AUTHOR.encode() + b"</" + p + b"author>"
            edits.append(_append_to(xml, p, b"authors", new_author, "批注没有作者列表"))
        body = b"".join(
            b"<" + p + b'comment ref="' + n.ref.encode() + b'" authorId="%d"><' % author_id + p + b"text>"
            + _t(p, n.text) + b"</" + p + b"text></" + p + b"comment>" for n in fresh)
        edits.append(_append_to(xml, p, b"commentList", body, "批注格式异常"))
    return _splice(xml, edits), fresh


def _append_to(xml: bytes, p: bytes, tag: bytes, content: bytes, problem: str) -> tuple[int, int, bytes]:
    """The edit that appends *content* as the last children of the element *tag*, opening it
    first when it is written self-closing (``<authors/>``)."""
    end = xml.find(b"</" + p + tag + b">")
    if end >= 0:
        return end, end, content
    m = re.search(rb"<" + re.escape(p + tag) + rb"\s*/>", xml)
    if m is None:
        raise Unsupported(problem)
    return m.start(), m.end(), b"<" + p + tag + b">" + content + b"</" + p + tag + b">"


def _splice(xml: bytes, edits: Iterable[tuple[int, int, bytes]]) -> bytes:
    out, pos = [], 0
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1])):
        out += [xml[pos:start], new]
        pos = end
    out.append(xml[pos:])
    return b"".join(out)


def new_comments(strict: bool, notes: list[Note]) -> bytes:
    ns = "http://purl.oclc.org/ooxml/spreadsheetml/main" if strict else \
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{ns}">'
            f"<authors><author>{COMMENT_AUTHOR}</author></authors><commentList></commentList></comments>")
    return edit_comments(head.encode(), notes)[0]


# --------------------------------------------------------------------------- the run


@dataclass
class Context:
    pkg: Package
    strict: bool
    vml_ids: list[int] = field(default_factory=list)  # [next free shape id]
    content_types: list[bytes] = field(default_factory=list)  # Override/Default elements to add


def _next_rid(rels: list[Rel]) -> str:
    taken = {r.id for r in rels}
    n = len(rels) + 1
    while f"rId{n}" in taken:
        n += 1
    return f"rId{n}"


def _add_rels(xml: bytes | None, new: list[tuple[str, str, str]], strict: bool) -> bytes:
    base = "http://purl.oclc.org/ooxml/officeDocument/relationships/" if strict else \
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    if xml is None:
        xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
               b'"http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    p = _prefix(xml, b"Relationships")
    body = b"".join(
        b"<" + p + b'Relationship Id="' + rid.encode() + b'" Type="' + (base + kind).encode()
        + b'" Target="' + _esc(target).encode() + b'"/>' for rid, kind, target in new)
    end = xml.rfind(b"</" + p + b"Relationships>")
    if end < 0:
        m = re.search(rb"<" + re.escape(p) + rb"Relationships\b[^>]*/>", xml)
        if m is None:
            raise Unsupported("关系部件格式异常")
        tag = m.group(0)
        return xml[:m.start()] + tag[:-2].rstrip(_WS) + b">" + body + b"</" + p + b"Relationships>" + xml[m.end():]
    return xml[:end] + body + xml[end:]


def _vml_blocks(ctx: Context) -> int:
    """The first free VML shape id, past every id any drawing of the package uses."""
    if not ctx.vml_ids:
        top = 1024
        for e in ctx.pkg.entries:
            if e.name.lower().endswith(".vml"):
                head = e.read()
                for m in re.finditer(rb"_x0000_s(\d+)", head):
                    top = max(top, int(m.group(1)))
                for m in re.finditer(rb"""o:idmap[^>]*data\s*=\s*["']([\d,\s]+)""", head):
                    for b in re.findall(rb"\d+", m.group(1)):
                        top = max(top, int(b) * 1024 + 1023)
        ctx.vml_ids.append(top + 1)
    return ctx.vml_ids[0]


def _take_ids(ctx: Context, n: int) -> list[int]:
    first = _vml_blocks(ctx)
    ctx.vml_ids[0] = first + n
    return list(range(first, first + n))


def comment_sheet(ctx: Context, sheet: Sheet, notes: list[Note]) -> None:
    """Add *notes* as comments on *sheet*: extend its comments part and VML, or create them."""
    pkg = ctx.pkg
    rels_name = _rels_name(sheet.part)
    rels_xml = pkg.read(rels_name) if pkg.exists(rels_name) else None
    if rels_xml is not None:
        _check_xml(rels_xml, rels_name)
    rels = _rels(rels_xml) if rels_xml is not None else []
    by_id = {r.id: r for r in rels}
    comments_rel = next((r for r in rels if r.type == "comments" and not r.external), None)
    xml, p = sheet.xml, sheet.p
    # The elements after sheetData, at the root's level (where <legacyDrawing> lives).
    sd_end = xml.find(b"</" + p + b"sheetData>")
    if sd_end >= 0:
        sd_end += len(p) + 12
    else:
        sd = re.search(rb"<" + re.escape(p) + rb"sheetData\s*/>", xml)
        sd_end = sd.end() if sd else -1
    root_end = xml.rfind(b"</" + p + b"worksheet>")
    if sd_end < 0 or root_end < 0:
        raise Unsupported("工作表格式异常")
    top = _top_level(xml, sd_end, root_end)
    legacy = next((t for t in top if t[0] == b"legacyDrawing"), None)
    vml_rel = None
    if legacy is not None:
        rid = next((v for k, v in _attrs(xml[legacy[1]:legacy[2]]).items() if k.endswith(b":id")), "")
        vml_rel = by_id.get(rid)
        if vml_rel is None or vml_rel.external:
            raise Unsupported("批注图形的关系缺失")
    new_rels: list[tuple[str, str, str]] = []
    taken = list(rels)

    def rid() -> str:
        r = _next_rid(taken)
        taken.append(Rel(r, "", "", False))
        return r

    if comments_rel is not None:
        cpart = _resolve(sheet.part, comments_rel.target)
        cxml = pkg.read(cpart)
        _check_xml(cxml, cpart)
        cxml, fresh = edit_comments(cxml, notes)
        pkg.write(cpart, cxml)
    else:
        cpart = pkg.unique("xl/comments{}.xml")
        pkg.write(cpart, new_comments(ctx.strict, notes))
        fresh = notes
        new_rels.append((rid(), "comments", _relative(sheet.part, cpart)))
        ctx.content_types.append(b'<Override PartName="/' + cpart.encode() + b'" ContentType="'
                                 + COMMENTS_TYPE.encode() + b'"/>')
    if fresh:
        ids = _take_ids(ctx, len(fresh))
        shapes = "".join(_vml_shape(i, n.row, n.col, *_comment_size(n.text)) for i, n in zip(ids, fresh, strict=True))
        if vml_rel is not None:
            vpart = _resolve(sheet.part, vml_rel.target)
            vml = pkg.read(vpart)
            end = vml.rfind(b"</xml>")
            if end < 0 or b"<!DOCTYPE" in vml or b"<![CDATA[" in vml:
                raise Unsupported("批注图形格式异常")
            add = ("" if b'"_x0000_t202"' in vml else _VML_SHAPETYPE) + shapes
            vml = vml[:end] + add.encode("utf-8") + vml[end:]
            vml = _idmap_cover(vml, ids)
            pkg.write(vpart, vml)
        else:
            vpart = pkg.unique("xl/drawings/vmlDrawing{}.vml")
            block = ids[0] // 1024
            vml = _VML_HEAD.format(block=block) + _VML_SHAPETYPE + shapes + "</xml>"
            pkg.write(vpart, _idmap_cover(vml.encode("utf-8"), ids))
            vid = rid()
            new_rels.append((vid, "vmlDrawing", _relative(sheet.part, vpart)))
            ctx.content_types.append(b'<Default Extension="vml" ContentType="' + VML_TYPE.encode() + b'"/>')
            # <legacyDrawing> goes before these in CT_Worksheet; the r namespace is declared on
            # the element itself, whatever the root binds.
            later = {b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
                     b"webPublishItems", b"tableParts", b"extLst"}
            at = next((t[1] for t in top if t[0] in later), root_end)
            el = (b"<" + p + b'legacyDrawing xmlns:r="' + REL_NS[ctx.strict].encode() + b'" r:id="'
                  + vid.encode() + b'"/>')
            sheet.xml = xml[:at] + el + xml[at:]
            sheet.dirty = True
    if new_rels:
        pkg.write(rels_name, _add_rels(rels_xml, new_rels, ctx.strict))


def _idmap_cover(vml: bytes, ids: list[int]) -> bytes:
    """Make the drawing's o:idmap list every 1024-block its shape ids fall in."""
    m = re.search(rb"""(o:idmap[^>]*data\s*=\s*["'])([\d,\s]*)(["'])""", vml)
    if m is None:
        return vml
    blocks = [int(b) for b in re.findall(rb"\d+", m.group(2))]
    for i in ids:
        if i // 1024 not in blocks:
            blocks.append(i // 1024)
    return vml[:m.start(2)] + ",".join(map(str, blocks)).encode() + vml[m.end(2):]


# --------------------------------------------------------------------------- 校验结果 sheet


def _cell(ref: str, s: int, value: object) -> str:
    if value is None or value == "":
        return f'<c r="{ref}" s="{s}"/>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}" s="{s}"><v>{value}</v></c>'
    return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{_esc(str(value))}</t></is></c>'


def summary_sheet(ns: bytes, styles: Styles, findings: list[Finding], file_name: str, verdict: str,
                  notes: list[str], links: dict[int, tuple[str, str]]) -> tuple[bytes, int]:
    """The 校验结果 sheet as annotate._add_summary_sheet lays it out; returns it and its last
    table row (for the autofilter name)."""
    body_font = styles.font(11)
    body = styles.xf(body_font)
    wrap = styles.xf(body_font, 0, b'vertical="top" wrapText="1"')
    centered = styles.xf(body_font, 0, b'horizontal="center" vertical="top"')
    top = styles.xf(body_font, 0, b'vertical="top"')
    severity = {sev: styles.xf(body_font, styles.fill(c), b'horizontal="center" vertical="top"')
                for sev, c in SEVERITY_FILL.items() if c}
    link = styles.xf(styles.font(11, color="0563C1", underline=True), 0, b'vertical="top"')
    title_s = styles.xf(styles.font(13, bold=True))
    guide_s = styles.xf(styles.font(11, color="C00000"))
    header_s = styles.xf(styles.font(11, bold=True), styles.fill("DDEBF7"))

    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in SEVERITY_LABEL}
    totals = f"错误 {counts['error']} 项，警告 {counts['warning']} 项"
    if counts["info"]:
        totals += f"，提示 {counts['info']} 项"
    rebuilt = any("批注副本为新建的" in n for n in notes)
    rows = [
        f'<row r="1">{_cell("A1", title_s, f"{file_name}　　校验结论：{verdict} — {totals}")}</row>',
        f'<row r="2">{_cell("A2", guide_s, fix_and_send_back(file_name, verdict, rebuilt))}</row>',
        f'<row r="{HEADER_ROW}">' + "".join(
            _cell(f"{column_letter(c)}{HEADER_ROW}", header_s, name)
            for c, name in enumerate(SUMMARY_HEADERS, start=1)) + "</row>",
    ]
    hyperlinks: list[str] = []
    row = HEADER_ROW
    for n, f in enumerate(sorted(findings, key=lambda f: f.sort_key), start=1):
        row += 1
        values = (n, f.form, f.sheet, f.cell, f.rule, SEVERITY_LABEL.get(f.severity, f.severity),
                  f.message, f.expected, f.actual)
        cells = []
        target = links.get(id(f))
        for col, value in enumerate(values, start=1):
            s = wrap if col in WRAPPED_COLUMNS else centered if col in (1, 6) else top
            if col == 6 and f.severity in severity:
                s = severity[f.severity]
            if col == 4 and target is not None:
                s = link
            cells.append(_cell(f"{column_letter(col)}{row}", s, value))
        rows.append(f'<row r="{row}" ht="{_row_height(values):g}" customHeight="1">{"".join(cells)}</row>')
        if target is not None:
            location = f"{_quote_sheet(target[0])}!{target[1]}"
            hyperlinks.append(f'<hyperlink ref="D{row}" location="{_esc(location)}" display="{_esc(str(f.cell))}"/>')
    if not findings:
        row += 1
        rows.append(f'<row r="{row}">{_cell(f"A{row}", body, "未发现问题")}</row>')
    last_table_row = row
    row += 1
    for note in notes:
        row += 1
        rows.append(f'<row r="{row}">{_cell(f"A{row}", body, f"说明：{note}")}</row>')
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                   for c, w in enumerate(SUMMARY_WIDTHS, start=1))
    last_col = column_letter(len(SUMMARY_HEADERS))
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{ns.decode()}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last_col}{row}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        f'<pane ySplit="{HEADER_ROW}" topLeftCell="A{HEADER_ROW + 1}" activePane="bottomLeft" state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="A{HEADER_ROW + 1}" sqref="A{HEADER_ROW + 1}"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>"
        f'<autoFilter ref="A{HEADER_ROW}:{last_col}{last_table_row}"/>'
        + (f"<hyperlinks>{''.join(hyperlinks)}</hyperlinks>" if hyperlinks else "")
        + '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>')
    return xml.encode("utf-8"), last_table_row


# --------------------------------------------------------------------------- workbook.xml


def _unique_title(names: Iterable[str], base: str) -> str:
    taken = {n.lower() for n in names}
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        title = f"{base}({n})"
    return title


def edit_workbook(xml: bytes, title: str, rid: str, strict: bool, last_row: int) -> bytes:
    """workbook.xml with 校验结果 as its first sheet (and its print titles and filter names)."""
    p = _prefix(xml, b"workbook")
    edits: list[tuple[int, int, bytes]] = []
    # The r: prefix as the root binds it; else declared on the element itself.
    root_tag = _tag_at(xml, _find_tag(xml, b"<" + p + b"workbook"))[0]
    m = re.search(rb"""xmlns:([\w.-]+)\s*=\s*["']""" + re.escape(REL_NS[strict].encode()) + rb"""["']""", root_tag)
    r_attr = (m.group(1) + b':id="' + rid.encode() + b'"') if m else \
        (b'xmlns:r="' + REL_NS[strict].encode() + b'" r:id="' + rid.encode() + b'"')
    i = _find_tag(xml, b"<" + p + b"sheets")
    if i < 0:
        raise Unsupported("workbook.xml 中没有 sheets")
    tag, body = _tag_at(xml, i)
    if tag.endswith(b"/>"):
        raise Unsupported("工作簿没有工作表")
    ids = [int(a.get(b"sheetId", "0")) for a in map(_attrs, re.findall(
        rb"<" + re.escape(p) + rb"sheet\b[^>]*>", xml)) if a.get(b"sheetId", "").isdigit()]
    edits.append((body, body, b"<" + p + b'sheet name="' + _esc(title).encode() + b'" sheetId="%d" '
                  % (max(ids, default=0) + 1) + r_attr + b"/>"))
    for m in re.finditer(rb"<" + re.escape(p) + rb"workbookView\b[^>]*>", xml):
        new = _del_attr(_del_attr(m.group(0), b"activeTab"), b"firstSheet")
        edits.append((m.start(), m.end(), new))
    quoted = _quote_sheet(title)
    ours = (b"<" + p + b'definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            + _esc(f"{quoted}!$A${HEADER_ROW}:${column_letter(len(SUMMARY_HEADERS))}${last_row}").encode()
            + b"</" + p + b"definedName><" + p + b'definedName name="_xlnm.Print_Titles" localSheetId="0">'
            + _esc(f"{quoted}!${HEADER_ROW}:${HEADER_ROW}").encode() + b"</" + p + b"definedName>")
    dn = _find_tag(xml, b"<" + p + b"definedNames")
    if dn >= 0:
        dtag, dbody = _tag_at(xml, dn)
        if dtag.endswith(b"/>"):
            edits.append((dn, dbody, b"<" + p + b"definedNames>" + ours + b"</" + p + b"definedNames>"))
        else:
            edits.append((dbody, dbody, ours))
            for m in re.finditer(rb"<" + re.escape(p) + rb"definedName\b[^>]*>", xml):
                a = _attrs(m.group(0))
                if b"localSheetId" in a:
                    if not a[b"localSheetId"].isdigit():
                        raise Unsupported("定义名称的工作表编号异常")
                    edits.append((m.start(), m.end(), _set_attr(m.group(0), b"localSheetId",
                                                                int(a[b"localSheetId"]) + 1)))
    else:
        root_end = xml.rfind(b"</" + p + b"workbook>")
        top = _top_level(xml, _tag_at(xml, _find_tag(xml, b"<" + p + b"workbook"))[1], root_end)
        after = [t for t in top if t[0] in (b"sheets", b"functionGroups", b"externalReferences")]
        if not after:
            raise Unsupported("workbook.xml 格式异常")
        at = after[-1][2]
        edits.append((at, at, b"<" + p + b"definedNames>" + ours + b"</" + p + b"definedNames>"))
    return _splice(xml, edits)


def _untab(xml: bytes, p: bytes) -> bytes:
    """Unselect a sheet's tab (the new first sheet is the one selected)."""
    start = _find_tag(xml, b"<" + p + b"sheetViews")
    end = xml.find(b"</" + p + b"sheetViews>", start)
    if start < 0 or end < 0:
        return xml
    section = re.sub(rb"<" + re.escape(p) + rb"sheetView\b[^>]*>",
                     lambda m: _del_attr(m.group(0), b"tabSelected"), xml[start:end])
    return xml[:start] + section + xml[end:]


def edit_app(xml: bytes, title: str) -> bytes:
    """docProps/app.xml: the new sheet among the worksheet titles, when laid out as Excel does."""
    m = re.search(rb"(<(\w+:)lpstr>(?:Worksheets|\xe5\xb7\xa5\xe4\xbd\x9c\xe8\xa1\xa8)</\2lpstr>\s*</\2variant>\s*"
                  rb"<\2variant>\s*<\2i4>)(\d+)(</\2i4>)", xml)
    t = re.search(rb"<(?:\w+:)?TitlesOfParts>\s*<(\w+:)vector\b[^>]*>", xml)
    if m is None or t is None:
        return xml
    vt = t.group(1)
    vec = t.group(0)
    size = _attrs(vec).get(b"size", "")
    if not size.isdigit():
        return xml
    new_vec = _set_attr(vec, b"size", int(size) + 1) + b"<" + vt + b"lpstr>" + _esc(title).encode() + b"</" + vt + b"lpstr>"
    edits = [(m.start(3), m.end(3), str(int(m.group(3)) + 1).encode()), (t.start(), t.end(), new_vec)]
    return _splice(xml, edits)


def edit_core(xml: bytes) -> bytes:
    """docProps/core.xml naming xlsxtool as the last author (see api.is_unedited_copy)."""
    ours = b"<cp:lastModifiedBy>" + COMMENT_AUTHOR.encode() + b"</cp:lastModifiedBy>"
    m = re.search(rb"<cp:lastModifiedBy\s*/>|<cp:lastModifiedBy>[^<]*</cp:lastModifiedBy>", xml)
    if m:
        return xml[:m.start()] + ours + xml[m.end():]
    end = xml.rfind(b"</cp:coreProperties>")
    if end < 0:
        raise Unsupported("文档属性格式异常")
    return xml[:end] + ours + xml[end:]


# --------------------------------------------------------------------------- entry point


def annotate_package(data: bytes, findings: list[Finding], file_name: str, verdict: str,
                     notes: list[str], dest_suffix: str) -> PackageCopy:
    """The annotated copy of the .xlsx/.xlsm *data*, ready to save. Raises Unsupported for
    what this path cannot do safely and EarlierMarks for a copy carrying our earlier marks."""
    pkg = Package(data)
    ct_name = "[Content_Types].xml"
    if not pkg.exists(ct_name) or not pkg.exists("_rels/.rels"):
        raise Unsupported("缺少 [Content_Types].xml 或 _rels/.rels")
    root_rels = _rels(pkg.read("_rels/.rels"))
    office = next((r for r in root_rels if r.type == "officeDocument" and not r.external), None)
    core = next((r for r in root_rels if r.type == "core-properties" and not r.external), None)
    if office is None:
        raise Unsupported("找不到工作簿部件")
    if core is None:
        raise Unsupported("没有文档属性部件")
    wb_part = _resolve("", office.target)
    core_part = _resolve("", core.target)
    ct = pkg.read(ct_name)
    _check_xml(ct, ct_name)
    m = re.search(rb"""<(?:\w+:)?Override\b[^>]*PartName\s*=\s*["']/""" + re.escape(wb_part.encode())
                  + rb"""["'][^>]*>""", ct, re.I)
    wb_type = _attrs(m.group(0)).get(b"ContentType", "") if m else ""
    if wb_type not in WORKBOOK_TYPES.get(dest_suffix.lower(), set()):
        raise Unsupported("工作簿类型与副本扩展名不符")
    wb_xml = pkg.read(wb_part)
    _check_xml(wb_xml, wb_part)
    wp = _prefix(wb_xml, b"workbook")
    ns = _root_ns(wb_xml, wp)
    if ns not in MAIN_NS:
        raise Unsupported("工作簿的命名空间不常见")
    strict = MAIN_NS[ns]
    wb_rels_name = _rels_name(wb_part)
    wb_rels_xml = pkg.read(wb_rels_name)
    _check_xml(wb_rels_xml, wb_rels_name)
    wb_rels = {r.id: r for r in _rels(wb_rels_xml)}
    styles_rel = next((r for r in wb_rels.values() if r.type == "styles" and not r.external), None)
    if styles_rel is None:
        raise Unsupported("没有样式表")
    styles_part = _resolve(wb_part, styles_rel.target)
    styles = Styles(pkg.read(styles_part), styles_part)

    names: list[str] = []
    sheets: dict[str, Sheet] = {}
    for tag in re.findall(rb"<" + re.escape(wp) + rb"sheet\b[^>]*>", wb_xml):
        a = _attrs(tag)
        name = a.get(b"name", "")
        names.append(name)
        rid = next((v for k, v in a.items() if k.endswith(b":id")), "")
        rel = wb_rels.get(rid)
        if rel is not None and rel.type == "worksheet" and not rel.external:
            sheets[name] = Sheet(name, _resolve(wb_part, rel.target))
    if any(_SUMMARY_TITLE.match(n) for n in names):
        raise EarlierMarks
    # Comments an earlier run wrote (its 校验结果 sheet deleted since), under any part name.
    for m in re.finditer(rb"""PartName\s*=\s*["']/([^"']+)["'][^>]*comments\+xml""", ct):
        part = html.unescape(m.group(1).decode("utf-8"))
        if pkg.exists(part):
            body = pkg.read(part)
            if COMMENT_SEPARATOR.encode() in body or re.search(
                    rb"<(?:\w+:)?author>" + COMMENT_AUTHOR.encode() + rb"</", body):
                raise EarlierMarks

    # Group the findings by the cell they mark (merged ranges: the top-left cell).
    groups: dict[tuple[str, int, int], list[Finding]] = {}
    links: dict[int, tuple[str, str]] = {}
    for f in findings:
        sheet = sheets.get(f.sheet) if f.sheet and f.cell else None
        pos = _parse_a1(f.cell) if sheet is not None and f.cell else None
        if sheet is None or pos is None:
            continue
        sheet.load(pkg)
        assert sheet.merges is not None
        row, col = sheet.merges.anchor(*pos)
        groups.setdefault((sheet.name, row, col), []).append(f)
        links[id(f)] = (sheet.name, f"{column_letter(col)}{row}")
    ctx = Context(pkg, strict)
    per_sheet: dict[str, tuple[dict[tuple[int, int], str], list[Note]]] = {}
    for (name, row, col), group in groups.items():
        group.sort(key=lambda f: (_severity_rank(f), f.sort_key))  # errors first
        marks, cnotes = per_sheet.setdefault(name, ({}, []))
        color = SEVERITY_FILL.get(group[0].severity)
        if color:
            marks[(row, col)] = color
        cnotes.append(Note(row, col, "\n".join(_ILLEGAL_XML.sub("", f"{f.rule} {f.message}") for f in group)))
    for name, (marks, cnotes) in per_sheet.items():
        sheet = sheets[name]
        if marks:
            sheet.xml = mark_cells(sheet.xml, sheet.p, marks, styles)
            sheet.dirty = True
        comment_sheet(ctx, sheet, sorted(cnotes, key=lambda n: (n.row, n.col)))

    # Only the new first sheet is selected (a second selected tab would group them in Excel).
    for sheet in sheets.values():
        head = sheet.xml[:8192] if sheet.xml else pkg.head(sheet.part, 8192)
        if re.search(rb"""tabSelected\s*=\s*["'](?:1|true)["']""", head):
            sheet.load(pkg)
            sheet.xml = _untab(sheet.xml, sheet.p)
            sheet.dirty = True
    for sheet in sheets.values():
        if sheet.dirty:
            pkg.write(sheet.part, sheet.xml)

    title = _unique_title(names, SUMMARY_SHEET)
    summary_part = pkg.unique(posixpath.join(posixpath.dirname(wb_part), "worksheets", "sheet{}.xml"))
    summary_xml, last_row = summary_sheet(ns, styles, findings, file_name, verdict, notes, links)
    pkg.write(summary_part, summary_xml)
    rid = _next_rid(list(wb_rels.values()))
    pkg.write(wb_rels_name, _add_rels(wb_rels_xml, [(rid, "worksheet", _relative(wb_part, summary_part))], strict))
    pkg.write(wb_part, edit_workbook(wb_xml, title, rid, strict, last_row))
    pkg.write(styles_part, styles.render())
    ctx.content_types.insert(0, b'<Override PartName="/' + summary_part.encode() + b'" ContentType="'
                             + SHEET_TYPE.encode() + b'"/>')
    pkg.write(ct_name, _add_content_types(ct, ctx.content_types))
    if pkg.exists("docProps/app.xml"):
        app = pkg.read("docProps/app.xml")
        try:
            _check_xml(app, "docProps/app.xml")
        except Unsupported:
            pass  # the titles list is informative only: leave it as it is
        else:
            pkg.write("docProps/app.xml", edit_app(app, title))
    core_xml = pkg.read(core_part)
    _check_xml(core_xml, core_part)
    pkg.write(core_part, edit_core(core_xml))
    return PackageCopy(pkg.items())


def _add_content_types(ct: bytes, add: list[bytes]) -> bytes:
    have_vml = re.search(rb"""<(?:\w+:)?Default\b[^>]*Extension\s*=\s*["']vml["']""", ct, re.I) is not None
    body = []
    for el in dict.fromkeys(add):
        if b'Extension="vml"' in el:
            if have_vml:
                continue
            have_vml = True
        body.append(el)
    m = re.search(rb"<((?:\w+:)?)Types\b", ct)
    p = m.group(1) if m else b""
    if p:
        body = [b"<" + p + el[1:] for el in body]
    end = ct.rfind(b"</" + p + b"Types>")
    if end < 0:
        raise Unsupported("[Content_Types].xml 格式异常")
    return ct[:end] + b"".join(body) + ct[end:]
