"""The scopes of our two 1EdTech APIs (their URIs), with the words the consent page shows.

The Open Badges 3.0 API (``/ims/ob/v3p0``) and the Comprehensive Learner Record 2.0 API
(``/ims/clr/v2p0``) share one authorization server; a token carries the scopes of either.
"""

from __future__ import annotations

PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READ = PREFIX + "credential.readonly"
CREDENTIAL_UPSERT = PREFIX + "credential.upsert"
PROFILE_READ = PREFIX + "profile.readonly"
PROFILE_UPDATE = PREFIX + "profile.update"

CLR_PREFIX = "https://purl.imsglobal.org/spec/clr/v2p0/scope/"
CLR_CREDENTIAL_READ = CLR_PREFIX + "credential.readonly"
CLR_PROFILE_READ = CLR_PREFIX + "profile.readonly"

OB3_SCOPES: dict[str, str] = {
    CREDENTIAL_READ: "Permission to read AchievementCredentials for the authenticated entity.",
    CREDENTIAL_UPSERT: "Permission to create or update AchievementCredentials for the authenticated entity.",
    PROFILE_READ: "Permission to read the profile for the authenticated entity.",
    PROFILE_UPDATE: "Permission to update the profile for the authenticated entity.",
}
"""Each OB 3.0 scope URI with the description the OB 3.0 API's OpenAPI document gives it."""

CLR_SCOPES: dict[str, str] = {
    CLR_CREDENTIAL_READ: "Permission to read ClrCredentials for the authenticated entity.",
    CLR_PROFILE_READ: "Permission to read the profile for the authenticated entity.",
}
"""The CLR 2.0 scopes of the operations we serve (the read side: we issue records, a backpack
reads them); ``credential.upsert`` and ``profile.update`` belong to operations we do not offer."""

SCOPES: dict[str, str] = {**OB3_SCOPES, **CLR_SCOPES}
"""Every scope the authorization server grants."""

CONSENT_WORDS: dict[str, str] = {
    CREDENTIAL_READ: "Read your badges (Open Badges 3.0 credentials)",
    CREDENTIAL_UPSERT: "Add badges you earned elsewhere to your account",
    PROFILE_READ: "Read your profile (name and email)",
    PROFILE_UPDATE: "Change your name",
    CLR_CREDENTIAL_READ: (
        "Read your learner record (one document, signed by the board, holding all your active "
        "badges)"
    ),
    CLR_PROFILE_READ: "Read your profile (name and email) with your learner record",
}


def split(scope: str | None) -> list[str]:
    """A space-separated scope string as a list, order kept, duplicates dropped."""
    return list(dict.fromkeys((scope or "").split()))
