"""The annotated copy of a Word report (SPEC §6): ``<stem>_校验结果.docx``.

Cells with findings are shaded (red for an error, yellow for a warning; every row of a vertically
merged cell) and carry a Word comment with code and message on the cell's text; N7xx findings
are commented on their paragraph; a 校验结果 block is inserted at the top (verdict, counts, one
row per finding with its location, then a page break). Nothing else changes: the other package
parts are carried over (python-docx re-serialises the XML parts it knows, byte for byte
different but the same XML — tests/test_word.py compares them canonicalised).

Findings are found in the document by the same walk as the reader (xlsxtool/word.py): `表N`
is the N-th top-level table, A1 is over its grid, `第N段` the N-th body paragraph of the
*original* (the inserted block comes first in the copy and is not counted).

The copy goes round as a workbook's does (issue 14, item 3): the clerk corrects it and sends it
back. It names xlsxtool as lastModifiedBy, so a folder scan skips it until someone saves it
(api.is_unedited_copy); the reader skips the 校验结果 block (earlier_summary); annotating it
again first removes our earlier marks (remove_earlier_marks), so it carries one verdict only.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ..findings import SEVERITY_ORDER, Finding
from ..read import OLE_MAGIC, parse_a1
from ..word import (
    NARRATIVE_SHEET,
    W_BR,
    W_NS,
    W_P,
    W_TBL,
    W_TC,
    W_TR,
    TableXml,
    body_blocks,
    cell_text,
    convert_legacy,
    location,
    paragraph_text,
    read_table,
)
from .annotate import COMMENT_AUTHOR, SEVERITY_FILL, SEVERITY_LABEL, AnnotateResult, _same_file

SUMMARY_TITLE = "校验结果"
SUMMARY_HEADERS = ("序号", "位置", "表单", "规则", "级别", "问题说明")
SUMMARY_HINT = ("有问题的表格单元格已标红（错误）或标黄（警告），批注写明规则代码和问题；正文问题批注在该段上。"
                "“第N个表格”“第N段”按原文件计数（不含本页）。")
NOTE_PREFIX = "说明："
# How the paragraphs above the 校验结果 table begin (title, which file to fix, hint): what tells
# an earlier run's block from the report's own first paragraphs.
_SUMMARY_LEADS = (f"{SUMMARY_TITLE}：", "改正方法：", "未发现错误", SUMMARY_HINT[:12])
SUMMARY_WIDTHS_CM = (1.1, 3.2, 3.6, 1.4, 1.2, 7.5)  # scaled to the first section's text width
HEADER_FILL = "DDEBF7"
_PARAGRAPH_RE = re.compile(r"^第(\d+)段$")
_W = f"{{{W_NS}}}"
_W_TYPE, _W_ID, _W_AUTHOR, _W_FILL = _W + "type", _W + "id", _W + "author", _W + "fill"
_W_COMMENT, _W_R, _W_R_PR, _W_TC_PR, _W_SHD = _W + "comment", _W + "r", _W + "rPr", _W + "tcPr", _W + "shd"
_W_RANGE_START, _W_RANGE_END = _W + "commentRangeStart", _W + "commentRangeEnd"
_W_REFERENCE = _W + "commentReference"
_W14_PARA_ID = "{http://schemas.microsoft.com/office/word/2010/wordml}paraId"
_OUR_FILLS = {c for c in SEVERITY_FILL.values() if c}  # the shading _shade gives findings' cells
_LOCATION_RE = re.compile(r"^第(\d+)个表格(?:内第(\d+)个表格)?\s+([A-Za-z]{1,3}\d+)$")  # word.location
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# w:tcPr children that come after w:shd (schema order: Word rejects a misplaced element).
_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
              "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange")


class _Tables:
    """The report's tables by name (表N, 表N-k), read lazily with their w:tc elements."""

    def __init__(self, body: Any) -> None:
        self.elements: dict[str, Any] = {}
        self._grids: dict[str, TableXml] = {}
        top = [el for el in body_blocks(body) if el.tag == W_TBL]
        for n, tbl in enumerate(top, 1):
            self.elements[f"表{n}"] = tbl

    def every(self) -> list[tuple[str, TableXml]]:
        """Every table, nested ones included, with its grid (read now if not yet)."""
        for name in [n for n in self.elements if "-" not in n]:
            grid = self.grid(name)
            if grid is not None and grid.nested and f"{name}-1" not in self.elements:
                self._nested(name)
        return [(name, grid) for name in list(self.elements) if (grid := self.grid(name)) is not None]

    def grid(self, name: str) -> TableXml | None:
        if name not in self._grids:
            if name not in self.elements and "-" in name:
                self._nested(name.split("-", 1)[0])
            tbl = self.elements.get(name)
            if tbl is None:
                return None
            self._grids[name] = read_table(tbl, with_elements=True)
        return self._grids[name]

    def _nested(self, owner: str) -> None:
        """Name the tables nested in `owner` as the reader does: depth first, in document order."""
        outer = self.grid(owner)
        if outer is None:
            return
        queue = list(outer.nested)
        k = 0
        while queue:
            el = queue.pop(0)
            k += 1
            name = f"{owner}-{k}"
            self.elements[name] = el
            self._grids[name] = read_table(el, with_elements=True)
            queue[:0] = list(self._grids[name].nested)


