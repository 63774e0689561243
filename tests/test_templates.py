"""Blank templates (`xlsxtool template`, workbook_templates/): structure, protection, validation,
and — the point of them — that xlsxtool reads them: an empty template reports only missing values,
a consistently filled one passes, and mistakes are found at the right cells."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlsxtool import api
from xlsxtool.templates import GRADES, TEMPLATE_KINDS, Layout, a1, layout, write_template

ROOT = Path(__file__).resolve().parents[1]

# Consistent content: funds 10 (执行率 90 % → 9) + 产出 50 + 效益 30 + 满意度 10 = 100; scores 9 + 87 = 96.
NATIONAL_ROWS: dict[str, list[dict[str, Any]]] = {
    "产出指标": [
        dict(level2="数量指标", name="培训骨干教师", target="≥450人", actual="460人", weight=20, score=20),
        dict(level2="质量指标", name="培训合格率", target="≥95%", actual="98%", weight=15, score=15),
        dict(level2="时效指标", name="按时完成率", target="100%", actual="90%", weight=10, score=8,
             reason="部分活动延期；下年提前安排"),
        dict(level2="成本指标", name="专项支出成本", target="≤50万元", actual="48万元", weight=5, score=5),
    ],
    "效益指标": [
        dict(level2="社会效益指标", name="学生受益面", target="≥90%", actual="95%", weight=15, score=15),
        dict(level2="可持续影响指标", name="形成长效机制", target="长期", actual="达成年度指标", weight=15, score=14,
             reason="机制尚需完善；下年修订制度"),
    ],
    "满意度指标": [
        dict(level2="服务对象满意度指标", name="学校满意率", target="≥90%", actual="95%", weight=10, score=10),
    ],
}
# 四川: a free 90-point split, 指标性质/指标值/度量单位 in their own columns; scores 9 + 88 = 97.
SICHUAN_ROWS: dict[str, list[dict[str, Any]]] = {
    "产出指标": [
        dict(level2="数量指标", name="改造面积", nature="≥", target=1000, unit="平方米", actual="1200平方米", weight=40, score=40),
        dict(level2="质量指标", name="验收合格率", nature="＝", target=100, unit="%", actual="100%", weight=20, score=20),
    ],
    "效益指标": [
        dict(level2="社会效益指标", name="学生受益", nature="定性", target="明显改善", actual="达成年度指标", weight=20,
             score=18, reason="个别教室延期"),
    ],
    "满意度指标": [
        dict(level2="服务对象满意度指标", name="师生满意度", nature="≥", target=90, unit="%", actual="95%", weight=10,
             score=10),
    ],
}
FIELDS = {"项目名称": "测试项目", "主管部门": "某某市教育局", "实施单位": "某某中学", "部门名称": "某某市教育局"}
FOOTER = {"填表人": "张三", "填报日期": "2025年3月15日", "联系电话": "13912345678", "单位负责人签字": "李四",
          "项目负责人": "王五", "财务负责人": "赵六"}


def fill(src: Path, dst: Path, kind: str, *, rows: dict[str, list[dict[str, Any]]] | None = None,
         funds: dict[str, float] | None = None, split: dict[str, float] | None = None) -> Path:
    """Fill a template's input cells with openpyxl, as a program (or a careful clerk) would.

    openpyxl keeps the formulas but stores them without cached values."""
    lay = layout(kind)
    wb = openpyxl.load_workbook(src)
    ws = wb[lay.sheet]

    def put(row: int, col: int, value: Any) -> None:
        ws.cell(row=row + 1, column=col + 1, value=value)

    for key, (r, c) in lay.fields.items():
        put(r, c, FIELDS[key])
    money = {"initial": 50, "budget": 50, "spent": 45, **(funds or {})}
    for key, value in money.items():
        put(lay.funds_total, lay.funds_cols[key], value)
        if lay.funds_sources:  # everything from the first source (当年财政拨款 / 财政拨款)
            put(min(lay.funds_sources.values()), lay.funds_cols[key], value)
    if "reason" in lay.funds_cols:
        put(lay.funds_total, lay.funds_cols["reason"], "部分采购结余，已按规定收回")
    for item, value in ({"一般公共预算": 50, "基本支出": 30, "项目支出": 20} | (split or {})).items():
        if item in lay.split_items:
            put(*lay.split_items[item], value)
    put(lay.goal_rows[0], lay.goal_cols[0], "完成培训和竞赛任务")
    put(lay.goal_rows[0], lay.goal_cols[1], "培训460人，举办竞赛14科")
    data = rows if rows is not None else (SICHUAN_ROWS if kind == "sichuan" else NATIONAL_ROWS)
    for group in lay.groups:
        for r, values in zip(group.rows, data.get(group.spec.key, []), strict=False):
            for key, value in values.items():
                put(r, lay.cols[key], value)
    for key, (r, c) in lay.footer.items():
        put(r, c, FOOTER[key])
    wb.save(dst)
    return dst


def findings(path: Path) -> list[tuple[str, str | None]]:
    return sorted((f.rule, f.cell) for f in api.check([path]).findings)


def cell(lay: Layout, row: int, key: str) -> str:
    return a1(row, lay.cols[key])


@pytest.fixture(params=TEMPLATE_KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ---------------------------------------------------------------- the generated workbook
def test_title_and_unit_are_filled(tmp_path: Path, kind: str) -> None:
    lay = layout(kind)
    ws = openpyxl.load_workbook(write_template(kind, tmp_path / "t.xlsx", year=2024, unit="某某中学"))[lay.sheet]
    title = ws["A1"].value
    unit_cell = lay.fields.get("实施单位", lay.fields.get("部门名称"))
    assert unit_cell is not None and ws[a1(*unit_cell)].value == "某某中学"
    if kind == "sichuan":
        assert title == "项目支出绩效自评表" and lay.year_cell and ws[a1(*lay.year_cell)].value == "（2024年度）"
    else:
        assert title == ("2024年度项目支出绩效自评表" if kind == "project" else "2024年度部门整体支出绩效自评表")
    blank = openpyxl.load_workbook(write_template(kind, tmp_path / "b.xlsx"))[lay.sheet]
    assert "年度" in (blank[a1(*(lay.year_cell or (0, 0)))].value or "") and "20" not in blank["A1"].value
    assert blank[a1(*unit_cell)].value is None


def test_sheets_protection_and_locking(tmp_path: Path, kind: str) -> None:
    lay = layout(kind)
    wb = openpyxl.load_workbook(write_template(kind, tmp_path / "t.xlsx"))
    assert wb.sheetnames == [lay.sheet, "填表说明"]
    ws = wb[lay.sheet]
    assert ws.protection.sheet is True and not ws.protection.password  # protected, no password
    assert wb["填表说明"].protection.sheet is True
    inputs = [a1(*pos) for pos in lay.fields.values()] + [a1(*pos) for pos in lay.footer.values()]
    inputs += [a1(lay.funds_total, lay.funds_cols[k]) for k in ("initial", "budget", "spent")]
    inputs += [cell(lay, r, k) for r in (lay.indicator_rows[0], lay.indicator_rows[-1])
               for k in ("level2", "name", "target", "actual", "weight", "score", "reason")]
    inputs += [a1(r, c) for r in lay.goal_rows[:1] for c in lay.goal_cols]
    inputs += [a1(*pos) for pos in lay.split_items.values()]
    for ref in inputs:
        assert ws[ref].protection.locked is False, ref
    for r, c in lay.formula_cells():
        ref = a1(r, c)
        assert isinstance(ws[ref].value, str) and ws[ref].value.startswith("="), ref
        assert ws[ref].protection.locked is True, ref
    # Labels and the fixed funds weight are locked too.
    assert ws[a1(lay.funds_total, lay.funds_cols["weight"])].value == 10
    assert ws[a1(lay.funds_total, lay.funds_cols["weight"])].protection.locked is True
    assert ws[a1(lay.indicator_header, lay.cols["score"])].protection.locked is True


def test_formulas(tmp_path: Path, kind: str) -> None:
    lay = layout(kind)
    ws = openpyxl.load_workbook(write_template(kind, tmp_path / "t.xlsx"))[lay.sheet]
    fc, t = lay.funds_cols, lay.funds_total
    budget, spent, rate, weight = (a1(t, fc[k]) for k in ("budget", "spent", "rate", "weight"))
    assert f"{spent}/{budget}" in ws[rate].value
    assert f"MIN({rate},1)*{weight}" in ws[a1(t, fc["score"])].value
    产出 = lay.group("产出指标")
    w_range = f"{cell(lay, 产出.first, 'weight')}:{cell(lay, 产出.last, 'weight')}"
    assert f"SUM({w_range})" in ws[cell(lay, 产出.first, "sub_weight")].value
    first, last = lay.indicator_rows[0], lay.indicator_rows[-1]
    total_w = ws[cell(lay, lay.total_row, "weight")].value
    total_s = ws[cell(lay, lay.total_row, "score")].value
    assert f"SUM({weight},{cell(lay, first, 'weight')}:{cell(lay, last, 'weight')})" in total_w
    assert f"SUM({a1(t, fc['score'])},{cell(lay, first, 'score')}:{cell(lay, last, 'score')})" in total_s


def _validations(ws: Any) -> list[Any]:
    return list(ws.data_validations.dataValidation)


def _covering(ws: Any, ref: str) -> list[Any]:
    return [dv for dv in _validations(ws) if ref in dv.sqref]


def test_data_validations(tmp_path: Path, kind: str) -> None:
    lay = layout(kind)
    ws = openpyxl.load_workbook(write_template(kind, tmp_path / "t.xlsx"))[lay.sheet]
    first = lay.indicator_rows[0]
    # 分值 / 得分: decimals ≥ 0, 得分 ≤ its own row's 分值.
    (weight_dv,) = _covering(ws, cell(lay, first, "weight"))
    assert (weight_dv.type, weight_dv.operator, weight_dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert cell(lay, lay.indicator_rows[-1], "weight") in weight_dv.sqref
    (score_dv,) = _covering(ws, cell(lay, first, "score"))
    score, weight = cell(lay, first, "score"), cell(lay, first, "weight")
    assert score_dv.type == "custom"
    assert f"{score}>=0" in score_dv.formula1 and f"{score}<=${weight}" in score_dv.formula1
    assert score_dv.showErrorMessage
    # Funds amounts: decimals ≥ 0.
    (money_dv,) = _covering(ws, a1(lay.funds_total, lay.funds_cols["budget"]))
    assert (money_dv.type, money_dv.operator, money_dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    # 二级指标: one dropdown per 一级 group, listing only that group's 二级.
    for group in lay.groups:
        (dv,) = _covering(ws, cell(lay, group.first, "level2"))
        assert dv.type == "list" and dv.formula1 == '"' + ",".join(group.spec.level2) + '"'
        assert cell(lay, group.last, "level2") in dv.sqref
        assert dv.showErrorMessage
    # 实际完成值: the qualitative grades offered, other values (numbers, text) still allowed.
    (actual_dv,) = _covering(ws, cell(lay, first, "actual"))
    assert actual_dv.type == "list" and actual_dv.formula1 == '"' + ",".join(GRADES) + '"'
    assert not actual_dv.showErrorMessage
    # 偏差原因: an input message, no restriction.
    (reason_dv,) = _covering(ws, cell(lay, first, "reason"))
    assert reason_dv.type is None and reason_dv.showInputMessage and "原因" in reason_dv.prompt
    if kind == "sichuan":
        (nature_dv,) = _covering(ws, cell(lay, first, "nature"))
        assert nature_dv.type == "list" and "定性" in nature_dv.formula1
        (target_dv,) = _covering(ws, cell(lay, first, "target"))
        assert target_dv.type == "custom" and "定性" in target_dv.formula1


def test_conditional_formats(tmp_path: Path, kind: str) -> None:
    lay = layout(kind)
    ws = openpyxl.load_workbook(write_template(kind, tmp_path / "t.xlsx"))[lay.sheet]
    rules = {str(rng.sqref): [f for rule in rng.rules for f in rule.formula] for rng in ws.conditional_formatting}
    first, last = lay.indicator_rows[0], lay.indicator_rows[-1]
    row_range = f"{cell(lay, first, 'level2')}:{cell(lay, last, 'reason')}"
    (formula,) = rules[row_range]
    score, weight, reason = (cell(lay, first, k) for k in ("score", "weight", "reason"))
    assert f"${score}<${weight}" in formula and f"LEN(TRIM(${reason}))=0" in formula
    total = cell(lay, lay.total_row, "weight")
    assert any("100" in f for f in rules[total])
    if kind != "sichuan":  # the 一级 subtotal turns red when it differs from the label's weight
        sub = lay.group("产出指标")
        assert any("-50)" in f for f in rules[f"{cell(lay, sub.first, 'sub_weight')}:{cell(lay, sub.last, 'sub_weight')}"])


def test_instruction_sheet(tmp_path: Path, kind: str) -> None:
    ws = openpyxl.load_workbook(write_template(kind, tmp_path / "t.xlsx"))["填表说明"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for phrase in ("执行率 = 全年执行数 ÷ 全年预算数", "得分不能超过", "部分达成年度指标并具有一定效果", "80%～100%", "“优”"):
        assert phrase in text
    assert ("90 分，由单位" in text) if kind == "sichuan" else ("产出指标 50 分" in text)


def test_output_is_deterministic_and_committed_copies_are_current(tmp_path: Path, kind: str) -> None:
    a = write_template(kind, tmp_path / "a.xlsx").read_bytes()
    b = write_template(kind, tmp_path / "b.xlsx").read_bytes()
    assert a == b
    committed = ROOT / "workbook_templates" / layout(kind).file_name
    assert committed.read_bytes() == a, "run: python workbook_templates/build_templates.py"


def test_cli_template_command(tmp_path: Path) -> None:
    from xlsxtool.cli import main

    out = tmp_path / "四川.xlsx"
    assert main(["template", "sichuan", "-o", str(out), "--year", "2023", "--unit", "某某小学"]) == 0
    ws = openpyxl.load_workbook(out)["项目支出绩效自评表"]
    assert ws["A2"].value == "（2023年度）" and ws[a1(*layout("sichuan").fields["实施单位"])].value == "某某小学"
    assert main(["template", "sichuan", "-o", str(out)]) == 2  # exists: needs --force
    assert main(["template", "nonsense", "-o", str(tmp_path / "x.xlsx")]) == 2


def test_xlsxwriter_is_imported_lazily() -> None:
    code = "import sys, xlsxtool.templates, xlsxtool.cli; assert 'xlsxwriter' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ---------------------------------------------------------------- read back by xlsxtool
# An empty template has no filled indicator: C309 at its indicator header (issue 14, item 4).
EMPTY_FINDINGS = {
    "project": [("B105", "E5"), ("B105", "F5"), ("C305", "B2"), ("C305", "B3"), ("C305", "F3"),
                ("C306", "A39"), ("C306", "C39"), ("C306", "E39"), ("C309", "B11")],
    "department": [("B105", "E4"), ("B105", "F4"), ("C305", "B2"), ("C306", "A42"), ("C306", "C42"), ("C306", "E42"),
                   ("C309", "B14")],
    "sichuan": [("B105", "E6"), ("B105", "F6"), ("C305", "B3"), ("C305", "B4"), ("C305", "G4"),
                ("C306", "A41"), ("C306", "D41"), ("C306", "H40"), ("C309", "B12")],
}


def test_empty_template_reports_only_missing_values(tmp_path: Path, kind: str) -> None:
    path = write_template(kind, tmp_path / "t.xlsx")
    result = api.check([path])
    assert result.forms == 1  # the 填表说明 sheet is not mistaken for a form
    assert [f for f in findings(path) if f[0] not in ("F004", "C307")] == EMPTY_FINDINGS[kind]
    # B105 (年度资金总额 empty), C305 (header fields), C306 (footer), C309 (no indicator): all
    # "please fill this in".
    assert {f.rule for f in result.findings} - {"F004"} <= {"B105", "C305", "C306", "C307", "C309"}


def test_empty_template_has_cached_formula_results(tmp_path: Path, kind: str) -> None:
    path = write_template(kind, tmp_path / "t.xlsx")
    assert "F004" not in {rule for rule, _ in findings(path)}


def test_empty_template_with_unit_has_no_unit_finding(tmp_path: Path) -> None:
    path = write_template("project", tmp_path / "t.xlsx", year=2024, unit="某某中学")
    assert ("C305", "F3") not in findings(path)


def test_empty_template_reports_empty_goals(tmp_path: Path, kind: str) -> None:
    lay = layout(kind)
    path = write_template(kind, tmp_path / "t.xlsx")
    got = findings(path)
    assert ("C307", a1(lay.goal_rows[0], lay.goal_cols[0])) in got
    assert ("C307", a1(lay.goal_rows[0], lay.goal_cols[1])) in got


def test_filled_template_passes(tmp_path: Path, kind: str) -> None:
    """Zero errors. The one warning is F004: openpyxl keeps the formulas but cannot compute them, so
    执行率/得分/合计 have no cached value until Excel (or LibreOffice) opens and saves the file."""
    lay = layout(kind)
    path = fill(write_template(kind, tmp_path / "t.xlsx", year=2024), tmp_path / "filled.xlsx", kind)
    result = api.check([path])
    assert result.errors == 0
    assert [(f.rule, f.cell) for f in result.findings] == [("F004", a1(*lay.formula_cells()[0]))]


def test_filled_template_reads_the_inputs(tmp_path: Path, kind: str) -> None:
    path = fill(write_template(kind, tmp_path / "t.xlsx", year=2024), tmp_path / "filled.xlsx", kind)
    frames, _ = api.frames_of([path])
    ind = frames["indicators"]
    assert len(ind) == (4 if kind == "sichuan" else 7)
    assert set(ind["level1_key"]) == {"产出指标", "效益指标", "满意度指标"}
    assert ind["weight"].sum() == 90
    form = frames["forms"].iloc[0]
    assert (form["kind"], form["year"]) == ("department" if kind == "department" else "project", 2024)
    assert form["name"] == ("某某市教育局" if kind == "department" else "测试项目")
    assert form["has_footer"] and form["filler"] == "张三" and form["phone"] == "13912345678"
    if kind == "sichuan":
        row = ind[ind["name"] == "改造面积"].iloc[0]
        assert (row["target_op"], row["target_value"], row["target_unit"]) == ("≥", 1000, "平方米")
        assert ind[ind["name"] == "验收合格率"].iloc[0]["target_op"] == "="  # the full-width ＝ of the dropdown
        assert bool(ind[ind["name"] == "学生受益"].iloc[0]["target_qualitative"])


def test_filled_template_computes_formula_values_from_inputs(tmp_path: Path, kind: str) -> None:
    path = fill(write_template(kind, tmp_path / "t.xlsx"), tmp_path / "filled.xlsx", kind)
    frames, _ = api.frames_of([path])
    total = frames["funds"][frames["funds"]["section"] == "total"].iloc[0]
    assert (total["rate"], total["score"]) == (pytest.approx(0.9), pytest.approx(9))
    form = frames["forms"].iloc[0]
    assert (form["total_weight"], form["total_score"]) == (100, 97 if kind == "sichuan" else 96)


def test_filled_by_a_program_reports_uncomputed_formulas(tmp_path: Path) -> None:
    path = fill(write_template("project", tmp_path / "t.xlsx"), tmp_path / "filled.xlsx", "project")
    assert [f.rule for f in api.check([path]).findings] == ["F004"]


def _national_rows(**changes: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    rows = {k: [dict(r) for r in v] for k, v in NATIONAL_ROWS.items()}
    for name, change in changes.items():
        for group in rows.values():
            for r in group:
                if r["name"] == name:
                    r.update(change)
    return rows


def test_score_above_weight_and_missing_reason(tmp_path: Path) -> None:
    lay = layout("project")
    rows = _national_rows(培训骨干教师=dict(score=22), 按时完成率=dict(reason=None))
    path = fill(write_template("project", tmp_path / "t.xlsx"), tmp_path / "bad.xlsx", "project", rows=rows)
    产出 = lay.group("产出指标")
    first_row, late_row = 产出.first, 产出.first + 2
    got = findings(path)
    assert ("S201", cell(lay, first_row, "score")) in got
    assert ("C301", cell(lay, late_row, "reason")) in got
    assert {rule for rule, _ in got} == {"S201", "C301", "F004"}


def test_group_weights_and_missing_fields(tmp_path: Path) -> None:
    lay = layout("project")
    rows = _national_rows(培训骨干教师=dict(weight=25, score=25), 学生受益面=dict(actual=None), 形成长效机制=dict(target=None))
    path = fill(write_template("project", tmp_path / "t.xlsx"), tmp_path / "bad.xlsx", "project", rows=rows)
    got = findings(path)
    产出, 效益 = lay.group("产出指标"), lay.group("效益指标")
    assert ("S205", a1(产出.first, lay.cols["level1"])) in got  # 产出 adds up to 55, label says 50
    assert ("S204", cell(lay, lay.total_row, "weight")) in got  # 105 in all
    assert ("C302", cell(lay, 效益.first, "actual")) in got
    assert ("C303", cell(lay, 效益.first + 1, "target")) in got


def test_funds_inconsistent_with_sources(tmp_path: Path) -> None:
    lay = layout("project")
    src = write_template("project", tmp_path / "t.xlsx")
    path = fill(src, tmp_path / "bad.xlsx", "project", funds={"budget": 50, "spent": 60})
    wb = openpyxl.load_workbook(path)
    ws = wb[lay.sheet]
    ws[a1(lay.funds_sources["其中：当年财政拨款"], lay.funds_cols["budget"])] = 40  # sources no longer add up
    wb.save(path)
    got = findings(path)
    assert ("B104", a1(lay.funds_total, lay.funds_cols["budget"])) in got
    assert ("B103", a1(lay.funds_total, lay.funds_cols["spent"])) in got


def test_sichuan_free_split_is_not_s208(tmp_path: Path) -> None:
    rows = {k: [dict(r) for r in v] for k, v in SICHUAN_ROWS.items()}
    path = fill(write_template("sichuan", tmp_path / "t.xlsx"), tmp_path / "f.xlsx", "sichuan", rows=rows)
    assert "S208" not in {rule for rule, _ in findings(path)}


def test_department_split_items_are_checked(tmp_path: Path) -> None:
    lay = layout("department")
    path = fill(write_template("department", tmp_path / "t.xlsx"), tmp_path / "bad.xlsx", "department",
                split={"基本支出": 35})  # 35 + 20 ≠ 50
    assert ("X601", a1(lay.funds_total, lay.funds_cols["budget"])) in findings(path)
