"""A real SMTP server for the mail tests (aiosmtpd, in-process on loopback): STARTTLS or implicit
TLS on a self-signed certificate made here with ``cryptography``, AUTH (LOGIN/PLAIN) required when
credentials are given, and scripted answers (a 550 for an address, a 451 for every message) to
exercise the runner's handling of refusals. Received messages are parsed with ``email``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "relay-user", "relay-password-1"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, its own CA: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test SMTP relay")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "relay.crt", folder / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    authenticated_as: str | None


@dataclass
class Handler:
    """Stores what arrives; ``refuse_rcpt`` maps an address to an answer at RCPT TO, and
    ``data_answer`` replaces the 250 at the end of DATA (e.g. a 451)."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    data_answer: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:  # noqa: N802, E501
        if address.lower() in self.refuse_rcpt:
            return self.refuse_rcpt[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_answer is not None:
            return self.data_answer
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else None
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, login)  # type: ignore[arg-type]
            )
        return "250 Message accepted"


class SmtpServer:
    """A running server; ``settings_changes`` are the Settings fields that point at it."""

    def __init__(self, folder: Path, tls: str = "starttls", auth: bool = True) -> None:
        self.tls, self.auth = tls, auth
        self.cert_file, self.key_file = self_signed_certificate(folder)
        self.handler = Handler()
        self.port = _free_port()
        self.controller: Controller | None = None

    def _server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port}
        if self.tls == "starttls":
            options |= {"tls_context": self._server_context(), "require_starttls": True}
        elif self.tls == "ssl":
            options |= {"ssl_context": self._server_context()}
        if self.auth:
            options |= {
                "auth_required": True,
                # aiosmtpd knows only STARTTLS as TLS; on implicit TLS (ssl) AUTH is inside TLS
                "auth_require_tls": self.tls == "starttls",
                "authenticator": _authenticator,
            }
        self.controller = Controller(self.handler, **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings_changes(self, **overrides: Any) -> dict[str, Any]:
        changes: dict[str, Any] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_tls": self.tls,
            "smtp_timeout": 5.0,
            "smtp_ca_file": self.cert_file,
        }
        if self.auth:
            changes |= {"smtp_username": USER, "smtp_password": PASSWORD}
        return changes | overrides

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return [r.message for r in self.handler.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]).lower().endswith(address.lower())]


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
