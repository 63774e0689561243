"""The lossless-copy corpus (issue 15 item 2): annotated copies lose nothing.

Workbooks with what openpyxl drops or rewrites (an image, a chart, an x14 data bar and a
sparkline, a data-validation list on another sheet, conditional formats, rich text, existing
comments, defined names at workbook and sheet scope, a hidden sheet, header/footer, VBA,
formulas with cached values, strict OOXML, prefixed namespaces), written by xlsxwriter,
openpyxl and (where installed) LibreOffice, each holding a real form that yields findings.
For every copy: every part of the original is there; untouched parts are byte-identical;
the edited ones differ only where the marks are; openpyxl and calamine open it; the values
are unchanged; the marked cells carry the fill and the comment.
"""

from __future__ import annotations

import copy
import io
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from tests.builders import CLEAN_INDICATORS, Form, project_form
from xlsxtool import api
from xlsxtool.findings import Finding
from xlsxtool.report.annotate import SEVERITY_FILL, MergeIndex, annotate_workbook, output_path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
SHEET = "自评表"
WORKSHEET_ORDER = (  # CT_Worksheet's sequence (ECMA-376 Part 1, 18.3.1.99)
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews mergeCells "
    "phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins pageSetup "
    "headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing "
    "legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts "
    "extLst").split()


# --------------------------------------------------------------------------- the form


def broken_form() -> Form:
    """A project form with two rule breaks: a score above its weight and an empty 实际完成值."""
    indicators = copy.deepcopy(CLEAN_INDICATORS)
    indicators[0]["score"] = 25  # weight 20
    indicators[2]["actual"] = None
    return project_form(indicators=indicators, total=(100, 101))


