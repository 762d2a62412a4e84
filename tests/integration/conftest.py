"""Integration fixtures: a real database per test (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from capsule.persistence.database import Database
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
