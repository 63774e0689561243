"""Stage 4 — validate: the rule catalog (xlsxtool.rules) run over the tidy frames of a batch.

Every rule declares the frame it runs on and a vectorised check (xlsxtool.rules.base). The
enabled checks of one frame run as one pandera schema (`validate(lazy=True)`): a batch of many
workbooks is validated in a handful of calls; failure cases come back as frame indices, which
map to cells through the provenance columns (`*_cell`). Messages are rendered here, in Chinese,
from the rules' templates — never pandera's own error strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .results import Finding
from .rules import RULES, Rule, RuleError, Variant
from .rules.frames import FRAME_CLASSES, Batch, Frame
from .rules.helpers import fmt, pct

__all__ = ["Validator", "fmt", "pct", "validate"]


def _failures(df: pd.DataFrame, checks: dict[str, Any]) -> dict[str, list[Any]]:
    """Run named row checks as one pandera schema; return failing index labels per check name.

    A check returns True for valid rows. Failure cases are reported per column, so indices
    are de-duplicated per check.
    """
    if df.empty or not checks:
        return {}
    # Checks compute from the frame they close over (a check is called with the frame's row
    # numbers only). pandera validates that one integer Series: failure cases come back one per
    # failing row with its index label, with none of the row × column reshaping a frame needs.
    schema = pa.SeriesSchema(checks=[pa.Check(lambda _rows, fn=fn: fn(), name=name) for name, fn in checks.items()])
    rows = pd.Series(np.arange(len(df)), index=df.index, name="row")
    try:
        schema.validate(rows, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        out: dict[str, list[Any]] = {}
        for name, idx in cases[["check", "index"]].drop_duplicates().itertuples(index=False):
            if pd.notna(idx):
                out.setdefault(str(name), []).append(idx)
        return out
    return {}


class Validator:
    def __init__(self, frames: dict[str, pd.DataFrame], codes: set[str], tolerances: dict[str, float] | None = None,
                 weights: dict[str, float] | None = None, profile: str = "national"):
        self.batch = Batch(frames, tolerances or {}, weights, profile)
        self.codes = codes
        self.findings: list[Finding] = []
        forms = self.batch.forms
        self._names: dict[tuple[str, int], str | None] = {
            (f, int(i)): (n if isinstance(n, str) else (t if isinstance(t, str) else None))
            for f, i, n, t in forms[["file", "form_id", "name", "title"]].itertuples(index=False)
        }

    def _emit(self, rule: Rule, row: Mapping[str, Any], cell: Any, expected: Any = None, actual: Any = None, **fields: Any) -> None:
        try:
            # Templates may name the expected/actual values too (B102: '… = {expected} 不符').
            message = rule.message.format(expected=expected, actual=actual, **fields)
        except (KeyError, IndexError):
            message = rule.title
        file, form_id, sheet = str(row["file"]), int(row["form_id"]), row.get("sheet")
        self.findings.append(
            Finding(
                rule=rule.code,
                severity=rule.severity,
                file=file,
                sheet=str(sheet) if sheet is not None else None,
                cell=cell if isinstance(cell, str) else None,
                form=self._names.get((file, form_id)),
                message=message,
                expected=None if expected is None else str(expected),
                actual=None if actual is None else str(actual),
                form_id=form_id,
            )
        )

    def _run(self, frame: Frame, checks: list[tuple[Rule, Variant]]) -> None:
        df = frame.df
        if df is None or df.empty:
            return
        names = [f"{rule.code}:{v.name}" if v.name else rule.code for rule, v in checks]
        # pandera's convention: a check is True on valid rows; a rule's check is True where it fires.
        # A local rule's check runs before pandera, which would turn its exception into a failure
        # case without a row (nothing reported): its author must hear that the rule broke.
        local = {name: ~_checked(rule, v, frame) for name, (rule, v) in zip(names, checks, strict=True) if rule.local}
        failures = _failures(df, {name: ((lambda valid=local[name]: valid) if name in local else (lambda v=v: ~v.check(frame)))
                                  for name, (rule, v) in zip(names, checks, strict=True)})
        # In the order the checks are declared, then row order: pandera's failure cases come in
        # an order that depends on the batch, and findings on one cell must not swap places.
        for name, (rule, v) in zip(names, checks, strict=True):
            indices = failures.get(name)
            if not indices:
                continue
            for row in _Rows(df, sorted(indices)):
                self._emit(rule, row, **_rendered(rule, v, row, frame))

    def run(self) -> list[Finding]:
        enabled = [rule for code, rule in RULES.items() if code in self.codes and rule.variants]
        for cls in FRAME_CLASSES:
            checks = [(rule, v) for rule in enabled for v in rule.variants if v.frame == cls.name]
            if checks:  # a frame no enabled rule runs on is never built
                self._run(cls(self.batch), checks)
        return self.findings


def _checked(rule: Rule, v: Variant, frame: Frame) -> pd.Series:
    """A local rule's check, run and checked: a clear message naming the rule if it breaks."""
    try:
        fires = v.check(frame)
    except Exception as exc:  # a bureau's rule: its author learns which rule failed and why
        raise RuleError(f"本地规则 {rule.code}（{rule.origin}）检查时出错：{type(exc).__name__}: {exc}") from exc
    if not isinstance(fires, pd.Series) or len(fires) != len(frame.df if frame.df is not None else ()):
        raise RuleError(f"本地规则 {rule.code}（{rule.origin}）的 check 应返回与 {frame.name} 行数相同的布尔 Series")
    if not fires.index.equals(frame.df.index):  # a Series built from a list: its rows in frame order
        fires = pd.Series(fires.to_numpy(), index=frame.df.index)
    return fires.fillna(False).astype(bool)


