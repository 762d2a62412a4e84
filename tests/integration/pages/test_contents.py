"""An opened capsule's contents for everyone: grouped by kind, searched in Kazakh and Russian,
paginated; each item with its inclusion proof and files; cached as content that never changes."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta

from sqlalchemy import select, update

from capsule.core import certificate, merkle
from capsule.persistence import models as m
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from tests.factories.collecting import OPENING, FakeUpload, World, fields, png
from tests.integration.pages.conftest import Client, plain

PHOTO = png(3, 2)
NOTE = "Еріктілер — қаланың жүрегі.\nҚоғамға қызмет.\n".encode()
WRITTEN = [
    ("goal", "kk", "Еріктілік — әр алматылықтың ісі", "Әр ауданда еріктілер орталығы.\nҚОҒАМҒА қызмет ету.",
     "Айгүл Серікқызы", "Төраға", "Алматы еріктілер орталығы", [FakeUpload("сурет.png", PHOTO)]),
    ("priority", "ru", "Поддержка серебряных волонтёров", "Опыт поколений.\nЁлка во дворе.", "Ольга Ким",
     "Координатор", "Серебряные волонтёры Алматы", [FakeUpload("заметка.txt", NOTE)]),
    ("appeal", "en", "An appeal to 2036", "Keep helping each other.", "Daniyar Akhmetov", "", "Almaty Youth Volunteers",
     []),
]


async def opened(world: World, written: list = WRITTEN, *, tamper: int | None = None) -> str:  # type: ignore[type-arg]
    slug = await world.collecting(moderation=False)
    token = await world.invite(slug, "Алматы")
    for kind, language, title, body, author, role, organization, files in written:
        await world.contributions.submit(slug, token, fields(kind=kind, language=language, title=title, body=body,
                                                             author_name=author, author_role=role,
                                                             organization=organization), files)
        world.clock.advance(seconds=1)
    await SealService(world.db, world.clock, world.keys).seal(slug)
    if tamper is not None:
        await _flip_a_bit(world, tamper)
    world.clock.set(OPENING + timedelta(hours=1))
    await OpeningService(world.db, world.clock, world.keys).open(slug)
    return slug


async def test_the_contents_are_grouped_by_kind_with_authors_languages_and_files(client: Client, world: World) -> None:
    slug = await opened(world)
    page = await client.get(f"/c/{slug}", params={"lang": "en"})
    assert page.status_code == 200
    text = page.text
    assert "3 of 3 contributions verified: each is exactly what was sealed." in text
    assert 'href="/api/v1/capsules/almaty-2026/archive?opened=1"' in text
    groups = re.findall(r'<h3 id="kind-(\w+)">', text)
    assert groups == ["goal", "priority", "appeal"]
    goal = text.split('id="kind-goal"')[1].split('id="kind-priority"')[0]
    assert '<h4 id="item-0-title" lang="kk"><a href="/c/almaty-2026/items/0">Еріктілік — әр алматылықтың ісі</a></h4>' in goal
    assert '<div class="body pre-line" lang="kk">Әр ауданда еріктілер орталығы.\nҚОҒАМҒА қызмет ету.</div>' in goal
    assert "Айгүл Серікқызы, Төраға" in goal and "Алматы еріктілер орталығы" in goal and "Kazakh" in goal
    assert '<a class="verified" href="/c/almaty-2026/items/0#proof">✓ verified</a>' in goal
    assert '<img src="/c/almaty-2026/items/0/attachments/0"' in goal
    priority = text.split('id="kind-priority"')[1]
    assert '<a href="/c/almaty-2026/items/1/attachments/0" download>заметка.txt</a>' in priority
    assert "text/plain, 56 bytes" in plain(priority) or "text/plain" in priority
    assert 'lang="ru"' in priority and 'lang="en"' in text.split('id="kind-appeal"')[1]


async def test_opened_pages_carry_a_strong_etag_and_a_year_of_caching(client: Client, world: World) -> None:
    slug = await opened(world)
    for path in (f"/c/{slug}", f"/c/{slug}/items/0", f"/c/{slug}/items/0/attachments/0", f"/c/{slug}/items/0/document.json"):
        first = await client.get(path, params={"lang": "ru"})
        assert first.status_code == 200, path
        etag = first.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{64}"', etag) and first.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "set-cookie" not in first.headers or "capsule_csrf" not in first.headers["set-cookie"]
        again = await client.get(path, params={"lang": "ru"}, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b"", path
    russian = await client.get(f"/c/{slug}", params={"lang": "ru"})
    assert russian.headers["vary"] == "Accept-Language, Cookie"
    kazakh = await client.get(f"/c/{slug}", params={"lang": "kk"}, headers={"if-none-match": russian.headers["etag"]})
    assert kazakh.status_code == 200 and kazakh.headers["etag"] != russian.headers["etag"]  # another page


async def test_search_ignores_case_in_kazakh_and_russian_and_filters_by_kind(client: Client, world: World) -> None:
    slug = await opened(world)
    for query, titles in (("қоғамға", ["Еріктілік — әр алматылықтың ісі"]), ("ҚЫЗМЕТ", ["Еріктілік — әр алматылықтың ісі"]),
                          ("ВОЛОНТЕРОВ", ["Поддержка серебряных волонтёров"]), ("ёлка", ["Поддержка серебряных волонтёров"]),
                          ("серебряных ЁЛКА", ["Поддержка серебряных волонтёров"]), ("appeal 2036", ["An appeal to 2036"]),
                          ("жоқ", [])):
        page = await client.get(f"/c/{slug}", params={"q": query, "lang": "en"})
        found = [html.unescape(t) for t in re.findall(r'<h4 id="item-\d+-title" lang="\w+"><a [^>]+>([^<]+)</a>', page.text)]
        assert found == titles, query
        assert f'value="{html.escape(query, quote=True)}"' in page.text
    page = await client.get(f"/c/{slug}", params={"q": "2036 OR", "kind": "priority", "lang": "en"})
    assert "Nothing matches this search." in page.text
    only = await client.get(f"/c/{slug}", params={"kind": "appeal", "lang": "en"})
    assert re.findall(r'<h3 id="kind-(\w+)">', only.text) == ["appeal"]
    assert 'aria-current="page">Appeals' in only.text


async def test_a_kind_with_many_items_is_paginated(client: Client, world: World) -> None:
    many = [("goal", "kk", f"Мақсат №{n:02d}", "Мәтін", "Автор", "", "Ұйым", []) for n in range(23)]
    slug = await opened(world, [*many, ("appeal", "kk", "Үндеу", "Мәтін", "Автор", "", "Ұйым", [])])
    overview = await client.get(f"/c/{slug}", params={"lang": "en"})
    assert overview.text.count('class="item"') == 11 and "Show all (23)" in overview.text
    first = await client.get(f"/c/{slug}", params={"lang": "en", "kind": "goal"})
    assert first.text.count('class="item"') == 20 and "Page 1 of 2" in first.text
    assert 'href="/c/almaty-2026?kind=goal&amp;page=2#contents" rel="next"' in first.text
    second = await client.get(f"/c/{slug}", params={"lang": "en", "kind": "goal", "page": "2"})
    assert second.text.count('class="item"') == 3 and "Мақсат №22" in second.text and "Мақсат №00" not in second.text
    beyond = await client.get(f"/c/{slug}", params={"lang": "en", "kind": "goal", "page": "9"})
    assert "Page 2 of 2" in beyond.text
    assert (await client.get(f"/c/{slug}", params={"page": "x"})).status_code == 200


async def test_an_item_page_has_a_proof_that_verifies_against_the_certificate(client: Client, world: World) -> None:
    slug = await opened(world)
    async with world.db.read() as session:
        cert = certificate.parse_certificate((await session.execute(select(m.Seal.certificate))).scalar_one())
    for index in range(3):
        page = await client.get(f"/c/{slug}/items/{index}", params={"lang": "en"})
        assert page.status_code == 200 and "Inclusion proof" in page.text
        proof = page.text.split('id="proof"')[1]
        values = re.findall(r"<dd>([^<]*)</dd>", proof)
        assert int(values[0]) == index and int(values[1]) == cert.items
        commitment, *path, root = re.findall(r'<code class="hash">([0-9a-f]{64})</code>', proof)
        assert root == cert.content_root
        merkle.verify_inclusion(bytes.fromhex(commitment), index, cert.items, [bytes.fromhex(h) for h in path],
                                bytes.fromhex(cert.content_root))
        document = await client.get(f"/c/{slug}/items/{index}/document.json")
        assert hashlib.sha256(document.content).hexdigest() == commitment
        assert "✓ Checked: the path leads" in page.text
    assert (await client.get(f"/c/{slug}/items/9")).status_code == 404


async def test_attachments_are_served_with_their_type_and_never_sniffed(client: Client, world: World) -> None:
    slug = await opened(world)
    image = await client.get(f"/c/{slug}/items/0/attachments/0")
    assert image.status_code == 200 and image.content == PHOTO and image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"] == "inline; filename*=UTF-8''%D1%81%D1%83%D1%80%D0%B5%D1%82.png"
    assert image.headers["x-content-type-options"] == "nosniff" and "sandbox" in image.headers["content-security-policy"]
    assert image.headers["etag"] == f'"{hashlib.sha256(PHOTO).hexdigest()}"'
    note = await client.get(f"/c/{slug}/items/1/attachments/0")
    assert note.content == NOTE and note.headers["content-type"] == "text/plain; charset=utf-8"
    assert note.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    assert (await client.get(f"/c/{slug}/items/0/attachments/1")).status_code == 404


async def test_an_item_that_did_not_verify_is_shown_as_such(client: Client, world: World) -> None:
    slug = await opened(world, tamper=1)
    page = await client.get(f"/c/{slug}", params={"lang": "en"})
    assert "2 of 3 contributions verified." in page.text and "Поддержка серебряных" not in page.text
    item = await client.get(f"/c/{slug}/items/1", params={"lang": "en"})
    assert item.status_code == 200 and "This item could not be verified:" in item.text
    assert "items/000001/document.bin" in item.text
    assert (await client.get(f"/c/{slug}/items/1/document.json")).status_code == 404


async def test_receipts_say_where_their_contribution_was_sealed_or_that_it_was_left_out(
        client: Client, world: World) -> None:
    slug = await world.collecting()
    token = await world.invite(slug)
    kept = []
    for n in range(3):
        kept.append(await world.contributions.submit(slug, token, fields(title=f"№{n}")))
        await world.moderation.decide(slug, kept[-1].id, "accept")
        world.clock.advance(seconds=1)  # the sealed order is the order of arrival
    late = await world.contributions.submit(slug, token, fields())
    outcome = await SealService(world.db, world.clock, world.keys).seal(slug, exclude_pending=True)
    root = certificate.parse_certificate(outcome.certificate).content_root
    page = await client.get(f"/receipts/{kept[1].id}", params={"token": kept[1].receipt_token, "lang": "en"})
    assert "Sealed as item 2 of 3" in page.text and f'/api/v1/capsules/{slug}/items/1/proof' in page.text
    proof = page.text.split('id="sealed-title"')[1].split("</section>")[0]
    *path, shown_root = re.findall(r'<code class="hash">([0-9a-f]{64})</code>', proof)
    assert shown_root == root
    merkle.verify_inclusion(kept[1].commitment, 1, 3, [bytes.fromhex(h) for h in path], bytes.fromhex(root))
    left = await client.get(f"/receipts/{late.id}", params={"token": late.receipt_token, "lang": "en"})
    assert "Not in the capsule" in left.text and "Left out at sealing" in left.text and "Sealed as item" not in left.text


async def _flip_a_bit(world: World, index: int) -> None:
    async with world.db.write() as session:
        victim = (await session.execute(select(m.Contribution).where(m.Contribution.sealed_index == index))).scalar_one()
        blob = (await session.execute(select(m.Blob).where(m.Blob.contribution_id == victim.id,
                                                           m.Blob.position == 0))).scalar_one()
        chunk = (await session.execute(select(m.BlobChunk).where(m.BlobChunk.blob_id == blob.id))).scalars().first()
        assert chunk is not None
        data = bytearray(chunk.data)
        data[40] ^= 0x01
        await session.execute(update(m.BlobChunk).where(m.BlobChunk.blob_id == blob.id, m.BlobChunk.seq == chunk.seq)
                              .values(data=bytes(data)))
