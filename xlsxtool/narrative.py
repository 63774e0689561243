"""N701–N706: the numbers a Word report's text states, against its tables and against each other.

A 自评报告 says things like "2023年本单位支出预算1,463.31万元，其中：基本支出1,129.76万元，占77%；
项目支出333.56万元，占22%" or "综合绩效自评得分为96分". This module reads such *statements* out of
the body paragraphs and compares them (SPEC §3, N rules):

* N701 the stated overall score with the 总分 of the table it describes;
* N702 a stated budget / executed amount / 执行率 (or the department's 基本支出 / 项目支出) with
  the funds block of that table;
* N703 stated parts with their stated whole (基本支出 = 人员经费 + 公用经费; 支出 = 基本支出 +
  项目支出 + …; 收入 = the kinds of 收入), the whole and its parts possibly in adjacent paragraphs,
  the whole named as such or the amount the text divides with '其中：';
* N704 a stated share (占 77%) with part ÷ whole of the stated amounts — or, where the whole's
  amount is not stated, shares of its complete set of parts that add up to more than 100 %;
* N705 a unit slip: the same figure written in 元 in one place and in 万元 in another;
* N706 stated points per 一级 group with the stated total.

Precision first: a number counts only when its clause names what it is; amounts in brackets,
changes on last year (增长/减少 N%), targets (≥, 以上), per-head figures, kinds of money
('预算内投资'), classes of spending (商品和服务支出, 教育支出, 三公经费), words inside a document's
title (《…》) and anything the vocabulary below does not name are left alone, and a paragraph
that cannot be read raises nothing. Numbers are compared as written: an amount at half a unit of
its last written digit (at least 0.01 of the text's unit between statements, 0.01 万元 against a
table), a share at 0.5 / 0.05 / 0.01 points for 0 / 1 / 2 decimals. The real reports these rules
were measured on are tests/real/reports (every figure there is written down with why it agrees).

Findings anchor at `sheet` "正文", `cell` "第N段" (N over the body paragraphs, tables excluded,
1-based) — the paragraph that states the whole, or the amount itself for N702 and N705.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding
from .rules import RULES
from .word import NARRATIVE_SHEET

# Parsing sees half-width digits and signs; Chinese punctuation stays as it is (a full-width
# comma between two numbers separates them, it is never a thousands separator).
_TRANS = str.maketrans("０１２３４５６７８９．％，\u3000\xa0", "0123456789.%，  ")
# A number starts after no digit, point or comma — nor after 'digit, point, space': a PDF's text
# layer breaks '35.3万元' into '35. 3万元', and the '3' alone is no amount.
_AMOUNT_RE = re.compile(
    r"(?<![\d.,])(?<!\d\.\s)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*"
    r"(亿元|万元|元|%|分(?![之析别配类钟期批项级层摊担管布散数值]))"
)
_SENTENCE_END = "。！？!?\n"
_PART_END = _SENTENCE_END + "；;"
_CLAUSE_END = _PART_END + "，、"


@dataclass(frozen=True)
class _Item:
    name: str  # canonical: 基本支出, 人员经费, 支出 (a total), 收入 (a total) …
    qualifier: str | None = None  # implied by the wording: 支出预算 is a budget


# Item vocabulary (what an amount is). Matched longest first at each position.
_ITEMS: dict[str, _Item] = {
    "基本支出": _Item("基本支出"),
    "项目支出": _Item("项目支出"),
    "人员经费": _Item("人员经费"), "人员支出": _Item("人员经费"), "人员经费支出": _Item("人员经费"),
    "公用经费": _Item("公用经费"), "日常公用经费": _Item("公用经费"), "公用支出": _Item("公用经费"),
    "日常公用支出": _Item("公用经费"), "公用经费支出": _Item("公用经费"),
    "上缴上级支出": _Item("上缴上级支出"), "经营支出": _Item("经营支出"),
    "对附属单位补助支出": _Item("对附属单位补助支出"),
    "财政拨款收入": _Item("财政拨款收入"), "上级补助收入": _Item("上级补助收入"), "事业收入": _Item("事业收入"),
    # The 决算 layout splits 财政拨款收入 into its three budgets, listed as kinds of 收入 in their own right.
    "一般公共预算财政拨款收入": _Item("一般公共预算财政拨款收入"), "政府性基金预算财政拨款收入": _Item("政府性基金预算财政拨款收入"),
    "国有资本经营预算财政拨款收入": _Item("国有资本经营预算财政拨款收入"),
    "经营收入": _Item("经营收入"), "附属单位上缴收入": _Item("附属单位上缴收入"), "其他收入": _Item("其他收入"),
    "支出预算": _Item("支出", "budget_any"), "支出合计": _Item("支出"), "支出总计": _Item("支出"),
    "总支出": _Item("支出"), "整体支出": _Item("支出"), "一般公共预算支出": _Item("支出"),
    "本年支出": _Item("支出"), "年度支出": _Item("支出"),
    "收入预算": _Item("收入", "budget_any"), "收入合计": _Item("收入"), "收入总计": _Item("收入"),
    "总收入": _Item("收入"), "本年收入": _Item("收入"),
}
# What is said of an amount: which column of a funds block it is.
_QUALIFIERS: dict[str, str] = {
    "年初预算数": "budget_initial", "年初预算": "budget_initial",
    "全年预算数": "budget", "全年预算": "budget", "调整后预算数": "budget", "调整后预算": "budget", "调整预算": "budget",
    "预算数": "budget_any", "预算金额": "budget_any", "预算资金": "budget_any", "预算": "budget_any",
    "全年执行数": "spent", "执行数": "spent", "实际支出": "spent", "实际执行": "spent", "支出数": "spent",
    "决算数": "spent", "实际使用": "spent", "已支出": "spent", "实际完成支出": "spent", "实际支付": "spent",
    "执行率": "rate", "预算执行率": "rate", "资金执行率": "rate",
}
# Kinds of money and budget paperwork: '预算' inside them says where money comes from or what a
# document is, not which column an amount is ('省预算内基本建设投资1000万元' is no budget figure of
# the project; '一般公共预算基本支出' is the 基本支出, not its budget). Matched so that the '预算'
# inside is consumed, then ignored.
_NEUTRAL = frozenset((
    "预算内", "预算外", "一般公共预算", "政府性基金预算", "国有资本经营预算", "社会保险基金预算",
    "预算单位", "预算绩效", "预算管理", "预算编制", "预算公开",
))
# Sub-categories of spending (economic and functional classes, 三公经费): an amount of one of
# them is neither the unit's whole 支出 nor one of its parts ('商品和服务支出预算 29700 元' is not a
# 支出预算). They are items of their own that no family and no table holds.
_CATEGORY = "类别"
_CATEGORIES = (
    "工资福利支出", "商品和服务支出", "对个人和家庭的补助", "对个人和家庭补助", "对企业补助", "资本性支出",
    "债务利息及费用支出", "“三公”经费", "三公经费", "机关运行经费", "会议费", "培训费", "公务接待费",
    "公务用车购置及运行维护费", "公务用车运行维护费", "公务用车购置费", "因公出国(境)费", "因公出国（境）费",
    '"三公"经费',
    "一般公共服务支出", "外交支出", "国防支出", "公共安全支出", "教育支出", "科学技术支出",
    "文化旅游体育与传媒支出", "文化体育与传媒支出", "社会保障和就业支出", "卫生健康支出",
    "医疗卫生与计划生育支出", "节能环保支出", "城乡社区支出", "农林水支出", "交通运输支出",
    "资源勘探工业信息等支出", "商业服务业等支出", "金融支出", "自然资源海洋气象等支出", "住房保障支出",
    "粮油物资储备支出", "灾害防治及应急管理支出", "债务付息支出", "其他支出",
)
_ITEMS.update({word: _Item(_CATEGORY) for word in _CATEGORIES})
_KEYWORD_RE = re.compile("|".join(sorted(map(re.escape, list(_ITEMS) + list(_QUALIFIERS) + list(_NEUTRAL)),
                                         key=len, reverse=True)))
# A clause with one of these states a change, a remainder, a target or a per-head figure.
_NOT_A_STATEMENT_RE = re.compile(
    r"增长|增加|减少|下降|上升|提高|降低|同比|较上年|比上年|上年|增幅|降幅|增减|节约|结余|结转|收回|差额|超支|缺口|"
    r"平均|人均|生均|每人|每生|每年|标准|≥|≤|>|<|不低于|不少于|不超过|不高于|控制在|以内|约"
)
_APPROXIMATE_AFTER_RE = re.compile(r"^\s*(以上|以内|以下|左右|余|多)")
_SHARE_RE = re.compile(r"占|比重|比例")
_TOTAL_MARK_RE = re.compile(r"合计|共计|总计")
# '2、支出:799.12万元': a bare 支出 / 收入 as the label of the amount is the whole.
_BARE_TOTAL_RE = re.compile(r"\s*(支出|收入)\s*[:：]\s*")
_LISTS_RE = re.compile(r"\s*[,，。;；]?\s*其中\s*[:：,，]?")
_CONTENT_OF_RE = re.compile(r"(包括|包含|用于|主要有|分别为|分别是)\s*[\u4e00-\u9fff]")
# A document's title (《…的通知》) names other things: its words say nothing of the amounts near it.
_TITLE_RE = re.compile(r"《[^《》]*》")
_GROUPS = {"产出": "产出指标", "效益": "效益指标", "满意度": "满意度指标", "成本": "成本指标", "预算执行": "预算执行率"}
_GROUP_RE = re.compile(r"(产出|效益|满意度|成本)指标|(预算|资金)执行(率|情况)?")
_TOTAL_SCORE_RE = re.compile(r"总分|总得分|综合得分|综合评分|自评得分|自评分|评价得分|最终得分|整体得分|总体得分|评分结果|自评结果")
_WEIGHT_RE = re.compile(r"满分|分值|权重|扣")
_DEPARTMENT_RE = re.compile(r"部门整体|整体支出|本部门|本单位|我单位|我局|我院|我校|本局|本院|本校|单位整体|部门预算|全年收支|收支总")

_FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # whole: (its parts, the parts that must all be stated before a shortfall counts)
    "基本支出": (("人员经费", "公用经费"), ("人员经费", "公用经费")),
    "支出": (("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"), ("基本支出", "项目支出")),
    "收入": (("财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入"),
             ("财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")),
}
# Parts of a part. A run of 支出's parts may carry 基本支出's own parts: beside a stated 基本支出 they
# are its detail (skipped); without it they stand for it ('支出799.12万元。其中:人员经费支出434.89万元,
# 公用经费支出77.4万元,项目支出286.83万元' — 南县政协 2021), and 基本支出 counts as stated when all
# of them are. Likewise 财政拨款收入 and the three budgets the 决算 layout lists instead of it.
_SUBPARTS: dict[str, dict[str, tuple[str, ...]]] = {
    "支出": {"基本支出": ("人员经费", "公用经费")},
    "收入": {"财政拨款收入": ("一般公共预算财政拨款收入", "政府性基金预算财政拨款收入", "国有资本经营预算财政拨款收入")},
}
_BUDGETS = ("budget_initial", "budget", "budget_any")
_WINDOW = 3  # paragraphs between a whole and its next part, or a total score and its groups


@dataclass
class Statement:
    """A number the text states, with what it is said to be."""

    para: int  # 1-based body paragraph
    value: float  # as written
    decimals: int
    unit: str  # 亿元 / 万元 / 元 / % / 分
    raw: str  # as written: '1,129.76万元'
    item: str | None = None
    qualifier: str | None = None
    role: str | None = None  # share / rate / change / total / group / other (None: a plain amount)
    group: str | None = None  # 一级 group of a group score
    share_of: str | None = None  # item named in '占…的 N%'
    part: int | None = None  # index of the amount a share is a share of
    in_brackets: bool = False
    context: str = ""  # the sentence part it stands in (since the last 。；), whitespace removed
    wan: float = 0.0  # money in 万元 (after a unit slip is corrected)
    slipped: bool = False
    lists: bool = False  # '…万元，其中：' follows: the parts of this amount come next
    overall: bool = False  # a 总计 ('收入总计', '收、支总计'), which also holds carry-overs
    category: str | None = None  # the sub-category's own word when item is 类别 ('工资福利支出')

    @property
    def name(self) -> str | None:
        """What messages call it: the words the text used for a sub-category, else the item."""
        return self.category if self.item == _CATEGORY and self.category else self.item

    @property
    def money(self) -> bool:
        return self.unit in ("亿元", "万元", "元")

    @property
    def half_unit(self) -> float:
        """Half a unit of the last written digit, in 万元 for money (rounding as written)."""
        half = 0.5 / 10**self.decimals
        return half * _TO_WAN.get(self.unit, 1.0)

    def shown(self) -> str:
        if self.slipped:
            return f"{_num(self.wan)}万元（正文写作 {self.raw}）"
        return self.raw


_TO_WAN = {"亿元": 10_000.0, "万元": 1.0, "元": 0.0001}


def _num(value: float) -> str:
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _wan(value: float) -> str:
    return f"{_num(value)}万元"


def _in_unit(value: float, unit: str) -> str:
    """An amount held in 万元, shown in the text's own unit ('881300.39 元' where the text counts
    in 元, not '88.13万元')."""
    if unit == "元":
        return f"{_num(round(value / _TO_WAN['元'], 2))}元"
    if unit == "亿元":
        return f"{_num(value / _TO_WAN['亿元'])}亿元"
    return _wan(value)


# --------------------------------------------------------------------------- reading statements


def _depth_before(text: str, pos: int) -> int:
    opened = text.count("（", 0, pos) + text.count("(", 0, pos)
    closed = text.count("）", 0, pos) + text.count(")", 0, pos)
    return opened - closed


def _last_cut(text: str, ends: str) -> int:
    return max(text.rfind(ch) for ch in ends)


def _keywords(text: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(last item keyword, its implied qualifier, last qualifier, the item's word as written)
    in a stretch of text.

    A sub-category named first stays the subject: in '“三公”经费财政拨款支出预算为44.52万元' the
    '支出预算' is the 三公经费's budget, not the unit's whole 支出. An item followed by '包括' /
    '用于' … is a topic whose content comes next: in '项目支出包括委员活动经费36.3万元' the amount is
    the 委员活动经费, which the vocabulary does not name."""
    item = implied = qualifier = item_word = None
    item_end = 0
    for m in _KEYWORD_RE.finditer(text):
        word = m.group(0)
        if word in _NEUTRAL:
            continue
        if word in _ITEMS:
            if item == _CATEGORY and _ITEMS[word].name in ("支出", "收入"):
                implied = _ITEMS[word].qualifier or implied
                continue
            item, implied, item_end, item_word = _ITEMS[word].name, _ITEMS[word].qualifier, m.end(), word
        else:
            qualifier = _QUALIFIERS[word]
    if item is not None and _CONTENT_OF_RE.search(text, item_end):
        item = implied = item_word = None
    return item, implied, qualifier, item_word


