"""The command line: a thin shell over xlsxtool.api (see docs/cli.md for every command)."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import __version__
from .cli_help import ChineseCommand, ChineseGroup, show_usage_error

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="xlsxtool",
    help="绩效自评表检查工具：读取、校验并批注 项目支出/部门整体支出 绩效自评表（.xlsx / .xls / .ods / .et）。\n\n"
    "直接把文件拖到程序上（xlsxtool 文件.xlsx）即可检查并生成批注副本。",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    cls=ChineseGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SUBCOMMANDS = ("check", "convert", "rules", "template", "serve")
COMMANDS = {*SUBCOMMANDS, "--help", "-h", "--version"}
# Exit codes (SPEC §4).
EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class OutputFormat(str, Enum):
    rich = "rich"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class FrameFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"
    parquet = "parquet"


def _split_codes(values: list[str] | None) -> list[str]:
    return [c.strip() for v in values or [] for c in v.replace("，", ",").split(",") if c.strip()]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"错误：{message}", err=True)
    return typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"xlsxtool {__version__}")
        raise typer.Exit(0)


@app.callback(cls=ChineseGroup)
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号")] = False,
) -> None:
    """绩效自评表检查工具。"""


@app.command(cls=ChineseCommand)
def check(
    paths: Annotated[list[str], typer.Argument(help="工作簿、文件夹（递归）、通配符或 .zip 压缩包", metavar="路径")],
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="文件夹", help="批注副本与汇总表的输出文件夹（按输入的文件夹结构存放）")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", metavar="rich|json|jsonl|csv", help="rich：屏幕报告；json / jsonl（每个文件一行）/ csv：给脚本用（只在有 --out 时写批注副本）")] = OutputFormat.rich,
    select: Annotated[list[str] | None, typer.Option("--select", metavar="代码", help="只检查这些规则（代码或前缀，如 S2,C301）")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", metavar="代码", help="不检查这些规则（代码或前缀）")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, metavar="N", help="并行进程数（默认：CPU 核数）")] = None,
    no_annotate: Annotated[bool, typer.Option("--no-annotate", help="不生成批注副本")] = False,
    summary: Annotated[Path | None, typer.Option("--summary", metavar="文件", help="汇总工作簿路径（默认：<out>/校验汇总.xlsx）")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出；有 --out 时先删除上次在该文件夹生成的副本")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=0, metavar="秒", help="批量模式下单个文件的时间上限，0 为不限")] = 120.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="只显示最后的汇总几行")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="先说明每张表是怎样识别的：类型、区块、每列的含义及其表头单元格、跳过的行")] = False,
    config: Annotated[Path | None, typer.Option("--config", metavar="文件", help="配置文件（默认：从检查的路径向上查找 xlsxtool.toml 或 pyproject.toml 的 [tool.xlsxtool]）")] = None,
    dropped: Annotated[bool, typer.Option("--dropped", hidden=True)] = False,
) -> None:
    """检查自评表：文件、文件夹、通配符或 .zip。退出码 0 无错误，1 有错误，2 用法错误或没有可检查的文件，3 内部错误。"""
    code = run_check(paths, out=out, output_format=output_format.value, select=select, ignore=ignore, jobs=jobs,
                     annotate=not no_annotate, summary=summary, force=force, timeout=timeout, quiet=quiet,
                     dropped=dropped, explain=explain, config=config)
    raise typer.Exit(code)


def _settings(paths: list[str], config: Path | None) -> Any:
    """The configuration for a run (SPEC §7): --config FILE, else the one found from the paths."""
    from . import config as cfg
    from .rules.base import RuleError
    from .rules.local import load_entry_points

    try:
        settings = cfg.load(config if config is not None else cfg.find(paths))
        load_entry_points()  # rules of installed packages (group xlsxtool.rules)
    except (cfg.ConfigError, RuleError) as exc:
        raise _fail(str(exc)) from None
    return settings


def run_check(
    paths: list[str],
    *,
    out: Path | None = None,
    output_format: str = "rich",
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    jobs: int | None = None,
    annotate: bool = True,
    summary: Path | None = None,
    force: bool = False,
    timeout: float = 120.0,
    dropped: bool = False,
    quiet: bool = False,
    explain: bool = False,
    config: Path | None = None,
) -> int:
    from rich.console import Console

    from . import api
    from .report.outputs import record_outputs, remove_earlier_outputs

    settings = _settings(paths, config)
    # Command-line options win over the configuration file.
    codes = _codes(select if select else settings.select, ignore if ignore else settings.ignore)
    if out is not None and out.exists() and not out.is_dir():
        raise _fail(f"--out 必须是文件夹：{out}")
    console = Console(stderr=False, highlight=False)
    err_console = Console(stderr=True, highlight=False)
    # Copies are written next to the inputs only where a person expects them: a dropped file,
    # a report read on screen. A script asking for JSON/CSV gets copies only in the --out it names.
    annotate = annotate and (output_format == "rich" or dropped or out is not None)
    # Progress goes to stderr, and only when someone watches it there and the run is a bulk one.
    # The report printed meanwhile goes above the bar when stdout is that screen too.
    phases = (_Phases(err_console, redirect_stdout=console.is_terminal)
              if output_format == "rich" and err_console.is_terminal and _bulk(paths) else None)
    exclude = [out] if out is not None else []
    copies: list[str] = []
    notes: list[str] = []
    failed: dict[str, str] = {}
    explained = api.explain(paths, settings) if explain else []
    if explained and output_format == "rich":
        for display, text in explained:
            console.print(f"【识别说明】{display}", style="bold", markup=False, highlight=False)
            console.print(text, markup=False, highlight=False)
            console.print()
    summary_path = summary or (out / "校验汇总.xlsx" if out is not None else None)
    written_summary: Path | None = None
    try:
        with (api.preloader_for(paths) if annotate else None) or nullcontext() as preloader:
            run = api.CheckRun(paths, codes=codes, jobs=jobs, exclude=exclude, timeout=timeout,
                               progress=phases.checking if phases else None, settings=settings)
            report = _report(output_format, console, run.total, quiet, dict(explained))
            summary_writer = _summary_writer(summary_path)
            with (api.Annotator(run.sources, out, force, jobs, preloader) if annotate else nullcontext()) as annotator:
                if annotator is not None and force and out is not None and run.total:
                    # A re-run replaces what the last ones wrote to --out: no stale copy of a
                    # file that now passes (or was withdrawn) is left beside the new ones.
                    remove_earlier_outputs(out, keep=[s.path for s in run.sources])
                # Files are reported as they come, a batch at a time (the batch's copies written
                # first, so the report can name them), and then let go: memory stays flat.
                batch: list[Any] = []
                for result in run:
                    batch.append(result)
                    if len(batch) >= REPORT_BATCH:
                        _report_batch(batch, annotator, report, summary_writer, copies, notes, failed, phases)
                _report_batch(batch, annotator, report, summary_writer, copies, notes, failed, phases)
            if summary_writer is not None and summary_path is not None:
                if phases:
                    phases.phase("写汇总表")
                with summary_writer:
                    written_summary, summary_notes = _write_summary(summary_writer, run.skipped, summary_path, force)
                notes.extend(summary_notes)
        if out is not None:
            record_outputs(out, [Path(p) for p in copies] + ([written_summary] if written_summary else []),
                           replace=force)
    finally:
        if phases:
            phases.stop()
    for display, reason in failed.items():
        err_console.print(f"无法生成批注副本：{display}：{reason}", style="red", markup=False, highlight=False)
    totals = report.totals
    if output_format in ("json", "jsonl"):
        report.finish(run.skipped, {"files": totals.files, "forms": totals.forms, "errors": totals.errors,
                                    "warnings": totals.warnings})
    elif output_format == "rich":
        report.finish(run.skipped, str(written_summary) if written_summary else None)
        _print_notes(console, notes, limit=None if totals.files <= 1 else 10, quiet=quiet)
        if written_summary:
            console.print(f"汇总表：{written_summary}", style="cyan", markup=False, soft_wrap=True)
        if dropped and not copies and not totals.errors and totals.files:
            console.print("没有发现需要标注的问题，未生成批注副本。", style="green")
    if not totals.files and output_format != "rich":
        from .report.console import NOTHING_CHECKED

        err_console.print(NOTHING_CHECKED, markup=False, highlight=False)
    if not totals.files:
        return 2  # nothing to check (SPEC §4): never a silent "passed"
    return 1 if totals.errors else 0


# Files reported (and their copies written) together: large enough that the copies' worker
# processes are kept busy, small enough that findings never pile up.
REPORT_BATCH = 200


def _report_batch(batch: list[Any], annotator: Any, report: Any, summary_writer: Any, copies: list[str],
                  notes: list[str], failed: dict[str, str], phases: _Phases | None) -> None:
    """Write the copies of a batch of checked files, report each, and empty the batch."""
    annotated: dict[str, str] = {}
    if annotator is not None and batch:
        annotated, batch_notes = annotator.annotate(batch, failed=failed,
                                                    progress=phases.copying if phases else None)
        notes.extend(batch_notes)
        copies.extend(annotated.values())
    for result in batch:
        copy = annotated.get(result.path)
        report.add(result, copy, failed.get(result.path))
        if summary_writer is not None:
            summary_writer.add(result, copy)
    if hasattr(report, "flush"):
        report.flush()  # what a batch brought is on screen before the next batch is checked
    batch.clear()


def _summary_writer(path: Path | None) -> Any:
    if path is None:
        return None
    from .report.summary import SummaryWriter

    return SummaryWriter()


def _report(output_format: str, console: Console, total: int, quiet: bool, explained: dict[str, str]) -> Any:
    """The report a run writes file by file: the screen, JSON, JSON lines or CSV on stdout.
    Each has add(result, copy, copy_error), finish(skipped, …) and totals."""
    from .report.console import ConsoleReport, RunTotals
    from .report.export import CsvStream, JsonlStream, JsonStream, file_entry

    if output_format == "rich":
        return ConsoleReport(console, total, quiet=quiet)

    class Machine:
        def __init__(self) -> None:
            self.totals = RunTotals(max_rows=0)
            stream = {"json": JsonStream, "jsonl": JsonlStream, "csv": CsvStream}[output_format]
            self.stream = stream(_write_utf8)

        def add(self, result: Any, copy: str | None, copy_error: str | None) -> None:
            self.totals.add(result)
            if output_format == "csv":
                self.stream.add(result)
                return
            entry = file_entry(result, copy, copy_error)
            if explained:  # how each file was understood, beside its findings
                entry["explain"] = explained.get(entry["path"])
            self.stream.add(entry)

        def finish(self, skipped: list[Any], summary: dict[str, Any]) -> None:
            self.stream.finish(skipped, summary)

    return Machine()


def _codes(select: list[str] | None, ignore: list[str] | None) -> set[str]:
    from .rules import select_codes, unknown_patterns

    sel, ign = _split_codes(select), _split_codes(ignore)
    bad = unknown_patterns(sel + ign)
    if bad:
        raise _fail(f"未知的规则代码：{'、'.join(bad)}（用 xlsxtool rules 查看全部规则）")
    return select_codes(sel or None, ign or None)


def _bulk(paths: list[str]) -> bool:
    """More than one workbook may be involved (a folder, a zip, a glob, several paths)."""
    if len(paths) != 1:
        return True
    p = Path(paths[0])
    return not p.is_file() or p.suffix.lower() == ".zip"


def _write_summary(writer: Any, skipped: list[Any], path: Path, force: bool) -> tuple[Path | None, list[str]]:
    """The summary workbook; in a writable folder when its own folder refuses it."""
    from .report.outputs import fallback_dir, is_unwritable, os_reason

    try:
        return writer.write(path, skipped, force=force), []
    except OSError as exc:
        if not is_unwritable(exc):
            typer.echo(f"无法写出汇总表 {path}：{os_reason(exc)}", err=True)
            return None, []
    folder = fallback_dir()
    try:
        written = writer.write(folder / Path(path).name, skipped, force=False)
    except OSError as exc:
        typer.echo(f"无法写出汇总表 {path}：{os_reason(exc)}", err=True)
        return None, []
    return written, [f"文件夹“{Path(path).parent}”不能写入，汇总表改存到“{folder}”"]


def _print_notes(console: Console, notes: list[str], *, limit: int | None, quiet: bool) -> None:
    if quiet:
        return
    shown = notes if limit is None else notes[:limit]
    for note in shown:
        console.print(note, style="cyan", markup=False)
    if len(notes) > len(shown):
        console.print(f"…另有 {len(notes) - len(shown)} 条说明未列出", style="cyan")


def _write_utf8(text: str) -> None:
    """JSON and CSV are UTF-8 (SPEC §4) whatever the console's encoding (GBK on a Chinese
    Windows): written as bytes, they neither fail nor turn into mojibake in the file."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (an IDE console, a test's capture)
        sys.stdout.write(text)
        return
    buffer.write(text.encode("utf-8"))
    buffer.flush()


