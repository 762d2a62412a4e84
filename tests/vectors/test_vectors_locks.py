"""Lock and archive format vectors (FORMAT §7, §9), one case per file.

Lock vectors are checked against `capsule.core` and against `_Reference`, FORMAT §7 read
literally with `cryptography` and a stock SLIP-39 implementation (`shamir_mnemonic`); archive
vectors against `capsule.core.archive` and a short reference check of §9.1 steps 1-3 (what
`sha256sum -c` and an Ed25519 verifier would do by hand).

Header keys, by construction (every vector also has `expect`, `construction`, `description`;
a failing vector has `error`, the message regex, and may have `code`, the error's code):
  lock-seal        capsule_id, private_key, locks (types in lock order), secret_<i> (hex, the
                   opening secrets given); payload = the manifest's key_seal (JSON)
  server-lock      master, capsule_id, opening_at, secret; payload = the wrapped secret
  custodian-share  threshold, shares, identifier, secret; payload = the shares entered, one
                   per line (SLIP-39 mnemonics)
  archive          signing_key (base64), fingerprint, private_key, now; payload = the zip
                   (base64)

expect: success | malformed (a share's checksum) | tampered (wrong secret, another date, a
foreign share, a changed archive) | locked (a lock still closed, too few shares, too early).

Made by `python -m tests.vectors.test_vectors_locks`, which writes only missing files (the
HPKE wraps and Ed25519 key inside the archive are random); `--force` rewrites all.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from shamir_mnemonic import combine_mnemonics

from capsule.core import canonical, keys, labels
from capsule.core.certificate import CustodiansLockInfo
from capsule.core.errors import CapsuleError, FormatError, LockedError, TamperError
from capsule.core.locks import (
    all_locks_key,
    custodian_secret,
    lock_key,
    recover_private_key,
    server_aad,
    server_secret,
)
from capsule.core.manifest import AllKeySeal, AnyKeySeal, KeySeal
from capsule.core.opening import Report
from tests.vectors.loader import HERE, Vector, format_vector, load_vectors

ALLOWED = {
    "lock-seal": {"capsule_id", "private_key", "locks"} | {f"secret_{i}" for i in range(3)},
    "server-lock": {"master", "capsule_id", "opening_at", "secret"},
    "custodian-share": {"threshold", "shares", "identifier", "secret", "code"},
    "archive": {"signing_key", "fingerprint", "private_key", "now"},
}
VECTORS = [v for v in load_vectors("*.txt") if v.headers.get("construction") in ALLOWED]
ERRORS: dict[str, type[CapsuleError]] = {"malformed": FormatError, "tampered": TamperError,
                                         "locked": LockedError}


class _Reference:
    """FORMAT §7 and §9.1 read literally, independent of capsule.core."""

    @staticmethod
    def hkdf(ikm: bytes, info: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(ikm)

    @classmethod
    def open_seal(cls, seal: dict, cid: UUID, secrets: dict[int, bytes], count: int) -> bytes:
        aad = b"capsule/v1 sealed-key" + cid.bytes
        if seal["policy"] == "any":
            i = min(secrets)
            key = cls.hkdf(secrets[i], b"capsule/v1 lock" + cid.bytes + bytes([i]))
            blob = base64.b64decode(seal["sealed_keys"][i])
        else:
            ikm = b"".join(secrets[i] for i in range(count))
            key = cls.hkdf(ikm, b"capsule/v1 lock all" + cid.bytes + bytes([count]))
            blob = base64.b64decode(seal["sealed_key"])
        return AESGCM(key).decrypt(blob[:12], blob[12:], aad)

    @staticmethod
    def server(master: bytes, cid: UUID, opening_at: str, blob: bytes) -> bytes:
        aad = b"capsule/v1 server-lock" + cid.bytes + opening_at.encode()
        return AESGCM(master).decrypt(blob[:12], blob[12:], aad)

    @staticmethod
    def archive(zip_bytes: bytes, signing_key: bytes) -> None:
        """Steps 1-3 of §9.1 by hand; raises AssertionError or InvalidSignature."""
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
            top = z.namelist()[0].split("/")[0]
            read = {n[len(top) + 1 :]: z.read(n) for n in z.namelist()}
        for line in read["manifest-sha256.txt"].decode().splitlines():
            digest, path = line.split("  ", 1)
            assert hashlib.sha256(read[path]).hexdigest() == digest, path
        cert = read["data/certificate.json"]
        signature = base64.b64decode(read["data/certificate.sig"].strip())
        Ed25519PublicKey.from_public_bytes(signing_key).verify(signature, cert)
        manifest = read["data/manifest.json"]
        assert hashlib.sha256(manifest).hexdigest() == json.loads(cert)["manifest_sha256"]
        for item in json.loads(manifest)["items"]:
            for blob in item["blobs"]:
                data = read["data/" + blob["name"]]
                assert (len(data), hashlib.sha256(data).hexdigest()) == (blob["size"], blob["sha256"])


def _secrets(h: dict[str, str]) -> dict[int, bytes]:
    return {int(k[7:]): bytes.fromhex(v) for k, v in h.items() if k.startswith("secret_")}


def _custodians(h: dict[str, str]) -> CustodiansLockInfo:
    return CustodiansLockInfo(threshold=int(h["threshold"]), shares=int(h["shares"]),
                              identifier=int(h["identifier"]))


def _shares(payload: bytes) -> list[str]:
    return [line for line in payload.decode().split("\n") if line.strip()]


def test_there_are_vectors_for_every_construction_and_outcome() -> None:
    assert {v.headers["construction"] for v in VECTORS} == set(ALLOWED)
    assert {v.expect for v in VECTORS} == {"success", "malformed", "tampered", "locked"}


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_vector(vector: Vector, tmp_path: Path) -> None:
    vector.check_keys(ALLOWED[vector.headers["construction"]] | {"description", "error"})
    check = {"lock-seal": _lock_seal, "server-lock": _server_lock,
             "custodian-share": _custodian_share, "archive": _archive}
    check[vector.headers["construction"]](vector, tmp_path)


def _expect_error(vector: Vector, call) -> CapsuleError:  # type: ignore[no-untyped-def]
    # A share error is a ValidationError whose `code` tells which outcome it is.
    kind = CapsuleError if "code" in vector.headers else ERRORS[vector.expect]
    with pytest.raises(kind, match=vector.headers["error"]) as caught:
        call()
    if "code" in vector.headers:
        assert caught.value.code == vector.headers["code"]
    return caught.value


def _lock_seal(vector: Vector, _: Path) -> None:
    h = vector.headers
    cid, private = UUID(h["capsule_id"]), bytes.fromhex(h["private_key"])
    public = keys.public_key_of(private)
    payload = vector.payload.rstrip(b"\n")  # the file ends with a newline; the JSON does not
    seal: KeySeal = canonical.decode(payload, AnyKeySeal | AllKeySeal, what="key_seal")
    types = h["locks"].split(",")
    infos = [_placeholder_info(t) for t in types]
    secrets = _secrets(h)

    def recover() -> bytes:
        return recover_private_key(seal, cid, secrets, public, locks=infos)

    if vector.expect != "success":
        _expect_error(vector, recover)
        return
    assert recover() == private
    assert _Reference.open_seal(json.loads(payload), cid, secrets, len(types)) == private
    for i in secrets:  # each lock alone: enough for `any`, still locked for `all`
        alone = {i: secrets[i]}
        if isinstance(seal, AnyKeySeal):
            assert recover_private_key(seal, cid, alone, public, locks=infos) == private
        else:
            with pytest.raises(LockedError, match="still closed"):
                recover_private_key(seal, cid, alone, public, locks=infos)


def _placeholder_info(kind: str):  # type: ignore[no-untyped-def]
    from capsule.core.certificate import DrandLockInfo, ServerLockInfo

    return {"server": ServerLockInfo(),
            "custodians": CustodiansLockInfo(threshold=2, shares=3, identifier=0),
            "drand": DrandLockInfo(chain_hash="00" * 32, round=1)}[kind]


def _server_lock(vector: Vector, _: Path) -> None:
    h = vector.headers
    cid, master, when = UUID(h["capsule_id"]), bytes.fromhex(h["master"]), h["opening_at"]
    opening_at = datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    def unwrap() -> bytes:
        return server_secret(vector.payload, cid, opening_at, master, opening_at)

    if vector.expect != "success":
        _expect_error(vector, unwrap)
        return
    assert unwrap() == bytes.fromhex(h["secret"])
    assert _Reference.server(master, cid, when, vector.payload) == bytes.fromhex(h["secret"])
    with pytest.raises(LockedError, match=f"opens at {when}"):
        server_secret(vector.payload, cid, opening_at, master, opening_at - timedelta(seconds=1))


def _custodian_share(vector: Vector, _: Path) -> None:
    h, shares = vector.headers, _shares(vector.payload)
    if vector.expect != "success":
        _expect_error(vector, lambda: custodian_secret(shares, _custodians(h)))
        return
    assert custodian_secret(shares, _custodians(h)) == bytes.fromhex(h["secret"])
    assert combine_mnemonics(shares) == bytes.fromhex(h["secret"])  # any SLIP-39 tool agrees


def _archive(vector: Vector, tmp_path: Path) -> None:
    from capsule.archive_texts import archive_texts
    from capsule.core.archive import open_archive, verify_archive

    h = vector.headers
    path = tmp_path / f"{vector.name}.zip"
    path.write_bytes(vector.payload)
    pinned = base64.b64decode(h["signing_key"])
    now = datetime.strptime(h["now"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if vector.expect == "tampered":
        _expect_error(vector, lambda: verify_archive(path, pinned_key=pinned))
        with pytest.raises(AssertionError):
            _Reference.archive(vector.payload, pinned)
        return
    assert verify_archive(path, pinned_key=pinned).fingerprint == h["fingerprint"]
    _Reference.archive(vector.payload, pinned)

    def open_() -> Report:
        return open_archive(path, tmp_path / "out", now=now, texts=archive_texts(),
                            private_key=bytes.fromhex(h["private_key"]))

    if vector.expect == "locked":
        _expect_error(vector, open_)
        assert not (tmp_path / "out").exists()
        return
    report = open_()
    assert report.ok and report.verified == report.total


# --- the generator ---------------------------------------------------------------------------


def _generate(force: bool = False) -> None:  # pragma: no cover - run by hand
    import os

    from shamir_mnemonic.shamir import EncryptedMasterSecret, split_ems

    from capsule.core.keys import generate_capsule_key, seal_blob
    from capsule.core.locks import ServerLock
    from capsule.core.shares import split_secret
    from tests.factories.sealed import DEFAULT_ITEMS, build_sealed

    cid = UUID("6f1c5a4e-2b7d-4c1e-9a3f-5d8e7b6c4a21")
    pair = generate_capsule_key()
    s = [hashlib.sha256(f"opening secret {i}".encode()).digest() for i in range(3)]
    aad = labels.SEALED_KEY + cid.bytes
    nonce = bytes(range(12))

    def write(name: str, headers: dict[str, str], payload: bytes, *, encoding: str = "") -> None:
        path = HERE / f"{name}.txt"
        if path.exists() and not force:
            return
        if encoding:
            text = "\n".join(f"{k}: {v}" for k, v in {**headers, "encoding": encoding}.items())
            body = payload.decode() if encoding == "text" else _wrap64(payload)
            path.write_text(text + "\n\n" + body + ("" if body.endswith("\n") else "\n"))
        else:
            path.write_text(format_vector(headers, payload))

    def seal_vector(name: str, expect: str, description: str, policy: str, types: list[str],
                    given: dict[int, bytes], **extra: str) -> None:
        if policy == "any":
            seal: KeySeal = AnyKeySeal(sealed_keys=[canonical.b64(seal_blob(
                lock_key(s[i], cid, i), pair.private, aad, _nonce=nonce)) for i in range(len(types))])
        else:
            seal = AllKeySeal(sealed_key=canonical.b64(seal_blob(
                all_locks_key(s[: len(types)], cid), pair.private, aad, _nonce=nonce)))
        headers = {"expect": expect, "construction": "lock-seal", "description": description,
                   "capsule_id": str(cid), "private_key": pair.private.hex(),
                   "locks": ",".join(types), **{f"secret_{i}": v.hex() for i, v in given.items()},
                   **extra}
        write(name, headers, canonical.encode(seal), encoding="text")

    seal_vector("locks_any_server_custodians", "success", "policy any: server lock (0) and "
                "custodians (1); either secret alone opens the key", "any",
                ["server", "custodians"], {0: s[0], 1: s[1]})
    seal_vector("locks_all_drand_custodians", "success", "policy all: drand (0) and custodians "
                "(1); both secrets together open the key, either alone does not", "all",
                ["drand", "custodians"], {0: s[0], 1: s[1]})
    seal_vector("locks_all_one_secret_missing", "locked", "policy all with only the drand "
                "secret: the custodians lock is still closed", "all", ["drand", "custodians"],
                {0: s[0]}, error="still closed: custodians")
    seal_vector("locks_any_wrong_secret", "tampered", "policy any with a secret that is not "
                "the server lock's", "any", ["server"], {0: s[2]},
                error="sealed key of lock 0 does not decrypt")

    master, when = bytes(range(32)), datetime(2036, 3, 5, 7, 0, tzinfo=UTC)
    wrapped = seal_blob(master, s[0], server_aad(cid, when), _nonce=nonce)
    base = {"construction": "server-lock", "master": master.hex(), "capsule_id": str(cid)}
    write("locks_server_secret", {"expect": "success", **base, "description": "the server "
          "lock's secret under the master key, bound to the opening date",
          "opening_at": "2036-03-05T07:00:00Z", "secret": s[0].hex()}, wrapped)
    write("locks_server_other_date", {"expect": "tampered", **base, "description": "the same "
          "wrapped secret claimed for an earlier opening date", "opening_at":
          "2030-01-01T00:00:00Z", "error": "does not decrypt"}, wrapped)

    ems = EncryptedMasterSecret.from_master_secret(s[1], b"", 4242, False, 1)
    shares = [x.mnemonic() for x in split_ems(1, [(2, 3)], ems)[0]]
    base = {"construction": "custodian-share", "threshold": "2", "shares": "3",
            "identifier": "4242"}
    write("locks_custodians_2_of_3", {"expect": "success", **base, "description": "shares 3 "
          "and 1 of a 2-of-3 split (identifier 4242, not extendable, iteration exponent 1)",
          "secret": s[1].hex()}, f"{shares[2]}\n{shares[0]}\n".encode(), encoding="text")
    words = shares[0].split()
    words[7] = "academic" if words[7] != "academic" else "acid"
    write("locks_custodians_changed_word", {"expect": "malformed", **base, "description":
          "share 1 with its eighth word replaced by another list word", "code": "share.checksum",
          "error": "share 1: checksum does not match"},
          f"{' '.join(words)}\n{shares[1]}\n".encode(), encoding="text")
    _, foreign = split_secret(os.urandom(32), 2, 3)
    write("locks_custodians_foreign_share", {"expect": "tampered", **base, "description":
          "a share of another capsule's split next to a share of this one", "code":
          "share.foreign", "error": "share 2 belongs to another capsule"},
          f"{shares[0]}\n{foreign[1]}\n".encode(), encoding="text")
    write("locks_custodians_one_of_two", {"expect": "locked", **base, "description": "one "
          "share where two are needed", "code": "share.too_few", "error": "need 2 of 3 shares, "
          "got 1"}, f"{shares[1]}\n".encode(), encoding="text")

    capsule = build_sealed(items=DEFAULT_ITEMS[1:2], locks=[ServerLock()], seed="vector")
    zipped = _zip_bytes(capsule)
    base = {"construction": "archive", "signing_key": canonical.b64(capsule.signing.public_raw),
            "fingerprint": capsule.fingerprint, "private_key": capsule.keypair.private.hex()}
    write("archive_sealed_one_item", {"expect": "success", **base, "description": "a sealed "
          "archive of one item (server lock): verifies, and opens at its opening date",
          "now": "2036-03-05T07:00:00Z"}, zipped, encoding="base64")
    write("archive_opened_too_early", {"expect": "locked", **base, "description": "the same "
          "archive opened one second before its date, with the right key",
          "now": "2036-03-05T06:59:59Z", "error": "opens at 2036-03-05T07:00:00Z"},
          zipped, encoding="base64")
    flipped = _flip_member(zipped, "data/items/000000/document.bin")
    write("archive_flipped_blob", {"expect": "tampered", **base, "description": "one bit of "
          "the document blob flipped", "now": "2036-03-05T07:00:00Z", "error":
          "^data/items/000000/document.bin: sha256 [0-9a-f]{64} does not match "
          "manifest-sha256.txt"}, flipped, encoding="base64")


def _wrap64(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n"


def _zip_bytes(capsule) -> bytes:  # type: ignore[no-untyped-def]
    from capsule.archive_texts import archive_texts
    from capsule.core.archive import write_sealed_archive

    out = io.BytesIO()
    write_sealed_archive(out, capsule.parts(), archive_texts())
    return out.getvalue()


def _flip_member(zipped: bytes, member: str) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(zipped)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/" + member):
                data = data[:40] + bytes([data[40] ^ 0x01]) + data[41:]
            dst.writestr(info, data)
    return out.getvalue()


if __name__ == "__main__":  # pragma: no cover
    _generate(force="--force" in sys.argv)
