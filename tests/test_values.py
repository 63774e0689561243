"""Value parsing (xlsxtool.values): SPEC §1.3 label normalisation and §1.4 cell values."""

from __future__ import annotations

import datetime
import importlib.util
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsxtool.values import (
    PLACEHOLDERS,
    Actual,
    Num,
    Target,
    declared_weight,
    is_blank,
    is_plausible_phone,
    norm_label,
    parse_actual,
    parse_date,
    parse_footer,
    parse_number,
    parse_percent,
    parse_target,
    qualitative_band,
    split_label_value,
)

VALUES_PY = Path(__file__).resolve().parents[1] / "xlsxtool" / "values.py"

# --- labels (SPEC §1.3) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("年度\n指标值", "年度指标值"),
        ("分  值", "分值"),
        ("项目资金（万元）", "项目资金(万元)"),
        ("项目资金（元）", "项目资金(元)"),
        ("满意度\n指标\n（10分）", "满意度指标(10分)"),
        ("效益指标（30分）\u3000", "效益指标(30分)"),
        ("年度预\r\n算申请（万元）", "年度预算申请(万元)"),
        ("\t实际完成值\xa0", "实际完成值"),
        ("全年预算数（A）", "全年预算数(A)"),
        ("执行率（B/A）", "执行率(B/A)"),
        ("【备注】", "(备注)"),
        ("[备注]", "(备注)"),
        ("〔2020〕", "(2020)"),
        ("［注］", "(注)"),
        ("实施单位：", "实施单位"),
        ("实施单位:", "实施单位"),
        ("其中：当年财政拨款", "其中:当年财政拨款"),
        ("按收入性质分：", "按收入性质分"),
        ("ＡＢＣ１２３", "ABC123"),
        ("市级预算部门\u200b名称", "市级预算部门名称"),
        ("", ""),
        (None, ""),
        (float("nan"), ""),
        (12, "12"),
    ],
)
def test_norm_label(text: object, expected: str) -> None:
    assert norm_label(text) == expected


def test_norm_label_unhashable_input_does_not_raise() -> None:
    assert norm_label(["a b"]) == "('ab')"  # str() of the list, normalised


# --- blanks and placeholders (SPEC §1.4) -----------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        " ",
        "\u3000",
        "\xa0",
        " \n\t ",
        "—",
        "–",
        "-",
        "/",
        "／",
        "无",
        "*",
        "——",
        "-—",
        "－",
        " — ",
        "————",
        "\u3000无\u3000",
        "暂无",
        "N/A",
        float("nan"),
    ],
)
def test_is_blank_true(value: object) -> None:
    assert is_blank(value)


@pytest.mark.parametrize(
    "value",
    [0, 0.0, 1, -1, 1.5, "0", "a", "无锡", "按时完成", "-5", True, False,
     datetime.date(2024, 9, 11), Decimal("0")],
)  # fmt: skip
def test_is_blank_false(value: object) -> None:
    assert not is_blank(value)


def test_placeholders_are_normalised_forms() -> None:
    for text in ("", "—", "–", "-", "/", "无", "*", "——", "-—"):
        assert text in PLACEHOLDERS
    # '／' is full-width and arrives as '/' after NFKC, so only the normalised form is listed.
    assert norm_label("／") in PLACEHOLDERS


