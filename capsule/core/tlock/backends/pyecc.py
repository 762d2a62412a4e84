"""tlock curve work on py_ecc: pure Python, slow (a pairing takes about 0.1 s) but always there.

Two conventions differ from drand's, and both are undone here (the GT vectors pin them):
- py_ecc's optimal-ate Miller loop skips the conjugation that BLS12-381's negative parameter
  x calls for, and kilic/blst/arkworks' final exponentiation raises to 3·(p⁴−p²+1)/r rather
  than (p⁴−p²+1)/r. So drand's e(P, Q) = py_ecc's e(P, Q)^(−3), computed cheaply as
  conj(f³): GT elements are unitary, so the inverse is the conjugate.
- py_ecc keeps Fp12 as one degree-12 polynomial in w with w¹² = 2w⁶ − 2, where drand uses
  the tower Fp2[u]/(u²+1) → Fp6[v]/(v³−(u+1)) → Fp12[w]/(w²−v). With u = w⁶ − 1 and v = w²,
  the tower coefficient (re, im) of v^k·w^j is (f[2k+j] + f[2k+j+6], f[2k+j+6]).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from py_ecc.bls.hash_to_curve import hash_to_G1
from py_ecc.bls.point_compression import compress_G1, compress_G2, decompress_G1, decompress_G2
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381 import (
    G2,
    curve_order,
    final_exponentiate,
    is_inf,
    multiply,
    neg,
    pairing,
)

from capsule.core.errors import FormatError
from capsule.core.tlock.backends import G1_SIZE, G2_SIZE, check_encoding, gt_bytes


class PyEccBackend:
    name = "pyecc"
    def g1_decode(self, data: bytes, *, what: str) -> Any:
        data = bytes(data)
        check_encoding(data, G1_SIZE, what=what)
        return _checked(_g1_decode(data), what)

    def g2_decode(self, data: bytes, *, what: str) -> Any:
        data = bytes(data)
        check_encoding(data, G2_SIZE, what=what)
        return _checked(_g2_decode(data), what)

    def g1_encode(self, point: Any) -> bytes:
        return int(compress_G1(point)).to_bytes(G1_SIZE, "big")

    def g2_encode(self, point: Any) -> bytes:
        z1, z2 = compress_G2(point)
        return int(z1).to_bytes(48, "big") + int(z2).to_bytes(48, "big")

    def hash_to_g1(self, message: bytes, dst: bytes) -> Any:
        return hash_to_G1(message, dst, hashlib.sha256)

    def g1_mul(self, point: Any, scalar: int) -> Any:
        return multiply(point, scalar)

    def g2_base_mul(self, scalar: int) -> Any:
        return multiply(G2, scalar)


    def pairing(self, p: Any, q: Any) -> bytes:
        f = final_exponentiate(pairing(q, p, final_exponentiate=False))
        return _tower_bytes(_conjugate(f * f * f))

    def bls_verify(self, public_key: Any, message_point: Any, signature: Any) -> bool:
        # One final exponentiation for both Miller loops: e(sig, g2) · e(−H(m), pk) == 1.
        product = pairing(G2, signature, final_exponentiate=False) * pairing(
            public_key, neg(message_point), final_exponentiate=False
        )
        return bool(final_exponentiate(product) == FQ12.one())


def _checked(point: Any, what: str) -> Any:
    if isinstance(point, str):
        raise FormatError(f"{what} {point}")
    return point


# Decoding checks the subgroup with a full scalar multiplication (tens of milliseconds): cache
# the outcome (a point, or why there is none), since the chain key is decoded for every file.
@functools.lru_cache(maxsize=64)
def _g1_decode(data: bytes) -> Any:
    try:
        point = decompress_G1(int.from_bytes(data, "big"))
    except ValueError:
        return "is not a point on the G1 curve"
    if not is_inf(multiply(point, curve_order)):
        return "is not in the G1 subgroup"
    return point


@functools.lru_cache(maxsize=64)
def _g2_decode(data: bytes) -> Any:
    try:
        point = decompress_G2((int.from_bytes(data[:48], "big"), int.from_bytes(data[48:], "big")))
    except ValueError:
        return "is not a point on the G2 curve"
    if not is_inf(multiply(point, curve_order)):
        return "is not in the G2 subgroup"
    return point


def _conjugate(f: Any) -> Any:
    # The p⁶-Frobenius maps w to −w: negate the odd powers of w.
    return FQ12([-c if i % 2 else c for i, c in enumerate(f.coeffs)])


def _tower_bytes(f: Any) -> bytes:
    flat = [int(c) for c in f.coeffs]
    p = FQ12.field_modulus
    c0, c1 = (
        tuple(((flat[2 * k + j] + flat[2 * k + j + 6]) % p, flat[2 * k + j + 6]) for k in range(3))
        for j in (0, 1)
    )
    return gt_bytes(c0, c1)