def _rendered(rule: Rule, v: Variant, row: Mapping[str, Any], frame: Frame) -> dict[str, Any]:
    if not rule.local:  # built-in renders are tested; no wrapping on the hot path
        return v.render(row, frame)
    try:
        fields = v.render(row, frame)
    except Exception as exc:
        raise RuleError(f"本地规则 {rule.code}（{rule.origin}）生成提示时出错：{type(exc).__name__}: {exc}") from exc
    if not isinstance(fields, dict) or "cell" not in fields:
        raise RuleError(f"本地规则 {rule.code}（{rule.origin}）的 render 应返回含 cell 的 dict")
    missing = [k for k in rule.fields if k not in fields and k not in ("expected", "actual")]
    if missing:
        raise RuleError(f"本地规则 {rule.code}（{rule.origin}）的 render 缺少提示文字的字段：{'、'.join(missing)}")
    return fields


class _Rows(Sequence["_Row"]):
    """Rows of a frame read like dicts (failing rows, for rendering findings). Columns are
    turned into plain lists only when asked for: a rule reads a handful of 30–60 columns, and
    `to_dict("records")` boxes every cell one by one."""

    def __init__(self, df: pd.DataFrame, labels: list[Any]) -> None:
        self._df = df
        self._positions = df.index.get_indexer(labels)  # copying whole rows of a wide frame is slow
        self._n = len(self._positions)
        self._columns: dict[str, list[Any]] = {}

    def column(self, name: str) -> list[Any]:
        values = self._columns.get(name)
        if values is None:
            if name not in self._df.columns:
                raise KeyError(name)
            values = self._columns[name] = self._df[name].iloc[self._positions].tolist()
        return values

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[_Row]:
        return (_Row(self, i) for i in range(self._n))

    @overload
    def __getitem__(self, i: int) -> _Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[_Row]: ...
    def __getitem__(self, i: int | slice) -> _Row | list[_Row]:
        if isinstance(i, slice):
            return [_Row(self, k) for k in range(self._n)[i]]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return _Row(self, i % self._n)


class _Row(Mapping[str, Any]):
    """One row of `_Rows`, read like a dict: r["score"], r.get("sheet")."""

    __slots__ = ("_rows", "_i")

    def __init__(self, rows: _Rows, i: int) -> None:
        self._rows, self._i = rows, i

    def __getitem__(self, name: str) -> Any:
        return self._rows.column(name)[self._i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows._df.columns)

    def __len__(self) -> int:
        return len(self._rows._df.columns)


def validate(frames: dict[str, pd.DataFrame], codes: set[str] | None = None,
             tolerances: dict[str, float] | None = None, weights: dict[str, float] | None = None,
             profile: str = "national") -> list[Finding]:
    """Run the rule catalog over a batch of tidy frames. File-level rules (F001–F004) are
    produced by the checker, which sees the files; everything else is here. *weights* and
    *profile* are the configuration's (xlsxtool.config.Settings)."""
    return Validator(frames, set(RULES) if codes is None else codes, tolerances, weights, profile).run()
