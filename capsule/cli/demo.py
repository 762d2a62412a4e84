"""`capsule demo`: seed the Almaty "Time Capsule – 2026" so a newcomer sees the product."""

from __future__ import annotations

import click

from capsule.cli.context import CLOCK, settings, with_database
from capsule.cli.main import cli


@cli.command()
@click.option("--if-empty", is_flag=True, help="Only when the database holds no capsule yet (first run).")
def demo(if_empty: bool) -> None:
    """Seed demo capsules, an organizer login and invitation links; print them."""
    from capsule.persistence.services.demo import seed_demo

    cfg = settings()
    report = with_database(lambda db: seed_demo(db, CLOCK, cfg, only_if_empty=if_empty))
    for line in report:
        click.echo(line)
