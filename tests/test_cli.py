"""The command line as a user meets it: drag-and-drop, check, rules, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.builders import one_form, project_form
from tests.test_seed import SPLIT, run_cli
from xlsxtool.rules import RULES, rules_markdown


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dropped_file_gets_report_and_annotated_copy_next_to_it(tmp_path: Path) -> None:
    src = tmp_path / "自评 表.xlsx"  # Chinese and a space in the path
    shutil.copyfile(SPLIT, src)
    before = sha(src)
    proc = run_cli(str(src))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    copy = tmp_path / "自评 表_校验结果.xlsx"
    assert copy.exists()
    assert "已生成批注副本" in proc.stdout and str(copy) in proc.stdout.replace("\n", "")
    assert "需修改" in proc.stdout and "S205" in proc.stdout
    assert sha(src) == before  # the input is never modified
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "校验结果"
    # The 教育信息化 form's 产出指标（50分） label is merged; S205 marks its top-left cell.
    cell = wb["教育信息化"]["B13"]
    assert "S205" in cell.comment.text and cell.fill.fgColor.rgb.endswith("FFC7CE")


def test_dropped_clean_file_passes_without_a_copy(tmp_path: Path) -> None:
    src = one_form(tmp_path / "clean.xlsx")
    proc = run_cli(str(src))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "通过" in proc.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.xlsx"]


def test_several_dropped_files(tmp_path: Path) -> None:
    a = one_form(tmp_path / "a.xlsx")
    b = tmp_path / "b.xlsx"
    shutil.copyfile(SPLIT, b)
    proc = run_cli(str(a), str(b))
    assert proc.returncode == 1
    assert (tmp_path / "b_校验结果.xlsx").exists() and not (tmp_path / "a_校验结果.xlsx").exists()


def test_dropped_form_takes_options(tmp_path: Path) -> None:
    # `xlsxtool FILE --option` (no 'check'): the options apply, they are not taken for paths.
    src = tmp_path / "b.xlsx"
    shutil.copyfile(SPLIT, src)
    proc = run_cli(str(src), "--format", "json", "--no-annotate")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    files = json.loads(proc.stdout)["files"]
    assert [f["path"] for f in files] == [str(src)] and files[0]["verdict"] == "需修改"
    assert not (tmp_path / "b_校验结果.xlsx").exists()


def test_second_run_does_not_overwrite_an_existing_copy_unless_forced(tmp_path: Path) -> None:
    src = tmp_path / "x.xlsx"
    shutil.copyfile(SPLIT, src)
    out = tmp_path / "out"
    run_cli("check", str(src), "--out", str(out))
    run_cli("check", str(src), "--out", str(out))
    copies = lambda: sorted(p.name for p in out.iterdir() if p.name.startswith("x_"))  # noqa: E731
    assert copies() == ["x_校验结果(2).xlsx", "x_校验结果.xlsx"]
    run_cli("check", str(src), "--out", str(out), "--force")
    assert copies() == ["x_校验结果(2).xlsx", "x_校验结果.xlsx"]


def test_out_folder_inside_the_input_folder_is_not_reread(tmp_path: Path) -> None:
    shutil.copyfile(SPLIT, tmp_path / "x.xlsx")
    out = tmp_path / "校验输出"
    first = json.loads(run_cli("check", str(tmp_path), "--out", str(out), "--format", "json").stdout)
    second = json.loads(run_cli("check", str(tmp_path), "--out", str(out), "--format", "json").stdout)
    assert [f["path"] for f in first["files"]] == [f["path"] for f in second["files"]] == [str(tmp_path / "x.xlsx")]


def test_unknown_rule_code_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli("check", str(SPLIT), "--select", "S999")
    assert proc.returncode == 2
    assert "未知的规则代码" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_path_is_reported_not_crashed(tmp_path: Path) -> None:
    proc = run_cli("check", str(tmp_path / "没有这个文件.xlsx"), "--format", "json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert doc["files"][0]["findings"][0]["rule"] == "F001"


def test_select_and_ignore(tmp_path: Path) -> None:
    only_s2 = json.loads(run_cli("check", str(SPLIT), "--format", "json", "--no-annotate", "--select", "S2").stdout)
    rules = {f["rule"] for f in only_s2["files"][0]["findings"]}
    assert rules and all(r.startswith("S2") for r in rules)
    no_c3 = json.loads(run_cli("check", str(SPLIT), "--format", "json", "--no-annotate", "--ignore", "C3,S212").stdout)
    rules = {f["rule"] for f in no_c3["files"][0]["findings"]}
    assert "C302" not in rules and "S212" not in rules and "S205" in rules


def test_csv_format(tmp_path: Path) -> None:
    proc = run_cli("check", str(SPLIT), "--format", "csv", "--no-annotate")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 34 and rows[0].keys() >= {"file", "rule", "cell", "message"}


def test_warnings_only_exit_zero(tmp_path: Path) -> None:
    form = project_form(footer="填表人：张三   填报日期：2024年3月15日   联系电话：12345   单位负责人签字：李四")
    path = one_form(tmp_path / "w.xlsx", form)
    proc = run_cli("check", str(path), "--format", "json", "--no-annotate")
    doc = json.loads(proc.stdout)
    assert [f["rule"] for f in doc["files"][0]["findings"]] == ["V502"]
    assert proc.returncode == 0


def test_rules_lists_and_explains() -> None:
    listing = run_cli("rules")
    assert listing.returncode == 0
    for code in RULES:
        assert code in listing.stdout
    one = run_cli("rules", "s205")
    assert one.returncode == 0 and "一级指标" in one.stdout and "示例" in one.stdout
    assert run_cli("rules", "Z999").returncode == 2


def test_docs_rules_md_is_generated_from_the_catalog() -> None:
    docs = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    assert docs.read_text(encoding="utf-8") == rules_markdown()


@pytest.mark.parametrize("args", [[], ["--help"], ["check", "--help"]])
def test_help_is_chinese_and_clean(args: list[str]) -> None:
    proc = run_cli(*args)
    assert proc.returncode in (0, 2)
    assert "Traceback" not in proc.stderr
    assert "自评表" in proc.stdout + proc.stderr
ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "xlsxtool", *args], capture_output=True, timeout=300,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def _bulk_folder(tmp_path: Path, bad: int, clean: int) -> Path:
    folder = tmp_path / "批量"
    folder.mkdir()
    for i in range(bad):
        shutil.copyfile(SPLIT, folder / f"有错_{i:02d}.xlsx")
    for i in range(clean):
        one_form(folder / f"无错_{i:02d}.xlsx")
    return folder


def test_grade_table_gives_no_grade_to_a_form_with_errors() -> None:
    proc = _run("check", str(SPLIT), "--no-annotate", env={"COLUMNS": "200"})
    rows = [line for line in proc.stdout.decode().splitlines() if "教育信息化" in line and "│" in line]
    (row,) = [r for r in rows if "90" in r]
    assert "待改正（错误 4）" in row and "优" not in row


def test_summary_score_is_a_number_and_outputs_get_normal_modes(tmp_path: Path) -> None:
    path = one_form(tmp_path / "单表.xlsx")
    summary = tmp_path / "汇总.xlsx"
    assert run_cli("check", str(path), "--summary", str(summary)).returncode == 0
    ws = openpyxl.load_workbook(summary)["汇总"]
    assert ws["G3"].value == 96 and ws["G3"].data_type == "n"
    reference = tmp_path / "reference"
    reference.write_bytes(b"")
    normal = reference.stat().st_mode & 0o777
    assert summary.stat().st_mode & 0o777 == normal
    assert run_cli("convert", str(path), "--out", str(tmp_path / "frames")).returncode == 0
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "frames").iterdir()} == {normal}
    wb = openpyxl.load_workbook(summary)
    for ws in wb.worksheets:
        # One page wide (fitToWidth defaults to 1), as many pages down as needed.
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title


def test_json_has_a_schema_version_and_a_record_per_form() -> None:
    doc = json.loads(run_cli("check", str(SPLIT), "--format", "json", "--no-annotate").stdout)
    assert doc["schema_version"] == 1
    details = doc["files"][0]["form_details"]
    assert len(details) == 11
    info = next(d for d in details if d["name"] == "教育信息化")
    assert info == {"index": 5, "name": "教育信息化", "kind": "project", "sheet": "教育信息化", "title_cell": "A1",
                    "total_weight": 100, "total_score": 90, "grade": "优", "errors": 4, "warnings": 0,
                    "verdict": "需修改"}
    layout = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    keys = set(doc) | set(doc["summary"]) | set(doc["files"][0]) | set(info) | set(doc["files"][0]["findings"][0])
    for key in keys:
        assert f"`{key}`" in layout, key


# ---------------------------------------------------------------- issue 14, item 15: the clerk on Windows
