"""The service's own keys: the Ed25519 signing key, the master key, and their files
(docs/FORMAT.md §2.1, §2.3; DESIGN.md §4.1). Re-exported by `capsule.core.keys`.

    keys/signing.pem      Ed25519 private key, unencrypted PKCS#8 PEM, mode 0600
    keys/master.key       32 raw random bytes, mode 0600 (or CAPSULE_MASTER_KEY, base64)
    keys/retired/*.pub    public keys of earlier signing keys, SubjectPublicKeyInfo PEM
                          (`openssl pkey -in old-signing.pem -pubout -out keys/retired/<kid>.pub`),
                          kept so certificates they signed keep verifying

A missing, unreadable, loosely permitted or malformed key file stops start-up with a message
that names the file and says what to run. Nothing here ever creates a key where one exists:
a silent new key would orphan every capsule made with the old one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Final

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from capsule.core.errors import FormatError, KeyFileError, SignatureError

SIGNING_FILE: Final = "signing.pem"
MASTER_FILE: Final = "master.key"
RETIRED_DIR: Final = "retired"
MASTER_KEY_SIZE: Final = 32
_MAX_KEY_FILE: Final = 64 * 1024  # far above any key; stops a mistaken path to a huge file


def kid_of(public_raw: bytes) -> str:
    """Key id: the first 16 hex digits of SHA-256 of the raw 32-byte Ed25519 public key.

    Raises:
        FormatError: `public_raw` is not 32 bytes.
    """
    if len(public_raw) != 32:
        raise FormatError(f"ed25519 public key must be 32 bytes, got {len(public_raw)}")
    return hashlib.sha256(public_raw).hexdigest()[:16]


class SigningKey:
    """The service's Ed25519 signing key; its repr shows only the key id."""

    __slots__ = ("_private", "public_raw", "kid")

    def __init__(self, private: ed25519.Ed25519PrivateKey) -> None:
        if not isinstance(private, ed25519.Ed25519PrivateKey):
            raise FormatError(f"signing key must be Ed25519, got {type(private).__name__}")
        self._private = private
        self.public_raw: bytes = private.public_key().public_bytes_raw()
        self.kid: str = kid_of(self.public_raw)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, data: bytes, *, what: str = "signing key") -> SigningKey:
        """Load an unencrypted PKCS#8 PEM Ed25519 private key.

        Raises:
            FormatError: not PEM, encrypted, or not an Ed25519 key.
        """
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except TypeError:
            message = f"{what} is encrypted; it must be an unencrypted PKCS#8 key"
            raise FormatError(message) from None
        except Exception:  # ValueError, UnsupportedAlgorithm; the library's wording varies
            raise FormatError(f"{what} is not a PEM private key") from None
        if not isinstance(private, ed25519.Ed25519PrivateKey):
            raise FormatError(f"{what} is a {type(private).__name__}, not an Ed25519 key")
        return cls(private)

    def to_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM (the file is protected by its mode, 0600)."""
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> bytes:
        """SubjectPublicKeyInfo PEM of the public key: the form of `retired/*.pub`."""
        return self._private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of `data`."""
        return self._private.sign(data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigningKey) and hmac.compare_digest(self.to_pem(), other.to_pem())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid})"


def verify_signature(
    public_raw: bytes, data: bytes, signature: bytes, *, what: str = "signature"
) -> None:
    """Check an Ed25519 signature; `what` names it in the error ("certificate.sig").

    Raises:
        FormatError: the public key is not 32 bytes.
        SignatureError: the signature is not 64 bytes or does not verify.
    """
    kid = kid_of(public_raw)
    if len(signature) != 64:
        raise SignatureError(f"{what} must be 64 bytes, got {len(signature)}", kid=kid)
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_raw).verify(bytes(signature), data)
    except InvalidSignature:
        raise SignatureError(f"{what} does not verify with signing key {kid}", kid=kid) from None