# --- numbers (SPEC §1.4) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # numbers typed as text: commas, spaces, full-width digits, units
        ("1,463.31 ", Num(1463.31, "1,463.31 ", True, True)),
        (" 1,463.31 ", Num(1463.31, " 1,463.31 ", True, True)),
        ("215,457.6", Num(215457.6, "215,457.6", True, True)),
        (" 50", Num(50.0, " 50", True, True)),
        ("１２", Num(12.0, "１２", True, True)),
        ("１，４６３．３１", Num(1463.31, "１，４６３．３１", True, True)),
        ("1 463.31", Num(1463.31, "1 463.31", True, True)),
        ("10分", Num(10.0, "10分", True, True)),
        ("50万元", Num(50.0, "50万元", True, True)),
        ("1,463.31万元", Num(1463.31, "1,463.31万元", True, True)),
        ("50元", Num(50.0, "50元", True, True)),
        ("6万", Num(6.0, "6万", True, True)),
        ("95%", Num(0.95, "95%", True, True)),
        ("-5", Num(-5.0, "-5", True, True)),
        ("\u22125", Num(-5.0, "\u22125", True, True)),
        ("0", Num(0.0, "0", True, True)),
        (".5", Num(0.5, ".5", True, True)),
        # cell numbers
        (10, Num(10.0, "10", True, False)),
        (0, Num(0.0, "0", True, False)),
        (1463.31, Num(1463.31, "1463.31", True, False)),
        (0.1 + 0.2, Num(0.3, "0.30000000000000004", True, False)),
        (Decimal("1.5"), Num(1.5, "1.5", True, False)),
        # empty and placeholders: ok, no value
        (None, Num(None, None, True, False)),
        ("", Num(None, None, True, False)),
        ("  ", Num(None, None, True, False)),
        ("\u3000", Num(None, None, True, False)),
        (float("nan"), Num(None, None, True, False)),
        ("—", Num(None, "—", True, False)),
        ("–", Num(None, "–", True, False)),
        ("-", Num(None, "-", True, False)),
        ("/", Num(None, "/", True, False)),
        ("／", Num(None, "／", True, False)),
        ("无", Num(None, "无", True, False)),
        ("*", Num(None, "*", True, False)),
        # real text -> not ok (rule V501)
        ("abc", Num(None, "abc", False, False)),
        ("1.2.3", Num(None, "1.2.3", False, False)),
        ("十", Num(None, "十", False, False)),
        ("约50", Num(None, "约50", False, False)),
        ("#DIV/0!", Num(None, "#DIV/0!", False, False)),
        ("nan", Num(None, "nan", False, False)),
        ("50人", Num(None, "50人", False, False)),
        (True, Num(None, "True", False, False)),
        (float("inf"), Num(None, "inf", False, False)),
    ],
)
def test_parse_number(value: object, expected: Num) -> None:
    assert parse_number(value) == expected


def test_parse_number_date_object_is_not_a_number() -> None:
    n = parse_number(datetime.date(2024, 9, 11))
    assert n.value is None and not n.ok


# --- percents (执行率) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100%", 1.0),
        ("95%", 0.95),
        ("99.5 %", 0.995),
        ("９５％", 0.95),
        (" 100% ", 1.0),
        (0.95, 0.95),  # percent-formatted cell
        (1, 1.0),
        (1.0, 1.0),
        (0, 0.0),
        (1.5, 1.5),  # up to 1.5 a bare number is already a fraction
        (100, 1.0),  # above 1.5: percent points
        (98.5, 0.985),
        (120, 1.2),
        ("100", 1.0),
        ("0.95", 0.95),
        ("98.5", 0.985),
        ("1", 1.0),
    ],
)
def test_parse_percent_values(value: object, expected: float) -> None:
    n = parse_percent(value)
    assert n.ok
    assert n.value == pytest.approx(expected)


@pytest.mark.parametrize("value", [None, "", " ", "—", "-", "/", "／", "无", "*", float("nan")])
def test_parse_percent_placeholders(value: object) -> None:
    n = parse_percent(value)
    assert n.ok and n.value is None and not n.text_typed


@pytest.mark.parametrize("value", ["abc", "50万元", "1.2.3", "百分百", True])
def test_parse_percent_text_not_ok(value: object) -> None:
    n = parse_percent(value)
    assert not n.ok and n.value is None


def test_parse_percent_flags_text_typed() -> None:
    assert parse_percent("95%").text_typed
    assert not parse_percent(0.95).text_typed


