"""The Python API: everything the CLI does is a function here first.

    from xlsxtool import api
    result = api.check(["samples/"])
    for f in result.findings: print(f.rule, f.cell, f.message)
"""

from __future__ import annotations

import fnmatch
import gc
import glob
import os
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .findings import Finding
from .normalize import INDICATOR_INDEX, Extract, extract, to_frames
from .read import WorkbookError, read_bytes
from .rules import RULES
from .word import WORD_SUFFIXES, WordInfo, is_word, read_word

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
# What a check picks up in folders and zips: workbooks and Word reports (xlsxtool/word.py).
DOCUMENT_SUFFIXES = WORKBOOK_SUFFIXES + WORD_SUFFIXES
MAX_ZIP_SUBMISSION_BYTES = 2_000_000_000
MAX_ZIP_SUBMISSION_MEMBERS = 20_000


@dataclass(frozen=True)
class Source:
    """One workbook to check: a file on disk, or a member of a .zip of submissions."""

    display: str  # what reports show: 'a/b.xlsx' or 'round1.zip/单位甲/自评表.xlsx'
    path: Path  # the file on disk (the .zip for members)
    member: str | None = None  # name inside the zip

    def read(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(self.member)


# What the reports read of a form once its rows are validated (see FileResult.slim).
_SUMMARY_FORM_KEYS = ("form_id", "kind", "name", "title", "unit", "department", "total_score", "sheet")


@dataclass
class FileResult:
    source: Source
    extract: Extract | None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # F001/F002 code when unreadable
    notes: list[str] = field(default_factory=list)  # things the user should know (hidden sheets…)
    _scores: list[tuple[int, str, float | None]] | None = field(default=None, repr=False)
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
        out: list[tuple[int, str, float | None]] = []
        ext = self.extract
        for form in ext.forms if ext is not None else []:
            total = form.get("total_score")
            if total is None:
                fid = form["form_id"]
                form_col, score_col = INDICATOR_INDEX["form_id"], INDICATOR_INDEX["score"]
                parts = [r[score_col] for r in ext.indicators if r[form_col] == fid and r[score_col] is not None]
                parts += [r["score"] for r in ext.funds
                          if r["form_id"] == fid and r["section"] == "total" and r["score"] is not None]
                total = sum(parts) if parts else None
            out.append((form["form_id"], form.get("name") or form.get("title") or f"表{form['form_id'] + 1}", total))
        return out

    def slim(self) -> None:
        """Drop the per-row records once validated: a bulk run keeps only what reports need
        (form headers, scores, findings), so memory stays flat over thousands of files."""
        self._scores = self.form_scores()
        if self.extract is not None:
            ext = self.extract
            ext.funds, ext.indicators, ext.goals = [], [], []
            ext.forms = [{k: f.get(k) for k in _SUMMARY_FORM_KEYS} for f in ext.forms]

    @property
    def verdict(self) -> str:
        if self.error:
            return "无法读取"
        return "需修改" if self.errors else "通过"


@dataclass
class CheckResult:
    files: list[FileResult]

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
        return 1 if self.errors else 0


# ---------------------------------------------------------------- discovering inputs
def _skip_name(name: str) -> bool:
    """Office lock files (~$x.xlsx), hidden files, and our own annotated copies."""
    base = os.path.basename(name.rstrip("/"))
    return base.startswith(("~$", ".")) or base.startswith("__MACOSX")


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store names in GBK without the UTF-8 flag; Python then
    # decodes them as cp437. Re-decode so '自评表.xlsx' is not mojibake.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for enc in ("utf-8", "gbk"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _zip_sources(path: Path, display: str) -> Iterator[Source]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        yield Source(display=display, path=path)  # reported as F001 by the reader
        return
    for info in infos[:MAX_ZIP_SUBMISSION_MEMBERS]:
        if info.is_dir():
            continue
        name = _zip_member_name(info)
        if any(_skip_name(part) for part in name.split("/")) or not name.lower().endswith(DOCUMENT_SUFFIXES):
            continue
        yield Source(display=f"{display}/{name}", path=path, member=info.filename)


def discover(paths: Iterable[str | Path], exclude: Iterable[Path] = ()) -> tuple[list[Source], list[str]]:
    """Files, folders (recursive), globs and .zip archives → sources; plus paths that matched nothing."""
    excluded = [p.resolve() for p in exclude]
    sources: list[Source] = []
    missing: list[str] = []
    seen: set[tuple[str, str | None]] = set()

    def add(p: Path, explicit: bool) -> None:
        if _skip_name(p.name) and not explicit:
            return
        resolved = p.resolve()
        if any(resolved == e or e in resolved.parents for e in excluded):
            return
        if p.suffix.lower() == ".zip":
            for src in _zip_sources(p, str(p)):
                if (str(src.path), src.member) not in seen:
                    seen.add((str(src.path), src.member))
                    sources.append(src)
            return
        if not explicit and (p.suffix.lower() not in DOCUMENT_SUFFIXES or "_校验结果" in p.stem):
            return
        key = (str(resolved), None)
        if key not in seen:
            seen.add(key)
            sources.append(Source(display=str(p), path=p))

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    add(Path(root) / name, explicit=False)
        elif p.exists():
            add(p, explicit=True)
        elif any(ch in str(raw) for ch in "*?["):
            matches = sorted(glob.glob(str(raw), recursive=True))
            for m in matches:
                mp = Path(m)
                if mp.is_dir():
                    continue
                if fnmatch.fnmatch(mp.name, "~$*"):
                    continue
                add(mp, explicit=False)
            if not matches:
                missing.append(str(raw))
        else:
            missing.append(str(raw))
    return sources, missing


# ---------------------------------------------------------------- checking
def file_findings(source: Source, data_or_error: bytes | WorkbookError | Any) -> FileResult:
    """Parse one workbook (F001/F002 on failure) and its file-level findings (F003, F004).
    A Word report goes through here too, its tables already read (see _word_findings)."""
    from .read import Workbook

    display = source.display
    if isinstance(data_or_error, WorkbookError):
        return _unreadable(source, data_or_error)
    if isinstance(data_or_error, bytes) and is_word(data_or_error, display):
        return _word_findings(source, data_or_error)
    try:
        book = data_or_error if isinstance(data_or_error, Workbook) else read_bytes(data_or_error, display)
        ext = extract(book)
    except WorkbookError as exc:
        return _unreadable(source, exc)
    result = FileResult(source=source, extract=ext, notes=_notes(ext))
    if not ext.forms:
        result.findings.append(
            _file_finding("F003", display, sheets="、".join(ext.sheet_names) or "无工作表")
        )
    if ext.formula_cells_without_value:
        sheet, cell = ext.formula_cells_without_value[0]
        rule = RULES["F004"]
        result.findings.append(
            Finding(rule="F004", severity=rule.severity, file=display, sheet=sheet, cell=cell, form=None,
                    message=rule.message.format(count=len(ext.formula_cells_without_value), first=f"{sheet}!{cell}"),
                    expected="公式计算结果", actual="无缓存值")
        )
    return result


def _word_findings(source: Source, data: bytes) -> FileResult:
    """A Word report: its tables checked like sheets by file_findings (findings addressed 表N +
    A1 once validated, see validate_results), F007 instead of F003 where it holds no form (only
    its text was checked), and its text against its tables (N7xx, xlsxtool/narrative.py)."""
    from .narrative import check_narrative

    try:
        doc = read_word(data, source.display)
    except WorkbookError as exc:
        return _unreadable(source, exc)
    result = file_findings(source, doc.book)
    result.word = doc.info
    result.findings = [_file_finding("F007", source.display, tables=doc.info.tables) if f.rule == "F003" else f
                       for f in result.findings]
    if result.extract is not None:
        result.findings.extend(check_narrative(doc.paragraphs, result.extract, source.display))
    return result


def _notes(ext: Extract) -> list[str]:
    """Say what was checked that a clerk might not see on screen."""
    notes = [f"工作表“{name}”是隐藏的，已一并检查" for name in ext.hidden_sheets]
    notes += [f"工作表“{name}”有 {count} 行隐藏行，已一并检查" for name, count in ext.hidden_rows.items()]
    notes += ext.notes
    return notes


def _file_finding(code: str, display: str, **fields: Any) -> Finding:
    rule = RULES[code]
    return Finding(rule=code, severity=rule.severity, file=display, sheet=None, cell=None, form=None,
                   message=rule.message.format(**fields))


def _not_found(path: str) -> FileResult:
    """A path given on the command line that matched no file: F001 on that path."""
    return _unreadable(Source(display=path, path=Path(path)), WorkbookError("找不到该文件或文件夹"))


def _unreadable(source: Source, exc: WorkbookError) -> FileResult:
    finding = _file_finding(exc.code, source.display, detail=exc.message)
    return FileResult(source=source, extract=None, findings=[finding], error=exc.code)


def load(source: Source) -> FileResult:
    """Read and extract one source. The cell grids are dropped afterwards: only the tidy records
    are kept, so memory stays bounded however many files a run checks."""
    try:
        data: bytes | WorkbookError = source.read()
    except PermissionError as exc:
        data = WorkbookError("没有读取该文件的权限，请检查文件权限后重试", str(exc))
    except (OSError, zipfile.BadZipFile, KeyError, RuntimeError, ValueError) as exc:
        data = WorkbookError(f"无法读取文件：{exc}", str(exc))
    result = file_findings(source, data)
    if result.extract is not None:
        result.extract.locations = []
    return result


class _Timeout(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def load_with_timeout(source: Source, timeout: float | None) -> FileResult:
    """`load` with a per-file time limit (Unix worker processes: SIGALRM), so one pathological
    file cannot stall a bulk run. Anything unexpected becomes an F001 finding, never a crash."""
    import signal
    import threading

    # SIGALRM exists on Unix only and may only be set from the main thread of a process.
    use_alarm = bool(timeout) and hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if use_alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(timeout))  # type: ignore[arg-type]
    try:
        return load(source)
    except _Timeout:
        return _unreadable(source, WorkbookError(f"处理超过 {timeout:g} 秒仍未完成，已跳过；请检查文件是否异常（如极大的工作表）"))
    except MemoryError:
        return _unreadable(source, WorkbookError("文件过大，内存不足，已跳过"))
    except Exception as exc:  # a parser bug must not end a bureau's run: report it on the file
        return _unreadable(source, WorkbookError(f"读取时发生内部错误（{type(exc).__name__}: {exc}），请把该文件反馈给开发者"))
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)


