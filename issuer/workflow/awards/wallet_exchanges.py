"""The VC-API exchange of a wallet offer (SPEC §10), as the DCC Learner Credential Wallet runs it:
``POST {}`` answers a DIDAuthentication presentation request; ``POST {"verifiablePresentation"}``
signed by the holder with that challenge and domain answers the holder-bound copy.

The exchange is a row (any worker answers any step) found by the hash of its URL's secret part.
Completing it claims the exchange and its offer with conditional UPDATEs in one transaction, so
an offer gives one copy, by VC-API or by OpenID4VCI, and two racing presentations get one
credential. The presentation's proof (``Ed25519Signature2020`` or ``eddsa-rdfc-2022``, purpose
``authentication``) is verified by the project's Data Integrity code with the holder's did:key.
"""

from __future__ import annotations

import hmac
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, update

from issuer.domain import vcapi
from issuer.domain.oid4vci import ProtocolError
from issuer.domain.vcapi import ExchangeError
from issuer.errors import ValidationFailed
from issuer.models import WalletExchange, WalletOffer
from issuer.signing.data_integrity import verify_data_integrity
from issuer.signing.holder_keys import ED25519_PUB
from issuer.signing.multibase import decode_base58btc
from issuer.workflow.awards import wallet_copies
from issuer.workflow.awards.publish_ob3 import ob3_publisher
from issuer.workflow.awards.wallet_offers import secret_hash
from issuer.workflow.context import Context


def _open_exchange(ctx: Context, token: str) -> WalletExchange:
    row = ctx.session.scalar(
        select(WalletExchange).where(WalletExchange.token_hash == secret_hash(token))
    )
    if row is None:
        raise ExchangeError("exchange_not_found", "No wallet exchange at this address.", 404)
    if row.completed_at is not None:
        raise ExchangeError("exchange_used", "This exchange has already given its credential.", 410)
    if row.expires_at <= ctx.now:
        raise ExchangeError("exchange_expired", "This exchange has expired; make a new offer.", 410)
    return row


def protocols(ctx: Context, token: str) -> dict[str, Any]:
    """The interaction URL's answer: the protocols this open exchange speaks."""
    _open_exchange(ctx, token)
    return {"protocols": vcapi.protocols(ctx.urls.base, token)}


def step(ctx: Context, token: str, body: Any) -> dict[str, Any]:
    """One POST to the exchange: ``{}`` starts it, a ``verifiablePresentation`` finishes it."""
    exchange = _open_exchange(ctx, token)
    if not isinstance(body, dict):
        raise ExchangeError("invalid_request", "Send a JSON object.")
    presentation = body.get("verifiablePresentation")
    if presentation is None:
        if exchange.started_at is None:
            exchange.started_at = ctx.now
        return vcapi.presentation_request(ctx.urls.base, token, exchange.challenge)
    if not isinstance(presentation, dict):
        raise ExchangeError("invalid_presentation", "verifiablePresentation must be an object.")
    holder = check_presentation(ctx, presentation, exchange.challenge)
    _claim(ctx, exchange)
    offer = ctx.get(WalletOffer, exchange.offer_id)
    try:
        credential = wallet_copies.issue_offered(ctx, offer, holder, "ldp_vc")
    except ProtocolError as error:
        raise ExchangeError("credential_request_denied", error.description, 403) from error
    return vcapi.credential_answer(credential)


def _claim(ctx: Context, exchange: WalletExchange) -> None:
    """Mark the exchange complete and its offer used, each only if still open (one winner)."""
    done = ctx.session.execute(
        update(WalletExchange)
        .where(
            WalletExchange.id == exchange.id,
            WalletExchange.completed_at.is_(None),
            WalletExchange.expires_at > ctx.now,
        )
        .values(completed_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise ExchangeError("exchange_used", "This exchange has already given its credential.", 410)
    offer = ctx.session.execute(
        update(WalletOffer)
        .where(
            WalletOffer.id == exchange.offer_id,
            WalletOffer.used_at.is_(None),
            WalletOffer.expires_at > ctx.now,
        )
        .values(used_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if offer.rowcount != 1:  # type: ignore[attr-defined]
        raise ExchangeError(
            "offer_used", "This offer was already claimed by a wallet (OpenID4VCI).", 410
        )


def _proofs(presentation: dict[str, Any]) -> list[Any]:
    proof = presentation.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    if proof is None or len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise ExchangeError("invalid_presentation", "The presentation must carry one proof.")
    return proofs


def check_presentation(ctx: Context, presentation: dict[str, Any], challenge: str) -> str:
    """The holder's DID, once the presentation's proof is the holder's, for this exchange's
    challenge and our domain, and verifies. Raises ExchangeError with a stable code."""
    (proof,) = _proofs(presentation)
    if not hmac.compare_digest(str(proof.get("challenge", "")), challenge):
        raise ExchangeError("wrong_challenge", "The proof's challenge is not this exchange's.")
    if proof.get("domain") != ctx.urls.base:
        raise ExchangeError("wrong_domain", f"The proof's domain must be {ctx.urls.base}.")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise ExchangeError("invalid_presentation", "The proof names no verificationMethod.")
    did = method.split("#", 1)[0]
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if holder_id is not None and holder_id != did:
        raise ExchangeError("wrong_holder", "The proof's key is not the presentation holder's.")
    loader = ob3_publisher(ctx).loader
    result = verify_data_integrity(
        presentation, _did_key_resolver(did), loader, proof_purpose=vcapi.PROOF_PURPOSE, now=ctx.now
    )
    if not result.verified:
        raise ExchangeError(
            "invalid_proof", f"The presentation's proof does not verify: {result.reason}"
        )
    return did


def _did_key_resolver(did: str) -> Any:
    """Resolve ``did:key:z6Mk…#z6Mk…`` (an Ed25519 did:key, fragment = the key) to its key."""

    def resolve(method: str) -> Ed25519PublicKey:
        value = did.removeprefix("did:key:")
        if not did.startswith("did:key:z") or method != f"{did}#{value}":
            raise ValidationFailed(
                "The proof's key must be an Ed25519 did:key (did:key:z6Mk…#z6Mk…).",
                code="bad_holder_key",
            )
        decoded = decode_base58btc(value)
        if not decoded.startswith(ED25519_PUB) or len(decoded) != 34:
            raise ValidationFailed(
                "Only Ed25519 did:key holders are accepted.", code="bad_holder_key"
            )
        return Ed25519PublicKey.from_public_bytes(decoded[2:])

    return resolve
