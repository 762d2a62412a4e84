"""API v1 schemas of contributions, receipts and moderation (DESIGN §5).

The text limits are the services' own (`services.uploads.LIMITS`), so the API and the form
refuse the same things; Unicode normalization stays in the services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from capsule.core.clock import utc_text
from capsule.core.envelope import AttachmentMeta, Document
from capsule.persistence.services.contributions import Receipt
from capsule.persistence.services.moderation import NOTE_MAX, QueueItem
from capsule.persistence.services.uploads import LIMITS, MAX_ATTACHMENTS, ContributionFields

Kind = Literal["goal", "priority", "appeal"]
Language = Literal["kk", "ru", "en"]


Title = Annotated[str, Meta(max_length=LIMITS["title"], description="1-200 characters")]
Body = Annotated[str, Meta(max_length=LIMITS["body"], description="1-20000 characters; line breaks are kept")]
AuthorName = Annotated[str, Meta(max_length=LIMITS["author_name"], description="who wrote it")]
AuthorRole = Annotated[str, Meta(max_length=LIMITS["author_role"], description="e.g. chair; optional")]
Organization = Annotated[str, Meta(max_length=LIMITS["organization"], description="the author's organization")]


class ContributionSubmit(msgspec.Struct, kw_only=True):
    """One contribution. As JSON, or as multipart/form-data with these text fields first and
    then up to 5 files named `attachments` (images, PDF, plain text)."""

    kind: Annotated[Kind, Meta(description="goal (strategic goal), priority or appeal")]
    title: Title
    body: Body
    author_name: AuthorName
    organization: Organization
    language: Annotated[Language, Meta(description="the language it is written in")]
    author_role: AuthorRole = ""

    def to_service(self) -> ContributionFields:
        return ContributionFields(kind=self.kind, title=self.title, body=self.body, author_name=self.author_name,
                                  organization=self.organization, language=self.language,
                                  author_role=self.author_role)


class ContributionEdit(ContributionSubmit, kw_only=True):
    """A new version of a contribution: every field again, plus which attachments to keep
    (their indexes in the current version); new files come as multipart `attachments`."""

    keep_attachments: Annotated[list[Annotated[int, Meta(ge=0, lt=MAX_ATTACHMENTS)]],
                                Meta(max_length=MAX_ATTACHMENTS)] = []


class ReceiptOut(msgspec.Struct, kw_only=True):
    """What a contributor keeps: the token is the only key to this receipt, shown here once
    (and again for a retried submission with the same Idempotency-Key)."""

    id: UUID
    capsule: str
    commitment: str  # hex SHA-256 of the canonical document (FORMAT §3.2)
    status: str
    version: int
    receipt_token: str
    receipt_url: str  # the receipt page
    api_url: str  # GET it as JSON
    kind: str
    organization: str
    submitted_at: str

    @classmethod
    def of(cls, receipt: Receipt, base_url: str) -> ReceiptOut:
        return cls(id=receipt.id, capsule=receipt.capsule_slug, commitment=receipt.commitment.hex(),
                   status=str(receipt.status), version=receipt.version, receipt_token=receipt.receipt_token,
                   receipt_url=f"{base_url}/receipts/{receipt.id}?token={receipt.receipt_token}",
                   api_url=f"{base_url}/api/v1/receipts/{receipt.id}?token={receipt.receipt_token}",
                   kind=receipt.kind, organization=receipt.organization, submitted_at=utc_text(receipt.submitted_at))


class InclusionProofOut(msgspec.Struct, kw_only=True):
    """RFC 9162 inclusion proof of the commitment in the sealed tree (after sealing)."""

    index: int
    tree_size: int
    path: list[str]  # hex hashes, leaf to root
    root: str


class ReceiptStatusOut(msgspec.Struct, kw_only=True):
    id: UUID
    capsule: str
    status: str
    version: int
    kind: str
    organization: str
    commitment: str
    submitted_at: str
    # The organizer's note, when the contribution was rejected.
    decision_note: str | None = None
    # Filled once the capsule is sealed and this contribution is in the sealed set.
    inclusion_proof: InclusionProofOut | None = None

    @classmethod
    def of(cls, receipt: Receipt, proof: InclusionProofOut | None = None) -> ReceiptStatusOut:
        rejected = str(receipt.status) == "rejected"
        return cls(id=receipt.id, capsule=receipt.capsule_slug, status=str(receipt.status), version=receipt.version,
                   kind=receipt.kind, organization=receipt.organization, commitment=receipt.commitment.hex(),
                   submitted_at=utc_text(receipt.submitted_at),
                   decision_note=(receipt.decision_note or None) if rejected else None, inclusion_proof=proof)


# -- moderation --------------------------------------------------------------------------------


class ContributionDecide(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: Literal["accept", "reject"]
    # Goes to the contributor (their receipt), never to the public log.
    note: Annotated[str, Meta(max_length=NOTE_MAX)] = ""


class AttachmentOut(msgspec.Struct, kw_only=True):
    index: int
    name: str
    media_type: str
    size: int
    sha256: str
    url: str  # organizer only; every download is an audit event

    @classmethod
    def of(cls, index: int, meta: AttachmentMeta, url: str) -> AttachmentOut:
        return cls(index=index, name=meta.name, media_type=meta.media_type, size=meta.size, sha256=meta.sha256,
                   url=url)


class ContentOut(msgspec.Struct, kw_only=True):
    """The decrypted document, for moderation before sealing."""

    title: str
    body: str
    author_name: str
    author_role: str
    organization: str
    language: str
    submitted_at: str
    attachments: list[AttachmentOut]

    @classmethod
    def of(cls, document: Document, attachment_url: str) -> ContentOut:
        return cls(title=document.title, body=document.body, author_name=document.author, author_role=document.role,
                   organization=document.organization, language=document.language,
                   submitted_at=document.submitted_at,
                   attachments=[AttachmentOut.of(i, a, f"{attachment_url}/{i}")
                                for i, a in enumerate(document.attachments)])


class ContributionOut(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    organization: str  # of the invitation, as the organizer typed it
    status: str
    version: int
    attachments: int
    commitment: str
    submitted_at: str
    decided_at: str | None
    content: ContentOut | None = None  # only with ?content=1

    @classmethod
    def of(cls, item: QueueItem, content: ContentOut | None = None) -> ContributionOut:
        return cls(id=item.id, kind=item.kind, organization=item.organization, status=str(item.status),
                   version=item.version, attachments=item.attachments, commitment=item.commitment.hex(),
                   submitted_at=utc_text(item.submitted_at), decided_at=_when(item.decided_at), content=content)


class ContributionListOut(msgspec.Struct):
    contributions: list[ContributionOut]


def _when(value: datetime | None) -> str | None:
    return utc_text(value) if value is not None else None
