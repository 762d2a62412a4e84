"""`capsule db upgrade`: apply the schema migrations."""

from __future__ import annotations

import click

from capsule.cli.context import settings
from capsule.cli.main import cli
from capsule.persistence import migrate


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (safe to run again)."""
    cfg = settings()
    migrate.upgrade(cfg.database_url)
    click.echo(f"database schema is at revision {migrate.head_revision()}")
