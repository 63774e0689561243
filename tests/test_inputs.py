"""What a run reads (issue 14): nothing silently skipped or passed, zips inside zips, corrected
copies sent back, .ods and .et, and one oversized sheet that must not cost the others."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest

from tests.builders import CLEAN_INDICATORS, Form, one_form, project_form, write_forms
from tests.test_seed import SPLIT, run_cli
from xlsxtool import api, read

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _json(proc: object) -> dict:
    return json.loads(proc.stdout)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ item 1: nothing checked
@pytest.mark.parametrize("kind", ["empty-folder", "only-pdf-et-ods-junk", "zip-of-pdfs", "glob-of-skipped"])
def test_nothing_checked_is_exit_2_with_a_clear_message(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "报送"
    folder.mkdir()
    args: list[str] = [str(folder)]
    if kind == "only-pdf-et-ods-junk":
        (folder / "自评报告.pdf").write_bytes(b"%PDF-1.7\n")
        (folder / "说明.docx.txt").write_text("说明", encoding="utf-8")
        (folder / "~$自评表.xlsx").write_bytes(b"lock")
    elif kind == "zip-of-pdfs":
        with zipfile.ZipFile(folder / "材料.zip", "w") as zf:
            zf.writestr("报告一.pdf", b"%PDF-1.7\n")
            zf.writestr("报告二.pdf", b"%PDF-1.7\n")
    elif kind == "glob-of-skipped":
        (folder / "a.pdf").write_bytes(b"%PDF-1.7\n")
        args = [str(folder / "*.pdf")]
    proc = run_cli("check", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "结论：通过" not in proc.stdout
    assert "没有检查任何文件" in proc.stdout
    if kind != "empty-folder":
        assert "跳过" in proc.stdout and "不是工作簿" in proc.stdout


def test_every_skipped_file_is_listed_with_why(tmp_path: Path) -> None:
    folder = tmp_path / "报送"
    folder.mkdir()
    one_form(folder / "自评表.xlsx")
    (folder / "自评报告.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / "~$自评表.xlsx").write_bytes(b"lock")
    out = tmp_path / "输出"
    proc = run_cli("check", str(folder), "--out", str(out))
    assert proc.returncode == 0
    assert "跳过 2 个文件" in proc.stdout and "自评报告.pdf（不是工作簿或 Word 报告）" in proc.stdout
    doc = _json(run_cli("check", str(folder), "--format", "json"))
    reasons = {Path(s["path"]).name: s["reason"] for s in doc["skipped"]}
    assert reasons == {"自评报告.pdf": "不是工作簿或 Word 报告", "~$自评表.xlsx": "Office 打开文件时生成的临时文件"}
    ws = openpyxl.load_workbook(out / "校验汇总.xlsx")["跳过的文件"]
    rows = {Path(r[0]).name: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows == reasons


def test_skipped_files_of_the_same_name_are_told_apart(tmp_path: Path) -> None:
    # One unit's 自评报告.pdf loose in the folder, another's inside its zip: the console line must
    # say which is which, or the reviewer reads the same name twice and cannot find the second.
    folder = tmp_path / "报送"
    folder.mkdir()
    one_form(folder / "自评表.xlsx")
    (folder / "自评报告.pdf").write_bytes(b"%PDF-1.7\n")
    with zipfile.ZipFile(folder / "乙单位.zip", "w") as zf:
        zf.writestr("自评报告.pdf", b"%PDF-1.7\n")
    proc = run_cli("check", str(folder), "--no-annotate")
    assert "乙单位.zip/自评报告.pdf（不是工作簿或 Word 报告）" in proc.stdout
    assert "报送/自评报告.pdf（不是工作簿或 Word 报告）" in proc.stdout


# ------------------------------------------------------------------ item 2: zips inside zips
def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_inside_the_batch_zip_is_read(tmp_path: Path) -> None:
    form = one_form(tmp_path / "f.xlsx").read_bytes()
    unit = _zip_bytes({"项目表/自评表.xlsx": SPLIT.read_bytes(), "说明.pdf": b"%PDF"})
    deeper = _zip_bytes({"d.zip": _zip_bytes({"e.zip": _zip_bytes({"太深.xlsx": form})})})
    batch = tmp_path / "局汇总.zip"
    batch.write_bytes(_zip_bytes({"单位甲.zip": unit, "单位乙/表.xlsx": form, "套娃.zip": deeper}))
    result = api.check([batch])
    by_path = {r.path: r for r in result.files}
    member = f"{batch}/单位甲.zip/项目表/自评表.xlsx"
    assert set(by_path) == {member, f"{batch}/单位乙/表.xlsx"}
    assert by_path[member].forms == 11 and by_path[member].verdict == "需修改"
    skipped = {s.path.removeprefix(f"{batch}/"): s.reason for s in result.skipped}
    assert skipped["单位甲.zip/说明.pdf"] == "不是工作簿或 Word 报告"
    assert "嵌套超过 3 层" in skipped["套娃.zip/d.zip/e.zip"]


def _zeros_zip(name: str, mb: int) -> bytes:
    """A zip holding *mb* MB of zeros under *name* (packed ~1000×: a zip bomb's ratio)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(name, "w") as fh:
        for _ in range(mb):
            fh.write(b"\0" * 1_000_000)
    return buf.getvalue()


def test_nested_zips_get_the_size_and_ratio_limits(tmp_path: Path) -> None:
    # A workbook bomb two zips down is refused as a top-level one is (F001, nothing expanded).
    bomb = io.BytesIO()
    with zipfile.ZipFile(SPLIT) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/media/padding.bin", b"\0" * 64_000_000)
    batch = tmp_path / "批次.zip"
    batch.write_bytes(_zip_bytes({"单位.zip": _zip_bytes({"表.xlsx": bomb.getvalue()})}))
    (entry,) = api.check([batch]).files
    assert entry.verdict == "无法读取" and "压缩炸弹" in entry.findings[0].message
    # A member that is itself a bomb: never read (a workbook → F001; a zip → skipped, said why).
    batch.write_bytes(_zip_bytes({"单位.zip": _zeros_zip("表.xlsx", 60)}))
    (entry,) = api.check([batch]).files
    assert entry.verdict == "无法读取" and "压缩炸弹" in entry.findings[0].message
    outer = tmp_path / "外层.zip"
    outer.write_bytes(_zeros_zip("巨大.zip", 60))
    result = api.check([outer])
    assert result.files == [] and "压缩炸弹" in result.skipped[0].reason
    assert result.exit_code == 2


# ------------------------------------------------------------------ item 3: copies sent back
def test_corrected_copy_sent_back_is_checked_and_its_old_marks_go(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    shutil.copyfile(SPLIT, inbox / "表.xlsx")
    assert run_cli(str(inbox / "表.xlsx")).returncode == 1  # dropped: the copy is written beside it
    copy = inbox / "表_校验结果.xlsx"
    # An untouched copy from an earlier run is listed as skipped, not checked twice…
    doc = _json(run_cli("check", str(inbox), "--format", "json"))
    assert [Path(f["path"]).name for f in doc["files"]] == ["表.xlsx"]
    assert [Path(s["path"]).name for s in doc["skipped"]] == ["表_校验结果.xlsx"]
    # …but the clerk's corrected copy is: they fixed a cell and saved it (Excel names them).
    wb = openpyxl.load_workbook(copy)
    wb.properties.lastModifiedBy = "张三"
    wb.save(copy)
    (inbox / "表.xlsx").unlink()
    proc = run_cli("check", str(inbox), "--out", str(tmp_path / "out"), "--format", "json")
    doc = _json(proc)
    assert [Path(f["path"]).name for f in doc["files"]] == ["表_校验结果.xlsx"]
    assert doc["files"][0]["forms"] == 11  # the old 校验结果 sheet is not a form
    new = openpyxl.load_workbook(doc["files"][0]["annotated"])
    assert [n for n in new.sheetnames if n.startswith("校验结果")] == ["校验结果"]
    comments = [c.comment.text for ws in new.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert comments and not any("—— xlsxtool ——" in t for t in comments)  # no old comment kept beside the new


def test_explicit_copy_is_always_checked(tmp_path: Path) -> None:
    src = tmp_path / "表.xlsx"
    shutil.copyfile(SPLIT, src)
    run_cli(str(src))
    result = api.check([tmp_path / "表_校验结果.xlsx"])
    assert [r.forms for r in result.files] == [11] and result.skipped == []


# ------------------------------------------------------------------ item 5: .ods and .et
def ods_bytes(form: Form, sheet: str = "自评表") -> bytes:
    """A minimal OpenDocument spreadsheet holding one form (values and merged ranges)."""
    span = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in form.merges if (r0, c0) != (r1, c1)}
    covered = {(r, c) for r0, c0, r1, c1 in form.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    covered -= set(span)
    width = max(len(r) for r in form.rows)
    rows = []
    for r, row in enumerate(form.rows):
        cells = []
        for c in range(width):
            v = row[c] if c < len(row) else None
            if (r, c) in covered:
                cells.append("<table:covered-table-cell/>")
                continue
            attrs = ""
            if (r, c) in span:
                attrs = f' table:number-rows-spanned="{span[r, c][0]}" table:number-columns-spanned="{span[r, c][1]}"'
            if v is None:
                cells.append(f"<table:table-cell{attrs}/>")
            elif isinstance(v, (int, float)):
                cells.append(f'<table:table-cell{attrs} office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>')
            else:
                cells.append(f'<table:table-cell{attrs} office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>')
        rows.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{"".join(rows)}'
        "</table:table></office:spreadsheet></office:body></office:document-content>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>"), zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def test_ods_is_read_like_xlsx(tmp_path: Path) -> None:
    indicators = [dict(ind) for ind in CLEAN_INDICATORS]
    indicators[1]["score"] = 12  # 得分 12 above its 分值 10
    bad = project_form(name="超分项目", indicators=indicators)
    ods = tmp_path / "自评表.ods"
    ods.write_bytes(ods_bytes(bad))
    xlsx = one_form(tmp_path / "自评表.xlsx", bad)
    got, want = api.check([ods]), api.check([xlsx])
    assert got.files[0].verdict != "无法读取" and got.files[0].forms == 1
    key = lambda r: sorted((f.rule, f.cell) for f in r.findings)  # noqa: E731
    assert key(got) == key(want) and got.errors
    # Its copy is a new .xlsx built from the values (formatting cannot be carried over).
    written, _ = api.annotate_all(got, out_dir=tmp_path / "out")
    assert Path(written[str(ods)]).name == "自评表_校验结果.xlsx"


def test_et_read_when_calamine_can_else_a_clear_message(tmp_path: Path) -> None:
    et = tmp_path / "自评表.et"  # older WPS .et files are BIFF, as .xls
    shutil.copyfile(FIXTURES / "seed_001_one_per_sheet.xls", et)
    other = tmp_path / "新版.et"
    other.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)  # OLE, but not a workbook calamine knows
    result = api.check([tmp_path])
    by_name = {Path(r.path).name: r for r in result.files}
    assert by_name["自评表.et"].forms == 11
    assert by_name["新版.et"].verdict == "无法读取"
    assert "WPS 表格格式（.et），请另存为 .xlsx" in by_name["新版.et"].findings[0].message


# ------------------------------------------------------------------ item 6: the cell limit per sheet
def test_oversized_sheet_is_skipped_and_the_others_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_forms(tmp_path / "大表.xlsx", {"自评表": [(project_form(), 0, 0)]})
    wb = openpyxl.load_workbook(path)
    dump = wb.create_sheet("数据")
    for r in range(1, 41):
        for c in range(1, 41):
            dump.cell(row=r, column=c, value=r * c)
    wb.save(path)
    monkeypatch.setattr(read, "MAX_CELLS_PER_SHEET", 1000)  # 40 × 40 = 1600 cells is "too big"
    result = api.check([path])
    (entry,) = result.files
    assert entry.forms == 1 and entry.error is None
    assert [f.rule for f in entry.findings] == []
    assert any("工作表“数据”" in n and "已跳过该表" in n for n in entry.notes)
