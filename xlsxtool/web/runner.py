"""Batches: where they live, who runs them, when they go.

Each upload becomes a Batch with an unguessable id (secrets.token_urlsafe) and its own temp
folder under the server's root. A bounded pool of dispatcher threads (`workers`) runs one
batch each, in its own process forked from a warmed fork server (worker.py): a thousand-file
zip takes one slot while other users' batches run in the others, a file that hangs is killed
by the watchdog, and a batch's memory leaves with its process. One such process is kept
started and warmed ahead (the spare), so a dropped file does not wait for a process to start.
Folders are deleted `keep` seconds after their batch finished, and at shutdown.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import worker

GRACE = 30.0  # seconds over the per-file limit before a silent batch process is killed


@dataclass
class Limits:
    max_upload_bytes: int = 500 * 1024 * 1024
    max_files: int = 2000  # files per batch, counting those inside zips
    timeout: float = 120.0  # seconds per file
    keep: float = 3600.0  # seconds a batch's files and result are kept
    workers: int = 2  # batches checked at once


@dataclass
class Batch:
    id: str
    folder: Path
    created: float = field(default_factory=time.time)
    finished: float | None = None  # when its process ended: `keep` counts from then
    _result: dict[str, Any] | None = field(default=None, repr=False)
    _copies: list[str] | None = field(default=None, repr=False)

    def status(self) -> dict[str, Any]:
        try:
            return json.loads((self.folder / worker.STATUS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"state": "queued", "done": 0, "total": 0, "message": "排队等待检查"}

    def has_result(self) -> bool:
        """Whether the check's JSON is written (without reading megabytes of it)."""
        return self._result is not None or (self.folder / worker.RESULT).exists()

    def result(self) -> dict[str, Any] | None:
        """The check's JSON, once written (cached when final: a big batch's is megabytes)."""
        if self._result is not None:
            return self._result
        try:
            doc = json.loads((self.folder / worker.RESULT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if "downloads" in doc:
            self._result = doc
        return doc

    def download(self, what: str | int) -> Path | None:
        """A file of this batch by what it is (an annotated copy by number, the summary, all
        copies as a zip): names from the request never become paths."""
        if isinstance(what, int):
            if self._copies is None:
                try:
                    self._copies = json.loads((self.folder / worker.COPIES).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return None
            if not 0 <= what < len(self._copies):
                return None
            path = self.folder / self._copies[what]
        elif what == "summary":
            path = self.folder / worker.OUTPUTS / worker.SUMMARY_NAME
        elif what == "copies_zip":
            path = self.folder / worker.OUTPUTS / worker.COPIES_ZIP_NAME
        else:
            return None
        path = path.resolve()
        if not path.is_relative_to(self.folder.resolve()) or not path.is_file():
            return None
        return path


def _context() -> multiprocessing.context.BaseContext:
    """Fork server where there is one (Linux, macOS): each batch is a fork of a process that
    has imported and warmed the checker, started clean (no server threads copied). Spawn on
    Windows: slower to start, same behaviour."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(["xlsxtool.web.warm"])
    return ctx


def _end_spare(spare: tuple[Any, Any]) -> None:
    """Stop a spare batch process (idle, or already dead) and close our end of its pipe."""
    process, jobs = spare
    jobs.close()
    process.kill()
    process.join(5)


class Runner:
    def __init__(self, limits: Limits, root: Path | None = None) -> None:
        self.limits = limits
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="xlsxtool-web-"))
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)  # other accounts on the server do not read the uploads
        self.batches: dict[str, Batch] = {}
        self.waiting: list[str] = []  # queued batch ids, oldest first
        self.lock = threading.Lock()
        self.queue: queue.Queue[Batch | None] = queue.Queue()
        self.processes: dict[str, Any] = {}
        # A batch process started and warmed ahead of its batch (worker.serve_spare): the next
        # upload is checked at once, not after a process start and a cold first check.
        self.spare: tuple[Any, Any] | None = None
        self.spare_lock = threading.Lock()
        self.stopping = threading.Event()
        self.ctx = _context()
        self.threads = [threading.Thread(target=self._loop, name=f"xlsxtool-batch-{i}", daemon=True)
                        for i in range(max(1, limits.workers))]
        self.threads.append(threading.Thread(target=self._reap, name="xlsxtool-reaper", daemon=True))
        for t in self.threads:
            t.start()

    # ------------------------------------------------------------ batches
    def new_batch(self) -> Batch:
        batch_id = secrets.token_urlsafe(24)
        folder = self.root / batch_id
        (folder / worker.UPLOADS).mkdir(parents=True)
        batch = Batch(batch_id, folder)
        with self.lock:
            self.batches[batch_id] = batch
        return batch

    def get(self, batch_id: str) -> Batch | None:
        with self.lock:
            return self.batches.get(batch_id)

    def submit(self, batch: Batch, files: list[tuple[str, str]]) -> None:
        """Queue a batch whose uploads are spooled: [(stored name under upload/, client name)]."""
        worker.write_json(batch.folder / worker.MANIFEST, {"files": files})
        with self.lock:
            self.waiting.append(batch.id)
        self.queue.put(batch)

    def discard(self, batch: Batch) -> None:
        """Forget a batch and delete its folder, stopping its process if it still runs."""
        with self.lock:
            self.batches.pop(batch.id, None)
        process = self.processes.get(batch.id)
        if process is not None:
            process.kill()
            process.join(5)
        shutil.rmtree(batch.folder, ignore_errors=True)

    def position(self, batch_id: str) -> int | None:
        """How many batches wait before this one (None when it is not waiting)."""
        with self.lock:
            return self.waiting.index(batch_id) if batch_id in self.waiting else None

    # ------------------------------------------------------------ running
    def warm(self) -> None:
        """Start the fork server now (it imports and warms the checker), not on the first
        upload, and a spare batch process from it."""
        if self.ctx.get_start_method() == "forkserver":
            p = self.ctx.Process(target=time.sleep, args=(0,))
            p.start()
            p.join()
        self._start_spare()

    def _start_spare(self) -> None:
        with self.spare_lock:
            if self.spare is not None and not self.spare[0].is_alive():  # died idle: replaced
                _end_spare(self.spare)
                self.spare = None
            if self.spare is not None or self.stopping.is_set():
                return
            ours, theirs = self.ctx.Pipe()
            # Not a daemon: a batch process starts processes of its own (api.check's workers).
            p = self.ctx.Process(target=worker.serve_spare, args=(theirs, str(self.root)))
            p.start()
            theirs.close()
            self.spare = (p, ours)

    def _start_batch(self, args: tuple[str, int, float]) -> Any:
        """The process that runs a batch: the spare once it is warm, else a new one (a spare
        still warming up would keep the batch waiting longer than a process started now)."""
        with self.spare_lock:
            spare = self.spare
            # A dead spare stays for _start_spare to replace once this batch is over.
            ready = spare is not None and spare[0].is_alive() and spare[1].poll()
            if ready:
                self.spare = None
        if ready and spare is not None:
            p, jobs = spare
            try:
                jobs.send(args)
                return p
            except OSError:  # it died meanwhile: start one as before
                pass
            finally:
                jobs.close()
        p = self.ctx.Process(target=worker.run_batch, args=args)
        p.start()
        return p

    def _loop(self) -> None:
        while True:
            batch = self.queue.get()
            if batch is None or self.stopping.is_set():
                return
            with self.lock:
                if batch.id in self.waiting:
                    self.waiting.remove(batch.id)
            try:
                self._run(batch)
            except Exception:  # noqa: BLE001 — a dispatcher must outlive any one batch
                worker.Status(batch.folder).set("failed", message="检查进程无法启动，请稍后重试")
            batch.finished = time.time()

    def _run(self, batch: Batch) -> None:
        if not batch.folder.exists():  # expired or discarded while waiting
            return
        limits = self.limits
        p = self._start_batch((str(batch.folder), limits.max_files, limits.timeout))
        self.processes[batch.id] = p
        last, seen = time.monotonic(), None
        # Watchdog: a batch that reports nothing for longer than the per-file limit is stuck
        # (api.check enforces the limit itself only when a batch has several files).
        while p.is_alive():
            p.join(0.5)
            state = (batch.folder / worker.STATUS).stat().st_mtime_ns if (batch.folder / worker.STATUS).exists() else None
            if state != seen:
                last, seen = time.monotonic(), state
            elif limits.timeout and time.monotonic() - last > limits.timeout + GRACE:
                p.kill()
                p.join()
                worker.Status(batch.folder).set(
                    "failed", message=f"检查超时：一个文件处理超过 {limits.timeout:g} 秒，已停止。请检查文件是否过大或损坏")
        self.processes.pop(batch.id, None)
        if batch.folder.exists() and batch.status().get("state") not in ("done", "failed"):
            worker.Status(batch.folder).set("failed", message="检查进程意外退出（可能是内存不足），请减少文件数量后重试")
        # The next spare once this batch is over (not beside it: it would take its CPU).
        self._start_spare()

    def _reap(self) -> None:
        while not self.stopping.wait(min(30.0, max(0.5, self.limits.keep / 4))):
            self.expire()

    def expire(self, now: float | None = None) -> int:
        """Delete the batches that finished more than `keep` seconds ago; how many."""
        now = time.time() if now is None else now
        with self.lock:
            # Kept `keep` seconds after the result is complete: a long batch's result is not
            # deleted the moment it is ready.
            old = [b for b in self.batches.values() if b.finished is not None and now - b.finished > self.limits.keep]
        for b in old:
            self.discard(b)
        return len(old)

    def stop(self) -> None:
        """Shutdown: stop every batch process and delete every upload and result."""
        self.stopping.set()
        for _ in self.threads:
            self.queue.put(None)
        with self.spare_lock:
            spare, self.spare = self.spare, None
        if spare is not None:
            _end_spare(spare)
        for p in list(self.processes.values()):
            p.kill()
        for p in list(self.processes.values()):
            p.join(5)
        shutil.rmtree(self.root, ignore_errors=True)
