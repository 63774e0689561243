"""The real-table corpus: published 自评表 transcribed cell by cell, with the findings a careful
reviewer reports on them (issue 12).

One file per table under `tests/real/tables/`, plain UTF-8 text:

    source: https://…             where the table was published (required)
    retrieved: 2026-11-30         when it was transcribed from the stored page (required)
    province: 安徽                 (required)
    kind: project | department | other
    layout: what is unusual about it
    partial: why rows are missing (the stored page stops early), or 'no'
    notes: transcription choices (e.g. merges inferred from the template)

    grid:
    | 项目支出绩效自评表 | < | < | < |
    | 项目名称 | 某项目 | < | < |
    | 一级指标 | 二级指标 | … |
    | 产出指标 | 数量指标 | … |
    | ^ | 质量指标 | … |

    expect:
    error S201 H14  得分 10 超过分值 8 (why a reviewer reports it)
    warning S208 B12  产出 40 分, standard 50

Grid rows are pipe tables: one cell between two pipes, one space of padding on each side removed.
`<` merges a cell into the cell on its left, `^` into the cell above (rectangles only); an empty
cell is empty; `\\n` is a line break inside a cell, `\\|` a pipe, `\\<` and `\\^` the characters.
Rows shorter than the widest row are padded with empty cells.

Expectations: `<error|warning> <RULE> <A1 cell or ->  <reason>`; the cell is an address on the
grid (row 1 = the grid's first row). `expect:` followed by nothing means: no findings at all.

Policies the expectations share (so that tables of one kind are judged alike):
* The table is judged as transcribed: a page cut short is a table cut short (S204/S205 fire on
  the weights shown), but text the extraction lost (an empty 三级 name, a dropped digit) is not
  transcribed as if the publisher left it empty — such rows or tables are left out.
* Target tables (绩效目标表, 区域绩效自评表 without scores) are forms with nothing to score:
  no F003, no F005, no per-row C30x/S203/S212.
* Weights written only in labels ('产出指标 40 分' with no 分值 column) are not 分值: their
  sums are unknown, so no S204/S205 rests on them.
* A form with no indicator row (C309) gets no S204/S205 beside it: those totals rest on the
  indicator weights it does not have.
* A form whose indicators have no 实际完成值 column (a 绩效目标申报表) states targets only: its
  goals' empty 完成情况 is not due (no C307).
* `*` in a phone number is a masked digit (the masking is ours); a '负责人及电话' head field is
  not the footer's 联系电话 (no C306 for it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TABLES = Path(__file__).resolve().parent / "tables"
REQUIRED = ("source", "retrieved", "province")
_NUMBER_RE = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Expected:
    severity: str
    rule: str
    cell: str | None
    reason: str


@dataclass
class RealTable:
    path: Path
    meta: dict[str, str]
    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]]  # r0, c0, r1, c1, 0-based inclusive
    expected: list[Expected] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def _split_row(line: str) -> list[str]:
    body = line.strip()
    if not (body.startswith("|") and body.endswith("|")) or len(body) < 2:
        raise ValueError(f"not a grid row: {line!r}")
    cells: list[str] = []
    current: list[str] = []
    i, body = 0, body[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in "|n<^\\":
            current.append({"n": "\n", "|": "\x00PIPE", "<": "\x00LT", "^": "\x00UP", "\\": "\\"}[body[i + 1]])
            i += 2
            continue
        if ch == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    cells.append("".join(current))
    out = []
    for cell in cells:
        if cell.startswith(" "):
            cell = cell[1:]
        if cell.endswith(" "):
            cell = cell[:-1]
        out.append(cell)
    return out


def _unescape(cell: str) -> str:
    return cell.replace("\x00PIPE", "|").replace("\x00LT", "<").replace("\x00UP", "^")


def _merges(marks: list[list[str]]) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """Resolve '<' and '^' marks into rectangles; the marked cells become empty."""
    n_rows = len(marks)
    width = max((len(r) for r in marks), default=0)
    grid = [r + [""] * (width - len(r)) for r in marks]
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r in range(n_rows):
        for c in range(width):
            v = grid[r][c]
            if v == "<":
                if c == 0:
                    raise ValueError(f"row {r + 1}: '<' in the first column")
                owner[(r, c)] = owner.get((r, c - 1), (r, c - 1))
            elif v == "^":
                if r == 0:
                    raise ValueError(f"column {c + 1}: '^' in the first row")
                owner[(r, c)] = owner.get((r - 1, c), (r - 1, c))
    extent: dict[tuple[int, int], list[int]] = {}
    for (r, c), anchor in owner.items():
        e = extent.setdefault(anchor, [anchor[0], anchor[1], anchor[0], anchor[1]])
        e[2], e[3] = max(e[2], r), max(e[3], c)
    merges: list[tuple[int, int, int, int]] = []
    for (ar, ac), (r0, c0, r1, c1) in sorted(extent.items()):
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (ar, ac) and owner.get((r, c)) != (ar, ac):
                    raise ValueError(f"merge from {ar + 1},{ac + 1} is not a rectangle (cell {r + 1},{c + 1})")
        merges.append((r0, c0, r1, c1))
    values = [["" if (r, c) in owner else _unescape(grid[r][c]) for c in range(width)] for r in range(n_rows)]
    return values, merges


_EXPECT_RE = re.compile(r"^(error|warning)\s+([A-Z]\d{3})\s+(\S+)\s*(.*)$")


def read_sections(path: Path, sections: tuple[str, ...]) -> tuple[dict[str, str], dict[str, list[tuple[int, str]]]]:
    """A corpus file's head of 'key: value' lines (blank and '#' lines skipped), and the
    non-blank lines under each 'section:' line as (line number, line as written)."""
    meta: dict[str, str] = {}
    lines: dict[str, list[tuple[int, str]]] = {s: [] for s in sections}
    section = "meta"
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = raw.strip()
        if stripped.endswith(":") and stripped[:-1] in sections:
            section = stripped[:-1]
            continue
        if section == "meta":
            if not stripped or stripped.startswith("#"):
                continue
            key, sep, value = stripped.partition(":")
            if not sep:
                raise ValueError(f"{path.name}:{n}: expected 'key: value'")
            meta[key.strip()] = value.strip()
        elif stripped:
            lines[section].append((n, raw))
    return meta, lines


def parse(path: Path) -> RealTable:
    meta, lines = read_sections(path, ("grid", "expect"))
    grid_lines = [line for _n, line in lines["grid"]]
    expected: list[Expected] = []
    for n, line in lines["expect"]:
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        m = _EXPECT_RE.match(stripped)
        if not m:
            raise ValueError(f"{path.name}:{n}: expectation must read '<error|warning> RULE CELL reason'")
        sev, rule, cell, reason = m.groups()
        if not reason.strip():
            raise ValueError(f"{path.name}:{n}: every expectation says why")
        expected.append(Expected(sev, rule, None if cell == "-" else cell, reason.strip()))
    for key in REQUIRED:
        if not meta.get(key):
            raise ValueError(f"{path.name}: '{key}:' is required")
    if not grid_lines:
        raise ValueError(f"{path.name}: no grid")
    if "expect:" not in path.read_text(encoding="utf-8"):
        raise ValueError(f"{path.name}: no 'expect:' section")
    values, merges = _merges([_split_row(line) for line in grid_lines])
    return RealTable(path=path, meta=meta, rows=values, merges=merges, expected=expected)


def grid(text: str, name: str = "grid") -> RealTable:
    """A table from pipe rows alone (the `grid:` section's syntax), for tests that build a
    layout inline."""
    lines = [line for line in text.splitlines() if line.strip()]
    values, merges = _merges([_split_row(line) for line in lines])
    return RealTable(path=Path(f"{name}.txt"), meta={}, rows=values, merges=merges)


def all_tables() -> list[RealTable]:
    return [parse(p) for p in sorted(TABLES.glob("*.txt"))]


def typed(value: str) -> Any:
    """A cell as someone typing it into Excel leaves it: plain numbers become numbers."""
    if _NUMBER_RE.match(value):
        return float(value) if "." in value else int(value)
    return value


def render_xlsx(table: RealTable, path: Path, *, numbers: bool = True, sheet: str = "Sheet1") -> Path:
    """The table as a one-sheet workbook, merges included (numbers typed as numbers, or all text)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(table.rows, 1):
        for c, value in enumerate(row, 1):
            if value != "":
                cell = ws.cell(row=r, column=c, value=typed(value) if numbers else value)
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # '=<50万' is text as published, not a formula
    for r0, c0, r1, c1 in table.merges:
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def compare(table: RealTable, findings: list[dict[str, Any]]) -> tuple[list[Expected], list[dict[str, Any]]]:
    """(expected findings the checker missed, findings it raised that were not expected)."""
    want = {(e.severity, e.rule, e.cell): e for e in table.expected}
    got = {(f["severity"], f["rule"], f["cell"]): f for f in findings}
    missed = [e for k, e in want.items() if k not in got]
    extra = [f for k, f in got.items() if k not in want]
    return missed, extra


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.real.corpus [FILE...]`: parse, render and check tables; print the differences."""
    import json
    import subprocess
    import sys
    import tempfile

    args = (argv if argv is not None else sys.argv[1:]) or [str(p) for p in sorted(TABLES.glob("*.txt"))]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for arg in args:
            try:
                table = parse(Path(arg))
            except (ValueError, OSError) as exc:
                print(f"✘ {arg}: {exc}")
                failures += 1
                continue
            book = render_xlsx(table, Path(tmp) / f"{table.name}.xlsx")
            proc = subprocess.run([sys.executable, "-m", "xlsxtool", "check", str(book), "--format", "json",
                                   "--no-annotate"], capture_output=True, text=True, encoding="utf-8")
            try:
                findings = json.loads(proc.stdout)["files"][0]["findings"]
            except (ValueError, KeyError, IndexError):
                print(f"✘ {table.name}: checker crashed\n{proc.stderr}")
                failures += 1
                continue
            missed, extra = compare(table, findings)
            mark = "✔" if not missed and not extra else "✘"
            print(f"{mark} {table.name}: {len(table.rows)}×{table.width}, {len(table.merges)} merges, "
                  f"{len(table.expected)} expected, {len(findings)} found")
            for e in missed:
                print(f"    missed  {e.severity:7} {e.rule} {e.cell}  {e.reason}")
            for f in extra:
                print(f"    extra   {f['severity']:7} {f['rule']} {f['cell']}  {f['message']}")
            failures += bool(missed or extra)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
