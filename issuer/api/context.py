"""Per-request plumbing: the bearer token's actor, and running use cases in a session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from flask import current_app, g, request

from issuer.domain.actors import SYSTEM, Actor
from issuer.errors import Unauthenticated
from issuer.runtime import Services
from issuer.workflow.accounts.accounts import authenticate
from issuer.workflow.context import Context

T = TypeVar("T")


def services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    return token.strip()


def authenticate_request() -> None:
    """Check the bearer token before anything else, so a request without one always answers 401."""
    session = services().db.single_read_session()
    try:
        g.actor = authenticate(session, bearer_token())
    finally:
        session.close()


def current_actor() -> Actor:
    if "actor" not in g:
        authenticate_request()
    return g.actor  # type: ignore[no-any-return]


def read(fn: Callable[[Context], T]) -> T:
    """Run a read-only use case for the authenticated actor."""
    svc = services()
    actor = current_actor()
    session = svc.db.session()
    try:
        return fn(svc.context(session, actor))
    finally:
        session.close()


def read_public(fn: Callable[[Context], T]) -> T:
    """Run a read-only use case of a public call (no token): only published facts."""
    svc = services()
    session = svc.db.session()
    try:
        return fn(svc.context(session, SYSTEM))
    finally:
        session.close()


def write(fn: Callable[[Context], T]) -> T:
    """Run a use case in one transaction (retried when it lost a race), then its after-commit hooks."""
    svc = services()
    actor = current_actor()
    contexts: list[Context] = []

    def work(session: Any) -> T:
        contexts[:] = [svc.context(session, actor)]
        return fn(contexts[0])

    result = svc.db.run_write(work)
    for hook in contexts[0].after_commit:
        hook()
    return result


def stream(fn: Callable[[Context], Iterator[T]]) -> Iterator[T]:
    """Run a reading use case lazily, as a response streams; the session lives until it ends.

    Check permissions with ``read`` first: this one runs after the status line is sent.
    """
    svc = services()
    actor = current_actor()

    def generate() -> Iterator[T]:
        session = svc.db.session()
        try:
            yield from fn(svc.context(session, actor))
        finally:
            session.close()

    return generate()
