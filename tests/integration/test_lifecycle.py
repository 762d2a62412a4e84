"""The whole life of a capsule through the HTTP API, on SQLite and PostgreSQL, with a manual
clock: create → publish → invite → submit (Kazakh text and a real PNG, multipart) → accept →
seal → locked everywhere before the date → the date passes → open → every item is what was
submitted, n of n verified. Once with the server lock, once with 2-of-3 custodians. Then: a
changed ciphertext byte is named in the report, and the sealed archive downloaded from the API
verifies offline and opens with the real `capsule open` and the published key into the very
documents and files the API serves.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from capsule.core import archive
from capsule.core.clock import ManualClock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence import models as m
from capsule.persistence.database import Database
from tests.cli.conftest import CapsuleCli
from tests.factories.collecting import png
from tests.integration.api.conftest import Api
# The API test fixtures: the app in this test's loop (httpx.ASGITransport), an organizer's token.
from tests.integration.api.conftest import _cheap_passwords, api, client, token  # noqa: F401

# A capsule of 2025 (so the real `capsule open`, which reads the system clock, may open it).
START = datetime(2025, 3, 5, 5, 0, tzinfo=UTC)
OPENING = datetime(2025, 9, 5, 7, 0, tzinfo=UTC)  # 12:00 in Almaty
PHOTO = png(16, 9, marker="Алматы, 2025".encode())
SUBMISSIONS: list[tuple[dict[str, str], list[tuple[str, bytes, str]]]] = [
    ({"kind": "goal", "title": "Әр ауданда еріктілер орталығы", "language": "kk",
      "body": "2036 жылға қарай Алматының әр ауданында еріктілер орталығы ашылсын.\nҒылым, өнер, қоғамға қызмет.",
      "author_name": "Айгүл Серікқызы", "author_role": "Төраға", "organization": "Жастар еріктілер тобы"},
     [("сурет.png", PHOTO, "image/png"), ("жоспар.txt", "Жоспар: 1) оқыту 2) құрал\n".encode(), "text/plain")]),
    ({"kind": "priority", "title": "Серебряные волонтёры", "language": "ru", "body": "Наставники для молодёжи. Ёлка.",
      "author_name": "Галина Ким", "author_role": "", "organization": "«Күміс еріктілер»"}, []),
    ({"kind": "appeal", "title": "To the volunteers of 2036", "language": "en", "body": "Keep the good work going.",
      "author_name": "Timur B.", "author_role": "Product lead", "organization": "Digital initiatives"}, []),
]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


async def _through_the_seal(api: Api, clock: ManualClock, locks: list[dict[str, Any]]) -> tuple[list, dict]:
    created = await api.client.post("/api/v1/capsules", headers=api.auth, json={
        "title": "Уақыт капсуласы – 2025", "slug": "almaty-2025", "opening_at": "2025-09-05T12:00:00+05:00",
        "locks": locks})
    assert created.status_code == 201, created.text
    assert (await api.client.post("/api/v1/capsules/almaty-2025/publish", headers=api.auth)).status_code == 200
    receipts = []
    for fields, files in SUBMISSIONS:
        invitation = await api.invite("almaty-2025", fields["organization"])
        clock.advance(minutes=5)
        sent = await api.submit(invitation["token"], "almaty-2025", data=fields,
                                files=[("attachments", f) for f in files] or None) if files else \
            await api.submit(invitation["token"], "almaty-2025", json=fields)
        assert sent.status_code == 201, sent.text
        receipts.append(sent.json())
    for receipt in receipts:
        await api.decide(receipt["id"], slug="almaty-2025")
    clock.advance(days=1)
    sealed = await api.seal("almaty-2025")
    assert sealed.status_code == 200, sealed.text
    return receipts, sealed.json()


async def _all_locked(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    base = "/api/v1/capsules/almaty-2025"
    for headers in ({}, auth):
        for url in (f"{base}/items", f"{base}/items/0", f"{base}/items/0/attachments/0", f"{base}/opening"):
            response = await client.get(url, headers=headers)
            assert response.status_code == 423 and response.json()["params"]["opens_at"] == "2025-09-05T07:00:00Z"
        assert (await client.get(f"{base}/archive", params={"opened": 1}, headers=headers)).status_code == 423
    assert (await client.post(f"{base}/open", headers=auth)).status_code == 423


async def _check_contents(api: Api, receipts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every opened item equals what was submitted, field by field and byte by byte."""
    body = (await api.client.get("/api/v1/capsules/almaty-2025/items")).json()
    assert body["total"] == len(SUBMISSIONS) and all(item["verified"] for item in body["items"])
    # Submitted five minutes apart: the sealed order is the order of submission.
    assert [item["commitment"] for item in body["items"]] == [r["commitment"] for r in receipts]
    for item, (fields, files) in zip(body["items"], SUBMISSIONS, strict=True):
        assert {name: item[name] for name in fields} == fields
        assert [(a["name"], a["media_type"], a["size"]) for a in item["attachments"]] == \
            [(name, media, len(data)) for name, data, media in files]
        for attachment, (_, data, _) in zip(item["attachments"], files, strict=True):
            assert (await api.client.get(attachment["url"])).content == data
    return body["items"]  # type: ignore[no-any-return]


