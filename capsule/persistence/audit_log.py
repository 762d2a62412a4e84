"""Appending to and reading a capsule's public audit log (FORMAT §8) inside a transaction.

Appends must be serialized per capsule: callers hold the capsule row lock (`lock_capsule`),
and the (capsule_id, seq) primary key makes any slip a database error, never a forked chain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from capsule.core import audit
from capsule.core.audit import Actor, AuditRef, EventType
from capsule.core.clock import truncate
from capsule.core.errors import NotFoundError
from capsule.persistence import models as m
from capsule.persistence.database import Database


async def head(session: AsyncSession, capsule_id: UUID) -> AuditRef:
    """Size and head hash of the log now."""
    row = (await session.execute(
        select(m.AuditEvent.seq, m.AuditEvent.hash)
        .where(m.AuditEvent.capsule_id == capsule_id)
        .order_by(m.AuditEvent.seq.desc()).limit(1)
    )).one_or_none()
    if row is None:
        return AuditRef(size=0, head=audit.GENESIS.hex())
    return AuditRef(size=row.seq, head=row.hash.hex())


async def append(
    session: AsyncSession, capsule_id: UUID, at: datetime, type_: EventType, actor: Actor,
    data: Mapping[str, Any] | None = None,
) -> AuditRef:
    """Append one event; the caller holds the capsule's row lock.

    Raises:
        FormatError: the event carries data the public log may not (see `audit.check_event_data`).
    """
    data = dict(data or {})
    audit.check_event_data(type_, data)
    current = await head(session, capsule_id)
    seq = current.size + 1
    body, digest = audit.append(bytes.fromhex(current.head), seq, truncate(at), type_, actor, data)
    session.add(m.AuditEvent(capsule_id=capsule_id, seq=seq, at=truncate(at), type=str(type_), body=body, hash=digest))
    await session.flush()
    return AuditRef(size=seq, head=digest.hex())


async def events(session: AsyncSession, capsule_id: UUID, *, after: int = 0, limit: int | None = None) -> list[m.AuditEvent]:
    query = (select(m.AuditEvent).where(m.AuditEvent.capsule_id == capsule_id, m.AuditEvent.seq > after)
             .order_by(m.AuditEvent.seq))
    if limit is not None:
        query = query.limit(limit)
    return list((await session.execute(query)).scalars())


async def jsonl(session: AsyncSession, capsule_id: UUID) -> bytes:
    """The whole log as in archives: one canonical event per line."""
    rows = (await session.execute(
        select(m.AuditEvent.body).where(m.AuditEvent.capsule_id == capsule_id).order_by(m.AuditEvent.seq)
    )).scalars()
    return b"".join(body + b"\n" for body in rows)


@dataclass(frozen=True)
class LogPage:
    capsule: m.Capsule
    head: AuditRef  # of the whole log, not just this page
    events: list[m.AuditEvent]


async def page(db: Database, slug: str, *, after: int = 0, limit: int = 1000) -> LogPage:
    """One page of a capsule's log for the public feed: events after seq `after`, at most `limit`.

    Raises:
        NotFoundError: no capsule has this slug.
    """
    async with db.read() as session:
        capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == slug))).scalar_one_or_none()
        if capsule is None:
            raise NotFoundError(f"no capsule {slug!r}", slug=slug)
        return LogPage(capsule, await head(session, capsule.id), await events(session, capsule.id, after=after, limit=limit))
