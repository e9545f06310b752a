"""Signing keys: generate, store (PEM PKCS#8, mode 0600, optionally encrypted), load, export.

Two kinds: Ed25519 for OB 3.0 Data Integrity proofs (and optional EdDSA JWTs), RSA-2048 for
OB 2.0 RS256 JWS and RS256 VC-JWTs. File I/O happens only on paths passed in.
"""

from __future__ import annotations

import enum
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey, RSAKey

from issuer.errors import SigningError, ValidationFailed
from issuer.signing.multibase import decode_base58btc, encode_base58btc

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey

RSA_KEY_SIZE = 2048
RSA_PUBLIC_EXPONENT = 65537
# Multicodec varint prefixes (https://github.com/multiformats/multicodec): ed25519-pub 0xed,
# ed25519-priv 0x1300, each followed by the 32 raw key bytes.
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
_OKP_MEMBERS = ("kty", "crv", "x")
_RSA_MEMBERS = ("kty", "n", "e")
MAX_KEY_FILE_BYTES = 64 * 1024


class KeyKind(enum.StrEnum):
    """What a key is for: the algorithm family, not a file format."""

    ED25519 = "ed25519"
    RSA_2048 = "rsa-2048"


@dataclass(frozen=True)
class KeyPair:
    """A private key with its kind; the public half is derived, never stored apart."""

    kind: KeyKind
    private_key: PrivateKey

    @property
    def public_key(self) -> PublicKey:
        """The public half, for export and verification."""
        return self.private_key.public_key()


def key_kind(key: PrivateKey | PublicKey) -> KeyKind:
    """Name the kind of a key object; raises SigningError(code="key_unsupported") for others."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return KeyKind.ED25519
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) and key.key_size >= RSA_KEY_SIZE:
        return KeyKind.RSA_2048
    raise SigningError(
        "Only Ed25519 and RSA (2048 bits or more) keys are used.", code="key_unsupported"
    )


def generate_key(kind: KeyKind | str) -> KeyPair:
    """Generate a fresh key pair of the given kind (``ed25519`` or ``rsa-2048``)."""
    kind = KeyKind(kind)
    if kind is KeyKind.ED25519:
        return KeyPair(kind, ed25519.Ed25519PrivateKey.generate())
    return KeyPair(kind, rsa.generate_private_key(RSA_PUBLIC_EXPONENT, RSA_KEY_SIZE))


def private_key_pem(key: PrivateKey, passphrase: bytes | None = None) -> bytes:
    """PKCS#8 PEM of a private key, encrypted when a passphrase is given (never served)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        _encryption(passphrase),
    )


def write_private_key(
    path: Path, key: PrivateKey, passphrase: bytes | None = None, *, overwrite: bool = False
) -> None:
    """Write a private key atomically with mode 0600; refuses to replace one unless ``overwrite``.

    The bytes go to a fresh temporary file (O_CREAT|O_EXCL, 0600) in the same directory, are
    fsynced, then linked into place (or renamed over the old key with ``overwrite``), so a reader
    never sees a half-written key and two workers never silently replace each other's key.
    Raises SigningError with code ``key_exists`` (the file exists and ``overwrite`` is false) or
    ``key_write_failed`` (the directory is missing or not writable).
    """
    data = private_key_pem(key, passphrase)
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise SigningError(
            f"Cannot create a key file in {path.parent}: {error}", code="key_write_failed"
        ) from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _move_into_place(temporary, path, overwrite=overwrite)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def load_private_key(path: Path, passphrase: bytes | None = None) -> KeyPair:
    """Load a PEM private key written by ``write_private_key``.

    Raises SigningError with code ``key_missing`` (no file), ``key_passphrase`` (wrong, missing or
    unexpected passphrase), ``key_unreadable`` (not a PEM private key) or ``key_unsupported``.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError as error:
        raise SigningError(f"No key file at {path}.", code="key_missing") from error
    if len(data) > MAX_KEY_FILE_BYTES:
        raise SigningError(f"{path} is too large to be a key file.", code="key_unreadable")
    key = _parse_private_pem(data, passphrase, path)
    return KeyPair(key_kind(key), key)


def public_pem(key: PrivateKey | PublicKey) -> str:
    """SubjectPublicKeyInfo PEM, as OB 2.0 ``CryptographicKey.publicKeyPem`` publishes it."""
    public = _public(key)
    key_kind(public)
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def public_key_from_pem(pem: str | bytes) -> PublicKey:
    """Parse a published public key PEM; raises ValidationFailed(code="bad_public_key")."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValidationFailed("Not a PEM public key.", code="bad_public_key") from error
    if not isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        raise ValidationFailed("Only Ed25519 and RSA public keys are used.", code="bad_public_key")
    _checked_public(key)
    return key


