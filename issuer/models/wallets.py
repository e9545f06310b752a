"""Wallets (SPEC §10): offers of an award to a wallet, the OpenID4VCI pre-authorized codes,
access tokens and nonces that carry one through, and the holder-bound copies issued.

Every step's state is here, so any worker answers any step. Codes, tokens and nonces are stored
as SHA-256 hashes (each carries 256 random bits, so a plain hash is enough) and are single use:
a step claims one with ``UPDATE … SET used_at = :now WHERE … AND used_at IS NULL`` and proceeds
only when exactly one row changed, so two racing requests get one answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.models.types import UTCDateTime

# An offer or a copy is of one award or of one learner record, never both or neither.
ONE_SUBJECT = "(award_id IS NULL) <> (learner_record_id IS NULL)"


class WalletOffer(Base):
    """An offer of one award (or one learner record) to a wallet, with its pre-authorized code: single use, expiring."""

    __tablename__ = "wallet_offers"
    __table_args__ = (CheckConstraint(ONE_SUBJECT, name="one_subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # What is offered: one award, or one of the educator's learner records (CLR 2.0).
    award_id: Mapped[str | None] = mapped_column(ForeignKey("awards.id"), index=True)
    learner_record_id: Mapped[str | None] = mapped_column(
        ForeignKey("learner_records.id"), index=True
    )
    created_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the pre-authorized code was exchanged for an access token (it works once).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WalletAccessToken(Base):
    """An access token for the credential endpoint, granted for one offer; spent by one copy."""

    __tablename__ = "wallet_access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("wallet_offers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WalletNonce(Base):
    """A ``c_nonce`` from the nonce endpoint: a proof of possession may carry it once."""

    __tablename__ = "wallet_nonces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WalletCopy(Base):
    """A copy of an award's credential (or a learner record) issued to a wallet, bound to the holder's DID."""

    __tablename__ = "wallet_copies"
    __table_args__ = (CheckConstraint(ONE_SUBJECT, name="one_subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Whose credential this copies: one award's, or one learner record's (CLR 2.0).
    award_id: Mapped[str | None] = mapped_column(ForeignKey("awards.id"), index=True)
    learner_record_id: Mapped[str | None] = mapped_column(
        ForeignKey("learner_records.id"), index=True
    )
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("wallet_offers.id"), nullable=True)
    holder_did: Mapped[str] = mapped_column(Text)
    credential_id: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WalletExchange(Base):
    """The VC-API exchange of an offer (for the Learner Credential Wallet): its URL's secret part
    kept as a hash, the DID Authentication challenge, and when it began and completed. Completing
    it claims the offer, so an offer gives one copy by OpenID4VCI or by VC-API, not both."""

    __tablename__ = "wallet_exchanges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("wallet_offers.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Not a secret on its own: the wallet learns it from the exchange URL, which is.
    challenge: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
