"""Signing a copy of a credential bound to a wallet holder (SPEC §10): one routine for an
award's OpenBadgeCredential and for the educator's ClrCredential, so both are signed, checked,
stored at their own id and recorded alike."""

from __future__ import annotations

from typing import Any

from issuer.models import Issuer, WalletCopy
from issuer.workflow.awards import documents
from issuer.workflow.awards.publish_ob3 import JWT, ob3_publisher
from issuer.workflow.context import Context


def sign_bound_copy(
    ctx: Context, signer: Issuer, unsigned: dict[str, Any], copy: WalletCopy, kind: str, fmt: str
) -> Any:
    """Sign ``unsigned`` (its id the copy's URL) as ``signer``, check it against our schema of
    ``kind``, store it at its id and record ``copy`` (an award's or a record's): a JSON-LD
    credential for ``ldp_vc``, a compact VC-JWT for ``jwt_vc_json``."""
    publisher = ob3_publisher(ctx)
    url = unsigned["id"]
    credential: Any
    if fmt == "ldp_vc":
        credential = publisher.sign(ctx, signer, unsigned)
        publisher.schemas.check(kind, credential)
        documents.store_json(ctx, url, credential)
    else:
        credential = publisher.vc_jwt(ctx, signer, unsigned)
        documents.store(ctx, url, credential.encode(), JWT)
    copy.credential_id = url
    copy.format = fmt
    copy.issued_at = ctx.now
    ctx.session.add(copy)
    ctx.session.flush()
    return credential