def _anchor(grid: TableXml, row: int, col: int) -> tuple[int, int]:
    for r0, c0, r1, c1 in grid.merges:
        if r0 <= row <= r1 and c0 <= col <= c1:
            return r0, c0
    return row, col


def _target(f: Finding, tables: _Tables, paragraphs: list[Any]) -> tuple[str, Any] | None:
    """('cell', [w:tc…]) or ('paragraph', w:p) where a finding is marked; None if nowhere."""
    if not f.sheet or not f.cell:
        return None
    if f.sheet == NARRATIVE_SHEET:
        m = _PARAGRAPH_RE.match(f.cell)
        if m and 1 <= int(m.group(1)) <= len(paragraphs):
            return "paragraph", paragraphs[int(m.group(1)) - 1]
        return None
    grid = tables.grid(f.sheet)
    if grid is None:
        return None
    try:
        row, col = parse_a1(f.cell)
    except ValueError:
        return None
    tcs = grid.cells.get(_anchor(grid, row, col))
    return ("cell", tcs) if tcs else None


def earlier_summary(body: Any) -> list[Any]:
    """The 校验结果 block an earlier run put at the top of *body* (a copy sent back), or [].

    The block is: its paragraphs (title, which file to fix, hint), the table headed
    SUMMARY_HEADERS, the 说明 notes and the paragraph holding the page break, in that order at
    the very start. It is told by its text, as the workbook's 校验结果 sheet is by its name and
    headers: Word, WPS and LibreOffice keep the text and the page break on save but rewrite the
    XML around them (runs split, properties reordered). It is always a prefix of
    body_blocks(body): the reader (word.read_word) skips it, so a corrected copy is checked at the
    original's 表N / 第N段 and our messages are never read as the report's narrative.
    Notes (and empty lines) after the table are counted as ours only when the page break
    follows them: if someone deleted the break, the report's own first lines may be next."""
    block: list[Any] = []
    notes: list[Any] = []
    table_seen = False
    for el in body_blocks(body):
        if el.tag == W_TBL:
            if table_seen or not _is_summary_table(el):
                break
            table_seen = True
            block.append(el)
            continue
        text = paragraph_text(el).strip()
        if not table_seen:
            if text and not text.startswith(_SUMMARY_LEADS):
                break
            block.append(el)  # (an empty line someone added above the table is on our page too)
        elif not text and _has_page_break(el):
            block += notes + [el]
            break
        elif not text or text.startswith(NOTE_PREFIX):
            notes.append(el)
        else:
            break
    return block if table_seen else []


def _is_summary_table(tbl: Any) -> bool:
    tr = tbl.find(W_TR)
    if tr is None:
        return False
    return tuple(cell_text(tc).strip() for tc in tr.findall(W_TC)) == SUMMARY_HEADERS


def _has_page_break(p: Any) -> bool:
    return any(br.get(_W_TYPE) == "page" for br in p.iter(W_BR))


