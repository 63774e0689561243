"""Stage 3 — normalize: located forms become tidy records, every value paired with its cell.

Four frames (SPEC §2): `forms`, `funds`, `indicators`, `goals`. Records are built per file as
plain dicts (cheap), and turned into pandas frames once per batch (see `to_frames`).
Numeric fields come as three columns: `<f>` (float or None), `<f>_raw` (the text as typed),
`<f>_bad` (True when non-placeholder text is not a number → rule V501), plus `<f>_cell`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from .labels import (
    SOURCE_CHILDREN,
    SOURCE_PARTITIONS,
    TOTAL_SOURCE,
    level1_key,
    level2_key,
    source_key,
)
from .locate import (
    FormLocation,
    IndicatorBlock,
    Span,
    cell_in_span,
    in_span,
    locate_forms,
    resolved_in_span,
    texts_in_span,
)
from .read import Workbook
from .read import a1 as _a1
from .values import (
    declared_weight,
    is_blank,
    norm_label,
    parse_actual,
    parse_footer,
    parse_number,
    parse_percent,
    parse_target,
    split_label_value,
)

Record = dict[str, Any]

FORM_COLUMNS = [
    "file", "form_id", "sheet", "kind", "title", "title_cell", "year", "name", "name_cell",
    "department", "department_cell", "unit", "unit_cell", "money_unit", "funds_label",
    "funds_label_cell", "funds_weight_declared", "indicators_label", "indicators_label_cell",
    "indicators_weight_declared", "total_weight", "total_weight_raw", "total_weight_bad",
    "total_weight_cell", "total_score", "total_score_raw", "total_score_bad", "total_score_cell",
    "has_total_row", "has_footer", "filler", "filler_cell", "fill_date", "fill_date_cell", "phone",
    "phone_cell", "leader", "leader_cell", "missing", "hidden_sheet", "scoring", "indicator_header_cell",
    "funds_has_weight", "has_funds", "has_unknown", "declared_score", "declared_score_raw", "declared_score_bad",
    "declared_score_cell",
]
NUMERIC_FUNDS = ("budget_initial", "budget", "spent", "weight", "rate", "score", "amount")
FUNDS_COLUMNS = ["file", "form_id", "sheet", "block", "row", "section", "source", "partition", "label", "label_cell"] + [
    f"{f}{s}" for f in NUMERIC_FUNDS for s in ("", "_raw", "_bad", "_cell")
]
INDICATOR_COLUMNS = [
    "file", "form_id", "sheet", "row", "level1", "level1_key", "level1_cell", "level1_weight",
    "level2", "level2_key", "level2_cell", "name", "name_cell", "target", "target_op",
    "target_value", "target_unit", "target_qualitative", "target_cell", "actual", "actual_value",
    "actual_unit", "actual_qualitative", "actual_cell", "weight", "weight_raw", "weight_bad",
    "weight_cell", "score", "score_raw", "score_bad", "score_cell", "reason", "reason_cell",
]
# Where each field sits in an indicator row (Extract.indicators holds tuples).
INDICATOR_INDEX = {name: i for i, name in enumerate(INDICATOR_COLUMNS)}
GOAL_COLUMNS = ["file", "form_id", "sheet", "goal_index", "expected", "expected_cell", "actual", "actual_cell"]

# Funds header → record field.
_FUNDS_FIELDS = {
    "年初预算数": "budget_initial",
    "全年预算数": "budget",
    "全年执行数": "spent",
    "分值": "weight",
    "执行率": "rate",
    "得分": "score",
}


@dataclass
class Extract:
    """Everything read from one workbook, before it becomes frames."""

    file: str
    forms: list[Record] = field(default_factory=list)
    funds: list[Record] = field(default_factory=list)
    indicators: list[tuple[Any, ...]] = field(default_factory=list)  # rows in INDICATOR_COLUMNS order
    goals: list[Record] = field(default_factory=list)
    locations: list[FormLocation] = field(default_factory=list)
    formula_cells_without_value: list[tuple[str, str]] = field(default_factory=list)
    sheet_names: list[str] = field(default_factory=list)
    hidden_sheets: list[str] = field(default_factory=list)
    hidden_rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Parts of forms that could not be understood (F006): form_id, sheet, cell, what.
    unknown_parts: list[Record] = field(default_factory=list)
    # Free-text answers outside the blocks (funds 原因, 评价结论…): form_id, sheet, cell, text (C308).
    answers: list[Record] = field(default_factory=list)

    def indicator_records(self) -> list[Record]:
        """The indicator rows as dicts keyed by INDICATOR_COLUMNS (to read, not to build frames)."""
        return [dict(zip(INDICATOR_COLUMNS, row, strict=True)) for row in self.indicators]


@lru_cache(maxsize=1 << 16)
def a1(row: int, col: int) -> str | None:
    """A1 address, or None for a column the form does not have (cell_in_span gives col −1)."""
    return _a1(row, col) if col >= 0 and row >= 0 else None


def _text(value: Any) -> str | None:
    """Cell text with surrounding blanks (incl. full-width spaces) removed; None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()  # str.strip() also removes full-width spaces (U+3000)
    return text or None


