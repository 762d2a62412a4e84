from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, DefaultBase


class OpenedItem(DefaultBase):
    """One item of an opened capsule, decrypted and verified: public from now on, so kept in
    the clear for fast pages and search. Attachments stay ciphertext and are decrypted as they
    are downloaded, with the data key kept here (public too once the private key is)."""

    __tablename__ = "opened_item"
    __table_args__ = (Index("ix_opened_item_capsule_kind", "capsule_id", "kind", "index"),)

    capsule_id: Mapped[UUID] = mapped_column(ForeignKey("capsule.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    contribution_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(String(16))
    verified: Mapped[bool]
    # When not verified: the report's code and message (never content); the fields below are empty.
    failure_code: Mapped[str] = mapped_column(String(40), default="")
    failure: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[Bytes]  # the canonical document, exactly as sealed (its SHA-256 is the commitment)
    dek: Mapped[Bytes]
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(Text, default="")
    organization: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    # Title, text, author and organization case-folded (Kazakh and Russian too, ё as е) for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
