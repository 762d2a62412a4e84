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


class BlobBridge:
    """`read_blob(name)` for a sealed capsule's manifest, usable from another thread."""

    def __init__(self, db: Database, manifest: Manifest, loop: asyncio.AbstractEventLoop) -> None:
        self.db = db
        self.loop = loop
        self._ids = {item.index: item.id for item in manifest.items}

    def read_blob(self, name: str) -> Iterator[bytes]:
        match = _NAME.match(name)
        if match is None or int(match.group(1)) not in self._ids:
            raise NotFoundError(f"{name}: not a blob of this capsule")
        contribution = self._ids[int(match.group(1))]
        position = 0 if match.group(2) is None else int(match.group(2)) + 1
        blob = self._run(self._blob(contribution, position))
        if blob is None:
            raise NotFoundError(f"{name}: missing from the database")
        blob_id, count = blob
        for seq in range(count):
            yield self._run(self._chunk(blob_id, seq))

    def _run(self, coroutine):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

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
