"""Where the authorization server and the 1EdTech APIs (Open Badges 3.0, CLR 2.0) live (permanent
paths)."""

from __future__ import annotations

from dataclasses import dataclass

API_PREFIX = "/ims/ob/v3p0"
CLR_API_PREFIX = "/ims/clr/v2p0"
LOGO_PATH = "/static/issuer-logo.svg"
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a URL path, not a secret
REVOKE_PATH = "/oauth/revoke"
REGISTER_PATH = "/oauth/register"
METADATA_PATH = "/.well-known/oauth-authorization-server"
PRIVACY_PATH = "/oauth/privacy"
APPS_PATH = "/oauth/apps"
TERMS_PATH = "/oauth/terms"


@dataclass(frozen=True)
class OAuthUrls:
    """Absolute URLs under ``BASE_URL``, as the discovery document and metadata publish them."""

    base: str

    @property
    def authorize(self) -> str:
        return self.base + AUTHORIZE_PATH

    @property
    def token(self) -> str:
        return self.base + TOKEN_PATH

    @property
    def revoke(self) -> str:
        return self.base + REVOKE_PATH

    @property
    def register(self) -> str:
        return self.base + REGISTER_PATH

    @property
    def privacy(self) -> str:
        return self.base + PRIVACY_PATH

    @property
    def terms(self) -> str:
        return self.base + TERMS_PATH

    @property
    def api(self) -> str:
        return self.base + API_PREFIX

    @property
    def discovery(self) -> str:
        return self.api + "/discovery"

    @property
    def credentials(self) -> str:
        return self.api + "/credentials"

    @property
    def logo(self) -> str:
        return self.base + LOGO_PATH

    @property
    def clr_api(self) -> str:
        return self.base + CLR_API_PREFIX

    @property
    def clr_discovery(self) -> str:
        return self.clr_api + "/discovery"

    @property
    def clr_credentials(self) -> str:
        return self.clr_api + "/credentials"
