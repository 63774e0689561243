"""`xlsxtool serve` benchmark: what a clerk waits for in the browser, and the server's memory.

    python benchmarks/web.py                          # one workbook, 5 rounds
    python benchmarks/web.py --inbox /tmp/bench1000   # also a zip of that folder (bulk.py --keep)

Starts the real server (`python -m xlsxtool serve` on a free port, defaults as shipped) and
measures over HTTP (httpx):

1. One eleven-form workbook (samples/…_绩效自评表.xlsx), warm server: the time from the
   upload's response (the batch accepted) to the result (findings, as the page shows them
   before the annotated copy is written), and to the batch being done (copy and summary
   written). Upload round trip separately. Best and median of --rounds, each round after the
   previous one is done and --pause seconds (default 3: the server readies its next batch
   process meanwhile; 0 measures uploads back to back).
2. A zip of every workbook in --inbox (bulk.py generates 1,000 eleven-form workbooks):
   upload, then the progress the page shows (sampled every 0.5 s), time to the result and to
   done (all copies, the summary and the copies' zip), and the peak memory of the server's
   whole process tree (server, fork server, batch process and its workers; PSS sampled every
   100 ms, as bulk.py measures the CLI).
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from bulk import _tree_rss  # noqa: E402 — the same memory measure as the CLI benchmark

BOOK = ROOT / "samples" / "岳阳市教育科学技术研究院_2023年度绩效自评表.xlsx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Peak:
    """The process tree's peak memory, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, _tree_rss(self.pid))

    def reset(self) -> None:
        self.peak = _tree_rss(self.pid)


def wait_state(client: httpx.Client, batch: str, states: tuple[str, ...], on_status: Any = None) -> dict[str, Any]:
    while True:
        doc = client.get(f"/api/batches/{batch}", params={"wait": 10}).json()
        if on_status:
            on_status(doc)
        if doc["state"] in states or ("result" in doc and "result" in states):
            return doc
        if doc["state"] == "failed":
            raise SystemExit(f"batch failed: {doc['message']}")


def _check_alone(rounds: int) -> list[float]:
    """api.check on the workbook in a warm process of its own: what the server adds is the rest."""
    code = ("import time, sys; from xlsxtool import api; p = sys.argv[1]; api.check([p]); ts = []\n"
            "for _ in range(int(sys.argv[2])):\n"
            "    t = time.perf_counter(); api.check([p]); ts.append(time.perf_counter() - t)\n"
            "print(' '.join(map(str, ts)))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code, str(BOOK), str(rounds)], env=env, capture_output=True,
                         text=True, check=True).stdout
    return [float(x) for x in out.split()]


def one_workbook(client: httpx.Client, rounds: int, pause: float) -> None:
    data = BOOK.read_bytes()
    uploads, results, dones = [], [], []
    for _ in range(rounds):
        time.sleep(pause)  # a clerk's pace: the server has readied its next batch process
        t0 = time.perf_counter()
        r = client.post("/api/check", files=[("files", (BOOK.name, data))])
        t1 = time.perf_counter()
        batch = r.json()["id"]
        while True:  # the page polls; here a tight poll (20 ms) so the figure is the server's
            doc = client.get(f"/api/batches/{batch}").json()
            if "result" in doc:
                break
            time.sleep(0.02)
        t2 = time.perf_counter()
        assert doc["result"]["files"][0]["findings"], "no findings?"
        wait_state(client, batch, ("done",))
        t3 = time.perf_counter()
        uploads.append(t1 - t0)
        results.append(t2 - t1)
        dones.append(t3 - t1)
    alone = _check_alone(rounds)
    print(f"one eleven-form workbook ({BOOK.stat().st_size // 1024} KB), {rounds} rounds, best / median:")
    print(f"  api.check in a warm process  {min(alone):.3f} / {statistics.median(alone):.3f} s  (the floor: no server)")
    print(f"  upload round trip           {min(uploads):.3f} / {statistics.median(uploads):.3f} s")
    print(f"  upload → result on the page {min(results):.3f} / {statistics.median(results):.3f} s")
    print(f"  upload → copy + summary     {min(dones):.3f} / {statistics.median(dones):.3f} s")


def inbox_zip(client: httpx.Client, inbox: Path, peak: Peak, limit: int | None, copies: bool) -> None:
    books = sorted(p for p in inbox.rglob("*") if p.suffix.lower() in (".xlsx", ".xls", ".docx"))[:limit]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for p in books:
            zf.write(p, p.relative_to(inbox).as_posix())
    data = buf.getvalue()
    print(f"zip of {len(books)} workbooks from {inbox}: {len(data) / 1e6:.1f} MB")
    peak.reset()
    t0 = time.perf_counter()
    r = client.post("/api/check", files=[("files", ("报送材料.zip", data))], timeout=600)
    batch = r.json()["id"]
    t1 = time.perf_counter()
    print(f"  upload {t1 - t0:.1f} s")
    last = [0.0, ""]

    def show(doc: dict[str, Any]) -> None:
        line = f"{doc['state']} {doc['done']}/{doc['total']}"
        if line != last[1] and time.perf_counter() - last[0] >= 10:
            print(f"  {time.perf_counter() - t1:6.1f} s  {doc['message']} {doc['done']}/{doc['total']}  "
                  f"memory {peak.peak / 1e6:.0f} MB", flush=True)
            last[0], last[1] = time.perf_counter(), line

    doc = wait_state(client, batch, ("annotating", "done"), show)
    t2 = time.perf_counter()
    res = doc["result"]
    print(f"  result (findings of {res['summary']['files']} files, {res['summary']['forms']} forms) after "
          f"{t2 - t1:.1f} s ({len(books) / (t2 - t1):.1f} files/s); peak memory so far {peak.peak / 1e6:.0f} MB")
    if copies:
        doc = wait_state(client, batch, ("done",), show)
        t3 = time.perf_counter()
        res = doc["result"]
        print(f"  done (copies: {sum('copy' in f for f in res['files'])}, summary, copies' zip) after {t3 - t1:.1f} s "
              f"({t3 - t2:.1f} s after the result)")
    else:  # watch the copies being written for a while: the rate, and memory while they are
        time.sleep(60)
        doc = client.get(f"/api/batches/{batch}").json()
        print(f"  copies written in the 60 s after the result: {doc['done']}/{doc['total']}")
    print(f"  server process tree peak memory (PSS): {peak.peak / 1e6:.0f} MB")
    client.delete(f"/api/batches/{batch}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pause", type=float, default=3.0,
                    help="seconds before each upload of the one workbook (default 3; 0: back to back)")
    ap.add_argument("--inbox", type=Path, help="folder of workbooks (bulk.py --keep DIR) to send as one zip")
    ap.add_argument("--limit", type=int, help="only the first N workbooks of --inbox")
    ap.add_argument("--no-wait-copies", action="store_true",
                    help="stop 60 s after the result instead of waiting for every annotated copy")
    args = ap.parse_args()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    server = subprocess.Popen([sys.executable, "-m", "xlsxtool", "serve", "--port", str(port)], env=env, cwd=ROOT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            t0 = time.perf_counter()
            while True:
                try:
                    client.get("/api/info")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(f"server up (checker warmed) after {time.perf_counter() - t0:.1f} s")
            peak = Peak(server.pid)
            print(f"idle server process tree (PSS): {_tree_rss(server.pid) / 1e6:.0f} MB")
            one_workbook(client, args.rounds, args.pause)
            if args.inbox:
                inbox_zip(client, args.inbox, peak, args.limit, not args.no_wait_copies)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
