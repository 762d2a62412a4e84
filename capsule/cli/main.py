"""Entry point: the click group and the one place that turns a CapsuleError into exit 1."""

from __future__ import annotations

import click


@click.group()
def cli() -> None:
    """Capsule: a digital time capsule, sealed and time-locked, verifiable by anyone."""


def main() -> None:
    cli()
