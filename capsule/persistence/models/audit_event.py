from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, DefaultBase, Timestamp


class AuditEvent(DefaultBase):
    """One entry of a capsule's public, append-only audit log (FORMAT §8).

    The primary key (capsule_id, seq) makes two concurrent appends of the same seq collide in
    the database instead of forking the chain.
    """

    __tablename__ = "audit_event"

    capsule_id: Mapped[UUID] = mapped_column(ForeignKey("capsule.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[Timestamp]
    type: Mapped[str] = mapped_column(String(40))
    body: Mapped[Bytes]  # the exact canonical event bytes that were hashed
    hash: Mapped[Bytes]
