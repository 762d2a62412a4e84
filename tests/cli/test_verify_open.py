"""`capsule verify` and `capsule open` from the command line: exit codes and the messages a
person at the terminal reads (through `main()`, which turns errors into exit 1)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from capsule.cli.main import cli
from capsule.core import canonical
from capsule.core.locks import CustodiansLock, ServerLock
from tests.factories.sealed import SealedCapsule, build_sealed

TOP = "capsule-almaty-2026"
PAST = datetime(2025, 3, 5, 7, 0, tzinfo=UTC)  # already open by the system clock
BLOB = "data/items/000002/attachment-00.bin"


@pytest.fixture
def run(capsule_cli: Callable[..., Result]) -> Callable[..., tuple[int, str, str]]:
    """`capsule ARGS` through the real entry point (tests/cli/conftest.py); returns
    (exit code, stdout, stderr)."""

    def call(*args: str | Path) -> tuple[int, str, str]:
        result = capsule_cli(*[str(a) for a in args])
        return result.exit_code, result.stdout, result.stderr

    return call


@pytest.fixture(scope="module")
def opened_capsule() -> SealedCapsule:
    """A capsule whose opening date has passed, with a server lock and 2-of-3 custodians."""
    return build_sealed(locks=[ServerLock(), CustodiansLock(threshold=2, shares=3)],
                        sealed_at=datetime(2025, 3, 1, tzinfo=UTC), opening_at=PAST)


@pytest.fixture(scope="module")
def archive(opened_capsule: SealedCapsule, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return opened_capsule.write_archive(tmp_path_factory.mktemp("cli") / "capsule.zip")


def test_the_commands_are_registered() -> None:
    from capsule.cli import commands  # noqa: F401

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "verify" in result.output and "open" in result.output


def test_verify_prints_a_summary(run, opened_capsule: SealedCapsule, archive: Path) -> None:
    code, out, err = run("verify", archive)
    assert (code, err) == (0, "")
    assert "capsule: valid sealed archive capsule.zip" in out
    assert f"title:       {opened_capsule.title}" in out
    assert f"fingerprint: {opened_capsule.fingerprint}" in out
    assert "items:       4 (goal 2, priority 1, appeal 1)" in out
    assert "opens:       2025-03-05 07:00 UTC" in out
    assert "locks:       server, custodians 2 of 3 (policy any)" in out
    assert "not pinned" in out


def test_verify_with_a_pinned_key(run, opened_capsule: SealedCapsule, archive: Path,
                                  tmp_path: Path) -> None:
    b64 = canonical.b64(opened_capsule.signing.public_raw)
    pem = tmp_path / "signing.pub"
    pem.write_bytes(opened_capsule.signing.public_pem())
    well_known = tmp_path / "signing-key.json"
    well_known.write_text(f'{{"alg": "Ed25519", "kid": "{opened_capsule.signing.kid}", '
                          f'"public_key": "{b64}"}}')
    for key in (b64, pem, well_known):
        code, out, _ = run("verify", archive, "--key", key)
        assert code == 0 and f"signer:      {opened_capsule.signing.kid} (pinned)" in out
    code, _, err = run("verify", archive, "--key", canonical.b64(bytes(32)))
    assert code == 1
    assert err.startswith("capsule: error: data/signing-key.json: key ")
    assert "is not the pinned signing key" in err
    code, _, err = run("verify", archive, "--key", "not a key")
    assert code == 1 and "not an Ed25519 public key" in err


def test_verify_names_a_flipped_blob(run, archive: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == f"{TOP}/{BLOB}":
                data = data[:100] + bytes([data[100] ^ 0x80]) + data[101:]
            dst.writestr(info, data)
    code, out, err = run("verify", bad)
    assert (code, out) == (1, "")
    assert err.startswith(f"capsule: error: {BLOB}: sha256 ")
    assert "does not match manifest-sha256.txt" in err and "Traceback" not in err


def test_verify_of_a_missing_file_is_a_usage_error(run, tmp_path: Path) -> None:
    code, _, err = run("verify", tmp_path / "nope.zip")
    assert code == 2 and "does not exist" in err


def test_open_with_the_key(run, opened_capsule: SealedCapsule, archive: Path, tmp_path: Path) -> None:
    key = tmp_path / "capsule.key"
    key.write_text(canonical.b64(opened_capsule.keypair.private) + "\n")
    out = tmp_path / "out"
    code, stdout, err = run("open", archive, "--key", key, "--out", out)
    assert (code, err) == (0, "")
    assert f"capsule: opened 4 of 4 contributions into {out}" in stdout
    for index, document in opened_capsule.documents.items():
        assert (out / f"data/opened/{index:06d}/document.json").read_bytes() == document
    assert (out / "data/index.html").exists()


def test_open_with_two_of_three_shares(run, opened_capsule: SealedCapsule, archive: Path,
                                       tmp_path: Path) -> None:
    first, _, third = opened_capsule.mnemonics
    code, stdout, err = run("open", archive, "--share", first, "--share", third,
                            "--out", tmp_path / "out")
    assert (code, err) == (0, "") and "opened 4 of 4" in stdout


def test_open_with_too_few_shares(run, opened_capsule: SealedCapsule, archive: Path,
                                  tmp_path: Path) -> None:
    code, stdout, err = run("open", archive, "--share", opened_capsule.mnemonics[1],
                            "--out", tmp_path / "out")
    assert (code, stdout) == (1, "")
    assert err == "capsule: error: need 2 of 3 shares, got 1\n"
    assert not (tmp_path / "out").exists()


def test_open_with_a_mistyped_word(run, opened_capsule: SealedCapsule, archive: Path,
                                   tmp_path: Path) -> None:
    words = opened_capsule.mnemonics[0].split()
    words[3] = "zzzz"
    code, _, err = run("open", archive, "--share", " ".join(words), "--share",
                       opened_capsule.mnemonics[1], "--out", tmp_path / "out")
    assert code == 1 and err == ("capsule: error: share 1: word 4 is not a SLIP-39 word "
                                 "(check its spelling)\n")


def test_open_refuses_a_folder_that_is_not_empty(run, opened_capsule: SealedCapsule, archive: Path,
                                                 tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("keep me")
    code, _, err = run("open", archive, "--share", opened_capsule.mnemonics[0], "--share",
                       opened_capsule.mnemonics[1], "--out", tmp_path / "out")
    assert code == 1 and "is not an empty folder" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_open_refuses_before_the_date(run, tmp_path: Path) -> None:
    future = build_sealed()  # opens 2036-03-05 12:00 in Almaty
    path = future.write_archive(tmp_path / "future.zip")
    key = tmp_path / "k"
    key.write_bytes(future.keypair.private)
    code, _, err = run("open", path, "--key", key, "--out", tmp_path / "out")
    assert code == 1
    assert err == "capsule: error: capsule is locked: it opens at 2036-03-05T07:00:00Z\n"
    assert not (tmp_path / "out").exists()


def test_open_usage_errors(run, archive: Path, tmp_path: Path) -> None:
    code, _, err = run("open", archive, "--drand-signature", "xyz", "--out", tmp_path / "o")
    assert code == 2 and "not hex" in err
    code, _, err = run("open", archive, "--key", "k", "--share", "w", "--out", tmp_path / "o")
    assert code == 2 and "not both" in err
    code, _, err = run("open", archive, "--out", tmp_path / "o")
    assert code == 1 and "nothing to open it with" in err
    code, _, err = run("open", archive, "--drand-signature", "00" * 48, "--out", tmp_path / "o")
    assert code == 1 and "no drand lock" in err
