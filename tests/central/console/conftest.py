"""The web console under test: `python -m central serve` as a program, and a real Chromium driving it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.central_database import ROOT, CentralDatabase
from tests.system import require_programs

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Console:
    """A running console and its address."""

    url: str
    process: subprocess.Popen[str]


def start_console(central: CentralDatabase, key_file: Path) -> Console:
    port = free_port()
    central.head_office.write(key_file)
    env = {**os.environ, "TIMECLOCK_CONSOLE_SECRET_KEY": "test secret key of this run"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "central",
            "--database-url",
            central.url,
            "serve",
            "--port",
            str(port),
            "--head-office-key",
            str(key_file),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the console exited: {process.stdout.read() if process.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return Console(f"http://127.0.0.1:{port}", process)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the console did not start listening within 60 s")


@pytest.fixture(scope="module")
def console(central: CentralDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    started = start_console(central, tmp_path_factory.mktemp("head-office") / "head-office.key")
    yield started
    started.process.terminate()
    started.process.wait(timeout=20)
    if started.process.stdout is not None:
        # What the console logged, shown by pytest when a test of the module failed.
        print(started.process.stdout.read())
        started.process.stdout.close()


def chromium(width: int = 1366, height: int = 768) -> webdriver.Chrome:
    """Debian's Chromium, headless, through Debian's chromedriver (no driver or browser download)."""
    require_programs("chromium", "chromedriver", packages="chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    driver = chromium()
    yield driver
    driver.quit()


def submit(browser: webdriver.Chrome, button: WebElement) -> None:
    """Click a submit button and wait until the next page has replaced this one."""
    page = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 30).until(lambda _: _stale(page))
    WebDriverWait(browser, 30).until(lambda _: browser.execute_script("return document.readyState") == "complete")


def _stale(element: WebElement) -> bool:
    try:
        element.is_enabled()
    except WebDriverException:
        # Stale, or "does not belong to the document" while the new page replaces it: either way it changed.
        return True
    return False


def log_in(browser: webdriver.Chrome, console: Console, email: str, password: str = PASSWORD) -> None:
    browser.get(f"{console.url}/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(password)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def text_of(browser: webdriver.Chrome) -> str:
    return browser.find_element(By.TAG_NAME, "body").text
