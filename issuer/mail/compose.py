"""Compose a message of SPEC §9 from its Jinja templates: a subject, a plain-text part and an HTML
alternative. People's text is escaped in the HTML part (autoescape) and the subject is one line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from issuer.domain.mail import MailKind

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def compose(kind: MailKind, context: Mapping[str, Any]) -> Composed:
    """Render ``{kind}.subject.txt``, ``{kind}.txt`` and ``{kind}.html`` with ``context``."""
    env = _environment()
    subject = env.get_template(f"{kind.value}.subject.txt").render(context)
    return Composed(
        subject=one_line(subject),
        text=env.get_template(f"{kind.value}.txt").render(context).strip() + "\n",
        html=env.get_template(f"{kind.value}.html").render(context),
    )


def one_line(text: str) -> str:
    """Header-safe: no line breaks or control characters, runs of spaces collapsed, bounded."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(cleaned.split())[:250]


def long_date(value: date | datetime) -> str:
    """Dates as people write them: 4 December 2026 (the same words as the pages)."""
    return f"{value.day} {value:%B %Y}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    return env
