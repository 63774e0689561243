"""The rich console report: per file a verdict line, per form a table of findings, then totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..rules import grade
from ..word import location, table_label

if TYPE_CHECKING:
    from ..api import CheckResult, FileResult

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
VERDICT_STYLE = {"通过": "bold green", "需修改": "bold red", "无法读取": "bold magenta"}
VERDICT_MARK = {"通过": "✔", "需修改": "✘", "无法读取": "⚠"}


def print_file(console: Console, file: FileResult, annotated: str | None = None) -> None:
    verdict = file.verdict
    head = Text()
    head.append(f"{VERDICT_MARK[verdict]} {verdict}  ", style=VERDICT_STYLE[verdict])
    head.append(file.path, style="bold")
    head.append(f"   {file.forms} 张表，错误 {file.errors} 项，警告 {file.warnings} 项")
    console.print(head)
    for note in file.notes:
        console.print(Text(f"   说明：{note}", style="cyan"))
    file_level = [f for f in file.findings if f.form_id is None]
    for f in file_level:
        line = Text("   ")
        line.append(f"{f.rule} {SEVERITY_LABEL[f.severity]}", style=SEVERITY_STYLE[f.severity])
        line.append(f"  {location(f, file.is_word) if f.cell else ''} {f.message}")
        console.print(line)
    for form_id, name, total in file.form_scores():
        items = [f for f in file.findings if f.form_id == form_id]
        g = grade(total)
        score = f"总分 {total:g}，{g}" if total is not None else "总分未填"
        if not items:
            console.print(Text(f"   ✓ {name}  — 无问题（{score}）", style="green"))
            continue
        sheet = items[0].sheet or ""
        # A Word report's forms are tables: '第4个表格' and '第4个表格 G24' (SPEC §6).
        where = (table_label(sheet) or sheet) if file.is_word else f"工作表 {sheet}"
        errors = sum(f.severity == "error" for f in items)
        warnings = len(items) - errors
        table = Table(
            title=f"{name}（{where}，{score}）：错误 {errors}，警告 {warnings}",
            title_justify="left",
            title_style="bold",
            show_lines=False,
            expand=False,
            pad_edge=False,
        )
        table.add_column("级别", no_wrap=True)
        table.add_column("规则", no_wrap=True)
        table.add_column("单元格", no_wrap=True)
        table.add_column("问题说明", overflow="fold")
        for f in items:
            style = SEVERITY_STYLE[f.severity]
            cell = (location(f, True) if file.is_word else f.cell) or "—"
            table.add_row(Text(SEVERITY_LABEL[f.severity], style=style), Text(f.rule, style=style), cell, f.message)
        console.print(table)
    if annotated:
        console.print(Text(f"   已生成批注副本：{annotated}", style="cyan"))
    console.print()


def print_report(console: Console, result: CheckResult, annotated: dict[str, str] | None = None,
                 max_forms_in_summary: int = 60) -> None:
    annotated = annotated or {}
    for file in result.files:
        print_file(console, file, annotated.get(file.path))
    print_totals(console, result, max_forms_in_summary)


def print_totals(console: Console, result: CheckResult, max_forms_in_summary: int = 60) -> None:
    rows = [(file, name, total) for file in result.files for _fid, name, total in file.form_scores()]
    if rows and len(rows) <= max_forms_in_summary:
        table = Table(title="各表总分与等级", title_justify="left", title_style="bold")
        table.add_column("文件", overflow="fold")
        table.add_column("表单")
        table.add_column("总分", justify="right")
        table.add_column("等级", justify="center")
        for file, name, total in rows:
            g = grade(total)
            style = {"优": "green", "良": "cyan", "中": "yellow", "差": "red"}.get(g or "", "")
            table.add_row(file.path.rsplit("/", 1)[-1], name, f"{total:g}" if total is not None else "—", Text(g or "—", style=style))
        console.print(table)
    passed = sum(f.verdict == "通过" for f in result.files)
    failed = sum(f.verdict == "需修改" for f in result.files)
    broken = sum(f.verdict == "无法读取" for f in result.files)
    summary = Text()
    summary.append(f"共检查 {len(result.files)} 个文件、{result.forms} 张表：")
    summary.append(f"错误 {result.errors} 项", style="bold red" if result.errors else "green")
    summary.append("，")
    summary.append(f"警告 {result.warnings} 项", style="yellow" if result.warnings else "green")
    summary.append(f"。通过 {passed}，需修改 {failed}，无法读取 {broken}。")
    console.print(summary)
    if result.errors:
        console.print("结论：需修改。错误必须改正后才能通过；警告请复核。", style="bold red")
    else:
        console.print("结论：通过。" + ("警告请复核。" if result.warnings else ""), style="bold green")
