"""The seal certificate (FORMAT §6): canonical bytes, signature, fingerprint, lock union."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from capsule.core import canonical
from capsule.core import certificate as ct
from capsule.core import manifest as mf
from capsule.core.audit import AuditRef
from capsule.core.errors import FormatError, SignatureError, TamperError
from capsule.core.lifecycle import Kind

CAPSULE = UUID("0b9e4f1e-3c1a-4f8e-9a51-2f6d1c0e7a10")
ALMATY = timezone(timedelta(hours=5))
QUICKNET = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
SEALED_KEY = canonical.b64(bytes(range(124)))


class TestSigner:
    """What the colleague's signing key offers: `.kid` and `.sign(data)`."""

    __test__ = False

    def __init__(self, seed: bytes = b"\x01" * 32) -> None:
        self.key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.kid = hashlib.sha256(self.public_raw).hexdigest()[:16]

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)


SIGNER = TestSigner()


def make_manifest(kinds: list[Kind], *, locks: int = 3, drand: bool = True) -> mf.Manifest:
    rows = [
        mf.SealedRow(
            id=UUID(int=n + 1), submitted_at=datetime(2026, 3, 5, 5, n, tzinfo=UTC), kind=k,
            commitment=hashlib.sha256(b"c%d" % n).digest(), wrapped_dek=bytes(1168),
            blobs=[(hashlib.sha256(b"b%d" % n).digest(), 1234)],
        )
        for n, k in enumerate(kinds)
    ]
    files = [mf.BlobRef.of(mf.DRAND_LOCK_FILE, b"age")] if drand else []
    return mf.build_manifest(CAPSULE, rows, mf.AnyKeySeal(sealed_keys=[SEALED_KEY] * locks), files)


def make_cert(manifest: mf.Manifest | None = None, **changes: Any) -> ct.Certificate:
    manifest = manifest or make_manifest([Kind.GOAL, Kind.PRIORITY, Kind.APPEAL])
    fields: dict[str, Any] = dict(
        capsule_id=CAPSULE, slug="almaty-2026", title="Уақыт капсуласы – 2026",
        opening_at=datetime(2036, 3, 5, 12, 0, tzinfo=ALMATY),
        sealed_at=datetime(2026, 3, 5, 6, 0, tzinfo=UTC),
        public_key=canonical.b64(bytes(1216)), lock_policy="any",
        locks=[ct.ServerLockInfo(), ct.CustodiansLockInfo(threshold=3, shares=5, identifier=12345),
               ct.DrandLockInfo(chain_hash=QUICKNET, round=12345678)],
        items=len(manifest.items), kinds=mf.kind_counts(manifest),
        content_root=mf.merkle_tree(manifest).root.hex(),
        manifest_sha256=mf.manifest_sha256(mf.encode_manifest(manifest)),
        audit=AuditRef(size=12, head="ab" * 32), signer=SIGNER.kid,
    )
    fields.update(changes)
    return ct.Certificate(**fields)


def mutated(change: Callable[[dict[str, Any]], None]) -> bytes:
    doc = msgspec.json.decode(ct.encode_certificate(make_cert()))
    change(doc)
    return canonical.encode(doc)


# -- bytes -----------------------------------------------------------------------------------


def test_round_trip_gives_the_same_certificate_and_bytes() -> None:
    cert = make_cert()
    data = ct.encode_certificate(cert)
    assert ct.parse_certificate(data) == cert
    assert ct.encode_certificate(ct.parse_certificate(data)) == data


def test_bytes_are_canonical_json_with_the_fields_of_format_6() -> None:
    data = ct.encode_certificate(make_cert())
    doc = json.loads(data)
    assert json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == data
    assert list(doc) == [
        "audit", "capsule_id", "content_root", "format", "items", "kinds", "lock_policy", "locks",
        "manifest_sha256", "opening_at", "public_key", "sealed_at", "signer", "slug", "suite", "title",
    ]
    assert doc["format"] == "capsule-seal/1"
    assert doc["suite"] == "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
    assert doc["opening_at"] == "2036-03-05T12:00:00+05:00"
    assert doc["sealed_at"] == "2026-03-05T06:00:00Z"
    assert doc["kinds"] == {"appeal": 1, "goal": 1, "priority": 1}
    assert doc["audit"] == {"head": "ab" * 32, "size": 12}
    assert doc["locks"] == [
        {"type": "server"},
        {"identifier": 12345, "shares": 5, "threshold": 3, "type": "custodians"},
        {"chain_hash": QUICKNET, "round": 12345678, "type": "drand"},
    ]
    assert "Уақыт" in data.decode("utf-8")  # non-ASCII as itself, not \\u escapes


