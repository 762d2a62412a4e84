"""tlock curve work on arkworks (`py_arkworks_bls12381`, the optional `fast-drand` extra).

arkworks computes the same pairing value as drand (kilic/blst conventions), so only the GT
byte order needs work. The binding has no GT serializer; its `str()` is the hex of arkworks'
own encoding: twelve 48-byte little-endian Fp values in tower order c0.a0.re, c0.a0.im, …,
c1.a2.im. The GT vectors pin this, so a binding that changes it fails the tests, not users.
"""

from __future__ import annotations

from typing import Any

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

from capsule.core.errors import FormatError
from capsule.core.tlock.backends import G1_SIZE, G2_SIZE, GT_SIZE, R, check_encoding, gt_bytes


class ArkworksBackend:
    name = "arkworks"
    def g1_decode(self, data: bytes, *, what: str) -> Any:
        data = bytes(data)
        check_encoding(data, G1_SIZE, what=what)
        try:
            # from_compressed_bytes checks the curve equation and the subgroup.
            return G1Point.from_compressed_bytes(data)
        except ValueError:
            raise FormatError(f"{what} is not a point of the G1 subgroup") from None

    def g2_decode(self, data: bytes, *, what: str) -> Any:
        data = bytes(data)
        check_encoding(data, G2_SIZE, what=what)
        try:
            return G2Point.from_compressed_bytes(data)
        except ValueError:
            raise FormatError(f"{what} is not a point of the G2 subgroup") from None

    def g1_encode(self, point: Any) -> bytes:
        return bytes(point.to_compressed_bytes())

    def g2_encode(self, point: Any) -> bytes:
        return bytes(point.to_compressed_bytes())

    def hash_to_g1(self, message: bytes, dst: bytes) -> Any:
        return G1Point.hash_to_curve(message, dst)

    def g1_mul(self, point: Any, scalar: int) -> Any:
        return point * Scalar(scalar % R)

    def g2_base_mul(self, scalar: int) -> Any:
        return G2Point() * Scalar(scalar % R)


    def pairing(self, p: Any, q: Any) -> bytes:
        raw = bytes.fromhex(str(GT.pairing(p, q)))
        if len(raw) != GT_SIZE:
            raise RuntimeError(f"arkworks GT encoding is {len(raw)} bytes, expected {GT_SIZE}")
        fp = [int.from_bytes(raw[i : i + 48], "little") for i in range(0, GT_SIZE, 48)]
        c0 = ((fp[0], fp[1]), (fp[2], fp[3]), (fp[4], fp[5]))
        c1 = ((fp[6], fp[7]), (fp[8], fp[9]), (fp[10], fp[11]))
        return gt_bytes(c0, c1)

    def bls_verify(self, public_key: Any, message_point: Any, signature: Any) -> bool:
        return bool(GT.pairing_check([signature, -message_point], [G2Point(), public_key]))
