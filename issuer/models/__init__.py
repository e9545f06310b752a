"""Tables, by area. Importing this package registers every table on ``Base.metadata``."""

from issuer.models.accounts import Account, LoginAttempt
from issuer.models.audit import AuditEntry
from issuer.models.awards import Award, PublicationChange, PublishedDocument, StatusList
from issuer.models.backpacks import BackpackConnection, BackpackRegistration
from issuer.models.enrollments import (
    Earner,
    Enrollment,
    EvidenceFile,
    PriorTraining,
    Review,
    Submission,
)
from issuer.models.issuers import Issuer, SigningKey
from issuer.models.learner_records import LearnerRecord
from issuer.models.mail import MailAttempt, MailMessage, MailPreference, MailSuppression
from issuer.models.oauth import OAuthClient, OAuthCode, OAuthToken, ReceivedCredential
from issuer.models.outbox import Notice
from issuer.models.programs import Program, ProgramVersion, Stack, StackProgram
from issuer.models.review_cycles import ReviewAssignment, ReviewCycle
from issuer.models.wallets import (
    WalletAccessToken,
    WalletCopy,
    WalletExchange,
    WalletNonce,
    WalletOffer,
)
from issuer.models.webhooks import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

__all__ = [
    "Account",
    "AuditEntry",
    "Award",
    "BackpackConnection",
    "BackpackRegistration",
    "Earner",
    "Enrollment",
    "EvidenceFile",
    "Issuer",
    "LearnerRecord",
    "LoginAttempt",
    "MailAttempt",
    "MailMessage",
    "MailPreference",
    "MailSuppression",
    "Notice",
    "OAuthClient",
    "OAuthCode",
    "OAuthToken",
    "PriorTraining",
    "Program",
    "ProgramVersion",
    "PublicationChange",
    "PublishedDocument",
    "ReceivedCredential",
    "Review",
    "ReviewAssignment",
    "ReviewCycle",
    "SigningKey",
    "Stack",
    "StackProgram",
    "StatusList",
    "Submission",
    "WalletAccessToken",
    "WalletCopy",
    "WalletExchange",
    "WalletNonce",
    "WalletOffer",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
