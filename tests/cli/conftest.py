"""CLI tests run `capsule …` in-process (click's CliRunner) against a scratch folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from capsule.cli.main import main


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.pass_context
def _capsule(ctx: click.Context) -> None:
    # Runs the real entry point, so error printing and exit codes are the ones users see.
    main(list(ctx.args))


@dataclass
class CapsuleCli:
    home: Path
    env: dict[str, str]

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(_capsule, list(args), input=input, env={**self.env, **(env or {})})


@pytest.fixture
def capsule_cli(tmp_path: Path) -> CapsuleCli:
    return CapsuleCli(tmp_path, {
        "CAPSULE_KEYS_DIR": str(tmp_path / "keys"),
        "CAPSULE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'capsule.db'}",
        "CAPSULE_LOG_FORMAT": "console",
    })
