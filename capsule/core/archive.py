"""Capsule archives (FORMAT §9): write them, verify them, open them — offline, in 2036 too.

    write_sealed_archive(out, parts, texts)                  right after sealing, for mirrors
    write_opened_archive(out, parts, texts, private_key=…, opened_at=…)     after opening
    verify_archive(path, pinned_key=None) -> VerifySummary    FORMAT §9.1, in order
    open_archive(path, out_dir, key | shares | drand signature, now=…, texts=…) -> Report

Verification names the first bad part in its message (`data/items/000002/attachment-00.bin:
sha256 … does not match manifest-sha256.txt …`). It checks the bag, then everything the bag
cannot see: a file whose BagIt line was updated to match but which no longer matches the signed
`manifest.json`, and files missing from or added to both.
"""

from __future__ import annotations

import hmac
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

import msgspec

from capsule.core import canonical, tlock
from capsule.core.archive_pages import (
    ArchiveStrings,
    ArchiveTexts,
    opened_attachment_path,
    opened_document_path,
)
from capsule.core.archive_write import (
    Opening,
    SealedParts,
    parse_opening,
    parse_signing_key,
    write_bag,
    write_opened_archive,
    write_sealed_archive,
)
from capsule.core.bag import DirTarget
from capsule.core.bag_read import BagReader
from capsule.core.audit import jsonl_lines, verify_prefix
from capsule.core.certificate import (
    Certificate,
    CustodiansLockInfo,
    DrandLockInfo,
    LockInfo,
    check_against_manifest,
    fingerprint,
    parse_certificate,
    parse_signature_text,
)
from capsule.core.clock import check_aware
from capsule.core.envelope import parse_document
from capsule.core.errors import (
    CapsuleError,
    DecryptionError,
    FormatError,
    SignatureError,
    TamperError,
    ValidationError,
)
from capsule.core.keys import PRIVATE_KEY_SIZE, public_key_of
from capsule.core.lifecycle import check_openable
from capsule.core.locks import custodian_secret, drand_secret, recover_private_key
from capsule.core.manifest import DRAND_LOCK_FILE, Manifest, parse_manifest
from capsule.core.service_keys import kid_of, verify_signature
from capsule.core.opening import Report

KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
# Bounds on what is read whole; far above any real capsule, they stop absurd archives early.
LIMITS = {"certificate.json": MIB, "certificate.sig": KIB, "signing-key.json": 4 * KIB,
          "manifest.json": 4 * GIB, "audit-log.jsonl": GIB, "opening.json": 64 * MIB,
          DRAND_LOCK_FILE: MIB}
SEALED_FILES = ("README.txt", "certificate.json", "certificate.sig", "signing-key.json",
                "manifest.json", "audit-log.jsonl")


class VerifySummary(msgspec.Struct, frozen=True, kw_only=True):
    """What a valid archive says about its capsule."""

    capsule_id: UUID
    slug: str
    title: str
    fingerprint: str
    signer: str
    items: int
    kinds: dict[str, int]
    opening_at: datetime
    sealed_at: datetime
    lock_policy: str
    locks: tuple[LockInfo, ...]
    audit_events: int
    opened: bool  # an opened archive whose decrypted files were checked too
    report: Report | None = None


@contextmanager
def _part(name: str) -> Iterator[None]:
    """Prefix an error with the part it is about, keeping its class and code."""
    try:
        yield
    except CapsuleError as exc:
        if not str(exc).startswith(name):
            exc.args = (f"{name}: {exc}",)
        raise


def _read(bag: BagReader, name: str) -> bytes:
    return bag.read(f"data/{name}", limit=LIMITS.get(name, 64 * MIB))


class _Verified(msgspec.Struct, kw_only=True):
    parts: SealedParts
    cert: Certificate
    manifest: Manifest
    fingerprint: str
    opening: Opening | None
    audit_events: int


