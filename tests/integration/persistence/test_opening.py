"""Opening through the services: locked before the date for everyone, then decrypted, verified,
published; custodians one share at a time; tampering named per item; archives that open offline."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from capsule.archive_texts import archive_texts
from capsule.core import archive, envelope, keys
from capsule.core.clock import utc_text
from capsule.core.errors import (
    LockedError,
    ShareChecksumError,
    ShareDuplicateError,
    ShareForeignError,
    TransitionError,
)
from capsule.core.lifecycle import State
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services import archives
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from tests.factories.collecting import OPENING, FakeUpload, World, fields, png

PHOTO = png(4, 3, marker=b"Almaty")


def opener(world: World, db: Database | None = None) -> OpeningService:
    return OpeningService(db or world.db, world.clock, world.keys)


async def sealed_capsule(world: World, slug: str = "almaty-2026", **spec: object) -> tuple[list, object]:
    await world.collecting(slug, moderation=False, **spec)
    token = await world.invite(slug, "Алматы қаласы Еріктілер фронт-кеңсесі")
    receipts = []
    for i, (kind, title) in enumerate([("goal", "Еріктілік — әр алматылықтың ісі"),
                                      ("priority", "Күміс еріктілерге қолдау"),
                                      ("appeal", "Болашақ ұрпаққа үндеу")]):
        receipts.append(await world.contributions.submit(
            slug, token, fields(kind=kind, title=title, body=f"Қоғамға ҚЫЗМЕТ ету — {i}. Ёлка и ёж."),
            [FakeUpload("сурет.png", PHOTO)] if i == 0 else []))
        world.clock.advance(seconds=1)
    outcome = await SealService(world.db, world.clock, world.keys).seal(slug)
    return receipts, outcome


async def test_everything_is_locked_before_the_date_for_everyone(world: World) -> None:
    await sealed_capsule(world)
    service = opener(world)
    for attempt in (service.open("almaty-2026"), service.contents("almaty-2026"), service.item("almaty-2026", 0),
                    service.attachment("almaty-2026", 0, 0)):
        with pytest.raises(LockedError, match=f"opens at {utc_text(OPENING)}") as caught:
            await attempt
        assert caught.value.params["opens_at"] == utc_text(OPENING)
    world.clock.set(OPENING - timedelta(seconds=1))
    with pytest.raises(LockedError):
        await service.open("almaty-2026")


async def test_the_server_lock_opens_after_the_date_and_every_item_is_what_was_submitted(world: World) -> None:
    receipts, _ = await sealed_capsule(world)
    world.clock.set(OPENING)
    report = await opener(world).open("almaty-2026")
    assert report.ok and report.verified == report.total == 3
    items, total = await opener(world).contents("almaty-2026")
    assert total == 3
    for item, receipt in zip(items, receipts, strict=True):
        assert envelope.commitment_of(item.document) == receipt.commitment
    assert items[0].title == "Еріктілік — әр алматылықтың ісі"
    meta, chunks = await opener(world).attachment("almaty-2026", 0, 0)
    assert meta.name == "сурет.png" and b"".join([c async for c in chunks]) == PHOTO
    async with world.db.read() as session:
        capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == "almaty-2026"))).scalar_one()
        opening = await session.get(m.Opening, capsule.id)
    assert capsule.state == State.OPENED
    assert opening is not None and keys.public_key_of(opening.private_key) == capsule.public_key  # published
    assert await opener(world).open("almaty-2026") == report  # idempotent


async def test_two_of_three_custodians_open_it_one_share_at_a_time_across_a_restart(world: World) -> None:
    _, outcome = await sealed_capsule(world, locks=({"type": "custodians", "threshold": 2, "shares": 3},))
    _, other = await sealed_capsule(world, "other", locks=({"type": "custodians", "threshold": 2, "shares": 3},))
    first, second, third = outcome.custodian_shares
    with pytest.raises(LockedError):
        await opener(world).enter_share("almaty-2026", first)  # no share is kept before the date
    world.clock.set(OPENING + timedelta(days=1))
    words = first.split()
    words[3] = "academic" if words[3] != "academic" else "acid"
    with pytest.raises(ShareChecksumError):
        await opener(world).enter_share("almaty-2026", " ".join(words))
    with pytest.raises(ShareForeignError):
        await opener(world).enter_share("almaty-2026", other.custodian_shares[0])
    progress = await opener(world).enter_share("almaty-2026", first.upper())
    assert (progress.entered, progress.threshold, progress.report) == (1, 2, None)
    with pytest.raises(ShareDuplicateError):
        await opener(world).enter_share("almaty-2026", first)
    with pytest.raises(LockedError, match="waiting for custodians"):
        await opener(world).open("almaty-2026")
    restarted = Database(world.db.url)  # a new process: only what is stored survives
    try:
        progress = await opener(world, restarted).enter_share("almaty-2026", third)
    finally:
        await restarted.dispose()
    assert progress.report is not None and progress.report.ok
    async with world.db.read() as session:
        assert (await session.execute(select(m.ShareEntry))).scalars().all() == []  # wiped once open
    with pytest.raises(TransitionError, match="already open"):
        await opener(world).enter_share("almaty-2026", second)


async def test_policy_all_needs_the_custodians_even_with_the_server_lock(world: World) -> None:
    _, outcome = await sealed_capsule(world, lock_policy="all",
                                      locks=({"type": "server"}, {"type": "custodians", "threshold": 2, "shares": 3}))
    world.clock.set(OPENING)
    with pytest.raises(LockedError, match="waiting for custodians"):
        await opener(world).open("almaty-2026")
    report = await opener(world).open("almaty-2026", mnemonics=outcome.custodian_shares[1:])
    assert report.ok


async def test_a_tampered_ciphertext_is_named_in_the_report_and_the_others_still_open(world: World) -> None:
    await sealed_capsule(world)
    async with world.db.write() as session:
        capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == "almaty-2026"))).scalar_one()
        victim = (await session.execute(select(m.Contribution).where(m.Contribution.sealed_index == 1))).scalar_one()
        blob = (await session.execute(select(m.Blob).where(m.Blob.contribution_id == victim.id))).scalar_one()
        chunk = (await session.execute(select(m.BlobChunk).where(m.BlobChunk.blob_id == blob.id))).scalar_one()
        data = bytearray(chunk.data)
        data[40] ^= 0x01
        await session.execute(update(m.BlobChunk).where(m.BlobChunk.blob_id == blob.id).values(data=bytes(data)))
    world.clock.set(OPENING)
    report = await opener(world).open("almaty-2026")
    assert report.verified == 2 and [f.index for f in report.failed] == [1]
    assert "items/000001/document.bin" in report.failed[0].message
    items, _ = await opener(world).contents("almaty-2026")
    assert [i.verified for i in items] == [True, False, True]
    assert items[1].title == "" and items[1].failure_code == report.failed[0].code
    assert capsule.id == report.capsule_id


async def test_a_capsule_set_to_open_itself_does_so_on_first_access_after_the_date(world: World) -> None:
    await sealed_capsule(world, auto_open=True)
    assert await opener(world).open_if_due("almaty-2026") is False
    world.clock.set(OPENING)
    assert await opener(world).open_if_due("almaty-2026") is True
    assert (await world.capsules.get("almaty-2026")).state == State.OPENED


@pytest.mark.parametrize(("query", "hits"), [
    ("қызмет", 3), ("ҚОҒАМҒА", 3), ("ЕЛКА", 3), ("ёж", 3), ("күміс", 1), ("КҮМІС ЕРІКТІЛЕРГЕ", 1),
    ("үндеу 2", 1), ("жоқ-сөз", 0), ("100%", 0), ("_", 0),
])
async def test_search_is_case_insensitive_for_kazakh_and_russian(world: World, query: str, hits: int) -> None:
    await sealed_capsule(world)
    world.clock.set(OPENING)
    await opener(world).open("almaty-2026")
    _, total = await opener(world).contents("almaty-2026", query=query)
    assert total == hits


async def test_archives_verify_offline_and_open_to_byte_identical_documents(world: World, tmp_path: Path) -> None:
    receipts, outcome = await sealed_capsule(world)
    sealed_zip = tmp_path / "sealed.zip"
    with sealed_zip.open("wb") as out:
        await archives.write_sealed(world.db, world.keys, "almaty-2026", out, world.clock)
    summary = archive.verify_archive(sealed_zip, pinned_key=world.keys.signing.public_raw)
    assert summary.fingerprint == outcome.fingerprint
    world.clock.set(OPENING)
    await opener(world).open("almaty-2026")
    async with world.db.read() as session:
        opening = (await session.execute(select(m.Opening))).scalar_one()
    out = tmp_path / "opened"
    report = archive.open_archive(sealed_zip, out, now=world.clock.now(), texts=archive_texts(),
                                  private_key=opening.private_key)
    assert report.ok
    items, _ = await opener(world).contents("almaty-2026")
    for item in items:
        assert (next(out.rglob(f"opened/{item.index:06d}/document.json"))).read_bytes() == item.document
    opened_zip = io.BytesIO()
    await archives.write_opened(world.db, world.keys, "almaty-2026", opened_zip, world.clock)
    names = zipfile.ZipFile(opened_zip).namelist()
    assert any(name.endswith("data/index.html") for name in names)
    assert any(name.endswith("data/opening.json") for name in names)
    assert len(receipts) == 3