def parse_paragraph(n: int, raw_text: str) -> list[Statement]:
    """The statements of paragraph n (1-based)."""
    text = raw_text.translate(_TRANS)
    # Stored and converted texts carry half-width commas for '，': outside a number (1,463.31) one
    # ends a clause like '，' does. Titles are blanked (same length, so positions hold).
    text = re.sub(r",(?!\d)|(?<!\d),", "，", text)
    text = _TITLE_RE.sub(lambda m: "《" + "□" * (len(m.group(0)) - 2) + "》", text)
    out: list[Statement] = []
    prev_end = 0
    last_money: dict[int, int] = {}  # sentence-part start → index (in out) of its last money amount
    for m in _AMOUNT_RE.finditer(text):
        start, end = m.start(), m.end()
        whole, frac, unit = m.group(1), m.group(2) or "", m.group(3)
        st = Statement(para=n, value=float(whole.replace(",", "") + ("." + frac if frac else "")),
                       decimals=len(frac), unit=unit, raw=m.group(0).strip())
        sentence = _last_cut(text[:start], _SENTENCE_END) + 1
        part_start = _last_cut(text[:start], _PART_END) + 1
        since = max(prev_end, sentence)
        context = text[since:start]
        clause = context[_last_cut(context, _CLAUSE_END) + 1:]
        prev_end = end
        st.in_brackets = _depth_before(text, start) > 0
        part_end = min([i for i in (text.find(ch, end) for ch in _PART_END) if i >= 0] or [len(text)])
        st.context = re.sub(r"\s+", "", text[part_start:part_end])
        item, implied, qualifier, word = _keywords(clause)
        if item is None and qualifier is not None and unit != "分":
            # '基本支出预算为769.78万元，实际支出为769.78万元': the subject carries over the comma.
            item, implied, _q, word = _keywords(text[part_start:start])
        if item is None and qualifier is None and (bare := _BARE_TOTAL_RE.fullmatch(clause)):
            item = bare.group(1)
        st.item, st.qualifier = item, qualifier or implied
        if item == _CATEGORY:
            st.category = word
        st.lists = bool(_LISTS_RE.match(text[end:]))
        # A 决算's 收入总计/支出总计 adds the year's carry-overs to the year's 收入/支出: stated parts
        # of the year may fall short of it (never exceed it).
        st.overall = "总计" in clause
        if _NOT_A_STATEMENT_RE.search(clause) or _APPROXIMATE_AFTER_RE.match(text[end:]):
            st.role = "change"
        elif unit == "%":
            if _SHARE_RE.search(clause):
                st.role = "share"
                at = max(clause.rfind("占"), 0)
                st.share_of = _keywords(clause[at:])[0]
                st.part = last_money.get(part_start)
            elif st.qualifier == "rate":
                st.role = "rate"
            else:
                st.role = "other"
        elif unit == "分":
            _score_role(st, clause, text[sentence:start])
        elif st.item is None and _TOTAL_MARK_RE.search(clause):
            st.role = "total"  # '人员经费…、公用经费…，合计251.16万元'
        if st.money and not st.in_brackets:
            last_money[part_start] = len(out)
        out.append(st)
    # '总分100分，自评得分96分': in one sentence part, every total but the last is the scale.
    totals = [st for st in out if st.role == "total" and st.unit == "分"]
    for a, b in zip(totals, totals[1:], strict=False):
        if a.context == b.context:
            a.role = "other"
    return out


