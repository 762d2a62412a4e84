"""The strict age v1 reader and writer: round trips, and every non-canonical header or
payload refused as filippo.io/age refuses it."""

from __future__ import annotations

from random import Random

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from hypothesis import given, settings, strategies as st

from capsule.core.errors import DecryptionError, FormatError, TamperError
from capsule.core.tlock import age
from capsule.core.tlock.age import CHUNK_SIZE, TAG_SIZE, Stanza

KEY = bytes(range(16))
NONCE = bytes(16)
X25519 = Stanza("X25519", ("MtnA9I+8VLuDwNPc6PB7GYqRmxvPoSwAtTOJxKgTXmY",), bytes(range(32)))

stanzas = st.builds(
    Stanza,
    st.text("abcXYZ0123-+", min_size=1, max_size=8),
    st.lists(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12),
             max_size=3).map(tuple),
    st.binary(max_size=200),
)


def sealed(plaintext: bytes = b"hello", stanza_list: list[Stanza] | None = None) -> bytes:
    return age.seal(stanza_list or [X25519], KEY, plaintext, nonce=NONCE)


@given(st.lists(stanzas, min_size=1, max_size=4), st.binary(max_size=300))
def test_header_round_trips_byte_for_byte(stanza_list: list[Stanza], plaintext: bytes) -> None:
    data = age.seal(stanza_list, KEY, plaintext)
    file = age.parse(data)
    assert list(file.stanzas) == stanza_list
    assert age.encode_header(file.stanzas) == file.header
    assert age.open_payload(file, KEY) == plaintext


@given(st.binary(max_size=3 * 1024))
def test_small_payloads_round_trip(plaintext: bytes) -> None:
    assert age.open_payload(age.parse(age.seal([X25519], KEY, plaintext)), KEY) == plaintext


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1,
                                  2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 5])
def test_chunk_boundaries_round_trip(size: int) -> None:
    plaintext = bytes(i % 251 for i in range(size))
    data = sealed(plaintext)
    chunks = max(1, -(-size // CHUNK_SIZE))
    assert len(age.parse(data).payload) == 16 + size + chunks * TAG_SIZE
    assert age.open_payload(age.parse(data), KEY) == plaintext


@settings(max_examples=25)
@given(st.sampled_from([0, 1, CHUNK_SIZE, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE]),
       st.integers(-2, 2), st.integers(0, 2**32 - 1))
def test_sizes_around_chunk_boundaries_round_trip(base: int, delta: int, seed: int) -> None:
    # A seeded Random, not st.randoms(): drawing ~192 KB through hypothesis overflows its buffer.
    plaintext = Random(seed).randbytes(max(0, base + delta))
    assert age.open_payload(age.parse(age.seal([X25519], KEY, plaintext)), KEY) == plaintext


def test_body_filling_whole_lines_ends_with_an_empty_line() -> None:
    header = age.encode_header([Stanza("t", (), bytes(48))])
    assert header.endswith(b"A" * 64 + b"\n\n---")
    assert age.parse(age.seal([Stanza("t", (), bytes(48))], KEY, b"")).stanzas[0].body == bytes(48)


# --- header strictness ---------------------------------------------------------------------

GOOD = sealed()
HEADER_END = GOOD.index(b"\n---") + 1


def with_header(lines: bytes) -> bytes:
    return age.INTRO + lines + GOOD[HEADER_END:]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "not an age v1 file"),
    (b"age-encryption.org/v2\n", "not an age v1 file"),
    (b"age-encryption.org/v1\r\n", "not an age v1 file"),
    (age.INTRO, "truncated"),
    (with_header(b""), "no stanza"),
    (with_header(b"->  X25519 abc\nAA\n"), "malformed age stanza line"),
    (with_header(b"-> X25519  abc\nAA\n"), "malformed age stanza line"),
    (with_header(b"-> X25519 abc \nAA\n"), "malformed age stanza line"),
    (with_header(b"->\nAA\n"), "malformed age stanza line"),
    (with_header(b"->X25519\nAA\n"), "malformed age stanza line"),
    (with_header(b"-> X25519 \xc3\xa9\nAA\n"), "malformed age stanza line"),
    (with_header(b"-> X25519 abc\r\nAA\n"), "malformed age stanza line"),
    (with_header(b"-> X25519\nAA==\n"), "not unpadded base64"),
    (with_header(b"-> X25519\nAB\n"), "not canonical base64"),
    (with_header(b"-> X25519\nA\n"), "not unpadded base64"),
    (with_header(b"-> X25519\nAA\r\n"), "not unpadded base64"),
    (with_header(b"-> X25519\n" + b"A" * 64 + b"\n"), "ended without a short line"),
    (with_header(b"-> X25519\n" + b"A" * 68 + b"\n"), "longer than 64 columns"),
    (with_header(b"-> X25519\n\n" * 21), "more than 20 stanzas"),
])
def test_malformed_headers_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        age.parse(data)


