"""X — across forms: a department form's totals against its splits, project forms against it."""

from __future__ import annotations

from .base import Rule
from .helpers import fmt

RULES = [
    Rule(
        code='X601', severity='error', title='总额与支出性质合计不符',
        message='年度资金总额 {total} ≠ 基本支出 {basic} + 项目支出 {project} = {sum}',
        fields={"total": "总额", "basic": "基本支出", "project": "项目支出", "sum": "合计"},
        anchor='年度资金总额的全年预算数单元格',
        explanation='部门整体表：年度资金总额应等于按支出性质分的 基本支出 + 项目支出，允许 0.01 误差。',
        example='X601',
        params={'tolerance': 0.01},
        frame="funds_sums",
        check=lambda f: (f.df["kind"] == "X601") & f.differs,
        render=lambda r, f: dict(cell=r["cell"], expected=fmt(r["sum"]), actual=fmt(r["total"]), total=fmt(r["total"]),
                                 basic=fmt(r["basic"]), project=fmt(r["project"]), sum=fmt(r["sum"])),
    ),
    Rule(
        code='X602', severity='error', title='总额与收入性质合计不符',
        message='年度资金总额 {total} ≠ 按收入性质各项之和 {sum}',
        fields={"total": "总额", "sum": "合计"},
        anchor='年度资金总额的全年预算数单元格',
        explanation='部门整体表：年度资金总额应等于按收入性质分的各项（一般公共预算、政府性基金等）之和。',
        example='X602',
        params={'tolerance': 0.01},
        frame="funds_sums",
        check=lambda f: (f.df["kind"] == "X602") & f.differs,
        render=lambda r, f: dict(cell=r["cell"], expected=fmt(r["sum"]), actual=fmt(r["total"]), total=fmt(r["total"]),
                                 sum=fmt(r["sum"])),
    ),
    Rule(
        code='X603', severity='warning', title='项目预算超过部门项目支出',
        message='各项目表全年预算数合计 {sum} 超过部门整体表的项目支出 {project}',
        fields={"sum": "合计", "project": "项目支出"},
        anchor='项目支出单元格',
        explanation='同一工作簿（或同一提交）中，各项目支出自评表的全年预算数之和不应超过部门整体表中的项目支出。',
        example='X603',
        frame="cross",
        check=lambda f: (f.df["sum"] - f.df["project"]).round(9) > f.tol["money"],
        render=lambda r, f: dict(cell=r["cell"], expected=f"≤ {fmt(r['project'])}", actual=fmt(r["sum"]),
                                 sum=fmt(r["sum"]), project=fmt(r["project"])),
    ),
]
