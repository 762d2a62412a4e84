"""Contribution format vectors (FORMAT §2.2, §2.3, §3), one case per file.

Every vector is checked twice: against `capsule.core`, and against `_Reference` below, a
from-the-spec reader written only from docs/FORMAT.md with `cryptography` and `hashlib` — the
kind of short program someone in 2036 would write. If the two ever disagree, one of them (or
the spec) is wrong.

Header keys, by construction (every vector also has `expect`, `construction`, `description`):
  stream          key, plaintext_size, plaintext_sha256 (success); error (otherwise)
  attachment-key  dek, index; payload = the derived key
  document        commitment (success); error (otherwise); payload = the document bytes
  document-blob   dek, capsule_id, contribution_id, commitment; error; payload = document.bin
  dek-wrap        private_key, capsule_id, contribution_id, dek; error; payload = wrapped DEK
  capsule-key     private_key; payload = the public key
  prekey          master, capsule_id, private_key; error; payload = the prekey blob

The vectors were made once by `python -m tests.vectors.test_vectors_envelope` (deterministic
except the HPKE wrap, whose randomness the library does not expose). Rerunning it writes only
missing files; `--force` rewrites all (the HPKE wrap then changes).
"""

from __future__ import annotations

import hashlib
from uuid import UUID

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from capsule.core import envelope, keys, stream
from capsule.core.errors import CapsuleError, FormatError, TamperError
from tests.vectors.loader import HERE, Vector, format_vector, load_vectors

ALLOWED = {
    "stream": {"key", "plaintext_size", "plaintext_sha256", "error"},
    "attachment-key": {"dek", "index"},
    "document": {"commitment", "error"},
    "document-blob": {"dek", "capsule_id", "contribution_id", "commitment", "error"},
    "dek-wrap": {"private_key", "capsule_id", "contribution_id", "dek", "error"},
    "capsule-key": {"private_key"},
    "prekey": {"master", "capsule_id", "private_key", "error"},
}
VECTORS = [v for v in load_vectors("*.txt") if v.headers.get("construction") in ALLOWED]
ERRORS: dict[str, type[CapsuleError]] = {"malformed": FormatError, "tampered": TamperError}


class _Reference:
    """FORMAT §3 read literally, independent of capsule.core."""

    @staticmethod
    def stream_decrypt(key: bytes, blob: bytes) -> bytes:
        aead, out, j = AESGCM(key), [], 0
        chunks = [blob[i : i + 65552] for i in range(0, len(blob), 65552)] or [b""]
        for j, chunk in enumerate(chunks):
            last = j == len(chunks) - 1
            if len(chunk) < 16 or (last and j > 0 and len(chunk) == 16):
                raise ValueError("malformed")
            out.append(aead.decrypt(j.to_bytes(11, "big") + bytes([last]), chunk, b""))
        return b"".join(out)

    @staticmethod
    def attachment_key(dek: bytes, index: int) -> bytes:
        info = b"capsule/v1 attachment" + index.to_bytes(4, "big")
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(dek)

    @staticmethod
    def open_document(dek: bytes, capsule_id: UUID, contribution_id: UUID, blob: bytes) -> bytes:
        aad = b"capsule/v1 document" + capsule_id.bytes + contribution_id.bytes
        return AESGCM(dek).decrypt(blob[:12], blob[12:], aad)


def _uuid(vector: Vector, key: str) -> UUID:
    return UUID(vector.headers[key])


def _check(vector: Vector) -> bytes | None:
    """Run the vector through capsule.core; return what it produced (None if nothing)."""
    h, c = vector.headers, vector.headers["construction"]
    if c == "stream":
        dec = stream.StreamDecryptor(vector.hex("key"))
        out = dec.update(vector.payload) + dec.finalize()
        assert (dec.size, dec.sha256) == (int(h["plaintext_size"]), h["plaintext_sha256"])
        assert stream.plaintext_size(len(vector.payload)) == dec.size
        return out
    if c == "attachment-key":
        return envelope.attachment_key(vector.hex("dek"), int(h["index"]))
    if c == "document":
        document = envelope.parse_document(vector.payload)
        assert envelope.encode_document(document) == vector.payload
        envelope.check_commitment(vector.payload, vector.hex("commitment"))
        return None
    if c == "document-blob":
        ids = _uuid(vector, "capsule_id"), _uuid(vector, "contribution_id")
        data = envelope.open_document(vector.hex("dek"), *ids, vector.payload)
        envelope.check_commitment(data, vector.hex("commitment"))
        return data
    if c == "dek-wrap":
        ids = _uuid(vector, "capsule_id"), _uuid(vector, "contribution_id")
        return envelope.unwrap_dek(vector.hex("private_key"), *ids, vector.payload)
    if c == "capsule-key":
        return keys.public_key_of(vector.hex("private_key"))
    if c == "prekey":
        return keys.unwrap_prekey(vector.hex("master"), _uuid(vector, "capsule_id"), vector.payload)
    raise AssertionError(f"no checker for {c}")