def _score_role(st: Statement, clause: str, sentence: str) -> None:
    if "分别" in clause or _WEIGHT_RE.search(clause) or st.in_brackets:
        st.role = "other"  # per-indicator points, a weight, a deduction, '产出指标（50分）'
        return
    group = _GROUP_RE.search(clause)
    total = _TOTAL_SCORE_RE.search(clause)
    if group is None and total is None:
        groups = list(_GROUP_RE.finditer(sentence))  # '3.满意度指标：…满意度达100%得10分'
        group = groups[0] if len(groups) == 1 else None
    if group is not None:  # '产出指标自评得分45分': the group's points, not the total
        st.role, st.group = "group", _GROUPS[group.group(1) or "预算执行"]
    elif total is not None:
        st.role = "total"
    else:
        st.role = "other"


# --------------------------------------------------------------------------- the tables


@dataclass
class _Form:
    form_id: int
    kind: str
    name: str
    total_score: float | None
    unit: float  # the funds block's money unit in 万元 (1 for 万元, 0.0001 for 元)
    total: dict[str, Any] = field(default_factory=dict)  # the 年度资金总额 row
    sources: list[dict[str, Any]] = field(default_factory=list)  # 当年财政拨款, 上年结转 … rows
    expense: dict[str, float] = field(default_factory=dict)  # department: 基本支出 / 项目支出
    names: tuple[str, ...] = ()  # how the text may name it (project forms)


