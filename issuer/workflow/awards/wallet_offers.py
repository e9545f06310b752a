"""Offering an award to a wallet (SPEC §10): the offer with its pre-authorized code, the
Credential Offer document a wallet reads, and the token and nonce steps of OpenID4VCI 1.0.

Codes, access tokens and nonces are kept as SHA-256 hashes and claimed once by a conditional
UPDATE (``… WHERE used_at IS NULL``, one row changed or refused), so any worker answers any step
and two racing requests get one answer. The pre-authorized code is derived from the offer's
unguessable id with the service's secret key (HMAC), so the Credential Offer can be served again
until the code is used, while the database holds only its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, or_, select, update

from issuer.domain import oid4vci, vcapi
from issuer.domain.oid4vci import ProtocolError
from issuer.domain.states import AwardStatus, Role
from issuer.errors import Conflict, Forbidden, NotFound
from issuer.models import (
    Award,
    Earner,
    WalletAccessToken,
    WalletCopy,
    WalletExchange,
    WalletNonce,
    WalletOffer,
)
from issuer.workflow import audit
from issuer.workflow.awards import learner_record
from issuer.workflow.context import Context
from issuer.workflow.learning import earners


def secret_hash(secret: str) -> str:
    """How codes, tokens, nonces and exchange URLs are kept: SHA-256 hex (256 random bits)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def pre_authorized_code(ctx: Context, offer_id: str) -> str:
    mac = hmac.new(ctx.secret_key.encode(), f"oid4vci-code:{offer_id}".encode(), hashlib.sha256)
    return mac.hexdigest()


@dataclass(frozen=True)
class Offer:
    """A new offer; ``exchange_token`` is the secret part of its VC-API exchange URL."""

    id: str
    award_id: str | None
    expires_at: datetime
    exchange_token: str
    learner_record_id: str | None = None


def create_offer(ctx: Context, award_id: str) -> Offer:
    """The earner, or an admin of the award's issuer, offers the award to a wallet."""
    award = ctx.get(Award, award_id)
    actor = ctx.actor
    if actor.role is Role.EARNER:
        if ctx.get(Earner, award.earner_id).email != actor.email:
            raise Forbidden("That is another earner's award.", code="other_earner")
    else:
        actor.require_role(Role.ISSUER_ADMIN)
        actor.require_issuer(award.issuer_id)
    offer = _new_offer(ctx, award_id=award.id)
    # The offer's id is a bearer secret (it reveals the code): the log names the award only.
    audit.record(ctx, "wallet_offer.created", "award", award.id, expires_at=str(offer.expires_at))
    return offer


def create_record_offer(ctx: Context, earner_id: int) -> Offer:
    """The educator, or PTSB for them, offers the educator's record (CLR 2.0) to a wallet: the
    record as of now (the latest stored one, or a new one signed by PTSB) is what the offer
    gives, bound to the holder."""
    record = learner_record.educator_record(ctx, earner_id)
    offer = _new_offer(ctx, learner_record_id=record.record.id)
    audit.record(
        ctx,
        "wallet_offer.created",
        "earner",
        earner_id,
        learner_record=record.record.id,
        expires_at=str(offer.expires_at),
    )
    return offer


def _new_offer(
    ctx: Context, *, award_id: str | None = None, learner_record_id: str | None = None
) -> Offer:
    """Store an offer (of an award or of a record) with its code's hash and its VC-API exchange."""
    prune(ctx)
    offer_id = secrets.token_urlsafe(24)
    row = WalletOffer(
        id=offer_id,
        award_id=award_id,
        learner_record_id=learner_record_id,
        created_by=ctx.actor.account_id,
        code_hash=secret_hash(pre_authorized_code(ctx, offer_id)),
        created_at=ctx.now,
        expires_at=ctx.now + oid4vci.OFFER_LIFETIME,
    )
    ctx.session.add(row)
    ctx.session.flush()
    exchange_token = secrets.token_urlsafe(32)
    ctx.session.add(
        WalletExchange(
            offer_id=offer_id,
            token_hash=secret_hash(exchange_token),
            challenge=secrets.token_urlsafe(24),
            created_at=ctx.now,
            expires_at=row.expires_at,
        )
    )
    ctx.session.flush()
    return Offer(offer_id, award_id, row.expires_at, exchange_token, learner_record_id)


def offer_document(ctx: Context, offer_id: str) -> dict[str, object]:
    """The Credential Offer at ``credential_offer_uri`` while its code is unused and unexpired."""
    row = ctx.session.get(WalletOffer, offer_id)
    if row is None or row.used_at is not None or row.expires_at <= ctx.now:
        raise NotFound("No open wallet offer at this address.", code="offer_not_found")
    return oid4vci.credential_offer(
        ctx.urls.base,
        pre_authorized_code(ctx, offer_id),
        record=row.learner_record_id is not None,
    )


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int


