"""The canonical document of a contribution and its commitment (docs/FORMAT.md §3.1, §3.2).

One canonical JSON object per contribution version; its SHA-256 is the commitment the Merkle
tree commits to. The random salt inside makes the commitment hide short or guessable content.
Re-exported by `capsule.core.envelope`, which encrypts these bytes.
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

from capsule.core import canonical
from capsule.core.clock import parse_utc_text, utc_text
from capsule.core.errors import FormatError, TamperError
from capsule.core.lifecycle import Kind

FORMAT: Final = "capsule-contribution/1"
LANGUAGES: Final = frozenset({"kk", "ru", "en"})
KINDS: Final = frozenset(kind.value for kind in Kind)
SALT_SIZE: Final = 32
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
        if self.name in ("", ".", "..") or any(
            c in "/\\" or unicodedata.category(c) == "Cc" for c in self.name
        ):
            raise FormatError(
                "attachment name is not a plain file name "
                "(empty, . or .., or has / \\ or a control character)"
            )
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
            kinds = ", ".join(sorted(KINDS))
            raise FormatError(f"document kind {self.kind!r} is not one of {kinds}")
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
            raise FormatError(
                f"document submitted_at {self.submitted_at!r} is not UTC like 2026-03-05T10:00:00Z"
            )
        if not isinstance(self.attachments, tuple) or not all(
            isinstance(a, AttachmentMeta) for a in self.attachments
        ):
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
        raise TamperError(
            f"{what}: sha256 {got.hex()} does not match commitment {bytes(commitment).hex()}"
        )
