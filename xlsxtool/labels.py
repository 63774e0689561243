"""Label vocabulary: every header, field, block and row label the locator knows (SPEC §1.3).

Defined once as data. Labels are compared after normalisation (values.norm_label: NFKC, no
whitespace or line breaks, unified brackets, no trailing colon) and, when that finds nothing,
without their decorations: bracketed notes anywhere ('(A)', '(B/A)', '(万元)', '(50分)', '(%)'),
leading list numbers ('一、', '1.', '(一)') and a leading '其中'. A bureau adds its own words
with `configure(labels=...)` (the `labels` key of the configuration, SPEC §7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from .values import norm_label

# ------------------------------------------------------------------ columns
# Column headers of the funds block and the indicator block: canonical → synonyms.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "年初预算数": ("年初预算数", "年初预算", "年初预算金额", "年初预算资金", "年初批复预算", "年初批复预算数",
              "年初批复数", "年初数", "年初计划数", "预算批复数"),
    "全年预算数": ("全年预算数", "调整后预算数", "预算数", "全年预算", "调整后预算", "全年预算金额", "调整预算数",
              "预算调整数", "年度预算数", "全年预算资金", "本年预算数", "全年预算总额", "调整后全年预算数",
              "全年批复预算", "预算安排数", "全年预算批复数"),
    "全年执行数": ("全年执行数", "预算执行数", "执行数", "全年执行", "实际执行数", "全年实际执行数", "实际支出数",
              "全年支出数", "实际支出", "支出数", "全年实际支出", "全年实际支出数", "执行金额", "实际执行",
              "全年执行金额", "全年完成数", "实际使用数"),
    "执行率": ("执行率", "预算执行率", "资金执行率", "全年执行率", "支出进度", "执行进度"),
    "分值": ("分值", "权重", "指标分值", "标准分值", "标准分", "分数", "权重分", "指标权重", "权重分值", "满分",
           "满分值", "配分", "分值权重", "权数", "指标分数", "基础分值"),
    "得分": ("得分", "自评得分", "评分", "自评分", "实际得分", "评价得分", "考核得分", "自评分数", "单位自评得分",
           "部门自评得分", "自评分值", "自评", "得分情况", "自评结果得分", "打分"),
    "一级指标": ("一级指标", "一级", "一级评价指标"),
    "二级指标": ("二级指标", "二级", "二级评价指标"),
    "三级指标": ("三级指标", "三级", "三级评价指标", "指标名称", "绩效指标名称", "具体指标", "三级指标名称", "目标名称",
             "评价指标名称", "考核指标"),
    "年度指标值": ("年度指标值", "年初目标值", "指标值", "目标值", "年度目标值", "预期指标值", "预期目标值",
              "计划目标值", "年度计划值", "计划值", "年度绩效指标值", "指标目标值", "绩效指标值",
              "年度预期指标值", "年初指标值", "全年指标值", "年度指标目标值", "绩效目标值"),
    "指标性质": ("指标性质", "指标方向", "运算符号", "符号"),
    "度量单位": ("度量单位", "计量单位", "单位"),
    "实际完成值": ("实际完成值", "完成值", "全年实际值", "实际值", "全年实际完成值", "实际完成数", "全年完成值",
              "实际完成指标值", "实际完成指标", "年度实际完成值", "实际达成值", "完成情况值", "实际完成"),
    "偏差原因": ("偏差原因分析及改进措施", "偏差原因", "未完成原因分析", "偏差原因分析", "原因分析及改进措施",
              "偏差原因及改进措施", "原因", "未完成原因", "偏差原因和改进措施", "偏差原因分析和改进措施",
              "未完成原因和改进措施", "未完成原因及改进措施", "扣分原因", "扣分原因及改进措施", "偏差原因说明",
              "未完成原因分析及改进措施", "偏离原因", "偏差原因分析及整改措施", "差异原因"),
    "预期目标": ("预期目标", "年度预期目标", "年初设定目标", "年初目标", "预期绩效目标", "年度目标", "绩效目标",
             "项目年度目标", "年度绩效目标"),
    "实际完成情况": ("实际完成情况", "全年实际完成情况", "年度实际完成情况", "目标完成情况", "实际完成情况说明",
                "全年目标完成情况", "年度目标完成情况", "完成情况"),
    # Columns that are understood and not checked: they must not read as unknown parts (F006).
    "评分标准": ("评分标准", "评价标准", "评分细则", "评分办法", "评分依据", "评分方法", "计分方法", "评分规则",
             "打分标准", "评价方法"),
    "指标解释": ("指标解释", "指标说明", "指标内涵", "评价要点", "考核内容", "考核要点", "指标内容", "评价内容",
             "指标释义", "指标定义", "情况说明"),
    "序号": ("序号", "编号"),
    "备注": ("备注", "说明"),
}

# English names of the canonical columns: what the configuration file's `labels` key uses.
COLUMN_NAMES: dict[str, str] = {
    "initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数", "rate": "执行率", "weight": "分值",
    "score": "得分", "level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "target": "年度指标值",
    "nature": "指标性质", "unit": "度量单位", "actual": "实际完成值", "reason": "偏差原因",
    "expected_goal": "预期目标", "actual_goal": "实际完成情况", "criteria": "评分标准", "explanation": "指标解释",
}

# ------------------------------------------------------------------ header fields
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "项目名称": ("项目名称", "项目支出名称", "项目全称", "项目名", "项目名称全称", "一级项目名称", "二级项目名称",
             "专项名称", "专项资金名称", "资金名称"),
    "主管部门": ("主管部门", "主管单位", "项目主管部门", "预算主管部门", "主管部门名称", "主管部门及代码", "业务主管部门"),
    "实施单位": ("实施单位", "项目实施单位", "实施单位名称", "实施单位及代码", "项目单位", "实施部门", "项目实施部门"),
    "部门名称": ("市级预算部门名称", "预算部门名称", "部门名称", "单位名称", "县级预算部门名称", "省级预算部门名称",
             "区级预算部门名称", "预算单位名称", "部门单位名称", "单位部门名称", "预算单位", "部门单位", "评价单位",
             "被评价单位", "部门"),
}
FIELD_NAMES: dict[str, str] = {"name": "项目名称", "department": "主管部门", "unit": "实施单位", "department_name": "部门名称"}

# Labels of the head of a form that are understood and not checked (they must not be read as
# a block, a footer or a part not understood).
INFO_LABELS: tuple[str, ...] = (
    "项目负责人", "联系人", "联系电话", "项目属性", "项目类型", "项目期限", "实施期限", "项目编码", "项目代码",
    "资金用途", "评价年度", "填报单位", "编制单位", "单位编码", "部门编码", "项目实施期", "项目起止时间",
    "项目类别", "资金性质", "预算年度", "金额单位", "单位", "归口处室", "项目实施地点", "主要内容", "立项依据",
)

# ------------------------------------------------------------------ blocks and rows
FUNDS_BLOCK_PREFIXES = ("项目资金", "年度预算申请", "预算资金", "预算执行情况", "资金情况", "年度资金", "资金投入",
                        "预算执行", "资金来源", "部门预算资金", "年度预算执行", "部门整体支出", "资金(万元)",
                        "资金(元)", "项目预算", "预算安排", "资金执行", "预算及执行", "部门预算", "整体支出",
                        "年度预算", "全年预算")
GOALS_BLOCK_LABELS = ("年度总体目标", "总体目标", "年度目标", "年度绩效目标", "绩效目标", "总体绩效目标",
                      "年度总体目标完成情况", "年度目标完成情况", "项目绩效目标", "年度总体绩效目标",
                      "部门整体绩效目标", "整体绩效目标", "部门年度目标", "绩效目标完成情况", "总体目标完成情况",
                      "年度主要任务完成情况", "年度总体目标及完成情况", "总体目标及完成情况")
INDICATOR_BLOCK_PREFIXES = ("绩效指标", "年度绩效指标", "产出效益指标", "绩效评价指标", "指标完成情况", "评价指标")
TOTAL_ROW_LABELS = ("合计", "总分", "总计", "合计得分", "总得分", "合计分值", "综合得分", "自评总分", "得分合计",
                    "分值合计", "评价总分", "总评分", "综合评分", "自评得分合计", "自评总得分", "总分值", "合计总分",
                    "综合评价得分", "绩效评价总分", "绩效自评得分", "自评得分总计", "综合自评得分", "最终得分",
                    "评价得分", "总 分", "自评得分")
FOOTER_MARKERS = ("填表人", "填报人", "填报日期", "填表日期", "联系电话", "单位负责人", "项目负责人", "财务负责人",
                  "审核人", "填表单位", "单位负责人签字")
# Sections that follow a form's table and are prose, not data (skipped without a finding).
TRAILER_LABELS = ("评价结论", "存在问题", "存在的问题", "改进措施", "整改措施", "问题及改进措施", "主要问题",
                  "自评结论", "评价结果", "结果应用", "审核意见", "主管部门意见", "财政部门意见", "绩效评价结论",
                  "其他需要说明的问题", "其他说明", "下一步改进措施", "意见建议", "评价意见", "存在问题及原因",
                  "主要经验及做法", "主要绩效", "附注")
NOTE_PREFIXES = ("备注", "说明", "注:", "注1", "注2", "填表说明", "附注")

# Funds rows: canonical source → synonyms. 'total' is the 年度资金总额 row.
SOURCE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "年度资金总额": ("年度资金总额", "总额", "资金总额", "合计", "资金合计", "年度预算资金总额", "预算资金总额",
               "年度资金合计", "总计", "资金总计", "部门预算总额", "年度预算总额", "全年资金总额", "项目资金总额",
               "年度总额", "资金总量"),
    "当年财政拨款": ("当年财政拨款", "本年财政拨款", "当年财政资金", "财政资金", "财政拨款", "财政拨款资金",
               "一般公共预算", "一般公共预算拨款", "一般公共预算资金", "本级财政资金", "财政补助", "财政补助资金",
               "财政拨款收入", "当年财政预算拨款", "本年度财政拨款", "当年财政拨款资金", "财政预算拨款",
               "一般公共预算财政拨款", "本年财政资金", "财政资金投入"),
    "上年结转资金": ("上年结转资金", "上年结转", "上年结余结转资金", "结转资金", "上年结转结余", "上年结余",
               "上年结转结余资金", "以前年度结转资金", "结转结余资金"),
    "政府性基金": ("政府性基金", "政府性基金拨款", "政府性基金预算", "政府性基金预算拨款", "政府性基金资金"),
    "财政专户管理资金": ("财政专户管理资金", "纳入专户管理的非税收入拨款", "专户管理资金", "财政专户资金"),
    "单位资金": ("单位资金", "单位自有资金", "自有资金", "事业收入", "经营收入", "单位自筹", "单位自筹资金",
             "自筹资金"),
    "其他资金": ("其他资金", "其它资金", "其他收入", "其他", "社会资金", "其他来源"),
    # By level of government: usually a breakdown of the fiscal allocation.
    "中央资金": ("中央资金", "中央财政资金", "中央补助资金", "中央补助", "中央转移支付资金", "中央财政"),
    "省级资金": ("省级资金", "省级财政资金", "省级补助资金", "省级补助", "省财政资金", "省级财政"),
    "市级资金": ("市级资金", "市级财政资金", "市级补助资金", "市级配套资金", "市财政资金", "市级财政", "州级资金"),
    "县级资金": ("县级资金", "县级财政资金", "县级配套资金", "县级配套", "区级资金", "区级财政资金", "本级资金",
             "县财政资金", "县级财政", "区级配套资金"),
    # By economic nature (部门整体): 基本支出 = 人员经费 + 公用经费; 支出 = 基本支出 + 项目支出.
    "基本支出": ("基本支出", "基本支出资金"),
    "项目支出": ("项目支出", "项目支出资金"),
    "人员经费": ("人员经费", "人员支出", "人员类", "工资福利支出"),
    "公用经费": ("公用经费", "公用支出", "日常公用经费", "运转类", "商品和服务支出"),
}
TOTAL_SOURCE = "年度资金总额"
# How the funds sources split the total: each partition sums to it, independently (B104).
SOURCE_PARTITIONS: dict[str, tuple[str, ...]] = {
    "income": ("当年财政拨款", "上年结转资金", "政府性基金", "财政专户管理资金", "单位资金", "其他资金"),
    "level": ("中央资金", "省级资金", "市级资金", "县级资金"),
    "expense": ("基本支出", "项目支出"),
}
# Sources that are a breakdown of another source (never summed with it).
SOURCE_CHILDREN: dict[str, tuple[str, ...]] = {"基本支出": ("人员经费", "公用经费")}

# Department form: income (按收入性质) and expense (按支出性质) items.
INCOME_MARKER = "按收入性质"
EXPENSE_MARKER = "按支出性质"

# ------------------------------------------------------------------ indicator taxonomy
# National taxonomy (T401/T402): 一级 → allowed 二级.
TAXONOMY: dict[str, tuple[str, ...]] = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
    "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
}
# 一级 labels of other frameworks (department evaluation systems: 决策/过程/产出/效益,
# 四川 部门决策/部门管理/部门绩效, older 投入/过程/产出/效果): a form using any of them is not
# in the national profile, so T401/T402/S208 do not apply to it.
OTHER_FRAMEWORK_LEVEL1 = ("决策", "投入", "过程", "管理", "效果", "履职", "绩效", "预算", "运行", "职责", "资金",
                          "财务", "资产", "综合", "部门", "社会", "项目", "能力", "目标")

# Standard 一级 weights (S208).
STANDARD_WEIGHTS: dict[str, float] = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}

# ------------------------------------------------------------------ matching
_PAREN_RE = re.compile(r"\([^()]*\)")
_LIST_NUMBER_RE = re.compile(r"^(?:\(?[一二三四五六七八九十]{1,3}[、.)]|\(\d{1,2}\)|\d{1,2}[、.)](?!\d)|[①-⑳])")
_QIZHONG_RE = re.compile(r"^(其中[:：]?)+")
_TRAILING_MARKS_RE = re.compile(r"[*※:：]+$")


@lru_cache(maxsize=32768)
def _bare(label: str) -> str:
    """A normalised label without its decorations (see the module docstring)."""
    label = _PAREN_RE.sub("", label)
    label = _LIST_NUMBER_RE.sub("", label)
    label = _QIZHONG_RE.sub("", label)
    return _TRAILING_MARKS_RE.sub("", label)


class _Vocabulary:
    """Lookup tables built from the synonym data (and a configuration's extra words)."""

    def __init__(self) -> None:
        self.extra_columns: dict[str, tuple[str, ...]] = {}
        self.extra_fields: dict[str, tuple[str, ...]] = {}
        self.extra_blocks: dict[str, tuple[str, ...]] = {}
        self.build()

    def build(self) -> None:
        def lookup(*tables: Mapping[str, Iterable[str]]) -> dict[str, str]:
            out: dict[str, str] = {}
            for table in tables:
                for canonical, syns in table.items():
                    for syn in (canonical, *syns):
                        out.setdefault(norm_label(syn), canonical)
            return out

        self.columns = lookup(self.extra_columns, COLUMN_SYNONYMS)
        self.fields = lookup(self.extra_fields, FIELD_SYNONYMS)
        self.sources = lookup(SOURCE_SYNONYMS)
        blocks = self.extra_blocks
        self.funds_prefixes = tuple(norm_label(p) for p in (*blocks.get("funds", ()), *FUNDS_BLOCK_PREFIXES))
        self.goals_labels = frozenset(norm_label(p) for p in (*blocks.get("goals", ()), *GOALS_BLOCK_LABELS))
        self.indicator_prefixes = tuple(norm_label(p) for p in (*blocks.get("indicators", ()), *INDICATOR_BLOCK_PREFIXES))
        self.total_labels = frozenset(norm_label(p) for p in (*blocks.get("total", ()), *TOTAL_ROW_LABELS))
        for fn in _CACHED:
            fn.cache_clear()


_CACHED: list = []  # label lookups cached per text; cleared when the vocabulary changes
VOCABULARY = _Vocabulary()


def _cached(fn):  # type: ignore[no-untyped-def]
    wrapped = lru_cache(maxsize=16384)(fn)
    _CACHED.append(wrapped)
    return wrapped


def configure(labels: Mapping[str, Iterable[str]] | None = None) -> None:
    """Add a bureau's own words to the vocabulary (SPEC §7 `labels`): keys are column names
    (`score`, `weight`, `target`… or the Chinese canonical name), field names (`name`,
    `department`, `unit`, `department_name`) or blocks (`funds`, `goals`, `indicators`, `total`).
    Called with nothing, the vocabulary goes back to the built-in words."""
    columns: dict[str, tuple[str, ...]] = {}
    fields: dict[str, tuple[str, ...]] = {}
    blocks: dict[str, tuple[str, ...]] = {}
    for key, words in (labels or {}).items():
        words = tuple(str(w) for w in words)
        if key in ("funds", "goals", "indicators", "total"):
            blocks[key] = words
        elif key in FIELD_NAMES or key in FIELD_SYNONYMS:
            fields[FIELD_NAMES.get(key, key)] = words
        elif key in COLUMN_NAMES or key in COLUMN_SYNONYMS:
            columns[COLUMN_NAMES.get(key, key)] = words
        else:
            raise KeyError(key)
    VOCABULARY.extra_columns, VOCABULARY.extra_fields, VOCABULARY.extra_blocks = columns, fields, blocks
    VOCABULARY.build()


def label_names() -> list[str]:
    """Every key the configuration's `labels` table accepts."""
    return [*COLUMN_NAMES, *FIELD_NAMES, "funds", "goals", "indicators", "total"]


def _find(table: Mapping[str, str], label: str) -> str | None:
    hit = table.get(label)
    if hit is None and label:
        bare = _bare(label)
        if bare != label:
            hit = table.get(bare)
    return hit


# When no word of the vocabulary matches, a header is read by how it ends (or what it says):
# '年度总体目标完成情况综述' is the actual, '扣分原因和其他说明' the reason column. First match wins.
_FUZZY_COLUMNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), k) for p, k in (
    (r"(实际|完成).{0,6}(值|数)$", "实际完成值"),
    (r"(指标|目标|计划)值$", "年度指标值"),
    (r"原因", "偏差原因"),
    (r"完成情况(综述|说明|描述)?$", "实际完成情况"),
    (r"(设定|预期|年度|绩效)目标$", "预期目标"),
    (r"(自评|评价|考核|实际)?得分(\(分\))?$|自评分$", "得分"),
    (r"(分值|权重|满分)$", "分值"),
    (r"^年初.{0,4}预算", "年初预算数"),
    (r"(调整后|全年|年度).{0,4}预算(数|金额|资金)?$", "全年预算数"),
    (r"(全年|实际).{0,4}(执行|支出)(数|金额)?$", "全年执行数"),
    (r"执行率$", "执行率"),
    (r"(评分|评价|计分)(标准|依据|办法|方法)", "评分标准"),
    (r"(指标|评价)(解释|说明|内涵|要点)", "指标解释"),
))


