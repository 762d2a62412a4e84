"""`capsule verify ARCHIVE` and `capsule open ARCHIVE`: offline, no database, no settings.

Both use only `capsule.core` (and the archive texts), so they work on any machine with the
program, years after the service is gone. Errors go through `main()`: exit 1 and
`capsule: error: <the first bad part and why>`.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from capsule.archive_texts import archive_texts
from capsule.cli.main import cli
from capsule.core.archive import VerifySummary, open_archive, verify_archive
from capsule.core.archive_pages import when_text
from capsule.core.certificate import CustodiansLockInfo, DrandLockInfo
from capsule.core.clock import SystemClock
from capsule.core.errors import FormatError, TamperError
from capsule.core.keys import PRIVATE_KEY_SIZE
from capsule.core.lifecycle import Kind

_MAX_KEY_FILE = 1 << 20
_ARCHIVE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _b64(text: str, size: int) -> bytes | None:
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


def _read_small(path: Path, what: str) -> bytes:
    if path.stat().st_size > _MAX_KEY_FILE:
        raise FormatError(f"{path}: too large to be a {what}")
    return path.read_bytes()


def signing_key(value: str) -> bytes:
    """The raw Ed25519 key to pin, from a file (signing-key.json or the service's
    /.well-known/capsule/signing-key answer, a PEM public key, base64) or base64 text.

    Raises:
        FormatError: none of those forms.
    """
    path = Path(value)
    data = _read_small(path, "signing key") if path.is_file() else value.encode()
    text = data.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text)["public_key"])
        except (ValueError, KeyError, TypeError):
            raise FormatError(f"{value}: JSON without a public_key") from None
    elif text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError:
            raise FormatError(f"{value}: not a PEM public key") from None
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise FormatError(f"{value}: not an Ed25519 key")
        return key.public_bytes_raw()
    raw = _b64(text, 32)
    if raw is None:
        raise FormatError(f"{value}: not an Ed25519 public key (32 bytes of base64, a PEM "
                          "public key, or signing-key.json)")
    return raw


def private_key(value: str) -> bytes:
    """The capsule private key from a file (opening.json, base64 text, or 96 raw bytes) or
    base64 text.

    Raises:
        FormatError: none of those forms.
    """
    path = Path(value)
    data = _read_small(path, "capsule key") if path.is_file() else value.encode()
    if path.is_file() and len(data) == PRIVATE_KEY_SIZE:
        return data
    text = data.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text)["private_key"])
        except (ValueError, KeyError, TypeError):
            raise FormatError(f"{value}: JSON without a private_key") from None
    raw = _b64(text, PRIVATE_KEY_SIZE)
    if raw is None:
        raise FormatError(f"{value}: not a capsule private key (96 bytes: base64 text, a raw "
                          "file, or opening.json)")
    return raw


def _locks_text(summary: VerifySummary) -> str:
    parts = []
    for lock in summary.locks:
        if isinstance(lock, CustodiansLockInfo):
            parts.append(f"custodians {lock.threshold} of {lock.shares}")
        elif isinstance(lock, DrandLockInfo):
            parts.append(f"drand round {lock.round}")
        else:
            parts.append("server")
    return f"{', '.join(parts)} (policy {summary.lock_policy})"


@cli.command("verify")
@click.argument("archive", type=_ARCHIVE)
@click.option("--key", "key", metavar="FILE_OR_BASE64",
              help="Pin the service's signing key (signing-key.json, PEM, or base64).")
def verify(archive: Path, key: str | None) -> None:
    """Check ARCHIVE offline: bag, signature, manifest, Merkle root, audit log (FORMAT §9.1)."""
    pinned = signing_key(key) if key else None
    s = verify_archive(archive, pinned_key=pinned)
    kinds = ", ".join(f"{kind} {s.kinds.get(kind, 0)}" for kind in Kind)
    click.echo(f"capsule: valid {'opened' if s.opened else 'sealed'} archive {archive.name}")
    click.echo(f"title:       {s.title}")
    click.echo(f"fingerprint: {s.fingerprint}")
    click.echo(f"items:       {s.items} ({kinds})")
    click.echo(f"sealed:      {when_text(s.sealed_at)}")
    click.echo(f"opens:       {when_text(s.opening_at)}")
    click.echo(f"locks:       {_locks_text(s)}")
    click.echo(f"signer:      {s.signer}{' (pinned)' if pinned else ' (not pinned: compare it with the published key, or use --key)'}")
    if s.report is not None:
        click.echo(f"opened:      {s.report.verified} of {s.report.total} verified")


@cli.command("open")
@click.argument("archive", type=_ARCHIVE)
@click.option("--key", "key", metavar="FILE", help="The capsule private key (opening.json, "
              "base64 or raw); not needed for an opened archive.")
@click.option("--share", "shares", multiple=True, metavar="WORDS",
              help='One custodian share, quoted: --share "academic acid …" (repeat per share).')
@click.option("--drand-signature", "drand", metavar="HEX",
              help="The drand beacon signature of the capsule's round.")
@click.option("--out", "out", required=True, metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="A new or empty folder for the opened capsule.")
def open_(archive: Path, key: str | None, shares: tuple[str, ...], drand: str | None,
          out: Path) -> None:
    """Verify ARCHIVE, then decrypt it into --out (from its opening date on)."""
    if key and (shares or drand):
        raise click.UsageError("give --key, or --share/--drand-signature, not both")
    signature = None
    if drand is not None:
        try:
            signature = bytes.fromhex(drand.strip())
        except ValueError:
            raise click.BadParameter("not hex", param_hint="--drand-signature") from None
    report = open_archive(
        archive, out, now=SystemClock().now(), texts=archive_texts(),
        private_key=private_key(key) if key else None, mnemonics=list(shares) or None,
        drand_signature=signature)
    click.echo(f"capsule: opened {report.verified} of {report.total} contributions into {out}")
    click.echo(f"index:   {out / 'data' / 'index.html'}")
    for failure in report.failed:
        click.echo(f"capsule: item {failure.index} ({failure.id}) did not verify: "
                   f"{failure.message}", err=True)
    if not report.ok:
        raise TamperError(f"{len(report.failed)} of {report.total} contributions did not verify "
                          f"(listed above); the others are in {out}")


__all__ = ["open_", "private_key", "signing_key", "verify"]
