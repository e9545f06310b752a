"""The facilitator's authoring pages (SPEC §8, Facilitator "Programs"): the issuer's programs,
the program form (every field of §5, next steps per method, image, rubric), a program's page with
submit and retire, the spec sheet preview, the stacks. For the issuer's admins only."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from issuer.domain.rubric import TASK_NEUTRAL_RUBRIC
from issuer.models import AuditEntry, Program, ProgramVersion, Stack

from .conftest import csrf_from, set_password, sign_in

IMAGES = Path(__file__).resolve().parents[1] / "fixtures" / "images"
ADMIN_EMAIL = "facilitator@district.example.org"


def _db(client):
    return client.application.extensions["issuer.services"].db


def _versions(client, program_id: int) -> list[tuple[int, str, str]]:
    with _db(client).session() as session:
        rows = session.execute(
            select(ProgramVersion.version, ProgramVersion.status, ProgramVersion.name)
            .where(ProgramVersion.program_id == program_id)
            .order_by(ProgramVersion.version)
        )
        return [tuple(row) for row in rows]


def _count(client, model, *where) -> int:
    with _db(client).session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _staff(api, client, role: str, email: str, issuer_id: int | None) -> None:
    """An account of ``role`` with a password, signed in on ``client``."""
    if issuer_id is not None:
        api.account(role, issuer_id, email=email)
    else:
        api.account(role, email=email)
    assert set_password(client, api.password_link(email)).status_code == 302
    assert sign_in(client, email).status_code == 302


@pytest.fixture
def facilitator(api, district, client):
    """(issuer id, admin API token): the district's facilitator, signed in on ``client``."""
    issuer_id, admin = district
    _staff(api, client, "issuer_admin", ADMIN_EMAIL, issuer_id)
    return issuer_id, admin


def _token(client) -> str:
    return csrf_from(client.get("/console/programs/new").data.decode())


