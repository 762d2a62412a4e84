from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, JsonB, Timestamp, UUIDBase


class Capsule(UUIDBase):
    """One capsule through its whole life. Seal and opening records are their own tables."""

    __tablename__ = "capsule"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Titles and descriptions in other languages ({"kk": ..., "ru": ..., "en": ...}), optional.
    translations: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    timezone: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    opening_at: Mapped[Timestamp]
    submissions_close_at: Mapped[Timestamp | None]
    moderation: Mapped[bool] = mapped_column(default=True)
    auto_open: Mapped[bool] = mapped_column(default=False)
    lock_policy: Mapped[str] = mapped_column(String(8), default="any")
    # The lock configuration as the organizer chose it: [{"type": "server"}, ...]. No secrets.
    locks: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    # HPKE public key (FORMAT §2.2), public from creation.
    public_key: Mapped[Bytes]
    # The private key wrapped under the master key (FORMAT §2.3); deleted in the seal transaction.
    prekey: Mapped[Bytes | None]
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    published_at: Mapped[Timestamp | None]
    sealed_at: Mapped[Timestamp | None]
    opened_at: Mapped[Timestamp | None]