class _Phases:
    """Progress of a bulk run on stderr, phase by phase (finding files, checking, writing the
    copies, writing the summary), so the screen never sits blank. Transient: the bar leaves
    nothing behind once the report is printed."""

    def __init__(self, console: Console, redirect_stdout: bool = False) -> None:
        import time

        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.clock = time.monotonic
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(), console=console, transient=True,
            redirect_stdout=redirect_stdout, redirect_stderr=False,
        )
        self.current = "查找文件"
        self.started = self.clock()
        self.task = self.progress.add_task(self.current, total=None, count="", rate="")
        self.progress.start()

    def phase(self, description: str, total: int | None = None) -> None:
        if description != self.current:
            self.current, self.started = description, self.clock()
            # A fresh task: the rate and time left of the last phase mean nothing for this one.
            self.progress.remove_task(self.task)
            self.task = self.progress.add_task(description, total=total, count="", rate="")
            self.progress.refresh()  # drawn now: a phase may end before the next timed refresh

    def _update(self, description: str, done: int, total: int) -> None:
        self.phase(description, total)
        elapsed = self.clock() - self.started
        # The rate over the whole phase, once there is a second of it: results arrive in bursts
        # from the worker processes, and a rate over the last few would jump wildly.
        rate = f"{done / elapsed:.1f} 个/秒" if elapsed >= 1 and done else ""
        self.progress.update(self.task, total=total, completed=done, count=f"{done}/{total}", rate=rate)

    def checking(self, done: int, total: int) -> None:
        self._update("检查", done, total)

    def copying(self, done: int, total: int) -> None:
        self._update("写批注副本", done, total)

    def stop(self) -> None:
        self.progress.stop()


