"""The manifest (FORMAT §5): built from sealed rows, canonical bytes, strict parsing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capsule.core import canonical, merkle
from capsule.core import manifest as mf
from capsule.core.errors import FormatError
from capsule.core.lifecycle import Kind

CAPSULE = UUID("0b9e4f1e-3c1a-4f8e-9a51-2f6d1c0e7a10")
T0 = datetime(2026, 3, 5, 5, 0, tzinfo=UTC)
SEALED_KEY = canonical.b64(bytes(range(124)))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def row(
    n: int, *, kind: Kind = Kind.GOAL, attachments: int = 0, at: datetime | None = None
) -> mf.SealedRow:
    return mf.SealedRow(
        id=UUID(int=n + 1), submitted_at=at or T0 + timedelta(minutes=n), kind=kind,
        commitment=_digest(f"commitment {n}"), wrapped_dek=_digest(f"dek {n}") * 36 + bytes(16),
        blobs=[(_digest(f"blob {n} {j}"), 100 + j) for j in range(attachments + 1)],
    )


def sample(items: int = 2) -> mf.Manifest:
    rows = [row(n, kind=list(Kind)[n % 3], attachments=n % 3) for n in range(items)]
    return mf.build_manifest(CAPSULE, rows, mf.AnyKeySeal(sealed_keys=[SEALED_KEY]))


def mutated(change: Callable[[dict[str, Any]], None], manifest: mf.Manifest | None = None) -> bytes:
    # Change one thing in the JSON and re-encode canonically, so only that rule is broken.
    doc = msgspec.json.decode(mf.encode_manifest(manifest or sample()))
    change(doc)
    return canonical.encode(doc)


# -- building and encoding -------------------------------------------------------------------


def test_round_trip_gives_the_same_manifest_and_bytes() -> None:
    manifest = sample(3)
    data = mf.encode_manifest(manifest)
    assert mf.parse_manifest(data) == manifest
    assert mf.encode_manifest(mf.parse_manifest(data)) == data


def test_bytes_are_canonical_json() -> None:
    data = mf.encode_manifest(sample(3))
    again = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert again.encode() == data
    assert data.startswith(
        b'{"capsule_id":"0b9e4f1e-3c1a-4f8e-9a51-2f6d1c0e7a10","format":"capsule-manifest/1"'
    )


def test_build_orders_items_by_submission_time_then_id() -> None:
    same = T0 + timedelta(hours=1)
    rows = [row(4, at=same), row(1, at=T0 + timedelta(hours=2)), row(2, at=same), row(3, at=T0)]
    manifest = mf.build_manifest(CAPSULE, rows, mf.AnyKeySeal(sealed_keys=[SEALED_KEY]))
    assert [item.id.int - 1 for item in manifest.items] == [3, 2, 4, 1]
    assert [item.index for item in manifest.items] == [0, 1, 2, 3]


def test_build_names_blobs_by_position() -> None:
    seal = mf.AllKeySeal(sealed_key=SEALED_KEY)
    manifest = mf.build_manifest(CAPSULE, [row(0), row(1, attachments=2)], seal)
    assert [b.name for b in manifest.items[1].blobs] == [
        "items/000001/document.bin",
        "items/000001/attachment-00.bin",
        "items/000001/attachment-01.bin",
    ]
    assert manifest.items[1].blobs[2].sha256 == _digest("blob 1 2").hex()
    assert manifest.items[1].blobs[2].size == 102


def test_blob_name() -> None:
    assert mf.blob_name(0, 0) == "items/000000/document.bin"
    assert mf.blob_name(123456, 100) == "items/123456/attachment-99.bin"


def test_blob_ref_of_bytes() -> None:
    ref = mf.BlobRef.of("locks/drand.age", b"age")
    assert (ref.sha256, ref.size) == (hashlib.sha256(b"age").hexdigest(), 3)


def test_build_refuses_naive_submission_times() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        mf.build_manifest(
            CAPSULE, [row(0, at=datetime(2026, 3, 5))], mf.AllKeySeal(sealed_key=SEALED_KEY)
        )


def test_manifest_sha256_is_hex_sha256_of_the_bytes() -> None:
    data = mf.encode_manifest(sample())
    assert mf.manifest_sha256(data) == hashlib.sha256(data).hexdigest()


def test_kind_counts_list_every_kind_with_zeros() -> None:
    assert mf.kind_counts(sample(0)) == {"goal": 0, "priority": 0, "appeal": 0}
    assert mf.kind_counts(sample(4)) == {"goal": 2, "priority": 1, "appeal": 1}


def test_merkle_tree_is_over_the_commitments_in_order() -> None:
    manifest = sample(5)
    commitments = [_digest(f"commitment {n}") for n in range(5)]
    assert mf.merkle_tree(manifest).root == merkle.tree_hash(commitments)
    assert mf.merkle_tree(sample(0)).root == merkle.EMPTY_ROOT


@given(st.lists(st.tuples(st.sampled_from(list(Kind)), st.integers(0, 3), st.integers(0, 10**6)),
                max_size=12), st.booleans())
def test_any_built_manifest_round_trips(
    spec: list[tuple[Kind, int, int]], any_policy: bool
) -> None:
    rows = [
        row(n, kind=k, attachments=a, at=T0 + timedelta(seconds=s))
        for n, (k, a, s) in enumerate(spec)
    ]
    seal: mf.KeySeal = (
        mf.AnyKeySeal(sealed_keys=[SEALED_KEY] * 2) if any_policy
        else mf.AllKeySeal(sealed_key=SEALED_KEY)
    )
    manifest = mf.build_manifest(CAPSULE, rows, seal, [mf.BlobRef.of("locks/drand.age", b"x")])
    assert mf.parse_manifest(mf.encode_manifest(manifest)) == manifest


# -- the key seal: one shape per policy ------------------------------------------------------


def test_key_seal_shape_follows_the_policy() -> None:
    def swap_any_for_all(d: dict[str, Any]) -> None:
        d["key_seal"] = {"policy": "all", "sealed_keys": [SEALED_KEY]}

    def swap_all_for_any(d: dict[str, Any]) -> None:
        d["key_seal"] = {"policy": "any", "sealed_key": SEALED_KEY}

    with pytest.raises(FormatError, match="unknown field `sealed_keys` - at `\\$.key_seal`"):
        mf.parse_manifest(mutated(swap_any_for_all))
    with pytest.raises(FormatError, match="unknown field `sealed_key` - at `\\$.key_seal`"):
        mf.parse_manifest(mutated(swap_all_for_any))
    with pytest.raises(FormatError, match="Invalid value 'some'"):
        mf.parse_manifest(mutated(lambda d: d["key_seal"].update(policy="some")))


def test_sealed_keys_are_well_formed() -> None:
    with pytest.raises(FormatError, match="one sealed key per lock, got none"):
        mf.AnyKeySeal(sealed_keys=[])
    with pytest.raises(FormatError, match="sealed key 1 must be 124 bytes, got 123"):
        mf.AnyKeySeal(sealed_keys=[SEALED_KEY, canonical.b64(bytes(123))])
    with pytest.raises(FormatError, match="sealed key is not valid base64"):
        mf.AllKeySeal(sealed_key="not base64!")


# -- strict parsing --------------------------------------------------------------------------


def test_non_canonical_bytes_are_refused() -> None:
    data = mf.encode_manifest(sample())
    with pytest.raises(FormatError, match="manifest is not in canonical form"):
        mf.parse_manifest(json.dumps(json.loads(data), indent=1).encode())
    with pytest.raises(FormatError, match="manifest is not in canonical form"):
        mf.parse_manifest(data.replace(b'"capsule_id":', b'"capsule_id": '))
    with pytest.raises(FormatError, match="manifest is not in canonical form"):
        escaped = data.replace(b"capsule-manifest/1", b"capsule\\u002dmanifest/1")
        mf.parse_manifest(escaped)
    with pytest.raises(FormatError, match="manifest is not valid JSON"):
        mf.parse_manifest(data[:-1])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="capsule-manifest/2"), "Invalid enum value 'capsule-manifest/"),
        (lambda d: d.update(extra=1), "unknown field `extra`"),
        (lambda d: d["items"].reverse(), "manifest item 0 has index 1"),
        (lambda d: d["items"][1].update(id=d["items"][0]["id"]), "item 1: id .* appears twice"),
        (lambda d: d["items"][1].update(index=2), "item 2: blob 0 is named 'items/000001/docu"),
        (lambda d: d["items"][0]["blobs"].clear(), "item 0: 0 blobs, not 1 to 101"),
        (lambda d: d["items"][1]["blobs"].reverse(), "item 1: blob 0 is named '.*/attachment-00"),
        (lambda d: d["items"][0].update(commitment=d["items"][0]["commitment"].upper()),
         "item 0: commitment must be lowercase hex"),
        (lambda d: d["items"][0].update(commitment="ab" * 31),
         "commitment must be 32 bytes, got 31"),
        (lambda d: d["items"][0].update(wrapped_dek=canonical.b64(bytes(1167))),
         "item 0: wrapped_dek must be 1168 bytes, got 1167"),
        (lambda d: d["items"][0].update(wrapped_dek=d["items"][0]["wrapped_dek"].rstrip("=")),
         "item 0: wrapped_dek is not valid base64"),
        (lambda d: d["items"][0].update(kind="wish"), "Invalid enum value 'wish'"),
        (lambda d: d["items"][0].update(id="not-a-uuid"), "Invalid UUID"),
        (lambda d: d["items"][0]["blobs"][0].update(size=-1),
         "size of items/000000/document.bin must be a byte count"),
        (lambda d: d["items"][0]["blobs"][0].update(sha256="00"),
         "sha256 of items/000000/document.bin must be 32 bytes"),
        (lambda d: d.update(lock_files=[{"name": "../drand.age", "sha256": "00" * 32, "size": 1}]),
         "lock file name '../drand.age' is not of the form locks/<name>"),
        (lambda d: d.update(lock_files=[{"name": "locks/a", "sha256": "00" * 32, "size": 1}] * 2),
         "lock file names repeat"),
        (lambda d: d.pop("key_seal"), "missing required field `key_seal`"),
    ],
)
def test_a_manifest_breaking_a_rule_is_refused(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(FormatError, match=message):
        mf.parse_manifest(mutated(change))


def test_rules_hold_at_construction_too() -> None:
    item = sample(1).items[0]
    with pytest.raises(FormatError, match="manifest item 0 has index 1"):
        mf.Manifest(capsule_id=CAPSULE, items=[msgspec.structs.replace(item, index=1, blobs=[
            mf.BlobRef(name="items/000001/document.bin", sha256="00" * 32, size=1)])],
            key_seal=mf.AllKeySeal(sealed_key=SEALED_KEY))
    with pytest.raises(FormatError, match="item index 1000000 is not within 0..999999"):
        msgspec.structs.replace(item, index=1_000_000)
    with pytest.raises(FormatError, match="item 0: 102 blobs, not 1 to 101"):
        msgspec.structs.replace(item, blobs=[item.blobs[0]] * 102)
    with pytest.raises(FormatError, match="item 0: unknown kind 'wish'"):
        msgspec.structs.replace(item, kind="wish")
    with pytest.raises(FormatError, match="item 0: id '1' is not a UUID"):
        msgspec.structs.replace(item, id="1")
    with pytest.raises(FormatError, match="item 0: blobs must be a list of BlobRef"):
        msgspec.structs.replace(item, blobs=[{"name": "items/000000/document.bin"}])
    manifest = sample(1)
    with pytest.raises(FormatError, match="key_seal must be AnyKeySeal or AllKeySeal"):
        msgspec.structs.replace(manifest, key_seal={"policy": "any"})
    with pytest.raises(FormatError, match="manifest items must be a list of ManifestItem"):
        msgspec.structs.replace(manifest, items=[1])
    with pytest.raises(FormatError, match="manifest lock_files must be a list of BlobRef"):
        msgspec.structs.replace(manifest, lock_files=("locks/drand.age",))
    with pytest.raises(FormatError, match="manifest capsule_id 'x' is not a UUID"):
        mf.Manifest(capsule_id="x", items=[], key_seal=mf.AllKeySeal(sealed_key=SEALED_KEY))


def test_a_kind_given_as_text_becomes_the_enum() -> None:
    item = msgspec.structs.replace(sample(1).items[0], kind="appeal")
    assert item.kind is Kind.APPEAL


def test_bytes_that_are_not_utf8_are_malformed() -> None:
    data = mf.encode_manifest(sample()).replace(b"capsule-manifest", b"capsule-\xffmanifest")
    with pytest.raises(FormatError, match="manifest is not valid UTF-8"):
        mf.parse_manifest(data)
