from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, DefaultBase, Timestamp


class Seal(DefaultBase):
    """What the ceremony published: the signed certificate and the manifest it binds."""

    __tablename__ = "seal"

    capsule_id: Mapped[UUID] = mapped_column(ForeignKey("capsule.id", ondelete="CASCADE"), primary_key=True)
    certificate: Mapped[Bytes]  # exact signed bytes (FORMAT §6)
    signature: Mapped[Bytes]  # raw 64-byte Ed25519 signature
    signer_kid: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[Bytes]  # exact bytes (FORMAT §5)
    content_root: Mapped[Bytes]
    item_count: Mapped[int]
    sealed_at: Mapped[Timestamp]
