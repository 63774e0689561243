"""The findings model: what every rule produces and every report consumes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str  # fixed code, e.g. 'S201'
    severity: str  # 'error' | 'warning' | 'info'
    file: str
    sheet: str | None  # None for file-level findings
    cell: str | None  # A1 address on `sheet`, None for file-level findings
    form: str | None  # the form's name (项目名称 / 部门名称 / title)
    message: str  # Chinese, names the values involved
    expected: str | None = None
    actual: str | None = None
    form_id: int | None = None  # index of the form in its workbook

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.form_id if self.form_id is not None else -1, SEVERITY_ORDER.get(self.severity, 9), self.rule, self.sheet or "", self.cell or "")
