"""The Python API: everything the CLI does is a function here first.

    from xlsxtool import api
    result = api.check(["samples/"])
    for f in result.findings: print(f.rule, f.cell, f.message)
"""

from __future__ import annotations

import fnmatch
import gc
import glob
import io
import os
import re
import sys
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .labels import configure as configure_labels
from .normalize import Extract, answers_frame, extract, to_frames
from .read import MAX_COMPRESSION_RATIO, MAX_UNCOMPRESSED_BYTES, WorkbookError, read_bytes
from .results import CheckResult, FileResult, Finding, Skipped
from .rules import RULES
from .word import WORD_SUFFIXES, is_word, read_word

# .et is WPS's own format: calamine reads the BIFF-based ones (the reader says when it cannot).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et")
# What a check picks up in folders and zips: workbooks and Word reports (xlsxtool/word.py).
DOCUMENT_SUFFIXES = WORKBOOK_SUFFIXES + WORD_SUFFIXES
MAX_ZIP_SUBMISSION_BYTES = 2_000_000_000  # nested zips expanded in memory, over a whole run
MAX_ZIP_SUBMISSION_MEMBERS = 20_000  # members listed, over a zip and the zips inside it
MAX_ZIP_DEPTH = 3  # the bureau's zip › a unit's zip › a department's zip