def _verify(bag: BagReader, pinned_key: bytes | None) -> _Verified:
    # 1. BagIt: every file against its manifest line; nothing missing, nothing extra.
    hashes = bag.validate()
    for name in SEALED_FILES:
        if f"data/{name}" not in bag.files:
            raise FormatError(f"data/{name}: missing from the archive")
    # 2. The signature, by the key the archive names (and, if pinned, the expected one).
    with _part("data/signing-key.json"):
        key = parse_signing_key(_read(bag, "signing-key.json"))
        if pinned_key is not None and not hmac.compare_digest(key, pinned_key):
            raise SignatureError(f"key {kid_of(key)} is not the pinned signing key "
                                 f"{kid_of(pinned_key)}")
    with _part("data/certificate.sig"):
        signature = parse_signature_text(_read(bag, "certificate.sig"))
        cert_bytes = _read(bag, "certificate.json")
        verify_signature(key, cert_bytes, signature, what="signature over data/certificate.json")
    with _part("data/certificate.json"):
        cert = parse_certificate(cert_bytes)
    if cert.signer != kid_of(key):
        raise SignatureError(f"data/signing-key.json: key {kid_of(key)} is not the "
                             f"certificate's signer {cert.signer}")
    # 3.-4. The manifest against the certificate: hash, capsule, counts, content root, locks.
    with _part("data/manifest.json"):
        manifest_bytes = _read(bag, "manifest.json")
        manifest = parse_manifest(manifest_bytes)
        check_against_manifest(cert, manifest, manifest_bytes)
    # 3. Every blob and lock file it lists: size and SHA-256 (hashed once, in step 1).
    listed = {f"data/{ref.name}": ref for item in manifest.items for ref in item.blobs}
    listed |= {f"data/{ref.name}": ref for ref in manifest.lock_files}
    for path, ref in listed.items():
        if path not in hashes:
            raise FormatError(f"{path}: listed in manifest.json but missing")
        sha, size = hashes[path]
        if size != ref.size or not hmac.compare_digest(sha, ref.sha256):
            raise TamperError(f"{path}: sha256 {sha} ({size} bytes) does not match "
                              f"manifest.json ({ref.sha256}, {ref.size} bytes)", part=path)
    lock_files = {ref.name: _read(bag, ref.name) for ref in manifest.lock_files}
    for lock in cert.locks:
        if isinstance(lock, DrandLockInfo):
            with _part(f"data/{DRAND_LOCK_FILE}"):
                header = tlock.parse_stanza(lock_files[DRAND_LOCK_FILE])
                if (header.round, header.chain_hash.hex()) != (lock.round, lock.chain_hash):
                    raise TamperError(f"round {header.round} is not the certificate's {lock.round}")
    # 5. The audit log's chain reaches the head the certificate recorded.
    with _part("data/audit-log.jsonl"):
        audit = _read(bag, "audit-log.jsonl")
        verify_prefix(jsonl_lines(audit), cert.audit.size, cert.audit.head)
    parts = SealedParts(
        slug=cert.slug, certificate=cert_bytes, signature=signature, signing_public_key=key,
        manifest=manifest_bytes, read_blob=lambda n: bag.stream(f"data/{n}"),
        lock_files=lock_files, audit_log=audit, bagging_date=date.min)
    opening, expected = None, {f"data/{n}" for n in SEALED_FILES} | set(listed)
    if "data/opening.json" in bag.files:
        opening, opened = _verify_opened(bag, cert, manifest, hashes)
        expected |= opened
    extra = sorted(set(hashes) - expected)
    if extra:
        raise FormatError(f"{extra[0]}: not part of a capsule archive")
    events = audit.count(b"\n")
    return _Verified(parts=parts, cert=cert, manifest=manifest, fingerprint=fingerprint(cert_bytes),
                     opening=opening, audit_events=events)


def _verify_opened(bag: BagReader, cert: Certificate, manifest: Manifest,
                   hashes: dict[str, tuple[str, int]]) -> tuple[Opening, set[str]]:
    with _part("data/opening.json"):
        opening = parse_opening(_read(bag, "opening.json"))
        if opening.capsule_id != cert.capsule_id:
            raise TamperError(f"is for capsule {opening.capsule_id}, not {cert.capsule_id}")
        if not hmac.compare_digest(public_key_of(opening.key),
                                   canonical.unb64(cert.public_key, what="public_key")):
            raise TamperError("the published key is not the capsule's (its public half "
                              "differs from the certificate's)")
        if opening.report.total != cert.items:
            raise TamperError(f"report counts {opening.report.total} items, the "
                              f"certificate {cert.items}")
    files = {"data/opening.json", "data/index.html"}
    if "data/index.html" not in hashes:
        raise FormatError("data/index.html: missing from the opened archive")
    failed = opening.report.failed_indexes
    for item in manifest.items:
        if item.index in failed:
            continue
        path = "data/" + opened_document_path(item.index)
        if path not in hashes:
            raise FormatError(f"{path}: missing, yet the report counts item {item.index} verified")
        if hashes[path][0] != item.commitment:
            raise TamperError(f"{path}: sha256 {hashes[path][0]} does not match the commitment "
                              f"{item.commitment} in manifest.json", part=path)
        with _part(path):
            doc = parse_document(bag.read(path, limit=64 * MIB))
        files.add(path)
        for j, meta in enumerate(doc.attachments):
            apath = "data/" + opened_attachment_path(item.index, j, meta.name)
            if apath not in hashes:
                raise FormatError(f"{apath}: missing from the opened archive")
            if hashes[apath] != (meta.sha256, meta.size):
                raise TamperError(f"{apath}: sha256 {hashes[apath][0]} does not match "
                                  f"{path} ({meta.sha256})", part=apath)
            files.add(apath)
    return opening, files


