"""N701–N706: the numbers a report's text states, against its tables and each other (issue 13).

Every seed (000–004) is read as a report: each number it states is listed below with whether
it agrees and why. Then each rule where it fires and where it must not, and excerpts of real
published reports (the search tool's stored pages) that are consistent and must raise nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.builders import Form, department_form, project_form
from xlsxtool.findings import Finding
from xlsxtool.narrative import check_narrative, statements
from xlsxtool.normalize import extract
from xlsxtool.read import SheetGrid, Workbook

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def findings(paragraphs: list[str], forms: list[Form] = ()) -> list[Finding]:  # type: ignore[assignment]
    """N7xx findings of a report with these paragraphs and these forms as its tables."""
    sheets = [SheetGrid(name=f"表{i + 1}", rows=[[("" if v is None else v) for v in row] for row in f.rows],
                        merges=list(f.merges)) for i, f in enumerate(forms)]
    ext = extract(Workbook(path="r.docx", sheets=sheets, engine="docx"))
    return check_narrative(paragraphs, ext, "r.docx")


def codes(found: list[Finding]) -> list[tuple[str, str | None]]:
    return [(f.rule, f.cell) for f in found]


def seed_paragraphs(prefix: str) -> list[str]:
    path = next(SEEDS.glob(f"{prefix}_*.txt"), None)
    if path is None:
        pytest.skip("the seeds (../shared/seeds) are not beside this checkout")
    lines = path.read_text(encoding="utf-8").split("\n")
    end = next((i for i, line in enumerate(lines) if re.match(r"^\t\d{4}年度", line)), len(lines))
    return lines[:end]  # one paragraph per line; seed 001's tables start at its first title


# ---------------------------------------------------------------- the seeds, number by number


def test_seed_000_states_nothing_inconsistent() -> None:
    """岳阳县教师进修学校 2024.
    第4段  一般公共预算支出 251.16万元 — the 支出 whole; its parts below list 基本支出 only
           (项目支出 is '本年度无项目支出', words): incomplete, and 251.16 ≤ 251.16 → agrees.
    第6段  基本支出 251.16万元 = 第7段 人员经费 187.56 + 第8段 日常公用经费 63.6 = 251.16 → agrees.
    第20–22段 效益/满意度/成本 '得10分' each, 产出 '分别得10分' (per indicator: not a group's points),
           第22段 '综合绩效自评得分为100分': the groups stated are incomplete (no 产出, no 预算执行)
           and 30 ≤ 100 → N706 stays silent (the text does not say what 产出 scored in total).
    '财政供养人员控制率100%', '满意度达100%' are rates of people, not shares of an amount."""
    paragraphs = seed_paragraphs("000")
    assert findings(paragraphs) == []
    said = {(st.para, st.raw, st.item or st.group) for st in statements(paragraphs) if st.role != "other"}
    assert {(6, "251.16万元", "基本支出"), (7, "187.56万元", "人员经费"), (8, "63.6万元", "公用经费"),
            (22, "10分", "成本指标")} <= said


def test_seed_001_share_of_22_percent_is_n704_and_the_rest_agrees() -> None:
    """岳阳市教育科学技术研究院 2023 (with its department form as the table).
    第18段 收入预算 1,463.31万元 = the form's 年初/全年预算数 1,463.31 (N702 agrees); its six kinds
           of 收入 1,463.31 + 0 + 0 + 0 + 0 + 0 = 1,463.31 (N703 agrees); 财政拨款收入 占100% =
           1,463.31 ÷ 1,463.31 and each 0万元 占0% → agree.
    第19段 支出预算 1,463.31万元 = the form's budget (agrees); 基本支出 1,129.76 and 项目支出 333.56
           = the form's 按支出性质分 items (agree); 1,129.76 + 333.56 + 0 + 0 + 0 = 1,463.32, within
           rounding of 1,463.31 (SPEC: 0.01) → agrees; 基本支出 占77%: 1,129.76 ÷ 1,463.31 = 77.21 %,
           77 written as a whole percent is compared at 0.5 point → agrees; 项目支出 占22%:
           333.56 ÷ 1,463.31 = 22.79 %, 0.79 point off → N704 (warning) on 第19段.
    第21段 项目支出年初预算数 333.56万元 = the form's 项目支出 333.56 → agrees ('业务工作经费支333.56万元'
           names nothing the vocabulary knows: left alone).
    第29段 收、支总计 1,463.31万元 stands alone (no parts beside it); '减少75.14万元' and '增减少4%'
           are changes on last year, not amounts or shares → nothing."""
    paragraphs = seed_paragraphs("001")
    dept = department_form(name="岳阳市教育科学技术研究院")
    found = findings(paragraphs, [dept])
    assert [(f.rule, f.cell, f.expected, f.actual) for f in found] == [("N704", "第19段", "22.79%", "22%")]
    assert "333.56万元 ÷ 1,463.31万元" in found[0].message
    # The same text against a form whose 按支出性质 items disagree: N702 on 第19段 and 第21段.
    other = department_form(name="岳阳市教育科学技术研究院", expense=["其中：基本支出：1,163.31万元", "项目支出：300万元", 0, 0])
    assert sorted(codes(f for f in findings(paragraphs, [other]) if f.rule == "N702")) == [  # type: ignore[arg-type]
        ("N702", "第19段"), ("N702", "第19段"), ("N702", "第21段")]


def test_seed_002_has_no_table_and_nothing_inconsistent() -> None:
    """昆明市呈贡区教育信息中心 2023 (a project report with no table).
    第8段  项目资金 248.65万元 and 使用 130.27万元 name no item of the vocabulary; '(含自有资金
           1.50万元)' is in brackets → nothing to compare.
    第10段 '控制在248.65万元范围内' is a ceiling, not a statement.
    第13段 '共计130.27万元' has no parts beside it; '年底收回指标119.88万元' is a remainder — and it
           agrees anyway: 248.65 − (130.27 − 1.50 own funds) = 119.88."""
    assert findings(seed_paragraphs("002")) == []


def test_seed_003_unit_slip_and_parts_that_do_not_add_up() -> None:
    """株洲市渌口区教育局 2024.
    第54段 整体支出合计 795.63万元.
    第55段 基本支出 795.63元: the same figure is 795.63万元 in 第54段 and the report counts in 万元
           → N705 (a unit slip), read as 795.63万元 from here on; 人员支出 643.4 + 公用支出 149.2 =
           792.6万元 ≠ 795.63 (3.03 off, far beyond rounding) → N703 on 第55段.
    第57段 项目支出 0.00万元: 整体支出 795.63 = 基本支出 795.63 + 项目支出 0.00 → agrees (with the
           slip corrected; read as 元 it would not)."""
    found = findings(seed_paragraphs("003"))
    assert codes(found) == [("N705", "第55段"), ("N703", "第55段")]
    n705, n703 = found
    assert n705.severity == "warning" and "795.63元" in n705.message and "第54段" in n705.message
    assert n703.severity == "error" and "792.6万元" in n703.message and "3.03万元" in n703.message


def test_seed_004_states_nothing_inconsistent() -> None:
    """株洲市二中南洲学校 2024. 第11段 基本支出预算 769.78万元, 实际支出 769.78万元 (the subject
    carries over the comma: both are 基本支出, one a budget, one spent) — no parts with numbers
    ('主要是公用经费支出和人员经费支出'), no table → nothing."""
    paragraphs = seed_paragraphs("004")
    assert findings(paragraphs) == []
    said = [(st.item, st.qualifier) for st in statements(paragraphs) if st.raw == "769.78万元"]
    assert said == [("基本支出", "budget_any"), ("基本支出", "spent")]


# ---------------------------------------------------------------- N701


PROJECT = project_form()  # 测试项目: 全年预算数 50, 执行数 45, 执行率 90%, 合计 100 / 96


def test_n701_stated_score_against_the_table() -> None:
    assert findings(["测试项目自评得分为96分，评价等级为优。"], [PROJECT]) == []
    (f,) = findings(["经自评，综合得分为94分。"], [PROJECT])  # one form: the text describes it
    assert (f.rule, f.cell, f.form, f.expected, f.actual) == ("N701", "第1段", "测试项目", "96", "94")
    # Two forms and a text that names neither: which total it means is not clear → nothing.
    assert findings(["综合得分为94分。"], [PROJECT, project_form(name="另一个项目", total=(100, 94))]) == []
    # Named by the heading just above.
    found = findings(["（二）另一个项目", "该项目自评得分为96分。"], [PROJECT, project_form(name="另一个项目", total=(100, 94))])
    assert codes(found) == [("N701", "第2段")]


def test_n701_rounding_as_written() -> None:
    half = project_form(total=(100, 96.4))
    half.rows[-2][7] = 96.4  # keep the form itself as it is
    assert findings(["自评得分96分。"], [half]) == []


# ---------------------------------------------------------------- N702


def test_n702_budget_spent_and_rate_against_the_funds_block() -> None:
    clean = ["测试项目年初预算数50万元，全年预算数50万元，全年执行数45万元，预算执行率90%。"]
    assert findings(clean, [PROJECT]) == []
    found = findings(["测试项目全年执行数48万元，预算执行率95%。"], [PROJECT])
    assert [(f.rule, f.expected, f.actual) for f in found] == [("N702", "45万元", "48万元"), ("N702", "90%", "95%")]
    assert "全年执行数" in found[0].message and "“测试项目”自评表" in found[0].message


def test_n702_department_split_and_budget() -> None:
    dept = department_form()  # 1,463.31 = 基本支出 1,129.76 + 项目支出 333.56
    ok = ["本单位支出预算1,463.31万元，其中：基本支出1,129.76万元，项目支出333.56万元。"]
    assert findings(ok, [dept]) == []
    found = findings(["本单位支出预算1,500万元，其中：基本支出1,166.44万元，项目支出333.56万元。"], [dept])
    assert [(f.rule, f.actual) for f in found] == [("N702", "1,500万元"), ("N702", "1,166.44万元")]


def test_n702_needs_to_know_which_table() -> None:
    two = [PROJECT, project_form(name="另一个项目")]
    assert findings(["全年执行数48万元。"], two) == []  # names no project, several forms
    assert findings(["该笔资金执行数48万元（含结转）。", "人员经费48万元。"], [department_form()]) == []


def test_n702_agrees_with_a_source_row_where_the_tables_total_is_wrong() -> None:
    funds = [dict(source="年度资金总额", initial=0, budget=0, spent=0, weight=10, rate="0", score=0),
             dict(source="其中：当年财政拨款", initial=90, budget=89.974, spent=89.974)]
    form = project_form(funds=funds)
    assert findings(["本项目年初预算数90万元。"], [form]) == []  # the table's total is B104's business


# ---------------------------------------------------------------- N703


def test_n703_parts_and_wholes() -> None:
    (f,) = findings(["2023年支出合计500万元，其中：基本支出300万元，项目支出180万元。"])
    assert (f.rule, f.cell, f.expected, f.actual) == ("N703", "第1段", "480万元", "500万元")
    assert findings(["2023年支出合计500万元，其中：基本支出300万元，项目支出200万元。"]) == []
    # Only some parts stated: a shortfall is no error (the rest is not said) …
    assert findings(["2023年支出合计500万元，其中：基本支出300万元。"]) == []
    # … but parts above their whole are.
    assert codes(findings(["2023年支出合计500万元，其中：基本支出520万元。"])) == [("N703", "第1段")]
    # The whole and its parts in separate paragraphs (seed 000's layout) and a 合计 after the parts.
    assert codes(findings(["基本支出共计251.16万元。其中：", "人员经费187.56万元，", "日常公用经费60.6万元。"])) == [("N703", "第1段")]
    assert codes(findings(["人员经费100万元、公用经费50万元，合计160万元。"])) == [("N703", "第1段")]
    assert findings(["人员经费100万元、公用经费50万元，合计150万元。"]) == []


def test_n703_leaves_unclear_text_alone() -> None:
    quiet = [
        "基本支出年初预算500万元，全年支出480万元，其中人员经费400万元、公用经费80万元。",  # whole is ambiguous
        "支出100万元，其中：工资福利支出50万元，商品和服务支出30万元。",  # items outside the vocabulary
        "基本支出300万元（其中人员经费200万元）。",  # in brackets
        "与上年相比，基本支出增加300万元，人员经费增加100万元，公用经费增加50万元。",  # changes
    ]
    for text in quiet:
        assert findings([text]) == [], text


# ---------------------------------------------------------------- N704


def test_n704_shares() -> None:
    text = "支出预算1,463.31万元，其中：基本支出1,129.76万元，占{a}；项目支出333.56万元，占{b}。"
    assert findings([text.format(a="77.21%", b="22.79%")]) == []
    assert findings([text.format(a="77.2%", b="22.8%")]) == []  # one decimal: 0.05 point
    (f,) = findings([text.format(a="77%", b="23.8%")])
    assert (f.rule, f.severity, f.expected, f.actual) == ("N704", "warning", "22.79%", "23.8%")
    assert findings(["支出总额1,463.31万元，较上年增长22%。"]) == []  # a growth rate, not a share
    # The whole named in the share itself.
    assert codes(findings(["整体支出1,000万元；项目支出300万元，占整体支出的25%。"])) == [("N704", "第1段")]
    assert findings(["项目支出300万元，占比30%。"]) == []  # no whole stated: nothing to compute


def test_n704_names_a_sub_category_and_where_its_share_stands() -> None:
    """A 决算/预算说明 lists economic classes under the whole in the next paragraphs (梧州 2021
    style): the message names the class as written and points to the paragraph of the share."""
    whole = "1. 基本支出预算 924,289.71 元,占支出总预算的100.00%。其中:"
    parts = ["工资福利支出预算 857,890.16 元,占基本支出预算{0},同比减少 261,443.84 元,下降 23.36%。",
             "商品和服务支出预算 61,599.55 元,占基本支出预算6.66%。"]
    assert findings([whole, parts[0].format("92.82%"), parts[1]]) == []
    (f,) = findings([whole, parts[0].format("93.82%"), parts[1]])
    assert (f.rule, f.cell, f.expected, f.actual) == ("N704", "第1段", "92.82%", "93.82%")
    assert "工资福利支出占比 93.82%（第2段）" in f.message and "类别" not in f.message


# ---------------------------------------------------------------- N705


def test_n705_unit_slips() -> None:
    assert findings(["部门预算基本支出795.63元。"]) == []  # no same figure elsewhere
    assert findings(["补助标准10元，项目支出10万元。"]) == []  # 10 is not a distinctive figure
    # Against the department form's 1,463.31 (万元 in its header).
    found = findings(["本单位支出预算1,463.31元。"], [department_form()])
    assert codes(found) == [("N705", "第1段")] and "自评表" in found[0].message


# ---------------------------------------------------------------- N706


def test_n706_points_against_the_total() -> None:
    text = "项目自评得分为98分，其中：预算执行率得分10分，产出指标得分{p}分，效益指标得分30分，满意度指标得分10分。"
    assert findings([text.format(p=48)]) == []
    (f,) = findings([text.format(p=45)])
    assert (f.rule, f.expected, f.actual) == ("N706", "95", "98")
    # Not every group stated: only a sum already above the total is wrong.
    assert findings(["产出指标得分45分，效益指标得分30分，自评总分100分。"]) == []
    assert codes(findings(["产出指标得分50分，效益指标得分30分，满意度指标得分10分，自评总分85分。"])) == [("N706", "第1段")]
    # Weights, per-indicator points and bracketed labels are not a group's points.
    assert findings(["产出指标（50分）满分50分，三项指标分别得10分。自评总分96分。"]) == []


# ---------------------------------------------------------------- real reports (stored pages)


def test_real_report_nanxian_cppcc_is_consistent() -> None:
    """南县政协 2021 部门整体支出绩效评价报告 (www.hnnxzx.com/a/webbase/div-css/2022/0415/1230.html):
    收入 792.22 (增加 189.25 / 31.39 % are changes), 支出 799.12 = 人员经费 434.89 + 公用经费 77.4
    + 项目支出 286.83 — consistent; '支出：' alone names no item, so it is not even compared."""
    text = [
        "1、收入：792.22万元。同比上年度增加189.25万元，增加31.39%。其中：财政拨款收入792.22万元，同比上年度增加209.28万元，增加35.9%。",
        "2、支出：799.12万元。其中：人员经费支出434.89万元，公用经费支出77.4万元，项目支出286.83万元。",
        "本项目由基本支出和项目支出两个部分构成。基本支出主要包括人员经费及日常公用经费支出等。项目支出包括委员活动经费36.3万元，扫黑除恶工作经费1万元，信息网络运行经费5万元，老干部活动经费10.5万元，派出纪检监察组专项经费5万元。",
    ]
    assert findings(text) == []


def test_real_report_honghe_data_centre_is_consistent() -> None:
    """红河州数据发展中心 2024 项目支出绩效单位自评报告 (www.hh.gov.cn/info/11481/1179592.htm): budgets
    of several projects with bracketed carry-overs and no table → nothing."""
    text = ["2024年，红河州数据发展中心实施项目共15个（含2023年转列暂付性款项项目5个），年初批复预算8个项目985万元"
            "（含1个年初结转结余项目50万元），调整预算后项目预算861.46万元，年中增加8个项目，实际到位资金334.67万元。"]
    assert findings(text) == []


def test_real_report_nanxian_finance_bureau_score() -> None:
    """南县财政局 2020 机关整体支出绩效评价报告 (nxjw.nanxian.gov.cn/…/content_1639681.html): '综合评分为
    97分'; '现有编制人员205人。其中，局机关在职113人…' are people, not amounts. Against a department
    form whose 总分 is 97 it agrees; against one of 95 it is N701."""
    text = ["按照部门整体支出绩效评价指标体系，对南县财政局2020年度机关整体支出开展了绩效评价，综合评分为97分。",
            "现有编制人员205人。其中，局机关在职113人、离休2人、退休75人、财政事务中心10人，国库集中支付中心5人。"]
    assert findings(text, [department_form(name="南县财政局", total=(100, 97))]) == []
    assert codes(findings(text, [department_form(name="南县财政局", total=(100, 95))])) == [("N701", "第1段")]


def test_real_report_chizhou_goal_text_with_its_table() -> None:
    """池州 贵池区棠溪镇 委托业务项目 2022 (the real corpus table, tests/real): its 预期目标 text as a
    report paragraph — '申请预算资金90万元' agrees with the 本年财政拨款 row (the total row's 0 is the
    table's own B104), '完成预算资金89.97万元' names no column → nothing."""
    from tests.real.corpus import TABLES, parse

    table = parse(next(TABLES.glob("ah_chizhou*.txt")))
    form = Form(rows=[[v for v in row] for row in table.rows], merges=table.merges)
    text = ["本项目共申请预算资金90万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；30万元用于基建工程项目设计、规划、测绘。",
            "本项目共完成预算资金89.97万元。其中：30万元用于基建工程项目预算编制；30万元用于基建工程项目审计；29.99万元用于基建工程项目设计、规划、测绘。"]
    assert findings(text, [form]) == []


def test_unreadable_text_raises_nothing() -> None:
    noise = ["", "万元万元%%分", "1,2,3,4万元", "（（（1,463.31万元", "占%", "合计万元", "得分分分100分分",
             "基本支出：万元；人员经费：元", "\x00\x01 12.5.6万元", "９９．５％"]
    assert findings(noise) == []
    assert findings(noise, [PROJECT, department_form()]) == []


def test_scales_and_other_subjects_are_not_compared() -> None:
    # '总分100分' before the score in the same sentence part is the scale, not a score.
    assert findings(["本次评价总分100分，测试项目自评得分96分。"], [PROJECT]) == []
    dept = department_form()  # 执行率 100 %, 总分 97
    # The department's paragraph speaks of some projects' rate, not of the department's.
    assert findings(["本单位部分项目执行率较低，为85%。"], [dept, PROJECT]) == []
    assert codes(findings(["本单位预算执行率为85%。"], [dept, PROJECT])) == [("N702", "第1段")]
    # A project named and the department's total in one sentence: which total is meant is unclear.
    assert findings(["本单位共实施测试项目等2个项目，部门整体自评得分96分。"], [dept, PROJECT]) == []


# ---------------------------------------------------------------- what a number refers to (real reports)


def test_kinds_of_money_are_not_budget_figures() -> None:
    """'预算内' / '一般公共预算' / '预算外' name where money comes from: '积极争取省预算内基本建设投资1000万元'
    (大英县发改局 2021, another project's money) states no budget of the project in the table."""
    text = ["积极争取省预算内基本建设投资1000万元。项目支出费用45万元。"]
    assert findings(text, [PROJECT]) == []
    said = {st.raw: st.qualifier for st in statements(["一般公共预算基本支出 911000.39 元,预算外资金20万元。"])}
    assert said == {"911000.39 元": None, "20万元": None}
    # The project's own budget is still read.
    assert codes(findings(["项目全年预算数60万元。"], [PROJECT])) == [("N702", "第1段")]


def test_spending_categories_are_neither_the_whole_nor_its_parts() -> None:
    """梧州 预算说明 (2022–2024): '商品和服务支出预算 29700 元' and '“三公”经费支出预算 0元' are classes
    of spending, not the unit's 支出预算 — they must not become the whole of the 基本支出 or 项目支出
    stated next, nor the whole a later '占一般公共预算支出的 3.26%' is computed on."""
    text = ["1. 基本支出预算 881300.39 元,占一般公共预算支出的96.74%。其中:",
            "商品和服务支出预算 165247.88 元,占基本支出预算18.76%。",
            "2. 项目支出 29700 元,占一般公共预算支出的 3.26%。其中:",
            "商品和服务支出预算 29700 元,占项目支出预算 100%。",
            "2023 年单位预算全口径安排“三公”经费支出预算 0元,同比无变化。",
            "2023 年本年一般公共预算基本支出 881300.39 元。"]
    assert findings(text) == []
    assert {st.item for st in statements(text) if st.raw in ("165247.88 元", "0元")} == {"类别"}
    # The unit's own 支出预算 is still the whole.
    assert codes(findings(["2023年本单位支出预算500万元，其中：基本支出300万元，项目支出180万元。"])) == [("N703", "第1段")]


def test_a_decimal_broken_by_a_pdf_text_layer_is_no_amount() -> None:
    """南昌市烈士陵园管理处 2022 (a document site's text of the .docx): '预算35. 3万元' is 35.3万元 with a
    space after the point; the '3万元' alone must not be read (it would be 3, against a 35.3 table)."""
    said = [(st.raw, st.qualifier) for st in statements(["预算35. 3万元,2022年全 年实际支付35. 3万元。共支出成本35.3万元。"])]
    assert said == [("35.3万元", None)]
    form = project_form(funds=[dict(source="年度资金总额", initial=35.3, budget=35.3, spent=35.3, weight=10, rate="100%", score=10),
                               dict(source="其中：当年财政拨款", initial=35.3, budget=35.3, spent=35.3)])
    assert findings(["烈士纪念设施维修项目:预算35. 3万元,2022年全 年实际支付35. 3万元,使用率100%。"], [form]) == []
    # '实际支付' is the executed amount.
    assert codes(findings(["测试项目2023年实际支付40万元。"], [PROJECT])) == [("N702", "第1段")]


def test_wholes_the_text_divides_with_qizhong() -> None:
    """'X，其中：基本支出…，项目支出…' makes X the whole of those parts whatever X is called (梧州
    2021: '机构运行 1100910.5 元,其中:基本支出 1100910.5 元,项目支出 0元'); '2、支出:799.12万元。其中:'
    (南县政协 2021) names a bare 支出 as the whole, and 人员经费 + 公用经费 stand for the 基本支出."""
    ok = ["机构运行 1100910.5 元,其中:基本支出 1100910.5 元,项目支出 0元。",
          "2、支出:799.12万元。其中:人员经费支出434.89万元,公用经费支出77.4万元,项目支出286.83万元。"]
    assert findings(ok) == []
    (f,) = findings(["机构运行 1100910.5 元,其中:基本支出 1000910.5 元,项目支出 0元。"])
    assert (f.rule, f.expected, f.actual) == ("N703", "1000910.5元", "1100910.5 元")  # in the text's own unit
    assert "相差 100000元" in f.message
    assert codes(findings(["2、支出:809.12万元。其中:人员经费支出434.89万元,公用经费支出77.4万元,项目支出286.83万元。"])) == [
        ("N703", "第1段")]
    # 人员经费 without 公用经费 does not stand for the whole 基本支出: a shortfall is no error.
    assert findings(["支出:809.12万元。其中:人员经费支出434.89万元,项目支出286.83万元。"]) == []
    # One part after '其中' does not make a whole of an amount the vocabulary cannot name.
    assert findings(["项目资金248.65万元，其中：项目支出10万元。"]) == []


def test_the_juesuan_layout_of_income_and_its_totals() -> None:
    """大英 2022 决算: 收入合计 = 一般公共预算 / 政府性基金 / 国有资本经营预算财政拨款收入 + 上级补助 + 事业
    + 经营 + 附属单位上缴 + 其他收入; a 总计 holds the carry-overs too, so its parts may fall short."""
    text = ("2022年本年收入合计4125.49万元,其中:一般公共预算财政拨款收入3859.16万元,占93.54%;政府性基金预算财政拨款收入0万元,"
            "占0%;国有资本经营预算财政拨款收入0万元,占0%;上级补助收入0万元,占0%;事业收入0万元,占0%;经营收入0万元,占0%;"
            "附属单位上缴收入0万元,占0%;其他收入{other}万元,占6.46%。")
    assert findings([text.format(other="266.33")]) == []
    assert sorted(codes(findings([text.format(other="236.33")]))) == [("N703", "第1段"), ("N704", "第1段")]
    kinds = "其中：财政拨款收入1000万元，上级补助收入0万元，事业收入200万元，经营收入0万元，附属单位上缴收入0万元，其他收入100万元。"
    assert findings(["2023年收入总计1500万元，" + kinds]) == []  # 200万元 of 上年结转 make up the 总计
    assert codes(findings(["2023年收入总计1200万元，" + kinds])) == [("N703", "第1段")]
    assert codes(findings(["2023年收入合计1500万元，" + kinds])) == [("N703", "第1段")]


def test_shares_of_one_unstated_whole_cannot_exceed_100_percent() -> None:
    """梧州 2024 预算说明: 基本支出 占一般公共预算支出的84.06% and 项目支出 占…19.62% (103.68 % of one
    whole, whose amount the page does not state). 基本支出 and 项目支出 are the whole's parts, so it is
    their sum: 469500 ÷ 2945760.58 = 15.94 % — the 19.62 % is off, reported where it is stated."""
    text = ["(二)按支出结构分类划分,分为基本支出预算和项目支出预算。",
            "1. 基本支出预算 2476260.58 元,占一般公共预算支出的84.06%,同比减少 4966.66 元。其中:",
            "工资福利支出预算 2016908.34 元,占基本支出预算81.45%。",
            "2. 项目支出 469500 元,占一般公共预算支出的 {b}%,同比增加 70100 元。"]
    (f,) = findings([line.replace("{b}", "19.62") for line in text])
    assert (f.rule, f.cell, f.expected, f.actual) == ("N704", "第4段", "15.94%", "19.62%")
    assert "103.68%" in f.message
    assert findings([line.replace("{b}", "15.94") for line in text]) == []
    # Under different headings, or with only some of the parts, nothing is summed.
    apart = [*text[:2], "六、一般公共预算基本支出情况说明", text[3].replace("{b}", "19.62")]
    assert findings(apart) == []
    assert findings(["人员经费 100 元,占一般公共预算支出的 60%。", "公用经费 80 元,占一般公共预算支出的 50%。"]) == []


def test_an_unnamed_whole_is_read_as_broadly_as_its_parts_allow() -> None:
    # 人员经费 + 公用经费 after an unnamed '支出': a 项目支出 may be unsaid, so a shortfall is no error …
    assert findings(["部门决算支出800万元，其中：人员经费400万元，公用经费100万元。"]) == []
    # … but parts above the whole are.
    assert codes(findings(["部门决算支出400万元，其中：人员经费400万元，公用经费100万元。"])) == [("N703", "第1段")]


def test_what_an_amount_names_in_real_sentences() -> None:
    """Three misreadings found on real reports, each a false N702 once the department form is there:
    a document title's words (东莞: '《项目支出绩效评价管理办法》…涉及调整后预算金额136976.4万元'), a
    half-width comma that did not end the clause (stored pages keep ',' for '，'), and an item that
    only introduces its content (南县政协: '项目支出包括委员活动经费36.3万元')."""
    dept = department_form()  # 项目支出 333.56
    text = ["根据《项目支出绩效评价管理办法》(财预〔2020〕10 号)有关要求,纳入本次绩效自评的基建项目有72个,涉及调整后预算金额136976.4万元。",
            "本单位项目支出包括委员活动经费36.3万元,扫黑除恶工作经费1万元。",
            "本单位项目支出,委员活动经费36.3万元。"]
    assert findings(text, [dept]) == []
    said = [(st.raw, st.item) for st in statements(text)]
    assert said == [("136976.4万元", None), ("36.3万元", None), ("1万元", None), ("36.3万元", None)]
    # An item named right before its amount is still read, with either comma.
    found = findings(["本单位支出预算1,463.31万元,其中:基本支出1,129.76万元,项目支出300万元。"], [dept])
    assert sorted((f.rule, f.actual) for f in found) == [("N702", "300万元"), ("N703", "1,463.31万元")]


def test_a_text_in_yuan_is_checked_to_its_own_last_digit() -> None:
    """A 预算说明 counting in 元 (梧州): parts 50 元 off their whole are off — the 0.01 万元 that
    rounding allows a 万元 text is 100 元 here."""
    text = "2022 年一般公共预算基本支出 1133753.33 元,其中:人员经费 1030180.29 元,公用经费 {b} 元。"
    assert findings([text.format(b="103573.04")]) == []
    (f,) = findings([text.format(b="103523.04")])
    assert (f.rule, f.expected) == ("N703", "1133703.33元") and "相差 50元" in f.message
    assert findings(["基本支出 1,463.31万元，其中：人员经费 1,129.76万元，公用经费 333.56万元。"]) == []  # 0.01 万元


def test_the_departments_split_is_compared_only_with_budget_figures() -> None:
    """The form's 按支出性质分 is the budget split (年度预算申请); reports as often state the 决算 split.
    An executed or unqualified 基本支出/项目支出 is not held against it — a budget one is."""
    dept = department_form()  # budget: 基本支出 1,129.76 + 项目支出 333.56
    for text in ["2023年部门决算总支出1,498.20万元，其中：基本支出1,129.76万元，项目支出368.44万元。",
                 "2023年实际支出1,498.20万元，其中：基本支出1,129.76万元，项目支出368.44万元。",
                 "本单位项目支出368.44万元。"]:
        assert findings([text], [dept]) == [], text
    assert codes(findings(["本单位项目支出预算368.44万元。"], [dept])) == [("N702", "第1段")]
    assert [f.actual for f in findings(["2023年本单位支出预算1,463.31万元，其中：基本支出1,095.75万元，项目支出367.56万元。"], [dept])
            ] == ["1,095.75万元", "367.56万元"]
