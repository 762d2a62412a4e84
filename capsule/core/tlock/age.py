"""A strict age v1 reader and writer (https://age-encryption.org/v1), enough for tlock.

The header is parsed as strictly as filippo.io/age does (internal/format/format.go): the exact
intro line, stanza lines `-> type args…` of printable ASCII separated by single spaces, bodies
in unpadded canonical base64 wrapped at 64 columns and always ended by a short (maybe empty)
line, then `--- ` and the MAC. Because every accepted header has exactly one encoding, the
MAC is computed over the bytes as read, which equals age's re-encoding of the parsed header.

The payload is a 16-byte nonce and ChaCha20-Poly1305 STREAM in 64 KiB chunks, with age's rules
for the last chunk (internal/stream/stream.go): it is flagged in the nonce, may be full-size,
is never empty unless it is the only chunk, and nothing may follow it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from typing import Final

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from capsule.core.errors import DecryptionError, FormatError, TamperError

INTRO: Final = b"age-encryption.org/v1\n"
FILE_KEY_SIZE: Final = 16
NONCE_SIZE: Final = 16
CHUNK_SIZE: Final = 64 * 1024
TAG_SIZE: Final = 16
MAX_STANZAS: Final = 20  # age refuses more recipients than this ("too many recipients")
COLUMNS: Final = 64
BYTES_PER_LINE: Final = COLUMNS // 4 * 3

_RAW_B64: Final = re.compile(rb"[A-Za-z0-9+/]*")
_ARG: Final = re.compile(r"[\x21-\x7e]+")


class Stanza(msgspec.Struct, frozen=True):
    """One recipient stanza: a type, arguments, and a binary body.

    Raises (at construction):
        FormatError: the type or an argument is empty or not printable ASCII without spaces.
    """

    type: str
    args: tuple[str, ...] = ()
    body: bytes = b""

    def __post_init__(self) -> None:
        for arg in (self.type, *self.args):
            if not _ARG.fullmatch(arg):
                raise FormatError(f"age stanza argument {arg!r} is not printable ascii")


class AgeFile(msgspec.Struct, frozen=True):
    """A parsed binary age file: its stanzas, the header bytes the MAC covers (up to and
    including `---`), the MAC, and the payload (nonce and STREAM chunks) still encrypted."""

    stanzas: tuple[Stanza, ...]
    header: bytes
    mac: bytes
    payload: bytes


def b64_raw(data: bytes) -> bytes:
    """Standard base64 without padding, as age writes stanza bodies and the MAC."""
    return base64.b64encode(data).rstrip(b"=")


def unb64_raw(text: bytes, *, what: str) -> bytes:
    """Strict inverse of `b64_raw`: no padding, no whitespace, no non-zero trailing bits.

    Raises:
        FormatError: `text` is not canonical unpadded base64.
    """
    if not _RAW_B64.fullmatch(text) or len(text) % 4 == 1:
        raise FormatError(f"{what} is not unpadded base64: {text[:80]!r}")
    data = base64.b64decode(text + b"=" * (-len(text) % 4))
    if b64_raw(data) != text:
        raise FormatError(f"{what} is not canonical base64: {text[:80]!r}")
    return data


def _line(data: bytes, pos: int) -> tuple[bytes, int]:
    end = data.find(b"\n", pos)
    if end < 0:
        raise FormatError(f"age header is truncated at byte {len(data)}")
    return data[pos:end], end + 1


def _read_stanza(data: bytes, pos: int) -> tuple[Stanza, int]:
    line, pos = _line(data, pos)
    parts = line.split(b" ")
    if parts[0] != b"->" or len(parts) < 2:
        raise FormatError(f"malformed age stanza line {line[:80]!r}")
    try:
        kind, *args = (part.decode("ascii") for part in parts[1:])
        head = Stanza(kind, tuple(args))
    except (UnicodeDecodeError, FormatError):
        raise FormatError(f"malformed age stanza line {line[:80]!r}") from None
    body = bytearray()
    while True:
        line, pos = _line(data, pos)
        if line.startswith((b"->", b"---")):
            raise FormatError(f"age stanza {head.type} body ended without a short line")
        chunk = unb64_raw(line, what=f"age stanza {head.type} body line")
        if len(chunk) > BYTES_PER_LINE:
            raise FormatError(f"age stanza {head.type} body line is longer than {COLUMNS} columns")
        body += chunk
        if len(chunk) < BYTES_PER_LINE:
            return Stanza(head.type, head.args, bytes(body)), pos


def parse(data: bytes) -> AgeFile:
    """Split a binary age file into its header and payload, checking the header's syntax.

    Raises:
        FormatError: not an age v1 file, a truncated or malformed header, a bad MAC line, no
            stanza or more than 20.
    """
    data = bytes(data)
    if not data.startswith(INTRO):
        raise FormatError(f"not an age v1 file: starts with {data[:len(INTRO)]!r}")
    pos, stanzas = len(INTRO), []
    while not data.startswith(b"---", pos):
        if len(data) - pos < 3:
            raise FormatError(f"age header is truncated at byte {len(data)}")
        if len(stanzas) == MAX_STANZAS:
            raise FormatError(f"age header has more than {MAX_STANZAS} stanzas")
        stanza, pos = _read_stanza(data, pos)
        stanzas.append(stanza)
    if not stanzas:
        raise FormatError("age header has no stanza")
    header_end = pos + 3
    line, pos = _line(data, pos)
    parts = line.split(b" ")
    if parts[0] != b"---" or len(parts) != 2:
        raise FormatError(f"malformed age header mac line {line[:80]!r}")
    mac = unb64_raw(parts[1], what="age header mac")
    if len(mac) != 32:
        raise FormatError(f"age header mac must be 32 bytes, got {len(mac)}")
    return AgeFile(tuple(stanzas), data[:header_end], mac, data[pos:])


def encode_header(stanzas: tuple[Stanza, ...] | list[Stanza]) -> bytes:
    """The header up to and including `---` (what the MAC covers), as age writes it."""
    out = bytearray(INTRO)
    for stanza in stanzas:
        out += b"-> " + " ".join((stanza.type, *stanza.args)).encode("ascii") + b"\n"
        text = b64_raw(stanza.body)
        # Full 64-column lines, then the final short line, which is empty when the body fills
        # its last line exactly: that is how a reader knows the body ended.
        for i in range(0, len(text) - len(text) % COLUMNS, COLUMNS):
            out += text[i : i + COLUMNS] + b"\n"
        out += text[len(text) - len(text) % COLUMNS :] + b"\n"
    return bytes(out + b"---")


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def header_mac(file_key: bytes, header: bytes) -> bytes:
    """HMAC-SHA256 under HKDF-SHA256(file key, salt empty, info "header") of the header bytes
    up to and including `---` (age spec, "Header MAC")."""
    # An empty salt is HKDF's default of HashLen zero bytes (RFC 5869 §2.2): the same key.
    return hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()


def _nonce(counter: int, last: bool) -> bytes:
    # STREAM nonce: 88-bit big-endian chunk counter, then 0x01 for the last chunk, else 0x00.
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def seal(stanzas: tuple[Stanza, ...] | list[Stanza], file_key: bytes, plaintext: bytes,
         *, nonce: bytes | None = None) -> bytes:
    """A binary age file of `plaintext` under `file_key`, with these recipient stanzas.

    `nonce` is for tests only: it makes the output deterministic.

    Raises:
        FormatError: the file key is not 16 bytes or there is no stanza.
    """
    if len(file_key) != FILE_KEY_SIZE:
        raise FormatError(f"age file key must be {FILE_KEY_SIZE} bytes, got {len(file_key)}")
    if not stanzas:
        raise FormatError("age file needs at least one stanza")
    header = encode_header(stanzas)
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    out = bytearray(header + b" " + b64_raw(header_mac(file_key, header)) + b"\n" + nonce)
    count = max(1, -(-len(plaintext) // CHUNK_SIZE))
    for i in range(count):
        chunk = plaintext[i * CHUNK_SIZE : (i + 1) * CHUNK_SIZE]
        out += aead.encrypt(_nonce(i, i == count - 1), chunk, None)
    return bytes(out)


def check_mac(file: AgeFile, file_key: bytes) -> None:
    """Raises: TamperError: the header MAC does not match (wrong key or a changed header)."""
    if not hmac.compare_digest(header_mac(file_key, file.header), file.mac):
        raise TamperError("age header mac does not match: wrong file key or changed header")


def open_payload(file: AgeFile, file_key: bytes) -> bytes:
    """Check the header MAC, then decrypt and authenticate the whole payload.

    Raises:
        TamperError: the header MAC does not match.
        FormatError: the payload is truncated (no nonce, no final chunk), has an empty final
            chunk after others, or data after the final chunk.
        DecryptionError: a chunk fails authentication.
    """
    check_mac(file, file_key)
    if len(file.payload) < NONCE_SIZE:
        raise FormatError(f"age payload is truncated: {len(file.payload)} bytes, no nonce")
    nonce, data = file.payload[:NONCE_SIZE], file.payload[NONCE_SIZE:]
    aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    out, pos, counter, size = bytearray(), 0, 0, CHUNK_SIZE + TAG_SIZE
    while True:
        chunk = data[pos : pos + size]
        if len(chunk) < TAG_SIZE:
            raise FormatError(f"age payload is truncated after chunk {counter}")
        if len(chunk) == TAG_SIZE and counter > 0:
            raise FormatError("age payload ends with an empty chunk after other chunks")
        last = len(chunk) < size
        try:
            out += aead.decrypt(_nonce(counter, last), chunk, None)
        except InvalidTag:
            if last:
                raise DecryptionError(f"age payload chunk {counter} fails authentication") from None
            # A full-size chunk may still be the last one (age, stream.go readChunk).
            try:
                out += aead.decrypt(_nonce(counter, True), chunk, None)
            except InvalidTag:
                raise DecryptionError(f"age payload chunk {counter} fails authentication") from None
            last = True
        pos += len(chunk)
        counter += 1
        if last:
            if pos != len(data):
                raise FormatError(f"age payload has {len(data) - pos} bytes after the final chunk")
            return bytes(out)