class ServiceKeys(msgspec.Struct, frozen=True):
    """What `load_service_keys` returns: the current signing key, the master key, and the raw
    public keys of retired signing keys (oldest file name first)."""

    signing: SigningKey
    master: bytes
    retired: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.signing, SigningKey):
            raise FormatError(f"signing must be a SigningKey, got {type(self.signing).__name__}")
        if not isinstance(self.master, bytes) or len(self.master) != MASTER_KEY_SIZE:
            raise FormatError(f"master key must be {MASTER_KEY_SIZE} bytes")
        for raw in self.retired:
            kid_of(raw)

    def published_keys(self) -> dict[str, bytes]:
        """Every public key a certificate of this service may be signed with, by kid."""
        keys = {kid_of(raw): raw for raw in self.retired}
        keys[self.signing.kid] = self.signing.public_raw
        return keys

    def __repr__(self) -> str:
        retired = len(self.retired)
        return f"ServiceKeys(signing={self.signing!r}, master=<redacted>, retired={retired})"


def keys_exist(path: Path) -> bool:
    """Both key files are present (whatever their state; loading checks that)."""
    return all(os.path.lexists(Path(path) / name) for name in (SIGNING_FILE, MASTER_FILE))


def init_keys_dir(path: Path) -> None:
    """Create `signing.pem` and `master.key` in `path` (made 0700 if missing), both mode 0600.

    Each file appears whole or not at all (written aside, then hard-linked into place), and
    never replaces an existing one.

    Raises:
        KeyFileError: either file already exists (nothing is touched), or the directory or a
            file cannot be written.
    """
    path = Path(path)
    for name in (SIGNING_FILE, MASTER_FILE):
        if os.path.lexists(path / name):
            raise _already_exists(path / name)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        message = f"cannot create key directory {path}: {exc.strerror}"
        raise KeyFileError(message, path=str(path)) from None
    created: list[Path] = []
    try:
        signing, master = SigningKey.generate().to_pem(), os.urandom(MASTER_KEY_SIZE)
        for name, data in ((SIGNING_FILE, signing), (MASTER_FILE, master)):
            _write_new(path / name, data)
            created.append(path / name)
    except BaseException:
        # Lost a race with another init, or the disk failed: leave no half-made pair behind.
        for done in created:
            done.unlink(missing_ok=True)
        raise
    _fsync_dir(path)


def load_service_keys(path: Path, master_override: bytes | None = None) -> ServiceKeys:
    """Load and check the key files in `path`; `master_override` (from CAPSULE_MASTER_KEY)
    replaces `master.key`, which then need not exist.

    Raises:
        KeyFileError: a file is missing, unreadable, readable by group or others, or malformed;
            the message names the file and what to run.
    """
    path = Path(path)
    signing_file, master_file = path / SIGNING_FILE, path / MASTER_FILE
    if not os.path.lexists(signing_file):
        if master_override is None and not os.path.lexists(master_file):
            raise KeyFileError(
                f"{signing_file} is missing; run `capsule keys init` to create keys, "
                f"or restore {path}/ from your backup",
                path=str(signing_file),
            )
        raise KeyFileError(
            f"{signing_file} is missing; restore it from your backup (`capsule keys init` refuses "
            f"while {master_file.name} exists, since new keys would orphan existing capsules)",
            path=str(signing_file),
        )
    try:
        signing = SigningKey.from_pem(_read_secret(signing_file), what=str(signing_file))
    except FormatError as exc:
        raise KeyFileError(f"{exc}; restore it from your backup", path=str(signing_file)) from None
    if master_override is not None:
        if len(master_override) != MASTER_KEY_SIZE:
            raise KeyFileError(
                f"CAPSULE_MASTER_KEY must decode to {MASTER_KEY_SIZE} bytes, "
                f"got {len(master_override)}"
            )
        master = bytes(master_override)
    else:
        master = _load_master(master_file)
    retired = _load_retired(path / RETIRED_DIR, signing)
    return ServiceKeys(signing=signing, master=master, retired=retired)


