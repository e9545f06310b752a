"""Sealed secrets (issuer/signing/sealing.py): a backpack's tokens open again only with the same
SECRET_KEY and for the same purpose, and altered bytes never open."""

from __future__ import annotations

import pytest

from issuer.signing.sealing import SecretBox, Unsealable

PURPOSE = "backpack-token:7:3:access"


def test_a_sealed_value_opens_with_the_same_key_and_purpose():
    box = SecretBox("deployment secret")
    assert box.open(box.seal("access-token-123", PURPOSE), PURPOSE) == "access-token-123"


def test_the_sealed_text_does_not_contain_the_secret():
    sealed = SecretBox("deployment secret").seal("access-token-123", PURPOSE)
    assert "access-token-123" not in sealed and sealed.startswith("v1.")


def test_sealing_twice_gives_different_texts():
    box = SecretBox("deployment secret")
    assert box.seal("same", PURPOSE) != box.seal("same", PURPOSE)


def test_another_secret_key_cannot_open_it():
    sealed = SecretBox("deployment secret").seal("access-token-123", PURPOSE)
    with pytest.raises(Unsealable):
        SecretBox("a new secret").open(sealed, PURPOSE)


def test_a_value_sealed_for_another_row_does_not_open_here():
    box = SecretBox("deployment secret")
    sealed = box.seal("access-token-123", "backpack-token:8:3:access")
    with pytest.raises(Unsealable):
        box.open(sealed, PURPOSE)


@pytest.mark.parametrize("sealed", ["v1.AAAA", "v2.abc", "plain text", "v1.!!!", ""], ids=str)
def test_malformed_sealed_values_do_not_open(sealed):
    with pytest.raises(Unsealable):
        SecretBox("deployment secret").open(sealed, PURPOSE)


def test_a_flipped_byte_does_not_open():
    box = SecretBox("deployment secret")
    sealed = box.seal("access-token-123", PURPOSE)
    tampered = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(Unsealable):
        box.open(tampered, PURPOSE)
