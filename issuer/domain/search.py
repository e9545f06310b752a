"""The words people type into a search box: bounded, without control characters."""

from __future__ import annotations

from issuer.errors import ValidationFailed

MAX_QUERY = 200


def search_words(q: str | None) -> str | None:
    """``q`` trimmed, or None when empty; ``ValidationFailed`` naming ``q`` when too long or when
    it holds control characters."""
    if q is None or not q.strip():
        return None
    if len(q) > MAX_QUERY:
        raise ValidationFailed(fields={"q": f"at most {MAX_QUERY} characters"})
    if any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in q):
        raise ValidationFailed(
            fields={"q": "contains control characters"}, code="control_characters"
        )
    return q.strip()
