"""The analyst page in a real headless Chromium (Debian chromium + chromedriver, via Selenium)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from api.app import create_app
from api.settings import DEV_ADMIN_KEY, Settings
from insight.config import Config

from .conftest import writable_copy

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(fitted_demo: Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a loopback port, served by uvicorn in a thread."""
    settings = Settings(config=writable_copy(fitted_demo, tmp_path_factory.mktemp("page")))
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    assert not missing, (
        f"{missing} not installed: run `make browser` (apt chromium chromium-driver)"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1200, 1600)
    yield driver
    driver.quit()


def _key(server: str, role: str) -> str:
    response = httpx.post(
        f"{server}/v1/keys",
        json={"name": f"page {role}", "role": role},
        headers={"X-API-Key": DEV_ADMIN_KEY},
    )
    return str(response.json()["key"])


def _load(browser: webdriver.Chrome, server: str, key: str) -> None:
    browser.get(f"{server}/ui/")
    browser.execute_script("sessionStorage.clear()")
    field = browser.find_element(By.ID, "key")
    field.clear()
    field.send_keys(key)
    browser.find_element(By.ID, "load").click()


def test_page_renders_the_report_with_a_chart(browser: webdriver.Chrome, server: str) -> None:
    key = _key(server, "analyst")
    topics = httpx.get(f"{server}/v1/topics", headers={"X-API-Key": key}).json()["topics"]
    _load(browser, server, key)
    wait = WebDriverWait(browser, 30)
    wait.until(ec.visibility_of_element_located((By.ID, "topics")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#topics tbody tr")
    assert len(rows) == len(topics)
    first_cells = rows[0].find_elements(By.TAG_NAME, "td")
    assert topics[0]["label"] in first_cells[0].text
    assert first_cells[1].text == str(topics[0]["comments"])
    # complaints and praise as separate drivers, and coverage instead of an "unassigned" row
    sided = next(i for i, t in enumerate(topics) if t["complaints"] and t["praise"])
    cells = rows[sided].find_elements(By.TAG_NAME, "td")
    assert f"({topics[sided]['complaints']['comments']})" in cells[4].text
    assert f"({topics[sided]['praise']['comments']})" in cells[5].text
    assert browser.find_element(By.ID, "coverage").text.endswith("%")
    charted = [t for t in topics if t["impact"] is not None and t["topic_id"] >= 0]
    bars = browser.find_elements(By.CSS_SELECTOR, "#impact-chart rect.bar")
    assert len(bars) == min(15, len(charted))
    assert all(float(b.get_attribute("width") or 0) >= 1 for b in bars)
    assert browser.find_element(By.ID, "nps").text not in {"", "–"}

    rows[0].click()  # drill into verbatims
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#verbatims li"))
    items = browser.find_elements(By.CSS_SELECTOR, "#verbatims li")
    assert 0 < len(items) <= 10 and "score" in items[0].text

    # the subtopic level: each row names its theme, and the table holds every subtopic
    subs = httpx.get(
        f"{server}/v1/topics", params={"level": "subtopic"}, headers={"X-API-Key": key}
    ).json()["topics"]
    browser.find_element(By.CSS_SELECTOR, "#level option[value=subtopic]").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#topics tbody tr")) == len(subs))
    shown = browser.find_elements(By.CSS_SELECTOR, "#topics tbody tr")
    real = next(i for i, t in enumerate(subs) if t["topic_id"] >= 0)
    cell = shown[real].find_elements(By.TAG_NAME, "td")[0].text
    assert " › " in cell and subs[real]["label"] in cell
    logs = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert logs == []


def test_page_explains_a_bad_key(browser: webdriver.Chrome, server: str) -> None:
    _load(browser, server, "ik_000000000000_not-a-real-key")
    WebDriverWait(browser, 30).until(
        ec.text_to_be_present_in_element((By.ID, "status"), "Could not load")
    )
    assert "unknown API key" in browser.find_element(By.ID, "status").text
    assert browser.find_element(By.ID, "table").get_attribute("hidden") is not None