def _png() -> bytes:
    """A 4×4 red PNG (a scanned seal stands in)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# --------------------------------------------------------------------------- writers


def xlsxwriter_book(path: Path, *, vba: bytes | None = None) -> Path:
    import xlsxwriter

    form = broken_form()
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET)
    data = wb.add_worksheet("数据")
    hidden = wb.add_worksheet("隐藏")
    hidden.hide()
    border = wb.add_format({"border": 1, "num_format": "0.00", "font_name": "宋体"})
    merged = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in form.merges if (r0, c0) != (r1, c1)}
    inside = {(r, c) for (r0, c0), (r1, c1) in merged.items() for r in range(r0, r1 + 1)
              for c in range(c0, c1 + 1)}
    for r, row in enumerate(form.rows):
        for c, value in enumerate(row):
            if (r, c) in merged:
                r1, c1 = merged[(r, c)]
                ws.merge_range(r, c, r1, c1, value, border)
            elif (r, c) not in inside:
                ws.write(r, c, value, border)
    ws.write_comment(0, 0, "审核人：标题请核对", {"author": "张三"})
    ws.set_header("&C&\"宋体\"自评表")
    ws.set_footer("&R第 &P 页")
    ws.insert_image(len(form.rows) + 1, 1, "seal.png", {"image_data": io.BytesIO(_png())})
    ws.data_validation(len(form.rows) + 3, 1, len(form.rows) + 3, 1,
                       {"validate": "list", "source": "=数据!$A$2:$A$6"})
    red = wb.add_format({"bg_color": "#FFC7CE"})
    ws.conditional_format(0, 6, len(form.rows), 7, {"type": "cell", "criteria": ">", "value": 20, "format": red})
    data.write_row(0, 0, ["项目", "金额"])
    for i, (name, amount) in enumerate([("甲", 3), ("乙", 5), ("丙", 2), ("丁", 8), ("戊", 4)], start=1):
        data.write(i, 0, name)
        data.write(i, 1, amount)
    data.write_formula(6, 1, "=SUM(B2:B6)", None, 22)  # cached value 22
    data.conditional_format(1, 1, 5, 1, {"type": "data_bar", "data_bar_2010": True})
    data.add_sparkline(1, 3, {"range": "数据!B2:B6"})
    bold = wb.add_format({"bold": True, "font_color": "red"})
    data.write_rich_string(8, 0, "金额", bold, "单位：万元", "（含结转）")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=数据!$B$2:$B$6", "categories": "=数据!$A$2:$A$6"})
    data.insert_chart(10, 0, chart)
    wb.define_name("总额", "=数据!$B$7")
    wb.define_name("数据!局部", "=数据!$B$2")
    wb.define_name("自评表!打印区", "=自评表!$A$1:$I$20")
    hidden.write(0, 0, "hidden")
    if vba is not None:
        bin_path = path.with_name("vbaProject.bin")
        bin_path.write_bytes(vba)
        wb.add_vba_project(str(bin_path))
    wb.close()
    return path


def openpyxl_book(path: Path) -> Path:
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    form = broken_form()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for r, row in enumerate(form.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    for r0, c0, r1, c1 in form.merges:
        if (r0, c0) != (r1, c1):
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    ws["A1"].comment = Comment("审核人：标题请核对", "张三")
    ws.oddHeader.center.text = "自评表"
    data = wb.create_sheet("数据")
    for i, v in enumerate([3, 5, 2], start=2):
        data.cell(i, 1, f"项{i}")
        data.cell(i, 2, v)
    data["B5"] = "=SUM(B2:B4)"
    dv = DataValidation(type="list", formula1="=数据!$A$2:$A$4")
    ws.add_data_validation(dv)
    dv.add("K3")
    ws.conditional_formatting.add("G1:H40", CellIsRule(operator="greaterThan", formula=["20"],
                                                        fill=PatternFill("solid", start_color="FFC7CE")))
    wb.defined_names["总额"] = DefinedName("总额", attr_text="数据!$B$5")
    data.defined_names["局部"] = DefinedName("局部", attr_text="数据!$B$2")
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    wb.active = 1  # a workbook saved with another sheet active and selected
    ws.sheet_view.tabSelected = False
    data.sheet_view.tabSelected = True
    wb.save(path)
    return path


def _rewrite(src: Path, dest: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, change(item.filename, zin.read(item.filename)))
    return dest


def prefixed(src: Path, dest: Path) -> Path:
    """The same package with the spreadsheetml namespace bound to ``x:`` instead of default."""
    def change(name: str, data: bytes) -> bytes:
        if not name.endswith(".xml") or f'xmlns="{MAIN}"'.encode() not in data:
            return data
        data = data.replace(f'xmlns="{MAIN}"'.encode(), f'xmlns:x="{MAIN}"'.encode())
        return re.sub(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", rb"<\1x:\2", data)
    return _rewrite(src, dest, change)


def strict(src: Path, dest: Path) -> Path:
    """The same package in strict OOXML namespaces (as Excel's "Strict Open XML" saves)."""
    pairs = [
        (MAIN, STRICT_MAIN),
        ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
         "http://purl.oclc.org/ooxml/officeDocument/relationships"),
        ("http://schemas.openxmlformats.org/drawingml/2006/main", "http://purl.oclc.org/ooxml/drawingml/main"),
    ]

    def change(name: str, data: bytes) -> bytes:
        if name.endswith(".rels") and name != "_rels/.rels":
            return data.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
                                b"http://purl.oclc.org/ooxml/officeDocument/relationships/")
        if name == "_rels/.rels":
            return data.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
                                b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument")
        for a, b in pairs:
            data = data.replace(a.encode(), b.encode())
        return data
    return _rewrite(src, dest, change)


def libreoffice(src: Path, folder: Path) -> Path:
    folder.mkdir()
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "xlsx", "--outdir", str(folder), str(src)],
                   check=True, capture_output=True, timeout=180)
    return folder / (src.stem + ".xlsx")


def _fake_vba() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"fake vba project " * 64


# --------------------------------------------------------------------------- the checks


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _cells(xml: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {c.get("r", ""): c for c in root.iter() if _local(c.tag) == "c"}


def _without(xml: bytes, marked: set[str]) -> bytes:
    """A sheet's XML with what marking may change taken out: marked cells' s=, cells the
    copy added (no value), legacyDrawing, tabSelected, spans and the dimension."""
    root = ET.fromstring(xml)
    for el in list(root.iter()):
        name = _local(el.tag)
        if name == "c" and el.get("r") in marked:
            el.attrib.pop("s", None)
        if name == "sheetView":
            el.attrib.pop("tabSelected", None)
        if name == "row":
            el.attrib.pop("spans", None)
            for c in list(el):
                if _local(c.tag) == "c" and c.get("r") in marked and len(c) == 0 and "t" not in c.attrib:
                    el.remove(c)
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) in ("legacyDrawing", "dimension") or (
                    _local(child.tag) == "row" and len(child) == 0 and _local(parent.tag) == "sheetData"
                    and not child.attrib.keys() - {"r"}):
                parent.remove(child)
    return ET.tostring(root)


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """{sheet name: part name} from workbook.xml and its rels."""
    wb = ET.fromstring(parts["xl/workbook.xml"])
    rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for el in wb.iter():
        if _local(el.tag) == "sheet":
            rid = next(v for k, v in el.attrib.items() if k.endswith("}id"))
            t = targets[rid]
            out[el.get("name", "")] = t[1:] if t.startswith("/") else "xl/" + t
    return out


