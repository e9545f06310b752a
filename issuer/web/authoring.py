"""The facilitator's authoring pages (SPEC §8, Facilitator "Programs"): the issuer's programs
(``/console/programs``, filter by status), one form to create and edit a program with every field
of §5 plus the next steps per learning method, the image and the rubric; a program's page with its
versions and actions (submit, retire, each confirmed first), the preview of its spec sheet; the
issuer's stacks. For the issuer's admins (``issuer_admin``; the preview also for PTSB). Forms are
CSRF-protected and post/redirect/get; a re-posted form never does the work twice."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from issuer.domain.actors import Actor
from issuer.domain.rubric import PASSING_SCORE, RUBRIC_LEVELS
from issuer.domain.states import ProgramStatus, Role
from issuer.errors import Conflict, Forbidden, NotFound, ValidationFailed
from issuer.web import csrf, pages
from issuer.web.program_form import METHOD_HINTS, METHODS, ProgramForm, StackForm
from issuer.workflow.programs import authoring, programs, spec_sheet, stacks
from issuer.workflow.programs.authoring import ProgramFormValues

blueprint = Blueprint("authoring", __name__, template_folder="templates")
FILTERS = [
    (status.value, authoring.STATUS_WORDS[status.value][0])
    for status in (
        ProgramStatus.DRAFT,
        ProgramStatus.SUBMITTED,
        ProgramStatus.APPROVED,
        ProgramStatus.REJECTED,
        ProgramStatus.RETIRED,
    )
]


@blueprint.before_request
def _protect_forms() -> None:
    csrf.protect()


def _facilitator() -> Actor:
    return pages.signed_in_as(
        Role.ISSUER_ADMIN, refusal="These pages are for the issuer's badge facilitators."
    )


def _to_program(program_id: int) -> Any:
    return redirect(url_for("authoring.program_page", program_id=program_id), code=303)


def _overview(actor: Actor, program_id: int) -> authoring.ProgramOverview:
    return pages.read_or_abort(
        actor,
        lambda ctx: authoring.program_overview(ctx, program_id),
        missing="No such program among yours.",
    )


# ---- The list ------------------------------------------------------------------------------


@blueprint.get("/console/programs")
def programs_list() -> Any:
    actor = _facilitator()
    asked = request.args.get("status", "")
    known = dict(FILTERS)
    if asked and asked not in known:
        lines = pages.read(actor, authoring.our_programs)
        error = "Choose a status from the list: that one is not a program status."
        return render_template(
            "authoring/programs.html", lines=lines, filters=FILTERS, asked="", error=error
        ), 400
    status = ProgramStatus(asked) if asked else None
    lines = pages.read(actor, lambda ctx: authoring.our_programs(ctx, status))
    return render_template(
        "authoring/programs.html",
        lines=lines,
        filters=FILTERS,
        asked=asked,
        asked_words=known.get(asked),
        error=None,
    )


# ---- The form ------------------------------------------------------------------------------


def _form_page(actor: Actor, form: ProgramForm, program_id: int | None, status: int = 200) -> Any:
    overview = _overview(actor, program_id) if program_id is not None else None
    choices = pages.read(actor, lambda ctx: authoring.program_choices(ctx, program_id))
    return render_template(
        "authoring/program_form.html",
        form=form,
        values=form.values,
        errors=form.errors,
        overview=overview,
        choices=choices,
        methods=METHODS,
        method_hints=METHOD_HINTS,
        levels=RUBRIC_LEVELS,
        passing=PASSING_SCORE,
    ), status


@blueprint.get("/console/programs/new")
def new_program() -> Any:
    actor = _facilitator()
    return _form_page(actor, ProgramForm.start(ProgramFormValues()), None)


@blueprint.post("/console/programs/new")
def create_program() -> Any:
    actor = _facilitator()
    form = ProgramForm.posted()
    if request.form.get("action") == "more_alignments":
        return _form_page(actor, form.more_rows(), None)
    form.check_schema("program_create", {"issuer_id": actor.issuer_id})
    if form.errors:
        return _form_page(actor, form, None, 422)
    name = form.fields["name"]
    twin = pages.read(actor, lambda ctx: authoring.recent_twin(ctx, name))
    if twin is not None:  # the same form posted again (double click, back button)
        flash(f"“{name}” was already saved as a draft; it was not created twice.", "info")
        return _to_program(twin)
    try:
        created = pages.write(
            actor,
            lambda ctx: programs.create_program(ctx, actor.issuer_id or 0, form.fields).program.id,
        )
    except ValidationFailed as exc:
        form.refused(exc)
        return _form_page(actor, form, None, 422)
    flash(
        f"“{name}” is saved as a draft. Preview it, then submit it for PTSB's approval.", "success"
    )
    return _to_program(created)


@blueprint.get("/console/programs/<int:program_id>/edit")
def edit_program(program_id: int) -> Any:
    actor = _facilitator()
    overview = _overview(actor, program_id)
    if not overview.may_edit:
        flash(_not_editable(overview), "info")
        return _to_program(program_id)
    values = pages.read(actor, lambda ctx: authoring.form_values(ctx, program_id))
    return _form_page(actor, ProgramForm.start(values), program_id)


def _not_editable(overview: authoring.ProgramOverview) -> str:
    if overview.latest.status == ProgramStatus.SUBMITTED.value:
        return (
            f"Version {overview.latest.version} is waiting for PTSB's decision: "
            "it can be edited again once PTSB approves or rejects it."
        )
    return "This program is retired: it can no longer be edited."


@blueprint.post("/console/programs/<int:program_id>/edit")
def save_program(program_id: int) -> Any:
    actor = _facilitator()
    overview = _overview(actor, program_id)
    stored = pages.read(actor, lambda ctx: authoring.form_values(ctx, program_id)).image_url
    form = ProgramForm.posted(stored_image=stored)
    if request.form.get("action") == "more_alignments":
        return _form_page(actor, form.more_rows(), program_id)
    form.check_schema("program_update")
    if form.errors:
        return _form_page(actor, form, program_id, 422)
    try:
        saved = pages.write(actor, lambda ctx: programs.edit_program(ctx, program_id, form.fields))
    except ValidationFailed as exc:
        form.refused(exc)
        return _form_page(actor, form, program_id, 422)
    except Conflict:  # submitted meanwhile (another tab) or retired
        flash(_not_editable(overview) + " Your changes were not saved.", "error")
        return _to_program(program_id)
    except (Forbidden, NotFound):
        abort(404, "No such program among yours.")
    if saved.latest.version != overview.latest.version:
        flash(
            f"Version {saved.latest.version} is saved as a draft. Version "
            f"{overview.latest.version} stays in force until PTSB approves the new one.",
            "success",
        )
    else:
        flash(f"Your changes to version {saved.latest.version} are saved.", "success")
    return _to_program(program_id)


# ---- One program ---------------------------------------------------------------------------


@blueprint.get("/console/programs/<int:program_id>")
def program_page(program_id: int) -> Any:
    actor = _facilitator()
    return render_template("authoring/program.html", program=_overview(actor, program_id))


@blueprint.get("/console/programs/<int:program_id>/preview")
def preview(program_id: int) -> Any:
    """The spec sheet of the newest version, marked as a preview: the issuer's admins and PTSB."""
    actor = pages.signed_in_as(
        Role.ISSUER_ADMIN, Role.PTSB, refusal="Only the program's issuer and PTSB see previews."
    )
    try:
        sheet = pages.read(actor, lambda ctx: spec_sheet.preview_sheet(ctx, program_id))
        latest = pages.read(actor, lambda ctx: programs.view(ctx, program_id).latest.status)
    except NotFound:
        abort(404, "No such program among yours.")
    back = (
        (url_for("authoring.program_page", program_id=program_id), "Back to the program")
        if actor.role is Role.ISSUER_ADMIN
        else (url_for("program_catalog.catalog_page"), "Micro-credentials")
    )
    return render_template(
        "spec_sheet.html",
        sheet=sheet,
        prior_training=False,
        preview={
            "back_url": back[0],
            "back_words": back[1],
            "status_words": authoring.STATUS_WORDS[latest][0].lower(),
        },
    )


