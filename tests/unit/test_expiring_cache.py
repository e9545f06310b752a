"""The public reads' cache (issuer/workflow/awards/public_reads.py): bounded in time and bytes."""

from __future__ import annotations

from issuer.workflow.awards.public_reads import ExpiringCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def cache(seconds: float = 5, max_bytes: int = 100) -> tuple[ExpiringCache, Clock]:
    clock = Clock()
    return ExpiringCache(seconds, clock, max_bytes), clock


def test_an_entry_lives_until_the_bound_counted_from_when_its_read_began():
    kept, clock = cache()
    ticket = kept.begin()
    clock.now += 1  # the read took a second
    kept.put("a", "A", 1, ticket)
    clock.now += 3.999
    assert kept.get("a") == "A"
    clock.now += 0.001
    assert kept.get("a") is None and len(kept) == 0


def test_a_clock_that_went_backwards_expires_the_entry():
    kept, clock = cache()
    kept.put("a", "A", 1, kept.begin())
    clock.now -= 1
    assert kept.get("a") is None


def test_a_read_that_began_before_a_change_here_is_not_kept():
    kept, _ = cache()
    ticket = kept.begin()
    kept.forget(["anything"])  # a commit in this process changed something meanwhile
    kept.put("a", "A", 1, ticket)
    assert kept.get("a") is None


def test_least_recently_used_entries_go_first_past_the_byte_bound():
    kept, _ = cache(max_bytes=100)
    for key in "abc":
        kept.put(key, key.upper(), 40, kept.begin())
    assert kept.get("a") is None and kept.get("b") == "B" and kept.get("c") == "C"
    kept.get("b")
    kept.put("d", "D", 40, kept.begin())
    assert kept.get("c") is None and kept.get("b") == "B" and kept.get("d") == "D"


def test_an_entry_bigger_than_the_byte_bound_is_not_kept():
    kept, _ = cache(max_bytes=100)
    kept.put("a", "A", 101, kept.begin())
    assert kept.get("a") is None


def test_a_bound_of_zero_keeps_nothing():
    kept, _ = cache(seconds=0)
    kept.put("a", "A", 1, kept.begin())
    assert kept.get("a") is None and len(kept) == 0
