"""The copies a reviewer sends back (issue 14): mirrored under --out, replaced by --force without
stale leftovers, written only where asked, a writable folder when the usual one is not, and a
校验结果 sheet that says which file to fix and return."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.test_seed import SPLIT
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
def _refuse_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """The OS refusing writes into *folder* (tests may run as root, where chmod does not)."""
    save = annotate._atomic_save

    def guarded(wb: object, dest: Path) -> None:
        if dest.parent.resolve() == folder.resolve():
            raise PermissionError(13, "Permission denied", str(dest.parent / ".tmpab12cd.tmp"))
        save(wb, dest)  # type: ignore[arg-type]

    monkeypatch.setattr(annotate, "_atomic_save", guarded)


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
