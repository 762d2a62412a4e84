"""A live Capsule server for browser tests: uvicorn in a background thread on 127.0.0.1,
a scratch SQLite database and fresh service keys, the real clock."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from capsule.config import Settings
from capsule.core.clock import SystemClock
from capsule.core.service_keys import init_keys_dir, load_service_keys
from capsule.persistence import migrate
from capsule.persistence.database import Database
from capsule.persistence.services.users import UserService
from capsule.web.app import create_app

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


@dataclass
class LiveServer:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

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
    app = create_app(settings, SystemClock(), keys=load_service_keys(directory / "keys"), database=database)
    app.on_shutdown.append(database.dispose)  # in the server's own event loop, where its connections live
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="capsule-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    return LiveServer(base_url, server, thread)