@dataclass(frozen=True)
class Source:
    """One workbook to check: a file on disk, or a member of a .zip of submissions (possibly
    inside zips inside that zip)."""

    display: str  # what reports show: 'a/b.xlsx' or 'round1.zip/单位甲/自评表.xlsx'
    path: Path  # the file on disk (the .zip for members)
    member: str | None = None  # name inside the zip
    inner: tuple[str, ...] = ()  # names inside the zips nested in `member`, the workbook last
    rel: str | None = None  # where it sits under the run's input folder ('单位甲/自评表.xlsx'): --out mirrors it

    def read(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        stat = self.path.stat()
        # One open zip per archive (and per nested zip) in this process: opening a zip reads its
        # whole central directory, so reopening it for each of 5,000 members is quadratic.
        zf = _open_zip(str(self.path), stat.st_mtime_ns, stat.st_size, (self.member, *self.inner[:-1]) if self.inner else ())
        return _read_member(zf, self.inner[-1] if self.inner else self.member)


def _too_big(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member must not be expanded (the limits a workbook's own container gets)."""
    size, packed = info.file_size, max(1, info.compress_size)
    if size > MAX_UNCOMPRESSED_BYTES or (size > 50_000_000 and size / packed > MAX_COMPRESSION_RATIO):
        return f"压缩包中的该文件解压后约 {size // 1_000_000} MB，超出安全上限，未读取（疑似压缩炸弹）"
    return None


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    problem = _too_big(zf.getinfo(name))
    if problem:
        raise ValueError(problem)  # load() reports it on the file (F001)
    return zf.read(name)


_ZIP_KEY = tuple[str, int, int, tuple[str, ...]]
_OPEN_ZIPS: OrderedDict[_ZIP_KEY, zipfile.ZipFile] = OrderedDict()
_OPEN_ZIPS_MAX = 4  # an archive, and the zips nested in it being read


def _open_zip(path: str, mtime_ns: int, size: int, chain: tuple[str, ...]) -> zipfile.ZipFile:
    """The zip at *path*, or the zip at the end of *chain* (member names, outermost first)
    inside it, opened once and kept open while its members are read one after another
    (keyed by the file's mtime and size, so a zip replaced on disk is opened afresh).
    A nested zip is expanded in memory once, not once per member. close_zips() closes them."""
    key = (path, mtime_ns, size, chain)
    zf = _OPEN_ZIPS.get(key)
    if zf is not None:
        _OPEN_ZIPS.move_to_end(key)
        return zf
    if chain:
        data = _read_member(_open_zip(path, mtime_ns, size, chain[:-1]), chain[-1])
        zf = zipfile.ZipFile(io.BytesIO(data))
    else:
        zf = zipfile.ZipFile(path)
    _OPEN_ZIPS[key] = zf
    while len(_OPEN_ZIPS) > _OPEN_ZIPS_MAX:
        _OPEN_ZIPS.popitem(last=False)[1].close()
    return zf


def close_zips() -> None:
    """Close the zips Source.read keeps open (end of a run: no file handle left behind)."""
    while _OPEN_ZIPS:
        _OPEN_ZIPS.popitem()[1].close()


# ---------------------------------------------------------------- discovering inputs
def _skip_reason(name: str) -> str | None:
    """Why a name is not a submission (Office lock file, hidden file, macOS zip debris), or None."""
    # A member path climbing out of its folder ('../x.xlsx', '..\\x.xlsx' from Windows): never read.
    if ".." in name.replace("\\", "/").split("/"):
        return UNSAFE_PATH
    base = os.path.basename(name.rstrip("/"))
    if base.startswith("~$"):
        return "Office 打开文件时生成的临时文件"
    if base.startswith("__MACOSX"):
        return "苹果电脑压缩时附带的文件"
    if base.startswith("."):
        return "隐藏文件"
    return None


NOT_A_WORKBOOK = "不是工作簿或 Word 报告"
UNSAFE_PATH = "路径中含有“..”，为安全起见未读取"
# A clerk's corrected copy sent back is checked as any file; only an untouched one is skipped.
EARLIER_COPY = "以前生成的批注副本，没有修改过"
_CORE_XML_MAX = 1_000_000
_LAST_MODIFIED_BY = re.compile(rb"<cp:lastModifiedBy>([^<]*)</cp:lastModifiedBy>")


def is_unedited_copy(data: bytes) -> bool:
    """Whether workbook or Word report bytes are an annotated copy as xlsxtool wrote it, saved
    by no one since.

    The copy records xlsxtool as its last author (docProps/core.xml, the same part in a .xlsx
    and a .docx); Excel, Word and WPS put the user's name there on every save. So a clerk's
    corrected copy is checked again, while the copies an earlier run left beside the originals
    are not checked a second time (and never copied again)."""
    return _written_by_us(io.BytesIO(data))


def _written_by_us(file: Any) -> bool:
    """is_unedited_copy for an open file or a path: reads only the zip directory and core.xml."""
    from .report.annotate import COMMENT_AUTHOR

    try:
        with zipfile.ZipFile(file) as zf:
            info = zf.getinfo("docProps/core.xml")
            if info.file_size > _CORE_XML_MAX:
                return False
            m = _LAST_MODIFIED_BY.search(zf.read(info))
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False  # not ours, or broken: the reader will say what is wrong with it
    return m is not None and m.group(1).decode("utf-8", "replace").strip() == COMMENT_AUTHOR


def _is_copy_name(name: str) -> bool:
    from .report.annotate import ANNOTATED_SUFFIX

    return ANNOTATED_SUFFIX in Path(name).stem


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


def safe_parts(name: str) -> list[str]:
    """The folder parts of a zip member name that may become folders under --out: no '..',
    no drive, no root (a hostile zip must not write outside the output folder)."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return [p.replace(":", "_") for p in parts]


def _zip_dir(rel: str) -> str:
    """A zip's folder under --out: its path without '.zip' ('批次/第二批.zip' → '批次/第二批')."""
    return rel[:-4] if rel.lower().endswith(".zip") else rel


class _ZipWalk:
    """Lists the workbooks of a zip of submissions, reading zips inside it to MAX_ZIP_DEPTH
    with the same limits a workbook container gets (size, compression ratio), and a budget
    of members and expanded bytes over the whole tree."""

    def __init__(self, path: Path, skipped: list[Skipped]) -> None:
        self.path = path
        self.skipped = skipped
        self.members = 0
        self.expanded = 0

    def sources(self, display: str, rel: str) -> Iterator[Source]:
        try:
            with zipfile.ZipFile(self.path) as zf:
                yield from self._walk(zf, display, _zip_dir(rel), None, (), 1)
        except (zipfile.BadZipFile, OSError):
            yield Source(display=display, path=self.path, rel=rel)  # reported as F001 by the reader

    def _too_big(self, info: zipfile.ZipInfo) -> str | None:
        problem = _too_big(info)
        if problem:
            return problem
        if self.expanded + info.file_size > MAX_ZIP_SUBMISSION_BYTES:
            return f"压缩包里的压缩包合计超过 {MAX_ZIP_SUBMISSION_BYTES // 1_000_000_000} GB，未读取"
        return None

    def _walk(self, zf: zipfile.ZipFile, display: str, rel_dir: str, member: str | None,
              chain: tuple[str, ...], depth: int) -> Iterator[Source]:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = _zip_member_name(info)
            shown = f"{display}/{name}"
            self.members += 1
            if self.members > MAX_ZIP_SUBMISSION_MEMBERS:
                self.skipped.append(Skipped(shown, f"压缩包内文件超过 {MAX_ZIP_SUBMISSION_MEMBERS} 个，其余未读取"))
                return
            rel = "/".join([rel_dir, *safe_parts(name)])
            # The member's own place: the outer zip's member, then the names inside nested zips.
            where = (info.filename, ()) if member is None else (member, (*chain, info.filename))
            reason = next((r for part in name.split("/") if (r := _skip_reason(part))), None)
            if reason:
                self.skipped.append(Skipped(shown, reason))
            elif name.lower().endswith(".zip"):
                yield from self._nested(zf, info, shown, rel, where, depth)
            elif not name.lower().endswith(DOCUMENT_SUFFIXES):
                self.skipped.append(Skipped(shown, NOT_A_WORKBOOK))
            elif _is_copy_name(name) and not _too_big(info) and is_unedited_copy(zf.read(info)):
                self.skipped.append(Skipped(shown, EARLIER_COPY))
            else:
                yield Source(display=shown, path=self.path, member=where[0], inner=where[1], rel=rel)

    def _nested(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, rel: str,
                where: tuple[str, tuple[str, ...]], depth: int) -> Iterator[Source]:
        if depth >= MAX_ZIP_DEPTH:
            self.skipped.append(Skipped(shown, f"压缩包嵌套超过 {MAX_ZIP_DEPTH} 层，未读取；请解压后再检查"))
            return
        problem = self._too_big(info)
        if problem:
            self.skipped.append(Skipped(shown, problem))
            return
        data = zf.read(info)
        self.expanded += len(data)
        try:
            inner = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError):
            # A broken inner zip is a submission that cannot be read: F001, as for a top-level one.
            yield Source(display=shown, path=self.path, member=where[0], inner=where[1], rel=rel)
            return
        with inner:
            yield from self._walk(inner, shown, _zip_dir(rel), where[0], where[1], depth + 1)


def _zip_sources(path: Path, display: str, skipped: list[Skipped] | None = None, rel: str | None = None) -> Iterator[Source]:
    yield from _ZipWalk(path, skipped if skipped is not None else []).sources(display, rel or path.name)


_GLOB_CHARS = "*?["


def _input_root(raw: str) -> str | None:
    """The folder an input argument stands for, which --out mirrors: a folder argument itself,
    a file's folder, a glob's fixed part (None for a path that does not exist)."""
    p = Path(raw)
    if any(ch in raw for ch in _GLOB_CHARS):
        fixed = []
        for part in p.parts:
            if any(ch in part for ch in _GLOB_CHARS):
                break
            fixed.append(part)
        return os.path.abspath(Path(*fixed)) if fixed else os.getcwd()
    if p.is_dir():
        return os.path.abspath(p)
    if p.exists():
        return os.path.dirname(os.path.abspath(p))
    return None


def _rel(p: Path, root: str | None, prefix: str) -> str:
    """*p* under its argument's folder, behind *prefix* (that folder's name when the inputs
    come from several folders, so `check 报送/ 补报/ --out 输出` gives 输出/报送/…, 输出/补报/…)."""
    rel = p.name
    if root is not None:
        try:
            inside = os.path.relpath(os.path.abspath(p), root)
        except ValueError:  # another drive on Windows
            inside = ".."
        if not inside.startswith(".."):
            rel = Path(inside).as_posix()
    return f"{prefix}/{rel}" if prefix else rel


def discover(paths: Iterable[str | Path], exclude: Iterable[Path] = (),
             skipped: list[Skipped] | None = None) -> tuple[list[Source], list[str]]:
    """Files, folders (recursive), globs and .zip archives (zips inside them too) → sources;
    plus paths that matched nothing. Files found but not checked are appended to *skipped*."""
    excluded = [p.resolve() for p in exclude]
    sources: list[Source] = []
    missing: list[str] = []
    seen: set[tuple[str, str | None, tuple[str, ...]]] = set()
    skip = skipped if skipped is not None else []
    raw_paths = [str(p) for p in paths]
    roots = [_input_root(raw) for raw in raw_paths]
    several = len({r for r in roots if r is not None}) > 1
    root, prefix = None, ""  # of the argument being walked

    def add(p: Path, explicit: bool) -> None:
        reason = _skip_reason(p.name)
        if reason and not explicit:
            skip.append(Skipped(str(p), reason))
            return
        resolved = p.resolve()
        if any(resolved == e or e in resolved.parents for e in excluded):
            return  # an output of this run
        if p.suffix.lower() == ".zip":
            for src in _zip_sources(p, str(p), skip, _rel(p, root, prefix)):
                if (str(src.path), src.member, src.inner) not in seen:
                    seen.add((str(src.path), src.member, src.inner))
                    sources.append(src)
            return
        if not explicit and p.suffix.lower() not in DOCUMENT_SUFFIXES:
            skip.append(Skipped(str(p), NOT_A_WORKBOOK))
            return
        if not explicit and _is_copy_name(p.name) and _written_by_us(p):
            skip.append(Skipped(str(p), EARLIER_COPY))
            return
        key = (str(resolved), None, ())
        if key not in seen:
            seen.add(key)
            sources.append(Source(display=str(p), path=p, rel=_rel(p, root, prefix)))

    for raw, root in zip(raw_paths, roots, strict=True):
        prefix = (Path(root).name or "输入") if several and root is not None else ""
        p = Path(raw)
        if p.is_dir():
            for walk_root, dirs, files in os.walk(p):
                kept = []
                for d in sorted(dirs):
                    full = Path(walk_root) / d
                    if d.startswith("."):
                        continue
                    if full.resolve() in excluded:
                        skip.append(Skipped(str(full), "本次的输出文件夹，不作为输入检查"))
                        continue
                    kept.append(d)
                dirs[:] = kept
                for name in sorted(files):
                    add(Path(walk_root) / name, explicit=False)
        elif p.exists():
            add(p, explicit=True)
        elif any(ch in raw for ch in _GLOB_CHARS):
            matches = sorted(glob.glob(raw, recursive=True))
            for m in matches:
                mp = Path(m)
                if mp.is_dir():
                    continue
                if fnmatch.fnmatch(mp.name, "~$*"):
                    skip.append(Skipped(m, _skip_reason(mp.name) or ""))
                    continue
                add(mp, explicit=False)
            if not matches:
                missing.append(raw)
        else:
            missing.append(raw)
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
    for part in ext.unknown_parts:  # F006: a part of a form not understood, named once
        rule = RULES["F006"]
        result.findings.append(
            Finding(rule="F006", severity=rule.severity, file=display, sheet=part["sheet"], cell=part["cell"],
                    form=part["form"], message=rule.message.format(what=part["what"]), form_id=part["form_id"])
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


def validate_results(results: list[FileResult], codes: set[str], tolerances: dict[str, float] | None = None,
                     settings: Settings | None = None) -> None:
    """Validate the forms of many files in one batch and attach findings to their files."""
    from .validate import validate

    weights = settings.weights if settings is not None else None
    profile = settings.profile if settings is not None else "national"
    if tolerances is None and settings is not None:
        tolerances = settings.tolerances

    readable = [r for r in results if r.extract is not None and r.extract.forms]
    if readable:
        extracts = [r.extract for r in readable if r.extract is not None]
        frames = to_frames(extracts)
        frames["answers"] = answers_frame(extracts)
        by_file: dict[str, FileResult] = {r.path: r for r in readable}
        for f in validate(frames, codes, tolerances, weights, profile):
            by_file[f.file].findings.append(f)
    for r in results:
        if r.word is not None:  # grid addresses → the table each finding lies in (SPEC §6)
            r.findings = [r.word.relocate_finding(f) for f in r.findings]
        r.findings = sorted((f for f in r.findings if f.rule in codes), key=lambda f: f.sort_key)


# A batch is validated once it holds BATCH_ROWS tidy rows (forms, funds, indicators, goals) or
# BATCH_FILES files. Validating costs ~80 ms per batch whatever its size (pandas and pandera
# set-up), so batches should be large; the rows they hold are what bounds the memory. 40,000
# rows (~210 eleven-form workbooks): the main process peaks ~60 MB lower than at 80,000, in the
# same time (700 files: 177 vs 239 MB).
BATCH_ROWS = 40_000
BATCH_FILES = 1_000


def _tidy_rows(result: FileResult) -> int:
    ext = result.extract
    return len(ext.forms) + len(ext.funds) + len(ext.indicators) + len(ext.goals) if ext is not None else 0


# Fewer files than this are parsed (or annotated) in the run's own process: starting worker
# processes would cost more than it saves.
MIN_FILES_FOR_WORKERS = 4


def _workers(jobs: int | None) -> int:
    """Worker processes for *jobs* (None: one per CPU)."""
    return jobs or os.cpu_count() or 1


def load_pool(jobs: int, labels: dict[str, list[str]] | None = None) -> Any:
    """The worker processes that parse a run's files, started now.

    A run starts them before it lists its files: a worker forked later inherits the list of
    sources (~700 bytes a file), and as the main process touches each source its pages are
    copied, so every worker ends up holding a private copy of a list it never reads — a
    20,000-file run's tree grew ~10 MB per process for nothing."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=configure_labels, initargs=(labels,))
    pool.submit(int)  # with fork, every worker is started by the first submit
    return pool


def iter_loaded(sources: list[Source], jobs: int | None = None, timeout: float | None = None,
                labels: dict[str, list[str]] | None = None, pool: Any = None) -> Iterator[FileResult]:
    """Parse sources, in worker processes when there are several; results in input order.
    *labels*: the configuration's extra words, given to every worker's vocabulary. *pool*: a
    load_pool already started (left running: the caller shuts it down)."""
    jobs = _workers(jobs)
    if jobs <= 1 or len(sources) < MIN_FILES_FOR_WORKERS:
        for src in sources:
            yield load_with_timeout(src, timeout if len(sources) > 1 else None)
        return
    from collections import deque
    from concurrent.futures import Future

    # A bounded window of files in flight (not Executor.map, which submits everything at once):
    # parsed results never pile up faster than the main process validates and slims them.
    window = jobs * 8
    with nullcontext(pool) if pool is not None else load_pool(jobs, labels) as pool:
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


def _may_hold_several(paths: list[str]) -> bool:
    """Whether a run's arguments can name more than one file (folders, zips, globs, several)."""
    if len(paths) != 1:
        return len(paths) > 1
    path = Path(paths[0])
    return not path.is_file() or path.suffix.lower() == ".zip"


class CheckRun:
    """A check whose files come out one at a time, validated and in input order, so a caller
    can report each and let it go: memory stays flat however many files a run holds.

        run = api.CheckRun(["报送/"], jobs=2)
        print(run.total, "个文件")
        for result in run:  # a FileResult, its findings attached, its per-row records dropped
            print(result.path, result.verdict)

    Discovery happens at once (`sources`, `skipped`, `total`); checking as it is iterated.
    Files are parsed in `jobs` worker processes and validated in batches (BATCH_ROWS rows or
    BATCH_FILES files). *settings*: a bureau's configuration (xlsxtool.config; its select and
    ignore are the caller's to turn into *codes*); *tolerances* win over its tolerances.
    """

    def __init__(
        self,
        paths: Iterable[str | Path],
        *,
        codes: set[str] | None = None,
        tolerances: dict[str, float] | None = None,
        exclude: Iterable[Path] = (),
        jobs: int | None = 1,
        timeout: float | None = 120.0,
        progress: Callable[[int, int], None] | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.codes = set(RULES) if codes is None else codes
        self.tolerances, self.jobs, self.timeout = tolerances, jobs, timeout
        self.progress, self.settings = progress, settings
        self.labels = settings.labels if settings is not None else None
        configure_labels(self.labels)  # the vocabulary of this run: built-in words plus the bureau's
        self.skipped: list[Skipped] = []
        paths = [str(p) for p in paths]
        workers = _workers(jobs)
        self.pool = load_pool(workers, self.labels) if workers > 1 and _may_hold_several(paths) else None
        self.sources, self.missing = discover(paths, exclude, self.skipped)
        if self.pool is not None and len(self.sources) < MIN_FILES_FOR_WORKERS:  # too few after all
            self.close()

    @property
    def total(self) -> int:
        """How many files the run reports (missing paths included, as F001)."""
        return len(self.sources) + len(self.missing)

    def close(self) -> None:
        """End the worker processes (done once the run has been iterated)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def __iter__(self) -> Iterator[FileResult]:
        with _fewer_gc_passes():
            try:
                yield from self._validated()
            finally:
                close_zips()
                self.close()
        for m in self.missing:
            result = _not_found(m)
            result.findings = [f for f in result.findings if f.rule in self.codes]
            yield result

    def _validated(self) -> Iterator[FileResult]:
        batch: list[FileResult] = []
        batch_rows = done = 0
        for result in iter_loaded(self.sources, self.jobs, self.timeout, self.labels, self.pool):
            batch.append(result)
            batch_rows += _tidy_rows(result)
            if batch_rows >= BATCH_ROWS or len(batch) >= BATCH_FILES:
                yield from self._finish(batch)
                batch, batch_rows = [], 0
            done += 1
            if self.progress is not None:
                self.progress(done, len(self.sources))
        yield from self._finish(batch)

    def _finish(self, batch: list[FileResult]) -> Iterator[FileResult]:
        validate_results(batch, self.codes, self.tolerances, self.settings)
        for r in batch:
            r.slim()  # the last batch too: reports need the form headers, scores and findings only
        # With collections made rare (_fewer_gc_passes), the cycles a batch's frames leave
        # behind would pile up over a long run: collected once per batch (what is older is frozen).
        gc.collect()
        batch.reverse()
        while batch:  # handed over one by one, and not held here once the caller is done with it
            yield batch.pop()


def check(
    paths: Iterable[str | Path],
    *,
    codes: set[str] | None = None,
    tolerances: dict[str, float] | None = None,
    exclude: Iterable[Path] = (),
    jobs: int | None = 1,
    timeout: float | None = 120.0,
    progress: Callable[[int, int], None] | None = None,
    settings: Settings | None = None,
) -> CheckResult:
    """Check files/folders/globs/zips; returns every file with its findings (all held in
    memory: a bulk caller that reports file by file uses CheckRun instead).

    Files are parsed in `jobs` worker processes and validated in batches (BATCH_ROWS rows or
    BATCH_FILES files). *settings*: a bureau's configuration (xlsxtool.config; its select and
    ignore are the caller's to turn into *codes*); *tolerances* win over its tolerances.
    """
    run = CheckRun(paths, codes=codes, tolerances=tolerances, exclude=exclude, jobs=jobs, timeout=timeout,
                   progress=progress, settings=settings)
    return CheckResult(files=list(run), skipped=run.skipped)


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
    except Exception:  # _annotate_job opens it again and says what is wrong
        pass


def _annotate_job(job: tuple[Source, list[Finding], Path, Path, str]) -> tuple[str | None, list[str], bool]:
    """Write one annotated copy (in a worker process in bulk mode): its path or None, notes for
    the user, and whether it failed because the folder cannot be written (the caller then tries
    a writable folder)."""
    from .report.annotate import annotate_workbook
    from .report.outputs import is_unwritable, os_reason

    src, findings, source_path, dest, verdict = job
    try:
        data = src.read() if src.member is not None else None
        if dest.suffix.lower() == ".docx":  # a Word report (annotate_all names its copy .docx)
            from .report.annotate_docx import annotate_docx

            res = annotate_docx(source_path, findings, dest, verdict=verdict, source_bytes=data)
            return str(res.path), list(res.notes), False
        res = annotate_workbook(source_path, findings, dest, verdict=verdict, source_bytes=data,
                                loaded=_PRELOADED.pop(_preload_key(src), None))
    except OSError as exc:  # a copy that cannot be written must not hide the report
        return None, [f"无法生成批注副本：{os_reason(exc)}（{dest.parent}）"], is_unwritable(exc)
    except Exception as exc:
        return None, [f"无法生成批注副本（{type(exc).__name__}: {exc}）"], False
    return str(res.path), list(res.notes), False


class Preloader:
    """Opens one workbook for its annotated copy in a second process while this one checks it.

    Checking one file is mostly fixed costs: importing pandas and pandera, then openpyxl
    parsing every cell and style for the copy. Run side by side on two cores, a dropped file's
    report and copy come back in about the time of the longer of the two, not their sum.
    Used as a context manager around `check` and `annotate_all(..., preloader=...)`.
    """

    def __init__(self, source: Source) -> None:
        import multiprocessing

        self.source = source
        # fork on Linux: the worker starts at once from this still small process (typer and
        # rich loaded, not pandas). Elsewhere spawn, the platform default (fork is unsafe on macOS).
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        # A multiprocessing Pool, not a concurrent.futures executor: the run ends without waiting
        # for this process (terminate), and an executor shut down without waiting races its own
        # exit hook on Python 3.11 (an "OSError: Bad file descriptor" traceback as the CLI exits).
        self.pool = context.Pool(processes=1)
        self.pool.apply_async(_preload, (source,))

    def annotate(self, job: tuple[Source, list[Finding], Path, Path, str]) -> tuple[str | None, list[str], bool]:
        return self.pool.apply(_annotate_job, (job,))

    def __enter__(self) -> Preloader:
        return self

    def __exit__(self, *exc: object) -> None:
        # Not waiting: a workbook with nothing to annotate is dropped with its process.
        self.pool.terminate()


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
                 jobs: int | None = 1, preloader: Preloader | None = None, *,
                 failed: dict[str, str] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, str], list[str]]:
    """Write an annotated copy of every readable workbook that has anchored findings, in
    `jobs` worker processes. Returns {file display path: annotated path} and notes for the user.

    With *out_dir*, copies mirror where their inputs sit (folders and zip member paths).
    A copy whose folder cannot be written goes to a writable folder instead (said in the
    notes); a copy that could not be written at all is put in *failed* ({display: reason}).
    *progress* is called with (copies done, copies to write)."""
    with Annotator([r.source for r in result.files], out_dir, force, jobs, preloader) as annotator:
        return annotator.annotate(result.files, failed=failed, progress=progress)


class Annotator:
    """Writes the annotated copies of a run batch by batch, as its files are checked (the
    CLI's streamed check): one pool of worker processes for the whole run, and copy names kept
    apart across batches. *inputs*: every source of the run (no copy is written over one)."""

    def __init__(self, inputs: Iterable[Source], out_dir: Path | None = None, force: bool = False,
                 jobs: int | None = 1, preloader: Preloader | None = None) -> None:
        self.out_dir, self.force, self.preloader = out_dir, force, preloader
        self.jobs = _workers(jobs)
        self.pool: Any = None
        # Never a copy over an input of this run (a corrected copy sent back is one, with --force too).
        self.taken: set[Path] = set()
        for src in inputs:
            if src.member is None:
                self.taken.update((src.path, src.path.resolve()))

    def annotate(self, files: list[FileResult], *, failed: dict[str, str] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, str], list[str]]:
        """The copies of *files* (see annotate_all)."""
        jobs_list = _annotation_jobs(files, self.out_dir, self.force, self.taken)
        total = len(jobs_list)
        outcomes: list[tuple[str | None, list[str], bool]] = []
        preloader = self.preloader
        if (preloader is not None and total == 1
                and _preload_key(jobs_list[0][0]) == _preload_key(preloader.source)):
            outcomes = [preloader.annotate(jobs_list[0])]
        elif self.jobs > 1 and (total >= MIN_FILES_FOR_WORKERS or (self.pool is not None and total > 1)):
            for outcome in self._pool().map(_annotate_job, jobs_list, chunksize=1):
                outcomes.append(outcome)
                if progress is not None:
                    progress(len(outcomes), total)
        else:
            for job in jobs_list:
                outcomes.append(_annotate_job(job))
                if progress is not None:
                    progress(len(outcomes), total)
        outcomes = _retry_unwritable(jobs_list, outcomes)
        written: dict[str, str] = {}
        notes: list[str] = []
        for job, (path, job_notes, _unwritable) in zip(jobs_list, outcomes, strict=True):
            display = job[0].display
            if path is not None:
                written[display] = path
            elif failed is not None and job_notes:
                failed[display] = job_notes[0]
            notes.extend(f"{display}：{n}" for n in job_notes)
        return written, notes

    def _pool(self) -> Any:
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # Spawned, not forked: a forked worker would start as a copy of this (by now large)
            # process; a spawned one imports only openpyxl, which keeps the run's memory bounded.
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None

    def __enter__(self) -> Annotator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _annotation_jobs(files: list[FileResult], out_dir: Path | None, force: bool,
                     taken: set[Path]) -> list[tuple[Source, list[Finding], Path, Path, str]]:
    """One job per copy to write: (source, findings, the path the copy is named after, copy, verdict).
    *taken*: paths no copy may get (the run's inputs, copies already named); grows with these."""
    from .report.annotate import output_path
    from .report.outputs import mirrored_folder

    jobs_list: list[tuple[Source, list[Finding], Path, Path, str]] = []
    for r in files:
        if r.error or not any(f.cell for f in r.findings):
            continue
        src = r.source
        # A member of a zip: name the copy after the member, next to the zip.
        # (the decoded member name from `display`, not the raw cp437 one).
        source_path = src.path if src.member is None else src.path.parent / Path(src.display).name
        folder = mirrored_folder(out_dir, src.rel) if out_dir is not None else None
        # A Word report's copy is a .docx whatever the original's name (.doc/.wps are converted).
        named = source_path.with_suffix(".docx") if r.is_word else source_path
        dest = output_path(named, folder, force=force, taken=taken)
        taken.add(dest)
        jobs_list.append((src, r.findings, source_path, dest, r.verdict))
    return jobs_list


def _retry_unwritable(jobs_list: list[tuple[Source, list[Finding], Path, Path, str]],
                      outcomes: list[tuple[str | None, list[str], bool]]) -> list[tuple[str | None, list[str], bool]]:
    """Copies refused by their folder (a read-only share, a CD, a protected folder): written
    again into a writable folder, and the notes say which (one at a time, in this process:
    such failures are few, and names in the fallback folder must not collide)."""
    from .report.annotate import output_path
    from .report.outputs import fallback_dir

    if not any(unwritable for _p, _n, unwritable in outcomes):
        return outcomes
    folder = fallback_dir()
    taken: set[Path] = set()
    retried = []
    for job, outcome in zip(jobs_list, outcomes, strict=True):
        if not outcome[2]:
            retried.append(outcome)
            continue
        src, findings, source_path, dest, verdict = job
        new_dest = output_path(source_path, folder, taken=taken)
        taken.add(new_dest)
        path, notes, unwritable = _annotate_job((src, findings, source_path, new_dest, verdict))
        if path is not None:
            notes = [f"文件夹“{dest.parent}”不能写入，批注副本改存到“{folder}”", *notes]
        retried.append((path, notes, unwritable))
    return retried


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


def explain(paths: Iterable[str | Path], settings: Settings | None = None) -> list[tuple[str, str]]:
    """How every form of every file was understood (`check --explain`): [(file, text)].

        for path, text in api.explain(["自评表.xlsx"]):
            print(path); print(text)
    """
    from .explain import explain_book
    from .word import read_book

    configure_labels(settings.labels if settings is not None else None)
    sources, missing = discover(paths)
    out: list[tuple[str, str]] = []
    for src in sources:
        try:
            out.append((src.display, explain_book(read_book(src.read(), src.display))))
        except WorkbookError as exc:
            out.append((src.display, f"无法读取：{exc.message}"))
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            out.append((src.display, f"无法读取：{exc}"))
    out += [(m, "找不到该文件或文件夹") for m in missing]
    return out


def frames_of(paths: Iterable[str | Path]) -> tuple[dict[str, Any], list[FileResult]]:
    """Tidy frames of every readable workbook (for `convert`), plus the per-file results."""
    sources, missing = discover(paths)
    results = [load(s) for s in sources] + [_not_found(m) for m in missing]
    for r in results:
        if r.word is not None and r.extract is not None:  # cells on joined tables read '表5!G3'
            r.word.relocate_records(r.extract)
    frames = to_frames([r.extract for r in results if r.extract is not None])
    return frames, results


# CheckResult, FileResult, Finding, Skipped live in .results (report imports them from there);
# they stay importable from api for the scripts that import them from here.
__all__ = ["check", "CheckRun", "Annotator", "check_bytes", "discover", "explain", "frames_of", "annotate_all", "write_summary",
           "is_unedited_copy", "CheckResult", "FileResult", "Finding", "Skipped", "Source"]
