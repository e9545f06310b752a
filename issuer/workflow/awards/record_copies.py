"""The educator's record (CLR 2.0, SPEC §11) bound to a wallet holder (SPEC §10).

A record copy is the offered, stored ClrCredential with ``credentialSubject.id`` set to the
holder's DID and a new ``id`` under the record's (``/ob3/clr/<record>/copies/<copy>``, a URL of
this service that resolves): the same nested OpenBadgeCredentials with their proofs and status
entries untouched, the same achievements and associations. PTSB signs it as it signs records:
Data Integrity eddsa-rdfc-2022 (``ldp_vc``) or VC-JWT (``jwt_vc_json``, ``sub`` = the holder).
"""

from __future__ import annotations

import uuid
from typing import Any

from issuer.domain.oid4vci import ProtocolError
from issuer.models import LearnerRecord, WalletCopy
from issuer.workflow import audit
from issuer.workflow.awards import documents
from issuer.workflow.awards.bound_copies import sign_bound_copy
from issuer.workflow.context import Context
from issuer.workflow.programs import issuers


def copy_url(ctx: Context, record_id: str, copy_id: str) -> str:
    return f"{ctx.urls.learner_record(record_id)}/copies/{copy_id}"


def issue_record_copy(
    ctx: Context, record_id: str, offer_id: str, holder_did: str, fmt: str
) -> Any:
    """Sign, store, record and audit the learner record bound to ``holder_did``: a JSON-LD
    ClrCredential for ``ldp_vc``, a compact VC-JWT for ``jwt_vc_json``."""
    record = ctx.get(LearnerRecord, record_id)
    stored = documents.load_json(ctx, ctx.urls.learner_record(record.id))
    board = issuers.board(ctx)
    if stored is None or board is None:
        raise ProtocolError("credential_request_denied", "This learner record is not stored.")
    copy_id = str(uuid.uuid4())
    url = copy_url(ctx, record.id, copy_id)
    unsigned = {key: value for key, value in stored.items() if key != "proof"}
    unsigned["id"] = url
    unsigned["credentialSubject"] = {**stored["credentialSubject"], "id": holder_did}
    copy = WalletCopy(
        id=copy_id, learner_record_id=record.id, offer_id=offer_id, holder_did=holder_did
    )
    credential = sign_bound_copy(ctx, board, unsigned, copy, "clr-credential", fmt)
    audit.record(
        ctx,
        "wallet_copy.issued",
        "earner",
        record.earner_id,
        learner_record=record.id,
        copy=copy_id,
        holder=holder_did,
        format=fmt,
    )
    return credential
