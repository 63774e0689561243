"""Stage 2 — locate: find every 自评表 in a sheet grid and the blocks and columns inside it.

One idea applied everywhere (unpivotr): find a cell by its *normalised label*, then read cells in a
direction from it. Nothing depends on fixed positions or on one province's layout:

* a **form** starts at a title ('…绩效自评表'), or — without a title — where the rows of a form
  begin (header fields, a funds or indicator header); a second form in the same sheet starts at
  its title or where a new 项目名称 / funds block follows a finished one;
* a **header row** is a row that carries known header labels (labels.COLUMN_SYNONYMS); a header
  may take two or three rows (a merged parent over split child columns): the labels of each
  column are combined from top to bottom;
* a **block** (funds, goals, indicators) runs from its header to the next block, the totals row,
  the footer or a row that does not fit it (a goals block worded in an unknown way is not read as
  funds rows); indicator header rows repeated by a later block are skipped;
* text lines between the title and the table (a unit and date line, a contact row) and inside the
  head are read for what they say and never end the form.

Everything decided along the way is recorded (FormLocation.skipped, .unknown, Header.cells) so
`check --explain` can say how a form was understood, and so a part that could not be understood
is reported once (F006) instead of as a row of errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Any

from .labels import _FUZZY_HINT as FUZZY_HINT
from .labels import (
    EXPENSE_MARKER,
    FOOTER_MARKERS,
    INCOME_MARKER,
    NOTE_PREFIXES,
    VOCABULARY,
    column_key,
    field_key,
    is_funds_label,
    is_goals_label,
    is_indicator_label,
    is_info_label,
    is_total_label,
    is_trailer_label,
    prefixed_field,
    source_key,
)
from .read import SheetGrid
from .values import is_blank, norm_label, norm_label_text, parse_number

Pos = tuple[int, int]
Span = tuple[int, int]  # first and last column a header covers (merged headers cover several)

_TITLE_RE = re.compile(r"(绩效)?自评(价)?(结果)?(得分|情况)?表|绩效评价(评分|得分|结果|情况|指标)?表|绩效(目标)?(完成情况|评价)(表|得分表)|评价指标体系(表)?$|区域绩效(自评)?表|绩效目标(申报|批复)?表|绩效评分(细则|表)|评分细则(表)?$")
_YEAR_RE = re.compile(r"(20\d\d)\s*年")

# Column keys of each block's header.
MONEY_KEYS = ("年初预算数", "全年预算数", "全年执行数")
LEVEL_KEYS = ("一级指标", "二级指标", "三级指标")
INDICATOR_VALUE_KEYS = ("年度指标值", "实际完成值", "分值", "得分", "偏差原因", "指标性质", "度量单位", "评分标准",
                        "指标解释")


@dataclass
class Header:
    """A header: canonical column name → the column span its label covers.

    `rows` are the header's rows (one, or a parent row over child rows), `cells` where each
    column's label was read, `unknown` the header cells whose label is not a known column."""

    row: int  # the last row of the header (data rows start below it)
    columns: dict[str, Span]
    rows: list[int] = field(default_factory=list)
    cells: dict[str, Pos] = field(default_factory=dict)
    unknown: list[tuple[Pos, str]] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return all(n in self.columns for n in names)


@dataclass
class IndicatorBlock:
    """One indicator block: its header, its label ('绩效指标', '资金管理情况'), its data rows and
    the totals row that closes it. A form has one, or several with their own headers (a scored
    management block before the indicators, a process part before the results)."""

    header: Header
    label: tuple[str, Pos] | None = None
    rows: list[int] = field(default_factory=list)
    total_row: int | None = None
    total_label_pos: Pos | None = None


