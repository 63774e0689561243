"""Every rule of the catalog (SPEC §3): one form where it fires, one near-miss where it must not.

Each workbook is the clean form of `tests/builders.py` with one thing changed. Cell addresses
are those of the clean project form written at A1 (9 columns A..I):

    1 title            A1
    2 项目名称          B2
    3 主管部门 B3 | 实施单位：… F3
    4 项目资金（万元）   A4   | 年初 D | 全年预算 E | 全年执行 F | 分值 G | 执行率 H | 得分 I
    5 年度资金总额      D5 50 | E5 50 | F5 45 | G5 10 | H5 90% | I5 9
    6 其中：当年财政拨款 D6 50 | E6 50 | F6 45
    7 上年结转资金 / 8 其他资金 (empty)
    9 年度总体目标 header; 10 预期目标 B10 | 实际完成情况 F10
   11 indicator header
   12..19 indicators: 一级 B, 二级 C, 三级 D, 指标值 E, 完成值 F, 分值 G, 得分 H, 偏差原因 I
          12 培训骨干教师 ≥450人 460人 20/20   (产出 B12, 数量 C12)
          13 开展竞赛 14科 14科 10/10
          14 培训合格率 ≥95% 98% 10/10         (质量 C14)
          15 按时完成率 100% 90% 5/3 + reason  (时效 C15)
          16 专项支出成本 ≤50万元 50万元 5/5    (成本 C16)
          17 学生受益面 ≥90% 95% 15/15         (效益 B17, 社会效益 C17)
          18 形成长效机制 长期 已建立 15/15     (可持续 C18)
          19 学校满意率 ≥90% 85% 10/9 + reason (满意度 B19, C19)
   20 合计  G20 100 | H20 96
   21 footer A21
"""

from __future__ import annotations

import copy
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.builders import (
    CLEAN_FUNDS,
    CLEAN_INDICATORS,
    DEPT_EXPENSE,
    department_form,
    findings_of,
    one_form,
    project_form,
    write_forms,
)
from xlsxtool import api
from xlsxtool.findings import Finding
from xlsxtool.rules import RULES, grade, select_codes

SHEET = "自评表"


