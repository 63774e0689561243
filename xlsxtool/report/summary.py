"""The bureau's summary workbook for a bulk run (xlsxwriter, streamed row by row).

Three sheets, each a plain table with its header in one row (sortable, filterable, and
readable by pandas):

* ``汇总``     — one row per checked file: 文件, 单位, 项目/表单, 表数, 错误, 警告, 总分, 结论,
  批注副本 (a link to the annotated copy). A note row with the run totals sits above the
  header (``pd.read_excel(path, sheet_name="汇总", header=1)``).
* ``问题清单`` — every finding, one row each.
* ``规则统计`` — findings per rule and the number of files involved, with a bar chart.
* ``各表得分`` — one row per form: 文件, 表单, 类型, 工作表, 标题单元格, 分值合计, 总分 (numbers),
  等级, 错误, 警告, 结论.
* ``跳过的文件`` — every file found but not checked, and why.

Every sheet prints landscape, one page wide, with its header row repeated on each page.

All text goes through ``safe_cell`` and the workbook is created with ``strings_to_formulas``
and ``strings_to_urls`` off, so nothing a submitter typed can become a formula or a link.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..values import display_width
from ..word import table_label
from .export import atomic_write, safe_cell

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from ..results import CheckResult, FileResult, Skipped

SUMMARY_SHEET, FINDINGS_SHEET, RULES_SHEET = "汇总", "问题清单", "规则统计"
FORMS_SHEET, SKIPPED_SHEET = "各表得分", "跳过的文件"
FORMS_HEADER = ["文件", "表单", "类型", "工作表", "标题单元格", "分值合计", "总分", "等级", "错误", "警告", "结论"]
SKIPPED_HEADER = ["文件", "原因"]
KINDS = {"project": "项目支出", "department": "部门整体支出"}
SUMMARY_HEADER = ["文件", "单位", "项目/表单", "表数", "错误", "警告", "总分", "结论", "批注副本"]
FINDINGS_HEADER = ["文件", "表单", "工作表", "单元格", "规则", "级别", "问题说明", "应为", "实际"]
RULES_HEADER = ["规则", "级别", "规则名称", "次数", "涉及文件数"]
LEVELS = {"error": "错误", "warning": "警告", "info": "提示"}
VERDICT_COLOURS = {  # 结论 → (font, fill), Excel's "good / bad / neutral" palette
    "通过": ("#006100", "#C6EFCE"),
    "需修改": ("#9C0006", "#FFC7CE"),
    "无法读取": ("#FFFFFF", "#7F7F7F"),
}
NAMES_MAX_CHARS = 120  # 项目/表单 cell: keep rows readable; the full list is in 问题清单 / convert
MIN_WIDTH, MAX_WIDTH = 6, 60  # column widths in Excel character units


def write_summary(result: CheckResult, path: Path, *, annotated: dict[str, str], force: bool) -> Path:
    """Write the summary workbook to *path* (``name(2).xlsx`` … if it exists and not *force*).

    *annotated* maps a file's display path to its annotated copy. Returns the path written.
    """
    with SummaryWriter() as writer:
        for r in result.files:
            writer.add(r, annotated.get(r.path))
        return writer.write(path, result.skipped, force=force)


class SummaryWriter:
    """The summary workbook of a run whose files are reported one at a time: each file's rows
    go to spool files on disk as it comes (nothing of it is kept in memory), and `write`
    streams them into the workbook at the end, when the run totals for the 汇总 note row
    above the table are known. The same workbook write_summary makes of a whole CheckResult."""

    SHEETS = (SUMMARY_SHEET, FINDINGS_SHEET, FORMS_SHEET)

    def __init__(self) -> None:
        import tempfile

        self.spools = {name: tempfile.TemporaryFile() for name in self.SHEETS}
        self.files = self.forms = self.errors = self.warnings = 0
        self.verdicts: Counter[str] = Counter()
        self.rule_counts: Counter[str] = Counter()
        self.rule_files: Counter[str] = Counter()  # files each rule was found in
        self.severity: dict[str, str] = {}
        # Measured and counted as rows arrive: the two long sheets' rows are then streamed
        # straight into the package once (see _rows_xml).
        self.widths = {FINDINGS_SHEET: _Widths(FINDINGS_HEADER), FORMS_SHEET: _Widths(FORMS_HEADER)}
        self.rows: Counter[str] = Counter()

    def add(self, r: FileResult, annotated: str | None = None) -> None:
        import pickle

        self.files += 1
        self.forms += r.forms
        self.errors += r.errors
        self.warnings += r.warnings
        self.verdicts[r.verdict] += 1
        pickle.dump((summary_row(r), annotated), self.spools[SUMMARY_SHEET])
        rows = []
        for f in r.findings:
            # A Word report's table reads '第4个表格' (its text '正文', cell '第3段'), SPEC §6.
            sheet = (table_label(f.sheet) or f.sheet) if r.is_word else f.sheet
            rows.append([f.file, f.form, sheet, f.cell, f.rule, LEVELS.get(f.severity, f.severity),
                         f.message, f.expected, f.actual])
            self.rule_counts[f.rule] += 1
            self.severity.setdefault(f.rule, f.severity)
        self.rule_files.update({f.rule for f in r.findings})
        self._spool(FINDINGS_SHEET, rows)
        forms = [[r.path, rec["name"], KINDS.get(rec["kind"] or "", rec["kind"]), rec["sheet"], rec["title_cell"],
                  rec["total_weight"], rec["total_score"],
                  # A form with errors gets no grade yet (as on screen).
                  "待改正" if rec["errors"] else rec["grade"], rec["errors"], rec["warnings"], rec["verdict"]]
                 for rec in r.form_records()]
        self._spool(FORMS_SHEET, forms)

    def _spool(self, name: str, rows: list[list[Any]]) -> None:
        import pickle

        widths = self.widths[name]
        for values in rows:
            widths.see(values)
        self.rows[name] += len(rows)
        pickle.dump(rows, self.spools[name])

    def _spooled(self, name: str) -> Iterator[Any]:
        import pickle

        spool = self.spools[name]
        spool.flush()
        spool.seek(0)
        while True:
            try:
                yield pickle.load(spool)
            except EOFError:
                return

    def write(self, path: Path, skipped: list[Skipped], *, force: bool) -> Path:
        """Write the workbook to *path* (``name(2).xlsx`` … if it exists and not *force*)."""
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        target = path if force else _free_path(path)
        atomic_write(target, lambda tmp: _write(self, skipped, tmp, target.parent))
        return target

    def close(self) -> None:
        for spool in self.spools.values():
            spool.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _free_path(path: Path) -> Path:
    """*path*, or ``stem(2).xlsx``, ``stem(3).xlsx`` … — the first that does not exist."""
    n = 1
    candidate = path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}({n}){path.suffix}")
    return candidate


# ------------------------------------------------------------------------------ helpers
class _Widths:
    """Track the widest cell per column while rows are written, for fitted column widths."""

    def __init__(self, header: list[str]) -> None:
        self.widths = [display_width(h) + 3 for h in header]  # + room for the filter arrow

    def see(self, values: list[Any]) -> None:
        widths = self.widths
        for i, v in enumerate(values):
            # A column already at the widest width it can get needs no more measuring (a bulk
            # summary has tens of thousands of rows).
            if v is None or widths[i] > MAX_WIDTH:
                continue
            text = v if isinstance(v, str) else str(v)
            if 2 * len(text) + 1 <= widths[i]:  # no character is more than two units wide
                continue
            # Every character is at least one unit wide: MAX_WIDTH characters are enough to know.
            longest = max((display_width(line[:MAX_WIDTH + 1]) for line in text.split("\n")), default=0)
            widths[i] = max(widths[i], longest + 1)

    def apply(self, ws: Worksheet) -> None:
        for i, w in enumerate(self.widths):
            ws.set_column(i, i, max(MIN_WIDTH, min(MAX_WIDTH, w)))


def _score(value: Any) -> str:
    """96.0 → '96', 97.5 → '97.5', missing → '—'."""
    if value is None or value != value:  # None or NaN
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}".rstrip("0").rstrip(".")


def _join_limited(names: list[str], limit: int = NAMES_MAX_CHARS) -> str:
    """'甲、乙、丙' — cut at *limit* characters with '…等N项' so a 40-form workbook stays legible."""
    joined = "、".join(names)
    if len(joined) <= limit:
        return joined
    kept: list[str] = []
    used = 0
    for name in names:
        if kept and used + len(name) + 1 > limit:
            break
        kept.append(name if len(name) <= limit else name[: limit - 1] + "…")
        used += len(name) + 1
    return f"{'、'.join(kept)}…等{len(names)}项"


def _unique(values: list[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        if v is not None and v == v and str(v).strip():
            seen.setdefault(str(v).strip(), None)
    return list(seen)


def summary_row(r: FileResult) -> list[Any]:
    """The 汇总 cells of one file (without the link column)."""
    forms = r.extract.forms if r.extract is not None else []
    # 单位: the implementing unit of project forms, the department itself on department forms.
    units = _unique([f.get("name") if f.get("kind") == "department" else f.get("unit") for f in forms])
    if not units:
        units = _unique([f.get("department") for f in forms])
    names = _unique([f.get("name") or f.get("title") for f in forms])
    totals = [total for _fid, _name, total in r.form_scores()]  # declared 总分, else the sum
    # One form (the usual submission): the 总分 as a number, so the column sorts and sums.
    scores: Any = totals[0] if len(totals) == 1 and totals[0] is not None else "、".join(map(_score, totals))
    return [r.path, "、".join(units), _join_limited(names), r.forms, r.errors, r.warnings, scores, r.verdict]


def _link_target(annotated_path: str, base: Path) -> str:
    """The annotated copy relative to the summary's folder when possible, else absolute."""
    target = Path(annotated_path).resolve()
    try:
        return os.path.relpath(target, base.resolve())
    except ValueError:  # another drive on Windows
        return str(target)


