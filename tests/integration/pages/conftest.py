"""Page test helpers: a browser-like client (cookies, CSRF), an organizer who signs in, forms.

The app gets its own Database object: Litestar's AsyncTestClient runs the app in its own thread
and event loop, while the test prepares data through the services (`world`) in the test's loop,
and PostgreSQL connections must not cross loops.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient

from capsule.config import Settings
from capsule.core.clock import ManualClock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence.database import Database
from capsule.persistence.services import users
from capsule.persistence.services.users import UserService
from tests.factories.collecting import fields as service_fields
from capsule.web.app import create_app

EMAIL = "organizer@almaty.example.kz"
PASSWORD = "correct horse battery staple"
Client = AsyncTestClient[Litestar]
NO_FILE = [("attachments", ("", b"", "application/octet-stream"))]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Production Argon2id (64 MiB, t=3) would dominate the time of every sign-in here.
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield


@pytest.fixture
def app(settings: Settings, clock: ManualClock, service_keys: ServiceKeys, db_url: str) -> Litestar:
    app_db = Database(db_url)
    app = create_app(settings.with_(max_upload_mb=1), clock, keys=service_keys, database=app_db)
    # Its connections belong to the client's event loop: close them there, at the app's shutdown.
    app.on_shutdown.append(app_db.dispose)
    return app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app, base_url="http://capsule.test") as test_client:
        yield test_client


@pytest.fixture
async def organizer(client: Client, db: Database, clock: ManualClock) -> Client:
    """The client, signed in as an organizer."""
    await UserService(db, clock).add(EMAIL, PASSWORD, "Organizer")
    await login(client)
    return client


async def csrf(client: Client) -> str:
    """The CSRF token of this client (a GET hands out the cookie the first time)."""
    if "capsule_csrf" not in client.cookies:
        await client.get("/login")
    return str(client.cookies["capsule_csrf"])


async def login(client: Client, email: str = EMAIL, password: str = PASSWORD, next_: str = "/organize") -> Any:
    token = await csrf(client)
    return await client.post("/login", data={"_csrf_token": token, "email": email, "password": password,
                                             "next": next_}, follow_redirects=False)


async def post_form(client: Client, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """A urlencoded form post, with the CSRF token first as a browser sends it."""
    return await client.post(path, data={"_csrf_token": await csrf(client), **(data or {})},
                             follow_redirects=False, **kw)


def fields(**changes: str) -> dict[str, str]:
    values = {"kind": "goal", "title": "Еріктілер қозғалысын дамыту",
              "body": "Әрбір ауданда еріктілер орталығы ашылсын.\nҚоғамға қызмет — біздің борышымыз.",
              "author_name": "Айгүл Серікқызы", "author_role": "Төраға", "organization": "Жастар ұйымы",
              "language": "kk"}
    values.update(changes)
    return values


async def contribute(client: Client, slug: str, invite: str, files: list[tuple[str, bytes]] = (), *,
                     submit_key: str = "key-1", csrf_token: str | None = None, lang: str | None = None,
                     **changes: str) -> Any:
    """Post the contribution form as a browser does: CSRF token first, text fields, files last;
    `lang` is the page's language (`?lang=`), `changes` change the typed fields."""
    token = await csrf(client) if csrf_token is None else csrf_token
    data = {"_csrf_token": token, "submit_key": submit_key, "invite": invite, **fields(**changes)}
    # Browsers send the file input even when nothing was chosen (an empty part).
    upload = [("attachments", (name, content, "application/octet-stream")) for name, content in files] or NO_FILE
    return await client.post(f"/c/{slug}/contribute", data=data, files=upload, follow_redirects=False,
                             params={"lang": lang} if lang else None)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


async def confirm(client: Client, slug: str, preview_page: str) -> Any:
    return await post_form(client, f"/c/{slug}/contribute/confirm",
                           {"invite": hidden(preview_page, "invite"), "draft": hidden(preview_page, "draft")})


async def submitted(client: Client, slug: str, invite: str, **kw: Any) -> str:
    """Form → preview → confirm; returns the receipt's path with its token."""
    preview = await contribute(client, slug, invite, **kw)
    assert preview.status_code == 200, preview.text
    done = await confirm(client, slug, preview.text)
    assert done.status_code == 303, done.text
    return str(done.headers["location"])


def plain(text: str) -> str:
    """Page text with CLDR's narrow no-break spaces ("2026\u202fж.") as plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


async def accepted(world: Any, slug: str, items: list[tuple[str, str]], **changes: str) -> list[Any]:
    """Contributions through the services, each accepted: (kind, organization) per item; an
    invitation per organization. Returns their receipts, in order of arrival."""
    invites: dict[str, str] = {}
    receipts = []
    for n, (kind, organization) in enumerate(items):
        if organization not in invites:
            invites[organization] = await world.invite(slug, organization)
        receipt = await world.contributions.submit(slug, invites[organization], service_fields(
            kind=kind, organization=organization, title=f"{changes.get('title', 'Мақсат')} №{n + 1}",
            **{k: v for k, v in changes.items() if k != "title"}))
        await world.moderation.decide(slug, receipt.id, "accept")
        world.clock.advance(seconds=1)
        receipts.append(receipt)
    return receipts
