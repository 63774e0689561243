"""Build small, realistic 自评表 workbooks in tests (openpyxl), with every layout variant.

`project_form()` returns a list of rows (lists of cell values) plus merges, written at any
offset by `write_forms()`. The default content is a *clean* national project form: every
arithmetic right, so any rule that fires is the one a test broke on purpose.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A clean form: funds 10 + 产出 50 + 效益 30 + 满意度 10 = 100; scores 9 + 48 + 30 + 9 = 96.
CLEAN_INDICATORS: list[dict[str, Any]] = [
    dict(l1="产出指标（50分）", l2="数量指标", name="培训骨干教师", target="≥450人", actual="460人", weight=20, score=20),
    dict(l1=None, l2=None, name="开展竞赛", target="14科", actual="14科", weight=10, score=10),
    dict(l1=None, l2="质量指标", name="培训合格率", target="≥95%", actual="98%", weight=10, score=10),
    dict(l1=None, l2="时效指标", name="按时完成率", target="100%", actual="90%", weight=5, score=3, reason="部分活动延期；下年提前安排"),
    dict(l1=None, l2="成本指标", name="专项支出成本", target="≤50万元", actual="50万元", weight=5, score=5),
    dict(l1="效益指标（30分）", l2="社会效益指标", name="学生受益面", target="≥90%", actual="95%", weight=15, score=15),
    dict(l1=None, l2="可持续影响指标", name="形成长效机制", target="长期", actual="已建立", weight=15, score=15),
    dict(l1="满意度指标（10分）", l2="服务对象满意度指标", name="学校满意率", target="≥90%", actual="85%", weight=10, score=9, reason="宣传不足；加强沟通"),
]

CLEAN_FUNDS: list[dict[str, Any]] = [
    dict(source="年度资金总额", initial=50, budget=50, spent=45, weight=10, rate="90%", score=9),
    dict(source="其中：当年财政拨款", initial=50, budget=50, spent=45),
    dict(source="上年结转资金"),
    dict(source="其他资金"),
]


@dataclass
class Form:
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 (0-based, in-form)


Adder = Callable[[list[Any]], int]
Merges = list[tuple[int, int, int, int]]


def _title_and_name(add: Adder, merges: Merges, width: int, title: str, label: str, name: Any) -> None:
    """The first two rows every form shares: the title (merged across) and label | name."""
    r = add([title])
    merges.append((r, 0, r, width - 1))
    r = add([label, name])
    merges.append((r, 1, r, width - 1))


def _goals_block(add: Adder, merges: Merges, width: int, goals: tuple[Any, Any], actual_header: str) -> None:
    """'年度总体目标 | 预期目标 (B:E) | 实际完成情况 (F:…)' and its one answer row."""
    g = add(["年度总体目标", "预期目标", None, None, None, actual_header])
    merges.extend([(g, 1, g, 4), (g, 5, g, width - 1)])
    r = add([None, goals[0], None, None, None, goals[1]])
    merges.extend([(r, 1, r, 4), (r, 5, r, width - 1), (g, 0, r, 0)])


def _level_merges(level_rows: list[tuple[int, bool, bool]], last: int) -> list[tuple[int, int, int, int]]:
    """一级 (column B) and 二级 (column C) labels merged down to the row before the next label
    (a new 一级 also starts a new 二级); the last group runs to the block's last row.
    *level_rows*: (row, has 一级 label, has 二级 label) of each indicator row."""
    merges: list[tuple[int, int, int, int]] = []
    for col, level1_only in ((1, True), (2, False)):
        start = None
        for r, l1, l2 in level_rows:
            if l1 or (l2 and not level1_only):
                if start is not None and r - 1 > start:
                    merges.append((start, col, r - 1, col))
                start = r
        if start is not None and last > start:
            merges.append((start, col, last, col))
    return merges


def project_form(
    *,
    title: str = "2023年度项目支出绩效自评表",
    name: str | None = "测试项目",
    department: str | None = "某某市教育局",
    unit: str | None = "某某中学",
    unit_style: str = "prefix",  # 'prefix' → '实施单位：X' in one cell; 'separate' → label + value cells
    money_label: str = "项目资金（万元）",
    funds: list[dict[str, Any]] | None = None,
    indicators: list[dict[str, Any]] | None = None,
    total: tuple[Any, Any] | None = (100, 96),
    total_label: str = "合计",
    goals: tuple[Any, Any] = ("完成培训和竞赛任务", "培训460人，举办竞赛14科"),
    footer: str | None = "填表人：张三   填报日期：2024年3月15日   联系电话：139****6836   单位负责人签字：李四",
    merge_level1: bool = True,
    repeat_level_labels: bool = False,
    split_target: bool = False,
    headers: dict[str, str] | None = None,
    drop_columns: tuple[str, ...] = (),
    indicators_label: str = "绩效指标",
) -> Form:
    """A national-layout project form, 9 columns wide (10 with split targets).

    `indicators_label` is the block label left of the indicator header ('绩效指标(90分)' for the
    Sichuan free 90-point split)."""
    funds = copy.deepcopy(CLEAN_FUNDS if funds is None else funds)
    indicators = copy.deepcopy(CLEAN_INDICATORS if indicators is None else indicators)
    h = {
        "initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数", "weight": "分值", "rate": "执行率",
        "score": "得分", "l1": "一级指标", "l2": "二级指标", "l3": "三级指标", "target": "年度指标值",
        "actual": "实际完成值", "reason": "偏差原因分析及改进措施",
    }
    h.update(headers or {})
    width = 10 if split_target else 9
    rows: list[list[Any]] = []
    merges: list[tuple[int, int, int, int]] = []

    def add(cells: list[Any]) -> int:
        rows.append(cells + [None] * (width - len(cells)))
        return len(rows) - 1

    _title_and_name(add, merges, width, title, "项目名称", name)
    if unit_style == "prefix":
        r = add(["主管部门", department, None, None, None, f"实施单位：{unit or ''}"])
        merges += [(r, 1, r, 4), (r, 5, r, width - 1)]
    else:
        r = add(["主管部门", department, None, None, "实施单位", unit])
        merges += [(r, 1, r, 3), (r, 5, r, width - 1)]
    head = add([money_label, None, None, h["initial"], h["budget"], h["spent"], h["weight"], h["rate"], h["score"]])
    merges.append((head, 1, head, 2))
    for f in funds:
        r = add([None, f.get("source"), None, f.get("initial"), f.get("budget"), f.get("spent"), f.get("weight"),
                 f.get("rate"), f.get("score")])
        merges.append((r, 1, r, 2))
    merges.append((head, 0, len(rows) - 1, 0))
    _goals_block(add, merges, width, goals, "实际完成情况")
    if split_target:
        header = [indicators_label, h["l1"], h["l2"], h["l3"], "指标性质", "指标值", "度量单位", h["actual"], h["weight"], h["score"]]
        header.append(h["reason"])
        width = 11
        rows[:] = [row + [None] * (width - len(row)) for row in rows]
    else:
        header = [indicators_label, h["l1"], h["l2"], h["l3"], h["target"], h["actual"], h["weight"], h["score"], h["reason"]]
    keep = [i for i, label in enumerate(header) if label not in drop_columns]
    ind_head = add([header[i] for i in keep])
    level_rows: list[tuple[int, bool, bool]] = []
    last_l1 = last_l2 = None
    for ind in indicators:
        l1, l2 = ind.get("l1"), ind.get("l2")
        if repeat_level_labels:  # unmerged: the label written on every row
            l1 = l1 or last_l1
            l2 = l2 or last_l2
        if split_target:
            op, number, unit_ = _split(ind.get("target"))
            cells = [None, l1, l2, ind.get("name"), op, number, unit_, ind.get("actual"), ind.get("weight"),
                     ind.get("score"), ind.get("reason")]
        else:
            cells = [None, l1, l2, ind.get("name"), ind.get("target"), ind.get("actual"), ind.get("weight"),
                     ind.get("score"), ind.get("reason")]
        r = add([cells[i] for i in keep])
        level_rows.append((r, bool(ind.get("l1")), bool(ind.get("l2"))))
        last_l1 = l1 if ind.get("l1") or repeat_level_labels else last_l1
        last_l2 = l2 if ind.get("l2") or repeat_level_labels else last_l2
        if ind.get("l1"):
            last_l1 = ind["l1"]
        if ind.get("l2"):
            last_l2 = ind["l2"]
    last = len(rows) - 1
    if merge_level1 and not repeat_level_labels:
        merges += _level_merges(level_rows, last)
    merges.append((ind_head, 0, last, 0))
    if total is not None:
        wcol = keep.index(header.index(h["weight"])) if h["weight"] in [header[i] for i in keep] else None
        scol = keep.index(header.index(h["score"])) if h["score"] in [header[i] for i in keep] else None
        cells: list[Any] = [total_label] + [None] * (width - 1)
        if wcol is not None:
            cells[wcol] = total[0]
        if scol is not None:
            cells[scol] = total[1]
        r = add(cells)
        merges.append((r, 0, r, 2))
    if footer is not None:
        r = add([footer])
        merges.append((r, 0, r, width - 1))
    return Form(rows=rows, merges=merges)


def _split(target: Any) -> tuple[Any, Any, Any]:
    """'≥450人' → ('≥', 450, '人') for the split 指标性质/指标值/度量单位 layout."""
    import re

    if not isinstance(target, str):
        return (None, target, None)
    m = re.match(r"^([≥≤=<>]?)(\d+(?:\.\d+)?)(.*)$", target)
    if not m:
        return ("定性", target, None)
    op, number, unit = m.groups()
    return (op or "=", float(number) if "." in number else int(number), unit or None)


def write_forms(
    path: Path,
    sheets: dict[str, list[tuple[Form, int, int]]],
    *,
    hidden: tuple[str, ...] = (),
) -> Path:
    """Write forms to a workbook: {sheet name: [(form, top row, left col), ...]} (0-based offsets)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet_name, placed in sheets.items():
        ws = wb.create_sheet(sheet_name)
        for form, top, left in placed:
            for i, row in enumerate(form.rows):
                for j, value in enumerate(row):
                    if value is not None:
                        ws.cell(row=top + i + 1, column=left + j + 1, value=value)
            for r0, c0, r1, c1 in form.merges:
                if (r0, c0) != (r1, c1):
                    ws.merge_cells(start_row=top + r0 + 1, start_column=left + c0 + 1,
                                   end_row=top + r1 + 1, end_column=left + c1 + 1)
        if sheet_name in hidden:
            ws.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def one_form(path: Path, form: Form | None = None, sheet: str = "自评表", top: int = 0, left: int = 0) -> Path:
    return write_forms(path, {sheet: [(form or project_form(), top, left)]})


