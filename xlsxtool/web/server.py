"""Running the app on uvicorn for `xlsxtool serve`."""

from __future__ import annotations

import socket
import threading
import time
import webbrowser
from pathlib import Path

from .runner import Limits


def port_problem(host: str, port: int) -> str | None:
    """Why the server cannot listen on host:port, in Chinese (uvicorn would say it in English)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return f"无法识别的地址：{host}"
    family, kind, proto, _name, addr = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except PermissionError:
            return f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限），请用 --port 换一个端口"
        except OSError:
            return f"端口 {port} 已被占用（可能已经有一个 xlsxtool serve 在运行），请用 --port 换一个端口"
    return None


def page_url(host: str, port: int, token: str | None = None) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/" + (f"#token={token}" if token else "")


def serve(host: str, port: int, *, limits: Limits, token: str | None = None, open_browser: bool = False,
          root: Path | None = None, echo=print) -> int:  # noqa: ANN001 — echo: typer.echo or print
    import uvicorn

    from .app import create_app

    app = create_app(limits, token=token, root=root)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    url = page_url(host, port, token)
    echo("正在启动 xlsxtool 网页服务（首次启动需要几秒钟准备检查程序）……")

    def announce() -> None:
        # Said once the server listens: the lifespan warms the checker before that.
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.05)
        echo(f"xlsxtool 网页服务已启动：{url}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            echo(f"同一网络中的其他电脑用 http://<本机 IP 地址>:{port}/ 访问"
                 + ("（需要口令）" if token else "；没有设置 --token，任何能访问本机的人都能使用"))
        echo(f"每批最多 {limits.max_files} 个文件、{limits.max_upload_bytes // 1024 // 1024} MB；"
             f"结果保留 {limits.keep / 60:g} 分钟后删除。"
             "按 Ctrl+C 停止（停止时删除全部上传的文件和结果）。")
        if open_browser:
            webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()  # uvicorn re-raises Ctrl+C / SIGTERM once the app has shut down (files deleted)
    return 0
