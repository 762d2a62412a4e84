"""The seal certificate (FORMAT §6): what the ceremony publishes, signs and reads aloud.

A verifier never re-encodes: it checks the Ed25519 signature over the exact bytes it was given,
then parses them strictly, then checks them against the manifest. The fingerprint read aloud
is computed from the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Final, Literal, Protocol
from uuid import UUID

import msgspec

from capsule.core import canonical
from capsule.core.audit import AuditRef
from capsule.core.errors import FormatError, SignatureError, TamperError
from capsule.core.keys import PUBLIC_KEY_SIZE
from capsule.core.lifecycle import Kind
from capsule.core.manifest import (
    DRAND_LOCK_FILE, AnyKeySeal, Manifest, encode_manifest, kind_counts, manifest_sha256,
    merkle_tree,
)
from capsule.core.service_keys import kid_of, verify_signature

FORMAT: Final = "capsule-seal/1"
SUITE: Final = "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
SIGNATURE_SIZE: Final = 64
MAX_SHARES: Final = 16
_SLUG: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # it names the archive's top folder
_KID: Final = re.compile(r"[0-9a-f]{16}")


class Signer(Protocol):
    """Anything that signs with Ed25519 and knows its key id (the service's signing key)."""

    @property
    def kid(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class _Lock(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True,
            tag_field="type"):
    pass


class ServerLockInfo(_Lock, tag="server"):
    """The service holds the opening secret under its master key until the date."""


class CustodiansLockInfo(_Lock, tag="custodians"):
    """Any `threshold` of `shares` custodians together (SLIP-39, one group)."""

    threshold: int
    shares: int
    identifier: int  # the SLIP-39 identifier, 15 bits

    def __post_init__(self) -> None:
        k, n = self.threshold, self.shares
        if not (type(k) is int and type(n) is int and 2 <= k <= n <= MAX_SHARES):
            raise FormatError(f"custodians lock {k!r} of {n!r} is not 2 <= k <= n <= {MAX_SHARES}")
        if type(self.identifier) is not int or not 0 <= self.identifier < 2**15:
            raise FormatError(f"custodians lock identifier {self.identifier!r} is not 15 bits")


class DrandLockInfo(_Lock, tag="drand"):
    """Time-locked to a drand round: nobody can open before the beacon exists."""

    chain_hash: str
    round: int

    def __post_init__(self) -> None:
        canonical.unhex(self.chain_hash, what="drand chain_hash", length=32)
        if type(self.round) is not int or not 1 <= self.round < 2**64:  # drand rounds are uint64
            raise FormatError(f"drand round {self.round!r} is not within 1..2^64-1")


LockInfo = ServerLockInfo | CustodiansLockInfo | DrandLockInfo
_LOCK_CLASSES: Final = (ServerLockInfo, CustodiansLockInfo, DrandLockInfo)


class Certificate(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    format: Literal["capsule-seal/1"] = FORMAT
    capsule_id: UUID
    slug: str
    title: str
    opening_at: datetime  # with the capsule's own offset
    sealed_at: datetime  # UTC, written with Z
    public_key: str  # base64, 1216 bytes
    suite: Literal["MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"] = SUITE
    lock_policy: Literal["any", "all"]
    locks: list[LockInfo]
    items: int
    kinds: dict[str, int]
    content_root: str
    manifest_sha256: str
    audit: AuditRef
    signer: str

    def __post_init__(self) -> None:
        if self.format != FORMAT or self.suite != SUITE:
            raise FormatError(f"certificate {self.format!r} with {self.suite!r} is not {FORMAT}")
        if not isinstance(self.capsule_id, UUID):
            raise FormatError(f"certificate capsule_id {self.capsule_id!r} is not a UUID")
        if not isinstance(self.slug, str) or not _SLUG.fullmatch(self.slug):
            raise FormatError(f"slug {self.slug!r} is not 1 to 64 of a-z, 0-9 and -")
        if not isinstance(self.title, str) or not 0 < len(self.title) <= 200:
            got = len(self.title) if isinstance(self.title, str) else type(self.title).__name__
            raise FormatError(f"title must be 1 to 200 characters, got {got}")
        _check_time("opening_at", self.opening_at, utc=False)
        _check_time("sealed_at", self.sealed_at, utc=True)
        canonical.unb64(self.public_key, what="public_key", length=PUBLIC_KEY_SIZE)
        if self.lock_policy not in ("any", "all"):
            raise FormatError(f"lock_policy {self.lock_policy!r} is not any or all")
        _check_locks(self.locks)
        _check_counts(self.items, self.kinds)
        canonical.unhex(self.content_root, what="content_root", length=32)
        canonical.unhex(self.manifest_sha256, what="manifest_sha256", length=32)
        if not isinstance(self.audit, AuditRef) or self.audit.size < 1:
            raise FormatError(f"audit must reach the capsule.sealed event, got {self.audit!r}")
        if not isinstance(self.signer, str) or not _KID.fullmatch(self.signer):
            raise FormatError(f"signer {self.signer!r} is not a key id of 16 lowercase hex digits")


def _check_time(name: str, when: datetime, *, utc: bool) -> None:
    offset = when.utcoffset() if isinstance(when, datetime) else None
    if offset is None or when.microsecond or offset.total_seconds() % 60:
        raise FormatError(f"{name} {when!r} must be a time with an offset, at second precision")
    if utc and offset.total_seconds():
        raise FormatError(f"{name} {when.isoformat()} must be in UTC")


def _check_locks(locks: list[LockInfo]) -> None:
    if not locks:
        raise FormatError("a certificate needs at least one lock")
    if not all(isinstance(lock, _LOCK_CLASSES) for lock in locks):
        raise FormatError(f"locks must be server, custodians or drand lock infos, got {locks!r}")
    types = [type(lock).__struct_config__.tag for lock in locks]
    if len(set(types)) != len(types):
        raise FormatError(f"a lock type appears twice: {types}")


def _check_counts(items: int, kinds: dict[str, int]) -> None:
    if type(items) is not int or items < 0:
        raise FormatError(f"items must be a count, got {items!r}")
    want = sorted(kind.value for kind in Kind)
    if not isinstance(kinds, dict) or sorted(kinds) != want:
        raise FormatError(f"kinds must count exactly {want}, got {sorted(kinds)}")
    if any(type(n) is not int or n < 0 for n in kinds.values()) or sum(kinds.values()) != items:
        raise FormatError(f"kinds {kinds} do not add up to {items} items")


def encode_certificate(cert: Certificate) -> bytes:
    """The canonical bytes of `cert` (`certificate.json`), the bytes that are signed."""
    return canonical.encode(cert)


def parse_certificate(data: bytes) -> Certificate:
    """Parse `certificate.json` strictly: canonical bytes of a valid certificate, nothing else.

    Raises:
        FormatError: not canonical JSON, an unknown field or lock type, or a value out of range.
    """
    try:
        return canonical.decode(bytes(data), Certificate, what="certificate")
    except UnicodeDecodeError:  # msgspec raises it for bad UTF-8 inside a string
        raise FormatError("certificate is not valid UTF-8") from None


def sign_certificate(signer: Signer, cert: Certificate) -> tuple[bytes, bytes]:
    """Encode `cert` and sign the bytes; return (certificate bytes, raw 64-byte signature).

    Raises:
        SignatureError: the certificate names another signer than `signer.kid`.
        FormatError: the signer returned something that is not an Ed25519 signature.
    """
    if cert.signer != signer.kid:
        raise SignatureError(f"certificate names signer {cert.signer}, the key is {signer.kid}")
    data = encode_certificate(cert)
    signature = signer.sign(data)
    if len(signature) != SIGNATURE_SIZE:
        raise FormatError(f"signature must be {SIGNATURE_SIZE} bytes, got {len(signature)}")
    return data, signature


def verify_certificate(cert_bytes: bytes, signature: bytes, public_raw: bytes) -> Certificate:
    """Check the signature over the exact bytes, then parse them and check the signer's kid.

    Raises:
        FormatError: the public key is not 32 bytes, or the signed bytes do not parse.
        SignatureError: the signature is not 64 bytes or does not verify, or the certificate
            names another key.
    """
    kid = kid_of(public_raw)
    verify_signature(public_raw, bytes(cert_bytes), signature, what="certificate.sig")
    cert = parse_certificate(cert_bytes)
    if cert.signer != kid:
        raise SignatureError(f"certificate names signer {cert.signer}, but key {kid} signed it")
    return cert


def signature_text(signature: bytes) -> bytes:
    """`certificate.sig`: the base64 signature and one newline."""
    return (canonical.b64(signature) + "\n").encode("ascii")


def parse_signature_text(text: bytes) -> bytes:
    """The raw signature from `certificate.sig`.

    Raises:
        FormatError: not canonical base64 of 64 bytes followed by exactly one newline.
    """
    if not text.endswith(b"\n") or text.count(b"\n") != 1:
        raise FormatError("certificate.sig must be one line of base64 ending in a newline")
    try:
        body = text[:-1].decode("ascii")
    except UnicodeDecodeError:
        raise FormatError("certificate.sig is not ASCII") from None
    return canonical.unb64(body, what="certificate.sig", length=SIGNATURE_SIZE)


def fingerprint(cert_bytes: bytes) -> str:
    """The first 20 bytes of SHA-256(certificate), uppercase hex in 10 groups of 4."""
    digits = hashlib.sha256(cert_bytes).hexdigest()[:40].upper()
    return " ".join(digits[i : i + 4] for i in range(0, 40, 4))


def check_against_manifest(cert: Certificate, manifest: Manifest, manifest_bytes: bytes) -> None:
    """Check that the manifest is the one the certificate sealed, part by part.

    Raises:
        FormatError: `manifest` is not what `manifest_bytes` encode (a caller's mistake).
        TamperError: the manifest's hash, capsule, item count, kind counts, content root, key
            seal or lock files differ from the certificate (the message names which).
    """
    if encode_manifest(manifest) != bytes(manifest_bytes):
        raise FormatError("manifest object does not match the manifest bytes given with it")
    got = manifest_sha256(manifest_bytes)
    if got != cert.manifest_sha256:
        raise TamperError(f"manifest sha256 {got} is not certificate {cert.manifest_sha256}")
    if manifest.capsule_id != cert.capsule_id:
        raise TamperError(f"manifest capsule {manifest.capsule_id} is not {cert.capsule_id}")
    if len(manifest.items) != cert.items:
        raise TamperError(f"manifest has {len(manifest.items)} items, certificate {cert.items}")
    for kind, count in kind_counts(manifest).items():
        if cert.kinds.get(kind) != count:
            raise TamperError(f"manifest has {count} {kind} items, certificate {cert.kinds[kind]}")
    root = merkle_tree(manifest).root.hex()
    if root != cert.content_root:
        raise TamperError(f"manifest content root {root} is not certificate {cert.content_root}")
    seal = manifest.key_seal
    policy = "any" if isinstance(seal, AnyKeySeal) else "all"
    if policy != cert.lock_policy:
        raise TamperError(f"manifest key seal has policy {policy}, certificate {cert.lock_policy}")
    if isinstance(seal, AnyKeySeal) and len(seal.sealed_keys) != len(cert.locks):
        raise TamperError(
            f"manifest has {len(seal.sealed_keys)} sealed keys for {len(cert.locks)} locks"
        )
    drand = any(isinstance(lock, DrandLockInfo) for lock in cert.locks)
    want = {DRAND_LOCK_FILE} if drand else set()
    names = {f.name for f in manifest.lock_files}
    if names != want:
        raise TamperError(f"manifest lock files {sorted(names)} are not {sorted(want)}")
