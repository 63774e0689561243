"""A provincial rule, kept by the bureau next to its configuration (docs/local-rules.md).

    # xlsxtool.toml
    rules = "local_rules.py"

Over-achievement: an indicator whose actual value reaches 130 % of its target or more must say
why in 偏差原因分析及改进措施 (a target set far too low, or a number written wrongly).
"""

from xlsxtool.rules import Rule, fmt
from xlsxtool.rules.helpers import cell_or

RATIO = 1.3  # 130 % of the target


def over_achieved_without_reason(f):
    """Per indicator row: True where the rule fires."""
    df = f.df
    target, actual = df["target_value"].astype(float), df["actual_value"].astype(float)
    higher_is_better = df["target_op"].fillna("≥").isin(["≥", ">", "="])  # not for '≤ 5万元' targets
    return (
        f.scored_form  # forms that are scored (not a target table)
        & f.quantitative  # target and actual both numbers of one unit
        & higher_is_better
        & (target > 0)
        & (actual >= target * RATIO - 1e-9)
        & f.blank("reason")
        & df["reason_cell"].notna()  # the form has a 偏差原因 column
    )


RULES = [
    Rule(
        code="L801", severity="warning", title="超额完成未说明原因",
        message="三级指标“{name}”实际完成值 {result} 达到年度指标值 {target} 的 {ratio}，但未填写偏差原因",
        fields={"name": "三级指标名称", "result": "实际完成值", "target": "年度指标值", "ratio": "完成比例"},
        anchor="偏差原因单元格",
        explanation="实际完成值达到年度指标值 130% 及以上的指标，应在“偏差原因分析及改进措施”中说明原因"
                    "（目标定得过低，或数字填错）。只检查数值型、越大越好的指标（≥、>、=）。",
        example="年度指标值 ≥100人、实际完成值 150人、偏差原因空 → L801",
        frame="indicators",
        check=over_achieved_without_reason,
        render=lambda r, f: dict(
            cell=cell_or(r, "reason_cell"), expected="偏差原因分析及改进措施", actual="空",
            name=r["name"] or "（未填）", result=r["actual"], target=r["target"],
            ratio=fmt(round(r["actual_value"] / r["target_value"] * 100, 1)) + "%",
        ),
    ),
]
