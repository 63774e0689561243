"""Issue 15: a bulk run reported file by file (bounded memory), the compact console, one open zip
per archive, and data sheets beside the forms skipped cheaply — all with the same findings."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.builders import CLEAN_INDICATORS, one_form, project_form, write_forms
from xlsxtool import api, cli
from xlsxtool.report import export
from xlsxtool.report.console import FEW_FILES

ROOT = Path(__file__).resolve().parents[1]
SPLIT = ROOT / "samples" / "岳阳市教育科学技术研究院_2023年度绩效自评表_分表.xlsx"


def _bad(path: Path, score: int = 12) -> Path:
    indicators = [dict(ind) for ind in CLEAN_INDICATORS]
    indicators[1]["score"] = score
    return one_form(path, project_form(name="超分项目", indicators=indicators))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven submissions: clean, with errors, unreadable, a note-only text file skipped."""
    folder = tmp_path_factory.mktemp("inbox")
    for i in range(3):
        one_form(folder / f"单位{i}" / "自评表.xlsx")
    for i in range(3):
        _bad(folder / f"有错{i}.xlsx", score=11 + i)
    (folder / "坏文件.xlsx").write_bytes(b"not a workbook")
    (folder / "说明.txt").write_text("材料清单", encoding="utf-8")
    return folder


def _cli(args: list[str], capsys: pytest.CaptureFixture[bytes]) -> tuple[int, bytes]:
    code = cli.main(args)
    return code, capsys.readouterr().out