@cache
def _suffixed(name: str) -> tuple[str, str, str]:
    return f"{name}_raw", f"{name}_bad", f"{name}_cell"


def _parsed(value: Any, percent: bool) -> tuple[float | None, str | None, bool]:
    """(number, text as typed, not-a-number) of a numeric cell."""
    parsed = parse_percent(value) if percent else parse_number(value)
    return parsed.value, _text(value), not parsed.ok


# The same weights, scores and amounts recur across forms; typed, so 1 and 1.0 stay apart
# ('1' and '1.0' are different texts as typed).
_parsed_cached = lru_cache(maxsize=1 << 14, typed=True)(_parsed)


_NO_NUMBER: tuple[None, None, bool] = (None, None, False)  # an empty cell


def _numeric(value: Any, percent: bool = False) -> tuple[float | None, str | None, bool]:
    """_parsed, cached where the value is hashable (an unhashable one never comes from the
    readers, but is cheap to allow)."""
    if value is None:
        return _NO_NUMBER
    try:
        return _parsed_cached(value, percent)
    except TypeError:
        return _parsed(value, percent)


def _num(rec: Record, name: str, value: Any, pos: tuple[int, int], percent: bool = False) -> None:
    raw, bad, cell = _suffixed(name)
    rec[name], rec[raw], rec[bad] = _numeric(value, percent)
    rec[cell] = a1(*pos)


def _empty_num(rec: Record, name: str) -> None:
    raw, bad, cell = _suffixed(name)
    rec[name] = None
    rec[raw] = None
    rec[bad] = False
    rec[cell] = None


def extract(book: Workbook) -> Extract:
    """Locate every form of a workbook and read it into records."""
    out = Extract(
        file=book.path,
        formula_cells_without_value=list(book.formula_cells_without_value),
        sheet_names=[s.name for s in book.sheets],
        hidden_sheets=[s.name for s in book.sheets if s.hidden],
        hidden_rows={s.name: len(s.hidden_rows) for s in book.sheets if s.hidden_rows},
        notes=list(book.notes),
    )
    for loc in locate_forms(book.sheets):
        out.locations.append(loc)
        _read_form(out, loc)
    return out


def _read_form(out: Extract, loc: FormLocation) -> None:
    sheet = loc.sheet
    base = {"file": out.file, "form_id": loc.index, "sheet": sheet.name}
    form: Record = dict(base)
    form["kind"] = loc.kind
    form["title"] = loc.title
    form["title_cell"] = a1(*loc.anchor)
    form["year"] = loc.year
    form["hidden_sheet"] = sheet.hidden
    form["scoring"] = loc.scoring
    header = loc.indicator_header
    form["indicator_header_cell"] = (a1(*min(header.cells.values())) if header is not None and header.cells
                                     else None)
    for key, col in (("项目名称", "name"), ("部门名称", "name"), ("主管部门", "department"), ("实施单位", "unit")):
        if key in loc.fields and form.get(col) is None:
            value, pos = loc.fields[key]
            form[col] = _text(value)
            form[f"{col}_cell"] = a1(*pos)
    for col in ("name", "department", "unit"):
        form.setdefault(col, None)
        form.setdefault(f"{col}_cell", None)

    # Funds label: unit (万元/元) and, for Sichuan, the declared weight '预算执行情况(10分)'.
    if loc.funds_label:
        text, pos = loc.funds_label
        label = norm_label(text)
        form["funds_label"] = text
        form["funds_label_cell"] = a1(*pos)
        form["money_unit"] = "万元" if "万元" in label else "元" if "(元)" in label else loc.money_unit
        form["funds_weight_declared"] = declared_weight(text)
    else:
        form.update(funds_label=None, funds_label_cell=None, money_unit=loc.money_unit, funds_weight_declared=None)
    if loc.indicator_label:
        text, pos = loc.indicator_label
        form["indicators_label"] = text
        form["indicators_label_cell"] = a1(*pos)
        form["indicators_weight_declared"] = declared_weight(text)
    else:
        form.update(indicators_label=None, indicators_label_cell=None, indicators_weight_declared=None)
    form["has_unknown"] = bool(loc.unknown)
    form["has_funds"] = loc.funds_header is not None
    form["funds_has_weight"] = loc.funds_header is not None and "分值" in loc.funds_header.columns

    _read_funds(out, loc, base)
    _read_funds_lists(out, loc, base)
    _read_goals(out, loc, base)
    scale = _read_indicators(out, loc, base)
    _read_total(form, loc, scale)
    _read_footer(form, loc)
    form["missing"] = "；".join(loc.missing) if loc.missing else None
    if out.formula_cells_without_value:
        _compute_uncached(out, form)
    out.forms.append(form)
    name = form.get("name") or form.get("title")
    for pos, what in loc.unknown:
        out.unknown_parts.append(dict(base, cell=a1(*pos), what=what, form=name))
    for pos in loc.answers:
        out.answers.append(dict(base, cell=a1(*pos), text=_text(sheet.raw(*pos))))


