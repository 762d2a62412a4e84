"""Keys: the capsule key pair (HPKE), its pre-seal wrap, and the AEAD and HKDF helpers every
construction shares (docs/FORMAT.md §1, §2.2, §2.3; DESIGN.md §4.2).

The service's own keys (Ed25519 signing key, master key, key files) live in `service_keys.py`
and are re-exported here, since callers think of all of them as "the keys". Every value that
holds a secret prints as `<redacted>`, so a traceback or a log line never carries key material.
"""

from __future__ import annotations

import hmac
import os
from typing import Final
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from capsule.core import labels
from capsule.core.errors import DecryptionError, FormatError
from capsule.core.service_keys import (
    ServiceKeys,
    SigningKey,
    init_keys_dir,
    keys_exist,
    kid_of,
    load_service_keys,
    verify_signature,
)

SUITE: Final = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
SUITE_NAME: Final = "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
MLKEM_SEED_SIZE: Final = 64
MLKEM_PUBLIC_SIZE: Final = 1184
X25519_SIZE: Final = 32
PRIVATE_KEY_SIZE: Final = MLKEM_SEED_SIZE + X25519_SIZE  # 96
PUBLIC_KEY_SIZE: Final = MLKEM_PUBLIC_SIZE + X25519_SIZE  # 1216
HPKE_ENC_SIZE: Final = 1120  # 1088-byte ML-KEM ciphertext ‖ 32-byte X25519 ephemeral key
KEY_SIZE: Final = 32
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16


# --- AEAD blobs and HKDF, shared by prekey, document, locks -------------------------------


def seal_blob(key: bytes, plaintext: bytes, aad: bytes, *, _nonce: bytes | None = None) -> bytes:
    """`nonce ‖ AES-256-GCM(key, nonce, plaintext, aad)` with a fresh random 12-byte nonce.

    `_nonce` exists only so test vectors can be reproduced; never pass it otherwise.

    Raises:
        FormatError: `key` is not 32 bytes.
    """
    _check_len(key, KEY_SIZE, "aead key")
    nonce = os.urandom(NONCE_SIZE) if _nonce is None else _check_len(_nonce, NONCE_SIZE, "nonce")
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_blob(key: bytes, blob: bytes, aad: bytes, *, what: str = "blob") -> bytes:
    """Inverse of `seal_blob`; `what` names the blob in errors ("prekey of capsule …").

    Raises:
        FormatError: `key` is not 32 bytes, or `blob` is shorter than nonce and tag.
        DecryptionError: the tag does not verify (wrong key, wrong AAD, or changed bytes).
    """
    _check_len(key, KEY_SIZE, "aead key")
    if len(blob) < NONCE_SIZE + TAG_SIZE:
        raise FormatError(
            f"{what} is {len(blob)} bytes, shorter than nonce and tag ({NONCE_SIZE + TAG_SIZE})"
        )
    view = memoryview(blob)
    try:
        return AESGCM(key).decrypt(view[:NONCE_SIZE], view[NONCE_SIZE:], aad)
    except InvalidTag:
        raise DecryptionError(f"{what} does not decrypt: wrong key, or changed bytes") from None


def hkdf32(ikm: bytes, info: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) with an empty salt and 32 bytes of output, as FORMAT §1 fixes."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=info).derive(ikm)


