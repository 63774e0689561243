"""The tidy frames as pandera models: the public schema of what `convert` writes and the rules
run on (SPEC §2). One row per thing; every value paired with the cell it came from (`*_cell`,
an A1 address on `sheet`, or `表N!A1` for a form read from a Word report's N-th table).

    from xlsxtool.api import frames_of
    from xlsxtool.schemas import Indicators, validate_frames

    frames, _ = frames_of(["报送/"])
    Indicators.validate(frames["indicators"])   # one frame
    validate_frames(frames)                     # all of them, and the keys between them

Numbers are float (empty = NaN); a numeric cell that holds text keeps it in `<column>_raw` with
`<column>_bad` set (rule V501). Text columns are nullable strings. The models coerce: a column
that is empty in the whole batch comes out of pandas as `object`, and validates as its type.
Validate batches, not files: a pandera call costs milliseconds whatever the frame's size.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

# A1 address, or 表N!A1 (a form read across a Word report's tables).
CELL_PATTERN = r"^(表\d+!)?[A-Z]{1,3}[1-9][0-9]*$"


_CELL_RE = re.compile(CELL_PATTERN)


@lru_cache(maxsize=1 << 16)
def _is_cell(value: str) -> bool:
    return bool(_CELL_RE.match(value))


def _cell() -> Any:
    # The address format is checked once for all `*_cell` columns (_Frame._cells).
    return pa.Field(nullable=True)


def _text() -> Any:
    return pa.Field(nullable=True)


def _number() -> Any:
    return pa.Field(nullable=True)


class _Frame(pa.DataFrameModel):
    """Columns every frame has: which workbook, which form in it, which sheet."""

    file: Series[str] = pa.Field(description="the file as reports show it")
    form_id: Series[int] = pa.Field(ge=0, description="the form's index in its workbook")
    sheet: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = False  # a script may add columns of its own

    @pa.check(r".*_cell$", regex=True, name="单元格地址")
    @classmethod
    def _cells(cls, cells: Series[str]) -> Series[bool]:
        # One cached regex per value: pandera's str_matches costs ~70 ms per column of 10,000 rows.
        return pd.Series([_is_cell(v) for v in cells.tolist()], index=cells.index, dtype=bool)


class Forms(_Frame):
    """One row per form: kind, title, head fields, declared totals, footer, and their cells."""

    kind: Series[str] = pa.Field(isin=["project", "department"])
    title: Series[str] = _text()
    title_cell: Series[str] = _cell()
    year: Series[float] = _number()
    name: Series[str] = _text()
    name_cell: Series[str] = _cell()
    department: Series[str] = _text()
    department_cell: Series[str] = _cell()
    unit: Series[str] = _text()
    unit_cell: Series[str] = _cell()
    money_unit: Series[str] = pa.Field(nullable=True, isin=["万元", "元"])
    funds_label: Series[str] = _text()
    funds_label_cell: Series[str] = _cell()
    funds_weight_declared: Series[float] = _number()
    indicators_label: Series[str] = _text()
    indicators_label_cell: Series[str] = _cell()
    indicators_weight_declared: Series[float] = _number()
    total_weight: Series[float] = _number()
    total_weight_raw: Series[str] = _text()
    total_weight_bad: Series[bool]
    total_weight_cell: Series[str] = _cell()
    total_score: Series[float] = _number()
    total_score_raw: Series[str] = _text()
    total_score_bad: Series[bool]
    total_score_cell: Series[str] = _cell()
    has_total_row: Series[bool]
    has_footer: Series[bool]
    filler: Series[str] = _text()
    filler_cell: Series[str] = _cell()
    fill_date: Series[str] = _text()
    fill_date_cell: Series[str] = _cell()
    phone: Series[str] = _text()
    phone_cell: Series[str] = _cell()
    leader: Series[str] = _text()
    leader_cell: Series[str] = _cell()
    missing: Series[str] = pa.Field(nullable=True, description="what a scoring form lacks (F005)")
    hidden_sheet: Series[bool]
    scoring: Series[str] = pa.Field(isin=["scored", "targets", "none"])
    indicator_header_cell: Series[str] = _cell()
    funds_has_weight: Series[bool]
    has_funds: Series[bool]
    has_unknown: Series[bool] = pa.Field(description="a part of the form was not understood (F006)")
    declared_score: Series[float] = _number()
    declared_score_raw: Series[str] = _text()
    declared_score_bad: Series[bool]
    declared_score_cell: Series[str] = _cell()

    class Config:
        unique = ["file", "form_id"]


class Funds(_Frame):
    """One row per row of a funds block (年度资金总额, its sources; a department's income and
    expense split) and per item of a funds list: amounts, 分值, 执行率, 得分, and their cells."""

    block: Series[int] = pa.Field(ge=0, description="0: the form's funds block; others: funds lists")
    row: Series[int]
    section: Series[str] = pa.Field(isin=["total", "source", "income", "expense"])
    source: Series[str] = _text()
    partition: Series[str] = pa.Field(nullable=True, isin=["income", "level", "expense", "total", "child"],
                                      description="which split of the total a source row belongs to (B104)")
    label: Series[str] = _text()
    label_cell: Series[str] = _cell()
    budget_initial: Series[float] = _number()
    budget_initial_raw: Series[str] = _text()
    budget_initial_bad: Series[bool]
    budget_initial_cell: Series[str] = _cell()
    budget: Series[float] = _number()
    budget_raw: Series[str] = _text()
    budget_bad: Series[bool]
    budget_cell: Series[str] = _cell()
    spent: Series[float] = _number()
    spent_raw: Series[str] = _text()
    spent_bad: Series[bool]
    spent_cell: Series[str] = _cell()
    weight: Series[float] = _number()
    weight_raw: Series[str] = _text()
    weight_bad: Series[bool]
    weight_cell: Series[str] = _cell()
    rate: Series[float] = pa.Field(nullable=True, description="执行率 as declared, a fraction (0.9 = 90 %)")
    rate_raw: Series[str] = _text()
    rate_bad: Series[bool]
    rate_cell: Series[str] = _cell()
    score: Series[float] = _number()
    score_raw: Series[str] = _text()
    score_bad: Series[bool]
    score_cell: Series[str] = _cell()
    amount: Series[float] = _number()
    amount_raw: Series[str] = _text()
    amount_bad: Series[bool]
    amount_cell: Series[str] = _cell()


class Indicators(_Frame):
    """One row per 三级指标: 一级 (with the weight its label declares) and 二级, the target parsed
    (operator, number, unit, qualitative), the actual parsed, 分值, 得分, 偏差原因, their cells."""

    row: Series[int]
    level1: Series[str] = _text()
    level1_key: Series[str] = pa.Field(nullable=True, description="the 一级 label normalised ('产出指标')")
    level1_cell: Series[str] = _cell()
    level1_weight: Series[float] = pa.Field(nullable=True, description="'产出指标（50分）' → 50")
    level2: Series[str] = _text()
    level2_key: Series[str] = _text()
    level2_cell: Series[str] = _cell()
    name: Series[str] = _text()
    name_cell: Series[str] = _cell()
    target: Series[str] = _text()
    target_op: Series[str] = pa.Field(nullable=True, isin=["≥", ">", "=", "≤", "<"])
    target_value: Series[float] = _number()
    target_unit: Series[str] = _text()
    target_qualitative: Series[bool]
    target_cell: Series[str] = _cell()
    actual: Series[str] = _text()
    actual_value: Series[float] = _number()
    actual_unit: Series[str] = _text()
    actual_qualitative: Series[bool]
    actual_cell: Series[str] = _cell()
    weight: Series[float] = _number()
    weight_raw: Series[str] = _text()
    weight_bad: Series[bool]
    weight_cell: Series[str] = _cell()
    score: Series[float] = _number()
    score_raw: Series[str] = _text()
    score_bad: Series[bool]
    score_cell: Series[str] = _cell()
    reason: Series[str] = pa.Field(nullable=True, description="偏差原因分析及改进措施")
    reason_cell: Series[str] = _cell()


class Goals(_Frame):
    """One row per 年度总体目标: 预期目标 and 实际完成情况, and their cells."""

    goal_index: Series[int] = pa.Field(ge=1)
    expected: Series[str] = _text()
    expected_cell: Series[str] = _cell()
    actual: Series[str] = _text()
    actual_cell: Series[str] = _cell()


class Answers(_Frame):
    """Other answer cells (free text outside the four frames; rule C308)."""

    cell: Series[str] = _cell()
    text: Series[str] = _text()


MODELS: dict[str, type[_Frame]] = {"forms": Forms, "funds": Funds, "indicators": Indicators, "goals": Goals,
                                   "answers": Answers}


class FramesError(ValueError):
    """Frames that do not match the schema; the message names the frame, column and check."""


def validate_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Validate a batch's frames (one pandera call per frame) and the keys between them: every
    row of funds, indicators, goals and answers belongs to a form of `forms`. Returns the frames
    typed (coerced); raises FramesError with every failure named."""
    out: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for name, df in frames.items():
        model = MODELS.get(name)
        if model is None:
            out[name] = df
            continue
        try:
            out[name] = model.validate(df, lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases[["column", "check"]].drop_duplicates().head(10)
            problems += [f"{name}.{col}：{check}" for col, check in cases.itertuples(index=False)]
            out[name] = df
    forms = frames.get("forms")
    if forms is not None:
        keys = set(zip(forms["file"].tolist(), forms["form_id"].tolist(), strict=True))
        for name in ("funds", "indicators", "goals", "answers"):
            df = frames.get(name)
            if df is None or df.empty:
                continue
            orphans = {k for k in zip(df["file"].tolist(), df["form_id"].tolist(), strict=True) if k not in keys}
            if orphans:
                problems.append(f"{name}：{len(orphans)} 个 (file, form_id) 不在 forms 中")
    if problems:
        raise FramesError("表格数据不符合 xlsxtool.schemas：" + "；".join(problems))
    return out


__all__ = ["CELL_PATTERN", "MODELS", "Answers", "Forms", "FramesError", "Funds", "Goals", "Indicators", "validate_frames"]
