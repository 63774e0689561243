"""Machine-readable outputs: the JSON contract (SPEC §4), findings CSV, and tidy-frame exports."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..word import location

if TYPE_CHECKING:
    import pandas as pd

    from ..results import CheckResult, FileResult, Finding, Skipped

FINDING_FIELDS = ["file", "form", "sheet", "cell", "rule", "severity", "message", "expected", "actual"]
# The CSV's columns: a finding's fields, then where a person looks (as JSON's `location`:
# '第4个表格 G12' / '第3段' in a Word report, where `sheet` says only '表4' / '正文').
CSV_FIELDS = [*FINDING_FIELDS, "location"]
# The layout of `check --format json` (docs/json.md). Raised when a key is removed or changes
# meaning; keys may be added without raising it.
SCHEMA_VERSION = 1
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ gets a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a temp file in the same folder and rename, so no half-written file is ever left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp", prefix=".xlsxtool-")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # mkstemp creates 0600; the output gets the mode any new file of the user gets.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    from .annotate import _umask as umask

    return umask()


def file_entry(r: FileResult, annotated: str | None = None, copy_error: str | None = None) -> dict[str, Any]:
    """One file's entry in `files` (docs/json.md); a line of `--format jsonl`."""
    entry: dict[str, Any] = {
        "path": r.path,
        "forms": r.forms,
        "verdict": r.verdict,
        "errors": r.errors,
        "warnings": r.warnings,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "sheet": f.sheet,
                "cell": f.cell,
                "form": f.form,
                "message": f.message,
                "expected": f.expected,
                "actual": f.actual,
                # Where a person looks: '第4个表格 G12' / '第3段' in a report, 'Sheet!G12' in a workbook.
                "location": location(f, r.is_word) or None,
            }
            for f in r.findings
        ],
    }
    if r.notes:
        entry["notes"] = r.notes
    if annotated:
        entry["annotated"] = annotated
    if copy_error:
        entry["annotate_error"] = copy_error
    entry["form_details"] = r.form_records()
    return entry


def result_json(result: CheckResult, annotated: dict[str, str] | None = None,
                copy_errors: dict[str, str] | None = None) -> dict[str, Any]:
    annotated, copy_errors = annotated or {}, copy_errors or {}
    files = [file_entry(r, annotated.get(r.path), copy_errors.get(r.path)) for r in result.files]
    return {
        "schema_version": SCHEMA_VERSION,
        "files": files,
        "skipped": skipped_json(result.skipped),
        "summary": {
            "files": len(result.files),
            "forms": result.forms,
            "errors": result.errors,
            "warnings": result.warnings,
        },
    }


def skipped_json(skipped: list[Skipped]) -> list[dict[str, str]]:
    return [{"path": s.path, "reason": s.reason} for s in skipped]


def dumps_json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)


def _one_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def dumps_check_json(doc: dict[str, Any]) -> str:
    """The check report laid out as in SPEC §4: a line per file header and a line per finding.

    Readable and greppable like indented JSON, but each line comes from the C encoder
    (`indent=` switches json to its pure-Python encoder, ~10× slower on a bureau's 10 MB)."""
    files = [file_json_text(entry) for entry in doc["files"]]
    parts = []
    for key, value in doc.items():
        if key == "files":
            parts.append('"files": [' + ("\n" + ",\n".join(files) + "\n  " if files else "") + "]")
        elif isinstance(value, list):
            parts.append(f"{_one_line(key)}: " + _items(value, "    ", "  "))
        else:
            parts.append(f"{_one_line(key)}: {_one_line(value)}")
    return "{\n  " + ",\n  ".join(parts) + "\n}"


def file_json_text(entry: dict[str, Any]) -> str:
    """One file's entry as dumps_check_json lays it out (a line, then a line per item)."""
    head = {k: v for k, v in entry.items() if k not in _LINE_PER_ITEM}
    text = "    " + _one_line(head)[:-1]
    for key in _LINE_PER_ITEM:
        if key in entry:
            text += f", {_one_line(key)}: " + _items(entry[key], "      ", "    ")
    return text + "}"


