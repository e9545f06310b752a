"""1EdTech's own OB 2.0 validator (PyPI `openbadges`) checks what we publish, over real HTTP."""

from __future__ import annotations

import pytest

from tests.conftest import BASE_URL

from . import harness

pytestmark = pytest.mark.interop

EMAIL = "Ada.Teacher@School.example.org"
RECIPIENT = EMAIL.lower()  # what we hash; the validator hashes exactly what it is given


@pytest.fixture
def award(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(
        admin,
        issuer_id,
        alignments=[
            {
                "target_name": "Standard 5",
                "target_url": "https://standards.example.org/5",
                "framework": "PTSB",
            }
        ],
    )
    earner_id = api.earner(admin, email=EMAIL)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
    return api.complete(admin, enrollment_id)


def _errors(report):
    return [m for m in report.get("messages", []) if m.get("messageLevel") == "ERROR"]


def _validate(live_server, badges, recipient=RECIPIENT):
    return harness.validate_ob2_many(
        badges, recipient=recipient, origins=live_server.origins(BASE_URL)
    )


def test_hosted_signed_and_baked_badges_pass_the_validator(
    ob2_validator, live_server, award, client, tmp_path
):
    baked = tmp_path / "badge.png"
    baked.write_bytes(client.get(award["ob2"]["png"].replace(BASE_URL, "")).data)
    signed_png = tmp_path / "signed.png"
    signed_png.write_bytes(client.get(award["ob2_signed"]["png"].replace(BASE_URL, "")).data)
    jws = client.get(award["ob2"]["jws"].replace(BASE_URL, "")).data.decode()
    reports = _validate(live_server, [award["ob2"]["assertion"], jws, str(baked), str(signed_png)])
    for report in reports:
        assert report["valid"] is True and report["errorCount"] == 0, _errors(report)
        assert not report.get("offMachineAttempts")


def test_baked_svgs_unbake_with_bakery_to_badges_that_pass_the_validator(
    ob2_validator, live_server, award, client
):
    """openbadges 1.1.2 reads baked PNG only, so SVGs go through openbadges-bakery first."""
    import io

    from openbadges_bakery import unbake

    payloads = [
        unbake(io.BytesIO(client.get(award[group]["svg"].replace(BASE_URL, "")).data))
        for group in ("ob2", "ob2_signed")
    ]
    assert payloads[0] == award["ob2"]["assertion"]
    for report in _validate(live_server, payloads):
        assert report["valid"] is True, _errors(report)


def test_wrong_recipient_fails_the_validator(ob2_validator, live_server, award):
    [report] = _validate(
        live_server, [award["ob2"]["assertion"]], recipient="someone.else@example.org"
    )
    assert report["valid"] is False


def test_revoked_signed_assertion_fails_the_validator(
    ob2_validator, live_server, api, award, district, client
):
    """Two revocations: openbadges 1.1.2 compacts a one-entry ``revokedAssertions`` list to a bare
    string and then compares it character by character, so it never matches a single entry."""
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, name="Other")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    other = api.complete(admin, enrollment_id)
    jws = client.get(award["ob2"]["jws"].replace(BASE_URL, "")).data.decode()
    for revoked in (other, award):
        api.ok(
            "POST",
            f"/awards/{revoked['id']}/revoke",
            admin,
            {"reason": "Issued in error"},
            status=200,
        )
    [report] = _validate(live_server, [jws])
    assert report["valid"] is False
    assert any("revoked" in str(m.get("result", "")).lower() for m in _errors(report)), _errors(
        report
    )


def test_revoked_hosted_assertion_reads_revoked(ob2_validator, live_server, api, award, district):
    """The validator does not fail hosted assertions marked revoked; we check what it read."""
    api.ok(
        "POST",
        f"/awards/{award['id']}/revoke",
        district[1],
        {"reason": "Issued in error"},
        status=200,
    )
    [report] = _validate(live_server, [award["ob2"]["assertion"]])
    node = harness.ob2_assertion_node(report)
    assert node is not None and node.get("revoked") is True
    assert node.get("revocationReason") == "Issued in error"


def test_stack_badge_passes_the_validator(ob2_validator, live_server, api, district):
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="One")
    second = api.approved_program(admin, issuer_id, name="Two")
    api.ok(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "Leader",
            "description": "Both",
            "programs": [first, second],
        },
    )
    earner_id = api.earner(admin, email=EMAIL)
    for program_id in (first, second):
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
        api.complete(admin, enrollment_id)
    stack_award = next(
        a
        for a in api.ok("GET", f"/earners/{earner_id}/awards", admin)["awards"]
        if a["kind"] == "stack"
    )
    [report] = _validate(live_server, [stack_award["ob2"]["assertion"]])
    assert report["valid"] is True, _errors(report)
