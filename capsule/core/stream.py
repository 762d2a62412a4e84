"""STREAM: attachments encrypted chunk by chunk in constant memory (docs/FORMAT.md §3.5).

The plaintext is cut into 64 KiB chunks; chunk `j` is sealed with AES-256-GCM under the
nonce `j` (11 bytes, big-endian) ‖ `0x01` if it is the last chunk else `0x00`, empty AAD. The
counter fixes every chunk's position and the flag marks the end, so reordering, truncation at a
chunk boundary and extension all fail a tag (Hoang, Reyhanitabar, Rogaway, Vizár 2015; age).

Whatever the sizes of the pieces given to `update()`, each side holds at most one chunk (the
latest one, which may turn out to be the last) plus what one call returns.

**Authenticity.** Each piece `StreamDecryptor.update()` returns is authentic and in its place,
but only `finalize()` shows that nothing was cut off the end: treat decrypted bytes as
authentic *as a whole* only once `finalize()` has returned (and, for an attachment, its size
and SHA-256 match the document). A consumer that writes them out must be ready to discard them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from capsule.core.errors import DecryptionError, FormatError, TamperError

CHUNK_SIZE: Final = 64 * 1024
TAG_SIZE: Final = 16
SEALED_CHUNK_SIZE: Final = CHUNK_SIZE + TAG_SIZE  # 65 552
KEY_SIZE: Final = 32
_MAX_CHUNKS: Final = 2**88  # the 11-byte counter


def chunk_nonce(index: int, last: bool) -> bytes:
    """The nonce of chunk `index`: 11-byte big-endian counter ‖ last-chunk flag."""
    if not 0 <= index < _MAX_CHUNKS:
        raise FormatError(f"chunk index {index} does not fit the 11-byte counter")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class _Chunked:
    """Cuts input into frames of a fixed size and holds back the latest frame until it is
    known whether more input follows it (only then is it known not to be the last)."""

    __slots__ = ("_aead", "_frame", "_held", "_index", "_state", "_hash", "_size", "what")

    def __init__(self, key: bytes, frame: int, what: str) -> None:
        if not isinstance(key, bytes | bytearray) or len(key) != KEY_SIZE:
            raise FormatError(f"stream key must be {KEY_SIZE} bytes")
        self._aead = AESGCM(bytes(key))
        self._frame = frame
        self._held = bytearray()
        self._index = 0  # the number of the next chunk
        self._state = "open"  # then "done" or "failed"
        self._hash = hashlib.sha256()  # of the plaintext
        self._size = 0
        self.what = what

    @property
    def size(self) -> int:
        """Plaintext bytes so far (the attachment's size once finalized)."""
        return self._size

    @property
    def sha256(self) -> str:
        """Lowercase hex SHA-256 of the plaintext so far."""
        return self._hash.hexdigest()

    def _feed(self, data: bytes) -> bytes:
        self._check_open()
        out: list[bytes] = []
        held, frame = self._held, self._frame
        with memoryview(data) as raw, raw.cast("B") as view:
            pos, n = 0, len(view)
            if held:
                pos = min(frame - len(held), n)
                held += view[:pos]
                if pos < n:  # the held frame is full and more follows: it is not the last
                    out.append(self._chunk(held, last=False))
                    held.clear()
            if not held:
                # Frames straight from the input, no copy; keep back the final (maybe last) one.
                while n - pos > frame:
                    out.append(self._chunk(view[pos : pos + frame], last=False))
                    pos += frame
                held += view[pos:]
        return out[0] if len(out) == 1 else b"".join(out)

    def _stream(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        # Feed big pieces a frame at a time: each yielded item stays about one chunk, so the
        # memory in flight does not grow with the size of the pieces.
        frame = self._frame
        for piece in pieces:
            with memoryview(piece) as raw, raw.cast("B") as view:
                for start in range(0, len(view), frame):
                    out = self.update(view[start : start + frame])  # type: ignore[attr-defined]
                    if out:
                        yield out

    def _finish(self) -> bytes:
        self._check_open()
        out = self._chunk(self._held, last=True)
        self._held.clear()
        self._state = "done"
        return out

    def _check_open(self) -> None:
        if self._state == "failed":
            raise DecryptionError(f"{self.what}: stream already failed; discard what it returned")
        if self._state == "done":
            raise RuntimeError(f"{self.what}: stream already finalized")

    def _chunk(self, data: bytes | bytearray | memoryview, last: bool) -> bytes:
        raise NotImplementedError


class StreamEncryptor(_Chunked):
    """Encrypt one attachment incrementally; `size` and `sha256` describe the plaintext."""

    __slots__ = ()

    def __init__(self, key: bytes) -> None:
        """Raises:
        FormatError: `key` is not 32 bytes.
        """
        super().__init__(key, CHUNK_SIZE, "stream")

    def update(self, data: bytes) -> bytes:
        """Ciphertext of every chunk completed by `data` and known not to be the last (may be
        empty). Raises RuntimeError after `finalize()`."""
        self._check_open()
        self._hash.update(data)
        self._size += len(data)
        return self._feed(data)

    def finalize(self) -> bytes:
        """The last chunk (an empty plaintext gives one empty chunk: 16 bytes)."""
        return self._finish()

    def stream(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        """Encrypt `pieces` lazily; this encryptor's `size` and `sha256` are final once the
        iterator is exhausted."""
        yield from self._stream(pieces)
        yield self.finalize()

    def _chunk(self, data: bytes | bytearray | memoryview, last: bool) -> bytes:
        sealed = self._aead.encrypt(chunk_nonce(self._index, last), data, None)
        self._index += 1
        return sealed


class StreamDecryptor(_Chunked):
    """Decrypt one attachment incrementally (see the module note on authenticity);
    `size` and `sha256` describe the plaintext returned so far."""

    __slots__ = ()

    def __init__(self, key: bytes, *, what: str = "stream") -> None:
        """`what` names the stream in errors ("attachment 2 of contribution …").

        Raises:
            FormatError: `key` is not 32 bytes.
        """
        super().__init__(key, SEALED_CHUNK_SIZE, what)

    def update(self, data: bytes) -> bytes:
        """Plaintext of every complete chunk known not to be the last (may be empty).

        Raises:
            DecryptionError: a chunk does not authenticate (wrong key; changed, reordered or
                extended data); the decryptor then refuses every further call.
        """
        return self._feed(data)

    def finalize(self) -> bytes:
        """Decrypt the last chunk: only now is the stream known to be complete.

        Raises:
            FormatError: the stream is empty, ends inside a tag, or ends in an empty chunk
                after a non-empty one.
            DecryptionError: the last chunk does not authenticate (wrong key, truncation at a
                chunk boundary, or changed data).
        """
        self._check_open()
        held = len(self._held)
        if held == 0:
            self._state = "failed"
            raise FormatError(
                f"{self.what} is empty; even an empty attachment has one {TAG_SIZE}-byte chunk"
            )
        if held < TAG_SIZE:
            self._state = "failed"
            raise FormatError(
                f"{self.what} is truncated: chunk {self._index} has {held} bytes, less than a tag"
            )
        if held == TAG_SIZE and self._index > 0:
            self._state = "failed"
            raise FormatError(
                f"{self.what}: chunk {self._index} is an empty final chunk after a non-empty one"
            )
        return self._finish()

    def stream(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        """Decrypt `pieces` lazily. The stream is authentic only if the iterator is exhausted
        without an error; a consumer must run it to the end before trusting any of it."""
        yield from self._stream(pieces)
        yield self.finalize()

    def check(self, size: int, sha256: str) -> None:
        """After `finalize()`, compare the plaintext with what the document lists.

        Raises:
            TamperError: size or SHA-256 differ.
        """
        if self._state != "done":
            raise RuntimeError(f"{self.what}: check() before finalize()")
        if self._size != size:
            raise TamperError(f"{self.what}: size {self._size} does not match document {size}")
        if not hmac.compare_digest(self.sha256, sha256):
            raise TamperError(f"{self.what}: sha256 {self.sha256} does not match document {sha256}")

    def _chunk(self, data: bytes | bytearray | memoryview, last: bool) -> bytes:
        try:
            plain = self._aead.decrypt(chunk_nonce(self._index, last), data, None)
        except InvalidTag:
            self._state = "failed"
            why = "truncated or changed data" if last else "changed, reordered or extended data"
            raise DecryptionError(
                f"{self.what}: chunk {self._index}{' (the last)' if last else ''} does not "
                f"authenticate: wrong key, or {why}",
                chunk=self._index,
            ) from None
        self._index += 1
        self._hash.update(plain)
        self._size += len(plain)
        return plain


def encrypt_chunks(key: bytes, pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Encrypt an iterable of plaintext pieces of any sizes into ciphertext pieces.

    Raises:
        FormatError: `key` is not 32 bytes.
    """
    return StreamEncryptor(key).stream(pieces)


def decrypt_chunks(key: bytes, pieces: Iterable[bytes], *, what: str = "stream") -> Iterator[bytes]:
    """Decrypt ciphertext pieces of any sizes; the plaintext is authentic only once the
    iterator ends without an error.

    Raises:
        FormatError, DecryptionError: as `StreamDecryptor.update` and `finalize`.
    """
    return StreamDecryptor(key, what=what).stream(pieces)


def ciphertext_size(plaintext_size: int) -> int:
    """Size of the STREAM blob of a plaintext of `plaintext_size` bytes."""
    if plaintext_size < 0:
        raise ValueError(f"plaintext size {plaintext_size} is negative")
    chunks = max(1, -(-plaintext_size // CHUNK_SIZE))
    return plaintext_size + chunks * TAG_SIZE


def plaintext_size(ciphertext_size: int) -> int:
    """Inverse of `ciphertext_size`, for checking a blob's size before decrypting it.

    Raises:
        FormatError: no plaintext gives a blob of that size.
    """
    full, rest = divmod(ciphertext_size, SEALED_CHUNK_SIZE)
    if rest == 0:
        valid, chunks = full > 0, full  # the last chunk is a full one
    else:
        # A final chunk shorter than a tag, or an empty one after full ones, is malformed.
        valid, chunks = rest > TAG_SIZE or (rest == TAG_SIZE and full == 0), full + 1
    if ciphertext_size < 0 or not valid:
        raise FormatError(f"no stream blob is {ciphertext_size} bytes long")
    return ciphertext_size - chunks * TAG_SIZE
