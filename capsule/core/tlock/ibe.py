"""Boneh–Franklin identity-based encryption with the Fujisaki–Okamoto transform, exactly as
drand's tlock runs it for `bls-unchained-g1-rfc9380` chains (kyber encrypt/ibe/ibe.go,
`EncryptCCAonG2` / `DecryptCCAonG2`; tlock-js src/crypto/ibe.ts, `encryptOnG2`).

- master key P_pub on G2 (the chain key), identity Q_id = H1(id) on G1 with drand's tag,
  where id = SHA-256(round as uint64 BE), and the round's signature s·Q_id is the private key;
- encrypt m (the 16-byte age file key): σ random, r = H3(σ, m), U = r·G2,
  V = σ ⊕ H2(e(Q_id, P_pub)^r), W = m ⊕ H4(σ);
- decrypt: σ = V ⊕ H2(e(sig, U)), m = W ⊕ H4(σ), and accept only if r·G2 = U.

The ciphertext is U (96 bytes, compressed) ‖ V (16) ‖ W (16), tlock's CiphertextToBytes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Final

from capsule.core.errors import DecryptionError, FormatError
from capsule.core.tlock.backends import G2_SIZE, R, Backend
from capsule.core.tlock.drand import DST_G1, beacon_message

MESSAGE_SIZE: Final = 16
CIPHERTEXT_SIZE: Final = G2_SIZE + 2 * MESSAGE_SIZE

_H2: Final = b"IBE-H2"
_H3: Final = b"IBE-H3"
_H4: Final = b"IBE-H4"


def h2(gt: bytes, length: int) -> bytes:
    """H2: GT → {0,1}^length, SHA-256("IBE-H2" ‖ GT in kyber byte order), truncated."""
    return hashlib.sha256(_H2 + gt).digest()[:length]


def h3(sigma: bytes, message: bytes) -> int:
    """H3: (σ, m) → a nonzero-probability scalar below r, by kyber's rejection sampling:
    h = SHA-256("IBE-H3" ‖ σ ‖ m), then for i = 1, 2, …: SHA-256(i as uint16 LE ‖ h) with the
    top bit cleared (r has 255 bits), read big-endian, the first value below r.

    Raises:
        DecryptionError: no candidate in 65534 tries (probability about 2^-65534).
    """
    seed = hashlib.sha256(_H3 + sigma + message).digest()
    for i in range(1, 65535):
        candidate = bytearray(hashlib.sha256(i.to_bytes(2, "little") + seed).digest())
        candidate[0] >>= 1
        value = int.from_bytes(candidate, "big")
        if value < R:
            return value
    raise DecryptionError("ibe h3 found no scalar in 65534 tries")


def h4(sigma: bytes, length: int) -> bytes:
    """H4: σ → {0,1}^length, SHA-256("IBE-H4" ‖ σ), truncated."""
    return hashlib.sha256(_H4 + sigma).digest()[:length]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def encrypt(backend: Backend, public_key: bytes, rnd: int, message: bytes,
            *, sigma: bytes | None = None) -> bytes:
    """Encrypt `message` (16 bytes) to round `rnd` of the chain with key `public_key`.

    `sigma` is for tests only: it makes the ciphertext deterministic.

    Raises:
        FormatError: the message or sigma is not 16 bytes, or the key is not a G2 point.
    """
    if len(message) != MESSAGE_SIZE:
        raise FormatError(f"ibe message must be {MESSAGE_SIZE} bytes, got {len(message)}")
    sigma = os.urandom(MESSAGE_SIZE) if sigma is None else sigma
    if len(sigma) != MESSAGE_SIZE:
        raise FormatError(f"ibe sigma must be {MESSAGE_SIZE} bytes, got {len(sigma)}")
    master = backend.g2_decode(public_key, what="chain public key")
    q_id = backend.hash_to_g1(beacon_message(rnd), DST_G1)
    r = h3(sigma, message)
    u = backend.g2_base_mul(r)
    # e(Q_id, P_pub)^r = e(r·Q_id, P_pub): a G1 multiplication instead of a GT power.
    r_gid = backend.pairing(backend.g1_mul(q_id, r), master)
    v = _xor(sigma, h2(r_gid, MESSAGE_SIZE))
    w = _xor(message, h4(sigma, MESSAGE_SIZE))
    return backend.g2_encode(u) + v + w


def decrypt(backend: Backend, signature: bytes, ciphertext: bytes) -> bytes:
    """Recover the message from `ciphertext` with the round's (already verified) signature.

    Raises:
        FormatError: the ciphertext is not U ‖ V ‖ W of the right sizes, or U is not a G2
            point.
        DecryptionError: the Fujisaki–Okamoto check fails (wrong round, or changed bytes).
    """
    if len(ciphertext) != CIPHERTEXT_SIZE:
        raise FormatError(
            f"tlock stanza body must be {CIPHERTEXT_SIZE} bytes, got {len(ciphertext)}")
    u = backend.g2_decode(ciphertext[:G2_SIZE], what="tlock ciphertext U")
    v = ciphertext[G2_SIZE : G2_SIZE + MESSAGE_SIZE]
    w = ciphertext[G2_SIZE + MESSAGE_SIZE :]
    sig = backend.g1_decode(signature, what="beacon signature")
    sigma = _xor(v, h2(backend.pairing(sig, u), MESSAGE_SIZE))
    message = _xor(w, h4(sigma, MESSAGE_SIZE))
    expected_u = backend.g2_base_mul(h3(sigma, message))
    # Encodings are canonical (decoding is strict), so equal bytes mean equal points.
    if not hmac.compare_digest(backend.g2_encode(expected_u), ciphertext[:G2_SIZE]):
        raise DecryptionError("tlock stanza does not decrypt with this beacon (ibe check failed)")
    return message
