"""Helpers for the message tests: every link in a text part opens, an educator signed in."""

from __future__ import annotations

import re

from tests.conftest import BASE_URL
from tests.web.conftest import set_password, sign_in

LINK = re.compile(r"https://badges\.test[^\s<>\"]*")


def links_in(text: str) -> list[str]:
    return [link.rstrip(".,;:)") for link in LINK.findall(text)]


def assert_links_open(client, text: str) -> list[str]:
    """Open every link of ``text`` on the test client (the fragment stays in the browser)."""
    links = links_in(text)
    assert links, "the message has no link"
    for link in links:
        path = link.removeprefix(BASE_URL).split("#")[0]
        answer = client.get(path)
        assert answer.status_code == 200, (link, answer.status_code)
    return links


def signed_in_educator(api, client, email: str) -> None:
    """Give the educator an account with a password and sign them in on ``client``."""
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    assert set_password(client, api.password_link(email)).status_code == 302
    assert sign_in(client, email).status_code == 302


def assert_well_formed(message: dict, sender: str, *facts: str) -> None:
    """Both parts, the sender named, and each fact in both parts."""
    assert message["sender_name"] == sender
    assert message["text_body"].strip() and message["html_body"].strip()
    assert sender in message["text_body"] or sender in message["html_body"]
    for fact in facts:
        assert fact in message["text_body"], fact
        assert fact in message["html_body"], fact
