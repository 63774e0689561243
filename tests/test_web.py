"""`xlsxtool serve`: the JSON API through Starlette's test client (the page: test_web_browser.py).

What a bureau's system or a clerk's browser would notice: the same findings as the CLI, a
broken file named as such, downloads that open, Chinese messages with the right status for
every refusal, batches that never see each other's files, nothing written outside a batch's
folder, and nothing left once the server stops.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="网页服务的依赖未安装（pip install 'xlsxtool[web]'）")
pytest.importorskip("httpx", reason="Starlette 的 TestClient 需要 httpx")
pytest.importorskip("multipart", reason="上传解析需要 python-multipart")

with warnings.catch_warnings():  # Starlette 1.x suggests httpx2; httpx is what CI installs
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from tests.builders import one_form, project_form  # noqa: E402
from xlsxtool import api  # noqa: E402
from xlsxtool.web.app import create_app  # noqa: E402
from xlsxtool.web.runner import Limits  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.suffix in (".xlsx", ".docx"))
BROKEN = ("损坏的自评表.xlsx", b"PK\x03\x04 this is not a workbook, the mail cut it off")


def wait_done(client: TestClient, batch_id: str, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(f"/api/batches/{batch_id}")
        assert r.status_code == 200, r.text
        doc = r.json()
        if doc["state"] in ("done", "failed"):
            return doc
        time.sleep(0.1)
    raise AssertionError(f"batch {batch_id} not finished in {timeout} s")


def upload(client: TestClient, files: list[tuple[str, bytes]], **kw: Any) -> Any:
    return client.post("/api/check", files=[("files", (name, data)) for name, data in files], **kw)


def check(client: TestClient, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    r = upload(client, files)
    assert r.status_code in (200, 202), r.text
    return wait_done(client, r.json()["id"])


@pytest.fixture(scope="module")
def server_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web") / "batches"


@pytest.fixture(scope="module")
def client(server_root: Path) -> Any:
    with TestClient(create_app(Limits(workers=2, max_files=50, max_upload_bytes=30 * 1024 * 1024),
                               root=server_root)) as c:
        yield c


@pytest.fixture(scope="module")
def samples_done(client: TestClient) -> dict[str, Any]:
    return check(client, [(p.name, p.read_bytes()) for p in SAMPLES] + [BROKEN])


def _key(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["rule"], f["severity"], f["sheet"], f["cell"], f["form"], f["message"], f["location"])


def test_samples_give_the_findings_the_cli_gives(samples_done: dict[str, Any]) -> None:
    proc = subprocess.run([sys.executable, "-m", "xlsxtool", "check", "samples", "--format", "json"],
                          cwd=ROOT, capture_output=True, timeout=300)
    cli = {Path(f["path"]).name: f for f in json.loads(proc.stdout)["files"]}
    assert samples_done["state"] == "done"
    web = {f["path"]: f for f in samples_done["result"]["files"]}
    assert set(cli) <= set(web)
    for name, entry in cli.items():
        assert [_key(f) for f in web[name]["findings"]] == [_key(f) for f in entry["findings"]], name
        assert web[name]["verdict"] == entry["verdict"] == "需修改"
        assert web[name]["form_details"] == entry["form_details"]
    # The seed's S205 at the cell the CLI names.
    book = web["岳阳市教育科学技术研究院_2023年度绩效自评表.xlsx"]
    assert any(f["rule"] == "S205" and f["location"] == "自评表!C115" for f in book["findings"])


def test_a_broken_file_is_F001_and_the_batch_goes_on(samples_done: dict[str, Any]) -> None:
    files = {f["path"]: f for f in samples_done["result"]["files"]}
    broken = files[BROKEN[0]]
    assert broken["verdict"] == "无法读取"
    assert [f["rule"] for f in broken["findings"]] == ["F001"]
    assert "copy" not in broken and "annotated_url" not in broken
    assert samples_done["result"]["summary"]["files"] == len(SAMPLES) + 1


def test_downloads_open_and_name_no_server_path(client: TestClient, samples_done: dict[str, Any],
                                                server_root: Path) -> None:
    import openpyxl

    result = samples_done["result"]
    assert str(server_root) not in json.dumps(result, ensure_ascii=False)  # no server path leaks
    book = next(f for f in result["files"] if f["path"].endswith("绩效自评表.xlsx"))
    r = client.get(book["annotated_url"])
    assert r.status_code == 200
    assert "%E6%A0%A1%E9%AA%8C%E7%BB%93%E6%9E%9C.xlsx" in r.headers["content-disposition"]  # …_校验结果.xlsx
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[0] == "校验结果"
    summary = client.get(result["downloads"]["summary"])
    assert summary.status_code == 200
    assert "汇总" in openpyxl.load_workbook(io.BytesIO(summary.content)).sheetnames
    as_file = client.get(result["downloads"]["json"])
    assert as_file.status_code == 200 and "attachment" in as_file.headers["content-disposition"]
    assert as_file.json()["files"] == result["files"]
    with zipfile.ZipFile(io.BytesIO(client.get(result["downloads"]["copies_zip"]).content)) as zf:
        names = sorted(zf.namelist())
    assert names == sorted(f["copy"]["name"] for f in result["files"] if "copy" in f)
    assert len(names) == len(SAMPLES)
    brief = client.get(f"/api/batches/{samples_done['id']}", params={"brief": 1}).json()
    assert brief["has_result"] is True and "result" not in brief and brief["state"] == "done"


def test_a_clean_file_passes(client: TestClient, tmp_path: Path) -> None:
    path = one_form(tmp_path / "干净的表.xlsx", project_form())
    doc = check(client, [(path.name, path.read_bytes())])
    [entry] = doc["result"]["files"]
    assert entry["verdict"] == "通过"
    assert entry["errors"] == 0


def test_another_batch_id_is_404_in_chinese(client: TestClient, samples_done: dict[str, Any]) -> None:
    real = samples_done["id"]
    assert len(real) >= 32  # secrets.token_urlsafe(24)
    wrong = real[:-1] + ("A" if real[-1] != "A" else "B")
    for url in (f"/api/batches/{wrong}", f"/api/batches/{wrong}/summary", f"/api/batches/{wrong}/copies/0",
                f"/api/batches/{wrong}/result.json", f"/api/batches/{wrong}/copies.zip", f"/api/batches/{real}/copies/99",
                "/api/batches/../../etc/passwd"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "Traceback" not in r.text
        if url.startswith("/api/batches/") and ".." not in url:
            assert "批次" in r.json()["error"] or "批注副本" in r.json()["error"]
    assert client.delete(f"/api/batches/{wrong}").status_code == 404


def _evil_zip(book: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("../../越界甲.xlsx", "/tmp/越界乙.xlsx", "C:/Windows/越界丙.xlsx", "..\\..\\越界丁.xlsx",
                     "单位甲/../../../越界戊.xlsx", "单位乙/正常.xlsx"):
            zf.writestr(name, book)
    return buf.getvalue()


def _names_outside(base: Path, inside: Path) -> list[Path]:
    return [p for p in base.rglob("*越界*") if inside not in p.parents]


def test_zip_members_never_become_paths_outside_the_batch(client: TestClient, server_root: Path, tmp_path: Path) -> None:
    book = one_form(tmp_path / "b.xlsx", project_form(total=(100, 90))).read_bytes()  # a finding: a copy is written
    doc = check(client, [("../../上传越界.zip", _evil_zip(book)), ("/etc/越界己.xlsx", book),
                         ("..\\..\\越界庚.xlsx", book)])
    assert doc["state"] == "done"
    files = doc["result"]["files"]
    # Members with '..' are not checked (api lists them as skipped); the rest are, by their names.
    listed = [f["path"] for f in files] + [s["path"] for s in doc["result"]["skipped"]]
    assert len(listed) == 8
    # …and say why: not "隐藏文件" (what a '..' part used to be taken for).
    assert {s["reason"] for s in doc["result"]["skipped"]} == {api.UNSAFE_PATH}
    assert {"上传越界.zip/单位乙/正常.xlsx", "etc/越界己.xlsx", "越界庚.xlsx"} <= {f["path"] for f in files}
    assert all(f["verdict"] == "需修改" for f in files)
    batch = server_root / doc["id"]
    written = [p for p in batch.rglob("*") if p.is_file()]
    assert all(batch in p.parents for p in written)
    for base in (server_root.parent, Path("/tmp"), ROOT, Path.cwd()):
        assert _names_outside(base, batch) == [], base
    assert all("copy" in f for f in files)
    for f in files:
        assert client.get(f["annotated_url"]).status_code == 200


def test_two_uploads_of_one_name_are_both_checked(client: TestClient) -> None:
    doc = check(client, [("单位/表.xlsx", b"first"), ("单位/表.xlsx", b"second")])
    assert sorted(f["path"] for f in doc["result"]["files"]) == ["单位/表(2).xlsx", "单位/表.xlsx"]
    assert all(f["verdict"] == "无法读取" for f in doc["result"]["files"])


def test_uploaded_names_become_safe_relative_paths() -> None:
    from xlsxtool.web.worker import upload_path

    taken: set[str] = set()
    names = ["../../a.xlsx", "/etc/b.xlsx", "C:\\Users\\c.xlsx", "d\x00e\x07.xlsx", "..", "单位/./表.xlsx", "单位/表.xlsx"]
    assert [upload_path(n, taken) for n in names] == [
        "a.xlsx", "etc/b.xlsx", "C_/Users/c.xlsx", "de.xlsx", "未命名", "单位/表.xlsx", "单位/表(2).xlsx"]


def test_oversized_upload_is_413_in_chinese(client: TestClient) -> None:
    big = b"x" * (31 * 1024 * 1024)
    r = upload(client, [("大文件.xlsx", big)])
    assert r.status_code == 413
    assert "上限" in r.json()["error"] and "MB" in r.json()["error"]

    def chunks() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"y" * (1024 * 1024)

    r = client.post("/api/check", content=chunks(), headers={"content-type": "multipart/form-data; boundary=zz"})
    assert r.status_code == 413
    assert "上限" in r.json()["error"]


def test_too_many_files_are_refused_in_chinese(client: TestClient, tmp_path: Path) -> None:
    r = upload(client, [(f"表{i}.xlsx", b"x") for i in range(51)])
    assert r.status_code == 413
    assert "最多上传 50 个文件" in r.json()["error"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(51):
            zf.writestr(f"单位{i}/表.xlsx", b"x")
    doc = check(client, [("太多.zip", buf.getvalue())])
    assert doc["state"] == "failed"
    assert "超过每批 50 个的上限" in doc["message"]


def test_uploads_from_another_sites_page_are_refused(client: TestClient) -> None:
    r = upload(client, [BROKEN], headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "其他网站" in r.json()["error"]
    r = upload(client, [BROKEN], headers={"Origin": "http://testserver"})  # the page itself
    assert r.status_code in (200, 202)


def test_nothing_uploaded_is_a_clear_400(client: TestClient) -> None:
    r = client.post("/api/check", data={"x": "1"})
    assert r.status_code == 400
    assert "没有收到文件" in r.json()["error"]


def test_twenty_concurrent_batches_each_get_their_own_results(client: TestClient, tmp_path: Path) -> None:
    books = {i: one_form(tmp_path / f"{i}.xlsx", project_form(name=f"并发项目{i:02d}", total=(100, 40 + i))).read_bytes()
             for i in range(20)}
    results: dict[int, dict[str, Any]] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = check(client, [(f"单位{i:02d}.xlsx", books[i])])
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors
    assert len({doc["id"] for doc in results.values()}) == 20
    for i, doc in results.items():
        assert doc["state"] == "done"
        [entry] = doc["result"]["files"]
        assert entry["path"] == f"单位{i:02d}.xlsx"
        assert entry["findings"]
        assert {f["form"] for f in entry["findings"] if f["form"]} == {f"并发项目{i:02d}"}
        assert [d["total_score"] for d in entry["form_details"]] == [40 + i]


def test_per_file_time_limit(tmp_path: Path) -> None:
    """A file that takes longer than the limit becomes that file's F001; the batch goes on."""
    with TestClient(create_app(Limits(timeout=0.01, workers=1), root=tmp_path / "srv")) as c:
        doc = check(c, [(p.name, p.read_bytes()) for p in SAMPLES[:2]])
    assert doc["state"] == "done"
    messages = [f["message"] for e in doc["result"]["files"] for f in e["findings"] if f["rule"] == "F001"]
    assert messages and all("秒仍未完成" in m for m in messages)


