"""Signing keys: generation, 0600 atomic storage, passphrases, and the public export formats."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from issuer.errors import SigningError, ValidationFailed
from issuer.signing import keys
from issuer.signing.keys import KeyKind
from issuer.signing.multibase import decode_base58btc, encode_base58btc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "signing"
DI_VECTOR = json.loads((FIXTURES / "data-integrity/eddsa-rdfc-2022-alumni.json").read_text())
RFC8037 = json.loads((FIXTURES / "jws/rfc8037-a4-eddsa.json").read_text())
PASSPHRASE = b"correct horse battery staple"


@pytest.fixture(scope="module")
def rsa_pair() -> keys.KeyPair:
    return keys.generate_key(KeyKind.RSA_2048)


@pytest.fixture(scope="module")
def ed_pair() -> keys.KeyPair:
    return keys.generate_key("ed25519")


def test_generate_ed25519_gives_ed25519_key(ed_pair: keys.KeyPair) -> None:
    assert isinstance(ed_pair.private_key, ed25519.Ed25519PrivateKey)


def test_generate_rsa_gives_2048_bit_key(rsa_pair: keys.KeyPair) -> None:
    assert isinstance(rsa_pair.private_key, rsa.RSAPrivateKey)
    assert rsa_pair.private_key.key_size == 2048


def test_generate_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        keys.generate_key("dsa-1024")


@pytest.mark.parametrize("passphrase", [None, PASSPHRASE], ids=["plain", "encrypted"])
def test_written_key_loads_back(
    tmp_path: Path, ed_pair: keys.KeyPair, passphrase: bytes | None
) -> None:
    path = tmp_path / "ed25519.pem"
    keys.write_private_key(path, ed_pair.private_key, passphrase)
    loaded = keys.load_private_key(path, passphrase)
    assert loaded.kind is KeyKind.ED25519
    assert keys.multikey_multibase(loaded.private_key) == keys.multikey_multibase(
        ed_pair.private_key
    )


def test_written_rsa_key_loads_back_as_rsa(tmp_path: Path, rsa_pair: keys.KeyPair) -> None:
    path = tmp_path / "rsa.pem"
    keys.write_private_key(path, rsa_pair.private_key, PASSPHRASE)
    loaded = keys.load_private_key(path, PASSPHRASE)
    assert loaded.kind is KeyKind.RSA_2048
    assert loaded.public_key.public_numbers() == rsa_pair.public_key.public_numbers()


def test_written_key_file_has_mode_0600(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    path = tmp_path / "k.pem"
    keys.write_private_key(path, ed_pair.private_key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_written_key_leaves_no_temporary_file(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    keys.write_private_key(tmp_path / "k.pem", ed_pair.private_key)
    assert [path.name for path in tmp_path.iterdir()] == ["k.pem"]


def test_encrypted_key_file_is_pkcs8_encrypted(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    path = tmp_path / "k.pem"
    keys.write_private_key(path, ed_pair.private_key, PASSPHRASE)
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_existing_key_is_not_replaced(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    path = tmp_path / "k.pem"
    keys.write_private_key(path, ed_pair.private_key)
    before = path.read_bytes()
    with pytest.raises(SigningError) as caught:
        keys.write_private_key(path, keys.generate_key("ed25519").private_key)
    assert (caught.value.code, path.read_bytes()) == ("key_exists", before)


def test_overwrite_replaces_existing_key(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    path = tmp_path / "k.pem"
    keys.write_private_key(path, keys.generate_key("ed25519").private_key)
    keys.write_private_key(path, ed_pair.private_key, overwrite=True)
    loaded = keys.load_private_key(path)
    assert keys.multikey_multibase(loaded.private_key) == keys.multikey_multibase(
        ed_pair.private_key
    )


def test_write_into_missing_directory_is_refused(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    with pytest.raises(SigningError) as caught:
        keys.write_private_key(tmp_path / "absent" / "k.pem", ed_pair.private_key)
    assert caught.value.code == "key_write_failed"


def test_empty_passphrase_is_refused(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    with pytest.raises(SigningError) as caught:
        keys.write_private_key(tmp_path / "k.pem", ed_pair.private_key, b"")
    assert caught.value.code == "key_passphrase"


def test_wrong_passphrase_is_key_passphrase(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    path = tmp_path / "k.pem"
    keys.write_private_key(path, ed_pair.private_key, PASSPHRASE)
    with pytest.raises(SigningError) as caught:
        keys.load_private_key(path, b"wrong")
    assert caught.value.code == "key_passphrase"


def test_missing_passphrase_for_encrypted_key_is_key_passphrase(
    tmp_path: Path, ed_pair: keys.KeyPair
) -> None:
    path = tmp_path / "k.pem"
    keys.write_private_key(path, ed_pair.private_key, PASSPHRASE)
    with pytest.raises(SigningError) as caught:
        keys.load_private_key(path)
    assert caught.value.code == "key_passphrase"


def test_passphrase_for_plain_key_is_key_passphrase(tmp_path: Path, ed_pair: keys.KeyPair) -> None:
    path = tmp_path / "k.pem"
    keys.write_private_key(path, ed_pair.private_key)
    with pytest.raises(SigningError) as caught:
        keys.load_private_key(path, PASSPHRASE)
    assert caught.value.code == "key_passphrase"


def test_missing_key_file_is_key_missing(tmp_path: Path) -> None:
    with pytest.raises(SigningError) as caught:
        keys.load_private_key(tmp_path / "absent.pem")
    assert caught.value.code == "key_missing"


def test_garbage_key_file_is_key_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SigningError) as caught:
        keys.load_private_key(path)
    assert caught.value.code == "key_unreadable"


def test_ec_key_file_is_key_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SigningError) as caught:
        keys.load_private_key(path)
    assert caught.value.code == "key_unsupported"


def test_multikey_of_vc_di_eddsa_secret_is_its_public_multibase() -> None:
    secret = keys.private_key_from_multibase(DI_VECTOR["keyPair"]["secretKeyMultibase"])
    assert keys.multikey_multibase(secret) == DI_VECTOR["keyPair"]["publicKeyMultibase"]


def test_multikey_starts_with_z6mk(ed_pair: keys.KeyPair) -> None:
    assert keys.multikey_multibase(ed_pair.public_key).startswith("z6Mk")


def test_multikey_round_trips(ed_pair: keys.KeyPair) -> None:
    value = keys.multikey_multibase(ed_pair.public_key)
    assert keys.multikey_multibase(keys.public_key_from_multibase(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        DI_VECTOR["keyPair"]["secretKeyMultibase"],  # a private key published by mistake
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",  # one character short
        "u7QEgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # base64url, not base58btc
        "z6Mk0OIl",  # characters outside the base58 alphabet
    ],
    ids=["secret-key", "truncated", "wrong-base", "bad-alphabet"],
)
def test_bad_multikey_is_refused(value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        keys.public_key_from_multibase(value)
    assert caught.value.code == "bad_public_key"


def test_multikey_of_rsa_key_is_refused(rsa_pair: keys.KeyPair) -> None:
    with pytest.raises(SigningError) as caught:
        keys.multikey_multibase(rsa_pair.public_key)  # type: ignore[arg-type]
    assert caught.value.code == "key_unsupported"


def test_ed25519_jwk_matches_rfc8037_example() -> None:
    seed = base64.urlsafe_b64decode(RFC8037["privateJwk"]["d"] + "=")
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    assert keys.public_jwk(key) == {"kty": "OKP", "crv": "Ed25519", "x": RFC8037["privateJwk"]["x"]}


def test_rsa_jwk_has_only_public_members(rsa_pair: keys.KeyPair) -> None:
    assert set(keys.public_jwk(rsa_pair.private_key, kid="https://x.example/k")) == {
        "kty",
        "n",
        "e",
        "kid",
    }


@pytest.mark.parametrize("kind", ["rsa_pair", "ed_pair"])
def test_public_jwk_round_trips(kind: str, request: pytest.FixtureRequest) -> None:
    pair: keys.KeyPair = request.getfixturevalue(kind)
    jwk = keys.public_jwk(pair.public_key)
    assert keys.public_jwk(keys.public_key_from_jwk(jwk)) == jwk


def test_jwk_with_private_member_is_refused(ed_pair: keys.KeyPair) -> None:
    jwk = dict(keys.public_jwk(ed_pair.public_key), d=RFC8037["privateJwk"]["d"])
    with pytest.raises(ValidationFailed) as caught:
        keys.public_key_from_jwk(jwk)
    assert caught.value.code == "bad_public_key"


def test_malformed_jwk_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        keys.public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "!!"})
    assert caught.value.code == "bad_public_key"


@pytest.mark.parametrize("kind", ["rsa_pair", "ed_pair"])
def test_public_pem_round_trips(kind: str, request: pytest.FixtureRequest) -> None:
    pair: keys.KeyPair = request.getfixturevalue(kind)
    pem = keys.public_pem(pair.private_key)
    assert keys.public_pem(keys.public_key_from_pem(pem)) == pem


def test_public_pem_is_subject_public_key_info(rsa_pair: keys.KeyPair) -> None:
    assert keys.public_pem(rsa_pair.private_key).startswith("-----BEGIN PUBLIC KEY-----\n")


def test_short_rsa_public_key_is_refused() -> None:
    short = rsa.generate_private_key(65537, 1024).public_key()  # noqa: S505 - must be refused
    pem = short.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValidationFailed) as caught:
        keys.public_key_from_pem(pem)
    assert caught.value.code == "bad_public_key"


def test_garbage_public_pem_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        keys.public_key_from_pem("not a key")
    assert caught.value.code == "bad_public_key"


RFC7520 = json.loads((FIXTURES / "jws/rfc7520-4-1-rs256.json").read_text())


def _rfc7520_private_key() -> rsa.RSAPrivateKey:
    jwk = RFC7520["privateJwk"]

    def number(name: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(jwk[name] + "=" * (-len(jwk[name]) % 4)))

    public = rsa.RSAPublicNumbers(number("e"), number("n"))
    private = rsa.RSAPrivateNumbers(
        number("p"), number("q"), number("d"), number("dp"), number("dq"), number("qi"), public
    )
    return private.private_key()


def test_published_ed25519_jwk_bytes_are_unchanged() -> None:
    """The JWK document we publish (json.dumps of public_jwk) is byte-for-byte what it was."""
    seed = base64.urlsafe_b64decode(RFC8037["privateJwk"]["d"] + "=")
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    expected = '{{"kty": "OKP", "crv": "Ed25519", "x": "{}", "kid": "k1"}}'.format(
        RFC8037["privateJwk"]["x"]
    )
    assert json.dumps(keys.public_jwk(key, kid="k1")) == expected


def test_published_rsa_jwk_bytes_are_unchanged() -> None:
    jwk = RFC7520["privateJwk"]
    expected = '{{"kty": "RSA", "n": "{}", "e": "{}", "kid": "k1"}}'.format(jwk["n"], jwk["e"])
    assert json.dumps(keys.public_jwk(_rfc7520_private_key(), kid="k1")) == expected


def test_rfc7520_public_jwk_parses_to_the_same_key() -> None:
    jwk = {name: RFC7520["privateJwk"][name] for name in ("kty", "n", "e")}
    public = keys.public_key_from_jwk(jwk)
    assert public.public_numbers() == _rfc7520_private_key().public_key().public_numbers()


def test_multikey_secret_of_the_w3c_vector_round_trips_byte_identical() -> None:
    secret = DI_VECTOR["keyPair"]["secretKeyMultibase"]
    key = keys.private_key_from_multibase(secret)
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    assert encode_base58btc(keys.ED25519_PRIV_PREFIX + raw) == secret


def test_w3c_proof_value_decodes_and_encodes_back_to_the_same_text() -> None:
    value = DI_VECTOR["proofValue"]
    assert encode_base58btc(decode_base58btc(value)) == value


def test_base58btc_keeps_leading_zero_bytes_as_ones() -> None:
    assert encode_base58btc(b"\0\0\x01") == "z112"
    assert decode_base58btc("z112") == b"\0\0\x01"
    assert encode_base58btc(b"") == "z"
