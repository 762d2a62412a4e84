"""A contribution encrypted on arrival (docs/FORMAT.md §3): the canonical document, its
commitment, the data key (DEK) and its HPKE wrap, the document blob, and attachment keys.

Attachments are listed in the document by size and SHA-256, so they are encrypted first, with
the same DEK, and the document is built and sealed last:

    >>> dek = new_dek()
    >>> enc = StreamEncryptor(attachment_key(dek, 0))
    >>> blob = enc.update(photo_bytes) + enc.finalize()         # or stream it piece by piece
    >>> meta = describe_attachment("photo.jpg", "image/jpeg", enc.sha256, enc.size)
    >>> document = build_document(capsule_id=cid, contribution_id=xid, kind="goal", title=...,
    ...                           body=..., author=..., role=..., organization=..., language="kk",
    ...                           submitted_at=clock.now(), attachments=[meta])
    >>> sealed = encrypt_document(capsule_public_key, cid, xid, document, dek=dek)
    >>> sealed.commitment, sealed.wrapped_dek, sealed.blob          # what is stored and published

and, with the capsule private key, `decrypt_document(...)` gives back the document and the DEK
for `StreamDecryptor(attachment_key(dek, i))`. (`StreamEncryptor` is in `capsule.core.stream`.)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Final
from uuid import UUID

import msgspec

from capsule.core import canonical, labels
from capsule.core.clock import parse_utc_text, utc_text
from capsule.core.errors import FormatError, TamperError
from capsule.core.keys import KEY_SIZE, hkdf32, hpke_open, hpke_seal, open_blob, seal_blob
from capsule.core.lifecycle import Kind

FORMAT: Final = "capsule-contribution/1"
LANGUAGES: Final = frozenset({"kk", "ru", "en"})
KINDS: Final = frozenset(kind.value for kind in Kind)
SALT_SIZE: Final = 32
WRAPPED_DEK_SIZE: Final = 1120 + KEY_SIZE + 16  # HPKE enc ‖ AES-256-GCM(DEK) with its tag
_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPE: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class AttachmentMeta(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One attachment as the document lists it: plaintext size and SHA-256 (lowercase hex)."""

    media_type: str
    name: str
    sha256: str
    size: int

    def __post_init__(self) -> None:
        _check_text(self.name, "attachment name")
        # The opened archive writes `NN-<name>`: a name must never climb out of its folder.
        # (Names are content, sealed until opening: errors describe them, never quote them.)
        if self.name in ("", ".", "..") or any(c in "/\\" or unicodedata.category(c) == "Cc" for c in self.name):
            raise FormatError("attachment name is not a plain file name (empty, . or .., or has / \\ or a control character)")
        if not isinstance(self.media_type, str) or not _MEDIA_TYPE.fullmatch(self.media_type):
            raise FormatError(f"attachment media type {self.media_type!r} is not type/subtype")
        if not isinstance(self.sha256, str) or not _HEX64.fullmatch(self.sha256):
            raise FormatError(f"attachment sha256 {self.sha256!r} is not 64 lowercase hex digits")
        if type(self.size) is not int or self.size < 0:
            raise FormatError(f"attachment size {self.size!r} is not a non-negative integer")


