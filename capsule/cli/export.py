"""`capsule export SLUG FILE`: the archive of a capsule, for mirrors (DESIGN §4.8)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from capsule.cli.context import CLOCK, settings, with_database
from capsule.cli.main import cli
from capsule.core.service_keys import load_service_keys
from capsule.persistence.database import Database
from capsule.persistence.services import archives


@cli.command()
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--opened", is_flag=True, help="The opened archive (with every document), once the capsule is open.")
def export(slug: str, file: Path, opened: bool) -> None:
    """Write the sealed (or --opened) archive of capsule SLUG to FILE, a BagIt zip."""
    cfg = settings()
    keys = load_service_keys(cfg.keys_path, cfg.master_key_bytes())
    partial = file.with_name(f".{file.name}.partial")

    async def work(db: Database) -> None:
        with partial.open("wb") as out:
            if opened:
                await archives.write_opened(db, keys, slug, out, CLOCK)
            else:
                await archives.write_sealed(db, keys, slug, out, CLOCK)
            out.flush()
            os.fsync(out.fileno())

    try:
        with_database(work)
        partial.replace(file)  # whole or not at all
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"wrote {file} ({file.stat().st_size:,} bytes); check it with: capsule verify {file}")
