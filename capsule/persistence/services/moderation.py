"""Moderation: the organizers' queue, reading a contribution (audit-logged), decisions."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from uuid import UUID

from sqlalchemy import select

from capsule.core import envelope
from capsule.core.audit import Actor, EventType
from capsule.core.clock import truncate
from capsule.core.errors import NotFoundError, TransitionError, ValidationError
from capsule.core.lifecycle import State, Status, decide
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.services.capsules import by_slug, lock_by_slug
from capsule.persistence.services.contributions import ContributionService

NOTE_MAX: Final = 2000
VISIBLE: Final = (Status.PENDING, Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN, Status.SEALED, Status.EXCLUDED)


@dataclass(frozen=True)
class QueueItem:
    """What the queue shows without reading any content."""

    id: UUID
    kind: str
    organization: str
    status: Status
    version: int
    attachments: int
    submitted_at: datetime
    decided_at: datetime | None
    commitment: bytes


@dataclass(frozen=True)
class ReadItem:
    item: QueueItem
    document: envelope.Document
    document_bytes: bytes


def _item(row: m.Contribution) -> QueueItem:
    return QueueItem(id=row.id, kind=row.kind, organization=row.organization, status=Status(row.status),
                     version=row.version, attachments=row.attachment_count, submitted_at=row.submitted_at,
                     decided_at=row.decided_at, commitment=row.commitment)


class ModerationService(ContributionService):
    async def queue(self, slug: str, status: Status | None = None) -> list[QueueItem]:
        """Every submitted contribution (no drafts), oldest first; optionally one status."""
        async with self.db.read() as session:
            capsule = await by_slug(session, slug)
            query = select(m.Contribution).where(m.Contribution.capsule_id == capsule.id,
                                                 m.Contribution.status.in_(VISIBLE))
            if status is not None:
                query = query.where(m.Contribution.status == status)
            rows = (await session.execute(query.order_by(m.Contribution.submitted_at, m.Contribution.id))).scalars()
            return [_item(row) for row in rows]

    async def read(self, slug: str, contribution_ids: list[UUID] | None = None) -> list[ReadItem]:
        """Decrypt contributions for moderation, before sealing; one audit event per read.

        Raises:
            TransitionError: the capsule is sealed (nobody reads it before the date).
        """
        now = truncate(self.clock.now())
        async with self.db.write() as session:
            capsule = await lock_by_slug(session, slug)
            if capsule.state not in (State.DRAFT, State.COLLECTING):
                raise TransitionError("the capsule is sealed: nobody can read it before the opening date",
                                      state=capsule.state)
            query = select(m.Contribution).where(m.Contribution.capsule_id == capsule.id,
                                                 m.Contribution.status.in_([Status.PENDING, Status.ACCEPTED, Status.REJECTED]))
            if contribution_ids is not None:
                query = query.where(m.Contribution.id.in_(contribution_ids))
            rows = list((await session.execute(query.order_by(m.Contribution.submitted_at, m.Contribution.id))).scalars())
            if contribution_ids is not None and len(rows) != len(set(contribution_ids)):
                raise NotFoundError("no such contribution in this capsule")
            out = []
            for row in rows:
                data = await self.read_document(session, capsule, row)
                out.append(ReadItem(item=_item(row), document=envelope.parse_document(data), document_bytes=data))
            if rows:
                await audit_log.append(session, capsule.id, now, EventType.CONTRIBUTION_READ, Actor.ORGANIZER,
                                       {"contribution_id": str(rows[0].id), "items": len(rows)} if len(rows) == 1
                                       else {"items": len(rows)})
            return out

    async def decide(self, slug: str, contribution_id: UUID, decision: str, note: str = "") -> QueueItem:
        """Accept or reject while collecting; the note goes to the contributor, not the public log.

        Raises:
            NotFoundError, TransitionError, ValidationError.
        """
        note = unicodedata.normalize("NFC", (note or "").strip())
        if len(note) > NOTE_MAX:
            raise ValidationError(f"note is longer than {NOTE_MAX} characters", field="note", max=NOTE_MAX)
        if decision not in ("accept", "reject"):
            raise ValidationError(f"decision must be 'accept' or 'reject', got {decision!r}", field="decision")
        now = truncate(self.clock.now())
        async with self.db.write() as session:
            capsule = await lock_by_slug(session, slug)
            if capsule.state != State.COLLECTING:
                raise TransitionError(f"capsule is {capsule.state}; decisions are closed", state=capsule.state)
            row = await session.get(m.Contribution, contribution_id)
            if row is None or row.capsule_id != capsule.id or row.status == Status.DRAFT:
                raise NotFoundError(f"no contribution {contribution_id} in capsule {slug!r}")
            row.status = decide(Status(row.status), decision)
            row.decision_note = note
            row.decided_at = now
            row.updated_at = now
            await session.flush()
            event = EventType.CONTRIBUTION_ACCEPTED if decision == "accept" else EventType.CONTRIBUTION_REJECTED
            await audit_log.append(session, capsule.id, now, event, Actor.ORGANIZER,
                                   {"contribution_id": str(row.id), "has_note": bool(note)})
            return _item(row)

    async def attachment(self, slug: str, contribution_id: UUID, index: int) -> tuple[envelope.AttachmentMeta, AsyncIterator[bytes]]:
        """One attachment of a contribution, decrypted as it streams; the read is an audit event.

        Raises:
            NotFoundError: no such contribution or attachment; TransitionError: sealed.
        """
        now = truncate(self.clock.now())
        async with self.db.write() as session:
            capsule = await lock_by_slug(session, slug)
            if capsule.state not in (State.DRAFT, State.COLLECTING):
                raise TransitionError("the capsule is sealed: nobody can read it before the opening date",
                                      state=capsule.state)
            row = await session.get(m.Contribution, contribution_id)
            if row is None or row.capsule_id != capsule.id or row.status not in (
                    Status.PENDING, Status.ACCEPTED, Status.REJECTED):
                raise NotFoundError(f"no contribution {contribution_id} in capsule {slug!r}")
            document = envelope.parse_document(await self.read_document(session, capsule, row))
            if not 0 <= index < len(document.attachments):
                raise NotFoundError(f"no attachment {index} in contribution {contribution_id}")
            await audit_log.append(session, capsule.id, now, EventType.CONTRIBUTION_READ, Actor.ORGANIZER,
                                   {"contribution_id": str(row.id), "items": 1})
        return document.attachments[index], self.attachment_stream(capsule, row, index)
