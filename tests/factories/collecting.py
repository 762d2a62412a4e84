"""Building a collecting capsule through the real services (for persistence, API and page tests)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from capsule.core.clock import ManualClock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import CapsuleService, CapsuleSpec
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.uploads import ContributionFields

OPENING = datetime(2036, 3, 5, 7, 0, tzinfo=UTC)
LIMIT = 1024 * 1024


def png(width: int = 2, height: int = 2, marker: bytes = b"") -> bytes:
    """A real, tiny PNG; `marker` goes into a text chunk (to find it if it ever leaks)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + (chunk(b"tEXt", b"Comment\x00" + marker) if marker else b"")
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@dataclass
class FakeUpload:
    filename: str
    data: bytes
    declared_type: str = "application/octet-stream"
    piece: int = 7000

    async def chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), self.piece):
            yield self.data[start:start + self.piece]


def fields(**changes: str) -> ContributionFields:
    values = dict(kind="goal", title="Еріктілер қозғалысын дамыту", body="Әрбір ауданда еріктілер орталығы ашылсын.\nҚоғамға қызмет — біздің борышымыз.",
                  author_name="Айгүл Серікқызы", author_role="Төраға", organization="Жастар ұйымы", language="kk")
    values.update(changes)
    return ContributionFields(**values)


@dataclass
class World:
    db: Database
    clock: ManualClock
    keys: ServiceKeys
    capsules: CapsuleService
    invitations: InvitationService
    contributions: ContributionService
    moderation: ModerationService

    async def collecting(self, slug: str = "almaty-2026", *, moderation: bool = True,
                         opening_at: datetime = OPENING, **spec: object) -> str:
        await self.capsules.create(CapsuleSpec(title="Уақыт капсуласы – 2026", slug=slug, opening_at=opening_at,
                                               moderation=moderation, **spec), None)  # type: ignore[arg-type]
        await self.capsules.publish(slug)
        return slug

    async def invite(self, slug: str, organization: str = "Алматы еріктілер орталығы", **kw: object) -> str:
        return (await self.invitations.create(slug, organization, **kw)).token  # type: ignore[arg-type]


def make_world(db: Database, clock: ManualClock, service_keys: ServiceKeys) -> World:
    return World(db, clock, service_keys, CapsuleService(db, clock, service_keys),
                 InvitationService(db, clock, service_keys),
                 ContributionService(db, clock, service_keys, max_upload_bytes=LIMIT),
                 ModerationService(db, clock, service_keys, max_upload_bytes=LIMIT))


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()
