"""The command line: a thin shell over xlsxtool.api (see docs/cli.md for every command)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import __version__

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="xlsxtool",
    help="绩效自评表检查工具：读取、校验并批注 项目支出/部门整体支出 绩效自评表（.xlsx）。\n\n"
    "直接把文件拖到程序上（xlsxtool 文件.xlsx）即可检查并生成批注副本。",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

COMMANDS = {"check", "convert", "rules", "template", "--help", "-h", "--version"}


class OutputFormat(str, Enum):
    rich = "rich"
    json = "json"
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


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号")] = False,
) -> None:
    """绩效自评表检查工具。"""


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="工作簿、文件夹（递归）、通配符或 .zip 压缩包")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="批注副本与汇总表的输出文件夹")] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="rich（屏幕报告）| json | csv")] = OutputFormat.rich,
    select: Annotated[list[str] | None, typer.Option("--select", help="只检查这些规则（代码或前缀，如 S2,C301）")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="不检查这些规则（代码或前缀）")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="并行进程数（默认：CPU 核数）")] = None,
    no_annotate: Annotated[bool, typer.Option("--no-annotate", help="不生成批注副本")] = False,
    summary: Annotated[Path | None, typer.Option("--summary", help="汇总工作簿路径（默认：<out>/校验汇总.xlsx）")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="批量模式下单个文件的时间上限（秒）")] = 120.0,
) -> None:
    """检查自评表：文件、文件夹、通配符或 .zip。退出码 0 无错误，1 有错误，2 用法错误。"""
    code = run_check(paths, out=out, output_format=output_format.value, select=select, ignore=ignore, jobs=jobs,
                     annotate=not no_annotate, summary=summary, force=force, timeout=timeout)
    raise typer.Exit(code)


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
) -> int:
    from rich.console import Console

    from . import api
    from .report import export
    from .rules import select_codes, unknown_patterns

    sel, ign = _split_codes(select), _split_codes(ignore)
    bad = unknown_patterns(sel + ign)
    if bad:
        raise _fail(f"未知的规则代码：{'、'.join(bad)}（用 xlsxtool rules 查看全部规则）")
    codes = select_codes(sel or None, ign or None)
    if out is not None and out.exists() and not out.is_dir():
        raise _fail(f"--out 必须是文件夹：{out}")
    console = Console(stderr=False, highlight=False)
    err_console = Console(stderr=True, highlight=False)
    # The bar goes to stderr, but only when the user is watching: both streams on a terminal.
    show_progress = output_format == "rich" and err_console.is_terminal and console.is_terminal
    exclude = [out] if out is not None else []
    annotated: dict[str, str] = {}
    notes: list[str] = []
    with (api.preloader_for(paths) if annotate else None) or nullcontext() as preloader:
        result = api.check(paths, codes=codes, jobs=jobs, exclude=exclude, timeout=timeout,
                           progress=_progress(err_console) if show_progress else None)
        if annotate:
            annotated, notes = api.annotate_all(result, out_dir=out, force=force, jobs=jobs, preloader=preloader)
    summary_path = summary or (out / "校验汇总.xlsx" if out is not None else None)
    if summary_path is not None:
        written = api.write_summary(result, summary_path, annotated=annotated, force=force)
        notes.append(f"汇总表：{written}")
    if output_format == "json":
        sys.stdout.write(export.dumps_check_json(export.result_json(result, annotated)) + "\n")
    elif output_format == "csv":
        sys.stdout.write(export.findings_csv(result))
    else:
        from .report.console import print_report

        print_report(console, result, annotated)
        for note in notes:
            console.print(note, style="cyan")
        if dropped and not annotated and not result.errors:
            console.print("没有发现需要标注的问题，未生成批注副本。", style="green")
    return result.exit_code


def _progress(console: Console) -> Callable[[int, int], None]:
    """A callback for api.check: a transient rich progress bar with files/s and ETA."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("检查中"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(), console=console, transient=True,
    )
    task = progress.add_task("check", total=None, rate="")

    def update(done: int, total: int) -> None:
        if total < 2:  # a single file needs no bar
            return
        if not progress.live.is_started:
            progress.start()
        speed = progress.tasks[0].speed or 0
        progress.update(task, total=total, completed=done, rate=f"{speed:.1f} 个/秒" if speed else "")
        if done >= total:
            progress.stop()

    return update


