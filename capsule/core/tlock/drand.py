"""drand chains, round arithmetic and beacon verification (FORMAT.md §7, DESIGN.md §4.5).

Only the `bls-unchained-g1-rfc9380` scheme is supported, which is quicknet's: beacon
signatures are BLS on G1 (48 bytes) under a group key on G2 (96 bytes), the message for round
r is SHA-256(r as 8-byte big-endian), hashed to G1 with RFC 9380 and drand's tag below.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from capsule.core.clock import check_aware
from capsule.core.errors import FormatError, SignatureError, ValidationError
from capsule.core.tlock.backends import Backend, get_backend

SCHEME: Final = "bls-unchained-g1-rfc9380"
# drand's G1 tag (drand crypto/schemes.go, SigsOnG1ID): the RFC 9380 BLS suite tag for G1.
DST_G1: Final = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
MAX_ROUND: Final = 2**64 - 1  # drand rounds are uint64


def chain_hash(*, period: int, genesis_time: int, public_key: bytes, genesis_seed: bytes,
               beacon_id: str) -> bytes:
    """drand's chain hash (drand common/chain/info.go, `Info.Hash`): SHA-256 of the period in
    seconds (uint32 BE) ‖ genesis time (int64 BE) ‖ public key ‖ genesis seed (the group hash)
    ‖ the beacon ID unless it is the default one. The scheme is not hashed."""
    h = hashlib.sha256()
    h.update(period.to_bytes(4, "big") + genesis_time.to_bytes(8, "big", signed=True))
    h.update(public_key + genesis_seed)
    if beacon_id not in ("", "default"):
        h.update(beacon_id.encode("ascii"))
    return h.digest()


class Chain(msgspec.Struct, frozen=True):
    """A drand chain as its chain info describes it; the chain hash is recomputed and checked.

    Raises (at construction):
        FormatError: a field has the wrong size, the scheme is not supported, or `chain_hash`
            is not the hash of the other fields.
    """

    beacon_id: str
    public_key: bytes
    period: int
    genesis_time: int
    genesis_seed: bytes
    chain_hash: bytes
    scheme: str = SCHEME

    def __post_init__(self) -> None:
        if self.scheme != SCHEME:
            raise FormatError(f"drand scheme {self.scheme!r} is not supported, only {SCHEME}")
        if len(self.public_key) != 96:
            raise FormatError(f"chain public key must be 96 bytes, got {len(self.public_key)}")
        if len(self.genesis_seed) != 32 or len(self.chain_hash) != 32:
            raise FormatError("chain genesis seed and chain hash must be 32 bytes each")
        if not 0 < self.period < 2**32 or not 0 <= self.genesis_time < 2**63:
            raise FormatError(f"chain period {self.period} or genesis {self.genesis_time} "
                              "is out of range")
        want = chain_hash(period=self.period, genesis_time=self.genesis_time,
                          public_key=self.public_key, genesis_seed=self.genesis_seed,
                          beacon_id=self.beacon_id)
        if want != self.chain_hash:
            raise FormatError(f"chain {self.beacon_id}: chain hash {self.chain_hash.hex()} "
                              f"is not the hash of its info ({want.hex()})")

    @property
    def genesis(self) -> datetime:
        return datetime.fromtimestamp(self.genesis_time, UTC)


# The League of Entropy mainnet "quicknet" chain, from https://api.drand.sh/<hash>/info (the
# same JSON is in drand/drand common/chain/info_test.go). Constructing it checks the hash.
QUICKNET: Final = Chain(
    beacon_id="quicknet",
    public_key=bytes.fromhex(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
        "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
        "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    period=3,
    genesis_time=1692803367,
    genesis_seed=bytes.fromhex("f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e"),
    chain_hash=bytes.fromhex("52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"),
)


def round_at(when: datetime, chain: Chain = QUICKNET) -> int:
    """The first round whose beacon is published at or after `when`:
    ceil((when − genesis) / period) + 1 (FORMAT.md §7).

    drand's own `tle` uses the current round (floor + 1) instead, whose beacon may come up to
    one period before `when`; a capsule must never open early. Times before genesis give 1.

    Raises:
        ValidationError: `when` is naive, or so far ahead that the round overflows uint64.
    """
    try:
        when = check_aware(when)
    except ValueError as exc:
        raise ValidationError(str(exc), field="opening_at") from None
    elapsed_us = (when - chain.genesis) // timedelta(microseconds=1)
    period_us = chain.period * 1_000_000
    rnd = max(1, -(-elapsed_us // period_us) + 1)
    if rnd > MAX_ROUND:
        raise ValidationError(f"time {when.isoformat()} is beyond the last drand round",
                              field="opening_at")
    return rnd


def round_time(rnd: int, chain: Chain = QUICKNET) -> datetime:
    """When the beacon of round `rnd` is published: genesis + (rnd − 1)·period.

    Raises:
        ValidationError: `rnd` is not a drand round (1 to 2⁶⁴−1).
    """
    check_round(rnd)
    return chain.genesis + timedelta(seconds=(rnd - 1) * chain.period)


def check_round(rnd: int) -> None:
    """Raises: ValidationError: `rnd` is not a drand round (1 to 2⁶⁴−1); 0 has no beacon."""
    if isinstance(rnd, bool) or not isinstance(rnd, int) or not 1 <= rnd <= MAX_ROUND:
        raise ValidationError(f"drand round must be 1 to 2^64-1, got {rnd!r}", field="round")


def beacon_message(rnd: int) -> bytes:
    """What the unchained scheme signs for round `rnd`: SHA-256(rnd as uint64 BE). It is also
    the tlock identity for that round (drand crypto/schemes.go, `DigestBeacon`)."""
    check_round(rnd)
    return hashlib.sha256(rnd.to_bytes(8, "big")).digest()


def beacon_randomness(signature: bytes) -> bytes:
    """A beacon's published randomness: SHA-256 of its signature."""
    return hashlib.sha256(signature).digest()


def verify_beacon(rnd: int, signature: bytes, chain: Chain = QUICKNET,
                  backend: Backend | None = None) -> None:
    """Check that `signature` is `chain`'s beacon for round `rnd`.

    Raises:
        ValidationError: `rnd` is not a drand round.
        SignatureError: the signature is not a G1 point, or fails BLS verification for that
            round under the chain's key (e.g. it is another round's).
    """
    backend = backend or get_backend()
    message = beacon_message(rnd)
    try:
        sig = backend.g1_decode(bytes(signature), what="beacon signature")
    except FormatError as exc:
        raise SignatureError(f"round {rnd}: {exc}", round=rnd) from None
    public_key = backend.g2_decode(chain.public_key, what=f"{chain.beacon_id} public key")
    if not backend.bls_verify(public_key, backend.hash_to_g1(message, DST_G1), sig):
        raise SignatureError(
            f"beacon signature {bytes(signature)[:8].hex()}… does not verify for "
            f"{chain.beacon_id} round {rnd}", round=rnd)