def _form(**changes) -> dict:
    data = {
        "name": "Culturally Responsive Teaching",
        "description": "Plans lessons that draw on students' cultures.",
        "criteria": "A unit plan and a reflection scored 3 or higher.",
        "competencies": "Knows the students' communities\nAdapts materials",
        "estimated_hours": "12",
        "credit_hours": "0.5",
        "learning_methods": ["online", "face_to_face"],
        "next_steps-online": "Open the modules at https://learn.example.org with code CRT-2026.",
        "next_steps-face_to_face": "Sessions on Tuesdays in room 12.",
        "next_steps-own_path": "",
        "alignment-0-target_name": "InTASC Standard 2",
        "alignment-0-target_url": "https://standards.example.org/intasc/2",
        "alignment-0-framework": "InTASC",
        "alignment-1-target_name": "",
        "alignment-1-target_url": "",
        "alignment-1-framework": "",
        "validity_days": "",
        "prior_training_eligible": "on",
        **{f"rubric-{level.level}": level.descriptor for level in TASK_NEUTRAL_RUBRIC},
        "action": "save",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _post_new(client, **changes):
    data = {**_form(**changes), "csrf_token": _token(client)}
    return client.post("/console/programs/new", data=data, content_type="multipart/form-data")


def _program_id(response) -> int:
    match = re.search(r"/console/programs/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


# ---- Who may open the pages --------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/console/programs")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


@pytest.mark.parametrize("role", ["earner", "reviewer", "ptsb"])
def test_other_roles_get_the_403_page(api, district, client, role):
    issuer_id, _ = district
    _staff(
        api, client, role, f"{role}@example.org", None if role in ("ptsb", "earner") else issuer_id
    )
    for path in ("/console/programs", "/console/programs/new", "/console/stacks"):
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 403, path
        assert "text/html" in response.content_type


def test_the_facilitator_sees_our_programs_in_the_navigation(client, facilitator):
    html = client.get("/console/programs").data.decode()
    assert 'href="/console/programs"' in html and ">Our programs<" in html
    assert 'aria-current="page"' in html


def test_another_issuers_program_page_is_404(api, client, facilitator):
    other_issuer, other_admin = api.issuer("Other District")
    program_id = api.program(other_admin, other_issuer)["id"]
    for path in ("", "/edit", "/preview", "/submit", "/retire"):
        assert client.get(f"/console/programs/{program_id}{path}").status_code == 404, path


# ---- The list ------------------------------------------------------------------------------


def test_the_list_shows_version_status_and_the_version_in_force(api, client, facilitator):
    issuer_id, admin = facilitator
    approved = api.approved_program(admin, issuer_id, name="PL Foundations")
    api.ok("PATCH", f"/programs/{approved}", admin, {"description": "Now with a new module."})
    api.program(admin, issuer_id, name="Peer Coaching")
    html = client.get("/console/programs").data.decode()
    row = html[html.index("PL Foundations") :].split("</tr>")[0]
    assert ">2<" in row and "Draft" in row and "Version 1" in row
    assert "Peer Coaching" in html and "None yet" in html


def test_the_list_filters_by_status(api, client, facilitator):
    issuer_id, admin = facilitator
    submitted = api.program(admin, issuer_id, name="Waiting Program")["id"]
    api.ok("POST", f"/programs/{submitted}/submit", admin, status=200)
    api.program(admin, issuer_id, name="Drafted Program")
    html = client.get("/console/programs?status=submitted").data.decode()
    assert "Waiting Program" in html and "Drafted Program" not in html
    assert "Awaiting PTSB" in html


def test_an_unknown_status_filter_is_a_400_page_that_says_so(client, facilitator):
    response = client.get("/console/programs?status=lost")
    assert response.status_code == 400
    assert "Choose a status from the list" in response.data.decode()


def test_a_rejected_program_shows_ptsbs_comment(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.program(admin, issuer_id)["id"]
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    api.ok(
        "POST", f"/programs/{program_id}/reject", api.ptsb, {"comment": "Add a rubric."}, status=200
    )
    assert "Add a rubric." in client.get("/console/programs").data.decode()
    page = client.get(f"/console/programs/{program_id}").data.decode()
    assert "Rejected" in page and "Add a rubric." in page


# ---- The form ------------------------------------------------------------------------------


def test_the_new_form_offers_every_field_with_defaults(api, client, facilitator):
    issuer_id, admin = facilitator
    api.program(admin, issuer_id, name="PL Foundations")
    html = client.get("/console/programs/new").data.decode()
    for control in (
        'name="name"',
        'name="description"',
        'name="criteria"',
        'name="competencies"',
        'name="estimated_hours"',
        'name="learning_methods" value="own_path"',
        'name="next_steps-online"',
        'type="file" id="image"',
        'name="alignment-0-target_url"',
        'name="validity_days"',
        'name="prior_training_eligible"',
        'name="rubric-4"',
    ):
        assert control in html, control
    assert 'id="credit_hours" name="credit_hours"' in html and 'value="0.5"' in html
    assert TASK_NEUTRAL_RUBRIC[2].descriptor in html  # the Task Neutral Rubric, prefilled
    assert ">PL Foundations<" in html  # a prerequisite chosen by name


def test_enter_in_a_field_saves_the_form_rather_than_adding_an_alignment(client, facilitator):
    """A browser submits a form by Enter through its first submit button."""
    html = client.get("/console/programs/new").data.decode()
    form = html[html.index('class="usa-form usa-form--large program-form"') :]
    first_button = re.search(r'<button type="submit"[^>]*value="([a-z_]+)"', form)
    assert first_button is not None and first_button.group(1) == "save"


def test_creating_a_program_stores_every_field_as_a_draft(api, client, facilitator):
    issuer_id, admin = facilitator
    foundations = api.program(admin, issuer_id, name="PL Foundations")["id"]
    descriptors = {f"rubric-{n}": f"Level {n} in this program's words." for n in range(1, 5)}
    response = _post_new(
        client, prerequisites=[str(foundations)], validity_days="730", **descriptors
    )
    assert response.status_code == 303
    program_id = _program_id(response)
    body = api.ok("GET", f"/programs/{program_id}", admin, status=200)
    assert body["status"] == "draft" and body["version"] == 1
    assert body["competencies"] == ["Knows the students' communities", "Adapts materials"]
    assert body["estimated_hours"] == 12 and body["credit_hours"] == 0.5
    assert body["learning_methods"] == ["online", "face_to_face"]
    assert body["next_steps"]["online"].endswith("code CRT-2026.")
    assert body["alignments"] == [
        {
            "target_name": "InTASC Standard 2",
            "target_url": "https://standards.example.org/intasc/2",
            "framework": "InTASC",
        }
    ]
    assert body["prerequisites"] == [foundations] and body["validity_days"] == 730
    assert body["prior_training_eligible"] is True
    assert [level["descriptor"] for level in body["rubric"]][
        3
    ] == "Level 4 in this program's words."
    assert not body["rubric_is_default"]


def test_unchanged_rubric_descriptors_keep_the_task_neutral_default(api, client, facilitator):
    _, admin = facilitator
    program_id = _program_id(_post_new(client))
    assert api.ok("GET", f"/programs/{program_id}", admin, status=200)["rubric_is_default"]


def test_a_refused_form_keeps_every_value_and_names_each_field(client, facilitator):
    response = _post_new(
        client, name="", estimated_hours="ten", **{"alignment-0-target_url": "ftp://x"}
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert _count(client, Program) == 0
    # the error summary at the top links each field; each error sits at its field
    assert 'href="#name"' in html and 'href="#estimated_hours"' in html
    assert 'href="#alignment-0-target_url"' in html
    assert 'id="name-error"' in html and 'aria-describedby="name-error"' in html
    assert 'id="estimated_hours-error"' in html
    assert "Enter the program&#39;s name." in html
    # every other value as entered
    assert "Plans lessons that draw on students&#39; cultures." in html
    assert "Adapts materials" in html and 'value="ten"' in html
    assert "code CRT-2026." in html and 'value="InTASC Standard 2"' in html
    assert 'value="online" checked' in html and 'value="own_path">' in html


def test_a_workflow_refusal_re_renders_the_form_with_the_field_named(api, client, facilitator):
    issuer_id, admin = facilitator
    response = _post_new(client, prerequisites=["999999"])
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="prerequisites-error"' in html and "Prerequisites: unknown program" in html
    assert 'value="Culturally Responsive Teaching"' in html


def test_no_learning_method_is_refused_at_the_fieldset(client, facilitator):
    response = _post_new(client, learning_methods=None)
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="learning_methods-error"' in html and "Choose at least one learning method." in html


def test_next_steps_of_a_method_not_offered_are_kept_on_the_form_but_not_stored(
    api, client, facilitator
):
    _, admin = facilitator
    response = _post_new(client, **{"next_steps-own_path": "Find your own way."})
    body = api.ok("GET", f"/programs/{_program_id(response)}", admin, status=200)
    assert "own_path" not in body["next_steps"]


def test_the_form_without_a_csrf_token_is_refused(client, facilitator):
    response = client.post(
        "/console/programs/new", data=_form(), content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert _count(client, Program) == 0


def test_a_double_posted_new_program_is_created_once(client, facilitator):
    first = _post_new(client)
    second = _post_new(client)
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert _count(client, Program) == 1
    assert "not created twice" in client.get(second.headers["Location"]).data.decode()


def test_add_another_alignment_saves_nothing_and_offers_one_more_row(client, facilitator):
    response = _post_new(client, action="more_alignments")
    assert response.status_code == 200
    html = response.data.decode()
    assert 'name="alignment-3-target_name"' in html and 'value="InTASC Standard 2"' in html
    assert _count(client, Program) == 0


# ---- The image -----------------------------------------------------------------------------


def _with_image(client, filename: str, **changes):
    data = {
        **_form(**changes),
        "csrf_token": _token(client),
        "image": (io.BytesIO((IMAGES / filename).read_bytes()), filename),
    }
    return client.post("/console/programs/new", data=data, content_type="multipart/form-data")


def test_a_png_upload_is_stored_with_the_program(client, facilitator):
    response = _with_image(client, "badge.png")
    assert response.status_code == 303
    with _db(client).session() as session:
        stored = session.scalar(select(ProgramVersion))
        assert stored.image == (IMAGES / "badge.png").read_bytes()
        assert stored.image_type == "image/png"


def test_an_svg_with_a_script_is_refused_with_the_error_at_the_image_field(client, facilitator):
    response = _with_image(client, "script.svg")
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="image-error"' in html and "That image was refused" in html
    assert 'href="#image"' in html
    assert _count(client, Program) == 0


def test_an_accepted_image_is_kept_when_another_field_is_refused(client, facilitator):
    refused = _with_image(client, "badge.svg", name="")
    assert refused.status_code == 422
    kept = re.search(r'name="image_kept" value="([^"]+)"', refused.data.decode())
    assert kept and kept.group(1).startswith("data:image/svg+xml;base64,")
    data = {**_form(), "csrf_token": _token(client), "image_kept": kept.group(1)}
    saved = client.post("/console/programs/new", data=data, content_type="multipart/form-data")
    assert saved.status_code == 303
    with _db(client).session() as session:
        assert session.scalar(select(ProgramVersion.image)) == (IMAGES / "badge.svg").read_bytes()


# ---- Editing ---------------------------------------------------------------------------------


def _edit(client, program_id: int, **changes):
    page = client.get(f"/console/programs/{program_id}/edit")
    assert page.status_code == 200
    data = {**_form(**changes), "csrf_token": csrf_from(page.data.decode())}
    return client.post(
        f"/console/programs/{program_id}/edit", data=data, content_type="multipart/form-data"
    )


def test_the_edit_form_starts_from_the_stored_version(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.program(
        admin, issuer_id, next_steps={"online": "Modules at https://learn.example.org"}
    )["id"]
    html = client.get(f"/console/programs/{program_id}/edit").data.decode()
    assert 'value="Formative Assessment"' in html
    assert "Modules at https://learn.example.org" in html
    assert "Designs checks for understanding" in html


def test_editing_a_draft_changes_it_in_place(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.program(admin, issuer_id)["id"]
    response = _edit(client, program_id, name="Formative Assessment II")
    assert response.status_code == 303
    assert _versions(client, program_id) == [(1, "draft", "Formative Assessment II")]


def test_editing_an_approved_program_creates_a_draft_and_keeps_the_approved_in_force(
    api, client, facilitator
):
    issuer_id, admin = facilitator
    program_id = api.approved_program(admin, issuer_id)
    form = client.get(f"/console/programs/{program_id}/edit").data.decode()
    assert "Saving creates version 2" in form and "stays in force" in form
    response = _edit(client, program_id, name="Formative Assessment, revised")
    assert response.status_code == 303
    assert _versions(client, program_id) == [
        (1, "approved", "Formative Assessment"),
        (2, "draft", "Formative Assessment, revised"),
    ]
    page = client.get(response.headers["Location"]).data.decode()
    assert "Version 1 stays in force" in page
    public = client.get(f"/programs/{program_id}").data.decode()
    assert "<h1>Formative Assessment</h1>" in public


def test_a_re_posted_edit_of_an_approved_program_makes_one_new_version(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.approved_program(admin, issuer_id)
    _edit(client, program_id, name="Revised")
    _edit(client, program_id, name="Revised")
    assert [v for v, _, _ in _versions(client, program_id)] == [1, 2]


def test_a_submitted_program_is_not_editable(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.program(admin, issuer_id)["id"]
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    response = client.get(f"/console/programs/{program_id}/edit")
    assert response.status_code == 303
    assert "waiting for PTSB" in client.get(response.headers["Location"]).data.decode()


# ---- Submit, retire ----------------------------------------------------------------------------


def _confirm(client, program_id: int, action: str):
    page = client.get(f"/console/programs/{program_id}/{action}")
    assert page.status_code == 200
    return client.post(
        f"/console/programs/{program_id}/{action}",
        data={"csrf_token": csrf_from(page.data.decode())},
    )


def test_submit_asks_first_then_submits_once(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.program(admin, issuer_id)["id"]
    page = client.get(f"/console/programs/{program_id}/submit").data.decode()
    assert "Send version 1 to PTSB?" in page
    token = csrf_from(page)
    first = client.post(f"/console/programs/{program_id}/submit", data={"csrf_token": token})
    second = client.post(f"/console/programs/{program_id}/submit", data={"csrf_token": token})
    assert first.status_code == second.status_code == 303
    assert _versions(client, program_id)[0][1] == "submitted"
    assert "was not sent twice" in client.get(second.headers["Location"]).data.decode()
    with _db(client).session() as session:
        submitted = (
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "program.submitted")
        )
        assert session.scalar(submitted) == 1


def test_submit_without_a_csrf_token_is_refused(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.program(admin, issuer_id)["id"]
    response = client.post(f"/console/programs/{program_id}/submit", data={})
    assert response.status_code == 400
    assert _versions(client, program_id)[0][1] == "draft"


def test_retire_explains_what_it_does_and_retires_once(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.approved_program(admin, issuer_id)
    page = client.get(f"/console/programs/{program_id}/retire").data.decode()
    assert "educators can no longer enrol" in page and "Badges already issued stay valid" in page
    token = csrf_from(page)
    first = client.post(f"/console/programs/{program_id}/retire", data={"csrf_token": token})
    second = client.post(f"/console/programs/{program_id}/retire", data={"csrf_token": token})
    assert first.status_code == second.status_code == 303
    assert _versions(client, program_id)[0][1] == "retired"
    assert "retired already" in client.get(second.headers["Location"]).data.decode()
    with _db(client).session() as session:
        retired = (
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "program.retired")
        )
        assert session.scalar(retired) == 1


def test_the_program_page_links_the_public_spec_sheet_once_approved(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.approved_program(admin, issuer_id)
    html = client.get(f"/console/programs/{program_id}").data.decode()
    assert f'/programs/{program_id}"' in html and "The public spec sheet" in html
    assert "(in force)" in html


# ---- The preview -------------------------------------------------------------------------------


def test_the_preview_shows_the_draft_marked_not_published(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = _program_id(_with_image(client, "badge.png"))
    response = client.get(f"/console/programs/{program_id}/preview")
    assert response.status_code == 200
    html = response.data.decode()
    assert "Preview — not published" in html
    assert "Culturally Responsive Teaching" in html and "code CRT-2026." in html
    assert 'src="data:image/png;base64,' in html
    assert "Enrol in" not in html
    assert client.get(f"/programs/{program_id}").status_code == 404  # not public


def test_the_preview_is_not_for_the_public(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    response = api.client.get(f"/console/programs/{program_id}/preview")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_the_preview_is_not_for_another_issuers_admin(api, client, facilitator):
    other_issuer, other_admin = api.issuer("Other District")
    program_id = api.program(other_admin, other_issuer)["id"]
    assert client.get(f"/console/programs/{program_id}/preview").status_code == 404


def test_ptsb_may_read_the_preview(api, district, client):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    _staff(api, client, "ptsb", "reader@ptsb.example.org", None)
    response = client.get(f"/console/programs/{program_id}/preview")
    assert response.status_code == 200 and "Preview — not published" in response.data.decode()


# ---- Stacks ----------------------------------------------------------------------------------


def _stack_post(client, **changes):
    token = csrf_from(client.get("/console/stacks/new").data.decode())
    data = {"name": "Assessment Leader", "description": "Three assessment badges.", **changes}
    return client.post("/console/stacks/new", data={**data, "csrf_token": token})


def test_a_stack_is_created_with_its_programs_in_order(api, client, facilitator):
    issuer_id, admin = facilitator
    first = api.approved_program(admin, issuer_id, name="First Badge")
    second = api.approved_program(admin, issuer_id, name="Second Badge")
    response = _stack_post(
        client, program=[str(second), str(first), ""], rule="some", required="1", credit_hours="1"
    )
    assert response.status_code == 303
    listed = client.get("/console/stacks").data.decode()
    assert listed.index("Second Badge") < listed.index("First Badge")
    assert "Earn 1 of 2" in listed
    with _db(client).session() as session:
        stack = session.scalar(select(Stack))
        assert [m.program_id for m in stack.members] == [second, first]
        assert stack.required == 1


def test_a_stack_without_programs_is_refused_at_the_first_select(client, api, facilitator):
    issuer_id, admin = facilitator
    api.program(admin, issuer_id)
    response = _stack_post(client, program=["", ""])
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="program-1-error"' in html and 'value="Assessment Leader"' in html
    assert _count(client, Stack) == 0


def test_a_double_posted_stack_is_created_once(api, client, facilitator):
    issuer_id, admin = facilitator
    program_id = api.program(admin, issuer_id)["id"]
    _stack_post(client, program=[str(program_id)])
    second = _stack_post(client, program=[str(program_id)])
    assert second.status_code == 303
    assert _count(client, Stack) == 1


def test_a_stack_is_edited_from_its_form(api, client, facilitator):
    issuer_id, admin = facilitator
    first = api.program(admin, issuer_id, name="First Badge")["id"]
    second = api.program(admin, issuer_id, name="Second Badge")["id"]
    stack_id = api.ok(
        "POST",
        "/stacks",
        admin,
        {"issuer_id": issuer_id, "name": "Old", "description": "D", "programs": [first]},
    )["id"]
    page = client.get(f"/console/stacks/{stack_id}/edit")
    assert page.status_code == 200 and 'value="Old"' in page.data.decode()
    response = client.post(
        f"/console/stacks/{stack_id}/edit",
        data={
            "name": "New name",
            "description": "D",
            "program": [str(first), str(second)],
            "rule": "all",
            "credit_hours": "0",
            "csrf_token": csrf_from(page.data.decode()),
        },
    )
    assert response.status_code == 303
    body = api.ok("GET", f"/stacks/{stack_id}", admin, status=200)
    assert body["name"] == "New name" and body["programs"] == [first, second]


def test_another_issuers_stack_cannot_be_opened_for_editing(api, client, facilitator):
    other_issuer, other_admin = api.issuer("Other District")
    program_id = api.program(other_admin, other_issuer)["id"]
    body = {"issuer_id": other_issuer, "name": "S", "description": "D", "programs": [program_id]}
    stack_id = api.ok("POST", "/stacks", other_admin, body)["id"]
    assert client.get(f"/console/stacks/{stack_id}/edit").status_code == 404


def test_a_refused_edit_of_an_approved_program_keeps_the_values_and_makes_no_version(
    api, client, facilitator
):
    issuer_id, admin = facilitator
    program_id = api.approved_program(admin, issuer_id)
    response = _edit(client, program_id, name="", criteria="Changed criteria.")
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="name-error"' in html and "Changed criteria." in html
    assert "Saving creates version 2" in html
    assert _versions(client, program_id) == [(1, "approved", "Formative Assessment")]
