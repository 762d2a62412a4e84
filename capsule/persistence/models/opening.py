from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, DefaultBase, JsonB, Timestamp


class Opening(DefaultBase):
    """The opening record: the published private key and the verification report."""

    __tablename__ = "opening"

    capsule_id: Mapped[UUID] = mapped_column(ForeignKey("capsule.id", ondelete="CASCADE"), primary_key=True)
    opened_at: Mapped[Timestamp]
    private_key: Mapped[Bytes]  # published: anyone with the sealed archive can now open it
    report: Mapped[dict[str, Any]] = mapped_column(JsonB)
    verified: Mapped[int]
    failed: Mapped[int]
