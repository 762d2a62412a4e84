"""The database layer itself: SQLite settings, migrations, and compare-and-set under races."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError

from capsule.core.errors import ConfigError
from capsule.core.lifecycle import State
from capsule.persistence import migrate
from capsule.persistence import models as m
from capsule.persistence.database import Database

NOW = datetime(2026, 3, 5, 5, 0, tzinfo=UTC)


def new_capsule(**changes: object) -> m.Capsule:
    values: dict[str, object] = dict(
        id=uuid.uuid4(), slug=f"c-{uuid.uuid4().hex[:8]}", title="Уақыт капсуласы – 2026",
        description="", translations={}, timezone="Asia/Almaty", state=State.COLLECTING,
        opening_at=datetime(2036, 3, 5, 7, 0, tzinfo=UTC), moderation=True, auto_open=False,
        lock_policy="any", locks=[{"type": "server"}], public_key=b"\x01" * 1216,
        prekey=b"\x02" * 124, created_at=NOW, updated_at=NOW,
    )
    values.update(changes)
    return m.Capsule(**values)


async def test_sqlite_connections_use_wal_full_sync_secure_delete_and_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite settings")
    for open_session in (db.write, db.read):
        async with open_session() as session:
            values = [
                (await session.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "synchronous", "secure_delete", "foreign_keys")
            ]
        assert values == ["wal", 2, 1, 1]


async def test_sqlite_read_sessions_cannot_write(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite read-only pool")
    async with db.read() as session:
        with pytest.raises(OperationalError, match="readonly"):
            await session.execute(text("DELETE FROM capsule"))


async def test_rows_round_trip_with_utc_times_and_kazakh_text(db: Database) -> None:
    capsule = new_capsule(title="Қоғамға қызмет – әрқашан", opening_at=datetime(2036, 3, 5, 7, 0, tzinfo=UTC))
    async with db.write() as session:
        session.add(capsule)
    async with db.read() as session:
        loaded = await session.get(m.Capsule, capsule.id)
    assert loaded is not None
    assert loaded.title == "Қоғамға қызмет – әрқашан"
    assert loaded.opening_at == datetime(2036, 3, 5, 7, 0, tzinfo=UTC)
    assert loaded.opening_at.tzinfo is not None


async def test_a_failed_write_leaves_nothing_behind(db: Database) -> None:
    capsule = new_capsule()
    with pytest.raises(RuntimeError, match="boom"):
        async with db.write() as session:
            session.add(capsule)
            await session.flush()
            raise RuntimeError("boom")
    async with db.read() as session:
        assert await session.get(m.Capsule, capsule.id) is None


async def test_parallel_compare_and_set_has_exactly_one_winner(db: Database) -> None:
    capsule = new_capsule()
    async with db.write() as session:
        session.add(capsule)

    async def seal() -> bool:
        async with db.write() as session:
            result = await session.execute(
                update(m.Capsule)
                .where(m.Capsule.id == capsule.id, m.Capsule.state == State.COLLECTING)
                .values(state=State.SEALED, sealed_at=NOW)
            )
            return result.rowcount == 1

    # Separate engines = separate processes' worth of connections, not just one pool.
    others = [Database(db.url) for _ in range(3)]
    try:
        async def seal_with(other: Database) -> bool:
            async with other.write() as session:
                result = await session.execute(
                    update(m.Capsule)
                    .where(m.Capsule.id == capsule.id, m.Capsule.state == State.COLLECTING)
                    .values(state=State.SEALED, sealed_at=NOW)
                )
                return result.rowcount == 1

        outcomes = await asyncio.gather(*[seal() for _ in range(8)], *[seal_with(o) for o in others])
    finally:
        for other in others:
            await other.dispose()
    assert sorted(outcomes) == [False] * 10 + [True]


async def test_schema_check_accepts_a_migrated_database(db: Database) -> None:
    await migrate.check_current(db)


async def test_schema_check_refuses_an_empty_database_and_says_what_to_run(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(ConfigError, match=r"has no schema yet; run `capsule db upgrade`"):
            await migrate.check_current(db)
    finally:
        await db.dispose()


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'twice.db'}"
    migrate.upgrade(url)
    migrate.upgrade(url)


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ConfigError, match="SQLite needs a file path"):
        Database("sqlite+aiosqlite:///:memory:")
