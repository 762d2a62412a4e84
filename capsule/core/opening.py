"""Opening a capsule: decrypt and verify every item, report exactly which failed (FORMAT §9.2).

For each item of the manifest: check the document blob against the manifest (size, SHA-256),
unwrap the DEK, decrypt the document, check `SHA-256(document) = commitment` and that it names
this capsule, item and kind, then stream-decrypt each attachment, checking the blob against the
manifest and the plaintext's size and SHA-256 against the document. One damaged item is
reported (index, id, reason code, message naming the part) and never stops the others.

Verified content goes to a `Sink`, attachment by attachment as an iterator of plaintext
chunks, so a gigabyte of attachments never sits in memory:

    sink.document(item)                     the document is verified
    sink.attachment(item, j, meta, chunks)  consume `chunks` to the end before returning;
                                            the last piece comes only once the whole
                                            attachment verified, and the iterator raises
                                            (through the sink) when it does not
    sink.done(item)                         every part of the item verified
    sink.discard(item)                      a later part failed: forget what was written

A sink that cannot forget (a zip being streamed out) asks for `verify_first=True`: each item's
attachments are then decrypted once to check them and once more to hand them over.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from typing import Final, Protocol
from uuid import UUID

import msgspec

from capsule.core import canonical
from capsule.core.envelope import AttachmentMeta, Document, attachment_key, decrypt_document
from capsule.core.errors import CapsuleError, FormatError, TamperError
from capsule.core.lifecycle import Kind
from capsule.core.manifest import BlobRef, Manifest, ManifestItem, merkle_tree
from capsule.core.stream import StreamDecryptor, ciphertext_size

FORMAT: Final = "capsule-opening-report/1"
MAX_DOCUMENT_BLOB: Final = 64 * 1024 * 1024  # far above any form; stops a lying manifest

ReadBlob = Callable[[str], Iterable[bytes]]


class OpenedItem(msgspec.Struct, frozen=True, kw_only=True):
    """A verified document: its canonical bytes (as sealed) and their parsed form."""

    index: int
    id: UUID
    kind: Kind
    data: bytes
    document: Document


class ItemFailure(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Why one item did not open: the error's stable code and its message (never content)."""

    index: int
    id: UUID
    code: str
    message: str


