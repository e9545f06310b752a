"""Salted SHA-256 recipient identities, as both Open Badges versions publish them.

Neither spec defines normalisation; case mismatches are the most common verification failure in the
field, so the email is trimmed and lower-cased before hashing, and compared the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def normalize_identity(email: str) -> str:
    return email.strip().lower()


def new_salt() -> str:
    """A fresh random salt per award, so hashes cannot be linked across awards."""
    return secrets.token_hex(16)


def hash_recipient(email: str, salt: str) -> str:
    """``sha256$`` + hex(sha256(normalised email + salt))."""
    digest = hashlib.sha256((normalize_identity(email) + salt).encode()).hexdigest()
    return f"sha256${digest}"


def recipient_matches(identity: str, email: str, salt: str | None) -> bool:
    """Does a published identity (hashed or plain) belong to ``email``? Case-insensitive."""
    if identity.startswith("sha256$"):
        expected = hash_recipient(email, salt or "")
        return hmac.compare_digest(identity.lower(), expected.lower())
    if identity.startswith("md5$"):
        return False  # refused: md5 identities are not accepted as proof
    return normalize_identity(identity) == normalize_identity(email)