def _write_row(ws: Worksheet, row: int, values: list[Any], fmt: Any = None) -> None:
    for col, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(row, col, value, fmt)
        else:
            ws.write_string(row, col, safe_cell(str(value)), fmt)


# ------------------------------------------------------------------------------ writing
def _write(run: SummaryWriter, skipped: list[Skipped], tmp: Path, base: Path) -> None:
    import xlsxwriter

    options = {
        "constant_memory": True,  # rows are flushed as written: bounded memory for 10,000 files
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    draft = tmp.with_name(tmp.name + ".draft")
    wb = xlsxwriter.Workbook(str(draft), options)
    try:
        try:
            header_fmt = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "vcenter"})
            note_fmt = wb.add_format({"bold": True})
            _summary_sheet(wb, run, skipped, base, header_fmt, note_fmt)
            _findings_sheet(wb, run, header_fmt)
            _rules_sheet(wb, run, header_fmt)
            _forms_sheet(wb, run, header_fmt)
            _skipped_sheet(wb, skipped, header_fmt)
            for ws in wb.worksheets():
                _print_landscape(ws, 1 if ws.get_name() == SUMMARY_SHEET else 0)
            names = [ws.get_name() for ws in wb.worksheets()]
        finally:
            wb.close()
        # xlsxwriter names the parts sheet1.xml … in the order the sheets were added.
        _splice_rows(draft, tmp, {f"xl/worksheets/sheet{names.index(name) + 1}.xml": name
                                  for name in (FINDINGS_SHEET, FORMS_SHEET)}, run)
    finally:
        draft.unlink(missing_ok=True)