def validate_results(results: list[FileResult], codes: set[str], tolerances: dict[str, float] | None = None) -> None:
    """Validate the forms of many files in one batch and attach findings to their files."""
    from .validate import validate

    readable = [r for r in results if r.extract is not None and r.extract.forms]
    if readable:
        frames = to_frames([r.extract for r in readable if r.extract is not None])
        by_file: dict[str, FileResult] = {r.path: r for r in readable}
        for f in validate(frames, codes, tolerances):
            by_file[f.file].findings.append(f)
    for r in results:
        if r.word is not None:  # grid addresses → the table each finding lies in (SPEC §6)
            r.findings = [r.word.relocate_finding(f) for f in r.findings]
        r.findings = sorted((f for f in r.findings if f.rule in codes), key=lambda f: f.sort_key)


# A batch is validated once it holds BATCH_ROWS tidy rows (forms, funds, indicators, goals) or
# BATCH_FILES files. Validating costs ~80 ms per batch whatever its size (pandas and pandera
# set-up), so batches should be large; the rows they hold are what bounds the memory.
BATCH_ROWS = 80_000
BATCH_FILES = 1_000


def _tidy_rows(result: FileResult) -> int:
    ext = result.extract
    return len(ext.forms) + len(ext.funds) + len(ext.indicators) + len(ext.goals) if ext is not None else 0


