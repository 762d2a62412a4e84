"""Keys (FORMAT §2): the capsule key pair, the AEAD/HKDF helpers, the prekey wrap, the
signing key, and the key files with every way they can be wrong."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given
from hypothesis import strategies as st

from capsule.core import keys
from capsule.core.errors import DecryptionError, FormatError, KeyFileError, SignatureError
from capsule.core.keys import (
    CapsuleKeyPair,
    ServiceKeys,
    SigningKey,
    generate_capsule_key,
    hkdf32,
    hpke_open,
    hpke_seal,
    init_keys_dir,
    keys_exist,
    kid_of,
    load_service_keys,
    open_blob,
    public_key_of,
    seal_blob,
    unwrap_prekey,
    verify_signature,
    wrap_prekey,
)

CAPSULE = UUID("6f1c5a4e-2b7d-4c1e-9a3f-5d8e7b6c4a21")
MASTER = bytes(range(32))
PAIR = generate_capsule_key()
# RFC 8032 §7.1, test 1.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def flips(blob: bytes):  # every single-bit flip of `blob`
    for i in range(len(blob) * 8):
        flipped = bytearray(blob)
        flipped[i // 8] ^= 1 << (i % 8)
        yield bytes(flipped)


# --- capsule key pair ----------------------------------------------------------------------


def test_capsule_key_pair_has_the_layout_of_format_2_2() -> None:
    assert len(PAIR.private) == 96 and len(PAIR.public) == 1216
    assert public_key_of(PAIR.private) == PAIR.public
    assert generate_capsule_key().private != PAIR.private


def test_capsule_key_pair_checks_that_its_halves_belong_together() -> None:
    other = generate_capsule_key()
    with pytest.raises(FormatError, match="public key does not belong to the private key"):
        CapsuleKeyPair(private=PAIR.private, public=other.public)
    with pytest.raises(FormatError, match="capsule private key must be 96 bytes, got 95"):
        CapsuleKeyPair(private=PAIR.private[:-1], public=PAIR.public)
    with pytest.raises(FormatError, match="capsule public key must be 1216 bytes, got 1215"):
        CapsuleKeyPair(private=PAIR.private, public=PAIR.public[:-1])


def test_secrets_never_show_in_reprs() -> None:
    assert PAIR.private.hex() not in repr(PAIR) and "redacted" in repr(PAIR)
    service = ServiceKeys(signing=SigningKey.generate(), master=MASTER)
    assert MASTER.hex() not in repr(service) and repr(MASTER) not in repr(service)
    assert repr(service.signing) == f"SigningKey(kid={service.signing.kid})"


@given(st.binary(max_size=200), st.binary(max_size=40))
def test_hpke_round_trip(plaintext: bytes, info: bytes) -> None:
    sealed = hpke_seal(PAIR.public, info, plaintext)
    assert len(sealed) == 1120 + len(plaintext) + 16
    assert hpke_open(PAIR.private, info, sealed) == plaintext


def test_hpke_refuses_wrong_key_info_and_short_input() -> None:
    sealed = hpke_seal(PAIR.public, b"info", b"secret")
    with pytest.raises(DecryptionError, match="does not open with this capsule key"):
        hpke_open(generate_capsule_key().private, b"info", sealed)
    with pytest.raises(DecryptionError, match="does not open"):
        hpke_open(PAIR.private, b"infO", sealed)
    with pytest.raises(FormatError, match="shorter than enc and tag"):
        hpke_open(PAIR.private, b"info", sealed[:1135])


def test_an_invalid_ml_kem_public_key_is_refused() -> None:
    # All-ones coefficients are >= q = 3329: FIPS 203's encapsulation key check fails.
    with pytest.raises(FormatError, match="not a valid ML-KEM-768 \\+ X25519 key"):
        hpke_seal(b"\xff" * 1184 + PAIR.public[1184:], b"", b"x")


# --- AEAD blobs and HKDF -------------------------------------------------------------------


@given(st.binary(max_size=300), st.binary(max_size=50))
def test_blob_round_trip(plaintext: bytes, aad: bytes) -> None:
    blob = seal_blob(MASTER, plaintext, aad)
    assert len(blob) == 12 + len(plaintext) + 16
    assert open_blob(MASTER, blob, aad) == plaintext


def test_blobs_use_fresh_nonces() -> None:
    assert seal_blob(MASTER, b"same", b"") != seal_blob(MASTER, b"same", b"")


def test_blob_refusals_name_the_blob() -> None:
    blob = seal_blob(MASTER, b"secret", b"aad")
    with pytest.raises(DecryptionError, match="lock 0 of capsule x does not decrypt"):
        open_blob(MASTER, blob, b"aaD", what="lock 0 of capsule x")
    with pytest.raises(FormatError, match="blob is 27 bytes, shorter than nonce and tag \\(28\\)"):
        open_blob(MASTER, blob[:27], b"aad")
    with pytest.raises(FormatError, match="aead key must be 32 bytes, got 31"):
        seal_blob(MASTER[:31], b"", b"")


def test_hkdf32_matches_rfc5869_test_case_3() -> None:
    # SHA-256, IKM = 22 × 0x0b, empty salt and info: the first 32 bytes of the RFC's OKM.
    okm = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
    assert hkdf32(b"\x0b" * 22, b"").hex() == okm


# --- prekey (FORMAT §2.3) ------------------------------------------------------------------


def test_prekey_round_trip_and_binding() -> None:
    blob = wrap_prekey(MASTER, CAPSULE, PAIR.private)
    assert len(blob) == 12 + 96 + 16
    assert unwrap_prekey(MASTER, CAPSULE, blob) == PAIR.private
    with pytest.raises(DecryptionError, match=f"prekey of capsule {CAPSULE} does not decrypt"):
        unwrap_prekey(bytes(32), CAPSULE, blob)
    other = uuid4()
    with pytest.raises(DecryptionError, match=f"prekey of capsule {other} does not decrypt"):
        unwrap_prekey(MASTER, other, blob)


def test_the_prekey_aad_is_label_and_capsule_id() -> None:
    blob = wrap_prekey(MASTER, CAPSULE, PAIR.private)
    assert open_blob(MASTER, blob, b"capsule/v1 prekey" + CAPSULE.bytes) == PAIR.private


def test_every_single_bit_flip_of_a_prekey_is_refused() -> None:
    blob = wrap_prekey(MASTER, CAPSULE, PAIR.private)
    for flipped in flips(blob):
        with pytest.raises(DecryptionError, match="prekey of capsule .* does not decrypt"):
            unwrap_prekey(MASTER, CAPSULE, flipped)


def test_prekey_sizes_are_checked() -> None:
    with pytest.raises(FormatError, match="master key must be 32 bytes, got 16"):
        wrap_prekey(bytes(16), CAPSULE, PAIR.private)
    with pytest.raises(FormatError, match="capsule private key must be 96 bytes, got 32"):
        wrap_prekey(MASTER, CAPSULE, bytes(32))
    with pytest.raises(FormatError, match="prekey of capsule .* must be 96 bytes, got 32"):
        short = seal_blob(MASTER, bytes(32), b"capsule/v1 prekey" + CAPSULE.bytes)
        unwrap_prekey(MASTER, CAPSULE, short)


# --- signing key (FORMAT §2.1) -------------------------------------------------------------


def test_signing_matches_rfc8032_test_1() -> None:
    key = SigningKey(ed25519.Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET))
    assert key.public_raw == RFC8032_PUBLIC
    assert key.sign(b"") == RFC8032_SIGNATURE
    verify_signature(RFC8032_PUBLIC, b"", RFC8032_SIGNATURE)
    assert key.kid == kid_of(RFC8032_PUBLIC) == "21fe31dfa154a261"
    assert key.kid == hashlib.sha256(RFC8032_PUBLIC).hexdigest()[:16]


def test_bad_signatures_are_refused() -> None:
    for flipped in flips(RFC8032_SIGNATURE):
        with pytest.raises(SignatureError, match="certificate.sig does not verify with signing "
                                                 "key 21fe31dfa154a261"):
            verify_signature(RFC8032_PUBLIC, b"", flipped, what="certificate.sig")
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(RFC8032_PUBLIC, b"x", RFC8032_SIGNATURE)
    with pytest.raises(SignatureError, match="signature must be 64 bytes, got 63"):
        verify_signature(RFC8032_PUBLIC, b"", RFC8032_SIGNATURE[:63])
    with pytest.raises(FormatError, match="ed25519 public key must be 32 bytes, got 31"):
        kid_of(RFC8032_PUBLIC[:31])


def test_signing_key_pem_round_trip() -> None:
    key = SigningKey.generate()
    again = SigningKey.from_pem(key.to_pem())
    assert again == key and again.kid == key.kid
    assert key.to_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = serialization.load_pem_public_key(key.public_pem())
    assert isinstance(loaded, ed25519.Ed25519PublicKey)
    assert loaded.public_bytes_raw() == key.public_raw


def test_signing_key_from_pem_refuses_other_keys() -> None:
    with pytest.raises(FormatError, match="signing key is not a PEM private key"):
        SigningKey.from_pem(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(FormatError, match=r"signing key is a \w+, not an Ed25519 key"):
        SigningKey.from_pem(ec_pem)
    encrypted = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(FormatError, match="is encrypted"):
        SigningKey.from_pem(encrypted)


# --- key files (DESIGN §4.1) ---------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_both_files_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    assert not keys_exist(folder)
    init_keys_dir(folder)
    assert keys_exist(folder)
    assert mode(folder) == 0o700
    assert mode(folder / "signing.pem") == mode(folder / "master.key") == 0o600
    assert len((folder / "master.key").read_bytes()) == 32
    loaded = load_service_keys(folder)
    assert loaded.master == (folder / "master.key").read_bytes()
    assert loaded.signing == SigningKey.from_pem((folder / "signing.pem").read_bytes())
    assert loaded.retired == ()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_init_twice_refuses_and_leaves_the_keys_alone(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in ("signing.pem", "master.key")}
    with pytest.raises(KeyFileError, match="signing.pem already exists; refusing to overwrite "
                                           "existing keys"):
        init_keys_dir(tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key", "signing.pem"]


def test_init_refuses_when_only_one_file_exists_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "master.key").write_bytes(b"k" * 32)
    with pytest.raises(KeyFileError, match="master.key already exists; refusing to overwrite"):
        init_keys_dir(tmp_path)
    assert not (tmp_path / "signing.pem").exists()
    assert (tmp_path / "master.key").read_bytes() == b"k" * 32


def test_init_never_overwrites_even_a_key_that_appears_after_its_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A concurrent `keys init` (two workers starting at once) creates the files between our
    # existence check and our write: the write itself must refuse, and undo its own half.
    init_keys_dir(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in ("signing.pem", "master.key")}
    monkeypatch.setattr(os.path, "lexists", lambda _path: False)
    with pytest.raises(KeyFileError, match="signing.pem already exists; refusing to overwrite"):
        init_keys_dir(tmp_path)
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    (tmp_path / "signing.pem").unlink()
    with pytest.raises(KeyFileError, match="master.key already exists; refusing to overwrite"):
        init_keys_dir(tmp_path)
    assert not (tmp_path / "signing.pem").exists()  # the half it made is gone again
    assert (tmp_path / "master.key").read_bytes() == before["master.key"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_init_under_a_loose_umask_still_writes_0600(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        init_keys_dir(tmp_path / "k")
    finally:
        os.umask(old)
    assert mode(tmp_path / "k" / "master.key") == 0o600


def test_missing_keys_say_to_run_keys_init(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match=r"signing.pem is missing; run `capsule keys init` to "
                                           r"create keys, or restore .* from your backup"):
        load_service_keys(tmp_path / "keys")


def test_a_missing_signing_key_next_to_a_master_key_says_restore(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "signing.pem").unlink()
    with pytest.raises(KeyFileError, match="signing.pem is missing; restore it from your backup"):
        load_service_keys(tmp_path)


def test_a_missing_master_key_says_restore_or_set_the_variable(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "master.key").unlink()
    with pytest.raises(KeyFileError, match="master.key is missing; restore it from your backup "
                                           "or set CAPSULE_MASTER_KEY"):
        load_service_keys(tmp_path)


@pytest.mark.parametrize("name", ["signing.pem", "master.key"])
@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o660])
def test_group_or_world_readable_keys_are_refused_with_the_chmod(
    tmp_path: Path, name: str, loose: int
) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / name).chmod(loose)
    with pytest.raises(KeyFileError, match=rf"{name} has mode 0{loose:o}; keys must be readable "
                                           rf"by their owner only: chmod 600 .*{name}") as info:
        load_service_keys(tmp_path)
    assert info.value.code == "keys.invalid"


def test_read_only_owner_mode_is_fine(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "signing.pem").chmod(0o400)
    (tmp_path / "master.key").chmod(0o400)
    load_service_keys(tmp_path)


def test_unreadable_keys_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "master.key").chmod(0o000)
    if os.geteuid() == 0:  # root reads whatever the mode: fail the open as it fails for anyone else
        real_open = os.open

        def denied(path: str | Path, flags: int, *args: int) -> int:
            if Path(path).name == "master.key":
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args)

        monkeypatch.setattr(os, "open", denied)
    with pytest.raises(KeyFileError, match="cannot read .*master.key: permission denied; "
                                           "run capsule as the user that owns it"):
        load_service_keys(tmp_path)


def test_a_directory_in_place_of_a_key_is_refused(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "master.key").unlink()
    (tmp_path / "master.key").mkdir(mode=0o700)
    with pytest.raises(KeyFileError, match="master.key is not a regular file"):
        load_service_keys(tmp_path)


def test_a_symlinked_key_is_followed(tmp_path: Path) -> None:
    # Secret mounts (Kubernetes, Docker) present keys as links to the real files.
    init_keys_dir(tmp_path / "real")
    (tmp_path / "keys").mkdir()
    for name in ("signing.pem", "master.key"):
        (tmp_path / "keys" / name).symlink_to(tmp_path / "real" / name)
    real = (tmp_path / "real" / "master.key").read_bytes()
    assert load_service_keys(tmp_path / "keys").master == real


def test_a_malformed_signing_key_is_refused(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "signing.pem").write_bytes(b"not a key")
    with pytest.raises(KeyFileError, match="signing.pem is not a PEM private key; "
                                           "restore it from your backup"):
        load_service_keys(tmp_path)


@pytest.mark.parametrize(("content", "hint"), [
    (b"x" * 31, "got 31;"),
    (b"", "got 0;"),
    (b"x" * 33, "got 33;"),
    (b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "got 45 \\(it looks like base64"),
])
def test_a_master_key_of_the_wrong_length_is_refused(
    tmp_path: Path, content: bytes, hint: str
) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "master.key").write_bytes(content)
    with pytest.raises(KeyFileError, match=f"master.key must hold exactly 32 raw bytes, {hint}"):
        load_service_keys(tmp_path)


def test_the_master_override_replaces_the_file(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "master.key").unlink()
    assert load_service_keys(tmp_path, master_override=MASTER).master == MASTER
    with pytest.raises(KeyFileError, match="CAPSULE_MASTER_KEY must decode to 32 bytes, got 16"):
        load_service_keys(tmp_path, master_override=bytes(16))


def test_the_master_override_wins_over_the_file(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    assert load_service_keys(tmp_path, master_override=MASTER).master == MASTER


def test_the_override_does_not_excuse_a_missing_signing_key(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="signing.pem is missing; restore it from your backup"):
        load_service_keys(tmp_path, master_override=MASTER)


def test_retired_public_keys_are_loaded_in_file_order(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    old1, old2 = SigningKey.generate(), SigningKey.generate()
    (tmp_path / "retired").mkdir()
    (tmp_path / "retired" / "2025.pub").write_bytes(old1.public_pem())
    (tmp_path / "retired" / "2026.pub").write_bytes(old2.public_pem())
    (tmp_path / "retired" / "notes.txt").write_text("ignored")
    loaded = load_service_keys(tmp_path)
    assert loaded.retired == (old1.public_raw, old2.public_raw)
    assert loaded.published_keys() == {old1.kid: old1.public_raw, old2.kid: old2.public_raw,
                                       loaded.signing.kid: loaded.signing.public_raw}


def test_a_malformed_retired_key_is_refused(tmp_path: Path) -> None:
    init_keys_dir(tmp_path)
    (tmp_path / "retired").mkdir()
    (tmp_path / "retired" / "old.pub").write_bytes(b"\x00" * 32)
    with pytest.raises(KeyFileError, match="old.pub is not an Ed25519 public key in PEM form; "
                                           "write it with `openssl pkey"):
        load_service_keys(tmp_path)


def test_keys_exist_needs_both_files(tmp_path: Path) -> None:
    (tmp_path / "signing.pem").write_bytes(b"")
    assert not keys_exist(tmp_path)
    (tmp_path / "master.key").write_bytes(b"")
    assert keys_exist(tmp_path)


def test_service_keys_are_checked_at_construction() -> None:
    with pytest.raises(FormatError, match="master key must be 32 bytes"):
        ServiceKeys(signing=SigningKey.generate(), master=bytes(31))
    with pytest.raises(FormatError, match="ed25519 public key must be 32 bytes, got 3"):
        ServiceKeys(signing=SigningKey.generate(), master=MASTER, retired=(b"abc",))


def test_keys_reexports_what_callers_use() -> None:
    assert keys.init_keys_dir is init_keys_dir and keys.kid_of is kid_of
