"""The program form (SPEC §5 programs, §8 Facilitator): read from the posted form into the text
values it re-renders (``ProgramFormValues``) and the fields the create/edit use case takes, with a
human error per form control. The JSON Schema of the API checks the same body afterwards, so the
page and the API refuse the same things."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import request

from issuer.api.bodies import checked
from issuer.domain.rubric import MAX_DESCRIPTOR, RUBRIC_LEVELS, TASK_NEUTRAL_RUBRIC
from issuer.domain.states import LearningMethod
from issuer.errors import ValidationFailed
from issuer.workflow.programs.authoring import ProgramFormValues, StackLine
from issuer.workflow.programs.images import (
    ImageUpload,
    data_url,
    image_from_bytes,
    image_from_data_url,
)

METHODS: list[tuple[str, str]] = [
    (LearningMethod.FACE_TO_FACE.value, "Face to face"),
    (LearningMethod.ONLINE.value, "Online"),
    (LearningMethod.OWN_PATH.value, "Own path"),
]
METHOD_HINTS = {
    "face_to_face": "Sessions in person with a facilitator.",
    "online": "Modules online, at the educator's pace.",
    "own_path": "The educator finds their own learning and shows it in the performance task.",
}
TEXTS = (  # form name, words in messages, longest
    ("name", "name", 200),
    ("description", "description", 10_000),
    ("criteria", "criteria", 20_000),
)
MAX_COMPETENCIES, MAX_COMPETENCY = 50, 500
MAX_NEXT_STEPS = 4000
MAX_ALIGNMENTS = 50
ALIGNMENT_ROWS_BLANK = 2  # empty rows the form offers after the filled ones
MAX_HOURS = Decimal(1000)
MAX_VALIDITY_DAYS = 36_500
LABELS = {
    "name": "Name",
    "description": "Description",
    "criteria": "Criteria",
    "competencies": "Competencies",
    "estimated_hours": "Estimated hours",
    "credit_hours": "Credit hours",
    "learning_methods": "Learning methods",
    "image": "Badge image",
    "prerequisites": "Prerequisites",
    "validity_days": "Valid for",
    "prior_training_eligible": "Prior training",
    "next_steps": "Next steps",
    "alignments": "Alignments",
    "rubric": "Rubric",
}


def _has_controls(text: str) -> bool:
    return any(
        (ord(ch) < 32 and ch not in "\t\n\r")
        or 0x7F <= ord(ch) <= 0x9F
        or 0xD800 <= ord(ch) <= 0xDFFF
        for ch in text
    )


@dataclass
class ProgramForm:
    """A posted program form: ``values`` as typed, ``fields`` for the use case, ``errors`` by the
    id of the control each belongs to (the error summary links there)."""

    values: ProgramFormValues
    fields: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    image_kept: str | None = None  # an accepted upload as a data: URL, carried to the next post
    alignment_rows: list[int] = field(default_factory=list)  # form row of each alignment sent
    blank_rows: int = ALIGNMENT_ROWS_BLANK
    posted_rows: int = 0

    def more_rows(self) -> ProgramForm:
        """The same form with one more empty alignment row ("Add another alignment"): nothing
        is saved, nothing is refused yet."""
        posted_blank = self.posted_rows - len(self.values.alignments)
        self.blank_rows = max(posted_blank, ALIGNMENT_ROWS_BLANK) + 1
        self.errors.clear()
        return self

    @classmethod
    def start(cls, values: ProgramFormValues) -> ProgramForm:
        return cls(values=values)

    @classmethod
    def posted(cls, stored_image: str | None = None) -> ProgramForm:
        form = cls(values=ProgramFormValues(image_url=stored_image))
        form._read()
        return form

    # ---- reading the post ------------------------------------------------------------------

    def _text(self, name: str) -> str:
        value = request.form.get(name, "").replace("\r\n", "\n").strip()
        if _has_controls(value):
            self.errors[name] = "Remove the control characters from this text."
        return value

    def _read(self) -> None:
        v, fields = self.values, self.fields
        for name, words, limit in TEXTS:
            text = self._text(name)
            setattr(v, name, text)
            if not text:
                self.errors.setdefault(name, f"Enter the program's {words}.")
            elif len(text) > limit:
                self.errors.setdefault(name, f"Keep the {words} to {limit:,} characters or fewer.")
            fields[name] = text
        self._competencies()
        self._hours()
        self._methods()
        self._image()
        self._alignments()
        v.prerequisites = [int(p) for p in request.form.getlist("prerequisites") if p.isdigit()]
        fields["prerequisites"] = v.prerequisites
        self._validity()
        v.prior_training_eligible = request.form.get("prior_training_eligible") == "on"
        fields["prior_training_eligible"] = v.prior_training_eligible
        self._rubric()

    def _competencies(self) -> None:
        self.values.competencies = self._text("competencies")
        lines = [line.strip() for line in self.values.competencies.split("\n") if line.strip()]
        if len(lines) > MAX_COMPETENCIES:
            self.errors["competencies"] = f"List at most {MAX_COMPETENCIES} competencies."
        elif any(len(line) > MAX_COMPETENCY for line in lines):
            self.errors["competencies"] = (
                f"Keep each competency to {MAX_COMPETENCY} characters or fewer."
            )
        self.fields["competencies"] = lines

    def _hours(self) -> None:
        for name, words, default in (
            ("estimated_hours", "the hours it takes", None),
            ("credit_hours", "the credit hours", "0.5"),
        ):
            text = self._text(name)
            setattr(self.values, name, text)
            if not text and default is not None:
                text = default
            if not text:
                self.errors[name] = f"Enter {words}, such as 10 or 2.5."
                continue
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = Decimal(-1)
            if not number.is_finite() or not 0 <= number <= MAX_HOURS:
                self.errors[name] = f"Enter {words} as a number from 0 to 1000, such as 10 or 0.5."
                continue
            self.fields[name] = (
                int(number) if number == number.to_integral_value() else float(number)
            )

    def _methods(self) -> None:
        offered = [m for m, _ in METHODS]
        chosen = [m for m in request.form.getlist("learning_methods") if m in offered]
        self.values.learning_methods = chosen
        if not chosen:
            self.errors["learning_methods"] = "Choose at least one learning method."
        self.fields["learning_methods"] = chosen
        steps: dict[str, str] = {}
        for method in offered:
            text = self._text(f"next_steps-{method}")
            if text:
                self.values.next_steps[method] = text
            if len(text) > MAX_NEXT_STEPS:
                self.errors[f"next_steps-{method}"] = (
                    f"Keep the next steps to {MAX_NEXT_STEPS:,} characters or fewer."
                )
            elif text and method in chosen:
                steps[method] = text
        self.fields["next_steps"] = steps or None

    def _image(self) -> None:
        upload = request.files.get("image")
        kept = request.form.get("image_kept", "")
        try:
            if upload is not None and upload.filename:
                image: ImageUpload | None = image_from_bytes(upload.read(), "image")
            elif kept:
                image = image_from_data_url(kept, "image")
            elif request.form.get("remove_image") == "on":
                self.fields["image"] = None
                self.values.image_url = None
                return
            else:
                return  # no new image: a new program has none, an edit keeps its own
        except ValidationFailed as exc:
            self.errors["image"] = f"That image was refused: {exc.message}"
            return
        assert image is not None  # noqa: S101 - set on every branch that gets here
        self.fields["image"] = image
        self.image_kept = data_url(image)
        self.values.image_url = self.image_kept

    def _alignments(self) -> None:
        rows = sorted(
            {
                int(m[1])
                for key in request.form
                if (
                    m := re.fullmatch(
                        r"alignment-(\d{1,3})-(target_name|target_url|framework)", key
                    )
                )
            }
        )
        sent: list[dict[str, str]] = []
        self.posted_rows = len(rows)
        for row in rows:
            entry = {
                part: self._text(f"alignment-{row}-{part}")
                for part in ("target_name", "target_url", "framework")
            }
            if not any(entry.values()):
                continue
            index = len(self.values.alignments)
            self.values.alignments.append(entry)
            self.alignment_rows.append(index)
            if not entry["target_name"]:
                self.errors[f"alignment-{index}-target_name"] = "Name the standard it aligns with."
            elif len(entry["target_name"]) > 200:
                self.errors[f"alignment-{index}-target_name"] = "Keep the name to 200 characters."
            url = entry["target_url"]
            if not re.match(r"^https?://[^\s/]+", url) or len(url) > 2000:
                self.errors[f"alignment-{index}-target_url"] = (
                    "Give the standard's web address, starting with https://."
                )
            if len(entry["framework"]) > 200:
                self.errors[f"alignment-{index}-framework"] = (
                    "Keep the framework to 200 characters."
                )
            sent.append({k: val for k, val in entry.items() if val})
        if len(sent) > MAX_ALIGNMENTS:
            self.errors["alignment-0-target_name"] = f"List at most {MAX_ALIGNMENTS} alignments."
        self.fields["alignments"] = sent

    def _validity(self) -> None:
        text = self._text("validity_days")
        self.values.validity_days = text
        if not text:
            self.fields["validity_days"] = None
        elif not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_VALIDITY_DAYS:
            self.errors["validity_days"] = (
                f"Enter a whole number of days from 1 to {MAX_VALIDITY_DAYS:,}, or leave it empty."
            )
        else:
            self.fields["validity_days"] = int(text)

    def _rubric(self) -> None:
        descriptors: dict[int, str] = {}
        for level in RUBRIC_LEVELS:
            text = self._text(f"rubric-{level}")
            descriptors[level] = text
            if not text:
                self.errors[f"rubric-{level}"] = f"Describe level {level}, {RUBRIC_LEVELS[level]}."
            elif len(text) > MAX_DESCRIPTOR:
                self.errors[f"rubric-{level}"] = (
                    f"Keep the descriptor to {MAX_DESCRIPTOR:,} characters or fewer."
                )
        self.values.rubric = descriptors
        default = {level.level: level.descriptor for level in TASK_NEUTRAL_RUBRIC}
        self.fields["rubric"] = (
            None
            if descriptors == default
            else [
                {"level": level, "label": RUBRIC_LEVELS[level], "descriptor": text}
                for level, text in descriptors.items()
            ]
        )

    # ---- checks and refusals -----------------------------------------------------------------

    def check_schema(self, schema: str, extra: dict[str, Any] | None = None) -> None:
        """The API's JSON Schema over the same body (image aside: it is checked already)."""
        if self.errors:
            return
        body = {k: val for k, val in self.fields.items() if k != "image"}
        try:
            checked(schema, {**body, **(extra or {})})
        except ValidationFailed as exc:
            self.refused(exc)

    def refused(self, exc: ValidationFailed) -> None:
        """Put each field the use case (or the schema) named next to its control."""
        for name, why in (exc.fields or {"name": exc.message}).items():
            control = self.control_of(name)
            top = re.split(r"[.\[]", name)[0]
            label = LABELS.get(top, top.replace("_", " ").capitalize())
            reason = "contains control characters: remove them" if "control" in why else why
            self.errors.setdefault(control, f"{label}: {reason}.")

    def control_of(self, name: str) -> str:
        """The id of the form control an error path names (``alignments.0.target_url``,
        ``next_steps.online``, ``rubric.3.descriptor``, ``rubric[0].descriptor``...)."""
        parts = [p for p in re.split(r"[.\[\]]", name) if p]
        top = parts[0] if parts else "name"
        if top == "next_steps" and len(parts) > 1:
            return f"next_steps-{parts[1]}"
        if top == "alignments":
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            part = parts[2] if len(parts) > 2 else "target_name"
            return f"alignment-{index}-{part}"
        if top == "rubric":
            level = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 1
            if "[" in name:  # a list index (0-3) from the schema, not a level
                level += 1
            return f"rubric-{min(max(level, 1), 4)}"
        if top == "competencies":
            return "competencies"
        return top if top in LABELS else "name"


