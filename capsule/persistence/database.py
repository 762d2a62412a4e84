"""Engines and sessions: SQLite (embedded default) and PostgreSQL behind one small interface.

Services open their own transactions: `async with db.write() as session:` for anything that
changes data, `async with db.read() as session:` for pages and feeds.

SQLite allows one writer at a time. Rather than letting concurrent writers collide inside
SQLite (SQLITE_BUSY and retries), writes go through a pool of exactly one connection that
starts every transaction with BEGIN IMMEDIATE: in-process writers queue on the pool, other
processes wait on `busy_timeout`, and a compare-and-set inside one write transaction is
atomic. Reads use a separate pool; in WAL mode they never block the writer nor wait for it.
PostgreSQL uses one pool for both, and settles races with row locks (see `lock_capsule`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from capsule.core.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 30_000

# Applied on every SQLite connection. WAL: readers beside the writer. synchronous=FULL: a
# contribution that got a receipt survives a power cut. secure_delete: deleted pages (the
# pre-seal key, replaced ciphertext) are overwritten with zeros, not left in free pages.
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA secure_delete=ON",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
)


class Database:
    """The engines of one database URL and the two ways to open a transaction."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self._check_sqlite_path(url)
            self.engine = _sqlite_engine(url, writer=True, echo=echo)
            self.read_engine = _sqlite_engine(url, writer=False, echo=echo)
        else:
            self.engine = create_async_engine(
                url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True
            )
            self.read_engine = self.engine
        self._write = async_sessionmaker(self.engine, expire_on_commit=False)
        self._read = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction: committed on success, rolled back on any error."""
        async with self._write.begin() as session:
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; nothing it does is committed."""
        async with self._read() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()

    @staticmethod
    def _check_sqlite_path(url: str) -> None:
        database = make_url(url).database
        if not database or database == ":memory:":
            # Two engines (reader and writer) must see the same database: a file.
            raise ConfigError("CAPSULE_DATABASE_URL: SQLite needs a file path, not an in-memory database")


def _sqlite_engine(url: str, *, writer: bool, echo: bool) -> AsyncEngine:
    pool: dict[str, Any] = {"pool_size": 1, "max_overflow": 0} if writer else {"pool_size": 5, "max_overflow": 5}
    engine = create_async_engine(url, echo=echo, pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, **pool)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (the sqlite3 module's implicit BEGIN is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        if not writer:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine
