"""The results model: what every rule produces (`Finding`) and what a run returns
(`FileResult` per file, `CheckResult` per run). `api` builds these and `report` reads them;
this module imports neither, so neither imports the other through it.

`from xlsxtool.api import FileResult, CheckResult` and `from xlsxtool.findings import Finding`
keep working (re-exports).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Source
    from .normalize import Extract
    from .word import WordInfo

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


@dataclass(frozen=True)
class Skipped:
    """A file a run did not check, and why (reports list every one)."""

    path: str
    reason: str


# What the reports read of a form once its rows are validated (see FileResult.slim).
_SUMMARY_FORM_KEYS = ("form_id", "kind", "name", "title", "unit", "department", "total_score", "sheet",
                      "title_cell", "total_weight")


@dataclass
class FileResult:
    source: Source
    extract: Extract | None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # F001/F002 code when unreadable
    notes: list[str] = field(default_factory=list)  # things the user should know (hidden sheets…)
    _scores: list[tuple[int, str, float | None]] | None = field(default=None, repr=False)
    _weights: list[float | None] | None = field(default=None, repr=False)
    word: WordInfo | None = None  # a Word report: how its tables are addressed (see word.py)

    @property
    def is_word(self) -> bool:
        return self.word is not None

    @property
    def path(self) -> str:
        return self.source.display

    @property
    def forms(self) -> int:
        return len(self.extract.forms) if self.extract else 0

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    def form_scores(self) -> list[tuple[int, str, float | None]]:
        """(form_id, name, total score) per form: the declared 合计得分, else the sum of scores."""
        if self._scores is not None:
            return self._scores
        ext = self.extract
        out: list[tuple[int, str, float | None]] = []
        for form in ext.forms if ext is not None else []:
            total = self._form_total(form, "score")
            out.append((form["form_id"], form.get("name") or form.get("title") or f"表{form['form_id'] + 1}", total))
        return out

    def _form_total(self, form: dict[str, Any], column: str) -> float | None:
        """A form's declared 合计 (column 'score' or 'weight'), else funds + indicator values."""
        total = form.get(f"total_{column}")
        if total is not None or self.extract is None:
            return total
        ext, fid = self.extract, form["form_id"]
        from .normalize import INDICATOR_INDEX  # the row layout of Extract.indicators

        form_col, value_col = INDICATOR_INDEX["form_id"], INDICATOR_INDEX[column]
        parts = [r[value_col] for r in ext.indicators if r[form_col] == fid and r[value_col] is not None]
        parts += [r[column] for r in ext.funds
                  if r["form_id"] == fid and r["section"] == "total" and r.get(column) is not None]
        return round(sum(parts), 6) if parts else None

    def form_weights(self) -> list[float | None]:
        """Total 分值 per form (form order): the declared 合计分值, else funds + indicator 分值."""
        if self._weights is not None:
            return self._weights
        ext = self.extract
        out: list[float | None] = [self._form_total(form, "weight") for form in (ext.forms if ext is not None else [])]
        return out

    def form_records(self) -> list[dict[str, Any]]:
        """One record per form for reports and scripts: name, kind, where it is, its totals,
        grade and finding counts (JSON `form_details`, the summary's 各表得分 sheet)."""
        from .rules import grade

        forms = self.extract.forms if self.extract is not None else []
        records = []
        for form, (fid, name, score), weight in zip(forms, self.form_scores(), self.form_weights(), strict=True):
            own = [f for f in self.findings if f.form_id == fid]
            errors = sum(f.severity == "error" for f in own)
            records.append({
                "index": fid, "name": name, "kind": form.get("kind"), "sheet": form.get("sheet"),
                "title_cell": form.get("title_cell"), "total_weight": weight, "total_score": score,
                "grade": grade(score), "errors": errors, "warnings": sum(f.severity == "warning" for f in own),
                "verdict": "需修改" if errors else "通过",
            })
        return records

    def slim(self) -> None:
        """Drop the per-row records once validated: a bulk run keeps only what reports need
        (form headers, scores, findings), so memory stays flat over thousands of files."""
        self._scores = self.form_scores()
        self._weights = self.form_weights()
        if self.extract is not None:
            ext = self.extract
            ext.funds, ext.indicators, ext.goals, ext.answers = [], [], [], []
            ext.forms = [{k: f.get(k) for k in _SUMMARY_FORM_KEYS} for f in ext.forms]

    @property
    def verdict(self) -> str:
        if self.error:
            return "无法读取"
        return "需修改" if self.errors else "通过"


@dataclass
class CheckResult:
    files: list[FileResult]
    skipped: list[Skipped] = field(default_factory=list)  # found but not checked, with why

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.files)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.files)

    @property
    def forms(self) -> int:
        return sum(r.forms for r in self.files)

    @property
    def exit_code(self) -> int:
        if not self.files:
            return 2  # nothing to check (SPEC §4): never a silent "passed"
        return 1 if self.errors else 0