# Every fuzzy pattern holds one of these: a text without any is no column header.
_FUZZY_HINT = re.compile("值|数|原因|情况|目标|分|权重|预算|执行|率|标准|依据|办法|方法|解释|说明|内涵|要点")


@_cached
def column_key(text: object) -> str | None:
    """Canonical column name of a header cell, or None."""
    label = norm_label(text)
    if not label or len(label) > 24:
        return None
    hit = _find(VOCABULARY.columns, label)
    if hit is None and len(label) <= 16 and _FUZZY_HINT.search(label):
        bare = _bare(label)
        for pattern, key in _FUZZY_COLUMNS:
            if pattern.search(bare):
                return key
    return hit


@_cached
def field_key(text: object) -> str | None:
    label = norm_label(text)
    if not label or len(label) > 20:
        return None
    return _find(VOCABULARY.fields, label)


_PREFIXED_FIELD_RE = re.compile(r"^([^:：]{2,12})[:：](.*)$", re.S)


def prefixed_field(text: object) -> tuple[str, str] | None:
    """'项目名称：某项目' → ('项目名称', '某项目'); a field label and its value in one cell."""
    if not isinstance(text, str) or ("：" not in text and ":" not in text):
        return None
    return _prefixed_field(text)


@lru_cache(maxsize=16384)
def _prefixed_field(text: str) -> tuple[str, str] | None:
    m = _PREFIXED_FIELD_RE.match(text.strip())
    if m is None:
        return None
    key = field_key(m.group(1))
    return (key, m.group(2).strip()) if key else None


