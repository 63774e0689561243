"""The command line as a user meets it: drag-and-drop, check, rules, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.builders import one_form, project_form
from tests.test_seed import SPLIT, run_cli
from xlsxtool.report.console import MAX_DETAILED_FILES
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
    # --force replaces what the earlier runs wrote there (issue 14: no stale "(2)" copies).
    run_cli("check", str(src), "--out", str(out), "--force")
    assert copies() == ["x_校验结果.xlsx"]
    assert sorted(p.name for p in out.glob("校验汇总*")) == ["校验汇总.xlsx"]


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
    # Issue 14: starts with a BOM (Excel then reads it as UTF-8), as convert's CSV does.
    assert proc.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(proc.stdout.removeprefix("\ufeff"))))
    assert len(rows) == 34 and rows[0].keys() >= {"file", "rule", "cell", "message"}
    assert all(r["location"] == f"{r['sheet']}!{r['cell']}" for r in rows if r["cell"])


def test_csv_of_a_word_report_says_where_to_look() -> None:
    """A Word report's findings in the CSV carry the location a reader uses ('第4个表格 B13',
    '第19段'), as the console, JSON and summary workbook do — `sheet` alone says only '表4'."""
    report = SPLIT.parent / "岳阳市教育科学技术研究院_2023年度绩效自评报告.docx"
    proc = run_cli("check", str(report), "--format", "csv", "--no-annotate")
    rows = list(csv.DictReader(io.StringIO(proc.stdout.removeprefix("\ufeff"))))
    table = next(r for r in rows if r["rule"] == "S205" and r["cell"] == "B13")
    assert table["sheet"] == "表4" and table["location"] == "第4个表格 B13"
    narrative = [r for r in rows if r["sheet"] == "正文"]
    assert narrative and all(re.fullmatch(r"第\d+段", r["location"]) for r in narrative)


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


# ---------------------------------------------------------------- issue 14: the console and the contract
ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "xlsxtool", *args], capture_output=True, timeout=300,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def test_gbk_console_never_crashes_and_json_stays_utf8(tmp_path: Path) -> None:
    # A Chinese-locale Windows redirecting the report: the console encoding is GBK.
    proc = _run("check", str(SPLIT), "--no-annotate", env={"PYTHONIOENCODING": "gbk"})
    assert proc.returncode == 1, proc.stderr.decode("gbk", "replace")
    out = proc.stdout.decode("gbk")
    assert "Traceback" not in proc.stderr.decode("gbk", "replace")
    assert "× 需修改" in out and "结论：需修改" in out  # marks GBK has, not '?'
    proc = _run("check", str(SPLIT), "--format", "json", env={"PYTHONIOENCODING": "gbk"})
    assert json.loads(proc.stdout.decode("utf-8"))["summary"]["forms"] == 11


def test_internal_error_exits_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from xlsxtool import api, cli

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("模拟的程序错误")

    monkeypatch.setattr(api, "CheckRun", broken)
    assert cli.main(["check", str(SPLIT), "--no-annotate"]) == 3
    assert "内部错误" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "says"), [
    (["check", "--timeout", "-1", "x.xlsx"], "--timeout 的值无效：应大于或等于 0"),
    (["check", "--jobs", "abc", "x.xlsx"], "应为整数"),
    (["check", "--format", "xml", "x.xlsx"], "“xml”不是可选的值"),
    (["check", "--bogus", "x.xlsx"], "没有这个选项：--bogus"),
    (["check"], "缺少参数：路径"),
    (["check", "x.xlsx", "--out"], "选项 --out 后面要跟一个值"),
    (["rules", "S201", "S202"], "多余的参数：S202"),
])
def test_usage_errors_are_chinese_and_exit_2(args: list[str], says: str) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr
    assert "Error" not in proc.stderr and "Invalid" not in proc.stderr and "Traceback" not in proc.stderr
    assert "用法：xlsxtool" in proc.stderr or "用 xlsxtool" in proc.stderr


@pytest.mark.parametrize("args", [["-h"], ["check", "-h"], ["convert", "--help"], ["template", "-h"], ["rules", "-h"]])
def test_help_is_chinese_without_python_types(args: list[str]) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.startswith("用法：xlsxtool") and "选项：" in text and "显示本帮助并退出" in text
    for english in ("<list", "<int", "<float", "<path", "Usage:", "Options", "Show this message", "[default"):
        assert english not in text


def test_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip().startswith("xlsxtool ")


def test_mistyped_command_is_suggested_but_a_real_file_is_dropped(tmp_path: Path) -> None:
    proc = run_cli("chek", "a.xlsx")
    assert proc.returncode == 2
    assert "没有“chek”这个命令，是不是想用 check？" in proc.stderr
    # A workbook really named 'chek' (no suffix) is still a file dropped on the program.
    shutil.copyfile(SPLIT, tmp_path / "chek")
    proc = run_cli("chek", cwd=tmp_path)
    assert proc.returncode == 1 and "需修改" in proc.stdout


def _bulk_folder(tmp_path: Path, bad: int, clean: int) -> Path:
    folder = tmp_path / "批量"
    folder.mkdir()
    for i in range(bad):
        shutil.copyfile(SPLIT, folder / f"有错_{i:02d}.xlsx")
    for i in range(clean):
        one_form(folder / f"无错_{i:02d}.xlsx")
    return folder


def test_bulk_report_details_only_files_with_findings_capped(tmp_path: Path) -> None:
    folder = _bulk_folder(tmp_path, bad=12, clean=3)
    wide = {"COLUMNS": "400"}  # one report line per line, however long the paths
    proc = _run("check", str(folder), "--no-annotate", "--out", str(tmp_path / "out"), env=wide)
    assert proc.returncode == 1
    out = proc.stdout.decode()
    lines = out.splitlines()
    # A verdict line per file (issue 15); a line per finding under the first 5 with findings only.
    verdicts = [line for line in lines if line.startswith(("✘ 需修改  ", "✔ 通过  "))]
    assert len(verdicts) == 15 and sum(line.startswith("✔ 通过  ") and "无错_" in line for line in verdicts) == 3
    bad = [i for i, line in enumerate(lines) if line.startswith("✘ 需修改  ")]
    detail = [i for i, line in enumerate(lines) if line.startswith(("   错误 ", "   警告 "))]
    assert len(bad) == 12 and detail and not any(line.startswith("┏") for line in lines)  # no tables in bulk
    assert all(i < bad[MAX_DETAILED_FILES] for i in detail) and any(i > bad[MAX_DETAILED_FILES - 1] for i in detail)
    assert f"…另有 7 个文件有问题，未逐一列出详情，见汇总表 {tmp_path / 'out' / '校验汇总.xlsx'}" in out
    assert "共检查 15 个文件" in out
    quiet = _run("check", str(folder), "--no-annotate", "--quiet", env=wide)
    assert quiet.returncode == 1
    assert quiet.stdout.decode().splitlines() == [
        "共检查 15 个文件、135 张表：错误 384 项，警告 24 项。通过 3，需修改 12，无法读取 0。",
        "结论：需修改。错误必须改正后才能通过；警告请复核。",
    ]


def test_progress_for_every_phase_on_a_terminal(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    import threading

    folder = _bulk_folder(tmp_path, bad=3, clean=1)
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run([sys.executable, "-m", "xlsxtool", "check", str(folder), "--out", str(tmp_path / "out"),
                               "--jobs", "1"], stdout=subprocess.PIPE, stderr=slave, timeout=300,
                              env={**os.environ, "TERM": "xterm", "COLUMNS": "120"})
    finally:
        os.close(slave)
        reader.join(timeout=5)
        os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 1
    for phase in ("检查", "写批注副本", "写汇总表"):
        assert phase in shown, shown[-500:]
    assert "\x1b" not in proc.stdout.decode()  # the bar never goes to stdout


# ---------------------------------------------------------------- issue 14, item 13: smaller points
def test_rules_accepts_a_prefix_and_names_the_message_fields() -> None:
    proc = run_cli("rules", "S2")
    assert proc.returncode == 0
    assert all(code in proc.stdout for code in ("S201", "S212")) and "B101" not in proc.stdout
    one = run_cli("rules", "B101")
    assert "{" not in one.stdout and "〈全年执行数〉" in one.stdout


def test_one_message_does_not_mix_fractions_and_percents(tmp_path: Path) -> None:
    import copy as copy_module

    from tests.builders import CLEAN_FUNDS

    funds = copy_module.deepcopy(CLEAN_FUNDS)
    funds[0]["rate"] = 0.95  # a number in a percent cell, as Excel stores 95%
    path = one_form(tmp_path / "率.xlsx", project_form(funds=funds))
    doc = json.loads(run_cli("check", str(path), "--format", "json").stdout)
    (b101,) = [f for f in doc["files"][0]["findings"] if f["rule"] == "B101"]
    assert b101["message"] == "执行率填报为 95%，按 全年执行数 45 ÷ 全年预算数 50 应为 90%"


def test_formula_note_and_f004_do_not_give_two_counts_of_one_thing(tmp_path: Path) -> None:
    path = one_form(tmp_path / "公式.xlsx")
    wb = openpyxl.load_workbook(path)
    for cell in ("H5", "I5", "G19", "H19"):
        wb.active[cell] = "=1+1"
    wb.save(path)
    entry = json.loads(run_cli("check", str(path), "--format", "json").stdout)["files"][0]
    (f004,) = [f for f in entry["findings"] if f["rule"] == "F004"]
    assert "有 4 个公式单元格没有计算结果" in f004["message"]
    assert not any("个公式单元格没有计算结果" in n for n in entry["notes"])


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


def test_convert_does_not_overwrite_silently(tmp_path: Path) -> None:
    out = tmp_path / "frames"
    assert run_cli("convert", str(SPLIT), "--out", str(out)).returncode == 0
    before = (out / "forms.csv").read_bytes()
    (out / "forms.csv").write_bytes(b"mine")
    proc = run_cli("convert", str(SPLIT), "--out", str(out))
    assert proc.returncode == 2 and "已存在" in proc.stderr and "--force" in proc.stderr
    assert (out / "forms.csv").read_bytes() == b"mine"
    run_cli("convert", str(SPLIT), "--out", str(out), "--force")
    assert (out / "forms.csv").read_bytes() == before


def test_convert_of_nothing_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "空").mkdir()
    proc = run_cli("convert", str(tmp_path / "空"), "--out", str(tmp_path / "frames"))
    assert proc.returncode == 2 and "没有找到可读取的工作簿" in proc.stderr
    assert not (tmp_path / "frames").exists()


def test_template_name_must_say_xlsx(tmp_path: Path) -> None:
    proc = run_cli("template", "project", "-o", str(tmp_path / "x.csv"))
    assert proc.returncode == 2 and ".xlsx" in proc.stderr and not (tmp_path / "x.csv").exists()
    assert run_cli("template", "project", "-o", str(tmp_path / "模板")).returncode == 0
    assert zipfile.is_zipfile(tmp_path / "模板.xlsx")


def test_docs_cite_only_documents_in_the_repository() -> None:
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        assert "SPEC §" not in text, doc.name
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (doc.parent / target).exists(), f"{doc.name}: {target}"


# ---------------------------------------------------------------- issue 14, item 14: JSON for scripts
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
def test_double_click_without_a_file_shows_usage_and_waits(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from xlsxtool import cli

    asked: list[str] = []
    monkeypatch.setattr(cli, "_own_console", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": asked.append(prompt) or "")
    assert cli.main([]) == 2
    out = capsys.readouterr().out
    assert "拖到" in out and "xlsxtool -h" in out
    assert asked == ["按回车键关闭窗口……"]


def test_readme_takes_a_windows_clerk_to_a_desktop_icon() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Windows", 1)[1].split("\n## ", 1)[0]
    for step in ("python.org", "Add python.exe to PATH", "pip install", "桌面快捷方式", "拖到"):
        assert step in section, step
