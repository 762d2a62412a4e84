"""Entry point: the click group and the one place that turns a CapsuleError into exit 1.

Errors print as `capsule: error: …` (and `capsule: hint: …` when there is one), never as a
traceback: the person at the terminal needs to know what to do next.
"""

from __future__ import annotations

import sys

import click

from capsule.core.errors import CapsuleError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="capsule", prog_name="capsule")
def cli() -> None:
    """Capsule: a digital time capsule, sealed and time-locked, verifiable by anyone."""


def fail(exc: CapsuleError) -> None:
    message = str(exc)
    hint = exc.params.get("hint")
    if not hint and "; run " in message:
        message, _, rest = message.partition("; run ")
        hint = "run " + rest
    click.echo(f"capsule: error: {message}", err=True)
    if hint:
        click.echo(f"capsule: hint: {hint}", err=True)


def main(argv: list[str] | None = None) -> None:
    from capsule.cli import commands  # noqa: F401 - registers the commands on `cli`

    try:
        cli.main(args=argv, prog_name="capsule", standalone_mode=False)
    except CapsuleError as exc:
        fail(exc)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("capsule: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
