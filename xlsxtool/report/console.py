"""The rich console report: per file a verdict line, per form a table of findings, then totals."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..rules import grade
from ..word import location, table_label

if TYPE_CHECKING:
    from ..results import FileResult, Skipped

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SEVERITY_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
VERDICT_STYLE = {"通过": "bold green", "需修改": "bold red", "无法读取": "bold magenta"}
VERDICT_MARK = {"通过": "✔", "需修改": "✘", "无法读取": "⚠"}
# For consoles that cannot show the marks above (a Chinese Windows console, GBK): marks GBK has.
GBK_VERDICT_MARK = {"通过": "√", "需修改": "×", "无法读取": "！"}
MAX_DETAILED_FILES = 5  # a bulk run details this many files with findings; the summary has all
FEW_FILES = 5  # up to this many files, no verdict line per clean file: a bulk run has one per file
PRINT_LINES = 50  # a bulk run's verdict lines are printed this many at a time
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


def _head(console: Console, file: FileResult) -> Text:
    """'✘ 需修改  a/b.xlsx   11 张表，错误 3 项，警告 1 项': a file's verdict line."""
    verdict = file.verdict
    head = Text()
    head.append(f"{_mark(console, verdict)} {verdict}  ", style=VERDICT_STYLE[verdict])
    head.append(file.path, style="bold")
    head.append(f"   {file.forms} 张表，错误 {file.errors} 项，警告 {file.warnings} 项")
    return head


def print_file(console: Console, file: FileResult, annotated: str | None = None, clean_forms: bool = True) -> None:
    """One file: its verdict, notes, file-level findings, a table per form with findings, and
    (unless *clean_forms* is off, as in a bulk run) a line per form without any."""
    console.print(_head(console, file))
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


def print_file_lines(console: Console, file: FileResult, annotated: str | None = None) -> None:
    """One file of a bulk run in detail, cheaply: its verdict line, notes, and a line per
    finding ('   错误 S201  高三复习迎考!H14  得分 12 超过分值 10'), printed at once."""
    text = _head(console, file)
    for note in file.notes:
        text.append(f"\n   说明：{note}", style="cyan")
    for f in file.findings:
        where = location(f, file.is_word)
        text.append("\n   ")
        text.append(f"{SEVERITY_LABEL[f.severity]} {f.rule}", style=SEVERITY_STYLE[f.severity])
        text.append(f"  {where}  {f.message}" if where else f"  {f.message}")
    if annotated:
        text.append(f"\n   已生成批注副本：{annotated}", style="cyan")
    console.print(text, soft_wrap=True)
    console.print()


class ConsoleReport:
    """The screen report, printed file by file as a run checks them (nothing kept but counts).

    One file: all of it. A few (up to FEW_FILES): the per-form tables of each file with
    findings. More (a bulk run): a verdict line per file, and a line per finding of the first
    *max_files* files with findings only (the summary workbook has every file); an unreadable
    file's line says why. *quiet*: the closing summary lines only."""

    def __init__(self, console: Console, total: int, *, quiet: bool = False, max_files: int = MAX_DETAILED_FILES,
                 max_forms_in_summary: int = 60) -> None:
        self.console, self.total, self.quiet, self.max_files = console, total, quiet, max_files
        self.compact = total > FEW_FILES
        self.max_forms = 0 if quiet else max_forms_in_summary
        self.totals = RunTotals(self.max_forms)
        self.detailed = self.more = 0
        self.lines: list[Text] = []  # verdict lines not printed yet: printed PRINT_LINES at a time

    def _line(self, text: Text) -> None:
        self.lines.append(text)
        if len(self.lines) >= PRINT_LINES:
            self.flush()

    def flush(self) -> None:
        """Print the verdict lines held back (one print for many lines: rich's cost is per print)."""
        if self.lines:
            self.console.print(Text("\n").join(self.lines), soft_wrap=True)
            self.lines = []

    def add(self, file: FileResult, annotated: str | None = None, copy_error: str | None = None) -> None:
        """Report one checked file (*copy_error*: said on stderr at the end, as for every file)."""
        self.totals.add(file)
        if self.quiet:
            return
        console = self.console
        if self.total == 1:
            print_file(console, file, annotated)
            return
        if not (file.findings or file.notes):
            if self.compact:
                self._line(_head(console, file))
            return
        if self.detailed < self.max_files:
            self.detailed += 1
            self.flush()
            if self.compact:  # a bulk run: a line per finding, not a table per form
                print_file_lines(console, file, annotated)
            else:
                print_file(console, file, annotated, clean_forms=False)
            return
        self.more += 1
        if self.compact:
            line = _head(console, file)
            if file.error:  # why it could not be read: one line, the rest is in the summary
                for f in file.findings[:1]:
                    line.append(f"\n   {f.rule} {f.message}", style=SEVERITY_STYLE[f.severity])
            self._line(line)

    def finish(self, skipped: list[Skipped], summary_path: str | None = None) -> None:
        self.flush()
        if not self.quiet:
            if self.compact and self.more:
                self.console.print()
            print_more(self.console, self.more, summary_path)
        print_closing(self.console, self.totals, skipped)


