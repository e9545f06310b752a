"""Issue 15 in real Chromium: the educator opens the portfolio's "Add to a wallet", the test reads
the QR code image off the page and decodes it (zxing-cpp), and a wallet written from the
OpenID4VCI text (tests/wallets/oid4vci_client.py) completes the flow from that offer: the
credential it receives is bound to the wallet's DID. Each page passes axe-core."""

from __future__ import annotations

import base64
import io
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.requirements import require_module
from tests.wallets.oid4vci_client import Holder, Wallet

from .conftest import check_page
from .test_pages_in_chromium import earned, sign_in_in_browser, wait_for

pytestmark = pytest.mark.browser
__all__ = ["earned"]  # the fixture, shared with the other page tests


def test_the_educator_adds_a_badge_to_a_wallet_by_its_qr_code(browser, axe, site, earned):
    from selenium.webdriver.common.by import By

    zxingcpp = require_module("zxingcpp", "zxing-cpp is in the dev extra")
    award_id = earned["award"]["id"]
    sign_in_in_browser(browser, site, earned)
    check_page(browser, axe, "wallet-1-portfolio")
    browser.find_element(By.CSS_SELECTOR, f"form#wallet-{award_id} button[type=submit]").click()
    wait_for(lambda: urlsplit(browser.current_url).path == "/portfolio/wallet")
    check_page(browser, axe, "wallet-2-offer")
    assert "expires in 10 minutes" in browser.find_element(By.ID, "wallet-expiry").text

    source = browser.find_element(By.ID, "wallet-offer-qr").get_attribute("src")
    png = base64.b64decode(source.split(",", 1)[1])
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    offer_url = code.text
    assert offer_url == browser.find_element(By.ID, "wallet-offer-link").get_attribute("href")
    lcw = browser.find_element(By.ID, "lcw-link").get_attribute("href")
    assert lcw.startswith("https://lcw.app/request.html?request=")

    holder = Holder.did_key_ed25519()
    response = Wallet(site.app.test_client(), site.url).claim(offer_url, holder, "ldp_vc")
    assert response.status_code == 200, response.get_json()
    credential = response.get_json()["credentials"][0]["credential"]
    assert credential["credentialSubject"]["id"] == holder.did
    assert credential["id"].startswith(f"{site.url}/ob3/credentials/{award_id}/copies/")


def test_the_educator_adds_the_learner_record_to_a_wallet(browser, axe, site, earned):
    from selenium.webdriver.common.by import By

    zxingcpp = require_module("zxingcpp", "zxing-cpp is in the dev extra")
    sign_in_in_browser(browser, site, earned)
    browser.find_element(By.CSS_SELECTOR, "form#wallet-record button[type=submit]").click()
    wait_for(lambda: urlsplit(browser.current_url).path == "/portfolio/record/wallet")
    check_page(browser, axe, "wallet-3-record-offer")
    assert "expires in 10 minutes" in browser.find_element(By.ID, "wallet-expiry").text

    source = browser.find_element(By.ID, "wallet-offer-qr").get_attribute("src")
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(source.split(",")[1]))))
    holder = Holder.did_key_ed25519()
    response = Wallet(site.app.test_client(), site.url).claim(code.text, holder, "ldp_vc")
    assert response.status_code == 200, response.get_json()
    credential = response.get_json()["credentials"][0]["credential"]
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    assert credential["credentialSubject"]["id"] == holder.did
    assert f"{site.url}/ob3/clr/" in credential["id"] and "/copies/" in credential["id"]
