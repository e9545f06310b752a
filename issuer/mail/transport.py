"""Handing a built message over: to an SMTP server (STARTTLS, SSL or plain, AUTH when a user name
is configured), or, without ``SMTP_HOST``, into an ``.eml`` file under ``instance/mail/``.

Every outcome is classified (``issuer.mail.outcomes``); a transport never raises for a failed
delivery, so one bad message cannot stop a runner."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from issuer.config import Settings
from issuer.mail.outcomes import Outcome, Verdict, for_code


class Transport(Protocol):
    def send(self, message: EmailMessage) -> Outcome: ...

    def describe(self) -> str: ...


def transport_for(settings: Settings) -> Transport:
    """SMTP when ``SMTP_HOST`` is set, else the ``.eml`` folder in the instance directory."""
    if settings.smtp_host:
        return SmtpTransport(settings)
    return EmlFolder(settings.instance_dir / "mail")


class EmlFolder:
    """The embedded default: each message is a file named after its Message-ID (a repeat
    overwrites it), readable only by the service's user (the links in it are people's own)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return f"files in {self.folder}"

    def path_for(self, message: EmailMessage) -> Path:
        name = re.sub(r"[^A-Za-z0-9@._-]", "_", str(message["Message-ID"]).strip("<> "))
        return self.folder / f"{name or 'message'}.eml"

    def send(self, message: EmailMessage) -> Outcome:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            target = self.path_for(message)
            partial = target.with_suffix(".eml.part")
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(message.as_bytes())
            os.replace(partial, target)
        except OSError as exc:
            return Outcome(Verdict.RETRY, error=f"cannot write {self.folder}: {exc.strerror}")
        return Outcome(Verdict.SENT)


class SmtpTransport:
    """One connection per message (a runner's batch is small; a broken connection then costs
    one message's attempt, not the batch)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def describe(self) -> str:
        s = self.settings
        return f"SMTP {s.smtp_host}:{s.smtp_port} ({s.smtp_tls})"

    def tls_context(self) -> ssl.SSLContext:
        """Certificates and host names are always checked; ``SMTP_CA_FILE`` names the CA to trust
        (a relay with a private CA), else the system's CAs are used."""
        cafile = str(self.settings.smtp_ca_file) if self.settings.smtp_ca_file else None
        return ssl.create_default_context(cafile=cafile)

    def send(self, message: EmailMessage) -> Outcome:
        try:
            with self._connect() as smtp:
                if self.settings.smtp_tls == "starttls":
                    smtp.starttls(context=self.tls_context())
                if self.settings.smtp_username:
                    smtp.login(self.settings.smtp_username, self.settings.smtp_password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            return for_code(code, _text(answer), at_recipient=True)
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not the message: it waits until the configuration is fixed.
            return Outcome(Verdict.RETRY, exc.smtp_code, f"AUTH refused: {_text(exc.smtp_error)}")
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            return for_code(exc.smtp_code, _text(exc.smtp_error))
        except smtplib.SMTPResponseException as exc:
            return Outcome(Verdict.RETRY, exc.smtp_code, _text(exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, TLS, disconnected
            return Outcome(Verdict.RETRY, error=f"{type(exc).__name__}: {exc}"[:500])
        return Outcome(Verdict.SENT, 250)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        host, port, timeout = s.smtp_host or "", s.smtp_port, s.smtp_timeout
        if s.smtp_tls == "ssl":
            return smtplib.SMTP_SSL(host, port, timeout=timeout, context=self.tls_context())
        return smtplib.SMTP(host, port, timeout=timeout)


def _text(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return " ".join(text.split())[:500]
