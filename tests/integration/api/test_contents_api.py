"""The opened contents through the API: every field, search in Kazakh and Russian, kinds and
pages, attachments streamed with the right headers, strong ETags and 304, an item that failed."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from capsule.core.clock import ManualClock
from capsule.persistence import models as m
from capsule.persistence.database import Database
from tests.factories.collecting import OPENING
from tests.integration.api.conftest import PHOTO, Api, kk_fields

ITEMS = [
    kk_fields(kind="goal", title="Еріктілік — әр алматылықтың ісі"),
    kk_fields(kind="priority", title="Күміс еріктілерге қолдау", language="ru",
              body="Ёлка и ЁЖ: серебряные волонтёры."),
    kk_fields(kind="appeal", title="Болашақ ұрпаққа үндеу", author_role=""),
]


async def opened(api: Api, clock: ManualClock) -> list[dict]:
    receipts, _ = await api.sealed(items=ITEMS)
    clock.set(OPENING)
    assert (await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth)).status_code == 200
    return receipts


async def test_every_item_is_listed_with_its_fields_and_commitment(api: Api, clock: ManualClock) -> None:
    receipts = await opened(api, clock)
    page = await api.client.get("/api/v1/capsules/almaty-2026/items")
    assert page.status_code == 200
    body = page.json()
    assert (body["total"], body["offset"], body["limit"]) == (3, 0, 50)
    assert {item["commitment"] for item in body["items"]} == {r["commitment"] for r in receipts}
    by_title = {item["title"]: item for item in body["items"]}
    photo = next(item for item in body["items"] if item["attachments"])
    assert photo["title"] == ITEMS[0]["title"] and photo["author_name"] == "Айгүл Серікқызы"
    assert photo["author_role"] == "Төраға" and photo["language"] == "kk" and photo["verified"] is True
    assert photo["attachments"] == [{
        "name": "сурет.png", "media_type": "image/png", "size": len(PHOTO), "sha256": photo["attachments"][0]["sha256"],
        "url": f"http://capsule.test/api/v1/capsules/almaty-2026/items/{photo['index']}/attachments/0"}]
    appeal = by_title["Болашақ ұрпаққа үндеу"]
    assert appeal["author_role"] == "" and appeal["failure"] is None
    one = (await api.client.get(f"/api/v1/capsules/almaty-2026/items/{photo['index']}")).json()
    assert one == photo
    assert (await api.client.get("/api/v1/capsules/almaty-2026/items/3")).status_code == 404


@pytest.mark.parametrize(("query", "titles"), [
    ("ҚОЛДАУ", ["Күміс еріктілерге қолдау"]), ("күміс", ["Күміс еріктілерге қолдау"]),
    ("елка", ["Күміс еріктілерге қолдау"]), ("СЕРЕБРЯНЫЕ ёж", ["Күміс еріктілерге қолдау"]),
    ("ҮНДЕУ", ["Болашақ ұрпаққа үндеу"]), ("100%", []),
])
async def test_search_ignores_case_in_kazakh_and_russian(api: Api, clock: ManualClock, query: str,
                                                         titles: list[str]) -> None:
    await opened(api, clock)
    found = (await api.client.get("/api/v1/capsules/almaty-2026/items", params={"q": query})).json()
    assert [item["title"] for item in found["items"]] == titles and found["total"] == len(titles)


async def test_kinds_and_pages(api: Api, clock: ManualClock) -> None:
    await opened(api, clock)
    appeals = (await api.client.get("/api/v1/capsules/almaty-2026/items", params={"kind": "appeal"})).json()
    assert [item["kind"] for item in appeals["items"]] == ["appeal"]
    second = (await api.client.get("/api/v1/capsules/almaty-2026/items", params={"offset": 1, "limit": 1})).json()
    assert second["total"] == 3 and [item["index"] for item in second["items"]] == [1]
    for bad in ({"kind": "poem"}, {"limit": 0}, {"limit": 101}, {"offset": -1}):
        assert (await api.client.get("/api/v1/capsules/almaty-2026/items", params=bad)).status_code == 422


async def test_attachments_stream_inline_with_a_strong_etag_and_304(api: Api, clock: ManualClock) -> None:
    await opened(api, clock)
    photo = next(i for i in (await api.client.get("/api/v1/capsules/almaty-2026/items")).json()["items"]
                 if i["attachments"])
    url = photo["attachments"][0]["url"]
    response = await api.client.get(url)
    assert response.status_code == 200 and response.content == PHOTO
    headers = response.headers
    assert headers["content-type"] == "image/png" and headers["x-content-type-options"] == "nosniff"
    assert headers["content-disposition"] == f"inline; filename=\"_____.png\"; filename*=UTF-8''{quote('сурет.png')}"
    assert headers["etag"] == f'"{photo["attachments"][0]["sha256"]}"'
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "sandbox" in headers["content-security-policy"]
    cached = await api.client.get(url, headers={"If-None-Match": headers["etag"]})
    assert cached.status_code == 304 and cached.content == b"" and cached.headers["etag"] == headers["etag"]
    assert (await api.client.get(url.replace("/attachments/0", "/attachments/1"))).status_code == 404

    listing = await api.client.get("/api/v1/capsules/almaty-2026/items")
    etag = listing.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert (await api.client.get("/api/v1/capsules/almaty-2026/items",
                                 headers={"If-None-Match": etag})).status_code == 304
    other_page = await api.client.get("/api/v1/capsules/almaty-2026/items", params={"kind": "goal"},
                                      headers={"If-None-Match": etag})
    assert other_page.status_code == 200 and other_page.headers["etag"] != etag


async def test_a_tampered_item_is_listed_as_failed_without_content(api: Api, clock: ManualClock, db: Database) -> None:
    await api.sealed(items=ITEMS)
    async with db.write() as session:
        victim = (await session.execute(select(m.Contribution).where(m.Contribution.sealed_index == 1))).scalar_one()
        blob = (await session.execute(select(m.Blob.id).where(m.Blob.contribution_id == victim.id,
                                                               m.Blob.position == 0))).scalar_one()
        chunk = (await session.execute(select(m.BlobChunk.data).where(m.BlobChunk.blob_id == blob))).scalar_one()
        await session.execute(update(m.BlobChunk).where(m.BlobChunk.blob_id == blob)
                              .values(data=chunk[:30] + bytes([chunk[30] ^ 1]) + chunk[31:]))
    clock.set(OPENING)
    report = (await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth)).json()
    assert report["ok"] is False and [f["index"] for f in report["failed"]] == [1]
    failed = (await api.client.get("/api/v1/capsules/almaty-2026/items/1")).json()
    assert failed["verified"] is False and failed["failure"] == report["failed"][0]["code"]
    assert failed["title"] == "" and failed["body"] == "" and failed["commitment"] == victim.commitment.hex()
    items = (await api.client.get("/api/v1/capsules/almaty-2026/items")).json()["items"]
    assert [item["verified"] for item in items] == [True, False, True]


async def test_the_opened_archive_is_there_once_opened(api: Api, clock: ManualClock) -> None:
    await opened(api, clock)
    response = await api.client.get("/api/v1/capsules/almaty-2026/archive", params={"opened": 1})
    assert response.status_code == 200
    assert 'filename="capsule-almaty-2026-opened.zip"' in response.headers["content-disposition"]
    assert b"opening.json" in response.content and b"index.html" in response.content