def _values(path: Path) -> dict[str, list[list[Any]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}


def _anchor(path: Path, f: Finding) -> str:
    ws = openpyxl.load_workbook(path)[f.sheet]
    m = re.match(r"([A-Z]+)(\d+)", f.cell or "")
    assert m
    col = openpyxl.utils.column_index_from_string(m.group(1))
    r, c = MergeIndex((x.min_row, x.min_col, x.max_row, x.max_col) for x in ws.merged_cells.ranges).anchor(int(m.group(2)), col)
    return f"{openpyxl.utils.get_column_letter(c)}{r}"


def check_copy(src: Path, findings: list[Finding], *, openpyxl_reads: bool = True) -> Path:
    """Annotate *src* and assert everything the module docstring promises."""
    dest = output_path(src)
    before = src.read_bytes()
    result = annotate_workbook(src, findings, dest, verdict="需修改")
    assert src.read_bytes() == before
    assert result.notes == [], result.notes  # made by the package path, nothing lost to tell
    a, b = _parts(src), _parts(dest)
    assert set(a) <= set(b), set(a) - set(b)  # 0 parts lost

    sheets_a, sheets_b = _sheet_parts(a), _sheet_parts(b)
    assert list(sheets_b)[0].startswith("校验结果") and list(sheets_b)[1:] == list(sheets_a)
    marked: dict[str, set[str]] = {}
    for f in findings:
        if f.sheet in sheets_a and f.cell:
            marked.setdefault(sheets_a[f.sheet], set()).add(f.cell)
    expected_edits = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                      "xl/styles.xml", "docProps/core.xml", "docProps/app.xml"}
    for name in sheets_b.values():  # one comment drawing per sheet: extended, never doubled
        assert len(re.findall(rb"<(?:\w+:)?legacyDrawing ", b[name])) <= 1, name
        children = [_local(c.tag) for c in ET.fromstring(b[name])]
        ranks = [WORKSHEET_ORDER.index(c) for c in children]
        assert ranks == sorted(ranks), (name, children)  # the schema's element order
    for name in a:
        if a[name] == b[name]:
            continue
        if name in sheets_a.values():
            # Marked cells (merged-range anchors included) and the tab selection only.
            anchors = marked.get(name, set()) | _anchors_in(b[name], a[name])
            assert _without(a[name], anchors) == _without(b[name], anchors), name
            continue
        if name.startswith("xl/worksheets/_rels/") or re.search(r"comments?\d*\.xml$|\.vml$", name):
            if name.endswith(".rels"):  # relationships only added
                old = {r.get("Id"): r.attrib for r in ET.fromstring(a[name])}
                new = {r.get("Id"): r.attrib for r in ET.fromstring(b[name])}
                assert all(new[k] == v for k, v in old.items())
            elif name.endswith(".xml"):  # comments only added to
                old_c = {c.get("ref"): c for c in ET.fromstring(a[name]).iter() if _local(c.tag) == "comment"}
                new_c = {c.get("ref"): c for c in ET.fromstring(b[name]).iter() if _local(c.tag) == "comment"}
                for ref, c in old_c.items():
                    assert new_c[ref].get("authorId") == c.get("authorId")
                    assert "".join(new_c[ref].itertext()).startswith("".join(c.itertext()).rstrip())
            else:
                assert b[name].startswith(a[name][:a[name].rfind(b"</xml>")][:200])
            continue
        assert name in expected_edits, f"{name} changed"
        if name == "xl/styles.xml":  # only appended to
            sa, sb = ET.fromstring(a[name]), ET.fromstring(b[name])
            for sec_a in sa:
                sec_b = next(x for x in sb if x.tag == sec_a.tag)
                assert [ET.tostring(x) for x in sec_a] == [ET.tostring(x) for x in sec_b][:len(sec_a)]

    if openpyxl_reads:
        wb = openpyxl.load_workbook(dest, keep_vba=dest.suffix == ".xlsm")
        assert wb.sheetnames[0].startswith("校验结果") and wb.active.title == wb.sheetnames[0]
        assert sum(bool(ws.sheet_view.tabSelected) for ws in wb.worksheets) == 1
        for f in findings:
            if f.sheet in sheets_a and f.cell:
                addr = _anchor(dest, f)
                cell = wb[f.sheet][addr]
                assert cell.comment is not None and f.rule in cell.comment.text, (f.rule, addr)
                color = SEVERITY_FILL.get(f.severity)
                worst = min((g for g in findings if g.sheet == f.sheet and _anchor(dest, g) == addr),
                            key=lambda g: {"error": 0, "warning": 1, "info": 2}[g.severity])
                if color and worst.severity == f.severity:
                    assert cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb)[-6:] == color
    try:
        original = _values(src)
    except Exception:  # noqa: BLE001 - calamine cannot read strict OOXML: nor the copy then
        with pytest.raises(Exception):  # noqa: B017
            _values(dest)
    else:
        copied = _values(dest)
        for name, rows in original.items():
            assert copied[name] == rows, name
    return dest