# ---------------------------------------------------------------- helpers
def indicators(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The clean indicators with row changes: indicators(r12=dict(score=25)) edits sheet row 12."""
    rows = copy.deepcopy(CLEAN_INDICATORS)
    for key, change in changes.items():
        rows[int(key[1:]) - 12].update(change)
    return rows


def funds(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The clean funds rows with changes: funds(r5=dict(rate='100%')) edits sheet row 5."""
    rows = copy.deepcopy(CLEAN_FUNDS)
    for key, change in changes.items():
        rows[int(key[1:]) - 5].update(change)
    return rows


def check(tmp_path: Path, form: Any = None, **kw: Any) -> list[Finding]:
    """Findings of one form (a project form built from **kw unless given) written at A1."""
    form = form if form is not None else project_form(**kw)
    return findings_of(one_form(tmp_path / "form.xlsx", form))


def codes(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def the(findings: list[Finding], code: str, cell: str | None = None) -> Finding:
    """The one finding of `code` (at `cell` when given)."""
    hits = [f for f in findings if f.rule == code and (cell is None or f.cell == cell)]
    assert len(hits) == 1, f"expected one {code} at {cell}, got {[(f.rule, f.cell, f.message) for f in findings]}"
    return hits[0]


def assert_finding(findings: list[Finding], code: str, severity: str, cell: str | None, *words: str,
                   sheet: str | None = SHEET) -> Finding:
    f = the(findings, code, cell)
    assert f.severity == severity
    assert f.sheet == (sheet if cell is not None else None)
    for w in words:
        assert w in f.message, f"{w!r} not in {f.message!r}"
    return f


# ---------------------------------------------------------------- the builders themselves
def test_clean_project_form_has_no_findings(tmp_path: Path) -> None:
    assert check(tmp_path) == []


def test_clean_department_form_has_no_findings(tmp_path: Path) -> None:
    assert check(tmp_path, department_form()) == []


def test_department_with_its_projects_has_no_findings(tmp_path: Path) -> None:
    path = write_forms(tmp_path / "all.xlsx", {"部门": [(department_form(), 0, 0)], "项目": [(project_form(), 0, 0)]})
    result = api.check([path])
    assert result.forms == 2
    assert result.findings == []


def test_every_catalog_code_is_covered_here() -> None:
    expected = {f"F00{i}" for i in range(1, 7)} | {f"B10{i}" for i in range(1, 8)} | {f"S2{i:02d}" for i in range(1, 13)} \
        | {f"C30{i}" for i in range(1, 10)} | {"T401", "T402", "V501", "V502", "V503", "X601", "X602", "X603"}
    expected |= {"F007"} | {f"N70{i}" for i in range(1, 7)}  # Word reports: tests/test_word.py, tests/test_narrative.py
    assert set(RULES) == expected


# ---------------------------------------------------------------- F — file and structure
def test_f001_text_file_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "自评表.xlsx"
    path.write_text("项目名称,测试项目\n得分,96\n", encoding="utf-8")
    f = assert_finding(findings_of(path), "F001", "error", None, "不是 Excel 工作簿", "文本")
    assert f.file == str(path)


def test_f001_truncated_workbook(tmp_path: Path) -> None:
    good = one_form(tmp_path / "good.xlsx")
    data = good.read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(data[: len(data) // 2])  # cut off as by a mail gateway
    findings = findings_of(bad)
    assert [f.rule for f in findings] == ["F001"]
    assert_finding(findings, "F001", "error", None, "损坏")


def test_f001_not_for_a_readable_workbook(tmp_path: Path) -> None:
    findings = findings_of(one_form(tmp_path / "good.xlsx"))
    assert "F001" not in codes(findings)


OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def test_f002_encrypted_workbook(tmp_path: Path) -> None:
    path = tmp_path / "加密.xlsx"
    path.write_bytes(OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    findings = findings_of(path)
    assert [f.rule for f in findings] == ["F002"]
    assert_finding(findings, "F002", "error", None, "密码")


def test_f002_not_for_an_unencrypted_ole_file(tmp_path: Path) -> None:
    """A broken legacy .xls (OLE but no EncryptedPackage stream) is unreadable, not encrypted."""
    path = tmp_path / "旧格式.xls"
    path.write_bytes(OLE_MAGIC + b"\x00" * 1024)
    findings = findings_of(path)
    assert [f.rule for f in findings] == ["F001"]


def test_f003_no_form_lists_the_sheets_looked_at(tmp_path: Path) -> None:
    path = tmp_path / "工资.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "工资表"
    ws.append(["姓名", "基本工资", "绩效工资", "合计"])
    ws.append(["张三", 5000, 1200, 6200])
    wb.create_sheet("说明").append(["本表为2023年工资发放明细"])
    wb.save(path)
    findings = findings_of(path)
    assert [f.rule for f in findings] == ["F003"]
    assert_finding(findings, "F003", "error", None, "工资表", "说明")


def test_f003_not_when_the_form_is_on_a_later_sheet(tmp_path: Path) -> None:
    path = write_forms(tmp_path / "b.xlsx", {"封面": [], SHEET: [(project_form(), 0, 0)]})
    assert findings_of(path) == []


def _with_formula(path: Path, cached: str | None) -> Path:
    """Put =F5/E5 into the 执行率 cell H5; `cached` is the <v> text, None for no <v> element at all."""
    wb = openpyxl.load_workbook(path)
    wb[SHEET]["H5"] = "=F5/E5"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    # openpyxl writes the empty value as "<v />", or "<v></v>" when lxml is installed (python-docx needs it).
    parts[sheet] = re.sub(rb"<v\s*/>|<v></v>", b"" if cached is None else f"<v>{cached}</v>".encode(), parts[sheet])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_f004_formula_without_cached_value(tmp_path: Path) -> None:
    path = _with_formula(one_form(tmp_path / "f.xlsx"), cached=None)
    f = assert_finding(findings_of(path), "F004", "warning", "H5", "1 个公式", "自评表!H5")
    assert f.severity == "warning"


def test_f004_formula_written_by_openpyxl(tmp_path: Path) -> None:
    path = one_form(tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[SHEET]["H5"] = "=F5/E5"  # openpyxl stores the formula with an empty <v />, never a value
    wb.save(path)
    findings = findings_of(path)
    assert_finding(findings, "F004", "warning", "H5", "自评表!H5")
    assert codes(findings) == {"F004"}


def test_f004_not_for_a_formula_with_cached_value(tmp_path: Path) -> None:
    path = _with_formula(one_form(tmp_path / "f.xlsx"), cached="0.9")
    assert findings_of(path) == []


def test_f005_form_without_score_column(tmp_path: Path) -> None:
    findings = check(tmp_path, drop_columns=("得分",))
    f = assert_finding(findings, "F005", "error", "A1", "得分")
    assert f.message == "自评表缺少绩效指标“得分”列，无法完整校验"
    assert codes(findings) == {"F005"}  # not also an S203 per indicator row


def test_f005_not_for_a_synonym_of_the_score_column(tmp_path: Path) -> None:
    assert check(tmp_path, headers={"score": "自评得分"}) == []


def test_f006_a_funds_block_without_execution_column_is_named_once(tmp_path: Path) -> None:
    """A funds header with budgets but no 全年执行数: the block is named once (F006), and none of
    B101–B107 is raised from the half it has."""
    findings = check(tmp_path, headers={"spent": "备注"})
    f = assert_finding(findings, "F006", "warning", "D4", "资金表缺少", "全年执行数")
    assert "年初预算数、全年预算数" in f.message
    assert codes(findings) == {"F006"}


def test_f006_not_for_a_clean_form_or_a_form_without_funds_block(tmp_path: Path) -> None:
    assert check(tmp_path) == []
    form = project_form()
    # The same form with its funds block removed (rows 4–8): nothing is "not understood".
    form.rows = form.rows[:3] + form.rows[8:]
    form.merges = [(r0 - 5 if r0 >= 8 else r0, c0, r1 - 5 if r1 >= 8 else r1, c1) for r0, c0, r1, c1 in form.merges
                   if not (3 <= r0 <= 7)]
    assert "F006" not in codes(check(tmp_path, form))


def test_c309_an_empty_indicator_block_does_not_pass(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=[], total=None)
    f = assert_finding(findings, "C309", "error", "B11", "没有填写任何绩效指标")
    assert f.form == "测试项目"


def test_c309_not_when_one_indicator_is_filled(tmp_path: Path) -> None:
    only = [dict(l1="产出指标（50分）", l2="数量指标", name="培训骨干教师", target="≥450人", actual="460人")]
    assert "C309" not in codes(check(tmp_path, indicators=only, total=None))


# ---------------------------------------------------------------- B — funds block
def test_b101_declared_rate_wrong(tmp_path: Path) -> None:
    findings = check(tmp_path, funds=funds(r5=dict(rate="100%")))
    assert_finding(findings, "B101", "error", "H5", "100%", "45", "50", "90%")
    assert codes(findings) == {"B101"}


@pytest.mark.parametrize("rate", ["90.1%", "89.9%", 0.901, "90%"])
def test_b101_not_within_a_tenth_of_a_point(tmp_path: Path, rate: Any) -> None:
    assert check(tmp_path, funds=funds(r5=dict(rate=rate))) == []


def test_b101_just_outside_the_tolerance(tmp_path: Path) -> None:
    findings = check(tmp_path, funds=funds(r5=dict(rate="90.2%")))
    assert_finding(findings, "B101", "error", "H5", "90.2%", "90%")


def test_b101_b102_not_for_zero_budget(tmp_path: Path) -> None:
    zero = [dict(source="年度资金总额", initial=0, budget=0, spent=0, weight=10, rate="100%", score=10),
            dict(source="其中：当年财政拨款", initial=0, budget=0, spent=0), dict(source="上年结转资金"), dict(source="其他资金")]
    findings = check(tmp_path, funds=zero, total=(100, 97))
    assert not codes(findings) & {"B101", "B102"}


def test_b102_funds_score_wrong(tmp_path: Path) -> None:
    findings = check(tmp_path, funds=funds(r5=dict(score=10)), total=(100, 97))
    assert_finding(findings, "B102", "error", "I5", "10", "90%", "9")
    assert codes(findings) == {"B102"}


@pytest.mark.parametrize("score", [9.01, 8.99])
def test_b102_not_within_a_hundredth(tmp_path: Path, score: float) -> None:
    findings = check(tmp_path, funds=funds(r5=dict(score=score)), total=(100, 87 + score))
    assert findings == []


def test_b102_rate_is_capped_at_100_percent(tmp_path: Path) -> None:
    over = funds(r5=dict(spent=55, rate="110%", score=10), r6=dict(spent=55))
    findings = check(tmp_path, funds=over, total=(100, 97))
    assert "B102" not in codes(findings)


def test_b103_spent_above_budget(tmp_path: Path) -> None:
    over = funds(r5=dict(spent=55, rate="110%", score=10), r6=dict(spent=55))
    findings = check(tmp_path, funds=over, total=(100, 97))
    f = assert_finding(findings, "B103", "warning", "F5", "55", "50")
    assert f.message == "全年执行数 55 超过全年预算数 50"
    assert codes(findings) == {"B103"}  # the source row F6 exceeds too
    assert {f.cell for f in findings} == {"F5", "F6"}


def test_b103_not_when_spent_equals_budget(tmp_path: Path) -> None:
    full = funds(r5=dict(spent=50, rate="100%", score=10), r6=dict(spent=50))
    assert check(tmp_path, funds=full, total=(100, 97)) == []


def test_b104_total_differs_from_sources(tmp_path: Path) -> None:
    findings = check(tmp_path, funds=funds(r5=dict(initial=60)))
    assert_finding(findings, "B104", "error", "D5", "年初预算数", "60", "50")
    assert codes(findings) == {"B104"}


def _split_sources(budget_a: float, budget_b: float) -> list[dict[str, Any]]:
    return [dict(source="年度资金总额", budget=1463.31, spent=1463.31, weight=10, rate="100%", score=10),
            dict(source="其中：当年财政拨款", budget=budget_a, spent=budget_a),
            dict(source="上年结转资金", budget=budget_b, spent=budget_b),
            dict(source="其他资金")]


def test_b104_fires_just_outside_the_tolerance(tmp_path: Path) -> None:
    findings = check(tmp_path, funds=_split_sources(1129.76, 333.57), total=(100, 97))
    assert_finding(findings, "B104", "error", "E5", "全年预算数", "1463.31", "1463.33")
    assert_finding(findings, "B104", "error", "F5", "全年执行数", "1463.31", "1463.33")


def test_b104_not_within_a_hundredth(tmp_path: Path) -> None:
    """1129.76 + 333.56 = 1463.32 vs 1463.31: a rounding difference of exactly 0.01."""
    assert check(tmp_path, funds=_split_sources(1129.76, 333.56), total=(100, 97)) == []


def test_b104_only_for_columns_with_filled_sources(tmp_path: Path) -> None:
    """年初预算数 filled on the total row only: the sources do not split it, nothing to compare."""
    rows = funds(r5=dict(initial=60), r6=dict(initial=None))
    assert check(tmp_path, funds=rows) == []


def test_b105_total_budget_empty(tmp_path: Path) -> None:
    rows = funds(r5=dict(budget=None), r6=dict(budget=None))
    findings = check(tmp_path, funds=rows)
    assert_finding(findings, "B105", "error", "E5", "全年预算数")


def test_b105_total_spent_placeholder(tmp_path: Path) -> None:
    rows = funds(r5=dict(spent="—"), r6=dict(spent=None))
    findings = check(tmp_path, funds=rows)
    assert_finding(findings, "B105", "error", "F5", "全年执行数")
    assert "V501" not in codes(findings)


def test_b105_not_duplicated_by_b104(tmp_path: Path) -> None:
    """An empty total with filled sources is reported once, as missing (B105), not also as a wrong sum."""
    findings = check(tmp_path, funds=funds(r5=dict(budget=None)))
    assert_finding(findings, "B105", "error", "E5", "全年预算数")
    assert "B104" not in codes(findings)


def test_b105_no_total_row(tmp_path: Path) -> None:
    """The funds weight and score on the only row still count towards 合计 (no S204/S206/S207)."""
    rows = [dict(source="当年财政拨款", initial=50, budget=50, spent=45, weight=10, rate="90%", score=9)]
    findings = check(tmp_path, funds=rows)
    f = assert_finding(findings, "B105", "error", "A4", "年度资金总额")
    assert "缺少" in f.message
    assert codes(findings) == {"B105"}


def test_b105_not_for_amounts_written_as_text(tmp_path: Path) -> None:
    rows = funds(r5=dict(budget=" 50.00 ", spent="45"))
    assert check(tmp_path, funds=rows) == []


def test_b106_funds_weight_not_10(tmp_path: Path) -> None:
    rows = funds(r5=dict(weight=20, score=18))
    findings = check(tmp_path, funds=rows,
                     indicators=indicators(r12=dict(l1="产出指标（40分）", weight=10, score=10)), total=(100, 95))
    assert_finding(findings, "B106", "warning", "G5", "20", "10")
    assert codes(findings) == {"B106", "S208"}


def test_b106_not_for_10_written_as_text(tmp_path: Path) -> None:
    assert check(tmp_path, funds=funds(r5=dict(weight="10.0"))) == []


def test_b107_budget_cut_to_spent(tmp_path: Path) -> None:
    rows = funds(r5=dict(initial=60, budget=45, rate="100%", score=10), r6=dict(initial=60, budget=45))
    findings = check(tmp_path, funds=rows, total=(100, 97))
    assert_finding(findings, "B107", "warning", "E5", "45", "60")
    assert codes(findings) == {"B107"}


@pytest.mark.parametrize("initial,budget", [(60, 50), (45, 45)])
def test_b107_not_when_cut_elsewhere_or_not_cut(tmp_path: Path, initial: float, budget: float) -> None:
    rate, score = (("90%", 9), ("100%", 10))[budget == 45]
    rows = funds(r5=dict(initial=initial, budget=budget, rate=rate, score=score), r6=dict(initial=initial, budget=budget))
    assert check(tmp_path, funds=rows, total=(100, 87 + score)) == []


# ---------------------------------------------------------------- S — scores and weights
def test_s201_score_above_weight(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r12=dict(score=25)), total=(100, 101))
    f = assert_finding(findings, "S201", "error", "H12", "25", "20")
    assert f.message == "得分 25 超过分值 20"
    assert codes(findings) == {"S201"}


def test_s201_not_within_a_hundredth(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r12=dict(score=20.01)), total=(100, 96.01))
    assert findings == []


def test_s202_negative_score(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r15=dict(score=-2)), total=(100, 91))
    assert_finding(findings, "S202", "error", "H15", "-2")
    assert codes(findings) == {"S202"}


def test_s202_zero_weight_on_a_scored_row(tmp_path: Path) -> None:
    rows = indicators()
    rows.insert(2, dict(name="附加竞赛", target="1次", actual="1次", weight=0, score=0))  # sheet row 14
    findings = check(tmp_path, indicators=rows)
    assert_finding(findings, "S202", "error", "G14", "分值为 0")


def test_s202_not_for_a_zero_score(tmp_path: Path) -> None:
    assert check(tmp_path, indicators=indicators(r15=dict(score=0)), total=(100, 93)) == []


def test_s203_weight_without_score(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r15=dict(score=None)), total=(100, 93))
    f = assert_finding(findings, "S203", "error", "H15", "5")
    assert f.message == "已填分值 5，但得分为空"
    assert codes(findings) == {"S203"}


def test_s203_placeholder_score_is_empty(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r15=dict(score="—")), total=(100, 93))
    assert_finding(findings, "S203", "error", "H15", "5")
    assert "V501" not in codes(findings)


def test_s204_weights_do_not_add_to_100(tmp_path: Path) -> None:
    rows = indicators(r19=dict(l1="满意度指标（15分）", weight=15))
    findings = check(tmp_path, indicators=rows, total=(105, 96))
    assert_finding(findings, "S204", "error", "G20", "105", "10", "95")
    assert codes(findings) == {"S204", "S208"}


def test_s204_anchored_at_title_without_total_row(tmp_path: Path) -> None:
    rows = indicators(r19=dict(l1="满意度指标（15分）", weight=15))
    findings = check(tmp_path, indicators=rows, total=None)
    assert_finding(findings, "S204", "error", "A1", "105")


def test_s204_not_within_a_hundredth(tmp_path: Path) -> None:
    assert check(tmp_path, indicators=indicators(r16=dict(weight=5.01))) == []


def test_s205_level1_sum_differs_from_label(tmp_path: Path) -> None:
    rows = indicators(r12=dict(weight=25, score=25), r17=dict(weight=10, score=10))
    findings = check(tmp_path, indicators=rows)
    assert_finding(findings, "S205", "error", "B12", "产出指标", "55", "50")
    assert_finding(findings, "S205", "error", "B17", "效益指标", "25", "30")
    assert codes(findings) == {"S205"}


def test_s205_not_for_a_label_without_weight(tmp_path: Path) -> None:
    rows = indicators(r12=dict(l1="产出指标", weight=25, score=25), r17=dict(l1="效益指标", weight=10, score=10))
    assert "S205" not in codes(check(tmp_path, indicators=rows))


def test_s206_total_score_wrong(tmp_path: Path) -> None:
    findings = check(tmp_path, total=(100, 95))
    f = assert_finding(findings, "S206", "error", "H20", "95", "9", "87", "96")
    assert f.message == "合计得分填报为 95，资金得分 9 + 指标得分 87 = 96"
    assert codes(findings) == {"S206"}


@pytest.mark.parametrize("declared", [96.01, 95.99, " 96 "])
def test_s206_not_within_a_hundredth(tmp_path: Path, declared: Any) -> None:
    assert check(tmp_path, total=(100, declared)) == []


def test_s207_total_weight_wrong(tmp_path: Path) -> None:
    findings = check(tmp_path, total=(90, 96))
    f = assert_finding(findings, "S207", "error", "G20", "90", "10", "100")
    assert f.message == "合计分值填报为 90，资金分值 10 + 指标分值 90 = 100"
    assert codes(findings) == {"S207"}


def test_s207_not_for_100_as_text(tmp_path: Path) -> None:
    assert check(tmp_path, total=("100.00", 96)) == []


def test_s208_non_standard_split(tmp_path: Path) -> None:
    rows = indicators(r12=dict(l1="产出指标（40分）", weight=10, score=10),
                      r17=dict(l1="效益指标（40分）", weight=25, score=25))
    findings = check(tmp_path, indicators=rows)
    assert_finding(findings, "S208", "warning", "B12", "产出指标", "40", "50")
    assert_finding(findings, "S208", "warning", "B17", "效益指标", "40", "30")
    assert codes(findings) == {"S208"}


def test_s208_not_for_a_free_90_point_split(tmp_path: Path) -> None:
    rows = indicators(r12=dict(l1="产出指标（40分）", weight=10, score=10),
                      r17=dict(l1="效益指标（40分）", weight=25, score=25))
    assert check(tmp_path, indicators=rows, indicators_label="绩效指标(90分)") == []


@pytest.mark.parametrize("row,change,cell,words", [
    ("r13", dict(score=8, reason="组织协调不足"), "H13", ("14科", "8", "10")),  # no operator: ≥
    ("r16", dict(actual="45万元", score=4, reason="节约"), "H16", ("≤50万元", "45万元", "4", "5")),
    ("r14", dict(actual="95%", score=9, reason="个别不合格"), "H14", ("≥95%", "95%", "9", "10")),  # exactly met
])
def test_s209_target_met_but_points_deducted(tmp_path: Path, row: str, change: dict[str, Any], cell: str,
                                             words: tuple[str, ...]) -> None:
    rows = indicators(**{row: change})
    total = 100, 96 - CLEAN_INDICATORS[int(row[1:]) - 12]["score"] + change["score"]
    findings = check(tmp_path, indicators=rows, total=total)
    assert_finding(findings, "S209", "warning", cell, *words)
    assert codes(findings) == {"S209"}


@pytest.mark.parametrize("row,change", [
    ("r13", dict(actual="13科", score=8, reason="一科未开展")),  # missed and deducted
    ("r16", dict(actual="50.5万元", score=4, reason="超支")),  # ≤ target missed
    ("r19", dict(actual="按时完成", score=9, reason="宣传不足")),  # actual not a number: qualitative
])
def test_s209_not_when_target_missed_or_not_comparable(tmp_path: Path, row: str, change: dict[str, Any]) -> None:
    rows = indicators(**{row: change})
    total = 100, 96 - CLEAN_INDICATORS[int(row[1:]) - 12]["score"] + change["score"]
    assert check(tmp_path, indicators=rows, total=total) == []


@pytest.mark.parametrize("row,change,cell,words", [
    ("r14", dict(actual="90%"), "H14", ("≥95%", "90%", "10")),
    ("r16", dict(actual="50.5万元"), "H16", ("≤50万元", "50.5万元", "5")),
])
def test_s210_target_missed_but_full_score(tmp_path: Path, row: str, change: dict[str, Any], cell: str,
                                           words: tuple[str, ...]) -> None:
    findings = check(tmp_path, indicators=indicators(**{row: change}))
    assert_finding(findings, "S210", "warning", cell, *words)
    assert codes(findings) == {"S210"}


@pytest.mark.parametrize("change", [dict(actual="95%"), dict(actual="90%", score=8, reason="个别学员未通过考核")])
def test_s210_not_when_met_or_deducted(tmp_path: Path, change: dict[str, Any]) -> None:
    total = (100, 96 - (10 - change.get("score", 10)))
    assert check(tmp_path, indicators=indicators(r14=change), total=total) == []


def test_s211_grade_text_outside_band(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r18=dict(actual="部分达成年度指标并具有一定效果")))
    assert_finding(findings, "S211", "warning", "H18", "部分达成年度指标并具有一定效果", "60%–80%", "15/15")
    assert codes(findings) == {"S211"}


