from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, Timestamp, UUIDBase


class ApiToken(UUIDBase):
    """A bearer token for the API. Only SHA-256 of the token is stored (it has ≥128 random bits,
    so a slow hash would add nothing); the token itself is shown once."""

    __tablename__ = "api_token"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[Bytes] = mapped_column(unique=True)
    created_at: Mapped[Timestamp]
    last_used_at: Mapped[Timestamp | None]
    revoked_at: Mapped[Timestamp | None]