def _compute_uncached(out: Extract, form: Record) -> None:
    """Formula cells saved without a cached value (never opened in Excel, e.g. a template filled
    by a program) read as empty. Compute what the rules need from the typed inputs instead of
    trusting an absent cache: 执行率, funds 得分, 年度资金总额 sums, 合计 分值/得分."""
    sheet, fid = form["sheet"], form["form_id"]
    uncached = {cell for s, cell in out.formula_cells_without_value if s == sheet}

    def missing(rec: Record, name: str) -> bool:
        return rec.get(name) is None and rec.get(f"{name}_cell") in uncached

    funds = [r for r in out.funds if r["form_id"] == fid and r["section"] in ("total", "source")]
    sources = [r for r in funds if r["section"] == "source"]
    computed = 0
    for rec in funds:
        if rec["section"] == "total":
            for name in ("budget_initial", "budget", "spent"):
                values = [r[name] for r in sources if r[name] is not None]
                if missing(rec, name) and values:
                    rec[name] = round(sum(values), 6)
                    computed += 1
        if missing(rec, "rate") and rec["budget"] and rec["spent"] is not None:
            rec["rate"] = round(rec["spent"] / rec["budget"], 9)
            computed += 1
        if missing(rec, "score") and rec["weight"] is not None and rec["rate"] is not None:
            rec["score"] = round(min(rec["rate"], 1.0) * rec["weight"], 2)
            computed += 1
    form_col = INDICATOR_INDEX["form_id"]
    indicators = [r for r in out.indicators if r[form_col] == fid]
    total = next((r for r in funds if r["section"] == "total"), None)
    for name, key in (("total_weight", "weight"), ("total_score", "score")):
        if missing(form, name):
            col = INDICATOR_INDEX[key]
            parts = [r[col] for r in indicators if r[col] is not None]
            if total is not None and total[key] is not None:
                parts.append(total[key])
            if parts:
                form[name] = round(sum(parts), 6)
                computed += 1
    if computed:
        # Counts values recomputed, not formula cells (F004 counts those): worded so the two
        # numbers never read as the same thing.
        out.notes.append(f"“{form.get('name') or form.get('title')}”中由公式得出的 {computed} 个数值（执行率、得分、合计等）"
                         "没有计算结果，已按填写的数据重新计算后核对（公式单元格的个数见 F004）")