def _check_len(value: bytes, size: int, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise FormatError(f"{what} must be bytes, got {type(value).__name__}")
    if len(value) != size:
        raise FormatError(f"{what} must be {size} bytes, got {len(value)}")
    return bytes(value)


# --- The capsule key pair (HPKE, FORMAT §2.2) ---------------------------------------------


class CapsuleKeyPair(msgspec.Struct, frozen=True):
    """A capsule's HPKE key pair in the byte layout of FORMAT §2.2.

    `private` = ML-KEM-768 seed (64) ‖ X25519 private (32); `public` = ML-KEM-768
    encapsulation key (1184) ‖ X25519 public (32). Construction checks that they belong together.
    """

    private: bytes
    public: bytes

    def __post_init__(self) -> None:
        _check_len(self.private, PRIVATE_KEY_SIZE, "capsule private key")
        _check_len(self.public, PUBLIC_KEY_SIZE, "capsule public key")
        if not hmac.compare_digest(public_key_of(self.private), self.public):
            raise FormatError("capsule public key does not belong to the private key")

    def __repr__(self) -> str:
        return f"CapsuleKeyPair(public=<{PUBLIC_KEY_SIZE} bytes>, private=<redacted>)"


def generate_capsule_key() -> CapsuleKeyPair:
    """A fresh capsule key pair from the operating system's random source."""
    seed = os.urandom(MLKEM_SEED_SIZE)
    x_private = x25519.X25519PrivateKey.generate().private_bytes_raw()
    private = seed + x_private
    return CapsuleKeyPair(private=private, public=public_key_of(private))


def public_key_of(private: bytes) -> bytes:
    """The 1216-byte public key of a 96-byte capsule private key.

    Raises:
        FormatError: `private` is not 96 bytes.
    """
    _check_len(private, PRIVATE_KEY_SIZE, "capsule private key")
    ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(private[:MLKEM_SEED_SIZE])
    xk = x25519.X25519PrivateKey.from_private_bytes(private[MLKEM_SEED_SIZE:])
    return ml.public_key().public_bytes_raw() + xk.public_key().public_bytes_raw()


def _hpke_private(private: bytes) -> hpke.MLKEM768X25519PrivateKey:
    _check_len(private, PRIVATE_KEY_SIZE, "capsule private key")
    ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(private[:MLKEM_SEED_SIZE])
    xk = x25519.X25519PrivateKey.from_private_bytes(private[MLKEM_SEED_SIZE:])
    return hpke.MLKEM768X25519PrivateKey(ml, xk)


def _hpke_public(public: bytes) -> hpke.MLKEM768X25519PublicKey:
    _check_len(public, PUBLIC_KEY_SIZE, "capsule public key")
    try:
        # FIPS 203 §7.2 input check: every coefficient of the encapsulation key is below q.
        ml = mlkem.MLKEM768PublicKey.from_public_bytes(public[:MLKEM_PUBLIC_SIZE])
        xk = x25519.X25519PublicKey.from_public_bytes(public[MLKEM_PUBLIC_SIZE:])
    except ValueError:
        raise FormatError("capsule public key is not a valid ML-KEM-768 + X25519 key") from None
    return hpke.MLKEM768X25519PublicKey(ml, xk)


def hpke_seal(public: bytes, info: bytes, plaintext: bytes) -> bytes:
    """HPKE base-mode single-shot seal (suite of FORMAT §2.2, empty AAD): `enc ‖ ct`.

    Raises:
        FormatError: `public` is not a valid 1216-byte capsule public key.
    """
    return SUITE.encrypt(plaintext, _hpke_public(public), info=info)


def hpke_open(
    private: bytes, info: bytes, ciphertext: bytes, *, what: str = "hpke ciphertext"
) -> bytes:
    """Inverse of `hpke_seal`.

    Raises:
        FormatError: `private` is not 96 bytes, or `ciphertext` is shorter than `enc` and a tag.
        DecryptionError: it does not open (wrong key, wrong `info`, or changed bytes).
    """
    key = _hpke_private(private)
    if len(ciphertext) < HPKE_ENC_SIZE + TAG_SIZE:
        raise FormatError(
            f"{what} is {len(ciphertext)} bytes, "
            f"shorter than enc and tag ({HPKE_ENC_SIZE + TAG_SIZE})"
        )
    try:
        return SUITE.decrypt(bytes(ciphertext), key, info=info)
    except InvalidTag:
        raise DecryptionError(
            f"{what} does not open with this capsule key: wrong key or context, or changed bytes"
        ) from None


# --- The pre-seal wrap under the master key (FORMAT §2.3) ---------------------------------


def wrap_prekey(
    master: bytes, capsule_id: UUID, private: bytes, *, _nonce: bytes | None = None
) -> bytes:
    """The capsule private key as kept before sealing: `nonce ‖ AES-256-GCM(master, …)`.

    Raises:
        FormatError: `master` is not 32 bytes or `private` not 96 bytes.
    """
    _check_len(private, PRIVATE_KEY_SIZE, "capsule private key")
    master = _check_len(master, KEY_SIZE, "master key")
    return seal_blob(master, private, _prekey_aad(capsule_id), _nonce=_nonce)


def unwrap_prekey(master: bytes, capsule_id: UUID, blob: bytes) -> bytes:
    """Inverse of `wrap_prekey`: the 96-byte capsule private key.

    Raises:
        FormatError: the blob is too short or does not hold a 96-byte key.
        DecryptionError: wrong master key, another capsule's blob, or changed bytes.
    """
    master = _check_len(master, KEY_SIZE, "master key")
    what = f"prekey of capsule {capsule_id}"
    private = open_blob(master, blob, _prekey_aad(capsule_id), what=what)
    return _check_len(private, PRIVATE_KEY_SIZE, what)


def _prekey_aad(capsule_id: UUID) -> bytes:
    return labels.PREKEY + capsule_id.bytes



__all__ = [
    "CapsuleKeyPair", "ServiceKeys", "SigningKey", "generate_capsule_key", "hkdf32", "hpke_open",
    "hpke_seal", "init_keys_dir", "keys_exist", "kid_of", "load_service_keys", "open_blob",
    "public_key_of", "seal_blob", "unwrap_prekey", "verify_signature", "wrap_prekey",
]