class Report(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The verification report (DESIGN.md §4.7): n of n verified, or which failed and why.

    `content_root` is recomputed from the manifest's commitments; `content_root_ok` says
    whether it equals the certificate's (None when no certificate root was given).
    """

    format: str = FORMAT
    capsule_id: UUID
    total: int
    verified: int
    failed: list[ItemFailure]
    content_root: str
    content_root_ok: bool | None

    def __post_init__(self) -> None:
        if self.format != FORMAT:
            raise FormatError(f"report format {self.format!r} is not {FORMAT!r}")
        if not 0 <= self.verified <= self.total or self.verified + len(self.failed) != self.total:
            raise FormatError(f"report: {self.verified} verified and {len(self.failed)} failed "
                              f"do not make {self.total}")
        canonical.unhex(self.content_root, what="report content_root", length=32)

    @property
    def ok(self) -> bool:
        """Every item verified and the content root matches."""
        return self.verified == self.total and self.content_root_ok is not False

    @property
    def failed_indexes(self) -> set[int]:
        return {f.index for f in self.failed}


def encode_report(report: Report) -> bytes:
    """Canonical JSON of the report (the `report` of `opening.json`)."""
    return canonical.encode(report)


def parse_report(data: bytes) -> Report:
    """Raises: FormatError: not the canonical bytes of a report."""
    return canonical.decode(bytes(data), Report, what="opening report")


class Sink(Protocol):
    """Receives verified content (see the module note for the order of calls)."""

    def document(self, item: OpenedItem) -> None: ...

    def attachment(self, item: OpenedItem, position: int, meta: AttachmentMeta,
                   chunks: Iterator[bytes]) -> None: ...

    def done(self, item: OpenedItem) -> None: ...

    def discard(self, item: OpenedItem) -> None: ...


class NullSink:
    """Verifies only; keeps nothing (benchmarks, `verify_first`)."""

    def document(self, item: OpenedItem) -> None:
        pass

    def attachment(self, item: OpenedItem, position: int, meta: AttachmentMeta,
                   chunks: Iterator[bytes]) -> None:
        for _ in chunks:
            pass

    def done(self, item: OpenedItem) -> None:
        pass

    def discard(self, item: OpenedItem) -> None:
        pass


class MemorySink(NullSink):
    """Keeps every verified item and attachment in memory: for small capsules and tests."""

    def __init__(self) -> None:
        self.items: dict[int, OpenedItem] = {}
        self.attachments: dict[tuple[int, int], bytes] = {}
        self._pending: dict[tuple[int, int], bytes] = {}

    def attachment(self, item: OpenedItem, position: int, meta: AttachmentMeta,
                   chunks: Iterator[bytes]) -> None:
        self._pending[item.index, position] = b"".join(chunks)

    def done(self, item: OpenedItem) -> None:
        self.items[item.index] = item
        for key in [k for k in self._pending if k[0] == item.index]:
            self.attachments[key] = self._pending.pop(key)

    def discard(self, item: OpenedItem) -> None:
        for key in [k for k in self._pending if k[0] == item.index]:
            del self._pending[key]


class _Attachment:
    """Plaintext chunks of one attachment. The blob is checked against the manifest as it
    streams, the plaintext against the document at the end; the last piece is handed out
    only after both checks passed, so an exhausted iterator means a verified attachment."""

    def __init__(self, key: bytes, pieces: Iterable[bytes], ref: BlobRef, meta: AttachmentMeta,
                 check_blob: bool = True):
        self.finished = False
        self._run = self._chunks(key, pieces, ref, meta, check_blob)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._run)

    def _chunks(self, key: bytes, pieces: Iterable[bytes], ref: BlobRef,
                meta: AttachmentMeta, check_blob: bool) -> Iterator[bytes]:
        stream = StreamDecryptor(key, what=ref.name)
        digest, size = hashlib.sha256() if check_blob else None, 0
        for piece in pieces:
            size += len(piece)
            if size > ref.size:
                raise TamperError(f"{ref.name}: longer than the manifest's {ref.size} bytes")
            if digest is not None:
                digest.update(piece)
            out = stream.update(piece)
            if out:
                yield out
        if digest is not None:
            _check_blob(ref, digest.hexdigest(), size)
        last = stream.finalize()
        stream.check(meta.size, meta.sha256)
        self.finished = True
        if last:
            yield last


def _check_blob(ref: BlobRef, sha256: str, size: int) -> None:
    if size != ref.size:
        raise TamperError(f"{ref.name}: size {size} does not match manifest {ref.size}")
    if not hmac.compare_digest(sha256, ref.sha256):
        raise TamperError(f"{ref.name}: sha256 {sha256} does not match manifest {ref.sha256}")


def _read_document_blob(read_blob: ReadBlob, ref: BlobRef) -> bytes:
    if ref.size > MAX_DOCUMENT_BLOB:
        raise FormatError(f"{ref.name}: {ref.size} bytes is more than a document may have")
    parts, size = [], 0
    for piece in read_blob(ref.name):
        size += len(piece)
        if size > ref.size:
            raise TamperError(f"{ref.name}: longer than the manifest's {ref.size} bytes")
        parts.append(piece)
    data = b"".join(parts)
    _check_blob(ref, hashlib.sha256(data).hexdigest(), len(data))
    return data


def _open_document(private_key: bytes, capsule_id: UUID, item: ManifestItem,
                   read_blob: ReadBlob) -> tuple[OpenedItem, bytes]:
    blob = _read_document_blob(read_blob, item.blobs[0])
    opened = decrypt_document(private_key, capsule_id, item.id, canonical.unb64(item.wrapped_dek),
                              blob, commitment=item.commitment_bytes)
    doc, what = opened.document, item.blobs[0].name
    if doc.kind != item.kind:
        raise TamperError(f"{what}: document kind {doc.kind} is not the manifest's {item.kind}")
    if len(doc.attachments) != len(item.blobs) - 1:
        raise TamperError(f"{what}: document lists {len(doc.attachments)} attachments, "
                          f"the manifest {len(item.blobs) - 1} blobs")
    for meta, ref in zip(doc.attachments, item.blobs[1:], strict=True):
        if ref.size != ciphertext_size(meta.size):
            raise TamperError(f"{ref.name}: {ref.size} bytes cannot hold the document's "
                              f"{meta.size}-byte attachment")
    return OpenedItem(index=item.index, id=item.id, kind=item.kind, data=opened.data,
                      document=doc), opened.dek


def open_item(private_key: bytes, capsule_id: UUID, item: ManifestItem, read_blob: ReadBlob,
              sink: Sink, *, verify_first: bool = False, check_blobs: bool = True) -> OpenedItem:
    """Open one item into `sink` (see the module note). `check_blobs=False` skips hashing
    attachment ciphertext against the manifest, for a caller that has just done so (the
    archive writer): the plaintext is still checked against the committed document, which is
    what proves the content, and costs one SHA-256 pass instead of two.

    Raises:
        CapsuleError: the item does not verify (FormatError, TamperError, DecryptionError…);
            `sink.discard` has been called if `sink.document` had been.
        RuntimeError: the sink returned without consuming an attachment.
    """
    opened, dek = _open_document(private_key, capsule_id, item, read_blob)
    metas = opened.document.attachments

    def stream(j: int) -> _Attachment:
        return _Attachment(attachment_key(dek, j), read_blob(item.blobs[j + 1].name),
                           item.blobs[j + 1], metas[j], check_blobs)

    if verify_first:
        for j in range(len(metas)):
            for _ in stream(j):
                pass
    sink.document(opened)
    try:
        for j, meta in enumerate(metas):
            chunks = stream(j)
            sink.attachment(opened, j, meta, chunks)
            if not chunks.finished:
                raise RuntimeError(f"{item.blobs[j + 1].name}: the sink returned before "
                                   "consuming the whole attachment")
    except CapsuleError:
        sink.discard(opened)
        raise
    sink.done(opened)
    return opened


def open_items(private_key: bytes, capsule_id: UUID, manifest: Manifest, read_blob: ReadBlob,
               sink: Sink, *, content_root: str | None = None,
               verify_first: bool = False, check_blobs: bool = True) -> Report:
    """Open every item of `manifest` into `sink`; a failing item is reported, not raised.

    `read_blob(name)` gives the bytes of the manifest's blob `name` (e.g.
    `items/000002/attachment-00.bin`) in pieces of any size; it may raise a CapsuleError
    (e.g. NotFoundError) for a missing blob, which fails that item only. `content_root`
    (hex, the certificate's) is compared with the root recomputed from the manifest;
    `verify_first` and `check_blobs` are as for `open_item`.

    Raises:
        FormatError: the manifest is for another capsule.
        RuntimeError: the sink broke its contract (see `open_item`).
    """
    if manifest.capsule_id != capsule_id:
        raise FormatError(f"manifest is for capsule {manifest.capsule_id}, not {capsule_id}")
    failed: list[ItemFailure] = []
    for item in manifest.items:
        try:
            open_item(private_key, capsule_id, item, read_blob, sink, verify_first=verify_first,
                      check_blobs=check_blobs)
        except CapsuleError as exc:
            failed.append(ItemFailure(index=item.index, id=item.id, code=exc.code,
                                      message=str(exc)))
    root = merkle_tree(manifest).root.hex()
    total = len(manifest.items)
    return Report(capsule_id=capsule_id, total=total, verified=total - len(failed),
                  failed=failed, content_root=root,
                  content_root_ok=None if content_root is None
                  else hmac.compare_digest(root, content_root))