def _read_funds(out: Extract, loc: FormLocation, base: Record) -> None:
    header = loc.funds_header
    if header is None:
        return
    sheet = loc.sheet
    money_cols = [span for key, span in header.columns.items() if key in _FUNDS_FIELDS]
    first_money = min((s[0] for s in money_cols), default=loc.right)
    label_col = loc.funds_label[1][1] if loc.funds_label else loc.left - 1
    fields = [(name, header.columns.get(key)) for key, name in _FUNDS_FIELDS.items()]
    reason_span = header.columns.get("偏差原因")
    if "全年预算数" not in header.columns and "年初预算数" in header.columns:
        # '年初预算数(A) | 全年执行数(B) | 执行率(B/A)': the year's budget is the initial one.
        fields = [(name, header.columns.get("年初预算数" if name == "budget" else key)) for key, name in _FUNDS_FIELDS.items()]
    block: list[Record] = []
    for r in loc.funds_rows:
        # The row label is the last text cell that starts in this row left of the money columns.
        label, label_pos = None, (r, label_col + 1)
        for c, v in sheet.row_values(r):
            if label_col < c < first_money and not is_blank(v):
                label, label_pos = _text(v), (r, c)
        rec: Record = {**base, "block": 0, "row": r + 1, "section": "source"}
        any_value = False
        rate_value: Any = None
        starts = sheet.starts(r)
        for name, span in fields:
            if span is not None:
                value, pos = in_span(starts, r, span)
                _num(rec, name, value, pos, percent=(name == "rate"))
                any_value = any_value or not _blank(value)
                if name == "rate":
                    rate_value = value
            else:
                _empty_num(rec, name)
        _empty_num(rec, "amount")
        _fix_rate_scale(rec, rate_value)
        if rec["weight"] is not None and isinstance(rec["weight_raw"], str) and rec["weight_raw"].rstrip().endswith(("%", "％")):
            rec["weight"] = round(rec["weight"] * 100, 6)  # '10%' of the 100 points is 10 points
        if reason_span is not None:  # the funds block's 原因 column: free text (C308)
            reason, reason_pos = in_span(starts, r, reason_span)
            if isinstance(reason, str) and reason.strip():
                out.answers.append(dict(base, cell=a1(*reason_pos), text=reason.strip()))
        if label is None and not any_value:
            continue  # a blank spacer row inside the block
        canonical = source_key(label) if label else None
        rec["source"] = canonical or (label if label else "（未命名）")
        rec["label"] = label
        rec["label_cell"] = a1(*label_pos)
        rec["partition"] = _partition(canonical)
        if canonical == TOTAL_SOURCE:
            rec["section"] = "total"
        block.append(rec)
    _nest_sources(block)
    out.funds.extend(block)

    # Department form: '按收入性质分 / 按支出性质分' text items such as '其中：基本支出：1,129.76万元',
    # or a label cell '基本支出：' with the amount in the next cell of the same section.
    for r in loc.split_rows:
        pending: Record | None = None  # a label whose amount may follow in the next cell
        for c, v in sheet.row_values(r):
            if c < loc.left or c >= loc.right or is_blank(v):
                continue
            section = _split_section(loc, c)
            if section is None:
                continue
            pairs = split_label_value(v) if isinstance(v, str) else []
            label, amount_text = pairs[0] if pairs else (None, v)
            if label is None and pending is not None and pending["section"] == section:
                _num(pending, "amount", v, (r, c))
                pending = None
                continue
            rec = dict(base, block=0, row=r + 1, section=section, source=label or "（未标明）", partition=section,
                       label=_text(v), label_cell=a1(r, c))
            for name in NUMERIC_FUNDS[:-1]:
                _empty_num(rec, name)
            _num(rec, "amount", amount_text if not is_blank(amount_text) else None, (r, c))
            pending = rec if label is not None and is_blank(amount_text) else None
            if label is None and rec["amount"] is None and not rec["amount_bad"]:
                continue
            out.funds.append(rec)


_PARTITION_OF = {source: name for name, sources in SOURCE_PARTITIONS.items() for source in sources}
_PARENT_OF = {child: parent for parent, children in SOURCE_CHILDREN.items() for child in children}


def _partition(source: str | None) -> str | None:
    """Which split of the total a funds source belongs to (income, level of government,
    expense), 'child' for a breakdown of another source, None for a label not understood."""
    if source is None:
        return None
    if source == TOTAL_SOURCE:
        return "total"
    if source in _PARENT_OF:
        return "child"
    return _PARTITION_OF.get(source)


def _nest_sources(block: list[Record]) -> None:
    """Rows of one funds block: a single row is the total whatever its label ('资金' alone);
    a source row that follows another of a different split ('当年财政拨款' then '其中：中央资金')
    is a breakdown of it, not a part of the total (B104 sums each split on its own)."""
    if len(block) == 1 and block[0]["section"] == "source" and block[0]["partition"] is None and any(
            block[0][f] is not None for f in ("budget", "spent")):
        block[0]["section"] = "total"
        block[0]["partition"] = "total"
        return
    seen: list[str] = []
    for rec in block:
        part = rec["partition"]
        if part in ("total", None, "child"):
            continue
        label = norm_label(rec["label"] or "")
        # '其中：' under a source of another split marks a breakdown of that source.
        if seen and part not in seen and label.startswith("其中") and seen[-1] != "total":
            rec["partition"] = "child"
            continue
        if part not in seen:
            seen.append(part)