class JsonStream:
    """`--format json` written as the files are checked: byte for byte the document
    dumps_check_json makes of the whole run, without ever holding it (SPEC §4)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.count = 0
        write('{\n  "schema_version": ' + _one_line(SCHEMA_VERSION) + ',\n  "files": [')

    def add(self, entry: dict[str, Any]) -> None:
        self.write(("\n" if self.count == 0 else ",\n") + file_json_text(entry))
        self.count += 1

    def finish(self, skipped: list[Skipped], summary: dict[str, Any]) -> None:
        self.write(("\n  ]" if self.count else "]")
                   + ',\n  "skipped": ' + _items(skipped_json(skipped), "    ", "  ")
                   + ',\n  "summary": ' + _one_line(summary) + "\n}\n")


class JsonlStream:
    """`--format jsonl`: a line per file as it is checked (the entry `files` would hold), then
    a last line with schema_version, skipped and summary (docs/json.md)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write

    def add(self, entry: dict[str, Any]) -> None:
        self.write(_one_line(entry) + "\n")

    def finish(self, skipped: list[Skipped], summary: dict[str, Any]) -> None:
        self.write(_one_line({"schema_version": SCHEMA_VERSION, "skipped": skipped_json(skipped),
                              "summary": summary}) + "\n")


class CsvStream:
    """`--format csv` written file by file: the text findings_csv(…, bom=True) makes of the run."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        write("\ufeff" + ",".join(CSV_FIELDS) + "\n")

    def add(self, result: FileResult) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(finding_rows(result.findings, result.is_word))
        if buf.tell():
            self.write(buf.getvalue())

    def finish(self, skipped: list[Skipped], summary: dict[str, Any]) -> None:
        pass


# Per file, these lists get a line per item (the rest of the file's entry is one line).
_LINE_PER_ITEM = ("form_details", "findings")


def _items(values: list[Any], indent: str, closing: str) -> str:
    if not values:
        return "[]"
    return "[\n" + ",\n".join(indent + _one_line(v) for v in values) + "\n" + closing + "]"


def finding_rows(findings: Iterable[Finding], word: bool = False) -> Iterator[list[Any]]:
    """findings_csv's rows (without the header) of one file's findings (*word*: a Word report)."""
    for f in findings:
        row = f.to_dict()
        yield [*(safe_cell(row[k]) if row[k] is not None else "" for k in FINDING_FIELDS), safe_cell(location(f, word))]


def findings_csv(result: CheckResult, bom: bool = False) -> str:
    """One row per finding. *bom*: start with a UTF-8 byte-order mark, so Excel opens the
    file as UTF-8 (as the frames CSV of `convert` does)."""
    buf = io.StringIO()
    if bom:
        buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in result.files:
        writer.writerows(finding_rows(r.findings, r.is_word))
    return buf.getvalue()


def frame_paths(out_dir: Path, fmt: str, names: list[str]) -> list[Path]:
    """The files write_frames writes for these frame names (to refuse overwriting them)."""
    if fmt == "xlsx":
        return [out_dir / "frames.xlsx"]
    return [out_dir / f"{name}.{fmt}" for name in names]


def write_frames(frames: dict[str, pd.DataFrame], out_dir: Path, fmt: str) -> list[Path]:
    """Write the tidy frames: csv (UTF-8 with BOM, Excel-safe), xlsx, json or parquet."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if fmt == "xlsx":
        path = out_dir / "frames.xlsx"

        def write_xlsx(tmp: Path) -> None:
            import pandas as pd

            # Text like '=<50万' must stay text, not become a formula or a link.
            options = {"strings_to_formulas": False, "strings_to_urls": False}
            with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": options}) as xl:
                for name, df in frames.items():
                    df.to_excel(xl, sheet_name=name, index=False)
                    xl.sheets[name].freeze_panes(1, 0)

        atomic_write(path, write_xlsx)
        return [path]
    for name, df in frames.items():
        if fmt == "csv":
            path = out_dir / f"{name}.csv"
            safe = df.map(safe_cell) if not df.empty else df
            atomic_write(path, lambda tmp, d=safe: d.to_csv(tmp, index=False, encoding="utf-8-sig"))
        elif fmt == "json":
            path = out_dir / f"{name}.json"
            records = json.loads(df.to_json(orient="records", force_ascii=False))
            atomic_write(path, lambda tmp, r=records: tmp.write_text(dumps_json(r), encoding="utf-8"))
        elif fmt == "parquet":
            path = out_dir / f"{name}.parquet"
            atomic_write(path, lambda tmp, d=df: d.to_parquet(tmp, index=False))
        else:
            raise ValueError(fmt)
        written.append(path)
    return written
