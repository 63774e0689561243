"""N — the report's text against its tables (Word documents). Raised by xlsxtool.narrative,
which reads the paragraphs; declared here for the catalog."""

from __future__ import annotations

from .base import Rule

RULES = [
    Rule(
        code='N701', severity='error', title='正文总分与表格不符',
        message='正文所述自评得分 {stated} 分，与{form}表中的总分 {table} 分不符',
        fields={"stated": "…", "form": "…", "table": "…"},
        anchor='正文中陈述总分的段落（第N段）',
        explanation='正文中写明的自评得分（自评得分/综合得分/总分）应与该报告自评表的总分一致；按正文写到的位数取整比较。',
        example='正文“综合自评得分为96分”，自评表总分 94 → N701',
    ),
    Rule(
        code='N702', severity='error', title='正文资金数与表格不符',
        message='正文所述{item} {stated}，与{form}表中的{column} {table} 不符',
        fields={"item": "…", "stated": "…", "form": "…", "column": "列名", "table": "…"},
        anchor='正文中陈述该数字的段落',
        explanation='正文中写明的预算数、执行数、执行率（或部门的基本支出、项目支出）应与其所描述的自评表资金栏一致；只比较能确定对应哪张表的清楚陈述，金额允许 0.01 万元（按写到的位数取整）误差。',
        example='正文“项目年初预算数为333.56万元”，部门整体表项目支出 300 → N702',
    ),
    Rule(
        code='N703', severity='error', title='正文分项之和与总数不符',
        message='正文所述{whole_item} {whole}，而{parts} 合计 {sum}，相差 {diff}',
        fields={"whole_item": "…", "whole": "…", "parts": "…", "sum": "合计", "diff": "…"},
        anchor='陈述总数的段落',
        explanation='正文中分项之和应等于其总数：基本支出 = 人员经费 + 公用经费；支出 = 基本支出 + 项目支出（+ 上缴上级支出等）；收入 = 各项收入之和。总数和分项可以分在相邻的几段中；“X元，其中：基本支出…，项目支出…”中 X 即为其总数。只列出部分分项、或总数是含结转结余的“总计”时，只在分项之和已超过总数时报告。',
        example='“基本支出795.63万元，其中：人员支出643.4万元；公用支出149.2万元” → N703（合计 792.6）',
    ),
    Rule(
        code='N704', severity='warning', title='正文占比与金额不符',
        message='正文所述{part_item}占比 {stated}，按 {part} ÷ {whole} 计算应为 {computed}',
        fields={"part_item": "…", "stated": "…", "part": "…", "whole": "…", "computed": "计算值"},
        anchor='陈述总数的段落',
        explanation='正文中“占 N%”应等于分项 ÷ 总数；写到整数的百分比允许 0.5 个百分点，一位小数 0.05，两位小数 0.01。“增长/减少 N%”是与上年相比的变化，不按占比核对。正文未写总数金额、而基本支出与项目支出占同一总数的比例合计超过 100% 时，按两者之和核对，标在占比有误的段落。',
        example='“支出1,463.31万元，其中项目支出333.56万元，占22%”（应为 22.79%） → N704',
    ),
    Rule(
        code='N705', severity='warning', title='正文金额单位疑似写错',
        message='正文中{item}写作 {stated}，而同一数字在{where}为 {other}，疑为单位写错（元/万元）',
        fields={"item": "…", "stated": "…", "where": "…", "other": "…"},
        anchor='写错单位的段落',
        explanation='同一个金额在一处写作“元”、另一处（正文或表格）写作“万元”，多半是单位笔误。',
        example='“整体支出795.63万元……基本支出795.63元” → N705',
    ),
    Rule(
        code='N706', severity='warning', title='正文各项得分之和与总分不符',
        message='正文所述各项得分合计 {sum} 分（{parts}），与所述总分 {total} 分不符',
        fields={"sum": "合计", "parts": "…", "total": "总额"},
        anchor='陈述总分的段落',
        explanation='正文中分别写明的一级指标（产出、效益、满意度、成本）和预算执行率得分，加起来应等于正文写明的总分；只列出部分项目时，只在合计已超过总分时报告。',
        example='“产出指标得45分，效益指标得30分，满意度指标得10分，预算执行率得10分，自评总分98分” → N706（合计 95）',
    ),
]
