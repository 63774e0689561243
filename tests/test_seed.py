"""Acceptance on the real document (seed 001, in samples/) through the CLI's JSON output (issue 3),
and the convert counts of issue 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
STACKED = SAMPLES / "岳阳市教育科学技术研究院_2023年度绩效自评表.xlsx"
SPLIT = SAMPLES / "岳阳市教育科学技术研究院_2023年度绩效自评表_分表.xlsx"

# A reviewer checking seed 001 by hand finds exactly these errors (form → rule counts).
EXPECTED_ERRORS: dict[str, Counter] = {
    "岳阳市教育科学技术研究院": Counter(),
    "高三复习迎考": Counter({"C302": 1}),
    "基础课程改革": Counter(),
    "教育规划与发展专项经费（青少年科技活动）": Counter({"S204": 1, "S205": 2, "S206": 1, "S207": 1}),
    "教育科研与成果推广专项": Counter({"S204": 1, "S205": 2, "S206": 1, "S207": 1, "C302": 5, "C303": 1}),
    "教育信息化": Counter({"S204": 1, "S205": 1, "S206": 1, "S207": 1}),
    "全市思政课建设": Counter(),
    "全市中小学心理健康教育": Counter({"S204": 1, "S205": 2, "S206": 1, "S207": 1}),
    "实验教学管理与研究": Counter({"C301": 1, "C302": 4}),
    "中等职业教育科研与成果推广应用": Counter({"C304": 1}),
    "中小学教学质量监测专项": Counter(),
}


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlsxtool", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, timeout=300)


@pytest.mark.parametrize("workbook", [STACKED, SPLIT], ids=["stacked", "one-per-sheet"])
def test_seed_001_errors_exactly_as_a_reviewer_finds_them(workbook: Path, tmp_path: Path) -> None:
    proc = run_cli("check", str(workbook), "--format", "json", "--no-annotate")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)  # nothing but JSON on stdout
    (entry,) = doc["files"]
    assert entry["forms"] == 11
    errors: dict[str, Counter] = {name: Counter() for name in EXPECTED_ERRORS}
    warnings: list[tuple[str, str]] = []
    for f in entry["findings"]:
        if f["severity"] == "error":
            errors[f["form"]][f["rule"]] += 1
        else:
            warnings.append((f["form"], f["rule"]))
    assert errors == EXPECTED_ERRORS
    assert ("中等职业教育科研与成果推广应用", "S209") in warnings
    assert ("教育规划与发展专项经费（青少年科技活动）", "S212") in warnings
    assert doc["summary"] == {"files": 1, "forms": 11, "errors": 32, "warnings": len(warnings)}
    # Findings point at real cells, with Chinese messages unescaped.
    s205 = [f for f in entry["findings"] if f["rule"] == "S205" and f["form"] == "教育信息化"][0]
    assert "产出指标" in s205["message"] and "60" in s205["message"] and "50" in s205["message"]
    assert '"message": "' in proc.stdout and "\\u" not in proc.stdout


def test_seed_001_cells_in_the_stacked_sheet() -> None:
    proc = run_cli("check", str(STACKED), "--format", "json", "--no-annotate", "--select", "C301,C304,S209")
    cells = {(f["rule"], f["sheet"], f["cell"]) for f in json.loads(proc.stdout)["files"][0]["findings"]}
    # 实验教学管理与研究: 时效指标 5 → 3 without a reason; 中职: second 社会效益 row has no 三级指标.
    assert cells == {("C301", "自评表", "J284"), ("C304", "自评表", "E317"), ("S209", "自评表", "I321")}


def test_convert_seed_yields_eleven_forms_with_seed_values(tmp_path: Path) -> None:
    proc = run_cli("convert", str(STACKED), "--to", "csv", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    raw = (tmp_path / "indicators.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 CSV correctly
    with open(tmp_path / "forms.csv", encoding="utf-8-sig") as fh:
        forms = list(csv.DictReader(fh))
    with open(tmp_path / "indicators.csv", encoding="utf-8-sig") as fh:
        indicators = list(csv.DictReader(fh))
    with open(tmp_path / "funds.csv", encoding="utf-8-sig") as fh:
        funds = list(csv.DictReader(fh))
    assert len(forms) == 11
    per_form = Counter(r["form_id"] for r in indicators)
    names = {r["form_id"]: r["name"] for r in forms}
    counts = {names[k]: v for k, v in per_form.items()}
    assert counts["岳阳市教育科学技术研究院"] == 9
    assert counts["高三复习迎考"] == 12
    assert counts["教育信息化"] == 15
    assert sum(counts.values()) == 116
    # Every weight and score equals the seed: the per-form sums.
    weights = Counter()
    scores = Counter()
    for r in indicators:
        weights[names[r["form_id"]]] += float(r["weight"] or 0)
        scores[names[r["form_id"]]] += float(r["score"] or 0)
    assert weights["岳阳市教育科学技术研究院"] == 90 and scores["岳阳市教育科学技术研究院"] == 86
    assert weights["教育信息化"] == 100 and scores["全市中小学心理健康教育"] == 98
    dept_total = next(r for r in funds if r["form_id"] == "0" and r["section"] == "total")
    assert (dept_total["budget"], dept_total["budget_cell"], dept_total["sheet"]) == ("1463.31", "F5", "自评表")
    # The cell of a known value: 实验教学管理与研究, 时效指标 得分 3.
    row = next(r for r in indicators if r["name"] == "改善全市教育单位教学装备")
    assert (row["score"], row["score_cell"], row["weight_cell"]) == ("3.0", "I284", "H284")


def test_convert_escapes_formula_like_text_in_csv(tmp_path: Path) -> None:
    proc = run_cli("convert", str(STACKED), "--to", "csv", "--out", str(tmp_path))
    assert proc.returncode == 0
    text = (tmp_path / "indicators.csv").read_text(encoding="utf-8-sig")
    # '=<50万' (高三复习迎考 成本指标) must not run as a formula when the CSV is opened in Excel.
    assert "'=<50万" in text
    assert ",=<50万" not in text


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_convert_other_formats(tmp_path: Path, fmt: str) -> None:
    proc = run_cli("convert", str(SPLIT), "--to", fmt, "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    if fmt == "json":
        forms = json.loads((tmp_path / "forms.json").read_text(encoding="utf-8"))
        assert len(forms) == 11 and forms[1]["name"] == "高三复习迎考"
        assert "\\u" not in (tmp_path / "forms.json").read_text(encoding="utf-8")
    else:
        import openpyxl

        wb = openpyxl.load_workbook(tmp_path / "frames.xlsx")
        assert wb.sheetnames == ["forms", "funds", "indicators", "goals"]
        ws = wb["indicators"]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert "=<50万" in texts  # stored as text, not as a formula
