"""Declares API operations once: the Flask route and its OpenAPI description come from the same call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, request

View = Callable[..., Any]


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One method on one path, as the OpenAPI document describes it."""

    rule: str
    method: str
    operation_id: str
    summary: str
    tag: str
    body: str | None = None
    body_optional: bool = False
    multipart: bool = False
    # A schema (schemas/api/<name>.json) describing a multipart/form-data body the call also takes.
    multipart_body: str | None = None
    csv_body: bool = False
    status: int = 200
    extra_statuses: tuple[int, ...] = ()
    errors: tuple[int, ...] = ()
    query: tuple[QueryParam, ...] = ()
    headers: tuple[QueryParam, ...] = ()
    public: bool = False
    response: str = "object"
    produces: tuple[str, ...] = ("application/json",)


@dataclass
class ApiArea:
    """A blueprint plus the operations it declares."""

    blueprint: Blueprint
    tag: str
    operations: list[Operation] = field(default_factory=list)

    def route(self, rule: str, method: str, summary: str, **options: Any) -> Callable[[View], View]:
        def register(view: View) -> View:
            op = Operation(
                rule=(self.blueprint.url_prefix or "") + rule,
                method=method.upper(),
                operation_id=view.__name__,
                summary=summary,
                tag=self.tag,
                **options,
            )
            self.operations.append(op)
            view.public = op.public  # type: ignore[attr-defined]
            self.blueprint.add_url_rule(rule, view_func=view, methods=[method.upper()])
            return view

        return register


AREAS: list[ApiArea] = []


def area(name: str, tag: str, url_prefix: str = "/api/v1") -> ApiArea:
    """A new blueprint registered for OpenAPI; one per module."""
    created = ApiArea(Blueprint(name, __name__, url_prefix=url_prefix), tag)
    created.blueprint.before_request(_authenticate_unless_public)
    AREAS.append(created)
    return created


def _authenticate_unless_public() -> None:
    """Every non-public operation checks its token first: no token means 401, whatever the body."""
    from issuer.api.context import authenticate_request

    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "public", False):
        authenticate_request()
