"""Manifest blob names → stored ciphertext, for core code that runs in a worker thread.

The core's archive writer and opener are synchronous and CPU-bound (decryption, hashing, zip),
so they run in a thread; their `read_blob(name)` calls come back to the event loop here to
fetch one stored chunk at a time. Memory stays at about one chunk per open blob.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Final
from uuid import UUID

from sqlalchemy import select

from capsule.core.errors import NotFoundError
from capsule.core.manifest import Manifest
from capsule.persistence import blobs
from capsule.persistence import models as m
from capsule.persistence.database import Database

_NAME: Final = re.compile(r"^items/(\d{6})/(?:document\.bin|attachment-(\d{2})\.bin)$")
# Documents are small and read one after another: fetch this many per query, not one by one
# (a query per document costs more than decrypting it).
DOCUMENT_BATCH: Final = 500


class BlobBridge:
    """`read_blob(name)` for a sealed capsule's manifest, usable from another thread."""

    def __init__(self, db: Database, manifest: Manifest, loop: asyncio.AbstractEventLoop) -> None:
        self.db = db
        self.loop = loop
        self._ids = {item.index: item.id for item in manifest.items}
        self._documents: dict[int, bytes] = {}

    def read_blob(self, name: str) -> Iterator[bytes]:
        match = _NAME.match(name)
        if match is None or int(match.group(1)) not in self._ids:
            raise NotFoundError(f"{name}: not a blob of this capsule")
        index = int(match.group(1))
        contribution = self._ids[index]
        position = 0 if match.group(2) is None else int(match.group(2)) + 1
        if position == 0:
            if index not in self._documents:
                self._documents = self._run(self._document_batch(index))
            if index in self._documents:
                yield self._documents.pop(index)
                return
        blob = self._run(self._blob(contribution, position))
        if blob is None:
            raise NotFoundError(f"{name}: missing from the database")
        blob_id, count = blob
        for seq in range(count):
            yield self._run(self._chunk(blob_id, seq))

    def _run(self, coroutine):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    async def _document_batch(self, first: int) -> dict[int, bytes]:
        """Documents of items first … first+DOCUMENT_BATCH−1, by index, in one query."""
        wanted = {self._ids[i]: i for i in range(first, first + DOCUMENT_BATCH) if i in self._ids}
        parts: dict[int, list[bytes]] = {}
        async with self.db.read() as session:
            rows = await session.execute(
                select(m.Blob.contribution_id, m.BlobChunk.data)
                .join(m.BlobChunk, m.BlobChunk.blob_id == m.Blob.id)
                .where(m.Blob.position == 0, m.Blob.contribution_id.in_(list(wanted)))
                .order_by(m.Blob.contribution_id, m.BlobChunk.seq))
            for contribution, data in rows:
                parts.setdefault(wanted[contribution], []).append(data)
        return {index: b"".join(chunks) for index, chunks in parts.items()}

    async def _blob(self, contribution: UUID, position: int) -> tuple[UUID, int] | None:
        async with self.db.read() as session:
            row = (await session.execute(select(m.Blob.id, m.Blob.chunk_count).where(
                m.Blob.contribution_id == contribution, m.Blob.position == position))).one_or_none()
        return (row.id, row.chunk_count) if row else None

    async def _chunk(self, blob_id: UUID, seq: int) -> bytes:
        async with self.db.read() as session:
            return (await session.execute(select(m.BlobChunk.data).where(
                m.BlobChunk.blob_id == blob_id, m.BlobChunk.seq == seq))).scalar_one()


__all__ = ["BlobBridge", "blobs"]
