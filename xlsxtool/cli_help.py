"""Help pages and usage errors in Chinese.

typer (and the click it vendors) prints its help headings, its usage errors and its option
types in English, with Python type names (`<list[str]>`, `<int range>`). A finance-bureau clerk
reads neither. This module gives typer a help formatter that writes Chinese headings, CJK-aware
columns and no type labels, and turns a usage error into a Chinese sentence.

It depends on typer's vendored click (`typer._click`), pinned with typer in pyproject.toml.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from typer import _click as click
from typer.core import TyperCommand, TyperGroup

HEADINGS = {"Usage": "用法", "Arguments": "参数", "Options": "选项", "Commands": "命令"}
HELP_TEXTS = {"Show this message and exit.": "显示本帮助并退出"}
HELP_HINT = "-h"
_NO_LINE_START = set("，。；：、）》”！？")


def _wrap(text: str, width: int) -> list[str]:
    """Greedy wrap by display width: Chinese breaks between any two characters, other text
    at spaces where it can."""
    # Imported when help is drawn: `import xlsxtool.cli` (every command) need not load the value
    # parsers (≈ 18 ms) for commands that never use them.
    from .values import display_width

    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, used = "", 0
        # '[默认：rich]' stays whole; so does a word of Latin letters.
        for token in re.findall(r"\[[^\]]*\]|[!-~]+| +|[^ -~]", paragraph):
            w = display_width(token)
            # Closing punctuation never starts a line (it may hang one column over).
            if used + w > width and line.strip() and token not in _NO_LINE_START:
                lines.append(line.rstrip())
                line, used = token.lstrip(), display_width(token.lstrip())
            else:
                line, used = line + token, used + w
        lines.append(line.rstrip())
    return lines


def _help_column(text: str) -> str:
    text = HELP_TEXTS.get(text, text)

    def extras(m: re.Match[str]) -> str:  # '[default: 120.0; x>=0]' → '[默认：120.0；≥0]'
        parts = []
        for part in m.group(1).split("; "):
            part = re.sub(r"^default: ", "默认：", part)
            part = re.sub(r"^x>=(.+)$", r"≥\1", part)
            part = re.sub(r"^(.+)<=x$", r"≥\1", part)
            parts.append("必填" if part == "required" else part)
        return "[" + "；".join(parts) + "]"

    return re.sub(r"\[((?:default: |required|x>=|\d)[^\]]*)\]$", extras, text)


def _name_column(text: str) -> str:
    # Type labels ('<list[str]>', '<path>', '<int range>') mean nothing to the reader; every
    # option names its value in Chinese through its metavar instead.
    return re.sub(r"\s*<[^<>]*(?:<[^<>]*>[^<>]*)*>(\.\.\.)?", "", text)


class ChineseFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        args = re.sub(r"\{([^}]*)\}", r"\1", args)  # required arguments are shown bare
        self.write(f"{prefix or '用法：'}{prog} {args}\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        from .values import display_width  # see _wrap

        rows = [(_name_column(a), _help_column(b)) for a, b in rows]
        first = min(max((display_width(a) for a, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for name, text in rows:
            width = display_width(name)
            lines = _wrap(text, max(self.width - first - self.current_indent, 20)) if text else []
            if not lines:
                self.write(f"{indent}{name}\n")
                continue
            if width <= first - col_spacing:
                self.write(f"{indent}{name}{' ' * (first - width)}{lines[0]}\n")
            else:
                self.write(f"{indent}{name}\n{indent}{' ' * first}{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{indent}{' ' * first}{line}\n")


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


class ChineseGroup(TyperGroup):
    context_class = ChineseContext


class ChineseCommand(TyperCommand):
    context_class = ChineseContext


# ------------------------------------------------------------------ usage errors
_VALUE_MESSAGES = [
    (re.compile(r"Input should be a valid integer.*"), "应为整数"),
    (re.compile(r"Input should be a valid number.*"), "应为数字"),
    (re.compile(r"Input should be greater than or equal to (\S+?)\.?$"), r"应大于或等于 \1"),
    (re.compile(r"Input should be greater than (\S+?)\.?$"), r"应大于 \1"),
    (re.compile(r"Input should be less than or equal to (\S+?)\.?$"), r"应小于或等于 \1"),
    (re.compile(r"(?:Value error, )?'(.*)' is not one of (.*?)\.?$"), r"“\1”不是可选的值（可选：\2）"),
]
_USAGE_MESSAGES = [
    (re.compile(r"Option '(.+)' requires an argument\."), r"选项 \1 后面要跟一个值"),
    (re.compile(r"Option '(.+)' requires (\d+) arguments\."), r"选项 \1 后面要跟 \2 个值"),
    (re.compile(r"Option '(.+)' does not take a value\."), r"选项 \1 不带值"),
    (re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)"), r"多余的参数：\1"),
    (re.compile(r"No such command '(.+?)'\.(?: Did you mean (.+)\?)?"), None),
]


def _param_name(param: object) -> str:
    opts = getattr(param, "opts", None) or []
    if getattr(param, "param_type_name", "") == "option" and opts:
        return " / ".join(opts)
    metavar = getattr(param, "metavar", None) or getattr(param, "name", "") or ""
    return str(metavar)


def _value_message(message: str) -> str:
    for pattern, chinese in _VALUE_MESSAGES:
        if pattern.search(message):
            return pattern.sub(chinese, message).replace("'", "")
    return message


def usage_error_text(exc: click.exceptions.UsageError) -> str:
    """The Chinese sentence for a usage error typer raised."""
    exceptions = click.exceptions
    if isinstance(exc, exceptions.NoSuchOption):
        text = f"没有这个选项：{exc.option_name}"
        if exc.possibilities:
            text += f"（是不是 {'、'.join(sorted(exc.possibilities))}？）"
        return text
    if isinstance(exc, exceptions.MissingParameter):
        what = "参数" if getattr(exc.param, "param_type_name", "") == "argument" else "选项"
        return f"缺少{what}：{_param_name(exc.param)}"
    if isinstance(exc, exceptions.BadParameter):
        name = _param_name(exc.param) if exc.param is not None else ""
        return f"{name} 的值无效：{_value_message(exc.message)}" if name else f"值无效：{_value_message(exc.message)}"
    message = exc.message
    for pattern, chinese in _USAGE_MESSAGES:
        m = pattern.search(message)
        if m is None:
            continue
        if chinese is None:  # no such command
            text = f"没有“{m.group(1)}”这个命令"
            if m.group(2):
                text += f"，是不是想用 {m.group(2).replace(chr(39), '')}？"
            return text
        return m.expand(chinese)
    return message


def show_usage_error(exc: click.exceptions.UsageError, echo: object) -> None:
    """Print a usage error as the user should see it: usage line, Chinese reason, where to get help."""
    lines = []
    ctx = exc.ctx
    if ctx is not None:
        lines.append(ctx.get_usage())
    lines.append(f"错误：{usage_error_text(exc)}")
    command = ctx.command_path if ctx is not None else "xlsxtool"
    lines.append(f"（用 {command} {HELP_HINT} 查看帮助）")
    echo("\n".join(lines), err=True)  # type: ignore[operator]
