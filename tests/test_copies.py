"""The copies a reviewer sends back (issue 14): mirrored under --out, replaced by --force without
stale leftovers, written only where asked, a writable folder when the usual one is not, and a
校验结果 sheet that says which file to fix and return."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.builders import one_form
from tests.test_seed import SPLIT, run_cli
from xlsxtool import api
from xlsxtool.report import annotate


def _units(root: Path, units: tuple[str, ...] = ("甲", "乙", "丙")) -> Path:
    """A bureau's inbox: three units each sending 项目支出绩效自评表.xlsx (same name, own folder)."""
    inbox = root / "收件箱"
    for unit in units:
        (inbox / f"单位{unit}").mkdir(parents=True)
        shutil.copyfile(SPLIT, inbox / f"单位{unit}" / "项目支出绩效自评表.xlsx")
    return inbox


def _copies(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*_校验结果*"))


# ------------------------------------------------------------------ item 7: mirrored, replaced
def test_out_mirrors_the_input_folders_and_zip_members(tmp_path: Path) -> None:
    inbox = _units(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("单位丁/项目支出绩效自评表.xlsx", SPLIT.read_bytes())
    (inbox / "补报.zip").write_bytes(buf.getvalue())
    out = tmp_path / "输出"
    proc = run_cli("check", str(inbox), "--out", str(out), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert _copies(out) == sorted([
        "补报/单位丁/项目支出绩效自评表_校验结果.xlsx",  # a zip member: under the zip's name
        "单位丙/项目支出绩效自评表_校验结果.xlsx",
        "单位乙/项目支出绩效自评表_校验结果.xlsx",
        "单位甲/项目支出绩效自评表_校验结果.xlsx",
    ])
    # The summary links each file to its own copy.
    ws = openpyxl.load_workbook(out / "校验汇总.xlsx")["汇总"]
    links = {r[0].value: r[8].hyperlink.target.replace("\\", "/") for r in ws.iter_rows(min_row=3) if r[8].hyperlink}
    assert links[str(inbox / "单位乙" / "项目支出绩效自评表.xlsx")] == "单位乙/项目支出绩效自评表_校验结果.xlsx"


def test_force_rerun_leaves_no_stale_copy(tmp_path: Path) -> None:
    inbox = _units(tmp_path, ("甲", "乙"))
    out = tmp_path / "输出"
    run_cli("check", str(inbox), "--out", str(out))
    run_cli("check", str(inbox), "--out", str(out))  # without --force: nothing overwritten
    assert len(_copies(out)) == 4 and (out / "校验汇总(2).xlsx").exists()
    # 单位甲 corrects its form (now clean) and 单位乙 withdraws its file.
    one_form(inbox / "单位甲" / "项目支出绩效自评表.xlsx")
    shutil.rmtree(inbox / "单位乙")
    proc = run_cli("check", str(inbox), "--out", str(out), "--force")
    assert proc.returncode == 0, proc.stdout
    assert _copies(out) == []  # no old red copy beside a file that now passes
    assert sorted(p.name for p in out.glob("校验汇总*")) == ["校验汇总.xlsx"]
    assert not (out / "单位乙").exists()


def test_force_never_deletes_what_it_did_not_write(tmp_path: Path) -> None:
    inbox = _units(tmp_path, ("甲",))
    out = tmp_path / "输出"
    out.mkdir()
    mine = out / "我的笔记_校验结果.xlsx"
    mine.write_bytes(b"keep")
    run_cli("check", str(inbox), "--out", str(out))
    run_cli("check", str(inbox), "--out", str(out), "--force")
    assert mine.read_bytes() == b"keep"


# ------------------------------------------------------------------ item 8: copies only where asked
def test_json_and_csv_write_no_copies_next_to_the_inputs(tmp_path: Path) -> None:
    src = tmp_path / "表.xlsx"
    shutil.copyfile(SPLIT, src)
    for fmt in ("json", "csv"):
        proc = run_cli("check", str(src), "--format", fmt)
        assert proc.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["表.xlsx"]
    # …but with --out they are written there, and a dropped file still gets its copy.
    doc = json.loads(run_cli("check", str(src), "--format", "json", "--out", str(tmp_path / "o")).stdout)
    assert Path(doc["files"][0]["annotated"]).parent == tmp_path / "o"
    proc = run_cli(str(src), "--format", "json")
    assert Path(json.loads(proc.stdout)["files"][0]["annotated"]) == tmp_path / "表_校验结果.xlsx"


# ------------------------------------------------------------------ item 9: read-only folders
def _refuse_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """The OS refusing writes into *folder* (tests may run as root, where chmod does not)."""
    save = annotate._atomic_save

    def guarded(wb: object, dest: Path) -> None:
        if dest.parent.resolve() == folder.resolve():
            raise PermissionError(13, "Permission denied", str(dest.parent / ".tmpab12cd.tmp"))
        save(wb, dest)  # type: ignore[arg-type]

    monkeypatch.setattr(annotate, "_atomic_save", guarded)


def test_read_only_input_folder_falls_back_and_says_where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "只读"
    folder.mkdir()
    shutil.copyfile(SPLIT, folder / "表.xlsx")
    fallback = tmp_path / "桌面" / "xlsxtool校验结果"
    monkeypatch.setenv("XLSXTOOL_FALLBACK_DIR", str(fallback))
    _refuse_folder(monkeypatch, folder)
    failed: dict[str, str] = {}
    written, notes = api.annotate_all(api.check([folder / "表.xlsx"]), failed=failed)
    assert written == {str(folder / "表.xlsx"): str(fallback / "表_校验结果.xlsx")}
    assert (fallback / "表_校验结果.xlsx").exists() and failed == {}
    assert any("不能写入" in n and str(fallback) in n for n in notes)
    assert not any("PermissionError" in n or ".tmp" in n for n in notes)


def test_copy_that_cannot_be_written_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "表.xlsx"
    shutil.copyfile(SPLIT, src)

    def full_disk(wb: object, dest: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(annotate, "_atomic_save", full_disk)
    failed: dict[str, str] = {}
    written, _ = api.annotate_all(api.check([src]), out_dir=tmp_path / "out", failed=failed)
    assert written == {} and failed == {str(src): f"无法生成批注副本：磁盘空间不足（{tmp_path / 'out'}）"}


# ------------------------------------------------------------------ item 3 and 13: the 校验结果 sheet
def test_summary_sheet_says_which_file_to_fix_and_prints_landscape(tmp_path: Path) -> None:
    src = tmp_path / "表.xlsx"
    shutil.copyfile(SPLIT, src)
    written, _ = api.annotate_all(api.check([src]))
    ws = openpyxl.load_workbook(written[str(src)])["校验结果"]
    assert "直接在本文件中改正" in ws["A2"].value and "把本文件发回" in ws["A2"].value
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    xls = tmp_path / "旧表.xls"
    shutil.copyfile(Path(__file__).parent / "fixtures" / "seed_001_one_per_sheet.xls", xls)
    written, _ = api.annotate_all(api.check([xls]))
    ws = openpyxl.load_workbook(written[str(xls)])["校验结果"]
    assert "在原文件“旧表.xls”中改正" in ws["A2"].value  # its copy lost the formatting: fix the original
