"""Publishing hooks: each published format registers a ``Publisher``; use cases call these hooks.

The use cases know *when* something must be (re)published; the format packages know *what*.
Publishers run inside the use case's transaction, so a failed signature or bake leaves nothing.
"""

from __future__ import annotations

from typing import Protocol

from issuer.models import Award, Issuer, ProgramVersion, Stack
from issuer.workflow.awards import documents
from issuer.workflow.context import Context


class Publisher(Protocol):
    """One published format (Open Badges 2.0, Open Badges 3.0, ...)."""

    def issuer_changed(self, ctx: Context, issuer: Issuer) -> None: ...

    def program_version_approved(self, ctx: Context, version: ProgramVersion) -> None: ...

    def stack_created(self, ctx: Context, stack: Stack) -> None: ...

    def prepare_award(self, ctx: Context, award: Award) -> None:
        """Fill in what the award's row holds for this format before it is inserted."""
        ...

    def award_reads(self, ctx: Context, award: Award) -> list[str]:
        """URLs of published documents ``award_issued`` reads (fetched together beforehand)."""
        ...

    def award_issued(self, ctx: Context, award: Award) -> None: ...

    def award_revoked(self, ctx: Context, award: Award) -> None: ...


def publish_issuer(ctx: Context, issuer: Issuer) -> None:
    for publisher in ctx.publishers:
        publisher.issuer_changed(ctx, issuer)


def publish_program_version(ctx: Context, version: ProgramVersion) -> None:
    for publisher in ctx.publishers:
        publisher.program_version_approved(ctx, version)


def publish_stack(ctx: Context, stack: Stack) -> None:
    for publisher in ctx.publishers:
        publisher.stack_created(ctx, stack)


def prepare_award(ctx: Context, award: Award) -> None:
    for publisher in ctx.publishers:
        publisher.prepare_award(ctx, award)


def publish_award(ctx: Context, award: Award) -> None:
    documents.prefetch(ctx, [url for p in ctx.publishers for url in p.award_reads(ctx, award)])
    for publisher in ctx.publishers:
        publisher.award_issued(ctx, award)


def publish_revocation(ctx: Context, award: Award) -> None:
    for publisher in ctx.publishers:
        publisher.award_revoked(ctx, award)
