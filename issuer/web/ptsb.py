"""PTSB's pages (SPEC §8, PTSB): the approval queue with a field-by-field comparison of each
submitted program version against the version in force (approve, or reject with a comment), and
the issuers (register one and invite its first admin). The license desk is in
``ptsb_license_desk.py``. Signed-in ``ptsb`` only: others get the 403 page, visitors the sign-in
page. Forms are CSRF-protected and post/redirect/get; a re-posted decision is refused by the
workflow and the page says so kindly."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from issuer.web import csrf, pages
from issuer.workflow.programs import approval_review, approvals, issuer_onboarding

blueprint = Blueprint("ptsb_pages", __name__, template_folder="templates")
MAX_COMMENT = 5000


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


def board_staff() -> Actor:
    """The signed-in board staff member; anyone else is turned away."""
    return pages.signed_in_as(Role.PTSB, refusal="These pages are for the board's staff (PTSB).")


# ---- Approval queue --------------------------------------------------------------------------


@blueprint.get("/ptsb/approvals")
def approval_queue() -> Any:
    actor = board_staff()
    lines = pages.read(actor, approval_review.approval_queue)
    return render_template("ptsb/approvals.html", lines=lines)


def _comparison(actor: Actor, program_id: int) -> approval_review.Comparison:
    return pages.read_or_abort(
        actor, lambda ctx: approval_review.compare(ctx, program_id), missing="No such program."
    )


def _comparison_page(
    actor: Actor, program_id: int, comment: str = "", errors: dict[str, str] | None = None
) -> Any:
    return render_template(
        "ptsb/approval.html",
        page=_comparison(actor, program_id),
        comment=comment,
        errors=errors or {},
    )


@blueprint.get("/ptsb/approvals/<int:program_id>")
def approval(program_id: int) -> Any:
    return _comparison_page(board_staff(), program_id)


@blueprint.post("/ptsb/approvals/<int:program_id>/decision")
def decide(program_id: int) -> Any:
    actor = board_staff()
    decision = request.form.get("decision", "")
    comment = request.form.get("comment", "").strip()
    errors: dict[str, str] = {}
    if decision not in ("approve", "reject"):
        errors["decision"] = "Choose to approve or to reject this version."
    elif decision == "reject" and not comment:
        errors["comment"] = "Say why the version is rejected: the issuer reads this comment."
    if len(comment) > MAX_COMMENT:
        errors["comment"] = f"Keep the comment under {MAX_COMMENT:,} characters."
    elif any(ord(ch) < 32 and ch not in "\t\n\r" for ch in comment):
        errors["comment"] = "Remove the control characters from the comment."
    if errors:
        return _comparison_page(actor, program_id, comment, errors), 422
    decide_fn = approvals.approve if decision == "approve" else approvals.reject
    try:
        result = pages.write(
            actor, lambda ctx: _decided(decide_fn(ctx, program_id, comment or None))
        )
    except InvalidTransition:  # a re-posted form, or another staff member decided first
        flash("This version was already decided; nothing was changed.", "info")
        return redirect(url_for("ptsb_pages.approval", program_id=program_id), code=303)
    except Forbidden as exc:
        abort(403, exc.message)
    except NotFound:
        abort(404, "No such program.")
    flash(
        f"{result[0]} version {result[1]} is approved and published."
        if decision == "approve"
        else f"{result[0]} version {result[1]} is rejected; the issuer is told why.",
        "success",
    )
    return redirect(url_for("ptsb_pages.approval", program_id=program_id), code=303)


def _decided(view: Any) -> tuple[str, int]:
    return view.latest.name, view.latest.version


# ---- Issuers ----------------------------------------------------------------------------------


def _issuers_page(actor: Actor, form: dict[str, str], errors: dict[str, str], status: int) -> Any:
    lines = pages.read(actor, issuer_onboarding.issuer_lines)
    return render_template("ptsb/issuers.html", lines=lines, form=form, errors=errors), status


@blueprint.get("/ptsb/issuers")
def issuers_page() -> Any:
    return _issuers_page(board_staff(), {}, {}, 200)


@blueprint.post("/ptsb/issuers")
def register_issuer() -> Any:
    actor = board_staff()
    form = {name: request.form.get(name, "") for name in issuer_onboarding.FIELDS}
    try:
        done = pages.write(actor, lambda ctx: issuer_onboarding.register_issuer(ctx, form))
    except ValidationFailed as exc:
        return _issuers_page(actor, form, dict(exc.fields), 422)
    except Conflict as exc:
        message = f"{exc.message} If you just sent this form, the issuer is in the list below."
        return _issuers_page(actor, form, {"admin_email": message}, 409)
    flash(
        f"{done.issuer_name} is registered. An invitation to sign in is on its way to "
        f"{done.admin_email}.",
        "success",
    )
    return redirect(url_for("ptsb_pages.issuers_page"), code=303)
