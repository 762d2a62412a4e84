"""Time to seal a capsule of N accepted contributions (SQLite file, and PostgreSQL when
BENCH_POSTGRES_URL is set), side by side with the raw work it contains.

    .venv/bin/python -m benchmarks seal            # 10,000 and 100,000
    .venv/bin/python -m benchmarks.seal 2000       # a quick run

Seeding is not what is measured: contributions are inserted in bulk with real envelopes
(a real HPKE-wrapped data key and a real encrypted document each), then `SealService.seal`
is timed. BENCH_POSTGRES_URL should name a scratch database (its tables are created and
filled). "raw" is the same manifest + Merkle + certificate work done in memory only, so the
ratio shows what the database part costs.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from capsule.core import canonical, certificate, envelope, manifest
from capsule.core.clock import ManualClock
from capsule.core.lifecycle import Status
from capsule.core.service_keys import init_keys_dir, load_service_keys
from capsule.persistence import migrate
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import CapsuleService, CapsuleSpec
from capsule.persistence.services.sealing import SealService

START = datetime(2026, 3, 5, 5, 0, tzinfo=UTC)
KINDS = ("goal", "priority", "appeal")


async def seed(db: Database, clock: ManualClock, keys, n: int) -> str:  # type: ignore[no-untyped-def]
    capsules = CapsuleService(db, clock, keys)
    capsule = await capsules.create(CapsuleSpec(title="Benchmark capsule", slug=f"bench-{n}",
                                                opening_at=START + timedelta(days=3650), moderation=False), None)
    await capsules.publish(capsule.slug)
    batch: list[dict] = []
    blobs: list[dict] = []
    chunks: list[dict] = []
    for i in range(n):
        cid = uuid.uuid4()
        at = START + timedelta(seconds=i)
        document = envelope.build_document(
            capsule_id=capsule.id, contribution_id=cid, kind=KINDS[i % 3], title=f"Мақсат {i}",
            body="Еріктілер қозғалысын дамыту. " * 8, author="Айгүл", role="", organization="Ұйым",
            language="kk", submitted_at=at)
        sealed = envelope.encrypt_document(capsule.public_key, capsule.id, cid, document)
        batch.append(dict(id=cid, capsule_id=capsule.id, version=1, status=Status.ACCEPTED, kind=KINDS[i % 3],
                          organization="Ұйым", commitment=sealed.commitment, wrapped_dek=sealed.wrapped_dek,
                          attachment_count=0, submitted_at=at, updated_at=at, decision_note="",
                          receipt_token_hash=os.urandom(32)))
        blob_id = uuid.uuid4()
        blobs.append(dict(id=blob_id, contribution_id=cid, position=0, size=len(sealed.blob),
                          sha256=hashlib.sha256(sealed.blob).digest(), chunk_count=1, created_at=at))
        chunks.append(dict(blob_id=blob_id, seq=0, data=sealed.blob))
        if len(batch) == 2000 or i == n - 1:
            async with db.write() as session:
                await session.execute(insert(m.Contribution), batch)
                await session.execute(insert(m.Blob), blobs)
                await session.execute(insert(m.BlobChunk), chunks)
            batch, blobs, chunks = [], [], []
    return capsule.slug


async def raw_work(db: Database, slug: str, keys) -> float:  # type: ignore[no-untyped-def]
    """The same manifest, Merkle and certificate work, in memory, from rows already loaded."""
    from sqlalchemy import select

    async with db.read() as session:
        capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == slug))).scalar_one()
        rows = (await session.execute(select(m.Contribution).where(m.Contribution.capsule_id == capsule.id))).scalars().all()
        sealed_rows = [manifest.SealedRow(id=r.id, submitted_at=r.submitted_at, kind=r.kind, commitment=r.commitment,
                                          wrapped_dek=r.wrapped_dek, blobs=[(os.urandom(32), 100)]) for r in rows]
    started = time.perf_counter()
    key_seal = manifest.AnyKeySeal(sealed_keys=[canonical.b64(os.urandom(124))])
    built = manifest.build_manifest(capsule.id, sealed_rows, key_seal)
    data = manifest.encode_manifest(built)
    tree = manifest.merkle_tree(built)
    certificate.fingerprint(data + tree.root)
    return time.perf_counter() - started


async def measure(url: str, keys, n: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    db = Database(url)
    clock = ManualClock(START)
    try:
        slug = await seed(db, clock, keys, n)
        raw = await raw_work(db, slug, keys)
        clock.advance(days=1)
        started = time.perf_counter()
        outcome = await SealService(db, clock, keys).seal(slug)
        elapsed = time.perf_counter() - started
        assert outcome.items == n
        async with db.read() as session:
            size = len((await session.get(m.Seal, (await CapsuleService(db, clock, keys).get(slug)).id)).manifest)
        return elapsed, raw, size
    finally:
        await db.dispose()


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    with tempfile.TemporaryDirectory() as tmp:
        keys_dir = Path(tmp) / "keys"
        init_keys_dir(keys_dir)
        keys = load_service_keys(keys_dir)
        targets = [("sqlite", lambda n: f"sqlite+aiosqlite:///{tmp}/seal-{n}.db")]
        if os.environ.get("BENCH_POSTGRES_URL"):
            targets.append(("postgres", lambda n: os.environ["BENCH_POSTGRES_URL"]))
        print(f"{'database':<10}{'items':>9}{'seal (s)':>11}{'per item (ms)':>15}{'raw (s)':>10}{'seal/raw':>10}{'manifest':>11}")
        for name, url_for in targets:
            for n in sizes:
                url = url_for(n)
                migrate.upgrade(url)
                elapsed, raw, size = asyncio.run(measure(url, keys, n))
                print(f"{name:<10}{n:>9,}{elapsed:>11.2f}{elapsed / n * 1000:>15.3f}{raw:>10.2f}"
                      f"{elapsed / raw:>9.1f}×{size / 1e6:>9.1f}MB", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
