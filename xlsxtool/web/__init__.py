"""`xlsxtool serve`: a web page and a JSON API for checking 自评表 in a browser.

Optional extra: `pip install "xlsxtool[web]"` (Starlette, uvicorn, python-multipart).
The app is a thin layer over xlsxtool.api (app.py: routes; runner.py: batches and their
processes; worker.py: one batch, checked as the CLI checks; static/index.html: the page).
"""

from __future__ import annotations

MISSING_EXTRA = '网页服务需要额外的组件，请安装 xlsxtool[web]：pip install "xlsxtool[web]"'


def available() -> str | None:
    """None when the web extra is installed, else what is missing."""
    for module in ("starlette", "uvicorn", "multipart"):
        try:
            __import__(module)
        except ImportError:
            return module
    return None