@app.command(cls=ChineseCommand)
def convert(
    paths: Annotated[list[str], typer.Argument(help="工作簿、文件夹、通配符或 .zip", metavar="路径")],
    to: Annotated[FrameFormat, typer.Option("--to", metavar="csv|xlsx|json|parquet", help="输出格式")] = FrameFormat.csv,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="文件夹", help="输出文件夹（默认 xlsxtool-frames）")] = Path("xlsxtool-frames"),
    force: Annotated[bool, typer.Option("--force", help="覆盖输出文件夹中已有的同名文件")] = False,
) -> None:
    """把自评表整理成规整数据表（forms / funds / indicators / goals），每个值都带来源单元格。"""
    from . import api
    from .report import export

    if to == FrameFormat.parquet:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise _fail("导出 parquet 需要安装 pyarrow：pip install 'xlsxtool[parquet]'") from None
    frames, results = api.frames_of(paths)
    if not results:
        raise _fail("没有找到可读取的工作簿或 Word 报告（.xlsx .xlsm .xls .xlsb .ods .et .docx）")
    from .schemas import validate_frames

    # What convert writes is the public schema (xlsxtool.schemas): checked once for the whole
    # batch; a mismatch is our bug, reported as an internal error (exit 3), never written.
    validate_frames(frames)
    existing = [p for p in export.frame_paths(out, to.value, list(frames)) if p.exists()]
    if existing and not force:
        raise _fail(f"输出文件已存在：{'、'.join(map(str, existing))}（加 --force 覆盖，或换一个 --out 文件夹）")
    for r in results:
        for f in r.findings:
            typer.echo(f"{r.path}: {f.rule} {f.message}", err=True)
    written = export.write_frames(frames, out, to.value)
    forms = len(frames["forms"])
    typer.echo(f"已读取 {len(results)} 个文件、{forms} 张表，写出：")
    for p in written:
        typer.echo(f"  {p}")
    raise typer.Exit(1 if any(r.error for r in results) else 0)


