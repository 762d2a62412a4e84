from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, Timestamp, UUIDBase


class Invitation(UUIDBase):
    """A personal link for one organization leader. Only SHA-256 of its token is stored."""

    __tablename__ = "invitation"

    capsule_id: Mapped[UUID] = mapped_column(ForeignKey("capsule.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[Bytes] = mapped_column(unique=True)
    organization: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    max_contributions: Mapped[int | None]
    used_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[Timestamp]
    revoked_at: Mapped[Timestamp | None]