def _read_funds_lists(out: Extract, loc: FormLocation, base: Record) -> None:
    """Funds written as label/amount lists (locate._find_funds_lists): one block each, the
    amounts in `amount`."""
    sheet = loc.sheet
    for block, group in enumerate(loc.funds_lists, 1):
        for i, (label_pos, amount_pos) in enumerate(group):
            label = _text(sheet.raw(*label_pos))
            value = sheet.raw(*amount_pos)
            if amount_pos == label_pos:  # '年度预算资金总额：1084.25' in one cell
                value = str(value).replace("：", ":").partition(":")[2].strip()
            source = source_key(label) or label
            rec: Record = dict(base, block=block, row=label_pos[0] + 1, section="total" if i == 0 else "source",
                               source=source, partition="total" if i == 0 else _partition(source), label=label,
                               label_cell=a1(*label_pos))
            for name in NUMERIC_FUNDS[:-1]:
                _empty_num(rec, name)
            _num(rec, "amount", value, amount_pos)
            out.funds.append(rec)


def _fix_rate_scale(rec: Record, raw: Any) -> None:
    """A bare number above 1.5 in a 执行率 cell is read as percent points (98.5 → 98.5 %), but a
    formula result of 160 % arrives as 1.6: when the amounts say which reading is right, use it."""
    if not isinstance(raw, (int, float)) or isinstance(raw, bool) or rec["rate"] is None:
        return
    budget, spent = rec["budget"], rec["spent"]
    if not budget or spent is None:
        return
    actual = spent / budget
    if abs(float(raw) - actual) < abs(rec["rate"] - actual):
        rec["rate"] = float(raw)


def _split_section(loc: FormLocation, col: int) -> str | None:
    """Which of the two text columns (按收入性质 / 按支出性质) a cell belongs to: the marker
    at or left of it (cells left of both belong to the leftmost)."""
    markers = sorted((c, name) for c, name in ((loc.income_col, "income"), (loc.expense_col, "expense")) if c is not None)
    if not markers:
        return None
    section = markers[0][1]
    for c, name in markers:
        if col >= c:
            section = name
    return section


def _read_goals(out: Extract, loc: FormLocation, base: Record) -> None:
    sheet = loc.sheet
    header = loc.goals_header
    index = 0
    rows = loc.goal_rows
    if header is not None and not rows and header.row + 1 < loc.bottom:
        rows = [header.row + 1]  # the answer row exists but is still empty (a blank template)
    for r in rows:
        if header is not None:
            exp_v, exp_pos = cell_in_span(sheet, r, header.columns.get("预期目标", (-1, -1)))
            act_v, act_pos = cell_in_span(sheet, r, header.columns.get("实际完成情况", (-1, -1)))
            if "预期目标" not in header.columns:
                exp_v, exp_pos = None, None
            if "实际完成情况" not in header.columns:
                act_v, act_pos = None, None
        else:  # no 预期/实际 header: texts right of the block label
            label_col = loc.goals_label[1] if loc.goals_label else loc.left
            texts = [(c, v) for c, v in sheet.row_values(r) if c > label_col]
            exp_v, exp_pos = (texts[0][1], (r, texts[0][0])) if texts else (None, None)
            act_v, act_pos = (texts[1][1], (r, texts[1][0])) if len(texts) > 1 else (None, None)
        if is_blank(exp_v) and is_blank(act_v) and index > 0:
            continue
        index += 1
        out.goals.append(
            dict(
                base,
                goal_index=index,
                expected=_text(exp_v) if not is_blank(exp_v) else None,
                expected_cell=a1(*exp_pos) if exp_pos else None,
                actual=_text(act_v) if not is_blank(act_v) else None,
                actual_cell=a1(*act_pos) if act_pos else None,
            )
        )


def _read_indicators(out: Extract, loc: FormLocation, base: Record) -> tuple[float, float]:
    """The indicator rows of one form, block by block; returns the scale its 分值 and 得分 were
    written in (100 where they are a percent split of 100: '10%' is 10 points)."""
    rows: list[list[Any]] = []
    for block in loc.blocks:
        rows += _read_block(loc, block, base)
    scale = _percent_scale(rows)
    out.indicators.extend(map(tuple, rows))
    return scale


def _block_name(loc: FormLocation, block: IndicatorBlock) -> tuple[str | None, tuple[int, int] | None]:
    """What a block without a 一级 column is called: its label, or the text of its header's first
    cell ('资金管理情况'); the main block of a form ('绩效指标') has none."""
    if block is loc.blocks[0] and len(loc.blocks) == 1:
        return None, None
    if block.label is not None and not block.label[0].strip().startswith("绩效指标"):
        return block.label
    header = block.header
    cells = [(c, v) for c, v in loc.sheet.row_values(header.rows[0]) if isinstance(v, str) and v.strip()]
    if cells:
        c, v = cells[0]
        if v.strip() and not norm_label(v).startswith(("绩效指标", "一级", "序号")):
            return v, (header.rows[0], c)
    return None, None