@app.command(cls=ChineseCommand)
def rules(
    code: Annotated[str | None, typer.Argument(help="规则代码或前缀，如 S201、S2；省略则列出全部", metavar="代码")] = None,
    config: Annotated[Path | None, typer.Option("--config", metavar="文件", help="配置文件（默认从当前文件夹向上查找）；其中的本地规则一并列出")] = None,
) -> None:
    """列出规则目录，或解释一条规则（给前缀则列出该组规则，与 --select 相同）。"""
    from rich.console import Console
    from rich.table import Table

    from .rules import RULES, group_title, select_codes, unknown_patterns

    _settings(["."], config)  # the bureau's own rules (configuration, installed packages) too
    console = Console(highlight=False)
    wanted = code.strip().upper() if code else None
    rule = RULES.get(wanted) if wanted else None
    if rule is not None:
        level = "错误（必须改正）" if rule.severity == "error" else "警告（请复核）"
        console.print(f"[bold]{rule.code}[/bold]  {rule.title}    级别：{level}    类别：{group_title(rule.group)}")
        console.print(f"\n{rule.explanation}", markup=False)
        console.print(f"\n标注位置：{rule.anchor}", markup=False)
        console.print(f"提示文字：{readable_message(rule.message, rule.fields)}", markup=False)
        if rule.params:
            console.print("容差：" + "，".join(f"{k}={v:g}" for k, v in rule.params.items()))
        if rule.local:
            console.print(f"本地规则，来自：{rule.origin}", markup=False)
        console.print(f"\n示例：{rule.example}", markup=False)
        return
    if wanted and unknown_patterns([wanted]):
        raise _fail(f"未知的规则代码：{code}（用 xlsxtool rules 查看全部规则）")
    codes = select_codes([wanted], None) if wanted else set(RULES)
    title = f"规则目录：{wanted} 开头的 {len(codes)} 条" if wanted else "规则目录（--select / --ignore 可用代码或前缀，如 S2）"
    table = Table(title=title, title_justify="left")
    table.add_column("代码", no_wrap=True)
    table.add_column("级别", no_wrap=True)
    table.add_column("类别", no_wrap=True)
    table.add_column("规则")
    for r in RULES.values():
        if r.code not in codes:
            continue
        style = "red" if r.severity == "error" else "yellow"
        table.add_row(r.code, f"[{style}]{'错误' if r.severity == 'error' else '警告'}[/{style}]", group_title(r.group), r.title)
    console.print(table)