def verify_archive(path: str | os.PathLike[str], *, pinned_key: bytes | None = None) -> VerifySummary:
    """Check a sealed or opened archive as FORMAT §9.1 says, in that order; for an opened
    archive also the published key and every decrypted file against the commitments.

    Raises:
        FormatError: not a zip, an unsafe entry (zip-slip, link, absurd size), a malformed
            part, or a file missing or extra (the message names it).
        TamperError: a part does not match its hash, the manifest or the certificate.
        SignatureError: the certificate's signature, signer or pinned key do not match.
    """
    with BagReader(path) as bag:
        v = _verify(bag, pinned_key)
        return _summary(v)


def _summary(v: _Verified) -> VerifySummary:
    c = v.cert
    return VerifySummary(
        capsule_id=c.capsule_id, slug=c.slug, title=c.title, fingerprint=v.fingerprint,
        signer=c.signer, items=c.items, kinds=dict(c.kinds), opening_at=c.opening_at,
        sealed_at=c.sealed_at, lock_policy=c.lock_policy, locks=tuple(c.locks),
        audit_events=v.audit_events, opened=v.opening is not None,
        report=v.opening.report if v.opening else None)


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ValidationError(f"{out_dir} is not an empty folder; choose a new one",
                              field="out", path=str(out_dir))


def _recover_key(bag: BagReader, v: _Verified, private_key: bytes | None,
                 mnemonics: Sequence[str] | None, drand_signature: bytes | None,
                 drand_backend: tlock.Backend | None) -> bytes:
    cert = v.cert
    public = canonical.unb64(cert.public_key, what="public_key")
    if private_key is not None:
        if len(private_key) != PRIVATE_KEY_SIZE or not hmac.compare_digest(
                public_key_of(private_key), public):
            raise DecryptionError("the given key is not this capsule's private key")
        return private_key
    if v.opening is not None:
        return v.opening.key
    secrets: dict[int, bytes] = {}
    for position, lock in enumerate(cert.locks):
        if isinstance(lock, CustodiansLockInfo) and mnemonics:
            secrets[position] = custodian_secret(mnemonics, lock)
        elif isinstance(lock, DrandLockInfo) and drand_signature is not None:
            with _part(f"data/{DRAND_LOCK_FILE}"):
                secrets[position] = drand_secret(v.parts.lock_files[DRAND_LOCK_FILE],
                                                 drand_signature, lock_info=lock,
                                                 backend=drand_backend)
    if mnemonics and not any(isinstance(x, CustodiansLockInfo) for x in cert.locks):
        raise ValidationError("this capsule has no custodians lock: shares cannot open it",
                              field="shares")
    if drand_signature is not None and not any(isinstance(x, DrandLockInfo) for x in cert.locks):
        raise ValidationError("this capsule has no drand lock", field="drand_signature")
    if not secrets:
        raise ValidationError("nothing to open it with: give the capsule key, custodian "
                              "shares or the drand beacon signature", field="key")
    return recover_private_key(v.manifest.key_seal, cert.capsule_id, secrets, public,
                               locks=cert.locks)


def open_archive(
    path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *, now: datetime,
    texts: ArchiveTexts, private_key: bytes | None = None, mnemonics: Sequence[str] | None = None,
    drand_signature: bytes | None = None, drand_backend: tlock.Backend | None = None,
) -> Report:
    """Verify the archive, then (from the opening date on) decrypt it into `out_dir` as an
    opened bag: the sealed files, `data/opened/…`, `opening.json`, `index.html`, README.

    The key is the one given, else the one an opened archive publishes, else recovered from
    custodian shares and/or a drand beacon signature. Nothing is written unless everything
    verifies and the key is found; the bag is built beside `out_dir` and moved into place.

    Raises:
        ValidationError: `out_dir` is not empty, or nothing to open with.
        LockedError: `now` is before the opening date (even with a published key).
        FormatError, TamperError, SignatureError: as `verify_archive`.
        ShareError, DecryptionError: wrong shares, beacon or key.
    """
    out = Path(out_dir)
    _check_out_dir(out)
    with BagReader(path) as bag:
        v = _verify(bag, None)
        check_openable(v.cert.opening_at, now)
        key = _recover_key(bag, v, private_key, mnemonics, drand_signature, drand_backend)
        opened_at = v.opening.opened_at if v.opening else check_aware(now)
        parts = msgspec.structs.replace(v.parts, bagging_date=check_aware(now).date())
        out.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        work.chmod(0o755)  # mkdtemp makes it private; the opened capsule is public by now
        try:
            report = write_bag(DirTarget(work), parts, texts, private_key=key,
                               opened_at=opened_at)
            _check_out_dir(out)
            if out.exists():
                out.rmdir()
            work.rename(out)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    return report


__all__ = [
    "ArchiveStrings", "ArchiveTexts", "Opening", "SealedParts", "VerifySummary", "open_archive",
    "verify_archive", "write_opened_archive", "write_sealed_archive",
]
