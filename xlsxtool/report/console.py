"""The rich console report: per file a verdict line, per form a table of findings, then totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..rules import grade
from ..word import location, table_label

if TYPE_CHECKING:
    from ..results import CheckResult, FileResult

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
VERDICT_STYLE = {"通过": "bold green", "需修改": "bold red", "无法读取": "bold magenta"}
VERDICT_MARK = {"通过": "✔", "需修改": "✘", "无法读取": "⚠"}
# For consoles that cannot show the marks above (a Chinese Windows console, GBK): marks GBK has.
GBK_VERDICT_MARK = {"通过": "√", "需修改": "×", "无法读取": "！"}
MAX_DETAILED_FILES = 5  # a bulk run details this many files with findings; the summary has all
MAX_SKIPPED_SHOWN = 8
NOTHING_CHECKED = ("没有检查任何文件：没有找到可检查的工作簿或 Word 报告（.xlsx .xlsm .xls .xlsb .ods .et .docx .doc .wps）。\n"
                   "结论：未检查，不能算通过。")


def _encodable(console: Console, text: str) -> bool:
    try:
        text.encode(console.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _mark(console: Console, verdict: str) -> str:
    return VERDICT_MARK[verdict] if _encodable(console, VERDICT_MARK[verdict]) else GBK_VERDICT_MARK[verdict]


def _grade_text(total: float | None, errors: int) -> str:
    """'总分 96，优'; a form with errors gets no grade yet: its scores are not settled."""
    if total is None:
        return "总分未填"
    if errors:
        return f"总分 {total:g}，待改正后评等级"
    return f"总分 {total:g}，{grade(total)}"


def print_file(console: Console, file: FileResult, annotated: str | None = None, clean_forms: bool = True) -> None:
    """One file: its verdict, notes, file-level findings, a table per form with findings, and
    (unless *clean_forms* is off, as in a bulk run) a line per form without any."""
    verdict = file.verdict
    head = Text()
    head.append(f"{_mark(console, verdict)} {verdict}  ", style=VERDICT_STYLE[verdict])
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
        errors = sum(f.severity == "error" for f in items)
        warnings = len(items) - errors
        score = _grade_text(total, errors)
        if not items:
            if not clean_forms:
                continue
            tick = "✓" if _encodable(console, "✓") else "√"
            console.print(Text(f"   {tick} {name}  — 无问题（{score}）", style="green"))
            continue
        sheet = items[0].sheet or ""
        # A Word report's forms are tables: '第4个表格' and '第4个表格 G24' (SPEC §6).
        where = (table_label(sheet) or sheet) if file.is_word else f"工作表 {sheet}"
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
                 max_forms_in_summary: int = 60, *, quiet: bool = False,
                 max_files: int = MAX_DETAILED_FILES, summary_path: str | None = None) -> None:
    """The whole report. One file: all of it. Several: detail only for files with findings,
    the first *max_files* of them (the summary workbook has every file). *quiet*: the
    closing summary lines only."""
    annotated = annotated or {}
    if not quiet:
        if len(result.files) == 1:
            print_file(console, result.files[0], annotated.get(result.files[0].path))
        else:
            with_findings = [f for f in result.files if f.findings or f.notes]
            for file in with_findings[:max_files]:
                print_file(console, file, annotated.get(file.path), clean_forms=False)
            print_more(console, len(with_findings) - max_files, summary_path)
        print_totals(console, result, max_forms_in_summary)
    else:
        print_totals(console, result, max_forms_in_summary=0)


def print_more(console: Console, more: int, summary_path: str | None) -> None:
    if more <= 0:
        return
    where = f"见汇总表 {summary_path}" if summary_path else "加 --out 文件夹 可得到列出全部文件的汇总表"
    console.print(Text(f"…另有 {more} 个文件有问题，未逐一列出，{where}", style="bold"), soft_wrap=True)
    console.print()


def _short_names(paths: list[str]) -> list[str]:
    """Each path's file name, with as many parent parts as it takes to tell equal names apart
    (``自评报告.pdf`` twice → ``汇总.zip/自评报告.pdf`` and ``mixed/自评报告.pdf``)."""
    parts = [p.replace("\\", "/").split("/") for p in paths]
    depth = [1] * len(parts)
    while True:
        names = ["/".join(ps[-d:]) for ps, d in zip(parts, depth, strict=True)]
        clash = {n for n in names if names.count(n) > 1}
        grow = [i for i, n in enumerate(names) if n in clash and depth[i] < len(parts[i])]
        if not grow:
            return names
        for i in grow:
            depth[i] += 1


def print_skipped(console: Console, result: CheckResult) -> None:
    """'跳过 3 个文件：自评报告.pdf（不是工作簿）、…' — nothing found is left unmentioned."""
    if not result.skipped:
        return
    names = _short_names([s.path for s in result.skipped[:MAX_SKIPPED_SHOWN]])
    shown = "、".join(f"{name}（{s.reason}）" for name, s in zip(names, result.skipped, strict=False))
    more = len(result.skipped) - MAX_SKIPPED_SHOWN
    tail = f" 等，共 {len(result.skipped)} 个（完整清单见汇总表“跳过的文件”或 JSON 的 skipped）" if more > 0 else ""
    # Not wrapped: one line per statement, whole file names (and greppable when redirected).
    console.print(Text(f"跳过 {len(result.skipped)} 个文件：{shown}{tail}", style="yellow"), soft_wrap=True)


def print_totals(console: Console, result: CheckResult, max_forms_in_summary: int = 60) -> None:
    rows = [(file, fid, name, total) for file in result.files for fid, name, total in file.form_scores()]
    if rows and len(rows) <= max_forms_in_summary:
        table = Table(title="各表总分与等级", title_justify="left", title_style="bold")
        table.add_column("文件", overflow="fold")
        table.add_column("表单")
        table.add_column("总分", justify="right")
        table.add_column("等级", justify="center")
        for file, fid, name, total in rows:
            errors = sum(f.severity == "error" and f.form_id == fid for f in file.findings)
            g = grade(total)
            style = {"优": "green", "良": "cyan", "中": "yellow", "差": "red"}.get(g or "", "")
            # A form with errors has no grade yet: its scores are what is being corrected.
            shown = Text(f"待改正（错误 {errors}）", style="red") if errors else Text(g or "—", style=style)
            # Where it sits under the input folder: three units' 项目支出绩效自评表.xlsx stay apart.
            where = file.source.rel or file.path.rsplit("/", 1)[-1]
            table.add_row(where, name, f"{total:g}" if total is not None else "—", shown)
        console.print(table)
    print_skipped(console, result)
    if not result.files:
        console.print(NOTHING_CHECKED, style="bold magenta")
        return
    passed = sum(f.verdict == "通过" for f in result.files)
    failed = sum(f.verdict == "需修改" for f in result.files)
    broken = sum(f.verdict == "无法读取" for f in result.files)
    summary = Text()
    summary.append(f"共检查 {len(result.files)} 个文件、{result.forms} 张表：")
    summary.append(f"错误 {result.errors} 项", style="bold red" if result.errors else "green")
    summary.append("，")
    summary.append(f"警告 {result.warnings} 项", style="yellow" if result.warnings else "green")
    summary.append(f"。通过 {passed}，需修改 {failed}，无法读取 {broken}。")
    # The closing lines are never wrapped: a log or a script reads them whole.
    console.print(summary, soft_wrap=True)
    if result.errors:
        console.print("结论：需修改。错误必须改正后才能通过；警告请复核。", style="bold red", soft_wrap=True)
    else:
        console.print("结论：通过。" + ("警告请复核。" if result.warnings else ""), style="bold green", soft_wrap=True)