@pytest.mark.parametrize("actual,score", [
    ("部分达成年度指标并具有一定效果", 12),  # exactly 80 %
    ("部分达成年度指标并具有一定效果", 9),  # exactly 60 %
    ("达成年度指标", 12),  # exactly 80 %
    ("未达成年度指标且效果较差", 0),
])
def test_s211_not_inside_band(tmp_path: Path, actual: str, score: float) -> None:
    rows = indicators(r18=dict(actual=actual, score=score, reason="机制尚在完善；下年持续推进"))
    assert check(tmp_path, indicators=rows, total=(100, 96 - 15 + score)) == []


def test_s212_indicator_left_unscored(tmp_path: Path) -> None:
    rows = indicators()
    rows.insert(2, dict(name="竞赛活动举办成功率", target="100%", actual="100%"))  # sheet row 14
    findings = check(tmp_path, indicators=rows)
    f = assert_finding(findings, "S212", "warning", "G14", "竞赛活动举办成功率")
    assert codes(findings) == {"S212"}
    assert f.message == "三级指标“竞赛活动举办成功率”有指标值，但分值和得分都为空"


@pytest.mark.parametrize("extra", [dict(name="无"), dict(name="（续）说明文字"), dict(name=None, target="—")])
def test_s212_not_for_rows_without_target(tmp_path: Path, extra: dict[str, Any]) -> None:
    rows = indicators()
    rows.insert(2, extra)
    assert check(tmp_path, indicators=rows) == []


