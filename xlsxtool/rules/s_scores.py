"""S — scores and weights: each indicator's 得分 against its 分值, the form's sums, the 一级 split."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import qualitative_band
from .base import Rule, Variant
from .helpers import differs, each, flags, fmt, is_cell, present


def _fields_target(r: Mapping[str, Any]) -> dict[str, Any]:
    return dict(target=r["target"], result=r["actual"], score=fmt(r["score"]), weight=fmt(r["weight"]))


def _outside_band(band: tuple[float, float] | None, score: float, weight: float) -> bool:
    if band is None or score != score or weight != weight or weight <= 0:  # NaN: empty
        return False
    share = round(score / weight, 9)
    return not (band[0] - 1e-9 <= share <= band[1] + 1e-9)


def _s211(f: Any) -> Any:
    bands = each(f.df["actual"], lambda t: qualitative_band(t) if isinstance(t, str) else None)
    return flags([_outside_band(b, sc, wt) for b, sc, wt in zip(bands.tolist(), f.s.tolist(), f.w.tolist(), strict=True)], f.df)


def _render_band(r: Mapping[str, Any], f: Any) -> dict[str, Any]:
    lo, hi = qualitative_band(r["actual"]) or (0.0, 1.0)
    return dict(cell=r["score_cell"], expected=f"{fmt(lo * r['weight'])}–{fmt(hi * r['weight'])}", actual=fmt(r["score"]),
                band=f"{fmt(lo * 100)}%–{fmt(hi * 100)}%", score=fmt(r["score"]), weight=fmt(r["weight"]), result=r["actual"])


def _render_s203(r: Mapping[str, Any], f: Any) -> dict[str, Any]:
    return dict(cell=r["score_cell"], expected="得分", actual="空", weight=fmt(r["weight"]))


def _sum_differs(f: Any, declared: str, unknown: str, sum_col: str) -> Any:
    """A declared 合计 differs from the sum (only where the sum is knowable)."""
    agg = f.df
    return agg[declared].notna() & ~agg[unknown] & differs(agg[declared].astype(float), agg[sum_col], f.tol["score"])


RULES = [
    Rule(
        code='S201', severity='error', title='得分超过分值',
        message='得分 {score} 超过分值 {weight}',
        fields={"score": "得分", "weight": "分值"},
        anchor='得分单元格',
        explanation='任何指标的得分都不能超过其分值。',
        example='分值 8、得分 10 → S201',
        params={'tolerance': 0.01},
        frame="indicators",
        check=lambda f: differs(f.s, f.w, f.tol["score"]) & (f.s > f.w),
        render=lambda r, f: dict(cell=r["score_cell"], expected=f"≤ {fmt(r['weight'])}", actual=fmt(r["score"]),
                                 score=fmt(r["score"]), weight=fmt(r["weight"])),
    ),
    Rule(
        code='S202', severity='error', title='分值或得分为负/为零',
        message='{what}',
        fields={"what": "具体内容"},
        anchor='该单元格',
        explanation='得分不能为负数；有得分的指标分值必须大于 0。',
        example='得分 -2 → S202',
        variants=(
            Variant("score", "indicators", lambda f: (f.s < 0).fillna(False),
                    lambda r, f: dict(cell=r["score_cell"], expected="≥ 0", actual=fmt(r["score"]),
                                      what=f"得分 {fmt(r['score'])} 为负数")),
            Variant("weight", "indicators", lambda f: ((f.w <= 0) & f.s.notna()).fillna(False),
                    lambda r, f: dict(cell=r["weight_cell"], expected="> 0", actual=fmt(r["weight"]),
                                      what=f"已打分（得分 {fmt(r['score'])}）但分值为 {fmt(r['weight'])}")),
        ),
    ),
    Rule(
        code='S203', severity='error', title='有分值无得分',
        message='已填分值 {weight}，但得分为空',
        fields={"weight": "分值"},
        anchor='得分单元格',
        explanation='填了分值的指标必须自评打分。',
        example='分值 10、得分空 → S203',
        variants=(
            # Without a 得分 column at all the form gets one F005, not an S203 per row.
            Variant("", "indicators",
                    lambda f: (f.scored_form & f.w.notna() & f.s.isna() & ~f.df["score_bad"].astype(bool)
                               & is_cell(f.df["score_cell"])),
                    _render_s203),
            # The funds block's own 分值 on its total row (only where money was spent).
            Variant("funds", "funds",
                    lambda f: (f.is_total & f.weight.notna() & f.score.isna() & f.df["score_cell"].notna() & f.spent.notna()
                               & ~f.df["score_bad"].astype(bool)),
                    _render_s203),
        ),
    ),
    Rule(
        code='S204', severity='error', title='总分值不等于100',
        message='全部分值合计为 {sum}（资金 {funds} + 指标 {indicators}），应为 {expected}',
        fields={"sum": "合计", "funds": "资金部分", "indicators": "指标部分", "expected": "应为"},
        anchor='合计/总分行的分值单元格，没有合计行时为标题',
        explanation='预算执行率分值与全部三级指标分值之和应为 100 分。',
        example='资金 10 + 指标 100 = 110 → S204',
        params={'tolerance': 0.01},
        frame="form_totals",
        check=lambda f: f.df["ind_weight"].notna() & ~f.df["weights_unknown"] & f.wrong_total,
        render=lambda r, f: dict(cell=r["total_weight_cell"] if isinstance(r["total_weight_cell"], str) else r["title_cell"],
                                 expected=fmt(f.weights["total"]), actual=fmt(r["_sum_w"]), sum=fmt(r["_sum_w"]),
                                 funds=fmt(r["_fw"]), indicators=fmt(r["_iw"])),
    ),
    Rule(
        code='S205', severity='error', title='一级指标分值与标注不符',
        message='“{level1}”下各指标分值合计 {sum}，与标注的 {declared} 分不符',
        fields={"level1": "一级指标", "sum": "合计", "declared": "填报值"},
        anchor='一级指标单元格',
        explanation='一级指标标签中写明的分值（如“产出指标（50分）”）应等于其下全部三级指标分值之和。',
        example='产出指标（50分）下分值合计 70 → S205',
        params={'tolerance': 0.01},
        frame="level1",
        check=lambda f: (f.declared.notna() & f.df["weighted"].astype(bool) & ~f.df["weight_bad"].astype(bool)
                         & differs(f.df["sum"].astype(float).fillna(0), f.declared, f.tol["score"])),
        render=lambda r, f: dict(cell=r["level1_cell"], expected=fmt(r["declared"]), actual=fmt(r["sum"]),
                                 level1=r["level1_key"], sum=fmt(r["sum"] if present(r["sum"]) else 0),
                                 declared=fmt(r["declared"])),
    ),
    Rule(
        code='S206', severity='error', title='合计得分不符',
        message='合计得分填报为 {declared}，资金得分 {funds} + 指标得分 {indicators} = {sum}',
        fields={"declared": "填报值", "funds": "资金部分", "indicators": "指标部分", "sum": "合计"},
        anchor='合计/总分行的得分单元格',
        explanation='合计（总分）得分应等于 预算执行率得分 + 全部指标得分。',
        example='合计 90，实际加总 110 → S206',
        params={'tolerance': 0.01},
        variants=(
            # Only where some score is known: a form whose score column was not read adds up to nothing.
            Variant("", "form_totals", lambda f: f.has_scores & _sum_differs(f, "total_score", "scores_unknown", "_sum_s"),
                    lambda r, f: dict(cell=r["total_score_cell"], expected=fmt(r["_sum_s"]), actual=fmt(r["total_score"]),
                                      declared=fmt(r["total_score"]), funds=fmt(r["_fs"]), indicators=fmt(r["_is"]),
                                      sum=fmt(r["_sum_s"]))),
            # The total score written in the form's head ('自评得分：92').
            Variant("declared", "form_totals",
                    lambda f: f.has_scores & _sum_differs(f, "declared_score", "scores_unknown", "_sum_s"),
                    lambda r, f: dict(cell=r["declared_score_cell"], expected=fmt(r["_sum_s"]), actual=fmt(r["declared_score"]),
                                      declared=fmt(r["declared_score"]), funds=fmt(r["_fs"]), indicators=fmt(r["_is"]),
                                      sum=fmt(r["_sum_s"]))),
        ),
    ),
    Rule(
        code='S207', severity='error', title='合计分值不符',
        message='合计分值填报为 {declared}，资金分值 {funds} + 指标分值 {indicators} = {sum}',
        fields={"declared": "填报值", "funds": "资金部分", "indicators": "指标部分", "sum": "合计"},
        anchor='合计/总分行的分值单元格',
        explanation='合计（总分）分值应等于 预算执行率分值 + 全部指标分值。',
        example='合计 100，实际加总 110 → S207',
        params={'tolerance': 0.01},
        frame="form_totals",
        check=lambda f: _sum_differs(f, "total_weight", "weights_unknown", "_sum_w"),
        render=lambda r, f: dict(cell=r["total_weight_cell"], expected=fmt(r["_sum_w"]), actual=fmt(r["total_weight"]),
                                 declared=fmt(r["total_weight"]), funds=fmt(r["_fw"]), indicators=fmt(r["_iw"]),
                                 sum=fmt(r["_sum_w"])),
    ),
    Rule(
        code='S208', severity='warning', title='一级指标权重非标准',
        message='“{level1}”权重为 {weight} 分，标准为 {standard} 分',
        fields={"level1": "一级指标", "weight": "分值", "standard": "标准分值"},
        anchor='一级指标单元格',
        explanation='全国通用权重：产出 50、效益 30、满意度 10（另加预算执行率 10）。四川等自由分配 90 分的表样不检查此项。',
        example='产出指标（40分） → S208',
        frame="level1",
        # Not on a free split (a block label declaring its own total, Sichuan) nor another framework.
        check=lambda f: (f.df["level1_key"].map(f.standard).astype(float).notna() & f.weight.notna() & ~f.df["free_split"]
                         & f.df["national"] & differs(f.weight, f.df["level1_key"].map(f.standard).astype(float), f.tol["score"])),
        render=lambda r, f: dict(cell=r["level1_cell"], expected=fmt(f.standard[r["level1_key"]]),
                                 actual=fmt(r["declared"] if present(r["declared"]) else r["sum"]),
                                 level1=r["level1_key"],
                                 weight=fmt(r["declared"] if present(r["declared"]) else r["sum"]),
                                 standard=fmt(f.standard[r["level1_key"]])),
    ),
    Rule(
        code='S209', severity='warning', title='目标已完成但扣分',
        message='目标 {target}、实际 {result} 已达成，但得分 {score} 低于分值 {weight}',
        fields={"target": "目标值", "result": "实际完成值", "score": "得分", "weight": "分值"},
        anchor='得分单元格',
        explanation='定量指标实际值已达到目标值（≥/= 时实际 ≥ 目标，≤ 时实际 ≤ 目标），却没有得满分；请核实扣分理由。',
        example='目标 ≥98%、实际 99%、得分 9/10 → S209',
        frame="indicators",
        check=lambda f: (f.quantitative & f.met & (f.s < f.w - f.tol["score"])).fillna(False),
        render=lambda r, f: dict(cell=r["score_cell"], expected=fmt(r["weight"]), actual=fmt(r["score"])) | _fields_target(r),
    ),
    Rule(
        code='S210', severity='warning', title='目标未完成却满分',
        message='目标 {target}、实际 {result} 未达成，但得分 {score} 等于分值 {weight}',
        fields={"target": "目标值", "result": "实际完成值", "score": "得分", "weight": "分值"},
        anchor='得分单元格',
        explanation='定量指标实际值未达到目标值却得了满分，请核实。',
        example='目标 ≥95%、实际 90%、得分 10/10 → S210',
        frame="indicators",
        check=lambda f: (f.quantitative & ~f.met & f.w.notna() & ~differs(f.s, f.w, f.tol["score"]) & f.s.notna()
                         & (f.w > 0)).fillna(False),
        render=lambda r, f: dict(cell=r["score_cell"], expected=f"< {fmt(r['weight'])}", actual=fmt(r["score"])) | _fields_target(r),
    ),
    Rule(
        code='S211', severity='warning', title='定性评价与得分不符',
        message='实际完成值“{result}”对应得分区间 {band}，但得分 {score}/{weight}',
        fields={"result": "实际完成值", "band": "得分区间", "score": "得分", "weight": "分值"},
        anchor='得分单元格',
        explanation='定性指标：达成年度指标 得 80–100% 分值；部分达成并具有一定效果 60–80%；未达成且效果较差 0–60%。',
        example='“部分达成年度指标并具有一定效果”、得分 10/10 → S211',
        frame="indicators",
        check=_s211,
        render=_render_band,
    ),
    Rule(
        code='S212', severity='warning', title='指标未打分',
        message='三级指标“{name}”有指标值，但分值和得分都为空',
        fields={"name": "三级指标名称"},
        anchor='分值单元格',
        explanation='有指标值的三级指标既无分值也无得分，可能漏填。',
        example='竞赛活动举办成功率 100%，分值、得分空 → S212',
        frame="indicators",
        # '其中…' rows break down the indicator above them: they carry no score of their own.
        check=lambda f: (f.scored_form & f.df["name"].notna() & f.df["target"].notna() & f.w.isna() & f.s.isna()
                         & f.df["weight_cell"].notna() & f.df["score_cell"].notna() & ~f.breakdown
                         & ~f.df["weight_bad"].astype(bool) & ~f.df["score_bad"].astype(bool)),
        render=lambda r, f: dict(cell=r["weight_cell"], expected="分值/得分", actual="空", name=r["name"] or "（未填）"),
    ),
]