def iter_loaded(sources: list[Source], jobs: int | None = None, timeout: float | None = None) -> Iterator[FileResult]:
    """Parse sources, in worker processes when there are several; results in input order."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(sources) < 4:
        for src in sources:
            yield load_with_timeout(src, timeout if len(sources) > 1 else None)
        return
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    # A bounded window of files in flight (not Executor.map, which submits everything at once):
    # parsed results never pile up faster than the main process validates and slims them.
    window = jobs * 8
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: deque[Future[FileResult]] = deque()
        queue = iter(sources)
        for src in queue:
            pending.append(pool.submit(load_with_timeout, src, timeout))
            if len(pending) >= window:
                break
        while pending:
            result = pending.popleft().result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(pool.submit(load_with_timeout, nxt, timeout))
            yield result


# A young collection every 50,000 net allocations instead of 700; full ones almost never.
_GC_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """A bulk run allocates millions of short-lived, acyclic objects (cells, records) while
    holding every file's findings: CPython's default thresholds then re-scan the growing heap
    over and over (~20 % of the run). Collect far less often while checking; restore after."""
    thresholds = gc.get_threshold()
    caller_froze = gc.get_freeze_count() > 0  # a caller's own gc.freeze() is left as it was
    gc.freeze()  # what is alive now (imported modules) is never garbage
    gc.set_threshold(*_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not caller_froze:
            gc.unfreeze()


@_fewer_gc_passes()
def check(
    paths: Iterable[str | Path],
    *,
    codes: set[str] | None = None,
    tolerances: dict[str, float] | None = None,
    exclude: Iterable[Path] = (),
    jobs: int | None = 1,
    timeout: float | None = 120.0,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Check files/folders/globs/zips; returns every file with its findings.

    Files are parsed in `jobs` worker processes and validated in batches (BATCH_ROWS rows or
    BATCH_FILES files).
    """
    codes = set(RULES) if codes is None else codes
    sources, missing = discover(paths, exclude)
    results: list[FileResult] = []
    batch: list[FileResult] = []
    batch_rows = 0
    for result in iter_loaded(sources, jobs, timeout):
        batch.append(result)
        batch_rows += _tidy_rows(result)
        if batch_rows >= BATCH_ROWS or len(batch) >= BATCH_FILES:
            validate_results(batch, codes, tolerances)
            for r in batch:
                r.slim()
            results.extend(batch)
            batch, batch_rows = [], 0
        if progress is not None:
            progress(len(results) + len(batch), len(sources))
    validate_results(batch, codes, tolerances)
    results.extend(batch)
    for m in missing:
        result = _not_found(m)
        result.findings = [f for f in result.findings if f.rule in codes]
        results.append(result)
    return CheckResult(files=results)