# --- targets (年度指标值) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "operator", "number", "unit"),
    [
        # SPEC §1.4 examples
        ("≥95%", "≥", 95.0, "%"),
        (">=90%", "≥", 90.0, "%"),
        ("=100%", "=", 100.0, "%"),
        ("﹦100", "=", 100.0, None),
        ("≤50万元", "≤", 50.0, "万元"),
        ("=<50万", "≤", 50.0, "万"),
        ("≤6万", "≤", 6.0, "万"),
        ("<5%", "<", 5.0, "%"),
        ("450人", None, 450.0, "人"),
        ("100%", None, 100.0, "%"),
        (">50人次", ">", 50.0, "人次"),
        ("≥98%", "≥", 98.0, "%"),
        # operator spellings
        ("＞＝90%", "≥", 90.0, "%"),
        (">＝90%", "≥", 90.0, "%"),
        ("≥=90", "≥", 90.0, None),
        ("=>90", "≥", 90.0, None),
        ("≧90", "≥", 90.0, None),
        ("大于等于90%", "≥", 90.0, "%"),
        ("不低于95%", "≥", 95.0, "%"),
        ("不少于10个", "≥", 10.0, "个"),
        ("达到95%", "≥", 95.0, "%"),
        ("<=5", "≤", 5.0, None),
        ("≦5", "≤", 5.0, None),
        ("小于等于3次", "≤", 3.0, "次"),
        ("不高于3%", "≤", 3.0, "%"),
        ("不超过3万元", "≤", 3.0, "万元"),
        ("＞50", ">", 50.0, None),
        ("大于50人", ">", 50.0, "人"),
        ("＜5%", "<", 5.0, "%"),
        ("小于5%", "<", 5.0, "%"),
        ("＝100%", "=", 100.0, "%"),
        ("等于100%", "=", 100.0, "%"),
        # spacing, full width, thousands separators, trailing punctuation
        ("≥ 95 %", "≥", 95.0, "%"),
        ("≥９５％", "≥", 95.0, "%"),
        ("1,000人", None, 1000.0, "人"),
        ("≥95%。", "≥", 95.0, "%"),
        # 以上 / 以下 / 以内 suffixes
        ("90%以上", "≥", 90.0, "%"),
        ("90以上", "≥", 90.0, None),
        ("300个及以上", "≥", 300.0, "个"),
        ("50万元以内", "≤", 50.0, "万元"),
        ("50万元以下", "≤", 50.0, "万元"),
        ("≥90%以上", "≥", 90.0, "%"),  # redundant suffix: the written operator stays
        ("50人左右", None, 50.0, "人"),
        # leading list numbers are decoration
        ("1.≤5万", "≤", 5.0, "万"),
        ("2.≤4万", "≤", 4.0, "万"),
        ("2、3个", None, 3.0, "个"),
        ("（1）5个", None, 5.0, "个"),
        ("①≥5个", "≥", 5.0, "个"),
        ("一、≤20万元", "≤", 20.0, "万元"),
        # '1.2次': a digit after '.' is always a decimal point (see values._quantity)
        ("1.2次", None, 1.2, "次"),
        ("1.5万", None, 1.5, "万"),
        # other units
        ("≤500元/人", "≤", 500.0, "元/人"),
        ("3个月", None, 3.0, "个月"),
        ("≥95分", "≥", 95.0, "分"),
        ("≥0.95", "≥", 0.95, None),
        ("12", None, 12.0, None),
    ],
)
def test_parse_target_quantities(
    text: str, operator: str | None, number: float, unit: str | None
) -> None:
    assert parse_target(text) == Target(text, operator, number, unit, False)


