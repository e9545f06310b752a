"""The public catalog as JSON (SPEC §8): the same as the ``/programs`` page, without a token."""

from __future__ import annotations

from typing import Any

from flask import request

from issuer.api.context import read_public
from issuer.api.query import MAX_LIMIT, choice_arg, id_arg, page_args
from issuer.api.routing import QueryParam, area
from issuer.domain.states import LearningMethod
from issuer.workflow import present
from issuer.workflow.programs.catalog import CatalogFilters, catalog

api = area("catalog", "Catalog")


@api.route(
    "/catalog",
    "GET",
    "Approved programs (the version in force) and stacks, searched and filtered",
    public=True,
    query=(
        QueryParam("q", {"type": "string", "maxLength": 200}, "words of the program's name"),
        QueryParam("issuer_id", {"type": "integer", "minimum": 1}, "an issuer's id"),
        QueryParam(
            "learning_method",
            {"type": "string", "enum": [m.value for m in LearningMethod]},
        ),
        QueryParam("alignment", {"type": "string"}, "an alignment's target name, exactly"),
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
        QueryParam("offset", {"type": "integer", "minimum": 0}),
    ),
    errors=(422,),
)
def get_catalog() -> dict[str, Any]:
    filters = CatalogFilters(
        q=request.args.get("q") or None,
        issuer_id=id_arg("issuer_id", "an issuer id"),
        learning_method=choice_arg("learning_method", LearningMethod),
        alignment=request.args.get("alignment") or None,
    )
    limit, offset = page_args()
    return read_public(
        lambda ctx: present.catalog(catalog(ctx, filters, limit=limit, offset=offset))
    )
