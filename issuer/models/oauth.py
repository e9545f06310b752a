"""OAuth 2.0 clients, authorization codes and tokens (hashed), and credentials pushed by apps.

Secrets never reach the database in clear: client secrets, codes, access and refresh tokens are
stored as SHA-256 hashes (they carry 250+ random bits, so a plain hash is enough).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.models.types import UTCDateTime


class OAuthClient(Base):
    """An app registered through dynamic client registration (RFC 7591), e.g. a backpack."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    client_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The address that registered it: registrations are limited per address and hour.
    registered_from: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class OAuthCode(Base):
    """An authorization code: single use, short-lived, bound to client, redirect and PKCE."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OAuthToken(Base):
    """An access token and its refresh token; ``code_id`` ties a refresh chain to its grant."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_codes.id"), nullable=True, index=True
    )
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    scope: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReceivedCredential(Base):
    """A credential an app pushed for an earner (upsertCredential): verified, stored as received."""

    __tablename__ = "received_credentials"
    __table_args__ = (UniqueConstraint("earner_id", "credential_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    earner_id: Mapped[int] = mapped_column(ForeignKey("earners.id"), index=True)
    credential_key: Mapped[str] = mapped_column(String(64))
    credential_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    format: Mapped[str] = mapped_column(String(10))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("oauth_clients.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
