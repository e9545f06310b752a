"""Who is acting, and the two checks every use case makes: role, then issuer scope."""

from __future__ import annotations

from dataclasses import dataclass

from issuer.domain.states import Role
from issuer.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    """The authenticated account behind a request or CLI command."""

    account_id: int | None
    role: Role
    email: str
    issuer_id: int | None = None

    def require_role(self, *roles: Role) -> None:
        """Raise ``Forbidden`` unless this actor has one of ``roles``."""
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"This needs one of the roles: {allowed}.", code="wrong_role")

    def require_issuer(self, issuer_id: int) -> None:
        """Raise ``Forbidden`` unless PTSB, or staff of ``issuer_id``."""
        if self.role is Role.PTSB:
            return
        if self.role in (Role.ISSUER_ADMIN, Role.REVIEWER) and self.issuer_id == issuer_id:
            return
        raise Forbidden("This belongs to another issuer.", code="other_issuer")


SYSTEM = Actor(account_id=None, role=Role.PTSB, email="system")
"""The service itself (CLI commands, the demo seeder, automatic stack awards)."""
