from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, DefaultBase


class BlobChunk(DefaultBase):
    """Up to `blobs.CHUNK_BYTES` of one blob's ciphertext; read back in `seq` order."""

    __tablename__ = "blob_chunk"

    blob_id: Mapped[UUID] = mapped_column(ForeignKey("blob.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[Bytes]