# ---------------------------------------------------------------- C — completeness
@pytest.mark.parametrize("reason", [None, "—", "无", "\u3000"])
def test_c301_deduction_without_reason(tmp_path: Path, reason: Any) -> None:
    findings = check(tmp_path, indicators=indicators(r15=dict(reason=reason)))
    f = assert_finding(findings, "C301", "error", "I15", "3", "5")
    assert f.message == "得分 3 低于分值 5，但未填写偏差原因分析及改进措施"
    assert codes(findings) == {"C301"}


def test_c301_not_for_a_form_without_a_reason_column(tmp_path: Path) -> None:
    """A form with no 偏差原因 column at all has nowhere to write a reason: a rule fires only on
    columns the form has (issue 12), so its deducted indicators raise no C301."""
    findings = check(tmp_path, drop_columns=("偏差原因分析及改进措施",))
    assert findings == []


def test_c301_not_within_a_hundredth(tmp_path: Path) -> None:
    rows = indicators(r18=dict(score=14.99))
    assert check(tmp_path, indicators=rows, total=(100, 95.99)) == []


@pytest.mark.parametrize("actual", [None, "\u3000", "—"])
def test_c302_actual_empty(tmp_path: Path, actual: Any) -> None:
    findings = check(tmp_path, indicators=indicators(r12=dict(actual=actual)))
    f = assert_finding(findings, "C302", "error", "F12", "培训骨干教师")
    assert f.message == "三级指标“培训骨干教师”已打分，但实际完成值为空"
    assert codes(findings) == {"C302"}