def annotate_docx(source: Path, findings: list[Finding], dest: Path, *, verdict: str,
                  source_bytes: bytes | None = None) -> AnnotateResult:
    """Write the marked-up copy of a Word report to *dest*; the source is only read."""
    import docx

    source, dest = Path(source), Path(dest)
    if source_bytes is None and _same_file(dest, source):
        raise ValueError(f"批注副本不能覆盖原文件：{source}")
    data = source_bytes if source_bytes is not None else source.read_bytes()
    notes: list[str] = []
    if data[:8] == OLE_MAGIC:
        data = convert_legacy(data, source.name)
        notes.append("原文件为 .doc/.wps，批注副本是 LibreOffice 转换后的 .docx")
    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    if remove_earlier_marks(document):  # a copy sent back: only this run's verdict on it
        notes.append("该文件带有上次校验的标记，已先清除旧的标红/标黄、批注和“校验结果”页，再标注本次结果")
    blocks = list(body_blocks(body))
    paragraphs = [el for el in blocks if el.tag == W_P]
    tables = _Tables(body)

    groups: dict[int, tuple[str, Any, list[Finding]]] = {}
    for f in findings:
        target = _target(f, tables, paragraphs)
        if target is None:
            continue
        kind, where = target
        key = id(where[0]) if kind == "cell" else id(where)
        groups.setdefault(key, (kind, where, []))[2].append(f)
    for kind, where, group in groups.values():
        group.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.sort_key))
        text = "\n".join(_clean(f"{f.rule} {f.message}") for f in group)
        if kind == "cell":
            color = SEVERITY_FILL.get(group[0].severity)
            if color:
                for tc in where:
                    _shade(tc, color)
            _comment(document, where[0], text)
        else:
            _comment(document, where, text)
    _insert_summary(document, body, findings, source.name, verdict, notes)
    # As for workbooks: xlsxtool is the copy's last author until someone saves it (Word and WPS
    # put the user's name there), so a folder scan skips an untouched copy (api.is_unedited_copy)
    # and checks a corrected one.
    document.core_properties.last_modified_by = COMMENT_AUTHOR
    _atomic_save(document, dest)
    return AnnotateResult(path=dest, notes=notes)


def remove_earlier_marks(document: Any) -> bool:
    """Take off what an earlier run added, as report/annotate.remove_earlier_marks does for a
    workbook: the 校验结果 block on top (earlier_summary), our comments (author xlsxtool: other
    people's comments and their replies stay) with their anchors, and our red/yellow shading
    on the cells we commented or listed in the old 校验结果 table. Only those cells: a report
    may have cells of its own in the same colours (tables pasted from Excel's 差/适中 styles).
    A cell's own shading from before our first run is not restored (the copy no longer has
    it). Returns whether there was anything to remove."""
    body = document.element.body
    block = earlier_summary(body)
    listed = _listed_cells(block)
    for el in block:
        el.getparent().remove(el)
    ids = _remove_our_comments(document)
    commented = _remove_anchors(document.element, ids)
    shaded = _unshade_marked(_Tables(body), listed, commented) if listed or commented else False
    return bool(block or ids or shaded)


def _listed_cells(block: list[Any]) -> set[tuple[str, str]]:
    """(表N, A1) of the 位置 column of an earlier 校验结果 table ('第9个表格 I16', '第2个表格内第1个表格 B3')."""
    listed: set[tuple[str, str]] = set()
    for tbl in (el for el in block if el.tag == W_TBL):
        for tr in tbl.findall(W_TR)[1:]:
            tcs = tr.findall(W_TC)
            m = _LOCATION_RE.match(cell_text(tcs[1]).strip()) if len(tcs) > 1 else None
            if m:
                sheet = f"表{m.group(1)}" + (f"-{m.group(2)}" if m.group(2) else "")
                listed.add((sheet, m.group(3).upper()))
    return listed


