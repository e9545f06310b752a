"""What use cases that span several transactions (and network calls between them) need of the
running app. ``issuer.runtime.Services`` has all of it; naming it here keeps workflow/ from
importing the composition root that imports workflow/."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from issuer.config import Settings
from issuer.db import Database
from issuer.domain.actors import Actor
from issuer.domain.webhooks import RetryPolicy
from issuer.workflow.context import Context


class Services(Protocol):
    settings: Settings
    db: Database
    webhook_retry: RetryPolicy

    def clock(self) -> datetime: ...

    def context(self, session: Any, actor: Actor) -> Context: ...
