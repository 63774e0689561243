"""The web app: a page and a JSON API over xlsxtool.api (see docs/web.md).

    POST /api/check                      upload files (multipart, field "files") → batch id
    GET  /api/batches/{id}               status, progress, and the result once checked
    GET  /api/batches/{id}/result.json   the result as a file (the CLI's --format json, plus downloads)
    GET  /api/batches/{id}/copies/{n}    the n-th annotated copy
    GET  /api/batches/{id}/copies.zip    every annotated copy in one zip
    GET  /api/batches/{id}/summary       the summary workbook (校验汇总.xlsx)
    DELETE /api/batches/{id}             delete the batch's files now
    GET  /api/rules                      the rules catalog (code, title, explanation, example)
    GET  /api/info                       limits and whether a token is required

Checking happens in batch processes (runner.py, worker.py); this process only receives
uploads and serves what the batches wrote, so it never imports pandas.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

from ..rules import GROUPS, RULES
from . import worker
from .runner import Batch, Limits, Runner

# No asset from outside: the page carries its own script and style (a closed intranet).
_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_STATUS_TEXT = {
    400: "请求有误", 401: "需要访问口令", 403: "不允许的请求", 404: "找不到该页面或批次", 405: "不支持该请求方式",
    413: "上传的内容过大", 500: "服务器内部错误，请稍后重试或联系管理员",
}
TOKEN_COOKIE = "xlsxtool_token"


class _TooLarge(Exception):
    pass


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


def create_app(limits: Limits | None = None, *, token: str | None = None, root: Path | None = None,
               warm: bool = True) -> Starlette:
    """The ASGI app. *limits*: upload size, files per batch, seconds per file, how long results
    are kept, batches at once; *token*: a shared secret every API call must carry (header
    `Authorization: Bearer …`, `X-Token`, or the page's cookie); *root*: where batch folders go
    (default: a new temp folder, deleted at shutdown)."""
    limits = limits or Limits()
    state: dict[str, Runner] = {}

    def runner() -> Runner:
        return state["runner"]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["runner"] = Runner(limits, root)
        if warm:
            await run_in_threadpool(state["runner"].warm)
        try:
            yield
        finally:
            await run_in_threadpool(state["runner"].stop)

    def authorised(request: Request) -> bool:
        if not token:
            return True
        # The page keeps the token in a cookie, percent-encoded (encodeURIComponent).
        given = request.headers.get("x-token") or unquote(request.cookies.get(TOKEN_COOKIE, ""))
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        return secrets.compare_digest(given.encode(), token.encode())

    def guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not authorised(request):
                return _error(401, "需要访问口令：请向管理员索取口令后在页面上输入（API：请求头 Authorization: Bearer 口令）")
            return await handler(request)
        return endpoint

    def batch_of(request: Request) -> Batch:
        batch = runner().get(request.path_params["batch_id"])
        if batch is None:
            minutes = limits.keep / 60
            raise HTTPException(404, f"没有这个批次：链接有误，或结果已过期删除（结果保留 {minutes:g} 分钟）")
        return batch

    async def page(request: Request) -> Response:
        html = resources.files("xlsxtool.web").joinpath("static/index.html").read_bytes()
        return Response(html, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": _CSP, "Cache-Control": "no-store",
                                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

    async def info(request: Request) -> Response:
        return JSONResponse({
            "token_required": bool(token), "max_upload_bytes": limits.max_upload_bytes,
            "max_files": limits.max_files, "timeout": limits.timeout, "keep_seconds": limits.keep,
            "workers": limits.workers, "suffixes": [".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".docx", ".zip"],
        })

    async def rules(request: Request) -> Response:
        return JSONResponse({"rules": [
            {"code": r.code, "severity": r.severity, "title": r.title, "group": GROUPS[r.group],
             "explanation": r.explanation, "example": r.example, "anchor": r.anchor}
            for r in RULES.values()]})

    async def check(request: Request) -> Response:
        # A page on another site may post a form to a server on 127.0.0.1 without being able
        # to read the answer: refused, so no one else's page can start batches here.
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlparse(origin).netloc != request.headers.get("host"):
            return _error(403, "不接受从其他网站的页面提交的文件，请在本服务的页面上上传")
        length = request.headers.get("content-length")
        too_big = f"上传的内容超过 {_mb(limits.max_upload_bytes)} 的上限，请分批上传或先压缩成 .zip"
        if length and length.isdigit() and int(length) > limits.max_upload_bytes:
            return _error(413, too_big)
        received = 0

        async def limited() -> Message:  # counts a body sent without (or lying about) its length
            nonlocal received
            message = await request.receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limits.max_upload_bytes:
                    raise _TooLarge
            return message

        body = Request(request.scope, limited)
        batch = runner().new_batch()
        try:
            try:
                form = await body.form(max_files=limits.max_files + 1, max_fields=100)
            except _TooLarge:
                return _error(413, too_big)
            except HTTPException:
                return _error(400, f"上传的内容无法解析，或一次超过 {limits.max_files} 个文件")
            try:
                uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
                if not uploads:
                    return _error(400, "没有收到文件：请用表单字段 files 上传工作簿、Word 报告或 .zip 压缩包")
                if len(uploads) > limits.max_files:
                    return _error(413, f"一次最多上传 {limits.max_files} 个文件，请分批上传或先压缩成 .zip")
                files = await run_in_threadpool(_spool, uploads, batch.folder / worker.UPLOADS)
            finally:
                await form.close()
        except BaseException:
            runner().discard(batch)
            raise
        runner().submit(batch, files)
        wait = _seconds(request.query_params.get("wait"))
        doc = await _status(batch, wait, _brief(request))
        return JSONResponse(doc, status_code=202 if doc["state"] not in ("done", "failed") else 200)

    async def status(request: Request) -> Response:
        batch = batch_of(request)
        return JSONResponse(await _status(batch, _seconds(request.query_params.get("wait")), _brief(request)))

    def _brief(request: Request) -> bool:
        return request.query_params.get("brief") in ("1", "true")

    async def _status(batch: Batch, wait: float, brief: bool = False) -> dict[str, Any]:
        """The batch's status; with *wait*, held until its result is there (or *wait* seconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            st = batch.status()
            # The findings are ready before the copies: a waiting caller gets them at once.
            ready = st["state"] in ("done", "failed") or (st["state"] == "annotating" and batch.has_result())
            if ready or loop.time() >= deadline:
                break
            await asyncio.sleep(0.02)
        doc: dict[str, Any] = {"id": batch.id, "url": f"/api/batches/{batch.id}", **_public(st)}
        position = runner().position(batch.id)
        if position is not None:
            doc["state"], doc["queue_position"] = "queued", position
            doc["message"] = f"排队等待检查（前面还有 {position} 批）" if position else "即将开始检查"
        if st["state"] in ("annotating", "done") and batch.has_result():
            # brief: progress only (the page polls a long batch; a thousand files' result is megabytes).
            result = None if brief else batch.result()
            if result is not None:
                doc["result"] = _with_links(result, batch.id)
            else:
                doc["has_result"] = True
        return doc

    async def result_json(request: Request) -> Response:
        batch = batch_of(request)
        result = batch.result()
        if result is None:
            raise HTTPException(404, "结果还没有生成，请稍后再试")
        return JSONResponse(_with_links(result, batch.id),
                            headers={"Content-Disposition": "attachment; filename*=UTF-8''%E6%A0%A1%E9%AA%8C%E7%BB%93%E6%9E%9C.json"})

    def _file(batch: Batch, what: str | int, missing: str) -> Response:
        path = batch.download(what)
        if path is None:
            raise HTTPException(404, missing)
        return FileResponse(path, filename=path.name, headers={"Cache-Control": "no-store"})

    async def copy(request: Request) -> Response:
        return _file(batch_of(request), int(request.path_params["n"]), "没有这个批注副本（可能还在生成，或已过期删除）")

    async def copies_zip(request: Request) -> Response:
        return _file(batch_of(request), "copies_zip", "没有批注副本压缩包（批注副本不止一个时才生成）")

    async def summary(request: Request) -> Response:
        return _file(batch_of(request), "summary", "汇总表还没有生成，请稍后再试")

    async def delete(request: Request) -> Response:
        batch = batch_of(request)
        runner().discard(batch)
        return JSONResponse({"deleted": batch.id})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        return _error(exc.status_code, detail or _STATUS_TEXT.get(exc.status_code, "请求有误"))

    async def server_error(request: Request, exc: Exception) -> Response:
        # Never a traceback page: a sentence in Chinese (the details stay in the server log).
        return _error(500, _STATUS_TEXT[500])

    api = "/api/batches/{batch_id:str}"
    routes = [
        Route("/", page),
        Route("/api/info", info),
        Route("/api/rules", rules),
        Route("/api/check", guarded(check), methods=["POST"]),
        Route(api, guarded(status)),
        Route(api, guarded(delete), methods=["DELETE"]),
        Route(api + "/result.json", guarded(result_json)),
        Route(api + "/summary", guarded(summary)),
        Route(api + "/copies.zip", guarded(copies_zip)),
        Route(api + "/copies/{n:int}", guarded(copy)),
    ]
    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={HTTPException: http_error, Exception: server_error, 500: server_error})


