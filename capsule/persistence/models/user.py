from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Timestamp, UUIDBase


class User(UUIDBase):
    """An organizer. Contributors and custodians have no accounts."""

    # "user" is reserved in PostgreSQL.
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lowercased
    password_hash: Mapped[str] = mapped_column(String(200))  # Argon2id, PHC string
    display_name: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]