@blueprint.route("/console/programs/<int:program_id>/submit", methods=["GET", "POST"])
def submit(program_id: int) -> Any:
    actor = _facilitator()
    overview = _overview(actor, program_id)
    if request.method == "GET":
        if not overview.may_submit:
            flash(_not_submittable(overview), "info")
            return _to_program(program_id)
        return render_template("authoring/confirm.html", program=overview, action="submit")
    try:
        pages.write(actor, lambda ctx: programs.submit_program(ctx, program_id))
    except Conflict:  # a re-post, or not a draft any more
        flash(_not_submittable(_overview(actor, program_id)), "info")
        return _to_program(program_id)
    flash(
        f"Version {overview.latest.version} of “{overview.latest_name}” is sent to PTSB. "
        "You get an email when PTSB decides.",
        "success",
    )
    return _to_program(program_id)


def _not_submittable(overview: authoring.ProgramOverview) -> str:
    status = overview.latest.status
    if status == ProgramStatus.SUBMITTED.value:
        return (
            f"Version {overview.latest.version} is already waiting for PTSB; it was not sent twice."
        )
    if status == ProgramStatus.REJECTED.value:
        return "PTSB rejected this version: edit it first, then submit it again."
    if status == ProgramStatus.APPROVED.value:
        return "This version is approved already. Edit the program to start a new version."
    return "This program cannot be submitted now."


