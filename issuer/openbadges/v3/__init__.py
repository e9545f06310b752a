"""Open Badges 3.0 documents as plain dicts: OpenBadgeCredential, Profile, Achievement,
EndorsementCredential, key documents, status lists (https://www.imsglobal.org/spec/ob/v3p0/)."""