def readable_message(template: str, fields: Mapping[str, str]) -> str:
    """A message template with its fields named in Chinese (as the rule declares them):
    '得分 {score} 超过分值 {weight}' → '得分〈得分〉超过分值〈分值〉'."""
    import string

    parts = []
    for literal, field_name, _spec, _conv in string.Formatter().parse(template):
        parts.append(literal)
        if field_name is not None:
            parts.append(f"〈{fields.get(field_name, '…')}〉")
    return "".join(parts)


@app.command(cls=ChineseCommand)
def template(
    kind: Annotated[str, typer.Argument(help="project（项目支出）| department（部门整体）| sichuan（四川项目表）", metavar="类型")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="文件", help="输出文件（.xlsx）")] = Path("自评表模板.xlsx"),
    year: Annotated[int | None, typer.Option("--year", metavar="年度", help="评价年度，填入标题")] = None,
    unit: Annotated[str | None, typer.Option("--unit", metavar="名称", help="单位名称，填入表头")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")] = False,
) -> None:
    """生成一份空白自评表模板（带公式、数据验证和填表说明）。"""
    try:
        from .templates import TEMPLATE_KINDS, write_template
    except ImportError:
        raise _fail("此版本尚未包含模板功能") from None
    if kind not in TEMPLATE_KINDS:
        raise _fail(f"未知的模板类型：{kind}（可选：{'、'.join(TEMPLATE_KINDS)}）")
    if not output.suffix:
        output = output.with_name(output.name + ".xlsx")
    elif output.suffix.lower() != ".xlsx":
        # The template is an Excel workbook: a .csv or .xls name would lie about its content.
        raise _fail(f"模板是 Excel 工作簿，文件名应以 .xlsx 结尾：{output}")
    if output.exists() and not force:
        raise _fail(f"文件已存在：{output}（加 --force 覆盖）")
    write_template(kind, output, year=year, unit=unit)
    typer.echo(f"已生成模板：{output}")