def test_c302_not_for_a_text_actual(tmp_path: Path) -> None:
    assert check(tmp_path, indicators=indicators(r12=dict(actual="按时完成"))) == []


def test_c303_target_empty(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r12=dict(target=None)))
    f = assert_finding(findings, "C303", "error", "E12", "培训骨干教师")
    assert f.message == "三级指标“培训骨干教师”已打分，但年度指标值为空"
    assert codes(findings) == {"C303"}


def test_c303_not_for_a_qualitative_target(tmp_path: Path) -> None:
    assert check(tmp_path, indicators=indicators(r12=dict(target="全年"))) == []


def test_c304_name_empty_on_scored_row(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r13=dict(name=None)))
    assert_finding(findings, "C304", "error", "D13", "三级指标名称为空")
    assert codes(findings) == {"C304"}


def test_c304_not_for_a_placeholder_name_row(tmp_path: Path) -> None:
    """'无' as the 三级 name (seed 001) is a written name, not an empty cell."""
    assert check(tmp_path, indicators=indicators(r13=dict(name="无"))) == []


@pytest.mark.parametrize("change,cell,field", [
    (dict(name=None), "B2", "项目名称"),
    (dict(name="\u3000"), "B2", "项目名称"),
    (dict(department=None), "B3", "主管部门"),
    (dict(unit=None), "F3", "实施单位"),
    (dict(unit=None, unit_style="separate"), "F3", "实施单位"),
])
def test_c305_project_header_field_empty(tmp_path: Path, change: dict[str, Any], cell: str, field: str) -> None:
    findings = check(tmp_path, **change)
    f = assert_finding(findings, "C305", "error", cell, field)
    assert f.message == f"{field}为空"
    assert codes(findings) == {"C305"}


