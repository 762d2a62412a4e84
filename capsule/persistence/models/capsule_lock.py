from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from capsule.persistence.models.base import Bytes, DefaultBase, JsonB, Timestamp


class CapsuleLock(DefaultBase):
    """One lock of a sealed capsule (FORMAT §7): its public parameters and what opens it.

    Never a secret in the clear: the server lock's secret is wrapped under the master key,
    custodian shares are not stored at all, the drand lock keeps only its tlock file.
    """

    __tablename__ = "capsule_lock"

    capsule_id: Mapped[UUID] = mapped_column(ForeignKey("capsule.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)  # as in the certificate
    wrapped_secret: Mapped[Bytes | None]  # server lock only
    lock_file: Mapped[Bytes | None]  # drand lock: the standard tlock (age) file
    # drand lock, after opening: the verified beacon signature, kept with the opening record.
    beacon: Mapped[Bytes | None]
    opened_at: Mapped[Timestamp | None]
