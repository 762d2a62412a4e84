from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, Timestamp, UUIDBase


class ShareEntry(UUIDBase):
    """A custodian share entered at the opening page, kept (wrapped under the master key) until
    enough have arrived, so the custodian ceremony survives a restart. Wiped once opened."""

    __tablename__ = "share_entry"
    __table_args__ = (UniqueConstraint("capsule_id", "member_index"),)

    capsule_id: Mapped[UUID] = mapped_column(ForeignKey("capsule.id", ondelete="CASCADE"), index=True)
    member_index: Mapped[int]
    wrapped_share: Mapped[Bytes]
    entered_at: Mapped[Timestamp]
