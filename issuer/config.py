"""Settings read once from the environment, checked at start.

Every environment variable the service honours is read here and nowhere else; a bad
value stops the start naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from issuer.domain import webhooks
from issuer.domain.caching import DEFAULT_PUBLIC_CACHE_SECONDS, MUTABLE_MAX_AGE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
STATIC_DIR = PROJECT_ROOT / "static"
DEFAULT_KEYS_DIR = PROJECT_ROOT / "keys"
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
DEVELOPMENT_SECRET_KEY = "dev-only-secret-change-me"  # noqa: S105 - refused on https


class ConfigError(ValueError):
    """An environment variable has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to know about its deployment."""

    base_url: str = "http://localhost:5000"
    database_url: str = ""
    keys_dir: Path = DEFAULT_KEYS_DIR
    instance_dir: Path = DEFAULT_INSTANCE_DIR
    secret_key: str = DEVELOPMENT_SECRET_KEY
    key_passphrase: bytes | None = None
    ptsb_webhook_url: str | None = None
    ptsb_webhook_secret: str | None = None
    verify_allow_private: bool = False
    webhook_allow_private: bool = False
    ptsb_name: str = "Professional Teaching Standards Board"
    ptsb_url: str = "https://ptsb.example.org"
    ptsb_email: str = "credentials@ptsb.example.org"
    max_json_bytes: int = 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024
    # Evidence files of submissions (SPEC §8): stored under uploads_dir (default
    # <instance_dir>/uploads), outside the web root; limits per file, per submission, and count.
    uploads_dir: Path | None = None
    upload_max_file_bytes: int = 25 * 1024 * 1024
    upload_max_submission_bytes: int = 100 * 1024 * 1024
    upload_max_files: int = 20
    auto_migrate: bool = True
    # How many proxies stand in front (TRUSTED_PROXIES): the client address, scheme and host are
    # then read from that many X-Forwarded-* entries; 0 trusts none of those headers.
    trusted_proxies: int = 0
    # Dynamic client registrations (/oauth/register) one client address may make per hour.
    oauth_registrations_per_hour: int = 20
    schemas_dir: Path = SCHEMAS_DIR
    # Email (SPEC §9). Without smtp_host, messages are written as .eml files to instance/mail/.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = "starttls"  # starttls | ssl | none
    smtp_timeout: float = 10.0
    smtp_ca_file: Path | None = None  # a CA bundle to trust instead of the system's
    mail_from: str = ""  # default badges@<BASE_URL host>
    # How many credentials of one issuer one Bitstring Status List holds before the next list
    # opens (STATUS_LIST_CAPACITY, 1..131072; the published list is always 131,072 bits). Only
    # tests lower it, to reach the rollover with a few awards.
    status_list_capacity: int = 131072
    # Public reads (stored documents, anonymous verification pages) kept in each worker at most
    # this many seconds (PUBLIC_CACHE_SECONDS; 0 turns the cache off); at most the published max-age.
    public_cache_seconds: float = DEFAULT_PUBLIC_CACHE_SECONDS
    # Several gunicorn workers: prometheus-client's multiprocess mode keeps each worker's metrics
    # in files in this directory (PROMETHEUS_MULTIPROC_DIR, empty at each start) and /metrics adds
    # them up. Unset: each process counts its own.
    prometheus_multiproc_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.database_url:
            url = "sqlite:///" + str(self.instance_dir / "issuer.sqlite3")
            object.__setattr__(self, "database_url", url)
        if self.uploads_dir is None:
            object.__setattr__(self, "uploads_dir", self.instance_dir / "uploads")
        object.__setattr__(self, "base_url", _check_base_url(self.base_url))
        _check_upload_limits(self)
        _check_secret_key(self.base_url, self.secret_key)
        _check_webhook_secret(self.ptsb_webhook_url, self.ptsb_webhook_secret)
        if not self.mail_from:
            host = urlsplit(self.base_url).hostname or "localhost"
            object.__setattr__(self, "mail_from", f"badges@{host}")
        _check_smtp(self)
        if not 1 <= self.status_list_capacity <= 131072:
            raise ConfigError("STATUS_LIST_CAPACITY must be between 1 and 131072")
        _check_public_cache(self.public_cache_seconds)
        _check_multiproc_dir(self.prometheus_multiproc_dir)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``os.environ`` (or the mapping given)."""
        env = os.environ if environ is None else environ
        defaults = cls()
        instance_dir = Path(env.get("INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
        return cls(
            base_url=env.get("BASE_URL", defaults.base_url),
            database_url=_database_url(env.get("DATABASE_URL", "")),
            keys_dir=Path(env.get("KEYS_DIR", str(DEFAULT_KEYS_DIR))),
            instance_dir=instance_dir,
            secret_key=env.get("SECRET_KEY", defaults.secret_key),
            key_passphrase=_passphrase(env.get("KEY_PASSPHRASE")),
            ptsb_webhook_url=_optional_url("PTSB_WEBHOOK_URL", env.get("PTSB_WEBHOOK_URL")),
            ptsb_webhook_secret=env.get("PTSB_WEBHOOK_SECRET") or None,
            verify_allow_private=_flag("VERIFY_ALLOW_PRIVATE", env.get("VERIFY_ALLOW_PRIVATE")),
            webhook_allow_private=_flag("WEBHOOK_ALLOW_PRIVATE", env.get("WEBHOOK_ALLOW_PRIVATE")),
            ptsb_name=env.get("PTSB_NAME", defaults.ptsb_name),
            ptsb_url=env.get("PTSB_URL", defaults.ptsb_url),
            ptsb_email=env.get("PTSB_EMAIL", defaults.ptsb_email),
            auto_migrate=not _flag("NO_AUTO_MIGRATE", env.get("NO_AUTO_MIGRATE")),
            trusted_proxies=_count(
                "TRUSTED_PROXIES", env.get("TRUSTED_PROXIES"), defaults.trusted_proxies
            ),
            oauth_registrations_per_hour=_count(
                "OAUTH_REGISTRATIONS_PER_HOUR",
                env.get("OAUTH_REGISTRATIONS_PER_HOUR"),
                defaults.oauth_registrations_per_hour,
            ),
            smtp_host=env.get("SMTP_HOST", "").strip() or None,
            smtp_port=_count("SMTP_PORT", env.get("SMTP_PORT"), defaults.smtp_port),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_tls=(env.get("SMTP_TLS") or defaults.smtp_tls).strip().lower(),
            smtp_timeout=_seconds("SMTP_TIMEOUT", env.get("SMTP_TIMEOUT"), defaults.smtp_timeout),
            smtp_ca_file=Path(env["SMTP_CA_FILE"]) if env.get("SMTP_CA_FILE") else None,
            mail_from=env.get("MAIL_FROM", "").strip(),
            uploads_dir=Path(env["UPLOADS_DIR"]) if env.get("UPLOADS_DIR") else None,
            upload_max_file_bytes=_count(
                "UPLOAD_MAX_FILE_BYTES",
                env.get("UPLOAD_MAX_FILE_BYTES"),
                defaults.upload_max_file_bytes,
            ),
            upload_max_submission_bytes=_count(
                "UPLOAD_MAX_SUBMISSION_BYTES",
                env.get("UPLOAD_MAX_SUBMISSION_BYTES"),
                defaults.upload_max_submission_bytes,
            ),
            upload_max_files=_count(
                "UPLOAD_MAX_FILES", env.get("UPLOAD_MAX_FILES"), defaults.upload_max_files
            ),
            status_list_capacity=_count(
                "STATUS_LIST_CAPACITY",
                env.get("STATUS_LIST_CAPACITY"),
                defaults.status_list_capacity,
            ),
            public_cache_seconds=_seconds(
                "PUBLIC_CACHE_SECONDS",
                env.get("PUBLIC_CACHE_SECONDS"),
                defaults.public_cache_seconds,
            ),
            prometheus_multiproc_dir=(
                Path(env["PROMETHEUS_MULTIPROC_DIR"])
                if env.get("PROMETHEUS_MULTIPROC_DIR")
                else None
            ),
        )

    def with_changes(self, **changes: object) -> Settings:
        """A copy with some fields replaced (tests and CLI overrides)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def _check_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"BASE_URL must be an http(s) origin such as https://badges.example.org, got {value!r}"
        )
    return value.rstrip("/")


def _check_secret_key(base_url: str, secret_key: str) -> None:
    """On https the service is for real: with the development key anyone could forge sessions
    and password links (and open sealed secrets), so it does not start."""
    if not secret_key:
        raise ConfigError("SECRET_KEY must not be empty")
    if base_url.startswith("https://") and secret_key == DEVELOPMENT_SECRET_KEY:
        raise ConfigError(
            "SECRET_KEY is the development key, which anyone can read in the source; set "
            'SECRET_KEY to a long random value (python -c "import secrets; '
            'print(secrets.token_urlsafe(48))") before serving on https'
        )


def _count(name: str, value: str | None, default: int) -> int:
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        number = -1
    if number < 0:
        raise ConfigError(f"{name} must be a whole number of 0 or more, got {value!r}")
    return number


def _check_upload_limits(settings: Settings) -> None:
    """A limit of 0 would refuse every file; a file limit above the submission's could never apply."""
    if settings.upload_max_file_bytes < 1 or settings.upload_max_files < 1:
        raise ConfigError("UPLOAD_MAX_FILE_BYTES and UPLOAD_MAX_FILES must be 1 or more")
    if settings.upload_max_submission_bytes < settings.upload_max_file_bytes:
        raise ConfigError("UPLOAD_MAX_SUBMISSION_BYTES must be at least UPLOAD_MAX_FILE_BYTES")


SMTP_TLS_MODES = ("starttls", "ssl", "none")
_ADDRESS = re.compile(r"[^@\s<>\"(),;:]+@[A-Za-z0-9.-]+")


def _check_smtp(settings: Settings) -> None:
    """A mail setting the runner could not use stops the start, not the first delivery."""
    if settings.smtp_tls not in SMTP_TLS_MODES:
        raise ConfigError(f"SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}")
    if not 0 < settings.smtp_port < 65536:
        raise ConfigError(f"SMTP_PORT must be a port number, got {settings.smtp_port}")
    if not _ADDRESS.fullmatch(settings.mail_from):
        raise ConfigError("MAIL_FROM must be a plain address such as badges@example.org")
    if settings.smtp_password and not settings.smtp_username:
        raise ConfigError("SMTP_PASSWORD is set without SMTP_USERNAME")
    if settings.smtp_username and not settings.smtp_password:
        raise ConfigError("SMTP_USERNAME is set without SMTP_PASSWORD")
    if settings.smtp_timeout <= 0:
        raise ConfigError("SMTP_TIMEOUT must be a positive number of seconds")
    if settings.smtp_ca_file is not None and not settings.smtp_ca_file.is_file():
        raise ConfigError(f"SMTP_CA_FILE {settings.smtp_ca_file} is not a readable file")


def _check_public_cache(seconds: float) -> None:
    """A worker may not keep a public read longer than a verifier is told it may."""
    if not 0 <= seconds <= MUTABLE_MAX_AGE:
        raise ConfigError(
            f"PUBLIC_CACHE_SECONDS must be between 0 and {MUTABLE_MAX_AGE} (the max-age of public "
            f"documents), got {seconds:g}"
        )


def _check_multiproc_dir(path: Path | None) -> None:
    if path is not None and not path.is_dir():
        raise ConfigError(
            f"PROMETHEUS_MULTIPROC_DIR must be an existing directory (empty at start), got {path}"
        )


def _seconds(name: str, value: str | None, default: float) -> float:
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {value!r}") from None


def _database_url(value: str) -> str:
    if not value:
        return ""
    if value.startswith("postgres://"):
        value = "postgresql://" + value[len("postgres://") :]
    if value.startswith("postgresql://"):
        value = "postgresql+psycopg://" + value[len("postgresql://") :]
    if not value.startswith(("sqlite", "postgresql+psycopg://")):
        raise ConfigError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
    return value


def _passphrase(value: str | None) -> bytes | None:
    return value.encode() if value else None


def _optional_url(name: str, value: str | None) -> str | None:
    if not value:
        return None
    if urlsplit(value).scheme not in ("http", "https"):
        raise ConfigError(f"{name} must be an http(s) URL")
    return value


def _check_webhook_secret(url: str | None, secret: str | None) -> None:
    """PTSB's webhooks are signed like every other: a URL needs a ``whsec_`` secret beside it."""
    if url and not secret:
        raise ConfigError(
            "PTSB_WEBHOOK_SECRET must be set with PTSB_WEBHOOK_URL "
            "(make one with `flask --app wsgi webhooks secret`)"
        )
    if secret:
        try:
            webhooks.secret_key(secret)
        except ValueError as exc:
            raise ConfigError(f"PTSB_WEBHOOK_SECRET: {exc}") from None


def _flag(name: str, value: str | None) -> bool:
    if value is None or value == "":
        return False
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")
