"""The Merkle tree over the sealed set: RFC 9162 §2.1 (identical to RFC 6962 §2.1).

A leaf input is the raw bytes the tree commits to (in a capsule: a 32-byte commitment,
FORMAT §4); the functions here accept any bytes so the published Certificate Transparency
vectors check this code as they are. Path elements and roots are always 32-byte hashes.

`MerkleTree` is built once, level by level, in O(n) hashes: each level pairs neighbours and
promotes a lone last node unchanged to the next level. That gives exactly the RFC's tree
(split at the largest power of two below n), which the tests prove against the recursive
definition. Any node of the RFC tree is then one list lookup, so inclusion and consistency
proofs cost O(log n) each, and a seal of 100 000 items computes every receipt's proof at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

from capsule.core.errors import FormatError, TamperError

HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data), the hash of one leaf input."""
    # 0x00 vs 0x01 keeps leaves and inner nodes apart (RFC 9162 §2.1.1): no second preimage.
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right), the hash of an inner node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """The RFC 9162 tree of `leaves` (raw leaf inputs), every node hash kept for proofs."""

    __slots__ = ("_levels",)

    def __init__(self, leaves: Iterable[bytes]) -> None:
        level = [leaf_hash(bytes(leaf)) for leaf in leaves]
        self._levels: list[list[bytes]] = [level]
        while len(level) > 1:
            up = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                up.append(level[-1])  # the lone last node moves up as it is (no self-pairing)
            self._levels.append(up)
            level = up

    @property
    def size(self) -> int:
        return len(self._levels[0])

    @property
    def root(self) -> bytes:
        """The Merkle Tree Hash; SHA-256("") for the empty tree."""
        return self._levels[-1][0] if self.size else EMPTY_ROOT

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The RFC 9162 §2.1.3.1 audit path of leaf `index`, from the leaf up to the root.

        Raises:
            FormatError: `index` is not a leaf of this tree.
        """
        _check_index(index, self.size)
        path = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):  # no sibling: the node was promoted, the RFC path skips it
                path.append(level[sibling])
            index >>= 1
        return path

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """The RFC 9162 §2.1.4.1 proof that the first `old_size` leaves are a prefix of this tree.

        Raises:
            FormatError: `old_size` is negative or larger than the tree.
        """
        if not 0 <= old_size <= self.size:
            raise FormatError(f"old tree size {old_size} is not within 0..{self.size}")
        if old_size in (0, self.size):
            return []
        return self._subproof(old_size, 0, self.size, complete=True)

    def _subproof(self, m: int, start: int, n: int, complete: bool) -> list[bytes]:
        # SUBPROOF(m, D[start:start+n], complete), RFC 9162 §2.1.4.1, with nodes looked up.
        if m == n:
            return [] if complete else [self._node(start, n)]
        k = _split(n)
        if m <= k:
            return self._subproof(m, start, k, complete) + [self._node(start + k, n - k)]
        return self._subproof(m - k, start + k, n - k, False) + [self._node(start, k)]

    def _node(self, start: int, count: int) -> bytes:
        # Every RFC node is either a complete 2^l subtree aligned at start, or the right edge
        # of the tree; both are entry start >> l of level l = ceil(log2(count)).
        height = (count - 1).bit_length()
        return self._levels[height][start >> height]


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash (RFC 9162 §2.1.1) of the raw leaf inputs."""
    return MerkleTree(leaves).root


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of `leaves[index]`; build a `MerkleTree` once when you need many.

    Raises:
        FormatError: `index` is not a leaf of the tree.
    """
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that `leaves[:old_size]` is a prefix of the tree of `leaves`.

    Raises:
        FormatError: `old_size` is not within 0..len(leaves).
    """
    return MerkleTree(leaves).consistency_proof(old_size)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `leaf` (a raw leaf input) is leaf `index` of the tree of `size` with `root`.

    This is RFC 9162 §2.1.3.2 step by step. The proof binds the leaf and its index but not the
    tree size on its own (a few other sizes give the same path shape): take `size` and `root`
    together from the signed certificate, never from the proof's sender.

    Raises:
        FormatError: `index` is not below `size`, or a hash is not 32 bytes.
        TamperError: the proof does not lead from the leaf to `root`.
    """
    _check_index(index, size)
    _check_hashes(proof, root)
    what = f"inclusion proof for leaf {index} of {size}"
    fn, sn = index, size - 1
    r = leaf_hash(bytes(leaf))
    for p in proof:
        if sn == 0:
            raise TamperError(f"{what}: too many hashes ({len(proof)})")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # A last node with no right sibling was promoted: climb to where it is a right child.
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise TamperError(f"{what}: too few hashes ({len(proof)})")
    if r != root:
        raise TamperError(f"{what} leads to root {r.hex()}, not {root.hex()}")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of `size1` with `root1` is a prefix of the tree of `size2` with `root2`.

    RFC 9162 §2.1.4.2, with the edge cases of its reference implementations made explicit:
    equal sizes need an empty proof and equal roots; the empty tree needs an empty proof.

    Raises:
        FormatError: sizes out of order, or a hash is not 32 bytes.
        TamperError: the proof does not connect the two roots.
    """
    if not 0 <= size1 <= size2:
        raise FormatError(f"tree sizes {size1} and {size2} must satisfy 0 <= first <= second")
    _check_hashes(proof, root1, root2)
    what = f"consistency proof from {size1} to {size2}"
    if size1 == size2 or size1 == 0:
        if proof:
            raise TamperError(f"{what} must be empty, has {len(proof)} hashes")
        if size1 == 0 and root1 != EMPTY_ROOT:
            raise TamperError(f"the empty tree has root {EMPTY_ROOT.hex()}, not {root1.hex()}")
        if size1 == size2 and root1 != root2:
            raise TamperError(f"trees of size {size1} have roots {root1.hex()} and {root2.hex()}")
        return
    if not proof:
        raise TamperError(f"{what} is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: the old root is itself a node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise TamperError(f"{what}: too many hashes ({len(proof)})")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise TamperError(f"{what}: too few hashes ({len(proof)})")
    if fr != root1:
        raise TamperError(f"{what} leads to old root {fr.hex()}, not {root1.hex()}")
    if sr != root2:
        raise TamperError(f"{what} leads to new root {sr.hex()}, not {root2.hex()}")


def _split(n: int) -> int:
    # The largest power of two strictly smaller than n (n > 1).
    return 1 << ((n - 1).bit_length() - 1)


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise FormatError(f"leaf index {index} is not within a tree of size {size}")


def _check_hashes(proof: Sequence[bytes], *roots: bytes) -> None:
    for root in roots:
        if len(root) != HASH_SIZE:
            raise FormatError(f"root must be {HASH_SIZE} bytes, got {len(root)}")
    for i, p in enumerate(proof):
        if len(p) != HASH_SIZE:
            raise FormatError(f"proof hash {i} must be {HASH_SIZE} bytes, got {len(p)}")