@pytest.mark.parametrize(
    "text",
    [
        "2次，3万人",  # two quantities
        "省级30个以上，市级200个以上；",
        "全年",
        "2023年12月",  # dates are not quantities
        "2023.12.31",
        "2023年12月31日",
        "2023年",
        "12月底前",
        "5年内",
        "30日内",
        "不超预算",
        "征集作品300个以上。",  # prose before the number
        "立项市级项目6个以上。",
        "平台上线300个",
        "成果推广、实践应用效果达90%以上",
        "90%-100%",  # ranges
        "10个专项完成",  # unit longer than 4 characters = prose
        "1.≤5万；2.≤4万",
        "按时完成",
        "有效提升",
        "≥",
        "1.2.2次",
    ],
)
def test_parse_target_qualitative(text: str) -> None:
    assert parse_target(text) == Target(text, None, None, None, True)


@pytest.mark.parametrize("value", [None, "", " ", "\u3000", "—", "-", "/", "无", float("nan")])
def test_parse_target_blank(value: object) -> None:
    assert parse_target(value) == Target(None, None, None, None, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (95, Target("95", None, 95.0, None, False)),
        (0.95, Target("0.95", None, 0.95, None, False)),
        (datetime.date(2023, 12, 31), Target("2023-12-31", None, None, None, True)),
    ],
)
def test_parse_target_cell_values(value: object, expected: Target) -> None:
    assert parse_target(value) == expected


# --- actuals (实际完成值) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number", "unit"),
    [
        ("99%", 99.0, "%"),
        ("4万", 4.0, "万"),
        ("5万", 5.0, "万"),
        ("2次", 2.0, "次"),
        ("100%", 100.0, "%"),
        ("95%", 95.0, "%"),
        ("450人", 450.0, "人"),
        ("1,463.31万元", 1463.31, "万元"),
        ("≥95%", 95.0, "%"),  # operator copied from the target is dropped
        ("300个以上", 300.0, "个"),
        (0.99, 0.99, None),
        (12, 12.0, None),
    ],
)
def test_parse_actual_quantities(value: object, number: float, unit: str | None) -> None:
    a = parse_actual(value)
    assert (a.number, a.unit, a.qualitative) == (number, unit, False)
    assert a.raw == str(value)


@pytest.mark.parametrize(
    "text",
    ["按时完成", "达成年度指标", "完成", "全部完成", "按质完成", "12月前已经完成", "10个专项完成",
     "部分达成年度指标并具有一定效果", "2次，3万人"],
)  # fmt: skip
def test_parse_actual_qualitative(text: str) -> None:
    assert parse_actual(text) == Actual(text, None, None, True)


@pytest.mark.parametrize("value", [None, "", "—", "/", "无", float("nan")])
def test_parse_actual_blank(value: object) -> None:
    assert parse_actual(value) == Actual(None, None, None, False)


# --- declared weights and qualitative grades -------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("产出指标（50分）", 50.0),
        ("满意度\n指标\n（10分）", 10.0),
        ("效益指标（30分）\u3000", 30.0),
        ("预算执行情况(10分)", 10.0),
        ("绩效指标(90分)", 90.0),
        ("产出指标(50)", 50.0),
        ("产出指标【50分】", 50.0),
        ("产出指标（权重50分）", 50.0),
        ("产出指标50分", 50.0),
        ("成本指标(12.5分)", 12.5),
        ("产出指标", None),
        ("年度预算申请（万元）", None),
        ("项目支出绩效自评表（2022年度）", None),
        ("产出指标(500分)", None),
        ("", None),
        (None, None),
        (50, None),
    ],
)
def test_declared_weight(label: object, expected: float | None) -> None:
    assert declared_weight(label) == expected


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("达成年度指标", (0.8, 1.0)),
        ("达成预期指标", (0.8, 1.0)),
        (" 达成年度指标 ", (0.8, 1.0)),
        ("部分达成年度指标并具有一定效果", (0.6, 0.8)),
        ("部分达成预期指标", (0.6, 0.8)),
        ("部分达成\n年度指标", (0.6, 0.8)),
        ("未达成年度指标且效果较差", (0.0, 0.6)),
        ("未达成预期指标", (0.0, 0.6)),
        ("完成", None),
        ("达成", None),
        ("100%", None),
        ("", None),
        (None, None),
        (0.9, None),
    ],
)
def test_qualitative_band(text: object, band: tuple[float, float] | None) -> None:
    assert qualitative_band(text) == band


