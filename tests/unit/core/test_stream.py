"""STREAM (FORMAT §3.5): round trips at every size that matters, chunking independence,
and every way of cutting, reordering, extending or flipping a blob is refused."""

from __future__ import annotations

import hashlib
import itertools
import random
import tracemalloc
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from capsule.core.errors import DecryptionError, FormatError, TamperError
from capsule.core.stream import (
    CHUNK_SIZE,
    SEALED_CHUNK_SIZE,
    StreamDecryptor,
    StreamEncryptor,
    chunk_nonce,
    ciphertext_size,
    decrypt_chunks,
    encrypt_chunks,
    plaintext_size,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
BOUNDARY_SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1,
                  2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 1, 3 * CHUNK_SIZE - 1]

sizes = st.one_of(st.sampled_from(BOUNDARY_SIZES), st.integers(0, 4 * CHUNK_SIZE + 7))


def data_of(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def encrypt(data: bytes, key: bytes = KEY) -> bytes:
    enc = StreamEncryptor(key)
    return enc.update(data) + enc.finalize()


def decrypt(blob: bytes, key: bytes = KEY) -> bytes:
    dec = StreamDecryptor(key)
    return dec.update(blob) + dec.finalize()


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def chunks_of(blob: bytes) -> list[bytes]:
    return [blob[i : i + SEALED_CHUNK_SIZE] for i in range(0, len(blob), SEALED_CHUNK_SIZE)]


# --- round trips ---------------------------------------------------------------------------


@given(sizes, st.integers(0, 2**32))
def test_round_trip_at_any_size(size: int, seed: int) -> None:
    data = data_of(size, seed)
    blob = encrypt(data)
    assert len(blob) == ciphertext_size(size)
    assert plaintext_size(len(blob)) == size
    dec = StreamDecryptor(KEY)
    assert dec.update(blob) + dec.finalize() == data
    assert (dec.size, dec.sha256) == (size, hashlib.sha256(data).hexdigest())
    dec.check(size, hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize("size", BOUNDARY_SIZES)
def test_chunk_layout_follows_the_spec(size: int) -> None:
    blob = encrypt(data_of(size))
    chunks = chunks_of(blob)
    assert len(chunks) == max(1, -(-size // CHUNK_SIZE))
    assert all(len(c) == SEALED_CHUNK_SIZE for c in chunks[:-1])
    # Each chunk opens by itself under the nonce FORMAT gives it: counter ‖ last flag.
    aead = AESGCM(KEY)
    last = len(chunks) - 1
    opened = [aead.decrypt(chunk_nonce(j, j == last), c, b"") for j, c in enumerate(chunks)]
    assert b"".join(opened) == data_of(size)


cut_points = st.lists(st.integers(0, 10**6), max_size=12)


@given(sizes, cut_points, cut_points)
def test_any_chunking_of_the_input_gives_the_same_bytes(
    size: int, cuts: list[int], cuts2: list[int]
) -> None:
    data = data_of(size)
    whole = encrypt(data)
    enc = StreamEncryptor(KEY)
    pieces = [enc.update(p) for p in split(data, cuts)] + [enc.finalize()]
    assert b"".join(pieces) == whole
    assert (enc.size, enc.sha256) == (size, hashlib.sha256(data).hexdigest())
    dec = StreamDecryptor(KEY)
    out = [dec.update(p) for p in split(whole, cuts2)] + [dec.finalize()]
    assert b"".join(out) == data


@given(st.lists(st.binary(max_size=3 * CHUNK_SIZE // 2), max_size=6))
def test_generators_round_trip(pieces: list[bytes]) -> None:
    blob = b"".join(encrypt_chunks(KEY, pieces))
    assert blob == encrypt(b"".join(pieces))
    assert b"".join(decrypt_chunks(KEY, split(blob, [7, 70000, 140000]))) == b"".join(pieces)


def test_empty_plaintext_is_one_empty_chunk() -> None:
    blob = encrypt(b"")
    assert len(blob) == 16 == ciphertext_size(0)
    assert AESGCM(KEY).decrypt(b"\x00" * 11 + b"\x01", blob, b"") == b""


def test_a_full_chunk_is_held_back_until_more_input_says_it_is_not_the_last() -> None:
    enc = StreamEncryptor(KEY)
    assert enc.update(bytes(CHUNK_SIZE)) == b""
    assert len(enc.update(b"x")) == SEALED_CHUNK_SIZE
    assert len(enc.finalize()) == 17
    dec = StreamDecryptor(KEY)
    assert dec.update(encrypt(bytes(CHUNK_SIZE))) == b""  # could be followed by more
    assert dec.finalize() == bytes(CHUNK_SIZE)


def test_ciphertext_size_and_its_inverse() -> None:
    sizes = [ciphertext_size(n) for n in (0, 1, CHUNK_SIZE, CHUNK_SIZE + 1)]
    assert sizes == [16, 17, 65552, 65569]
    with pytest.raises(ValueError, match="negative"):
        ciphertext_size(-1)
    for bad in (0, 15, SEALED_CHUNK_SIZE + 15, SEALED_CHUNK_SIZE + 16, -1):
        with pytest.raises(FormatError, match=f"no stream blob is {bad} bytes long"):
            plaintext_size(bad)


# --- refusals ------------------------------------------------------------------------------


def test_every_single_bit_flip_of_a_small_stream_is_refused() -> None:
    blob = encrypt(b"a short attachment, one chunk")
    for i in range(len(blob) * 8):
        flipped = bytearray(blob)
        flipped[i // 8] ^= 1 << (i % 8)
        with pytest.raises(DecryptionError, match=r"stream: chunk 0 \(the last\) does not auth"):
            decrypt(bytes(flipped))


@given(st.data())
def test_a_bit_flip_anywhere_in_a_long_stream_names_its_chunk(data: st.DataObject) -> None:
    blob = encrypt(data_of(3 * CHUNK_SIZE + 100))
    bit = data.draw(st.integers(0, len(blob) * 8 - 1))
    flipped = bytearray(blob)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError, match=f"chunk {bit // 8 // SEALED_CHUNK_SIZE} "):
        decrypt(bytes(flipped))


def test_truncation_at_every_chunk_boundary_is_refused() -> None:
    blob = encrypt(data_of(3 * CHUNK_SIZE + 100))
    for k in (1, 2, 3):
        with pytest.raises(DecryptionError, match=rf"chunk {k - 1} \(the last\) does not auth"):
            decrypt(blob[: k * SEALED_CHUNK_SIZE])
    with pytest.raises(FormatError, match="stream is empty"):
        decrypt(b"")


@given(st.data())
def test_truncation_inside_a_chunk_is_refused(data: st.DataObject) -> None:
    blob = encrypt(data_of(2 * CHUNK_SIZE + 100))
    cut = data.draw(st.integers(1, len(blob) - 1))
    rest = cut % SEALED_CHUNK_SIZE
    if rest and rest < 16:
        error, message = FormatError, "truncated"
    elif rest == 16 and cut > SEALED_CHUNK_SIZE:
        error, message = FormatError, "empty final chunk after a non-empty one"
    else:
        error, message = DecryptionError, r"\(the last\) does not authenticate"
    with pytest.raises(error, match=message):
        decrypt(blob[:cut])


def test_every_reordering_of_chunks_is_refused() -> None:
    chunks = chunks_of(encrypt(data_of(3 * CHUNK_SIZE + 5)))
    assert len(chunks) == 4
    for order in itertools.permutations(range(4)):
        if order != (0, 1, 2, 3):
            with pytest.raises(DecryptionError, match="does not authenticate"):
                decrypt(b"".join(chunks[i] for i in order))


def test_a_duplicated_chunk_is_refused() -> None:
    c = chunks_of(encrypt(data_of(2 * CHUNK_SIZE + 5)))
    with pytest.raises(DecryptionError, match="chunk 1 does not authenticate"):
        decrypt(c[0] + c[0] + c[1] + c[2])
    with pytest.raises(DecryptionError, match="chunk 2 does not authenticate"):
        decrypt(c[0] + c[1] + c[1] + c[2])
    # A repeated short last chunk reads as one longer last chunk, which fails its tag.
    with pytest.raises(DecryptionError, match=r"chunk 2 \(the last\) does not authenticate"):
        decrypt(c[0] + c[1] + c[2] + c[2])


def test_extension_by_a_well_formed_extra_chunk_is_refused() -> None:
    blob = encrypt(data_of(CHUNK_SIZE))  # one full chunk, flagged last
    extra = AESGCM(KEY).encrypt(chunk_nonce(1, True), b"appended", None)
    with pytest.raises(DecryptionError, match="chunk 0 does not authenticate"):
        decrypt(blob + extra)
    # Also when the stream's last chunk is short: the tail no longer parses as one chunk.
    with pytest.raises(DecryptionError, match="does not authenticate"):
        decrypt(encrypt(b"short") + AESGCM(KEY).encrypt(chunk_nonce(1, True), b"more", None))


def test_a_trailing_empty_chunk_is_malformed() -> None:
    aead = AESGCM(KEY)
    blob = aead.encrypt(chunk_nonce(0, False), bytes(CHUNK_SIZE), None)
    blob += aead.encrypt(chunk_nonce(1, True), b"", None)
    with pytest.raises(FormatError, match="chunk 1 is an empty final chunk after a non-empty one"):
        decrypt(blob)


def test_the_wrong_key_is_refused() -> None:
    with pytest.raises(DecryptionError, match="wrong key"):
        decrypt(encrypt(b"x"), OTHER_KEY)


def test_a_failed_decryptor_refuses_to_go_on() -> None:
    dec = StreamDecryptor(KEY, what="attachment 2 of contribution abc")
    bad = bytearray(encrypt(data_of(3 * CHUNK_SIZE)))
    bad[5] ^= 1
    with pytest.raises(DecryptionError, match="attachment 2 of contribution abc: chunk 0 does not"):
        dec.update(bytes(bad))
    with pytest.raises(DecryptionError, match="already failed"):
        dec.update(b"")
    with pytest.raises(DecryptionError, match="already failed"):
        dec.finalize()


def test_a_truncated_generator_raises_only_at_the_end() -> None:
    blob = encrypt(data_of(2 * CHUNK_SIZE + 5))
    out = decrypt_chunks(KEY, [blob[: 2 * SEALED_CHUNK_SIZE]])
    first = next(out)  # chunk 0 is authentic; the cut is only seen at the end
    assert first == data_of(2 * CHUNK_SIZE + 5)[:CHUNK_SIZE]
    with pytest.raises(DecryptionError, match=r"chunk 1 \(the last\)"):
        list(out)


def test_finalized_streams_refuse_more_input() -> None:
    enc = StreamEncryptor(KEY)
    enc.finalize()
    with pytest.raises(RuntimeError, match="already finalized"):
        enc.update(b"x")


def test_check_compares_size_and_digest() -> None:
    dec = StreamDecryptor(KEY, what="attachment 0")
    dec.update(encrypt(b"abc"))
    with pytest.raises(RuntimeError, match="before finalize"):
        dec.check(3, hashlib.sha256(b"abc").hexdigest())
    dec.finalize()
    with pytest.raises(TamperError, match="attachment 0: size 3 does not match document 4"):
        dec.check(4, hashlib.sha256(b"abc").hexdigest())
    with pytest.raises(TamperError, match="attachment 0: sha256 .* does not match document"):
        dec.check(3, hashlib.sha256(b"abd").hexdigest())


@pytest.mark.parametrize("key", [b"", bytes(16), bytes(33)])
def test_keys_must_be_32_bytes(key: bytes) -> None:
    with pytest.raises(FormatError, match="stream key must be 32 bytes"):
        StreamEncryptor(key)
    with pytest.raises(FormatError, match="stream key must be 32 bytes"):
        StreamDecryptor(key)


def test_the_callers_buffer_is_free_again_after_update() -> None:
    # bytearray.clear() raises BufferError while any view of it is alive: we must keep none.
    data = data_of(CHUNK_SIZE + 10)
    buf, enc = bytearray(data), StreamEncryptor(KEY)
    blob = enc.update(buf)
    buf.clear()
    buf += b"more"
    blob += enc.update(memoryview(buf)) + enc.finalize()
    buf.clear()
    cipher, dec = bytearray(blob), StreamDecryptor(KEY)
    plain = dec.update(cipher)
    cipher.clear()
    assert plain + dec.finalize() == data + b"more"


# --- memory --------------------------------------------------------------------------------

BIG = 200 * 1024 * 1024


def _source(total: int, source_hash: hashlib._Hash) -> Iterator[bytes]:
    block = memoryview(random.Random(7).randbytes(1 << 20))
    sizes = itertools.cycle([1, 65535, 65536, 65537, 100_003, 250_000, 7])
    sent = 0
    while sent < total:
        n = min(next(sizes), total - sent)
        start = sent % (len(block) - 250_001)
        piece = block[start : start + n]
        source_hash.update(piece)
        sent += n
        yield piece


@pytest.mark.slow
def test_200_mb_stream_through_in_constant_memory() -> None:
    source_hash, sink_hash = hashlib.sha256(), hashlib.sha256()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        enc = StreamEncryptor(KEY)
        blob_pieces = enc.stream(_source(BIG, source_hash))
        dec = StreamDecryptor(KEY)
        for plain in dec.stream(blob_pieces):
            sink_hash.update(plain)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink_hash.hexdigest() == source_hash.hexdigest() == enc.sha256 == dec.sha256
    assert enc.size == dec.size == BIG
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