class Document(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The canonical document of FORMAT §3.1, field for field. Construction checks every
    field; text must already be NFC (`build_document` normalizes it)."""

    attachments: tuple[AttachmentMeta, ...]
    author: str
    body: str
    capsule_id: UUID
    format: str = FORMAT
    id: UUID
    kind: str
    language: str
    organization: str
    role: str
    salt: str
    submitted_at: str
    title: str

    def __post_init__(self) -> None:
        if self.format != FORMAT:
            raise FormatError(f"document format {self.format!r} is not {FORMAT!r}")
        for name in ("capsule_id", "id"):
            if not isinstance(getattr(self, name), UUID):
                raise FormatError(f"document {name} must be a UUID, got {getattr(self, name)!r}")
        if self.kind not in KINDS:
            raise FormatError(f"document kind {self.kind!r} is not one of {', '.join(sorted(KINDS))}")
        if self.language not in LANGUAGES:
            raise FormatError(f"document language {self.language!r} is not one of kk, ru, en")
        for name in ("author", "body", "organization", "role", "title"):
            _check_text(getattr(self, name), f"document {name}")
        if not isinstance(self.salt, str) or not _HEX64.fullmatch(self.salt):
            raise FormatError(f"document salt {self.salt!r} is not 64 lowercase hex digits")
        try:
            ok = utc_text(parse_utc_text(self.submitted_at)) == self.submitted_at
        except ValueError:
            ok = False
        if not ok:
            raise FormatError(f"document submitted_at {self.submitted_at!r} is not UTC like 2026-03-05T10:00:00Z")
        if not isinstance(self.attachments, tuple) or not all(isinstance(a, AttachmentMeta) for a in self.attachments):
            raise FormatError("document attachments must be a tuple of AttachmentMeta")


def _check_text(value: object, what: str) -> None:
    # Never quote the text itself: it is sealed content, and errors end up in logs.
    if not isinstance(value, str):
        raise FormatError(f"{what} must be text, got {type(value).__name__}")
    if not unicodedata.is_normalized("NFC", value):
        raise FormatError(f"{what} is not in Unicode NFC")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else text


def describe_attachment(name: str, media_type: str, sha256: str, size: int) -> AttachmentMeta:
    """An `AttachmentMeta` from what an upload gives: the name normalized to NFC (macOS and
    some browsers send NFD), the media type reduced to lowercase `type/subtype`.

    Raises:
        FormatError: a field is still not acceptable (see `AttachmentMeta`).
    """
    # Parameters (`; charset=…`) describe the upload, not the file: keep type/subtype only.
    media = media_type.split(";")[0].strip().lower() if isinstance(media_type, str) else media_type
    return AttachmentMeta(name=_nfc(name), media_type=media, sha256=sha256, size=size)


def build_document(
    *,
    capsule_id: UUID,
    contribution_id: UUID,
    kind: str,
    title: str,
    body: str,
    author: str,
    role: str,
    organization: str,
    language: str,
    submitted_at: datetime,
    attachments: Sequence[AttachmentMeta] = (),
    _salt: bytes | None = None,
) -> bytes:
    """The canonical document bytes of a contribution: text normalized to NFC, a fresh random
    salt, `submitted_at` as UTC text at second precision. Attachments come in the order of
    their streams (see `describe_attachment`). `_salt` is for test vectors only.

    Raises:
        FormatError: a field is not acceptable (unknown kind or language, bad attachment).
        ValueError: `submitted_at` is naive.
    """
    salt = os.urandom(SALT_SIZE) if _salt is None else _salt
    if len(salt) != SALT_SIZE:
        raise FormatError(f"salt must be {SALT_SIZE} bytes, got {len(salt)}")
    document = Document(
        attachments=tuple(attachments),
        author=_nfc(author),
        body=_nfc(body),
        capsule_id=capsule_id,
        id=contribution_id,
        kind=str(kind),
        language=language,
        organization=_nfc(organization),
        role=_nfc(role),
        salt=salt.hex(),
        submitted_at=utc_text(submitted_at),
        title=_nfc(title),
    )
    return encode_document(document)


def encode_document(document: Document) -> bytes:
    """The canonical JSON bytes of `document` (FORMAT §1)."""
    return canonical.encode(document)


def parse_document(data: bytes) -> Document:
    """Parse canonical document bytes, strictly: unknown or missing fields, wrong types and
    non-canonical bytes are all refused.

    Raises:
        FormatError: the bytes are not a canonical contribution document.
    """
    return canonical.decode(bytes(data), Document, what="contribution document")


def commitment_of(document: bytes) -> bytes:
    """SHA-256 of the canonical document bytes (FORMAT §3.2)."""
    return hashlib.sha256(document).digest()


def check_commitment(document: bytes, commitment: bytes, *, what: str = "document") -> None:
    """Raise unless `document` hashes to `commitment`.

    Raises:
        TamperError: it does not.
    """
    got = commitment_of(document)
    if not hmac.compare_digest(got, bytes(commitment)):
        raise TamperError(f"{what}: sha256 {got.hex()} does not match commitment {bytes(commitment).hex()}")


def new_dek() -> bytes:
    """A fresh 32-byte data key: one per contribution version, never reused."""
    return os.urandom(KEY_SIZE)


def _ids(capsule_id: UUID, contribution_id: UUID) -> bytes:
    return capsule_id.bytes + contribution_id.bytes


def wrap_dek(public_key: bytes, capsule_id: UUID, contribution_id: UUID, dek: bytes) -> bytes:
    """HPKE-seal the DEK to the capsule public key (FORMAT §3.3): 1168 bytes, `enc ‖ ct`.

    Raises:
        FormatError: `dek` is not 32 bytes or `public_key` is not a capsule public key.
    """
    _check_dek(dek)
    return hpke_seal(public_key, labels.DEK + _ids(capsule_id, contribution_id), dek)


def unwrap_dek(private_key: bytes, capsule_id: UUID, contribution_id: UUID, wrapped: bytes) -> bytes:
    """Inverse of `wrap_dek`.

    Raises:
        FormatError: `wrapped` is not 1168 bytes, or the private key is not 96 bytes.
        DecryptionError: wrong capsule key, wrong capsule or contribution id, or changed bytes.
    """
    if len(wrapped) != WRAPPED_DEK_SIZE:
        raise FormatError(f"wrapped dek of contribution {contribution_id} must be {WRAPPED_DEK_SIZE} bytes, got {len(wrapped)}")
    info = labels.DEK + _ids(capsule_id, contribution_id)
    return hpke_open(private_key, info, wrapped, what=f"wrapped dek of contribution {contribution_id}")


def seal_document(
    dek: bytes, capsule_id: UUID, contribution_id: UUID, document: bytes, *, _nonce: bytes | None = None
) -> bytes:
    """`document.bin` (FORMAT §3.4): `nonce ‖ AES-256-GCM(DEK, nonce, document, AAD)`.

    Raises:
        FormatError: `dek` is not 32 bytes.
    """
    _check_dek(dek)
    return seal_blob(dek, document, labels.DOCUMENT + _ids(capsule_id, contribution_id), _nonce=_nonce)


def open_document(dek: bytes, capsule_id: UUID, contribution_id: UUID, blob: bytes) -> bytes:
    """Inverse of `seal_document`: the canonical document bytes (check them against the
    commitment before trusting them: `check_commitment`).

    Raises:
        FormatError: `dek` is not 32 bytes or the blob is too short.
        DecryptionError: wrong DEK, wrong ids, or changed bytes.
    """
    _check_dek(dek)
    aad = labels.DOCUMENT + _ids(capsule_id, contribution_id)
    return open_blob(dek, blob, aad, what=f"document of contribution {contribution_id}")


def attachment_key(dek: bytes, index: int) -> bytes:
    """The STREAM key of attachment `index` (0-based): HKDF(DEK, "capsule/v1 attachment" ‖ u32(i)).

    Raises:
        FormatError: `dek` is not 32 bytes, or `index` does not fit in u32.
    """
    _check_dek(dek)
    if type(index) is not int or not 0 <= index < 2**32:
        raise FormatError(f"attachment index {index!r} is not in 0..2**32-1")
    return hkdf32(dek, labels.ATTACHMENT + index.to_bytes(4, "big"))


def _check_dek(dek: bytes) -> None:
    if not isinstance(dek, bytes | bytearray) or len(dek) != KEY_SIZE:
        raise FormatError(f"data key must be {KEY_SIZE} bytes, got {len(dek) if hasattr(dek, '__len__') else dek!r}")


class EncryptedDocument(msgspec.Struct, frozen=True):
    """A sealed contribution: the public commitment, the wrapped DEK, `document.bin`, and the
    DEK itself (kept in memory only, to encrypt or decrypt attachments)."""

    commitment: bytes
    wrapped_dek: bytes
    blob: bytes
    dek: bytes

    def __repr__(self) -> str:
        return f"EncryptedDocument(commitment={self.commitment.hex()}, dek=<redacted>)"


class DecryptedDocument(msgspec.Struct, frozen=True):
    """An opened contribution: its canonical bytes, the parsed document, and the DEK."""

    data: bytes
    document: Document
    dek: bytes

    def __repr__(self) -> str:
        return f"DecryptedDocument(id={self.document.id}, dek=<redacted>)"


def encrypt_document(
    public_key: bytes, capsule_id: UUID, contribution_id: UUID, document: bytes, *, dek: bytes | None = None
) -> EncryptedDocument:
    """Commit to, wrap a DEK for, and seal one canonical document. Pass the `dek` that already
    encrypted the attachments; without one a fresh DEK is made.

    Raises:
        FormatError: a key has the wrong size.
    """
    dek = new_dek() if dek is None else dek
    return EncryptedDocument(
        commitment=commitment_of(document),
        wrapped_dek=wrap_dek(public_key, capsule_id, contribution_id, dek),
        blob=seal_document(dek, capsule_id, contribution_id, document),
        dek=bytes(dek),
    )


def decrypt_document(
    private_key: bytes,
    capsule_id: UUID,
    contribution_id: UUID,
    wrapped_dek: bytes,
    blob: bytes,
    *,
    commitment: bytes | None = None,
) -> DecryptedDocument:
    """Unwrap the DEK, open `document.bin`, check the commitment (when given) and parse.

    Raises:
        FormatError: malformed bytes, or a document that is not canonical.
        DecryptionError: a wrap or blob that does not open under these keys and ids.
        TamperError: the document does not hash to `commitment`, or names other ids.
    """
    dek = unwrap_dek(private_key, capsule_id, contribution_id, wrapped_dek)
    data = open_document(dek, capsule_id, contribution_id, blob)
    if commitment is not None:
        check_commitment(data, commitment, what=f"document of contribution {contribution_id}")
    document = parse_document(data)
    if document.capsule_id != capsule_id or document.id != contribution_id:
        raise TamperError(f"document of contribution {contribution_id} names capsule {document.capsule_id}, id {document.id}")
    return DecryptedDocument(data=data, document=document, dek=dek)