def _anchors_in(copy_xml: bytes, src_xml: bytes) -> set[str]:
    """Cells whose s= the copy changed: the merged-range anchors findings were moved to."""
    a, b = _cells(src_xml), _cells(copy_xml)
    return {r for r, c in b.items() if r not in a or a[r].get("s") != c.get("s")}


def findings_for(path: Path) -> list[Finding]:
    found = api.check([path]).findings
    anchored = [f for f in found if f.sheet == SHEET and f.cell]
    assert len(anchored) >= 2, [f.rule for f in found]
    return found


# --------------------------------------------------------------------------- the corpus


def test_xlsxwriter_workbook_with_everything(tmp_path: Path) -> None:
    src = xlsxwriter_book(tmp_path / "xw.xlsx")
    findings = findings_for(src)
    findings.append(Finding(rule="T999", severity="warning", file=str(src), sheet=SHEET, cell="A1",
                            message="标题有批注", form="表单", form_id=0))  # onto an existing comment
    findings.append(Finding(rule="T998", severity="error", file=str(src), sheet=SHEET, cell="M60",
                            message="表外的单元格", form="表单", form_id=0))  # no such row or cell
    findings.append(Finding(rule="T997", severity="warning", file=str(src), sheet="数据", cell="B7",
                            message="合计请核对", form=None, form_id=None))  # a sheet with x14, no comments
    dest = check_copy(src, findings)
    b = _parts(dest)
    assert any(n.startswith("xl/media/") for n in b) and any(n.startswith("xl/charts/") for n in b)
    sheet = b["xl/worksheets/sheet2.xml"]
    assert b"x14:dataBar" in sheet and b"x14:sparklineGroup" in sheet
    ws = openpyxl.load_workbook(dest)[SHEET]
    assert ws["A1"].comment.text.startswith("审核人：标题请核对")
    assert "T999 标题有批注" in ws["A1"].comment.text
    assert ws["M60"].comment.text == "T998 表外的单元格" and ws["M60"].fill.fgColor.rgb[-6:] == "FFC7CE"
    comments = next(v for n, v in b.items() if re.search(r"comments?\d*\.xml$", n))
    assert b"<author>\xe5\xbc\xa0\xe4\xb8\x89</author>" in comments  # 张三 kept as an author
    wb = openpyxl.load_workbook(dest)
    assert "总额" in wb.defined_names and "局部" in wb["数据"].defined_names
    assert "打印区" in wb[SHEET].defined_names  # sheet-scoped names follow their sheet
    assert wb["隐藏"].sheet_state == "hidden"
    assert wb[SHEET].HeaderFooter.oddHeader.center.text
    assert openpyxl.load_workbook(dest, data_only=True)["数据"]["B7"].value == 22  # cached value kept


