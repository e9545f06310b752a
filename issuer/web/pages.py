"""How a page runs a use case: a read in its own session, a write in one transaction (retried
on a lost race) followed by its after-commit hooks, and the guard that admits the roles a page is
for. Every people's page (educator, reviewer, facilitator, PTSB) goes through these, so each page
module only parses its form and renders what the use case returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, redirect, url_for

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.errors import Forbidden, NotFound
from issuer.runtime import Services
from issuer.web.session import signed_in
from issuer.workflow.context import Context

T = TypeVar("T")


def services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def signed_in_as(*roles: Role, refusal: str = "This page is not for your role.") -> Actor:
    """The signed-in person when their role is one of ``roles``; a visitor is sent to sign in,
    anyone else gets the 403 page with ``refusal``."""
    actor = signed_in()
    if actor is None:
        abort(redirect(url_for("web.login")))
    if actor.role not in roles:
        abort(403, refusal)
    return actor


def read(actor: Actor, fn: Callable[[Context], T]) -> T:
    """Run a read-only use case as ``actor``."""
    svc = services()
    db_session = svc.db.session()
    try:
        return fn(svc.context(db_session, actor))
    finally:
        db_session.close()


def write(actor: Actor, fn: Callable[[Context], T]) -> T:
    """One use case in one transaction (retried on a lost race), then its after-commit hooks."""
    svc = services()
    contexts: list[Context] = []

    def work(db_session: Any) -> T:
        contexts[:] = [svc.context(db_session, actor)]
        return fn(contexts[0])

    result = svc.db.run_write(work)
    for hook in contexts[0].after_commit:
        hook()
    return result


def read_or_abort(
    actor: Actor, fn: Callable[[Context], T], *, missing: str, elsewhere: str | None = None
) -> T:
    """A read of one thing the page is about: the 404 page saying ``missing`` when it does not
    exist, the 403 page saying ``elsewhere`` (or the workflow's own words) when it is not theirs."""
    try:
        return read(actor, fn)
    except NotFound:
        abort(404, missing)
    except Forbidden as exc:
        abort(403, elsewhere or exc.message)
