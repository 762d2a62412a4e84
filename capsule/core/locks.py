"""Locks: who can open a capsule, and from when (FORMAT §7; DESIGN.md §4.5).

Every lock protects its own random 32-byte opening secret `s_i` (`i` = its position in the
certificate's `locks`). The capsule private key is sealed under keys derived from them:

- policy `any`: once per lock, under `HKDF(s_i, "capsule/v1 lock" ‖ id16 ‖ u8(i))`;
- policy `all`: once, under `HKDF(s_0 ‖ … ‖ s_{m-1}, "capsule/v1 lock all" ‖ id16 ‖ u8(m))`.

How each secret is kept: `server` wrapped under the master key with the opening date in the
AAD (the service refuses to unwrap before it); `custodians` split into SLIP-39 mnemonics that
are handed out once and never stored (`capsule.core.shares`); `drand` time-locked to the round
of the opening date in drand's tlock format (`locks/drand.age` in the archive).

Sealing returns everything at once (`LockedKey`); opening is one function per lock type giving
back its secret, then `recover_private_key`.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal
from uuid import UUID

import msgspec

from capsule.core import canonical, labels, tlock
from capsule.core.certificate import (
    CustodiansLockInfo,
    DrandLockInfo,
    LockInfo,
    ServerLockInfo,
)
from capsule.core.clock import check_aware, utc_text
from capsule.core.errors import DecryptionError, FormatError, LockedError, TamperError, ValidationError
from capsule.core.keys import KEY_SIZE, PRIVATE_KEY_SIZE, hkdf32, open_blob, public_key_of, seal_blob
from capsule.core.lifecycle import check_openable
from capsule.core.manifest import DRAND_LOCK_FILE, AllKeySeal, AnyKeySeal, BlobRef, KeySeal
from capsule.core.shares import check_share, combine, split_secret

SECRET_SIZE: Final = 32
MAX_SHARES: Final = 16

Policy = Literal["any", "all"]


# --- what an organizer asks for ------------------------------------------------------------


class _Spec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type"):
    pass


class ServerLock(_Spec, tag="server"):
    """The service keeps the secret under its master key and releases it at the date."""


class CustodiansLock(_Spec, tag="custodians"):
    """Any `threshold` of `shares` custodians together (2 ≤ k ≤ n ≤ 16)."""

    threshold: int
    shares: int

    def __post_init__(self) -> None:
        k, n = self.threshold, self.shares
        if not (type(k) is int and type(n) is int and 2 <= k <= n <= MAX_SHARES):
            raise ValidationError(f"custodians lock {k!r} of {n!r} must have 2 <= k <= n <= "
                                  f"{MAX_SHARES}", field="locks", threshold=k, shares=n)


class DrandLock(_Spec, tag="drand"):
    """Time-locked to the drand quicknet round of the opening date."""


LockSpec = ServerLock | CustodiansLock | DrandLock


def check_locks(specs: Sequence[LockSpec], policy: str) -> None:
    """Check a capsule's lock settings. A policy of one `drand` lock alone is allowed, but
    nobody can then open early even if the drand network stops: callers should warn.

    Raises:
        ValidationError: no lock, a lock type twice, an unknown policy, or `all` with one lock.
    """
    if policy not in ("any", "all"):
        raise ValidationError(f"lock policy {policy!r} is not any or all", field="lock_policy")
    if not specs:
        raise ValidationError("a capsule needs at least one lock", field="locks")
    if not all(isinstance(spec, ServerLock | CustodiansLock | DrandLock) for spec in specs):
        raise ValidationError(f"unknown lock in {list(specs)!r}", field="locks")
    types = [lock_type(spec) for spec in specs]
    if len(set(types)) != len(types):
        raise ValidationError(f"a lock type appears twice: {', '.join(types)}", field="locks")
    if policy == "all" and len(specs) < 2:
        raise ValidationError("lock policy all needs at least two locks", field="lock_policy")


def lock_type(lock: LockSpec | LockInfo) -> str:
    """`server`, `custodians` or `drand`."""
    return str(type(lock).__struct_config__.tag)


# --- what sealing produces -----------------------------------------------------------------


class StoredLock(msgspec.Struct, frozen=True, kw_only=True):
    """What the service stores for one lock: its parameters (as in the certificate), the
    server lock's wrapped secret, the drand lock's tlock file. Custodian shares are not here."""

    position: int
    type: str
    params: dict[str, Any]
    wrapped_secret: bytes | None = None
    lock_file: bytes | None = None

    def __repr__(self) -> str:
        return f"StoredLock(position={self.position}, type={self.type}, params={self.params})"


class LockedKey(msgspec.Struct, frozen=True, kw_only=True):
    """The result of `seal_private_key`: the manifest's `key_seal`, the certificate's lock
    infos, what to store per lock, and the custodians' mnemonics (show once, never store)."""

    policy: str
    key_seal: KeySeal
    locks: tuple[LockInfo, ...]
    stored: tuple[StoredLock, ...]
    mnemonics: tuple[str, ...] = ()

    @property
    def lock_files(self) -> list[BlobRef]:
        """The manifest's `lock_files` (`locks/drand.age` when there is a drand lock)."""
        return [BlobRef.of(DRAND_LOCK_FILE, s.lock_file) for s in self.stored if s.lock_file]

    def __repr__(self) -> str:
        return (f"LockedKey(policy={self.policy}, locks={[lock_type(x) for x in self.locks]}, "
                f"mnemonics=<{len(self.mnemonics)} redacted>)")


