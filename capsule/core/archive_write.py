"""Writing the sealed and the opened archive (FORMAT §9), streaming, in constant memory.

The writer checks what it is given before it writes it (signature, manifest against the
certificate, audit log against the certificate, every blob against the manifest as it passes),
so a mirror is never handed an archive that `capsule verify` would refuse. A blob that does not
match raises in the middle of the stream: an aborted download, never a wrong archive.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import BinaryIO, Final, Literal
from uuid import UUID

import msgspec

from capsule.core import canonical
from capsule.core.archive_index import IndexEntry, render_index
from capsule.core.archive_pages import (
    ArchiveTexts,
    opened_attachment_path,
    opened_document_path,
    render_readme,
)
from capsule.core.audit import jsonl_lines, verify_prefix
from capsule.core.bag import BagWriter, Target, ZipTarget
from capsule.core.certificate import (
    Certificate,
    check_against_manifest,
    fingerprint,
    signature_text,
    verify_certificate,
)
from capsule.core.clock import check_aware
from capsule.core.envelope import AttachmentMeta
from capsule.core.errors import FormatError, TamperError
from capsule.core.keys import PRIVATE_KEY_SIZE, public_key_of
from capsule.core.manifest import BlobRef, Manifest, parse_manifest
from capsule.core.service_keys import kid_of
from capsule.core.opening import OpenedItem, Report, open_items

OPENING_FORMAT: Final = "capsule-opening/1"
AGENT: Final = "capsule (archive format 1, docs/FORMAT.md §9)"

ReadBlob = Callable[[str], Iterable[bytes]]


class SealedParts(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a sealed archive holds, as the service stores it. `read_blob(name)` gives
    the bytes of manifest blob `name` (`items/000002/attachment-00.bin`) in pieces."""

    slug: str
    certificate: bytes
    signature: bytes  # raw, 64 bytes
    signing_public_key: bytes  # raw Ed25519, 32 bytes
    manifest: bytes
    read_blob: ReadBlob
    lock_files: Mapping[str, bytes]  # "locks/drand.age" -> the tlock file
    audit_log: bytes  # audit-log.jsonl
    bagging_date: date

    def __repr__(self) -> str:
        return f"SealedParts(slug={self.slug}, certificate=<{len(self.certificate)} bytes>)"