def mac_line(text: bytes) -> bytes:
    return GOOD[: GOOD.index(b"\n---") + 1] + text + b"\n" + NONCE


@pytest.mark.parametrize(("data", "message"), [
    (mac_line(b"---"), "malformed age header mac line"),
    (mac_line(b"---  " + b"A" * 43), "malformed age header mac line"),
    (mac_line(b"----" + b"A" * 43), "malformed age header mac line"),
    (mac_line(b"--- " + b"A" * 42), "must be 32 bytes"),
    (mac_line(b"--- " + b"A" * 43 + b"="), "not unpadded base64"),
    (mac_line(b"--- " + b"A" * 42 + b"B"), "not canonical"),
])
def test_malformed_mac_lines_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        age.parse(data)


def test_every_truncated_header_is_refused() -> None:
    end = GOOD.index(b"\n", GOOD.index(b"\n---") + 1)
    for cut in range(end + 1):
        with pytest.raises(FormatError):
            age.parse(GOOD[:cut])


def test_a_changed_header_fails_the_mac() -> None:
    other = Stanza("X25519", ("MtnA9I+8VLuDwNPc6PB7GYqRmxvPoSwAtTOJxKgTXmZ",), X25519.body)
    changed = age.seal([other], KEY, b"hello", nonce=NONCE)
    forged = changed[: changed.index(b"\n---") + 1] + GOOD[GOOD.index(b"\n---") + 1 :]
    with pytest.raises(TamperError, match="header mac does not match"):
        age.open_payload(age.parse(forged), KEY)


def test_a_wrong_file_key_fails_the_mac() -> None:
    with pytest.raises(TamperError, match="header mac does not match"):
        age.open_payload(age.parse(GOOD), bytes(16))


# --- payload strictness --------------------------------------------------------------------

TWO_CHUNKS = sealed(bytes(CHUNK_SIZE + 10))
FULL_LAST = sealed(bytes(CHUNK_SIZE))


def reopen(data: bytes) -> bytes:
    return age.open_payload(age.parse(data), KEY)


@pytest.mark.parametrize(("data", "error", "message"), [
    (GOOD[:-(len(b"hello") + TAG_SIZE + 16)], FormatError, "no nonce"),
    (GOOD[:-(len(b"hello") + TAG_SIZE)], FormatError, "truncated after chunk 0"),
    (GOOD[:-1], DecryptionError, "chunk 0 fails"),
    (GOOD + b"\0", DecryptionError, "chunk 0 fails"),
    (TWO_CHUNKS[:-(10 + TAG_SIZE)], FormatError, "truncated after chunk 1"),
    (TWO_CHUNKS[:-1], DecryptionError, "chunk 1 fails"),
    (FULL_LAST + b"x" * 17, FormatError, "17 bytes after the final chunk"),
    (FULL_LAST + b"x", FormatError, "1 bytes after the final chunk"),
])
def test_truncated_or_extended_payloads_are_refused(data: bytes, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        reopen(data)


def test_an_empty_final_chunk_after_full_chunks_is_refused() -> None:
    # age never writes one (a full final chunk is flagged instead) and refuses to read one.
    aead = ChaCha20Poly1305(age._hkdf(KEY, NONCE, b"payload"))
    chunk0 = aead.encrypt(bytes(12), bytes(CHUNK_SIZE), None)  # full, not final
    chunk1 = aead.encrypt((1).to_bytes(11, "big") + b"\x01", b"", None)  # empty, final
    head = FULL_LAST[: FULL_LAST.index(b"\n", FULL_LAST.index(b"\n---") + 1) + 1]
    with pytest.raises(FormatError, match="empty chunk after other chunks"):
        reopen(head + NONCE + chunk0 + chunk1)


@pytest.mark.parametrize("offset", [16, 17, 100, -17, -1])
def test_a_flipped_payload_byte_fails_authentication(offset: int) -> None:
    data = bytearray(TWO_CHUNKS)
    payload_start = TWO_CHUNKS.index(b"\n", TWO_CHUNKS.index(b"\n---") + 1) + 1
    data[payload_start + offset if offset >= 0 else offset] ^= 1
    with pytest.raises(DecryptionError, match="fails authentication"):
        reopen(bytes(data))


def test_a_flipped_nonce_byte_fails_authentication() -> None:
    data = bytearray(GOOD)
    data[-(len(b"hello") + TAG_SIZE + 1)] ^= 1
    with pytest.raises(DecryptionError):
        reopen(bytes(data))


def test_seal_refuses_a_long_file_key_and_no_stanza() -> None:
    with pytest.raises(FormatError, match="file key must be 16 bytes, got 32"):
        age.seal([X25519], bytes(32), b"")
    with pytest.raises(FormatError, match="at least one stanza"):
        age.seal([], KEY, b"")


@pytest.mark.parametrize("arg", ["", "a b", "é", "a\n"])
def test_stanza_arguments_must_be_printable_ascii(arg: str) -> None:
    with pytest.raises(FormatError, match="not printable ascii"):
        Stanza("X25519", (arg,))
