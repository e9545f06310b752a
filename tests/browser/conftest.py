"""Real headless Chromium (Debian's chromium + chromedriver) driving the app served on loopback."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from issuer import create_app
from tests.browser.axe import AxeUnavailable, axe_source, blocking, describe, violations
from tests.conftest import Api
from tests.requirements import require_tool
from tests.web.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


class Site:
    """The app on a loopback port whose BASE_URL is that port, so every link works in a browser."""

    def __init__(self, settings) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, lambda environ, start: [], threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app: Flask = create_app(settings.with_changes(base_url=self.url))
        self.server.app = self.app
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.api = Api(self.app.test_client(), self.app.test_cli_runner())

    def local(self, url: str) -> str:
        return url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.app.extensions["issuer.services"].db.dispose()


@pytest.fixture
def site(settings) -> Iterator[Site]:
    running = Site(settings)
    yield running
    running.stop()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        require_tool(
            "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def screenshot(driver, name: str) -> Path:
    """Saved for people to look at (tests/artifacts/screenshots, git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


@pytest.fixture(scope="session")
def axe() -> str:
    """axe-core's source, installed on first use (a missing npm fails under CI)."""
    try:
        return axe_source()
    except AxeUnavailable as exc:
        require_tool(str(exc))


def check_page(driver, axe_js: str, name: str) -> Path:
    """The page the driver shows: its screenshot, then axe-core finds no serious or critical
    violation in it (every page a browser test visits goes through here)."""
    path = screenshot(driver, name)
    found = blocking(violations(driver, axe_js))
    assert not found, f"axe-core on {name} ({driver.current_url}):\n{describe(found)}"
    return path


PHONE_WIDTH = 375


def phone_width(driver) -> None:
    """Show pages as a 375 px wide phone does (a mobile viewport, not just a narrow window)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE_WIDTH, "height": 812, "deviceScaleFactor": 2, "mobile": True},
    )


# --- what a person does on a page: shared by every browser test --------------------------------


def wait_for(predicate, timeout: float = 10.0):
    """Ask ``predicate`` again every 0.1 s until it answers something true; that answer.

    While a page is being replaced an element found a moment ago goes stale, or is not there
    yet: that is "not yet", asked again, never a failure of the test.
    """
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except (StaleElementReferenceException, NoSuchElementException):
            result = None
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def page_path(browser) -> str:
    return urlsplit(browser.current_url).path


def main_text(browser) -> str:
    """The page's main text; "" while the page is being replaced (wait_for then asks again)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return browser.find_element(By.TAG_NAME, "main").text
    except (StaleElementReferenceException, NoSuchElementException):
        return ""


def type_into(browser, element_id: str, text: str, clear: bool = False) -> None:
    from selenium.webdriver.common.by import By

    element = browser.find_element(By.ID, element_id)
    if clear:
        element.clear()
    element.send_keys(text)


def click(browser, selector: str) -> None:
    """Click the element ``selector`` finds, scrolled into view first."""
    from selenium.webdriver.common.by import By

    element = browser.find_element(By.CSS_SELECTOR, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def nav(browser, label: str, path: str) -> None:
    """Follow a link of the primary navigation, as a person does."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, "nav").find_element(By.LINK_TEXT, label).click()
    wait_for(lambda: page_path(browser) == path)


def set_password(browser, link: str) -> None:
    """Open a one-time password link and choose PASSWORD; the sign-in page follows."""
    browser.get(link)
    type_into(browser, "password", PASSWORD)
    click(browser, "main form button[type=submit]")
    wait_for(lambda: page_path(browser) == "/login")


def sign_in(browser, email: str) -> None:
    """On the sign-in page: the email and PASSWORD, then wait to leave the page."""
    type_into(browser, "email", email)
    type_into(browser, "password", PASSWORD)
    click(browser, "main form button[type=submit]")
    wait_for(lambda: page_path(browser) != "/login")


def sign_out(browser) -> None:
    click(browser, "form.sign-out button")
    wait_for(lambda: page_path(browser) == "/")