_NAME_TRIM_RE = re.compile(r"[（(][^）)]*[）)]|专项经费$|专项资金$|项目经费$|项目资金$|专项$|项目$|经费$|资金$")


def _names(name: str) -> tuple[str, ...]:
    full = re.sub(r"\s+", "", name)
    core = _NAME_TRIM_RE.sub("", full)
    core = _NAME_TRIM_RE.sub("", core)
    inner = re.findall(r"[（(]([^）)]{4,})[）)]", full)
    return tuple(n for n in dict.fromkeys([full, core, *inner]) if len(n) >= 4)


def _forms(ext: Any) -> list[_Form]:
    from .normalize import INDICATOR_INDEX

    forms: list[_Form] = []
    for f in ext.forms:
        fid = f["form_id"]
        total = f.get("total_score")
        if total is None:  # no 合计 row: the sum of the scores, as the reports show it
            col, fcol = INDICATOR_INDEX["score"], INDICATOR_INDEX["form_id"]
            parts = [r[col] for r in ext.indicators if r[fcol] == fid and r[col] is not None]
            parts += [r["score"] for r in ext.funds if r["form_id"] == fid and r["section"] == "total" and r["score"] is not None]
            total = sum(parts) if parts else None
        unit = 0.0001 if f.get("money_unit") == "元" else 1.0
        form = _Form(form_id=fid, kind=f.get("kind") or "project", name=f.get("name") or f.get("title") or "",
                     total_score=total, unit=unit)
        for r in ext.funds:
            if r["form_id"] != fid:
                continue
            if r["section"] == "total" and not form.total:
                form.total = r
            elif r["section"] == "source":
                form.sources.append(r)
            elif r["section"] == "expense" and r.get("amount") is not None:
                for key in ("基本支出", "项目支出"):
                    if key in str(r.get("source") or "") and key not in form.expense:
                        form.expense[key] = float(r["amount"])
        if form.kind == "project" and form.name:
            form.names = _names(form.name)
        forms.append(form)
    return forms


