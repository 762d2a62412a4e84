"""API test helpers: an organizer's bearer token and a small client for the common calls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar

from capsule.config import Settings
from capsule.core.clock import ManualClock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence.database import Database
from capsule.persistence.services import users
from capsule.persistence.services.users import UserService
from capsule.web.app import create_app
from tests.factories.collecting import png

ORGANIZER = "organizer@almaty.example.kz"
PHOTO = png(3, 2, marker=b"Almaty 2026")
OPENING = "2036-03-05T12:00:00+05:00"  # noon in Almaty


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Argon2id at its production cost (64 MiB, t=3) would dominate these tests' time; the
    # password rules themselves are tested with the users service.
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield


@pytest.fixture
async def token(db: Database, clock: ManualClock) -> str:
    service = UserService(db, clock)
    await service.add(ORGANIZER, "correct horse battery staple", "Organizer")
    return await service.create_token(ORGANIZER, "tests")


def kk_fields(**changes: Any) -> dict[str, Any]:
    """A contribution in Kazakh, using every letter Kazakh adds to Russian (ә ғ қ ң ө ұ ү һ і)."""
    values = {
        "kind": "goal", "title": "Еріктілер қозғалысын дамыту — 2036 жылға дейінгі мақсат",
        "body": "Әрбір ауданда еріктілер орталығы ашылсын.\nҒылым, өнер, қоғамға қызмет — ұрпаққа үлгі.\n"
                "Һәр адамның үлесі маңызды; біз бірге күштіміз.",
        "author_name": "Айгүл Серікқызы", "author_role": "Төраға",
        "organization": "Алматы қаласы Еріктілер фронт-кеңсесі", "language": "kk",
    }
    values.update(changes)
    return values


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app in this test's own event loop. (Litestar's AsyncTestClient runs it in a thread with
    another loop: PostgreSQL connections shared with the test's direct database calls would then
    cross loops, "concurrent" requests would run one by one, and bodies would arrive whole.)
    Here requests really overlap and a body arrives in the pieces the test sends. No lifespan:
    its only work is the schema check, and the test database is migrated already."""
    async with _client(app) as test_client:
        yield test_client


def _client(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://capsule.test")


@dataclass
class Api:
    client: httpx.AsyncClient
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def create(self, slug: str = "almaty-2026", **changes: Any) -> httpx.Response:
        body = {"title": "Уақыт капсуласы – 2026", "description": "Еріктілер жылы", "opening_at": OPENING,
                "slug": slug, **changes}
        return await self.client.post("/api/v1/capsules", json=body, headers=self.auth)

    async def collecting(self, slug: str = "almaty-2026", **changes: Any) -> str:
        created = await self.create(slug, **changes)
        assert created.status_code == 201, created.text
        published = await self.client.post(f"/api/v1/capsules/{slug}/publish", headers=self.auth)
        assert published.status_code == 200, published.text
        return slug

    async def invite(self, slug: str = "almaty-2026", organization: str = "Жастар еріктілер тобы",
                     **changes: Any) -> dict[str, Any]:
        response = await self.client.post(f"/api/v1/capsules/{slug}/invitations", headers=self.auth,
                                          json={"organization": organization, **changes})
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def submit(self, invitation: str, slug: str = "almaty-2026", *, json: Any = None,
                     data: dict[str, str] | None = None, files: Any = None, content: bytes | None = None,
                     headers: dict[str, str] | None = None) -> httpx.Response:
        all_headers = {"X-Invitation": invitation, **(headers or {})}
        if json is None and data is None and files is None and content is None:
            json = kk_fields()
        return await self.client.post(f"/api/v1/capsules/{slug}/contributions", json=json, data=data, files=files,
                                      content=content, headers=all_headers)

    async def contributions(self, slug: str = "almaty-2026", **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get(f"/api/v1/capsules/{slug}/contributions", params=params, headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()["contributions"]  # type: ignore[no-any-return]

    async def decide(self, contribution_id: str, decision: str = "accept", slug: str = "almaty-2026") -> None:
        response = await self.client.post(f"/api/v1/capsules/{slug}/contributions/{contribution_id}/decision",
                                          json={"decision": decision}, headers=self.auth)
        assert response.status_code == 200, response.text

    async def seal(self, slug: str = "almaty-2026", **body: Any) -> httpx.Response:
        return await self.client.post(f"/api/v1/capsules/{slug}/seal", json=body or None, headers=self.auth)

    async def sealed(self, slug: str = "almaty-2026", items: list[dict[str, Any]] | None = None,
                     **changes: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """A capsule (no moderation) with these contributions (default: three in Kazakh, the
        first with a PNG), sealed; its receipts and the seal's response."""
        await self.collecting(slug, moderation=False, **changes)
        invitation = await self.invite(slug, max_contributions=10)
        receipts = []
        for n, fields in enumerate(items or [kk_fields(kind=kind, title=f"Мақсат №{n}")
                                             for n, kind in enumerate(("goal", "priority", "appeal"))]):
            if n == 0:
                response = await self.submit(invitation["token"], slug, data=fields,
                                             files=[("attachments", ("сурет.png", PHOTO, "image/png"))])
            else:
                response = await self.submit(invitation["token"], slug, json=fields)
            assert response.status_code == 201, response.text
            receipts.append(response.json())
        sealed = await self.seal(slug)
        assert sealed.status_code == 200, sealed.text
        return receipts, sealed.json()


@pytest.fixture
def api(client: httpx.AsyncClient, token: str) -> Api:
    return Api(client, token)


@pytest.fixture
async def small_api(settings: Settings, clock: ManualClock, service_keys: ServiceKeys, db: Database,
                    token: str) -> AsyncIterator[Api]:
    """The API with the smallest upload limit (1 MiB per file), to test refusals cheaply."""
    app = create_app(settings.with_(max_upload_mb=1), clock, keys=service_keys, database=db)
    async with _client(app) as client:
        yield Api(client, token)


def multipart_body(parts: list[tuple[str, str | None, bytes]],
                   boundary: str = "capsule-test-boundary") -> tuple[bytes, str]:
    """A hand-made multipart body, in exactly the given order: [(name, filename or None, bytes)]."""
    out = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
