"""What a contribution may contain, and attachments encrypted while they arrive.

An attachment is never whole in memory and never plaintext on disk: each piece read from the
request goes through the STREAM encryptor (FORMAT §3.5) into chunked blob rows. Its type is
decided by its content (the first bytes), not by the name or the type the browser declared,
and its size is checked as it streams, so an oversized file is refused after at most one
extra piece, not after being stored.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final, Protocol

import filetype

from capsule.core import envelope
from capsule.core.envelope import AttachmentMeta
from capsule.core.errors import TooLargeError, UnsupportedMediaError, ValidationError
from capsule.core.lifecycle import Kind
from capsule.core.stream import StreamEncryptor
from capsule.persistence.blobs import BlobWriter
from capsule.persistence.database import Database

MAX_ATTACHMENTS: Final = 5
FILENAME_MAX: Final = 200
# Character limits, shown on the form.
LIMITS: Final = {"title": 200, "body": 20_000, "author_name": 200, "author_role": 200, "organization": 200}
REQUIRED: Final = ("title", "body", "author_name", "organization")
LANGUAGES: Final = ("kk", "ru", "en")
ALLOWED_MEDIA: Final = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
    "application/pdf": ".pdf", "text/plain": ".txt",
}
_SNIFF_BYTES: Final = 261  # what `filetype` needs to recognize every type above


@dataclass(frozen=True)
class ContributionFields:
    """The text of a contribution as the contributor typed it."""

    kind: str
    title: str
    body: str
    author_name: str
    organization: str
    language: str
    author_role: str = ""


def check_fields(fields: ContributionFields) -> ContributionFields:
    """Normalize (NFC, trimmed; body keeps its inner line breaks) and check every field.

    Raises:
        ValidationError: the first field that breaks a rule, named in `field`; `errors` in
            its params lists every field at fault, so a form can mark them all at once.
    """
    values = {
        name: unicodedata.normalize("NFC", (getattr(fields, name) or "").replace("\r\n", "\n").strip())
        for name in LIMITS
    }
    errors: dict[str, str] = {}
    for name in REQUIRED:
        if not values[name]:
            errors[name] = "required"
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = "too_long"
    if fields.kind not in {k.value for k in Kind}:
        errors["kind"] = "invalid"
    if fields.language not in LANGUAGES:
        errors["language"] = "invalid"
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"{first} is {errors[first].replace('_', ' ')}", field=first, errors=errors,
                              limits=dict(LIMITS))
    return replace(fields, **values)


class Upload(Protocol):
    """One attachment as the web layer receives it."""

    filename: str
    declared_type: str

    def chunks(self) -> AsyncIterator[bytes]: ...


@dataclass
class StoredAttachment:
    meta: AttachmentMeta
    blob: BlobWriter


@dataclass
class _TextCheck:
    decoder: codecs.IncrementalDecoder = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")())

    def feed(self, data: bytes, final: bool = False) -> bool:
        try:
            text = self.decoder.decode(data, final)
        except UnicodeDecodeError:
            return False
        return "\x00" not in text


def clean_filename(name: str, index: int, media_type: str) -> str:
    """A file name safe to show and to write: no path, no control characters, NFC, short."""
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    if not base:
        base = f"attachment-{index + 1}{ALLOWED_MEDIA[media_type]}"
    if len(base) > FILENAME_MAX:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: FILENAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:FILENAME_MAX]
    return base


def sniff(head: bytes, filename: str) -> str:
    """The media type of a file from its first bytes.

    Raises:
        UnsupportedMediaError: not one of the accepted types; names the file.
    """
    guessed = filetype.guess_mime(head)
    if guessed in ALLOWED_MEDIA:
        return str(guessed)
    if guessed is None and _TextCheck().feed(head[: max(0, len(head) - 3)]):
        return "text/plain"  # confirmed as UTF-8 to the end while streaming
    raise UnsupportedMediaError(
        f"{filename}: type {guessed or 'unknown'} is not accepted (images, PDF and plain text are)",
        field="attachments", filename=filename,
    )


async def encrypt_upload(db: Database, upload: Upload, index: int, dek: bytes, limit: int, created_at: datetime) -> StoredAttachment:
    """Stream one upload through STREAM encryption into a new, unattached blob.

    Raises:
        TooLargeError: the file is larger than `limit` bytes (the blob is discarded).
        UnsupportedMediaError: the content is not an accepted type (the blob is discarded).
    """
    encryptor = StreamEncryptor(envelope.attachment_key(dek, index))
    writer = BlobWriter(db, position=index + 1, created_at=created_at)
    head = b""
    media_type: str | None = None
    text: _TextCheck | None = None
    name = (upload.filename or f"attachment-{index + 1}")[:FILENAME_MAX]
    try:
        async for piece in upload.chunks():
            if encryptor.size + len(piece) > limit:
                raise TooLargeError(f"{name}: larger than {limit // (1024 * 1024)} MiB", field="attachments",
                                    filename=name, limit_mb=limit // (1024 * 1024))
            if media_type is None:
                head += piece
                if len(head) < _SNIFF_BYTES:
                    continue
                media_type, text = _start(head, name)
                piece, head = head, b""
            if text is not None and not text.feed(piece):
                raise _not_text(name)
            await writer.write(encryptor.update(piece))
        if media_type is None:  # a file shorter than the sniffing window
            if not head:
                raise ValidationError(f"{name}: the file is empty", field="attachments", filename=name)
            media_type, text = _start(head, name)
            if text is not None and not text.feed(head):
                raise _not_text(name)
            await writer.write(encryptor.update(head))
        if text is not None and not text.feed(b"", final=True):
            raise _not_text(name)
        await writer.write(encryptor.finalize())
        await writer.close()
    except BaseException:
        await writer.discard()
        raise
    meta = envelope.describe_attachment(clean_filename(name, index, media_type), media_type, encryptor.sha256, encryptor.size)
    return StoredAttachment(meta=meta, blob=writer)


def _start(head: bytes, name: str) -> tuple[str, _TextCheck | None]:
    media_type = sniff(head, name)
    return media_type, (_TextCheck() if media_type == "text/plain" else None)


def _not_text(name: str) -> UnsupportedMediaError:
    return UnsupportedMediaError(f"{name}: not a UTF-8 text file, image or PDF", field="attachments", filename=name)
