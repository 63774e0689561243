"""B — the funds block (项目资金 / 年度预算申请): 执行率, the funds score, totals and sources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Rule, Variant
from .helpers import differs, flags, fmt, full, pct, present


def _b107(f: Any) -> Any:
    """全年预算数 cut below 年初预算数 to exactly the 全年执行数: on the total row; on a source
    row only where its form's total row does not show the cut already (a total left at 0 while
    its source was filled)."""
    money, tol = f.df, f.tol["money"]
    cut = ((f.budget < f.initial - tol) & ~differs(f.budget, f.spent, tol) & (f.budget > 0)).fillna(False).astype(bool)
    is_total = f.is_total
    total_cut = (cut & is_total).groupby([money["file"], money["form_id"]]).transform("any").astype(bool) \
        if (cut & ~is_total).any() else is_total
    return cut & (is_total | ~total_cut)


def _missing_total(f: Any) -> Any:
    """Per form: its funds block lists income or level sources but has no 年度资金总额 row."""
    funds, forms = f.batch.funds, f.df
    if funds.empty:
        return flags([False] * len(forms), forms).astype(bool)
    totals = funds[(funds["section"] == "total") & (funds["block"] == 0)]
    has_total = set(zip(totals["file"].tolist(), totals["form_id"].tolist(), strict=True))
    sourced = funds[(funds["section"] == "source") & funds["partition"].isin(["income", "level"])]
    with_sources = set(zip(sourced["file"].tolist(), sourced["form_id"].tolist(), strict=True))
    keys = zip(forms["file"].tolist(), forms["form_id"].tolist(), strict=True)
    return flags([isinstance(cell, str) and key not in has_total and key in with_sources
                  for cell, key in zip(forms["funds_label_cell"].tolist(), keys, strict=True)], forms).astype(bool)


def _render_b102(r: Mapping[str, Any], f: Any) -> dict[str, Any]:
    rate = r["spent"] / r["budget"] if (present(r["budget"]) and r["budget"] and present(r["spent"])) else r["rate"]
    expected = min(float(rate), 1.0) * float(r["weight"])
    return dict(cell=r["score_cell"], expected=fmt(expected), actual=fmt(r["score"]), score=fmt(r["score"]),
                rate=pct(min(float(rate), 1.0)), weight=fmt(r["weight"]))


RULES = [
    Rule(
        code='B101', severity='error', title='执行率计算错误',
        message='执行率填报为 {declared}，按 全年执行数 {spent} ÷ 全年预算数 {budget} 应为 {computed}',
        fields={"declared": "填报值", "spent": "全年执行数", "budget": "全年预算数", "computed": "计算值"},
        anchor='执行率单元格',
        explanation='执行率应等于 全年执行数 ÷ 全年预算数，允许 0.1 个百分点的误差。预算为 0 时不计算。',
        example='全年预算数 50、全年执行数 45、执行率 100% → B101 应为 90.0%',
        params={'tolerance': 0.001},
        frame="funds",
        check=lambda f: f.has_rate & f.rate.notna() & differs(f.rate, f.computed, f.tol["rate"]),
        render=lambda r, f: dict(cell=r["rate_cell"], expected=pct(r["spent"] / r["budget"]), actual=pct(r["rate"]),
                                 # as a percent like the computed rate: never '0.95' beside '90%'
                                 declared=pct(r["rate"]), spent=fmt(r["spent"]), budget=fmt(r["budget"]),
                                 computed=pct(r["spent"] / r["budget"])),
    ),
    Rule(
        code='B102', severity='error', title='资金得分计算错误',
        message='资金得分 {score} 与 执行率 {rate} × 分值 {weight} = {expected} 不符',
        fields={"score": "得分", "rate": "执行率", "weight": "分值", "expected": "应为"},
        anchor='资金得分单元格',
        explanation='预算执行率得分 = min(执行率, 100%) × 分值，允许 0.01 分误差。',
        example='分值 10、执行率 90%、得分 10 → B102 应为 9',
        params={'tolerance': 0.01},
        frame="funds",
        check=lambda f: (f.weight.notna() & f.score.notna() & f.used_rate.notna() & ~(f.budget == 0)
                         & differs(f.score, f.expected_score, f.tol["score"])),
        render=_render_b102,
    ),
    Rule(
        code='B103', severity='warning', title='执行数超过预算数',
        message='全年执行数 {spent} 超过全年预算数 {budget}',
        fields={"spent": "全年执行数", "budget": "全年预算数"},
        anchor='全年执行数单元格',
        explanation='执行数大于预算数，通常是填错列或预算未调整，请核实。',
        example='预算 50、执行 55 → B103',
        frame="funds",
        check=lambda f: (differs(f.spent, f.budget, f.tol["money"]) & (f.spent > f.budget)).fillna(False),
        render=lambda r, f: dict(cell=r["spent_cell"], expected=f"≤ {fmt(r['budget'])}", actual=fmt(r["spent"]),
                                 spent=fmt(r["spent"]), budget=fmt(r["budget"])),
    ),
    Rule(
        code='B104', severity='error', title='资金总额与各来源之和不符',
        message='年度资金总额的{column} {total} ≠ {parts}之和 {sum}',
        fields={"column": "列名", "total": "总额", "parts": "…", "sum": "合计"},
        anchor='年度资金总额行对应列的单元格',
        explanation='年度资金总额应等于 当年财政拨款 + 上年结转 + 其他资金 等各来源之和（分别核对 年初预算数/全年预算数/全年执行数，只核对有来源填了数的列），允许 0.01 的误差。',
        example='总额 50，当年财政拨款 40、上年结转 5 → B104 应为 45',
        params={'tolerance': 0.01},
        frame="funds_sums",
        check=lambda f: (f.df["kind"] == "B104") & f.differs,
        render=lambda r, f: dict(cell=r["cell"], expected=fmt(r["sum"]), actual=fmt(r["total"]), column=r["column"],
                                 total=fmt(r["total"]), sum=fmt(r["sum"]), parts=r["parts"]),
    ),
    Rule(
        code='B105', severity='error', title='资金总额缺失',
        message='年度资金总额的{column}为空',
        fields={"column": "列名"},
        anchor='该单元格',
        explanation='年度资金总额行的全年预算数、全年执行数必须填写。',
        example='全年执行数留空 → B105',
        variants=(
            # A non-number is V501, not also B105; a column the form lacks is not empty.
            Variant("budget", "funds",
                    lambda f: f.is_total & f.budget.isna() & ~f.df["budget_bad"].astype(bool) & f.df["budget_cell"].notna(),
                    lambda r, f: dict(cell=r["budget_cell"], expected="全年预算数", actual="空", column="全年预算数")),
            Variant("spent", "funds",
                    lambda f: f.is_total & f.spent.isna() & ~f.df["spent_bad"].astype(bool) & f.df["spent_cell"].notna(),
                    lambda r, f: dict(cell=r["spent_cell"], expected="全年执行数", actual="空", column="全年执行数")),
            # A funds block of known sources without any 年度资金总额 row: on the block's label.
            Variant("missing", "forms", _missing_total,
                    lambda r, f: dict(cell=r["funds_label_cell"], expected="年度资金总额行", actual="缺失",
                                      column="整行（资金表中缺少这一行）")),
        ),
    ),
    Rule(
        code='B106', severity='warning', title='资金分值非标准',
        message='预算执行率分值为 {weight}，标准为 {expected} 分',
        fields={"weight": "分值", "expected": "应为"},
        anchor='分值单元格',
        explanation='按财预〔2020〕10号，预算执行率一般占 10 分。',
        example='资金分值 20 → B106',
        variants=(
            Variant("", "funds",
                    lambda f: f.is_total & f.weight.notna() & differs(f.weight, full(f.weights["funds"], f.df), 1e-9),
                    lambda r, f: dict(cell=r["weight_cell"], expected=fmt(f.weights["funds"]), actual=fmt(r["weight"]),
                                      weight=fmt(r["weight"]))),
            # A funds weight declared only in the block's label ('预算执行情况(20分)').
            Variant("declared", "form_totals",
                    lambda f: (f.df["funds_weight_declared"].notna() & ~f.df["funds_has_weight"].astype(bool)
                               & differs(f.df["funds_weight_declared"].astype(float), full(f.weights["funds"], f.df), 1e-9)),
                    lambda r, f: dict(cell=r["funds_label_cell"], expected=fmt(f.weights["funds"]),
                                      actual=fmt(r["funds_weight_declared"]), weight=fmt(r["funds_weight_declared"]))),
        ),
    ),
    Rule(
        code='B107', severity='warning', title='调减预算以抬高执行率',
        message='全年预算数 {budget} 被调减到与全年执行数相同（年初预算数 {initial}），执行率被抬高',
        fields={"budget": "全年预算数", "initial": "年初预算数"},
        anchor='全年预算数单元格',
        explanation='全年预算数低于年初预算数且恰好等于全年执行数，常见于为凑 100% 执行率而调减预算，请核实调整依据。',
        example='年初 100、全年预算 80、执行 80 → B107',
        frame="funds",
        check=_b107,
        render=lambda r, f: dict(cell=r["budget_cell"], expected=f"≥ {fmt(r['budget_initial'])}", actual=fmt(r["budget"]),
                                 budget=fmt(r["budget"]), initial=fmt(r["budget_initial"])),
    ),
]
