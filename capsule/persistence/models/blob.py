from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, Timestamp, UUIDBase


class Blob(UUIDBase):
    """One ciphertext of a contribution: position 0 is the document, position j+1 attachment j.

    The bytes live in `blob_chunk` rows, so every host behind a proxy sees the same data and
    nothing is ever held whole in memory.
    """

    __tablename__ = "blob"
    __table_args__ = (UniqueConstraint("contribution_id", "position"),)

    # NULL while an upload is in flight: attached to its contribution in the submit transaction.
    contribution_id: Mapped[UUID | None] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    size: Mapped[int]  # ciphertext bytes
    sha256: Mapped[Bytes]  # of the ciphertext, as the manifest lists it
    chunk_count: Mapped[int]
    created_at: Mapped[Timestamp]