# --- dates and phones (footer) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024年9月11日", datetime.date(2024, 9, 11)),
        ("2024年09月11日", datetime.date(2024, 9, 11)),
        (" 2024 年 9 月 11 日 ", datetime.date(2024, 9, 11)),
        ("２０２４年９月１１日", datetime.date(2024, 9, 11)),
        ("2024.09.11", datetime.date(2024, 9, 11)),
        ("2024-9-11", datetime.date(2024, 9, 11)),
        ("2024/9/11", datetime.date(2024, 9, 11)),
        ("2024年9月", datetime.date(2024, 9, 1)),
        ("20240911", datetime.date(2024, 9, 11)),
        ("2024-09-11 00:00:00", datetime.date(2024, 9, 11)),
        (datetime.datetime(2024, 9, 11, 15, 30), datetime.date(2024, 9, 11)),
        (datetime.date(2024, 9, 11), datetime.date(2024, 9, 11)),
        (45546, datetime.date(2024, 9, 11)),  # Excel serial, 1900 system
        (45546.75, datetime.date(2024, 9, 11)),
        (20240911, datetime.date(2024, 9, 11)),
        ("2024-02-30", None),
        ("2024.13.01", None),
        ("2024.9.11.5", None),
        ("九月", None),
        ("junk", None),
        ("", None),
        (None, None),
        (True, None),
        (12, None),
        (float("nan"), None),
    ],
)
def test_parse_date(value: object, expected: datetime.date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "13912345678",
        "139 1234 5678",
        "139-1234-5678",
        " 17700001111 ",
        "139****6836",
        "+86 139 1234 5678",
        "0730-8888888",
        "073088888888",
        "0730 8888888",
        "010-12345678",
        "(0730)8888888",
        "（0730）8888888",
        "0730-8888888转801",
        "13912345678/0730-8888888",
        "0730-8888888、13912345678",
        "abc，13912345678",
        "手机：13912345678",
        "13912345678 0730-8888888",
        "１３９０７３０６８３６",
        13912345678,
        13912345678.0,
        7308888888.0,  # landline whose leading 0 the number cell dropped
    ],
)
def test_phone_plausible(value: object) -> None:
    assert is_plausible_phone(value)


@pytest.mark.parametrize(
    "value",
    ["", None, "无", "12345", "1390730683", "139123456781", "23912345678", "12912345678",
     "0730-888", "8888888", "88888888", "***********", "139*******6", "电话", True, 1.5,
     float("nan"), "2024年9月11日"],
)  # fmt: skip
def test_phone_implausible(value: object) -> None:
    assert not is_plausible_phone(value)


# --- label/value cells and footers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  其中：  一般公共预算：  1,463.31万元", [("一般公共预算", "1,463.31万元")]),
        ("其中：基本支出：1,129.76万元", [("基本支出", "1,129.76万元")]),
        ("其中:基本支出:1,129.76万元", [("基本支出", "1,129.76万元")]),
        ("项目支出：333.56万元", [("项目支出", "333.56万元")]),
        ("政府性基金拨款：", [("政府性基金拨款", "")]),
        ("纳入专户管理的非税收入拨款：", [("纳入专户管理的非税收入拨款", "")]),
        ("实施单位：岳阳市教育科学技术研究院   ", [("实施单位", "岳阳市教育科学技术研究院")]),
        ("其中基本支出：5\u3000", [("基本支出", "5")]),
        ("项目 支出 ：333.56万元", [("项目支出", "333.56万元")]),
        ("按收入性质分：", [("按收入性质分", "")]),
        ("一般公共预算", []),
        ("：500", []),
        ("", []),
        (None, []),
        (12.5, []),
    ],
)
def test_split_label_value(text: object, expected: list[tuple[str, str]]) -> None:
    assert split_label_value(text) == expected