# ------------------------------------------------------------------------------ long sheets
# 问题清单 and 各表得分 hold a row per finding and per form: 40,000 rows for a thousand files.
# xlsxwriter's per-cell path (type dispatch, escaping, row bookkeeping: ~20 µs a cell) made the
# summary cost as much as all the annotated copies of a bulk run, so these plain, unformatted
# rows are written as sheet XML here — the inline strings xlsxwriter itself writes in
# constant_memory mode — into the package xlsxwriter made with everything else (header row,
# widths, filter, conditional formats, print setup).
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
EXCEL_MAX_CHARS = 32_767  # per cell


def _text_xml(text: str) -> str:
    """Cell text as XML character data, escaped as Excel (and xlsxwriter) do: control
    characters as _xHHHH_, a literal _xHHHH_ with its underscore escaped."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell_xml(ref: str, value: Any) -> str:
    if type(value) is str:  # most cells
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text_xml(safe_cell(value)[:EXCEL_MAX_CHARS])}</t></is></c>'
    if value is None:
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if isinstance(value, numbers.Integral):
            return f'<c r="{ref}"><v>{int(value)}</v></c>'
        number = float(value)
        if math.isfinite(number):
            return f'<c r="{ref}"><v>{number!r}</v></c>'
        return f'<c r="{ref}" t="e"><v>#NUM!</v></c>'  # as xlsxwriter writes NaN
    text = _text_xml(safe_cell(str(value))[:EXCEL_MAX_CHARS])
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _rows_xml(chunks: Iterator[list[list[Any]]], columns: int) -> Iterator[str]:
    """The <row> elements of a sheet's data rows (from its second row on), a chunk at a time."""
    from xlsxwriter.utility import xl_col_to_name

    letters = [xl_col_to_name(c) for c in range(columns)]
    row = 1
    for rows in chunks:
        parts = []
        for values in rows:
            row += 1
            cells = "".join(_cell_xml(f"{letters[c]}{row}", v) for c, v in enumerate(values))
            parts.append(f'<row r="{row}">{cells}</row>')
        yield "".join(parts)