def _id16(capsule_id: UUID) -> bytes:
    return capsule_id.bytes


def lock_key(secret: bytes, capsule_id: UUID, position: int) -> bytes:
    """k_i of policy `any` (FORMAT §7)."""
    _check_secret(secret, f"opening secret of lock {position}")
    return hkdf32(secret, labels.LOCK + _id16(capsule_id) + bytes([position]))


def all_locks_key(secrets: Sequence[bytes], capsule_id: UUID) -> bytes:
    """k of policy `all` (FORMAT §7): from every secret, in lock order."""
    for i, secret in enumerate(secrets):
        _check_secret(secret, f"opening secret of lock {i}")
    return hkdf32(b"".join(secrets), labels.LOCK_ALL + _id16(capsule_id) + bytes([len(secrets)]))


def server_aad(capsule_id: UUID, opening_at: datetime) -> bytes:
    """AAD of the server lock's secret: it binds the opening date (UTC text, FORMAT §1)."""
    return labels.SERVER_LOCK + _id16(capsule_id) + utc_text(opening_at).encode("ascii")


def _check_secret(secret: bytes, what: str) -> None:
    if not isinstance(secret, bytes | bytearray) or len(secret) != SECRET_SIZE:
        raise FormatError(f"{what} must be {SECRET_SIZE} bytes")


