"""openbadgeslib (PyPI, written apart from us) verifies our OB 3.0 VC-JWTs with its `OB3Verifier`,
a third independent verifier beside the Node `jose` and DCC stacks (SPEC §3, §13).

The key is the JWK the VC-JWT's `kid` names, read from the app through its test client (offline),
turned into PEM by joserfc, never by our own key code."""

from __future__ import annotations

import json
from typing import Any

import pytest
from joserfc.jwk import RSAKey
from joserfc.jws import extract_compact

from tests.conftest import BASE_URL
from tests.requirements import require_module

pytestmark = pytest.mark.interop

ob3 = require_module("openbadgeslib.ob3", "openbadgeslib is in the dev extra")


def _fetch(client, url: str, accept: str = "*/*") -> bytes:
    response = client.get(url.replace(BASE_URL, ""), headers={"Accept": accept})
    assert response.status_code == 200, url
    return response.data  # type: ignore[no-any-return]


def _verifier_for(client, token: str) -> Any:
    """An OB3Verifier holding the public key our token's `kid` resolves to."""
    kid = extract_compact(token.encode()).protected["kid"]
    jwk = json.loads(_fetch(client, kid))
    return ob3.OB3Verifier(RSAKey.import_key(jwk).as_pem(private=False))


@pytest.fixture
def awards(api, district) -> dict[str, dict[str, Any]]:
    """A program award and the stack award its earner earns by completing the stack."""
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="Foundations")
    second = api.approved_program(admin, issuer_id, name="Coaching")
    stack = {"issuer_id": issuer_id, "name": "Leader", "description": "Both", "programs": []}
    api.ok("POST", "/stacks", admin, {**stack, "programs": [first, second]})
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, first)
    api.complete(admin, enrollment_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, second, earner_id=earner_id)
    api.complete(admin, enrollment_id)
    listed = api.ok("GET", f"/earners/{earner_id}/awards", admin)["awards"]
    return {
        "program": next(a for a in listed if a["kind"] == "program"),
        "stack": next(a for a in listed if a["kind"] == "stack"),
    }


@pytest.mark.parametrize("kind", ["program", "stack"])
def test_openbadgeslib_verifies_our_vc_jwt(client, awards, kind):
    award = awards[kind]
    token = _fetch(client, award["ob3"]["jwt"]).decode()
    credential = _verifier_for(client, token).verify(token)
    stored = json.loads(_fetch(client, award["ob3"]["credential"], "application/ld+json"))
    assert credential.id == stored["id"]
    assert credential.issuer.id == stored["issuer"]["id"]
    assert credential.achievement.id == stored["credentialSubject"]["achievement"]["id"]


def test_openbadgeslib_refuses_our_vc_jwt_with_a_changed_payload(client, awards):
    token = _fetch(client, awards["program"]["ob3"]["jwt"]).decode()
    header, payload, signature = token.split(".")
    forged = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises(ob3.OB3VerificationError, match="signature"):
        _verifier_for(client, token).verify(".".join([header, forged, signature]))