def _splice_rows(draft: Path, out: Path, sheets: dict[str, str], run: SummaryWriter) -> None:
    """Copy the package *draft* to *out*, with each sheet part in *sheets* ({part: sheet name})
    given its spooled rows after the header row xlsxwriter wrote."""
    import zipfile

    from xlsxwriter.utility import xl_rowcol_to_cell

    with zipfile.ZipFile(draft) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = sheets.get(info.filename)
            if name is None:
                dst.writestr(info, src.read(info))
                continue
            xml = src.read(info).decode("utf-8")
            head, sheet_data_end, tail = xml.partition("</sheetData>")
            if not sheet_data_end:  # xlsxwriter always writes one: rows must never go missing quietly
                raise RuntimeError(f"{info.filename}: no </sheetData> to put the {name} rows before")
            columns = len(run.widths[name].widths)
            last = xl_rowcol_to_cell(run.rows[name], columns - 1)
            head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', head, count=1)
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(entry, "w") as fh:
                fh.write(head.encode("utf-8"))
                for chunk in _rows_xml(run._spooled(name), columns):
                    fh.write(chunk.encode("utf-8"))
                fh.write((sheet_data_end + tail).encode("utf-8"))


def _print_landscape(ws: Worksheet, header_row: int) -> None:
    """Landscape A4, every column on one page width (as many pages down as needed), the
    header row repeated: the sheets print readably instead of across three pages."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)


def _forms_sheet(wb: Workbook, run: SummaryWriter, header_fmt: Any) -> None:
    ws = wb.add_worksheet(FORMS_SHEET)
    _write_row(ws, 0, FORMS_HEADER, header_fmt)  # its rows: _splice_rows
    run.widths[FORMS_SHEET].apply(ws)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, run.rows[FORMS_SHEET], len(FORMS_HEADER) - 1)


def _skipped_sheet(wb: Workbook, skipped: list[Skipped], header_fmt: Any) -> None:
    ws = wb.add_worksheet(SKIPPED_SHEET)
    _write_row(ws, 0, SKIPPED_HEADER, header_fmt)
    widths = _Widths(SKIPPED_HEADER)
    for row, item in enumerate(skipped, start=1):
        values = [item.path, item.reason]
        _write_row(ws, row, values)
        widths.see(values)
    widths.apply(ws)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(skipped), 0), len(SKIPPED_HEADER) - 1)


def _summary_sheet(wb: Workbook, run: SummaryWriter, skipped: list[Skipped], base: Path,
                   header_fmt: Any, note_fmt: Any) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    verdicts = run.verdicts
    note = (f"共 {run.files} 个文件、{run.forms} 张表；错误 {run.errors} 条，警告 {run.warnings} 条；"
            f"通过 {verdicts['通过']} 个，需修改 {verdicts['需修改']} 个，无法读取 {verdicts['无法读取']} 个")
    if skipped:
        note += f"；跳过 {len(skipped)} 个（见“{SKIPPED_SHEET}”表）"
    ws.write_string(0, 0, note, note_fmt)
    head = 1
    _write_row(ws, head, SUMMARY_HEADER, header_fmt)
    widths = _Widths(SUMMARY_HEADER)
    link_fmt = wb.add_format({"font_color": "#0563C1", "underline": 1})
    link_col = len(SUMMARY_HEADER) - 1
    row = head
    for values, copy in run._spooled(SUMMARY_SHEET):
        row += 1
        _write_row(ws, row, values)
        widths.see(values)
        if copy:
            text = Path(copy).name
            status = ws.write_url(row, link_col, "external:" + _link_target(copy, base), link_fmt, safe_cell(text))
            if status not in (0, None):  # too long for Excel: show the path as text instead
                ws.write_string(row, link_col, safe_cell(str(copy)))
            widths.see([None] * link_col + [text])
    widths.apply(ws)
    ws.freeze_panes(head + 1, 1)
    ws.autofilter(head, 0, max(row, head), len(SUMMARY_HEADER) - 1)
    verdict_col = SUMMARY_HEADER.index("结论")
    if row > head:
        for verdict, (font, fill) in VERDICT_COLOURS.items():
            ws.conditional_format(head + 1, verdict_col, row, verdict_col, {
                "type": "cell", "criteria": "==", "value": f'"{verdict}"',
                "format": wb.add_format({"font_color": font, "bg_color": fill}),
            })


def _findings_sheet(wb: Workbook, run: SummaryWriter, header_fmt: Any) -> None:
    ws = wb.add_worksheet(FINDINGS_SHEET)
    _write_row(ws, 0, FINDINGS_HEADER, header_fmt)  # its rows: _splice_rows
    run.widths[FINDINGS_SHEET].apply(ws)
    level_col = FINDINGS_HEADER.index("级别")
    rows = run.rows[FINDINGS_SHEET]
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, rows, len(FINDINGS_HEADER) - 1)
    if rows:
        ws.conditional_format(1, level_col, rows, level_col, {
            "type": "cell", "criteria": "==", "value": '"错误"',
            "format": wb.add_format({"font_color": "#9C0006"}),
        })


def _rules_sheet(wb: Workbook, run: SummaryWriter, header_fmt: Any) -> None:
    from ..rules import RULES

    ws = wb.add_worksheet(RULES_SHEET)
    counts, files, severity = run.rule_counts, run.rule_files, run.severity
    order = list(RULES)
    rules = sorted(counts, key=lambda c: (-counts[c], order.index(c) if c in order else len(order), c))
    _write_row(ws, 0, RULES_HEADER, header_fmt)
    widths = _Widths(RULES_HEADER)
    for i, code in enumerate(rules, start=1):
        rule = RULES.get(code)
        values = [code, LEVELS.get(severity[code], severity[code]), rule.title if rule else "",
                  counts[code], files[code]]
        _write_row(ws, i, values)
        widths.see(values)
    widths.apply(ws)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rules), len(RULES_HEADER) - 1)
    if not rules:
        return
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({
        "name": "次数",
        "categories": [RULES_SHEET, 1, 0, len(rules), 0],
        "values": [RULES_SHEET, 1, 3, len(rules), 3],
        "data_labels": {"value": True},
        "fill": {"color": "#4472C4"},
    })
    chart.set_title({"name": "各规则问题次数"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"reverse": True})  # most frequent rule on top, as in the table
    chart.set_size({"width": 560, "height": max(300, 22 * len(rules) + 80)})
    ws.insert_chart(1, len(RULES_HEADER) + 1, chart)
