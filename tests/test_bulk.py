"""Bulk checking (folders, zips, parallel workers) and the summary workbook (校验汇总.xlsx)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.builders import CLEAN_INDICATORS, one_form, project_form
from xlsxtool import api
from xlsxtool.report.summary import display_width, write_summary

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "岳阳市教育科学技术研究院_2023年度绩效自评表.xlsx"
GBK_MEMBER = "单位甲/自评表.xlsx"
UTF8_MEMBER = "单位乙/2023年绩效自评表.xlsx"


class _GbkZipInfo(zipfile.ZipInfo):
    """A member name stored as GBK bytes without the UTF-8 flag, as Chinese Windows zip tools do."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's private hook)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _bad_form_bytes(tmp: Path) -> bytes:
    """A workbook with one error: 得分 12 above 分值 10 (S201, plus the totals it breaks)."""
    indicators = [dict(ind) for ind in CLEAN_INDICATORS]
    indicators[1]["score"] = 12
    path = one_form(tmp / "bad_tmp.xlsx", project_form(name="超分项目", indicators=indicators))
    data = path.read_bytes()
    path.unlink()
    return data


def _clean_form_bytes(tmp: Path, name: str = "测试项目", unit: str = "某某中学") -> bytes:
    path = one_form(tmp / "clean_tmp.xlsx", project_form(name=name, unit=unit))
    data = path.read_bytes()
    path.unlink()
    return data