@app.command(cls=ChineseCommand)
def serve(
    host: Annotated[str, typer.Option("--host", metavar="地址", help="监听地址；默认只允许本机访问，局域网共用时写 0.0.0.0")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", metavar="端口", help="端口号（1–65535）")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open", help="启动后在浏览器中打开页面")] = False,
    token: Annotated[str | None, typer.Option("--token", metavar="口令", help="访问口令：设置后，页面和 API 都要先输入口令（局域网共用时建议设置）")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, metavar="N", help="同时检查的批次数（每批一个进程）")] = 2,
    max_files: Annotated[int, typer.Option("--max-files", min=1, metavar="N", help="每批最多的文件数（含压缩包内的文件）")] = 2000,
    max_upload: Annotated[int, typer.Option("--max-upload", min=1, metavar="MB", help="一次上传的大小上限（MB）")] = 500,
    timeout: Annotated[float, typer.Option("--timeout", min=0, metavar="秒", help="单个文件的处理时间上限，0 为不限")] = 120.0,
    keep: Annotated[float, typer.Option("--keep", min=1, metavar="分钟", help="一批检查完后，上传的文件和结果保留多久（之后删除）")] = 60.0,
) -> None:
    """启动网页服务：在浏览器中拖入文件检查。

    在浏览器中拖入自评表、文件夹或 .zip，查看检查结果，下载批注副本、汇总表和 JSON；另有 JSON API（见 docs/web.md）。
    需要先安装：pip install "xlsxtool[web]"。
    """
    from .web import MISSING_EXTRA, available

    if available() is not None:
        raise _fail(MISSING_EXTRA)
    if not 1 <= port <= 65535:
        raise _fail(f"端口号应在 1–65535 之间：{port}")
    from .web.runner import Limits
    from .web.server import port_problem
    from .web.server import serve as run_server

    problem = port_problem(host, port)
    if problem:
        raise _fail(problem)

    limits = Limits(max_upload_bytes=max_upload * 1024 * 1024, max_files=max_files, timeout=timeout,
                    keep=keep * 60, workers=workers)
    raise typer.Exit(run_server(host, port, limits=limits, token=token or None, open_browser=open_browser,
                                echo=typer.echo))


SHORT_USAGE = """xlsxtool 绩效自评表检查工具 {version}

用法：把自评表文件（.xlsx / .xls / .ods / .et，可以一次拖多个，也可以是文件夹或 .zip 压缩包）
      拖到 xlsxtool 图标上松开。检查结果显示在窗口里；有问题的表会在原文件旁边生成
      “原文件名_校验结果.xlsx”，出错的单元格标红、写了批注。

在命令行中：xlsxtool check 文件夹 --out 校验输出    （更多用法：xlsxtool -h）
"""


