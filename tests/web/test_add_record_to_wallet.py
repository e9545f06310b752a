"""The portfolio's "Add my record to a wallet" (SPEC §10, §11): beside "Download my record", a
form whose page shows a single-use offer of the learner record (QR code decoded here, link, the
Learner Credential Wallet link) that a wallet then claims as the holder-bound ClrCredential."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from issuer.models import WalletOffer
from tests.conftest import BASE_URL
from tests.wallets.oid4vci_client import Holder, Wallet

from .conftest import csrf_from, set_password, sign_in
from .test_add_to_wallet import qr_text


@pytest.fixture
def signed_in(client, earner_with_award):
    email, award, setup_url = earner_with_award
    set_password(client, setup_url)
    assert sign_in(client, email).status_code == 302
    return client


def add_record(client):
    csrf = csrf_from(client.get("/portfolio").data.decode())
    return client.post("/portfolio/record/wallet", data={"csrf_token": csrf})


def test_the_record_section_has_an_add_my_record_to_a_wallet_form(signed_in):
    html = signed_in.get("/portfolio").data.decode()
    section = html.split('id="learner-record"')[1].split("</section>")[0]
    form = section.split('id="wallet-record"')[1].split("</form>")[0]
    assert 'action="/portfolio/record/wallet"' in section
    assert 'name="csrf_token"' in form and "Add my record to a wallet" in form


def test_the_page_offers_the_record_and_a_wallet_receives_it(app, signed_in):
    response = add_record(signed_in)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.data.decode()
    assert "My learner record" in html and 'href="/portfolio#learner-record"' in html
    offer_url = qr_text(html)
    assert f'href="{offer_url}"' in unescape(html)
    with app.extensions["issuer.services"].db.session() as session:
        (row,) = session.scalars(select(WalletOffer)).all()
    assert (row.award_id, row.learner_record_id is not None) == (None, True)
    holder = Holder.did_key_ed25519()
    answer = Wallet(app.test_client(), BASE_URL).claim(offer_url, holder, "ldp_vc")
    assert answer.status_code == 200, answer.get_json()
    credential = answer.get_json()["credentials"][0]["credential"]
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    assert credential["credentialSubject"]["id"] == holder.did


def test_the_form_without_its_csrf_token_is_refused(signed_in):
    assert signed_in.post("/portfolio/record/wallet").status_code in {400, 403}
