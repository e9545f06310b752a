"""The OpenID4VCI 1.0 credential endpoint's use case (SPEC §10): check the access token and the
key proof, then issue the award's OpenBadgeCredential bound to the holder — a copy.

The copy is the award's published credential with ``credentialSubject.id`` set to the holder's
DID and a new ``id`` (a URL of this service that resolves): same achievement, issuer, dates,
hashed identifier and THE AWARD'S OWN ``credentialStatus`` entry, so revoking the award revokes
every copy. It is signed with the issuer's keys as awards are: Data Integrity eddsa-rdfc-2022
(``ldp_vc``) or VC-JWT (``jwt_vc_json``, ``sub`` = the holder DID).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from sqlalchemy import select, update

from issuer.domain import oid4vci
from issuer.domain.oid4vci import ProtocolError
from issuer.domain.states import AwardStatus
from issuer.errors import ValidationFailed
from issuer.models import Award, Issuer, WalletAccessToken, WalletCopy, WalletOffer
from issuer.signing.holder_keys import did_jwk, holder_key
from issuer.signing.jws import HolderProofRegistry
from issuer.workflow import audit
from issuer.workflow.awards import documents, record_copies, wallet_offers
from issuer.workflow.awards.bound_copies import sign_bound_copy
from issuer.workflow.context import Context

PROOF_REGISTRY = HolderProofRegistry()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _token(ctx: Context, access_token: str) -> WalletAccessToken:
    row = ctx.session.scalar(
        select(WalletAccessToken).where(WalletAccessToken.token_hash == _hash(access_token))
    )
    if row is None or row.used_at is not None or row.expires_at <= ctx.now:
        raise ProtocolError("invalid_token", "The access token is unknown, used or expired.", 401)
    return row


def _proof_jwt(body: dict[str, Any]) -> str:
    proofs = body.get("proofs")
    if not isinstance(proofs, dict) or set(proofs) != {"jwt"}:
        raise ProtocolError("invalid_proof", 'Send one key proof as {"proofs": {"jwt": [...]}}.')
    items = proofs["jwt"]
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], str):
        raise ProtocolError("invalid_proof", "Send exactly one proof JWT (no batch issuance).")
    return items[0]


def check_proof(ctx: Context, proof: str) -> str:
    """Verify the key proof (§8.2.1.1, Appendix F.1) and spend its nonce; the holder's DID."""
    try:
        header = jws.extract_compact(proof.encode()).protected
    except (JoseError, ValueError) as error:
        raise ProtocolError("invalid_proof", "The proof is not a compact JWS.") from error
    if header.get("typ") != oid4vci.PROOF_TYP:
        raise ProtocolError("invalid_proof", f"The proof's typ must be {oid4vci.PROOF_TYP}.")
    alg = header.get("alg")
    if alg not in oid4vci.PROOF_ALGS:
        raise ProtocolError("invalid_proof", "The proof must be signed with EdDSA or ES256.")
    try:
        holder = holder_key(header)
    except ValidationFailed as error:
        raise ProtocolError("invalid_proof", str(error)) from error
    try:
        claims = jwt.decode(proof, holder.key, algorithms=[alg], registry=PROOF_REGISTRY).claims
    except (JoseError, ValueError) as error:
        raise ProtocolError("invalid_proof", "The proof's signature does not verify.") from error
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if ctx.urls.base not in audiences:
        raise ProtocolError("invalid_proof", "The proof's aud must be the credential issuer.")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise ProtocolError("invalid_proof", "The proof has no iat.")
    issued = datetime.fromtimestamp(iat, UTC)
    if abs(issued - ctx.now) > oid4vci.PROOF_IAT_SKEW:
        raise ProtocolError("invalid_proof", "The proof's iat is not recent.")
    wallet_offers.spend_nonce(ctx, claims.get("nonce"))
    return holder.did or did_jwk(holder.key)


def copy_url(ctx: Context, award_id: str, copy_id: str) -> str:
    return f"{ctx.urls.ob3_credential(award_id)}/copies/{copy_id}"


def issue_copy(ctx: Context, access_token: str, body: Any) -> dict[str, Any]:
    """Credential endpoint: the Credential Response ``{"credentials": [{"credential"}]}``."""
    token = _token(ctx, access_token)
    if not isinstance(body, dict):
        raise ProtocolError("invalid_credential_request", "Send a JSON object.")
    offer = ctx.get(WalletOffer, token.offer_id)
    offered = oid4vci.CLR_FORMATS if offer.learner_record_id is not None else oid4vci.FORMATS
    configuration = body.get("credential_configuration_id")
    if configuration not in offered:
        raise ProtocolError(
            "unknown_credential_configuration", "Ask for one of the configurations offered."
        )
    holder_did = check_proof(ctx, _proof_jwt(body))
    claimed = ctx.session.execute(
        update(WalletAccessToken)
        .where(WalletAccessToken.id == token.id, WalletAccessToken.used_at.is_(None))
        .values(used_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ProtocolError("invalid_token", "The access token is already used.", 401)
    credential = issue_offered(ctx, offer, holder_did, offered[configuration])
    return {"credentials": [{"credential": credential}]}


def issue_offered(ctx: Context, offer: WalletOffer, holder_did: str, fmt: str) -> Any:
    """What the offer gives, bound to the holder: the award's credential or the learner record."""
    if offer.learner_record_id is not None:
        return record_copies.issue_record_copy(
            ctx, offer.learner_record_id, offer.id, holder_did, fmt
        )
    return issue_bound_copy(ctx, ctx.get(Award, offer.award_id), offer.id, holder_did, fmt)


def copies_of(ctx: Context, award_id: str) -> list[WalletCopy]:
    return list(
        ctx.session.scalars(
            select(WalletCopy).where(WalletCopy.award_id == award_id).order_by(WalletCopy.issued_at)
        )
    )


def issue_bound_copy(ctx: Context, award: Award, offer_id: str, holder_did: str, fmt: str) -> Any:
    """Sign, store, record and audit the award's credential bound to ``holder_did``: a JSON-LD
    credential for ``ldp_vc``, a compact VC-JWT for ``jwt_vc_json``. Refuses (ProtocolError
    ``credential_request_denied``) an award that is not active or has no OB 3.0 credential."""
    if award.status != AwardStatus.ACTIVE.value:
        raise ProtocolError("credential_request_denied", "This award is no longer active.")
    published = documents.load_json(ctx, ctx.urls.ob3_credential(award.id))
    if published is None:
        raise ProtocolError("credential_request_denied", "This award has no OB 3.0 credential.")
    copy_id = str(uuid.uuid4())
    url = copy_url(ctx, award.id, copy_id)
    unsigned = {key: value for key, value in published.items() if key != "proof"}
    unsigned["id"] = url
    unsigned["credentialSubject"] = {"id": holder_did, **published["credentialSubject"]}
    issuer = ctx.get(Issuer, award.issuer_id)
    copy = WalletCopy(id=copy_id, award_id=award.id, offer_id=offer_id, holder_did=holder_did)
    credential = sign_bound_copy(ctx, issuer, unsigned, copy, "openbadge-credential", fmt)
    audit.record(
        ctx, "wallet_copy.issued", "award", award.id, copy=copy_id, holder=holder_did, format=fmt
    )
    return credential
