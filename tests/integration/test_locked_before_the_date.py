"""Nobody reads a sealed capsule before its date — not the public, not an organizer — checked
by asking every route of the live app, pages included (also those added later).

A unique canary goes into a contribution's text and into its attachments (a text file and a
PNG's text chunk), and into a rejected contribution. After sealing, every route is requested
as an anonymous visitor and as a signed-in organizer (bearer token for the API, a session
cookie for pages), with path parameters filled from the real capsule (slug, every id, indexes),
with and without the query parameters that unlock things (receipt and invitation tokens,
`content=1`, `opened=1`); every write route is sent too. No answer may carry the canary, not
even inside a zip, and the API's content routes answer 423. Then the clock passes the date,
the capsule opens, and the same routes serve the canary: the test can see it.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar

from capsule.core.clock import ManualClock
from capsule.persistence.database import Database
from capsule.persistence.services import users
from capsule.persistence.services.users import UserService
from tests.factories.collecting import OPENING, png
from tests.integration.test_routes_guarded import WRITES, routes

EMAIL = "organizer@almaty.example.kz"
PASSWORD = "correct horse battery staple"
SLUG = "almaty-2026"
# API routes that serve content once opened: before the date they are 423, whoever asks.
LOCKED_API = [
    ("GET", r"/items(/\d+(/attachments/\d+)?)?$"), ("GET", r"/opening$"), ("POST", r"/open$"),
    ("POST", r"/shares$"),
]
# Page routes of the contents (the capsule page itself shows the countdown instead).
LOCKED_PAGES = re.compile(r"^/c/[^/]+/items(/|$)")


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield


def _client(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://capsule.test")


def _texts(response: httpx.Response) -> Iterator[bytes]:
    """The body, each member of a zip body, and the headers."""
    yield response.content
    yield str(response.headers).encode()
    if response.content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(response.content)) as bag:
            for name in bag.namelist():
                yield name.encode() + bag.read(name)


def _fills(path: str, ids: list[str]) -> list[str]:
    """Every concrete URL of a route pattern: each id for a uuid, 0..2 for an int."""
    urls = [path]
    for match in re.finditer(r"\{(\w+):(\w+)\}", path):
        values = {"str": [SLUG], "uuid": ids, "int": ["0", "1", "2"]}.get(match.group(2), ["x"])
        urls = [url.replace(match.group(0), value, 1) for url in urls for value in values]
    return urls


async def _capsule(api: httpx.AsyncClient, auth: dict[str, str], canary: str) -> dict[str, Any]:
    assert (await api.post("/api/v1/capsules", headers=auth, json={
        "title": "Уақыт капсуласы – 2026", "slug": SLUG, "opening_at": "2036-03-05T12:00:00+05:00"})).status_code == 201
    assert (await api.post(f"/api/v1/capsules/{SLUG}/publish", headers=auth)).status_code == 200
    invitation = (await api.post(f"/api/v1/capsules/{SLUG}/invitations", headers=auth,
                                 json={"organization": "Жастар еріктілер тобы"})).json()
    fields = {"kind": "goal", "title": f"Мақсат {canary}", "body": f"Құпия мәтін: {canary}",
              "author_name": "Айгүл Серікқызы", "organization": "Жастар еріктілер тобы", "language": "kk"}
    receipts = []
    for n in range(3):
        response = await api.post(f"/api/v1/capsules/{SLUG}/contributions", headers={
            "X-Invitation": invitation["token"]}, data={**fields, "title": f"{n} {canary}"}, files=[
            ("attachments", ("жазба.txt", f"{canary}\n".encode() * 50, "text/plain")),
            ("attachments", ("сурет.png", png(4, 4, marker=canary.encode()), "image/png"))])
        assert response.status_code == 201, response.text
        receipts.append(response.json())
    for receipt, decision in zip(receipts, ("accept", "accept", "reject"), strict=True):
        assert (await api.post(f"/api/v1/capsules/{SLUG}/contributions/{receipt['id']}/decision", headers=auth,
                               json={"decision": decision})).status_code == 200
    assert (await api.post(f"/api/v1/capsules/{SLUG}/seal", headers=auth)).status_code == 200
    return {"invitation": invitation, "receipts": receipts}


async def _sign_in(pages: httpx.AsyncClient) -> str:
    await pages.get("/login")
    csrf = pages.cookies["capsule_csrf"]
    signed_in = await pages.post("/login", data={"_csrf_token": csrf, "email": EMAIL, "password": PASSWORD,
                                                 "next": "/organize"})
    assert signed_in.status_code in (302, 303), signed_in.text
    assert (await pages.get("/organize")).status_code == 200
    return str(csrf)


async def _ask_everything(app: Litestar, clients: dict[str, httpx.AsyncClient], auth: dict[str, str],
                          csrf: dict[str, str], ids: list[str],
                          query: dict[str, str]) -> list[tuple[str, httpx.Response]]:
    answers = []
    for method, path, _ in routes(app):
        if path == "/logout":
            continue  # would end the organizer's session halfway
        for url in _fills(path, ids):
            for who, client in clients.items():
                headers: dict[str, str] = {}
                body: dict[str, Any] = {}
                if url.startswith("/api/"):
                    headers = auth if who == "organizer" else {}
                    body = {"json": {"share": "word " * 33} if url.endswith("/shares") else {}}
                else:
                    headers = {"x-csrftoken": csrf[who]}
                    body = {"data": {"_csrf_token": csrf[who]}}
                for params in ({}, query):
                    response = await client.request(method, url, headers=headers, params=params,
                                                    **(body if method in WRITES else {}))
                    answers.append((f"{who} {method} {url} {sorted(params)}", response))
    return answers


async def test_no_route_reveals_the_canary_before_the_date_and_all_do_after_it(
        app: Litestar, db: Database, clock: ManualClock) -> None:
    canary = f"CANARY-{uuid.uuid4().hex}"
    await UserService(db, clock).add(EMAIL, PASSWORD, "Organizer")
    auth = {"Authorization": f"Bearer {await UserService(db, clock).create_token(EMAIL, 'tests')}"}
    async with _client(app) as anonymous, _client(app) as organizer:
        made = await _capsule(anonymous, auth, canary)
        csrf = {"organizer": await _sign_in(organizer)}
        await anonymous.get("/login")
        csrf["anonymous"] = str(anonymous.cookies["capsule_csrf"])
        receipt = made["receipts"][0]
        ids = [r["id"] for r in made["receipts"]] + [made["invitation"]["id"]]
        query = {"token": receipt["receipt_token"], "invite": made["invitation"]["token"], "content": "1",
                 "opened": "1"}
        clients = {"anonymous": anonymous, "organizer": organizer}

        for when in (timedelta(0), timedelta(days=3650) - timedelta(minutes=1)):  # the day of sealing, the eve
            clock.set(OPENING - timedelta(days=3650) + when)
            answers = await _ask_everything(app, clients, auth, csrf, ids, query)
            assert len(answers) > 500  # the table really was walked
            assert sum(response.status_code == 423 for _, response in answers) >= 60
            problems = []
            for what, response in answers:
                if any(canary.encode() in text for text in _texts(response)):
                    problems.append(f"{what}: the canary is in the answer ({response.status_code})")
                if response.status_code >= 500:
                    problems.append(f"{what}: {response.status_code}")
                method, url = what.split()[1:3]
                locked_api = url.startswith(f"/api/v1/capsules/{SLUG}/") and any(
                    method == m and re.search(p, url.split(SLUG, 1)[1]) for m, p in LOCKED_API)
                valid = re.fullmatch(r".*/(items|attachments)/([012])", url) is None or url.endswith(("/0", "/1"))
                if (locked_api or (method == "GET" and LOCKED_PAGES.match(url))) and valid \
                        and response.status_code not in (401, 423, 429):
                    problems.append(f"{what}: {response.status_code}, not 423")
            assert not problems, "\n".join(problems[:40])

        clock.set(OPENING)
        opened = await anonymous.post(f"/api/v1/capsules/{SLUG}/open", headers=auth)
        assert opened.status_code == 200 and opened.json()["verified"] == 2
        items = (await anonymous.get(f"/api/v1/capsules/{SLUG}/items")).json()["items"]
        assert all(canary in item["title"] and canary in item["body"] for item in items)
        text = await anonymous.get(items[0]["attachments"][0]["url"])
        photo = await anonymous.get(items[0]["attachments"][1]["url"])
        assert canary.encode() in text.content and canary.encode() in photo.content
        archive = await anonymous.get(f"/api/v1/capsules/{SLUG}/archive", params={"opened": 1})
        assert any(canary.encode() in part for part in _texts(archive))