def _remove_our_comments(document: Any) -> set[str]:
    """Remove our w:comment entries (and their records in Word's companion parts); their ids."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:  # never document.comments: that would add an empty comments part to every report
        comments = document.part.part_related_by(RT.COMMENTS).element
    except KeyError:
        return set()
    ids: set[str] = set()
    para_ids: set[str] = set()
    for comment in comments.findall(_W_COMMENT):
        if (comment.get(_W_AUTHOR) or "").strip() == COMMENT_AUTHOR:
            ids.add(comment.get(_W_ID) or "")  # "" matches no anchor: one without an id is not ours to find
            para_ids.update(p.get(_W14_PARA_ID) for p in comment.iter(W_P) if p.get(_W14_PARA_ID))
            comments.remove(comment)
    if para_ids:
        _drop_comment_records(document.part, para_ids)
    return ids


def _drop_comment_records(part: Any, para_ids: set[str]) -> None:
    """Word 2013+ keeps per-comment records keyed by the paraId of the comment's last paragraph
    (commentsExtended: replies and 'resolved'; commentsIds and commentsExtensible: durable ids).
    Drop those of removed comments; a reply to one of ours becomes a comment of its own rather
    than pointing at a comment that is gone."""
    from lxml import etree

    from ..word import parse_xml

    parts = {}
    for rel in part.rels.values():
        kind = rel.reltype.rsplit("/", 1)[-1]
        if not rel.is_external and kind in ("commentsExtended", "commentsIds", "commentsExtensible"):
            parts[kind] = rel.target_part
    durable: set[str] = set()
    for kind in ("commentsExtended", "commentsIds", "commentsExtensible"):  # ids found in the 2nd serve the 3rd
        target = parts.get(kind)
        if target is None:
            continue
        element = getattr(target, "_element", None)  # an XmlPart, should python-docx learn these parts
        root = element if element is not None else parse_xml(target.blob)
        for entry in list(root):
            ns = etree.QName(entry).namespace or ""
            para, durable_id = entry.get(f"{{{ns}}}paraId"), entry.get(f"{{{ns}}}durableId")
            if (durable_id in durable) if kind == "commentsExtensible" else (para in para_ids):
                if kind == "commentsIds" and durable_id:
                    durable.add(durable_id)
                root.remove(entry)
            elif entry.get(f"{{{ns}}}paraIdParent") in para_ids:
                del entry.attrib[f"{{{ns}}}paraIdParent"]
        if element is None:  # a plain Part: python-docx writes its bytes as they are
            target._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _remove_anchors(root: Any, ids: set[str]) -> list[Any]:
    """Remove the range marks and reference runs of comments *ids*; the w:tc that held them."""
    if not ids:
        return []
    cells: list[Any] = []
    marks = [el for el in root.iter(_W_RANGE_START, _W_RANGE_END, _W_REFERENCE) if el.get(_W_ID) in ids]
    for el in marks:
        tc = next(el.iterancestors(W_TC), None)
        if tc is not None:
            cells.append(tc)
        parent = el.getparent()
        if el.tag == _W_REFERENCE and parent.tag == _W_R and all(c.tag in (_W_R_PR, _W_REFERENCE) for c in parent):
            el = parent  # the run we added to carry the reference
            parent = el.getparent()
        elif el.tag == _W_RANGE_START:
            # Copies before this version anchored an empty cell's comment on an added empty run.
            nxt = el.getnext()
            if nxt is not None and nxt.tag == _W_R and len(nxt) == 0:
                parent.remove(nxt)
        parent.remove(el)
    return cells


def _unshade_marked(tables: _Tables, listed: set[tuple[str, str]], commented: list[Any]) -> bool:
    """Remove our fills from the cells an earlier run listed or commented (every row of a
    vertically merged cell, as _shade set them)."""
    held = set(commented)
    done = False
    for name, grid in tables.every():
        wanted = set()
        for sheet, cell in listed:
            if sheet == name:
                wanted.add(_anchor(grid, *parse_a1(cell)))
        for anchor, tcs in grid.cells.items():
            if anchor in wanted or any(tc in held for tc in tcs):
                for tc in tcs:
                    done |= _unshade(tc)
    return done


def _unshade(tc: Any) -> bool:
    """Remove a w:shd in exactly one of our colours from a cell; whether there was one."""
    tc_pr = tc.find(_W_TC_PR)
    found = False
    for shd in tc_pr.findall(_W_SHD) if tc_pr is not None else ():
        if (shd.get(_W_FILL) or "").upper() in _OUR_FILLS:
            tc_pr.remove(shd)
            found = True
    return found


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("", text)


def _shade(tc: Any, color: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), color)
    tc_pr.insert_element_before(shd, *_AFTER_SHD)


def _comment(document: Any, element: Any, text: str) -> None:
    """A Word comment over a paragraph's runs, or over a cell's first paragraph that has text."""
    from docx.oxml import OxmlElement
    from docx.text.paragraph import Paragraph

    candidates = [element] if element.tag == W_P else list(element.iter(W_P))
    if not candidates:
        return
    for p in candidates:
        runs = Paragraph(p, document._body).runs
        if runs:
            document.add_comment(runs, text=text, author=COMMENT_AUTHOR, initials="XT")
            return
    # An empty cell, or a paragraph whose text sits in hyperlinks only: the range marks and the
    # reference run go in by themselves (no empty run of ours stays behind once they are removed).
    comment = document.comments.add_comment(text=text, author=COMMENT_AUTHOR, initials="XT")
    placeholder = OxmlElement("w:r")
    candidates[0].append(placeholder)
    placeholder.insert_comment_range_start_above(comment.comment_id)
    placeholder.insert_comment_range_end_and_reference_below(comment.comment_id)
    candidates[0].remove(placeholder)


def _insert_summary(document: Any, body: Any, findings: list[Finding], file_name: str, verdict: str,
                    notes: list[str]) -> None:
    """校验结果 at the top: a title line, the findings table, notes, then a page break."""
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt, RGBColor

    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in SEVERITY_LABEL}
    totals = f"错误 {counts['error']} 项，警告 {counts['warning']} 项"
    added: list[Any] = []
    title = document.add_paragraph()
    run = title.add_run(_clean(f"{SUMMARY_TITLE}：{verdict} — {totals}（{file_name}）"))
    run.bold = True
    run.font.size = Pt(14)
    added.append(title._p)
    guide = document.add_paragraph()
    guide_run = guide.add_run(fix_and_send_back(verdict))
    guide_run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)  # as the workbook's 校验结果 says it
    added.append(guide._p)
    hint = document.add_paragraph()
    hint.add_run(SUMMARY_HINT).font.size = Pt(9)
    added.append(hint._p)
    rows = sorted(findings, key=lambda f: f.sort_key)
    table = document.add_table(rows=1 + max(1, len(rows)), cols=len(SUMMARY_HEADERS))
    _borders(table)
    header = table.rows[0].cells
    for cell, name in zip(header, SUMMARY_HEADERS, strict=True):
        cell.paragraphs[0].add_run(name).bold = True
        _shade(cell._tc, HEADER_FILL)
    for i, f in enumerate(rows, start=1):
        values = (str(i), location(f, True) or "—", f.form or "", f.rule, SEVERITY_LABEL.get(f.severity, f.severity),
                  f.message)
        cells = table.rows[i].cells
        for cell, value in zip(cells, values, strict=True):
            cell.paragraphs[0].add_run(_clean(value)).font.size = Pt(9)
        color = SEVERITY_FILL.get(f.severity)
        if color:
            _shade(cells[4]._tc, color)
    if not rows:
        table.rows[1].cells[0].merge(table.rows[1].cells[-1]).paragraphs[0].add_run("未发现问题")
    table.autofit = False
    section = document.sections[0]
    try:
        usable = section.page_width - section.left_margin - section.right_margin
        scale = usable / Cm(sum(SUMMARY_WIDTHS_CM)) if usable > 0 else 1.0
    except TypeError:  # a section without page size or margins: keep the widths as given
        scale = 1.0
    widths = [int(Cm(w) * scale) for w in SUMMARY_WIDTHS_CM]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # w:gridCol, which LibreOffice and WPS lay the table out by
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width  # w:tcW, which Word prefers
    added.append(table._tbl)
    for note in notes:
        p = document.add_paragraph()
        p.add_run(_clean(f"{NOTE_PREFIX}{note}")).font.size = Pt(9)
        added.append(p._p)
    brk = document.add_paragraph()
    brk.add_run().add_break(WD_BREAK.PAGE)
    added.append(brk._p)
    for n, el in enumerate(added):  # move the block from the end of the body to its start
        body.insert(n, el)


def fix_and_send_back(verdict: str) -> str:
    """The line under the title: which file the submitter corrects and returns. The copy itself,
    as for a workbook (report/annotate.fix_and_send_back): a .doc/.wps came back as a .docx,
    which is the format to submit anyway."""
    if verdict == "通过":
        return "未发现错误；如有警告请复核。"
    return ("改正方法：直接在本文件中改正标红（错误）、标黄（警告）的单元格和批注指出的正文，保存后把本文件发回即可；"
            "本页和批注不用删除，再次检查时会自动清除。")


def _borders(table: Any) -> None:
    """Single borders on every cell, set on the table itself (the report may lack a grid style)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "808080")
        borders.append(el)
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                 "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _atomic_save(document: Any, dest: Path) -> None:
    """Save beside *dest* and rename: no half-written copy is ever seen."""
    from .annotate import _umask

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, suffix=".tmp", prefix=".xlsxtool-")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        document.save(str(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