def test_there_are_vectors_for_every_construction_and_outcome() -> None:
    assert {v.headers["construction"] for v in VECTORS} == set(ALLOWED)
    assert {v.expect for v in VECTORS} == {"success", "malformed", "tampered"}


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_envelope_vector(vector: Vector) -> None:
    vector.check_keys(ALLOWED[vector.headers["construction"]] | {"description"})
    assert vector.headers.get("description"), f"{vector.path.name}: say what the case is"
    if vector.expect == "success":
        produced = _check(vector)
        expected = {
            "attachment-key": vector.payload,
            "capsule-key": vector.payload,
            "dek-wrap": vector.hex("dek") if "dek" in vector.headers else None,
            "prekey": vector.hex("private_key") if "private_key" in vector.headers else None,
        }.get(vector.headers["construction"])
        if expected is not None:
            assert produced == expected
        return
    assert "error" in vector.headers, f"{vector.path.name}: a failing vector must say its error"
    with pytest.raises(ERRORS[vector.expect], match=vector.headers["error"]):
        _check(vector)


REFERENCE_CHECKED = {"stream", "attachment-key", "document-blob"}


@pytest.mark.parametrize("vector", [v for v in VECTORS if v.headers["construction"] in
                                    REFERENCE_CHECKED], ids=lambda v: v.name)
def test_reference_reader_agrees(vector: Vector) -> None:
    h = vector.headers
    if h["construction"] == "attachment-key":
        assert _Reference.attachment_key(vector.hex("dek"), int(h["index"])) == vector.payload
    elif h["construction"] == "stream":
        if vector.expect == "success":
            plain = _Reference.stream_decrypt(vector.hex("key"), vector.payload)
            assert len(plain) == int(h["plaintext_size"])
            assert hashlib.sha256(plain).hexdigest() == h["plaintext_sha256"]
        else:
            with pytest.raises(Exception):  # noqa: B017 - InvalidTag or ValueError, either refuses
                _Reference.stream_decrypt(vector.hex("key"), vector.payload)
    else:
        ids = _uuid(vector, "capsule_id"), _uuid(vector, "contribution_id")
        if vector.expect == "success":
            plain = _Reference.open_document(vector.hex("dek"), *ids, vector.payload)
            assert hashlib.sha256(plain).digest() == vector.hex("commitment")
        else:
            with pytest.raises(Exception):  # noqa: B017
                _Reference.open_document(vector.hex("dek"), *ids, vector.payload)


# --- The generator (run by hand; its output is committed) ---------------------------------

Cases = dict[str, tuple[dict[str, str], bytes]]


def _fixed(label: str, size: int = 32) -> bytes:
    out = b""
    while len(out) < size:
        out += hashlib.sha256(f"capsule test vector {label} {len(out)}".encode()).digest()
    return out[:size]


