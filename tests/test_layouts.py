"""The locator's general mechanisms (issue 12), one layout feature at a time, on small forms
written inline: a rule fires only on what the form has, and a layout the national template does
not know is read, not turned into a row of errors."""

from __future__ import annotations

from pathlib import Path

from tests.real.corpus import grid, render_xlsx
from xlsxtool import api
from xlsxtool.normalize import extract
from xlsxtool.read import read_workbook

# A clean national project form (9 columns); funds 10 + 产出 50 + 效益 30 + 满意度 10 = 100,
# scores 9 + 50 + 22 + 9 = 90. The tests below change one thing each.
CLEAN = """
| 2023年度项目支出绩效自评表 | < | < | < | < | < | < | < | < |
| 项目名称 | 乡村道路养护 | < | < | < | < | < | < | < |
| 主管部门 | 某县交通运输局 | < | < | 实施单位 | 某县公路事务中心 | < | < | < |
| 项目资金（万元） |  | < | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |
| ^ | 年度资金总额 | < | 100 | 100 | 90 | 10 | 90% | 9 |
| ^ | 其中：当年财政拨款 | < | 100 | 100 | 90 |  |  |  |
| 年度总体目标 | 预期目标 | < | < | < | 实际完成情况 | < | < | < |
| ^ | 养护农村公路300公里 | < | < | < | 养护农村公路310公里 | < | < | < |
| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 |
| ^ | 产出指标（50分） | 数量指标 | 养护里程 | ≥300公里 | 310公里 | 30 | 30 |  |
| ^ | ^ | 质量指标 | 优良路率 | ≥80% | 85% | 20 | 20 |  |
| ^ | 效益指标（30分） | 社会效益指标 | 群众出行条件改善 | 明显改善 | 部分达成年度指标并具有一定效果 | 30 | 22 | 部分路段雨季中断；加强巡查 |
| ^ | 满意度指标（10分） | 服务对象满意度指标 | 沿线群众满意度 | ≥90% | 88% | 10 | 9 | 个别路段施工扰民；提前公告 |
| 合计 | < | < | < | < | < | 100 | 90 |  |
| 填表人：王五   填报日期：2024年3月1日   联系电话：139****6836 | < | < | < | < | < | < | < | < |
"""


def check(tmp_path: Path, text: str, numbers: bool = True) -> list[tuple[str, str | None]]:
    path = render_xlsx(grid(text), tmp_path / "form.xlsx", numbers=numbers)
    return sorted((f.rule, f.cell) for f in api.check([path]).findings)


def rows(text: str) -> list[str]:
    return [line for line in text.strip().splitlines()]


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_the_clean_form_has_no_findings(tmp_path: Path) -> None:
    assert check(tmp_path, CLEAN) == []
    assert check(tmp_path, CLEAN, numbers=False) == []


def test_a_unit_and_date_line_under_the_title_and_a_contact_row_in_the_head(tmp_path: Path) -> None:
    """'填报单位：… 填报日期：…' above the table is the head's information, not a footer that
    ends the form; a contact row with 联系电话 inside the head neither."""
    lines = rows(CLEAN)
    lines.insert(1, "| 填报单位（盖章）：某县公路事务中心 | < | < | < | < | 填报日期：2024年3月1日 | < | 单位：万元 | < |")
    lines.insert(4, "| 项目负责人 | 赵六 | < | < | 联系电话 | 0734-1234567 | < | < | < |")
    text = "\n".join(lines)
    assert check(tmp_path, text) == []
    ext = extract(read_workbook(render_xlsx(grid(text), tmp_path / "b.xlsx")))
    assert len(ext.indicators) == 4 and ext.forms[0]["total_score"] == 90
    assert ext.forms[0]["money_unit"] == "万元"


def test_a_form_without_a_title(tmp_path: Path) -> None:
    assert check(tmp_path, "\n".join(rows(CLEAN)[1:])) == []


def test_two_row_headers_are_combined(tmp_path: Path) -> None:
    """A merged parent over split child columns: '预算数' over 年初 | 全年, '指标值' over
    年度指标值 | 实际完成值 (the 一级/二级/三级 labels merged down over both rows)."""
    text = edit(CLEAN, "| 项目资金（万元） |  | < | 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |",
                "| 项目资金（万元） |  | < | 预算数 | < | 全年执行数 | 分值 | 执行率 | 得分 |\n"
                "| ^ | ^ | ^ | 年初 | 全年 | ^ | ^ | ^ | ^ |")
    text = edit(text, "| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 |",
                "| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 指标值 | < | 分值 | 得分 | 偏差原因分析及改进措施 |\n"
                "| ^ | ^ | ^ | ^ | 年度指标值 | 实际完成值 | ^ | ^ | ^ |")
    assert check(tmp_path, text) == []
    # The same form with a real error: read through the two-row header, at its true cell.
    wrong = edit(text, "| 30 | 30 |  |", "| 30 | 32 |  |")
    assert ("S201", "H12") in check(tmp_path, wrong)


