"""Exporting a capsule as an archive (FORMAT §9): the sealed bag for mirrors, and after opening
the opened bag with every document. The core writer runs in a worker thread (hashing, zip,
decryption are CPU work) and pulls ciphertext from the database through `BlobBridge`.
"""

from __future__ import annotations

import asyncio
from typing import BinaryIO

from capsule.archive_texts import archive_texts
from capsule.core import manifest as manifest_
from capsule.core.archive_write import SealedParts, write_opened_archive, write_sealed_archive
from capsule.core.clock import Clock
from capsule.core.errors import ConfigError, NotFoundError
from capsule.core.opening import Report
from capsule.core.service_keys import ServiceKeys
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.blob_bridge import BlobBridge
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import by_slug
from capsule.persistence.services.sealing import seal_of


async def sealed_parts(db: Database, keys: ServiceKeys, slug: str, clock: Clock) -> SealedParts:
    """Everything the sealed archive of `slug` holds, as stored.

    Raises:
        NotFoundError: no such capsule, or not sealed.
        ConfigError: the key that signed the certificate is no longer among the service's keys.
    """
    async with db.read() as session:
        capsule = await by_slug(session, slug)
        seal = await seal_of(session, capsule.id)
        lock_rows = [await session.get(m.CapsuleLock, (capsule.id, i)) for i in range(len(capsule.locks))]
        log = await audit_log.jsonl(session, capsule.id)
    published = keys.published_keys()
    if seal.signer_kid not in published:
        raise ConfigError(f"signing key {seal.signer_kid} of this certificate is missing from keys/; "
                          "restore it under keys/retired/")
    bridge = BlobBridge(db, manifest_.parse_manifest(seal.manifest), asyncio.get_running_loop())
    return SealedParts(
        slug=capsule.slug, certificate=seal.certificate, signature=seal.signature,
        signing_public_key=published[seal.signer_kid], manifest=seal.manifest, read_blob=bridge.read_blob,
        lock_files=_lock_files(lock_rows),
        audit_log=log, bagging_date=clock.now().date(),
    )


def _lock_files(rows: list[m.CapsuleLock | None]) -> dict[str, bytes]:
    # Only the drand lock has a file (FORMAT §7); a capsule has at most one drand lock.
    drand = [row.lock_file for row in rows if row is not None and row.lock_file]
    return {manifest_.DRAND_LOCK_FILE: drand[0]} if drand else {}


async def write_sealed(db: Database, keys: ServiceKeys, slug: str, out: BinaryIO, clock: Clock) -> None:
    """Write the sealed archive of `slug` into `out` (a file or a pipe)."""
    parts = await sealed_parts(db, keys, slug, clock)
    await asyncio.to_thread(write_sealed_archive, out, parts, archive_texts())


async def write_opened(db: Database, keys: ServiceKeys, slug: str, out: BinaryIO, clock: Clock) -> Report:
    """Write the opened archive of `slug` (only once it is opened).

    Raises:
        NotFoundError: not opened yet (the API answers 423 before the date first).
    """
    parts = await sealed_parts(db, keys, slug, clock)
    async with db.read() as session:
        capsule = await by_slug(session, slug)
        opening = await session.get(m.Opening, capsule.id)
    if opening is None:
        raise NotFoundError("this capsule is not opened yet")
    return await asyncio.to_thread(write_opened_archive, out, parts, archive_texts(),
                                   private_key=opening.private_key, opened_at=opening.opened_at)