def public_jwk(key: PrivateKey | PublicKey, kid: str | None = None) -> dict[str, str]:
    """RFC 7517 JWK of the public half (RSA or OKP/Ed25519), what a VC-JWT ``kid`` resolves to."""
    public = _public(key)
    exported: dict[str, Any]
    if isinstance(public, ed25519.Ed25519PublicKey):
        exported, members = OKPKey.import_key(public).as_dict(private=False), _OKP_MEMBERS
    else:
        key_kind(public)
        exported, members = RSAKey.import_key(public).as_dict(private=False), _RSA_MEMBERS
    jwk: dict[str, str] = {name: exported[name] for name in members}  # published member order
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Parse a public JWK (RSA or OKP/Ed25519); raises ValidationFailed(code="bad_public_key").

    A JWK carrying private members (``d`` and the RSA CRT values) is refused: a published key
    must never hold them.
    """
    if not isinstance(jwk, dict) or {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys():
        raise ValidationFailed("Not a public JWK.", code="bad_public_key")
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            public = OKPKey.import_key({name: jwk[name] for name in _OKP_MEMBERS}).public_key
            if isinstance(public, ed25519.Ed25519PublicKey):
                return public
        if jwk.get("kty") == "RSA":
            members = {name: jwk[name] for name in _RSA_MEMBERS}
            return _checked_public(RSAKey.import_key(members).public_key)
    except (KeyError, TypeError, ValueError, JoseError) as error:
        raise ValidationFailed("Malformed public JWK.", code="bad_public_key") from error
    raise ValidationFailed("Only RSA and Ed25519 JWKs are used.", code="bad_public_key")


def multikey_multibase(key: ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey) -> str:
    """Multikey ``publicKeyMultibase``: ``z`` + base58btc(0xed01 + 32 raw bytes), i.e. ``z6Mk…``."""
    public = _public(key)
    if not isinstance(public, ed25519.Ed25519PublicKey):
        raise SigningError("Multikey is used for Ed25519 keys only.", code="key_unsupported")
    return encode_base58btc(ED25519_PUB_PREFIX + _raw_ed25519(public))


def public_key_from_multibase(value: str) -> ed25519.Ed25519PublicKey:
    """Parse a Multikey ``publicKeyMultibase``; raises ValidationFailed(code="bad_public_key").

    Only the Ed25519 public multicodec (0xed01) is accepted: anything else, including a private
    key published by mistake, is refused as the vc-di-eddsa spec requires.
    """
    decoded = _decode_multikey(value, ED25519_PUB_PREFIX)
    return ed25519.Ed25519PublicKey.from_public_bytes(decoded)


def private_key_from_multibase(value: str) -> ed25519.Ed25519PrivateKey:
    """Parse a Multikey ``secretKeyMultibase`` (0x8026 + 32-byte seed), e.g. a published test key."""
    seed = _decode_multikey(value, ED25519_PRIV_PREFIX)
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


def _decode_multikey(value: str, prefix: bytes) -> bytes:
    try:
        decoded = decode_base58btc(value)
    except ValidationFailed as error:
        raise ValidationFailed("Not a multibase key.", code="bad_public_key") from error
    if len(decoded) != len(prefix) + 32 or not decoded.startswith(prefix):
        raise ValidationFailed("Not an Ed25519 Multikey value.", code="bad_public_key")
    return decoded[len(prefix) :]


def _encryption(passphrase: bytes | None) -> serialization.KeySerializationEncryption:
    if passphrase is None:
        return serialization.NoEncryption()
    if not passphrase:
        raise SigningError("The key passphrase must not be empty.", code="key_passphrase")
    return serialization.BestAvailableEncryption(passphrase)


def _parse_private_pem(data: bytes, passphrase: bytes | None, path: Path) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, passphrase or None)
    except TypeError as error:
        # cryptography's way of saying "encrypted but no passphrase" or the reverse
        raise SigningError(
            f"Passphrase mismatch for {path}: {error}", code="key_passphrase"
        ) from error
    except ValueError as error:
        if passphrase and b"ENCRYPTED" in data:
            raise SigningError(f"Wrong passphrase for {path}.", code="key_passphrase") from error
        raise SigningError(f"{path} is not a PEM private key.", code="key_unreadable") from error
    except UnsupportedAlgorithm as error:
        raise SigningError(f"{path} holds an unsupported key.", code="key_unsupported") from error
    if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise SigningError(f"{path} holds an unsupported key type.", code="key_unsupported")
    return key


def _move_into_place(temporary: Path, path: Path, *, overwrite: bool) -> None:
    if overwrite:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError as error:
        raise SigningError(f"A key already exists at {path}.", code="key_exists") from error


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _public(key: PrivateKey | PublicKey) -> PublicKey:
    if isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        return key.public_key()
    if isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        return key
    raise SigningError("Only Ed25519 and RSA keys are used.", code="key_unsupported")


def _checked_public(key: PublicKey) -> PublicKey:
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < RSA_KEY_SIZE:
        raise ValidationFailed(
            "RSA keys shorter than 2048 bits are refused.", code="bad_public_key"
        )
    return key


def _raw_ed25519(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
