"""The BLS12-381 operations tlock needs, behind one small interface.

Two implementations: `pyecc` (pure Python, always available, the default when nothing faster
is installed) and `arkworks` (`py_arkworks_bls12381`, the optional `fast-drand` extra, about a
hundred times faster). Both reproduce drand's pairing value and GT byte order exactly; the
vectors in tests/unit/core/tlock pin that.

Encodings are the ZCash/IETF compressed forms drand uses: G1 48 bytes, G2 96 bytes, flags in
the top three bits of the first byte. Points at infinity are refused everywhere: no drand key,
signature or tlock ciphertext is ever the identity, and accepting one would make a pairing
equal 1 whatever the other argument.
"""

from __future__ import annotations

import functools
from typing import Any, Final, Protocol

from capsule.core.errors import ConfigError, FormatError

# BLS12-381 base field modulus p and group order r.
P: Final = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB  # noqa: E501
R: Final = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

G1_SIZE: Final = 48
G2_SIZE: Final = 96
GT_SIZE: Final = 576

# Flags of the compressed encoding (ZCash "serialization of BLS12-381 points").
_COMPRESSED: Final = 0x80
_INFINITY: Final = 0x40
_SIGN: Final = 0x20


class Backend(Protocol):
    """Curve work for tlock. Points are opaque to callers: only the backend that made a point
    may use it."""

    name: str

    def g1_decode(self, data: bytes, *, what: str) -> Any:
        """A 48-byte compressed G1 point, on the curve and in the subgroup, not the identity.

        Raises:
            FormatError: `data` is not such a point (the message names `what`).
        """
        ...

    def g2_decode(self, data: bytes, *, what: str) -> Any:
        """A 96-byte compressed G2 point, checked as `g1_decode` checks G1."""
        ...

    def g1_encode(self, point: Any) -> bytes: ...

    def g2_encode(self, point: Any) -> bytes: ...

    def hash_to_g1(self, message: bytes, dst: bytes) -> Any:
        """RFC 9380 hash_to_curve, suite BLS12381G1_XMD:SHA-256_SSWU_RO_, with tag `dst`."""
        ...

    def g1_mul(self, point: Any, scalar: int) -> Any: ...

    def g2_base_mul(self, scalar: int) -> Any:
        """`scalar` times the standard G2 generator."""
        ...


    def pairing(self, p: Any, q: Any) -> bytes:
        """e(p, q) for p in G1, q in G2, as drand computes it, in kyber's 576-byte GT order."""
        ...

    def bls_verify(self, public_key: Any, message_point: Any, signature: Any) -> bool:
        """Whether e(signature, G2 generator) == e(message_point, public_key): a BLS signature
        on G1 under a key on G2."""
        ...


def check_encoding(data: bytes, size: int, *, what: str) -> None:
    """Check the flags and field range of a compressed point before any curve arithmetic.

    Backends do the on-curve and subgroup checks; this part is shared because at least one
    library (arkworks) reads any encoding with the infinity bit set as the identity, ignoring
    the other bits.

    Raises:
        FormatError: wrong length, not the compressed form, the identity, or a coordinate not
            below p.
    """
    if len(data) != size:
        raise FormatError(f"{what} must be {size} bytes, got {len(data)}")
    if not data[0] & _COMPRESSED:
        raise FormatError(f"{what} is not a compressed point (flag byte {data[0]:#04x})")
    if data[0] & _INFINITY:
        raise FormatError(f"{what} is the point at infinity")
    first = int.from_bytes(data[:48], "big") & ((1 << 381) - 1)
    if first >= P or (size == G2_SIZE and int.from_bytes(data[48:], "big") >= P):
        raise FormatError(f"{what} has a coordinate not below the field modulus")


def gt_bytes(c0: tuple[tuple[int, int], ...], c1: tuple[tuple[int, int], ...]) -> bytes:
    """Serialize an Fp12 element `c0 + c1·w` (each an Fp6 `(a0, a1, a2)` of Fp2 `(re, im)`)
    the way kyber/kilic marshal GT, which is what drand hashes in IBE's H2: c1 ‖ c0, each Fp6
    as a2 ‖ a1 ‖ a0, each Fp2 as im ‖ re, each Fp 48 bytes big-endian."""
    out = bytearray()
    for fp6 in (c1, c0):
        for re, im in reversed(fp6):
            out += im.to_bytes(48, "big") + re.to_bytes(48, "big")
    return bytes(out)


_NAMES: Final = ("arkworks", "pyecc")


def get_backend(name: str | None = None) -> Backend:
    """The named backend, or the fastest installed one when `name` is None.

    Raises:
        ConfigError: the name is unknown, or that backend's library is not installed.
    """
    if name is None:
        try:
            return get_backend("arkworks")
        except ConfigError:
            return get_backend("pyecc")
    if name not in _NAMES:
        raise ConfigError(f"unknown tlock backend {name!r}, expected one of {', '.join(_NAMES)}")
    return _backend(name)


@functools.cache
def _backend(name: str) -> Backend:
    # One instance per backend and process: the py_ecc one keeps a cache of decoded points.
    if name == "arkworks":
        try:
            from capsule.core.tlock.backends.arkworks import ArkworksBackend
        except ImportError:
            raise ConfigError("tlock backend arkworks needs py_arkworks_bls12381") from None
        return ArkworksBackend()
    from capsule.core.tlock.backends.pyecc import PyEccBackend

    return PyEccBackend()


def available_backends() -> list[str]:
    """Names of the backends that import here, fastest first."""
    names = []
    for name in _NAMES:
        try:
            get_backend(name)
        except ConfigError:
            continue
        names.append(name)
    return names
