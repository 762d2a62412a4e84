"""A contribution encrypted on arrival (docs/FORMAT.md §3): the canonical document, its
commitment, the data key (DEK) and its HPKE wrap, the document blob, and attachment keys.

Attachments are listed in the document by size and SHA-256, so they are encrypted first, with
the same DEK, and the document is built and sealed last:

        dek = new_dek()
        enc = StreamEncryptor(attachment_key(dek, 0))
        blob = enc.update(photo_bytes) + enc.finalize()         # or stream it piece by piece
        meta = describe_attachment("photo.jpg", "image/jpeg", enc.sha256, enc.size)
        document = build_document(capsule_id=cid, contribution_id=xid, kind="goal", title=...,
                                  body=..., author=..., role=..., organization=..., language="kk",
                                  submitted_at=clock.now(), attachments=[meta])
        sealed = encrypt_document(capsule_public_key, cid, xid, document, dek=dek)
        sealed.commitment, sealed.wrapped_dek, sealed.blob          # what is stored and published

and, with the capsule private key, `decrypt_document(...)` gives back the document and the DEK
for `StreamDecryptor(attachment_key(dek, i))`. (`StreamEncryptor` is in `capsule.core.stream`.)
"""

from __future__ import annotations

import os
from typing import Final
from uuid import UUID

import msgspec

from capsule.core import labels
from capsule.core.document import (
    FORMAT,
    KINDS,
    LANGUAGES,
    AttachmentMeta,
    Document,
    build_document,
    check_commitment,
    commitment_of,
    describe_attachment,
    encode_document,
    parse_document,
)
from capsule.core.errors import FormatError, TamperError
from capsule.core.keys import KEY_SIZE, hkdf32, hpke_open, hpke_seal, open_blob, seal_blob

WRAPPED_DEK_SIZE: Final = 1120 + KEY_SIZE + 16  # HPKE enc ‖ AES-256-GCM(DEK) with its tag


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


def unwrap_dek(
    private_key: bytes, capsule_id: UUID, contribution_id: UUID, wrapped: bytes
) -> bytes:
    """Inverse of `wrap_dek`.

    Raises:
        FormatError: `wrapped` is not 1168 bytes, or the private key is not 96 bytes.
        DecryptionError: wrong capsule key, wrong capsule or contribution id, or changed bytes.
    """
    what = f"wrapped dek of contribution {contribution_id}"
    if len(wrapped) != WRAPPED_DEK_SIZE:
        raise FormatError(f"{what} must be {WRAPPED_DEK_SIZE} bytes, got {len(wrapped)}")
    info = labels.DEK + _ids(capsule_id, contribution_id)
    return hpke_open(private_key, info, wrapped, what=what)


def seal_document(
    dek: bytes,
    capsule_id: UUID,
    contribution_id: UUID,
    document: bytes,
    *,
    _nonce: bytes | None = None,
) -> bytes:
    """`document.bin` (FORMAT §3.4): `nonce ‖ AES-256-GCM(DEK, nonce, document, AAD)`.

    Raises:
        FormatError: `dek` is not 32 bytes.
    """
    _check_dek(dek)
    aad = labels.DOCUMENT + _ids(capsule_id, contribution_id)
    return seal_blob(dek, document, aad, _nonce=_nonce)


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
        got = len(dek) if isinstance(dek, bytes | bytearray) else type(dek).__name__
        raise FormatError(f"data key must be {KEY_SIZE} bytes, got {got}")


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
    public_key: bytes,
    capsule_id: UUID,
    contribution_id: UUID,
    document: bytes,
    *,
    dek: bytes | None = None,
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
        raise TamperError(
            f"document of contribution {contribution_id} names capsule {document.capsule_id}, "
            f"id {document.id}"
        )
    return DecryptedDocument(data=data, document=document, dek=dek)


__all__ = [
    "FORMAT", "KINDS", "LANGUAGES", "WRAPPED_DEK_SIZE", "AttachmentMeta", "DecryptedDocument",
    "Document", "EncryptedDocument", "attachment_key", "build_document", "check_commitment",
    "commitment_of", "decrypt_document", "describe_attachment", "encode_document",
    "encrypt_document", "new_dek", "open_document", "parse_document", "seal_document",
    "unwrap_dek", "wrap_dek",
]
