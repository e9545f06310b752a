"""The change feed's cursor (issue 14): transactions commit out of sequence order, so numbers
skipped are waited for -- a bounded time -- and nothing is handled twice."""

from __future__ import annotations

from issuer.domain.change_feed import FeedCursor


def test_numbers_in_order_are_handled_once_each():
    cursor = FeedCursor()
    assert cursor.accept([1, 2, 3], now=0) == [1, 2, 3]
    assert cursor.accept([3], now=1) == []
    assert cursor.done == 3 and cursor.gaps == {}


def test_a_number_skipped_is_awaited_and_handled_when_its_transaction_commits():
    cursor = FeedCursor(gap_seconds=60)
    assert cursor.accept([1, 3], now=0) == [1, 3]
    assert cursor.wanted_gaps() == [2] and cursor.done == 1
    assert cursor.accept([2], now=5) == [2]
    assert cursor.done == 3 and cursor.wanted_gaps() == []


def test_a_gap_nobody_fills_is_given_up_after_the_gap_seconds():
    cursor = FeedCursor(gap_seconds=60)
    cursor.accept([1, 4], now=0)
    cursor.accept([], now=59.9)
    assert cursor.wanted_gaps() == [2, 3] and cursor.done == 1
    cursor.accept([], now=60)
    assert cursor.wanted_gaps() == [] and cursor.done == 4


def test_a_cursor_started_after_a_full_export_skips_what_it_covered():
    cursor = FeedCursor.starting_at(10)
    assert cursor.accept([9, 10, 11], now=0) == [11]
    assert cursor.done == 11
