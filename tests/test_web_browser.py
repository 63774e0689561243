"""`xlsxtool serve` in a real browser: headless Chromium driven by selenium.

A clerk's afternoon: open the page, drop the sample reports and a broken file, wait, read the
seed's S205 at its cell and the broken file's F001, open a rule's explanation, download the
annotated copy and open it; then drop a file on the drop zone itself. The page is saved as
docs/web_page.png (README) with XLSXTOOL_SCREENSHOT=1. Skipped, with the reason, where Chromium, chromedriver or selenium
are missing (CI installs them: .ci/run).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="网页服务的依赖未安装（pip install 'xlsxtool[web]'）")
pytest.importorskip("uvicorn", reason="网页服务的依赖未安装（pip install 'xlsxtool[web]'）")
pytest.importorskip("selenium", reason="浏览器测试需要 selenium（pip install selenium）")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.suffix in (".xlsx", ".docx"))
BOOK = "岳阳市教育科学技术研究院_2023年度绩效自评表.xlsx"
SCREENSHOT = ROOT / "docs" / "web_page.png"


def _browser() -> tuple[str, str] | None:
    binary = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    driver = shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


pytestmark = pytest.mark.skipif(_browser() is None,
                                reason="没有 Chromium 或 chromedriver（Debian：apt-get install chromium chromium-driver）")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from xlsxtool.web.app import create_app
    from xlsxtool.web.runner import Limits

    port = _free_port()
    app = create_app(Limits(workers=2), root=tmp_path_factory.mktemp("srv") / "batches")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _browser()  # type: ignore[misc]
    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1500", "--lang=zh-CN", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, condition: Any, timeout: float = 180) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def _done(driver: Any) -> bool:
    return driver.find_element("id", "result").get_attribute("data-state") == "done"


@pytest.fixture(scope="module")
def checked(browser: Any, server: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The page after the samples and a broken file were chosen with the file input."""
    from selenium.webdriver.common.by import By

    broken = tmp_path_factory.mktemp("in") / "损坏的自评表.xlsx"
    broken.write_bytes(b"this is a PDF renamed, not a workbook")
    browser.get(server)
    _wait(browser, lambda d: d.find_element(By.ID, "limits").text)  # the limits came from /api/info
    browser.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in [*SAMPLES, broken]))
    _wait(browser, _done)
    return browser


def _file_section(driver: Any, path: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'details.file[data-path="{path}"]')


def test_findings_table_shows_the_seeds_S205_at_its_cell(checked: Any) -> None:
    from selenium.webdriver.common.by import By

    section = _file_section(checked, BOOK)
    row = section.find_element(By.CSS_SELECTOR, 'tr.finding[data-rule="S205"][data-cell="自评表!C115"]')
    assert row.is_displayed()
    assert "“产出指标”下各指标分值合计 70，与标注的 50 分不符" in row.text
    assert "错误" in row.text
    # The rule's explanation, one click away.
    row.find_element(By.CSS_SELECTOR, "button.rule").click()
    explanation = row.find_element(By.XPATH, "following-sibling::tr[1]")
    assert "explain" in explanation.get_attribute("class")
    assert "S205" in explanation.text and len(explanation.text) > 20
    summary = checked.find_element(By.ID, "summary-line").text
    assert summary.startswith("共 4 个文件、33 张自评表")


def test_the_broken_file_shows_F001(checked: Any) -> None:
    from selenium.webdriver.common.by import By

    row = checked.find_element(By.CSS_SELECTOR, '#files-table tr[data-path="损坏的自评表.xlsx"]')
    assert "无法读取" in row.text
    section = _file_section(checked, "损坏的自评表.xlsx")
    assert section.find_elements(By.CSS_SELECTOR, 'tr.finding[data-rule="F001"]')


def test_screenshot_of_the_page(checked: Any, tmp_path: Path) -> None:
    """The page with the samples' findings as a PNG; written to docs/web_page.png (README) when
    XLSXTOOL_SCREENSHOT=1, so a test run does not change the checkout."""
    checked.execute_script("window.scrollTo(0, 0)")
    target = SCREENSHOT if os.environ.get("XLSXTOOL_SCREENSHOT") == "1" else tmp_path / SCREENSHOT.name
    assert checked.save_screenshot(str(target))
    assert target.stat().st_size > 20_000


def test_the_annotated_copy_downloads_and_opens(checked: Any, downloads: Path) -> None:
    import openpyxl
    from selenium.webdriver.common.by import By

    row = checked.find_element(By.CSS_SELECTOR, f'#files-table tr[data-path="{BOOK}"]')
    link = row.find_element(By.CSS_SELECTOR, "a.copy-link")
    assert link.text == "岳阳市教育科学技术研究院_2023年度绩效自评表_校验结果.xlsx"
    link.click()
    target = downloads / link.text
    _wait(checked, lambda d: target.exists() and not list(downloads.glob("*.crdownload")), 60)
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "校验结果"
    texts = [str(c.value) for row in wb["校验结果"].iter_rows() for c in row if c.value is not None]
    assert any("S205" in t for t in texts)


def test_a_file_dropped_on_the_drop_zone_is_checked(checked: Any) -> None:
    from selenium.webdriver.common.by import By

    checked.execute_script("""
        const file = new File([new TextEncoder().encode("not a workbook at all")], "拖进来的文件.xlsx");
        const dt = new DataTransfer();
        dt.items.add(file);
        document.getElementById("drop").dispatchEvent(
            new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
    """)
    _wait(checked, lambda d: d.find_elements(By.CSS_SELECTOR, '#files-table tr[data-path="拖进来的文件.xlsx"]')
          and _done(d))
    section = _file_section(checked, "拖进来的文件.xlsx")
    assert section.find_elements(By.CSS_SELECTOR, 'tr.finding[data-rule="F001"]')
    assert checked.find_element(By.ID, "summary-line").text.startswith("共 1 个文件")
