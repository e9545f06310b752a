"""Private key files under KEYS_DIR: created once (0600, optionally encrypted), loaded on demand."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

from issuer.signing import keys as keyfiles

ALGORITHMS = ("Ed25519", "RSA")
_KINDS = {"Ed25519": keyfiles.KeyKind.ED25519, "RSA": keyfiles.KeyKind.RSA_2048}
generate_key = keyfiles.generate_key  # the one place keys are made (tests swap in a pre-made pool)


class KeyRing:
    """Maps key file names to private keys; the database holds only names and public halves."""

    def __init__(self, keys_dir: Path, passphrase: bytes | None = None) -> None:
        self.keys_dir = keys_dir
        self._passphrase = passphrase
        self._cache: dict[str, keyfiles.KeyPair] = {}
        self._lock = threading.Lock()

    def create(self, algorithm: str, label: str) -> tuple[str, str, str]:
        """Generate a key pair; return ``(key_id, file_name, public_pem)``."""
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm!r}")
        self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.keys_dir.chmod(0o700)
        key_id = f"{label}-{algorithm.lower()}-{secrets.token_hex(6)}"
        file_name = f"{key_id}.pem"
        pair = generate_key(_KINDS[algorithm])
        keyfiles.write_private_key(self.keys_dir / file_name, pair.private_key, self._passphrase)
        with self._lock:
            self._cache[file_name] = pair
        return key_id, file_name, keyfiles.public_pem(pair.private_key)

    def private_key(self, file_name: str) -> keyfiles.KeyPair:
        """The key pair stored in ``file_name`` (read once per process)."""
        with self._lock:
            cached = self._cache.get(file_name)
        if cached is not None:
            return cached
        key = keyfiles.load_private_key(self.keys_dir / file_name, self._passphrase)
        with self._lock:
            self._cache[file_name] = key
        return key
