"""Open Badges 2.0 and 3.0 issuing service for teacher micro-credentials."""

from issuer.app import create_app

__all__ = ["create_app"]
