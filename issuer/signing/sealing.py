"""Secrets we must use again later (a backpack's tokens and client secret), sealed at rest.

Our own OAuth tokens are stored as hashes because we only ever compare them; the tokens a remote
backpack gives us must be sent back, so they are encrypted instead: AES-256-GCM (``cryptography``)
under a key derived from ``SECRET_KEY`` with HKDF-SHA256, a random 96-bit nonce per value, and
associated data naming what the value is and whose it is, so a sealed value copied into another row
or column does not open. A new ``SECRET_KEY`` makes old values unreadable (``Unsealable``): the
earner is simply asked to connect their backpack again.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from issuer.errors import IssuerError

VERSION = "v1"
NONCE_BYTES = 12
KEY_INFO = b"ptsb-badge-issuer sealed secrets v1"


class Unsealable(IssuerError):
    """A sealed value that does not open: another key, another purpose, or altered bytes."""

    code = "unsealable"
    message = "A stored secret could not be decrypted."


class SecretBox:
    """Seals and opens short secrets with one key derived from the deployment's SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("SecretBox needs a non-empty secret key")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(
            secret_key.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, purpose: str) -> str:
        """``plaintext`` encrypted and bound to ``purpose`` (e.g. ``connection:7:access``)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), purpose.encode())
        return f"{VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, purpose: str) -> str:
        """The plaintext of a value sealed for ``purpose``; raises ``Unsealable`` otherwise."""
        version, _, body = sealed.partition(".")
        if version != VERSION:
            raise Unsealable("The stored secret has an unknown format.")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
        except (binascii.Error, ValueError, InvalidTag):
            raise Unsealable() from None
        return plain.decode()