SEED_FOOTER = {
    "填表人": "刘婷",
    "填报日期": "2024年9月11日",
    "联系电话": "139****6836",
    "单位负责人": "李伟灵",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("填表人：刘婷   填报日期：2024年9月11日    联系电话：139****6836   单位负责人签字：李伟灵 ",
         SEED_FOOTER),
        ("填表人： 刘婷   填报日期： 2024年9月11日        联系电话：139****6836      单位负责人签字：李伟灵",
         SEED_FOOTER),
        ("填表人:刘婷\n填报日期:2024年9月11日\n联系电话:139****6836\n单位负责人:李伟灵", SEED_FOOTER),
        ("填表人：刘婷 填报日期：2024年9月11日 联系电话：139****6836 负责人：李伟灵", SEED_FOOTER),
        ("填 表 人：刘婷 填报日期：2024年9月11日 联系电话：139****6836 单位负责人（签字）：李伟灵",
         SEED_FOOTER),
        ("填表人：何坤生     填报日期：2024.09.11    联系电话：13700002222           单位负责人签字：李伟灵",
         {"填表人": "何坤生", "填报日期": "2024.09.11", "联系电话": "13700002222", "单位负责人": "李伟灵"}),
        ("填表人：   填报日期：   联系电话：   单位负责人签字：",
         {"填表人": "", "填报日期": "", "联系电话": "", "单位负责人": ""}),
        ("填报人：王五 | 填表日期：2024-9-11", {"填表人": "王五", "填报日期": "2024-9-11"}),
        ("项目负责人: 张三   财务负责人: 李四", {"项目负责人": "张三", "财务负责人": "李四"}),
        ("项目负责人:", {"项目负责人": ""}),
        ("联系电话：0730-8888888", {"联系电话": "0730-8888888"}),
        ("备注：无", {}),
        ("", {}),
        (None, {}),
    ],
)  # fmt: skip
def test_parse_footer(text: object, expected: dict[str, str]) -> None:
    assert parse_footer(text) == expected


def test_parse_footer_result_is_a_fresh_dict() -> None:
    text = "填表人：刘婷"
    parse_footer(text)["填表人"] = "changed"
    assert parse_footer(text) == {"填表人": "刘婷"}


# --- robustness and cost ---------------------------------------------------------------------

FUNCTIONS = [
    norm_label, is_blank, parse_number, parse_percent, parse_target, parse_actual,
    declared_weight, qualitative_band, parse_date, is_plausible_phone, split_label_value,
    parse_footer,
]  # fmt: skip

ANY_CELL = st.one_of(
    st.none(),
    st.text(),
    st.text(
        alphabet="0123456789.,，%％≥≤<>=＝﹦:：/-—年月日万元人次个分以上下内 \u3000１２（）()【】*"
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.datetimes(),
    st.dates(),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=400, deadline=None, database=None)
@given(ANY_CELL)
def test_nothing_raises(value: object) -> None:
    for fn in FUNCTIONS:
        fn(value)  # type: ignore[operator]
    n = parse_number(value)
    assert n.value is None or math.isfinite(n.value)
    assert n.ok or n.value is None
    t = parse_target(value)
    assert t.qualitative == (t.raw is not None and t.number is None)


def test_module_imports_without_pandas() -> None:
    # Load the file directly so the package __init__ (which may import pandas) is not involved.
    code = (
        "import importlib.util, sys;"
        f"spec = importlib.util.spec_from_file_location('xlsxtool_values', {str(VALUES_PY)!r});"
        "m = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m;"
        "spec.loader.exec_module(m);"
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert importlib.util.find_spec("xlsxtool.values") is not None
