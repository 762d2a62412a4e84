"""drand timelock encryption ("tlock"), interoperable with drand's `tle` and tlock-js.

A tlock file is an age v1 file (usually armored) whose one recipient stanza is
`-> tlock <round> <chain hash hex>` with body U ‖ V ‖ W: the 16-byte age file key encrypted by
Boneh–Franklin IBE to the identity of that round (see `ibe`). Anyone can encrypt to a future
round; the file opens only with that round's beacon signature, which the drand network
publishes at `round_time(round)`. The `drand` lock of a capsule (FORMAT.md §7) is such a file.

    data = encrypt(secret, round_at(opening_at))
    ... after opening_at, fetch the round's signature from any drand relay ...
    secret = decrypt(data, signature)

`decrypt` checks the chain hash, then the beacon's BLS signature, and only then uses it.
"""

from __future__ import annotations

import os
import re
from typing import Final

import msgspec

from capsule.core.errors import FormatError
from capsule.core.tlock import age, ibe
from capsule.core.tlock import armor as ascii_armor
from capsule.core.tlock.backends import Backend, available_backends, get_backend
from capsule.core.tlock.drand import (
    QUICKNET,
    Chain,
    beacon_message,
    beacon_randomness,
    check_round,
    round_at,
    round_time,
    verify_beacon,
)

__all__ = [
    "QUICKNET", "Backend", "Chain", "TlockHeader", "available_backends", "beacon_message",
    "beacon_randomness", "decrypt", "encrypt", "get_backend", "parse_stanza", "round_at",
    "round_time", "verify_beacon",
]

STANZA_TYPE: Final = "tlock"
_ROUND: Final = re.compile(r"[1-9][0-9]{0,19}")
_HASH: Final = re.compile(r"[0-9a-f]{64}")


class TlockHeader(msgspec.Struct, frozen=True):
    """What a tlock file says about itself: the round it opens at and the chain's hash."""

    round: int
    chain_hash: bytes


def encrypt(plaintext: bytes, round: int, chain: Chain = QUICKNET, *, armor: bool = True,
            backend: Backend | None = None) -> bytes:
    """A tlock file of `plaintext` that opens with `chain`'s beacon for `round`, ASCII-armored
    unless `armor` is False (then binary age, as `tle` writes without `--armor`).

    Raises:
        ValidationError: `round` is not a drand round (1 to 2⁶⁴−1).
    """
    check_round(round)
    file_key = os.urandom(age.FILE_KEY_SIZE)
    body = ibe.encrypt(backend or get_backend(), chain.public_key, round, file_key)
    stanza = age.Stanza(STANZA_TYPE, (str(round), chain.chain_hash.hex()), body)
    data = age.seal([stanza], file_key, plaintext)
    return ascii_armor.armor(data) if armor else data


def _open(data: bytes) -> tuple[age.AgeFile, age.Stanza, TlockHeader]:
    data = bytes(data)
    binary = data if data.startswith(age.INTRO) else ascii_armor.dearmor(data)
    file = age.parse(binary)
    found = [s for s in file.stanzas if s.type == STANZA_TYPE]
    if len(found) != 1:
        kinds = ", ".join(s.type for s in file.stanzas)
        raise FormatError(f"expected one tlock stanza, found {len(found)} among: {kinds}")
    stanza = found[0]
    if (len(stanza.args) != 2 or not _ROUND.fullmatch(stanza.args[0])
            or not _HASH.fullmatch(stanza.args[1]) or int(stanza.args[0]) >= 2**64):
        raise FormatError(f"malformed tlock stanza arguments {' '.join(stanza.args)[:200]!r}")
    return file, stanza, TlockHeader(int(stanza.args[0]), bytes.fromhex(stanza.args[1]))


def parse_stanza(data: bytes) -> TlockHeader:
    """The round and chain hash of a tlock file (armored or binary), without decrypting.

    Raises:
        FormatError: not a well-formed (armored) age file with exactly one tlock stanza whose
            arguments are a round (decimal, no leading zero) and a 64-digit lowercase hex hash.
    """
    return _open(data)[2]


def decrypt(data: bytes, signature: bytes, chain: Chain = QUICKNET,
            backend: Backend | None = None) -> bytes:
    """The plaintext of tlock file `data`, given the beacon signature of its round.

    Nothing is decrypted with a beacon that fails verification.

    Raises:
        FormatError: the file is malformed or truncated, or is for another chain.
        SignatureError: `signature` is not `chain`'s beacon for the file's round.
        DecryptionError: the stanza or a payload chunk does not decrypt (changed ciphertext).
        TamperError: the age header MAC does not match (changed header).
    """
    file, stanza, header = _open(data)
    if header.chain_hash != chain.chain_hash:
        raise FormatError(
            f"tlock file is for chain {header.chain_hash.hex()}, not {chain.beacon_id} "
            f"{chain.chain_hash.hex()}", chain_hash=header.chain_hash.hex())
    backend = backend or get_backend()
    verify_beacon(header.round, signature, chain, backend)
    file_key = ibe.decrypt(backend, bytes(signature), stanza.body)
    return age.open_payload(file, file_key)