MAX_STACK_PROGRAMS = 100


@dataclass
class StackForm:
    """The stack form: a name, a description, programs in order (one select per place), all
    required or N of them, and the stack's own credit hours."""

    name: str = ""
    description: str = ""
    program_ids: list[int] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # each select's value as posted
    rule: str = "all"
    required_text: str = ""
    credit_hours_text: str = "0"
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def required(self) -> int | None:
        return int(self.required_text) if self.rule == "some" else None

    @property
    def credit_hours(self) -> float:
        return float(Decimal(self.credit_hours_text or "0"))

    @classmethod
    def empty(cls) -> StackForm:
        return cls()

    @classmethod
    def start(cls, line: StackLine) -> StackForm:
        return cls(
            name=line.name,
            description=line.description,
            program_ids=list(line.program_ids),
            places=[str(pid) for pid in line.program_ids],
            rule="all" if line.all_required else "some",
            required_text="" if line.all_required else str(line.required),
            credit_hours_text=line.credit_hours,
        )

    @classmethod
    def posted(cls) -> StackForm:
        form = cls()
        for name in ("name", "description"):
            text = request.form.get(name, "").replace("\r\n", "\n").strip()
            setattr(form, name, text)
            limit = 200 if name == "name" else 10_000
            if not text:
                form.errors[name] = f"Enter the stack's {name}."
            elif len(text) > limit or _has_controls(text):
                form.errors[name] = f"Keep the {name} to {limit:,} characters of plain text."
        form.places = request.form.getlist("program")[:MAX_STACK_PROGRAMS]
        chosen = [int(p) for p in form.places if p.isascii() and p.isdigit()]
        if not chosen:
            form.errors["program-1"] = "Choose the stack's first program."
        elif len(set(chosen)) != len(chosen):
            form.errors["program-1"] = "Choose each program once."
        form.program_ids = chosen
        form.rule = "some" if request.form.get("rule") == "some" else "all"
        form.required_text = request.form.get("required", "").strip()
        if form.rule == "some":
            text = form.required_text
            if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= max(len(chosen), 1):
                form.errors["required"] = (
                    f"Enter how many of the {len(chosen)} programs earn the stack, "
                    f"from 1 to {max(len(chosen), 1)}."
                )
        form.credit_hours_text = request.form.get("credit_hours", "").strip() or "0"
        try:
            hours = Decimal(form.credit_hours_text)
        except InvalidOperation:
            hours = Decimal(-1)
        if not hours.is_finite() or not 0 <= hours <= MAX_HOURS:
            form.errors["credit_hours"] = "Enter the credit hours as a number from 0 to 1000."
        return form

    def refused(self, exc: ValidationFailed) -> None:
        controls = {"programs": "program-1", "required": "required"}
        for name, why in (exc.fields or {"name": exc.message}).items():
            control = controls.get(name.split(".")[0], "name")
            self.errors.setdefault(control, f"{name.capitalize()}: {why}.")
