"""The primary navigation of every page: each person sees only the pages their role can open.

A link names a path and the roles that may open it; links to pages this build does not serve (a
path no route answers) are left out, so a branch that adds a page only adds its row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from issuer.domain.actors import Actor
from issuer.domain.oauth_urls import APPS_PATH
from issuer.domain.states import Role
from issuer.web.session import signed_in
from issuer.workflow.learning import earners

EVERYONE: frozenset[Role | None] = frozenset({None, *Role})
EDUCATOR: frozenset[Role | None] = frozenset({Role.EARNER})
REVIEWER: frozenset[Role | None] = frozenset({Role.REVIEWER})
FACILITATOR: frozenset[Role | None] = frozenset({Role.ISSUER_ADMIN})
BOARD: frozenset[Role | None] = frozenset({Role.PTSB})


@dataclass(frozen=True)
class NavLink:
    """One entry of the primary navigation; ``None`` in ``roles`` stands for a visitor."""

    label: str
    path: str
    roles: frozenset[Role | None]


LINKS: tuple[NavLink, ...] = (
    NavLink("Programs", "/programs", EVERYONE),
    NavLink("Console", "/console", FACILITATOR),
    NavLink("Our programs", "/console/programs", FACILITATOR),
    NavLink("Our stacks", "/console/stacks", FACILITATOR),
    NavLink("Review cycles", "/console/cycles", FACILITATOR),
    NavLink("Reviewers", "/console/reviewers", FACILITATOR),
    NavLink("Educators", "/console/earners", FACILITATOR),
    NavLink("Awards", "/console/awards", FACILITATOR),
    NavLink("My review queue", "/reviews", REVIEWER),
    NavLink("Approvals", "/ptsb/approvals", BOARD),
    NavLink("License desk", "/ptsb/notices", BOARD),
    NavLink("Educators", "/ptsb/educators", BOARD),
    NavLink("Issuers", "/ptsb/issuers", BOARD),
    NavLink("My learning", "/learning", EDUCATOR),
    NavLink("My portfolio", "/portfolio", EDUCATOR),
    NavLink("Connected apps", APPS_PATH, EDUCATOR),
    NavLink("Verify a badge", "/verify", EVERYONE),
    NavLink("My account", "/account", EDUCATOR),
)


@dataclass(frozen=True)
class ShownLink:
    """A link as the page shows it: ``current`` marks the page being read (aria-current)."""

    label: str
    path: str
    current: bool


def links_for(actor: Actor | None, served: Callable[[str], bool], here: str) -> list[ShownLink]:
    """The links ``actor`` (None: a visitor) may open, among the paths this build serves."""
    role = None if actor is None else actor.role
    shown = [link for link in LINKS if role in link.roles and served(link.path)]
    # The page is under the link with the longest matching path ("/console/earners/7" is under
    # "Educators", not also under "Console").
    under = [link.path for link in shown if here == link.path or here.startswith(link.path + "/")]
    current = max(under, key=len, default=None)
    return [ShownLink(link.label, link.path, link.path == current) for link in shown]


def _served_by(app: Flask) -> Callable[[str], bool]:
    adapter = app.url_map.bind("localhost")

    def served(path: str) -> bool:
        try:
            adapter.match(path, method="GET")
        except RequestRedirect:
            return True
        except HTTPException:
            return False
        return True

    return served


def init_app(app: Flask) -> None:
    """Every template gets ``visitor`` (who is signed in, or None) and ``navigation``."""

    def navigation_context() -> dict[str, object]:
        from issuer.web import read_as  # the package that registers this module

        served = _served_by(app)
        visitor = signed_in()
        name = None if visitor is None else read_as(visitor, earners.display_name)
        return {
            "visitor": visitor,
            "visitor_name": name,
            "navigation": links_for(visitor, served, request.path),
        }

    app.context_processor(navigation_context)