def test_c305_department_name_empty(tmp_path: Path) -> None:
    findings = check(tmp_path, department_form(name=None))
    f = assert_finding(findings, "C305", "error", "B2")
    assert f.message == "部门名称为空"


@pytest.mark.parametrize("change", [dict(unit_style="separate"), dict(unit="某某中学（本部）")])
def test_c305_not_for_filled_header(tmp_path: Path, change: dict[str, Any]) -> None:
    assert check(tmp_path, **change) == []


@pytest.mark.parametrize("footer,field", [
    ("填表人：   填报日期：2024年3月15日   联系电话：139****6836   单位负责人签字：李四", "填表人"),
    ("填表人：张三   填报日期：   联系电话：139****6836   单位负责人签字：李四", "填报日期"),
    ("填表人：张三   填报日期：2024年3月15日   单位负责人签字：李四", "联系电话"),  # label missing entirely
])
def test_c306_footer_field_empty_or_missing(tmp_path: Path, footer: str, field: str) -> None:
    findings = check(tmp_path, footer=footer)
    f = assert_finding(findings, "C306", "warning", "A21", field)
    assert f.message == f"表尾{field}为空"
    assert codes(findings) == {"C306"}


def test_c306_not_for_a_form_without_footer(tmp_path: Path) -> None:
    assert check(tmp_path, footer=None) == []


@pytest.mark.parametrize("goals,cell,words", [
    (("完成培训和竞赛任务", None), "F10", ("实际完成情况为空",)),
    ((None, "培训460人"), "B10", ("预期目标为空",)),
    (("完成培训和竞赛任务", "完成培训和竞赛任务 "), "F10", ("相同",)),
])
def test_c307_goal_text_empty_or_copied(tmp_path: Path, goals: tuple[Any, Any], cell: str, words: tuple[str, ...]) -> None:
    findings = check(tmp_path, goals=goals)
    assert_finding(findings, "C307", "warning", cell, *words)
    assert codes(findings) == {"C307"}


def test_c307_not_for_an_actual_that_extends_the_goal(tmp_path: Path) -> None:
    assert check(tmp_path, goals=("完成培训和竞赛任务", "完成培训和竞赛任务：培训460人，竞赛14科")) == []


def test_c308_template_text_in_goal(tmp_path: Path) -> None:
    text = "对照年度目标，说明实际完成情况（100字以内）"
    findings = check(tmp_path, goals=("完成培训和竞赛任务", text))
    assert_finding(findings, "C308", "warning", "F10", "对照年度目标")
    assert codes(findings) == {"C308"}


def test_c308_template_text_in_indicator_reason(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r15=dict(reason="请简要说明偏差原因及改进措施")))
    assert_finding(findings, "C308", "warning", "I15", "请简要说明")
    assert codes(findings) == {"C308"}


def test_c308_flags_exactly_the_template_rows_of_a_batch(tmp_path: Path) -> None:
    # The instruction search runs over a whole batch at once: a pattern split over two
    # neighbouring cells ('对照年度目标' | '，说明…') must not fire, and the hits land on their rows.
    rows = indicators(
        r12=dict(reason="对照年度目标"),
        r13=dict(reason="，说明偏差原因"),
        r14=dict(reason="请填写偏差原因"),
        r16=dict(reason="如：进度滞后…"),
    )
    findings = check(tmp_path, indicators=rows)
    assert sorted(f.cell for f in findings if f.rule == "C308") == ["I14", "I16"]


