"""Sealing's Merkle work: the tree and every receipt's inclusion proof, against the naive way.

    .venv/bin/python -m benchmarks.merkle [--sizes N,...] [--naive-limit N] [--sample N]
                                            [--naive-full] [--runs N]

`MerkleTree` (capsule.core.merkle) hashes each level once, O(n), then reads each proof off the
levels in O(log n). The naive way computes each proof from the RFC 9162 definition
(PATH(m, D[n]), recursive, nothing kept between proofs): O(n) hashes per proof, O(n²) for all.
The naive way runs only up to `--naive-limit` leaves (default 10 000); above `--sample` proofs
its total is extrapolated from that many evenly spread proofs (marked ≈) unless `--naive-full`.
Leaves are 32-byte commitments; times are the best of `--runs`.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable

from capsule.core import merkle


def _mth(leaves: list[bytes]) -> bytes:
    # RFC 9162 §2.1.1, as written: recursive, no memory between calls.
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    # RFC 9162 §2.1.3.1 PATH(m, D[n]).
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*_naive_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_naive_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _best(fn: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _tree_and_all_proofs(leaves: list[bytes]) -> list[list[bytes]]:
    tree = merkle.MerkleTree(leaves)
    return [tree.inclusion_proof(i) for i in range(tree.size)]


def run(sizes: list[int], naive_limit: int, sample: int, naive_full: bool, runs: int) -> None:
    print(f"tree + every inclusion proof, 32-byte leaves, best of {runs} (naive: one run):")
    print(f"  {'leaves':>8}  {'build':>8}  {'all proofs':>10}  {'MerkleTree':>10}  "
          f"{'naive':>11}  {'naive / MerkleTree':>18}  {'per proof':>9}")
    for n in sizes:
        leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)]
        build = _best(lambda: merkle.MerkleTree(leaves), runs)
        total = _best(lambda: _tree_and_all_proofs(leaves), runs)
        tree = merkle.MerkleTree(leaves)
        proofs = _tree_and_all_proofs(leaves)
        # The two must agree (and the proofs verify) before their times mean anything.
        for i in range(0, n, max(1, n // 50)):
            merkle.verify_inclusion(leaves[i], i, n, proofs[i], tree.root)
            if n <= naive_limit:
                assert proofs[i] == _naive_path(i, leaves), i
        naive_text, ratio_text = "-", "-"
        if n <= naive_limit:
            step = 1 if naive_full or n <= sample else n // sample
            picks = range(0, n, step)
            start = time.perf_counter()
            for i in picks:
                _naive_path(i, leaves)
            naive = (time.perf_counter() - start) * n / len(picks)
            mark = "" if len(picks) == n else "≈"
            naive_text, ratio_text = f"{mark}{naive:9.2f} s", f"{mark}{naive / total:.0f}×"
        print(f"  {n:>8}  {build:6.3f} s  {total - build:8.3f} s  {total:8.3f} s  "
              f"{naive_text:>11}  {ratio_text:>18}  {total / n * 1e6:6.1f} µs")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.merkle", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--naive-limit", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=1000, help="naive proofs timed above this")
    parser.add_argument("--naive-full", action="store_true", help="time every naive proof")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    run(args.sizes, args.naive_limit, args.sample, args.naive_full, args.runs)


if __name__ == "__main__":
    main()
