"""The curve backends reproduce drand's pairing value and GT byte order (tlock-js ibe.test.ts
vectors) and refuse every encoding that is not a proper subgroup point."""

from __future__ import annotations

import hashlib

import pytest
from py_ecc.bls.point_compression import modular_squareroot_in_FQ2
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
from py_ecc.optimized_bls12_381 import G2 as PYECC_G2, b2, normalize

from capsule.core.errors import ConfigError, FormatError
from capsule.core.tlock import Backend, available_backends, get_backend, ibe
from capsule.core.tlock.backends import G2_SIZE, P, R, check_encoding

from .conftest import load_json

GT = load_json("ibe_gt_vectors.json")
G1_GEN = bytes.fromhex(GT["G1gen_compressed"])
G2_GEN = get_backend("pyecc").g2_encode(PYECC_G2)


def test_pairing_of_generators_matches_drand(backend: Backend) -> None:
    g1 = backend.g1_decode(G1_GEN, what="g1")
    g2 = backend.g2_decode(G2_GEN, what="g2")
    assert backend.pairing(g1, g2).hex() == GT["pairing_G1gen_G2gen"]


def test_pairing_is_bilinear_in_drand_encoding(backend: Backend) -> None:
    g1 = backend.g1_decode(G1_GEN, what="g1")
    twice = backend.pairing(backend.g1_mul(g1, 2), backend.g2_base_mul(1))
    assert twice.hex() == GT["pairing_G1gen_G2gen_squared"]
    assert backend.pairing(g1, backend.g2_base_mul(2)) == twice


def test_h2_of_the_generator_pairing() -> None:
    gt = bytes.fromhex(GT["pairing_G1gen_G2gen"])
    assert ibe.h2(gt, 16).hex() == GT["h2_of_pairing_G1gen_G2gen_16"]
    assert hashlib.sha256(b"IBE-H2" + gt).digest()[:16] == ibe.h2(gt, 16)


def test_generators_encode_as_published(backend: Backend) -> None:
    assert backend.g1_encode(backend.g1_mul(backend.g1_decode(G1_GEN, what="g"), 1)) == G1_GEN
    x, y = normalize(PYECC_G2)
    coords = [c for fq2 in (x, y) for c in reversed(fq2.coeffs)]  # im ‖ re, as kilic writes
    assert b"".join(int(c).to_bytes(48, "big") for c in coords).hex() == GT["G2gen_uncompressed"]
    assert backend.g2_encode(backend.g2_base_mul(1)) == G2_GEN


def test_backends_agree_on_scalar_multiplication_and_hashing() -> None:
    # hash_to_g1 itself is pinned by the beacon signatures verifying (test_drand.py).
    names = available_backends()
    backends = [get_backend(n) for n in names]
    assert len({b.g2_encode(b.g2_base_mul(R - 12345)) for b in backends}) == 1
    assert len({b.g1_encode(b.hash_to_g1(b"abc", b"TEST-DST")) for b in backends}) == 1


def _off_subgroup_g1() -> bytes:
    # x = 0 gives y² = 4: the point (0, 2) is on the curve but not in the r-torsion subgroup.
    return bytes([0x80 | 0x20]) + bytes(47)


def _off_subgroup_g2() -> bytes:
    for x in range(1, 100):
        y = modular_squareroot_in_FQ2(FQ2([x, 0]) ** 3 + b2)
        if y is not None:
            return bytes([0x80]) + bytes(47) + x.to_bytes(48, "big")
    raise AssertionError("no x found")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (G1_GEN[:47], "must be 48 bytes"),
        (G1_GEN + b"\0", "must be 48 bytes"),
        (bytes([G1_GEN[0] & 0x7F]) + G1_GEN[1:], "not a compressed point"),
        (bytes([0xC0]) + bytes(47), "point at infinity"),
        (b"\xff" * 48, "point at infinity"),  # arkworks alone would read this as the identity
        (bytes([0x80 | 0x1F]) + b"\xff" * 47, "field modulus"),
        ((P + 1 | 1 << 383).to_bytes(48, "big"), "field modulus"),
        (_off_subgroup_g1(), "G1"),
    ],
)
def test_g1_decode_refuses_bad_encodings(backend: Backend, data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        backend.g1_decode(data, what="test point")


def test_g1_decode_refuses_a_point_off_the_curve(backend: Backend) -> None:
    x = next(x for x in range(1, 100) if pow(x**3 + 4, (P - 1) // 2, P) != 1)
    with pytest.raises(FormatError, match="test point"):
        backend.g1_decode(bytes([0x80 | x >> 376]) + x.to_bytes(48, "big")[1:], what="test point")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (G2_GEN[:95], "must be 96 bytes"),
        (bytes([0xC0]) + bytes(95), "point at infinity"),
        (G2_GEN[:48] + P.to_bytes(48, "big"), "field modulus"),
        (_off_subgroup_g2(), "G2"),
    ],
)
def test_g2_decode_refuses_bad_encodings(backend: Backend, data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        backend.g2_decode(data, what="test point")


def test_check_encoding_accepts_the_generator() -> None:
    check_encoding(G1_GEN, 48, what="g1")
    check_encoding(G2_GEN, G2_SIZE, what="g2")


def test_default_backend_is_the_fastest_installed() -> None:
    assert get_backend().name == available_backends()[0]
    assert "pyecc" in available_backends()


def test_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown tlock backend 'blst'"):
        get_backend("blst")


def test_curve_constants_are_bls12_381s() -> None:
    from py_ecc.optimized_bls12_381 import curve_order, field_modulus

    assert (P, R) == (field_modulus, curve_order)
