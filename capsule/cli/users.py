"""`capsule user add` and `capsule token create`: organizer accounts and API tokens."""

from __future__ import annotations

import sys

import click

from capsule.cli.context import CLOCK, settings, with_database
from capsule.cli.main import cli
from capsule.core.errors import ValidationError
from capsule.persistence.services.users import UserService, check_password


@cli.group()
def user() -> None:
    """Organizer accounts."""


@user.command("add")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password as one line from standard input.")
def user_add(email: str, name: str, password_stdin: bool) -> None:
    """Add an organizer (password asked twice, or one line from stdin)."""
    settings()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    check_password(password)
    organizer = with_database(lambda db: UserService(db, CLOCK).add(email, password, name))
    click.echo(f"organizer {organizer.email} added")


@cli.group()
def token() -> None:
    """API tokens (Authorization: Bearer …)."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
def token_create(email: str, name: str) -> None:
    """Create an API token for an organizer and print only the token (shown once)."""
    settings()
    if not email:
        raise ValidationError("an email is required", field="email")
    click.echo(with_database(lambda db: UserService(db, CLOCK).create_token(email, name)))
