"""Integration fixtures: a real database per test (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from capsule.config import Settings
from capsule.core.clock import ManualClock
from capsule.core.service_keys import ServiceKeys, init_keys_dir, load_service_keys
from capsule.persistence.database import Database
from capsule.web.app import create_app
from tests.factories.collecting import World, make_world
from tests.db import BACKENDS, PostgresDatabase, SqliteTemplate, postgres_database, sqlite_template

__all__ = ["postgres_database", "sqlite_template"]


@pytest.fixture(params=BACKENDS)
async def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: SqliteTemplate,
    postgres_database: PostgresDatabase | None,
) -> str:
    if request.param == "sqlite":
        return sqlite_template.fresh(tmp_path)
    assert postgres_database is not None
    return await postgres_database.fresh()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def service_keys(tmp_path_factory: pytest.TempPathFactory) -> ServiceKeys:
    """One real key pair per test session (creating keys is cheap, but needless per test)."""
    path = tmp_path_factory.mktemp("service") / "keys"
    init_keys_dir(path)
    return load_service_keys(path)


@pytest.fixture
def settings(db_url: str, tmp_path: Path, service_keys: ServiceKeys) -> Settings:
    return Settings(database_url=db_url, keys_dir=str(tmp_path / "unused-keys"), base_url="http://capsule.test")


@pytest.fixture
def app(settings: Settings, clock: ManualClock, service_keys: ServiceKeys, db: Database) -> Litestar:
    return create_app(settings, clock, keys=service_keys, database=db)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url="http://capsule.test") as test_client:
        yield test_client


@pytest.fixture
def world(db: Database, clock: ManualClock, service_keys: ServiceKeys) -> World:
    """The collecting services on this test's database (see tests/factories/collecting.py)."""
    return make_world(db, clock, service_keys)