@pytest.mark.parametrize("text", ["全部完成，详见附件说明", "对照年度计划全部完成", "培训460人，每班50人以内"])
def test_c308_not_for_ordinary_answers(tmp_path: Path, text: str) -> None:
    assert check(tmp_path, goals=("完成培训和竞赛任务", text)) == []


# ---------------------------------------------------------------- T — taxonomy
def test_t401_unknown_level1(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r12=dict(l1="工作指标（50分）")))
    f = assert_finding(findings, "T401", "warning", "B12", "工作指标")
    assert f.message == "一级指标“工作指标（50分）”不在标准体系内（产出/效益/满意度/成本）"
    assert codes(findings) == {"T401"}


@pytest.mark.parametrize("l1,l2", [("成本指标（50分）", "经济成本指标"), ("产出（50分）", "数量")])
def test_t401_not_for_national_level1(tmp_path: Path, l1: str, l2: str) -> None:
    rows = indicators(r12=dict(l1=l1, l2=l2), r14=dict(l2="经济成本指标" if l1.startswith("成本") else "质量"),
                      r15=dict(l2="社会成本指标" if l1.startswith("成本") else "时效指标"),
                      r16=dict(l2="生态环境成本指标" if l1.startswith("成本") else "成本指标"))
    findings = check(tmp_path, indicators=rows)
    assert not codes(findings) & {"T401", "T402"}


def test_t401_not_for_another_province_profile(tmp_path: Path) -> None:
    """All 一级 outside the national set (older 投入/过程/产出/效果 style): another profile, no T401."""
    rows = indicators(r12=dict(l1="投入（50分）", l2="预算编制"), r14=dict(l2="资金管理"), r15=dict(l2="项目管理"),
                      r16=dict(l2="资产管理"), r17=dict(l1="过程（30分）", l2="组织实施"), r18=dict(l2="制度建设"),
                      r19=dict(l1="效果（10分）", l2="社会影响"))
    assert "T401" not in codes(check(tmp_path, indicators=rows))


def test_t402_level2_not_under_its_level1(tmp_path: Path) -> None:
    findings = check(tmp_path, indicators=indicators(r14=dict(l2="社会效益指标")))
    f = assert_finding(findings, "T402", "warning", "C14", "社会效益指标", "产出指标", "数量指标")
    assert f.message == "二级指标“社会效益指标”不属于“产出指标”（应为：数量指标、质量指标、时效指标、成本指标）"
    assert codes(findings) == {"T402"}


@pytest.mark.parametrize("l2", ["质量", "质量指标 ", "质量\n指标"])
def test_t402_not_for_spelling_variants(tmp_path: Path, l2: str) -> None:
    assert check(tmp_path, indicators=indicators(r14=dict(l2=l2))) == []


# ---------------------------------------------------------------- V — values
@pytest.mark.parametrize("kw,cell,column,raw", [
    (dict(indicators=indicators(r12=dict(score="满分"))), "H12", "得分", "满分"),
    (dict(indicators=indicators(r12=dict(weight="二十"))), "G12", "分值", "二十"),
    (dict(funds=funds(r5=dict(budget="五十万"))), "E5", "全年预算数", "五十万"),
    (dict(funds=funds(r5=dict(rate="九成"))), "H5", "执行率", "九成"),
    (dict(total=(100, "九十六")), "H20", "合计得分", "九十六"),
])
def test_v501_text_in_numeric_field(tmp_path: Path, kw: dict[str, Any], cell: str, column: str, raw: str) -> None:
    findings = check(tmp_path, **kw)
    f = assert_finding(findings, "V501", "error", cell, column, raw)
    assert f.message == f"{column}填写为“{raw}”，不是数字"
    assert codes(findings) == {"V501"}  # sums that include the unreadable value are not reported as wrong


@pytest.mark.parametrize("kw", [
    dict(indicators=indicators(r12=dict(weight="２０", score=" 20 "))),  # full-width digits, padded text
    dict(funds=funds(r5=dict(budget="50.00", spent=" 45 "))),
    dict(funds=funds(r5=dict(rate=0.9))),
    dict(total=("100", "96.0")),
])
def test_v501_not_for_numbers_as_people_type_them(tmp_path: Path, kw: dict[str, Any]) -> None:
    assert check(tmp_path, **kw) == []


FOOTER = "填表人：张三   填报日期：{date}   联系电话：{phone}   单位负责人签字：李四"


@pytest.mark.parametrize("phone", ["1390730", "139123456781", "23912345678"])
def test_v502_implausible_phone(tmp_path: Path, phone: str) -> None:
    findings = check(tmp_path, footer=FOOTER.format(date="2024年3月15日", phone=phone))
    f = assert_finding(findings, "V502", "warning", "A21", phone)
    assert f.message == f"联系电话“{phone}”不像有效的电话号码"
    assert codes(findings) == {"V502"}


@pytest.mark.parametrize("phone", ["13912345678", "139****6836", "0730-8888888", "0730-88888888", "(0730)8888888"])
def test_v502_not_for_mobile_or_landline(tmp_path: Path, phone: str) -> None:
    assert check(tmp_path, footer=FOOTER.format(date="2024年3月15日", phone=phone)) == []


@pytest.mark.parametrize("date,words", [
    ("2021年3月1日", ("2021年3月1日", "2023", "2024")),
    ("2025年1月2日", ("2025年1月2日", "2023", "2024")),
    ("待定", ("待定", "不是有效日期")),
])
def test_v503_fill_date_wrong(tmp_path: Path, date: str, words: tuple[str, ...]) -> None:
    findings = check(tmp_path, footer=FOOTER.format(date=date, phone="139****6836"))
    assert_finding(findings, "V503", "warning", "A21", *words)
    assert codes(findings) == {"V503"}


@pytest.mark.parametrize("date", ["2023年1月1日", "2024年12月31日", "2024-09-11", "2024.9.11"])
def test_v503_not_within_year_and_next(tmp_path: Path, date: str) -> None:
    assert check(tmp_path, footer=FOOTER.format(date=date, phone="139****6836")) == []