def seal_private_key(
    private_key: bytes, capsule_id: UUID, opening_at: datetime, specs: Sequence[LockSpec],
    policy: str, master_key: bytes, *, drand_backend: tlock.Backend | None = None,
) -> LockedKey:
    """Put the capsule private key under its locks (FORMAT §7), each with a fresh secret.

    The result is checked by opening it again with the secrets before they are forgotten.

    Raises:
        ValidationError: bad lock settings (see `check_locks`), or an opening date beyond drand.
        FormatError: a key of the wrong size.
    """
    check_locks(specs, policy)
    check_aware(opening_at)
    if len(private_key) != PRIVATE_KEY_SIZE:
        raise FormatError(f"capsule private key must be {PRIVATE_KEY_SIZE} bytes")
    if len(master_key) != KEY_SIZE:
        raise FormatError(f"master key must be {KEY_SIZE} bytes")
    secrets = [os.urandom(SECRET_SIZE) for _ in specs]
    infos: list[LockInfo] = []
    stored: list[StoredLock] = []
    mnemonics: list[str] = []
    for i, (spec, secret) in enumerate(zip(specs, secrets, strict=True)):
        if isinstance(spec, ServerLock):
            infos.append(ServerLockInfo())
            wrapped = seal_blob(master_key, secret, server_aad(capsule_id, opening_at))
            stored.append(StoredLock(position=i, type="server", params={}, wrapped_secret=wrapped))
        elif isinstance(spec, CustodiansLock):
            identifier, words = split_secret(secret, spec.threshold, spec.shares)
            info = CustodiansLockInfo(threshold=spec.threshold, shares=spec.shares,
                                      identifier=identifier)
            infos.append(info)
            mnemonics.extend(words)
            stored.append(StoredLock(position=i, type="custodians", params=_params(info)))
        else:
            rnd = tlock.round_at(opening_at)
            data = tlock.encrypt(secret, rnd, tlock.QUICKNET, armor=True, backend=drand_backend)
            info = DrandLockInfo(chain_hash=tlock.QUICKNET.chain_hash.hex(), round=rnd)
            infos.append(info)
            stored.append(StoredLock(position=i, type="drand", params=_params(info), lock_file=data))
    aad = labels.SEALED_KEY + _id16(capsule_id)
    seal: KeySeal
    if policy == "any":
        seal = AnyKeySeal(sealed_keys=[
            canonical.b64(seal_blob(lock_key(s, capsule_id, i), private_key, aad))
            for i, s in enumerate(secrets)])
    else:
        seal = AllKeySeal(sealed_key=canonical.b64(
            seal_blob(all_locks_key(secrets, capsule_id), private_key, aad)))
    # Sealing is irreversible: prove the seal opens before the secrets are gone.
    recover_private_key(seal, capsule_id, dict(enumerate(secrets)), public_key_of(private_key),
                        locks=infos)
    return LockedKey(policy=policy, key_seal=seal, locks=tuple(infos), stored=tuple(stored),
                     mnemonics=tuple(mnemonics))


def _params(info: LockInfo) -> dict[str, Any]:
    return {k: v for k, v in msgspec.to_builtins(info).items() if k != "type"}


# --- getting a secret back, one function per lock type ---------------------------------------


def server_secret(
    stored: StoredLock | bytes, capsule_id: UUID, opening_at: datetime, master: bytes,
    now: datetime,
) -> bytes:
    """The server lock's opening secret; refused before `opening_at`, whoever asks.

    Raises:
        LockedError: `now` is before `opening_at` (the message gives the date).
        DecryptionError: wrong master key, another capsule, another date, or changed bytes.
        FormatError: nothing stored, or not a 32-byte secret.
    """
    check_openable(opening_at, now)
    wrapped = stored.wrapped_secret if isinstance(stored, StoredLock) else stored
    if not wrapped:
        raise FormatError(f"server lock of capsule {capsule_id} has no wrapped secret")
    secret = open_blob(master, wrapped, server_aad(capsule_id, opening_at),
                       what=f"server lock secret of capsule {capsule_id}")
    _check_secret(secret, "server lock secret")
    return secret


def custodian_secret(mnemonics: Sequence[str], lock_info: CustodiansLockInfo) -> bytes:
    """The custodians lock's opening secret from at least k of its n shares.

    Raises:
        ShareWordError, ShareChecksumError, ShareForeignError, ShareDuplicateError,
        ShareTooFewError: see `capsule.core.shares.combine`.
    """
    return combine(mnemonics, lock_info)


