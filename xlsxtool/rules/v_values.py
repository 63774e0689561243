"""V — values: numeric cells holding text, phone numbers, fill-in dates."""

from __future__ import annotations

from typing import Any

from ..values import is_plausible_phone
from .base import Rule, Variant
from .helpers import each


def _not_a_number(frame: str, col: str, label: str) -> Variant:
    """V501 on one numeric column: the reader marks a cell `<col>_bad` when its text is no number."""
    return Variant(f"{frame}.{col}", frame, lambda f: f.df[f"{col}_bad"].astype(bool),
                   lambda r, f: dict(cell=r[f"{col}_cell"], expected="数字", actual=r[f"{col}_raw"], column=label,
                                     raw=r[f"{col}_raw"]))


# Every numeric funds field (amount text in department cells included).
_FUNDS_COLUMNS = {"budget_initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数", "weight": "分值",
                  "rate": "执行率", "score": "得分", "amount": "金额"}


def _v503_range(f: Any) -> Any:
    years = f.df["year"].astype(float)
    return f.date_year.notna() & years.notna() & ((f.date_year < years) | (f.date_year > years + 1))


RULES = [
    Rule(
        code='V501', severity='error', title='数值栏填了非数字',
        message='{column}填写为“{raw}”，不是数字',
        fields={"column": "列名", "raw": "填写内容"},
        anchor='该单元格',
        explanation='分值、得分、金额、执行率等数值栏必须是数字（带千分位、全角数字、百分号都可以识别）。',
        example='得分填“满分” → V501',
        variants=(
            _not_a_number("indicators", "weight", "分值"),
            _not_a_number("indicators", "score", "得分"),
            *(_not_a_number("funds_cells", col, label) for col, label in _FUNDS_COLUMNS.items()),
            _not_a_number("form_totals", "total_weight", "合计分值"),
            _not_a_number("form_totals", "total_score", "合计得分"),
        ),
    ),
    Rule(
        code='V502', severity='warning', title='联系电话不正确',
        message='联系电话“{phone}”不像有效的电话号码',
        fields={"phone": "电话"},
        anchor='该单元格',
        explanation='应为 11 位手机号（1 开头）或带区号的固定电话（7–8 位）。',
        example='联系电话 1390730 → V502',
        frame="forms",
        check=lambda f: f.df["phone"].notna() & ~each(f.df["phone"], lambda p: is_plausible_phone(p) if isinstance(p, str) else True, bool),
        render=lambda r, f: dict(cell=r["phone_cell"], expected="手机或带区号的固定电话", actual=r["phone"], phone=r["phone"]),
    ),
    Rule(
        code='V503', severity='warning', title='填报日期不正确',
        message='{what}',
        fields={"what": "具体内容"},
        anchor='该单元格',
        explanation='填报日期应是日期，且在评价年度至其次年之间。',
        example='2023 年度的表填报日期 2021年3月1日 → V503',
        variants=(
            Variant("not_date", "forms", lambda f: f.df["fill_date"].notna() & f.dates.isna(),
                    lambda r, f: dict(cell=r["fill_date_cell"], expected="日期", actual=r["fill_date"],
                                      what=f"填报日期“{r['fill_date']}”不是有效日期")),
            # Within the evaluated year and the next (a 2023 form is filled in 2023 or 2024).
            Variant("range", "forms", _v503_range,
                    lambda r, f: dict(cell=r["fill_date_cell"], expected=f"{int(r['year'])}–{int(r['year']) + 1} 年",
                                      actual=r["fill_date"],
                                      what=f"填报日期“{r['fill_date']}”不在评价年度 {int(r['year'])} 至 {int(r['year']) + 1} 年之间")),
        ),
    ),
]