def _read_block(loc: FormLocation, block: IndicatorBlock, base: Record) -> list[list[Any]]:
    header = block.header
    sheet = loc.sheet
    cols = header.columns
    absent: Span = (-1, -2)  # an empty range: a column the form does not have
    level1_span, level2_span = cols.get("一级指标"), cols.get("二级指标")
    name_span, weight_span, score_span = (cols.get(k, absent) for k in ("三级指标", "分值", "得分"))
    actual_span, reason_span = cols.get("实际完成值", absent), cols.get("偏差原因", absent)
    target_span = cols.get("年度指标值", absent)
    split_target = "指标性质" in cols or "度量单位" in cols
    level1_weight_span = cols.get("一级分值")
    level1, level1_pos, level2, level2_pos = None, None, None, None
    level1_fields: tuple[Any, Any, Any] = (None, None, None)
    level2_fields: tuple[Any, Any] = (None, None)
    if level1_span is None:  # a block without 一级 column: the block is its 一级 group
        name, pos = _block_name(loc, block)
        if name is not None and pos is not None:
            level1, level1_pos = _text(name), pos
            level1_fields = (level1_key(name), a1(*pos), declared_weight(name))
    # This loop runs for every indicator row of every form of a bureau's inbox: values are
    # read through locals and blank cells (None) skip the parsers.
    rows: list[list[Any]] = []
    own_level2: list[bool] = []  # the row's 二级 label starts on this row (a leaf of its own)
    file, form_id, sheet_name = base["file"], base["form_id"], base["sheet"]
    for r in block.rows:
        # 一级/二级: merged cells resolve to their top-left value; unmerged groups carry the last
        # non-blank value above (fillers often write the label only on the first row).
        if level1_span is not None:
            v, pos = resolved_in_span(sheet, r, level1_span)
            # The same label written again on the next row continues the group (unmerged layout).
            if pos != level1_pos and not _blank(v) and (text := _text(v)) != level1:
                level1, level1_pos = text, pos
                level2, level2_pos = None, None
                weight = declared_weight(text)
                if weight is None and level1_weight_span is not None:  # '投入 | 13 | 预算配置 | …'
                    weight = _numeric(resolved_in_span(sheet, r, level1_weight_span)[0])[0]
                level1_fields = (level1_key(text), a1(*pos), weight) if text else (None, None, None)
                level2_fields = (None, None)
        level2_here = False
        if level2_span is not None:
            v, pos = resolved_in_span(sheet, r, level2_span)
            if pos != level2_pos and not _blank(v) and (text := _text(v)) != level2:
                level2, level2_pos = text, pos
                level2_fields = (level2_key(text), a1(*pos)) if text else (None, None)
            level2_here = level2_pos is not None and level2_pos[0] == r
        starts = sheet.starts(r)
        name_v, name_pos = in_span(starts, r, name_span)
        weight_v, weight_pos = in_span(starts, r, weight_span)
        score_v, score_pos = in_span(starts, r, score_span)
        if _blank(name_v) and _blank(weight_v) and _blank(score_v):
            continue  # placeholder rows ('无', blanks) are not indicators
        if split_target:
            target_v, target_pos = _target(sheet, r, cols)
        else:
            target_v, target_pos = texts_in_span(starts, r, target_span)
        actual_v, actual_pos = texts_in_span(starts, r, actual_span)
        reason_v, reason_pos = in_span(starts, r, reason_span)
        target = parse_target(target_v)
        if split_target and isinstance(target_v, str) and "定性" in norm_label(_nature(sheet, r, cols) or ""):
            target = type(target)(target.raw, None, None, None, True)
        actual = parse_actual(actual_v)
        if split_target and actual.number is not None and actual.unit is None and "度量单位" in cols:
            # A bare number under a row whose 度量单位 column says '%': the actual is in that unit.
            unit = _text(cell_in_span(sheet, r, cols["度量单位"])[0])
            if unit:
                actual = type(actual)(actual.raw, actual.number, unit, actual.qualitative)
        weight, weight_raw, weight_bad = _numeric(weight_v)
        score, score_raw, score_bad = _numeric(score_v)
        # A plain tuple in INDICATOR_COLUMNS order (made from this list below): a 34-key dict per
        # row costs 4× as much to build, and the frame is made from tuples faster too.
        rows.append([
            file, form_id, sheet_name, r + 1,
            level1, level1_fields[0], level1_fields[1], level1_fields[2],
            level2, level2_fields[0], level2_fields[1],
            # '无' as a 三级 name is still a name: the row is kept only because it is scored.
            _text(name_v), a1(*name_pos),
            None if _blank(target_v) else target.raw, target.operator, target.number, target.unit,
            target.qualitative, a1(*target_pos),
            None if _blank(actual_v) else _text(actual_v), actual.number, actual.unit, actual.qualitative,
            a1(*actual_pos),
            weight, weight_raw, weight_bad, a1(*weight_pos),
            score, score_raw, score_bad, a1(*score_pos),
            None if _blank(reason_v) else _text(reason_v), a1(*reason_pos),
        ])
        own_level2.append(level2_here)
    _two_level_names(rows, own_level2)
    return rows


