"""Locating and normalising forms in every layout variant of SPEC §1.3 (issue 2)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.builders import findings_of, one_form, project_form, write_forms
from xlsxtool.normalize import extract
from xlsxtool.read import WorkbookError, read_workbook


def _extract(path: Path):
    return extract(read_workbook(path))


def _by_name(ext, name: str) -> dict:
    return next(r for r in ext.indicator_records() if r["name"] == name)


def test_clean_form_reads_every_value_with_its_cell(tmp_path: Path) -> None:
    ext = _extract(one_form(tmp_path / "a.xlsx"))
    assert len(ext.forms) == 1
    form = ext.forms[0]
    assert (form["kind"], form["year"], form["name"], form["department"], form["unit"]) == (
        "project", 2023, "测试项目", "某某市教育局", "某某中学")
    assert (form["title_cell"], form["name_cell"], form["unit_cell"]) == ("A1", "B2", "F3")
    assert form["money_unit"] == "万元"
    assert (form["total_weight"], form["total_score"], form["total_score_cell"]) == (100, 96, "H20")
    assert (form["filler"], form["fill_date"], form["phone"]) == ("张三", "2024年3月15日", "139****6836")
    assert len(ext.indicators) == 8
    first = ext.indicator_records()[0]
    assert first["level1_key"] == "产出指标" and first["level1_weight"] == 50 and first["level1_cell"] == "B12"
    assert (first["target_op"], first["target_value"], first["target_unit"], first["target_cell"]) == ("≥", 450, "人", "E12")
    assert (first["weight"], first["weight_cell"], first["score"], first["score_cell"]) == (20, "G12", 20, "H12")
    # Row 2 of the 数量指标 group inherits its 一级/二级 from the merged cells above.
    second = ext.indicator_records()[1]
    assert (second["level1_cell"], second["level2"], second["level2_cell"]) == ("B12", "数量指标", "C12")
    total = next(r for r in ext.funds if r["section"] == "total")
    assert (total["budget"], total["spent"], total["rate"], total["score"]) == (50, 45, 0.9, 9)
    assert (total["budget_cell"], total["rate_cell"]) == ("E5", "H5")
    assert ext.goals[0]["expected"] == "完成培训和竞赛任务" and ext.goals[0]["actual_cell"] == "F10"


def test_form_at_an_offset_keeps_true_cell_addresses(tmp_path: Path) -> None:
    ext = _extract(one_form(tmp_path / "a.xlsx", top=5, left=3))
    assert ext.forms[0]["title_cell"] == "D6"
    assert _by_name(ext, "培训骨干教师")["score_cell"] == "K17"
    assert findings_of(tmp_path / "a.xlsx") == []


def test_stacked_forms_in_one_sheet_and_one_per_sheet(tmp_path: Path) -> None:
    a = project_form(name="项目甲")
    b = project_form(name="项目乙", title="财政项目支出绩效自评表")
    c = project_form(name="项目丙", title="附件：部门预算项目支出绩效自评表")
    path = write_forms(tmp_path / "s.xlsx", {"表一": [(a, 0, 0), (b, 25, 0)], "表二": [(c, 2, 1)]})
    ext = _extract(path)
    assert [(f["name"], f["sheet"]) for f in ext.forms] == [("项目甲", "表一"), ("项目乙", "表一"), ("项目丙", "表二")]
    assert [len([r for r in ext.indicator_records() if r["form_id"] == i]) for i in range(3)] == [8, 8, 8]
    assert findings_of(path) == []


def test_blank_rows_and_columns_inserted(tmp_path: Path) -> None:
    form = project_form()
    # Two blank rows between the goals block and the indicator block.
    rows = form.rows[:10] + [[None] * 9, [None] * 9] + form.rows[10:]
    merges = [(r0 + (2 if r0 >= 10 else 0), c0, r1 + (2 if r1 >= 10 else 0), c1) for r0, c0, r1, c1 in form.merges]
    form.rows, form.merges = rows, merges
    path = one_form(tmp_path / "a.xlsx", form)
    assert findings_of(path) == []
    assert len(_extract(path).indicators) == 8


@pytest.mark.parametrize("unit_style", ["prefix", "separate"])
def test_implementing_unit_in_one_cell_or_label_plus_value(tmp_path: Path, unit_style: str) -> None:
    ext = _extract(one_form(tmp_path / "a.xlsx", project_form(unit_style=unit_style, unit="某某中学")))
    assert ext.forms[0]["unit"] == "某某中学"


def test_money_unit_yuan(tmp_path: Path) -> None:
    ext = _extract(one_form(tmp_path / "a.xlsx", project_form(money_label="项目资金（元）")))
    assert ext.forms[0]["money_unit"] == "元"


def test_header_synonyms_with_newlines_and_spaces(tmp_path: Path) -> None:
    headers = {
        "initial": "年初\n预算数", "budget": "调整后预算数", "spent": "预算执行数", "weight": "权  重",
        "rate": "执行率（B/A）", "score": "自评得分", "target": "年初目标值", "actual": "全年实际值",
        "reason": "未完成原因分析",
    }
    path = one_form(tmp_path / "a.xlsx", project_form(headers=headers, total_label="总分"))
    ext = _extract(path)
    row = _by_name(ext, "按时完成率")
    assert (row["weight"], row["score"], row["target"], row["actual"], row["reason"]) == (5, 3, "100%", "90%", "部分活动延期；下年提前安排")
    assert ext.forms[0]["total_score"] == 96
    assert findings_of(path) == []


@pytest.mark.parametrize("variant", ["merged", "first_row_only", "repeated"])
def test_level1_level2_merged_or_written_once_or_repeated(tmp_path: Path, variant: str) -> None:
    form = {
        "merged": project_form(),
        "first_row_only": project_form(merge_level1=False),
        "repeated": project_form(repeat_level_labels=True),
    }[variant]
    path = one_form(tmp_path / "a.xlsx", form)
    ext = _extract(path)
    row = _by_name(ext, "开展竞赛")
    assert (row["level1_key"], row["level2_key"]) == ("产出指标", "数量指标")
    assert _by_name(ext, "形成长效机制")["level2_key"] == "可持续影响指标"
    assert findings_of(path) == []


def test_split_target_columns_are_combined(tmp_path: Path) -> None:
    path = one_form(tmp_path / "a.xlsx", project_form(split_target=True))
    ext = _extract(path)
    row = _by_name(ext, "培训骨干教师")
    assert (row["target_op"], row["target_value"], row["target_unit"], row["target_qualitative"]) == ("≥", 450, "人", False)
    assert _by_name(ext, "形成长效机制")["target_qualitative"] is True
    assert findings_of(path) == []


def _sichuan_rows() -> tuple[list[list], list[tuple[int, int, int, int]]]:
    rows = [
        ["项目支出绩效自评表"],
        ["（2022年度）"],
        ["项目名称", "四川测试项目"],
        ["主管部门", "某某县教育局", None, None, "实施单位", "某某小学"],
        ["预算执行情况(10分)", "资金来源", None, "年初预算数", "调整后预算数", "预算执行数", "执行率", "权重", "得分", "原因"],
        [None, "年度资金总额", None, "100", "100", "95", "95%", 10, 9.5, "结余退回"],
        [None, "财政拨款", None, 100, 100, 95],
        ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
        [None, "改造校舍", None, None, None, "改造完成"],
        ["绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "全年实际值", "权重", "得分", "未完成原因分析"],
        [None, "产出指标", "数量指标", "改造面积", "≥", 1000, "平方米", "1200平方米", 40, 40],
        [None, None, "质量指标", "验收合格率", "=", 100, "%", "100%", 20, 20],
        [None, "效益指标", "社会效益指标", "学生受益", "定性", "明显改善", None, "达成年度指标", 20, 18, "个别教室延期"],
        [None, "满意度指标", "服务对象满意度指标", "师生满意度", "≥", 90, "%", "95%", 10, 10],
        ["合计", None, None, None, None, None, None, None, 100, 97.5],
        ["项目负责人:", None, None, None, None, "财务负责人:"],
    ]
    merges = [(0, 0, 0, 10), (4, 0, 6, 0), (10, 1, 11, 1)]
    return rows, merges


def test_sichuan_layout(tmp_path: Path) -> None:
    from tests.builders import Form

    rows, merges = _sichuan_rows()
    path = one_form(tmp_path / "sc.xlsx", Form(rows=rows, merges=merges))
    ext = _extract(path)
    form = ext.forms[0]
    assert (form["year"], form["name"], form["unit"]) == (2022, "四川测试项目", "某某小学")
    assert form["funds_weight_declared"] == 10 and form["indicators_weight_declared"] == 90
    assert form["total_weight"] == 100 and form["total_score"] == 97.5
    total = next(r for r in ext.funds if r["section"] == "total")
    assert (total["budget"], total["spent"], total["rate"], total["weight"], total["score"]) == (100, 95, 0.95, 10, 9.5)
    area = _by_name(ext, "改造面积")
    assert (area["target_op"], area["target_value"], area["target_unit"], area["actual_value"]) == ("≥", 1000, "平方米", 1200)
    assert _by_name(ext, "学生受益")["target_qualitative"] is True
    # A clean Sichuan form: no errors, and its free 90-point split is not an S208 warning.
    assert [f.rule for f in findings_of(path)] == []


def test_department_form_of_the_seed(tmp_path: Path) -> None:
    ext = _extract(Path("samples/岳阳市教育科学技术研究院_2023年度绩效自评表_分表.xlsx"))
    dept = ext.forms[0]
    assert (dept["kind"], dept["sheet"], dept["name"], dept["name_cell"]) == ("department", "部门整体", "岳阳市教育科学技术研究院", "B2")
    items = {(r["section"], r["source"]): r for r in ext.funds if r["form_id"] == 0}
    assert items[("income", "一般公共预算")]["amount"] == 1463.31
    assert items[("expense", "基本支出")]["amount"] == 1129.76
    assert items[("expense", "项目支出")]["amount"] == 333.56
    total = items[("total", "年度资金总额")]
    assert total["budget"] == 1463.31 and total["budget_raw"] == "1,463.31"


def test_not_a_self_evaluation_workbook_yields_no_forms(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "工资表"
    ws.append(["姓名", "基本工资", "绩效工资"])
    ws.append(["张三", 5000, 1200])
    wb.save(tmp_path / "pay.xlsx")
    ext = _extract(tmp_path / "pay.xlsx")
    assert ext.forms == [] and ext.sheet_names == ["工资表"]


def test_corrupt_file_raises_a_typed_error(tmp_path: Path) -> None:
    good = one_form(tmp_path / "a.xlsx").read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(WorkbookError) as info:
        read_workbook(bad)
    assert info.value.code == "F001"


def test_placeholder_rows_are_not_indicators(tmp_path: Path) -> None:
    from tests.builders import CLEAN_INDICATORS

    indicators = [dict(i) for i in CLEAN_INDICATORS]
    indicators.insert(5, dict(l1=None, l2="生态效益指标", name="无", target=None, actual=None, weight=None, score=None))
    indicators.insert(6, dict(l1=None, l2=None, name=None, target=None, actual=None, weight=None, score=None))
    path = one_form(tmp_path / "a.xlsx", project_form(indicators=indicators))
    assert len(_extract(path).indicators) == 8
    assert findings_of(path) == []


def test_text_numbers_and_full_width_digits(tmp_path: Path) -> None:
    funds = [
        dict(source="年度资金总额", initial="1,463.31 ", budget=" 1,463.31 ", spent="１４６３．３１", weight="10", rate="100%", score="10"),
        dict(source="其中：当年财政拨款", initial=1463.31, budget=1463.31, spent=1463.31),
    ]
    path = one_form(tmp_path / "a.xlsx", project_form(funds=funds, total=(100, 97)))
    total = next(r for r in _extract(path).funds if r["section"] == "total")
    assert (total["budget_initial"], total["budget"], total["spent"], total["rate"]) == (1463.31, 1463.31, 1463.31, 1.0)
    assert [f.rule for f in findings_of(path)] == []


def test_merged_cells_resolve_to_their_top_left_and_hidden_values_are_not_read() -> None:
    # A1:B2 merged with stale text left under it (B2, and A2 by an odd writer), C1:D1 merged,
    # and B2:C3 overlapping the first range: its top-left B2 already belongs to A1:B2.
    from xlsxtool.read import SheetGrid

    rows = [["标题", "", "分值", ""], ["旧值", "残留", "", ""], ["", "", "", "数据"]]
    grid = SheetGrid(name="表", rows=rows, merges=[(0, 0, 1, 1), (0, 2, 0, 3), (1, 1, 2, 2)])
    assert grid.starts(0) == {0: "标题", 2: "分值"}
    assert grid.starts(1) == {}  # what sits under a merge is not a value of that row
    assert grid.starts(2) == {3: "数据"}
    assert grid.value(1, 1) == "标题" and grid.value(0, 3) == "分值" and grid.value(2, 2) == "残留"
    assert grid.anchor(1, 1) == (0, 0) and grid.anchor(2, 1) == (1, 1) and grid.anchor(0, 2) == (0, 2)
    assert grid.is_continuation(1, 0) and not grid.is_continuation(2, 3)