@dataclass
class FormLocation:
    sheet: SheetGrid
    index: int  # order of the form in the workbook
    kind: str  # 'project' | 'department'
    top: int  # first row (title row)
    bottom: int  # one past the last row
    left: int
    right: int
    title: str | None = None
    title_pos: Pos | None = None
    year: int | None = None
    fields: dict[str, tuple[Any, Pos]] = field(default_factory=dict)
    info: dict[str, tuple[Any, Pos]] = field(default_factory=dict)  # 填报日期/联系电话… in the head
    money_unit: str | None = None  # '单位：万元' above the table
    funds_label: tuple[str, Pos] | None = None
    funds_header: Header | None = None
    funds_rows: list[int] = field(default_factory=list)
    income_col: int | None = None
    expense_col: int | None = None
    split_rows: list[int] = field(default_factory=list)  # 按收入性质/按支出性质 item rows
    goals_label: Pos | None = None
    goals_header: Header | None = None
    goal_rows: list[int] = field(default_factory=list)
    blocks: list[IndicatorBlock] = field(default_factory=list)
    repeated_headers: list[int] = field(default_factory=list)
    declared_total: tuple[Any, Pos] | None = None  # '自评得分：92分' outside a totals row
    footer_cells: list[Pos] = field(default_factory=list)
    answers: list[Pos] = field(default_factory=list)  # free-text answers outside the blocks (C308)
    # Funds written as label/amount lists: [(label cell, amount cell), …], the total first.
    funds_lists: list[list[tuple[Pos, Pos]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what F005 reports
    unknown: list[tuple[Pos, str]] = field(default_factory=list)  # what F006 reports
    skipped: list[tuple[int, str]] = field(default_factory=list)  # rows read as nothing, and why
    next_start: int | None = None  # where a form without a title begins inside this one's rows

    @property
    def anchor(self) -> Pos:
        return self.title_pos or (self.top, self.left)

    # The first indicator block (most forms have only this one).
    @property
    def indicator_header(self) -> Header | None:
        return self.blocks[0].header if self.blocks else None

    @property
    def indicator_label(self) -> tuple[str, Pos] | None:
        return self.blocks[0].label if self.blocks else None

    @property
    def indicator_rows(self) -> list[int]:
        return [r for b in self.blocks for r in b.rows]

    @property
    def total_row(self) -> int | None:
        """The totals row of the form: the last block's (it closes the whole table)."""
        rows = [b.total_row for b in self.blocks if b.total_row is not None]
        return rows[-1] if rows else None

    @property
    def total_header(self) -> Header | None:
        for b in reversed(self.blocks):
            if b.total_row is not None:
                return b.header
        return None

    @property
    def scoring(self) -> str:
        """What the form can be checked for: 'scored' (a 得分 column, or 分值 with the actual
        values: a self-evaluation), 'targets' (targets, weights and actuals without scoring),
        or 'none' (no indicator block)."""
        if not self.blocks:
            return "none"
        for b in self.blocks:
            cols = b.header.columns
            if "得分" in cols or ("分值" in cols and "实际完成值" in cols):
                return "scored"
        return "targets"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _is_title(text: str, label: str) -> bool:
    """Whether a text cell (and its normalised label) is a form's title."""
    # Titles are short; long prose that mentions 自评表 is not a title.
    return ("评" in text or "绩效" in text) and len(label) <= 48 and bool(_TITLE_RE.search(label)) \
        and "说明" not in label and "填报" not in label[:4] and not label.startswith(("注", "备注"))


def _kind_of(label: str) -> str:
    if "项目" in label and "整体" not in label:
        return "project"
    return "department" if ("部门整体" in label or "整体支出" in label or "部门" in label or "单位整体" in label) else "project"


def _spans_sheet(sheet: SheetGrid, left: int, right: int) -> bool:
    """Whether columns left…right cover every cell of the sheet (the usual form)."""
    return left <= sheet.left and right >= sheet.right


def _anchors_in_row(sheet: SheetGrid, row: int, left: int, right: int) -> list[tuple[int, Any]]:
    """Non-empty cells of this row between left and right, left to right."""
    if _spans_sheet(sheet, left, right):
        return sheet.row_values(row)
    return [(c, v) for c, v in sheet.row_values(row) if left <= c < right]


def _span(sheet: SheetGrid, row: int, col: int) -> Span:
    return (col, sheet.merge_end(row, col))


# ---------------------------------------------------------------- row marks
# What a normalised label can mark a row as (bit flags, so a row's marks are one OR): the
# labels that start or end a block, and the column keys that make a row a block's header.
_FOOTER, _GOALS, _SPLIT, _TOTAL, _FIELD, _FUNDS_LABEL, _IND_LABEL, _NOTE, _TRAILER, _FUNDS_TOTAL = (1 << i for i in range(10))
_TITLE = 1 << 10
_KEY_BASE = 11
_KEY_MARKS = {k: 1 << (_KEY_BASE + i) for i, k in enumerate((
    "年初预算数", "全年预算数", "全年执行数", "执行率", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
    "分值", "得分", "偏差原因", "指标性质", "度量单位", "评分标准", "指标解释", "预期目标", "实际完成情况"))}
_MONEY = _KEY_MARKS["年初预算数"] | _KEY_MARKS["全年预算数"] | _KEY_MARKS["全年执行数"]
_LEVELS = _KEY_MARKS["一级指标"] | _KEY_MARKS["二级指标"] | _KEY_MARKS["三级指标"]
_IND_VALUES = 0
for _k in INDICATOR_VALUE_KEYS:
    _IND_VALUES |= _KEY_MARKS[_k]
_ANY_KEY = 0
for _bit in _KEY_MARKS.values():
    _ANY_KEY |= _bit


def _popcount(n: int) -> int:
    return bin(n).count("1")


_RATE = _KEY_MARKS["执行率"]


def _is_funds_header(marks: int) -> bool:
    money = marks & _MONEY
    if not money:  # most rows
        return False
    return bool(marks & _RATE) or _popcount(money) >= 2


def _is_indicator_header(marks: int) -> bool:
    levels = marks & _LEVELS
    if not levels:
        return False
    values = marks & _IND_VALUES
    # 一级 + 二级 alone (a scoring sheet's first header row) or a level with value columns.
    return bool(values) or _popcount(levels) >= 2


@lru_cache(maxsize=16384)
def _text_info(text: str) -> tuple[str, int]:
    """Normalised label of a text cell and the row marks it carries."""
    label = norm_label_text(text)
    if not label:
        return label, 0
    key = column_key(label) if len(label) <= 24 else None
    marks = _KEY_MARKS.get(key or "", 0)
    if label.startswith(FOOTER_MARKERS):
        marks |= _FOOTER
    if is_goals_label(label):
        marks |= _GOALS
    if INCOME_MARKER in label or EXPENSE_MARKER in label:
        marks |= _SPLIT
    if is_total_label(label) or (":" in label and is_total_label(label.split(":", 1)[0])):
        marks |= _TOTAL
    if len(label) <= 40 and (field_key(label) or prefixed_field(text)):
        marks |= _FIELD
    if len(label) <= 30 and key is None and is_funds_label(label):
        marks |= _FUNDS_LABEL
    if len(label) <= 20 and key is None and is_indicator_label(label):
        marks |= _IND_LABEL
    if label.startswith(NOTE_PREFIXES):
        marks |= _NOTE
    if len(label) <= 30 and is_trailer_label(label):
        marks |= _TRAILER
    if _is_title(text, label):
        marks |= _TITLE
    if len(label) <= 40 and source_key(label.split(":", 1)[0]) == "年度资金总额":
        marks |= _FUNDS_TOTAL  # '年度资金总额', '年度预算资金总额：1084.25': a funds total
    return label, marks


def _label_of(value: Any) -> str:
    return _text_info(value)[0] if isinstance(value, str) else ""


def _marks_of(value: Any) -> int:
    return _text_info(value)[1] if isinstance(value, str) else 0


def _row_marks(cells: list[tuple[int, Any]]) -> int:
    marks = 0
    for _c, v in cells:
        if isinstance(v, str):
            marks |= _text_info(v)[1]
    return marks


def sheet_marks(sheet: SheetGrid) -> list[int]:
    """The row marks of every row of a sheet, in one pass over its cells: the titles are found
    from them, and the locator reads them for forms spanning the sheet."""
    return [_row_marks(sheet.row_values(r)) for r in range(sheet.top, sheet.bottom)]


def find_titles(sheet: SheetGrid, marks: list[int] | None = None) -> list[tuple[Pos, str]]:
    titles: list[tuple[Pos, str]] = []
    for r, row_marks in enumerate(sheet_marks(sheet) if marks is None else marks, sheet.top):
        # A title stands on its own; '项目名称 | …绩效自评表' names a project, it is no title.
        if row_marks & _TITLE and not row_marks & _FIELD:
            for c, v in sheet.row_values(r):
                if isinstance(v, str) and _text_info(v)[1] & _TITLE:
                    titles.append(((r, c), v))
                    break  # one title per row
    return titles


def _labels(cells: list[tuple[int, Any]]) -> list[tuple[int, Any, str]]:
    """(col, value, normalised label) of each cell of a row."""
    return [(c, v, _label_of(v)) for c, v in cells]


def _has_number(cells: list[tuple[int, Any]]) -> bool:
    for _c, v in cells:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return True
        if isinstance(v, str) and parse_number(v).text_typed:
            return True
    return False


# ---------------------------------------------------------------- sheets without a form
# Characters normalising (NFKC, the bracket table, dropped zero-width marks) may turn into a
# header word's characters or cut it apart: Kangxi and other radicals, compatibility and
# enclosed ideographs, full-width forms, brackets. A text holding one is always looked up.
_ODD_CHARS = re.compile("[\u2e80-\u2fdf\u3200-\u33ff\uf900-\ufaff\uff01-\uff5e\U0001f200-\U0001f2ff"
                        "\U0002f800-\U0002fa1f\u200b-\u200d\u2060\ufeff"
                        + re.escape("()【】〔〕〈〉《》「」『』{}[]") + "]")
_NEEDLES: dict[int, tuple[str, ...]] = {}
SMALL_SHEET_TEXTS = 5_000  # fewer distinct texts than this: each is simply looked up


def _needles() -> tuple[str, ...]:
    """What a text that can mark a form's title or a block header holds once its whitespace is
    gone (a necessary condition, never sufficient): the first two characters of each header
    word of the vocabulary that marks a row (a configuration's words included), the fuzzy
    header endings, and the 评 / 绩效 of every title."""
    columns = VOCABULARY.columns
    needles = _NEEDLES.get(id(columns))
    if needles is None:
        words = {word for word, key in columns.items() if word and key in _KEY_MARKS}
        words |= {alt for alt in FUZZY_HINT.pattern.split("|") if alt}
        words |= {"评", "绩效"}
        needles = tuple(sorted({word[:2] for word in words}))
        _NEEDLES.clear()
        _NEEDLES[id(columns)] = needles
    return needles


def may_hold_forms(sheet: SheetGrid) -> bool:
    """Whether a sheet can hold a form: some text cell marks a title or a block header.

    A sheet of many texts (a 200,000-row ledger beside the forms) is scanned cheaply: its
    distinct texts joined without whitespace, searched for the few character pairs a header
    word or a title starts with; only the texts found are looked up as labels. No label
    lookup per cell (locate_forms skips the sheets that cannot hold a form)."""
    texts = [v for v in set(chain.from_iterable(sheet.rows)) if v.__class__ is str and v]
    wanted = _TITLE | _ANY_KEY
    if len(texts) < SMALL_SHEET_TEXTS:  # a form's sheet: its labels are looked up anyway
        return any(_text_info(text)[1] & wanted for text in texts)
    # NUL apart (no text holds one), whitespace dropped as labels are read: '一 级' → '一级'.
    joined = "".join("\0".join(texts).split())
    present = set(joined)
    needles = [n for n in _needles() if all(c in present for c in n)]
    needles += [c for c in present if _ODD_CHARS.match(c)]
    looked: set[str] = set()
    for needle in needles:
        i = joined.find(needle)
        while i >= 0:
            start, end = joined.rfind("\0", 0, i) + 1, joined.find("\0", i)
            end = len(joined) if end < 0 else end
            text = joined[start:end]
            # Its whitespace gone, a text's label is the same; its title test only looser.
            if text not in looked:
                looked.add(text)
                if _text_info(text)[1] & wanted:
                    return True
            i = joined.find(needle, end)
    return False


# ---------------------------------------------------------------- forms in a sheet
def locate_forms(sheets: list[SheetGrid]) -> list[FormLocation]:
    """Every 项目支出 / 部门整体 form in the workbook, in sheet then row order."""
    forms: list[FormLocation] = []
    for sheet in sheets:
        if not may_hold_forms(sheet):
            continue  # no title, no header word: nothing below can start a form here
        marks = sheet_marks(sheet)
        titles = find_titles(sheet, marks)
        starts: list[tuple[int, Pos | None, str | None]] = [(pos[0], pos, text) for pos, text in titles]
        first_title = starts[0][0] if starts else sheet.bottom
        # Rows of a form above the first title (or in a sheet without one): an untitled form.
        if _has_form_rows(marks, sheet.top, first_title, sheet.top):
            starts.insert(0, (_first_form_row(marks, sheet.top, first_title, sheet.top), None, None))
        queue = list(starts)
        i = 0
        while i < len(queue):
            top, pos, text = queue[i]
            bottom = queue[i + 1][0] if i + 1 < len(queue) else sheet.bottom
            label = norm_label(text) if text else ""
            form = FormLocation(sheet=sheet, index=len(forms), kind=_kind_of(label) if text else "project",
                                top=top, bottom=bottom, left=sheet.left, right=sheet.right,
                                title=text.strip() if text else None, title_pos=pos)
            _locate_inside(form, marks)
            if form.next_start is not None and form.next_start < bottom:
                # A second form without a title begins inside these rows: it gets its own turn.
                queue.insert(i + 1, (form.next_start, None, None))
                form.bottom = form.next_start
            i += 1
            if pos is None and "部门名称" in form.fields and "项目名称" not in form.fields:
                form.kind = "department"
            # A title with nothing of a form below it (e.g. a table of contents line) is no form.
            if form.indicator_header is None and form.funds_header is None and not form.fields:
                continue
            if pos is None and form.indicator_header is None and form.funds_header is None:
                continue  # header-like fields alone, without a title, are not a form
            form.index = len(forms)
            forms.append(form)
    return forms


def _has_form_rows(marks: list[int], top: int, bottom: int, sheet_top: int) -> bool:
    """Whether rows top…bottom hold a block header (a form may lack its title)."""
    for r in range(top, bottom):
        m = marks[r - sheet_top]
        if _is_indicator_header(m) or _is_funds_header(m):
            return True
    return False


def _first_form_row(marks: list[int], top: int, bottom: int, sheet_top: int) -> int:
    """Where an untitled form starts: its first field row or block header."""
    for r in range(top, bottom):
        m = marks[r - sheet_top]
        if m & (_FIELD | _FUNDS_LABEL | _IND_LABEL) or _is_indicator_header(m) or _is_funds_header(m):
            return r
    return top


def _year(form: FormLocation) -> int | None:
    if form.title:
        m = _YEAR_RE.search(form.title)
        if m:
            return int(m.group(1))
    if form.title_pos:  # '（2022年度）' on a row under (or above) the title
        for r in (form.title_pos[0] + 1, form.title_pos[0] - 1, form.title_pos[0] + 2):
            for _c, v in _anchors_in_row(form.sheet, r, form.left, form.right):
                text = _text(v)
                if text and len(text) < 40:
                    m = _YEAR_RE.search(text)
                    if m and ("年度" in text or len(text) < 15):
                        return int(m.group(1))
    return None


# ---------------------------------------------------------------- headers
def _read_header(sheet: SheetGrid, rows: list[int], left: int, right: int, skip: tuple[Pos, ...] = ()) -> Header:
    """The columns of a header of one or more rows (a parent row over child rows).

    For each column the labels from top to bottom are combined: the lowest label that is a known
    column wins; else parent + child, child + parent; a merged parent over columns whose children
    are all known adds nothing."""
    last = rows[-1]
    if len(rows) == 1:
        return _read_header_row(sheet, last, left, right, skip)
    columns: dict[str, Span] = {}
    cells: dict[str, Pos] = {}
    unknown: list[tuple[Pos, str]] = []
    stacks: list[tuple[int, list[tuple[Pos, str]]]] = []
    starts = sorted({c for r in rows for c, _v in _anchors_in_row(sheet, r, left, right)}
                    | {c for c in range(left, right) if sheet.anchor(last, c)[0] in rows and sheet.anchor(last, c)[1] == c})
    for c in starts:
        # The labels of this column, top to bottom, merged cells resolved to their top-left; a
        # block's own label ('绩效指标' over the level columns) is not a column's label.
        stack: list[tuple[Pos, str]] = []
        for r in rows:
            anchor = sheet.anchor(r, c)
            if anchor[0] not in rows or (stack and stack[-1][0] == anchor) or anchor in skip:
                continue
            v = sheet.raw(*anchor)
            if isinstance(v, str) and _label_of(v):
                stack.append((anchor, v))
        if stack:
            stacks.append((c, stack))
    seen_anchor: set[Pos] = set()
    has_levels: bool | None = None
    for c, stack in stacks:
        key, pos = None, None
        child_pos, child = stack[-1]
        key = column_key(child)
        pos = child_pos
        if key is None and len(stack) > 1:
            parent = stack[-2][1]
            for combined in (parent + child, child + parent):
                key = column_key(combined)
                if key:
                    break
            if key is None and column_key(parent) and sheet.merge_end(*stack[-2][0]) == stack[-2][0][1]:
                key, pos = column_key(parent), stack[-2][0]
        elif key is not None and len(stack) > 1 and child_pos[0] != last:
            pass  # a label merged down over the band: it is the column's own label
        if key is None:
            if child_pos not in seen_anchor and not _is_block_label(child):
                unknown.append((child_pos, str(child)))
            seen_anchor.add(child_pos)
            continue
        # A generic child ('指标值', '单位') under a target/actual parent belongs to that parent.
        if len(stack) > 1 and key in ("年度指标值", "度量单位"):
            parent_key = column_key(stack[-2][1])
            if parent_key == "实际完成值":
                key = "实际完成值" if key == "年度指标值" else None
                if key is None:
                    continue
        if key in ("实际完成情况", "预期目标"):
            if has_levels is None:
                has_levels = _has_level_cols(sheet, rows, left, right)
            key = _in_indicator_header(key, columns) if has_levels else key
        span = (pos[1], sheet.merge_end(*pos)) if pos == child_pos else (c, c)
        _add_column(sheet, columns, cells, unknown, key, span, pos)
        seen_anchor.add(pos)
    return Header(row=last, columns=columns, rows=list(rows), cells=cells, unknown=unknown)


def _read_header_row(sheet: SheetGrid, row: int, left: int, right: int, skip: tuple[Pos, ...]) -> Header:
    """_read_header for the usual one-row header: each label is its own column's."""
    columns: dict[str, Span] = {}
    cells: dict[str, Pos] = {}
    unknown: list[tuple[Pos, str]] = []
    has_levels: bool | None = None
    for c, v in _anchors_in_row(sheet, row, left, right):
        if not isinstance(v, str) or (skip and (row, c) in skip):
            continue
        key = column_key(v)
        if key is None:
            if _label_of(v) and not _is_block_label(v):
                unknown.append(((row, c), v))
            continue
        if key in ("实际完成情况", "预期目标"):
            if has_levels is None:
                has_levels = _has_level_cols(sheet, [row], left, right)
            key = _in_indicator_header(key, columns) if has_levels else key
        if key in columns:
            _add_column(sheet, columns, cells, unknown, key, (c, sheet.merge_end(row, c)), (row, c))
        else:
            columns[key] = (c, sheet.merge_end(row, c))
            cells[key] = (row, c)
    return Header(row=row, columns=columns, rows=[row], cells=cells, unknown=unknown)


def _in_indicator_header(key: str, columns: dict[str, Span]) -> str:
    """In an indicator header 实际完成情况 is the actual value column, 预期目标 the target."""
    if key == "实际完成情况" and "实际完成值" not in columns:
        return "实际完成值"
    if key == "预期目标" and "年度指标值" not in columns:
        return "年度指标值"
    return key


def _add_column(sheet: SheetGrid, columns: dict[str, Span], cells: dict[str, Pos], unknown: list[tuple[Pos, str]],
                key: str, span: Span, pos: Pos) -> None:
    """Put a column into a header being read. The same column twice ('年度预算数(万元)' over the
    row labels, then '调整后预算数'; 分值 after each level of a scoring sheet): the later one
    holds the values; a 分值 right of a 一级/二级 column is that level's weight."""
    if key in columns:
        previous = columns[key]
        level = _level_left_of(columns, previous[0])
        if key == "分值" and level is not None:
            columns[f"{level}分值"] = previous
            cells[f"{level}分值"] = cells[key]
        else:
            unknown.append((cells[key], str(sheet.raw(*cells[key]))))
    columns[key] = span
    cells[key] = pos


def _level_left_of(columns: dict[str, Span], col: int) -> str | None:
    """Which level column ('一级指标'/'二级指标') ends right before `col`, if any."""
    for level in ("一级", "二级"):
        span = columns.get(f"{level}指标")
        if span is not None and span[1] == col - 1:
            return level
    return None


def _has_level_cols(sheet: SheetGrid, rows: list[int], left: int, right: int) -> bool:
    return any(column_key(v) in LEVEL_KEYS for r in rows for _c, v in _anchors_in_row(sheet, r, left, right))


def _is_block_label(text: Any) -> bool:
    return bool(_marks_of(text) & (_FUNDS_LABEL | _IND_LABEL | _GOALS)) if isinstance(text, str) else False


def _under_merged_parent(sheet: SheetGrid, row: int, col: int) -> bool:
    """Whether (row, col) lies under a header label merged across several columns."""
    r0, c0 = sheet.anchor(row, col)
    return sheet.merge_end(r0, c0) > c0 and isinstance(sheet.raw(r0, c0), str)


def _header_band(form: FormLocation, row: int, marks_of: Any, floor: int) -> list[int]:
    """The rows of the header found at `row`: a parent row above (its labels spread over the
    header's columns, or merged down into it) and child rows below (labels, no data)."""
    sheet = form.sheet
    band = [row]
    above = row - 1
    if above > floor:
        cells = _anchors_in_row(sheet, above, form.left, form.right)
        if cells and marks_of(above) & _ANY_KEY and not (marks_of(above) & (_FIELD | _TITLE)) \
                and not _has_number(cells) and not _is_funds_header(marks_of(above)) \
                and not _is_indicator_header(marks_of(above)):
            # The parent row's cells must reach into the header row (merged down) or stand over
            # columns the header row leaves empty.
            header_cols = {c for c, _v in _anchors_in_row(sheet, row, form.left, form.right)}
            if any(sheet.anchor(row, c)[0] == above or c not in header_cols for c, _v in cells):
                band.insert(0, above)
    for below in (row + 1, row + 2):
        if below >= form.bottom:
            break
        cells = _anchors_in_row(sheet, below, form.left, form.right)
        m = marks_of(below)
        if not cells or _has_number(cells) or m & (_TOTAL | _FOOTER):
            break
        # A child row is itself a header row, or every text in it is a known column or stands
        # under a parent merged across several columns ('预算数' over '年初 | 全年'); a data row
        # holds indicator names and numbers.
        keys = [column_key(v) for _c, v in cells if isinstance(v, str)]
        under_parent = all(column_key(v) is not None or _under_merged_parent(sheet, band[-1], c)
                           for c, v in cells if isinstance(v, str))
        if not keys or (not under_parent and not (_is_indicator_header(m) or _is_funds_header(m))):
            break
        band.append(below)
    return band


# ---------------------------------------------------------------- inside one form
def _value_right_of(sheet: SheetGrid, row: int, col: int, right: int) -> tuple[Any, Pos]:
    """The first non-empty cell right of a label (skipping the label's own merge)."""
    end = _span(sheet, row, col)[1]
    for c, v in _anchors_in_row(sheet, row, end + 1, right):
        if field_key(v) or (_text(v) and (prefixed_field(v) or is_info_label(_label_of(v)))):
            break  # the next label: this label's value is empty
        return v, (row, c)
    # Empty value: point at the (merged) cell right of the label, or — when the label fills the
    # form's last column ('实施单位：' merged F:I with the value left out) — at the label itself.
    return None, ((row, end + 1) if end + 1 < right else (row, col))


def _read_fields(form: FormLocation, r: int, labels: list[tuple[int, Any, str]]) -> bool:
    """Header fields (项目名称, 主管部门, 实施单位, 部门名称) and head information (填报日期,
    联系电话, 单位：万元…) of one row. Whether the row held any."""
    sheet = form.sheet
    found = False
    for c, v, lbl in labels:
        # '主管部门(盖章)：' is a place to sign and stamp, not the field itself.
        key = None if any(w in lbl for w in ("盖章", "签章", "签字", "签名")) else field_key(v)
        if key:
            found = True
            if _field_missing(form, key):
                form.fields[key] = _value_right_of(sheet, r, c, form.right)
            continue
        pair = prefixed_field(v)
        if pair and not any(w in lbl.split(":")[0] for w in ("盖章", "签章", "签字")):
            found = True
            if _field_missing(form, pair[0]):
                form.fields[pair[0]] = (pair[1] or None, (r, c))
            continue
        if lbl.startswith(("单位:", "金额单位:", "单位(", "资金单位:")) or lbl in ("单位:万元", "单位:元"):
            form.money_unit = "万元" if "万元" in lbl else "元" if "元" in lbl else form.money_unit
            found = True
        elif isinstance(v, str) and (is_info_label(lbl) or lbl.startswith(FOOTER_MARKERS)):
            found = True
            if lbl == "单位" and form.kind == "department" and _field_missing(form, "部门名称"):
                # A department form's bare '单位' row names the department (寿县 2023: '单位 | ');
                # followed by '万元' it is the amount unit instead.
                value, pos = _value_right_of(sheet, r, c, form.right)
                if not (isinstance(value, str) and norm_label(value) in ("万元", "元")):
                    form.fields["部门名称"] = (value, pos)
                    continue
            key_text = re.split("[:：]", lbl, maxsplit=1)[0]
            form.info.setdefault(key_text, (v, (r, c)))
    return found


def _label_value_row(cells: list[tuple[int, Any]]) -> bool:
    """'预算数： | 2.38 | 执行数： | 2.38': money labels each followed by its amount — a row of
    label/value pairs, not a header over columns of amounts."""
    for (_c, v), (_c2, nxt) in zip(cells, cells[1:], strict=False):
        if isinstance(v, str) and _marks_of(v) & _MONEY and _amount_of(nxt):
            return True
    return False


def _is_scored_header(marks: int) -> bool:
    """A header with 分值 and 得分 but no indicator levels: a scored block of items
    ('资金管理情况 | 情况说明 | 分值 | 得分', '项目权重 | 评价内容 | 分值 | 自评分')."""
    both = _KEY_MARKS["分值"] | _KEY_MARKS["得分"]
    return marks & both == both and not marks & (_MONEY | _LEVELS)


def _side_label(sheet: SheetGrid, band: list[int], cells: list[tuple[int, Any]]) -> tuple[str, Pos] | None:
    """A block's label written in the first cell of its header row and merged down the block's
    rows ('年度绩效目标(80分)' left of the 一级/二级/三级 headers), whatever its words."""
    if not cells:
        return None
    c, v = cells[0]
    r = band[0]
    if not isinstance(v, str) or sheet.anchor(r, c) != (r, c) or column_key(v) in LEVEL_KEYS:
        return None
    below = band[-1] + 1
    return (v, (r, c)) if sheet.anchor(below, c) == (r, c) else None


def _same_columns(a: Header, b: Header) -> bool:
    return set(a.columns) == set(b.columns) and all(a.columns[k][0] == b.columns[k][0] for k in a.columns)


def _field_missing(form: FormLocation, key: str) -> bool:
    """Whether a header field is still to be read: not seen yet, or seen empty (a later row may
    write it again with its value)."""
    return key not in form.fields or is_blank(form.fields[key][0])


def _locate_inside(form: FormLocation, marks_by_row: list[int]) -> None:
    sheet = form.sheet
    # A form spanning the sheet (the usual case) has the sheet's row marks; else its own.
    spans_sheet = _spans_sheet(sheet, form.left, form.right)

    def marks_of(r: int) -> int:
        if spans_sheet:
            return marks_by_row[r - sheet.top]
        return _row_marks(_anchors_in_row(sheet, r, form.left, form.right))

    form.year = _year(form)
    first_row = form.top + 1 if form.title_pos else form.top
    floor = form.title_pos[0] if form.title_pos else form.top - 1
    state = "head"
    skip_until = -1  # rows of a header band already read
    funds_label_row: int | None = None
    block: IndicatorBlock | None = None  # the indicator block rows are being read into
    blocks_done = False  # a table ended: a new 项目名称 or funds header starts another form
    top, row_values, left, right = sheet.top, sheet.row_values, form.left, form.right
    for r in range(first_row, form.bottom):
        if r <= skip_until:
            continue
        # (the sheet's own rows and marks where the form spans the sheet: the usual case)
        cells = row_values(r) if spans_sheet else _anchors_in_row(sheet, r, left, right)
        if not cells:
            continue
        marks = marks_by_row[r - top] if spans_sheet else _row_marks(cells)
        if not marks and state == "indicators" and block is not None:
            block.rows.append(r)  # the commonest row: an indicator with no label in it
            continue
        # Most rows are plain data rows: their per-cell labels are only worked out for rows
        # that can start or end something (or the head of the form, where the fields are).
        labels = _labels(cells) if marks or state == "head" else []

        # A second form without a title: a new head or funds block after a finished table.
        if blocks_done and (marks & _FIELD and _starts_new_form(form, labels) or _is_funds_header(marks)):
            form.next_start = r
            break

        # Footer: '填表人：… 填报日期：… 联系电话：…' (one merged cell or several), once the table
        # has begun; above the table the same words are the head's unit/date line.
        if marks & _FOOTER and form.blocks and state not in ("head", "funds-label") and _is_footer_row(labels):
            # Every cell of the row: a value may be a real date or number next to its label.
            form.footer_cells.extend((r, c) for c, _, _lbl in labels)
            state = "footer"
            continue
        if state == "footer":
            if marks & _FOOTER:
                form.footer_cells.extend((r, c) for c, _, _lbl in labels)
            continue
        if marks & _NOTE and len(cells) <= 2 and labels[0][2].startswith(("备注", "说明", "注:", "填表说明", "附注")):
            form.skipped.append((r, "备注/说明行"))
            continue

        if not marks & _ANY_KEY:
            pass  # no header label in the row: it cannot start a funds or indicator block
        # Funds block: the header row carries 全年预算数 / 全年执行数 columns.
        elif _is_funds_header(marks) and form.funds_header is None and state in ("head", "goals", "unknown", "funds-label") \
                and not _label_value_row(cells):
            band = _header_band(form, r, marks_of, floor)
            label_cells = tuple((r, c) for c, v, _lbl in labels if _marks_of(v) & _FUNDS_LABEL)
            form.funds_header = _read_header(sheet, band, form.left, form.right, label_cells)
            _sources_as_columns(form.funds_header)
            for c, v, _lbl in labels:
                if _marks_of(v) & _FUNDS_LABEL:
                    form.funds_label = (str(v), (r, c))
                    break
            else:  # the block label may sit in the rows above (Sichuan: 预算执行情况(10分) on its own row)
                form.funds_label = _block_label_above(form, band[0], _FUNDS_LABEL)
            skip_until = band[-1]
            state = "funds"
            continue

        # Indicator blocks: a header row with 一级/二级/三级指标 columns (and value columns), or a
        # scored block's header (分值 and 得分 without levels).
        elif _is_indicator_header(marks) or (_is_scored_header(marks) and (state != "head" or form.funds_header is not None)):
            band = _header_band(form, r, marks_of, floor if block is None else r - 1)
            side = _side_label(sheet, band, cells)
            label_cells = tuple((r, c) for c, v, _lbl in labels if _marks_of(v) & _IND_LABEL) + ((side[1],) if side else ())
            header = _read_header(sheet, band, form.left, form.right, label_cells)
            skip_until = band[-1]
            same = next((b for b in form.blocks if _same_columns(b.header, header)), None)
            if same is not None and state in ("indicators", "after", "unknown", "goals"):
                # A later part of the block repeats its header row: same columns, same block.
                form.repeated_headers.append(r)
                form.skipped.append((r, "重复的指标表头"))
                block = same
            else:
                label = next(((str(v), (r, c)) for c, v, _lbl in labels if _marks_of(v) & _IND_LABEL), None)
                if label is None:
                    label = _block_label_above(form, band[0], _IND_LABEL)
                if label is None:
                    label = side
                block = IndicatorBlock(header=header, label=label)
                form.blocks.append(block)
            state = "indicators"
            continue

        # Goals block: '年度总体目标 | 预期目标 | 实际完成情况' (label and header may be apart).
        goals_here = bool(marks & _GOALS) and any(is_goals_label(lbl) for _c, _v, lbl in labels[:2])
        goals_header_here = (bool(marks & (_KEY_MARKS["预期目标"] | _KEY_MARKS["实际完成情况"]))
                             and not marks & (_LEVELS | _MONEY) and _is_goals_header(labels))
        if (goals_here or goals_header_here) and form.goals_header is None \
                and (state != "indicators" or (goals_here and goals_header_here)) \
                and not (state == "goals" and form.goal_rows):
            if goals_here:
                for c, _v, lbl in labels:
                    if is_goals_label(lbl):
                        form.goals_label = (r, c)
                        break
            label_cells = (form.goals_label,) if form.goals_label and form.goals_label[0] == r else ()
            header = _read_header(sheet, [r], form.left, form.right, label_cells)
            if header.has("预期目标") or header.has("实际完成情况"):
                form.goals_header = header
            elif goals_here:
                # '年度总体目标 | <text> | <text>' without a header: the row holds the answers.
                if any((r, c) not in label_cells for c, _v in cells):
                    form.goal_rows.append(r)
            state = "goals"
            continue

        # A total declared outside a totals row ('自评总分：95' under the title).
        if marks & _TOTAL and state != "indicators" and _declares_total(form, r, labels):
            if state in ("head", "funds-label"):
                _read_fields(form, r, labels)
            continue

        if state in ("head", "funds-label"):
            if marks & _FUNDS_LABEL and not marks & _FIELD:
                # '项目资金（万元）' alone: its header follows in the next rows.
                funds_label_row = r
                state = "funds-label"
                continue
            if state == "funds-label" and funds_label_row is not None and r - funds_label_row > 3:
                state = "head"
            _read_fields(form, r, labels)
            continue

        if state == "funds":
            if marks & _SPLIT:
                for c, _v, lbl in labels:
                    if INCOME_MARKER in lbl:
                        form.income_col = c
                    elif EXPENSE_MARKER in lbl:
                        form.expense_col = c
                continue
            if form.income_col is not None or form.expense_col is not None:
                form.split_rows.append(r)
                continue
            if marks & _FOOTER and _is_footer_row(labels) or any(is_info_label(lbl) for _c, _v, lbl in labels[:1]):
                _read_fields(form, r, labels)  # a contact row among the funds rows: the head's information
                continue
            verdict = _funds_row(form, r, cells)
            if verdict == "row":
                form.funds_rows.append(r)
            elif verdict == "end":
                if marks & _FIELD:
                    _read_fields(form, r, labels)
                    state = "head"
                else:
                    state = _unknown_block(form, r, labels)
            continue
        if state == "goals":
            if (marks & (_FUNDS_LABEL | _IND_LABEL)) and _is_block_start(labels):
                state = _unknown_block(form, r, labels)
                continue
            form.goal_rows.append(r)
            continue
        if state == "indicators" and block is not None:
            if marks & _TOTAL and _is_total_row(form, block.header, labels):
                block.total_row = r
                block.total_label_pos = (r, labels[0][0])
                state = "after"
                blocks_done = True
                continue
            if marks & _TRAILER and _is_trailer_row(labels):
                form.skipped.append((r, f"“{_short(labels[0][2])}”：表后说明"))
                form.answers.extend((r, c) for c, _v, _l in labels[1:])
                state = "after"
                blocks_done = True
                continue
            if marks & _FIELD and _starts_new_form(form, labels):
                form.next_start = r
                break
            block.rows.append(r)
            continue
        if state == "after":
            if marks & _TOTAL and _declares_total(form, r, labels):
                continue
            if marks & _TRAILER and _is_trailer_row(labels):
                form.answers.extend((r, c) for c, _v, _l in labels[1:])
                form.skipped.append((r, f"“{_short(labels[0][2])}”：表后说明"))
                continue
            form.skipped.append((r, "合计行之后"))
            continue
        if state == "unknown":
            if marks & _FIELD:
                _read_fields(form, r, labels)
                continue
            form.skipped.append((r, "无法识别的区块"))
            continue

    for b in form.blocks:
        _infer_name_columns(sheet, b)
        _infer_level1(b.header)
    if spans_sheet:  # the rows that can hold a funds total, from the sheet's marks (cheap)
        top = sheet.top
        candidates = [r for r in range(form.top, form.bottom) if marks_by_row[r - top] & _FUNDS_TOTAL]
    else:
        candidates = [r for r in range(form.top, form.bottom) if marks_of(r) & _FUNDS_TOTAL]
    if candidates:  # outside the funds block and the totals row (nearly always: none)
        inside = {*form.funds_rows, *form.split_rows, *(b.total_row for b in form.blocks)}
        candidates = [r for r in candidates if r not in inside]
    if candidates:
        _find_funds_lists(form, candidates)
    _check_required(form)


def _sources_as_columns(header: Header) -> None:
    """A funds block with its sources as columns ('中央 | 省级 | 本级 | 合计 | 执行数'): the
    合计 column is the year's budget."""
    if "全年预算数" in header.columns or "全年执行数" not in header.columns:
        return
    for pos, text in list(header.unknown):
        if _bare_label(text) in ("合计", "小计", "总计", "预算数合计", "预算合计", "资金合计"):
            header.columns["全年预算数"] = (pos[1], pos[1])
            header.cells["全年预算数"] = pos
            header.unknown.remove((pos, text))
            return


def _bare_label(text: Any) -> str:
    return re.sub(r"\(.*?\)", "", norm_label(text))


def _infer_name_columns(sheet: SheetGrid, block: IndicatorBlock) -> None:
    """A block whose header names no 三级指标 column ('资金管理情况 | 情况说明 | 分值 | 得分',
    '项目权重 | 评价内容 | 分值 | 自评分'): the item names are in the leftmost column, left of the
    values, that holds a text of its own on most rows; the columns left of it whose cells are
    merged over several rows hold the 一级 (and 二级) labels."""
    header = block.header
    cols = header.columns
    if "三级指标" in cols or not block.rows:
        return
    values = [span[0] for key, span in cols.items() if key in ("分值", "得分", "年度指标值", "实际完成值", "指标性质")]
    if not values:
        return
    first_value = min(values)
    known = {span[0] for key, span in cols.items()}
    candidates = sorted({pos[1] for pos, _t in header.unknown if pos[1] < first_value}
                        | {span[0] for key, span in cols.items() if key == "指标解释" and span[0] < first_value}
                        | {c for c in range(sheet.left, first_value) if c not in known and _column_has_text(sheet, block.rows, c)})
    candidates = [c for c in candidates if c not in {span[0] for key, span in cols.items() if key in LEVEL_KEYS}]
    if not candidates:
        return
    rows = block.rows

    def own_text_share(c: int) -> float:
        hits = 0
        for r in rows:
            v = sheet.starts(r).get(c)
            if isinstance(v, str) and not is_blank(v):
                hits += 1
        return hits / len(rows)

    name_col = next((c for c in candidates if own_text_share(c) >= 0.6), None)
    if name_col is None:
        return
    cols["三级指标"] = (name_col, sheet.merge_end(header.row, name_col) if sheet.anchor(header.row, name_col) == (header.row, name_col) else name_col)
    header.cells["三级指标"] = sheet.anchor(header.row, name_col)
    for key, span in list(cols.items()):
        if key == "指标解释" and span[0] == name_col:
            del cols[key]
    left_of = [c for c in candidates if c < name_col]
    for key, c in zip(("一级指标", "二级指标"), left_of, strict=False):
        if key not in cols:
            cols[key] = (c, c)
            header.cells[key] = sheet.anchor(header.row, c)
    header.unknown = [(pos, t) for pos, t in header.unknown if pos[1] not in (name_col, *left_of)]


def _infer_level1(header: Header) -> None:
    """A header with 二级 but no 一级 column ('级指标' with its first character lost in a
    scan): the unknown column left of the 二级 column is the 一级."""
    cols = header.columns
    if "一级指标" in cols or "二级指标" not in cols:
        return
    left = [(pos, t) for pos, t in header.unknown if pos[1] < cols["二级指标"][0] and "指标" in norm_label(t)]
    if left:
        pos, text = left[-1]
        cols["一级指标"] = (pos[1], pos[1])
        header.cells["一级指标"] = pos
        header.unknown.remove((pos, text))
        for wpos, wtext in list(header.unknown):  # its weight column, right of it
            if wpos[1] == pos[1] + 1 and column_key(wtext) == "分值" and "一级分值" not in cols:
                cols["一级分值"] = (wpos[1], wpos[1])
                header.cells["一级分值"] = wpos
                header.unknown.remove((wpos, wtext))


def _column_has_text(sheet: SheetGrid, rows: list[int], c: int) -> bool:
    return any(isinstance(sheet.raw(*sheet.anchor(r, c)), str) for r in rows[:10])


def _amount_of(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        isinstance(value, str) and parse_number(value).text_typed)


def _list_item(sheet: SheetGrid, r: int, c: int, v: Any, right: int) -> tuple[str | None, Pos | None]:
    """A funds source written as a label with its amount (inline after a colon, or in the next
    cell): (canonical source, amount cell) or (None, None)."""
    if not isinstance(v, str):
        return None, None
    head, _sep, tail = re.sub(r"^\s*其中\s*:", "", v.replace("：", ":")).partition(":")
    key = source_key(head)
    if key is None:
        return None, None
    if tail.strip():
        return (key, (r, c)) if _amount_of(tail.strip()) else (None, None)
    after = [(cc, vv) for cc, vv in sheet.row_values(r) if cc > sheet.merge_end(r, c) and cc < right]
    if after and _amount_of(after[0][1]):
        return key, (r, after[0][0])
    return (key, None)


def _find_funds_lists(form: FormLocation, candidates: list[int]) -> None:
    """Funds written as a list of label/amount pairs outside a funds block ('年度预算资金总额：
    1084.25' then '其中：中央补助 668.00', '市级资金 343.00', …): each total with the sources
    listed right under it, in the same column, is a group B104 can add up."""
    sheet = form.sheet
    taken = set(form.funds_rows) | set(form.split_rows)
    if form.funds_header is not None:
        taken.add(form.funds_header.row)
    end = form.top - 1
    for r in candidates:
        if r <= end or r in taken:
            continue
        for c, v in _anchors_in_row(sheet, r, form.left, form.right):
            key, pos = _list_item(sheet, r, c, v, form.right)
            if key != "年度资金总额" or pos is None:
                continue
            group: list[tuple[Pos, Pos]] = [((r, c), pos)]
            nxt = r + 1
            while nxt < form.bottom:
                k2, p2 = _list_item(sheet, nxt, c, sheet.raw(nxt, c), form.right)
                if k2 is None or k2 == "年度资金总额":
                    break
                if p2 is not None:
                    group.append(((nxt, c), p2))
                nxt += 1
            if len(group) >= 3:
                form.funds_lists.append(group)
                end = nxt - 1
            break


def _short(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _starts_new_form(form: FormLocation, labels: list[tuple[int, Any, str]]) -> bool:
    """A 项目名称 / 部门名称 field after this form's table: the head of the next form."""
    if form.indicator_header is None and form.funds_header is None:
        return False
    for _c, v, _lbl in labels[:2]:
        key = field_key(v) or (prefixed_field(v) or (None,))[0]
        if key in ("项目名称", "部门名称"):
            return True
    return False


def _is_footer_row(labels: list[tuple[int, Any, str]]) -> bool:
    """A footer row starts with a footer label (any cell may hold '填表人：'), not with an
    indicator: '联系电话畅通率' in a 三级 cell is data."""
    for _c, _v, lbl in labels:
        if lbl.startswith(FOOTER_MARKERS):
            rest = lbl[len(next(m for m in FOOTER_MARKERS if lbl.startswith(m))):]
            if not rest or rest[0] in ":：(（" or any(m in rest for m in FOOTER_MARKERS) or rest.startswith("签"):
                return True
    return False


def _is_goals_header(labels: list[tuple[int, Any, str]]) -> bool:
    keys = [column_key(v) for _c, v, _l in labels if isinstance(v, str)]
    return "预期目标" in keys and ("实际完成情况" in keys or "实际完成值" in keys) or \
        ("实际完成情况" in keys and len([k for k in keys if k]) >= 2 and len(keys) <= 4)


def _is_block_start(labels: list[tuple[int, Any, str]]) -> bool:
    return bool(labels) and (is_funds_label(labels[0][2]) or is_indicator_label(labels[0][2]))


def _is_trailer_row(labels: list[tuple[int, Any, str]]) -> bool:
    return bool(labels) and is_trailer_label(labels[0][2])


def _declares_total(form: FormLocation, r: int, labels: list[tuple[int, Any, str]]) -> bool:
    """'自评得分 | 92' or '综合得分：92分' outside the indicator block: the form's declared total."""
    for i, (c, v, lbl) in enumerate(labels):
        if not is_total_label(re.split("[:：]", lbl, maxsplit=1)[0]):
            continue
        inline = re.split("[:：]", str(v), maxsplit=1)
        if len(inline) == 2 and parse_number(inline[1].strip()).value is not None:
            form.declared_total = (inline[1].strip(), (r, c))
            return True
        if i + 1 < len(labels):
            nv = labels[i + 1][1]
            if parse_number(nv).value is not None and not is_blank(nv):
                form.declared_total = (nv, (r, labels[i + 1][0]))
                return True
    return False


def _funds_row(form: FormLocation, r: int, cells: list[tuple[int, Any]]) -> str:
    """What a row inside the funds block is: 'row' (a source or total), 'skip' (a blank or
    decoration row), or 'end' (the block ended: another block, unknown text)."""
    header = form.funds_header
    assert header is not None
    first = cells[0][1] if cells else None
    if isinstance(first, str) and source_key(first):  # the usual row: a known source's name first
        return "row"
    value_cols = [span for key, span in header.columns.items() if key in ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")]
    first_money = min((s[0] for s in value_cols), default=form.right)
    label_text = None
    numbers = 0
    texts = 0
    for c, v in cells:
        if c < first_money:
            if isinstance(v, str) and not is_blank(v):
                label_text = v
            continue
        if any(a <= c <= b for a, b in value_cols):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                numbers += 1
            elif isinstance(v, str) and not is_blank(v):
                if parse_number(v).value is not None or parse_number(v.replace("%", "")).value is not None:
                    numbers += 1
                else:
                    texts += 1
    if label_text is not None:
        lbl = _label_of(label_text)
        m = _marks_of(label_text)
        if source_key(label_text):
            return "row"
        if m & (_GOALS | _IND_LABEL | _FIELD | _TRAILER) or (m & _FUNDS_LABEL and not numbers):
            return "end"
        if numbers and not texts:
            return "row"  # an unknown source name with amounts: still a row of the block
        if is_funds_label(lbl) and not texts:
            return "skip"
        return "end" if texts or len(lbl) > 12 else ("row" if numbers else "skip")
    if numbers and not texts:
        return "row"
    if texts:
        return "end"
    return "skip"


def _unknown_block(form: FormLocation, r: int, labels: list[tuple[int, Any, str]]) -> str:
    """A row that ends a block without starting a known one: the rows up to the next block are
    skipped (and named by --explain)."""
    label = labels[0][2] if labels else ""
    form.skipped.append((r, f"“{_short(label)}”：无法识别的区块" if label else "无法识别的行"))
    return "unknown"


def _is_total_row(form: FormLocation, header: Header, labels: list[tuple[int, Any, str]]) -> bool:
    cols = header.columns
    name_col = cols.get("三级指标", cols.get("二级指标", cols.get("一级指标", (form.right, form.right))))[0]
    first_value = min((span[0] for key, span in cols.items() if key in ("分值", "得分", "年度指标值", "实际完成值")),
                      default=form.right)
    for c, _v, lbl in labels:
        if c >= first_value:
            break
        if is_total_label(lbl) and (c <= name_col + 1 or c < first_value):
            return True
    return False


def _block_label_above(form: FormLocation, row: int, mark: int) -> tuple[str, Pos] | None:
    for r in (row - 1, row - 2):
        if r < form.top:
            break
        for c, v in _anchors_in_row(form.sheet, r, form.left, form.right):
            if isinstance(v, str) and _marks_of(v) & mark and column_key(v) is None:
                return (str(v), (r, c))
    # The label may be merged vertically over the header row: resolve it by anchor.
    for c in range(form.left, form.right):
        if form.sheet.is_continuation(row, c):
            v = form.sheet.value(row, c)
            if isinstance(v, str) and _marks_of(v) & mark:
                return (str(v), form.sheet.anchor(row, c))
    return None


def _check_required(form: FormLocation) -> None:
    """F005: a self-evaluation without its 得分 column (or with 得分 and no 分值); F006: a block
    seen but not understood (named once)."""
    for b in form.blocks:
        cols = b.header.columns
        if "分值" in cols and "得分" not in cols and "实际完成值" in cols:
            form.missing.append("绩效指标“得分”列")
    funds = form.funds_header
    if funds is not None and not (("全年预算数" in funds.columns or "年初预算数" in funds.columns)
                                  and "全年执行数" in funds.columns):
        have = "、".join(k for k in MONEY_KEYS if k in funds.columns) or "无"
        form.unknown.append((min(funds.cells.values()) if funds.cells else (funds.row, form.left),
                             f"资金表缺少全年预算数或全年执行数列（已识别：{have}），资金规则未检查"))
    if not form.blocks:
        # Rows that speak of indicators but hold no header we know: the block is there and not
        # understood (F006), which is not the same as a form without indicators (C309).
        skipped = {r for r, _why in form.skipped}
        for pos in _header_like_cells(form):
            text = form.sheet.raw(*pos)
            if (isinstance(text, str) and "指标" in _label_of(text) and not _marks_of(text) & (_TITLE | _FIELD)) \
                    or (pos[0] in skipped and pos[0] > (form.funds_header.row if form.funds_header else -1)):
                form.unknown.append((pos, "绩效指标区块无法识别（没有一级/二级/三级指标或分值/得分表头），指标未检查"))
                break
    if funds is None and form.funds_label is not None:
        form.unknown.append((form.funds_label[1], "资金表的表头无法识别，资金规则未检查"))


def _header_like_cells(form: FormLocation) -> list[Pos]:
    """The first cell of every row of the form (where block labels sit) and the short texts of
    its rows (where header labels sit), in reading order."""
    out = []
    for r in range(form.top, form.bottom):
        cells = _anchors_in_row(form.sheet, r, form.left, form.right)
        for i, (c, v) in enumerate(cells):
            if i == 0 or (isinstance(v, str) and len(_label_of(v)) <= 8):
                out.append((r, c))
    return out


def cell_in_span(sheet: SheetGrid, row: int, span: Span) -> tuple[Any, Pos]:
    """The value a data row holds under a header span, and its cell.

    Only cells that *start* in this row count: a value merged down from the row above belongs to
    that row (so a merged 分值 is not counted twice), and a cell merged in from a column left of
    the span belongs to that other column.
    """
    return in_span(sheet.starts(row), row, span)


def in_span(starts: dict[int, Any], row: int, span: Span) -> tuple[Any, Pos]:
    """cell_in_span over a row's `SheetGrid.starts` already at hand (several columns per row)."""
    c0, c1 = span
    if c0 == c1:  # the usual single-column header
        v = starts.get(c0)
        return v, (row, c0)
    for c in range(c0, c1 + 1):
        v = starts.get(c)
        if v is not None and v != "":
            return v, (row, c)
    return None, (row, c0)


def texts_in_span(starts: dict[int, Any], row: int, span: Span) -> tuple[Any, Pos]:
    """Like in_span, but a span holding several cells (an operator in one, the value in the
    next: '≥' | '95%') gives their texts joined."""
    c0, c1 = span
    if c0 == c1:
        return starts.get(c0), (row, c0)
    parts = [(c, starts[c]) for c in range(c0, c1 + 1) if starts.get(c) not in (None, "")]
    if not parts:
        return None, (row, c0)
    if len(parts) == 1:
        return parts[0][1], (row, parts[0][0])
    return "".join(str(v).strip() for _c, v in parts), (row, parts[0][0])


def resolved_in_span(sheet: SheetGrid, row: int, span: Span) -> tuple[Any, Pos]:
    """Like cell_in_span but merged cells resolve to their top-left value (for 一级/二级)."""
    c0, _c1 = span
    anchor = sheet.anchor(row, c0)
    return sheet.raw(*anchor), anchor