def test_streamed_json_is_the_whole_document(inbox: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    # The document written as files are checked is byte for byte the one built from the run.
    code, out = _cli(["check", str(inbox), str(inbox / "不存在.xlsx"), "--format", "json", "--jobs", "1"],
                     capsysbinary)
    result = api.check([inbox, inbox / "不存在.xlsx"])
    expected = export.dumps_check_json(export.result_json(result)) + "\n"
    assert code == 1
    assert out.decode("utf-8") == expected
    doc = json.loads(out)
    assert doc["summary"] == {"files": 8, "forms": 6, "errors": result.errors, "warnings": result.warnings}
    assert [s["path"].rsplit("/", 1)[-1] for s in doc["skipped"]] == ["说明.txt"]


def test_jsonl_one_line_per_file_then_the_totals(inbox: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code, out = _cli(["check", str(inbox), "--format", "jsonl", "--jobs", "1"], capsysbinary)
    _, whole = _cli(["check", str(inbox), "--format", "json", "--jobs", "1"], capsysbinary)
    doc = json.loads(whole)
    lines = out.decode("utf-8").splitlines()
    assert code == 1 and len(lines) == len(doc["files"]) + 1 == 8
    assert [json.loads(line) for line in lines[:-1]] == doc["files"]  # each file's entry, as in `files`
    assert json.loads(lines[-1]) == {"schema_version": doc["schema_version"], "skipped": doc["skipped"],
                                     "summary": doc["summary"]}


def test_streamed_csv_is_the_whole_table(inbox: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    _, out = _cli(["check", str(inbox), "--format", "csv", "--jobs", "1"], capsysbinary)
    assert out.decode("utf-8") == export.findings_csv(api.check([inbox]), bom=True)


def test_bulk_console_has_a_line_per_file_few_files_the_tables(
        inbox: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    # A bulk run: a verdict line for every file, the unreadable one says why.
    _, out = _cli(["check", str(inbox), "--no-annotate", "--jobs", "1"], capsysbinary)
    text = out.decode("utf-8")
    assert len(list(inbox.rglob("*.xlsx"))) > FEW_FILES
    for i in range(3):
        assert f"✔ 通过  {inbox / f'单位{i}' / '自评表.xlsx'}" in text
    assert f"⚠ 无法读取  {inbox / '坏文件.xlsx'}" in text
    assert "共检查 7 个文件" in text
    # A few files: the per-form tables of those with findings, nothing for a clean one.
    few = tmp_path / "few"
    one_form(few / "无错.xlsx")
    _bad(few / "有错.xlsx")
    _, out = _cli(["check", str(few), "--no-annotate", "--jobs", "1"], capsysbinary)
    text = out.decode("utf-8")
    assert "✔ 通过" not in text and "✘ 需修改" in text and "┏" in text  # a table with a border
    assert "S201" in text


def test_summary_workbook_from_the_stream_is_the_one_of_the_run(
        inbox: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    out = tmp_path / "out"
    code, _ = _cli(["check", str(inbox), "--no-annotate", "--out", str(out), "--jobs", "1"], capsysbinary)
    assert code == 1
    whole = api.write_summary(api.check([inbox]), tmp_path / "whole.xlsx")
    streamed, built = openpyxl.load_workbook(out / "校验汇总.xlsx"), openpyxl.load_workbook(whole)
    assert streamed.sheetnames == built.sheetnames == ["汇总", "问题清单", "规则统计", "各表得分", "跳过的文件"]
    for name in streamed.sheetnames:
        rows = [list(r) for r in streamed[name].iter_rows(values_only=True)]
        assert rows == [list(r) for r in built[name].iter_rows(values_only=True)], name
        assert len(rows) > 1


def test_many_members_of_one_zip_all_read(tmp_path: Path) -> None:
    data = _bad(tmp_path / "one.xlsx").read_bytes()
    clean = one_form(tmp_path / "clean.xlsx").read_bytes()
    archive = tmp_path / "报送.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(300):
            zf.writestr(f"县{i % 7}/单位{i:03d}.xlsx", data if i % 3 else clean)
    opened = []
    real = zipfile.ZipFile

    def counting(file: object, *args: object, **kwargs: object) -> zipfile.ZipFile:
        if isinstance(file, (str, Path)):
            opened.append(str(file))
        return real(file, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zipfile, "ZipFile", counting)
        result = api.check([archive], jobs=1)
    assert len(result.files) == 300
    one = [f.rule for f in api.check([tmp_path / "one.xlsx"]).findings]
    for i, r in enumerate(result.files):
        assert r.path == f"{archive}/县{i % 7}/单位{i:03d}.xlsx"
        assert [f.rule for f in r.findings] == (one if i % 3 else [])
    assert opened.count(str(archive)) <= 2  # listed once, read through one open zip (not once per member)


def test_a_zip_replaced_between_runs_is_read_afresh(tmp_path: Path) -> None:
    archive = tmp_path / "报送.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.xlsx", _bad(tmp_path / "bad.xlsx").read_bytes())
    assert api.check([archive]).errors
    archive.unlink()
    with zipfile.ZipFile(archive, "w") as zf:  # corrected and sent again under the same name
        zf.writestr("a.xlsx", one_form(tmp_path / "ok.xlsx").read_bytes())
    assert api.check([archive]).errors == 0


def _ledger(ws: openpyxl.worksheet.worksheet.Worksheet, rows: int, top: int = 1) -> None:
    for r in range(top, top + rows):
        ws.append([f"2023-{1 + r % 12:02d}-{1 + r % 28:02d}", f"记-{r:06d}", f"支付办公用品{r}号单据款项",
                   "办公费", round(r * 1.37, 2), "张伟"])


def test_data_sheet_beside_the_forms_changes_no_finding(tmp_path: Path) -> None:
    plain = _bad(tmp_path / "表.xlsx")
    with_data = tmp_path / "表加明细.xlsx"
    shutil.copyfile(plain, with_data)
    wb = openpyxl.load_workbook(with_data)
    _ledger(wb.create_sheet("明细账"), 12_000)  # more distinct texts than a form sheet has
    wb.save(with_data)

    def rules(path: Path) -> list[tuple[str, str | None, str | None]]:
        return [(f.rule, f.sheet, f.cell) for f in api.check([path]).findings]

    assert rules(with_data) == rules(plain) and rules(plain)


def test_a_form_inside_a_big_data_sheet_is_still_found(tmp_path: Path) -> None:
    # The cheap scan must not skip a sheet whose form sits below thousands of data rows, even
    # with its header words spaced out and in full-width brackets.
    path = write_forms(tmp_path / "混合.xlsx", {"明细": [(project_form(name="混在明细里"), 12_005, 0)]})
    wb = openpyxl.load_workbook(path)
    ws = wb["明细"]
    for r in range(1, 12_001):
        ws.cell(row=r, column=1, value=f"支付办公用品{r}号单据款项")
        ws.cell(row=r, column=2, value=r * 1.5)
    for row in ws.iter_rows(min_row=12_006):
        for cell in row:
            if cell.value == "一级指标":
                cell.value = "一 级 指 标"
    wb.save(path)
    result = api.check([path])
    assert result.forms == 1
    assert result.files[0].form_scores()[0][1] == "混在明细里"


def test_jsonl_is_documented() -> None:
    assert "jsonl" in (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    assert "jsonl" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
