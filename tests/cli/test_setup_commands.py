"""keys init, db upgrade, user add, token create: what a new operator runs first."""

from __future__ import annotations

import os
import stat

from tests.cli.conftest import CapsuleCli


def test_keys_init_creates_owner_only_key_files(capsule_cli: CapsuleCli) -> None:
    result = capsule_cli("keys", "init")
    assert result.exit_code == 0, result.output
    keys = capsule_cli.home / "keys"
    for name in ("signing.pem", "master.key"):
        assert stat.S_IMODE(os.stat(keys / name).st_mode) == 0o600
    assert (keys / "master.key").stat().st_size == 32
    assert b"BEGIN PRIVATE KEY" in (keys / "signing.pem").read_bytes()


def test_keys_init_twice_refuses_and_keeps_the_first_keys(capsule_cli: CapsuleCli) -> None:
    assert capsule_cli("keys", "init").exit_code == 0
    keys = capsule_cli.home / "keys"
    before = {name: (keys / name).read_bytes() for name in ("signing.pem", "master.key")}
    second = capsule_cli("keys", "init")
    assert second.exit_code == 1
    assert "capsule: error:" in second.stderr
    assert "already exists; refusing to overwrite existing keys" in second.stderr
    assert {name: (keys / name).read_bytes() for name in before} == before


def test_keys_init_if_missing_is_a_no_op_when_keys_exist(capsule_cli: CapsuleCli) -> None:
    assert capsule_cli("keys", "init").exit_code == 0
    before = (capsule_cli.home / "keys" / "master.key").read_bytes()
    again = capsule_cli("keys", "init", "--if-missing")
    assert again.exit_code == 0, again.output
    assert (capsule_cli.home / "keys" / "master.key").read_bytes() == before


def test_db_upgrade_then_user_and_token(capsule_cli: CapsuleCli) -> None:
    assert capsule_cli("db", "upgrade").exit_code == 0
    added = capsule_cli("user", "add", "Organizer@Example.kz", "--password-stdin", input="correct horse battery\n")
    assert added.exit_code == 0, added.output
    assert "organizer organizer@example.kz added" in added.stdout
    token = capsule_cli("token", "create", "organizer@example.kz")
    assert token.exit_code == 0, token.output
    lines = token.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cap_") and len(lines[0]) == 47
    assert lines[0].encode() not in (capsule_cli.home / "capsule.db").read_bytes()


def test_user_add_asks_for_the_password_twice(capsule_cli: CapsuleCli) -> None:
    capsule_cli("db", "upgrade")
    mismatch = capsule_cli("user", "add", "a@example.kz", input="first password 1\nsecond password 2\nfirst password 1\nfirst password 1\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output.lower()


def test_bad_input_gets_an_error_and_a_hint_not_a_traceback(capsule_cli: CapsuleCli) -> None:
    no_schema = capsule_cli("token", "create", "nobody@example.kz")
    assert no_schema.exit_code == 1
    assert "capsule: error: the database has no schema yet" in no_schema.stderr
    assert "capsule: hint: run `capsule db upgrade`" in no_schema.stderr
    capsule_cli("db", "upgrade")
    short = capsule_cli("user", "add", "a@example.kz", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "password must have at least 10 characters" in short.stderr
    unknown = capsule_cli("token", "create", "nobody@example.kz")
    assert unknown.exit_code == 1 and "no organizer with email nobody@example.kz" in unknown.stderr
    duplicate_args = ("user", "add", "b@example.kz", "--password-stdin")
    assert capsule_cli(*duplicate_args, input="long enough pw\n").exit_code == 0
    taken = capsule_cli(*duplicate_args, input="long enough pw\n")
    assert taken.exit_code == 1 and "already exists" in taken.stderr
    assert "Traceback" not in no_schema.output + short.output + unknown.output + taken.output


def test_a_bad_setting_stops_the_command_and_names_the_variable(capsule_cli: CapsuleCli) -> None:
    result = capsule_cli("db", "upgrade", env={"CAPSULE_MAX_UPLOAD_MB": "huge"})
    assert result.exit_code == 1
    assert "capsule: error: CAPSULE_MAX_UPLOAD_MB" in result.stderr


def test_serve_refuses_to_start_without_keys(capsule_cli: CapsuleCli) -> None:
    capsule_cli("db", "upgrade")
    result = capsule_cli("serve", "--port", "18999")
    assert result.exit_code == 1
    assert "signing.pem is missing" in result.stderr
    assert "capsule: hint: run `capsule keys init`" in result.stderr


def test_serve_refuses_keys_that_others_can_read(capsule_cli: CapsuleCli) -> None:
    capsule_cli("db", "upgrade")
    capsule_cli("keys", "init")
    os.chmod(capsule_cli.home / "keys" / "master.key", 0o644)
    result = capsule_cli("serve", "--port", "18999")
    assert result.exit_code == 1
    assert "chmod 600" in result.stderr
