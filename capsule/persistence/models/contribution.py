from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, Timestamp, UUIDBase


class Contribution(UUIDBase):
    """One contribution: metadata in the clear, content only as ciphertext (blob rows).

    Clear metadata is what the ceremony and the public log show anyway: kind and the
    invitation's organization. Title, text, author and attachments live only in the
    encrypted document (FORMAT §3).
    """

    __tablename__ = "contribution"
    __table_args__ = (UniqueConstraint("capsule_id", "submit_key"),)

    capsule_id: Mapped[UUID] = mapped_column(ForeignKey("capsule.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[UUID | None] = mapped_column(ForeignKey("invitation.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    organization: Mapped[str] = mapped_column(String(200))
    commitment: Mapped[Bytes]
    wrapped_dek: Mapped[Bytes]
    attachment_count: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    decided_at: Mapped[Timestamp | None]
    # The organizer's note to the contributor; shown on the receipt, never in the public log.
    decision_note: Mapped[str] = mapped_column(Text, default="")
    receipt_token_hash: Mapped[Bytes] = mapped_column(unique=True)
    # A random key carried by the form, so a double submit creates one contribution.
    submit_key: Mapped[str | None] = mapped_column(String(64))
    # Position in the sealed set (manifest index), once sealed.
    sealed_index: Mapped[int | None]