def _load_master(file: Path) -> bytes:
    if not os.path.lexists(file):
        raise KeyFileError(
            f"{file} is missing; restore it from your backup or set CAPSULE_MASTER_KEY "
            "(without it no capsule made here can be moderated or opened by the server)",
            path=str(file),
        )
    master = _read_secret(file)
    if len(master) != MASTER_KEY_SIZE:
        hint = ""
        if len(master.strip()) == 44:
            hint = (
                " (it looks like base64: the file holds raw bytes; "
                "base64 goes in CAPSULE_MASTER_KEY)"
            )
        raise KeyFileError(
            f"{file} must hold exactly {MASTER_KEY_SIZE} raw bytes, got {len(master)}{hint}; "
            "restore it from your backup",
            path=str(file),
        )
    return master


def _load_retired(folder: Path, current: SigningKey) -> tuple[bytes, ...]:
    if not folder.is_dir():
        return ()
    retired: list[bytes] = []
    for file in sorted(folder.glob("*.pub")):
        try:
            key = serialization.load_pem_public_key(file.read_bytes())
        except OSError as exc:
            raise KeyFileError(f"cannot read {file}: {exc.strerror}", path=str(file)) from None
        except Exception:  # ValueError, UnsupportedAlgorithm
            key = None
        if not isinstance(key, ed25519.Ed25519PublicKey):
            raise KeyFileError(
                f"{file} is not an Ed25519 public key in PEM form; write it with "
                f"`openssl pkey -in OLD-signing.pem -pubout -out {file}`",
                path=str(file),
            )
        raw = key.public_bytes_raw()
        if raw != current.public_raw and raw not in retired:
            retired.append(raw)
    return tuple(retired)


def _read_secret(file: Path) -> bytes:
    # Open first, then check the open file: no window between the check and the read.
    try:
        fd = os.open(file, os.O_RDONLY)
    except FileNotFoundError:
        message = f"{file} is missing (a dangling link?); restore it from your backup"
        raise KeyFileError(message, path=str(file)) from None
    except PermissionError:
        raise KeyFileError(
            f"cannot read {file}: permission denied; run capsule as the user that owns it, "
            f"or give that user ownership: chown USER {file} && chmod 600 {file}",
            path=str(file),
        ) from None
    except OSError as exc:
        raise KeyFileError(f"cannot read {file}: {exc.strerror}", path=str(file)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise KeyFileError(f"{file} is not a regular file", path=str(file))
        if os.name == "posix" and st.st_mode & 0o077:
            mode = f"{st.st_mode & 0o777:04o}"
            raise KeyFileError(
                f"{file} has mode {mode}; keys must be readable by their owner only: "
                f"chmod 600 {file}",
                path=str(file),
                mode=mode,
            )
        data = b""
        while len(data) <= _MAX_KEY_FILE and (more := os.read(fd, _MAX_KEY_FILE + 1 - len(data))):
            data += more
        return data
    finally:
        os.close(fd)


def _write_new(target: Path, data: bytes) -> None:
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        _write_exclusive(temp, data)
        try:
            # link() fails if the target exists: never overwrites, and the file appears whole.
            os.link(temp, target)
        except FileExistsError:
            raise
        except OSError:
            # A file system without hard links: O_EXCL alone still never overwrites.
            _write_exclusive(target, data)
    except FileExistsError:
        raise _already_exists(target) from None
    except OSError as exc:
        raise KeyFileError(f"cannot write {target}: {exc.strerror}", path=str(target)) from None
    finally:
        temp.unlink(missing_ok=True)


def _write_exclusive(file: Path, data: bytes) -> None:
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # the umask may only remove bits; be exact anyway
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _already_exists(file: Path) -> KeyFileError:
    message = f"{file} already exists; refusing to overwrite existing keys"
    return KeyFileError(message, path=str(file))


def _fsync_dir(path: Path) -> None:
    # Without this a crash right after init could lose the new directory entries.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