def main(argv: list[str] | None = None) -> int:
    """Entry point. A file dropped on the program arrives as `xlsxtool FILE...` (no sub-command)."""
    from typer import _click as click

    from .rules.base import RuleError

    _safe_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if not args and _own_console():
            # Double-clicked: the window would flash and close. Say how to use it and wait.
            typer.echo(SHORT_USAGE.format(version=__version__))
            _wait_for_enter()
            return EXIT_USAGE
        if args[:1] == ["help"]:
            args = ["--help", *args[1:]]
        typo = _mistyped_command(args)
        if typo is not None:
            typer.echo(f"错误：没有“{args[0]}”这个命令，是不是想用 {typo}？\n"
                       f"（如果 {args[0]} 是要检查的文件：找不到它。用 xlsxtool -h 查看帮助）", err=True)
            return EXIT_USAGE
        dropped = bool(args) and args[0] not in COMMANDS and not args[0].startswith("-")
        if dropped and any(a.startswith("-") and a != "-" for a in args):
            # `xlsxtool 表.xlsx --force`: paths then options are the check command's own syntax.
            args, dropped = ["check", "--dropped", *args], False
        if dropped:
            code = run_check(args, dropped=True)
            _pause_if_double_clicked()
            return code
        rv = app(args=args, prog_name="xlsxtool", standalone_mode=False)
        return rv if isinstance(rv, int) else EXIT_OK
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.UsageError as exc:
        show_usage_error(exc, typer.echo)
        return EXIT_USAGE
    except typer.Exit as exc:
        return exc.exit_code
    except RuleError as exc:  # a bureau's own rule failed while it ran: its author's to fix (exit 2)
        typer.echo(f"错误：{exc}", err=True)
        return EXIT_USAGE
    except typer.Abort:
        typer.echo("已中断。", err=True)
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        typer.echo("已中断。", err=True)
        return 130
    except Exception as exc:  # a bug in xlsxtool, not bad input: say so plainly, exit 3 (SPEC §4)
        if os.environ.get("XLSXTOOL_DEBUG"):
            raise
        typer.echo(f"xlsxtool 内部错误：{type(exc).__name__}: {exc}\n请把命令和文件反馈给开发者（设置 XLSXTOOL_DEBUG=1 可看到详细信息）。", err=True)
        return EXIT_INTERNAL


def _safe_streams() -> None:
    """Never fail on the console's encoding: a Chinese Windows console or a redirect there is
    GBK, which lacks some marks we print (✔); those become '?' instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass


def _mistyped_command(args: list[str]) -> str | None:
    """The command a first argument was probably meant to be ('chek' → 'check'), when it is
    neither a command nor a path that exists: `xlsxtool FILE` with a real file is a drop."""
    if not args or args[0].startswith("-") or args[0] in COMMANDS:
        return None
    first = args[0]
    if Path(first).exists() or Path(first).suffix or any(ch in first for ch in "*?[/\\"):
        return None
    match = difflib.get_close_matches(first.lower(), SUBCOMMANDS, n=1, cutoff=0.6)
    return match[0] if match else None


def _own_console() -> bool:
    """Whether this process has a console window to itself: started from Explorer (a double
    click, files dropped on the icon) rather than from a command prompt, whose window stays."""
    if os.name != "nt":
        return False
    try:
        import ctypes

        ids = (ctypes.c_uint * 8)()
        count = ctypes.windll.kernel32.GetConsoleProcessList(ids, 8)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return sys.stdin is not None and sys.stdin.isatty()
    # Us, and the xlsxtool.exe launcher pip made; a command prompt would add cmd.exe.
    return 0 < count <= 2


def _wait_for_enter() -> None:
    try:
        input("按回车键关闭窗口……")
    except (EOFError, OSError):
        pass


def _pause_if_double_clicked() -> None:
    # On Windows a dropped file opens a console that closes at once; keep it open to read.
    if _own_console():
        _wait_for_enter()


if __name__ == "__main__":
    sys.exit(main())
