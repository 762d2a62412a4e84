"""Opening through the service (`OpeningService.open`: blobs read from the database, every item
decrypted and verified, the opened items stored) next to the core alone on the same items
(`open_items` from memory), on SQLite and, when BENCH_POSTGRES_URL names a scratch database,
on PostgreSQL.

    .venv/bin/python -m benchmarks open_service              # 10,000 items and 200 MB
    .venv/bin/python -m benchmarks.open_service --items 2000 --megabytes 50

Small items: N accepted contributions of a few hundred bytes (real envelopes, seeded in bulk
as in `benchmarks/seal.py`), sealed (not timed), then opened after the date (timed).
Attachments: M MB of attachments in 50 MiB files, seeded in bulk the same way; the service's
MB/s is what a 1 GB capsule takes per MB (opening is linear in the bytes: 1 GB ≈ the time for
M MB × 1024 / M, printed as an estimate, not measured).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from benchmarks.seal import START, seed
from capsule.core import envelope, manifest
from capsule.core.clock import ManualClock
from capsule.core.opening import NullSink, open_items
from capsule.core.service_keys import ServiceKeys, init_keys_dir, load_service_keys
from capsule.core.stream import StreamEncryptor
from capsule.core.lifecycle import Status
from capsule.persistence import migrate
from capsule.persistence import models as m
from capsule.persistence.blobs import CHUNK_BYTES
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import CapsuleService, CapsuleSpec
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService

ATTACHMENT = 50 * 1024 * 1024


async def seed_attachments(db: Database, clock: ManualClock, keys: ServiceKeys, megabytes: int) -> str:
    capsules = CapsuleService(db, clock, keys)
    capsule = await capsules.create(CapsuleSpec(title="Benchmark attachments", slug=f"bench-att-{megabytes}",
                                                opening_at=START + timedelta(days=3650), moderation=False), None)
    await capsules.publish(capsule.slug)
    block = os.urandom(CHUNK_BYTES)
    for i in range(max(1, megabytes * 1024 * 1024 // ATTACHMENT)):
        cid, dek, at = uuid.uuid4(), envelope.new_dek(), START + timedelta(seconds=i)
        encryptor = StreamEncryptor(envelope.attachment_key(dek, 0))
        blob_id, digest, size, chunks = uuid.uuid4(), hashlib.sha256(), 0, []
        for seq in range(ATTACHMENT // CHUNK_BYTES):
            data = encryptor.update(block) + (encryptor.finalize() if seq == ATTACHMENT // CHUNK_BYTES - 1 else b"")
            digest.update(data)
            size += len(data)
            chunks.append(dict(blob_id=blob_id, seq=seq, data=data))
        meta = envelope.describe_attachment("video.bin", "application/octet-stream", encryptor.sha256, encryptor.size)
        document = envelope.build_document(
            capsule_id=capsule.id, contribution_id=cid, kind="appeal", title=f"Видео {i}", body="Үндеу.",
            author="Айгүл", role="", organization="Ұйым", language="kk", submitted_at=at, attachments=[meta])
        sealed = envelope.encrypt_document(capsule.public_key, capsule.id, cid, document, dek=dek)
        doc_blob = uuid.uuid4()
        async with db.write() as session:
            await session.execute(insert(m.Contribution), [dict(
                id=cid, capsule_id=capsule.id, version=1, status=Status.ACCEPTED, kind="appeal", organization="Ұйым",
                commitment=sealed.commitment, wrapped_dek=sealed.wrapped_dek, attachment_count=1, submitted_at=at,
                updated_at=at, decision_note="", receipt_token_hash=os.urandom(32))])
            await session.execute(insert(m.Blob), [
                dict(id=doc_blob, contribution_id=cid, position=0, size=len(sealed.blob),
                     sha256=hashlib.sha256(sealed.blob).digest(), chunk_count=1, created_at=at),
                dict(id=blob_id, contribution_id=cid, position=1, size=size, sha256=digest.digest(),
                     chunk_count=len(chunks), created_at=at)])
            await session.execute(insert(m.BlobChunk), [dict(blob_id=doc_blob, seq=0, data=sealed.blob)])
            for start in range(0, len(chunks), 16):
                await session.execute(insert(m.BlobChunk), chunks[start:start + 16])
    return capsule.slug


async def _core_only(db: Database, slug: str) -> float:
    """The same opening by the core alone, every blob already in memory."""
    async with db.read() as session:
        capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == slug))).scalar_one()
        opening = await session.get(m.Opening, capsule.id)
        sealed = manifest.parse_manifest((await session.get(m.Seal, capsule.id)).manifest)  # type: ignore[union-attr]
        rows = (await session.execute(
            select(m.Contribution.sealed_index, m.Blob.position, m.BlobChunk.data)
            .join(m.Blob, m.Blob.contribution_id == m.Contribution.id)
            .join(m.BlobChunk, m.BlobChunk.blob_id == m.Blob.id)
            .where(m.Contribution.capsule_id == capsule.id).order_by(m.BlobChunk.seq))).all()
    blobs: dict[str, list[bytes]] = {}
    for index, position, data in rows:
        blobs.setdefault(manifest.blob_name(index, position), []).append(data)
    assert opening is not None
    started = time.perf_counter()
    report = open_items(opening.private_key, capsule.id, sealed, lambda name: blobs[name], NullSink())
    took = time.perf_counter() - started
    assert report.ok
    return took


async def measure(url: str, keys: ServiceKeys, *, items: int = 0, megabytes: int = 0) -> tuple[float, float]:
    db = Database(url)
    clock = ManualClock(START)
    try:
        slug = await (seed(db, clock, keys, items) if items else seed_attachments(db, clock, keys, megabytes))
        clock.advance(days=1)
        await SealService(db, clock, keys).seal(slug)
        clock.advance(days=3650)
        started = time.perf_counter()
        report = await OpeningService(db, clock, keys).open(slug)
        service = time.perf_counter() - started
        assert report.ok, report.failed[:3]
        return service, await _core_only(db, slug)
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.open_service", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        keys_dir = Path(tmp) / "keys"
        init_keys_dir(keys_dir)
        keys = load_service_keys(keys_dir)
        targets = [("sqlite", lambda n: f"sqlite+aiosqlite:///{tmp}/open-{n}.db")]
        if os.environ.get("BENCH_POSTGRES_URL"):
            targets.append(("postgres", lambda n: os.environ["BENCH_POSTGRES_URL"]))
        print(f"{'database':<10}{'what':>22}{'service (s)':>13}{'core (s)':>10}{'service/core':>14}{'rate':>16}")
        for name, url_for in targets:
            url = url_for("items")
            migrate.upgrade(url)
            service, core = asyncio.run(measure(url, keys, items=args.items))
            print(f"{name:<10}{f'{args.items:,} items':>22}{service:>13.2f}{core:>10.2f}{service / core:>13.1f}×"
                  f"{args.items / service:>10,.0f} item/s", flush=True)
            url = url_for("attachments")
            migrate.upgrade(url)
            mb = max(1, args.megabytes * 1024 * 1024 // ATTACHMENT) * ATTACHMENT / 1e6
            service, core = asyncio.run(measure(url, keys, megabytes=args.megabytes))
            print(f"{name:<10}{f'{mb:,.0f} MB attachments':>22}{service:>13.2f}{core:>10.2f}{service / core:>13.1f}×"
                  f"{mb / service:>11,.0f} MB/s   (1 GB ≈ {1024 * 1.048576 / (mb / service):.0f} s, extrapolated)",
                  flush=True)


if __name__ == "__main__":
    main()
