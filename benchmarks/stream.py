"""STREAM (capsule.core.stream) against raw single-shot AES-256-GCM, side by side.

    .venv/bin/python -m benchmarks.stream [--mib N] [--runs N] [--big-mb N]

Throughput: the same N MiB of random bytes through raw `AESGCM.encrypt/decrypt` (one call,
whole buffer in memory), raw plus the SHA-256 of the plaintext that STREAM also computes (the
fair baseline), and STREAM: `update()` fed whole and in 1 MiB pieces (output kept, like raw),
and the `stream()` generator into a drain (output dropped, as a database writer would); best
of `--runs`. Memory: tracemalloc peak while `--big-mb` MB go through encrypt
then decrypt, streamed from a generator into a hashing sink, against the raw single-shot way.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
import tracemalloc
from collections.abc import Callable, Iterator

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from capsule.core.stream import StreamDecryptor, StreamEncryptor

KEY = bytes(range(32))
NONCE = bytes(12)
PIECE = 1 << 20


def _best(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _pieces(data: bytes) -> Iterator[memoryview]:
    view = memoryview(data)
    return (view[i : i + PIECE] for i in range(0, len(data), PIECE))


def _stream_encrypt(data: bytes, pieces: bool | int) -> bytes:
    enc = StreamEncryptor(KEY)
    if not pieces:
        return enc.update(data) + enc.finalize()
    return b"".join([*(enc.update(p) for p in _pieces(data)), enc.finalize()])


def _stream_decrypt(blob: bytes, pieces: bool | int) -> bytes:
    dec = StreamDecryptor(KEY)
    if not pieces:
        return dec.update(blob) + dec.finalize()
    return b"".join([*(dec.update(p) for p in _pieces(blob)), dec.finalize()])


def _source(total: int) -> Iterator[memoryview]:
    block = memoryview(os.urandom(PIECE))
    sent = 0
    while sent < total:
        n = min(PIECE, total - sent)
        sent += n
        yield block[:n]


def _peak(fn: Callable[[], object]) -> tuple[int, float]:
    tracemalloc.start()
    try:
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        return tracemalloc.get_traced_memory()[1], elapsed
    finally:
        tracemalloc.stop()


def _drain(items: Iterator[bytes]) -> None:
    for _ in items:
        pass


def throughput(mib: int, runs: int) -> None:
    data = os.urandom(mib << 20)
    aead = AESGCM(KEY)
    raw_ct = aead.encrypt(NONCE, data, None)
    blob = _stream_encrypt(data, pieces=False)
    assert _stream_decrypt(blob, pieces=True) == data

    def raw_hashed(fn: Callable[[], bytes]) -> Callable[[], object]:
        # STREAM also hashes the plaintext (the document lists its SHA-256): the fair baseline.
        return lambda: (fn(), hashlib.sha256(data).digest())

    raw_enc = lambda: aead.encrypt(NONCE, data, None)  # noqa: E731
    raw_dec = lambda: aead.decrypt(NONCE, raw_ct, None)  # noqa: E731
    stream_enc = lambda: _drain(StreamEncryptor(KEY).stream(_pieces(data)))  # noqa: E731
    stream_dec = lambda: _drain(StreamDecryptor(KEY).stream(_pieces(blob)))  # noqa: E731
    rows = [
        ("encrypt", "raw AES-256-GCM, one call", _best(raw_enc, runs)),
        ("encrypt", "raw + SHA-256 of plaintext", _best(raw_hashed(raw_enc), runs)),
        ("encrypt", "STREAM update(), whole", _best(lambda: _stream_encrypt(data, False), runs)),
        ("encrypt", "STREAM update(), 1 MiB pieces", _best(lambda: _stream_encrypt(data, 1), runs)),
        ("encrypt", "STREAM stream() to a drain", _best(stream_enc, runs)),
        ("decrypt", "raw AES-256-GCM, one call", _best(raw_dec, runs)),
        ("decrypt", "raw + SHA-256 of plaintext", _best(raw_hashed(raw_dec), runs)),
        ("decrypt", "STREAM update(), whole", _best(lambda: _stream_decrypt(blob, False), runs)),
        ("decrypt", "STREAM update(), 1 MiB pieces", _best(lambda: _stream_decrypt(blob, 1), runs)),
        ("decrypt", "STREAM stream() to a drain", _best(stream_dec, runs)),
    ]
    print(f"throughput, {mib} MiB of random bytes, best of {runs} (MB = 10^6 bytes):")
    raw = {(op, name.startswith("raw +")): s for op, name, s in rows if name.startswith("raw")}
    for op, name, secs in rows:
        ratios = (f"stream/raw = {raw[op, False] / secs:.2f}×   "
                  f"stream/(raw+sha256) = {raw[op, True] / secs:.2f}×")
        print(f"  {op:8} {name:30} {len(data) / secs / 1e6:7.0f} MB/s   {ratios}")


def memory(big_mb: int) -> None:
    total = big_mb * 1_000_000

    def streamed() -> None:
        sink = hashlib.sha256()
        enc = StreamEncryptor(KEY)
        dec = StreamDecryptor(KEY)
        for plain in dec.stream(enc.stream(_source(total))):
            sink.update(plain)
        assert dec.size == total and sink.hexdigest() == enc.sha256

    def single_shot() -> None:
        data = b"".join(_source(total))
        aead = AESGCM(KEY)
        ct = aead.encrypt(NONCE, data, None)
        assert len(aead.decrypt(NONCE, ct, None)) == total

    stream_peak, stream_secs = _peak(streamed)
    raw_peak, raw_secs = _peak(single_shot)
    print(f"memory, {big_mb} MB encrypted then decrypted (tracemalloc peak):")
    print(f"  STREAM, generator to hashing sink  {stream_peak / 2**20:8.1f} MiB   "
          f"({stream_secs:.2f} s, incl. the 1 MiB source block)")
    print(f"  raw AES-256-GCM, whole in memory   {raw_peak / 2**20:8.1f} MiB   ({raw_secs:.2f} s)")
    print(f"  stream/raw peak = {stream_peak / raw_peak:.4f}×")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.stream", description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=64, help="MiB per throughput run (64)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per row, best kept (3)")
    parser.add_argument("--big-mb", type=int, default=200, help="MB for the memory run (200)")
    args = parser.parse_args(argv)
    throughput(args.mib, args.runs)
    memory(args.big_mb)


if __name__ == "__main__":
    main()
