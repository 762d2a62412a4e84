"""`capsule serve`: run the web service with uvicorn."""

from __future__ import annotations

import asyncio

import click
import uvicorn

from capsule.cli.context import settings
from capsule.cli.main import cli
from capsule.core.service_keys import load_service_keys
from capsule.persistence import migrate
from capsule.persistence.database import Database


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app and the API."""
    cfg = settings()
    # Fail here, with a clear message, rather than inside a worker process.
    load_service_keys(cfg.keys_path, cfg.master_key_bytes())
    asyncio.run(_check_schema(cfg.database_url))
    click.echo(f"capsule: serving on http://{host}:{port}", err=True)
    uvicorn.run(
        "capsule.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # its lines carry query strings, i.e. tokens; see capsule.web.logs
        proxy_headers=True,
        log_config=None,
    )


async def _check_schema(url: str) -> None:
    db = Database(url)
    try:
        await migrate.check_current(db)
    finally:
        await db.dispose()
