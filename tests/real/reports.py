"""The real-report corpus: the narrative of published 绩效自评报告 (and of the 决算/预算 说明 that
state the same kind of figures), paragraph by paragraph, with the N7xx findings a careful
reviewer reports on them.

One file per report under `tests/real/reports/`, plain UTF-8 text:

    source: https://…             where it was published (required)
    retrieved: 2026-11-30         when it was transcribed from the stored page (required)
    province: 云南                 (required)
    kind: project | department | summary | budget-note
    partial: what the stored page lacks (it stops early, starts mid-document), or 'no'
    notes: transcription choices
    table: project name=… initial=16 budget=16 spent=16 rate=100% score=10 total=100/100
    table-from: page | text (why)  page: the page shows the table; text: it does not, and the
                                   form is built from the figures the text itself states, so
                                   that N701/N702 are exercised on real sentences

    text:
    一、项目基本情况                 one body paragraph per line, as published
    …

    grid:                          (optional) a table the page shows that is not a 自评表,
    | 项目名称 | 债券规模 | … |      written like tests/real/tables; it follows the paragraphs

    numbers:
    第9段 16万元 年初预算资金 = the form's 年初预算数 16 → agrees
    …                               every figure a rule could compare, and why it agrees or not

    expect:
    warning N704 第6段  why a reviewer reports it
                                   `expect:` followed by nothing means: no N finding at all

Paragraph N in `第N段` is the N-th line under `text:` (the .docx the test writes has exactly
these body paragraphs, the table after them). The form is minimal: only the figures the `table:`
line gives mean anything, its other cells are tests.builders' defaults, so the table's own
findings (B/S/C rules) are no part of the expectations — only the N rules are. Stored pages keep the punctuation their crawler
left (often half-width ',' ':' '(' for the publisher's '，' '：' '（'); it is kept as stored, so the
checker is tried on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.real.corpus import _merges, _split_row, read_sections

REPORTS = Path(__file__).resolve().parent / "reports"
REQUIRED = ("source", "retrieved", "province", "kind")
_EXPECT_RE = re.compile(r"^(error|warning)\s+(N7\d\d)\s+(第\d+段)\s+(.+)$")
_SECTIONS = ("text", "grid", "numbers", "expect")


@dataclass(frozen=True)
class Expected:
    severity: str
    rule: str
    cell: str
    reason: str


@dataclass
class RealReport:
    path: Path
    meta: dict[str, str]
    paragraphs: list[str]
    table: dict[str, str] | None = None  # the 'table:' spec: kind and key=value figures
    grid: tuple[list[list[str]], list[tuple[int, int, int, int]]] | None = None
    numbers: list[str] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem


def _table_spec(value: str) -> dict[str, str]:
    kind, *pairs = value.split()
    spec = {"kind": kind}
    for pair in pairs:
        key, sep, v = pair.partition("=")
        if not sep:
            raise ValueError(f"table: '{pair}' is not key=value")
        spec[key] = v
    if kind not in ("project", "department"):
        raise ValueError(f"table: kind must be project or department, not {kind!r}")
    return spec


def parse(path: Path) -> RealReport:
    meta, numbered = read_sections(path, _SECTIONS)
    lines = {s: [line.strip() if s == "text" else line.rstrip() for _n, line in numbered[s]] for s in _SECTIONS}
    for key in REQUIRED:
        if not meta.get(key):
            raise ValueError(f"{path.name}: '{key}:' is required")
    if not lines["text"]:
        raise ValueError(f"{path.name}: no text")
    if "expect:" not in path.read_text(encoding="utf-8"):
        raise ValueError(f"{path.name}: no 'expect:' section")
    expected = []
    for line in lines["expect"]:
        m = _EXPECT_RE.match(line.strip())
        if not m:
            raise ValueError(f"{path.name}: expectation must read '<error|warning> N7xx 第N段 reason': {line!r}")
        expected.append(Expected(*m.groups()))
    table = _table_spec(meta["table"]) if meta.get("table") else None
    if table is not None and meta.get("table-from", "").split(" ")[0] not in ("page", "text"):
        raise ValueError(f"{path.name}: 'table-from:' must start with page or text")
    grid = _merges([_split_row(line) for line in lines["grid"]]) if lines["grid"] else None
    return RealReport(path=path, meta=meta, paragraphs=lines["text"], table=table, grid=grid,
                      numbers=lines["numbers"], expected=expected)


def all_reports() -> list[RealReport]:
    return [parse(p) for p in sorted(REPORTS.glob("*.txt"))]


def _amount(value: str | None) -> Any:
    if value is None:
        return None
    return float(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value


def form_of(report: RealReport) -> Any:
    """The report's 自评表 as a tests.builders Form (national project layout, or the 湖南
    department layout), carrying the figures the 'table:' line gives."""
    from tests.builders import department_form, project_form

    spec = report.table
    if spec is None:
        return None
    total: tuple[Any, Any] | None = None
    if "total" in spec:
        weight, score = spec["total"].split("/")
        total = (_amount(weight), _amount(score))
    funds = dict(initial=_amount(spec.get("initial")), budget=_amount(spec.get("budget")),
                 spent=_amount(spec.get("spent")), weight=10, rate=spec.get("rate"),
                 score=_amount(spec.get("score")))
    if spec["kind"] == "project":
        sources = [dict(source="年度资金总额", **funds),
                   dict(source="其中：当年财政拨款", initial=funds["initial"], budget=funds["budget"], spent=funds["spent"]),
                   dict(source="上年结转资金"), dict(source="其他资金")]
        return project_form(name=spec.get("name", "某项目"), funds=sources, total=total)
    expense = [f"其中：基本支出：{spec['基本支出']}万元" if "基本支出" in spec else "其中：基本支出：",
               f"项目支出：{spec['项目支出']}万元" if "项目支出" in spec else "项目支出：", 0, 0]
    return department_form(name=spec.get("name", "某单位"), total_funds=funds, expense=expense, total=total)


def write_docx(report: RealReport, path: Path) -> Path:
    """The report as a .docx: its paragraphs, then its table(s) (the form, the page's grid)."""
    from tests.docx_builders import Grid, grid_from_sheet, write_report

    blocks: list[Any] = list(report.paragraphs)
    form = form_of(report)
    if form is not None:
        blocks.append(grid_from_sheet(form.rows, form.merges))
    if report.grid is not None:
        rows, merges = report.grid
        blocks.append(Grid(rows=rows, merges=merges))
    return write_report(path, blocks)


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.real.reports [FILE...]`: write each report as .docx, check it, print the
    N findings against the expected ones."""
    import sys
    import tempfile

    from xlsxtool import api

    args = (argv if argv is not None else sys.argv[1:]) or [str(p) for p in sorted(REPORTS.glob("*.txt"))]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for arg in args:
            report = parse(Path(arg))
            (entry,) = api.check([write_docx(report, Path(tmp) / f"{report.name}.docx")]).files
            got = [f for f in entry.findings if f.rule.startswith("N7")]
            want = {(e.rule, e.cell) for e in report.expected}
            have = {(f.rule, f.cell) for f in got}
            mark = "✔" if want == have and len(got) == len(report.expected) else "✘"
            print(f"{mark} {report.name}: {len(report.paragraphs)} paragraphs, {len(report.expected)} expected, {len(got)} found")
            for e in report.expected:
                if (e.rule, e.cell) not in have:
                    print(f"    missed  {e.severity:7} {e.rule} {e.cell}  {e.reason}")
            for f in got:
                if (f.rule, f.cell) not in want:
                    print(f"    extra   {f.severity:7} {f.rule} {f.cell}  {f.message}")
            failures += mark == "✘"
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
