"""Test databases: SQLite always, PostgreSQL too when TEST_POSTGRES_URL is set.

SQLite: one migrated template file per test session, copied for each test (fast, isolated).
PostgreSQL: one database per xdist worker, migrated once, truncated before each test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from capsule.persistence import migrate
from capsule.persistence.models import metadata

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.template = directory / "template.db"
        migrate.upgrade(f"sqlite+aiosqlite:///{self.template}")

    def fresh(self, directory: Path) -> str:
        target = directory / "capsule.db"
        shutil.copyfile(self.template, target)
        return f"sqlite+aiosqlite:///{target}"


class PostgresDatabase:
    """A scratch database on the server of TEST_POSTGRES_URL, dropped at the end."""

    def __init__(self, worker: str) -> None:
        self.name = f"capsule_test_{worker}_{uuid.uuid4().hex[:8]}"
        admin = make_url(POSTGRES_URL)
        self.url = admin.set(database=self.name).render_as_string(hide_password=False)
        self._admin_dsn = _asyncpg_dsn(POSTGRES_URL)
        asyncio.run(self._execute(f'CREATE DATABASE "{self.name}"'))
        migrate.upgrade(self.url)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        self._truncate = f"TRUNCATE {tables} RESTART IDENTITY CASCADE"

    async def _execute(self, sql: str, dsn: str | None = None) -> None:
        connection = await asyncpg.connect(dsn or self._admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def fresh(self) -> str:
        await self._execute(self._truncate, _asyncpg_dsn(self.url))
        return self.url

    def drop(self) -> None:
        asyncio.run(self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_database(worker_id: str) -> Iterator[PostgresDatabase | None]:
    if not POSTGRES_URL:
        yield None
        return
    database = PostgresDatabase(worker_id)
    try:
        yield database
    finally:
        database.drop()