def test_opening_at_keeps_its_offset_and_utc_is_written_z() -> None:
    cert = make_cert(opening_at=datetime(2036, 3, 5, 7, 0, tzinfo=UTC))
    assert b'"opening_at":"2036-03-05T07:00:00Z"' in ct.encode_certificate(cert)
    parsed = ct.parse_certificate(ct.encode_certificate(make_cert()))
    assert parsed.opening_at.utcoffset() == timedelta(hours=5)


# -- signature -------------------------------------------------------------------------------


def test_sign_then_verify() -> None:
    cert = make_cert()
    data, signature = ct.sign_certificate(SIGNER, cert)
    assert data == ct.encode_certificate(cert)
    assert len(signature) == 64
    assert ct.verify_certificate(data, signature, SIGNER.public_raw) == cert


def test_every_single_bit_flip_of_the_certificate_fails() -> None:
    data, signature = ct.sign_certificate(SIGNER, make_cert())
    for bit in range(len(data) * 8):
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(SignatureError, match=f"does not verify with signing key {SIGNER.kid}"):
            ct.verify_certificate(bytes(flipped), signature, SIGNER.public_raw)


def test_every_single_bit_flip_of_the_signature_fails() -> None:
    data, signature = ct.sign_certificate(SIGNER, make_cert())
    for bit in range(512):
        flipped = bytearray(signature)
        flipped[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(SignatureError, match="does not verify"):
            ct.verify_certificate(data, bytes(flipped), SIGNER.public_raw)


def test_another_key_fails() -> None:
    data, signature = ct.sign_certificate(SIGNER, make_cert())
    other = TestSigner(b"\x02" * 32)
    with pytest.raises(SignatureError, match=f"does not verify with signing key {other.kid}"):
        ct.verify_certificate(data, signature, other.public_raw)


def test_a_certificate_naming_another_kid_fails_even_when_the_signature_is_good() -> None:
    data = ct.encode_certificate(make_cert(signer="0123456789abcdef"))
    with pytest.raises(SignatureError, match=f"signer 0123456789abcdef, but key {SIGNER.kid}"):
        ct.verify_certificate(data, SIGNER.sign(data), SIGNER.public_raw)


def test_signing_refuses_a_certificate_naming_another_signer() -> None:
    with pytest.raises(SignatureError, match=f"signer 0123456789abcdef, the key is {SIGNER.kid}"):
        ct.sign_certificate(SIGNER, make_cert(signer="0123456789abcdef"))


def test_a_signed_but_malformed_certificate_is_refused_after_the_signature() -> None:
    data = mutated(lambda d: d["locks"].append({"type": "vault"}))
    with pytest.raises(FormatError, match="Invalid value 'vault' - at `\\$.locks\\[3\\].type`"):
        ct.verify_certificate(data, SIGNER.sign(data), SIGNER.public_raw)


def test_key_and_signature_sizes_are_checked() -> None:
    data, signature = ct.sign_certificate(SIGNER, make_cert())
    with pytest.raises(FormatError, match="public key must be 32 bytes, got 31"):
        ct.verify_certificate(data, signature, SIGNER.public_raw[:31])
    with pytest.raises(SignatureError, match="certificate.sig must be 64 bytes, got 63"):
        ct.verify_certificate(data, signature[:63], SIGNER.public_raw)


def test_signature_text_round_trip() -> None:
    signature = SIGNER.sign(b"x")
    text = ct.signature_text(signature)
    assert text == base64.b64encode(signature) + b"\n"
    assert ct.parse_signature_text(text) == signature


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (base64.b64encode(bytes(64)), "one line of base64 ending in a newline"),
        (base64.b64encode(bytes(64)) + b"\n\n", "one line of base64 ending in a newline"),
        (base64.b64encode(bytes(64)) + b"\r\n", "certificate.sig is not valid base64"),
        (base64.b64encode(bytes(63)) + b"\n", "certificate.sig must be 64 bytes, got 63"),
        (base64.b64encode(bytes(64)).rstrip(b"=") + b"\n", "certificate.sig is not valid base64"),
        ("é".encode() + b"\n", "certificate.sig is not ASCII"),
    ],
)
def test_signature_text_is_strict(text: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        ct.parse_signature_text(text)


# -- fingerprint -----------------------------------------------------------------------------


def test_fingerprint_is_20_bytes_of_sha256_in_10_groups_of_4() -> None:
    assert ct.fingerprint(b"") == "E3B0 C442 98FC 1C14 9AFB F4C8 996F B924 27AE 41E4"
    data = ct.encode_certificate(make_cert())
    fp = ct.fingerprint(data)
    assert re.fullmatch(r"[0-9A-F]{4}( [0-9A-F]{4}){9}", fp)
    assert fp.replace(" ", "").lower() == hashlib.sha256(data).hexdigest()[:40]


# -- the lock union --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["locks"].__setitem__(0, {"type": "vault"}), "Invalid value 'vault'"),
        (lambda d: d["locks"].__setitem__(0, {}), "missing required field `type`"),
        (lambda d: d["locks"][0].update(threshold=2), "unknown field `threshold`"),
        (lambda d: d["locks"][1].update(threshold=1), "lock 1 of 5 is not 2 <= k <= n <= 16"),
        (lambda d: d["locks"][1].update(threshold=6), "custodians lock 6 of 5 is not"),
        (lambda d: d["locks"][1].update(shares=17, threshold=3), "custodians lock 3 of 17 is not"),
        (lambda d: d["locks"][1].update(identifier=2**15), "identifier 32768 is not 15 bits"),
        (lambda d: d["locks"][2].update(round=0), "drand round 0 is not within 1..2\\^64-1"),
        (lambda d: d["locks"][2].update(round=2**64), "drand round 18446744073709551616 is not"),
        (lambda d: d["locks"][2].update(chain_hash=QUICKNET.upper()), "chain_hash must be lowercase"),
        (lambda d: d["locks"].append({"type": "server"}), "a lock type appears twice"),
        (lambda d: d["locks"].clear(), "at least one lock"),
    ],
)
def test_the_lock_union_refuses_unknown_types_and_out_of_range_values(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(FormatError, match=message):
        ct.parse_certificate(mutated(change))


@given(st.integers(-1, 18), st.integers(-1, 18))
def test_custodian_thresholds(k: int, n: int) -> None:
    if 2 <= k <= n <= 16:
        assert ct.CustodiansLockInfo(threshold=k, shares=n, identifier=0).threshold == k
    else:
        with pytest.raises(FormatError, match=f"custodians lock {k} of {n}"):
            ct.CustodiansLockInfo(threshold=k, shares=n, identifier=0)


# -- other fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="capsule-seal/2"), "Invalid enum value 'capsule-seal/2'"),
        (lambda d: d.update(suite="X25519/HKDF-SHA256/AES-128-GCM"), "Invalid enum value"),
        (lambda d: d.update(extra=True), "unknown field `extra`"),
        (lambda d: d.pop("signer"), "missing required field `signer`"),
        (lambda d: d.update(opening_at="2036-03-05T12:00:00"), "opening_at .* with an offset"),
        (lambda d: d.update(sealed_at="2026-03-05T11:00:00+05:00"), "sealed_at .* must be in UTC"),
        (lambda d: d.update(sealed_at="2026-03-05T06:00:00.5Z"), "at second precision"),
        (lambda d: d.update(public_key=canonical.b64(bytes(1184))), "public_key must be 1216"),
        (lambda d: d.update(lock_policy="some"), "Invalid enum value 'some'"),
        (lambda d: d["kinds"].pop("appeal"), "kinds must count exactly"),
        (lambda d: d["kinds"].update(wish=0), "kinds must count exactly"),
        (lambda d: d["kinds"].update(goal=2), "do not add up to 3 items"),
        (lambda d: d.update(items=-1), "items must be a count"),
        (lambda d: d.update(content_root="00" * 31), "content_root must be 32 bytes"),
        (lambda d: d.update(manifest_sha256="XX" * 32), "manifest_sha256 is not valid hex"),
        (lambda d: d["audit"].update(size=0), "audit must reach the capsule.sealed event"),
        (lambda d: d.update(signer="0123456789ABCDEF"), "signer '0123456789ABCDEF' is not a"),
        (lambda d: d.update(slug="Almaty 2026"), "slug 'Almaty 2026' is not 1 to 64"),
        (lambda d: d.update(title=""), "title must be 1 to 200 characters, got 0"),
        (lambda d: d.update(capsule_id=str(CAPSULE).upper()), "not in canonical form"),
    ],
)
def test_a_certificate_breaking_a_rule_is_refused(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(FormatError, match=message):
        ct.parse_certificate(mutated(change))


def test_non_canonical_bytes_are_refused() -> None:
    data = ct.encode_certificate(make_cert())
    with pytest.raises(FormatError, match="certificate is not in canonical form"):
        ct.parse_certificate(json.dumps(json.loads(data), indent=2).encode())


# -- against the manifest --------------------------------------------------------------------


def test_a_certificate_matches_its_manifest() -> None:
    manifest = make_manifest([Kind.GOAL, Kind.PRIORITY, Kind.APPEAL])
    ct.check_against_manifest(make_cert(manifest), manifest, mf.encode_manifest(manifest))


def test_an_empty_capsule_matches_its_manifest() -> None:
    manifest = make_manifest([])
    cert = make_cert(manifest)
    assert cert.kinds == {"goal": 0, "priority": 0, "appeal": 0}
    ct.check_against_manifest(cert, manifest, mf.encode_manifest(manifest))


@pytest.mark.parametrize(
    ("manifest_kinds", "cert_changes", "message"),
    [
        ([Kind.GOAL, Kind.GOAL], {"items": 3, "kinds": {"goal": 3, "priority": 0, "appeal": 0}},
         "manifest has 2 items, certificate 3"),
        ([Kind.GOAL, Kind.GOAL], {"kinds": {"goal": 1, "priority": 1, "appeal": 0}},
         "manifest has 2 goal items, certificate 1"),
        ([Kind.GOAL], {"content_root": "00" * 32},
         "manifest content root [0-9a-f]{64} is not certificate 0000"),
        ([Kind.GOAL], {"capsule_id": UUID(int=7)},
         "manifest capsule 0b9e4f1e-.* is not 00000000-0000-0000-0000-000000000007"),
        ([Kind.GOAL], {"lock_policy": "all"}, "manifest key seal has policy any, certificate all"),
        ([Kind.GOAL], {"locks": [ct.ServerLockInfo(), ct.DrandLockInfo(chain_hash=QUICKNET, round=1)]},
         "manifest has 3 sealed keys for 2 locks"),
    ],
)
def test_each_difference_from_the_manifest_is_named(
    manifest_kinds: list[Kind], cert_changes: dict[str, Any], message: str
) -> None:
    manifest = make_manifest(manifest_kinds)
    cert = make_cert(manifest, **cert_changes)  # the manifest's true hash, something else changed
    with pytest.raises(TamperError, match=message):
        ct.check_against_manifest(cert, manifest, mf.encode_manifest(manifest))


def test_a_changed_manifest_is_named_by_its_hash() -> None:
    manifest = make_manifest([Kind.GOAL])
    cert = make_cert(manifest)
    other = make_manifest([Kind.APPEAL])
    want = f"manifest sha256 [0-9a-f]{{64}} is not certificate {cert.manifest_sha256}"
    with pytest.raises(TamperError, match=want):
        ct.check_against_manifest(cert, other, mf.encode_manifest(other))


def test_lock_files_must_match_the_locks() -> None:
    without = make_manifest([Kind.GOAL], drand=False)
    with pytest.raises(TamperError, match=r"manifest lock files \[\] are not \['locks/drand.age'\]"):
        ct.check_against_manifest(make_cert(without), without, mf.encode_manifest(without))
    manifest = make_manifest([Kind.GOAL], locks=1)
    cert = make_cert(manifest, locks=[ct.ServerLockInfo()])
    with pytest.raises(TamperError, match=r"lock files \['locks/drand.age'\] are not \[\]"):
        ct.check_against_manifest(cert, manifest, mf.encode_manifest(manifest))


def test_a_manifest_object_that_is_not_its_bytes_is_a_caller_error() -> None:
    manifest, other = make_manifest([Kind.GOAL]), make_manifest([Kind.APPEAL])
    with pytest.raises(FormatError, match="manifest object does not match the manifest bytes"):
        ct.check_against_manifest(make_cert(manifest), other, mf.encode_manifest(manifest))


def test_bytes_that_are_not_utf8_are_malformed() -> None:
    data = ct.encode_certificate(make_cert()).replace("Уақыт".encode(), b"\xd0")
    with pytest.raises(FormatError, match="certificate is not valid UTF-8"):
        ct.parse_certificate(data)