@app.command()
def convert(
    paths: Annotated[list[str], typer.Argument(help="工作簿、文件夹、通配符或 .zip")],
    to: Annotated[FrameFormat, typer.Option("--to", help="csv | xlsx | json | parquet")] = FrameFormat.csv,
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件夹")] = Path("xlsxtool-frames"),
) -> None:
    """把自评表整理成规整数据表（forms / funds / indicators / goals），每个值都带来源单元格。"""
    from . import api
    from .report import export

    frames, results = api.frames_of(paths)
    for r in results:
        for f in r.findings:
            typer.echo(f"{r.path}: {f.rule} {f.message}", err=True)
    if to == FrameFormat.parquet:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise _fail("导出 parquet 需要安装 pyarrow：pip install 'xlsxtool[parquet]'") from None
    written = export.write_frames(frames, out, to.value)
    forms = len(frames["forms"])
    typer.echo(f"已读取 {len(results)} 个文件、{forms} 张表，写出：")
    for p in written:
        typer.echo(f"  {p}")
    raise typer.Exit(1 if any(r.error for r in results) else 0)


@app.command()
def rules(code: Annotated[str | None, typer.Argument(help="规则代码，如 S201；省略则列出全部")] = None) -> None:
    """列出规则目录，或解释一条规则。"""
    from rich.console import Console
    from rich.table import Table

    from .rules import GROUPS, RULES

    console = Console(highlight=False)
    if code:
        rule = RULES.get(code.strip().upper())
        if rule is None:
            raise _fail(f"未知的规则代码：{code}（用 xlsxtool rules 查看全部规则）")
        level = "错误（必须改正）" if rule.severity == "error" else "警告（请复核）"
        console.print(f"[bold]{rule.code}[/bold]  {rule.title}    级别：{level}    类别：{GROUPS[rule.group]}")
        console.print(f"\n{rule.explanation}")
        console.print(f"\n标注位置：{rule.anchor}")
        console.print(f"提示文字：{rule.message}")
        if rule.params:
            console.print("容差：" + "，".join(f"{k}={v:g}" for k, v in rule.params.items()))
        console.print(f"\n示例：{rule.example}")
        return
    table = Table(title="规则目录（--select / --ignore 可用代码或前缀，如 S2）", title_justify="left")
    table.add_column("代码", no_wrap=True)
    table.add_column("级别", no_wrap=True)
    table.add_column("类别", no_wrap=True)
    table.add_column("规则")
    for rule in RULES.values():
        style = "red" if rule.severity == "error" else "yellow"
        table.add_row(rule.code, f"[{style}]{'错误' if rule.severity == 'error' else '警告'}[/{style}]", GROUPS[rule.group], rule.title)
    console.print(table)


@app.command()
def template(
    kind: Annotated[str, typer.Argument(help="project（项目支出）| department（部门整体）| sichuan（四川项目表）")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件 .xlsx")] = Path("自评表模板.xlsx"),
    year: Annotated[int | None, typer.Option("--year", help="评价年度，填入标题")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="单位名称，填入表头")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")] = False,
) -> None:
    """生成一份空白自评表模板（带公式、数据验证和填表说明）。"""
    try:
        from .templates import TEMPLATE_KINDS, write_template
    except ImportError:
        raise _fail("此版本尚未包含模板功能") from None
    if kind not in TEMPLATE_KINDS:
        raise _fail(f"未知的模板类型：{kind}（可选：{'、'.join(TEMPLATE_KINDS)}）")
    if output.exists() and not force:
        raise _fail(f"文件已存在：{output}（加 --force 覆盖）")
    write_template(kind, output, year=year, unit=unit)
    typer.echo(f"已生成模板：{output}")


def main(argv: list[str] | None = None) -> int:
    """Entry point. A file dropped on the program arrives as `xlsxtool FILE...` (no sub-command)."""
    args = list(sys.argv[1:] if argv is None else argv)
    dropped = bool(args) and args[0] not in COMMANDS and not args[0].startswith("-")
    if dropped and any(a.startswith("-") and a != "-" for a in args):
        # `xlsxtool 表.xlsx --force`: paths then options are the check command's own syntax.
        args, dropped = ["check", *args], False
    try:
        if dropped:
            code = run_check(args, dropped=True)
            _pause_if_double_clicked()
            return code
        app(args=args, prog_name="xlsxtool")  # standalone: usage errors print help and exit 2
        return 0
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        typer.echo("已中断。", err=True)
        return 130
    except Exception as exc:  # a bug in xlsxtool, not bad input: say so plainly
        if os.environ.get("XLSXTOOL_DEBUG"):
            raise
        typer.echo(f"xlsxtool 内部错误：{type(exc).__name__}: {exc}\n请把命令和文件反馈给开发者（设置 XLSXTOOL_DEBUG=1 可看到详细信息）。", err=True)
        return 1


def _pause_if_double_clicked() -> None:
    # On Windows a dropped file opens a console that closes at once; keep it open to read.
    if os.name == "nt" and sys.stdin is not None and sys.stdin.isatty():
        try:
            input("按回车键关闭窗口……")
        except EOFError:
            pass


if __name__ == "__main__":
    sys.exit(main())