def _spool(uploads: list[UploadFile], folder: Path) -> list[tuple[str, str]]:
    """Copy each upload to folder/<n> under a number; its own name is only data (worker.py
    makes it a safe path, as api.safe_parts does for zip members)."""
    files = []
    for i, upload in enumerate(uploads):
        with open(folder / str(i), "wb") as out:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, out, 1024 * 1024)
        files.append((str(i), upload.filename or f"文件{i + 1}"))
    return files


def _seconds(raw: str | None) -> float:
    try:
        return min(max(float(raw), 0.0), 60.0) if raw else 0.0
    except ValueError:
        return 0.0


def _public(status: dict[str, Any]) -> dict[str, Any]:
    return {k: status.get(k) for k in ("state", "done", "total", "message")}


def _with_links(result: dict[str, Any], batch_id: str) -> dict[str, Any]:
    """The result with download URLs (the worker records copies by number only)."""
    base = f"/api/batches/{batch_id}"
    files = []
    for entry in result.get("files", []):
        if "copy" in entry:
            entry = {**entry, "annotated_url": f"{base}/copies/{entry['copy']['index']}"}
        files.append(entry)
    downloads = result.get("downloads") or {}
    links = {"json": f"{base}/result.json"} if "downloads" in result else {}
    if downloads.get("summary"):
        links["summary"] = f"{base}/summary"
    if downloads.get("copies_zip"):
        links["copies_zip"] = f"{base}/copies.zip"
    return {**result, "files": files, "downloads": links}
