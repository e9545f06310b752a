"""Wallet copies (SPEC §10) checked by independent implementations over real HTTP on loopback:
the ``ldp_vc`` copy a wallet receives through OpenID4VCI verifies with Digital Bazaar's
@digitalbazaar/vc (eddsa-rdfc-2022) and DCC's verifier-core, and once the award is revoked both
report the copy revoked (it carries the award's own status entry)."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc.jwk import RSAKey
from joserfc.jws import extract_compact

from tests.conftest import BASE_URL
from tests.requirements import require_module
from tests.wallets.oid4vci_client import Holder, Wallet

pytestmark = pytest.mark.interop
EMAIL = "ada.teacher@school.example.org"


@pytest.fixture
def origins(live_server) -> dict[str, str]:
    return live_server.origins(BASE_URL)


@pytest.fixture
def claimed(api, district, client) -> dict[str, Any]:
    """An award and the ldp_vc copy a did:key holder claimed into a wallet."""
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id, validity_days=365)
    earner = api.earner(admin, email=EMAIL)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program, earner_id=earner)
    award = api.complete(admin, enrollment_id)
    offer = api.ok("POST", f"/awards/{award['id']}/wallet-offers", admin)["offer_url"]
    response = Wallet(client, BASE_URL).claim(offer, Holder.did_key_ed25519(), "ldp_vc")
    assert response.status_code == 200, response.get_json()
    copy = response.get_json()["credentials"][0]["credential"]
    return {"award": award, "copy": copy, "admin": admin}


def _revoke(api, claimed: dict[str, Any]) -> None:
    body = {"reason": "Issued in error"}
    api.ok("POST", f"/awards/{claimed['award']['id']}/revoke", claimed["admin"], body, status=200)


def test_digital_bazaar_verifies_the_copy_and_sees_it_revoked_with_the_award(
    api, node_vc, contexts_dir, claimed, origins
):
    before = node_vc.verify_vc(claimed["copy"], contexts_dir, check_status=True, origins=origins)
    assert before["verified"] is True, before["errors"]
    assert before["status"]["revoked"] is False
    _revoke(api, claimed)
    after = node_vc.verify_vc(claimed["copy"], contexts_dir, check_status=True, origins=origins)
    assert after["status"]["revoked"] is True, after["errors"]


def test_verifier_core_verifies_the_copy_and_sees_it_revoked_with_the_award(
    api, node_vc, contexts_dir, claimed, origins
):
    (good,) = node_vc.verify_core_many(
        [claimed["copy"]], contexts_dir=contexts_dir, origins=origins
    )
    assert good["verified"] is True, good["errors"]
    assert good["revoked"] is False
    _revoke(api, claimed)
    (gone,) = node_vc.verify_core_many(
        [claimed["copy"]], contexts_dir=contexts_dir, origins=origins
    )
    assert gone["verified"] is True and gone["revoked"] is True


def test_openbadgeslib_verifies_the_jwt_vc_json_copy(api, district, client):
    """The VC-JWT copy verifies with openbadgeslib's OB3Verifier (key from the JWK its kid names),
    and the credential it reads is bound to the holder."""
    ob3 = require_module("openbadgeslib.ob3", "openbadgeslib is in the dev extra")
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
    award = api.complete(admin, enrollment_id)
    offer = api.ok("POST", f"/awards/{award['id']}/wallet-offers", admin)["offer_url"]
    holder = Holder.did_jwk_p256()
    response = Wallet(client, BASE_URL).claim(offer, holder, "jwt_vc_json")
    assert response.status_code == 200, response.get_json()
    token = response.get_json()["credentials"][0]["credential"]
    kid = extract_compact(token.encode()).protected["kid"]
    jwk = client.get(kid.removeprefix(BASE_URL)).get_json()
    credential = ob3.OB3Verifier(RSAKey.import_key(jwk).as_pem(private=False)).verify(token)
    assert credential.raw["credentialSubject"]["id"] == holder.did
