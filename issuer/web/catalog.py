"""The catalog page, ``/programs`` (SPEC §8): search and filters in the URL (a GET form), so a
filtered list can be bookmarked and shared; the same use case as ``GET /api/v1/catalog``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from issuer.api.query import choice_arg, id_arg
from issuer.domain.actors import SYSTEM
from issuer.domain.mail import METHOD_WORDS
from issuer.domain.states import LearningMethod
from issuer.errors import ValidationFailed
from issuer.web import read_as
from issuer.workflow.programs.catalog import Catalog, CatalogFilters, catalog

blueprint = Blueprint("program_catalog", __name__)
PER_PAGE = 12
FILTERS = ("q", "issuer_id", "learning_method", "alignment")
METHODS = [
    (m.value, METHOD_WORDS[m.value][:1].upper() + METHOD_WORDS[m.value][1:])
    for m in LearningMethod
    if m is not LearningMethod.PRIOR_TRAINING
]


@blueprint.get("/programs")
def catalog_page() -> tuple[str, int]:
    asked = {name: request.args.get(name, "") for name in FILTERS}
    try:
        filters = CatalogFilters(
            q=asked["q"] or None,
            issuer_id=id_arg("issuer_id", "an issuer from the list"),
            learning_method=choice_arg("learning_method", LearningMethod),
            alignment=asked["alignment"] or None,
        )
        page = _page_number()
        found = read_as(
            SYSTEM,
            lambda ctx: catalog(ctx, filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE),
        )
        error, status = None, 200
    except ValidationFailed as exc:
        unfiltered = CatalogFilters()
        found = read_as(SYSTEM, lambda ctx: catalog(ctx, unfiltered, limit=0))
        found = Catalog([], 0, [], found.issuers, found.alignments)
        page, error, status = 1, _words(exc), 400
    return render_template(
        "catalog.html",
        found=found,
        asked=asked,
        methods=METHODS,
        method_words=dict(METHODS),
        error=error,
        pages=_pages(found.total, page, asked),
    ), status


def _page_number() -> int:
    value = request.args.get("page", "")
    if value == "":
        return 1
    if not (value.isascii() and value.isdigit() and len(value) <= 6) or int(value) < 1:
        raise ValidationFailed(fields={"page": "must be a page number"})
    return int(value)


def _pages(total: int, current: int, asked: dict[str, str]) -> dict[str, Any]:
    """The pagination links, keeping the filters; ``None`` where there is no such page."""
    count = max(1, -(-total // PER_PAGE))
    kept = {k: v for k, v in asked.items() if v}

    def link(number: int) -> str | None:
        if not 1 <= number <= count:
            return None
        return url_for(
            "program_catalog.catalog_page", **kept, **({"page": number} if number > 1 else {})
        )

    return {
        "current": current,
        "count": count,
        "previous": link(current - 1),
        "next": link(current + 1),
        "links": [(n, link(n)) for n in range(1, count + 1)],
    }


def _words(exc: ValidationFailed) -> str:
    names = {"q": "search", "issuer_id": "issuer", "learning_method": "learning method"}
    fields = ", ".join(names.get(f, f) for f in sorted(exc.fields)) or "filter"
    return f"Choose the {fields} again: that value is not one the catalog offers."