@blueprint.route("/console/programs/<int:program_id>/retire", methods=["GET", "POST"])
def retire(program_id: int) -> Any:
    actor = _facilitator()
    overview = _overview(actor, program_id)
    if overview.retired:
        flash("This program is retired already; nothing changed.", "info")
        return _to_program(program_id)
    if request.method == "GET":
        return render_template("authoring/confirm.html", program=overview, action="retire")
    pages.write(actor, lambda ctx: programs.retire_program(ctx, program_id))
    flash(
        f"“{overview.name}” is retired: educators can no longer enrol. Badges already issued "
        "stay valid.",
        "success",
    )
    return _to_program(program_id)


# ---- Stacks --------------------------------------------------------------------------------


@blueprint.get("/console/stacks")
def stacks_list() -> Any:
    actor = _facilitator()
    lines = pages.read(actor, authoring.our_stacks)
    return render_template("authoring/stacks.html", lines=lines)


def _stack_form(
    actor: Actor, form: StackForm, status: int = 200, stack_id: int | None = None
) -> Any:
    choices = pages.read(actor, lambda ctx: authoring.program_choices(ctx))
    return render_template(
        "authoring/stack_form.html",
        form=form,
        errors=form.errors,
        choices=choices,
        stack_id=stack_id,
    ), status


@blueprint.get("/console/stacks/new")
def new_stack() -> Any:
    actor = _facilitator()
    return _stack_form(actor, StackForm.empty())


@blueprint.post("/console/stacks/new")
def create_stack() -> Any:
    actor = _facilitator()
    form = StackForm.posted()
    if form.errors:
        return _stack_form(actor, form, 422)
    twin = pages.read(actor, lambda ctx: authoring.stack_twin(ctx, form.name))
    if twin is not None:
        flash(f"The stack “{form.name}” was already created; it was not created twice.", "info")
        return redirect(url_for("authoring.stacks_list"), code=303)
    try:
        pages.write(
            actor,
            lambda ctx: stacks.create_stack(
                ctx,
                issuer_id=actor.issuer_id or 0,
                name=form.name,
                description=form.description,
                program_ids=form.program_ids,
                required=form.required,
                credit_hours=form.credit_hours,
            ),
        )
    except ValidationFailed as exc:
        form.refused(exc)
        return _stack_form(actor, form, 422)
    flash(f"The stack “{form.name}” is created.", "success")
    return redirect(url_for("authoring.stacks_list"), code=303)


def _own_stack(actor: Actor, stack_id: int) -> authoring.StackLine:
    return pages.read_or_abort(
        actor, lambda ctx: authoring.our_stack(ctx, stack_id), missing="No such stack among yours."
    )


@blueprint.get("/console/stacks/<int:stack_id>/edit")
def edit_stack(stack_id: int) -> Any:
    actor = _facilitator()
    line = _own_stack(actor, stack_id)
    if line.awarded:
        flash(f"“{line.name}” has been earned already, so it can no longer change.", "info")
        return redirect(url_for("authoring.stacks_list"), code=303)
    return _stack_form(actor, StackForm.start(line), stack_id=stack_id)


@blueprint.post("/console/stacks/<int:stack_id>/edit")
def save_stack(stack_id: int) -> Any:
    actor = _facilitator()
    _own_stack(actor, stack_id)
    form = StackForm.posted()
    if form.errors:
        return _stack_form(actor, form, 422, stack_id)
    try:
        pages.write(
            actor,
            lambda ctx: stacks.edit_stack(
                ctx,
                stack_id,
                name=form.name,
                description=form.description,
                program_ids=form.program_ids,
                required=form.required,
                credit_hours=form.credit_hours,
            ),
        )
    except ValidationFailed as exc:
        form.refused(exc)
        return _stack_form(actor, form, 422, stack_id)
    except Conflict as exc:
        flash(f"{exc.message} Your changes were not saved.", "error")
        return redirect(url_for("authoring.stacks_list"), code=303)
    flash(f"The stack “{form.name}” is saved.", "success")
    return redirect(url_for("authoring.stacks_list"), code=303)