def test_a_second_indicator_block_repeats_its_header(tmp_path: Path) -> None:
    """A form continued after a page break: the header row repeated, the rows read on."""
    lines = rows(CLEAN)
    header = lines[8]
    lines.insert(11, header)
    assert check(tmp_path, "\n".join(lines)) == []


def test_totals_rows_in_other_words(tmp_path: Path) -> None:
    for words in ("总  分", "综合得分", "合计得分", "总计"):
        text = edit(CLEAN, "| 合计 | < |", f"| {words} | < |")
        assert check(tmp_path, text) == [], words
    wrong = edit(CLEAN, "| 合计 | < | < | < | < | < | 100 | 90 |", "| 自评总分 | < | < | < | < | < | 100 | 92 |")
    assert check(tmp_path, wrong) == [("S206", "H14")]


def test_a_goals_block_labelled_otherwise_is_not_read_as_funds(tmp_path: Path) -> None:
    """'年度绩效目标完成情况 | 年初设定目标 | 全年完成情况' right after the funds rows: goal texts,
    not funds amounts (no V501 on them)."""
    text = edit(CLEAN, "| 年度总体目标 | 预期目标 | < | < | < | 实际完成情况 | < | < | < |",
                "| 年度绩效目标完成情况 | 年初设定目标 | < | < | < | 全年目标完成情况 | < | < | < |")
    assert check(tmp_path, text) == []
    same = edit(text, "| ^ | 养护农村公路300公里 | < | < | < | 养护农村公路310公里 |",
                "| ^ | 养护农村公路300公里 | < | < | < | 养护农村公路300公里 |")
    assert check(tmp_path, same) == [("C307", "F8")]


def test_weights_written_as_percentages_of_100(tmp_path: Path) -> None:
    text = CLEAN
    for old, new in (("| 10 | 90% | 9 |", "| 10% | 90% | 9 |"), ("| 30 | 30 |  |", "| 30% | 30 |  |"),
                     ("| 20 | 20 |  |", "| 20% | 20 |  |"), ("| 30 | 22 |", "| 30% | 22 |"),
                     ("| 10 | 9 | 个别", "| 10% | 9 | 个别"), ("| < | 100 | 90 |  |", "| < | 100% | 90 |  |")):
        text = edit(text, old, new)
    assert check(tmp_path, text) == []


def test_a_target_only_form_has_nothing_to_score(tmp_path: Path) -> None:
    """No 分值 or 得分 by design (a 绩效目标 table): no F005, and no C302/C303/S203 per row."""
    text = "\n".join([
        "| 2023年度项目绩效目标表 | < | < | < | < |",
        "| 项目名称 | 乡村道路养护 | < | < | < |",
        "| 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 |",
        "| 产出指标 | 数量指标 | 养护里程 | ≥300公里 |  |",
        "| ^ | 质量指标 | 优良路率 | ≥80% |  |",
        "| 效益指标 | 社会效益指标 | 群众出行条件改善 | 明显改善 |  |",
    ])
    assert check(tmp_path, text) == []


def test_a_department_scoring_sheet(tmp_path: Path) -> None:
    """序号 / 一级 / 二级 / 三级 / 指标解释 / 评分标准 / 分值 / 自评得分, another framework, the total
    declared in the head: 得分 ≤ 分值, the sums and the declared total are checked; nothing is
    asked of targets it does not have."""
    sheet = """
| 2023年度部门整体支出绩效评价评分表 | < | < | < | < | < | < | < |
| 部门名称：某县农业农村局 | < | < | < | < | 自评得分：93 | < | < |
| 序号 | 一级指标 | 二级指标 | 三级指标 | 指标解释 | 评分标准 | 分值 | 自评得分 |
| 1 | 决策（20分） | 目标设定 | 绩效目标合理性 | 目标是否依据充分 | 充分得满分 | 10 | 10 |
| 2 | ^ | ^ | 绩效指标明确性 | 指标是否细化量化 | 明确得满分 | 10 | 9 |
| 3 | 过程（30分） | 预算执行 | 预算执行率 | 执行数/预算数 | 100%得满分 | 15 | 15 |
| 4 | ^ | 财务管理 | 资金使用合规性 | 是否合规 | 合规得满分 | 15 | 15 |
| 5 | 产出（30分） | 产出数量 | 任务完成率 | 完成数/计划数 | 100%得满分 | 30 | 29 |
| 6 | 效益（20分） | 社会效益 | 服务对象满意度 | 问卷调查 | 90%以上得满分 | 20 | 20 |
| 合计 | < | < | < | < | < | 100 | 98 |
"""
    assert check(tmp_path, sheet) == [("S206", "F2")]  # the head says 93, the rows give 98
    over = edit(sheet, "| 10 | 9 |", "| 10 | 12 |")
    findings = check(tmp_path, edit(over, "| 100 | 98 |", "| 100 | 101 |"))
    assert ("S201", "H5") in findings and not any(rule.startswith(("C30", "F00", "T40", "S208")) for rule, _ in findings)