@_cached
def source_key(text: object) -> str | None:
    """Canonical funds source of a row label: '其中：当年财政拨款　' → '当年财政拨款'."""
    label = norm_label(text)
    if not label or len(label) > 30:
        return None
    hit = _find(VOCABULARY.sources, label)
    if hit is None:
        bare = _bare(label)
        if any(w in bare for w in ("总额", "合计", "总计")) and len(bare) <= 12:
            return TOTAL_SOURCE
    return hit


def is_funds_label(label: str) -> bool:
    return label.startswith(VOCABULARY.funds_prefixes) or _bare(label).startswith(VOCABULARY.funds_prefixes)


def is_goals_label(label: str) -> bool:
    return label in VOCABULARY.goals_labels or _bare(label) in VOCABULARY.goals_labels


def is_indicator_label(label: str) -> bool:
    return label.startswith(VOCABULARY.indicator_prefixes)


def is_total_label(label: str) -> bool:
    return label in VOCABULARY.total_labels or _bare(label) in VOCABULARY.total_labels


@lru_cache(maxsize=16384)
def is_trailer_label(label: str) -> bool:
    bare = _bare(label)
    return any(bare.startswith(t) for t in TRAILER_LABELS)


@lru_cache(maxsize=16384)
def is_info_label(label: str) -> bool:
    bare = _bare(label)
    return any(bare == t or bare.startswith(t + ":") for t in INFO_LABELS)