# --------------------------------------------------------------------------- the checks


class _Checker:
    def __init__(self, paragraphs: list[str], ext: Any, file: str) -> None:
        self.paragraphs = paragraphs
        self.file = file
        self.forms = _forms(ext) if ext is not None else []
        self.findings: list[Finding] = []
        self.statements = [st for n, text in enumerate(paragraphs, 1) if text.strip() for st in parse_paragraph(n, text)]
        # Each paragraph's numbered section ('一、…', '第二部分…' start one), for statements that
        # belong together only under one heading.
        self.sections: list[int] = []
        for text in paragraphs:
            self.sections.append((self.sections[-1] if self.sections else 0) + bool(_SECTION_RE.match(text)))
        self.amounts = [st for st in self.statements if st.money and not st.in_brackets and st.role != "change"]
        self.reported: set[tuple[str, int, str]] = set()
        self.whole_of: dict[int, Statement] = {}  # a part's statement id → the whole it is stated under

    def emit(self, code: str, para: int, expected: Any, actual: Any, target: _Form | None = None, **fields: Any) -> None:
        rule = RULES[code]
        if target is not None:
            fields["form"] = f"“{target.name}”自评" if target.name else "自评"
        key = (code, para, str(actual))
        if key in self.reported:
            return
        self.reported.add(key)
        self.findings.append(Finding(
            rule=code, severity=rule.severity, file=self.file, sheet=NARRATIVE_SHEET, cell=f"第{para}段",
            form=target.name if target is not None else None, message=rule.message.format(**fields), expected=str(expected), actual=str(actual),
        ))

    def run(self) -> list[Finding]:
        self.unit_slips()
        self.whole_of = self.parts_and_wholes()
        self.shares(self.whole_of)
        self.against_tables()
        self.points()
        return self.findings

    # ------------------------------------------------------------ N705
    def unit_slips(self) -> None:
        """The same figure in 元 and in 万元: the one in the document's minority unit is a slip."""
        for st in self.statements:
            if st.money:
                st.wan = st.value * _TO_WAN[st.unit]
        units: dict[float, dict[str, list[Any]]] = {}
        count = {"万元": 0, "元": 0}
        for st in self.statements:
            if st.unit in count and not st.in_brackets:
                units.setdefault(st.value, {}).setdefault(st.unit, []).append(st)
                count[st.unit] += 1
        for form in self.forms:
            unit = "元" if form.unit < 1 else "万元"
            values = [form.total.get(k) for k in ("budget_initial", "budget", "spent")] + list(form.expense.values())
            for v in values:
                if isinstance(v, (int, float)) and v == v:
                    units.setdefault(round(float(v), 6), {}).setdefault(unit, []).append(form)
                    count[unit] += 1
        major = "元" if count["元"] > count["万元"] else "万元"
        minor = "万元" if major == "元" else "元"
        for value, by_unit in units.items():
            if minor not in by_unit or major not in by_unit or not _distinctive(value):
                continue
            other = by_unit[major][0]
            where = f"第{other.para}段" if isinstance(other, Statement) else f"“{other.name}”自评表"
            for st in by_unit[minor]:
                if not isinstance(st, Statement):
                    continue  # a table's unit is declared in its header: the text is what slipped
                st.slipped = True
                st.wan = st.value * _TO_WAN[major]
                shown = other.raw if isinstance(other, Statement) else f"{_num(value)}{major}"
                self.emit("N705", st.para, f"{_num(value)}{major}", st.raw, item=st.name or "金额",
                          stated=st.raw, where=where, other=shown)

    # ------------------------------------------------------------ N703
    def parts_and_wholes(self) -> dict[int, Statement]:
        """Each stated whole with the parts stated right after it (or right before a 合计);
        returns part statement id → its whole, for the shares.

        A whole is an amount named as one (支出合计, 基本支出 …), a 合计 after its parts, or an
        amount the text itself says is divided next: 'X元，其中：基本支出…，项目支出…' makes X the
        whole of those parts whatever X is called ('机构运行 1100910.5 元,其中:基本支出 1100910.5 元,
        项目支出 0元' — 梧州 2021). Such an unnamed whole needs two parts of one family after it."""
        whole_of: dict[int, Statement] = {}
        amounts = self.amounts
        for k, whole in enumerate(amounts):
            family = whole.item
            if family in _FAMILIES:
                parts, subs = self._run(amounts[k + 1:], family, whole)
            elif whole.item is None and whole.role is None and whole.lists:
                # The broader reading first: '支出800万元，其中：人员经费400万元，公用经费100万元' may
                # leave a 项目支出 unsaid (支出, incomplete) rather than misstate a 基本支出.
                runs = [(f, *self._run(amounts[k + 1:], f, whole)) for f in ("支出", "收入", "基本支出")]
                family, parts, subs = max(runs, key=lambda r: len(r[1]) + sum(map(len, r[2].values())))
                if len(parts) + sum(map(len, subs.values())) < 2:
                    continue
            elif whole.role == "total" and whole.item is None:  # '人员经费…，公用经费…，合计…': the parts come first
                family, parts = self._run_before(amounts[:k], whole)
                subs = {}
                if family is None:
                    continue
            else:
                continue
            if not parts and not subs:
                continue
            for p in [*parts.values(), *(s for member, got in subs.items() if member not in parts for s in got.values())]:
                whole_of[id(p)] = whole
            self._compare_sum(family, whole, parts, subs)
        return whole_of

    @staticmethod
    def _compatible(part: Statement, whole: Statement) -> bool:
        a, b = part.qualifier, whole.qualifier
        if a is None or b is None or a == b:
            return True
        return a in _BUDGETS and b in _BUDGETS

    def _run(self, after: list[Statement], family: str, whole: Statement
             ) -> tuple[dict[str, Statement], dict[str, dict[str, Statement]]]:
        """The parts stated after a whole: (member → statement, member → its own parts stated)."""
        members, _required = _FAMILIES[family]
        subparts = _SUBPARTS.get(family, {})
        parts: dict[str, Statement] = {}
        subs: dict[str, dict[str, Statement]] = {}
        last = whole.para
        for st in after:
            if st.para - last > _WINDOW or st.role is not None or not self._compatible(st, whole):
                break
            member = next((m for m, names in subparts.items() if st.item in names), None)
            if st.item in members and st.item not in parts and st.item not in subs:
                parts[st.item] = st  # type: ignore[index]
            elif member is not None and st.item not in subs.get(member, {}):
                subs.setdefault(member, {})[st.item] = st  # type: ignore[index]
            else:
                break
            last = st.para
        return parts, subs

    def _run_before(self, before: list[Statement], whole: Statement) -> tuple[str | None, dict[str, Statement]]:
        parts: dict[str, Statement] = {}
        family: str | None = None
        for st in reversed(before):
            if st.para != whole.para:
                break
            fam = next((f for f, (members, _r) in _FAMILIES.items() if st.item in members), None)
            if fam is None or (family is not None and fam != family) or st.item in parts or st.role is not None:
                break
            family = fam
            parts[st.item] = st  # type: ignore[index]
        return family, parts

    def _compare_sum(self, family: str, whole: Statement, parts: dict[str, Statement],
                     subs: dict[str, dict[str, Statement]]) -> None:
        members, required = _FAMILIES[family]
        subparts = _SUBPARTS.get(family, {})
        # A member's own parts count where the member is not stated itself (else they are its detail).
        standing = {m: got for m, got in subs.items() if m not in parts}
        counted = [*parts.values(), *(s for got in standing.values() for s in got.values())]
        total = sum(p.wan for p in counted)
        # Rounding as written, and at least 0.01 in the whole's own unit (0.01 万元 for a 万元 text,
        # 0.01 元 — not 100 元 — for a text that counts in 元).
        tol = max(0.01 * _TO_WAN.get(whole.unit, 1.0), whole.half_unit + sum(p.half_unit for p in counted))
        diff = round(total - whole.wan, 9)
        complete = all(r in parts or set(subparts.get(r, ("-",))) <= set(standing.get(r, {})) for r in required)
        if abs(diff) <= tol or ((not complete or whole.overall) and diff <= tol):
            return
        ordered = [p for m in members for p in ([parts[m]] if m in parts else standing.get(m, {}).values())]
        names = " + ".join(f"{p.name} {p.shown()}" for p in ordered)
        unit = whole.unit if not whole.slipped and all(p.unit == whole.unit and not p.slipped for p in counted) else "万元"
        self.emit("N703", whole.para, _in_unit(total, unit), whole.shown(), whole_item=whole.name or family,
                  whole=whole.shown(), parts=names, sum=_in_unit(total, unit), diff=_in_unit(abs(diff), unit))

    # ------------------------------------------------------------ N704
    def shares(self, whole_of: dict[int, Statement]) -> None:
        by_para: dict[int, list[Statement]] = {}
        for st in self.statements:
            by_para.setdefault(st.para, []).append(st)
        unstated: list[tuple[Statement, Statement]] = []  # (share, part) of a named whole with no amount
        for st in self.statements:
            if st.role != "share" or st.part is None:
                continue
            part = by_para[st.para][st.part]
            if part.in_brackets or part.role == "change":
                continue
            whole = self._named_whole(st, part) if st.share_of else whole_of.get(id(part))
            if whole is None and st.share_of in _FAMILIES:
                unstated.append((st, part))
            if whole is None or whole is part or not whole.wan:
                continue
            computed = part.wan / whole.wan * 100
            if round(abs(computed - st.value), 9) <= _share_tol(st):
                continue
            # Anchored where the whole is stated; a share stated further on is pointed to.
            stated = st.raw if st.para == whole.para else f"{st.raw}（第{st.para}段）"
            self.emit("N704", whole.para, f"{computed:.2f}%", st.raw, part_item=part.name or "该项",
                      stated=stated, part=part.shown(), whole=whole.shown(), computed=f"{computed:.2f}%")
        self._share_sums(unstated)

    def _share_sums(self, unstated: list[tuple[Statement, Statement]]) -> None:
        """Shares of one named whole whose amount the text does not state ('基本支出预算…占一般公共预算
        支出的84.06%' … '项目支出…占一般公共预算支出的 19.62%' — 梧州 2024): disjoint parts cannot hold
        more than 100 % of one whole. Only where the parts are the whole's required set (基本支出 and
        项目支出 for 支出) is the whole their sum; the share that is off that sum is reported at its own
        paragraph (no paragraph states the whole). Grouped within one numbered section (一、二、…)."""
        groups: dict[tuple[str, int], list[tuple[Statement, Statement]]] = {}
        for st, part in unstated:
            family = st.share_of or ""
            if part.item in _FAMILIES[family][0] and part.role is None:
                groups.setdefault((family, self.sections[st.para - 1]), []).append((st, part))
        for (family, _section), group in groups.items():
            items = [part.item for _st, part in group]
            if len(set(items)) != len(items) or not set(_FAMILIES[family][1]) <= set(items):
                continue  # a part twice (which whole?) or not the whole's required set
            stated = sum(st.value for st, _p in group)
            whole = sum(part.wan for _st, part in group)
            if stated <= 100 + sum(_share_tol(st) for st, _p in group) or not whole:
                continue
            sum_text = " + ".join(f"{part.item} {part.shown()}" for _st, part in group)
            for st, part in group:
                computed = part.wan / whole * 100
                if round(abs(computed - st.value), 9) <= _share_tol(st):
                    continue
                self.emit("N704", st.para, f"{computed:.2f}%", st.raw, part_item=part.name or "该项", stated=st.raw,
                          part=part.shown(), computed=f"{computed:.2f}%",
                          whole=f"（{sum_text}）（正文未写{family}的金额，各项占比合计已达 {_num(stated)}%）")

    def _named_whole(self, share: Statement, part: Statement) -> Statement | None:
        """'占总支出的77%': the nearest stated amount of that item before the share."""
        candidates = [st for st in self.amounts if st.item == share.share_of and st is not part
                      and share.para - _WINDOW <= st.para <= share.para and st.role is None]
        before = [st for st in candidates if st.para < share.para or self.statements.index(st) < self.statements.index(share)]
        return before[-1] if len(before) >= 1 else None

    # ------------------------------------------------------------ N701 / N702
    def _scope(self, st: Statement) -> _Form | None:
        """The table a statement describes: a project its paragraph names (or a heading just
        above names), the only form of a project report, or the department form where the
        statement's own sentence speaks of the department (本单位, 部门整体 …) and of no project
        (a department report's text names many sums that are not its form's). Unclear: None."""
        if not self.forms:
            return None
        para = st.para
        text = re.sub(r"\s+", "", self.paragraphs[para - 1])
        speaks_of_department = bool(_DEPARTMENT_RE.search(st.context))
        named = [f for f in self.forms if f.names and any(n in text for n in f.names)]
        if not named:
            for back in (para - 1, para - 2):
                if back >= 1:
                    heading = re.sub(r"\s+", "", self.paragraphs[back - 1])
                    if 0 < len(heading) <= 40:
                        named = [f for f in self.forms if f.names and any(n in heading for n in f.names)]
                        if named:
                            break
                    elif heading:
                        break
        departments = [f for f in self.forms if f.kind == "department"]
        if named and speaks_of_department and departments:
            return None  # '本单位共实施X等10个项目，部门整体自评得分96分': which total is meant?
        if len(named) == 1:
            return named[0]
        if named:
            return None
        if len(self.forms) == 1 and self.forms[0].kind == "project":
            return self.forms[0]  # a project report: what it says of 预算/执行 is its project's
        about_projects = "项目" in st.context.replace("项目支出", "")
        if len(departments) == 1 and speaks_of_department and not about_projects:
            return departments[0]
        return None

    def _department(self, st: Statement) -> _Form | None:
        """The department form for 基本支出/项目支出 and 收入/支出 totals: department items,
        unless the statement is placed in a project's context."""
        departments = [f for f in self.forms if f.kind == "department"]
        if len(departments) != 1:
            return None
        scope = self._scope(st)
        return departments[0] if scope is None or scope is departments[0] else None

    def against_tables(self) -> None:
        if not self.forms:
            return
        for st in self.statements:
            if st.in_brackets or st.role == "change":
                continue
            if st.money and st.role is None:
                self._amount(st)
            elif st.role == "rate":
                self._rate(st)
            elif st.role == "total" and st.unit == "分":
                self._score(st)

    def _amount(self, st: Statement) -> None:
        tol = max(0.01, st.half_unit)
        if st.item in ("基本支出", "项目支出"):
            # The form's 按支出性质分 is the budget split (年度预算申请); a report's text as often
            # states the 决算 split ('部门决算总支出…，其中：基本支出…，项目支出…'). Only a budget
            # figure — said so itself, or a part of a budget whole ('支出预算…，其中：') — is compared.
            whole = self.whole_of.get(id(st))
            if (st.qualifier or (whole.qualifier if whole is not None else None)) not in _BUDGETS:
                return
            form = self._department(st)
            if form is None or st.item not in form.expense:
                return
            value = form.expense[st.item]  # 按支出性质分 amounts are written in 万元
            if abs(round(value - st.wan, 9)) > tol:
                self.emit("N702", st.para, _wan(value), st.shown(), form, item=st.item, stated=st.shown(),
                          column=f"按支出性质分的{st.item}", table=_wan(value))
            return
        if st.item in ("支出", "收入") and st.qualifier in _BUDGETS:
            form = self._department(st)
            columns = ("budget_initial", "budget")
        elif st.item is None and st.qualifier in (*_BUDGETS, "spent"):
            form = self._scope(st)
            columns = {"budget_initial": ("budget_initial",), "budget": ("budget",), "budget_any": ("budget_initial", "budget"),
                       "spent": ("spent",)}[st.qualifier]  # type: ignore[index]
        else:
            return
        if form is None or not form.total:
            return
        values = [(c, form.total.get(c)) for c in columns]
        values = [(c, float(v) * form.unit) for c, v in values if isinstance(v, (int, float)) and v == v]
        # A text that agrees with a source row (当年财政拨款) where the table's own total is wrong
        # is the table's problem (B104), not the text's.
        others = [float(r[c]) * form.unit for r in form.sources for c in columns
                  if isinstance(r.get(c), (int, float)) and r[c] == r[c]]
        if not values or any(abs(round(v - st.wan, 9)) <= tol for v in [v for _c, v in values] + others):
            return
        column, value = values[-1]
        label = {"budget_initial": "年初预算数", "budget": "全年预算数", "spent": "全年执行数"}[column]
        item = {"budget_initial": "年初预算数", "budget": "全年预算数", "budget_any": "预算数", "spent": "执行数"}.get(
            st.qualifier or "", "预算数")
        self.emit("N702", st.para, _wan(value), st.shown(), form, item=(st.item or "") + item,
                  stated=st.shown(), column=label, table=_wan(value))

    def _rate(self, st: Statement) -> None:
        form = self._scope(st)
        if form is None or not form.total:
            return
        declared, budget, spent = (form.total.get(k) for k in ("rate", "budget", "spent"))
        candidates = []
        if isinstance(declared, (int, float)) and declared == declared:
            candidates.append(float(declared) * 100)
        if isinstance(budget, (int, float)) and budget and isinstance(spent, (int, float)) and spent == spent:
            candidates.append(float(spent) / float(budget) * 100)
        if not candidates:
            return
        tol = (0.5, 0.05)[st.decimals] if st.decimals < 2 else 0.01
        if any(round(abs(c - st.value), 9) <= tol for c in candidates):
            return
        self.emit("N702", st.para, f"{_num(round(candidates[0], 2))}%", st.raw, form, item="执行率",
                  stated=st.raw, column="执行率", table=f"{_num(round(candidates[0], 2))}%")

    def _score(self, st: Statement) -> None:
        form = self._scope(st)
        if form is None or form.total_score is None:
            return
        tol = 0.5 / 10**st.decimals
        if round(abs(float(form.total_score) - st.value), 9) <= tol:
            return
        self.emit("N701", st.para, _num(form.total_score), _num(st.value), form,
                  stated=_num(st.value), table=_num(form.total_score))

    # ------------------------------------------------------------ N706
    def points(self) -> None:
        scores = [st for st in self.statements if st.unit == "分" and st.role in ("total", "group")]
        totals = [st for st in scores if st.role == "total"]
        for total in totals:
            near = [st for st in scores if st.role == "group" and abs(st.para - total.para) <= _WINDOW
                    and min(totals, key=lambda t: (abs(t.para - st.para), t.para != st.para)) is total]
            groups: dict[str, Statement] = {}
            ambiguous = False
            for st in near:
                if st.group in groups:
                    ambiguous = True
                groups[st.group or ""] = st
            if ambiguous or not groups:
                continue
            stated = sum(st.value for st in groups.values())
            complete = all(g in groups for g in ("产出指标", "效益指标", "满意度指标", "预算执行率"))
            tol = 0.5 / 10**total.decimals + sum(0.5 / 10**st.decimals for st in groups.values())
            diff = round(stated - total.value, 9)
            if abs(diff) <= tol or (not complete and diff <= tol):
                continue
            parts = "、".join(f"{g} {_num(st.value)}" for g, st in groups.items())
            self.emit("N706", total.para, _num(stated), _num(total.value), sum=_num(stated), parts=parts,
                      total=_num(total.value))


def _share_tol(share: Statement) -> float:
    """Rounding as written: 0.5 point for a whole percent, 0.05 for one decimal, 0.01 for more."""
    return (0.5, 0.05)[share.decimals] if share.decimals < 2 else 0.01


_SECTION_RE = re.compile(r"\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、)")


def _distinctive(value: float) -> bool:
    """A figure unlikely to recur by chance: 795.63, 1463.31, 25000 — not 10 or 0."""
    return value >= 1000 or (value >= 10 and value != int(value))


def check_narrative(paragraphs: list[str], ext: Any, file: str) -> list[Finding]:
    """Findings on a report's paragraphs (sheet '正文', cell '第N段'): N701–N706."""
    try:
        return _Checker(paragraphs, ext, file).run()
    except Exception:  # noqa: BLE001 - a text we cannot read raises nothing, and never costs the tables' findings
        return []


def statements(paragraphs: Iterable[str]) -> list[Statement]:
    """Every statement of a text (for tests and for looking at a report)."""
    return [st for n, text in enumerate(paragraphs, 1) for st in parse_paragraph(n, text)]