def redeem_code(ctx: Context, code: str) -> AccessToken:
    """Token endpoint, pre-authorized code grant: the code works once, before its offer expires."""
    if not code:
        raise ProtocolError("invalid_request", "Send the pre-authorized_code.")
    claimed = ctx.session.execute(
        update(WalletOffer)
        .where(
            WalletOffer.code_hash == secret_hash(code),
            WalletOffer.used_at.is_(None),
            WalletOffer.expires_at > ctx.now,
        )
        .values(used_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ProtocolError(
            "invalid_grant", "The pre-authorized code is unknown, already used or expired."
        )
    offer_id = ctx.session.scalar(
        select(WalletOffer.id).where(WalletOffer.code_hash == secret_hash(code))
    )
    token = secrets.token_urlsafe(32)
    ctx.session.add(
        WalletAccessToken(
            offer_id=offer_id,
            token_hash=secret_hash(token),
            issued_at=ctx.now,
            expires_at=ctx.now + oid4vci.ACCESS_TOKEN_LIFETIME,
        )
    )
    ctx.session.flush()
    return AccessToken(token, int(oid4vci.ACCESS_TOKEN_LIFETIME.total_seconds()))


def new_nonce(ctx: Context) -> str:
    """Nonce endpoint: a fresh ``c_nonce``, stored hashed, usable once by one key proof."""
    nonce = secrets.token_urlsafe(32)
    ctx.session.add(
        WalletNonce(
            nonce_hash=secret_hash(nonce),
            created_at=ctx.now,
            expires_at=ctx.now + oid4vci.NONCE_LIFETIME,
        )
    )
    ctx.session.flush()
    return nonce


def spend_nonce(ctx: Context, nonce: object) -> None:
    """Claim a ``c_nonce`` for one proof: unknown, used or expired ones answer invalid_nonce."""
    if not isinstance(nonce, str) or not nonce:
        raise ProtocolError("invalid_proof", "The key proof carries no nonce.")
    claimed = ctx.session.execute(
        update(WalletNonce)
        .where(
            WalletNonce.nonce_hash == secret_hash(nonce),
            WalletNonce.used_at.is_(None),
            WalletNonce.expires_at > ctx.now,
        )
        .values(used_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ProtocolError("invalid_nonce", "The nonce is unknown, already used or expired.")


@dataclass(frozen=True)
class OfferPage:
    """What the portfolio's "Add to a wallet" page shows for a new offer: what is offered (its
    name) and the portfolio anchor to go back to."""

    name: str
    anchor: str
    offer_url: str
    lcw_url: str
    expires_at: datetime
    minutes: int


def offer_for_page(ctx: Context, award_id: str) -> OfferPage:
    """The educator's "Add to a wallet": a new offer of their active award, with its links."""
    award = ctx.get(Award, award_id)
    if award.status != AwardStatus.ACTIVE.value:
        raise Conflict(
            "A revoked or expired badge cannot be added to a wallet.", code="award_inactive"
        )
    return _page(ctx, create_offer(ctx, award_id), award.name, f"wallet-{award.id}")


def record_offer_for_page(ctx: Context) -> OfferPage:
    """The educator's "Add my record to a wallet": a new offer of their own record (CLR 2.0)."""
    offer = create_record_offer(ctx, earners.own_earner(ctx).id)
    return _page(ctx, offer, "My learner record", "learner-record")


def _page(ctx: Context, offer: Offer, name: str, anchor: str) -> OfferPage:
    return OfferPage(
        name=name,
        anchor=anchor,
        offer_url=oid4vci.offer_url(ctx.urls.base, offer.id),
        lcw_url=vcapi.lcw_request_link(ctx.urls.base, offer.exchange_token),
        expires_at=offer.expires_at,
        minutes=int(oid4vci.OFFER_LIFETIME.total_seconds() // 60),
    )


@dataclass(frozen=True)
class Pruned:
    offers: int
    access_tokens: int
    nonces: int
    exchanges: int


def prune(ctx: Context) -> Pruned:
    """Delete what no wallet step can use any more: expired or used access tokens, nonces and
    exchanges, then expired offers nothing refers to (their copies keep the award, lose the
    offer's id). Copies and the audit log stay. Runs on each new offer and by
    ``flask --app wsgi wallets prune``."""
    now = ctx.now
    tokens = ctx.session.execute(
        delete(WalletAccessToken).where(
            or_(WalletAccessToken.expires_at <= now, WalletAccessToken.used_at.is_not(None))
        )
    )
    nonces = ctx.session.execute(
        delete(WalletNonce).where(
            or_(WalletNonce.expires_at <= now, WalletNonce.used_at.is_not(None))
        )
    )
    exchanges = ctx.session.execute(
        delete(WalletExchange).where(
            or_(WalletExchange.expires_at <= now, WalletExchange.completed_at.is_not(None))
        )
    )
    stale = (
        select(WalletOffer.id)
        .where(WalletOffer.expires_at <= now)
        .where(~exists().where(WalletAccessToken.offer_id == WalletOffer.id))
        .where(~exists().where(WalletExchange.offer_id == WalletOffer.id))
    )
    stale_ids = list(ctx.session.scalars(stale))
    if stale_ids:
        ctx.session.execute(
            update(WalletCopy).where(WalletCopy.offer_id.in_(stale_ids)).values(offer_id=None)
        )
        ctx.session.execute(delete(WalletOffer).where(WalletOffer.id.in_(stale_ids)))
    ctx.session.flush()
    return Pruned(
        offers=len(stale_ids),
        access_tokens=tokens.rowcount,  # type: ignore[attr-defined]
        nonces=nonces.rowcount,  # type: ignore[attr-defined]
        exchanges=exchanges.rowcount,  # type: ignore[attr-defined]
    )