class RunTotals:
    """What the closing lines need of a run, counted file by file: files, forms, findings,
    verdicts, and the rows of the 各表总分与等级 table while there are at most *max_rows*."""

    def __init__(self, max_rows: int = 60) -> None:
        self.max_rows = max_rows
        self.files = self.forms = self.errors = self.warnings = 0
        self.verdicts: Counter[str] = Counter()
        self.rows: list[tuple[str, str, float | None, int]] | None = []  # None: too many to show

    def add(self, file: FileResult) -> None:
        self.files += 1
        self.forms += file.forms
        self.errors += file.errors
        self.warnings += file.warnings
        self.verdicts[file.verdict] += 1
        if self.rows is None:
            return
        # Where it sits under the input folder: three units' 项目支出绩效自评表.xlsx stay apart.
        where = file.source.rel or file.path.rsplit("/", 1)[-1]
        for fid, name, total in file.form_scores():
            errors = sum(f.severity == "error" and f.form_id == fid for f in file.findings)
            self.rows.append((where, name, total, errors))
        if len(self.rows) > self.max_rows:
            self.rows = None


def print_more(console: Console, more: int, summary_path: str | None) -> None:
    if more <= 0:
        return
    where = f"见汇总表 {summary_path}" if summary_path else "加 --out 文件夹 可得到列出全部文件的汇总表"
    console.print(Text(f"…另有 {more} 个文件有问题，未逐一列出详情，{where}", style="bold"), soft_wrap=True)
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


def print_skipped(console: Console, skipped: list[Skipped]) -> None:
    """'跳过 3 个文件：自评报告.pdf（不是工作簿）、…' — nothing found is left unmentioned."""
    if not skipped:
        return
    names = _short_names([s.path for s in skipped[:MAX_SKIPPED_SHOWN]])
    shown = "、".join(f"{name}（{s.reason}）" for name, s in zip(names, skipped, strict=False))
    more = len(skipped) - MAX_SKIPPED_SHOWN
    tail = f" 等，共 {len(skipped)} 个（完整清单见汇总表“跳过的文件”或 JSON 的 skipped）" if more > 0 else ""
    # Not wrapped: one line per statement, whole file names (and greppable when redirected).
    console.print(Text(f"跳过 {len(skipped)} 个文件：{shown}{tail}", style="yellow"), soft_wrap=True)


def print_closing(console: Console, totals: RunTotals, skipped: list[Skipped]) -> None:
    """The 各表总分与等级 table (when short), the skipped files, the counts and the verdict."""
    if totals.rows:
        table = Table(title="各表总分与等级", title_justify="left", title_style="bold")
        table.add_column("文件", overflow="fold")
        table.add_column("表单")
        table.add_column("总分", justify="right")
        table.add_column("等级", justify="center")
        for where, name, total, errors in totals.rows:
            g = grade(total)
            style = {"优": "green", "良": "cyan", "中": "yellow", "差": "red"}.get(g or "", "")
            # A form with errors has no grade yet: its scores are what is being corrected.
            shown = Text(f"待改正（错误 {errors}）", style="red") if errors else Text(g or "—", style=style)
            table.add_row(where, name, f"{total:g}" if total is not None else "—", shown)
        console.print(table)
    print_skipped(console, skipped)
    if not totals.files:
        console.print(NOTHING_CHECKED, style="bold magenta")
        return
    verdicts = totals.verdicts
    summary = Text()
    summary.append(f"共检查 {totals.files} 个文件、{totals.forms} 张表：")
    summary.append(f"错误 {totals.errors} 项", style="bold red" if totals.errors else "green")
    summary.append("，")
    summary.append(f"警告 {totals.warnings} 项", style="yellow" if totals.warnings else "green")
    summary.append(f"。通过 {verdicts['通过']}，需修改 {verdicts['需修改']}，无法读取 {verdicts['无法读取']}。")
    # The closing lines are never wrapped: a log or a script reads them whole.
    console.print(summary, soft_wrap=True)
    if totals.errors:
        console.print("结论：需修改。错误必须改正后才能通过；警告请复核。", style="bold red", soft_wrap=True)
    else:
        console.print("结论：通过。" + ("警告请复核。" if totals.warnings else ""), style="bold green", soft_wrap=True)
