"""One batch, checked in its own process: the uploads placed under the batch folder, then
`api.check`, `api.annotate_all` and `api.write_summary` exactly as the CLI combines them.

The server never imports pandas: this module runs in a child of a warmed fork server (see
runner.py), writes what it has done to small JSON files in the batch folder (status.json,
result.json, copies.json) and exits, so a batch's memory is returned to the system with it.
"""

from __future__ import annotations

import json
import os
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any

# The files of a batch folder (the server reads them; see runner.Batch).
MANIFEST, STATUS, RESULT, COPIES = "manifest.json", "status.json", "result.json", "copies.json"
UPLOADS, INPUTS, OUTPUTS = "upload", "in", "out"
SUMMARY_NAME, COPIES_ZIP_NAME = "校验汇总.xlsx", "批注副本.zip"
_NAME_MAX = 150  # characters of one uploaded name part (file systems allow 255 bytes)


def write_json(path: Path, doc: Any) -> None:
    """Replace *path* atomically: the server may read it at any moment."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


class Status:
    """status.json: the phase, files done / to do, and a Chinese message for the page."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATUS
        self.last = 0.0

    def set(self, state: str, done: int = 0, total: int = 0, message: str = "", *, force: bool = True) -> None:
        now = time.monotonic()
        # Progress calls come once per file: a thousand-file zip need not write a thousand times.
        if not force and now - self.last < 0.2 and done < total:
            return
        self.last = now
        write_json(self.path, {"state": state, "done": done, "total": total, "message": message,
                               "pid": os.getpid(), "time": time.time()})


def upload_path(name: str, taken: set[str]) -> str:
    """Where an uploaded file goes under the batch's input folder: the browser's relative name
    ('报送/单位甲/表.xlsx' from a dropped folder) made safe the way zip members are
    (api.safe_parts: no '..', no root, no drive), control characters dropped, never two
    uploads on one name."""
    from ..api import safe_parts

    cleaned = "".join(ch for ch in name if ch >= " " and ch != "\x7f")
    parts = [p[:_NAME_MAX].strip() or "_" for p in safe_parts(cleaned)] or ["未命名"]
    rel = "/".join(parts)
    stem, dot, suffix = rel.rpartition(".")
    n = 2
    while rel.lower() in taken:  # two files of one name: '表.xlsx', '表(2).xlsx'
        rel = f"{stem}({n}).{suffix}" if dot and "/" not in suffix else f"{'/'.join(parts)}({n})"
        n += 1
    taken.add(rel.lower())
    return rel


def place_uploads(folder: Path) -> None:
    """Move the spooled uploads (upload/0, upload/1, …) to their safe names under in/."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    inputs = folder / INPUTS
    inputs.mkdir(exist_ok=True)
    taken: set[str] = set()
    for stored, name in manifest["files"]:
        dest = inputs / upload_path(name, taken)
        # Defence in depth: whatever the name, the file stays inside the batch's input folder.
        if not dest.resolve().is_relative_to(inputs.resolve()):
            dest = inputs / f"upload_{stored}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(folder / UPLOADS / stored, dest)


def serve_spare(jobs: Any, scratch: str) -> None:
    """A batch process started before its batch (runner.Runner keeps one ready): it runs the
    warm-up once more — in a fresh fork the first check copies the pages it touches and builds
    lazy state, ≈ 0.1 s that a dropped file would otherwise wait for — says "ready" on *jobs* (a
    pipe) and waits there for the batch's run_batch arguments. Nothing sent (the server
    stopping): it ends. *scratch*: the server's own folder, for the warm-up's files."""
    from . import warm

    try:
        warm.warm_up(scratch)
    except Exception:  # noqa: BLE001 — warming is an optimisation; the batch still runs
        pass
    try:
        jobs.send("ready")
        args = jobs.recv()
    except (EOFError, OSError):
        return
    finally:
        jobs.close()
    if args is not None:
        run_batch(*args)


def run_batch(folder_name: str, max_files: int, timeout: float) -> None:
    """The child process's whole life: never raises, always leaves a final status."""
    folder = Path(folder_name)
    status = Status(folder)
    try:
        _run(folder, status, max_files, timeout)
    except BaseException as exc:  # noqa: BLE001 — the page must get a sentence, not a dead process
        if not folder.exists():  # the batch was deleted (DELETE, expiry, shutdown): nothing to say
            return
        try:
            (folder / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
            status.set("failed", message=f"检查时出现内部错误（{type(exc).__name__}），请把文件反馈给管理员")
        except OSError:
            pass


def _run(folder: Path, status: Status, max_files: int, timeout: float) -> None:
    from .. import api
    from ..report import export

    status.set("checking", message="正在整理上传的文件")
    place_uploads(folder)
    os.chdir(folder / INPUTS)  # reports name files as the clerk dropped them: '单位甲/表.xlsx'
    skipped: list[Any] = []
    sources, _missing = api.discover(["."], skipped=skipped)  # files inside zips count too
    if len(sources) > max_files:
        status.set("failed", message=f"本批共 {len(sources)} 个文件（含压缩包内的文件），超过每批 {max_files} 个的上限；请分批上传")
        return
    total = len(sources)
    status.set("checking", 0, total, "正在检查")
    failed: dict[str, str] = {}
    out = folder / OUTPUTS
    # No api.preloader_for here (the CLI's second process opening a dropped workbook for its
    # copy while it is checked): on a busy server it slows the check, which the page waits for.
    result = api.check(["."], jobs=1, timeout=timeout or None,
                       progress=lambda done, all_: status.set("checking", done, all_, "正在检查", force=False))
    write_json(folder / RESULT, export.result_json(result))  # the page shows the findings now, the copies follow
    status.set("annotating", 0, 0, "正在生成批注副本")
    annotated, _notes = api.annotate_all(
        result, out_dir=out / "copies", jobs=1, failed=failed,
        progress=lambda done, all_: status.set("annotating", done, all_, "正在生成批注副本", force=False))
    status.set("annotating", 0, 0, "正在写汇总表")
    summary = None
    if result.files:
        summary = api.write_summary(result, out / SUMMARY_NAME, annotated=annotated, force=True)
    # The result again, now with each file's copy (by number: paths never leave the server);
    # read back rather than kept: a thousand files' findings need not sit in memory meanwhile.
    doc = json.loads((folder / RESULT).read_text(encoding="utf-8"))
    copies: list[str] = []
    for entry in doc["files"]:
        path = annotated.get(entry["path"])
        if path is not None:
            entry["copy"] = {"index": len(copies), "name": Path(path).name}
            copies.append(os.path.relpath(path, folder))
        if entry["path"] in failed:
            entry["annotate_error"] = failed[entry["path"]]
    if len(copies) > 1:
        _zip_copies(folder, out / COPIES_ZIP_NAME, copies)
    doc["downloads"] = {"summary": summary is not None, "copies_zip": len(copies) > 1}
    write_json(folder / COPIES, copies)
    write_json(folder / RESULT, doc)
    status.set("done", total, total, "完成")



def _zip_copies(folder: Path, dest: Path, copies: list[str]) -> None:
    """All annotated copies in one zip, in the folders they were uploaded in (stored, not
    deflated: .xlsx and .docx are zips already)."""
    base = folder / OUTPUTS / "copies"
    tmp = dest.with_name(dest.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        for rel in copies:
            path = folder / rel
            zf.write(path, path.relative_to(base).as_posix())
    os.replace(tmp, dest)
