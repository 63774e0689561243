"""Tests for the annotated workbook (SPEC §5): xlsxtool.report.annotate."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from xlsxtool.findings import Finding
from xlsxtool.report.annotate import (
    ANNOTATED_SUFFIX,
    COMMENT_SEPARATOR,
    AnnotateResult,
    annotate_workbook,
    output_path,
)
from xlsxtool.report.xlsx_package import PackageCopy

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "samples"
    / "岳阳市教育科学技术研究院_2023年度绩效自评表.xlsx"
)
SHEET = "自评表"
RED = "FFC7CE"
YELLOW = "FFEB9C"


def _f(
    rule: str,
    severity: str,
    sheet: str | None,
    cell: str | None,
    message: str,
    *,
    file: str = "sample.xlsx",
    form: str | None = "表单",
    form_id: int | None = 0,
    expected: str | None = None,
    actual: str | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        file=file,
        sheet=sheet,
        cell=cell,
        form=form,
        message=message,
        expected=expected,
        actual=actual,
        form_id=form_id,
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rgb(cell: Any) -> str | None:
    """The solid fill colour of a cell as 6 hex digits, None when unfilled."""
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return str(cell.fill.fgColor.rgb)[-6:].upper()


def _style(cell: Any, *, fill: bool = True) -> tuple[str, ...]:
    """A comparable snapshot (openpyxl's StyleProxy objects do not compare equal to each other)."""
    parts = [cell.font, cell.border, cell.alignment, cell.number_format, cell.protection]
    if fill:
        parts.append(cell.fill)
    return tuple(repr(p) for p in parts)


def _summary_rows(ws: Any) -> list[tuple[Any, ...]]:
    """The finding rows of the 校验结果 table (row 4 down to the first empty 序号)."""
    rows = []
    for row in ws.iter_rows(min_row=4, max_col=9, values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return rows


def _link(cell: Any) -> str | None:
    """Where a 校验结果 link points, as ``#'sheet'!A1``: the package path writes an internal
    ``location=`` link, the openpyxl path a ``#…`` target."""
    link = cell.hyperlink
    if link is None:
        return None
    return link.target or (f"#{link.location}" if link.location else None)


def _save(wb: Any, path: Path) -> Path:
    wb.save(path)
    return path


# --------------------------------------------------------------------------- the real sample

SAMPLE_FINDINGS = [
    _f("S201", "error", SHEET, "I18", "得分 10 超过分值 8", expected="≤ 8", actual="10"),
    _f("S209", "warning", SHEET, "I18", "目标已完成但得分 6 低于分值 10"),  # same cell: shares
    _f("C305", "error", SHEET, "C2", "标题单元格有误"),  # C2 continues the merge B2:J2
    _f("S212", "warning", SHEET, "H117", "三级指标未评分", form="青少年科技活动", form_id=3),
    _f("T401", "info", SHEET, "E20", "仅供参考"),
    _f("F003", "error", None, None, "未找到自评表", form=None, form_id=None),
    _f("X603", "warning", "不存在的表", "A1", "工作表不存在"),
]


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    src = tmp_path / "sample.xlsx"
    shutil.copyfile(SAMPLE, src)
    return src


@pytest.fixture()
def annotated(sample: Path) -> tuple[Path, Path, AnnotateResult, str]:
    before = _sha(sample)
    dest = output_path(sample)
    result = annotate_workbook(sample, SAMPLE_FINDINGS, dest, verdict="需修改")
    return sample, dest, result, before


def test_source_unchanged_and_copy_written(
    annotated: tuple[Path, Path, AnnotateResult, str],
) -> None:
    src, dest, result, before = annotated
    assert _sha(src) == before
    assert result.path == dest == src.with_name(f"sample{ANNOTATED_SUFFIX}.xlsx")
    assert dest.is_file()
    assert result.notes == []  # the sample loads without openpyxl warnings
    assert not list(src.parent.glob("*.tmp"))


def test_cells_marked_with_fill_and_comment(
    annotated: tuple[Path, Path, AnnotateResult, str],
) -> None:
    _, dest, _, _ = annotated
    ws = openpyxl.load_workbook(dest)[SHEET]

    shared = ws["I18"]
    assert _rgb(shared) == RED  # the error wins over the warning
    assert shared.comment is not None and shared.comment.author == "xlsxtool"
    assert shared.comment.text.splitlines() == [
        "S201 得分 10 超过分值 8",
        "S209 目标已完成但得分 6 低于分值 10",
    ]

    assert _rgb(ws["H117"]) == YELLOW
    assert ws["H117"].comment.text == "S212 三级指标未评分"

    assert _rgb(ws["E20"]) is None or _rgb(ws["E20"]) == _rgb(
        openpyxl.load_workbook(SAMPLE)[SHEET]["E20"]
    )
    assert ws["E20"].comment.text == "T401 仅供参考"  # info: comment only, fill untouched

    # C2 lies inside B2:J2: the mark goes on the top-left cell.
    assert isinstance(ws["C2"], MergedCell)
    assert ws["B2"].comment.text == "C305 标题单元格有误"
    assert _rgb(ws["B2"]) == RED

    commented = {c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None}
    assert commented == {"I18", "H117", "E20", "B2"}


def test_comment_box_grows_with_lines(annotated: tuple[Path, Path, AnnotateResult, str]) -> None:
    _, dest, _, _ = annotated
    ws = openpyxl.load_workbook(dest)[SHEET]
    # openpyxl does not read the box size back; check what it wrote in the VML.
    with zipfile.ZipFile(dest) as z:
        vml = next(z.read(n).decode() for n in z.namelist() if n.endswith(".vml"))
    heights = [int(h) for h in re.findall(r"height:(\d+)px", vml)]
    widths = [int(w) for w in re.findall(r"width:(\d+)px", vml)]
    assert len(heights) == 4 and min(heights) >= 18 and max(heights) > min(heights)
    assert all(300 <= w <= 420 for w in widths)
    assert ws["I18"].comment is not None


def test_summary_sheet(annotated: tuple[Path, Path, AnnotateResult, str]) -> None:
    _, dest, _, _ = annotated
    wb = openpyxl.load_workbook(dest)
    assert wb.sheetnames == ["校验结果", SHEET]
    assert wb.active.title == "校验结果"
    assert not wb[SHEET].sheet_view.tabSelected  # not grouped with the summary

    ws = wb["校验结果"]
    title = ws["A1"].value
    assert "sample.xlsx" in title and "校验结论：需修改" in title
    assert "错误 3 项" in title and "警告 3 项" in title and "提示 1 项" in title
    assert [c.value for c in ws[3]][:9] == [
        "序号",
        "表单",
        "工作表",
        "单元格",
        "规则",
        "级别",
        "问题说明",
        "应为",
        "实际",
    ]
    assert ws.freeze_panes == "A4"

    rows = _summary_rows(ws)
    assert len(rows) == len(SAMPLE_FINDINGS)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    expected_order = sorted(SAMPLE_FINDINGS, key=lambda f: f.sort_key)
    assert [r[4] for r in rows] == [f.rule for f in expected_order]
    assert ws.auto_filter.ref == f"A3:I{3 + len(rows)}"

    labels = {"error": "错误", "warning": "警告", "info": "提示"}
    fills = {"error": RED, "warning": YELLOW, "info": None}
    for i, f in enumerate(expected_order):
        r = 4 + i
        assert ws.cell(r, 6).value == labels[f.severity]
        assert _rgb(ws.cell(r, 6)) == fills[f.severity]
        assert ws.cell(r, 7).value == f.message
    s201 = next(r for r in rows if r[4] == "S201")
    assert s201[7:9] == ("≤ 8", "10")

    links = {}
    for r in range(4, 4 + len(rows)):
        cell = ws.cell(r, 4)
        if cell.hyperlink is not None:
            links[ws.cell(r, 5).value] = _link(cell)
    # File-level and missing-sheet findings are listed but not linked.
    assert set(links) == {"S201", "S209", "C305", "S212", "T401"}
    assert links["S201"] == "#'自评表'!I18"
    assert links["C305"] == "#'自评表'!B2"  # to the marked top-left cell
    for target in links.values():
        sheet_part, addr = target[1:].rsplit("!", 1)
        assert sheet_part.startswith("'") and sheet_part.endswith("'")
        assert sheet_part[1:-1].replace("''", "'") in wb.sheetnames
        wb[sheet_part[1:-1]][addr]  # a valid address on that sheet
    missing = next(r for r in rows if r[4] == "X603")
    assert missing[2:4] == ("不存在的表", "A1")
    file_level = next(r for r in rows if r[4] == "F003")
    assert file_level[2:4] == (None, None)


def test_everything_else_unchanged(annotated: tuple[Path, Path, AnnotateResult, str]) -> None:
    src, dest, _, _ = annotated
    a = openpyxl.load_workbook(src)[SHEET]
    b = openpyxl.load_workbook(dest)[SHEET]
    marked = {"I18", "H117", "B2"}  # fill changed there (E20 is info: nothing but a comment)

    assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
    assert {k: v.width for k, v in a.column_dimensions.items()} == {
        k: v.width for k, v in b.column_dimensions.items()
    }
    assert {k: v.height for k, v in a.row_dimensions.items()} == {
        k: v.height for k, v in b.row_dimensions.items()
    }
    assert a.max_row == b.max_row and a.max_column == b.max_column
    assert a.page_setup.orientation == b.page_setup.orientation

    checked = 0
    for row_a, row_b in zip(a.iter_rows(), b.iter_rows(), strict=True):
        for ca, cb in zip(row_a, row_b, strict=True):
            assert ca.value == cb.value, ca.coordinate
            if ca.coordinate in marked:
                # Only the fill differs on a marked cell.
                assert _style(ca, fill=False) == _style(cb, fill=False), ca.coordinate
            else:
                assert _style(ca) == _style(cb), ca.coordinate
                checked += 1
    assert checked > 3000


def test_output_path_naming(tmp_path: Path) -> None:
    src = tmp_path / "a.xlsx"
    src.write_bytes(b"x")
    first = output_path(src)
    assert first == tmp_path / "a_校验结果.xlsx"
    first.write_bytes(b"old")
    assert output_path(src) == tmp_path / "a_校验结果(2).xlsx"
    (tmp_path / "a_校验结果(2).xlsx").write_bytes(b"old")
    assert output_path(src) == tmp_path / "a_校验结果(3).xlsx"
    assert output_path(src, force=True) == first

    out = tmp_path / "out"
    assert output_path(src, out) == out / "a_校验结果.xlsx"
    assert output_path(tmp_path / "m.xlsm") == tmp_path / "m_校验结果.xlsm"
    assert output_path(tmp_path / "old.xls") == tmp_path / "old_校验结果.xlsx"
    assert output_path(tmp_path / "UP.XLSX") == tmp_path / "UP_校验结果.xlsx"
    # Re-checking an annotated copy never targets the copy itself.
    assert output_path(first, force=True) == tmp_path / "a_校验结果_校验结果.xlsx"


def test_force_overwrites_existing_copy(sample: Path) -> None:
    dest = output_path(sample)
    dest.write_bytes(b"not a workbook")
    assert output_path(sample, force=True) == dest
    annotate_workbook(sample, [], dest, verdict="通过")
    assert zipfile.is_zipfile(dest)
    assert openpyxl.load_workbook(dest).sheetnames[0] == "校验结果"


def test_refuses_to_write_over_source(sample: Path) -> None:
    before = _sha(sample)
    with pytest.raises(ValueError):
        annotate_workbook(sample, [], sample, verdict="通过")
    assert _sha(sample) == before


def test_interrupted_save_leaves_nothing(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Any, filename: Any) -> None:
        Path(filename).write_bytes(b"PK partial")  # as if the process died mid-write
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    monkeypatch.setattr(PackageCopy, "save", boom)  # the package path writes the copy itself
    dest = sample.parent / "out" / "copy.xlsx"
    with pytest.raises(OSError, match="disk full"):
        annotate_workbook(sample, SAMPLE_FINDINGS, dest, verdict="需修改")
    assert not dest.exists()
    assert not list(dest.parent.glob("*.tmp"))
    assert not list(sample.parent.glob("*.tmp"))


def test_interrupted_save_keeps_previous_copy(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = output_path(sample)
    dest.write_bytes(b"previous copy")

    def boom(self: Any, filename: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    monkeypatch.setattr(PackageCopy, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        annotate_workbook(sample, [], dest, verdict="通过")
    assert dest.read_bytes() == b"previous copy"
    assert not list(sample.parent.glob("*.tmp"))


# --------------------------------------------------------------------------- small workbooks


def test_no_findings(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "表1"
    wb.active["A1"] = 1
    src = _save(wb, tmp_path / "ok.xlsx")
    dest = output_path(src)
    annotate_workbook(src, [], dest, verdict="通过")
    out = openpyxl.load_workbook(dest)
    ws = out["校验结果"]
    assert "校验结论：通过 — 错误 0 项，警告 0 项" in ws["A1"].value
    assert ws["A4"].value == "未发现问题"
    assert out["表1"]["A1"].value == 1


def test_existing_comment_kept(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["B3"] = 5
    ws["B3"].comment = Comment("审核人：请核对", "张三")
    src = _save(wb, tmp_path / "c.xlsx")
    dest = tmp_path / "c_out.xlsx"
    annotate_workbook(
        src, [_f("S202", "error", "S", "B3", "得分 -1 小于 0")], dest, verdict="需修改"
    )
    text = openpyxl.load_workbook(dest)["S"]["B3"].comment.text
    assert text.splitlines() == ["审核人：请核对", COMMENT_SEPARATOR, "S202 得分 -1 小于 0"]


def test_formulas_styles_and_other_sheets_kept(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["A1"], ws["A2"], ws["A3"] = 1, 2, "=SUM(A1:A2)"
    thin = Side(style="thin")
    ws["A2"].font = Font(name="宋体", size=14, bold=True, color="FF0000")
    ws["A2"].border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws["A2"].alignment = Alignment(horizontal="center", wrap_text=True)
    ws["A2"].fill = PatternFill("solid", start_color="00B050", end_color="00B050")
    ws["A2"].number_format = "0.00"
    ws.column_dimensions["A"].width = 33
    ws.merge_cells("C1:D2")
    ws.print_area = "A1:D3"
    other = wb.create_sheet("Bob's")
    other["A1"] = "x"
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    src = _save(wb, tmp_path / "f.xlsx")

    dest = tmp_path / "f_out.xlsx"
    findings = [
        _f("S201", "warning", "数据", "A2", "得分 2 超过分值 1"),
        _f("V501", "error", "Bob's", "A1", "不是数字"),
        _f("S206", "error", "数据", "D2", "合并区域内"),  # D2 inside C1:D2 → C1
        _f("B104", "error", "数据", "$A$3", "绝对引用也可"),
    ]
    annotate_workbook(src, findings, dest, verdict="需修改")

    out = openpyxl.load_workbook(dest)
    assert out.sheetnames == ["校验结果", "数据", "Bob's", "隐藏"]
    assert out["隐藏"].sheet_state == "hidden"
    d = out["数据"]
    assert d["A3"].value == "=SUM(A1:A2)"  # formulas stay formulas
    assert d["A2"].font.b and d["A2"].font.sz == 14 and d["A2"].font.name == "宋体"
    assert d["A2"].border.left.style == "thin" and d["A2"].alignment.horizontal == "center"
    assert d["A2"].number_format == "0.00"
    assert _rgb(d["A2"]) == YELLOW
    assert _rgb(d["A3"]) == RED and d["A3"].comment.text == "B104 绝对引用也可"
    assert d["C1"].comment.text == "S206 合并区域内"
    assert d.column_dimensions["A"].width == 33
    assert [str(r) for r in d.merged_cells.ranges] == ["C1:D2"]
    # The sheet-scoped print area still belongs to 数据 although its index moved.
    assert d.print_area == "'数据'!$A$1:$D$3"
    assert out["Bob's"]["A1"].comment.text == "V501 不是数字"

    links = [_link(c) for c in out["校验结果"]["D"] if c.hyperlink is not None]
    assert "#'Bob''s'!A1" in links
    assert "#'数据'!C1" in links


def test_summary_name_taken(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "校验结果"
    wb.create_sheet("校验结果(2)")
    src = _save(wb, tmp_path / "t.xlsx")
    dest = tmp_path / "t_out.xlsx"
    annotate_workbook(src, [_f("C305", "error", "校验结果", "A1", "x")], dest, verdict="需修改")
    out = openpyxl.load_workbook(dest)
    assert out.sheetnames == ["校验结果(3)", "校验结果", "校验结果(2)"]
    assert out.active.title == "校验结果(3)"
    assert out["校验结果"]["A1"].comment.text == "C305 x"


def _with_x14_validation(tmp_path: Path, name: str, *, xml_comment: bool = False) -> Path:
    """A workbook whose sheet carries an x14 data-validation extension (openpyxl drops it)."""
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["A1"] = "是"
    plain = _save(wb, tmp_path / f"plain_{name}")
    src = tmp_path / name
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(src, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                ext = b'<extLst><ext uri="{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}"/></extLst>'
                if xml_comment:  # something the package path declines to edit
                    ext += b"<!-- edited by hand -->"
                data = data.replace(b"</worksheet>", ext + b"</worksheet>")
            zout.writestr(item, data)
    return src


def test_package_path_keeps_what_openpyxl_drops(tmp_path: Path) -> None:
    src = _with_x14_validation(tmp_path, "ext.xlsx")
    dest = tmp_path / "ext_out.xlsx"
    result = annotate_workbook(src, [_f("C302", "error", "S", "A1", "空")], dest, verdict="需修改")
    assert result.notes == []
    with zipfile.ZipFile(dest) as z:
        assert b"{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}" in z.read("xl/worksheets/sheet1.xml")
    assert _rgb(openpyxl.load_workbook(dest)["S"]["A1"]) == RED


def test_load_warnings_become_notes(tmp_path: Path) -> None:
    """A part the package path cannot edit safely: the copy is made with openpyxl, and both
    that and what openpyxl warned about are told to the user."""
    src = _with_x14_validation(tmp_path, "ext.xlsx", xml_comment=True)
    dest = tmp_path / "ext_out.xlsx"
    result = annotate_workbook(src, [_f("C302", "error", "S", "A1", "空")], dest, verdict="需修改")
    assert len(result.notes) == 2
    fallback, note = result.notes
    assert fallback.startswith("该文件无法直接标注") and "openpyxl" in fallback
    assert note.startswith("openpyxl 读取时提示：") and "Data Validation" in note
    assert note.endswith("批注副本中该内容可能丢失")
    ws = openpyxl.load_workbook(dest)["校验结果"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("说明：")]
    assert notes == [f"说明：{fallback}", f"说明：{note}"]
    assert ws["A5"].value is None and ws["A6"].value == f"说明：{fallback}"  # one blank row before
    assert _rgb(openpyxl.load_workbook(dest)["S"]["A1"]) == RED


def test_source_bytes_used_instead_of_path(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["A1"] = "from bytes"
    buf = io.BytesIO()
    wb.save(buf)
    member = tmp_path / "sub.zip" / "inner.xlsx"  # no such file: a member of a .zip
    dest = output_path(member, tmp_path)
    annotate_workbook(member, [], dest, verdict="通过", source_bytes=buf.getvalue())
    out = openpyxl.load_workbook(dest)
    assert out["S"]["A1"].value == "from bytes"
    assert "inner.xlsx" in out["校验结果"]["A1"].value


def _with_fake_vba(src: Path, dest: Path, payload: bytes) -> None:
    """Turn an .xlsx into an .xlsm holding a (fake) vbaProject.bin, as Excel lays it out."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            zout.writestr(item, data)
        zout.writestr("xl/vbaProject.bin", payload)


def test_xlsm_keeps_suffix_and_macros(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["A1"] = 3
    plain = _save(wb, tmp_path / "plain.xlsx")
    src = tmp_path / "macro.xlsm"
    payload = b"\xd0\xcf\x11\xe0fake vba project" * 10
    _with_fake_vba(plain, src, payload)

    dest = output_path(src)
    assert dest.suffix == ".xlsm"
    annotate_workbook(src, [_f("V501", "error", "S", "A1", "不是数字")], dest, verdict="需修改")
    with zipfile.ZipFile(dest) as z:
        assert z.read("xl/vbaProject.bin") == payload
        assert b"macroEnabled" in z.read("[Content_Types].xml")
    out = openpyxl.load_workbook(dest, keep_vba=True)
    assert out["S"]["A1"].comment.text == "V501 不是数字"


def test_values_only_rebuild_for_xls_name(tmp_path: Path) -> None:
    """The .xls path (calamine → new workbook), fed with .xlsx bytes that calamine also reads."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "旧表"
    ws["B2"] = "标题"
    ws.merge_cells("B2:D2")
    ws["B3"], ws["C3"], ws["D3"] = 10, 2.5, "=B3+C3"
    ws["B4"] = "=文本"  # a string that looks like a formula must stay text
    ws["B4"].data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)

    src = tmp_path / "old.xls"  # never written: bytes are passed in
    dest = output_path(src)
    assert dest.name == "old_校验结果.xlsx"
    result = annotate_workbook(
        src,
        [_f("C305", "error", "旧表", "C2", "标题有误")],
        dest,
        verdict="需修改",
        source_bytes=buf.getvalue(),
    )
    assert any("原文件为 .xls" in n for n in result.notes)
    out = openpyxl.load_workbook(dest)
    assert out.sheetnames == ["校验结果", "旧表"]
    o = out["旧表"]
    assert [str(r) for r in o.merged_cells.ranges] == ["B2:D2"]
    assert o["B2"].value == "标题" and o["B2"].comment.text == "C305 标题有误"
    assert o["B3"].value == 10 and o["C3"].value == 2.5
    assert o["D3"].data_type != "f"  # values only (no cached value was stored here)
    assert o["B4"].value == "=文本" and o["B4"].data_type == "s"
    summary = out["校验结果"]
    assert any(isinstance(c.value, str) and "原文件为 .xls" in c.value for c in summary["A"])


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice needed to make a real .xls"
)
def test_real_xls(tmp_path: Path, sample: Path) -> None:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xls", "--outdir", str(tmp_path), str(sample)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    src = tmp_path / "sample.xls"
    before = _sha(src)
    dest = output_path(src)
    assert dest.suffix == ".xlsx"
    result = annotate_workbook(src, SAMPLE_FINDINGS, dest, verdict="需修改")
    assert _sha(src) == before
    assert any("原文件为 .xls" in n for n in result.notes)
    out = openpyxl.load_workbook(dest)
    ws = out[SHEET]
    ref = openpyxl.load_workbook(sample)[SHEET]
    assert sorted(map(str, ws.merged_cells.ranges)) == sorted(map(str, ref.merged_cells.ranges))
    assert ws["B2"].value == ref["B2"].value and ws["B2"].comment.text == "C305 标题单元格有误"
    assert _rgb(ws["I18"]) == RED
    assert len(_summary_rows(out["校验结果"])) == len(SAMPLE_FINDINGS)
