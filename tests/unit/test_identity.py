"""Recipient identities (SPEC §1, issue 3): salted SHA-256 of the trimmed, lower-cased email."""

from __future__ import annotations

import hashlib

from issuer.openbadges.identity import hash_recipient, new_salt, recipient_matches


def test_hash_is_sha256_of_lowercased_email_plus_salt():
    expected = "sha256$" + hashlib.sha256(b"ada@school.org" + b"NaCl").hexdigest()
    assert hash_recipient("  Ada@School.ORG ", "NaCl") == expected


def test_matching_ignores_case_of_the_email_given():
    identity = hash_recipient("ada@school.org", "pepper")
    assert recipient_matches(identity, "ADA@School.org", "pepper")


def test_matching_ignores_case_of_the_published_hex():
    identity = hash_recipient("ada@school.org", "pepper").upper().replace("SHA256$", "sha256$")
    assert recipient_matches(identity, "ada@school.org", "pepper")


def test_other_email_or_salt_does_not_match():
    identity = hash_recipient("ada@school.org", "pepper")
    assert not recipient_matches(identity, "bob@school.org", "pepper")
    assert not recipient_matches(identity, "ada@school.org", "salt")


def test_plain_identity_matches_case_insensitively():
    assert recipient_matches("Ada@School.org", "ada@school.org", None)


def test_md5_identities_are_never_accepted():
    identity = "md5$" + hashlib.md5(b"ada@school.org").hexdigest()  # noqa: S324 - the point of the test
    assert not recipient_matches(identity, "ada@school.org", None)


def test_salts_are_random_per_award():
    assert len({new_salt() for _ in range(50)}) == 50
