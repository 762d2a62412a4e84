"""The manifest of a sealed capsule: every ciphertext byte by name, size and SHA-256 (FORMAT §5).

The certificate signs the manifest's SHA-256, so the manifest is what binds each blob, each
wrapped data key and the sealed capsule key to the ceremony. Everything here is checked at
construction, so a Manifest that exists is one the format allows: items numbered 0..n-1,
unique ids, blob names fixed by position, sizes of keys exact.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final, Literal
from uuid import UUID

import msgspec

from capsule.core import canonical, merkle
from capsule.core.clock import check_aware
from capsule.core.envelope import WRAPPED_DEK_SIZE
from capsule.core.errors import FormatError
from capsule.core.lifecycle import Kind

FORMAT: Final = "capsule-manifest/1"
SEALED_KEY_SIZE: Final = 12 + 96 + 16  # nonce ‖ private key ‖ tag (FORMAT §7)
# Blob names carry the index in 6 digits and the attachment number in 2 (FORMAT §9).
MAX_ITEMS: Final = 1_000_000
MAX_ATTACHMENTS: Final = 100
DRAND_LOCK_FILE: Final = "locks/drand.age"
_LOCK_FILE_NAME: Final = re.compile(r"locks/[a-z0-9][a-z0-9._-]*")


def blob_name(index: int, position: int) -> str:
    """Archive name of blob `position` of item `index`: 0 is the document, j+1 attachment j."""
    if position == 0:
        return f"items/{index:06d}/document.bin"
    return f"items/{index:06d}/attachment-{position - 1:02d}.bin"


class BlobRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One file of the archive: its name, SHA-256 (lowercase hex) and size in bytes."""

    name: str
    sha256: str
    size: int

    def __post_init__(self) -> None:
        canonical.unhex(self.sha256, what=f"sha256 of {self.name}", length=32)
        if type(self.size) is not int or self.size < 0:
            raise FormatError(f"size of {self.name} must be a byte count, got {self.size!r}")

    @classmethod
    def of(cls, name: str, data: bytes) -> BlobRef:
        """The reference to `data` stored as `name`."""
        return cls(name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


class ManifestItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    index: int
    id: UUID
    commitment: str  # hex SHA-256 of the canonical document (FORMAT §3.2)
    kind: Kind
    wrapped_dek: str  # base64 (FORMAT §3.3)
    blobs: list[BlobRef]

    def __post_init__(self) -> None:
        if type(self.index) is not int or not 0 <= self.index < MAX_ITEMS:
            raise FormatError(f"item index {self.index!r} is not within 0..{MAX_ITEMS - 1}")
        what = f"item {self.index}"
        if not isinstance(self.id, UUID):
            raise FormatError(f"{what}: id {self.id!r} is not a UUID")
        if self.kind not in list(Kind):
            raise FormatError(f"{what}: unknown kind {self.kind!r}")
        msgspec.structs.force_setattr(self, "kind", Kind(self.kind))
        canonical.unhex(self.commitment, what=f"{what}: commitment", length=32)
        canonical.unb64(self.wrapped_dek, what=f"{what}: wrapped_dek", length=WRAPPED_DEK_SIZE)
        if not isinstance(self.blobs, list) or not all(isinstance(b, BlobRef) for b in self.blobs):
            raise FormatError(f"{what}: blobs must be a list of BlobRef, got {self.blobs!r}")
        if not 1 <= len(self.blobs) <= MAX_ATTACHMENTS + 1:
            raise FormatError(f"{what}: {len(self.blobs)} blobs, not 1 to {MAX_ATTACHMENTS + 1}")
        for position, blob in enumerate(self.blobs):
            want = blob_name(self.index, position)
            if blob.name != want:
                raise FormatError(f"{what}: blob {position} is named {blob.name!r}, not {want!r}")

    @property
    def commitment_bytes(self) -> bytes:
        return bytes.fromhex(self.commitment)


class AnyKeySeal(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True,
                 tag_field="policy", tag="any"):
    """Policy `any`: the capsule private key sealed once under each lock's key, in lock order."""

    sealed_keys: list[str]

    def __post_init__(self) -> None:
        if not self.sealed_keys:
            raise FormatError("key_seal with policy any needs one sealed key per lock, got none")
        for i, key in enumerate(self.sealed_keys):
            canonical.unb64(key, what=f"sealed key {i}", length=SEALED_KEY_SIZE)


class AllKeySeal(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True,
                 tag_field="policy", tag="all"):
    """Policy `all`: the capsule private key sealed once under a key from every lock's secret."""

    sealed_key: str

    def __post_init__(self) -> None:
        canonical.unb64(self.sealed_key, what="sealed key", length=SEALED_KEY_SIZE)


# The tag `policy` selects the shape, so `{"policy":"any","sealed_key":…}` cannot parse.
KeySeal = AnyKeySeal | AllKeySeal


class Manifest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    format: Literal["capsule-manifest/1"] = FORMAT
    capsule_id: UUID
    items: list[ManifestItem]
    key_seal: KeySeal
    lock_files: list[BlobRef] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if self.format != FORMAT:
            raise FormatError(f"manifest format {self.format!r} is not {FORMAT!r}")
        if not isinstance(self.capsule_id, UUID):
            raise FormatError(f"manifest capsule_id {self.capsule_id!r} is not a UUID")
        if not isinstance(self.key_seal, AnyKeySeal | AllKeySeal):
            raise FormatError(f"key_seal must be AnyKeySeal or AllKeySeal, got {self.key_seal!r}")
        for name, kind, values in (("items", ManifestItem, self.items),
                                   ("lock_files", BlobRef, self.lock_files)):
            if not isinstance(values, list) or not all(isinstance(v, kind) for v in values):
                raise FormatError(f"manifest {name} must be a list of {kind.__name__}")
        ids: set[UUID] = set()
        for position, item in enumerate(self.items):
            if item.index != position:
                raise FormatError(f"manifest item {position} has index {item.index}")
            if item.id in ids:
                raise FormatError(f"manifest item {position}: id {item.id} appears twice")
            ids.add(item.id)
        names = [f.name for f in self.lock_files]
        for name in names:
            if not _LOCK_FILE_NAME.fullmatch(name):
                raise FormatError(f"lock file name {name!r} is not of the form locks/<name>")
        if len(set(names)) != len(names):
            raise FormatError(f"lock file names repeat: {names}")


class SealedRow(msgspec.Struct, frozen=True, kw_only=True):
    """What sealing knows of one accepted contribution, as the database holds it."""

    id: UUID
    submitted_at: datetime
    kind: Kind
    commitment: bytes
    wrapped_dek: bytes
    blobs: Sequence[tuple[bytes, int]]  # (SHA-256 of the ciphertext, size): document first


def build_manifest(
    capsule_id: UUID, rows: Iterable[SealedRow], key_seal: KeySeal,
    lock_files: Sequence[BlobRef] = (),
) -> Manifest:
    """The manifest of the sealed set `rows`, in the order of FORMAT §4.4: (submitted_at, id).

    Raises:
        FormatError: a row does not fit the format (digest or key size, too many attachments).
    """
    ordered = sorted(rows, key=lambda r: (check_aware(r.submitted_at), r.id))
    items = [
        ManifestItem(
            index=index, id=row.id, commitment=row.commitment.hex(), kind=row.kind,
            wrapped_dek=canonical.b64(row.wrapped_dek),
            blobs=[BlobRef(name=blob_name(index, position), sha256=digest.hex(), size=size)
                   for position, (digest, size) in enumerate(row.blobs)],
        )
        for index, row in enumerate(ordered)
    ]
    return Manifest(capsule_id=capsule_id, items=items, key_seal=key_seal,
                    lock_files=list(lock_files))


def encode_manifest(manifest: Manifest) -> bytes:
    """The canonical bytes of `manifest` (`manifest.json`)."""
    return canonical.encode(manifest)


def parse_manifest(data: bytes) -> Manifest:
    """Parse `manifest.json` strictly: canonical bytes of a valid manifest, nothing else.

    Raises:
        FormatError: not canonical JSON, an unknown field, or a rule of FORMAT §5 broken.
    """
    try:
        return canonical.decode(bytes(data), Manifest, what="manifest")
    except UnicodeDecodeError:  # msgspec raises it for bad UTF-8 inside a string
        raise FormatError("manifest is not valid UTF-8") from None


def manifest_sha256(data: bytes) -> str:
    """SHA-256 of the manifest bytes in lowercase hex, as the certificate records it."""
    return hashlib.sha256(data).hexdigest()


def kind_counts(manifest: Manifest) -> dict[str, int]:
    """How many items of each kind, every kind present (zeros included)."""
    counts = {kind.value: 0 for kind in Kind}
    for item in manifest.items:
        counts[item.kind.value] += 1
    return counts


def merkle_tree(manifest: Manifest) -> merkle.MerkleTree:
    """The Merkle tree over the items' commitments; its root is the `content_root`."""
    return merkle.MerkleTree(item.commitment_bytes for item in manifest.items)
