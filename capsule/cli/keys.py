"""`capsule keys init`: the service's signing key and master key."""

from __future__ import annotations

import click

from capsule.cli.context import settings, with_database
from capsule.cli.main import cli
from capsule.core.errors import KeyFileError
from capsule.core.service_keys import init_keys_dir, keys_exist


@cli.group()
def keys() -> None:
    """The service's keys (keys/signing.pem and keys/master.key)."""


@keys.command("init")
@click.option("--if-missing", is_flag=True, help="Do nothing when the keys already exist (first run).")
def keys_init(if_missing: bool) -> None:
    """Create signing.pem (Ed25519) and master.key (32 bytes), mode 0600. Never overwrites."""
    cfg = settings()
    path = cfg.keys_path
    if if_missing and keys_exist(path):
        return
    if if_missing and not (path / "signing.pem").exists() and not (path / "master.key").exists():
        # Fresh keys next to a database that already holds capsules would orphan them.
        count = _capsule_count()
        if count:
            raise KeyFileError(
                f"{path} has no keys but the database holds {count} capsule(s) made with other keys; "
                f"restore {path}/ from your backup",
            )
    init_keys_dir(path)
    click.echo(f"created {path / 'signing.pem'} and {path / 'master.key'} (mode 0600)")
    click.echo(f"back them up now: without {path / 'master.key'} no capsule made here can be moderated or opened by the server")


def _capsule_count() -> int:
    from sqlalchemy import func, inspect, select

    from capsule.persistence import models as m

    async def count(db) -> int:  # type: ignore[no-untyped-def]
        async with db.read() as session:
            has_table = await session.run_sync(lambda s: inspect(s.connection()).has_table("capsule"))
            if not has_table:
                return 0
            return (await session.execute(select(func.count()).select_from(m.Capsule))).scalar_one()

    return with_database(count, check_schema=False)
