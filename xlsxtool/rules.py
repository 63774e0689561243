"""The rule catalog (SPEC §3), defined once as data.

Each rule has a fixed code, a severity, a Chinese message template (filled with the values
involved), the cell it anchors to, a short explanation and an example. `xlsxtool rules CODE`
prints this; reports and `--select/--ignore` use the codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Default tolerances (inclusive). Configurable through `validate(..., tolerances=...)`.
TOLERANCES: dict[str, float] = {
    "money": 0.01,  # 万元/元 amounts: B104, X601, X602
    "rate": 0.001,  # 执行率 as a fraction: 0.1 percentage point (B101)
    "score": 0.01,  # 分值/得分 (B102, S201, S204–S207)
}


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # 'error' | 'warning'
    title: str  # short name shown in tables
    message: str  # template; fields are filled by the validator
    anchor: str  # which cell the finding points to
    explanation: str
    example: str
    params: dict[str, float] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return self.code[0]


GROUPS = {
    "F": "文件与结构",
    "B": "资金（项目资金 / 年度预算申请）",
    "S": "分值与得分",
    "C": "完整性",
    "T": "指标体系",
    "V": "数值格式",
    "X": "跨表核对",
    "N": "正文与表格核对（Word 报告）",
}

_RULES = [
    # F — file and structure
    Rule("F001", "error", "无法读取", "{detail}", "—",
         "文件无法作为 Excel 工作簿读取：已损坏、不完整（如邮件截断）、不是表格文件（PDF、图片、文本改了扩展名）。",
         "把一个 PDF 改名为 自评表.xlsx 提交 → F001 这不是 Excel 工作簿（看起来是PDF 文件）"),
    Rule("F002", "error", "工作簿已加密", "{detail}", "—",
         "工作簿设置了打开密码，内容被加密，无法检查。请取消密码（文件→信息→保护工作簿→用密码进行加密，清空）后重新提交。",
         "带打开密码的 .xlsx → F002 工作簿设置了打开密码（已加密），无法检查"),
    Rule("F003", "error", "未找到自评表", "未找到项目支出或部门整体支出绩效自评表（已查看工作表：{sheets}）", "—",
         "工作簿中没有任何一张能识别的自评表（标题含“自评表”，或带有一级/二级/三级指标表头的表格）。",
         "只含一张工资表的工作簿 → F003"),
    Rule("F004", "warning", "公式无缓存值", "有 {count} 个公式单元格没有计算结果（首个：{first}），其数值无法核对；请在 Excel/WPS 中打开并保存一次",
         "第一个这样的单元格",
         "公式单元格保存时没有计算结果（文件由程序生成、从未在 Excel 中打开保存）。这些单元格的值无法校验。",
         "执行率 单元格 =F7/E7 从未计算 → F004"),
    Rule("F005", "error", "缺少必需的列或区块", "自评表缺少{what}，无法完整校验", "表单标题单元格",
         "识别出了自评表，但缺少必需的列或区块（如没有“得分”列、没有资金表）。",
         "绩效指标表头只有“分值”没有“得分” → F005"),
    Rule("F006", "warning", "部分内容无法识别", "{what}", "该部分的第一个单元格",
         "识别出了自评表，但其中某一部分（一个区块、一行表头或一列）无法理解：该部分只提示这一次，"
         "其中的行或列不再逐行报错。请核对该部分是否按模板填写，或在配置文件的 labels 中补充同义词。",
         "资金表只有“预算数”一列、没有执行数 → F006 资金表缺少全年预算数或全年执行数列，资金规则未检查"),
    # B — funds
    Rule("B101", "error", "执行率计算错误", "执行率填报为 {declared}，按 全年执行数 {spent} ÷ 全年预算数 {budget} 应为 {computed}",
         "执行率单元格",
         "执行率应等于 全年执行数 ÷ 全年预算数，允许 0.1 个百分点的误差。预算为 0 时不计算。",
         "全年预算数 50、全年执行数 45、执行率 100% → B101 应为 90.0%", {"tolerance": 0.001}),
    Rule("B102", "error", "资金得分计算错误", "资金得分 {score} 与 执行率 {rate} × 分值 {weight} = {expected} 不符",
         "资金得分单元格",
         "预算执行率得分 = min(执行率, 100%) × 分值，允许 0.01 分误差。",
         "分值 10、执行率 90%、得分 10 → B102 应为 9", {"tolerance": 0.01}),
    Rule("B103", "warning", "执行数超过预算数", "全年执行数 {spent} 超过全年预算数 {budget}", "全年执行数单元格",
         "执行数大于预算数，通常是填错列或预算未调整，请核实。", "预算 50、执行 55 → B103"),
    Rule("B104", "error", "资金总额与各来源之和不符", "年度资金总额的{column} {total} ≠ {parts}之和 {sum}",
         "年度资金总额行对应列的单元格",
         "年度资金总额应等于 当年财政拨款 + 上年结转 + 其他资金 等各来源之和（分别核对 年初预算数/全年预算数/全年执行数，只核对有来源填了数的列），允许 0.01 的误差。",
         "总额 50，当年财政拨款 40、上年结转 5 → B104 应为 45", {"tolerance": 0.01}),
    Rule("B105", "error", "资金总额缺失", "年度资金总额的{column}为空", "该单元格",
         "年度资金总额行的全年预算数、全年执行数必须填写。", "全年执行数留空 → B105"),
    Rule("B106", "warning", "资金分值非标准", "预算执行率分值为 {weight}，标准为 {expected} 分", "分值单元格",
         "按财预〔2020〕10号，预算执行率一般占 10 分。", "资金分值 20 → B106"),
    Rule("B107", "warning", "调减预算以抬高执行率", "全年预算数 {budget} 被调减到与全年执行数相同（年初预算数 {initial}），执行率被抬高",
         "全年预算数单元格",
         "全年预算数低于年初预算数且恰好等于全年执行数，常见于为凑 100% 执行率而调减预算，请核实调整依据。",
         "年初 100、全年预算 80、执行 80 → B107"),
    # S — scores and weights
    Rule("S201", "error", "得分超过分值", "得分 {score} 超过分值 {weight}", "得分单元格",
         "任何指标的得分都不能超过其分值。", "分值 8、得分 10 → S201", {"tolerance": 0.01}),
    Rule("S202", "error", "分值或得分为负/为零", "{what}", "该单元格",
         "得分不能为负数；有得分的指标分值必须大于 0。", "得分 -2 → S202"),
    Rule("S203", "error", "有分值无得分", "已填分值 {weight}，但得分为空", "得分单元格",
         "填了分值的指标必须自评打分。", "分值 10、得分空 → S203"),
    Rule("S204", "error", "总分值不等于100", "全部分值合计为 {sum}（资金 {funds} + 指标 {indicators}），应为 {expected}",
         "合计/总分行的分值单元格，没有合计行时为标题",
         "预算执行率分值与全部三级指标分值之和应为 100 分。", "资金 10 + 指标 100 = 110 → S204", {"tolerance": 0.01}),
    Rule("S205", "error", "一级指标分值与标注不符", "“{level1}”下各指标分值合计 {sum}，与标注的 {declared} 分不符",
         "一级指标单元格",
         "一级指标标签中写明的分值（如“产出指标（50分）”）应等于其下全部三级指标分值之和。",
         "产出指标（50分）下分值合计 70 → S205", {"tolerance": 0.01}),
    Rule("S206", "error", "合计得分不符", "合计得分填报为 {declared}，资金得分 {funds} + 指标得分 {indicators} = {sum}",
         "合计/总分行的得分单元格",
         "合计（总分）得分应等于 预算执行率得分 + 全部指标得分。", "合计 90，实际加总 110 → S206", {"tolerance": 0.01}),
    Rule("S207", "error", "合计分值不符", "合计分值填报为 {declared}，资金分值 {funds} + 指标分值 {indicators} = {sum}",
         "合计/总分行的分值单元格",
         "合计（总分）分值应等于 预算执行率分值 + 全部指标分值。", "合计 100，实际加总 110 → S207", {"tolerance": 0.01}),
    Rule("S208", "warning", "一级指标权重非标准", "“{level1}”权重为 {weight} 分，标准为 {standard} 分", "一级指标单元格",
         "全国通用权重：产出 50、效益 30、满意度 10（另加预算执行率 10）。四川等自由分配 90 分的表样不检查此项。",
         "产出指标（40分） → S208"),
    Rule("S209", "warning", "目标已完成但扣分", "目标 {target}、实际 {result} 已达成，但得分 {score} 低于分值 {weight}", "得分单元格",
         "定量指标实际值已达到目标值（≥/= 时实际 ≥ 目标，≤ 时实际 ≤ 目标），却没有得满分；请核实扣分理由。",
         "目标 ≥98%、实际 99%、得分 9/10 → S209"),
    Rule("S210", "warning", "目标未完成却满分", "目标 {target}、实际 {result} 未达成，但得分 {score} 等于分值 {weight}", "得分单元格",
         "定量指标实际值未达到目标值却得了满分，请核实。", "目标 ≥95%、实际 90%、得分 10/10 → S210"),
    Rule("S211", "warning", "定性评价与得分不符", "实际完成值“{result}”对应得分区间 {band}，但得分 {score}/{weight}", "得分单元格",
         "定性指标：达成年度指标 得 80–100% 分值；部分达成并具有一定效果 60–80%；未达成且效果较差 0–60%。",
         "“部分达成年度指标并具有一定效果”、得分 10/10 → S211"),
    Rule("S212", "warning", "指标未打分", "三级指标“{name}”有指标值，但分值和得分都为空", "分值单元格",
         "有指标值的三级指标既无分值也无得分，可能漏填。", "竞赛活动举办成功率 100%，分值、得分空 → S212"),
    # C — completeness
    Rule("C301", "error", "扣分未说明原因", "得分 {score} 低于分值 {weight}，但未填写偏差原因分析及改进措施", "偏差原因单元格",
         "凡扣分的指标必须说明偏差原因和改进措施。", "分值 5、得分 3、偏差原因空 → C301"),
    Rule("C302", "error", "实际完成值为空", "三级指标“{name}”已打分，但实际完成值为空", "实际完成值单元格",
         "已打分的指标必须填写实际完成值（全角空格也算空）。", "政策保障 10/10、实际完成值空 → C302"),
    Rule("C303", "error", "年度指标值为空", "三级指标“{name}”已打分，但年度指标值为空", "年度指标值单元格",
         "已打分的指标必须填写年度指标值（目标）。", "C303"),
    Rule("C304", "error", "三级指标名称为空", "该行有分值/得分，但三级指标名称为空", "三级指标单元格",
         "有分值或得分的行必须写明三级指标。", "C304"),
    Rule("C305", "error", "表头信息为空", "{field}为空", "该单元格",
         "项目表必须填写项目名称、主管部门、实施单位；部门表必须填写部门名称。", "主管部门空 → C305"),
    Rule("C306", "warning", "填报信息不全", "表尾{field}为空", "表尾单元格",
         "表尾的填表人、填报日期、联系电话应填写（只检查有表尾的表）。", "联系电话空 → C306"),
    Rule("C307", "warning", "总体目标未填写或照抄", "{what}", "该单元格",
         "年度总体目标的预期目标与实际完成情况都应填写，且实际完成情况不应照抄预期目标。", "C307"),
    Rule("C308", "warning", "残留填表说明", "单元格中仍是填表说明文字：“{text}”", "该单元格",
         "模板中的提示文字（如“对照年度目标，说明…（100字以内）”）没有替换为实际内容。", "C308"),
    Rule("C309", "error", "没有绩效指标", "自评表中没有填写任何绩效指标（三级指标及其指标值、分值或得分）",
         "指标表头单元格，没有表头时为标题",
         "一张自评表至少要有一个填写了指标值、分值或得分的三级指标；指标区块为空（或整张表没有指标区块）的表不能通过。",
         "绩效指标表头下全部为空行 → C309"),
    # T — taxonomy
    Rule("T401", "warning", "未知的一级指标", "一级指标“{level1}”不在标准体系内（产出/效益/满意度/成本）", "一级指标单元格",
         "全国通用体系的一级指标为 产出指标、效益指标、满意度指标、成本指标。", "一级指标“工作指标” → T401"),
    Rule("T402", "warning", "二级指标不属于该一级指标", "二级指标“{level2}”不属于“{level1}”（应为：{allowed}）", "二级指标单元格",
         "产出→数量/质量/时效/成本；效益→经济/社会/生态效益、可持续影响；满意度→服务对象满意度；成本→经济/社会/生态环境成本。",
         "产出指标 下的“社会效益指标” → T402"),
    # V — values
    Rule("V501", "error", "数值栏填了非数字", "{column}填写为“{raw}”，不是数字", "该单元格",
         "分值、得分、金额、执行率等数值栏必须是数字（带千分位、全角数字、百分号都可以识别）。",
         "得分填“满分” → V501"),
    Rule("V502", "warning", "联系电话不正确", "联系电话“{phone}”不像有效的电话号码", "该单元格",
         "应为 11 位手机号（1 开头）或带区号的固定电话（7–8 位）。", "联系电话 1390730 → V502"),
    Rule("V503", "warning", "填报日期不正确", "{what}", "该单元格",
         "填报日期应是日期，且在评价年度至其次年之间。", "2023 年度的表填报日期 2021年3月1日 → V503"),
    # X — across forms
    Rule("X601", "error", "总额与支出性质合计不符", "年度资金总额 {total} ≠ 基本支出 {basic} + 项目支出 {project} = {sum}",
         "年度资金总额的全年预算数单元格",
         "部门整体表：年度资金总额应等于按支出性质分的 基本支出 + 项目支出，允许 0.01 误差。", "X601", {"tolerance": 0.01}),
    Rule("X602", "error", "总额与收入性质合计不符", "年度资金总额 {total} ≠ 按收入性质各项之和 {sum}",
         "年度资金总额的全年预算数单元格",
         "部门整体表：年度资金总额应等于按收入性质分的各项（一般公共预算、政府性基金等）之和。", "X602", {"tolerance": 0.01}),
    Rule("X603", "warning", "项目预算超过部门项目支出", "各项目表全年预算数合计 {sum} 超过部门整体表的项目支出 {project}", "项目支出单元格",
         "同一工作簿（或同一提交）中，各项目支出自评表的全年预算数之和不应超过部门整体表中的项目支出。", "X603"),
]

# Word reports (issue 13), kept apart from the list above so that edits to either merge cleanly:
# F007 (listed with the F rules by group) and N — the narrative against its tables and itself.
_RULES += [
    Rule("F007", "warning", "Word 报告中没有自评表", "文档中没有找到自评表表格（共 {tables} 个表格），只核对了正文文字", "—",
         "Word 自评报告中没有能识别的自评表表格（整份报告只有文字，或表格不是自评表）：只检查了正文中的数字（N 类规则）。"
         "Word 报告不会报 F003。",
         "只有文字、没有表格的自评报告 → F007"),

    Rule("N701", "error", "正文总分与表格不符", "正文所述自评得分 {stated} 分，与{form}表中的总分 {table} 分不符",
         "正文中陈述总分的段落（第N段）",
         "正文中写明的自评得分（自评得分/综合得分/总分）应与该报告自评表的总分一致；按正文写到的位数取整比较。",
         "正文“综合自评得分为96分”，自评表总分 94 → N701"),
    Rule("N702", "error", "正文资金数与表格不符", "正文所述{item} {stated}，与{form}表中的{column} {table} 不符",
         "正文中陈述该数字的段落",
         "正文中写明的预算数、执行数、执行率（或部门的基本支出、项目支出）应与其所描述的自评表资金栏一致；"
         "只比较能确定对应哪张表的清楚陈述，金额允许 0.01 万元（按写到的位数取整）误差。",
         "正文“项目年初预算数为333.56万元”，部门整体表项目支出 300 → N702"),
    Rule("N703", "error", "正文分项之和与总数不符", "正文所述{whole_item} {whole}，而{parts} 合计 {sum}，相差 {diff}",
         "陈述总数的段落",
         "正文中分项之和应等于其总数：基本支出 = 人员经费 + 公用经费；支出 = 基本支出 + 项目支出（+ 上缴上级支出等）；"
         "收入 = 各项收入之和。总数和分项可以分在相邻的几段中；“X元，其中：基本支出…，项目支出…”中 X 即为其总数。"
         "只列出部分分项、或总数是含结转结余的“总计”时，只在分项之和已超过总数时报告。",
         "“基本支出795.63万元，其中：人员支出643.4万元；公用支出149.2万元” → N703（合计 792.6）"),
    Rule("N704", "warning", "正文占比与金额不符", "正文所述{part_item}占比 {stated}，按 {part} ÷ {whole} 计算应为 {computed}",
         "陈述总数的段落",
         "正文中“占 N%”应等于分项 ÷ 总数；写到整数的百分比允许 0.5 个百分点，一位小数 0.05，两位小数 0.01。"
         "“增长/减少 N%”是与上年相比的变化，不按占比核对。正文未写总数金额、而基本支出与项目支出占同一总数的比例"
         "合计超过 100% 时，按两者之和核对，标在占比有误的段落。",
         "“支出1,463.31万元，其中项目支出333.56万元，占22%”（应为 22.79%） → N704"),
    Rule("N705", "warning", "正文金额单位疑似写错", "正文中{item}写作 {stated}，而同一数字在{where}为 {other}，疑为单位写错（元/万元）",
         "写错单位的段落",
         "同一个金额在一处写作“元”、另一处（正文或表格）写作“万元”，多半是单位笔误。",
         "“整体支出795.63万元……基本支出795.63元” → N705"),
    Rule("N706", "warning", "正文各项得分之和与总分不符", "正文所述各项得分合计 {sum} 分（{parts}），与所述总分 {total} 分不符",
         "陈述总分的段落",
         "正文中分别写明的一级指标（产出、效益、满意度、成本）和预算执行率得分，加起来应等于正文写明的总分；"
         "只列出部分项目时，只在合计已超过总分时报告。",
         "“产出指标得45分，效益指标得30分，满意度指标得10分，预算执行率得10分，自评总分98分” → N706（合计 95）"),
]

RULES: dict[str, Rule] = {r.code: r for r in _RULES}


def select_codes(select: list[str] | None, ignore: list[str] | None) -> set[str]:
    """Codes enabled by --select/--ignore. Entries may be codes ('S201') or prefixes ('S2', 'S')."""

    def matches(code: str, patterns: list[str]) -> bool:
        return any(code.startswith(p.strip().upper()) for p in patterns if p.strip())

    codes = set(RULES)
    if select:
        codes = {c for c in codes if matches(c, select)}
    if ignore:
        codes = {c for c in codes if not matches(c, ignore)}
    return codes


def unknown_patterns(patterns: list[str]) -> list[str]:
    """Entries of --select/--ignore that match no rule (a usage error)."""
    return [p for p in patterns if p.strip() and not any(c.startswith(p.strip().upper()) for c in RULES)]


def grade(total_score: float | None) -> str | None:
    """优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60."""
    if total_score is None:
        return None
    if total_score >= 90:
        return "优"
    if total_score >= 80:
        return "良"
    if total_score >= 60:
        return "中"
    return "差"


def rules_markdown() -> str:
    """The catalog as Markdown (docs/rules.md is generated from this; a test keeps them equal)."""
    lines = ["# 规则目录 / Rule catalog", "", "由 `xlsxtool.rules.rules_markdown()` 生成，请勿手改。", ""]
    for group, title in GROUPS.items():
        lines += [f"## {group} — {title}", "", "| 代码 | 级别 | 规则 | 标注位置 | 说明 | 示例 |", "|---|---|---|---|---|---|"]
        for rule in RULES.values():
            if rule.group == group:
                level = "错误" if rule.severity == "error" else "警告"
                cells = [rule.code, level, rule.title, rule.anchor, rule.explanation, rule.example]
                lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)
