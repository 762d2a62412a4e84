"""Several workers behind one proxy: with CAPSULE_REDIS_URL, sessions, the login limit and seal
progress live in Redis, so every worker sees what another did. Runs when TEST_REDIS_URL names a
Redis server (`.ci/run` sets it); each test uses its own key namespace there.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import redis.asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient

from capsule.config import Settings
from capsule.core.clock import ManualClock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence.database import Database
from capsule.persistence.services.users import UserService
from capsule.web.app import create_app
from tests.integration.pages.conftest import EMAIL, PASSWORD, _cheap_passwords, csrf, login

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set (.ci/run sets it)")
__all__ = ["_cheap_passwords"]


def redis_url_for(worker_id: str) -> str:
    """TEST_REDIS_URL with a database number of this xdist worker's own (14, 15, …), so tests in
    parallel never see each other's keys and each test can start from an empty database."""
    base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
    number = 14 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    return f"{base}/{number}"


@pytest.fixture
async def workers(settings: Settings, clock: ManualClock, service_keys: ServiceKeys, db_url: str,
                  worker_id: str) -> AsyncIterator[tuple[AsyncTestClient[Litestar], AsyncTestClient[Litestar]]]:
    """Two apps ("workers") on one database and one Redis, each with its own client."""
    url = redis_url_for(worker_id)
    client = redis.asyncio.from_url(url)
    await client.flushdb()
    shared = settings.with_(redis_url=url, login_rate_per_minute=3)
    clients = []
    for _ in range(2):
        app_db = Database(db_url)
        app = create_app(shared, clock, keys=service_keys, database=app_db)
        app.on_shutdown.append(app_db.dispose)
        clients.append(AsyncTestClient(app, base_url="http://capsule.test"))
    first, second = clients
    try:
        async with first, second:
            yield first, second
    finally:
        await client.flushdb()
        await client.aclose()


async def test_a_session_started_on_one_worker_is_known_to_the_other(
        workers: tuple[AsyncTestClient[Litestar], AsyncTestClient[Litestar]], db: Database, clock: ManualClock) -> None:
    first, second = workers
    await UserService(db, clock).add(EMAIL, PASSWORD)
    signed_in = await login(first)
    assert signed_in.status_code in (302, 303)
    second.cookies.update(first.cookies)  # the browser goes to whichever worker the proxy picks
    page = await second.get("/organize", follow_redirects=False)
    assert page.status_code == 200
    await second.post("/logout", data={"_csrf_token": await csrf(second)}, follow_redirects=False)
    first.cookies.update(second.cookies)
    after = await first.get("/organize", follow_redirects=False)
    assert after.status_code in (302, 303) and "/login" in after.headers["location"]


async def test_the_login_limit_counts_attempts_on_every_worker(
        workers: tuple[AsyncTestClient[Litestar], AsyncTestClient[Litestar]], db: Database, clock: ManualClock) -> None:
    first, second = workers
    await UserService(db, clock).add(EMAIL, PASSWORD)
    for client in (first, second, first):
        assert (await login(client, password="wrong password!")).status_code != 429
    refused = await login(second, password="wrong password!")
    assert refused.status_code == 429