_W, _WR, _S, _SR = (INDICATOR_INDEX[k] for k in ("weight", "weight_raw", "score", "score_raw"))
_NAME, _NAME_CELL, _L2, _L2_CELL = (INDICATOR_INDEX[k] for k in ("name", "name_cell", "level2", "level2_cell"))


def _two_level_names(rows: list[list[Any]], own_level2: list[bool]) -> None:
    """A form scored at its 二级 level (scoring sheets: '目标设定 | 5 | 5', no 三级 on any scored
    row, or no 三级 column): each row's own 二级 label is its name, so no C304 for it."""
    scored = [i for i, row in enumerate(rows) if row[_W] is not None or row[_S] is not None]
    if not scored or any(rows[i][_NAME] is not None for i in scored):
        return
    for i in scored:
        if own_level2[i] and rows[i][_L2] is not None:
            rows[i][_NAME] = rows[i][_L2]
            rows[i][_NAME_CELL] = rows[i][_L2_CELL]


def _is_percent_text(raw: Any) -> bool:
    return isinstance(raw, str) and raw.strip().endswith(("%", "％"))


def _percent_scale(rows: list[list[Any]]) -> tuple[float, float]:
    """Weights written as a percent split of 100 ('10%', or 0.1 in a percent-formatted cell,
    adding up to 100 %) are points: 10. Scores written the same way follow them."""
    weights = [row[_W] for row in rows if row[_W] is not None]
    if not weights:
        return 1.0, 1.0
    raws = [row[_WR] for row in rows if row[_W] is not None]
    total = sum(weights)
    typed_percent = all(_is_percent_text(r) for r in raws)
    fractions = all(0 <= w <= 1 for w in weights) and len(weights) >= 2
    if not ((typed_percent or fractions) and 0.5 <= total <= 1.0 + 1e-6):
        return 1.0, 1.0
    scores = [row[_S] for row in rows if row[_S] is not None]
    score_scale = 100.0 if scores and all(0 <= s <= 1 for s in scores) else 1.0
    for row in rows:
        if row[_W] is not None:
            row[_W] = round(row[_W] * 100, 6)
        if row[_S] is not None and score_scale != 1.0:
            row[_S] = round(row[_S] * score_scale, 6)
    return 100.0, score_scale


def _blank(value: Any) -> bool:
    """is_blank, with the commonest case (an empty cell) answered without a call."""
    return value is None or is_blank(value)


def _nature(sheet: Any, r: int, cols: dict[str, Span]) -> str | None:
    if "指标性质" not in cols:
        return None
    v, _ = cell_in_span(sheet, r, cols["指标性质"])
    return _text(v)


def _target(sheet: Any, r: int, cols: dict[str, Span]) -> tuple[Any, tuple[int, int]]:
    """年度指标值, combining the split 指标性质 + 指标值 + 度量单位 columns where a province uses them."""
    value, pos = cell_in_span(sheet, r, cols.get("年度指标值", (-1, -2)))
    if "指标性质" not in cols and "度量单位" not in cols:
        return value, pos
    nature = _nature(sheet, r, cols) or ""
    unit_v = cell_in_span(sheet, r, cols["度量单位"])[0] if "度量单位" in cols else None
    if is_blank(value):
        return value, pos
    if nature == "定性":
        return value, pos
    op = nature if nature in ("=", "≥", "≤", ">", "<", "﹦", ">=", "<=", "＝", "≧", "≦") else ""
    unit = _text(unit_v) or ""
    return f"{op}{_text(value)}{unit}", pos


