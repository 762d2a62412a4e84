"""FORMAT §2.2 and §3.3 are enough to unwrap a data key without an HPKE library.

An independent decapsulation, written from the specifications only: X-Wing (KEM 0x647a,
draft-connolly-cfrg-xwing-kem, = MLKEM768-X25519 of draft-ietf-hpke-pq) computed from the
expanded private key we store (ML-KEM seed d ‖ z, X25519 key), then the RFC 9180 base-mode key
schedule with HKDF-SHA256 and AES-256-GCM. If this test passes, someone in 2036 with any
ML-KEM, X25519, SHA3 and HKDF can open a capsule from FORMAT.md alone.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from capsule.core import envelope, keys

XWING_LABEL = b"\\.//^\\"  # 5c 2e 2f 2f 5e 5c
SUITE_ID = b"HPKE" + (0x647A).to_bytes(2, "big") + (0x0001).to_bytes(2, "big") + (0x0002).to_bytes(2, "big")


def labeled_extract(salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), b"HPKE-v1" + SUITE_ID + label + ikm, hashlib.sha256).digest()


def labeled_expand(prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled_info = length.to_bytes(2, "big") + b"HPKE-v1" + SUITE_ID + label + info
    out, block, counter = b"", b"", 1
    while len(out) < length:  # HKDF-Expand (RFC 5869 §2.3)
        block = hmac.new(prk, block + labeled_info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def xwing_decapsulate(private_key: bytes, enc: bytes) -> bytes:
    seed, sk_x = private_key[:64], private_key[64:]
    ct_m, ct_x = enc[:1088], enc[1088:]
    ss_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(seed).decapsulate(ct_m)
    x_key = x25519.X25519PrivateKey.from_private_bytes(sk_x)
    ss_x = x_key.exchange(x25519.X25519PublicKey.from_public_bytes(ct_x))
    pk_x = x_key.public_key().public_bytes_raw()
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + XWING_LABEL).digest()


def hpke_open_base(private_key: bytes, info: bytes, ciphertext: bytes) -> bytes:
    enc, ct = ciphertext[:1120], ciphertext[1120:]
    shared_secret = xwing_decapsulate(private_key, enc)
    context = b"\x00" + labeled_extract(b"", b"psk_id_hash", b"") + labeled_extract(b"", b"info_hash", info)
    secret = labeled_extract(shared_secret, b"secret", b"")
    key = labeled_expand(secret, b"key", context, 32)
    nonce = labeled_expand(secret, b"base_nonce", context, 12)  # sequence 0: XOR with zero
    return AESGCM(key).decrypt(nonce, ct, b"")


def test_a_wrapped_data_key_unwraps_from_the_spec_alone() -> None:
    pair = keys.generate_capsule_key()
    capsule_id, contribution_id = uuid.uuid4(), uuid.uuid4()
    dek = envelope.new_dek()
    wrapped = envelope.wrap_dek(pair.public, capsule_id, contribution_id, dek)
    info = b"capsule/v1 dek" + capsule_id.bytes + contribution_id.bytes
    assert hpke_open_base(pair.private, info, wrapped) == dek


def test_the_public_key_is_the_two_public_halves() -> None:
    pair = keys.generate_capsule_key()
    ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(pair.private[:64]).public_key().public_bytes_raw()
    xp = x25519.X25519PrivateKey.from_private_bytes(pair.private[64:]).public_key().public_bytes_raw()
    assert pair.public == ml + xp