_WEIGHT_SUFFIX_RE = re.compile(r"\(.*?\)")
_LEVEL_NUMBER_RE = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.]|\d{1,2}[、.](?!\d))")


@lru_cache(maxsize=16384)
def level1_key(text: object) -> str:
    """'产出指标（50分）' → '产出指标'; '满意度\\n指标\\n（10分）' → '满意度指标'; '产出' → '产出指标';
    '效益指标30分)' (a bracket lost) → '效益指标'."""
    label = _WEIGHT_SUFFIX_RE.sub("", norm_label(text))
    label = re.sub(r"\(?\d+(\.\d+)?分?\)$", "", label)
    label = _LEVEL_NUMBER_RE.sub("", label)
    label = re.sub(r"\d+(\.\d+)?分$", "", label)
    if label and not label.endswith("指标"):
        label += "指标"
    if label not in TAXONOMY:
        # '项目效益' is the 效益 group: one national word in the label names it.
        words = [k for k in ("产出", "效益", "满意度", "成本") if k in label]
        if len(words) == 1 and not any(w in label for w in OTHER_FRAMEWORK_LEVEL1 if w not in ("项目", "部门", "社会")):
            label = words[0] + "指标"
    return label


@lru_cache(maxsize=16384)
def level2_key(text: object) -> str:
    """'经济效\\n益指标' → '经济效益指标'; '数量' → '数量指标'."""
    label = _WEIGHT_SUFFIX_RE.sub("", norm_label(text))
    label = _LEVEL_NUMBER_RE.sub("", label)
    label = re.sub(r"\d+(\.\d+)?分$", "", label)
    if label and not label.endswith("指标"):
        label += "指标"
    return label


def other_framework(level1: str) -> bool:
    """Whether a 一级 key belongs to a framework other than the national one."""
    return level1 not in TAXONOMY and any(w in level1 for w in OTHER_FRAMEWORK_LEVEL1)