# In an annotation worker process: workbooks opened ahead of their findings (see Preloader).
_PRELOADED: dict[tuple[str, str | None], Any] = {}


def _preload_key(src: Source) -> tuple[str, str | None]:
    return str(src.path.resolve()), src.member


def _preload(src: Source) -> None:
    """Open a workbook for annotating and keep it in this (worker) process."""
    from .report.annotate import copy_suffix, keeps_macros, load_for_annotation

    try:
        data = src.read() if src.member is not None else None
        copy = src.path.with_suffix(copy_suffix(src.path))  # the suffix output_path will give it
        _PRELOADED[_preload_key(src)] = load_for_annotation(src.path, data, keep_vba=keeps_macros(src.path, copy))
    except Exception:  # _annotate_one opens it again and says what is wrong
        pass


def _annotate_one(job: tuple[Source, list[Finding], Path, Path, str]) -> tuple[str | None, list[str]]:
    """Write one annotated copy (runs in a worker process in bulk mode)."""
    from .report.annotate import annotate_workbook

    src, findings, source_path, dest, verdict = job
    try:
        data = src.read() if src.member is not None else None
        if dest.suffix.lower() == ".docx":  # a Word report (annotate_all names its copy .docx)
            from .report.annotate_docx import annotate_docx

            res = annotate_docx(source_path, findings, dest, verdict=verdict, source_bytes=data)
            return str(res.path), list(res.notes)
        res = annotate_workbook(source_path, findings, dest, verdict=verdict, source_bytes=data,
                                loaded=_PRELOADED.pop(_preload_key(src), None))
    except Exception as exc:  # a copy that cannot be written must not hide the report
        return None, [f"无法生成批注副本（{type(exc).__name__}: {exc}）"]
    return str(res.path), list(res.notes)


class Preloader:
    """Opens one workbook for its annotated copy in a second process while this one checks it.

    Checking one file is mostly fixed costs: importing pandas and pandera, then openpyxl
    parsing every cell and style for the copy. Run side by side on two cores, a dropped file's
    report and copy come back in about the time of the longer of the two, not their sum.
    Used as a context manager around `check` and `annotate_all(..., preloader=...)`.
    """

    def __init__(self, source: Source) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.source = source
        # fork on Linux: the worker starts at once from this still small process (typer and
        # rich loaded, not pandas). Elsewhere spawn, the platform default (fork is unsafe on macOS).
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        self.pool.submit(_preload, source)

    def annotate(self, job: tuple[Source, list[Finding], Path, Path, str]) -> tuple[str | None, list[str]]:
        return self.pool.submit(_annotate_one, job).result()

    def __enter__(self) -> Preloader:
        return self

    def __exit__(self, *exc: object) -> None:
        # Not waiting: a workbook with nothing to annotate is dropped with its process.
        self.pool.shutdown(wait=False, cancel_futures=True)