def test_no_traceback_page_ever(tmp_path: Path) -> None:
    app = create_app(Limits(workers=1), root=tmp_path / "srv", warm=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        from xlsxtool.web import runner

        original = runner.Runner.get
        runner.Runner.get = lambda self, batch_id: 1 / 0  # type: ignore[assignment,method-assign]
        try:
            r = c.get("/api/batches/abc")
        finally:
            runner.Runner.get = original  # type: ignore[method-assign]
        assert r.status_code == 500
        assert r.json() == {"error": "服务器内部错误，请稍后重试或联系管理员"}
        assert "Traceback" not in r.text and "ZeroDivision" not in r.text
        r = c.get("/没有这个页面")
        assert r.status_code == 404 and "Traceback" not in r.text and r.json()["error"]
        r = c.put("/api/check")
        assert r.status_code == 405 and r.json()["error"] == "不支持该请求方式"


def test_token_required_when_configured(tmp_path: Path) -> None:
    with TestClient(create_app(Limits(workers=1), token="s3cret-123", root=tmp_path / "srv", warm=False)) as c:
        assert c.get("/").status_code == 200  # the page itself asks for the token
        assert c.get("/api/info").json()["token_required"] is True
        r = upload(c, [BROKEN])
        assert r.status_code == 401 and "口令" in r.json()["error"]
        assert upload(c, [BROKEN], headers={"Authorization": "Bearer wrong"}).status_code == 401
        r = upload(c, [BROKEN], headers={"Authorization": "Bearer s3cret-123"})
        assert r.status_code in (200, 202)
        batch = r.json()["id"]
        assert c.get(f"/api/batches/{batch}").status_code == 401
        c.cookies.set("xlsxtool_token", "s3cret-123")
        assert wait_done(c, batch)["state"] == "done"


def test_results_expire_and_shutdown_deletes_everything(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    app = create_app(Limits(workers=1, keep=0.5), root=root)
    with TestClient(app) as c:
        doc = check(c, [BROKEN])
        assert (root / doc["id"]).is_dir()
        time.sleep(2.5)  # the reaper runs every keep/4 seconds (at least 0.5 s)
        r = c.get(f"/api/batches/{doc['id']}")
        assert r.status_code == 404 and "过期" in r.json()["error"]
        assert not (root / doc["id"]).exists()
        check(c, [BROKEN])
    assert not root.exists()


def test_the_warm_up_goes_through_what_a_real_upload_does(tmp_path: Path) -> None:
    """The server warms its batch processes on a filled form (values, rules firing, a copy with
    marks), not only blank templates; a warm-up that broke would only make uploads slower, so
    it is run here directly, where an error shows."""
    from xlsxtool.web import warm

    result = api.check([warm.filled_example(tmp_path / "示例.xlsx")], jobs=1)
    [entry] = result.files
    assert entry.forms == 1 and entry.verdict == "需修改"
    assert {"S201", "C301", "C302"} <= {f.rule for f in entry.findings}
    warm.warm_up(str(tmp_path))
    assert list(tmp_path.iterdir()) == [tmp_path / "示例.xlsx"]  # its own files removed


def test_a_warmed_spare_process_takes_the_next_upload_and_leaves_at_shutdown(tmp_path: Path) -> None:
    """The next dropped file is checked by a batch process started and warmed beforehand (the
    latency a clerk sees); once that batch is over a new spare is ready; none outlives the server."""
    from xlsxtool.web.runner import Runner

    runner = Runner(Limits(workers=1), root=tmp_path / "srv")
    try:
        runner.warm()
        assert runner.spare is not None
        first, pipe = runner.spare
        assert first.is_alive()
        assert pipe.poll(120)  # warmed up and waiting
        batch = runner.new_batch()
        (batch.folder / "upload" / "0").write_bytes(SAMPLES[0].read_bytes())
        runner.submit(batch, [("0", SAMPLES[0].name)])
        deadline = time.monotonic() + 180
        while batch.status().get("state") not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert batch.status()["state"] == "done"
        first.join(30)
        assert not first.is_alive()  # it ran this batch and ended, its memory with it
        [entry] = batch.result()["files"]
        assert entry["path"] == SAMPLES[0].name and entry["findings"]
        while runner.spare is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runner.spare is not None
        second = runner.spare[0]
        assert second is not first and second.is_alive()
        # A spare that died while idle (killed, out of memory) is replaced, not kept forever.
        second.kill()
        second.join(10)
        again = runner.new_batch()
        (again.folder / "upload" / "0").write_bytes(SAMPLES[0].read_bytes())
        runner.submit(again, [("0", SAMPLES[0].name)])
        while again.status().get("state") not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert again.status()["state"] == "done"
        while (runner.spare is None or runner.spare[0] is second) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runner.spare is not None and runner.spare[0].is_alive()
        third = runner.spare[0]
    finally:
        runner.stop()
    assert runner.spare is None and not second.is_alive() and not third.is_alive()


def test_rules_catalog_and_a_self_contained_page(client: TestClient) -> None:
    rules = {r["code"]: r for r in client.get("/api/rules").json()["rules"]}
    assert rules["S205"]["explanation"] and rules["F001"]["title"] == "无法读取"
    page = client.get("/")
    assert page.status_code == 200 and "把自评表文件、文件夹或 .zip 压缩包拖到这里" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    # Nothing fetched from outside (a closed intranet): no src/href to another host.
    assert not any(marker in page.text for marker in ('src="http', "src='http", 'href="http', "@import", "url(http"))


def test_serve_without_the_web_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import xlsxtool.web
    from xlsxtool.cli import main

    monkeypatch.setattr(xlsxtool.web, "available", lambda: "starlette")
    assert main(["serve"]) == 2
    assert "请安装 xlsxtool[web]" in capsys.readouterr().err


def test_serve_on_a_busy_port_says_so_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from xlsxtool.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"端口 {port} 已被占用" in capsys.readouterr().err
