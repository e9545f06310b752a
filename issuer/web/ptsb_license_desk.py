"""PTSB's license desk (SPEC §8, PTSB): pending completion notices with an acknowledge form
each (license number prefilled from the educator's record, certificate reference, date), the
history of acknowledged ones, search by name or license number, pages, the CSV export of the
same lines, and credit-hour totals per educator. Signed-in ``ptsb`` only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from issuer.domain.actors import Actor
from issuer.domain.spreadsheet import csv_records
from issuer.errors import Conflict, NotFound, ValidationFailed
from issuer.web import csrf, pages
from issuer.web.ptsb import board_staff
from issuer.workflow.integrations import license_desk, notices

blueprint = Blueprint("license_desk", __name__, template_folder="templates")
PER_PAGE = 20
TABS = {notices.PENDING: "Pending", notices.ACKNOWLEDGED: "History"}
MAX_LICENSE, MAX_REFERENCE = 64, 200


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


@dataclass(frozen=True)
class Filters:
    """The desk's filters from the query string: the tab, the search words and the offset."""

    status: str
    q: str
    offset: int

    @classmethod
    def from_request(cls) -> Filters:
        status = request.args.get("status") or notices.PENDING
        offset = request.args.get("offset", "0")
        return cls(
            status=status,
            q=request.args.get("q", ""),
            offset=int(offset) if offset.isascii() and offset.isdigit() and len(offset) < 9 else 0,
        )

    def url(self, endpoint: str = "license_desk.desk", **changes: Any) -> str:
        values = {"status": self.status, "q": self.q, "offset": self.offset, **changes}
        kept = {k: v for k, v in values.items() if v not in ("", 0, None)}
        if endpoint != "license_desk.desk_csv" and kept.get("status") == notices.PENDING:
            del kept["status"]  # the desk's default list
        return url_for(endpoint, **kept)


@dataclass(frozen=True)
class AckForm:
    """The acknowledge form as posted, with what is wrong with it."""

    notice_id: int
    license_number: str
    certificate_reference: str
    on: str
    errors: dict[str, str]

    @classmethod
    def from_request(cls, notice_id: int) -> AckForm:
        license_number = request.form.get("license_number", "").strip()
        reference = request.form.get("certificate_reference", "").strip()
        on = request.form.get("date", "").strip()
        errors: dict[str, str] = {}
        if not license_number or len(license_number) > MAX_LICENSE:
            errors["license_number"] = "Enter the educator's license number."
        if not reference:
            errors["certificate_reference"] = "Enter the certificate reference from the license."
        elif len(reference) > MAX_REFERENCE:
            errors["certificate_reference"] = (
                f"Keep the certificate reference under {MAX_REFERENCE} characters."
            )
        for field, text in (
            ("license_number", license_number),
            ("certificate_reference", reference),
        ):
            if field not in errors and any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in text):
                errors[field] = "Remove the control characters from this field."
        if on:
            try:
                date.fromisoformat(on)
            except ValueError:
                errors["date"] = "Enter the date as YYYY-MM-DD, for example 2026-12-04."
        return cls(notice_id, license_number, reference, on, errors)

    @property
    def summary(self) -> dict[str, str]:
        """The errors keyed by the ids their fields have on the page (one form per notice)."""
        return {f"{name}-{self.notice_id}": message for name, message in self.errors.items()}

    @property
    def day(self) -> date | None:
        return date.fromisoformat(self.on) if self.on else None


def _desk_page(actor: Actor, filters: Filters, form: AckForm | None, status: int) -> Any:
    try:
        page = pages.read(
            actor,
            lambda ctx: license_desk.desk(
                ctx, filters.status, filters.q, limit=PER_PAGE, offset=filters.offset
            ),
        )
        error = None
    except ValidationFailed as exc:
        error = _filter_words(exc)
        empty = Filters(notices.PENDING, "", 0)
        page = pages.read(
            actor, lambda ctx: license_desk.desk(ctx, empty.status, None, limit=0, offset=0)
        )
        filters, status = empty, 400
    return render_template(
        "ptsb/license_desk.html",
        page=page,
        filters=filters,
        tabs=TABS,
        form=form,
        error=error,
        today=date.today().isoformat(),
        per_page=PER_PAGE,
        hours=license_desk.credit_hours_words,
    ), status


def _filter_words(exc: ValidationFailed) -> str:
    if "status" in exc.fields:
        return "Choose Pending or History: that list does not exist."
    return "Search with a name or a license number (at most 200 characters, no control characters)."


@blueprint.get("/ptsb/notices")
def desk() -> Any:
    return _desk_page(board_staff(), Filters.from_request(), None, 200)


@blueprint.post("/ptsb/notices/<int:notice_id>/acknowledge")
def acknowledge(notice_id: int) -> Any:
    actor = board_staff()
    filters = Filters.from_request()
    form = AckForm.from_request(notice_id)
    if form.errors:
        return _desk_page(actor, filters, form, 422)
    try:
        line = pages.write(
            actor,
            lambda ctx: _acknowledged(
                ctx,
                notice_id,
                form,
            ),
        )
    except Conflict as exc:
        if exc.code != "already_acknowledged":
            raise
        flash("This notice was already acknowledged; it was not recorded twice.", "info")
        return redirect(filters.url(), code=303)
    except NotFound:
        abort(404, "No such completion notice.")
    flash(
        f"{line.program_name} is recorded on the license of {line.earner_name} "
        f"(certificate {line.certificate_reference}).",
        "success",
    )
    return redirect(filters.url(), code=303)


def _acknowledged(ctx: Any, notice_id: int, form: AckForm) -> license_desk.DeskLine:
    notices.acknowledge(
        ctx,
        notice_id,
        license_number=form.license_number,
        certificate_reference=form.certificate_reference,
        on=form.day,
    )
    return license_desk.desk_line(ctx, notice_id)


@blueprint.get("/ptsb/notices.csv")
def desk_csv() -> Response:
    actor = board_staff()
    status = request.args.get("status") or None
    q = request.args.get("q") or None
    lines = pages.read(actor, lambda ctx: list(license_desk.desk_lines(ctx, status, q)))
    rows = chain([license_desk.CSV_COLUMNS], (line.csv_row() for line in lines))
    name = f"completion-notices-{status or 'all'}.csv"
    return Response(
        csv_records(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.get("/ptsb/educators")
def educators() -> Any:
    actor = board_staff()
    filters = Filters.from_request()
    try:
        page = pages.read(
            actor,
            lambda ctx: license_desk.educator_totals(
                ctx, filters.q, limit=PER_PAGE, offset=filters.offset
            ),
        )
        error, status = None, 200
    except ValidationFailed as exc:
        page, error, status = license_desk.EducatorPage([], 0), _filter_words(exc), 400
    return render_template(
        "ptsb/educators.html",
        page=page,
        filters=filters,
        error=error,
        per_page=PER_PAGE,
        hours=license_desk.credit_hours_words,
    ), status
