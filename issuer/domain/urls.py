"""The public URL scheme: every id we publish. These paths are permanent; never change them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublicUrls:
    """Builds public URLs from ``BASE_URL``; the public blueprints route the same paths."""

    base: str

    # Open Badges 2.0
    def ob2_issuer(self, issuer_id: int) -> str:
        return f"{self.base}/ob2/issuers/{issuer_id}"

    def ob2_key(self, key_id: str) -> str:
        return f"{self.base}/ob2/keys/{key_id}"

    def ob2_revocations(self, issuer_id: int) -> str:
        return f"{self.base}/ob2/issuers/{issuer_id}/revocations"

    def ob2_program_badge(self, program_id: int, version: int) -> str:
        return f"{self.base}/ob2/programs/{program_id}/v{version}"

    def ob2_stack_badge(self, stack_id: int) -> str:
        return f"{self.base}/ob2/stacks/{stack_id}"

    def ob2_assertion(self, award_id: str) -> str:
        return f"{self.base}/ob2/assertions/{award_id}"

    def ob2_endorsement(self, program_id: int, version: int) -> str:
        return f"{self.base}/ob2/endorsements/programs/{program_id}/v{version}"

    def issuer_image(self, issuer_id: int) -> str:
        return f"{self.base}/ob2/issuers/{issuer_id}/image"

    def badge_image(self, badge_url: str, ext: str) -> str:
        """Artwork of a badge (program version or stack), next to its BadgeClass."""
        return f"{badge_url}/image.{ext}"

    # Open Badges 3.0
    def ob3_issuer(self, issuer_id: int) -> str:
        return f"{self.base}/ob3/issuers/{issuer_id}"

    def ob3_key(self, key_id: str) -> str:
        return f"{self.base}/ob3/keys/{key_id}"

    def ob3_program_achievement(self, program_id: int, version: int) -> str:
        return f"{self.base}/ob3/programs/{program_id}/v{version}"

    def ob3_stack_achievement(self, stack_id: int) -> str:
        return f"{self.base}/ob3/stacks/{stack_id}"

    def ob3_credential(self, award_id: str) -> str:
        return f"{self.base}/ob3/credentials/{award_id}"

    def learner_record(self, record_id: str) -> str:
        """One of an educator's Comprehensive Learner Records (CLR 2.0), signed by PTSB."""
        return f"{self.base}/ob3/clr/{record_id}"

    def ob3_status_list(self, issuer_id: int, number: int = 1) -> str:
        """The issuer's Bitstring Status List ``number`` (the first keeps its original path)."""
        first = f"{self.base}/ob3/issuers/{issuer_id}/status"
        return first if number == 1 else f"{first}/{number}"

    # People-facing pages
    def path(self, url: str) -> str:
        """The path part of one of our URLs: where its document is stored."""
        if not url.startswith(self.base + "/"):
            raise ValueError(f"{url} is not one of this service's URLs")
        return url[len(self.base) :]

    def password_setup(self, token: str) -> str:
        """The one-time link: the token after ``#`` is never sent in a request line (or logged)."""
        return f"{self.base}/account/password#token={token}"

    def spec_sheet(self, program_id: int) -> str:
        """The program's public page: the version in force, as an educator reads it."""
        return f"{self.base}/programs/{program_id}"

    def portfolio(self) -> str:
        """The signed-in educator's own portfolio."""
        return f"{self.base}/portfolio"

    def portfolio_wallet(self, award_id: str) -> str:
        """The portfolio at one badge's "Add to a wallet" (offers expire: mail links here)."""
        return f"{self.base}/portfolio#wallet-{award_id}"

    def enrollment_page(self, enrollment_id: int) -> str:
        """The educator's page of one enrollment: status, feedback and the (re)submission form."""
        return f"{self.base}/learning/enrollments/{enrollment_id}"

    def review_queue(self) -> str:
        """The signed-in reviewer's queue of assigned submissions."""
        return f"{self.base}/reviews"

    def sign_in(self) -> str:
        return f"{self.base}/login"

    def certificate(self, award_id: str, fmt: str = "pdf") -> str:
        return f"{self.base}/awards/{award_id}/certificate.{fmt}"

    def award_artifacts(self, award_id: str) -> dict[str, object]:
        """The artifact URLs an award answer carries (SPEC §5)."""
        assertion = self.ob2_assertion(award_id)
        credential = self.ob3_credential(award_id)
        return {
            "ob2": {
                "assertion": assertion,
                "jws": f"{assertion}.jws",
                "png": f"{assertion}.png",
                "svg": f"{assertion}.svg",
            },
            "ob3": {
                "credential": credential,
                "jwt": f"{credential}.jwt",
                "png": f"{credential}.png",
                "svg": f"{credential}.svg",
            },
            "ob2_signed": {"png": f"{assertion}.signed.png", "svg": f"{assertion}.signed.svg"},
            "verify_url": assertion,
            "certificate_pdf": self.certificate(award_id, "pdf"),
        }
