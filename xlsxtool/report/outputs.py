"""Where a run's outputs go: copies mirrored under --out, a writable folder when the usual one
is not, and the record of a run's outputs that lets `--force` replace them without leaving stale
copies behind.

Only paths are decided here; annotate.py and summary.py write the files.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

# In --out: what earlier runs wrote there (a hidden file: never taken for an input).
MANIFEST_NAME = ".xlsxtool-输出清单.json"
FALLBACK_FOLDER = "xlsxtool校验结果"

# OSError numbers that mean "this folder cannot be written", not "this file is broken".
_UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def mirrored_folder(out_dir: Path, rel: str | None) -> Path:
    """The folder under *out_dir* for an input at *rel* ('单位甲/自评表.xlsx' → out/单位甲):
    three units' 项目支出绩效自评表.xlsx keep apart by their own folders, not by (2), (3)."""
    if not rel:
        return out_dir
    parts = [p for p in Path(rel).parent.parts if p not in ("", ".", "..", "/", "\\")]
    return out_dir.joinpath(*parts) if parts else out_dir


def is_unwritable(exc: BaseException) -> bool:
    return isinstance(exc, PermissionError) or (isinstance(exc, OSError) and exc.errno in _UNWRITABLE)


def os_reason(exc: BaseException) -> str:
    """A Chinese reason for a failed write, naming no temp file."""
    if is_unwritable(exc):
        return "没有写入权限（文件夹只读，或文件正被 Excel/WPS 打开）"
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "磁盘空间不足"
        if exc.errno == errno.ENAMETOOLONG:
            return "路径过长"
        return exc.strerror or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def _can_write(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".xlsxtool-probe-")
        os.close(fd)
        os.unlink(probe)
        return True
    except OSError:
        return False


def fallback_dir() -> Path:
    """A folder the user can write and find: the desktop, else the home folder, else the
    system temp folder (each with an xlsxtool校验结果 sub-folder)."""
    override = os.environ.get("XLSXTOOL_FALLBACK_DIR")
    home = Path.home()
    candidates = [Path(override)] if override else []
    candidates += [home / "Desktop" / FALLBACK_FOLDER, home / "桌面" / FALLBACK_FOLDER, home / FALLBACK_FOLDER,
                   Path(tempfile.gettempdir()) / FALLBACK_FOLDER]
    for folder in candidates:
        if (folder.parent.is_dir() or folder == candidates[0]) and _can_write(folder):
            return folder
    return candidates[-1]


# ------------------------------------------------------------------ the record of a run's outputs
def _manifest(out_dir: Path) -> Path:
    return out_dir / MANIFEST_NAME


def earlier_outputs(out_dir: Path) -> list[Path]:
    """Files earlier runs recorded writing into *out_dir* (those still there)."""
    try:
        doc = json.loads(_manifest(out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    base = out_dir.resolve()
    paths = []
    for rel in doc.get("outputs", []) if isinstance(doc, dict) else []:
        path = (out_dir / str(rel)).resolve()
        # Only files inside --out: a hand-edited record must not reach anything else.
        if base in path.parents and path.is_file():
            paths.append(path)
    return paths


def remove_earlier_outputs(out_dir: Path, keep: Iterable[Path] = ()) -> list[Path]:
    """`--force`: delete what earlier runs wrote into *out_dir* (never a path in *keep*: the
    inputs of this run), so a re-run leaves no stale copy of a file that now passes."""
    kept = {Path(p).resolve() for p in keep}
    removed = []
    for path in earlier_outputs(out_dir):
        if path in kept:
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            continue
        # Folders the mirroring created and that are now empty go too.
        parent = path.parent
        while parent != out_dir.resolve() and out_dir.resolve() in parent.parents:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
    return removed


def record_outputs(out_dir: Path, written: Iterable[Path], replace: bool) -> None:
    """Add this run's outputs to the record in *out_dir* (start it afresh when *replace*)."""
    base = out_dir.resolve()
    rels: dict[str, None] = {}
    if not replace:
        for path in earlier_outputs(out_dir):
            rels[path.relative_to(base).as_posix()] = None
    for path in written:
        resolved = Path(path).resolve()
        if base in resolved.parents:
            rels[resolved.relative_to(base).as_posix()] = None
    if not rels:
        return
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _manifest(out_dir).write_text(json.dumps({"outputs": list(rels)}, ensure_ascii=False, indent=1),
                                      encoding="utf-8")
    except OSError:  # the record is a convenience for the next --force run, never a failure
        pass