def _pattern(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


def _case(out: Cases, name: str, construction: str, expect: str, description: str,
          payload: bytes, **headers: str) -> None:
    head = {"expect": expect, "construction": construction, "description": description}
    out[name] = (head | headers, payload)


def _stream_cases(out: Cases) -> None:  # pragma: no cover - run by hand
    key = _fixed("stream key")
    aead = AESGCM(key)

    def enc(plain: bytes) -> bytes:
        e = stream.StreamEncryptor(key)
        return e.update(plain) + e.finalize()

    def ok(name: str, description: str, plain: bytes) -> None:
        _case(out, name, "stream", "success", description, enc(plain), key=key.hex(),
              plaintext_size=str(len(plain)), plaintext_sha256=hashlib.sha256(plain).hexdigest())

    def bad(name: str, expect: str, description: str, blob: bytes, error: str) -> None:
        _case(out, name, "stream", expect, description, blob, key=key.hex(), error=error)

    two, one_full = enc(_pattern(65537)), enc(_pattern(65536))
    flipped = bytearray(enc(b"hello world"))
    flipped[3] ^= 0x10
    last = r"\(the last\) does not authenticate"
    ok("stream_empty", "empty plaintext: one empty last chunk (16 bytes)", b"")
    ok("stream_one_chunk", "the 11 bytes 'hello world': one last chunk", b"hello world")
    ok("stream_exact_chunk", "65536 bytes i mod 251: one full chunk, flagged last", _pattern(65536))
    ok("stream_two_chunks", "65537 bytes i mod 251: a full chunk, then a 1-byte last chunk",
       _pattern(65537))
    bad("stream_truncated_last_chunk", "tampered", "stream_two_chunks without its last chunk",
        two[:65552], f"chunk 0 {last}")
    bad("stream_reordered_chunks", "tampered", "stream_two_chunks with its two chunks swapped",
        two[65552:] + two[:65552], "chunk 0 does not authenticate")
    bad("stream_extended", "tampered", "stream_exact_chunk, then a well-formed chunk 1 (last)",
        one_full + aead.encrypt(stream.chunk_nonce(1, True), b"x", None),
        "chunk 0 does not authenticate")
    bad("stream_trailing_empty_chunk", "malformed",
        "65536 bytes framed as a full non-last chunk and an empty last chunk (FORMAT forbids it)",
        aead.encrypt(stream.chunk_nonce(0, False), _pattern(65536), None)
        + aead.encrypt(stream.chunk_nonce(1, True), b"", None),
        "empty final chunk after a non-empty one")
    bad("stream_truncated_inside_tag", "malformed", "stream_empty without its last byte",
        enc(b"")[:-1], "truncated: chunk 0 has 15 bytes")
    bad("stream_flipped_bit", "tampered", "stream_one_chunk with bit 4 of byte 3 flipped",
        bytes(flipped), f"chunk 0 {last}")


def _envelope_cases(out: Cases) -> None:  # pragma: no cover - run by hand
    import unicodedata
    from datetime import UTC, datetime

    dek = _fixed("dek")
    for index, name in ((258, "attachment_key_derivation"), (0, "attachment_key_index_0")):
        _case(out, name, "attachment-key", "success",
              f"HKDF-SHA256(DEK, 'capsule/v1 attachment' || u32({index})), empty salt",
              envelope.attachment_key(dek, index), dek=dek.hex(), index=str(index))

    capsule_id = UUID("6f1c5a4e-2b7d-4c1e-9a3f-5d8e7b6c4a21")
    item_id = UUID("0b9d3e52-7a41-4f6c-8e2d-1c5b9a7f3e60")
    other_id = UUID("0b9d3e52-7a41-4f6c-8e2d-1c5b9a7f3e61")
    ids = {"capsule_id": str(capsule_id), "contribution_id": str(item_id)}
    author = "Айгүл Серікқызы"  # й decomposes in NFD
    meta = envelope.describe_attachment(
        "сурет.jpg", "image/jpeg", hashlib.sha256(_pattern(65537)).hexdigest(), 65537)
    document = envelope.build_document(
        capsule_id=capsule_id, contribution_id=item_id, kind="appeal",
        title="Болашақ еріктілерге үндеу", body="Құрметті достар!\nБіз 2026 жылы…",
        author=author, role="төраға", organization="Almaty Volunteers", language="kk",
        submitted_at=datetime(2026, 3, 5, 10, 0, tzinfo=UTC), attachments=[meta],
        _salt=_fixed("salt"))
    commitment = envelope.commitment_of(document).hex()
    _case(out, "document_commitment", "document", "success",
          "a Kazakh appeal with one attachment; commitment = SHA-256(payload)",
          document, commitment=commitment)
    _case(out, "document_not_canonical", "document", "malformed",
          "document_commitment with one space after a comma",
          document.replace(b'","', b'", "', 1), error="not in canonical form")
    nfd = document.replace(author.encode(), unicodedata.normalize("NFD", author).encode())
    assert nfd != document
    _case(out, "document_not_nfc", "document", "malformed",
          "document_commitment with its author in NFD (й as и + combining breve)",
          nfd, error="author is not in Unicode NFC")
    blob = envelope.seal_document(dek, capsule_id, item_id, document, _nonce=_fixed("nonce", 12))
    _case(out, "document_blob", "document-blob", "success",
          "document_commitment sealed under the DEK; nonce fixed for the vector",
          blob, dek=dek.hex(), **ids, commitment=commitment)
    _case(out, "document_blob_wrong_contribution", "document-blob", "tampered",
          "document_blob opened as if it belonged to another contribution (AAD binding)",
          blob, dek=dek.hex(), **(ids | {"contribution_id": str(other_id)}),
          commitment=commitment, error="does not decrypt")

    private = _fixed("mlkem seed", 64) + _fixed("x25519 key")
    public = keys.public_key_of(private)
    _case(out, "capsule_key_public", "capsule-key", "success",
          "public key (1184 + 32 bytes) of a fixed 64-byte ML-KEM seed || X25519 key",
          public, private_key=private.hex())
    wrapped = envelope.wrap_dek(public, capsule_id, item_id, dek)
    _case(out, "dek_wrap", "dek-wrap", "success",
          "the DEK sealed by HPKE to capsule_key_public (enc 1120 || ct 48)",
          wrapped, private_key=private.hex(), **ids, dek=dek.hex())
    _case(out, "dek_wrap_wrong_capsule", "dek-wrap", "tampered",
          "dek_wrap opened with another capsule id in the HPKE info",
          wrapped, private_key=private.hex(), **(ids | {"capsule_id": str(other_id)}),
          error="does not open with this capsule key")
    master = _fixed("master key")
    prekey = keys.wrap_prekey(master, capsule_id, private, _nonce=_fixed("prekey nonce", 12))
    _case(out, "prekey_wrap", "prekey", "success",
          "capsule_key_public's private key under the master key; nonce fixed",
          prekey, master=master.hex(), capsule_id=str(capsule_id), private_key=private.hex())


if __name__ == "__main__":  # pragma: no cover
    import sys

    # Published vectors never change: existing files are kept unless --force.
    force = "--force" in sys.argv[1:]
    cases: Cases = {}
    _stream_cases(cases)
    _envelope_cases(cases)
    for name, (headers, payload) in cases.items():
        path = HERE / f"{name}.txt"
        if path.exists() and not force:
            continue
        path.write_text(format_vector(headers, payload))
        print(f"wrote {path.name} ({len(payload)} bytes)")