def test_xlsm_keeps_its_macros_byte_for_byte(tmp_path: Path) -> None:
    src = xlsxwriter_book(tmp_path / "macro.xlsm", vba=_fake_vba())
    dest = check_copy(src, findings_for(src))
    assert dest.suffix == ".xlsm"
    assert _parts(dest)["xl/vbaProject.bin"] == _fake_vba()


def test_openpyxl_workbook(tmp_path: Path) -> None:
    src = openpyxl_book(tmp_path / "op.xlsx")
    check_copy(src, findings_for(src))


def test_prefixed_namespaces(tmp_path: Path) -> None:
    plain = xlsxwriter_book(tmp_path / "plain.xlsx")
    src = prefixed(plain, tmp_path / "prefixed.xlsx")
    assert b"<x:worksheet" in _parts(src)["xl/worksheets/sheet1.xml"]
    dest = check_copy(src, findings_for(plain))
    sheet = _parts(dest)["xl/worksheets/sheet1.xml"]
    assert b"<c " not in sheet and b"<row " not in sheet  # what was inserted is prefixed too


def test_strict_ooxml(tmp_path: Path) -> None:
    plain = xlsxwriter_book(tmp_path / "plain.xlsx")
    src = strict(plain, tmp_path / "strict.xlsx")
    findings = findings_for(plain)  # the same cells, found in the transitional twin
    dest = check_copy(src, findings, openpyxl_reads=False)  # openpyxl does not read strict sheets
    b = _parts(dest)
    assert STRICT_MAIN.encode() in b["xl/worksheets/sheet1.xml"]
    assert MAIN.encode() not in b["xl/worksheets/sheet1.xml"] + b["xl/styles.xml"]
    summary = next(v for n, v in b.items() if n.startswith("xl/worksheets/sheet") and "校验结果".encode() in v
                   or (n.startswith("xl/worksheets/sheet") and b"<hyperlink " in v))
    assert STRICT_MAIN.encode() in summary
    assert b"purl.oclc.org/ooxml/officeDocument/relationships/comments" in b["xl/worksheets/_rels/sheet1.xml.rels"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_workbook(tmp_path: Path) -> None:
    src = libreoffice(xlsxwriter_book(tmp_path / "lo_src.xlsx"), tmp_path / "lo")
    check_copy(src, findings_for(src))


def test_a_copy_of_a_copy_starts_afresh(tmp_path: Path) -> None:
    """Re-annotating our own copy (sent back corrected) removes the earlier marks: done by the
    openpyxl path, which the package path hands such a copy to."""
    src = xlsxwriter_book(tmp_path / "again.xlsx")
    first = check_copy(src, findings_for(src))
    second = tmp_path / "second.xlsx"
    found = [f for f in findings_for(src) if f.sheet == SHEET and f.cell]
    kept, dropped = found[0], [f for f in found if _anchor(first, f) != _anchor(first, found[0])]
    assert dropped
    result = annotate_workbook(first, [kept], second, verdict="需修改")
    assert any("已先清除" in n for n in result.notes)
    wb = openpyxl.load_workbook(second)
    assert [n for n in wb.sheetnames if n.startswith("校验结果")] == ["校验结果"]
    ws = wb[SHEET]
    assert kept.rule in ws[_anchor(second, kept)].comment.text
    for f in dropped:  # the first run's marks are gone where this run found nothing
        cell = ws[_anchor(second, f)]
        assert cell.comment is None and cell.fill.fill_type is None, f.cell
    assert ws["A1"].comment.text == "审核人：标题请核对"  # the submitter's own comment stays
    assert api.is_unedited_copy(first.read_bytes())


def test_what_the_package_path_declines_falls_back_with_a_note(tmp_path: Path) -> None:
    plain = xlsxwriter_book(tmp_path / "plain.xlsx")

    def no_styles(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return re.sub(rb'<Relationship [^>]*styles"[^>]*/>', b"", data)
        return data

    src = _rewrite(plain, tmp_path / "nostyles.xlsx", no_styles)
    dest = tmp_path / "out.xlsx"
    result = annotate_workbook(src, findings_for(plain), dest, verdict="需修改")
    assert result.notes and "没有样式表" in result.notes[0]
    assert openpyxl.load_workbook(dest).sheetnames[0] == "校验结果"


def test_missing_cells_and_rows_inherit_the_row_or_column_style(tmp_path: Path) -> None:
    """Cells and rows the sheet XML lacks are inserted in order; a new cell takes its row's
    style (customFormat) or its column's; a self-closing row is opened; spans widen."""
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"], ws["B1"] = 1, 2
    ws["A1"].font = Font(bold=True)  # cellXfs 1
    ws["B1"].font = Font(italic=True)  # cellXfs 2
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    sheet_data = (b'<cols><col min="3" max="3" width="12" style="2" customWidth="1"/></cols><sheetData>'
                  b'<row r="1" spans="1:2"><c r="A1" s="1"><v>1</v></c><c r="B1" s="2"><v>2</v></c></row>'
                  b'<row r="3" spans="1:2" s="1" customFormat="1" ht="20" customHeight="1"/>'
                  b'<row r="5"><c r="B5"><v>5</v></c></row></sheetData>')

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            data = re.sub(rb"(<cols>.*?</cols>)?<sheetData>.*?</sheetData>|<sheetData\s*/>", lambda _m: sheet_data,
                          data, flags=re.S)
        return data

    src = _rewrite(plain, tmp_path / "gaps.xlsx", change)
    cells = ["A1", "C1", "A3", "A4", "A5", "D5", "Z10"]
    findings = [Finding(rule=f"T{i}", severity="error", file=str(src), sheet="S", cell=c, message=f"问题{i}",
                        form="表单", form_id=0) for i, c in enumerate(cells)]
    dest = tmp_path / "gaps_out.xlsx"
    assert annotate_workbook(src, findings, dest, verdict="需修改").notes == []
    out = openpyxl.load_workbook(dest)["S"]
    for i, c in enumerate(cells):
        assert out[c].fill.fill_type == "solid" and out[c].fill.fgColor.rgb[-6:] == "FFC7CE", c
        assert out[c].comment.text == f"T{i} 问题{i}"
    assert out["A1"].font.b and out["A1"].value == 1 and out["B1"].value == 2 and out["B5"].value == 5
    assert out["C1"].font.i  # the column's style
    assert out["A3"].font.b and out.row_dimensions[3].height == 20  # the row's style, height kept
    assert not out["A5"].font.b and not out["D5"].font.i
    sheet = _parts(dest)["xl/worksheets/sheet1.xml"]
    assert b'spans="1:3"' in sheet
    order = [m.decode() for m in re.findall(rb'<c r="([A-Z]+\d+)"', sheet)]
    assert order == ["A1", "B1", "C1", "A3", "A4", "A5", "B5", "D5", "Z10"]
    assert [int(r) for r in re.findall(rb'<row r="(\d+)"', sheet)] == [1, 3, 4, 5, 10]
    assert _values(dest)["S"][4][1] == 5.0


@pytest.mark.parametrize("kind", ["utf16", "cdata", "zip_comment_only"])
def test_parts_the_package_path_cannot_splice_safely(tmp_path: Path, kind: str) -> None:
    """A UTF-16 or CDATA-bearing sheet goes to openpyxl with a note; a zip comment is harmless."""
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["A1"] = "是"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)

    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        if kind == "utf16":
            text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
            if "encoding=" not in text[:100]:
                text = '<?xml version="1.0" encoding="UTF-16"?>' + text
            return text.encode("utf-16")
        if kind == "cdata":
            footer = "<headerFooter><oddHeader><![CDATA[&C页眉]]></oddHeader></headerFooter>"
            return data.replace(b"</worksheet>", footer.encode() + b"</worksheet>")
        return data

    src = _rewrite(plain, tmp_path / f"{kind}.xlsx", change)
    if kind == "zip_comment_only":
        with zipfile.ZipFile(src, "a") as z:
            z.comment = b"written by a mail gateway"
    dest = tmp_path / "out.xlsx"
    finding = Finding(rule="C302", severity="error", file=str(src), sheet="S", cell="A1", message="空",
                      form="表单", form_id=0)
    notes = annotate_workbook(src, [finding], dest, verdict="需修改").notes
    if kind == "zip_comment_only":
        assert notes == []
    else:
        assert len(notes) == 1 and notes[0].startswith("该文件无法直接标注")
    out = openpyxl.load_workbook(dest)
    assert out["S"]["A1"].fill.fgColor.rgb[-6:] == "FFC7CE" and out["S"]["A1"].value == "是"
