"""Label vocabulary: every header, block and row label the locator knows, with synonyms (SPEC §1.3).

Defined once as data; the locator only ever compares *normalised* labels (see values.norm_label).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .values import norm_label

# Column headers of the funds block and the indicator block: canonical → synonyms.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "年初预算数": ("年初预算数", "年初预算", "年初预算数(万元)", "年初预算(万元)"),
    "全年预算数": ("全年预算数", "调整后预算数", "预算数", "全年预算", "调整后预算"),
    "全年执行数": ("全年执行数", "预算执行数", "执行数", "全年执行", "实际执行数"),
    "执行率": ("执行率", "预算执行率", "资金执行率"),
    "分值": ("分值", "权重", "指标分值", "分值(分)", "权重(分)"),
    "得分": ("得分", "自评得分", "评分", "自评分"),
    "一级指标": ("一级指标",),
    "二级指标": ("二级指标",),
    "三级指标": ("三级指标",),
    "年度指标值": ("年度指标值", "年初目标值", "指标值", "目标值", "年度目标值", "预期指标值"),
    "指标性质": ("指标性质",),
    "度量单位": ("度量单位", "计量单位", "单位"),
    "实际完成值": ("实际完成值", "完成值", "全年实际值", "实际值", "全年实际完成值"),
    "偏差原因": (
        "偏差原因分析及改进措施",
        "偏差原因",
        "未完成原因分析",
        "偏差原因分析",
        "原因分析及改进措施",
        "偏差原因及改进措施",
        "原因",
        "未完成原因",
    ),
    "预期目标": ("预期目标", "年度预期目标"),
    "实际完成情况": ("实际完成情况", "实际完成", "全年实际完成情况", "年度实际完成情况"),
}

# Trailing annotations like (A), (B), (B/A), (%) add nothing to a header's meaning.
_ANNOTATION_RE = re.compile(r"\((?:[A-Za-z/%*×]+)\)$")

_COLUMN_LOOKUP: dict[str, str] = {
    norm_label(syn): canonical for canonical, syns in COLUMN_SYNONYMS.items() for syn in syns
}


@lru_cache(maxsize=16384)
def column_key(text: object) -> str | None:
    """Canonical column name of a header cell, or None."""
    label = norm_label(text)
    if not label or len(label) > 20:
        return None
    hit = _COLUMN_LOOKUP.get(label)
    if hit is None:
        hit = _COLUMN_LOOKUP.get(_ANNOTATION_RE.sub("", label))
    return hit


# Header fields: canonical → synonyms (after normalisation, trailing ':' already removed).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "项目名称": ("项目名称", "项目支出名称", "项目名称(全称)"),
    "主管部门": ("主管部门", "主管部门(单位)", "主管单位"),
    "实施单位": ("实施单位", "实施单位(部门)"),
    "部门名称": (
        "市级预算部门名称",
        "预算部门名称",
        "部门(单位)名称",
        "单位名称",
        "部门名称",
        "县级预算部门名称",
        "省级预算部门名称",
    ),
}
_FIELD_LOOKUP: dict[str, str] = {
    norm_label(syn): canonical for canonical, syns in FIELD_SYNONYMS.items() for syn in syns
}


def field_key(text: object) -> str | None:
    return _FIELD_LOOKUP.get(norm_label(text))


# Block labels: the cell in the left column that opens a block.
FUNDS_BLOCK_PREFIXES = ("项目资金", "年度预算申请", "预算资金", "预算执行情况", "资金情况", "年度资金")
GOALS_BLOCK_LABELS = ("年度总体目标", "总体目标", "年度目标", "年度绩效目标")
INDICATOR_BLOCK_PREFIXES = ("绩效指标",)
TOTAL_ROW_LABELS = ("合计", "总分", "总计", "合计得分", "总得分", "合计分值")
FOOTER_MARKERS = ("填表人", "填报日期", "联系电话", "单位负责人", "项目负责人", "财务负责人")

# Funds rows: canonical source → synonyms. 'total' is the 年度资金总额 row.
SOURCE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "年度资金总额": ("年度资金总额", "总额", "资金总额", "年度资金总额(万元)", "合计", "资金合计"),
    "当年财政拨款": ("当年财政拨款", "本年财政拨款", "当年财政资金", "财政资金", "财政拨款", "财政拨款资金"),
    "上年结转资金": ("上年结转资金", "上年结转", "上年结余结转资金", "结转资金"),
    "财政专户管理资金": ("财政专户管理资金",),
    "单位资金": ("单位资金", "单位自有资金"),
    "其他资金": ("其他资金", "其它资金"),
}
_SOURCE_LOOKUP: dict[str, str] = {
    norm_label(syn): canonical for canonical, syns in SOURCE_SYNONYMS.items() for syn in syns
}
_DECORATION_RE = re.compile(r"^(其中[:：]?)+|[:：]+$")


def source_key(text: object) -> str | None:
    """Canonical funds source of a row label: '其中：当年财政拨款　' → '当年财政拨款'."""
    label = _DECORATION_RE.sub("", norm_label(text))
    return _SOURCE_LOOKUP.get(label)


TOTAL_SOURCE = "年度资金总额"

# Department form: income (按收入性质) and expense (按支出性质) items.
INCOME_MARKER = "按收入性质"
EXPENSE_MARKER = "按支出性质"

# National taxonomy (T401/T402): 一级 → allowed 二级.
TAXONOMY: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
    "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
}

# Standard 一级 weights (S208).
STANDARD_WEIGHTS: dict[str, float] = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}

_WEIGHT_SUFFIX_RE = re.compile(r"\(.*?\)")


def level1_key(text: object) -> str:
    """'产出指标（50分）' → '产出指标'; '满意度\\n指标\\n（10分）' → '满意度指标'; '产出' → '产出指标'."""
    label = _WEIGHT_SUFFIX_RE.sub("", norm_label(text))
    label = re.sub(r"\d+分$", "", label)
    if label and not label.endswith("指标"):
        label += "指标"
    return label


def level2_key(text: object) -> str:
    """'经济效\\n益指标' → '经济效益指标'; '数量' → '数量指标'."""
    label = _WEIGHT_SUFFIX_RE.sub("", norm_label(text))
    if label and not label.endswith("指标"):
        label += "指标"
    return label
