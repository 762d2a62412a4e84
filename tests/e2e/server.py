"""A live Capsule server for browser tests: uvicorn in a background thread on 127.0.0.1,
a scratch SQLite database and fresh service keys, and a clock that runs like the real one
but can be moved forward (to an opening date) and back.

Tests prepare data through the real services on the same database (`LiveServer.run`), as the
demo does, and drive the pages in the browser."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import uvicorn

from capsule.config import Settings
from capsule.core.clock import SystemClock
from capsule.core.service_keys import ServiceKeys, init_keys_dir, load_service_keys
from capsule.persistence import migrate
from capsule.persistence.database import Database
from capsule.persistence.services.users import UserService
from capsule.web.app import create_app

T = TypeVar("T")
ORGANIZER_EMAIL = "organizer@almaty.example.kz"
ORGANIZER_PASSWORD = "Еріктілер-2026-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _add_organizer(url: str) -> None:
    db = Database(url)
    try:
        await UserService(db, SystemClock()).add(ORGANIZER_EMAIL, ORGANIZER_PASSWORD, "Organizer")
    finally:
        await db.dispose()


class MovableClock:
    """The wall clock plus an offset that tests move (`jump`) and put back (`reset`)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return SystemClock().now() + self.offset

    def jump(self, delta: timedelta) -> None:
        self.offset += delta

    def reset(self) -> None:
        self.offset = timedelta(0)


@dataclass
class LiveServer:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread
    database_url: str = ""
    keys: ServiceKeys | None = None
    clock: MovableClock = field(default_factory=MovableClock)

    def run(self, work: Callable[[Database], Awaitable[T]]) -> T:
        """Run `work` with its own connection to the server's database (services, as the demo)."""
        async def main() -> T:
            db = Database(self.database_url)
            try:
                return await work(db)
            finally:
                await db.dispose()

        # In a thread of its own: Playwright's sync API keeps an event loop in this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, main()).result()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start(directory: Path) -> LiveServer:
    url = f"sqlite+aiosqlite:///{directory / 'capsule.db'}"
    migrate.upgrade(url)
    asyncio.run(_add_organizer(url))
    init_keys_dir(directory / "keys")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=url, keys_dir=str(directory / "keys"), base_url=base_url, max_upload_mb=2)
    database = Database(url)
    keys, clock = load_service_keys(directory / "keys"), MovableClock()
    app = create_app(settings, clock, keys=keys, database=database)
    app.on_shutdown.append(database.dispose)  # in the server's own event loop, where its connections live
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="capsule-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    return LiveServer(base_url, server, thread, database_url=url, keys=keys, clock=clock)
