"""The Open Badges 3.0 API scopes (1EdTech's URIs), with the words the consent page shows."""

from __future__ import annotations

PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READ = PREFIX + "credential.readonly"
CREDENTIAL_UPSERT = PREFIX + "credential.upsert"
PROFILE_READ = PREFIX + "profile.readonly"
PROFILE_UPDATE = PREFIX + "profile.update"

SCOPES: dict[str, str] = {
    CREDENTIAL_READ: "Permission to read AchievementCredentials for the authenticated entity.",
    CREDENTIAL_UPSERT: "Permission to create or update AchievementCredentials for the authenticated entity.",
    PROFILE_READ: "Permission to read the profile for the authenticated entity.",
    PROFILE_UPDATE: "Permission to update the profile for the authenticated entity.",
}
"""Each scope URI with the description the OB 3.0 API's OpenAPI document gives it."""

CONSENT_WORDS: dict[str, str] = {
    CREDENTIAL_READ: "Read your badges (Open Badges 3.0 credentials)",
    CREDENTIAL_UPSERT: "Add badges you earned elsewhere to your account",
    PROFILE_READ: "Read your profile (name and email)",
    PROFILE_UPDATE: "Change your name",
}


def split(scope: str | None) -> list[str]:
    """A space-separated scope string as a list, order kept, duplicates dropped."""
    return list(dict.fromkeys((scope or "").split()))
