"""A test-side OpenID4VCI 1.0 wallet, written from the specification's text on joserfc only: it
shares no code with the service. It follows the pre-authorized code flow from an offer link:
Credential Offer by reference (§4.1.3), Credential Issuer metadata (§12.2.2), authorization
server metadata (RFC 8414), Token Request (§6.1), Nonce Request (§7), Credential Request with a
``jwt`` key proof (§8.2, Appendix F.1)."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import base58
from joserfc import jws, jwt
from joserfc.jwa import EdDSAAlgorithm
from joserfc.jwk import ECKey, OKPKey

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


class _EdDSA(EdDSAAlgorithm):
    security_warning = ""  # OpenID4VCI names "EdDSA"; joserfc warns about RFC 9864 otherwise


class _Registry(jws.JWSRegistry):
    algorithms = {"EdDSA": _EdDSA(), "ES256": jws.JWSRegistry.algorithms["ES256"]}
    recommended = ["EdDSA", "ES256"]


REGISTRY = _Registry()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class Holder:
    key: OKPKey | ECKey
    alg: str
    did: str
    kid: str | None  # a DID URL, or None to send the key as ``jwk``

    @classmethod
    def did_key_ed25519(cls) -> Holder:
        key = OKPKey.generate_key("Ed25519")
        raw = base64.urlsafe_b64decode(key.as_dict()["x"] + "==")
        multibase = "z" + base58.b58encode(b"\xed\x01" + raw).decode()
        did = f"did:key:{multibase}"
        return cls(key, "EdDSA", did, f"{did}#{multibase}")

    @classmethod
    def did_jwk_p256(cls) -> Holder:
        key = ECKey.generate_key("P-256")
        public = json.dumps(key.as_dict(private=False), separators=(",", ":"))
        did = "did:jwk:" + _b64(public.encode())
        return cls(key, "ES256", did, f"{did}#0")


class Wallet:
    """Speaks to the service through an HTTP client with ``get``/``post`` (Flask's test client)."""

    def __init__(self, http: Any, base_url: str) -> None:
        self.http = http
        self.base_url = base_url

    def _path(self, url: str) -> str:
        assert url.startswith(self.base_url), url
        return url[len(self.base_url) :] or "/"

    def get_json(self, url: str) -> dict[str, Any]:
        response = self.http.get(self._path(url))
        assert response.status_code == 200, (url, response.status_code)
        return response.get_json()  # type: ignore[no-any-return]

    def read_offer(self, offer_url: str) -> dict[str, Any]:
        link = urlsplit(offer_url)
        assert link.scheme == "openid-credential-offer"
        return self.get_json(parse_qs(link.query)["credential_offer_uri"][0])

    def issuer_metadata(self, credential_issuer: str) -> dict[str, Any]:
        return self.get_json(credential_issuer + "/.well-known/openid-credential-issuer")

    def as_metadata(self, issuer: str) -> dict[str, Any]:
        return self.get_json(issuer + "/.well-known/oauth-authorization-server")

    def token(self, token_endpoint: str, code: str) -> Any:
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
        return self.http.post(self._path(token_endpoint), data=form)

    def nonce(self, nonce_endpoint: str) -> str:
        response = self.http.post(self._path(nonce_endpoint))
        assert response.status_code == 200
        return response.get_json()["c_nonce"]  # type: ignore[no-any-return]

    @staticmethod
    def proof(holder: Holder, audience: str, nonce: str | None, **changes: Any) -> str:
        header: dict[str, Any] = {"typ": "openid4vci-proof+jwt", "alg": holder.alg}
        if holder.kid:
            header["kid"] = holder.kid
        else:
            header["jwk"] = holder.key.as_dict(private=False)
        claims: dict[str, Any] = {"aud": audience, "iat": int(time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        header.update(changes.pop("header", {}))
        claims.update(changes)
        return jwt.encode(header, claims, holder.key, algorithms=[holder.alg], registry=REGISTRY)

    def credential(
        self, credential_endpoint: str, access_token: str, configuration: str, proof: str
    ) -> Any:
        body = {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}}
        return self.http.post(
            self._path(credential_endpoint),
            json=body,
            headers={"Authorization": f"Bearer {access_token}"},
        )

    def claim(self, offer_url: str, holder: Holder, wanted_format: str) -> Any:
        """The whole flow from the offer link; the credential endpoint's response."""
        offer = self.read_offer(offer_url)
        issuer = offer["credential_issuer"]
        metadata = self.issuer_metadata(issuer)
        assert metadata["credential_issuer"] == issuer  # §12.2.2: identical
        configurations = metadata["credential_configurations_supported"]
        configuration = next(
            name
            for name in offer["credential_configuration_ids"]
            if configurations[name]["format"] == wanted_format
        )
        authorization = self.as_metadata(issuer)
        assert authorization["pre-authorized_grant_anonymous_access_supported"] is True
        code = offer["grants"][PRE_AUTH]["pre-authorized_code"]
        token = self.token(authorization["token_endpoint"], code)
        assert token.status_code == 200, token.get_json()
        access_token = token.get_json()["access_token"]
        nonce = self.nonce(metadata["nonce_endpoint"])
        proof = self.proof(holder, issuer, nonce)
        return self.credential(metadata["credential_endpoint"], access_token, configuration, proof)