def preloader_for(paths: Iterable[str | Path]) -> Preloader | None:
    """A Preloader when the paths name exactly one workbook file (the dropped-file case)."""
    paths = list(paths)
    if len(paths) != 1:
        return None
    path = Path(paths[0])
    if not path.is_file() or path.suffix.lower() not in WORKBOOK_SUFFIXES or (os.cpu_count() or 1) < 2:
        return None
    try:
        return Preloader(Source(display=str(paths[0]), path=path))
    except (OSError, ValueError, RuntimeError):  # no second process to be had: annotate in turn
        return None


def annotate_all(result: CheckResult, out_dir: Path | None = None, force: bool = False,
                 jobs: int | None = 1, preloader: Preloader | None = None) -> tuple[dict[str, str], list[str]]:
    """Write an annotated copy of every readable workbook that has anchored findings, in
    `jobs` worker processes. Returns {file display path: annotated path} and notes for the user."""
    from .report.annotate import output_path

    jobs_list: list[tuple[Source, list[Finding], Path, Path, str]] = []
    taken: set[Path] = set()
    for r in result.files:
        if r.error or not any(f.cell for f in r.findings):
            continue
        src = r.source
        # A member of a zip: name the copy after the member, next to the zip.
        # (the decoded member name from `display`, not the raw cp437 one).
        source_path = src.path if src.member is None else src.path.parent / Path(src.display).name
        # A Word report's copy is a .docx whatever the original's name (.doc/.wps are converted).
        named = source_path.with_suffix(".docx") if r.is_word else source_path
        dest = output_path(named, out_dir, force=force, taken=taken)
        taken.add(dest)
        jobs_list.append((src, r.findings, source_path, dest, r.verdict))
    jobs = jobs or os.cpu_count() or 1
    if (preloader is not None and len(jobs_list) == 1
            and _preload_key(jobs_list[0][0]) == _preload_key(preloader.source)):
        outcomes = [preloader.annotate(jobs_list[0])]
    elif jobs > 1 and len(jobs_list) >= 4:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # Spawned, not forked: a forked worker would start as a copy of this (by now large)
        # process; a spawned one imports only openpyxl, which keeps the run's memory bounded.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            outcomes = list(pool.map(_annotate_one, jobs_list, chunksize=1))
    else:
        outcomes = [_annotate_one(job) for job in jobs_list]
    written: dict[str, str] = {}
    notes: list[str] = []
    for job, (path, job_notes) in zip(jobs_list, outcomes, strict=True):
        display = job[0].display
        if path is not None:
            written[display] = path
        notes.extend(f"{display}：{n}" for n in job_notes)
    return written, notes


def write_summary(result: CheckResult, path: Path, annotated: dict[str, str] | None = None, force: bool = False) -> Path:
    """The bureau's summary workbook (汇总 / 问题清单 / 规则统计)."""
    from .report.summary import write_summary as _write

    return _write(result, path, annotated=annotated or {}, force=force)


def check_bytes(data: bytes, name: str = "workbook.xlsx", codes: set[str] | None = None) -> FileResult:
    """Check one workbook held in memory (e.g. an upload)."""
    src = Source(display=name, path=Path(name))
    result = file_findings(src, data)
    validate_results([result], set(RULES) if codes is None else codes)
    return result


def frames_of(paths: Iterable[str | Path]) -> tuple[dict[str, Any], list[FileResult]]:
    """Tidy frames of every readable workbook (for `convert`), plus the per-file results."""
    sources, missing = discover(paths)
    results = [load(s) for s in sources] + [_not_found(m) for m in missing]
    for r in results:
        if r.word is not None and r.extract is not None:  # cells on joined tables read '表5!G3'
            r.word.relocate_records(r.extract)
    frames = to_frames([r.extract for r in results if r.extract is not None])
    return frames, results


__all__ = ["check", "check_bytes", "discover", "frames_of", "annotate_all", "write_summary", "CheckResult", "FileResult", "Source"]
