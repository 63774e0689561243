"""F — file and structure. F001–F004, F006 and F007 are raised where the file is read
(xlsxtool.api, xlsxtool.word): they are declared here for the catalog; F005 runs on the forms."""

from __future__ import annotations

from .base import Rule

RULES = [
    Rule(
        code='F001', severity='error', title='无法读取',
        message='{detail}',
        fields={"detail": "具体原因"},
        anchor='—',
        explanation='文件无法作为 Excel 工作簿读取：已损坏、不完整（如邮件截断）、不是表格文件（PDF、图片、文本改了扩展名）。',
        example='把一个 PDF 改名为 自评表.xlsx 提交 → F001 这不是 Excel 工作簿（看起来是PDF 文件）',
    ),
    Rule(
        code='F002', severity='error', title='工作簿已加密',
        message='{detail}',
        fields={"detail": "具体原因"},
        anchor='—',
        explanation='工作簿设置了打开密码，内容被加密，无法检查。请取消密码（文件→信息→保护工作簿→用密码进行加密，清空）后重新提交。',
        example='带打开密码的 .xlsx → F002 工作簿设置了打开密码（已加密），无法检查',
    ),
    Rule(
        code='F003', severity='error', title='未找到自评表',
        message='未找到项目支出或部门整体支出绩效自评表（已查看工作表：{sheets}）',
        fields={"sheets": "工作表名"},
        anchor='—',
        explanation='工作簿中没有任何一张能识别的自评表（标题含“自评表”，或带有一级/二级/三级指标表头的表格）。',
        example='只含一张工资表的工作簿 → F003',
    ),
    Rule(
        code='F004', severity='warning', title='公式无缓存值',
        message='有 {count} 个公式单元格没有计算结果（首个：{first}），其数值无法核对；请在 Excel/WPS 中打开并保存一次',
        fields={"count": "个数", "first": "首个单元格"},
        anchor='第一个这样的单元格',
        explanation='公式单元格保存时没有计算结果（文件由程序生成、从未在 Excel 中打开保存）。这些单元格的值无法校验。',
        example='执行率 单元格 =F7/E7 从未计算 → F004',
    ),
    Rule(
        code='F005', severity='error', title='缺少必需的列或区块',
        message='自评表缺少{what}，无法完整校验',
        fields={"what": "具体内容"},
        anchor='表单标题单元格',
        explanation='识别出了自评表，但缺少必需的列或区块（如没有“得分”列、没有资金表）。',
        example='绩效指标表头只有“分值”没有“得分” → F005',
        # A scoring form whose locator found no 得分 column (or other required part): `missing` names it.
        frame="form_totals",
        check=lambda f: f.df["missing"].notna(),
        render=lambda r, f: dict(cell=r["title_cell"], expected=None, actual=None, what=r["missing"]),
    ),
    Rule(
        code='F006', severity='warning', title='部分内容无法识别',
        message='{what}',
        fields={"what": "具体内容"},
        anchor='该部分的第一个单元格',
        explanation='识别出了自评表，但其中某一部分（一个区块、一行表头或一列）无法理解：该部分只提示这一次，其中的行或列不再逐行报错。请核对该部分是否按模板填写，或在配置文件的 labels 中补充同义词。',
        example='资金表只有“预算数”一列、没有执行数 → F006 资金表缺少全年预算数或全年执行数列，资金规则未检查',
    ),
    Rule(
        code='F007', severity='warning', title='Word 报告中没有自评表',
        message='文档中没有找到自评表表格（共 {tables} 个表格），只核对了正文文字',
        fields={"tables": "…"},
        anchor='—',
        explanation='Word 自评报告中没有能识别的自评表表格（整份报告只有文字，或表格不是自评表）：只检查了正文中的数字（N 类规则）。Word 报告不会报 F003。',
        example='只有文字、没有表格的自评报告 → F007',
    ),
]