class SigningKeyInfo(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`signing-key.json` (FORMAT §2.1), canonical JSON."""

    alg: Literal["Ed25519"]
    kid: str
    public_key: str

    @property
    def raw(self) -> bytes:
        return canonical.unb64(self.public_key, what="signing key", length=32)


def encode_signing_key(public_raw: bytes) -> bytes:
    return canonical.encode(SigningKeyInfo(alg="Ed25519", kid=kid_of(public_raw),
                                           public_key=canonical.b64(public_raw)))


def parse_signing_key(data: bytes) -> bytes:
    """The raw key of `signing-key.json`.

    Raises:
        FormatError: not canonical JSON of an Ed25519 key.
        TamperError: its `kid` is not the key's.
    """
    info = canonical.decode(bytes(data), SigningKeyInfo, what="signing key")
    raw = info.raw
    if info.kid != kid_of(raw):
        raise TamperError(f"kid {info.kid} is not the key's {kid_of(raw)}")
    return raw


class Opening(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`opening.json` (FORMAT §9): the published capsule private key and the report."""

    format: Literal["capsule-opening/1"] = OPENING_FORMAT
    capsule_id: UUID
    opened_at: datetime
    private_key: str  # base64, 96 bytes
    report: Report

    def __post_init__(self) -> None:
        offset = self.opened_at.utcoffset()
        if offset is None or offset.total_seconds() or self.opened_at.microsecond:
            raise FormatError(f"opened_at {self.opened_at!r} must be UTC at second precision")
        canonical.unb64(self.private_key, what="private_key", length=PRIVATE_KEY_SIZE)
        if self.report.capsule_id != self.capsule_id:
            raise FormatError(f"report is for capsule {self.report.capsule_id}")

    @property
    def key(self) -> bytes:
        return canonical.unb64(self.private_key, what="private_key")


def parse_opening(data: bytes) -> Opening:
    """Raises: FormatError: not canonical JSON of an opening record."""
    return canonical.decode(bytes(data), Opening, what="opening.json")


class Checked(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate and a manifest that belong together."""

    cert: Certificate
    manifest: Manifest
    fingerprint: str


def check_parts(parts: SealedParts) -> Checked:
    """Check the certificate's signature, the manifest and the audit log against it.

    Raises:
        SignatureError, FormatError, TamperError: the parts do not belong together.
    """
    cert = verify_certificate(parts.certificate, parts.signature, parts.signing_public_key)
    if cert.slug != parts.slug:
        raise FormatError(f"slug {parts.slug!r} is not the certificate's {cert.slug!r}")
    manifest = parse_manifest(parts.manifest)
    check_against_manifest(cert, manifest, parts.manifest)
    verify_prefix(jsonl_lines(parts.audit_log), cert.audit.size, cert.audit.head)
    return Checked(cert=cert, manifest=manifest, fingerprint=fingerprint(parts.certificate))


def _match(ref: BlobRef, sha256: str, size: int) -> None:
    if size != ref.size or not hmac.compare_digest(sha256, ref.sha256):
        raise TamperError(f"data/{ref.name}: sha256 {sha256} ({size} bytes) does not match "
                          f"manifest.json ({ref.sha256}, {ref.size} bytes)")


def write_sealed_parts(bag: BagWriter, parts: SealedParts, checked: Checked, texts: ArchiveTexts,
                       *, opened: bool) -> None:
    """Write README.txt and every sealed part of FORMAT §9 into `bag`'s payload."""
    bag.add_bytes("README.txt", render_readme(checked.cert, checked.fingerprint, texts,
                                              opened=opened))
    bag.add_bytes("certificate.json", parts.certificate)
    bag.add_bytes("certificate.sig", signature_text(parts.signature))
    bag.add_bytes("signing-key.json", encode_signing_key(parts.signing_public_key))
    bag.add_bytes("manifest.json", parts.manifest)
    bag.add_bytes("audit-log.jsonl", parts.audit_log)
    for ref in checked.manifest.lock_files:
        data = parts.lock_files.get(ref.name)
        if data is None:
            raise FormatError(f"data/{ref.name}: lock file missing from the sealed parts")
        _match(ref, *bag.add_bytes(ref.name, data))
    for item in checked.manifest.items:
        for ref in item.blobs:
            # Ciphertext does not compress: store it (FORMAT §9).
            _match(ref, *bag.add(ref.name, parts.read_blob(ref.name), size=ref.size))


def bag_info(cert: Certificate, when: date) -> dict[str, str]:
    return {"Bag-Software-Agent": AGENT, "Bagging-Date": when.isoformat(),
            "External-Identifier": f"urn:uuid:{cert.capsule_id}"}


class _BagSink:
    """Opened items into the bag: `opened/NNNNNN/document.json` and `NN-<name>` files."""

    def __init__(self, bag: BagWriter) -> None:
        self.bag = bag
        self.entries: list[IndexEntry] = []
        self._written: dict[int, list[str]] = {}

    def document(self, item: OpenedItem) -> None:
        path = opened_document_path(item.index)
        self._written[item.index] = [path]
        self.bag.add_bytes(path, item.data)

    def attachment(self, item: OpenedItem, position: int, meta: AttachmentMeta,
                   chunks: Iterator[bytes]) -> None:
        path = opened_attachment_path(item.index, position, meta.name)
        self._written[item.index].append(path)
        self.bag.add(path, chunks, size=meta.size)

    def done(self, item: OpenedItem) -> None:
        files = tuple(self._written.pop(item.index)[1:])
        self.entries.append(IndexEntry(index=item.index, document=item.document, files=files))

    def discard(self, item: OpenedItem) -> None:
        for path in self._written.pop(item.index, []):
            self.bag.forget(path)


def write_opened_parts(bag: BagWriter, parts: SealedParts, checked: Checked, texts: ArchiveTexts,
                       *, private_key: bytes, opened_at: datetime, can_discard: bool) -> Report:
    """Decrypt every item into `bag` (FORMAT §9.2), then write opening.json and index.html.

    Raises:
        TamperError: `private_key` is not the capsule's.
    """
    cert = checked.cert
    if not hmac.compare_digest(public_key_of(private_key),
                               canonical.unb64(cert.public_key, what="public_key")):
        raise TamperError("the private key is not this capsule's: its public half differs "
                          "from the certificate's")
    opened_at = check_aware(opened_at).replace(microsecond=0)
    sink = _BagSink(bag)
    # The blobs were hashed against the manifest as they were copied into the bag just now.
    report = open_items(private_key, cert.capsule_id, checked.manifest, parts.read_blob, sink,
                        content_root=cert.content_root, verify_first=not can_discard,
                        check_blobs=False)
    opening = Opening(capsule_id=cert.capsule_id, opened_at=opened_at,
                      private_key=canonical.b64(private_key), report=report)
    bag.add_bytes("opening.json", canonical.encode(opening))
    bag.add_bytes("index.html", render_index(cert, checked.fingerprint, sink.entries, report,
                                             opened_at, texts))
    return report


def _zip_bag(out: BinaryIO, parts: SealedParts) -> BagWriter:
    return BagWriter(ZipTarget(out, f"capsule-{parts.slug}", parts.bagging_date))


def write_sealed_archive(out: BinaryIO, parts: SealedParts, texts: ArchiveTexts) -> None:
    """Stream the sealed archive (FORMAT §9) as a zip into `out` (seekable or not).

    Raises:
        SignatureError, FormatError, TamperError: a part does not match the others (it may
            then have been written in part: discard `out`).
    """
    checked = check_parts(parts)
    bag = _zip_bag(out, parts)
    write_sealed_parts(bag, parts, checked, texts, opened=False)
    bag.finish(bag_info(checked.cert, parts.bagging_date))


def write_opened_archive(out: BinaryIO, parts: SealedParts, texts: ArchiveTexts, *,
                         private_key: bytes, opened_at: datetime) -> Report:
    """Stream the opened archive: the sealed one plus opening.json, the decrypted items
    (`opened/`) and index.html. Items that fail are left out and named in the report. Each
    item is verified before any of it is written, since a zip cannot take a file back.

    Raises:
        SignatureError, FormatError, TamperError: as `write_sealed_archive`, or the key is
            not the capsule's.
    """
    checked = check_parts(parts)
    bag = _zip_bag(out, parts)
    write_sealed_parts(bag, parts, checked, texts, opened=True)
    report = write_opened_parts(bag, parts, checked, texts, private_key=private_key,
                                opened_at=opened_at, can_discard=False)
    bag.finish(bag_info(checked.cert, parts.bagging_date))
    return report


def write_bag(target: Target, parts: SealedParts, texts: ArchiveTexts, *, private_key: bytes,
              opened_at: datetime) -> Report:
    """The opened bag into any target that can take files back (a folder): one pass."""
    checked = check_parts(parts)
    bag = BagWriter(target)
    write_sealed_parts(bag, parts, checked, texts, opened=True)
    report = write_opened_parts(bag, parts, checked, texts, private_key=private_key,
                                opened_at=opened_at, can_discard=True)
    bag.finish(bag_info(checked.cert, parts.bagging_date))
    return report
