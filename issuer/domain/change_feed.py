"""Reading a change feed numbered by a database sequence, on several writers at once.

A sequence number is taken when a transaction records its change, but transactions commit in any
order: number 11 can be visible while 10 is still in flight (or rolled back, leaving 10 unused for
ever). A reader that only remembered "everything up to 11" would miss 10 when it commits. So the
cursor keeps the numbers it has not seen below the highest it has seen -- the gaps -- and asks for
them again until they appear or ``gap_seconds`` have passed since it first saw the gap (longer than
any write transaction runs; after that the number is taken as rolled back).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_GAP_SECONDS = 60.0


@dataclass
class FeedCursor:
    """Where a reader of the feed stands: every number up to ``done`` is handled or given up, and
    ``gaps`` (number -> when first missed) are the ones above it still awaited."""

    done: int = 0
    gap_seconds: float = DEFAULT_GAP_SECONDS
    gaps: dict[int, float] = field(default_factory=dict)
    seen: int = 0  # the highest number handled

    def wanted_gaps(self) -> list[int]:
        """Numbers to ask for again."""
        return sorted(self.gaps)

    def accept(self, numbers: Iterable[int], now: float) -> list[int]:
        """Take the numbers just read (new ones and filled gaps); return those not handled before,
        in order. Skipped numbers become gaps stamped ``now``."""
        fresh: list[int] = []
        for number in sorted(set(numbers)):
            if number in self.gaps:
                del self.gaps[number]
                fresh.append(number)
            elif number > self.seen:
                for missing in range(self.seen + 1, number):
                    if missing > self.done:
                        self.gaps.setdefault(missing, now)
                self.seen = number
                fresh.append(number)
        self.expire(now)
        return fresh

    def expire(self, now: float) -> None:
        """Give up gaps older than ``gap_seconds`` and move ``done`` up to the first one left."""
        for number, since in list(self.gaps.items()):
            if now - since >= self.gap_seconds:
                del self.gaps[number]
        self.done = min(self.gaps) - 1 if self.gaps else self.seen

    @classmethod
    def starting_at(cls, number: int, gap_seconds: float = DEFAULT_GAP_SECONDS) -> FeedCursor:
        """A cursor that has handled everything up to ``number`` (after a full export)."""
        return cls(done=number, gap_seconds=gap_seconds, seen=number)
