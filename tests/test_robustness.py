"""The bad-input catalog (issue 6): every entry gets a clear F00x answer, nothing crashes, no input
is ever modified."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.builders import Form, one_form, project_form, write_forms
from tests.test_seed import SPLIT, run_cli
from xlsxtool import api

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def check_one(path: Path, tmp_path: Path) -> tuple[int, dict]:
    """Run the CLI as a clerk would (JSON for the assertions), and prove the input is untouched."""
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    proc = run_cli("check", str(path), "--format", "json", "--out", str(tmp_path / "out"))
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    doc = json.loads(proc.stdout)
    (entry,) = doc["files"]
    return proc.returncode, entry


def rules_of(entry: dict) -> list[str]:
    return [f["rule"] for f in entry["findings"]]


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        (b"\xe5\xa7\x93\xe5\x90\x8d,\xe5\xbe\x97\xe5\x88\x86\n\xe5\xbc\xa0\xe4\xb8\x89,10\n", "文本"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "图片"),
        (b"", "0 字节"),
    ],
    ids=["text", "pdf", "png", "empty-file"],
)
def test_not_a_workbook(tmp_path: Path, content: bytes, hint: str) -> None:
    path = tmp_path / "自评表.xlsx"
    path.write_bytes(content)
    code, entry = check_one(path, tmp_path)
    assert code == 1 and rules_of(entry) == ["F001"]
    assert hint in entry["findings"][0]["message"]
    assert entry["verdict"] == "无法读取"


def test_truncated_workbook(tmp_path: Path) -> None:
    data = SPLIT.read_bytes()
    path = tmp_path / "截断.xlsx"
    path.write_bytes(data[: len(data) * 2 // 3])
    code, entry = check_one(path, tmp_path)
    assert rules_of(entry) == ["F001"] and "损坏" in entry["findings"][0]["message"]


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "压缩包改名.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("说明.txt", "这不是表格")
    code, entry = check_one(path, tmp_path)
    assert rules_of(entry) == ["F001"] and "不是 Excel 工作簿" in entry["findings"][0]["message"]


def test_encrypted_workbook_is_f002_not_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "加密.xlsx"
    shutil.copyfile(FIXTURES / "encrypted.xlsx", path)
    code, entry = check_one(path, tmp_path)
    assert code == 1 and rules_of(entry) == ["F002"]
    assert "密码" in entry["findings"][0]["message"]


def test_empty_workbook_lists_the_sheets_it_looked_at(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.create_sheet("Sheet2")
    wb.save(tmp_path / "空.xlsx")
    code, entry = check_one(tmp_path / "空.xlsx", tmp_path)
    assert rules_of(entry) == ["F003"]
    assert "Sheet、Sheet2" in entry["findings"][0]["message"]


def test_workbook_without_any_form(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "工资表"
    wb.active.append(["姓名", "工资"])
    wb.create_sheet("说明").append(["本表为工资发放表"])
    wb.save(tmp_path / "工资.xlsx")
    code, entry = check_one(tmp_path / "工资.xlsx", tmp_path)
    assert code == 1 and rules_of(entry) == ["F003"]
    assert "工资表、说明" in entry["findings"][0]["message"]


def test_form_missing_a_column(tmp_path: Path) -> None:
    path = one_form(tmp_path / "缺列.xlsx", project_form(drop_columns=("得分",)))
    code, entry = check_one(path, tmp_path)
    f005 = [f for f in entry["findings"] if f["rule"] == "F005"]
    assert len(f005) == 1 and "得分" in f005[0]["message"] and f005[0]["cell"] == "A1"


def test_formulas_without_cached_values(tmp_path: Path) -> None:
    path = one_form(tmp_path / "公式.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws["H5"] = "=F5/E5"  # 执行率 as a formula openpyxl saves without a cached value
    ws["I5"] = "=MIN(H5,1)*G5"
    wb.save(path)
    code, entry = check_one(path, tmp_path)
    f004 = [f for f in entry["findings"] if f["rule"] == "F004"]
    assert len(f004) == 1 and f004[0]["cell"] == "H5" and "2 个公式" in f004[0]["message"]
    assert f004[0]["severity"] == "warning"


def test_hidden_sheets_and_rows_are_checked_and_said(tmp_path: Path) -> None:
    bad = project_form(total=(100, 90))  # S206: declared 90, sums to 96
    path = write_forms(tmp_path / "隐藏.xlsx", {"封面": [], "自评表": [(bad, 0, 0)]}, hidden=("自评表",))
    wb = openpyxl.load_workbook(path)
    wb["自评表"].row_dimensions[14].hidden = True
    wb.save(path)
    code, entry = check_one(path, tmp_path)
    assert entry["forms"] == 1 and "S206" in rules_of(entry)
    assert any("隐藏" in n and "自评表" in n for n in entry["notes"])
    assert any("隐藏行" in n for n in entry["notes"])


def test_formatting_dragged_to_the_last_row(tmp_path: Path) -> None:
    path = one_form(tmp_path / "大表.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    from openpyxl.styles import PatternFill

    fill = PatternFill("solid", fgColor="FFFF00")
    for row in (1_048_576, 500_000):
        ws.cell(row=row, column=9).fill = fill
        ws.cell(row=row, column=16384 if row == 1_048_576 else 1).fill = fill
    wb.save(path)
    start = time.perf_counter()
    code, entry = check_one(path, tmp_path)
    assert entry["forms"] == 1 and code == 0
    assert time.perf_counter() - start < 60


def test_overlapping_and_odd_merges(tmp_path: Path) -> None:
    form = project_form()
    form.merges += [(12, 3, 13, 5), (13, 4, 14, 6), (0, 0, 0, 0), (30, 30, 2000, 40)]
    path = one_form(tmp_path / "怪合并.xlsx", Form(rows=form.rows, merges=form.merges))
    code, entry = check_one(path, tmp_path)
    assert entry["forms"] == 1


def test_xls_file_gives_the_same_findings_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "seed.xls"
    shutil.copyfile(FIXTURES / "seed_001_one_per_sheet.xls", path)
    code, xls = check_one(path, tmp_path)
    _, xlsx = check_one(SPLIT, tmp_path)
    key = lambda e: sorted((f["rule"], f["sheet"], f["cell"]) for f in e["findings"])  # noqa: E731
    assert code == 1 and xls["forms"] == 11 and key(xls) == key(xlsx)
    # An .xls cannot be written back: the annotated copy is a new .xlsx.
    assert (tmp_path / "out" / "seed_校验结果.xlsx").exists()


def _minimal_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A workbook as minimal third-party writers (WPS-exported, web tools) make them: inline
    strings, no styles, no shared strings, no docProps, namespace prefixes on every element."""
    from xlsxtool.read import a1

    cells = []
    for r, row in enumerate(rows):
        xml_cells = []
        for c, value in enumerate(row):
            if value is None:
                continue
            ref = a1(r, c)
            if isinstance(value, (int, float)):
                xml_cells.append(f'<x:c r="{ref}"><x:v>{value}</x:v></x:c>')
            else:
                xml_cells.append(f'<x:c r="{ref}" t="inlineStr"><x:is><x:t>{value}</x:t></x:is></x:c>')
        cells.append(f'<x:row r="{r + 1}">{"".join(xml_cells)}</x:row>')
    ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"))
        zf.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><x:workbook {ns} {rel}><x:sheets>'
                    '<x:sheet name="自评表" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"))
        zf.writestr("xl/worksheets/sheet1.xml",
                    f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet {ns}><x:sheetData>{"".join(cells)}</x:sheetData></x:worksheet>')
    return path


def test_minimal_third_party_writer(tmp_path: Path) -> None:
    form = project_form(total=(100, 90))
    path = _minimal_xlsx(tmp_path / "wps.xlsx", form.rows)
    code, entry = check_one(path, tmp_path)
    assert entry["forms"] == 1 and "S206" in rules_of(entry) and code == 1


@pytest.mark.parametrize("name", ["自评表.xls", "自评表.dat"])
def test_wrong_extension_but_valid_content(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copyfile(SPLIT, path)
    code, entry = check_one(path, tmp_path)
    assert entry["forms"] == 11 and code == 1


def test_unreadable_file_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, where chmod 000 does not stop reads: simulate the OS refusal.
    path = one_form(tmp_path / "无权限.xlsx")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = api.check([path])
    assert [f.rule for f in result.findings] == ["F001"]
    assert "权限" in result.findings[0].message


def test_chinese_and_spaces_in_folder_names(tmp_path: Path) -> None:
    folder = tmp_path / "第一批 报送" / "某某 单位"
    folder.mkdir(parents=True)
    shutil.copyfile(SPLIT, folder / "2023 年 自评表.xlsx")
    # Issue 14: JSON writes copies only into --out (mirroring the folders), never beside the inputs.
    out = tmp_path / "输出 文件夹"
    proc = run_cli("check", str(tmp_path / "第一批 报送"), "--format", "json", "--out", str(out))
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1 and doc["summary"]["forms"] == 11
    assert (out / "某某 单位" / "2023 年 自评表_校验结果.xlsx").exists()


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(SPLIT) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        with dst.open("xl/media/padding.bin", "w") as fh:  # 64 MB of zeros, ~64 KB packed
            block = b"\0" * 1_048_576
            for _ in range(64):
                fh.write(block)
    code, entry = check_one(path, tmp_path)
    assert rules_of(entry) == ["F001"] and "压缩炸弹" in entry["findings"][0]["message"]


def test_too_many_zip_members_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "部件过多.xlsx"
    with zipfile.ZipFile(SPLIT) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        for i in range(10_001):
            dst.writestr(f"xl/junk/{i}.xml", "")
    code, entry = check_one(path, tmp_path)
    assert rules_of(entry) == ["F001"] and "部件" in entry["findings"][0]["message"]


def test_xml_entity_expansion_does_not_hang(tmp_path: Path) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    path = tmp_path / "实体.xlsx"
    with zipfile.ZipFile(SPLIT) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, laughs.encode() if item.filename == "xl/sharedStrings.xml" else data)
    proc = subprocess.run([sys.executable, "-m", "xlsxtool", "check", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    json.loads(proc.stdout)


def test_openpyxl_parses_xml_with_defusedxml() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_per_file_time_limit_in_bulk_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slow = one_form(tmp_path / "慢.xlsx")
    real_extract = api.extract

    def stalled(book):  # type: ignore[no-untyped-def]
        if book.path.endswith("慢.xlsx"):
            time.sleep(5)
        return real_extract(book)

    monkeypatch.setattr(api, "extract", stalled)
    fast = one_form(tmp_path / "快.xlsx")
    result = api.check([slow, fast], jobs=1, timeout=0.5)
    by_name = {Path(r.path).name: r for r in result.files}
    assert [f.rule for f in by_name["慢.xlsx"].findings] == ["F001"]
    assert "秒" in by_name["慢.xlsx"].findings[0].message
    assert by_name["快.xlsx"].findings == []


def test_check_bytes_never_raises_on_garbage() -> None:
    for data in (b"", b"PK\x03\x04" + b"\0" * 100, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, io.BytesIO(b"x").read()):
        result = api.check_bytes(data, "x.xlsx")
        assert result.findings and result.findings[0].rule in ("F001", "F002")
