"""Seal format vectors (FORMAT §4 Merkle, §5 manifest, §6 certificate, §8 audit log).

Every vector is checked twice: against `capsule.core`, and against `_Reference` below, a
from-the-spec reader written only from docs/FORMAT.md with `hashlib`, `json` and
`cryptography` — what someone in 2036 would write to check a sealed capsule.

certificate_signed, manifest_two_items and audit_chain_3_events are one ceremony: the
certificate names the manifest's hash and content root and the log's head after
`capsule.sealed`, and its vector says so (`manifest:`, `audit_log:`) so the test checks the
binding too. Wrapped DEKs, sealed keys and the drand file are placeholder bytes: these are
format vectors; the envelope vectors cover the cryptography of those bytes.

Header keys, by construction (every vector also has `expect`, `construction`, `description`;
a failing vector has `error`, the message regex):
  merkle-root         root; payload = the leaf inputs, 32 bytes each
  merkle-inclusion    leaf, leaf_index, tree_size, root; payload = the audit path, leaf to root
  merkle-consistency  size1, size2, root1, root2; payload = the proof
  manifest            sha256, content_root, items, kinds; payload = manifest.json
  certificate         public_key, signature, kid, fingerprint, manifest, audit_log;
                      payload = certificate.json
  certificate-sig     signature; payload = certificate.sig
  audit-chain         size, head; payload = audit-log.jsonl

Made by `python -m tests.vectors.test_vectors_seal` (fully deterministic: Ed25519 signatures
are); rerunning it rewrites the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from capsule.core import audit, merkle
from capsule.core import certificate as ct
from capsule.core import manifest as mf
from capsule.core.errors import CapsuleError, FormatError, TamperError
from capsule.core.service_keys import kid_of
from tests.vectors.loader import HERE, Vector, format_vector, load_vectors

ALLOWED = {
    "merkle-root": {"root"},
    "merkle-inclusion": {"leaf", "leaf_index", "tree_size", "root"},
    "merkle-consistency": {"size1", "size2", "root1", "root2"},
    "manifest": {"sha256", "content_root", "items", "kinds"},
    "certificate": {"public_key", "signature", "kid", "fingerprint", "manifest", "audit_log"},
    "certificate-sig": {"signature"},
    "audit-chain": {"size", "head"},
}
VECTORS = [v for v in load_vectors("*.txt") if v.headers.get("construction") in ALLOWED]
BY_NAME = {v.name: v for v in VECTORS}
ERRORS: dict[str, type[CapsuleError]] = {"malformed": FormatError, "tampered": TamperError}


def _h(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def _hashes(payload: bytes) -> list[bytes]:
    assert len(payload) % 32 == 0
    return [payload[i : i + 32] for i in range(0, len(payload), 32)]


def _check(vector: Vector) -> None:
    """Run the vector through capsule.core; raise what it raises."""
    h, c, payload = vector.headers, vector.headers["construction"], vector.payload
    if c == "merkle-root":
        assert merkle.tree_hash(_hashes(payload)) == vector.hex("root")
    elif c == "merkle-inclusion":
        merkle.verify_inclusion(vector.hex("leaf"), int(h["leaf_index"]), int(h["tree_size"]),
                                _hashes(payload), vector.hex("root"))
    elif c == "merkle-consistency":
        merkle.verify_consistency(int(h["size1"]), int(h["size2"]), _hashes(payload),
                                  vector.hex("root1"), vector.hex("root2"))
    elif c == "manifest":
        manifest = mf.parse_manifest(payload)
        assert mf.manifest_sha256(payload) == h["sha256"]
        assert mf.merkle_tree(manifest).root.hex() == h["content_root"]
        assert len(manifest.items) == int(h["items"])
        assert mf.kind_counts(manifest) == json.loads(h["kinds"])
    elif c == "certificate":
        cert = ct.verify_certificate(payload, vector.hex("signature"), vector.hex("public_key"))
        assert kid_of(vector.hex("public_key")) == h["kid"] == cert.signer
        assert ct.fingerprint(payload) == h["fingerprint"]
        if "manifest" in h:
            manifest_bytes = BY_NAME[h["manifest"]].payload
            ct.check_against_manifest(cert, mf.parse_manifest(manifest_bytes), manifest_bytes)
        if "audit_log" in h:
            audit.verify_prefix(audit.jsonl_lines(BY_NAME[h["audit_log"]].payload),
                                cert.audit.size, cert.audit.head)
    elif c == "certificate-sig":
        assert ct.parse_signature_text(payload) == vector.hex("signature")
    elif c == "audit-chain":
        lines = audit.jsonl_lines(payload)
        audit.verify_prefix(lines, int(h["size"]), h["head"])
        assert audit.verify_chain(lines) == audit.AuditRef(size=int(h["size"]), head=h["head"])
    else:
        raise AssertionError(f"no checker for {c}")


class _Reference:
    """FORMAT §4–§8 read literally, independent of capsule.core. Raises on anything wrong."""

    @staticmethod
    def mth(leaves: list[bytes]) -> bytes:
        if not leaves:
            return hashlib.sha256(b"").digest()
        if len(leaves) == 1:
            return hashlib.sha256(b"\x00" + leaves[0]).digest()
        k = 1 << ((len(leaves) - 1).bit_length() - 1)
        return _h(b"\x01", _Reference.mth(leaves[:k]), _Reference.mth(leaves[k:]))

    @staticmethod
    def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
        # The audit path read against the tree's shape: the last hash is the root's other child.
        if size == 1:
            assert not path, "path too long"
            return hashlib.sha256(b"\x00" + leaf).digest()
        assert path, "path too short"
        k = 1 << ((size - 1).bit_length() - 1)
        if index < k:
            return _h(b"\x01", _Reference.root_from_path(leaf, index, k, path[:-1]), path[-1])
        return _h(b"\x01", path[-1], _Reference.root_from_path(leaf, index - k, size - k, path[:-1]))

    @staticmethod
    def canonical(data: bytes) -> Any:
        doc = json.loads(data)
        again = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert again.encode() == data, "not canonical"
        return doc

    @staticmethod
    def check(vector: Vector) -> None:
        h, c, payload = vector.headers, vector.headers["construction"], vector.payload
        if c == "merkle-inclusion":
            index, size = int(h["leaf_index"]), int(h["tree_size"])
            assert 0 <= index < size
            root = _Reference.root_from_path(vector.hex("leaf"), index, size, _hashes(payload))
            assert root == vector.hex("root"), "wrong root"
        elif c == "merkle-root":
            assert _Reference.mth(_hashes(payload)) == vector.hex("root")
        elif c == "manifest":
            doc = _Reference.canonical(payload)
            assert hashlib.sha256(payload).hexdigest() == h["sha256"]
            assert [item["index"] for item in doc["items"]] == list(range(len(doc["items"])))
            one_key = doc["key_seal"]["policy"] == "all"
            assert set(doc["key_seal"]) == {"policy", "sealed_key" if one_key else "sealed_keys"}
            commitments = [bytes.fromhex(item["commitment"]) for item in doc["items"]]
            assert _Reference.mth(commitments).hex() == h["content_root"]
            kinds = [item["kind"] for item in doc["items"]]
            assert {k: kinds.count(k) for k in ("goal", "priority", "appeal")} == json.loads(h["kinds"])
        elif c == "certificate":
            public = vector.hex("public_key")
            Ed25519PublicKey.from_public_bytes(public).verify(vector.hex("signature"), payload)
            doc = _Reference.canonical(payload)
            assert doc["signer"] == hashlib.sha256(public).hexdigest()[:16] == h["kid"], "signer"
            assert doc["format"] == "capsule-seal/1"
            for lock in doc["locks"]:
                assert lock["type"] in ("server", "custodians", "drand"), "lock type"
                if lock["type"] == "custodians":
                    assert 2 <= lock["threshold"] <= lock["shares"] <= 16, "k of n"
            digits = hashlib.sha256(payload).hexdigest()[:40].upper()
            assert h["fingerprint"] == " ".join(digits[i : i + 4] for i in range(0, 40, 4))
            if "manifest" in h:
                manifest = BY_NAME[h["manifest"]].payload
                assert hashlib.sha256(manifest).hexdigest() == doc["manifest_sha256"]
                items = json.loads(manifest)["items"]
                commitments = [bytes.fromhex(item["commitment"]) for item in items]
                assert _Reference.mth(commitments).hex() == doc["content_root"]
            if "audit_log" in h:
                log = BY_NAME[h["audit_log"]].payload.split(b"\n")[:-1]
                chain = bytes(32)
                for line in log[: doc["audit"]["size"]]:
                    chain = hashlib.sha256(chain + line).digest()
                assert chain.hex() == doc["audit"]["head"]
        elif c == "certificate-sig":
            assert payload.endswith(b"\n") and payload.count(b"\n") == 1, "one line"
            assert base64.b64decode(payload[:-1], validate=True) == vector.hex("signature")
        elif c == "audit-chain":
            assert payload.endswith(b"\n")
            chain = bytes(32)
            for seq, line in enumerate(payload.split(b"\n")[:-1], start=1):
                assert _Reference.canonical(line)["seq"] == seq, "seq"
                chain = hashlib.sha256(chain + line).digest()
            assert seq == int(h["size"]) and chain.hex() == h["head"], "head"


def test_there_are_vectors_for_every_construction_and_outcome() -> None:
    assert {v.headers["construction"] for v in VECTORS} == set(ALLOWED)
    assert {v.expect for v in VECTORS} == {"success", "malformed", "tampered"}


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_seal_vector(vector: Vector) -> None:
    vector.check_keys(ALLOWED[vector.headers["construction"]] | {"description", "error"})
    assert vector.headers.get("description"), f"{vector.path.name}: say what the case is"
    if vector.expect == "success":
        assert "error" not in vector.headers
        _check(vector)
        return
    assert "error" in vector.headers, f"{vector.path.name}: a failing vector must say its error"
    with pytest.raises(ERRORS[vector.expect], match=vector.headers["error"]):
        _check(vector)


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if v.headers["construction"] in
               {"merkle-root", "merkle-inclusion", "manifest", "certificate", "certificate-sig",
                "audit-chain"}],
    ids=lambda v: v.name,
)
def test_reference_reader_agrees(vector: Vector) -> None:
    if vector.expect == "success":
        _Reference.check(vector)
    else:
        with pytest.raises(Exception):  # noqa: B017 - any refusal: AssertionError, InvalidSignature…
            _Reference.check(vector)


def test_an_unknown_header_key_fails() -> None:
    vector = BY_NAME["certificate_signed"]
    headers = {**vector.headers, "signatur": "00"}
    odd = Vector(name=vector.name, path=vector.path, headers=headers, payload=vector.payload)
    with pytest.raises(AssertionError, match=r"unknown header key\(s\) \['signatur'\]"):
        odd.check_keys(ALLOWED["certificate"] | {"description", "error"})


def test_vectors_are_what_the_generator_makes() -> None:
    # Everything here is deterministic, so a hand edit or a format drift shows at once.
    for name, text in _generate().items():
        assert (HERE / f"{name}.txt").read_text(encoding="utf-8") == text, name


# --- The generator (its output is committed) -----------------------------------------------

def _fixed(label: str, size: int = 32) -> bytes:
    out = b""
    while len(out) < size:
        out += hashlib.sha256(f"capsule test vector {label} {len(out)}".encode()).digest()
    return out[:size]


def _text_vector(headers: dict[str, str], payload: bytes) -> str:
    # encoding: text keeps the JSON readable; the payload is every byte after the blank line.
    first = {k: headers[k] for k in ("expect", "construction", "description")}
    lines = [f"{k}: {v}" for k, v in {**first, **headers, "encoding": "text"}.items()]
    return "\n".join(lines) + "\n\n" + payload.decode("utf-8")


def _generate() -> dict[str, str]:
    from datetime import UTC, datetime, timedelta, timezone
    from uuid import UUID

    from capsule.core import canonical
    from capsule.core.lifecycle import Kind
    from capsule.core.tlock import drand

    out: dict[str, str] = {}

    def vector(name: str, expect: str, construction: str, description: str, payload: bytes,
               *, error: str = "", text: bool = False, **headers: str) -> None:
        h = {"expect": expect, "construction": construction, "description": description, **headers}
        h |= {"error": error} if error else {}
        out[name] = _text_vector(h, payload) if text else format_vector(h, payload, width=32)

    # §4: seven leaves (4 + 2 + 1, so the last leaf is promoted twice).
    leaves = [_fixed(f"leaf {i}") for i in range(7)]
    tree = merkle.MerkleTree(leaves)
    vector("merkle_root_size7", "success", "merkle-root",
           "MTH of 7 leaves, leaf i = SHA-256('capsule test vector leaf i 0')", b"".join(leaves),
           root=tree.root.hex())
    vector("merkle_root_empty", "success", "merkle-root", "the empty tree: SHA-256 of nothing", b"",
           root=merkle.EMPTY_ROOT.hex())

    def inclusion(name: str, expect: str, description: str, index: int, path: list[bytes],
                  root: bytes, error: str = "") -> None:
        vector(name, expect, "merkle-inclusion", description, b"".join(path), error=error,
               leaf=leaves[index % 7].hex(), leaf_index=str(index), tree_size="7", root=root.hex())

    path5 = tree.inclusion_proof(5)
    inclusion("merkle_inclusion_size7_index5", "success",
              "leaf 5 of merkle_root_size7; path leaf to root", 5, path5, tree.root)
    inclusion("merkle_inclusion_size7_index6", "success",
              "leaf 6 of merkle_root_size7, promoted twice: a path of 2 hashes", 6,
              tree.inclusion_proof(6), tree.root)
    inclusion("merkle_inclusion_size7_index5_wrong_root", "tampered",
              "merkle_inclusion_size7_index5 against the root of the first 6 leaves", 5, path5,
              merkle.tree_hash(leaves[:6]), "inclusion proof for leaf 5 of 7 leads to root")
    inclusion("merkle_inclusion_size7_index5_short_path", "tampered",
              "merkle_inclusion_size7_index5 without its last hash", 5, path5[:-1], tree.root,
              "too few hashes")
    inclusion("merkle_inclusion_index_out_of_range", "malformed",
              "leaf index 7 in a tree of 7 leaves", 7, tree.inclusion_proof(6), tree.root,
              "leaf index 7 is not within a tree of size 7")
    vector("merkle_consistency_size3_size7", "success", "merkle-consistency",
           "the first 3 leaves of merkle_root_size7 are a prefix of all 7 (RFC 9162 §2.1.4)",
           b"".join(tree.consistency_proof(3)), size1="3", size2="7",
           root1=merkle.tree_hash(leaves[:3]).hex(), root2=tree.root.hex())

    # §5: one ceremony's manifest (placeholder ciphertext digests and keys).
    capsule_id = UUID("6f1c5a4e-2b7d-4c1e-9a3f-5d8e7b6c4a21")
    t0 = datetime(2026, 3, 5, 5, 0, tzinfo=UTC)
    rows = [
        mf.SealedRow(
            id=UUID(f"0b9d3e52-7a41-4f6c-8e2d-1c5b9a7f3e6{n}"), submitted_at=t0 + timedelta(minutes=n),
            kind=kind, commitment=_fixed(f"commitment {n}"), wrapped_dek=_fixed(f"wrapped dek {n}", 1168),
            blobs=[(_fixed(f"blob {n} {j}"), 1000 + 65552 * j) for j in range(n + 1)],
        )
        for n, kind in enumerate([Kind.GOAL, Kind.APPEAL])
    ]
    seal = mf.AnyKeySeal(sealed_keys=[canonical.b64(_fixed(f"sealed key {i}", 124)) for i in range(3)])
    lock_file = mf.BlobRef.of(mf.DRAND_LOCK_FILE, _fixed("drand.age", 600))
    manifest = mf.build_manifest(capsule_id, rows, seal, [lock_file])
    manifest_bytes = mf.encode_manifest(manifest)
    man = {"sha256": mf.manifest_sha256(manifest_bytes), "items": "2",
           "content_root": mf.merkle_tree(manifest).root.hex(),
           "kinds": json.dumps(mf.kind_counts(manifest), sort_keys=True, separators=(",", ":"))}
    vector("manifest_two_items", "success", "manifest",
           "a goal, then an appeal with one attachment; three locks and the drand lock file",
           manifest_bytes, text=True, **man)
    vector("manifest_not_canonical", "malformed", "manifest",
           "manifest_two_items with a space after the first colon",
           manifest_bytes.replace(b":", b": ", 1), text=True,
           error="manifest is not in canonical form", **man)
    doc = json.loads(manifest_bytes)
    doc["key_seal"] = {"policy": "all", "sealed_keys": doc["key_seal"]["sealed_keys"]}
    vector("manifest_key_seal_wrong_shape", "malformed", "manifest",
           "manifest_two_items with policy all but the key list of policy any",
           canonical.encode(doc), text=True, error="unknown field `sealed_keys`", **man)
    doc = json.loads(manifest_bytes)
    doc["items"].reverse()
    vector("manifest_items_out_of_order", "malformed", "manifest",
           "manifest_two_items with its two items swapped", canonical.encode(doc), text=True,
           error="manifest item 0 has index 1", **man)

    # §8: the log up to sealing.
    events = [
        (audit.EventType.CAPSULE_CREATED, {"opening_at": "2036-03-05T07:00:00Z", "lock_policy": "any",
                                           "locks": ["server", "custodians", "drand"]}),
        (audit.EventType.CAPSULE_PUBLISHED, {}),
        (audit.EventType.CAPSULE_SEALED, {"items": 2, "excluded": 0, "content_root": man["content_root"],
                                          "manifest_sha256": man["sha256"]}),
    ]
    lines, head = [], audit.GENESIS
    for seq, (type_, data) in enumerate(events, start=1):
        body, head = audit.append(head, seq, t0 + timedelta(hours=seq), type_, audit.Actor.ORGANIZER, data)
        lines.append(body)
    log = b"".join(line + b"\n" for line in lines)
    chain = {"size": "3", "head": head.hex()}
    vector("audit_chain_3_events", "success", "audit-chain",
           "created, published, sealed: the log the certificate records", log, text=True, **chain)
    vector("audit_chain_reordered", "tampered", "audit-chain",
           "audit_chain_3_events with lines 2 and 3 swapped",
           b"".join(line + b"\n" for line in (lines[0], lines[2], lines[1])), text=True,
           error="audit log seq 2: line 2 holds seq 3", **chain)
    vector("audit_chain_changed_event", "tampered", "audit-chain",
           "audit_chain_3_events claiming 3 sealed items: a valid chain, but not the recorded head",
           log.replace(b'"items":2', b'"items":3'), text=True,
           error="audit log seq 3: head [0-9a-f]{64} is not the recorded", **chain)
    vector("audit_event_with_content", "malformed", "audit-chain",
           "audit_chain_3_events whose first event carries the capsule title",
           log.replace(b'07:00:00Z"}', '07:00:00Z","title":"Уақыт капсуласы"}'.encode(), 1),
           text=True, error="audit log seq 1: audit event capsule.created may not carry 'title'",
           **chain)

    # §6: the certificate binding both, signed with a fixed Ed25519 key.
    key = Ed25519PrivateKey.from_private_bytes(_fixed("signing key"))
    public = key.public_key().public_bytes_raw()
    kid = kid_of(public)
    opening = datetime(2036, 3, 5, 12, 0, tzinfo=timezone(timedelta(hours=5)))
    locks = [ct.ServerLockInfo(), ct.CustodiansLockInfo(threshold=3, shares=5, identifier=12345),
             ct.DrandLockInfo(chain_hash=drand.QUICKNET.chain_hash.hex(), round=drand.round_at(opening))]
    good = ct.encode_certificate(ct.Certificate(
        capsule_id=capsule_id, slug="almaty-2026", title="Уақыт капсуласы – 2026",
        opening_at=opening, sealed_at=t0 + timedelta(hours=3),
        public_key=canonical.b64(_fixed("capsule public key", 1216)), lock_policy="any",
        locks=locks, items=2, kinds=mf.kind_counts(manifest), content_root=man["content_root"],
        manifest_sha256=man["sha256"], audit=audit.AuditRef(size=3, head=head.hex()), signer=kid,
    ))

    def certificate(name: str, expect: str, description: str, data: bytes, error: str = "",
                    signed: bytes | None = None, **headers: str) -> None:
        signed = data if signed is None else signed
        vector(name, expect, "certificate", description, data, text=True, error=error,
               public_key=public.hex(), signature=key.sign(signed).hex(), kid=kid,
               fingerprint=ct.fingerprint(signed), **headers)

    certificate("certificate_signed", "success",
                "the seal certificate of manifest_two_items and audit_chain_3_events", good,
                manifest="manifest_two_items", audit_log="audit_chain_3_events")
    position = good.index(b'"items":2') + len(b'"items":')
    flipped = bytearray(good)
    flipped[position] ^= 0x01
    certificate("certificate_flipped_bit", "tampered",
                f"certificate_signed with bit 0 of byte {position} flipped (items 2 becomes 3); "
                "signature and fingerprint of the original", bytes(flipped),
                f"certificate.sig does not verify with signing key {kid}", signed=good)
    other = json.loads(good) | {"signer": "0123456789abcdef"}
    certificate("certificate_wrong_signer", "tampered",
                "a good signature over a certificate naming another key id", canonical.encode(other),
                "names signer 0123456789abcdef, but key")
    doc = json.loads(good)
    doc["locks"].append({"type": "vault"})
    certificate("certificate_unknown_lock_type", "malformed",
                "certificate_signed with a fourth lock of type vault, signed: the format refuses it",
                canonical.encode(doc), "Invalid value 'vault'")
    doc = json.loads(good)
    doc["locks"][1]["threshold"] = 1
    certificate("certificate_custodians_1_of_5", "malformed",
                "certificate_signed with a 1-of-5 custodians lock, signed", canonical.encode(doc),
                "custodians lock 1 of 5 is not 2 <= k <= n <= 16")
    signature = key.sign(good)
    vector("certificate_sig", "success", "certificate-sig",
           "certificate.sig of certificate_signed: base64 and one newline",
           ct.signature_text(signature), text=True, signature=signature.hex())
    vector("certificate_sig_no_newline", "malformed", "certificate-sig",
           "certificate_sig without its final newline", ct.signature_text(signature)[:-1],
           text=True, error="one line of base64 ending in a newline", signature=signature.hex())
    return out


if __name__ == "__main__":  # pragma: no cover
    for name, text in _generate().items():
        (HERE / f"{name}.txt").write_text(text, encoding="utf-8")
        print(f"wrote {name}.txt")
