"""T — the indicator taxonomy of the national framework (forms of another framework are left alone)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..labels import TAXONOMY
from .base import Rule
from .helpers import flags, one_line


@lru_cache(maxsize=4096)
def _bad_level2(level1: Any, level2: Any) -> bool:
    """Whether a 二级 does not belong to its 一级. A label that holds an allowed one or is a
    shorter form of it ('服务对象满意度指标等', '满意度指标' under 满意度) belongs."""
    if not isinstance(level1, str) or not isinstance(level2, str) or level1 not in TAXONOMY:
        return False
    return not any(a in level2 or level2 in a for a in TAXONOMY[level1])


def _t402(f: Any) -> Any:
    df = f.df
    bad = [_bad_level2(l1, l2) for l1, l2 in zip(df["level1_key"].tolist(), df["level2_key"].tolist(), strict=True)]
    return f.national & flags(bad, df)


RULES = [
    Rule(
        code='T401', severity='warning', title='未知的一级指标',
        message='一级指标“{level1}”不在标准体系内（产出/效益/满意度/成本）',
        fields={"level1": "一级指标"},
        anchor='一级指标单元格',
        explanation='全国通用体系的一级指标为 产出指标、效益指标、满意度指标、成本指标。',
        example='一级指标“工作指标” → T401',
        frame="level1",
        check=lambda f: f.df["national"] & ~f.df["level1_key"].isin(list(TAXONOMY)),
        render=lambda r, f: dict(cell=r["level1_cell"], expected="产出/效益/满意度/成本指标", actual=r["level1"],
                                 level1=one_line(r["level1"])),
    ),
    Rule(
        code='T402', severity='warning', title='二级指标不属于该一级指标',
        message='二级指标“{level2}”不属于“{level1}”（应为：{allowed}）',
        fields={"level2": "二级指标", "level1": "一级指标", "allowed": "允许的二级指标"},
        anchor='二级指标单元格',
        explanation='产出→数量/质量/时效/成本；效益→经济/社会/生态效益、可持续影响；满意度→服务对象满意度；成本→经济/社会/生态环境成本。',
        example='产出指标 下的“社会效益指标” → T402',
        frame="indicators",
        check=_t402,
        render=lambda r, f: dict(cell=r["level2_cell"], expected="、".join(TAXONOMY.get(r["level1_key"], ())),
                                 actual=r["level2"], level1=r["level1_key"], level2=r["level2_key"],
                                 allowed="、".join(TAXONOMY.get(r["level1_key"], ()))),
    ),
]
