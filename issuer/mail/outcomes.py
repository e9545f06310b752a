"""What an SMTP answer means for a message (no I/O): sent, try again later, or give up; and when
a refusal says the address itself is gone (a permanent bounce, suppressed until an admin clears it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Verdict(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # the server was unreachable, or answered 4xx: try again after back-off
    FAILED = "failed"  # a permanent (5xx) answer about this message
    BOUNCED = "bounced"  # a permanent answer about the recipient's address: suppress it


# Permanent refusals of a recipient at RCPT TO that say the mailbox does not exist or may not
# receive (RFC 5321 §4.2.2): 550 mailbox unavailable, 551 user not local, 553 name not allowed.
BOUNCE_CODES = frozenset({550, 551, 553})


@dataclass(frozen=True)
class Outcome:
    """One attempt's result: the SMTP code (when the server answered) and what happened."""

    verdict: Verdict
    smtp_code: int | None = None
    error: str | None = None


def for_code(code: int, error: str, *, at_recipient: bool = False) -> Outcome:
    """A refusal: 4xx is temporary, 5xx permanent, and a recipient's 550/551/553 a bounce.
    Anything else (an odd code) is treated as temporary: never lose a message on a guess."""
    if 500 <= code < 600:
        bounced = at_recipient and code in BOUNCE_CODES
        return Outcome(Verdict.BOUNCED if bounced else Verdict.FAILED, code, error)
    return Outcome(Verdict.RETRY, code, error)


@dataclass(frozen=True)
class MailRetryPolicy:
    """Exponential back-off (1 min, 2 min, 4 min, ... at most 2 h apart); a message still not
    accepted ``give_up_after`` its creation is marked failed."""

    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=2)
    give_up_after: timedelta = timedelta(days=2)

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        return min(self.first_delay * (2 ** min(max(attempts - 1, 0), 32)), self.max_delay)

    def gives_up(self, created_at: datetime, now: datetime) -> bool:
        return now - created_at >= self.give_up_after