def drand_secret(
    lock_file: bytes, signature: bytes, chain: tlock.Chain = tlock.QUICKNET, *,
    lock_info: DrandLockInfo | None = None, backend: tlock.Backend | None = None,
) -> bytes:
    """The drand lock's opening secret, given the beacon signature of its round (which
    tlock verifies before using it). With `lock_info`, the file must name its round and chain.

    Raises:
        TamperError: the file names another round or chain than `lock_info`.
        SignatureError: `signature` is not the chain's beacon for the round.
        FormatError, DecryptionError: a malformed or changed lock file.
    """
    if lock_info is not None:
        header = tlock.parse_stanza(lock_file)
        if header.round != lock_info.round or header.chain_hash.hex() != lock_info.chain_hash:
            raise TamperError(f"{DRAND_LOCK_FILE} is for round {header.round} of chain "
                              f"{header.chain_hash.hex()[:16]}…, the certificate says round "
                              f"{lock_info.round}")
    secret = tlock.decrypt(lock_file, signature, chain, backend)
    if len(secret) != SECRET_SIZE:
        raise FormatError(f"{DRAND_LOCK_FILE} holds {len(secret)} bytes, not a {SECRET_SIZE}-byte secret")
    return secret


def recover_private_key(
    key_seal: KeySeal, capsule_id: UUID, secrets: Mapping[int, bytes], public_key: bytes, *,
    locks: Sequence[LockInfo] | None = None,
) -> bytes:
    """The capsule private key from opening secrets by lock position. Policy `any`: the first
    given secret that opens its sealed key; `all`: every lock's secret together (`locks`, the
    certificate's, tells how many and names the missing ones; without it every position
    from 0 to len(secrets)−1 must be given). The key must match the capsule public key.

    Raises:
        LockedError: no secret given, or (`all`) a lock's secret is missing.
        DecryptionError: a secret does not open its seal (wrong secret or changed bytes).
        TamperError: the key opened but is not the capsule's (its public half differs).
    """
    if not secrets:
        raise LockedError("no lock is open: give a key, custodian shares or a drand beacon")
    aad = labels.SEALED_KEY + _id16(capsule_id)
    if isinstance(key_seal, AnyKeySeal):
        errors: list[DecryptionError] = []
        for i in sorted(secrets):
            if not 0 <= i < len(key_seal.sealed_keys):
                raise FormatError(f"lock position {i} is not in the key seal")
            blob = canonical.unb64(key_seal.sealed_keys[i], what=f"sealed key {i}")
            try:
                private = open_blob(lock_key(secrets[i], capsule_id, i), blob, aad,
                                    what=f"sealed key of lock {i}")
            except DecryptionError as exc:
                errors.append(exc)
                continue
            return _check_key(private, public_key)
        raise errors[0]
    count = len(locks) if locks is not None else len(secrets)
    missing = [i for i in range(count) if i not in secrets]
    if missing:
        names = ", ".join(lock_type(locks[i]) if locks is not None else str(i) for i in missing)
        raise LockedError(f"lock policy all needs every lock; still closed: {names}",
                          missing=names)
    if set(secrets) != set(range(count)):
        raise FormatError(f"lock positions {sorted(secrets)} are not 0 to {count - 1}")
    key = all_locks_key([secrets[i] for i in range(count)], capsule_id)
    blob = canonical.unb64(key_seal.sealed_key, what="sealed key")
    return _check_key(open_blob(key, blob, aad, what="sealed key of all locks"), public_key)


def _check_key(private: bytes, public_key: bytes) -> bytes:
    if len(private) != PRIVATE_KEY_SIZE:
        raise TamperError(f"sealed key holds {len(private)} bytes, not a capsule private key")
    if not hmac.compare_digest(public_key_of(private), bytes(public_key)):
        raise TamperError("the recovered key does not match the capsule public key")
    return private


__all__ = [
    "CustodiansLock", "DrandLock", "LockSpec", "LockedKey", "Policy", "ServerLock", "StoredLock",
    "all_locks_key", "check_locks", "check_share", "custodian_secret", "drand_secret",
    "lock_key", "lock_type", "recover_private_key", "seal_private_key", "server_aad",
    "server_secret",
]
