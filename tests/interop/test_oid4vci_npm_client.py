"""An OpenID4VCI client that shares no code with the service, the npm ``@openid4vc/openid4vci``
(oid4vc-ts), runs the whole pre-authorized code flow over http loopback, for both formats, with
did:key and did:jwk holders (SPEC §10, issue 15); the credential is bound to its holder."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import BASE_URL

pytestmark = pytest.mark.interop


@pytest.fixture
def origins(live_server) -> dict[str, str]:
    return live_server.origins(BASE_URL)


@pytest.fixture
def offer_url(api, district):
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
    award = api.complete(admin, enrollment_id)
    return api.ok("POST", f"/awards/{award['id']}/wallet-offers", admin)["offer_url"]


def test_the_npm_client_receives_an_ldp_vc_copy_bound_to_its_did_key(
    node_vc, offer_url, origins, contexts_dir
):
    result = node_vc.oid4vci_client(offer_url, wanted_format="ldp_vc", origins=origins)
    assert result.get("credential"), result
    assert result["credential"]["credentialSubject"]["id"] == result["holder"]
    assert result["holder"].startswith("did:key:z6Mk")
    verified = node_vc.verify_vc(result["credential"], contexts_dir, origins=origins)
    assert verified["verified"] is True, verified["errors"]


def test_the_npm_client_receives_a_jwt_vc_json_copy_bound_to_its_did_jwk(
    node_vc, offer_url, origins
):
    result = node_vc.oid4vci_client(
        offer_url, wanted_format="jwt_vc_json", holder="did:jwk", origins=origins
    )
    assert isinstance(result.get("credential"), str), result
    payload = result["credential"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == result["holder"] and result["holder"].startswith("did:jwk:")
