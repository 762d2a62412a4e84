"""What commands share: settings read once per invocation, and running async services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from capsule.config import Settings
from capsule.core.clock import SystemClock
from capsule.persistence import migrate
from capsule.persistence.database import Database

T = TypeVar("T")


def settings() -> Settings:
    """The settings of this invocation (read from the environment once)."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings.from_env()
    return root.obj


def with_database(work: Callable[[Database], Awaitable[T]], *, check_schema: bool = True) -> T:
    """Run `work` against the configured database, which must be migrated."""

    async def run() -> T:
        db = Database(settings().database_url)
        try:
            if check_schema:
                await migrate.check_current(db)
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


CLOCK = SystemClock()