def make_submissions(root: Path) -> tuple[Path, dict[str, str]]:
    """A bureau's inbox: {display path: expected verdict} for every file that must be reported."""
    folder = root / "收件箱"
    (folder / "子文件夹").mkdir(parents=True)
    shutil.copy(SAMPLE, folder / "样例_有错误.xlsx")
    (folder / "子文件夹" / "干净.xlsx").write_bytes(_clean_form_bytes(root))
    (folder / "截断.xlsx").write_bytes(SAMPLE.read_bytes()[:3000])
    (folder / "文本.xlsx").write_text("这不是工作簿\n", encoding="utf-8")
    (folder / "扫描件.xlsx").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    # Ignored: Office lock file, hidden file, non-workbook.
    (folder / "~$样例_有错误.xlsx").write_bytes(b"\x0bowner" + b"\x00" * 100)
    shutil.copy(SAMPLE, folder / ".隐藏.xlsx")
    (folder / "notes.txt").write_text("备注", encoding="utf-8")
    # A zip of submissions: GBK-named and UTF-8-named members, a corrupt one, and junk to skip.
    with zipfile.ZipFile(folder / "第二批.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_GbkZipInfo(GBK_MEMBER), _bad_form_bytes(root))
        zf.writestr(zipfile.ZipInfo(UTF8_MEMBER), _clean_form_bytes(root, "乙项目"))
        zf.writestr("损坏.xlsx", b"PK\x03\x04" + b"\x00" * 200)
        zf.writestr("单位甲/~$自评表.xlsx", b"lock")
        zf.writestr("__MACOSX/单位甲/._自评表.xlsx", b"resource fork")
        zf.writestr("说明.txt", "请查收")
    expected = {
        str(folder / "样例_有错误.xlsx"): "需修改",
        str(folder / "子文件夹" / "干净.xlsx"): "通过",
        str(folder / "截断.xlsx"): "无法读取",
        str(folder / "文本.xlsx"): "无法读取",
        str(folder / "扫描件.xlsx"): "无法读取",
        f"{folder / '第二批.zip'}/{GBK_MEMBER}": "需修改",
        f"{folder / '第二批.zip'}/{UTF8_MEMBER}": "通过",
        f"{folder / '第二批.zip'}/损坏.xlsx": "无法读取",
    }
    return folder, expected


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return make_submissions(tmp_path_factory.mktemp("bulk"))


def run_cli(*args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    options: dict[str, Any] = {"capture_output": True, "encoding": "utf-8", "cwd": ROOT, "timeout": 300}
    options.update(kwargs)
    return subprocess.run([sys.executable, "-m", "xlsxtool", "check", *map(str, args)], **options)


@pytest.fixture(scope="module")
def bulk_run(inbox: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder, _ = inbox
    out = tmp_path_factory.mktemp("out") / "结果"
    proc = run_cli(folder, "--format", "json", "--out", out, "--jobs", "2")
    return {"proc": proc, "out": out, "doc": json.loads(proc.stdout)}


# ------------------------------------------------------------------------------ discovery
def test_zip_member_names_decoded(inbox: tuple[Path, dict[str, str]]) -> None:
    folder, expected = inbox
    sources, missing = api.discover([folder])
    assert missing == []
    assert sorted(s.display for s in sources) == sorted(expected)
    gbk = next(s for s in sources if s.display.endswith(GBK_MEMBER))
    assert gbk.member != GBK_MEMBER  # stored mojibake name, still what zipfile needs to read it
    assert gbk.read()[:2] == b"PK"


def test_globs_and_explicit_zip(inbox: tuple[Path, dict[str, str]]) -> None:
    folder, expected = inbox
    sources, _ = api.discover([str(folder / "*.xlsx"), folder / "第二批.zip"])
    names = {Path(s.display).name for s in sources}
    assert "~$样例_有错误.xlsx" not in names and ".隐藏.xlsx" not in names
    assert len(sources) == 7  # 4 top-level workbooks (not the sub-folder) + 3 zip members


def test_parallel_same_findings_as_serial(inbox: tuple[Path, dict[str, str]]) -> None:
    folder, _ = inbox
    serial = api.check([folder], jobs=1)
    parallel = api.check([folder], jobs=2)
    assert [r.path for r in serial.files] == [r.path for r in parallel.files]
    assert serial.findings == parallel.findings
    assert [r.verdict for r in serial.files] == [r.verdict for r in parallel.files]


def test_small_batches_same_findings_as_one(inbox: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    # A bulk run validates in batches bounded by tidy rows: where the batches break must not
    # change a finding, a score or a form count (forms, sums and groups never span files).
    folder, _ = inbox
    whole = api.check([folder], jobs=1)
    monkeypatch.setattr(api, "BATCH_ROWS", 1)  # every file its own batch
    split = api.check([folder], jobs=1)
    assert whole.findings and split.findings == whole.findings
    assert [(r.path, r.forms, r.form_scores()) for r in split.files] == [(r.path, r.forms, r.form_scores()) for r in whole.files]


# ------------------------------------------------------------------------------ CLI, JSON
def test_cli_exit_code_and_clean_streams(bulk_run: dict[str, Any]) -> None:
    proc = bulk_run["proc"]
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.lstrip().startswith("{")  # json.loads in the fixture proved it is pure JSON


def test_every_file_accounted_for(bulk_run: dict[str, Any], inbox: tuple[Path, dict[str, str]]) -> None:
    _, expected = inbox
    files = bulk_run["doc"]["files"]
    paths = [f["path"] for f in files]
    assert Counter(paths) == Counter(list(expected))  # each exactly once, nothing else
    assert {f["path"]: f["verdict"] for f in files} == expected
    for f in files:
        if f["verdict"] == "无法读取":
            assert [x["rule"] for x in f["findings"]] == ["F001"]
    for skipped in ("~$", ".隐藏", "notes.txt", "说明.txt", "__MACOSX"):
        assert not any(skipped in p for p in paths)
    gbk = next(f for f in files if f["path"].endswith(GBK_MEMBER))
    assert "S201" in {x["rule"] for x in gbk["findings"]}
    summary = bulk_run["doc"]["summary"]
    assert summary["files"] == len(expected)
    assert summary["errors"] == sum(f["errors"] for f in files)


def test_annotated_copies_written(bulk_run: dict[str, Any]) -> None:
    files = bulk_run["doc"]["files"]
    for f in files:
        anchored = any(x["cell"] for x in f["findings"])
        assert ("annotated" in f) == (f["verdict"] != "无法读取" and anchored), f["path"]
        if "annotated" in f:
            copy = Path(f["annotated"])
            assert copy.exists() and bulk_run["out"] in copy.parents
    # Issue 14: copies mirror the input folders and the zip's member paths under --out.
    by_path = {f["path"]: Path(f["annotated"]) for f in files if "annotated" in f}
    sample = next(p for p in by_path if p.endswith("样例_有错误.xlsx"))
    assert by_path[sample] == bulk_run["out"] / "样例_有错误_校验结果.xlsx"
    gbk = next(f for f in files if f["path"].endswith(GBK_MEMBER))
    # decoded name, not cp437 mojibake, under the zip's name and the member's folder
    assert Path(gbk["annotated"]) == bulk_run["out"] / "第二批" / "单位甲" / "自评表_校验结果.xlsx"


def test_same_names_never_overwrite_each_other(tmp_path: Path) -> None:
    for unit in ("甲", "乙"):
        (tmp_path / unit).mkdir()
        shutil.copy(SAMPLE, tmp_path / unit / "自评表.xlsx")
    result = api.check([tmp_path], jobs=1)
    written, _ = api.annotate_all(result, out_dir=tmp_path / "out", force=True)
    # Issue 14: each unit's copy in its own folder under --out (not 自评表_校验结果(2).xlsx).
    assert sorted(written.values()) == [str(tmp_path / "out" / unit / "自评表_校验结果.xlsx") for unit in ("乙", "甲")]


# ------------------------------------------------------------------------------ summary workbook
def test_summary_workbook(bulk_run: dict[str, Any], inbox: tuple[Path, dict[str, str]]) -> None:
    _, expected = inbox
    doc, out = bulk_run["doc"], bulk_run["out"]
    wb = openpyxl.load_workbook(out / "校验汇总.xlsx")
    # Issue 14 added 各表得分 (one row per form) and 跳过的文件.
    assert wb.sheetnames == ["汇总", "问题清单", "规则统计", "各表得分", "跳过的文件"]

    ws = wb["汇总"]
    header = [c.value for c in ws[2]]
    assert header == ["文件", "单位", "项目/表单", "表数", "错误", "警告", "总分", "结论", "批注副本"]
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref.startswith("A2:")
    rows = {r[0].value: r for r in ws.iter_rows(min_row=3)}
    assert sorted(rows) == sorted(expected) and ws.max_row - 2 == len(expected)
    by_path = {f["path"]: f for f in doc["files"]}
    for path, cells in rows.items():
        f = by_path[path]
        assert cells[7].value == expected[path]
        assert (cells[3].value, cells[4].value, cells[5].value) == (f["forms"], f["errors"], f["warnings"])
        link = cells[8].hyperlink
        if "annotated" in f:
            assert link is not None and cells[8].value == Path(f["annotated"]).name
            target = (out / link.target.replace("\\", "/")).resolve()
            assert target == Path(f["annotated"]).resolve()
        else:
            assert link is None
    sample = rows[next(p for p in expected if p.endswith("样例_有错误.xlsx"))]
    assert sample[1].value == "岳阳市教育科学技术研究院"
    assert sample[6].value == "96、100、100、100、98、90、100、98、98、97、100"
    assert "高三复习迎考" in sample[2].value
    assert ws.conditional_formatting  # 结论 colours

    ws = wb["问题清单"]
    assert [c.value for c in ws[1]] == ["文件", "表单", "工作表", "单元格", "规则", "级别", "问题说明", "应为", "实际"]
    total = sum(len(f["findings"]) for f in doc["files"])
    assert ws.max_row - 1 == total
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:I{total + 1}"
    assert {c.value for c in ws["F"][1:]} <= {"错误", "警告"}
    assert ws.column_dimensions["G"].width > 20  # fitted to the messages

    ws = wb["规则统计"]
    assert [c.value for c in ws[1]] == ["规则", "级别", "规则名称", "次数", "涉及文件数"]
    counts = Counter(x["rule"] for f in doc["files"] for x in f["findings"])
    files_per_rule = Counter(r for f in doc["files"] for r in {x["rule"] for x in f["findings"]})
    got = {r[0]: (r[3], r[4]) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert got == {code: (n, files_per_rule[code]) for code, n in counts.items()}
    assert got["F001"][0] == 4
    assert len(ws._charts) == 1


def test_summary_without_out(inbox: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    folder, expected = inbox
    summary = tmp_path / "报告" / "汇总.xlsx"
    proc = run_cli(folder, "--format", "json", "--no-annotate", "--summary", summary)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(json.loads(proc.stdout)["files"]) == len(expected)
    wb = openpyxl.load_workbook(summary)
    assert wb["汇总"].max_row - 2 == len(expected)
    assert all(c.hyperlink is None for c in wb["汇总"]["I"])
    # An existing summary is kept: the next one gets '(2)'.
    proc = run_cli(folder, "--format", "json", "--no-annotate", "--summary", summary)
    assert proc.returncode == 1 and (summary.parent / "汇总(2).xlsx").exists()
    assert not list(summary.parent.glob("*.tmp"))


def test_out_inside_input_folder_not_reread(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLE, folder / "a.xlsx")
    (folder / "b.xlsx").write_bytes(_clean_form_bytes(tmp_path))
    for _ in range(2):  # the second run sees the first run's output folder and summary
        proc = run_cli(folder, "--format", "json", "--out", folder / "结果", "--jobs", "1")
        assert proc.returncode == 1
        assert sorted(Path(f["path"]).name for f in json.loads(proc.stdout)["files"]) == ["a.xlsx", "b.xlsx"]


def test_json_mode_has_no_progress_bar_on_a_terminal(inbox: tuple[Path, dict[str, str]]) -> None:
    pty = pytest.importorskip("pty")
    folder, _ = inbox
    master, slave = pty.openpty()
    try:
        proc = run_cli(folder, "--format", "json", "--no-annotate", "--jobs", "2", stderr=slave,
                       stdout=subprocess.PIPE, capture_output=False,
                       env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
        os.set_blocking(master, False)
        try:
            written = os.read(master, 65536)
        except (BlockingIOError, OSError):
            written = b""
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 1
    assert written == b""
    json.loads(proc.stdout)


# ------------------------------------------------------------------------------ write_summary unit
def test_summary_neutralises_formulas_and_keeps_existing(tmp_path: Path) -> None:
    result = api.check([], jobs=1)
    result.files.append(api.check_bytes(_clean_form_bytes(tmp_path, unit="=cmd|' /C calc'!A0"), "=x.xlsx"))
    path = tmp_path / "s.xlsx"
    path.write_bytes(b"keep me")
    written = write_summary(result, path, annotated={}, force=False)
    assert written.name == "s(2).xlsx" and path.read_bytes() == b"keep me"
    ws = openpyxl.load_workbook(written)["汇总"]
    assert ws["A3"].value.startswith("'=") and ws["A3"].data_type == "s"
    assert ws["B3"].value == "'=cmd|' /C calc'!A0"
    assert write_summary(result, path, annotated={}, force=True) == path


def test_summary_long_sheets_keep_typed_text_exactly(tmp_path: Path) -> None:
    """问题清单 and 各表得分 are written as sheet XML (not cell by cell through xlsxwriter): a
    project name with markup characters and a line break reads back as typed, in openpyxl and
    in calamine; a formula-like name stays text; counts stay numbers."""
    import python_calamine

    names = ["甲<乙>&丙 丁\n戊", "@项目甲"]
    result = api.check([], jobs=1)
    for i, name in enumerate(names):
        result.files.append(api.check_bytes(_clean_form_bytes(tmp_path, name=name), f"{i}.xlsx"))
    written = write_summary(result, tmp_path / "s.xlsx", annotated={}, force=True)
    forms = openpyxl.load_workbook(written)["各表得分"]
    shown = [forms.cell(row, 2).value for row in (2, 3)]
    assert shown == ["甲<乙>&丙 丁\n戊", "'@项目甲"]
    assert forms["I2"].value == 0 and forms["I2"].data_type == "n"  # 错误: a number, sortable
    rows = python_calamine.CalamineWorkbook.from_path(str(written)).get_sheet_by_name("各表得分").to_python()
    assert [r[1] for r in rows[1:]] == shown
    assert forms.auto_filter.ref == "A1:K3" and forms.dimensions == "A1:K3"


def test_display_width_counts_cjk_double() -> None:
    assert display_width("abc") == 3
    assert display_width("自评表") == 6
    assert display_width("（A）") == 5


# ---------------------------------------------------------------- one dropped file: copy opened alongside the check
def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:  # docProps/core.xml holds the save time
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def test_preloaded_copy_is_the_same_workbook(tmp_path: Path) -> None:
    # A single file's copy is opened in a second process while the check runs: what the clerk
    # gets must be exactly the copy the plain, one-process way writes.
    src = tmp_path / SAMPLE.name
    shutil.copy(SAMPLE, src)
    plain, _ = api.annotate_all(api.check([src]), out_dir=tmp_path / "plain")
    preloader = api.preloader_for([src])
    assert preloader is not None
    with preloader:
        written, notes = api.annotate_all(api.check([src]), out_dir=tmp_path / "preloaded", preloader=preloader)
    assert notes == []
    assert _members(Path(written[str(src)])) == _members(Path(plain[str(src)]))


def test_preloader_only_for_one_workbook_file(tmp_path: Path, inbox: tuple[Path, dict[str, str]]) -> None:
    folder, _ = inbox
    assert api.preloader_for([folder]) is None  # a folder: bulk mode annotates in workers
    assert api.preloader_for([SAMPLE, SAMPLE]) is None
    assert api.preloader_for([tmp_path / "missing.xlsx"]) is None


def test_preloader_with_a_corrupt_file_reports_it(tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    with api.preloader_for([bad]) as preloader:
        result = api.check([bad])
        written, notes = api.annotate_all(result, preloader=preloader)
    assert [f.rule for f in result.findings] == ["F001"]
    assert written == {} and notes == []


def test_preloaded_workbook_is_the_one_annotated(tmp_path: Path) -> None:
    # In-process view of what the worker does: the copy is written from the workbook opened
    # ahead (taken from the worker's store), not from a second load.
    src = tmp_path / SAMPLE.name
    shutil.copy(SAMPLE, src)
    result = api.check([src])
    source = result.files[0].source
    api._preload(api.Source(display="不同的显示名", path=src))  # matched by file, not by display text
    assert len(api._PRELOADED) == 1
    findings = result.files[0].findings
    path, notes, _unwritable = api._annotate_job((source, findings, src, tmp_path / "copy.xlsx", "需修改"))
    assert path is not None and notes == []
    assert api._PRELOADED == {}


def test_check_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    # A bulk run collects less often while it works; a program using xlsxtool as a library
    # must get its own settings back afterwards.
    import gc

    before = gc.get_threshold()
    api.check([SAMPLE])
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
