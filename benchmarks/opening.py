"""Opening throughput (FORMAT §9.2): small contributions per second, and attachment MB/s next
to raw AES-256-GCM on the same data.

    .venv/bin/python -m benchmarks.opening [--items N] [--megabytes M]

Small items: N documents of a few hundred bytes (no attachments), opened by
`capsule.core.opening.open_items` into a sink that keeps nothing: per item one HPKE
(ML-KEM-768 + X25519) unwrap, one AES-GCM document, the blob's and the document's SHA-256, the
parse and the checks. "raw" is the HPKE unwrap and AES-GCM alone.

Attachments: M MB in 64 MiB attachments, through the same function: STREAM decryption with
the blob's SHA-256 (against the manifest) and the plaintext's (against the document). "raw" is
AES-256-GCM over the same 64 KiB chunks and nothing else. `check_blobs=False` is the archive
writer's case (the ciphertext was hashed while copied): one SHA-256 pass instead of two. The
ciphertext is made once and
served from memory for every item (they share a data key, which only a benchmark may do), so
disk speed is not measured. Peak memory shows that the attachments are never held whole.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import time
from datetime import UTC, datetime
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from capsule.core import canonical
from capsule.core.envelope import (
    attachment_key,
    build_document,
    describe_attachment,
    encrypt_document,
    new_dek,
    open_document,
    unwrap_dek,
)
from capsule.core.keys import generate_capsule_key
from capsule.core.lifecycle import Kind
from capsule.core.manifest import AnyKeySeal, SealedRow, blob_name, build_manifest
from capsule.core.opening import NullSink, open_items
from capsule.core.stream import CHUNK_SIZE, SEALED_CHUNK_SIZE, StreamEncryptor, chunk_nonce

WHEN = datetime(2026, 3, 5, 5, 0, tzinfo=UTC)
SEAL = AnyKeySeal(sealed_keys=[canonical.b64(bytes(124))])  # never opened here
ATTACHMENT = 64 * 1024 * 1024
PIECE = 1024 * 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _document(cid: UUID, xid: UUID, n: int, attachments=()) -> bytes:  # type: ignore[no-untyped-def]
    return build_document(
        capsule_id=cid, contribution_id=xid, kind="goal", title=f"Мақсат №{n}",
        body="Еріктілер қозғалысы әр ауданда. " * 8, author="Айгүл Серікқызы", role="Төраға",
        organization="Еріктілер альянсы", language="kk", submitted_at=WHEN,
        attachments=attachments)


def small_items(count: int) -> None:
    pair, cid = generate_capsule_key(), uuid4()
    rows, blobs, raw_inputs = [], {}, []
    for n in range(count):
        xid = uuid4()
        sealed = encrypt_document(pair.public, cid, xid, _document(cid, xid, n))
        rows.append(SealedRow(id=xid, submitted_at=WHEN, kind=Kind.GOAL,
                              commitment=sealed.commitment, wrapped_dek=sealed.wrapped_dek,
                              blobs=[(hashlib.sha256(sealed.blob).digest(), len(sealed.blob))]))
        blobs[xid] = sealed.blob
        raw_inputs.append((xid, sealed.wrapped_dek, sealed.blob))
    manifest = build_manifest(cid, rows, SEAL)
    by_name = {blob_name(item.index, 0): blobs[item.id] for item in manifest.items}

    start = time.perf_counter()
    report = open_items(pair.private, cid, manifest, lambda name: (by_name[name],), NullSink())
    opened = time.perf_counter() - start
    assert report.verified == count, report.failed[:3]

    start = time.perf_counter()
    for xid, wrapped, blob in raw_inputs:
        open_document(unwrap_dek(pair.private, cid, xid, wrapped), cid, xid, blob)
    raw = time.perf_counter() - start
    print(f"small items  {count} opened in {opened:.2f} s: {count / opened:,.0f} items/s "
          f"(raw HPKE + AES-GCM: {count / raw:,.0f} items/s, ratio {opened / raw:.2f})")


def attachments(megabytes: int) -> None:
    total = megabytes * 1024 * 1024
    count = max(1, total // ATTACHMENT)
    pair, cid, dek = generate_capsule_key(), uuid4(), new_dek()
    plaintext = os.urandom(ATTACHMENT)
    enc = StreamEncryptor(attachment_key(dek, 0))
    cipher = enc.update(plaintext) + enc.finalize()
    meta = describe_attachment("video.bin", "application/octet-stream", enc.sha256, enc.size)
    del plaintext
    cipher_ref = (hashlib.sha256(cipher).digest(), len(cipher))
    rows, docs = [], {}
    for n in range(count):
        xid = uuid4()
        sealed = encrypt_document(pair.public, cid, xid, _document(cid, xid, n, [meta]), dek=dek)
        docs[xid] = sealed.blob
        rows.append(SealedRow(id=xid, submitted_at=WHEN, kind=Kind.GOAL,
                              commitment=sealed.commitment, wrapped_dek=sealed.wrapped_dek,
                              blobs=[(hashlib.sha256(sealed.blob).digest(), len(sealed.blob)),
                                     cipher_ref]))
    manifest = build_manifest(cid, rows, SEAL)
    by_name = {blob_name(i.index, 0): docs[i.id] for i in manifest.items}
    view = memoryview(cipher)

    def read(name: str):  # type: ignore[no-untyped-def]
        if name.endswith("document.bin"):
            return (by_name[name],)
        return (view[i : i + PIECE] for i in range(0, len(cipher), PIECE))

    mb = count * ATTACHMENT / 1e6
    before = _peak_mb()
    times = {}
    for check_blobs in (True, False):
        start = time.perf_counter()
        report = open_items(pair.private, cid, manifest, read, NullSink(), check_blobs=check_blobs)
        times[check_blobs] = time.perf_counter() - start
        assert report.verified == count, report.failed[:3]
    after = _peak_mb()

    aead = AESGCM(attachment_key(dek, 0))
    chunks = [view[i : i + SEALED_CHUNK_SIZE] for i in range(0, len(cipher), SEALED_CHUNK_SIZE)]
    start = time.perf_counter()
    for _ in range(count):
        for j, chunk in enumerate(chunks):
            aead.decrypt(chunk_nonce(j, j == len(chunks) - 1), chunk, None)
    raw = time.perf_counter() - start
    print(f"attachments  {mb:,.0f} MB in {count} × 64 MiB attachments, {CHUNK_SIZE // 1024} KiB "
          f"chunks; raw AES-256-GCM {mb / raw:,.0f} MB/s")
    for check_blobs, label in ((True, "open_items"), (False, "open_items(check_blobs=False)")):
        took = times[check_blobs]
        print(f"  {label:30} {took:5.2f} s  {mb / took:6,.0f} MB/s  ratio to raw {took / raw:.2f}")
    print(f"  peak memory {before:,.0f} MB before opening (test data), {after:,.0f} MB after")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.opening", description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--megabytes", type=int, default=1024)
    args = parser.parse_args(argv)
    small_items(args.items)
    attachments(args.megabytes)


if __name__ == "__main__":
    main()
