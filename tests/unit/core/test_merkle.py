"""The Merkle tree against the published RFC 6962 vectors and the RFC's recursive definition.

testdata/merkle/ is a verbatim copy of /work/shared/testdata/merkle (its README says where each
value was published), so these tests run offline on a fresh clone.
"""

from __future__ import annotations

import hashlib
import json
import random
from functools import cache
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from capsule.core import merkle
from capsule.core.errors import FormatError, TamperError

VECTORS = json.loads((Path(__file__).parent / "testdata/merkle/rfc6962_vectors.json").read_text())
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves_hex"]]


def _h(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


# -- the reference: RFC 9162 §2.1 read literally, memoized per leaf list ---------------------


class Reference:
    """MTH, PATH and PROOF exactly as the RFC defines them (recursive split at 2^k < n)."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.mth = cache(self._mth)

    def _mth(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return hashlib.sha256(b"\x00" + self.leaves[start]).digest()
        k = 1
        while k * 2 < n:
            k *= 2
        left, right = self.mth(start, start + k), self.mth(start + k, end)
        return hashlib.sha256(b"\x01" + left + right).digest()

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = 1
        while k * 2 < n:
            k *= 2
        if m < k:
            return self.path(m, start, start + k) + [self.mth(start + k, end)]
        return self.path(m - k, start + k, end) + [self.mth(start, start + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        return self._subproof(m, 0, n, True) if 0 < m < n else []

    def _subproof(self, m: int, start: int, end: int, b: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if b else [self.mth(start, end)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return self._subproof(m, start, start + k, b) + [self.mth(start + k, end)]
        return self._subproof(m - k, start + k, end, False) + [self.mth(start, start + k)]


def _shape(index: int, size: int) -> list[str]:
    # Which side each path hash sits on, leaf to root, from the RFC's tree shape alone.
    if size == 1:
        return []
    k = 1
    while k * 2 < size:
        k *= 2
    return _shape(index, k) + ["right"] if index < k else _shape(index - k, size - k) + ["left"]


def _leaves(n: int, seed: int = 0) -> list[bytes]:
    return [hashlib.sha256(f"leaf {seed} {i}".encode()).digest() for i in range(n)]


# -- published vectors, as they are ----------------------------------------------------------


def test_empty_tree_hash_is_sha256_of_nothing() -> None:
    assert merkle.tree_hash([]).hex() == VECTORS["empty_root_hex"]
    assert merkle.MerkleTree([]).root == merkle.EMPTY_ROOT
    assert merkle.MerkleTree([]).size == 0


@pytest.mark.parametrize("case", VECTORS["roots"], ids=lambda c: f"size{c['tree_size']}")
def test_published_root(case: dict) -> None:
    assert merkle.tree_hash(LEAVES[: case["tree_size"]]).hex() == case["root_hex"]


@pytest.mark.parametrize(
    "case", VECTORS["inclusion"], ids=lambda c: f"size{c['tree_size']}-index{c['leaf_index']}"
)
def test_published_inclusion_proof(case: dict) -> None:
    n, i, want = case["tree_size"], case["leaf_index"], _h(case["path_hex"])
    assert merkle.inclusion_proof(LEAVES[:n], i) == want
    merkle.verify_inclusion(LEAVES[i], i, n, want, merkle.tree_hash(LEAVES[:n]))


@pytest.mark.parametrize(
    "case", VECTORS["consistency"], ids=lambda c: f"{c['size1']}-to-{c['size2']}"
)
def test_published_consistency_proof(case: dict) -> None:
    m, n, want = case["size1"], case["size2"], _h(case["proof_hex"])
    assert merkle.consistency_proof(LEAVES[:n], m) == want
    root1, root2 = merkle.tree_hash(LEAVES[:m]), merkle.tree_hash(LEAVES[:n])
    merkle.verify_consistency(m, n, want, root1, root2)


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"size{c['tree_size']}")
def test_published_inclusion_proof_with_a_flipped_bit_fails(case: dict) -> None:
    n, i, path = case["tree_size"], case["leaf_index"], _h(case["path_hex"])
    root = merkle.tree_hash(LEAVES[:n])
    for j in range(len(path)):
        bad = list(path)
        bad[j] = bytes([bad[j][0] ^ 0x01]) + bad[j][1:]
        with pytest.raises(TamperError, match=f"leaf {i} of {n} leads to root"):
            merkle.verify_inclusion(LEAVES[i], i, n, bad, root)


# -- the O(n) tree equals the RFC definition -------------------------------------------------


def test_tree_equals_the_recursive_definition_for_every_size_to_300() -> None:
    leaves = _leaves(300)
    ref = Reference(leaves)
    for n in range(301):
        tree = merkle.MerkleTree(leaves[:n])
        assert tree.size == n
        assert tree.root == ref.mth(0, n), n
        for i in range(n):
            assert tree.inclusion_proof(i) == ref.path(i, 0, n), (n, i)
        for m in range(n + 1):
            assert tree.consistency_proof(m) == ref.proof(m, n), (m, n)


@given(st.integers(301, 5000), st.integers(0, 2**32), st.data())
def test_tree_equals_the_recursive_definition_for_larger_sizes(
    n: int, seed: int, data: st.DataObject
) -> None:
    leaves = _leaves(n, seed)
    ref = Reference(leaves)
    tree = merkle.MerkleTree(leaves)
    assert tree.root == ref.mth(0, n)
    for i in data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5)):
        assert tree.inclusion_proof(i) == ref.path(i, 0, n)
    for m in data.draw(st.lists(st.integers(0, n), min_size=1, max_size=5)):
        assert tree.consistency_proof(m) == ref.proof(m, n)


def test_leaves_of_any_length_are_hashed_as_given() -> None:
    # The CT vectors use leaves of 0 to 16 bytes; capsule leaves are 32-byte commitments.
    assert merkle.tree_hash([b""]) == hashlib.sha256(b"\x00").digest()
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


# -- properties of proofs --------------------------------------------------------------------

leaf_lists = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=200)


@given(leaf_lists, st.data())
def test_every_inclusion_proof_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(leaves) - 1))
    proof = merkle.inclusion_proof(leaves, i)
    merkle.verify_inclusion(leaves[i], i, len(leaves), proof, merkle.tree_hash(leaves))


@given(leaf_lists, st.data())
def test_an_altered_leaf_fails(leaves: list[bytes], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(leaves) - 1))
    other = data.draw(st.binary(min_size=32, max_size=32).filter(lambda b: b != leaves[i]))
    tree = merkle.MerkleTree(leaves)
    with pytest.raises(TamperError, match="leads to root"):
        merkle.verify_inclusion(other, i, tree.size, tree.inclusion_proof(i), tree.root)


@given(leaf_lists, st.data())
def test_an_altered_index_fails(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    assume(n > 1)
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
    tree = merkle.MerkleTree(leaves)
    assume(leaves[j] != leaves[i])
    with pytest.raises(TamperError, match=f"leaf {j} of {n}"):
        merkle.verify_inclusion(leaves[i], j, n, tree.inclusion_proof(i), tree.root)


@given(leaf_lists, st.data())
def test_an_altered_size_fails_unless_the_path_has_the_same_shape(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    i = data.draw(st.integers(0, n - 1))
    size = data.draw(st.integers(i + 1, 2 * n + 2).filter(lambda s: s != n))
    tree = merkle.MerkleTree(leaves)
    proof = tree.inclusion_proof(i)
    if _shape(i, size) == _shape(i, n):
        # RFC 9162 inclusion proofs do not bind the size: the certificate does (see below).
        merkle.verify_inclusion(leaves[i], i, size, proof, tree.root)
    else:
        with pytest.raises(TamperError, match=f"leaf {i} of {size}"):
            merkle.verify_inclusion(leaves[i], i, size, proof, tree.root)


def test_the_proof_alone_does_not_bind_the_tree_size() -> None:
    # Leaf 0 of 4 has the path [h1, h23]; read with size 3 it hashes to the same root. This is
    # why FORMAT §4 makes a verifier take the size from the signed certificate.
    leaves = _leaves(4)
    tree = merkle.MerkleTree(leaves)
    merkle.verify_inclusion(leaves[0], 0, 3, tree.inclusion_proof(0), tree.root)


@given(leaf_lists, st.data())
def test_an_altered_root_fails(leaves: list[bytes], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(leaves) - 1))
    tree = merkle.MerkleTree(leaves)
    root = data.draw(st.binary(min_size=32, max_size=32).filter(lambda r: r != tree.root))
    with pytest.raises(TamperError, match=f"leads to root .*, not {root.hex()}"):
        merkle.verify_inclusion(leaves[i], i, tree.size, tree.inclusion_proof(i), root)


@given(leaf_lists, st.data())
def test_an_altered_path_element_fails(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    assume(n > 1)
    i = data.draw(st.integers(0, n - 1))
    tree = merkle.MerkleTree(leaves)
    proof = tree.inclusion_proof(i)
    j = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    flipped = bytearray(proof[j])
    flipped[bit // 8] ^= 1 << bit % 8
    proof[j] = bytes(flipped)
    with pytest.raises(TamperError, match="leads to root"):
        merkle.verify_inclusion(leaves[i], i, n, proof, tree.root)


@given(leaf_lists, st.data())
def test_a_shortened_or_lengthened_path_fails(leaves: list[bytes], data: st.DataObject) -> None:
    n = len(leaves)
    i = data.draw(st.integers(0, n - 1))
    tree = merkle.MerkleTree(leaves)
    proof = tree.inclusion_proof(i)
    with pytest.raises(TamperError, match="too many hashes"):
        merkle.verify_inclusion(leaves[i], i, n, [*proof, tree.root], tree.root)
    if proof:
        with pytest.raises(TamperError, match="too few hashes"):
            merkle.verify_inclusion(leaves[i], i, n, proof[:-1], tree.root)


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=0, max_size=200), st.data())
def test_every_consistency_proof_verifies_and_a_changed_hash_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    m = data.draw(st.integers(0, n))
    tree, old = merkle.MerkleTree(leaves), merkle.MerkleTree(leaves[:m])
    proof = tree.consistency_proof(m)
    merkle.verify_consistency(m, n, proof, old.root, tree.root)
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        proof[j] = bytes([proof[j][0] ^ 0x80]) + proof[j][1:]
        with pytest.raises(TamperError, match=f"consistency proof from {m} to {n}"):
            merkle.verify_consistency(m, n, proof, old.root, tree.root)


@given(st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=200), st.data())
def test_a_consistency_proof_against_a_changed_old_leaf_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    n = len(leaves)
    m = data.draw(st.integers(1, n - 1))
    changed = list(leaves)
    changed[data.draw(st.integers(0, m - 1))] = b"\xff" * 33
    # With a power-of-two old size the old root is the first node, so the new root differs.
    with pytest.raises(TamperError, match="leads to (old|new) root"):
        proof = merkle.consistency_proof(leaves, m)
        old_root = merkle.tree_hash(changed[:m])
        merkle.verify_consistency(m, n, proof, old_root, merkle.tree_hash(leaves))


# -- malformed input -------------------------------------------------------------------------


def test_index_outside_the_tree_is_malformed() -> None:
    leaves = _leaves(5)
    root = merkle.tree_hash(leaves)
    with pytest.raises(FormatError, match="leaf index 5 is not within a tree of size 5"):
        merkle.verify_inclusion(leaves[0], 5, 5, [], root)
    with pytest.raises(FormatError, match="leaf index -1 is not within"):
        merkle.verify_inclusion(leaves[0], -1, 5, [], root)
    with pytest.raises(FormatError, match="leaf index 0 is not within a tree of size 0"):
        merkle.inclusion_proof([], 0)
    with pytest.raises(FormatError, match="leaf index 7 is not within a tree of size 5"):
        merkle.MerkleTree(leaves).inclusion_proof(7)


def test_hashes_of_the_wrong_length_are_malformed() -> None:
    leaves = _leaves(3)
    tree = merkle.MerkleTree(leaves)
    proof = tree.inclusion_proof(0)
    with pytest.raises(FormatError, match="root must be 32 bytes, got 31"):
        merkle.verify_inclusion(leaves[0], 0, 3, proof, tree.root[:31])
    with pytest.raises(FormatError, match="proof hash 1 must be 32 bytes, got 33"):
        merkle.verify_inclusion(leaves[0], 0, 3, [proof[0], proof[1] + b"\x00"], tree.root)
    with pytest.raises(FormatError, match="proof hash 0 must be 32 bytes, got 0"):
        merkle.verify_consistency(1, 3, [b""], tree.root, tree.root)


def test_consistency_edge_cases() -> None:
    leaves = _leaves(6)
    tree = merkle.MerkleTree(leaves)
    merkle.verify_consistency(0, 6, [], merkle.EMPTY_ROOT, tree.root)
    merkle.verify_consistency(6, 6, [], tree.root, tree.root)
    with pytest.raises(FormatError, match="tree sizes 7 and 6 must satisfy"):
        merkle.verify_consistency(7, 6, [], tree.root, tree.root)
    with pytest.raises(FormatError, match="old tree size 7 is not within 0..6"):
        tree.consistency_proof(7)
    with pytest.raises(TamperError, match="from 6 to 6 must be empty, has 1 hashes"):
        merkle.verify_consistency(6, 6, [tree.root], tree.root, tree.root)
    with pytest.raises(TamperError, match="trees of size 6 have roots"):
        merkle.verify_consistency(6, 6, [], merkle.EMPTY_ROOT, tree.root)
    with pytest.raises(TamperError, match="the empty tree has root e3b0c442"):
        merkle.verify_consistency(0, 6, [], tree.root, tree.root)
    with pytest.raises(TamperError, match="from 3 to 6 is empty"):
        merkle.verify_consistency(3, 6, [], merkle.tree_hash(leaves[:3]), tree.root)


def test_all_proofs_of_a_large_tree_are_fast_and_verify() -> None:
    # 100 000 leaves: one O(n) build, then O(log n) per proof (the benchmark has the numbers).
    leaves = _leaves(100_000)
    tree = merkle.MerkleTree(leaves)
    proofs = [tree.inclusion_proof(i) for i in range(tree.size)]
    assert all(len(p) <= 17 for p in proofs)
    for i in random.Random(7).sample(range(tree.size), 200):
        merkle.verify_inclusion(leaves[i], i, tree.size, proofs[i], tree.root)
