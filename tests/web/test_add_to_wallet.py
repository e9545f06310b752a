"""The portfolio's "Add to a wallet" (SPEC §10, issue 15): each active badge has the form; the
page it answers shows the offer's QR code (decoded here), its link, the Learner Credential Wallet
link and the expiry in words; nothing of it is cached; only the badge's educator may ask."""

from __future__ import annotations

import base64
import io
import re
from html import unescape

import pytest
from PIL import Image
from sqlalchemy import func, select

from issuer.models import WalletOffer
from tests.conftest import BASE_URL
from tests.requirements import require_module

from .conftest import csrf_from, set_password, sign_in


@pytest.fixture
def signed_in(client, earner_with_award):
    email, award, setup_url = earner_with_award
    set_password(client, setup_url)
    assert sign_in(client, email).status_code == 302
    return client, award


def add(client, award_id: str):
    csrf = csrf_from(client.get("/portfolio").data.decode())
    return client.post("/portfolio/wallet", data={"award_id": award_id, "csrf_token": csrf})


def offers(app) -> int:
    with app.extensions["issuer.services"].db.session() as session:
        return session.scalar(select(func.count()).select_from(WalletOffer))


def qr_text(html: str) -> str:
    zxingcpp = require_module("zxingcpp", "zxing-cpp is in the dev extra")
    data = re.search(r'id="wallet-offer-qr" src="data:image/png;base64,([^"]+)"', html).group(1)
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
    return code.text


def test_each_active_badge_has_an_add_to_a_wallet_form(signed_in):
    client, award = signed_in
    html = client.get("/portfolio").data.decode()
    form = html.split(f'id="wallet-{award["id"]}"')[1].split("</form>")[0]
    assert f'name="award_id" value="{award["id"]}"' in form
    assert 'name="csrf_token"' in form
    assert 'action="/portfolio/wallet"' in html


def test_the_page_shows_the_offer_as_qr_code_link_and_lcw_link(app, signed_in):
    client, award = signed_in
    response = add(client, award["id"])
    assert response.status_code == 200
    html = response.data.decode()
    offer_link = unescape(re.search(r'id="wallet-offer-link" href="([^"]+)"', html).group(1))
    assert offer_link.startswith("openid-credential-offer://?credential_offer_uri=")
    assert qr_text(html) == offer_link
    lcw = unescape(re.search(r'id="lcw-link" href="([^"]+)"', html).group(1))
    assert lcw.startswith("https://lcw.app/request.html?request=")
    assert "expires in 10 minutes" in html
    assert offers(app) == 1


def test_the_offer_page_is_never_cached_nor_sent_as_referrer(signed_in):
    client, award = signed_in
    response = add(client, award["id"])
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_has_no_inline_script(signed_in):
    client, award = signed_in
    html = add(client, award["id"]).data.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_without_the_csrf_token_no_offer_is_made(app, signed_in):
    client, award = signed_in
    response = client.post("/portfolio/wallet", data={"award_id": award["id"]})
    assert response.status_code == 400
    assert offers(app) == 0


def test_a_revoked_badge_has_no_form_and_makes_no_offer(api, app, district, signed_in):
    client, award = signed_in
    api.ok("POST", f"/awards/{award['id']}/revoke", district[1], {"reason": "copied"}, status=200)
    csrf = csrf_from(client.get("/portfolio").data.decode())
    assert f'id="wallet-{award["id"]}"' not in client.get("/portfolio").data.decode()
    response = client.post("/portfolio/wallet", data={"award_id": award["id"], "csrf_token": csrf})
    assert response.status_code == 409
    assert offers(app) == 0


def test_another_educators_badge_is_refused(api, app, district, signed_in):
    client, _ = signed_in
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id)
    other = api.earner(admin, email="grace@school.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program, earner_id=other)
    theirs = api.complete(admin, enrollment_id)
    assert add(client, theirs["id"]).status_code == 403
    assert offers(app) == 0


def test_an_unknown_badge_is_not_found(signed_in):
    client, _ = signed_in
    assert add(client, "00000000-0000-4000-8000-000000000000").status_code == 404


def test_the_offer_is_for_this_service(signed_in):
    client, award = signed_in
    html = add(client, award["id"]).data.decode()
    assert BASE_URL.replace(":", "%3A").replace("/", "%2F") in qr_text(html)