def test_a_part_that_cannot_be_understood_is_said_once(tmp_path: Path) -> None:
    """A funds header with budgets only (no 执行数): one F006 on the block, and no B-rule from
    the half of it that was read."""
    text = edit(CLEAN, "| 全年执行数 | 分值 | 执行率 | 得分 |", "| 备注 | 分值 | 执行率 | 得分 |")
    assert check(tmp_path, text) == [("F006", "D4")]


def test_an_empty_indicator_block_is_c309(tmp_path: Path) -> None:
    lines = rows(CLEAN)
    text = "\n".join(lines[:9] + lines[14:])
    assert ("C309", "B9") in check(tmp_path, text)


# A 绩效目标申报表: the same project stated before the year — targets only, no 实际完成值 column,
# the goals' 完成情况 column still printed but not yet due.
APPLICATION = """
| 绩效目标申报表 | < | < | < | < |
| 项目名称 | 乡村道路养护 | < | 项目负责人及电话 | 赵六 |
| 主管部门 | 某县交通运输局 | < | 实施单位 | 某县公路事务中心 |
| 资金情况（万元） | 年度资金总额： | 100 | < | < |
| ^ | 其中：财政拨款 | 100 | < | < |
| 总体目标 | 年度目标 | < | 年度总体目标完成情况 | < |
| ^ | 养护农村公路300公里 | < |  | < |
| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 指标值 |
| ^ | 产出指标 | 数量指标 | 养护里程 | ≥300公里 |
| ^ | ^ | 质量指标 | 优良路率 | ≥80% |
| ^ | 效益指标 | 社会效益指标 | 群众出行条件改善 | 明显改善 |
| ^ | 满意度指标 | 服务对象满意度指标 | 沿线群众满意度 | ≥90% |
"""


def test_an_application_form_does_not_ask_for_results_yet(tmp_path: Path) -> None:
    """No 实际完成值 column in its indicators: the empty 完成情况 of its goal is by design (no
    C307), and '项目负责人及电话' holding a name only gives no phone to call wrong (no V502)."""
    assert check(tmp_path, APPLICATION) == []


def test_an_application_form_still_gets_a_wrong_phone_and_a_results_form_its_empty_goal(tmp_path: Path) -> None:
    text = edit(APPLICATION, "| 赵六 |", "| 赵六 1390730 |")
    assert check(tmp_path, text) == [("V502", "E2")]
    # With a 实际完成值 column the form reports results: its empty 完成情况 is C307.
    text = APPLICATION.replace("| 指标值 |", "| 指标值 | 实际完成值 |").replace("| ≥300公里 |", "| ≥300公里 | 310公里 |")
    for target in ("| ≥80% |", "| 明显改善 |", "| ≥90% |"):
        text = text.replace(target, target + " 达成 |")
    assert ("C307", "D7") in check(tmp_path, text)


SCORING_SHEET = """
| {title} | < | < | < | < | < |
| 单位 | {unit} | < | < | < | < |
| 序号 | 一级指标 | 二级指标 | 三级指标 | 指标分值 | 自评得分 |
| 1 | 决策 | 目标设定 | 绩效目标合理性 | 60 | 60 |
| 2 | ^ | 目标设定 | 绩效目标明确性 | 40 | 38 |
| 合计 | < | < | < | 100 | 98 |
"""


def test_a_department_forms_bare_unit_row_is_its_name(tmp_path: Path) -> None:
    """A department scoring sheet's '单位 | …' row (寿县 2023) is the department's name: empty, it is
    C305; '单位 | 万元' is the amount unit; on a project form '单位' stays information."""
    dept = "2023年度部门整体支出绩效评价自评表"
    assert check(tmp_path, SCORING_SHEET.format(title=dept, unit="")) == [("C305", "B2")]
    assert check(tmp_path, SCORING_SHEET.format(title=dept, unit="寿县某局")) == []
    assert check(tmp_path, SCORING_SHEET.format(title=dept, unit="万元")) == []
    project = "2023年度项目支出绩效自评表"
    assert ("C305", "B2") not in check(tmp_path, SCORING_SHEET.format(title=project, unit=""))
