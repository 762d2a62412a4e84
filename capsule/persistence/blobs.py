"""Ciphertext in the database, in chunks: written as it arrives, read back as a stream.

Every host behind a proxy sees the same bytes, and nothing is held whole in memory: an
attachment is encrypted chunk by chunk as it is uploaded and each CHUNK_BYTES of ciphertext is
one short write transaction (so a slow upload never holds SQLite's single write lock).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from capsule.persistence import models as m
from capsule.persistence.database import Database

CHUNK_BYTES = 1024 * 1024


class BlobWriter:
    """Appends ciphertext to a new, unattached blob; `attach` it to a contribution later.

    Until attached, the blob belongs to nobody (contribution_id is NULL); `discard` removes it,
    and `sweep_orphans` removes any left by a crash.
    """

    def __init__(self, db: Database, position: int, created_at: object) -> None:
        self.db = db
        self.id: UUID = uuid4()
        self.position = position
        self.size = 0
        self.chunks = 0
        self._created_at = created_at
        self._digest = hashlib.sha256()
        self._pending = bytearray()
        self._started = False

    async def write(self, data: bytes) -> None:
        self._pending += data
        while len(self._pending) >= CHUNK_BYTES:
            await self._flush(bytes(self._pending[:CHUNK_BYTES]))
            del self._pending[:CHUNK_BYTES]

    async def close(self) -> None:
        """Write what is pending and record size and SHA-256 of the ciphertext."""
        if self._pending or not self._started:
            await self._flush(bytes(self._pending))
            self._pending.clear()
        async with self.db.write() as session:
            await session.execute(
                update(m.Blob).where(m.Blob.id == self.id)
                .values(size=self.size, sha256=self._digest.digest(), chunk_count=self.chunks)
            )

    async def discard(self) -> None:
        if self._started:
            async with self.db.write() as session:
                await session.execute(delete(m.Blob).where(m.Blob.id == self.id))

    async def _flush(self, data: bytes) -> None:
        async with self.db.write() as session:
            if not self._started:
                session.add(m.Blob(id=self.id, contribution_id=None, position=self.position, size=0,
                                   sha256=b"", chunk_count=0, created_at=self._created_at))
                await session.flush()
                self._started = True
            session.add(m.BlobChunk(blob_id=self.id, seq=self.chunks, data=data))
        self.chunks += 1
        self.size += len(data)
        self._digest.update(data)


def add_small_blob(session: AsyncSession, contribution_id: UUID, position: int, data: bytes, created_at: object) -> m.Blob:
    """A blob small enough to write in the caller's transaction (a document)."""
    blob = m.Blob(id=uuid4(), contribution_id=contribution_id, position=position, size=len(data),
                  sha256=hashlib.sha256(data).digest(), chunk_count=0, created_at=created_at)
    session.add(blob)
    for seq, start in enumerate(range(0, max(len(data), 1), CHUNK_BYTES)):
        session.add(m.BlobChunk(blob_id=blob.id, seq=seq, data=data[start:start + CHUNK_BYTES]))
        blob.chunk_count = seq + 1
    return blob


async def attach(session: AsyncSession, blob_ids: list[UUID], contribution_id: UUID) -> None:
    if blob_ids:
        await session.execute(update(m.Blob).where(m.Blob.id.in_(blob_ids)).values(contribution_id=contribution_id))


async def read_chunks(db: Database, blob_id: UUID) -> AsyncIterator[bytes]:
    """The blob's bytes, one stored chunk at a time (one short read per chunk)."""
    async with db.read() as session:
        count = (await session.execute(select(m.Blob.chunk_count).where(m.Blob.id == blob_id))).scalar_one()
    for seq in range(count):
        async with db.read() as session:
            yield (await session.execute(
                select(m.BlobChunk.data).where(m.BlobChunk.blob_id == blob_id, m.BlobChunk.seq == seq)
            )).scalar_one()


async def read_all(session: AsyncSession, blob_id: UUID) -> bytes:
    """A small blob whole (documents)."""
    rows = (await session.execute(
        select(m.BlobChunk.data).where(m.BlobChunk.blob_id == blob_id).order_by(m.BlobChunk.seq)
    )).scalars()
    return b"".join(rows)


async def sweep_orphans(db: Database, older_than: object) -> int:
    """Delete blobs never attached to a contribution (an upload cut off by a crash)."""
    async with db.write() as session:
        result = await session.execute(
            delete(m.Blob).where(m.Blob.contribution_id.is_(None), m.Blob.created_at < older_than)
        )
    return int(result.rowcount or 0)
