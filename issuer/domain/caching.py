"""How long public answers may be kept, by us and by everyone downstream (SPEC §3)."""

from __future__ import annotations

# Cache-Control max-age of what can change at its path (assertions, credentials, profiles,
# revocation and status lists) and of what never does (baked images, signed tokens, keys).
MUTABLE_MAX_AGE = 300
IMMUTABLE_MAX_AGE = 86400

# A worker keeps a public document (or an anonymous verification page) it read at most this
# long; a change made through another worker or machine (a revocation) is visible on every worker
# within it. It can never exceed what we publish as max-age: a verifier may keep it that long.
DEFAULT_PUBLIC_CACHE_SECONDS = 5.0