# ---------------------------------------------------------------- X — across forms
def test_x601_total_differs_from_expense_split(tmp_path: Path) -> None:
    form = department_form(expense=["其中：基本支出：1,129.76万元", "项目支出：333.57万元", 0, 0])
    findings = check(tmp_path, form)
    f = assert_finding(findings, "X601", "error", "E4", "1463.31", "1129.76", "333.57", "1463.33")
    assert f.message == "年度资金总额 1463.31 ≠ 基本支出 1129.76 + 项目支出 333.57 = 1463.33"
    assert codes(findings) == {"X601"}


def test_x601_not_within_a_hundredth(tmp_path: Path) -> None:
    """Seed 001: 1129.76 + 333.56 = 1463.32 against 1463.31 — a rounding difference of 0.01."""
    assert check(tmp_path, department_form(expense=DEPT_EXPENSE)) == []


def test_x602_total_differs_from_income_split(tmp_path: Path) -> None:
    form = department_form(income=["其中：一般公共预算：1,400.00万元", "政府性基金拨款：50万元", "纳入专户管理的非税收入拨款：", "其他资金："])
    findings = check(tmp_path, form)
    f = assert_finding(findings, "X602", "error", "E4", "1463.31", "1450")
    assert f.message == "年度资金总额 1463.31 ≠ 按收入性质各项之和 1450"
    assert codes(findings) == {"X602"}


def test_x602_not_when_income_items_add_up(tmp_path: Path) -> None:
    form = department_form(income=["其中：一般公共预算：1,413.31万元", "政府性基金拨款：50万元", "纳入专户管理的非税收入拨款：0",
                                    "其他资金：—"])
    assert check(tmp_path, form) == []


def _project_with_budget(budget: float) -> Any:
    spent = round(budget * 0.9, 2)
    rows = [dict(source="年度资金总额", initial=budget, budget=budget, spent=spent, weight=10, rate="90%", score=9),
            dict(source="其中：当年财政拨款", initial=budget, budget=budget, spent=spent),
            dict(source="上年结转资金"), dict(source="其他资金")]
    return project_form(funds=rows)


def test_x603_projects_exceed_department_project_spending(tmp_path: Path) -> None:
    path = write_forms(tmp_path / "all.xlsx", {
        "部门": [(department_form(), 0, 0)],
        "项目": [(_project_with_budget(200), 0, 0), (_project_with_budget(200), 25, 0)],
    })
    findings = findings_of(path)
    f = assert_finding(findings, "X603", "warning", "F7", "400", "333.56", sheet="部门")
    assert f.message == "各项目表全年预算数合计 400 超过部门整体表的项目支出 333.56"
    assert codes(findings) == {"X603"}


def test_x603_not_when_projects_fit(tmp_path: Path) -> None:
    path = write_forms(tmp_path / "all.xlsx", {
        SHEET: [(department_form(), 1, 1), (_project_with_budget(166.78), 27, 1), (_project_with_budget(166.78), 52, 1)],
    })
    result = api.check([path])
    assert result.forms == 3
    assert result.findings == []


# ---------------------------------------------------------------- anchoring at an offset
def test_cells_follow_the_form_when_it_starts_elsewhere(tmp_path: Path) -> None:
    """A form pasted at C4 (two blank columns and three blank rows before it): every anchor moves."""
    form = project_form(funds=funds(r5=dict(rate="100%")), indicators=indicators(r12=dict(score=25)), total=(100, 101))
    findings = findings_of(one_form(tmp_path / "o.xlsx", form, sheet="项目表", top=3, left=2))
    assert {(f.rule, f.sheet, f.cell) for f in findings} == {("B101", "项目表", "J8"), ("S201", "项目表", "J15")}


# ---------------------------------------------------------------- rule selection
def test_select_prefix() -> None:
    selected = select_codes(["S2"], None)
    assert selected == {f"S2{i:02d}" for i in range(1, 13)}


def test_ignore_prefix() -> None:
    selected = select_codes(None, ["C3"])
    assert not any(c.startswith("C3") for c in selected)
    assert selected == set(RULES) - {f"C30{i}" for i in range(1, 10)}


def test_select_and_ignore_combine_and_ignore_case() -> None:
    assert select_codes(["s2", "b101"], ["S21"]) == {f"S20{i}" for i in range(1, 10)} | {"B101"}


def _form_with_s201_and_c301(tmp_path: Path) -> Path:
    rows = indicators(r12=dict(score=25), r15=dict(reason=None))
    return one_form(tmp_path / "sel.xlsx", project_form(indicators=rows, total=(100, 101)))


def test_check_runs_only_selected_rules(tmp_path: Path) -> None:
    path = _form_with_s201_and_c301(tmp_path)
    assert {f.rule for f in api.check([path]).findings} == {"S201", "C301"}
    assert {f.rule for f in api.check([path], codes=select_codes(["S2"], None)).findings} == {"S201"}
    assert {f.rule for f in api.check([path], codes=select_codes(None, ["C3"])).findings} == {"S201"}
    assert {f.rule for f in api.check([path], codes=select_codes(["C301"], None)).findings} == {"C301"}


def test_ignored_file_rule_is_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    assert [f.rule for f in api.check([path]).findings] == ["F001"]
    assert api.check([path], codes=select_codes(None, ["F"])).findings == []
    # the file is still unreadable, whatever is reported
    assert api.check([path], codes=select_codes(None, ["F"])).files[0].error == "F001"


# ---------------------------------------------------------------- grades
@pytest.mark.parametrize("score,expected", [
    (100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.9, "差"), (0, "差"), (None, None),
])
def test_grade_boundaries(score: float | None, expected: str | None) -> None:
    assert grade(score) == expected