def _read_total(form: Record, loc: FormLocation, scale: tuple[float, float] = (1.0, 1.0)) -> None:
    """The declared 合计/总分 分值 and 得分: the totals row under the indicator block, or a total
    declared elsewhere ('自评得分：92分' in the head of a scoring sheet) for the 得分."""
    header = loc.total_header
    form["has_total_row"] = loc.total_row is not None
    for name in ("total_weight", "total_score"):
        _empty_num(form, name)
    if loc.total_row is not None and header is not None:
        for (key, name), factor in zip((("分值", "total_weight"), ("得分", "total_score")), scale, strict=True):
            if key in header.columns:
                value, pos = cell_in_span(loc.sheet, loc.total_row, header.columns[key])
                _num(form, name, value, pos)
                if form[name] is not None and factor != 1.0 and form[name] <= 1.0 + 1e-9:
                    form[name] = round(form[name] * factor, 6)
    _empty_num(form, "declared_score")
    if loc.declared_total is not None:
        value, pos = loc.declared_total
        if form["total_score"] is None and not form["total_score_bad"]:
            _num(form, "total_score", value, pos)
        else:  # a totals row and a total stated above the table: both are checked (S206)
            _num(form, "declared_score", value, pos)


_FOOTER_FIELDS = {"填表人": "filler", "填报日期": "fill_date", "联系电话": "phone", "单位负责人": "leader"}


def _read_footer(form: Record, loc: FormLocation) -> None:
    form["has_footer"] = bool(loc.footer_cells)
    for col in _FOOTER_FIELDS.values():
        form[col] = None
        form[f"{col}_cell"] = None
    cells = loc.footer_cells
    for i, pos in enumerate(cells):
        text = loc.sheet.raw(*pos)
        parsed = parse_footer(text)
        for key, value in parsed.items():
            col = _FOOTER_FIELDS.get(key)
            if col is None or form[f"{col}_cell"] is not None:
                continue
            # 'label：' alone in a cell with the value in the next cell.
            if not value and i + 1 < len(cells) and not parse_footer(loc.sheet.raw(*cells[i + 1])):
                value = _text(loc.sheet.raw(*cells[i + 1])) or ""
            form[col] = value.strip() or None
            form[f"{col}_cell"] = a1(*pos)
    # C306 applies to the national footer (填表人/填报日期/联系电话); a Sichuan footer with only
    # 项目负责人/财务负责人 has none of those fields to check.
    form["has_footer"] = any(form[f"{c}_cell"] is not None for c in ("filler", "fill_date", "phone"))
    # A date or phone written above the table ('填报日期：2024年3月1日' under the title) is still
    # checked (V502/V503), but it is not a footer: nothing is missing when it is absent.
    for value, (r, c) in loc.info.values():
        parsed = parse_footer(value)
        # '项目负责人及电话' asks for a person and a phone in one cell: a name alone there means
        # no phone was given (not a wrong one), and a head field is not a footer (no C306).
        # parse_footer reads that label as two, the person's 'value' being the '及' between them.
        person_too = any(v == "及" for v in parsed.values())
        for key, text in parsed.items():
            col = _FOOTER_FIELDS.get(key)
            if col is None or form[f"{col}_cell"] is not None:
                continue
            cell = (r, c)
            if not text:  # 'label' | 'value' in two cells
                after = [(cc, v) for cc, v in loc.sheet.row_values(r) if cc > loc.sheet.merge_end(r, c)]
                if after and not parse_footer(after[0][1]):
                    text, cell = _text(after[0][1]) or "", (r, after[0][0])
            if col == "phone" and person_too and not any(ch.isdigit() for ch in text):
                continue
            if text.strip():
                form[col] = text.strip()
                form[f"{col}_cell"] = a1(*cell)


ANSWER_COLUMNS = ["file", "form_id", "sheet", "cell", "text"]


def answers_frame(extracts: list[Extract]) -> Any:
    """Free-text answers outside the four frames (checked for template instructions, C308)."""
    import pandas as pd

    rows = [r for e in extracts for r in e.answers]
    return pd.DataFrame.from_records(rows, columns=ANSWER_COLUMNS) if rows else pd.DataFrame(columns=ANSWER_COLUMNS)


def to_frames(extracts: list[Extract]) -> dict[str, Any]:
    """Build the four tidy frames of a batch of workbooks in one go."""
    import pandas as pd

    def frame(rows: list[Record] | list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
        df = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
        return df

    return {
        "forms": frame([r for e in extracts for r in e.forms], FORM_COLUMNS),
        "funds": frame([r for e in extracts for r in e.funds], FUNDS_COLUMNS),
        "indicators": frame([r for e in extracts for r in e.indicators], INDICATOR_COLUMNS),
        "goals": frame([r for e in extracts for r in e.goals], GOAL_COLUMNS),
    }