async def test_server_lock_from_creation_to_an_archive_that_opens_offline(
        api: Api, clock: ManualClock, service_keys: ServiceKeys, tmp_path: Path) -> None:
    receipts, sealed = await _through_the_seal(api, clock, [{"type": "server"}])
    await _all_locked(api.client, api.auth)
    clock.set(OPENING - timedelta(seconds=1))
    await _all_locked(api.client, api.auth)
    clock.set(OPENING + timedelta(minutes=1))
    report = (await api.client.post("/api/v1/capsules/almaty-2025/open", headers=api.auth)).json()
    assert report["ok"] and (report["verified"], report["total"]) == (3, 3)
    items = await _check_contents(api, receipts)

    sealed_zip = tmp_path / "sealed.zip"
    sealed_zip.write_bytes((await api.client.get("/api/v1/capsules/almaty-2025/archive")).content)
    summary = archive.verify_archive(sealed_zip, pinned_key=service_keys.signing.public_raw)
    assert summary.fingerprint == sealed["fingerprint"] and summary.items == 3
    key_file = tmp_path / "opening.json"
    key_file.write_bytes((await api.client.get("/api/v1/capsules/almaty-2025/opening")).content)
    cli = CapsuleCli(tmp_path, {"CAPSULE_LOG_FORMAT": "console"})
    out = tmp_path / "opened"
    result = cli("open", str(sealed_zip), "--key", str(key_file), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "opened 3 of 3" in result.output
    for item in items:
        [document] = out.rglob(f"opened/{item['index']:06d}/document.json")
        data = document.read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["commitment"]  # the very bytes that were sealed
        assert json.loads(data)["title"] == item["title"]
        for n, attachment in enumerate(item["attachments"]):
            [file] = document.parent.glob(f"{n:02d}-*")
            assert file.read_bytes() == (await api.client.get(attachment["url"])).content


async def test_two_of_three_custodians_one_share_at_a_time(api: Api, clock: ManualClock) -> None:
    receipts, sealed = await _through_the_seal(api, clock, [{"type": "custodians", "threshold": 2, "shares": 3}])
    first, second, _ = sealed["custodian_shares"]
    await _all_locked(api.client, api.auth)
    shares = "/api/v1/capsules/almaty-2025/shares"
    assert (await api.client.post(shares, json={"share": first})).status_code == 423  # nothing kept early
    clock.set(OPENING)
    one = await api.client.post(shares, json={"share": first})
    assert one.json() == {"entered": 1, "threshold": 2, "opened": False}
    assert (await api.client.get("/api/v1/capsules/almaty-2025/items")).status_code == 423
    words = second.split()
    wrong = await api.client.post(shares, json={"share": " ".join([*words[:5], words[6], words[5], *words[7:]])})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "share.checksum")
    done = (await api.client.post(shares, json={"share": second})).json()
    assert done["opened"] and done["report"]["verified"] == done["report"]["total"] == 3
    await _check_contents(api, receipts)


async def test_a_changed_ciphertext_is_named_in_the_report_and_nothing_else_fails(
        api: Api, clock: ManualClock, db: Database) -> None:
    receipts, _ = await _through_the_seal(api, clock, [{"type": "server"}])
    async with db.write() as session:
        victim = (await session.execute(select(m.Contribution).where(
            m.Contribution.id == receipts[0]["id"]))).scalar_one()
        blob = (await session.execute(select(m.Blob.id).where(m.Blob.contribution_id == victim.id,
                                                               m.Blob.position == 1))).scalar_one()  # the photo
        data = (await session.execute(select(m.BlobChunk.data).where(m.BlobChunk.blob_id == blob))).scalar_one()
        await session.execute(update(m.BlobChunk).where(m.BlobChunk.blob_id == blob, m.BlobChunk.seq == 0)
                              .values(data=bytes([data[0] ^ 0x80]) + data[1:]))
    clock.set(OPENING)
    report = (await api.client.post("/api/v1/capsules/almaty-2025/open", headers=api.auth)).json()
    assert report["ok"] is False and report["verified"] == 2
    assert [(f["index"], f["id"]) for f in report["failed"]] == [(0, receipts[0]["id"])]
    assert "attachment-00" in report["failed"][0]["message"]
    items = (await api.client.get("/api/v1/capsules/almaty-2025/items")).json()["items"]
    assert [item["verified"] for item in items] == [False, True, True]
    assert items[0]["title"] == "" and items[0]["attachments"] == []