def findings_of(path: Path, codes: set[str] | None = None) -> list[Any]:
    from xlsxtool import api

    return api.check([path], codes=codes).findings


def codes_of(path: Path) -> list[str]:
    return sorted(f.rule for f in findings_of(path))


# A clean 部门整体支出绩效自评表 (湖南 layout of seed 001): 年度资金总额 1463.31 =
# 一般公共预算 1463.31 (+ empty 政府性基金 / 0 others) = 基本支出 1129.76 + 项目支出 333.56.
DEPT_TOTAL: dict[str, Any] = dict(initial="1,463.31 ", budget=" 1,463.31 ", spent=" 1,463.31 ", weight=10, rate="100%", score=10)
DEPT_INCOME: list[Any] = ["  其中：  一般公共预算：  1,463.31万元", "政府性基金拨款：", "纳入专户管理的非税收入拨款：", "其他资金："]
DEPT_EXPENSE: list[Any] = ["其中：基本支出：1,129.76万元", "项目支出：333.56万元", 0, 0]


def department_form(
    *,
    title: str = "2023年度部门整体支出绩效自评表",
    name: str | None = "某某市教育科学研究院",
    name_label: str = "市级预算部门名称",
    funds_label: str = "年度预\n算申请（万元）",
    total_funds: dict[str, Any] | None = None,
    income: list[Any] | None = None,
    expense: list[Any] | None = None,
    goals: tuple[Any, Any] = ("目标1：教育教学调研及指导。\n目标2：基础课堂改革。", "完成目标1：视导高中学校27所。\n完成目标2：中考改革成果推广。"),
    indicators: list[dict[str, Any]] | None = None,
    total: tuple[Any, Any] | None = (100, 97),
    footer: str | None = "填表人：刘婷   填报日期：2024年9月11日    联系电话：139****6836   单位负责人签字：李伟灵 ",
) -> Form:
    """A department form laid out as seed 001's first table (9 columns, A..I).

    Funds: `年度预算申请（万元）` header with the six project-form columns and one `年度资金总额`
    row, then `按收入性质分：` (B:E) | `按支出性质分：` (F:I) and one row per item pair, items
    written as label/value text ('其中：基本支出：1,129.76万元'). Indicators default to the
    clean project indicators (90 分, 87 得分) so 总分 is 100 / 97.
    """
    tf = copy.deepcopy(DEPT_TOTAL if total_funds is None else total_funds)
    income = list(DEPT_INCOME if income is None else income)
    expense = list(DEPT_EXPENSE if expense is None else expense)
    indicators = copy.deepcopy(CLEAN_INDICATORS if indicators is None else indicators)
    width = 9
    rows: list[list[Any]] = []
    merges: list[tuple[int, int, int, int]] = []

    def add(cells: list[Any]) -> int:
        rows.append(cells + [None] * (width - len(cells)))
        return len(rows) - 1

    _title_and_name(add, merges, width, title, name_label, name)
    head = add([funds_label, None, None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    merges.append((head, 1, head, 2))
    r = add([None, "年度资金总额", None, tf.get("initial"), tf.get("budget"), tf.get("spent"), tf.get("weight"),
             tf.get("rate"), tf.get("score")])
    merges.append((r, 1, r, 2))
    r = add([None, "按收入性质分：", None, None, None, "按支出性质分："])
    merges += [(r, 1, r, 4), (r, 5, r, width - 1)]
    for i in range(max(len(income), len(expense))):
        inc = income[i] if i < len(income) else None
        exp = expense[i] if i < len(expense) else None
        r = add([None, inc, None, None, None, exp])
        merges += [(r, 1, r, 4), (r, 5, r, width - 1)]
    merges.append((head, 0, len(rows) - 1, 0))
    _goals_block(add, merges, width, goals, "实际完成情况\u3000")
    ind_head = add(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                    "偏差原因分析及改进措施"])
    level_rows = []
    for ind in indicators:
        r = add([None, ind.get("l1"), ind.get("l2"), ind.get("name"), ind.get("target"), ind.get("actual"),
                 ind.get("weight"), ind.get("score"), ind.get("reason")])
        level_rows.append((r, bool(ind.get("l1")), bool(ind.get("l2"))))
    last = len(rows) - 1
    merges += _level_merges(level_rows, last)
    merges.append((ind_head, 0, last, 0))
    if total is not None:  # '总分' over A:F, 分值 in G, 得分 in H (seed 001)
        r = add(["总分", None, None, None, None, None, total[0], total[1]])
        merges.append((r, 0, r, 5))
    if footer is not None:
        r = add([footer])
        merges.append((r, 0, r, width - 1))
    return Form(rows=rows, merges=merges)
