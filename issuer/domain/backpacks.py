"""A backpack's Open Badges 3.0 API endpoints, as its service description document names them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class BackpackEndpoints:
    """Where one backpack takes registrations, consent, tokens and credentials."""

    discovery_url: str
    name: str
    api_url: str
    authorization_url: str
    token_url: str
    registration_url: str

    @property
    def credentials_url(self) -> str:
        """Where ``upsertCredential`` (POST) and ``getCredentials`` (GET) are."""
        return self.api_url.rstrip("/") + "/credentials"

    @property
    def origin(self) -> str:
        """scheme://host[:port] of the discovery document: what the earner recognises."""
        parts = urlsplit(self.discovery_url)
        return f"{parts.scheme}://{parts.netloc}"
