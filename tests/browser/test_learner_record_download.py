"""Issue 16 in real headless Chromium: the educator downloads their learner record (CLR 2.0)
from the portfolio, and the verification page shows it valid with the credentials inside."""

from __future__ import annotations

import json

import pytest

from .conftest import check_page
from .test_pages_in_chromium import earned, sign_in_in_browser, wait_for

pytestmark = pytest.mark.browser
__all__ = ["earned"]  # the fixture, shared with the other page tests


def test_educator_downloads_the_record_from_the_portfolio(browser, axe, site, earned, downloads):
    from selenium.webdriver.common.by import By

    sign_in_in_browser(browser, site, earned)
    check_page(browser, axe, "portfolio-with-record")
    browser.find_element(By.ID, "download-record").click()
    saved = wait_for(lambda: [p for p in downloads.iterdir() if p.suffix == ".json"])
    record = json.loads(saved[0].read_text(encoding="utf-8"))
    assert saved[0].name.startswith("learner-record-")
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    nested = record["credentialSubject"]["verifiableCredential"]
    assert [c["id"] for c in nested] == [earned["award"]["ob3"]["credential"]]


def test_verification_page_lists_the_credentials_inside_a_record(browser, axe, site, earned):
    from selenium.webdriver.common.by import By

    sign_in_in_browser(browser, site, earned)
    browser.get(f"{site.url}/verify")
    api = site.api
    earner_id = api.ok("GET", f"/awards/{earned['award']['id']}", api.ptsb)["earner_id"]
    record = api.call("GET", f"/earners/{earner_id}/clr", api.ptsb).get_json()
    browser.find_element(By.ID, "badge").send_keys(record["id"])
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    verdict = wait_for(lambda: browser.find_elements(By.ID, "verdict"))[0]
    rows = browser.find_elements(By.CSS_SELECTOR, "#record-credentials tbody tr")
    assert verdict.text == "Valid"
    assert [row.get_attribute("class") for row in rows] == ["credential valid"]
    check_page(browser, axe, "verify-learner-record")
